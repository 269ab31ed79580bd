// CPU dispatch and per-thread scratch for the kernels.

#include "CKernels.h"
#include "KernelSupport.h"
#include <stdlib.h>
#include <string.h>

static int force_avx2 = 0;
static int detected = 0;  // 0 until the first call, then 2 (AVX-512) or 1 (AVX2)

int rk_isa(void) {
    if (!detected) {
        // RETICLE_KERNELS=avx2 runs the AVX2 kernels on an AVX-512 machine (to measure what AVX2-only CPUs get).
        const char *choice = getenv("RETICLE_KERNELS");
        __builtin_cpu_init();
        const int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512dq");
        detected = avx512 && !(choice && strcmp(choice, "avx2") == 0) ? 2 : 1;
    }
    return force_avx2 ? 1 : detected;
}

void rk_force_avx2(int on) { force_avx2 = on; }

// One growing buffer per thread and slot: Swift's worker threads persist, so steady-state calls allocate nothing.
static _Thread_local float *buffers[3];
static _Thread_local size_t sizes[3];

float *rk_scratch(int slot, size_t count) {
    if (sizes[slot] < count) {
        free(buffers[slot]);
        size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
        buffers[slot] = aligned_alloc(64, bytes);
        sizes[slot] = buffers[slot] ? count : 0;
    }
    return buffers[slot];
}
