/*******************************************************************************
 * nnf.c: the potential network as a pot_func_t (the learned F of the flow).
 *
 * int flow_nnf_init(pot_func_t *F, flow_nnf_t *c, const nn_t *net, int nb_max)
 *   Allocates the network workspace for batches of nb_max loops and points
 *   F (name "nn", K = n_x / 2) at c.  forward = nn_forward with the
 *   engine's f, G, h (zeros when the engine passes G = NULL: L is then
 *   meaningless but unused); backward = nn_backward, accumulating dF/dtheta
 *   into c->dtheta when params != 0 (into a scratch sink otherwise).
 *   Returns EMF_SUCCESS, EMF_EINVAL (n_x odd or above POT_MMAX, nb_max < 1)
 *   or EMF_ENOMEM (c left empty).
 *
 * void flow_nnf_release(flow_nnf_t *c)
 *   Frees what flow_nnf_init allocated.
 *
 * void flow_nnf_set(flow_nnf_t *c, const double *theta, double *dtheta)
 *   Sets the parameters used by forward and the gradient accumulator.
 *
 * Context: local; one adapter serves one thread.  Results of one loop do
 * not depend on the other loops of a batch only as far as the nn kernels
 * guarantee it; the flow therefore always calls F on the same fixed blocks
 * of samples (doc/flow.md, "Bit-identical splits").
 ******************************************************************************/
#include <string.h>
#include "flow.h"
#include "util.h"

static int nnf_forward(void *ctx, double *out, int shape, double t, int nb,
                       const double *f, const double *G, const double *h)
{
  flow_nnf_t *c = ctx;
  const size_t m = (size_t)c->m;
  (void)shape;
  if (nb > c->nb_max || c->theta == NULL) return EMF_EINVAL;
  if (G == NULL) {
    G = c->zero;
    h = c->zero + (size_t)c->nb_max * m * m;
  }
  return nn_forward(out, c->ws, c->net, c->theta, f, G, h, t, nb);
}

static int nnf_backward(void *ctx, double *df, double *dG, double *dh,
                        int shape, double t, int nb, const double *dout,
                        const double *f, const double *G, const double *h,
                        int params)
{
  flow_nnf_t *c = ctx;
  double *dth = (params && c->dtheta) ? c->dtheta : c->dscratch;
  (void)shape;
  (void)t;
  (void)f;
  (void)h;
  if (nb > c->nb_max) return EMF_EINVAL;
  if (G == NULL) G = c->zero;
  return nn_backward(dth, df, dG, dh, c->ws, c->net, c->theta, dout, G, nb);
}

int flow_nnf_init(pot_func_t *F, flow_nnf_t *c, const nn_t *net, int nb_max)
{
  const int m = net->cfg.n_x;
  memset(c, 0, sizeof *c);
  if (m % 2 != 0 || m > POT_MMAX || m < 2 || nb_max < 1) return EMF_EINVAL;
  c->net = net;
  c->nb_max = nb_max;
  c->m = m;
  c->ws = nn_workspace_alloc(net, nb_max);
  c->zero = acalloc((size_t)nb_max * (m * m + m), sizeof(double));
  c->dscratch = acalloc(net->n_params, sizeof(double));
  if (!c->ws || !c->zero || !c->dscratch) {
    flow_nnf_release(c);
    return EMF_ENOMEM;
  }
  F->name = "nn";
  F->K = m / 2;
  F->ctx = c;
  F->forward = nnf_forward;
  F->backward = nnf_backward;
  return EMF_SUCCESS;
}

void flow_nnf_release(flow_nnf_t *c)
{
  if (c == NULL) return;
  nn_workspace_free(c->ws);
  afree(c->zero);
  afree(c->dscratch);
  memset(c, 0, sizeof *c);
}

void flow_nnf_set(flow_nnf_t *c, const double *theta, double *dtheta)
{
  c->theta = theta;
  c->dtheta = dtheta;
}
