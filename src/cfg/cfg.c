/*******************************************************************************
 * cfg.c: reading, validating, printing and broadcasting the run parameters.
 *
 * int cfg_read(parms_t *p, const cfg_source_t *src, char *msg, size_t msglen)
 *   Reads the libconfig file src->file (or the text src->text), applies the
 *   overrides in this order: src->sets[0..nset-1] ("group.key=value", value
 *   in libconfig syntax), src->task (as run.tasks = ["TASK"]), src->outdir
 *   (as output.dir), and validates the tree against the schema of
 *   registry.c: unknown groups and keys, wrong types, out-of-range values,
 *   wrong array lengths, missing required keys, the groups' cross checks and
 *   tasks not in src->tasks_available are errors.  Missing keys with a
 *   default get it.  Integer literals that do not fit in 32 bits without an
 *   L suffix (libconfig 1.5 would wrap them silently) and @include are
 *   errors too.  Fills *p (zeroed first, so its bytes are reproducible),
 *   p->config_file and p->hash = cfg_hash(p).
 *   Returns EMF_SUCCESS, or EMF_EIO (file not readable), EMF_EFORMAT
 *   (syntax), EMF_EINVAL (invalid values) with the messages, one per line
 *   (at most CFG_MAX_ERRORS), in msg.  Each names the place (file:line,
 *   "--set key", "-o", "TASK argument") and the full key.
 *
 * void cfg_bcast_all(parms_t *p, int root, MPI_Comm comm)
 *   Broadcasts *p from root as bytes; every rank then hashes the bytes and
 *   the canonical text; if any rank differs, all exit with
 *   EMF_EXIT_INTERNAL.  Collective.
 *
 * int cfg_fprint(const parms_t *p, FILE *f)
 *   Prints every group and key in canonical libconfig form (schema order,
 *   shortest round-trip floats, defaults filled in, optional arrays that are
 *   empty left out).  Reading the output back gives the same groups.
 *   Returns 0 or EMF_EIO.
 *
 * char *cfg_sprint(const parms_t *p)
 *   The same text in a malloc'ed string (NULL if out of memory).
 *
 * uint64_t cfg_hash(const parms_t *p)
 *   FNV-1a hash of the canonical text without the keys flagged CFG_NOHASH
 *   (lattice.grid and output.dir: the process grid and the place a run is
 *   written do not change what it computes).  cfg_read stores it in
 *   p->hash; checkpoints record it.
 *
 * uint64_t cfg_hash_bytes(const void *data, size_t n)
 *   FNV-1a 64-bit hash.
 *
 * uint64_t cfg_hash_group(const parms_t *p, const char *group)
 *   Hash of the canonical text of one group without its CFG_NOHASH keys (0
 *   if there is no such group); a checkpoint can compare just the groups
 *   that matter to it.
 *
 * const char *cfg_task_name(int kind);   int cfg_task_lookup(const char *)
 *   Task name of a task_kind_t (NULL if out of range), and back (-1).
 *
 * const char *cfg_enum_name(const char *path, int value)
 *   Input string of an enumerated key's value ("init.start", 1 -> "cold");
 *   NULL if path is not an enumerated key or value is out of range.
 *
 * void cfg_fail(cfg_ctx_t *ctx, const char *path, const char *fmt, ...)
 *   For the groups' check functions: adds "PLACE: path: message".
 *
 * int cfg_task_requested(const parms_t *p, task_kind_t t)
 *   1 if run.tasks contains t.
 *
 * Context: cfg_read, cfg_fprint, cfg_sprint and the hashes are local calls
 * (the programs read on rank 0 only); cfg_bcast_all is collective.  No
 * global state.
 ******************************************************************************/
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cfg_int.h"
#include "util.h"

/* ---- messages ------------------------------------------------------------ */

static void vappend(cfg_ctx_t *ctx, const char *fmt, va_list ap)
{
  int n;
  if (ctx->used + 1 >= ctx->msglen) return;
  n = vsnprintf(ctx->msg + ctx->used, ctx->msglen - ctx->used, fmt, ap);
  if (n < 0) return;
  ctx->used += (size_t)n;
  if (ctx->used >= ctx->msglen) ctx->used = ctx->msglen - 1;
}

static void append(cfg_ctx_t *ctx, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vappend(ctx, fmt, ap);
  va_end(ap);
}

void cfg_error(cfg_ctx_t *ctx, const char *fmt, ...)
{
  va_list ap;
  ctx->nerr++;
  if (ctx->nerr > CFG_MAX_ERRORS) {
    if (ctx->nerr == CFG_MAX_ERRORS + 1) append(ctx, "\n(further errors not shown)");
    return;
  }
  if (ctx->used > 0) append(ctx, "\n");
  va_start(ap, fmt);
  vappend(ctx, fmt, ap);
  va_end(ap);
}

void cfg_location(const cfg_ctx_t *ctx, const config_setting_t *s, char *buf,
                  size_t len)
{
  const config_setting_t *t;
  for (t = s; t; t = config_setting_parent(t))
    if (config_setting_get_hook(t)) {
      snprintf(buf, len, "%s", (const char *)config_setting_get_hook(t));
      return;
    }
  if (s && config_setting_source_line(s) > 0)
    snprintf(buf, len, "%s:%u", ctx->fname, config_setting_source_line(s));
  else
    snprintf(buf, len, "%s", ctx->fname);
}

void cfg_fail(cfg_ctx_t *ctx, const char *path, const char *fmt, ...)
{
  char loc[PARMS_PATH_MAX + 64], what[1024];
  const config_setting_t *s = config_lookup(ctx->cf, path);
  va_list ap;
  if (!s) {  /* key absent: point at its group if that exists */
    char grp[128];
    size_t n = strcspn(path, ".");
    snprintf(grp, sizeof grp, "%.*s", (int)n, path);
    s = config_lookup(ctx->cf, grp);
  }
  cfg_location(ctx, s, loc, sizeof loc);
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  cfg_error(ctx, "%s: %s: %s", loc, path, what);
}

/* ---- value text ---------------------------------------------------------- */

void cfg_format_double(double x, char *buf, size_t len)
{
  int prec;
  for (prec = 15; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, x);
    if (strtod(buf, NULL) == x) break;
  }
  if (!strpbrk(buf, ".eEn") && strlen(buf) + 3 <= len) strcat(buf, ".0");
}

static void text_string(const char *s, char *buf, size_t len)
{
  size_t j = 0;
  if (len < 3) { if (len) buf[0] = 0; return; }
  buf[j++] = '"';
  for (; *s && j + 6 < len; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { buf[j++] = '\\'; buf[j++] = (char)c; }
    else if (c < 0x20 || c == 0x7f) j += (size_t)snprintf(buf + j, len - j, "\\x%02x", c);
    else buf[j++] = (char)c;
  }
  buf[j++] = '"';
  buf[j] = 0;
}

void cfg_value_text(const config_setting_t *s, char *buf, size_t len)
{
  int i, n, open, close;
  size_t j;
  if (len == 0) return;
  buf[0] = 0;
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_INT: snprintf(buf, len, "%d", config_setting_get_int(s)); break;
  case CONFIG_TYPE_INT64:
    snprintf(buf, len, "%lldL", config_setting_get_int64(s));
    break;
  case CONFIG_TYPE_FLOAT: cfg_format_double(config_setting_get_float(s), buf, len); break;
  case CONFIG_TYPE_BOOL:
    snprintf(buf, len, "%s", config_setting_get_bool(s) ? "true" : "false");
    break;
  case CONFIG_TYPE_STRING: text_string(config_setting_get_string(s), buf, len); break;
  case CONFIG_TYPE_GROUP: snprintf(buf, len, "{ ... }"); break;
  case CONFIG_TYPE_ARRAY:
  case CONFIG_TYPE_LIST:
    open = config_setting_is_array(s) ? '[' : '(';
    close = config_setting_is_array(s) ? ']' : ')';
    n = config_setting_length(s);
    snprintf(buf, len, "%c", open);
    for (i = 0; i < n; i++) {
      char e[128];
      cfg_value_text(config_setting_get_elem(s, (unsigned)i), e, sizeof e);
      j = strlen(buf);
      snprintf(buf + j, len - j, "%s%s", i ? ", " : "", e);
    }
    j = strlen(buf);
    snprintf(buf + j, len - j, "%c", close);
    break;
  default: snprintf(buf, len, "?"); break;
  }
}

static const char *type_text(int t)
{
  switch (t) {
  case CONFIG_TYPE_GROUP: return "a group";
  case CONFIG_TYPE_INT: return "an integer";
  case CONFIG_TYPE_INT64: return "a 64-bit integer";
  case CONFIG_TYPE_FLOAT: return "a float";
  case CONFIG_TYPE_STRING: return "a string";
  case CONFIG_TYPE_BOOL: return "a boolean";
  case CONFIG_TYPE_ARRAY: return "an array";
  case CONFIG_TYPE_LIST: return "a list";
  default: return "an unknown type";
  }
}

static cfg_type_t elem_type(cfg_type_t t)
{
  switch (t) {
  case CFG_INT_ARRAY: return CFG_INT;
  case CFG_FLOAT_ARRAY: return CFG_FLOAT;
  case CFG_STRING_ARRAY: return CFG_STRING;
  case CFG_ENUM_ARRAY: return CFG_ENUM;
  default: return t;
  }
}

static int is_array_type(cfg_type_t t) { return elem_type(t) != t; }

static const char *want_text(cfg_type_t t)
{
  switch (t) {
  case CFG_INT: return "an integer";
  case CFG_INT64: return "an integer";
  case CFG_FLOAT: return "a number";
  case CFG_BOOL: return "true or false";
  case CFG_STRING: return "a string";
  case CFG_ENUM: return "a string";
  default: return "an array [...]";
  }
}

static size_t elem_size(const cfg_key_t *k)
{
  switch (k->type) {
  case CFG_INT_ARRAY: case CFG_ENUM_ARRAY: return sizeof(int);
  case CFG_FLOAT_ARRAY: return sizeof(double);
  case CFG_STRING_ARRAY: return k->size / (size_t)(k->len_max > 0 ? k->len_max : 1);
  default: return k->size;
  }
}

/* "must be > 0", "must be in [2, 8]" ... for a value outside the range. */
static int range_check(const cfg_key_t *k, double v, char *why, size_t len)
{
  int lo = k->flags & (CFG_MIN | CFG_MIN_EXCL), hi = k->flags & CFG_MAX;
  int bad = ((k->flags & CFG_MIN) && !(v >= k->min)) ||
            ((k->flags & CFG_MIN_EXCL) && !(v > k->min)) ||
            (hi && !(v <= k->max));
  if (!bad) return 0;
  if (lo && hi)
    snprintf(why, len, "must be in %c%.17g, %.17g]",
             (k->flags & CFG_MIN_EXCL) ? '(' : '[', k->min, k->max);
  else if (lo)
    snprintf(why, len, "must be %s %.17g", (k->flags & CFG_MIN_EXCL) ? ">" : ">=",
             k->min);
  else
    snprintf(why, len, "must be <= %.17g", k->max);
  return 1;
}

/* ---- conversion ---------------------------------------------------------- */

static void value_error(cfg_ctx_t *ctx, const config_setting_t *s,
                        const char *path, const char *why)
{
  char loc[PARMS_PATH_MAX + 64], val[256];
  cfg_location(ctx, s, loc, sizeof loc);
  cfg_value_text(s, val, sizeof val);
  cfg_error(ctx, "%s: %s = %s: %s", loc, path, val, why);
}

static void choices_text(const char *const *c, char *buf, size_t len)
{
  size_t j;
  buf[0] = 0;
  for (; *c; c++) {
    j = strlen(buf);
    snprintf(buf + j, len - j, "%s\"%s\"", j ? ", " : "", *c);
  }
}

/* One scalar value e of key k into dst.  Returns 0, or -1 (reported). */
static int convert_scalar(cfg_ctx_t *ctx, const cfg_key_t *k,
                          const config_setting_t *e, const char *path, void *dst)
{
  char why[512];
  int t = config_setting_type(e);
  cfg_type_t st = elem_type(k->type);

  if ((st == CFG_INT || st == CFG_INT64 || st == CFG_FLOAT) &&
      (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 ||
       (st == CFG_FLOAT && t == CONFIG_TYPE_FLOAT))) {
    long long iv = 0;
    double dv;
    if (t == CONFIG_TYPE_FLOAT) dv = config_setting_get_float(e);
    else {
      iv = (t == CONFIG_TYPE_INT) ? config_setting_get_int(e) : config_setting_get_int64(e);
      dv = (double)iv;
    }
    if (st == CFG_INT && (iv < INT_MIN || iv > INT_MAX)) {
      value_error(ctx, e, path, "out of the range of a 32-bit integer");
      return -1;
    }
    if (!isfinite(dv)) {
      value_error(ctx, e, path, "must be finite");
      return -1;
    }
    if (range_check(k, dv, why, sizeof why)) {
      value_error(ctx, e, path, why);
      return -1;
    }
    if (st == CFG_INT) *(int *)dst = (int)iv;
    else if (st == CFG_INT64) *(int64_t *)dst = (int64_t)iv;
    else *(double *)dst = dv;
    return 0;
  }
  if (st == CFG_BOOL && t == CONFIG_TYPE_BOOL) {
    *(int *)dst = config_setting_get_bool(e) ? 1 : 0;
    return 0;
  }
  if ((st == CFG_STRING || st == CFG_ENUM) && t == CONFIG_TYPE_STRING) {
    const char *s = config_setting_get_string(e);
    if (st == CFG_STRING) {
      size_t cap = elem_size(k);
      if (strlen(s) + 1 > cap) {
        snprintf(why, sizeof why, "longer than %zu characters", cap - 1);
        value_error(ctx, e, path, why);
        return -1;
      }
      if ((k->flags & CFG_MIN) && (double)strlen(s) < k->min) {
        value_error(ctx, e, path, "must not be empty");
        return -1;
      }
      memcpy(dst, s, strlen(s) + 1);
      return 0;
    } else {
      int i;
      char list[256];
      for (i = 0; k->choices[i]; i++)
        if (strcmp(s, k->choices[i]) == 0) {
          *(int *)dst = i;
          return 0;
        }
      choices_text(k->choices, list, sizeof list);
      snprintf(why, sizeof why, "must be one of %s", list);
      value_error(ctx, e, path, why);
      return -1;
    }
  }
  snprintf(why, sizeof why, "wrong type: expected %s, got %s", want_text(st),
           type_text(t));
  value_error(ctx, e, path, why);
  return -1;
}

/* Setting s of key k (path "group.key") into p. */
static void convert_key(cfg_ctx_t *ctx, const cfg_key_t *k,
                        const config_setting_t *s, const char *path, parms_t *p)
{
  char *base = (char *)p + k->offset, why[256], epath[256];
  int t = config_setting_type(s), n, i, bad = 0;
  size_t es = elem_size(k);

  if (!is_array_type(k->type)) {
    if (config_setting_is_aggregate(s)) {
      snprintf(why, sizeof why, "wrong type: expected %s, got %s",
               want_text(k->type), type_text(t));
      value_error(ctx, s, path, why);
      return;
    }
    convert_scalar(ctx, k, s, path, base);
    return;
  }
  if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) {
    snprintf(why, sizeof why, "wrong type: expected an array [...], got %s", type_text(t));
    value_error(ctx, s, path, why);
    return;
  }
  n = config_setting_length(s);
  if (n < k->len_min || n > k->len_max) {
    if (k->len_min == k->len_max)
      snprintf(why, sizeof why, "has %d elements, must have %d", n, k->len_min);
    else
      snprintf(why, sizeof why, "has %d elements, must have %d to %d", n,
               k->len_min, k->len_max);
    value_error(ctx, s, path, why);
    return;
  }
  for (i = 0; i < n; i++) {
    const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
    snprintf(epath, sizeof epath, "%s[%d]", path, i);
    if (config_setting_is_aggregate(e)) {
      snprintf(why, sizeof why, "wrong type: expected %s, got %s",
               want_text(elem_type(k->type)), type_text(config_setting_type(e)));
      value_error(ctx, e, epath, why);
      bad = 1;
      continue;
    }
    if (convert_scalar(ctx, k, e, epath, base + (size_t)i * es)) bad = 1;
  }
  if (bad) return;
  if ((k->flags & CFG_UNIQUE) && (k->type == CFG_INT_ARRAY || k->type == CFG_ENUM_ARRAY)) {
    const int *v = (const int *)base;
    int j;
    for (i = 0; i < n; i++)
      for (j = 0; j < i; j++)
        if (v[i] == v[j]) {
          snprintf(why, sizeof why, "elements %d and %d are the same", j, i);
          value_error(ctx, s, path, why);
          return;
        }
  }
  *(int *)((char *)p + k->count_offset) = n;
}

static void key_list(const cfg_group_t *g, char *buf, size_t len)
{
  int i;
  size_t j;
  buf[0] = 0;
  for (i = 0; i < g->nkeys; i++) {
    j = strlen(buf);
    snprintf(buf + j, len - j, "%s%s", i ? ", " : "", g->keys[i].key);
  }
}

static void group_list(char *buf, size_t len)
{
  int i, n;
  size_t j;
  const cfg_group_t *const *g = cfg_groups(&n);
  buf[0] = 0;
  for (i = 0; i < n; i++) {
    j = strlen(buf);
    snprintf(buf + j, len - j, "%s%s", i ? ", " : "", g[i]->name);
  }
}

/* Default of key k, parsed as libconfig text like any value. */
static void apply_default(cfg_ctx_t *ctx, const cfg_group_t *g,
                          const cfg_key_t *k, const char *path, parms_t *p)
{
  config_t d;
  char *text;
  size_t n = strlen(k->def) + 8;
  config_init(&d);
  text = malloc(n);
  if (!text) { cfg_error(ctx, "out of memory"); config_destroy(&d); return; }
  snprintf(text, n, "v = %s;", k->def);
  if (!config_read_string(&d, text)) {
    cfg_error(ctx, "internal error: default of %s.%s (%s) does not parse", g->name,
              k->key, k->def);
  } else {
    int nerr = ctx->nerr;
    convert_key(ctx, k, config_lookup(&d, "v"), path, p);
    if (ctx->nerr > nerr)
      cfg_error(ctx, "internal error: the default of %s (%s) is invalid", path, k->def);
  }
  free(text);
  config_destroy(&d);
}

static void walk(cfg_ctx_t *ctx, parms_t *p)
{
  config_setting_t *root = config_root_setting(ctx->cf);
  int i, j, ng, n = config_setting_length(root);
  char loc[PARMS_PATH_MAX + 64], list[512], path[256];
  const cfg_group_t *const *groups = cfg_groups(&ng);

  for (i = 0; i < n; i++) {
    const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
    const char *name = config_setting_name(s);
    const cfg_group_t *g = cfg_group_find(name);
    cfg_location(ctx, s, loc, sizeof loc);
    if (!g) {
      group_list(list, sizeof list);
      cfg_error(ctx, "%s: %s: unknown group '%s' (groups: %s)", loc, name, name, list);
      continue;
    }
    if (!config_setting_is_group(s)) {
      cfg_error(ctx, "%s: %s: must be a group %s = { ... }, not %s", loc, name,
                name, type_text(config_setting_type(s)));
      continue;
    }
    for (j = 0; j < config_setting_length(s); j++) {
      const config_setting_t *m = config_setting_get_elem(s, (unsigned)j);
      const cfg_key_t *k = cfg_key_find(g, config_setting_name(m));
      snprintf(path, sizeof path, "%s.%s", name, config_setting_name(m));
      if (!k) {
        cfg_location(ctx, m, loc, sizeof loc);
        key_list(g, list, sizeof list);
        cfg_error(ctx, "%s: %s: unknown key '%s' in group '%s' (keys: %s)", loc,
                  path, config_setting_name(m), name, list);
        continue;
      }
      convert_key(ctx, k, m, path, p);
    }
  }
  for (i = 0; i < ng; i++) {
    const cfg_group_t *g = groups[i];
    const config_setting_t *gs = config_setting_get_member(root, g->name);
    for (j = 0; j < g->nkeys; j++) {
      const cfg_key_t *k = &g->keys[j];
      snprintf(path, sizeof path, "%s.%s", g->name, k->key);
      if (gs && config_setting_is_group(gs) && config_setting_get_member(gs, k->key))
        continue;
      if (k->flags & CFG_REQUIRED) {
        cfg_location(ctx, gs, loc, sizeof loc);
        cfg_error(ctx, "%s: %s: required key is missing", loc, path);
      } else if (k->def) {
        apply_default(ctx, g, k, path, p);
      }
    }
  }
}

/* ---- reading ------------------------------------------------------------- */

static char *read_file(cfg_ctx_t *ctx, const char *file)
{
  struct stat st;
  FILE *f;
  char *text = NULL;
  size_t cap = 0, len = 0, got;

  if (stat(file, &st) != 0) {
    cfg_error(ctx, "%s: cannot read the configuration file: %s", file, strerror(errno));
    return NULL;
  }
  if (S_ISDIR(st.st_mode)) {
    cfg_error(ctx, "%s: cannot read the configuration file: it is a directory", file);
    return NULL;
  }
  f = fopen(file, "r");
  if (!f) {
    cfg_error(ctx, "%s: cannot read the configuration file: %s", file, strerror(errno));
    return NULL;
  }
  for (;;) {
    if (len + 4096 + 1 > cap) {
      char *t;
      cap = 2 * cap + 8192;
      t = realloc(text, cap);
      if (!t) {
        cfg_error(ctx, "%s: out of memory", file);
        free(text);
        fclose(f);
        return NULL;
      }
      text = t;
    }
    got = fread(text + len, 1, cap - len - 1, f);
    len += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    cfg_error(ctx, "%s: cannot read the configuration file: read error", file);
    free(text);
    fclose(f);
    return NULL;
  }
  fclose(f);
  text[len] = 0;
  if (strlen(text) != len) {
    cfg_error(ctx, "%s: not a text file (contains NUL bytes)", file);
    free(text);
    return NULL;
  }
  return text;
}

/* Tasks of run.tasks that the program does not have (not in
 * src->tasks_available) are errors. */
static void check_tasks_available(cfg_ctx_t *ctx, const parms_t *p)
{
  int i;
  if (ctx->tasks_available == 0) return;
  for (i = 0; i < p->run.n_tasks; i++)
    if (!(ctx->tasks_available & (1u << p->run.tasks[i])))
      cfg_fail(ctx, "run.tasks", "task '%s' is not available in this build",
               cfg_task_name(p->run.tasks[i]));
}

static int split_set(const char *arg, char *key, size_t keylen, const char **value)
{
  const char *eq = strchr(arg, '=');
  size_t n;
  if (!eq) return -1;
  n = (size_t)(eq - arg);
  while (n > 0 && arg[n - 1] == ' ') n--;
  if (n == 0 || n >= keylen) return -1;
  memcpy(key, arg, n);
  key[n] = 0;
  *value = eq + 1;
  return 0;
}

static void escape_libconfig(const char *s, char *buf, size_t len)
{
  text_string(s, buf, len);
}

int cfg_read(parms_t *p, const cfg_source_t *src, char *msg, size_t msglen)
{
  config_t cf;
  cfg_ctx_t ctx;
  char *text = NULL, **labels = NULL;
  int i, nlab = 0, status = EMF_SUCCESS, ng;
  const char *fname = src->file ? src->file : (src->name ? src->name : "<text>");
  const cfg_group_t *const *groups = cfg_groups(&ng);

  memset(p, 0, sizeof *p);
  if (msglen) msg[0] = 0;
  config_init(&cf);
  memset(&ctx, 0, sizeof ctx);
  ctx.cf = &cf;
  ctx.fname = fname;
  ctx.msg = msg;
  ctx.msglen = msglen;
  ctx.p = p;
  ctx.tasks_available = src->tasks_available;

  if (strlen(fname) >= PARMS_PATH_MAX) {
    cfg_error(&ctx, "configuration file name longer than %d characters", PARMS_PATH_MAX - 1);
    status = EMF_EIO;
    goto done;
  }
  strcpy(p->config_file, fname);
  if (src->file) {
    text = read_file(&ctx, src->file);
    if (!text) { status = EMF_EIO; goto done; }
  } else {
    text = strdup(src->text ? src->text : "");
    if (!text) { cfg_error(&ctx, "out of memory"); status = EMF_ENOMEM; goto done; }
  }
  if (cfg_check_literals(&ctx, text, NULL) ||
      !config_read_string(&cf, text)) {
    if (ctx.nerr == 0)
      cfg_error(&ctx, "%s:%d: %s", fname, config_error_line(&cf),
                config_error_text(&cf));
    status = EMF_EFORMAT;
    goto done;
  }

  labels = calloc((size_t)src->nset + 2, sizeof *labels);
  if (!labels) { cfg_error(&ctx, "out of memory"); status = EMF_ENOMEM; goto done; }
  for (i = 0; i < src->nset; i++) {
    char key[256];
    const char *value;
    if (split_set(src->sets[i], key, sizeof key, &value)) {
      cfg_error(&ctx, "--set %s: expected --set group.key=value (value in libconfig syntax)",
                src->sets[i]);
      continue;
    }
    labels[nlab] = malloc(strlen(key) + 8);
    if (!labels[nlab]) { cfg_error(&ctx, "out of memory"); break; }
    sprintf(labels[nlab], "--set %s", key);
    cfg_apply_override(&ctx, labels[nlab++], key, value);
  }
  if (src->task) {
    char val[128];
    if (cfg_task_lookup(src->task) < 0 || strlen(src->task) > 32) {
      cfg_error(&ctx, "TASK argument '%.64s': unknown task", src->task);
    } else {
      labels[nlab] = malloc(strlen(src->task) + 32);
      if (labels[nlab]) {
        sprintf(labels[nlab], "TASK argument '%s'", src->task);
        snprintf(val, sizeof val, "[\"%s\"]", src->task);
        cfg_apply_override(&ctx, labels[nlab++], "run.tasks", val);
      }
    }
  }
  if (src->outdir) {
    size_t n = 4 * strlen(src->outdir) + 8;
    char *val = malloc(n);
    if (val) {
      escape_libconfig(src->outdir, val, n);
      cfg_apply_override(&ctx, "-o", "output.dir", val);
      free(val);
    }
  }
  if (ctx.nerr) { status = EMF_EINVAL; goto done; }

  walk(&ctx, p);
  if (ctx.nerr == 0)
    for (i = 0; i < ng; i++)
      if (groups[i]->check) groups[i]->check(p, &ctx);
  if (ctx.nerr == 0) check_tasks_available(&ctx, p);
  if (ctx.nerr == 0) p->hash = cfg_hash(p);
  if (ctx.nerr) status = EMF_EINVAL;
done:
  if (labels)
    for (i = 0; i < nlab; i++) free(labels[i]);
  free(labels);
  free(text);
  config_destroy(&cf);
  if (status != EMF_SUCCESS && ctx.nerr == 0) cfg_error(&ctx, "%s: invalid", fname);
  return status;
}

/* ---- broadcast ----------------------------------------------------------- */

void cfg_bcast_all(parms_t *p, int root, MPI_Comm comm)
{
  uint64_t h[2], hmin[2], hmax[2];
  MPI_Bcast(p, (int)sizeof *p, MPI_BYTE, root, comm);
  h[0] = cfg_hash_bytes(p, sizeof *p);
  h[1] = cfg_hash(p);
  MPI_Allreduce(h, hmin, 2, MPI_UINT64_T, MPI_MIN, comm);
  MPI_Allreduce(h, hmax, 2, MPI_UINT64_T, MPI_MAX, comm);
  ERROR(hmin[0] != hmax[0] || hmin[1] != hmax[1] || h[1] != p->hash,
        EMF_EXIT_INTERNAL,
        "the parameters differ between ranks after the broadcast "
        "(hash of bytes %016llx..%016llx, of text %016llx..%016llx, stored %016llx)",
        (unsigned long long)hmin[0], (unsigned long long)hmax[0],
        (unsigned long long)hmin[1], (unsigned long long)hmax[1],
        (unsigned long long)p->hash);
}

/* ---- printing ------------------------------------------------------------ */

static void print_elem(FILE *f, const cfg_key_t *k, const char *ptr)
{
  char buf[4 * PARMS_PATH_MAX + 8];
  switch (elem_type(k->type)) {
  case CFG_INT: fprintf(f, "%d", *(const int *)ptr); break;
  case CFG_INT64: {
    long long v = (long long)*(const int64_t *)ptr;
    fprintf(f, (v < INT_MIN || v > INT_MAX) ? "%lldL" : "%lld", v);
    break;
  }
  case CFG_FLOAT:
    cfg_format_double(*(const double *)ptr, buf, sizeof buf);
    fputs(buf, f);
    break;
  case CFG_BOOL: fputs(*(const int *)ptr ? "true" : "false", f); break;
  case CFG_STRING:
    text_string(ptr, buf, sizeof buf);
    fputs(buf, f);
    break;
  case CFG_ENUM: fprintf(f, "\"%s\"", k->choices[*(const int *)ptr]); break;
  default: break;
  }
}

static void print_group(FILE *f, const cfg_group_t *g, const parms_t *p, int for_hash)
{
  int j, i;
  fprintf(f, "%s = {\n", g->name);
  for (j = 0; j < g->nkeys; j++) {
    const cfg_key_t *k = &g->keys[j];
    const char *base = (const char *)p + k->offset;
    int optional = !(k->flags & CFG_REQUIRED) && !k->def;
    if (for_hash && (k->flags & CFG_NOHASH)) continue;
    if (is_array_type(k->type)) {
      int n = *(const int *)((const char *)p + k->count_offset);
      size_t es = elem_size(k);
      if (optional && n == 0) continue;
      fprintf(f, "  %s = [", k->key);
      for (i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        print_elem(f, k, base + (size_t)i * es);
      }
      fputs("];\n", f);
    } else {
      if (optional && k->type == CFG_STRING && base[0] == 0) continue;
      fprintf(f, "  %s = ", k->key);
      print_elem(f, k, base);
      fputs(";\n", f);
    }
  }
  fputs("};\n", f);
}

int cfg_fprint(const parms_t *p, FILE *f)
{
  int i, n;
  const cfg_group_t *const *g = cfg_groups(&n);
  for (i = 0; i < n; i++) print_group(f, g[i], p, 0);
  return ferror(f) ? EMF_EIO : EMF_SUCCESS;
}

/* Canonical text of group `only` (NULL: all groups); for_hash leaves out
 * the keys flagged CFG_NOHASH. */
static char *sprint_groups(const parms_t *p, const cfg_group_t *only, int for_hash)
{
  char *buf = NULL;
  size_t len = 0;
  int i, n;
  const cfg_group_t *const *g = cfg_groups(&n);
  FILE *f = open_memstream(&buf, &len);
  if (!f) return NULL;
  for (i = 0; i < n; i++)
    if (!only || g[i] == only) print_group(f, g[i], p, for_hash);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

char *cfg_sprint(const parms_t *p) { return sprint_groups(p, NULL, 0); }

uint64_t cfg_hash(const parms_t *p)
{
  char *text = sprint_groups(p, NULL, 1);
  uint64_t h;
  if (!text) return 0;
  h = cfg_hash_bytes(text, strlen(text));
  free(text);
  return h;
}

uint64_t cfg_hash_bytes(const void *data, size_t n)
{
  const unsigned char *c = data;
  uint64_t h = 0xcbf29ce484222325ULL;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= c[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t cfg_hash_group(const parms_t *p, const char *group)
{
  const cfg_group_t *g = cfg_group_find(group);
  char *text;
  uint64_t h;
  if (!g) return 0;
  text = sprint_groups(p, g, 1);
  if (!text) return 0;
  h = cfg_hash_bytes(text, strlen(text));
  free(text);
  return h;
}

/* ---- names --------------------------------------------------------------- */

const char *cfg_enum_name(const char *path, int value)
{
  char grp[64];
  size_t n = strcspn(path, ".");
  const cfg_group_t *g;
  const cfg_key_t *k;
  int i;
  if (path[n] != '.' || n >= sizeof grp) return NULL;
  memcpy(grp, path, n);
  grp[n] = 0;
  g = cfg_group_find(grp);
  if (!g) return NULL;
  k = cfg_key_find(g, path + n + 1);
  if (!k || !k->choices || value < 0) return NULL;
  for (i = 0; k->choices[i]; i++)
    if (i == value) return k->choices[i];
  return NULL;
}

const char *cfg_task_name(int kind) { return cfg_enum_name("run.tasks", kind); }

int cfg_task_lookup(const char *name)
{
  int i;
  for (i = 0; i < TASK_COUNT; i++)
    if (strcmp(name, cfg_task_name(i)) == 0) return i;
  return -1;
}

int cfg_task_requested(const parms_t *p, task_kind_t t)
{
  int i;
  for (i = 0; i < p->run.n_tasks; i++)
    if (p->run.tasks[i] == (int)t) return 1;
  return 0;
}
