/*******************************************************************************
 * flow_lat.c: the gauge-equivariant lattice flow: terms, vector field,
 * divergence, prior and integration (doc/flow_lattice.md).
 *
 * int flow_lat_depth(int D, int n_terms, const flow_lat_term_t *terms)
 *   Halo depth the terms' loop shapes need (plaquette 1, rectangle, 2x2 and
 *   corner 2, 1x3 3; at least POT_PAIR_DEPTH = 2 with a "plaquette-pair"
 *   term), -1 for an unknown shape name or bad arguments.  Term shape names:
 *   "plaquette" (1x1), "rectangle" (1x2), "2x2", "1x3" (every plane; both
 *   orientations of the non-square ones), "corner" (the four L-shaped
 *   three-plaquette loops of every plane, loops_add_corners) and FLOW_LAT_PAIR =
 *   "plaquette-pair", the two-plaquette term of adjacent plaquettes
 *   (pot_pair_*), which adds no loops to the loop set.
 *
 * size_t flow_lat_pair_n_params(int n_basis)
 *   POT_PAIR_NCOEF n_basis: the pair term's coefficients (alpha, gamma,
 *   delta), each a series in n_basis Legendre functions of t.
 *
 * void flow_lat_pair_coef(const flow_lat_pair_t *p, double t, double *c)
 *   c[i] = sum_n p->theta[i n_basis + n] phi_n(t), i < POT_PAIR_NCOEF,
 *   phi_n(t) = P_n(2t - 1) (flow_linf_basis).
 *
 * flow_lat_t *flow_lat_alloc(const geom_t *g, int N, int n_terms,
 *                            const flow_lat_term_t *terms, int nb,
 *                            long n_steps, const char *adaptive,
 *                            char *msg, int msglen)
 *   Checks the terms: known names; every loop term has an F, and their F's
 *   share K (the flow's K); at most one "plaquette-pair" term, with its
 *   coefficients (pair, pair->theta set, n_basis in 1..FLOW_LINF_BASIS_MAX)
 *   and a gradient buffer, if any, of flow_lat_pair_n_params(n_basis)
 *   (its F is not used); at least one loop term.
 *   Builds the loop set (each loop term adds its shapes; shape -> term table),
 *   checks that every loop passes each link at most once on this lattice
 *   (loops_check_simple; otherwise the exact divergence would be wrong and
 *   the flow is refused with a message naming the shape and the lattice),
 *   allocates the potential workspace (pot_lat_alloc with batches of nb),
 *   the pair workspace (pot_pair_alloc; refused with its message when an
 *   extent is below 3), a gauge field for the evaluations, the fixed-step
 *   ("rk4classic") and
 *   optional adaptive ODE workspaces for the owned links plus one extra
 *   component (log q) and the parameter-gradient accumulators.  The
 *   n_steps recorded stages of training (about 1.6 kB per SU(3) link and
 *   step) are allocated by the first flow_lat_run_fixed with record != 0,
 *   so a sampling-only flow does not hold them.  The adaptive workspace takes its step decisions
 *   globally (ode_workspace_set_reduce, MPI_MAX over g->comm).  Returns
 *   NULL on every rank with a message on any failure.
 *
 * void flow_lat_free(flow_lat_t *fl)
 *   Releases everything (NULL allowed).  Collective (halo plans).
 *
 * void flow_lat_prior(const flow_lat_t *fl, uint64_t seed, uint64_t sample,
 *                     uint32_t step, cplx_t *u)
 *   Haar-random owned links, link (io, mu) from the Philox stream (seed,
 *   RNG_FLOW_PRIOR, sample * n_links_global + gs * D + mu, step), gs the
 *   global site index: the same field on any process grid.
 *
 * void flow_lat_prior_stream(const flow_lat_t *fl, uint64_t seed,
 *                            uint32_t purpose, uint64_t sample,
 *                            uint32_t step, cplx_t *u)
 *   The same with another stream purpose (training uses RNG_TRAIN).
 *
 * int flow_lat_field(double t, const cplx_t *u, double *x, double *r,
 *                    void *params)
 *   The ode_field_fn: copies the owned links u into the flow's gauge field,
 *   then pot_lat_eval (which exchanges the halos) gives x = grad Phi on
 *   every owned link and div = sum over loops len * Delta F (global,
 *   double-double); r[0] = -div.  The F of a loop is its term's
 *   (dispatcher below).  With a pair term, pot_pair_eval with (alpha,
 *   gamma, delta) = flow_lat_pair_coef(t) then adds its gradient to x and
 *   its divergence to div.  Returns the agreed status of pot_lat_eval
 *   (pot_pair_eval returns EMF_SUCCESS).
 *
 * int flow_lat_run_fixed(flow_lat_t *fl, cplx_t *u, double *logq, int record)
 *   n_steps steps of ode_rkmk_step_fixed, step k from k/n_steps with
 *   h = 1/n_steps, stages recorded when record != 0 (allocated on first
 *   use; EMF_ENOMEM on every rank if that fails on one).  The status is
 *   agreed between the ranks after every step.
 *
 * int flow_lat_run_fixed_reverse(flow_lat_t *fl, cplx_t *u, double *logq,
 *                               int record)
 *   The same steps backwards in time: step k from 1 - k/n_steps with
 *   h = -1/n_steps (U_1 -> U_0 up to O(h^4)), recorded into the separate
 *   stages_rev, so that a recorded forward run survives it.
 *
 * void flow_lat_set_exact_sums(flow_lat_t *fl, int on)
 *   on != 0 (the default): per-loop parameter-gradient sums (below).
 *   on == 0: the dispatcher passes whole batches to the F's backward with
 *   params = 1 and adds the batch's gradient to the accumulators once:
 *   faster for a network F, but the last bits of the gradient then depend
 *   on how the loops are split into ranks and batches.
 *
 * int flow_lat_run_adaptive(flow_lat_t *fl, const ode_adaptive_t *par,
 *                           cplx_t *u, double *logq, ode_stats_t *stats)
 *   ode_integrate_adaptive from 0 to 1 with the global step control.
 *
 * The dispatcher pot_func_t (shape -> term): forward calls the term's F on
 * the batch (pot_lat batches never mix shapes).  backward with params = 0,
 * while fl->no_param_grad is set (flow_lat_score), or for a term without a
 * gradient buffer, passes the batch through with
 * params = 0.  With params != 0 it works loop by loop: the term's F is
 * evaluated again on the loop alone (when the batch has more than one
 * loop), its gradient buffer zeroed, its backward called on that loop and
 * the buffer added to the term's double-double accumulators.  Each loop's
 * contribution is then summed exactly enough for the total not to depend
 * on the process grid (potential.h: F results must not depend on the batch).
 * A linear F (flow_linf_of, linf.c) with a gradient buffer of its size
 * needs no second forward: the batch goes through its backward with
 * params = 0 (input cotangents) and flow_linf_grad_acc adds each loop's
 * n_mono numbers to double-double sums, multiplied by the time basis once per
 * batch.
 *
 * Context: flow_lat_alloc, flow_lat_free, flow_lat_field and the run
 * functions are collective on g->comm and must be called by all ranks in
 * the same order; flow_lat_depth and flow_lat_prior are local.  A
 * non-finite state met by one rank inside an adaptive integration is not
 * agreed before the next field evaluation (the step control is): the F
 * must keep the field finite.  Not thread-safe.
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "flow_lat.h"
#include "rng.h"

static void set_msg(char *msg, int msglen, const char *text)
{
  if (msg != NULL && msglen > 0) snprintf(msg, (size_t)msglen, "%s", text);
}

/* the term names and their m x n boxes (doc/flow_lattice.md section 2) */
static const struct {
  const char *name;
  int m, n;
} shape_table[] = {{"plaquette", 1, 1}, {"rectangle", 2, 1}, {"2x2", 2, 2}, {"1x3", 3, 1},
                   {"corner", 0, 0}};   /* m = 0: loops_add_corners */

static int shape_index(const char *name)
{
  for (int i = 0; name != NULL && i < (int)(sizeof shape_table / sizeof shape_table[0]); i++)
    if (strcmp(name, shape_table[i].name) == 0) return i;
  return -1;
}

/* the two-plaquette term (pot_pair_*), which adds no loops */
static int is_pair(const char *name) { return name != NULL && strcmp(name, FLOW_LAT_PAIR) == 0; }

static int add_shapes(loop_set_t *ls, const char *name)
{
  int i = shape_index(name);
  if (is_pair(name)) return EMF_SUCCESS;
  if (i < 0) return EMF_EINVAL;
  if (shape_table[i].m == 0) return loops_add_corners(ls);
  return loops_add_boxes(ls, shape_table[i].m, shape_table[i].n);
}

int flow_lat_depth(int D, int n_terms, const flow_lat_term_t *terms)
{
  loop_set_t *ls = loops_alloc(D);
  int depth = -1, pair = 0, ok = ls != NULL && n_terms >= 1 && n_terms <= FLOW_LAT_TERMS_MAX;
  for (int c = 0; ok && c < n_terms; c++) {
    ok = add_shapes(ls, terms[c].shape) == EMF_SUCCESS;
    pair |= is_pair(terms[c].shape);
  }
  if (ok) depth = loops_depth(ls);
  if (ok && pair && depth < POT_PAIR_DEPTH) depth = POT_PAIR_DEPTH;
  loops_free(ls);
  return depth;
}

size_t flow_lat_pair_n_params(int n_basis) { return (size_t)POT_PAIR_NCOEF * (size_t)n_basis; }

void flow_lat_pair_coef(const flow_lat_pair_t *p, double t, double *c)
{
  double phi[FLOW_LINF_BASIS_MAX];
  const int nb = p->n_basis;
  flow_linf_basis(nb, t, phi);
  for (int i = 0; i < POT_PAIR_NCOEF; i++) {
    double s = 0.0;
    for (int n = 0; n < nb; n++) s += p->theta[i * nb + n] * phi[n];
    c[i] = s;
  }
}

/* ---- the dispatcher: shape -> its term's F -------------------------------- */

static int disp_forward(void *ctx, double *out, int shape, double t, int nb,
                        const double *f, const double *G, const double *h)
{
  const flow_lat_t *fl = ctx;
  const pot_func_t *F = fl->term[fl->shape_term[shape]].F;
  return F->forward(F->ctx, out, shape, t, nb, f, G, h);
}

static int disp_backward(void *ctx, double *df, double *dG, double *dh,
                         int shape, double t, int nb, const double *dout,
                         const double *f, const double *G, const double *h,
                         int params)
{
  flow_lat_t *fl = ctx;
  const int c = fl->shape_term[shape], m = fl->m;
  const flow_lat_term_t *tm = &fl->term[c];
  const pot_func_t *F = tm->F;
  qsum_t *acc = fl->gacc + fl->goff[c];
  const flow_linf_t *lin = flow_linf_of(F);
  if (!params || fl->no_param_grad || tm->grad == NULL || tm->n_grad == 0)
    return F->backward(F->ctx, df, dG, dh, shape, t, nb, dout, f, G, h, 0);
  if (fl->exact_sums && lin != NULL && tm->n_grad == flow_linf_size(lin)) {
    int s = F->backward(F->ctx, df, dG, dh, shape, t, nb, dout, f, G, h, 0);
    if (s == EMF_SUCCESS) flow_linf_grad_acc(lin, acc, t, nb, dout, f, G, h);
    return s;
  }
  if (!fl->exact_sums) {
    int s;
    memset(tm->grad, 0, tm->n_grad * sizeof(double));
    s = F->backward(F->ctx, df, dG, dh, shape, t, nb, dout, f, G, h, 1);
    for (size_t j = 0; s == EMF_SUCCESS && j < tm->n_grad; j++) qsum_add(&acc[j], tm->grad[j]);
    return s;
  }
  for (int b = 0; b < nb; b++) {
    const double *fb = f + (size_t)b * m;
    const double *Gb = G != NULL ? G + (size_t)b * m * m : NULL;
    const double *hb = h != NULL ? h + (size_t)b * m : NULL;
    int s;
    if (nb > 1) {
      s = F->forward(F->ctx, fl->out1, shape, t, 1, fb, Gb, hb);
      if (s != EMF_SUCCESS) return s;
    }
    memset(tm->grad, 0, tm->n_grad * sizeof(double));
    s = F->backward(F->ctx, df + (size_t)b * m, dG != NULL ? dG + (size_t)b * m * m : NULL,
                    dh != NULL ? dh + (size_t)b * m : NULL, shape, t, 1,
                    dout + (size_t)b * (m + 2), fb, Gb, hb, 1);
    if (s != EMF_SUCCESS) return s;
    for (size_t j = 0; j < tm->n_grad; j++) qsum_add(&acc[j], tm->grad[j]);
  }
  return EMF_SUCCESS;
}

/* ---- allocation ----------------------------------------------------------- */

static void reduce_max(double *rmax, void *ctx)
{
  const flow_lat_t *fl = ctx;
  MPI_Allreduce(MPI_IN_PLACE, rmax, 1, MPI_DOUBLE, MPI_MAX, fl->g->comm);
}

void flow_lat_free(flow_lat_t *fl)
{
  if (fl == NULL) return;
  if (fl->stages != NULL)
    for (long k = 0; k < fl->n_steps; k++) ode_stages_free(fl->stages[k]);
  if (fl->stages_rev != NULL)
    for (long k = 0; k < fl->n_steps; k++) ode_stages_free(fl->stages_rev[k]);
  free(fl->stages);
  free(fl->stages_rev);
  ode_workspace_free(fl->ode_fixed);
  ode_workspace_free(fl->ode_adapt);
  pot_lat_free(fl->pot);
  pot_pair_free(fl->pair);
  if (fl->u != NULL) gauge_free(fl->u);
  loops_free(fl->ls);
  free(fl->shape_term);
  afree(fl->gacc);
  afree(fl->gred);
  afree(fl->out1);
  afree(fl->wgrad);
  afree(fl->abuf);
  afree(fl->ubuf);
  afree(fl->ubuf_rev);
  afree(fl->sbuf);
  afree(fl->tflat);
  afree(fl->gflat);
  free(fl);
}

flow_lat_t *flow_lat_alloc(const geom_t *g, int N, int n_terms,
                           const flow_lat_term_t *terms, int nb, long n_steps,
                           const char *adaptive, char *msg, int msglen)
{
  char buf[640], why[400];
  flow_lat_t *fl;
  int ok, all_ok, pair_term = -1, loop_term = -1, depth;
  size_t ng = 0;
  if (n_terms < 1 || n_terms > FLOW_LAT_TERMS_MAX || n_steps < 1 || nb < 1 ||
      sun_type_get(N) == NULL) {
    set_msg(msg, msglen, "flow: number of terms, steps, batch size or N out of range");
    return NULL;
  }
  for (int c = 0; c < n_terms; c++) {
    const char *nm = terms[c].shape;
    if (shape_index(nm) < 0 && !is_pair(nm)) {
      snprintf(buf, sizeof buf, "flow: unknown loop shape '%s' (use \"plaquette\", "
               "\"rectangle\", \"2x2\", \"1x3\" or \"" FLOW_LAT_PAIR "\")",
               nm != NULL ? nm : "(null)");
      set_msg(msg, msglen, buf);
      return NULL;
    }
    if (is_pair(nm)) {
      const flow_lat_pair_t *pc = terms[c].pair;
      if (pair_term >= 0) {
        set_msg(msg, msglen, "flow: at most one \"" FLOW_LAT_PAIR "\" term");
        return NULL;
      }
      if (pc == NULL || pc->theta == NULL || pc->n_basis < 1 ||
          pc->n_basis > FLOW_LINF_BASIS_MAX ||
          (terms[c].grad != NULL && terms[c].n_grad != flow_lat_pair_n_params(pc->n_basis))) {
        set_msg(msg, msglen, "flow: the \"" FLOW_LAT_PAIR "\" term needs its coefficients "
                "(alpha, gamma, delta: 1..16 time functions each) and a gradient buffer of "
                "their size");
        return NULL;
      }
      pair_term = c;
    } else if (terms[c].F == NULL) {
      set_msg(msg, msglen, "flow: every loop term needs an F");
      return NULL;
    } else if (loop_term < 0) {
      loop_term = c;
    } else if (terms[c].F->K != terms[loop_term].F->K) {
      set_msg(msg, msglen, "flow: all F of the loop terms must use the same K");
      return NULL;
    }
    ng += terms[c].grad != NULL ? terms[c].n_grad : 0;
  }
  if (loop_term < 0) {
    set_msg(msg, msglen, "flow: the \"" FLOW_LAT_PAIR "\" term needs at least one loop term "
            "beside it (\"plaquette\", \"rectangle\", \"2x2\" or \"1x3\")");
    return NULL;
  }
  if (adaptive != NULL) {
    const ode_stepper_type_t *st = ode_stepper_get(adaptive);
    if (st == NULL || !st->adaptive) {
      snprintf(buf, sizeof buf, "flow: '%s' is not an adaptive ODE stepper", adaptive);
      set_msg(msg, msglen, buf);
      return NULL;
    }
  }
  fl = calloc(1, sizeof *fl);
  ok = fl != NULL;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, g->comm);
  if (!all_ok) {
    set_msg(msg, msglen, "flow: out of memory");
    free(fl);
    return NULL;
  }
  fl->g = g;
  fl->N = N;
  fl->D = g->D;
  fl->nn = N * N;
  fl->ngen = N * N - 1;
  fl->K = terms[loop_term].F->K;
  fl->pair_term = pair_term;
  fl->m = 2 * fl->K;
  fl->n_terms = n_terms;
  fl->n_links = g->n_owned * g->D;
  fl->n_links_global = g->n_global * g->D;
  fl->n_steps = n_steps;
  fl->n_grad_total = ng;
  fl->ls = loops_alloc(g->D);
  ok = fl->ls != NULL;
  for (int c = 0; ok && c < n_terms; c++) {
    int first = fl->ls->n_shapes;
    fl->term[c] = terms[c];
    if (c == pair_term) continue;   /* no loops */
    if (add_shapes(fl->ls, terms[c].shape) != EMF_SUCCESS) {   /* names checked: memory */
      ok = 0;
      break;
    }
    int *st = realloc(fl->shape_term, (size_t)fl->ls->n_shapes * sizeof(int));
    ok = st != NULL;
    if (ok) fl->shape_term = st;
    for (int s = first; ok && s < fl->ls->n_shapes; s++) fl->shape_term[s] = c;
  }
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, g->comm);
  if (!all_ok) {
    set_msg(msg, msglen, "flow: out of memory");
    flow_lat_free(fl);
    return NULL;
  }
  /* from here on every check depends only on the arguments and the lattice */
  if (loops_check_simple(fl->ls, g->L, why, sizeof why) != EMF_SUCCESS) {
    snprintf(buf, sizeof buf,
             "flow: the exact divergence needs loops that pass every link at most once; %s, "
             "or drop that shape from the flow", why);
    set_msg(msg, msglen, buf);
    flow_lat_free(fl);
    return NULL;
  }
  depth = loops_depth(fl->ls);
  if (pair_term >= 0 && depth < POT_PAIR_DEPTH) depth = POT_PAIR_DEPTH;
  if (g->depth < depth) {
    snprintf(buf, sizeof buf, "flow: halo depth %d is smaller than the %d the loop shapes need",
             g->depth, depth);
    set_msg(msg, msglen, buf);
    flow_lat_free(fl);
    return NULL;
  }
  /* collective allocations: every rank gets here */
  fl->u = gauge_alloc(g, N);
  ok = all_ok && fl->u != NULL;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, g->comm);
  if (all_ok) {
    fl->F.name = "flow_lat";
    fl->F.K = fl->K;
    fl->F.ctx = fl;
    fl->F.forward = disp_forward;
    fl->F.backward = disp_backward;
    fl->pot = pot_lat_alloc(fl->u, fl->ls, fl->K, nb, 0, msg, msglen);
    if (fl->pot == NULL) {   /* pot_lat_alloc agrees between the ranks */
      flow_lat_free(fl);
      return NULL;
    }
    if (pair_term >= 0) {
      fl->pair = pot_pair_alloc(fl->u, msg, msglen);
      if (fl->pair == NULL) {   /* so does pot_pair_alloc */
        flow_lat_free(fl);
        return NULL;
      }
    }
    fl->ode_fixed = ode_workspace_alloc((size_t)fl->n_links, N, 1, "rk4classic");
    ok = fl->ode_fixed != NULL;
    if (ok && adaptive != NULL) {
      fl->ode_adapt = ode_workspace_alloc((size_t)fl->n_links, N, 1, adaptive);
      ok = fl->ode_adapt != NULL;
      if (ok) ode_workspace_set_reduce(fl->ode_adapt, reduce_max, fl);
    }
    fl->stages = ok ? calloc((size_t)n_steps, sizeof *fl->stages) : NULL;
    fl->stages_rev = ok ? calloc((size_t)n_steps, sizeof *fl->stages_rev) : NULL;
    ok = ok && fl->stages != NULL && fl->stages_rev != NULL;
    for (int c = 0; c < n_terms; c++) {
      fl->goff[c] = 0;
      for (int d = 0; d < c; d++)
        fl->goff[c] += terms[d].grad != NULL ? terms[d].n_grad : 0;
    }
    fl->gacc = amalloc((ng > 0 ? ng : 1) * sizeof(qsum_t));
    fl->gred = amalloc((ng > 0 ? ng : 1) * sizeof(qsum_t));
    fl->out1 = amalloc((size_t)(fl->m + 2) * sizeof(double));
    fl->wgrad = amalloc((size_t)fl->n_links * fl->ngen * sizeof(double));
    fl->abuf = amalloc((size_t)fl->n_links * fl->ngen * sizeof(double));
    fl->ubuf = amalloc((size_t)fl->n_links * fl->nn * sizeof(cplx_t));
    fl->ubuf_rev = amalloc((size_t)fl->n_links * fl->nn * sizeof(cplx_t));
    fl->sbuf = amalloc((size_t)fl->n_links * fl->ngen * sizeof(double));
    fl->tflat = amalloc((ng > 0 ? ng : 1) * sizeof(double));
    fl->gflat = amalloc((ng > 0 ? ng : 1) * sizeof(double));
    ok = ok && fl->gacc && fl->gred && fl->out1 && fl->wgrad && fl->abuf && fl->ubuf &&
         fl->ubuf_rev && fl->sbuf && fl->tflat && fl->gflat;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, g->comm);
  }
  if (!all_ok) {
    set_msg(msg, msglen, "flow: out of memory allocating the flow workspace");
    flow_lat_free(fl);
    return NULL;
  }
  memset(fl->gacc, 0, (ng > 0 ? ng : 1) * sizeof(qsum_t));
  fl->exact_sums = 1;
  return fl;
}

void flow_lat_set_exact_sums(flow_lat_t *fl, int on) { fl->exact_sums = on != 0; }

/* stages for n_steps recorded steps, allocated once (collective status) */
static int stages_ready(flow_lat_t *fl, ode_stages_t **stages)
{
  int ok = 1, all_ok;
  if (stages[0] != NULL) return EMF_SUCCESS;
  for (long k = 0; ok && k < fl->n_steps; k++) {
    stages[k] = ode_stages_alloc((size_t)fl->n_links, fl->N, 1);
    ok = stages[k] != NULL;
  }
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, fl->g->comm);
  if (all_ok) return EMF_SUCCESS;
  for (long k = 0; k < fl->n_steps; k++) {
    ode_stages_free(stages[k]);
    stages[k] = NULL;
  }
  return EMF_ENOMEM;
}

/* ---- prior, field, integration -------------------------------------------- */

void flow_lat_prior(const flow_lat_t *fl, uint64_t seed, uint64_t sample,
                    uint32_t step, cplx_t *u)
{
  flow_lat_prior_stream(fl, seed, RNG_FLOW_PRIOR, sample, step, u);
}

void flow_lat_prior_stream(const flow_lat_t *fl, uint64_t seed, uint32_t purpose,
                           uint64_t sample, uint32_t step, cplx_t *u)
{
  const geom_t *g = fl->g;
  rng_stream_t s;
  for (long io = 0; io < g->n_owned; io++)
    for (int mu = 0; mu < fl->D; mu++) {
      const uint64_t gl = (uint64_t)g->gsite[g->owned[io]] * (uint64_t)fl->D + (uint64_t)mu;
      rng_stream_init(&s, seed, purpose, sample * (uint64_t)fl->n_links_global + gl, step);
      rng_haar_sun(&s, fl->N, u + ((size_t)io * fl->D + mu) * fl->nn);
    }
}

/* owned links of the ODE state into the flow's gauge field */
static void load_links(flow_lat_t *fl, const cplx_t *u)
{
  const geom_t *g = fl->g;
  const size_t site = (size_t)fl->D * fl->nn;
  for (long io = 0; io < g->n_owned; io++)
    memcpy(fl->u->u + (size_t)g->owned[io] * site, u + (size_t)io * site, site * sizeof(cplx_t));
}

int flow_lat_field(double t, const cplx_t *u, double *x, double *r, void *params)
{
  flow_lat_t *fl = params;
  double div = 0.0, t0 = wtime();
  int s;
  load_links(fl, u);
  s = pot_lat_eval(fl->pot, fl->u, &fl->F, t, NULL, x, &div);
  if (s == EMF_SUCCESS && fl->pair != NULL) {   /* the status is agreed */
    double coef[POT_PAIR_NCOEF], div2 = 0.0;
    flow_lat_pair_coef(fl->term[fl->pair_term].pair, t, coef);
    s = pot_pair_eval(fl->pair, fl->u, coef, NULL, x, &div2);
    div += div2;
  }
  r[0] = -div;
  fl->n_field++;
  fl->t_field += wtime() - t0;
  return s;
}

static int agree(const flow_lat_t *fl, int s)
{
  int gs;
  MPI_Allreduce(&s, &gs, 1, MPI_INT, MPI_MAX, fl->g->comm);
  return s != EMF_SUCCESS ? s : gs;
}

/* n_steps fixed steps of size h (either sign), step k from t0 + k h,
 * recorded into stages (NULL: not recorded) */
static int run_steps(flow_lat_t *fl, double t0, double h, cplx_t *u, double *logq,
                     ode_stages_t **stages)
{
  double e = *logq;
  int s = EMF_SUCCESS;
  if (stages != NULL && stages_ready(fl, stages) != EMF_SUCCESS) return EMF_ENOMEM;
  for (long k = 0; k < fl->n_steps && s == EMF_SUCCESS; k++) {
    s = ode_rkmk_step_fixed(fl->ode_fixed, t0 + (double)k * h, h, u, &e, flow_lat_field, fl,
                            stages != NULL ? stages[k] : NULL);
    s = agree(fl, s);
  }
  if (s == EMF_SUCCESS) *logq = e;
  return s;
}

int flow_lat_run_fixed(flow_lat_t *fl, cplx_t *u, double *logq, int record)
{
  int s;
  fl->recorded = 0;
  s = run_steps(fl, 0.0, 1.0 / (double)fl->n_steps, u, logq, record ? fl->stages : NULL);
  fl->recorded = s == EMF_SUCCESS && record != 0;
  return s;
}

int flow_lat_run_fixed_reverse(flow_lat_t *fl, cplx_t *u, double *logq, int record)
{
  return run_steps(fl, 1.0, -1.0 / (double)fl->n_steps, u, logq,
                   record ? fl->stages_rev : NULL);
}

int flow_lat_run_adaptive(flow_lat_t *fl, const ode_adaptive_t *par, cplx_t *u,
                          double *logq, ode_stats_t *stats)
{
  double e = *logq;
  int s;
  if (fl->ode_adapt == NULL) return EMF_EINVAL;
  s = ode_integrate_adaptive(fl->ode_adapt, 0.0, 1.0, par, u, &e, flow_lat_field, fl, stats);
  s = agree(fl, s);
  if (s == EMF_SUCCESS) *logq = e;
  return s;
}
