/*******************************************************************************
 * nn_testutil.h: helpers shared by the tests of src/nn (header only).
 *
 * tu_rand(state)         uniform in [-1, 1) from tu_splitmix64 (fixed
 *                        seeds; the nn tests need no statistics)
 * tu_fill(a, n, state)   n such numbers
 * tu_fd_err(fd, an, floor)  |fd - an| / max(|fd|, |an|, floor), NaN -> 1e300
 * tu_max_abs(a, n)       max |a_i|
 * tu_fd_block(v, n, an, J, ctx)  max over i < n of tu_fd_err of the central
 *                        difference of J(ctx) in v[i] (h = 1e-5 max(1, |v_i|),
 *                        v[i] restored) against an[i], floor 1e-3 max|an|
 ******************************************************************************/
#ifndef NN_TESTUTIL_H
#define NN_TESTUTIL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "testutil.h"

static inline double tu_rand(uint64_t *state)
{
  return 2.0 * ((double)(tu_splitmix64(state) >> 11) * 0x1.0p-53) - 1.0;
}

static inline void tu_fill(double *a, size_t n, uint64_t *state)
{
  for (size_t i = 0; i < n; i++) a[i] = tu_rand(state);
}

static inline double tu_fd_err(double fd, double an, double floor)
{
  double d = fmax(fmax(fabs(fd), fabs(an)), floor);
  if (!isfinite(fd) || !isfinite(an)) return 1e300;
  return fabs(fd - an) / d;
}

static inline double tu_max_abs(const double *a, size_t n)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
  return m;
}

static inline double tu_fd_block(double *v, size_t n, const double *an,
                                 double (*J)(void *ctx), void *ctx)
{
  double floor = 1e-3 * tu_max_abs(an, n), err = 0.0;
  for (size_t i = 0; i < n; i++) {
    double v0 = v[i], h = 1e-5 * fmax(1.0, fabs(v0)), jp, jm;
    v[i] = v0 + h;
    jp = J(ctx);
    v[i] = v0 - h;
    jm = J(ctx);
    v[i] = v0;
    err = fmax(err, tu_fd_err((jp - jm) / (2 * h), an[i], floor));
  }
  return err;
}

#endif
