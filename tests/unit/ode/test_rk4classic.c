/*******************************************************************************
 * test_rk4classic.c: the hand-written RK4 RKMK step and its stages.
 *
 * (a) One hand-written step (ode_rkmk_step_fixed) against one classical RK4
 *     step of GSL's "rk4" stepper in the same chart.  GSL's rk4 returns the
 *     two-half-step solution y2 and the error estimate yerr = 4/15 (y2 - y1)
 *     (step doubling, ODEIV_ERR_SAFETY = 8 in GSL 2.7); the one-step
 *     solution y1 = y2 - 15/4 yerr is recovered from them and must equal the
 *     hand-written chart coordinates Y and extras to 1e-14 (rounding of the
 *     recovery; the stage points and field values are bitwise the same).
 * (b) The recorded stages satisfy their definitions (ode.h): U_s =
 *     exp(Y_s) U0, X_s and r_s = field(U_s, t + c_s h) (exactly), K_s =
 *     dexp^{-1}_{Y_s} X_s with ad^2 kept (exactly), Y_2 = h/2 K_1,
 *     Y_3 = h/2 K_2, Y_4 = h K_3, Y = h (K_1 + 2 K_2 + 2 K_3 + K_4)/6, and
 *     the new links equal exp(Y) U0 to 1e-15 (re-unitarised).
 * (c) ode_integrate_fixed with "rk4classic" equals repeated
 *     ode_rkmk_step_fixed bit for bit and counts 4 evaluations per step;
 *     ode_rkmk_step_fixed gives the same bits with any workspace stepper;
 *     ode_step with a GSL stepper equals a one-step ode_integrate_fixed.
 * N = 2, 3; n = 1, 7; forward and backward steps.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include "check.h"
#include "ode_testlib.h"

#define M_EXTRA 3

static void run_case(int N, size_t n, double h, trng_t *g)
{
  const size_t nn = (size_t)N * N, ngen = nn - 1, na = n * ngen, dim = na + M_EXTRA;
  const double t = 0.4, c[4] = {0.0, 0.5, 0.5, 1.0};
  tfield_t f;
  ode_workspace_t *wg = ode_workspace_alloc(n, N, M_EXTRA, "rk4");
  ode_workspace_t *wh = ode_workspace_alloc(n, N, M_EXTRA, "rk4classic");
  ode_workspace_t *w8 = ode_workspace_alloc(n, N, M_EXTRA, "rk8pd");
  ode_stages_t *sg = ode_stages_alloc(n, N, M_EXTRA);
  cplx_t *u0 = malloc(n * nn * sizeof(cplx_t)), *uh = malloc(n * nn * sizeof(cplx_t));
  cplx_t *ug = malloc(n * nn * sizeof(cplx_t)), *tmp = malloc(n * nn * sizeof(cplx_t));
  double *yc = malloc(dim * sizeof(double)), *ye = malloc(dim * sizeof(double));
  double *xx = malloc(na * sizeof(double)), *kk = malloc(na * sizeof(double));
  const double e0[M_EXTRA] = {0.1, 0.2, 0.3};
  double eh[M_EXTRA], eg[M_EXTRA], rr[M_EXTRA], d;
  int s;

  tfield_init(&f, 1, N, n, M_EXTRA, g, 1.0);
  trandom_links(g, N, n, u0);

  /* (a) hand-written vs GSL rk4 one-step solution */
  memcpy(uh, u0, n * nn * sizeof(cplx_t));
  memcpy(eh, e0, sizeof eh);
  s = ode_rkmk_step_fixed(wh, t, h, uh, eh, tfield_fn, &f, sg);
  check_int(s, EMF_SUCCESS, "N=%d n=%zu h=%g: hand-written step", N, n, h);
  memcpy(ug, u0, n * nn * sizeof(cplx_t));
  memcpy(eg, e0, sizeof eg);
  s = ode_step(wg, t, h, ug, eg, tfield_fn, &f, yc, ye);
  check_int(s, EMF_SUCCESS, "N=%d n=%zu h=%g: GSL rk4 step", N, n, h);
  d = 0.0;
  for (size_t i = 0; i < na; i++) {
    double y1 = yc[i] - 3.75 * ye[i];
    if (fabs(y1 - sg->yend[i]) > d) d = fabs(y1 - sg->yend[i]);
  }
  check_abs(d, 0.0, 1e-14, "N=%d n=%zu h=%g: Y hand-written = GSL rk4 one step",
            N, n, h);
  d = 0.0;
  for (size_t j = 0; j < M_EXTRA; j++) {
    double y1 = yc[na + j] - 3.75 * ye[na + j];
    if (fabs(y1 - eh[j]) > d) d = fabs(y1 - eh[j]);
  }
  check_abs(d, 0.0, 1e-14, "N=%d n=%zu h=%g: extras hand-written = GSL rk4 one step",
            N, n, h);
  /* and the two differ by the step-doubling difference, which is not 0 */
  check_true(tdist(N, n, ug, uh) > 1e-12, "N=%d n=%zu h=%g: GSL rk4 is step doubled",
             N, n, h);

  /* (b) stage definitions */
  check_bits(sg->u0, u0, n * nn * sizeof(cplx_t), "N=%d n=%zu: stages U0", N, n);
  check_true(sg->t == t && sg->h == h, "N=%d n=%zu: stages t, h", N, n);
  for (int st = 0; st < 4; st++) {
    const double *ys = sg->y + st * na;
    double emax = 0.0;
    for (size_t i = 0; i < n; i++) {
      cplx_t e[EMF_NMAX * EMF_NMAX];
      sun_exp_alg(N, e, ys + i * ngen);
      sun_mul(N, tmp + i * nn, e, u0 + i * nn);
    }
    check_abs(tdist(N, n, tmp, sg->u + st * n * nn), 0.0, 1e-15,
              "N=%d n=%zu stage %d: U_s = exp(Y_s) U0", N, n, st);
    tfield_fn(t + c[st] * h, sg->u + st * n * nn, xx, rr, &f);
    check_bits(xx, sg->x + st * na, na * sizeof(double),
               "N=%d n=%zu stage %d: X_s = field(U_s)", N, n, st);
    check_bits(rr, sg->r + st * M_EXTRA, M_EXTRA * sizeof(double),
               "N=%d n=%zu stage %d: r_s = field(U_s)", N, n, st);
    for (size_t i = 0; i < n; i++)
      ode_dexpinv(N, 2, kk + i * ngen, ys + i * ngen, sg->x + st * na + i * ngen);
    check_bits(kk, sg->k + st * na, na * sizeof(double),
               "N=%d n=%zu stage %d: K_s = dexpinv(Y_s, X_s)", N, n, st);
    if (st > 0) {
      const double a = st == 3 ? h : 0.5 * h;
      for (size_t i = 0; i < na; i++) {
        double dd = fabs(ys[i] - a * sg->k[(st - 1) * na + i]);
        if (dd > emax) emax = dd;
      }
      check_abs(emax, 0.0, 0.0, "N=%d n=%zu stage %d: Y_s = a h K_{s-1}", N, n, st);
    }
  }
  d = 0.0;
  for (size_t i = 0; i < na; i++) {
    double y = h * (sg->k[i] + 2.0 * sg->k[na + i] + 2.0 * sg->k[2 * na + i] +
                    sg->k[3 * na + i]) / 6.0;
    if (fabs(y - sg->yend[i]) > d) d = fabs(y - sg->yend[i]);
  }
  check_abs(d, 0.0, 1e-15, "N=%d n=%zu: Y = h (K1 + 2K2 + 2K3 + K4)/6", N, n);
  for (size_t i = 0; i < n; i++) {
    cplx_t e[EMF_NMAX * EMF_NMAX];
    sun_exp_alg(N, e, sg->yend + i * ngen);
    sun_mul(N, tmp + i * nn, e, u0 + i * nn);
  }
  check_abs(tdist(N, n, tmp, uh), 0.0, 1e-15, "N=%d n=%zu: U1 = exp(Y) U0", N, n);
  for (size_t j = 0; j < M_EXTRA; j++) {
    const double *r = sg->r;
    double ex = e0[j] + h * (r[j] + 2.0 * r[M_EXTRA + j] + 2.0 * r[2 * M_EXTRA + j] +
                             r[3 * M_EXTRA + j]) / 6.0;
    check_rel(eh[j], ex, 1e-15, 1e-15, "N=%d n=%zu: extra %zu update", N, n, j);
  }

  /* (c) integrate_fixed(rk4classic) = repeated steps, bit for bit */
  {
    ode_stats_t stats;
    memcpy(ug, u0, n * nn * sizeof(cplx_t));
    memcpy(eg, e0, sizeof eg);
    s = ode_integrate_fixed(wh, t, t + 5 * h, 5, ug, eg, tfield_fn, &f, &stats);
    check_int(s, EMF_SUCCESS, "N=%d n=%zu: fixed rk4classic", N, n);
    check_int(stats.n_eval, 20, "N=%d n=%zu: 4 evaluations per step", N, n);
    memcpy(uh, u0, n * nn * sizeof(cplx_t));
    memcpy(eh, e0, sizeof eh);
    for (int k = 0; k < 5; k++) {
      double tk = t + (5 * h) * ((double)k / 5.0);
      ode_rkmk_step_fixed(k % 2 ? w8 : wh, tk, (t + 5 * h - t) / 5.0, uh, eh,
                          tfield_fn, &f, k == 2 ? sg : NULL);
    }
    check_bits(ug, uh, n * nn * sizeof(cplx_t),
               "N=%d n=%zu: integrate_fixed = repeated steps (U)", N, n);
    check_bits(eg, eh, sizeof eg, "N=%d n=%zu: integrate_fixed = repeated steps (e)",
               N, n);
  }
  /* ode_step with a GSL stepper = one-step integrate_fixed */
  memcpy(ug, u0, n * nn * sizeof(cplx_t));
  memcpy(eg, e0, sizeof eg);
  ode_step(w8, t, (t + h) - t, ug, eg, tfield_fn, &f, NULL, NULL);
  memcpy(uh, u0, n * nn * sizeof(cplx_t));
  memcpy(eh, e0, sizeof eh);
  ode_integrate_fixed(w8, t, t + h, 1, uh, eh, tfield_fn, &f, NULL);
  check_bits(ug, uh, n * nn * sizeof(cplx_t), "N=%d n=%zu: ode_step = 1-step fixed",
             N, n);

  ode_workspace_free(wg);
  ode_workspace_free(wh);
  ode_workspace_free(w8);
  ode_stages_free(sg);
  tfield_free(&f);
  free(u0);
  free(uh);
  free(ug);
  free(tmp);
  free(yc);
  free(ye);
  free(xx);
  free(kk);
}

int main(void)
{
  trng_t g = {99};
  const int Ns[2] = {2, 3};
  const size_t ns[2] = {1, 7};
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++) {
      run_case(Ns[a], ns[b], 0.1, &g);
      run_case(Ns[a], ns[b], -0.07, &g);
    }
  return check_finish("ode/test_rk4classic");
}
