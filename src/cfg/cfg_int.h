/*******************************************************************************
 * cfg_int.h: declarations internal to src/cfg.
 ******************************************************************************/
#ifndef CFG_INT_H
#define CFG_INT_H

#include <libconfig.h>
#include "cfg.h"

#define CFG_MAX_ERRORS 10

struct cfg_ctx {
  config_t *cf;          /* the tree being validated */
  const char *fname;     /* file name for messages */
  char *msg;             /* accumulated error lines */
  size_t msglen, used;
  int nerr;
  parms_t *p;
  unsigned tasks_available;
};

/* The groups (group_*.c). */
extern const cfg_group_t cfg_group_lattice;
extern const cfg_group_t cfg_group_action;
extern const cfg_group_t cfg_group_target;
extern const cfg_group_t cfg_group_run;
extern const cfg_group_t cfg_group_init;
extern const cfg_group_t cfg_group_hmc;
extern const cfg_group_t cfg_group_flow;
extern const cfg_group_t cfg_group_train;
extern const cfg_group_t cfg_group_sample;
extern const cfg_group_t cfg_group_output;

/* Shortcuts for the schema tables: F(field) = offset of p->field. */
#define CFG_OFF(field) offsetof(parms_t, field)
#define CFG_SIZE(field) sizeof(((parms_t *)0)->field)

/* cfg.c */
void cfg_error(cfg_ctx_t *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "file:line", "--set key" or the file name, for setting s (may be NULL). */
void cfg_location(const cfg_ctx_t *ctx, const config_setting_t *s, char *buf,
                  size_t len);
/* Text of a setting's value in libconfig syntax (truncated to len). */
void cfg_value_text(const config_setting_t *s, char *buf, size_t len);
/* Shortest text of x that reads back to x, with a '.' or exponent. */
void cfg_format_double(double x, char *buf, size_t len);

/* set.c: overrides of the tree. */
int cfg_apply_override(cfg_ctx_t *ctx, const char *label, const char *key,
                       const char *value);
int cfg_check_literals(cfg_ctx_t *ctx, const char *text, const char *where);

#endif
