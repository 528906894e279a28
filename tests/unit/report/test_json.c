/*******************************************************************************
 * test_json.c: the summary.json writer (report.h).
 *
 * Builds a tree with nested objects, numbers, integers, booleans, strings
 * that need escaping, arrays and a non-finite number, and compares the
 * printed text with the exact expected JSON; checks replacement in place,
 * key order, 17-digit round trip of numbers, path errors, the readers, and
 * the atomic write (no .tmp left, content identical to report_fprint).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "global.h"
#include "report.h"

static char *print(const report_t *r)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  report_fprint(r, f);
  fclose(f);
  return buf;
}

int main(void)
{
  report_t *r = report_alloc();
  const double xs[3] = {0.5, -1.25, 1e300};
  const int is[2] = {2, 4};
  const char *ss[2] = {"init", "a\"b"};
  const char *expect =
      "{\n"
      "  \"run\": {\n"
      "    \"config\": \"in/\\\"q\\\"\\\\x\\n\\t\\u0001\",\n"
      "    \"ranks\": 4,\n"
      "    \"grid\": [2, 4],\n"
      "    \"tasks\": [\"init\", \"a\\\"b\"],\n"
      "    \"ok\": true\n"
      "  },\n"
      "  \"hmc\": {\n"
      "    \"plaquette\": {\n"
      "      \"mean\": 0.10000000000000001,\n"
      "      \"error\": 2.5000000000000001e-05\n"
      "    },\n"
      "    \"xs\": [0.5, -1.25, 1.0000000000000001e+300],\n"
      "    \"bad\": null,\n"
      "    \"whole\": -3.0,\n"
      "    \"empty\": []\n"
      "  },\n"
      "  \"big\": -9007199254740993\n"
      "}\n";
  char *text, *file_text;
  double x;
  const char *s;
  FILE *f;
  long n;
  char tmpl[] = "/tmp/test_json_XXXXXX", file[128], tmpfile_[140];

  check_true(r != NULL, "alloc");
  check_int(report_set_string(r, "run.config", "in/\"q\"\\x\n\t\001"), EMF_SUCCESS, "string");
  check_int(report_set_int(r, "run.ranks", 3), EMF_SUCCESS, "int");
  check_int(report_set_ints(r, "run.grid", is, 2), EMF_SUCCESS, "ints");
  check_int(report_set_strings(r, "run.tasks", ss, 2), EMF_SUCCESS, "strings");
  check_int(report_set_bool(r, "run.ok", 1), EMF_SUCCESS, "bool");
  check_int(report_set_number(r, "hmc.plaquette.mean", 0.1), EMF_SUCCESS, "nested number");
  check_int(report_set_number(r, "hmc.plaquette.error", 2.5e-5), EMF_SUCCESS, "nested 2");
  check_int(report_set_numbers(r, "hmc.xs", xs, 3), EMF_SUCCESS, "numbers");
  check_int(report_set_number(r, "hmc.bad", NAN), EMF_SUCCESS, "NaN");
  check_int(report_set_number(r, "hmc.whole", -3.0), EMF_SUCCESS, "whole number");
  check_int(report_set_numbers(r, "hmc.empty", NULL, 0), EMF_SUCCESS, "empty array");
  check_int(report_set_int(r, "big", -9007199254740993LL), EMF_SUCCESS, "int beyond 2^53");
  check_int(report_set_int(r, "run.ranks", 4), EMF_SUCCESS, "replace in place");
  text = print(r);
  check_true(strcmp(text, expect) == 0, "exact JSON text:\n%s", text);
  free(text);

  check_int(report_set_number(r, "run.ranks.x", 1), EMF_EINVAL, "path through a number");
  check_int(report_set_number(r, "a..b", 1), EMF_EINVAL, "empty key");
  check_int(report_set_number(r, "", 1), EMF_EINVAL, "empty path");
  check_int(report_set_number(r, "x.", 1), EMF_EINVAL, "trailing dot");
  check_int(report_get_number(r, "hmc.plaquette.mean", &x), EMF_SUCCESS, "get number");
  check_true(x == 0.1, "get number value");
  check_int(report_get_number(r, "run.ranks", &x), EMF_SUCCESS, "int reads as number");
  check_true(x == 4.0, "int value");
  check_int(report_get_number(r, "run.config", &x), EMF_EINVAL, "string is not a number");
  check_int(report_get_string(r, "run.tasks", &s), EMF_EINVAL, "array is not a string");
  check_int(report_get_number(r, "nope.x", &x), EMF_EINVAL, "absent path");
  check_true(report_has(r, "hmc.plaquette") && !report_has(r, "hmc.tau"), "report_has");

  /* 17 significant digits read back exactly */
  {
    report_t *q = report_alloc();
    const double v[] = {1.0 / 3.0, 0.1 + 0.2, 6.02214076e23, 4.9406564584124654e-324,
                        -2.2250738585072014e-308, 1.7976931348623157e308};
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
      char *t;
      double back = 0.0;
      report_set_number(q, "v", v[i]);
      t = print(q);
      check_true(sscanf(t, "{ \"v\": %lf", &back) == 1 && back == v[i],
                 "number %.17g round trip", v[i]);
      free(t);
    }
    report_free(q);
  }

  /* atomic write */
  check_true(mkdtemp(tmpl) != NULL, "temp dir");
  snprintf(file, sizeof file, "%s/summary.json", tmpl);
  snprintf(tmpfile_, sizeof tmpfile_, "%s.tmp", file);
  check_int(report_write(r, file), EMF_SUCCESS, "report_write");
  check_true(access(tmpfile_, F_OK) != 0, "no temporary left");
  f = fopen(file, "r");
  check_true(f != NULL, "file exists");
  if (f) {
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    file_text = calloc((size_t)n + 1, 1);
    check_int((long)fread(file_text, 1, (size_t)n, f), n, "read back");
    fclose(f);
    text = print(r);
    check_true(strcmp(file_text, text) == 0, "file content = report_fprint");
    free(text);
    free(file_text);
  }
  check_int(report_write(r, "/nonexistent-dir/summary.json"), EMF_EIO,
            "unwritable path: EMF_EIO");
  remove(file);
  rmdir(tmpl);
  report_free(r);
  return check_finish("test_json");
}
