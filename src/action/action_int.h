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

/* wilson_su3.c: the site-vectorised Wilson force for N = 3 (AVX2/FMA
 * builds): 1 if u's shape allows it (N = 3, D >= 2, depth >= 1, l[0] a
 * multiple of 4); its workspace (NULL if not usable or out of memory); the
 * force through it, bit-identical to wilson_force_su3 (which it calls when
 * w is NULL or was made for another geometry). */
int wilson_su3_ws_usable(const gauge_t *u);
action_ws_t *wilson_su3_ws_alloc(const gauge_t *u);
void wilson_su3_ws_free(action_ws_t *w);
/* 1 if the force through w reads no link halo (u's grid splits no
 * direction: the periodic images are read in the owned box), so the halo
 * exchange before it can be skipped. */
int wilson_su3_ws_self_halo(const action_ws_t *w, const gauge_t *u);
int wilson_force_su3_ws(const action_t *a, const gauge_t *u, double *f, int add,
                        action_ws_t *w);

#endif
