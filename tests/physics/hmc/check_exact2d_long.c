/*******************************************************************************
 * check_exact2d_long.c: long version of check_exact2d.c (more statistics,
 * more couplings and volumes; one rank: the tiny lattices are latency bound
 * on more).
 *
 * SUITE: long
 * NP: 1
 * TIMEOUT: 1800
 *
 * Cases (tau = 1, omelyan2mn or leapfrog, fixed seeds, hot start, 500
 * thermalisation trajectories dropped): SU(2) beta = 4 L = 2 and SU(3)
 * beta = 4 L = 2 (finite-volume shift checked to exceed 4 errors), SU(2)
 * beta = 6 L = 4 (shift 6e-4, about 2 errors), SU(2) beta = 2 L = 8,
 * SU(3) beta = 6 L = 8 and SU(3) beta = 10 L = 6.
 * Checks, with errors from the Gamma method (stats_gamma, S = 1.5),
 * autocorrelations included:
 *   - the mean plaquette equals exact_lattice2d(N, beta, L) within 3 errors;
 *   - <exp(-dH)> equals 1 within 3 errors;
 *   - acceptance is above 0.5 (2 steps per trajectory: large enough dH
 *     fluctuations, acceptance ~70-95%, for the <exp(-dH)> check to bite).
 * The run and the checks: tests/lib/exact2d.c (exact2d_check_all).
 ******************************************************************************/
#include <mpi.h>
#include "exact2d.h"

static const exact2d_case_t cases[] = {
    {2, 2, 4.0, 3, 200000, 1, "omelyan2mn"},
    {3, 2, 4.0, 3, 200000, 1, "leapfrog"},
    {2, 4, 6.0, 4, 100000, 0, "omelyan2mn"},
    {2, 8, 2.0, 4, 50000, 0, "leapfrog"},
    {3, 8, 6.0, 4, 50000, 0, "omelyan2mn"},
    {3, 6, 10.0, 5, 50000, 0, "omelyan2mn"},
};

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int fails = exact2d_check_all(cases, sizeof cases / sizeof cases[0], 500, "check_exact2d_long");
  MPI_Finalize();
  return fails;
}
