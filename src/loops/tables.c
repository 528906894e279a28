/*******************************************************************************
 * tables.c: incidence tables of a loop set on a decomposed lattice.
 *
 * loop_tab_t *loop_tab_alloc(const loop_set_t *ls, const geom_t *g,
 *                            char *msg, int msglen)
 *   For every shape s: the base sites (extended indices, ascending) whose
 *   loops this rank evaluates, namely every owned site and every site x - o
 *   where x is owned and o is the offset of the storage site of some step's
 *   link from the base (so every loop that passes an owned link is there);
 *   an owned flag per base; the extended link index of every step.  For
 *   every direction mu: the incidences (shape s, position p) whose link
 *   points along mu, shape ascending then position ascending, and for every
 *   owned site (g->owned order) and incidence the slot of the base of the
 *   loop that passes the owned link (x, mu) at that position.  The canonical
 *   order depends only on the loop set, never on the process grid.
 *   Returns NULL with a message (msg may be NULL) when ls->D != g->D, when
 *   g->depth < loops_depth(ls), or when memory is short.
 *
 * void loop_tab_free(loop_tab_t *t)
 *   Releases the tables (NULL allowed).
 *
 * Context: local (no communication); g must outlive nothing (the tables keep
 * no pointer to it).
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loops.h"

static void set_msg(char *msg, int msglen, const char *text)
{
  if (msg != NULL && msglen > 0) snprintf(msg, (size_t)msglen, "%s", text);
}

void loop_tab_free(loop_tab_t *t)
{
  if (t == NULL) return;
  if (t->sh != NULL) {
    for (int s = 0; s < t->n_shapes; s++) {
      free(t->sh[s].base);
      free(t->sh[s].owned);
      free(t->sh[s].link);
    }
    free(t->sh);
  }
  for (int mu = 0; mu < EMF_DMAX; mu++) {
    free(t->inc_shape[mu]);
    free(t->inc_pos[mu]);
    free(t->inc_slot[mu]);
  }
  free(t);
}

/* storage-site offset of the link of every step, and its direction */
static void link_offsets(const loop_shape_t *sh, int D, int off[][EMF_DMAX], int *dir)
{
  int y[EMF_DMAX] = {0};
  for (int p = 0; p < sh->len; p++) {
    int mu = abs(sh->step[p]) - 1;
    if (sh->step[p] < 0) y[mu]--;
    for (int nu = 0; nu < D; nu++) off[p][nu] = y[nu];
    dir[p] = mu;
    if (sh->step[p] > 0) y[mu]++;
  }
}

loop_tab_t *loop_tab_alloc(const loop_set_t *ls, const geom_t *g, char *msg,
                           int msglen)
{
  const int D = g->D;
  loop_tab_t *t;
  long *slot = NULL;
  char buf[200];
  if (ls->D != D) {
    set_msg(msg, msglen, "loop set and geometry have different dimensions");
    return NULL;
  }
  if (g->depth < loops_depth(ls)) {
    snprintf(buf, sizeof buf, "halo depth %d is smaller than the %d the loop shapes need",
             g->depth, loops_depth(ls));
    set_msg(msg, msglen, buf);
    return NULL;
  }
  t = calloc(1, sizeof *t);
  if (t == NULL) goto nomem;
  t->D = D;
  t->n_shapes = ls->n_shapes;
  t->n_owned = g->n_owned;
  t->sh = calloc((size_t)(ls->n_shapes > 0 ? ls->n_shapes : 1), sizeof *t->sh);
  slot = malloc((size_t)g->n_ext * sizeof *slot);
  if (t->sh == NULL || slot == NULL) goto nomem;

  /* incidence lists: shape ascending, position ascending */
  for (int s = 0; s < ls->n_shapes; s++)
    for (int p = 0; p < ls->shape[s].len; p++) t->n_inc[abs(ls->shape[s].step[p]) - 1]++;
  for (int mu = 0; mu < D; mu++) {
    size_t ni = (size_t)(t->n_inc[mu] > 0 ? t->n_inc[mu] : 1);
    t->inc_shape[mu] = malloc(ni * sizeof(int));
    t->inc_pos[mu] = malloc(ni * sizeof(int));
    t->inc_slot[mu] = malloc(ni * (size_t)(g->n_owned > 0 ? g->n_owned : 1) * sizeof(long));
    if (!t->inc_shape[mu] || !t->inc_pos[mu] || !t->inc_slot[mu]) goto nomem;
    t->n_inc[mu] = 0;
  }
  for (int s = 0; s < ls->n_shapes; s++)
    for (int p = 0; p < ls->shape[s].len; p++) {
      int mu = abs(ls->shape[s].step[p]) - 1;
      t->inc_shape[mu][t->n_inc[mu]] = s;
      t->inc_pos[mu][t->n_inc[mu]] = p;
      t->n_inc[mu]++;
    }

  for (int s = 0; s < ls->n_shapes; s++) {
    const loop_shape_t *shp = &ls->shape[s];
    loop_tab_shape_t *ts = &t->sh[s];
    int off[LOOP_LEN_MAX][EMF_DMAX], dir[LOOP_LEN_MAX], moff[EMF_DMAX];
    long nb = 0;
    link_offsets(shp, D, off, dir);
    ts->len = shp->len;
    memcpy(ts->step, shp->step, sizeof ts->step);
    for (long i = 0; i < g->n_ext; i++) slot[i] = -1;
    for (long io = 0; io < g->n_owned; io++) {
      long x = g->owned[io];
      slot[x] = 0;
      for (int p = 0; p < shp->len; p++) {
        for (int nu = 0; nu < D; nu++) moff[nu] = -off[p][nu];
        long b = geom_shift(g, x, moff);
        if (b < 0) goto depth;
        slot[b] = 0;
      }
    }
    for (long i = 0; i < g->n_ext; i++)
      if (slot[i] == 0) nb++;
    ts->n_base = nb;
    ts->base = malloc((size_t)(nb > 0 ? nb : 1) * sizeof(long));
    ts->owned = malloc((size_t)(nb > 0 ? nb : 1));
    ts->link = malloc((size_t)(nb > 0 ? nb : 1) * shp->len * sizeof(long));
    if (!ts->base || !ts->owned || !ts->link) goto nomem;
    nb = 0;
    for (long i = 0; i < g->n_ext; i++)
      if (slot[i] == 0) {
        ts->base[nb] = i;
        ts->owned[nb] = (unsigned char)(g->is_owned[i] != 0);
        slot[i] = nb++;
      }
    for (long b = 0; b < nb; b++)
      for (int p = 0; p < shp->len; p++) {
        long y = geom_shift(g, ts->base[b], off[p]);
        if (y < 0) goto depth;
        ts->link[b * shp->len + p] = y * D + dir[p];
      }
    for (int mu = 0; mu < D; mu++)
      for (int i = 0; i < t->n_inc[mu]; i++) {
        int p = t->inc_pos[mu][i];
        if (t->inc_shape[mu][i] != s) continue;
        for (int nu = 0; nu < D; nu++) moff[nu] = -off[p][nu];
        for (long io = 0; io < g->n_owned; io++)
          t->inc_slot[mu][io * t->n_inc[mu] + i] = slot[geom_shift(g, g->owned[io], moff)];
      }
  }
  free(slot);
  return t;

depth:
  set_msg(msg, msglen, "a loop leaves the extended box (halo too shallow)");
  free(slot);
  loop_tab_free(t);
  return NULL;
nomem:
  set_msg(msg, msglen, "out of memory building the loop tables");
  free(slot);
  loop_tab_free(t);
  return NULL;
}
