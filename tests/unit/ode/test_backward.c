/*******************************************************************************
 * test_backward.c: backpropagation through the hand-written RK4 RKMK step
 * (ode_rkmk_step_backward) against central finite differences.
 *
 * Loss L = sum_i Re tr(B_i U1_i) + sum_j w_j e1_j after one step
 * (U0, e0) -> (U1, e1) of ode_rkmk_step_fixed, with the test field
 * (ode_testlib.h, kinds 1 and 2, m = 3 extras, overall factor lambda) and its
 * hand-written vector-Jacobian product tfield_vjp.  Its gradient
 * a1_i = -to_alg(U1_i B_i)/2, g1 = w is propagated back; then for every
 * link i and generator a, dL/d eta_{i,a} by central differences
 * (U0_i -> exp(+-eps T_a) U0_i, eps = 1e-5), and dL/dlambda likewise, must
 * match: |fd - an| / max(|fd|, |an|, 1e-3 max|a0|) < 1e-6 (measured
 * <= 2.3e-8).  Scaling check: with eps = 2e-3 and 1e-3, where the O(eps^2)
 * truncation error dominates rounding, the largest |fd - an| must shrink by
 * 4 +- 1 (a wrong gradient would leave an eps-independent difference).
 * N = 2, 3; n = 1, 7; h = 0.3 and -0.2.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include "check.h"
#include "ode_testlib.h"

#define M_EXTRA 3

typedef struct {
  int N;
  size_t n;
  const cplx_t *b;     /* [n*N*N] */
  double w[M_EXTRA];
} loss_t;

static double loss(const loss_t *l, const cplx_t *u, const double *e)
{
  double s = 0.0;
  for (size_t i = 0; i < l->n; i++)
    s += sun_retrace_mul(l->N, l->b + i * (size_t)(l->N * l->N),
                         u + i * (size_t)(l->N * l->N));
  for (int j = 0; j < M_EXTRA; j++) s += l->w[j] * e[j];
  return s;
}

static double step_loss(ode_workspace_t *w, tfield_t *f, const loss_t *l,
                        const cplx_t *u0, const double *e0, double t, double h,
                        cplx_t *u, double *e)
{
  memcpy(u, u0, l->n * (size_t)(l->N * l->N) * sizeof(cplx_t));
  memcpy(e, e0, M_EXTRA * sizeof(double));
  ode_rkmk_step_fixed(w, t, h, u, e, tfield_fn, f, NULL);
  return loss(l, u, e);
}

static void run_case(int kind, int N, size_t n, double h, trng_t *g)
{
  const size_t nn = (size_t)N * N, ngen = nn - 1, na = n * ngen;
  const double t = 0.3;
  ode_workspace_t *w = ode_workspace_alloc(n, N, M_EXTRA, "rk4classic");
  ode_stages_t *st = ode_stages_alloc(n, N, M_EXTRA);
  cplx_t *u0 = malloc(n * nn * sizeof(cplx_t)), *u = malloc(n * nn * sizeof(cplx_t));
  cplx_t *up = malloc(n * nn * sizeof(cplx_t)), *b = malloc(n * nn * sizeof(cplx_t));
  double *a1 = malloc(na * sizeof(double)), *a0 = malloc(na * sizeof(double));
  const double e0[M_EXTRA] = {0.3, -0.1, 0.7};
  double e[M_EXTRA], amax = 0.0, worst = 0.0, worst_half = 0.0;
  loss_t l = {N, n, b, {0.7, -1.3, 0.45}};
  tfield_t f;
  int s;

  tfield_init(&f, kind, N, n, M_EXTRA, g, 1.0);
  f.lambda = 0.8;
  trandom_links(g, N, n, u0);
  for (size_t i = 0; i < n * nn; i++) b[i] = trng_gauss(g) + I * trng_gauss(g);

  memcpy(u, u0, n * nn * sizeof(cplx_t));
  memcpy(e, e0, sizeof e);
  s = ode_rkmk_step_fixed(w, t, h, u, e, tfield_fn, &f, st);
  check_int(s, EMF_SUCCESS, "kind %d N=%d n=%zu h=%g: forward", kind, N, n, h);
  for (size_t i = 0; i < n; i++) {
    cplx_t ub[EMF_NMAX * EMF_NMAX];
    sun_mul(N, ub, u + i * nn, b + i * nn);
    sun_to_alg(N, a1 + i * ngen, ub);
    for (size_t a = 0; a < ngen; a++) a1[i * ngen + a] *= -0.5;
  }
  f.dlambda = 0.0;
  s = ode_rkmk_step_backward(w, st, a1, l.w, tfield_vjp, &f, a0);
  check_int(s, EMF_SUCCESS, "kind %d N=%d n=%zu h=%g: backward", kind, N, n, h);
  for (size_t i = 0; i < na; i++) amax = fmax(amax, fabs(a0[i]));

  for (int pass = 0; pass < 3; pass++) {
    const double eps = pass == 0 ? 1e-5 : pass == 1 ? 2e-3 : 1e-3;
    double dmax = 0.0;
    for (size_t i = 0; i < n; i++)
      for (size_t a = 0; a < ngen; a++) {
        double y[EMF_NMAX * EMF_NMAX] = {0}, lp, lm, fd, an, rel;
        cplx_t ex[EMF_NMAX * EMF_NMAX];
        memcpy(up, u0, n * nn * sizeof(cplx_t));
        y[a] = eps;
        sun_exp_alg(N, ex, y);
        sun_mul(N, up + i * nn, ex, u0 + i * nn);
        lp = step_loss(w, &f, &l, up, e0, t, h, u, e);
        y[a] = -eps;
        sun_exp_alg(N, ex, y);
        sun_mul(N, up + i * nn, ex, u0 + i * nn);
        lm = step_loss(w, &f, &l, up, e0, t, h, u, e);
        fd = (lp - lm) / (2.0 * eps);
        an = a0[i * ngen + a];
        rel = fabs(fd - an) / fmax(fmax(fabs(fd), fabs(an)), 1e-3 * amax);
        dmax = fmax(dmax, fabs(fd - an));
        if (pass == 0) {
          worst = fmax(worst, rel);
          check_abs(rel, 0.0, 1e-6, "kind %d N=%d n=%zu h=%g: dL/dU0[%zu][%zu] fd %.10g an %.10g",
                    kind, N, n, h, i, a, fd, an);
        }
      }
    if (pass == 1) worst_half = dmax;
    if (pass == 2)
      check_abs(worst_half / dmax, 4.0, 1.0,
                "kind %d N=%d n=%zu h=%g: FD difference ~ eps^2 (eps 2e-3 -> 1e-3:"
                " %.2e -> %.2e)", kind, N, n, h, worst_half, dmax);
  }
  {
    const double eps = 1e-5, lam = f.lambda;
    double lp, lm, fd, rel;
    f.lambda = lam + eps;
    lp = step_loss(w, &f, &l, u0, e0, t, h, u, e);
    f.lambda = lam - eps;
    lm = step_loss(w, &f, &l, u0, e0, t, h, u, e);
    f.lambda = lam;
    fd = (lp - lm) / (2.0 * eps);
    rel = fabs(fd - f.dlambda) / fmax(fmax(fabs(fd), fabs(f.dlambda)), 1e-8);
    check_abs(rel, 0.0, 1e-6, "kind %d N=%d n=%zu h=%g: dL/dlambda fd %.10g an %.10g",
              kind, N, n, h, fd, f.dlambda);
  }
  if (getenv("CHECK_VERBOSE"))
    printf("# kind %d N=%d n=%zu h=%+.1f: worst relative error %.2e\n", kind, N, n, h,
           worst);
  ode_workspace_free(w);
  ode_stages_free(st);
  tfield_free(&f);
  free(u0);
  free(u);
  free(up);
  free(b);
  free(a1);
  free(a0);
}

int main(void)
{
  trng_t g = {8080};
  for (int kind = 1; kind <= 2; kind++)
    for (int N = 2; N <= 3; N++) {
      run_case(kind, N, 1, 0.3, &g);
      run_case(kind, N, 7, 0.3, &g);
      run_case(kind, N, 7, -0.2, &g);
    }
  return check_finish("ode/test_backward");
}
