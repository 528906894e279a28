/*******************************************************************************
 * checkpoint.c: the training checkpoint model.h5 (doc/flow.md).
 *
 * int train_ckpt_write(const char *path, const nn_t *net, const double *theta,
 *                      const adam_state_t *adam, const train_ckpt_info_t *info)
 *   Writes (serial HDF5) datasets /theta, /adam_m, /adam_v (n_params
 *   doubles each) and root attributes format_version, n_params, n_x, n_freq,
 *   width, depth, activation, adam_t, step, seed, config_hash to path.tmp,
 *   closes it and renames it to path, so a crash never leaves a
 *   half-written model.h5.  Returns EMF_SUCCESS or EMF_EIO (the temporary
 *   file is removed).
 *
 * int train_ckpt_read(const char *path, const nn_t *net, double *theta,
 *                     adam_state_t *adam, train_ckpt_info_t *info,
 *                     char *msg, int msglen)
 *   Reads what train_ckpt_write wrote.  EMF_EIO if the file cannot be opened
 *   or read, EMF_EFORMAT if the format version, the network shape or the
 *   number of parameters differs from net (msg, if not NULL, says what).
 *
 * Context: local, called by one rank (rank 0 writes; each rank may read).
 * The RNG position is (seed, step): training draws batch t from streams
 * keyed by step t, so nothing else is needed to continue bit for bit.
 ******************************************************************************/
#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include "train.h"

static int put_attr(hid_t f, const char *name, hid_t type, const void *v)
{
  hid_t sp = H5Screate(H5S_SCALAR), a;
  int ok;
  if (sp < 0) return 0;
  a = H5Acreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
  ok = a >= 0 && H5Awrite(a, type, v) >= 0;
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  return ok;
}

static int get_attr(hid_t f, const char *name, hid_t type, void *v)
{
  hid_t a = H5Aopen(f, name, H5P_DEFAULT);
  int ok;
  if (a < 0) return 0;
  ok = H5Aread(a, type, v) >= 0;
  H5Aclose(a);
  return ok;
}

static int put_vec(hid_t f, const char *name, const double *x, size_t n)
{
  hsize_t dim = n;
  hid_t sp = H5Screate_simple(1, &dim, NULL), d;
  int ok;
  if (sp < 0) return 0;
  d = H5Dcreate2(f, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ok = d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) >= 0;
  if (d >= 0) H5Dclose(d);
  H5Sclose(sp);
  return ok;
}

static int get_vec(hid_t f, const char *name, double *x, size_t n)
{
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT), sp;
  hsize_t dim = 0;
  int ok = 0;
  if (d < 0) return 0;
  sp = H5Dget_space(d);
  if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1 &&
      H5Sget_simple_extent_dims(sp, &dim, NULL) == 1 && dim == n)
    ok = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) >= 0;
  if (sp >= 0) H5Sclose(sp);
  H5Dclose(d);
  return ok;
}

int train_ckpt_write(const char *path, const nn_t *net, const double *theta,
                     const adam_state_t *adam, const train_ckpt_info_t *info)
{
  char tmp[4096];
  hid_t f, st;
  int ok, version = TRAIN_CKPT_VERSION;
  long long np = (long long)net->n_params, at = adam->t, step = info->step;
  int ints[4] = {net->cfg.n_x, net->cfg.n_freq, net->cfg.width, net->cfg.depth};
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return EMF_EIO;
  if (adam->n != net->n_params) return EMF_EINVAL;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) return EMF_EIO;
  st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, strlen(net->cfg.act->name) + 1);
  ok = put_attr(f, "format_version", H5T_NATIVE_INT, &version) &&
       put_attr(f, "n_params", H5T_NATIVE_LLONG, &np) &&
       put_attr(f, "n_x", H5T_NATIVE_INT, &ints[0]) &&
       put_attr(f, "n_freq", H5T_NATIVE_INT, &ints[1]) &&
       put_attr(f, "width", H5T_NATIVE_INT, &ints[2]) &&
       put_attr(f, "depth", H5T_NATIVE_INT, &ints[3]) &&
       put_attr(f, "activation", st, net->cfg.act->name) &&
       put_attr(f, "adam_t", H5T_NATIVE_LLONG, &at) &&
       put_attr(f, "step", H5T_NATIVE_LLONG, &step) &&
       put_attr(f, "seed", H5T_NATIVE_UINT64, &info->seed) &&
       put_attr(f, "config_hash", H5T_NATIVE_UINT64, &info->cfg_hash) &&
       put_vec(f, "theta", theta, net->n_params) &&
       put_vec(f, "adam_m", adam->m, adam->n) &&
       put_vec(f, "adam_v", adam->v, adam->n);
  H5Tclose(st);
  if (H5Fclose(f) < 0) ok = 0;
  if (ok && rename(tmp, path) != 0) ok = 0;
  if (!ok) {
    remove(tmp);
    return EMF_EIO;
  }
  return EMF_SUCCESS;
}

int train_ckpt_read(const char *path, const nn_t *net, double *theta,
                    adam_state_t *adam, train_ckpt_info_t *info, char *msg,
                    int msglen)
{
  hid_t f, st;
  int version = 0, ints[4] = {0}, ok;
  long long np = 0, at = 0, step = 0;
  char act[64] = {0};
  const int want[4] = {net->cfg.n_x, net->cfg.n_freq, net->cfg.width, net->cfg.depth};
  static const char *const names[4] = {"n_x", "n_freq", "width", "depth"};
  if (msg && msglen > 0) msg[0] = 0;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    if (msg) snprintf(msg, (size_t)msglen, "%s: cannot open", path);
    return EMF_EIO;
  }
  st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, sizeof act);
  ok = get_attr(f, "format_version", H5T_NATIVE_INT, &version) &&
       get_attr(f, "n_params", H5T_NATIVE_LLONG, &np);
  for (int i = 0; ok && i < 4; i++) ok = get_attr(f, names[i], H5T_NATIVE_INT, &ints[i]);
  ok = ok && get_attr(f, "activation", st, act);
  H5Tclose(st);
  if (!ok) {
    H5Fclose(f);
    if (msg) snprintf(msg, (size_t)msglen, "%s: not a checkpoint (attributes missing)", path);
    return EMF_EIO;
  }
  if (version != TRAIN_CKPT_VERSION) {
    H5Fclose(f);
    if (msg) snprintf(msg, (size_t)msglen, "%s: format version %d, expected %d", path, version,
                      TRAIN_CKPT_VERSION);
    return EMF_EFORMAT;
  }
  for (int i = 0; i < 4; i++)
    if (ints[i] != want[i]) {
      H5Fclose(f);
      if (msg) snprintf(msg, (size_t)msglen, "%s: network %s = %d, the configuration has %d", path,
                        names[i], ints[i], want[i]);
      return EMF_EFORMAT;
    }
  if (strcmp(act, net->cfg.act->name) != 0) {
    H5Fclose(f);
    if (msg) snprintf(msg, (size_t)msglen, "%s: activation %s, the configuration has %s", path,
                      act, net->cfg.act->name);
    return EMF_EFORMAT;
  }
  if (np != (long long)net->n_params || adam->n != net->n_params) {
    H5Fclose(f);
    if (msg) snprintf(msg, (size_t)msglen, "%s: %lld parameters, expected %zu", path, np,
                      net->n_params);
    return EMF_EFORMAT;
  }
  ok = get_attr(f, "adam_t", H5T_NATIVE_LLONG, &at) &&
       get_attr(f, "step", H5T_NATIVE_LLONG, &step) &&
       get_attr(f, "seed", H5T_NATIVE_UINT64, &info->seed) &&
       get_attr(f, "config_hash", H5T_NATIVE_UINT64, &info->cfg_hash) &&
       get_vec(f, "theta", theta, net->n_params) &&
       get_vec(f, "adam_m", adam->m, adam->n) && get_vec(f, "adam_v", adam->v, adam->n);
  H5Fclose(f);
  if (!ok) {
    if (msg) snprintf(msg, (size_t)msglen, "%s: cannot read the parameters", path);
    return EMF_EIO;
  }
  adam->t = (long)at;
  info->step = (long)step;
  return EMF_SUCCESS;
}
