/*******************************************************************************
 * test_dense.c: the dense jet layer.
 *
 * - tuned forward and backward kernels against the naive reference loops,
 *   over sizes that exercise every tile remainder (tolerance 1e-13 relative
 *   to the largest entry; the summation order differs);
 * - the backward accumulates (+=) into non-zero dx, dw, db; the dx kernel
 *   on the transposed weight (nn_dense_jet_backward_dx_t) agrees too;
 * - backward against central finite differences of J = sum c . y with
 *   respect to every entry of x, w and b (h = 1e-5 max(1, |v|), error
 *   |fd - an| / max(|fd|, |an|, 1e-3 max|an|) < 1e-6);
 * - the bias enters channel 0 only;
 * - the structured input layer (nn_input_jet_*) against the general dense
 *   jet on the explicit input jet (1e-14) and against FD in x, h, w, b.
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "nn.h"
#include "nn_testutil.h"

typedef struct { int nb, nc, ni, no; } dcase_t;

static const dcase_t cases[] = {
    {5, 8, 9, 64}, {7, 3, 13, 17}, {4, 8, 64, 64}, {2, 8, 32, 1},
    {1, 1, 5, 3},  {3, 8, 64, 32}, {1, 2, 3, 48}, {6, 8, 19, 33}};
static const dcase_t fd_cases[] = {{3, 4, 9, 16}, {2, 3, 7, 5}, {2, 8, 20, 19}};

static double objective(const double *c, const double *x, const double *w,
                        const double *b, double *y, const dcase_t *k)
{
  double J = 0.0;
  nn_dense_jet_forward(y, x, w, b, k->nb, k->nc, k->ni, k->no);
  for (int i = 0; i < k->nb * k->nc * k->no; i++) J += c[i] * y[i];
  return J;
}

static void test_vs_naive(const dcase_t *k, uint64_t *st)
{
  size_t nx = (size_t)k->nb * k->nc * k->ni, ny = (size_t)k->nb * k->nc * k->no;
  size_t nw = (size_t)k->ni * k->no;
  double *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
  double *b = malloc(k->no * sizeof *b), *y1 = malloc(ny * sizeof *y1);
  double *y2 = malloc(ny * sizeof *y2), *dy = malloc(ny * sizeof *dy);
  double *dx1 = malloc(nx * sizeof *dx1), *dx2 = malloc(nx * sizeof *dx2);
  double *dw1 = malloc(nw * sizeof *dw1), *dw2 = malloc(nw * sizeof *dw2);
  double *db1 = malloc(k->no * sizeof *db1), *db2 = malloc(k->no * sizeof *db2);
  double e_y = 0, e_dx = 0, e_dw = 0, e_db = 0, s;
  tu_fill(x, nx, st);
  tu_fill(w, nw, st);
  tu_fill(b, k->no, st);
  tu_fill(dy, ny, st);
  for (int pass = 0; pass < 2; pass++) {
    const double *bb = pass ? NULL : b;
    nn_dense_jet_forward(y1, x, w, bb, k->nb, k->nc, k->ni, k->no);
    nn_dense_jet_forward_naive(y2, x, w, bb, k->nb, k->nc, k->ni, k->no);
    s = tu_max_abs(y2, ny);
    for (size_t i = 0; i < ny; i++) e_y = fmax(e_y, fabs(y1[i] - y2[i]) / s);
  }
  /* non-zero start values: the backward must accumulate */
  tu_fill(dx1, nx, st);
  memcpy(dx2, dx1, nx * sizeof *dx1);
  tu_fill(dw1, nw, st);
  memcpy(dw2, dw1, nw * sizeof *dw1);
  tu_fill(db1, k->no, st);
  memcpy(db2, db1, k->no * sizeof *db1);
  {
    /* dx from the transposed weight, same start values */
    double *wt = malloc(nw * sizeof *wt), *dx3 = malloc(nx * sizeof *dx3), e3 = 0.0;
    memcpy(dx3, dx1, nx * sizeof *dx1);
    nn_transpose(wt, w, k->ni, k->no);
    nn_dense_jet_backward_dx_t(dx3, dy, wt, k->nb, k->nc, k->ni, k->no);
    nn_dense_jet_backward_naive(dx2, NULL, NULL, dy, x, w, k->nb, k->nc, k->ni, k->no);
    s = tu_max_abs(dx2, nx);
    for (size_t i = 0; i < nx; i++) e3 = fmax(e3, fabs(dx3[i] - dx2[i]) / s);
    check_abs(e3, 0.0, 1e-13, "backward dx (transposed weight) vs naive (%d,%d,%d,%d)", k->nb, k->nc, k->ni, k->no);
    memcpy(dx2, dx1, nx * sizeof *dx1);
    free(wt);
    free(dx3);
  }
  nn_dense_jet_backward(dx1, dw1, db1, dy, x, w, k->nb, k->nc, k->ni, k->no);
  nn_dense_jet_backward_naive(dx2, dw2, db2, dy, x, w, k->nb, k->nc, k->ni, k->no);
  s = tu_max_abs(dx2, nx);
  for (size_t i = 0; i < nx; i++) e_dx = fmax(e_dx, fabs(dx1[i] - dx2[i]) / s);
  s = tu_max_abs(dw2, nw);
  for (size_t i = 0; i < nw; i++) e_dw = fmax(e_dw, fabs(dw1[i] - dw2[i]) / s);
  s = tu_max_abs(db2, k->no);
  for (int i = 0; i < k->no; i++) e_db = fmax(e_db, fabs(db1[i] - db2[i]) / s);
  check_abs(e_y, 0.0, 1e-13, "forward tuned vs naive (%d,%d,%d,%d)", k->nb, k->nc, k->ni, k->no);
  check_abs(e_dx, 0.0, 1e-13, "backward dx tuned vs naive (%d,%d,%d,%d)", k->nb, k->nc, k->ni, k->no);
  check_abs(e_dw, 0.0, 1e-13, "backward dw tuned vs naive (%d,%d,%d,%d)", k->nb, k->nc, k->ni, k->no);
  check_abs(e_db, 0.0, 1e-13, "backward db tuned vs naive (%d,%d,%d,%d)", k->nb, k->nc, k->ni, k->no);
  /* NULL outputs are skipped, the others unchanged in value */
  memcpy(dw2, dw1, nw * sizeof *dw1);
  nn_dense_jet_backward(NULL, dw1, NULL, dy, x, w, k->nb, k->nc, k->ni, k->no);
  nn_dense_jet_backward_naive(NULL, dw2, NULL, dy, x, w, k->nb, k->nc, k->ni, k->no);
  e_dw = 0.0;
  s = tu_max_abs(dw2, nw);
  for (size_t i = 0; i < nw; i++) e_dw = fmax(e_dw, fabs(dw1[i] - dw2[i]) / s);
  check_abs(e_dw, 0.0, 1e-13, "backward dw only (%d,%d,%d,%d)", k->nb, k->nc, k->ni, k->no);
  free(x); free(w); free(b); free(y1); free(y2); free(dy);
  free(dx1); free(dx2); free(dw1); free(dw2); free(db1); free(db2);
}

/* FD of J over every entry of v (n), analytic gradient an */
static double fd_block(double *v, size_t n, const double *an, const double *c,
                       const double *x, const double *w, const double *b,
                       double *y, const dcase_t *k)
{
  double floor = 1e-3 * tu_max_abs(an, n), err = 0.0;
  for (size_t i = 0; i < n; i++) {
    double v0 = v[i], h = 1e-5 * fmax(1.0, fabs(v0)), jp, jm;
    v[i] = v0 + h;
    jp = objective(c, x, w, b, y, k);
    v[i] = v0 - h;
    jm = objective(c, x, w, b, y, k);
    v[i] = v0;
    err = fmax(err, tu_fd_err((jp - jm) / (2 * h), an[i], floor));
  }
  return err;
}

static void test_fd(const dcase_t *k, uint64_t *st)
{
  size_t nx = (size_t)k->nb * k->nc * k->ni, ny = (size_t)k->nb * k->nc * k->no;
  size_t nw = (size_t)k->ni * k->no;
  double *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
  double *b = malloc(k->no * sizeof *b), *y = malloc(ny * sizeof *y);
  double *c = malloc(ny * sizeof *c), *dx = calloc(nx, sizeof *dx);
  double *dw = calloc(nw, sizeof *dw), *db = calloc(k->no, sizeof *db);
  tu_fill(x, nx, st);
  tu_fill(w, nw, st);
  tu_fill(b, k->no, st);
  tu_fill(c, ny, st);
  nn_dense_jet_backward(dx, dw, db, c, x, w, k->nb, k->nc, k->ni, k->no);
  check_true(tu_max_abs(dw, nw) > 0 && tu_max_abs(dx, nx) > 0, "non-zero gradients");
  check_abs(fd_block(x, nx, dx, c, x, w, b, y, k), 0.0, 1e-6, "FD dx (%d,%d,%d,%d)", k->nb, k->nc, k->ni, k->no);
  check_abs(fd_block(w, nw, dw, c, x, w, b, y, k), 0.0, 1e-6, "FD dw (%d,%d,%d,%d)", k->nb, k->nc, k->ni, k->no);
  check_abs(fd_block(b, k->no, db, c, x, w, b, y, k), 0.0, 1e-6, "FD db (%d,%d,%d,%d)", k->nb, k->nc, k->ni, k->no);
  free(x); free(w); free(b); free(y); free(c); free(dx); free(dw); free(db);
}

static void test_bias_channel(uint64_t *st)
{
  enum { NB = 2, NC = 4, NI = 5, NO = 7 };
  double x[NB * NC * NI], w[NI * NO], b[NO], y0[NB * NC * NO], y1[NB * NC * NO];
  int bad = 0;
  tu_fill(x, NB * NC * NI, st);
  tu_fill(w, NI * NO, st);
  tu_fill(b, NO, st);
  nn_dense_jet_forward(y0, x, w, NULL, NB, NC, NI, NO);
  nn_dense_jet_forward(y1, x, w, b, NB, NC, NI, NO);
  for (int r = 0; r < NB * NC; r++)
    for (int o = 0; o < NO; o++) {
      double want = y0[r * NO + o] + (r % NC == 0 ? b[o] : 0.0);
      bad += fabs(y1[r * NO + o] - want) > 1e-15;
    }
  check_int(bad, 0, "bias on channel 0 only");
}

/* The structured input layer against the general dense jet on the explicit
 * input jet (value [x, e], rows e_j, Laplacian [h, 0]), forward and
 * backward (dx = value row, dh = Laplacian row of the input adjoint), and
 * its backward against FD of J = sum c . z in x, h, w, b. */
static double input_objective(const double *c, const double *x, const double *h,
                              const double *e, const double *w, const double *b,
                              double *z, int nb, int m, int nt, int no)
{
  double J = 0.0;
  nn_input_jet_forward(z, x, h, e, w, b, nb, m, nt, no);
  for (int i = 0; i < nb * (m + 2) * no; i++) J += c[i] * z[i];
  return J;
}

static void test_input(int nb, int m, int nt, int no, uint64_t *st)
{
  const int nc = m + 2, ni = m + nt;
  size_t nz = (size_t)nb * nc * no, nw = (size_t)ni * no, nj = (size_t)nb * nc * ni;
  double *x = malloc(nb * m * sizeof *x), *h = malloc(nb * m * sizeof *h);
  double *e = malloc(nt * sizeof *e), *w = malloc(nw * sizeof *w), *b = malloc(no * sizeof *b);
  double *z1 = malloc(nz * sizeof *z1), *z2 = malloc(nz * sizeof *z2), *c = malloc(nz * sizeof *c);
  double *jet = calloc(nj, sizeof *jet), *djet = calloc(nj, sizeof *djet);
  double *dx = calloc(nb * m, sizeof *dx), *dh = calloc(nb * m, sizeof *dh);
  double *dw1 = calloc(nw, sizeof *dw1), *dw2 = calloc(nw, sizeof *dw2);
  double *db1 = calloc(no, sizeof *db1), *db2 = calloc(no, sizeof *db2);
  double err = 0.0, sc;
  tu_fill(x, nb * m, st);
  tu_fill(h, nb * m, st);
  tu_fill(e, nt, st);
  tu_fill(w, nw, st);
  tu_fill(b, no, st);
  tu_fill(c, nz, st);
  for (int bt = 0; bt < nb; bt++) {
    double *jb = jet + (size_t)bt * nc * ni;
    for (int j = 0; j < m; j++) {
      jb[j] = x[bt * m + j];
      jb[(size_t)(j + 1) * ni + j] = 1.0;
      jb[(size_t)(m + 1) * ni + j] = h[bt * m + j];
    }
    for (int t = 0; t < nt; t++) jb[m + t] = e[t];
  }
  nn_input_jet_forward(z1, x, h, e, w, b, nb, m, nt, no);
  nn_dense_jet_forward_naive(z2, jet, w, b, nb, nc, ni, no);
  sc = tu_max_abs(z2, nz);
  for (size_t i = 0; i < nz; i++) err = fmax(err, fabs(z1[i] - z2[i]) / sc);
  check_abs(err, 0.0, 1e-14, "input layer forward vs dense on the jet (%d,%d,%d,%d)", nb, m, nt, no);
  nn_input_jet_backward(dx, dh, dw1, db1, c, x, h, e, w, nb, m, nt, no);
  nn_dense_jet_backward_naive(djet, dw2, db2, c, jet, w, nb, nc, ni, no);
  err = 0.0;
  sc = tu_max_abs(dw2, nw);
  for (size_t i = 0; i < nw; i++) err = fmax(err, fabs(dw1[i] - dw2[i]) / sc);
  sc = tu_max_abs(db2, no);
  for (int i = 0; i < no; i++) err = fmax(err, fabs(db1[i] - db2[i]) / sc);
  sc = tu_max_abs(djet, nj);
  for (int bt = 0; bt < nb; bt++)
    for (int j = 0; j < m; j++) {
      err = fmax(err, fabs(dx[bt * m + j] - djet[(size_t)bt * nc * ni + j]) / sc);
      err = fmax(err, fabs(dh[bt * m + j] - djet[(size_t)bt * nc * ni + (size_t)(m + 1) * ni + j]) / sc);
    }
  check_abs(err, 0.0, 1e-14, "input layer backward vs dense on the jet (%d,%d,%d,%d)", nb, m, nt, no);
  /* FD */
  {
    double *vars[4] = {x, h, w, b}, *an[4] = {dx, dh, dw1, db1};
    size_t nv[4] = {(size_t)nb * m, (size_t)nb * m, nw, (size_t)no};
    const char *nm[4] = {"dx", "dh", "dw", "db"};
    for (int k = 0; k < 4; k++) {
      double fl = 1e-3 * tu_max_abs(an[k], nv[k]), e2 = 0.0;
      for (size_t i = 0; i < nv[k]; i++) {
        double v0 = vars[k][i], hh = 1e-5 * fmax(1.0, fabs(v0)), jp, jm;
        vars[k][i] = v0 + hh;
        jp = input_objective(c, x, h, e, w, b, z1, nb, m, nt, no);
        vars[k][i] = v0 - hh;
        jm = input_objective(c, x, h, e, w, b, z1, nb, m, nt, no);
        vars[k][i] = v0;
        e2 = fmax(e2, tu_fd_err((jp - jm) / (2 * hh), an[k][i], fl));
      }
      check_abs(e2, 0.0, 1e-6, "input layer %s vs FD (%d,%d,%d,%d)", nm[k], nb, m, nt, no);
    }
  }
  free(x); free(h); free(e); free(w); free(b); free(z1); free(z2); free(c);
  free(jet); free(djet); free(dx); free(dh); free(dw1); free(dw2); free(db1); free(db2);
}

int main(void)
{
  uint64_t st = 12345;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) test_vs_naive(&cases[i], &st);
  for (size_t i = 0; i < sizeof fd_cases / sizeof fd_cases[0]; i++) test_fd(&fd_cases[i], &st);
  test_bias_channel(&st);
  test_input(3, 6, 3, 16, &st);
  test_input(2, 2, 1, 7, &st);
  test_input(4, 4, 5, 1, &st);
  return check_finish("test_dense");
}
