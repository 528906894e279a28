/*******************************************************************************
 * test_analyze.c: bin/emflow-analyze against stats_gamma on a file with
 * known series, configuration verification, and bad input.
 *
 * TIMEOUT: 120
 *
 * The test (a singleton MPI program, run without mpirun) writes
 * build/tmp/test_analyze/ens.h5 with the io module:
 *   series  ar1            AR(1), a = 0.8, n = 20000 (tau_int = 4.5 exact)
 *           hmc/plaquette  0.6 + 0.01 AR(1), a = 0.5, n = 5000
 *           const          100 times 1.0 (flag novar)
 *           short          1 value (flag short)
 *   configs hmc/0, hmc/1   SU(2) 4x4 hot starts; flow/7 SU(3) 4x2x2
 * and copies: bad.h5, in which one double of hmc/1's links is changed, and
 * odd.h5, with a 2 x 2 dataset /observables/matrix (not a series).
 * It then runs the program (EMF_ROOT/bin/emflow-analyze, as a child
 * process) and checks:
 * - --json: every number of every series equals stats_gamma of the same
 *   data to 1e-14 relative (the program prints 17 digits), for the default
 *   S and --skip 0, and for --skip 1000 --S 2.5; the flags of const and
 *   short; --obs selects exactly the named series; in odd.h5 the matrix is
 *   flagged unreadable, the others analysed, the JSON complete, exit 3;
 * - the estimate itself: tau_int of ar1 within 3 dtau_int of 4.5 and the
 *   mean within 3 errors of 0 (statistical, fixed seed);
 * - --acf ar1 --acf-max 30: the two columns equal stats_autocorr to 1e-9
 *   (10 printed digits); with --json (and --obs const) ar1 is added and its
 *   "acf" array equals stats_autocorr to 1e-14;
 * - --verify: 3 OK and exit 0 on ens.h5; on bad.h5 exit 3, hmc/1 BAD with
 *   a checksum message, the other two OK;
 * - bad input, each with its exit code and a message naming the culprit:
 *   missing file (3), non-HDF5 file (3), unknown --obs name (3), unknown
 *   option (1), --skip abc (1), no FILE (1); --help and --version exit 0.
 ******************************************************************************/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <hdf5.h>
#include "check.h"
#include "gauge.h"
#include "geom.h"
#include "io.h"
#include "stats.h"
#include "util.h"

#define DIR "build/tmp/test_analyze"
#define N_AR1 20000
#define N_PLAQ 5000

static uint64_t splitmix64(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static double gauss(uint64_t *s) /* Box-Muller, one value per call */
{
  double u1 = ((double)(splitmix64(s) >> 11) + 0.5) * 0x1.0p-53;
  double u2 = ((double)(splitmix64(s) >> 11) + 0.5) * 0x1.0p-53;
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void ar1(uint64_t seed, double a, double *x, long n)
{
  uint64_t s = seed;
  double c = sqrt(1.0 - a * a);
  x[0] = gauss(&s);
  for (long t = 1; t < n; t++) x[t] = a * x[t - 1] + c * gauss(&s);
}

/* ---------------------------------------------------------- child process */

static char prog[4096];
static char out_text[1 << 20], err_text[1 << 16];

static void slurp(const char *path, char *buf, size_t len)
{
  FILE *fp = fopen(path, "r");
  size_t n = 0;
  if (fp != NULL) {
    n = fread(buf, 1, len - 1, fp);
    fclose(fp);
  }
  buf[n] = '\0';
}

/* Runs "prog ARGS" with stdout and stderr captured; returns the exit code. */
static int run(const char *args)
{
  char cmd[8192];
  int st;
  snprintf(cmd, sizeof cmd, "%s %s >%s/out.txt 2>%s/err.txt </dev/null", prog, args, DIR, DIR);
  st = system(cmd);
  slurp(DIR "/out.txt", out_text, sizeof out_text);
  slurp(DIR "/err.txt", err_text, sizeof err_text);
  if (st == -1 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

/* ------------------------------------------------------ minimal JSON reads */

/* Start of the object of series `name` in the JSON text, or NULL. */
static const char *json_series(const char *text, const char *name)
{
  char key[300];
  const char *p = strstr(text, "\"series\": {");
  if (p == NULL) return NULL;
  snprintf(key, sizeof key, "\"%s\": {", name);
  return strstr(p, key);
}

/* Number under "key" inside the object at obj (up to its closing brace);
 * NaN for null or when missing. */
static double json_num(const char *obj, const char *key)
{
  char k[100];
  const char *end, *p;
  if (obj == NULL) return NAN;
  end = strchr(obj, '}');
  snprintf(k, sizeof k, "\"%s\": ", key);
  p = strstr(obj, k);
  if (p == NULL || (end != NULL && p > end)) return NAN;
  p += strlen(k);
  if (strncmp(p, "null", 4) == 0) return NAN;
  return strtod(p, NULL);
}

static int json_has(const char *obj, const char *needle)
{
  const char *end, *p;
  if (obj == NULL) return 0;
  end = strchr(obj, '}');
  p = strstr(obj, needle);
  return p != NULL && (end == NULL || p < end);
}

static void compare_series(const char *text, const char *name, const double *x, long n,
                           long skip, double S)
{
  stats_gamma_t g;
  const char *obj = json_series(text, name);
  int ret = stats_gamma(x + skip, n - skip, S, &g);
  check_true(obj != NULL, "series %s present in --json output", name);
  check_int(ret, EMF_SUCCESS, "reference stats_gamma of %s", name);
  check_int((long)json_num(obj, "n_total"), n, "%s n_total", name);
  check_int((long)json_num(obj, "n"), n - skip, "%s n (skip %ld)", name, skip);
  check_rel(json_num(obj, "mean"), g.mean, 1e-14, 0.0, "%s mean (skip %ld, S %g)", name, skip, S);
  check_rel(json_num(obj, "error"), g.error, 1e-14, 0.0, "%s error", name);
  check_rel(json_num(obj, "error_of_error"), g.error_of_error, 1e-14, 0.0, "%s error_of_error",
            name);
  check_rel(json_num(obj, "tau_int"), g.tau_int, 1e-14, 0.0, "%s tau_int", name);
  check_rel(json_num(obj, "dtau_int"), g.dtau_int, 1e-14, 0.0, "%s dtau_int", name);
  check_rel(json_num(obj, "variance"), g.var, 1e-14, 0.0, "%s variance", name);
  check_int((long)json_num(obj, "window"), g.window, "%s window", name);
  check_true(json_has(obj, "\"flags\": []"), "%s has no flags", name);
}

/* ------------------------------------------------------------- the files */

static void write_config(io_file_t *f, int D, const int *L, int N, const char *gen, long number,
                         uint64_t seed)
{
  char msg[1024];
  int grid[4] = {1, 1, 1, 1}, st;
  io_config_info_t in;
  geom_t *g = geom_alloc(MPI_COMM_WORLD, D, L, grid, 1, msg, sizeof msg);
  gauge_t *a;
  ERROR(g == NULL, EMF_EXIT_INTERNAL, "%s", msg);
  a = gauge_alloc(g, N);
  ERROR(a == NULL, EMF_EXIT_INTERNAL, "gauge_alloc");
  gauge_set_hot(a, seed);
  memset(&in, 0, sizeof in);
  in.beta = 2.0;
  in.seed = seed;
  snprintf(in.generator, sizeof in.generator, "%s", gen);
  in.number = number;
  in.plaquette = gauge_plaquette_all(a);
  st = io_write_config(f, a, &in, msg, sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
  gauge_free(a);
  geom_free(g);
}

static void append(io_file_t *f, const char *name, const char *desc, const double *x, long n)
{
  char msg[1024];
  int st = io_append_series(f, name, desc, x, n, msg, sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
}

static void copy_file(const char *from, const char *to)
{
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  char buf[65536];
  size_t n;
  ERROR_LOC(in == NULL || out == NULL, EMF_EXIT_INTERNAL, "cannot copy %s to %s", from, to);
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
  fclose(in);
  fclose(out);
}

/* Adds 1e-3 to the first double of /configs/hmc/000001/links, a 2-D SU(2)
 * field [4, 4, 2, 2, 2, 2] (serial HDF5). */
static int damage(const char *path)
{
  hid_t fid = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), d, fs, ms;
  hsize_t start[6] = {0}, count[6] = {1, 1, 1, 1, 1, 1}, one = 1;
  double v;
  int ok = 0;
  if (fid < 0) return 0;
  d = H5Dopen2(fid, "configs/hmc/000001/links", H5P_DEFAULT);
  if (d >= 0) {
    fs = H5Dget_space(d);
    ms = H5Screate_simple(1, &one, NULL);
    if (H5Sget_simple_extent_ndims(fs) == 6 &&
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
        H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &v) >= 0) {
      v += 1e-3;
      ok = H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &v) >= 0;
    }
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
  }
  H5Fclose(fid);
  return ok;
}

/* Adds a 2 x 2 dataset /observables/matrix (not a series) (serial HDF5). */
static int add_matrix(const char *path)
{
  hid_t fid = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), sp, d;
  hsize_t dims[2] = {2, 2};
  const double v[4] = {1, 2, 3, 4};
  int ok = 0;
  if (fid < 0) return 0;
  sp = H5Screate_simple(2, dims, NULL);
  d = H5Dcreate2(fid, "observables/matrix", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                 H5P_DEFAULT);
  if (d >= 0) {
    ok = H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
    H5Dclose(d);
  }
  H5Sclose(sp);
  H5Fclose(fid);
  return ok;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
  static double xa[N_AR1], xp[N_PLAQ], xc[100], xs[1];
  const int L2[2] = {4, 4}, L3[3] = {4, 2, 2};
  const char *root = getenv("EMF_ROOT");
  char msg[1024];
  io_file_t *f;
  int st, rc;

  MPI_Init(&argc, &argv);
  error_init(MPI_COMM_WORLD);
  util_hdf5_errors_off();
  snprintf(prog, sizeof prog, "%s/bin/emflow-analyze", root ? root : ".");
  mkdir("build", 0755);
  mkdir("build/tmp", 0755);
  mkdir(DIR, 0755);

  ar1(11, 0.8, xa, N_AR1);
  ar1(12, 0.5, xp, N_PLAQ);
  for (long i = 0; i < N_PLAQ; i++) xp[i] = 0.6 + 0.01 * xp[i];
  for (long i = 0; i < 100; i++) xc[i] = 1.0;
  xs[0] = 0.25;

  st = io_file_create(&f, DIR "/ens.h5", MPI_COMM_WORLD, "test_analyze", IO_DEFAULT, msg,
                      sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
  append(f, "ar1", "AR(1), a = 0.8", xa, 7000); /* in two pieces */
  append(f, "ar1", "AR(1), a = 0.8", xa + 7000, N_AR1 - 7000);
  append(f, "hmc/plaquette", "plaquette \"test\" series", xp, N_PLAQ);
  append(f, "const", "constant", xc, 100);
  append(f, "short", "one value", xs, 1);
  write_config(f, 2, L2, 2, "hmc", 0, 101);
  write_config(f, 2, L2, 2, "hmc", 1, 102);
  write_config(f, 3, L3, 3, "flow", 7, 103);
  st = io_file_commit(f, msg, sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
  copy_file(DIR "/ens.h5", DIR "/bad.h5");
  check_true(damage(DIR "/bad.h5"), "damaged one link of bad.h5");
  copy_file(DIR "/ens.h5", DIR "/odd.h5");
  check_true(add_matrix(DIR "/odd.h5"), "added a 2-D dataset to odd.h5");
  {
    FILE *fp = fopen(DIR "/notes.h5", "w");
    if (fp != NULL) {
      fputs("this is not an HDF5 file\n", fp);
      fclose(fp);
    }
  }

  /* --json against stats_gamma */
  rc = run("--json " DIR "/ens.h5");
  check_int(rc, 0, "--json exit code (stderr: %s)", err_text);
  compare_series(out_text, "ar1", xa, N_AR1, 0, STATS_S_DEFAULT);
  compare_series(out_text, "hmc/plaquette", xp, N_PLAQ, 0, STATS_S_DEFAULT);
  {
    const char *obj = json_series(out_text, "ar1");
    double tau = json_num(obj, "tau_int"), dtau = json_num(obj, "dtau_int");
    check_sigma(tau, 4.5, dtau, 3.0, "ar1 tau_int %.3f(%.3f) vs exact 4.5", tau, dtau);
    check_sigma(json_num(obj, "mean"), 0.0, json_num(obj, "error"), 3.0, "ar1 mean vs 0");
    obj = json_series(out_text, "const");
    check_true(json_has(obj, "\"flags\": [\"novar\"]"), "const flagged novar");
    check_rel(json_num(obj, "mean"), 1.0, 0.0, 0.0, "const mean exact");
    check_rel(json_num(obj, "error"), 0.0, 0.0, 0.0, "const error 0");
    obj = json_series(out_text, "short");
    check_true(json_has(obj, "\"flags\": [\"short\"]"), "short flagged short");
    check_true(isnan(json_num(obj, "mean")), "short: mean null");
    check_true(json_has(json_series(out_text, "hmc/plaquette"),
                        "\"description\": \"plaquette \\\"test\\\" series\""),
               "description with quotes escaped");
  }
  rc = run("--json --skip 1000 --S 2.5 --obs ar1 --obs=hmc/plaquette " DIR "/ens.h5");
  check_int(rc, 0, "--skip --S --obs exit code (stderr: %s)", err_text);
  compare_series(out_text, "ar1", xa, N_AR1, 1000, 2.5);
  compare_series(out_text, "hmc/plaquette", xp, N_PLAQ, 1000, 2.5);
  check_true(json_series(out_text, "const") == NULL, "--obs leaves out other series");

  /* a dataset under /observables that is not a series */
  rc = run("--json " DIR "/odd.h5");
  check_int(rc, 3, "file with an unreadable series exits 3");
  check_true(json_has(json_series(out_text, "matrix"), "\"flags\": [\"unreadable\"]"),
             "the 2-D dataset is flagged unreadable");
  check_true(strstr(err_text, "matrix") != NULL, "stderr names it: %s", err_text);
  check_true(strstr(out_text, "\n}\n") != NULL, "JSON still complete");
  compare_series(out_text, "ar1", xa, N_AR1, 0, STATS_S_DEFAULT);
  rc = run("--acf const " DIR "/ens.h5");
  check_int(rc, 4, "--acf of a constant series exits 4");

  /* text table */
  rc = run(DIR "/ens.h5");
  check_int(rc, 0, "text exit code");
  check_true(strstr(out_text, "hmc/plaquette") != NULL && strstr(out_text, "novar") != NULL,
             "text table lists the series and flags");

  /* --acf */
  rc = run("--acf ar1 --acf-max 30 " DIR "/ens.h5");
  check_int(rc, 0, "--acf exit code (stderr: %s)", err_text);
  {
    double rho[31];
    int rows = 0;
    const char *p = out_text;
    stats_autocorr(xa, N_AR1, rho, 30);
    while (p != NULL && *p != '\0') {
      long t;
      double r;
      if (*p != '#' && sscanf(p, "%ld %lf", &t, &r) == 2 && t >= 0 && t <= 30) {
        check_abs(r, rho[t], 1e-9, "acf rho(%ld)", t);
        check_int(t, rows, "acf row %d", rows);
        rows++;
      }
      p = strchr(p, '\n');
      if (p != NULL) p++;
    }
    check_int(rows, 31, "acf rows (t = 0..30)");
  }

  rc = run("--json --obs const --acf ar1 --acf-max 5 " DIR "/ens.h5");
  check_int(rc, 0, "--json --acf exit code");
  {
    double rho[6];
    const char *p = strstr(json_series(out_text, "ar1") ? json_series(out_text, "ar1") : "",
                           "\"acf\": [");
    stats_autocorr(xa, N_AR1, rho, 5);
    check_true(p != NULL, "--json --acf: ar1 reported with an acf array");
    for (int t = 0; p != NULL && t <= 5; t++) {
      char *end;
      p += t == 0 ? strlen("\"acf\": [") : 2;
      check_rel(strtod(p, &end), rho[t], 1e-14, 1e-15, "--json acf[%d]", t);
      p = end;
    }
    check_true(p != NULL && *p == ']', "--json acf has 6 entries");
  }

  /* --verify */
  rc = run("--verify " DIR "/ens.h5");
  check_int(rc, 0, "--verify of a good file exits 0 (stderr: %s)", err_text);
  check_true(strstr(out_text, "OK        flow/000007") != NULL &&
                 strstr(out_text, "OK        hmc/000000") != NULL &&
                 strstr(out_text, "OK        hmc/000001") != NULL,
             "--verify: three configurations OK");
  rc = run("--verify --json " DIR "/bad.h5");
  check_int(rc, 3, "--verify of a damaged file exits 3");
  check_true(strstr(out_text, "\"number\": 1, \"status\": \"BAD\"") != NULL,
             "damaged hmc/1 is BAD");
  check_true(strstr(out_text, "checksum") != NULL, "BAD message names the checksum");
  check_true(strstr(out_text, "\"number\": 0, \"status\": \"OK\"") != NULL &&
                 strstr(out_text, "\"number\": 7, \"status\": \"OK\"") != NULL,
             "the undamaged configurations are OK");
  check_true(strstr(out_text, "\"configs_bad\": 1") != NULL, "one bad configuration counted");

  /* bad input */
  rc = run(DIR "/missing.h5");
  check_int(rc, 3, "missing file exits 3");
  check_true(strstr(err_text, "missing.h5") != NULL, "message names the missing file: %s",
             err_text);
  rc = run(DIR "/notes.h5");
  check_int(rc, 3, "non-HDF5 file exits 3");
  check_true(strstr(err_text, "notes.h5") != NULL && strstr(err_text, "HDF5") != NULL,
             "message says not HDF5: %s", err_text);
  rc = run("--obs nope " DIR "/ens.h5");
  check_int(rc, 3, "unknown series exits 3");
  check_true(strstr(err_text, "no series 'nope'") != NULL, "message names the series: %s",
             err_text);
  rc = run("--acf nope " DIR "/ens.h5");
  check_int(rc, 3, "unknown --acf series exits 3");
  rc = run("--frobnicate " DIR "/ens.h5");
  check_int(rc, 1, "unknown option exits 1");
  check_true(strstr(err_text, "unknown option '--frobnicate'") != NULL,
             "message names the option: %s", err_text);
  rc = run("--skip abc " DIR "/ens.h5");
  check_int(rc, 1, "--skip abc exits 1");
  check_true(strstr(err_text, "--skip") != NULL && strstr(err_text, "abc") != NULL,
             "message names --skip: %s", err_text);
  rc = run("--S -1 " DIR "/ens.h5");
  check_int(rc, 1, "--S -1 exits 1");
  rc = run("--obs");
  check_int(rc, 1, "--obs without argument exits 1");
  rc = run("");
  check_int(rc, 1, "no FILE exits 1");
  check_true(strstr(err_text, "no FILE") != NULL, "message says no FILE: %s", err_text);
  rc = run("--help");
  check_int(rc, 0, "--help exits 0");
  check_true(strstr(out_text, "usage: emflow-analyze") != NULL, "--help prints usage");
  rc = run("--version");
  check_int(rc, 0, "--version exits 0");
  check_true(strncmp(out_text, "emflow-analyze ", 15) == 0, "--version prints the name");

  st = check_finish("test_analyze");
  MPI_Finalize();
  return st;
}
