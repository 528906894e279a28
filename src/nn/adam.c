/*******************************************************************************
 * adam.c: Adam (and AdamW) with global-norm gradient clipping and a
 * learning-rate schedule, on flat parameter arrays (doc/nn.md).
 *
 * adam_parms_t adam_parms_default(void)
 *   lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8, no weight decay, no clipping,
 *   constant schedule.
 *
 * int adam_parms_check(const adam_parms_t *ap)
 *   EMF_SUCCESS if lr > 0, 0 <= beta1, beta2 < 1, eps > 0, weight_decay >= 0,
 *   warmup_steps >= 0, a known schedule and, for cosine, total_steps >
 *   warmup_steps and 0 <= lr_min <= lr; EMF_EINVAL otherwise.
 *
 * adam_state_t *adam_alloc(size_t n)
 *   State for n parameters, moments zero, t = 0.  NULL if n = 0 or on failed
 *   allocation.  m, v and t are all there is to checkpoint.
 *
 * void adam_free(adam_state_t *st), void adam_reset(adam_state_t *st)
 *   Release (NULL is a no-op); zero the moments and the step count.
 *
 * double adam_lr(const adam_parms_t *ap, long t)
 *   Learning rate of step t (1-based): linear warm-up lr t / warmup_steps for
 *   t <= warmup_steps, then lr (constant) or, for cosine,
 *   lr_min + (lr - lr_min) (1 + cos(pi s)) / 2 with
 *   s = min(1, (t - warmup) / (total - warmup)).
 *
 * double adam_grad_norm(const double *g, size_t n)
 *   sqrt(sum g_i^2), summed in double-double (independent of blocking).
 *
 * int adam_step(double *theta, double *g, adam_state_t *st,
 *               const adam_parms_t *ap, double *norm_out)
 *   One update of theta (n = st->n) from the gradient g: if clip_norm > 0 and
 *   |g| > clip_norm, g is scaled in place to norm clip_norm; then t += 1 and
 *     m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
 *     theta -= lr_t [ (m / c1) / (sqrt(v / c2) + eps) + wd theta ],
 *   c1 = 1 - b1^t, c2 = 1 - b2^t computed once per step.  norm_out (if not
 *   NULL) gets the norm before clipping.  Returns EMF_SUCCESS, or EMF_ERANGE
 *   (nothing changed) if that norm is not finite.
 *
 * Context: local and deterministic.  Under MPI, sum the gradients over ranks
 * first (every rank then takes the same step).
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "nn.h"
#include "util.h"

adam_parms_t adam_parms_default(void)
{
  adam_parms_t ap;
  memset(&ap, 0, sizeof ap);
  ap.lr = 1e-3;
  ap.beta1 = 0.9;
  ap.beta2 = 0.999;
  ap.eps = 1e-8;
  ap.weight_decay = 0.0;
  ap.clip_norm = 0.0;
  ap.schedule = NN_LR_CONSTANT;
  ap.warmup_steps = 0;
  ap.total_steps = 0;
  ap.lr_min = 0.0;
  return ap;
}

int adam_parms_check(const adam_parms_t *ap)
{
  if (!ap || !(ap->lr > 0.0) || !(ap->beta1 >= 0.0 && ap->beta1 < 1.0) ||
      !(ap->beta2 >= 0.0 && ap->beta2 < 1.0) || !(ap->eps > 0.0) ||
      !(ap->weight_decay >= 0.0) || ap->warmup_steps < 0 || isnan(ap->clip_norm))
    return EMF_EINVAL;
  if (ap->schedule == NN_LR_CONSTANT) return EMF_SUCCESS;
  if (ap->schedule == NN_LR_COSINE && ap->total_steps > ap->warmup_steps &&
      ap->lr_min >= 0.0 && ap->lr_min <= ap->lr)
    return EMF_SUCCESS;
  return EMF_EINVAL;
}

adam_state_t *adam_alloc(size_t n)
{
  adam_state_t *st;
  if (n == 0) return NULL;
  st = acalloc(1, sizeof *st);
  if (!st) return NULL;
  st->n = n;
  st->m = acalloc(n, sizeof(double));
  st->v = acalloc(n, sizeof(double));
  if (!st->m || !st->v) {
    adam_free(st);
    return NULL;
  }
  return st;
}

void adam_free(adam_state_t *st)
{
  if (!st) return;
  afree(st->m);
  afree(st->v);
  afree(st);
}

void adam_reset(adam_state_t *st)
{
  memset(st->m, 0, st->n * sizeof(double));
  memset(st->v, 0, st->n * sizeof(double));
  st->t = 0;
}

double adam_lr(const adam_parms_t *ap, long t)
{
  if (ap->warmup_steps > 0 && t <= ap->warmup_steps)
    return ap->lr * (double)t / (double)ap->warmup_steps;
  if (ap->schedule == NN_LR_COSINE) {
    double s = (double)(t - ap->warmup_steps) /
               (double)(ap->total_steps - ap->warmup_steps);
    if (s > 1.0) s = 1.0;
    return ap->lr_min + 0.5 * (ap->lr - ap->lr_min) * (1.0 + cos(M_PI * s));
  }
  return ap->lr;
}

double adam_grad_norm(const double *g, size_t n)
{
  qsum_t s = {0.0, 0.0};
  for (size_t i = 0; i < n; i++) qsum_add(&s, g[i] * g[i]);
  return sqrt(qsum_value(&s));
}

int adam_step(double *theta, double *g, adam_state_t *st,
              const adam_parms_t *ap, double *norm_out)
{
  const size_t n = st->n;
  double norm = adam_grad_norm(g, n), lr, c1, c2, b1 = ap->beta1, b2 = ap->beta2;
  if (norm_out) *norm_out = norm;
  if (!isfinite(norm)) return EMF_ERANGE;
  if (ap->clip_norm > 0.0 && norm > ap->clip_norm) {
    double scale = ap->clip_norm / norm;
    for (size_t i = 0; i < n; i++) g[i] *= scale;
  }
  st->t += 1;
  lr = adam_lr(ap, st->t);
  c1 = 1.0 - pow(b1, (double)st->t);
  c2 = 1.0 - pow(b2, (double)st->t);
  for (size_t i = 0; i < n; i++) {
    double mi = b1 * st->m[i] + (1.0 - b1) * g[i];
    double vi = b2 * st->v[i] + (1.0 - b2) * g[i] * g[i];
    st->m[i] = mi;
    st->v[i] = vi;
    theta[i] -= lr * ((mi / c1) / (sqrt(vi / c2) + ap->eps) +
                      ap->weight_decay * theta[i]);
  }
  return EMF_SUCCESS;
}
