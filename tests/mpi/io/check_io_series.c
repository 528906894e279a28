/*******************************************************************************
 * check_io_series.c: observable series, configuration listing and the
 * temporary-file life cycle (create, commit, abort).
 *
 * NP: 1 2 3 4
 * TIMEOUT: 120
 *
 * Checked:
 * - series appended in pieces of 700, 900, 0 and 1 values (crossing the
 *   1024-value chunks) read back bit-identical on every rank, with their
 *   description; a series in a subgroup ("hmc/plaquette"); only rank 0's
 *   values count (other ranks pass different numbers); bad names and
 *   writes to read-only files are refused with EMF_EINVAL;
 * - io_list_configs returns numbers in ascending order (1, 5, 1000000);
 * - before io_file_commit only "<path>.tmp" exists; io_file_commit replaces
 *   an older file of the same name; io_file_abort removes the temporary
 *   file and leaves the older file intact (it still reads back);
 * - io_file_append continues a file (series extended, configuration
 *   added) on a temporary copy: aborted, the file is unchanged; committed,
 *   it holds old and new data; a missing file gives EMF_EIO;
 * - series string attributes: io_has_series; io_write_series_attr writes
 *   and replaces one (read back on every rank), refuses a missing series
 *   (EMF_EFORMAT), "description", a bad key and a read-only file
 *   (EMF_EINVAL); io_read_series_attr refuses a missing attribute and one
 *   longer than the buffer (EMF_EFORMAT); the description is unchanged;
 * - no HDF5 identifier is left open at the end.
 ******************************************************************************/
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "gauge.h"
#include "geom.h"
#include "io.h"
#include "testutil.h"
#include "util.h"

/* Exists on rank 0, broadcast. */
static int exists_all(const char *p)
{
  int rank, e = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) e = tu_file_exists(p);
  MPI_Bcast(&e, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return e;
}

/* Number of open HDF5 identifiers of the types io creates and closes. */
static long open_ids(void)
{
  static const H5I_type_t types[4] = {H5I_DATASPACE, H5I_DATATYPE, H5I_GENPROP_LST, H5I_ATTR};
  long total = 0;
  for (int i = 0; i < 4; i++) {
    hsize_t n = 0;
    H5Inmembers(types[i], &n);
    total += (long)n;
  }
  return total;
}

static double value(long i) { return 1.0 / (double)(i + 3) - 1e-3 * (double)i; }

int main(int argc, char **argv)
{
  const int L[2] = {12, 12}, pieces[4] = {700, 900, 0, 1};
  char path[256], tmp[300], msg[1024], desc[256];
  int np, rank, grid[2] = {0, 1}, st;
  io_file_t *f;
  io_config_info_t in;
  double *x;
  long n, total = 0, *nums, cnt;
  double one;

  MPI_Init(&argc, &argv);
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  error_init(MPI_COMM_WORLD);
  util_hdf5_errors_off();
  long ids0 = open_ids();
  if (rank == 0) tu_mkdir_tmp();
  snprintf(path, sizeof path, "build/tmp/check_io_series.np%d.h5", np);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (rank == 0) unlink(path);
  grid[0] = np;
  geom_t *g = geom_alloc(MPI_COMM_WORLD, 2, L, grid, 1, msg, sizeof msg);
  ERROR(g == NULL, EMF_EXIT_INTERNAL, "%s", msg);
  gauge_t *a = gauge_alloc(g, 2);
  gauge_set_hot(a, 5);
  memset(&in, 0, sizeof in);
  snprintf(in.generator, sizeof in.generator, "flow");
  in.plaquette = gauge_plaquette_all(a);

  /* first file: series and three configurations */
  st = io_file_create(&f, path, g->comm, "check_io_series", IO_DEFAULT, msg, sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
  check_true(exists_all(tmp) && !exists_all(path), "only the temporary file before commit");
  for (int p = 0; p < 4; p++) {
    double *v = malloc(((size_t)pieces[p] + 1) * sizeof *v);
    for (long i = 0; i < pieces[p]; i++) v[i] = rank == 0 ? value(total + i) : -1.0;
    st = io_append_series(f, "plaquette", "mean plaquette per trajectory", v,
                          rank == 0 ? pieces[p] : 3, msg, sizeof msg);
    check_int(st, EMF_SUCCESS, "append %d values: %s", pieces[p], msg);
    st = io_append_series(f, "hmc/plaquette", "in a subgroup", v, pieces[p], msg, sizeof msg);
    check_int(st, EMF_SUCCESS, "append to subgroup series: %s", msg);
    total += pieces[p];
    free(v);
  }
  st = io_append_series(f, "bad name", "x", NULL, 0, msg, sizeof msg);
  check_int(st, EMF_EINVAL, "name with a blank refused");
  st = io_append_series(f, "../up", "x", NULL, 0, msg, sizeof msg);
  check_int(st, EMF_EINVAL, "name with .. refused");
  for (int i = 0; i < 3; i++) {
    static const long numbers[3] = {5, 1000000, 1};
    in.number = numbers[i];
    st = io_write_config(f, a, &in, msg, sizeof msg);
    check_int(st, EMF_SUCCESS, "write config %ld: %s", numbers[i], msg);
  }
  st = io_file_flush(f, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "flush: %s", msg);
  st = io_file_commit(f, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "commit: %s", msg);
  check_true(exists_all(path) && !exists_all(tmp), "final file only after commit");

  st = io_file_open(&f, path, g->comm, IO_DEFAULT, msg, sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
  st = io_read_series(f, "plaquette", &x, &n, desc, sizeof desc, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "read series: %s", msg);
  check_int(n, total, "series length");
  if (st == EMF_SUCCESS && n == total) {
    int same = 1;
    for (long i = 0; i < n; i++) {
      double v = value(i);
      same &= memcmp(&x[i], &v, sizeof v) == 0;
    }
    check_true(same, "series values bit-identical (rank 0's values) on rank %d", rank);
    check_true(strcmp(desc, "mean plaquette per trajectory") == 0, "description '%s'", desc);
  }
  free(x);
  st = io_read_series(f, "hmc/plaquette", &x, &n, NULL, 0, msg, sizeof msg);
  check_int(st == EMF_SUCCESS && n == total, 1, "subgroup series: %s", msg);
  free(x);
  st = io_append_series(f, "plaquette", "x", x, 0, msg, sizeof msg);
  check_int(st, EMF_EINVAL, "append to a read-only file refused");
  st = io_write_config(f, a, &in, msg, sizeof msg);
  check_int(st, EMF_EINVAL, "write to a read-only file refused");
  st = io_list_configs(f, "flow", &nums, &cnt, msg, sizeof msg);
  check_int(st == EMF_SUCCESS && cnt == 3, 1, "three configurations listed");
  if (cnt == 3) check_int(nums[0] == 1 && nums[1] == 5 && nums[2] == 1000000, 1, "ascending");
  free(nums);
  st = io_read_config(f, "flow", 1000000, a, NULL, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "read 7-digit number: %s", msg);
  io_file_close(f);

  one = (double)total;
  /* second file under the same name, aborted: the first one survives */
  st = io_file_create(&f, path, g->comm, "check_io_series", IO_DEFAULT, msg, sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
  st = io_append_series(f, "other", "x", &one, 1, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "append: %s", msg);
  io_file_abort(f);
  check_true(exists_all(path) && !exists_all(tmp), "abort removes the temporary file only");
  st = io_file_open(&f, path, g->comm, IO_DEFAULT, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "old file intact after abort: %s", msg);
  if (st == EMF_SUCCESS) {
    st = io_read_series(f, "plaquette", &x, &n, NULL, 0, msg, sizeof msg);
    check_int(st == EMF_SUCCESS && n == total, 1, "old series intact");
    free(x);
    st = io_read_series(f, "other", &x, &n, NULL, 0, msg, sizeof msg);
    check_int(st, EMF_EFORMAT, "aborted series absent");
    io_file_close(f);
  }

  /* third file, committed: replaces the first */
  st = io_file_create(&f, path, g->comm, "check_io_series", IO_DEFAULT, msg, sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
  st = io_append_series(f, "other", "x", &one, 1, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "append: %s", msg);
  st = io_file_commit(f, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "commit over an older file: %s", msg);
  st = io_file_open(&f, path, g->comm, IO_DEFAULT, msg, sizeof msg);
  if (st == EMF_SUCCESS) {
    st = io_read_series(f, "other", &x, &n, NULL, 0, msg, sizeof msg);
    check_int(st == EMF_SUCCESS && n == 1 && x[0] == (double)total, 1, "new file replaced old");
    free(x);
    st = io_read_series(f, "plaquette", &x, &n, NULL, 0, msg, sizeof msg);
    check_int(st, EMF_EFORMAT, "old series gone");
    io_file_close(f);
  }
  /* io_file_append: aborted (file unchanged), then committed */
  for (int commit = 0; commit < 2; commit++) {
    double two[2] = {7.0, 8.0};
    st = io_file_append(&f, path, g->comm, IO_DEFAULT, msg, sizeof msg);
    check_int(st, EMF_SUCCESS, "append-open: %s", msg);
    if (st != EMF_SUCCESS) break;
    check_true(exists_all(tmp), "append works on a temporary copy");
    st = io_append_series(f, "other", "x", two, 2, msg, sizeof msg);
    check_int(st, EMF_SUCCESS, "append to an existing series: %s", msg);
    in.number = 2;
    st = io_write_config(f, a, &in, msg, sizeof msg);
    check_int(st, EMF_SUCCESS, "add a configuration: %s", msg);
    if (commit) {
      st = io_file_commit(f, msg, sizeof msg);
      check_int(st, EMF_SUCCESS, "commit appended file: %s", msg);
    } else {
      io_file_abort(f);
    }
    check_true(exists_all(path) && !exists_all(tmp), "no temporary file left");
    st = io_file_open(&f, path, g->comm, IO_DEFAULT, msg, sizeof msg);
    ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
    st = io_read_series(f, "other", &x, &n, NULL, 0, msg, sizeof msg);
    check_int(st == EMF_SUCCESS && n == (commit ? 3 : 1), 1, "series length after %s",
              commit ? "commit" : "abort");
    if (commit && n == 3) check_true(x[0] == one && x[1] == 7.0 && x[2] == 8.0, "values");
    free(x);
    st = io_read_config(f, "flow", 2, a, NULL, msg, sizeof msg);
    check_int(st, commit ? EMF_SUCCESS : EMF_EFORMAT, "added configuration %s",
              commit ? "present" : "absent");
    io_file_close(f);
  }
  /* string attributes of a series */
  st = io_file_append(&f, path, g->comm, IO_DEFAULT, msg, sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
  st = io_append_series(f, "hmc/flow", "in a subgroup", &one, 1, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "append: %s", msg);
  check_true(io_has_series(f, "other") && io_has_series(f, "hmc/flow") &&
                 !io_has_series(f, "plaquette") &&
                 !io_has_series(f, "nothing") && !io_has_series(f, "bad name"),
             "io_has_series");
  st = io_write_series_attr(f, "other", "sampler", "model 1", msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "series attribute written: %s", msg);
  st = io_write_series_attr(f, "other", "sampler", "model 2, longer", msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "series attribute replaced: %s", msg);
  st = io_write_series_attr(f, "nothing", "sampler", "x", msg, sizeof msg);
  check_int(st, EMF_EFORMAT, "attribute of a missing series refused");
  st = io_write_series_attr(f, "other", "description", "x", msg, sizeof msg);
  check_int(st, EMF_EINVAL, "description not replaceable");
  st = io_write_series_attr(f, "other", "bad key", "x", msg, sizeof msg);
  check_int(st, EMF_EINVAL, "bad attribute name refused");
  st = io_file_commit(f, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "commit with attributes: %s", msg);
  st = io_file_open(&f, path, g->comm, IO_DEFAULT, msg, sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
  st = io_read_series_attr(f, "other", "sampler", desc, sizeof desc, msg, sizeof msg);
  check_true(st == EMF_SUCCESS && strcmp(desc, "model 2, longer") == 0,
             "series attribute read back on every rank: '%s'", desc);
  st = io_read_series_attr(f, "other", "sampler", desc, 8, msg, sizeof msg);
  check_int(st, EMF_EFORMAT, "too long for the buffer");
  st = io_read_series_attr(f, "other", "missing", desc, sizeof desc, msg, sizeof msg);
  check_int(st, EMF_EFORMAT, "missing attribute: %s", msg);
  st = io_write_series_attr(f, "other", "k", "v", msg, sizeof msg);
  check_int(st, EMF_EINVAL, "no attribute written to a read-only file");
  st = io_read_series(f, "other", &x, &n, desc, sizeof desc, msg, sizeof msg);
  check_true(st == EMF_SUCCESS && n == 3 && strcmp(desc, "x") == 0,
             "series and description unchanged");
  free(x);
  io_file_close(f);

  st = io_file_append(&f, "build/tmp/no-such-file.h5", g->comm, IO_DEFAULT, msg, sizeof msg);
  check_int(st, EMF_EIO, "append to a missing file: %s", msg);

  if (rank == 0) unlink(path);
  gauge_free(a);
  geom_free(g);
  check_int(open_ids(), ids0, "no dataspaces, datatypes, property lists, attributes leaked");
  check_int((long)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0,
            "no HDF5 files, groups, datasets or attributes left open");
  int nf = check_finish_mpi("check_io_series", MPI_COMM_WORLD);
  MPI_Finalize();
  return nf;
}
