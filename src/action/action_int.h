/*******************************************************************************
 * action_int.h: module-internal declarations of the action module.
 ******************************************************************************/
#ifndef ACTION_INT_H
#define ACTION_INT_H

#include "action.h"

/* wilson_su3.c: the Wilson force for N = 3 (same contract as the "force"
 * entry of action_type_t). */
int wilson_force_su3(const action_t *a, const gauge_t *u, double *f, int add);

#endif
