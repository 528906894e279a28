/*******************************************************************************
 * check_lat_path.c: the reverse run, the score and the path gradient of the
 * lattice flow (flow_lat_run_fixed_reverse, flow_lat_score,
 * flow_lat_set_path_grad; doc/flow_lattice.md section 13).
 *
 * Flows: plaquette + rectangle (linear F, K = 2, 3 time functions, random
 * parameters of size 0.15) on 4x4 SU(2), and plaquette + "plaquette-pair"
 * on 6x6 SU(3) (pair coefficients of size 0.05); 4 RK4 steps unless said.
 *
 * 1. Inverse: the reverse run takes U_1 = flow(U_0) back to U_0 up to the
 *    method's error: max |U - U_0| and |logq_fwd + logq_rev| fall by more
 *    than 10 (4th order: 16) from 4 to 8 steps, and are below 1e-3 (times
 *    |logq_fwd| for log q, an extensive sum) at 8.
 * 2. Score: flow_lat_score at U_1 against 4th-order central differences
 *    (h = 1e-3) of log q(U) = -(reverse run's logq) in U -> exp(s T_a) U on
 *    6 global links x 3 generators: relative error < 1e-6 (floor 1e-9).
 *    The score leaves the forward record alone: the VJP of a recorded
 *    forward run gives the same bits with and without a flow_lat_score in
 *    between, and the accumulators are unchanged by it.
 * 3. Unbiased: over M = 160 fresh training samples (beta = 2), the paired
 *    difference path - total of the per-sample parameter gradients has mean
 *    zero within 4 standard errors in every component (independent
 *    samples: no autocorrelation).  The score term that the path gradient
 *    drops has mean zero, so a sign or factor error in the score would show
 *    (checked: flipping the sign of the score fails this).  The SU(2) flow
 *    only (cost).
 * 4. Bits: the path-gradient batch gradient (flow_lat_grad_batch_all, 4
 *    samples) and 2 Adam steps on rank 0 alone and on all ranks (1 group
 *    with every domain grid; np groups) are bit-identical.
 ******************************************************************************/
/* NP: 1 2 4 */
/* TIMEOUT: 300 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "flow_lat.h"
#include "nn.h"
#include "rng.h"
#include "util.h"
#include "check.h"
#include "testutil.h"

#define BETA 2.0
#define H 1e-3
#define RTOL 1e-6
#define NPAR 12     /* linear F: 2 K monomials x 3 time functions */
#define NPPAIR 9
#define NPMAX (NPAR + NPAR)
#define MSTAT 160   /* samples of the unbiasedness check */

static const int LAT4[2] = {4, 4}, LAT6[2] = {6, 6};

typedef struct {
  geom_t *g;
  flow_lat_t *fl;
  pot_func_t F[2];
  flow_linf_t lc[2];
  flow_lat_pair_t pc;
  double th[2][NPAR], dth[2][NPAR];
  int npar[2], ntot, pair, N, nn, ngen;
  cplx_t *u;
} setup_t;

/* pair = 0: 4x4 SU(2) plaquette + rectangle; 1: 6x6 SU(3) plaquette + pair */
static int setup(setup_t *s, MPI_Comm comm, const int *grid, int pair, long nstep)
{
  char msg[640] = "";
  flow_lat_term_t terms[2];
  memset(s, 0, sizeof *s);
  s->pair = pair;
  s->N = pair ? 3 : 2;
  s->nn = s->N * s->N;
  s->ngen = s->nn - 1;
  for (int c = 0; c < 2; c++) {
    if (pair && c == 1) {
      s->npar[c] = NPPAIR;
      tu_random_gauss_key(s->th[c], NPPAIR, 96, 2, 0.05);
      s->pc = (flow_lat_pair_t){3, s->th[c]};
    } else {
      s->npar[c] = NPAR;
      tu_random_gauss_key(s->th[c], NPAR, 98, (uint64_t)c + 1, 0.15);
      flow_linf_init_deg(&s->F[c], &s->lc[c], 2, 1, 3);
      flow_linf_set(&s->lc[c], s->th[c], s->dth[c]);
    }
    s->ntot += s->npar[c];
  }
  terms[0] = (flow_lat_term_t){"plaquette", &s->F[0], s->dth[0], NPAR, NULL};
  terms[1] = (flow_lat_term_t){pair ? FLOW_LAT_PAIR : "rectangle", &s->F[1], s->dth[1],
                               (size_t)s->npar[1], &s->pc};
  s->g = geom_alloc(comm, 2, pair ? LAT6 : LAT4, grid, flow_lat_depth(2, 2, terms), msg,
                    sizeof msg);
  if (!check_true(s->g != NULL, "geom: %s", msg)) return 0;
  s->fl = flow_lat_alloc(s->g, s->N, 2, terms, 3, nstep, NULL, msg, sizeof msg);
  if (!check_true(s->fl != NULL, "flow: %s", msg)) return 0;
  s->u = malloc((size_t)s->fl->n_links * s->nn * sizeof(cplx_t));
  return 1;
}

static void teardown(setup_t *s)
{
  free(s->u);
  flow_lat_free(s->fl);
  if (s->g != NULL) geom_free(s->g);
}

static size_t ulen(const setup_t *s) { return (size_t)s->fl->n_links * s->nn * sizeof(cplx_t); }

/* max over ranks of max |a - b| over the owned links */
static double max_diff(const setup_t *s, const cplx_t *a, const cplx_t *b)
{
  double m = 0;
  for (long i = 0; i < s->fl->n_links * s->nn; i++) m = fmax(m, cabs(a[i] - b[i]));
  MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_DOUBLE, MPI_MAX, s->g->comm);
  return m;
}

static void inverse_checks(MPI_Comm comm, const int *grid, int pair)
{
  double du[2] = {0, 0}, dl[2] = {0, 0}, lsize = 0;
  for (int k = 0; k < 2; k++) {
    setup_t s;
    if (!setup(&s, comm, grid, pair, k == 0 ? 4 : 8)) return;
    cplx_t *u0 = malloc(ulen(&s));
    double lf = 0, lr = 0;
    flow_lat_prior_stream(s.fl, 31, RNG_TRAIN, 0, 0, u0);
    memcpy(s.u, u0, ulen(&s));
    check_int(flow_lat_run_fixed(s.fl, s.u, &lf, 0), EMF_SUCCESS, "forward run");
    check_int(flow_lat_run_fixed_reverse(s.fl, s.u, &lr, 0), EMF_SUCCESS, "reverse run");
    du[k] = max_diff(&s, s.u, u0);
    dl[k] = fabs(lf + lr);
    lsize = fabs(lf);
    check_true(fabs(lf) > 1e-2, "pair %d: the flow changes log q (%.3e)", pair, lf);
    free(u0);
    teardown(&s);
  }
  if (tu_verbose()) printf("  pair %d: inverse error U %.3e -> %.3e, log q %.3e -> %.3e of %.3e\n",
                           pair, du[0], du[1], dl[0], dl[1], lsize);
  check_true(du[0] > 10 * du[1] && du[1] < 1e-3,
             "pair %d: reverse run inverts the flow to O(h^4): |dU| %.3e (4 steps) %.3e (8)", pair,
             du[0], du[1]);
  check_true(dl[0] > 10 * dl[1] && dl[1] < 1e-3 * lsize,
             "pair %d: log q of the reverse run cancels to O(h^4): %.3e (4 steps) %.3e (8)", pair,
             dl[0], dl[1]);
}

/* -(reverse run's logq) from U */
static double logq_at(setup_t *s, const cplx_t *u)
{
  double e = 0;
  memcpy(s->u, u, ulen(s));
  flow_lat_run_fixed_reverse(s->fl, s->u, &e, 0);
  return -e;
}

static void score_checks(MPI_Comm comm, const int *grid, int pair)
{
  setup_t s;
  if (!setup(&s, comm, grid, pair, 4)) return;
  flow_lat_t *fl = s.fl;
  const geom_t *g = s.g;
  const long nl = fl->n_links;
  const int N = s.N, nn = s.nn, ngen = s.ngen;
  const size_t na = (size_t)nl * ngen;
  double lq = 0, lqs = 0;
  double *score = malloc(na * sizeof(double)), *a1 = malloc(na * sizeof(double));
  double *a2 = malloc(na * sizeof(double));
  cplx_t *u1 = malloc(ulen(&s)), *up = malloc(ulen(&s));
  qsum_t acc[NPMAX], acc2[NPMAX];

  /* the forward record and the accumulators survive the score */
  flow_lat_prior_stream(fl, 31, RNG_TRAIN, 0, 0, u1);
  check_int(flow_lat_run_fixed(fl, u1, &lq, 1), EMF_SUCCESS, "forward run");
  for (size_t i = 0; i < na; i++) a1[i] = a2[i] = sin(0.37 * (double)i + 0.1);
  flow_lat_grad_zero(fl);
  check_int(flow_lat_vjp(fl, a1, 1.0), EMF_SUCCESS, "VJP");
  memcpy(acc, fl->gacc, fl->n_grad_total * sizeof(qsum_t));
  flow_lat_grad_zero(fl);
  check_int(flow_lat_score(fl, u1, score, &lqs), EMF_SUCCESS, "score");
  memset(acc2, 0, sizeof acc2);
  check_bits(fl->gacc, acc2, fl->n_grad_total * sizeof(qsum_t),
             "pair %d: flow_lat_score leaves the accumulators at zero", pair);
  check_int(flow_lat_vjp(fl, a2, 1.0), EMF_SUCCESS, "VJP after the score");
  check_bits(a2, a1, na * sizeof(double), "pair %d: VJP after a score: same bits", pair);
  check_bits(fl->gacc, acc, fl->n_grad_total * sizeof(qsum_t),
             "pair %d: parameter gradients after a score: same bits", pair);
  check_rel(lqs, lq, 1e-2, 0, "pair %d: log q by the reverse run %.6e near the forward %.6e",
            pair, lqs, lq);

  double smax = tu_maxabs(score, (long)na);
  MPI_Allreduce(MPI_IN_PLACE, &smax, 1, MPI_DOUBLE, MPI_MAX, comm);
  check_true(smax > 1e-2, "pair %d: score not trivially small (max %.3e)", pair, smax);
  static const long glinks[6] = {0, 5, 13, 18, 26, 31};
  for (int i = 0; i < 6; i++) {
    const long il = tu_owned_link(g, 2, glinks[i]);
    for (int ia = 0; ia < 3; ia++) {
      const int a = ia * (ngen - 1) / 2;   /* SU(2): 0, 1, 2; SU(3): 0, 3, 7 */
      double v[5], mine = 0, an = 0;
      for (int k = 0; k < 5; k++) {
        if (k == 2) continue;
        memcpy(up, u1, ulen(&s));
        if (il >= 0) tu_shift(N, up + il * nn, a, (k - 2) * H, u1 + il * nn);
        v[k] = logq_at(&s, up);
      }
      if (il >= 0) mine = score[(size_t)il * ngen + a];
      MPI_Allreduce(&mine, &an, 1, MPI_DOUBLE, MPI_SUM, comm);
      check_rel(an, tu_fd1(v, H), RTOL, 1e-9 * fmax(1.0, smax),
                "pair %d grid %dx%d: score link %ld gen %d vs FD (%.10e vs %.10e)", pair, grid[0],
                grid[1], glinks[i], a, an, tu_fd1(v, H));
    }
  }
  free(score);
  free(a1);
  free(a2);
  free(u1);
  free(up);
  teardown(&s);
}

/* per-sample parameter gradient of sample b with the given estimator */
static void sample_grad(setup_t *s, int path, uint64_t b, double *grad)
{
  double *gp[2] = {grad, grad + s->npar[0]};
  flow_lat_set_path_grad(s->fl, path);
  flow_lat_grad_zero(s->fl);
  check_int(flow_lat_loss_grad(s->fl, BETA, 47, b, 0, s->u, NULL, NULL, NULL), EMF_SUCCESS,
            "loss_grad path %d sample %llu", path, (unsigned long long)b);
  flow_lat_grad_allreduce(s->fl, s->g->comm, gp);
}

static void unbiased_checks(MPI_Comm comm, const int *grid)
{
  setup_t s;
  if (!setup(&s, comm, grid, 0, 4)) return;
  const int n = s.ntot;
  double sum[NPMAX] = {0}, sum2[NPMAX] = {0}, vt[NPMAX] = {0}, vp[NPMAX] = {0};
  for (int b = 0; b < MSTAT; b++) {
    double gt[NPMAX], gpth[NPMAX];
    sample_grad(&s, 0, (uint64_t)b, gt);
    sample_grad(&s, 1, (uint64_t)b, gpth);
    for (int j = 0; j < n; j++) {
      const double d = gpth[j] - gt[j];
      sum[j] += d;
      sum2[j] += d * d;
      vt[j] += gt[j] * gt[j];
      vp[j] += gpth[j] * gpth[j];
    }
  }
  double rt = 0, rp = 0;
  for (int j = 0; j < n; j++) {
    const double m = sum[j] / MSTAT, var = (sum2[j] / MSTAT - m * m) * MSTAT / (MSTAT - 1);
    check_sigma(m, 0.0, sqrt(var / MSTAT), 4.0,
                "path - total gradient [%d]: mean %.3e zero within 4 standard errors", j, m);
    rt += vt[j];
    rp += vp[j];
  }
  if (tu_verbose() && s.g->rank == 0)
    printf("  second moment of the per-sample gradient: path / total = %.3f\n", rp / rt);
  teardown(&s);
}

typedef struct {
  double grad[NPMAX], a[NPMAX], loss[2];
} train_t;

static void train(MPI_Comm comm, int n_groups, const int *grid, train_t *r)
{
  setup_t s;
  MPI_Comm dom;
  int rank, np;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &np);
  const int group = rank / (np / n_groups);
  MPI_Comm_split(comm, group, rank, &dom);
  if (setup(&s, dom, grid, 0, 4)) {
    double gr[NPMAX], *gp[2] = {gr, gr + s.npar[0]}, *theta[2] = {s.th[0], s.th[1]};
    flow_lat_batch_t st;
    adam_state_t *adam = adam_alloc((size_t)s.ntot);
    adam_parms_t ap = adam_parms_default();
    ap.lr = 0.01;
    flow_lat_set_path_grad(s.fl, 1);
    check_int(flow_lat_grad_batch_all(s.fl, BETA, 31, 0, 4, group, n_groups, comm, gp, &st),
              EMF_SUCCESS, "path batch gradient");
    memcpy(r->grad, gr, (size_t)s.ntot * sizeof(double));
    for (int k = 0; k < 2; k++) {
      check_int(flow_lat_train_step_all(s.fl, BETA, 31, 4, group, n_groups, comm, theta, adam,
                                        &ap, &st), EMF_SUCCESS, "Adam step");
      r->loss[k] = st.loss;
    }
    adam_free(adam);
    memcpy(r->a, s.th[0], NPAR * sizeof(double));
    memcpy(r->a + NPAR, s.th[1], NPAR * sizeof(double));
  }
  teardown(&s);
  MPI_Comm_free(&dom);
}

static void grid_checks(void)
{
  int rank, np, one[EMF_DMAX] = {1, 1, 1, 1};
  MPI_Comm self;
  train_t ref, run;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  memset(&ref, 0, sizeof ref);
  MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? 0 : MPI_UNDEFINED, 0, &self);
  if (rank == 0) {
    train(self, 1, one, &ref);
    MPI_Comm_free(&self);
  }
  MPI_Bcast(&ref, (int)(sizeof ref / sizeof(double)), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  for (int ig = 0; ig < (np > 1 ? 2 : 1); ig++) {
    const int ngr = ig == 0 ? 1 : np, nd = np / ngr;
    for (int g0 = 1; g0 <= nd; g0++) {
      if (nd % g0 != 0 || 4 / g0 < 2 || 4 / (nd / g0) < 2) continue;
      int grid[EMF_DMAX] = {g0, nd / g0, 1, 1};
      memset(&run, 0, sizeof run);
      train(MPI_COMM_WORLD, ngr, grid, &run);
      check_bits(run.grad, ref.grad, sizeof ref.grad,
                 "path gradient: %d groups x grid %dx%d: gradient bit-identical", ngr, grid[0],
                 grid[1]);
      check_bits(run.loss, ref.loss, sizeof ref.loss,
                 "path gradient: %d groups x grid %dx%d: losses bit-identical", ngr, grid[0],
                 grid[1]);
      check_bits(run.a, ref.a, sizeof ref.a,
                 "path gradient: %d groups x grid %dx%d: trained parameters bit-identical", ngr,
                 grid[0], grid[1]);
    }
  }
}

int main(int argc, char **argv)
{
  int np, grid[EMF_DMAX] = {0, 0, 0, 0}, ch[EMF_DMAX];
  char msg[256];
  MPI_Init(&argc, &argv);
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  for (int pair = 0; pair < 2; pair++) {
    geom_choose_grid(2, pair ? LAT6 : LAT4, np, grid, ch, msg, sizeof msg);
    inverse_checks(MPI_COMM_WORLD, ch, pair);
    score_checks(MPI_COMM_WORLD, ch, pair);
  }
  geom_choose_grid(2, LAT4, np, grid, ch, msg, sizeof msg);
  unbiased_checks(MPI_COMM_WORLD, ch);
  grid_checks();
  int f = check_finish_mpi("check_lat_path", MPI_COMM_WORLD);
  MPI_Finalize();
  return f;
}
