/*******************************************************************************
 * task_hmc.c: the hmc task: Hybrid Monte Carlo with the Wilson action,
 * ensemble and observable series to ensemble.h5, Gamma-method summary.
 *
 * int task_hmc(task_ctx_t *ctx)
 *   Builds the geometry as the init task does (lattice.extent on the ranks
 *   of ctx->comm, grid from lattice.grid via geom_choose_grid, halo depth
 *   of the Wilson action), then runs hmc.thermalization + hmc.trajectories
 *   trajectories in total (hmc.h; tau, steps, integrator from the hmc
 *   group, seed run.seed).  Trajectory t (0, 1, ...) is the RNG step; the
 *   configuration after it is configuration number t + 1.
 *   Start: init.start (cold, or the hot field of the init task), trajectory
 *   0.  With run.resume = true and hmc configurations in
 *   <outdir>/ensemble.h5: the last of them (number n, checked against N,
 *   D, extents, beta and seed of this run) with trajectory counter n, so
 *   that the chain continues bit for bit; the total stays
 *   thermalization + trajectories (a run that is already complete only
 *   redoes the analysis).  Without run.resume, a file that already holds
 *   an hmc chain is an error (nothing is overwritten).
 *   Per trajectory (thermalization included) one entry of each series
 *   /observables/hmc/{plaquette, dH, exp_mdH, accepted, polyakov_re,
 *   polyakov_im, wilson_1x2, wilson_2x2}; entry t belongs to trajectory t.
 *   Series are kept in memory and appended in batches: at every stored
 *   configuration and at the end.  Stored configurations (generator "hmc",
 *   number = trajectories done): every hmc.save_every-th measured one
 *   (number - thermalization a multiple of save_every) and always the last
 *   one, so that a run can be continued.
 *   File safety: ensemble.h5 is continued through a temporary copy
 *   (io_file_append) and only replaced (io_file_commit) at a stored
 *   configuration, so the file under its name always holds a chain whose
 *   series end exactly at its last configuration.  Commits happen at the
 *   end and at a stored configuration when at least hmc.commit_seconds (or
 *   10 times the duration of the previous commit, if longer) have passed
 *   since the last commit (commit_seconds = 0: at every one); a killed run loses at most that much work plus
 *   the trajectories since the last stored configuration.
 *   Progress: a line from rank 0 about every 10% of the trajectories of
 *   this run (trajectory, acceptance so far, plaquette, time left).
 *   Summary (measured trajectories t >= thermalization of the whole chain):
 *   hmc.plaquette.{mean,error,tau_int,tau_int_error}, hmc.acceptance,
 *   hmc.tau_int (plaquette), hmc.exp_mdH.{mean,error}, hmc.dH.mean,
 *   hmc.polyakov_re / wilson_1x2 / wilson_2x2 .{mean,error},
 *   hmc.trajectories (measured), hmc.thermalization, hmc.total_trajectories,
 *   hmc.trajectories_this_run, hmc.resumed_from (-1: fresh start),
 *   hmc.seconds_per_trajectory (wall clock of this run's loop, measurement
 *   and I/O included, per trajectory; null if none ran),
 *   hmc.cost_per_independent_sample = 2 tau_int x seconds_per_trajectory x
 *   ranks (rank-seconds per statistically independent plaquette sample),
 *   hmc.file, hmc.last_config; run.grid.
 *   Returns EMF_EXIT_OK.  Ends the run (ERROR) with EMF_EXIT_CONFIG (target
 *   not a lattice, no grid fits), EMF_EXIT_INPUT (ensemble.h5 cannot be
 *   continued, holds a chain without run.resume, or one of other
 *   parameters), EMF_EXIT_RUNTIME (memory, a failed trajectory),
 *   EMF_EXIT_IO (the file cannot be written).  The temporary file is
 *   removed when the run ends in an error.
 *
 * Context: collective over ctx->comm.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "action.h"
#include "cfg.h"
#include "gauge.h"
#include "hmc.h"
#include "io.h"
#include "obs.h"
#include "stats.h"
#include "tasks.h"
#include "util.h"

enum {
  S_PLAQ, S_DH, S_EXPMDH, S_ACC, S_POLRE, S_POLIM, S_W12, S_W22, N_SERIES
};

static const char *const series_name[N_SERIES] = {
    "hmc/plaquette",   "hmc/dH",          "hmc/exp_mdH",     "hmc/accepted",
    "hmc/polyakov_re", "hmc/polyakov_im", "hmc/wilson_1x2", "hmc/wilson_2x2"};

static const char *const series_desc[N_SERIES] = {
    "hmc: plaquette <(1/N) Re tr U_P> after trajectory t (entry t)",
    "hmc: H(end) - H(start) of trajectory t",
    "hmc: exp(-dH) of trajectory t",
    "hmc: 1 if trajectory t was accepted, else 0",
    "hmc: Re of the Polyakov loop along direction D-1 after trajectory t",
    "hmc: Im of the Polyakov loop along direction D-1 after trajectory t",
    "hmc: <(1/N) Re tr W(1,2)> after trajectory t",
    "hmc: <(1/N) Re tr W(2,2)> after trajectory t"};

typedef struct {
  task_ctx_t *ctx;
  io_file_t *f;
  char path[PARMS_PATH_MAX + 32];
  double *x[N_SERIES];   /* [cap] entries 0..n-1 of every series */
  long n;                /* entries held = trajectories done */
  long n_written;        /* entries already in the file */
  long cap;
  double t_commit;       /* wtime of the last commit (rank 0's clock) */
  double commit_cost;    /* seconds the last commit took */
  long n_commits;        /* commits during the trajectory loop */
} hmc_state_t;

static void series_reserve(hmc_state_t *s, long need)
{
  long cap = s->cap > 0 ? s->cap : 1024;
  int ok = 1;
  if (need <= s->cap) return;
  while (cap < need) cap *= 2;
  for (int k = 0; k < N_SERIES; k++) {
    double *y = realloc(s->x[k], (size_t)cap * sizeof(double));
    if (y == NULL) ok = 0;
    else s->x[k] = y;
  }
  ERROR(!ok, EMF_EXIT_RUNTIME, "hmc: out of memory for the observable series");
  s->cap = cap;
}

/* Opens the ensemble file for writing (new or continued) on every rank. */
static void open_file(hmc_state_t *s)
{
  char msg[1024];
  int exists = 0, rank, st;
  MPI_Comm_rank(s->ctx->comm, &rank);
  if (rank == 0) exists = access(s->path, F_OK) == 0;
  MPI_Bcast(&exists, 1, MPI_INT, 0, s->ctx->comm);
  if (!exists) {
    st = io_file_create(&s->f, s->path, s->ctx->comm, "emflow-lqft", IO_DEFAULT, msg,
                        (int)sizeof msg);
    ERROR(st != EMF_SUCCESS, EMF_EXIT_IO, "hmc: %s", msg);
  } else {
    st = io_file_append(&s->f, s->path, s->ctx->comm, IO_DEFAULT, msg, (int)sizeof msg);
    ERROR(st != EMF_SUCCESS, EMF_EXIT_INPUT, "hmc: cannot continue %s: %s", s->path, msg);
  }
  error_set_cleanup(io_file_remove_temp, s->f);
}

/* Ends the run with code and message after removing the temporary file. */
static void fail_file(hmc_state_t *s, int fail, int code, const char *msg)
{
  if (!fail) return;
  error_set_cleanup(NULL, NULL);
  io_file_abort(s->f);
  s->f = NULL;
  ERROR(1, code, "hmc: %s", msg);
}

/* Existing chain: returns the number of the last hmc configuration (-1 if
 * none) and loads the existing series into s (their length must equal
 * that number). */
static long find_chain(hmc_state_t *s, int resume)
{
  char msg[1024], full[1200];
  long *nums = NULL, count = 0, last = -1, len[N_SERIES];
  int st, have_series = 0;

  st = io_list_configs(s->f, "hmc", &nums, &count, msg, (int)sizeof msg);
  fail_file(s, st != EMF_SUCCESS, EMF_EXIT_INPUT, msg);
  if (count > 0) last = nums[count - 1];
  free(nums);
  for (int k = 0; k < N_SERIES; k++) {
    double *y = NULL;
    len[k] = 0;
    st = io_read_series(s->f, series_name[k], &y, &len[k], NULL, 0, msg, (int)sizeof msg);
    if (st != EMF_SUCCESS) {
      len[k] = -1;
      continue;
    }
    have_series = 1;
    if (resume && last >= 0 && len[k] == last) {
      series_reserve(s, last + 1);
      if (last > 0) memcpy(s->x[k], y, (size_t)last * sizeof(double));
    }
    free(y);
  }
  if (!resume && (last >= 0 || have_series)) {
    snprintf(full, sizeof full,
             "%s already holds an hmc chain (%ld trajectories); set run.resume = true "
             "to continue it, or use another run directory (-o DIR)", s->path,
             last >= 0 ? last : 0L);
    fail_file(s, 1, EMF_EXIT_INPUT, full);
  }
  if (resume && last < 0 && have_series) {
    snprintf(full, sizeof full,
             "%s holds hmc series but no hmc configuration: cannot continue "
             "(run.resume = true)", s->path);
    fail_file(s, 1, EMF_EXIT_INPUT, full);
  }
  for (int k = 0; resume && last >= 0 && k < N_SERIES; k++) {
    snprintf(full, sizeof full,
             "%s: /observables/%s has %ld entries but the last hmc configuration is "
             "number %ld: cannot continue", s->path, series_name[k], len[k], last);
    fail_file(s, len[k] != last, EMF_EXIT_INPUT, full);
  }
  if (last >= 0) {
    s->n = last;
    s->n_written = last;
  }
  return last;
}

/* The stored configuration must belong to this run's parameters. */
static void check_info(hmc_state_t *s, const io_config_info_t *info, long number)
{
  const parms_t *p = s->ctx->p;
  char what[256] = "", full[1600];
  if (info->n != p->lattice.N) snprintf(what, sizeof what, "N = %d (run: lattice.N = %d)",
                                        info->n, p->lattice.N);
  else if (info->beta != p->action.beta)
    snprintf(what, sizeof what, "beta = %.17g (run: action.beta = %.17g)", info->beta,
             p->action.beta);
  else if (info->seed != (uint64_t)p->run.seed)
    snprintf(what, sizeof what, "seed = %llu (run: run.seed = %lld)",
             (unsigned long long)info->seed, (long long)p->run.seed);
  snprintf(full, sizeof full,
           "%s: /configs/hmc/%06ld has %s: cannot continue this chain with these "
           "parameters", s->path, number, what);
  fail_file(s, what[0] != 0, EMF_EXIT_INPUT, full);
}

/* Appends the entries not yet in the file. */
static void flush_series(hmc_state_t *s)
{
  char msg[1024];
  long m = s->n - s->n_written;
  int st = EMF_SUCCESS;
  if (m <= 0) return;
  for (int k = 0; k < N_SERIES && st == EMF_SUCCESS; k++)
    st = io_append_series(s->f, series_name[k], series_desc[k], s->x[k] + s->n_written, m,
                          msg, (int)sizeof msg);
  fail_file(s, st != EMF_SUCCESS, EMF_EXIT_IO, msg);
  s->n_written = s->n;
}

static void store_config(hmc_state_t *s, const gauge_t *u, double plaq)
{
  const parms_t *p = s->ctx->p;
  io_config_info_t info;
  char msg[1024];
  int st;
  memset(&info, 0, sizeof info);
  info.beta = p->action.beta;
  info.seed = (uint64_t)p->run.seed;
  snprintf(info.generator, sizeof info.generator, "hmc");
  info.number = s->n;
  info.plaquette = plaq;
  st = io_write_config(s->f, u, &info, msg, (int)sizeof msg);
  fail_file(s, st != EMF_SUCCESS, EMF_EXIT_IO, msg);
}

/* Replaces ensemble.h5 by the temporary file and continues a new copy. */
static void commit(hmc_state_t *s, int reopen)
{
  char msg[1024];
  double t0 = wtime();
  int st;
  error_set_cleanup(NULL, NULL);
  st = io_file_commit(s->f, msg, (int)sizeof msg);
  s->f = NULL;
  ERROR(st != EMF_SUCCESS, EMF_EXIT_IO, "hmc: %s", msg);
  if (reopen) open_file(s);
  s->t_commit = wtime();
  s->commit_cost = s->t_commit - t0;
}

/* 1 when a commit is due (rank 0's clock decides for all ranks). */
static int commit_due(hmc_state_t *s)
{
  const double dt = s->ctx->p->hmc.commit_seconds;
  int due = dt <= 0.0 || wtime() - s->t_commit >= fmax(dt, 10.0 * s->commit_cost);
  MPI_Bcast(&due, 1, MPI_INT, 0, s->ctx->comm);
  return due;
}

static void summary_gamma(report_t *r, const char *key, const double *x, long n,
                          stats_gamma_t *g, int with_tau)
{
  char path[128];
  int st = n >= 2 ? stats_gamma(x, n, STATS_S_DEFAULT, g) : EMF_EINVAL;
  if (st != EMF_SUCCESS) {
    g->mean = n >= 1 ? x[0] : NAN;
    g->error = g->tau_int = g->dtau_int = NAN;
  }
  snprintf(path, sizeof path, "hmc.%s.mean", key);
  report_set_number(r, path, g->mean);
  snprintf(path, sizeof path, "hmc.%s.error", key);
  report_set_number(r, path, g->error);
  if (with_tau) {
    snprintf(path, sizeof path, "hmc.%s.tau_int", key);
    report_set_number(r, path, g->tau_int);
    snprintf(path, sizeof path, "hmc.%s.tau_int_error", key);
    report_set_number(r, path, g->dtau_int);
  }
}

static void summarise(hmc_state_t *s, long therm, long resumed_from, long n_run,
                      double seconds, int nranks)
{
  report_t *r = s->ctx->summary;
  long n0 = therm < s->n ? therm : s->n, nm = s->n - n0;
  stats_gamma_t gp, ge, g;
  double acc = 0.0, dh = 0.0, spt, cost;
  char cfg[64];

  summary_gamma(r, "plaquette", s->x[S_PLAQ] + n0, nm, &gp, 1);
  summary_gamma(r, "exp_mdH", s->x[S_EXPMDH] + n0, nm, &ge, 0);
  summary_gamma(r, "polyakov_re", s->x[S_POLRE] + n0, nm, &g, 0);
  summary_gamma(r, "wilson_1x2", s->x[S_W12] + n0, nm, &g, 0);
  summary_gamma(r, "wilson_2x2", s->x[S_W22] + n0, nm, &g, 0);
  for (long t = n0; t < s->n; t++) {
    acc += s->x[S_ACC][t];
    dh += s->x[S_DH][t];
  }
  acc = nm > 0 ? acc / (double)nm : NAN;
  dh = nm > 0 ? dh / (double)nm : NAN;
  spt = n_run > 0 ? seconds / (double)n_run : NAN;
  cost = 2.0 * gp.tau_int * spt * nranks;
  snprintf(cfg, sizeof cfg, "/configs/hmc/%06ld", s->n);
  report_set_number(r, "hmc.acceptance", acc);
  report_set_number(r, "hmc.tau_int", gp.tau_int);
  report_set_number(r, "hmc.dH.mean", dh);
  report_set_int(r, "hmc.trajectories", nm);
  report_set_int(r, "hmc.thermalization", n0);
  report_set_int(r, "hmc.total_trajectories", s->n);
  report_set_int(r, "hmc.trajectories_this_run", n_run);
  report_set_int(r, "hmc.resumed_from", resumed_from);
  report_set_number(r, "hmc.seconds_per_trajectory", spt);
  report_set_number(r, "hmc.cost_per_independent_sample", cost);
  report_set_int(r, "hmc.commits", s->n_commits);
  report_set_string(r, "hmc.file", s->path);
  report_set_string(r, "hmc.last_config", cfg);
  message("hmc: %ld measured trajectories: plaquette %.10f +- %.2g (tau_int %.3g), "
          "acceptance %.4f, <exp(-dH)> %.6f", nm, gp.mean, gp.error, gp.tau_int, acc,
          ge.mean);
}

int task_hmc(task_ctx_t *ctx)
{
  const parms_t *p = ctx->p;
  const lattice_parms_t *l = &p->lattice;
  const long therm = p->hmc.thermalization;
  const long total = therm + (long)p->hmc.trajectories;
  const action_t wilson = {action_wilson, p->action.beta};
  hmc_parms_t hp;
  hmc_state_t s;
  hmc_record_t rec;
  hmc_t *h;
  geom_t *g;
  gauge_t *u;
  char msg[1024];
  int nranks, st, grid[EMF_DMAX] = {0};
  long resumed_from, start, n_run, every, acc_run = 0;
  double t0, plaq = NAN;

  ERROR_ROOT(p->target.type != TARGET_LATTICE, EMF_EXIT_CONFIG,
             "task hmc needs target.type = \"lattice\"");
  MPI_Comm_size(ctx->comm, &nranks);
  st = geom_choose_grid(l->D, l->extent, nranks, l->grid, grid, msg, (int)sizeof msg);
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_CONFIG, "hmc: %s", msg);
  g = geom_alloc(ctx->comm, l->D, l->extent, grid, action_wilson->halo_depth, msg,
                 (int)sizeof msg);
  ERROR(g == NULL, EMF_EXIT_RUNTIME, "hmc: %s", msg);
  u = gauge_alloc(g, l->N);
  ERROR(u == NULL, EMF_EXIT_RUNTIME, "hmc: cannot allocate the SU(%d) links", l->N);
  memset(&hp, 0, sizeof hp);
  hp.tau = p->hmc.tau;
  hp.n_steps = p->hmc.steps;
  hp.integrator = hmc_integrator_get(cfg_enum_name("hmc.integrator", p->hmc.integrator));
  hp.seed = (uint64_t)p->run.seed;
  hp.measure_polyakov = 1;
  h = hmc_alloc(&hp, &wilson, 1, u);
  ERROR(h == NULL, EMF_EXIT_RUNTIME, "hmc: cannot allocate the HMC workspaces");

  memset(&s, 0, sizeof s);
  s.ctx = ctx;
  snprintf(s.path, sizeof s.path, "%s/ensemble.h5", ctx->outdir);
  open_file(&s);
  s.t_commit = wtime();
  resumed_from = find_chain(&s, p->run.resume);
  if (resumed_from >= 0) {
    io_config_info_t info;
    st = io_read_config(s.f, "hmc", resumed_from, u, &info, msg, (int)sizeof msg);
    fail_file(&s, st != EMF_SUCCESS, EMF_EXIT_INPUT, msg);
    check_info(&s, &info, resumed_from);
    h->traj = resumed_from;
    message("hmc: continuing %s from /configs/hmc/%06ld (trajectory %ld)", s.path,
            resumed_from, resumed_from);
  } else {
    if (p->init.start == INIT_START_HOT) gauge_set_hot(u, (uint64_t)p->run.seed);
    else gauge_set_cold(u);
    message("hmc: %s start", cfg_enum_name("init.start", p->init.start));
  }
  report_set_ints(ctx->summary, "run.grid", grid, l->D);
  start = s.n;
  n_run = total > start ? total - start : 0;
  every = n_run >= 10 ? (n_run + 9) / 10 : 1;
  if (n_run > 0)
    message("hmc: SU(%d), beta %.17g, %s, tau %g, %d steps; trajectories %ld..%ld "
            "(thermalization %ld)", l->N, p->action.beta, hp.integrator->name, hp.tau,
            hp.n_steps, start, total - 1, therm);
  series_reserve(&s, total > start ? total : start + 1);

  t0 = wtime();
  while (s.n < total) {
    long t = s.n;
    double w[2];
    int save;
    st = hmc_trajectory(h, u, &rec);
    if (st != EMF_SUCCESS) {
      snprintf(msg, sizeof msg, "trajectory %ld failed (status %d)", t, st);
      fail_file(&s, 1, EMF_EXIT_RUNTIME, msg);
    }
    st = obs_wilson_loop_all(u, 1, 2, &w[0]);
    if (st == EMF_SUCCESS) st = obs_wilson_loop_all(u, 2, 2, &w[1]);
    fail_file(&s, st != EMF_SUCCESS, EMF_EXIT_RUNTIME, "Wilson loop measurement failed");
    s.x[S_PLAQ][t] = rec.plaquette;
    s.x[S_DH][t] = rec.dH;
    s.x[S_EXPMDH][t] = rec.exp_mdH;
    s.x[S_ACC][t] = rec.accepted;
    s.x[S_POLRE][t] = rec.polyakov[0];
    s.x[S_POLIM][t] = rec.polyakov[1];
    s.x[S_W12][t] = w[0];
    s.x[S_W22][t] = w[1];
    s.n = t + 1;
    acc_run += rec.accepted;
    plaq = rec.plaquette;
    save = s.n == total ||
           (p->hmc.save_every > 0 && s.n > therm && (s.n - therm) % p->hmc.save_every == 0);
    if (save) {
      flush_series(&s);
      store_config(&s, u, rec.plaquette);
      if (s.n < total && commit_due(&s)) {
        commit(&s, 1);
        s.n_commits++;
      }
    }
    if ((s.n - start) % every == 0 || s.n == total) {
      double el = wtime() - t0;
      long done = s.n - start;
      message("hmc: trajectory %ld/%ld%s, acceptance %.3f, plaquette %.8f, %.1f s "
              "elapsed, %.1f s left", s.n, total, s.n <= therm ? " (thermalization)" : "",
              (double)acc_run / (double)done, plaq, el,
              el / (double)done * (double)(total - s.n));
    }
  }
  {
    double seconds = wtime() - t0;
    flush_series(&s);
    summarise(&s, therm, resumed_from, n_run, seconds, nranks);
  }
  if (n_run > 0) {
    commit(&s, 0);
    message("hmc: %s written (last configuration /configs/hmc/%06ld)", s.path, s.n);
  } else {
    error_set_cleanup(NULL, NULL);
    io_file_abort(s.f);
    message("hmc: the chain in %s is complete (%ld trajectories): analysis only", s.path,
            s.n);
  }
  for (int k = 0; k < N_SERIES; k++) free(s.x[k]);
  hmc_free(h);
  gauge_free(u);
  geom_free(g);
  return EMF_EXIT_OK;
}
