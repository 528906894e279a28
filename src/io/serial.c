/*******************************************************************************
 * serial.c: small HDF5 files written or read by one process (model.h5, the
 * single-matrix ensemble.h5; doc/formats.md "Serial files").
 *
 * Every call after the first failure does nothing and returns that failure
 * (a sticky status, as a stream's error flag), so a writer is a plain list
 * of calls followed by one io_serial_commit that reports the first error.
 *
 * io_serial_t *io_serial_create(const char *path)
 *   Creates (truncates) "<path>.tmp" for writing.  NULL if the path is too
 *   long, the file cannot be created or memory runs out (nothing is left).
 *
 * io_serial_t *io_serial_open(const char *path)
 *   Opens path read-only.  NULL if it cannot be opened.
 *
 * int io_serial_commit(io_serial_t *s, char *msg, int msglen)
 *   Ends a file of io_serial_create: closes it and, if every call
 *   succeeded, renames "<path>.tmp" to path, else removes it.  Frees s.
 *   EMF_SUCCESS, or the first error (EMF_EIO, EMF_EINVAL) with msg.
 *
 * void io_serial_close(io_serial_t *s)
 *   Closes and frees s (NULL is allowed); a file of io_serial_create is
 *   abandoned (the temporary file removed, path untouched).
 *
 * int io_serial_status(const io_serial_t *s, char *msg, int msglen)
 *   The first error so far (EMF_SUCCESS if none) and its message.
 *
 * void io_serial_write(io_serial_t *s, const char *name, const double *x,
 *                      int rank, const size_t *dims)
 *   Dataset name (little-endian IEEE doubles) of shape dims[0..rank-1]
 *   (1 <= rank <= IO_SERIAL_RANK_MAX) from x in C order.  EMF_EINVAL for a
 *   read-only file or a bad rank, EMF_EIO on an HDF5 failure.
 *
 * void io_serial_set_int(io_serial_t *s, const char *name, int v)
 * void io_serial_set_long(io_serial_t *s, const char *name, long long v)
 * void io_serial_set_u64(io_serial_t *s, const char *name, uint64_t v)
 * void io_serial_set_doubles(io_serial_t *s, const char *name,
 *                            const double *v, int n)
 * void io_serial_set_string(io_serial_t *s, const char *name, const char *v)
 *   Root attribute name: 32-bit, 64-bit, unsigned 64-bit integer, n doubles
 *   (a scalar for n = 1, else a 1-D array), fixed-length NUL-terminated
 *   string.  Errors as io_serial_write.
 *
 * int io_serial_has(io_serial_t *s, const char *name)
 *   1 if the root attribute name exists, else 0 (status unchanged).
 *
 * int io_serial_read(io_serial_t *s, const char *name, double *x, int rank,
 *                    const size_t *dims)
 *   Reads dataset name into x after checking that it holds floating-point
 *   numbers of exactly shape dims.  EMF_EFORMAT (missing, other type or
 *   shape), EMF_EIO (read failure).
 *
 * int io_serial_get_int(io_serial_t *s, const char *name, int *v)
 * int io_serial_get_long(io_serial_t *s, const char *name, long long *v)
 * int io_serial_get_u64(io_serial_t *s, const char *name, uint64_t *v)
 * int io_serial_get_double(io_serial_t *s, const char *name, double *v)
 * int io_serial_get_string(io_serial_t *s, const char *name, char *v, int len)
 *   Read a scalar root attribute after checking that it exists and has the
 *   type class asked for (integer, float, string; int: also the range).
 *   EMF_EFORMAT with "<path>: attribute '<name>' ..." otherwise.
 *
 * Context: local (one process, HDF5's default serial driver); not
 * thread-safe for one io_serial_t.  The automatic HDF5 error printing is
 * switched off (errors are reported through the status).
 ******************************************************************************/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io_int.h"

struct io_serial {
  hid_t fid;
  int writing;                /* 1: created by io_serial_create */
  int status;                 /* first error (sticky) */
  char msg[IO_PATH_MAX + 256];
  char path[IO_PATH_MAX];
  char tmp[IO_PATH_MAX];
};

/* Records the first failure; returns s->status. */
static int fail(io_serial_t *s, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(io_serial_t *s, int status, const char *fmt, ...)
{
  va_list ap;
  if (s->status != EMF_SUCCESS) return s->status;
  s->status = status;
  va_start(ap, fmt);
  vsnprintf(s->msg, sizeof s->msg, fmt, ap);
  va_end(ap);
  return status;
}

static io_serial_t *serial_new(const char *path, int writing)
{
  io_serial_t *s;
  if (path == NULL || strlen(path) + 5 > IO_PATH_MAX) return NULL;
  s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->writing = writing;
  s->fid = H5I_INVALID_HID;
  strcpy(s->path, path);
  snprintf(s->tmp, sizeof s->tmp, "%s.tmp", path);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  return s;
}

io_serial_t *io_serial_create(const char *path)
{
  io_serial_t *s = serial_new(path, 1);
  if (s == NULL) return NULL;
  s->fid = H5Fcreate(s->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (s->fid < 0) {
    free(s);
    return NULL;
  }
  return s;
}

io_serial_t *io_serial_open(const char *path)
{
  io_serial_t *s = serial_new(path, 0);
  if (s == NULL) return NULL;
  s->fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (s->fid < 0) {
    free(s);
    return NULL;
  }
  return s;
}

int io_serial_status(const io_serial_t *s, char *msg, int msglen)
{
  if (msg != NULL && msglen > 0) snprintf(msg, (size_t)msglen, "%s", s->msg);
  return s->status;
}

int io_serial_commit(io_serial_t *s, char *msg, int msglen)
{
  int status;
  if (!s->writing) fail(s, EMF_EINVAL, "%s: not opened for writing", s->path);
  if (H5Fclose(s->fid) < 0) fail(s, EMF_EIO, "%s: cannot close", s->tmp);
  s->fid = H5I_INVALID_HID;
  if (s->writing && s->status == EMF_SUCCESS && rename(s->tmp, s->path) != 0)
    fail(s, EMF_EIO, "%s: cannot rename to %s (%s)", s->tmp, s->path, strerror(errno));
  if (s->writing && s->status != EMF_SUCCESS) remove(s->tmp);
  status = io_serial_status(s, msg, msglen);
  free(s);
  return status;
}

void io_serial_close(io_serial_t *s)
{
  if (s == NULL) return;
  if (s->fid >= 0) H5Fclose(s->fid);
  if (s->writing) remove(s->tmp);
  free(s);
}

/* ---- writing ------------------------------------------------------------ */

static int writable(io_serial_t *s, const char *name)
{
  if (s->status != EMF_SUCCESS) return 0;
  if (s->writing) return 1;
  fail(s, EMF_EINVAL, "%s: '%s': file is open read-only", s->path, name);
  return 0;
}

void io_serial_write(io_serial_t *s, const char *name, const double *x, int rank,
                     const size_t *dims)
{
  hsize_t d[IO_SERIAL_RANK_MAX];
  hid_t sp, ds;
  int ok;
  if (!writable(s, name)) return;
  if (rank < 1 || rank > IO_SERIAL_RANK_MAX) {
    fail(s, EMF_EINVAL, "%s: dataset '%s': rank %d", s->path, name, rank);
    return;
  }
  for (int k = 0; k < rank; k++) d[k] = (hsize_t)dims[k];
  sp = H5Screate_simple(rank, d, NULL);
  ds = sp >= 0 ? H5Dcreate2(s->fid, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT)
               : H5I_INVALID_HID;
  ok = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) >= 0;
  if (ds >= 0 && H5Dclose(ds) < 0) ok = 0;
  if (sp >= 0) H5Sclose(sp);
  if (!ok) fail(s, EMF_EIO, "%s: cannot write dataset '%s'", s->tmp, name);
}

static void set_attr(io_serial_t *s, const char *name, hid_t ftype, hid_t mtype, int n,
                     const void *v)
{
  if (!writable(s, name)) return;
  if (io_attr_write(s->fid, name, ftype, mtype, n, v) != 0)
    fail(s, EMF_EIO, "%s: cannot write attribute '%s'", s->tmp, name);
}

void io_serial_set_int(io_serial_t *s, const char *name, int v)
{
  set_attr(s, name, H5T_STD_I32LE, H5T_NATIVE_INT, 1, &v);
}

void io_serial_set_long(io_serial_t *s, const char *name, long long v)
{
  set_attr(s, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, &v);
}

void io_serial_set_u64(io_serial_t *s, const char *name, uint64_t v)
{
  set_attr(s, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &v);
}

void io_serial_set_doubles(io_serial_t *s, const char *name, const double *v, int n)
{
  if (n < 1) {
    if (writable(s, name)) fail(s, EMF_EINVAL, "%s: attribute '%s': %d values", s->path, name, n);
    return;
  }
  set_attr(s, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, v);
}

void io_serial_set_string(io_serial_t *s, const char *name, const char *v)
{
  if (!writable(s, name)) return;
  if (io_attr_write_string(s->fid, name, v) != 0)
    fail(s, EMF_EIO, "%s: cannot write attribute '%s'", s->tmp, name);
}

/* ---- reading ------------------------------------------------------------ */

int io_serial_has(io_serial_t *s, const char *name)
{
  return s->fid >= 0 && io_attr_exists(s->fid, name);
}

int io_serial_read(io_serial_t *s, const char *name, double *x, int rank, const size_t *dims)
{
  hsize_t d[IO_SERIAL_RANK_MAX];
  hid_t ds, sp = H5I_INVALID_HID, ty = H5I_INVALID_HID;
  int ok;
  if (s->status != EMF_SUCCESS) return s->status;
  if (rank < 1 || rank > IO_SERIAL_RANK_MAX)
    return fail(s, EMF_EINVAL, "%s: dataset '%s': rank %d", s->path, name, rank);
  if (H5Lexists(s->fid, name, H5P_DEFAULT) <= 0 ||
      (ds = H5Dopen2(s->fid, name, H5P_DEFAULT)) < 0)
    return fail(s, EMF_EFORMAT, "%s: dataset '%s' is missing", s->path, name);
  sp = H5Dget_space(ds);
  ty = H5Dget_type(ds);
  ok = sp >= 0 && ty >= 0 && H5Tget_class(ty) == H5T_FLOAT &&
       H5Sget_simple_extent_ndims(sp) == rank && H5Sget_simple_extent_dims(sp, d, NULL) == rank;
  for (int k = 0; ok && k < rank; k++) ok = d[k] == (hsize_t)dims[k];
  if (!ok)
    fail(s, EMF_EFORMAT, "%s: dataset '%s' is not of the expected type and shape", s->path,
         name);
  else if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0)
    fail(s, EMF_EIO, "%s: cannot read dataset '%s'", s->path, name);
  if (ty >= 0) H5Tclose(ty);
  if (sp >= 0) H5Sclose(sp);
  H5Dclose(ds);
  return s->status;
}

/* Records the message of an attr.c reader as the sticky error. */
static int got(io_serial_t *s, int status, const char *msg)
{
  return status == EMF_SUCCESS ? status : fail(s, status, "%s", msg);
}

int io_serial_get_long(io_serial_t *s, const char *name, long long *v)
{
  char msg[IO_PATH_MAX + 256];
  if (s->status != EMF_SUCCESS) return s->status;
  return got(s, io_attr_read_ints(s->fid, name, v, 1, s->path, msg, (int)sizeof msg), msg);
}

int io_serial_get_int(io_serial_t *s, const char *name, int *v)
{
  long long x = 0;
  if (io_serial_get_long(s, name, &x) != EMF_SUCCESS) return s->status;
  if (x < INT_MIN || x > INT_MAX)
    return fail(s, EMF_EFORMAT, "%s: attribute '%s' = %lld is out of range", s->path, name, x);
  *v = (int)x;
  return EMF_SUCCESS;
}

int io_serial_get_u64(io_serial_t *s, const char *name, uint64_t *v)
{
  char msg[IO_PATH_MAX + 256];
  if (s->status != EMF_SUCCESS) return s->status;
  return got(s, io_attr_read_u64(s->fid, name, v, s->path, msg, (int)sizeof msg), msg);
}

int io_serial_get_double(io_serial_t *s, const char *name, double *v)
{
  char msg[IO_PATH_MAX + 256];
  if (s->status != EMF_SUCCESS) return s->status;
  return got(s, io_attr_read_double(s->fid, name, v, s->path, msg, (int)sizeof msg), msg);
}

int io_serial_get_string(io_serial_t *s, const char *name, char *v, int len)
{
  char msg[IO_PATH_MAX + 256];
  if (s->status != EMF_SUCCESS) return s->status;
  return got(s, io_attr_read_string(s->fid, name, v, len, s->path, msg, (int)sizeof msg), msg);
}
