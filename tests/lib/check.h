/*******************************************************************************
 * check.h: assertions for the test programs (GSL gsl_test style).
 *
 * Every check prints one PASS or FAIL line (PASS lines only with
 * CHECK_VERBOSE=1 in the environment, FAIL lines always) and counts.  All
 * tolerances are two-sided:  |a - b| <= atol + rtol * |b|.  NaN always fails.
 *
 *   check_rel(a, b, rtol, atol, fmt, ...)   closeness of doubles
 *   check_abs(a, b, atol, fmt, ...)         |a - b| <= atol
 *   check_int(a, b, fmt, ...)               a == b
 *   check_true(cond, fmt, ...)              cond != 0
 *   check_sigma(a, b, err, nsigma, fmt,...) |a - b| <= nsigma * err (err > 0)
 *   check_bits(a, b, n, fmt, ...)           memcmp(a, b, n) == 0
 *   check_finish(name)       prints "name: P passed, F failed", returns F
 *   check_finish_mpi(name, comm)  collective: sums counts over comm, rank 0
 *                            prints, returns the global number of failures
 *                            on every rank (use as exit status).
 ******************************************************************************/
#ifndef CHECK_H
#define CHECK_H

#include <mpi.h>
#include <stddef.h>

int check_rel(double a, double b, double rtol, double atol, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int check_abs(double a, double b, double atol, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int check_int(long a, long b, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int check_true(int cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int check_sigma(double a, double b, double err, double nsigma, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int check_bits(const void *a, const void *b, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int check_failures(void);
int check_finish(const char *name);
int check_finish_mpi(const char *name, MPI_Comm comm);

#endif
