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
/* wilson_su3.c: the links and momenta kept in w's vector layout over an
 * MD trajectory (w made for u's geometry on a grid that splits no
 * direction: box_usable 1).  box_load copies u's owned links and the
 * momenta p (layout of action.h; NULL: none) into w, box_store back (halos
 * untouched); force_su3_box is wilson_force_su3_ws on the links in w
 * (bit-identical; u gives only the geometry), or with add = 2 the kick
 * P -= kc force on the momenta in w (the force not stored, f unused);
 * box_drift is the HMC drift U <- exp(c P) U on the links and momenta in
 * w, bit for bit exp_mul per link (EMF_EDOM if a c p is not finite, those
 * links untouched). */
int wilson_su3_box_usable(const action_ws_t *w, const gauge_t *u);
void wilson_su3_box_load(action_ws_t *w, const gauge_t *u, const double *p);
void wilson_su3_box_store(action_ws_t *w, gauge_t *u, double *p);
int wilson_force_su3_box(const action_t *a, const gauge_t *u, double *f, int add,
                         double kc, action_ws_t *w);
int wilson_su3_box_drift(action_ws_t *w, double c);
/* rows per slab of the box force (< 1: the default); w may be NULL */
void wilson_su3_ws_set_slab(action_ws_t *w, int rows);

#endif
