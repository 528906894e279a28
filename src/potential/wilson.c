/*******************************************************************************
 * wilson.c: fast path of the loop potential for the Wilson action.
 *
 * int pot_wilson_eval(gauge_t *u, double beta, double *value, double *grad)
 *   For F = -(beta/N) Re tau_1 on plaquettes (K = 1, F linear) the generic
 *   gather of lattice.c reduces to staple sums: for the owned link U_mu(x),
 *     Sigma = sum_{nu != mu, ascending} [ U_nu(x+mu) U_mu(x+nu)^+ U_nu(x)^+
 *                                + U_nu(x+mu-nu)^+ U_mu(x-nu)^+ U_nu(x-nu) ],
 *     grad_a = (beta/(2N)) sun_to_alg(U_mu(x) Sigma)_a
 *   (doc/potential.md: the backward incidences -c R U^+ project like
 *   c U R^+).  value = -(beta/N) sum over owned x and mu < nu of
 *   Re tr(U_mu(x) upper staple_nu), summed in double-double.  Either output
 *   may be NULL.  Exchanges halos first.  Returns EMF_SUCCESS, or EMF_EINVAL
 *   when the halo depth is 0.
 *
 * Context: collective on u->g->comm (halo exchange; the value is reduced).
 * No allocation.  The order of every sum is fixed by the lattice, so the
 * results are the same bits on any process grid.
 ******************************************************************************/
#include <string.h>
#include "potential.h"
#include "util.h"

int pot_wilson_eval(gauge_t *u, double beta, double *value, double *grad)
{
  const geom_t *g = u->g;
  const sun_type_t *su = u->su;
  const int D = g->D, n = u->n, nn = u->nn, ngen = nn - 1;
  const double cg = beta / (2.0 * n);
  cplx_t sig[EMF_NMAX * EMF_NMAX], t1[EMF_NMAX * EMF_NMAX];
  cplx_t t2[EMF_NMAX * EMF_NMAX], x[EMF_NMAX * EMF_NMAX];
  qsum_t sum = {0, 0};
  if (g->depth < 1) return EMF_EINVAL;
  gauge_exchange(u);
  for (long io = 0; io < g->n_owned; io++) {
    const long is = g->owned[io];
    for (int mu = 0; mu < D; mu++) {
      const cplx_t *umu = gauge_link(u, is, mu);
      const long xpm = g->up[is * D + mu];
      sun_zero(n, sig);
      for (int nu = 0; nu < D; nu++) {
        if (nu == mu) continue;
        const long xpn = g->up[is * D + nu], xmn = g->dn[is * D + nu];
        const long xpmmn = g->dn[xpm * D + nu];
        /* upper: U_nu(x+mu) U_mu(x+nu)^+ U_nu(x)^+ */
        su->mul_dag(t1, gauge_link(u, xpm, nu), gauge_link(u, xpn, mu));
        su->mul_dag(t2, t1, gauge_link(u, is, nu));
        if (value != NULL && nu > mu) qsum_add(&sum, sun_retrace_mul(n, umu, t2));
        sun_add(n, sig, t2);
        if (grad == NULL) continue;
        /* lower: U_nu(x+mu-nu)^+ U_mu(x-nu)^+ U_nu(x-nu) = (U_mu(x-nu) U_nu(x+mu-nu))^+ U_nu(x-nu) */
        su->mul(t1, gauge_link(u, xmn, mu), gauge_link(u, xpmmn, nu));
        su->dag_mul(t2, t1, gauge_link(u, xmn, nu));
        sun_add(n, sig, t2);
      }
      if (grad != NULL) {
        double *gx = grad + ((size_t)io * D + mu) * ngen;
        su->mul(x, umu, sig);
        su->to_alg(gx, x);
        for (int a = 0; a < ngen; a++) gx[a] *= cg;
      }
    }
  }
  if (value != NULL) {
    qsum_allreduce(&sum, 1, g->comm);
    *value = -beta / n * qsum_value(&sum);
  }
  return EMF_SUCCESS;
}
