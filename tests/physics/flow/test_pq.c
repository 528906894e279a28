/*******************************************************************************
 * test_pq.c: the flow's log q is a normalised density: E_q[p/q] = 1.
 *
 * For a random (untrained; output-layer scale 1 for SU(2), 0.5 for SU(3)) network, samples U ~ q of the flow
 * and the exact log Z of the target give r = p/q = exp(-S - log q - log Z);
 * its sample mean must be 1 within 3 standard errors.  A wrong log q (a
 * missing divergence term, a wrong sign) moves the mean by many errors;
 * the test also checks that the flow is far from Haar (spread of log q over
 * the samples > 0.3) so that it can fail.  SU(2) with beta = 1.5, c = (1),
 * and SU(3) with beta = 1.5, c = (1, 0.3); 4096 samples each, rkf45 at 1e-9.
 ******************************************************************************/
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include "exact.h"
#include "train.h"
#include "check.h"

static void run(const train_target_t *tg, uint64_t seed, double scale)
{
  nn_config_t cfg = {.n_x = 6, .n_freq = 1, .width = 16, .depth = 2, .act = nn_act_tanh};
  nn_t net;
  static double theta[8192];
  exact_single_t ex;
  train_sample_t s;
  ode_adaptive_t par = {1e-9, 1e-9, 0, 0};
  double m = 0, m2 = 0, q1 = 0, q2 = 0, err;
  nn_init(&net, &cfg);
  nn_init_params_seed(theta, &net, seed, scale);
  exact_single(tg->N, tg->beta, tg->c, tg->n_c, &ex);
  if (train_single_sample_all(&net, theta, tg, 4096, 64, "rkf45", &par, 0, seed, 0, &s,
                              MPI_COMM_SELF) != EMF_SUCCESS) {
    check_true(0, "sampling failed (N=%d)", tg->N);
    return;
  }
  for (long i = 0; i < s.n; i++) {
    double r = exp(-s.action[i] - s.logq[i] - ex.logZ);
    m += r;
    m2 += r * r;
    q1 += s.logq[i];
    q2 += s.logq[i] * s.logq[i];
  }
  m /= s.n;
  err = sqrt((m2 / s.n - m * m) / (s.n - 1));
  q1 /= s.n;
  check_sigma(m, 1.0, err, 3.0, "E_q[p/q] = %.5f +- %.5f (N=%d)", m, err, tg->N);
  check_true(sqrt(q2 / s.n - q1 * q1) > 0.3, "flow far from Haar: std of log q %.3f (N=%d)",
             sqrt(q2 / s.n - q1 * q1), tg->N);
  train_sample_release(&s);
}

int main(int argc, char **argv)
{
  const train_target_t t2 = {.N = 2, .beta = 1.5, .n_c = 1, .c = {1.0}};
  const train_target_t t3 = {.N = 3, .beta = 1.5, .n_c = 2, .c = {1.0, 0.3}};
  int fails;
  MPI_Init(&argc, &argv);
  run(&t2, 21, 1.0);
  run(&t3, 22, 0.5);
  fails = check_finish("test_pq");
  MPI_Finalize();
  return fails != 0;
}
