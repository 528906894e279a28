/*******************************************************************************
 * sun.h: SU(N) and su(N) algebra (MPI-free, allocation-free kernels).
 *
 * Conventions (DESIGN.md section 2): matrices are N*N cplx_t, row-major.
 * su(N) = anti-Hermitian traceless matrices, <X,Y> = -2 tr(XY), orthonormal
 * basis T_a = i lambda_a / 2 (Pauli for N = 2, Gell-Mann for N = 3, the
 * generalised Gell-Mann matrices for N > 3 in the nested order that
 * contains both: for k = 1..N-1, the symmetric and antisymmetric pairs
 * (j,k), j = 0..k-1, then the k-th diagonal matrix; so the su(N-1) basis
 * is the first (N-1)^2-1 elements of su(N)'s; see src/sun/README and
 * doc/conventions.md).
 * Coordinates of any matrix M: x_a = -2 Re tr(T_a M) = <T_a, P(M)>, where P
 * is the projection onto su(N).
 *
 * Kernels specialised for N = 2 and N = 3 are chosen once through a
 * sun_type_t table (GSL-style type struct); the plain sun_* functions take N
 * and work for 2 <= N <= EMF_NMAX.
 ******************************************************************************/
#ifndef SUN_H
#define SUN_H

#include "global.h"

/* C11's CMPLX(re, im); glibc does not define it for every compiler (clang).
 * The fallback is exact for finite arguments. */
#ifndef CMPLX
#define CMPLX(x, y) ((cplx_t)((double)(x) + I * (double)(y)))
#endif

typedef struct sun_type {
  const char *name; /* "su2", "su3", "sun" */
  int n;            /* N */
  int nn;           /* N*N */
  int ngen;         /* N*N - 1 */
  void (*mul)(cplx_t *c, const cplx_t *a, const cplx_t *b);     /* c = a b     */
  void (*mul_dag)(cplx_t *c, const cplx_t *a, const cplx_t *b); /* c = a b^+   */
  void (*dag_mul)(cplx_t *c, const cplx_t *a, const cplx_t *b); /* c = a^+ b   */
  /* u = exp(x) for x in su(N) given by its ngen coordinates */
  int (*exp_alg)(cplx_t *u, const double *x);
  /* x_a = -2 Re tr(T_a m) for a general matrix m */
  void (*to_alg)(double *x, const cplx_t *m);
  /* m = sum_a x_a T_a */
  void (*from_alg)(cplx_t *m, const double *x);
  /* u <- exp(c x) u in place (the HMC drift); EMF_EDOM, u untouched, if
   * c x is not finite */
  int (*exp_mul)(cplx_t *u, const double *x, double c);
  /* exp_mul on four links at once: u[l] <- exp(c x[l]) u[l], l = 0..3,
   * bit for bit what four exp_mul calls give (for N = 3 with AVX2 the four
   * links share the registers); EMF_EDOM if any c x[l] is not finite
   * (those links untouched) */
  int (*exp_mul4)(cplx_t *const *u, const double *const *x, double c);
} sun_type_t;

/* sun_type.c */
const sun_type_t *sun_type_get(int n);   /* NULL if n is not supported */

/* sun_su3.c: the SU(3) exp_mul on four links held as vector lanes (entry k
 * of link l at u[4k + l], coordinate a of its x at x[4a + l], both 32-byte
 * aligned), bit for bit exp_mul per link; EMF_EDOM if any c x of a lane is
 * not finite (those links untouched) */
int sun_su3_exp_mul_lanes(double *u, const double *x, double c);

/* sun_basic.c: generic N (2 <= n <= EMF_NMAX); c may not alias a or b */
void sun_unit(int n, cplx_t *u);
void sun_zero(int n, cplx_t *u);
void sun_copy(int n, cplx_t *dst, const cplx_t *src);
void sun_dag(int n, cplx_t *c, const cplx_t *a);                 /* c = a^+  */
void sun_mul(int n, cplx_t *c, const cplx_t *a, const cplx_t *b);
void sun_mul_dag(int n, cplx_t *c, const cplx_t *a, const cplx_t *b);
void sun_dag_mul(int n, cplx_t *c, const cplx_t *a, const cplx_t *b);
void sun_add(int n, cplx_t *c, const cplx_t *a);                 /* c += a   */
void sun_axpy(int n, cplx_t *c, cplx_t s, const cplx_t *a);      /* c += s a */
void sun_scale(int n, cplx_t *c, cplx_t s);                      /* c *= s   */
cplx_t sun_trace(int n, const cplx_t *a);
double sun_retrace_mul(int n, const cplx_t *a, const cplx_t *b); /* Re tr(ab) */
cplx_t sun_det(int n, const cplx_t *a);
/* max(max_ij |(U^+ U - 1)_ij|, |det U - 1|): distance from SU(N) */
double sun_unitarity_error(int n, const cplx_t *u);
/* Project a near-unitary matrix back onto SU(N): Gram-Schmidt on the rows,
 * then the determinant phase removed.  Returns EMF_EDOM if u is singular. */
int sun_reunitarize(int n, cplx_t *u);

/* sun_alg.c */
/* x = P(m): traceless anti-Hermitian part (m - m^+)/2 - tr(m - m^+)/(2N). */
void sun_proj(int n, cplx_t *x, const cplx_t *m);
void sun_to_alg(int n, double *x, const cplx_t *m);      /* x_a = -2 Re tr(T_a m) */
void sun_from_alg(int n, cplx_t *m, const double *x);    /* m = sum_a x_a T_a    */
/* Fill t[a*n*n ...] with the n*n-1 basis matrices T_a.  EMF_EINVAL for a bad n. */
int sun_basis(int n, cplx_t *t);
/* c = [a, b] = ab - ba */
void sun_commutator(int n, cplx_t *c, const cplx_t *a, const cplx_t *b);
/* Algebra-coordinate versions of ad: z = [x, y] in coordinates */
void sun_alg_bracket(int n, double *z, const double *x, const double *y);

/* sun_exp.c */
/* u = exp(x) for x in su(N) (matrix form; a general x is first projected,
 * u = exp(P(x))).  Closed forms for N = 2 (Rodrigues) and N = 3
 * (Cayley-Hamilton, stable for small and degenerate arguments); scaling and
 * squaring with a Taylor series otherwise.  The result is unitary with
 * det 1 to rounding.  EMF_EDOM if x is not finite, EMF_EINVAL for bad n. */
int sun_exp(int n, cplx_t *u, const cplx_t *x);
int sun_exp_alg(int n, cplx_t *u, const double *x);
/* u = exp(a) for any complex matrix a: scaling and squaring with a Taylor
 * series (the general-N path of sun_exp, and the tests' reference).
 * EMF_EDOM if a is not finite, EMF_EINVAL for a bad n. */
int sun_exp_taylor(int n, cplx_t *u, const cplx_t *a);

/* sun_haar.c */
/* Haar-random SU(N) from 2*n*n independent standard normal numbers g
 * (complex Ginibre matrix, QR with the phases of R's diagonal removed, then
 * the determinant phase divided out of one column by a random-free rule that
 * keeps the Haar measure on SU(N)).  Returns EMF_EDOM on a singular draw. */
int sun_haar_from_gaussians(int n, cplx_t *u, const double *g);

#endif
