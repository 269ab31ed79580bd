// libtiff behind a status-code API. Messages reach a buffer in each handle through
// TIFFOpenOptions; the process-wide handlers (used by code paths without a handle)
// write to a thread-local buffer, so nothing reaches stderr and threads do not mix.
#include "CTIFF.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "tiff_handle.h"

static _Thread_local char orphan_message[512];

static void orphan_handler(const char *module, const char *fmt, va_list ap) {
    (void)module;
    vsnprintf(orphan_message, sizeof orphan_message, fmt, ap);
}

static void orphan_warning(const char *module, const char *fmt, va_list ap) {
    (void)module; (void)fmt; (void)ap;
}

static void install_global_handlers(void) {
    TIFFSetErrorHandler(orphan_handler);
    TIFFSetWarningHandler(orphan_warning);
}

// At load time as well: OpenSlide calls the same libtiff, and its warnings ("Unknown field
// with tag ...") would otherwise reach stderr before this shim opens its first file.
__attribute__((constructor)) static void install_handlers_at_load(void) { install_global_handlers(); }

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module;
    rt_tiff *t = (rt_tiff *)user;
    vsnprintf(t->message, sizeof t->message, fmt, ap);
    return 1;
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

static int fail(rt_tiff *t, const char *fallback) {
    if (!t->message[0]) snprintf(t->message, sizeof t->message, "%s", orphan_message[0] ? orphan_message : fallback);
    return -1;
}

rt_tiff *rt_tiff_open(const char *path, const char *mode, char *err, size_t err_len) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_global_handlers);
    orphan_message[0] = 0;
    rt_tiff *t = calloc(1, sizeof *t);
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!t || !opts) {
        snprintf(err, err_len, "out of memory");
        free(t);
        TIFFOpenOptionsFree(opts);
        return NULL;
    }
    // Caps any single allocation libtiff makes for a strip, tile or tag array.
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)1 << 31);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, t);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, t);
    t->tif = TIFFOpenExt(path, mode, opts);
    TIFFOpenOptionsFree(opts);
    if (!t->tif) {
        snprintf(err, err_len, "%s", t->message[0] ? t->message : orphan_message[0] ? orphan_message : "cannot open");
        free(t);
        return NULL;
    }
    return t;
}

int rt_tiff_close(rt_tiff *t, char *err, size_t err_len) {
    if (!t) return 0;
    t->message[0] = 0;
    TIFFClose(t->tif);
    int status = 0;
    if (t->message[0]) {
        snprintf(err, err_len, "%s", t->message);
        status = -1;
    }
    free(t);
    return status;
}

const char *rt_tiff_last_error(const rt_tiff *t) { return t->message; }

int32_t rt_tiff_page_count(rt_tiff *t) {
    tdir_t n = TIFFNumberOfDirectories(t->tif);
    return n > INT32_MAX ? -1 : (int32_t)n;
}

int rt_tiff_read_info(rt_tiff *t, int32_t page, rt_tiff_info *info) {
    TIFF *tif = t->tif;
    t->message[0] = 0;
    if (page < 0 || !TIFFSetDirectory(tif, (tdir_t)page)) return fail(t, "no such page");
    memset(info, 0, sizeof *info);
    uint16_t spp = 1, bps = 1, fmt = SAMPLEFORMAT_UINT, photometric = PHOTOMETRIC_MINISBLACK;
    uint16_t planar = PLANARCONFIG_CONTIG, compression = COMPRESSION_NONE, unit = RESUNIT_INCH;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &info->width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &info->height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric))
        photometric = spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    if (compression == COMPRESSION_JPEG && photometric == PHOTOMETRIC_YCBCR) {
        // Let libjpeg upsample and convert: the page then decodes as plain RGB.
        TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
        photometric = PHOTOMETRIC_RGB;
    }
    uint16_t extra_count = 0, *extra = NULL;
    if (TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &extra_count, &extra) && extra_count > 0) {
        info->extra_samples = extra_count;
        info->first_extra_sample = extra[0];
    }
    info->samples_per_pixel = spp;
    info->bits_per_sample = bps;
    info->sample_format = fmt;
    info->photometric = photometric;
    info->planar_config = planar;
    info->compression = compression;
    info->tiled = TIFFIsTiled(tif);
    if (info->tiled) {
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &info->tile_width);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &info->tile_height);
    } else {
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &info->rows_per_strip);
    }
    float xr = 0, yr = 0;
    if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xr) && TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yr)) {
        TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
        info->has_resolution = 1;
        info->x_resolution = xr;
        info->y_resolution = yr;
        info->resolution_unit = unit;
    }
    uint16_t *r, *g, *b;
    info->has_colormap = photometric == PHOTOMETRIC_PALETTE && TIFFGetField(tif, TIFFTAG_COLORMAP, &r, &g, &b);
    const char *description = NULL;
    if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &description) && description)
        snprintf(info->description, sizeof info->description, "%s", description);

    int plain = photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE
             || photometric == PHOTOMETRIC_RGB || photometric == PHOTOMETRIC_PALETTE
             || photometric == PHOTOMETRIC_MASK;  // a transparency mask (GDAL, COG) reads as gray
    int depth_ok = bps == 1 || bps == 2 || bps == 4 || bps == 8 || bps == 16 || bps == 32 || bps == 64;
    info->needs_rgba = !plain || !depth_ok || compression == COMPRESSION_OJPEG;
    if (info->needs_rgba) {
        char why[1024];
        if (!TIFFRGBAImageOK(tif, why)) {
            snprintf(t->message, sizeof t->message, "%s", why);
            return -1;
        }
    }
    return 0;
}

int rt_tiff_read_colormap(rt_tiff *t, uint16_t *red, uint16_t *green, uint16_t *blue, size_t count) {
    uint16_t *r, *g, *b, bps = 1;
    t->message[0] = 0;
    TIFFGetFieldDefaulted(t->tif, TIFFTAG_BITSPERSAMPLE, &bps);
    if (bps > 16 || count > ((size_t)1 << bps) || !TIFFGetField(t->tif, TIFFTAG_COLORMAP, &r, &g, &b))
        return fail(t, "no usable colormap");
    memcpy(red, r, count * 2);
    memcpy(green, g, count * 2);
    memcpy(blue, b, count * 2);
    return 0;
}

/// Copies one decoded strip or tile (chunk) into the interleaved output.
/// The chunk is `cw` samples-groups wide, holds `n` samples per pixel starting at sample `s0`.
static void place_chunk(const uint8_t *chunk, uint32_t cw, uint32_t ch, uint32_t n, uint32_t s0,
                        uint8_t *out, uint32_t width, uint32_t height, uint32_t spp, uint32_t bits,
                        uint32_t x0, uint32_t y0) {
    size_t es = bits <= 8 ? 1 : bits / 8;
    size_t row_bytes = ((size_t)cw * n * bits + 7) / 8;
    uint32_t w = width - x0 < cw ? width - x0 : cw;
    uint32_t h = height - y0 < ch ? height - y0 : ch;
    for (uint32_t r = 0; r < h; r++) {
        const uint8_t *src = chunk + (size_t)r * row_bytes;
        uint8_t *dst = out + (((size_t)(y0 + r) * width + x0) * spp + s0) * es;
        if (bits >= 8 && n == spp) {
            memcpy(dst, src, (size_t)w * spp * es);
        } else if (bits >= 8) {
            for (uint32_t x = 0; x < w; x++)
                for (uint32_t j = 0; j < n; j++)
                    memcpy(dst + ((size_t)x * spp + j) * es, src + ((size_t)x * n + j) * es, es);
        } else {
            uint32_t mask = (1u << bits) - 1;
            for (uint32_t x = 0; x < w; x++)
                for (uint32_t j = 0; j < n; j++) {
                    size_t bit = ((size_t)x * n + j) * bits;
                    dst[(size_t)x * spp + j] = (uint8_t)((src[bit / 8] >> (8 - bits - bit % 8)) & mask);
                }
        }
    }
}

int rt_tiff_read_samples(rt_tiff *t, void *out, size_t out_size) {
    TIFF *tif = t->tif;
    t->message[0] = 0;
    uint32_t width = 0, height = 0;
    uint16_t spp = 1, bits = 1, planar = PLANARCONFIG_CONTIG;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    size_t es = bits <= 8 ? 1 : bits / 8;
    if (spp == 0 || (size_t)width * height * spp * es != out_size) return fail(t, "output size does not match the page");
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
    if (cw == 0 || ch == 0 || chunk_size <= 0) return fail(t, "bad strip or tile size");
    // The decoded chunk must cover what place_chunk reads from it.
    if ((size_t)chunk_size < ((size_t)cw * n * bits + 7) / 8 * ch) return fail(t, "strip or tile smaller than its rows");
    uint8_t *chunk = malloc((size_t)chunk_size);
    if (!chunk) return fail(t, "out of memory for one strip or tile");

    int status = 0;
    for (uint32_t plane = 0; plane < planes && status == 0; plane++) {
        for (uint32_t y = 0; y < height && status == 0; y += ch) {
            for (uint32_t x = 0; x < width && status == 0; x += cw) {
                tmsize_t got = tiled
                    ? TIFFReadEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, (uint16_t)plane), chunk, chunk_size)
                    : TIFFReadEncodedStrip(tif, TIFFComputeStrip(tif, y, (uint16_t)plane), chunk, chunk_size);
                uint32_t rows = tiled || height - y >= ch ? ch : height - y;
                if (got < 0 || (size_t)got < ((size_t)cw * n * bits + 7) / 8 * (tiled ? ch : rows)) {
                    status = fail(t, "cannot decode a strip or tile (truncated or corrupt data)");
                    break;
                }
                place_chunk(chunk, cw, ch, n, plane, out, width, height, spp, bits, x, y);
            }
        }
    }
    free(chunk);
    return status;
}

int rt_tiff_read_rgba(rt_tiff *t, uint8_t *out, size_t out_size) {
    uint32_t width = 0, height = 0;
    t->message[0] = 0;
    TIFFGetField(t->tif, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(t->tif, TIFFTAG_IMAGELENGTH, &height);
    size_t n = (size_t)width * height;
    if (n * 4 != out_size) return fail(t, "output size does not match the page");
    uint32_t *raster = (uint32_t *)out;  // the same bytes, unpacked in place below
    if (!TIFFReadRGBAImageOriented(t->tif, width, height, raster, ORIENTATION_TOPLEFT, 0))
        return fail(t, "cannot decode the page");
    for (size_t i = 0; i < n; i++) {
        uint32_t p = raster[i];
        out[4 * i] = (uint8_t)TIFFGetR(p);
        out[4 * i + 1] = (uint8_t)TIFFGetG(p);
        out[4 * i + 2] = (uint8_t)TIFFGetB(p);
        out[4 * i + 3] = (uint8_t)TIFFGetA(p);
    }
    return 0;
}

// The tags of a page about to be written (everything but the tile or strip layout's data).
static int set_page_fields(rt_tiff *t, const rt_tiff_page *p) {
    TIFF *tif = t->tif;
    t->message[0] = 0;
    int jpeg = p->compression == COMPRESSION_JPEG;
    int color = p->channels >= 3;
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, p->width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, p->height);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, p->channels);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, p->bits_per_sample);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, p->sample_format);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
    if (!TIFFSetField(tif, TIFFTAG_COMPRESSION, p->compression)) return fail(t, "compression not available");
    if (p->channels == 2 || p->channels == 4) {
        uint16_t alpha = EXTRASAMPLE_UNASSALPHA;
        TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, &alpha);
    }
    if (jpeg) {
        // YCbCr, converted by libjpeg from RGB on the way in; chroma at full resolution
        // from quality 90 up (as in CJPEG), else the usual 2×2.
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, color ? PHOTOMETRIC_YCBCR : PHOTOMETRIC_MINISBLACK);
        if (color && p->jpeg_quality >= 90) TIFFSetField(tif, TIFFTAG_YCBCRSUBSAMPLING, 1, 1);
        TIFFSetField(tif, TIFFTAG_JPEGQUALITY, p->jpeg_quality);
        if (color) TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    } else {
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, color ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    }
    if (p->compression == COMPRESSION_LZW || p->compression == COMPRESSION_ADOBE_DEFLATE)
        TIFFSetField(tif, TIFFTAG_PREDICTOR,
                     p->sample_format == SAMPLEFORMAT_IEEEFP ? PREDICTOR_FLOATINGPOINT : PREDICTOR_HORIZONTAL);
    if (p->has_resolution) {
        TIFFSetField(tif, TIFFTAG_XRESOLUTION, (float)p->x_resolution);
        TIFFSetField(tif, TIFFTAG_YRESOLUTION, (float)p->y_resolution);
        TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER);
    }
    if (p->description) TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, p->description);
    if (p->page_count > 0) {
        TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
        TIFFSetField(tif, TIFFTAG_PAGENUMBER, p->page_number, p->page_count);
    }
    return 0;
}

int rt_tiff_begin_tiled_page(rt_tiff *t, const rt_tiff_page *p) {
    if (p->tile_width == 0 || p->tile_height == 0 || p->tile_width % 16 || p->tile_height % 16)
        return fail(t, "tile size must be a positive multiple of 16");
    if (set_page_fields(t, p) != 0) return -1;
    TIFFSetField(t->tif, TIFFTAG_TILEWIDTH, p->tile_width);
    TIFFSetField(t->tif, TIFFTAG_TILELENGTH, p->tile_height);
    if (p->reduced_resolution) TIFFSetField(t->tif, TIFFTAG_SUBFILETYPE, FILETYPE_REDUCEDIMAGE);
    return 0;
}

int rt_tiff_write_tile(rt_tiff *t, uint32_t x, uint32_t y, const void *pixels, size_t bytes) {
    t->message[0] = 0;
    tmsize_t need = TIFFTileSize(t->tif);
    if (need <= 0 || (size_t)need != bytes) return fail(t, "tile buffer does not match the page's tile size");
    // libtiff may modify the buffer (predictor, byte swapping), so hand it a copy.
    uint8_t *copy = malloc(bytes);
    if (!copy) return fail(t, "out of memory for one tile");
    memcpy(copy, pixels, bytes);
    tmsize_t written = TIFFWriteEncodedTile(t->tif, TIFFComputeTile(t->tif, x, y, 0, 0), copy, (tmsize_t)bytes);
    free(copy);
    return written < 0 ? fail(t, "cannot write a tile") : 0;
}

int rt_tiff_finish_page(rt_tiff *t) {
    return TIFFWriteDirectory(t->tif) ? 0 : fail(t, "cannot write the page directory");
}

int rt_tiff_write_page(rt_tiff *t, const rt_tiff_page *p, const void *pixels) {
    TIFF *tif = t->tif;
    int jpeg = p->compression == COMPRESSION_JPEG;
    if (set_page_fields(t, p) != 0) return -1;

    size_t es = p->bits_per_sample / 8;
    size_t pixel_bytes = (size_t)p->channels * es;
    size_t row_bytes = (size_t)p->width * pixel_bytes;
    const uint8_t *src = (const uint8_t *)pixels;
    if (p->tile_width > 0) {
        TIFFSetField(tif, TIFFTAG_TILEWIDTH, p->tile_width);
        TIFFSetField(tif, TIFFTAG_TILELENGTH, p->tile_height);
        size_t tile_row = (size_t)p->tile_width * pixel_bytes;
        uint8_t *tile = calloc((size_t)p->tile_height, tile_row);
        if (!tile) return fail(t, "out of memory for one tile");
        for (uint32_t y = 0; y < p->height; y += p->tile_height) {
            for (uint32_t x = 0; x < p->width; x += p->tile_width) {
                // Edge tiles are padded with zeros, as the format requires whole tiles.
                memset(tile, 0, (size_t)p->tile_height * tile_row);
                uint32_t w = p->width - x < p->tile_width ? p->width - x : p->tile_width;
                uint32_t h = p->height - y < p->tile_height ? p->height - y : p->tile_height;
                for (uint32_t r = 0; r < h; r++)
                    memcpy(tile + r * tile_row, src + (size_t)(y + r) * row_bytes + x * pixel_bytes, w * pixel_bytes);
                if (TIFFWriteEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, 0), tile,
                                         (tmsize_t)(p->tile_height * tile_row)) < 0) {
                    free(tile);
                    return fail(t, "cannot write a tile");
                }
            }
        }
        free(tile);
    } else {
        // About 64 KiB per strip; JPEG strips must hold whole 16-row MCUs.
        uint32_t rows = row_bytes ? (uint32_t)(65536 / row_bytes) : 1;
        if (rows < 1) rows = 1;
        if (jpeg) rows = (rows + 15) / 16 * 16;
        if (rows > p->height) rows = p->height ? p->height : 1;
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows);
        for (uint32_t y = 0, strip = 0; y < p->height; y += rows, strip++) {
            uint32_t h = p->height - y < rows ? p->height - y : rows;
            // libtiff may modify the buffer (predictor, byte swapping), so hand it a copy.
            size_t n = (size_t)h * row_bytes;
            uint8_t *copy = malloc(n);
            if (!copy) return fail(t, "out of memory for one strip");
            memcpy(copy, src + (size_t)y * row_bytes, n);
            tmsize_t written = TIFFWriteEncodedStrip(tif, strip, copy, (tmsize_t)n);
            free(copy);
            if (written < 0) return fail(t, "cannot write a strip");
        }
    }
    if (!TIFFWriteDirectory(tif)) return fail(t, "cannot write the page directory");
    return 0;
}
