/*******************************************************************************
 * action.c: lookup of action types and the collective drivers.
 *
 * const action_type_t *action_type_get(const char *name)
 *   The action type called name ("wilson"), NULL if there is none.  Local.
 *
 * size_t action_force_len(const gauge_t *u)
 *   n_owned * D * (N^2 - 1): the length of a force or momentum field
 *   (layout in action.h).  Local.
 *
 * int action_eval_qsum_all(const action_t *a, gauge_t *u, qsum_t *s)
 *   Exchanges the link halos, sums every rank's share of S in double-double
 *   and reduces over the ranks (qsum_allreduce), so *s holds the same bits
 *   on every rank and its rounded value does not depend on the grid.
 *   Returns EMF_EINVAL if the halo depth is below what the type needs, else
 *   the status of eval (collectively agreed: the largest code).
 *
 * int action_eval_all(const action_t *a, gauge_t *u, double *s)
 *   As above, rounded to a double.
 *
 * int action_force_all(const action_t *terms, int n, gauge_t *u, double *f)
 *   action_force_ws_all without a workspace: exchanges the link halos once and writes the summed gradient of the n
 *   terms into f (the first term overwrites, the others add, always in
 *   list order).  Returns EMF_EINVAL for n < 1 or a too shallow halo, else
 *   the first non-zero status of a term (agreed over the ranks).
 *
 * action_ws_t *action_ws_alloc(const gauge_t *u)
 * void action_ws_free(action_ws_t *ws)
 *   Workspace of the vectorised kernels for fields shaped like u (now: the
 *   SU(3) Wilson force, wilson_su3.c); NULL when none applies (N != 3,
 *   l[0] not a multiple of 4, no AVX2/FMA) or out of memory.  NULL is
 *   valid wherever a workspace is taken.  Local.
 *
 * int action_force_ws_all(const action_t *terms, int n, gauge_t *u,
 *                         double *f, action_ws_t *ws)
 *   action_force_all, each term through its force_ws entry when ws is not
 *   NULL: the same bits.  The halo exchange is skipped when every term is
 *   "wilson" and the workspace reads the periodic images itself (a grid
 *   that splits no direction); the halos are then left as they were.
 *
 * int action_ws_box_load(action_ws_t *ws, const action_t *terms, int n,
 *                        const gauge_t *u, const double *p)
 *   Moves the links and the momenta p (layout of action.h) into the
 *   workspace for an MD integration (HMC): if ws was made for u's geometry
 *   on a grid that splits no direction and every term is "wilson" with
 *   N = 3, copies u's owned links and p into ws's vector layout and
 *   returns 1; else does nothing and returns 0.  Until
 *   action_ws_box_store, the links and momenta in ws are the current
 *   ones: forces by action_force_box, kicks by action_force_kick_box,
 *   drifts by action_ws_box_drift.
 * void action_ws_box_store(action_ws_t *ws, gauge_t *u, double *p)
 *   Copies the links and momenta in ws back to u's owned links (halos
 *   untouched, hence stale) and to p.
 * int action_force_box(const action_t *terms, int n, const gauge_t *u,
 *                      double *f, action_ws_t *ws)
 *   action_force_all on the links in ws (loaded for these terms; u gives
 *   the geometry only): the same bits.  Returns EMF_SUCCESS.
 * int action_force_kick_box(const action_t *a, const gauge_t *u, double c,
 *                           action_ws_t *ws)
 *   The kick P -= c F on the momenta in ws, F the force of the single
 *   term a on the links in ws (loaded for it), without storing F: the
 *   bits of action_force_box followed by p[k] -= c f[k].  Returns
 *   EMF_SUCCESS.
 * void action_ws_set_slab(action_ws_t *ws, int rows)
 *   Rows in direction 2 per slab of the box force (tests, tuning); rows <
 *   1: the default (three planes of a slab within 2.75 MB).  NULL is fine.
 * int action_ws_box_drift(action_ws_t *ws, double c)
 *   U <- exp(c P) U on the links and momenta in ws, bit for bit the
 *   exp_mul of sun.h per link.  EMF_EDOM if a c p is not
 *   finite (those links untouched), else EMF_SUCCESS.
 *
 * Context: the _all functions are collective over u->g->comm; the box
 * functions are local (their grid has one rank).
 ******************************************************************************/
#include <string.h>
#include "action_int.h"

const action_type_t *action_type_get(const char *name)
{
  if (name != NULL && strcmp(name, action_wilson->name) == 0) return action_wilson;
  return NULL;
}

size_t action_force_len(const gauge_t *u)
{
  return (size_t)u->g->n_owned * u->g->D * u->su->ngen;
}

static int agree(int st, MPI_Comm comm)
{
  int out;
  MPI_Allreduce(&st, &out, 1, MPI_INT, MPI_MAX, comm);
  return out;
}

int action_eval_qsum_all(const action_t *a, gauge_t *u, qsum_t *s)
{
  s->hi = s->lo = 0.0;
  if (u->g->depth < a->type->halo_depth) return EMF_EINVAL;
  gauge_exchange(u);
  int st = a->type->eval(a, u, s);
  qsum_allreduce(s, 1, u->g->comm);
  return agree(st, u->g->comm);
}

int action_eval_all(const action_t *a, gauge_t *u, double *s)
{
  qsum_t q;
  int st = action_eval_qsum_all(a, u, &q);
  *s = qsum_value(&q);
  return st;
}

int action_force_all(const action_t *terms, int n, gauge_t *u, double *f)
{
  return action_force_ws_all(terms, n, u, f, NULL);
}

action_ws_t *action_ws_alloc(const gauge_t *u)
{
  return wilson_su3_ws_alloc(u);
}

void action_ws_free(action_ws_t *ws)
{
  wilson_su3_ws_free(ws);
}

int action_force_ws_all(const action_t *terms, int n, gauge_t *u, double *f,
                        action_ws_t *ws)
{
  if (n < 1) return EMF_EINVAL;
  int self_halo = wilson_su3_ws_self_halo(ws, u);
  for (int k = 0; k < n; k++) {
    if (u->g->depth < terms[k].type->halo_depth) return EMF_EINVAL;
    self_halo &= terms[k].type == action_wilson;
  }
  if (!self_halo) gauge_exchange(u);
  int st = EMF_SUCCESS;
  for (int k = 0; k < n && st == EMF_SUCCESS; k++) {
    const action_type_t *t = terms[k].type;
    if (ws != NULL && t->force_ws != NULL)
      st = t->force_ws(&terms[k], u, f, k > 0, ws);
    else
      st = t->force(&terms[k], u, f, k > 0);
  }
  return agree(st, u->g->comm);
}

int action_ws_box_load(action_ws_t *ws, const action_t *terms, int n, const gauge_t *u,
                       const double *p)
{
  if (n < 1 || !wilson_su3_box_usable(ws, u)) return 0;
  for (int k = 0; k < n; k++)
    if (terms[k].type != action_wilson) return 0;
  wilson_su3_box_load(ws, u, p);
  return 1;
}

void action_ws_box_store(action_ws_t *ws, gauge_t *u, double *p)
{
  wilson_su3_box_store(ws, u, p);
}

int action_force_box(const action_t *terms, int n, const gauge_t *u, double *f,
                     action_ws_t *ws)
{
  for (int k = 0; k < n; k++) wilson_force_su3_box(&terms[k], u, f, k > 0, 0.0, ws);
  return EMF_SUCCESS;
}

int action_force_kick_box(const action_t *a, const gauge_t *u, double c, action_ws_t *ws)
{
  return wilson_force_su3_box(a, u, NULL, 2, c, ws);
}

void action_ws_set_slab(action_ws_t *ws, int rows)
{
  wilson_su3_ws_set_slab(ws, rows);
}

int action_ws_box_drift(action_ws_t *ws, double c)
{
  return wilson_su3_box_drift(ws, c);
}
