/*******************************************************************************
 * loop.c: the loop level of the potential engine (doc/potential.md).
 *
 * void pot_traces(const sun_type_t *su, int K, const cplx_t *w, cplx_t *pw,
 *                 cplx_t *tau)
 *   Powers pw[(k-1) nn] = W^k, k = 1..K (K-1 products), and the power sums
 *   tau[k] = tr W^k for k = 0..2K (tau_0 = N; tau_{K+j} = tr(W^K W^j)).
 *
 * void pot_features(int K, const cplx_t *tau, double *f)
 *   f = (Re tau_1..Re tau_K, Im tau_1..Im tau_K).
 *
 * void pot_metric(int n, int K, const cplx_t *tau, double *G, double *h)
 *   The metric G_jk = sum_a D_a f_j D_a f_k (2K x 2K, row-major) and
 *   h_j = Delta f_j from the closed forms in the power sums
 *     A_jk = -(jk/2)(tau_{j+k} - tau_j tau_k / N),
 *     B_jk =  (jk/2)(tau_{j-k} - tau_j conj(tau_k) / N),
 *     Delta tau_k = (-kN/2 + k^2/(2N)) tau_k - (k/2) sum_{p=1}^{k-1} tau_p tau_{k-p},
 *   G(Re j, Re k) = (Re A + Re B)/2,  G(Im j, Im k) = (Re B - Re A)/2,
 *   G(Re j, Im k) = (Im A - Im B)/2,  G(Im j, Re k) = (Im A + Im B)/2.
 *
 * pot_loop_ws_t *pot_loop_ws_alloc(int n, int K, int nb_max)
 * void pot_loop_ws_free(pot_loop_ws_t *ws)
 *   Workspace for batches of up to nb_max matrices (all buffers of
 *   potential.h).  alloc returns NULL for an unsupported n, K outside
 *   1..POT_KMAX, nb_max < 1, or when memory is short.
 *
 * int pot_loop_forward(ws, F, shape, t, nb, w, want_L)
 *   For the nb matrices w: traces, features (and G, h when want_L), then
 *   F->forward, then M = sum_k k c_k W^k, c_k = g_{Re k} - i g_{Im k}.
 *   Returns EMF_SUCCESS, EMF_EINVAL (nb outside 1..nb_max, F->K != K) or the
 *   F's status.
 *
 * void pot_loop_gradient(const pot_loop_ws_t *ws, int nb, double *x)
 *   x_a = Re tr(T_a M) = -(1/2) sun_to_alg(M)_a: the gradient of F(f(W)).
 *
 * int pot_loop_backward(ws, F, shape, t, nb, Fbar, xbar, Lbar, wbar, params)
 *   Vector-Jacobian product of the last forward: wbar_a = D_{T_a} J with
 *   J = Fbar F + sum_a xbar_a x_a + Lbar L, the F's own dependence included
 *   through F->backward (called with `params`: parameter gradients are
 *   accumulated by the F only when params != 0).  With Abar = sum_a xbar_a T_a and s_k = tr(Abar W^k):
 *     gbar_{Re k} = k Re s_k, gbar_{Im k} = k Im s_k   (cotangent of g),
 *     F->backward gives fbar, Gbar, hbar, chained to d_p = 2 dPhi/dtau_p
 *     (Wirtinger) for p = 1..2K, and
 *     wbar = -(1/2) to_alg( sum_p p d_p W^p
 *                           + sum_{p=0}^{K-1} R_p Abar W^p ),
 *     R_p = sum_{q=1}^{K-p} (p+q) c_{p+q} W^q.
 *   Returns EMF_SUCCESS, EMF_EINVAL (nb outside 1..nb_max, Lbar without a
 *   want_L forward) or the F's status.
 *
 * Context: MPI-free, allocation-free after _alloc, not thread-safe per
 * workspace (use one workspace per thread).
 ******************************************************************************/
#include <stdlib.h>
#include <string.h>
#include "potential.h"
#include "util.h"

static cplx_t trace_mul(int n, const cplx_t *a, const cplx_t *b)
{
  cplx_t s = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) s += a[i * n + j] * b[j * n + i];
  return s;
}

void pot_traces(const sun_type_t *su, int K, const cplx_t *w, cplx_t *pw,
                cplx_t *tau)
{
  const int n = su->n, nn = su->nn;
  memcpy(pw, w, (size_t)nn * sizeof *pw);
  for (int k = 2; k <= K; k++) su->mul(pw + (k - 1) * nn, pw + (k - 2) * nn, w);
  tau[0] = n;
  for (int k = 1; k <= K; k++) tau[k] = sun_trace(n, pw + (k - 1) * nn);
  for (int j = 1; j <= K; j++)
    tau[K + j] = trace_mul(n, pw + (K - 1) * nn, pw + (j - 1) * nn);
}

void pot_features(int K, const cplx_t *tau, double *f)
{
  for (int k = 1; k <= K; k++) {
    f[k - 1] = creal(tau[k]);
    f[K + k - 1] = cimag(tau[k]);
  }
}

/* tau_p for any integer |p| <= 2K: tau_{-p} = conj(tau_p). */
static cplx_t tau_at(const cplx_t *tau, int p)
{
  return p >= 0 ? tau[p] : conj(tau[-p]);
}

/* Delta tau_k */
static cplx_t lap_tau(int n, int k, const cplx_t *tau)
{
  cplx_t s = (-0.5 * k * n + 0.5 * k * k / n) * tau[k];
  for (int p = 1; p < k; p++) s -= 0.5 * k * tau[p] * tau[k - p];
  return s;
}

void pot_metric(int n, int K, const cplx_t *tau, double *G, double *h)
{
  const int m = 2 * K;
  for (int j = 1; j <= K; j++) {
    for (int k = 1; k <= K; k++) {
      double jk2 = 0.5 * j * k;
      cplx_t A = -jk2 * (tau[j + k] - tau[j] * tau[k] / n);
      cplx_t B = jk2 * (tau_at(tau, j - k) - tau[j] * conj(tau[k]) / n);
      int rj = j - 1, ij = K + j - 1, rk = k - 1, ik = K + k - 1;
      G[rj * m + rk] = 0.5 * (creal(A) + creal(B));
      G[ij * m + ik] = 0.5 * (creal(B) - creal(A));
      G[rj * m + ik] = 0.5 * (cimag(A) - cimag(B));
      G[ij * m + rk] = 0.5 * (cimag(A) + cimag(B));
    }
    cplx_t d = lap_tau(n, j, tau);
    h[j - 1] = creal(d);
    h[K + j - 1] = cimag(d);
  }
}

pot_loop_ws_t *pot_loop_ws_alloc(int n, int K, int nb_max)
{
  const sun_type_t *su = sun_type_get(n);
  pot_loop_ws_t *ws;
  size_t nb = (size_t)nb_max, m = 2 * (size_t)K, nn = (size_t)n * n;
  if (su == NULL || K < 1 || K > POT_KMAX || nb_max < 1) return NULL;
  ws = calloc(1, sizeof *ws);
  if (ws == NULL) return NULL;
  ws->su = su;
  ws->n = n;
  ws->nn = (int)nn;
  ws->ngen = (int)nn - 1;
  ws->K = K;
  ws->m = (int)m;
  ws->nb_max = nb_max;
  ws->pw = amalloc(nb * K * nn * sizeof(cplx_t));
  ws->tau = amalloc(nb * (2 * K + 1) * sizeof(cplx_t));
  ws->f = amalloc(nb * m * sizeof(double));
  ws->G = amalloc(nb * m * m * sizeof(double));
  ws->h = amalloc(nb * m * sizeof(double));
  ws->out = amalloc(nb * (m + 2) * sizeof(double));
  ws->M = amalloc(nb * nn * sizeof(cplx_t));
  ws->dout = amalloc(nb * (m + 2) * sizeof(double));
  ws->df = amalloc(nb * m * sizeof(double));
  ws->dG = amalloc(nb * m * m * sizeof(double));
  ws->dh = amalloc(nb * m * sizeof(double));
  ws->scr = amalloc((2 * (size_t)K + 4) * nn * sizeof(cplx_t));
  if (!ws->pw || !ws->tau || !ws->f || !ws->G || !ws->h || !ws->out ||
      !ws->M || !ws->dout || !ws->df || !ws->dG || !ws->dh || !ws->scr) {
    pot_loop_ws_free(ws);
    return NULL;
  }
  return ws;
}

void pot_loop_ws_free(pot_loop_ws_t *ws)
{
  if (ws == NULL) return;
  afree(ws->pw);
  afree(ws->tau);
  afree(ws->f);
  afree(ws->G);
  afree(ws->h);
  afree(ws->out);
  afree(ws->M);
  afree(ws->dout);
  afree(ws->df);
  afree(ws->dG);
  afree(ws->dh);
  afree(ws->scr);
  free(ws);
}

int pot_loop_forward(pot_loop_ws_t *ws, const pot_func_t *F, int shape,
                     double t, int nb, const cplx_t *w, int want_L)
{
  const int K = ws->K, m = ws->m, nn = ws->nn;
  int status;
  if (nb < 1 || nb > ws->nb_max || F->K != K) return EMF_EINVAL;
  for (int b = 0; b < nb; b++) {
    cplx_t *tau = ws->tau + (size_t)b * (2 * K + 1);
    pot_traces(ws->su, K, w + (size_t)b * nn, ws->pw + (size_t)b * K * nn, tau);
    pot_features(K, tau, ws->f + (size_t)b * m);
    if (want_L)
      pot_metric(ws->n, K, tau, ws->G + (size_t)b * m * m, ws->h + (size_t)b * m);
  }
  ws->have_L = want_L != 0;
  status = F->forward(F->ctx, ws->out, shape, t, nb, ws->f,
                      want_L ? ws->G : NULL, want_L ? ws->h : NULL);
  if (status != EMF_SUCCESS) return status;
  for (int b = 0; b < nb; b++) {
    const double *g = ws->out + (size_t)b * (m + 2) + 1;
    const cplx_t *pw = ws->pw + (size_t)b * K * nn;
    cplx_t *M = ws->M + (size_t)b * nn;
    for (int i = 0; i < nn; i++) M[i] = 0;
    for (int k = 1; k <= K; k++)
      sun_axpy(ws->n, M, k * CMPLX(g[k - 1], -g[K + k - 1]), pw + (k - 1) * nn);
  }
  return EMF_SUCCESS;
}

void pot_loop_gradient(const pot_loop_ws_t *ws, int nb, double *x)
{
  for (int b = 0; b < nb; b++) {
    double *xb = x + (size_t)b * ws->ngen;
    ws->su->to_alg(xb, ws->M + (size_t)b * ws->nn);
    for (int a = 0; a < ws->ngen; a++) xb[a] *= -0.5;
  }
}

/* d[p] (p = 1..2K) = 2 dPhi/dtau_p for Phi = fbar.f + Gbar.G + hbar.h. */
static void chain_tau(int n, int K, const cplx_t *tau, const double *fb,
                      const double *Gb, const double *hb, cplx_t *d)
{
  const int m = 2 * K;
  for (int p = 0; p <= 2 * K; p++) d[p] = 0;
  for (int k = 1; k <= K; k++) d[k] += CMPLX(fb[k - 1], -fb[K + k - 1]);
  if (Gb != NULL) {
    for (int j = 1; j <= K; j++) {
      for (int k = 1; k <= K; k++) {
        int rj = j - 1, ij = K + j - 1, rk = k - 1, ik = K + k - 1;
        double rr = Gb[rj * m + rk], ii = Gb[ij * m + ik];
        double ri = Gb[rj * m + ik], ir = Gb[ij * m + rk];
        cplx_t alpha = CMPLX(0.5 * (rr - ii), 0.5 * (ri + ir));
        cplx_t beta = CMPLX(0.5 * (rr + ii), 0.5 * (ir - ri));
        double jk2 = 0.5 * j * k;
        /* conj(alpha) dA_jk/dtau_p */
        d[j + k] -= conj(alpha) * jk2;
        d[j] += conj(alpha) * jk2 * tau[k] / n;
        d[k] += conj(alpha) * jk2 * tau[j] / n;
        /* conj(beta) dB_jk/dtau_p + beta dconj(B_jk)/dtau_p */
        if (j > k) d[j - k] += conj(beta) * jk2;
        d[j] -= conj(beta) * jk2 * conj(tau[k]) / n;
        if (k > j) d[k - j] += beta * jk2;
        d[k] -= beta * jk2 * conj(tau[j]) / n;
      }
    }
  }
  if (hb != NULL) {
    for (int k = 1; k <= K; k++) {
      cplx_t cg = CMPLX(hb[k - 1], -hb[K + k - 1]);
      d[k] += cg * (-0.5 * k * n + 0.5 * k * k / n);
      for (int p = 1; p < k; p++) d[p] -= cg * k * tau[k - p];
    }
  }
}

int pot_loop_backward(pot_loop_ws_t *ws, const pot_func_t *F, int shape,
                      double t, int nb, const double *Fbar, const double *xbar,
                      const double *Lbar, double *wbar, int params)
{
  const int K = ws->K, m = ws->m, nn = ws->nn, n = ws->n;
  const sun_type_t *su = ws->su;
  cplx_t *abar = ws->scr, *tmp = ws->scr + nn, *tmp2 = ws->scr + 2 * nn;
  cplx_t *acc = ws->scr + 3 * nn, *R = ws->scr + 4 * nn; /* R: K matrices */
  cplx_t d[2 * POT_KMAX + 1], c[POT_KMAX + 1];
  int status;
  if (nb < 1 || nb > ws->nb_max || F->K != K) return EMF_EINVAL;
  if (Lbar != NULL && !ws->have_L) return EMF_EINVAL;

  /* cotangent of out = (F, g, L) */
  for (int b = 0; b < nb; b++) {
    double *dout = ws->dout + (size_t)b * (m + 2);
    const cplx_t *pw = ws->pw + (size_t)b * K * nn;
    dout[0] = Fbar ? Fbar[b] : 0.0;
    dout[m + 1] = Lbar ? Lbar[b] : 0.0;
    for (int k = 1; k <= K; k++) {
      cplx_t s = 0;
      if (xbar != NULL) {
        if (k == 1) su->from_alg(abar, xbar + (size_t)b * ws->ngen);
        s = trace_mul(n, abar, pw + (k - 1) * nn);
      }
      dout[1 + k - 1] = k * creal(s);
      dout[1 + K + k - 1] = k * cimag(s);
    }
  }
  memset(ws->df, 0, (size_t)nb * m * sizeof(double));
  if (ws->have_L) {
    memset(ws->dG, 0, (size_t)nb * m * m * sizeof(double));
    memset(ws->dh, 0, (size_t)nb * m * sizeof(double));
  }
  status = F->backward(F->ctx, ws->df, ws->have_L ? ws->dG : NULL,
                       ws->have_L ? ws->dh : NULL, shape, t, nb, ws->dout,
                       ws->f, ws->have_L ? ws->G : NULL,
                       ws->have_L ? ws->h : NULL, params);
  if (status != EMF_SUCCESS) return status;

  for (int b = 0; b < nb; b++) {
    const cplx_t *tau = ws->tau + (size_t)b * (2 * K + 1);
    const cplx_t *pw = ws->pw + (size_t)b * K * nn;
    const double *g = ws->out + (size_t)b * (m + 2) + 1;
    chain_tau(n, K, tau, ws->df + (size_t)b * m,
              ws->have_L ? ws->dG + (size_t)b * m * m : NULL,
              ws->have_L ? ws->dh + (size_t)b * m : NULL, d);
    /* acc = sum_{p<=K} p d_p W^p + W^K sum_{q=1}^K (K+q) d_{K+q} W^q */
    sun_zero(n, tmp);
    for (int q = 1; q <= K; q++) sun_axpy(n, tmp, (K + q) * d[K + q], pw + (q - 1) * nn);
    su->mul(acc, pw + (K - 1) * nn, tmp);
    for (int p = 1; p <= K; p++) sun_axpy(n, acc, p * d[p], pw + (p - 1) * nn);
    /* explicit dependence of x on W: sum_p R_p Abar W^p */
    if (xbar != NULL) {
      su->from_alg(abar, xbar + (size_t)b * ws->ngen);
      for (int k = 1; k <= K; k++) c[k] = CMPLX(g[k - 1], -g[K + k - 1]);
      for (int p = 0; p < K; p++) {
        cplx_t *Rp = R + p * nn;
        sun_zero(n, Rp);
        for (int q = 1; q <= K - p; q++) sun_axpy(n, Rp, (p + q) * c[p + q], pw + (q - 1) * nn);
        su->mul(tmp, Rp, abar);
        if (p == 0) {
          sun_add(n, acc, tmp);
        } else {
          su->mul(tmp2, tmp, pw + (p - 1) * nn);
          sun_add(n, acc, tmp2);
        }
      }
    }
    double *wb = wbar + (size_t)b * ws->ngen;
    su->to_alg(wb, acc);
    for (int a = 0; a < ws->ngen; a++) wb[a] *= -0.5;
  }
  return EMF_SUCCESS;
}
