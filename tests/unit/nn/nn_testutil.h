/*******************************************************************************
 * nn_testutil.h: helpers shared by the tests of src/nn (header only).
 *
 * tu_rand(state)         uniform in [-1, 1) from a splitmix64 state (fixed
 *                        seeds; the nn tests need no statistics)
 * tu_fill(a, n, state)   n such numbers
 * tu_fd_err(fd, an, floor)  |fd - an| / max(|fd|, |an|, floor), NaN -> 1e300
 * tu_max_abs(a, n)       max |a_i|
 ******************************************************************************/
#ifndef NN_TESTUTIL_H
#define NN_TESTUTIL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

static inline double tu_rand(uint64_t *state)
{
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return 2.0 * ((double)(z >> 11) * 0x1.0p-53) - 1.0;
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

#endif
