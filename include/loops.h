/*******************************************************************************
 * loops.h: loop shapes on the lattice and their incidence tables.
 *
 * A loop shape is a closed path of signed steps: step +(mu+1) goes along the
 * link U_mu(y) from y to y + mu, step -(mu+1) goes back along U_mu(y - mu)^+
 * from y to y - mu.  The loop based at site x is the ordered product
 * W(x) = V_0 V_1 ... V_{len-1} of these link matrices.
 *
 * A loop_tab_t binds a loop set to a geometry (geom.h): for every shape the
 * list of base sites whose loops the rank evaluates (every owned site, plus
 * every halo site whose loop passes through an owned link), the extended link
 * index of every step of those loops, and for every owned link its
 * incidences (shape, position, base slot) in a canonical order that does not
 * depend on the process grid (shape ascending, then position ascending).
 * Doc: doc/potential.md.
 ******************************************************************************/
#ifndef LOOPS_H
#define LOOPS_H

#include "global.h"
#include "geom.h"

#define LOOP_LEN_MAX 16

typedef struct loop_shape {
  int len;
  int step[LOOP_LEN_MAX];   /* +(mu+1) or -(mu+1) */
} loop_shape_t;

typedef struct loop_set {
  int D;
  int n_shapes;
  int cap;
  loop_shape_t *shape;
} loop_set_t;

/* shapes.c */
loop_set_t *loops_alloc(int D);          /* NULL for D outside 2..EMF_DMAX */
void loops_free(loop_set_t *ls);
/* Adds one shape.  EMF_EINVAL if len is outside 1..LOOP_LEN_MAX, a step is
 * not +-(mu+1) with 0 <= mu < D, or the path is not closed; EMF_ENOMEM. */
int loops_add_path(loop_set_t *ls, int len, const int *steps);
/* Plaquettes, one shape per plane mu < nu: +mu +nu -mu -nu (D(D-1)/2). */
int loops_add_plaquettes(loop_set_t *ls);
/* 1x2 rectangles, two shapes per plane mu < nu, long side along mu then
 * along nu: +mu +mu +nu -mu -mu -nu and +mu +nu +nu -mu -nu -nu. */
int loops_add_rectangles(loop_set_t *ls);
/* The m x n rectangles (m >= n >= 1) of every plane, both orientations. */
int loops_add_boxes(loop_set_t *ls, int m, int n);
/* Adds, for mu < nu, the four L-shaped three-plaquette loops (2x2 box less
 * one corner; 8 links, anticlockwise). */
int loops_add_corners(loop_set_t *ls);
/* Halo depth needed to evaluate every loop through an owned link: the
 * largest extent of a shape's bounding box in any direction. */
int loops_depth(const loop_set_t *ls);
/* EMF_SUCCESS if on the periodic lattice of extents L every loop passes
 * each link at most once; otherwise EMF_ENOTSUP with a message naming the
 * first offending shape and lattice (msg may be NULL). */
int loops_check_simple(const loop_set_t *ls, const int *L, char *msg, int msglen);
/* Text form of shape s, e.g. "+0 +1 -0 -1", into buf. */
const char *loops_shape_string(const loop_set_t *ls, int s, char *buf, int len);

/* tables.c */
typedef struct loop_tab_shape {
  int len;
  int step[LOOP_LEN_MAX];
  long n_base;
  long *base;          /* (n_base) extended base sites, ascending */
  unsigned char *owned;/* (n_base) 1 if the base site is owned */
  long *link;          /* (n_base, len) extended link index of each step */
} loop_tab_shape_t;

typedef struct loop_tab {
  int D;
  int n_shapes;
  long n_owned;
  loop_tab_shape_t *sh;            /* (n_shapes) */
  int n_inc[EMF_DMAX];             /* incidences per link of direction mu */
  int *inc_shape[EMF_DMAX];        /* (n_inc[mu]) shape of incidence i */
  int *inc_pos[EMF_DMAX];          /* (n_inc[mu]) position in the path */
  long *inc_slot[EMF_DMAX];        /* (n_owned, n_inc[mu]) base slot */
} loop_tab_t;

/* Builds the tables for geometry g (local).  NULL with a message when the
 * set's D differs from g->D, the halo depth is smaller than loops_depth, or
 * memory is short. */
loop_tab_t *loop_tab_alloc(const loop_set_t *ls, const geom_t *g, char *msg,
                           int msglen);
void loop_tab_free(loop_tab_t *t);

#endif
