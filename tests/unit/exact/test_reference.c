/*******************************************************************************
 * test_reference.c: every entry of shared/reference/exact_values.json against
 * exact_lattice2d (lattice_2d: P, ReTrU2, lnZ for every group, beta and L,
 * "inf" = infinite volume) and exact_single (single_matrix: logZ and
 * <(1/N) Re tr U^k>, k = 1..3).
 *
 * The file is looked up at $EMF_SHARED/reference, $EMF_ROOT/shared/reference,
 * $EMF_ROOT/../shared/reference, shared/reference and ../shared/reference
 * (CI has shared/ beside the clone).  Not finding it is a failure.  It is read
 * by the small JSON parser below; an entry with an unknown quantity name is a
 * failure too, so that nothing in the file is skipped silently.
 *
 * Tolerances |got - ref| <= atol + rtol |ref|, rtol = 1e-12 everywhere;
 * atol = 1e-15 for the observables (all in [-1, 1]), 1e-12 for lnZ and logZ
 * (ln Z = V (beta + log c_0) + ..., so its rounding error grows like V eps).
 ******************************************************************************/
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "exact.h"

#define RTOL 1e-12
#define ATOL_OBS 1e-15
#define ATOL_LOGZ 1e-12

static double worst = 0.0; /* largest |got - ref| / tolerance seen */

static void compare(double got, double ref, double atol, const char *what)
{
  double r = fabs(got - ref) / (atol + RTOL * fabs(ref));
  if (r > worst) worst = r;
  check_rel(got, ref, RTOL, atol, "%s", what);
}

/* ------------------------------------------------------------------------- */
/* Minimal JSON reader: objects, arrays, strings (no escapes beyond \" and    */
/* \\), numbers and literals, kept as a tree with the raw text of scalars.    */
/* ------------------------------------------------------------------------- */

enum { J_OBJ, J_ARR, J_STR, J_NUM, J_LIT };

typedef struct jnode {
  int type;
  char *key;          /* member name inside an object, else NULL */
  char *text;         /* string contents or number/literal text */
  struct jnode *kids; /* first child (objects, arrays) */
  struct jnode *next; /* next sibling */
} jnode_t;

typedef struct {
  const char *s;
  size_t pos, len;
  int err;
} jparser_t;

static void jfree(jnode_t *n)
{
  while (n != NULL) {
    jnode_t *nx = n->next;
    jfree(n->kids);
    free(n->key);
    free(n->text);
    free(n);
    n = nx;
  }
}

static void jskip(jparser_t *p)
{
  while (p->pos < p->len && isspace((unsigned char)p->s[p->pos])) p->pos++;
}

static char *jstring_raw(jparser_t *p)
{
  size_t start, n = 0;
  char *out;
  if (p->pos >= p->len || p->s[p->pos] != '"') {
    p->err = 1;
    return NULL;
  }
  start = ++p->pos;
  while (p->pos < p->len && p->s[p->pos] != '"') {
    if (p->s[p->pos] == '\\') p->pos++;
    p->pos++;
  }
  if (p->pos >= p->len) {
    p->err = 1;
    return NULL;
  }
  out = malloc(p->pos - start + 1);
  if (out == NULL) {
    p->err = 1;
    return NULL;
  }
  for (size_t i = start; i < p->pos; i++) {
    if (p->s[i] == '\\') i++;
    out[n++] = p->s[i];
  }
  out[n] = '\0';
  p->pos++;
  return out;
}

static jnode_t *jvalue(jparser_t *p, int depth);

static jnode_t *jcontainer(jparser_t *p, int depth, int type)
{
  char close = type == J_OBJ ? '}' : ']';
  jnode_t *node = calloc(1, sizeof *node), **tail;
  if (node == NULL) {
    p->err = 1;
    return NULL;
  }
  node->type = type;
  tail = &node->kids;
  p->pos++;
  jskip(p);
  if (p->pos < p->len && p->s[p->pos] == close) {
    p->pos++;
    return node;
  }
  while (!p->err) {
    char *key = NULL;
    jnode_t *v;
    jskip(p);
    if (type == J_OBJ) {
      key = jstring_raw(p);
      jskip(p);
      if (p->err || p->pos >= p->len || p->s[p->pos] != ':') {
        p->err = 1;
        free(key);
        break;
      }
      p->pos++;
    }
    v = jvalue(p, depth + 1);
    if (v == NULL) {
      free(key);
      break;
    }
    v->key = key;
    *tail = v;
    tail = &v->next;
    jskip(p);
    if (p->pos < p->len && p->s[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->len && p->s[p->pos] == close) {
      p->pos++;
      return node;
    }
    p->err = 1;
  }
  jfree(node);
  return NULL;
}

static jnode_t *jvalue(jparser_t *p, int depth)
{
  jnode_t *node;
  size_t start;
  jskip(p);
  if (p->pos >= p->len || depth > 64) {
    p->err = 1;
    return NULL;
  }
  if (p->s[p->pos] == '{') return jcontainer(p, depth, J_OBJ);
  if (p->s[p->pos] == '[') return jcontainer(p, depth, J_ARR);
  node = calloc(1, sizeof *node);
  if (node == NULL) {
    p->err = 1;
    return NULL;
  }
  if (p->s[p->pos] == '"') {
    node->type = J_STR;
    node->text = jstring_raw(p);
  } else {
    start = p->pos;
    while (p->pos < p->len && (isalnum((unsigned char)p->s[p->pos]) ||
                               strchr("+-.", p->s[p->pos]) != NULL))
      p->pos++;
    if (p->pos == start) p->err = 1;
    node->type = (isdigit((unsigned char)p->s[start]) || p->s[start] == '-') ? J_NUM : J_LIT;
    node->text = malloc(p->pos - start + 1);
    if (node->text == NULL) p->err = 1;
    else {
      memcpy(node->text, p->s + start, p->pos - start);
      node->text[p->pos - start] = '\0';
    }
  }
  if (p->err) {
    jfree(node);
    return NULL;
  }
  return node;
}

static const jnode_t *jget(const jnode_t *obj, const char *key)
{
  const jnode_t *k;
  if (obj == NULL || obj->type != J_OBJ) return NULL;
  for (k = obj->kids; k != NULL; k = k->next)
    if (strcmp(k->key, key) == 0) return k;
  return NULL;
}

/* A number given as a JSON number or as a decimal string. */
static int jnumber(const jnode_t *n, double *x)
{
  char *end;
  if (n == NULL || (n->type != J_NUM && n->type != J_STR)) return 0;
  *x = strtod(n->text, &end);
  return end != n->text && *end == '\0';
}

static char *read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  long sz;
  if (f == NULL) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  buf = malloc((size_t)sz + 1);
  if (buf != NULL && fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf != NULL) {
    buf[sz] = '\0';
    *len = (size_t)sz;
  }
  return buf;
}

/* ------------------------------------------------------------------------- */

static int check_lattice(const jnode_t *lat)
{
  const jnode_t *g, *b, *q, *l;
  int n = 0;
  for (g = lat->kids; g != NULL; g = g->next) {
    int N = 0;
    if (sscanf(g->key, "SU%d", &N) != 1) {
      check_true(0, "lattice_2d: group name '%s' not understood", g->key);
      continue;
    }
    for (b = g->kids; b != NULL; b = b->next) {
      double beta = strtod(b->key, NULL);
      for (q = b->kids; q != NULL; q = q->next) {
        int which = strcmp(q->key, "P") == 0        ? 0
                    : strcmp(q->key, "ReTrU2") == 0 ? 1
                    : strcmp(q->key, "lnZ") == 0    ? 2
                                                    : -1;
        if (which < 0) {
          check_true(0, "lattice_2d SU%d beta %s: unknown quantity '%s'", N, b->key, q->key);
          continue;
        }
        for (l = q->kids; l != NULL; l = l->next) {
          exact_lattice2d_t out;
          long L = strcmp(l->key, "inf") == 0 ? 0 : atol(l->key);
          double ref, got;
          char what[256];
          int st;
          if (!jnumber(l, &ref)) {
            check_true(0, "lattice_2d SU%d beta %s %s L %s: not a number", N, b->key,
                       q->key, l->key);
            continue;
          }
          st = exact_lattice2d(N, beta, L, &out);
          check_int(st, EMF_SUCCESS, "exact_lattice2d(SU%d, beta %s, L %s) status", N,
                    b->key, l->key);
          got = which == 0 ? out.plaquette : which == 1 ? out.retr_u2 : out.lnZ;
          snprintf(what, sizeof what, "lattice_2d SU%d beta %s L %s %s", N, b->key,
                   l->key, q->key);
          compare(got, ref, which == 2 ? ATOL_LOGZ : ATOL_OBS, what);
          n++;
        }
      }
    }
  }
  return n;
}

static int check_single(const jnode_t *sm)
{
  static const char *const names[4] = {"logZ", "ReTrU_over_N", "ReTrU2_over_N",
                                       "ReTrU3_over_N"};
  const jnode_t *e, *q;
  int n = 0;
  for (e = sm->kids; e != NULL; e = e->next) {
    const jnode_t *jc = jget(e, "c"), *k;
    double Nd, beta, c[EXACT_SINGLE_NCMAX];
    int nc = 0, st, i;
    exact_single_t out;
    if (!jnumber(jget(e, "N"), &Nd) || !jnumber(jget(e, "beta"), &beta) || jc == NULL ||
        jc->type != J_ARR) {
      check_true(0, "single_matrix %s: N, beta or c missing", e->key);
      continue;
    }
    for (k = jc->kids; k != NULL && nc < EXACT_SINGLE_NCMAX; k = k->next)
      if (!jnumber(k, &c[nc++])) check_true(0, "single_matrix %s: bad c", e->key);
    st = exact_single((int)Nd, beta, c, nc, &out);
    check_int(st, EMF_SUCCESS, "exact_single(%s) status", e->key);
    for (q = e->kids; q != NULL; q = q->next) {
      char name[64], what[256];
      double ref, got;
      size_t ln = strlen(q->key);
      if (strcmp(q->key, "N") == 0 || strcmp(q->key, "beta") == 0 || strcmp(q->key, "c") == 0)
        continue;
      snprintf(name, sizeof name, "%s", q->key);
      if (ln > 4 && strcmp(name + ln - 4, "_str") == 0) name[ln - 4] = '\0';
      for (i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0) break;
      if (i == 4 || !jnumber(q, &ref)) {
        check_true(0, "single_matrix %s: unknown or malformed entry '%s'", e->key, q->key);
        continue;
      }
      got = i == 0 ? out.logZ : out.retr_uk_over_n[i - 1];
      snprintf(what, sizeof what, "single_matrix %s %s", e->key, name);
      compare(got, ref, i == 0 ? ATOL_LOGZ : ATOL_OBS, what);
      n++;
    }
  }
  return n;
}

int main(void)
{
  const char *rel = "reference/exact_values.json";
  const char *bases[5];
  char path[4096];
  char *buf = NULL;
  size_t len = 0;
  int i, nb = 0;
  const char *shared = getenv("EMF_SHARED"), *root = getenv("EMF_ROOT");
  char b1[2048], b2[2048], b3[2048];
  if (shared != NULL) {
    snprintf(b1, sizeof b1, "%s", shared);
    bases[nb++] = b1;
  }
  if (root != NULL) {
    snprintf(b2, sizeof b2, "%s/shared", root);
    snprintf(b3, sizeof b3, "%s/../shared", root);
    bases[nb++] = b2;
    bases[nb++] = b3;
  }
  bases[nb++] = "shared";
  bases[nb++] = "../shared";
  for (i = 0; i < nb && buf == NULL; i++) {
    snprintf(path, sizeof path, "%s/%s", bases[i], rel);
    buf = read_file(path, &len);
  }
  if (buf == NULL) {
    check_true(0, "exact_values.json not found (tried $EMF_SHARED, $EMF_ROOT/shared, "
                  "$EMF_ROOT/../shared, shared, ../shared)");
  } else {
    jparser_t p = {buf, 0, len, 0};
    jnode_t *root_node = jvalue(&p, 0);
    printf("reading %s\n", path);
    check_true(root_node != NULL && !p.err, "%s parses as JSON", path);
    if (root_node != NULL) {
      const jnode_t *lat = jget(root_node, "lattice_2d"), *sm = jget(root_node, "single_matrix");
      int nl = 0, ns = 0;
      check_true(lat != NULL && sm != NULL, "lattice_2d and single_matrix present");
      if (lat != NULL) nl = check_lattice(lat);
      if (sm != NULL) ns = check_single(sm);
      printf("compared %d lattice_2d and %d single_matrix values; largest deviation "
             "%.3g of the tolerance\n", nl, ns, worst);
      check_true(nl >= 40 && ns >= 24, "all reference values compared (%d, %d)", nl, ns);
      jfree(root_node);
    }
    free(buf);
  }
  return check_finish("test_reference");
}
