/*******************************************************************************
 * util.h: errors, rank-0 logging, aligned allocation, timing, and the
 * decomposition-independent (double-double) global sum.
 ******************************************************************************/
#ifndef UTIL_H
#define UTIL_H

#include <mpi.h>
#include <stdio.h>
#include "global.h"

/* error.c */
typedef enum {
  ERROR_KIND_COLL, /* every rank calls with its own test; abort if any fails */
  ERROR_KIND_ROOT, /* every rank calls; only rank 0's test and message count */
  ERROR_KIND_LOC   /* one rank alone: message and MPI_Abort */
} error_kind_t;

void error_init(MPI_Comm comm);
void error_set_program(const char *name);
int error_rank(void);
const char *error_string(int status);
void error_impl(error_kind_t kind, int test, int exit_code, const char *func,
                const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
void error_set_cleanup(void (*cleanup)(void *), void *arg);
void error_exit_all(int exit_code);

/* ERROR(test, code, fmt, ...): collective.  Every rank must call it; if test
 * is true on any rank, the message of the lowest such rank is printed and all
 * ranks exit with `code` (an EMF_EXIT_* value). */
#define ERROR(test, code, ...) \
  error_impl(ERROR_KIND_COLL, (test), (code), __func__, __FILE__, __LINE__, __VA_ARGS__)
/* ERROR_ROOT: collective; rank 0 decides (use after rank-0-only parsing). */
#define ERROR_ROOT(test, code, ...) \
  error_impl(ERROR_KIND_ROOT, (test), (code), __func__, __FILE__, __LINE__, __VA_ARGS__)
/* ERROR_LOC: local; prints and calls MPI_Abort (for conditions only one rank
 * can see, e.g. a failed malloc). */
#define ERROR_LOC(test, code, ...) \
  error_impl(ERROR_KIND_LOC, (test), (code), __func__, __FILE__, __LINE__, __VA_ARGS__)

void util_gsl_handler_install(void);
void util_hdf5_errors_off(void);

/* log.c */
void log_init(MPI_Comm comm, FILE *logfile);
void message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double wtime(void);
double log_elapsed(void);

/* alloc.c */
void *amalloc(size_t size);
void *acalloc(size_t n, size_t size);
void afree(void *p);

/* qsum.c: double-double accumulation (Knuth TwoSum).  Sums of up to ~1e15
 * terms carry ~1e-32 relative rounding error, so the result rounded to double
 * does not depend on the order of summation (and hence not on the process
 * grid) except at a tie that is 1e-16 times less likely than a bit flip. */
typedef struct { double hi, lo; } qsum_t;
static inline void qsum_add(qsum_t *s, double x) {
  double t = s->hi + x, bp = t - s->hi;          /* Knuth TwoSum */
  s->lo += (s->hi - (t - bp)) + (x - bp);
  s->hi = t;
}
static inline double qsum_value(const qsum_t *s) { return s->hi + s->lo; }
void qsum_add_qsum(qsum_t *s, const qsum_t *t);
/* Global sums over comm of n double-double accumulators (in place on all
 * ranks).  Collective. */
void qsum_allreduce(qsum_t *s, int n, MPI_Comm comm);
/* Global sum of n doubles per rank, each rank contributing x[i]; result in
 * sum[i] on every rank, independent of the number of ranks.  Collective. */
void qsum_allreduce_doubles(double *sum, const double *x, int n, MPI_Comm comm);

#endif
