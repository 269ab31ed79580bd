// Writes one pyramid level of a VL Whole Slide Microscopy Image (PS3.3 A.32.8) with dcmtk: the
// generated slides of the tests and benchmarks, so that the DICOM reader is tested on files the
// project makes itself. TILED_FULL (tiles row-major) or TILED_SPARSE (a PlanePositionSlideSequence
// per frame), frames uncompressed or JPEG baseline. The Patient module is written empty.
#include "CDcmtk.h"
#include "RtDcmFile.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpeg/djrplol.h>
#include <dcmtk/dcmjpeg/djrploss.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>

namespace {

std::once_flag encoderOnce;

using rtdcm::fail;

std::string number(double v) {
    char s[32];
    std::snprintf(s, sizeof s, "%.8g", v);
    return s;
}

}  // namespace

extern "C" {

void rt_dcm_new_uid(char *buf, size_t len) {
    char uid[100];
    dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
    if (buf == nullptr || len == 0) return;
    size_t n = std::min(len - 1, std::strlen(uid));
    std::memcpy(buf, uid, n);
    buf[n] = 0;
}

int rt_dcm_write_wsi_level(const rt_dcm_wsi_level *level, const uint8_t *frames, size_t bytes, const char *path,
                           char *err, size_t errlen) {
    try {
        rt_dcm_setup();
        std::call_once(encoderOnce, [] { DJEncoderRegistration::registerCodecs(); });
        if (level == nullptr || frames == nullptr || path == nullptr || level->study_uid == nullptr ||
            level->series_uid == nullptr || level->frame_of_reference_uid == nullptr || level->pyramid_uid == nullptr)
            return fail(err, errlen, "missing argument");
        const rt_dcm_wsi_level &l = *level;
        if (l.tile_size < 1 || l.tile_size > 65535 || l.frames < 1 || l.total_columns < 1 || l.total_rows < 1)
            return fail(err, errlen, "empty level or tile size outside 1–65535");
        uint64_t frameBytes = uint64_t(l.tile_size) * l.tile_size * 3;
        if (uint64_t(bytes) != frameBytes * l.frames || frameBytes * l.frames > 0xFFFFFFF0ull)
            return fail(err, errlen, "frame data holds " + std::to_string(bytes) + " bytes, " + std::to_string(l.frames) +
                                     " frames need " + std::to_string(frameBytes * l.frames));

        DcmFileFormat file;
        DcmDataset *ds = file.getDataset();
        OFCondition c = EC_Normal;
        auto put = [&](DcmItem *item, const DcmTagKey &key, const std::string &value) {
            if (c.good()) c = item->putAndInsertString(key, value.c_str());
        };
        auto putU16 = [&](const DcmTagKey &key, Uint16 v) { if (c.good()) c = ds->putAndInsertUint16(key, v); };
        auto putU32 = [&](const DcmTagKey &key, Uint32 v) { if (c.good()) c = ds->putAndInsertUint32(key, v); };
        std::string instance;
        {
            char uid[100];
            instance = dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
        }
        put(ds, DCM_SOPClassUID, UID_VLWholeSlideMicroscopyImageStorage);
        put(ds, DCM_SOPInstanceUID, instance);
        put(ds, DCM_PatientName, "");
        put(ds, DCM_PatientID, "");
        put(ds, DCM_PatientBirthDate, "");
        put(ds, DCM_PatientSex, "");
        put(ds, DCM_StudyInstanceUID, l.study_uid);
        put(ds, DCM_StudyDate, "");
        put(ds, DCM_StudyTime, "");
        put(ds, DCM_ReferringPhysicianName, "");
        put(ds, DCM_StudyID, "");
        put(ds, DCM_AccessionNumber, "");
        put(ds, DCM_SeriesInstanceUID, l.series_uid);
        put(ds, DCM_SeriesNumber, "1");
        put(ds, DCM_Modality, "SM");
        put(ds, DCM_FrameOfReferenceUID, l.frame_of_reference_uid);
        put(ds, DCM_PositionReferenceIndicator, "SLIDE_CORNER");
        put(ds, DCM_PyramidUID, l.pyramid_uid);
        put(ds, DCM_Manufacturer, "Reticle");
        put(ds, DCM_ManufacturerModelName, "synthetic slide");
        put(ds, DCM_ContainerIdentifier, "SYNTHETIC");
        put(ds, DCM_InstanceNumber, std::to_string(l.instance_number));
        put(ds, DCM_ImageType, l.image_type != nullptr ? l.image_type : "ORIGINAL\\PRIMARY\\VOLUME\\NONE");
        put(ds, DCM_ContentDate, "");
        put(ds, DCM_ContentTime, "");
        put(ds, DCM_BurnedInAnnotation, "NO");
        put(ds, DCM_SpecimenLabelInImage, "NO");
        put(ds, DCM_FocusMethod, "AUTO");
        put(ds, DCM_ExtendedDepthOfField, "NO");
        put(ds, DCM_VolumetricProperties, "VOLUME");
        put(ds, DCM_ImageOrientationSlide, "0\\-1\\0\\-1\\0\\0");
        put(ds, DCM_DimensionOrganizationType, l.positions == nullptr ? "TILED_FULL" : "TILED_SPARSE");
        put(ds, DCM_NumberOfFrames, std::to_string(l.frames));
        putU16(DCM_Rows, Uint16(l.tile_size));
        putU16(DCM_Columns, Uint16(l.tile_size));
        putU32(DCM_TotalPixelMatrixColumns, l.total_columns);
        putU32(DCM_TotalPixelMatrixRows, l.total_rows);
        putU32(DCM_TotalPixelMatrixFocalPlanes, 1);
        putU32(DCM_NumberOfOpticalPaths, 1);
        if (c.good()) c = ds->putAndInsertFloat32(DCM_ImagedVolumeWidth, Float32(l.imaged_width_mm));
        if (c.good()) c = ds->putAndInsertFloat32(DCM_ImagedVolumeHeight, Float32(l.imaged_height_mm));
        if (c.good()) c = ds->putAndInsertFloat32(DCM_ImagedVolumeDepth, 0);
        putU16(DCM_SamplesPerPixel, 3);
        put(ds, DCM_PhotometricInterpretation, "RGB");
        putU16(DCM_PlanarConfiguration, 0);
        putU16(DCM_BitsAllocated, 8);
        putU16(DCM_BitsStored, 8);
        putU16(DCM_HighBit, 7);
        putU16(DCM_PixelRepresentation, 0);
        put(ds, DCM_LossyImageCompression, "00");
        if (c.bad()) return fail(err, errlen, std::string("cannot fill the slide attributes: ") + c.text());

        DcmItem *item = nullptr;
        c = ds->findOrCreateSequenceItem(DCM_OpticalPathSequence, item, 0);
        put(item, DCM_OpticalPathIdentifier, "1");
        DcmItem *code = nullptr;
        if (c.good()) c = item->findOrCreateSequenceItem(DCM_IlluminationTypeCodeSequence, code, 0);
        put(code, DCM_CodeValue, "111744");
        put(code, DCM_CodingSchemeDesignator, "DCM");
        put(code, DCM_CodeMeaning, "Brightfield illumination");
        if (c.good()) c = item->findOrCreateSequenceItem(DCM_IlluminationColorCodeSequence, code, 0);
        put(code, DCM_CodeValue, "414298005");
        put(code, DCM_CodingSchemeDesignator, "SCT");
        put(code, DCM_CodeMeaning, "Full Spectrum");
        // Pixel spacing of this level, shared by every frame.
        DcmItem *shared = nullptr, *measures = nullptr;
        if (c.good()) c = ds->findOrCreateSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0);
        if (c.good()) c = shared->findOrCreateSequenceItem(DCM_PixelMeasuresSequence, measures, 0);
        put(measures, DCM_PixelSpacing, number(l.pixel_spacing_mm) + "\\" + number(l.pixel_spacing_mm));
        put(measures, DCM_SliceThickness, "0");
        if (c.bad()) return fail(err, errlen, std::string("cannot fill the slide sequences: ") + c.text());
        if (l.positions != nullptr) {
            for (uint32_t f = 0; f < l.frames && c.good(); f++) {
                DcmItem *frameItem = nullptr, *position = nullptr;
                c = ds->findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frameItem, long(f));
                if (c.good()) c = frameItem->findOrCreateSequenceItem(DCM_PlanePositionSlideSequence, position, 0);
                if (c.good()) c = position->putAndInsertSint32(DCM_ColumnPositionInTotalImagePixelMatrix, l.positions[2 * f]);
                if (c.good()) c = position->putAndInsertSint32(DCM_RowPositionInTotalImagePixelMatrix, l.positions[2 * f + 1]);
                put(position, DCM_XOffsetInSlideCoordinateSystem, "0");
                put(position, DCM_YOffsetInSlideCoordinateSystem, "0");
                put(position, DCM_ZOffsetInSlideCoordinateSystem, "0");
            }
            if (c.bad()) return fail(err, errlen, std::string("cannot write the frame positions: ") + c.text());
        }
        c = ds->putAndInsertUint8Array(DCM_PixelData, frames, Uint32(bytes));
        if (c.bad()) return fail(err, errlen, std::string("cannot store the frames: ") + c.text());

        E_TransferSyntax syntax = EXS_LittleEndianExplicit;
        if (l.jpeg_quality > 0) {
            if (l.jpeg_quality > 100) return fail(err, errlen, "JPEG quality must be 1–100");
            syntax = EXS_JPEGProcess1;
            DJ_RPLossy params(l.jpeg_quality);
            c = ds->chooseRepresentation(syntax, &params);
            if (c.bad() || !ds->canWriteXfer(syntax))
                return fail(err, errlen, std::string("cannot encode the frames as JPEG: ") + c.text());
        }
        c = file.saveFile(OFFilename(path), syntax, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_fileformat);
        if (c.bad()) return fail(err, errlen, std::string("cannot write ") + path + ": " + c.text());
        return RT_DCM_OK;
    } catch (const std::exception &e) {
        return fail(err, errlen, std::string("dcmtk failed: ") + e.what());
    } catch (...) {
        return fail(err, errlen, "dcmtk failed with an unknown exception");
    }
}

}  // extern "C"
