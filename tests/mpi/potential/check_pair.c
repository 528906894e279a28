/*******************************************************************************
 * check_pair.c: the two-plaquette terms (pot_pair_*, pair.c): products of
 * adjacent plaquettes' traces and figure-eights.
 *
 * On rank 0 alone (one rank, so every link is owned), for 2D 4x4 SU(3) and
 * 3D 3x3x4 SU(2) hot fields and coefficients (alpha, gamma, delta) =
 * (0.7, -1.3, 0.45):
 *   - grad against 4th-order central differences of value along
 *     U -> exp(s T_a) U on every link and generator;
 *   - div against the sum over links and generators of the central
 *     differences of grad_a along the same direction (the Laplacian);
 *   - pot_pair_vjp: ubar against central differences of
 *     J = vbar Phi2 + <xbar, grad> + dbar div (xbar Gaussian), and dcoef
 *     against J itself (J is linear in the coefficients: dJ/dalpha = J at
 *     (1, 0, 0), and so on);
 *   - value and div unchanged by a random gauge transformation (1e-12).
 * On all ranks, for every process grid of the run's size with local
 * extents >= 2 (2D 6x6 SU(3), 3D 4x4x6 SU(2)): value, div, the gathered
 * grad and ubar, and the reduced dcoef have the bits of the one-rank
 * reference.
 * The FD tolerance: 4th-order stencils at eps = 1e-3 leave ~eps^4 of the
 * fifth derivative, so 1e-8 of the largest entry is a hundredfold margin.
 ******************************************************************************/
/* NP: 1 2 4 */
/* TIMEOUT: 300 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "potential.h"
#include "check.h"
#include "testutil.h"

static const double coef0[POT_PAIR_NCOEF] = {0.7, -1.3, 0.45};
static const double VBAR = 0.4, DBAR = -0.3;

typedef struct {
  double value, div, dcoef[POT_PAIR_NCOEF];
  double *grad, *ubar;   /* rank 0: (n_global, D, ngen), global link order */
} result_t;

typedef struct {
  geom_t *g;
  gauge_t *u;
  pot_pair_t *p;
  int per;               /* D ngen */
} setup_t;

static int setup(MPI_Comm comm, int D, const int *L, const int *grid, int N, setup_t *s)
{
  char msg[400];
  s->g = geom_alloc(comm, D, L, grid, POT_PAIR_DEPTH, msg, sizeof msg);
  if (s->g == NULL) {
    fprintf(stderr, "geom_alloc: %s\n", msg);
    return 1;
  }
  s->u = gauge_alloc(s->g, N);
  gauge_set_hot(s->u, 2027);
  s->p = pot_pair_alloc(s->u, msg, sizeof msg);
  if (s->p == NULL) fprintf(stderr, "pot_pair_alloc: %s\n", msg);
  s->per = D * (N * N - 1);
  return s->p == NULL;
}

static void release(setup_t *s)
{
  pot_pair_free(s->p);
  gauge_free(s->u);
  geom_free(s->g);
}

/* the cotangent field: a function of the global link index */
static void cotangent(const setup_t *s, double *xbar)
{
  for (long io = 0; io < s->g->n_owned; io++)
    tu_random_gauss_key(xbar + io * s->per, s->per, 77, (uint64_t)s->g->gsite[s->g->owned[io]],
                        1.0);
}

static double J_of(setup_t *s, const double coef[POT_PAIR_NCOEF], const double *xbar, double *grad)
{
  double v, d, x = 0.0;
  const long n = s->g->n_owned * s->per;
  memset(grad, 0, (size_t)n * sizeof(double));
  pot_pair_eval(s->p, s->u, coef, &v, grad, &d);
  for (long i = 0; i < n; i++) x += xbar[i] * grad[i];
  return VBAR * v + x + DBAR * d;
}

/* ---- finite differences on one rank ----------------------------------------- */

static void fd_checks(int D, const int *L, int N)
{
  const int ones[EMF_DMAX] = {1, 1, 1, 1}, ngen = N * N - 1;
  const double eps = 1e-3, st[5] = {-2, -1, 0, 1, 2};
  setup_t s;
  if (setup(MPI_COMM_SELF, D, L, ones, N, &s)) {
    check_true(0, "D=%d N=%d setup", D, N);
    return;
  }
  const long n = s.g->n_owned * s.per;
  double *grad = calloc((size_t)n, sizeof(double)), *g2 = calloc((size_t)n, sizeof(double));
  double *xbar = malloc((size_t)n * sizeof(double)), *ubar = calloc((size_t)n, sizeof(double));
  double value, div, lap = 0.0, egrad = 0.0, eubar = 0.0, sgrad = 0.0, subar = 0.0;
  qsum_t dc[POT_PAIR_NCOEF] = {{0, 0}, {0, 0}, {0, 0}};
  cplx_t save[EMF_NMAX * EMF_NMAX];
  cotangent(&s, xbar);
  pot_pair_eval(s.p, s.u, coef0, &value, grad, &div);
  pot_pair_vjp(s.p, s.u, coef0, VBAR, xbar, DBAR, ubar, dc);
  for (long io = 0; io < s.g->n_owned; io++)
    for (int mu = 0; mu < D; mu++) {
      cplx_t *l = gauge_link(s.u, s.g->owned[io], mu);
      memcpy(save, l, (size_t)N * N * sizeof(cplx_t));
      for (int a = 0; a < ngen; a++) {
        const long k = (io * D + mu) * ngen + a;
        double fv[5], fg[5], fj[5];
        for (int i = 0; i < 5; i++) {
          if (i == 2) continue;
          tu_shift(N, l, a, st[i] * eps, save);
          fj[i] = J_of(&s, coef0, xbar, g2);
          fg[i] = g2[k];
          pot_pair_eval(s.p, s.u, coef0, &fv[i], NULL, NULL);
        }
        memcpy(l, save, (size_t)N * N * sizeof(cplx_t));
        fv[2] = fg[2] = fj[2] = 0.0;
        egrad = fmax(egrad, fabs(tu_fd1(fv, eps) - grad[k]));
        eubar = fmax(eubar, fabs(tu_fd1(fj, eps) - ubar[k]));
        sgrad = fmax(sgrad, fabs(grad[k]));
        subar = fmax(subar, fabs(ubar[k]));
        lap += tu_fd1(fg, eps);
      }
    }
  check_true(sgrad > 1e-3 && subar > 1e-3 && fabs(div) > 1e-3, "D=%d N=%d nontrivial", D, N);
  check_abs(egrad, 0.0, 1e-8 * sgrad, "D=%d N=%d grad vs FD of value (max |grad| %.3g)", D, N,
            sgrad);
  check_rel(div, lap, 1e-8, 0.0, "D=%d N=%d div vs FD of grad", D, N);
  check_abs(eubar, 0.0, 1e-8 * subar, "D=%d N=%d VJP vs FD of J (max |ubar| %.3g)", D, N, subar);
  {
    const double e0[3] = {1.0, 0.0, 0.0}, e1[3] = {0.0, 1.0, 0.0}, e2[3] = {0.0, 0.0, 1.0};
    check_rel(qsum_value(&dc[0]), J_of(&s, e0, xbar, g2), 1e-12, 1e-13,
              "D=%d N=%d dJ/dalpha = J(1, 0, 0)", D, N);
    check_rel(qsum_value(&dc[1]), J_of(&s, e1, xbar, g2), 1e-12, 1e-13,
              "D=%d N=%d dJ/dgamma = J(0, 1, 0)", D, N);
    check_rel(qsum_value(&dc[2]), J_of(&s, e2, xbar, g2), 1e-12, 1e-13,
              "D=%d N=%d dJ/ddelta = J(0, 0, 1)", D, N);
  }
  {
    double v2, d2;
    tu_gauge_transform(s.u, 99, 0);
    pot_pair_eval(s.p, s.u, coef0, &v2, NULL, &d2);
    check_rel(v2, value, 1e-12, 1e-12, "D=%d N=%d value gauge invariant", D, N);
    check_rel(d2, div, 1e-12, 1e-12, "D=%d N=%d div gauge invariant", D, N);
  }
  free(grad);
  free(g2);
  free(xbar);
  free(ubar);
  release(&s);
}

/* ---- grid independence ------------------------------------------------------ */

static int evaluate(MPI_Comm comm, int D, const int *L, const int *grid, int N, result_t *r)
{
  setup_t s;
  if (setup(comm, D, L, grid, N, &s)) return 1;
  const long n = s.g->n_owned * s.per;
  double *grad = calloc((size_t)n, sizeof(double)), *xbar = malloc((size_t)n * sizeof(double));
  qsum_t dc[POT_PAIR_NCOEF] = {{0, 0}, {0, 0}, {0, 0}};
  int st;
  cotangent(&s, xbar);
  st = pot_pair_eval(s.p, s.u, coef0, &r->value, grad, &r->div);
  tu_gather_sites(s.g, grad, s.per, r->grad);
  memset(grad, 0, (size_t)n * sizeof(double));
  st |= pot_pair_vjp(s.p, s.u, coef0, VBAR, xbar, DBAR, grad, dc);
  tu_gather_sites(s.g, grad, s.per, r->ubar);
  qsum_allreduce(dc, POT_PAIR_NCOEF, comm);
  for (int i = 0; i < POT_PAIR_NCOEF; i++) r->dcoef[i] = qsum_value(&dc[i]);
  free(grad);
  free(xbar);
  release(&s);
  return st;
}

static void grid_checks(int D, const int *L, int N)
{
  int rank, nr, grids[TU_MAX_GRIDS][EMF_DMAX];
  const size_t gsz = (size_t)tu_volume(D, L) * D * (N * N - 1);
  result_t ref = {0}, res = {0};
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nr);
  ref.grad = calloc(gsz, sizeof(double));
  ref.ubar = calloc(gsz, sizeof(double));
  res.grad = calloc(gsz, sizeof(double));
  res.ubar = calloc(gsz, sizeof(double));
  if (rank == 0) {
    const int ones[EMF_DMAX] = {1, 1, 1, 1};
    check_int(evaluate(MPI_COMM_SELF, D, L, ones, N, &ref), 0, "D=%d N=%d reference", D, N);
  }
  MPI_Bcast(&ref.value, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(&ref.div, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(ref.dcoef, POT_PAIR_NCOEF, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  const int ng = tu_grids_deep(D, L, POT_PAIR_DEPTH, 3, tu_grids(D, L, nr, grids), grids);
  check_true(ng > 0, "D=%d some grid of %d ranks", D, nr);
  for (int i = 0; i < ng; i++) {
    const int *gr = grids[i];
    char gs[64];
    snprintf(gs, sizeof gs, "%d %d %d", gr[0], gr[1], D > 2 ? gr[2] : 0);
    check_int(evaluate(MPI_COMM_WORLD, D, L, gr, N, &res), 0, "D=%d grid %s status", D, gs);
    check_bits(&res.value, &ref.value, sizeof(double), "D=%d N=%d grid %s value bits", D, N, gs);
    check_bits(&res.div, &ref.div, sizeof(double), "D=%d N=%d grid %s div bits", D, N, gs);
    check_bits(res.dcoef, ref.dcoef, sizeof ref.dcoef, "D=%d N=%d grid %s dcoef bits", D, N, gs);
    if (rank == 0) {
      check_bits(res.grad, ref.grad, gsz * sizeof(double), "D=%d N=%d grid %s grad bits", D, N, gs);
      check_bits(res.ubar, ref.ubar, gsz * sizeof(double), "D=%d N=%d grid %s VJP bits", D, N, gs);
    }
  }
  free(ref.grad);
  free(ref.ubar);
  free(res.grad);
  free(res.ubar);
}

/* a halo of depth 1 and an extent of 2 are refused with a message */
static void refusals(void)
{
  const int L[2] = {4, 2}, L2[2] = {4, 4}, ones[2] = {1, 1};
  char msg[400] = "";
  geom_t *g = geom_alloc(MPI_COMM_SELF, 2, L, ones, 2, msg, sizeof msg);
  gauge_t *u = gauge_alloc(g, 2);
  check_true(pot_pair_alloc(u, msg, sizeof msg) == NULL && strstr(msg, "extent 2") != NULL,
             "extent 2 refused: %s", msg);
  gauge_free(u);
  geom_free(g);
  g = geom_alloc(MPI_COMM_SELF, 2, L2, ones, 1, msg, sizeof msg);
  u = gauge_alloc(g, 2);
  check_true(pot_pair_alloc(u, msg, sizeof msg) == NULL && strstr(msg, "halo depth 1") != NULL,
             "depth 1 refused: %s", msg);
  gauge_free(u);
  geom_free(g);
}

int main(int argc, char **argv)
{
  int np, rank;
  const int L2[2] = {4, 4}, L3[3] = {3, 3, 4}, G2[2] = {6, 6}, G3[3] = {4, 4, 6};
  tu_mpi_init(&argc, &argv, &np, &rank);
  if (rank == 0) {
    fd_checks(2, L2, 3);
    fd_checks(3, L3, 2);
    refusals();
  }
  grid_checks(2, G2, 3);
  grid_checks(3, G3, 2);
  return tu_mpi_finish("check_pair");
}
