// dcmtk 3.6.7 behind the plain-C API of CDcmtk.h. Monochrome frames are decoded here to
// modality-LUT values (exact, as pydicom's apply_modality_lut); colour frames go through
// DicomImage, which handles YBR, palette colour and planar configuration.
#include "CDcmtk.h"
#include "RtDcmFile.h"
#include "RtJ2KCodec.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmimage/diregist.h>   // colour image support for DicomImage
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

namespace {

// Frames of more samples than this (16384² grey, 9459² RGB) are refused rather than allocated:
// a hostile Rows × Columns must not exhaust memory, and dcmtk addresses frames with 32-bit lengths.
const uint64_t kMaxFrameSamples = 1ull << 28;

std::once_flag setupOnce;

using rtdcm::fail;
using rtdcm::put;

std::string tagText(const DcmTagKey &key) {
    char s[16];
    std::snprintf(s, sizeof s, "(%04X,%04X)", key.getGroup(), key.getElement());
    return s;
}

std::string numberText(double v) {
    char s[32];
    std::snprintf(s, sizeof s, "%.10g", v);
    return s;
}

DcmElement *findIn(DcmItem *item, const DcmTagKey &key) {
    DcmElement *el = nullptr;
    if (item == nullptr || item->findAndGetElement(key, el, OFFalse).bad()) return nullptr;
    return el;
}

DcmElement *findElement(const rt_dcm_file *f, uint16_t group, uint16_t element) {
    DcmItem *item = group == 0x0002 ? static_cast<DcmItem *>(f->meta()) : static_cast<DcmItem *>(f->dataset());
    return findIn(item, DcmTagKey(group, element));
}

// One value of a numeric attribute, whatever its VR: binary VRs through their typed getters,
// DS/IS (and anything else) through their text.
bool numberOf(DcmElement *el, unsigned long pos, double &out) {
    if (el == nullptr || pos >= el->getVM()) return false;
    switch (el->getVR()) {
    case EVR_US: { Uint16 v; if (el->getUint16(v, pos).bad()) return false; out = v; return true; }
    case EVR_SS: { Sint16 v; if (el->getSint16(v, pos).bad()) return false; out = v; return true; }
    case EVR_UL: { Uint32 v; if (el->getUint32(v, pos).bad()) return false; out = v; return true; }
    case EVR_SL: { Sint32 v; if (el->getSint32(v, pos).bad()) return false; out = v; return true; }
    case EVR_FL: { Float32 v; if (el->getFloat32(v, pos).bad()) return false; out = v; return true; }
    case EVR_FD: { Float64 v; if (el->getFloat64(v, pos).bad()) return false; out = v; return true; }
    default: break;
    }
    OFString text;
    if (el->getOFString(text, pos, OFTrue).bad()) return false;
    // Trim the padding DS/IS may carry; what is left must be a plain number ("1A" is not 1).
    size_t a = text.find_first_not_of(" \t"), b = text.find_last_not_of(" \t");
    if (a == OFString_npos) return false;
    std::string s(text.c_str() + a, b - a + 1);
    if (s.find_first_not_of("+-0123456789.eE") != std::string::npos) return false;
    OFBool ok = OFFalse;
    double v = OFStandard::atof(s.c_str(), &ok);  // locale-independent, unlike strtod
    if (!ok || !std::isfinite(v)) return false;
    out = v;
    return true;
}

bool numberAt(DcmItem *item, const DcmTagKey &key, double &out, unsigned long pos = 0) {
    return numberOf(findIn(item, key), pos, out);
}

std::string transferSyntaxUID(const rt_dcm_file *f) {
    OFString uid;
    if (f->meta()->findAndGetOFString(DCM_TransferSyntaxUID, uid).good() && !uid.empty())
        return std::string(uid.c_str());
    return DcmXfer(f->dataset()->getOriginalXfer()).getXferID();
}

// "unsupported transfer syntax <UID> (<name>)", or empty when frames in it can be decoded.
std::string undecodableReason(const rt_dcm_file *f) {
    std::string uid = transferSyntaxUID(f);
    DcmXfer xfer(uid.c_str());
    E_TransferSyntax ts = xfer.getXfer();
    bool ok = ts != EXS_Unknown &&
              (!xfer.isEncapsulated() || DcmCodecList::canChangeCoding(ts, EXS_LittleEndianExplicit));
    if (ok) return "";
    std::string name = ts == EXS_Unknown ? "not known to dcmtk" : xfer.getXferName();
    return "unsupported transfer syntax " + uid + " (" + name + ")";
}

// Reads and checks the image pixel module; errors name the attribute and its value.
int readInfo(const rt_dcm_file *f, rt_dcm_image_info &info, std::string &err);

// The modality LUT of PS3.3 C.11.1: a LUT sequence, else rescale slope/intercept, else identity.
struct ModalityLUT {
    std::vector<Uint16> table;
    long first = 0;
    bool rescale = false;
    double slope = 1, intercept = 0;

    double apply(int64_t v) const {
        if (!table.empty()) {
            // As pydicom: below the first mapped value -> entry 0, beyond the table -> last entry.
            int64_t i = std::max<int64_t>(0, std::min<int64_t>(v - first, int64_t(table.size()) - 1));
            return table[size_t(i)];
        }
        return rescale ? double(v) * slope + intercept : double(v);
    }
};

// One LUT item (LUTDescriptor + LUTData) of a Modality or VOI LUT Sequence, checked: the table,
// its first mapped value (signed for signed pixels) and bits per entry. `what` names it in errors.
int readLUTItem(DcmItem *item, uint32_t pixelRepresentation, const char *what, std::vector<Uint16> &table,
                long &firstMapped, uint32_t &bits, std::string &err) {
    double entries = 0, first = 0, depth = 16;
    if (!numberAt(item, DCM_LUTDescriptor, entries, 0) || !numberAt(item, DCM_LUTDescriptor, first, 1)) {
        err = std::string(what) + " has no valid LUTDescriptor (0028,3002)";
        return RT_DCM_ERROR;
    }
    numberAt(item, DCM_LUTDescriptor, depth, 2);
    if (entries < 0 || entries > 65535) {
        err = std::string(what) + " descriptor gives " + numberText(entries) + " entries";
        return RT_DCM_ERROR;
    }
    if (depth < 1 || depth > 16) {
        err = std::string(what) + " descriptor gives " + numberText(depth) + " bits per entry";
        return RT_DCM_ERROR;
    }
    // 0 entries means 65536; a first-mapped value read as US is negative for signed pixels.
    size_t n = entries == 0 ? 65536 : size_t(entries);
    if (pixelRepresentation == 1 && first >= 32768) first -= 65536;
    DcmElement *data = findIn(item, DCM_LUTData);
    Uint16 *words = nullptr;
    if (data == nullptr || data->getUint16Array(words).bad() || words == nullptr) {
        err = std::string(what) + " has no LUTData (0028,3006)";
        return RT_DCM_ERROR;
    }
    size_t have = data->getLength() / 2;
    if (have < n) {
        err = std::string(what) + " has " + std::to_string(have) + " entries, its descriptor says " + std::to_string(n);
        return RT_DCM_ERROR;
    }
    table.assign(words, words + n);
    firstMapped = long(first);
    bits = uint32_t(depth);
    return RT_DCM_OK;
}

int loadModalityLUT(DcmDataset *ds, uint32_t pixelRepresentation, ModalityLUT &lut, std::string &err) {
    DcmItem *item = nullptr;
    if (ds->findAndGetSequenceItem(DCM_ModalityLUTSequence, item, 0).good() && item != nullptr) {
        uint32_t bits = 16;
        return readLUTItem(item, pixelRepresentation, "Modality LUT Sequence", lut.table, lut.first, bits, err);
    }
    // pydicom applies the rescale only when both values are present; so do we.
    double slope = 0, intercept = 0;
    bool hasSlope = numberAt(ds, DCM_RescaleSlope, slope), hasIntercept = numberAt(ds, DCM_RescaleIntercept, intercept);
    if (!hasSlope && !hasIntercept) {
        // Enhanced multi-frame objects keep it in the shared functional groups.
        DcmItem *shared = nullptr, *pvt = nullptr;
        if (ds->findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good() && shared != nullptr &&
            shared->findAndGetSequenceItem(DCM_PixelValueTransformationSequence, pvt, 0).good() && pvt != nullptr) {
            hasSlope = numberAt(pvt, DCM_RescaleSlope, slope);
            hasIntercept = numberAt(pvt, DCM_RescaleIntercept, intercept);
        }
    }
    if (hasSlope && hasIntercept) {
        lut.rescale = true;
        lut.slope = slope;
        lut.intercept = intercept;
    }
    return RT_DCM_OK;
}

uint64_t framePixels(const rt_dcm_image_info &info) {
    return uint64_t(info.rows) * info.columns * info.samples_per_pixel;
}

// Bytes the native Pixel Data must hold for every frame (1-bit data is packed across frames;
// YBR_*_422 stores two samples per pixel: Y Y Cb Cr for each pair).
uint64_t nativeBytesNeeded(const rt_dcm_image_info &info) {
    std::string pi(info.photometric);
    bool subsampled = pi.size() > 4 && pi.compare(pi.size() - 4, 4, "_422") == 0;
    uint64_t samples = subsampled ? uint64_t(info.rows) * info.columns * 2 : framePixels(info);
    uint64_t bits = samples * info.frames * info.bits_allocated;
    return (bits + 7) / 8;
}

DcmPixelData *pixelData(const rt_dcm_file *f) {
    DcmElement *el = findIn(f->dataset(), DCM_PixelData);
    return (el != nullptr && el->ident() == EVR_PixelData) ? static_cast<DcmPixelData *>(el) : nullptr;
}

bool isEncapsulated(const rt_dcm_file *f) {
    return DcmXfer(f->dataset()->getOriginalXfer()).isEncapsulated();
}

// Checks native Pixel Data against rows × columns × samples × bits × frames.
int checkNativeLength(DcmPixelData *pix, const rt_dcm_image_info &info, std::string &err) {
    uint64_t need = nativeBytesNeeded(info), have = pix->getLength();
    if (have < need) {
        err = "pixel data is truncated: " + std::to_string(have) + " bytes, but " + std::to_string(info.rows) + " rows × " +
              std::to_string(info.columns) + " columns × " + std::to_string(info.samples_per_pixel) + " samples × " +
              std::to_string(info.bits_allocated) + " bits × " + std::to_string(info.frames) + " frames need " +
              std::to_string(need);
        return RT_DCM_ERROR;
    }
    return RT_DCM_OK;
}

// dcmtk's RLE decoder trusts the segment offsets of a frame's RLE header and reads past the
// fragment when they lie; check them first (PS3.5 G.5: one fragment per frame, a 64-byte header
// of the segment count, one segment per sample byte, and 15 offsets, increasing, inside the fragment).
int checkRLEFrame(DcmPixelData *pix, E_TransferSyntax xfer, const rt_dcm_image_info &info, uint32_t frame,
                  std::string &err) {
    DcmPixelSequence *seq = nullptr;
    if (pix->getEncapsulatedRepresentation(xfer, nullptr, seq).bad() || seq == nullptr) {
        err = "RLE pixel data is not encapsulated";
        return RT_DCM_ERROR;
    }
    unsigned long fragments = seq->card();
    if (fragments < 2 || fragments - 1 != info.frames) {
        err = "RLE pixel data has " + std::to_string(fragments ? fragments - 1 : 0) + " fragments for " +
              std::to_string(info.frames) + " frames (one per frame)";
        return RT_DCM_ERROR;
    }
    DcmPixelItem *item = nullptr;
    Uint8 *p = nullptr;
    if (seq->getItem(item, frame + 1).bad() || item == nullptr || item->getUint8Array(p).bad() || p == nullptr ||
        item->getLength() < 64) {
        err = "RLE frame " + std::to_string(frame) + " has no 64-byte RLE header";
        return RT_DCM_ERROR;
    }
    Uint32 length = item->getLength();
    auto word = [&](int i) {
        return Uint32(p[4 * i]) | Uint32(p[4 * i + 1]) << 8 | Uint32(p[4 * i + 2]) << 16 | Uint32(p[4 * i + 3]) << 24;
    };
    Uint32 segments = word(0), expected = info.samples_per_pixel * (info.bits_allocated / 8);
    if (segments != expected) {
        err = "RLE frame " + std::to_string(frame) + " has " + std::to_string(segments) + " segments, " +
              std::to_string(expected) + " expected";
        return RT_DCM_ERROR;
    }
    Uint32 previous = 64;
    for (Uint32 i = 1; i <= segments; i++) {
        Uint32 offset = word(int(i));
        if (offset < previous || offset >= length) {
            err = "RLE frame " + std::to_string(frame) + " segment " + std::to_string(i) + " offset " +
                  std::to_string(offset) + " is outside its " + std::to_string(length) + "-byte fragment";
            return RT_DCM_ERROR;
        }
        previous = offset;
    }
    return RT_DCM_OK;
}

// dcmtk 3.6.7's JPEG decoder first walks the frame's markers for the sample precision
// (DJCodecDecoder::scanJpegDataForBitDepth), and on a TEM marker (FF 01) before the frame header it
// stays at the same offset for ever (a fuzzed DICOM WSI hung `med slides`). Walk them the same
// way first, every step advancing, and refuse such a frame.
bool dcmjpegDecodes(E_TransferSyntax x) {
    return x == EXS_JPEGProcess1 || x == EXS_JPEGProcess2_4 || x == EXS_JPEGProcess6_8 || x == EXS_JPEGProcess10_12 ||
           x == EXS_JPEGProcess14 || x == EXS_JPEGProcess14SV1;
}

// The pixel sequence and the first fragment of `frame` (from the offset table, or one fragment per frame);
// false when there is none to find.
bool firstFragment(DcmPixelData *pix, E_TransferSyntax xfer, const rt_dcm_image_info &info, uint32_t frame,
                   DcmPixelSequence *&seq, Uint32 &first) {
    seq = nullptr;
    first = 0;
    return pix->getEncapsulatedRepresentation(xfer, nullptr, seq).good() && seq != nullptr &&
           DcmCodec::determineStartFragment(frame, Sint32(info.frames), seq, first).good() && first < seq->card();
}

int checkJPEGFrame(DcmPixelData *pix, E_TransferSyntax xfer, const rt_dcm_image_info &info, uint32_t frame,
                   std::string &err) {
    DcmPixelSequence *seq = nullptr;
    Uint32 first = 0;
    if (!firstFragment(pix, xfer, info, frame, seq, first)) return RT_DCM_OK;  // dcmtk finds no fragment either and says so
    DcmPixelItem *item = nullptr;
    Uint8 *p = nullptr;
    if (seq->getItem(item, first).bad() || item == nullptr || item->getUint8Array(p).bad() || p == nullptr) return RT_DCM_OK;
    const uint64_t length = item->getLength();
    uint64_t at = 0;
    while (at + 4 < length) {
        const unsigned marker = unsigned(p[at]) << 8 | p[at + 1];
        const unsigned segment = unsigned(p[at + 2]) << 8 | p[at + 3];
        if (marker == 0xff01) {
            err = "JPEG frame " + std::to_string(frame) + " has a TEM marker (FF 01) at byte " + std::to_string(at) +
                  " before its frame header, which dcmtk 3.6.7's decoder would scan for ever";
            return RT_DCM_ERROR;
        }
        if ((marker >= 0xffc0 && marker <= 0xffcf && marker != 0xffc4 && marker != 0xffc8 && marker != 0xffcc))
            return RT_DCM_OK;  // a frame header: the scan ends here
        if (marker == 0xffc4 || marker == 0xffc8 || marker == 0xffcc || (marker >= 0xffda && marker <= 0xfffe))
            at += segment + 2;
        else if (marker >= 0xffd0 && marker <= 0xffd9)
            at += 2;
        else if (marker == 0xffff)
            at += 1;  // dcmtk skips one fill byte here (a release without this case stops instead: refusing is the safe side)
        else if (p[at] == 0xff && p[at + 1] > 2 && p[at + 1] <= 0xbf)
            at += 2;
        else
            return RT_DCM_OK;  // dcmtk stops at an invalid marker and reports it
    }
    return RT_DCM_OK;
}

// The raw bytes of one frame in local byte order, plus the bit offset of its first pixel
// (non-zero only for 1-bit data whose frames do not start on a byte boundary).
int readFrameBytes(const rt_dcm_file *f, const rt_dcm_image_info &info, uint32_t frame,
                   std::vector<Uint8> &bytes, uint32_t &bitOffset, std::string &err, std::string &colorModelOut) {
    colorModelOut = info.photometric;
    DcmPixelData *pix = pixelData(f);
    if (pix == nullptr) { err = "no Pixel Data (7FE0,0010)"; return RT_DCM_ERROR; }
    DcmDataset *ds = f->dataset();
    uint64_t pixels = framePixels(info);
    bitOffset = 0;
    if (!isEncapsulated(f)) {
        int rc = checkNativeLength(pix, info, err);
        if (rc != RT_DCM_OK) return rc;
        uint64_t startBit = uint64_t(frame) * pixels * info.bits_allocated;
        uint64_t start = startBit / 8, end = (startBit + pixels * info.bits_allocated + 7) / 8;
        bitOffset = uint32_t(startBit % 8);
        // OW values are swapped word by word, so read from an even offset an even length.
        uint64_t a = start & ~uint64_t(1), b = std::min<uint64_t>((end + 1) & ~uint64_t(1), pix->getLength());
        bytes.assign(size_t(b - a), 0);
        OFCondition c = pix->getPartialValue(bytes.data(), Uint32(a), Uint32(b - a));
        if (c.bad()) { err = std::string("cannot read pixel data: ") + c.text(); return RT_DCM_ERROR; }
        if (a < start) bytes.erase(bytes.begin());
        bytes.resize(size_t(end - start));
        // 32-bit cells in a big-endian OW value come back with their 16-bit halves exchanged.
        if (info.bits_allocated == 32 && pix->getVR() == EVR_OW &&
            DcmXfer(ds->getOriginalXfer()).getByteOrder() == EBO_BigEndian && gLocalByteOrder == EBO_LittleEndian) {
            for (size_t i = 0; i + 3 < bytes.size(); i += 4) {
                std::swap(bytes[i], bytes[i + 2]);
                std::swap(bytes[i + 1], bytes[i + 3]);
            }
        }
        return RT_DCM_OK;
    }
    if (info.bits_allocated == 1) { err = "compressed 1-bit pixel data is not supported"; return RT_DCM_UNSUPPORTED; }
    Uint32 frameSize = 0;
    OFCondition c = pix->getUncompressedFrameSize(ds, frameSize);
    if (c.bad()) { err = std::string("cannot size the compressed frames: ") + c.text(); return RT_DCM_ERROR; }
    if (uint64_t(frameSize) != pixels * (info.bits_allocated / 8)) {
        err = "decoder frame size " + std::to_string(frameSize) + " does not match the image pixel module";
        return RT_DCM_ERROR;
    }
    bytes.assign(size_t(frameSize) + (frameSize & 1), 0);  // dcmtk wants room for the pad byte
    // The frame's first fragment, found from the offset table (or one fragment per frame), so
    // that frames can be read in any order and only this frame's fragments are touched.
    DcmPixelSequence *seq = nullptr;
    Uint32 startFragment = 0, first = 0;
    if (firstFragment(pix, ds->getOriginalXfer(), info, frame, seq, first)) startFragment = first;
    OFString colorModel;
    c = pix->getUncompressedFrame(ds, frame, startFragment, bytes.data(), Uint32(bytes.size()), colorModel, nullptr);
    // dcmtk keeps a fragment's bytes once read; a whole-slide level holds thousands of frames, so
    // this frame's fragments are dropped again (they reload from the file when needed).
    if (seq != nullptr && first > 0) {
        unsigned long end = c.good() && startFragment > first ? startFragment : first + 1;
        for (unsigned long k = first; k < end && k < seq->card(); k++) {
            DcmPixelItem *item = nullptr;
            if (seq->getItem(item, k).good() && item != nullptr) item->compact();
        }
    }
    if (c.bad()) {
        err = "cannot decode frame " + std::to_string(frame) + " (" + DcmXfer(ds->getOriginalXfer()).getXferName() +
              "): " + c.text();
        return RT_DCM_ERROR;
    }
    bytes.resize(frameSize);
    colorModelOut = std::string(colorModel.c_str());
    return RT_DCM_OK;
}

// A stored value: the bits_stored bits ending at high_bit, sign-extended when signed.
inline int64_t storedValue(uint32_t raw, const rt_dcm_image_info &info) {
    uint32_t shift = info.high_bit + 1 - info.bits_stored;
    uint64_t mask = info.bits_stored >= 32 ? 0xFFFFFFFFull : ((1ull << info.bits_stored) - 1);
    uint64_t v = (uint64_t(raw) >> shift) & mask;
    if (info.pixel_representation == 1 && ((v >> (info.bits_stored - 1)) & 1)) return int64_t(v) - int64_t(mask) - 1;
    return int64_t(v);
}

int readInfo(const rt_dcm_file *f, rt_dcm_image_info &info, std::string &err) {
    std::memset(&info, 0, sizeof info);
    DcmDataset *ds = f->dataset();
    auto required = [&](const DcmTagKey &key, const char *name, double &v) {
        if (numberAt(ds, key, v)) return true;
        err = std::string("missing or invalid ") + name + " " + tagText(key);
        return false;
    };
    double rows, columns, bitsAllocated;
    if (!required(DCM_Rows, "Rows", rows) || !required(DCM_Columns, "Columns", columns) ||
        !required(DCM_BitsAllocated, "BitsAllocated", bitsAllocated))
        return RT_DCM_ERROR;
    double spp = 1, bitsStored = bitsAllocated, pixelRep = 0, planar = 0, frames = 1, highBit;
    numberAt(ds, DCM_SamplesPerPixel, spp);
    numberAt(ds, DCM_BitsStored, bitsStored);
    numberAt(ds, DCM_PixelRepresentation, pixelRep);
    numberAt(ds, DCM_PlanarConfiguration, planar);
    // An empty NumberOfFrames means one frame (as pydicom reads it); a malformed one is an error.
    DcmElement *framesElement = findIn(ds, DCM_NumberOfFrames);
    if (framesElement != nullptr && framesElement->getVM() > 0 && !numberOf(framesElement, 0, frames)) {
        OFString raw;
        framesElement->getOFString(raw, 0);
        err = "invalid NumberOfFrames (0028,0008) \"" + std::string(raw.c_str()) + "\"";
        return RT_DCM_ERROR;
    }
    if (!numberAt(ds, DCM_HighBit, highBit)) highBit = bitsStored - 1;
    OFString photometric;
    if (ds->findAndGetOFString(DCM_PhotometricInterpretation, photometric).bad() || photometric.empty()) {
        err = "missing PhotometricInterpretation (0028,0004)";
        return RT_DCM_ERROR;
    }
    if (rows < 1 || columns < 1 || rows > 65535 || columns > 65535) {
        err = "impossible image size " + numberText(columns) + " × " + numberText(rows);
        return RT_DCM_ERROR;
    }
    if (frames < 1 || frames > 0x7FFFFFFF || frames != double(int64_t(frames))) {
        err = "invalid NumberOfFrames " + numberText(frames);
        return RT_DCM_ERROR;
    }
    if (bitsAllocated != 1 && bitsAllocated != 8 && bitsAllocated != 16 && bitsAllocated != 32) {
        err = "BitsAllocated " + numberText(bitsAllocated) + " is not supported (1, 8, 16 or 32)";
        return RT_DCM_UNSUPPORTED;
    }
    if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
        err = "inconsistent BitsStored " + numberText(bitsStored) + " / HighBit " + numberText(highBit) +
              " for BitsAllocated " + numberText(bitsAllocated);
        return RT_DCM_ERROR;
    }
    if (pixelRep != 0 && pixelRep != 1) {
        err = "invalid PixelRepresentation " + numberText(pixelRep);
        return RT_DCM_ERROR;
    }
    std::string pi(photometric.c_str());
    bool mono = pi == "MONOCHROME1" || pi == "MONOCHROME2";
    bool oneSample = mono || pi == "PALETTE COLOR";
    if ((oneSample && spp != 1) || (!oneSample && spp != 3)) {
        err = "PhotometricInterpretation " + pi + " with SamplesPerPixel " + numberText(spp) + " is not supported";
        return RT_DCM_UNSUPPORTED;
    }
    if (bitsAllocated == 1 && !mono) {
        err = "1-bit pixel data must be monochrome, not " + pi;
        return RT_DCM_ERROR;
    }
    info.rows = uint32_t(rows);
    info.columns = uint32_t(columns);
    info.frames = uint32_t(frames);
    info.samples_per_pixel = uint32_t(spp);
    info.bits_allocated = uint32_t(bitsAllocated);
    info.bits_stored = uint32_t(bitsStored);
    info.high_bit = uint32_t(highBit);
    info.pixel_representation = uint32_t(pixelRep);
    info.planar_configuration = uint32_t(planar);
    info.monochrome = mono ? 1 : 0;
    put(info.photometric, sizeof info.photometric, pi);
    if (framePixels(info) > kMaxFrameSamples) {
        err = "frame of " + numberText(columns) + " × " + numberText(rows) + " × " + numberText(spp) +
              " samples is larger than Reticle decodes in memory (2^28 samples)";
        return RT_DCM_UNSUPPORTED;
    }
    if (mono) {
        ModalityLUT lut;
        int rc = loadModalityLUT(ds, info.pixel_representation, lut, err);
        if (rc != RT_DCM_OK) return rc;
        // Storable extremes through the LUT; a LUT need not be monotonic, so look at all of it.
        int64_t lo = info.pixel_representation ? -(int64_t(1) << (info.bits_stored - 1)) : 0;
        int64_t hi = info.pixel_representation ? (int64_t(1) << (info.bits_stored - 1)) - 1
                                               : (int64_t(1) << info.bits_stored) - 1;
        double a = lut.apply(lo), b = lut.apply(hi);
        info.modality_min = std::min(a, b);
        info.modality_max = std::max(a, b);
        for (Uint16 v : lut.table) {
            info.modality_min = std::min(info.modality_min, double(v));
            info.modality_max = std::max(info.modality_max, double(v));
        }
    }
    return RT_DCM_OK;
}

bool hasFileMetaMagic(const char *path) {
    FILE *fp = std::fopen(path, "rb");
    if (fp == nullptr) return false;
    char head[132];
    size_t n = std::fread(head, 1, sizeof head, fp);
    std::fclose(fp);
    return n == sizeof head && std::memcmp(head + 128, "DICM", 4) == 0;
}

// Shared preamble of the decode calls: pixel data in a decodable transfer syntax, a valid
// frame number, and (for native data, which DicomImage would silently pad) enough bytes.
int prepareDecode(const rt_dcm_file *f, uint32_t frame, rt_dcm_image_info &info, std::string &err) {
    if (pixelData(f) == nullptr) { err = "no Pixel Data (7FE0,0010)"; return RT_DCM_ERROR; }
    err = undecodableReason(f);
    if (!err.empty()) return RT_DCM_UNSUPPORTED;
    int rc = readInfo(f, info, err);
    if (rc != RT_DCM_OK) return rc;
    if (frame >= info.frames) {
        err = "frame " + std::to_string(frame) + " out of range (" + std::to_string(info.frames) + " frames)";
        return RT_DCM_ERROR;
    }
    // Native data is checked against the geometry before anyone allocates a frame for it.
    if (!isEncapsulated(f)) return checkNativeLength(pixelData(f), info, err);
    E_TransferSyntax xfer = f->dataset()->getOriginalXfer();
    if (DcmXfer(xfer).getXfer() == EXS_RLELossless) return checkRLEFrame(pixelData(f), xfer, info, frame, err);
    if (dcmjpegDecodes(DcmXfer(xfer).getXfer())) return checkJPEGFrame(pixelData(f), xfer, info, frame, err);
    return RT_DCM_OK;
}

}  // namespace

// Process-wide dcmtk settings, made once: decoders registered, the logger silenced so that batch
// output stays clean (every failure is reported through our own error text instead).
void rt_dcm_setup() {
    std::call_once(setupOnce, [] {
        OFLog::configure(OFLogger::OFF_LOG_LEVEL);
        // Explicit-VR files may carry known attributes as UN (Modality, Rows, ...); read them with
        // their dictionary VR, as pydicom does, rather than as bytes.
        dcmEnableUnknownVRConversion.set(OFTrue);
        // A dataset written implicit VR under an explicit transfer syntax (SC_rgb_jpeg.dcm) is read
        // element by element as implicit, as pydicom reads it, instead of failing on a bogus VR.
        dcmAcceptUnexpectedImplicitEncoding.set(OFTrue);
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
        rt_register_j2k_codec();
    });
}

extern "C" {

const char *rt_dcm_library_version(void) { return OFFIS_DCMTK_VERSION_STRING; }

void rt_dcm_uid_name(const char *uid, char *name, size_t namelen) {
    put(name, namelen, "");
    if (uid == nullptr) return;
    try { put(name, namelen, dcmFindNameOfUID(uid, "")); } catch (...) {}
}

rt_dcm_file *rt_dcm_open(const char *path, char *err, size_t errlen) {
    try {
        rt_dcm_setup();
        if (!dcmDataDict.isDictionaryLoaded()) {
            put(err, errlen, "dcmtk data dictionary not loaded (set DCMDICTPATH to dicom.dic)");
            return nullptr;
        }
        rt_dcm_file *f = new rt_dcm_file();
        // EXS_Unknown + ERM_autoDetect: dcmtk finds the meta header, or guesses the syntax of a bare dataset.
        OFCondition c = f->format.loadFile(OFFilename(path), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
        if (c.bad() || f->dataset() == nullptr || f->meta() == nullptr) {
            std::string why = c == EC_StreamNotifyClient
                ? "the file ends inside an element (truncated, or a length or encoding that does not match its content)"
                : c == EC_InvalidStream ? "invalid stream (truncated or damaged)"
                : (c.bad() ? c.text() : "no dataset");
            put(err, errlen, "not a readable DICOM file: " + why);
            delete f;
            return nullptr;
        }
        f->hasMeta = hasFileMetaMagic(path);
        return f;
    } catch (const std::exception &e) {
        put(err, errlen, std::string("dcmtk failed: ") + e.what());
    } catch (...) {
        put(err, errlen, "dcmtk failed with an unknown exception");
    }
    return nullptr;
}

void rt_dcm_close(rt_dcm_file *file) {
    try { delete file; } catch (...) {}
}

int rt_dcm_has_meta_header(const rt_dcm_file *file) { return file != nullptr && file->hasMeta ? 1 : 0; }

void rt_dcm_transfer_syntax(const rt_dcm_file *file, char *uid, size_t uidlen, char *name, size_t namelen) {
    put(uid, uidlen, "");
    put(name, namelen, "");
    try {
        std::string u = transferSyntaxUID(file);
        DcmXfer xfer(u.c_str());
        put(uid, uidlen, u);
        put(name, namelen, xfer.getXfer() == EXS_Unknown ? "unknown" : xfer.getXferName());
    } catch (...) {}
}

int rt_dcm_transfer_syntax_decodable(const rt_dcm_file *file) {
    try { return undecodableReason(file).empty() ? 1 : 0; } catch (...) { return 0; }
}

long rt_dcm_get_string(const rt_dcm_file *file, uint16_t group, uint16_t element, char *buf, size_t buflen) {
    put(buf, buflen, "");
    try {
        DcmElement *el = findElement(file, group, element);
        OFString value;
        if (el == nullptr || el->ident() == EVR_SQ || el->getOFStringArray(value).bad()) return -1;
        put(buf, buflen, std::string(value.c_str(), value.length()));
        return long(value.length());
    } catch (...) {
        return -1;
    }
}

int rt_dcm_get_number(const rt_dcm_file *file, uint16_t group, uint16_t element, unsigned long index, double *out) {
    try {
        double v;
        if (out == nullptr || !numberOf(findElement(file, group, element), index, v)) return 0;
        *out = v;
        return 1;
    } catch (...) {
        return 0;
    }
}

long rt_dcm_value_count(const rt_dcm_file *file, uint16_t group, uint16_t element) {
    try {
        DcmElement *el = findElement(file, group, element);
        return el == nullptr ? -1 : long(el->getVM());
    } catch (...) {
        return -1;
    }
}

int rt_dcm_get_nested_number(const rt_dcm_file *file, const uint32_t *sequences, size_t depth,
                             uint16_t group, uint16_t element, unsigned long index, double *out) {
    try {
        DcmItem *item = file->dataset();
        for (size_t i = 0; i < depth && item != nullptr; i++) {
            DcmItem *child = nullptr;
            DcmTagKey key(uint16_t(sequences[i] >> 16), uint16_t(sequences[i] & 0xFFFF));
            if (item->findAndGetSequenceItem(key, child, 0).bad()) return 0;
            item = child;
        }
        double v;
        if (item == nullptr || out == nullptr || !numberAt(item, DcmTagKey(group, element), v, index)) return 0;
        *out = v;
        return 1;
    } catch (...) {
        return 0;
    }
}

long rt_dcm_voi_lut_count(const rt_dcm_file *file) {
    try {
        DcmElement *el = findIn(file->dataset(), DCM_VOILUTSequence);
        return (el != nullptr && el->ident() == EVR_SQ) ? long(static_cast<DcmSequenceOfItems *>(el)->card()) : 0;
    } catch (...) {
        return 0;
    }
}

long rt_dcm_voi_lut(const rt_dcm_file *file, unsigned long index, int64_t *first, uint32_t *bits, uint16_t *table,
                    size_t capacity, char *err, size_t errlen) {
    try {
        DcmItem *item = nullptr;
        if (file->dataset()->findAndGetSequenceItem(DCM_VOILUTSequence, item, long(index)).bad() || item == nullptr) {
            put(err, errlen, "no VOI LUT " + std::to_string(index) + " in the VOI LUT Sequence (0028,3010)");
            return -1;
        }
        double pixelRep = 0;
        numberAt(file->dataset(), DCM_PixelRepresentation, pixelRep);
        std::vector<Uint16> lut;
        long firstMapped = 0;
        uint32_t depth = 16;
        std::string e;
        if (readLUTItem(item, pixelRep == 1 ? 1 : 0, "VOI LUT Sequence", lut, firstMapped, depth, e) != RT_DCM_OK) {
            put(err, errlen, e);
            return -1;
        }
        if (first != nullptr) *first = firstMapped;
        if (bits != nullptr) *bits = depth;
        if (table != nullptr) std::memcpy(table, lut.data(), std::min(capacity, lut.size()) * sizeof(Uint16));
        return long(lut.size());
    } catch (...) {
        put(err, errlen, "dcmtk failed reading the VOI LUT Sequence");
        return -1;
    }
}

int rt_dcm_has_pixel_data(const rt_dcm_file *file) {
    try { return pixelData(file) != nullptr ? 1 : 0; } catch (...) { return 0; }
}

int rt_dcm_image_info_get(const rt_dcm_file *file, rt_dcm_image_info *info, char *err, size_t errlen) {
    try {
        std::string e;
        rt_dcm_image_info i;
        int rc = readInfo(file, i, e);
        if (rc != RT_DCM_OK) return fail(err, errlen, rc, e);
        *info = i;
        return RT_DCM_OK;
    } catch (const std::exception &e) {
        return fail(err, errlen, RT_DCM_ERROR, std::string("dcmtk failed: ") + e.what());
    } catch (...) {
        return fail(err, errlen, RT_DCM_ERROR, "dcmtk failed with an unknown exception");
    }
}

int rt_dcm_check_frame(const rt_dcm_file *file, uint32_t frame, char *err, size_t errlen) {
    try {
        std::string e;
        rt_dcm_image_info info;
        int rc = prepareDecode(file, frame, info, e);
        return rc == RT_DCM_OK ? rc : fail(err, errlen, rc, e);
    } catch (const std::exception &e) {
        return fail(err, errlen, RT_DCM_ERROR, std::string("dcmtk failed: ") + e.what());
    } catch (...) {
        return fail(err, errlen, RT_DCM_ERROR, "dcmtk failed with an unknown exception");
    }
}

// A frame's bytes, checked to hold `count` samples of `bits_allocated` bits after the first
// frame's bit offset (1-bit frames need not start on a byte).
static int readFrameSamples(rt_dcm_file *file, const rt_dcm_image_info &info, uint32_t frame, uint64_t count,
                            std::vector<Uint8> &bytes, uint32_t &bitOffset, std::string &e) {
    std::string colorModel;
    int rc = readFrameBytes(file, info, frame, bytes, bitOffset, e, colorModel);
    if (rc != RT_DCM_OK) return rc;
    uint64_t need = (count * info.bits_allocated + bitOffset + 7) / 8;
    if (bytes.size() < need) {
        e = "frame " + std::to_string(frame) + " holds " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(need);
        return RT_DCM_ERROR;
    }
    return RT_DCM_OK;
}

// Sample `i` of bytes checked by readFrameSamples, as stored (little endian, unmasked).
static inline uint32_t rawSample(const Uint8 *p, uint64_t i, unsigned bitsAllocated, uint32_t bitOffset) {
    switch (bitsAllocated) {
    case 1: { uint64_t bit = bitOffset + i; return (p[bit / 8] >> (bit % 8)) & 1; }
    case 8: return p[i];
    case 16: { Uint16 v; std::memcpy(&v, p + 2 * i, 2); return v; }
    default: { Uint32 v; std::memcpy(&v, p + 4 * i, 4); return v; }
    }
}

int rt_dcm_decode_modality(rt_dcm_file *file, uint32_t frame, float *out, size_t count, char *err, size_t errlen) {
    try {
        std::string e;
        rt_dcm_image_info info;
        int rc = prepareDecode(file, frame, info, e);
        if (rc != RT_DCM_OK) return fail(err, errlen, rc, e);
        if (!info.monochrome) return fail(err, errlen, RT_DCM_ERROR, std::string(info.photometric) + " is not monochrome");
        uint64_t pixels = framePixels(info);
        if (out == nullptr || count != pixels)
            return fail(err, errlen, RT_DCM_ERROR, "output holds " + std::to_string(count) + " values, frame has " +
                                                   std::to_string(pixels));
        ModalityLUT lut;
        rc = loadModalityLUT(file->dataset(), info.pixel_representation, lut, e);
        if (rc != RT_DCM_OK) return fail(err, errlen, rc, e);
        std::vector<Uint8> bytes;
        uint32_t bitOffset = 0;
        rc = readFrameSamples(file, info, frame, pixels, bytes, bitOffset, e);
        if (rc != RT_DCM_OK) return fail(err, errlen, rc, e);
        const Uint8 *p = bytes.data();
        for (uint64_t i = 0; i < pixels; i++) {
            uint32_t raw = rawSample(p, i, info.bits_allocated, bitOffset);
            out[i] = float(lut.apply(storedValue(raw, info)));
        }
        return RT_DCM_OK;
    } catch (const std::exception &e) {
        return fail(err, errlen, RT_DCM_ERROR, std::string("dcmtk failed: ") + e.what());
    } catch (...) {
        return fail(err, errlen, RT_DCM_ERROR, "dcmtk failed with an unknown exception");
    }
}

int rt_dcm_decode_stored(rt_dcm_file *file, uint32_t frame, int64_t *out, size_t count, char *err, size_t errlen) {
    try {
        std::string e;
        rt_dcm_image_info info;
        int rc = prepareDecode(file, frame, info, e);
        if (rc != RT_DCM_OK) return fail(err, errlen, rc, e);
        std::string pi(info.photometric);
        if (!isEncapsulated(file) && pi.size() > 4 && pi.compare(pi.size() - 4, 4, "_422") == 0)
            return fail(err, errlen, RT_DCM_UNSUPPORTED, pi + " stores chroma subsampled: decode it as colour");
        uint64_t pixels = uint64_t(info.rows) * info.columns, samples = framePixels(info);
        if (out == nullptr || count != samples)
            return fail(err, errlen, RT_DCM_ERROR, "output holds " + std::to_string(count) + " values, frame has " +
                                                   std::to_string(samples));
        std::vector<Uint8> bytes;
        uint32_t bitOffset = 0;
        rc = readFrameSamples(file, info, frame, samples, bytes, bitOffset, e);
        if (rc != RT_DCM_OK) return fail(err, errlen, rc, e);
        const Uint8 *p = bytes.data();
        bool planar = info.samples_per_pixel == 3 && info.planar_configuration == 1;
        for (uint64_t i = 0; i < samples; i++) {
            uint32_t raw = rawSample(p, i, info.bits_allocated, bitOffset);
            // Planar frames hold all reds, then greens, then blues; the output is interleaved.
            uint64_t cell = planar ? (i % pixels) * 3 + i / pixels : i;
            out[cell] = storedValue(raw, info);
        }
        return RT_DCM_OK;
    } catch (const std::exception &e) {
        return fail(err, errlen, RT_DCM_ERROR, std::string("dcmtk failed: ") + e.what());
    } catch (...) {
        return fail(err, errlen, RT_DCM_ERROR, "dcmtk failed with an unknown exception");
    }
}

int rt_dcm_decode_color(rt_dcm_file *file, uint32_t frame, int bits, void *out, size_t bytes, char *err, size_t errlen) {
    try {
        std::string e;
        rt_dcm_image_info info;
        int rc = prepareDecode(file, frame, info, e);
        if (rc != RT_DCM_OK) return fail(err, errlen, rc, e);
        if (info.monochrome) return fail(err, errlen, RT_DCM_ERROR, "image is monochrome, not colour");
        if (bits != 8 && bits != 16) return fail(err, errlen, RT_DCM_ERROR, "output bits must be 8 or 16");
        uint64_t need = uint64_t(info.rows) * info.columns * 3 * uint64_t(bits / 8);
        if (out == nullptr || bytes != need)
            return fail(err, errlen, RT_DCM_ERROR, "output holds " + std::to_string(bytes) + " bytes, frame needs " +
                                                   std::to_string(need));
        // Partial access decodes only this frame and leaves the shared dataset as it was.
        DicomImage image(file->dataset(), file->dataset()->getOriginalXfer(), CIF_UsePartialAccessToPixelData, frame, 1);
        if (image.getStatus() != EIS_Normal)
            return fail(err, errlen, RT_DCM_ERROR, std::string("cannot decode frame ") + std::to_string(frame) + ": " +
                                                   DicomImage::getString(image.getStatus()));
        if (image.isMonochrome() || image.getWidth() != info.columns || image.getHeight() != info.rows)
            return fail(err, errlen, RT_DCM_ERROR, "decoded frame does not match the image pixel module");
        if (image.getOutputDataSize(bits) != need)
            return fail(err, errlen, RT_DCM_ERROR, "decoded frame has " + std::to_string(image.getOutputDataSize(bits)) +
                                                   " bytes, expected " + std::to_string(need));
        if (!image.getOutputData(out, (unsigned long)bytes, bits, 0, 0))
            return fail(err, errlen, RT_DCM_ERROR, "cannot render frame " + std::to_string(frame) + " to RGB");
        return RT_DCM_OK;
    } catch (const std::exception &e) {
        return fail(err, errlen, RT_DCM_ERROR, std::string("dcmtk failed: ") + e.what());
    } catch (...) {
        return fail(err, errlen, RT_DCM_ERROR, "dcmtk failed with an unknown exception");
    }
}

int rt_dcm_decode_rgb8(rt_dcm_file *file, uint32_t frame, uint8_t *out, size_t bytes, char *err, size_t errlen) {
    try {
        std::string e;
        rt_dcm_image_info info;
        int rc = prepareDecode(file, frame, info, e);
        if (rc != RT_DCM_OK) return fail(err, errlen, rc, e);
        uint64_t pixels = uint64_t(info.rows) * info.columns;
        if (out == nullptr || bytes != pixels * 3)
            return fail(err, errlen, RT_DCM_ERROR, "output holds " + std::to_string(bytes) + " bytes, frame needs " +
                                                   std::to_string(pixels * 3));
        std::string pi(info.photometric);
        bool encapsulated = isEncapsulated(file);
        // Native YBR and palette colour need DicomImage's conversions; they are rare in slides.
        if (!info.monochrome && !encapsulated && pi != "RGB") {
            if (info.bits_allocated != 8) return fail(err, errlen, RT_DCM_UNSUPPORTED, pi + " frames of " +
                                                      std::to_string(info.bits_allocated) + " bits are not read as slides");
            return rt_dcm_decode_color(file, frame, 8, out, bytes, err, errlen);
        }
        if (info.bits_allocated != 8 && info.bits_allocated != 16)
            return fail(err, errlen, RT_DCM_UNSUPPORTED, std::to_string(info.bits_allocated) + "-bit frames are not read as slides");
        // Below, a frame is one sample per pixel (monochrome) or three: anything else (an
        // encapsulated palette frame, say) would be read past the samples it holds.
        if (info.samples_per_pixel != (info.monochrome ? 1u : 3u))
            return fail(err, errlen, RT_DCM_UNSUPPORTED, pi + " frames of " + std::to_string(info.samples_per_pixel) +
                                                         " samples per pixel are not read as slides");
        std::vector<Uint8> raw;
        uint32_t bitOffset = 0;
        std::string model;
        rc = readFrameBytes(file, info, frame, raw, bitOffset, e, model);
        if (rc != RT_DCM_OK) return fail(err, errlen, rc, e);
        uint64_t samples = pixels * info.samples_per_pixel;
        if (raw.size() < samples * (info.bits_allocated / 8))
            return fail(err, errlen, RT_DCM_ERROR, "frame " + std::to_string(frame) + " holds " + std::to_string(raw.size()) +
                                                   " bytes, expected " + std::to_string(samples * (info.bits_allocated / 8)));
        // Samples to 8 bits: the BitsStored bits from HighBit down, scaled to 0...255.
        const Uint8 *p = raw.data();
        double top = double((uint64_t(1) << info.bits_stored) - 1);
        auto sample8 = [&](uint64_t i) -> uint8_t {
            uint32_t r = rawSample(p, i, info.bits_allocated, 0);
            int64_t v = storedValue(r, info);
            if (info.pixel_representation == 1) v += int64_t(1) << (info.bits_stored - 1);
            return info.bits_stored == 8 ? uint8_t(v) : uint8_t(std::lround(double(v) * 255.0 / top));
        };
        if (info.monochrome) {
            bool invert = pi == "MONOCHROME1";
            for (uint64_t i = 0; i < pixels; i++) {
                uint8_t v = sample8(i);
                if (invert) v = uint8_t(255 - v);
                out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = v;
            }
            return RT_DCM_OK;
        }
        // Compressed colour frames come out in the codec's colour model: RGB (JPEG converts
        // YBR_FULL_422 by default) or YBR_FULL (some JPEG-LS and RLE frames), which is converted here.
        bool planar = info.planar_configuration == 1 && !encapsulated;
        bool ybr = model.compare(0, 3, "YBR") == 0;
        for (uint64_t i = 0; i < pixels; i++) {
            uint8_t a = sample8(planar ? i : 3 * i), b = sample8(planar ? pixels + i : 3 * i + 1),
                    c = sample8(planar ? 2 * pixels + i : 3 * i + 2);
            if (ybr) {
                double y = a, cb = double(b) - 128, cr = double(c) - 128;
                auto clamp = [](double v) { return uint8_t(std::max(0.0, std::min(255.0, std::round(v)))); };
                out[3 * i] = clamp(y + 1.402 * cr);
                out[3 * i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
                out[3 * i + 2] = clamp(y + 1.772 * cb);
            } else {
                out[3 * i] = a;
                out[3 * i + 1] = b;
                out[3 * i + 2] = c;
            }
        }
        return RT_DCM_OK;
    } catch (const std::exception &e) {
        return fail(err, errlen, RT_DCM_ERROR, std::string("dcmtk failed: ") + e.what());
    } catch (...) {
        return fail(err, errlen, RT_DCM_ERROR, "dcmtk failed with an unknown exception");
    }
}

long rt_dcm_frame_positions(const rt_dcm_file *file, int64_t *columns, int64_t *rows, size_t capacity, char *err,
                            size_t errlen) {
    try {
        DcmElement *el = findIn(file->dataset(), DCM_PerFrameFunctionalGroupsSequence);
        if (el == nullptr || el->ident() != EVR_SQ) {
            put(err, errlen, "no PerFrameFunctionalGroupsSequence (5200,9230)");
            return -1;
        }
        DcmSequenceOfItems *seq = static_cast<DcmSequenceOfItems *>(el);
        unsigned long n = seq->card();
        if (columns == nullptr || rows == nullptr || capacity == 0) return long(n);
        for (unsigned long i = 0; i < n && i < capacity; i++) {
            DcmItem *position = nullptr;
            double c = 0, r = 0;
            if (seq->getItem(i)->findAndGetSequenceItem(DCM_PlanePositionSlideSequence, position, 0).bad() ||
                position == nullptr || !numberAt(position, DCM_ColumnPositionInTotalImagePixelMatrix, c) ||
                !numberAt(position, DCM_RowPositionInTotalImagePixelMatrix, r)) {
                put(err, errlen, "frame " + std::to_string(i) + " has no PlanePositionSlideSequence > " +
                                 "ColumnPositionInTotalImagePixelMatrix/RowPositionInTotalImagePixelMatrix");
                return -1;
            }
            if (std::fabs(c) > 1e9 || std::fabs(r) > 1e9 || c != std::floor(c) || r != std::floor(r)) {
                put(err, errlen, "frame " + std::to_string(i) + " has an impossible position " + numberText(c) + ", " + numberText(r));
                return -1;
            }
            columns[i] = int64_t(c);
            rows[i] = int64_t(r);
        }
        return long(n);
    } catch (...) {
        put(err, errlen, "dcmtk failed reading the PerFrameFunctionalGroupsSequence");
        return -1;
    }
}

}  // extern "C"
