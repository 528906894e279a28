/*******************************************************************************
 * test_doc.c: every key of the schema is documented.
 *
 * For every group and key of the registry: doc/input.md names `group.key`,
 * and each template (input/su2.conf, input/su3.conf) has a line for the key
 * inside its group block (possibly commented out) that carries a comment.
 * Both templates pass validation when their tasks are all available.
 * Runs from the repository root (or $EMF_ROOT).
 ******************************************************************************/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cfg.h"
#include "check.h"

static char *slurp(const char *root, const char *rel)
{
  char path[1024];
  FILE *f;
  long n;
  char *s;
  snprintf(path, sizeof path, "%s/%s", root, rel);
  f = fopen(path, "r");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  rewind(f);
  s = calloc((size_t)n + 1, 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
    free(s);
    s = NULL;
  }
  fclose(f);
  return s;
}

/* Line of the template block of group g that sets key (commented or not),
 * and whether that line has a comment. */
static int key_in_template(const char *text, const char *g, const char *key, int *commented)
{
  char head[128];
  const char *b, *e, *line;
  snprintf(head, sizeof head, "\n%s = {", g);
  b = strstr(text, head);
  if (!b) return 0;
  e = strstr(b, "\n};");
  if (!e) return 0;
  for (line = strchr(b + 1, '\n'); line && line < e; line = strchr(line + 1, '\n')) {
    const char *c = line + 1, *eol = strchr(c, '\n');
    size_t n = strlen(key);
    while (*c == ' ') c++;
    if (*c == '#') {
      c++;
      while (*c == ' ') c++;
    }
    if (strncmp(c, key, n) == 0 && (c[n] == ' ' || c[n] == '=')) {
      const char *h = memchr(line + 1, '#', (size_t)(eol - line - 1));
      *commented = h != NULL;
      return 1;
    }
  }
  return 0;
}

int main(void)
{
  const char *root = getenv("EMF_ROOT") ? getenv("EMF_ROOT") : ".";
  const char *templates[2] = {"input/su2.conf", "input/su3.conf"};
  char *doc = slurp(root, "doc/input.md"), *tpl[2];
  int n, i, j, t;
  const cfg_group_t *const *g = cfg_groups(&n);

  check_true(doc != NULL, "doc/input.md readable");
  for (t = 0; t < 2; t++) {
    tpl[t] = slurp(root, templates[t]);
    check_true(tpl[t] != NULL, "%s readable", templates[t]);
  }
  for (i = 0; i < n; i++)
    for (j = 0; j < g[i]->nkeys; j++) {
      char name[256];
      int commented = 0;
      snprintf(name, sizeof name, "`%s.%s`", g[i]->name, g[i]->keys[j].key);
      check_true(doc && strstr(doc, name) != NULL, "doc/input.md documents %s", name);
      for (t = 0; t < 2; t++) {
        int found = tpl[t] && key_in_template(tpl[t], g[i]->name, g[i]->keys[j].key,
                                              &commented);
        check_true(found, "%s has %s.%s", templates[t], g[i]->name, g[i]->keys[j].key);
        check_true(found && commented, "%s comments %s.%s", templates[t], g[i]->name,
                   g[i]->keys[j].key);
      }
    }
  for (t = 0; t < 2; t++) {
    parms_t p;
    char msg[4096], path[1024];
    cfg_source_t src;
    memset(&src, 0, sizeof src);
    snprintf(path, sizeof path, "%s/%s", root, templates[t]);
    src.file = path;
    check_int(cfg_read(&p, &src, msg, sizeof msg), EMF_SUCCESS, "%s is valid (%s)",
              templates[t], msg);
  }
  free(doc);
  free(tpl[0]);
  free(tpl[1]);
  return check_finish("test_doc");
}
