#include "CJPEG.h"
#include <stdio.h>
#include <jpeglib.h>
const char *rt_jpeg_library_version(void) { return "libjpeg-turbo"; }
