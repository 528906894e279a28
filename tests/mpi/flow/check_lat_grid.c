/*******************************************************************************
 * check_lat_grid.c: the lattice flow gives the same bits on every process
 * grid.
 *
 * Rank 0 computes a reference alone (a sub-communicator of size 1, grid 1,
 * pot_lat batches of 5): the prior sample (seed 77, sample 5), its flow
 * with 3 fixed RKMK-RK4 steps and with the adaptive rkf45 stepper
 * (eps_abs 1e-8), the links and log q of both; it broadcasts them.  Then
 * all ranks together, for every process grid of the run's size whose local
 * extents cover the halo depth (at most 3 grids), do the same with batches
 * of 3: every owned link (prior, fixed, adaptive) must equal the
 * reference's link of the same global index bit for bit (memcmp), log q
 * too, and the adaptive runs must take the same number of steps.
 * Cases: 2D 8x8 SU(3) and 4D 4^4 SU(2), terms plaquette + rectangle with
 * quadratic F's (K = 2); 2D 8x8 SU(3) again with linear F's (flow_linf,
 * K = 2, 3 time functions); 2D 12x8 SU(2) with linear F's on all five
 * loop terms (plaquette, rectangle, 2x2, 1x3, corner: halo depth 3); with the pair term
 * ("plaquette-pair": alpha, gamma, delta in 3 time functions, pot_pair_*)
 * beside linear F's on plaquette + rectangle: 2D 8x8 SU(3) (pot_pair's own
 * grid identity in 2D and 3D: check_pair).
 ******************************************************************************/
/* NP: 1 2 4 */
/* TIMEOUT: 300 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "flow_lat.h"
#include "rng.h"
#include "util.h"
#include "check.h"
#include "testutil.h"

typedef struct {
  cplx_t *prior, *fixed, *adapt;   /* (n_links_global, nn), global link order */
  double lq_fixed, lq_adapt;
  long steps;
} result_t;

static const char *const all_shapes[5] = {"plaquette", "rectangle", "2x2", "1x3", "corner"};

/* Runs the three flows on comm with grid; res holds this rank's owned links
 * (owned order) when compare == 0, else they are compared with res.
 * lin: 0 quadratic F's on plaquettes + rectangles, 1 linear F's on them,
 * 2 linear F's on all five shapes, 3 linear F's on plaquettes + rectangles
 * and the pair term. */
static void run(MPI_Comm comm, const char *name, int D, const int *L, const int *grid, int N,
                int lin, int nb, result_t *ref, int compare)
{
  char msg[640] = "";
  const int nt = lin == 2 ? 5 : lin == 3 ? 3 : 2;
  pot_quad_t q[5];
  pot_func_t F[5];
  flow_linf_t lc[5];
  flow_lat_pair_t pc;
  double th[5][4 * 3];
  flow_lat_term_t terms[5];
  for (int c = 0; c < nt; c++) {
    terms[c] = (flow_lat_term_t){all_shapes[c], &F[c], NULL, 0, NULL};
    if (lin == 3 && c == 2) {   /* the pair term: (alpha, gamma, delta) x 3 time functions */
      tu_random_gauss_key(th[c], 3 * 3, 779, (uint64_t)c + 1, 0.05);
      pc = (flow_lat_pair_t){3, th[c]};
      terms[c] = (flow_lat_term_t){FLOW_LAT_PAIR, NULL, NULL, 0, &pc};
    } else if (lin) {
      tu_random_gauss_key(th[c], 4 * 3, 778, (uint64_t)c + 1, 0.05);
      flow_linf_init(&F[c], &lc[c], 2, 3);
      flow_linf_set(&lc[c], th[c], NULL);
    } else {
      tu_random_quad_key(&q[c], 2, 777, (uint64_t)c + 1, 0.03, 0.01, 0.01);
      pot_func_quad(&F[c], &q[c]);
    }
  }
  geom_t *g = geom_alloc(comm, D, L, grid, flow_lat_depth(D, nt, terms), msg, sizeof msg);
  if (!check_true(g != NULL, "%s geom: %s", name, msg)) return;
  flow_lat_t *fl = flow_lat_alloc(g, N, nt, terms, nb, 3, "rkf45", msg, sizeof msg);
  if (!check_true(fl != NULL, "%s flow: %s", name, msg)) {
    geom_free(g);
    return;
  }
  const int nn = N * N;
  const size_t nm = (size_t)fl->n_links * nn;
  cplx_t *u[3];
  double lqf = 0, lqa = 0;
  ode_adaptive_t par = {1e-8, 0.0, 0.0, 0};
  ode_stats_t st;
  for (int k = 0; k < 3; k++) u[k] = malloc(nm * sizeof(cplx_t));
  flow_lat_prior(fl, 77, 5, 0, u[0]);
  memcpy(u[1], u[0], nm * sizeof(cplx_t));
  memcpy(u[2], u[0], nm * sizeof(cplx_t));
  check_int(flow_lat_run_fixed(fl, u[1], &lqf, 0), EMF_SUCCESS, "%s fixed", name);
  check_int(flow_lat_run_adaptive(fl, &par, u[2], &lqa, &st), EMF_SUCCESS, "%s adaptive", name);
  if (!compare) {
    ref->prior = u[0];
    ref->fixed = u[1];
    ref->adapt = u[2];
    ref->lq_fixed = lqf;
    ref->lq_adapt = lqa;
    ref->steps = st.n_steps;
    if (getenv("CHECK_VERBOSE") != NULL)
      printf("  %s reference: log q fixed %.12f, adaptive %.12f (%ld steps, %ld evaluations, "
             "%.3g s per evaluation per link)\n", name, lqf, lqa, st.n_steps, st.n_eval,
             fl->t_field / (double)fl->n_field / (double)fl->n_links);
  } else {
    long bad[3] = {0, 0, 0};
    for (long io = 0; io < g->n_owned; io++) {
      long gs = g->gsite[g->owned[io]];
      for (int k = 0; k < 3; k++) {
        const cplx_t *r = k == 0 ? ref->prior : k == 1 ? ref->fixed : ref->adapt;
        if (memcmp(u[k] + (size_t)io * D * nn, r + (size_t)gs * D * nn,
                   (size_t)D * nn * sizeof(cplx_t)) != 0)
          bad[k]++;
      }
    }
    check_int(bad[0], 0, "%s prior links bit-identical to the reference", name);
    check_int(bad[1], 0, "%s fixed-step links bit-identical", name);
    check_int(bad[2], 0, "%s adaptive links bit-identical", name);
    check_bits(&lqf, &ref->lq_fixed, sizeof lqf, "%s fixed log q bit-identical (%.15g vs %.15g)",
               name, lqf, ref->lq_fixed);
    check_bits(&lqa, &ref->lq_adapt, sizeof lqa, "%s adaptive log q bit-identical (%.15g vs %.15g)",
               name, lqa, ref->lq_adapt);
    check_int(st.n_steps, ref->steps, "%s adaptive steps", name);
    for (int k = 0; k < 3; k++) free(u[k]);
  }
  flow_lat_free(fl);
  geom_free(g);
}

static void run_case(const char *name, int D, const int *L, int N, int lin)
{
  int rank, np, one[EMF_DMAX] = {1, 1, 1, 1}, gl[TU_MAX_GRIDS][EMF_DMAX];
  MPI_Comm self;
  result_t ref;
  const int nn = N * N;
  long nlg = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  for (int mu = 0; mu < D; mu++) nlg *= L[mu];
  nlg *= D;
  MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? 0 : MPI_UNDEFINED, 0, &self);
  if (rank == 0) {
    run(self, name, D, L, one, N, lin, 5, &ref, 0);
    MPI_Comm_free(&self);
  } else {
    ref.prior = malloc((size_t)nlg * nn * sizeof(cplx_t));
    ref.fixed = malloc((size_t)nlg * nn * sizeof(cplx_t));
    ref.adapt = malloc((size_t)nlg * nn * sizeof(cplx_t));
  }
  MPI_Bcast(ref.prior, (int)(nlg * nn), MPI_C_DOUBLE_COMPLEX, 0, MPI_COMM_WORLD);
  MPI_Bcast(ref.fixed, (int)(nlg * nn), MPI_C_DOUBLE_COMPLEX, 0, MPI_COMM_WORLD);
  MPI_Bcast(ref.adapt, (int)(nlg * nn), MPI_C_DOUBLE_COMPLEX, 0, MPI_COMM_WORLD);
  MPI_Bcast(&ref.lq_fixed, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(&ref.lq_adapt, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(&ref.steps, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  int ng = tu_grids_deep(D, L, lin == 2 ? 3 : 2, 3, tu_grids(D, L, np, gl), gl);
  check_true(ng > 0, "%s: some grid of %d ranks fits", name, np);
  for (int i = 0; i < ng; i++) {
    char nm[128];
    snprintf(nm, sizeof nm, "%s grid %d.%d.%d.%d", name, gl[i][0], gl[i][1],
             D > 2 ? gl[i][2] : 1, D > 3 ? gl[i][3] : 1);
    run(MPI_COMM_WORLD, nm, D, L, gl[i], N, lin, 3, &ref, 1);
  }
  free(ref.prior);
  free(ref.fixed);
  free(ref.adapt);
}

int main(int argc, char **argv)
{
  int L2[2] = {8, 8}, L4[4] = {4, 4, 4, 4}, L12[2] = {12, 8};
  MPI_Init(&argc, &argv);
  run_case("2D 8x8 SU(3)", 2, L2, 3, 0);
  run_case("4D 4^4 SU(2)", 4, L4, 2, 0);
  run_case("2D 8x8 SU(3) linear F", 2, L2, 3, 1);
  run_case("2D 12x8 SU(2) linear F, five shapes", 2, L12, 2, 2);
  run_case("2D 8x8 SU(3) linear F + pair", 2, L2, 3, 3);
  int f = check_finish_mpi("check_lat_grid", MPI_COMM_WORLD);
  MPI_Finalize();
  return f;
}
