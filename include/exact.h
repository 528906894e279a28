/*******************************************************************************
 * exact.h: exact results for validation (MPI-free, serial).
 *
 *  - 2D periodic L x L lattice (and L = infinity), Wilson action, SU(N):
 *    character expansion with the Bessel (Toeplitz) determinant formula for
 *    the coefficients, summed over representations with a computed tail
 *    bound (exact_lattice2d.c).
 *  - One SU(N) matrix with density exp((beta/N) sum_k c_k Re tr U^k) / Z:
 *    Weyl integration with the periodic trapezoid rule on the N-1 independent
 *    eigenvalue angles, refined by doubling until converged (exact_single.c).
 *
 * Conventions: DESIGN.md section 2 (S = -(beta/N) sum_P Re tr U_P, Haar
 * measure normalised to 1).  Formulas, truncation bounds and accuracy:
 * doc/exact.md.  Every function returns an EMF_* status and never aborts.
 ******************************************************************************/
#ifndef EXACT_H
#define EXACT_H

#include <stddef.h>
#include "global.h"

/* Character expansion coefficients of one representation, divided by
 * e^beta (so they are O(1) for any beta):
 *   c      = e^-beta c_r,       c_r = int dU conj(chi_r(U))/d_r w(U),
 *   g[0]   = e^-beta c_r[g1],   g1 = (1/N) Re tr U   (g[0] = e^-beta dc_r/dbeta)
 *   g[1]   = e^-beta c_r[g2],   g2 = (1/N) Re tr U^2
 * with c_r[g] = int dU conj(chi_r)/d_r g w and w(U) = exp((beta/N) Re tr U). */
typedef struct {
  double c;      /* e^-beta c_r  (> 0) */
  double g[2];   /* e^-beta c_r[g1], e^-beta c_r[g2] */
  double dim;    /* d_r */
  double err;    /* estimated absolute rounding error of c (and of g[]) */
} exact_coeff_t;

/* 2D lattice results. */
typedef struct {
  double plaquette;      /* <(1/N) Re tr U_P> */
  double retr_u2;        /* <(1/N) Re tr U_P^2> */
  double lnZ;            /* ln Z (finite L); NAN for L = 0 (infinite volume) */
  double lnZ_per_plaq;   /* lnZ / V, or log c_0 (the V -> infinity limit) */
  long n_terms;          /* number of representations summed */
  int lambda_max;        /* largest lambda_1 included */
  double tail_bound;     /* rigorous bound on the relative truncation error of Z */
  double obs_tail_bound; /* bound on the absolute truncation error of plaquette
                            and retr_u2 (rigorous for V >= 2; see doc/exact.md) */
  double round_err;      /* estimated relative rounding error of Z */
} exact_lattice2d_t;

#define EXACT_SINGLE_KMAX 3   /* observables <(1/N) Re tr U^k>, k = 1..3 */
#define EXACT_SINGLE_NCMAX 16 /* largest number of coefficients c_k */

/* Single-matrix results. */
typedef struct {
  double logZ;                              /* log int dU exp(...) */
  double retr_uk_over_n[EXACT_SINGLE_KMAX]; /* <(1/N) Re tr U^k>, k = 1..3 */
  int n_points;                             /* points per angle of the rule used */
  double quad_err;  /* max |difference| of logZ and the observables to the
                       rule with half as many points (a conservative bound) */
} exact_single_t;

/* exact_lattice2d.c */
double exact_rep_dim(int N, const int *lambda);
int exact_bessel_scaled(double x, int nmax, double *b);
int exact_char_coeff(int N, double beta, const int *lambda, exact_coeff_t *out);
int exact_lattice2d(int N, double beta, long L, exact_lattice2d_t *out);
int exact_lattice2d_volume(int N, double beta, long V, exact_lattice2d_t *out);

/* exact_single.c */
int exact_single(int N, double beta, const double *c, int nc, exact_single_t *out);
int exact_single_rule(int N, double beta, const double *c, int nc, int n,
                      exact_single_t *out);
int exact_single_angle_density(int N, double beta, const double *c, int nc,
                               const double *theta, size_t n_theta, double *rho);
int exact_single_angle_joint(int N, double beta, const double *c, int nc,
                             const double *theta, size_t n_theta, double *p);

#endif
