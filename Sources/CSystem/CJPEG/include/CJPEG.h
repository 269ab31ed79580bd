// Plain-C shim over libjpeg-turbo: decode from memory, encode to a path. libjpeg
// reports errors by longjmp; every setjmp stays in jpeg_shim.c and Swift only sees
// a status code and the message in a caller-provided buffer.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t width, height;
    /// Channels delivered: 1 (gray) or 3 (RGB; CMYK/YCCK are converted).
    int32_t channels;
    /// Components stored in the file and libjpeg's J_COLOR_SPACE of them.
    int32_t components;
    int32_t color_space;
    int32_t progressive;
    /// JFIF density: unit 0 = aspect ratio only, 1 = dots/inch, 2 = dots/cm.
    int32_t has_jfif;
    int32_t density_unit;
    uint32_t x_density, y_density;
} rt_jpeg_info;

/// Reads the header; with `out` non-NULL also decodes 8-bit samples into `out`,
/// which must hold exactly height × width × channels bytes. A file that ends before
/// its last scan is an error, not a grey-filled image. Returns 0, or -1 with `err` filled.
int rt_jpeg_decode(const uint8_t *data, size_t size, rt_jpeg_info *info,
                   uint8_t *out, size_t out_size, char *err, size_t err_len);

/// Writes 8-bit gray (channels 1) or RGB (channels 3) with quality 1–100 (4:4:4 colour from 90 up, else 4:2:0).
/// density_unit 1 (dpi) or 2 (dots/cm) with densities 1–65535 writes the JFIF density; 0 leaves it 1:1.
int rt_jpeg_encode_file(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                        int32_t channels, int32_t quality, int32_t density_unit,
                        uint32_t x_density, uint32_t y_density, char *err, size_t err_len);
