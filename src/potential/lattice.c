/*******************************************************************************
 * lattice.c: loop potentials on a decomposed lattice (doc/potential.md).
 *
 * pot_lat_t *pot_lat_alloc(const gauge_t *u, const loop_set_t *ls, int K,
 *                          int nb, int flags, char *msg, int msglen)
 *   Builds the incidence tables of ls on u's geometry (loops.h), checks
 *   that the halo covers the shapes (loops_depth) and, unless flags has
 *   POT_ALLOW_REVISIT, that no loop passes a link twice on this lattice
 *   (loops_check_simple: EMF_ENOTSUP-type refusal, the message says why),
 *   and allocates every buffer of the evaluation (loop-level workspace for
 *   batches of nb loops, the M matrix of every loop a rank evaluates).
 *   Returns NULL with a message in msg (may be NULL) on any failure.
 *
 * void pot_lat_free(pot_lat_t *p)
 *   Releases the workspace (NULL allowed).
 *
 * int pot_lat_eval(pot_lat_t *p, gauge_t *u, const pot_func_t *F, double t,
 *                  double *value, double *grad, double *div)
 *   Phi(U, t) = sum over owned sites x and shapes l of F(f(W_l(x)), t).
 *   1. Exchanges the link halos.
 *   2. For every shape and every base slot (owned sites and the halo sites
 *      whose loops pass an owned link): W = V_0 ... V_{len-1}, then the
 *      loop level in batches of nb (pot_loop_forward, G and h only when div
 *      is wanted); M of every loop is kept; F and len * L of the loops
 *      based at owned sites are summed in double-double.
 *   3. Gradient (gather): for every owned link (x, mu), the sum over its
 *      incidences (shape, position p) in the canonical order of loop_tab_t
 *      of sigma_p Q^+ M Q, with Q = V_0 ... V_{r-1}, r = p for a forward
 *      step (sigma = +1) and r = p + 1 for a backward one (sigma = -1);
 *      equivalently S M S^+ with S = V_r ... V_{len-1}, whichever product is
 *      shorter (Q^+ M Q = S M S^+ because M commutes with W = Q S).  Then
 *      grad_a = -(1/2) sun_to_alg(sum)_a.
 *   4. value and div are reduced over g->comm in double-double (qsum).
 *   Outputs that are NULL are skipped.  Returns EMF_SUCCESS, EMF_EINVAL
 *   (F->K != K), EMF_ENOTSUP (div requested but some loop passes a link
 *   twice) or the F's status (when value or div are requested the status
 *   is agreed between the ranks first).
 *
 * Context: pot_lat_alloc is local; pot_lat_eval is collective on u->g->comm
 * (halo exchange, reductions).  No allocation during pot_lat_eval.  The
 * results do not depend on the process grid, bit for bit, provided F
 * computes each loop independently of its batch (potential.h).
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "potential.h"
#include "util.h"

static void set_msg(char *msg, int msglen, const char *text)
{
  if (msg != NULL && msglen > 0) snprintf(msg, (size_t)msglen, "%s", text);
}

void pot_lat_free(pot_lat_t *p)
{
  if (p == NULL) return;
  if (p->M != NULL && p->tab != NULL)
    for (int s = 0; s < p->tab->n_shapes; s++) afree(p->M[s]);
  free(p->M);
  loop_tab_free(p->tab);
  pot_loop_ws_free(p->lws);
  afree(p->wbuf);
  afree(p->scr);
  free(p);
}

pot_lat_t *pot_lat_alloc(const gauge_t *u, const loop_set_t *ls, int K, int nb,
                         int flags, char *msg, int msglen)
{
  const geom_t *g = u->g;
  pot_lat_t *p;
  char buf[400];
  int simple;
  if (K < 1 || K > POT_KMAX || nb < 1) {
    set_msg(msg, msglen, "pot_lat_alloc: K or batch size out of range");
    return NULL;
  }
  if (ls->D != g->D) {
    set_msg(msg, msglen, "pot_lat_alloc: loop set and lattice dimensions differ");
    return NULL;
  }
  if (ls->n_shapes < 1) {
    set_msg(msg, msglen, "pot_lat_alloc: no loop shapes");
    return NULL;
  }
  simple = loops_check_simple(ls, g->L, buf, sizeof buf) == EMF_SUCCESS;
  if (!simple && !(flags & POT_ALLOW_REVISIT)) {
    set_msg(msg, msglen, buf);
    return NULL;
  }
  p = calloc(1, sizeof *p);
  if (p == NULL) {
    set_msg(msg, msglen, "out of memory");
    return NULL;
  }
  p->D = g->D;
  p->n = u->n;
  p->nn = u->nn;
  p->ngen = u->nn - 1;
  p->K = K;
  p->m = 2 * K;
  p->nb = nb;
  p->simple = simple;
  p->depth = loops_depth(ls);
  p->tab = loop_tab_alloc(ls, g, msg, msglen);
  if (p->tab == NULL) {
    pot_lat_free(p);
    return NULL;
  }
  p->lws = pot_loop_ws_alloc(u->n, K, nb);
  p->wbuf = amalloc((size_t)nb * p->nn * sizeof(cplx_t));
  p->scr = amalloc(4 * (size_t)p->nn * sizeof(cplx_t));
  p->M = calloc((size_t)ls->n_shapes, sizeof *p->M);
  if (p->lws == NULL || p->wbuf == NULL || p->scr == NULL || p->M == NULL) goto nomem;
  for (int s = 0; s < ls->n_shapes; s++) {
    long nbase = p->tab->sh[s].n_base;
    p->M[s] = amalloc((size_t)(nbase > 0 ? nbase : 1) * p->nn * sizeof(cplx_t));
    if (p->M[s] == NULL) goto nomem;
  }
  return p;
nomem:
  set_msg(msg, msglen, "out of memory allocating the potential workspace");
  pot_lat_free(p);
  return NULL;
}

/* out = V_from ... V_{to-1} of a loop (to > from); tmp is scratch */
static void path_product(const sun_type_t *su, const cplx_t *u, const long *link,
                         const int *step, int from, int to, cplx_t *out,
                         cplx_t *tmp)
{
  const int nn = su->nn;
  cplx_t *a = out, *b = tmp;
  /* arrange the ping-pong so that the last product lands in out */
  if ((to - from - 1) % 2 == 1) {
    a = tmp;
    b = out;
  }
  if (step[from] > 0)
    memcpy(a, u + (size_t)link[from] * nn, (size_t)nn * sizeof *a);
  else
    sun_dag(su->n, a, u + (size_t)link[from] * nn);
  for (int q = from + 1; q < to; q++) {
    const cplx_t *v = u + (size_t)link[q] * nn;
    if (step[q] > 0)
      su->mul(b, a, v);
    else
      su->mul_dag(b, a, v);
    cplx_t *c = a;
    a = b;
    b = c;
  }
}

static void gather(pot_lat_t *p, const gauge_t *u, double *grad)
{
  const loop_tab_t *tab = p->tab;
  const sun_type_t *su = u->su;
  const int nn = p->nn, D = p->D, n = p->n;
  cplx_t *acc = p->scr, *q = p->scr + nn, *tmp = p->scr + 2 * nn, *c = p->scr + 3 * nn;
  for (long io = 0; io < tab->n_owned; io++) {
    for (int mu = 0; mu < D; mu++) {
      const int ni = tab->n_inc[mu];
      const long *slots = tab->inc_slot[mu] + io * ni;
      double *x = grad + ((size_t)io * D + mu) * p->ngen;
      sun_zero(n, acc);
      for (int i = 0; i < ni; i++) {
        const int s = tab->inc_shape[mu][i], pos = tab->inc_pos[mu][i];
        const loop_tab_shape_t *sh = &tab->sh[s];
        const int len = sh->len, sigma = sh->step[pos] > 0 ? 1 : -1;
        const int r = sigma > 0 ? pos : pos + 1;
        const long *link = sh->link + slots[i] * len;
        const cplx_t *M = p->M[s] + (size_t)slots[i] * nn;
        const cplx_t *C = M;
        if (r != 0 && r != len) {
          if (r <= len - r) {
            path_product(su, u->u, link, sh->step, 0, r, q, tmp);
            su->mul(tmp, M, q);
            su->dag_mul(c, q, tmp);
          } else {
            path_product(su, u->u, link, sh->step, r, len, q, tmp);
            su->mul(tmp, q, M);
            su->mul_dag(c, tmp, q);
          }
          C = c;
        }
        if (sigma > 0)
          sun_add(n, acc, C);
        else
          sun_axpy(n, acc, -1.0, C);
      }
      su->to_alg(x, acc);
      for (int a = 0; a < p->ngen; a++) x[a] *= -0.5;
    }
  }
}

int pot_lat_eval(pot_lat_t *p, gauge_t *u, const pot_func_t *F, double t,
                 double *value, double *grad, double *div)
{
  const loop_tab_t *tab = p->tab;
  const int nn = p->nn, m = p->m;
  qsum_t sums[2] = {{0, 0}, {0, 0}};
  int status = EMF_SUCCESS;
  if (F->K != p->K) return EMF_EINVAL;
  if (div != NULL && !p->simple) return EMF_ENOTSUP;
  gauge_exchange(u);
  for (int s = 0; s < tab->n_shapes && status == EMF_SUCCESS; s++) {
    const loop_tab_shape_t *sh = &tab->sh[s];
    for (long b0 = 0; b0 < sh->n_base; b0 += p->nb) {
      int nbat = (int)(sh->n_base - b0 < p->nb ? sh->n_base - b0 : p->nb);
      for (int i = 0; i < nbat; i++)
        path_product(u->su, u->u, sh->link + (b0 + i) * sh->len, sh->step, 0,
                     sh->len, p->wbuf + (size_t)i * nn, p->scr);
      status = pot_loop_forward(p->lws, F, s, t, nbat, p->wbuf, div != NULL);
      if (status != EMF_SUCCESS) break;
      for (int i = 0; i < nbat; i++) {
        if (!sh->owned[b0 + i]) continue;
        const double *o = p->lws->out + (size_t)i * (m + 2);
        qsum_add(&sums[0], o[0]);
        if (div != NULL) qsum_add(&sums[1], sh->len * o[m + 1]);
      }
      if (grad != NULL)
        memcpy(p->M[s] + (size_t)b0 * nn, p->lws->M, (size_t)nbat * nn * sizeof(cplx_t));
    }
  }
  if (status == EMF_SUCCESS && grad != NULL) gather(p, u, grad);
  if (value != NULL || div != NULL) {
    int gstatus;
    MPI_Allreduce(&status, &gstatus, 1, MPI_INT, MPI_MAX, u->g->comm);
    if (gstatus != EMF_SUCCESS) return status != EMF_SUCCESS ? status : gstatus;
    qsum_allreduce(sums, 2, u->g->comm);
    if (value != NULL) *value = qsum_value(&sums[0]);
    if (div != NULL) *div = qsum_value(&sums[1]);
  }
  return status;
}
