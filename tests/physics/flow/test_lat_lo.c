/*******************************************************************************
 * test_lat_lo.c: the leading-order trivialising map lowers KL from Haar
 * (sign and size check of flow.init = "lo").
 *
 * 2D 4x4 lattice, plaquette term with the linear F (K = 1, one time
 * function), 4 fixed RKMK-RK4 steps; coefficient of Re tr W set to c = 0
 * (identity flow: q = Haar), c = c_LO = flow_linf_lo_coef(N, beta, 4) and
 * c = -c_LO.  For the same 256 prior samples (RNG_TRAIN streams) the loss
 * log q + S is computed for each c; KL(q||p) = mean loss + ln Z (exact,
 * exact_lattice2d_volume).  Checks, for SU(2) at beta = 0.5 and SU(3) at
 * beta = 1:
 *  - the paired difference loss(c_LO) - loss(0) has a mean below zero by
 *    more than 5 standard errors (the LO map lowers KL: the sign of the
 *    map is right), and loss(-c_LO) - loss(0) above zero by 5 standard
 *    errors;
 *  - KL(c_LO) < 0.3 KL(0), with the errors of both estimates added to the
 *    bound (2 standard errors each): at small beta the LO map removes the
 *    O(beta^2) part of KL.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "exact.h"
#include "flow_lat.h"
#include "rng.h"
#include "util.h"
#include "check.h"

#define NS 256

static void mean_err(const double *x, int n, double *mean, double *err)
{
  double s = 0, s2 = 0;
  for (int i = 0; i < n; i++) s += x[i];
  s /= n;
  for (int i = 0; i < n; i++) s2 += (x[i] - s) * (x[i] - s);
  *mean = s;
  *err = sqrt(s2 / (n - 1) / n);
}

static void run_case(int N, double beta)
{
  const int L[2] = {4, 4}, grid[EMF_DMAX] = {1, 1, 1, 1};
  char msg[640] = "";
  pot_func_t F;
  flow_linf_t lc;
  double th[2] = {0, 0};
  flow_lat_term_t terms[1] = {{"plaquette", &F, NULL, 0, NULL}};
  exact_lattice2d_t ex;
  flow_linf_init(&F, &lc, 1, 1);
  flow_linf_set(&lc, th, NULL);
  geom_t *g = geom_alloc(MPI_COMM_SELF, 2, L, grid, 1, msg, sizeof msg);
  if (!check_true(g != NULL, "geom: %s", msg)) return;
  flow_lat_t *fl = flow_lat_alloc(g, N, 1, terms, 16, 4, NULL, msg, sizeof msg);
  if (!check_true(fl != NULL, "flow: %s", msg)) return;
  check_int(exact_lattice2d_volume(N, beta, 16, &ex), EMF_SUCCESS, "exact ln Z");
  const double clo = flow_linf_lo_coef(N, beta, 4), cs[3] = {0.0, clo, -clo};
  double *loss = malloc(3 * NS * sizeof(double)), d[2][NS];
  cplx_t *u = malloc((size_t)fl->n_links * N * N * sizeof(cplx_t));
  for (int k = 0; k < 3; k++) {
    th[0] = cs[k];
    for (int b = 0; b < NS; b++) {
      double S = 0, lq = 0;
      flow_lat_prior_stream(fl, 2718, RNG_TRAIN, (uint64_t)b, 0, u);
      check_int(flow_lat_run_fixed(fl, u, &lq, 0), EMF_SUCCESS, "SU(%d) flow", N);
      for (long io = 0; io < g->n_owned; io++)
        memcpy(gauge_link(fl->u, g->owned[io], 0), u + (size_t)io * 2 * N * N,
               (size_t)2 * N * N * sizeof(cplx_t));
      pot_wilson_eval(fl->u, beta, &S, NULL);
      loss[k * NS + b] = lq + S;
    }
  }
  for (int b = 0; b < NS; b++) {
    d[0][b] = loss[NS + b] - loss[b];
    d[1][b] = loss[2 * NS + b] - loss[b];
  }
  double kl[3], ekl[3], md[2], ed[2];
  for (int k = 0; k < 3; k++) {
    mean_err(loss + k * NS, NS, &kl[k], &ekl[k]);
    kl[k] += ex.lnZ;
  }
  mean_err(d[0], NS, &md[0], &ed[0]);
  mean_err(d[1], NS, &md[1], &ed[1]);
  if (getenv("CHECK_VERBOSE") != NULL)
    printf("  SU(%d) beta %g: c_LO = %.6f, KL Haar %.5f(%.5f), LO %.5f(%.5f), -LO %.5f(%.5f); "
           "paired differences %.5f(%.5f), %.5f(%.5f)\n", N, beta, clo, kl[0], ekl[0], kl[1],
           ekl[1], kl[2], ekl[2], md[0], ed[0], md[1], ed[1]);
  check_true(md[0] < -5 * ed[0], "SU(%d) beta %g: the LO map lowers KL (%.5f +- %.5f)", N, beta,
             md[0], ed[0]);
  check_true(md[1] > 5 * ed[1], "SU(%d) beta %g: the reversed map raises KL (%.5f +- %.5f)", N,
             beta, md[1], ed[1]);
  check_true(kl[1] < 0.3 * kl[0] + 2 * ekl[1] + 0.6 * ekl[0],
             "SU(%d) beta %g: KL(LO) = %.5f < 0.3 KL(Haar) = 0.3 x %.5f", N, beta, kl[1], kl[0]);
  free(loss);
  free(u);
  flow_lat_free(fl);
  geom_free(g);
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  run_case(2, 0.5);
  run_case(3, 1.0);
  int f = check_finish("test_lat_lo");
  MPI_Finalize();
  return f;
}
