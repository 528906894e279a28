/*******************************************************************************
 * test_reduced.c: the evaluation-only reduced jets of the flow adapter
 * (flow_nnf_set_reduced, flow_nnf_jacobian, flow_nnf_basis).
 *
 * 1. Reduced against full jets, through the loop engine (pot_loop_forward,
 *    pot_loop_gradient): F, the field X and L = div X for N = 2, 3, K = 1..3,
 *    five networks (tanh width 64 depth 2 and width 16 depth 1 on the fused
 *    kernel; silu, softplus, sin on the fused or reference path) on Haar
 *    matrices and hard cases: the identity, a non-trivial central element,
 *    two equal eigenvalues (SU(3)), eigenvalues 1e-8 and 1e-4 apart, and
 *    matrices within 1e-8 of the centre.  Tolerance 1e-12 relative to the
 *    scale of each quantity: |dX| <= 1e-12 (max|X| + max|g|), |dL| <= 1e-12
 *    (|L| + max|g| max|h|), |dF| <= 1e-12 |F| + 1e-15.  (Near the centre X
 *    is O(1e-8 |g|) and both paths carry absolute rounding O(eps |g|), hence
 *    the max|g| term; the relative error of X is printed.)
 * 2. The basis: V^T V = 1 on its non-zero columns (1e-14), rank
 *    min(N-1, 2K) on Haar matrices, 0 at the identity, and V M V^T (M from
 *    Df) equal to the engine's closed-form metric G (1e-13 max(max|G|, 1)),
 *    in every case above.
 * 3. flow_nnf_jacobian against central finite differences of f(exp(s T_a) W)
 *    along its generators T_a (step 1e-5, relative error < 1e-6, floor
 *    1e-3 max|J|); the generators orthonormal (-2 tr T_a T_b = delta_ab).
 * 4. The check can fail: with the second basis column turned by 1e-3 out of
 *    span(Df) (and M = V^T G V for that V), the field from g' = V V^T g
 *    differs from the full one by more than 1e-6 relative, while the correct
 *    V gives agreement to 1e-12 by the same formula X_a = sum_j g'_j J_ja.
 * 5. The single-matrix flow: flow_single_field and a 4-step fixed RK4 run
 *    with reduced (default) and full jets agree (X, div X, U_1, log q to
 *    1e-12); an adaptive rkf45 run (tolerance 1e-10) agrees to 1e-9.
 * 6. Refusals: the reduced adapter's backward (pot_loop_backward returns
 *    EMF_EINVAL), a forward not called by pot_loop_forward on its workspace,
 *    a workspace with another K.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "flow.h"
#include "rng.h"
#include "sun.h"

#define NM (EMF_NMAX * EMF_NMAX)
#define NBMAX 16

typedef struct {
  int width, depth, n_freq;
  const char *act;
} netc_t;

static double maxabs(const double *a, int n)
{
  double m = 0.0;
  for (int i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
  return m;
}

/* W = U diag(exp(i th)) U^+ */
static void conj_diag(int N, cplx_t *w, const cplx_t *u, const double *th)
{
  cplx_t d[NM] = {0}, t[NM];
  for (int i = 0; i < N; i++) d[i * N + i] = cexp(I * th[i]);
  sun_mul(N, t, u, d);
  sun_mul_dag(N, w, t, u);
}

/* The test matrices; returns their number, names in tag[]. */
static int make_cases(int N, cplx_t *w, const char **tag, rng_stream_t *s)
{
  int nb = 0;
  cplx_t u[NM];
  double th[EMF_NMAX];
  for (int k = 0; k < 4; k++, nb++) {
    rng_haar_sun(s, N, w + nb * N * N);
    tag[nb] = "Haar";
  }
  sun_unit(N, w + nb * N * N);
  tag[nb++] = "identity";
  sun_unit(N, w + nb * N * N);
  sun_scale(N, w + nb * N * N, cexp(2.0 * M_PI * I / N));
  tag[nb++] = "central";
  {
    static const double gaps[3] = {0.0, 1e-8, 1e-4};
    static const char *names[3] = {"equal eigenvalues", "eigenvalues 1e-8 apart",
                                   "eigenvalues 1e-4 apart"};
    for (int g = N == 2 ? 1 : 0; g < 3; g++) {
      double sum = 0.0;
      rng_haar_sun(s, N, u);
      if (N == 2) {   /* th, -th: nearly equal only near the centre */
        th[0] = 0.5 * gaps[g];
        th[1] = -th[0];
      } else {
        th[0] = 0.7;
        th[1] = 0.7 + gaps[g];
        for (int i = 2; i < N; i++) th[i] = -1.1 * i;
        for (int i = 0; i < N; i++) sum += th[i];
        th[N - 1] -= sum;
      }
      conj_diag(N, w + nb * N * N, u, th);
      tag[nb++] = names[g];
    }
  }
  {   /* within 1e-8 of the central element omega 1 */
    rng_haar_sun(s, N, u);
    for (int i = 0; i < N; i++) th[i] = 2.0 * M_PI / N + 1e-8 * (i - 0.5 * (N - 1));
    conj_diag(N, w + nb * N * N, u, th);
    tag[nb++] = "1e-8 from the centre";
  }
  return nb;
}

static void test_paths(int N, int K, const netc_t *nc, uint64_t seed)
{
  const int m = 2 * K, ngen = N * N - 1, nn = N * N;
  nn_config_t cfg = {m, nc->n_freq, nc->width, nc->depth, nn_act_lookup(nc->act)};
  nn_t net;
  double *theta;
  pot_func_t Ff, Fr;
  flow_nnf_t cf, cr;
  pot_loop_ws_t *lf, *lr;
  cplx_t w[NBMAX * NM];
  const char *tag[NBMAX];
  double xf[NBMAX * NM], xr[NBMAX * NM];
  rng_stream_t s;
  int nb;
  nn_init(&net, &cfg);
  theta = malloc(net.n_params * sizeof *theta);
  nn_init_params_seed(theta, &net, seed, 1.0);
  for (size_t k = 0; k < net.n_params; k++) theta[k] *= 1.0 + 0.01 * (double)(k % 7);
  rng_stream_init(&s, seed, RNG_TEST, (uint64_t)(10 * N + K), 0);
  nb = make_cases(N, w, tag, &s);
  lf = pot_loop_ws_alloc(N, K, nb);
  lr = pot_loop_ws_alloc(N, K, nb);
  flow_nnf_init(&Ff, &cf, &net, nb);
  flow_nnf_init(&Fr, &cr, &net, nb);
  flow_nnf_set(&cf, theta, NULL);
  flow_nnf_set(&cr, theta, NULL);
  check_int(flow_nnf_set_reduced(&cr, lr), EMF_SUCCESS, "set_reduced");
  check_int(pot_loop_forward(lf, &Ff, 0, 0.4, nb, w, 1), EMF_SUCCESS, "full forward");
  check_int(pot_loop_forward(lr, &Fr, 0, 0.4, nb, w, 1), EMF_SUCCESS, "reduced forward");
  pot_loop_gradient(lf, nb, xf);
  pot_loop_gradient(lr, nb, xr);
  for (int b = 0; b < nb; b++) {
    const double *of = lf->out + b * (m + 2), *orr = lr->out + b * (m + 2);
    const double *x1 = xf + b * ngen, *x2 = xr + b * ngen;
    double gmax = maxabs(of + 1, m), hmax = maxabs(lf->h + b * m, m), dx = 0.0;
    for (int a = 0; a < ngen; a++) dx = fmax(dx, fabs(x1[a] - x2[a]));
    check_rel(orr[0], of[0], 1e-12, 1e-15, "N=%d K=%d %s w%d d%d, %s: F", N, K, nc->act,
              nc->width, nc->depth, tag[b]);
    check_abs(dx, 0.0, 1e-12 * (maxabs(x1, ngen) + gmax),
              "N=%d K=%d %s w%d d%d, %s: field X (max|dX| %.2e, relative %.2e)", N, K,
              nc->act, nc->width, nc->depth, tag[b], dx, dx / fmax(maxabs(x1, ngen), 1e-300));
    check_abs(orr[m + 1] - of[m + 1], 0.0, 1e-12 * (fabs(of[m + 1]) + gmax * hmax),
              "N=%d K=%d %s w%d d%d, %s: L = div X (%.6g vs %.6g)", N, K, nc->act,
              nc->width, nc->depth, tag[b], orr[m + 1], of[m + 1]);
  }

  /* the basis itself, on the same matrices */
  for (int b = 0; b < nb; b++) {
    const int r = N - 1 < m ? N - 1 : m;
    double J[POT_MMAX * NM], V[POT_MMAX * EMF_NMAX], M[NM], eo = 0.0, eg = 0.0;
    const double *G = lf->G + b * m * m;
    int rank;
    flow_nnf_jacobian(J, lf->su, K, lf->pw + b * K * nn);
    rank = flow_nnf_basis(V, M, J, 1, m, ngen, r);
    for (int i = 0; i < r; i++)
      for (int k = 0; k < r; k++) {
        double d = 0.0, n1 = 0.0, n2 = 0.0;
        for (int j = 0; j < m; j++) {
          d += V[j * r + i] * V[j * r + k];
          n1 += V[j * r + i] * V[j * r + i];
          n2 += V[j * r + k] * V[j * r + k];
        }
        if (n1 > 0.0 && n2 > 0.0) eo = fmax(eo, fabs(d - (i == k)));
      }
    for (int j = 0; j < m; j++)
      for (int l = 0; l < m; l++) {
        double t = 0.0;
        for (int i = 0; i < r; i++)
          for (int k = 0; k < r; k++) t += V[j * r + i] * M[i * r + k] * V[l * r + k];
        eg = fmax(eg, fabs(t - G[j * m + l]));
      }
    check_abs(eo, 0.0, 1e-14, "N=%d K=%d %s: V orthonormal (%.2e)", N, K, tag[b], eo);
    check_abs(eg, 0.0, 1e-13 * fmax(maxabs(G, m * m), 1.0), "N=%d K=%d %s: G = V M V^T (%.2e)",
              N, K, tag[b], eg);
    if (strcmp(tag[b], "Haar") == 0)
      check_int(rank, r, "N=%d K=%d Haar: rank min(N-1, 2K)", N, K);
    if (strcmp(tag[b], "identity") == 0)   /* Df = 0 exactly (at omega 1 only
                                              to rounding: W^k is rounded) */
      check_int(rank, 0, "N=%d K=%d %s: rank 0", N, K, tag[b]);
  }
  flow_nnf_release(&cf);
  flow_nnf_release(&cr);
  pot_loop_ws_free(lf);
  pot_loop_ws_free(lr);
  free(theta);
}

/* f of W (2K) */
static void features(const sun_type_t *su, int K, const cplx_t *w, double *f)
{
  cplx_t pw[POT_KMAX * NM], tau[2 * POT_KMAX + 1];
  pot_traces(su, K, w, pw, tau);
  pot_features(K, tau, f);
}

/* The generators of flow_nnf_jacobian's basis as matrices (flow.h). */
static void gen_matrix(int N, int a, cplx_t *X)
{
  int b = 0;
  memset(X, 0, sizeof(cplx_t) * N * N);
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++, b += 2) {
      if (a == b) X[i * N + j] = X[j * N + i] = 0.5 * I;
      if (a == b + 1) {
        X[i * N + j] = 0.5;
        X[j * N + i] = -0.5;
      }
    }
  for (int l = 1; l < N; l++, b++)
    if (a == b) {
      const double cl = sqrt(2.0 / (l * (l + 1.0)));
      for (int i = 0; i < l; i++) X[i * N + i] = 0.5 * I * cl;
      X[l * N + l] = -0.5 * I * cl * l;
    }
}

static void test_jacobian(int N, int K)
{
  const sun_type_t *su = sun_type_get(N);
  const int m = 2 * K, ngen = N * N - 1;
  cplx_t w[NM], pw[POT_KMAX * NM], tau[2 * POT_KMAX + 1], e[NM], we[NM], X[NM], Y[NM], XY[NM];
  double J[POT_MMAX * NM], fp[POT_MMAX], fm[POT_MMAX], x[NM], err = 0.0, eo = 0.0;
  rng_stream_t s;
  rng_stream_init(&s, 5, RNG_TEST, (uint64_t)(100 + 10 * N + K), 0);
  rng_haar_sun(&s, N, w);
  pot_traces(su, K, w, pw, tau);
  flow_nnf_jacobian(J, su, K, pw);
  for (int a = 0; a < ngen; a++) {
    const double hs = 1e-5;
    gen_matrix(N, a, X);
    for (int b = 0; b < ngen; b++) {   /* orthonormal: -2 tr(X_a X_b) = delta_ab */
      gen_matrix(N, b, Y);
      sun_mul(N, XY, X, Y);
      eo = fmax(eo, cabs(-2.0 * sun_trace(N, XY) - (a == b)));
    }
    sun_to_alg(N, x, X);   /* its coordinates in sun.h's basis */
    for (int b = 0; b < ngen; b++) x[b] *= hs;
    su->exp_alg(e, x);
    su->mul(we, e, w);
    features(su, K, we, fp);
    for (int b = 0; b < ngen; b++) x[b] = -x[b];
    su->exp_alg(e, x);
    su->mul(we, e, w);
    features(su, K, we, fm);
    for (int j = 0; j < m; j++) {
      double fd = (fp[j] - fm[j]) / (2 * hs), an = J[j * ngen + a];
      err = fmax(err, fabs(fd - an) / fmax(fmax(fabs(fd), fabs(an)), 1e-3 * maxabs(J, m * ngen)));
    }
  }
  check_abs(eo, 0.0, 1e-15, "N=%d: the Jacobian's generators are orthonormal (%.2e)", N, eo);
  check_abs(err, 0.0, 1e-6, "N=%d K=%d: flow_nnf_jacobian vs central FD (%.2e)", N, K, err);
}

/* A deliberately wrong basis is detected by the field comparison. */
static void test_wrong_direction(int N, int K)
{
  const int m = 2 * K, ngen = N * N - 1, r = N - 1;
  nn_config_t cfg = {m, 1, 16, 2, nn_act_tanh};
  nn_t net;
  double theta[4096], J[POT_MMAX * NM], J0[POT_MMAX * NM], V[POT_MMAX * EMF_NMAX];
  double Vw[POT_MMAX * EMF_NMAX], M[NM], out[POT_MMAX + 2], xf[NM], e_ok = 0.0, e_bad = 0.0;
  double u[POT_MMAX], gp[POT_MMAX];
  pot_func_t Ff;
  flow_nnf_t cf;
  pot_loop_ws_t *lf = pot_loop_ws_alloc(N, K, 1);
  cplx_t w[NM];
  rng_stream_t s;
  nn_init(&net, &cfg);
  nn_init_params_seed(theta, &net, 3, 1.0);
  rng_stream_init(&s, 6, RNG_TEST, (uint64_t)(10 * N + K), 1);
  rng_haar_sun(&s, N, w);
  flow_nnf_init(&Ff, &cf, &net, 1);
  flow_nnf_set(&cf, theta, NULL);
  pot_loop_forward(lf, &Ff, 0, 0.2, 1, w, 1);
  pot_loop_gradient(lf, 1, xf);
  flow_nnf_jacobian(J0, lf->su, K, lf->pw);
  memcpy(J, J0, sizeof J);
  flow_nnf_basis(V, M, J, 1, m, ngen, r);
  /* u: a unit vector orthogonal to span V (Gram-Schmidt of e_0 + e_1/2 + ...) */
  for (int j = 0; j < m; j++) u[j] = 1.0 / (1.0 + j);
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < r; i++) {
      double d = 0.0;
      for (int j = 0; j < m; j++) d += V[j * r + i] * u[j];
      for (int j = 0; j < m; j++) u[j] -= d * V[j * r + i];
    }
  {
    double nu = 0.0;
    for (int j = 0; j < m; j++) nu += u[j] * u[j];
    for (int j = 0; j < m; j++) u[j] /= sqrt(nu);
  }
  memcpy(Vw, V, sizeof V);
  for (int j = 0; j < m; j++) Vw[j * r + r - 1] = cos(1e-3) * V[j * r + r - 1] + sin(1e-3) * u[j];
  for (int pass = 0; pass < 2; pass++) {
    const double *Vp = pass == 0 ? V : Vw;
    double Mp[NM], ex = 0.0;
    for (int i = 0; i < r; i++)
      for (int k = 0; k < r; k++) {
        double t = 0.0;
        for (int j = 0; j < m; j++)
          for (int l = 0; l < m; l++) t += Vp[j * r + i] * lf->G[j * m + l] * Vp[l * r + k];
        Mp[i * r + k] = t;
      }
    nn_forward_dir(out, cf.ws, &net, theta, lf->f, Vp, Mp, lf->h, 0.2, 1, r);
    for (int j = 0; j < m; j++) {
      gp[j] = 0.0;
      for (int i = 0; i < r; i++) gp[j] += Vp[j * r + i] * out[1 + i];
    }
    {   /* X = sum_a (g'.J_a) T_a in the Jacobian's basis, then in sun.h's */
      cplx_t Xm[NM] = {0}, Ta[NM];
      double xs[NM];
      for (int a = 0; a < ngen; a++) {
        double xa = 0.0;
        for (int j = 0; j < m; j++) xa += gp[j] * J0[j * ngen + a];
        gen_matrix(N, a, Ta);
        sun_axpy(N, Xm, xa, Ta);
      }
      sun_to_alg(N, xs, Xm);
      for (int a = 0; a < ngen; a++) ex = fmax(ex, fabs(xs[a] - xf[a]));
    }
    ex /= maxabs(xf, ngen);
    if (pass == 0) e_ok = ex;
    else e_bad = ex;
  }
  check_abs(e_ok, 0.0, 1e-12, "N=%d K=%d: X from g' = V V^T g and Df = the engine's X (%.2e)",
            N, K, e_ok);
  check_true(e_bad > 1e-6, "N=%d K=%d: a direction turned 1e-3 out of span(Df) is detected (%.2e)",
             N, K, e_bad);
  flow_nnf_release(&cf);
  pot_loop_ws_free(lf);
}

static void test_single(int N)
{
  const int nb = 6, nn = N * N, ngen = N * N - 1;
  nn_config_t cfg = {6, 1, 64, 2, nn_act_tanh};
  nn_t net;
  double *theta, x1[6 * NM], x2[6 * NM], r1[6], r2[6], lq1[6] = {0}, lq2[6] = {0};
  double du = 0.0, dl = 0.0;
  cplx_t u[6 * NM], v1[6 * NM], v2[6 * NM];
  flow_single_t *fs;
  rng_stream_t s;
  ode_adaptive_t par = {.eps_abs = 1e-10, .eps_rel = 1e-10, .h_init = 0, .max_steps = 0};
  nn_init(&net, &cfg);
  theta = malloc(net.n_params * sizeof *theta);
  nn_init_params_seed(theta, &net, 21, 1.0);
  fs = flow_single_alloc(&net, N, nb, 4, "rkf45");
  check_true(fs != NULL, "N=%d: flow_single_alloc", N);
  if (!fs) return;
  rng_stream_init(&s, 8, RNG_TEST, (uint64_t)N, 2);
  for (int b = 0; b < nb; b++) rng_haar_sun(&s, N, u + b * nn);
  flow_nnf_set(&fs->nnf, theta, NULL);
  flow_single_field(0.3, u, x1, r1, fs);
  flow_single_set_reduced(fs, 0);
  flow_single_field(0.3, u, x2, r2, fs);
  for (int b = 0; b < nb * ngen; b++) du = fmax(du, fabs(x1[b] - x2[b]));
  for (int b = 0; b < nb; b++) dl = fmax(dl, fabs(r1[b] - r2[b]) / fmax(fabs(r2[b]), 1.0));
  check_abs(du / maxabs(x2, nb * ngen), 0.0, 1e-12, "N=%d: flow_single_field X reduced = full", N);
  check_abs(dl, 0.0, 1e-12, "N=%d: flow_single_field div X reduced = full", N);
  for (int mode = 0; mode < 2; mode++) {
    const double tol = mode == 0 ? 1e-12 : 1e-9;
    memcpy(v1, u, sizeof u);
    memcpy(v2, u, sizeof u);
    memset(lq1, 0, sizeof lq1);
    memset(lq2, 0, sizeof lq2);
    flow_single_set_reduced(fs, 1);
    if (mode == 0) flow_single_run_fixed(fs, theta, v1, lq1, 0);
    else flow_single_run_adaptive(fs, theta, &par, v1, lq1, NULL);
    flow_single_set_reduced(fs, 0);
    if (mode == 0) flow_single_run_fixed(fs, theta, v2, lq2, 0);
    else flow_single_run_adaptive(fs, theta, &par, v2, lq2, NULL);
    du = dl = 0.0;
    for (int k = 0; k < nb * nn; k++) du = fmax(du, cabs(v1[k] - v2[k]));
    for (int b = 0; b < nb; b++) dl = fmax(dl, fabs(lq1[b] - lq2[b]));
    check_abs(du, 0.0, tol, "N=%d %s run: U_1 reduced = full (%.2e)", N,
              mode == 0 ? "fixed RK4" : "adaptive rkf45", du);
    check_abs(dl, 0.0, tol * fmax(maxabs(lq2, nb), 1.0), "N=%d %s run: log q reduced = full (%.2e)",
              N, mode == 0 ? "fixed RK4" : "adaptive rkf45", dl);
  }
  flow_single_free(fs);
  free(theta);
}

static void test_refusals(void)
{
  nn_config_t cfg = {6, 1, 16, 2, nn_act_tanh};
  nn_t net;
  double theta[4096], out[4 * 8], f[4 * 6] = {0}, wbar[4 * 8], Lbar[4] = {1, 1, 1, 1};
  pot_func_t F;
  flow_nnf_t c;
  pot_loop_ws_t *lws = pot_loop_ws_alloc(3, 3, 4), *l2 = pot_loop_ws_alloc(3, 2, 4);
  cplx_t w[4 * 9];
  rng_stream_t s;
  nn_init(&net, &cfg);
  nn_init_params_seed(theta, &net, 1, 1.0);
  rng_stream_init(&s, 9, RNG_TEST, 0, 3);
  for (int b = 0; b < 4; b++) rng_haar_sun(&s, 3, w + 9 * b);
  flow_nnf_init(&F, &c, &net, 4);
  flow_nnf_set(&c, theta, NULL);
  check_int(flow_nnf_set_reduced(&c, l2), EMF_EINVAL, "workspace with another K refused");
  flow_nnf_set_reduced(&c, lws);
  check_int(pot_loop_forward(lws, &F, 0, 0.1, 4, w, 1), EMF_SUCCESS, "reduced forward");
  check_int(pot_loop_backward(lws, &F, 0, 0.1, 4, NULL, NULL, Lbar, wbar, 0), EMF_EINVAL,
            "backward after a reduced forward refused");
  check_int(F.forward(F.ctx, out, 0, 0.1, 4, f, NULL, NULL), EMF_EINVAL,
            "forward not called by pot_loop_forward on its workspace refused");
  flow_nnf_set_reduced(&c, NULL);
  check_int(pot_loop_forward(lws, &F, 0, 0.1, 4, w, 1), EMF_SUCCESS, "full forward again");
  check_int(pot_loop_backward(lws, &F, 0, 0.1, 4, NULL, NULL, Lbar, wbar, 0), EMF_SUCCESS,
            "and its backward");
  flow_nnf_release(&c);
  pot_loop_ws_free(lws);
  pot_loop_ws_free(l2);
}

int main(void)
{
  static const netc_t nets[] = {{64, 2, 1, "tanh"}, {16, 1, 0, "tanh"}, {24, 2, 1, "silu"},
                                {8, 3, 1, "softplus"}, {12, 2, 2, "sin"}};
  for (int N = 2; N <= 3; N++)
    for (int K = 1; K <= 3; K++) {
      for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++)
        test_paths(N, K, &nets[i], 40 + i);
      test_jacobian(N, K);
      if (2 * K > N - 1) test_wrong_direction(N, K);
    }
  test_single(2);
  test_single(3);
  test_refusals();
  return check_finish("test_reduced");
}
