// Plain-C API over dcmtk 3.6.7 (C++): open a DICOM file, read attributes, decode frames.
// Every function catches C++ exceptions; failures come back as a status and text in `err`.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Status of the calls that can fail.
enum {
    RT_DCM_OK = 0,
    /// The file is damaged or inconsistent (truncated pixel data, impossible sizes, decoder failure).
    RT_DCM_ERROR = -1,
    /// The file is valid but uses something this build cannot decode (HTJ2K, 12-bit cells, ...).
    RT_DCM_UNSUPPORTED = -2,
};

/// An open DICOM file (dataset plus meta header when present). Not safe for concurrent use.
typedef struct rt_dcm_file rt_dcm_file;

/// Geometry and encoding of the pixel data, from the image pixel module.
typedef struct {
    uint32_t rows, columns, frames;
    uint32_t samples_per_pixel, bits_allocated, bits_stored, high_bit;
    uint32_t pixel_representation;   // 0 unsigned, 1 two's complement
    uint32_t planar_configuration;
    /// 1 for MONOCHROME1/MONOCHROME2 (decode with rt_dcm_decode_modality), 0 for colour.
    int monochrome;
    /// Output range of the modality LUT over every storable value (for MONOCHROME1 inversion).
    double modality_min, modality_max;
    char photometric[32];
} rt_dcm_image_info;

const char *rt_dcm_library_version(void);

/// dcmtk's name for a UID (SOP class, transfer syntax), e.g. "CT Image Storage"; empty when unknown.
void rt_dcm_uid_name(const char *uid, char *name, size_t namelen);

/// Opens `path` (with or without a meta header; the transfer syntax is detected). NULL on failure.
rt_dcm_file *rt_dcm_open(const char *path, char *err, size_t errlen);
void rt_dcm_close(rt_dcm_file *file);

/// 1 when the file had a File Meta Information header (preamble + "DICM").
int rt_dcm_has_meta_header(const rt_dcm_file *file);

/// Transfer syntax UID (from the meta header, else the one dcmtk detected) and its name.
void rt_dcm_transfer_syntax(const rt_dcm_file *file, char *uid, size_t uidlen, char *name, size_t namelen);

/// 1 when pixel data in this transfer syntax can be decoded (native, or a registered decoder).
int rt_dcm_transfer_syntax_decodable(const rt_dcm_file *file);

/// All values of (group,element) as text, multiple values joined by '\'. Group 0002 reads the
/// meta header. Returns the full length (the copy in buf is truncated to buflen-1), or -1 when absent.
long rt_dcm_get_string(const rt_dcm_file *file, uint16_t group, uint16_t element, char *buf, size_t buflen);

/// Value number `index` of a numeric attribute (DS, IS, US, SS, UL, SL, FL, FD). 1 found, 0 absent.
int rt_dcm_get_number(const rt_dcm_file *file, uint16_t group, uint16_t element, unsigned long index, double *out);

/// Number of values (VM) of an attribute, or -1 when absent.
long rt_dcm_value_count(const rt_dcm_file *file, uint16_t group, uint16_t element);

/// As rt_dcm_get_number, inside the first item of each sequence in `sequences` (tags as
/// (group << 16) | element), e.g. SharedFunctionalGroups > PixelMeasures > PixelSpacing.
int rt_dcm_get_nested_number(const rt_dcm_file *file, const uint32_t *sequences, size_t depth,
                             uint16_t group, uint16_t element, unsigned long index, double *out);

/// Number of items in the VOI LUT Sequence (0028,3010); 0 when absent.
long rt_dcm_voi_lut_count(const rt_dcm_file *file);

/// VOI LUT number `index`: its first mapped value, bits per entry, and up to `capacity` entries
/// copied into `table`. Returns the number of entries (size with capacity 0), or -1 with `err`.
long rt_dcm_voi_lut(const rt_dcm_file *file, unsigned long index, int64_t *first, uint32_t *bits, uint16_t *table,
                    size_t capacity, char *err, size_t errlen);

/// 1 when the dataset has a Pixel Data element (7FE0,0010).
int rt_dcm_has_pixel_data(const rt_dcm_file *file);

/// Reads and checks the image pixel module. RT_DCM_OK, RT_DCM_ERROR or RT_DCM_UNSUPPORTED.
int rt_dcm_image_info_get(const rt_dcm_file *file, rt_dcm_image_info *info, char *err, size_t errlen);

/// Checks that `frame` can be decoded without decoding it: pixel data present, transfer syntax
/// decodable, image pixel module valid, frame in range, native data long enough for the geometry.
int rt_dcm_check_frame(const rt_dcm_file *file, uint32_t frame, char *err, size_t errlen);

/// Decodes one monochrome frame to modality-LUT values (rescale or Modality LUT Sequence),
/// as pydicom's apply_modality_lut does. `count` must be rows × columns.
int rt_dcm_decode_modality(rt_dcm_file *file, uint32_t frame, float *out, size_t count, char *err, size_t errlen);

/// One frame's stored samples before any LUT, as pydicom's pixel_array holds them: BitsStored bits
/// from HighBit down, sign-extended when PixelRepresentation is 1; colour samples interleaved in
/// the colour model the codec decodes to (RGB, or RGB after JPEG 2000's inverse RCT/ICT).
/// Palette colour gives the indices. `count` must be rows × columns × samples per pixel.
int rt_dcm_decode_stored(rt_dcm_file *file, uint32_t frame, int64_t *out, size_t count, char *err, size_t errlen);

/// Decodes one colour frame (RGB, YBR, palette) to interleaved RGB of `bits` 8 or 16 per sample.
/// `bytes` must be rows × columns × 3 × bits/8.
int rt_dcm_decode_color(rt_dcm_file *file, uint32_t frame, int bits, void *out, size_t bytes, char *err, size_t errlen);

/// Decodes one frame to interleaved 8-bit RGB for slide reading: colour in the codec's RGB (YBR
/// converted), monochrome scaled from BitsStored to 8 bits (MONOCHROME1 inverted) in all three
/// samples. Only this frame's compressed fragments are read, and dropped from memory afterwards.
/// `bytes` must be rows × columns × 3.
int rt_dcm_decode_rgb8(rt_dcm_file *file, uint32_t frame, uint8_t *out, size_t bytes, char *err, size_t errlen);

/// For each item of the PerFrameFunctionalGroupsSequence, the 1-based column and row of the frame's
/// top-left pixel in the total pixel matrix (PlanePositionSlideSequence). Returns the item count
/// (with capacity 0: only counts), or -1 with `err` when the sequence or a position is missing.
long rt_dcm_frame_positions(const rt_dcm_file *file, int64_t *columns, int64_t *rows, size_t capacity, char *err,
                            size_t errlen);

/// One level of a VL Whole Slide Microscopy Image to write: `frames` tiles of tile_size² RGB.
typedef struct {
    /// Shared by every level of one slide.
    const char *study_uid, *series_uid, *frame_of_reference_uid, *pyramid_uid;
    uint32_t total_columns, total_rows, tile_size, frames;
    /// NULL for TILED_FULL (row-major tiles); else 2 × frames values: column, row (1-based) per frame.
    const int32_t *positions;
    /// Level-0 width and height of the imaged area in mm, and this level's pixel spacing in mm.
    double imaged_width_mm, imaged_height_mm, pixel_spacing_mm;
    int instance_number;
    /// 0: uncompressed RGB; 1–100: JPEG baseline (YBR_FULL_422) at that quality.
    int jpeg_quality;
    /// e.g. "DERIVED\\PRIMARY\\VOLUME\\RESAMPLED".
    const char *image_type;
} rt_dcm_wsi_level;

/// Writes `level` with its frames (frames × tile_size² × 3 bytes) to `path`.
int rt_dcm_write_wsi_level(const rt_dcm_wsi_level *level, const uint8_t *frames, size_t bytes, const char *path,
                           char *err, size_t errlen);

/// A new UID under dcmtk's site root.
void rt_dcm_new_uid(char *buf, size_t len);

/// A classification result for the Structured Report (UTF-8 text).
typedef struct {
    const char *label;
    double probability;
    const char *model_name;
    const char *model_version;
} rt_dcm_finding;

/// Writes a Comprehensive SR (new series in the source's study) holding the finding, its
/// probability, the model name and version, and a reference to the source instance. The Patient
/// module is written empty: nothing identifying is copied from the source.
int rt_dcm_write_structured_report(rt_dcm_file *source, const rt_dcm_finding *finding, const char *path,
                                   char *err, size_t errlen);

/// Writes a Secondary Capture of an 8-bit interleaved RGB image (new series in the source's study,
/// Source Image Sequence pointing at the source), with the Patient module empty.
int rt_dcm_write_secondary_capture(rt_dcm_file *source, const uint8_t *rgb, uint32_t width, uint32_t height,
                                   const char *path, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
