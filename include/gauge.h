/*******************************************************************************
 * gauge.h: a gauge field on a decomposed lattice.
 *
 * gauge_t bundles the geometry, the SU(N) kernels and the link array
 * u[n_ext * D * N * N] (link il = is*D + mu, matrix at u + il*N*N) with a halo
 * plan for it.  Link halos are current only after gauge_exchange.
 ******************************************************************************/
#ifndef GAUGE_H
#define GAUGE_H

#include <stdint.h>
#include "geom.h"
#include "sun.h"

typedef struct gauge {
  const geom_t *g;        /* geometry (not owned) */
  const sun_type_t *su;   /* SU(N) kernels */
  int n;                  /* N */
  int nn;                 /* N*N */
  cplx_t *u;              /* [g->n_ext * D * nn] links */
  halo_t *halo;           /* halo plan for u */
} gauge_t;

/* gauge.c */
gauge_t *gauge_alloc(const geom_t *g, int n);          /* NULL on failure */
void gauge_free(gauge_t *a);
static inline cplx_t *gauge_link(const gauge_t *a, long is, int mu) {
  return a->u + ((size_t)is * a->g->D + mu) * a->nn;
}
void gauge_exchange(gauge_t *a);                        /* collective */
void gauge_set_cold(gauge_t *a);                        /* all links = 1 */
/* Haar-random links, stream (seed, RNG_HOT_START, global link index, 0):
 * the same field on any process grid.  Halos are exchanged. Collective. */
void gauge_set_hot(gauge_t *a, uint64_t seed);
/* Mean over all plaquettes of (1/N) Re tr U_P, summed in double-double
 * so that the value does not depend on the grid.  Exchanges halos first
 * (requires depth >= 1).  Collective. */
double gauge_plaquette_all(gauge_t *a);
/* max over owned links of sun_unitarity_error.  Collective. */
double gauge_unitarity_error_all(const gauge_t *a);

#endif
