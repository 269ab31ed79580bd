// JPEG 2000 (PS3.5 A.4.4, transfer syntaxes 1.2.840.10008.1.2.4.90-93) decoded through OpenJPEG.
// dcmtk 3.6.7 ships no JPEG 2000 codec; registering one here lets every dcmtk path that decodes
// frames (getUncompressedFrame, DicomImage, chooseRepresentation) read these files as it reads
// JPEG or RLE ones. Decode only: Reticle never writes JPEG 2000.
#include "RtJ2KCodec.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <openjpeg-2.5/openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

OFCondition failure(const std::string &why) {
    return OFCondition(OFM_dcmdata, 0x7201, OF_error, ("JPEG 2000: " + why).c_str());
}

bool isJ2K(E_TransferSyntax ts) {
    return ts == EXS_JPEG2000LosslessOnly || ts == EXS_JPEG2000 || ts == EXS_JPEG2000MulticomponentLosslessOnly ||
           ts == EXS_JPEG2000Multicomponent;
}

class J2KParameter : public DcmRepresentationParameter {
public:
    DcmRepresentationParameter *clone() const override { return new J2KParameter(); }
    const char *className() const override { return "RtJ2KParameter"; }
    OFBool operator==(const DcmRepresentationParameter &arg) const override {
        return std::strcmp(arg.className(), className()) == 0;
    }
};

class J2KCodecParameter : public DcmCodecParameter {
public:
    DcmCodecParameter *clone() const override { return new J2KCodecParameter(); }
    const char *className() const override { return "RtJ2KCodecParameter"; }
};

// The codestream in memory, read by OpenJPEG through these callbacks; every move is clamped to it.
struct MemoryStream {
    const Uint8 *data;
    size_t size, pos;
};

OPJ_SIZE_T readMem(void *buf, OPJ_SIZE_T n, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (m->pos >= m->size) return OPJ_SIZE_T(-1);
    size_t k = std::min<size_t>(n, m->size - m->pos);
    std::memcpy(buf, m->data + m->pos, k);
    m->pos += k;
    return k;
}

OPJ_OFF_T skipMem(OPJ_OFF_T n, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (n < 0) {
        OPJ_OFF_T back = std::min<OPJ_OFF_T>(-n, OPJ_OFF_T(m->pos));
        m->pos -= size_t(back);
        return -back;
    }
    OPJ_OFF_T k = std::min<OPJ_OFF_T>(n, OPJ_OFF_T(m->size - m->pos));
    m->pos += size_t(k);
    return k;
}

OPJ_BOOL seekMem(OPJ_OFF_T n, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (n < 0 || uint64_t(n) > m->size) return OPJ_FALSE;
    m->pos = size_t(n);
    return OPJ_TRUE;
}

void keepError(const char *msg, void *user) {
    auto *s = static_cast<std::string *>(user);
    if (s->empty() && msg != nullptr) {
        *s = msg;
        while (!s->empty() && (s->back() == '\n' || s->back() == ' ')) s->pop_back();
    }
}

void ignoreMessage(const char *, void *) {}

struct ImageFree { void operator()(opj_image_t *i) const { opj_image_destroy(i); } };
struct CodecFree { void operator()(opj_codec_t *c) const { opj_destroy_codec(c); } };
struct StreamFree { void operator()(opj_stream_t *s) const { opj_stream_destroy(s); } };

// What the dataset says a frame must be; the codestream is checked against it.
struct Geometry {
    Uint16 rows = 0, columns = 0, samples = 1, bitsAllocated = 0, planar = 0;
    Sint32 frames = 1;
    OFString photometric;
};

OFCondition readGeometry(DcmItem *ds, Geometry &g) {
    if (ds == nullptr) return failure("no dataset");
    if (ds->findAndGetUint16(DCM_Rows, g.rows).bad() || ds->findAndGetUint16(DCM_Columns, g.columns).bad() ||
        ds->findAndGetUint16(DCM_BitsAllocated, g.bitsAllocated).bad())
        return failure("Rows, Columns or BitsAllocated missing");
    ds->findAndGetUint16(DCM_SamplesPerPixel, g.samples);
    ds->findAndGetUint16(DCM_PlanarConfiguration, g.planar);
    ds->findAndGetOFString(DCM_PhotometricInterpretation, g.photometric);
    Sint32 frames = 1;
    if (ds->findAndGetSint32(DCM_NumberOfFrames, frames).good() && frames > 0) g.frames = frames;
    if (g.bitsAllocated != 8 && g.bitsAllocated != 16 && g.bitsAllocated != 32)
        return failure("BitsAllocated " + std::to_string(g.bitsAllocated) + " cannot hold decoded samples");
    if (g.samples != 1 && g.samples != 3) return failure("SamplesPerPixel " + std::to_string(g.samples));
    return EC_Normal;
}

// The decoder applies the inverse RCT/ICT itself, so YBR_RCT/YBR_ICT frames come out as RGB.
OFString decodedColorModel(const OFString &photometric) {
    return (photometric == "YBR_RCT" || photometric == "YBR_ICT") ? OFString("RGB") : photometric;
}

bool startsCodestream(const Uint8 *p, Uint32 n) {
    static const Uint8 jp2[12] = {0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};
    return (n >= 4 && p[0] == 0xFF && p[1] == 0x4F && p[2] == 0xFF && p[3] == 0x51) ||
           (n >= 12 && std::memcmp(p, jp2, 12) == 0);
}

// Fragments [first, last] (item indices; item 0 is the Basic Offset Table) holding frame `frame`:
// all of them for one frame, one each when the counts agree, else by the offset table, else by
// where codestreams start.
OFCondition frameFragments(DcmPixelSequence *seq, Sint32 frames, Uint32 frame, Uint32 &first, Uint32 &last) {
    Uint32 items = Uint32(seq->card());
    if (items < 2) return failure("no compressed fragments in the pixel data");
    if (frames <= 1) { first = 1; last = items - 1; return EC_Normal; }
    if (items - 1 == Uint32(frames)) { first = last = frame + 1; return EC_Normal; }
    std::vector<Uint32> starts;  // first fragment of each frame
    DcmPixelItem *table = nullptr;
    if (seq->getItem(table, 0).good() && table != nullptr && table->getLength() >= 4 * Uint32(frames)) {
        Uint8 *bot = nullptr;
        if (table->getUint8Array(bot).good() && bot != nullptr) {
            // Offsets count bytes from the first fragment's item tag; each item has an 8-byte header.
            std::vector<Uint32> position(items, 0);
            for (Uint32 i = 2; i < items; i++) {
                DcmPixelItem *prev = nullptr;
                if (seq->getItem(prev, i - 1).bad() || prev == nullptr) return failure("missing fragment");
                position[i] = position[i - 1] + 8 + prev->getLength();
            }
            for (Sint32 f = 0; f < frames; f++) {
                Uint32 offset = Uint32(bot[4 * f]) | Uint32(bot[4 * f + 1]) << 8 | Uint32(bot[4 * f + 2]) << 16 |
                                Uint32(bot[4 * f + 3]) << 24;
                auto it = std::find(position.begin() + 1, position.end(), offset);
                if (it == position.end()) { starts.clear(); break; }
                starts.push_back(Uint32(it - position.begin()));
            }
        }
    }
    if (starts.empty()) {
        for (Uint32 i = 1; i < items; i++) {
            DcmPixelItem *item = nullptr;
            Uint8 *p = nullptr;
            if (seq->getItem(item, i).good() && item != nullptr && item->getUint8Array(p).good() && p != nullptr &&
                startsCodestream(p, item->getLength()))
                starts.push_back(i);
        }
    }
    if (frame >= starts.size())
        return failure("cannot locate frame " + std::to_string(frame) + " among " + std::to_string(items - 1) +
                       " fragments");
    first = starts[frame];
    last = frame + 1 < starts.size() ? starts[frame + 1] - 1 : items - 1;
    if (last < first) return failure("fragment table out of order");
    return EC_Normal;
}

// Decodes frame `frame` into `buffer` (rows × columns × samples cells of BitsAllocated, local byte
// order, planar when PlanarConfiguration says so), after checking the codestream's geometry.
OFCondition decodeOne(DcmPixelSequence *seq, const Geometry &g, Uint32 frame, Uint8 *buffer, size_t bufSize,
                      Uint32 &nextFragment) {
    Uint32 first = 0, last = 0;
    OFCondition c = frameFragments(seq, g.frames, frame, first, last);
    if (c.bad()) return c;
    std::vector<Uint8> code;
    for (Uint32 i = first; i <= last; i++) {
        DcmPixelItem *item = nullptr;
        Uint8 *p = nullptr;
        if (seq->getItem(item, i).bad() || item == nullptr) return failure("missing fragment " + std::to_string(i));
        Uint32 n = item->getLength();
        if (n == 0) continue;
        if (item->getUint8Array(p).bad() || p == nullptr) return failure("cannot read fragment " + std::to_string(i));
        code.insert(code.end(), p, p + n);
    }
    nextFragment = last + 1;
    // Some writers put padding before the codestream; start at the first marker that opens one.
    size_t skip = 0;
    while (skip + 4 <= code.size() && !startsCodestream(code.data() + skip, Uint32(code.size() - skip))) skip++;
    if (skip + 4 > code.size()) return failure("no JPEG 2000 codestream (SOC marker or JP2 signature) in frame " +
                                               std::to_string(frame));
    bool jp2 = code[skip] == 0;

    const uint64_t pixels = uint64_t(g.rows) * g.columns;
    const uint64_t bytesPerSample = g.bitsAllocated / 8;
    if (pixels * g.samples * bytesPerSample > bufSize)
        return failure("frame buffer of " + std::to_string(bufSize) + " bytes is too small");

    std::unique_ptr<opj_codec_t, CodecFree> codec(opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
    if (!codec) return failure("cannot create the OpenJPEG decoder");
    std::string message;
    opj_set_error_handler(codec.get(), keepError, &message);
    opj_set_warning_handler(codec.get(), ignoreMessage, nullptr);
    opj_set_info_handler(codec.get(), ignoreMessage, nullptr);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    if (!opj_setup_decoder(codec.get(), &params)) return failure("cannot set up the OpenJPEG decoder");

    MemoryStream mem{code.data() + skip, code.size() - skip, 0};
    std::unique_ptr<opj_stream_t, StreamFree> stream(opj_stream_create(64 * 1024, OPJ_TRUE));
    if (!stream) return failure("cannot create an OpenJPEG stream");
    opj_stream_set_user_data(stream.get(), &mem, nullptr);
    opj_stream_set_user_data_length(stream.get(), mem.size);
    opj_stream_set_read_function(stream.get(), readMem);
    opj_stream_set_skip_function(stream.get(), skipMem);
    opj_stream_set_seek_function(stream.get(), seekMem);

    opj_image_t *raw = nullptr;
    if (!opj_read_header(stream.get(), codec.get(), &raw)) {
        opj_image_destroy(raw);
        return failure("cannot read the codestream header of frame " + std::to_string(frame) +
                       (message.empty() ? "" : ": " + message));
    }
    std::unique_ptr<opj_image_t, ImageFree> image(raw);
    // The codestream must be the image the dataset describes before anything is allocated for it.
    uint64_t width = uint64_t(image->x1) - image->x0, height = uint64_t(image->y1) - image->y0;
    if (image->x1 < image->x0 || image->y1 < image->y0 || width != g.columns || height != g.rows)
        return failure("codestream is " + std::to_string(width) + " × " + std::to_string(height) +
                       ", the dataset says " + std::to_string(g.columns) + " × " + std::to_string(g.rows));
    if (image->numcomps != g.samples)
        return failure("codestream has " + std::to_string(image->numcomps) + " components, SamplesPerPixel is " +
                       std::to_string(g.samples));
    for (OPJ_UINT32 k = 0; k < image->numcomps; k++) {
        const opj_image_comp_t &comp = image->comps[k];
        if (comp.dx != 1 || comp.dy != 1)
            return failure("subsampled components are not supported");
        if (comp.prec < 1 || comp.prec > g.bitsAllocated)
            return failure("component precision " + std::to_string(comp.prec) + " does not fit BitsAllocated " +
                           std::to_string(g.bitsAllocated));
    }
    if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get()))
        return failure("cannot decode frame " + std::to_string(frame) + (message.empty() ? "" : ": " + message));
    for (OPJ_UINT32 k = 0; k < image->numcomps; k++) {
        const opj_image_comp_t &comp = image->comps[k];
        if (comp.data == nullptr || comp.w != g.columns || comp.h != g.rows)
            return failure("decoded component " + std::to_string(k) + " does not match the frame size");
    }

    const bool planar = g.samples == 3 && g.planar == 1;
    for (OPJ_UINT32 k = 0; k < image->numcomps; k++) {
        const OPJ_INT32 *src = image->comps[k].data;
        for (uint64_t i = 0; i < pixels; i++) {
            uint64_t cell = planar ? uint64_t(k) * pixels + i : i * g.samples + k;
            Uint8 *dst = buffer + cell * bytesPerSample;
            // Two's complement bit patterns: the dataset's PixelRepresentation and BitsStored say
            // how to read them back, as for any other transfer syntax.
            Uint32 v = Uint32(src[i]);
            switch (g.bitsAllocated) {
            case 8: *dst = Uint8(v); break;
            case 16: { Uint16 w = Uint16(v); std::memcpy(dst, &w, 2); break; }
            default: std::memcpy(dst, &v, 4); break;
            }
        }
    }
    return EC_Normal;
}

DcmItem *datasetOf(const DcmStack &objStack) {
    DcmStack stack(objStack);
    stack.pop();  // the pixel data element itself
    DcmObject *parent = stack.pop();
    if (parent != nullptr && (parent->ident() == EVR_dataset || parent->ident() == EVR_item))
        return static_cast<DcmItem *>(parent);
    return nullptr;
}

class J2KCodec : public DcmCodec {
public:
    OFCondition decode(const DcmRepresentationParameter *, DcmPixelSequence *pixSeq,
                       DcmPolymorphOBOW &uncompressed, const DcmCodecParameter *, const DcmStack &objStack,
                       OFBool &removeOldRep) const override {
        removeOldRep = OFFalse;
        if (pixSeq == nullptr) return EC_IllegalCall;
        DcmItem *ds = datasetOf(objStack);
        Geometry g;
        OFCondition c = readGeometry(ds, g);
        if (c.bad()) return c;
        uint64_t frameBytes = uint64_t(g.rows) * g.columns * g.samples * (g.bitsAllocated / 8);
        uint64_t total = frameBytes * uint64_t(g.frames);
        if (total == 0 || total > 0xFFFFFFFEull) return failure("decoded pixel data would exceed 4 GB");
        Uint16 *words = nullptr;
        // OW of an even length; a trailing pad byte stays zero.
        c = uncompressed.createUint16Array(Uint32((total + 1) / 2), words);
        if (c.bad() || words == nullptr) return c.bad() ? c : EC_MemoryExhausted;
        Uint8 *out = reinterpret_cast<Uint8 *>(words);
        std::memset(out, 0, size_t((total + 1) & ~uint64_t(1)));
        Uint32 next = 0;
        for (Sint32 f = 0; f < g.frames; f++) {
            c = decodeOne(pixSeq, g, Uint32(f), out + uint64_t(f) * frameBytes, size_t(frameBytes), next);
            if (c.bad()) return c;
        }
        if (g.bitsAllocated == 8) uncompressed.setVR(EVR_OB);
        if (g.photometric == "YBR_RCT" || g.photometric == "YBR_ICT")
            c = ds->putAndInsertString(DCM_PhotometricInterpretation, "RGB");
        if (c.good() && g.samples == 3) c = ds->putAndInsertUint16(DCM_PlanarConfiguration, g.planar);
        return c;
    }

    OFCondition decodeFrame(const DcmRepresentationParameter *, DcmPixelSequence *fromPixSeq,
                            const DcmCodecParameter *, DcmItem *dataset, Uint32 frameNo, Uint32 &startFragment,
                            void *buffer, Uint32 bufSize, OFString &decompressedColorModel) const override {
        if (fromPixSeq == nullptr || buffer == nullptr) return EC_IllegalCall;
        Geometry g;
        OFCondition c = readGeometry(dataset, g);
        if (c.bad()) return c;
        if (Sint32(frameNo) >= g.frames) return failure("frame " + std::to_string(frameNo) + " out of range");
        Uint32 next = 0;
        c = decodeOne(fromPixSeq, g, frameNo, static_cast<Uint8 *>(buffer), bufSize, next);
        if (c.bad()) return c;
        startFragment = next;
        decompressedColorModel = decodedColorModel(g.photometric);
        return EC_Normal;
    }

    OFCondition encode(const Uint16 *, const Uint32, const DcmRepresentationParameter *, DcmPixelSequence *&,
                       const DcmCodecParameter *, DcmStack &, OFBool &) const override {
        return EC_IllegalCall;
    }

    OFCondition encode(const E_TransferSyntax, const DcmRepresentationParameter *, DcmPixelSequence *,
                       const DcmRepresentationParameter *, DcmPixelSequence *&, const DcmCodecParameter *,
                       DcmStack &, OFBool &) const override {
        return EC_IllegalCall;
    }

    OFBool canChangeCoding(const E_TransferSyntax oldRepType, const E_TransferSyntax newRepType) const override {
        return isJ2K(oldRepType) && DcmXfer(newRepType).isNotEncapsulated();
    }

    OFCondition determineDecompressedColorModel(const DcmRepresentationParameter *, DcmPixelSequence *,
                                                const DcmCodecParameter *, DcmItem *dataset,
                                                OFString &decompressedColorModel) const override {
        if (dataset == nullptr) return EC_IllegalCall;
        OFString photometric;
        OFCondition c = dataset->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
        if (c.good()) decompressedColorModel = decodedColorModel(photometric);
        return c;
    }
};

}  // namespace

void rt_register_j2k_codec() {
    // Registered once for the process, never deregistered (as dcmtk's own decoders in a tool).
    static J2KCodec codec;
    static J2KParameter parameter;
    static J2KCodecParameter codecParameter;
    DcmCodecList::registerCodec(&codec, &parameter, &codecParameter);
}
