/*******************************************************************************
 * check_lattice.c: the lattice-level potential gives the same bits on every
 * process grid.
 *
 * A reference is computed on rank 0 alone (a sub-communicator of size 1,
 * grid 1, batch size 5); then, on all ranks, for every process grid of the
 * run's size whose local extents cover the halo depth (at most 3 grids),
 * the same hot configuration (seed-keyed, grid-independent) is evaluated
 * with batch size 3.  value, div (generic path) and value (Wilson fast path)
 * must equal the reference bit for bit on every rank; the gradients (generic
 * and Wilson) are gathered to rank 0 in global link order and compared with
 * memcmp, and so is the backward pot_lat_vjp (a cotangent field that is a
 * function of the global link index); its parameter gradient, summed over
 * ranks, must equal the reference to 1e-12 (each loop counted once).
 * Cases: 2D 8x8 SU(3) plaquettes + rectangles, quadratic F with
 * K = 2; 4D 4^4 SU(2) plaquettes + rectangles, K = 2.  The Wilson fast path
 * is also compared with the generic Wilson potential on plaquettes (1e-13).
 * Finally an F that fails on the last rank only: a value request fails on
 * every rank (the status is agreed, nobody hangs), a gradient-only request
 * reports locally.
 ******************************************************************************/
/* NP: 1 2 4 */
/* TIMEOUT: 120 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "potential.h"
#include "rng.h"
#include "util.h"
#include "check.h"

typedef struct {
  double value, div, wvalue;
  double *grad, *wgrad;   /* (n_global, D, ngen) in global link order */
  double *ubar;           /* pot_lat_vjp, same layout */
  double da[POT_MMAX];    /* parameter gradient summed over ranks */
} result_t;

static void quad_f(pot_quad_t *q, int K)
{
  rng_stream_t rs;
  int m = 2 * K;
  rng_stream_init(&rs, 31337, RNG_TEST, 0, 0);
  memset(q, 0, sizeof *q);
  q->K = K;
  for (int j = 0; j < m; j++) {
    q->a[j] = rng_gaussian(&rs);
    q->e[j] = rng_gaussian(&rs);
    for (int k = 0; k <= j; k++) q->B[j * m + k] = q->B[k * m + j] = 0.3 * rng_gaussian(&rs);
  }
}

/* Gathers a field (n_owned, D*ngen) to rank 0 in global site order. */
static void gather_field(const geom_t *g, const double *loc, int per_site,
                         double *glob)
{
  int nr = g->nranks, me = g->rank;
  int cnt = (int)g->n_owned, *counts = NULL, *displs = NULL, *dcounts = NULL, *ddispl = NULL;
  long *gs = malloc((size_t)cnt * sizeof(long)), *allgs = NULL;
  double *all = NULL;
  for (int i = 0; i < cnt; i++) gs[i] = g->gsite[g->owned[i]];
  if (me == 0) {
    counts = malloc((size_t)nr * sizeof(int));
    displs = malloc((size_t)nr * sizeof(int));
    dcounts = malloc((size_t)nr * sizeof(int));
    ddispl = malloc((size_t)nr * sizeof(int));
  }
  MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, 0, g->comm);
  if (me == 0) {
    int off = 0;
    for (int r = 0; r < nr; r++) {
      displs[r] = off;
      dcounts[r] = counts[r] * per_site;
      ddispl[r] = off * per_site;
      off += counts[r];
    }
    allgs = malloc((size_t)off * sizeof(long));
    all = malloc((size_t)off * per_site * sizeof(double));
  }
  MPI_Gatherv(gs, cnt, MPI_LONG, allgs, counts, displs, MPI_LONG, 0, g->comm);
  MPI_Gatherv(loc, cnt * per_site, MPI_DOUBLE, all, dcounts, ddispl, MPI_DOUBLE, 0, g->comm);
  if (me == 0) {
    for (long i = 0; i < g->n_global; i++)
      memcpy(glob + allgs[i] * per_site, all + i * per_site, (size_t)per_site * sizeof(double));
    free(counts);
    free(displs);
    free(dcounts);
    free(ddispl);
    free(allgs);
    free(all);
  }
  free(gs);
}

/* Evaluates everything on comm with the given grid; gradients to rank 0. */
static int evaluate(MPI_Comm comm, int D, const int *L, const int *grid, int N,
                    int K, int nb, result_t *r)
{
  char msg[400];
  loop_set_t *ls = loops_alloc(D);
  loops_add_plaquettes(ls);
  loops_add_rectangles(ls);
  geom_t *g = geom_alloc(comm, D, L, grid, loops_depth(ls), msg, sizeof msg);
  if (g == NULL) {
    fprintf(stderr, "geom_alloc: %s\n", msg);
    return 1;
  }
  gauge_t *u = gauge_alloc(g, N);
  gauge_set_hot(u, 2026);
  pot_lat_t *p = pot_lat_alloc(u, ls, K, nb, 0, msg, sizeof msg);
  if (p == NULL) {
    fprintf(stderr, "pot_lat_alloc: %s\n", msg);
    return 1;
  }
  int per_site = D * (N * N - 1);
  double *grad = malloc((size_t)(g->n_owned > 0 ? g->n_owned : 1) * per_site * sizeof(double));
  pot_quad_t q;
  pot_func_t F;
  quad_f(&q, K);
  pot_func_quad(&F, &q);
  int st = pot_lat_eval(p, u, &F, 0.4, &r->value, grad, &r->div);
  gather_field(g, grad, per_site, r->grad);
  /* backward with a cotangent field that is a function of the global link */
  {
    double *xbar = malloc((size_t)(g->n_owned > 0 ? g->n_owned : 1) * per_site * sizeof(double));
    double da[POT_MMAX] = {0};
    for (long io = 0; io < g->n_owned; io++)
      for (int k = 0; k < per_site; k++)
        xbar[io * per_site + k] = sin(0.37 * (double)(g->gsite[g->owned[io]] * per_site + k));
    q.da = da;
    st |= pot_lat_vjp(p, u, &F, 0.4, 0.3, xbar, -0.6, grad);
    q.da = NULL;
    gather_field(g, grad, per_site, r->ubar);
    MPI_Allreduce(da, r->da, 2 * K, MPI_DOUBLE, MPI_SUM, comm);
    free(xbar);
  }
  st |= pot_wilson_eval(u, 5.5, &r->wvalue, grad);
  gather_field(g, grad, per_site, r->wgrad);
  /* the generic Wilson potential on plaquettes agrees to rounding */
  {
    loop_set_t *lp = loops_alloc(D);
    loops_add_plaquettes(lp);
    pot_lat_t *pp = pot_lat_alloc(u, lp, 1, nb, 0, msg, sizeof msg);
    pot_quad_t qw;
    pot_func_t Fw;
    double vg, *gg = malloc((size_t)(g->n_owned > 0 ? g->n_owned : 1) * per_site * sizeof(double));
    double dev = 0, big = 0;
    pot_func_wilson(&Fw, &qw, 5.5, N);
    st |= pot_lat_eval(pp, u, &Fw, 0.0, &vg, gg, NULL);
    for (long i = 0; i < g->n_owned * per_site; i++) {
      dev = fmax(dev, fabs(gg[i] - grad[i]));
      big = fmax(big, fabs(gg[i]));
    }
    check_abs(dev, 0.0, 1e-13 * big, "D=%d N=%d Wilson fast vs generic gradient (grid %d %d ...)",
              D, N, grid[0], grid[1]);
    check_rel(r->wvalue, vg, 1e-13, 1e-14 * 5.5 * g->n_global * D * (D - 1) / 2,
              "D=%d N=%d Wilson fast vs generic value", D, N);
    free(gg);
    pot_lat_free(pp);
    loops_free(lp);
  }
  free(grad);
  pot_lat_free(p);
  gauge_free(u);
  geom_free(g);
  loops_free(ls);
  return st;
}

/* Up to 3 grids of nr ranks with l[mu] >= depth. */
static int list_grids(int D, const int *L, int nr, int depth, int grids[][EMF_DMAX])
{
  int ng = 0, gr[EMF_DMAX];
  long total = 1;
  for (int mu = 0; mu < D; mu++) total *= nr;
  for (long c = 0; c < total && ng < 3; c++) {
    long cc = c, prod = 1;
    int ok = 1;
    for (int mu = 0; mu < D; mu++) {
      gr[mu] = (int)(cc % nr) + 1;
      cc /= nr;
      prod *= gr[mu];
      if (L[mu] % gr[mu] != 0 || L[mu] / gr[mu] < depth) ok = 0;
    }
    if (ok && prod == nr) memcpy(grids[ng++], gr, sizeof gr);
  }
  return ng;
}

static void run(int D, const int *L, int N, int K)
{
  int rank, nr;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nr);
  long nglob = 1;
  for (int mu = 0; mu < D; mu++) nglob *= L[mu];
  size_t gsz = (size_t)nglob * D * (N * N - 1);
  result_t ref = {0}, res = {0};
  ref.grad = calloc(gsz, sizeof(double));
  ref.wgrad = calloc(gsz, sizeof(double));
  res.grad = calloc(gsz, sizeof(double));
  res.wgrad = calloc(gsz, sizeof(double));
  ref.ubar = calloc(gsz, sizeof(double));
  res.ubar = calloc(gsz, sizeof(double));
  MPI_Comm self;
  MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? 0 : MPI_UNDEFINED, 0, &self);
  if (rank == 0) {
    int ones[EMF_DMAX] = {1, 1, 1, 1};
    check_int(evaluate(self, D, L, ones, N, K, 5, &ref), 0, "D=%d N=%d reference", D, N);
    MPI_Comm_free(&self);
  }
  MPI_Bcast(&ref.value, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(&ref.div, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(&ref.wvalue, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(ref.da, POT_MMAX, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  int grids[3][EMF_DMAX];
  int ng = list_grids(D, L, nr, 2, grids);
  check_true(ng > 0, "D=%d some grid of %d ranks", D, nr);
  for (int i = 0; i < ng; i++) {
    int *gr = grids[i];
    char gs[64];
    snprintf(gs, sizeof gs, "%d %d %d %d", gr[0], gr[1], D > 2 ? gr[2] : 0, D > 3 ? gr[3] : 0);
    check_int(evaluate(MPI_COMM_WORLD, D, L, gr, N, K, 3, &res), 0, "D=%d N=%d grid %s status", D, N, gs);
    check_bits(&res.value, &ref.value, sizeof(double), "D=%d N=%d grid %s value bits", D, N, gs);
    check_bits(&res.div, &ref.div, sizeof(double), "D=%d N=%d grid %s div bits", D, N, gs);
    check_bits(&res.wvalue, &ref.wvalue, sizeof(double), "D=%d N=%d grid %s Wilson value bits", D, N, gs);
    if (rank == 0) {
      check_bits(res.grad, ref.grad, gsz * sizeof(double), "D=%d N=%d grid %s gradient bits", D, N, gs);
      check_bits(res.wgrad, ref.wgrad, gsz * sizeof(double), "D=%d N=%d grid %s Wilson gradient bits", D, N, gs);
      check_bits(res.ubar, ref.ubar, gsz * sizeof(double), "D=%d N=%d grid %s VJP bits", D, N, gs);
      check_true(ref.value != 0.0 && ref.div != 0.0, "D=%d N=%d nontrivial reference", D, N);
      for (int j = 0; j < 2 * K; j++)
        check_rel(res.da[j], ref.da[j], 1e-12, 1e-12 * fabs(ref.da[0]),
                  "D=%d N=%d grid %s parameter gradient %d (each loop once)", D, N, gs, j);
    }
  }
  free(ref.grad);
  free(ref.wgrad);
  free(res.grad);
  free(res.wgrad);
  free(ref.ubar);
  free(res.ubar);
}

/* An F that fails (EMF_ERANGE) on one rank only. */
typedef struct {
  pot_quad_t q;
  int fail;
} failing_t;

static int failing_forward(void *ctx, double *out, int shape, double t, int nb,
                           const double *f, const double *G, const double *h)
{
  failing_t *c = ctx;
  pot_func_t F;
  if (c->fail) return EMF_ERANGE;
  pot_func_quad(&F, &c->q);
  return F.forward(&c->q, out, shape, t, nb, f, G, h);
}

/* value/div requests agree on the status over the ranks (no rank hangs in
 * a reduction); a gradient-only request reports locally. */
static void status_agreement(void)
{
  int rank, nr, L[2] = {8, 8}, grid[2] = {0, 0};
  char msg[400];
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nr);
  geom_choose_grid(2, L, nr, NULL, grid, msg, sizeof msg);
  loop_set_t *ls = loops_alloc(2);
  loops_add_plaquettes(ls);
  geom_t *g = geom_alloc(MPI_COMM_WORLD, 2, L, grid, 1, msg, sizeof msg);
  gauge_t *u = gauge_alloc(g, 2);
  gauge_set_hot(u, 5);
  pot_lat_t *p = pot_lat_alloc(u, ls, 1, 8, 0, msg, sizeof msg);
  failing_t c;
  pot_func_t F;
  double v, *grad = malloc((size_t)g->n_owned * 2 * 3 * sizeof(double));
  pot_func_wilson(&F, &c.q, 1.0, 2);
  F.ctx = &c;
  F.forward = failing_forward;
  c.fail = rank == nr - 1;
  check_true(pot_lat_eval(p, u, &F, 0.0, &v, NULL, NULL) != EMF_SUCCESS,
             "F failing on rank %d of %d: value request fails on every rank", nr - 1, nr);
  check_int(pot_lat_eval(p, u, &F, 0.0, NULL, grad, NULL), c.fail ? EMF_ERANGE : EMF_SUCCESS,
            "gradient-only request reports locally");
  c.fail = 0;
  check_int(pot_lat_eval(p, u, &F, 0.0, &v, grad, NULL), EMF_SUCCESS, "no failure: success");
  free(grad);
  pot_lat_free(p);
  gauge_free(u);
  geom_free(g);
  loops_free(ls);
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int L2[2] = {8, 8}, L4[4] = {4, 4, 4, 4};
  run(2, L2, 3, 2);
  run(4, L4, 2, 2);
  status_agreement();
  int fails = check_finish_mpi("check_lattice", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails;
}
