/*******************************************************************************
 * test_control.c: the global-decision controller (ode_workspace_set_reduce).
 *
 * For every adaptive stepper, (N, n) = (2, 1) and (3, 7), nonlinear field:
 *  - with reduce = identity the results (links, extras, step counts) equal
 *    those of GSL's standard control bit for bit, and reduce is called once
 *    per attempted step (accepted + rejected);
 *  - with reduce = "another rank is 1000x worse" (rmax *= 1000) more steps
 *    are taken and the error against a tight reference is smaller;
 *  - reduce = NULL restores the standard control (bitwise again).
 ******************************************************************************/
#include <stdio.h>
#include "check.h"
#include "ode_testlib.h"

typedef struct {
  long calls;
  double factor;
} red_t;

static void reduce_fn(double *rmax, void *ctx)
{
  red_t *r = ctx;
  r->calls++;
  *rmax *= r->factor;
}

static void run_case(const ode_stepper_type_t *st, int N, size_t n, trng_t *g)
{
  const size_t nn = (size_t)N * N, m = 2;
  ode_workspace_t *w = ode_workspace_alloc(n, N, m, st->name);
  ode_workspace_t *wr = ode_workspace_alloc(n, N, m, "rk8pd");
  cplx_t *u0 = malloc(n * nn * sizeof(cplx_t)), *ua = malloc(n * nn * sizeof(cplx_t));
  cplx_t *ub = malloc(n * nn * sizeof(cplx_t)), *uref = malloc(n * nn * sizeof(cplx_t));
  const double e0[2] = {0.0, 1.0};
  double ea[2], eb[2], eref[2];
  ode_adaptive_t par = {1e-7, 1e-7, 0.0, 0}, ptight = {1e-14, 0.0, 0.0, 0};
  ode_stats_t sa, sb;
  red_t red = {0, 1.0};
  tfield_t f;

  tfield_init(&f, 1, N, n, m, g, 1.0);
  trandom_links(g, N, n, u0);
  memcpy(uref, u0, n * nn * sizeof(cplx_t));
  memcpy(eref, e0, sizeof eref);
  ode_integrate_adaptive(wr, 0.0, 1.5, &ptight, uref, eref, tfield_fn, &f, NULL);

  memcpy(ua, u0, n * nn * sizeof(cplx_t));
  memcpy(ea, e0, sizeof ea);
  check_int(ode_integrate_adaptive(w, 0.0, 1.5, &par, ua, ea, tfield_fn, &f, &sa),
            EMF_SUCCESS, "%s N=%d n=%zu: standard control", st->name, N, n);
  ode_workspace_set_reduce(w, reduce_fn, &red);
  memcpy(ub, u0, n * nn * sizeof(cplx_t));
  memcpy(eb, e0, sizeof eb);
  check_int(ode_integrate_adaptive(w, 0.0, 1.5, &par, ub, eb, tfield_fn, &f, &sb),
            EMF_SUCCESS, "%s N=%d n=%zu: global control", st->name, N, n);
  check_bits(ua, ub, n * nn * sizeof(cplx_t), "%s N=%d n=%zu: identity reduce = standard (U)",
             st->name, N, n);
  check_bits(ea, eb, sizeof ea, "%s N=%d n=%zu: identity reduce = standard (extras)",
             st->name, N, n);
  check_int(sb.n_steps, sa.n_steps, "%s N=%d n=%zu: same steps", st->name, N, n);
  check_int(sb.n_rejected, sa.n_rejected, "%s N=%d n=%zu: same rejections", st->name, N, n);
  check_int(red.calls, sb.n_steps + sb.n_rejected,
            "%s N=%d n=%zu: reduce once per attempted step", st->name, N, n);

  red.factor = 1000.0;
  memcpy(ub, u0, n * nn * sizeof(cplx_t));
  memcpy(eb, e0, sizeof eb);
  ode_integrate_adaptive(w, 0.0, 1.5, &par, ub, eb, tfield_fn, &f, &sb);
  check_true(sb.n_steps > sa.n_steps, "%s N=%d n=%zu: worse remote error -> more steps"
             " (%ld > %ld)", st->name, N, n, sb.n_steps, sa.n_steps);
  check_true(tdist(N, n, ub, uref) < tdist(N, n, ua, uref),
             "%s N=%d n=%zu: ... and a smaller error (%.2e < %.2e)", st->name, N, n,
             tdist(N, n, ub, uref), tdist(N, n, ua, uref));

  ode_workspace_set_reduce(w, NULL, NULL);
  memcpy(ub, u0, n * nn * sizeof(cplx_t));
  memcpy(eb, e0, sizeof eb);
  ode_integrate_adaptive(w, 0.0, 1.5, &par, ub, eb, tfield_fn, &f, &sb);
  check_bits(ua, ub, n * nn * sizeof(cplx_t), "%s N=%d n=%zu: reduce NULL = standard",
             st->name, N, n);

  ode_workspace_free(w);
  ode_workspace_free(wr);
  tfield_free(&f);
  free(u0);
  free(ua);
  free(ub);
  free(uref);
}

int main(void)
{
  trng_t g = {55};
  for (int i = 0; ode_stepper_at(i) != NULL; i++) {
    if (!ode_stepper_at(i)->adaptive) continue;
    run_case(ode_stepper_at(i), 2, 1, &g);
    run_case(ode_stepper_at(i), 3, 7, &g);
  }
  return check_finish("ode/test_control");
}
