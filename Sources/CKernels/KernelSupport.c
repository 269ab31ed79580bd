// CPU dispatch and per-thread scratch for the kernels.

#include "CKernels.h"
#include "KernelSupport.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int force_avx2 = 0;  // read and written atomically: parts on several threads ask for the ISA
static int detected = 0;    // 0 until the first call, then 2 (AVX-512) or 1 (AVX2)

int rk_isa(void) {
    int isa = __atomic_load_n(&detected, __ATOMIC_RELAXED);
    if (!isa) {
        // RETICLE_KERNELS=avx2 runs the AVX2 kernels on an AVX-512 machine (to measure what AVX2-only CPUs get).
        const char *choice = getenv("RETICLE_KERNELS");
        __builtin_cpu_init();
        const int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512dq");
        isa = avx512 && !(choice && strcasecmp(choice, "avx2") == 0) ? 2 : 1;
        __atomic_store_n(&detected, isa, __ATOMIC_RELAXED);
    }
    return __atomic_load_n(&force_avx2, __ATOMIC_RELAXED) ? 1 : isa;
}

void rk_force_avx2(int on) { __atomic_store_n(&force_avx2, on, __ATOMIC_RELAXED); }

// One growing buffer per thread and slot: the kernel pool's workers (KernelPool.c) live as long as the process, so
// steady-state calls allocate nothing, and each keeps the largest buffer it needed. A thread that exits (libdispatch
// retires idle workers, which run the splits the pool could not take) frees its buffers through the key's destructor.
typedef struct { float *buffer[3]; size_t size[3]; } scratch_set;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void free_scratch(void *p) {
    scratch_set *set = p;
    for (int i = 0; i < 3; i++) free(set->buffer[i]);
    free(set);
}

static void make_scratch_key(void) { pthread_key_create(&scratch_key, free_scratch); }

float *rk_scratch(int slot, size_t count) {
    pthread_once(&scratch_once, make_scratch_key);
    scratch_set *set = pthread_getspecific(scratch_key);
    if (!set) {
        set = calloc(1, sizeof(scratch_set));
        if (!set || pthread_setspecific(scratch_key, set) != 0) { free(set); return NULL; }
    }
    if (set->size[slot] < count) {
        free(set->buffer[slot]);
        size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
        set->buffer[slot] = aligned_alloc(64, bytes);
        set->size[slot] = set->buffer[slot] ? count : 0;
    }
    return set->buffer[slot];
}
