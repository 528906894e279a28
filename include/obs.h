/*******************************************************************************
 * obs.h: gauge observables on a decomposed lattice (doc/hmc.md).
 *
 * All are global averages summed in double-double (grid-independent) and
 * collective over u->g->comm.  They exchange link halos (depth >= 1 needed)
 * and allocate their own temporary fields (observables are not hot paths).
 * The plaquette is gauge_plaquette_all (gauge.h).
 ******************************************************************************/
#ifndef OBS_H
#define OBS_H

#include "gauge.h"

/* obs.c */
/* <(1/N) Re tr W(R,T)>: R x T rectangles, R links along mu and T along nu,
 * averaged over all sites and all ordered pairs mu != nu (so W(R,T) =
 * W(T,R)).  EMF_EINVAL for R, T < 1 or depth < 1; EMF_ENOMEM. */
int obs_wilson_loop_all(gauge_t *u, int R, int T, double *w);
/* Polyakov loop along direction D-1: pl[0] + i pl[1] = mean over the
 * spatial sites x of (1/N) tr prod_{t=0}^{L-1} U_{D-1}(x, t) (computed as
 * the mean over all sites of the loop starting there, equal by
 * cyclicity).  EMF_EINVAL for depth < 1; EMF_ENOMEM. */
int obs_polyakov_all(gauge_t *u, double *pl);
/* Clover topological charge (D = 4 only, else EMF_ENOTSUP):
 *   Q = -1/(32 pi^2) sum_x eps_{mu nu rho sigma} tr(F_mu nu(x) F_rho sigma(x))
 *     = -1/(4 pi^2) sum_x tr(F_01 F_23 - F_02 F_13 + F_03 F_12),
 * eps_0123 = +1, with F_mu nu the traceless anti-Hermitian part of (1/4)
 * times the sum of the four plaquette leaves at x in the (mu, nu) plane
 * (the clover estimate of a^2 F_mu nu, anti-Hermitian).  This is the
 * continuum Q = 1/(32 pi^2) int F^a_mu nu F~^a_mu nu, F~ = (1/2) eps F, in
 * Hermitian components.  No smoothing is applied. */
int obs_topcharge_all(gauge_t *u, double *q);

#endif
