/*******************************************************************************
 * set.c: command-line overrides of the configuration tree, and the lexical
 * check of integer literals.  Internal to src/cfg (cfg_int.h).
 *
 * int cfg_apply_override(cfg_ctx_t *ctx, const char *label, const char *key,
 *                        const char *value)
 *   Parses value (libconfig syntax: 5.5, [8, 8], "hot", ["hmc"], true) by
 *   reading "v = value;" as a configuration of its own, and puts it into the
 *   tree as key ("group.key"), replacing what the file had and creating the
 *   group if needed.  The new settings carry label (e.g. "--set
 *   action.beta") as their place, so validation messages name the option.
 *   Returns 0, or -1 with an error added to ctx.  label must stay valid
 *   until the tree is destroyed.
 *
 * int cfg_check_literals(cfg_ctx_t *ctx, const char *text, const char *label)
 *   Scans libconfig text (skipping comments and strings) for integer
 *   literals that libconfig 1.5 would silently wrap (beyond 32 bits without
 *   an L suffix, or beyond 64 bits) and for @include, which is not
 *   supported.  Messages name label or, if label is NULL, ctx->fname:line.
 *   Returns the number of problems found.
 *
 * Context: local (rank 0 while reading).
 ******************************************************************************/
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cfg_int.h"

static int valid_name(const char *s, size_t n)
{
  size_t i;
  if (n == 0 || !isalpha((unsigned char)s[0])) return 0;
  for (i = 1; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-') return 0;
  return 1;
}

static int copy_setting(config_setting_t *dst, const config_setting_t *src)
{
  int i, n;
  switch (config_setting_type(src)) {
  case CONFIG_TYPE_INT: return config_setting_set_int(dst, config_setting_get_int(src)) ? 0 : -1;
  case CONFIG_TYPE_INT64:
    return config_setting_set_int64(dst, config_setting_get_int64(src)) ? 0 : -1;
  case CONFIG_TYPE_FLOAT:
    return config_setting_set_float(dst, config_setting_get_float(src)) ? 0 : -1;
  case CONFIG_TYPE_BOOL:
    return config_setting_set_bool(dst, config_setting_get_bool(src)) ? 0 : -1;
  case CONFIG_TYPE_STRING:
    return config_setting_set_string(dst, config_setting_get_string(src)) ? 0 : -1;
  case CONFIG_TYPE_GROUP:
  case CONFIG_TYPE_ARRAY:
  case CONFIG_TYPE_LIST:
    n = config_setting_length(src);
    for (i = 0; i < n; i++) {
      const config_setting_t *e = config_setting_get_elem(src, (unsigned)i);
      config_setting_t *d = config_setting_add(
          dst, config_setting_is_group(src) ? config_setting_name(e) : NULL,
          config_setting_type(e));
      if (!d || copy_setting(d, e)) return -1;
    }
    return 0;
  default: return -1;
  }
}

int cfg_apply_override(cfg_ctx_t *ctx, const char *label, const char *key,
                       const char *value)
{
  const char *dot = strchr(key, '.');
  config_t tmp;
  config_setting_t *root = config_root_setting(ctx->cf), *g, *v, *n;
  char grp[128], *text;
  size_t len;
  int rc = -1;

  if (!dot || strchr(dot + 1, '.') || !valid_name(key, (size_t)(dot - key)) ||
      !valid_name(dot + 1, strlen(dot + 1)) || (size_t)(dot - key) >= sizeof grp) {
    cfg_error(ctx, "%s: the key must have the form group.key (letters, digits, _ and -)",
              label);
    return -1;
  }
  memcpy(grp, key, (size_t)(dot - key));
  grp[dot - key] = 0;
  if (cfg_check_literals(ctx, value, label)) return -1;

  len = strlen(value) + 8;
  text = malloc(len);
  if (!text) {
    cfg_error(ctx, "%s: out of memory", label);
    return -1;
  }
  snprintf(text, len, "v = %s;", value);
  config_init(&tmp);
  if (!config_read_string(&tmp, text)) {
    cfg_error(ctx, "%s: cannot parse the value '%s' (%s); write it in libconfig "
              "syntax: 5.5, [8, 8], \"hot\", [\"hmc\"]",
              label, value, config_error_text(&tmp));
    goto out;
  }
  if (config_setting_length(config_root_setting(&tmp)) != 1) {
    cfg_error(ctx, "%s: the value '%s' is more than one value", label, value);
    goto out;
  }
  v = config_setting_get_elem(config_root_setting(&tmp), 0);

  g = config_setting_get_member(root, grp);
  if (!g) {
    g = config_setting_add(root, grp, CONFIG_TYPE_GROUP);
    if (!g) {
      cfg_error(ctx, "%s: cannot create group '%s'", label, grp);
      goto out;
    }
    config_setting_set_hook(g, (void *)label);
  } else if (!config_setting_is_group(g)) {
    char loc[PARMS_PATH_MAX + 64];
    cfg_location(ctx, g, loc, sizeof loc);
    cfg_error(ctx, "%s: '%s' is not a group (%s)", label, grp, loc);
    goto out;
  }
  if (config_setting_get_member(g, dot + 1)) config_setting_remove(g, dot + 1);
  n = config_setting_add(g, dot + 1, config_setting_type(v));
  if (!n || copy_setting(n, v)) {
    cfg_error(ctx, "%s: cannot store the value '%s'", label, value);
    goto out;
  }
  config_setting_set_hook(n, (void *)label);
  rc = 0;
out:
  config_destroy(&tmp);
  free(text);
  return rc;
}

static void literal_error(cfg_ctx_t *ctx, const char *label, int line,
                          const char *tok, size_t n, const char *why)
{
  if (label)
    cfg_error(ctx, "%s: integer literal %.*s %s", label, (int)n, tok, why);
  else
    cfg_error(ctx, "%s:%d: integer literal %.*s %s", ctx->fname, line, (int)n, tok, why);
}

int cfg_check_literals(cfg_ctx_t *ctx, const char *text, const char *label)
{
  const char *c = text;
  int line = 1, bad = 0;

  while (*c) {
    if (*c == '\n') {
      line++;
      c++;
    } else if (*c == '#' || (c[0] == '/' && c[1] == '/')) {
      while (*c && *c != '\n') c++;
    } else if (c[0] == '/' && c[1] == '*') {
      c += 2;
      while (*c && !(c[0] == '*' && c[1] == '/')) {
        if (*c == '\n') line++;
        c++;
      }
      if (*c) c += 2;
    } else if (*c == '"') {
      c++;
      while (*c && *c != '"') {
        if (*c == '\\' && c[1]) c++;
        if (*c == '\n') line++;
        c++;
      }
      if (*c) c++;
    } else if (*c == '@') {
      if (strncmp(c, "@include", 8) == 0) {
        if (label) cfg_error(ctx, "%s: @include is not supported", label);
        else cfg_error(ctx, "%s:%d: @include is not supported", ctx->fname, line);
        bad++;
      }
      c++;
    } else if (isalpha((unsigned char)*c) || *c == '_' || *c == '*') {
      while (isalnum((unsigned char)*c) || *c == '_' || *c == '-' || *c == '*') c++;
    } else if (isdigit((unsigned char)*c) || (*c == '.' && isdigit((unsigned char)c[1]))) {
      const char *s = c, *tok;
      int hex = (c[0] == '0' && (c[1] == 'x' || c[1] == 'X')), is_float = 0, is_long;
      size_t n;
      if (hex) c += 2;
      while (isalnum((unsigned char)*c) || *c == '.' ||
             (!hex && (*c == '+' || *c == '-') && (c[-1] == 'e' || c[-1] == 'E'))) {
        if (!hex && (*c == '.' || *c == 'e' || *c == 'E')) is_float = 1;
        c++;
      }
      if (is_float) continue;
      tok = (s > text && s[-1] == '-') ? s - 1 : s;
      n = (size_t)(c - tok);
      is_long = (c[-1] == 'L' || c[-1] == 'l');
      {
        char buf[64], *end;
        long long v;
        size_t m = n - (size_t)is_long;
        if (m >= sizeof buf) {
          literal_error(ctx, label, line, tok, n, "is too long");
          bad++;
          continue;
        }
        memcpy(buf, tok, m);
        buf[m] = 0;
        errno = 0;
        v = strtoll(buf, &end, hex ? 16 : 10);
        if (*end) continue;  /* not a plain integer: libconfig will judge */
        if (errno == ERANGE) {
          literal_error(ctx, label, line, tok, n, "is out of the range of a 64-bit integer");
          bad++;
        } else if (!is_long && (v < INT_MIN || v > INT_MAX)) {
          literal_error(ctx, label, line, tok, n,
                        "does not fit in 32 bits (write it with an L suffix for "
                        "a 64-bit integer)");
          bad++;
        }
      }
    } else {
      c++;
    }
  }
  return bad;
}
