#include "CTIFF.h"
#include <tiffio.h>
const char *rt_tiff_library_version(void) { return TIFFGetVersion(); }
