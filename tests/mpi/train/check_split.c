/*******************************************************************************
 * check_split.c: training gives the same bits on any number of ranks.
 *
 * NP: 1 2 4
 *
 * Three Adam steps of the single-matrix trainer (SU(3), boyda2 target,
 * batch 16 in blocks of 4, 3 RK4 steps) on MPI_COMM_WORLD, against the same
 * steps computed by every rank alone on MPI_COMM_SELF: gradients, losses,
 * parameters and Adam moments must agree bit for bit (memcmp).  At np = 4
 * each rank owns one block; at np = 2 two.
 ******************************************************************************/
#include <mpi.h>
#include <string.h>
#include "train.h"
#include "check.h"

static void run(MPI_Comm comm, const nn_t *net, double *theta, adam_state_t *adam,
                double *loss, double *grad0)
{
  train_target_t tg = {.N = 3, .beta = 9.0, .n_c = 3, .c = {0.17, -0.65, 1.22}};
  adam_parms_t ap = adam_parms_default();
  train_single_t *t = train_single_alloc(net, &tg, 16, 4, 3, 1234);
  ap.lr = 1e-2;
  ap.clip_norm = 5.0;
  ap.schedule = NN_LR_COSINE;
  ap.total_steps = 3;
  nn_init_params_seed(theta, net, 1234, 1.0);
  adam_reset(adam);
  for (int s = 0; s < 3; s++) {
    train_stats_t st;
    int status = train_single_step_all(t, theta, adam, &ap, &st, comm);
    check_int(status, 0, "step %d status", s);
    loss[s] = st.loss;
    if (s == 0) memcpy(grad0, t->grad, net->n_params * sizeof(double));
  }
  train_single_free(t);
}

int main(int argc, char **argv)
{
  nn_t net;
  nn_config_t cfg = {.n_x = 6, .n_freq = 1, .width = 8, .depth = 2, .act = nn_act_tanh};
  static double th1[4096], th2[4096], g1[4096], g2[4096];
  double l1[3], l2[3];
  adam_state_t *a1, *a2;
  int fails;
  MPI_Init(&argc, &argv);
  nn_init(&net, &cfg);
  a1 = adam_alloc(net.n_params);
  a2 = adam_alloc(net.n_params);
  run(MPI_COMM_WORLD, &net, th1, a1, l1, g1);
  run(MPI_COMM_SELF, &net, th2, a2, l2, g2);
  check_bits(g1, g2, net.n_params * sizeof(double), "gradient of step 0 bit-identical");
  check_bits(l1, l2, sizeof l1, "losses bit-identical (%.15g %.15g %.15g)", l1[0], l1[1], l1[2]);
  check_bits(th1, th2, net.n_params * sizeof(double), "parameters after 3 steps bit-identical");
  check_bits(a1->m, a2->m, net.n_params * sizeof(double), "Adam m bit-identical");
  check_bits(a1->v, a2->v, net.n_params * sizeof(double), "Adam v bit-identical");
  check_true(l1[2] < l1[0] || l1[0] != l1[0], "loss moved (%g -> %g)", l1[0], l1[2]);
  adam_free(a1);
  adam_free(a2);
  fails = check_finish_mpi("check_split", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails != 0;
}
