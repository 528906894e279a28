/*******************************************************************************
 * test_dir.c: the network's reduced jets along given directions (dir.c).
 *
 * For nine configurations (every activation, depth 1..3, widths 8..64 with
 * and without a multiple of 2 NN_VL, m = 2..8, r = 1..4, so that the fused
 * kernel and the reference path are both exercised), random parameters
 * including biases, random x, h, directions V (m x r, not orthonormal) and
 * M (r x r, not symmetric), batch 37:
 * - against the full jets: nn_forward with G = V M V^T gives g and L; then
 *   F, d_i = g . V_i and L must agree (relative 1e-12, absolute floor 1e-12
 *   times the largest |entry|);
 * - nn_forward_dir (fused where it applies) against nn_forward_dir_ref
 *   (1e-13);
 * - with V = identity (r = m) and M = G, nn_forward_dir_ref equals
 *   nn_forward_eval bitwise (the same kernels, the same order);
 * - each sample of a batch equals that sample evaluated alone, bitwise, in
 *   the fused path (its results do not depend on the batch);
 * - the check can fail: with M replaced by M + 1e-6 (one entry) or one
 *   column of V changed by 1e-6, L resp. d differ by more than 1e-9;
 * - nn_backward after nn_forward_dir is refused; r = 0, r > m, n_batch = 0
 *   return EMF_EINVAL.
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "nn.h"
#include "nn_testutil.h"

enum { NB = 37 };

typedef struct {
  int m, width, depth, n_freq, r;
  const char *act;
} conf_t;

/* max_i |a_i - b_i| / (scale), scale = max(max|b|, tiny) */
static double rel_err(const double *a, const double *b, size_t n)
{
  double e = 0.0, s = fmax(tu_max_abs(b, n), 1e-300);
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(a[i])) return 1e300;
    e = fmax(e, fabs(a[i] - b[i]));
  }
  return e / s;
}

/* out_full (NB, m+2) -> expected reduced output (NB, r+2). */
static void expected(double *ex, const double *full, const double *V, int m, int r)
{
  for (int b = 0; b < NB; b++) {
    const double *o = full + (size_t)b * (m + 2), *Vb = V + (size_t)b * m * r;
    double *e = ex + (size_t)b * (r + 2);
    e[0] = o[0];
    for (int i = 0; i < r; i++) {
      double s = 0.0;
      for (int j = 0; j < m; j++) s += o[1 + j] * Vb[j * r + i];
      e[1 + i] = s;
    }
    e[r + 1] = o[m + 1];
  }
}

static void gram(double *G, const double *V, const double *M, int m, int r)
{
  for (int b = 0; b < NB; b++) {
    const double *Vb = V + (size_t)b * m * r, *Mb = M + (size_t)b * r * r;
    double *Gb = G + (size_t)b * m * m;
    for (int j = 0; j < m; j++)
      for (int k = 0; k < m; k++) {
        double s = 0.0;
        for (int i = 0; i < r; i++)
          for (int l = 0; l < r; l++) s += Vb[j * r + i] * Mb[i * r + l] * Vb[k * r + l];
        Gb[j * m + k] = s;
      }
  }
}

static void run_conf(const conf_t *c, uint64_t *rs)
{
  const int m = c->m, r = c->r, nc = r + 2;
  nn_config_t cfg = {m, c->n_freq, c->width, c->depth, nn_act_lookup(c->act)};
  nn_t net;
  nn_workspace_t *ws;
  double *theta, *x, *h, *V, *M, *G, *full, *ex, *o1, *o2, *one, *Vw;
  double t = 0.37, e1, e2, e3;
  int bits = 1;
  char tag[96];
  snprintf(tag, sizeof tag, "%s m=%d w=%d d=%d r=%d", c->act, m, c->width, c->depth, r);
  if (nn_init(&net, &cfg) != EMF_SUCCESS) {
    check_true(0, "%s: nn_init", tag);
    return;
  }
  ws = nn_workspace_alloc(&net, NB);
  theta = malloc(net.n_params * sizeof *theta);
  x = malloc((size_t)NB * m * sizeof *x);
  h = malloc((size_t)NB * m * sizeof *h);
  V = malloc((size_t)NB * m * m * sizeof *V);
  Vw = malloc((size_t)NB * m * m * sizeof *Vw);
  M = malloc((size_t)NB * m * m * sizeof *M);
  G = malloc((size_t)NB * m * m * sizeof *G);
  full = malloc((size_t)NB * (m + 2) * sizeof *full);
  ex = malloc((size_t)NB * (m + 2) * sizeof *ex);
  o1 = malloc((size_t)NB * (m + 2) * sizeof *o1);
  o2 = malloc((size_t)NB * (m + 2) * sizeof *o2);
  one = malloc((size_t)(m + 2) * sizeof *one);
  tu_fill(theta, net.n_params, rs);
  for (size_t k = 0; k < net.n_params; k++) theta[k] *= 0.7;
  tu_fill(x, (size_t)NB * m, rs);
  tu_fill(h, (size_t)NB * m, rs);
  tu_fill(V, (size_t)NB * m * r, rs);
  tu_fill(M, (size_t)NB * r * r, rs);

  /* against the full jets with G = V M V^T */
  gram(G, V, M, m, r);
  nn_forward(full, ws, &net, theta, x, G, h, t, NB);
  expected(ex, full, V, m, r);
  nn_forward_dir(o1, ws, &net, theta, x, V, M, h, t, NB, r);
  nn_forward_dir_ref(o2, ws, &net, theta, x, V, M, h, t, NB, r);
  e1 = rel_err(o1, ex, (size_t)NB * nc);
  e2 = rel_err(o2, ex, (size_t)NB * nc);
  e3 = rel_err(o1, o2, (size_t)NB * nc);
  check_rel(e1, 0.0, 0.0, 1e-12, "%s: nn_forward_dir vs full jets (err %.2e)", tag, e1);
  check_rel(e2, 0.0, 0.0, 1e-12, "%s: nn_forward_dir_ref vs full jets (err %.2e)", tag, e2);
  check_rel(e3, 0.0, 0.0, 1e-13, "%s: fused vs reference (err %.2e)", tag, e3);

  /* each sample alone gives the same bits (fused path) or to rounding */
  for (int b = 0; b < NB; b += 9) {
    nn_forward_dir(one, ws, &net, theta, x + (size_t)b * m, V + (size_t)b * m * r,
                   M + (size_t)b * r * r, h + (size_t)b * m, t, 1, r);
    bits &= memcmp(one, o1 + (size_t)b * nc, (size_t)nc * sizeof(double)) == 0;
  }
  if (cfg.act == nn_act_tanh || cfg.act == nn_act_silu) {
    if (r <= 3 && c->width % 16 == 0)  /* fused for AVX2 and AVX-512 */
      check_true(bits, "%s: a sample alone gives the same bits", tag);
  }

  /* the check can fail: M or V slightly wrong */
  M[1 % (r * r)] += 1e-6;
  nn_forward_dir(o2, ws, &net, theta, x, V, M, h, t, NB, r);
  M[1 % (r * r)] -= 1e-6;
  e1 = rel_err(o2, ex, (size_t)NB * nc);
  check_true(e1 > 1e-9, "%s: a perturbed M is detected (err %.2e)", tag, e1);
  memcpy(Vw, V, (size_t)NB * m * r * sizeof *V);
  Vw[0] += 1e-6;
  nn_forward_dir(o2, ws, &net, theta, x, Vw, M, h, t, NB, r);
  e1 = rel_err(o2, ex, (size_t)NB * nc);
  check_true(e1 > 1e-9, "%s: a perturbed V is detected (err %.2e)", tag, e1);

  /* V = identity, M = G: the reference path is the full eval, bitwise */
  tu_fill(G, (size_t)NB * m * m, rs);
  memset(V, 0, (size_t)NB * m * m * sizeof *V);
  for (int b = 0; b < NB; b++)
    for (int j = 0; j < m; j++) V[(size_t)b * m * m + j * m + j] = 1.0;
  nn_forward_eval(full, ws, &net, theta, x, G, h, t, NB);
  nn_forward_dir_ref(o2, ws, &net, theta, x, V, G, h, t, NB, m);
  check_bits(o2, full, (size_t)NB * (m + 2) * sizeof(double),
             "%s: V = 1, M = G reference path = nn_forward_eval bitwise", tag);

  /* refusals */
  {
    double dth[1];
    nn_forward_dir(o1, ws, &net, theta, x, V, M, h, t, NB, r);
    check_int(nn_backward(dth, NULL, NULL, NULL, ws, &net, theta, o1, G, NB), EMF_EINVAL,
              "%s: backward after nn_forward_dir refused", tag);
    check_int(nn_forward_dir(o1, ws, &net, theta, x, V, M, h, t, NB, 0), EMF_EINVAL,
              "%s: r = 0 refused", tag);
    check_int(nn_forward_dir(o1, ws, &net, theta, x, V, M, h, t, NB, m + 1), EMF_EINVAL,
              "%s: r > m refused", tag);
    check_int(nn_forward_dir(o1, ws, &net, theta, x, V, M, h, t, 0, r), EMF_EINVAL,
              "%s: n_batch = 0 refused", tag);
  }
  nn_workspace_free(ws);
  free(theta);
  free(x);
  free(h);
  free(V);
  free(Vw);
  free(M);
  free(G);
  free(full);
  free(ex);
  free(o1);
  free(o2);
  free(one);
}

int main(void)
{
  static const conf_t confs[] = {
      {6, 64, 2, 1, 2, "tanh"},    {6, 16, 1, 0, 1, "tanh"},  {4, 8, 3, 2, 3, "tanh"},
      {6, 64, 2, 1, 2, "silu"},    {2, 24, 2, 1, 2, "silu"},  {8, 12, 2, 1, 3, "tanh"},
      {6, 16, 2, 1, 4, "tanh"},    {6, 16, 2, 1, 2, "softplus"},
      {4, 8, 2, 1, 1, "sin"},
  };
  uint64_t rs = 20261128;
  for (size_t i = 0; i < sizeof confs / sizeof confs[0]; i++) run_conf(&confs[i], &rs);
  return check_finish("test_dir");
}
