/*******************************************************************************
 * check_box.c: the links kept in the vectorised workspace over an MD
 * integration (action_ws_box_*): force, fused kick and drift there equal
 * the plain kernels bit for bit.
 *
 * NP: 1 2
 *
 * On SU(3) lattices in D = 2, 3, 4 with chunk lengths c = l[0]/4 of 1, 2
 * and 3, halo depth 1 and 2, on a grid that splits no direction (every
 * rank on its own communicator of size 1), from a hot start, a cold start
 * and a gauge transform of the cold start (exact zeros: signed-zero
 * differences would show), with NaN in every halo link (the box must not
 * read them):
 *   - action_ws_box_load accepts the Wilson terms;
 *   - action_force_box = action_force_all (memcmp), one term and two terms
 *     (the second adds), for several slab widths in direction 2 (1, 2, 3,
 *     widths that do not divide l[2], the whole box, the default);
 *   - action_force_kick_box on the momenta in the workspace, then
 *     action_ws_box_store: p - c F with F not stored = p[k] -= c f[k] on
 *     the plain force (memcmp), the links come back unchanged;
 *   - action_ws_box_drift then action_ws_box_store = exp_mul of sun.h link
 *     by link (memcmp of the owned links), with momenta spanning the Taylor
 *     branch and the closed form and one link with a NaN momentum
 *     (EMF_EDOM, that link untouched); the momenta come back unchanged and
 *     the halo links stay as they were.
 * On the world communicator with np > 1 (a split grid) and for N = 2 no
 * box is used (box_load returns 0).
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
    {4, {8, 4, 6, 4}, 1}, {4, {4, 3, 5, 2}, 1}, {4, {12, 2, 3, 3}, 1},
    {4, {4, 4, 2, 2}, 2}, {3, {8, 4, 4}, 1},    {2, {12, 4}, 1},
};

static const uint64_t seed = 20261129;

static void one_lattice(const lat_t *t, MPI_Comm self)
{
  const action_t terms[2] = {{action_wilson, 1.7}, {action_wilson, -0.37}};
  int ones[EMF_DMAX] = {1, 1, 1, 1};
  char msg[256];
  geom_t *g = geom_alloc(self, t->D, t->L, ones, t->depth, msg, sizeof msg);
  ERROR_LOC(g == NULL, EMF_EXIT_INTERNAL, "geom_alloc: %s", msg);
  gauge_t *a = gauge_alloc(g, 3), *b = gauge_alloc(g, 3);
  action_ws_t *ws = action_ws_alloc(a);
  const size_t nf = action_force_len(a);
  const size_t lb = (size_t)g->n_ext * g->D * a->nn * sizeof(cplx_t);
  double *f0 = malloc(nf * sizeof *f0), *f1 = malloc(nf * sizeof *f1);
  double *p = malloc(nf * sizeof *p), *p1 = malloc(nf * sizeof *p1),
         *p2 = malloc(nf * sizeof *p2);
  const int l2 = t->D > 2 ? t->L[2] : 1;
  const int slabs[] = {0, 1, 2, 3, l2 - 1, l2, l2 + 5};
#if defined(__AVX2__) && defined(__FMA__)
  check_true(ws != NULL, "D=%d L0=%d: workspace", t->D, t->L[0]);
#else
  check_true(ws == NULL, "no workspace without AVX2/FMA");
#endif
  uint64_t rs = seed + (uint64_t)t->L[0] * 131 + t->L[1];
  for (int start = 0; start < 3; start++) {
    if (start == 0) gauge_set_hot(a, seed);
    else gauge_set_cold(a);
    if (start == 2) tu_gauge_transform(a, seed, 3);
    for (int nt = 1; nt <= 2; nt++) {
      int st = action_force_all(terms, nt, a, f0);
      check_int(st, EMF_SUCCESS, "plain force status");
      tu_spoil_halo(a);
      for (size_t k = 0; k < nf; k++) p[k] = tu_gauss(&rs);
      int in = action_ws_box_load(ws, terms, nt, a, p);
#if defined(__AVX2__) && defined(__FMA__)
      check_int(in, 1, "D=%d L0=%d: box_load accepts %d wilson terms", t->D, t->L[0], nt);
#else
      check_int(in, 0, "no box without AVX2/FMA");
#endif
      if (!in) continue;
      for (size_t s = 0; s < sizeof slabs / sizeof slabs[0]; s++) {
        action_ws_set_slab(ws, slabs[s]);
        for (size_t k = 0; k < nf; k++) f1[k] = NAN;
        st = action_force_box(terms, nt, a, f1, ws);
        check_int(st, EMF_SUCCESS, "box force status");
        check_bits(f0, f1, nf * sizeof *f0,
                   "D=%d L=%d,%d,%d depth %d start %d terms %d slab %d: box force bits",
                   t->D, t->L[0], t->L[1], l2, t->depth, start, nt, slabs[s]);
      }
      action_ws_set_slab(ws, 0);
      if (nt == 1) {
        const double c = 0.0731;
        for (size_t k = 0; k < nf; k++) p1[k] = p[k] - c * f0[k];
        st = action_force_kick_box(&terms[0], a, c, ws);
        check_int(st, EMF_SUCCESS, "kick status");
        memcpy(b->u, a->u, lb);
        action_ws_box_store(ws, a, p2);
        check_bits(p1, p2, nf * sizeof *p1, "D=%d L0=%d start %d: fused kick bits", t->D,
                   t->L[0], start);
        check_bits(a->u, b->u, lb, "D=%d L0=%d start %d: links back unchanged (halos too)",
                   t->D, t->L[0], start);
        /* drift: sizes spanning the Taylor degrees and the closed form,
         * one NaN momentum */
        const double c2 = 0.9;
        const long nl = g->n_owned * g->D;
        for (long l = 0; l < nl; l++) {
          const double sc = 0.02 * (double)(1 + l % 97);
          for (int k = 0; k < 8; k++) p[l * 8 + k] = sc * tu_gauss(&rs);
        }
        const long bad = nl / 3;
        p[bad * 8 + 5] = NAN;
        memcpy(b->u, a->u, lb);
        int st_ref = EMF_SUCCESS;
        for (long i = 0; i < g->n_owned; i++)
          for (int mu = 0; mu < g->D; mu++) {
            int s1 = a->su->exp_mul(gauge_link(b, g->owned[i], mu),
                                    p + ((size_t)i * g->D + mu) * 8, c2);
            if (st_ref == EMF_SUCCESS) st_ref = s1;
          }
        check_int(st_ref, EMF_EDOM, "reference drift: EMF_EDOM for the NaN momentum");
        action_ws_box_load(ws, terms, 1, a, p);
        st = action_ws_box_drift(ws, c2);
        check_int(st, EMF_EDOM, "D=%d L0=%d start %d: box drift EMF_EDOM", t->D, t->L[0],
                  start);
        action_ws_box_store(ws, a, p2);
        check_true(tu_owned_equal(a, b), "D=%d L0=%d start %d: box drift = exp_mul bits",
                   t->D, t->L[0], start);
        check_bits(p, p2, nf * sizeof *p, "momenta back unchanged (NaN included)");
        /* halos untouched by the store (still NaN) */
        int halo_nan = 1;
        for (long is = 0; is < g->n_ext; is++)
          if (!g->is_owned[is]) halo_nan &= isnan(creal(gauge_link(a, is, 0)[0]));
        check_true(halo_nan, "box store leaves the halos alone");
      }
    }
  }
  free(f0);
  free(f1);
  free(p);
  free(p1);
  free(p2);
  action_ws_free(ws);
  gauge_free(a);
  gauge_free(b);
  geom_free(g);
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  error_init(MPI_COMM_WORLD);
  int np;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  const action_t wil = {action_wilson, 1.0};
  for (size_t c = 0; c < sizeof lats / sizeof lats[0]; c++) one_lattice(&lats[c], MPI_COMM_SELF);
  char msg[256];
  if (np > 1) { /* a split grid: no box */
    int L[4] = {8, 4, 4, 4}, grid[4] = {1, np, 1, 1};
    geom_t *g = geom_alloc(MPI_COMM_WORLD, 4, L, grid, 1, msg, sizeof msg);
    ERROR_LOC(g == NULL, EMF_EXIT_INTERNAL, "geom_alloc: %s", msg);
    gauge_t *a = gauge_alloc(g, 3);
    action_ws_t *ws = action_ws_alloc(a);
    check_int(action_ws_box_load(ws, &wil, 1, a, NULL), 0, "split grid: no box");
    action_ws_free(ws);
    gauge_free(a);
    geom_free(g);
  }
  { /* N = 2, no terms: no box */
    int L[4] = {8, 4, 4, 4}, ones[4] = {1, 1, 1, 1};
    geom_t *g = geom_alloc(MPI_COMM_SELF, 4, L, ones, 1, msg, sizeof msg);
    gauge_t *a2 = gauge_alloc(g, 2), *a3 = gauge_alloc(g, 3);
    action_ws_t *ws2 = action_ws_alloc(a2), *ws3 = action_ws_alloc(a3);
    check_int(action_ws_box_load(ws2, &wil, 1, a2, NULL), 0, "N = 2: no box");
    check_int(action_ws_box_load(ws3, &wil, 0, a3, NULL), 0, "no terms: no box");
    check_int(action_ws_box_load(ws3, &wil, 1, a2, NULL), 0, "workspace of another field: no box");
    action_ws_free(ws2);
    action_ws_free(ws3);
    gauge_free(a2);
    gauge_free(a3);
    geom_free(g);
  }
  int fails = check_finish_mpi("check_box", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails;
}
