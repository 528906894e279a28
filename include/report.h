/*******************************************************************************
 * report.h: the run summary (summary.json) as a tree of JSON values.
 *
 * Values are addressed by dot paths, "hmc.plaquette.mean"; missing objects
 * on the way are created, keys keep the order of their first insertion, and
 * setting an existing path replaces its value.  Numbers are written with 17
 * significant digits (non-finite numbers as null), integers exactly,
 * strings JSON-escaped.  Each rank has its own tree (local calls); the
 * program writes rank 0's.  doc/summary.md lists the keys.
 ******************************************************************************/
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>

typedef struct report report_t;

/* json.c */
report_t *report_alloc(void);                /* empty object; NULL if no memory */
void report_free(report_t *r);
/* Setters: EMF_SUCCESS, EMF_EINVAL (bad path, or a path through a value that
 * is not an object), EMF_ENOMEM. */
int report_set_number(report_t *r, const char *path, double x);
int report_set_int(report_t *r, const char *path, long long x);
int report_set_bool(report_t *r, const char *path, int b);
int report_set_string(report_t *r, const char *path, const char *s);
int report_set_numbers(report_t *r, const char *path, const double *x, int n);
int report_set_ints(report_t *r, const char *path, const int *x, int n);
int report_set_strings(report_t *r, const char *path, const char *const *s, int n);
/* Readers: EMF_SUCCESS, or EMF_EINVAL if the path is absent or of another
 * type (an integer reads as a number too). */
int report_get_number(const report_t *r, const char *path, double *x);
int report_get_string(const report_t *r, const char *path, const char **s);
int report_has(const report_t *r, const char *path);
/* Output: indented JSON, a final newline.  report_write writes to
 * "file.tmp", flushes it to disk and renames it to file, so that a reader
 * never sees a half-written summary.  EMF_SUCCESS or EMF_EIO. */
int report_fprint(const report_t *r, FILE *f);
int report_write(const report_t *r, const char *file);

#endif
