/*******************************************************************************
 * check_reduce.c: adaptive integration of a distributed field with a global
 * step-size decision (ode_workspace_set_reduce with MPI_Allreduce MAX).
 *
 * 13 SU(N) matrices (N = 2, 3) with the link-local field
 * X_i = g(t) P(A_i U_i U_i) are split into contiguous blocks over the ranks
 * (block sizes differ when 13 does not divide).  Every rank integrates its
 * block adaptively ("rkf45" and "rk8pd", eps_abs = 1e-9) with the reduce
 * hook; the field also does one MPI_Allreduce per call (as a halo exchange
 * would), so ranks that took different steps would deadlock or disagree.
 * Checks: accepted and rejected step counts are the same on every rank and
 * equal those of one process integrating all 13 matrices with GSL's
 * standard control, and every rank's links equal that run's bit for bit.
 ******************************************************************************/
/* NP: 1 2 3 4 */
/* TIMEOUT: 120 */
#include <mpi.h>
#include <stdio.h>
#include "check.h"
#include "../../unit/ode/ode_testlib.h"

#define NTOT 13

typedef struct {
  tfield_t f;
  MPI_Comm comm;
  long calls;
} mfield_t;

static int mfield_fn(double t, const cplx_t *u, double *x, double *r, void *params)
{
  mfield_t *mf = params;
  long one = 1, tot = 0;
  MPI_Allreduce(&one, &tot, 1, MPI_LONG, MPI_SUM, mf->comm);
  mf->calls++;
  return tfield_fn(t, u, x, r, &mf->f);
}

static void reduce_max(double *rmax, void *ctx)
{
  MPI_Allreduce(MPI_IN_PLACE, rmax, 1, MPI_DOUBLE, MPI_MAX, *(MPI_Comm *)ctx);
}

static void run(int N, const char *stepper, MPI_Comm comm)
{
  const size_t nn = (size_t)N * N, ngen = nn - 1;
  int rank, np;
  size_t lo, hi, nloc;
  trng_t g = {(uint64_t)(1000 + N)};
  tfield_t full;
  mfield_t mf;
  cplx_t *u0 = malloc(NTOT * nn * sizeof(cplx_t)), *uref = malloc(NTOT * nn * sizeof(cplx_t));
  cplx_t *u;
  ode_adaptive_t par = {1e-9, 0.0, 0.0, 0};
  ode_stats_t sref, sloc;
  ode_workspace_t *w;
  long st[2], mn[2], mx[2];

  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &np);
  lo = NTOT * (size_t)rank / (size_t)np;
  hi = NTOT * (size_t)(rank + 1) / (size_t)np;
  nloc = hi - lo;

  /* the same field and start on every rank */
  tfield_init(&full, 2, N, NTOT, 0, &g, 1.0);
  trandom_links(&g, N, NTOT, u0);

  /* reference: all matrices, one process, standard control */
  w = ode_workspace_alloc(NTOT, N, 0, stepper);
  memcpy(uref, u0, NTOT * nn * sizeof(cplx_t));
  check_int(ode_integrate_adaptive(w, 0.0, 2.0, &par, uref, NULL, tfield_fn, &full, &sref),
            EMF_SUCCESS, "%s N=%d: reference", stepper, N);
  ode_workspace_free(w);

  /* distributed: this rank's block, global decisions */
  memset(&mf, 0, sizeof mf);
  mf.comm = comm;
  mf.f = full;
  mf.f.n = nloc;
  mf.f.c = full.c + lo * ngen;
  mf.f.a = full.a + lo * nn;
  u = malloc(nloc * nn * sizeof(cplx_t));
  memcpy(u, u0 + lo * nn, nloc * nn * sizeof(cplx_t));
  w = ode_workspace_alloc(nloc, N, 0, stepper);
  ode_workspace_set_reduce(w, reduce_max, &comm);
  check_int(ode_integrate_adaptive(w, 0.0, 2.0, &par, u, NULL, mfield_fn, &mf, &sloc),
            EMF_SUCCESS, "%s N=%d: distributed", stepper, N);
  st[0] = sloc.n_steps;
  st[1] = sloc.n_rejected;
  MPI_Allreduce(st, mn, 2, MPI_LONG, MPI_MIN, comm);
  MPI_Allreduce(st, mx, 2, MPI_LONG, MPI_MAX, comm);
  check_true(mn[0] == mx[0] && mn[1] == mx[1], "%s N=%d: same steps on every rank",
             stepper, N);
  check_int(sloc.n_steps, sref.n_steps, "%s N=%d: accepted steps = single process",
            stepper, N);
  check_int(sloc.n_rejected, sref.n_rejected, "%s N=%d: rejected steps = single process",
            stepper, N);
  check_bits(u, uref + lo * nn, nloc * nn * sizeof(cplx_t),
             "%s N=%d: links = single process, bit for bit (rank %d, %zu links)",
             stepper, N, rank, nloc);
  ode_workspace_free(w);
  tfield_free(&full);
  free(u0);
  free(uref);
  free(u);
}

int main(int argc, char **argv)
{
  int fails;
  MPI_Init(&argc, &argv);
  for (int N = 2; N <= 3; N++) {
    run(N, "rkf45", MPI_COMM_WORLD);
    run(N, "rk8pd", MPI_COMM_WORLD);
  }
  fails = check_finish_mpi("ode/check_reduce", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails;
}
