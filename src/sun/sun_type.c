/*******************************************************************************
 * sun_type.c: the table of kernels for each N (GSL-style type struct).
 *
 * const sun_type_t *sun_type_get(int n)
 *   The kernel table for SU(n): "su2" and "su3" hold the straight-line
 *   kernels of sun_su2.c and sun_su3.c; for 4 <= n <= EMF_NMAX the table is
 *   named "sun" and its entries call the generic sun_* functions with that
 *   n (exp_mul: exp, product and copy).  exp_mul4 (four links) is
 *   su3_exp_mul4 for SU(3) and four exp_mul calls for the others.  Returns NULL unless
 *   2 <= n <= EMF_NMAX.  The tables are static and
 *   read-only; callers look one up once and keep the pointer.
 *
 * Context: local, thread-safe.
 ******************************************************************************/
#include "sun_int.h"

/* exp_mul4 of the tables without a vectorised one: four exp_mul calls */
#define EXP_MUL4(name, exp_mul)                                               \
  static int name(cplx_t *const *u, const double *const *x, double c)         \
  {                                                                           \
    int st = EMF_SUCCESS;                                                     \
    for (int l = 0; l < 4; l++) {                                             \
      int st1 = exp_mul(u[l], x[l], c);                                       \
      if (st == EMF_SUCCESS) st = st1;                                        \
    }                                                                         \
    return st;                                                                \
  }

EXP_MUL4(su2_exp_mul4, su2_exp_mul)

static const sun_type_t su2_type = {"su2", 2, 4, 3, su2_mul, su2_mul_dag,
                                    su2_dag_mul, su2_exp_alg, su2_to_alg,
                                    su2_from_alg, su2_exp_mul, su2_exp_mul4};

static const sun_type_t su3_type = {"su3", 3, 9, 8, su3_mul, su3_mul_dag,
                                    su3_dag_mul, su3_exp_alg, su3_to_alg,
                                    su3_from_alg, su3_exp_mul, su3_exp_mul4};

#define SUN_GENERIC(N)                                                        \
  static void mul_##N(cplx_t *c, const cplx_t *a, const cplx_t *b)            \
  { sun_mul(N, c, a, b); }                                                    \
  static void mul_dag_##N(cplx_t *c, const cplx_t *a, const cplx_t *b)        \
  { sun_mul_dag(N, c, a, b); }                                                \
  static void dag_mul_##N(cplx_t *c, const cplx_t *a, const cplx_t *b)        \
  { sun_dag_mul(N, c, a, b); }                                                \
  static int exp_alg_##N(cplx_t *u, const double *x)                          \
  { return sun_exp_alg(N, u, x); }                                            \
  static void to_alg_##N(double *x, const cplx_t *m) { sun_to_alg(N, x, m); } \
  static void from_alg_##N(cplx_t *m, const double *x)                        \
  { sun_from_alg(N, m, x); }                                                  \
  static int exp_mul_##N(cplx_t *u, const double *x, double c)                \
  {                                                                           \
    double y[N * N - 1];                                                      \
    cplx_t e[N * N], m[N * N];                                                \
    for (int a = 0; a < N * N - 1; a++) y[a] = c * x[a];                      \
    int st = sun_exp_alg(N, e, y);                                            \
    if (st != EMF_SUCCESS) return st;                                         \
    sun_mul(N, m, e, u);                                                      \
    sun_copy(N, u, m);                                                        \
    return EMF_SUCCESS;                                                       \
  }                                                                           \
  EXP_MUL4(exp_mul4_##N, exp_mul_##N)                                         \
  static const sun_type_t sun##N##_type = {"sun", N, N * N, N * N - 1,        \
                                           mul_##N, mul_dag_##N, dag_mul_##N, \
                                           exp_alg_##N, to_alg_##N,           \
                                           from_alg_##N, exp_mul_##N,          \
                                           exp_mul4_##N};

SUN_GENERIC(4)
SUN_GENERIC(5)
SUN_GENERIC(6)
SUN_GENERIC(7)
SUN_GENERIC(8)

#if EMF_NMAX != 8
#error "sun_type.c lists the generic tables for N = 4..8: update it with EMF_NMAX"
#endif

const sun_type_t *sun_type_get(int n)
{
  static const sun_type_t *const table[EMF_NMAX + 1] = {
      NULL, NULL, &su2_type, &su3_type, &sun4_type,
      &sun5_type, &sun6_type, &sun7_type, &sun8_type};
  if (n < 2 || n > EMF_NMAX) return NULL;
  return table[n];
}
