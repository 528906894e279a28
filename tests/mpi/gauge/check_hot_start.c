/*******************************************************************************
 * check_hot_start.c: a hot start is the same field, bit for bit, on any
 * number of ranks and any process grid, and so is its plaquette.
 *
 * For each lattice (D = 2, 3, 4; N = 2, 3) and every process grid of the
 * ranks that divides it, the hot-start links of every owned site must equal
 * bit for bit those of a single-rank reference (computed by rank 0 alone on
 * a communicator of size 1 and broadcast), and the plaquette must equal the
 * reference's bits.  The cold start has plaquette exactly 1.
 ******************************************************************************/
/* NP: 1 2 3 4 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "gauge.h"
#include "util.h"

typedef struct { int D, N; int L[EMF_DMAX]; } lat_t;

static int next_grid(int D, int np, int *grid)
{
  /* enumerate all D-tuples of divisors with product np (odometer order) */
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

/* reference: global links [n_global*D*nn] and plaquette, from one rank */
static void reference(const lat_t *t, uint64_t seed, cplx_t *glinks, double *plaq)
{
  MPI_Comm self;
  int rank, ones[EMF_DMAX] = {1, 1, 1, 1};
  char msg[256];
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? 0 : MPI_UNDEFINED, 0, &self);
  if (rank == 0) {
    geom_t *g = geom_alloc(self, t->D, t->L, ones, 1, msg, sizeof msg);
    gauge_t *a = gauge_alloc(g, t->N);
    int nn = t->N * t->N;
    gauge_set_hot(a, seed);
    *plaq = gauge_plaquette_all(a);
    for (long k = 0; k < g->n_owned; k++) {
      long is = g->owned[k];
      memcpy(glinks + (size_t)g->gsite[is] * t->D * nn, gauge_link(a, is, 0),
             (size_t)t->D * nn * sizeof(cplx_t));
    }
    gauge_free(a);
    geom_free(g);
    MPI_Comm_free(&self);
  }
}

static void check_lattice(const lat_t *t, uint64_t seed)
{
  int np, nn = t->N * t->N, grid[EMF_DMAX];
  long V = 1;
  double plaq_ref = 0.0;
  cplx_t *ref;
  char msg[256];
  for (int mu = 0; mu < t->D; mu++) V *= t->L[mu];
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  ref = malloc((size_t)V * t->D * nn * sizeof *ref);
  reference(t, seed, ref, &plaq_ref);
  MPI_Bcast(ref, (int)(V * t->D * nn * 2), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(&plaq_ref, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);

  for (int mu = 0; mu < t->D; mu++) grid[mu] = 1;
  grid[t->D - 1] = 0;
  while (next_grid(t->D, np, grid)) {
    geom_t *g;
    gauge_t *a;
    double plaq;
    int same = 1;
    if (!divides(t, grid)) continue;
    g = geom_alloc(MPI_COMM_WORLD, t->D, t->L, grid, 1, msg, sizeof msg);
    check_true(g != NULL, "geom_alloc: %s", msg);
    if (g == NULL) continue;
    a = gauge_alloc(g, t->N);
    gauge_set_hot(a, seed);
    plaq = gauge_plaquette_all(a);
    for (long k = 0; k < g->n_owned; k++) {
      long is = g->owned[k];
      if (memcmp(ref + (size_t)g->gsite[is] * t->D * nn, gauge_link(a, is, 0),
                 (size_t)t->D * nn * sizeof(cplx_t)) != 0)
        same = 0;
    }
    check_true(same, "D=%d N=%d grid %dx%dx%dx%d: hot links bit-identical", t->D,
               t->N, grid[0], grid[1], t->D > 2 ? grid[2] : 1, t->D > 3 ? grid[3] : 1);
    check_bits(&plaq, &plaq_ref, sizeof plaq, "D=%d N=%d grid %d..: plaquette bits",
               t->D, t->N, grid[0]);
    check_rel(gauge_unitarity_error_all(a), 0.0, 0.0, 1e-14, "unitarity");
    gauge_set_cold(a);
    check_rel(gauge_plaquette_all(a), 1.0, 0.0, 0.0, "cold plaquette = 1");
    gauge_free(a);
    geom_free(g);
  }
  free(ref);
}

int main(int argc, char **argv)
{
  int status;
  const lat_t lats[] = {
      {2, 2, {8, 6, 0, 0}}, {2, 3, {4, 12, 0, 0}}, {3, 3, {4, 3, 6, 0}},
      {4, 2, {4, 4, 2, 6}}, {4, 3, {2, 4, 4, 6}}};
  MPI_Init(&argc, &argv);
  error_init(MPI_COMM_WORLD);
  for (size_t i = 0; i < sizeof lats / sizeof lats[0]; i++)
    check_lattice(&lats[i], 20261128u + i);
  status = check_finish_mpi("check_hot_start", MPI_COMM_WORLD);
  MPI_Finalize();
  return status;
}
