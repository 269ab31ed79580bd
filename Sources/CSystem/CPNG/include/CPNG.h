// Plain-C shim over libpng: decode from memory, encode to a path. libpng reports
// errors by longjmp; every setjmp stays in png_shim.c and Swift only sees a
// status code and the message in a caller-provided buffer.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t width, height;
    /// Channels and bit depth as decoded: palette and <8-bit gray expanded, tRNS turned into alpha.
    int32_t channels;
    int32_t bit_depth;
    /// As stored in the file.
    int32_t stored_bit_depth;
    int32_t color_type;
    int32_t interlaced;
    /// pHYs chunk: pixels per unit; unit 1 = metre, 0 = aspect ratio only.
    int32_t has_phys;
    int32_t phys_unit;
    uint32_t phys_x, phys_y;
} rt_png_info;

/// Reads the header (and pHYs, which precedes the pixels). With `out` non-NULL also
/// decodes: `out_size` must equal height × width × channels × bit_depth/8; 16-bit
/// samples arrive in host byte order. Returns 0 on success, -1 with `err` filled.
int rt_png_decode(const uint8_t *data, size_t size, rt_png_info *info,
                  void *out, size_t out_size, char *err, size_t err_len);

/// Writes interleaved samples (host byte order for 16-bit) to `path`.
/// channels 1–4 (gray, gray+alpha, RGB, RGBA), bit_depth 8 or 16; ppm_x/ppm_y > 0 adds pHYs in metres.
int rt_png_encode_file(const char *path, const void *pixels, uint32_t width, uint32_t height,
                       int32_t channels, int32_t bit_depth, uint32_t ppm_x, uint32_t ppm_y,
                       char *err, size_t err_len);
