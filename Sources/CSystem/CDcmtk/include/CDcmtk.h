// Plain-C API over dcmtk 3.6.7 (C++): open a file, read tags, decode frames.
#pragma once
#ifdef __cplusplus
extern "C" {
#endif
const char *rt_dcm_library_version(void);
#ifdef __cplusplus
}
#endif
