/*******************************************************************************
 * sample.c: drawing samples from the trained single-matrix flow.
 *
 * int train_single_sample_all(const nn_t *net, const double *theta,
 *                             const train_target_t *tg, long n, int block,
 *                             const char *stepper, const ode_adaptive_t *par,
 *                             double ref_factor, uint64_t seed, int want_u,
 *                             train_sample_t *out, MPI_Comm comm)
 *   Prior sample i (0 <= i < n) is the Haar matrix of the stream (seed,
 *   RNG_FLOW_PRIOR, index i, step 0).  Blocks of `block` samples are
 *   distributed over the ranks as in training (contiguous ranges of whole
 *   blocks) and flowed with ode_integrate_adaptive (stepper by name,
 *   tolerances par; log q_0 = 0).  With ref_factor > 0 the same prior
 *   samples are flowed again with eps_abs and eps_rel divided by
 *   ref_factor: the log-density error report (metro_logq_error) compares the
 *   two.  For each sample: log q, S (train_target_func through the loop
 *   engine) and (1/N) Re tr U^k, k = 1..3; gathered in global order on
 *   every rank (MPI_Allgatherv), the matrices on rank 0 when want_u.
 *   Returns EMF_SUCCESS, EMF_EINVAL (n not a positive multiple of block,
 *   unknown or non-adaptive stepper), EMF_ENOMEM, or the integrator's
 *   status, the same on every rank.  Collective.
 *
 * void train_sample_release(train_sample_t *s)
 *   Frees the arrays of s.
 *
 * Context: the results of a block depend only on the block (fixed global
 * blocks), so they are the same bits on any number of ranks.
 ******************************************************************************/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "rng.h"
#include "sun.h"
#include "train.h"

#define NPACK 7   /* logq, S, logq_ref, S_ref, obs1..3 per sample */

void train_sample_release(train_sample_t *s)
{
  free(s->logq);
  free(s->u);
  memset(s, 0, sizeof *s);
}

static int flow_blocks(flow_single_t *fs, pot_loop_ws_t *tw, const pot_func_t *S,
                       const double *theta, const train_target_t *tg, long b0,
                       long b1, int block, const ode_adaptive_t *par, uint64_t seed,
                       int col, double *pack, cplx_t *uloc, long *n_eval)
{
  const int N = tg->N, nn = N * N;
  cplx_t *u = malloc((size_t)block * nn * sizeof(cplx_t));
  double *lq = malloc((size_t)block * sizeof(double));
  int status = (u && lq) ? EMF_SUCCESS : EMF_ENOMEM;
  for (long b = b0; b < b1 && status == EMF_SUCCESS; b++) {
    ode_stats_t st;
    for (int j = 0; j < block && status == EMF_SUCCESS; j++) {
      rng_stream_t s;
      rng_stream_init(&s, seed, RNG_FLOW_PRIOR, (uint64_t)(b * block + j), 0);
      status = rng_haar_sun(&s, N, u + (size_t)j * nn);
      lq[j] = 0.0;
    }
    if (status == EMF_SUCCESS) status = flow_single_run_adaptive(fs, theta, par, u, lq, &st);
    if (status == EMF_SUCCESS) status = pot_loop_forward(tw, S, 0, 0.0, block, u, 0);
    if (status != EMF_SUCCESS) break;
    *n_eval += st.n_eval;
    for (int j = 0; j < block; j++) {
      double *p = pack + ((b - b0) * block + j) * NPACK;
      p[col] = lq[j];
      p[col + 1] = tw->out[(size_t)j * (2 * tg->n_c + 2)];
      if (col == 0) {
        cplx_t w[EMF_NMAX * EMF_NMAX], w2[EMF_NMAX * EMF_NMAX];
        const cplx_t *uj = u + (size_t)j * nn;
        sun_mul(N, w, uj, uj);
        sun_mul(N, w2, w, uj);
        p[4] = creal(sun_trace(N, uj)) / N;
        p[5] = creal(sun_trace(N, w)) / N;
        p[6] = creal(sun_trace(N, w2)) / N;
        if (uloc) memcpy(uloc + ((b - b0) * block + j) * nn, uj, (size_t)nn * sizeof(cplx_t));
      }
    }
  }
  free(u);
  free(lq);
  return status;
}

int train_single_sample_all(const nn_t *net, const double *theta,
                            const train_target_t *tg, long n, int block,
                            const char *stepper, const ode_adaptive_t *par,
                            double ref_factor, uint64_t seed, int want_u,
                            train_sample_t *out, MPI_Comm comm)
{
  const int N = tg->N, nn = N * N;
  int rank, size, status = EMF_SUCCESS, gstatus;
  long nblk, b0, b1, nloc;
  flow_single_t *fs = NULL;
  pot_loop_ws_t *tw = NULL;
  pot_quad_t q;
  pot_func_t S;
  double *pack = NULL, *all = NULL, t0, tl[2] = {0, 0}, tg2[2];
  cplx_t *uloc = NULL;
  long ev[2] = {0, 0}, evg[2];
  int *cnt = NULL, *dsp = NULL;
  memset(out, 0, sizeof *out);
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  if (block < 1 || n < block || n % block != 0 || train_target_func(&S, &q, tg) != EMF_SUCCESS)
    return EMF_EINVAL;
  nblk = n / block;
  b0 = nblk * rank / size;
  b1 = nblk * (rank + 1) / size;
  nloc = (b1 - b0) * block;
  fs = flow_single_alloc(net, N, block, 1, stepper);
  tw = pot_loop_ws_alloc(N, tg->n_c, block);
  pack = calloc((size_t)(nloc > 0 ? nloc : 1) * NPACK, sizeof(double));
  if (want_u) uloc = malloc((size_t)(nloc > 0 ? nloc : 1) * nn * sizeof(cplx_t));
  if (!fs || !tw || !pack || (want_u && !uloc)) status = fs ? EMF_ENOMEM : EMF_EINVAL;
  if (status == EMF_SUCCESS) {
    t0 = MPI_Wtime();
    status = flow_blocks(fs, tw, &S, theta, tg, b0, b1, block, par, seed, 0, pack, uloc, &ev[0]);
    tl[0] = MPI_Wtime() - t0;
  }
  if (status == EMF_SUCCESS && ref_factor > 0) {
    ode_adaptive_t pr = *par;
    pr.eps_abs /= ref_factor;
    pr.eps_rel /= ref_factor;
    t0 = MPI_Wtime();
    status = flow_blocks(fs, tw, &S, theta, tg, b0, b1, block, &pr, seed, 2, pack, NULL, &ev[1]);
    tl[1] = MPI_Wtime() - t0;
  } else if (status == EMF_SUCCESS) {
    for (long i = 0; i < nloc; i++) pack[i * NPACK + 2] = pack[i * NPACK + 3] = NAN;
  }
  MPI_Allreduce(&status, &gstatus, 1, MPI_INT, MPI_MAX, comm);
  if (gstatus == EMF_SUCCESS) {
    all = malloc((size_t)n * (NPACK + 1) * sizeof(double));
    cnt = malloc((size_t)size * 2 * sizeof(int));
    status = (all && cnt) ? EMF_SUCCESS : EMF_ENOMEM;
    MPI_Allreduce(&status, &gstatus, 1, MPI_INT, MPI_MAX, comm);
  }
  if (gstatus == EMF_SUCCESS) {
    dsp = cnt + size;
    for (int r = 0; r < size; r++) {
      long rb0 = nblk * r / size, rb1 = nblk * (r + 1) / size;
      cnt[r] = (int)((rb1 - rb0) * block * NPACK);
      dsp[r] = (int)(rb0 * block * NPACK);
    }
    MPI_Allgatherv(pack, cnt[rank], MPI_DOUBLE, all, cnt, dsp, MPI_DOUBLE, comm);
    out->n = n;
    out->logq = all + (size_t)n * NPACK;   /* unpacked after the packed block */
    {
      double *col = malloc((size_t)n * NPACK * sizeof(double));
      if (!col) gstatus = EMF_ENOMEM;
      else {
        for (long i = 0; i < n; i++)
          for (int c = 0; c < NPACK; c++) col[(c < 4 ? c * n : 4 * n) + (c < 4 ? i : i * 3 + (c - 4))] = all[i * NPACK + c];
        memcpy(all, col, (size_t)n * NPACK * sizeof(double));
        free(col);
        out->logq = all;
        out->action = all + n;
        out->logq_ref = all + 2 * n;
        out->action_ref = all + 3 * n;
        out->obs = all + 4 * n;
        all = NULL;
      }
    }
    if (gstatus == EMF_SUCCESS && want_u) {
      if (rank == 0) out->u = malloc((size_t)n * nn * sizeof(cplx_t));
      for (int r = 0; r < size; r++) {
        cnt[r] = cnt[r] / NPACK * nn * 2;
        dsp[r] = dsp[r] / NPACK * nn * 2;
      }
      MPI_Gatherv(uloc, cnt[rank], MPI_DOUBLE, out->u, cnt, dsp, MPI_DOUBLE, 0, comm);
    }
    MPI_Allreduce(ev, evg, 2, MPI_LONG, MPI_SUM, comm);
    MPI_Allreduce(tl, tg2, 2, MPI_DOUBLE, MPI_MAX, comm);
    out->n_eval = evg[0];
    out->n_eval_ref = evg[1];
    out->seconds = tg2[0];
    out->seconds_ref = tg2[1];
  }
  free(all);
  free(cnt);
  free(pack);
  free(uloc);
  flow_single_free(fs);
  pot_loop_ws_free(tw);
  if (gstatus != EMF_SUCCESS) train_sample_release(out);
  return gstatus;
}
