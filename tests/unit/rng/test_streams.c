/*******************************************************************************
 * test_streams.c: properties of the streams.
 *
 * 1. Reproducibility: the same (seed, purpose, index, step) drawn twice
 *    gives identical bits (words, uniforms, Gaussians, Haar matrices), also
 *    when other streams are drawn in between (the Box-Muller spare belongs
 *    to its stream).
 * 2. Distinct streams: changing any one of seed (low and high word),
 *    purpose, index (low and high word) or step gives a different stream:
 *    at most 1 of the first 4096 words equal (expected 4096/2^32), and the
 *    correlation of n = 100000 paired uniforms is |r| < 3.5/sqrt(n)
 *    (r ~ N(0, 1/n) for independent streams).
 * 3. Uniform, one stream (n = 10^6) and first draws of 10^5 consecutive
 *    indices (the way the lattice uses streams): mean 1/2 with standard
 *    error sqrt(1/12/n), variance 1/12 with standard error
 *    sqrt((1/80 - 1/144)/n); every value in (0, 1).  Tolerance 3.5 sigma.
 * 4. Gaussian (n = 10^6): mean 0 (SE 1/sqrt(n)), variance 1 (SE
 *    sqrt(2/n)), E x^4 = 3 (SE sqrt(96/n)), E x^3 = 0 (SE sqrt(15/n)).
 *    Tolerance 3.5 sigma.
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "check.h"
#include "rng.h"
#include "sun.h"

#define NSIG 3.5

static void check_repro(void)
{
  rng_stream_t a, b, c;
  uint32_t wa[1000], wb[1000];
  double ga[999], gb[999];
  cplx_t ua[9], ub[9];
  rng_stream_init(&a, 42, RNG_HOT_START, 12345, 7);
  rng_stream_init(&b, 42, RNG_HOT_START, 12345, 7);
  rng_stream_init(&c, 43, RNG_HOT_START, 12345, 7);
  for (int i = 0; i < 1000; i++) wa[i] = rng_u32(&a);
  for (int i = 0; i < 1000; i++) { wb[i] = rng_u32(&b); (void)rng_gaussian(&c); }
  check_bits(wa, wb, sizeof wa, "same stream twice: identical words");
  for (int i = 0; i < 999; i++) { ga[i] = rng_gaussian(&a); (void)rng_gaussian(&c); }
  for (int i = 0; i < 999; i++) { gb[i] = rng_gaussian(&b); (void)rng_uniform(&c); }
  check_bits(ga, gb, sizeof ga, "same stream twice: identical Gaussians (other stream between)");
  rng_haar_sun(&a, 3, ua);
  rng_haar_sun(&b, 3, ub);
  check_bits(ua, ub, sizeof ua, "same stream twice: identical Haar SU(3)");
  double x = rng_uniform(&a), y = rng_uniform(&b);
  check_bits(&x, &y, sizeof x, "same stream twice: identical uniforms");
  rng_stream_init(&a, 42, RNG_HOT_START, 12345, 7);
  rng_stream_init(&b, 42, RNG_HOT_START, 12345, 7);
  x = rng_gaussian(&a);
  y = rng_gaussian(&b);
  check_bits(&x, &y, sizeof x, "re-initialised stream starts again");
}

static void check_distinct(void)
{
  const uint64_t seed = 1234, index = 5;
  const uint32_t purpose = RNG_TEST, step = 3;
  static const struct { const char *what; uint64_t seed; uint32_t purpose; uint64_t index; uint32_t step; } v[] = {
      {"seed + 1", seed + 1, purpose, index, step},
      {"seed high word", seed | 1ull << 40, purpose, index, step},
      {"purpose", seed, RNG_MOMENTA, index, step},
      {"index + 1", seed, purpose, index + 1, step},
      {"index high word", seed, purpose, index | 1ull << 33, step},
      {"step + 1", seed, purpose, index, step + 1}};
  const int n = 100000;
  for (size_t t = 0; t < sizeof v / sizeof v[0]; t++) {
    rng_stream_t a, b;
    rng_stream_init(&a, seed, purpose, index, step);
    rng_stream_init(&b, v[t].seed, v[t].purpose, v[t].index, v[t].step);
    int same = 0;
    for (int i = 0; i < 4096; i++) same += rng_u32(&a) == rng_u32(&b);
    check_true(same <= 1, "%s: different words (%d of 4096 equal)", v[t].what, same);
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (int i = 0; i < n; i++) {
      double x = rng_uniform(&a) - 0.5, y = rng_uniform(&b) - 0.5;
      sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y;
    }
    double cov = sab / n - sa * sb / ((double)n * n);
    double r = cov / sqrt((saa / n - sa * sa / ((double)n * n)) * (sbb / n - sb * sb / ((double)n * n)));
    check_sigma(r, 0.0, 1.0 / sqrt(n), NSIG, "%s: correlation %.5f (sigma %.5f)", v[t].what, r,
                1.0 / sqrt(n));
  }
}

static void uniform_moments(const char *what, const double *u, int n)
{
  double s = 0, s2 = 0, lo = 1, hi = 0;
  for (int i = 0; i < n; i++) {
    s += u[i];
    lo = fmin(lo, u[i]);
    hi = fmax(hi, u[i]);
  }
  double mean = s / n;
  for (int i = 0; i < n; i++) s2 += (u[i] - mean) * (u[i] - mean);
  double var = s2 / (n - 1);
  check_true(lo > 0.0 && hi < 1.0, "%s: all in (0,1) (min %.3g, max 1-%.3g)", what, lo, 1 - hi);
  check_sigma(mean, 0.5, sqrt(1.0 / 12.0 / n), NSIG, "%s: mean %.6f", what, mean);
  check_sigma(var, 1.0 / 12.0, sqrt((1.0 / 80.0 - 1.0 / 144.0) / n), NSIG, "%s: variance %.6f", what,
              var);
}

static void check_uniform(void)
{
  static double u[1000000];
  rng_stream_t s;
  rng_stream_init(&s, 2718, RNG_TEST, 0, 0);
  for (int i = 0; i < 1000000; i++) u[i] = rng_uniform(&s);
  uniform_moments("uniform, one stream", u, 1000000);
  for (int i = 0; i < 100000; i++) {
    rng_stream_init(&s, 2718, RNG_TEST, (uint64_t)i, 1);
    u[i] = rng_uniform(&s);
  }
  uniform_moments("uniform, first draw of 1e5 indices", u, 100000);
}

static void check_gaussian(void)
{
  const int n = 1000000;
  rng_stream_t s;
  rng_stream_init(&s, 1618, RNG_TEST, 0, 0);
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  for (int i = 0; i < n; i++) {
    double x = rng_gaussian(&s), x2 = x * x;
    m1 += x; m2 += x2; m3 += x2 * x; m4 += x2 * x2;
  }
  m1 /= n; m2 /= n; m3 /= n; m4 /= n;
  check_sigma(m1, 0.0, sqrt(1.0 / n), NSIG, "gaussian: mean %.5f", m1);
  check_sigma(m2, 1.0, sqrt(2.0 / n), NSIG, "gaussian: E x^2 %.5f", m2);
  check_sigma(m3, 0.0, sqrt(15.0 / n), NSIG, "gaussian: E x^3 %.5f", m3);
  check_sigma(m4, 3.0, sqrt(96.0 / n), NSIG, "gaussian: E x^4 %.5f", m4);
}

int main(void)
{
  check_repro();
  check_distinct();
  check_uniform();
  check_gaussian();
  return check_finish("unit/rng/test_streams");
}
