/*******************************************************************************
 * pair.c: the adjacent-plaquette pair term of the lattice potential
 * (doc/flow_lattice.md section 11).
 *
 *   Phi2(U) = sum over sites x, planes mu < nu, y = x + mu^ and x + nu^ of
 *             alpha Re tr P_x Re tr P_y + gamma Im tr P_x Im tr P_y,
 *   P_x = V_0 V_1 V_2 V_3 = U_mu(x) U_nu(x + mu^) U_mu(x + nu^)^+ U_nu(x)^+.
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
 * int pot_pair_eval(pot_pair_t *p, gauge_t *u, const double coef[2],
 *                   double *value, double *grad, double *div)
 *   1. Exchanges u's halos.  For every plaquette slot (base site, plane) of
 *      the extended box whose links exist: z = tr P and, for each position
 *      q, R_q with D_{T_a} tr P = tr(T_a R_q) on the link of q:
 *      R_0 = rot_0, R_1 = rot_1, R_2 = -rot_3, R_3 = -rot_0, where
 *      rot_k = V_k V_{k+1} V_{k+2} V_{k+3} (indices mod 4); the gradient
 *      coordinates ga_q = -(1/2) to_alg(R_q) of Re tr P and
 *      gb_q = -(1/2) to_alg(-i R_q) of Im tr P.
 *   2. For every slot whose four in-plane neighbours exist: the neighbour
 *      sums na = sum_y Re tr P_y, nb = sum_y Im tr P_y (order +mu, -mu,
 *      +nu, -nu), so dPhi2/dRe tr P = alpha na, dPhi2/dIm tr P = gamma nb.
 *   3. grad on owned link l: the sum over the plaquettes through l, in the
 *      canonical order (planes in order; in each, the plaquette based at
 *      l's site, then the one below), of alpha na ga_q + gamma nb gb_q.
 *   4. value and the cross sum X = sum over pairs of alpha ga.ga' +
 *      gamma gb.gb' on the shared link are summed over pairs based at
 *      owned sites in double-double and reduced; div = -8 C_F value + 2 X
 *      (each trace is an eigenfunction of every link's Laplacian with
 *      eigenvalue -C_F, C_F = (N^2 - 1)/(2N), and P_x has four links).
 *
 * int pot_pair_vjp(pot_pair_t *p, gauge_t *u, const double coef[2],
 *                  double vbar, const double *xbar, double dbar,
 *                  double *ubar, qsum_t dcoef[2])
 *   J = w Phi2 + sum_P (alpha na_P ya_P + gamma nb_P yb_P) + 2 dbar X with
 *   w = vbar - 8 C_F dbar and ya_P = sum_q <xbar_q, ga_q> (yb with gb).
 *   Every part is, plaquette by plaquette, a functional
 *   J_P = Re(c tr P) + sum_q Re tr(E_q R_q) of P's links with c and E_q
 *   held fixed:
 *     c   = w (alpha na - i gamma nb) + alpha Ya - i gamma Yb, with Ya, Yb
 *           the neighbour sums of ya, yb (the dependence of na, nb on the
 *           neighbours' traces),
 *     E_q = (alpha na - i gamma nb) Xbar_q (Xbar_q = sum_a xbar_qa T_a)
 *           + 2 dbar (alpha Ga - i gamma Gb) for each pair sharing the link
 *           of q, Ga, Gb = the partner's ga, gb on that link as matrices.
 *   Its link derivatives (kernel plaquette_backward) are summed per owned
 *   link in the canonical order of step 3.  dcoef[0] += w Re.Re over the
 *   pairs + ya_P na_P + 2 dbar ga.ga' (dcoef[1] likewise with Im).
 *
 * Context: pot_pair_alloc, pot_pair_free, pot_pair_eval and pot_pair_vjp
 * are collective on u->g->comm.  No allocation in eval or vjp.  Every owned
 * result is computed from the same inputs in the same order on any process
 * grid (the extended box holds periodic copies even on one rank), so grad,
 * ubar, value and div have the same bits on any grid.
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
  cplx_t *z;               /* tr P */
  cplx_t *R;               /* (nslot, 4, nn) */
  double *ga, *gb;         /* (nslot, 4, ngen) */
  double *na, *nb;         /* neighbour sums of Re tr, Im tr */
  double *ya, *yb;         /* <xbar, ga>, <xbar, gb> over the 4 links */
  double *cv;              /* (nslot, 4, ngen) backward contributions */
  double *xext;            /* (n_ext, D, ngen) cotangent with halos */
  halo_t *xhalo;
  cplx_t *scr;             /* (16, nn) matrix scratch */
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
  free(p);
}

static int alloc_tables(pot_pair_t *p)
{
  const size_t ns = (size_t)p->nslot, q4 = 4 * (size_t)p->ngen;
  p->ok0 = calloc(ns, 1);
  p->ok1 = calloc(ns, 1);
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
  p->scr = amalloc(16 * (size_t)p->nn * sizeof(cplx_t));
  return p->ok0 && p->ok1 && p->z && p->R && p->ga && p->gb && p->na && p->nb && p->ya &&
         p->yb && p->cv && p->xext && p->scr;
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

/* Link derivatives of J = sum_k Re tr(H_k rot_k) (k = 0, 1, 3; H NULL =
 * absent) into cv (4, ngen), overwritten.  For the factor V_r of the cyclic
 * word (H_k, V_k, .., V_{k+3}) at index j: a forward link (r = 0, 1) takes
 * X in front of V_r, D_X = Re tr(X Z_j); a daggered one (r = 2, 3) takes -X
 * after it, D_X = -Re tr(X Z_{j+1}), Z_s the word read from index s.
 * D_{T_a} Re tr(T_a Z) = -(1/2) to_alg(Z)_a. */
static void plaquette_backward(pot_pair_t *p, const gauge_t *u, long slot,
                               const cplx_t *const H[4], double *cv)
{
  const int nn = p->nn, ngen = p->ngen;
  cplx_t *v = p->scr, *t1 = p->scr + 4 * nn, *t2 = p->scr + 5 * nn, *z = p->scr + 6 * nn;
  double x[EMF_NMAX * EMF_NMAX];
  memset(cv, 0, 4 * (size_t)ngen * sizeof(double));
  load_factors(p, u, slot / p->npl, (int)(slot % p->npl), v);
  for (int k = 0; k < 4; k++) {
    const cplx_t *f[5];
    if (H[k] == NULL) continue;
    f[0] = H[k];
    for (int i = 0; i < 4; i++) f[1 + i] = v + (size_t)((k + i) % 4) * nn;
    for (int r = 0; r < 4; r++) {
      const int j = 1 + (r - k + 4) % 4, fwd = r < 2;
      cyclic_product(p, z, f, 5, fwd ? j : j + 1, 5, t1, t2);
      p->su->to_alg(x, z);
      for (int a = 0; a < ngen; a++) cv[r * ngen + a] += (fwd ? -0.5 : 0.5) * x[a];
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

/* steps 1 and 2 of the header; the partner slots of a pair must be ok0 */
static void forward_all(pot_pair_t *p, gauge_t *u)
{
  const geom_t *g = p->g;
  gauge_exchange(u);
  for (long slot = 0; slot < p->nslot; slot++) {
    const long is = slot / p->npl;
    const int pl = (int)(slot % p->npl);
    p->ok0[slot] = g->up[is * g->D + p->pmu[pl]] >= 0 && g->up[is * g->D + p->pnu[pl]] >= 0;
    if (p->ok0[slot]) plaquette_forward(p, u, slot);
  }
  for (long slot = 0; slot < p->nslot; slot++) {
    double sa = 0.0, sb = 0.0;
    int ok = p->ok0[slot];
    for (int w = 0; ok && w < 4; w++) {
      const long y = nbr_slot(p, slot, w);
      ok = y >= 0 && p->ok0[y];
      if (ok) {
        sa += creal(p->z[y]);
        sb += cimag(p->z[y]);
      }
    }
    p->ok1[slot] = (unsigned char)ok;
    p->na[slot] = ok ? sa : 0.0;
    p->nb[slot] = ok ? sb : 0.0;
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

int pot_pair_eval(pot_pair_t *p, gauge_t *u, const double coef[2], double *value,
                  double *grad, double *div)
{
  const geom_t *g = p->g;
  const int ngen = p->ngen;
  const double alpha = coef[0], gamma = coef[1];
  qsum_t sums[2] = {{0, 0}, {0, 0}};
  forward_all(p, u);
  if (grad != NULL) {
    for (long slot = 0; slot < p->nslot; slot++) {
      const double ca = alpha * p->na[slot], cb = gamma * p->nb[slot];
      const size_t o = (size_t)slot * 4 * ngen;
      for (int i = 0; p->ok1[slot] && i < 4 * ngen; i++)
        p->cv[o + i] = ca * p->ga[o + i] + cb * p->gb[o + i];
    }
    if (gather(p, grad) != EMF_SUCCESS) return EMF_EINVAL;
  }
  for (long io = 0; io < g->n_owned; io++)
    for (int pl = 0; pl < p->npl; pl++) {
      const long slot = g->owned[io] * p->npl + pl;
      long partner[2];
      int pb[2], pp[2];
      pairs_of(p, slot, partner, pb, pp);
      for (int k = 0; k < 2; k++) {
        const long y = partner[k];
        qsum_add(&sums[0], alpha * creal(p->z[slot]) * creal(p->z[y]) +
                               gamma * cimag(p->z[slot]) * cimag(p->z[y]));
        if (div != NULL) {
          const size_t o1 = ((size_t)slot * 4 + pb[k]) * ngen, o2 = ((size_t)y * 4 + pp[k]) * ngen;
          qsum_add(&sums[1], alpha * dot(p->ga + o1, p->ga + o2, ngen) +
                                 gamma * dot(p->gb + o1, p->gb + o2, ngen));
        }
      }
    }
  qsum_allreduce(sums, 2, g->comm);
  if (value != NULL) *value = qsum_value(&sums[0]);
  if (div != NULL)
    *div = -8.0 * casimir_f(p->n) * qsum_value(&sums[0]) + 2.0 * qsum_value(&sums[1]);
  return EMF_SUCCESS;
}

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
static void slot_backward(pot_pair_t *p, const gauge_t *u, long slot, const double coef[2],
                          double w, double dbar)
{
  const int nn = p->nn, ngen = p->ngen;
  const double alpha = coef[0], gamma = coef[1];
  const cplx_t cp = alpha * p->na[slot] - I * gamma * p->nb[slot];
  cplx_t *E = p->scr + 8 * nn, *m = p->scr + 7 * nn;
  const cplx_t *H[4] = {E, E + nn, NULL, E + 3 * nn};
  double Ya = 0.0, Yb = 0.0;
  cplx_t c;
  for (int wn = 0; wn < 4; wn++) {
    const long y = nbr_slot(p, slot, wn);
    Ya += p->ya[y];
    Yb += p->yb[y];
  }
  c = w * cp + alpha * Ya - I * gamma * Yb;
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
  /* H_0 = c 1 + E_0 - E_3, H_1 = E_1, H_3 = -E_2 (R_2 = -rot_3, R_3 = -rot_0) */
  for (int i = 0; i < nn; i++) {
    const cplx_t e2 = E[2 * nn + i];
    E[i] -= E[3 * nn + i];
    E[3 * nn + i] = -e2;
  }
  for (int i = 0; i < p->n; i++) E[i * (p->n + 1)] += c;
  plaquette_backward(p, u, slot, H, p->cv + (size_t)slot * 4 * ngen);
}

int pot_pair_vjp(pot_pair_t *p, gauge_t *u, const double coef[2], double vbar,
                 const double *xbar, double dbar, double *ubar, qsum_t dcoef[2])
{
  const geom_t *g = p->g;
  const int ngen = p->ngen;
  const double w = vbar - 8.0 * casimir_f(p->n) * dbar;
  forward_all(p, u);
  load_cotangent(p, xbar);
  for (long slot = 0; slot < p->nslot; slot++) {
    double sa = 0.0, sb = 0.0;
    for (int q = 0; p->ok0[slot] && q < 4; q++) {
      const double *xq = xbar_at(p, slot, q);
      sa += dot(xq, p->ga + ((size_t)slot * 4 + q) * ngen, ngen);
      sb += dot(xq, p->gb + ((size_t)slot * 4 + q) * ngen, ngen);
    }
    p->ya[slot] = sa;
    p->yb[slot] = sb;
  }
  for (long slot = 0; slot < p->nslot; slot++)
    if (p->ok1[slot]) slot_backward(p, u, slot, coef, w, dbar);
  if (gather(p, ubar) != EMF_SUCCESS) return EMF_EINVAL;
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
        qsum_add(&dcoef[0], w * creal(p->z[slot]) * creal(p->z[y]) +
                                2.0 * dbar * dot(p->ga + o1, p->ga + o2, ngen));
        qsum_add(&dcoef[1], w * cimag(p->z[slot]) * cimag(p->z[y]) +
                                2.0 * dbar * dot(p->gb + o1, p->gb + o2, ngen));
      }
    }
  }
  return EMF_SUCCESS;
}
