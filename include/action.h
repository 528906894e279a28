/*******************************************************************************
 * action.h: gauge actions and their forces (tmLQCD "monomial" style).
 *
 * An action term is an action_type_t (name, eval, force) plus its
 * parameters (action_t).  The HMC sums any list of terms; later terms
 * (rectangles, the flow's learned potential) plug in with new types.
 *
 * Conventions (DESIGN.md section 2, doc/hmc.md):
 *   Wilson: S = -(beta/N) sum_P Re tr U_P over all plaquettes mu < nu.
 *   Force = gradient of S in algebra coordinates with the left derivative
 *   D_X f(U) = d/ds f(exp(sX) U):  f[(i*D + mu)*ngen + a] = D_{T_a} S at
 *   the link of owned site i (g->owned[i]) in direction mu.  For a term
 *   Re tr(U_l R) this is Re tr(T_a U_l R) = -(1/2) x_a(U_l R) in the
 *   coordinates of sun.h.
 * Force fields hold the owned links only, in the order of g->owned:
 *   action_force_len(u) = n_owned * D * (N^2 - 1) doubles.
 ******************************************************************************/
#ifndef ACTION_H
#define ACTION_H

#include "gauge.h"
#include "util.h"

typedef struct action action_t;
/* Workspace of the vectorised force kernels (opaque; action.c). */
typedef struct action_ws action_ws_t;

typedef struct action_type {
  const char *name;   /* "wilson" */
  int halo_depth;     /* halo depth the term needs (1 for plaquettes) */
  /* s += this rank's share of S (owned plaquettes / loops); link halos must
   * be current.  Returns EMF_SUCCESS or an EMF_* code.  Local. */
  int (*eval)(const action_t *a, const gauge_t *u, qsum_t *s);
  /* f (+)= gradient of S on every owned link, in the layout above: if add is
   * 0 f is overwritten, else the term is added.  Link halos must be
   * current.  Local (reads halos, never writes them). */
  int (*force)(const action_t *a, const gauge_t *u, double *f, int add);
  /* Optional (NULL: force is used): the same force, bit for bit, through a
   * workspace from action_ws_alloc (which may be NULL: then as force). */
  int (*force_ws)(const action_t *a, const gauge_t *u, double *f, int add,
                  action_ws_t *ws);
} action_type_t;

struct action {
  const action_type_t *type;
  double beta;        /* coupling */
};

/* Types. */
extern const action_type_t *const action_wilson;

/* action.c */
/* Type by name ("wilson"); NULL if unknown. */
const action_type_t *action_type_get(const char *name);
/* Number of doubles of a force/momentum field for u. */
size_t action_force_len(const gauge_t *u);
/* S summed over all ranks (double-double, grid-independent); exchanges the
 * link halos first.  Collective.  Returns EMF_SUCCESS or the first error. */
int action_eval_all(const action_t *a, gauge_t *u, double *s);
/* Same as a double-double accumulator (for energy differences). */
int action_eval_qsum_all(const action_t *a, gauge_t *u, qsum_t *s);
/* Sum of the forces of n terms into f (overwritten); exchanges the link
 * halos first.  Collective.  Returns EMF_SUCCESS or the first error. */
int action_force_all(const action_t *terms, int n, gauge_t *u, double *f);
/* Workspace for the vectorised kernels on fields shaped like u (SU(3)
 * Wilson force, AVX2 builds, local extent l[0] a multiple of 4); NULL when
 * no such kernel applies or out of memory (NULL is a valid argument
 * below).  Local. */
action_ws_t *action_ws_alloc(const gauge_t *u);
void action_ws_free(action_ws_t *ws);
/* action_force_all through the workspace ws (may be NULL): the same bits,
 * faster where a vectorised kernel applies.  Collective. */
int action_force_ws_all(const action_t *terms, int n, gauge_t *u, double *f,
                        action_ws_t *ws);

/* The links and momenta held in the workspace over an MD integration (HMC;
 * grids that split no direction, every term "wilson", N = 3): box_load
 * returns 1 after copying u's owned links and the momenta p (layout above)
 * into ws (0: not applicable, nothing done); forces (action_force_box,
 * same bits as action_force_all), kicks and drifts (action_ws_box_drift,
 * bit for bit exp_mul per link) then act on them in ws until box_store
 * copies them back to u (halos stale) and p.  Local. */
int action_ws_box_load(action_ws_t *ws, const action_t *terms, int n, const gauge_t *u,
                       const double *p);
void action_ws_box_store(action_ws_t *ws, gauge_t *u, double *p);
int action_force_box(const action_t *terms, int n, const gauge_t *u, double *f,
                     action_ws_t *ws);
int action_ws_box_drift(action_ws_t *ws, double c);
/* P -= c F on the momenta in ws, F the force of the one term a on the links
 * in ws (not stored): the bits of action_force_box then p[k] -= c f[k].
 * Local. */
int action_force_kick_box(const action_t *a, const gauge_t *u, double c, action_ws_t *ws);
/* Rows (direction 2) per slab of the box force (tests and tuning; the
 * default: three planes of a slab within 2.75 MB); rows < 1 restores it.
 * The bits do not depend on it.  Local. */
void action_ws_set_slab(action_ws_t *ws, int rows);

/* wilson.c */
/* Wilson action at coupling beta: *value = S (if value != NULL) and
 * f = its force (if f != NULL) in one pass over the links (SU(3)); exchanges
 * the link halos first.  Collective.  EMF_EINVAL for halo depth 0. */
int action_wilson_value_force_all(gauge_t *u, double beta, double *value, double *f);

#endif
