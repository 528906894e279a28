/*******************************************************************************
 * check_grid.c: HMC trajectories are bit-identical on any process grid.
 *
 * NP: 1 2 4
 * TIMEOUT: 300
 *
 * For 2D SU(2) 8x4 (beta 2.2, leapfrog) and 4D SU(3) 4x4x2x2 (beta 5.0,
 * omelyan2mn), from a hot start, 6 trajectories (tau = 1, 3 steps, the
 * reversibility check and the Polyakov loop on) are run by rank 0 alone on a
 * communicator of size 1 (the reference) and then on every process grid of
 * the np ranks that divides the lattice.  Every trajectory's dH, plaquette,
 * Polyakov loop, uniform and accept flag, and the final links (gathered by
 * global site), must equal the reference bit for bit.  Both accepted and
 * rejected trajectories must occur in the reference (so both paths are
 * compared).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "hmc.h"
#include "testutil.h"
#include "util.h"

#define NTRAJ 6

typedef struct { int D, N; int L[EMF_DMAX]; double beta; const char *integ; } case_t;

static const case_t cases[] = {
    {2, 2, {8, 4}, 2.2, "leapfrog"},
    {4, 3, {4, 4, 2, 2}, 5.0, "omelyan2mn"},
};

typedef struct {
  double dH[NTRAJ], plaq[NTRAJ], poly[NTRAJ][2], unif[NTRAJ];
  int acc[NTRAJ];
} result_t;

static void run(MPI_Comm comm, const case_t *t, const int *grid, result_t *res,
                cplx_t *glinks)
{
  char msg[256];
  geom_t *g = geom_alloc(comm, t->D, t->L, grid, 1, msg, sizeof msg);
  ERROR_LOC(g == NULL, EMF_EXIT_INTERNAL, "geom_alloc: %s", msg);
  gauge_t *u = gauge_alloc(g, t->N);
  action_t act = {action_wilson, t->beta};
  hmc_parms_t p = {1.0, 3, hmc_integrator_get(t->integ), 4242, 1, 1};
  hmc_t *h = hmc_alloc(&p, &act, 1, u);
  gauge_set_hot(u, 17);
  for (int k = 0; k < NTRAJ; k++) {
    hmc_record_t rec;
    check_int(hmc_trajectory(h, u, &rec), EMF_SUCCESS, "trajectory status");
    res->dH[k] = rec.dH;
    res->plaq[k] = rec.plaquette;
    res->poly[k][0] = rec.polyakov[0];
    res->poly[k][1] = rec.polyakov[1];
    res->unif[k] = rec.uniform;
    res->acc[k] = rec.accepted;
    check_true(rec.rev_dU < 1e-12, "reversibility %.2e", rec.rev_dU);
  }
  tu_gather_links(u, glinks);
  hmc_free(h);
  gauge_free(u);
  geom_free(g);
}

int main(int argc, char **argv)
{
  int np, rank;
  tu_mpi_init(&argc, &argv, &np, &rank);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const case_t *t = &cases[c];
    const long vol = tu_volume(t->D, t->L);
    const size_t nl = (size_t)vol * t->D * t->N * t->N;
    cplx_t *ref = calloc(nl, sizeof *ref), *all = calloc(nl, sizeof *all);
    result_t rref, r;
    memset(&rref, 0, sizeof rref);
    MPI_Comm self = tu_comm_first(1);
    if (self != MPI_COMM_NULL) {
      int ones[EMF_DMAX] = {1, 1, 1, 1};
      run(self, t, ones, &rref, ref);
      MPI_Comm_free(&self);
      int nacc = 0;
      for (int k = 0; k < NTRAJ; k++) nacc += rref.acc[k];
      check_true(nacc > 0 && nacc < NTRAJ, "N=%d D=%d: reference has %d of %d accepted",
                 t->N, t->D, nacc, NTRAJ);
    }
    MPI_Bcast(&rref, sizeof rref, MPI_BYTE, 0, MPI_COMM_WORLD);
    int grids[TU_MAX_GRIDS][EMF_DMAX], ngrid = tu_grids(t->D, t->L, np, grids);
    for (int ig = 0; ig < ngrid; ig++) {
      const int *grid = grids[ig];
      run(MPI_COMM_WORLD, t, grid, &r, all);
      char lab[96];
      snprintf(lab, sizeof lab, "N=%d D=%d grid %d %d %d %d", t->N, t->D, grid[0],
               grid[1], grid[2], grid[3]);
      check_bits(r.dH, rref.dH, sizeof r.dH, "%s: dH bits", lab);
      check_bits(r.plaq, rref.plaq, sizeof r.plaq, "%s: plaquette bits", lab);
      check_bits(r.poly, rref.poly, sizeof r.poly, "%s: Polyakov bits", lab);
      check_bits(r.unif, rref.unif, sizeof r.unif, "%s: uniforms", lab);
      check_bits(r.acc, rref.acc, sizeof r.acc, "%s: accept flags", lab);
      if (rank == 0) check_bits(all, ref, nl * sizeof *all, "%s: final links bits", lab);
    }
    free(ref);
    free(all);
  }
  return tu_mpi_finish("check_grid");
}
