/*******************************************************************************
 * check_exact2d.c: HMC plaquette against the exact 2D results, <exp(-dH)> = 1.
 *
 * NP: 1
 * TIMEOUT: 300
 *
 * Cases (tau = 1 with 2 steps of omelyan2mn or leapfrog, fixed seeds, hot
 * start, 200 thermalisation trajectories dropped):
 *   SU(2) beta = 2.0 L = 2, SU(3) beta = 6.0 L = 2: finite-volume values
 *     (exact_lattice2d at L = 2) differ from L = infinity by more than 4
 *     of our standard errors (checked), so the test sees the finite volume;
 *   SU(3) beta = 4.0 L = 4 and SU(2) beta = 3.0 L = 4: a larger lattice.
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
    {2, 2, 2.0, 2, 40000, 1, "omelyan2mn"},
    {3, 2, 6.0, 2, 40000, 1, "leapfrog"},
    {3, 4, 4.0, 2, 10000, 0, "omelyan2mn"},
    {2, 4, 3.0, 2, 10000, 0, "leapfrog"},
};

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int fails = exact2d_check_all(cases, sizeof cases / sizeof cases[0], 200, "check_exact2d");
  MPI_Finalize();
  return fails;
}
