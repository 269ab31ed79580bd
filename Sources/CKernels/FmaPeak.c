// The FMA peak of one core, for `reticle bench` to state each figure as a share of it: twelve independent
// chains of vector fused multiply-adds (more than latency × throughput on Zen 3 and 4), no memory traffic.

#include "CKernels.h"
#include "KernelSupport.h"
#include <immintrin.h>

AVX512 static double chains_avx512(long iterations) {
    __m512 a[12];
    const __m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) a[i] = _mm512_set1_ps((float)i);
    for (long k = 0; k < iterations; k++)
        for (int i = 0; i < 12; i++) a[i] = _mm512_fmadd_ps(a[i], b, c);
    float sink = 0;
    for (int i = 0; i < 12; i++) sink += _mm512_reduce_add_ps(a[i]);
    __asm__ volatile("" : : "x"(sink));
    return 12.0 * 16 * 2 * iterations;
}

AVX2 static double chains_avx2(long iterations) {
    __m256 a[12];
    const __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps((float)i);
    for (long k = 0; k < iterations; k++)
        for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], b, c);
    float sink = 0;
    for (int i = 0; i < 12; i++) sink += a[i][0];
    __asm__ volatile("" : : "x"(sink));
    return 12.0 * 8 * 2 * iterations;
}

double rk_fma_chains(long iterations) { return rk_isa() == 2 ? chains_avx512(iterations) : chains_avx2(iterations); }
