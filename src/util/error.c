/*******************************************************************************
 * error.c: error reporting that ends all ranks cleanly.
 *
 * void error_init(MPI_Comm comm)
 *   Remembers the communicator whose ranks take part in collective errors.
 *   Call once, on all ranks, right after MPI_Init.  Until then the calls below
 *   act on MPI_COMM_WORLD.
 *
 * void error_set_program(const char *name)
 *   Program name that starts every error message (default "emflow-lqft");
 *   name must stay valid.  Call once at start.
 *
 * int error_rank(void)
 *   This rank's number in the error communicator.
 *
 * const char *error_string(int status)
 *   Text for an EMF_* status code returned by a math kernel.
 *
 * void error_impl(kind, test, exit_code, func, file, line, fmt, ...)
 *   Backend of the ERROR, ERROR_ROOT and ERROR_LOC macros of util.h.
 *   COLL: all ranks call; if test is non-zero on any rank, the lowest such
 *   rank prints "emflow-lqft: error in func (file:line): message" to stderr
 *   (and to the log), every rank runs the cleanup hook, MPI_Finalize, and
 *   exits with exit_code.  ROOT: all ranks call; rank 0's test decides and
 *   rank 0 prints.  LOC: a single rank prints and calls MPI_Abort(exit_code).
 *
 * void error_set_cleanup(void (*cleanup)(void *), void *arg)
 *   Registers one hook run before exiting on an error (the programs use it
 *   to remove temporary output files so that no half-written file is left).
 *
 * void error_exit_all(int exit_code)
 *   Collective clean exit (cleanup hook, MPI_Finalize, exit).
 *
 * void util_gsl_handler_install(void)
 *   Replaces GSL's abort() handler by one that reports through ERROR_LOC.
 *   Math kernels call GSL functions with their own status checks, so the
 *   handler fires only on errors nobody asked for.
 *
 * void util_hdf5_errors_off(void)
 *   Turns HDF5's automatic error stack printing off; callers check every
 *   return value and report with their own messages.
 *
 * Context: the error state (communicator, cleanup hook) is set once at start
 * and read-only afterwards.  Not thread-safe.
 ******************************************************************************/
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_errno.h>
#include <hdf5.h>
#include "util.h"

static MPI_Comm err_comm = MPI_COMM_NULL;
static const char *err_program = "emflow-lqft";
static void (*err_cleanup)(void *) = NULL;
static void *err_cleanup_arg = NULL;

static MPI_Comm comm_or_world(void)
{
  return err_comm == MPI_COMM_NULL ? MPI_COMM_WORLD : err_comm;
}

void error_init(MPI_Comm comm) { err_comm = comm; }

void error_set_program(const char *name) { err_program = name; }

int error_rank(void)
{
  int init = 0, rank = 0;
  MPI_Initialized(&init);
  if (init) MPI_Comm_rank(comm_or_world(), &rank);
  return rank;
}

void error_set_cleanup(void (*cleanup)(void *), void *arg)
{
  err_cleanup = cleanup;
  err_cleanup_arg = arg;
}

const char *error_string(int status)
{
  static const char *const text[EMF_NSTATUS] = {
      "success",          "failure",         "invalid argument",
      "out of memory",    "domain error",    "result out of range",
      "iteration limit",  "tolerance not reached", "input/output failure",
      "malformed data",   "not supported"};
  if (status < 0 || status >= EMF_NSTATUS) return "unknown status";
  return text[status];
}

static void print_error(const char *func, const char *file, int line,
                        const char *fmt, va_list ap)
{
  char msg[2048];
  vsnprintf(msg, sizeof msg, fmt, ap);
  fprintf(stderr, "%s: error: %s\n  (in %s, %s:%d)\n", err_program, msg, func,
          file, line);
  fflush(stderr);
}

void error_exit_all(int exit_code)
{
  int fin = 0;
  if (err_cleanup) err_cleanup(err_cleanup_arg);
  fflush(NULL);
  MPI_Finalized(&fin);
  if (!fin) MPI_Finalize();
  /* _exit, not exit: the libraries' exit handlers (HDF5's among them) may
   * touch objects that an error left open after MPI is finalised.  All
   * output streams were flushed above. */
  fflush(NULL);
  _exit(exit_code);
}

void error_impl(error_kind_t kind, int test, int exit_code, const char *func,
                const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  int rank = error_rank(), first = 0, any = 0;
  MPI_Comm comm = comm_or_world();

  if (kind == ERROR_KIND_LOC) {
    if (!test) return;
    va_start(ap, fmt);
    print_error(func, file, line, fmt, ap);
    va_end(ap);
    if (err_cleanup) err_cleanup(err_cleanup_arg);
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    exit(exit_code);
  }
  if (kind == ERROR_KIND_ROOT) {
    any = (rank == 0) ? (test != 0) : 0;
    MPI_Bcast(&any, 1, MPI_INT, 0, comm);
    first = 0;
  } else {
    int mine = test ? rank : 1 << 30;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    any = first != (1 << 30);
  }
  if (!any) return;
  if (rank == first) {
    va_start(ap, fmt);
    print_error(func, file, line, fmt, ap);
    va_end(ap);
  }
  error_exit_all(exit_code);
}

static void gsl_handler(const char *reason, const char *file, int line,
                        int gsl_errno)
{
  error_impl(ERROR_KIND_LOC, 1, EMF_EXIT_INTERNAL, "gsl", file, line,
             "GSL: %s (gsl_errno %d)", reason, gsl_errno);
}

void util_gsl_handler_install(void) { gsl_set_error_handler(gsl_handler); }

void util_hdf5_errors_off(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
