/*******************************************************************************
 * sun_int.h: module-internal declarations of the specialised N = 2, 3
 * kernels (sun_su2.c, sun_su3.c), reached from outside only through the
 * sun_type_t tables of sun_type.c.
 ******************************************************************************/
#ifndef SUN_INT_H
#define SUN_INT_H

#include "sun.h"

/* sun_su2.c */
void su2_mul(cplx_t *c, const cplx_t *a, const cplx_t *b);
void su2_mul_dag(cplx_t *c, const cplx_t *a, const cplx_t *b);
void su2_dag_mul(cplx_t *c, const cplx_t *a, const cplx_t *b);
int su2_exp_alg(cplx_t *u, const double *x);
void su2_to_alg(double *x, const cplx_t *m);
void su2_from_alg(cplx_t *m, const double *x);
int su2_exp_mul(cplx_t *u, const double *x, double c);

/* sun_su3.c */
void su3_mul(cplx_t *c, const cplx_t *a, const cplx_t *b);
void su3_mul_dag(cplx_t *c, const cplx_t *a, const cplx_t *b);
void su3_dag_mul(cplx_t *c, const cplx_t *a, const cplx_t *b);
int su3_exp_alg(cplx_t *u, const double *x);
void su3_to_alg(double *x, const cplx_t *m);
void su3_from_alg(cplx_t *m, const double *x);
int su3_exp_mul(cplx_t *u, const double *x, double c);
int su3_exp_mul4(cplx_t *const *u, const double *const *x, double c);

#endif
