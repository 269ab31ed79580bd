// Classification results written back as DICOM: a Comprehensive SR (dcmsr) and an RGB Secondary
// Capture (dcmdata), each a new instance in a new series of the source's study.
//
// What is copied from the source, and why: the Study Instance UID (so a viewer files the result
// with the study) and the source's SOP Class/Instance and Series UIDs (the SR's image reference and
// evidence, the SC's Source Image Sequence). Nothing else: the Patient module, whose attributes
// the standard requires to be present (Type 2), is written empty, as are Study Date/Time, Study
// ID, Accession Number and Referring Physician, so no patient name or ID leaves with a result.
#include "CDcmtk.h"
#include "RtDcmFile.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmsr/dsrdoc.h>
#include <dcmtk/dcmsr/dsrnumvl.h>
#include <dcmtk/dcmsr/dsrimgvl.h>
#include <dcmtk/dcmsr/dsrcodvl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

// A private coding scheme for what no standard code says (the model's own labels).
const char *const kScheme = "99RETICLE";

using rtdcm::fail;

std::string stringOf(DcmItem *item, const DcmTagKey &key) {
    OFString v;
    if (item == nullptr || item->findAndGetOFString(key, v).bad()) return "";
    return std::string(v.c_str());
}

std::string newUID() {
    char uid[100];
    return dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
}

bool isASCII(const std::string &s) {
    for (unsigned char c : s) if (c >= 0x80) return false;
    return true;
}

// The source's identity: the UIDs a result must point back to. The study is new when the source
// has none (a bare dataset), so the result is still valid; the instance must exist to be referenced.
struct SourceIdentity {
    std::string study, series, sopClass, sopInstance;
};

bool identify(rt_dcm_file *source, SourceIdentity &id, std::string &why) {
    DcmDataset *ds = source->dataset();
    id.study = stringOf(ds, DCM_StudyInstanceUID);
    id.series = stringOf(ds, DCM_SeriesInstanceUID);
    id.sopClass = stringOf(ds, DCM_SOPClassUID);
    id.sopInstance = stringOf(ds, DCM_SOPInstanceUID);
    if (id.sopClass.empty()) id.sopClass = stringOf(source->meta(), DCM_MediaStorageSOPClassUID);
    if (id.sopInstance.empty()) id.sopInstance = stringOf(source->meta(), DCM_MediaStorageSOPInstanceUID);
    if (id.sopClass.empty() || id.sopInstance.empty()) {
        why = "the source has no SOP Class or SOP Instance UID to reference";
        return false;
    }
    if (id.study.empty()) id.study = newUID();
    if (id.series.empty()) id.series = newUID();
    return true;
}

// Date and time of creation, "YYYYMMDD" and "HHMMSS".
void now(OFString &date, OFString &time) {
    OFDateTime::getCurrentDateTime().getDate().getISOFormattedDate(date, OFFalse);
    OFDateTime::getCurrentDateTime().getTime().getISOFormattedTime(time, OFTrue, OFFalse, OFFalse, OFFalse);
}

OFCondition save(DcmFileFormat &file, const char *path) {
    return file.saveFile(OFFilename(path), EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_recalcGL, EPD_noChange,
                         0, 0, EWM_fileformat);
}

std::string conditionText(const char *what, const OFCondition &c) { return std::string(what) + ": " + c.text(); }

}  // namespace

extern "C" {

int rt_dcm_write_structured_report(rt_dcm_file *source, const rt_dcm_finding *finding, const char *path,
                                   char *err, size_t errlen) {
    try {
        rt_dcm_setup();
        if (source == nullptr || finding == nullptr || path == nullptr) return fail(err, errlen, "missing argument");
        std::string label = finding->label ? finding->label : "", model = finding->model_name ? finding->model_name : "";
        std::string version = finding->model_version ? finding->model_version : "";
        if (label.empty()) return fail(err, errlen, "the finding has no label");
        if (model.empty() || version.empty()) return fail(err, errlen, "the model name and version are required");
        double p = finding->probability;
        if (!std::isfinite(p) || p < 0 || p > 1) return fail(err, errlen, "probability " + std::to_string(p) + " is not in 0...1");
        SourceIdentity id;
        std::string why;
        if (!identify(source, id, why)) return fail(err, errlen, why);

        DSRDocument doc(DSRTypes::DT_ComprehensiveSR);
        OFCondition c = doc.createNewSeriesInStudy(id.study.c_str());
        if (c.bad()) return fail(err, errlen, conditionText("cannot start the report in the source's study", c));
        if (!isASCII(label + model + version)) doc.setSpecificCharacterSetType(DSRTypes::CS_UTF8);
        doc.setManufacturer("Reticle");
        doc.setManufacturerModelName(model.substr(0, 64).c_str(), OFFalse);
        doc.setSoftwareVersions(version.substr(0, 64).c_str(), OFFalse);
        doc.setSeriesDescription("Reticle classification result", OFFalse);
        doc.setSeriesNumber("9901");
        doc.setInstanceNumber("1");

        DSRDocumentTree &tree = doc.getTree();
        // Root: an imaging measurement report (TID 1500's title) holding the finding, its
        // probability, the algorithm, and the image it was read from.
        if (tree.addContentItem(DSRTypes::RT_isRoot, DSRTypes::VT_Container) == 0)
            return fail(err, errlen, "cannot create the report's root container");
        c = tree.getCurrentContentItem().setConceptName(DSRCodedEntryValue("126000", "DCM", "Imaging Measurement Report"));

        auto add = [&](DSRTypes::E_ValueType type, DSRTypes::E_AddMode mode) {
            return tree.addContentItem(DSRTypes::RT_contains, type, mode) != 0;
        };
        // The finding: the model's label as a code of the private scheme (its meaning is the label).
        std::string code;
        for (char ch : label) code += std::isalnum(static_cast<unsigned char>(ch)) ? char(std::toupper(ch)) : '_';
        if (c.good() && !add(DSRTypes::VT_Code, DSRTypes::AM_belowCurrent)) c = SR_EC_CannotAddContentItem;
        if (c.good()) c = tree.getCurrentContentItem().setConceptName(DSRCodedEntryValue("121071", "DCM", "Finding"));
        if (c.good())
            c = tree.getCurrentContentItem().setCodeValue(
                DSRCodedEntryValue(code.substr(0, 64).c_str(), kScheme, label.substr(0, 64).c_str()), OFFalse);
        // The probability, a unitless number.
        char number[32];
        std::snprintf(number, sizeof number, "%.6g", p);
        if (c.good() && !add(DSRTypes::VT_Num, DSRTypes::AM_afterCurrent)) c = SR_EC_CannotAddContentItem;
        if (c.good())
            c = tree.getCurrentContentItem().setConceptName(DSRCodedEntryValue("PROBABILITY", kScheme, "Probability of finding"));
        if (c.good())
            c = tree.getCurrentContentItem().setNumericValue(
                DSRNumericMeasurementValue(number, DSRCodedEntryValue("1", "UCUM", "no units")));
        // The algorithm (DCM codes of TID 4019).
        if (c.good() && !add(DSRTypes::VT_Text, DSRTypes::AM_afterCurrent)) c = SR_EC_CannotAddContentItem;
        if (c.good()) c = tree.getCurrentContentItem().setConceptName(DSRCodedEntryValue("111001", "DCM", "Algorithm Name"));
        if (c.good()) c = tree.getCurrentContentItem().setStringValue(model.c_str(), OFFalse);
        if (c.good() && !add(DSRTypes::VT_Text, DSRTypes::AM_afterCurrent)) c = SR_EC_CannotAddContentItem;
        if (c.good()) c = tree.getCurrentContentItem().setConceptName(DSRCodedEntryValue("111003", "DCM", "Algorithm Version"));
        if (c.good()) c = tree.getCurrentContentItem().setStringValue(version.c_str(), OFFalse);
        // The source instance.
        if (c.good() && !add(DSRTypes::VT_Image, DSRTypes::AM_afterCurrent)) c = SR_EC_CannotAddContentItem;
        if (c.good())
            c = tree.getCurrentContentItem().setConceptName(DSRCodedEntryValue("121112", "DCM", "Source of Measurement"));
        if (c.good())
            c = tree.getCurrentContentItem().setImageReference(
                DSRImageReferenceValue(id.sopClass.c_str(), id.sopInstance.c_str(), OFFalse), OFFalse);
        if (c.bad()) return fail(err, errlen, conditionText("cannot build the report content", c));
        // Evidence: the instance this report was made from (required when content references it).
        c = doc.getCurrentRequestedProcedureEvidence().addItem(id.study.c_str(), id.series.c_str(), id.sopClass.c_str(),
                                                              id.sopInstance.c_str(), OFFalse);
        if (c.bad()) return fail(err, errlen, conditionText("cannot record the source as evidence", c));

        DcmFileFormat file;
        c = doc.write(*file.getDataset());
        if (c.good()) c = save(file, path);
        if (c.bad()) return fail(err, errlen, conditionText("cannot write the report", c));
        return RT_DCM_OK;
    } catch (const std::exception &e) {
        return fail(err, errlen, std::string("dcmtk failed: ") + e.what());
    } catch (...) {
        return fail(err, errlen, "dcmtk failed with an unknown exception");
    }
}

int rt_dcm_write_secondary_capture(rt_dcm_file *source, const uint8_t *rgb, uint32_t width, uint32_t height,
                                   const char *path, char *err, size_t errlen) {
    try {
        rt_dcm_setup();
        if (source == nullptr || rgb == nullptr || path == nullptr) return fail(err, errlen, "missing argument");
        if (width < 1 || height < 1 || width > 65535 || height > 65535)
            return fail(err, errlen, "image size " + std::to_string(width) + " × " + std::to_string(height) +
                                     " does not fit DICOM Rows/Columns");
        SourceIdentity id;
        std::string why;
        if (!identify(source, id, why)) return fail(err, errlen, why);

        DcmFileFormat file;
        DcmDataset *ds = file.getDataset();
        OFString date, time;
        now(date, time);
        std::string series = newUID(), instance = newUID();
        OFCondition c = EC_Normal;
        auto put = [&](const DcmTagKey &key, const std::string &value) {
            if (c.good()) c = ds->putAndInsertString(key, value.c_str());
        };
        auto putU16 = [&](const DcmTagKey &key, Uint16 value) {
            if (c.good()) c = ds->putAndInsertUint16(key, value);
        };
        // SOP Common, Patient (empty: Type 2), General Study (only the UID kept), General Series,
        // SC Equipment, General Image, Image Pixel.
        put(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
        put(DCM_SOPInstanceUID, instance);
        put(DCM_PatientName, "");
        put(DCM_PatientID, "");
        put(DCM_PatientBirthDate, "");
        put(DCM_PatientSex, "");
        put(DCM_StudyInstanceUID, id.study);
        put(DCM_StudyDate, "");
        put(DCM_StudyTime, "");
        put(DCM_ReferringPhysicianName, "");
        put(DCM_StudyID, "");
        put(DCM_AccessionNumber, "");
        put(DCM_SeriesInstanceUID, series);
        put(DCM_Modality, "OT");
        put(DCM_SeriesNumber, "9902");
        put(DCM_SeriesDescription, "Reticle classification overlay");
        put(DCM_ConversionType, "WSD");
        put(DCM_Manufacturer, "Reticle");
        put(DCM_SecondaryCaptureDeviceManufacturer, "Reticle");
        put(DCM_InstanceNumber, "1");
        put(DCM_PatientOrientation, "");
        put(DCM_ContentDate, date.c_str());
        put(DCM_ContentTime, time.c_str());
        put(DCM_ImageType, "DERIVED\\SECONDARY");
        put(DCM_DerivationDescription, "Classification overlay computed by Reticle");
        put(DCM_BurnedInAnnotation, "NO");
        putU16(DCM_SamplesPerPixel, 3);
        put(DCM_PhotometricInterpretation, "RGB");
        putU16(DCM_PlanarConfiguration, 0);
        putU16(DCM_Rows, Uint16(height));
        putU16(DCM_Columns, Uint16(width));
        putU16(DCM_BitsAllocated, 8);
        putU16(DCM_BitsStored, 8);
        putU16(DCM_HighBit, 7);
        putU16(DCM_PixelRepresentation, 0);
        if (c.bad()) return fail(err, errlen, conditionText("cannot fill the Secondary Capture attributes", c));
        // Where the overlay came from.
        DcmItem *ref = nullptr;
        c = ds->findOrCreateSequenceItem(DCM_SourceImageSequence, ref, 0);
        if (c.good() && ref != nullptr) c = ref->putAndInsertString(DCM_ReferencedSOPClassUID, id.sopClass.c_str());
        if (c.good() && ref != nullptr) c = ref->putAndInsertString(DCM_ReferencedSOPInstanceUID, id.sopInstance.c_str());
        if (c.bad()) return fail(err, errlen, conditionText("cannot reference the source image", c));
        uint64_t bytes = uint64_t(width) * height * 3;
        if (bytes > 0xFFFFFFF0ull) return fail(err, errlen, "image too large for one Pixel Data element");
        c = ds->putAndInsertUint8Array(DCM_PixelData, rgb, Uint32(bytes));
        if (c.good()) c = save(file, path);
        if (c.bad()) return fail(err, errlen, conditionText("cannot write the Secondary Capture", c));
        return RT_DCM_OK;
    } catch (const std::exception &e) {
        return fail(err, errlen, std::string("dcmtk failed: ") + e.what());
    } catch (...) {
        return fail(err, errlen, "dcmtk failed with an unknown exception");
    }
}

}  // extern "C"
