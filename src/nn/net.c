/*******************************************************************************
 * net.c: the potential network F(x, t; theta): layout, workspace, forward
 * and backward of the whole network (doc/nn.md).
 *
 * int nn_init(nn_t *net, const nn_config_t *cfg)
 *   Checks cfg (1 <= n_x <= NN_NX_MAX, 0 <= n_freq <= NN_NFREQ_MAX,
 *   width >= 1, 1 <= depth <= NN_DEPTH_MAX, act not NULL) and fills net
 *   (derived sizes and the parameter size table).  Returns EMF_SUCCESS or
 *   EMF_EINVAL (net untouched).
 *
 * size_t nn_param_sizes(size_t *sizes, const nn_config_t *cfg)
 *   Sizes of the parameter tensors in storage order w_0, b_0, ..., w_d, b_d
 *   (2 (depth + 1) entries); returns their sum.
 *
 * void nn_point_params(nn_params_t *p, const nn_t *net, double *base)
 *   Points the tensors of p into the flat array base (net->n_params).
 *   Unused tensor slots are set to NULL.
 *
 * int nn_layer_n_in(const nn_t *net, int l), nn_layer_n_out(net, l)
 *   Input and output widths of dense layer l = 0 .. depth.
 *
 * void nn_time_features(double *e, const nn_t *net, double t)
 *   e (n_t) = (t, sin(pi t), cos(pi t), ..., sin(pi K t), cos(pi K t)),
 *   K = n_freq.
 *
 * void nn_init_params(double *theta, const nn_t *net, const double *xi,
 *                     double last_scale)
 *   theta from standard normals xi (n_params, e.g. rng_gaussians on a
 *   stream of purpose RNG_MISC): w_l = xi / sqrt(n_in_l), biases 0, and the
 *   output layer multiplied by last_scale (0 gives F = 0: the identity flow).
 *
 * void nn_init_params_seed(double *theta, const nn_t *net, uint64_t seed,
 *                          double last_scale)
 *   The same scheme with the normals of weight w_l drawn from the Philox
 *   stream (seed, RNG_MISC, index l, step NN_RNG_STEP): reproducible from
 *   the seed alone, on any process grid.
 *
 * nn_workspace_t *nn_workspace_alloc(const nn_t *net, int n_batch_max)
 *   One aligned block for all jets, caches and adjoints of batches of up to
 *   n_batch_max samples.  NULL on bad arguments or failed allocation.
 *
 * void nn_workspace_free(nn_workspace_t *ws)
 *   Releases ws (NULL is a no-op).
 *
 * int nn_forward(double *out, nn_workspace_t *ws, const nn_t *net,
 *                const double *theta, const double *x, const double *G,
 *                const double *h, double t, int n_batch)
 *   out (n_batch, m+2) = (F, dF/dx, sum_jk F_jk G_jk + g.h) per sample,
 *   by forward propagation of jets (input: value [x, e(t)], derivative
 *   rows the unit vectors e_j, Laplacian row [h, 0]; the first layer by
 *   nn_input_jet_forward).  Keeps x, h, e(t) and the caches in ws for
 *   nn_backward.  EMF_EINVAL if n_batch < 1 or > n_batch_max.
 *
 * int nn_forward_eval(double *out, nn_workspace_t *ws, const nn_t *net,
 *                     const double *theta, const double *x, const double *G,
 *                     const double *h, double t, int n_batch)
 *   The same out (bitwise), without keeping anything for a backward: every
 *   block of samples uses the same in-cache scratch, so any n_batch >= 1
 *   is allowed and large batches run as fast as small ones.  A following
 *   nn_backward is refused.  EMF_EINVAL if n_batch < 1.
 *
 * int nn_backward(double *dtheta, double *dx, double *dG, double *dh,
 *                 nn_workspace_t *ws, const nn_t *net, const double *theta,
 *                 const double *dout, const double *G, int n_batch)
 *   Reverse mode through the jet graph of the last nn_forward on ws (same
 *   theta, G unchanged, same n_batch; x, h and t are kept in ws):
 *   accumulates the gradients of sum_b dout_b . out_b into dtheta and,
 *   where not NULL, dx, dG, dh.  EMF_EINVAL if n_batch is not that of the
 *   last nn_forward on ws (or the last call was nn_forward_eval).
 *
 * Context: local, no allocation outside nn_workspace_alloc.  A workspace
 * serves one thread at a time; the nn_t and theta may be shared.
 ******************************************************************************/
#include <assert.h>
#include <math.h>
#include <string.h>
#include "nn.h"
#include "rng.h"
#include "util.h"

int nn_layer_n_in(const nn_t *net, int l)
{
  return l == 0 ? net->n_in : net->cfg.width;
}

int nn_layer_n_out(const nn_t *net, int l)
{
  return l == net->cfg.depth ? 1 : net->cfg.width;
}

size_t nn_param_sizes(size_t *sizes, const nn_config_t *cfg)
{
  size_t total = 0;
  int n_in = cfg->n_x + 1 + 2 * cfg->n_freq;
  for (int l = 0; l <= cfg->depth; l++) {
    int n_out = l == cfg->depth ? 1 : cfg->width;
    sizes[2 * l] = (size_t)n_in * n_out;
    sizes[2 * l + 1] = (size_t)n_out;
    total += sizes[2 * l] + sizes[2 * l + 1];
    n_in = cfg->width;
  }
  return total;
}

int nn_init(nn_t *net, const nn_config_t *cfg)
{
  nn_t nt;
  if (!net || !cfg || !cfg->act || cfg->n_x < 1 || cfg->n_x > NN_NX_MAX ||
      cfg->n_freq < 0 || cfg->n_freq > NN_NFREQ_MAX || cfg->width < 1 ||
      cfg->depth < 1 || cfg->depth > NN_DEPTH_MAX)
    return EMF_EINVAL;
  memset(&nt, 0, sizeof nt);
  nt.cfg = *cfg;
  nt.n_t = 1 + 2 * cfg->n_freq;
  nt.n_in = cfg->n_x + nt.n_t;
  nt.n_ch = cfg->n_x + 2;
  nt.n_layers = cfg->depth + 1;
  nt.n_tensors = 2 * nt.n_layers;
  nt.n_params = nn_param_sizes(nt.sizes, cfg);
  *net = nt;
  return EMF_SUCCESS;
}

void nn_point_params(nn_params_t *p, const nn_t *net, double *base)
{
  size_t off = 0;
  memset(p, 0, sizeof *p);
  for (int l = 0; l < net->n_layers; l++) {
    p->w[l] = base + off;
    off += net->sizes[2 * l];
    p->b[l] = base + off;
    off += net->sizes[2 * l + 1];
  }
  assert(off == net->n_params);  /* the table covers the flat array exactly */
}

void nn_time_features(double *e, const nn_t *net, double t)
{
  e[0] = t;
  for (int k = 1; k <= net->cfg.n_freq; k++) {
    e[2 * k - 1] = sin(M_PI * k * t);
    e[2 * k] = cos(M_PI * k * t);
  }
}

void nn_init_params_seed(double *theta, const nn_t *net, uint64_t seed,
                         double last_scale)
{
  nn_params_t p;
  rng_stream_t st;
  nn_point_params(&p, net, theta);
  for (int l = 0; l < net->n_layers; l++) {
    int n_in = nn_layer_n_in(net, l), n_out = nn_layer_n_out(net, l);
    double scale = 1.0 / sqrt((double)n_in);
    if (l == net->cfg.depth) scale *= last_scale;
    rng_stream_init(&st, seed, RNG_MISC, (uint64_t)l, NN_RNG_STEP);
    rng_gaussians(&st, p.w[l], n_in * n_out);
    for (int i = 0; i < n_in * n_out; i++) p.w[l][i] *= scale;
    for (int o = 0; o < n_out; o++) p.b[l][o] = 0.0;
  }
}

void nn_init_params(double *theta, const nn_t *net, const double *xi,
                    double last_scale)
{
  nn_params_t p;
  nn_point_params(&p, net, theta);
  for (int l = 0; l < net->n_layers; l++) {
    int n_in = nn_layer_n_in(net, l), n_out = nn_layer_n_out(net, l);
    double scale = 1.0 / sqrt((double)n_in);
    size_t off = (size_t)(p.w[l] - theta);
    if (l == net->cfg.depth) scale *= last_scale;
    for (size_t i = 0; i < (size_t)n_in * n_out; i++)
      p.w[l][i] = scale * xi[off + i];
    for (int o = 0; o < n_out; o++) p.b[l][o] = 0.0;
  }
}

/* ---- workspace ----------------------------------------------------------- */

/* Samples per block: forward and backward run all layers on one block of
 * samples before the next, so that a layer's output is still in cache when
 * the next layer reads it (doc/nn.md). */
#define NN_BLOCK 32

nn_workspace_t *nn_workspace_alloc(const nn_t *net, int n_batch_max)
{
  nn_workspace_t *ws;
  size_t nb, nc, w, n_adj, n_wt, total, off = 0;
  if (!net || n_batch_max < 1) return NULL;
  nb = (size_t)n_batch_max;
  nc = (size_t)net->n_ch;
  w = (size_t)net->cfg.width;
  n_adj = (nb < NN_BLOCK ? nb : NN_BLOCK) * nc * w;
  /* sizes, rounded up to 8 doubles (64 bytes) each */
#define RND(k) (((k) + 7) / 8 * 8)
  n_wt = (size_t)(net->cfg.depth > 1 ? net->cfg.depth - 1 : 1) * w * w;
  total = 2 * RND(nb * net->cfg.n_x) + 3 * RND(n_adj) + RND(n_wt) +
          (size_t)net->cfg.depth *
              (RND(nb * nc * w) + RND(nb * w) + RND(nb * 3 * w) + RND(nb * w));
  ws = acalloc(1, sizeof *ws);
  if (!ws) return NULL;
  ws->block = amalloc(total * sizeof(double));
  if (!ws->block) {
    afree(ws);
    return NULL;
  }
  memset(ws->block, 0, total * sizeof(double));
  ws->n_batch_max = n_batch_max;
  ws->x = ws->block + off;
  off += RND(nb * net->cfg.n_x);
  ws->h = ws->block + off;
  off += RND(nb * net->cfg.n_x);
  ws->adj0 = ws->block + off;
  off += RND(n_adj);
  ws->adj1 = ws->block + off;
  off += RND(n_adj);
  ws->adj2 = ws->block + off;
  off += RND(n_adj);
  ws->wt = ws->block + off;
  off += RND(n_wt);
  for (int l = 0; l < net->cfg.depth; l++) {
    ws->z[l] = ws->block + off;
    off += RND(nb * nc * w);
    ws->y0[l] = ws->block + off;
    off += RND(nb * w);
    ws->s[l] = ws->block + off;
    off += RND(nb * 3 * w);
    ws->q[l] = ws->block + off;
    off += RND(nb * w);
  }
#undef RND
  assert(off == total);
  return ws;
}

void nn_workspace_free(nn_workspace_t *ws)
{
  if (!ws) return;
  afree(ws->block);
  afree(ws);
}

/* ---- network ------------------------------------------------------------- */


/* One block of samples b0 .. b0+nb-1 through all layers.  The activation
 * jets y live in the block scratch adj1.  keep: z, s, q and the value row
 * of y go to their places in the full-batch caches (for nn_backward, which
 * recomputes the other rows of y from them: 13 instead of 20 rows of w
 * doubles per sample and layer pass through memory); else z, s, q use
 * block-sized scratch too (adj0 and the first block of s[0], q[0]), and
 * everything stays in cache. */
static void forward_block(double *out, nn_workspace_t *ws, const nn_t *net,
                          const nn_params_t *p, const double *x,
                          const double *G, const double *h, int b0, int nb,
                          int keep)
{
  const int m = net->cfg.n_x, nc = net->n_ch, w = net->cfg.width;
  const int d = net->cfg.depth;
  const double *Gb = G + (size_t)b0 * m * m, *prev = NULL;
  for (int l = 0; l < d; l++) {
    double *z = keep ? ws->z[l] + (size_t)b0 * nc * w : ws->adj0;
    double *y = ws->adj1;
    double *sc = keep ? ws->s[l] + (size_t)b0 * 3 * w : ws->s[0];
    double *qc = keep ? ws->q[l] + (size_t)b0 * w : ws->q[0];
    if (l == 0)
      nn_input_jet_forward(z, x + (size_t)b0 * m, h + (size_t)b0 * m, ws->e, p->w[0],
                           p->b[0], nb, m, net->n_t, w);
    else
      nn_dense_jet_forward(z, prev, p->w[l], p->b[l], nb, nc, w, w);
    nn_act_jet_forward(y, sc, qc, z, Gb, net->cfg.act, nb, nc, w);
    if (keep)  /* the value row; the other rows are recomputed in the backward */
      for (int bt = 0; bt < nb; bt++)
        memcpy(ws->y0[l] + (size_t)(b0 + bt) * w, y + (size_t)bt * nc * w,
               (size_t)w * sizeof(double));
    prev = y;
  }
  nn_dense_jet_forward(out + (size_t)b0 * nc, prev, p->w[d], p->b[d], nb, nc, w, 1);
}

int nn_forward(double *out, nn_workspace_t *ws, const nn_t *net,
               const double *theta, const double *x, const double *G,
               const double *h, double t, int n_batch)
{
  nn_params_t p;
  if (n_batch < 1 || n_batch > ws->n_batch_max) return EMF_EINVAL;
  nn_point_params(&p, net, (double *)theta);
  /* the inputs are kept for the backward */
  nn_time_features(ws->e, net, t);
  memcpy(ws->x, x, (size_t)n_batch * net->cfg.n_x * sizeof(double));
  memcpy(ws->h, h, (size_t)n_batch * net->cfg.n_x * sizeof(double));
  for (int b0 = 0; b0 < n_batch; b0 += NN_BLOCK)
    forward_block(out, ws, net, &p, ws->x, G, ws->h, b0,
                  n_batch - b0 < NN_BLOCK ? n_batch - b0 : NN_BLOCK, 1);
  ws->n_cached = n_batch;
  return EMF_SUCCESS;
}

int nn_forward_eval(double *out, nn_workspace_t *ws, const nn_t *net,
                    const double *theta, const double *x, const double *G,
                    const double *h, double t, int n_batch)
{
  /* the scratch holds min(NN_BLOCK, n_batch_max) samples */
  const int blk = ws->n_batch_max < NN_BLOCK ? ws->n_batch_max : NN_BLOCK;
  nn_params_t p;
  if (n_batch < 1) return EMF_EINVAL;
  nn_point_params(&p, net, (double *)theta);
  nn_time_features(ws->e, net, t);
  ws->n_cached = 0;
  for (int b0 = 0; b0 < n_batch; b0 += blk)
    forward_block(out, ws, net, &p, x, G, h, b0, n_batch - b0 < blk ? n_batch - b0 : blk,
                  0);
  return EMF_SUCCESS;
}

/* The activation jet y of hidden layer l for samples b0..b0+nb-1 into
 * ybuf (nb, n_ch, w), from the caches: y0 kept, y_j = s' z_j,
 * y_L = s' z_L + s'' q (the formulas of nn_act_jet_forward). */
static void recompute_y(double *ybuf, const nn_workspace_t *ws, const nn_t *net,
                        int l, int b0, int nb)
{
  const int m = net->cfg.n_x, nc = net->n_ch, w = net->cfg.width;
  for (int bt = 0; bt < nb; bt++) {
    const double *z = ws->z[l] + (size_t)(b0 + bt) * nc * w;
    const double *s1 = ws->s[l] + (size_t)(b0 + bt) * 3 * w, *s2 = s1 + w;
    const double *q = ws->q[l] + (size_t)(b0 + bt) * w;
    double *y = ybuf + (size_t)bt * nc * w;
    memcpy(y, ws->y0[l] + (size_t)(b0 + bt) * w, (size_t)w * sizeof(double));
    for (int j = 1; j <= m; j++)
      for (int u = 0; u < w; u++) y[(size_t)j * w + u] = s1[u] * z[(size_t)j * w + u];
    for (int u = 0; u < w; u++)
      y[(size_t)(m + 1) * w + u] = s1[u] * z[(size_t)(m + 1) * w + u] + s2[u] * q[u];
  }
}

/* dy: adjoint of y[l] (adj0), dz: adjoint of z[l] (adj1), each for one
 * block; the dense backward of layer l writes the adjoint of y[l-1] back
 * into dy; y[l-1] itself is recomputed into adj2. */
static void backward_block(nn_params_t *dp, double *dx, double *dG, double *dh,
                           nn_workspace_t *ws, const nn_t *net,
                           const nn_params_t *p, const double *dout,
                           const double *G, int b0, int nb)
{
  const int m = net->cfg.n_x, nc = net->n_ch;
  const int w = net->cfg.width, d = net->cfg.depth;
  const double *Gb = G + (size_t)b0 * m * m;
  double *dy = ws->adj0, *dz = ws->adj1, *dGb = dG ? dG + (size_t)b0 * m * m : NULL;
  memset(dy, 0, (size_t)nb * nc * w * sizeof(double));
  recompute_y(ws->adj2, ws, net, d - 1, b0, nb);
  nn_dense_jet_backward(dy, dp->w[d], dp->b[d], dout + (size_t)b0 * nc, ws->adj2,
                        p->w[d], nb, nc, w, 1);
  for (int l = d - 1; l >= 0; l--) {
    memset(dz, 0, (size_t)nb * nc * w * sizeof(double));
    nn_act_jet_backward(dz, dGb, dy, ws->z[l] + (size_t)b0 * nc * w,
                        ws->s[l] + (size_t)b0 * 3 * w, ws->q[l] + (size_t)b0 * w, Gb,
                        nb, nc, w);
    if (l > 0) {
      memset(dy, 0, (size_t)nb * nc * w * sizeof(double));
      recompute_y(ws->adj2, ws, net, l - 1, b0, nb);
      nn_dense_jet_backward(NULL, dp->w[l], dp->b[l], dz, ws->adj2, p->w[l], nb, nc, w,
                            w);
      nn_dense_jet_backward_dx_t(dy, dz, ws->wt + (size_t)(l - 1) * w * w, nb, nc, w, w);
    } else {
      nn_input_jet_backward(dx ? dx + (size_t)b0 * m : NULL,
                            dh ? dh + (size_t)b0 * m : NULL, dp->w[0], dp->b[0], dz,
                            ws->x + (size_t)b0 * m, ws->h + (size_t)b0 * m, ws->e,
                            p->w[0], nb, m, net->n_t, w);
    }
  }
}

int nn_backward(double *dtheta, double *dx, double *dG, double *dh,
                nn_workspace_t *ws, const nn_t *net, const double *theta,
                const double *dout, const double *G, int n_batch)
{
  nn_params_t p, dp;
  if (n_batch < 1 || n_batch != ws->n_cached) return EMF_EINVAL;
  nn_point_params(&p, net, (double *)theta);
  nn_point_params(&dp, net, dtheta);
  for (int l = 1; l < net->cfg.depth; l++)  /* hidden weights, transposed once */
    nn_transpose(ws->wt + (size_t)(l - 1) * net->cfg.width * net->cfg.width, p.w[l],
                 net->cfg.width, net->cfg.width);
  for (int b0 = 0; b0 < n_batch; b0 += NN_BLOCK)
    backward_block(&dp, dx, dG, dh, ws, net, &p, dout, G, b0,
                   n_batch - b0 < NN_BLOCK ? n_batch - b0 : NN_BLOCK);
  return EMF_SUCCESS;
}
