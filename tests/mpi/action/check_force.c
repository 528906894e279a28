/*******************************************************************************
 * check_force.c: the Wilson action and its force.
 *
 * NP: 1 2 4
 * TIMEOUT: 300
 *
 * For N = 2, 3 and D = 2, 4 (and the generic-N path at N = 4, D = 2) on
 * hot-start fields (beta = 1.7):
 *   - (rank 0 alone, a communicator of size 1) every component of the force
 *     on every link equals the central finite difference
 *     [S(exp(h T_a) U_l) - S(exp(-h T_a) U_l)] / (2h), h = 1e-4, to a
 *     relative error < 1e-6 (floor: 1e-3 times the largest component); and
 *     at h = 1e-2 and 2e-2, where truncation dominates, the largest
 *     deviation grows by a factor 3..5 (h^2), so the agreement is that of
 *     a derivative and not an accident of h;
 *   - S equals -beta * n_plaquettes * gauge_plaquette_all to 1e-13 relative;
 *   - gauge invariance: after U_mu(x) -> g(x) U_mu(x) g(x+mu)^+ with Haar
 *     random g, S is unchanged to 1e-12 relative and the force (as a
 *     matrix) transforms as F -> g(x) F g(x)^+ to 1e-11 absolute;
 *   - on every process grid of the np ranks that divides the lattice, S
 *     and every force component equal the single-rank reference bit for bit.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "action.h"
#include "check.h"
#include "testutil.h"
#include "util.h"

typedef struct { int D, N; int L[EMF_DMAX]; } lat_t;

static const lat_t lats[] = {
    {2, 2, {4, 6}}, {2, 3, {4, 4}}, {4, 2, {2, 3, 2, 4}}, {4, 3, {4, 2, 2, 2}},
    {2, 4, {4, 2}},
};

static const double beta = 1.7;
static const uint64_t seed = 20261128;

static double fd_error(gauge_t *a, action_t *act, const double *f, double h,
                       double fscale)
{
  const geom_t *g = a->g;
  const int D = g->D, N = a->n, ng = a->su->ngen, nn = a->nn;
  double worst = 0.0, x[64];
  cplx_t e[64], save[64], t[64];
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    for (int mu = 0; mu < D; mu++) {
      cplx_t *ul = gauge_link(a, is, mu);
      memcpy(save, ul, nn * sizeof(cplx_t));
      for (int b = 0; b < ng; b++) {
        double sp, sm;
        for (int k = 0; k < ng; k++) x[k] = (k == b) ? h : 0.0;
        sun_exp_alg(N, e, x);
        sun_mul(N, t, e, save);
        memcpy(ul, t, nn * sizeof(cplx_t));
        action_eval_all(act, a, &sp);
        x[b] = -h;
        sun_exp_alg(N, e, x);
        sun_mul(N, t, e, save);
        memcpy(ul, t, nn * sizeof(cplx_t));
        action_eval_all(act, a, &sm);
        memcpy(ul, save, nn * sizeof(cplx_t));
        double fd = (sp - sm) / (2.0 * h), an = f[((size_t)i * D + mu) * ng + b];
        double den = fmax(fabs(an), 1e-3 * fscale);
        double err = fabs(fd - an) / den;
        if (!(err <= worst)) worst = err;
      }
    }
  }
  gauge_exchange(a);
  return worst;
}

static void reference(const lat_t *t, double *sref, double *fref)
{
  MPI_Comm self = tu_comm_first(1);
  int ones[EMF_DMAX] = {1, 1, 1, 1};
  char msg[256];
  if (self != MPI_COMM_NULL) {
    geom_t *g = geom_alloc(self, t->D, t->L, ones, 1, msg, sizeof msg);
    gauge_t *a = gauge_alloc(g, t->N);
    action_t act = {action_wilson, beta};
    const int D = t->D, N = t->N, ng = a->su->ngen;
    const size_t nf = action_force_len(a);
    double *f = malloc(nf * sizeof *f), *f2 = malloc(nf * sizeof *f2);
    double fbig = 0.0;
    gauge_set_hot(a, seed);
    check_int(action_eval_all(&act, a, sref), EMF_SUCCESS, "eval status");
    check_int(action_force_all(&act, 1, a, f), EMF_SUCCESS, "force status");
    memcpy(fref, f, nf * sizeof *f);
    double nplaq = (double)g->n_global * D * (D - 1) / 2;
    check_rel(*sref, -beta * nplaq * gauge_plaquette_all(a), 1e-13, 0.0,
              "N=%d D=%d: S = -beta n_P plaquette", N, D);
    for (size_t k = 0; k < nf; k++) fbig = fmax(fbig, fabs(f[k]));
    check_true(fbig > 0.1, "N=%d D=%d: force not trivially small (%g)", N, D, fbig);
    double e1 = fd_error(a, &act, f, 1e-4, fbig);
    double e3 = fd_error(a, &act, f, 1e-2, fbig);
    double e4 = fd_error(a, &act, f, 2e-2, fbig);
    check_true(e1 < 1e-6, "N=%d D=%d: force vs central FD, max rel err %.2e < 1e-6",
               N, D, e1);
    check_true(e4 > 3.0 * e3 && e4 < 5.0 * e3 && e3 > 1e-7,
               "N=%d D=%d: FD error at h = 1e-2, 2e-2 (%.2e, %.2e) scales as h^2",
               N, D, e3, e4);
    /* gauge covariance */
    double s2;
    tu_gauge_transform(a, seed, 7);
    action_eval_all(&act, a, &s2);
    action_force_all(&act, 1, a, f2);
    check_rel(s2, *sref, 1e-12, 0.0, "N=%d D=%d: S gauge invariant", N, D);
    double worst = 0.0;
    cplx_t gx[64], m[64], t1[64], m2[64];
    double x2[64];
    for (long i = 0; i < g->n_owned; i++) {
      tu_gauge_matrix(N, seed, 7, g->gsite[g->owned[i]], gx);
      for (int mu = 0; mu < D; mu++) {
        sun_from_alg(N, m, f + ((size_t)i * D + mu) * ng);
        sun_mul(N, t1, gx, m);
        sun_mul_dag(N, m2, t1, gx);
        sun_to_alg(N, x2, m2);
        for (int b = 0; b < ng; b++)
          worst = fmax(worst, fabs(x2[b] - f2[((size_t)i * D + mu) * ng + b]));
      }
    }
    check_true(worst < 1e-11, "N=%d D=%d: force covariant, max dev %.2e", N, D, worst);
    free(f); free(f2);
    gauge_free(a);
    geom_free(g);
    MPI_Comm_free(&self);
  }
}

int main(int argc, char **argv)
{
  int np, rank;
  tu_mpi_init(&argc, &argv, &np, &rank);
  for (size_t c = 0; c < sizeof lats / sizeof lats[0]; c++) {
    const lat_t *t = &lats[c];
    const long vol = tu_volume(t->D, t->L);
    const int ng = t->N * t->N - 1, per = t->D * ng;
    double sref = 0.0, *fref = malloc((size_t)vol * per * sizeof *fref);
    double *fall = malloc((size_t)vol * per * sizeof *fall);
    reference(t, &sref, fref);
    MPI_Bcast(&sref, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    int grids[TU_MAX_GRIDS][EMF_DMAX], ngrid = tu_grids(t->D, t->L, np, grids);
    for (int ig = 0; ig < ngrid; ig++) {
      const int *grid = grids[ig];
      char msg[256];
      geom_t *g = geom_alloc(MPI_COMM_WORLD, t->D, t->L, grid, 1, msg, sizeof msg);
      gauge_t *a = gauge_alloc(g, t->N);
      action_t act = {action_wilson, beta};
      double s, *f = malloc(action_force_len(a) * sizeof *f + 1);
      gauge_set_hot(a, seed);
      action_eval_all(&act, a, &s);
      action_force_all(&act, 1, a, f);
      tu_gather_sites(g, f, per, fall);
      check_bits(&s, &sref, sizeof s, "N=%d D=%d grid %d %d %d %d: S bits", t->N, t->D,
                 grid[0], grid[1], grid[2], grid[3]);
      if (rank == 0)
        check_bits(fall, fref, (size_t)vol * per * sizeof *fall,
                   "N=%d D=%d grid %d %d %d %d: force bits", t->N, t->D, grid[0],
                   grid[1], grid[2], grid[3]);
      free(f);
      gauge_free(a);
      geom_free(g);
    }
    free(fref);
    free(fall);
  }
  return tu_mpi_finish("check_force");
}
