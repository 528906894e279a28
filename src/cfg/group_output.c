/*******************************************************************************
 * group_output.c: schema of the group `output` (output_parms_t).
 *
 *   dir     string, non-empty, default "runs/<config file name without
 *           directory and .conf>"; the -o option sets it too
 *
 * Exports the descriptor cfg_group_output (cfg_int.h).  Read-only.
 ******************************************************************************/
#include <string.h>
#include "cfg_int.h"

static const cfg_key_t keys[] = {
    {"dir", CFG_STRING, CFG_MIN | CFG_NOHASH, NULL, 1, 0, 0, 0, NULL,
     CFG_OFF(output.dir), 0, CFG_SIZE(output.dir),
     "run directory (default runs/<config name without .conf>; -o DIR)"},
};

static void check(parms_t *p, cfg_ctx_t *ctx)
{
  const char *base, *slash;
  size_t n;
  if (p->output.dir[0]) return;
  slash = strrchr(p->config_file, '/');
  base = slash ? slash + 1 : p->config_file;
  n = strlen(base);
  if (n > 5 && strcmp(base + n - 5, ".conf") == 0) n -= 5;
  if (n == 0 || (n == 1 && base[0] == '.') || (n == 2 && strncmp(base, "..", 2) == 0)) {
    base = "run";
    n = 3;
  }
  if (n + 6 > sizeof p->output.dir) {
    cfg_fail(ctx, "output.dir", "default runs/%.*s is too long", (int)n, base);
    return;
  }
  snprintf(p->output.dir, sizeof p->output.dir, "runs/%.*s", (int)n, base);
}

const cfg_group_t cfg_group_output = {
    "output", keys, (int)(sizeof keys / sizeof keys[0]), check,
    "where the run directory is"};
