/*******************************************************************************
 * wilson.c: the Wilson plaquette action and its force (type "wilson").
 *
 * const action_type_t *const action_wilson
 *   S = -(beta/N) sum_x sum_{mu<nu} Re tr U_P(x; mu, nu) with
 *   U_P = U_mu(x) U_nu(x+mu) U_mu(x+nu)^+ U_nu(x)^+.
 *   eval: adds -(beta/N) Re tr U_P of every plaquette based at an owned site
 *   to the double-double accumulator (one qsum_add per plaquette, so the
 *   global sum does not depend on the process grid).
 *   force: for every owned link l = (x, mu) gathers the staple sum
 *     Sigma = sum_{nu != mu} [ U_nu(x+mu) U_mu(x+nu)^+ U_nu(x)^+
 *                            + U_nu(x+mu-nu)^+ U_mu(x-nu)^+ U_nu(x-nu) ]
 *   (nu ascending, upper staple before lower, always in this order), so that
 *   S = -(beta/N) Re tr(U_l Sigma) + (terms without U_l), and writes the
 *   gradient  f_a = -(beta/N) Re tr(T_a U_l Sigma) = (beta/2N) x_a(U_l Sigma)
 *   with x_a(M) = -2 Re tr(T_a M) the coordinates of sun.h.  Every owned
 *   link is computed from halo data (depth 1, corners used by the lower
 *   staple), never by scattering, so its bits do not depend on the grid.
 *   force_ws: the same force through a workspace (action_ws_alloc): for
 *   N = 3 the site-vectorised kernel of wilson_su3.c (same bits), else
 *   force.  All return EMF_SUCCESS.
 *
 * int action_wilson_value_force_all(gauge_t *u, double beta, double *value,
 *                                   double *f)
 *   S (if value != NULL, reduced over the ranks in double-double) and its
 *   force f (if f != NULL, layout of action.h, overwritten) for the Wilson
 *   action at coupling beta, in one pass over the links for N = 3
 *   (wilson_value_force_su3: one qsum_add per site, so S may differ from
 *   action_eval_all in the last bits), through eval and force otherwise.
 *   Exchanges the link halos first.  This is the Wilson fast path of the
 *   loop-potential module (pot_wilson_eval).  Returns EMF_EINVAL when the
 *   halo depth is 0, else EMF_SUCCESS.  Collective.
 *
 * Context: local; link halos (depth >= 1) must be current.  For N = 3 the
 * force is wilson_force_su3 (wilson_su3.c: inlined SU(3) products, same
 * staple order); otherwise the products go through the sun_type_t table of
 * the gauge field (straight-line kernels for N = 2), with fixed-size stack
 * workspaces: no allocation per link.
 ******************************************************************************/
#include "action_int.h"

#define NNMAX (EMF_NMAX * EMF_NMAX)

static int wilson_eval(const action_t *a, const gauge_t *u, qsum_t *s)
{
  const geom_t *g = u->g;
  const sun_type_t *su = u->su;
  const int D = g->D, nn = u->nn;
  const double c = -a->beta / u->n;
  cplx_t A[NNMAX], B[NNMAX];
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    for (int mu = 0; mu < D; mu++) {
      const long xmu = g->up[is * D + mu];
      for (int nu = mu + 1; nu < D; nu++) {
        const long xnu = g->up[is * D + nu];
        su->mul(A, gauge_link(u, is, mu), gauge_link(u, xmu, nu));
        su->mul(B, gauge_link(u, is, nu), gauge_link(u, xnu, mu));
        double t = 0.0;
        for (int k = 0; k < nn; k++)
          t += creal(A[k]) * creal(B[k]) + cimag(A[k]) * cimag(B[k]);
        qsum_add(s, c * t);
      }
    }
  }
  return EMF_SUCCESS;
}

/* Sigma = staple sum of link (is, mu) in the fixed order of the header. */
static void wilson_staples(const gauge_t *u, long is, int mu, cplx_t *sig)
{
  const geom_t *g = u->g;
  const sun_type_t *su = u->su;
  const int D = g->D, nn = u->nn;
  const long xmu = g->up[is * D + mu];
  cplx_t t1[NNMAX], t2[NNMAX];
  int first = 1;
  for (int nu = 0; nu < D; nu++) {
    if (nu == mu) continue;
    const long xnu = g->up[is * D + nu], xmnu = g->dn[is * D + nu];
    const long xmu_mnu = g->dn[xmu * D + nu];
    /* upper: U_nu(x+mu) U_mu(x+nu)^+ U_nu(x)^+ */
    su->mul_dag(t1, gauge_link(u, xmu, nu), gauge_link(u, xnu, mu));
    if (first) {
      su->mul_dag(sig, t1, gauge_link(u, is, nu));
      first = 0;
    } else {
      su->mul_dag(t2, t1, gauge_link(u, is, nu));
      for (int k = 0; k < nn; k++) sig[k] += t2[k];
    }
    /* lower: U_nu(x+mu-nu)^+ U_mu(x-nu)^+ U_nu(x-nu) */
    su->mul(t1, gauge_link(u, xmnu, mu), gauge_link(u, xmu_mnu, nu));
    su->dag_mul(t2, t1, gauge_link(u, xmnu, nu));
    for (int k = 0; k < nn; k++) sig[k] += t2[k];
  }
}

static int wilson_force(const action_t *a, const gauge_t *u, double *f, int add)
{
  const geom_t *g = u->g;
  const sun_type_t *su = u->su;
  const int D = g->D, ngen = su->ngen;
  const double c = 0.5 * a->beta / u->n;
  if (u->n == 3) return wilson_force_su3(a, u, f, add);
  cplx_t sig[NNMAX], m[NNMAX];
  double x[NNMAX];
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    for (int mu = 0; mu < D; mu++) {
      double *fl = f + ((size_t)i * D + mu) * ngen;
      wilson_staples(u, is, mu, sig);
      su->mul(m, gauge_link(u, is, mu), sig);
      su->to_alg(x, m);
      if (add)
        for (int k = 0; k < ngen; k++) fl[k] += c * x[k];
      else
        for (int k = 0; k < ngen; k++) fl[k] = c * x[k];
    }
  }
  return EMF_SUCCESS;
}

int action_wilson_value_force_all(gauge_t *u, double beta, double *value, double *f)
{
  const action_t a = {action_wilson, beta};
  qsum_t s = {0.0, 0.0};
  if (u->g->depth < 1) return EMF_EINVAL;
  gauge_exchange(u);
  if (u->n == 3) {
    wilson_value_force_su3(u, beta, value != NULL ? &s : NULL, f);
  } else {
    if (value != NULL) wilson_eval(&a, u, &s);
    if (f != NULL) wilson_force(&a, u, f, 0);
  }
  if (value != NULL) {
    qsum_allreduce(&s, 1, u->g->comm);
    *value = qsum_value(&s);
  }
  return EMF_SUCCESS;
}

static int wilson_force_ws(const action_t *a, const gauge_t *u, double *f, int add,
                           action_ws_t *ws)
{
  if (u->n == 3) return wilson_force_su3_ws(a, u, f, add, ws);
  return wilson_force(a, u, f, add);
}

static const action_type_t wilson_type = {"wilson", 1, wilson_eval, wilson_force,
                                          wilson_force_ws};

const action_type_t *const action_wilson = &wilson_type;
