/*******************************************************************************
 * test_lat_jacobian.c: log q of the lattice flow against a brute-force
 * Jacobian (one rank).
 *
 * With the Haar prior (log q_0 = 0) and the Haar measure invariant under
 * left translations, log q_1(U_1) = -log |det J| where J is the Jacobian of
 * U_0 -> U_1 in left-trivialised coordinates: column (l, a) is
 * d/ds z(U_1(exp(s T_a) U_0,l)) at s = 0, with z_{l',b} = sun_to_alg(
 * U_1,l'(s) U_1,l'^+)_b (= the algebra coordinates of the left increment to
 * first order; a smooth function of s, so the derivative is exact).
 * J by 4th-order central differences (h = 1e-3) of flows integrated with
 * rk8pd at eps_abs = 1e-13; log|det J| by LU (GSL).  log q from the same
 * adaptive flow (exact divergence integrated as an extra component).
 * Cases: 2x2 SU(2) with plaquettes (8 links, 24 coordinates) and 3x3 SU(2)
 * with plaquettes + rectangles (18 links, 54 coordinates), random quadratic
 * F (K = 2) per term (log q = 9.3 and 21.6); 2x2 SU(2) plaquettes and 3x3
 * plaquettes + rectangles again with random linear F's (flow_linf, K = 2,
 * 3 time functions); 3x3 SU(2) plaquettes (linear F) + the pair term
 * "plaquette-pair" (alpha, gamma, delta in 3 time functions: the
 * divergence of pot_pair_eval enters log q); 3x3 SU(3) plaquettes with a
 * linear F of degree 2 (K = 2, 14 monomials) + the pair term (144
 * coordinates, log q = 72.8: Im tr W and the Im.Im product, zero for SU(2),
 * enter).  Tolerance |log q +
 * log|det J|| <= 1e-7 (measured 8e-11 and 8e-10; the stencil error scales
 * as h^4, 1.6e-6 -> 1e-7 from h = 1e-3 to 5e-4 for a 4x stronger flow).
 * The fixed-step log q (32 RK4 steps) must agree with the adaptive one to
 * 1e-5 max(1, |log q|) (a consistency check of the two integrators).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include <gsl/gsl_linalg.h>
#include "flow_lat.h"
#include "rng.h"
#include "util.h"
#include "check.h"
#include "testutil.h"

static double H = 1e-3, SC = 0.5;

/* lin: 0 quadratic F's, 1 linear F's, 2 linear F on plaquettes + the pair
 * term, 3 as 2 with N = 3 and the plaquette F of degree 2 */
static void run_case(const char *name, const int *L, int n_terms, double scale, int lin)
{
  const int N = lin == 3 ? 3 : 2, nn = N * N, ngen = N * N - 1, D = 2;
  char msg[640] = "";
  int grid[EMF_DMAX] = {1, 1, 1, 1};
  pot_quad_t q[2];
  pot_func_t F[2];
  flow_linf_t lc[2];
  flow_lat_pair_t pc;
  double th[2][14 * 3];
  flow_lat_term_t terms[2] = {{"plaquette", &F[0], NULL, 0, NULL}, {"rectangle", &F[1], NULL, 0, NULL}};
  for (int c = 0; c < 2; c++) {
    if (lin >= 2 && c == 1) {   /* (alpha, gamma, delta) x 3 time functions */
      tu_random_gauss_key(th[c], 3 * 3, 5153, (uint64_t)c + 1, 0.1 * scale);
      pc = (flow_lat_pair_t){3, th[c]};
      terms[c] = (flow_lat_term_t){FLOW_LAT_PAIR, NULL, NULL, 0, &pc};
    } else if (lin == 3) {      /* K = 2, degree 2: 14 monomials */
      tu_random_gauss_key(th[c], 14 * 3, 5154, (uint64_t)c + 1, 0.1 * scale);
      flow_linf_init_deg(&F[c], &lc[c], 2, 2, 3);
      flow_linf_set(&lc[c], th[c], NULL);
    } else if (lin) {
      tu_random_gauss_key(th[c], 4 * 3, 5152, (uint64_t)c + 1, 0.3 * scale);
      flow_linf_init(&F[c], &lc[c], 2, 3);
      flow_linf_set(&lc[c], th[c], NULL);
    } else {
      tu_random_quad_key(&q[c], 2, 5151, (uint64_t)c + 1, 0.3 * scale, 0.2 * scale,
                         0.05 * scale);
      pot_func_quad(&F[c], &q[c]);
    }
  }
  geom_t *g = geom_alloc(MPI_COMM_SELF, D, L, grid, flow_lat_depth(D, n_terms, terms), msg,
                         sizeof msg);
  if (!check_true(g != NULL, "%s geom: %s", name, msg)) return;
  flow_lat_t *fl = flow_lat_alloc(g, N, n_terms, terms, 4, 32, "rk8pd", msg, sizeof msg);
  if (!check_true(fl != NULL, "%s flow_lat_alloc: %s", name, msg)) return;
  const long nl = fl->n_links, nc = nl * ngen;
  cplx_t *u0 = malloc((size_t)nl * nn * sizeof(cplx_t)), *u1 = malloc((size_t)nl * nn * sizeof(cplx_t));
  cplx_t *up = malloc((size_t)nl * nn * sizeof(cplx_t));
  double *z = malloc((size_t)5 * nc * sizeof(double));
  gsl_matrix *J = gsl_matrix_alloc((size_t)nc, (size_t)nc);
  gsl_permutation *perm = gsl_permutation_alloc((size_t)nc);
  ode_adaptive_t par = {1e-13, 0.0, 0.0, 0};
  ode_stats_t st;
  double lq = 0, lqf = 0;
  int ok = 1;

  flow_lat_prior(fl, 2024, 0, 0, u0);
  memcpy(u1, u0, (size_t)nl * nn * sizeof(cplx_t));
  check_int(flow_lat_run_adaptive(fl, &par, u1, &lq, &st), EMF_SUCCESS, "%s adaptive flow", name);
  memcpy(up, u0, (size_t)nl * nn * sizeof(cplx_t));
  check_int(flow_lat_run_fixed(fl, up, &lqf, 0), EMF_SUCCESS, "%s fixed flow", name);
  check_abs(lqf - lq, 0.0, 1e-5 * fmax(1.0, fabs(lq)), "%s fixed (32 RK4 steps) vs adaptive log q: %.3e", name, lqf - lq);

  for (long l = 0; l < nl && ok; l++)
    for (int a = 0; a < ngen && ok; a++) {
      for (int s = 0; s < 5; s++) {
        double x[8] = {0}, lqp = 0;
        cplx_t e[9], tmp[9];
        if (s == 2) continue;
        memcpy(up, u0, (size_t)nl * nn * sizeof(cplx_t));
        x[a] = (s - 2) * H;
        sun_exp_alg(N, e, x);
        sun_mul(N, up + l * nn, e, u0 + l * nn);
        ok = flow_lat_run_adaptive(fl, &par, up, &lqp, NULL) == EMF_SUCCESS;
        for (long k = 0; k < nl; k++) {
          sun_mul_dag(N, tmp, up + k * nn, u1 + k * nn);
          sun_to_alg(N, z + s * nc + k * ngen, tmp);
        }
      }
      for (long i = 0; i < nc; i++)
        gsl_matrix_set(J, (size_t)i, (size_t)(l * ngen + a),
                       (z[i] - 8 * z[nc + i] + 8 * z[3 * nc + i] - z[4 * nc + i]) / (12 * H));
    }
  check_true(ok, "%s all perturbed flows succeeded", name);
  int sgn;
  gsl_linalg_LU_decomp(J, perm, &sgn);
  double lndet = gsl_linalg_LU_lndet(J);
  if (getenv("CHECK_VERBOSE") != NULL)
    printf("  %s: %ld coordinates, log q = %.12f, -log|det J| = %.12f, diff %.2e "
           "(%ld adaptive steps)\n", name, nc, lq, -lndet, lq + lndet, st.n_steps);
  check_abs(lq + lndet, 0.0, 1e-7, "%s log q = -log|det J| (%.12f vs %.12f)", name, lq, -lndet);
  check_true(fabs(lq) > 0.1, "%s the flow is not trivial (log q = %.4f)", name, lq);
  gsl_matrix_free(J);
  gsl_permutation_free(perm);
  free(u0);
  free(u1);
  free(up);
  free(z);
  flow_lat_free(fl);
  geom_free(g);
}

int main(int argc, char **argv)
{
  int L2[2] = {2, 2}, L3[2] = {3, 3};
  MPI_Init(&argc, &argv);
  if (getenv("JH")) H = atof(getenv("JH"));
  if (getenv("JS")) SC = atof(getenv("JS"));
  run_case("2x2 SU(2) plaquettes", L2, 1, 1.0, 0);
  run_case("3x3 SU(2) plaquettes + rectangles", L3, 2, SC, 0);
  run_case("2x2 SU(2) plaquettes, linear F", L2, 1, 1.0, 1);
  run_case("3x3 SU(2) plaquettes + rectangles, linear F", L3, 2, SC, 1);
  run_case("3x3 SU(2) plaquettes, linear F + pair", L3, 2, SC, 2);
  run_case("3x3 SU(3) plaquettes, linear F of degree 2 + pair", L3, 2, SC, 3);
  int f = check_finish("test_lat_jacobian");
  MPI_Finalize();
  return f;
}
