/*******************************************************************************
 * check_restart.c: a restarted training run continues bit for bit.
 *
 * NP: 1 2 4
 *
 * 5 Adam steps straight, against 3 steps, checkpoint (rank 0 writes
 * model.h5 through a temporary file and rename), fresh state read back by
 * every rank, 2 more steps: parameters, Adam m, v and t compared with
 * memcmp.  Also: a checkpoint read with a different network width is
 * refused with EMF_EFORMAT, a missing file with EMF_EIO, and no .tmp file
 * is left behind.
 ******************************************************************************/
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "train.h"
#include "check.h"

static const train_target_t tg = {.N = 2, .beta = 2.0, .n_c = 2, .c = {1.0, 0.3}};

static void steps(train_single_t *t, double *theta, adam_state_t *a, int n)
{
  adam_parms_t ap = adam_parms_default();
  ap.lr = 5e-3;
  ap.schedule = NN_LR_COSINE;
  ap.total_steps = 5;
  ap.clip_norm = 1.0;
  for (int s = 0; s < n; s++) check_int(train_single_step_all(t, theta, a, &ap, NULL, MPI_COMM_WORLD), 0, "step");
}

int main(int argc, char **argv)
{
  nn_t net, net2;
  nn_config_t cfg = {.n_x = 4, .n_freq = 2, .width = 8, .depth = 2, .act = nn_act_tanh};
  static double th1[4096], th2[4096], th3[4096];
  char path[256], tmp[300], msg[512];
  adam_state_t *a1, *a2, *a3;
  train_single_t *t;
  train_ckpt_info_t info = {.seed = 77, .cfg_hash = 0xabcdefULL, .step = 0}, in;
  int rank, fails, st = 0;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  nn_init(&net, &cfg);
  a1 = adam_alloc(net.n_params);
  a2 = adam_alloc(net.n_params);
  t = train_single_alloc(&net, &tg, 8, 2, 2, 77);
  nn_init_params_seed(th1, &net, 77, 1.0);
  memcpy(th2, th1, net.n_params * sizeof(double));
  steps(t, th1, a1, 5);
  steps(t, th2, a2, 3);
  snprintf(path, sizeof path, "/tmp/emf_check_restart_%d.h5", (int)getppid());
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  info.step = a2->t;
  if (rank == 0) st = train_ckpt_write(path, &net, th2, a2, &info);
  MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
  check_int(st, 0, "checkpoint written");
  check_true(access(tmp, F_OK) != 0, "no temporary file left");
  a3 = adam_alloc(net.n_params);
  check_int(train_ckpt_read(path, &net, th3, a3, &in, msg, sizeof msg), 0, "checkpoint read %s", msg);
  check_int(in.step, 3, "step restored");
  check_true(in.seed == 77 && in.cfg_hash == 0xabcdefULL, "seed and hash restored");
  steps(t, th3, a3, 2);
  check_bits(th1, th3, net.n_params * sizeof(double), "parameters: 5 steps == 3 + restart + 2");
  check_bits(a1->m, a3->m, net.n_params * sizeof(double), "Adam m after restart");
  check_bits(a1->v, a3->v, net.n_params * sizeof(double), "Adam v after restart");
  check_int(a1->t, a3->t, "Adam t after restart");
  cfg.width = 9;
  nn_init(&net2, &cfg);
  {
    adam_state_t *a4 = adam_alloc(net2.n_params);
    check_int(train_ckpt_read(path, &net2, th3, a4, &in, msg, sizeof msg), EMF_EFORMAT,
              "other width refused: %s", msg);
    adam_free(a4);
  }
  check_int(train_ckpt_read("/nonexistent/model.h5", &net, th3, a3, &in, msg, sizeof msg),
            EMF_EIO, "missing file refused");
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) remove(path);
  train_single_free(t);
  adam_free(a1);
  adam_free(a2);
  adam_free(a3);
  fails = check_finish_mpi("check_restart", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails != 0;
}
