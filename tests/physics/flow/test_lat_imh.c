/*******************************************************************************
 * test_lat_imh.c: the lattice flow as an exact sampler (one rank).
 *
 * 2D 4x4 SU(2), Wilson action at beta = 1.5, plaquette term with a
 * quadratic F (K = 1) whose linear coefficients a are trained from a = 0
 * (the identity flow: Haar proposals) by 25 Adam steps on the reverse-KL
 * loss (flow_lat_train_all: learning rate 0.02 with cosine decay to
 * 0.001, batches of 16, 4 RK4 steps).  Measured: evaluation ESS 0.025 ->
 * 0.83, IMH acceptance 0.71, plaquette 0.3464(25) (IMH) and 0.3461(19)
 * (reweighted) against the exact 0.34414.
 * Checks:
 *  - training helps: on 64 fixed evaluation samples (the same prior draws
 *    for both) the mean loss log q + S of the trained flow is below that of
 *    the Haar proposal, and its ESS above (deterministic, fixed seeds);
 *  - 4000 proposals from the trained flow (adaptive rkf45, eps_abs 1e-8,
 *    flow_lat_sample_all), log-weights -S - log q, fed to
 *    metro_summary_compute: the IMH chain's plaquette (Gamma-method error)
 *    and the reweighted plaquette (delta-method error) each equal the exact
 *    value (exact_lattice2d, L = 4) within 3 standard errors;
 *  - the log-density error against a 100x tighter run of the first 200
 *    samples is below 1e-5 (metro_logq_error).
 ******************************************************************************/
/* TIMEOUT: 300 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "exact.h"
#include "flow_lat.h"
#include "metro.h"
#include "nn.h"
#include "rng.h"
#include "util.h"
#include "check.h"

#define BETA 1.5
#define NTRAIN 25
#define BATCH 16
#define NSAMPLE 4000
#define NREF 200
#define NEVAL 64
#define LR 0.02

/* mean loss and ESS of the flow on evaluation samples (RNG_TRAIN step
 * 100000, the same prior draws for every call) */
static void evaluate(flow_lat_t *fl, double *loss, double *ess)
{
  flow_lat_batch_t st;
  double *none[1] = {NULL};
  flow_lat_grad_batch_all(fl, BETA, 11, 100000, NEVAL, 0, 1, MPI_COMM_SELF, none, &st);
  *loss = st.loss;
  *ess = st.ess;
}

int main(int argc, char **argv)
{
  int L[2] = {4, 4}, grid[EMF_DMAX] = {1, 1, 1, 1};
  char msg[640] = "";
  const int verbose = getenv("CHECK_VERBOSE") != NULL;
  pot_quad_t q;
  pot_func_t F;
  double da[2] = {0, 0};
  MPI_Init(&argc, &argv);
  memset(&q, 0, sizeof q);
  q.K = 1;
  q.da = da;
  pot_func_quad(&F, &q);
  flow_lat_term_t term = {"plaquette", &F, da, 2, NULL};
  geom_t *g = geom_alloc(MPI_COMM_SELF, 2, L, grid, 1, msg, sizeof msg);
  flow_lat_t *fl = flow_lat_alloc(g, 2, 1, &term, 16, 4, "rkf45", msg, sizeof msg);
  if (!check_true(fl != NULL, "flow: %s", msg)) return check_finish("test_lat_imh");

  double loss0, ess0, loss1, ess1, t0 = wtime();
  evaluate(fl, &loss0, &ess0);
  {
    double *theta[1] = {q.a};
    flow_lat_batch_t st;
    adam_state_t *adam = adam_alloc(2);
    adam_parms_t ap = adam_parms_default();
    ap.lr = LR;
    ap.clip_norm = 100.0;
    ap.schedule = NN_LR_COSINE;
    ap.total_steps = NTRAIN;
    ap.lr_min = 0.001;
    log_init(MPI_COMM_SELF, NULL);
    check_int(flow_lat_train_all(fl, BETA, 11, BATCH, 0, 1, MPI_COMM_SELF, theta, adam, &ap, NTRAIN,
                                 verbose ? 5 : 0, &st), EMF_SUCCESS, "training");
    check_int(adam->t, NTRAIN, "Adam steps");
    adam_free(adam);
    if (verbose) printf("  trained a = (%.4f, %.4f)\n", q.a[0], q.a[1]);
  }
  evaluate(fl, &loss1, &ess1);
  if (verbose)
    printf("  evaluation: Haar loss %.4f ESS %.3f -> trained loss %.4f ESS %.3f\n", loss0, ess0,
           loss1, ess1);
  check_true(loss1 < loss0, "training lowers the loss (%.4f -> %.4f)", loss0, loss1);
  check_true(ess1 > ess0, "training raises the ESS (%.3f -> %.3f)", ess0, ess1);

  /* sampling, IMH and reweighting */
  ode_adaptive_t par = {1e-8, 0.0, 0.0, 0};
  flow_lat_samples_t smp, sref;
  exact_lattice2d_t ex;
  metro_summary_t sum;
  metro_logq_error_t le;
  t0 = wtime();
  check_int(flow_lat_sample_all(fl, BETA, 5, 0, NSAMPLE, &par, 0.0, 0, 1, MPI_COMM_SELF, &smp, NULL),
            EMF_SUCCESS, "sampling");
  double tsamp = wtime() - t0;
  check_int(flow_lat_sample_all(fl, BETA, 5, 0, NREF, &par, 100.0, 0, 1, MPI_COMM_SELF, &sref, NULL),
            EMF_SUCCESS, "sampling with a reference run");
  double *logw = malloc(NSAMPLE * sizeof(double));
  for (long i = 0; i < NSAMPLE; i++) logw[i] = -smp.action[i] - smp.logq[i];
  check_int(metro_summary_compute(logw, smp.plaq, NSAMPLE, 1, 5, 0, 0, STATS_S_DEFAULT, &sum),
            EMF_SUCCESS, "metro_summary_compute");
  check_int(exact_lattice2d(2, BETA, 4, &ex), EMF_SUCCESS, "exact 2D plaquette");
  check_int(metro_logq_error(sref.logq, sref.logq_ref, sref.action, sref.action_ref, NREF, &le),
            EMF_SUCCESS, "log q error");
  if (verbose) {
    printf("  %d samples in %.2f s (%.1f field evaluations each), ESS %.3f, IMH acceptance %.3f\n",
           NSAMPLE, tsamp, (double)smp.n_eval / NSAMPLE, sum.ess, sum.imh.acceptance);
    printf("  plaquette: exact %.6f, IMH %.6f +- %.6f (tau_int %.2f), reweighted %.6f +- %.6f\n",
           ex.plaquette, sum.imh.obs[0].mean, sum.imh.obs[0].error, sum.imh.obs[0].tau_int,
           sum.rw[0].mean, sum.rw[0].error);
    printf("  log q error vs 100x tighter: max %.2e, rms %.2e; ESS %.4f vs %.4f\n", le.max_abs,
           le.rms, le.ess, le.ess_ref);
  }
  check_sigma(sum.imh.obs[0].mean, ex.plaquette, sum.imh.obs[0].error, 3.0,
              "IMH plaquette vs exact");
  check_sigma(sum.rw[0].mean, ex.plaquette, sum.rw[0].error, 3.0, "reweighted plaquette vs exact");
  check_true(sum.imh.acceptance > 0.2, "IMH acceptance %.3f > 0.2", sum.imh.acceptance);
  check_abs(le.max_abs, 0.0, 1e-5, "log q error vs a 100x tighter run");
  free(logw);
  flow_lat_samples_release(&smp);
  flow_lat_samples_release(&sref);
  flow_lat_free(fl);
  geom_free(g);
  int f = check_finish("test_lat_imh");
  MPI_Finalize();
  return f;
}
