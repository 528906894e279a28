/*******************************************************************************
 * flow_lat_grad.c: exact gradients of the lattice flow by backpropagation
 * through the fixed-step RKMK-RK4 map (doc/flow_lattice.md).
 *
 * void flow_lat_grad_zero(flow_lat_t *fl)
 *   Zeroes the double-double parameter-gradient accumulators.
 *
 * int flow_lat_vjp(flow_lat_t *fl, double *ubar, double logqbar)
 *   After flow_lat_run_fixed(record = 1): for J with cotangents ubar of U_1
 *   (left-trivialised, (n_links, ngen)) and logqbar of log q_1, runs
 *   ode_rkmk_step_backward over the recorded steps, last first.  The field's
 *   VJP at a stage (t, U_s) with cotangents gx of X and gr of r = -div is
 *   pot_lat_vjp with xbar = gx, dbar = -gr[0]: link cotangents on the owned
 *   links (gathered in canonical order: the same bits on any grid; the
 *   cotangent field's halo is exchanged inside), and the F's parameter
 *   gradients once per loop over all ranks (owned base sites), which the
 *   dispatcher adds loop by loop to the accumulators.  With a
 *   "plaquette-pair" term, pot_pair_vjp (same xbar, dbar, coefficients
 *   (alpha, gamma, delta) = flow_lat_pair_coef(t)) then adds its link
 *   cotangents, and its double-double dJ/d(alpha, gamma, delta) over the
 *   pairs based at owned sites times phi_n(t) (flow_linf_basis) goes into
 *   the term's accumulators exactly as flow_linf_grad_acc adds (hi phi
 *   with its fma error, plus lo phi): grid-independent totals.  On return
 *   ubar holds the cotangent of U_0.  Returns EMF_SUCCESS, EMF_EINVAL (nothing
 *   recorded) or the agreed status of a VJP.
 *
 * int flow_lat_loss_grad(flow_lat_t *fl, double beta, uint64_t seed,
 *                        uint64_t sample, uint32_t step, cplx_t *u,
 *                        double *loss, double *logq, double *action)
 *   Reverse-KL loss of one sample, loss = log q(U_1) + S(U_1) (DESIGN.md
 *   section 5; log Z omitted), U_0 the Haar prior sample from the
 *   RNG_TRAIN streams (seed, sample, step), U_1 the fixed-step flow recorded; S and its gradient from
 *   pot_wilson_eval; then flow_lat_vjp(ubar = grad S, logqbar = 1) adds
 *   d loss / d theta to the accumulators (U_0 does not depend on theta),
 *   or, after flow_lat_set_path_grad(fl, 1), the path gradient (below).
 *
 * int flow_lat_score(flow_lat_t *fl, const cplx_t *u, double *score,
 *                    double *logq)
 *   score = grad_U log q(U) at U = u, log q(U) - log q_0 = -(logq of
 *   flow_lat_run_fixed_reverse from u): the reverse run recorded into
 *   stages_rev, then the same backward pass over those stages with
 *   ubar = 0, logqbar = -1 and fl->no_param_grad set, so that neither the
 *   accumulators nor the forward run's record change.  Since the reverse
 *   run inverts the forward RK4 map up to O(h^4), this is the score of the
 *   fixed-step flow's density up to that error (doc/flow_lattice.md
 *   section 13); it is the exact derivative of the reverse run's logq
 *   (check_lat_path compares it with finite differences).
 *
 * void flow_lat_set_path_grad(flow_lat_t *fl, int path)
 *   path != 0: flow_lat_loss_grad returns the path gradient (Vaitl et al.
 *   2022): with x = U_1(theta), d/dtheta [log q_theta'(x) + S(x)] at
 *   theta' = theta, i.e. the backward pass seeded with ubar = grad S +
 *   flow_lat_score(U_1) and logqbar = 0.  It drops the score term
 *   d/dtheta log q_theta(x) at fixed x, whose mean is zero, so its
 *   expectation is the total gradient's (up to the O(h^4) of the score),
 *   and it vanishes sample by sample where q = p.  Twice the cost of the
 *   total gradient (one more flow and one more backward pass, without
 *   parameter gradients; measured on SU(3) 8x8).
 *
 * void flow_lat_grad_allreduce(flow_lat_t *fl, MPI_Comm comm,
 *                              double *const *grad)
 *   qsum_allreduce of a copy of the accumulators over comm, rounded once:
 *   grad[c][j] for every term c with a gradient buffer (grad[c] may be
 *   NULL to skip).  The accumulators are left unchanged.
 *
 * Context: everything but flow_lat_grad_zero and flow_lat_set_path_grad
 * (local) is collective on g->comm (flow_lat_grad_allreduce on comm).
 * Since every term's parameter gradient is summed loop by loop in
 * double-double and the link cotangents are gathered, the gradient has the
 * same bits on any process grid (up to double-double rounding ties,
 * doc/parallel.md).
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include <mpi.h>
#include "flow_lat.h"
#include "rng.h"

void flow_lat_grad_zero(flow_lat_t *fl)
{
  memset(fl->gacc, 0, (fl->n_grad_total > 0 ? fl->n_grad_total : 1) * sizeof(qsum_t));
}

/* The pair term's part of the field VJP: ADDS its link cotangents to au
 * and dJ/dc (c = (alpha, gamma, delta); double-double, this rank's pairs)
 * times phi_n(t) to its accumulators, as flow_linf_grad_acc does:
 * (hi + lo) phi = p + e + lo phi with p + e = hi phi exactly.  Collective
 * (halo exchanges inside pot_pair_vjp, which returns EMF_SUCCESS). */
static int pair_vjp(flow_lat_t *fl, double t, const double *gx, double dbar, double *au)
{
  const flow_lat_term_t *tm = &fl->term[fl->pair_term];
  double coef[POT_PAIR_NCOEF], phi[FLOW_LINF_BASIS_MAX];
  qsum_t dc[POT_PAIR_NCOEF];
  qsum_t *acc = fl->gacc + fl->goff[fl->pair_term];
  const int nbas = tm->pair->n_basis;
  int s;
  memset(dc, 0, sizeof dc);
  flow_lat_pair_coef(tm->pair, t, coef);
  s = pot_pair_vjp(fl->pair, fl->u, coef, 0.0, gx, dbar, au, dc);
  if (s != EMF_SUCCESS || fl->no_param_grad || tm->grad == NULL || tm->n_grad == 0) return s;
  flow_linf_basis(nbas, t, phi);
  for (int i = 0; i < POT_PAIR_NCOEF; i++)
    for (int n = 0; n < nbas; n++) {
      const double p = dc[i].hi * phi[n], e = fma(dc[i].hi, phi[n], -p);
      qsum_add(&acc[i * nbas + n], p);
      qsum_add(&acc[i * nbas + n], e + dc[i].lo * phi[n]);
    }
  return s;
}

static int field_vjp(double t, const cplx_t *u, const double *x, const double *gx,
                     const double *gr, double *au, void *params)
{
  flow_lat_t *fl = params;
  const geom_t *g = fl->g;
  const size_t site = (size_t)fl->D * fl->nn;
  int s, gs;
  (void)x;
  for (long io = 0; io < g->n_owned; io++)
    memcpy(fl->u->u + (size_t)g->owned[io] * site, u + (size_t)io * site, site * sizeof(cplx_t));
  s = pot_lat_vjp(fl->pot, fl->u, &fl->F, t, 0.0, gx, -gr[0], au);
  MPI_Allreduce(&s, &gs, 1, MPI_INT, MPI_MAX, g->comm);
  if (s != EMF_SUCCESS) return s;
  if (gs == EMF_SUCCESS && fl->pair != NULL) s = pair_vjp(fl, t, gx, -gr[0], au);
  return s != EMF_SUCCESS ? s : gs;
}

/* backward over the n_steps recorded stages, last first */
static int vjp_stages(flow_lat_t *fl, ode_stages_t **stages, double *ubar, double logqbar)
{
  const size_t na = (size_t)fl->n_links * fl->ngen;
  double *a = ubar, *b = fl->abuf, g1 = logqbar;
  int s = EMF_SUCCESS;
  for (long k = fl->n_steps - 1; k >= 0 && s == EMF_SUCCESS; k--) {
    double *c;
    s = ode_rkmk_step_backward(fl->ode_fixed, stages[k], a, &g1, field_vjp, fl, b);
    c = a;
    a = b;
    b = c;
  }
  if (s == EMF_SUCCESS && a != ubar) memcpy(ubar, a, na * sizeof(double));
  return s;
}

int flow_lat_vjp(flow_lat_t *fl, double *ubar, double logqbar)
{
  if (!fl->recorded) return EMF_EINVAL;
  return vjp_stages(fl, fl->stages, ubar, logqbar);
}

/* log q(U) - log q_0 = -(the reverse run's logq), so the score is the VJP
 * through the reverse run with ubar = 0 at its end (U_0) and logqbar = -1 */
int flow_lat_score(flow_lat_t *fl, const cplx_t *u, double *score, double *logq)
{
  const size_t na = (size_t)fl->n_links * fl->ngen;
  double e = 0.0;
  int s;
  memcpy(fl->ubuf_rev, u, (size_t)fl->n_links * fl->nn * sizeof(cplx_t));
  s = flow_lat_run_fixed_reverse(fl, fl->ubuf_rev, &e, 1);
  if (s != EMF_SUCCESS) return s;
  memset(score, 0, na * sizeof(double));
  fl->no_param_grad = 1;
  s = vjp_stages(fl, fl->stages_rev, score, -1.0);
  fl->no_param_grad = 0;
  if (s == EMF_SUCCESS && logq != NULL) *logq = -e;
  return s;
}

void flow_lat_set_path_grad(flow_lat_t *fl, int path) { fl->path_grad = path != 0; }

int flow_lat_loss_grad(flow_lat_t *fl, double beta, uint64_t seed,
                       uint64_t sample, uint32_t step, cplx_t *u,
                       double *loss, double *logq, double *action)
{
  const geom_t *g = fl->g;
  const size_t site = (size_t)fl->D * fl->nn;
  double lq = 0.0, S = 0.0;
  int s;
  flow_lat_prior_stream(fl, seed, RNG_TRAIN, sample, step, u);
  s = flow_lat_run_fixed(fl, u, &lq, 1);
  if (s != EMF_SUCCESS) return s;
  for (long io = 0; io < g->n_owned; io++)
    memcpy(fl->u->u + (size_t)g->owned[io] * site, u + (size_t)io * site, site * sizeof(cplx_t));
  s = pot_wilson_eval(fl->u, beta, &S, fl->wgrad);
  if (s != EMF_SUCCESS) return s;   /* depends on the geometry only: agreed */
  if (fl->path_grad) {
    const size_t na = (size_t)fl->n_links * fl->ngen;
    s = flow_lat_score(fl, u, fl->sbuf, NULL);
    if (s != EMF_SUCCESS) return s;
    for (size_t i = 0; i < na; i++) fl->wgrad[i] += fl->sbuf[i];
    s = flow_lat_vjp(fl, fl->wgrad, 0.0);
  } else {
    s = flow_lat_vjp(fl, fl->wgrad, 1.0);
  }
  if (s != EMF_SUCCESS) return s;
  if (loss != NULL) *loss = lq + S;
  if (logq != NULL) *logq = lq;
  if (action != NULL) *action = S;
  return EMF_SUCCESS;
}

void flow_lat_grad_allreduce(flow_lat_t *fl, MPI_Comm comm, double *const *grad)
{
  const size_t n = fl->n_grad_total;
  if (n == 0) return;
  memcpy(fl->gred, fl->gacc, n * sizeof(qsum_t));
  qsum_allreduce(fl->gred, (int)n, comm);
  for (int c = 0; c < fl->n_terms; c++) {
    if (fl->term[c].grad == NULL || grad[c] == NULL) continue;
    for (size_t j = 0; j < fl->term[c].n_grad; j++)
      grad[c][j] = qsum_value(&fl->gred[fl->goff[c] + j]);
  }
}
