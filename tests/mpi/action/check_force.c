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
#include "rng.h"
#include "util.h"

typedef struct { int D, N; int L[EMF_DMAX]; } lat_t;

static const lat_t lats[] = {
    {2, 2, {4, 6}}, {2, 3, {4, 4}}, {4, 2, {2, 3, 2, 4}}, {4, 3, {4, 2, 2, 2}},
    {2, 4, {4, 2}},
};

static const double beta = 1.7;
static const uint64_t seed = 20261128;

static int next_grid(int D, int np, int *grid)
{
  for (;;) {
    int mu = D - 1, prod = 1;
    while (mu >= 0 && grid[mu] == np) grid[mu--] = 1;
    if (mu < 0) return 0;
    grid[mu]++;
    for (int nu = 0; nu < D; nu++) prod *= grid[nu];
    if (prod == np) return 1;
  }
}

static int divides(const lat_t *t, const int *grid)
{
  for (int mu = 0; mu < t->D; mu++)
    if (t->L[mu] % grid[mu] != 0) return 0;
  return 1;
}

/* Gather per-site data (per doubles per owned site, in g->owned order) into
 * out[gsite * per] on rank 0.  Collective. */
static void gather(const geom_t *g, const double *f, int per, double *out)
{
  int np = g->nranks;
  int n = (int)g->n_owned, *counts = NULL, *displs = NULL, *cd = NULL, *dd = NULL;
  long *gs = malloc((size_t)n * sizeof *gs), *allgs = NULL;
  double *all = NULL;
  for (int i = 0; i < n; i++) gs[i] = g->gsite[g->owned[i]];
  if (g->rank == 0) {
    counts = malloc(np * sizeof *counts);
    displs = malloc(np * sizeof *displs);
    cd = malloc(np * sizeof *cd);
    dd = malloc(np * sizeof *dd);
  }
  MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, g->comm);
  if (g->rank == 0) {
    int tot = 0;
    for (int r = 0; r < np; r++) {
      displs[r] = tot;
      cd[r] = counts[r] * per;
      dd[r] = tot * per;
      tot += counts[r];
    }
    allgs = malloc((size_t)tot * sizeof *allgs);
    all = malloc((size_t)tot * per * sizeof *all);
  }
  MPI_Gatherv(gs, n, MPI_LONG, allgs, counts, displs, MPI_LONG, 0, g->comm);
  MPI_Gatherv(f, n * per, MPI_DOUBLE, all, cd, dd, MPI_DOUBLE, 0, g->comm);
  if (g->rank == 0) {
    for (long k = 0; k < g->n_global; k++)
      memcpy(out + allgs[k] * per, all + k * per, (size_t)per * sizeof(double));
  }
  free(gs); free(counts); free(displs); free(cd); free(dd); free(allgs); free(all);
}

/* Haar g(x) from the stream (seed, RNG_TEST, global site, 7). */
static void gauge_matrix(int N, long gs, cplx_t *gm)
{
  rng_stream_t s;
  rng_stream_init(&s, seed, RNG_TEST, (uint64_t)gs, 7);
  rng_haar_sun(&s, N, gm);
}

static void gauge_transform(gauge_t *a)
{
  const geom_t *g = a->g;
  const int D = g->D, N = a->n, nn = a->nn;
  cplx_t gx[64], gy[64], t[64];
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    gauge_matrix(N, g->gsite[is], gx);
    for (int mu = 0; mu < D; mu++) {
      gauge_matrix(N, g->gsite[g->up[is * D + mu]], gy);
      cplx_t *ul = gauge_link(a, is, mu);
      sun_mul(N, t, gx, ul);
      sun_mul_dag(N, ul, t, gy);
    }
  }
  (void)nn;
  gauge_exchange(a);
}

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
  MPI_Comm self;
  int rank, ones[EMF_DMAX] = {1, 1, 1, 1};
  char msg[256];
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? 0 : MPI_UNDEFINED, 0, &self);
  if (rank == 0) {
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
    gauge_transform(a);
    action_eval_all(&act, a, &s2);
    action_force_all(&act, 1, a, f2);
    check_rel(s2, *sref, 1e-12, 0.0, "N=%d D=%d: S gauge invariant", N, D);
    double worst = 0.0;
    cplx_t gx[64], m[64], t1[64], m2[64];
    double x2[64];
    for (long i = 0; i < g->n_owned; i++) {
      gauge_matrix(N, g->gsite[g->owned[i]], gx);
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
  MPI_Init(&argc, &argv);
  error_init(MPI_COMM_WORLD);
  int np, rank;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (size_t c = 0; c < sizeof lats / sizeof lats[0]; c++) {
    const lat_t *t = &lats[c];
    long vol = 1;
    for (int mu = 0; mu < t->D; mu++) vol *= t->L[mu];
    const int ng = t->N * t->N - 1, per = t->D * ng;
    double sref = 0.0, *fref = malloc((size_t)vol * per * sizeof *fref);
    double *fall = malloc((size_t)vol * per * sizeof *fall);
    reference(t, &sref, fref);
    MPI_Bcast(&sref, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    int grid[EMF_DMAX] = {1, 1, 1, 1};
    grid[t->D - 1] = 0;
    while (next_grid(t->D, np, grid)) {
      if (!divides(t, grid)) continue;
      char msg[256];
      geom_t *g = geom_alloc(MPI_COMM_WORLD, t->D, t->L, grid, 1, msg, sizeof msg);
      gauge_t *a = gauge_alloc(g, t->N);
      action_t act = {action_wilson, beta};
      double s, *f = malloc(action_force_len(a) * sizeof *f + 1);
      gauge_set_hot(a, seed);
      action_eval_all(&act, a, &s);
      action_force_all(&act, 1, a, f);
      gather(g, f, per, fall);
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
  int fails = check_finish_mpi("check_force", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails;
}
