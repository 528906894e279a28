/*******************************************************************************
 * potential.h: loop potentials (DESIGN.md section 3; doc/potential.md).
 *
 * Two layers.
 *
 * Loop level (MPI-free, geometry-free; the single-matrix mode uses only this).
 * For a batch of nb loop matrices W in SU(N) and K power sums:
 *   tau_k = tr W^k, k = 0..2K (tau_0 = N),
 *   features f = (Re tau_1..Re tau_K, Im tau_1..Im tau_K), m = 2K,
 *   metric   G_jk = sum_a D_a f_j D_a f_k (m x m), h_j = Delta f_j,
 *   F, g = dF/df and L = sum_jk F_jk G_jk + sum_j g_j h_j from a pot_func_t,
 *   M = sum_k k c_k W^k with c_k = g_{Re k} - i g_{Im k},
 *   gradient of F(f(W)) in algebra coordinates x_a = Re tr(T_a M)
 *     = -(1/2) sun_to_alg(M)_a,  Laplacian of F(f(W)) = L,
 * and the backward (VJP) of this map for training.
 *
 * Lattice level: Phi(U, t) = sum over owned sites x and loop shapes l of
 * F(f(W_l(x)), t); value, gradient on every owned link and divergence, with a
 * gather strategy that gives the same bits on any process grid.
 *
 * Derivatives act from the left: D_X g(W) = d/ds g(exp(sX) W) at s = 0,
 * <X,Y> = -2 tr XY, T_a = i lambda_a / 2.
 ******************************************************************************/
#ifndef POTENTIAL_H
#define POTENTIAL_H

#include "gauge.h"
#include "global.h"
#include "loops.h"
#include "sun.h"
#include "util.h"

#define POT_KMAX 8                 /* largest number of power sums K */
#define POT_MMAX (2 * POT_KMAX)    /* largest number of features m = 2K */

/* The function F of the features (the interface a learned F plugs into).
 *
 * forward: for a batch of nb loops with features f (nb, m), metric G
 *   (nb, m, m) and h (nb, m) at time t, write out (nb, m + 2) = (F, g_1..g_m,
 *   L) per loop, g = dF/df, L = sum_jk (d^2F/df_j df_k) G_jk + sum_j g_j h_j.
 *   G and h are NULL when the caller does not need L (then L is not read).
 *   `shape` is the index of the loop shape (0 for a single matrix); an F may
 *   use it or ignore it.  Each loop's results must not depend on the other
 *   loops of the batch or on its position in it (bit for bit): the lattice
 *   level batches loops differently on different process grids.
 *   Returns EMF_SUCCESS or an EMF_* code.
 * backward: right after forward on the same batch, given the cotangent dout
 *   (nb, m + 2) of out, ACCUMULATES into df (nb, m), dG (nb, m, m) and dh
 *   (nb, m) the gradient of sum_b dout_b . out_b (dG, dh are NULL when
 *   forward had G = NULL).  When params != 0 it also accumulates the
 *   gradient with respect to the F's own parameters (kept in ctx); with
 *   params == 0 it must leave them alone (the lattice level evaluates loops
 *   based in the halo redundantly and counts each loop's parameter gradient
 *   on one rank only).  Returns EMF_SUCCESS or an EMF_* code. */
typedef struct pot_func {
  const char *name;
  int K;       /* power sums used; m = 2K features */
  void *ctx;
  int (*forward)(void *ctx, double *out, int shape, double t, int nb,
                 const double *f, const double *G, const double *h);
  int (*backward)(void *ctx, double *df, double *dG, double *dh, int shape,
                  double t, int nb, const double *dout, const double *f,
                  const double *G, const double *h, int params);
} pot_func_t;

/* A quadratic F (func.c): F = a.f + (1/2) f.B.f + t e.f with B symmetric.
 * The Wilson action is a = (-beta/N, 0, ...), K = 1, B = e = 0; a
 * single-matrix target S = -(beta/N) sum_k c_k Re tr W^k has
 * a_{Re k} = -(beta/N) c_k.  Its "parameters" are a: when da is not NULL,
 * backward with params != 0 accumulates the gradient with respect to a
 * into da (m), so that tests can check parameter gradients. */
typedef struct pot_quad {
  int K;
  double a[POT_MMAX];
  double B[POT_MMAX * POT_MMAX];
  double e[POT_MMAX];
  double *da;
} pot_quad_t;

/* func.c */
/* Points F at the quadratic q (which must outlive F).  EMF_EINVAL if q->K
 * is outside 1..POT_KMAX. */
int pot_func_quad(pot_func_t *F, pot_quad_t *q);
/* q = Wilson F = -(beta/n) Re tau_1 (K = 1) and F pointing at it. */
int pot_func_wilson(pot_func_t *F, pot_quad_t *q, double beta, int n);

/* loop.c: one-matrix kernels */
/* pw[(k-1)*n*n] = W^k (k = 1..K) and tau[k] = tr W^k (k = 0..2K). */
void pot_traces(const sun_type_t *su, int K, const cplx_t *w, cplx_t *pw,
                cplx_t *tau);
/* f (2K) from tau. */
void pot_features(int K, const cplx_t *tau, double *f);
/* G (2K x 2K) and h (2K) from tau[0..2K] (closed forms, doc/potential.md). */
void pot_metric(int n, int K, const cplx_t *tau, double *G, double *h);

/* loop.c: batches */
typedef struct pot_loop_ws {
  const sun_type_t *su;
  int n, nn, ngen, K, m, nb_max;
  int have_L;     /* the last forward computed G, h and L */
  cplx_t *pw;     /* (nb, K, nn) W^1..W^K */
  cplx_t *tau;    /* (nb, 2K+1) tau_0..tau_2K */
  double *f;      /* (nb, m) */
  double *G;      /* (nb, m, m) */
  double *h;      /* (nb, m) */
  double *out;    /* (nb, m+2) F, g, L */
  cplx_t *M;      /* (nb, nn) M = sum_k k c_k W^k */
  double *dout;   /* (nb, m+2) backward scratch */
  double *df, *dG, *dh;  /* (nb, m), (nb, m, m), (nb, m) */
  cplx_t *scr;    /* (2K + 4) nn matrix scratch */
} pot_loop_ws_t;

/* Workspace for batches of up to nb_max loops of SU(n) with K power sums.
 * NULL if n is unsupported, K is outside 1..POT_KMAX or memory is short. */
pot_loop_ws_t *pot_loop_ws_alloc(int n, int K, int nb_max);
void pot_loop_ws_free(pot_loop_ws_t *ws);
/* Forward for nb matrices w (nb, nn): fills pw, tau, f, out, M (and G, h
 * when want_L).  F->K must equal ws->K.  Returns EMF_SUCCESS, EMF_EINVAL
 * (nb > nb_max or K mismatch) or the F's error code. */
int pot_loop_forward(pot_loop_ws_t *ws, const pot_func_t *F, int shape,
                     double t, int nb, const cplx_t *w, int want_L);
/* x (nb, ngen): gradient coordinates x_a = Re tr(T_a M) of the last forward. */
void pot_loop_gradient(const pot_loop_ws_t *ws, int nb, double *x);
/* Backward of the last forward (same F, shape, t, nb, w): given cotangents
 * Fbar (nb), xbar (nb, ngen), Lbar (nb) (any may be NULL = zero; Lbar needs a
 * forward with want_L), writes wbar (nb, ngen), the left-trivialised
 * gradient coordinates of J = Fbar F + xbar.x + Lbar L with respect to W,
 * and calls F->backward (which accumulates the F's parameter gradients
 * when params != 0).
 * Returns EMF_SUCCESS, EMF_EINVAL, or the F's error code. */
int pot_loop_backward(pot_loop_ws_t *ws, const pot_func_t *F, int shape,
                      double t, int nb, const double *Fbar, const double *xbar,
                      const double *Lbar, double *wbar, int params);

/* lattice.c: the lattice level */
enum {
  POT_ALLOW_REVISIT = 1  /* accept loops that pass a link twice (gradient and
                            value only; the divergence is then refused) */
};

typedef struct pot_lat {
  loop_tab_t *tab;       /* incidence tables (owned) */
  int D, n, nn, ngen, K, m, nb;
  int simple;            /* every loop passes each link at most once */
  int depth;             /* halo depth the shapes need */
  pot_loop_ws_t *lws;    /* loop-level workspace for batches of nb */
  cplx_t *wbuf;          /* (nb, nn) loop matrices of a batch */
  cplx_t **M;            /* per shape (n_base, nn): M of every loop */
  cplx_t *scr;           /* (4, nn) scratch */
  /* backward (pot_lat_vjp) */
  halo_t *xhalo;         /* halo plan for the cotangent field */
  double *xext;          /* (n_ext, D, ngen) cotangent with halos */
  double **cv;           /* per shape (n_base, len, ngen): link-frame
                            contributions of every loop position */
  cplx_t *pre;           /* (nb, LOOP_LEN_MAX + 1, nn) prefix products */
  cplx_t *bb;            /* (nb, LOOP_LEN_MAX, nn) conjugated cotangents */
  long *bidx;            /* (nb) base slots of a batch */
  double *xbl, *wbl;     /* (nb, ngen) loop-level cotangents in and out */
  double *fbl, *lbl;     /* (nb) */
} pot_lat_t;

/* Workspace for Phi = sum_x sum_l F(f(W_l(x)), t) with K power sums on the
 * field u's geometry, F called on batches of up to nb loops.  Returns NULL
 * (on every rank) with a message (msg may be NULL) when the halo is
 * shallower than the shapes need (loops_depth), when some loop passes a
 * link twice on this lattice and flags lacks POT_ALLOW_REVISIT (the
 * divergence formula would be wrong), for a bad K or nb, or when memory is
 * short on some rank.  Collective on u->g->comm. */
pot_lat_t *pot_lat_alloc(const gauge_t *u, const loop_set_t *ls, int K, int nb,
                         int flags, char *msg, int msglen);
void pot_lat_free(pot_lat_t *p);
/* Exchanges u's halos, then evaluates any of: value = Phi (global),
 * grad (n_owned, D, ngen) = gradient coordinates on every owned link
 * (g->owned order, x_a = D_{T_a} Phi for U -> exp(s T_a) U), div = sum_l
 * Delta_l Phi (global).  NULL outputs are skipped.  Collective (halo
 * exchange; value/div are reduced in double-double over g->comm, with the
 * status).  The results do not depend on the process grid, bit for bit.
 * Returns EMF_SUCCESS, EMF_EINVAL (F->K != K), EMF_ENOTSUP (div with
 * loops that revisit a link) or the F's status. */
int pot_lat_eval(pot_lat_t *p, gauge_t *u, const pot_func_t *F, double t,
                 double *value, double *grad, double *div);

/* Backward of pot_lat_eval: for J = vbar Phi + sum_links <xbar, grad Phi>
 * + dbar div Phi, with xbar (n_owned, D, ngen) in the layout of grad (NULL
 * = 0), writes ubar (n_owned, D, ngen) = D_{T_a} J on every owned link and
 * calls F->backward, with params != 0 exactly once per loop over all ranks
 * (loops based at owned sites), so the F accumulates dJ/dtheta summed over
 * this rank's loops (the caller sums over ranks).  ubar has the same bits on
 * any process grid.  Collective (exchanges u's and xbar's halos).  Returns
 * EMF_SUCCESS, EMF_EINVAL (F->K != K), EMF_ENOTSUP (dbar != 0 with loops
 * that revisit a link) or the F's status (local). */
int pot_lat_vjp(pot_lat_t *p, gauge_t *u, const pot_func_t *F, double t,
                double vbar, const double *xbar, double dbar, double *ubar);

/* wilson.c: Wilson fast path (staples) */
/* value = S = -(beta/N) sum_P Re tr U_P (global, double-double), grad
 * (n_owned, D, ngen, g->owned order) = gradient of S on every owned link,
 * (beta/(2N)) to_alg(U_mu(x) Sigma_mu(x)) with the staple sum Sigma summed
 * in a fixed order (SU(3): per site, plaquettes for the upper terms; see
 * wilson.c).  Either output may be NULL.  Same bits on any grid and equal
 * to pot_lat_eval with the Wilson F on plaquettes to rounding (HMC force =
 * -grad).  Exchanges halos.  Collective.  EMF_EINVAL if the halo depth is
 * 0. */
int pot_wilson_eval(gauge_t *u, double beta, double *value, double *grad);

/* pair.c: the two-plaquette terms (doc/flow_lattice.md section 11), which
 * the Fierz identity asks for at second order of the trivialising flow
 * (section 9): for every pair of adjacent plaquettes P = P_x, Q = P_y in a
 * plane mu < nu (y = x + mu^ or x + nu^; they share one link s)
 *   Phi2(U) = sum over pairs of alpha Re tr P Re tr Q + gamma Im tr P Im tr Q
 *             + delta Re tr W8,
 *   P_x = U_mu(x) U_nu(x + mu^) U_mu(x + nu^)^+ U_nu(x)^+, W8 the
 *   figure-eight of P and Q that passes s twice, both times forwards,
 * with coef = (alpha, gamma, delta).  Extents >= 3 are required.
 * Conventions as above (left derivatives, <X,Y> = -2 tr XY).  The halo must
 * have depth >= POT_PAIR_DEPTH. */
#define POT_PAIR_DEPTH 2
#define POT_PAIR_NCOEF 3   /* alpha, gamma, delta */
typedef struct pot_pair pot_pair_t;
/* Workspace on u's geometry.  NULL (on every rank) with a message when the
 * halo is shallower than POT_PAIR_DEPTH, an extent is below 3, or memory is
 * short.  Collective on u->g->comm. */
pot_pair_t *pot_pair_alloc(const gauge_t *u, char *msg, int msglen);
void pot_pair_free(pot_pair_t *p);   /* collective; NULL allowed */
/* Exchanges u's halos; value = Phi2 (global), grad (n_owned, D, ngen):
 * the gradient coordinates of Phi2 ADDED to what grad holds (so that it can
 * follow pot_lat_eval), div = Delta Phi2 (global).  NULL outputs are
 * skipped.  Same bits on any process grid.  Collective.  Returns
 * EMF_SUCCESS. */
int pot_pair_eval(pot_pair_t *p, gauge_t *u, const double coef[POT_PAIR_NCOEF],
                  double *value, double *grad, double *div);
/* Backward of pot_pair_eval for J = vbar Phi2 + sum_links <xbar, grad Phi2>
 * + dbar Delta Phi2 (xbar NULL = 0): ADDS D_{T_a} J on every owned link to
 * ubar (n_owned, D, ngen) and ADDS to dcoef the derivatives of J with
 * respect to alpha, gamma and delta over the pairs and plaquettes based at
 * this rank's owned sites (double-double; the caller reduces over ranks).
 * ubar has the same bits on any grid (sums in a fixed order or in
 * double-double).  Collective (exchanges u's and xbar's
 * halos).  Returns EMF_SUCCESS. */
int pot_pair_vjp(pot_pair_t *p, gauge_t *u, const double coef[POT_PAIR_NCOEF],
                 double vbar, const double *xbar, double dbar, double *ubar,
                 qsum_t dcoef[POT_PAIR_NCOEF]);

#endif
