/*******************************************************************************
 * lattice.c: loop potentials on a decomposed lattice (doc/potential.md).
 *
 * pot_lat_t *pot_lat_alloc(const gauge_t *u, const loop_set_t *ls, int K,
 *                          int nb, int flags, char *msg, int msglen)
 *   Builds the incidence tables of ls on u's geometry (loops.h), checks
 *   that the halo covers the shapes (loops_depth) and, unless flags has
 *   POT_ALLOW_REVISIT, that no loop passes a link twice on this lattice
 *   (loops_check_simple: EMF_ENOTSUP-type refusal, the message says why),
 *   and allocates every buffer of the evaluation and of the backward
 *   (loop-level workspace for batches of nb loops, the M matrix and the
 *   per-position backward contributions of every loop a rank evaluates, a
 *   halo plan for cotangent fields).  Returns NULL on every rank with a
 *   message in msg (may be NULL) on any failure.
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
 * int pot_lat_vjp(pot_lat_t *p, gauge_t *u, const pot_func_t *F, double t,
 *                 double vbar, const double *xbar, double dbar, double *ubar)
 *   Backward of pot_lat_eval for J = vbar Phi + <xbar, grad Phi> + dbar div
 *   (doc/potential.md, "Lattice backward").  Exchanges the halos of u and of
 *   xbar.  For every loop (owned bases first, in batches, F->backward with
 *   params = 1; then halo bases with params = 0): prefix products
 *   P_0..P_len, B_q = sigma_q P_r A_q P_r^+ (A_q = xbar on the link of
 *   position q as a matrix, r = q or q+1), Abar = sum_q B_q, the loop-level
 *   backward with (Fbar, xbar, Lbar) = (vbar, Abar, dbar len) giving Y; then
 *   for every position q the link-frame contribution
 *   -(1/2) to_alg(sigma_q P_r^+ (-2 Y + [Bcum_q, M]) P_r),
 *   Bcum_q = sum of B_p over positions p whose prefix P_{r_p} contains the
 *   link q.  ubar on an owned link sums its incidences in canonical order.
 *   Returns EMF_SUCCESS, EMF_EINVAL (F->K != K), EMF_ENOTSUP (dbar != 0 and
 *   loops revisit links) or the F's status (local: the caller decides).
 *
 * Context: pot_lat_alloc, pot_lat_free, pot_lat_eval and pot_lat_vjp are
 * collective on u->g->comm (halo plans and exchanges, reductions).  No
 * allocation in pot_lat_eval or pot_lat_vjp.  The results do not depend on
 * the process grid, bit for bit, provided F computes each loop
 * independently of its batch (potential.h).
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
  if (p->tab != NULL) {
    for (int s = 0; s < p->tab->n_shapes; s++) {
      if (p->M != NULL) afree(p->M[s]);
      if (p->cv != NULL) afree(p->cv[s]);
    }
  }
  free(p->M);
  free(p->cv);
  loop_tab_free(p->tab);
  pot_loop_ws_free(p->lws);
  afree(p->wbuf);
  afree(p->scr);
  if (p->xhalo != NULL) halo_free(p->xhalo);
  afree(p->xext);
  afree(p->pre);
  afree(p->bb);
  free(p->bidx);
  afree(p->xbl);
  afree(p->wbl);
  afree(p->fbl);
  afree(p->lbl);
  free(p);
}

pot_lat_t *pot_lat_alloc(const gauge_t *u, const loop_set_t *ls, int K, int nb,
                         int flags, char *msg, int msglen)
{
  const geom_t *g = u->g;
  pot_lat_t *p;
  char buf[400];
  int simple, ok, all_ok;
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
  if (g->depth < loops_depth(ls)) {
    snprintf(buf, sizeof buf, "halo depth %d is smaller than the %d the loop shapes need",
             g->depth, loops_depth(ls));
    set_msg(msg, msglen, buf);
    return NULL;
  }
  /* from here on failures may be local: agree before returning */
  p = calloc(1, sizeof *p);
  ok = p != NULL;
  if (ok) {
    const size_t nn = (size_t)u->nn, ngen = nn - 1, D = (size_t)g->D;
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
    p->lws = pot_loop_ws_alloc(u->n, K, nb);
    p->wbuf = amalloc((size_t)nb * nn * sizeof(cplx_t));
    p->scr = amalloc(4 * nn * sizeof(cplx_t));
    p->M = calloc((size_t)ls->n_shapes, sizeof *p->M);
    p->cv = calloc((size_t)ls->n_shapes, sizeof *p->cv);
    p->xext = amalloc((size_t)g->n_ext * D * ngen * sizeof(double));
    p->pre = amalloc((size_t)nb * (LOOP_LEN_MAX + 1) * nn * sizeof(cplx_t));
    p->bb = amalloc((size_t)nb * LOOP_LEN_MAX * nn * sizeof(cplx_t));
    p->bidx = malloc((size_t)nb * sizeof(long));
    p->xbl = amalloc((size_t)nb * ngen * sizeof(double));
    p->wbl = amalloc((size_t)nb * ngen * sizeof(double));
    p->fbl = amalloc((size_t)nb * sizeof(double));
    p->lbl = amalloc((size_t)nb * sizeof(double));
    ok = p->tab && p->lws && p->wbuf && p->scr && p->M && p->cv && p->xext &&
         p->pre && p->bb && p->bidx && p->xbl && p->wbl && p->fbl && p->lbl;
    for (int s = 0; ok && s < ls->n_shapes; s++) {
      size_t nbase = (size_t)(p->tab->sh[s].n_base > 0 ? p->tab->sh[s].n_base : 1);
      p->M[s] = amalloc(nbase * nn * sizeof(cplx_t));
      p->cv[s] = amalloc(nbase * (size_t)p->tab->sh[s].len * ngen * sizeof(double));
      ok = p->M[s] != NULL && p->cv[s] != NULL;
    }
  }
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, g->comm);
  if (p != NULL && all_ok)
    p->xhalo = halo_alloc(g, (size_t)g->D * (u->nn - 1) * sizeof(double));
  ok = p != NULL && all_ok && p->xhalo != NULL;
  if (!ok) {
    set_msg(msg, msglen, "out of memory allocating the potential workspace");
    pot_lat_free(p);
    return NULL;
  }
  return p;
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

/* Backward of one batch of cnt loops of shape s (slots p->bidx). */
static int vjp_batch(pot_lat_t *p, const gauge_t *u, const pot_func_t *F,
                     int s, double t, int cnt, double vbar, int have_x,
                     double dbar, int params)
{
  const loop_tab_shape_t *sh = &p->tab->sh[s];
  const sun_type_t *su = u->su;
  const int len = sh->len, nn = p->nn, n = p->n, ngen = p->ngen, D = p->D;
  const size_t pstride = (size_t)(LOOP_LEN_MAX + 1) * nn, bstride = (size_t)LOOP_LEN_MAX * nn;
  cplx_t *acc = p->scr, *tmp = p->scr + nn, *tmp2 = p->scr + 2 * nn, *ymat = p->scr + 3 * nn;
  int status;
  /* prefix products P_0 = 1, P_{q+1} = P_q V_q; W = P_len */
  for (int i = 0; i < cnt; i++) {
    const long *link = sh->link + p->bidx[i] * len;
    cplx_t *pre = p->pre + i * pstride;
    sun_unit(n, pre);
    for (int q = 0; q < len; q++) {
      const cplx_t *v = u->u + (size_t)link[q] * nn;
      if (q == 0) {
        if (sh->step[0] > 0)
          sun_copy(n, pre + nn, v);
        else
          sun_dag(n, pre + nn, v);
      } else if (sh->step[q] > 0) {
        su->mul(pre + (q + 1) * nn, pre + q * nn, v);
      } else {
        su->mul_dag(pre + (q + 1) * nn, pre + q * nn, v);
      }
    }
    sun_copy(n, p->wbuf + (size_t)i * nn, pre + (size_t)len * nn);
  }
  status = pot_loop_forward(p->lws, F, s, t, cnt, p->wbuf, dbar != 0.0);
  if (status != EMF_SUCCESS) return status;
  /* B_q = sigma_q Q A_q Q^+ (Q = P_{r_q}), Abar = sum_q B_q, in the base frame */
  for (int i = 0; i < cnt; i++) {
    const long *link = sh->link + p->bidx[i] * len;
    const cplx_t *pre = p->pre + i * pstride;
    cplx_t *bq = p->bb + i * bstride;
    p->fbl[i] = vbar;
    p->lbl[i] = dbar * len;
    if (!have_x) continue;
    sun_zero(n, acc);
    for (int q = 0; q < len; q++) {
      const int sigma = sh->step[q] > 0 ? 1 : -1, r = sigma > 0 ? q : q + 1;
      su->from_alg(tmp, p->xext + (size_t)link[q] * ngen);
      su->mul(tmp2, pre + (size_t)r * nn, tmp);
      su->mul_dag(bq + q * nn, tmp2, pre + (size_t)r * nn);
      if (sigma < 0) sun_scale(n, bq + q * nn, -1.0);
      sun_add(n, acc, bq + q * nn);
    }
    su->to_alg(p->xbl + (size_t)i * ngen, acc);
  }
  status = pot_loop_backward(p->lws, F, s, t, cnt, p->fbl, have_x ? p->xbl : NULL,
                             dbar != 0.0 ? p->lbl : NULL, p->wbl, params);
  if (status != EMF_SUCCESS) return status;
  /* per position q: sigma_q Q^+ (-2 Y + [Bcum_q, M]) Q, Bcum_q = sum_{p: r_p > q} B_p */
  for (int i = 0; i < cnt; i++) {
    const cplx_t *pre = p->pre + i * pstride, *bq = p->bb + i * bstride;
    const cplx_t *M = p->lws->M + (size_t)i * nn;
    double *cv = p->cv[s] + (size_t)p->bidx[i] * len * ngen;
    cplx_t bcum[EMF_NMAX * EMF_NMAX], k[EMF_NMAX * EMF_NMAX];
    su->from_alg(ymat, p->wbl + (size_t)i * ngen);
    sun_zero(n, bcum);
    for (int q = len - 1; q >= 0; q--) {
      const int sigma = sh->step[q] > 0 ? 1 : -1, r = sigma > 0 ? q : q + 1;
      if (have_x && sigma < 0) sun_add(n, bcum, bq + q * nn);
      sun_copy(n, k, ymat);
      sun_scale(n, k, -2.0);
      if (have_x) {
        su->mul(tmp, bcum, M);
        sun_add(n, k, tmp);
        su->mul(tmp, M, bcum);
        sun_axpy(n, k, -1.0, tmp);
      }
      su->mul(tmp, k, pre + (size_t)r * nn);
      su->dag_mul(acc, pre + (size_t)r * nn, tmp);
      su->to_alg(cv + (size_t)q * ngen, acc);
      for (int a = 0; a < ngen; a++) cv[(size_t)q * ngen + a] *= -0.5 * sigma;
      if (have_x && sigma > 0) sun_add(n, bcum, bq + q * nn);
    }
  }
  (void)D;
  return EMF_SUCCESS;
}

int pot_lat_vjp(pot_lat_t *p, gauge_t *u, const pot_func_t *F, double t,
                double vbar, const double *xbar, double dbar, double *ubar)
{
  const loop_tab_t *tab = p->tab;
  const geom_t *g = u->g;
  const int D = p->D, ngen = p->ngen;
  int status = EMF_SUCCESS;
  if (F->K != p->K) return EMF_EINVAL;
  if (dbar != 0.0 && !p->simple) return EMF_ENOTSUP;
  gauge_exchange(u);
  memset(p->xext, 0, (size_t)g->n_ext * D * ngen * sizeof(double));
  if (xbar != NULL) {
    for (long io = 0; io < g->n_owned; io++)
      memcpy(p->xext + (size_t)g->owned[io] * D * ngen, xbar + (size_t)io * D * ngen,
             (size_t)D * ngen * sizeof(double));
  }
  halo_exchange(p->xhalo, p->xext);
  /* loops based at owned sites first (their parameter gradients count),
   * then the halo-based ones (input cotangents only) */
  for (int s = 0; s < tab->n_shapes && status == EMF_SUCCESS; s++) {
    const loop_tab_shape_t *sh = &tab->sh[s];
    for (int pass = 0; pass < 2 && status == EMF_SUCCESS; pass++) {
      int cnt = 0;
      for (long b = 0; b < sh->n_base && status == EMF_SUCCESS; b++) {
        if ((sh->owned[b] != 0) != (pass == 0)) continue;
        p->bidx[cnt++] = b;
        if (cnt == p->nb) {
          status = vjp_batch(p, u, F, s, t, cnt, vbar, xbar != NULL, dbar, pass == 0);
          cnt = 0;
        }
      }
      if (cnt > 0 && status == EMF_SUCCESS)
        status = vjp_batch(p, u, F, s, t, cnt, vbar, xbar != NULL, dbar, pass == 0);
    }
  }
  if (status != EMF_SUCCESS) return status;
  /* gather in the canonical incidence order */
  for (long io = 0; io < tab->n_owned; io++) {
    for (int mu = 0; mu < D; mu++) {
      const int ni = tab->n_inc[mu];
      const long *slots = tab->inc_slot[mu] + io * ni;
      double *x = ubar + ((size_t)io * D + mu) * ngen;
      for (int a = 0; a < ngen; a++) x[a] = 0.0;
      for (int i = 0; i < ni; i++) {
        const int s = tab->inc_shape[mu][i], pos = tab->inc_pos[mu][i];
        const double *c = p->cv[s] + ((size_t)slots[i] * tab->sh[s].len + pos) * ngen;
        for (int a = 0; a < ngen; a++) x[a] += c[a];
      }
    }
  }
  return EMF_SUCCESS;
}
