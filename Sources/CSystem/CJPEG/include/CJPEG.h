// Plain-C shim over libjpeg: decode/encode in memory, errors as text (no longjmp into Swift).
#pragma once
const char *rt_jpeg_library_version(void);
