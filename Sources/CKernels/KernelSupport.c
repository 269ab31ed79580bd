// CPU dispatch and per-thread scratch for the kernels.

#include "CKernels.h"
#include "KernelSupport.h"
#include <stdlib.h>

static int force_avx2 = 0;

int rk_isa(void) {
    __builtin_cpu_init();
    return (!force_avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512dq")) ? 2 : 1;
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
