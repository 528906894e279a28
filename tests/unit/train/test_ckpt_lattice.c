/*******************************************************************************
 * test_ckpt_lattice.c: the optional lattice and transfer attributes of
 * model.h5 and train_ckpt_read_header (train.init_from).
 *
 * Checks (network 4-8x2-1 tanh, parameters filled with distinct values):
 *   a checkpoint with the lattice (N 3, beta 4, extent "8x8", shapes
 *   "plaquette,rectangle") and a transfer record (init_from, its step, hash
 *   and core seconds) reads back every field bit for bit through
 *   train_ckpt_read and through train_ckpt_read_header, whose header gives
 *   format version 2, n_params, n_x, n_freq, width, depth and activation;
 *   the file still says format_version 2;
 *   train_ckpt_read_header compares nothing with a network: a checkpoint of
 *   another network (width 6) reads, with width 6 in the header, while
 *   train_ckpt_read refuses it (EMF_EFORMAT, "width");
 *   without them (N = 0, init_from "") none of the optional attributes is
 *   written and both readers give N = 0, beta = 0, "" and zeros even when
 *   info held other bytes before;
 *   train_ckpt_read_header refuses a file that is not HDF5 (EMF_EIO,
 *   "cannot open"), format version 3 (EMF_EFORMAT, "version 3") and a file
 *   without the header attribute width (EMF_EIO, "not a checkpoint").
 ******************************************************************************/
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include "io.h"
#include "train.h"
#include "testutil.h"
#include "check.h"

#define PATH "build/tmp/test_ckpt_lattice.h5"
#define TEXT "build/tmp/test_ckpt_lattice.txt"

static const char *const optional[] = {"N",         "beta",           "extent",
                                       "shapes",    "init_from",      "init_from_step",
                                       "init_from_hash", "init_from_core_seconds"};
#define N_OPTIONAL ((int)(sizeof optional / sizeof optional[0]))

static void check_info(const train_ckpt_info_t *a, const train_ckpt_info_t *b, const char *what)
{
  check_true(a->step == b->step && a->seed == b->seed && a->cfg_hash == b->cfg_hash,
             "%s: step, seed, hash", what);
  check_bits(&a->core_seconds, &b->core_seconds, sizeof(double), "%s: core seconds", what);
  check_int(a->N, b->N, "%s: N", what);
  check_bits(&a->beta, &b->beta, sizeof(double), "%s: beta", what);
  check_true(strcmp(a->extent, b->extent) == 0, "%s: extent '%s'", what, a->extent);
  check_true(strcmp(a->shapes, b->shapes) == 0, "%s: shapes '%s'", what, a->shapes);
  check_true(strcmp(a->init_from, b->init_from) == 0, "%s: init_from '%s'", what,
             a->init_from);
  check_int(a->init_from_step, b->init_from_step, "%s: init_from_step", what);
  check_true(a->init_from_hash == b->init_from_hash, "%s: init_from_hash", what);
  check_bits(&a->init_from_core_seconds, &b->init_from_core_seconds, sizeof(double),
             "%s: init_from_core_seconds", what);
}

/* A version-v file by hand, with or without the header attribute width. */
static void write_by_hand(const nn_t *net, int version, int width)
{
  io_serial_t *s = io_serial_create(PATH);
  const double secs = 1.0;
  io_serial_set_int(s, "format_version", version);
  io_serial_set_long(s, "n_params", (long long)net->n_params);
  io_serial_set_int(s, "n_x", net->cfg.n_x);
  io_serial_set_int(s, "n_freq", net->cfg.n_freq);
  if (width) io_serial_set_int(s, "width", net->cfg.width);
  io_serial_set_int(s, "depth", net->cfg.depth);
  io_serial_set_string(s, "activation", net->cfg.act->name);
  io_serial_set_long(s, "adam_t", 0);
  io_serial_set_long(s, "step", 0);
  io_serial_set_u64(s, "seed", 1);
  io_serial_set_u64(s, "config_hash", 2);
  io_serial_set_doubles(s, "seconds_total", &secs, 1);
  io_serial_set_doubles(s, "cpu_seconds_total", &secs, 1);
  io_serial_set_doubles(s, "core_seconds_total", &secs, 1);
  io_serial_set_long(s, "cost_from_step", 0);
  check_int(io_serial_commit(s, NULL, 0), EMF_SUCCESS, "hand-written v%d file", version);
}

int main(int argc, char **argv)
{
  nn_config_t cfg = {.n_x = 4, .n_freq = 1, .width = 8, .depth = 2, .act = nn_act_tanh};
  nn_config_t cfg6 = cfg;
  nn_t net, net6;
  static double theta[4096], th2[4096];
  adam_state_t *a, *b;
  train_ckpt_info_t info, in, plain;
  train_ckpt_header_t h;
  char msg[512];
  int fails, version = 0, absent = 0;
  io_serial_t *s;
  FILE *f;
  MPI_Init(&argc, &argv);
  tu_mkdir_tmp();
  cfg6.width = 6;
  nn_init(&net, &cfg);
  nn_init(&net6, &cfg6);
  a = adam_alloc(net.n_params);
  b = adam_alloc(net.n_params);
  for (size_t i = 0; i < net.n_params; i++) {
    theta[i] = 0.01 * (double)i - 0.3;
    a->m[i] = 1e-3 * (double)(i % 17);
    a->v[i] = 1e-6 * (double)(i % 5 + 1);
  }
  a->t = 300;
  memset(&info, 0, sizeof info);
  info.seed = 77;
  info.cfg_hash = 0xabcdef0123456789ULL;
  info.step = 300;
  info.seconds = 12.25;
  info.cpu_seconds = 23.0625;
  info.core_seconds = 49.1;
  info.N = 3;
  info.beta = 4.0 / 3.0;
  snprintf(info.extent, sizeof info.extent, "8x8");
  snprintf(info.shapes, sizeof info.shapes, "plaquette,rectangle");
  snprintf(info.init_from, sizeof info.init_from, "runs/pre/model.h5");
  info.init_from_step = 1500;
  info.init_from_hash = 0x0123456789abcdefULL;
  info.init_from_core_seconds = 1234.5678;

  /* lattice and transfer record: both readers */
  check_int(train_ckpt_write(PATH, &net, theta, a, &info), EMF_SUCCESS, "write");
  memset(&in, 0xff, sizeof in);
  check_int(train_ckpt_read(PATH, &net, th2, b, &in, msg, (int)sizeof msg), EMF_SUCCESS,
            "read (%s)", msg);
  check_bits(th2, theta, net.n_params * sizeof(double), "theta");
  check_info(&in, &info, "train_ckpt_read");
  memset(&in, 0xff, sizeof in);
  memset(&h, 0xff, sizeof h);
  check_int(train_ckpt_read_header(PATH, &h, &in, msg, (int)sizeof msg), EMF_SUCCESS,
            "read header (%s)", msg);
  check_info(&in, &info, "train_ckpt_read_header");
  check_true(h.version == 2 && h.n_params == (long long)net.n_params && h.n_x == 4 &&
                 h.n_freq == 1 && h.width == 8 && h.depth == 2 &&
                 strcmp(h.activation, "tanh") == 0,
             "header: version %d, %lld parameters, %d-%d-%dx%d %s", h.version, h.n_params,
             h.n_x, h.n_freq, h.width, h.depth, h.activation);
  s = io_serial_open(PATH);
  check_true(s != NULL && io_serial_get_int(s, "format_version", &version) == EMF_SUCCESS,
             "format_version readable");
  io_serial_close(s);
  check_int(version, 2, "format_version stays 2");

  /* another network: the header reader takes it, the full reader does not */
  check_true(net6.n_params != net.n_params, "width 6 has another parameter count");
  adam_free(b);
  b = adam_alloc(net6.n_params);
  check_int(train_ckpt_write(PATH, &net6, theta, b, &info), EMF_SUCCESS, "write width 6");
  check_int(train_ckpt_read_header(PATH, &h, &in, msg, (int)sizeof msg), EMF_SUCCESS,
            "header of another network (%s)", msg);
  check_true(h.width == 6 && h.n_params == (long long)net6.n_params, "header width %d",
             h.width);
  adam_free(b);
  b = adam_alloc(net.n_params);
  check_int(train_ckpt_read(PATH, &net, th2, b, &in, msg, (int)sizeof msg), EMF_EFORMAT,
            "train_ckpt_read refuses width 6");
  check_true(strstr(msg, "width") != NULL, "message: %s", msg);

  /* without the optional attributes */
  memset(&plain, 0, sizeof plain);
  plain.seed = 5;
  plain.step = 7;
  plain.cfg_hash = 11;
  check_int(train_ckpt_write(PATH, &net, theta, a, &plain), EMF_SUCCESS, "write plain");
  s = io_serial_open(PATH);
  for (int i = 0; i < N_OPTIONAL && s != NULL; i++) absent += !io_serial_has(s, optional[i]);
  io_serial_close(s);
  check_int(absent, N_OPTIONAL, "no optional attribute written for N = 0, init_from \"\"");
  memset(&in, 0xff, sizeof in);
  check_int(train_ckpt_read(PATH, &net, th2, b, &in, msg, (int)sizeof msg), EMF_SUCCESS,
            "read plain (%s)", msg);
  check_info(&in, &plain, "plain, train_ckpt_read");
  memset(&in, 0xff, sizeof in);
  check_int(train_ckpt_read_header(PATH, &h, &in, msg, (int)sizeof msg), EMF_SUCCESS,
            "read plain header (%s)", msg);
  check_info(&in, &plain, "plain, train_ckpt_read_header");

  /* refusals of the header reader */
  f = fopen(TEXT, "w");
  check_true(f != NULL, "text file");
  if (f) {
    fputs("lattice = { N = 2; };\n", f);
    fclose(f);
  }
  check_int(train_ckpt_read_header(TEXT, &h, &in, msg, (int)sizeof msg), EMF_EIO,
            "not HDF5 refused");
  check_true(strstr(msg, "cannot open") != NULL, "message: %s", msg);
  write_by_hand(&net, 3, 1);
  check_int(train_ckpt_read_header(PATH, &h, &in, msg, (int)sizeof msg), EMF_EFORMAT,
            "version 3 refused");
  check_true(strstr(msg, "version 3") != NULL, "message: %s", msg);
  write_by_hand(&net, 2, 0);
  check_int(train_ckpt_read_header(PATH, &h, &in, msg, (int)sizeof msg), EMF_EIO,
            "header attribute missing");
  check_true(strstr(msg, "not a checkpoint") && strstr(msg, "width"), "message: %s", msg);
  write_by_hand(&net, 2, 1);
  check_int(train_ckpt_read_header(PATH, &h, &in, msg, (int)sizeof msg), EMF_SUCCESS,
            "hand-written v2 reads (%s)", msg);
  check_true(in.N == 0 && in.shapes[0] == 0 && in.init_from[0] == 0,
             "hand-written v2: lattice unknown");

  remove(PATH);
  remove(TEXT);
  adam_free(a);
  adam_free(b);
  fails = check_finish("test_ckpt_lattice");
  MPI_Finalize();
  return fails;
}
