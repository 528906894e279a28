/*******************************************************************************
 * integrators.c: molecular-dynamics integrators (hmc_integrator_type_t).
 *
 * const hmc_integrator_type_t *const hmc_leapfrog
 *   "leapfrog": per step  p -= eps/2 f;  U <- exp(eps P) U;  p -= eps/2 f.
 *   Consecutive half kicks are merged: n_steps + 1 forces per trajectory.
 *
 * const hmc_integrator_type_t *const hmc_omelyan2mn
 *   "omelyan2mn": second-order minimum-norm scheme (Omelyan, Mryglod,
 *   Folk, Comput. Phys. Commun. 151 (2003) 272; Takaishi and de Forcrand,
 *   Phys. Rev. E 73 (2006) 036706), per step
 *     p -= lambda eps f;  U <- exp(eps/2 P) U;  p -= (1-2 lambda) eps f;
 *     U <- exp(eps/2 P) U;  p -= lambda eps f,
 *   lambda = HMC_OMELYAN_LAMBDA = 0.1931833275037836; merged kicks,
 *   2 n_steps + 1 forces per trajectory.
 *
 * Both are symmetric, hence time-reversible with flipped momenta, and
 * symplectic; |dH| = O(eps^2) at fixed tau.  integrate(h, u, p, eps, n)
 * returns EMF_SUCCESS or the first non-zero status of a force or drift.
 * The steps run between hmc_md_begin and hmc_md_end (hmc.c), so the links
 * stay in the vectorised workspace for the whole integration where that
 * applies.
 *
 * Context: collective (the forces exchange halos).
 ******************************************************************************/
#include "hmc.h"

#define TRY(x)                              \
  do {                                      \
    int st_ = (x);                          \
    if (st_ != EMF_SUCCESS) return st_;     \
  } while (0)

static int leapfrog_steps(hmc_t *h, gauge_t *u, double *p, double eps, int n)
{
  TRY(hmc_md_force_kick(h, u, p, 0.5 * eps));
  for (int k = 0; k < n; k++) {
    TRY(hmc_md_drift(h, u, p, eps));
    TRY(hmc_md_force_kick(h, u, p, k == n - 1 ? 0.5 * eps : eps));
  }
  return EMF_SUCCESS;
}

static int omelyan2mn_steps(hmc_t *h, gauge_t *u, double *p, double eps, int n)
{
  const double lam = HMC_OMELYAN_LAMBDA;
  TRY(hmc_md_force_kick(h, u, p, lam * eps));
  for (int k = 0; k < n; k++) {
    TRY(hmc_md_drift(h, u, p, 0.5 * eps));
    TRY(hmc_md_force_kick(h, u, p, (1.0 - 2.0 * lam) * eps));
    TRY(hmc_md_drift(h, u, p, 0.5 * eps));
    TRY(hmc_md_force_kick(h, u, p, k == n - 1 ? lam * eps : 2.0 * lam * eps));
  }
  return EMF_SUCCESS;
}

/* the steps between hmc_md_begin and hmc_md_end (the links in the
 * workspace where that applies; back in u on success and on error) */
static int leapfrog(hmc_t *h, gauge_t *u, double *p, double eps, int n)
{
  hmc_md_begin(h, u, p);
  int st = leapfrog_steps(h, u, p, eps, n);
  hmc_md_end(h, u, p);
  return st;
}

static int omelyan2mn(hmc_t *h, gauge_t *u, double *p, double eps, int n)
{
  hmc_md_begin(h, u, p);
  int st = omelyan2mn_steps(h, u, p, eps, n);
  hmc_md_end(h, u, p);
  return st;
}

static const hmc_integrator_type_t leapfrog_type = {"leapfrog", 1, leapfrog};
static const hmc_integrator_type_t omelyan2mn_type = {"omelyan2mn", 2, omelyan2mn};

const hmc_integrator_type_t *const hmc_leapfrog = &leapfrog_type;
const hmc_integrator_type_t *const hmc_omelyan2mn = &omelyan2mn_type;
