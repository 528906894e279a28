/*******************************************************************************
 * log.c: rank-0 messages with elapsed-time stamps.
 *
 * void log_init(MPI_Comm comm, FILE *logfile)
 *   Starts the clock and remembers which rank prints (rank 0 of comm) and an
 *   optional log file that receives a copy of every message (NULL: none).
 *   Call once on all ranks; calling again only changes the log file.
 *
 * void message(const char *fmt, ...)
 *   Rank 0 prints "[   12.3 s] text" to stdout (and the log file); other
 *   ranks print nothing.  Local call: no communication.
 *
 * void log_warning(const char *fmt, ...)
 *   Like message, with "warning: " in front, to stderr.
 *
 * double wtime(void)          wall-clock seconds (MPI_Wtime).
 * double log_elapsed(void)    seconds since log_init.
 *
 * Context: the state is set by log_init and read afterwards.
 ******************************************************************************/
#include <stdarg.h>
#include "util.h"

static int log_rank = 0;
static double log_t0 = 0.0;
static FILE *log_file = NULL;

void log_init(MPI_Comm comm, FILE *logfile)
{
  static int started = 0;
  MPI_Comm_rank(comm, &log_rank);
  if (!started) log_t0 = MPI_Wtime();
  started = 1;
  log_file = logfile;
}

double wtime(void) { return MPI_Wtime(); }

double log_elapsed(void) { return MPI_Wtime() - log_t0; }

static void vprint(FILE *out, const char *prefix, const char *fmt, va_list ap)
{
  va_list ap2;
  double t = log_elapsed();
  va_copy(ap2, ap);
  fprintf(out, "[%9.1f s] %s", t, prefix);
  vfprintf(out, fmt, ap);
  fputc('\n', out);
  fflush(out);
  if (log_file) {
    fprintf(log_file, "[%9.1f s] %s", t, prefix);
    vfprintf(log_file, fmt, ap2);
    fputc('\n', log_file);
    fflush(log_file);
  }
  va_end(ap2);
}

void message(const char *fmt, ...)
{
  va_list ap;
  if (log_rank != 0) return;
  va_start(ap, fmt);
  vprint(stdout, "", fmt, ap);
  va_end(ap);
}

void log_warning(const char *fmt, ...)
{
  va_list ap;
  if (log_rank != 0) return;
  va_start(ap, fmt);
  vprint(stderr, "warning: ", fmt, ap);
  va_end(ap);
}
