/*******************************************************************************
 * test_order.c: convergence order and adaptive accuracy on a nonlinear field.
 *
 * Field: X_i(U, t) = g(t) P(A_i U_i U_{i+1}) (ode_testlib.h), t in [0.2, 1.2],
 * extras r_0 = sum Re tr U_i / N, r_2 = sum |X_i|^2.  Reference: "rk8pd"
 * adaptive with eps_abs = 1e-14.
 * (2) Fixed steps h, h/2, h/4 for every stepper: the observed order
 *     log2(err(h/2)/err(h/4)) of the links (Frobenius, max over links) must
 *     be within +-0.3 of the stepper's order (ode_stepper_type_t.order:
 *     rk2 3, rk4 4, rkf45 5, rkck 5, rk8pd 8, rk4classic 4).  The extra
 *     components' error, a time integral in which local errors partly
 *     cancel, must decrease at least at that order: the observed order over
 *     both halvings, log2(err(h)/err(h/4))/2, >= p - 0.3 (single halvings
 *     showed between p - 1.4 and p + 3).
 * (7) Adaptive mode, eps_abs = 1e-6 and 1e-9 (eps_rel = 0): the global error
 *     of links and extras against the reference is below 20 eps_abs (a
 *     local-error controller bounds the global error only up to the error
 *     growth of the flow; 20 is the measured margin with a factor >= 3 to
 *     spare, see doc/ode.md), and the reference itself agrees with an
 *     eps_abs = 1e-13 run to 1e-12.
 * (6) N = 2, 3; n = 1, 7.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include "check.h"
#include "ode_testlib.h"

#define T0 0.2
#define T1 1.2
#define M_EXTRA 3

static int verbose(void)
{
  const char *v = getenv("CHECK_VERBOSE");
  return v && v[0] == '1';
}

static void run_case(int N, size_t n, trng_t *g)
{
  const size_t nn = (size_t)N * N;
  tfield_t f;
  cplx_t *u0 = malloc(n * nn * sizeof(cplx_t)), *uref = malloc(n * nn * sizeof(cplx_t));
  cplx_t *u = malloc(n * nn * sizeof(cplx_t));
  double eref[M_EXTRA], e[M_EXTRA];
  const double e0[M_EXTRA] = {0.0, 0.0, 0.0};
  ode_workspace_t *wr = ode_workspace_alloc(n, N, M_EXTRA, "rk8pd");
  ode_adaptive_t pref = {1e-14, 0.0, 0.0, 0};
  ode_stats_t stats;
  int s;

  tfield_init(&f, 1, N, n, M_EXTRA, g, 1.0);
  trandom_links(g, N, n, u0);

  /* reference, and its own check at 1e-13 */
  memcpy(uref, u0, n * nn * sizeof(cplx_t));
  memcpy(eref, e0, sizeof eref);
  s = ode_integrate_adaptive(wr, T0, T1, &pref, uref, eref, tfield_fn, &f, &stats);
  check_int(s, EMF_SUCCESS, "N=%d n=%zu reference: status", N, n);
  {
    ode_adaptive_t p13 = {1e-13, 0.0, 0.0, 0};
    memcpy(u, u0, n * nn * sizeof(cplx_t));
    memcpy(e, e0, sizeof e);
    s = ode_integrate_adaptive(wr, T0, T1, &p13, u, e, tfield_fn, &f, &stats);
    check_abs(tdist(N, n, u, uref), 0.0, 1e-12, "N=%d n=%zu reference vs 1e-13 run",
              N, n);
    check_abs(tmaxabs(M_EXTRA, e, eref), 0.0, 1e-12,
              "N=%d n=%zu reference vs 1e-13 run: extras", N, n);
  }

  for (int i = 0; ode_stepper_at(i) != NULL; i++) {
    const ode_stepper_type_t *st = ode_stepper_at(i);
    ode_workspace_t *w = ode_workspace_alloc(n, N, M_EXTRA, st->name);
    long n0 = st->order >= 8 ? 2 : st->order >= 5 ? 10 : st->is_gsl ? 8 : 16;
    double err[3], erre[3], pu, pe;

    if (st->order == 3) n0 = 16;
    for (int k = 0; k < 3; k++) {
      memcpy(u, u0, n * nn * sizeof(cplx_t));
      memcpy(e, e0, sizeof e);
      s = ode_integrate_fixed(w, T0, T1, n0 << k, u, e, tfield_fn, &f, &stats);
      check_int(s, EMF_SUCCESS, "%s N=%d n=%zu fixed %ld: status", st->name, N, n,
                n0 << k);
      err[k] = tdist(N, n, u, uref);
      erre[k] = tmaxabs(M_EXTRA, e, eref);
    }
    pu = log2(err[1] / err[2]);
    pe = 0.5 * log2(erre[0] / erre[2]);
    if (verbose())
      printf("# %-10s N=%d n=%zu steps %ld,%ld,%ld: err U %.3e %.3e %.3e (p %.2f %.2f)"
             "  extra %.3e %.3e %.3e (p %.2f %.2f)\n",
             st->name, N, n, n0, 2 * n0, 4 * n0, err[0], err[1], err[2],
             log2(err[0] / err[1]), pu, erre[0], erre[1], erre[2],
             log2(erre[0] / erre[1]), log2(erre[1] / erre[2]));
    check_abs(pu, st->order, 0.3, "%s N=%d n=%zu: order of U error (%.2e -> %.2e)",
              st->name, N, n, err[1], err[2]);
    check_true(pe >= st->order - 0.3,
               "%s N=%d n=%zu: order of extra error >= %d - 0.3 (%.2e -> %.2e: %.2f)",
               st->name, N, n, st->order, erre[1], erre[2], pe);
    check_true(err[2] > 2e-14, "%s N=%d n=%zu: errors above rounding (%.2e)",
               st->name, N, n, err[2]);

    if (st->adaptive) {
      const double epss[2] = {1e-6, 1e-9};
      for (int k = 0; k < 2; k++) {
        ode_adaptive_t par = {epss[k], 0.0, 0.0, 0};
        double du, de;
        memcpy(u, u0, n * nn * sizeof(cplx_t));
        memcpy(e, e0, sizeof e);
        s = ode_integrate_adaptive(w, T0, T1, &par, u, e, tfield_fn, &f, &stats);
        check_int(s, EMF_SUCCESS, "%s N=%d n=%zu adaptive %g: status", st->name, N,
                  n, epss[k]);
        du = tdist(N, n, u, uref);
        de = tmaxabs(M_EXTRA, e, eref);
        if (verbose())
          printf("# %-10s N=%d n=%zu eps %.0e: err U %.3e extra %.3e (/eps %.2f %.2f)"
                 "  steps %ld rejected %ld evals %ld\n",
                 st->name, N, n, epss[k], du, de, du / epss[k], de / epss[k],
                 stats.n_steps, stats.n_rejected, stats.n_eval);
        check_abs(du, 0.0, 20.0 * epss[k], "%s N=%d n=%zu adaptive eps %g: U error",
                  st->name, N, n, epss[k]);
        check_abs(de, 0.0, 20.0 * epss[k],
                  "%s N=%d n=%zu adaptive eps %g: extra error", st->name, N, n,
                  epss[k]);
        check_true(stats.n_steps >= 2, "%s N=%d n=%zu adaptive eps %g: %ld steps",
                   st->name, N, n, epss[k], stats.n_steps);
      }
    }
    ode_workspace_free(w);
  }
  ode_workspace_free(wr);
  tfield_free(&f);
  free(u0);
  free(uref);
  free(u);
}

int main(void)
{
  trng_t g = {777};
  run_case(2, 1, &g);
  run_case(3, 1, &g);
  run_case(2, 7, &g);
  run_case(3, 7, &g);
  return check_finish("ode/test_order");
}
