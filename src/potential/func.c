/*******************************************************************************
 * func.c: closed-form functions F of the features (pot_func_t instances).
 *
 * int pot_func_quad(pot_func_t *F, pot_quad_t *q)
 *   Points F at the quadratic F(f, t) = a.f + (1/2) f.B.f + t e.f of q (B is
 *   used as given; callers keep it symmetric).  Then
 *     g = a + B f + t e,  L = sum_jk B_jk G_jk + g.h,
 *   and the backward accumulates, for cotangents (Fb, gb, Lb),
 *     df += Fb g + B^T gb + Lb B^T h,  dG += Lb B,  dh += Lb g,
 *   and, when params != 0 and q->da != NULL, da += Fb f + gb + Lb h.
 *   q must outlive F.  EMF_EINVAL if q->K is outside 1..POT_KMAX.
 *
 * int pot_func_wilson(pot_func_t *F, pot_quad_t *q, double beta, int n)
 *   Sets q to the Wilson plaquette term F = -(beta/n) Re tau_1 (K = 1) and
 *   points F at it.  EMF_EINVAL if n < 2.
 *
 * Context: local, no allocation; the F is re-entrant (q is only read).
 ******************************************************************************/
#include <string.h>
#include "potential.h"

static int quad_forward(void *ctx, double *out, int shape, double t, int nb,
                        const double *f, const double *G, const double *h)
{
  const pot_quad_t *q = ctx;
  const int m = 2 * q->K;
  for (int b = 0; b < nb; b++) {
    const double *fb = f + (size_t)b * m;
    double *o = out + (size_t)b * (m + 2);
    double F = 0.0, L = 0.0;
    for (int j = 0; j < m; j++) {
      double bf = 0.0;
      for (int k = 0; k < m; k++) bf += q->B[j * m + k] * fb[k];
      o[1 + j] = q->a[j] + bf + t * q->e[j];
      F += (q->a[j] + 0.5 * bf + t * q->e[j]) * fb[j];
    }
    if (G != NULL) {
      const double *Gb = G + (size_t)b * m * m, *hb = h + (size_t)b * m;
      for (int j = 0; j < m * m; j++) L += q->B[j] * Gb[j];
      for (int j = 0; j < m; j++) L += o[1 + j] * hb[j];
    }
    o[0] = F;
    o[m + 1] = L;
  }
  return EMF_SUCCESS;
}

static int quad_backward(void *ctx, double *df, double *dG, double *dh,
                         int shape, double t, int nb, const double *dout,
                         const double *f, const double *G, const double *h,
                         int params)
{
  const pot_quad_t *q = ctx;
  const int m = 2 * q->K;
  for (int b = 0; b < nb; b++) {
    const double *fb = f + (size_t)b * m, *d = dout + (size_t)b * (m + 2);
    const double Fb = d[0], *gb = d + 1, Lb = d[m + 1];
    double g[POT_MMAX];
    double *dfb = df + (size_t)b * m;
    for (int j = 0; j < m; j++) {
      g[j] = q->a[j] + t * q->e[j];
      for (int k = 0; k < m; k++) g[j] += q->B[j * m + k] * fb[k];
    }
    for (int j = 0; j < m; j++) {
      double s = Fb * g[j];
      for (int k = 0; k < m; k++) s += q->B[k * m + j] * gb[k];
      if (h != NULL)
        for (int k = 0; k < m; k++) s += Lb * q->B[k * m + j] * h[(size_t)b * m + k];
      dfb[j] += s;
    }
    if (dG != NULL)
      for (int j = 0; j < m * m; j++) dG[(size_t)b * m * m + j] += Lb * q->B[j];
    if (dh != NULL)
      for (int j = 0; j < m; j++) dh[(size_t)b * m + j] += Lb * g[j];
    if (params && q->da != NULL)
      for (int j = 0; j < m; j++)
        q->da[j] += Fb * fb[j] + gb[j] + (h != NULL ? Lb * h[(size_t)b * m + j] : 0.0);
  }
  return EMF_SUCCESS;
}

int pot_func_quad(pot_func_t *F, pot_quad_t *q)
{
  if (q->K < 1 || q->K > POT_KMAX) return EMF_EINVAL;
  F->name = "quadratic";
  F->K = q->K;
  F->ctx = q;
  F->forward = quad_forward;
  F->backward = quad_backward;
  return EMF_SUCCESS;
}

int pot_func_wilson(pot_func_t *F, pot_quad_t *q, double beta, int n)
{
  if (n < 2) return EMF_EINVAL;
  memset(q, 0, sizeof *q);
  q->K = 1;
  q->a[0] = -beta / n;
  pot_func_quad(F, q);
  F->name = "wilson";
  return EMF_SUCCESS;
}
