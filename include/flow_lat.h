/*******************************************************************************
 * flow_lat.h: the gauge-equivariant flow of a lattice gauge field
 * (DESIGN.md sections 3-6; doc/flow_lattice.md).
 *
 * Potential  Phi(U, t) = sum over sites x and loop shapes l of
 *            F_{c(l)}(f(W_l(x)), t),
 * with one learned F per term (a term is a class of shapes, "plaquette" =
 * the D(D-1)/2 plaquette orientations, "rectangle" = the D(D-1) 1x2
 * rectangle orientations; one F per term keeps the flow covariant under the
 * lattice rotations), plus optionally the two-plaquette term "plaquette-pair"
 * (pot_pair_*: sum over adjacent plaquettes P, Q of alpha(t) Re tr P
 * Re tr Q + gamma(t) Im tr P Im tr Q + delta(t) Re tr W8, W8 their
 * figure-eight; the coefficients are Legendre series in t,
 * flow_lat_pair_t).  Vector
 * field on every link X = grad Phi, exact divergence div X = sum over
 * loops len * Laplacian F (+ Laplacian of the pair term), flow dU/dt = X U on
 * t in [0, 1] by RKMK (ode.h), log q_1 = log q_0 - integral div X dt with
 * the Haar prior (log q_0 = 0).
 *
 * Samples live on the owned links of a domain: u[(io*D + mu)*N*N ...] with
 * io in g->owned order, the layout of the ODE state and of pot_lat_eval's
 * gradient.  Cotangents of links are left-trivialised algebra coordinates
 * ubar[(io*D + mu)*(N^2-1) + a] = D_{T_a} J.
 *
 * Parameter gradients: every term names the buffer its F accumulates its
 * parameter gradient into (grad, n_grad).  The flow uses it as scratch: it
 * calls the F's backward one loop at a time, zeroing grad before and adding
 * the result to a double-double accumulator afterwards, so that the summed
 * gradient does not depend on how loops are split between ranks and batches
 * (flow_lat_grad_allreduce returns the same bits on any process grid).
 * The FLOW_LAT_PAIR term's buffer is not used: pot_pair_vjp's double-double
 * dJ/d(alpha, gamma, delta) times the time basis goes into its
 * accumulators.
 ******************************************************************************/
#ifndef FLOW_LAT_H
#define FLOW_LAT_H

#include <stdint.h>
#include "gauge.h"
#include "global.h"
#include "nn.h"
#include "ode.h"
#include "potential.h"
#include "util.h"

#define FLOW_LAT_TERMS_MAX 8
#define FLOW_LAT_PAIR "plaquette-pair"   /* name of the two-plaquette term */

/* The coefficients of the FLOW_LAT_PAIR term, c = (alpha, gamma, delta)
 * of pot_pair_eval: c_i(t) = sum_n theta[i * n_basis + n] phi_n(t),
 * i < POT_PAIR_NCOEF, phi_n(t) = P_n(2t - 1) (flow_linf_basis). */
typedef struct flow_lat_pair {
  int n_basis;              /* 1..FLOW_LINF_BASIS_MAX */
  const double *theta;      /* (POT_PAIR_NCOEF * n_basis) */
} flow_lat_pair_t;

/* One term of the potential: a class of loop shapes and its F, or the
 * two-plaquette term and its coefficients. */
typedef struct flow_lat_term {
  const char *shape;        /* "plaquette", "rectangle", "2x2", "1x3",
                               "corner" or FLOW_LAT_PAIR */
  const pot_func_t *F;      /* the learned F (all loop terms share one K;
                               not used by FLOW_LAT_PAIR) */
  double *grad;             /* where F->backward accumulates dF/dtheta (NULL:
                               parameter gradients of this term not wanted;
                               FLOW_LAT_PAIR: sizes its accumulators only) */
  size_t n_grad;            /* its length (FLOW_LAT_PAIR:
                               flow_lat_pair_n_params(pair->n_basis)) */
  const flow_lat_pair_t *pair;  /* FLOW_LAT_PAIR: its coefficients (must
                                   outlive the flow); else unused */
} flow_lat_term_t;

typedef struct flow_lat {
  const geom_t *g;
  int N, D, nn, ngen, K, m, n_terms;   /* K, m: of the loop terms */
  long n_links;             /* owned links, n_owned * D */
  long n_links_global;      /* global links, n_global * D */
  long n_steps;             /* fixed RK4 steps on [0, 1] (training) */
  flow_lat_term_t term[FLOW_LAT_TERMS_MAX];
  loop_set_t *ls;
  int *shape_term;          /* (n_shapes) term of each shape */
  pot_func_t F;             /* dispatcher: shape -> its term's F */
  pot_lat_t *pot;
  int pair_term;            /* index of the FLOW_LAT_PAIR term, -1: none */
  pot_pair_t *pair;         /* its workspace (NULL: none) */
  gauge_t *u;               /* field for the evaluations (halos) */
  ode_workspace_t *ode_fixed;   /* "rk4classic" */
  ode_workspace_t *ode_adapt;   /* adaptive stepper (NULL if none asked) */
  ode_stages_t **stages;    /* (n_steps) recorded fixed steps */
  int recorded;             /* stages hold the last fixed run */
  ode_stages_t **stages_rev;  /* (n_steps) recorded reverse run (path
                                 gradient: flow_lat_score) */
  int path_grad;            /* flow_lat_loss_grad: path gradient (1) or the
                               total gradient (0, default) */
  int no_param_grad;        /* VJPs leave the accumulators alone (score) */
  int exact_sums;           /* per-loop parameter-gradient sums (default 1) */
  size_t n_grad_total;      /* sum of the terms' n_grad */
  size_t goff[FLOW_LAT_TERMS_MAX]; /* offset of term i in the accumulators */
  qsum_t *gacc;             /* (n_grad_total) parameter-gradient accumulators */
  qsum_t *gred;             /* (n_grad_total) scratch of the reduction */
  double *out1;             /* (m + 2) scratch of the per-loop backward */
  double *wgrad;            /* (n_links, ngen) scratch */
  double *abuf;             /* (n_links, ngen) scratch */
  cplx_t *ubuf;             /* (n_links, N*N) scratch sample */
  cplx_t *ubuf_rev;         /* (n_links, N*N) scratch of flow_lat_score */
  double *sbuf;             /* (n_links, ngen) score of the path gradient */
  double *tflat, *gflat;    /* (n_grad_total) flat parameters, gradient */
  long n_field;             /* field evaluations so far */
  double t_field;           /* seconds spent in them */
} flow_lat_t;

/* linf.c: the linear F, F(f, t) = sum_i m_i(f) a_i(t), a_i(t) = sum_n
 * c[i * n_basis + n] phi_n(t), phi_n(t) = P_n(2t - 1) (shifted Legendre),
 * over the monomials m_i of the features up to degree 1 (m_j = f_j) or 2
 * (also f_j f_k, j <= k).  Degree 1: g = a(t), L = a . h.  A term whose F
 * is linear in its parameters gets its per-loop (exact) parameter-gradient
 * sums in closed form (flow_linf_grad_acc) instead of one backward per
 * loop. */
#define FLOW_LINF_BASIS_MAX 16
#define FLOW_LINF_MONO_MAX (POT_MMAX + POT_MMAX * (POT_MMAX + 1) / 2)

typedef struct flow_linf {
  int K, m, n_basis;
  int degree;               /* 1 or 2 */
  int n_mono;               /* monomials: m, or m + m (m + 1) / 2 */
  const double *theta;      /* (n_mono * n_basis) coefficients c */
  double *dtheta;           /* gradient accumulator (NULL: none) */
} flow_linf_t;

/* Number of parameters, 2 K n_basis (degree 1).  Local. */
size_t flow_linf_n_params(int K, int n_basis);
/* Number of parameters of degree 1 or 2 (0 for another degree).  Local. */
size_t flow_linf_n_params_deg(int K, int degree, int n_basis);
/* phi[n] = P_n(2t - 1), n < n_basis.  Local. */
void flow_linf_basis(int n_basis, double t, double *phi);
/* Points F (name "linear") at c, degree 1; parameters by flow_linf_set.
 * EMF_EINVAL for K outside 1..POT_KMAX or n_basis outside
 * 1..FLOW_LINF_BASIS_MAX. */
int flow_linf_init(pot_func_t *F, flow_linf_t *c, int K, int n_basis);
/* The same with degree 1 or 2 (EMF_EINVAL otherwise). */
int flow_linf_init_deg(pot_func_t *F, flow_linf_t *c, int K, int degree, int n_basis);
/* Number of parameters of c.  Local. */
size_t flow_linf_size(const flow_linf_t *c);
/* Parameters read by forward, buffer backward accumulates dF/dc into. */
void flow_linf_set(flow_linf_t *c, const double *theta, double *dtheta);
/* a[i] = a_i(t), i < n_mono.  Local. */
void flow_linf_coef(const flow_linf_t *c, double t, double *a);
/* The linear F behind F (set up by flow_linf_init), or NULL.  Local. */
const flow_linf_t *flow_linf_of(const pot_func_t *F);
/* Adds the parameter gradient of sum_b dout_b . out_b over a batch of nb
 * loops (f, G, h as given to the forward; G, h NULL: no L term) to the
 * double-double accumulators acc (n_mono * n_basis): each loop's n_mono
 * numbers summed exactly enough, times phi_n(t) once.  Grid-independent
 * totals.  Local. */
void flow_linf_grad_acc(const flow_linf_t *c, qsum_t *acc, double t, int nb,
                        const double *dout, const double *f, const double *G,
                        const double *h);
/* Leading-order trivialising map of the Wilson action S = -(beta/N) sum
 * Re tr W over loops of loop_len links: Phi = c sum Re tr W with
 * c = beta / (loop_len N C_F), C_F = (N^2 - 1)/(2N).  Local. */
double flow_linf_lo_coef(int N, double beta, int loop_len);

/* flow_lat.c */
/* Parameters of the pair term, POT_PAIR_NCOEF * n_basis.  Local. */
size_t flow_lat_pair_n_params(int n_basis);
/* c[i] = c_i(t), i < POT_PAIR_NCOEF (flow_lat_pair_t).  Local. */
void flow_lat_pair_coef(const flow_lat_pair_t *p, double t, double *c);
/* Halo depth the terms need (loops_depth of their shapes, at least
 * POT_PAIR_DEPTH with a FLOW_LAT_PAIR term); -1 for an unknown shape name.
 * Local. */
int flow_lat_depth(int D, int n_terms, const flow_lat_term_t *terms);
/* Flow of SU(N) fields on geometry g with the given terms (the F's of the
 * loop terms must share K; copied by value, the F's themselves must outlive
 * the flow), pot_lat batches of nb loops, n_steps >= 1 fixed RK4 steps for
 * training and an adaptive stepper by name (NULL: none).  At most one
 * FLOW_LAT_PAIR term, with coefficients (pair, theta set, n_basis in
 * 1..FLOW_LINF_BASIS_MAX; a gradient buffer, if any, of
 * flow_lat_pair_n_params), and at least one loop term besides.
 * Returns NULL on every rank with a message in msg when a term is unknown,
 * the F's K differ, the pair term is malformed or alone, the halo is too
 * shallow, a loop would pass a link twice on this lattice (the exact
 * divergence needs simple loops: loops_check_simple), pot_pair_alloc
 * refuses the lattice (extents below 3), the stepper is unknown or memory
 * is short.  Collective on g->comm. */
flow_lat_t *flow_lat_alloc(const geom_t *g, int N, int n_terms,
                           const flow_lat_term_t *terms, int nb, long n_steps,
                           const char *adaptive, char *msg, int msglen);
void flow_lat_free(flow_lat_t *fl);       /* collective */
/* on != 0 (default): each loop's parameter gradient is added to the
 * double-double accumulators on its own (grid-independent bits; one extra
 * F forward per loop in the backward).  on == 0: whole batches (faster for
 * a network F; the last bits then depend on the process grid).  Local. */
void flow_lat_set_exact_sums(flow_lat_t *fl, int on);
/* Haar prior sample: owned link (io, mu) from the stream (seed,
 * RNG_FLOW_PRIOR, sample * n_links_global + global link index, step).
 * Same field on any grid.  Local. */
void flow_lat_prior(const flow_lat_t *fl, uint64_t seed, uint64_t sample,
                    uint32_t step, cplx_t *u);
/* The same from the streams of another purpose (rng.h; training batches
 * use RNG_TRAIN).  Local. */
void flow_lat_prior_stream(const flow_lat_t *fl, uint64_t seed, uint32_t purpose,
                           uint64_t sample, uint32_t step, cplx_t *u);
/* ode_field_fn of the flow (params = flow_lat_t *): x = grad Phi on every
 * owned link, r[0] = -div X (global).  Collective (halo exchanges and the
 * divergence sum); the status is the same on every rank. */
int flow_lat_field(double t, const cplx_t *u, double *x, double *r,
                   void *params);
/* Flow of u (in: U_0, out: U_1) with n_steps classical RKMK-RK4 steps;
 * *logq gets -integral div X dt added.  record != 0 keeps the stages for
 * flow_lat_vjp (the stages are allocated by the first such call).
 * Collective.  Returns an EMF_* status (same on all ranks). */
int flow_lat_run_fixed(flow_lat_t *fl, cplx_t *u, double *logq, int record);
/* The reverse flow: n_steps RKMK-RK4 steps from t = 1 to t = 0 (h =
 * -1/n_steps), the inverse of flow_lat_run_fixed up to the method's
 * O(h^4) error; *logq gets +integral_0^1 div X dt added (u: U_1 in, about
 * U_0 out).  record != 0 keeps its stages apart from the forward run's
 * (flow_lat_score).  Collective; status as flow_lat_run_fixed. */
int flow_lat_run_fixed_reverse(flow_lat_t *fl, cplx_t *u, double *logq, int record);
/* The same with the adaptive stepper, all ranks taking the same steps
 * (ode_workspace_set_reduce with MPI_MAX on g->comm).  EMF_EINVAL if no
 * adaptive stepper was allocated.  Collective. */
int flow_lat_run_adaptive(flow_lat_t *fl, const ode_adaptive_t *par, cplx_t *u,
                          double *logq, ode_stats_t *stats);

/* flow_lat_grad.c */
/* Zero the parameter-gradient accumulators.  Local. */
void flow_lat_grad_zero(flow_lat_t *fl);
/* Backward through the last flow_lat_run_fixed(record = 1): ubar (n_links,
 * ngen) in: the cotangent of U_1, out: that of U_0; logqbar the cotangent
 * of log q_1.  Parameter gradients are added to the accumulators.
 * Collective.  EMF_EINVAL when nothing is recorded. */
int flow_lat_vjp(flow_lat_t *fl, double *ubar, double logqbar);
/* Score of the flow's density at u (= U_1, not changed): score (n_links,
 * ngen, left-trivialised) = grad_U log q(U) with log q(U) = -(the reverse
 * run's logq) (Haar prior: log q_0 constant), by a recorded
 * flow_lat_run_fixed_reverse and the VJP through it; the accumulators are
 * not touched and the forward run's record is kept.  *logq (optional)
 * receives log q(U) - log q_0.  Collective. */
int flow_lat_score(flow_lat_t *fl, const cplx_t *u, double *score, double *logq);
/* Gradient estimator of flow_lat_loss_grad: path != 0 the path gradient
 * (doc/flow_lattice.md section 13), 0 the total gradient (default).
 * Local; set the same on every rank. */
void flow_lat_set_path_grad(flow_lat_t *fl, int path);
/* One sample of the reverse-KL loss: U_0 = flow_lat_prior_stream(seed,
 * RNG_TRAIN, sample, step), U_1 by the fixed-step flow, loss = log q(U_1) + S(U_1) with the
 * Wilson action S at beta, its parameter gradient added to the
 * accumulators (the total gradient, or the path gradient after
 * flow_lat_set_path_grad).  u (n_links * N*N) receives U_1; loss, logq, action
 * (optional) the global values.  Collective. */
int flow_lat_loss_grad(flow_lat_t *fl, double beta, uint64_t seed,
                       uint64_t sample, uint32_t step, cplx_t *u,
                       double *loss, double *logq, double *action);
/* Sum of the accumulators over comm (every rank of comm must hold the same
 * flow layout; comm may contain several domain groups, each counting each
 * of its loops once), rounded once: grad[i] (n_grad of term i) on every
 * rank, NULL entries skipped.  Collective on comm. */
void flow_lat_grad_allreduce(flow_lat_t *fl, MPI_Comm comm, double *const *grad);

/* flow_lat_train.c */
/* Statistics of one training batch. */
typedef struct flow_lat_batch {
  long n;               /* samples */
  double loss;          /* mean of log q + S */
  double loss_std;      /* its standard deviation over the batch */
  double logq, action;  /* means of log q and S */
  double ess;           /* (sum w)^2 / (n sum w^2), w = exp(-log q - S) */
  double seconds;       /* wall time of the batch (max over ranks) */
  double grad_norm;     /* gradient norm before clipping (train steps) */
  double lr;            /* learning rate of the step (train steps) */
  long step;            /* optimizer steps taken after this one */
} flow_lat_batch_t;

/* Loss and exact gradient of training step `step` over `batch` samples
 * (sample b from the RNG_TRAIN streams (seed, b, step)).  comm holds
 * n_groups groups of domain ranks (each group one flow_lat_t on its own
 * domain communicator, `group` this rank's group); sample b is done by group
 * b mod n_groups.  grad[c] (term c's n_grad; NULL to skip) receives the
 * mean gradient on every rank, st the batch statistics.  The results have
 * the same bits for any grid and any number of groups.  Collective on
 * comm.  Returns an EMF_* status, agreed over comm. */
int flow_lat_grad_batch_all(flow_lat_t *fl, double beta, uint64_t seed,
                            uint32_t step, long batch, int group, int n_groups,
                            MPI_Comm comm, double *const *grad,
                            flow_lat_batch_t *st);
/* One Adam step (nn.h adam_step, with its global-norm clipping) on the
 * parameters of all terms with a gradient buffer: theta[c] is the array
 * of n_grad doubles term c's F reads (NULL entries for terms without one);
 * adam has n_grad_total entries in term order.  The batch is that of
 * training step adam->t (RNG_TRAIN streams), so a run restarted from
 * (theta, adam) continues bit for bit.  st: batch statistics, gradient
 * norm, learning rate, steps taken.  Same bits on any grid and number of
 * groups.  Collective on comm.  EMF_EINVAL for an Adam state of the wrong
 * size, EMF_ERANGE for a non-finite gradient (nothing changed). */
int flow_lat_train_step_all(flow_lat_t *fl, double beta, uint64_t seed,
                            long batch, int group, int n_groups, MPI_Comm comm,
                            double *const *theta, adam_state_t *adam,
                            const adam_parms_t *ap, flow_lat_batch_t *st);
/* n_train such steps; every > 0: a progress line (flow_lat_progress) by
 * message() (rank 0 of log_init's communicator) every `every` steps and
 * after the last.  st: the last step's
 * statistics.  Collective on comm.  Stops at the first failing step. */
int flow_lat_train_all(flow_lat_t *fl, double beta, uint64_t seed, long batch,
                       int group, int n_groups, MPI_Comm comm,
                       double *const *theta, adam_state_t *adam,
                       const adam_parms_t *ap, long n_train, long every,
                       flow_lat_batch_t *st);
/* Progress line into buf: step/of, loss +- std, ESS, elapsed and estimated
 * remaining time (linear in the steps first+1..step that elapsed covers;
 * first > 0 for a resumed run).  Local. */
void flow_lat_progress(char *buf, int len, long step, long n_steps, long first,
                       const flow_lat_batch_t *st, double elapsed);

/* Samples of the flow for IMH and reweighting. */
typedef struct flow_lat_samples {
  long n;
  double *logq;         /* (n) log q(U_1), global sample order */
  double *action;       /* (n) S(U_1) (Wilson, beta) */
  double *plaq;         /* (n) plaquette of U_1 */
  double *logq_ref;     /* (n) at the tolerance / ref_factor (NULL: none) */
  double *action_ref;   /* (n) */
  long n_eval;          /* field evaluations of this rank's group */
  double seconds;       /* wall time (max over ranks), reference excluded */
} flow_lat_samples_t;

/* Samples first..first+n-1 (flow_lat_prior(seed, i, 0), adaptive flow at
 * par; with ref_factor > 1 each again at eps / ref_factor for the
 * log-density error), by group i mod n_groups; arrays allocated in out
 * (flow_lat_samples_release) and identical on every rank of comm.  links:
 * NULL, or room for ceil((n - group) / n_groups) fields of this rank's
 * owned links (n_links x nn each, owned order); sample i of this group goes
 * to field i / n_groups.  Collective on comm; the status is agreed. */
int flow_lat_sample_all(flow_lat_t *fl, double beta, uint64_t seed,
                        uint64_t first, long n, const ode_adaptive_t *par,
                        double ref_factor, int group, int n_groups,
                        MPI_Comm comm, flow_lat_samples_t *out, cplx_t *links);
void flow_lat_samples_release(flow_lat_samples_t *s);

#endif
