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
#include "testutil.h"
#include "util.h"

typedef struct { int D, N; int L[EMF_DMAX]; } lat_t;

/* reference: global links [n_global*D*nn] and plaquette, from one rank */
static void reference(const lat_t *t, uint64_t seed, cplx_t *glinks, double *plaq)
{
  MPI_Comm self = tu_comm_first(1);
  int ones[EMF_DMAX] = {1, 1, 1, 1};
  char msg[256];
  if (self != MPI_COMM_NULL) {
    geom_t *g = geom_alloc(self, t->D, t->L, ones, 1, msg, sizeof msg);
    gauge_t *a = gauge_alloc(g, t->N);
    gauge_set_hot(a, seed);
    *plaq = gauge_plaquette_all(a);
    tu_gather_links(a, glinks);
    gauge_free(a);
    geom_free(g);
    MPI_Comm_free(&self);
  }
}

static void check_lattice(const lat_t *t, uint64_t seed)
{
  int np, nn = t->N * t->N, grids[TU_MAX_GRIDS][EMF_DMAX], ngrid;
  const long V = tu_volume(t->D, t->L);
  double plaq_ref = 0.0;
  cplx_t *ref;
  char msg[256];
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  ref = malloc((size_t)V * t->D * nn * sizeof *ref);
  reference(t, seed, ref, &plaq_ref);
  MPI_Bcast(ref, (int)(V * t->D * nn * 2), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(&plaq_ref, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);

  ngrid = tu_grids(t->D, t->L, np, grids);
  for (int ig = 0; ig < ngrid; ig++) {
    const int *grid = grids[ig];
    geom_t *g;
    gauge_t *a;
    double plaq;
    int same = 1;
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
