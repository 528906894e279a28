/*******************************************************************************
 * shapes.c: loop shapes as closed paths of signed steps.
 *
 * loop_set_t *loops_alloc(int D)
 *   An empty set of shapes in D dimensions; NULL for D outside 2..EMF_DMAX
 *   or when memory is short.
 *
 * void loops_free(loop_set_t *ls)
 *   Releases the set (NULL allowed).
 *
 * int loops_add_path(loop_set_t *ls, int len, const int *steps)
 *   Appends the shape steps[0..len-1] (+(mu+1) forward, -(mu+1) backward).
 *   EMF_EINVAL if len is outside 1..LOOP_LEN_MAX, a step is out of range or
 *   the path is not closed; EMF_ENOMEM when memory is short.
 *
 * int loops_add_plaquettes(loop_set_t *ls)
 *   Appends, for mu < nu in lexicographic order, +mu +nu -mu -nu.
 *
 * int loops_add_rectangles(loop_set_t *ls)
 *   Appends, for mu < nu, +mu +mu +nu -mu -mu -nu and +mu +nu +nu -mu -nu -nu.
 *
 * int loops_add_boxes(loop_set_t *ls, int m, int n)
 *   Appends the m x n rectangles, m >= n >= 1, m + n <= LOOP_LEN_MAX / 2:
 *   for mu < nu, m steps +mu, n steps +nu, m steps -mu, n steps -nu, and
 *   (m != n) the same with m and n exchanged.  loops_add_boxes(ls, 1, 1)
 *   appends the plaquettes and (2, 1) the rectangles, in the order above.
 *
 * int loops_add_corners(loop_set_t *ls)
 *   Appends, for mu < nu, the four L-shaped loops of three plaquettes (a
 *   2x2 box less one corner plaquette; 8 links, anticlockwise in (mu, nu)
 *   like the plaquette), in the order of the missing plaquette: upper
 *   right, upper left, lower left, lower right (doc/flow_lattice.md
 *   section 2).
 *
 * int loops_depth(const loop_set_t *ls)
 *   The halo depth that covers every loop through an owned link: the
 *   largest extent of a shape's bounding box in any direction (an owned
 *   link lies in the box, so every site of the loop is within that distance).
 *
 * int loops_check_simple(const loop_set_t *ls, const int *L, char *msg, int msglen)
 *   EMF_SUCCESS if every loop passes each link of the periodic lattice L at
 *   most once (step p uses the link (offset_p mod L, mu_p), the same for
 *   every base site), otherwise EMF_ENOTSUP and a message.
 *
 * const char *loops_shape_string(const loop_set_t *ls, int s, char *buf, int len)
 *   "+0 +1 -0 -1" style text of shape s.
 *
 * Context: local, MPI-free.
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loops.h"

loop_set_t *loops_alloc(int D)
{
  loop_set_t *ls;
  if (D < 2 || D > EMF_DMAX) return NULL;
  ls = calloc(1, sizeof *ls);
  if (ls != NULL) ls->D = D;
  return ls;
}

void loops_free(loop_set_t *ls)
{
  if (ls == NULL) return;
  free(ls->shape);
  free(ls);
}

int loops_add_path(loop_set_t *ls, int len, const int *steps)
{
  int disp[EMF_DMAX] = {0};
  if (len < 1 || len > LOOP_LEN_MAX) return EMF_EINVAL;
  for (int p = 0; p < len; p++) {
    int mu = abs(steps[p]) - 1;
    if (steps[p] == 0 || mu >= ls->D) return EMF_EINVAL;
    disp[mu] += steps[p] > 0 ? 1 : -1;
  }
  for (int mu = 0; mu < ls->D; mu++)
    if (disp[mu] != 0) return EMF_EINVAL;
  if (ls->n_shapes == ls->cap) {
    int cap = ls->cap ? 2 * ls->cap : 8;
    loop_shape_t *s = realloc(ls->shape, (size_t)cap * sizeof *s);
    if (s == NULL) return EMF_ENOMEM;
    ls->shape = s;
    ls->cap = cap;
  }
  ls->shape[ls->n_shapes].len = len;
  memset(ls->shape[ls->n_shapes].step, 0, sizeof ls->shape[0].step);
  memcpy(ls->shape[ls->n_shapes].step, steps, (size_t)len * sizeof *steps);
  ls->n_shapes++;
  return EMF_SUCCESS;
}

int loops_add_plaquettes(loop_set_t *ls)
{
  for (int mu = 0; mu < ls->D; mu++)
    for (int nu = mu + 1; nu < ls->D; nu++) {
      int st[4] = {mu + 1, nu + 1, -(mu + 1), -(nu + 1)};
      int status = loops_add_path(ls, 4, st);
      if (status != EMF_SUCCESS) return status;
    }
  return EMF_SUCCESS;
}

int loops_add_rectangles(loop_set_t *ls)
{
  return loops_add_boxes(ls, 2, 1);
}

/* the m x n box in the plane (mu, nu): m steps along mu first */
static int add_box(loop_set_t *ls, int mu, int nu, int m, int n)
{
  int st[LOOP_LEN_MAX], k = 0;
  for (int i = 0; i < m; i++) st[k++] = mu + 1;
  for (int i = 0; i < n; i++) st[k++] = nu + 1;
  for (int i = 0; i < m; i++) st[k++] = -(mu + 1);
  for (int i = 0; i < n; i++) st[k++] = -(nu + 1);
  return loops_add_path(ls, k, st);
}

int loops_add_boxes(loop_set_t *ls, int m, int n)
{
  if (n < 1 || m < n || 2 * (m + n) > LOOP_LEN_MAX) return EMF_EINVAL;
  for (int mu = 0; mu < ls->D; mu++)
    for (int nu = mu + 1; nu < ls->D; nu++) {
      int status = add_box(ls, mu, nu, m, n);
      if (status == EMF_SUCCESS && m != n) status = add_box(ls, mu, nu, n, m);
      if (status != EMF_SUCCESS) return status;
    }
  return EMF_SUCCESS;
}

int loops_add_corners(loop_set_t *ls)
{
  /* steps in units of a = mu + 1, b = nu + 1 (+-1: a, +-2: b) */
  static const int path[4][8] = {{1, 1, 2, -1, 2, -1, -2, -2},
                                 {1, 1, 2, 2, -1, -2, -1, -2},
                                 {1, 2, 2, -1, -1, -2, 1, -2},
                                 {1, 2, 1, 2, -1, -1, -2, -2}};
  for (int mu = 0; mu < ls->D; mu++)
    for (int nu = mu + 1; nu < ls->D; nu++)
      for (int k = 0; k < 4; k++) {
        int st[8];
        for (int p = 0; p < 8; p++) {
          int dir = abs(path[k][p]) == 1 ? mu + 1 : nu + 1;
          st[p] = path[k][p] > 0 ? dir : -dir;
        }
        int status = loops_add_path(ls, 8, st);
        if (status != EMF_SUCCESS) return status;
      }
  return EMF_SUCCESS;
}

int loops_depth(const loop_set_t *ls)
{
  int depth = 0;
  for (int s = 0; s < ls->n_shapes; s++) {
    const loop_shape_t *sh = &ls->shape[s];
    int lo[EMF_DMAX] = {0}, hi[EMF_DMAX] = {0}, y[EMF_DMAX] = {0};
    for (int p = 0; p < sh->len; p++) {
      int mu = abs(sh->step[p]) - 1;
      y[mu] += sh->step[p] > 0 ? 1 : -1;
      if (y[mu] < lo[mu]) lo[mu] = y[mu];
      if (y[mu] > hi[mu]) hi[mu] = y[mu];
    }
    for (int mu = 0; mu < ls->D; mu++)
      if (hi[mu] - lo[mu] > depth) depth = hi[mu] - lo[mu];
  }
  return depth;
}

const char *loops_shape_string(const loop_set_t *ls, int s, char *buf, int len)
{
  int k = 0;
  buf[0] = '\0';
  for (int p = 0; p < ls->shape[s].len && k < len; p++) {
    int st = ls->shape[s].step[p];
    k += snprintf(buf + k, (size_t)(len - k), "%s%c%d", p ? " " : "",
                  st > 0 ? '+' : '-', abs(st) - 1);
  }
  return buf;
}

int loops_check_simple(const loop_set_t *ls, const int *L, char *msg, int msglen)
{
  for (int s = 0; s < ls->n_shapes; s++) {
    const loop_shape_t *sh = &ls->shape[s];
    int y[EMF_DMAX] = {0}, site[LOOP_LEN_MAX][EMF_DMAX], dir[LOOP_LEN_MAX];
    for (int p = 0; p < sh->len; p++) {
      int mu = abs(sh->step[p]) - 1;
      if (sh->step[p] < 0) y[mu]--;
      for (int nu = 0; nu < ls->D; nu++)
        site[p][nu] = ((y[nu] % L[nu]) + L[nu]) % L[nu];
      dir[p] = mu;
      if (sh->step[p] > 0) y[mu]++;
    }
    for (int p = 0; p < sh->len; p++)
      for (int q = p + 1; q < sh->len; q++) {
        int same = dir[p] == dir[q];
        for (int nu = 0; nu < ls->D && same; nu++) same = site[p][nu] == site[q][nu];
        if (same) {
          if (msg != NULL && msglen > 0) {
            char buf[128], ext[64];
            int k = 0;
            for (int nu = 0; nu < ls->D; nu++)
              k += snprintf(ext + k, sizeof ext - (size_t)k, "%s%d", nu ? "x" : "", L[nu]);
            snprintf(msg, (size_t)msglen,
                     "loop shape %d (%s) passes a link of direction %d twice "
                     "(steps %d and %d) on the %s lattice: the divergence "
                     "formula does not hold for it; use larger extents",
                     s, loops_shape_string(ls, s, buf, sizeof buf), dir[p], p,
                     q, ext);
          }
          return EMF_ENOTSUP;
        }
      }
  }
  return EMF_SUCCESS;
}
