/*******************************************************************************
 * nn_int.h: internal helpers of src/nn (not part of the public interface).
 *
 * A short vector type vd_t of NN_VL doubles (GCC/Clang vector extension; one
 * AVX2 or AVX-512 register), unaligned load/store, broadcast, lane sum,
 * fused multiply-add (the
 * FMA instruction where the target has it: -std=c11 disables the compiler's
 * own contraction), and a vectorised tanh accurate to a few ulp.
 ******************************************************************************/
#ifndef NN_INT_H
#define NN_INT_H

#include <string.h>
#if defined(__AVX512F__) || (defined(__FMA__) && defined(__AVX__))
#include <immintrin.h>
#endif

/* 8 doubles with AVX-512 (e.g. ARCH=-march=x86-64-v4), else 4 (AVX2). */
#if defined(__AVX512F__)
#define NN_VL 8
#else
#define NN_VL 4
#endif

typedef double vd_t __attribute__((vector_size(NN_VL * sizeof(double))));
typedef long long vi_t __attribute__((vector_size(NN_VL * sizeof(long long))));

static inline vd_t vload(const double *p)
{
  vd_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void vstore(double *p, vd_t v) { memcpy(p, &v, sizeof v); }

static inline vd_t vbroadcast(double a)
{
#if NN_VL == 8
  return (vd_t){a, a, a, a, a, a, a, a};
#else
  return (vd_t){a, a, a, a};
#endif
}

/* sum of the lanes, pairwise */
static inline double vhsum(vd_t v)
{
  double t[NN_VL];
  vstore(t, v);
  for (int w = NN_VL / 2; w >= 1; w /= 2)
    for (int i = 0; i < w; i++) t[i] += t[i + w];
  return t[0];
}

static inline vd_t vfma(vd_t a, vd_t b, vd_t c)
{
#if defined(__AVX512F__)
  return _mm512_fmadd_pd(a, b, c);
#elif defined(__FMA__) && defined(__AVX__)
  return _mm256_fmadd_pd(a, b, c);
#else
  return a * b + c;
#endif
}

static inline vd_t vabs(vd_t x)
{
  return (vd_t)((vi_t)x & 0x7fffffffffffffffLL);
}

/* lane-wise mask ? x : y (mask lanes all ones or all zeros, as produced by
 * a vector comparison) */
static inline vd_t vselect(vi_t mask, vd_t x, vd_t y)
{
  return (vd_t)((mask & (vi_t)x) | (~mask & (vi_t)y));
}

/* exp(x) for x in [-80, 0]: x = k ln2 + r, |r| <= ln2/2, Taylor to r^13
 * (truncation < 1e-17 relative), 2^k assembled in the exponent bits. */
static inline vd_t vexp_neg(vd_t x)
{
  static const double c[14] = {
      0x1.0000000000000p+0,  0x1.0000000000000p+0,  0x1.0000000000000p-1,
      0x1.5555555555555p-3,  0x1.5555555555555p-5,  0x1.1111111111111p-7,
      0x1.6c16c16c16c17p-10, 0x1.a01a01a01a01ap-13, 0x1.a01a01a01a01ap-16,
      0x1.71de3a556c734p-19, 0x1.27e4fb7789f5cp-22, 0x1.ae64567f544e4p-26,
      0x1.1eed8eff8d898p-29, 0x1.6124613a86d09p-33};
  const vd_t magic = vbroadcast(0x1.8p52);
  vd_t kd = vfma(x, vbroadcast(0x1.71547652b82fep+0), magic);
  vd_t k = kd - magic;
  vd_t r = vfma(k, vbroadcast(-0x1.62e4200000000p-1), x);
  r = vfma(k, vbroadcast(-0x1.fdf473de6af28p-22), r);
  vd_t p = vbroadcast(c[13]);
  for (int i = 12; i >= 0; i--) p = vfma(p, r, vbroadcast(c[i]));
  vi_t ki = (vi_t)kd - (vi_t)magic;
  vd_t scale = (vd_t)((ki + 1023) << 52);
  return p * scale;
}

/* tanh(z) = sign(z) (-em) / (2 + em) with em = expm1(-2|z|) (|z| clamped to
 * 40: there em + 1 ~ 1e-35 and the quotient rounds to 1; NaN stays NaN).
 * expm1(x) = 2^k expm1(r) + (2^k - 1) with x = k ln2 + r, |r| <= ln2/2 and
 * expm1(r) = r (1 + r/2! + ... + r^12/13!) (truncation < 2e-17 relative):
 * one polynomial and no cancellation for small |z| (k = 0: em = expm1(r)). */
static inline vd_t vtanh(vd_t z)
{
  static const double c[13] = {
      0x1.0000000000000p+0,  0x1.0000000000000p-1,  0x1.5555555555555p-3,
      0x1.5555555555555p-5,  0x1.1111111111111p-7,  0x1.6c16c16c16c17p-10,
      0x1.a01a01a01a01ap-13, 0x1.a01a01a01a01ap-16, 0x1.71de3a556c734p-19,
      0x1.27e4fb7789f5cp-22, 0x1.ae64567f544e4p-26, 0x1.1eed8eff8d898p-29,
      0x1.6124613a86d09p-33};
  const vd_t magic = vbroadcast(0x1.8p52);
  vd_t a = vabs(z);
  vd_t x = -2.0 * vselect(a > vbroadcast(40.0), vbroadcast(40.0), a);
  vd_t kd = vfma(x, vbroadcast(0x1.71547652b82fep+0), magic);
  vd_t k = kd - magic;
  vd_t r = vfma(k, vbroadcast(-0x1.62e4200000000p-1), x);
  r = vfma(k, vbroadcast(-0x1.fdf473de6af28p-22), r);
  /* Estrin's scheme: a short dependency chain (the activation layers are
   * latency-bound otherwise) */
  vd_t r2 = r * r, r4 = r2 * r2, r8 = r4 * r4, p;
  {
    vd_t p01 = vfma(vbroadcast(c[1]), r, vbroadcast(c[0]));
    vd_t p23 = vfma(vbroadcast(c[3]), r, vbroadcast(c[2]));
    vd_t p45 = vfma(vbroadcast(c[5]), r, vbroadcast(c[4]));
    vd_t p67 = vfma(vbroadcast(c[7]), r, vbroadcast(c[6]));
    vd_t p89 = vfma(vbroadcast(c[9]), r, vbroadcast(c[8]));
    vd_t pab = vfma(vbroadcast(c[11]), r, vbroadcast(c[10]));
    vd_t q0 = vfma(p23, r2, p01), q1 = vfma(p67, r2, p45), q2 = vfma(pab, r2, p89);
    vd_t s0 = vfma(q1, r4, q0), s1 = vfma(vbroadcast(c[12]), r4, q2);
    p = vfma(s1, r8, s0);
  }
  vi_t ki = (vi_t)kd - (vi_t)magic;
  vd_t scale = (vd_t)((ki + 1023) << 52);
  vd_t em = vfma(scale, p * r, scale - 1.0);
  vd_t th = vabs(-em / (2.0 + em));   /* >= 0; +0 at z = 0 */
  vi_t sign = (vi_t)z & (long long)0x8000000000000000ULL;
  return (vd_t)((vi_t)th | sign);
}

#endif
