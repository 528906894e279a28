/*******************************************************************************
 * ode_testlib.h: helpers shared by the ode unit tests (header only).
 *
 * A deterministic Gaussian generator (splitmix64 + Box-Muller), random SU(N)
 * links, and one test vector field with two kinds:
 *   kind 0 (constant):  X_i = c_i (U- and t-independent): exact solution
 *                       U_i(t) = exp((t - t0) c_i) U_i(t0);
 *   kind 1 (nonlinear): X_i(U, t) = g(t) P(A_i U_i U_{i+1 mod n}),
 *                       g(t) = 1 + 0.5 sin(2t), P the projection onto su(N);
 *   kind 2 (link-local): X_i(U, t) = g(t) P(A_i U_i U_i);
 * and extra rates r_0 = sum_i Re tr U_i / N, r_1 = cos t,
 * r_2 = sum_i |X_i|^2 (as many as m asks for, m <= 3).
 * The field records the largest unitarity error of the links it is shown.
 ******************************************************************************/
#ifndef ODE_TESTLIB_H
#define ODE_TESTLIB_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ode.h"
#include "sun.h"

typedef struct {
  uint64_t s;
} trng_t;

static inline double trng_uniform(trng_t *g)
{
  uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return ((double)(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static inline double trng_gauss(trng_t *g)
{
  double u1 = trng_uniform(g), u2 = trng_uniform(g);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* n random SU(N) matrices (Haar) */
static inline void trandom_links(trng_t *g, int N, size_t n, cplx_t *u)
{
  double gg[2 * EMF_NMAX * EMF_NMAX];
  for (size_t i = 0; i < n; i++) {
    int s;
    do {
      for (int a = 0; a < 2 * N * N; a++) gg[a] = trng_gauss(g);
      s = sun_haar_from_gaussians(N, u + i * (size_t)(N * N), gg);
    } while (s != EMF_SUCCESS);
  }
}

typedef struct {
  int kind;          /* 0 constant, 1 nonlinear, 2 link-local nonlinear */
  int N;
  size_t n, m;
  double *c;         /* [n*ngen] constant field */
  cplx_t *a;         /* [n*N*N] nonlinear field matrices */
  double max_unit;   /* largest sun_unitarity_error seen */
  long calls;
  long fail_after;   /* < 0: never; else fail on call number fail_after+1 */
  int fail_code;     /* EMF code to return, or -1: write a NaN */
  int noisy;         /* 1: multiply X by 1 +- 0.5 alternating per call
                        (a discontinuous field no tolerance can follow) */
  double lambda;     /* overall factor of X (a "parameter"), 1 by default */
  double dlambda;    /* dL/dlambda accumulated by tfield_vjp */
} tfield_t;

static inline void tfield_init(tfield_t *f, int kind, int N, size_t n,
                               size_t m, trng_t *g, double scale)
{
  const int ngen = N * N - 1, nn = N * N;
  memset(f, 0, sizeof *f);
  f->kind = kind;
  f->N = N;
  f->n = n;
  f->m = m;
  f->fail_after = -1;
  f->lambda = 1.0;
  f->c = malloc(n * (size_t)ngen * sizeof(double));
  f->a = malloc(n * (size_t)nn * sizeof(cplx_t));
  for (size_t i = 0; i < n * (size_t)ngen; i++) f->c[i] = scale * trng_gauss(g);
  for (size_t i = 0; i < n * (size_t)nn; i++)
    f->a[i] = scale * (trng_gauss(g) + I * trng_gauss(g)) / sqrt(2.0 * N);
}

static inline void tfield_free(tfield_t *f)
{
  free(f->c);
  free(f->a);
}

static inline int tfield_fn(double t, const cplx_t *u, double *x, double *r,
                     void *params)
{
  tfield_t *f = params;
  const int N = f->N, nn = N * N, ngen = N * N - 1;
  cplx_t b[EMF_NMAX * EMF_NMAX], c[EMF_NMAX * EMF_NMAX];
  double r0 = 0.0, r2 = 0.0, g = 1.0 + 0.5 * sin(2.0 * t);

  f->calls++;
  if (f->fail_after >= 0 && f->calls > f->fail_after) {
    if (f->fail_code >= 0) return f->fail_code;
    x[0] = NAN;
    return EMF_SUCCESS;
  }
  for (size_t i = 0; i < f->n; i++) {
    const cplx_t *ui = u + i * (size_t)nn;
    double e = sun_unitarity_error(N, ui);
    double *xi = x + i * (size_t)ngen;
    if (e > f->max_unit) f->max_unit = e;
    r0 += creal(sun_trace(N, ui)) / N;
    if (f->kind == 0) {
      memcpy(xi, f->c + i * (size_t)ngen, (size_t)ngen * sizeof(double));
    } else {
      sun_mul(N, b, f->a + i * (size_t)nn, ui);
      sun_mul(N, c, b, f->kind == 2 ? ui : u + ((i + 1) % f->n) * (size_t)nn);
      sun_to_alg(N, xi, c);
      for (int a = 0; a < ngen; a++) xi[a] *= g;
    }
    if (f->noisy)
      for (int a = 0; a < ngen; a++) xi[a] *= (f->calls % 2) ? 1.5 : 0.5;
    for (int a = 0; a < ngen; a++) xi[a] *= f->lambda;
    for (int a = 0; a < ngen; a++) r2 += xi[a] * xi[a];
  }
  if (f->m > 0) r[0] = r0;
  if (f->m > 1) r[1] = cos(t);
  if (f->m > 2) r[2] = r2;
  return EMF_SUCCESS;
}

/* Vector-Jacobian product of tfield_fn (ode_field_vjp_fn), kinds 0-2.
 * With G = sum_a gx'_a T_a, gx' = gx + 2 gr_2 x (r_2 = |X|^2), and
 * x_i = lambda g(t) to_alg(M_i): <gx', x_i> = -2 lambda g Re tr(G M_i), so a
 * left perturbation of a factor U in M_i = P U Q contributes
 * lambda g to_alg(Q G P) to the gradient of that link; r_0 contributes
 * -gr_0 to_alg(U_i) / (2N).  dlambda += <gx', x> / lambda. */
static inline int tfield_vjp(double t, const cplx_t *u, const double *x,
                             const double *gx, const double *gr, double *au,
                             void *params)
{
  tfield_t *f = params;
  const int N = f->N, nn = N * N, ngen = N * N - 1;
  const double g = 1.0 + 0.5 * sin(2.0 * t), lg = f->lambda * g;
  cplx_t G[EMF_NMAX * EMF_NMAX], p[EMF_NMAX * EMF_NMAX], q[EMF_NMAX * EMF_NMAX];
  cplx_t r[EMF_NMAX * EMF_NMAX];
  double gxp[EMF_NMAX * EMF_NMAX], v[EMF_NMAX * EMF_NMAX];

  memset(au, 0, f->n * (size_t)ngen * sizeof(double));
  for (size_t i = 0; i < f->n; i++) {
    const cplx_t *ui = u + i * (size_t)nn, *a = f->a + i * (size_t)nn;
    const size_t j = (f->kind == 2) ? i : (i + 1) % f->n;
    const cplx_t *uj = u + j * (size_t)nn;
    double dot = 0.0;
    for (int b = 0; b < ngen; b++) {
      gxp[b] = gx[i * (size_t)ngen + b];
      if (f->m > 2) gxp[b] += 2.0 * gr[2] * x[i * (size_t)ngen + b];
      dot += gxp[b] * x[i * (size_t)ngen + b];
    }
    f->dlambda += dot / f->lambda;
    if (f->m > 0) {
      sun_to_alg(N, v, ui);
      for (int b = 0; b < ngen; b++) au[i * (size_t)ngen + b] -= gr[0] * v[b] / (2.0 * N);
    }
    if (f->kind == 0) continue;
    sun_from_alg(N, G, gxp);
    /* M = A U_i U_j: factor U_i with P = A, Q = U_j; factor U_j with
     * P = A U_i, Q = 1 */
    sun_mul(N, p, uj, G);
    sun_mul(N, q, p, a);                 /* U_j G A */
    sun_mul(N, r, ui, q);                /* U_i U_j G A */
    sun_to_alg(N, v, r);
    for (int b = 0; b < ngen; b++) au[i * (size_t)ngen + b] += lg * v[b];
    sun_mul(N, r, q, ui);                /* U_j G A U_i */
    sun_to_alg(N, v, r);
    for (int b = 0; b < ngen; b++) au[j * (size_t)ngen + b] += lg * v[b];
  }
  return EMF_SUCCESS;
}

/* max over links of the Frobenius norm of u - v */
static inline double tdist(int N, size_t n, const cplx_t *u, const cplx_t *v)
{
  double dmax = 0.0;
  for (size_t i = 0; i < n; i++) {
    double d = 0.0;
    for (int a = 0; a < N * N; a++) {
      cplx_t z = u[i * (size_t)(N * N) + a] - v[i * (size_t)(N * N) + a];
      d += creal(z) * creal(z) + cimag(z) * cimag(z);
    }
    if (sqrt(d) > dmax) dmax = sqrt(d);
  }
  return dmax;
}

static inline double tunit(int N, size_t n, const cplx_t *u)
{
  double e = 0.0;
  for (size_t i = 0; i < n; i++) {
    double ei = sun_unitarity_error(N, u + i * (size_t)(N * N));
    if (ei > e) e = ei;
  }
  return e;
}

static inline double tmaxabs(size_t m, const double *a, const double *b)
{
  double d = 0.0;
  for (size_t j = 0; j < m; j++)
    if (fabs(a[j] - b[j]) > d) d = fabs(a[j] - b[j]);
  return d;
}

#endif
