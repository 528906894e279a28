/*******************************************************************************
 * test_net.c: the whole potential network: input jets and full backward.
 *
 * For four configurations (every activation, depth 1..3, m = 2..6, with and
 * without time frequencies), batch 3, random parameters including biases:
 * - g against central FD of F in x;
 * - L against sum_jk H_jk G_jk + g.h with the Hessian H from central FD of g
 *   (not F twice), G random symmetric;
 * - the full backward (cotangents of F, g and L at once) against central FD
 *   of J = sum_b dF F + dg.g + dL L with respect to every parameter and
 *   every entry of x, G (all m^2 entries) and h;
 *   all with h = 1e-5 max(1, |v|), error |fd-an|/max(|fd|,|an|,floor) < 1e-6,
 *   floor 1e-3 times the largest analytic entry of the block;
 * - batching: a batch equals its samples evaluated one by one (1e-14), also
 *   for a batch of 75 that spans several internal blocks, forward and
 *   backward (dtheta = sum of the one-sample gradients, 1e-13);
 *   nn_forward_eval equals nn_forward bitwise (also on a workspace of
 *   maximum batch 1), and a backward after it or with another n_batch is
 *   refused;
 * - zero last layer: F = g = L = 0 exactly; seeded initialisation
 *   (reproducible, N(0, 1/n_in) within 5 standard errors);
 * - layout: size table sums to n_params, tensors contiguous in storage order;
 * - error returns: bad configurations, oversized batch, zero-size workspace.
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "nn.h"
#include "nn_testutil.h"

enum { NB = 3 };

typedef struct {
  nn_t net;
  nn_workspace_t *ws;
  double *theta, *x, *G, *h, *out, *dout;
  double t;
} fix_t;

static void fix_alloc(fix_t *f, const nn_config_t *cfg, uint64_t *st)
{
  int m = cfg->n_x;
  double *xi;
  nn_params_t p;
  check_int(nn_init(&f->net, cfg), EMF_SUCCESS, "nn_init");
  f->ws = nn_workspace_alloc(&f->net, NB);
  f->theta = malloc(f->net.n_params * sizeof(double));
  xi = malloc(f->net.n_params * sizeof(double));
  tu_fill(xi, f->net.n_params, st);
  nn_init_params(f->theta, &f->net, xi, 1.0);
  nn_point_params(&p, &f->net, f->theta);
  for (int l = 0; l <= cfg->depth; l++)
    for (int o = 0; o < nn_layer_n_out(&f->net, l); o++) p.b[l][o] = 0.3 * tu_rand(st);
  f->x = malloc(NB * m * sizeof(double));
  f->G = malloc(NB * m * m * sizeof(double));
  f->h = malloc(NB * m * sizeof(double));
  f->out = malloc(NB * (m + 2) * sizeof(double));
  f->dout = malloc(NB * (m + 2) * sizeof(double));
  tu_fill(f->x, NB * m, st);
  tu_fill(f->h, NB * m, st);
  tu_fill(f->dout, NB * (m + 2), st);
  for (int b = 0; b < NB; b++)
    for (int j = 0; j < m; j++)
      for (int k = 0; k <= j; k++)
        f->G[b * m * m + j * m + k] = f->G[b * m * m + k * m + j] = tu_rand(st);
  f->t = 0.37;
  free(xi);
}

static void fix_free(fix_t *f)
{
  nn_workspace_free(f->ws);
  free(f->theta); free(f->x); free(f->G); free(f->h); free(f->out); free(f->dout);
}

static void fwd(fix_t *f) { nn_forward(f->out, f->ws, &f->net, f->theta, f->x, f->G, f->h, f->t, NB); }

static double objective(fix_t *f)
{
  double J = 0.0;
  fwd(f);
  for (int i = 0; i < NB * (f->net.n_ch); i++) J += f->dout[i] * f->out[i];
  return J;
}

static void test_jets(fix_t *f, const char *name)
{
  const int m = f->net.cfg.n_x, nc = f->net.n_ch;
  double *out0 = malloc(NB * nc * sizeof(double)), *gp = malloc(NB * nc * sizeof(double));
  double err_g = 0.0, err_L = 0.0, fl_g, fl_L = 0.0;
  double *Lfd = calloc(NB, sizeof(double));
  fwd(f);
  memcpy(out0, f->out, NB * nc * sizeof(double));
  fl_g = 0.0;
  for (int b = 0; b < NB; b++)
    for (int j = 0; j < m; j++) fl_g = fmax(fl_g, 1e-3 * fabs(out0[b * nc + 1 + j]));
  for (int b = 0; b < NB; b++) fl_L = fmax(fl_L, 1e-3 * fabs(out0[b * nc + m + 1]));
  for (int b = 0; b < NB; b++)
    for (int j = 0; j < m; j++) Lfd[b] += out0[b * nc + 1 + j] * f->h[b * m + j];
  for (int k = 0; k < m; k++) {
    /* perturb x_k of every sample at once: samples are independent */
    double hk[NB];
    for (int b = 0; b < NB; b++) {
      hk[b] = 1e-5 * fmax(1.0, fabs(f->x[b * m + k]));
      f->x[b * m + k] += hk[b];
    }
    fwd(f);
    memcpy(gp, f->out, NB * nc * sizeof(double));
    for (int b = 0; b < NB; b++) f->x[b * m + k] -= 2 * hk[b];
    fwd(f);
    for (int b = 0; b < NB; b++) {
      f->x[b * m + k] += hk[b];
      double dF = (gp[b * nc] - f->out[b * nc]) / (2 * hk[b]);
      err_g = fmax(err_g, tu_fd_err(dF, out0[b * nc + 1 + k], fl_g));
      for (int j = 0; j < m; j++) {
        double Hjk = (gp[b * nc + 1 + j] - f->out[b * nc + 1 + j]) / (2 * hk[b]);
        Lfd[b] += Hjk * f->G[b * m * m + j * m + k];
      }
    }
  }
  for (int b = 0; b < NB; b++) err_L = fmax(err_L, tu_fd_err(Lfd[b], out0[b * nc + m + 1], fl_L));
  check_abs(err_g, 0.0, 1e-6, "%s: g vs FD of F", name);
  check_abs(err_L, 0.0, 1e-6, "%s: L vs FD Hessian (of g) . G + g.h", name);
  check_true(tu_max_abs(out0, NB * nc) > 0.0, "%s: non-zero output", name);
  free(out0); free(gp); free(Lfd);
}

static double fd_block(fix_t *f, double *v, size_t n, const double *an)
{
  double floor = 1e-3 * tu_max_abs(an, n), err = 0.0;
  for (size_t i = 0; i < n; i++) {
    double v0 = v[i], h = 1e-5 * fmax(1.0, fabs(v0)), jp, jm;
    v[i] = v0 + h;
    jp = objective(f);
    v[i] = v0 - h;
    jm = objective(f);
    v[i] = v0;
    err = fmax(err, tu_fd_err((jp - jm) / (2 * h), an[i], floor));
  }
  return err;
}

static void test_backward(fix_t *f, const char *name)
{
  const int m = f->net.cfg.n_x;
  size_t np = f->net.n_params;
  double *dth = calloc(np, sizeof(double)), *dx = calloc(NB * m, sizeof(double));
  double *dG = calloc(NB * m * m, sizeof(double)), *dh = calloc(NB * m, sizeof(double));
  double *dth2 = calloc(np, sizeof(double));
  fwd(f);
  check_int(nn_backward(dth, dx, dG, dh, f->ws, &f->net, f->theta, f->dout, f->G, NB),
            EMF_SUCCESS, "%s: nn_backward", name);
  /* NULL input adjoints: same parameter gradient */
  nn_backward(dth2, NULL, NULL, NULL, f->ws, &f->net, f->theta, f->dout, f->G, NB);
  check_bits(dth2, dth, np * sizeof(double), "%s: dtheta without input adjoints", name);
  check_true(tu_max_abs(dth, np) > 0 && tu_max_abs(dx, NB * m) > 0 &&
             tu_max_abs(dG, NB * m * m) > 0 && tu_max_abs(dh, NB * m) > 0,
             "%s: non-zero gradients", name);
  check_abs(fd_block(f, f->theta, np, dth), 0.0, 1e-6, "%s: dtheta vs FD (%zu params)", name, np);
  check_abs(fd_block(f, f->x, NB * m, dx), 0.0, 1e-6, "%s: dx vs FD", name);
  check_abs(fd_block(f, f->G, NB * m * m, dG), 0.0, 1e-6, "%s: dG vs FD", name);
  check_abs(fd_block(f, f->h, NB * m, dh), 0.0, 1e-6, "%s: dh vs FD", name);
  free(dth); free(dx); free(dG); free(dh); free(dth2);
}

static void test_batching(fix_t *f, const char *name)
{
  const int m = f->net.cfg.n_x, nc = f->net.n_ch;
  double err = 0.0, o1[NN_NX_MAX + 2];
  fwd(f);
  for (int b = 0; b < NB; b++) {
    nn_forward(o1, f->ws, &f->net, f->theta, f->x + b * m, f->G + b * m * m, f->h + b * m, f->t, 1);
    for (int i = 0; i < nc; i++)
      err = fmax(err, fabs(o1[i] - f->out[b * nc + i]) / fmax(1.0, fabs(o1[i])));
  }
  check_abs(err, 0.0, 1e-14, "%s: batch of %d = samples one by one", name, NB);
}

static void test_layout_and_zero(fix_t *f, const char *name, uint64_t *st)
{
  nn_params_t p;
  size_t sizes[NN_NUM_PARAM_TENSORS], tot = 0;
  int d = f->net.cfg.depth, bad = 0;
  double *xi = malloc(f->net.n_params * sizeof(double)), *th = malloc(f->net.n_params * sizeof(double));
  check_int((long)nn_param_sizes(sizes, &f->net.cfg), (long)f->net.n_params, "%s: nn_param_sizes total", name);
  for (int i = 0; i < f->net.n_tensors; i++) tot += sizes[i];
  check_int((long)tot, (long)f->net.n_params, "%s: size table sums to n_params", name);
  nn_point_params(&p, &f->net, th);
  check_true(p.w[0] == th && p.b[d] + 1 == th + f->net.n_params, "%s: tensors span the array", name);
  for (int l = 0; l <= d; l++) {
    bad += p.b[l] != p.w[l] + sizes[2 * l];
    if (l < d) bad += p.w[l + 1] != p.b[l] + sizes[2 * l + 1];
  }
  check_int(bad, 0, "%s: tensors contiguous in storage order", name);
  tu_fill(xi, f->net.n_params, st);
  nn_init_params(th, &f->net, xi, 0.0);
  nn_forward(f->out, f->ws, &f->net, th, f->x, f->G, f->h, f->t, NB);
  for (int i = 0; i < NB * f->net.n_ch; i++) bad += f->out[i] != 0.0;
  check_int(bad, 0, "%s: zero last layer gives F = g = L = 0", name);
  free(xi); free(th);
}

/* A batch spanning several internal blocks (nn_forward/nn_backward work on
 * blocks of samples): outputs and per-sample input adjoints equal those of
 * one-sample calls, dtheta their sum (1e-13 relative to the largest entry). */
static void test_blocks(uint64_t *st)
{
  enum { NBIG = 75 };
  nn_config_t cfg = {6, 1, 12, 2, NULL};
  nn_t net;
  nn_workspace_t *ws, *w1;
  int m = 6, nc = 8;
  cfg.act = nn_act_tanh;
  nn_init(&net, &cfg);
  ws = nn_workspace_alloc(&net, NBIG);
  w1 = nn_workspace_alloc(&net, 1);
  size_t np = net.n_params;
  double *th = malloc(np * sizeof(double)), *xi = malloc(np * sizeof(double));
  double *x = malloc(NBIG * m * sizeof(double)), *G = malloc(NBIG * m * m * sizeof(double));
  double *h = malloc(NBIG * m * sizeof(double)), *out = malloc(NBIG * nc * sizeof(double));
  double *dout = malloc(NBIG * nc * sizeof(double)), *dth = calloc(np, sizeof(double));
  double *dx = calloc(NBIG * m, sizeof(double)), *dG = calloc(NBIG * m * m, sizeof(double));
  double *dh = calloc(NBIG * m, sizeof(double)), *dth1 = calloc(np, sizeof(double));
  double o1[8], dx1[6], dG1[36], dh1[6], e_out = 0, e_in = 0, e_th = 0;
  tu_fill(xi, np, st);
  nn_init_params(th, &net, xi, 1.0);
  tu_fill(x, NBIG * m, st);
  tu_fill(G, NBIG * m * m, st);
  tu_fill(h, NBIG * m, st);
  tu_fill(dout, NBIG * nc, st);
  nn_forward(out, ws, &net, th, x, G, h, 0.6, NBIG);
  nn_backward(dth, dx, dG, dh, ws, &net, th, dout, G, NBIG);
  for (int b = 0; b < NBIG; b++) {
    memset(dx1, 0, sizeof dx1);
    memset(dG1, 0, sizeof dG1);
    memset(dh1, 0, sizeof dh1);
    nn_forward(o1, w1, &net, th, x + b * m, G + b * m * m, h + b * m, 0.6, 1);
    nn_backward(dth1, dx1, dG1, dh1, w1, &net, th, dout + b * nc, G + b * m * m, 1);
    for (int i = 0; i < nc; i++)
      e_out = fmax(e_out, fabs(o1[i] - out[b * nc + i]) / fmax(1.0, fabs(o1[i])));
    for (int i = 0; i < m; i++) {
      e_in = fmax(e_in, fabs(dx1[i] - dx[b * m + i]) / fmax(1.0, fabs(dx1[i])));
      e_in = fmax(e_in, fabs(dh1[i] - dh[b * m + i]) / fmax(1.0, fabs(dh1[i])));
    }
    for (int i = 0; i < m * m; i++)
      e_in = fmax(e_in, fabs(dG1[i] - dG[b * m * m + i]) / fmax(1.0, fabs(dG1[i])));
  }
  for (size_t i = 0; i < np; i++) e_th = fmax(e_th, fabs(dth1[i] - dth[i]));
  e_th /= tu_max_abs(dth, np);
  check_abs(e_out, 0.0, 1e-14, "batch of %d (several blocks): outputs = one by one", NBIG);
  check_abs(e_in, 0.0, 1e-14, "batch of %d: dx, dG, dh = one by one", NBIG);
  check_abs(e_th, 0.0, 1e-13, "batch of %d: dtheta = sum of one-sample gradients", NBIG);
  {
    /* evaluation without caches: bitwise the same, also through a
     * workspace of maximum batch 1; a backward after it is refused */
    double *o2 = malloc(NBIG * nc * sizeof(double)), *o3 = malloc(NBIG * nc * sizeof(double));
    nn_forward(out, ws, &net, th, x, G, h, 0.6, NBIG);
    check_int(nn_forward_eval(o2, ws, &net, th, x, G, h, 0.6, NBIG), EMF_SUCCESS, "nn_forward_eval");
    check_int(nn_forward_eval(o3, w1, &net, th, x, G, h, 0.6, NBIG), EMF_SUCCESS,
              "nn_forward_eval of %d samples on a workspace of 1", NBIG);
    check_bits(o2, out, NBIG * nc * sizeof(double), "nn_forward_eval = nn_forward (bitwise)");
    check_bits(o3, out, NBIG * nc * sizeof(double), "nn_forward_eval, small workspace (bitwise)");
    check_int(nn_backward(dth, NULL, NULL, NULL, ws, &net, th, dout, G, NBIG), EMF_EINVAL,
              "backward after nn_forward_eval refused");
    nn_forward(out, ws, &net, th, x, G, h, 0.6, NBIG);
    check_int(nn_backward(dth, NULL, NULL, NULL, ws, &net, th, dout, G, NBIG - 1), EMF_EINVAL,
              "backward with another n_batch than the forward refused");
    free(o2);
    free(o3);
  }
  nn_workspace_free(ws);
  nn_workspace_free(w1);
  free(th); free(xi); free(x); free(G); free(h); free(out); free(dout);
  free(dth); free(dx); free(dG); free(dh); free(dth1);
}

/* Seeded initialisation: reproducible, seed-dependent, biases zero, last
 * layer scaled, and w_l ~ N(0, 1/n_in): the sample variance of the 4096
 * entries of a 64 x 64 layer within 5 standard errors (sd of the variance
 * estimate sqrt(2/n) relative), the mean within 5 sigma. */
static void test_seed_init(void)
{
  nn_config_t cfg = {6, 1, 64, 2, NULL};
  nn_t net;
  nn_params_t p;
  cfg.act = nn_act_tanh;
  nn_init(&net, &cfg);
  size_t np = net.n_params;
  double *a = malloc(np * sizeof(double)), *b = malloc(np * sizeof(double));
  double *c = malloc(np * sizeof(double)), mean = 0.0, var = 0.0;
  int n = 64 * 64, bad = 0;
  nn_init_params_seed(a, &net, 1234, 0.5);
  nn_init_params_seed(b, &net, 1234, 0.5);
  nn_init_params_seed(c, &net, 1235, 0.5);
  check_bits(a, b, np * sizeof(double), "seeded init reproducible");
  check_true(memcmp(a, c, np * sizeof(double)) != 0, "seeded init depends on the seed");
  nn_point_params(&p, &net, a);
  for (int i = 0; i < n; i++) mean += p.w[1][i];
  mean /= n;
  for (int i = 0; i < n; i++) var += (p.w[1][i] - mean) * (p.w[1][i] - mean);
  var /= n - 1;
  check_sigma(mean, 0.0, sqrt(1.0 / 64 / n), 5.0, "w_1 mean 0");
  check_sigma(var, 1.0 / 64, sqrt(2.0 / n) / 64, 5.0, "w_1 variance 1/n_in");
  for (int l = 0; l <= 2; l++)
    for (int o = 0; o < nn_layer_n_out(&net, l); o++) bad += p.b[l][o] != 0.0;
  check_int(bad, 0, "biases zero");
  nn_init_params_seed(b, &net, 1234, 0.0);
  nn_point_params(&p, &net, b);
  for (int i = 0; i < 64; i++) bad += p.w[2][i] != 0.0;
  check_int(bad, 0, "last_scale 0: output weights zero");
  check_true(memcmp(a, b, (size_t)(p.w[2] - b) * sizeof(double)) == 0,
             "last_scale changes only the output layer");
  free(a); free(b); free(c);
}

static void test_errors(void)
{
  nn_t net;
  nn_config_t ok = {6, 1, 8, 2, NULL}, c;
  double dummy[64] = {0};
  ok.act = nn_act_tanh;
  c = ok; c.act = NULL;
  check_int(nn_init(&net, &c), EMF_EINVAL, "act NULL rejected");
  c = ok; c.depth = 0;
  check_int(nn_init(&net, &c), EMF_EINVAL, "depth 0 rejected");
  c = ok; c.depth = NN_DEPTH_MAX + 1;
  check_int(nn_init(&net, &c), EMF_EINVAL, "depth > max rejected");
  c = ok; c.width = 0;
  check_int(nn_init(&net, &c), EMF_EINVAL, "width 0 rejected");
  c = ok; c.n_x = 0;
  check_int(nn_init(&net, &c), EMF_EINVAL, "n_x 0 rejected");
  c = ok; c.n_freq = -1;
  check_int(nn_init(&net, &c), EMF_EINVAL, "n_freq < 0 rejected");
  check_int(nn_init(&net, &ok), EMF_SUCCESS, "valid config accepted");
  check_true(nn_workspace_alloc(&net, 0) == NULL, "workspace of batch 0 refused");
  nn_workspace_t *ws = nn_workspace_alloc(&net, 2);
  double *th = calloc(net.n_params, sizeof(double));
  check_int(nn_forward(dummy, ws, &net, th, dummy, dummy, dummy, 0.0, 3), EMF_EINVAL,
            "batch above workspace maximum refused (forward)");
  check_int(nn_backward(th, NULL, NULL, NULL, ws, &net, th, dummy, dummy, 3), EMF_EINVAL,
            "batch above workspace maximum refused (backward)");
  check_int(nn_forward(dummy, ws, &net, th, dummy, dummy, dummy, 0.0, 0), EMF_EINVAL,
            "batch 0 refused");
  nn_workspace_free(ws);
  nn_workspace_free(NULL);
  free(th);
}

int main(void)
{
  uint64_t st = 2024;
  const nn_config_t cfgs[] = {{6, 1, 8, 2, NULL}, {4, 0, 5, 1, NULL},
                              {6, 2, 7, 3, NULL}, {2, 1, 6, 2, NULL}};
  const char *acts[] = {"tanh", "silu", "softplus", "sin"};
  for (int i = 0; i < 4; i++) {
    nn_config_t cfg = cfgs[i];
    char name[96];
    fix_t f;
    cfg.act = nn_act_lookup(acts[i]);
    snprintf(name, sizeof name, "m=%d p=%d w=%d d=%d %s", cfg.n_x, 1 + 2 * cfg.n_freq,
             cfg.width, cfg.depth, acts[i]);
    fix_alloc(&f, &cfg, &st);
    test_jets(&f, name);
    test_backward(&f, name);
    test_batching(&f, name);
    test_layout_and_zero(&f, name, &st);
    fix_free(&f);
  }
  test_blocks(&st);
  test_seed_init();
  test_errors();
  return check_finish("test_net");
}
