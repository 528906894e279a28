/*******************************************************************************
 * io_int.h: declarations shared by the files of src/io (not public).
 ******************************************************************************/
#ifndef IO_INT_H
#define IO_INT_H

#include <hdf5.h>
#include <limits.h>
#include "io.h"

#define IO_FORMAT_NAME "emflow-ensemble"
#define IO_FORMAT_VERSION 1
#define IO_PATH_MAX 4096

struct io_file {
  hid_t fid;                /* HDF5 file */
  MPI_Comm comm;            /* communicator the file is open on (owned) */
  int rank, nranks;
  int writable;             /* 1: created by io_file_create (temp file) */
  char path[IO_PATH_MAX];   /* final name */
  char tmp[IO_PATH_MAX];    /* temporary name while writing */
};

/* file.c helpers */
int io_fail(char *msg, int msglen, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int io_agree(MPI_Comm comm, int status, char *msg, int msglen);
int io_name_ok(const char *name, int allow_slash);

/* attr.c */
int io_attr_write(hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                  int n, const void *v);
int io_attr_write_string(hid_t obj, const char *name, const char *s);
int io_attr_read_ints(hid_t obj, const char *name, long long *v, int n,
                      const char *where, char *msg, int msglen);
int io_attr_read_u64(hid_t obj, const char *name, uint64_t *v,
                     const char *where, char *msg, int msglen);
int io_attr_read_double(hid_t obj, const char *name, double *v,
                        const char *where, char *msg, int msglen);
int io_attr_read_string(hid_t obj, const char *name, char *s, int len,
                        const char *where, char *msg, int msglen);
int io_attr_exists(hid_t obj, const char *name);

#endif
