/*******************************************************************************
 * testutil.c: helpers shared by the test programs.
 *
 * uint64_t tu_mix64(uint64_t z)
 *   The splitmix64 output for state z: z + 0x9e3779b97f4a7c15 through the
 *   two multiply-xorshift rounds.  A bijective 64-bit hash.
 *
 * uint64_t tu_splitmix64(uint64_t *state)
 *   Next splitmix64 number: tu_mix64(*state), then *state advances by the
 *   golden-ratio increment.
 *
 * double tu_uniform(uint64_t *state)
 *   Uniform in the open interval (0, 1): ((x >> 11) + 0.5) 2^-53 with x the
 *   next splitmix64 number.
 *
 * double tu_gauss(uint64_t *state)
 *   Standard normal from two uniforms u1, u2 (Box-Muller, the cosine value
 *   sqrt(-2 ln u1) cos(2 pi u2) only): two uniforms per call.
 *
 * double tu_rng_gauss(tu_rng_t *rng)
 *   Standard normal; Box-Muller values come in pairs: the cosine value is
 *   returned and the sine value kept for the next call.  Initialise a
 *   tu_rng_t as {seed, 0, 0.0}.
 *
 * long tu_volume(int D, const int *L)
 *   L[0] L[1] ... L[D-1], the number of lattice sites.
 *
 * int tu_grids(int D, const int *L, int np, int grids[][EMF_DMAX])
 *   Every process grid of np ranks (grid[mu] >= 1, product np) with
 *   L[mu] % grid[mu] == 0 for mu < D, in counting order with grid[0]
 *   running fastest; entries mu >= D are set to 1.  Returns their number
 *   (0 if none).  Aborts (ERROR_LOC) if there are more than TU_MAX_GRIDS.
 *
 * int tu_grids_deep(int D, const int *L, int depth, int max, int n,
 *                  int grids[][EMF_DMAX])
 *   Keeps, in order, the first max of the n grids (from tu_grids) whose
 *   local extents L[mu] / grid[mu] are all >= depth; returns how many.
 *
 * void tu_mpi_init(int *argc, char ***argv, int *np, int *rank)
 * int tu_mpi_finish(const char *name)
 *   The frame of an MPI test's main: MPI_Init, error_init(MPI_COMM_WORLD),
 *   size and rank of MPI_COMM_WORLD; check_finish_mpi(name,
 *   MPI_COMM_WORLD), MPI_Finalize, and the global number of failures
 *   (return it from main).  Collective.
 *
 * MPI_Comm tu_comm_first(int k)
 *   Collective over MPI_COMM_WORLD: a new communicator of world ranks
 *   0..k-1 (same order) on those ranks, MPI_COMM_NULL on the others.  The
 *   caller frees it (MPI_Comm_free) where it is not MPI_COMM_NULL.  With
 *   k = 1: rank 0 alone, for single-rank reference computations.
 *
 * void tu_gather_sites(const geom_t *g, const double *f, int per, double *out)
 *   Collective over g->comm: f holds per doubles for each owned site, in
 *   g->owned order; on rank 0 of g->comm out[gsite * per + k] receives the
 *   values of global site gsite (out: n_global * per doubles; unused on the
 *   other ranks).
 *
 * void tu_gather_links(const gauge_t *a, cplx_t *glinks)
 *   Collective over a->g->comm: the D links of every owned site to
 *   glinks[(gsite * D + mu) * nn] on rank 0 of the communicator (glinks:
 *   n_global * D * nn entries there; unused elsewhere).
 *
 * int tu_owned_equal(const gauge_t *a, const gauge_t *b)
 *   1 if the owned links of a and b (same geometry) are equal bit for bit
 *   (memcmp), else 0.  Local.
 *
 * void tu_spoil_halo(gauge_t *a)
 *   NaN in every link of every halo (non-owned) site of the extended box,
 *   to prove that a kernel refills or never reads the halos.  Local.
 *
 * void tu_fill_links(gauge_t *a, uint64_t seed, double (*value)(uint64_t h))
 *   Sets double number t (t < 2 nn) of link (x, mu) to value(h) with
 *   h = tu_mix64(seed ^ tu_mix64((gsite(x) 8 + mu) 1024 + t)), on every
 *   site of the extended box (halos included): a function of global
 *   indices only, the same on every process grid.  Local.
 *
 * void tu_gauge_matrix(int N, uint64_t seed, uint32_t step, long gsite,
 *                      cplx_t *gm)
 *   Haar random g(x) in SU(N) for global site gsite, drawn from the stream
 *   (seed, RNG_TEST, gsite, step): the same on every process grid.
 *
 * void tu_gauge_transform(gauge_t *a, uint64_t seed, uint32_t step)
 *   U_mu(x) -> g(x) U_mu(x) g(x + mu)^+ on every owned link with
 *   g = tu_gauge_matrix(N, seed, step, .), then gauge_exchange.
 *   Collective (the halo exchange).  Requires neighbour tables (depth >= 1).
 *
 * double tu_maxdiff(int nn, const cplx_t *a, const cplx_t *b)
 *   max over i < nn of |a_i - b_i|; a NaN difference replaces the running
 *   maximum.  Local.
 *
 * void tu_gaussian_matrix(rng_stream_t *s, int n, double scale, cplx_t *m)
 *   m[i] = (x_i + i y_i) / scale for i < n*n, with x_i, y_i the next two
 *   rng_gaussian numbers of s (scale = sqrt(2 n) gives E tr(m m^+) = n).
 *
 * void tu_random_quad(pot_quad_t *q, int K, rng_stream_t *rs, double sa,
 *                     double se, double sb)
 *   A random quadratic F of K power sums (pot_func_quad; m = 2K features):
 *   for j = 0..m-1 in turn a_j = sa g, e_j = se g, then B_jk = B_kj = sb g
 *   for k = 0..j, each g the next rng_gaussian of rs; the rest of q zero.
 *
 * void tu_random_quad_key(pot_quad_t *q, int K, uint64_t seed, uint64_t key,
 *                         double sa, double se, double sb)
 *   The same from a fresh stream (seed, RNG_TEST, index key, step 0).
 *
 * void tu_shift(int n, cplx_t *out, int a, double s, const cplx_t *w)
 *   out = exp(s T_a) w (T_a the a-th su(n) generator): the step of a
 *   finite difference along generator a.  Local.
 *
 * long tu_owned_link(const geom_t *g, int D, long gl)
 *   Index io * D + mu among this rank's owned links of the global link gl
 *   (site gl / D, direction gl % D; global site order), -1 if another
 *   rank owns it.  Local.
 *
 * double tu_fd1(const double *v, double eps)
 * double tu_fd2(const double *v, double eps)
 *   4th-order central first and second derivative from the values at
 *   -2 eps, -eps, 0, eps, 2 eps (v[0..4]).
 *
 * double tu_maxabs(const double *v, long n)
 *   max_i |v_i| (0 for n = 0).
 *
 * int tu_verbose(void)
 *   1 if CHECK_VERBOSE=1 is set in the environment (as check.h reads it).
 *
 * void tu_mkdir_tmp(void)
 *   Creates build/ and build/tmp/ below the working directory if missing
 *   (for scratch files of the tests).  Call on one rank.
 *
 * int tu_file_exists(const char *path)
 *   1 if stat(path) succeeds (a file, directory or other entry), else 0.
 *
 * Context: all functions are reentrant; the generators keep their state in
 * the caller's variable.  The MPI functions require MPI_Init; tu_grids
 * reports through ERROR_LOC (util.h).
 ******************************************************************************/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check.h"
#include "sun.h"
#include "testutil.h"
#include "util.h"

#define TU_GOLDEN 0x9e3779b97f4a7c15ULL

uint64_t tu_mix64(uint64_t z)
{
  z += TU_GOLDEN;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t tu_splitmix64(uint64_t *state)
{
  uint64_t x = tu_mix64(*state);
  *state += TU_GOLDEN;
  return x;
}

double tu_uniform(uint64_t *state)
{
  return ((double)(tu_splitmix64(state) >> 11) + 0.5) * 0x1.0p-53;
}

double tu_gauss(uint64_t *state)
{
  double u1 = tu_uniform(state);
  double u2 = tu_uniform(state);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double tu_rng_gauss(tu_rng_t *rng)
{
  double u1, u2, rad;
  if (rng->have) {
    rng->have = 0;
    return rng->spare;
  }
  u1 = tu_uniform(&rng->s);
  u2 = tu_uniform(&rng->s);
  rad = sqrt(-2.0 * log(u1));
  rng->spare = rad * sin(2.0 * M_PI * u2);
  rng->have = 1;
  return rad * cos(2.0 * M_PI * u2);
}

long tu_volume(int D, const int *L)
{
  long v = 1;
  for (int mu = 0; mu < D; mu++) v *= L[mu];
  return v;
}

int tu_grids(int D, const int *L, int np, int grids[][EMF_DMAX])
{
  int n = 0, gr[EMF_DMAX];
  long total = 1;
  for (int mu = 0; mu < EMF_DMAX; mu++) gr[mu] = 1;
  for (int mu = 0; mu < D; mu++) total *= np;
  for (long c = 0; c < total; c++) {
    long r = c, prod = 1;
    int ok = 1;
    for (int mu = 0; mu < D; mu++) {
      gr[mu] = (int)(r % np) + 1;
      r /= np;
      prod *= gr[mu];
      ok &= L[mu] % gr[mu] == 0;
    }
    if (!ok || prod != np) continue;
    ERROR_LOC(n == TU_MAX_GRIDS, EMF_EXIT_INTERNAL, "more than %d grids of %d ranks",
              TU_MAX_GRIDS, np);
    memcpy(grids[n++], gr, sizeof gr);
  }
  return n;
}

int tu_grids_deep(int D, const int *L, int depth, int max, int n, int grids[][EMF_DMAX])
{
  int kept = 0;
  for (int i = 0; i < n && kept < max; i++) {
    int ok = 1;
    for (int mu = 0; mu < D; mu++) ok &= L[mu] / grids[i][mu] >= depth;
    if (ok) memmove(grids[kept++], grids[i], sizeof grids[i]);
  }
  return kept;
}

void tu_mpi_init(int *argc, char ***argv, int *np, int *rank)
{
  MPI_Init(argc, argv);
  error_init(MPI_COMM_WORLD);
  MPI_Comm_size(MPI_COMM_WORLD, np);
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
}

int tu_mpi_finish(const char *name)
{
  int fails = check_finish_mpi(name, MPI_COMM_WORLD);
  MPI_Finalize();
  return fails;
}

MPI_Comm tu_comm_first(int k)
{
  int rank;
  MPI_Comm c;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_split(MPI_COMM_WORLD, rank < k ? 0 : MPI_UNDEFINED, rank, &c);
  return c;
}

void tu_gather_sites(const geom_t *g, const double *f, int per, double *out)
{
  int np = g->nranks;
  int n = (int)g->n_owned, *counts = NULL, *displs = NULL, *cd = NULL, *dd = NULL;
  long *gs = malloc((size_t)n * sizeof *gs), *allgs = NULL;
  double *all = NULL;
  for (int i = 0; i < n; i++) gs[i] = g->gsite[g->owned[i]];
  if (g->rank == 0) {
    counts = malloc(np * sizeof *counts);
    displs = malloc(np * sizeof *displs);
    cd = malloc(np * sizeof *cd);
    dd = malloc(np * sizeof *dd);
  }
  MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, g->comm);
  if (g->rank == 0) {
    int tot = 0;
    for (int r = 0; r < np; r++) {
      displs[r] = tot;
      cd[r] = counts[r] * per;
      dd[r] = tot * per;
      tot += counts[r];
    }
    allgs = malloc((size_t)tot * sizeof *allgs);
    all = malloc((size_t)tot * per * sizeof *all);
  }
  MPI_Gatherv(gs, n, MPI_LONG, allgs, counts, displs, MPI_LONG, 0, g->comm);
  MPI_Gatherv(f, n * per, MPI_DOUBLE, all, cd, dd, MPI_DOUBLE, 0, g->comm);
  if (g->rank == 0) {
    for (long k = 0; k < g->n_global; k++)
      memcpy(out + allgs[k] * per, all + k * per, (size_t)per * sizeof(double));
  }
  free(gs); free(counts); free(displs); free(cd); free(dd); free(allgs); free(all);
}

void tu_gather_links(const gauge_t *a, cplx_t *glinks)
{
  const geom_t *g = a->g;
  const size_t per = (size_t)g->D * a->nn;
  cplx_t *own = malloc(((size_t)g->n_owned * per + 1) * sizeof *own);
  for (long i = 0; i < g->n_owned; i++)
    memcpy(own + i * per, gauge_link(a, g->owned[i], 0), per * sizeof *own);
  tu_gather_sites(g, (const double *)own, (int)(2 * per), (double *)glinks);
  free(own);
}

int tu_owned_equal(const gauge_t *a, const gauge_t *b)
{
  const geom_t *g = a->g;
  for (long k = 0; k < g->n_owned; k++)
    if (memcmp(gauge_link(a, g->owned[k], 0), gauge_link(b, g->owned[k], 0),
               (size_t)g->D * a->nn * sizeof(cplx_t)) != 0)
      return 0;
  return 1;
}

void tu_spoil_halo(gauge_t *a)
{
  const geom_t *g = a->g;
  for (long is = 0; is < g->n_ext; is++)
    if (!g->is_owned[is])
      for (int mu = 0; mu < g->D; mu++)
        for (int k = 0; k < a->nn; k++) gauge_link(a, is, mu)[k] = CMPLX(NAN, NAN);
}

void tu_fill_links(gauge_t *a, uint64_t seed, double (*value)(uint64_t h))
{
  const geom_t *g = a->g;
  for (long is = 0; is < g->n_ext; is++)
    for (int mu = 0; mu < g->D; mu++) {
      double *v = (double *)gauge_link(a, is, mu);
      for (int t = 0; t < 2 * a->nn; t++)
        v[t] = value(tu_mix64(seed ^ tu_mix64(((uint64_t)g->gsite[is] * 8 + (uint64_t)mu) *
                                                  1024 + (uint64_t)t)));
    }
}

void tu_gauge_matrix(int N, uint64_t seed, uint32_t step, long gsite, cplx_t *gm)
{
  rng_stream_t s;
  rng_stream_init(&s, seed, RNG_TEST, (uint64_t)gsite, step);
  rng_haar_sun(&s, N, gm);
}

void tu_gauge_transform(gauge_t *a, uint64_t seed, uint32_t step)
{
  const geom_t *g = a->g;
  const int D = g->D, N = a->n;
  cplx_t gx[EMF_NMAX * EMF_NMAX], gy[EMF_NMAX * EMF_NMAX], t[EMF_NMAX * EMF_NMAX];
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    tu_gauge_matrix(N, seed, step, g->gsite[is], gx);
    for (int mu = 0; mu < D; mu++) {
      tu_gauge_matrix(N, seed, step, g->gsite[g->up[is * D + mu]], gy);
      cplx_t *ul = gauge_link(a, is, mu);
      sun_mul(N, t, gx, ul);
      sun_mul_dag(N, ul, t, gy);
    }
  }
  gauge_exchange(a);
}

double tu_maxdiff(int nn, const cplx_t *a, const cplx_t *b)
{
  double d = 0.0;
  for (int i = 0; i < nn; i++)
    if (!(cabs(a[i] - b[i]) <= d)) d = cabs(a[i] - b[i]);
  return d;
}

void tu_gaussian_matrix(rng_stream_t *s, int n, double scale, cplx_t *m)
{
  for (int i = 0; i < n * n; i++) {
    double re = rng_gaussian(s), im = rng_gaussian(s);
    m[i] = CMPLX(re, im) / scale;
  }
}

void tu_random_quad(pot_quad_t *q, int K, rng_stream_t *rs, double sa, double se, double sb)
{
  const int m = 2 * K;
  memset(q, 0, sizeof *q);
  q->K = K;
  for (int j = 0; j < m; j++) {
    q->a[j] = sa * rng_gaussian(rs);
    q->e[j] = se * rng_gaussian(rs);
    for (int k = 0; k <= j; k++) q->B[j * m + k] = q->B[k * m + j] = sb * rng_gaussian(rs);
  }
}

void tu_random_quad_key(pot_quad_t *q, int K, uint64_t seed, uint64_t key, double sa,
                        double se, double sb)
{
  rng_stream_t rs;
  rng_stream_init(&rs, seed, RNG_TEST, key, 0);
  tu_random_quad(q, K, &rs, sa, se, sb);
}

void tu_random_gauss_key(double *v, int n, uint64_t seed, uint64_t key, double scale)
{
  rng_stream_t rs;
  rng_stream_init(&rs, seed, RNG_TEST, key, 0);
  for (int i = 0; i < n; i++) v[i] = scale * rng_gaussian(&rs);
}

void tu_shift(int n, cplx_t *out, int a, double s, const cplx_t *w)
{
  double x[EMF_NMAX * EMF_NMAX] = {0};
  cplx_t e[EMF_NMAX * EMF_NMAX];
  x[a] = s;
  sun_exp_alg(n, e, x);
  sun_mul(n, out, e, w);
}

long tu_owned_link(const geom_t *g, int D, long gl)
{
  for (long io = 0; io < g->n_owned; io++)
    if (g->gsite[g->owned[io]] == gl / D) return io * D + gl % D;
  return -1;
}

double tu_fd1(const double *v, double eps)
{
  return (v[0] - 8 * v[1] + 8 * v[3] - v[4]) / (12 * eps);
}

double tu_fd2(const double *v, double eps)
{
  return (-v[0] + 16 * v[1] - 30 * v[2] + 16 * v[3] - v[4]) / (12 * eps * eps);
}

double tu_maxabs(const double *v, long n)
{
  double s = 0;
  for (long i = 0; i < n; i++) s = fmax(s, fabs(v[i]));
  return s;
}

int tu_verbose(void)
{
  const char *v = getenv("CHECK_VERBOSE");
  return v && v[0] == '1';
}

void tu_mkdir_tmp(void)
{
  mkdir("build", 0755);
  mkdir("build/tmp", 0755);
}

int tu_file_exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0;
}
