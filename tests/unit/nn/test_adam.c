/*******************************************************************************
 * test_adam.c: the Adam optimizer, clipping and learning-rate schedules.
 *
 * - 25 steps on f = 1/2 sum a_i (theta_i - c_i)^2 against an independent
 *   textbook implementation (Kingma & Ba, Algorithm 1; AdamW decay term),
 *   with and without weight decay and clipping: theta within 1e-14
 *   relative, m and v within 1e-14 of their largest entry; the loss
 *   decreases;
 * - clipping: a gradient of norm 10 is scaled in place to norm 1, the
 *   reported norm is the pre-clip one; a gradient below the clip is left
 *   untouched (bitwise);
 * - schedules: constant, linear warm-up, cosine end points and midpoint;
 * - a non-finite gradient returns EMF_ERANGE and changes nothing;
 * - restart: N steps, copy (m, v, t) to a fresh state, M more steps gives
 *   bitwise the same parameters and moments as N + M steps in one go;
 * - invalid hyper-parameters are rejected.
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "nn.h"
#include "nn_testutil.h"

enum { N = 7 };

static double grad_quad(double *g, const double *th, const double *a, const double *c)
{
  double f = 0.0;
  for (int i = 0; i < N; i++) {
    g[i] = a[i] * (th[i] - c[i]);
    f += 0.5 * a[i] * (th[i] - c[i]) * (th[i] - c[i]);
  }
  return f;
}

static void test_textbook(double wd, double clip, uint64_t *s)
{
  double a[N], c[N], th[N], tb[N], g[N], mt[N] = {0}, vt[N] = {0}, f0 = 0, f1 = 0;
  adam_parms_t ap = adam_parms_default();
  adam_state_t *st = adam_alloc(N);
  double e_th = 0, e_m = 0, e_v = 0;
  ap.lr = 0.05;
  ap.weight_decay = wd;
  ap.clip_norm = clip;
  for (int i = 0; i < N; i++) {
    a[i] = 1.0 + 3.0 * (tu_rand(s) + 1.0);
    c[i] = tu_rand(s);
    th[i] = tb[i] = 2.0 * tu_rand(s);
  }
  f0 = grad_quad(g, th, a, c);
  for (int t = 1; t <= 25; t++) {
    double gn = 0.0, sc = 1.0;
    grad_quad(g, th, a, c);
    adam_step(th, g, st, &ap, NULL);
    /* textbook, with the gradient recomputed at the textbook's own iterate */
    grad_quad(g, tb, a, c);
    for (int i = 0; i < N; i++) gn += g[i] * g[i];
    gn = sqrt(gn);
    if (clip > 0 && gn > clip) sc = clip / gn;
    for (int i = 0; i < N; i++) {
      double gi = sc * g[i];
      mt[i] = 0.9 * mt[i] + 0.1 * gi;
      vt[i] = 0.999 * vt[i] + 0.001 * gi * gi;
      double mh = mt[i] / (1.0 - pow(0.9, t)), vh = vt[i] / (1.0 - pow(0.999, t));
      tb[i] = tb[i] - 0.05 * (mh / (sqrt(vh) + 1e-8) + wd * tb[i]);
    }
  }
  /* moments relative to their largest entry (near the minimum some entries
   * are tiny differences of O(1) numbers) */
  for (int i = 0; i < N; i++) {
    e_th = fmax(e_th, fabs(th[i] - tb[i]) / fmax(1.0, fabs(tb[i])));
    e_m = fmax(e_m, fabs(st->m[i] - mt[i]) / tu_max_abs(mt, N));
    e_v = fmax(e_v, fabs(st->v[i] - vt[i]) / tu_max_abs(vt, N));
  }
  f1 = grad_quad(g, th, a, c);
  check_abs(e_th, 0.0, 1e-14, "textbook theta (wd %g, clip %g)", wd, clip);
  check_abs(e_m, 0.0, 1e-14, "textbook m (wd %g, clip %g)", wd, clip);
  check_abs(e_v, 0.0, 1e-14, "textbook v (wd %g, clip %g)", wd, clip);
  check_int(st->t, 25, "step count");
  check_true(f1 < 0.5 * f0, "loss decreases (%g -> %g)", f0, f1);
  adam_free(st);
}

static void test_clip(uint64_t *s)
{
  double g[N], g0[N], th[N] = {0}, norm = 0, nrm_out = 0;
  adam_parms_t ap = adam_parms_default();
  adam_state_t *st = adam_alloc(N);
  tu_fill(g, N, s);
  norm = adam_grad_norm(g, N);
  for (int i = 0; i < N; i++) g[i] *= 10.0 / norm;
  ap.clip_norm = 1.0;
  adam_step(th, g, st, &ap, &nrm_out);
  check_rel(nrm_out, 10.0, 1e-14, 0.0, "reported norm is the pre-clip norm");
  check_rel(adam_grad_norm(g, N), 1.0, 1e-14, 0.0, "gradient clipped to norm 1");
  check_rel(st->m[0], 0.1 * g[0], 1e-15, 0.0, "moment uses the clipped gradient");
  ap.clip_norm = 100.0;
  memcpy(g0, g, sizeof g);
  adam_step(th, g, st, &ap, NULL);
  check_bits(g, g0, sizeof g, "gradient below the clip untouched");
  adam_free(st);
}

static void test_schedule(void)
{
  adam_parms_t ap = adam_parms_default();
  ap.lr = 0.01;
  check_rel(adam_lr(&ap, 1), 0.01, 0, 0, "constant lr at t=1");
  check_rel(adam_lr(&ap, 100000), 0.01, 0, 0, "constant lr at t=1e5");
  ap.warmup_steps = 10;
  check_rel(adam_lr(&ap, 3), 0.003, 1e-15, 0, "warm-up lr at t=3 of 10");
  check_rel(adam_lr(&ap, 11), 0.01, 0, 0, "constant after warm-up");
  ap.schedule = NN_LR_COSINE;
  ap.total_steps = 110;
  ap.lr_min = 0.001;
  check_rel(adam_lr(&ap, 10), 0.01, 1e-15, 0, "cosine: peak at the end of warm-up");
  check_rel(adam_lr(&ap, 60), 0.0055, 1e-14, 0, "cosine: midpoint (lr + lr_min)/2");
  check_rel(adam_lr(&ap, 110), 0.001, 1e-14, 0, "cosine: lr_min at total_steps");
  check_rel(adam_lr(&ap, 500), 0.001, 1e-14, 0, "cosine: lr_min after total_steps");
  check_true(adam_lr(&ap, 30) > adam_lr(&ap, 31), "cosine decreasing");
  check_int(adam_parms_check(&ap), EMF_SUCCESS, "valid cosine parameters");
}

static void test_errors(void)
{
  adam_parms_t ap = adam_parms_default(), b;
  adam_state_t *st = adam_alloc(N);
  double th[N] = {1, 2, 3, 4, 5, 6, 7}, th0[N], g[N] = {0}, m0[N], v0[N];
  check_int(adam_parms_check(&ap), EMF_SUCCESS, "default parameters valid");
  b = ap; b.lr = 0; check_int(adam_parms_check(&b), EMF_EINVAL, "lr 0 rejected");
  b = ap; b.beta1 = 1; check_int(adam_parms_check(&b), EMF_EINVAL, "beta1 1 rejected");
  b = ap; b.beta2 = -0.1; check_int(adam_parms_check(&b), EMF_EINVAL, "beta2 < 0 rejected");
  b = ap; b.eps = 0; check_int(adam_parms_check(&b), EMF_EINVAL, "eps 0 rejected");
  b = ap; b.weight_decay = -1; check_int(adam_parms_check(&b), EMF_EINVAL, "wd < 0 rejected");
  b = ap; b.schedule = NN_LR_COSINE; b.total_steps = 0;
  check_int(adam_parms_check(&b), EMF_EINVAL, "cosine without total_steps rejected");
  b = ap; b.schedule = NN_LR_COSINE; b.total_steps = 10; b.lr_min = 1.0;
  check_int(adam_parms_check(&b), EMF_EINVAL, "lr_min > lr rejected");
  b = ap; b.schedule = (nn_lr_schedule_t)7;
  check_int(adam_parms_check(&b), EMF_EINVAL, "unknown schedule rejected");
  check_true(adam_alloc(0) == NULL, "adam_alloc(0) refused");
  /* one good step, then a NaN gradient */
  g[0] = 1.0;
  adam_step(th, g, st, &ap, NULL);
  memcpy(th0, th, sizeof th);
  memcpy(m0, st->m, sizeof m0);
  memcpy(v0, st->v, sizeof v0);
  g[3] = NAN;
  check_int(adam_step(th, g, st, &ap, NULL), EMF_ERANGE, "NaN gradient -> EMF_ERANGE");
  g[3] = INFINITY;
  check_int(adam_step(th, g, st, &ap, NULL), EMF_ERANGE, "Inf gradient -> EMF_ERANGE");
  check_bits(th, th0, sizeof th, "theta unchanged after refused step");
  check_bits(st->m, m0, sizeof m0, "m unchanged after refused step");
  check_bits(st->v, v0, sizeof v0, "v unchanged after refused step");
  check_int(st->t, 1, "t unchanged after refused step");
  adam_reset(st);
  check_int(st->t, 0, "reset: t = 0");
  check_true(st->m[0] == 0.0 && st->v[0] == 0.0, "reset: moments zero");
  adam_free(st);
  adam_free(NULL);
}

static void test_restart(uint64_t *s)
{
  double a[N], c[N], th1[N], th2[N], g[N];
  adam_parms_t ap = adam_parms_default();
  adam_state_t *s1 = adam_alloc(N), *s2 = adam_alloc(N), *s3 = adam_alloc(N);
  ap.lr = 0.03;
  ap.clip_norm = 0.5;
  ap.schedule = NN_LR_COSINE;
  ap.warmup_steps = 3;
  ap.total_steps = 30;
  for (int i = 0; i < N; i++) {
    a[i] = 2.0 + tu_rand(s);
    c[i] = tu_rand(s);
    th1[i] = th2[i] = tu_rand(s);
  }
  for (int t = 0; t < 17; t++) {
    grad_quad(g, th1, a, c);
    adam_step(th1, g, s1, &ap, NULL);
  }
  for (int t = 0; t < 9; t++) {
    grad_quad(g, th2, a, c);
    adam_step(th2, g, s2, &ap, NULL);
  }
  /* "checkpoint": the plain arrays and the step count */
  memcpy(s3->m, s2->m, N * sizeof(double));
  memcpy(s3->v, s2->v, N * sizeof(double));
  s3->t = s2->t;
  for (int t = 0; t < 8; t++) {
    grad_quad(g, th2, a, c);
    adam_step(th2, g, s3, &ap, NULL);
  }
  check_bits(th2, th1, sizeof th1, "restart: theta bitwise equal");
  check_bits(s3->m, s1->m, N * sizeof(double), "restart: m bitwise equal");
  check_bits(s3->v, s1->v, N * sizeof(double), "restart: v bitwise equal");
  check_int(s3->t, s1->t, "restart: step count");
  adam_free(s1); adam_free(s2); adam_free(s3);
}

int main(void)
{
  uint64_t s = 99;
  test_textbook(0.0, 0.0, &s);
  test_textbook(0.01, 0.0, &s);
  test_textbook(0.0, 0.7, &s);
  test_clip(&s);
  test_schedule();
  test_errors();
  test_restart(&s);
  return check_finish("test_adam");
}
