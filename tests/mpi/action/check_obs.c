/*******************************************************************************
 * check_obs.c: Wilson loops, Polyakov loop and clover topological charge.
 *
 * NP: 1 2 4
 * TIMEOUT: 300
 *
 * On hot-start fields (2D SU(3) 6x4, 3D SU(2) 4x3x6, 4D SU(3) 4x4x2x4):
 *   - reference (rank 0 alone): W(R,T) for R, T = 1..3 equals a brute-force
 *     evaluation from global coordinates (explicit products around every
 *     rectangle) to 1e-13; W(1,1) equals gauge_plaquette_all to 1e-14;
 *     the Polyakov loop equals the brute-force mean over spatial sites of
 *     (1/N) tr prod_t U_{D-1}(x, t) to 1e-13;
 *   - W(2,3), the Polyakov loop and Q are gauge invariant (random gauge
 *     transformation) to 1e-12 (relative) / 1e-11 (Q absolute);
 *   - every process grid of the np ranks dividing the lattice gives the
 *     same bits for W(R,T), the Polyakov loop and Q as the reference.
 * Cold field: W = 1, Polyakov loop 1, Q = 0 exactly.
 * Topological charge normalisation and sign (4D 4^4 and 4x6x4x4, N = 2, 3):
 * a constant abelian field diag(e^{i phi}, e^{-i phi}(, 1)) with n01, n23
 * flux quanta, every (0,1) plaquette angle theta01 = 2 pi n01/(L0 L1) and
 * every (2,3) angle theta23 = 2 pi n23/(L2 L3) (other plaquettes 1), has
 * clover charge exactly Q = V sin(theta01) sin(theta23) / (2 pi^2), which
 * is 2 n01 n23 in the continuum limit; checked to 1e-12 relative for
 * (n01, n23) = (1, 1) and (1, -2).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "obs.h"
#include "testutil.h"
#include "util.h"

typedef struct { int D, N; int L[EMF_DMAX]; } lat_t;

static const lat_t lats[] = {
    {2, 3, {6, 4}}, {3, 2, {4, 3, 6}}, {4, 3, {4, 4, 2, 4}},
};

#define RMAX 3
typedef struct { double w[RMAX][RMAX], pl[2], q; } res_t;

/* link at global coordinates x (periodic) on a single-rank field */
static const cplx_t *link_at(const gauge_t *a, const int *x, int mu)
{
  const geom_t *g = a->g;
  int y[EMF_DMAX];
  for (int k = 0; k < g->D; k++) y[k] = ((x[k] % g->L[k]) + g->L[k]) % g->L[k] + g->depth;
  return gauge_link(a, geom_index(g, y), mu);
}

/* m <- m * (product of n links from x along mu), x advanced */
static void walk(const gauge_t *a, cplx_t *m, int *x, int mu, int n)
{
  cplx_t t[64];
  for (int k = 0; k < n; k++) {
    sun_mul(a->n, t, m, link_at(a, x, mu));
    memcpy(m, t, a->nn * sizeof(cplx_t));
    x[mu]++;
  }
}

static double brute_wilson(const gauge_t *a, int R, int T)
{
  const geom_t *g = a->g;
  const int D = g->D, N = a->n;
  double s = 0.0;
  long cnt = 0;
  for (long i = 0; i < g->n_owned; i++) {
    int x0[EMF_DMAX];
    geom_global_coords(g, g->owned[i], x0);
    for (int mu = 0; mu < D; mu++)
      for (int nu = 0; nu < D; nu++) {
        if (mu == nu) continue;
        cplx_t p1[64], p2[64];
        int x[EMF_DMAX];
        sun_unit(N, p1);
        memcpy(x, x0, sizeof x);
        walk(a, p1, x, mu, R);   /* x -> x + R mu */
        walk(a, p1, x, nu, T);   /* -> x + R mu + T nu */
        sun_unit(N, p2);
        memcpy(x, x0, sizeof x);
        walk(a, p2, x, nu, T);
        walk(a, p2, x, mu, R);
        cplx_t d[64];
        sun_dag(N, d, p2);
        s += sun_retrace_mul(N, p1, d) / N;
        cnt++;
      }
  }
  return s / cnt;
}

static void brute_polyakov(const gauge_t *a, double *pl)
{
  const geom_t *g = a->g;
  const int D = g->D, N = a->n;
  cplx_t s = 0.0;
  long cnt = 0;
  for (long i = 0; i < g->n_owned; i++) {
    int x[EMF_DMAX];
    geom_global_coords(g, g->owned[i], x);
    if (x[D - 1] != 0) continue;
    cplx_t p[64];
    sun_unit(N, p);
    walk(a, p, x, D - 1, g->L[D - 1]);
    s += sun_trace(N, p) / N;
    cnt++;
  }
  pl[0] = creal(s) / cnt;
  pl[1] = cimag(s) / cnt;
}

static void measure(gauge_t *u, res_t *r)
{
  for (int R = 1; R <= RMAX; R++)
    for (int T = 1; T <= RMAX; T++)
      check_int(obs_wilson_loop_all(u, R, T, &r->w[R - 1][T - 1]), EMF_SUCCESS, "W status");
  check_int(obs_polyakov_all(u, r->pl), EMF_SUCCESS, "Polyakov status");
  r->q = 0.0;
  if (u->g->D == 4) check_int(obs_topcharge_all(u, &r->q), EMF_SUCCESS, "Q status");
  else check_int(obs_topcharge_all(u, &r->q), EMF_ENOTSUP, "Q refused for D != 4");
}

static void reference(const lat_t *t, res_t *ref)
{
  int ones[EMF_DMAX] = {1, 1, 1, 1};
  char msg[256];
  MPI_Comm self = tu_comm_first(1);
  if (self == MPI_COMM_NULL) return;
  geom_t *g = geom_alloc(self, t->D, t->L, ones, 1, msg, sizeof msg);
  gauge_t *u = gauge_alloc(g, t->N);
  res_t r, rc;
  measure(u, &rc);
  for (int R = 0; R < RMAX; R++)
    for (int T = 0; T < RMAX; T++)
      check_rel(rc.w[R][T], 1.0, 0.0, 0.0, "cold W(%d,%d) = 1", R + 1, T + 1);
  check_rel(rc.pl[0], 1.0, 0.0, 0.0, "cold Polyakov = 1");
  check_rel(rc.q, 0.0, 0.0, 0.0, "cold Q = 0");
  gauge_set_hot(u, 77);
  measure(u, ref);
  for (int R = 1; R <= RMAX; R++)
    for (int T = 1; T <= RMAX; T++)
      check_rel(ref->w[R - 1][T - 1], brute_wilson(u, R, T), 1e-13, 1e-13,
                "N=%d D=%d: W(%d,%d) vs brute force", t->N, t->D, R, T);
  check_rel(ref->w[0][0], gauge_plaquette_all(u), 1e-14, 1e-15, "N=%d D=%d: W(1,1) = plaquette",
            t->N, t->D);
  double bp[2];
  brute_polyakov(u, bp);
  check_rel(ref->pl[0], bp[0], 1e-13, 1e-13, "N=%d D=%d: Re Polyakov vs brute force", t->N, t->D);
  check_rel(ref->pl[1], bp[1], 1e-13, 1e-13, "N=%d D=%d: Im Polyakov vs brute force", t->N, t->D);
  tu_gauge_transform(u, 3, 9);
  measure(u, &r);
  check_rel(r.w[1][2], ref->w[1][2], 1e-12, 1e-14, "N=%d D=%d: W(2,3) gauge invariant", t->N, t->D);
  check_rel(r.pl[0], ref->pl[0], 1e-12, 1e-14, "N=%d D=%d: Re P gauge invariant", t->N, t->D);
  check_rel(r.pl[1], ref->pl[1], 1e-12, 1e-14, "N=%d D=%d: Im P gauge invariant", t->N, t->D);
  check_abs(r.q, ref->q, 1e-11, "N=%d D=%d: Q gauge invariant", t->N, t->D);
  gauge_free(u);
  geom_free(g);
  MPI_Comm_free(&self);
}

/* constant abelian flux; returns the exact clover charge */
static double set_flux(gauge_t *u, int n01, int n23)
{
  const geom_t *g = u->g;
  const int *L = g->L, N = u->n;
  const double th01 = 2.0 * M_PI * n01 / (L[0] * L[1]);
  const double th23 = 2.0 * M_PI * n23 / (L[2] * L[3]);
  for (long i = 0; i < g->n_owned; i++) {
    int x[4];
    geom_global_coords(g, g->owned[i], x);
    double phi[4] = {x[0] == L[0] - 1 ? -th01 * L[0] * x[1] : 0.0, th01 * x[0],
                     x[2] == L[2] - 1 ? -th23 * L[2] * x[3] : 0.0, th23 * x[2]};
    for (int mu = 0; mu < 4; mu++) {
      cplx_t *ul = gauge_link(u, g->owned[i], mu);
      sun_unit(N, ul);
      ul[0] = cexp(I * phi[mu]);
      ul[N + 1] = cexp(-I * phi[mu]);
    }
  }
  gauge_exchange(u);
  return (double)g->n_global * sin(th01) * sin(th23) / (2.0 * M_PI * M_PI);
}

int main(int argc, char **argv)
{
  int np, rank;
  tu_mpi_init(&argc, &argv, &np, &rank);
  for (size_t c = 0; c < sizeof lats / sizeof lats[0]; c++) {
    const lat_t *t = &lats[c];
    res_t ref, r;
    memset(&ref, 0, sizeof ref);
    reference(t, &ref);
    MPI_Bcast(&ref, sizeof ref, MPI_BYTE, 0, MPI_COMM_WORLD);
    int grids[TU_MAX_GRIDS][EMF_DMAX], ngrid = tu_grids(t->D, t->L, np, grids);
    for (int ig = 0; ig < ngrid; ig++) {
      const int *grid = grids[ig];
      char msg[256];
      geom_t *g = geom_alloc(MPI_COMM_WORLD, t->D, t->L, grid, 1, msg, sizeof msg);
      gauge_t *u = gauge_alloc(g, t->N);
      gauge_set_hot(u, 77);
      measure(u, &r);
      check_bits(&r, &ref, sizeof r, "N=%d D=%d grid %d %d %d %d: W, P, Q bits", t->N, t->D,
                 grid[0], grid[1], grid[2], grid[3]);
      gauge_free(u);
      geom_free(g);
    }
  }
  static const int Lq[2][4] = {{4, 4, 4, 4}, {4, 6, 4, 4}};
  static const int nq[2][2] = {{1, 1}, {1, -2}};
  for (int N = 2; N <= 3; N++)
    for (int k = 0; k < 2; k++)
      for (int j = 0; j < 2; j++) {
        int req[4] = {0, 0, 0, 0}, grid[4];
        char msg[256];
        geom_choose_grid(4, Lq[k], np, req, grid, msg, sizeof msg);
        geom_t *g = geom_alloc(MPI_COMM_WORLD, 4, Lq[k], grid, 1, msg, sizeof msg);
        gauge_t *u = gauge_alloc(g, N);
        double q, qex = set_flux(u, nq[j][0], nq[j][1]);
        obs_topcharge_all(u, &q);
        check_rel(q, qex, 1e-12, 0.0, "N=%d L=%d%d%d%d flux (%d,%d): Q = %.6f, exact %.6f "
                  "(continuum %d)", N, Lq[k][0], Lq[k][1], Lq[k][2], Lq[k][3], nq[j][0],
                  nq[j][1], q, qex, 2 * nq[j][0] * nq[j][1]);
        gauge_free(u);
        geom_free(g);
      }
  return tu_mpi_finish("check_obs");
}
