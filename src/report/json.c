/*******************************************************************************
 * json.c: a small JSON tree for summary.json (report.h).
 *
 * report_t *report_alloc(void);  void report_free(report_t *r)
 *   An empty top-level object, and its release (NULL is fine).
 *
 * int report_set_number(r, path, x), report_set_int(r, path, x),
 *     report_set_bool(r, path, b), report_set_string(r, path, s),
 *     report_set_numbers(r, path, x, n), report_set_ints(r, path, x, n),
 *     report_set_strings(r, path, s, n)
 *   Store a number (17 significant digits on output, with ".0" appended if
 *   the digits alone would read as an integer; NaN and infinities as null), an integer, a boolean, a string, or an array at path ("a.b.c":
 *   keys separated by dots, none empty).  Objects on the way are created;
 *   an existing value at path is replaced in place (key order is that of
 *   first insertion).  Return EMF_SUCCESS; EMF_EINVAL for an empty key or a
 *   path through a non-object; EMF_ENOMEM.
 *
 * int report_get_number(r, path, &x), report_get_string(r, path, &s),
 *     report_has(r, path)
 *   Read back (an integer also reads as a number).  EMF_SUCCESS, or
 *   EMF_EINVAL if absent or of another type; report_has returns 1 or 0.
 *
 * int report_fprint(const report_t *r, FILE *f)
 *   JSON text, indented by two spaces, arrays on one line, final newline.
 *
 * int report_write(const report_t *r, const char *file)
 *   Writes file.tmp, fflush + fsync, closes it and renames it over file.
 *   On failure the temporary is removed and file is left as it was.
 *   EMF_SUCCESS or EMF_EIO.
 *
 * Context: local, no global state; a tree is not thread-safe.
 ******************************************************************************/
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "global.h"
#include "report.h"

typedef enum { J_OBJECT, J_NUMBER, J_INT, J_BOOL, J_STRING, J_ARRAY } jtype_t;

typedef struct jnode {
  jtype_t type;
  char *key;             /* NULL for array elements and the root */
  double x;
  long long i;
  char *s;
  struct jnode *first, *last, *next;  /* children of objects and arrays */
} jnode_t;

struct report {
  jnode_t root;
};

static void node_clear(jnode_t *n)
{
  jnode_t *c = n->first, *next;
  while (c) {
    next = c->next;
    node_clear(c);
    free(c->key);
    free(c);
    c = next;
  }
  free(n->s);
  n->s = NULL;
  n->first = n->last = NULL;
}

report_t *report_alloc(void)
{
  report_t *r = calloc(1, sizeof *r);
  if (r) r->root.type = J_OBJECT;
  return r;
}

void report_free(report_t *r)
{
  if (!r) return;
  node_clear(&r->root);
  free(r);
}

static jnode_t *child(const jnode_t *obj, const char *key, size_t n)
{
  jnode_t *c;
  for (c = obj->first; c; c = c->next)
    if (strlen(c->key) == n && strncmp(c->key, key, n) == 0) return c;
  return NULL;
}

static jnode_t *append_child(jnode_t *parent, const char *key, size_t n)
{
  jnode_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  if (key) {
    c->key = malloc(n + 1);
    if (!c->key) {
      free(c);
      return NULL;
    }
    memcpy(c->key, key, n);
    c->key[n] = 0;
  }
  if (parent->last) parent->last->next = c;
  else parent->first = c;
  parent->last = c;
  return c;
}

/* The node at path, created (as an empty object) if create; cleared if it
 * exists and create.  NULL with *status set on failure. */
static jnode_t *locate(jnode_t *root, const char *path, int create, int *status)
{
  jnode_t *n = root;
  const char *p = path;
  *status = EMF_EINVAL;
  if (!path || !*path) return NULL;
  for (;;) {
    size_t len = strcspn(p, ".");
    jnode_t *c;
    if (len == 0) return NULL;
    if (n->type != J_OBJECT) return NULL;
    c = child(n, p, len);
    if (!c) {
      if (!create) return NULL;
      c = append_child(n, p, len);
      if (!c) {
        *status = EMF_ENOMEM;
        return NULL;
      }
      c->type = J_OBJECT;
    }
    n = c;
    if (p[len] == 0) break;
    p += len + 1;
  }
  if (create) {
    node_clear(n);
    n->type = J_OBJECT;
  }
  *status = EMF_SUCCESS;
  return n;
}

int report_set_number(report_t *r, const char *path, double x)
{
  int st;
  jnode_t *n = locate(&r->root, path, 1, &st);
  if (!n) return st;
  n->type = J_NUMBER;
  n->x = x;
  return EMF_SUCCESS;
}

int report_set_int(report_t *r, const char *path, long long x)
{
  int st;
  jnode_t *n = locate(&r->root, path, 1, &st);
  if (!n) return st;
  n->type = J_INT;
  n->i = x;
  return EMF_SUCCESS;
}

int report_set_bool(report_t *r, const char *path, int b)
{
  int st;
  jnode_t *n = locate(&r->root, path, 1, &st);
  if (!n) return st;
  n->type = J_BOOL;
  n->i = b != 0;
  return EMF_SUCCESS;
}

int report_set_string(report_t *r, const char *path, const char *s)
{
  int st;
  jnode_t *n;
  char *copy = strdup(s ? s : "");
  if (!copy) return EMF_ENOMEM;
  n = locate(&r->root, path, 1, &st);
  if (!n) {
    free(copy);
    return st;
  }
  n->type = J_STRING;
  n->s = copy;
  return EMF_SUCCESS;
}

/* Array at path with n elements of type t from x, iv or sv. */
static int set_array(report_t *r, const char *path, int n, jtype_t t,
                     const double *x, const int *iv, const char *const *sv)
{
  int st, k;
  jnode_t *a = locate(&r->root, path, 1, &st);
  if (!a) return st;
  a->type = J_ARRAY;
  for (k = 0; k < n; k++) {
    jnode_t *e = append_child(a, NULL, 0);
    if (!e) return EMF_ENOMEM;
    e->type = t;
    if (t == J_NUMBER) e->x = x[k];
    else if (t == J_INT) e->i = iv[k];
    else {
      e->s = strdup(sv[k] ? sv[k] : "");
      if (!e->s) return EMF_ENOMEM;
    }
  }
  return EMF_SUCCESS;
}

int report_set_numbers(report_t *r, const char *path, const double *x, int n)
{
  return set_array(r, path, n, J_NUMBER, x, NULL, NULL);
}

int report_set_ints(report_t *r, const char *path, const int *x, int n)
{
  return set_array(r, path, n, J_INT, NULL, x, NULL);
}

int report_set_strings(report_t *r, const char *path, const char *const *s, int n)
{
  return set_array(r, path, n, J_STRING, NULL, NULL, s);
}

int report_get_number(const report_t *r, const char *path, double *x)
{
  int st;
  jnode_t *n = locate((jnode_t *)&r->root, path, 0, &st);
  if (!n) return EMF_EINVAL;
  if (n->type == J_NUMBER) *x = n->x;
  else if (n->type == J_INT) *x = (double)n->i;
  else return EMF_EINVAL;
  return EMF_SUCCESS;
}

int report_get_string(const report_t *r, const char *path, const char **s)
{
  int st;
  jnode_t *n = locate((jnode_t *)&r->root, path, 0, &st);
  if (!n || n->type != J_STRING) return EMF_EINVAL;
  *s = n->s;
  return EMF_SUCCESS;
}

int report_has(const report_t *r, const char *path)
{
  int st;
  return locate((jnode_t *)&r->root, path, 0, &st) != NULL;
}

/* ---- output -------------------------------------------------------------- */

static void put_string(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\b': fputs("\\b", f); break;
    case '\f': fputs("\\f", f); break;
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    default:
      if (c < 0x20) fprintf(f, "\\u%04x", c);
      else fputc(c, f);
    }
  }
  fputc('"', f);
}

static void put_value(FILE *f, const jnode_t *n, int indent)
{
  const jnode_t *c;
  switch (n->type) {
  case J_NUMBER:
    if (isfinite(n->x)) {
      char buf[40];
      snprintf(buf, sizeof buf, "%.17g", n->x);
      fputs(buf, f);
      if (!strpbrk(buf, ".e")) fputs(".0", f);  /* stays a float for readers */
    } else {
      fputs("null", f);
    }
    break;
  case J_INT: fprintf(f, "%lld", n->i); break;
  case J_BOOL: fputs(n->i ? "true" : "false", f); break;
  case J_STRING: put_string(f, n->s); break;
  case J_ARRAY:
    fputc('[', f);
    for (c = n->first; c; c = c->next) {
      put_value(f, c, indent);
      if (c->next) fputs(", ", f);
    }
    fputc(']', f);
    break;
  case J_OBJECT:
    if (!n->first) {
      fputs("{}", f);
      break;
    }
    fputs("{\n", f);
    for (c = n->first; c; c = c->next) {
      fprintf(f, "%*s", indent + 2, "");
      put_string(f, c->key);
      fputs(": ", f);
      put_value(f, c, indent + 2);
      fputs(c->next ? ",\n" : "\n", f);
    }
    fprintf(f, "%*s}", indent, "");
    break;
  }
}

int report_fprint(const report_t *r, FILE *f)
{
  put_value(f, &r->root, 0);
  fputc('\n', f);
  return ferror(f) ? EMF_EIO : EMF_SUCCESS;
}

int report_write(const report_t *r, const char *file)
{
  size_t n = strlen(file) + 8;
  char *tmp = malloc(n);
  FILE *f;
  int ok;
  if (!tmp) return EMF_EIO;
  snprintf(tmp, n, "%s.tmp", file);
  f = fopen(tmp, "w");
  if (!f) {
    free(tmp);
    return EMF_EIO;
  }
  ok = report_fprint(r, f) == EMF_SUCCESS && fflush(f) == 0 && fsync(fileno(f)) == 0;
  ok = (fclose(f) == 0) && ok;
  if (ok) ok = rename(tmp, file) == 0;
  if (!ok) remove(tmp);
  free(tmp);
  return ok ? EMF_SUCCESS : EMF_EIO;
}
