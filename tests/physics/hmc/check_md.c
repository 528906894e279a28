/*******************************************************************************
 * check_md.c: molecular dynamics of the HMC: reversibility and |dH| ~ eps^2.
 *
 * NP: 1 2
 * TIMEOUT: 300
 *
 * Cases: 2D SU(2) 8x8 beta = 2.0 and 4D SU(3) 4^4 beta = 5.5, each brought
 * near equilibrium from a hot start by a few always-accepted trajectories.
 * For both integrators (leapfrog, omelyan2mn):
 *   - reversibility: one trajectory (tau = 1, 10 steps) with the check on:
 *     integrating back with flipped momenta returns every link entry and
 *     every momentum to within 1e-12 of the start; the forward end point is
 *     kept (links after the trajectory equal those of a run without the
 *     check, bit for bit);
 *   - energy conservation: with fixed start links and momenta, |dH| for
 *     tau = 1 and n = 20, 28, 40, 56, 80, 112, 160, 200 steps (a decade of
 *     eps) follows a power law whose least-squares slope in log|dH| vs
 *     log eps is 2 +- 0.2, and falls by more than 50x over the decade;
 *   - the MD kick/drift counts: leapfrog n+1 forces, omelyan2mn 2n+1.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "hmc.h"
#include "util.h"

typedef struct { int D, N; int L[EMF_DMAX]; double beta; } case_t;

static const case_t cases[] = {
    {2, 2, {8, 8}, 2.0},
    {4, 3, {4, 4, 4, 4}, 5.5},
};

static const int nsteps[] = {20, 28, 40, 56, 80, 112, 160, 200};
#define NEPS ((int)(sizeof nsteps / sizeof nsteps[0]))

/* |dH| of one MD integration of fixed momenta (trajectory number traj) from
 * the current links, which are restored afterwards. */
static double abs_dH(hmc_t *h, gauge_t *u, long traj, int n)
{
  const size_t lb = (size_t)u->g->n_ext * u->g->D * u->nn * sizeof(cplx_t);
  cplx_t *save = malloc(lb);
  qsum_t H0, H1;
  memcpy(save, u->u, lb);
  hmc_draw_momenta(h, u, traj, h->p);
  hmc_hamiltonian_all(h, u, h->p, &H0);
  h->parms.integrator->integrate(h, u, h->p, 1.0 / n, n);
  hmc_hamiltonian_all(h, u, h->p, &H1);
  qsum_add(&H1, -H0.hi);
  qsum_add(&H1, -H0.lo);
  memcpy(u->u, save, lb);
  gauge_exchange(u);
  free(save);
  return fabs(qsum_value(&H1));
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  error_init(MPI_COMM_WORLD);
  log_init(MPI_COMM_WORLD, NULL);
  int np;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  const hmc_integrator_type_t *integ[2] = {hmc_leapfrog, hmc_omelyan2mn};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const case_t *t = &cases[c];
    int grid[EMF_DMAX] = {1, 1, 1, 1};
    char msg[256];
    grid[0] = np;
    geom_t *g = geom_alloc(MPI_COMM_WORLD, t->D, t->L, grid, 1, msg, sizeof msg);
    ERROR(g == NULL, EMF_EXIT_INTERNAL, "geom_alloc: %s", msg);
    gauge_t *u = gauge_alloc(g, t->N);
    action_t act = {action_wilson, t->beta};
    const size_t lb = (size_t)g->n_ext * t->D * u->nn * sizeof(cplx_t);
    cplx_t *therm = malloc(lb), *fwd = malloc(lb);
    gauge_set_hot(u, 99);
    {
      hmc_parms_t p = {1.0, 20, hmc_omelyan2mn, 5, 0, 0};
      hmc_t *h = hmc_alloc(&p, &act, 1, u);
      for (long k = 0; k < 6; k++) {
        hmc_draw_momenta(h, u, 1000 + k, h->p);
        h->parms.integrator->integrate(h, u, h->p, 0.05, 20);
      }
      hmc_free(h);
    }
    gauge_exchange(u);
    memcpy(therm, u->u, lb);
    message("case N=%d D=%d beta=%g: plaquette after heat-up %.4f", t->N, t->D,
            t->beta, gauge_plaquette_all(u));
    for (int k = 0; k < 2; k++) {
      /* reversibility, and the forward end point is kept */
      hmc_parms_t p = {1.0, 10, integ[k], 5, 1, 0};
      hmc_parms_t p0 = {1.0, 10, integ[k], 5, 0, 0};
      hmc_record_t rec, rec0;
      memcpy(u->u, therm, lb);
      hmc_t *h0 = hmc_alloc(&p0, &act, 1, u);
      h0->traj = 7;
      hmc_trajectory(h0, u, &rec0);
      check_int(h0->n_force, integ[k]->forces_per_step * 10 + 1,
                "%s: forces per trajectory", integ[k]->name);
      memcpy(fwd, u->u, lb);
      hmc_free(h0);
      memcpy(u->u, therm, lb);
      hmc_t *h = hmc_alloc(&p, &act, 1, u);
      h->traj = 7;
      hmc_trajectory(h, u, &rec);
      message("  %-10s dH = %.3e  rev dU = %.2e  dp = %.2e  accepted %d",
              integ[k]->name, rec.dH, rec.rev_dU, rec.rev_dp, rec.accepted);
      check_true(rec.rev_dU < 1e-12, "N=%d D=%d %s: reversibility links %.2e < 1e-12",
                 t->N, t->D, integ[k]->name, rec.rev_dU);
      check_true(rec.rev_dp < 1e-12, "N=%d D=%d %s: reversibility momenta %.2e < 1e-12",
                 t->N, t->D, integ[k]->name, rec.rev_dp);
      check_bits(&rec.dH, &rec0.dH, sizeof rec.dH, "%s: dH unchanged by the check",
                 integ[k]->name);
      int same = 1;
      for (long i = 0; i < g->n_owned; i++) {
        size_t off = (size_t)g->owned[i] * t->D * u->nn;
        same &= memcmp(u->u + off, fwd + off, (size_t)t->D * u->nn * sizeof(cplx_t)) == 0;
      }
      check_true(same, "N=%d D=%d %s: end links unchanged by the check", t->N, t->D,
                 integ[k]->name);
      /* |dH| ~ eps^2 */
      memcpy(u->u, therm, lb);
      gauge_exchange(u);
      double lx[NEPS], ly[NEPS], sx = 0, sy = 0, sxx = 0, sxy = 0;
      for (int e = 0; e < NEPS; e++) {
        double d = abs_dH(h, u, 2000, nsteps[e]);
        lx[e] = log(1.0 / nsteps[e]);
        ly[e] = log(d);
        message("  %-10s eps = %.4f  |dH| = %.4e", integ[k]->name, 1.0 / nsteps[e], d);
        sx += lx[e]; sy += ly[e]; sxx += lx[e] * lx[e]; sxy += lx[e] * ly[e];
      }
      double slope = (NEPS * sxy - sx * sy) / (NEPS * sxx - sx * sx);
      check_abs(slope, 2.0, 0.2, "N=%d D=%d %s: |dH| ~ eps^slope, slope %.3f = 2 +- 0.2",
                t->N, t->D, integ[k]->name, slope);
      check_true(ly[NEPS - 1] - ly[0] < log(2e-2),
                 "N=%d D=%d %s: |dH| falls by > 50x over the decade", t->N, t->D,
                 integ[k]->name);
      hmc_free(h);
    }
    free(therm);
    free(fwd);
    gauge_free(u);
    geom_free(g);
  }
  int fails = check_finish_mpi("check_md", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails;
}
