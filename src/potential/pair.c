/*******************************************************************************
 * pair.c: the two-plaquette terms of the lattice potential
 * (doc/flow_lattice.md section 11).  For every pair of adjacent plaquettes
 * P = P_x, Q = P_y in a plane mu < nu (y = x + mu^ or x + nu^), sharing
 * the link s:
 *   Phi2(U) = sum over pairs of alpha Re tr P Re tr Q + gamma Im tr P Im tr Q
 *             + delta Re tr W8,
 *   P_x = V_0 V_1 V_2 V_3 = U_mu(x) U_nu(x + mu^) U_mu(x + nu^)^+ U_nu(x)^+,
 *   W8 = L_P L_Q the figure-eight: each lobe is its plaquette read from s
 *   in the direction that passes s forwards (P itself when P passes s
 *   forwards, else P^+), so W8 passes s twice, both times forwards.
 * coef = (alpha, gamma, delta).
 *
 * pot_pair_t *pot_pair_alloc(const gauge_t *u, char *msg, int msglen)
 *   Checks the halo depth (>= POT_PAIR_DEPTH) and the extents (>= 3, so
 *   that two adjacent plaquettes share exactly one link), allocates the
 *   per-plaquette tables over the extended box and a halo plan for
 *   cotangent fields.  NULL on every rank with a message on failure.
 *
 * void pot_pair_free(pot_pair_t *p)
 *   Releases the workspace (NULL allowed).
 *
 * int pot_pair_eval(pot_pair_t *p, gauge_t *u, const double coef[3],
 *                   double *value, double *grad, double *div)
 *   1. Exchanges u's halos.  For every plaquette slot (base site, plane)
 *      this rank uses (those through an owned link and their in-plane
 *      neighbours; mark_slots): z = tr P and, for each position
 *      q, R_q with D_{T_a} tr P = tr(T_a R_q) on the link of q:
 *      R_0 = rot_0, R_1 = rot_1, R_2 = -rot_3, R_3 = -rot_0, where
 *      rot_k = V_k V_{k+1} V_{k+2} V_{k+3} (indices mod 4); the gradient
 *      coordinates ga_q = -(1/2) to_alg(R_q) of Re tr P and
 *      gb_q = -(1/2) to_alg(-i R_q) of Im tr P.
 *   2. For every slot through an owned link: the neighbour
 *      sums na = sum_y Re tr P_y, nb = sum_y Im tr P_y (order +mu, -mu,
 *      +nu, -nu), so dPhi2/dRe tr P = alpha na at fixed W8.
 *   3. grad on owned link l: the sum over the plaquettes through l, in the
 *      canonical order (planes in order; in each, the plaquette based at
 *      l's site, then the one below), of alpha na ga_q + gamma nb gb_q;
 *      then the figure-eights' delta grad Re tr W8, scattered from every
 *      pair that touches an owned link into double-double sums per link (the
 *      rounded sum does not depend on the order, hence on the grid).
 *   4. Laplacian: Re tr P is an eigenfunction of every link's Laplacian
 *      with eigenvalue -C_F, C_F = (N^2 - 1)/(2N); a product of two traces
 *      adds the cross term 2 <grad, grad'> on the shared link; W8 passes
 *      six links once and s twice, and the cross term of s's two passes is
 *      2 sum_a Re tr(T_a L_P T_a L_Q) = -Re(tr L_P tr L_Q) + Re tr W8 / N
 *      (completeness of the T_a), with tr L_P tr L_Q = conj(z_P) z_Q or
 *      z_P conj(z_Q).  So div = sum over pairs based at owned sites of
 *      -8 C_F (alpha Re.Re + gamma Im.Im) + 2 (alpha ga.ga' + gamma gb.gb')
 *      + delta ((1/N - 8 C_F) Re tr W8 - Re P Re Q - Im P Im Q), summed in
 *      double-double and reduced, like value.
 *
 * int pot_pair_vjp(pot_pair_t *p, gauge_t *u, const double coef[3],
 *                  double vbar, const double *xbar, double dbar,
 *                  double *ubar, qsum_t dcoef[3])
 *   J = vbar Phi2 + <xbar, grad Phi2> + dbar div.  With w = vbar - 8 C_F
 *   dbar, ya_P = sum_q <xbar_q, ga_q> (yb with gb) and Ya, Yb their
 *   neighbour sums, the product terms are, plaquette by plaquette, the
 *   functional J_P = Re(c tr P) + sum_q Re tr(E_q R_q) of P's links with
 *     c   = w (alpha na - i gamma nb) + alpha Ya - i gamma Yb
 *           - dbar delta (na - i nb),
 *     E_q = (alpha na - i gamma nb) Xbar_q (Xbar_q = sum_a xbar_qa T_a)
 *           + 2 dbar (alpha Ga - i gamma Gb), Ga, Gb the partner's ga, gb
 *           on the shared link of q as matrices,
 *   and each figure-eight is J_8 = Re(c8 tr W8) + sum_j Re tr(E_j R_j)
 *   over its eight passes j with c8 = delta (vbar + dbar (1/N - 8 C_F)),
 *   E_j = delta Xbar on the link of j.  Both go through word_backward; the
 *   plaquettes' results are gathered per owned link as in step 3, the
 *   figure-eights' scattered as there.  dcoef gets dJ/d(alpha, gamma,
 *   delta) over the pairs and plaquettes based at owned sites.
 *
 * Context: pot_pair_alloc, pot_pair_free, pot_pair_eval and pot_pair_vjp
 * are collective on u->g->comm.  No allocation in eval or vjp.  Every owned
 * result is computed from the same inputs on any process grid (the
 * extended box holds periodic copies even on one rank) and summed either
 * in a fixed order or in double-double, so grad, ubar, value and div have
 * the same bits on any grid.
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "potential.h"
#include "util.h"

#define PAIR_PLANES_MAX (EMF_DMAX * (EMF_DMAX - 1) / 2)

struct pot_pair {
  const geom_t *g;
  const sun_type_t *su;
  int D, n, nn, ngen, npl;
  int pmu[PAIR_PLANES_MAX], pnu[PAIR_PLANES_MAX];
  long nslot;              /* n_ext * npl, slot = is * npl + plane */
  unsigned char *ok0;      /* the plaquette's links exist */
  unsigned char *ok1;      /* ... and its four in-plane neighbours' */
  unsigned char *need;     /* 2: passes an owned link; 1: a neighbour of
                              one that does; 0: not used on this rank */
  cplx_t *z;               /* tr P */
  cplx_t *R;               /* (nslot, 4, nn) */
  double *ga, *gb;         /* (nslot, 4, ngen) */
  double *na, *nb;         /* neighbour sums of Re tr, Im tr */
  double *ya, *yb;         /* <xbar, ga>, <xbar, gb> over the 4 links */
  double *cv;              /* (nslot, 4, ngen) backward contributions */
  qsum_t *acc8;            /* (n_ext, D, ngen) figure-eight link sums */
  double *w8;              /* (nslot, 2) Re tr W8 of the pairs based there */
  double *xext;            /* (n_ext, D, ngen) cotangent with halos */
  halo_t *xhalo;
  cplx_t *scr;             /* (24, nn) matrix scratch */
  cplx_t *wscr;            /* (32, nn) scratch of word_backward */
};

static void set_msg(char *msg, int msglen, const char *text)
{
  if (msg != NULL && msglen > 0) snprintf(msg, (size_t)msglen, "%s", text);
}

void pot_pair_free(pot_pair_t *p)
{
  if (p == NULL) return;
  if (p->xhalo != NULL) halo_free(p->xhalo);
  free(p->ok0);
  free(p->ok1);
  free(p->need);
  afree(p->z);
  afree(p->R);
  afree(p->ga);
  afree(p->gb);
  afree(p->na);
  afree(p->nb);
  afree(p->ya);
  afree(p->yb);
  afree(p->cv);
  afree(p->xext);
  afree(p->scr);
  afree(p->wscr);
  afree(p->acc8);
  afree(p->w8);
  free(p);
}

static int alloc_tables(pot_pair_t *p)
{
  const size_t ns = (size_t)p->nslot, q4 = 4 * (size_t)p->ngen;
  p->ok0 = calloc(ns, 1);
  p->ok1 = calloc(ns, 1);
  p->need = calloc(ns, 1);
  p->z = amalloc(ns * sizeof(cplx_t));
  p->R = amalloc(ns * 4 * (size_t)p->nn * sizeof(cplx_t));
  p->ga = amalloc(ns * q4 * sizeof(double));
  p->gb = amalloc(ns * q4 * sizeof(double));
  p->na = amalloc(ns * sizeof(double));
  p->nb = amalloc(ns * sizeof(double));
  p->ya = amalloc(ns * sizeof(double));
  p->yb = amalloc(ns * sizeof(double));
  p->cv = amalloc(ns * q4 * sizeof(double));
  p->xext = amalloc((size_t)p->g->n_ext * p->D * p->ngen * sizeof(double));
  p->scr = amalloc(24 * (size_t)p->nn * sizeof(cplx_t));
  p->wscr = amalloc(32 * (size_t)p->nn * sizeof(cplx_t));
  p->acc8 = amalloc((size_t)p->g->n_ext * p->D * p->ngen * sizeof(qsum_t));
  p->w8 = amalloc(ns * 2 * sizeof(double));
  return p->ok0 && p->ok1 && p->need && p->z && p->R && p->ga && p->gb && p->na && p->nb && p->ya &&
         p->yb && p->cv && p->xext && p->scr && p->wscr && p->acc8 && p->w8;
}

static long pos_site(const pot_pair_t *p, long is, int pl, int q, int *dir);
static long nbr_slot(const pot_pair_t *p, long slot, int which);

/* The geometric flags: ok0 (the plaquette's links lie in the extended
 * box), ok1 (and its four in-plane neighbours'), need (2 for the slots
 * whose plaquette passes an owned link: their gradient contributions are
 * gathered; 1 for their neighbours, whose traces and gradients they read).
 * Slots with need 0 are never computed: the owned results do not change,
 * bit for bit (every owned result reads the same slots in the same order). */
static void mark_slots(pot_pair_t *p)
{
  const geom_t *g = p->g;
  for (long slot = 0; slot < p->nslot; slot++) {
    const long is = slot / p->npl;
    const int pl = (int)(slot % p->npl);
    p->ok0[slot] = g->up[is * g->D + p->pmu[pl]] >= 0 && g->up[is * g->D + p->pnu[pl]] >= 0;
  }
  for (long slot = 0; slot < p->nslot; slot++) {
    int ok = p->ok0[slot], owned = 0;
    for (int w = 0; ok && w < 4; w++) {
      const long y = nbr_slot(p, slot, w);
      ok = y >= 0 && p->ok0[y];
    }
    p->ok1[slot] = (unsigned char)ok;
    for (int q = 0; p->ok0[slot] && q < 4; q++) {
      int dir;
      owned |= g->is_owned[pos_site(p, slot / p->npl, (int)(slot % p->npl), q, &dir)];
    }
    p->need[slot] = owned && ok ? 2 : 0;
  }
  for (long slot = 0; slot < p->nslot; slot++)
    for (int w = 0; p->need[slot] == 2 && w < 4; w++) {
      const long y = nbr_slot(p, slot, w);
      if (p->need[y] == 0) p->need[y] = 1;
    }
}

pot_pair_t *pot_pair_alloc(const gauge_t *u, char *msg, int msglen)
{
  const geom_t *g = u->g;
  pot_pair_t *p = NULL;
  char buf[200];
  int ok = 1, all_ok;
  buf[0] = 0;
  if (g->depth < POT_PAIR_DEPTH) {
    snprintf(buf, sizeof buf, "pot_pair_alloc: halo depth %d, the pair term needs %d",
             g->depth, POT_PAIR_DEPTH);
    ok = 0;
  }
  for (int mu = 0; ok && mu < g->D; mu++)
    if (g->L[mu] < 3) {
      snprintf(buf, sizeof buf,
               "pot_pair_alloc: extent %d in direction %d; the pair term needs >= 3 (adjacent "
               "plaquettes must share one link)", g->L[mu], mu);
      ok = 0;
    }
  if (ok) {
    p = calloc(1, sizeof *p);
    ok = p != NULL;
  }
  if (ok) {
    p->g = g;
    p->su = u->su;
    p->D = g->D;
    p->n = u->n;
    p->nn = u->nn;
    p->ngen = u->nn - 1;
    for (int mu = 0; mu < g->D; mu++)
      for (int nu = mu + 1; nu < g->D; nu++) {
        p->pmu[p->npl] = mu;
        p->pnu[p->npl] = nu;
        p->npl++;
      }
    p->nslot = g->n_ext * p->npl;
    ok = alloc_tables(p);
    if (!ok) snprintf(buf, sizeof buf, "pot_pair_alloc: out of memory");
    else mark_slots(p);
  }
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, g->comm);
  if (p != NULL && all_ok) p->xhalo = halo_alloc(g, (size_t)g->D * p->ngen * sizeof(double));
  ok = all_ok && p != NULL && p->xhalo != NULL;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, g->comm);
  if (!all_ok) {
    set_msg(msg, msglen, buf[0] ? buf : "pot_pair_alloc: failed on another rank");
    pot_pair_free(p);
    return NULL;
  }
  return p;
}

/* ---- one plaquette -------------------------------------------------------- */

/* link (site, direction) of position q of slot (is, pl); -1 if outside */
static long pos_site(const pot_pair_t *p, long is, int pl, int q, int *dir)
{
  const geom_t *g = p->g;
  const int mu = p->pmu[pl], nu = p->pnu[pl];
  switch (q) {
  case 0: *dir = mu; return is;
  case 1: *dir = nu; return g->up[is * g->D + mu];
  case 2: *dir = mu; return g->up[is * g->D + nu];
  default: *dir = nu; return is;
  }
}

/* the four factors V_q of the plaquette (V_2, V_3 daggered) into v */
static void load_factors(const pot_pair_t *p, const gauge_t *u, long is, int pl, cplx_t *v)
{
  for (int q = 0; q < 4; q++) {
    int dir;
    const long js = pos_site(p, is, pl, q, &dir);
    const cplx_t *l = gauge_link(u, js, dir);
    if (q < 2) memcpy(v + (size_t)q * p->nn, l, (size_t)p->nn * sizeof(cplx_t));
    else sun_dag(p->n, v + (size_t)q * p->nn, l);
  }
}

/* out = f[s] f[s+1] ... f[s+k-1] (indices mod nf), k >= 1; t1, t2 scratch */
static void cyclic_product(const pot_pair_t *p, cplx_t *out, const cplx_t *const *f, int nf,
                           int s, int k, cplx_t *t1, cplx_t *t2)
{
  const size_t bytes = (size_t)p->nn * sizeof(cplx_t);
  cplx_t *a = t1, *b = t2;
  memcpy(a, f[s % nf], bytes);
  for (int i = 1; i < k; i++) {
    p->su->mul(b, a, f[(s + i) % nf]);
    cplx_t *c = a;
    a = b;
    b = c;
  }
  memcpy(out, a, bytes);
}

static void plaquette_forward(pot_pair_t *p, const gauge_t *u, long slot)
{
  const int nn = p->nn, ngen = p->ngen;
  cplx_t *v = p->scr, *t1 = p->scr + 4 * nn, *t2 = p->scr + 5 * nn, *m = p->scr + 6 * nn;
  const cplx_t *f[4] = {v, v + nn, v + 2 * nn, v + 3 * nn};
  cplx_t *R = p->R + (size_t)slot * 4 * nn;
  double *ga = p->ga + (size_t)slot * 4 * ngen, *gb = p->gb + (size_t)slot * 4 * ngen;
  static const int rot_of[4] = {0, 1, 3, 0};
  static const double sign_of[4] = {1.0, 1.0, -1.0, -1.0};
  load_factors(p, u, slot / p->npl, (int)(slot % p->npl), v);
  for (int q = 0; q < 4; q++) {
    cplx_t *Rq = R + (size_t)q * nn;
    cyclic_product(p, Rq, f, 4, rot_of[q], 4, t1, t2);
    if (q == 0) p->z[slot] = sun_trace(p->n, Rq);
    if (sign_of[q] < 0) sun_scale(p->n, Rq, -1.0);
    p->su->to_alg(ga + (size_t)q * ngen, Rq);
    for (int i = 0; i < nn; i++) m[i] = -I * Rq[i];
    p->su->to_alg(gb + (size_t)q * ngen, m);
    for (int a = 0; a < ngen; a++) {
      ga[q * ngen + a] *= -0.5;
      gb[q * ngen + a] *= -0.5;
    }
  }
}

/* The backward kernel of a closed word W = F_0 F_1 .. F_{n-1} (n <= 8,
 * F_i = U or U^+ of a link, dag[i] = 1 for U^+):
 *   J = Re tr(c W) + es sum_j Re tr(E_j R_j)   (E_j NULL = absent),
 * R_j = sigma_j Q_j^+ W Q_j the word read from pass j (sigma = -1 and the
 * prefix Q_j through F_j for a daggered pass, +1 and the prefix before it
 * otherwise), so that D_{T_a} tr W = tr(T_a R_j) through pass j.  With
 * B_j = sigma_j Q_j E_j Q_j^+ (E_j moved to the base), J = Re tr((c + es
 * sum B) W).  Moving pass r's link, exp(sX) U, inserts Y = sigma_r Q_r X
 * Q_r^+ at the base; it conjugates the B_j of the passes whose prefix holds
 * it (the right set: a later gap, or the same gap when r is daggered, X
 * then sitting left of E_j), so
 *   D_X J = Re tr(Y M_r), M_r = W (c + es B_left) + es B_right W,
 * and out_r = sigma_r (-1/2) to_alg(Q_r^+ M_r Q_r) (n, ngen).  val_c =
 * Re tr W, val_e = sum_j Re tr(B_j W) (without es). */
static void word_backward(pot_pair_t *p, int n, const cplx_t *const *f, const int *dag,
                          cplx_t c, const cplx_t *const *E, double es, double *out,
                          double *val_c, double *val_e)
{
  const int nn = p->nn, N = p->n, ngen = p->ngen;
  cplx_t *Q = p->wscr, *B = Q + 9 * nn, *bl = B + 9 * nn, *br = bl + nn, *m = br + nn;
  cplx_t *t = m + nn, *z = t + nn;
  const cplx_t *W = Q + (size_t)n * nn;
  double x[EMF_NMAX * EMF_NMAX], ve = 0.0;
  int any_e = 0;
  sun_unit(N, Q);
  for (int i = 0; i < n; i++) p->su->mul(Q + (size_t)(i + 1) * nn, Q + (size_t)i * nn, f[i]);
  for (int j = 0; j < n; j++) any_e |= E[j] != NULL;
  if (!any_e) {   /* Q_r^+ c W Q_r = c S_r Q_r, S_r = F_r .. F_{n-1}: suffixes in B */
    sun_unit(N, B + (size_t)n * nn);
    for (int i = n - 1; i > 0; i--) p->su->mul(B + (size_t)i * nn, f[i], B + (size_t)(i + 1) * nn);
    for (int r = 0; r < n; r++) {
      const int gr = r + dag[r];
      if (gr == 0 || gr == n) memcpy(z, W, (size_t)nn * sizeof(cplx_t));
      else p->su->mul(z, B + (size_t)gr * nn, Q + (size_t)gr * nn);
      sun_scale(N, z, c);
      p->su->to_alg(x, z);
      for (int a = 0; a < ngen; a++) out[r * ngen + a] = (dag[r] ? 0.5 : -0.5) * x[a];
    }
    if (val_c != NULL) *val_c = creal(sun_trace(N, W));
    if (val_e != NULL) *val_e = 0.0;
    return;
  }
  for (int j = 0; j < n; j++) {
    const cplx_t *Qj = Q + (size_t)(j + dag[j]) * nn;
    if (E[j] == NULL) continue;
    p->su->mul(t, Qj, E[j]);
    p->su->mul_dag(B + (size_t)j * nn, t, Qj);
    if (dag[j]) sun_scale(N, B + (size_t)j * nn, -1.0);
    ve += sun_retrace_mul(N, B + (size_t)j * nn, W);
  }
  for (int r = 0; r < n; r++) {
    const int gr = r + dag[r];
    const cplx_t *Qr = Q + (size_t)gr * nn;
    sun_zero(N, bl);
    sun_zero(N, br);
    for (int i = 0; i < N; i++) bl[i * (N + 1)] = c;
    for (int j = 0; j < n; j++) {
      const int gj = j + dag[j];
      if (E[j] == NULL) continue;
      sun_axpy(N, gj > gr || (gj == gr && dag[r]) ? br : bl, es, B + (size_t)j * nn);
    }
    p->su->mul(m, W, bl);
    p->su->mul(t, br, W);
    sun_add(N, m, t);
    p->su->dag_mul(t, Qr, m);
    p->su->mul(z, t, Qr);
    p->su->to_alg(x, z);
    for (int a = 0; a < ngen; a++) out[r * ngen + a] = (dag[r] ? 0.5 : -0.5) * x[a];
  }
  if (val_c != NULL) *val_c = creal(sun_trace(N, W));
  if (val_e != NULL) *val_e = ve;
}

/* the figure-eight of the pair (slot, partner y; shared link at positions
 * qb in slot's plaquette, qp in y's): factor matrices into v (8 nn), dag
 * flags and the links (site, direction) of its eight passes */
static void eight_factors(const pot_pair_t *p, const gauge_t *u, long slot, long y, int qb,
                          int qp, cplx_t *v, int *dag, long *site, int *dir)
{
  for (int lobe = 0; lobe < 2; lobe++) {
    const long sl = lobe == 0 ? slot : y;
    const int q0 = lobe == 0 ? qb : qp, fwd = q0 < 2;
    for (int i = 0; i < 4; i++) {
      const int q = fwd ? (q0 + i) % 4 : (q0 - i + 4) % 4, k = 4 * lobe + i;
      const long js = pos_site(p, sl / p->npl, (int)(sl % p->npl), q, &dir[k]);
      const cplx_t *l = gauge_link(u, js, dir[k]);
      site[k] = js;
      dag[k] = (q >= 2) == fwd;      /* V_q^+ in a reversed lobe */
      if (dag[k]) sun_dag(p->n, v + (size_t)k * p->nn, l);
      else memcpy(v + (size_t)k * p->nn, l, (size_t)p->nn * sizeof(cplx_t));
    }
  }
}

/* ---- the lattice ---------------------------------------------------------- */

static long nbr_slot(const pot_pair_t *p, long slot, int which)
{
  const geom_t *g = p->g;
  const long is = slot / p->npl;
  const int pl = (int)(slot % p->npl);
  const int dir = which < 2 ? p->pmu[pl] : p->pnu[pl];
  const long js = (which % 2 == 0 ? g->up : g->dn)[is * g->D + dir];
  return js < 0 ? -1 : js * p->npl + pl;
}

/* steps 1 and 2 of the header, on the slots this rank uses (need) */
static void forward_all(pot_pair_t *p, gauge_t *u)
{
  gauge_exchange(u);
  for (long slot = 0; slot < p->nslot; slot++)
    if (p->need[slot]) plaquette_forward(p, u, slot);
  for (long slot = 0; slot < p->nslot; slot++) {
    double sa = 0.0, sb = 0.0;
    for (int w = 0; p->need[slot] == 2 && w < 4; w++) {
      const long y = nbr_slot(p, slot, w);
      sa += creal(p->z[y]);
      sb += cimag(p->z[y]);
    }
    p->na[slot] = sa;
    p->nb[slot] = sb;
  }
}

/* The plaquettes through link (is, rho) in canonical order: slots and
 * positions; returns their number (2 (D - 1)), or -1 if one lacks ok1. */
static int link_incidences(const pot_pair_t *p, long is, int rho, long *slot, int *pos)
{
  const geom_t *g = p->g;
  int n = 0;
  for (int pl = 0; pl < p->npl; pl++) {
    const int mu = p->pmu[pl], nu = p->pnu[pl];
    long below;
    if (rho != mu && rho != nu) continue;
    below = g->dn[is * g->D + (rho == mu ? nu : mu)];
    if (below < 0) return -1;
    slot[n] = is * p->npl + pl;
    pos[n++] = rho == mu ? 0 : 3;
    slot[n] = below * p->npl + pl;
    pos[n++] = rho == mu ? 2 : 1;
  }
  for (int i = 0; i < n; i++)
    if (!p->ok1[slot[i]]) return -1;
  return n;
}

/* out on every owned link += the cv of the plaquettes through it, in the
 * canonical order of link_incidences; EMF_EINVAL if one lacks ok1
 * (unreachable with depth >= 2) */
static int gather(const pot_pair_t *p, double *out)
{
  const geom_t *g = p->g;
  const int ngen = p->ngen, D = p->D;
  for (long io = 0; io < g->n_owned; io++)
    for (int rho = 0; rho < D; rho++) {
      long sl[2 * EMF_DMAX];
      int pos[2 * EMF_DMAX];
      const int n = link_incidences(p, g->owned[io], rho, sl, pos);
      double *x = out + ((size_t)io * D + rho) * ngen;
      if (n < 0) return EMF_EINVAL;
      for (int i = 0; i < n; i++) {
        const double *cv = p->cv + ((size_t)sl[i] * 4 + pos[i]) * ngen;
        for (int a = 0; a < ngen; a++) x[a] += cv[a];
      }
    }
  return EMF_SUCCESS;
}

/* the two pairs based at slot: partner slots and the shared link's
 * positions in the base plaquette and in the partner */
static void pairs_of(const pot_pair_t *p, long slot, long partner[2], int pb[2], int pp[2])
{
  partner[0] = nbr_slot(p, slot, 0);   /* + mu: link (x + mu^, nu) */
  pb[0] = 1;
  pp[0] = 3;
  partner[1] = nbr_slot(p, slot, 2);   /* + nu: link (x + nu^, mu) */
  pb[1] = 2;
  pp[1] = 0;
}

static double dot(const double *a, const double *b, int n)
{
  double s = 0.0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

static double casimir_f(int n) { return (double)(n * n - 1) / (2.0 * n); }

/* xbar into the extended box with halos */
static void load_cotangent(pot_pair_t *p, const double *xbar)
{
  const geom_t *g = p->g;
  const size_t site = (size_t)p->D * p->ngen;
  memset(p->xext, 0, (size_t)g->n_ext * site * sizeof(double));
  if (xbar != NULL)
    for (long io = 0; io < g->n_owned; io++)
      memcpy(p->xext + (size_t)g->owned[io] * site, xbar + (size_t)io * site,
             site * sizeof(double));
  halo_exchange(p->xhalo, p->xext);
}

static const double *xbar_at(const pot_pair_t *p, long slot, int q)
{
  int dir;
  const long js = pos_site(p, slot / p->npl, (int)(slot % p->npl), q, &dir);
  return p->xext + ((size_t)js * p->D + dir) * p->ngen;
}

/* the partner (slot, its position) of the pair sharing position q's link:
 * q = 1: + mu (partner's 3), q = 2: + nu (0), q = 3: - mu (1), q = 0: - nu (2) */
static long partner_at(const pot_pair_t *p, long slot, int q, int *qp)
{
  static const int which[4] = {3, 0, 2, 1}, opposite[4] = {2, 3, 0, 1};
  *qp = opposite[q];
  return nbr_slot(p, slot, which[q]);
}

/* c and E_q of the header for one ok1 slot; the backward kernel into cv */
static void slot_backward(pot_pair_t *p, const gauge_t *u, long slot, const double coef[3],
                          double w, double dbar)
{
  static const int dag[4] = {0, 0, 1, 1};
  const int nn = p->nn, ngen = p->ngen;
  const double alpha = coef[0], gamma = coef[1], delta = coef[2];
  const cplx_t cp = alpha * p->na[slot] - I * gamma * p->nb[slot];
  cplx_t *v = p->scr, *m = p->scr + 7 * nn, *E = p->scr + 8 * nn;
  const cplx_t *f[4] = {v, v + nn, v + 2 * nn, v + 3 * nn};
  const cplx_t *Ep[4] = {E, E + nn, E + 2 * nn, E + 3 * nn};
  double Ya = 0.0, Yb = 0.0;
  cplx_t c;
  for (int wn = 0; wn < 4; wn++) {
    const long y = nbr_slot(p, slot, wn);
    Ya += p->ya[y];
    Yb += p->yb[y];
  }
  c = w * cp + alpha * Ya - I * gamma * Yb - dbar * delta * (p->na[slot] - I * p->nb[slot]);
  for (int q = 0; q < 4; q++) {   /* E_q into E + q nn */
    int qp;
    const long y = partner_at(p, slot, q, &qp);
    cplx_t *Eq = E + (size_t)q * nn;
    p->su->from_alg(Eq, xbar_at(p, slot, q));
    sun_scale(p->n, Eq, cp);
    p->su->from_alg(m, p->ga + ((size_t)y * 4 + qp) * ngen);
    sun_axpy(p->n, Eq, 2.0 * dbar * alpha, m);
    p->su->from_alg(m, p->gb + ((size_t)y * 4 + qp) * ngen);
    sun_axpy(p->n, Eq, -2.0 * I * dbar * gamma, m);
  }
  load_factors(p, u, slot / p->npl, (int)(slot % p->npl), v);
  word_backward(p, 4, f, dag, c, Ep, 1.0, p->cv + (size_t)slot * 4 * ngen, NULL, NULL);
}

/* Every pair of the extended box (both plaquettes ok0): the figure-eight's
 * word_backward with c8 and E_j = Xbar of pass j (es = delta; xbar NULL:
 * none), out scattered into acc8; w8 = Re tr W8 and, for the pairs based
 * at owned sites when ye != NULL, ye[slot * 2 + k] = val_e. */
static void eights_all(pot_pair_t *p, const gauge_t *u, double c8, int with_xbar, double es,
                       double *ye)
{
  const geom_t *g = p->g;
  const int nn = p->nn, ngen = p->ngen;
  cplx_t *v = p->scr, *X = p->scr + 8 * nn;
  memset(p->acc8, 0, (size_t)g->n_ext * p->D * ngen * sizeof(qsum_t));
  for (long slot = 0; slot < p->nslot; slot++) {
    long partner[2];
    int pb[2], pp[2];
    if (!p->ok0[slot]) continue;
    pairs_of(p, slot, partner, pb, pp);
    for (int k = 0; k < 2; k++) {
      const long y = partner[k];
      const cplx_t *f[8], *E[8];
      int dag[8], dir[8];
      long site[8];
      double out[8 * EMF_NMAX * EMF_NMAX], ve;
      if (y < 0 || !p->ok0[y] || (p->need[slot] < 2 && p->need[y] < 2)) continue;
      eight_factors(p, u, slot, y, pb[k], pp[k], v, dag, site, dir);
      for (int j = 0; j < 8; j++) {
        f[j] = v + (size_t)j * nn;
        E[j] = NULL;
        if (with_xbar) {
          p->su->from_alg(X + (size_t)j * nn, p->xext + ((size_t)site[j] * p->D + dir[j]) * ngen);
          E[j] = X + (size_t)j * nn;
        }
      }
      word_backward(p, 8, f, dag, c8, E, es, out, &p->w8[slot * 2 + k], &ve);
      if (ye != NULL) ye[slot * 2 + k] = ve;
      for (int j = 0; j < 8; j++) {
        qsum_t *acc = p->acc8 + ((size_t)site[j] * p->D + dir[j]) * ngen;
        for (int a = 0; a < ngen; a++) qsum_add(&acc[a], out[j * ngen + a]);
      }
    }
  }
}

/* out on every owned link += the rounded figure-eight sums */
static void add_eights(const pot_pair_t *p, double *out)
{
  const geom_t *g = p->g;
  const size_t per = (size_t)p->D * p->ngen;
  for (long io = 0; io < g->n_owned; io++)
    for (size_t i = 0; i < per; i++)
      out[io * per + i] += qsum_value(&p->acc8[(size_t)g->owned[io] * per + i]);
}

int pot_pair_eval(pot_pair_t *p, gauge_t *u, const double coef[3], double *value,
                  double *grad, double *div)
{
  const geom_t *g = p->g;
  const int ngen = p->ngen;
  const double alpha = coef[0], gamma = coef[1], delta = coef[2];
  const double c8 = 1.0 / p->n - 8.0 * casimir_f(p->n);
  qsum_t sums[2] = {{0, 0}, {0, 0}};
  forward_all(p, u);
  eights_all(p, u, delta, 0, 0.0, NULL);
  if (grad != NULL) {
    for (long slot = 0; slot < p->nslot; slot++) {
      const double ca = alpha * p->na[slot], cb = gamma * p->nb[slot];
      const size_t o = (size_t)slot * 4 * ngen;
      for (int i = 0; p->need[slot] == 2 && i < 4 * ngen; i++)
        p->cv[o + i] = ca * p->ga[o + i] + cb * p->gb[o + i];
    }
    if (gather(p, grad) != EMF_SUCCESS) return EMF_EINVAL;
    add_eights(p, grad);
  }
  for (long io = 0; io < g->n_owned; io++)
    for (int pl = 0; pl < p->npl; pl++) {
      const long slot = g->owned[io] * p->npl + pl;
      long partner[2];
      int pb[2], pp[2];
      pairs_of(p, slot, partner, pb, pp);
      for (int k = 0; k < 2; k++) {
        const long y = partner[k];
        const double rr = creal(p->z[slot]) * creal(p->z[y]);
        const double ii = cimag(p->z[slot]) * cimag(p->z[y]), w8 = p->w8[slot * 2 + k];
        qsum_add(&sums[0], alpha * rr + gamma * ii + delta * w8);
        if (div != NULL) {
          const size_t o1 = ((size_t)slot * 4 + pb[k]) * ngen, o2 = ((size_t)y * 4 + pp[k]) * ngen;
          qsum_add(&sums[1], -8.0 * casimir_f(p->n) * (alpha * rr + gamma * ii) +
                                 2.0 * (alpha * dot(p->ga + o1, p->ga + o2, ngen) +
                                        gamma * dot(p->gb + o1, p->gb + o2, ngen)) +
                                 delta * (c8 * w8 - rr - ii));
        }
      }
    }
  qsum_allreduce(sums, 2, g->comm);
  if (value != NULL) *value = qsum_value(&sums[0]);
  if (div != NULL) *div = qsum_value(&sums[1]);
  return EMF_SUCCESS;
}

int pot_pair_vjp(pot_pair_t *p, gauge_t *u, const double coef[3], double vbar,
                 const double *xbar, double dbar, double *ubar, qsum_t dcoef[3])
{
  const geom_t *g = p->g;
  const int ngen = p->ngen;
  const double w = vbar - 8.0 * casimir_f(p->n) * dbar;
  const double w8 = vbar + dbar * (1.0 / p->n - 8.0 * casimir_f(p->n));
  forward_all(p, u);
  load_cotangent(p, xbar);
  for (long slot = 0; slot < p->nslot; slot++) {
    double sa = 0.0, sb = 0.0;
    for (int q = 0; p->need[slot] && q < 4; q++) {
      const double *xq = xbar_at(p, slot, q);
      sa += dot(xq, p->ga + ((size_t)slot * 4 + q) * ngen, ngen);
      sb += dot(xq, p->gb + ((size_t)slot * 4 + q) * ngen, ngen);
    }
    p->ya[slot] = sa;
    p->yb[slot] = sb;
  }
  for (long slot = 0; slot < p->nslot; slot++)
    if (p->need[slot] == 2) slot_backward(p, u, slot, coef, w, dbar);
  if (gather(p, ubar) != EMF_SUCCESS) return EMF_EINVAL;
  eights_all(p, u, w8 * coef[2], 1, coef[2], p->cv);   /* cv reused for val_e */
  add_eights(p, ubar);
  for (long io = 0; io < g->n_owned; io++) {
    const long is = g->owned[io];
    for (int pl = 0; pl < p->npl; pl++) {
      const long slot = is * p->npl + pl;
      long partner[2];
      int pb[2], pp[2];
      pairs_of(p, slot, partner, pb, pp);
      qsum_add(&dcoef[0], p->ya[slot] * p->na[slot]);
      qsum_add(&dcoef[1], p->yb[slot] * p->nb[slot]);
      for (int k = 0; k < 2; k++) {
        const long y = partner[k];
        const size_t o1 = ((size_t)slot * 4 + pb[k]) * ngen, o2 = ((size_t)y * 4 + pp[k]) * ngen;
        const double rr = creal(p->z[slot]) * creal(p->z[y]);
        const double ii = cimag(p->z[slot]) * cimag(p->z[y]);
        qsum_add(&dcoef[0], w * rr + 2.0 * dbar * dot(p->ga + o1, p->ga + o2, ngen));
        qsum_add(&dcoef[1], w * ii + 2.0 * dbar * dot(p->gb + o1, p->gb + o2, ngen));
        qsum_add(&dcoef[2], w8 * p->w8[slot * 2 + k] + p->cv[slot * 2 + k] - dbar * (rr + ii));
      }
    }
  }
  return EMF_SUCCESS;
}
