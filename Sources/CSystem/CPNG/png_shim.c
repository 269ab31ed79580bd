// libpng behind a status-code API: errors longjmp back to the setjmp in this file
// and are copied into the caller's buffer; warnings are dropped so batch output stays clean.
#include "CPNG.h"
#include <png.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size, pos;
    char message[256];
} reader;

static void on_error(png_structp png, png_const_charp msg) {
    reader *r = (reader *)png_get_error_ptr(png);
    if (r) snprintf(r->message, sizeof r->message, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static void read_memory(png_structp png, png_bytep out, png_size_t n) {
    reader *r = (reader *)png_get_io_ptr(png);
    if (n > r->size - r->pos) png_error(png, "file ends early (truncated)");
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
}

static void set_error(char *err, size_t len, const char *msg) {
    if (err && len) snprintf(err, len, "%s", msg);
}

int rt_png_decode(const uint8_t *data, size_t size, rt_png_info *info,
                  void *out, size_t out_size, char *err, size_t err_len) {
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        set_error(err, err_len, "not a PNG (bad signature)");
        return -1;
    }
    reader r = { data, size, 0, "" };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, on_error, on_warning);
    png_infop pi = png ? png_create_info_struct(png) : NULL;
    if (!pi) {
        set_error(err, err_len, "out of memory");
        png_destroy_read_struct(&png, NULL, NULL);
        return -1;
    }
    png_bytep *volatile rows = NULL;  // volatile: freed after a longjmp
    if (setjmp(png_jmpbuf(png))) {
        set_error(err, err_len, r.message[0] ? r.message : "libpng error");
        png_free(png, rows);
        png_destroy_read_struct(&png, &pi, NULL);
        return -1;
    }
    png_set_read_fn(png, &r, read_memory);
    png_read_info(png, pi);

    memset(info, 0, sizeof *info);
    info->width = png_get_image_width(png, pi);
    info->height = png_get_image_height(png, pi);
    info->color_type = png_get_color_type(png, pi);
    info->stored_bit_depth = png_get_bit_depth(png, pi);
    info->interlaced = png_get_interlace_type(png, pi) != PNG_INTERLACE_NONE;
    png_uint_32 px, py;
    int unit;
    if (png_get_pHYs(png, pi, &px, &py, &unit)) {
        info->has_phys = 1;
        info->phys_unit = unit;
        info->phys_x = px;
        info->phys_y = py;
    }

    // Expansions so Swift sees only 8/16-bit gray, gray+alpha, RGB, RGBA.
    if (info->color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (info->color_type == PNG_COLOR_TYPE_GRAY && info->stored_bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, pi, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (info->stored_bit_depth == 16) png_set_swap(png);
#endif
    png_set_interlace_handling(png);
    png_read_update_info(png, pi);
    info->channels = png_get_channels(png, pi);
    info->bit_depth = png_get_bit_depth(png, pi);

    if (out) {
        size_t row_bytes = (size_t)info->width * (size_t)info->channels * (size_t)(info->bit_depth / 8);
        if (png_get_rowbytes(png, pi) != row_bytes || row_bytes * info->height != out_size) {
            snprintf(r.message, sizeof r.message, "decoded size does not match the header");
            png_longjmp(png, 1);
        }
        rows = png_malloc(png, sizeof(png_bytep) * (info->height ? info->height : 1));
        for (uint32_t y = 0; y < info->height; y++) rows[y] = (png_bytep)out + (size_t)y * row_bytes;
        png_read_image(png, rows);
        png_read_end(png, NULL);
        png_free(png, rows);
        rows = NULL;
    }
    png_destroy_read_struct(&png, &pi, NULL);
    return 0;
}

typedef struct {
    char message[256];
} writer;

static void on_write_error(png_structp png, png_const_charp msg) {
    writer *w = (writer *)png_get_error_ptr(png);
    if (w) snprintf(w->message, sizeof w->message, "%s", msg);
    png_longjmp(png, 1);
}

int rt_png_encode_file(const char *path, const void *pixels, uint32_t width, uint32_t height,
                       int32_t channels, int32_t bit_depth, uint32_t ppm_x, uint32_t ppm_y,
                       char *err, size_t err_len) {
    static const int color_types[] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };
    if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16)) {
        set_error(err, err_len, "PNG holds 1-4 channels of 8 or 16 bits");
        return -1;
    }
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        snprintf(err, err_len, "cannot create file: %s", strerror(errno));
        return -1;
    }
    writer w = { "" };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w, on_write_error, on_warning);
    png_infop pi = png ? png_create_info_struct(png) : NULL;
    if (!pi) {
        set_error(err, err_len, "out of memory");
        png_destroy_write_struct(&png, NULL);
        fclose(fp);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        set_error(err, err_len, w.message[0] ? w.message : "libpng error");
        png_destroy_write_struct(&png, &pi);
        fclose(fp);
        return -1;
    }
    png_init_io(png, fp);
    png_set_IHDR(png, pi, width, height, bit_depth, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (ppm_x > 0 && ppm_y > 0) png_set_pHYs(png, pi, ppm_x, ppm_y, PNG_RESOLUTION_METER);
    png_write_info(png, pi);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (bit_depth == 16) png_set_swap(png);
#endif
    size_t row_bytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    for (uint32_t y = 0; y < height; y++) png_write_row(png, (png_const_bytep)pixels + (size_t)y * row_bytes);
    png_write_end(png, pi);
    png_destroy_write_struct(&png, &pi);
    if (fclose(fp) != 0) {
        snprintf(err, err_len, "cannot finish writing: %s", strerror(errno));
        return -1;
    }
    return 0;
}
