/*******************************************************************************
 * test_checkpoint.c: model.h5 format versions and the training cost.
 *
 * Checks (network 4-8x2-1 tanh, parameters and Adam moments filled with
 * distinct values):
 *   version 2 round trip: theta, Adam m, v, t, step, seed, config hash and
 *   the cost (seconds, cpu_seconds, core_seconds, cost_from_step) read back
 *   bit for bit; the file says format_version 2;
 *   a version-1 checkpoint (the layout before the cost was stored, written
 *   here attribute by attribute) still loads: same parameters, cost 0 and
 *   cost_from_step = its step;
 *   a version-3 file is refused with EMF_EFORMAT naming the version; a file
 *   without the header attributes with EMF_EIO ("not a checkpoint"); a
 *   version-2 file without the cost attributes with EMF_EIO.
 ******************************************************************************/
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include "io.h"
#include "train.h"
#include "testutil.h"
#include "check.h"

#define PATH "build/tmp/test_checkpoint.h5"

/* A checkpoint written by hand: version v, with the cost attributes only
 * when cost != 0, optionally without the header attribute "width". */
static void write_by_hand(const nn_t *net, const double *theta, const adam_state_t *a,
                          int version, int cost, int header)
{
  const size_t n = net->n_params;
  const double secs = 1.5;
  io_serial_t *s = io_serial_create(PATH);
  io_serial_set_int(s, "format_version", version);
  io_serial_set_long(s, "n_params", (long long)n);
  io_serial_set_int(s, "n_x", net->cfg.n_x);
  io_serial_set_int(s, "n_freq", net->cfg.n_freq);
  if (header) io_serial_set_int(s, "width", net->cfg.width);
  io_serial_set_int(s, "depth", net->cfg.depth);
  io_serial_set_string(s, "activation", net->cfg.act->name);
  io_serial_set_long(s, "adam_t", a->t);
  io_serial_set_long(s, "step", 40);
  io_serial_set_u64(s, "seed", 9);
  io_serial_set_u64(s, "config_hash", 0x1234);
  if (cost) {
    io_serial_set_doubles(s, "seconds_total", &secs, 1);
    io_serial_set_doubles(s, "cpu_seconds_total", &secs, 1);
    io_serial_set_doubles(s, "core_seconds_total", &secs, 1);
    io_serial_set_long(s, "cost_from_step", 0);
  }
  io_serial_write(s, "theta", theta, 1, &n);
  io_serial_write(s, "adam_m", a->m, 1, &n);
  io_serial_write(s, "adam_v", a->v, 1, &n);
  check_int(io_serial_commit(s, NULL, 0), EMF_SUCCESS, "hand-written v%d file", version);
}

int main(int argc, char **argv)
{
  nn_config_t cfg = {.n_x = 4, .n_freq = 1, .width = 8, .depth = 2, .act = nn_act_tanh};
  nn_t net;
  static double theta[4096], th2[4096];
  adam_state_t *a, *b;
  train_ckpt_info_t info = {.seed = 77, .cfg_hash = 0xabcdef0123456789ULL, .step = 123,
                            .seconds = 12.25, .cpu_seconds = 23.0625,
                            .core_seconds = 49.1, .cost_from_step = 0},
                    in;
  char msg[512];
  int fails, version = 0;
  io_serial_t *s;
  MPI_Init(&argc, &argv);
  tu_mkdir_tmp();
  nn_init(&net, &cfg);
  a = adam_alloc(net.n_params);
  b = adam_alloc(net.n_params);
  for (size_t i = 0; i < net.n_params; i++) {
    theta[i] = 0.01 * (double)i - 0.3;
    a->m[i] = 1e-3 * (double)(i % 17);
    a->v[i] = 1e-6 * (double)(i % 5 + 1);
  }
  a->t = 123;

  /* version 2 round trip */
  check_int(train_ckpt_write(PATH, &net, theta, a, &info), EMF_SUCCESS, "write");
  memset(&in, 0, sizeof in);
  check_int(train_ckpt_read(PATH, &net, th2, b, &in, msg, (int)sizeof msg), EMF_SUCCESS,
            "read v2 (%s)", msg);
  check_bits(th2, theta, net.n_params * sizeof(double), "theta");
  check_bits(b->m, a->m, net.n_params * sizeof(double), "adam m");
  check_bits(b->v, a->v, net.n_params * sizeof(double), "adam v");
  check_int(b->t, 123, "adam t");
  check_true(in.step == 123 && in.seed == 77 && in.cfg_hash == 0xabcdef0123456789ULL,
             "step, seed, hash");
  check_bits(&in.seconds, &info.seconds, sizeof(double), "seconds_total");
  check_bits(&in.cpu_seconds, &info.cpu_seconds, sizeof(double), "cpu_seconds_total");
  check_bits(&in.core_seconds, &info.core_seconds, sizeof(double), "core_seconds_total");
  check_int(in.cost_from_step, 0, "cost_from_step");
  s = io_serial_open(PATH);
  check_true(s != NULL && io_serial_get_int(s, "format_version", &version) == EMF_SUCCESS,
             "format_version readable");
  check_int(version, 2, "format_version");
  io_serial_close(s);

  /* version 1: no cost */
  write_by_hand(&net, theta, a, 1, 0, 1);
  memset(&in, 0xff, sizeof in);
  memset(th2, 0, sizeof th2);
  check_int(train_ckpt_read(PATH, &net, th2, b, &in, msg, (int)sizeof msg), EMF_SUCCESS,
            "read v1 (%s)", msg);
  check_bits(th2, theta, net.n_params * sizeof(double), "v1 theta");
  check_int(in.step, 40, "v1 step");
  check_true(in.seconds == 0.0 && in.cpu_seconds == 0.0 && in.core_seconds == 0.0,
             "v1: cost 0");
  check_int(in.cost_from_step, 40, "v1: cost counted from its step");

  /* refusals */
  write_by_hand(&net, theta, a, 3, 1, 1);
  check_int(train_ckpt_read(PATH, &net, th2, b, &in, msg, (int)sizeof msg), EMF_EFORMAT,
            "version 3 refused");
  check_true(strstr(msg, "version 3") != NULL, "message: %s", msg);
  write_by_hand(&net, theta, a, 2, 1, 0);
  check_int(train_ckpt_read(PATH, &net, th2, b, &in, msg, (int)sizeof msg), EMF_EIO,
            "header attribute missing");
  check_true(strstr(msg, "not a checkpoint") && strstr(msg, "width"), "message: %s", msg);
  write_by_hand(&net, theta, a, 2, 0, 1);
  check_int(train_ckpt_read(PATH, &net, th2, b, &in, msg, (int)sizeof msg), EMF_EIO,
            "v2 without cost refused");
  check_true(strstr(msg, "seconds_total") != NULL, "message: %s", msg);

  remove(PATH);
  adam_free(a);
  adam_free(b);
  fails = check_finish("test_checkpoint");
  MPI_Finalize();
  return fails;
}
