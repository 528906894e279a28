/*******************************************************************************
 * test_act.c: activations and the activation jet layer.
 *
 * - every activation: s' vs central FD of s, s'' vs FD of s', s''' vs FD of
 *   s'' at 40 points in [-4, 4] (error |fd-an|/max(|fd|,|an|,1e-4) < 1e-6);
 *   lookup by name, unknown name -> NULL;
 * - jet forward against a naive per-unit evaluation of
 *   y0 = s(z0), y_j = s' z_j, y_L = s' z_L + s'' sum_jk z_j G_jk z_k;
 * - jet backward against central FD of J = sum c . y with respect to every
 *   entry of z (all channels) and of G (not symmetric, so that the (G+G^T)
 *   rule is tested), h = 1e-5 max(1, |v|), error < 1e-6 (floor 1e-3 max|an|);
 * - the vectorised tanh and silu against libm (<= 4 ulp), limits and NaN;
 * - scaling: for the value channel the FD error must drop by 4 (3.5..4.5)
 *   when h = 1e-2 is halved (truncation error, not a bug).
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "nn.h"
#include "nn_testutil.h"

enum { NB = 3, NC = 5, M = NC - 2, N = 7 };
#define NZ (NB * NC * N)
#define NG (NB * M * M)

static void test_derivs(const nn_act_type_t *a, uint64_t *st)
{
  double err[3] = {0, 0, 0};
  for (int i = 0; i < 40; i++) {
    double z = 4.0 * tu_rand(st), h = 1e-5 * fmax(1.0, fabs(z)), zz[2] = {z + h, z - h};
    double s[4], sp[4][2];
    a->eval(&s[0], &s[1], &s[2], &s[3], &z, 1);
    for (int k = 0; k < 2; k++)
      a->eval(&sp[0][k], &sp[1][k], &sp[2][k], &sp[3][k], &zz[k], 1);
    for (int d = 0; d < 3; d++)
      err[d] = fmax(err[d], tu_fd_err((sp[d][0] - sp[d][1]) / (2 * h), s[d + 1], 1e-4));
  }
  for (int d = 0; d < 3; d++)
    check_abs(err[d], 0.0, 1e-6, "%s: derivative %d vs FD of derivative %d", a->name, d + 1, d);
  check_true(nn_act_lookup(a->name) == a, "%s: lookup by name", a->name);
}

static double objective(const double *c, const double *z, const double *G,
                        const nn_act_type_t *a, double *y, double *s, double *q)
{
  double J = 0.0;
  nn_act_jet_forward(y, s, q, z, G, a, NB, NC, N);
  for (int i = 0; i < NZ; i++) J += c[i] * y[i];
  return J;
}

static void test_jet(const nn_act_type_t *a, uint64_t *st)
{
  double z[NZ], G[NG], y[NZ], s[NB * 3 * N], q[NB * N], c[NZ];
  double dz[NZ], dG[NG], err = 0.0, floor;
  tu_fill(z, NZ, st);
  tu_fill(G, NG, st);
  tu_fill(c, NZ, st);
  for (int i = 0; i < NZ; i++) z[i] *= 2.0;
  nn_act_jet_forward(y, s, q, z, G, a, NB, NC, N);
  /* naive reference */
  for (int b = 0; b < NB; b++)
    for (int u = 0; u < N; u++) {
      const double *zb = z + b * NC * N;
      double s0, s1, s2, s3, qq = 0.0, want;
      a->eval(&s0, &s1, &s2, &s3, &zb[u], 1);
      for (int j = 0; j < M; j++)
        for (int k = 0; k < M; k++)
          qq += zb[(j + 1) * N + u] * G[b * M * M + j * M + k] * zb[(k + 1) * N + u];
      for (int ch = 0; ch < NC; ch++) {
        if (ch == 0) want = s0;
        else if (ch <= M) want = s1 * zb[ch * N + u];
        else want = s1 * zb[ch * N + u] + s2 * qq;
        err = fmax(err, fabs(y[b * NC * N + ch * N + u] - want) / fmax(1.0, fabs(want)));
      }
    }
  check_abs(err, 0.0, 1e-14, "%s: jet forward vs naive", a->name);
  /* backward vs FD */
  memset(dz, 0, sizeof dz);
  memset(dG, 0, sizeof dG);
  nn_act_jet_backward(dz, dG, c, z, s, q, G, NB, NC, N);
  floor = 1e-3 * tu_max_abs(dz, NZ);
  err = 0.0;
  for (int i = 0; i < NZ; i++) {
    double v0 = z[i], h = 1e-5 * fmax(1.0, fabs(v0)), jp, jm;
    z[i] = v0 + h;
    jp = objective(c, z, G, a, y, s, q);
    z[i] = v0 - h;
    jm = objective(c, z, G, a, y, s, q);
    z[i] = v0;
    err = fmax(err, tu_fd_err((jp - jm) / (2 * h), dz[i], floor));
  }
  check_abs(err, 0.0, 1e-6, "%s: backward dz vs FD", a->name);
  floor = 1e-3 * tu_max_abs(dG, NG);
  err = 0.0;
  for (int i = 0; i < NG; i++) {
    double v0 = G[i], h = 1e-5 * fmax(1.0, fabs(v0)), jp, jm;
    G[i] = v0 + h;
    jp = objective(c, z, G, a, y, s, q);
    G[i] = v0 - h;
    jm = objective(c, z, G, a, y, s, q);
    G[i] = v0;
    err = fmax(err, tu_fd_err((jp - jm) / (2 * h), dG[i], floor));
  }
  check_abs(err, 0.0, 1e-6, "%s: backward dG vs FD", a->name);
  check_true(tu_max_abs(dG, NG) > 0.0 && tu_max_abs(dz, NZ) > 0.0, "%s: non-zero adjoints", a->name);
  /* scaling of the FD error on a value-channel entry (nonlinear in z) */
  {
    double e[2];
    int i = 2 * NC * N + 3;  /* sample 2, channel 0, unit 3 */
    nn_act_jet_forward(y, s, q, z, G, a, NB, NC, N);
    for (int k = 0; k < 2; k++) {
      double v0 = z[i], h = 1e-2 / (1 << k), jp, jm;
      z[i] = v0 + h;
      jp = objective(c, z, G, a, y, s, q);
      z[i] = v0 - h;
      jm = objective(c, z, G, a, y, s, q);
      z[i] = v0;
      e[k] = fabs((jp - jm) / (2 * h) - dz[i]);
    }
    check_rel(e[0] / e[1], 4.0, 0.125, 0.0, "%s: FD error ratio h -> h/2 (%.3g, %.3g)", a->name, e[0], e[1]);
  }
  /* dG = NULL: dz unchanged */
  {
    double dz2[NZ];
    memset(dz2, 0, sizeof dz2);
    nn_act_jet_forward(y, s, q, z, G, a, NB, NC, N);
    nn_act_jet_backward(dz2, NULL, c, z, s, q, G, NB, NC, N);
    check_bits(dz2, dz, sizeof dz, "%s: dG = NULL gives the same dz", a->name);
  }
}

/* The vectorised tanh against libm: relative error over 2e5 points in
 * [-20, 20], 1e4 in [-1e-3, 1e-3] and around the branch point 0.3, at most
 * 4 ulp (9e-16); exact limits +-1, 0 -> 0, NaN -> NaN. */
static void test_tanh_accuracy(uint64_t *st)
{
  enum { NP = 230000 };
  double *z = malloc(NP * sizeof *z), *s[4], err = 0.0, zw = 0.0;
  for (int k = 0; k < 4; k++) s[k] = malloc(NP * sizeof(double));
  for (int i = 0; i < NP; i++) {
    double u = tu_rand(st);
    z[i] = i < 200000 ? 20.0 * u : i < 210000 ? 1e-3 * u : i < 220000 ? 0.3 + 1e-3 * u : -0.3 + 1e-6 * u;
  }
  nn_act_tanh->eval(s[0], s[1], s[2], s[3], z, NP);
  for (int i = 0; i < NP; i++) {
    double ref = tanh(z[i]), e = fabs(s[0][i] - ref) / fmax(fabs(ref), 1e-300);
    if (e > err) { err = e; zw = z[i]; }
  }
  check_abs(err, 0.0, 9e-16, "tanh: max relative error vs libm %.3g (worst at z = %.17g)", err, zw);
  double sp[7] = {0.0, -0.0, 40.0, -1e300, INFINITY, -INFINITY, NAN}, o[4][7];
  nn_act_tanh->eval(o[0], o[1], o[2], o[3], sp, 7);
  check_true(o[0][0] == 0.0 && o[0][1] == 0.0, "tanh(0) = 0");
  check_true(o[0][2] == 1.0 && o[0][3] == -1.0 && o[0][4] == 1.0 && o[0][5] == -1.0,
             "tanh limits +-1 (40, -1e300, +-inf)");
  check_true(isnan(o[0][6]), "tanh(NaN) is NaN");
  for (int k = 0; k < 4; k++) free(s[k]);
  free(z);
}

/* The vectorised silu against z / (1 + exp(-z)) from libm (stable form):
 * relative error at most 4 ulp over 2e5 points in [-30, 30]; limits. */
static void test_silu_accuracy(uint64_t *st)
{
  enum { NP = 200000 };
  double *z = malloc(NP * sizeof *z), *s[4], err = 0.0, zw = 0.0;
  for (int k = 0; k < 4; k++) s[k] = malloc(NP * sizeof(double));
  for (int i = 0; i < NP; i++) z[i] = 30.0 * tu_rand(st);
  nn_act_silu->eval(s[0], s[1], s[2], s[3], z, NP);
  for (int i = 0; i < NP; i++) {
    double sg = z[i] >= 0 ? 1.0 / (1.0 + exp(-z[i])) : exp(z[i]) / (1.0 + exp(z[i]));
    double ref = z[i] * sg, e = fabs(s[0][i] - ref) / fmax(fabs(ref), 1e-300);
    if (e > err) { err = e; zw = z[i]; }
  }
  check_abs(err, 0.0, 9e-16, "silu: max relative error vs libm %.3g (worst at z = %.17g)", err, zw);
  double sp[4] = {0.0, 1000.0, -1000.0, NAN}, o[4][4];
  nn_act_silu->eval(o[0], o[1], o[2], o[3], sp, 4);
  check_true(o[0][0] == 0.0 && o[1][0] == 0.5, "silu(0) = 0, silu'(0) = 1/2");
  check_true(o[0][1] == 1000.0 && o[1][1] == 1.0, "silu(1000) = 1000, slope 1");
  check_true(fabs(o[0][2]) < 1e-290 && fabs(o[1][2]) < 1e-290, "silu(-1000) = 0, slope 0");
  check_true(isnan(o[0][3]), "silu(NaN) is NaN");
  for (int k = 0; k < 4; k++) free(s[k]);
  free(z);
}

int main(void)
{
  uint64_t st = 777;
  for (const nn_act_type_t *const *a = nn_act_all(); *a; a++) {
    test_derivs(*a, &st);
    test_jet(*a, &st);
  }
  test_tanh_accuracy(&st);
  test_silu_accuracy(&st);
  check_true(nn_act_lookup("relu") == NULL, "unknown activation -> NULL");
  check_true(nn_act_lookup(NULL) == NULL, "NULL name -> NULL");
  return check_finish("test_act");
}
