/*******************************************************************************
 * test_kernels.c: the sun_type_t tables.  The straight-line N = 2, 3
 * kernels (mul, mul_dag, dag_mul, exp_alg, to_alg, from_alg) agree with the
 * generic sun_* functions to 1e-14 on random matrices; the generic tables
 * (N = 4..EMF_NMAX) agree too; sun_type_get rejects unsupported N.
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "check.h"
#include "rng.h"
#include "sun.h"
#include "testutil.h"

#define NM (EMF_NMAX * EMF_NMAX)

int main(void)
{
  rng_stream_t s;
  rng_stream_init(&s, 20240601, RNG_TEST, 1, 0);

  check_true(sun_type_get(1) == NULL, "sun_type_get(1) is NULL");
  check_true(sun_type_get(0) == NULL, "sun_type_get(0) is NULL");
  check_true(sun_type_get(EMF_NMAX + 1) == NULL, "sun_type_get(NMAX+1) is NULL");
  check_true(sun_type_get(2) && strcmp(sun_type_get(2)->name, "su2") == 0, "name su2");
  check_true(sun_type_get(3) && strcmp(sun_type_get(3)->name, "su3") == 0, "name su3");

  for (int n = 2; n <= EMF_NMAX; n++) {
    const sun_type_t *t = sun_type_get(n);
    check_true(t != NULL, "sun_type_get(%d) not NULL", n);
    if (!t) continue;
    check_int(t->n, n, "N=%d: n", n);
    check_int(t->nn, n * n, "N=%d: nn", n);
    check_int(t->ngen, n * n - 1, "N=%d: ngen", n);
    if (n > 3) check_true(strcmp(t->name, "sun") == 0, "N=%d: name sun", n);
    double emul = 0, emd = 0, edm = 0, eexp = 0, eto = 0, efrom = 0;
    int nrep = (n <= 3) ? 200 : 20;
    for (int rep = 0; rep < nrep; rep++) {
      cplx_t a[NM], b[NM], c1[NM], c2[NM];
      double x1[NM], x2[NM];
      tu_gaussian_matrix(&s, n, 1.0, a);
      tu_gaussian_matrix(&s, n, 1.0, b);
      /* normalise so that 1e-14 is a relative tolerance */
      sun_scale(n, a, 1.0 / sqrt(n));
      sun_scale(n, b, 1.0 / sqrt(n));
      t->mul(c1, a, b);       sun_mul(n, c2, a, b);     emul = fmax(emul, tu_maxdiff(n * n, c1, c2));
      t->mul_dag(c1, a, b);   sun_mul_dag(n, c2, a, b); emd = fmax(emd, tu_maxdiff(n * n, c1, c2));
      t->dag_mul(c1, a, b);   sun_dag_mul(n, c2, a, b); edm = fmax(edm, tu_maxdiff(n * n, c1, c2));
      t->to_alg(x1, a);       sun_to_alg(n, x2, a);
      for (int k = 0; k < n * n - 1; k++) eto = fmax(eto, fabs(x1[k] - x2[k]));
      /* algebra element of norm between 0 and 10 (closed form vs Taylor) */
      double r = 10.0 * rng_uniform(&s), nrm = 0.0;
      for (int k = 0; k < n * n - 1; k++) { x1[k] = rng_gaussian(&s); nrm += x1[k] * x1[k]; }
      for (int k = 0; k < n * n - 1; k++) x1[k] *= r / sqrt(nrm);
      t->from_alg(c1, x1);    sun_from_alg(n, c2, x1);  efrom = fmax(efrom, tu_maxdiff(n * n, c1, c2));
      int st1 = t->exp_alg(c1, x1);
      cplx_t m[NM];
      sun_from_alg(n, m, x1);
      int st2 = sun_exp_taylor(n, c2, m);
      check_true(st1 == EMF_SUCCESS && st2 == EMF_SUCCESS, "N=%d rep %d: exp status", n, rep);
      eexp = fmax(eexp, tu_maxdiff(n * n, c1, c2));
    }
    check_abs(emul, 0.0, 1e-14, "N=%d: table mul == sun_mul (max diff %.2e)", n, emul);
    check_abs(emd, 0.0, 1e-14, "N=%d: table mul_dag == sun_mul_dag (%.2e)", n, emd);
    check_abs(edm, 0.0, 1e-14, "N=%d: table dag_mul == sun_dag_mul (%.2e)", n, edm);
    check_abs(eto, 0.0, 1e-14, "N=%d: table to_alg == sun_to_alg (%.2e)", n, eto);
    check_abs(efrom, 0.0, 1e-14, "N=%d: table from_alg == sun_from_alg (%.2e)", n, efrom);
    check_abs(eexp, 0.0, 1e-14, "N=%d: table exp_alg == sun_exp_taylor, |x| <= 10 (%.2e)",
              n, eexp);
  }
  return check_finish("unit/sun/test_kernels");
}
