// Plain-C shim over libtiff: decode/encode in memory, errors as text (no longjmp into Swift).
#pragma once
const char *rt_tiff_library_version(void);
