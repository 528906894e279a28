/*******************************************************************************
 * test_serial.c: the serial HDF5 files of src/io/serial.c (io_serial_*).
 *
 * Checks:
 *   round trip: datasets of rank 1 and 4 and attributes of every kind
 *   (int, long long, uint64 with the top bit set, one and three doubles,
 *   string) read back bit for bit; io_serial_has; no "<path>.tmp" is left
 *   after io_serial_commit;
 *   checked reads: a string read as an integer, a 64-bit value read as an
 *   int, a dataset of another shape, a missing dataset or attribute:
 *   EMF_EFORMAT with a message naming the file and the object; the status
 *   is sticky (later reads return it and leave their outputs untouched);
 *   writer errors: a duplicate attribute (EMF_EIO), a bad rank, no values,
 *   a write to a read-only file (EMF_EINVAL): io_serial_commit returns the
 *   first error, removes the temporary file and leaves the previous file at
 *   path unchanged; io_serial_close abandons a file being written; create
 *   in a missing directory and open of a missing file return NULL.
 ******************************************************************************/
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "io.h"
#include "testutil.h"
#include "check.h"

#define PATH "build/tmp/test_serial.h5"
#define TMP PATH ".tmp"

static const double vec[5] = {1.0, -2.5, 3.0e-300, 0.1, -0.0};

static void fill(double *x, size_t n, double scale)
{
  for (size_t i = 0; i < n; i++) x[i] = scale * (double)(i + 1) / 7.0;
}

/* the reference file at PATH */
static void write_reference(void)
{
  const size_t n5 = 5, d4[4] = {2, 3, 3, 2};
  const double c3[3] = {0.17, -0.65, 1.22}, beta = 9.0;
  double links[36];
  io_serial_t *s = io_serial_create(PATH);
  char msg[512];
  fill(links, 36, 1.0);
  check_true(s != NULL, "create");
  if (s == NULL) return;
  check_true(tu_file_exists(TMP) && !tu_file_exists(PATH), "writes to the temporary file");
  io_serial_write(s, "vec", vec, 1, &n5);
  io_serial_write(s, "links", links, 4, d4);
  io_serial_set_int(s, "N", 3);
  io_serial_set_long(s, "step", 123456789012LL);
  io_serial_set_u64(s, "hash", UINT64_C(0xfedcba9876543210));
  io_serial_set_doubles(s, "beta", &beta, 1);
  io_serial_set_doubles(s, "c", c3, 3);
  io_serial_set_string(s, "activation", "softplus");
  check_int(io_serial_status(s, msg, (int)sizeof msg), EMF_SUCCESS, "no error while writing");
  check_int(io_serial_commit(s, msg, (int)sizeof msg), EMF_SUCCESS, "commit (%s)", msg);
  check_true(tu_file_exists(PATH) && !tu_file_exists(TMP), "renamed, no .tmp left");
}

static void test_round_trip(void)
{
  const size_t n5 = 5, d4[4] = {2, 3, 3, 2};
  double v[5] = {0}, links[36] = {0}, ref[36], beta = 0, c3[3] = {0};
  const double c3ref[3] = {0.17, -0.65, 1.22};
  int N = 0;
  long long step = 0;
  uint64_t hash = 0;
  char act[16] = "", msg[512];
  io_serial_t *s = io_serial_open(PATH);
  fill(ref, 36, 1.0);
  check_true(s != NULL, "open");
  if (s == NULL) return;
  check_int(io_serial_read(s, "vec", v, 1, &n5), EMF_SUCCESS, "read vec");
  check_bits(v, vec, sizeof v, "vec bits");
  check_int(io_serial_read(s, "links", links, 4, d4), EMF_SUCCESS, "read links");
  check_bits(links, ref, sizeof ref, "links bits");
  check_int(io_serial_get_int(s, "N", &N), EMF_SUCCESS, "get N");
  check_int(N, 3, "N");
  check_int(io_serial_get_long(s, "step", &step), EMF_SUCCESS, "get step");
  check_true(step == 123456789012LL, "step %lld", step);
  check_int(io_serial_get_u64(s, "hash", &hash), EMF_SUCCESS, "get hash");
  check_true(hash == UINT64_C(0xfedcba9876543210), "hash %016llx", (unsigned long long)hash);
  check_int(io_serial_get_double(s, "beta", &beta), EMF_SUCCESS, "get beta");
  check_bits(&beta, &(double){9.0}, sizeof beta, "beta bits");
  check_int(io_serial_get_string(s, "activation", act, (int)sizeof act), EMF_SUCCESS,
            "get activation");
  check_true(strcmp(act, "softplus") == 0, "activation '%s'", act);
  check_true(io_serial_has(s, "c") && !io_serial_has(s, "nothing"), "io_serial_has");
  check_int(io_serial_status(s, msg, (int)sizeof msg), EMF_SUCCESS, "no error (%s)", msg);
  /* the 3-vector attribute is not a scalar: get_double refuses it */
  check_int(io_serial_get_double(s, "c", c3), EMF_EFORMAT, "array attribute read as scalar");
  check_true(c3[0] == 0.0 && c3ref[0] != 0.0, "output untouched after the error");
  io_serial_close(s);
  check_true(tu_file_exists(PATH), "close of a reader keeps the file");
}

static void test_checked_reads(void)
{
  const size_t n4 = 4, n5 = 5;
  double v[5] = {0};
  int N = 7;
  char msg[512], s8[4];
  io_serial_t *s;
  struct {
    const char *what;
    int status;
  } cases[5];
  int nc = 0;

  /* each case on a fresh reader: the first error */
  s = io_serial_open(PATH);
  cases[nc].what = "string as int";
  cases[nc++].status = io_serial_get_int(s, "activation", &N);
  io_serial_status(s, msg, (int)sizeof msg);
  check_true(strstr(msg, PATH) && strstr(msg, "activation"), "message names file and key: %s",
             msg);
  /* sticky: a good read after the error does nothing */
  check_int(io_serial_get_int(s, "N", &N), EMF_EFORMAT, "sticky status");
  check_int(N, 7, "output untouched while failed");
  io_serial_close(s);

  s = io_serial_open(PATH);
  cases[nc].what = "64-bit value as int";
  cases[nc++].status = io_serial_get_int(s, "step", &N);
  io_serial_close(s);
  s = io_serial_open(PATH);
  cases[nc].what = "dataset of another shape";
  cases[nc++].status = io_serial_read(s, "vec", v, 1, &n4);
  io_serial_close(s);
  s = io_serial_open(PATH);
  cases[nc].what = "missing dataset";
  cases[nc++].status = io_serial_read(s, "nothing", v, 1, &n5);
  io_serial_status(s, msg, (int)sizeof msg);
  check_true(strstr(msg, "nothing") != NULL, "message names the dataset: %s", msg);
  io_serial_close(s);
  s = io_serial_open(PATH);
  cases[nc].what = "string longer than the buffer";
  cases[nc++].status = io_serial_get_string(s, "activation", s8, (int)sizeof s8);
  io_serial_close(s);
  for (int i = 0; i < nc; i++) check_int(cases[i].status, EMF_EFORMAT, "%s", cases[i].what);
}

static void test_write_errors(void)
{
  const size_t n5 = 5;
  char msg[512];
  io_serial_t *s;
  double v[5] = {0};

  s = io_serial_create(PATH);
  io_serial_set_int(s, "N", 2);
  io_serial_set_int(s, "N", 3);
  check_int(io_serial_status(s, msg, (int)sizeof msg), EMF_EIO, "duplicate attribute");
  io_serial_write(s, "vec", vec, 1, &n5);
  check_int(io_serial_commit(s, msg, (int)sizeof msg), EMF_EIO, "commit reports it: %s", msg);
  check_true(!tu_file_exists(TMP), "temporary file removed");
  s = io_serial_open(PATH);
  check_true(s != NULL && io_serial_read(s, "vec", v, 1, &n5) == EMF_SUCCESS &&
                 memcmp(v, vec, sizeof v) == 0,
             "previous file unchanged");
  /* writes to a reader */
  io_serial_set_int(s, "M", 1);
  check_int(io_serial_status(s, NULL, 0), EMF_EINVAL, "write to a read-only file");
  io_serial_close(s);

  s = io_serial_create(PATH);
  io_serial_write(s, "x", vec, 0, &n5);
  check_int(io_serial_status(s, NULL, 0), EMF_EINVAL, "dataset rank 0");
  io_serial_close(s);
  s = io_serial_create(PATH);
  io_serial_write(s, "x", vec, IO_SERIAL_RANK_MAX + 1, &n5);
  check_int(io_serial_status(s, NULL, 0), EMF_EINVAL, "dataset rank too large");
  io_serial_close(s);
  s = io_serial_create(PATH);
  io_serial_set_doubles(s, "c", vec, 0);
  check_int(io_serial_status(s, NULL, 0), EMF_EINVAL, "attribute of no values");
  io_serial_close(s);
  check_true(!tu_file_exists(TMP), "io_serial_close abandons the temporary file");

  /* abandon a good file: path keeps the old content */
  s = io_serial_create(PATH);
  io_serial_write(s, "other", vec, 1, &n5);
  io_serial_close(s);
  s = io_serial_open(PATH);
  check_true(s != NULL && !io_serial_has(s, "M") &&
                 io_serial_read(s, "other", v, 1, &n5) == EMF_EFORMAT,
             "abandoned writer left path as it was");
  io_serial_close(s);

  check_true(io_serial_create("build/tmp/no/such/dir/x.h5") == NULL, "create in missing dir");
  check_true(io_serial_open("build/tmp/no_such_file.h5") == NULL, "open missing file");
}

int main(int argc, char **argv)
{
  int fails;
  MPI_Init(&argc, &argv);
  tu_mkdir_tmp();
  remove(PATH);
  remove(TMP);
  write_reference();
  test_round_trip();
  test_checked_reads();
  test_write_errors();
  remove(PATH);
  fails = check_finish("test_serial");
  MPI_Finalize();
  return fails;
}
