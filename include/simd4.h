/*******************************************************************************
 * simd4.h: 4-wide double vectors for the site-vectorised SU(3) kernels
 * (src/action/wilson_su3.c, src/sun/sun_su3.c); defined only when the build
 * targets AVX2 and FMA (the default -march=x86-64-v3).
 *
 *   v4                 one AVX2 register of 4 doubles (one lane per site/link)
 *   tr4(d, r0..r3)     4x4 transpose: lane i of d[k] = element k of r_i
 *
 * Read-only inline helpers; no state.
 ******************************************************************************/
#ifndef SIMD4_H
#define SIMD4_H

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

typedef __m256d v4;

static inline __attribute__((always_inline)) void tr4(v4 *d, v4 r0, v4 r1, v4 r2, v4 r3)
{
  const v4 t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
  const v4 t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
  d[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
  d[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
  d[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
  d[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}
#endif

#endif
