// GeoTIFF rasters through libtiff: band-sequential read and write of any band count, and the
// georeferencing tags libtiff does not define itself, registered through a tag extender.
// Handles, messages and closing are tiff_shim.c's (rt_tiff).
#include "CTIFFGeo.h"
#include "tiff_handle.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

enum {
    TAG_PIXEL_SCALE = 33550, TAG_TIEPOINT = 33922, TAG_TRANSFORMATION = 34264,
    TAG_GEOKEYS = 34735, TAG_DOUBLE_PARAMS = 34736, TAG_ASCII_PARAMS = 34737, TAG_NODATA = 42113,
};


static const TIFFFieldInfo geo_fields[] = {
    {TAG_PIXEL_SCALE, -1, -1, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, "ModelPixelScaleTag"},
    {TAG_TIEPOINT, -1, -1, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, "ModelTiepointTag"},
    {TAG_TRANSFORMATION, -1, -1, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, "ModelTransformationTag"},
    {TAG_GEOKEYS, -1, -1, TIFF_SHORT, FIELD_CUSTOM, 1, 1, "GeoKeyDirectoryTag"},
    {TAG_DOUBLE_PARAMS, -1, -1, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, "GeoDoubleParamsTag"},
    {TAG_ASCII_PARAMS, -1, -1, TIFF_ASCII, FIELD_CUSTOM, 1, 0, "GeoAsciiParamsTag"},
    {TAG_NODATA, -1, -1, TIFF_ASCII, FIELD_CUSTOM, 1, 0, "GDALNoDataValue"},
};

static TIFFExtendProc previous_extender = NULL;

// libtiff calls this for every handle it opens; fields it already knows are left as they are.
static void extend_with_geo_tags(TIFF *tif) {
    TIFFMergeFieldInfo(tif, geo_fields, sizeof geo_fields / sizeof geo_fields[0]);
    if (previous_extender) previous_extender(tif);
}

static void install_extender(void) { previous_extender = TIFFSetTagExtender(extend_with_geo_tags); }

static int fail(rt_tiff *g, const char *fallback) {
    if (!g->message[0]) snprintf(g->message, sizeof g->message, "%s", fallback);
    return -1;
}

rt_tiff *rt_geo_open(const char *path, const char *mode, char *err, size_t err_len) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_extender);
    return rt_tiff_open(path, mode, err, err_len);
}

// A custom array tag whatever way libtiff defines it (count passed or fixed, 16- or 32-bit count).
static int get_array(TIFF *tif, uint32_t tag, uint32_t *count, void **values) {
    const TIFFField *f = TIFFFindField(tif, tag, TIFF_ANY);
    *count = 0;
    *values = NULL;
    if (!f) return 0;
    if (TIFFFieldPassCount(f)) {
        if (TIFFFieldReadCount(f) == TIFF_VARIABLE2) {
            uint32_t c = 0;
            if (!TIFFGetField(tif, tag, &c, values)) return 0;
            *count = c;
        } else {
            uint16_t c = 0;
            if (!TIFFGetField(tif, tag, &c, values)) return 0;
            *count = c;
        }
    } else {
        int c = TIFFFieldReadCount(f);
        if (c <= 0 || !TIFFGetField(tif, tag, values)) return 0;
        *count = (uint32_t)c;
    }
    return *values != NULL;
}

static const char *get_text(TIFF *tif, uint32_t tag) {
    const TIFFField *f = TIFFFindField(tif, tag, TIFF_ANY);
    if (!f) return NULL;
    char *text = NULL;
    if (TIFFFieldPassCount(f)) {
        uint32_t c = 0;
        void *v = NULL;
        if (!get_array(tif, tag, &c, &v)) return NULL;
        text = (char *)v;
    } else if (!TIFFGetField(tif, tag, &text)) {
        return NULL;
    }
    return text;
}

int rt_geo_read_info(rt_tiff *g, rt_geo_info *info) {
    TIFF *tif = g->tif;
    g->message[0] = 0;
    memset(info, 0, sizeof *info);
    info->pages = TIFFNumberOfDirectories(tif);
    if (!TIFFSetDirectory(tif, 0)) return fail(g, "no first page");
    uint16_t spp = 1, bps = 1, fmt = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG;
    uint16_t compression = COMPRESSION_NONE, photometric = PHOTOMETRIC_MINISBLACK;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &info->width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &info->height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    if (compression == COMPRESSION_JPEG && photometric == PHOTOMETRIC_YCBCR) {
        // libjpeg upsamples and converts, so the page decodes as plain RGB samples.
        TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
        photometric = PHOTOMETRIC_RGB;
    }
    info->samples_per_pixel = spp;
    info->bits_per_sample = bps;
    info->sample_format = fmt;
    info->planar_config = planar;
    info->compression = compression;
    info->photometric = photometric;
    info->tiled = TIFFIsTiled(tif);
    if (info->tiled) {
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &info->tile_width);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &info->tile_height);
    } else {
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &info->rows_per_strip);
    }
    void *v;
    get_array(tif, TAG_PIXEL_SCALE, &info->pixel_scale_count, &v);
    get_array(tif, TAG_TIEPOINT, &info->tiepoint_count, &v);
    get_array(tif, TAG_TRANSFORMATION, &info->transformation_count, &v);
    get_array(tif, TAG_GEOKEYS, &info->geokey_count, &v);
    get_array(tif, TAG_DOUBLE_PARAMS, &info->double_param_count, &v);
    const char *ascii = get_text(tif, TAG_ASCII_PARAMS);
    info->ascii_param_length = ascii ? (uint32_t)strlen(ascii) : 0;
    const char *nodata = get_text(tif, TAG_NODATA);
    if (nodata) {
        info->has_nodata = 1;
        snprintf(info->nodata, sizeof info->nodata, "%s", nodata);
    }
    return 0;
}

int rt_geo_read_tags(rt_tiff *g, double *pixel_scale, double *tiepoints, double *transformation,
                     uint16_t *geokeys, double *double_params, char *ascii_params) {
    TIFF *tif = g->tif;
    uint32_t c;
    void *v;
    if (pixel_scale && get_array(tif, TAG_PIXEL_SCALE, &c, &v)) memcpy(pixel_scale, v, c * sizeof(double));
    if (tiepoints && get_array(tif, TAG_TIEPOINT, &c, &v)) memcpy(tiepoints, v, c * sizeof(double));
    if (transformation && get_array(tif, TAG_TRANSFORMATION, &c, &v)) memcpy(transformation, v, c * sizeof(double));
    if (geokeys && get_array(tif, TAG_GEOKEYS, &c, &v)) memcpy(geokeys, v, c * sizeof(uint16_t));
    if (double_params && get_array(tif, TAG_DOUBLE_PARAMS, &c, &v)) memcpy(double_params, v, c * sizeof(double));
    if (ascii_params) {
        const char *text = get_text(tif, TAG_ASCII_PARAMS);
        if (text) memcpy(ascii_params, text, strlen(text));
    }
    return 0;
}

int rt_geo_read_bands(rt_tiff *g, void *out, size_t out_size) {
    TIFF *tif = g->tif;
    g->message[0] = 0;
    uint32_t width = 0, height = 0;
    uint16_t spp = 1, bits = 1, planar = PLANARCONFIG_CONTIG;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    if (bits != 8 && bits != 16 && bits != 32 && bits != 64) return fail(g, "samples are not 8, 16, 32 or 64 bits");
    size_t es = bits / 8;
    size_t plane_size = (size_t)width * height;
    if (spp == 0 || plane_size * spp * es != out_size) return fail(g, "output size does not match the page");
    uint32_t planes = planar == PLANARCONFIG_SEPARATE ? spp : 1;
    uint32_t n = planar == PLANARCONFIG_SEPARATE ? 1 : spp;

    int tiled = TIFFIsTiled(tif);
    uint32_t cw = width, ch = 0;
    tmsize_t chunk_size;
    if (tiled) {
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &cw);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &ch);
        chunk_size = TIFFTileSize(tif);
    } else {
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &ch);
        if (ch > height) ch = height;
        chunk_size = TIFFStripSize(tif);
    }
    if (cw == 0 || ch == 0 || chunk_size <= 0) return fail(g, "bad strip or tile size");
    size_t chunk_row = (size_t)cw * n * es;
    if ((size_t)chunk_size < chunk_row * ch) return fail(g, "strip or tile smaller than its rows");
    uint8_t *chunk = malloc((size_t)chunk_size);
    if (!chunk) return fail(g, "out of memory for one strip or tile");

    uint8_t *dst = (uint8_t *)out;
    int status = 0;
    for (uint32_t plane = 0; plane < planes && status == 0; plane++) {
        for (uint32_t y = 0; y < height && status == 0; y += ch) {
            for (uint32_t x = 0; x < width && status == 0; x += cw) {
                tmsize_t got = tiled
                    ? TIFFReadEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, (uint16_t)plane), chunk, chunk_size)
                    : TIFFReadEncodedStrip(tif, TIFFComputeStrip(tif, y, (uint16_t)plane), chunk, chunk_size);
                uint32_t rows = height - y < ch ? height - y : ch;
                uint32_t cols = width - x < cw ? width - x : cw;
                if (got < 0 || (size_t)got < chunk_row * (tiled ? ch : rows)) {
                    status = fail(g, "cannot decode a strip or tile (truncated or corrupt data)");
                    break;
                }
                for (uint32_t r = 0; r < rows; r++) {
                    const uint8_t *src = chunk + (size_t)r * chunk_row;
                    if (n == 1) {
                        memcpy(dst + ((plane * plane_size) + (size_t)(y + r) * width + x) * es, src, (size_t)cols * es);
                    } else {
                        // Pixel-interleaved: scatter each sample to its band plane.
                        for (uint32_t c = 0; c < cols; c++)
                            for (uint32_t b = 0; b < n; b++)
                                memcpy(dst + ((b * plane_size) + (size_t)(y + r) * width + x + c) * es,
                                       src + ((size_t)c * n + b) * es, es);
                    }
                }
            }
        }
    }
    free(chunk);
    return status;
}

static void set_array(TIFF *tif, uint32_t tag, uint32_t count, const void *values) {
    if (values && count > 0) TIFFSetField(tif, tag, count, values);
}

// Copies the rows × cols block at (x, y) of `plane` (or of every band, interleaved) into `chunk`.
static void gather(const uint8_t *src, uint8_t *chunk, const rt_geo_page *p, size_t es, uint32_t plane,
                   int interleaved, uint32_t x, uint32_t y, uint32_t cols, uint32_t rows, uint32_t chunk_width) {
    size_t plane_size = (size_t)p->width * p->height;
    uint32_t n = interleaved ? p->bands : 1;
    size_t chunk_row = (size_t)chunk_width * n * es;
    for (uint32_t r = 0; r < rows; r++) {
        uint8_t *d = chunk + (size_t)r * chunk_row;
        if (!interleaved) {
            memcpy(d, src + (plane * plane_size + (size_t)(y + r) * p->width + x) * es, (size_t)cols * es);
        } else {
            for (uint32_t c = 0; c < cols; c++)
                for (uint32_t b = 0; b < n; b++)
                    memcpy(d + ((size_t)c * n + b) * es, src + (b * plane_size + (size_t)(y + r) * p->width + x + c) * es, es);
        }
    }
}

int rt_geo_write(rt_tiff *g, const rt_geo_page *p, const void *bands) {
    TIFF *tif = g->tif;
    g->message[0] = 0;
    if (p->bits_per_sample != 8 && p->bits_per_sample != 16 && p->bits_per_sample != 32 && p->bits_per_sample != 64)
        return fail(g, "samples must be 8, 16, 32 or 64 bits");
    if (p->bands == 0 || p->width == 0 || p->height == 0) return fail(g, "empty raster");
    int separate = p->planar_config == PLANARCONFIG_SEPARATE;
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, p->width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, p->height);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, p->bands);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, p->bits_per_sample);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, p->sample_format);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, separate ? PLANARCONFIG_SEPARATE : PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    if (p->bands > 1) {
        // Bands beyond the first are plain data, as GDAL writes them ("unspecified" extra samples).
        uint16_t *extra = calloc(p->bands - 1, sizeof(uint16_t));
        if (!extra) return fail(g, "out of memory");
        TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, (uint16_t)(p->bands - 1), extra);
        free(extra);
    }
    if (!TIFFSetField(tif, TIFFTAG_COMPRESSION, p->compression)) return fail(g, "compression not available");
    if (p->compression == COMPRESSION_LZW || p->compression == COMPRESSION_ADOBE_DEFLATE) {
        if (p->sample_format == SAMPLEFORMAT_IEEEFP) TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_FLOATINGPOINT);
        else if (p->bits_per_sample <= 32) TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
    }
    set_array(tif, TAG_PIXEL_SCALE, p->pixel_scale_count, p->pixel_scale);
    set_array(tif, TAG_TIEPOINT, p->tiepoint_count, p->tiepoints);
    set_array(tif, TAG_TRANSFORMATION, p->transformation_count, p->transformation);
    set_array(tif, TAG_GEOKEYS, p->geokey_count, p->geokeys);
    set_array(tif, TAG_DOUBLE_PARAMS, p->double_param_count, p->double_params);
    if (p->ascii_params && p->ascii_params[0]) TIFFSetField(tif, TAG_ASCII_PARAMS, p->ascii_params);
    if (p->nodata && p->nodata[0]) TIFFSetField(tif, TAG_NODATA, p->nodata);

    size_t es = p->bits_per_sample / 8;
    uint32_t n = separate ? 1 : p->bands;
    uint32_t planes = separate ? p->bands : 1;
    const uint8_t *src = (const uint8_t *)bands;
    if (p->tile_width > 0) {
        if (p->tile_width % 16 || p->tile_height == 0 || p->tile_height % 16) return fail(g, "tile sizes must be multiples of 16");
        TIFFSetField(tif, TIFFTAG_TILEWIDTH, p->tile_width);
        TIFFSetField(tif, TIFFTAG_TILELENGTH, p->tile_height);
        size_t tile_bytes = (size_t)p->tile_width * p->tile_height * n * es;
        uint8_t *tile = malloc(tile_bytes);
        if (!tile) return fail(g, "out of memory for one tile");
        for (uint32_t plane = 0; plane < planes; plane++)
            for (uint32_t y = 0; y < p->height; y += p->tile_height)
                for (uint32_t x = 0; x < p->width; x += p->tile_width) {
                    // Edge tiles are padded with zeros: the format stores whole tiles.
                    memset(tile, 0, tile_bytes);
                    uint32_t w = p->width - x < p->tile_width ? p->width - x : p->tile_width;
                    uint32_t h = p->height - y < p->tile_height ? p->height - y : p->tile_height;
                    gather(src, tile, p, es, plane, !separate, x, y, w, h, p->tile_width);
                    if (TIFFWriteEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, (uint16_t)plane), tile, (tmsize_t)tile_bytes) < 0) {
                        free(tile);
                        return fail(g, "cannot write a tile");
                    }
                }
        free(tile);
    } else {
        size_t row_bytes = (size_t)p->width * n * es;
        // About 64 KiB per strip (GDAL's default is similar); at least one row.
        uint32_t rows = (uint32_t)(65536 / row_bytes);
        if (rows < 1) rows = 1;
        if (rows > p->height) rows = p->height;
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows);
        uint8_t *strip = malloc(row_bytes * rows);
        if (!strip) return fail(g, "out of memory for one strip");
        for (uint32_t plane = 0; plane < planes; plane++)
            for (uint32_t y = 0; y < p->height; y += rows) {
                uint32_t h = p->height - y < rows ? p->height - y : rows;
                gather(src, strip, p, es, plane, !separate, 0, y, p->width, h, p->width);
                if (TIFFWriteEncodedStrip(tif, TIFFComputeStrip(tif, y, (uint16_t)plane), strip, (tmsize_t)(h * row_bytes)) < 0) {
                    free(strip);
                    return fail(g, "cannot write a strip");
                }
            }
        free(strip);
    }
    if (!TIFFWriteDirectory(tif)) return fail(g, "cannot write the page directory");
    return 0;
}
