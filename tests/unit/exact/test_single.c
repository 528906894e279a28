/*******************************************************************************
 * test_single.c: single-matrix Weyl integration (doc/exact.md, section 4).
 *
 *  1. Haar measure (no coefficients): logZ = 0, <(1/N) Re tr U^k> = -1/2 for
 *     SU(2), k = 2, 1/3 for SU(3), k = 3, else 0 (abs 1e-14).
 *  2. Convergence in the number of points: the rules with 96, 192, 384
 *     points per angle agree to 1e-13 for the three Boyda et al. targets and
 *     exact_single (adaptive) equals the 384-point rule.
 *  3. d logZ / dc_k = beta <(1/N) Re tr U^k> and d logZ / dbeta =
 *     sum_k c_k <(1/N) Re tr U^k> by 4-point finite differences (rel 1e-8).
 *  4. SU(2), c = (1, 0, 0): equals the infinite-volume lattice plaquette and
 *     log c_0 from the Bessel formula (rel 1e-12).
 *  5. Angle densities: int rho = 1, int rho cos(k theta) = <(1/N) Re tr U^k>
 *     (trapezoid, 256 points; abs 1e-13); SU(2) Haar rho = sin^2/pi; the
 *     SU(3) joint density integrates to 1, is symmetric under permutations of
 *     the three eigenvalues, and its integral over theta_2 is rho(theta_1).
 *  6. Independent check of the Weyl integration: the Toeplitz determinant
 *     formula Z = sum_m det[h_{m-i+j}], with h_n the Fourier coefficients of
 *     exp((beta/N) sum_k c_k cos k theta), and the same row-shift rule as in
 *     exact_lattice2d.c for <Re tr U^k> (SU(3) Boyda targets and an SU(4)
 *     case; rel 1e-12).
 *  7. Error returns.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "check.h"
#include "exact.h"

static const double boyda[3][3] = {{0.98, -0.63, -0.21}, {0.17, -0.65, 1.22}, {1.0, 0.0, 0.0}};

static void test_haar(void)
{
  int N, k;
  for (N = 2; N <= 4; N++) {
    exact_single_t s;
    check_int(exact_single(N, 1.0, NULL, 0, &s), EMF_SUCCESS, "Haar SU(%d) status", N);
    check_abs(s.logZ, 0.0, 1e-14, "Haar SU(%d): logZ = 0", N);
    for (k = 1; k <= 3; k++) {
      double ref = (k == N) ? (N % 2 ? 1.0 : -1.0) / N : 0.0;
      check_abs(s.retr_uk_over_n[k - 1], ref, 1e-14, "Haar SU(%d): <Re tr U^%d>/N", N, k);
    }
  }
}

static void test_convergence(void)
{
  int t, k;
  for (t = 0; t < 3; t++) {
    exact_single_t r96, r192, r384, ad;
    exact_single_rule(3, 9.0, boyda[t], 3, 96, &r96);
    exact_single_rule(3, 9.0, boyda[t], 3, 192, &r192);
    exact_single_rule(3, 9.0, boyda[t], 3, 384, &r384);
    check_int(exact_single(3, 9.0, boyda[t], 3, &ad), EMF_SUCCESS, "boyda%d status", t + 1);
    check_true(ad.quad_err <= 1e-11, "boyda%d: quad_err %.2g <= 1e-11", t + 1, ad.quad_err);
    check_abs(r96.logZ, r384.logZ, 1e-13, "boyda%d: logZ, 96 vs 384 points", t + 1);
    check_abs(r192.logZ, r384.logZ, 1e-13, "boyda%d: logZ, 192 vs 384 points", t + 1);
    check_abs(ad.logZ, r384.logZ, 1e-13, "boyda%d: logZ, adaptive vs 384 points", t + 1);
    for (k = 0; k < 3; k++) {
      check_abs(r96.retr_uk_over_n[k], r384.retr_uk_over_n[k], 1e-13,
                "boyda%d: <ReTrU^%d/N>, 96 vs 384 points", t + 1, k + 1);
      check_abs(ad.retr_uk_over_n[k], r384.retr_uk_over_n[k], 1e-13,
                "boyda%d: <ReTrU^%d/N>, adaptive vs 384 points", t + 1, k + 1);
    }
  }
  { /* too few points must be visibly wrong: the test can fail */
    exact_single_t r8, r384;
    exact_single_rule(3, 9.0, boyda[1], 3, 8, &r8);
    exact_single_rule(3, 9.0, boyda[1], 3, 384, &r384);
    check_true(fabs(r8.logZ - r384.logZ) > 1e-6, "boyda2: 8 points are not converged");
  }
}

static double fd4(const double f[4], double h)
{
  return (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h);
}

static void test_fd(void)
{
  const double s4[4] = {-2, -1, 1, 2}, h = 1e-4;
  struct { int N; double beta; double c[3]; } cs[] = {
      {3, 9.0, {0.98, -0.63, -0.21}}, {3, 9.0, {0.17, -0.65, 1.22}}, {2, 3.0, {1.0, 0.4, -0.3}},
      {4, 2.0, {0.5, 0.2, 0.1}}};
  size_t i;
  int k, j;
  for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
    exact_single_t s, t;
    double f[4], dbeta = 0.0;
    exact_single(cs[i].N, cs[i].beta, cs[i].c, 3, &s);
    for (k = 0; k < 3; k++) {
      double c[3] = {cs[i].c[0], cs[i].c[1], cs[i].c[2]};
      for (j = 0; j < 4; j++) {
        c[k] = cs[i].c[k] + s4[j] * h;
        exact_single(cs[i].N, cs[i].beta, c, 3, &t);
        f[j] = t.logZ;
      }
      check_rel(fd4(f, h), cs[i].beta * s.retr_uk_over_n[k], 1e-8, 1e-10,
                "SU(%d) case %zu: dlogZ/dc_%d = beta <ReTrU^%d/N>", cs[i].N, i, k + 1, k + 1);
      dbeta += cs[i].c[k] * s.retr_uk_over_n[k];
    }
    for (j = 0; j < 4; j++) {
      exact_single(cs[i].N, cs[i].beta + s4[j] * h, cs[i].c, 3, &t);
      f[j] = t.logZ;
    }
    check_rel(fd4(f, h), dbeta, 1e-8, 1e-10, "SU(%d) case %zu: dlogZ/dbeta", cs[i].N, i);
  }
}

static void test_su2_vs_lattice(void)
{
  const double c[3] = {1.0, 0.0, 0.0}, betas[] = {1.0, 3.0, 9.0};
  size_t b;
  for (b = 0; b < 3; b++) {
    exact_single_t s;
    exact_lattice2d_t l;
    exact_single(2, betas[b], c, 3, &s);
    exact_lattice2d(2, betas[b], 0, &l);
    check_rel(s.retr_uk_over_n[0], l.plaquette, 1e-12, 1e-15,
              "SU(2) beta %g: <ReTrU/N> = lattice P_inf", betas[b]);
    check_rel(s.retr_uk_over_n[1], l.retr_u2, 1e-12, 1e-15,
              "SU(2) beta %g: <ReTrU^2/N> = lattice ReTrU2_inf", betas[b]);
    check_rel(s.logZ, l.lnZ_per_plaq, 1e-12, 1e-14, "SU(2) beta %g: logZ = log c_0",
              betas[b]);
  }
}

static void test_density(void)
{
  enum { M = 256 };
  double th[M], rho[M];
  struct { int N; double beta; double c[3]; } cs[] = {
      {2, 3.0, {1.0, 0.0, 0.0}}, {2, 5.0, {0.3, -0.8, 0.5}}, {3, 9.0, {0.17, -0.65, 1.22}},
      {3, 9.0, {0.98, -0.63, -0.21}}, {4, 4.0, {1.0, 0.0, 0.5}}};
  size_t i;
  int a, k;
  for (a = 0; a < M; a++) th[a] = -M_PI + 2.0 * M_PI * a / M;
  for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
    exact_single_t s;
    double norm = 0.0, mom[3] = {0, 0, 0};
    exact_single(cs[i].N, cs[i].beta, cs[i].c, 3, &s);
    check_int(exact_single_angle_density(cs[i].N, cs[i].beta, cs[i].c, 3, th, M, rho),
              EMF_SUCCESS, "density status");
    for (a = 0; a < M; a++) {
      norm += rho[a];
      for (k = 0; k < 3; k++) mom[k] += rho[a] * cos((k + 1) * th[a]);
    }
    check_abs(norm * 2.0 * M_PI / M, 1.0, 1e-13, "SU(%d) case %zu: int rho = 1", cs[i].N, i);
    for (k = 0; k < 3; k++)
      check_abs(mom[k] * 2.0 * M_PI / M, s.retr_uk_over_n[k], 1e-13,
                "SU(%d) case %zu: int rho cos(%d theta) = <ReTrU^%d/N>", cs[i].N, i, k + 1,
                k + 1);
  }
  /* SU(2) Haar: rho = sin^2(theta)/pi. */
  exact_single_angle_density(2, 1.0, NULL, 0, th, M, rho);
  for (a = 0; a < M; a += 17)
    check_rel(rho[a], sin(th[a]) * sin(th[a]) / M_PI, 1e-13, 1e-15, "SU(2) Haar rho(%g)",
              th[a]);
  { /* SU(3) joint density. */
    enum { Q = 96 };
    static double pts[Q * Q * 2], p[Q * Q];
    double tot = 0.0, c3[3] = {0.17, -0.65, 1.22}, one[6], pv[3], r1[1];
    int b;
    for (a = 0; a < Q; a++)
      for (b = 0; b < Q; b++) {
        pts[2 * (a * Q + b)] = 2.0 * M_PI * a / Q;
        pts[2 * (a * Q + b) + 1] = 2.0 * M_PI * b / Q;
      }
    check_int(exact_single_angle_joint(3, 9.0, c3, 3, pts, Q * Q, p), EMF_SUCCESS,
              "joint status");
    for (a = 0; a < Q * Q; a++) tot += p[a];
    check_abs(tot * (2.0 * M_PI / Q) * (2.0 * M_PI / Q), 1.0, 1e-12,
              "SU(3) joint density integrates to 1");
    /* marginal: sum over theta_2 at theta_1 = grid point a = 7 */
    tot = 0.0;
    for (b = 0; b < Q; b++) tot += p[7 * Q + b];
    th[0] = 2.0 * M_PI * 7 / Q;
    exact_single_angle_density(3, 9.0, c3, 3, th, 1, r1);
    check_rel(tot * 2.0 * M_PI / Q, r1[0], 1e-12, 1e-15, "SU(3) marginal = int joint dtheta_2");
    /* permutation symmetry (t1, t2, t3 = -t1-t2) */
    one[0] = 0.3; one[1] = -1.1;
    one[2] = -1.1; one[3] = 0.3;
    one[4] = 0.3; one[5] = 0.8;
    exact_single_angle_joint(3, 9.0, c3, 3, one, 3, pv);
    check_rel(pv[1], pv[0], 1e-13, 0.0, "SU(3) joint density symmetric in theta_1, theta_2");
    check_rel(pv[2], pv[0], 1e-13, 0.0, "SU(3) joint density symmetric in theta_2, theta_3");
  }
}

/* Toeplitz-determinant evaluation (test-only, independent of exact_single). */
enum { TN = 2048, TH = 400 };

static double det_rows(int N, const double *h, const int *off)
{
  double a[EMF_NMAX][EMF_NMAX], d = 1.0;
  int i, j, k, p;
  for (i = 0; i < N; i++)
    for (j = 0; j < N; j++) {
      int n = abs(off[i] + j);
      a[i][j] = n <= TH ? h[n] : 0.0;
    }
  for (k = 0; k < N; k++) {
    p = k;
    for (i = k + 1; i < N; i++)
      if (fabs(a[i][k]) > fabs(a[p][k])) p = i;
    if (a[p][k] == 0.0) return 0.0;
    if (p != k) {
      for (j = 0; j < N; j++) {
        double t = a[k][j];
        a[k][j] = a[p][j];
        a[p][j] = t;
      }
      d = -d;
    }
    d *= a[k][k];
    for (i = k + 1; i < N; i++) {
      double f = a[i][k] / a[k][k];
      for (j = k + 1; j < N; j++) a[i][j] -= f * a[k][j];
    }
  }
  return d;
}

static void toeplitz_single(int N, double beta, const double *c, double out[4])
{
  static double h[TH + 1];
  double z = 0.0, o[3] = {0, 0, 0}, emax = 0.0;
  int n, a, m, i, k, off[EMF_NMAX];
  for (k = 0; k < 3; k++) emax += fabs(c[k]) * beta / N;
  for (n = 0; n <= TH; n++) { /* h_n e^-emax by the (spectrally exact) trapezoid rule */
    double s = 0.0;
    for (a = 0; a < TN; a++) {
      double th = 2.0 * M_PI * a / TN, e = 0.0;
      for (k = 0; k < 3; k++) e += c[k] * cos((k + 1) * th);
      s += exp(beta / N * e - emax) * cos(n * th);
    }
    h[n] = s / TN;
  }
  for (m = -TH; m <= TH; m++) {
    for (i = 0; i < N; i++) off[i] = m - i;
    z += det_rows(N, h, off);
    for (k = 1; k <= 3; k++)
      for (i = 0; i < N; i++) {
        off[i] -= k;
        o[k - 1] += det_rows(N, h, off);
        off[i] += 2 * k;
        o[k - 1] += det_rows(N, h, off);
        off[i] -= k;
      }
  }
  out[0] = log(z) + N * emax;
  for (k = 0; k < 3; k++) out[k + 1] = o[k] / (2.0 * N * z);
}

static void test_toeplitz(void)
{
  struct { int N; double beta; double c[3]; } cs[] = {
      {3, 9.0, {0.98, -0.63, -0.21}}, {3, 9.0, {0.17, -0.65, 1.22}}, {3, 9.0, {1.0, 0.0, 0.0}},
      {4, 3.0, {0.5, -0.4, 0.9}}, {2, 5.0, {0.3, -0.8, 0.5}}};
  size_t i;
  int k;
  for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
    exact_single_t s;
    double t[4];
    exact_single(cs[i].N, cs[i].beta, cs[i].c, 3, &s);
    toeplitz_single(cs[i].N, cs[i].beta, cs[i].c, t);
    check_rel(s.logZ, t[0], 1e-12, 1e-13, "SU(%d) case %zu: logZ Weyl = Toeplitz", cs[i].N, i);
    for (k = 0; k < 3; k++)
      check_rel(s.retr_uk_over_n[k], t[k + 1], 1e-12, 1e-15,
                "SU(%d) case %zu: <ReTrU^%d/N> Weyl = Toeplitz", cs[i].N, i, k + 1);
  }
}

static void test_errors(void)
{
  exact_single_t s;
  double c[3] = {1, 0, 0}, x = 0.0, r;
  check_int(exact_single(1, 1.0, c, 3, &s), EMF_EINVAL, "N=1 refused");
  check_int(exact_single(EMF_NMAX + 1, 1.0, c, 3, &s), EMF_EINVAL, "N > NMAX refused");
  check_int(exact_single(3, 1.0, NULL, 3, &s), EMF_EINVAL, "c NULL refused");
  check_int(exact_single(3, 1.0, c, -1, &s), EMF_EINVAL, "nc < 0 refused");
  check_int(exact_single(3, 1.0, c, EXACT_SINGLE_NCMAX + 1, &s), EMF_EINVAL, "nc too big");
  check_int(exact_single(3, NAN, c, 3, &s), EMF_EDOM, "beta NaN refused");
  check_int(exact_single(3, 1.0, c, 3, NULL), EMF_EINVAL, "out NULL refused");
  check_int(exact_single(6, 1.0, c, 3, &s), EMF_ENOTSUP, "SU(6) too expensive: refused");
  check_int(exact_single_rule(3, 1.0, c, 3, 1, &s), EMF_EINVAL, "n=1 refused");
  check_int(exact_single_angle_density(3, 1.0, c, 3, NULL, 1, &r), EMF_EINVAL,
            "density theta NULL refused");
  check_int(exact_single_angle_joint(3, 1.0, c, 3, &x, 1, NULL), EMF_EINVAL,
            "joint p NULL refused");
}

int main(void)
{
  clock_t t0 = clock();
  exact_single_t s;
  test_haar();
  test_convergence();
  test_fd();
  test_su2_vs_lattice();
  test_density();
  test_toeplitz();
  test_errors();
  t0 = clock();
  exact_single(3, 9.0, boyda[1], 3, &s);
  printf("exact_single(SU(3), boyda2): %.4f s, %d points per angle\n",
         (double)(clock() - t0) / CLOCKS_PER_SEC, s.n_points);
  return check_finish("test_single");
}
