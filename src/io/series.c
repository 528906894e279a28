/*******************************************************************************
 * series.c: observable time series in ensemble files (doc/formats.md).
 *
 * int io_append_series(io_file_t *f, const char *name, const char *description,
 *                      const double *x, long n, char *msg, int msglen)
 *   Appends rank 0's n values x[0..n-1] to the extendible 1-D dataset
 *   /observables/<name> (double, chunks of IO_SERIES_CHUNK, unlimited),
 *   creating it, with the string attribute description, on first use (the
 *   description of an existing series is kept).  name: letters, digits,
 *   '_', '-', '.', and '/' for subgroups ("hmc/plaquette").  Only rank 0's
 *   x and n are used; other ranks may pass NULL.  Errors: EMF_EINVAL (bad
 *   name, n < 0 or x == NULL with n > 0 on rank 0, read-only file),
 *   EMF_EFORMAT (an object of that name that is not a 1-D extendible
 *   double dataset), EMF_EIO (HDF5 failure).
 *
 * int io_read_series(io_file_t *f, const char *name, double **x, long *n,
 *                    char *description, int desclen, char *msg, int msglen)
 *   Reads the whole series into a malloc'ed array *x (free(); NULL when
 *   *n == 0) on every rank, and its description (may be NULL).  EMF_EFORMAT
 *   if the series is missing, not a 1-D double dataset, or has no
 *   description; EMF_EIO, EMF_ENOMEM.
 *
 * int io_has_series(io_file_t *f, const char *name)
 *   1 if /observables/<name> exists (as any object), else 0 (also for an
 *   invalid name).
 *
 * int io_write_series_attr(io_file_t *f, const char *name, const char *key,
 *                          const char *value, char *msg, int msglen)
 *   Sets the string attribute key of the existing series name to value
 *   (replacing an attribute of that name; "description" is refused).
 *   EMF_EINVAL (read-only file, bad name or key), EMF_EFORMAT (no such
 *   series), EMF_EIO.
 *
 * int io_read_series_attr(io_file_t *f, const char *name, const char *key,
 *                         char *value, int len, char *msg, int msglen)
 *   Reads it (at most len - 1 characters).  EMF_EFORMAT if the series or
 *   the attribute is missing or not a string, or it is too long.
 *
 * Context: collective over the file's communicator (all ranks call with
 * the same name, key and value); same status and message on every rank.
 ******************************************************************************/
#include <stdlib.h>
#include <string.h>
#include "io_int.h"

#define IO_SERIES_CHUNK 1024

/* Opens the series dataset and checks it (extendible if ext); *len gets
 * its length. */
static int open_series(const io_file_t *f, const char *path, const char *where, int ext,
                       hid_t *dset, hsize_t *len, char *msg, int msglen)
{
  hid_t type, space;
  hsize_t maxlen = 0;
  int status = EMF_SUCCESS;
  *dset = H5Dopen2(f->fid, path, H5P_DEFAULT);
  if (*dset < 0) return io_fail(msg, msglen, EMF_EFORMAT, "%s: cannot open dataset", where);
  type = H5Dget_type(*dset);
  space = H5Dget_space(*dset);
  if (type < 0 || H5Tget_class(type) != H5T_FLOAT || H5Tget_size(type) != 8 || space < 0 ||
      H5Sget_simple_extent_ndims(space) != 1 ||
      H5Sget_simple_extent_dims(space, len, &maxlen) != 1)
    status = io_fail(msg, msglen, EMF_EFORMAT, "%s: not a 1-D dataset of doubles", where);
  else if (ext && maxlen != H5S_UNLIMITED)
    status = io_fail(msg, msglen, EMF_EFORMAT, "%s: dataset is not extendible", where);
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  if (status != EMF_SUCCESS) {
    H5Dclose(*dset);
    *dset = H5I_INVALID_HID;
  }
  return status;
}

static hid_t create_series(const io_file_t *f, const char *path, const char *description)
{
  hsize_t zero = 0, unlim = H5S_UNLIMITED, chunk = IO_SERIES_CHUNK;
  hid_t space = H5Screate_simple(1, &zero, &unlim);
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hid_t dset = H5I_INVALID_HID;
  if (space >= 0 && lcpl >= 0 && dcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0 &&
      H5Pset_chunk(dcpl, 1, &chunk) >= 0)
    dset = H5Dcreate2(f->fid, path, H5T_IEEE_F64LE, space, lcpl, dcpl, H5P_DEFAULT);
  if (dset >= 0 && io_attr_write_string(dset, "description", description) != 0) {
    H5Dclose(dset);
    dset = H5I_INVALID_HID;
  }
  if (dcpl >= 0) H5Pclose(dcpl);
  if (lcpl >= 0) H5Pclose(lcpl);
  if (space >= 0) H5Sclose(space);
  return dset;
}

/* 1: every component of path exists as a link. */
static int path_exists(hid_t fid, const char *path)
{
  char buf[256];
  size_t n = strlen(path);
  if (n >= sizeof buf) return 0;
  memcpy(buf, path, n + 1);
  for (size_t i = 0; i <= n; i++) {
    if (buf[i] == '/' || buf[i] == '\0') {
      char c = buf[i];
      buf[i] = '\0';
      if (H5Lexists(fid, buf, H5P_DEFAULT) <= 0) return 0;
      buf[i] = c;
    }
  }
  return 1;
}

int io_append_series(io_file_t *f, const char *name, const char *description,
                     const double *x, long n, char *msg, int msglen)
{
  char path[256], where[IO_PATH_MAX + 300];
  hid_t dset = H5I_INVALID_HID, fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  hid_t dxpl = H5I_INVALID_HID;
  hsize_t len = 0, total, start, count, mdim;
  int status = EMF_SUCCESS;

  if (!f->writable)
    return io_fail(msg, msglen, EMF_EINVAL, "file '%s' is open read-only", f->path);
  if (!io_name_ok(name, 1) || description == NULL)
    return io_fail(msg, msglen, EMF_EINVAL, "file '%s': invalid series name '%s'", f->path,
                   name ? name : "(null)");
  if (f->rank == 0 && n > 0 && x == NULL) n = -1;
  MPI_Bcast(&n, 1, MPI_LONG, 0, f->comm);
  if (n < 0)
    return io_fail(msg, msglen, EMF_EINVAL, "file '%s': negative length or no values",
                   f->path);
  snprintf(path, sizeof path, "observables/%s", name);
  snprintf(where, sizeof where, "file '%s', series '%s'", f->path, path);

  if (path_exists(f->fid, path))
    status = open_series(f, path, where, 1, &dset, &len, msg, msglen);
  else if ((dset = create_series(f, path, description)) < 0)
    status = io_fail(msg, msglen, EMF_EIO, "%s: cannot create dataset", where);
  status = io_agree(f->comm, status, msg, msglen);
  if (status != EMF_SUCCESS) {
    if (dset >= 0) H5Dclose(dset);
    return status;
  }
  if (n > 0) {
    total = len + (hsize_t)n;
    start = len;
    count = f->rank == 0 ? (hsize_t)n : 0;
    mdim = (hsize_t)n;
    status = EMF_EIO;
    dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (H5Dset_extent(dset, &total) >= 0 && (fspace = H5Dget_space(dset)) >= 0 &&
        (mspace = H5Screate_simple(1, &mdim, NULL)) >= 0 && dxpl >= 0 &&
        H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) >= 0) {
      int sel = f->rank == 0
                    ? H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL)
                    : (H5Sselect_none(fspace) >= 0 && H5Sselect_none(mspace) >= 0 ? 0 : -1);
      double dummy = 0.0;
      if (sel >= 0 && H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl,
                               f->rank == 0 ? x : &dummy) >= 0)
        status = EMF_SUCCESS;
    }
    if (status != EMF_SUCCESS) io_fail(msg, msglen, status, "%s: cannot append", where);
  }
  if (dxpl >= 0) H5Pclose(dxpl);
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
  if (H5Dclose(dset) < 0 && status == EMF_SUCCESS)
    status = io_fail(msg, msglen, EMF_EIO, "%s: cannot close dataset", where);
  return io_agree(f->comm, status, msg, msglen);
}

int io_read_series(io_file_t *f, const char *name, double **x, long *n,
                   char *description, int desclen, char *msg, int msglen)
{
  char path[256], where[IO_PATH_MAX + 300], desc[1024];
  hid_t dset = H5I_INVALID_HID, dxpl = H5I_INVALID_HID;
  hsize_t len = 0;
  int status = EMF_SUCCESS;
  double *v = NULL;

  *x = NULL;
  *n = 0;
  if (!io_name_ok(name, 1))
    return io_fail(msg, msglen, EMF_EINVAL, "file '%s': invalid series name '%s'", f->path,
                   name ? name : "(null)");
  snprintf(path, sizeof path, "observables/%s", name);
  snprintf(where, sizeof where, "file '%s', series '%s'", f->path, path);
  if (!path_exists(f->fid, path))
    status = io_fail(msg, msglen, EMF_EFORMAT, "%s: no such dataset", where);
  else
    status = open_series(f, path, where, 0, &dset, &len, msg, msglen);
  if (status == EMF_SUCCESS)
    status = io_attr_read_string(dset, "description", desc, sizeof desc, where, msg, msglen);
  if (status == EMF_SUCCESS && (v = malloc(len ? len * sizeof *v : 1)) == NULL)
    status = io_fail(msg, msglen, EMF_ENOMEM, "%s: out of memory", where);
  status = io_agree(f->comm, status, msg, msglen);
  if (status == EMF_SUCCESS && len > 0) {
    dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (dxpl < 0 || H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0 ||
        H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, dxpl, v) < 0)
      status = io_fail(msg, msglen, EMF_EIO, "%s: cannot read", where);
    if (dxpl >= 0) H5Pclose(dxpl);
    status = io_agree(f->comm, status, msg, msglen);
  }
  if (dset >= 0) H5Dclose(dset);
  if (status != EMF_SUCCESS) {
    free(v);
    return status;
  }
  if (description != NULL && desclen > 0) snprintf(description, (size_t)desclen, "%s", desc);
  if (len == 0) {
    free(v);
    v = NULL;
  }
  *x = v;
  *n = (long)len;
  return EMF_SUCCESS;
}

int io_has_series(io_file_t *f, const char *name)
{
  char path[256];
  if (!io_name_ok(name, 1)) return 0;
  snprintf(path, sizeof path, "observables/%s", name);
  return path_exists(f->fid, path);
}

/* Opens /observables/<name> (any object) for the attribute functions. */
static int open_object(io_file_t *f, const char *name, const char *key, char *where,
                       size_t wlen, hid_t *obj, char *msg, int msglen)
{
  char path[256];
  *obj = H5I_INVALID_HID;
  if (!io_name_ok(name, 1) || key == NULL || !io_name_ok(key, 0))
    return io_fail(msg, msglen, EMF_EINVAL, "file '%s': invalid series '%s' or key '%s'",
                   f->path, name ? name : "(null)", key ? key : "(null)");
  snprintf(path, sizeof path, "observables/%s", name);
  snprintf(where, wlen, "file '%s', series '%s'", f->path, path);
  if (!path_exists(f->fid, path) || (*obj = H5Oopen(f->fid, path, H5P_DEFAULT)) < 0)
    return io_fail(msg, msglen, EMF_EFORMAT, "%s: no such series", where);
  return EMF_SUCCESS;
}

int io_write_series_attr(io_file_t *f, const char *name, const char *key,
                         const char *value, char *msg, int msglen)
{
  char where[IO_PATH_MAX + 300];
  hid_t obj;
  int status;
  if (!f->writable)
    return io_fail(msg, msglen, EMF_EINVAL, "file '%s' is open read-only", f->path);
  if (key != NULL && strcmp(key, "description") == 0)
    return io_fail(msg, msglen, EMF_EINVAL, "file '%s': the description cannot be replaced",
                   f->path);
  status = open_object(f, name, key, where, sizeof where, &obj, msg, msglen);
  if (status == EMF_SUCCESS) {
    if ((io_attr_exists(obj, key) && H5Adelete(obj, key) < 0) ||
        io_attr_write_string(obj, key, value) != 0)
      status = io_fail(msg, msglen, EMF_EIO, "%s: cannot write attribute '%s'", where, key);
    H5Oclose(obj);
  }
  return io_agree(f->comm, status, msg, msglen);
}

int io_read_series_attr(io_file_t *f, const char *name, const char *key, char *value,
                        int len, char *msg, int msglen)
{
  char where[IO_PATH_MAX + 300];
  hid_t obj;
  int status = open_object(f, name, key, where, sizeof where, &obj, msg, msglen);
  if (status == EMF_SUCCESS) {
    status = io_attr_read_string(obj, key, value, len, where, msg, msglen);
    H5Oclose(obj);
  }
  return io_agree(f->comm, status, msg, msglen);
}
