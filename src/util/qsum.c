/*******************************************************************************
 * qsum.c: decomposition-independent global sums (double-double).
 *
 * void qsum_add_qsum(qsum_t *s, const qsum_t *t)
 *   s += t in double-double arithmetic.  Local.
 *
 * void qsum_allreduce(qsum_t *s, int n, MPI_Comm comm)
 *   Replaces s[0..n-1] on every rank by the sum over the ranks of comm.
 *   Implemented as MPI_Reduce to rank 0 followed by MPI_Bcast, so all ranks
 *   hold the same bits (MPI_Allreduce may round differently on different
 *   ranks).  Collective.
 *
 * void qsum_allreduce_doubles(double *sum, const double *x, int n, MPI_Comm comm)
 *   sum[i] = sum over ranks of x[i], rounded once from double-double.  The
 *   result does not depend on the number of ranks or their order.  Collective.
 *
 * Why: accept/reject decisions, log q and trained parameters must not depend
 * on the process grid (DESIGN.md section 6).  Each term is added exactly
 * (TwoSum keeps the rounding error of every addition), so the only
 * order-dependence left is at the 1e-32 relative level (doc/parallel.md).
 ******************************************************************************/
#include <stdlib.h>
#include "util.h"

static void two_sum(double a, double b, double *s, double *e)
{
  double t = a + b;
  double bp = t - a;
  *e = (a - (t - bp)) + (b - bp);
  *s = t;
}

void qsum_add_qsum(qsum_t *s, const qsum_t *t)
{
  double hi, e;
  two_sum(s->hi, t->hi, &hi, &e);
  s->hi = hi;
  s->lo += e + t->lo;
}

static void qsum_op(void *in, void *inout, int *len, MPI_Datatype *type)
{
  const qsum_t *a = in;
  qsum_t *b = inout;
  (void)type;
  for (int i = 0; i < *len; i++) qsum_add_qsum(&b[i], &a[i]);
}

void qsum_allreduce(qsum_t *s, int n, MPI_Comm comm)
{
  MPI_Datatype type;
  MPI_Op op;
  int rank;
  qsum_t *tmp = malloc((size_t)(n > 0 ? n : 1) * sizeof *tmp);
  ERROR_LOC(tmp == NULL, EMF_EXIT_RUNTIME, "out of memory in qsum_allreduce");
  MPI_Comm_rank(comm, &rank);
  MPI_Type_contiguous(2, MPI_DOUBLE, &type);
  MPI_Type_commit(&type);
  MPI_Op_create(qsum_op, 1, &op);
  MPI_Reduce(s, tmp, n, type, op, 0, comm);
  if (rank == 0)
    for (int i = 0; i < n; i++) s[i] = tmp[i];
  MPI_Bcast(s, n, type, 0, comm);
  MPI_Op_free(&op);
  MPI_Type_free(&type);
  free(tmp);
}

void qsum_allreduce_doubles(double *sum, const double *x, int n, MPI_Comm comm)
{
  qsum_t *s = malloc((size_t)(n > 0 ? n : 1) * sizeof *s);
  ERROR_LOC(s == NULL, EMF_EXIT_RUNTIME, "out of memory in qsum_allreduce");
  for (int i = 0; i < n; i++) {
    s[i].hi = x[i];
    s[i].lo = 0.0;
  }
  qsum_allreduce(s, n, comm);
  for (int i = 0; i < n; i++) sum[i] = qsum_value(&s[i]);
  free(s);
}
