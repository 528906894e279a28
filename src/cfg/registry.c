/*******************************************************************************
 * registry.c: the list of input groups.
 *
 * const cfg_group_t *const *cfg_groups(int *n)
 *   The groups in the order of the canonical print; *n is their number.
 *
 * const cfg_group_t *cfg_group_find(const char *name)
 *   The group called name, or NULL.
 *
 * const cfg_key_t *cfg_key_find(const cfg_group_t *g, const char *key)
 *   The descriptor of key in g, or NULL.
 *
 * Adding a group: write src/cfg/group_<name>.c (a key table, a
 * cfg_group_t cfg_group_<name>), declare it in cfg_int.h, add its sub-struct
 * to parms_t (parms.h) and one line below.
 *
 * Context: read-only tables; local.
 ******************************************************************************/
#include <string.h>
#include "cfg_int.h"

static const cfg_group_t *const groups[] = {
    &cfg_group_lattice,
    &cfg_group_action,
    &cfg_group_target,
    &cfg_group_run,
    &cfg_group_init,
    &cfg_group_hmc,
    &cfg_group_flow,
    &cfg_group_train,
    &cfg_group_sample,
    &cfg_group_output,
};

const cfg_group_t *const *cfg_groups(int *n)
{
  *n = (int)(sizeof groups / sizeof groups[0]);
  return groups;
}

const cfg_group_t *cfg_group_find(const char *name)
{
  size_t i;
  for (i = 0; i < sizeof groups / sizeof groups[0]; i++)
    if (strcmp(groups[i]->name, name) == 0) return groups[i];
  return NULL;
}

const cfg_key_t *cfg_key_find(const cfg_group_t *g, const char *key)
{
  int i;
  for (i = 0; i < g->nkeys; i++)
    if (strcmp(g->keys[i].key, key) == 0) return &g->keys[i];
  return NULL;
}
