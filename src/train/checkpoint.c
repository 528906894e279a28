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
 *   Optional attributes (format 2 all the same: readers that do not know
 *   them ignore them): when info->N > 0 the lattice the model was trained
 *   on, N, beta, extent ("8x8"), shapes ("plaquette,rectangle"); when
 *   info->init_from is not empty the transfer record init_from (path),
 *   init_from_step, init_from_hash, init_from_core_seconds.
 *   Returns EMF_SUCCESS, EMF_EINVAL (adam and net differ in size) or
 *   EMF_EIO (the temporary file is removed).
 *
 * int train_ckpt_read(const char *path, const nn_t *net, double *theta,
 *                     adam_state_t *adam, train_ckpt_info_t *info,
 *                     char *msg, int msglen)
 *   Reads what train_ckpt_write wrote, format version 1 or 2.  A version-1
 *   file has no cost: info gets seconds = cpu_seconds = core_seconds = 0
 *   and cost_from_step = step (the sums of later runs count from there).
 *   The optional attributes go to info when present, else info->N = 0,
 *   beta = 0, extent = shapes = init_from = "", init_from_step = 0,
 *   init_from_hash = 0, init_from_core_seconds = 0.
 *   EMF_EIO if the file cannot be opened or read or lacks the header
 *   attributes, EMF_EFORMAT if the format version is unknown or the
 *   network shape or number of parameters differs from net (msg, if not
 *   NULL, says what).
 *
 * int train_ckpt_read_header(const char *path, train_ckpt_header_t *h,
 *                            train_ckpt_info_t *info, char *msg, int msglen)
 *   The attributes only: format version, n_params, network shape and
 *   activation into h (adam_t is not returned), the rest into info as
 *   train_ckpt_read.  Nothing is compared with a network, so the caller
 *   can name what differs (train.init_from).  EMF_EIO (cannot open, header
 *   or cost attributes missing: "not a checkpoint"), EMF_EFORMAT (unknown
 *   format version).
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
  if (info->N > 0) {
    io_serial_set_int(s, "N", info->N);
    io_serial_set_doubles(s, "beta", &info->beta, 1);
    io_serial_set_string(s, "extent", info->extent);
    io_serial_set_string(s, "shapes", info->shapes);
  }
  if (info->init_from[0] != 0) {
    io_serial_set_string(s, "init_from", info->init_from);
    io_serial_set_long(s, "init_from_step", info->init_from_step);
    io_serial_set_u64(s, "init_from_hash", info->init_from_hash);
    io_serial_set_doubles(s, "init_from_core_seconds", &info->init_from_core_seconds, 1);
  }
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

/* The header attributes of an open file into h (*adam_t: the Adam step).
 * EMF_EIO (closes s) if one is missing, EMF_EFORMAT (closes s) for an
 * unknown version. */
static int read_header(io_serial_t *s, const char *path, train_ckpt_header_t *h,
                       long long *adam_t, char *msg, int msglen)
{
  char why[1024];
  memset(h, 0, sizeof *h);
  io_serial_get_int(s, "format_version", &h->version);
  io_serial_get_long(s, "n_params", &h->n_params);
  io_serial_get_int(s, "n_x", &h->n_x);
  io_serial_get_int(s, "n_freq", &h->n_freq);
  io_serial_get_int(s, "width", &h->width);
  io_serial_get_int(s, "depth", &h->depth);
  io_serial_get_string(s, "activation", h->activation, (int)sizeof h->activation);
  if (io_serial_status(s, why, (int)sizeof why) != EMF_SUCCESS) {
    io_serial_close(s);
    if (msg) snprintf(msg, (size_t)msglen, "%s: not a checkpoint (%s)", path, why);
    return EMF_EIO;
  }
  if (h->version < 1 || h->version > TRAIN_CKPT_VERSION)
    return refuse(s, msg, msglen, "%s: format version %d, expected 1 to %d", path, h->version,
                  TRAIN_CKPT_VERSION);
  io_serial_get_long(s, "adam_t", adam_t);
  return EMF_SUCCESS;
}

/* Optional text attribute name into v (len bytes), "" when absent. */
static void get_text(io_serial_t *s, const char *name, char *v, int len)
{
  v[0] = 0;
  if (io_serial_has(s, name)) io_serial_get_string(s, name, v, len);
}

/* Everything of info (step, seed, hash, cost; the optional attributes or
 * their defaults).  Errors stay in the status of s. */
static void read_info(io_serial_t *s, int version, train_ckpt_info_t *info)
{
  long long step = 0, from = 0, ifs = 0;
  memset(info, 0, sizeof *info);
  io_serial_get_long(s, "step", &step);
  io_serial_get_u64(s, "seed", &info->seed);
  io_serial_get_u64(s, "config_hash", &info->cfg_hash);
  if (version >= 2) {
    io_serial_get_double(s, "seconds_total", &info->seconds);
    io_serial_get_double(s, "cpu_seconds_total", &info->cpu_seconds);
    io_serial_get_double(s, "core_seconds_total", &info->core_seconds);
    io_serial_get_long(s, "cost_from_step", &from);
  } else {
    from = step;
  }
  if (io_serial_has(s, "N")) {
    io_serial_get_int(s, "N", &info->N);
    io_serial_get_double(s, "beta", &info->beta);
  }
  get_text(s, "extent", info->extent, (int)sizeof info->extent);
  get_text(s, "shapes", info->shapes, (int)sizeof info->shapes);
  get_text(s, "init_from", info->init_from, (int)sizeof info->init_from);
  if (info->init_from[0] != 0) {
    io_serial_get_long(s, "init_from_step", &ifs);
    io_serial_get_u64(s, "init_from_hash", &info->init_from_hash);
    io_serial_get_double(s, "init_from_core_seconds", &info->init_from_core_seconds);
  }
  info->step = (long)step;
  info->cost_from_step = (long)from;
  info->init_from_step = (long)ifs;
}

/* Opens path and reads its header into h (*at: the Adam step); NULL with
 * *status and msg set when it cannot be opened or the header is bad. */
static io_serial_t *open_with_header(const char *path, train_ckpt_header_t *h, long long *at,
                                     char *msg, int msglen, int *status)
{
  io_serial_t *s;
  if (msg && msglen > 0) msg[0] = 0;
  s = io_serial_open(path);
  if (s == NULL) {
    if (msg) snprintf(msg, (size_t)msglen, "%s: cannot open", path);
    *status = EMF_EIO;
    return NULL;
  }
  *status = read_header(s, path, h, at, msg, msglen);
  return *status == EMF_SUCCESS ? s : NULL;
}

int train_ckpt_read_header(const char *path, train_ckpt_header_t *h,
                           train_ckpt_info_t *info, char *msg, int msglen)
{
  long long at = 0;
  char why[1024];
  int st;
  io_serial_t *s = open_with_header(path, h, &at, msg, msglen, &st);
  if (s == NULL) return st;
  read_info(s, h->version, info);
  st = io_serial_status(s, why, (int)sizeof why);
  io_serial_close(s);
  if (st != EMF_SUCCESS) {
    if (msg) snprintf(msg, (size_t)msglen, "%s: not a checkpoint (%s)", path, why);
    return EMF_EIO;
  }
  return EMF_SUCCESS;
}

int train_ckpt_read(const char *path, const nn_t *net, double *theta,
                    adam_state_t *adam, train_ckpt_info_t *info, char *msg,
                    int msglen)
{
  const int want[SHAPE_KEYS] = {net->cfg.n_x, net->cfg.n_freq, net->cfg.width,
                                net->cfg.depth};
  const size_t n = net->n_params;
  train_ckpt_header_t h;
  long long at = 0;
  char why[1024];
  int st;
  io_serial_t *s = open_with_header(path, &h, &at, msg, msglen, &st);
  if (s == NULL) return st;
  {
    const int shape[SHAPE_KEYS] = {h.n_x, h.n_freq, h.width, h.depth};
    for (int i = 0; i < SHAPE_KEYS; i++)
      if (shape[i] != want[i])
        return refuse(s, msg, msglen, "%s: network %s = %d, the configuration has %d", path,
                      shape_names[i], shape[i], want[i]);
  }
  if (strcmp(h.activation, net->cfg.act->name) != 0)
    return refuse(s, msg, msglen, "%s: activation %s, the configuration has %s", path,
                  h.activation, net->cfg.act->name);
  if (h.n_params != (long long)n || adam->n != n)
    return refuse(s, msg, msglen, "%s: %lld parameters, expected %zu", path, h.n_params, n);
  read_info(s, h.version, info);
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
  return EMF_SUCCESS;
}
