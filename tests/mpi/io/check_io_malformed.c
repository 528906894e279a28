/*******************************************************************************
 * check_io_malformed.c: damaged or mismatched files give a clear error
 * code and message, never a crash or a hang.
 *
 * NP: 1 2 3 4
 * TIMEOUT: 120
 *
 * A valid file is written; then, for each case, rank 0 makes a damaged
 * copy (serial HDF5 or plain byte edits) and all ranks open it and read
 * the configuration.  Each case states the expected status (EMF_EIO or
 * EMF_EFORMAT) and a word the message must contain; every message must
 * also name the file.  Cases: missing file, garbage, empty and truncated
 * files, missing or wrong file format attributes, missing configuration,
 * missing 'links', wrong shape, integer or single-precision links, missing
 * or mistyped attributes, N / D / extents differing from the run, a
 * changed plaquette, a changed checksum, one flipped data byte, series
 * missing or of the wrong rank, appending (io_file_append) to a series
 * that is not extendible; and a file without the optional attributes
 * grid and gitrev, which must still read.  Also: the valid file reads back, a gauge
 * field of another N is refused, reading into a field without halo is
 * refused (EMF_EINVAL), and writing a configuration twice is refused
 * (EMF_EINVAL).
 ******************************************************************************/
#include <fcntl.h>
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

#define CFG "configs/hmc/000001"
#define GOOD "build/tmp/check_io_malformed.good.np%d.h5"
#define BAD "build/tmp/check_io_malformed.bad.np%d.h5"

static void copy_file(const char *src, const char *dst, long maxbytes)
{
  char buf[65536];
  long done = 0;
  FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
  size_t n;
  ERROR_LOC(in == NULL || out == NULL, EMF_EXIT_INTERNAL, "cannot copy %s", src);
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
    if (maxbytes >= 0 && done + (long)n > maxbytes) n = (size_t)(maxbytes - done);
    fwrite(buf, 1, n, out);
    done += (long)n;
    if (maxbytes >= 0 && done >= maxbytes) break;
  }
  fclose(in);
  fclose(out);
}

static long file_size(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static void set_attr(hid_t obj, const char *name, hid_t type, int n, const void *v)
{
  hsize_t d = (hsize_t)n;
  hid_t sp = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &d, NULL);
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, type, v);
  H5Aclose(a);
  H5Sclose(sp);
}

static void set_string(hid_t obj, const char *name, const char *s)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, strlen(s) + 1);
  set_attr(obj, name, t, 1, s);
  H5Tclose(t);
}

/* Replace links by a dataset of type t and shape dims[r]. */
static void replace_links(hid_t grp, hid_t t, int r, const hsize_t *dims)
{
  hid_t sp = H5Screate_simple(r, dims, NULL);
  H5Ldelete(grp, "links", H5P_DEFAULT);
  hid_t d = H5Dcreate2(grp, "links", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(d);
  H5Sclose(sp);
}

/* Damage number k applied to bad, a copy of good (rank 0 only). */
static void damage(int k, const char *good, const char *bad)
{
  static const hsize_t shape[6] = {12, 12, 2, 2, 2, 2}, wrong[6] = {12, 12, 2, 2, 2, 1};
  long size = file_size(good);
  if (k == 0) {
    unlink(bad);
    return;
  }
  if (k == 1 || k == 2) {
    FILE *o = fopen(bad, "wb");
    if (k == 1) fputs("this is not an HDF5 file\n", o);
    fclose(o);
    return;
  }
  copy_file(good, bad, k == 3 ? size / 2 : -1);
  if (k == 3) return;
  hid_t f = H5Fopen(bad, H5F_ACC_RDWR, H5P_DEFAULT), g = H5Gopen2(f, CFG, H5P_DEFAULT);
  int i2[2] = {12, 6}, i3[3] = {12, 12, 1}, v;
  double x;
  unsigned long long u;
  switch (k) {
  case 4: H5Adelete(f, "format"); break;
  case 5: v = 99; set_attr(f, "format_version", H5T_NATIVE_INT, 1, &v); break;
  case 6: H5Ldelete(f, CFG, H5P_DEFAULT); break;
  case 7: H5Ldelete(g, "links", H5P_DEFAULT); break;
  case 8: replace_links(g, H5T_IEEE_F64LE, 6, wrong); break;
  case 9: replace_links(g, H5T_STD_I32LE, 6, shape); break;
  case 10: replace_links(g, H5T_IEEE_F32LE, 6, shape); break;
  case 11: replace_links(g, H5T_IEEE_F64LE, 5, shape); break;
  case 12: H5Adelete(g, "N"); break;
  case 13: set_string(g, "N", "2"); break;
  case 14: v = 3; set_attr(g, "N", H5T_NATIVE_INT, 1, &v); break;
  case 15: v = 3; set_attr(g, "D", H5T_NATIVE_INT, 1, &v); break;
  case 16: set_attr(g, "extents", H5T_NATIVE_INT, 2, i2); break;
  case 17: set_attr(g, "extents", H5T_NATIVE_INT, 3, i3); break;
  case 18: {
      hid_t a = H5Aopen(g, "plaquette", H5P_DEFAULT);
      H5Aread(a, H5T_NATIVE_DOUBLE, &x);
      H5Aclose(a);
      x *= 1.0 + 1e-9;
      set_attr(g, "plaquette", H5T_NATIVE_DOUBLE, 1, &x);
    }
    break;
  case 19: {
    hid_t a = H5Aopen(g, "checksum", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_ULLONG, &u);
    H5Aclose(a);
    u ^= 1;
    set_attr(g, "checksum", H5T_NATIVE_ULLONG, 1, &u);
  } break;
  case 20: {
    hid_t d = H5Dopen2(g, "links", H5P_DEFAULT);
    haddr_t off = H5Dget_offset(d);
    H5Dclose(d);
    H5Gclose(g);
    H5Fclose(f);
    int fd = open(bad, O_RDWR);
    unsigned char c;
    ERROR_LOC(fd < 0 || off == HADDR_UNDEF, EMF_EXIT_INTERNAL, "cannot flip a byte");
    if (pread(fd, &c, 1, (off_t)off + 1001) == 1) {
      c ^= 0x10;
      ERROR_LOC(pwrite(fd, &c, 1, (off_t)off + 1001) != 1, EMF_EXIT_INTERNAL, "pwrite");
    }
    close(fd);
    return;
  }
  case 21: H5Adelete(g, "plaquette"); break;
  case 25:
    H5Adelete(g, "grid");
    H5Adelete(g, "gitrev");
    break;
  case 22: H5Ldelete(f, "observables/plaq", H5P_DEFAULT); break;
  case 26: /* as h5py writes str attributes: variable-length UTF-8 */
  case 27: { /* fixed length without a terminating NUL (NULLPAD) */
    const char *fmt = "emflow-ensemble", *pf = fmt;
    hid_t t = H5Tcopy(H5T_C_S1);
    if (k == 26) {
      H5Tset_size(t, H5T_VARIABLE);
      H5Tset_cset(t, H5T_CSET_UTF8);
      set_attr(f, "format", t, 1, &pf);
    } else {
      H5Tset_size(t, strlen(fmt));
      H5Tset_strpad(t, H5T_STR_NULLPAD);
      set_attr(f, "format", t, 1, fmt);
    }
    H5Tclose(t);
  } break;
  case 23:
  case 24: {
    hsize_t d2[2] = {3, 2};
    hid_t sp = H5Screate_simple(k == 23 ? 2 : 1, d2, NULL);
    H5Ldelete(f, "observables/plaq", H5P_DEFAULT);
    hid_t d = H5Dcreate2(f, "observables/plaq", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(sp);
  } break;
  default: break;
  }
  H5Gclose(g);
  H5Fclose(f);
}

typedef struct {
  const char *what;
  int status;       /* expected status; -1: EMF_EIO or EMF_EFORMAT */
  const char *word; /* the message must contain it */
} expect_t;

int main(int argc, char **argv)
{
  static const expect_t ex[] = {
      {"missing file", EMF_EIO, "cannot read"},
      {"garbage", EMF_EFORMAT, "HDF5"},
      {"empty file", EMF_EFORMAT, "HDF5"},
      {"truncated file", -1, ""},
      {"no format attribute", EMF_EFORMAT, "'format'"},
      {"newer format_version", EMF_EFORMAT, "format_version"},
      {"missing configuration", EMF_EFORMAT, "no such configuration"},
      {"missing links", EMF_EFORMAT, "'links' is missing"},
      {"wrong shape", EMF_EFORMAT, "shape"},
      {"integer links", EMF_EFORMAT, "floating-point"},
      {"float32 links", EMF_EFORMAT, "floating-point"},
      {"wrong rank", EMF_EFORMAT, "shape"},
      {"missing N", EMF_EFORMAT, "'N' is missing"},
      {"N as string", EMF_EFORMAT, "'N' is not of integer"},
      {"N differs", EMF_EFORMAT, "N = 3"},
      {"D differs", EMF_EFORMAT, "D = 3"},
      {"extents differ", EMF_EFORMAT, "extents[1] = 6"},
      {"extents length", EMF_EFORMAT, "'extents' has 3 values"},
      {"plaquette changed", EMF_EFORMAT, "plaquette"},
      {"checksum changed", EMF_EFORMAT, "checksum"},
      {"flipped data byte", EMF_EFORMAT, "checksum"},
      {"missing plaquette", EMF_EFORMAT, "'plaquette' is missing"},
      {"missing series", EMF_EFORMAT, "no such dataset"},
      {"2-D series", EMF_EFORMAT, "1-D"},
      {"append to fixed-size series", EMF_EFORMAT, "not extendible"},
      {"no grid, gitrev (optional)", EMF_SUCCESS, ""},
      {"format as variable-length UTF-8 (h5py)", EMF_SUCCESS, ""},
      {"format without NUL (NULLPAD)", EMF_SUCCESS, ""},
  };
  const int L[2] = {12, 12};
  char good[256], bad[256];
  int np, rank, grid[2], st;
  char msg[1024];
  io_file_t *f;
  io_config_info_t in;
  double series[5] = {0.5, 0.25, 0.125, 1.0, 2.0};

  MPI_Init(&argc, &argv);
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  error_init(MPI_COMM_WORLD);
  util_hdf5_errors_off();
  if (rank == 0) {
    mkdir("build", 0755);
    mkdir("build/tmp", 0755);
  }
  snprintf(good, sizeof good, GOOD, np);
  snprintf(bad, sizeof bad, BAD, np);
  grid[0] = np;
  grid[1] = 1;
  geom_t *g = geom_alloc(MPI_COMM_WORLD, 2, L, grid, 1, msg, sizeof msg);
  ERROR(g == NULL, EMF_EXIT_INTERNAL, "%s", msg);
  gauge_t *a = gauge_alloc(g, 2), *a3 = gauge_alloc(g, 3);
  gauge_set_hot(a, 77);
  memset(&in, 0, sizeof in);
  in.beta = 2.0;
  in.seed = 77;
  snprintf(in.generator, sizeof in.generator, "hmc");
  in.number = 1;
  in.plaquette = gauge_plaquette_all(a);
  st = io_file_create(&f, good, g->comm, "check_io_malformed", IO_DEFAULT, msg, sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);
  st = io_write_config(f, a, &in, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "write: %s", msg);
  st = io_write_config(f, a, &in, msg, sizeof msg);
  check_int(st, EMF_EINVAL, "second write of the same configuration refused: %s", msg);
  st = io_append_series(f, "plaq", "test series", series, 5, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "series: %s", msg);
  st = io_file_commit(f, msg, sizeof msg);
  ERROR(st != EMF_SUCCESS, EMF_EXIT_INTERNAL, "%s", msg);

  st = io_file_open(&f, good, g->comm, IO_DEFAULT, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "open the valid file: %s", msg);
  if (st == EMF_SUCCESS) {
    st = io_read_config(f, "hmc", 1, a, NULL, msg, sizeof msg);
    check_int(st, EMF_SUCCESS, "read the valid file: %s", msg);
    st = io_read_config(f, "hmc", 1, a3, NULL, msg, sizeof msg);
    check_int(st, EMF_EFORMAT, "N = 3 run refuses the N = 2 file");
    check_true(strstr(msg, "N = 2, but the run has N = 3") != NULL, "message: %s", msg);
    geom_t *g0 = geom_alloc(MPI_COMM_WORLD, 2, L, grid, 0, msg, sizeof msg);
    gauge_t *a0 = g0 ? gauge_alloc(g0, 2) : NULL;
    if (a0 != NULL) {
      st = io_read_config(f, "hmc", 1, a0, NULL, msg, sizeof msg);
      check_int(st, EMF_EINVAL, "halo depth 0 refused: %s", msg);
    }
    gauge_free(a0);
    geom_free(g0);
    io_file_close(f);
  }

  for (int k = 0; k < (int)(sizeof ex / sizeof ex[0]); k++) {
    if (rank == 0) damage(k, good, bad);
    MPI_Barrier(MPI_COMM_WORLD);
    msg[0] = '\0';
    if (k == 24)
      st = io_file_append(&f, bad, g->comm, IO_DEFAULT, msg, sizeof msg);
    else
      st = io_file_open(&f, bad, g->comm, IO_DEFAULT, msg, sizeof msg);
    if (st == EMF_SUCCESS) {
      double *x = NULL;
      long n = 0;
      if (k == 24) {
        st = io_append_series(f, "plaq", "x", series, 2, msg, sizeof msg);
      } else if (k >= 22) {
        st = io_read_series(f, "plaq", &x, &n, NULL, 0, msg, sizeof msg);
        free(x);
      } else {
        st = io_read_config(f, "hmc", 1, a, NULL, msg, sizeof msg);
      }
      io_file_close(f);
    }
    if (ex[k].status < 0)
      check_true(st == EMF_EIO || st == EMF_EFORMAT, "%s: status %d (%s)", ex[k].what, st, msg);
    else
      check_int(st, ex[k].status, "%s: status (%s)", ex[k].what, msg);
    if (ex[k].status != EMF_SUCCESS)
      check_true(strstr(msg, ex[k].word) != NULL && strstr(msg, bad) != NULL,
                 "%s: message names the file and '%s': %s", ex[k].what, ex[k].word, msg);
    if (rank == 0 && getenv("CHECK_VERBOSE")) printf("  %-22s -> %s\n", ex[k].what, msg);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) {
    unlink(good);
    unlink(bad);
  }
  gauge_free(a3);
  gauge_free(a);
  geom_free(g);
  check_int((long)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0,
            "no HDF5 files, groups, datasets or attributes left open");
  int nf = check_finish_mpi("check_io_malformed", MPI_COMM_WORLD);
  MPI_Finalize();
  return nf;
}
