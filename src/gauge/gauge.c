/*******************************************************************************
 * gauge.c: gauge fields on a decomposed lattice.
 *
 * gauge_t *gauge_alloc(const geom_t *g, int n)
 *   Allocates the links of the extended box (halos included) for SU(n) and a
 *   halo plan; links are set to the unit matrix.  Returns NULL if n is not
 *   supported or memory is short.  Local (halo_alloc may be collective: call
 *   on all ranks together).
 *
 * void gauge_free(gauge_t *a)
 *   Releases a field from gauge_alloc (NULL is allowed).  Call on all ranks.
 *
 * void gauge_exchange(gauge_t *a)
 *   Copies owned links into the halos of the neighbouring ranks.  Collective.
 *
 * void gauge_set_cold(gauge_t *a)
 *   Every link (halos included) becomes the unit matrix.  Local.
 *
 * void gauge_set_hot(gauge_t *a, uint64_t seed)
 *   Every owned link becomes Haar random, drawn from the stream
 *   (seed, RNG_HOT_START, global link index, step 0); halos are exchanged.
 *   The field does not depend on the process grid.  Collective.
 *
 * double gauge_plaquette_all(gauge_t *a)
 *   <(1/N) Re tr U_P> over all plaquettes mu < nu of the global lattice;
 *   exchanges halos first.  Terms are summed in double-double (util.h qsum)
 *   so the value is grid-independent.  Collective; needs depth >= 1.
 *
 * double gauge_unitarity_error_all(const gauge_t *a)
 *   Largest sun_unitarity_error of an owned link, over all ranks.  Collective.
 ******************************************************************************/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "gauge.h"
#include "rng.h"
#include "util.h"

gauge_t *gauge_alloc(const geom_t *g, int n)
{
  gauge_t *a;
  const sun_type_t *su = sun_type_get(n);
  if (su == NULL) return NULL;
  a = calloc(1, sizeof *a);
  if (a == NULL) return NULL;
  a->g = g;
  a->su = su;
  a->n = n;
  a->nn = n * n;
  a->u = acalloc((size_t)g->n_ext * g->D * a->nn, sizeof(cplx_t));
  a->halo = halo_alloc(g, (size_t)g->D * a->nn * sizeof(cplx_t));
  if (a->u == NULL || a->halo == NULL) {
    gauge_free(a);
    return NULL;
  }
  gauge_set_cold(a);
  return a;
}

void gauge_free(gauge_t *a)
{
  if (a == NULL) return;
  if (a->halo) halo_free(a->halo);
  afree(a->u);
  free(a);
}

void gauge_exchange(gauge_t *a) { halo_exchange(a->halo, a->u); }

void gauge_set_cold(gauge_t *a)
{
  long nl = a->g->n_ext * a->g->D;
  for (long il = 0; il < nl; il++) sun_unit(a->n, a->u + (size_t)il * a->nn);
}

void gauge_set_hot(gauge_t *a, uint64_t seed)
{
  const geom_t *g = a->g;
  for (long k = 0; k < g->n_owned; k++) {
    long is = g->owned[k];
    for (int mu = 0; mu < g->D; mu++) {
      rng_stream_t s;
      uint64_t gl = (uint64_t)g->gsite[is] * (uint64_t)g->D + (uint64_t)mu;
      int status;
      rng_stream_init(&s, seed, RNG_HOT_START, gl, 0);
      status = rng_haar_sun(&s, a->n, gauge_link(a, is, mu));
      ERROR_LOC(status != EMF_SUCCESS, EMF_EXIT_INTERNAL,
                "Haar sampling failed: %s", error_string(status));
    }
  }
  gauge_exchange(a);
}

/* Re tr(A B^+) = Re sum_ij A_ij conj(B_ij) */
static double re_trace_mul_dag(int nn, const cplx_t *x, const cplx_t *y)
{
  double s = 0.0;
  for (int k = 0; k < nn; k++) s += creal(x[k]) * creal(y[k]) + cimag(x[k]) * cimag(y[k]);
  return s;
}

/* Re tr [U_mu(x) U_nu(x+mu) U_mu(x+nu)^+ U_nu(x)^+] */
static double plaquette_at(const gauge_t *a, long is, int mu, int nu,
                           cplx_t *w1, cplx_t *w2)
{
  const geom_t *g = a->g;
  const sun_type_t *su = a->su;
  long xmu = g->up[is * g->D + mu], xnu = g->up[is * g->D + nu];
  su->mul(w1, gauge_link(a, is, mu), gauge_link(a, xmu, nu));
  su->mul_dag(w2, w1, gauge_link(a, xnu, mu));
  return re_trace_mul_dag(a->nn, w2, gauge_link(a, is, nu));
}

double gauge_plaquette_all(gauge_t *a)
{
  const geom_t *g = a->g;
  cplx_t w1[EMF_NMAX * EMF_NMAX], w2[EMF_NMAX * EMF_NMAX];
  qsum_t s = {0.0, 0.0};
  double npl = (double)g->n_global * g->D * (g->D - 1) / 2;
  gauge_exchange(a);
  for (long k = 0; k < g->n_owned; k++) {
    long is = g->owned[k];
    for (int mu = 0; mu < g->D; mu++)
      for (int nu = mu + 1; nu < g->D; nu++)
        qsum_add(&s, plaquette_at(a, is, mu, nu, w1, w2));
  }
  qsum_allreduce(&s, 1, g->comm);
  return qsum_value(&s) / (a->n * npl);
}

double gauge_unitarity_error_all(const gauge_t *a)
{
  const geom_t *g = a->g;
  double mine = 0.0, all;
  for (long k = 0; k < g->n_owned; k++)
    for (int mu = 0; mu < g->D; mu++) {
      double e = sun_unitarity_error(a->n, gauge_link(a, g->owned[k], mu));
      if (!(e <= mine)) mine = e;  /* NaN propagates */
    }
  MPI_Allreduce(&mine, &all, 1, MPI_DOUBLE, MPI_MAX, g->comm);
  return all;
}
