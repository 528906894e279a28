/*******************************************************************************
 * test_errors.c: every error return of the ode module, and no GSL handler.
 *
 * A counting GSL error handler is installed first; every case below must
 * leave it uncalled (the module checks GSL's returns itself).
 *  - allocation: unknown stepper, n = 0, N = 1, N > EMF_NMAX -> NULL;
 *  - argument checks -> EMF_EINVAL (NULL field, extra NULL with m > 0,
 *    h = 0, n_steps = 0, eps_abs <= 0, eps_rel < 0, NaN times, stages of
 *    the wrong size, also for the backward pass); adaptive with
 *    "rk4classic" -> EMF_ENOTSUP;
 *  - a field failing with EMF_EDOM, or returning NaN (-> EMF_ERANGE), in
 *    ode_step (GSL and hand-written), fixed and adaptive mode: the code is
 *    returned and a failed ode_step leaves u and extra bit-for-bit
 *    unchanged; a failed fixed integration leaves the state of the last
 *    completed step (= the same number of steps run alone);
 *  - max_steps reached -> EMF_EMAXITER after exactly max_steps steps;
 *  - a tolerance no step size can meet (eps_abs = 1e-300 and a field that
 *    jumps by a factor 3 between evaluations, so the error estimate never
 *    vanishes) -> EMF_ETOL;
 *  - t1 = t0 in adaptive mode: success without any evaluation.
 ******************************************************************************/
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include "check.h"
#include "ode_testlib.h"

static int gsl_calls = 0;

static void counting_handler(const char *reason, const char *file, int line,
                             int gsl_errno)
{
  (void)reason;
  (void)file;
  (void)line;
  (void)gsl_errno;
  gsl_calls++;
}

static void test_alloc(void)
{
  check_true(ode_workspace_alloc(1, 2, 0, "nope") == NULL, "unknown stepper");
  check_true(ode_workspace_alloc(1, 2, 0, NULL) == NULL, "NULL stepper name");
  check_true(ode_workspace_alloc(1, 2, 0, "rk4imp") == NULL, "implicit stepper refused");
  check_true(ode_workspace_alloc(0, 2, 0, "rk4") == NULL, "n = 0");
  check_true(ode_workspace_alloc(1, 1, 0, "rk4") == NULL, "N = 1");
  check_true(ode_workspace_alloc(1, EMF_NMAX + 1, 0, "rk4") == NULL, "N > EMF_NMAX");
  check_true(ode_stages_alloc(0, 2, 0) == NULL, "stages n = 0");
  check_true(ode_stages_alloc(1, 1, 0) == NULL, "stages N = 1");
  check_true(ode_stepper_at(-1) == NULL, "stepper_at(-1)");
  for (int i = 0; ode_stepper_at(i) != NULL; i++) {
    const ode_stepper_type_t *t = ode_stepper_at(i);
    ode_workspace_t *w = ode_workspace_alloc(3, 3, 0, t->name);
    check_true(ode_stepper_get(t->name) == t, "%s: lookup by name", t->name);
    check_true(w != NULL && ode_workspace_stepper(w) == t, "%s: alloc with m = 0",
               t->name);
    check_int(t->n_ad, t->order - 2, "%s: n_ad = order - 2", t->name);
    ode_workspace_free(w);
  }
  ode_workspace_free(NULL);
  ode_stages_free(NULL);
}

static void test_args(trng_t *g)
{
  const int N = 2;
  const size_t n = 2, m = 1;
  ode_workspace_t *w = ode_workspace_alloc(n, N, m, "rkf45");
  ode_workspace_t *wh = ode_workspace_alloc(n, N, m, "rk4classic");
  ode_stages_t *sbad = ode_stages_alloc(n + 1, N, m);
  cplx_t u[8];
  double e = 0.0;
  ode_adaptive_t par = {1e-8, 0.0, 0.0, 0};
  tfield_t f;

  tfield_init(&f, 1, N, n, m, g, 1.0);
  trandom_links(g, N, n, u);
  check_int(ode_step(w, 0.0, 0.1, u, &e, NULL, &f, NULL, NULL), EMF_EINVAL, "NULL field");
  check_int(ode_step(w, 0.0, 0.1, u, NULL, tfield_fn, &f, NULL, NULL), EMF_EINVAL,
            "NULL extra with m > 0");
  check_int(ode_step(w, 0.0, 0.0, u, &e, tfield_fn, &f, NULL, NULL), EMF_EINVAL, "h = 0");
  check_int(ode_step(w, NAN, 0.1, u, &e, tfield_fn, &f, NULL, NULL), EMF_EINVAL, "t NaN");
  check_int(ode_integrate_fixed(w, 0.0, 1.0, 0, u, &e, tfield_fn, &f, NULL), EMF_EINVAL,
            "n_steps = 0");
  check_int(ode_integrate_fixed(w, 0.0, 0.0, 4, u, &e, tfield_fn, &f, NULL), EMF_EINVAL,
            "t1 = t0 in fixed mode");
  check_int(ode_integrate_fixed(w, 0.0, INFINITY, 4, u, &e, tfield_fn, &f, NULL),
            EMF_EINVAL, "t1 infinite");
  par.eps_abs = 0.0;
  check_int(ode_integrate_adaptive(w, 0.0, 1.0, &par, u, &e, tfield_fn, &f, NULL),
            EMF_EINVAL, "eps_abs = 0");
  par.eps_abs = 1e-8;
  par.eps_rel = -1.0;
  check_int(ode_integrate_adaptive(w, 0.0, 1.0, &par, u, &e, tfield_fn, &f, NULL),
            EMF_EINVAL, "eps_rel < 0");
  par.eps_rel = 0.0;
  check_int(ode_integrate_adaptive(w, 0.0, 1.0, NULL, u, &e, tfield_fn, &f, NULL),
            EMF_EINVAL, "NULL parameters");
  check_int(ode_integrate_adaptive(wh, 0.0, 1.0, &par, u, &e, tfield_fn, &f, NULL),
            EMF_ENOTSUP, "adaptive with rk4classic");
  check_int(ode_rkmk_step_fixed(w, 0.0, 0.1, u, &e, tfield_fn, &f, sbad), EMF_EINVAL,
            "stages of the wrong size");
  check_int(ode_rkmk_step_fixed(w, 0.0, 0.0, u, &e, tfield_fn, &f, NULL), EMF_EINVAL,
            "rk4 step dt = 0");
  {
    double a1[6] = {0}, a0[6], g1 = 1.0;
    check_int(ode_rkmk_step_backward(w, sbad, a1, &g1, tfield_vjp, &f, a0), EMF_EINVAL,
              "backward with stages of the wrong size");
    check_int(ode_rkmk_step_backward(w, NULL, a1, &g1, tfield_vjp, &f, a0), EMF_EINVAL,
              "backward without stages");
  }
  {
    ode_stats_t stats;
    long calls = f.calls;
    check_int(ode_integrate_adaptive(w, 0.5, 0.5, &par, u, &e, tfield_fn, &f, &stats),
              EMF_SUCCESS, "adaptive t1 = t0");
    check_int(f.calls - calls, 0, "adaptive t1 = t0: no evaluation");
  }
  ode_workspace_free(w);
  ode_workspace_free(wh);
  ode_stages_free(sbad);
  tfield_free(&f);
}

/* field failures: code (EMF_EDOM) or NaN (fail_code -1 -> EMF_ERANGE) */
static void test_field_failure(const ode_stepper_type_t *st, int code, trng_t *g)
{
  const int N = 3;
  const size_t n = 3, m = 2;
  const int expect = code >= 0 ? code : EMF_ERANGE;
  ode_workspace_t *w = ode_workspace_alloc(n, N, m, st->name);
  cplx_t u0[27], u[27], u2[27];
  double e0[2] = {1.0, 2.0}, e[2], e2[2];
  ode_stats_t stats;
  tfield_t f;
  int s;

  tfield_init(&f, 1, N, n, m, g, 1.0);
  trandom_links(g, N, n, u0);
  /* ode_step failing at every stage position */
  for (int k = 0; k < st->n_eval; k++) {
    memcpy(u, u0, sizeof u);
    memcpy(e, e0, sizeof e);
    f.calls = 0;
    f.fail_after = k;
    f.fail_code = code;
    s = ode_step(w, 0.0, 0.1, u, e, tfield_fn, &f, NULL, NULL);
    check_int(s, expect, "%s: step failing at evaluation %d: code", st->name, k + 1);
    check_bits(u, u0, sizeof u, "%s: step failing at evaluation %d: U unchanged",
               st->name, k + 1);
    check_bits(e, e0, sizeof e, "%s: step failing at evaluation %d: extra unchanged",
               st->name, k + 1);
  }
  /* fixed mode failing in step 4: state of 3 completed steps */
  memcpy(u, u0, sizeof u);
  memcpy(e, e0, sizeof e);
  f.calls = 0;
  f.fail_after = 3L * st->n_eval + 1;
  s = ode_integrate_fixed(w, 0.0, 1.0, 10, u, e, tfield_fn, &f, &stats);
  check_int(s, expect, "%s: fixed mode failure: code", st->name);
  check_int(stats.n_steps, 3, "%s: fixed mode failure: 3 steps completed", st->name);
  f.fail_after = -1;
  memcpy(u2, u0, sizeof u2);
  memcpy(e2, e0, sizeof e2);
  for (int k = 0; k < 3; k++)
    ode_step(w, 0.0 + 1.0 * (k / 10.0), (1.0 - 0.0) / 10.0, u2, e2, tfield_fn, &f,
             NULL, NULL);
  check_bits(u, u2, sizeof u, "%s: fixed mode failure: U after 3 steps", st->name);
  check_bits(e, e2, sizeof e, "%s: fixed mode failure: extra after 3 steps", st->name);
  if (st->adaptive) {
    ode_adaptive_t par = {1e-8, 0.0, 0.0, 0};
    memcpy(u, u0, sizeof u);
    memcpy(e, e0, sizeof e);
    f.calls = 0;
    f.fail_after = 40;
    f.fail_code = code;
    s = ode_integrate_adaptive(w, 0.0, 1.0, &par, u, e, tfield_fn, &f, &stats);
    check_int(s, expect, "%s: adaptive failure: code", st->name);
    check_abs(tunit(N, n, u), 0.0, 1e-13, "%s: adaptive failure: U in SU(N)", st->name);
    f.fail_after = -1;
    par.max_steps = 3;
    memcpy(u, u0, sizeof u);
    s = ode_integrate_adaptive(w, 0.0, 1.0, &par, u, e, tfield_fn, &f, &stats);
    check_int(s, EMF_EMAXITER, "%s: max_steps: code", st->name);
    check_int(stats.n_steps, 3, "%s: max_steps: 3 steps", st->name);
    par.max_steps = 0;
    f.noisy = 1;
    par.eps_abs = 1e-300;
    par.max_steps = 10000;
    memcpy(u, u0, sizeof u);
    /* t0 = 1, not 0: near t = 0 GSL's "t + h != t" test admits h ~ 1e-300 */
    s = ode_integrate_adaptive(w, 1.0, 2.0, &par, u, e, tfield_fn, &f, &stats);
    check_int(s, EMF_ETOL, "%s: unreachable tolerance: code", st->name);
    f.noisy = 0;
  }
  ode_workspace_free(w);
  tfield_free(&f);
}

int main(void)
{
  trng_t g = {31337};
  gsl_set_error_handler(counting_handler);
  test_alloc();
  test_args(&g);
  for (int i = 0; ode_stepper_at(i) != NULL; i++) {
    test_field_failure(ode_stepper_at(i), EMF_EDOM, &g);
    test_field_failure(ode_stepper_at(i), -1, &g);
  }
  check_int(gsl_calls, 0, "GSL error handler never called");
  return check_finish("ode/test_errors");
}
