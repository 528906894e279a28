/*******************************************************************************
 * test_lattice2d.c: the character-expansion module checked by independent
 * means (doc/exact.md).
 *
 *  1. exact_bessel_scaled against GSL's gsl_sf_bessel_In_scaled (rel 1e-13).
 *  2. SU(2): e^-beta c_n = 2 e^-beta I_n(beta)/beta (n = dimension, GSL)
 *     against the determinant formula (rel 1e-13).
 *  3. c_r, c_r[(1/N) Re tr U], c_r[(1/N) Re tr U^2] for SU(3) and SU(4)
 *     representations against a direct Weyl integration of
 *     conj(chi_r) g w (Weyl character formula, trapezoid rule; rel 1e-12).
 *  4. c_r[(1/N) Re tr U] = dc_r/dbeta by a 4-point finite difference (1e-8).
 *  5. Sum rule sum_r d_r^2 c_r = e^beta (abs 1e-14 after scaling).
 *  6. <P> = (1/V) d lnZ/dbeta by a 4-point finite difference, L = 1, 2, 4,
 *     SU(2), SU(3), SU(4) (rel 1e-8).
 *  7. Infinite volume equals the single-matrix Weyl integration with
 *     c = (1, 0, 0): log c_0 = logZ, P = <(1/N) Re tr U>, ReTrU2 likewise
 *     (rel 1e-12), N = 2, 3, 4; and L = 64 equals L = infinity.
 *  8. Tail bounds below 1e-18 where promised; error returns.
 *  9. The torus formula Z = sum_r c_r^V itself at L = 1, SU(2), by direct
 *     integration over the two links: with U_1 diagonal (angle a) and
 *     U_2 = cos b + i sin b n.sigma (polar angle t of n),
 *     Re tr U_P = 2 - 4 sin^2 a sin^2 b sin^2 t  (rel 1e-12).
 ******************************************************************************/
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_bessel.h>
#include "check.h"
#include "exact.h"

static void test_bessel(void)
{
  const double xs[] = {0.01, 0.5, 1.0, 8.0 / 3.0, 4.0, 30.0, 300.0};
  double b[41];
  size_t i;
  int n;
  for (i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    check_int(exact_bessel_scaled(xs[i], 40, b), EMF_SUCCESS, "bessel x=%g status", xs[i]);
    for (n = 0; n <= 20; n++) {
      double ref = gsl_sf_bessel_In_scaled(n, xs[i]);
      if (ref < 1e-250) continue;
      check_rel(b[n], ref, 1e-13, 0.0, "e^-x I_%d(%g) vs GSL", n, xs[i]);
    }
  }
  check_int(exact_bessel_scaled(0.0, 4, b), EMF_EDOM, "bessel x=0 refused");
  check_int(exact_bessel_scaled(1.0, -1, b), EMF_EINVAL, "bessel nmax<0 refused");
  check_int(exact_bessel_scaled(1.0, 4, NULL), EMF_EINVAL, "bessel NULL refused");
}

static void test_su2_closed_form(void)
{
  const double betas[] = {0.5, 1.0, 4.0, 8.0, 20.0};
  size_t i;
  int n;
  for (i = 0; i < sizeof betas / sizeof betas[0]; i++) {
    double beta = betas[i];
    for (n = 1; n <= 14; n++) {
      exact_coeff_t co;
      int lam = n - 1;
      double ref = 2.0 * gsl_sf_bessel_In_scaled(n, beta) / beta;
      check_int(exact_char_coeff(2, beta, &lam, &co), EMF_SUCCESS, "coeff status");
      check_rel(co.c, ref, 1e-13, 1e-300, "SU(2) c_%d(beta=%g) = 2 I_n/beta", n, beta);
      check_rel(co.dim, n, 0.0, 0.0, "SU(2) dim of spin %d/2", n - 1);
    }
  }
}

/* Weyl character formula numerator det[e^{i (lam_j + N - 1 - j) th_k}]. */
static double complex alternant(int N, const int *lam, const double *th)
{
  double complex a[EMF_NMAX][EMF_NMAX], d = 1.0;
  int i, j, k, p;
  for (j = 0; j < N; j++)
    for (k = 0; k < N; k++) a[j][k] = cexp(I * (lam[j] + N - 1 - j) * th[k]);
  for (k = 0; k < N; k++) { /* Gaussian elimination, partial pivoting */
    p = k;
    for (i = k + 1; i < N; i++)
      if (cabs(a[i][k]) > cabs(a[p][k])) p = i;
    if (cabs(a[p][k]) == 0.0) return 0.0;
    if (p != k) {
      for (j = 0; j < N; j++) {
        double complex s = a[k][j];
        a[k][j] = a[p][j];
        a[p][j] = s;
      }
      d = -d;
    }
    d *= a[k][k];
    for (i = k + 1; i < N; i++) {
      double complex f = a[i][k] / a[k][k];
      for (j = k + 1; j < N; j++) a[i][j] -= f * a[k][j];
    }
  }
  return d;
}

/* e^-beta int dU conj(chi_lam)/d g w, g = 1, (1/N)Re tr U, (1/N)Re tr U^2. */
static void weyl_coeff(int N, double beta, const int *lam_short, int n, double res[3])
{
  int lam[EMF_NMAX], zero[EMF_NMAX] = {0}, idx[EMF_NMAX] = {0}, j, k;
  long pt, npts = 1;
  double acc[3] = {0, 0, 0}, fact = 1.0;
  for (j = 0; j < N - 1; j++) lam[j] = lam_short[j];
  lam[N - 1] = 0;
  for (j = 0; j < N - 1; j++) npts *= n;
  for (j = 2; j <= N; j++) fact *= j;
  for (pt = 0; pt < npts; pt++) {
    double th[EMF_NMAX], sum = 0.0, ex = 0.0, g1 = 0.0, g2 = 0.0, f;
    for (j = 0; j < N - 1; j++) {
      th[j] = 2.0 * M_PI * idx[j] / n;
      sum += th[j];
    }
    th[N - 1] = -sum;
    for (j = 0; j < N; j++) {
      ex += cos(th[j]) - 1.0;
      g1 += cos(th[j]) / N;
      g2 += cos(2.0 * th[j]) / N;
    }
    f = creal(conj(alternant(N, lam, th)) * alternant(N, zero, th)) * exp(beta / N * ex);
    acc[0] += f;
    acc[1] += f * g1;
    acc[2] += f * g2;
    for (j = 0; j < N - 1; j++) {
      if (++idx[j] < n) break;
      idx[j] = 0;
    }
  }
  for (k = 0; k < 3; k++) res[k] = acc[k] / (npts * fact * exact_rep_dim(N, lam_short));
}

static void test_coeff_weyl(void)
{
  const int reps3[][2] = {{0, 0}, {1, 0}, {1, 1}, {2, 0}, {2, 1}, {3, 1}, {4, 2}, {6, 3}};
  const int reps4[][3] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {2, 1, 0}, {2, 2, 1}, {3, 1, 1}};
  const double betas[] = {0.7, 3.0, 9.0};
  size_t i, b;
  int k;
  for (b = 0; b < 3; b++) {
    for (i = 0; i < sizeof reps3 / sizeof reps3[0]; i++) {
      exact_coeff_t co;
      double w[3];
      check_int(exact_char_coeff(3, betas[b], reps3[i], &co), EMF_SUCCESS, "coeff status");
      weyl_coeff(3, betas[b], reps3[i], 96, w);
      check_rel(co.c, w[0], 1e-12, 1e-17, "SU(3) (%d,%d) beta %g: c vs Weyl", reps3[i][0],
                reps3[i][1], betas[b]);
      for (k = 0; k < 2; k++)
        check_rel(co.g[k], w[k + 1], 1e-12, 1e-17, "SU(3) (%d,%d) beta %g: c[Re tr U^%d] vs Weyl",
                  reps3[i][0], reps3[i][1], betas[b], k + 1);
    }
  }
  for (i = 0; i < sizeof reps4 / sizeof reps4[0]; i++) {
    exact_coeff_t co;
    double w[3];
    check_int(exact_char_coeff(4, 3.0, reps4[i], &co), EMF_SUCCESS, "coeff status");
    weyl_coeff(4, 3.0, reps4[i], 48, w);
    check_rel(co.c, w[0], 1e-12, 1e-17, "SU(4) (%d,%d,%d): c vs Weyl", reps4[i][0],
              reps4[i][1], reps4[i][2]);
    for (k = 0; k < 2; k++)
      check_rel(co.g[k], w[k + 1], 1e-12, 1e-17, "SU(4) (%d,%d,%d): c[Re tr U^%d] vs Weyl",
                reps4[i][0], reps4[i][1], reps4[i][2], k + 1);
  }
}

/* d c_r / d beta: with chat = e^-beta c_r, c_r' e^-beta = chat + dchat/dbeta. */
static void test_coeff_derivative(void)
{
  const int reps[][2] = {{0, 0}, {1, 0}, {1, 1}, {2, 1}, {3, 0}, {5, 2}};
  const double betas[] = {1.0, 5.0};
  size_t i, b;
  for (b = 0; b < 2; b++)
    for (i = 0; i < sizeof reps / sizeof reps[0]; i++) {
      double beta = betas[b], h = 1e-3, f[4], fd;
      const double s[4] = {-2, -1, 1, 2};
      exact_coeff_t co;
      int j;
      for (j = 0; j < 4; j++) {
        exact_char_coeff(3, beta + s[j] * h, reps[i], &co);
        f[j] = co.c * exp(s[j] * h); /* e^-beta c_r at beta + s h */
      }
      fd = (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h);
      exact_char_coeff(3, beta, reps[i], &co);
      check_rel(co.g[0], fd, 1e-8, 1e-14, "SU(3) (%d,%d) beta %g: c_r[g1] = dc_r/dbeta",
                reps[i][0], reps[i][1], beta);
    }
}

static void test_sum_rule(void)
{
  const int Ns[] = {2, 3};
  const double betas[] = {0.5, 4.0, 12.0};
  size_t a, b;
  for (a = 0; a < 2; a++)
    for (b = 0; b < 3; b++) {
      int N = Ns[a], l1, l2;
      double s = 0.0;
      for (l1 = 0; l1 <= 60; l1++)
        for (l2 = 0; l2 <= (N == 3 ? l1 : 0); l2++) {
          int lam[2] = {l1, l2};
          exact_coeff_t co;
          exact_char_coeff(N, betas[b], lam, &co);
          s += co.dim * co.dim * co.c;
        }
      check_rel(s, 1.0, 0.0, 1e-14, "SU(%d) beta %g: sum_r d_r^2 c_r = e^beta", N, betas[b]);
    }
}

static void test_fd_lnz(void)
{
  const int Ns[] = {2, 3, 4};
  const long Ls[] = {1, 2, 4};
  const double betas[] = {1.0, 3.0};
  size_t a, l, b;
  for (a = 0; a < 3; a++)
    for (l = 0; l < 3; l++)
      for (b = 0; b < 2; b++) {
        int N = Ns[a], j;
        long L = Ls[l];
        double beta = betas[b], h = 1e-3, f[4], fd, V = (double)(L * L);
        const double s[4] = {-2, -1, 1, 2};
        exact_lattice2d_t o;
        for (j = 0; j < 4; j++) {
          exact_lattice2d(N, beta + s[j] * h, L, &o);
          f[j] = o.lnZ;
        }
        fd = (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h);
        check_int(exact_lattice2d(N, beta, L, &o), EMF_SUCCESS, "SU(%d) L %ld status", N, L);
        check_rel(o.plaquette, fd / V, 1e-8, 1e-12, "SU(%d) L %ld beta %g: P = dlnZ/dbeta / V",
                  N, L, beta);
        check_true(o.tail_bound <= 1e-12, "SU(%d) L %ld beta %g: tail bound %.2g <= 1e-12", N,
                   L, beta, o.tail_bound);
        if (L >= 2)
          check_true(o.tail_bound <= 1e-18 && o.obs_tail_bound <= 1e-18,
                     "SU(%d) L %ld beta %g: tail bounds %.2g, %.2g <= 1e-18", N, L, beta,
                     o.tail_bound, o.obs_tail_bound);
      }
}

static void test_inf_vs_single(void)
{
  const double c[1] = {1.0};
  const double betas[] = {0.5, 2.0, 6.0, 15.0};
  int N;
  size_t b;
  for (N = 2; N <= 4; N++)
    for (b = 0; b < 4; b++) {
      exact_lattice2d_t o, o64;
      exact_single_t s;
      check_int(exact_lattice2d(N, betas[b], 0, &o), EMF_SUCCESS, "inf status");
      check_int(exact_single(N, betas[b], c, 1, &s), EMF_SUCCESS, "single status");
      check_rel(o.lnZ_per_plaq, s.logZ, 1e-12, 1e-13, "SU(%d) beta %g: log c_0 = logZ_single",
                N, betas[b]);
      check_rel(o.plaquette, s.retr_uk_over_n[0], 1e-12, 1e-15,
                "SU(%d) beta %g: P_inf = <ReTrU/N>_single", N, betas[b]);
      check_rel(o.retr_u2, s.retr_uk_over_n[1], 1e-12, 1e-15,
                "SU(%d) beta %g: ReTrU2_inf = <ReTrU^2/N>_single", N, betas[b]);
      check_true(isnan(o.lnZ) && o.n_terms == 1, "SU(%d) infinite volume: lnZ NAN", N);
      if (N <= 3) {
        check_int(exact_lattice2d(N, betas[b], 64, &o64), EMF_SUCCESS, "L=64 status");
        check_rel(o64.plaquette, o.plaquette, 1e-14, 1e-15, "SU(%d) beta %g: P(L=64) = P_inf",
                  N, betas[b]);
        check_rel(o64.lnZ_per_plaq, o.lnZ_per_plaq, 1e-13, 1e-13,
                  "SU(%d) beta %g: lnZ/V (L=64) = log c_0", N, betas[b]);
      }
    }
}

static void test_torus_su2_l1(void)
{
  const double betas[] = {0.5, 1.0, 3.0};
  enum { NA = 64, NU = 40 };
  gsl_integration_glfixed_table *gl = gsl_integration_glfixed_table_alloc(NU);
  size_t ib;
  check_true(gl != NULL, "Gauss-Legendre table");
  if (gl == NULL) return;
  for (ib = 0; ib < 3; ib++) {
    double beta = betas[ib], z = 0.0, zp = 0.0;
    exact_lattice2d_t o;
    int ia, jb;
    size_t k;
    /* a, b: trapezoid on [0, pi) (smooth, pi-periodic); u = cos t: Gauss. */
    for (ia = 0; ia < NA; ia++)
      for (jb = 0; jb < NA; jb++) {
        double a = M_PI * ia / NA, b = M_PI * jb / NA;
        double sa = sin(a) * sin(a), sb = sin(b) * sin(b);
        for (k = 0; k < NU; k++) {
          double u, wu, s, f;
          gsl_integration_glfixed_point(-1.0, 1.0, k, &u, &wu, gl);
          s = sa * sb * (1.0 - u * u);
          f = (2.0 / M_PI) * sa * (2.0 / M_PI) * sb * 0.5 * wu * (M_PI / NA) * (M_PI / NA) *
              exp(-2.0 * beta * s); /* weight e^{beta (1/2) Re tr U_P} / e^beta */
          z += f;
          zp += f * (1.0 - 2.0 * s);
        }
      }
    check_int(exact_lattice2d(2, beta, 1, &o), EMF_SUCCESS, "SU(2) L=1 status");
    check_rel(o.lnZ, beta + log(z), 1e-12, 1e-14, "SU(2) L=1 beta %g: lnZ vs direct integral",
              beta);
    check_rel(o.plaquette, zp / z, 1e-12, 1e-15, "SU(2) L=1 beta %g: P vs direct integral",
              beta);
  }
  gsl_integration_glfixed_table_free(gl);
}

static void test_errors(void)
{
  exact_lattice2d_t o;
  exact_coeff_t co;
  const int bad[2] = {1, 2}, neg[1] = {-1}, good[2] = {2, 1};
  check_int(exact_lattice2d(1, 1.0, 4, &o), EMF_EINVAL, "N=1 refused");
  check_int(exact_lattice2d(EMF_NMAX + 1, 1.0, 4, &o), EMF_EINVAL, "N > NMAX refused");
  check_int(exact_lattice2d(2, 0.0, 4, &o), EMF_EDOM, "beta=0 refused");
  check_int(exact_lattice2d(2, -1.0, 4, &o), EMF_EDOM, "beta<0 refused");
  check_int(exact_lattice2d(2, NAN, 4, &o), EMF_EDOM, "beta NaN refused");
  check_int(exact_lattice2d(2, 1.0, -1, &o), EMF_EINVAL, "L<0 refused");
  check_int(exact_lattice2d(2, 1.0, 4, NULL), EMF_EINVAL, "out NULL refused");
  check_int(exact_char_coeff(3, 1.0, bad, &co), EMF_EINVAL, "non-increasing lambda refused");
  check_int(exact_char_coeff(2, 1.0, neg, &co), EMF_EINVAL, "negative lambda refused");
  check_int(exact_char_coeff(3, 1.0, NULL, &co), EMF_EINVAL, "lambda NULL refused");
  check_int(exact_char_coeff(3, 1.0, good, NULL), EMF_EINVAL, "out NULL refused");
  check_rel(exact_rep_dim(3, good), 8.0, 0.0, 0.0, "SU(3) adjoint (2,1) has dimension 8");
  check_rel(exact_rep_dim(3, bad), 0.0, 0.0, 0.0, "invalid lambda has dimension 0");
}

int main(void)
{
  test_bessel();
  test_su2_closed_form();
  test_coeff_weyl();
  test_coeff_derivative();
  test_sum_rule();
  test_fd_lnz();
  test_inf_vs_single();
  test_torus_su2_l1();
  test_errors();
  return check_finish("test_lattice2d");
}
