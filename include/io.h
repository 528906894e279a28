/*******************************************************************************
 * io.h: parallel HDF5 files of gauge configurations and observable series.
 *
 * One file (ensemble.h5) holds any number of configurations and observable
 * series.  Layout (doc/formats.md):
 *   /                         attributes format, format_version, program,
 *                             version, gitrev, created, nranks
 *   /configs/<gen>/<number>   group per configuration, <gen> = generator
 *                             ("init", "hmc", "flow"), <number> = %06ld;
 *                             attributes N, D, extents, beta, seed, generator,
 *                             number, plaquette, checksum, version, gitrev,
 *                             grid
 *   /configs/<gen>/<number>/links   double [L_0, ..., L_{D-1}, D, N, N, 2]
 *   /observables/<name>       double [n], chunked, unlimited; attribute
 *                             description
 *
 * Files are written to "<path>.tmp" (io_file_create, or io_file_append on a
 * copy of an existing file) and renamed to <path> by io_file_commit, so
 * that a crash never leaves a half-written file under the final name.
 *
 * Every function except io_file_path, io_file_remove_temp,
 * io_plaquette_tolerance and the io_serial_* functions (local: one process,
 * plain HDF5) is collective over the file's communicator; those
 * returning int return the same status (EMF_SUCCESS, EMF_EIO, EMF_EFORMAT, EMF_EINVAL, EMF_ENOMEM) and
 * the same message (naming the file and what is wrong) on every rank, so the
 * caller can pass it straight to ERROR_ROOT.
 *
 * The file is always opened on a communicator without a topology (a split of
 * the communicator passed in), which avoids Open MPI 4.1's OMPIO defect for
 * Cartesian communicators (ENVIRONMENT.md; doc/formats.md gives the measured
 * failure rates).
 ******************************************************************************/
#ifndef IO_H
#define IO_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include "gauge.h"
#include "global.h"

typedef struct io_file io_file_t;

/* Flags of io_file_create, io_file_open and io_file_append. */
enum {
  IO_DEFAULT = 0,
  /* Open the file on the communicator exactly as passed (no topology-free
   * split).  Only for measuring the Open MPI defect (tests/mpi/io). */
  IO_COMM_AS_GIVEN = 1
};

#define IO_GEN_MAX 16      /* generator name incl. terminating NUL */
#define IO_VERSION_MAX 64  /* code version / git revision strings */

/* Metadata of one configuration.  The writer fills beta, seed, generator,
 * number and plaquette (from gauge_plaquette_all); io_write_config fills the
 * rest.  io_read_config fills everything from the file. */
typedef struct io_config_info {
  int n;                       /* N of SU(N) */
  int d;                       /* dimensions D */
  int extent[EMF_DMAX];        /* L_0 .. L_{D-1} */
  int grid[EMF_DMAX];          /* process grid of the writing run */
  double beta;
  uint64_t seed;
  char generator[IO_GEN_MAX];  /* "init", "hmc" or "flow" */
  long number;                 /* trajectory or sample number, >= 0 */
  double plaquette;            /* gauge_plaquette_all of the links */
  uint64_t checksum;           /* io_checksum_all of the links */
  char version[IO_VERSION_MAX];
  char gitrev[IO_VERSION_MAX];
} io_config_info_t;

/* file.c */
int io_file_create(io_file_t **f, const char *path, MPI_Comm comm,
                   const char *program, unsigned flags, char *msg, int msglen);
int io_file_commit(io_file_t *f, char *msg, int msglen);
void io_file_abort(io_file_t *f);
int io_file_open(io_file_t **f, const char *path, MPI_Comm comm,
                 unsigned flags, char *msg, int msglen);
int io_file_append(io_file_t **f, const char *path, MPI_Comm comm,
                   unsigned flags, char *msg, int msglen);
void io_file_close(io_file_t *f);
int io_file_flush(io_file_t *f, char *msg, int msglen);
const char *io_file_path(const io_file_t *f);
void io_file_remove_temp(void *f);

/* config.c */
uint64_t io_checksum_all(const gauge_t *a);
double io_plaquette_tolerance(const geom_t *g);
int io_write_config(io_file_t *f, const gauge_t *a, io_config_info_t *info,
                    char *msg, int msglen);
int io_read_config(io_file_t *f, const char *generator, long number,
                   gauge_t *a, io_config_info_t *info, char *msg, int msglen);
int io_list_configs(io_file_t *f, const char *generator, long **numbers,
                    long *count, char *msg, int msglen);

/* series.c */
int io_append_series(io_file_t *f, const char *name, const char *description,
                     const double *x, long n, char *msg, int msglen);
int io_read_series(io_file_t *f, const char *name, double **x, long *n,
                   char *description, int desclen, char *msg, int msglen);
int io_has_series(io_file_t *f, const char *name);
int io_write_series_attr(io_file_t *f, const char *name, const char *key,
                         const char *value, char *msg, int msglen);
int io_read_series_attr(io_file_t *f, const char *name, const char *key,
                        char *value, int len, char *msg, int msglen);

/* serial.c: small files of one process (model.h5, the single-matrix
 * ensemble.h5).  Sticky status: after the first failure every call does
 * nothing and returns it; io_serial_commit reports it. */
typedef struct io_serial io_serial_t;

#define IO_SERIAL_RANK_MAX 8  /* dimensions of a dataset */

io_serial_t *io_serial_create(const char *path);
io_serial_t *io_serial_open(const char *path);
int io_serial_commit(io_serial_t *s, char *msg, int msglen);
void io_serial_close(io_serial_t *s);
int io_serial_status(const io_serial_t *s, char *msg, int msglen);
void io_serial_write(io_serial_t *s, const char *name, const double *x, int rank,
                     const size_t *dims);
void io_serial_set_int(io_serial_t *s, const char *name, int v);
void io_serial_set_long(io_serial_t *s, const char *name, long long v);
void io_serial_set_u64(io_serial_t *s, const char *name, uint64_t v);
void io_serial_set_doubles(io_serial_t *s, const char *name, const double *v, int n);
void io_serial_set_string(io_serial_t *s, const char *name, const char *v);
int io_serial_has(io_serial_t *s, const char *name);
int io_serial_read(io_serial_t *s, const char *name, double *x, int rank,
                   const size_t *dims);
int io_serial_get_int(io_serial_t *s, const char *name, int *v);
int io_serial_get_long(io_serial_t *s, const char *name, long long *v);
int io_serial_get_u64(io_serial_t *s, const char *name, uint64_t *v);
int io_serial_get_double(io_serial_t *s, const char *name, double *v);
int io_serial_get_string(io_serial_t *s, const char *name, char *v, int len);

#endif
