/*******************************************************************************
 * flow_lat_train.c: training batches and sampling of the lattice flow over
 * batch groups x domains (doc/flow_lattice.md, section 4).
 *
 * int flow_lat_grad_batch_all(flow_lat_t *fl, double beta, uint64_t seed,
 *                             uint32_t step, long batch, int group,
 *                             int n_groups, MPI_Comm comm,
 *                             double *const *grad, flow_lat_batch_t *st)
 *   Group `group` (of n_groups in comm) does samples b = group, group +
 *   n_groups, ... < batch with flow_lat_loss_grad (RNG_TRAIN streams (seed,
 *   b, step)); its accumulators then hold its domain part of their
 *   parameter gradients.  flow_lat_grad_allreduce over comm sums domains
 *   and groups in double-double; grad = sum / batch.  The per-sample losses
 *   (global within a group) go into a batch-long array that only the
 *   group's domain rank 0 fills, summed over comm (one non-zero term per
 *   entry: exact), from which every rank forms the mean, the standard
 *   deviation and the ESS of w = exp(-loss_b) in the same order.  Status:
 *   MPI_MAX over comm at the end (a failing group stops its own samples;
 *   collectives inside a group stay matched).
 *
 * int flow_lat_train_step_all(flow_lat_t *fl, double beta, uint64_t seed,
 *                             long batch, int group, int n_groups,
 *                             MPI_Comm comm, double *const *theta,
 *                             adam_state_t *adam, const adam_parms_t *ap,
 *                             flow_lat_batch_t *st)
 *   flow_lat_grad_batch_all for training step adam->t into a flat gradient
 *   (terms in order, the accumulator layout), the terms' parameters copied
 *   into a flat array, adam_step on the flat arrays (global-norm clipping,
 *   schedule), the parameters copied back into theta[c].  Every rank does
 *   the same arithmetic on the same bits.
 *
 * int flow_lat_train_all(flow_lat_t *fl, double beta, uint64_t seed,
 *                        long batch, int group, int n_groups, MPI_Comm comm,
 *                        double *const *theta, adam_state_t *adam,
 *                        const adam_parms_t *ap, long n_train, long every,
 *                        flow_lat_batch_t *st)
 *   n_train calls of flow_lat_train_step_all with a progress line
 *   (message(), rank 0 of the error communicator) every `every` steps.
 *
 * void flow_lat_progress(char *buf, int len, long step, long n_steps,
 *                        long first, const flow_lat_batch_t *st,
 *                        double elapsed)
 *   "train 12/200: loss 3.141593 +- 0.5, ESS 0.412, |grad| 0.8, lr 0.001,
 *   10.2 s, 160.0 s left" (gradient norm and learning rate only when
 *   st->lr > 0, i.e. for optimizer steps); elapsed covers steps
 *   first+1..step (first > 0 for a resumed run), the time left is
 *   extrapolated from them.
 *
 * int flow_lat_sample_all(flow_lat_t *fl, double beta, uint64_t seed,
 *                         uint64_t first, long n, const ode_adaptive_t *par,
 *                         double ref_factor, int group, int n_groups,
 *                         MPI_Comm comm, flow_lat_samples_t *out,
 *                         cplx_t *links)
 *   Sample i (0 <= i < n) is flow_lat_prior(seed, first + i, 0), flowed
 *   adaptively at par by group i mod n_groups; then S (pot_wilson_eval) and
 *   the plaquette (gauge_plaquette_all) of U_1.  With links != NULL this
 *   rank's owned links of U_1 (n_links x nn, owned order) are copied to
 *   links + (i / n_groups) n_links nn.  With ref_factor > 1 the
 *   same prior sample is flowed again at eps_abs, eps_rel / ref_factor
 *   (logq_ref, action_ref).  Arrays are summed over comm as above.
 *   Returns EMF_ENOMEM, EMF_EINVAL (no adaptive stepper) or an integration
 *   status, agreed over comm; out is released on failure.
 *
 * void flow_lat_samples_release(flow_lat_samples_t *s)
 *   Frees the arrays (NULL members allowed).
 *
 * Context: collective on comm (and on each group's domain communicator
 * inside); every rank of comm must pass the same seed, step, batch, n,
 * n_groups.  Ranks of one group must hold the same flow layout.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <mpi.h>
#include "flow_lat.h"

static int agree_comm(int s, MPI_Comm comm)
{
  int gs;
  MPI_Allreduce(&s, &gs, 1, MPI_INT, MPI_MAX, comm);
  return s != EMF_SUCCESS ? s : gs;
}

int flow_lat_grad_batch_all(flow_lat_t *fl, double beta, uint64_t seed,
                            uint32_t step, long batch, int group, int n_groups,
                            MPI_Comm comm, double *const *grad,
                            flow_lat_batch_t *st)
{
  const int lead = fl->g->rank == 0;
  double t0 = wtime(), *lb, *lq, *la, *buf;
  int s = EMF_SUCCESS;
  if (batch < 1 || n_groups < 1 || group < 0 || group >= n_groups) return EMF_EINVAL;
  buf = calloc((size_t)batch * 6, sizeof(double));
  if (agree_comm(buf == NULL ? EMF_ENOMEM : EMF_SUCCESS, comm) != EMF_SUCCESS) {
    free(buf);
    return EMF_ENOMEM;
  }
  lb = buf + 3 * batch;
  lq = lb + batch;
  la = lq + batch;
  flow_lat_grad_zero(fl);
  for (long b = group; b < batch && s == EMF_SUCCESS; b += n_groups) {
    double loss, logq, action;
    s = flow_lat_loss_grad(fl, beta, seed, (uint64_t)b, step, fl->ubuf, &loss, &logq, &action);
    if (s == EMF_SUCCESS && lead) {
      buf[b] = loss;
      buf[batch + b] = logq;
      buf[2 * batch + b] = action;
    }
  }
  s = agree_comm(s, comm);
  if (s == EMF_SUCCESS) {
    qsum_t m[3] = {{0, 0}, {0, 0}, {0, 0}};
    double lmin = INFINITY, sw = 0, sw2 = 0, var = 0, mean;
    MPI_Allreduce(buf, lb, (int)(3 * batch), MPI_DOUBLE, MPI_SUM, comm);
    flow_lat_grad_allreduce(fl, comm, grad);
    for (int c = 0; c < fl->n_terms; c++)
      if (fl->term[c].grad != NULL && grad[c] != NULL)
        for (size_t j = 0; j < fl->term[c].n_grad; j++) grad[c][j] /= (double)batch;
    for (long b = 0; b < batch; b++) {
      qsum_add(&m[0], lb[b]);
      qsum_add(&m[1], lq[b]);
      qsum_add(&m[2], la[b]);
      lmin = fmin(lmin, lb[b]);
    }
    mean = qsum_value(&m[0]) / (double)batch;
    for (long b = 0; b < batch; b++) {
      double w = exp(-(lb[b] - lmin));
      sw += w;
      sw2 += w * w;
      var += (lb[b] - mean) * (lb[b] - mean);
    }
    st->n = batch;
    st->loss = mean;
    st->loss_std = batch > 1 ? sqrt(var / (double)(batch - 1)) : 0.0;
    st->logq = qsum_value(&m[1]) / (double)batch;
    st->action = qsum_value(&m[2]) / (double)batch;
    st->ess = sw * sw / ((double)batch * sw2);
    st->seconds = wtime() - t0;
    st->grad_norm = 0.0;
    st->lr = 0.0;
    st->step = (long)step + 1;
    MPI_Allreduce(MPI_IN_PLACE, &st->seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
  }
  free(buf);
  return s;
}

int flow_lat_train_step_all(flow_lat_t *fl, double beta, uint64_t seed,
                            long batch, int group, int n_groups, MPI_Comm comm,
                            double *const *theta, adam_state_t *adam,
                            const adam_parms_t *ap, flow_lat_batch_t *st)
{
  double *gp[FLOW_LAT_TERMS_MAX];
  double norm = 0.0;
  int s;
  if (adam == NULL || adam->n != fl->n_grad_total || fl->n_grad_total == 0 || adam->t < 0 ||
      adam->t > (long)UINT32_MAX)
    return EMF_EINVAL;
  for (int c = 0; c < fl->n_terms; c++) {
    gp[c] = fl->term[c].grad != NULL ? fl->gflat + fl->goff[c] : NULL;
    if (fl->term[c].grad != NULL && theta[c] == NULL) return EMF_EINVAL;
  }
  s = flow_lat_grad_batch_all(fl, beta, seed, (uint32_t)adam->t, batch, group, n_groups, comm, gp,
                              st);
  if (s != EMF_SUCCESS) return s;
  for (int c = 0; c < fl->n_terms; c++)
    if (fl->term[c].grad != NULL)
      memcpy(fl->tflat + fl->goff[c], theta[c], fl->term[c].n_grad * sizeof(double));
  st->lr = adam_lr(ap, adam->t + 1);
  s = adam_step(fl->tflat, fl->gflat, adam, ap, &norm);
  st->grad_norm = norm;
  st->step = adam->t;
  if (s != EMF_SUCCESS) return s;
  for (int c = 0; c < fl->n_terms; c++)
    if (fl->term[c].grad != NULL)
      memcpy(theta[c], fl->tflat + fl->goff[c], fl->term[c].n_grad * sizeof(double));
  return EMF_SUCCESS;
}

int flow_lat_train_all(flow_lat_t *fl, double beta, uint64_t seed, long batch,
                       int group, int n_groups, MPI_Comm comm,
                       double *const *theta, adam_state_t *adam,
                       const adam_parms_t *ap, long n_train, long every,
                       flow_lat_batch_t *st)
{
  const double t0 = wtime();
  int s = EMF_SUCCESS;
  for (long k = 1; k <= n_train && s == EMF_SUCCESS; k++) {
    s = flow_lat_train_step_all(fl, beta, seed, batch, group, n_groups, comm, theta, adam, ap, st);
    if (s == EMF_SUCCESS && every > 0 && (k % every == 0 || k == n_train)) {
      char line[256];
      double el = wtime() - t0;
      MPI_Allreduce(MPI_IN_PLACE, &el, 1, MPI_DOUBLE, MPI_MAX, comm);
      flow_lat_progress(line, sizeof line, k, n_train, 0, st, el);
      message("%s", line);
    }
  }
  return s;
}

void flow_lat_progress(char *buf, int len, long step, long n_steps, long first,
                       const flow_lat_batch_t *st, double elapsed)
{
  double left = step > first ? elapsed * (double)(n_steps - step) / (double)(step - first) : 0.0;
  if (st->lr > 0.0)
    snprintf(buf, (size_t)len,
             "train %ld/%ld: loss %.6f +- %.4g, ESS %.3f, |grad| %.3g, lr %.3g, %.1f s, %.1f s left",
             step, n_steps, st->loss, st->loss_std, st->ess, st->grad_norm, st->lr, elapsed, left);
  else
    snprintf(buf, (size_t)len, "train %ld/%ld: loss %.6f +- %.4g, ESS %.3f, %.1f s, %.1f s left",
             step, n_steps, st->loss, st->loss_std, st->ess, elapsed, left);
}

void flow_lat_samples_release(flow_lat_samples_t *s)
{
  free(s->logq);
  free(s->logq_ref);
  memset(s, 0, sizeof *s);
}

int flow_lat_sample_all(flow_lat_t *fl, double beta, uint64_t seed,
                        uint64_t first, long n, const ode_adaptive_t *par,
                        double ref_factor, int group, int n_groups,
                        MPI_Comm comm, flow_lat_samples_t *out, cplx_t *links)
{
  const int lead = fl->g->rank == 0, want_ref = ref_factor > 1.0;
  const size_t nm = (size_t)fl->n_links * fl->nn;
  double *loc = NULL, t0, tsum = 0;
  cplx_t *u0 = NULL;
  int s = EMF_SUCCESS;
  memset(out, 0, sizeof *out);
  if (n < 1 || n_groups < 1 || group < 0 || group >= n_groups || fl->ode_adapt == NULL)
    return EMF_EINVAL;
  out->n = n;
  out->logq = calloc((size_t)n * 3, sizeof(double));
  if (want_ref) out->logq_ref = calloc((size_t)n * 2, sizeof(double));
  loc = calloc((size_t)n * 5, sizeof(double));
  u0 = amalloc(nm * sizeof(cplx_t));
  s = (out->logq && (!want_ref || out->logq_ref) && loc && u0) ? EMF_SUCCESS : EMF_ENOMEM;
  s = agree_comm(s, comm);
  for (long i = group; i < n && s == EMF_SUCCESS; i += n_groups) {
    const geom_t *g = fl->g;
    const size_t site = (size_t)fl->D * fl->nn;
    ode_stats_t os;
    double lq = 0, S = 0, P;
    flow_lat_prior(fl, seed, first + (uint64_t)i, 0, u0);
    memcpy(fl->ubuf, u0, nm * sizeof(cplx_t));
    t0 = wtime();
    s = flow_lat_run_adaptive(fl, par, fl->ubuf, &lq, &os);
    tsum += wtime() - t0;
    if (s != EMF_SUCCESS) break;
    out->n_eval += os.n_eval;
    if (links != NULL) memcpy(links + (size_t)(i / n_groups) * nm, fl->ubuf, nm * sizeof(cplx_t));
    for (long io = 0; io < g->n_owned; io++)
      memcpy(fl->u->u + (size_t)g->owned[io] * site, fl->ubuf + (size_t)io * site,
             site * sizeof(cplx_t));
    s = pot_wilson_eval(fl->u, beta, &S, NULL);
    if (s != EMF_SUCCESS) break;
    P = gauge_plaquette_all(fl->u);
    if (lead) {
      loc[i] = lq;
      loc[n + i] = S;
      loc[2 * n + i] = P;
    }
    if (want_ref) {
      ode_adaptive_t pr = *par;
      double lqr = 0, Sr = 0;
      pr.eps_abs /= ref_factor;
      pr.eps_rel /= ref_factor;
      memcpy(fl->ubuf, u0, nm * sizeof(cplx_t));
      s = flow_lat_run_adaptive(fl, &pr, fl->ubuf, &lqr, NULL);
      if (s != EMF_SUCCESS) break;
      for (long io = 0; io < g->n_owned; io++)
        memcpy(fl->u->u + (size_t)g->owned[io] * site, fl->ubuf + (size_t)io * site,
               site * sizeof(cplx_t));
      s = pot_wilson_eval(fl->u, beta, &Sr, NULL);
      if (lead) {
        loc[3 * n + i] = lqr;
        loc[4 * n + i] = Sr;
      }
    }
  }
  s = agree_comm(s, comm);
  if (s == EMF_SUCCESS) {
    MPI_Allreduce(loc, out->logq, (int)(3 * n), MPI_DOUBLE, MPI_SUM, comm);
    out->action = out->logq + n;
    out->plaq = out->logq + 2 * n;
    if (want_ref) {
      MPI_Allreduce(loc + 3 * n, out->logq_ref, (int)(2 * n), MPI_DOUBLE, MPI_SUM, comm);
      out->action_ref = out->logq_ref + n;
    }
    MPI_Allreduce(&tsum, &out->seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
  } else {
    flow_lat_samples_release(out);
  }
  free(loc);
  afree(u0);
  return s;
}
