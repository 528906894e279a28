/*******************************************************************************
 * task_init.c: the init task: start configuration, plaquette, ensemble file.
 *
 * int task_init(task_ctx_t *ctx)
 *   Builds the geometry (lattice.extent on the ranks of ctx->comm, process
 *   grid from lattice.grid via geom_choose_grid, halo depth 1), sets every
 *   link to 1 (init.start = "cold") or Haar random from the streams
 *   (run.seed, RNG_HOT_START, global link index, 0) ("hot", the same field on
 *   any grid), measures the plaquette and the largest unitarity error, and
 *   writes the configuration to <outdir>/ensemble.h5 as
 *   /configs/init/<number> (io.h): a new file if there is none, otherwise
 *   the file is continued and number is one more than the largest init
 *   configuration in it, so nothing stored earlier is lost.  The file only
 *   appears under its name when complete (temporary + rename).
 *   Summary: init.start, init.plaquette, init.unitarity_error, init.file,
 *   init.config (HDF5 path), init.checksum (16 hex digits); run.grid = the
 *   grid in use.
 *   Returns EMF_EXIT_OK.  Ends the run (ERROR) with EMF_EXIT_CONFIG if the
 *   target is not a lattice or no grid fits the ranks, EMF_EXIT_RUNTIME if
 *   memory is short, EMF_EXIT_INPUT if an existing ensemble.h5 cannot be
 *   continued, EMF_EXIT_IO if the file cannot be written.
 *
 * Context: collective over ctx->comm.
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cfg.h"
#include "gauge.h"
#include "io.h"
#include "tasks.h"
#include "util.h"

/* Opens <outdir>/ensemble.h5 for writing and picks the number of the new
 * init configuration.  Collective. */
static io_file_t *open_ensemble(task_ctx_t *ctx, const char *path, long *number)
{
  io_file_t *f = NULL;
  char msg[1024];
  int exists = 0, rank, st;
  long *nums = NULL, count = 0;

  MPI_Comm_rank(ctx->comm, &rank);
  if (rank == 0) exists = access(path, F_OK) == 0;
  MPI_Bcast(&exists, 1, MPI_INT, 0, ctx->comm);
  *number = 0;
  if (!exists) {
    st = io_file_create(&f, path, ctx->comm, "emflow-lqft", IO_DEFAULT, msg, (int)sizeof msg);
    ERROR(st != EMF_SUCCESS, EMF_EXIT_IO, "init: %s", msg);
    return f;
  }
  st = io_file_append(&f, path, ctx->comm, IO_DEFAULT, msg, (int)sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INPUT, "init: cannot continue %s: %s", path, msg);
  st = io_list_configs(f, "init", &nums, &count, msg, (int)sizeof msg);
  if (st != EMF_SUCCESS) io_file_abort(f);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INPUT, "init: %s", msg);
  if (count > 0) *number = nums[count - 1] + 1;
  free(nums);
  return f;
}

/* "8x8x16" from n extents */
static void format_dims(char *buf, size_t len, const int *x, int n)
{
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < n && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, i ? "x%d" : "%d", x[i]);
}

int task_init(task_ctx_t *ctx)
{
  const parms_t *p = ctx->p;
  const lattice_parms_t *l = &p->lattice;
  const char *start = cfg_enum_name("init.start", p->init.start);
  int nranks, st, grid[EMF_DMAX] = {0};
  char msg[1024], path[PARMS_PATH_MAX + 32], name[64], hex[32], dims[64], gdims[64];
  geom_t *g;
  gauge_t *u;
  io_file_t *f;
  io_config_info_t info;
  double plaq, unit;
  long number;

  ERROR_ROOT(p->target.type != TARGET_LATTICE, EMF_EXIT_CONFIG,
             "task init needs target.type = \"lattice\"");
  MPI_Comm_size(ctx->comm, &nranks);
  st = geom_choose_grid(l->D, l->extent, nranks, l->grid, grid, msg, (int)sizeof msg);
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_CONFIG, "init: %s", msg);
  g = geom_alloc(ctx->comm, l->D, l->extent, grid, 1, msg, (int)sizeof msg);
  ERROR(g == NULL, EMF_EXIT_RUNTIME, "init: %s", msg);
  u = gauge_alloc(g, l->N);
  ERROR(u == NULL, EMF_EXIT_RUNTIME, "init: cannot allocate the SU(%d) links", l->N);

  if (p->init.start == INIT_START_HOT) gauge_set_hot(u, (uint64_t)p->run.seed);
  else gauge_set_cold(u);
  plaq = gauge_plaquette_all(u);
  unit = gauge_unitarity_error_all(u);
  format_dims(dims, sizeof dims, l->extent, l->D);
  format_dims(gdims, sizeof gdims, grid, l->D);
  message("init: SU(%d) %s lattice, %s start on a %s process grid", l->N, dims, start,
          gdims);
  message("init: plaquette %.17g, largest unitarity error %.3g", plaq, unit);

  snprintf(path, sizeof path, "%s/ensemble.h5", ctx->outdir);
  f = open_ensemble(ctx, path, &number);
  error_set_cleanup(io_file_remove_temp, f);
  memset(&info, 0, sizeof info);
  info.beta = p->action.beta;
  info.seed = (uint64_t)p->run.seed;
  snprintf(info.generator, sizeof info.generator, "init");
  info.number = number;
  info.plaquette = plaq;
  st = io_write_config(f, u, &info, msg, (int)sizeof msg);
  if (st != EMF_SUCCESS) io_file_abort(f);
  else st = io_file_commit(f, msg, (int)sizeof msg);
  error_set_cleanup(NULL, NULL);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_IO, "init: %s", msg);

  snprintf(name, sizeof name, "/configs/init/%06ld", number);
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)info.checksum);
  message("init: configuration %s written to %s", name, path);
  report_set_ints(ctx->summary, "run.grid", grid, l->D);
  report_set_string(ctx->summary, "init.start", start);
  report_set_int(ctx->summary, "init.N", l->N);
  report_set_ints(ctx->summary, "init.extent", l->extent, l->D);
  report_set_number(ctx->summary, "init.plaquette", plaq);
  report_set_number(ctx->summary, "init.unitarity_error", unit);
  report_set_string(ctx->summary, "init.file", path);
  report_set_string(ctx->summary, "init.config", name);
  report_set_string(ctx->summary, "init.checksum", hex);
  gauge_free(u);
  geom_free(g);
  return EMF_EXIT_OK;
}
