/*******************************************************************************
 * test_linf.c: the linear F of the lattice flow (linf.c).
 *
 * 1. Time basis: phi_n(t) = P_n(2t - 1) against the closed forms of
 *    P_0..P_4 at five t (1e-14), and a_j(t) = sum_n c_jn phi_n(t).
 * 2. F level, K = 1, 2, 3, n_basis = 1, 3, 5, batches of 5 random feature
 *    vectors, h, and random cotangents dout = (dF, dg, dL) at t = 0.37:
 *    g against central differences of F in f; L = a.h; the backward's
 *    df, dh and the parameter gradient dc (params = 1) against 4th-order
 *    central differences (step 1e-3) of J = sum_b dout_b . out_b in f, h, c:
 *    relative error < 1e-6 with a floor of 1e-10 x the largest entry;
 *    params = 0 leaves dtheta alone; dG untouched.
 * 3. flow_linf_grad_acc: the batch's parameter gradient in double-double
 *    agrees with the backward's to 1e-13, and its rounded value is
 *    bit-identical for the batch of 64 loops given as 1 x 64, 8 x 8 and
 *    64 x 1 (the grid-independence the lattice flow relies on).
 * 4. Loop level (pot_loop_forward, SU(2), SU(3), K = 2, two Haar matrices):
 *    the gradient coordinates x_a against central differences of F along
 *    exp(s T_a) W, and L against the 4th-order second difference
 *    sum_a d2/ds2 F(exp(s T_a) W) (h = 1e-2): relative 1e-6.
 * 5. Leading order: for F = c_LO Re tr W with c_LO = flow_linf_lo_coef(N,
 *    beta, 4), 4 L = -(beta/N) Re tr W (Delta Phi_LO = S on one plaquette)
 *    to 1e-13; c_LO = beta/6 (SU(2)), beta/16 (SU(3)).
 * 6. flow_linf_of recognises the linear F only; flow_linf_init refuses
 *    K = 0, n_basis = 0 and n_basis > FLOW_LINF_BASIS_MAX; degree 0 and 3
 *    refused.
 * 7. Degree 2 (monomials f_j f_k added), K = 1, 2, 3, n_basis = 1, 3, with
 *    a random (non-symmetric) G: n_params; g against central differences
 *    of F; L = g.h + sum_jk H_jk G_jk with H from central differences of
 *    g; df, dG, dh and dc against 4th-order differences of J (as in 2);
 *    grad_acc (with G) against the backward to 1e-13; the 1 x 64 / 8 x 8 /
 *    64 x 1 bit identity of 3; the loop-level checks of 4 with SU(2), SU(3)
 *    (there G is the engine's metric).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "flow_lat.h"
#include "rng.h"
#include "util.h"
#include "check.h"

#define NB 5
#define HF 1e-3

static void fill(rng_stream_t *rs, double *x, int n, double s)
{
  for (int i = 0; i < n; i++) x[i] = s * rng_gaussian(rs);
}

static void basis_checks(void)
{
  static const double ts[5] = {0.0, 0.2, 0.5, 0.73, 1.0};
  for (int i = 0; i < 5; i++) {
    double phi[5], x = 2 * ts[i] - 1;
    double ref[5] = {1, x, (3 * x * x - 1) / 2, (5 * x * x * x - 3 * x) / 2,
                     (35 * x * x * x * x - 30 * x * x + 3) / 8};
    flow_linf_basis(5, ts[i], phi);
    for (int n = 0; n < 5; n++)
      check_abs(phi[n], ref[n], 1e-14, "P_%d(2t-1) at t = %.2f", n, ts[i]);
  }
}


/* J = sum_b dout_b . out_b (G NULL: degree 1 needs none) */
static double eval_J(const pot_func_t *F, double t, const double *f, const double *G,
                      const double *h, const double *dout, int m)
{
  double out[NB * (POT_MMAX + 2)], J = 0;
  F->forward(F->ctx, out, 0, t, NB, f, G, h);
  for (int i = 0; i < NB * (m + 2); i++) J += dout[i] * out[i];
  return J;
}

static double fd4(const pot_func_t *F, double t, double *v, int i, const double *f,
                    const double *G, const double *h, const double *dout, int m)
{
  const double v0 = v[i];
  double s[5];
  for (int k = 0; k < 5; k++) {
    if (k == 2) continue;
    v[i] = v0 + (k - 2) * HF;
    s[k] = eval_J(F, t, f, G, h, dout, m);
  }
  v[i] = v0;
  return (s[0] - 8 * s[1] + 8 * s[3] - s[4]) / (12 * HF);
}

/* g = out[1..m] of loop b (features fb) against central differences of F */
static void check_g(const pot_func_t *F, double t, const double *fb, const double *ob, int m,
                    const char *nm, int b)
{
  for (int j = 0; j < m; j++) {
    double fp[POT_MMAX], o1[POT_MMAX + 2], o2[POT_MMAX + 2];
    memcpy(fp, fb, (size_t)m * sizeof(double));
    fp[j] += HF;
    F->forward(F->ctx, o1, 0, t, 1, fp, NULL, NULL);
    fp[j] -= 2 * HF;
    F->forward(F->ctx, o2, 0, t, 1, fp, NULL, NULL);
    check_rel(ob[1 + j], (o1[0] - o2[0]) / (2 * HF), 1e-6, 1e-10, "%s g_%d of loop %d vs FD", nm,
              j, b);
  }
}

static void f_level(int K, int nbas)
{
  const int m = 2 * K, np = m * nbas;
  const double t = 0.37;
  rng_stream_t rs;
  pot_func_t F;
  flow_linf_t c;
  double theta[POT_MMAX * FLOW_LINF_BASIS_MAX], dth[POT_MMAX * FLOW_LINF_BASIS_MAX];
  double f[NB * POT_MMAX], h[NB * POT_MMAX], dout[NB * (POT_MMAX + 2)];
  double out[NB * (POT_MMAX + 2)], df[NB * POT_MMAX], dh[NB * POT_MMAX];
  double dG[NB * POT_MMAX * POT_MMAX], a[POT_MMAX], phi[FLOW_LINF_BASIS_MAX];
  char nm[64];
  snprintf(nm, sizeof nm, "K=%d nb=%d", K, nbas);
  rng_stream_init(&rs, 77, RNG_TEST, (uint64_t)(K * 100 + nbas), 0);
  fill(&rs, theta, np, 0.5);
  fill(&rs, f, NB * m, 1.0);
  fill(&rs, h, NB * m, 1.0);
  fill(&rs, dout, NB * (m + 2), 1.0);
  check_int(flow_linf_init(&F, &c, K, nbas), EMF_SUCCESS, "%s init", nm);
  check_int((long)flow_linf_n_params(K, nbas), np, "%s n_params", nm);
  flow_linf_set(&c, theta, dth);
  flow_linf_coef(&c, t, a);
  flow_linf_basis(nbas, t, phi);
  for (int j = 0; j < m; j++) {
    double s = 0;
    for (int n = 0; n < nbas; n++) s += theta[j * nbas + n] * phi[n];
    check_rel(a[j], s, 1e-14, 1e-15, "%s a_%d(t)", nm, j);
  }
  check_int(F.forward(F.ctx, out, 0, t, NB, f, NULL, h), EMF_SUCCESS, "%s forward", nm);
  for (int b = 0; b < NB; b++) {
    double L = 0;
    check_g(&F, t, f + b * m, out + b * (m + 2), m, nm, b);
    for (int j = 0; j < m; j++) L += a[j] * h[b * m + j];
    check_rel(out[b * (m + 2) + m + 1], L, 1e-13, 1e-14, "%s L = a.h loop %d", nm, b);
  }
  memset(df, 0, sizeof df);
  memset(dh, 0, sizeof dh);
  memset(dth, 0, sizeof dth);
  for (int i = 0; i < NB * m * m; i++) dG[i] = 1.5;
  check_int(F.backward(F.ctx, df, dG, dh, 0, t, NB, dout, f, NULL, h, 0), EMF_SUCCESS,
            "%s backward params = 0", nm);
  double mx = 0;
  for (int i = 0; i < np; i++) mx = fmax(mx, fabs(dth[i]));
  check_abs(mx, 0.0, 0.0, "%s params = 0 leaves dtheta alone", nm);
  for (int i = 0; i < NB * m * m; i++) mx = fmax(mx, fabs(dG[i] - 1.5));
  check_abs(mx, 0.0, 0.0, "%s dG untouched", nm);
  memset(df, 0, sizeof df);
  memset(dh, 0, sizeof dh);
  F.backward(F.ctx, df, NULL, dh, 0, t, NB, dout, f, NULL, h, 1);
  double sc = 0;
  for (int i = 0; i < NB * m; i++) sc = fmax(sc, fmax(fabs(df[i]), fabs(dh[i])));
  for (int i = 0; i < np; i++) sc = fmax(sc, fabs(dth[i]));
  for (int i = 0; i < NB * m; i++) {
    check_rel(df[i], fd4(&F, t, f, i, f, NULL, h, dout, m), 1e-6, 1e-10 * sc, "%s df[%d] vs FD",
              nm, i);
    check_rel(dh[i], fd4(&F, t, h, i, f, NULL, h, dout, m), 1e-6, 1e-10 * sc, "%s dh[%d] vs FD",
              nm, i);
  }
  for (int i = 0; i < np; i++)
    check_rel(dth[i], fd4(&F, t, theta, i, f, NULL, h, dout, m), 1e-6, 1e-10 * sc,
              "%s dc[%d] vs FD", nm, i);
  /* double-double accumulation of the same gradient */
  {
    qsum_t acc[POT_MMAX * FLOW_LINF_BASIS_MAX];
    memset(acc, 0, sizeof acc);
    flow_linf_grad_acc(&c, acc, t, NB, dout, f, NULL, h);
    for (int i = 0; i < np; i++)
      check_rel(qsum_value(&acc[i]), dth[i], 1e-13, 1e-15 * sc, "%s grad_acc[%d]", nm, i);
  }
}

static void split_bits(int deg)
{
  enum { NL = 64, K = 2, M = 4, NBAS = 4, NP = (M + M * (M + 1) / 2) * NBAS };
  rng_stream_t rs;
  pot_func_t F;
  flow_linf_t c;
  double theta[NP], f[NL * M], h[NL * M], G[NL * M * M], dout[NL * (M + 2)], v[3][NP];
  static const int blk[3] = {64, 8, 1};
  const int np = (int)flow_linf_n_params_deg(K, deg, NBAS);
  rng_stream_init(&rs, 78, RNG_TEST, (uint64_t)deg, 0);
  fill(&rs, theta, NP, 0.5);
  fill(&rs, G, NL * M * M, 1.0);
  fill(&rs, f, NL * M, 1.0);
  fill(&rs, h, NL * M, 1.0);
  fill(&rs, dout, NL * (M + 2), 1.0);
  for (int i = 0; i < NL * (M + 2); i++) dout[i] *= exp(8 * rng_uniform(&rs) - 4);
  flow_linf_init_deg(&F, &c, K, deg, NBAS);
  flow_linf_set(&c, theta, NULL);
  memset(v, 0, sizeof v);
  for (int s = 0; s < 3; s++) {
    qsum_t acc[NP];
    memset(acc, 0, sizeof acc);
    for (int b0 = 0; b0 < NL; b0 += blk[s])
      flow_linf_grad_acc(&c, acc, 0.61, blk[s], dout + b0 * (M + 2), f + b0 * M,
                         deg == 2 ? G + b0 * M * M : NULL, h + b0 * M);
    for (int i = 0; i < np; i++) v[s][i] = qsum_value(&acc[i]);
  }
  check_bits(v[1], v[0], sizeof v[0], "degree %d grad_acc: 8 x 8 loops = 1 x 64, bit for bit",
             deg);
  check_bits(v[2], v[0], sizeof v[0], "degree %d grad_acc: 64 x 1 loops = 1 x 64, bit for bit",
             deg);
}

static double loop_F(pot_loop_ws_t *ws, const pot_func_t *F, int N, const cplx_t *w,
                     int a, double s)
{
  double x[8] = {0};
  cplx_t e[9], ws2[9];
  x[a] = s;
  sun_exp_alg(N, e, x);
  sun_mul(N, ws2, e, w);
  pot_loop_forward(ws, F, 0, 0.4, 1, ws2, 0);
  return ws->out[0];
}

static void loop_level(int N, int deg)
{
  const int K = 2, m = 4, nbas = 3, ngen = N * N - 1;
  const double hs = 1e-2;
  rng_stream_t rs;
  pot_func_t F;
  flow_linf_t c;
  double theta[(4 + 10) * 3], x[8];
  cplx_t w[9];
  pot_loop_ws_t *ws = pot_loop_ws_alloc(N, K, 1);
  rng_stream_init(&rs, 79, RNG_TEST, (uint64_t)(N + 10 * deg), 0);
  fill(&rs, theta, (4 + 10) * 3, deg == 2 ? 0.3 : 0.7);
  (void)m;
  flow_linf_init_deg(&F, &c, K, deg, nbas);
  flow_linf_set(&c, theta, NULL);
  for (int r = 0; r < 2; r++) {
    rng_haar_sun(&rs, N, w);
    check_int(pot_loop_forward(ws, &F, 0, 0.4, 1, w, 1), EMF_SUCCESS, "SU(%d) loop forward", N);
    const double L = ws->out[m + 1], F0 = ws->out[0];
    pot_loop_gradient(ws, 1, x);
    double lap = 0, sc = 0;
    for (int a = 0; a < ngen; a++) sc = fmax(sc, fabs(x[a]));
    for (int a = 0; a < ngen; a++) {
      double v[5];
      for (int k = 0; k < 5; k++) v[k] = k == 2 ? F0 : loop_F(ws, &F, N, w, a, (k - 2) * hs);
      check_rel(x[a], (v[0] - 8 * v[1] + 8 * v[3] - v[4]) / (12 * hs), 1e-6, 1e-10 * sc,
                "SU(%d) degree %d matrix %d: x_%d vs FD", N, deg, r, a);
      lap += (-v[0] + 16 * v[1] - 30 * v[2] + 16 * v[3] - v[4]) / (12 * hs * hs);
    }
    check_rel(L, lap, 1e-6, 1e-8 * sc,
              "SU(%d) degree %d matrix %d: L vs FD Laplacian (%.10f vs %.10f)", N, deg, r, L, lap);
  }
  /* leading order: 4 L = -(beta/N) Re tr W */
  if (deg == 1) {
    const double beta = 1.7, clo = flow_linf_lo_coef(N, beta, 4);
    double th1[2] = {clo, 0};
    pot_loop_ws_t *w1 = pot_loop_ws_alloc(N, 1, 1);
    flow_linf_init(&F, &c, 1, 1);
    flow_linf_set(&c, th1, NULL);
    pot_loop_forward(w1, &F, 0, 0.0, 1, w, 1);
    check_rel(4 * w1->out[3], -(beta / N) * creal(w1->tau[1]), 1e-13, 1e-15,
              "SU(%d) LO: Delta Phi_LO = S on a plaquette", N);
    check_rel(clo, beta / (N == 2 ? 6.0 : 16.0), 1e-15, 0, "SU(%d) LO coefficient", N);
    pot_loop_ws_free(w1);
  }
  pot_loop_ws_free(ws);
}

static void misc(void)
{
  pot_func_t F, Q;
  flow_linf_t c;
  pot_quad_t q;
  memset(&q, 0, sizeof q);
  q.K = 1;
  pot_func_quad(&Q, &q);
  check_int(flow_linf_init(&F, &c, 2, 3), EMF_SUCCESS, "init");
  check_true(flow_linf_of(&F) == &c, "flow_linf_of recognises the linear F");
  check_true(flow_linf_of(&Q) == NULL, "flow_linf_of: the quadratic F is not linear");
  check_int(flow_linf_init(&F, &c, 0, 3), EMF_EINVAL, "K = 0 refused");
  check_int(flow_linf_init(&F, &c, 2, 0), EMF_EINVAL, "n_basis = 0 refused");
  check_int(flow_linf_init(&F, &c, 2, FLOW_LINF_BASIS_MAX + 1), EMF_EINVAL,
            "n_basis too large refused");
  check_int(flow_linf_init_deg(&F, &c, 2, 0, 3), EMF_EINVAL, "degree 0 refused");
  check_int(flow_linf_init_deg(&F, &c, 2, 3, 3), EMF_EINVAL, "degree 3 refused");
  check_int((long)flow_linf_n_params_deg(2, 3, 3), 0, "no parameters of degree 3");
}


/* g_j of one loop at features fp */
static double g_at(const pot_func_t *F, double t, const double *fp, int j)
{
  double o[POT_MMAX + 2];
  F->forward(F->ctx, o, 0, t, 1, fp, NULL, NULL);
  return o[1 + j];
}

static void f_level_deg2(int K, int nbas)
{
  enum { NPM = FLOW_LINF_MONO_MAX * 5 };
  const int m = 2 * K, np = (m + m * (m + 1) / 2) * nbas;
  const double t = 0.37;
  rng_stream_t rs;
  pot_func_t F;
  flow_linf_t c;
  double theta[NPM], dth[NPM], f[NB * POT_MMAX], h[NB * POT_MMAX], G[NB * POT_MMAX * POT_MMAX];
  double dout[NB * (POT_MMAX + 2)], out[NB * (POT_MMAX + 2)], df[NB * POT_MMAX];
  double dh[NB * POT_MMAX], dG[NB * POT_MMAX * POT_MMAX];
  char nm[64];
  snprintf(nm, sizeof nm, "degree 2 K=%d nb=%d", K, nbas);
  rng_stream_init(&rs, 80, RNG_TEST, (uint64_t)(K * 100 + nbas), 0);
  fill(&rs, theta, np, 0.5);
  fill(&rs, f, NB * m, 1.0);
  fill(&rs, h, NB * m, 1.0);
  fill(&rs, G, NB * m * m, 1.0);
  fill(&rs, dout, NB * (m + 2), 1.0);
  check_int(flow_linf_init_deg(&F, &c, K, 2, nbas), EMF_SUCCESS, "%s init", nm);
  check_int((long)flow_linf_n_params_deg(K, 2, nbas), np, "%s n_params", nm);
  check_int((long)flow_linf_size(&c), np, "%s size", nm);
  flow_linf_set(&c, theta, dth);
  check_int(F.forward(F.ctx, out, 0, t, NB, f, G, h), EMF_SUCCESS, "%s forward", nm);
  for (int b = 0; b < NB; b++) {
    double L = 0, fp[POT_MMAX];
    check_g(&F, t, f + b * m, out + b * (m + 2), m, nm, b);
    for (int j = 0; j < m; j++) {
      L += out[b * (m + 2) + 1 + j] * h[b * m + j];
      for (int k = 0; k < m; k++) {
        double hjk;
        memcpy(fp, f + b * m, (size_t)m * sizeof(double));
        fp[k] += HF;
        hjk = g_at(&F, t, fp, j);
        fp[k] -= 2 * HF;
        hjk = (hjk - g_at(&F, t, fp, j)) / (2 * HF);
        L += hjk * G[b * m * m + j * m + k];
      }
    }
    check_rel(out[b * (m + 2) + m + 1], L, 1e-8, 1e-10,
              "%s L = g.h + H.G (H by FD) loop %d", nm, b);
  }
  memset(df, 0, sizeof df);
  memset(dh, 0, sizeof dh);
  memset(dG, 0, sizeof dG);
  memset(dth, 0, sizeof dth);
  check_int(F.backward(F.ctx, df, dG, dh, 0, t, NB, dout, f, G, h, 0), EMF_SUCCESS,
            "%s backward params = 0", nm);
  double mx = 0;
  for (int i = 0; i < np; i++) mx = fmax(mx, fabs(dth[i]));
  check_abs(mx, 0.0, 0.0, "%s params = 0 leaves dtheta alone", nm);
  memset(df, 0, sizeof df);
  memset(dh, 0, sizeof dh);
  memset(dG, 0, sizeof dG);
  F.backward(F.ctx, df, dG, dh, 0, t, NB, dout, f, G, h, 1);
  double sc = 0;
  for (int i = 0; i < NB * m; i++) sc = fmax(sc, fmax(fabs(df[i]), fabs(dh[i])));
  for (int i = 0; i < np; i++) sc = fmax(sc, fabs(dth[i]));
  for (int i = 0; i < NB * m; i++) {
    check_rel(df[i], fd4(&F, t, f, i, f, G, h, dout, m), 1e-6, 1e-10 * sc, "%s df[%d] vs FD",
              nm, i);
    check_rel(dh[i], fd4(&F, t, h, i, f, G, h, dout, m), 1e-6, 1e-10 * sc, "%s dh[%d] vs FD",
              nm, i);
  }
  for (int i = 0; i < NB * m * m; i++)
    check_rel(dG[i], fd4(&F, t, G, i, f, G, h, dout, m), 1e-6, 1e-10 * sc, "%s dG[%d] vs FD",
              nm, i);
  for (int i = 0; i < np; i++)
    check_rel(dth[i], fd4(&F, t, theta, i, f, G, h, dout, m), 1e-6, 1e-10 * sc,
              "%s dc[%d] vs FD", nm, i);
  {
    qsum_t acc[NPM];
    memset(acc, 0, sizeof acc);
    flow_linf_grad_acc(&c, acc, t, NB, dout, f, G, h);
    for (int i = 0; i < np; i++)
      check_rel(qsum_value(&acc[i]), dth[i], 1e-13, 1e-15 * sc, "%s grad_acc[%d]", nm, i);
  }
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  basis_checks();
  for (int K = 1; K <= 3; K++)
    for (int nb = 1; nb <= 5; nb += 2) f_level(K, nb);
  split_bits(1);
  loop_level(2, 1);
  loop_level(3, 1);
  misc();
  for (int K = 1; K <= 3; K++)
    for (int nb = 1; nb <= 3; nb += 2) f_level_deg2(K, nb);
  split_bits(2);
  loop_level(2, 2);
  loop_level(3, 2);
  int fl = check_finish("test_linf");
  MPI_Finalize();
  return fl;
}
