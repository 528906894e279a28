/*******************************************************************************
 * bench_hmc.c: HMC molecular-dynamics cost against this machine's limits.
 *
 * Usage: mpirun -np P bench_hmc.x [quick]
 *
 * NP: 1 2
 * QUICK: quick
 *
 * For 2D SU(2) 256^2, 2D SU(3) 256^2, 4D SU(3) 8^4 and 16^4 (quick: 2D
 * 64^2, 4D 8^4 only) on the ranks of MPI_COMM_WORLD (grid chosen by
 * geom_choose_grid), from a hot start at a typical beta heated up by three
 * always-accepted leapfrog trajectories (10 steps of eps = 0.05), times
 *   - an MD step: leapfrog steps of eps = 0.05 (one force with its halo
 *     exchange, one drift U <- exp(eps P) U, one kick), from
 *     hmc_leapfrog->integrate (for SU(3) on a grid that splits no
 *     direction the links stay in the vector layout of the workspace for
 *     the whole integration and the kick is fused into the force:
 *     hmc_md_begin, doc/hmc.md);
 *   - the force alone (hmc_md_force outside an integration: the
 *     site-vectorised SU(3) kernel with its plane-by-plane copy of the
 *     links where the local extent allows it, exchange included unless
 *     the grid splits no direction), the drift alone (exp_mul4 on the
 *     links of u) and the link halo exchange alone;
 * each REPS = 5 times (the best time is kept: the host may be shared),
 * and prints seconds per MD step per lattice site (wall clock of the whole
 * job divided by the global volume, and the per-core figure: times the
 * number of ranks).  Each kernel's flop and byte count per site (counted
 * from the code: a general 3x3 complex product is 27 complex multiply-adds
 * = 198 flops, 2x2: 28 flops; the site-vectorised SU(3) force does 34
 * instead of 46 products per 4D site; bytes = links, momenta and forces read and
 * written once per step, i.e. compulsory traffic; with the links kept in
 * the workspace and the fused kick the force no longer writes nor the kick
 * reads a force field) is divided by the
 * measured time and compared with limits measured here on every rank at
 * once (and, for 4D SU(3), with openQCD 2.4 measured on the development
 * host):
 *   peak: an AVX2 FMA loop (12 independent 4-wide accumulators), flop/s per
 *         core;
 *   bw:   STREAM triad a = b + s c on 3 arrays of 64 Mi doubles per rank
 *         (well beyond the caches), bytes/s per rank (24 bytes per element).
 * All rates use CPU time (clock_gettime CLOCK_PROCESS_CPUTIME_ID), the
 * limits too, so that time spent descheduled on a shared host does not
 * count; wall-clock figures are printed beside them.  Never asserts on
 * time.
 ******************************************************************************/
#include <immintrin.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hmc.h"
#include "util.h"

static int bench_rank = 0;

/* rank 0 prints; a plain table without time stamps */
static void printf_root(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void printf_root(const char *fmt, ...)
{
  va_list ap;
  if (bench_rank != 0) return;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}

typedef struct { int D, N, L; double beta; } case_t;

#define EPS 0.05   /* MD step size of the timed runs */
#define REPS 5     /* repetitions; the best is reported */

/* CPU time of this process: unlike wall-clock time it does not count
 * time spent descheduled on a shared host. */
static double cputime(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double peak_fma(void)
{
  __m256d acc[12], m = _mm256_set1_pd(0.999999999), a = _mm256_set1_pd(1e-9);
  for (int k = 0; k < 12; k++) acc[k] = _mm256_set1_pd(1.0 + k);
  const long n = 50000000;
  double t0 = cputime();
  for (long i = 0; i < n; i++)
    for (int k = 0; k < 12; k++) acc[k] = _mm256_fmadd_pd(acc[k], m, a);
  double dt = cputime() - t0;
  double s = 0.0, out[4];
  for (int k = 0; k < 12; k++) {
    _mm256_storeu_pd(out, acc[k]);
    s += out[0] + out[1] + out[2] + out[3];
  }
  if (s == 12345.0) printf("#");  /* keep the loop */
  return n * 12.0 * 8.0 / dt;
}

static double stream_triad(void)
{
  const size_t n = (size_t)1 << 26;
  double *a = amalloc(n * sizeof *a), *b = amalloc(n * sizeof *b), *c = amalloc(n * sizeof *c);
  if (a == NULL || b == NULL || c == NULL) return NAN;
  for (size_t i = 0; i < n; i++) { a[i] = 0.0; b[i] = 1.0; c[i] = 2.0; }
  double best = 1e30;
  for (int r = 0; r < 4; r++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = cputime();
    for (size_t i = 0; i < n; i++) a[i] = b[i] + 0.5 * c[i];
    double dt = cputime() - t0;
    if (dt < best) best = dt;
  }
  if (a[n / 2] != 2.0) printf("#");
  afree(a); afree(b); afree(c);
  return 24.0 * n / best;
}

/* Flops and compulsory bytes per site of one MD step (force + drift +
 * kick), from the structure of wilson.c, wilson_su3.c and hmc.c.  SU(3)
 * force: per site 3 D(D-1)/2 products for the plaquettes, 2 D(D-1) for the
 * lower staples and D for U_mu lo, plus 2 D(D-1) matrix additions; other
 * N: 4(D-1) + 1 products per link.  SU(3) exp: the Cayley-Hamilton
 * Taylor branch (Q, Q^2, c0, c1: ~80 flops; ~10 terms of 5 flops; the
 * matrix f0 + f1 Q + f2 Q^2: ~70 flops). */
static void kernel_counts(int D, int N, int vec, int box, double *fl, double *by)
{
  const double nn = N * N, ng = nn - 1;
  const double mul = N == 2 ? 28.0 : (N == 3 ? 198.0 : 8.0 * nn * N - 2.0 * nn);
  const double toalg = 2.0 * nn, expf = N == 2 ? 40.0 : 200.0;
  double force_site;
  if (N == 3 && vec) /* L products reused: D(D-1) L, D(D-1)/2 plaquettes,
                        D(D-1) staples, D (halo L products not counted) */
    force_site = (2.5 * D * (D - 1) + D) * mul +
                 2.0 * D * (D - 1) * 2.0 * nn + D * (toalg + 2 * ng);
  else if (N == 3)
    force_site = (1.5 * D * (D - 1) + 2.0 * D * (D - 1) + D) * mul +
                 2.0 * D * (D - 1) * 2.0 * nn + D * (toalg + 2 * ng);
  else
    force_site = D * ((4.0 * (D - 1) + 1.0) * mul + 2.0 * (D - 1) * 2.0 * nn + toalg + 2 * ng);
  double drift_link = 2 * ng + expf + mul;
  double kick_link = 2.0 * ng;
  *fl = force_site + D * (drift_link + kick_link);
  const double lb = 16.0 * nn, pb = 8.0 * ng;
  /* force: read links, write f; drift: read p, read+write links; kick:
   * read f, read+write p; box (fused kick): force and kick read links and
   * read+write p */
  *by = box ? D * ((lb + 2 * pb) + (pb + 2 * lb)) : D * ((lb + pb) + (pb + 2 * lb) + (3 * pb));
}

static void run_case(const case_t *c, int quick, double peak, double bw)
{
  int np, L[4] = {c->L, c->L, c->L, c->L}, req[4] = {0, 0, 0, 0}, grid[4];
  char msg[256];
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  if (geom_choose_grid(c->D, L, np, req, grid, msg, sizeof msg) != EMF_SUCCESS) {
    printf_root("  skip: %s\n", msg);
    return;
  }
  geom_t *g = geom_alloc(MPI_COMM_WORLD, c->D, L, grid, 1, msg, sizeof msg);
  gauge_t *u = gauge_alloc(g, c->N);
  action_t act = {action_wilson, c->beta};
  hmc_parms_t p = {1.0, 10, hmc_leapfrog, 1, 0, 0};
  hmc_t *h = hmc_alloc(&p, &act, 1, u);
  ERROR(g == NULL || u == NULL || h == NULL, EMF_EXIT_RUNTIME, "allocation failed");
  gauge_set_hot(u, 1);
  /* heat-up: a few always-accepted MD trajectories, so that forces and
   * momenta (and with them the exp branches) are those of a run */
  for (int k = 0; k < 3; k++) {
    hmc_draw_momenta(h, u, k + 1, h->p);
    hmc_leapfrog->integrate(h, u, h->p, EPS, 10);
  }
  hmc_draw_momenta(h, u, 0, h->p);
  const double V = (double)g->n_global;
  double target = quick ? 0.3 : 1.5;

  /* calibrate the number of MD steps */
  int n = 2;
  double dt;
  for (;;) {
    MPI_Barrier(g->comm);
    double t0 = wtime();
    hmc_leapfrog->integrate(h, u, h->p, EPS, n);
    dt = wtime() - t0;
    MPI_Bcast(&dt, 1, MPI_DOUBLE, 0, g->comm);
    if (dt > 0.25 * target || n > 1 << 20) break;
    n *= 4;
  }
  /* REPS repetitions of m steps each; the best of each is kept, which
   * filters interference from other processes on a shared host */
  int m = (int)fmax(4.0, n * target / dt / REPS);
  n = m;
  double best[8];
  for (int k = 0; k < 8; k++) best[k] = 1e30;
  for (int r = 0; r < REPS; r++) {
    double t[8];  /* wall: step, force, drift, exchange; then CPU time */
    for (int w = 0; w < 4; w++) {
      MPI_Barrier(g->comm);
      double t0 = wtime(), c0 = cputime();
      if (w == 0) hmc_leapfrog->integrate(h, u, h->p, EPS, m);
      for (int k = 0; k < m && w > 0; k++) {
        if (w == 1) hmc_md_force(h, u);
        if (w == 2) hmc_md_drift(h, u, h->p, EPS);
        if (w == 3) gauge_exchange(u);
      }
      t[w] = (wtime() - t0) / (w ? m : 1);
      t[4 + w] = (cputime() - c0) / (w ? m : 1);
    }
    /* the slowest rank counts */
    MPI_Allreduce(MPI_IN_PLACE, t, 8, MPI_DOUBLE, MPI_MAX, g->comm);
    for (int k = 0; k < 8; k++) best[k] = fmin(best[k], t[k]);
  }
  /* m leapfrog steps = m drifts and kicks + m + 1 forces */
  const double t_step = (best[0] - best[1]) / m, c_step = (best[4] - best[5]) / m;
  const double tt[3] = {best[1], best[2], best[3]}, ct[3] = {best[5], best[6], best[7]};

  double fl, by;
  int vec = h->ws != NULL, allvec;
  MPI_Allreduce(&vec, &allvec, 1, MPI_INT, MPI_MIN, g->comm);
  int box = allvec && c->N == 3;
  for (int mu = 0; mu < c->D; mu++) box &= grid[mu] == 1;
  kernel_counts(c->D, c->N, allvec, box, &fl, &by);
  const double us = 1e6 / V;
  const double per_core = c_step * np / V;   /* CPU core-seconds per site */
  printf_root("%dD SU(%d) %d^%d  np=%d grid=%dx%dx%dx%d  steps=%d x %d\n", c->D, c->N, c->L,
              c->D, np, grid[0], grid[1], c->D > 2 ? grid[2] : 1, c->D > 3 ? grid[3] : 1,
              REPS, m);
  printf_root("  force kernel: %s%s\n", allvec ? "site-vectorised (4 sites per AVX2 register)"
                                               : "plain (site by site) on some rank",
              box ? "; MD step on the links kept in the workspace, fused kick" : "");
  printf_root("  MD step    %8.4f us/site wall  %8.4f us/site CPU  (%8.4f us/site/core)\n",
              t_step * us, c_step * us, per_core * 1e6);
  printf_root("  force      %8.4f us/site wall  %8.4f CPU   (exchange %.4f wall %.4f CPU)\n",
              tt[0] * us, ct[0] * us, tt[2] * us, ct[2] * us);
  printf_root("  drift      %8.4f us/site wall  %8.4f CPU\n", tt[1] * us, ct[1] * us);
  printf_root("  kernel     %8.0f flop/site/step  %6.0f byte/site/step (compulsory)\n", fl, by);
  printf_root("  achieved   %8.2f Gflop/s/core = %5.1f%% of FMA peak;  %6.2f GB/s/core = "
              "%5.1f%% of triad (CPU time)\n", fl / per_core * 1e-9,
              100.0 * fl / per_core / peak, by / per_core * 1e-9, 100.0 * by / per_core / bw);
  const double roof = fmax(fl / peak, by / bw);
  printf_root("  roofline   %8.4f us/site/core (max of flop and byte bound); MD step = %.2f x "
              "roofline\n", 1e6 * roof, per_core / roof);
  if (c->D == 4 && c->N == 3) {
    /* openQCD 2.4 on this host, 1 rank: 0.84-1.0 us (8^4), 1.3-1.4 us (16^4) */
    const double oq_lo = c->L <= 8 ? 0.84 : 1.3, oq_hi = c->L <= 8 ? 1.0 : 1.4;
    printf_root("  openQCD    %.2f-%.2f us/site/step (1 rank): it takes %.2f-%.2f x our "
                "time per core\n", oq_lo, oq_hi, oq_lo / (per_core * 1e6),
                oq_hi / (per_core * 1e6));
  }
  hmc_free(h);
  gauge_free(u);
  geom_free(g);
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  error_init(MPI_COMM_WORLD);
  log_init(MPI_COMM_WORLD, NULL);
  MPI_Comm_rank(MPI_COMM_WORLD, &bench_rank);
  int quick = argc > 1 && strcmp(argv[1], "quick") == 0, np;
  MPI_Comm_size(MPI_COMM_WORLD, &np);
  double peak = peak_fma(), bw = stream_triad();
  double lim[2] = {peak, bw}, lsum[2];
  MPI_Allreduce(lim, lsum, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  peak = lsum[0] / np;
  bw = lsum[1] / np;
  printf_root("bench_hmc: %d rank(s); measured limits per core: FMA peak %.1f Gflop/s, "
          "STREAM triad %.1f GB/s (all ranks at once)\n", np, peak * 1e-9, bw * 1e-9);
  static const case_t full[] = {
      {2, 2, 256, 2.0}, {2, 3, 256, 4.0}, {4, 3, 8, 5.7}, {4, 3, 16, 5.7}};
  static const case_t small[] = {{2, 2, 64, 2.0}, {2, 3, 64, 4.0}, {4, 3, 8, 5.7}};
  const case_t *cs = quick ? small : full;
  int nc = quick ? 3 : 4;
  for (int k = 0; k < nc; k++) run_case(&cs[k], quick, peak, bw);
  printf_root("reference (this host, openQCD 2.4 Wilson HMC): 0.84-1.0 us/site/step on 8^4 and "
              "1.3-1.4 us on 16^4, 1 rank\n");
  MPI_Finalize();
  return 0;
}
