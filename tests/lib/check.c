/*******************************************************************************
 * check.c: implementation of tests/lib/check.h.  See the header.
 ******************************************************************************/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static int n_pass = 0, n_fail = 0;

static int rank_of_world(void)
{
  int init = 0, rank = 0;
  MPI_Initialized(&init);
  if (init) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

static int report(int ok, const char *detail, const char *fmt, va_list ap)
{
  const char *v = getenv("CHECK_VERBOSE");
  int verbose = v && v[0] == '1';
  if (ok) n_pass++; else n_fail++;
  if (!ok || (verbose && rank_of_world() == 0)) {
    char what[1024];
    vsnprintf(what, sizeof what, fmt, ap);
    if (ok) printf("PASS: %s\n", what);
    else printf("FAIL: %s [rank %d] %s\n", what, rank_of_world(), detail);
    fflush(stdout);
  }
  return ok;
}

int check_rel(double a, double b, double rtol, double atol, const char *fmt, ...)
{
  char d[256];
  va_list ap;
  int ok, r;
  double diff = fabs(a - b), tol = atol + rtol * fabs(b);
  ok = isfinite(a) && isfinite(b) && diff <= tol;
  snprintf(d, sizeof d, "(got %.17g, expected %.17g, |diff| %.3g > tol %.3g)", a,
           b, diff, tol);
  va_start(ap, fmt);
  r = report(ok, d, fmt, ap);
  va_end(ap);
  return r;
}

int check_abs(double a, double b, double atol, const char *fmt, ...)
{
  char d[256];
  va_list ap;
  int ok, r;
  double diff = fabs(a - b);
  ok = isfinite(a) && isfinite(b) && diff <= atol;
  snprintf(d, sizeof d, "(got %.17g, expected %.17g, |diff| %.3g > tol %.3g)", a,
           b, diff, atol);
  va_start(ap, fmt);
  r = report(ok, d, fmt, ap);
  va_end(ap);
  return r;
}

int check_int(long a, long b, const char *fmt, ...)
{
  char d[128];
  va_list ap;
  int r;
  snprintf(d, sizeof d, "(got %ld, expected %ld)", a, b);
  va_start(ap, fmt);
  r = report(a == b, d, fmt, ap);
  va_end(ap);
  return r;
}

int check_true(int cond, const char *fmt, ...)
{
  va_list ap;
  int r;
  va_start(ap, fmt);
  r = report(cond != 0, "(condition false)", fmt, ap);
  va_end(ap);
  return r;
}

int check_sigma(double a, double b, double err, double nsigma, const char *fmt, ...)
{
  char d[256];
  va_list ap;
  int ok, r;
  double z = fabs(a - b) / err;
  ok = isfinite(a) && isfinite(b) && err > 0 && z <= nsigma;
  snprintf(d, sizeof d, "(got %.10g +- %.3g, expected %.10g: %.2f sigma > %.1f)", a,
           err, b, z, nsigma);
  va_start(ap, fmt);
  r = report(ok, d, fmt, ap);
  va_end(ap);
  return r;
}

int check_bits(const void *a, const void *b, size_t n, const char *fmt, ...)
{
  char d[128];
  va_list ap;
  int r;
  size_t first = n;
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) { first = i; break; }
  snprintf(d, sizeof d, "(first differing byte %zu of %zu)", first, n);
  va_start(ap, fmt);
  r = report(first == n, d, fmt, ap);
  va_end(ap);
  return r;
}

int check_failures(void) { return n_fail; }

int check_finish(const char *name)
{
  printf("%s: %d passed, %d failed\n", name, n_pass, n_fail);
  fflush(stdout);
  return n_fail > 255 ? 255 : n_fail;
}

int check_finish_mpi(const char *name, MPI_Comm comm)
{
  int mine[2] = {n_pass, n_fail}, tot[2], rank;
  MPI_Allreduce(mine, tot, 2, MPI_INT, MPI_SUM, comm);
  MPI_Comm_rank(comm, &rank);
  if (rank == 0) {
    int np;
    MPI_Comm_size(comm, &np);
    printf("%s (np=%d): %d passed, %d failed\n", name, np, tot[0], tot[1]);
    fflush(stdout);
  }
  return tot[1] > 255 ? 255 : tot[1];
}
