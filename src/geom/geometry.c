/*******************************************************************************
 * geometry.c: lattice geometry and domain decomposition (doc/geometry.md).
 *
 * int geom_choose_grid(int D, const int *L, int nranks, const int *grid_req,
 *                      int *grid, char *msg, int msglen)
 *   Chooses a process grid of exactly nranks ranks for the lattice L[0..D-1].
 *   grid_req[mu] > 0 fixes direction mu, 0 leaves it free (grid_req == NULL:
 *   all free).  The free directions are first filled by MPI_Dims_create; if
 *   that choice does not divide L, all factorisations of the remaining ranks
 *   over the free directions that divide L are searched and the one with the
 *   smallest local surface sum_mu prod_{nu != mu} l[nu] (the most cube-like
 *   local box) is taken; among equal surfaces the lexicographically largest
 *   grid wins.  Returns EMF_SUCCESS with grid[0..D-1] filled, or EMF_EINVAL
 *   with a message in msg (msglen bytes; msg may be NULL) when D is not in
 *   2..EMF_DMAX, an extent, nranks or a request is not positive, a requested
 *   entry does not divide its extent, the requested entries need more ranks
 *   than given (or do not divide nranks, or, all fixed, use fewer), or no grid
 *   of nranks ranks divides the lattice.
 *
 * geom_t *geom_alloc(MPI_Comm comm, int D, const int *L, const int *grid,
 *                    int depth, char *msg, int msglen)
 *   Builds the geometry on comm: a periodic Cartesian communicator (no
 *   reordering, so ranks keep their number in comm) stored in g->comm, the
 *   local and extended extents, and the tables owned, up, dn, gsite and
 *   is_owned of geom.h.  grid must use exactly all ranks of comm and divide
 *   L; 0 <= depth <= l[mu] in every direction.  Returns NULL on every rank
 *   with a message in msg when an argument is invalid, when the arguments
 *   differ between ranks, or when an allocation failed on some rank.
 *
 * void geom_free(geom_t *g)
 *   Frees the tables and the Cartesian communicator (NULL: no-op).
 *
 * long geom_index(const geom_t *g, const int *y)
 *   Extended index of extended coordinates y (0 <= y[mu] < e[mu]), mu = D-1
 *   fastest.
 *
 * void geom_coords(const geom_t *g, long is, int *y)
 *   Extended coordinates of the extended site is.
 *
 * void geom_global_coords(const geom_t *g, long is, int *x)
 *   Global coordinates of extended site is, periodic wrap applied:
 *   x[mu] = (cpos[mu] l[mu] + y[mu] - depth) mod L[mu].
 *
 * long geom_global_index(const geom_t *g, const int *x)
 *   Global site index of global coordinates x (0 <= x[mu] < L[mu]), mu = D-1
 *   fastest.
 *
 * long geom_shift(const geom_t *g, long is, const int *steps)
 *   Extended site reached from is by steps[mu] in each direction, or -1 when
 *   it lies outside the extended box (no wrap inside the box).
 *
 * Context: geom_alloc and geom_free are collective on comm (geom_free on
 * g->comm); geom_choose_grid needs MPI initialised but is local; the other
 * functions are local, read-only and thread-safe.  The geometry is read-only
 * after geom_alloc.
 ******************************************************************************/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "geom.h"
#include "util.h"

static void set_msg(char *msg, int msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_msg(char *msg, int msglen, const char *fmt, ...)
{
  va_list ap;
  if (msg == NULL || msglen <= 0) return;
  va_start(ap, fmt);
  vsnprintf(msg, (size_t)msglen, fmt, ap);
  va_end(ap);
}

/* "a x b x c" of the first D entries of v into buf. */
static const char *fmt_dims(char *buf, size_t len, int D, const int *v)
{
  size_t k = 0;
  buf[0] = '\0';
  for (int mu = 0; mu < D && k < len; mu++)
    k += (size_t)snprintf(buf + k, len - k, mu ? "x%d" : "%d", v[mu]);
  return buf;
}

/* Local surface of the box L/grid: sum over mu of prod_{nu != mu} l[nu]. */
static double box_surface(int D, const int *L, const int *grid)
{
  double s = 0.0;
  for (int mu = 0; mu < D; mu++) {
    double p = 1.0;
    for (int nu = 0; nu < D; nu++)
      if (nu != mu) p *= (double)(L[nu] / grid[nu]);
    s += p;
  }
  return s;
}

/* Exhaustive search over the free directions (free[mu] != 0) from mu on:
 * cur holds the fixed entries and the choices so far, rem the ranks still
 * to place.  Divisors are tried in decreasing order, so that on equal
 * surfaces the first (lexicographically largest) grid found is kept. */
static void search_grid(int D, const int *L, const int *free_dir, int mu,
                        long rem, int *cur, int *best, double *best_s)
{
  if (mu == D) {
    double s;
    if (rem != 1) return;
    s = box_surface(D, L, cur);
    if (*best_s < 0.0 || s < *best_s) {
      *best_s = s;
      memcpy(best, cur, (size_t)D * sizeof *cur);
    }
    return;
  }
  if (!free_dir[mu]) {
    search_grid(D, L, free_dir, mu + 1, rem, cur, best, best_s);
    return;
  }
  for (long d = rem; d >= 1; d--) {
    if (rem % d != 0 || L[mu] % d != 0) continue;
    cur[mu] = (int)d;
    search_grid(D, L, free_dir, mu + 1, rem / d, cur, best, best_s);
  }
  cur[mu] = 0;
}

int geom_choose_grid(int D, const int *L, int nranks, const int *grid_req,
                     int *grid, char *msg, int msglen)
{
  int dims[EMF_DMAX], free_dir[EMF_DMAX], cur[EMF_DMAX], best[EMF_DMAX];
  long fixed = 1;
  int n_free = 0, bad = -1;
  double best_s = -1.0;
  char b1[64], b2[64];

  if (D < 2 || D > EMF_DMAX) {
    set_msg(msg, msglen, "lattice dimension D = %d is not in 2..%d", D, EMF_DMAX);
    return EMF_EINVAL;
  }
  if (L == NULL || grid == NULL) {
    set_msg(msg, msglen, "geom_choose_grid: NULL extents or output grid");
    return EMF_EINVAL;
  }
  if (nranks < 1) {
    set_msg(msg, msglen, "number of ranks %d is not positive", nranks);
    return EMF_EINVAL;
  }
  for (int mu = 0; mu < D; mu++) {
    if (L[mu] < 1) {
      set_msg(msg, msglen, "lattice extent L[%d] = %d is not positive", mu, L[mu]);
      return EMF_EINVAL;
    }
  }
  for (int mu = 0; mu < D; mu++) {
    int r = grid_req ? grid_req[mu] : 0;
    if (r < 0) {
      set_msg(msg, msglen, "requested grid[%d] = %d is negative (0 means automatic)",
              mu, r);
      return EMF_EINVAL;
    }
    dims[mu] = r;
    free_dir[mu] = (r == 0);
    if (r == 0) {
      n_free++;
      continue;
    }
    if (L[mu] % r != 0) {
      set_msg(msg, msglen,
              "requested grid[%d] = %d does not divide the lattice extent "
              "L[%d] = %d in direction %d", mu, r, mu, L[mu], mu);
      return EMF_EINVAL;
    }
    fixed *= r;
    if (fixed > nranks) {
      set_msg(msg, msglen,
              "requested grid entries up to direction %d (grid[%d] = %d) need "
              "at least %ld ranks, but only %d were given", mu, mu, r, fixed,
              nranks);
      return EMF_EINVAL;
    }
  }
  if (nranks % fixed != 0) {
    set_msg(msg, msglen,
            "the requested grid entries use %ld ranks, which does not divide "
            "the %d ranks given", fixed, nranks);
    return EMF_EINVAL;
  }
  if (n_free == 0) {
    if (fixed != nranks) {
      set_msg(msg, msglen, "requested grid %s uses %ld ranks, but %d were given",
              fmt_dims(b1, sizeof b1, D, dims), fixed, nranks);
      return EMF_EINVAL;
    }
    memcpy(grid, dims, (size_t)D * sizeof *grid);
    return EMF_SUCCESS;
  }

  MPI_Dims_create(nranks, D, dims);
  for (int mu = 0; mu < D && bad < 0; mu++)
    if (L[mu] % dims[mu] != 0) bad = mu;
  if (bad < 0) {
    memcpy(grid, dims, (size_t)D * sizeof *grid);
    return EMF_SUCCESS;
  }

  for (int mu = 0; mu < D; mu++) cur[mu] = free_dir[mu] ? 0 : dims[mu];
  search_grid(D, L, free_dir, 0, nranks / fixed, cur, best, &best_s);
  if (best_s >= 0.0) {
    memcpy(grid, best, (size_t)D * sizeof *grid);
    return EMF_SUCCESS;
  }
  set_msg(msg, msglen,
          "no process grid of %d ranks divides the lattice %s (MPI_Dims_create "
          "proposed %s: grid[%d] = %d does not divide L[%d] = %d in direction "
          "%d, and no other factorisation of %d fits)",
          nranks, fmt_dims(b1, sizeof b1, D, L), fmt_dims(b2, sizeof b2, D, dims),
          bad, dims[bad], bad, L[bad], bad, nranks);
  return EMF_EINVAL;
}

/* Checks the arguments of geom_alloc; 0 if fine, else a message. */
static int check_args(int nranks, int D, const int *L, const int *grid,
                      int depth, char *msg, int msglen)
{
  long prod = 1;
  char b1[64], b2[64];
  if (D < 2 || D > EMF_DMAX) {
    set_msg(msg, msglen, "lattice dimension D = %d is not in 2..%d", D, EMF_DMAX);
    return 1;
  }
  if (L == NULL || grid == NULL) {
    set_msg(msg, msglen, "geom_alloc: NULL extents or grid");
    return 1;
  }
  for (int mu = 0; mu < D; mu++) {
    if (L[mu] < 1) {
      set_msg(msg, msglen, "lattice extent L[%d] = %d is not positive", mu, L[mu]);
      return 1;
    }
    if (grid[mu] < 1) {
      set_msg(msg, msglen, "process grid entry grid[%d] = %d is not positive", mu,
              grid[mu]);
      return 1;
    }
    if (L[mu] % grid[mu] != 0) {
      set_msg(msg, msglen,
              "process grid %s does not divide the lattice %s: grid[%d] = %d "
              "does not divide L[%d] = %d in direction %d",
              fmt_dims(b1, sizeof b1, D, grid), fmt_dims(b2, sizeof b2, D, L), mu,
              grid[mu], mu, L[mu], mu);
      return 1;
    }
    prod *= grid[mu];
    if (prod > nranks) break;
  }
  if (prod != nranks) {
    set_msg(msg, msglen, "process grid %s does not have the %d ranks of the communicator",
            fmt_dims(b1, sizeof b1, D, grid), nranks);
    return 1;
  }
  if (depth < 0) {
    set_msg(msg, msglen, "halo depth %d is negative", depth);
    return 1;
  }
  for (int mu = 0; mu < D; mu++) {
    int l = L[mu] / grid[mu];
    if (depth > l) {
      set_msg(msg, msglen,
              "halo depth %d exceeds the local extent l[%d] = %d in direction %d "
              "(L[%d] = %d over grid[%d] = %d); use a smaller grid in that "
              "direction or a smaller depth", depth, mu, l, mu, mu, L[mu], mu,
              grid[mu]);
      return 1;
    }
  }
  return 0;
}

/* 1 on every rank if the arguments (D, L, grid, depth) are not the same on
 * all ranks of comm. */
static int args_differ(MPI_Comm comm, int D, const int *L, const int *grid,
                       int depth)
{
  enum { NV = 2 + 2 * EMF_DMAX };
  int v[2 * NV], r[2 * NV];
  int ok = (D >= 2 && D <= EMF_DMAX && L != NULL && grid != NULL);
  memset(v, 0, sizeof v);
  v[0] = D;
  v[1] = depth;
  for (int mu = 0; ok && mu < D; mu++) {
    v[2 + mu] = L[mu];
    v[2 + EMF_DMAX + mu] = grid[mu];
  }
  for (int k = 0; k < NV; k++) v[NV + k] = -v[k];
  MPI_Allreduce(v, r, 2 * NV, MPI_INT, MPI_MAX, comm);
  for (int k = 0; k < NV; k++)
    if (r[k] != -r[NV + k]) return 1;
  return 0;
}

void geom_free(geom_t *g)
{
  if (g == NULL) return;
  afree(g->owned);
  afree(g->up);
  afree(g->dn);
  afree(g->gsite);
  afree(g->is_owned);
  if (g->comm != MPI_COMM_NULL) MPI_Comm_free(&g->comm);
  free(g);
}

long geom_index(const geom_t *g, const int *y)
{
  long is = 0;
  for (int mu = 0; mu < g->D; mu++) is = is * g->e[mu] + y[mu];
  return is;
}

void geom_coords(const geom_t *g, long is, int *y)
{
  for (int mu = g->D - 1; mu >= 0; mu--) {
    y[mu] = (int)(is % g->e[mu]);
    is /= g->e[mu];
  }
}

void geom_global_coords(const geom_t *g, long is, int *x)
{
  geom_coords(g, is, x);
  for (int mu = 0; mu < g->D; mu++) {
    long v = (long)g->cpos[mu] * g->l[mu] + x[mu] - g->depth;
    v %= g->L[mu];
    if (v < 0) v += g->L[mu];
    x[mu] = (int)v;
  }
}

long geom_global_index(const geom_t *g, const int *x)
{
  long gs = 0;
  for (int mu = 0; mu < g->D; mu++) gs = gs * g->L[mu] + x[mu];
  return gs;
}

long geom_shift(const geom_t *g, long is, const int *steps)
{
  int y[EMF_DMAX];
  geom_coords(g, is, y);
  for (int mu = 0; mu < g->D; mu++) {
    long v = (long)y[mu] + steps[mu];
    if (v < 0 || v >= g->e[mu]) return -1;
    y[mu] = (int)v;
  }
  return geom_index(g, y);
}

/* Fills the tables of g (extents and cpos already set).  0 or EMF_ENOMEM. */
static int fill_tables(geom_t *g)
{
  const int D = g->D;
  long stride[EMF_DMAX], k = 0;
  int y[EMF_DMAX], x[EMF_DMAX];

  g->owned = amalloc((size_t)g->n_owned * sizeof *g->owned);
  g->up = amalloc((size_t)g->n_ext * D * sizeof *g->up);
  g->dn = amalloc((size_t)g->n_ext * D * sizeof *g->dn);
  g->gsite = amalloc((size_t)g->n_ext * sizeof *g->gsite);
  g->is_owned = amalloc((size_t)g->n_ext * sizeof *g->is_owned);
  if (!g->owned || !g->up || !g->dn || !g->gsite || !g->is_owned) return EMF_ENOMEM;

  stride[D - 1] = 1;
  for (int mu = D - 2; mu >= 0; mu--) stride[mu] = stride[mu + 1] * g->e[mu + 1];

  for (long is = 0; is < g->n_ext; is++) {
    int own = 1;
    geom_coords(g, is, y);
    for (int mu = 0; mu < D; mu++) {
      g->up[is * D + mu] = (y[mu] + 1 < g->e[mu]) ? is + stride[mu] : -1;
      g->dn[is * D + mu] = (y[mu] > 0) ? is - stride[mu] : -1;
      if (y[mu] < g->depth || y[mu] >= g->depth + g->l[mu]) own = 0;
    }
    geom_global_coords(g, is, x);
    g->gsite[is] = geom_global_index(g, x);
    g->is_owned[is] = own;
    /* increasing is within the owned box is increasing global index, since
     * owned global coordinates do not wrap */
    if (own) g->owned[k++] = is;
  }
  return EMF_SUCCESS;
}

geom_t *geom_alloc(MPI_Comm comm, int D, const int *L, const int *grid,
                   int depth, char *msg, int msglen)
{
  int nranks, periods[EMF_DMAX], fail, any_fail;
  geom_t *g;

  MPI_Comm_size(comm, &nranks);
  if (args_differ(comm, D, L, grid, depth)) {
    set_msg(msg, msglen,
            "geom_alloc: lattice, grid or halo depth differ between ranks");
    return NULL;
  }
  if (check_args(nranks, D, L, grid, depth, msg, msglen)) return NULL;

  g = calloc(1, sizeof *g);
  fail = (g == NULL);
  MPI_Allreduce(&fail, &any_fail, 1, MPI_INT, MPI_MAX, comm);
  if (any_fail) {
    free(g);
    set_msg(msg, msglen, "geom_alloc: out of memory");
    return NULL;
  }

  g->D = D;
  g->depth = depth;
  g->n_global = g->n_owned = g->n_ext = 1;
  for (int mu = 0; mu < D; mu++) {
    g->L[mu] = L[mu];
    g->grid[mu] = grid[mu];
    g->l[mu] = L[mu] / grid[mu];
    g->e[mu] = g->l[mu] + 2 * depth;
    g->n_global *= L[mu];
    g->n_owned *= g->l[mu];
    g->n_ext *= g->e[mu];
    periods[mu] = 1;
  }
  MPI_Cart_create(comm, D, g->grid, periods, 0, &g->comm);
  MPI_Comm_rank(g->comm, &g->rank);
  MPI_Comm_size(g->comm, &g->nranks);
  MPI_Cart_coords(g->comm, g->rank, D, g->cpos);
  for (int mu = 0; mu < D; mu++)
    MPI_Cart_shift(g->comm, mu, 1, &g->nbr_dn[mu], &g->nbr_up[mu]);

  fail = (fill_tables(g) != EMF_SUCCESS);
  MPI_Allreduce(&fail, &any_fail, 1, MPI_INT, MPI_MAX, comm);
  if (any_fail) {
    long n_ext = g->n_ext;
    geom_free(g);
    set_msg(msg, msglen,
            "geom_alloc: out of memory for the geometry tables (%ld extended sites)",
            n_ext);
    return NULL;
  }
  return g;
}
