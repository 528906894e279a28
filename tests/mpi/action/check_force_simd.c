/*******************************************************************************
 * check_force_simd.c: the site-vectorised SU(3) Wilson force equals the
 * plain kernel bit for bit.
 *
 * NP: 1 2 4
 * TIMEOUT: 300
 *
 * For SU(3) lattices in D = 2, 3, 4 whose local extent l[0] is a multiple
 * of 4 on some process grids and not on others (chunk lengths 1, 2, 3),
 * with halo depth 1 and 2, on every process grid of the np ranks:
 *   - action_ws_alloc returns a workspace exactly when l[0] % 4 == 0 (in
 *     an AVX2/FMA build; never otherwise), so the vector path does run;
 *   - on a hot start, a cold start and a gauge transform of the cold start
 *     (exact zeros: signed-zero differences would show), the force through
 *     the workspace (action_force_ws_all) equals action_force_all
 *     (memcmp), for one term and for two terms (the second adds);
 *   - the force through the workspace, gathered by global site, equals the
 *     single-rank plain force bit for bit (hot start);
 *   - a workspace made for another geometry is not used (plain force,
 *     same bits);
 *   - before every force through a workspace the halo links are set to NaN:
 *     the force exchanges them, or, on a grid that splits no direction,
 *     reads the periodic images in the owned box instead (no NaN may
 *     reach the force).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "action.h"
#include "check.h"
#include "testutil.h"
#include "util.h"

typedef struct { int D; int L[EMF_DMAX]; int depth; } lat_t;

static const lat_t lats[] = {
    {4, {8, 4, 4, 2}, 1}, {4, {12, 2, 3, 2}, 1}, {4, {4, 4, 2, 2}, 2},
    {2, {16, 6}, 1},      {3, {8, 3, 4}, 1},
};

static const uint64_t seed = 20261128;

/* force of {wilson beta1} (nt = 1) or {wilson beta1, wilson beta2} */
static void forces(gauge_t *a, int nt, action_ws_t *ws, double *f)
{
  const action_t t[2] = {{action_wilson, 1.7}, {action_wilson, -0.37}};
  /* NaN halos: the forces exchange the halos, except the vector path when
   * no direction is split, which must then not read them */
  if (ws != NULL) tu_spoil_halo(a);
  int st = ws == NULL ? action_force_all(t, nt, a, f) : action_force_ws_all(t, nt, a, f, ws);
  check_int(st, EMF_SUCCESS, "force status");
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  error_init(MPI_COMM_WORLD);
  int np, rank;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int n_vec = 0;
  for (size_t c = 0; c < sizeof lats / sizeof lats[0]; c++) {
    const lat_t *t = &lats[c];
    const long vol = tu_volume(t->D, t->L);
    const int per = t->D * 8;
    double *fref = malloc((size_t)vol * per * sizeof *fref);
    double *fall = malloc((size_t)vol * per * sizeof *fall);
    char msg[256];
    /* single-rank plain reference (hot start) */
    MPI_Comm self = tu_comm_first(1);
    if (self != MPI_COMM_NULL) {
      int ones[EMF_DMAX] = {1, 1, 1, 1};
      geom_t *g = geom_alloc(self, t->D, t->L, ones, t->depth, msg, sizeof msg);
      gauge_t *a = gauge_alloc(g, 3);
      gauge_set_hot(a, seed);
      forces(a, 1, NULL, fref);
      gauge_free(a);
      geom_free(g);
      MPI_Comm_free(&self);
    }
    int grids[TU_MAX_GRIDS][EMF_DMAX], ngrid = tu_grids(t->D, t->L, np, grids);
    for (int ig = 0; ig < ngrid; ig++) {
      const int *grid = grids[ig];
      int deep = 1;
      for (int mu = 0; mu < t->D; mu++) deep &= t->L[mu] / grid[mu] >= t->depth;
      if (!deep) continue;
      geom_t *g = geom_alloc(MPI_COMM_WORLD, t->D, t->L, grid, t->depth, msg, sizeof msg);
      ERROR_LOC(g == NULL, EMF_EXIT_INTERNAL, "geom_alloc: %s", msg);
      gauge_t *a = gauge_alloc(g, 3);
      action_ws_t *ws = action_ws_alloc(a);
      const size_t nf = action_force_len(a);
      double *f1 = malloc(nf * sizeof *f1), *f2 = malloc(nf * sizeof *f2);
#if defined(__AVX2__) && defined(__FMA__)
      check_int(ws != NULL, g->l[0] % 4 == 0,
                "D=%d L0=%d grid %d %d %d %d: workspace iff l0 %% 4 == 0", t->D, t->L[0],
                grid[0], grid[1], grid[2], grid[3]);
#else
      check_true(ws == NULL, "no workspace without AVX2/FMA");
#endif
      n_vec += ws != NULL;
      for (int start = 0; start < 3; start++) {
        if (start == 0) gauge_set_hot(a, seed);
        else gauge_set_cold(a);
        if (start == 2) tu_gauge_transform(a, seed, 3);
        for (int nt = 1; nt <= 2; nt++) {
          forces(a, nt, NULL, f1);
          /* make the added-to part of f2 equal and the rest garbage */
          for (size_t k = 0; k < nf; k++) f2[k] = nt == 1 ? NAN : f1[k];
          if (nt == 2) forces(a, 1, ws, f2);
          forces(a, nt, ws, f2);
          check_bits(f1, f2, nf * sizeof *f1,
                     "D=%d L=%d,%d grid %d %d %d %d depth %d start %d terms %d: bits",
                     t->D, t->L[0], t->L[1], grid[0], grid[1], grid[2], grid[3],
                     t->depth, start, nt);
        }
        if (start == 0) {
          forces(a, 1, ws, f2);
          tu_gather_sites(g, f2, per, fall);
          if (rank == 0)
            check_bits(fall, fref, (size_t)vol * per * sizeof *fall,
                       "D=%d L0=%d grid %d %d %d %d: vector force = 1-rank plain force",
                       t->D, t->L[0], grid[0], grid[1], grid[2], grid[3]);
        }
      }
      free(f1);
      free(f2);
      action_ws_free(ws);
      gauge_free(a);
      geom_free(g);
    }
    free(fref);
    free(fall);
  }
  /* a workspace of another geometry is ignored */
  {
    int L[4] = {8, 4, 2, 2}, L2[4] = {8, 2, 2, 2}, grid[4] = {1, 1, 1, 1};
    char msg[256];
    MPI_Comm self = tu_comm_first(1);
    if (self != MPI_COMM_NULL) {
      geom_t *g = geom_alloc(self, 4, L, grid, 1, msg, sizeof msg);
      geom_t *g2 = geom_alloc(self, 4, L2, grid, 1, msg, sizeof msg);
      gauge_t *a = gauge_alloc(g, 3), *a2 = gauge_alloc(g2, 3);
      action_ws_t *ws2 = action_ws_alloc(a2);
      const size_t nf = action_force_len(a);
      double *f1 = malloc(nf * sizeof *f1), *f2 = malloc(nf * sizeof *f2);
      gauge_set_hot(a, seed);
      forces(a, 1, NULL, f1);
      forces(a, 1, ws2, f2);
      check_bits(f1, f2, nf * sizeof *f1, "foreign workspace ignored");
      free(f1);
      free(f2);
      action_ws_free(ws2);
      gauge_free(a);
      gauge_free(a2);
      geom_free(g);
      geom_free(g2);
      MPI_Comm_free(&self);
    }
  }
#if defined(__AVX2__) && defined(__FMA__)
  check_true(n_vec > 0, "the vector path ran (%d grids)", n_vec);
#endif
  int fails = check_finish_mpi("check_force_simd", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails;
}
