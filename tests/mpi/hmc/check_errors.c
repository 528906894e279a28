/*******************************************************************************
 * check_errors.c: error returns of the action, obs and hmc modules.
 *
 * NP: 1 2
 * TIMEOUT: 120
 *
 *   - lookups: action_type_get and hmc_integrator_get return the types by
 *     name and NULL for unknown names or NULL;
 *   - hmc_alloc refuses n_steps < 1, tau <= 0 or NaN, no integrator, no
 *     terms, a halo shallower than the action needs (depth 0);
 *   - action_eval_all / action_force_all: EMF_EINVAL on a depth-0 geometry
 *     or with no terms; obs_wilson_loop_all EMF_EINVAL for R or T < 1 and
 *     depth 0; obs_polyakov_all EMF_EINVAL for depth 0;
 *   - non-finite momenta: hmc_md_drift returns EMF_EDOM on every rank (even
 *     when only rank 0's momenta are bad), and a trajectory whose integration
 *     fails returns the error with the start links restored bit for bit;
 *   - hmc_run stops when the callback returns non-zero (after 3 of 10
 *     trajectories), and the trajectory counter and acceptance monitors
 *     count what was run.
 ******************************************************************************/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "testutil.h"
#include "hmc.h"
#include "obs.h"
#include "util.h"

static int stop_after_3(const hmc_record_t *rec, const gauge_t *u, void *arg)
{
  int *count = arg;
  (void)rec;
  (void)u;
  return ++*count >= 3;
}

int main(int argc, char **argv)
{
  int np, rank;
  tu_mpi_init(&argc, &argv, &np, &rank);
  char msg[256];
  int L[2] = {4, 4}, grid[2] = {np, 1};

  check_true(action_type_get("wilson") == action_wilson, "action_type_get(wilson)");
  check_true(action_type_get("rectangle") == NULL, "unknown action type");
  check_true(action_type_get(NULL) == NULL, "NULL action name");
  check_true(hmc_integrator_get("leapfrog") == hmc_leapfrog, "leapfrog by name");
  check_true(hmc_integrator_get("omelyan2mn") == hmc_omelyan2mn, "omelyan2mn by name");
  check_true(hmc_integrator_get("omelyan4") == NULL, "unknown integrator");
  check_true(hmc_integrator_get(NULL) == NULL, "NULL integrator name");

  /* depth 0 */
  geom_t *g0 = geom_alloc(MPI_COMM_WORLD, 2, L, grid, 0, msg, sizeof msg);
  gauge_t *u0 = gauge_alloc(g0, 2);
  action_t act = {action_wilson, 2.0};
  double s, w, pl[2];
  double *f0 = malloc(action_force_len(u0) * sizeof *f0 + 8);
  hmc_parms_t ok = {1.0, 4, hmc_leapfrog, 7, 0, 0};
  check_int(action_eval_all(&act, u0, &s), EMF_EINVAL, "eval with depth 0");
  check_int(action_force_all(&act, 1, u0, f0), EMF_EINVAL, "force with depth 0");
  check_int(obs_wilson_loop_all(u0, 1, 1, &w), EMF_EINVAL, "Wilson loop with depth 0");
  check_int(obs_polyakov_all(u0, pl), EMF_EINVAL, "Polyakov with depth 0");
  check_true(hmc_alloc(&ok, &act, 1, u0) == NULL, "hmc_alloc with depth 0");
  free(f0);
  gauge_free(u0);
  geom_free(g0);

  geom_t *g = geom_alloc(MPI_COMM_WORLD, 2, L, grid, 1, msg, sizeof msg);
  gauge_t *u = gauge_alloc(g, 2);
  double *f = malloc(action_force_len(u) * sizeof *f);
  check_int(action_force_all(&act, 0, u, f), EMF_EINVAL, "force with no terms");
  check_int(obs_wilson_loop_all(u, 0, 2, &w), EMF_EINVAL, "W(0,2)");
  check_int(obs_wilson_loop_all(u, 2, 0, &w), EMF_EINVAL, "W(2,0)");
  hmc_parms_t bad;
  bad = ok; bad.n_steps = 0;
  check_true(hmc_alloc(&bad, &act, 1, u) == NULL, "n_steps = 0 refused");
  bad = ok; bad.tau = 0.0;
  check_true(hmc_alloc(&bad, &act, 1, u) == NULL, "tau = 0 refused");
  bad = ok; bad.tau = NAN;
  check_true(hmc_alloc(&bad, &act, 1, u) == NULL, "tau = NaN refused");
  bad = ok; bad.integrator = NULL;
  check_true(hmc_alloc(&bad, &act, 1, u) == NULL, "no integrator refused");
  check_true(hmc_alloc(&ok, &act, 0, u) == NULL, "no terms refused");
  check_true(hmc_alloc(&ok, NULL, 1, u) == NULL, "NULL terms refused");

  /* non-finite momenta */
  hmc_t *h = hmc_alloc(&ok, &act, 1, u);
  check_true(h != NULL, "hmc_alloc");
  gauge_set_hot(u, 3);
  hmc_draw_momenta(h, u, 0, h->p);
  if (rank == 0) h->p[1] = NAN;
  check_int(hmc_md_drift(h, u, h->p, 0.1), EMF_EDOM, "drift with a NaN momentum (all ranks)");
  gauge_set_hot(u, 3);
  const size_t lb = (size_t)g->n_ext * g->D * u->nn * sizeof(cplx_t);
  cplx_t *save = malloc(lb);
  memcpy(save, u->u, lb);
  hmc_parms_t huge = ok;
  huge.tau = 1e300;  /* momenta * eps overflow to inf in the drift */
  hmc_t *hh = hmc_alloc(&huge, &act, 1, u);
  hmc_record_t rec;
  check_true(hmc_trajectory(hh, u, &rec) != EMF_SUCCESS, "trajectory with tau = 1e300 fails");
  int same = 1;
  for (long i = 0; i < g->n_owned; i++) {
    size_t off = (size_t)g->owned[i] * g->D * u->nn;
    same &= memcmp(u->u + off, save + off, (size_t)g->D * u->nn * sizeof(cplx_t)) == 0;
  }
  check_true(same, "failed trajectory restores the start links");
  hmc_free(hh);

  /* callback stop */
  int count = 0;
  check_int(hmc_run(h, u, 10, stop_after_3, &count), EMF_SUCCESS, "hmc_run status");
  check_int(count, 3, "callback called 3 times");
  check_int(h->traj, 3, "trajectory counter after the stop");
  check_true(h->n_accepted >= 0 && h->n_accepted <= 3, "acceptance count in range");
  check_true(h->sum_exp_mdH > 0.0, "exp(-dH) monitor summed");
  hmc_free(h);
  free(save);
  free(f);
  gauge_free(u);
  geom_free(g);
  return tu_mpi_finish("check_errors");
}
