/*******************************************************************************
 * sun_haar.c: Haar-distributed SU(N) matrices from Gaussian numbers.
 *
 * int sun_haar_from_gaussians(int n, cplx_t *u, const double *g)
 *   u = a Haar-random element of SU(n) built from 2 n^2 independent
 *   standard normal numbers g (consumed in order: Z_ij = g[2(i n + j)] +
 *   i g[2(i n + j) + 1]):
 *     1. Z is a complex Ginibre matrix.
 *     2. Gram-Schmidt on the columns of Z (each column orthogonalised twice
 *        against the previous ones) gives Z = Q R with R upper triangular
 *        and R_jj > 0: this is the QR decomposition with the phases of R's
 *        diagonal removed (Mezzadri, math-ph/0609050), and Q is Haar on U(n).
 *     3. u = Q D, D = diag(1, ..., 1, conj(det Q)): the last column carries
 *        the determinant phase away, so det u = 1.
 *   Why u is Haar on SU(n): for any fixed unitary W, W Z is again Ginibre
 *   and, by uniqueness of QR with positive diagonal, Q(W Z) = W Q(Z); so
 *   Q's law is left-invariant (Haar on U(n)).  For W in SU(n), det(W Q) =
 *   det Q, so step 3 maps W Q to W u: u's law is invariant under left
 *   multiplication by SU(n), and the only such probability measure on SU(n)
 *   is the normalised Haar measure.  (Any rule u = Q D(det Q) that is a
 *   fixed function of det Q works the same way; this one is cheapest.)
 *   Returns EMF_SUCCESS, EMF_EINVAL for a bad n, or EMF_EDOM if g is not
 *   finite or Z is numerically singular (a column's norm falls below 1e-12
 *   of its original norm; probability ~ 1e-24 n for Gaussian input), in
 *   which case u is unspecified and the caller should draw again.
 *
 * Context: local, allocation-free, thread-safe.
 ******************************************************************************/
#include <math.h>
#include "sun.h"

int sun_haar_from_gaussians(int n, cplx_t *u, const double *g)
{
  if (n < 2 || n > EMF_NMAX) return EMF_EINVAL;
  for (int i = 0; i < n * n; i++) u[i] = CMPLX(g[2 * i], g[2 * i + 1]);
  for (int j = 0; j < n; j++) {
    double norm0 = 0.0, norm = 0.0;
    for (int i = 0; i < n; i++) {
      cplx_t z = u[i * n + j];
      norm0 += creal(z) * creal(z) + cimag(z) * cimag(z);
    }
    if (!isfinite(norm0) || norm0 == 0.0) return EMF_EDOM;
    for (int pass = 0; pass < 2; pass++)
      for (int k = 0; k < j; k++) {
        cplx_t s = 0.0;
        for (int i = 0; i < n; i++) s += conj(u[i * n + k]) * u[i * n + j];
        for (int i = 0; i < n; i++) u[i * n + j] -= s * u[i * n + k];
      }
    for (int i = 0; i < n; i++) {
      cplx_t z = u[i * n + j];
      norm += creal(z) * creal(z) + cimag(z) * cimag(z);
    }
    if (!(norm > 1e-24 * norm0)) return EMF_EDOM;
    double inv = 1.0 / sqrt(norm);
    for (int i = 0; i < n; i++) u[i * n + j] *= inv;
  }
  cplx_t d = sun_det(n, u);
  cplx_t ph = conj(d) / cabs(d);
  for (int i = 0; i < n; i++) u[i * n + n - 1] *= ph;
  return EMF_SUCCESS;
}
