/*******************************************************************************
 * action_int.h: module-internal declarations of the action module.
 ******************************************************************************/
#ifndef ACTION_INT_H
#define ACTION_INT_H

#include "action.h"

/* wilson_su3.c: the Wilson force for N = 3 (same contract as the "force"
 * entry of action_type_t). */
int wilson_force_su3(const action_t *a, const gauge_t *u, double *f, int add);
/* wilson_su3.c: *s += this rank's share of S = -(beta/3) sum Re tr U_P,
 * one qsum_add per owned site (if s != NULL), and f = the force at
 * coupling beta (if f != NULL), in one pass. */
int wilson_value_force_su3(const gauge_t *u, double beta, qsum_t *s, double *f);

#endif
