/*******************************************************************************
 * emflow-lqft.c: the main program.
 *
 *   emflow-lqft [--set key=value]... [-o DIR] [--check] CONFIG
 *   emflow-lqft [options] TASK CONFIG
 *   emflow-lqft --help | --version
 *
 * Reads and validates CONFIG on rank 0 (cfg.h), broadcasts the parameters,
 * checks that a process grid of the given ranks fits the lattice
 * (geom_choose_grid), creates the run directory (output.dir or -o) with a log file
 * emflow-lqft.log and the canonical parameters parameters.conf, and runs the
 * tasks of run.tasks (or TASK alone) in order through the dispatch table
 * below.  After every task and at the end, summary.json is rewritten
 * atomically (report.h): one object per task that ran plus "run".
 * Nothing is written before the configuration is fully valid; --check
 * validates and prints the canonical parameters without writing anything.
 *
 * Exit codes (global.h, doc/programs/emflow-lqft.md): EMF_EXIT_OK,
 * EMF_EXIT_USAGE (bad command line), EMF_EXIT_CONFIG (bad configuration or
 * --set), EMF_EXIT_IO (run directory or summary not writable), and what a
 * task returns or raises.  Every rank exits with the same code.
 *
 * Context: run under mpirun with any number of ranks, or as a singleton.
 ******************************************************************************/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cfg.h"
#include "geom.h"
#include "report.h"
#include "tasks.h"
#include "util.h"

#ifndef EMF_VERSION
#define EMF_VERSION "unknown"
#endif
#ifndef EMF_GITREV
#define EMF_GITREV "unknown"
#endif

typedef struct {
  task_kind_t kind;
  int (*run)(task_ctx_t *ctx);
} task_entry_t;

/* The tasks this program has.  A task of run.tasks not listed here is a
 * configuration error ("not available in this build"). */
static const task_entry_t task_table[] = {
    {TASK_INIT, task_init},
    {TASK_TRAIN, task_train},
    {TASK_SAMPLE, task_sample},
    {TASK_HMC, task_hmc},
    {TASK_EXACT, task_exact},
    {TASK_COMPARE, task_compare},
};
#define N_TASK_TABLE ((int)(sizeof task_table / sizeof task_table[0]))

static const task_entry_t *task_find(int kind)
{
  int i;
  for (i = 0; i < N_TASK_TABLE; i++)
    if ((int)task_table[i].kind == kind) return &task_table[i];
  return NULL;
}

static unsigned tasks_available(void)
{
  unsigned m = 0;
  int i;
  for (i = 0; i < N_TASK_TABLE; i++) m |= 1u << task_table[i].kind;
  return m;
}

/* mkdir -p dir; then check that it is a directory.  0 or -1 with msg. */
static int make_dir(const char *dir, char *msg, size_t len)
{
  char tmp[PARMS_PATH_MAX];
  struct stat st;
  size_t i, n = strlen(dir);
  if (n >= sizeof tmp) {
    snprintf(msg, len, "output directory name too long");
    return -1;
  }
  memcpy(tmp, dir, n + 1);
  for (i = 1; i <= n; i++) {
    if (tmp[i] != '/' && tmp[i] != 0) continue;
    if (tmp[i - 1] == '/') continue;
    tmp[i] = 0;
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
      snprintf(msg, len, "cannot create the output directory %s: %s", tmp,
               strerror(errno));
      return -1;
    }
    if (i < n) tmp[i] = '/';
  }
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    snprintf(msg, len, "the output path %s is not a directory", dir);
    return -1;
  }
  return 0;
}

/* Writes the canonical parameters to dir/parameters.conf (tmp + rename). */
static int write_parameters(const parms_t *p, const char *dir)
{
  char file[PARMS_PATH_MAX + 64], tmp[PARMS_PATH_MAX + 72];
  FILE *f;
  int ok;
  snprintf(file, sizeof file, "%s/parameters.conf", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", file);
  f = fopen(tmp, "w");
  if (!f) return -1;
  fprintf(f, "# emflow-lqft %s (%s): parameters of %s, hash %016llx\n", EMF_VERSION,
          EMF_GITREV, p->config_file, (unsigned long long)p->hash);
  ok = cfg_fprint(p, f) == EMF_SUCCESS;
  ok = (fclose(f) == 0) && ok;
  if (ok) ok = rename(tmp, file) == 0;
  if (!ok) remove(tmp);
  return ok ? 0 : -1;
}

static void summary_write_all(const report_t *r, const char *dir, int rank,
                              MPI_Comm comm)
{
  char file[PARMS_PATH_MAX + 64];
  int st = EMF_SUCCESS;
  snprintf(file, sizeof file, "%s/summary.json", dir);
  if (rank == 0) st = report_write(r, file);
  MPI_Bcast(&st, 1, MPI_INT, 0, comm);
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_IO, "cannot write %s", file);
}

static void summary_run(report_t *r, const parms_t *p, int nranks, const int *grid)
{
  const char *names[PARMS_TASKS_MAX];
  char hash[32], date[64];
  time_t now = time(NULL);
  int i;
  for (i = 0; i < p->run.n_tasks; i++) names[i] = cfg_task_name(p->run.tasks[i]);
  snprintf(hash, sizeof hash, "%016llx", (unsigned long long)p->hash);
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  report_set_string(r, "run.config", p->config_file);
  report_set_string(r, "run.config_hash", hash);
  report_set_string(r, "run.output_dir", p->output.dir);
  report_set_int(r, "run.seed", (long long)p->run.seed);
  report_set_int(r, "run.ranks", nranks);
  report_set_ints(r, "run.grid", grid, p->lattice.D);
  report_set_strings(r, "run.tasks", names, p->run.n_tasks);
  report_set_string(r, "run.version", EMF_VERSION);
  report_set_string(r, "run.gitrev", EMF_GITREV);
  report_set_string(r, "run.started", date);
  report_set_string(r, "run.status", "running");
  report_set_number(r, "run.wall_time", 0.0);
}

int main(int argc, char **argv)
{
  MPI_Comm comm;
  cfg_args_t args;
  cfg_source_t src;
  parms_t p;
  report_t *summary;
  task_ctx_t ctx;
  FILE *logf = NULL;
  char msg[8192], path[PARMS_PATH_MAX + 64];
  int rank, nranks, st, i, grid[EMF_DMAX] = {0};
  double t_start;

  MPI_Init(&argc, &argv);
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  error_init(comm);
  log_init(comm, NULL);
  util_gsl_handler_install();
  util_hdf5_errors_off();
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &nranks);
  t_start = wtime();

  /* command line: every rank parses the same argv */
  st = cfg_parse_args(argc, argv, &args, msg, sizeof msg);
  if (st != EMF_SUCCESS) {
    if (rank == 0)
      fprintf(stderr, "emflow-lqft: error: %s\nTry 'emflow-lqft --help'.\n", msg);
    cfg_args_free(&args);
    error_exit_all(EMF_EXIT_USAGE);
  }
  if (args.help || args.version) {
    if (rank == 0 && args.help) cfg_print_usage(stdout, "emflow-lqft");
    else if (rank == 0) printf("emflow-lqft %s (git %s)\n", EMF_VERSION, EMF_GITREV);
    cfg_args_free(&args);
    error_exit_all(EMF_EXIT_OK);
  }

  /* configuration: rank 0 reads and validates, all ranks get the bytes */
  memset(&src, 0, sizeof src);
  src.file = args.config;
  src.nset = args.nset;
  src.sets = args.sets;
  src.task = args.task;
  src.outdir = args.outdir;
  src.tasks_available = tasks_available();
  st = EMF_SUCCESS;
  msg[0] = 0;
  if (rank == 0) st = cfg_read(&p, &src, msg, sizeof msg);
  cfg_args_free(&args);
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_CONFIG, "%s", msg);
  cfg_bcast_all(&p, 0, comm);

  if (args.check) {
    if (rank == 0) {
      printf("# %s is valid (emflow-lqft %s); canonical parameters, hash %016llx:\n",
             p.config_file, EMF_VERSION, (unsigned long long)p.hash);
      cfg_fprint(&p, stdout);
    }
    error_exit_all(EMF_EXIT_OK);
  }

  /* the process grid must fit the lattice and the ranks of this run
   * (not part of --check, which does not know the run's rank count) */
  st = EMF_SUCCESS;
  if (p.lattice.D > 0)
    st = geom_choose_grid(p.lattice.D, p.lattice.extent, nranks, p.lattice.grid, grid,
                          msg, (int)sizeof msg);
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_CONFIG, "%s: lattice.extent, lattice.grid: %s",
             p.config_file, msg);

  /* run directory and log: the first things written */
  st = 0;
  if (rank == 0) {
    st = make_dir(p.output.dir, msg, sizeof msg);
    if (st == 0) {
      snprintf(path, sizeof path, "%s/emflow-lqft.log", p.output.dir);
      logf = fopen(path, "a");
      if (!logf) {
        snprintf(msg, sizeof msg, "cannot write %s: %s", path, strerror(errno));
        st = -1;
      } else if (write_parameters(&p, p.output.dir) != 0) {
        snprintf(msg, sizeof msg, "cannot write %s/parameters.conf", p.output.dir);
        st = -1;
      }
    }
  }
  ERROR_ROOT(st != 0, EMF_EXIT_IO, "%s", msg);
  MPI_Barrier(comm);
  log_init(comm, logf);
  message("emflow-lqft %s (git %s) on %d rank%s", EMF_VERSION, EMF_GITREV, nranks,
          nranks == 1 ? "" : "s");
  message("configuration %s, hash %016llx, run directory %s", p.config_file,
          (unsigned long long)p.hash, p.output.dir);
  if (rank == 0 && logf) {
    fputs("parameters:\n", logf);
    cfg_fprint(&p, logf);
    fflush(logf);
  }

  summary = report_alloc();
  ERROR_LOC(summary == NULL, EMF_EXIT_RUNTIME, "out of memory");
  summary_run(summary, &p, nranks, grid);
  summary_write_all(summary, p.output.dir, rank, comm);

  ctx.p = &p;
  ctx.comm = comm;
  ctx.outdir = p.output.dir;
  ctx.summary = summary;
  for (i = 0; i < p.run.n_tasks; i++) {
    const char *name = cfg_task_name(p.run.tasks[i]);
    const task_entry_t *t = task_find(p.run.tasks[i]);
    double t0 = wtime();
    char key[64];
    ERROR(t == NULL, EMF_EXIT_INTERNAL, "task '%s' has no entry in the dispatch table", name);
    message("task %s: start", name);
    st = t->run(&ctx);
    snprintf(key, sizeof key, "run.task_wall_time.%s", name);
    report_set_number(summary, key, wtime() - t0);
    report_set_number(summary, "run.wall_time", wtime() - t_start);
    if (st != EMF_EXIT_OK) {
      snprintf(msg, sizeof msg, "failed in task %s (exit code %d)", name, st);
      report_set_string(summary, "run.status", msg);
      summary_write_all(summary, p.output.dir, rank, comm);
      message("task %s: failed with exit code %d", name, st);
      report_free(summary);
      error_exit_all(st);
    }
    summary_write_all(summary, p.output.dir, rank, comm);
    message("task %s: done in %.2f s", name, wtime() - t0);
  }
  report_set_number(summary, "run.wall_time", wtime() - t_start);
  report_set_string(summary, "run.status", "completed");
  summary_write_all(summary, p.output.dir, rank, comm);
  message("done: %s/summary.json", p.output.dir);
  report_free(summary);
  log_init(comm, NULL);
  if (logf) fclose(logf);
  MPI_Comm_free(&comm);
  MPI_Finalize();
  return EMF_EXIT_OK;
}
