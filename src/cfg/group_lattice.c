/*******************************************************************************
 * group_lattice.c: schema of the group `lattice` (lattice_parms_t).
 *
 *   N       int, required, 2..EMF_NMAX       gauge group SU(N)
 *   extent  int array, 2..EMF_DMAX entries   L_0..L_{D-1}, each >= 1;
 *           required unless target.type = "single"
 *   grid    int array, optional, one entry per direction, each >= 0
 *           (0 = chosen at run time); a non-zero entry must divide the extent
 *
 * Exports the descriptor cfg_group_lattice (cfg_int.h).  Read-only.
 ******************************************************************************/
#include "cfg_int.h"

static const cfg_key_t keys[] = {
    {"N", CFG_INT, CFG_REQUIRED | CFG_MIN | CFG_MAX, NULL, 2, EMF_NMAX, 0, 0, NULL,
     CFG_OFF(lattice.N), 0, CFG_SIZE(lattice.N),
     "N of the gauge group SU(N)"},
    {"extent", CFG_INT_ARRAY, CFG_MIN, NULL, 1, 0, 2, EMF_DMAX, NULL,
     CFG_OFF(lattice.extent), CFG_OFF(lattice.D), CFG_SIZE(lattice.extent),
     "lattice extents L_0, ..., L_{D-1} (D = number of entries, periodic)"},
    {"grid", CFG_INT_ARRAY, CFG_MIN | CFG_NOHASH, NULL, 0, 0, 2, EMF_DMAX, NULL,
     CFG_OFF(lattice.grid), CFG_OFF(lattice.n_grid), CFG_SIZE(lattice.grid),
     "MPI ranks per direction; 0 = chosen at run time; absent = all 0"},
};

static void check(parms_t *p, cfg_ctx_t *ctx)
{
  lattice_parms_t *l = &p->lattice;
  int mu;
  if (l->D == 0 && p->target.type == TARGET_LATTICE) {
    cfg_fail(ctx, "lattice.extent", "required key is missing (target.type = \"lattice\")");
    return;
  }
  if (l->n_grid == 0) {
    l->n_grid = l->D;
    return;
  }
  if (l->n_grid != l->D) {
    cfg_fail(ctx, "lattice.grid", "has %d entries but lattice.extent has %d", l->n_grid,
             l->D);
    return;
  }
  for (mu = 0; mu < l->D; mu++)
    if (l->grid[mu] > 0 && l->extent[mu] % l->grid[mu] != 0)
      cfg_fail(ctx, "lattice.grid", "grid[%d] = %d does not divide extent[%d] = %d", mu,
               l->grid[mu], mu, l->extent[mu]);
}

const cfg_group_t cfg_group_lattice = {
    "lattice", keys, (int)(sizeof keys / sizeof keys[0]), check,
    "the lattice: gauge group, extents, process grid"};
