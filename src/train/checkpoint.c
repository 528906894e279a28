/*******************************************************************************
 * checkpoint.c: the training checkpoint model.h5 (doc/flow.md).
 *
 * int train_ckpt_write(const char *path, const nn_t *net, const double *theta,
 *                      const adam_state_t *adam, const train_ckpt_info_t *info)
 *   Writes (serial HDF5, io_serial_*) datasets /theta, /adam_m, /adam_v
 *   (n_params doubles each) and root attributes format_version (2),
 *   n_params, n_x, n_freq, width, depth, activation, adam_t, step, seed,
 *   config_hash and the training cost seconds_total, cpu_seconds_total,
 *   core_seconds_total, cost_from_step (info) to path.tmp, closes it and
 *   renames it to path, so a crash never leaves a half-written model.h5.
 *   Returns EMF_SUCCESS, EMF_EINVAL (adam and net differ in size) or
 *   EMF_EIO (the temporary file is removed).
 *
 * int train_ckpt_read(const char *path, const nn_t *net, double *theta,
 *                     adam_state_t *adam, train_ckpt_info_t *info,
 *                     char *msg, int msglen)
 *   Reads what train_ckpt_write wrote, format version 1 or 2.  A version-1
 *   file has no cost: info gets seconds = cpu_seconds = core_seconds = 0
 *   and cost_from_step = step (the sums of later runs count from there).
 *   EMF_EIO if the file cannot be opened or read or lacks the header
 *   attributes, EMF_EFORMAT if the format version is unknown or the
 *   network shape or number of parameters differs from net (msg, if not
 *   NULL, says what).
 *
 * Context: local, called by one rank (rank 0 writes; each rank may read).
 * The RNG position is (seed, step): training draws batch t from streams
 * keyed by step t, so nothing else is needed to continue bit for bit.
 ******************************************************************************/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "io.h"
#include "train.h"

#define SHAPE_KEYS 4

static const char *const shape_names[SHAPE_KEYS] = {"n_x", "n_freq", "width", "depth"};

int train_ckpt_write(const char *path, const nn_t *net, const double *theta,
                     const adam_state_t *adam, const train_ckpt_info_t *info)
{
  const int shape[SHAPE_KEYS] = {net->cfg.n_x, net->cfg.n_freq, net->cfg.width,
                                 net->cfg.depth};
  const size_t n = net->n_params;
  io_serial_t *s;
  if (adam->n != n) return EMF_EINVAL;
  s = io_serial_create(path);
  if (s == NULL) return EMF_EIO;
  io_serial_set_int(s, "format_version", TRAIN_CKPT_VERSION);
  io_serial_set_long(s, "n_params", (long long)n);
  for (int i = 0; i < SHAPE_KEYS; i++) io_serial_set_int(s, shape_names[i], shape[i]);
  io_serial_set_string(s, "activation", net->cfg.act->name);
  io_serial_set_long(s, "adam_t", adam->t);
  io_serial_set_long(s, "step", info->step);
  io_serial_set_u64(s, "seed", info->seed);
  io_serial_set_u64(s, "config_hash", info->cfg_hash);
  io_serial_set_doubles(s, "seconds_total", &info->seconds, 1);
  io_serial_set_doubles(s, "cpu_seconds_total", &info->cpu_seconds, 1);
  io_serial_set_doubles(s, "core_seconds_total", &info->core_seconds, 1);
  io_serial_set_long(s, "cost_from_step", info->cost_from_step);
  io_serial_write(s, "theta", theta, 1, &n);
  io_serial_write(s, "adam_m", adam->m, 1, &n);
  io_serial_write(s, "adam_v", adam->v, 1, &n);
  return io_serial_commit(s, NULL, 0) == EMF_SUCCESS ? EMF_SUCCESS : EMF_EIO;
}

/* Fails with EMF_EFORMAT and a message; closes s. */
static int refuse(io_serial_t *s, char *msg, int msglen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(io_serial_t *s, char *msg, int msglen, const char *fmt, ...)
{
  va_list ap;
  io_serial_close(s);
  if (msg != NULL && msglen > 0) {
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)msglen, fmt, ap);
    va_end(ap);
  }
  return EMF_EFORMAT;
}

int train_ckpt_read(const char *path, const nn_t *net, double *theta,
                    adam_state_t *adam, train_ckpt_info_t *info, char *msg,
                    int msglen)
{
  const int want[SHAPE_KEYS] = {net->cfg.n_x, net->cfg.n_freq, net->cfg.width,
                                net->cfg.depth};
  const size_t n = net->n_params;
  int version = 0, shape[SHAPE_KEYS] = {0};
  long long np = 0, at = 0, step = 0, from = 0;
  char act[64] = {0}, why[1024];
  io_serial_t *s;
  if (msg && msglen > 0) msg[0] = 0;
  s = io_serial_open(path);
  if (s == NULL) {
    if (msg) snprintf(msg, (size_t)msglen, "%s: cannot open", path);
    return EMF_EIO;
  }
  io_serial_get_int(s, "format_version", &version);
  io_serial_get_long(s, "n_params", &np);
  for (int i = 0; i < SHAPE_KEYS; i++) io_serial_get_int(s, shape_names[i], &shape[i]);
  io_serial_get_string(s, "activation", act, (int)sizeof act);
  if (io_serial_status(s, why, (int)sizeof why) != EMF_SUCCESS) {
    io_serial_close(s);
    if (msg) snprintf(msg, (size_t)msglen, "%s: not a checkpoint (%s)", path, why);
    return EMF_EIO;
  }
  if (version < 1 || version > TRAIN_CKPT_VERSION)
    return refuse(s, msg, msglen, "%s: format version %d, expected 1 to %d", path, version,
                  TRAIN_CKPT_VERSION);
  for (int i = 0; i < SHAPE_KEYS; i++)
    if (shape[i] != want[i])
      return refuse(s, msg, msglen, "%s: network %s = %d, the configuration has %d", path,
                    shape_names[i], shape[i], want[i]);
  if (strcmp(act, net->cfg.act->name) != 0)
    return refuse(s, msg, msglen, "%s: activation %s, the configuration has %s", path, act,
                  net->cfg.act->name);
  if (np != (long long)n || adam->n != n)
    return refuse(s, msg, msglen, "%s: %lld parameters, expected %zu", path, np, n);
  io_serial_get_long(s, "adam_t", &at);
  io_serial_get_long(s, "step", &step);
  io_serial_get_u64(s, "seed", &info->seed);
  io_serial_get_u64(s, "config_hash", &info->cfg_hash);
  if (version >= 2) {
    io_serial_get_double(s, "seconds_total", &info->seconds);
    io_serial_get_double(s, "cpu_seconds_total", &info->cpu_seconds);
    io_serial_get_double(s, "core_seconds_total", &info->core_seconds);
    io_serial_get_long(s, "cost_from_step", &from);
  } else {
    info->seconds = info->cpu_seconds = info->core_seconds = 0.0;
    from = step;
  }
  io_serial_read(s, "theta", theta, 1, &n);
  io_serial_read(s, "adam_m", adam->m, 1, &n);
  io_serial_read(s, "adam_v", adam->v, 1, &n);
  if (io_serial_status(s, why, (int)sizeof why) != EMF_SUCCESS) {
    io_serial_close(s);
    if (msg) snprintf(msg, (size_t)msglen, "%s: cannot read the parameters (%s)", path, why);
    return EMF_EIO;
  }
  io_serial_close(s);
  adam->t = (long)at;
  info->step = (long)step;
  info->cost_from_step = (long)from;
  return EMF_SUCCESS;
}
