/*******************************************************************************
 * test_single.c: the single-matrix flow.
 *
 * 1. Equivariance: flow(g U g^+) = g flow(U) g^+ and log q unchanged, to
 *    1e-12, for N = 2, 3, with the fixed-step and the adaptive integrator
 *    (random network, random U and g).
 * 2. Exact log-density: with the Haar prior, log q_1(U_1) = -log|det J|, J
 *    the Jacobian of U_0 -> U_1 in left-trivialised algebra coordinates,
 *    from central finite differences (step 1e-4) of a fixed-step flow with
 *    200 RK4 steps; |log q + log|det J|| < 1e-7 while |log q| > 0.05 (so the
 *    check can fail).  N = 2, 3.
 * 3. Exact gradient: J(theta) = sum_b S(U_1,b) + log q_b through 3 RK4
 *    steps (boyda2 action for N = 3, c = (1) for N = 2), the backpropagated
 *    dJ/dtheta against central differences in 12 parameters spread over
 *    all layers and along a random direction: relative error < 1e-6
 *    (floor 1e-4 times the gradient norm: some SU(2) entries are exactly 0 and
 *    their FD is rounding noise ~1e-11).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "flow.h"
#include "rng.h"
#include "sun.h"
#include "check.h"

#define NM (EMF_NMAX * EMF_NMAX)

static void make_net(nn_t *net, int K, int width)
{
  nn_config_t cfg = {.n_x = 2 * K, .n_freq = 1, .width = width, .depth = 2,
                     .act = nn_act_tanh};
  nn_init(net, &cfg);
}

static void test_equivariance(int N, int adaptive)
{
  const int nb = 4, nn = N * N;
  nn_t net;
  double theta[4096], lq1[4] = {0}, lq2[4] = {0}, du = 0, dl = 0;
  cplx_t u[4 * NM], v[4 * NM], g[NM], t[NM];
  flow_single_t *fs;
  ode_adaptive_t par = {.eps_abs = 1e-11, .eps_rel = 1e-11, .h_init = 0, .max_steps = 0};
  rng_stream_t s;
  int st1, st2;
  make_net(&net, 3, 8);
  nn_init_params_seed(theta, &net, 7, 1.0);
  fs = flow_single_alloc(&net, N, nb, 8, "rkf45");
  rng_stream_init(&s, 99, RNG_TEST, (uint64_t)N, (uint32_t)adaptive);
  rng_haar_sun(&s, N, g);
  for (int b = 0; b < nb; b++) {
    rng_haar_sun(&s, N, u + b * nn);
    sun_mul(N, t, g, u + b * nn);
    sun_mul_dag(N, v + b * nn, t, g);
  }
  if (adaptive) {
    st1 = flow_single_run_adaptive(fs, theta, &par, u, lq1, NULL);
    st2 = flow_single_run_adaptive(fs, theta, &par, v, lq2, NULL);
  } else {
    st1 = flow_single_run_fixed(fs, theta, u, lq1, 0);
    st2 = flow_single_run_fixed(fs, theta, v, lq2, 0);
  }
  check_int(st1 | st2, 0, "flow runs (N=%d adaptive=%d)", N, adaptive);
  for (int b = 0; b < nb; b++) {
    cplx_t w[NM];
    sun_mul(N, t, g, u + b * nn);
    sun_mul_dag(N, w, t, g);
    for (int i = 0; i < nn; i++) du = fmax(du, cabs(w[i] - v[b * nn + i]));
    dl = fmax(dl, fabs(lq1[b] - lq2[b]));
  }
  check_abs(du, 0, 1e-12, "equivariance flow(gUg+) = g flow(U) g+, N=%d adaptive=%d (%.1e)", N, adaptive, du);
  check_abs(dl, 0, 1e-12, "log q invariant, N=%d adaptive=%d (%.1e)", N, adaptive, dl);
  check_true(fabs(lq1[0]) > 1e-3, "log q nontrivial (%g)", lq1[0]);
  flow_single_free(fs);
}

/* log|det a| of an n x n matrix by Gaussian elimination with pivoting */
static double logabsdet(double *a, int n)
{
  double r = 0;
  for (int c = 0; c < n; c++) {
    int p = c;
    for (int i = c + 1; i < n; i++) if (fabs(a[i * n + c]) > fabs(a[p * n + c])) p = i;
    if (p != c) for (int j = 0; j < n; j++) { double x = a[c * n + j]; a[c * n + j] = a[p * n + j]; a[p * n + j] = x; }
    r += log(fabs(a[c * n + c]));
    for (int i = c + 1; i < n; i++) {
      double f = a[i * n + c] / a[c * n + c];
      for (int j = c; j < n; j++) a[i * n + j] -= f * a[c * n + j];
    }
  }
  return r;
}

static void test_jacobian(int N)
{
  const int ngen = N * N - 1, nn = N * N;
  const double eps = 1e-4;
  nn_t net;
  double theta[4096], lq = 0, jac[NM * NM], ld;
  cplx_t u0[NM], u1[NM];
  flow_single_t *fs;
  rng_stream_t s;
  make_net(&net, 3, 8);
  nn_init_params_seed(theta, &net, 11, 2.0);
  fs = flow_single_alloc(&net, N, 1, 200, NULL);
  rng_stream_init(&s, 5, RNG_TEST, 100 + (uint64_t)N, 0);
  rng_haar_sun(&s, N, u0);
  memcpy(u1, u0, sizeof(cplx_t) * nn);
  flow_single_run_fixed(fs, theta, u1, &lq, 0);
  for (int a = 0; a < ngen; a++) {
    double x[NM] = {0}, cp[NM], cm[NM], dummy;
    cplx_t e[NM], up[NM], um[NM], d[NM];
    for (int sgn = 0; sgn < 2; sgn++) {
      cplx_t *w = sgn ? um : up;
      x[a] = sgn ? -eps : eps;
      sun_exp_alg(N, e, x);
      sun_mul(N, w, e, u0);
      dummy = 0;
      flow_single_run_fixed(fs, theta, w, &dummy, 0);
      sun_mul_dag(N, d, w, u1);       /* exp(delta) */
      sun_to_alg(N, sgn ? cm : cp, d); /* P(exp(delta)) = delta + O(delta^3) */
    }
    for (int b = 0; b < ngen; b++) jac[b * ngen + a] = (cp[b] - cm[b]) / (2 * eps);
  }
  ld = logabsdet(jac, ngen);
  check_abs(lq + ld, 0, 1e-7, "log q = -log|det J| (FD Jacobian), N=%d: log q %.9f, -log|det J| %.9f",
            N, lq, -ld);
  check_true(fabs(lq) > 0.05, "log q large enough to test, N=%d (%g)", N, lq);
  flow_single_free(fs);
}

/* J = sum_b S(U_1,b) + log q_b; gradient of S in gs (nb, ngen) if not NULL */
static double loss(flow_single_t *fs, pot_loop_ws_t *tw, const pot_func_t *S,
                   const double *theta, const cplx_t *u0, cplx_t *u1, double *lq,
                   double *gs)
{
  const int nb = fs->nb, nn = fs->nn;
  double j = 0;
  memcpy(u1, u0, sizeof(cplx_t) * nb * nn);
  memset(lq, 0, sizeof(double) * nb);
  flow_single_run_fixed(fs, theta, u1, lq, gs != NULL);
  pot_loop_forward(tw, S, 0, 0.0, nb, u1, 0);
  if (gs) pot_loop_gradient(tw, nb, gs);
  for (int b = 0; b < nb; b++) j += tw->out[b * (2 * S->K + 2)] + lq[b];
  return j;
}

static void test_gradient(int N)
{
  const int nb = 3, nn = N * N, ngen = N * N - 1;
  nn_t net;
  static double theta[4096], dth[4096], dir[4096], tp[4096];
  double lq[3], ubar[3 * NM], lqbar[3] = {1, 1, 1}, worst = 0, gnorm = 0;
  cplx_t u0[3 * NM], u1[3 * NM];
  pot_quad_t q;
  pot_func_t S;
  pot_loop_ws_t *tw;
  flow_single_t *fs;
  rng_stream_t s;
  const double c3[3] = {0.17, -0.65, 1.22};
  memset(&q, 0, sizeof q);
  q.K = N == 3 ? 3 : 1;
  for (int k = 0; k < q.K; k++) q.a[k] = -(N == 3 ? 9.0 : 2.0) / N * (N == 3 ? c3[k] : 1.0);
  pot_func_quad(&S, &q);
  tw = pot_loop_ws_alloc(N, q.K, nb);
  make_net(&net, 2, 6);
  nn_init_params_seed(theta, &net, 3, 1.0);
  for (size_t i = 0; i < net.n_params; i++) theta[i] += 0.05 * sin(1.0 + i);  /* nonzero biases */
  fs = flow_single_alloc(&net, N, nb, 3, NULL);
  rng_stream_init(&s, 17, RNG_TEST, 200 + (uint64_t)N, 0);
  for (int b = 0; b < nb; b++) rng_haar_sun(&s, N, u0 + b * nn);
  loss(fs, tw, &S, theta, u0, u1, lq, ubar);
  memset(dth, 0, sizeof dth);
  check_int(flow_single_vjp(fs, theta, ubar, lqbar, dth), 0, "vjp runs N=%d", N);
  (void)ngen;
  for (size_t i = 0; i < net.n_params; i++) gnorm += dth[i] * dth[i];
  gnorm = sqrt(gnorm);
  for (int t = 0; t < 12; t++) {
    size_t i = (size_t)((t * 7919 + 13) % (long)net.n_params);
    const double hs = 1e-5 * fmax(1.0, fabs(theta[i]));
    double fd;
    memcpy(tp, theta, sizeof(double) * net.n_params);
    tp[i] += hs;
    fd = loss(fs, tw, &S, tp, u0, u1, lq, NULL);
    tp[i] -= 2 * hs;
    fd = (fd - loss(fs, tw, &S, tp, u0, u1, lq, NULL)) / (2 * hs);
    worst = fmax(worst, fabs(fd - dth[i]) / fmax(fmax(fabs(fd), fabs(dth[i])), 1e-4 * gnorm));
  }
  check_abs(worst, 0, 1e-6, "dJ/dtheta vs central FD, 12 parameters, N=%d (max rel %.2e)", N, worst);
  {
    double an = 0, fd, dn = 0;
    const double hs = 1e-5;
    rng_gaussians(&s, dir, (int)net.n_params);
    for (size_t i = 0; i < net.n_params; i++) dn += dir[i] * dir[i];
    for (size_t i = 0; i < net.n_params; i++) { dir[i] /= sqrt(dn); an += dir[i] * dth[i]; }
    for (size_t i = 0; i < net.n_params; i++) tp[i] = theta[i] + hs * dir[i];
    fd = loss(fs, tw, &S, tp, u0, u1, lq, NULL);
    for (size_t i = 0; i < net.n_params; i++) tp[i] = theta[i] - hs * dir[i];
    fd = (fd - loss(fs, tw, &S, tp, u0, u1, lq, NULL)) / (2 * hs);
    check_rel(an, fd, 1e-6, 0, "dJ/dtheta along a random direction, N=%d (%.12g vs %.12g)", N, an, fd);
  }
  flow_single_free(fs);
  pot_loop_ws_free(tw);
}

int main(void)
{
  for (int N = 2; N <= 3; N++) {
    test_equivariance(N, 0);
    test_equivariance(N, 1);
    test_jacobian(N);
    test_gradient(N);
  }
  return check_finish("test_single");
}
