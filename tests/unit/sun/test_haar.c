/*******************************************************************************
 * test_haar.c: Haar-random SU(N) matrices (sun_haar_from_gaussians through
 * rng_haar_sun), N = 2, 3, 4.
 *
 * Every sample is in SU(N) to 1e-14.  Moments over M = 200000 samples (one
 * stream per sample, index = sample number, fixed seed), each compared
 * with its exact Haar value within 3.5 standard errors (the standard error
 * estimated from the sample variance):
 *   E[tr U] = 0 (Re and Im), E|tr U|^2 = 1, E|tr U|^4 = 2,
 *   E[(tr U)^N] = 1 (Re; Im 0): the SU(N) singlet in the N-fold tensor
 *     power, which U(N)-Haar (no det fix) would give as 0,
 *   E|U_00|^2 = 1/N, E|U_00|^4 = 2/(N(N+1)), E[Re U_01] = 0.
 * E|tr U|^4 = 2 holds for SU(2) as well: tr U = 2 cos t with density
 * (2/pi) sin^2 t on [0, pi], so E(tr U)^4 = (32/pi) int sin^2 cos^4 =
 * (32/pi)(pi/16) = 2 (and E(tr U)^2 = (8/pi)(pi/8) = 1).
 * Left invariance: the same moments of V U for a fixed V in SU(N) (an
 * exponential of a fixed algebra element, far from 1).
 * Error returns: EMF_EDOM for all-zero, NaN or rank-deficient Gaussian
 * input; EMF_EINVAL for a bad N.  The map is deterministic in g.
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "check.h"
#include "rng.h"
#include "sun.h"

#define NM (EMF_NMAX * EMF_NMAX)
#define NSAMPLE 200000
#define NMOM 9

typedef struct { double s[NMOM], s2[NMOM]; } mom_t;

static void mom_add(mom_t *m, int n, const cplx_t *u)
{
  cplx_t tr = sun_trace(n, u), trn = 1.0;
  for (int k = 0; k < n; k++) trn *= tr;
  double a2 = creal(tr) * creal(tr) + cimag(tr) * cimag(tr);
  double u2 = creal(u[0]) * creal(u[0]) + cimag(u[0]) * cimag(u[0]);
  double f[NMOM] = {creal(tr), cimag(tr), a2, a2 * a2, creal(trn), cimag(trn),
                    u2, u2 * u2, creal(u[1])};
  for (int i = 0; i < NMOM; i++) {
    m->s[i] += f[i];
    m->s2[i] += f[i] * f[i];
  }
}

static void mom_check(const mom_t *m, int n, const char *what)
{
  static const char *name[NMOM] = {"Re tr U", "Im tr U", "|tr U|^2", "|tr U|^4",
                                   "Re (tr U)^N", "Im (tr U)^N", "|U_00|^2",
                                   "|U_00|^4", "Re U_01"};
  double exact[NMOM] = {0, 0, 1, 2, 1, 0, 1.0 / n, 2.0 / (n * (n + 1.0)), 0};
  for (int i = 0; i < NMOM; i++) {
    double mean = m->s[i] / NSAMPLE;
    double var = (m->s2[i] / NSAMPLE - mean * mean) * NSAMPLE / (NSAMPLE - 1.0);
    double se = fmax(sqrt(var / NSAMPLE), 1e-15);  /* Im tr U = 0 exactly for SU(2) */
    check_sigma(mean, exact[i], se, 3.5, "N=%d %s: E[%s] = %g (got %.5f +- %.5f)", n, what,
                name[i], exact[i], mean, se);
  }
}

static void check_stats(int n)
{
  mom_t mu, mvu;
  memset(&mu, 0, sizeof mu);
  memset(&mvu, 0, sizeof mvu);
  cplx_t u[NM], v[NM], vu[NM];
  double x[NM];
  for (int a = 0; a < n * n - 1; a++) x[a] = 1.5 + 0.37 * a;
  sun_exp_alg(n, v, x);
  double uerr = 0.0;
  int status = EMF_SUCCESS;
  for (long i = 0; i < NSAMPLE; i++) {
    rng_stream_t s;
    rng_stream_init(&s, 8675309, RNG_TEST, (uint64_t)i, (uint32_t)n);
    status |= rng_haar_sun(&s, n, u);
    uerr = fmax(uerr, sun_unitarity_error(n, u));
    mom_add(&mu, n, u);
    sun_mul(n, vu, v, u);
    mom_add(&mvu, n, vu);
  }
  check_int(status, EMF_SUCCESS, "N=%d: all draws succeed", n);
  check_abs(uerr, 0, 1e-14, "N=%d: samples in SU(N) (max error %.1e)", n, uerr);
  mom_check(&mu, n, "U");
  mom_check(&mvu, n, "V U");
}

static void check_errors(int n)
{
  double g[2 * NM];
  cplx_t u[NM], u2[NM];
  rng_stream_t s;
  rng_stream_init(&s, 1, RNG_TEST, 0, 0);
  rng_gaussians(&s, g, 2 * n * n);
  check_int(sun_haar_from_gaussians(n, u, g), EMF_SUCCESS, "N=%d: regular draw", n);
  check_int(sun_haar_from_gaussians(n, u2, g), EMF_SUCCESS, "N=%d: regular draw again", n);
  check_bits(u, u2, sizeof(cplx_t) * n * n, "N=%d: deterministic in g", n);
  /* column 1 = 2 * column 0: rank deficient */
  for (int i = 0; i < n; i++) {
    g[2 * (i * n + 1)] = 2.0 * g[2 * (i * n)];
    g[2 * (i * n + 1) + 1] = 2.0 * g[2 * (i * n) + 1];
  }
  check_int(sun_haar_from_gaussians(n, u, g), EMF_EDOM, "N=%d: dependent columns -> EDOM", n);
  for (int i = 0; i < 2 * n * n; i++) g[i] = 0.0;
  check_int(sun_haar_from_gaussians(n, u, g), EMF_EDOM, "N=%d: zero input -> EDOM", n);
  g[3] = NAN;
  check_int(sun_haar_from_gaussians(n, u, g), EMF_EDOM, "N=%d: NaN input -> EDOM", n);
}

int main(void)
{
  for (int n = 2; n <= 4; n++) {
    check_stats(n);
    check_errors(n);
  }
  double g[2 * NM] = {0};
  cplx_t u[NM];
  rng_stream_t s;
  rng_stream_init(&s, 1, RNG_TEST, 0, 0);
  check_int(sun_haar_from_gaussians(1, u, g), EMF_EINVAL, "haar n=1 -> EINVAL");
  check_int(rng_haar_sun(&s, EMF_NMAX + 1, u), EMF_EINVAL, "rng_haar_sun n=NMAX+1 -> EINVAL");
  return check_finish("unit/sun/test_haar");
}
