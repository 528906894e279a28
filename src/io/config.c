/*******************************************************************************
 * config.c: gauge configurations in ensemble files (doc/formats.md).
 *
 * uint64_t io_checksum_all(const gauge_t *a)
 *   Checksum of the owned links, independent of the process grid:
 *     sum over k of mix(k, b_k)  mod 2^64,
 *   where b_k are the IEEE-754 bits of the k-th double of the global field
 *   in the file layout [L_0..L_{D-1}, D, N, N, 2] (row-major, k from 0) and
 *   mix(k, b) = fmix64(b XOR fmix64(k + 0x9e3779b97f4a7c15)), fmix64 being
 *   the SplitMix64 finaliser.  mix is a bijection in b for fixed k, so a
 *   change of any one double always changes the checksum; integer addition
 *   is exact and commutative, so the result is the same on every grid.
 *   Collective over a->g->comm.
 *
 * double io_plaquette_tolerance(const geom_t *g)
 *   Relative tolerance 10 sqrt(V) DBL_EPSILON (V = global sites) for the
 *   plaquette recomputed after reading.  Local.
 *
 * int io_write_config(io_file_t *f, const gauge_t *a, io_config_info_t *info,
 *                     char *msg, int msglen)
 *   Writes the owned links of a as /configs/<generator>/<number %06ld>/links
 *   (each rank its box as one hyperslab, collective MPI-IO) with the
 *   attributes of doc/formats.md.  The caller sets info->beta, seed,
 *   generator, number and plaquette (gauge_plaquette_all(a)); the function
 *   fills n, d, extent, grid, checksum, version and gitrev (rank 0's info is
 *   used on all ranks).  Errors: EMF_EINVAL (read-only file, a->g->comm not
 *   over the file's ranks, bad generator name, number < 0, configuration
 *   already present), EMF_ENOMEM, EMF_EIO (HDF5 failure).
 *
 * int io_read_config(io_file_t *f, const char *generator, long number,
 *                    gauge_t *a, io_config_info_t *info, char *msg, int msglen)
 *   Reads /configs/<generator>/<number> into the owned links of a (any
 *   process grid) and exchanges halos; info (may be NULL) receives the
 *   stored metadata.  Verifies, in this order: group, attributes N, D,
 *   extents present, integer and equal to the run's (a); the other
 *   attributes present with the right types (gitrev and grid optional),
 *   generator and number equal to the group's; dataset 'links'
 *   present, floating point of 8 bytes, shape [L.., D, N, N, 2]; checksum
 *   of the read links equal to the stored one; plaquette recomputed with
 *   gauge_plaquette_all within io_plaquette_tolerance of the stored one.
 *   Returns EMF_EFORMAT (naming the file, configuration and attribute),
 *   EMF_EIO (read failure) or EMF_EINVAL (halo depth 0, other ranks than
 *   the file's, bad generator name); a's links are then undefined.
 *
 * int io_list_configs(io_file_t *f, const char *generator, long **numbers,
 *                     long *count, char *msg, int msglen)
 *   Numbers of the configurations under /configs/<generator>, ascending, in
 *   a malloc'ed array (free() it; NULL if count is 0).  A missing generator
 *   group gives count 0.
 *
 * Context: collective over the file's communicator; a->g->comm must have
 * the same ranks (in any order).  Requires halo depth >= 1 for reading
 * (gauge_plaquette_all).  Every rank returns the same status and message.
 ******************************************************************************/
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io_int.h"
#include "util.h"

#ifndef EMF_VERSION
#define EMF_VERSION "unknown"
#endif
#ifndef EMF_GITREV
#define EMF_GITREV "unknown"
#endif

static uint64_t fmix64(uint64_t z)
{
  z ^= z >> 30;
  z *= 0xbf58476d1ce4e5b9ULL;
  z ^= z >> 27;
  z *= 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Position of the owned site is within this rank's box (row-major, mu =
 * D-1 fastest), from its global coordinates; -1 if outside (a bug). */
static long box_index(const geom_t *g, long is)
{
  int x[EMF_DMAX];
  long k = 0;
  geom_global_coords(g, is, x);
  for (int mu = 0; mu < g->D; mu++) {
    int y = x[mu] - g->cpos[mu] * g->l[mu];
    if (y < 0 || y >= g->l[mu]) return -1;
    k = k * g->l[mu] + y;
  }
  return k;
}

static uint64_t checksum_local(const geom_t *g, int nn, const cplx_t *u)
{
  uint64_t s = 0;
  const size_t per_link = 2 * (size_t)nn;
  for (long k = 0; k < g->n_owned; k++) {
    long is = g->owned[k];
    for (int mu = 0; mu < g->D; mu++) {
      const double *v = (const double *)(u + ((size_t)is * g->D + mu) * nn);
      uint64_t k0 = ((uint64_t)g->gsite[is] * (uint64_t)g->D + (uint64_t)mu) * per_link;
      for (size_t t = 0; t < per_link; t++) {
        uint64_t b;
        memcpy(&b, v + t, sizeof b);
        s += fmix64(b ^ fmix64(k0 + t + 0x9e3779b97f4a7c15ULL));
      }
    }
  }
  return s;
}

uint64_t io_checksum_all(const gauge_t *a)
{
  uint64_t s = checksum_local(a->g, a->nn, a->u), t = 0;
  MPI_Allreduce(&s, &t, 1, MPI_UINT64_T, MPI_SUM, a->g->comm);
  return t;
}

double io_plaquette_tolerance(const geom_t *g)
{
  return 10.0 * sqrt((double)g->n_global) * DBL_EPSILON;
}

/* a->g->comm and f->comm must hold the same processes. */
static int same_ranks(const io_file_t *f, const gauge_t *a)
{
  int res = MPI_UNEQUAL;
  MPI_Comm_compare(f->comm, a->g->comm, &res);
  return res != MPI_UNEQUAL;
}

static void config_name(char *name, size_t len, const char *gen, long number)
{
  snprintf(name, len, "configs/%s/%06ld", gen, number);
}

/* Hyperslab of this rank in the links dataset: start and count. */
static int links_slab(const geom_t *g, int n, hsize_t *dims, hsize_t *start,
                      hsize_t *count)
{
  int D = g->D, r = D + 4;
  for (int mu = 0; mu < D; mu++) {
    dims[mu] = (hsize_t)g->L[mu];
    start[mu] = (hsize_t)g->cpos[mu] * (hsize_t)g->l[mu];
    count[mu] = (hsize_t)g->l[mu];
  }
  dims[D] = count[D] = (hsize_t)D;
  dims[D + 1] = count[D + 1] = (hsize_t)n;
  dims[D + 2] = count[D + 2] = (hsize_t)n;
  dims[D + 3] = count[D + 3] = 2;
  for (int i = D; i < r; i++) start[i] = 0;
  return r;
}

/* Copy owned links to/from the packed box buffer (box order). */
static int pack_links(const gauge_t *a, cplx_t *buf, int to_buf)
{
  const geom_t *g = a->g;
  size_t site = (size_t)g->D * a->nn;
  for (long k = 0; k < g->n_owned; k++) {
    long is = g->owned[k], b = box_index(g, is);
    if (b < 0) return EMF_EFAILED;
    if (to_buf)
      memcpy(buf + (size_t)b * site, a->u + (size_t)is * site, site * sizeof(cplx_t));
    else
      memcpy(a->u + (size_t)is * site, buf + (size_t)b * site, site * sizeof(cplx_t));
  }
  return EMF_SUCCESS;
}

/* Collective read or write of this rank's hyperslab of dataset dset. */
static int transfer_links(hid_t dset, const gauge_t *a, cplx_t *buf, int write)
{
  hsize_t dims[EMF_DMAX + 4], start[EMF_DMAX + 4], count[EMF_DMAX + 4];
  int r = links_slab(a->g, a->n, dims, start, count), rc = -1;
  hid_t fspace = H5Dget_space(dset);
  hid_t mspace = H5Screate_simple(r, count, NULL);
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  if (fspace >= 0 && mspace >= 0 && dxpl >= 0 &&
      H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
      H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) >= 0) {
    if (write)
      rc = H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, buf) < 0 ? -1 : 0;
    else
      rc = H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, buf) < 0 ? -1 : 0;
  }
  if (dxpl >= 0) H5Pclose(dxpl);
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
  return rc;
}

static int generator_ok(const char *gen)
{
  return gen != NULL && strlen(gen) < IO_GEN_MAX && io_name_ok(gen, 0);
}

static int write_config_attrs(hid_t grp, const io_config_info_t *in)
{
  int ok = 1, nd = in->d;
  long long number = in->number;
  unsigned long long seed = in->seed, sum = in->checksum;
  ok &= io_attr_write(grp, "N", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &in->n) == 0;
  ok &= io_attr_write(grp, "D", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &in->d) == 0;
  ok &= io_attr_write(grp, "extents", H5T_STD_I32LE, H5T_NATIVE_INT, nd, in->extent) == 0;
  ok &= io_attr_write(grp, "grid", H5T_STD_I32LE, H5T_NATIVE_INT, nd, in->grid) == 0;
  ok &= io_attr_write(grp, "beta", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &in->beta) == 0;
  ok &= io_attr_write(grp, "seed", H5T_STD_U64LE, H5T_NATIVE_ULLONG, 1, &seed) == 0;
  ok &= io_attr_write_string(grp, "generator", in->generator) == 0;
  ok &= io_attr_write(grp, "number", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, &number) == 0;
  ok &= io_attr_write(grp, "plaquette", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1,
                      &in->plaquette) == 0;
  ok &= io_attr_write(grp, "checksum", H5T_STD_U64LE, H5T_NATIVE_ULLONG, 1, &sum) == 0;
  ok &= io_attr_write_string(grp, "version", in->version) == 0;
  ok &= io_attr_write_string(grp, "gitrev", in->gitrev) == 0;
  return ok ? EMF_SUCCESS : EMF_EIO;
}

int io_write_config(io_file_t *f, const gauge_t *a, io_config_info_t *info,
                    char *msg, int msglen)
{
  const geom_t *g = a->g;
  char name[128];
  int status = EMF_SUCCESS;
  hsize_t dims[EMF_DMAX + 4], start[EMF_DMAX + 4], count[EMF_DMAX + 4];
  hid_t lcpl = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, space = H5I_INVALID_HID;
  hid_t grp = H5I_INVALID_HID, dset = H5I_INVALID_HID;
  cplx_t *buf = NULL;
  size_t nbuf = (size_t)g->n_owned * g->D * a->nn;

  if (!f->writable)
    return io_fail(msg, msglen, EMF_EINVAL, "file '%s' is open read-only", f->path);
  if (!same_ranks(f, a))
    status = io_fail(msg, msglen, EMF_EINVAL,
                     "file '%s': the gauge field's communicator differs from the file's",
                     f->path);
  status = io_agree(f->comm, status, msg, msglen);
  if (status != EMF_SUCCESS) return status;

  MPI_Bcast(info, (int)sizeof *info, MPI_BYTE, 0, f->comm);
  info->generator[IO_GEN_MAX - 1] = '\0';
  if (!generator_ok(info->generator) || info->number < 0)
    return io_fail(msg, msglen, EMF_EINVAL,
                   "file '%s': invalid generator '%s' or number %ld", f->path,
                   info->generator, info->number);
  info->n = a->n;
  info->d = g->D;
  for (int mu = 0; mu < EMF_DMAX; mu++) {
    info->extent[mu] = mu < g->D ? g->L[mu] : 0;
    info->grid[mu] = mu < g->D ? g->grid[mu] : 0;
  }
  snprintf(info->version, sizeof info->version, "%s", EMF_VERSION);
  snprintf(info->gitrev, sizeof info->gitrev, "%s", EMF_GITREV);
  info->checksum = io_checksum_all(a);
  config_name(name, sizeof name, info->generator, info->number);

  buf = malloc(nbuf ? nbuf * sizeof *buf : 1);
  if (buf == NULL)
    status = io_fail(msg, msglen, EMF_ENOMEM, "file '%s': out of memory", f->path);
  else if (pack_links(a, buf, 1) != EMF_SUCCESS)
    status = io_fail(msg, msglen, EMF_EFAILED, "file '%s': owned site outside the box", f->path);
  status = io_agree(f->comm, status, msg, msglen);
  if (status != EMF_SUCCESS) {
    free(buf);
    return status;
  }
  {
    char sub[128];
    snprintf(sub, sizeof sub, "configs/%s", info->generator);
    if (H5Lexists(f->fid, "configs", H5P_DEFAULT) > 0 &&
        H5Lexists(f->fid, sub, H5P_DEFAULT) > 0 && H5Lexists(f->fid, name, H5P_DEFAULT) > 0)
      status = io_fail(msg, msglen, EMF_EINVAL, "file '%s': configuration %s/%06ld exists",
                       f->path, info->generator, info->number);
  }
  status = io_agree(f->comm, status, msg, msglen);
  if (status != EMF_SUCCESS) {
    free(buf);
    return status;
  }

  int r = links_slab(g, a->n, dims, start, count);
  status = EMF_EIO;
  lcpl = H5Pcreate(H5P_LINK_CREATE);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  space = H5Screate_simple(r, dims, NULL);
  if (lcpl >= 0 && dcpl >= 0 && space >= 0 &&
      H5Pset_create_intermediate_group(lcpl, 1) >= 0 &&
      H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0 &&
      H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) >= 0)
    grp = H5Gcreate2(f->fid, name, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  if (grp >= 0)
    dset = H5Dcreate2(grp, "links", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (dset >= 0 && transfer_links(dset, a, buf, 1) == 0 &&
      write_config_attrs(grp, info) == EMF_SUCCESS)
    status = EMF_SUCCESS;
  if (dset >= 0 && H5Dclose(dset) < 0) status = EMF_EIO;
  if (grp >= 0 && H5Gclose(grp) < 0) status = EMF_EIO;
  if (space >= 0) H5Sclose(space);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (lcpl >= 0) H5Pclose(lcpl);
  free(buf);
  if (status != EMF_SUCCESS)
    io_fail(msg, msglen, status, "file '%s': cannot write configuration %s/%06ld", f->tmp,
            info->generator, info->number);
  return io_agree(f->comm, status, msg, msglen);
}

/* Checks attribute N, D, extents of configuration group grp against a. */
static int check_lattice(hid_t grp, const gauge_t *a, const char *where,
                         io_config_info_t *in, char *msg, int msglen)
{
  const geom_t *g = a->g;
  long long v[EMF_DMAX];
  int status = io_attr_read_ints(grp, "N", v, 1, where, msg, msglen);
  if (status != EMF_SUCCESS) return status;
  if (v[0] != a->n)
    return io_fail(msg, msglen, EMF_EFORMAT, "%s: attribute N = %lld, but the run has N = %d",
                   where, v[0], a->n);
  in->n = a->n;
  status = io_attr_read_ints(grp, "D", v, 1, where, msg, msglen);
  if (status != EMF_SUCCESS) return status;
  if (v[0] != g->D)
    return io_fail(msg, msglen, EMF_EFORMAT, "%s: attribute D = %lld, but the run has D = %d",
                   where, v[0], g->D);
  in->d = g->D;
  status = io_attr_read_ints(grp, "extents", v, g->D, where, msg, msglen);
  if (status != EMF_SUCCESS) return status;
  for (int mu = 0; mu < g->D; mu++) {
    if (v[mu] != g->L[mu])
      return io_fail(msg, msglen, EMF_EFORMAT,
                     "%s: attribute extents[%d] = %lld, but the run has L[%d] = %d", where, mu,
                     v[mu], mu, g->L[mu]);
    in->extent[mu] = g->L[mu];
  }
  return EMF_SUCCESS;
}

/* Reads the remaining metadata attributes. */
static int read_meta(hid_t grp, int D, const char *where, io_config_info_t *in,
                     char *msg, int msglen)
{
  long long v[EMF_DMAX] = {0};
  int status = io_attr_read_double(grp, "beta", &in->beta, where, msg, msglen);
  if (status == EMF_SUCCESS) status = io_attr_read_u64(grp, "seed", &in->seed, where, msg, msglen);
  if (status == EMF_SUCCESS)
    status = io_attr_read_string(grp, "generator", in->generator, IO_GEN_MAX, where, msg, msglen);
  if (status == EMF_SUCCESS) status = io_attr_read_ints(grp, "number", v, 1, where, msg, msglen);
  in->number = (long)v[0];
  if (status == EMF_SUCCESS)
    status = io_attr_read_double(grp, "plaquette", &in->plaquette, where, msg, msglen);
  if (status == EMF_SUCCESS)
    status = io_attr_read_u64(grp, "checksum", &in->checksum, where, msg, msglen);
  if (status == EMF_SUCCESS)
    status = io_attr_read_string(grp, "version", in->version, IO_VERSION_MAX, where, msg, msglen);
  /* gitrev and grid are information only: optional */
  if (status == EMF_SUCCESS && io_attr_exists(grp, "gitrev"))
    status = io_attr_read_string(grp, "gitrev", in->gitrev, IO_VERSION_MAX, where, msg, msglen);
  if (status == EMF_SUCCESS && io_attr_exists(grp, "grid")) {
    status = io_attr_read_ints(grp, "grid", v, D, where, msg, msglen);
    for (int mu = 0; status == EMF_SUCCESS && mu < D; mu++) in->grid[mu] = (int)v[mu];
  }
  return status;
}

/* Opens the links dataset and checks its type and shape. */
static int open_links(hid_t grp, const gauge_t *a, const char *where, hid_t *dset,
                      char *msg, int msglen)
{
  hsize_t want[EMF_DMAX + 4], got[EMF_DMAX + 4], start[EMF_DMAX + 4], count[EMF_DMAX + 4];
  int r = links_slab(a->g, a->n, want, start, count), status = EMF_SUCCESS;
  hid_t type, space;
  *dset = H5I_INVALID_HID;
  if (H5Lexists(grp, "links", H5P_DEFAULT) <= 0 ||
      (*dset = H5Dopen2(grp, "links", H5P_DEFAULT)) < 0)
    return io_fail(msg, msglen, EMF_EFORMAT, "%s: dataset 'links' is missing", where);
  type = H5Dget_type(*dset);
  if (type < 0 || H5Tget_class(type) != H5T_FLOAT || H5Tget_size(type) != 8)
    status = io_fail(msg, msglen, EMF_EFORMAT,
                     "%s: dataset 'links' is not of 8-byte floating-point type", where);
  if (type >= 0) H5Tclose(type);
  space = H5Dget_space(*dset);
  if (status == EMF_SUCCESS) {
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    int same = rank == r && H5Sget_simple_extent_dims(space, got, NULL) == r;
    for (int i = 0; same && i < r; i++) same = got[i] == want[i];
    if (!same) {
      char s[128] = "";
      for (int i = 0; i < r; i++)
        snprintf(s + strlen(s), sizeof s - strlen(s), "%s%llu", i ? ", " : "",
                 (unsigned long long)want[i]);
      status = io_fail(msg, msglen, EMF_EFORMAT,
                       "%s: dataset 'links' has the wrong shape (expected [%s])", where, s);
    }
  }
  if (space >= 0) H5Sclose(space);
  if (status != EMF_SUCCESS) {
    H5Dclose(*dset);
    *dset = H5I_INVALID_HID;
  }
  return status;
}

/* Opens the configuration group (EMF_EFORMAT if it does not exist). */
static hid_t open_config(const io_file_t *f, const char *gen, long number,
                         const char *where, int *status, char *msg, int msglen)
{
  char name[128], sub[128];
  hid_t grp = H5I_INVALID_HID;
  snprintf(sub, sizeof sub, "configs/%s", gen);
  config_name(name, sizeof name, gen, number);
  if (H5Lexists(f->fid, "configs", H5P_DEFAULT) > 0 &&
      H5Lexists(f->fid, sub, H5P_DEFAULT) > 0 && H5Lexists(f->fid, name, H5P_DEFAULT) > 0)
    grp = H5Gopen2(f->fid, name, H5P_DEFAULT);
  *status = grp >= 0 ? EMF_SUCCESS
                     : io_fail(msg, msglen, EMF_EFORMAT, "%s: no such configuration group", where);
  return grp;
}

int io_read_config(io_file_t *f, const char *generator, long number,
                   gauge_t *a, io_config_info_t *info, char *msg, int msglen)
{
  const geom_t *g = a->g;
  char where[IO_PATH_MAX + 64];
  int status = EMF_SUCCESS;
  io_config_info_t in;
  hid_t grp = H5I_INVALID_HID, dset = H5I_INVALID_HID;
  size_t nbuf = (size_t)g->n_owned * g->D * a->nn;
  cplx_t *buf = NULL;

  memset(&in, 0, sizeof in);
  if (!generator_ok(generator) || number < 0)
    return io_fail(msg, msglen, EMF_EINVAL, "file '%s': invalid generator or number",
                   f->path);
  snprintf(where, sizeof where, "file '%s', configuration %s/%06ld", f->path, generator,
           number);
  if (!same_ranks(f, a))
    status = io_fail(msg, msglen, EMF_EINVAL,
                     "%s: the gauge field's communicator differs from the file's", where);
  else if (g->depth < 1)
    status = io_fail(msg, msglen, EMF_EINVAL,
                     "%s: reading needs a halo of depth >= 1 (plaquette check)", where);
  status = io_agree(f->comm, status, msg, msglen);
  if (status != EMF_SUCCESS) return status;

  grp = open_config(f, generator, number, where, &status, msg, msglen);
  if (status == EMF_SUCCESS) status = check_lattice(grp, a, where, &in, msg, msglen);
  if (status == EMF_SUCCESS) status = read_meta(grp, g->D, where, &in, msg, msglen);
  if (status == EMF_SUCCESS && (strcmp(in.generator, generator) != 0 || in.number != number))
    status = io_fail(msg, msglen, EMF_EFORMAT,
                     "%s: attributes generator = '%s', number = %ld do not match the group",
                     where, in.generator, in.number);
  if (status == EMF_SUCCESS) status = open_links(grp, a, where, &dset, msg, msglen);
  if (status == EMF_SUCCESS && (buf = malloc(nbuf ? nbuf * sizeof *buf : 1)) == NULL)
    status = io_fail(msg, msglen, EMF_ENOMEM, "%s: out of memory", where);
  status = io_agree(f->comm, status, msg, msglen);
  if (status == EMF_SUCCESS) {
    if (transfer_links(dset, a, buf, 0) != 0)
      status = io_fail(msg, msglen, EMF_EIO, "%s: cannot read dataset 'links'", where);
    else if (pack_links(a, buf, 0) != EMF_SUCCESS)
      status = io_fail(msg, msglen, EMF_EFAILED, "%s: owned site outside the box", where);
    status = io_agree(f->comm, status, msg, msglen);
  }
  free(buf);
  if (dset >= 0) H5Dclose(dset);
  if (grp >= 0) H5Gclose(grp);
  if (status != EMF_SUCCESS) return status;

  gauge_exchange(a);
  uint64_t sum = io_checksum_all(a);
  if (sum != in.checksum)
    return io_fail(msg, msglen, EMF_EFORMAT,
                   "%s: checksum of the links is %llu, the file says %llu (data corrupted)",
                   where, (unsigned long long)sum, (unsigned long long)in.checksum);
  double p = gauge_plaquette_all(a), tol = io_plaquette_tolerance(g);
  if (!(fabs(p - in.plaquette) <= tol * fabs(in.plaquette)) && !(p == in.plaquette))
    return io_fail(msg, msglen, EMF_EFORMAT,
                   "%s: plaquette of the links is %.17g, the file says %.17g "
                   "(relative tolerance %.3g)", where, p, in.plaquette, tol);
  if (info != NULL) *info = in;
  return EMF_SUCCESS;
}

typedef struct {
  long *v;
  long n, cap;
  int bad;
} numlist_t;

static herr_t list_cb(hid_t grp, const char *name, const H5L_info_t *li, void *data)
{
  numlist_t *l = data;
  char *end;
  long x = strtol(name, &end, 10);
  (void)grp;
  (void)li;
  if (*end != '\0' || end == name || x < 0) return 0;
  if (l->n == l->cap) {
    long cap = l->cap ? 2 * l->cap : 64;
    long *v = realloc(l->v, (size_t)cap * sizeof *v);
    if (v == NULL) {
      l->bad = 1;
      return 1;
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = x;
  return 0;
}

static int cmp_long(const void *a, const void *b)
{
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

int io_list_configs(io_file_t *f, const char *generator, long **numbers,
                    long *count, char *msg, int msglen)
{
  char sub[128];
  numlist_t l = {NULL, 0, 0, 0};
  int status = EMF_SUCCESS;
  *numbers = NULL;
  *count = 0;
  if (!generator_ok(generator))
    return io_fail(msg, msglen, EMF_EINVAL, "file '%s': invalid generator name", f->path);
  snprintf(sub, sizeof sub, "configs/%s", generator);
  if (H5Lexists(f->fid, "configs", H5P_DEFAULT) > 0 &&
      H5Lexists(f->fid, sub, H5P_DEFAULT) > 0) {
    hid_t grp = H5Gopen2(f->fid, sub, H5P_DEFAULT);
    if (grp < 0 || H5Literate(grp, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, list_cb, &l) < 0 ||
        l.bad)
      status = io_fail(msg, msglen, l.bad ? EMF_ENOMEM : EMF_EFORMAT,
                       "file '%s': cannot list group '%s'", f->path, sub);
    if (grp >= 0) H5Gclose(grp);
  }
  status = io_agree(f->comm, status, msg, msglen);
  if (status != EMF_SUCCESS || l.n == 0) {
    free(l.v);
    return status;
  }
  qsort(l.v, (size_t)l.n, sizeof *l.v, cmp_long);
  *numbers = l.v;
  *count = l.n;
  return EMF_SUCCESS;
}
