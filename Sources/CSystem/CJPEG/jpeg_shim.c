// libjpeg-turbo behind a status-code API: errors longjmp back to the setjmp in this
// file and become text in the caller's buffer; nothing is printed and nothing exits.
#include "CJPEG.h"
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} error_mgr;

static void on_error(j_common_ptr c) {
    error_mgr *e = (error_mgr *)c->err;
    c->err->format_message(c, e->message);
    longjmp(e->jump, 1);
}

// libjpeg treats a file cut short as a warning and pads with grey; for us that is
// corrupt input. Other warnings (stray bytes between markers) are harmless and dropped.
static void on_message(j_common_ptr c, int level) {
    if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) on_error(c);
}

static void set_error(char *err, size_t len, const char *msg) {
    if (err && len) snprintf(err, len, "%s", msg);
}

static void cmyk_to_rgb(const uint8_t *src, uint8_t *dst, size_t pixels, int inverted) {
    for (size_t i = 0; i < pixels; i++, src += 4, dst += 3) {
        // Adobe writes CMYK inverted (0 = full ink); others store plain ink amounts.
        unsigned k = inverted ? src[3] : 255u - src[3];
        for (int c = 0; c < 3; c++) {
            unsigned v = inverted ? src[c] : 255u - src[c];
            dst[c] = (uint8_t)((v * k + 127) / 255);
        }
    }
}

int rt_jpeg_decode(const uint8_t *data, size_t size, rt_jpeg_info *info,
                   uint8_t *out, size_t out_size, char *err, size_t err_len) {
    struct jpeg_decompress_struct d;
    error_mgr e;
    uint8_t *volatile cmyk_row = NULL;  // volatile: freed after a longjmp
    d.err = jpeg_std_error(&e.base);
    e.base.error_exit = on_error;
    e.base.emit_message = on_message;
    e.message[0] = 0;
    if (setjmp(e.jump)) {
        set_error(err, err_len, e.message[0] ? e.message : "libjpeg error");
        free(cmyk_row);
        jpeg_destroy_decompress(&d);
        return -1;
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, data, (unsigned long)size);
    jpeg_read_header(&d, TRUE);

    memset(info, 0, sizeof *info);
    info->width = d.image_width;
    info->height = d.image_height;
    info->components = d.num_components;
    info->color_space = d.jpeg_color_space;
    info->progressive = d.progressive_mode;
    info->has_jfif = d.saw_JFIF_marker;
    info->density_unit = d.density_unit;
    info->x_density = d.X_density;
    info->y_density = d.Y_density;
    int cmyk = d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK;
    if (d.jpeg_color_space == JCS_GRAYSCALE) {
        d.out_color_space = JCS_GRAYSCALE;
        info->channels = 1;
    } else {
        d.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
        info->channels = 3;
    }
    if (!out) {
        jpeg_destroy_decompress(&d);
        return 0;
    }

    jpeg_start_decompress(&d);
    size_t row_bytes = (size_t)d.output_width * (size_t)info->channels;
    if (d.output_width != info->width || d.output_height != info->height || row_bytes * d.output_height != out_size) {
        snprintf(e.message, sizeof e.message, "decoded size does not match the header");
        longjmp(e.jump, 1);
    }
    if (cmyk) {
        cmyk_row = malloc((size_t)d.output_width * 4);
        if (!cmyk_row) {
            snprintf(e.message, sizeof e.message, "out of memory");
            longjmp(e.jump, 1);
        }
    }
    while (d.output_scanline < d.output_height) {
        uint8_t *dst = out + (size_t)d.output_scanline * row_bytes;
        JSAMPROW row = cmyk ? cmyk_row : dst;
        if (jpeg_read_scanlines(&d, &row, 1) != 1) {
            snprintf(e.message, sizeof e.message, "file ends early (truncated)");
            longjmp(e.jump, 1);
        }
        if (cmyk) cmyk_to_rgb(cmyk_row, dst, d.output_width, d.saw_Adobe_marker);
    }
    jpeg_finish_decompress(&d);
    free(cmyk_row);
    jpeg_destroy_decompress(&d);
    return 0;
}

int rt_jpeg_encode_file(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                        int32_t channels, int32_t quality, int32_t density_unit,
                        uint32_t x_density, uint32_t y_density, char *err, size_t err_len) {
    if (channels != 1 && channels != 3) {
        set_error(err, err_len, "JPEG holds 8-bit gray or RGB only");
        return -1;
    }
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        snprintf(err, err_len, "JPEG cannot hold %ux%u pixels (1 to %ld per side)", width, height, (long)JPEG_MAX_DIMENSION);
        return -1;
    }
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        snprintf(err, err_len, "cannot create file: %s", strerror(errno));
        return -1;
    }
    struct jpeg_compress_struct c;
    error_mgr e;
    c.err = jpeg_std_error(&e.base);
    e.base.error_exit = on_error;
    e.base.emit_message = on_message;
    e.message[0] = 0;
    if (setjmp(e.jump)) {
        set_error(err, err_len, e.message[0] ? e.message : "libjpeg error");
        jpeg_destroy_compress(&c);
        fclose(fp);
        return -1;
    }
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, fp);
    c.image_width = width;
    c.image_height = height;
    c.input_components = channels;
    c.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    if (channels == 3 && quality >= 90) {
        // At high quality keep full-resolution colour (4:4:4), as ImageMagick does: stain
        // and etchant colours carry the signal, and 4:2:0 would cap fidelity whatever the quality.
        c.comp_info[0].h_samp_factor = 1;
        c.comp_info[0].v_samp_factor = 1;
    }
    if ((density_unit == 1 || density_unit == 2) && x_density > 0 && y_density > 0
        && x_density <= 65535 && y_density <= 65535) {
        c.write_JFIF_header = TRUE;
        c.density_unit = (UINT8)density_unit;
        c.X_density = (UINT16)x_density;
        c.Y_density = (UINT16)y_density;
    }
    jpeg_start_compress(&c, TRUE);
    size_t row_bytes = (size_t)width * (size_t)channels;
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)c.next_scanline * row_bytes);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    if (fclose(fp) != 0) {
        snprintf(err, err_len, "cannot finish writing: %s", strerror(errno));
        return -1;
    }
    return 0;
}
