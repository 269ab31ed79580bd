// Plain-C shim over libtiff: read any page of a TIFF into interleaved samples, write
// pages. libtiff's messages go to a per-handle buffer (TIFFOpenOptions), never stderr.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef struct rt_tiff rt_tiff;

/// One page (IFD) as stored. JPEG-compressed YCbCr is reported as RGB: it is decoded that way.
typedef struct {
    uint32_t width, height;
    uint16_t samples_per_pixel, bits_per_sample, sample_format, photometric;
    uint16_t planar_config, compression, resolution_unit, extra_samples;
    /// EXTRASAMPLE_* of the first extra sample (0 unspecified, 1 associated alpha, 2 unassociated alpha).
    uint16_t first_extra_sample;
    int32_t tiled;
    uint32_t tile_width, tile_height, rows_per_strip;
    int32_t has_resolution;
    double x_resolution, y_resolution;
    int32_t has_colormap;
    /// 1 when only libtiff's RGBA path can decode the page (CMYK, YCbCr without JPEG, LogLuv, old JPEG, odd depths).
    int32_t needs_rgba;
    /// First bytes of ImageDescription, NUL-terminated ("" when absent).
    char description[2048];
} rt_tiff_info;

/// Opens `path` with mode "r", "w" (classic TIFF) or "w8" (BigTIFF). NULL with `err` filled on failure.
rt_tiff *rt_tiff_open(const char *path, const char *mode, char *err, size_t err_len);
/// Closes (flushing a written file). Returns 0, or -1 with `err` filled.
int rt_tiff_close(rt_tiff *t, char *err, size_t err_len);
/// The last message libtiff reported on this handle ("" when none).
const char *rt_tiff_last_error(const rt_tiff *t);

/// Number of pages (IFDs), or -1 when the chain is broken.
int32_t rt_tiff_page_count(rt_tiff *t);
/// Makes `page` current and describes it. Returns 0 or -1.
int rt_tiff_read_info(rt_tiff *t, int32_t page, rt_tiff_info *info);
/// Copies `count` entries of the current page's colormap. Returns 0 or -1.
int rt_tiff_read_colormap(rt_tiff *t, uint16_t *red, uint16_t *green, uint16_t *blue, size_t count);
/// Decodes the current page into interleaved samples (height × width × samples_per_pixel),
/// each stored raw in host byte order: 1 byte for depths ≤ 8 (sub-byte values unpacked, not
/// scaled), else bits/8 bytes. Handles strips and tiles, contiguous and separate planes.
int rt_tiff_read_samples(rt_tiff *t, void *out, size_t out_size);
/// Decodes the current page through libtiff's RGBA path into height × width × 4 bytes, top row first.
int rt_tiff_read_rgba(rt_tiff *t, uint8_t *out, size_t out_size);

typedef struct {
    uint32_t width, height;
    uint16_t channels;          // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    uint16_t bits_per_sample;   // 8, 16 or 32
    uint16_t sample_format;     // SAMPLEFORMAT_UINT (1) or SAMPLEFORMAT_IEEEFP (3)
    uint16_t compression;       // COMPRESSION_NONE, _LZW, _ADOBE_DEFLATE, _JPEG, _PACKBITS
    int32_t jpeg_quality;
    uint32_t tile_width, tile_height;  // multiples of 16, or 0 for strips
    int32_t has_resolution;
    double x_resolution, y_resolution;  // pixels per centimetre
    const char *description;    // NULL for none
    uint16_t page_number, page_count;  // page_count 0: single-page file
    int32_t reduced_resolution;  // 1: NewSubfileType "reduced-resolution image" (pyramid levels after the first)
} rt_tiff_page;

/// Appends one page of interleaved samples (host byte order). Returns 0 or -1.
int rt_tiff_write_page(rt_tiff *t, const rt_tiff_page *page, const void *pixels);
/// Starts a tiled page whose tiles are then given one at a time, for images larger than memory.
int rt_tiff_begin_tiled_page(rt_tiff *t, const rt_tiff_page *page);
/// Writes the tile whose top-left pixel is (x, y): tile_width × tile_height × channels samples,
/// padding included (`bytes` must be exactly that). Returns 0 or -1.
int rt_tiff_write_tile(rt_tiff *t, uint32_t x, uint32_t y, const void *pixels, size_t bytes);
/// Ends the page begun by rt_tiff_begin_tiled_page. Returns 0 or -1.
int rt_tiff_finish_page(rt_tiff *t);
