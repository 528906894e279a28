/*******************************************************************************
 * check_drift_simd.c: the four-link drift kernel equals the one-link one
 * bit for bit.
 *
 * NP: 1 2
 * TIMEOUT: 120
 *
 *   - exp_mul4 of the SU(3) (vectorised with AVX2) and SU(2) tables against
 *     four exp_mul calls (memcmp of the links and equal status) on 20000
 *     random quadruples of Haar links and momenta whose sizes vary from
 *     lane to lane (|c x| from 1e-3 to 4: every Taylor degree 8..18 and
 *     the closed form of su3_exp_coeffs occur, mixed within a quadruple),
 *     with c = +-0.05 and 1;
 *   - quadruples with a non-finite momentum in one lane: EMF_EDOM, that
 *     link untouched, the other three as exp_mul gives them;
 *   - hmc_md_drift (groups of four owned links, the remainder one by one)
 *     against exp_mul link by link on SU(3) fields in D = 4 (8x4x2x2) and
 *     D = 3 (3x3x3: 81 links, a remainder of 1), on every rank.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "hmc.h"
#include "testutil.h"
#include "util.h"

static const uint64_t seed = 777;

/* one quadruple: links from Haar, momenta with lane scales sc[l] */
static void quad(const sun_type_t *su, uint64_t *st, const double *sc, cplx_t (*u)[9],
                 double (*x)[8])
{
  double gs[2 * 9];
  for (int l = 0; l < 4; l++) {
    do {
      for (int k = 0; k < 2 * su->nn; k++) gs[k] = tu_gauss(st);
    } while (sun_haar_from_gaussians(su->n, u[l], gs) != EMF_SUCCESS);
    for (int a = 0; a < su->ngen; a++) x[l][a] = sc[l] * tu_gauss(st);
  }
}

static int compare(const sun_type_t *su, cplx_t (*u)[9], double (*x)[8], double c,
                   int *n_edom)
{
  cplx_t v[4][9], w[4][9];
  int stw = EMF_SUCCESS;
  memcpy(v, u, sizeof v);
  memcpy(w, u, sizeof w);
  cplx_t *pv[4] = {v[0], v[1], v[2], v[3]};
  const double *px[4] = {x[0], x[1], x[2], x[3]};
  int stv = su->exp_mul4(pv, px, c);
  for (int l = 0; l < 4; l++) {
    int s1 = su->exp_mul(w[l], x[l], c);
    if (stw == EMF_SUCCESS) stw = s1;
  }
  *n_edom += stv == EMF_EDOM;
  return stv == stw && memcmp(v, w, sizeof v) == 0;
}

static void drift_field(int D, const int *L, int *ok)
{
  int grid[EMF_DMAX] = {1, 1, 1, 1}, np;
  char msg[256];
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  grid[0] = L[0] % np == 0 ? np : 1;
  if (grid[0] != np) return;
  geom_t *g = geom_alloc(MPI_COMM_WORLD, D, L, grid, 1, msg, sizeof msg);
  ERROR_LOC(g == NULL, EMF_EXIT_INTERNAL, "geom_alloc: %s", msg);
  gauge_t *u = gauge_alloc(g, 3);
  action_t act = {action_wilson, 5.0};
  hmc_parms_t p = {1.0, 1, hmc_leapfrog, seed, 0, 0};
  hmc_t *h = hmc_alloc(&p, &act, 1, u);
  gauge_set_hot(u, seed);
  hmc_draw_momenta(h, u, 3, h->p);
  const size_t lb = (size_t)g->n_ext * D * 9 * sizeof(cplx_t);
  cplx_t *ref = malloc(lb);
  memcpy(ref, u->u, lb);
  for (long i = 0; i < g->n_owned; i++)
    for (int mu = 0; mu < D; mu++)
      u->su->exp_mul(ref + ((size_t)g->owned[i] * D + mu) * 9,
                     h->p + ((size_t)i * D + mu) * 8, 0.3);
  check_int(hmc_md_drift(h, u, h->p, 0.3), EMF_SUCCESS, "D=%d drift status", D);
  *ok = memcmp(ref, u->u, lb) == 0;
  check_true(*ok, "D=%d: hmc_md_drift = exp_mul link by link (%ld links)", D,
             g->n_owned * D);
  free(ref);
  hmc_free(h);
  gauge_free(u);
  geom_free(g);
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  error_init(MPI_COMM_WORLD);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int n = 2; n <= 3; n++) {
    const sun_type_t *su = sun_type_get(n);
    uint64_t st = seed + (uint64_t)rank * 1000 + n;
    int good = 0, total = 0, n_edom = 0, n_closed = 0;
    cplx_t u[4][9];
    double x[4][8];
    const double cs[3] = {0.05, -0.05, 1.0};
    for (int t = 0; t < 20000; t++) {
      double sc[4];
      const double c = cs[t % 3];
      for (int l = 0; l < 4; l++) sc[l] = exp(log(1e-3) + tu_uniform(&st) * log(4e3)) / fabs(c);
      quad(su, &st, sc, u, x);
      double n2 = 0.0;
      for (int l = 0; l < 4; l++) {
        double q = 0.0;
        for (int a = 0; a < su->ngen; a++) q += c * c * x[l][a] * x[l][a];
        if (q / 4.0 >= 0.76) n2 = 1.0;
      }
      n_closed += n2 > 0.0;
      if (t % 50 == 0) x[t / 50 % 4][t / 100 % su->ngen] = t % 100 == 0 ? NAN : INFINITY;
      good += compare(su, u, x, c, &n_edom);
      total++;
    }
    check_int(good, total, "N=%d: exp_mul4 = 4 x exp_mul, bits and status", n);
    check_int(n_edom, 400, "N=%d: quadruples with a non-finite lane give EMF_EDOM", n);
    check_true(n_closed > 1000 && n_closed < 15000,
               "N=%d: quadruples with a closed-form lane: %d", n, n_closed);
  }
  int ok = 0;
  const int L4[4] = {8, 4, 2, 2}, L3[4] = {3, 3, 3, 1};
  drift_field(4, L4, &ok);
  drift_field(3, L3, &ok);
  int fails = check_finish_mpi("check_drift_simd", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails;
}
