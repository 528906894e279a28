/*******************************************************************************
 * exact2d.c: one HMC run in 2D checked against the exact plaquette.
 *
 * int exact2d_check_all(const exact2d_case_t *cases, size_t ncases,
 *                       long ntherm, const char *name)
 *   Calls error_init and log_init on MPI_COMM_WORLD, runs every case and
 *   returns check_finish_mpi(name, MPI_COMM_WORLD) (the number of failed
 *   checks, on every rank).  Case number c runs on MPI_COMM_WORLD:
 *   an L x L lattice on a process grid chosen by geom_choose_grid, the
 *   Wilson action at beta, trajectories of length 1 with steps steps of
 *   integ, HMC seed 1000 + c, hot start with seed 5 + c; ntherm
 *   trajectories are dropped and ntraj measured.  With errors from the
 *   Gamma method (stats_gamma, S = STATS_S_DEFAULT), autocorrelations
 *   included, it checks (check.h):
 *     - the mean plaquette equals exact_lattice2d(N, beta, L) within 3 errors;
 *     - if fv, the exact L and L = infinity plaquettes differ by more than
 *       4 errors (the test sees the finite volume);
 *     - <exp(-dH)> equals 1 within 3 errors;
 *     - the acceptance is above 0.5.
 *   Prints one summary line a case through message().  Aborts (ERROR) if no
 *   grid of the ranks divides the lattice or the geometry cannot be built.
 *
 * Context: collective over MPI_COMM_WORLD; requires MPI_Init.
 ******************************************************************************/
#include <math.h>
#include <stdlib.h>
#include "check.h"
#include "exact.h"
#include "exact2d.h"
#include "hmc.h"
#include "stats.h"
#include "util.h"

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

static void check_case(const exact2d_case_t *t, size_t c, long ntherm)
{
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
  hmc_run(h, u, ntherm, NULL, NULL);
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

int exact2d_check_all(const exact2d_case_t *cases, size_t ncases, long ntherm,
                      const char *name)
{
  error_init(MPI_COMM_WORLD);
  log_init(MPI_COMM_WORLD, NULL);
  for (size_t c = 0; c < ncases; c++) check_case(&cases[c], c, ntherm);
  return check_finish_mpi(name, MPI_COMM_WORLD);
}
