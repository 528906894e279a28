/*******************************************************************************
 * test_lat_equiv.c: gauge equivariance of the lattice flow (one rank).
 *
 * For a Haar prior sample U (flow_lat_prior) and a random gauge
 * transformation g(x) (Haar, one per global site),
 * U'_mu(x) = g(x) U_mu(x) g(x+mu)^+.  Both are flowed with the fixed-step
 * RKMK-RK4 map (4 steps) and the adaptive map (rkf45, eps_abs 1e-10): the
 * output must transform the same way, |flow(U')_l - g flow(U)_l g^+| <=
 * 1e-12 on every link (max entry), and log q must be unchanged to 1e-12
 * (relative to max(1, |log q|)).  RKMK is exactly equivariant (Ad commutes
 * with exp, dexp^{-1} and the field), so the fixed-step map agrees to
 * rounding; the adaptive controller's per-coordinate error norm is not
 * Ad-invariant, so there only the tolerance applies (checked to 1e-8).
 * Cases: D = 2 (4x3) and D = 4 (3^4), N = 2, 3, terms plaquette +
 * rectangle with random quadratic F (K = 2) per term, and the same with
 * random linear F's (flow_linf, K = 2, 3 time functions); all five loop
 * terms (plaquette, rectangle, 2x2, 1x3, corner; halo depth 3) on 5x4
 * (N = 2, 3) and 4^3 (N = 2); linear F's on plaquette + rectangle with the pair term
 * "plaquette-pair" (alpha, gamma, delta in 3 time functions; pot_pair_*)
 * on 4x3 (N = 2, 3), 3^4 (N = 2, 3; fixed steps only) and 5x4 (N = 3),
 * and with all five loop terms on 5x4 (N = 2).
 * Also: the flow moves the links (|log q| > 1e-2), the links stay in SU(N)
 * (unitarity < 1e-13), and refusals with a message: rectangles on a 2x2
 * lattice (a loop passes a link twice), an unknown shape, F's with
 * different K, a shallow halo; the pair term alone, twice, without
 * coefficients, with 0 or 17 time functions or a gradient buffer of the
 * wrong size, with a shallow halo and on a 4x2 lattice (an extent below
 * 3); a loop term without an F; a pair term beside loop terms of K = 2 is
 * accepted, with depth 2, also as the first term.
 ******************************************************************************/
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

/* u'(x, mu) = g(x) u g(x+mu)^+ on the owned links, g from global sites */
static void gauge_transform(const geom_t *g, int N, const cplx_t *gt, const cplx_t *u,
                            cplx_t *v)
{
  const int D = g->D, nn = N * N;
  cplx_t tmp[EMF_NMAX * EMF_NMAX];
  for (long io = 0; io < g->n_owned; io++) {
    int x[EMF_DMAX];
    geom_global_coords(g, g->owned[io], x);
    long gs = geom_global_index(g, x);
    for (int mu = 0; mu < D; mu++) {
      int y[EMF_DMAX];
      memcpy(y, x, sizeof y);
      y[mu] = (y[mu] + 1) % g->L[mu];
      long gs2 = geom_global_index(g, y);
      size_t il = (size_t)io * D + mu;
      sun_mul(N, tmp, gt + gs * nn, u + il * nn);
      sun_mul_dag(N, v + il * nn, tmp, gt + gs2 * nn);
    }
  }
}

static double max_diff(long n, const cplx_t *a, const cplx_t *b)
{
  double d = 0;
  for (long i = 0; i < n; i++) d = fmax(d, cabs(a[i] - b[i]));
  return d;
}

static const char *const all_shapes[5] = {"plaquette", "rectangle", "2x2", "1x3", "corner"};

/* the first nt terms of all_shapes (and the pair term when pair != 0, with
 * linear F's), halo depth want_depth */
static void run_case(int D, const int *L, int N, int lin, int nt, int pair, int want_depth,
                     int n_modes)
{
  char name[96], msg[640];
  int grid[EMF_DMAX] = {1, 1, 1, 1};
  pot_quad_t q[6];
  pot_func_t F[6];
  flow_linf_t lc[6];
  flow_lat_pair_t pc;
  double th[6][4 * 3];
  flow_lat_term_t terms[6];
  snprintf(name, sizeof name, "D=%d N=%d %s F, %d terms%s", D, N, lin ? "linear" : "quadratic",
           nt, pair ? " + pair" : "");
  msg[0] = 0;
  if (pair) {   /* the pair term: (alpha, gamma, delta) x 3 time functions */
    tu_random_gauss_key(th[nt], 3 * 3, 4244, (uint64_t)nt + 1, 0.15);
    pc = (flow_lat_pair_t){3, th[nt]};
    terms[nt] = (flow_lat_term_t){FLOW_LAT_PAIR, NULL, NULL, 0, &pc};
  }
  for (int c = 0; c < nt; c++) {
    terms[c] = (flow_lat_term_t){all_shapes[c], &F[c], NULL, 0, NULL};
    if (lin) {
      tu_random_gauss_key(th[c], 4 * 3, 4243, (uint64_t)c + 1, 0.15);
      flow_linf_init(&F[c], &lc[c], 2, 3);
      flow_linf_set(&lc[c], th[c], NULL);
    } else {
      tu_random_quad_key(&q[c], 2, 4242, (uint64_t)c + 1, 0.1, 0.05, 0.02);
      pot_func_quad(&F[c], &q[c]);
    }
  }
  int depth = flow_lat_depth(D, nt + (pair != 0), terms);
  check_int(depth, want_depth, "%s depth", name);
  geom_t *g = geom_alloc(MPI_COMM_SELF, D, L, grid, depth, msg, sizeof msg);
  if (!check_true(g != NULL, "%s geom: %s", name, msg)) return;
  flow_lat_t *fl = flow_lat_alloc(g, N, nt + (pair != 0), terms, 7, 4, "rkf45", msg, sizeof msg);
  if (!check_true(fl != NULL, "%s flow_lat_alloc: %s", name, msg)) return;
  const int nn = N * N;
  const long nl = fl->n_links, nm = nl * nn;
  cplx_t *u = malloc((size_t)nm * sizeof(cplx_t)), *v = malloc((size_t)nm * sizeof(cplx_t));
  cplx_t *w = malloc((size_t)nm * sizeof(cplx_t));
  cplx_t *gt = malloc((size_t)g->n_global * nn * sizeof(cplx_t));
  rng_stream_t rs;
  for (long gs = 0; gs < g->n_global; gs++) {
    rng_stream_init(&rs, 99, RNG_TEST, (uint64_t)gs, 7);
    rng_haar_sun(&rs, N, gt + gs * nn);
  }
  ode_adaptive_t par = {1e-10, 0.0, 0.0, 0};
  for (int mode = 0; mode < n_modes; mode++) {
    const char *mname = mode == 0 ? "fixed" : "adaptive";
    double lq = 0, lq2 = 0, tol = mode == 0 ? 1e-12 : 1e-8;
    int s1, s2;
    flow_lat_prior(fl, 1234, 3, 0, u);
    gauge_transform(g, N, gt, u, v);
    if (mode == 0) {
      s1 = flow_lat_run_fixed(fl, u, &lq, 0);
      s2 = flow_lat_run_fixed(fl, v, &lq2, 0);
    } else {
      s1 = flow_lat_run_adaptive(fl, &par, u, &lq, NULL);
      s2 = flow_lat_run_adaptive(fl, &par, v, &lq2, NULL);
    }
    check_int(s1, EMF_SUCCESS, "%s %s flow", name, mname);
    check_int(s2, EMF_SUCCESS, "%s %s flow of the transformed field", name, mname);
    gauge_transform(g, N, gt, u, w);
    double d = max_diff(nm, w, v);
    check_abs(d, 0.0, tol, "%s %s: flow(g.U) = g.flow(U) on every link (max diff %.2e)",
              name, mname, d);
    check_rel(lq2, lq, 0.0, tol * fmax(1.0, fabs(lq)),
              "%s %s: log q invariant (%.15f vs %.15f)", name, mname, lq2, lq);
    check_true(fabs(lq) > 1e-2, "%s %s: the flow is not trivial (log q = %.4f)", name, mname, lq);
    double ue = 0;
    for (long i = 0; i < nl; i++) ue = fmax(ue, sun_unitarity_error(N, u + i * nn));
    check_abs(ue, 0.0, 1e-13, "%s %s: links in SU(N) after the flow", name, mname);
  }
  free(u);
  free(v);
  free(w);
  free(gt);
  flow_lat_free(fl);
  geom_free(g);
}

/* the pair term's refusals and its acceptance beside K = 2 loop terms */
static void pair_refusals(void)
{
  char msg[640] = "";
  int grid[EMF_DMAX] = {1, 1, 1, 1}, L4[2] = {4, 4}, L42[2] = {4, 2};
  pot_func_t F;
  flow_linf_t lc;
  double th[3 * 16] = {0}, dth[3 * 16];
  flow_linf_init(&F, &lc, 2, 3);     /* linear, K = 2 */
  flow_linf_set(&lc, th, NULL);
  const flow_lat_pair_t pc = {3, th}, none = {3, NULL}, zero = {0, th}, many = {17, th};
  const flow_lat_term_t pl = {"plaquette", &F, NULL, 0, NULL},
                        pp = {FLOW_LAT_PAIR, NULL, NULL, 0, &pc};
  const struct {
    const char *what, *want;
    int n;
    flow_lat_term_t t[3];
  } cases[] = {
      {"pair term alone", "at least one loop term", 1, {pp}},
      {"pair term twice", "at most one", 3, {pl, pp, pp}},
      {"pair term without coefficients", "needs its coefficients", 2,
       {pl, {FLOW_LAT_PAIR, NULL, NULL, 0, NULL}}},
      {"pair term without theta", "needs its coefficients", 2,
       {pl, {FLOW_LAT_PAIR, NULL, NULL, 0, &none}}},
      {"pair term with 0 time functions", "needs its coefficients", 2,
       {pl, {FLOW_LAT_PAIR, NULL, NULL, 0, &zero}}},
      {"pair term with 17 time functions", "needs its coefficients", 2,
       {pl, {FLOW_LAT_PAIR, NULL, NULL, 0, &many}}},
      {"pair term with a gradient buffer of the wrong size", "gradient buffer", 2,
       {pl, {FLOW_LAT_PAIR, NULL, dth, 6, &pc}}},
      {"loop term without an F", "needs an F", 2, {{"plaquette", NULL, NULL, 0, NULL}, pp}},
  };
  geom_t *g = geom_alloc(MPI_COMM_SELF, 2, L4, grid, 2, msg, sizeof msg);
  check_true(g != NULL, "4x4 geom (depth 2): %s", msg);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    msg[0] = 0;
    flow_lat_t *fl = flow_lat_alloc(g, 2, cases[i].n, cases[i].t, 4, 2, NULL, msg, sizeof msg);
    check_true(fl == NULL && strstr(msg, cases[i].want) != NULL, "%s refused: \"%s\"",
               cases[i].what, msg);
    flow_lat_free(fl);
  }
  check_int((long)flow_lat_pair_n_params(3), 3 * POT_PAIR_NCOEF, "pair parameters, 3 functions");
  const flow_lat_term_t ok[2] = {pl, {FLOW_LAT_PAIR, NULL, dth, 9, &pc}};
  msg[0] = 0;
  check_int(flow_lat_depth(2, 2, ok), POT_PAIR_DEPTH, "plaquette + pair: depth %d",
            POT_PAIR_DEPTH);
  check_int(flow_lat_depth(2, 1, &pp), POT_PAIR_DEPTH, "pair alone: depth %d", POT_PAIR_DEPTH);
  flow_lat_t *fl = flow_lat_alloc(g, 2, 2, ok, 4, 2, NULL, msg, sizeof msg);
  check_true(fl != NULL, "plaquette (K = 2) + pair accepted: %s", msg);
  if (fl != NULL) {
    check_int(fl->K, 2, "the flow's K is the loop terms'");
    check_int(fl->pair_term, 1, "pair term found");
    check_int((long)fl->n_grad_total, 9, "pair parameters in the accumulators");
  }
  flow_lat_free(fl);
  const flow_lat_term_t first[2] = {{FLOW_LAT_PAIR, NULL, dth, 9, &pc}, pl};
  msg[0] = 0;
  fl = flow_lat_alloc(g, 2, 2, first, 4, 2, NULL, msg, sizeof msg);
  check_true(fl != NULL && fl->pair_term == 0 && fl->shape_term[0] == 1,
             "pair term first, then plaquette: accepted, plaquettes are term 1: %s", msg);
  flow_lat_free(fl);
  geom_free(g);
  g = geom_alloc(MPI_COMM_SELF, 2, L4, grid, 1, msg, sizeof msg);
  fl = flow_lat_alloc(g, 2, 2, ok, 4, 2, NULL, msg, sizeof msg);
  check_true(fl == NULL && strstr(msg, "halo depth") != NULL, "pair term with depth 1 refused: "
             "\"%s\"", msg);
  geom_free(g);
  g = geom_alloc(MPI_COMM_SELF, 2, L42, grid, 2, msg, sizeof msg);
  check_true(g != NULL, "4x2 geom (depth 2): %s", msg);
  msg[0] = 0;
  fl = flow_lat_alloc(g, 2, 2, ok, 4, 2, NULL, msg, sizeof msg);
  check_true(fl == NULL && msg[0] != 0, "pair term on 4x2 refused: \"%s\"", msg);
  if (getenv("CHECK_VERBOSE") != NULL) printf("  4x2 refusal message: %s\n", msg);
  flow_lat_free(fl);
  geom_free(g);
}

static void refusals(void)
{
  char msg[640] = "";
  int grid[EMF_DMAX] = {1, 1, 1, 1}, L2[2] = {2, 2}, L4[2] = {4, 4};
  pot_quad_t q[2];
  pot_func_t F[2];
  tu_random_quad_key(&q[0], 2, 4242, 1, 0.1, 0.05, 0.02);
  tu_random_quad_key(&q[1], 1, 4242, 2, 0.1, 0.05, 0.02);
  pot_func_quad(&F[0], &q[0]);
  pot_func_quad(&F[1], &q[1]);
  flow_lat_term_t pr[2] = {{"plaquette", &F[0], NULL, 0, NULL},
                           {"rectangle", &F[0], NULL, 0, NULL}};
  geom_t *g = geom_alloc(MPI_COMM_SELF, 2, L2, grid, 2, msg, sizeof msg);
  check_true(g != NULL, "2x2 geom (depth 2): %s", msg);
  flow_lat_t *fl = flow_lat_alloc(g, 2, 2, pr, 4, 2, NULL, msg, sizeof msg);
  check_true(fl == NULL, "rectangles on 2x2 refused");
  check_true(strstr(msg, "pass every link at most once") != NULL,
             "message explains the refusal: \"%s\"", msg);
  if (getenv("CHECK_VERBOSE") != NULL) printf("  refusal message: %s\n", msg);
  fl = flow_lat_alloc(g, 2, 1, pr, 4, 2, NULL, msg, sizeof msg);
  check_true(fl != NULL, "plaquettes on 2x2 accepted: %s", msg);
  flow_lat_free(fl);
  geom_free(g);

  g = geom_alloc(MPI_COMM_SELF, 2, L4, grid, 1, msg, sizeof msg);
  fl = flow_lat_alloc(g, 2, 2, pr, 4, 2, NULL, msg, sizeof msg);
  check_true(fl == NULL && strstr(msg, "halo depth") != NULL, "shallow halo refused: \"%s\"", msg);
  flow_lat_term_t bad[1] = {{"hexagon", &F[0], NULL, 0, NULL}};
  fl = flow_lat_alloc(g, 2, 1, bad, 4, 2, NULL, msg, sizeof msg);
  check_true(fl == NULL && strstr(msg, "hexagon") != NULL, "unknown shape refused: \"%s\"", msg);
  check_int(flow_lat_depth(2, 1, bad), -1, "depth of an unknown shape");
  flow_lat_term_t mix[2] = {{"plaquette", &F[0], NULL, 0, NULL},
                            {"plaquette", &F[1], NULL, 0, NULL}};
  fl = flow_lat_alloc(g, 2, 2, mix, 4, 2, NULL, msg, sizeof msg);
  check_true(fl == NULL && strstr(msg, "same K") != NULL, "F's with different K refused: \"%s\"", msg);
  fl = flow_lat_alloc(g, 2, 1, pr, 4, 2, "rk4classic", msg, sizeof msg);
  check_true(fl == NULL && strstr(msg, "adaptive") != NULL, "non-adaptive stepper refused: \"%s\"", msg);
  geom_free(g);
  pair_refusals();
}

int main(int argc, char **argv)
{
  int L2[2] = {4, 3}, L4[4] = {3, 3, 3, 3}, L5[2] = {5, 4}, L3[3] = {4, 4, 4};
  MPI_Init(&argc, &argv);
  refusals();
  for (int N = 2; N <= 3; N++)
    for (int lin = 0; lin < 2; lin++) {
      run_case(2, L2, N, lin, 2, 0, 2, 2);
      run_case(4, L4, N, lin, 2, 0, 2, 2);
      run_case(2, L5, N, lin, 5, 0, 3, 2);
    }
  run_case(3, L3, 2, 1, 5, 0, 3, 2);
  /* with the pair term; on 3^4 the fixed-step map only (pot_pair works on
   * the whole extended box, 30x the owned sites there: the adaptive run
   * would take ~15 s) */
  for (int N = 2; N <= 3; N++) {
    run_case(2, L2, N, 1, 2, 1, 2, 2);
    run_case(4, L4, N, 1, 2, 1, 2, 1);
  }
  run_case(2, L5, 3, 1, 2, 1, 2, 2);
  run_case(2, L5, 2, 1, 5, 1, 3, 2);
  int f = check_finish("test_lat_equiv");
  MPI_Finalize();
  return f;
}
