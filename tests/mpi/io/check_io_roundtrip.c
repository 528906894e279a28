/*******************************************************************************
 * check_io_roundtrip.c: configurations written on one process grid and rank
 * count read back bit for bit on every other.
 *
 * NP: 1 2 3 4
 * TIMEOUT: 120
 *
 * For each lattice case and each writer count k = 1..np, the first k ranks
 * write two configurations (generators "hmc" and "flow") on the last grid
 * of the list below; then for each reader count j = 1..np the first j ranks
 * read them back on every process grid of j ranks that divides the
 * lattice.  Checked: the owned links are bit-identical (memcmp) to the
 * field the writer had (a grid-independent function of the global link
 * index, with -0.0, subnormals and full 53-bit mantissas among the
 * values); the metadata (plaquette and checksum bits, beta, seed, number,
 * generator, extents, writer grid, version) read back equals what was
 * written; io_checksum_all of the field is the same on every grid;
 * io_list_configs finds the numbers.  The file is committed by rename: no
 * .tmp is left and the final name exists only after io_file_commit.
 ******************************************************************************/
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "gauge.h"
#include "geom.h"
#include "io.h"
#include "util.h"

typedef struct {
  int D, N, L[EMF_DMAX];
} lcase_t;

static uint64_t mix64(uint64_t z)
{
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Value number t of link (gs, mu): a function of global indices only. */
static double test_value(uint64_t seed, long gs, int mu, int t)
{
  uint64_t h = mix64(seed ^ mix64(((uint64_t)gs * 8 + (uint64_t)mu) * 1024 + (uint64_t)t));
  uint64_t bits;
  double x;
  if (h % 13 == 0) return -0.0;
  if (h % 17 == 0) {
    bits = (h >> 12) | ((h & 1) << 63);  /* subnormal */
  } else {
    bits = (h >> 12) | ((uint64_t)(1000 + (h % 23)) << 52) | ((h & 2) << 62);
  }
  memcpy(&x, &bits, sizeof x);
  return x;
}

static void fill(gauge_t *a, uint64_t seed)
{
  const geom_t *g = a->g;
  for (long is = 0; is < g->n_ext; is++)
    for (int mu = 0; mu < g->D; mu++) {
      double *v = (double *)gauge_link(a, is, mu);
      for (int t = 0; t < 2 * a->nn; t++) v[t] = test_value(seed, g->gsite[is], mu, t);
    }
}

/* memcmp of the owned links of a and b (same geometry). */
static int owned_equal(const gauge_t *a, const gauge_t *b)
{
  const geom_t *g = a->g;
  for (long k = 0; k < g->n_owned; k++)
    if (memcmp(gauge_link(a, g->owned[k], 0), gauge_link(b, g->owned[k], 0),
               (size_t)g->D * a->nn * sizeof(cplx_t)) != 0)
      return 0;
  return 1;
}

/* All grids of np ranks dividing L: returns their number, grids in out. */
static int all_grids(int D, const int *L, int np, int out[][EMF_DMAX], int max)
{
  int n = 0, gr[EMF_DMAX];
  long total = 1;
  for (int mu = 0; mu < D; mu++) total *= np;
  for (long c = 0; c < total && n < max; c++) {
    long r = c, prod = 1;
    int ok = 1;
    for (int mu = 0; mu < D; mu++) {
      gr[mu] = (int)(r % np) + 1;
      r /= np;
      prod *= gr[mu];
      ok &= L[mu] % gr[mu] == 0;
    }
    if (ok && prod == np) memcpy(out[n++], gr, sizeof gr);
  }
  return n;
}

static MPI_Comm first_ranks(int k)
{
  int rank;
  MPI_Comm c;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_split(MPI_COMM_WORLD, rank < k ? 0 : MPI_UNDEFINED, rank, &c);
  return c;
}

static int file_exists(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0;
}

static void write_file(const char *path, const lcase_t *c, int k, io_config_info_t *out)
{
  char msg[512], tmp[600];
  MPI_Comm comm = first_ranks(k);
  int grids[64][EMF_DMAX], ng, st;
  io_file_t *f;
  if (comm == MPI_COMM_NULL) return;
  ng = all_grids(c->D, c->L, k, grids, 64);
  ERROR_LOC(ng == 0, EMF_EXIT_INTERNAL, "no grid of %d ranks", k);
  geom_t *g = geom_alloc(comm, c->D, c->L, grids[ng - 1], 1, msg, sizeof msg);
  ERROR_LOC(g == NULL, EMF_EXIT_INTERNAL, "%s", msg);
  gauge_t *a = gauge_alloc(g, c->N);
  st = io_file_create(&f, path, g->comm, "check_io_roundtrip", IO_DEFAULT, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "create %s: %s", path, st ? msg : "");
  if (st == EMF_SUCCESS) {
    const char *gens[2] = {"hmc", "flow"};
    for (int i = 0; i < 2; i++) {
      io_config_info_t *in = &out[i];
      memset(in, 0, sizeof *in);
      fill(a, 1000 + 17 * (uint64_t)i);
      in->beta = 2.25 + i;
      in->seed = 0xfedcba9876543210ULL + (uint64_t)i;
      snprintf(in->generator, sizeof in->generator, "%s", gens[i]);
      in->number = 10 * k + i;
      in->plaquette = gauge_plaquette_all(a);
      st = io_write_config(f, a, in, msg, sizeof msg);
      check_int(st, EMF_SUCCESS, "write %s/%ld (k=%d): %s", gens[i], in->number, k,
                st ? msg : "");
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (g->rank == 0) {
      check_true(file_exists(tmp), "temporary file exists while writing");
      check_true(!file_exists(path), "final name absent before commit");
    }
    MPI_Barrier(g->comm);
    st = io_file_commit(f, msg, sizeof msg);
    check_int(st, EMF_SUCCESS, "commit: %s", st ? msg : "");
    if (g->rank == 0) {
      check_true(!file_exists(tmp), "no temporary file after commit");
      check_true(file_exists(path), "final file after commit");
    }
  }
  gauge_free(a);
  geom_free(g);
  MPI_Comm_free(&comm);
}

static void read_file(const char *path, const lcase_t *c, int k, int j,
                      const io_config_info_t *w)
{
  char msg[512];
  int grids[64][EMF_DMAX], ng, st;
  MPI_Comm comm = first_ranks(j);
  io_file_t *f;
  if (comm == MPI_COMM_NULL) return;
  ng = all_grids(c->D, c->L, j, grids, 64);
  for (int ig = 0; ig < ng; ig++) {
    geom_t *g = geom_alloc(comm, c->D, c->L, grids[ig], 1, msg, sizeof msg);
    ERROR_LOC(g == NULL, EMF_EXIT_INTERNAL, "%s", msg);
    gauge_t *a = gauge_alloc(g, c->N), *ref = gauge_alloc(g, c->N);
    st = io_file_open(&f, path, g->comm, IO_DEFAULT, msg, sizeof msg);
    check_int(st, EMF_SUCCESS, "open: %s", st ? msg : "");
    for (int i = 0; st == EMF_SUCCESS && i < 2; i++) {
      io_config_info_t in;
      int s2 = io_read_config(f, w[i].generator, w[i].number, a, &in, msg, sizeof msg);
      check_int(s2, EMF_SUCCESS, "read D=%d k=%d j=%d grid %d: %s", c->D, k, j, ig,
                s2 ? msg : "");
      if (s2 != EMF_SUCCESS) continue;
      fill(ref, 1000 + 17 * (uint64_t)i);
      check_true(owned_equal(a, ref), "links bit-identical D=%d N=%d k=%d j=%d grid %d %s",
                 c->D, c->N, k, j, ig, w[i].generator);
      check_int(io_checksum_all(ref) == w[i].checksum, 1, "checksum grid-independent");
      check_bits(&in.plaquette, &w[i].plaquette, sizeof(double), "plaquette bits");
      check_bits(&in.beta, &w[i].beta, sizeof(double), "beta bits");
      check_int(in.checksum == w[i].checksum && in.seed == w[i].seed, 1, "checksum, seed");
      check_int(in.number, w[i].number, "number");
      check_true(strcmp(in.generator, w[i].generator) == 0, "generator");
      check_true(strcmp(in.version, w[i].version) == 0 && in.version[0] != '\0', "version");
      check_int(in.n == c->N && in.d == c->D, 1, "N, D");
      for (int mu = 0; mu < c->D; mu++)
        check_int(in.extent[mu] == c->L[mu] && in.grid[mu] == w[i].grid[mu], 1,
                  "extent, writer grid");
    }
    if (st == EMF_SUCCESS) {
      long *nums, cnt;
      int s3 = io_list_configs(f, "hmc", &nums, &cnt, msg, sizeof msg);
      check_int(s3 == EMF_SUCCESS && cnt == 1 && nums[0] == w[0].number, 1, "list hmc");
      free(nums);
      s3 = io_list_configs(f, "exact", &nums, &cnt, msg, sizeof msg);
      check_int(s3 == EMF_SUCCESS && cnt == 0 && nums == NULL, 1, "list missing generator");
      io_file_close(f);
    }
    gauge_free(ref);
    gauge_free(a);
    geom_free(g);
  }
  MPI_Comm_free(&comm);
}

int main(int argc, char **argv)
{
  static const lcase_t cases[] = {
      {2, 3, {12, 12, 0, 0}}, {3, 2, {4, 6, 4, 0}}, {4, 3, {4, 2, 2, 6}}};
  char path[256];
  int np, rank;
  MPI_Init(&argc, &argv);
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  error_init(MPI_COMM_WORLD);
  util_hdf5_errors_off();
  if (rank == 0) {
    mkdir("build", 0755);
    mkdir("build/tmp", 0755);
  }
  snprintf(path, sizeof path, "build/tmp/check_io_roundtrip.np%d.h5", np);
  for (size_t ic = 0; ic < sizeof cases / sizeof cases[0]; ic++) {
    for (int k = 1; k <= np; k++) {
      io_config_info_t w[2];
      if (rank == 0) unlink(path);
      MPI_Barrier(MPI_COMM_WORLD);
      write_file(path, &cases[ic], k, w);
      MPI_Bcast(w, (int)sizeof w, MPI_BYTE, 0, MPI_COMM_WORLD);
      for (int j = 1; j <= np; j++) {
        MPI_Barrier(MPI_COMM_WORLD);
        read_file(path, &cases[ic], k, j, w);
      }
      MPI_Barrier(MPI_COMM_WORLD);
    }
  }
  if (rank == 0) unlink(path);
  check_int((long)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0,
            "no HDF5 files, groups, datasets or attributes left open");
  int fails = check_finish_mpi("check_io_roundtrip", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails;
}
