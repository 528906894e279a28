/*******************************************************************************
 * single.c: reverse-KL training of the single-matrix flow.
 *
 * int train_target_func(pot_func_t *S, pot_quad_t *q, const train_target_t *tg)
 *   The target's action S = -(beta/N) sum_k c_k Re tr U^k as a quadratic F
 *   of the power sums (pot_func_quad), so its value and gradient at U come
 *   from the same loop engine as the flow.  EMF_EINVAL for n_c outside
 *   1..POT_KMAX or N outside 2..EMF_NMAX.
 *
 * train_single_t *train_single_alloc(const nn_t *net, const train_target_t *tg,
 *                                    int batch, int block, long n_steps,
 *                                    uint64_t seed)
 *   Trainer: flow workspace for one block, target engine, accumulators.
 *   NULL if batch is not a positive multiple of block, for bad sizes, or
 *   when memory is short.
 *
 * void train_single_free(train_single_t *t)
 *
 * int train_single_grad_all(train_single_t *t, const double *theta,
 *                           long step, train_stats_t *st, MPI_Comm comm)
 *   For each block this rank owns (train.h): prior samples from (seed,
 *   RNG_TRAIN, index = global sample, step), flow with recorded stages,
 *   L_i = log q_i + S_i, cotangents ubar = grad S / batch, logqbar =
 *   1 / batch, backpropagation into a zeroed block gradient, which is then
 *   added into the double-double accumulators; one qsum_allreduce over comm
 *   for gradient, sum L and sum L^2.  t->grad = d loss / d theta, identical
 *   on all ranks; st (optional) gets loss and loss_std.  Collective; the
 *   status is agreed over comm (MPI_MAX).
 *
 * int train_single_step_all(train_single_t *t, double *theta,
 *                           adam_state_t *adam, const adam_parms_t *ap,
 *                           train_stats_t *st, MPI_Comm comm)
 *   Gradient for step adam->t, then adam_step (clipping, schedule); st gets
 *   loss, loss_std, grad_norm, lr and the new step count.  Collective.
 *
 * Context: see train.h for the block ownership rule that makes the result
 * independent of the number of ranks.
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "rng.h"
#include "train.h"

int train_target_func(pot_func_t *S, pot_quad_t *q, const train_target_t *tg)
{
  if (tg->n_c < 1 || tg->n_c > POT_KMAX || tg->N < 2 || tg->N > EMF_NMAX)
    return EMF_EINVAL;
  memset(q, 0, sizeof *q);
  q->K = tg->n_c;
  for (int k = 0; k < tg->n_c; k++) q->a[k] = -(tg->beta / tg->N) * tg->c[k];
  return pot_func_quad(S, q);
}

void train_single_free(train_single_t *t)
{
  if (!t) return;
  flow_single_free(t->fs);
  pot_loop_ws_free(t->tw);
  afree(t->u);
  afree(t->lq);
  afree(t->ubar);
  afree(t->lqbar);
  afree(t->dblk);
  afree(t->acc);
  afree(t->grad);
  afree(t);
}

train_single_t *train_single_alloc(const nn_t *net, const train_target_t *tg,
                                   int batch, int block, long n_steps,
                                   uint64_t seed)
{
  train_single_t *t;
  const int N = tg->N;
  if (block < 1 || batch < block || batch % block != 0 || n_steps < 1) return NULL;
  t = acalloc(1, sizeof *t);
  if (!t) return NULL;
  t->net = net;
  t->tg = *tg;
  t->batch = batch;
  t->block = block;
  t->nblk = batch / block;
  t->seed = seed;
  if (train_target_func(&t->S, &t->q, tg) != EMF_SUCCESS) {
    afree(t);
    return NULL;
  }
  t->fs = flow_single_alloc(net, N, block, n_steps, NULL);
  t->tw = pot_loop_ws_alloc(N, tg->n_c, block);
  t->u = acalloc((size_t)block * N * N, sizeof(cplx_t));
  t->lq = acalloc((size_t)block, sizeof(double));
  t->ubar = acalloc((size_t)block * (N * N - 1), sizeof(double));
  t->lqbar = acalloc((size_t)block, sizeof(double));
  t->dblk = acalloc(net->n_params, sizeof(double));
  t->acc = acalloc(net->n_params + 2, sizeof(qsum_t));
  t->grad = acalloc(net->n_params, sizeof(double));
  if (!t->fs || !t->tw || !t->u || !t->lq || !t->ubar || !t->lqbar || !t->dblk ||
      !t->acc || !t->grad) {
    train_single_free(t);
    return NULL;
  }
  return t;
}

/* One block: its loss terms and gradient sum into the accumulators. */
static int block_grad(train_single_t *t, const double *theta, long step, int blk)
{
  const int N = t->tg.N, nn = N * N, ngen = nn - 1, B = t->block;
  const size_t np = t->net->n_params;
  const double inv = 1.0 / (double)t->batch;
  int status;
  for (int j = 0; j < B; j++) {
    rng_stream_t s;
    rng_stream_init(&s, t->seed, RNG_TRAIN, (uint64_t)blk * B + j, (uint32_t)step);
    status = rng_haar_sun(&s, N, t->u + (size_t)j * nn);
    if (status != EMF_SUCCESS) return status;
    t->lq[j] = 0.0;
  }
  status = flow_single_run_fixed(t->fs, theta, t->u, t->lq, 1);
  if (status != EMF_SUCCESS) return status;
  status = pot_loop_forward(t->tw, &t->S, 0, 0.0, B, t->u, 0);
  if (status != EMF_SUCCESS) return status;
  pot_loop_gradient(t->tw, B, t->ubar);
  for (int j = 0; j < B; j++) {
    const double l = t->lq[j] + t->tw->out[(size_t)j * (2 * t->tg.n_c + 2)];
    if (!isfinite(l)) return EMF_ERANGE;
    qsum_add(&t->acc[np], l);
    qsum_add(&t->acc[np + 1], l * l);
    t->lqbar[j] = inv;
    for (int a = 0; a < ngen; a++) t->ubar[(size_t)j * ngen + a] *= inv;
  }
  memset(t->dblk, 0, np * sizeof(double));
  status = flow_single_vjp(t->fs, theta, t->ubar, t->lqbar, t->dblk);
  if (status != EMF_SUCCESS) return status;
  for (size_t p = 0; p < np; p++) qsum_add(&t->acc[p], t->dblk[p]);
  return EMF_SUCCESS;
}

int train_single_grad_all(train_single_t *t, const double *theta, long step,
                          train_stats_t *st, MPI_Comm comm)
{
  const size_t np = t->net->n_params;
  int rank, size, status = EMF_SUCCESS, gstatus;
  long b0, b1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  b0 = (long)t->nblk * rank / size;
  b1 = (long)t->nblk * (rank + 1) / size;
  memset(t->acc, 0, (np + 2) * sizeof(qsum_t));
  for (long b = b0; b < b1 && status == EMF_SUCCESS; b++)
    status = block_grad(t, theta, step, (int)b);
  MPI_Allreduce(&status, &gstatus, 1, MPI_INT, MPI_MAX, comm);
  if (gstatus != EMF_SUCCESS) return gstatus;
  qsum_allreduce(t->acc, (int)(np + 2), comm);
  for (size_t p = 0; p < np; p++) t->grad[p] = qsum_value(&t->acc[p]);
  if (st) {
    const double m1 = qsum_value(&t->acc[np]) / t->batch;
    const double m2 = qsum_value(&t->acc[np + 1]) / t->batch;
    st->loss = m1;
    st->loss_std = sqrt(fmax(m2 - m1 * m1, 0.0));
  }
  return EMF_SUCCESS;
}

int train_single_step_all(train_single_t *t, double *theta, adam_state_t *adam,
                          const adam_parms_t *ap, train_stats_t *st,
                          MPI_Comm comm)
{
  train_stats_t loc;
  int status;
  if (!st) st = &loc;
  status = train_single_grad_all(t, theta, adam->t, st, comm);
  if (status != EMF_SUCCESS) return status;
  st->lr = adam_lr(ap, adam->t + 1);
  status = adam_step(theta, t->grad, adam, ap, &st->grad_norm);
  st->step = adam->t;
  return status;
}
