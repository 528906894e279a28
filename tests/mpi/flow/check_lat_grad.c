/*******************************************************************************
 * check_lat_grad.c: exact training gradients of the lattice flow across
 * domains.
 *
 * Loss (reverse KL up to log Z) over B = 2 prior samples: L = (1/B) sum_b
 * [log q(U_1,b) + S(U_1,b)], S the Wilson action at beta = 2, U_1 the
 * 4-step fixed RKMK-RK4 flow.  Modes: plaquette + rectangle on 4x4 SU(2)
 * with quadratic F's (K = 2, 4 trained parameters a per term), with linear
 * F's (flow_linf, K = 2, 3 time functions, 12 per term, closed-form
 * per-loop sums), with degree-2 linear F's (42 per term, the sums read
 * the metric G); linear F's on all five loop terms (plaquette,
 * rectangle, 2x2, 1x3, corner; 60 parameters, halo depth 3) on 6x6 SU(2); and the pair term:
 * plaquette (linear F, K = 2, 12 parameters) + "plaquette-pair" (alpha,
 * gamma, delta in 3 time functions: 9 parameters; pot_pair_*) on 6x6
 * SU(2) and SU(3).  The gradient:
 * flow_lat_loss_grad (backpropagation through the RK4 steps with
 * pot_lat_vjp, cotangents across domains by the gather, parameter
 * gradients summed loop by loop in double-double, qsum_allreduce).
 *
 * 1. On the run's own grid (np = 1: one domain; np = 4: 2x2 domains):
 *    dL/da against 4th-order central differences of L (h = 1e-3; 5e-4
 *    for degree 2): relative error < 1e-6 (floor 1e-9 max |dL/da|); the
 *    cotangent of U_0 (flow_lat_vjp) on 6 global links x 3 generators
 *    (SU(3): T_0, T_3, T_7)
 *    against differences of L in exp(s T_a) U_0 (same tolerance); the
 *    batched parameter sums (flow_lat_set_exact_sums(fl, 0)) agree with the
 *    per-loop ones to 1e-12.  (Measured: 1e-10..5e-8; the error shrinks
 *    16x per halving of h, so it is the stencil's.)
 * 2. Rank 0 alone (size-1 sub-communicator) computes the batch gradient
 *    (flow_lat_grad_batch_all, batches of 4) and 3 Adam steps (lr 0.01,
 *    clipping at 20, fresh samples per step); then all ranks, split into
 *    every number of batch groups x up to 3 domain grids per group:
 *    gradient, losses, loss std, ESS, gradient norms and trained
 *    parameters bit-identical (memcmp), and so are log q, S and the
 *    plaquette of 6 samples of the trained flow (flow_lat_sample_all,
 *    adaptive rkf45, samples shared between the groups).
 * With the pair term the pair part of the gradient must not be trivially
 * small (max |dL/dc| > 1e-4, so that the FD check sees it).
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

#define NB 2        /* samples per batch */
#define NSTEP 4     /* RK4 steps */
#define BETA 2.0
#define H 1e-3
#define RTOL 1e-6
#define NTRAIN 3
#define NBATCH 4    /* samples per training batch */

/* mode 0: quadratic F's, 1: linear F's (plaquette + rectangle, 4x4);
 * 2: linear F's on all five shapes (6x6); 3: degree-2 linear F's
 * (plaquette + rectangle, 4x4); 4, 5: linear F on plaquettes + the pair
 * term (6x6, SU(2) and SU(3)) */
#define NMODE 6
static const int LAT4[2] = {4, 4}, LAT6[2] = {6, 6};
static const char *const all_shapes[5] = {"plaquette", "rectangle", "2x2", "1x3", "corner"};
static const char *const kinds[NMODE] = {"quadratic", "linear", "linear, 5 shapes,",
                                         "linear degree 2", "linear + pair SU(2)",
                                         "linear + pair SU(3)"};

static const int *mode_lattice(int mode) { return mode == 2 || mode >= 4 ? LAT6 : LAT4; }
static int mode_N(int mode) { return mode == 5 ? 3 : 2; }
static int mode_pair(int mode) { return mode >= 4; }

#define NTMAX 5     /* terms */
#define NPMAX 84    /* parameters of all terms, at most */
#define NPTERM 42   /* parameters of one term, at most */
#define NPPAIR 9    /* parameters of the pair term: 3 coefficients x 3 time functions */

typedef struct {
  geom_t *g;
  flow_lat_t *fl;
  pot_quad_t q[NTMAX];
  pot_func_t F[NTMAX];
  double da[NTMAX][POT_MMAX];
  flow_linf_t lc[NTMAX];
  flow_lat_pair_t pc;   /* the pair term's coefficients */
  double th[NTMAX][NPTERM], dth[NTMAX][NPTERM];
  double *par[NTMAX];   /* the trained parameters of each term */
  int npar[NTMAX];  /* per term: 4 (quadratic), 12 (linear), 42 (degree 2),
                       9 (pair) */
  int off[NTMAX];   /* offset of term c in the gradient vector */
  int ntot;         /* parameters of all terms */
  int nt;           /* terms */
  int N, D, nn, ngen;
  cplx_t *u;
} setup_t;

static int setup(setup_t *s, MPI_Comm comm, const int *grid, int mode)
{
  char msg[640] = "";
  const int lin = mode > 0, pair = mode_pair(mode);
  flow_lat_term_t terms[NTMAX];
  memset(s, 0, sizeof *s);
  s->nt = mode == 2 ? 5 : 2;
  s->N = mode_N(mode);
  s->D = 2;
  s->nn = s->N * s->N;
  s->ngen = s->nn - 1;
  for (int c = 0; c < s->nt; c++) {
    s->npar[c] = mode == 3 ? 42 : lin ? 12 : 4;
    if (pair && c == 1) {
      /* the pair term: (alpha, gamma, delta) x 3 Legendre functions */
      s->npar[c] = NPPAIR;
      tu_random_gauss_key(s->th[c], NPPAIR, 96, (uint64_t)c + 1, 0.05);
      s->pc = (flow_lat_pair_t){3, s->th[c]};
      s->par[c] = s->th[c];
    } else if (lin) {
      tu_random_gauss_key(s->th[c], 12, 98, (uint64_t)c + 1, 0.03);
      if (mode == 3) tu_random_gauss_key(s->th[c] + 12, 30, 97, (uint64_t)c + 1, 0.01);
      flow_linf_init_deg(&s->F[c], &s->lc[c], 2, mode == 3 ? 2 : 1, 3);
      flow_linf_set(&s->lc[c], s->th[c], s->dth[c]);
      s->par[c] = s->th[c];
    } else {
      tu_random_quad_key(&s->q[c], 2, 99, (uint64_t)c + 1, 0.02, 0.03, 0.02);
      s->q[c].da = s->da[c];
      pot_func_quad(&s->F[c], &s->q[c]);
      s->par[c] = s->q[c].a;
    }
    s->off[c] = s->ntot;
    s->ntot += s->npar[c];
  }
  for (int c = 0; c < s->nt; c++)
    terms[c] = (flow_lat_term_t){pair && c == 1 ? FLOW_LAT_PAIR : all_shapes[c], &s->F[c],
                                 lin ? s->dth[c] : s->da[c], (size_t)s->npar[c], &s->pc};
  s->g = geom_alloc(comm, 2, mode_lattice(mode), grid, flow_lat_depth(2, s->nt, terms), msg,
                    sizeof msg);
  if (!check_true(s->g != NULL, "geom: %s", msg)) return 0;
  s->fl = flow_lat_alloc(s->g, s->N, s->nt, terms, 3, NSTEP, "rkf45", msg, sizeof msg);
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

/* mean loss and its gradient (ntot) over the batch of training step `step` */
static double loss_grad(setup_t *s, uint32_t step, double *grad)
{
  double sum = 0, *gp[NTMAX];
  for (int c = 0; c < s->nt; c++) gp[c] = grad + s->off[c];
  flow_lat_grad_zero(s->fl);
  for (int b = 0; b < NB; b++) {
    double l;
    check_int(flow_lat_loss_grad(s->fl, BETA, 31, (uint64_t)b, step, s->u, &l, NULL, NULL),
              EMF_SUCCESS, "loss_grad sample %d", b);
    sum += l;
  }
  flow_lat_grad_allreduce(s->fl, s->g->comm, gp);
  for (int j = 0; j < s->ntot; j++) grad[j] /= NB;
  return sum / NB;
}

/* loss of one sample from the owned links u0 (flow, then S) */
static double loss_from(setup_t *s, const cplx_t *u0)
{
  flow_lat_t *fl = s->fl;
  const geom_t *g = s->g;
  const size_t site = (size_t)s->D * s->nn;
  double lq = 0, S;
  memcpy(s->u, u0, (size_t)fl->n_links * s->nn * sizeof(cplx_t));
  flow_lat_run_fixed(fl, s->u, &lq, 0);
  for (long io = 0; io < g->n_owned; io++)
    memcpy(gauge_link(fl->u, g->owned[io], 0), s->u + (size_t)io * site, site * sizeof(cplx_t));
  pot_wilson_eval(fl->u, BETA, &S, NULL);
  return lq + S;
}

static double mean_loss(setup_t *s)
{
  cplx_t *u0 = malloc((size_t)s->fl->n_links * s->nn * sizeof(cplx_t));
  double sum = 0;
  for (int b = 0; b < NB; b++) {
    flow_lat_prior_stream(s->fl, 31, RNG_TRAIN, (uint64_t)b, 0, u0);
    sum += loss_from(s, u0);
  }
  free(u0);
  return sum / NB;
}

static double stencil(const double *v, double h)
{
  return (v[0] - 8 * v[1] + 8 * v[3] - v[4]) / (12 * h);
}

static void fd_checks(MPI_Comm comm, int mode)
{
  int np, grid[EMF_DMAX] = {0, 0, 0, 0}, ch[EMF_DMAX];
  char msg[256];
  const char *kind = kinds[mode];
  setup_t s;
  double grad[NPMAX];
  MPI_Comm_size(comm, &np);
  geom_choose_grid(2, mode_lattice(mode), np, grid, ch, msg, sizeof msg);
  if (!setup(&s, comm, ch, mode)) return;
  const int ntot = s.ntot, N = s.N, nn = s.nn, ngen = s.ngen;
  /* the degree-2 F's make the loss more curved in its parameters: half the
   * step keeps the 4th-order stencil error (measured: 16x smaller per
   * halving) below the tolerance */
  const double hs = mode == 3 ? 0.5 * H : H;
  loss_grad(&s, 0, grad);
  double gs = 0, gfast[NPMAX];
  for (int j = 0; j < ntot; j++) gs = fmax(gs, fabs(grad[j]));
  flow_lat_set_exact_sums(s.fl, 0);
  loss_grad(&s, 0, gfast);
  flow_lat_set_exact_sums(s.fl, 1);
  for (int j = 0; j < ntot; j++)
    check_rel(gfast[j], grad[j], 1e-12, 1e-14 * gs, "%s F: batched parameter sums agree [%d]",
              kind, j);
  check_true(gs > 1e-3, "%s F: gradient not trivially small (max %.3e)", kind, gs);
  if (mode_pair(mode)) {
    double gp = 0;
    for (int j = 0; j < s.npar[1]; j++) gp = fmax(gp, fabs(grad[s.off[1] + j]));
    check_true(gp > 1e-4, "%s F: pair-term gradient not trivially small (max %.3e)", kind, gp);
  }
  for (int c = 0; c < s.nt; c++)
    for (int j = 0; j < s.npar[c]; j++) {
      double v[5], a0 = s.par[c][j];
      for (int k = 0; k < 5; k++) {
        if (k == 2) continue;
        s.par[c][j] = a0 + (k - 2) * hs;
        v[k] = mean_loss(&s);
      }
      s.par[c][j] = a0;
      double fd = stencil(v, hs);
      if (getenv("CHECK_VERBOSE") != NULL && s.g->rank == 0)
        printf("  %s grid %dx%d dL/da[%d][%d] = %.12e, FD %.12e, rel %.2e\n", kind, ch[0], ch[1],
               c, j, grad[s.off[c] + j], fd,
               fabs(grad[s.off[c] + j] - fd) / fmax(fabs(fd), 1e-300));
      check_rel(grad[s.off[c] + j], fd, RTOL, 1e-9 * gs, "%s F grid %dx%d dL/da[%d][%d] vs FD",
                kind, ch[0], ch[1], c, j);
    }

  /* cotangent of U_0 for sample 0: ubar = dloss/dU_0 on 6 global links */
  {
    flow_lat_t *fl = s.fl;
    const geom_t *g = s.g;
    const long nl = fl->n_links;
    const size_t site = (size_t)s.D * nn;
    double lq = 0, S;
    double *ubar = malloc((size_t)nl * ngen * sizeof(double));
    cplx_t *u0 = malloc((size_t)nl * nn * sizeof(cplx_t));
    cplx_t *up = malloc((size_t)nl * nn * sizeof(cplx_t));
    flow_lat_prior_stream(fl, 31, RNG_TRAIN, 0, 0, u0);
    memcpy(s.u, u0, (size_t)nl * nn * sizeof(cplx_t));
    flow_lat_run_fixed(fl, s.u, &lq, 1);
    for (long io = 0; io < g->n_owned; io++)
      memcpy(gauge_link(fl->u, g->owned[io], 0), s.u + (size_t)io * site, site * sizeof(cplx_t));
    pot_wilson_eval(fl->u, BETA, &S, ubar);
    check_int(flow_lat_vjp(fl, ubar, 1.0), EMF_SUCCESS, "flow_lat_vjp");
    static const long glinks[6] = {0, 5, 13, 18, 26, 31};
    for (int i = 0; i < 6; i++) {
      long gl = glinks[i], gsite = gl / 2;
      int mu = (int)(gl % 2);
      long io_own = -1;
      for (long io = 0; io < g->n_owned; io++)
        if (g->gsite[g->owned[io]] == gsite) io_own = io;
      for (int ia = 0; ia < 3; ia++) {
        const int a = ia * (ngen - 1) / 2;   /* SU(2): 0, 1, 2; SU(3): 0, 3, 7 */
        double v[5], mine = 0, an = 0;
        for (int k = 0; k < 5; k++) {
          if (k == 2) continue;
          memcpy(up, u0, (size_t)nl * nn * sizeof(cplx_t));
          if (io_own >= 0) {
            double x[EMF_NMAX * EMF_NMAX] = {0};
            cplx_t e[EMF_NMAX * EMF_NMAX];
            const size_t il = (size_t)io_own * 2 + (size_t)mu;
            x[a] = (k - 2) * hs;
            sun_exp_alg(N, e, x);
            sun_mul(N, up + il * nn, e, u0 + il * nn);
          }
          v[k] = loss_from(&s, up);
        }
        if (io_own >= 0) mine = ubar[((size_t)io_own * 2 + mu) * ngen + a];
        MPI_Allreduce(&mine, &an, 1, MPI_DOUBLE, MPI_SUM, comm);
        check_rel(an, stencil(v, hs), RTOL, 1e-9 * fmax(1.0, fabs(stencil(v, hs))),
                  "%s F grid %dx%d dL/dU_0 link %ld gen %d vs FD (%.10e vs %.10e)", kind, ch[0],
                  ch[1], gl, a, an, stencil(v, hs));
      }
    }
    free(ubar);
    free(u0);
    free(up);
  }
  teardown(&s);
}

#define NSMP 6      /* samples drawn after training */

typedef struct {
  double grad[NPMAX], loss[NTRAIN], std[NTRAIN], ess[NTRAIN], norm[NTRAIN], a[NPMAX];
  double smp[3 * NSMP];   /* log q, S, plaquette of the samples */
} train_t;

/* NTRAIN steps of gradient descent with batches of NBATCH over n_groups
 * groups of domain ranks (grid for each group) */
static void train(MPI_Comm comm, int n_groups, const int *grid, int mode, train_t *r)
{
  setup_t s;
  MPI_Comm dom;
  int rank, np;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &np);
  const int group = rank / (np / n_groups);
  MPI_Comm_split(comm, group, rank, &dom);
  if (setup(&s, dom, grid, mode)) {
    const int ntot = s.ntot;
    double gr[NPMAX], *gp[NTMAX], *theta[NTMAX];
    flow_lat_batch_t st;
    adam_state_t *adam = adam_alloc((size_t)ntot);
    for (int c = 0; c < s.nt; c++) {
      gp[c] = gr + s.off[c];
      theta[c] = s.par[c];
    }
    adam_parms_t ap = adam_parms_default();
    ap.lr = 0.01;
    ap.clip_norm = 20.0;
    check_int(flow_lat_grad_batch_all(s.fl, BETA, 31, 0, NBATCH, group, n_groups, comm, gp, &st),
              EMF_SUCCESS, "batch gradient");
    memcpy(r->grad, gr, (size_t)ntot * sizeof(double));
    for (int k = 0; k < NTRAIN; k++) {
      check_int(flow_lat_train_step_all(s.fl, BETA, 31, NBATCH, group, n_groups, comm, theta, adam,
                                        &ap, &st), EMF_SUCCESS, "Adam step");
      r->loss[k] = st.loss;
      r->std[k] = st.loss_std;
      r->ess[k] = st.ess;
      r->norm[k] = st.grad_norm;
      if (getenv("CHECK_VERBOSE") != NULL && rank == 0) {
        char line[256];
        flow_lat_progress(line, sizeof line, k + 1, NTRAIN, 0, &st, 0.1 * (k + 1));
        printf("  %s\n", line);
      }
    }
    check_int(adam->t, NTRAIN, "Adam steps counted");
    adam_free(adam);
    for (int c = 0; c < s.nt; c++)
      for (int j = 0; j < s.npar[c]; j++) r->a[s.off[c] + j] = s.par[c][j];
    flow_lat_samples_t smp;
    ode_adaptive_t par = {1e-8, 0.0, 0.0, 0};
    if (check_int(flow_lat_sample_all(s.fl, BETA, 8, 0, NSMP, &par, 0.0, group, n_groups, comm,
                                      &smp, NULL), EMF_SUCCESS, "sampling")) {
      memcpy(r->smp, smp.logq, NSMP * sizeof(double));
      memcpy(r->smp + NSMP, smp.action, NSMP * sizeof(double));
      memcpy(r->smp + 2 * NSMP, smp.plaq, NSMP * sizeof(double));
      flow_lat_samples_release(&smp);
    }
  }
  teardown(&s);
  MPI_Comm_free(&dom);
}

static void grid_checks(int mode)
{
  int rank, np, one[EMF_DMAX] = {1, 1, 1, 1};
  const char *kind = kinds[mode];
  const int *LAT = mode_lattice(mode), depth = mode == 2 ? 3 : 2;
  MPI_Comm self;
  train_t ref, run;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  memset(&ref, 0, sizeof ref);
  MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? 0 : MPI_UNDEFINED, 0, &self);
  if (rank == 0) {
    train(self, 1, one, mode, &ref);
    MPI_Comm_free(&self);
  }
  MPI_Bcast(&ref, (int)(sizeof ref / sizeof(double)), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  /* (groups, grid) layouts: every divisor of np as the number of groups,
   * up to 3 grids of np / groups ranks each */
  for (int ngr = 1; ngr <= np; ngr++) {
    if (np % ngr != 0) continue;
    const int nd = np / ngr;
    int nlay = 0;
    for (int g0 = 1; g0 <= nd && nlay < 3; g0++) {
      if (nd % g0 != 0 || LAT[0] % g0 != 0 || LAT[1] % (nd / g0) != 0 ||
          LAT[0] / g0 < depth || LAT[1] / (nd / g0) < depth)
        continue;
      int grid[EMF_DMAX] = {g0, nd / g0, 1, 1};
      nlay++;
      memset(&run, 0, sizeof run);
      train(MPI_COMM_WORLD, ngr, grid, mode, &run);
      check_bits(run.grad, ref.grad, sizeof ref.grad,
                 "%s F: %d groups x grid %dx%d: gradient bit-identical", kind, ngr, grid[0],
                 grid[1]);
      check_bits(run.loss, ref.loss, sizeof ref.loss,
                 "%s F: %d groups x grid %dx%d: losses bit-identical", kind, ngr, grid[0],
                 grid[1]);
      check_bits(run.std, ref.std, sizeof ref.std,
                 "%s F: %d groups x grid %dx%d: loss std bit-identical", kind, ngr, grid[0],
                 grid[1]);
      check_bits(run.ess, ref.ess, sizeof ref.ess,
                 "%s F: %d groups x grid %dx%d: ESS bit-identical", kind, ngr, grid[0], grid[1]);
      check_bits(run.norm, ref.norm, sizeof ref.norm,
                 "%s F: %d groups x grid %dx%d: gradient norms bit-identical", kind, ngr,
                 grid[0], grid[1]);
      check_bits(run.a, ref.a, sizeof ref.a,
                 "%s F: %d groups x grid %dx%d: trained parameters bit-identical", kind, ngr,
                 grid[0], grid[1]);
      check_true(run.ess[0] > 0 && run.ess[0] <= 1, "%s F: ESS in (0, 1]: %g", kind, run.ess[0]);
      check_bits(run.smp, ref.smp, sizeof ref.smp,
                 "%s F: %d groups x grid %dx%d: samples of the trained flow (log q, S, plaquette) "
                 "bit-identical", kind, ngr, grid[0], grid[1]);
    }
  }
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  for (int mode = 0; mode < NMODE; mode++) {
    fd_checks(MPI_COMM_WORLD, mode);
    grid_checks(mode);
  }
  int f = check_finish_mpi("check_lat_grad", MPI_COMM_WORLD);
  MPI_Finalize();
  return f;
}
