/*******************************************************************************
 * flow_lattice.c: the train and sample tasks for target.type = "lattice"
 * (doc/flow_lattice.md section 6).
 *
 * void flow_task_lat_setup(const task_ctx_t *ctx, const char *adaptive,
 *                          flow_task_lat_t *s)
 *   Builds what both tasks need: the ranks split into batch groups x
 *   domains (train.groups, or automatically: nranks groups of one rank when
 *   lattice.grid is not given, else nranks / prod(lattice.grid) groups), the
 *   geometry of one domain (halo depth of flow.shapes), one F per shape in
 *   flow.shapes (flow.model "mlp": the flow group's MLP, flow_nnf adapters,
 *   all sharing nn_t; "linear": flow_linf with flow.K, flow.degree and
 *   flow.time_basis, checkpointed as activation "linear", width = depth =
 *   0, n_freq = time_basis; the two-plaquette term "plaquette-pair",
 *   linear model only: its coefficients (alpha, gamma, delta) in
 *   time_basis Legendre functions each, flow_lat_pair_t, 3 time_basis
 *   parameters), the parameters theta
 *   (term after term, each at its own offset; the checkpoint's n_params is
 *   the total), gradient buffers, an Adam state over all of them and the
 *   flow_lat_t with
 *   flow.steps fixed RK4 steps and the adaptive stepper by name (NULL:
 *   none).  Ends the run (EMF_EXIT_CONFIG) when train.groups does not
 *   divide the ranks or no grid fits, EMF_EXIT_RUNTIME otherwise.
 *
 * void flow_task_lat_release(flow_task_lat_t *s)
 *   Frees it.  Collective.
 *
 * int flow_task_train_lattice(task_ctx_t *ctx)
 *   Initialisation: every network from run.seed + shape index
 *   (nn_init_params_seed with flow.init_scale; 0 zeroes the output layer:
 *   the identity flow); the linear model at zero (flow.init = "zero", the
 *   identity flow) or at the leading-order trivialising map (flow.init =
 *   "lo": coefficient flow_linf_lo_coef(N, beta, 4) of Re tr W, P_0 in the
 *   plaquette term, all else zero, the pair term too); or, with run.resume
 *   and a model.h5 of
 *   the same model type and hash, that checkpoint (all terms' parameters
 *   and the Adam state in one vector; a model.h5 of the other flow.model
 *   ends the run with EMF_EXIT_INPUT and a message saying so); or, when no
 *   checkpoint is continued and train.init_from is set, the parameters of
 *   that model.h5 (transfer: same flow.model, lattice.N, flow.shapes,
 *   flow.K, network or time basis and parameter count, else EMF_EXIT_INPUT
 *   naming the file and what differs; Adam afresh at step 0; the cost
 *   totals start from that model's).  A continued checkpoint wins over
 *   train.init_from (a log line says so).  Adam steps
 *   (flow_lat_train_step_all: exact gradients through flow.steps RKMK-RK4
 *   steps, schedule, clipping) up to train.steps (without run.resume an
 *   existing model.h5 ends the run with EMF_EXIT_INPUT); progress line
 *   (flow_lat_progress: step, loss, batch ESS, time left) every
 *   train.log_every steps; model.h5 every train.checkpoint_every steps and
 *   at the end, with the lattice (N, extent, beta, shapes) and the transfer
 *   record.  Summary: train.loss,
 *   train.loss_std, train.ess, train.kl and train.logZ_exact (D = 2),
 *   train.steps, train.steps_this_run, train.resumed_from, train.parameters,
 *   train.n_params, train.shapes, train.model, train.init, train.groups,
 *   train.init_from, train.init_from_step, train.init_from_core_seconds
 *   (a transferred model, also when resumed), train.seconds,
 *   train.negative_kl_steps (D = 2: steps whose batch KL estimate was
 *   below 0 by > 5 standard errors, the fixed-step log q being exploited),
 *   train.seconds_per_step, train.cpu_seconds, train.core_seconds (wall
 *   seconds x ranks), train.core_hours, the totals over all runs of a
 *   resumed training (train.seconds_total, cpu_seconds_total,
 *   core_seconds_total, core_hours_total, cost_from_step; also stored in
 *   model.h5: flow_task_cost_update), train.history.{step,loss,ess},
 *   train.model_hash.
 *
 * int flow_task_sample_lattice(task_ctx_t *ctx)
 *   Reads model.h5 (required, of this flow.model), draws sample.n samples
 *   (flow_lat_sample_all, seed run.seed, adaptive sample.stepper at
 *   eps_abs/eps_rel), the first min(sample.ref_n, n) of them (all when ref_n = 0) also at the tolerances
 *   / sample.ref_factor for the log-density error (none with ref_factor <=
 *   1).  log w = -S - log q; metro_summary_compute: ESS, IMH chain
 *   (acceptance, plaquette with Gamma error and tau_int), reweighted
 *   plaquette, log Z; in 2D exact_lattice2d_volume beside them.  Appends
 *   the series flow/logq, flow/action, flow/logw, flow/plaquette (and
 *   flow/logq_ref, flow/action_ref of the reference run) to
 *   <run dir>/ensemble.h5 (io.h; a new file or the existing one continued);
 *   flow/logq carries the attribute "sampler" (model hash and step, seed,
 *   stepper, tolerances, ref_factor, ref_n).  With sample.save_samples
 *   every sample drawn by this run is also stored as the configuration
 *   configs/flow/<sample number> (io_write_config: beta, run.seed, its
 *   plaquette); the ranks of batch group 0 write the file, every other
 *   group sends its samples' links to the rank of group 0 with its domain
 *   rank, in chunks of 8 samples per group.  Series and configurations are
 *   committed together: a failed run leaves ensemble.h5 as it was.
 *   Stored flow samples: without run.resume they end the run
 *   (EMF_EXIT_INPUT); with it, if their sampler record is this run's,
 *   samples n_stored..sample.n-1 are drawn and appended (bit for bit the
 *   samples of one run of sample.n), and the analysis covers samples
 *   0..sample.n-1; another record ends the run (EMF_EXIT_INPUT).
 *   Summary: sample.n, sample.n_this_run, sample.resumed_from (stored
 *   samples continued, -1: none), sample.ess, sample.acceptance,
 *   sample.logZ.{mean,error,exact}, sample.observables.plaquette.{mean,
 *   error,exact}, sample.imh.plaquette.{mean,error,tau_int},
 *   sample.logq_error.*, sample.seconds, sample.core_seconds, sample.n_eval
 *   (this run), sample.core_seconds_total (all sample.n samples: this run
 *   plus the stored samples' cost, kept as the attribute core_seconds of
 *   observables/flow/logq).
 *
 * Context: collective over ctx->comm; all numbers are the same bits for any
 * number of ranks and any split into groups x domains (flow_lat.h).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cfg.h"
#include "exact.h"
#include "flow_common.h"
#include "io.h"
#include "metro.h"
#include "report.h"
#include "util.h"

static const char *const shape_names[] = {"plaquette", "rectangle", "2x2", "1x3",
                                           FLOW_LAT_PAIR, "corner"};
static const char *const model_names[] = {"mlp", "linear"};
static const char *const init_names[] = {"zero", "lo"};
/* the checkpoint's "activation" of the linear model (only its name is used) */
static const nn_act_type_t linear_act = {"linear", NULL};

/* Parameters of term c of flow.shapes: the pair term's
 * flow_lat_pair_n_params(time_basis); a loop term of the linear model
 * flow.K and `degree`'s, of the network model np_net. */
static size_t term_n_params(const parms_t *p, int c, int degree, size_t np_net)
{
  if (p->flow.shapes[c] == FLOW_SHAPE_PAIR) return flow_lat_pair_n_params(p->flow.time_basis);
  if (p->flow.model == FLOW_MODEL_LINEAR)
    return flow_linf_n_params_deg(p->flow.K, degree, p->flow.time_basis);
  return np_net;
}

void flow_task_lat_setup(const task_ctx_t *ctx, const char *adaptive, flow_task_lat_t *s)
{
  const parms_t *p = ctx->p;
  const lattice_parms_t *l = &p->lattice;
  char msg[1024];
  int nranks, rank, st, nd, req = 1, all_auto = 1, none[EMF_DMAX] = {0};
  size_t np_net = 0, total = 0, off[FLOW_SHAPES_MAX];

  memset(s, 0, sizeof *s);
  MPI_Comm_size(ctx->comm, &nranks);
  MPI_Comm_rank(ctx->comm, &rank);
  for (int mu = 0; mu < l->D; mu++) {
    if (l->grid[mu] > 0) all_auto = 0;
    req *= l->grid[mu] > 0 ? l->grid[mu] : 1;
  }
  if (p->train.groups > 0) s->n_groups = p->train.groups;
  else s->n_groups = all_auto ? nranks : (nranks % req == 0 ? nranks / req : 1);
  ERROR_ROOT(nranks % s->n_groups != 0, EMF_EXIT_CONFIG,
             "train.groups = %d does not divide the %d ranks", s->n_groups, nranks);
  nd = nranks / s->n_groups;
  s->group = rank / nd;
  MPI_Comm_split(ctx->comm, s->group, rank, &s->dom);

  s->linear = p->flow.model == FLOW_MODEL_LINEAR;
  if (!s->linear) {
    flow_task_net(p, &s->net);
    np_net = s->net.n_params;
  }
  s->n_terms = p->flow.n_shapes;
  /* parameters term after term, each at its own offset (the pair term's
   * count is not the loop terms') */
  for (int c = 0; c < s->n_terms; c++) {
    off[c] = total;
    total += term_n_params(p, c, p->flow.degree, np_net);
  }
  s->theta = acalloc(total, sizeof(double));
  s->gbuf = acalloc(total, sizeof(double));
  s->adam = adam_alloc(total);
  ERROR(!s->theta || !s->gbuf || !s->adam, EMF_EXIT_RUNTIME, "flow: out of memory");
  for (int c = 0; c < s->n_terms; c++) {
    s->terms[c].F = &s->F[c];
    if (p->flow.shapes[c] == FLOW_SHAPE_PAIR) {   /* config: linear model only */
      s->pair.n_basis = p->flow.time_basis;
      s->pair.theta = s->theta + off[c];
      s->terms[c].F = NULL;
      s->terms[c].pair = &s->pair;
    } else if (s->linear) {
      st = flow_linf_init_deg(&s->F[c], &s->lin[c], p->flow.K, p->flow.degree,
                              p->flow.time_basis);
      ERROR(st != EMF_SUCCESS, EMF_EXIT_RUNTIME, "flow: linear F: %s", error_string(st));
      flow_linf_set(&s->lin[c], s->theta + off[c], s->gbuf + off[c]);
    } else {
      st = flow_nnf_init(&s->F[c], &s->nnf[c], &s->net, FLOW_TASK_NB);
      ERROR(st != EMF_SUCCESS, EMF_EXIT_RUNTIME, "flow: network adapter: %s",
            error_string(st));
      flow_nnf_set(&s->nnf[c], s->theta + off[c], s->gbuf + off[c]);
    }
    s->terms[c].shape = shape_names[p->flow.shapes[c]];
    s->terms[c].grad = s->gbuf + off[c];
    s->terms[c].n_grad = term_n_params(p, c, p->flow.degree, np_net);
    s->thp[c] = s->theta + off[c];
  }
  if (s->linear) {
    memset(&s->ck, 0, sizeof s->ck);
    s->ck.cfg.n_x = 2 * p->flow.K;
    s->ck.cfg.n_freq = p->flow.time_basis;
    s->ck.cfg.act = &linear_act;
  } else {
    s->ck = s->net;
  }
  s->ck.n_params = total;

  st = geom_choose_grid(l->D, l->extent, nd, all_auto || nd != req ? none : l->grid, s->grid,
                        msg, (int)sizeof msg);
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_CONFIG, "flow: %d domain ranks: %s", nd, msg);
  s->g = geom_alloc(s->dom, l->D, l->extent, s->grid,
                    flow_lat_depth(l->D, s->n_terms, s->terms), msg, (int)sizeof msg);
  ERROR(s->g == NULL, EMF_EXIT_CONFIG, "flow: %s", msg);
  s->fl = flow_lat_alloc(s->g, l->N, s->n_terms, s->terms, FLOW_TASK_NB, p->flow.steps,
                         adaptive, msg, (int)sizeof msg);
  ERROR(s->fl == NULL, EMF_EXIT_CONFIG, "flow: %s", msg);
  flow_lat_set_path_grad(s->fl, p->train.gradient == TRAIN_GRADIENT_PATH);
}

void flow_task_lat_release(flow_task_lat_t *s)
{
  flow_lat_free(s->fl);
  geom_free(s->g);
  for (int c = 0; c < s->n_terms && !s->linear; c++) flow_nnf_release(&s->nnf[c]);
  MPI_Comm_free(&s->dom);
  adam_free(s->adam);
  afree(s->gbuf);
  afree(s->theta);
  memset(s, 0, sizeof *s);
}

/* model.h5 of the other flow.model is refused with a clear message (the
 * checkpoint records the linear model as activation "linear") */
static void check_model_kind(const task_ctx_t *ctx, int linear)
{
  char path[PARMS_PATH_MAX + 32], act[64] = {0};
  int rank, kind = -1;
  MPI_Comm_rank(ctx->comm, &rank);
  snprintf(path, sizeof path, "%s/model.h5", ctx->outdir);
  if (rank == 0 && access(path, F_OK) == 0) {
    io_serial_t *f = io_serial_open(path);
    if (f != NULL && io_serial_get_string(f, "activation", act, (int)sizeof act) == EMF_SUCCESS)
      kind = strcmp(act, "linear") == 0;
    io_serial_close(f);
  }
  MPI_Bcast(&kind, 1, MPI_INT, 0, ctx->comm);
  ERROR_ROOT(kind >= 0 && kind != linear, EMF_EXIT_INPUT,
             "%s holds a flow.model = \"%s\" model but this configuration has flow.model = "
             "\"%s\"; use another output.dir or the matching flow.model", path,
             model_names[kind > 0], model_names[linear]);
}

/* exact 2D values (ok = 0 in other dimensions) */
static int exact2d(const parms_t *p, exact_lattice2d_t *ex)
{
  long V;
  int st;
  if (p->lattice.D != 2) return 0;
  V = (long)p->lattice.extent[0] * p->lattice.extent[1];
  st = exact_lattice2d_volume(p->lattice.N, p->action.beta, V, ex);
  if (st != EMF_SUCCESS) log_warning("flow: exact 2D values failed (%s)", error_string(st));
  return st == EMF_SUCCESS;
}

/* flow.shapes as "plaquette,rectangle" (the form model.h5 stores). */
static void shapes_text(const parms_t *p, char *buf, size_t len)
{
  size_t used = 0;
  buf[0] = 0;
  for (int c = 0; c < p->flow.n_shapes && used < len; c++) {
    const int w = snprintf(buf + used, len - used, "%s%s", c > 0 ? "," : "",
                           shape_names[p->flow.shapes[c]]);
    if (w > 0) used += (size_t)w;
  }
}

/* The lattice of this training, recorded in model.h5 (train.init_from
 * compares N and shapes, and names extent and beta in its message). */
static void info_set_lattice(const parms_t *p, train_ckpt_info_t *info)
{
  size_t used = 0;
  info->N = p->lattice.N;
  info->beta = p->action.beta;
  info->extent[0] = 0;
  for (int mu = 0; mu < p->lattice.D && used < sizeof info->extent; mu++) {
    const int w = snprintf(info->extent + used, sizeof info->extent - used, "%s%d",
                           mu > 0 ? "x" : "", p->lattice.extent[mu]);
    if (w > 0) used += (size_t)w;
  }
  shapes_text(p, info->shapes, sizeof info->shapes);
}

/* The flow.degree of a linear model with n_params parameters over this
 * configuration's terms, K and time basis (the pair term's count does not
 * depend on it; 0: none fits) */
static int linear_degree_of(const parms_t *p, long long n_params)
{
  for (int d = 1; d <= 2; d++) {
    long long n = 0;
    for (int c = 0; c < p->flow.n_shapes; c++) n += (long long)term_n_params(p, c, d, 0);
    if (n == n_params) return d;
  }
  return 0;
}

/* "" if the model of header h / attributes src has the structure of this
 * configuration (flow.model, lattice.N, flow.shapes, flow.K, the network
 * or the linear time basis and degree, the parameter count); else what differs, as
 * "flow.K 3 there, 2 here".  N and shapes are compared only when the file
 * records them. */
static void structure_diff(const parms_t *p, const flow_task_lat_t *s,
                           const train_ckpt_header_t *h, const train_ckpt_info_t *src,
                           char *why, size_t len)
{
  static const char *const acts[] = {"tanh", "softplus", "silu", "sin"};
  const int lin = strcmp(h->activation, "linear") == 0;
  char here[TRAIN_CKPT_TEXT];
  shapes_text(p, here, sizeof here);
  why[0] = 0;
  if (lin != s->linear)
    snprintf(why, len, "flow.model \"%s\" there, \"%s\" here", model_names[lin],
             model_names[s->linear]);
  else if (src->N > 0 && src->N != p->lattice.N)
    snprintf(why, len, "lattice.N %d there, %d here", src->N, p->lattice.N);
  else if (src->shapes[0] != 0 && strcmp(src->shapes, here) != 0)
    snprintf(why, len, "flow.shapes [%s] there, [%s] here", src->shapes, here);
  else if (h->n_x != 2 * p->flow.K)
    snprintf(why, len, "flow.K %d there, %d here", h->n_x / 2, p->flow.K);
  else if (lin && h->n_freq != p->flow.time_basis)
    snprintf(why, len, "flow.time_basis %d there, %d here", h->n_freq, p->flow.time_basis);
  else if (!lin && h->n_freq != p->flow.time_freq)
    snprintf(why, len, "flow.time_freq %d there, %d here", h->n_freq, p->flow.time_freq);
  else if (!lin && h->width != p->flow.width)
    snprintf(why, len, "flow.width %d there, %d here", h->width, p->flow.width);
  else if (!lin && h->depth != p->flow.depth)
    snprintf(why, len, "flow.depth %d there, %d here", h->depth, p->flow.depth);
  else if (!lin && strcmp(h->activation, acts[p->flow.activation]) != 0)
    snprintf(why, len, "flow.activation \"%s\" there, \"%s\" here", h->activation,
             acts[p->flow.activation]);
  else if (lin && h->n_params != (long long)s->ck.n_params &&
           linear_degree_of(p, h->n_params) > 0)
    snprintf(why, len, "flow.degree %d there, %d here", linear_degree_of(p, h->n_params),
             p->flow.degree);
  else if (h->n_params != (long long)s->ck.n_params)
    snprintf(why, len, "%lld parameters there, %zu here", h->n_params, s->ck.n_params);
}

/* train.init_from: the parameters of another model.h5 of the same
 * structure; Adam starts fresh (t = 0, so the step counter is 0); info
 * gets that model's cumulative cost (so the cost of this model includes
 * the pre-training) and the transfer record.  Ends the run (EMF_EXIT_INPUT)
 * on a missing, unreadable or differently built model; nothing is
 * written then. */
static void transfer_load(const task_ctx_t *ctx, flow_task_lat_t *s, train_ckpt_info_t *info)
{
  const parms_t *p = ctx->p;
  const char *path = p->train.init_from;
  train_ckpt_header_t h;
  train_ckpt_info_t src;
  char msg[2 * PARMS_PATH_MAX + 512], why[PARMS_PATH_MAX + 512], on[2 * TRAIN_CKPT_TEXT + 64];
  int rank, bad = 0;
  _Static_assert(TRAIN_CKPT_PATH >= PARMS_PATH_MAX, "train.init_from fits model.h5's record");
  MPI_Comm_rank(ctx->comm, &rank);
  memset(&h, 0, sizeof h);
  memset(&src, 0, sizeof src);
  msg[0] = 0;
  if (rank == 0) {
    if (access(path, F_OK) != 0) {
      bad = 1;
      snprintf(msg, sizeof msg, "train.init_from = %s: no such file", path);
    } else if (train_ckpt_read_header(path, &h, &src, why, (int)sizeof why) != EMF_SUCCESS) {
      bad = 1;
      snprintf(msg, sizeof msg, "train.init_from = %s: cannot be read as a model.h5 (%s)",
               path, why);
    } else {
      structure_diff(p, s, &h, &src, why, sizeof why);
      if (why[0] != 0) {
        bad = 1;
        snprintf(msg, sizeof msg,
                 "train.init_from = %s: %s; a transferred model must have the same "
                 "structure (lattice.extent, action.beta, train.* and run.seed may differ)",
                 path, why);
      } else if (train_ckpt_read(path, &s->ck, s->theta, s->adam, &src, why,
                                 (int)sizeof why) != EMF_SUCCESS) {
        bad = 1;
        snprintf(msg, sizeof msg, "train.init_from = %s: %s", path, why);
      }
    }
  }
  ERROR_ROOT(bad, EMF_EXIT_INPUT, "%s", msg);
  MPI_Bcast(s->theta, (int)s->ck.n_params, MPI_DOUBLE, 0, ctx->comm);
  MPI_Bcast(&src, (int)sizeof src, MPI_BYTE, 0, ctx->comm);
  MPI_Bcast(&h, (int)sizeof h, MPI_BYTE, 0, ctx->comm);
  adam_reset(s->adam);
  info->seconds = src.seconds;
  info->cpu_seconds = src.cpu_seconds;
  info->core_seconds = src.core_seconds;
  info->cost_from_step = 0;
  snprintf(info->init_from, sizeof info->init_from, "%s", path);
  info->init_from_step = src.step;
  info->init_from_hash = src.cfg_hash;
  info->init_from_core_seconds = src.core_seconds;
  if (src.N > 0)
    snprintf(on, sizeof on, "trained on SU(%d) %s, shapes %s, beta %g, step %ld", src.N,
             src.extent, src.shapes, src.beta, src.step);
  else
    snprintf(on, sizeof on, "step %ld; lattice, beta and shapes not recorded", src.step);
  message("train: parameters from %s (%s); Adam starts afresh at step 0; its training cost "
          "(%.2f core s) is carried into this model's totals", path, on, src.core_seconds);
  if (src.N == 0 || src.shapes[0] == 0)
    log_warning("train: %s does not record lattice.N and flow.shapes (written before model.h5 "
                "stored them); only flow.model, flow.K, the network or time basis and the "
                "parameter count were compared", path);
  if (h.version < 2 || src.cost_from_step > 0)
    log_warning("train: %s has no training cost before step %ld; the totals of this model "
                "leave that part out", path, src.cost_from_step);
}

int flow_task_train_lattice(task_ctx_t *ctx)
{
  const parms_t *p = ctx->p;
  flow_task_lat_t s;
  adam_parms_t ap = flow_task_adam_parms(p);
  train_ckpt_info_t info = {0};
  flow_task_cost_t cost;
  flow_lat_batch_t st;
  exact_lattice2d_t ex;
  double *hist;
  char path[PARMS_PATH_MAX + 32], hash[32], line[256], shp[96], pair_line[96] = "";
  const char *names[FLOW_SHAPES_MAX];
  long start, nh = 0, maxh, n_neg = 0;
  int rank, nranks, status, resumed = 0, transferred = 0, have_ex;

  MPI_Comm_rank(ctx->comm, &rank);
  MPI_Comm_size(ctx->comm, &nranks);
  flow_task_lat_setup(ctx, NULL, &s);
  have_ex = exact2d(p, &ex);
  memset(&st, 0, sizeof st);
  st.loss = st.loss_std = st.ess = NAN;
  maxh = p->train.steps / p->train.log_every + 2;
  hist = acalloc((size_t)maxh * 3, sizeof(double));
  ERROR(!hist, EMF_EXIT_RUNTIME, "train: out of memory");

  if (p->run.resume) check_model_kind(ctx, s.linear);
  resumed = flow_task_resume(ctx, &s.ck, s.theta, s.adam, &info);
  if (resumed && p->train.init_from[0] != 0)
    message("train: run.resume: continuing %s/model.h5 at step %ld; train.init_from = %s is "
            "not used (the checkpoint wins)", ctx->outdir, info.step, p->train.init_from);
  transferred = !resumed && p->train.init_from[0] != 0;
  if (transferred) {
    transfer_load(ctx, &s, &info);
  } else if (!resumed && s.linear) {
    /* zero: the identity flow; lo: Phi = c_LO sum_P Re tr U_P, the
     * coefficient of (Re tr W, P_0 = 1) of the plaquette term */
    memset(s.theta, 0, s.ck.n_params * sizeof(double));
    for (int c = 0; c < s.n_terms; c++)
      if (p->flow.init == FLOW_INIT_LO && p->flow.shapes[c] == FLOW_SHAPE_PLAQUETTE)
        s.thp[c][0] = flow_linf_lo_coef(p->lattice.N, p->action.beta, 4);
  } else if (!resumed) {
    for (int c = 0; c < s.n_terms; c++)
      nn_init_params_seed(s.thp[c], &s.net, (uint64_t)p->run.seed + (uint64_t)c,
                          p->flow.init_scale);
  }
  start = s.adam->t;
  info.seed = (uint64_t)p->run.seed;
  info.cfg_hash = flow_task_model_hash(p);
  info_set_lattice(p, &info);
  snprintf(path, sizeof path, "%s/model.h5", ctx->outdir);
  for (int c = 0, k = 0; c < s.n_terms; c++) {
    names[c] = s.terms[c].shape;
    k += snprintf(shp + k, sizeof shp - (size_t)k, "%s%s", c ? " + " : "", names[c]);
    if (p->flow.shapes[c] == FLOW_SHAPE_PAIR)
      snprintf(pair_line, sizeof pair_line, " (" FLOW_LAT_PAIR ": alpha, gamma, delta (t), "
               "%zu parameters)", s.terms[c].n_grad);
  }
  if (s.linear)
    snprintf(line, sizeof line, "linear F (K = %d, degree %d, %d Legendre time functions, "
             "init %s)", p->flow.K, p->flow.degree, p->flow.time_basis,
             transferred ? "train.init_from" : init_names[p->flow.init]);
  else
    snprintf(line, sizeof line, "network %d-%dx%d-1 (%s)", s.net.n_in, s.net.cfg.width,
             s.net.cfg.depth, s.net.cfg.act->name);
  message("train: SU(%d) lattice flow, beta %g, shapes %s, %s each loop shape%s, "
          "%zu parameters in all; batch %d over %d group(s) x %d domain rank(s), %d RK4 steps, "
          "%s gradient; %s at step %ld of %d",
          p->lattice.N, p->action.beta, shp, line, pair_line,
          s.ck.n_params, p->train.batch, s.n_groups, nranks / s.n_groups, p->flow.steps,
          cfg_enum_name("train.gradient", p->train.gradient),
          resumed ? "resumed" : transferred ? "transferred model starting" : "starting", start,
          p->train.steps);

  flow_task_cost_start(&cost, &info);
  for (long k = start; k < p->train.steps; k++) {
    status = flow_lat_train_step_all(s.fl, p->action.beta, (uint64_t)p->run.seed,
                                     p->train.batch, s.group, s.n_groups, ctx->comm, s.thp,
                                     s.adam, &ap, &st);
    ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_RUNTIME, "train: step %ld failed: %s", k,
               error_string(status));
    /* KL >= 0: a batch estimate far below 0 means the optimiser exploits
     * the error of the fixed-step log q (doc/flow.md) */
    if (have_ex && st.loss + ex.lnZ < -5.0 * st.loss_std / sqrt((double)p->train.batch)) {
      if (n_neg == 0)
        log_warning("train: step %ld: batch KL estimate %.4f < 0 by more than 5 standard "
                    "errors: the %d-step RK4 log q is inaccurate for this flow; increase "
                    "flow.steps or lower train.lr", k, st.loss + ex.lnZ, p->flow.steps);
      n_neg++;
    }
    if (k % p->train.log_every == 0 || k + 1 == p->train.steps) {
      flow_lat_progress(line, (int)sizeof line, k + 1, p->train.steps, start, &st,
                        wtime() - cost.wall0);
      message("%s", line);
      if (nh < maxh) {
        hist[nh] = (double)k;
        hist[maxh + nh] = st.loss;
        hist[2 * maxh + nh] = st.ess;
        nh++;
      }
    }
    if (p->train.checkpoint_every > 0 && (k + 1) % p->train.checkpoint_every == 0 &&
        k + 1 < p->train.steps) {
      info.step = s.adam->t;
      flow_task_cost_update(&cost, &info, ctx->comm);
      status = rank == 0 ? train_ckpt_write(path, &s.ck, s.theta, s.adam, &info) : EMF_SUCCESS;
      ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_IO, "train: cannot write %s", path);
    }
  }
  {
    const long done = s.adam->t - start;
    info.step = s.adam->t;
    flow_task_cost_update(&cost, &info, ctx->comm);
    status = rank == 0 ? train_ckpt_write(path, &s.ck, s.theta, s.adam, &info) : EMF_SUCCESS;
    ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_IO, "train: cannot write %s", path);
    message("train: %ld steps in %.2f s on %d ranks (%.4f s/step, %.2f CPU s; %.2f CPU s since "
            "step %ld); model written to %s", done, cost.seconds, nranks,
            done > 0 ? cost.seconds / done : 0.0, cost.cpu_seconds, info.cpu_seconds,
            info.cost_from_step, path);
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)info.cfg_hash);
    report_set_number(ctx->summary, "train.loss", st.loss);
    report_set_number(ctx->summary, "train.loss_std", st.loss_std);
    report_set_number(ctx->summary, "train.ess", st.ess);
    if (have_ex) {
      report_set_number(ctx->summary, "train.kl", st.loss + ex.lnZ);
      report_set_number(ctx->summary, "train.logZ_exact", ex.lnZ);
    }
    report_set_int(ctx->summary, "train.steps", s.adam->t);
    report_set_int(ctx->summary, "train.steps_this_run", done);
    report_set_int(ctx->summary, "train.resumed_from", resumed ? start : -1);
    report_set_int(ctx->summary, "train.parameters", (long long)s.ck.n_params);
    report_set_int(ctx->summary, "train.n_params", (long long)s.ck.n_params);
    report_set_strings(ctx->summary, "train.shapes", names, s.n_terms);
    report_set_string(ctx->summary, "train.model", model_names[s.linear]);
    report_set_string(ctx->summary, "train.init", init_names[p->flow.init]);
    report_set_string(ctx->summary, "train.gradient",
                      cfg_enum_name("train.gradient", p->train.gradient));
    if (info.init_from[0] != 0) {
      report_set_string(ctx->summary, "train.init_from", info.init_from);
      report_set_int(ctx->summary, "train.init_from_step", info.init_from_step);
      report_set_number(ctx->summary, "train.init_from_core_seconds",
                        info.init_from_core_seconds);
    }
    report_set_int(ctx->summary, "train.groups", s.n_groups);
    if (have_ex) report_set_int(ctx->summary, "train.negative_kl_steps", n_neg);
    flow_task_report_cost(ctx->summary, &cost, &info, done);
    report_set_string(ctx->summary, "train.model_hash", hash);
    report_set_numbers(ctx->summary, "train.history.step", hist, (int)nh);
    report_set_numbers(ctx->summary, "train.history.loss", hist + maxh, (int)nh);
    report_set_numbers(ctx->summary, "train.history.ess", hist + 2 * maxh, (int)nh);
    report_set_ints(ctx->summary, "run.grid", s.grid, p->lattice.D);
  }
  afree(hist);
  flow_task_lat_release(&s);
  return EMF_EXIT_OK;
}

/* The flow series of ensemble.h5: per sample, and the reference run of the
 * first nref samples. */
#define N_SERIES 6
#define N_MAIN 4
static const char *const series_name[N_SERIES] = {
    "flow/logq", "flow/action", "flow/logw", "flow/plaquette", "flow/logq_ref",
    "flow/action_ref"};
static const char *const series_desc[N_SERIES] = {
    "log q(U) of the flow samples (adaptive integration)", "Wilson action S(U)",
    "log weight -S - log q", "mean plaquette (1/N) Re tr U_P",
    "log q(U) of the first samples at the tolerances / sample.ref_factor",
    "S(U) of the first samples at the tolerances / sample.ref_factor"};

/* Samples 0..n-1 (logq, action, logw, plaq) and the reference run of the
 * first nref (logq_ref, action_ref), in one block; core_seconds: the
 * sampling cost of the stored samples (the series' "core_seconds"
 * attribute; -1 if the file has none). */
typedef struct {
  long n, nref;
  double *x[N_SERIES];
  double core_seconds;
} series_t;

static int series_alloc(series_t *a, long n, long nref)
{
  double *b = calloc((size_t)(N_MAIN * n + 2 * nref + 1), sizeof(double));
  a->n = n;
  a->nref = nref;
  a->core_seconds = -1.0;
  for (int k = 0; k < N_SERIES; k++)
    a->x[k] = b == NULL ? NULL : b + (k < N_MAIN ? k * n : N_MAIN * n + (k - N_MAIN) * nref);
  return b != NULL;
}

static void series_release(series_t *a)
{
  free(a->x[0]);
  memset(a, 0, sizeof *a);
}

/* What fixes the stored samples besides their number: a resumed sample
 * task continues the series only if this record is the same. */
static void sampler_record(const parms_t *p, long model_step, const char *stepper, char *buf,
                           size_t len)
{
  snprintf(buf, len,
           "model_hash %016llx model_step %ld seed %lld stepper %s eps_abs %.17g eps_rel "
           "%.17g ref_factor %.17g ref_n %d",
           (unsigned long long)flow_task_model_hash(p), model_step, (long long)p->run.seed,
           stepper, p->sample.eps_abs, p->sample.eps_rel, p->sample.ref_factor,
           p->sample.ref_n);
}

/* The flow series already in ensemble.h5 (old->n = 0 if none).  Without
 * run.resume, stored samples end the run; with it they must carry this
 * run's sampler record (else the run ends, EMF_EXIT_INPUT). */
static void read_stored(const task_ctx_t *ctx, const char *record, series_t *old)
{
  char path[PARMS_PATH_MAX + 32], msg[1024], stored[512], cost[64] = "";
  io_file_t *f = NULL;
  double *x[N_SERIES] = {NULL};
  long len[N_SERIES] = {0};
  int rank, exists = 0, have, st, have_cost = 0;
  MPI_Comm_rank(ctx->comm, &rank);
  memset(old, 0, sizeof *old);
  old->core_seconds = -1.0;
  snprintf(path, sizeof path, "%s/ensemble.h5", ctx->outdir);
  if (rank == 0) exists = access(path, F_OK) == 0;
  MPI_Bcast(&exists, 1, MPI_INT, 0, ctx->comm);
  if (!exists) return;
  st = io_file_open(&f, path, ctx->comm, IO_DEFAULT, msg, (int)sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_IO, "sample: %s", msg);
  have = io_has_series(f, series_name[0]);
  if (!have) {
    io_file_close(f);
    return;
  }
  for (int k = 0; k < N_SERIES && st == EMF_SUCCESS; k++)
    if (k < N_MAIN || io_has_series(f, series_name[k]))
      st = io_read_series(f, series_name[k], &x[k], &len[k], NULL, 0, msg, (int)sizeof msg);
  if (st == EMF_SUCCESS)
    st = io_read_series_attr(f, series_name[0], "sampler", stored, (int)sizeof stored, msg,
                             (int)sizeof msg);
  if (st == EMF_SUCCESS) /* files of before the cost record lack it */
    have_cost = io_read_series_attr(f, series_name[0], "core_seconds", cost, (int)sizeof cost,
                                    NULL, 0) == EMF_SUCCESS;
  io_file_close(f);
  ERROR_ROOT(!ctx->p->run.resume, EMF_EXIT_INPUT,
             "%s already holds %ld flow samples (observables/flow/); set run.resume = true "
             "to continue them, or use another output.dir", path, len[0]);
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_INPUT,
             "%s: the stored flow samples cannot be continued (%s); use another output.dir",
             path, msg);
  ERROR_ROOT(strcmp(stored, record) != 0, EMF_EXIT_INPUT,
             "%s: the stored flow samples were drawn with [%s], this run draws with [%s]; "
             "they cannot be continued: use another output.dir", path, stored, record);
  for (int k = 1; k < N_MAIN; k++)
    ERROR_ROOT(len[k] != len[0], EMF_EXIT_INPUT, "%s: the flow series have different lengths",
               path);
  ERROR_ROOT(len[4] != len[5] || len[4] > len[0], EMF_EXIT_INPUT,
             "%s: the flow reference series are inconsistent", path);
  ERROR(!series_alloc(old, len[0], len[4]), EMF_EXIT_RUNTIME, "sample: out of memory");
  for (int k = 0; k < N_SERIES; k++) {
    if (len[k] > 0) memcpy(old->x[k], x[k], (size_t)len[k] * sizeof(double));
    free(x[k]);
  }
  if (have_cost) old->core_seconds = strtod(cost, NULL);
}

/* The flow samples' file session: ensemble.h5 (a new file if there is
 * none) opened by the ranks of batch group 0 on their domain communicator;
 * the others hold NULL.  The status is agreed over comm; msg on rank 0. */
static int keep_open(const task_ctx_t *ctx, const flow_task_lat_t *s, io_file_t **f, char *msg,
                     int msglen)
{
  char path[PARMS_PATH_MAX + 32];
  int exists = 0, rank, st = EMF_SUCCESS;
  MPI_Comm_rank(ctx->comm, &rank);
  snprintf(path, sizeof path, "%s/ensemble.h5", ctx->outdir);
  if (rank == 0) exists = access(path, F_OK) == 0;
  MPI_Bcast(&exists, 1, MPI_INT, 0, ctx->comm);
  *f = NULL;
  if (s->group == 0) {
    if (exists) st = io_file_append(f, path, s->dom, IO_DEFAULT, msg, msglen);
    else st = io_file_create(f, path, s->dom, "emflow-lqft", IO_DEFAULT, msg, msglen);
    if (st == EMF_SUCCESS) error_set_cleanup(io_file_remove_temp, *f);
  }
  MPI_Bcast(&st, 1, MPI_INT, 0, ctx->comm);
  return st;
}

/* Appends rows [from[k], all->n or all->nref) of every series to f (group
 * 0; NULL elsewhere), a new series with the sampler record, sets the
 * sampling cost of all the stored samples (all->core_seconds, the same on
 * every rank; not written if < 0) and commits the file.  The status is
 * agreed over comm; msg on rank 0. */
static int write_series(MPI_Comm comm, io_file_t *f, const series_t *all, long first,
                        long first_ref, const char *record, char *msg, int msglen)
{
  char cost[64];
  int st = EMF_SUCCESS;
  snprintf(cost, sizeof cost, "%.17g", all->core_seconds);
  if (f != NULL) {
    for (int k = 0; k < N_SERIES && st == EMF_SUCCESS; k++) {
      const long from = k < N_MAIN ? first : first_ref, to = k < N_MAIN ? all->n : all->nref;
      if (k >= N_MAIN && all->nref == 0) continue;
      st = io_append_series(f, series_name[k], series_desc[k], all->x[k] + from, to - from, msg,
                            msglen);
    }
    if (st == EMF_SUCCESS && first == 0)
      st = io_write_series_attr(f, series_name[0], "sampler", record, msg, msglen);
    if (st == EMF_SUCCESS && all->core_seconds >= 0)
      st = io_write_series_attr(f, series_name[0], "core_seconds", cost, msg, msglen);
    if (st != EMF_SUCCESS) io_file_abort(f);
    else st = io_file_commit(f, msg, msglen);
    error_set_cleanup(NULL, NULL);
  }
  MPI_Bcast(&st, 1, MPI_INT, 0, comm);
  return st;
}

/* Configurations kept from the samples (sample.save_samples). */
#define KEEP_PER_GROUP 8
typedef struct {
  io_file_t *f;       /* group 0: the open ensemble.h5; NULL elsewhere */
  gauge_t *u;         /* group 0: the field handed to io_write_config */
  cplx_t *links;      /* KEEP_PER_GROUP fields of this rank's owned links */
  cplx_t *recv;       /* group 0: one field from another group */
  int save;
} keep_t;

/* Buffers for saving (save != 0); ends the run when out of memory. */
static void keep_alloc(const flow_task_lat_t *s, int save, keep_t *k)
{
  const size_t nm = (size_t)s->g->n_owned * s->g->D * s->fl->nn;
  int ok;
  memset(k, 0, sizeof *k);
  k->save = save;
  if (!save) return;
  k->links = amalloc(KEEP_PER_GROUP * nm * sizeof(cplx_t));
  ok = k->links != NULL;
  if (s->group == 0) {
    k->u = gauge_alloc(s->g, s->fl->N);
    k->recv = amalloc(nm * sizeof(cplx_t));
    ok = ok && k->u != NULL && k->recv != NULL;
  }
  ERROR(!ok, EMF_EXIT_RUNTIME, "sample: out of memory for sample.save_samples");
}

static void keep_release(keep_t *k)
{
  afree(k->links);
  afree(k->recv);
  if (k->u != NULL) gauge_free(k->u);
  k->links = k->recv = NULL;
  k->u = NULL;
}

/* Writes samples a..a+m-1 (drawn in one flow_lat_sample_all call into
 * k->links) as configs/flow/<number>: sample a + j is held by group
 * j mod n_groups in field j / n_groups.  Group 0 receives every other
 * group's fields in sample order, also after a failed write (no sender is
 * left waiting).  The status is agreed over comm; msg on rank 0. */
static int keep_write(const flow_task_lat_t *s, const parms_t *p, MPI_Comm comm, keep_t *k,
                      long a, long m, const double *plaq, char *msg, int msglen)
{
  const geom_t *g = s->g;
  const size_t site = (size_t)g->D * s->fl->nn, nm = (size_t)g->n_owned * site;
  int dom, nd, st = EMF_SUCCESS;
  MPI_Comm_rank(s->dom, &dom);
  MPI_Comm_size(s->dom, &nd);
  for (long j = 0; j < m; j++) {
    const int owner = (int)(j % s->n_groups), tag = (int)(j % 32768);
    const cplx_t *src = k->links + (size_t)(j / s->n_groups) * nm;
    io_config_info_t info;
    if (s->group == owner && owner != 0)
      MPI_Send(src, (int)(2 * nm), MPI_DOUBLE, dom, tag, comm);   /* group 0's ranks: 0..nd-1 */
    if (s->group != 0) continue;
    if (owner != 0) {
      MPI_Recv(k->recv, (int)(2 * nm), MPI_DOUBLE, owner * nd + dom, tag, comm,
               MPI_STATUS_IGNORE);
      src = k->recv;
    }
    if (st != EMF_SUCCESS) continue;
    for (long io = 0; io < g->n_owned; io++)
      memcpy(k->u->u + (size_t)g->owned[io] * site, src + (size_t)io * site, site * sizeof(cplx_t));
    memset(&info, 0, sizeof info);
    info.beta = p->action.beta;
    info.seed = (uint64_t)p->run.seed;
    snprintf(info.generator, sizeof info.generator, "flow");
    info.number = a + j;
    info.plaquette = plaq[a + j];
    st = io_write_config(k->f, k->u, &info, msg, msglen);
  }
  MPI_Bcast(&st, 1, MPI_INT, 0, comm);
  return st;
}

/* Draws samples first..all->n-1 into all (with the reference run for those
 * below all->nref); when k->save, in chunks of KEEP_PER_GROUP samples per
 * group, each chunk's configurations stored before the next is drawn (no
 * chunks otherwise); smp gets the count, time and field evaluations.  The
 * chunks do not change the samples (sample i is the flow of prior stream
 * i).  Returns the agreed status: a failed write
 * (*wrote = 1, msg on rank 0) or the integration status. */
static int draw(flow_task_lat_t *s, const parms_t *p, MPI_Comm comm, long first,
                const ode_adaptive_t *par, series_t *all, keep_t *k, flow_lat_samples_t *smp,
                int *wrote, char *msg, int msglen)
{
  const long r1 = all->nref > first ? all->nref : first; /* end of the reference part */
  const long chunk = k->save ? (long)KEEP_PER_GROUP * s->n_groups : all->n;
  int st = EMF_SUCCESS;
  memset(smp, 0, sizeof *smp);
  *wrote = 0;
  for (long a = first, b; a < all->n && st == EMF_SUCCESS; a = b) {
    flow_lat_samples_t part;
    b = a + chunk < all->n ? a + chunk : all->n;
    if (a < r1 && b > r1) b = r1;
    st = flow_lat_sample_all(s->fl, p->action.beta, (uint64_t)p->run.seed, (uint64_t)a, b - a,
                             par, a < r1 ? p->sample.ref_factor : 0.0, s->group, s->n_groups,
                             comm, &part, k->save ? k->links : NULL);
    if (st != EMF_SUCCESS) break;
    for (long i = a; i < b; i++) {
      all->x[0][i] = part.logq[i - a];
      all->x[1][i] = part.action[i - a];
      all->x[2][i] = -part.action[i - a] - part.logq[i - a];
      all->x[3][i] = part.plaq[i - a];
      if (i < r1) {
        all->x[4][i] = part.logq_ref[i - a];
        all->x[5][i] = part.action_ref[i - a];
      }
    }
    smp->n_eval += part.n_eval;
    smp->seconds += part.seconds;
    flow_lat_samples_release(&part);
    if (k->save) {
      st = keep_write(s, p, comm, k, a, b - a, all->x[3], msg, msglen);
      *wrote = st != EMF_SUCCESS;
    }
  }
  if (st == EMF_SUCCESS) smp->n = all->n - first;
  return st;
}

/* Sampling cost in core seconds of samples 0..n-1: this run's (rank 0's
 * clock, so that every rank records the same value) plus the stored
 * samples' record, pro rata if only the first n of more stored samples are
 * analysed; -1 if stored samples carry no record (a log line says so). */
static double sampling_cost(MPI_Comm comm, const series_t *old, long first, long n,
                            double this_run)
{
  MPI_Bcast(&this_run, 1, MPI_DOUBLE, 0, comm);
  if (first == 0) return this_run;
  if (old->core_seconds < 0) {
    log_warning("sample: the %ld stored flow samples record no sampling cost (written before "
                "the record existed); the cost per independent sample covers this run's only",
                old->n);
    return -1.0;
  }
  return first < n ? old->core_seconds + this_run : old->core_seconds * (double)n / old->n;
}

int flow_task_sample_lattice(task_ctx_t *ctx)
{
  static const char *const steppers[] = {"rk2", "rk4", "rkf45", "rkck", "rk8pd"};
  const parms_t *p = ctx->p;
  const char *stepper = steppers[p->sample.stepper];
  flow_task_lat_t s;
  train_ckpt_info_t info;
  flow_lat_samples_t smp;
  series_t all, old;
  metro_summary_t sum;
  metro_logq_error_t lqe;
  exact_lattice2d_t ex;
  ode_adaptive_t par = {p->sample.eps_abs, p->sample.eps_rel, 0.0, 0};
  char record[512], msg[1024] = "";
  const long n = p->sample.n;
  long nref = 0, first;
  int nranks, status, have_ex, wrote = 0;
  keep_t keep;

  MPI_Comm_size(ctx->comm, &nranks);
  flow_task_lat_setup(ctx, stepper, &s);
  check_model_kind(ctx, s.linear);
  flow_task_load(ctx, &s.ck, s.theta, s.adam, &info, 1);
  if (info.step < p->train.steps)
    log_warning("sample: model.h5 holds step %ld of train.steps = %d", info.step,
                p->train.steps);
  have_ex = exact2d(p, &ex);
  if (p->sample.ref_factor > 1.0) /* flow_lat_sample_all: reference only for a factor > 1 */
    nref = p->sample.ref_n > 0 && p->sample.ref_n < n ? p->sample.ref_n : n;

  /* run.resume: continue the stored samples of the same sampler up to n */
  sampler_record(p, info.step, stepper, record, sizeof record);
  read_stored(ctx, record, &old);
  first = old.n < n ? old.n : n;
  ERROR_ROOT(old.nref != (old.n < nref ? old.n : nref) && old.n < n, EMF_EXIT_INPUT,
             "%s/ensemble.h5: %ld reference samples stored for %ld samples, expected %ld",
             ctx->outdir, old.nref, old.n, old.n < nref ? old.n : nref);
  if (old.n > 0)
    message("sample: ensemble.h5 holds %ld flow samples of this model and sampler; %s",
            old.n, old.n < n ? "continuing them" : "analysing the first sample.n of them");
  ERROR(!series_alloc(&all, n, nref), EMF_EXIT_RUNTIME, "sample: out of memory");
  keep_alloc(&s, p->sample.save_samples && first < n, &keep);
  for (int k = 0; k < N_SERIES; k++) {
    const long m = k < N_MAIN ? first : (old.nref < nref ? old.nref : nref);
    if (m > 0) memcpy(all.x[k], old.x[k], (size_t)m * sizeof(double));
  }
  if (first < n) {
    status = keep_open(ctx, &s, &keep.f, msg, (int)sizeof msg);
    ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_IO, "sample: %s", msg);
  }
  status = draw(&s, p, ctx->comm, first, &par, &all, &keep, &smp, &wrote, msg, (int)sizeof msg);
  ERROR_ROOT(status != EMF_SUCCESS && wrote, EMF_EXIT_IO, "sample: %s", msg);
  ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_RUNTIME, "sample: flow integration failed: %s",
             error_string(status));
  all.core_seconds = sampling_cost(ctx->comm, &old, first, n, smp.seconds * nranks);
  status = metro_summary_compute(all.x[2], all.x[3], n, 1, (uint64_t)p->run.seed, 0,
                                 p->sample.burnin, STATS_S_DEFAULT, &sum);
  ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_RUNTIME, "sample: analysis failed: %s",
             error_string(status));
  if (nref > 0) {
    status = metro_logq_error(all.x[0], all.x[4], all.x[1], all.x[5], nref, &lqe);
    ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_RUNTIME, "sample: log q error failed: %s",
               error_string(status));
  }
  if (first < n) {
    status = write_series(ctx->comm, keep.f, &all, first, old.nref < nref ? old.nref : nref,
                          record, msg, (int)sizeof msg);
    ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_IO, "sample: %s/ensemble.h5: %s", ctx->outdir,
               msg);
  }
  keep_release(&keep);

  message("sample: %ld samples, %ld of them drawn by this run (%s, eps %.1e/%.1e) in %.2f s "
          "on %d ranks, %ld field evaluations; model step %ld", n, smp.n, stepper,
          par.eps_abs, par.eps_rel, smp.seconds, nranks, smp.n_eval, info.step);
  if (keep.save)
    message("sample: samples %ld..%ld stored as configs/flow/<number> in %s/ensemble.h5",
            first, n - 1, ctx->outdir);
  message("sample: ESS %.5f  IMH acceptance %.5f  log Z %.6f +- %.6f%s", sum.ess,
          sum.imh.acceptance, sum.logz, sum.dlogz, have_ex ? "" : " (no exact value)");
  if (have_ex) message("sample: exact ln Z %.6f", ex.lnZ);
  message("sample: plaquette IMH %.6f +- %.6f (tau_int %.2f), reweighted %.6f +- %.6f%s",
          sum.imh.obs[0].mean, sum.imh.obs[0].error, sum.imh.obs[0].tau_int, sum.rw[0].mean,
          sum.rw[0].error, have_ex ? "" : "");
  if (have_ex) message("sample: exact plaquette %.6f", ex.plaquette);
  if (nref > 0)
    message("sample: log q error vs tolerance / %g on %ld samples: max %.3e rms %.3e",
            p->sample.ref_factor, nref, lqe.max_abs, lqe.rms);

  report_set_int(ctx->summary, "sample.n", n);
  report_set_int(ctx->summary, "sample.n_this_run", smp.n);
  report_set_int(ctx->summary, "sample.resumed_from", old.n > 0 ? old.n : -1);
  flow_task_report_sample(ctx->summary, info.step, stepper, &par, &sum);
  report_set_number(ctx->summary, "sample.logw_std", sum.logw_std);
  flow_task_report_pair(ctx->summary, "sample.observables.plaquette", "mean", sum.rw[0].mean);
  flow_task_report_pair(ctx->summary, "sample.observables.plaquette", "error", sum.rw[0].error);
  flow_task_report_pair(ctx->summary, "sample.imh.plaquette", "mean", sum.imh.obs[0].mean);
  flow_task_report_pair(ctx->summary, "sample.imh.plaquette", "error", sum.imh.obs[0].error);
  flow_task_report_pair(ctx->summary, "sample.imh.plaquette", "tau_int", sum.imh.obs[0].tau_int);
  flow_task_report_pair(ctx->summary, "sample.imh.plaquette", "dtau_int", sum.imh.obs[0].dtau_int);
  report_set_number(ctx->summary, "sample.imh.acceptance_tau_int", sum.imh.acc.tau_int);
  if (have_ex) {
    report_set_number(ctx->summary, "sample.logZ.exact", ex.lnZ);
    flow_task_report_pair(ctx->summary, "sample.observables.plaquette", "exact", ex.plaquette);
  }
  if (nref > 0) flow_task_report_logq_error(ctx->summary, p->sample.ref_factor, &lqe);
  report_set_number(ctx->summary, "sample.seconds", smp.seconds);
  report_set_number(ctx->summary, "sample.core_seconds", smp.seconds * nranks);
  report_set_number(ctx->summary, "sample.core_seconds_total",
                    all.core_seconds >= 0 ? all.core_seconds : smp.seconds * nranks);
  report_set_int(ctx->summary, "sample.n_eval", smp.n_eval);
  report_set_ints(ctx->summary, "run.grid", s.grid, p->lattice.D);

  series_release(&all);
  series_release(&old);
  flow_task_lat_release(&s);
  return EMF_EXIT_OK;
}
