/*******************************************************************************
 * emflow-analyze.c: error analysis and verification of an ensemble file.
 *
 *   emflow-analyze [options] FILE.h5
 *   mpirun -np 4 emflow-analyze --verify runs/su3/ensemble.h5
 *
 * Lists the observable series /observables/<name> of an ensemble file
 * (doc/formats.md) and analyses each one (or those named by --obs) with the
 * Gamma method of include/stats.h: number of samples, mean, error including
 * autocorrelations, integrated autocorrelation time with its error, the
 * summation window and the flags of stats_gamma.  --skip N drops the first N
 * samples (thermalisation), --S sets Wolff's S, --json prints the same as
 * one JSON object, --acf NAME prints the normalised autocorrelation function
 * of one series, --verify reads every configuration with io_read_config
 * (checksum and plaquette) and reports OK or BAD for each.  Options and exit
 * codes: doc/programs/emflow-analyze.md.
 *
 * Program structure:
 *   1. every rank parses the command line (same argv on every rank, so every
 *      rank reaches the same verdict; usage errors end through ERROR_ROOT);
 *   2. io_file_open checks that FILE exists and is an ensemble file, then
 *      rank 0 takes an inventory of series and configurations with serial
 *      HDF5 calls (io.h has no listing of series nor metadata-only reads)
 *      while the parallel handle is closed, and broadcasts it;
 *   3. the file is opened again with io_file_open; series are read with
 *      io_read_series (collective), analysed and printed by rank 0;
 *      configurations are read with io_read_config on a process grid chosen
 *      for all ranks (geom_choose_grid), which verifies them.
 *
 * Context: a program (main); all ranks run the same code path.  Runs as a
 * singleton or under mpirun.  Output goes to stdout from rank 0 only.
 ******************************************************************************/
#include <errno.h>
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gauge.h"
#include "geom.h"
#include "global.h"
#include "io.h"
#include "stats.h"
#include "util.h"

#ifndef EMF_VERSION
#define EMF_VERSION "unknown"
#endif
#ifndef EMF_GITREV
#define EMF_GITREV "unknown"
#endif

#define NAME_MAX_LEN 256
#define MSG_LEN 1024
#define OBS_MAX 64

typedef struct {
  const char *file;
  const char *obs[OBS_MAX]; /* --obs names, in order */
  int nobs;
  long skip;
  double S;
  int json, verify, list;
  const char *acf;          /* --acf NAME or NULL */
  long acf_max;             /* largest lag, -1: automatic */
} options_t;

typedef struct {
  char name[NAME_MAX_LEN];  /* path below /observables */
  long len;
} series_entry_t;

typedef struct {
  char gen[IO_GEN_MAX];
  long number;
  int meta_ok;              /* N, D, extents read and plausible */
  int n, d, extent[EMF_DMAX];
  char note[MSG_LEN];       /* why meta_ok is 0 */
} config_entry_t;

typedef struct {
  series_entry_t *series;
  long nseries, series_cap;
  config_entry_t *configs;
  long nconfigs, configs_cap;
  int status;
  char msg[MSG_LEN];
} inventory_t;

static const char usage_text[] =
    "usage: emflow-analyze [options] FILE.h5\n"
    "Gamma-method error analysis of the observable series of an ensemble file\n"
    "and verification of its configurations.\n"
    "\n"
    "  --obs NAME      analyse series NAME (repeatable; default: all series)\n"
    "  --skip N        discard the first N samples of every series (default 0)\n"
    "  --S VALUE       Wolff's windowing parameter S >= 0 (default 1.5)\n"
    "  --json          print the results as one JSON object\n"
    "  --acf NAME      print the normalised autocorrelation function of NAME\n"
    "                  as two columns t, rho(t) (with --json: an array)\n"
    "  --acf-max T     largest lag for --acf (default max(20, 5 W), <= n/2)\n"
    "  --verify        read every configuration, check checksum and plaquette\n"
    "  --list          list series and configurations only, no analysis\n"
    "  -h, --help      this text\n"
    "  -V, --version   version and git revision\n"
    "\n"
    "Exit status: 0 success, 1 bad command line, 3 bad or unreadable file,\n"
    "missing series or a configuration that fails verification.\n"
    "See doc/programs/emflow-analyze.md.\n";

/* ---------------------------------------------------------------- options */

static int parse_long(const char *s, long *v)
{
  char *end;
  long x;
  errno = 0;
  x = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0') return 0;
  *v = x;
  return 1;
}

static int parse_double(const char *s, double *v)
{
  char *end;
  double x;
  errno = 0;
  x = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !isfinite(x)) return 0;
  *v = x;
  return 1;
}

/* Matches "--name VALUE" or "--name=VALUE"; *val gets VALUE (NULL when the
 * option is missing its argument).  Returns 1 if argv[*i] is this option. */
static int opt_arg(const char *name, int argc, char **argv, int *i, const char **val)
{
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) != 0) return 0;
  if (a[n] == '=') {
    *val = a + n + 1;
    return 1;
  }
  if (a[n] != '\0') return 0;
  *val = (*i + 1 < argc) ? argv[++*i] : NULL;
  return 1;
}

/* Collective: every rank parses the same argv, so every rank takes the same
 * branch; ERROR_ROOT ends all ranks with rank 0's message. */
static void parse_options(int argc, char **argv, options_t *o)
{
  int i, rank, only_args = 0;
  const char *v;
  memset(o, 0, sizeof *o);
  o->S = STATS_S_DEFAULT;
  o->acf_max = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (only_args || a[0] != '-' || a[1] == '\0') {
      ERROR_ROOT(o->file != NULL, EMF_EXIT_USAGE,
                 "more than one FILE given ('%s' and '%s'); try --help", o->file, a);
      o->file = a;
    } else if (strcmp(a, "--") == 0) {
      only_args = 1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      if (rank == 0) fputs(usage_text, stdout);
      error_exit_all(EMF_EXIT_OK);
    } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
      if (rank == 0) printf("emflow-analyze %s (git %s)\n", EMF_VERSION, EMF_GITREV);
      error_exit_all(EMF_EXIT_OK);
    } else if (strcmp(a, "--json") == 0) {
      o->json = 1;
    } else if (strcmp(a, "--verify") == 0) {
      o->verify = 1;
    } else if (strcmp(a, "--list") == 0) {
      o->list = 1;
    } else if (opt_arg("--obs", argc, argv, &i, &v)) {
      ERROR_ROOT(v == NULL || v[0] == '\0', EMF_EXIT_USAGE, "option --obs needs a series name");
      ERROR_ROOT(o->nobs >= OBS_MAX, EMF_EXIT_USAGE, "option --obs: more than %d names",
                 OBS_MAX);
      o->obs[o->nobs++] = v;
    } else if (opt_arg("--skip", argc, argv, &i, &v)) {
      ERROR_ROOT(v == NULL, EMF_EXIT_USAGE, "option --skip needs a number");
      ERROR_ROOT(!parse_long(v, &o->skip) || o->skip < 0, EMF_EXIT_USAGE,
                 "option --skip: '%s' is not a non-negative integer", v);
    } else if (opt_arg("--S", argc, argv, &i, &v)) {
      ERROR_ROOT(v == NULL, EMF_EXIT_USAGE, "option --S needs a number");
      ERROR_ROOT(!parse_double(v, &o->S) || o->S < 0.0, EMF_EXIT_USAGE,
                 "option --S: '%s' is not a finite number >= 0", v);
    } else if (opt_arg("--acf-max", argc, argv, &i, &v)) {
      ERROR_ROOT(v == NULL, EMF_EXIT_USAGE, "option --acf-max needs a number");
      ERROR_ROOT(!parse_long(v, &o->acf_max) || o->acf_max < 0, EMF_EXIT_USAGE,
                 "option --acf-max: '%s' is not a non-negative integer", v);
    } else if (opt_arg("--acf", argc, argv, &i, &v)) {
      ERROR_ROOT(v == NULL || v[0] == '\0', EMF_EXIT_USAGE, "option --acf needs a series name");
      o->acf = v;
    } else {
      ERROR_ROOT(1, EMF_EXIT_USAGE, "unknown option '%s'; try --help", a);
    }
  }
  ERROR_ROOT(o->file == NULL, EMF_EXIT_USAGE, "no FILE given; try --help");
  ERROR_ROOT(o->acf != NULL && o->list, EMF_EXIT_USAGE,
             "options --acf and --list cannot be combined");
}

/* -------------------------------------------------- inventory (rank 0 only) */

static int inv_add_series(inventory_t *inv, const char *name, long len)
{
  if (inv->nseries == inv->series_cap) {
    long cap = inv->series_cap ? 2 * inv->series_cap : 16;
    series_entry_t *s = realloc(inv->series, (size_t)cap * sizeof *s);
    if (s == NULL) return -1;
    inv->series = s;
    inv->series_cap = cap;
  }
  snprintf(inv->series[inv->nseries].name, NAME_MAX_LEN, "%s", name);
  inv->series[inv->nseries++].len = len;
  return 0;
}

static config_entry_t *inv_add_config(inventory_t *inv)
{
  config_entry_t *c;
  if (inv->nconfigs == inv->configs_cap) {
    long cap = inv->configs_cap ? 2 * inv->configs_cap : 16;
    c = realloc(inv->configs, (size_t)cap * sizeof *c);
    if (c == NULL) return NULL;
    inv->configs = c;
    inv->configs_cap = cap;
  }
  c = &inv->configs[inv->nconfigs++];
  memset(c, 0, sizeof *c);
  return c;
}

static herr_t series_cb(hid_t grp, const char *name, const H5L_info_t *li, void *data)
{
  inventory_t *inv = data;
  H5O_info_t oi;
  hid_t dset, space;
  hsize_t len = 0;
  int nd;
  if (li->type != H5L_TYPE_HARD) return 0;
  if (H5Oget_info_by_name2(grp, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return 0;
  if (oi.type != H5O_TYPE_DATASET) return 0;
  if ((dset = H5Dopen2(grp, name, H5P_DEFAULT)) < 0) return 0;
  space = H5Dget_space(dset);
  nd = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  if (nd == 1) H5Sget_simple_extent_dims(space, &len, NULL);
  if (space >= 0) H5Sclose(space);
  H5Dclose(dset);
  /* A dataset that is not 1-D is still listed (length -1); io_read_series
   * then reports what is wrong with it. */
  return inv_add_series(inv, name, nd == 1 ? (long)len : -1L) < 0 ? -1 : 0;
}

static int read_int_attr(hid_t obj, const char *name, int *v, int n)
{
  hid_t a, sp;
  hssize_t np;
  int ok = 0;
  if (H5Aexists(obj, name) <= 0) return 0;
  if ((a = H5Aopen(obj, name, H5P_DEFAULT)) < 0) return 0;
  sp = H5Aget_space(a);
  np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
  if (np == n) ok = H5Aread(a, H5T_NATIVE_INT, v) >= 0;
  if (sp >= 0) H5Sclose(sp);
  H5Aclose(a);
  return ok;
}

/* One configuration group /configs/<gen>/<number>: records its lattice. */
static herr_t config_cb(hid_t gen_grp, const char *name, const H5L_info_t *li, void *data)
{
  inventory_t *inv = data;
  config_entry_t *c;
  char *end;
  long number;
  hid_t grp;
  char gen[IO_GEN_MAX];
  ssize_t gl;
  (void)li;
  errno = 0;
  number = strtol(name, &end, 10);
  if (errno != 0 || end == name || *end != '\0' || number < 0) return 0;
  gl = H5Iget_name(gen_grp, gen, sizeof gen);
  if (gl <= 0) return -1;
  if ((c = inv_add_config(inv)) == NULL) return -1;
  /* H5Iget_name gives "/configs/<gen>" */
  snprintf(c->gen, sizeof c->gen, "%s", strrchr(gen, '/') ? strrchr(gen, '/') + 1 : gen);
  c->number = number;
  if ((grp = H5Gopen2(gen_grp, name, H5P_DEFAULT)) < 0) {
    snprintf(c->note, sizeof c->note, "/configs/%s/%s is not a group", c->gen, name);
    return 0;
  }
  if (!read_int_attr(grp, "N", &c->n, 1) || !read_int_attr(grp, "D", &c->d, 1)) {
    snprintf(c->note, sizeof c->note, "/configs/%s/%s: attribute N or D missing or malformed",
             c->gen, name);
  } else if (c->d < 1 || c->d > EMF_DMAX || c->n < 2 || c->n > EMF_NMAX) {
    snprintf(c->note, sizeof c->note, "/configs/%s/%s: unsupported N = %d, D = %d",
             c->gen, name, c->n, c->d);
  } else if (!read_int_attr(grp, "extents", c->extent, c->d)) {
    snprintf(c->note, sizeof c->note, "/configs/%s/%s: attribute extents missing or malformed",
             c->gen, name);
  } else {
    c->meta_ok = 1;
    for (int mu = 0; mu < c->d; mu++)
      if (c->extent[mu] < 1) c->meta_ok = 0;
    if (!c->meta_ok)
      snprintf(c->note, sizeof c->note, "/configs/%s/%s: non-positive extent", c->gen, name);
  }
  H5Gclose(grp);
  return 0;
}

static herr_t generator_cb(hid_t configs, const char *name, const H5L_info_t *li, void *data)
{
  inventory_t *inv = data;
  hid_t g;
  herr_t r;
  (void)li;
  if ((g = H5Gopen2(configs, name, H5P_DEFAULT)) < 0) return 0;
  r = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, config_cb, inv);
  H5Gclose(g);
  return r < 0 ? -1 : 0;
}

static int cmp_series(const void *a, const void *b)
{
  return strcmp(((const series_entry_t *)a)->name, ((const series_entry_t *)b)->name);
}

static int cmp_config(const void *a, const void *b)
{
  const config_entry_t *x = a, *y = b;
  int c = strcmp(x->gen, y->gen);
  if (c != 0) return c;
  return (x->number > y->number) - (x->number < y->number);
}

/* Serial HDF5 on rank 0; the file was checked by io_file_open before. */
static void inventory_take(inventory_t *inv, const char *path)
{
  hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), g;
  inv->status = EMF_SUCCESS;
  if (fid < 0) {
    inv->status = EMF_EIO;
    snprintf(inv->msg, sizeof inv->msg, "cannot open file '%s' for listing", path);
    return;
  }
  if (H5Lexists(fid, "observables", H5P_DEFAULT) > 0 &&
      (g = H5Gopen2(fid, "observables", H5P_DEFAULT)) >= 0) {
    if (H5Lvisit(g, H5_INDEX_NAME, H5_ITER_INC, series_cb, inv) < 0) {
      inv->status = EMF_EIO;
      snprintf(inv->msg, sizeof inv->msg, "file '%s': cannot list /observables", path);
    }
    H5Gclose(g);
  }
  if (inv->status == EMF_SUCCESS && H5Lexists(fid, "configs", H5P_DEFAULT) > 0 &&
      (g = H5Gopen2(fid, "configs", H5P_DEFAULT)) >= 0) {
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, generator_cb, inv) < 0) {
      inv->status = EMF_EIO;
      snprintf(inv->msg, sizeof inv->msg, "file '%s': cannot list /configs", path);
    }
    H5Gclose(g);
  }
  H5Fclose(fid);
  if (inv->nseries > 1) qsort(inv->series, (size_t)inv->nseries, sizeof *inv->series, cmp_series);
  if (inv->nconfigs > 1)
    qsort(inv->configs, (size_t)inv->nconfigs, sizeof *inv->configs, cmp_config);
}

/* Collective: rank 0 takes the inventory, every rank receives it. */
static void inventory_share(inventory_t *inv, const char *path)
{
  int rank;
  long counts[2];
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  memset(inv, 0, sizeof *inv);
  if (rank == 0) inventory_take(inv, path);
  MPI_Bcast(&inv->status, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Bcast(inv->msg, MSG_LEN, MPI_CHAR, 0, MPI_COMM_WORLD);
  ERROR_ROOT(inv->status != EMF_SUCCESS, EMF_EXIT_INPUT, "%s", inv->msg);
  counts[0] = inv->nseries;
  counts[1] = inv->nconfigs;
  MPI_Bcast(counts, 2, MPI_LONG, 0, MPI_COMM_WORLD);
  if (rank != 0) {
    inv->nseries = counts[0];
    inv->nconfigs = counts[1];
    inv->series = calloc((size_t)inv->nseries + 1, sizeof *inv->series);
    inv->configs = calloc((size_t)inv->nconfigs + 1, sizeof *inv->configs);
  }
  ERROR(inv->series == NULL && inv->nseries > 0, EMF_EXIT_INTERNAL, "out of memory");
  ERROR(inv->configs == NULL && inv->nconfigs > 0, EMF_EXIT_INTERNAL, "out of memory");
  if (inv->nseries > 0)
    MPI_Bcast(inv->series, (int)(inv->nseries * (long)sizeof *inv->series), MPI_BYTE, 0,
              MPI_COMM_WORLD);
  if (inv->nconfigs > 0)
    MPI_Bcast(inv->configs, (int)(inv->nconfigs * (long)sizeof *inv->configs), MPI_BYTE, 0,
              MPI_COMM_WORLD);
}

static long find_series(const inventory_t *inv, const char *name)
{
  for (long i = 0; i < inv->nseries; i++)
    if (strcmp(inv->series[i].name, name) == 0) return i;
  return -1;
}

/* Comma-separated list of the series names (for error messages). */
static void series_names(const inventory_t *inv, char *buf, size_t len)
{
  size_t used = 0;
  buf[0] = '\0';
  if (inv->nseries == 0) {
    snprintf(buf, len, "none");
    return;
  }
  for (long i = 0; i < inv->nseries && used + 1 < len; i++) {
    int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", inv->series[i].name);
    if (k < 0) break;
    used += (size_t)k;
  }
}

/* ------------------------------------------------------------ JSON output */

static void json_string(const char *s)
{
  putchar('"');
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c == '\n')
      fputs("\\n", stdout);
    else if (c == '\t')
      fputs("\\t", stdout);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static void json_number(double x)
{
  if (isfinite(x))
    printf("%.17g", x);
  else
    fputs("null", stdout);
}

/* --------------------------------------------------------------- analysis */

typedef struct {
  stats_gamma_t g;
  int ret;            /* stats_gamma's return code, -1: too few samples,
                         -2: the series could not be read (msg) */
  long n_total;       /* length before --skip */
  char desc[512];
  char msg[MSG_LEN];  /* why the series could not be read */
} result_t;

/* Names of the flags of a result, space separated ("-" when none). */
static void flag_names(const result_t *r, char *buf, size_t len)
{
  static const struct { int bit; const char *name; } tab[] = {
      {STATS_FLAG_NOVAR, "novar"}, {STATS_FLAG_NOWINDOW, "nowindow"},
      {STATS_FLAG_NEGVAR, "negvar"}};
  buf[0] = '\0';
  if (r->ret == -1 || r->ret == -2) {
    snprintf(buf, len, r->ret == -1 ? "short" : "unreadable");
    return;
  }
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
    if (r->g.status & tab[i].bit)
      snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? " " : "", tab[i].name);
  if (r->ret == EMF_EDOM && !(r->g.status & STATS_FLAG_NOVAR))
    snprintf(buf + strlen(buf), len - strlen(buf), "%snonfinite", buf[0] ? " " : "");
  else if (r->ret != EMF_SUCCESS && r->ret != EMF_EDOM && r->ret != EMF_ERANGE)
    snprintf(buf + strlen(buf), len - strlen(buf), "%sfailed(%s)", buf[0] ? " " : "",
             error_string(r->ret));
  if (buf[0] == '\0') snprintf(buf, len, "-");
}

static void analyse(const double *x, long n, const options_t *o, result_t *r)
{
  long m = n > o->skip ? n - o->skip : 0;
  memset(&r->g, 0, sizeof r->g);
  r->n_total = n;
  if (m < 2) {
    r->ret = -1;
    r->g.n = m;
    r->g.mean = r->g.error = r->g.error_of_error = NAN;
    r->g.tau_int = r->g.dtau_int = r->g.var = NAN;
    return;
  }
  r->ret = stats_gamma(x + o->skip, m, o->S, &r->g);
}

/* Normalised autocorrelation, lags 0..tmax; returns the array or NULL. */
static double *acf_compute(const double *x, long n, const options_t *o, const result_t *r,
                           long *tmax)
{
  long m = n > o->skip ? n - o->skip : 0, t;
  double *rho;
  if (m < 2) return NULL;
  if (o->acf_max >= 0)
    t = o->acf_max;
  else {
    long w = r->g.window > 0 ? r->g.window : 1;
    t = 5 * w > 20 ? 5 * w : 20;
    if (t > m / 2) t = m / 2;
  }
  if (t > m - 1) t = m - 1;
  rho = malloc((size_t)(t + 1) * sizeof *rho);
  if (rho == NULL) return NULL;
  if (stats_autocorr(x + o->skip, m, rho, t) != EMF_SUCCESS) {
    free(rho);
    return NULL;
  }
  *tmax = t;
  return rho;
}

static void print_text_header(const options_t *o)
{
  printf("# emflow-analyze %s: %s\n", EMF_VERSION, o->file);
  printf("# Gamma method (Wolff), S = %g, skip = %ld; error and tau_int include "
         "autocorrelations\n", o->S, o->skip);
  printf("# %-22s %8s %22s %12s %10s %9s %6s  %s\n", "series", "n", "mean", "error",
         "tau_int", "dtau_int", "W", "flags");
}

static void print_text_row(const char *name, const result_t *r)
{
  char flags[128];
  flag_names(r, flags, sizeof flags);
  printf("  %-22s %8ld %22.15g %12.6g %10.4g %9.3g %6ld  %s\n", name, r->g.n, r->g.mean,
         r->g.error, r->g.tau_int, r->g.dtau_int, r->g.window, flags);
}

static void print_json_series(const char *name, const result_t *r, const double *rho,
                              long tmax, int first)
{
  char flags[128], *tok, *save;
  int k = 0;
  flag_names(r, flags, sizeof flags);
  printf("%s\n    ", first ? "" : ",");
  json_string(name);
  printf(": {\n      \"description\": ");
  json_string(r->desc);
  printf(",\n      \"n_total\": %ld,\n      \"n\": %ld,\n      \"mean\": ", r->n_total, r->g.n);
  json_number(r->g.mean);
  printf(",\n      \"error\": ");
  json_number(r->g.error);
  printf(",\n      \"error_of_error\": ");
  json_number(r->g.error_of_error);
  printf(",\n      \"tau_int\": ");
  json_number(r->g.tau_int);
  printf(",\n      \"dtau_int\": ");
  json_number(r->g.dtau_int);
  printf(",\n      \"variance\": ");
  json_number(r->g.var);
  printf(",\n      \"window\": %ld,\n      \"flags\": [", r->g.window);
  if (strcmp(flags, "-") != 0)
    for (tok = strtok_r(flags, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
      printf("%s\"%s\"", k++ ? ", " : "", tok);
  printf("]");
  if (r->ret == -2) {
    printf(",\n      \"message\": ");
    json_string(r->msg);
  }
  if (rho != NULL) {
    printf(",\n      \"acf\": [");
    for (long t = 0; t <= tmax; t++) {
      if (t) printf(", ");
      json_number(rho[t]);
    }
    printf("]");
  }
  printf("\n    }");
}

/* ------------------------------------------------------------ verification */

typedef struct {
  int ok;                   /* 1 OK, 0 BAD, -1 not checked */
  double plaquette;
  char msg[MSG_LEN];
} verdict_t;

/* Collective: reads every configuration with io_read_config. */
static void verify_configs(io_file_t *f, const inventory_t *inv, verdict_t *v)
{
  int nranks;
  geom_t *g = NULL;
  gauge_t *a = NULL;
  int cur_d = 0, cur_n = 0, cur_L[EMF_DMAX] = {0};
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  for (long i = 0; i < inv->nconfigs; i++) {
    const config_entry_t *c = &inv->configs[i];
    io_config_info_t info;
    char msg[MSG_LEN / 2];
    int st;
    v[i].ok = -1;
    v[i].plaquette = NAN;
    v[i].msg[0] = '\0';
    if (!c->meta_ok) {
      v[i].ok = 0;
      snprintf(v[i].msg, MSG_LEN, "%s", c->note);
      continue;
    }
    if (g == NULL || c->d != cur_d || memcmp(c->extent, cur_L, sizeof cur_L) != 0) {
      int req[EMF_DMAX] = {0}, grid[EMF_DMAX];
      gauge_free(a);
      geom_free(g);
      a = NULL;
      g = NULL;
      memset(cur_L, 0, sizeof cur_L);
      memcpy(cur_L, c->extent, (size_t)c->d * sizeof(int));
      cur_d = c->d;
      cur_n = 0;
      if (geom_choose_grid(c->d, c->extent, nranks, req, grid, msg, (int)sizeof msg) != EMF_SUCCESS ||
          (g = geom_alloc(MPI_COMM_WORLD, c->d, c->extent, grid, 1, msg, (int)sizeof msg)) == NULL) {
        snprintf(v[i].msg, MSG_LEN, "not checked: %s (use a rank count that fits the lattice)",
                 msg);
        cur_d = 0;
        continue;
      }
    }
    if (a == NULL || c->n != cur_n) {
      gauge_free(a);
      a = gauge_alloc(g, c->n);
      cur_n = a != NULL ? c->n : 0;
      ERROR(a == NULL, EMF_EXIT_RUNTIME, "cannot allocate a gauge field (N = %d)", c->n);
    }
    st = io_read_config(f, c->gen, c->number, a, &info, msg, (int)sizeof msg);
    if (st == EMF_SUCCESS) {
      v[i].ok = 1;
      v[i].plaquette = info.plaquette;
    } else {
      v[i].ok = 0;
      snprintf(v[i].msg, MSG_LEN, "%s", msg);
    }
  }
  gauge_free(a);
  geom_free(g);
}

static const char *verdict_word(int ok) { return ok > 0 ? "OK" : ok == 0 ? "BAD" : "UNCHECKED"; }

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
  options_t o;
  inventory_t inv;
  io_file_t *f = NULL;
  char msg[MSG_LEN], names[4096];
  int rank, st, first = 1, bad = 0;
  long unreadable = 0;
  long *sel, nsel = 0;
  verdict_t *verdicts = NULL;

  MPI_Init(&argc, &argv);
  error_init(MPI_COMM_WORLD);
  error_set_program("emflow-analyze");
  util_hdf5_errors_off();
  util_gsl_handler_install();
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  parse_options(argc, argv, &o);

  /* Existence and format, with io's messages; then the inventory. */
  st = io_file_open(&f, o.file, MPI_COMM_WORLD, IO_DEFAULT, msg, MSG_LEN);
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_INPUT, "%s", msg);
  io_file_close(f);
  inventory_share(&inv, o.file);
  series_names(&inv, names, sizeof names);

  /* Series to analyse: --obs names (must exist), else all. */
  sel = malloc(((size_t)inv.nseries + (size_t)o.nobs + 1) * sizeof *sel);
  ERROR(sel == NULL, EMF_EXIT_INTERNAL, "out of memory");
  for (int k = 0; k < o.nobs; k++) {
    long j = find_series(&inv, o.obs[k]);
    ERROR_ROOT(j < 0, EMF_EXIT_INPUT, "file '%s' has no series '%s' (series: %s)", o.file,
               o.obs[k], names);
    sel[nsel++] = j;
  }
  if (o.nobs == 0)
    for (long j = 0; j < inv.nseries; j++) sel[nsel++] = j;
  if (o.acf != NULL) {
    long j = find_series(&inv, o.acf), k;
    ERROR_ROOT(j < 0, EMF_EXIT_INPUT, "file '%s' has no series '%s' for --acf (series: %s)",
               o.file, o.acf, names);
    for (k = 0; k < nsel && sel[k] != j; k++) continue;
    if (k == nsel) sel[nsel++] = j; /* --json --acf NAME: NAME is reported too */
  }

  st = io_file_open(&f, o.file, MPI_COMM_WORLD, IO_DEFAULT, msg, MSG_LEN);
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_INPUT, "%s", msg);

  if (o.list) {
    if (rank == 0) {
      if (o.json) {
        printf("{\n  \"file\": ");
        json_string(o.file);
        printf(",\n  \"series\": {");
        for (long j = 0; j < inv.nseries; j++) {
          printf("%s\n    ", j ? "," : "");
          json_string(inv.series[j].name);
          printf(": {\"n_total\": %ld}", inv.series[j].len);
        }
        printf("%s},\n  \"configs\": [", inv.nseries ? "\n  " : "");
        for (long i = 0; i < inv.nconfigs; i++) {
          printf("%s\n    {\"generator\": ", i ? "," : "");
          json_string(inv.configs[i].gen);
          printf(", \"number\": %ld}", inv.configs[i].number);
        }
        printf("%s]\n}\n", inv.nconfigs ? "\n  " : "");
      } else {
        printf("# %s: %ld series, %ld configurations\n", o.file, inv.nseries, inv.nconfigs);
        for (long j = 0; j < inv.nseries; j++)
          printf("series  %-30s %ld\n", inv.series[j].name, inv.series[j].len);
        for (long i = 0; i < inv.nconfigs; i++)
          printf("config  %s/%06ld\n", inv.configs[i].gen, inv.configs[i].number);
      }
    }
    io_file_close(f);
    error_exit_all(EMF_EXIT_OK);
  }

  /* --acf alone (text): only the two columns. */
  if (o.acf != NULL && !o.json) {
    double *x, *rho;
    long n, tmax = 0;
    result_t r;
    st = io_read_series(f, o.acf, &x, &n, r.desc, sizeof r.desc, msg, MSG_LEN);
    ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_INPUT, "%s", msg);
    analyse(x, n, &o, &r);
    ERROR_ROOT(r.ret == -1, EMF_EXIT_INPUT,
               "file '%s', series '%s': %ld samples after --skip %ld, need at least 2", o.file,
               o.acf, n > o.skip ? n - o.skip : 0, o.skip);
    rho = acf_compute(x, n, &o, &r, &tmax);
    ERROR_ROOT(rho == NULL, EMF_EXIT_RUNTIME,
               "file '%s', series '%s': autocorrelation failed (non-finite or constant data?)",
               o.file, o.acf);
    if (rank == 0) {
      printf("# normalised autocorrelation rho(t) of %s in %s (skip %ld, n %ld)\n", o.acf,
             o.file, o.skip, r.g.n);
      printf("# t rho(t)\n");
      for (long t = 0; t <= tmax; t++) printf("%ld %.10g\n", t, rho[t]);
    }
    free(rho);
    free(x);
    io_file_close(f);
    free(sel);
    free(inv.series);
    free(inv.configs);
    error_exit_all(EMF_EXIT_OK);
  }

  if (rank == 0) {
    if (o.json) {
      printf("{\n  \"program\": \"emflow-analyze\",\n  \"version\": ");
      json_string(EMF_VERSION);
      printf(",\n  \"file\": ");
      json_string(o.file);
      printf(",\n  \"S\": ");
      json_number(o.S);
      printf(",\n  \"skip\": %ld,\n  \"series\": {", o.skip);
    } else {
      print_text_header(&o);
    }
  }
  for (long k = 0; k < nsel; k++) {
    const char *name = inv.series[sel[k]].name;
    double *x, *rho = NULL;
    long n, tmax = 0;
    result_t r;
    st = io_read_series(f, name, &x, &n, r.desc, sizeof r.desc, r.msg, MSG_LEN);
    if (st == EMF_SUCCESS) {
      analyse(x, n, &o, &r);
    } else { /* reported in its row; the exit status says so */
      memset(&r.g, 0, sizeof r.g);
      r.ret = -2;
      r.n_total = inv.series[sel[k]].len;
      r.g.mean = r.g.error = r.g.error_of_error = NAN;
      r.g.tau_int = r.g.dtau_int = r.g.var = NAN;
      r.desc[0] = '\0';
      unreadable++;
      if (rank == 0) fprintf(stderr, "emflow-analyze: %s\n", r.msg);
    }
    if (st == EMF_SUCCESS && o.acf != NULL && strcmp(o.acf, name) == 0)
      rho = acf_compute(x, n, &o, &r, &tmax);
    if (rank == 0) {
      if (o.json)
        print_json_series(name, &r, rho, tmax, first);
      else
        print_text_row(name, &r);
    }
    first = 0;
    free(rho);
    free(x);
  }
  if (rank == 0 && o.json) printf("%s}", nsel ? "\n  " : "");

  if (o.verify) {
    long nok = 0, nbad = 0;
    verdicts = calloc((size_t)inv.nconfigs + 1, sizeof *verdicts);
    ERROR(verdicts == NULL, EMF_EXIT_INTERNAL, "out of memory");
    verify_configs(f, &inv, verdicts);
    for (long i = 0; i < inv.nconfigs; i++) {
      nok += verdicts[i].ok > 0;
      nbad += verdicts[i].ok == 0;
      bad |= verdicts[i].ok <= 0;
    }
    if (rank == 0) {
      if (o.json) {
        printf(",\n  \"configs\": [");
        for (long i = 0; i < inv.nconfigs; i++) {
          printf("%s\n    {\"generator\": ", i ? "," : "");
          json_string(inv.configs[i].gen);
          printf(", \"number\": %ld, \"status\": \"%s\", \"plaquette\": ",
                 inv.configs[i].number, verdict_word(verdicts[i].ok));
          json_number(verdicts[i].plaquette);
          printf(", \"message\": ");
          json_string(verdicts[i].msg);
          printf("}");
        }
        printf("%s],\n  \"configs_ok\": %ld,\n  \"configs_bad\": %ld,\n"
               "  \"configs_unchecked\": %ld", inv.nconfigs ? "\n  " : "", nok, nbad,
               inv.nconfigs - nok - nbad);
      } else {
        printf("# verification of %ld configurations (checksum and plaquette)\n", inv.nconfigs);
        for (long i = 0; i < inv.nconfigs; i++) {
          printf("%-9s %s/%06ld", verdict_word(verdicts[i].ok), inv.configs[i].gen,
                 inv.configs[i].number);
          if (verdicts[i].ok > 0)
            printf("  plaquette %.15f\n", verdicts[i].plaquette);
          else
            printf("  %s\n", verdicts[i].msg);
        }
        printf("# %ld OK, %ld BAD, %ld UNCHECKED\n", nok, nbad, inv.nconfigs - nok - nbad);
      }
    }
  }
  if (rank == 0 && o.json) printf("\n}\n");
  if (rank == 0) fflush(stdout);

  io_file_close(f);
  free(verdicts);
  free(sel);
  free(inv.series);
  free(inv.configs);
  if (bad && rank == 0)
    fprintf(stderr, "emflow-analyze: %s: some configurations failed verification\n", o.file);
  if (unreadable && rank == 0)
    fprintf(stderr, "emflow-analyze: %s: %ld series could not be read\n", o.file, unreadable);
  error_exit_all(bad || unreadable ? EMF_EXIT_INPUT : EMF_EXIT_OK);
  return 0;
}
