// The libtiff handle behind rt_tiff, shared by the image shim (tiff_shim.c) and the GeoTIFF shim
// (geotiff_shim.c), so both open, report errors and close through one path. Not a public header.
#pragma once
#include <tiffio.h>

struct rt_tiff {
    TIFF *tif;
    char message[512];
};
