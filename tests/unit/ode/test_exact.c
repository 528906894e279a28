/*******************************************************************************
 * test_exact.c: RKMK against exact solutions, for every stepper.
 *
 * (1) Constant field X_i = c_i: U_i(t1) = exp((t1 - t0) c_i) U_i(t0) for
 *     every stepper, fixed and adaptive mode, forward and backward, to 1e-12
 *     (Frobenius norm, max over links).  RKMK is exact here up to rounding:
 *     every stage has Y parallel to X, so dexp^{-1}_Y X = X.
 * (4) Extra components: r_0 = sum_i Re tr U_i / N (integral by Romberg over
 *     the exact solution), r_1 = cos t (sin t1 - sin t0), r_2 = |X|^2
 *     (constant): to 1e-11 absolute in fixed mode with 200 steps for the
 *     order >= 4 steppers (rk2: 2e-8, its order-3 error) and to 1e-9 in
 *     adaptive mode with eps_abs = 1e-12.
 * (5) Unitarity: the nonlinear field over 1000 fixed steps (and an adaptive
 *     run): every link shown to the field at every stage, and the final
 *     links, have sun_unitarity_error < 1e-13.
 * (6) N = 2, 3 and n = 1, 7 matrices throughout.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include "check.h"
#include "ode_testlib.h"

static void exact_const(const tfield_t *f, double T, const cplx_t *u0,
                        cplx_t *uex)
{
  const int N = f->N, nn = N * N, ngen = N * N - 1;
  double y[EMF_NMAX * EMF_NMAX];
  cplx_t e[EMF_NMAX * EMF_NMAX];
  for (size_t i = 0; i < f->n; i++) {
    for (int a = 0; a < ngen; a++) y[a] = T * f->c[i * (size_t)ngen + a];
    sun_exp_alg(N, e, y);
    sun_mul(N, uex + i * (size_t)nn, e, u0 + i * (size_t)nn);
  }
}

static double r0_at(const tfield_t *f, double s, const cplx_t *u0)
{
  const int N = f->N, nn = N * N, ngen = N * N - 1;
  double y[EMF_NMAX * EMF_NMAX], sum = 0.0;
  cplx_t e[EMF_NMAX * EMF_NMAX], v[EMF_NMAX * EMF_NMAX];
  for (size_t i = 0; i < f->n; i++) {
    for (int a = 0; a < ngen; a++) y[a] = s * f->c[i * (size_t)ngen + a];
    sun_exp_alg(N, e, y);
    sun_mul(N, v, e, u0 + i * (size_t)nn);
    sum += creal(sun_trace(N, v)) / N;
  }
  return sum;
}

/* Romberg integration of r0 over s in [0, T] */
static double r0_integral(const tfield_t *f, double T, const cplx_t *u0)
{
  double R[16][16];
  long n = 1;
  R[0][0] = 0.5 * T * (r0_at(f, 0.0, u0) + r0_at(f, T, u0));
  for (int k = 1; k < 16; k++) {
    double h = T / (double)(2 * n), s = 0.0;
    for (long j = 0; j < n; j++) s += r0_at(f, (2 * j + 1) * h, u0);
    R[k][0] = 0.5 * R[k - 1][0] + h * s;
    for (int j = 1; j <= k; j++)
      R[k][j] = R[k][j - 1] + (R[k][j - 1] - R[k - 1][j - 1]) / (pow(4.0, j) - 1.0);
    n *= 2;
    if (k >= 5 && fabs(R[k][k] - R[k - 1][k - 1]) < 1e-15 * (1.0 + fabs(R[k][k])))
      return R[k][k];
  }
  return R[15][15];
}

static void test_constant(const ode_stepper_type_t *st, int N, size_t n,
                          trng_t *g)
{
  const size_t m = 3, nn = (size_t)N * N, ngen = nn - 1;
  const double t0 = 0.3, t1 = 1.3, T = t1 - t0;
  ode_workspace_t *w = ode_workspace_alloc(n, N, m, st->name);
  cplx_t *u0 = malloc(n * nn * sizeof(cplx_t)), *u = malloc(n * nn * sizeof(cplx_t));
  cplx_t *uex = malloc(n * nn * sizeof(cplx_t));
  double e0[3] = {0.25, -1.0, 2.0}, e[3], eex[3], c2 = 0.0;
  ode_stats_t stats;
  tfield_t f;
  int s;

  tfield_init(&f, 0, N, n, m, g, 1.0);
  trandom_links(g, N, n, u0);
  exact_const(&f, T, u0, uex);
  for (size_t i = 0; i < n * ngen; i++) c2 += f.c[i] * f.c[i];
  eex[0] = e0[0] + r0_integral(&f, T, u0);
  eex[1] = e0[1] + sin(t1) - sin(t0);
  eex[2] = e0[2] + c2 * T;
  check_true(w != NULL, "%s N=%d n=%zu: workspace", st->name, N, n);
  if (w == NULL) goto done;

  /* fixed steps, forward */
  memcpy(u, u0, n * nn * sizeof(cplx_t));
  memcpy(e, e0, sizeof e);
  s = ode_integrate_fixed(w, t0, t1, 200, u, e, tfield_fn, &f, &stats);
  check_int(s, EMF_SUCCESS, "%s N=%d n=%zu fixed: status", st->name, N, n);
  check_int(stats.n_steps, 200, "%s N=%d n=%zu fixed: steps", st->name, N, n);
  check_int(stats.n_eval, 200L * st->n_eval, "%s N=%d n=%zu fixed: evaluations",
            st->name, N, n);
  check_abs(tdist(N, n, u, uex), 0.0, 1e-12, "%s N=%d n=%zu fixed: U(t1) exact",
            st->name, N, n);
  check_abs(tunit(N, n, u), 0.0, 1e-13, "%s N=%d n=%zu fixed: unitarity",
            st->name, N, n);
  {
    double tol = st->order >= 4 ? 1e-11 : 2e-8;
    check_abs(e[0] - eex[0], 0.0, tol, "%s N=%d n=%zu fixed: int Re tr U",
              st->name, N, n);
    check_abs(e[1] - eex[1], 0.0, tol, "%s N=%d n=%zu fixed: int cos t",
              st->name, N, n);
    check_rel(e[2], eex[2], 1e-13, 1e-13, "%s N=%d n=%zu fixed: int |X|^2",
              st->name, N, n);
  }
  /* fixed steps, backward: exact inverse */
  s = ode_integrate_fixed(w, t1, t0, 137, u, e, tfield_fn, &f, &stats);
  check_int(s, EMF_SUCCESS, "%s N=%d n=%zu fixed back: status", st->name, N, n);
  check_abs(tdist(N, n, u, u0), 0.0, 1e-12, "%s N=%d n=%zu fixed back: U(t0)",
            st->name, N, n);
  check_abs(e[2] - e0[2], 0.0, 1e-12, "%s N=%d n=%zu fixed back: extra",
            st->name, N, n);

  if (st->adaptive) {
    ode_adaptive_t par = {1e-12, 0.0, 0.01, 0};
    memcpy(u, u0, n * nn * sizeof(cplx_t));
    memcpy(e, e0, sizeof e);
    s = ode_integrate_adaptive(w, t0, t1, &par, u, e, tfield_fn, &f, &stats);
    check_int(s, EMF_SUCCESS, "%s N=%d n=%zu adaptive: status", st->name, N, n);
    check_abs(tdist(N, n, u, uex), 0.0, 1e-12,
              "%s N=%d n=%zu adaptive: U(t1) exact", st->name, N, n);
    check_abs(tmaxabs(3, e, eex), 0.0, 1e-9, "%s N=%d n=%zu adaptive: extra",
              st->name, N, n);
    check_true(stats.n_steps > 0 && stats.n_eval > stats.n_steps,
               "%s N=%d n=%zu adaptive: %ld steps, %ld rejected, %ld evals",
               st->name, N, n, stats.n_steps, stats.n_rejected, stats.n_eval);
    s = ode_integrate_adaptive(w, t1, t0, &par, u, e, tfield_fn, &f, &stats);
    check_int(s, EMF_SUCCESS, "%s N=%d n=%zu adaptive back: status", st->name, N, n);
    check_abs(tdist(N, n, u, u0), 0.0, 1e-12, "%s N=%d n=%zu adaptive back: U(t0)",
              st->name, N, n);
    check_abs(tmaxabs(3, e, e0), 0.0, 1e-9, "%s N=%d n=%zu adaptive back: extra",
              st->name, N, n);
  }
  check_abs(f.max_unit, 0.0, 1e-13, "%s N=%d n=%zu: unitarity at all stages",
            st->name, N, n);
done:
  ode_workspace_free(w);
  tfield_free(&f);
  free(u0);
  free(u);
  free(uex);
}

static void test_unitarity(const ode_stepper_type_t *st, int N, size_t n,
                           trng_t *g)
{
  const size_t nn = (size_t)N * N;
  ode_workspace_t *w = ode_workspace_alloc(n, N, 1, st->name);
  cplx_t *u = malloc(n * nn * sizeof(cplx_t));
  double e = 0.0;
  ode_stats_t stats;
  tfield_t f;
  int s;

  tfield_init(&f, 1, N, n, 1, g, 1.0);
  trandom_links(g, N, n, u);
  s = ode_integrate_fixed(w, 0.0, 5.0, 1000, u, &e, tfield_fn, &f, &stats);
  check_int(s, EMF_SUCCESS, "%s N=%d n=%zu unitarity run: status", st->name, N, n);
  check_abs(f.max_unit, 0.0, 1e-13,
            "%s N=%d n=%zu: unitarity at every stage of 1000 steps", st->name, N, n);
  check_abs(tunit(N, n, u), 0.0, 1e-13, "%s N=%d n=%zu: unitarity after 1000 steps",
            st->name, N, n);
  if (st->adaptive) {
    ode_adaptive_t par = {1e-10, 1e-10, 0.0, 0};
    f.max_unit = 0.0;
    s = ode_integrate_adaptive(w, 0.0, 20.0, &par, u, &e, tfield_fn, &f, &stats);
    check_int(s, EMF_SUCCESS, "%s N=%d n=%zu unitarity adaptive: status",
              st->name, N, n);
    check_abs(f.max_unit, 0.0, 1e-13,
              "%s N=%d n=%zu: unitarity at every stage, adaptive (%ld steps)",
              st->name, N, n, stats.n_steps);
    check_abs(tunit(N, n, u), 0.0, 1e-13, "%s N=%d n=%zu: unitarity after adaptive",
              st->name, N, n);
  }
  ode_workspace_free(w);
  tfield_free(&f);
  free(u);
}

int main(void)
{
  trng_t g = {12345};
  const int Ns[2] = {2, 3};
  const size_t ns[2] = {1, 7};
  for (int i = 0; ode_stepper_at(i) != NULL; i++)
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 2; b++) {
        test_constant(ode_stepper_at(i), Ns[a], ns[b], &g);
        test_unitarity(ode_stepper_at(i), Ns[a], ns[b], &g);
      }
  return check_finish("ode/test_exact");
}
