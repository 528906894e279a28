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
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "check.h"
#include "exact.h"
#include "hmc.h"
#include "stats.h"
#include "util.h"

typedef struct {
  int N; int L; double beta; int steps; long ntraj; int fv; const char *integ;
} case_t;

static const case_t cases[] = {
    {2, 2, 2.0, 2, 40000, 1, "omelyan2mn"},
    {3, 2, 6.0, 2, 40000, 1, "leapfrog"},
    {3, 4, 4.0, 2, 10000, 0, "omelyan2mn"},
    {2, 4, 3.0, 2, 10000, 0, "leapfrog"},
};

typedef struct { double *plaq, *expm; long n, nacc; } series_t;

static int record(const hmc_record_t *rec, const gauge_t *u, void *arg)
{
  series_t *s = arg;
  (void)u;
  s->plaq[s->n] = rec->plaquette;
  s->expm[s->n] = rec->exp_mdH;
  s->nacc += rec->accepted;
  s->n++;
  return 0;
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  error_init(MPI_COMM_WORLD);
  log_init(MPI_COMM_WORLD, NULL);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const case_t *t = &cases[c];
    int L[2] = {t->L, t->L}, grid[2] = {0, 0};
    char msg[256];
    {
      int np;
      MPI_Comm_size(MPI_COMM_WORLD, &np);
      int req[2] = {0, 0};
      ERROR(geom_choose_grid(2, L, np, req, grid, msg, sizeof msg) != EMF_SUCCESS,
            EMF_EXIT_INTERNAL, "%s", msg);
    }
    geom_t *g = geom_alloc(MPI_COMM_WORLD, 2, L, grid, 1, msg, sizeof msg);
    ERROR(g == NULL, EMF_EXIT_INTERNAL, "geom_alloc: %s", msg);
    gauge_t *u = gauge_alloc(g, t->N);
    action_t act = {action_wilson, t->beta};
    hmc_parms_t p = {1.0, t->steps, hmc_integrator_get(t->integ), 1000 + c, 0, 0};
    hmc_t *h = hmc_alloc(&p, &act, 1, u);
    series_t s = {malloc(t->ntraj * sizeof(double)), malloc(t->ntraj * sizeof(double)), 0, 0};
    double t0 = wtime();
    gauge_set_hot(u, 5 + c);
    hmc_run(h, u, 200, NULL, NULL);
    hmc_run(h, u, t->ntraj, record, &s);
    stats_gamma_t rp, re;
    stats_gamma(s.plaq, s.n, STATS_S_DEFAULT, &rp);
    stats_gamma(s.expm, s.n, STATS_S_DEFAULT, &re);
    exact_lattice2d_t ex, exinf;
    exact_lattice2d(t->N, t->beta, t->L, &ex);
    exact_lattice2d(t->N, t->beta, 0, &exinf);
    double acc = (double)s.nacc / s.n;
    message("SU(%d) beta=%g L=%d: plaquette %.6f +- %.6f (tau_int %.2f), exact %.6f "
            "(L=inf %.6f); <exp(-dH)> = %.5f +- %.5f; acceptance %.3f; %.1f s",
            t->N, t->beta, t->L, rp.mean, rp.error, rp.tau_int, ex.plaquette,
            exinf.plaquette, re.mean, re.error, acc, wtime() - t0);
    check_sigma(rp.mean, ex.plaquette, rp.error, 3.0,
                "SU(%d) beta=%g L=%d: plaquette vs exact (3 sigma)", t->N, t->beta, t->L);
    if (t->fv)
      check_true(fabs(ex.plaquette - exinf.plaquette) > 4.0 * rp.error,
                 "SU(%d) beta=%g L=%d: finite-volume shift %.4f > 4 errors", t->N,
                 t->beta, t->L, fabs(ex.plaquette - exinf.plaquette));
    check_sigma(re.mean, 1.0, re.error, 3.0, "SU(%d) beta=%g L=%d: <exp(-dH)> = 1 (3 sigma)",
                t->N, t->beta, t->L);
    check_true(acc > 0.5, "SU(%d) beta=%g L=%d: acceptance %.3f > 0.5", t->N, t->beta,
               t->L, acc);
    free(s.plaq);
    free(s.expm);
    hmc_free(h);
    gauge_free(u);
    geom_free(g);
  }
  int fails = check_finish_mpi("check_exact2d", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails;
}
