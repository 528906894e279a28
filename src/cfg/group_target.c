/*******************************************************************************
 * group_target.c: schema of the group `target` (target_parms_t).
 *
 *   type    "lattice" (default) | "single"
 *   c       float array, 1..PARMS_C_MAX entries, required for "single":
 *           log p(U) = (beta/N) sum_k c_k Re tr U^k - log Z
 *
 * Exports the descriptor cfg_group_target (cfg_int.h).  Read-only.
 ******************************************************************************/
#include "cfg_int.h"

static const char *const types[] = {"lattice", "single", NULL};

static const cfg_key_t keys[] = {
    {"type", CFG_ENUM, 0, "\"lattice\"", 0, 0, 0, 0, types,
     CFG_OFF(target.type), 0, CFG_SIZE(target.type),
     "\"lattice\": Wilson action on the lattice; \"single\": one SU(N) matrix"},
    {"c", CFG_FLOAT_ARRAY, 0, NULL, 0, 0, 1, PARMS_C_MAX, NULL,
     CFG_OFF(target.c), CFG_OFF(target.n_c), CFG_SIZE(target.c),
     "single-matrix coefficients c_1..c_K: log p = (beta/N) sum_k c_k Re tr U^k"},
};

static void check(parms_t *p, cfg_ctx_t *ctx)
{
  if (p->target.type == TARGET_SINGLE && p->target.n_c == 0)
    cfg_fail(ctx, "target.c", "required key is missing (target.type = \"single\")");
}

const cfg_group_t cfg_group_target = {
    "target", keys, (int)(sizeof keys / sizeof keys[0]), check,
    "the distribution to sample: lattice gauge theory or a single matrix"};
