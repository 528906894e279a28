/*******************************************************************************
 * wilson.c: fast path of the loop potential for the Wilson action.
 *
 * int pot_wilson_eval(gauge_t *u, double beta, double *value, double *grad)
 *   For F = -(beta/N) Re tau_1 on plaquettes (K = 1, F linear) the generic
 *   gather of lattice.c reduces to staple sums: for the owned link U_mu(x),
 *     Sigma = sum_{nu != mu} [ U_nu(x+mu) U_mu(x+nu)^+ U_nu(x)^+
 *                            + U_nu(x+mu-nu)^+ U_mu(x-nu)^+ U_nu(x-nu) ],
 *     grad_a = (beta/(2N)) sun_to_alg(U_mu(x) Sigma)_a
 *   (doc/potential.md: the backward incidences -c R U^+ project like
 *   c U R^+), and value = -(beta/N) sum over plaquettes Re tr U_P: the
 *   Wilson action and its HMC force.  So this is
 *   action_wilson_value_force_all (src/action/wilson.c, SU(3) kernel in
 *   wilson_su3.c): one kernel for both.  Either output may be NULL.
 *   Exchanges halos first.  Returns EMF_SUCCESS, or EMF_EINVAL when the
 *   halo depth is 0.  Agrees with the generic path to rounding (tests:
 *   1e-13).
 *
 * Context: collective on u->g->comm (halo exchange; the value is reduced).
 * No allocation.  The order of every sum is fixed by the lattice, so the
 * results are the same bits on any process grid.
 ******************************************************************************/
#include "action.h"
#include "potential.h"

int pot_wilson_eval(gauge_t *u, double beta, double *value, double *grad)
{
  return action_wilson_value_force_all(u, beta, value, grad);
}
