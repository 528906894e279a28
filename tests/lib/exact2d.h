/*******************************************************************************
 * exact2d.h: one HMC run in 2D checked against the exact plaquette (the body
 * of tests/physics/hmc/check_exact2d.c and check_exact2d_long.c; see
 * exact2d.c).
 ******************************************************************************/
#ifndef EXACT2D_H
#define EXACT2D_H

#include <stddef.h>

/* SU(N), beta, L x L lattice; steps per unit trajectory with integrator
 * integ; ntraj measured trajectories; fv: also check that the finite-volume
 * shift of the exact plaquette exceeds 4 standard errors. */
typedef struct {
  int N; int L; double beta; int steps; long ntraj; int fv; const char *integ;
} exact2d_case_t;

int exact2d_check_all(const exact2d_case_t *cases, size_t ncases, long ntherm,
                      const char *name);

#endif
