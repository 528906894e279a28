/*******************************************************************************
 * file.c: creating, committing and opening ensemble files (parallel HDF5).
 *
 * int io_file_create(io_file_t **f, const char *path, MPI_Comm comm,
 *                    const char *program, unsigned flags, char *msg, int msglen)
 *   Creates "<path>.tmp" (truncating a stale one) for writing with the MPI-IO
 *   driver and writes the file attributes format = "emflow-ensemble",
 *   format_version, program, version (EMF_VERSION), gitrev (EMF_GITREV),
 *   created (UTC, ISO 8601) and nranks.  The file is opened on a new
 *   communicator MPI_Comm_split(comm, 0, rank), which has comm's ranks and no
 *   topology (Open MPI 4.1 OMPIO writes zeros for some Cartesian
 *   communicators: doc/formats.md); with flags = IO_COMM_AS_GIVEN it is
 *   opened on a duplicate of comm itself (for measurements only).
 *   A file that exists under <path> is left untouched until io_file_commit.
 *   Returns EMF_SUCCESS and *f, or EMF_EINVAL (bad path), EMF_EIO (cannot
 *   create) with *f = NULL.
 *
 * int io_file_commit(io_file_t *f, char *msg, int msglen)
 *   Closes the file, syncs it to disk and renames "<path>.tmp" to <path>
 *   (replacing an older file atomically).  Frees f in every case; on failure
 *   (EMF_EIO) the temporary file is removed.
 *
 * void io_file_abort(io_file_t *f)
 *   Closes the file, removes the temporary file and frees f.  Also closes
 *   a file opened by io_file_open (then nothing is removed).  f may be NULL.
 *
 * int io_file_open(io_file_t **f, const char *path, MPI_Comm comm,
 *                  unsigned flags, char *msg, int msglen)
 *   Opens an existing file read-only.  EMF_EIO if it cannot be read,
 *   EMF_EFORMAT if it is not an HDF5 file (or is truncated) or lacks the
 *   format attribute "emflow-ensemble" or has a newer format_version.
 *
 * int io_file_append(io_file_t **f, const char *path, MPI_Comm comm,
 *                    unsigned flags, char *msg, int msglen)
 *   Continues an existing file: rank 0 copies <path> to "<path>.tmp", which
 *   is opened for writing; io_file_commit renames it back, io_file_abort
 *   removes it, so <path> stays unchanged until the commit.  Errors as for
 *   io_file_open, and EMF_EIO if the copy fails.
 *
 * void io_file_close(io_file_t *f)
 *   Same as io_file_abort (for files opened by io_file_open).
 *
 * int io_file_flush(io_file_t *f, char *msg, int msglen)
 *   H5Fflush of the whole file, so that the temporary file is readable (by
 *   h5py or a later run) if the run is killed.  EMF_EIO on failure.
 *
 * const char *io_file_path(const io_file_t *f)
 *   The final path of the file.  Local.
 *
 * void io_file_remove_temp(void *f)
 *   Local and HDF5-free: rank 0 of the file removes "<path>.tmp".  Meant as
 *   the hook of error_set_cleanup, so that an aborted run leaves no
 *   half-written file; does nothing for read-only files or f == NULL.
 *
 * Internal helpers (io_int.h): io_fail formats msg and returns status;
 * io_agree makes status and msg those of the lowest failing rank on every
 * rank of comm (collective); io_name_ok checks an object name.
 *
 * Context: all functions but io_file_path and io_file_remove_temp are
 * collective over comm (every rank calls them with the same arguments) and
 * return the same status and message on every rank.  Not thread-safe.
 ******************************************************************************/
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "io_int.h"

#ifndef EMF_VERSION
#define EMF_VERSION "unknown"
#endif
#ifndef EMF_GITREV
#define EMF_GITREV "unknown"
#endif

int io_fail(char *msg, int msglen, int status, const char *fmt, ...)
{
  va_list ap;
  if (msg != NULL && msglen > 0) {
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)msglen, fmt, ap);
    va_end(ap);
  }
  return status;
}

int io_agree(MPI_Comm comm, int status, char *msg, int msglen)
{
  int rank, nranks, mine, first;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &nranks);
  mine = status != EMF_SUCCESS ? rank : nranks;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == nranks) return EMF_SUCCESS;
  MPI_Bcast(&status, 1, MPI_INT, first, comm);
  if (msg != NULL && msglen > 0) {
    msg[msglen - 1] = '\0';
    MPI_Bcast(msg, msglen, MPI_CHAR, first, comm);
  }
  return status;
}

int io_name_ok(const char *name, int allow_slash)
{
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > 200 || name[0] == '/' || name[n - 1] == '/') return 0;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
             (allow_slash && c == '/' && name[i + 1] != '/');
    if (!ok) return 0;
  }
  for (const char *c = name; *c != '\0';) {  /* no component "." or ".." */
    size_t len = strcspn(c, "/");
    if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.')) return 0;
    c += len + (c[len] == '/');
  }
  return 1;
}

static int file_comm(MPI_Comm comm, unsigned flags, MPI_Comm *fc)
{
  int rank;
  MPI_Comm_rank(comm, &rank);
  if (flags & IO_COMM_AS_GIVEN) return MPI_Comm_dup(comm, fc);
  return MPI_Comm_split(comm, 0, rank, fc);
}

static io_file_t *file_alloc(const char *path, MPI_Comm comm, unsigned flags,
                             int *status, char *msg, int msglen)
{
  io_file_t *f;
  size_t n = path ? strlen(path) : 0;
  *status = EMF_SUCCESS;
  if (n == 0 || n + 5 > IO_PATH_MAX) {
    *status = io_fail(msg, msglen, EMF_EINVAL, "invalid file name '%s'",
                      path ? path : "(null)");
    return NULL;
  }
  f = calloc(1, sizeof *f);
  if (f == NULL) {
    *status = io_fail(msg, msglen, EMF_ENOMEM, "file '%s': out of memory", path);
    return NULL;
  }
  f->fid = H5I_INVALID_HID;
  memcpy(f->path, path, n + 1);
  snprintf(f->tmp, sizeof f->tmp, "%s.tmp", path);
  f->comm = MPI_COMM_NULL;
  return f;
}

/* Collective: after every rank has its handle, give it the communicator. */
static int file_attach_comm(io_file_t *f, MPI_Comm comm, unsigned flags,
                            char *msg, int msglen)
{
  int status = EMF_SUCCESS;
  if (file_comm(comm, flags, &f->comm) != MPI_SUCCESS) {
    f->comm = MPI_COMM_NULL;
    status = io_fail(msg, msglen, EMF_EFAILED, "file '%s': cannot create a communicator",
                     f->path);
  } else {
    MPI_Comm_rank(f->comm, &f->rank);
    MPI_Comm_size(f->comm, &f->nranks);
  }
  return io_agree(comm, status, msg, msglen);
}

static void file_free(io_file_t *f)
{
  if (f == NULL) return;
  if (f->comm != MPI_COMM_NULL) MPI_Comm_free(&f->comm);
  free(f);
}

static hid_t fapl_mpio(MPI_Comm comm)
{
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0) return fapl;
  if (H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) {
    H5Pclose(fapl);
    return H5I_INVALID_HID;
  }
  return fapl;
}

static int write_file_attrs(io_file_t *f, const char *program)
{
  char created[64] = "";
  int fv = IO_FORMAT_VERSION, ok = 1;
  if (f->rank == 0) {
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm) != NULL)
      strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  MPI_Bcast(created, sizeof created, MPI_CHAR, 0, f->comm);
  ok &= io_attr_write_string(f->fid, "format", IO_FORMAT_NAME) == 0;
  ok &= io_attr_write(f->fid, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &fv) == 0;
  ok &= io_attr_write_string(f->fid, "program", program ? program : "emflow-lqft") == 0;
  ok &= io_attr_write_string(f->fid, "version", EMF_VERSION) == 0;
  ok &= io_attr_write_string(f->fid, "gitrev", EMF_GITREV) == 0;
  ok &= io_attr_write_string(f->fid, "created", created) == 0;
  ok &= io_attr_write(f->fid, "nranks", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &f->nranks) == 0;
  return ok ? EMF_SUCCESS : EMF_EIO;
}

int io_file_create(io_file_t **f, const char *path, MPI_Comm comm,
                   const char *program, unsigned flags, char *msg, int msglen)
{
  int status;
  hid_t fapl;
  io_file_t *h = file_alloc(path, comm, flags, &status, msg, msglen);
  *f = NULL;
  status = io_agree(comm, status, msg, msglen);
  if (status == EMF_SUCCESS) status = file_attach_comm(h, comm, flags, msg, msglen);
  if (status != EMF_SUCCESS) {
    file_free(h);
    return status;
  }
  h->writable = 1;
  fapl = fapl_mpio(h->comm);
  if (fapl >= 0) {
    h->fid = H5Fcreate(h->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
  }
  if (h->fid < 0) {
    status = io_fail(msg, msglen, EMF_EIO, "cannot create file '%s' (for '%s')",
                     h->tmp, h->path);
    status = io_agree(h->comm, status, msg, msglen);
    file_free(h);
    return status;
  }
  status = write_file_attrs(h, program);
  if (status != EMF_SUCCESS)
    io_fail(msg, msglen, status, "file '%s': cannot write file attributes", h->tmp);
  status = io_agree(h->comm, status, msg, msglen);
  if (status != EMF_SUCCESS) {
    io_file_abort(h);
    return status;
  }
  *f = h;
  return EMF_SUCCESS;
}

int io_file_commit(io_file_t *f, char *msg, int msglen)
{
  int status = EMF_SUCCESS;
  if (f == NULL || !f->writable) {
    io_file_close(f);
    return io_fail(msg, msglen, EMF_EINVAL, "io_file_commit: not a file being written");
  }
  if (H5Fclose(f->fid) < 0)
    status = io_fail(msg, msglen, EMF_EIO, "cannot close file '%s'", f->tmp);
  f->fid = H5I_INVALID_HID;
  status = io_agree(f->comm, status, msg, msglen);
  if (status == EMF_SUCCESS && f->rank == 0) {
    int fd = open(f->tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0)
      status = io_fail(msg, msglen, EMF_EIO, "cannot sync file '%s': %s", f->tmp,
                       strerror(errno));
    if (fd >= 0) close(fd);
    if (status == EMF_SUCCESS && rename(f->tmp, f->path) != 0)
      status = io_fail(msg, msglen, EMF_EIO, "cannot rename '%s' to '%s': %s",
                       f->tmp, f->path, strerror(errno));
  }
  status = io_agree(f->comm, status, msg, msglen);
  if (status != EMF_SUCCESS && f->rank == 0) unlink(f->tmp);
  file_free(f);
  return status;
}

void io_file_abort(io_file_t *f)
{
  if (f == NULL) return;
  if (f->fid >= 0) H5Fclose(f->fid);
  f->fid = H5I_INVALID_HID;
  if (f->writable) {
    MPI_Barrier(f->comm);
    if (f->rank == 0) unlink(f->tmp);
    MPI_Barrier(f->comm);
  }
  file_free(f);
}

void io_file_close(io_file_t *f) { io_file_abort(f); }

/* Rank 0 copies src to dst; 0 or -1 (errno set). */
static int copy_file(const char *src, const char *dst)
{
  char buf[1 << 16];
  ssize_t n = 0;
  int in = open(src, O_RDONLY), out = -1, rc = 0;
  if (in >= 0) out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || out < 0) rc = -1;
  while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0) {
    for (ssize_t done = 0; rc == 0 && done < n;) {
      ssize_t w = write(out, buf + done, (size_t)(n - done));
      if (w <= 0)
        rc = -1;
      else
        done += w;
    }
  }
  if (n < 0) rc = -1;
  if (in >= 0) close(in);
  if (out >= 0 && close(out) != 0) rc = -1;
  return rc;
}

/* Opens the existing file h->path read-only, or (append) a copy of it in
 * h->tmp read-write, and checks the format attributes. */
static int open_existing(io_file_t **f, io_file_t *h, int append, char *msg, int msglen)
{
  int status = EMF_SUCCESS;
  const char *path = h->path;
  hid_t fapl;
  if (h->rank == 0 && access(path, R_OK) != 0)
    status = io_fail(msg, msglen, EMF_EIO, "cannot read file '%s': %s", path, strerror(errno));
  if (h->rank == 0 && status == EMF_SUCCESS && append && copy_file(path, h->tmp) != 0)
    status = io_fail(msg, msglen, EMF_EIO, "cannot copy file '%s' to '%s': %s", path, h->tmp,
                     strerror(errno));
  h->writable = append;
  status = io_agree(h->comm, status, msg, msglen);
  if (status != EMF_SUCCESS) {
    io_file_abort(h);
    return status;
  }
  fapl = fapl_mpio(h->comm);
  if (fapl >= 0) {
    h->fid = append ? H5Fopen(h->tmp, H5F_ACC_RDWR, fapl) : H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
  }
  if (h->fid < 0) {
    status = io_fail(msg, msglen, EMF_EFORMAT,
                     "file '%s' is not a readable HDF5 file (damaged or truncated?)", path);
  } else {
    char fmt[64];
    long long fv;
    char where[IO_PATH_MAX + 16];
    snprintf(where, sizeof where, "file '%s'", path);
    status = io_attr_read_string(h->fid, "format", fmt, sizeof fmt, where, msg, msglen);
    if (status == EMF_SUCCESS && strcmp(fmt, IO_FORMAT_NAME) != 0)
      status = io_fail(msg, msglen, EMF_EFORMAT, "file '%s' has format '%s', expected '%s'",
                       path, fmt, IO_FORMAT_NAME);
    if (status == EMF_SUCCESS)
      status = io_attr_read_ints(h->fid, "format_version", &fv, 1, where, msg, msglen);
    if (status == EMF_SUCCESS && (fv < 1 || fv > IO_FORMAT_VERSION))
      status = io_fail(msg, msglen, EMF_EFORMAT,
                       "file '%s' has format_version %lld; this code reads 1..%d",
                       path, fv, IO_FORMAT_VERSION);
  }
  status = io_agree(h->comm, status, msg, msglen);
  if (status != EMF_SUCCESS) {
    io_file_abort(h);
    return status;
  }
  *f = h;
  return EMF_SUCCESS;
}

static int open_file(io_file_t **f, const char *path, MPI_Comm comm, unsigned flags,
                     int append, char *msg, int msglen)
{
  int status;
  io_file_t *h = file_alloc(path, comm, flags, &status, msg, msglen);
  *f = NULL;
  status = io_agree(comm, status, msg, msglen);
  if (status == EMF_SUCCESS) status = file_attach_comm(h, comm, flags, msg, msglen);
  if (status != EMF_SUCCESS) {
    file_free(h);
    return status;
  }
  return open_existing(f, h, append, msg, msglen);
}

int io_file_open(io_file_t **f, const char *path, MPI_Comm comm,
                 unsigned flags, char *msg, int msglen)
{
  return open_file(f, path, comm, flags, 0, msg, msglen);
}

int io_file_append(io_file_t **f, const char *path, MPI_Comm comm,
                   unsigned flags, char *msg, int msglen)
{
  return open_file(f, path, comm, flags, 1, msg, msglen);
}

int io_file_flush(io_file_t *f, char *msg, int msglen)
{
  int status = EMF_SUCCESS;
  if (H5Fflush(f->fid, H5F_SCOPE_GLOBAL) < 0)
    status = io_fail(msg, msglen, EMF_EIO, "cannot flush file '%s'", f->tmp);
  return io_agree(f->comm, status, msg, msglen);
}

const char *io_file_path(const io_file_t *f) { return f->path; }

void io_file_remove_temp(void *f)
{
  const io_file_t *h = f;
  if (h != NULL && h->writable && h->rank == 0) unlink(h->tmp);
}
