/*******************************************************************************
 * test_tiny.c: a tiny training run works (seconds; the long runs are in
 * tests/physics/flow/check_targets.c, SUITE long, and analysis/).
 *
 * SU(2), beta = 3, c = (1); network width 8, depth 2, K = 2; batch 64 in
 * blocks of 16, 4 RK4 steps, 60 Adam steps at lr 2e-2 (cosine).  Checks:
 * every step succeeds; the mean loss of the last 10 steps is below that of
 * the first 10 by more than 5 standard errors of the batch means (the loss
 * must go down); the KL estimate loss + log Z stays >= -5 standard errors
 * (reverse KL is non-negative); sampling 1024 matrices afterwards gives an
 * ESS above that of the identity flow (Haar, measured on the same prior
 * samples) and a log-density error below 1e-6 against the reference run.
 ******************************************************************************/
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include "exact.h"
#include "metro.h"
#include "train.h"
#include "check.h"

static double ess_of(const train_sample_t *s)
{
  double lw[1024], mx = -INFINITY, s1 = 0, s2 = 0;
  for (long i = 0; i < s->n; i++) {
    lw[i] = -s->action[i] - s->logq[i];
    mx = fmax(mx, lw[i]);
  }
  for (long i = 0; i < s->n; i++) {
    double w = exp(lw[i] - mx);
    s1 += w;
    s2 += w * w;
  }
  return s1 * s1 / (s->n * s2);
}

int main(int argc, char **argv)
{
  const train_target_t tg = {.N = 2, .beta = 3.0, .n_c = 1, .c = {1.0}};
  nn_config_t cfg = {.n_x = 4, .n_freq = 1, .width = 8, .depth = 2, .act = nn_act_tanh};
  nn_t net;
  static double theta[4096], zero[4096];
  double loss[60], se[60], first = 0, last = 0, sfirst = 0, slast = 0;
  adam_parms_t ap = adam_parms_default();
  adam_state_t *adam;
  train_single_t *t;
  train_sample_t s0, s1;
  exact_single_t ex;
  ode_adaptive_t par = {1e-9, 1e-9, 0, 0};
  int fails;
  MPI_Init(&argc, &argv);
  nn_init(&net, &cfg);
  exact_single(2, 3.0, tg.c, 1, &ex);
  nn_init_params_seed(theta, &net, 5, 0.0);
  adam = adam_alloc(net.n_params);
  t = train_single_alloc(&net, &tg, 64, 16, 4, 5);
  ap.lr = 2e-2;
  ap.schedule = NN_LR_COSINE;
  ap.total_steps = 60;
  ap.clip_norm = 10.0;
  for (int s = 0; s < 60; s++) {
    train_stats_t st;
    if (train_single_step_all(t, theta, adam, &ap, &st, MPI_COMM_SELF) != EMF_SUCCESS) {
      check_true(0, "step %d failed", s);
      break;
    }
    loss[s] = st.loss;
    se[s] = st.loss_std / sqrt(64.0);
  }
  for (int s = 0; s < 10; s++) {
    first += loss[s] / 10;
    last += loss[50 + s] / 10;
    sfirst += se[s] * se[s] / 100;
    slast += se[50 + s] * se[50 + s] / 100;
  }
  check_true(first - last > 5 * sqrt(sfirst + slast),
             "loss decreases: first 10 steps %.4f, last 10 %.4f (+- %.4f)", first, last,
             sqrt(sfirst + slast));
  check_true(last + ex.logZ > -5 * sqrt(slast), "KL estimate %.4f >= 0 within 5 errors",
             last + ex.logZ);
  check_int(train_single_sample_all(&net, theta, &tg, 1024, 64, "rkf45", &par, 100, 9, 0, &s1,
                                    MPI_COMM_SELF), 0, "sampling the trained flow");
  check_int(train_single_sample_all(&net, zero, &tg, 1024, 64, "rkf45", &par, 0, 9, 0, &s0,
                                    MPI_COMM_SELF), 0, "sampling the identity flow");
  {
    double e1 = ess_of(&s1), e0 = ess_of(&s0), mx = 0;
    for (long i = 0; i < s1.n; i++) mx = fmax(mx, fabs(s1.logq[i] - s1.logq_ref[i]));
    check_true(e1 > e0 + 0.05, "ESS trained %.4f > identity flow %.4f", e1, e0);
    check_abs(mx, 0, 1e-6, "log q error against tolerance / 100: %.2e", mx);
  }
  train_sample_release(&s0);
  train_sample_release(&s1);
  train_single_free(t);
  adam_free(adam);
  fails = check_finish("test_tiny");
  MPI_Finalize();
  return fails != 0;
}
