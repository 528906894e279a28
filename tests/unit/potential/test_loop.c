/*******************************************************************************
 * test_loop.c: the loop level of the potential engine against finite
 * differences along all N^2-1 generators (N = 2, 3, 4; K = 1, 2, 3; Haar
 * random matrices, fixed seeds).
 *
 * With W_s = exp(s T_a) W and 4th-order central stencils (eps = 1e-3,
 * truncation ~eps^4, rounding ~1e-13/eps^2 for the second derivative):
 *   G_jk  vs  sum_a D_a f_j D_a f_k,   h_j vs sum_a D_a^2 f_j,
 *   x_a   vs  D_a F(f(W)) (quadratic F, random a, B, e, t),
 *   L     vs  sum_a D_a^2 F(f(W)),
 *   wbar_a vs D_a J, J = Fbar F + xbar.x + Lbar L (VJP),
 *   dJ/da (the quadratic F's parameters, through the F interface),
 * each to relative 1e-6 with an absolute floor of 1e-8 times the largest
 * entry of the compared quantity.  Also: Wilson gradient in closed form
 * (beta/(2N)) to_alg(W), batch results bit-identical to single-matrix
 * results, and the error returns.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "potential.h"
#include "rng.h"
#include "sun.h"
#include "check.h"
#include "testutil.h"

#define EPS 1e-3
#define RTOL 1e-6
#define FLOOR 1e-8

static rng_stream_t rs;

static void test_metric(int n, int K, const cplx_t *w)
{
  const int m = 2 * K, ngen = n * n - 1, nn = n * n;
  cplx_t pw[POT_KMAX * EMF_NMAX * EMF_NMAX], tau[2 * POT_KMAX + 1];
  cplx_t ws[EMF_NMAX * EMF_NMAX];
  double G[POT_MMAX * POT_MMAX], h[POT_MMAX], Gfd[POT_MMAX * POT_MMAX] = {0};
  double hfd[POT_MMAX] = {0}, fv[5][POT_MMAX], df[EMF_NMAX * EMF_NMAX][POT_MMAX];
  pot_traces(sun_type_get(n), K, w, pw, tau);
  /* tau_k against direct powers */
  {
    cplx_t p[EMF_NMAX * EMF_NMAX], tmp[EMF_NMAX * EMF_NMAX];
    sun_copy(n, p, w);
    for (int k = 1; k <= 2 * K; k++) {
      check_rel(creal(tau[k]), creal(sun_trace(n, p)), 1e-13, 1e-13, "N=%d K=%d Re tau_%d", n, K, k);
      check_rel(cimag(tau[k]), cimag(sun_trace(n, p)), 1e-13, 1e-13, "N=%d K=%d Im tau_%d", n, K, k);
      sun_mul(n, tmp, p, w);
      sun_copy(n, p, tmp);
    }
  }
  pot_metric(n, K, tau, G, h);
  for (int a = 0; a < ngen; a++) {
    for (int s = 0; s < 5; s++) {
      cplx_t ptmp[POT_KMAX * EMF_NMAX * EMF_NMAX], ttmp[2 * POT_KMAX + 1];
      tu_shift(n, ws, a, (s - 2) * EPS, w);
      pot_traces(sun_type_get(n), K, ws, ptmp, ttmp);
      pot_features(K, ttmp, fv[s]);
    }
    for (int j = 0; j < m; j++) {
      double v[5];
      for (int s = 0; s < 5; s++) v[s] = fv[s][j];
      df[a][j] = tu_fd1(v, EPS);
      hfd[j] += tu_fd2(v, EPS);
    }
  }
  (void)nn;
  for (int j = 0; j < m; j++)
    for (int k = 0; k < m; k++)
      for (int a = 0; a < ngen; a++) Gfd[j * m + k] += df[a][j] * df[a][k];
  double sG = tu_maxabs(Gfd, m * m), sh = tu_maxabs(hfd, m);
  for (int j = 0; j < m; j++) {
    for (int k = 0; k < m; k++)
      check_rel(G[j * m + k], Gfd[j * m + k], RTOL, FLOOR * sG, "N=%d K=%d G[%d][%d] vs FD", n, K, j, k);
    check_rel(h[j], hfd[j], RTOL, FLOOR * sh, "N=%d K=%d h[%d] vs FD", n, K, j);
  }
}

/* J = Fbar F + xbar.x + Lbar L at w (forward with L) */
static double objective(pot_loop_ws_t *ws, const pot_func_t *F, double t,
                        const cplx_t *w, double Fbar, const double *xbar,
                        double Lbar, double *Fo, double *Lo, double *x)
{
  double xl[EMF_NMAX * EMF_NMAX];
  int m = ws->m;
  pot_loop_forward(ws, F, 0, t, 1, w, 1);
  pot_loop_gradient(ws, 1, xl);
  if (Fo) *Fo = ws->out[0];
  if (Lo) *Lo = ws->out[m + 1];
  if (x) memcpy(x, xl, (size_t)ws->ngen * sizeof(double));
  double J = Fbar * ws->out[0] + Lbar * ws->out[m + 1];
  for (int a = 0; a < ws->ngen; a++) J += xbar[a] * xl[a];
  return J;
}

static void test_grad_lap_vjp(int n, int K, const cplx_t *w)
{
  const int ngen = n * n - 1;
  pot_quad_t q;
  pot_func_t F;
  pot_loop_ws_t *ws = pot_loop_ws_alloc(n, K, 4);
  double x[EMF_NMAX * EMF_NMAX], xfd[EMF_NMAX * EMF_NMAX], Lfd = 0, L;
  double xbar[EMF_NMAX * EMF_NMAX], wbar[EMF_NMAX * EMF_NMAX], wfd[EMF_NMAX * EMF_NMAX];
  double Fbar = rng_gaussian(&rs), Lbar = rng_gaussian(&rs), t = 0.3;
  cplx_t wsft[EMF_NMAX * EMF_NMAX];
  tu_random_quad(&q, K, &rs, 1.0, 1.0, 0.5);
  pot_func_quad(&F, &q);
  for (int a = 0; a < ngen; a++) xbar[a] = rng_gaussian(&rs);

  double da[POT_MMAX] = {0};
  q.da = da;
  pot_loop_forward(ws, &F, 0, t, 1, w, 1);
  pot_loop_gradient(ws, 1, x);
  L = ws->out[2 * K + 1];
  check_int(pot_loop_backward(ws, &F, 0, t, 1, &Fbar, xbar, &Lbar, wbar, 1), EMF_SUCCESS,
            "N=%d K=%d backward status", n, K);
  q.da = NULL;
  /* parameter gradient dJ/da through the F interface */
  for (int j = 0; j < 2 * K; j++) {
    double vJ[5], a0 = q.a[j];
    for (int s = 0; s < 5; s++) {
      q.a[j] = a0 + (s - 2) * EPS;
      vJ[s] = objective(ws, &F, t, w, Fbar, xbar, Lbar, NULL, NULL, NULL);
    }
    q.a[j] = a0;
    check_rel(da[j], tu_fd1(vJ, EPS), RTOL, FLOOR * fmax(1.0, fabs(tu_fd1(vJ, EPS))), "N=%d K=%d dJ/da_%d vs FD", n, K, j);
  }
  /* params = 0 leaves the parameter gradient alone */
  q.da = da;
  for (int j = 0; j < 2 * K; j++) da[j] = 0;
  pot_loop_forward(ws, &F, 0, t, 1, w, 1);
  pot_loop_backward(ws, &F, 0, t, 1, &Fbar, xbar, &Lbar, wbar, 0);
  check_true(tu_maxabs(da, 2 * K) == 0.0, "N=%d K=%d params=0 leaves da", n, K);
  q.da = NULL;
  pot_loop_forward(ws, &F, 0, t, 1, w, 1);
  pot_loop_backward(ws, &F, 0, t, 1, &Fbar, xbar, &Lbar, wbar, 1);
  for (int a = 0; a < ngen; a++) {
    double vF[5], vJ[5];
    for (int s = 0; s < 5; s++) {
      tu_shift(n, wsft, a, (s - 2) * EPS, w);
      vJ[s] = objective(ws, &F, t, wsft, Fbar, xbar, Lbar, &vF[s], NULL, NULL);
    }
    xfd[a] = tu_fd1(vF, EPS);
    Lfd += tu_fd2(vF, EPS);
    wfd[a] = tu_fd1(vJ, EPS);
  }
  double sx = tu_maxabs(xfd, ngen), sw = tu_maxabs(wfd, ngen);
  for (int a = 0; a < ngen; a++) {
    check_rel(x[a], xfd[a], RTOL, FLOOR * sx, "N=%d K=%d gradient x_%d vs FD", n, K, a);
    check_rel(wbar[a], wfd[a], RTOL, FLOOR * sw, "N=%d K=%d VJP wbar_%d vs FD", n, K, a);
  }
  check_rel(L, Lfd, RTOL, FLOOR * fmax(1.0, fabs(Lfd)), "N=%d K=%d Laplacian vs FD", n, K);

  /* each cotangent alone (catches cancellations between terms) */
  for (int which = 0; which < 3; which++) {
    double zero[EMF_NMAX * EMF_NMAX] = {0};
    double Fb = which == 0 ? 1.0 : 0.0, Lb = which == 2 ? 1.0 : 0.0;
    const double *xb = which == 1 ? xbar : zero;
    pot_loop_forward(ws, &F, 0, t, 1, w, 1);
    pot_loop_backward(ws, &F, 0, t, 1, which == 0 ? &Fb : NULL,
                      which == 1 ? xbar : NULL, which == 2 ? &Lb : NULL, wbar, 1);
    for (int a = 0; a < ngen; a++) {
      double vJ[5];
      for (int s = 0; s < 5; s++) {
        tu_shift(n, wsft, a, (s - 2) * EPS, w);
        vJ[s] = objective(ws, &F, t, wsft, Fb, xb, Lb, NULL, NULL, NULL);
      }
      wfd[a] = tu_fd1(vJ, EPS);
    }
    sw = tu_maxabs(wfd, ngen);
    for (int a = 0; a < ngen; a++)
      check_rel(wbar[a], wfd[a], RTOL, FLOOR * fmax(sw, 1e-3), "N=%d K=%d VJP part %d wbar_%d", n, K, which, a);
  }
  pot_loop_ws_free(ws);
}

static void test_wilson_and_batch(int n)
{
  const int ngen = n * n - 1, nn = n * n, nb = 3;
  pot_quad_t q;
  pot_func_t F;
  cplx_t w[3 * EMF_NMAX * EMF_NMAX];
  double x[3 * EMF_NMAX * EMF_NMAX], x1[EMF_NMAX * EMF_NMAX], ref[EMF_NMAX * EMF_NMAX];
  double beta = 2.7, out1[4];
  pot_loop_ws_t *ws = pot_loop_ws_alloc(n, 1, nb);
  pot_func_wilson(&F, &q, beta, n);
  for (int b = 0; b < nb; b++) rng_haar_sun(&rs, n, w + b * nn);
  check_int(pot_loop_forward(ws, &F, 0, 0.0, nb, w, 1), EMF_SUCCESS, "N=%d Wilson forward", n);
  pot_loop_gradient(ws, nb, x);
  for (int b = 0; b < nb; b++) {
    sun_to_alg(n, ref, w + b * nn);
    for (int a = 0; a < ngen; a++)
      check_rel(x[b * ngen + a], beta / (2.0 * n) * ref[a], 1e-13, 1e-14, "N=%d Wilson grad b=%d a=%d", n, b, a);
    check_rel(ws->out[b * 4], -beta / n * creal(sun_trace(n, w + b * nn)), 1e-14, 1e-14,
              "N=%d Wilson value b=%d", n, b);
    /* L = g.h = -(beta/N) Re Delta tau_1 = (beta/N) C_F Re tau_1 */
    check_rel(ws->out[b * 4 + 3], beta / n * (n * n - 1.0) / (2.0 * n) * creal(sun_trace(n, w + b * nn)),
              1e-13, 1e-14, "N=%d Wilson L b=%d", n, b);
  }
  /* batch vs single: same bits */
  for (int b = 0; b < nb; b++) {
    pot_loop_ws_t *w1 = pot_loop_ws_alloc(n, 1, 1);
    pot_loop_forward(w1, &F, 0, 0.0, 1, w + b * nn, 1);
    pot_loop_gradient(w1, 1, x1);
    memcpy(out1, w1->out, sizeof out1);
    check_bits(x1, x + b * ngen, ngen * sizeof(double), "N=%d batch gradient bits b=%d", n, b);
    check_bits(out1, ws->out + b * 4, sizeof out1, "N=%d batch out bits b=%d", n, b);
    pot_loop_ws_free(w1);
  }
  /* error returns */
  check_int(pot_loop_forward(ws, &F, 0, 0.0, nb + 1, w, 0), EMF_EINVAL, "N=%d nb > nb_max", n);
  check_int(pot_loop_forward(ws, &F, 0, 0.0, 0, w, 0), EMF_EINVAL, "N=%d nb = 0", n);
  pot_loop_forward(ws, &F, 0, 0.0, 1, w, 0);
  {
    double Lb = 1.0, wb[EMF_NMAX * EMF_NMAX];
    check_int(pot_loop_backward(ws, &F, 0, 0.0, 1, NULL, NULL, &Lb, wb, 1), EMF_EINVAL,
              "N=%d Lbar without want_L", n);
  }
  pot_loop_ws_free(ws);
  {
    pot_loop_ws_t *w2 = pot_loop_ws_alloc(n, 2, 1);
    check_int(pot_loop_forward(w2, &F, 0, 0.0, 1, w, 0), EMF_EINVAL, "N=%d K mismatch", n);
    pot_loop_ws_free(w2);
  }
  check_true(pot_loop_ws_alloc(n, 0, 1) == NULL, "N=%d K=0 refused", n);
  check_true(pot_loop_ws_alloc(n, POT_KMAX + 1, 1) == NULL, "N=%d K>KMAX refused", n);
  check_true(pot_loop_ws_alloc(1, 1, 1) == NULL, "N=1 refused");
}

int main(void)
{
  rng_stream_init(&rs, 20261128, RNG_TEST, 3, 0);
  for (int n = 2; n <= 4; n++) {
    for (int K = 1; K <= 3; K++) {
      for (int r = 0; r < 2; r++) {
        cplx_t w[EMF_NMAX * EMF_NMAX];
        rng_haar_sun(&rs, n, w);
        test_metric(n, K, w);
        test_grad_lap_vjp(n, K, w);
      }
    }
    test_wilson_and_batch(n);
  }
  return check_finish("test_loop");
}
