// Plain-C shim over libtiff for GeoTIFF rasters: any number of bands in band-sequential order
// plus the georeferencing tags (ModelPixelScale 33550, ModelTiepoint 33922, ModelTransformation
// 34264, GeoKeyDirectory 34735 with its double 34736 and ASCII 34737 parameters, GDAL_NODATA
// 42113). The handle is CTIFF.h's rt_tiff: one open, error and close path.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "CTIFF.h"

/// One page as stored, with the sizes of its georeferencing tags (0 when absent).
typedef struct {
    uint32_t width, height;
    uint16_t samples_per_pixel, bits_per_sample, sample_format, planar_config, compression, photometric;
    int32_t tiled;
    uint32_t tile_width, tile_height, rows_per_strip;
    uint32_t pages;
    uint32_t pixel_scale_count;      // doubles in ModelPixelScaleTag
    uint32_t tiepoint_count;         // doubles in ModelTiepointTag (6 per tie point)
    uint32_t transformation_count;   // doubles in ModelTransformationTag (16)
    uint32_t geokey_count;           // uint16 in GeoKeyDirectoryTag
    uint32_t double_param_count;     // doubles in GeoDoubleParamsTag
    uint32_t ascii_param_length;     // bytes in GeoAsciiParamsTag, without the final NUL
    int32_t has_nodata;
    char nodata[128];
} rt_geo_info;

/// `rt_tiff_open` with the georeferencing tags registered; close it with `rt_tiff_close`, read
/// its messages with `rt_tiff_last_error`.
rt_tiff *rt_geo_open(const char *path, const char *mode, char *err, size_t err_len);

/// Describes the first page. Returns 0 or -1.
int rt_geo_read_info(rt_tiff *g, rt_geo_info *info);
/// Copies the tag arrays sized by `rt_geo_read_info` (each pointer may be NULL to skip it). Returns 0 or -1.
int rt_geo_read_tags(rt_tiff *g, double *pixel_scale, double *tiepoints, double *transformation,
                     uint16_t *geokeys, double *double_params, char *ascii_params);
/// Decodes the first page into band-sequential samples (bands × height × width), raw in host
/// byte order, bits/8 bytes each (8, 16, 32 or 64 bits). Strips or tiles, either planar configuration.
int rt_geo_read_bands(rt_tiff *g, void *out, size_t out_size);

typedef struct {
    uint32_t width, height;
    uint16_t bands;
    uint16_t bits_per_sample;        // 8, 16, 32 or 64
    uint16_t sample_format;          // 1 unsigned, 2 signed, 3 IEEE float
    uint16_t compression;            // 1 none, 5 LZW, 8 Deflate
    uint16_t planar_config;          // 1 contiguous (pixel-interleaved), 2 separate (band planes)
    uint32_t tile_width, tile_height;  // multiples of 16, or 0 for strips
    const double *pixel_scale; uint32_t pixel_scale_count;
    const double *tiepoints; uint32_t tiepoint_count;
    const double *transformation; uint32_t transformation_count;
    const uint16_t *geokeys; uint32_t geokey_count;
    const double *double_params; uint32_t double_param_count;
    const char *ascii_params;        // NULL for none
    const char *nodata;              // NULL for none
} rt_geo_page;

/// Writes one page from band-sequential samples (bands × height × width, host byte order). Returns 0 or -1.
int rt_geo_write(rt_tiff *g, const rt_geo_page *page, const void *bands);
