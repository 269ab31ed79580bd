// Plain-C shim over libpng: decode/encode in memory, errors as text (no longjmp into Swift).
#pragma once
const char *rt_png_library_version(void);
