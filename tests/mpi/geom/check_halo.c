/*******************************************************************************
 * check_halo.c: geometry tables, halo exchange and halo reduction on every
 * process grid the lattice allows.
 *
 * NP: 1 2 3 4
 * TIMEOUT: 120
 *
 * For D = 2, 3, 4, a few lattices (odd extents, extents equal to the halo
 * depth), every process grid of np ranks that divides the lattice (e.g. np =
 * 4 in 2D: 4x1, 2x2, 1x4) and depths 0, 1, 2 (where depth <= l):
 *   - tables: geom_coords/geom_index round trip; up/dn equal geom_shift by
 *     +-1 and step the global coordinates by +-1 mod L, -1 exactly at the box
 *     edge; gsite agrees with geom_global_coords; is_owned and owned[] agree
 *     with the coordinates, owned[] in increasing global order; cpos and the
 *     neighbour ranks agree with MPI_Cart_coords;
 *   - the owned sites of all ranks cover every global site exactly once;
 *   - site field: owned sites hold their global coordinates, halos a poison
 *     value; after halo_exchange every extended site (corners included) holds
 *     exactly what geom_global_coords says (twice, the plan is reused);
 *   - link field (D*N*N*2 doubles per site, N = 2): element k of link mu holds
 *     (gsite*D + mu)*N*N*2 + k; checked bitwise after the exchange;
 *   - halo_reduce: halo element k of a copy of site gs holds (gs+1)(k+1),
 *     owned sites 0; after the reduction every owned site holds (gs+1)(k+1)
 *     times the number of halo copies of gs over all ranks (counted
 *     independently from gsite), and every halo site is 0;
 *   - adjointness with random data: <E x, y> (extended, all ranks) equals
 *     <x, R y> (owned), E = exchange, R = reduce, to 1e-12 relative;
 *   - geom_alloc returns NULL on every rank when the depth differs between
 *     ranks (np > 1).
 * One check per case and property, so a failure names the case.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "geom.h"
#include "util.h"

#define NC 2   /* N of the link field */

typedef struct {
  int D;
  int L[4];
} lattice_t;

static const lattice_t lattices[] = {
    {2, {12, 12}}, {2, {5, 6}}, {2, {3, 4}}, {2, {2, 2}}, {2, {1, 4}},
    {3, {6, 4, 5}}, {3, {4, 6, 3}}, {3, {2, 3, 4}},
    {4, {4, 3, 4, 6}}, {4, {2, 2, 2, 2}}, {4, {3, 5, 2, 4}}, {4, {4, 4, 4, 8}},
};

static char label[160];

/* Tables against coordinates; number of disagreements on this rank. */
static long check_tables(const geom_t *g)
{
  const int D = g->D;
  long bad = 0, k = 0, prev = -1;
  int y[4], y2[4], x[4], xn[4], c[4], steps[4] = {0, 0, 0, 0};

  MPI_Cart_coords(g->comm, g->rank, D, c);
  for (int mu = 0; mu < D; mu++) {
    int cu[4], cd[4];
    memcpy(cu, c, sizeof c);
    memcpy(cd, c, sizeof c);
    cu[mu] = (c[mu] + 1) % g->grid[mu];
    cd[mu] = (c[mu] + g->grid[mu] - 1) % g->grid[mu];
    int ru, rd;
    MPI_Cart_rank(g->comm, cu, &ru);
    MPI_Cart_rank(g->comm, cd, &rd);
    bad += (c[mu] != g->cpos[mu]) + (ru != g->nbr_up[mu]) + (rd != g->nbr_dn[mu]);
    bad += (g->l[mu] * g->grid[mu] != g->L[mu]) + (g->e[mu] != g->l[mu] + 2 * g->depth);
  }
  for (long is = 0; is < g->n_ext; is++) {
    int own = 1;
    geom_coords(g, is, y);
    bad += (geom_index(g, y) != is);
    geom_global_coords(g, is, x);
    bad += (geom_global_index(g, x) != g->gsite[is]);
    for (int mu = 0; mu < D; mu++) {
      long v = ((long)g->cpos[mu] * g->l[mu] + y[mu] - g->depth) % g->L[mu];
      if (v < 0) v += g->L[mu];
      bad += (x[mu] != v) + (x[mu] < 0) + (x[mu] >= g->L[mu]);
      if (y[mu] < g->depth || y[mu] >= g->depth + g->l[mu]) own = 0;
    }
    bad += (g->is_owned[is] != own);
    if (own) {
      bad += (k >= g->n_owned) || (g->owned[k] != is) || (g->gsite[is] <= prev);
      prev = g->gsite[is];
      k++;
    }
    for (int mu = 0; mu < D; mu++) {
      for (int s = -1; s <= 1; s += 2) {
        long nb = (s > 0 ? g->up : g->dn)[is * D + mu];
        int inside = (y[mu] + s >= 0 && y[mu] + s < g->e[mu]);
        steps[mu] = s;
        bad += (nb != geom_shift(g, is, steps));
        steps[mu] = 0;
        if (!inside) {
          bad += (nb != -1);
          continue;
        }
        if (nb < 0 || nb >= g->n_ext) {
          bad++;
          continue;
        }
        geom_coords(g, nb, y2);
        geom_global_coords(g, nb, xn);
        for (int nu = 0; nu < D; nu++) {
          int dx = (nu == mu) ? s : 0;
          bad += (y2[nu] != y[nu] + dx);
          bad += (xn[nu] != ((x[nu] + dx) % g->L[nu] + g->L[nu]) % g->L[nu]);
        }
      }
    }
  }
  bad += (k != g->n_owned);
  return bad;
}

/* Owned sites over all ranks cover each global site once. */
static long check_cover(const geom_t *g)
{
  int *cnt = calloc((size_t)g->n_global, sizeof *cnt);
  long bad = 0;
  for (long i = 0; i < g->n_owned; i++) cnt[g->gsite[g->owned[i]]]++;
  MPI_Allreduce(MPI_IN_PLACE, cnt, (int)g->n_global, MPI_INT, MPI_SUM, g->comm);
  for (long gs = 0; gs < g->n_global; gs++) bad += (cnt[gs] != 1);
  free(cnt);
  return bad;
}

/* Site field of 4 ints: global coordinates. */
static long check_site_field(const geom_t *g, halo_t *h, int shift)
{
  int (*f)[4] = malloc((size_t)g->n_ext * sizeof *f);
  int x[4] = {0, 0, 0, 0};
  long bad = 0;
  for (long is = 0; is < g->n_ext; is++) {
    geom_global_coords(g, is, x);
    for (int mu = 0; mu < 4; mu++)
      f[is][mu] = g->is_owned[is] ? (mu < g->D ? x[mu] + shift : -7) : -1;
  }
  halo_exchange(h, f);
  for (long is = 0; is < g->n_ext; is++) {
    geom_global_coords(g, is, x);
    for (int mu = 0; mu < 4; mu++) bad += (f[is][mu] != (mu < g->D ? x[mu] + shift : -7));
  }
  free(f);
  return bad;
}

/* Link field, D*N*N*2 doubles per site. */
static long check_link_field(const geom_t *g, halo_t *h)
{
  const int m = g->D * NC * NC * 2, per = NC * NC * 2;
  double *f = malloc((size_t)g->n_ext * m * sizeof *f);
  long bad = 0;
  for (long is = 0; is < g->n_ext; is++)
    for (int j = 0; j < m; j++)
      f[is * m + j] = g->is_owned[is] ? (double)(g->gsite[is] * g->D * per + j) : NAN;
  halo_exchange(h, f);
  for (long is = 0; is < g->n_ext; is++)
    for (int j = 0; j < m; j++) {
      double want = (double)(g->gsite[is] * g->D * per + j);
      bad += memcmp(&f[is * m + j], &want, sizeof want) != 0;
    }
  free(f);
  return bad;
}

/* halo_reduce against independently counted halo copies. */
static long check_reduce(const geom_t *g, halo_t *h, int nd)
{
  double *f = malloc((size_t)g->n_ext * nd * sizeof *f);
  int *copies = calloc((size_t)g->n_global, sizeof *copies);
  long bad = 0;
  for (long is = 0; is < g->n_ext; is++) {
    if (!g->is_owned[is]) copies[g->gsite[is]]++;
    for (int k = 0; k < nd; k++)
      f[is * nd + k] = g->is_owned[is] ? 0.0 : (double)(g->gsite[is] + 1) * (k + 1);
  }
  MPI_Allreduce(MPI_IN_PLACE, copies, (int)g->n_global, MPI_INT, MPI_SUM, g->comm);
  halo_reduce(h, f);
  for (long is = 0; is < g->n_ext; is++)
    for (int k = 0; k < nd; k++) {
      double want = g->is_owned[is]
                        ? (double)(g->gsite[is] + 1) * (k + 1) * copies[g->gsite[is]]
                        : 0.0;
      bad += (f[is * nd + k] != want);
    }
  free(copies);
  free(f);
  return bad;
}

/* <E x, y> = <x, R y> with random x, y (fixed seed per rank). */
static void check_adjoint(const geom_t *g, halo_t *h, int nd)
{
  double *x = malloc((size_t)g->n_ext * nd * sizeof *x);
  double *y = malloc((size_t)g->n_ext * nd * sizeof *y);
  double s[2] = {0.0, 0.0}, t[2];
  unsigned long st = 12345u + 7919u * (unsigned long)g->rank;
  for (long i = 0; i < g->n_ext * nd; i++) {
    st = st * 6364136223846793005ul + 1442695040888963407ul;
    x[i] = (double)(st >> 11) / 9007199254740992.0 - 0.5;
    st = st * 6364136223846793005ul + 1442695040888963407ul;
    y[i] = (double)(st >> 11) / 9007199254740992.0 - 0.5;
  }
  halo_exchange(h, x);
  for (long i = 0; i < g->n_ext * nd; i++) s[0] += x[i] * y[i];
  halo_reduce(h, y);
  for (long is = 0; is < g->n_ext; is++)
    if (g->is_owned[is])
      for (int k = 0; k < nd; k++) s[1] += x[is * nd + k] * y[is * nd + k];
  MPI_Allreduce(s, t, 2, MPI_DOUBLE, MPI_SUM, g->comm);
  check_rel(t[1], t[0], 1e-12, 1e-12, "%s: <Ex,y> = <x,Ry>", label);
  free(x);
  free(y);
}

static void run_case(MPI_Comm comm, int D, const int *L, const int *grid, int depth)
{
  char msg[256];
  int n = snprintf(label, sizeof label, "D=%d L=", D);
  for (int mu = 0; mu < D; mu++)
    n += snprintf(label + n, sizeof label - n, mu ? "x%d" : "%d", L[mu]);
  n += snprintf(label + n, sizeof label - n, " grid=");
  for (int mu = 0; mu < D; mu++)
    n += snprintf(label + n, sizeof label - n, mu ? "x%d" : "%d", grid[mu]);
  snprintf(label + n, sizeof label - n, " depth=%d", depth);

  geom_t *g = geom_alloc(comm, D, L, grid, depth, msg, sizeof msg);
  if (!check_true(g != NULL, "%s: geom_alloc (%s)", label, g ? "" : msg)) return;
  halo_t *hs = halo_alloc(g, 4 * sizeof(int));
  halo_t *hl = halo_alloc(g, (size_t)D * NC * NC * 2 * sizeof(double));
  halo_t *hr = halo_alloc(g, 3 * sizeof(double));
  if (check_true(hs && hl && hr, "%s: halo_alloc", label)) {
    long b[7], r[7];
    b[0] = check_tables(g);
    b[1] = check_cover(g);
    b[2] = check_site_field(g, hs, 0);
    b[3] = check_site_field(g, hs, 1000);
    b[4] = check_link_field(g, hl);
    b[5] = check_reduce(g, hr, 3);
    b[6] = check_reduce(g, hl, D * NC * NC * 2);
    MPI_Allreduce(b, r, 7, MPI_LONG, MPI_SUM, comm);
    check_int(r[0], 0, "%s: tables", label);
    check_int(r[1], 0, "%s: owned sites cover the lattice once", label);
    check_int(r[2], 0, "%s: site field exchange", label);
    check_int(r[3], 0, "%s: site field exchange, plan reused", label);
    check_int(r[4], 0, "%s: link field exchange", label);
    check_int(r[5], 0, "%s: reduce, 3 doubles per site", label);
    check_int(r[6], 0, "%s: reduce, link field", label);
    check_adjoint(g, hr, 3);
  }
  halo_free(hs);
  halo_free(hl);
  halo_free(hr);
  geom_free(g);
}

/* Calls run_case for every grid of np ranks dividing L (from direction mu
 * on) and every depth 0..2 with depth <= min l. */
static int for_grids(MPI_Comm comm, int D, const int *L, int np, int mu, int *grid)
{
  int ncase = 0;
  if (mu == D) {
    int lmin = L[0] / grid[0];
    if (np != 1) return 0;
    for (int nu = 1; nu < D; nu++)
      if (L[nu] / grid[nu] < lmin) lmin = L[nu] / grid[nu];
    for (int depth = 0; depth <= 2 && depth <= lmin; depth++) {
      run_case(comm, D, L, grid, depth);
      ncase++;
    }
    return ncase;
  }
  for (int d = 1; d <= np; d++) {
    if (np % d || L[mu] % d) continue;
    grid[mu] = d;
    ncase += for_grids(comm, D, L, np / d, mu + 1, grid);
  }
  return ncase;
}

int main(int argc, char **argv)
{
  int np, rank, ncase = 0, grid[4];
  double t0;
  MPI_Init(&argc, &argv);
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  t0 = MPI_Wtime();
  for (size_t i = 0; i < sizeof lattices / sizeof lattices[0]; i++)
    ncase += for_grids(MPI_COMM_WORLD, lattices[i].D, lattices[i].L, np, 0, grid);
  check_true(ncase >= 10, "at least 10 cases at np = %d (%d)", np, ncase);
  if (np > 1) {  /* arguments that differ between ranks: NULL on every rank */
    int L[2] = {4 * np, 4}, gr[2] = {np, 1};
    char msg[256] = "";
    geom_t *g = geom_alloc(MPI_COMM_WORLD, 2, L, gr, rank == 0, msg, sizeof msg);
    check_true(g == NULL && strstr(msg, "differ"),
               "geom_alloc refuses depths that differ between ranks: '%s'", msg);
    geom_free(g);
  }
  if (rank == 0) printf("np=%d: %d cases in %.2f s\n", np, ncase, MPI_Wtime() - t0);
  {
    int fail = check_finish_mpi("check_halo", MPI_COMM_WORLD);
    MPI_Finalize();
    return fail != 0;
  }
}
