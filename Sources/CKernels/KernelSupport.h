// What the kernel files share and Swift does not see: target attributes and per-thread scratch.
#ifndef RETICLE_KERNEL_SUPPORT_H
#define RETICLE_KERNEL_SUPPORT_H

#include <stddef.h>

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,fma")))
#define AVX2 __attribute__((target("avx2,fma")))

/// A 64-byte aligned buffer of at least `count` floats, one per thread and slot (0–2), kept between calls.
float *rk_scratch(int slot, size_t count);

#endif
