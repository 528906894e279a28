/*******************************************************************************
 * cfg.h: input parameters (libconfig), the command line and the schema.
 *
 * Rank 0 reads one libconfig file, applies the command-line overrides and
 * validates every key against a schema (one table of key descriptors per
 * group, src/cfg/group_*.c, listed in src/cfg/registry.c).  The result is a
 * parms_t (parms.h), broadcast to all ranks as bytes and checked by hash.
 * Every error message names the place (file:line, or the --set/-o/TASK
 * argument) and the full key, e.g.
 *   input/su2.conf:7: action.beta = -1: must be > 0
 * doc/input.md lists every key; doc/programs/emflow-lqft.md the command line.
 ******************************************************************************/
#ifndef CFG_H
#define CFG_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "parms.h"

/* ---- schema ------------------------------------------------------------- */

typedef enum {
  CFG_INT,          /* int */
  CFG_INT64,        /* int64_t */
  CFG_FLOAT,        /* double; integer literals are accepted */
  CFG_BOOL,         /* int 0/1 */
  CFG_STRING,       /* char[size] */
  CFG_ENUM,         /* int: index into choices */
  CFG_INT_ARRAY,    /* int[], length in count_offset */
  CFG_FLOAT_ARRAY,  /* double[] */
  CFG_STRING_ARRAY, /* char[len_max][size / len_max] */
  CFG_ENUM_ARRAY    /* int[]: indices into choices */
} cfg_type_t;

/* flags of a key */
#define CFG_REQUIRED 0x01  /* must be given (otherwise def, or optional) */
#define CFG_MIN 0x02       /* value (each element) >= min */
#define CFG_MIN_EXCL 0x04  /* value (each element) > min */
#define CFG_MAX 0x08       /* value (each element) <= max */
#define CFG_UNIQUE 0x10    /* array elements must differ (enum arrays) */
#define CFG_NOHASH 0x20    /* left out of cfg_hash (does not change results) */

typedef struct cfg_key {
  const char *key;             /* name inside the group */
  cfg_type_t type;
  int flags;                   /* CFG_* above */
  const char *def;             /* default in libconfig syntax, NULL: none
                                  (then REQUIRED, or optional: absent keys
                                  leave the field zero, arrays length 0) */
  double min, max;             /* range, used with CFG_MIN/MIN_EXCL/MAX */
  int len_min, len_max;        /* array length limits */
  const char *const *choices;  /* ENUM, ENUM_ARRAY: NULL-terminated names */
  size_t offset;               /* offsetof(parms_t, value) */
  size_t count_offset;         /* arrays: offsetof(parms_t, int length) */
  size_t size;                 /* bytes of the field (strings: buffer) */
  const char *help;            /* one line for doc/input.md and --help */
} cfg_key_t;

typedef struct cfg_ctx cfg_ctx_t;

typedef struct cfg_group {
  const char *name;
  const cfg_key_t *keys;
  int nkeys;
  /* Cross-key checks and derived fields, run after every key of every group
   * has been read without error; reports with cfg_fail.  NULL: none. */
  void (*check)(parms_t *p, cfg_ctx_t *ctx);
  const char *help;
} cfg_group_t;

/* registry.c: the groups in input order. */
const cfg_group_t *const *cfg_groups(int *n);
const cfg_group_t *cfg_group_find(const char *name);
const cfg_key_t *cfg_key_find(const cfg_group_t *g, const char *key);

/* For check functions: report an error at the place where `path`
 * ("group.key") was set (or the config file if it was not set). */
void cfg_fail(cfg_ctx_t *ctx, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Task list in force (run.tasks after the overrides). */
int cfg_task_requested(const parms_t *p, task_kind_t t);

/* ---- reading ------------------------------------------------------------ */

typedef struct cfg_source {
  const char *file;          /* configuration file (NULL: use text) */
  const char *text;          /* configuration text when file is NULL */
  const char *name;          /* name of text in messages (default "<text>") */
  int nset;                  /* number of --set overrides */
  const char *const *sets;   /* "group.key=value", value in libconfig syntax */
  const char *task;          /* TASK argument: run only this task, or NULL */
  const char *outdir;        /* -o DIR, or NULL */
  unsigned tasks_available;  /* bit (1u << task_kind_t) per task linked into
                                the program; 0 means all */
} cfg_source_t;

/* cfg.c */
int cfg_read(parms_t *p, const cfg_source_t *src, char *msg, size_t msglen);
void cfg_bcast_all(parms_t *p, int root, MPI_Comm comm);
int cfg_fprint(const parms_t *p, FILE *f);
char *cfg_sprint(const parms_t *p);
uint64_t cfg_hash(const parms_t *p);
uint64_t cfg_hash_bytes(const void *data, size_t n);
uint64_t cfg_hash_group(const parms_t *p, const char *group);
const char *cfg_task_name(int kind);
int cfg_task_lookup(const char *name);
const char *cfg_enum_name(const char *path, int value);

/* args.c: the command line of emflow-lqft. */
typedef struct cfg_args {
  int help, version, check;
  const char *task;     /* TASK (NULL: run.tasks) */
  const char *config;   /* CONFIG */
  const char *outdir;   /* -o DIR or NULL */
  int nset;
  const char **sets;    /* [nset] pointers into argv */
} cfg_args_t;

int cfg_parse_args(int argc, char *const *argv, cfg_args_t *a, char *msg,
                   size_t msglen);
void cfg_args_free(cfg_args_t *a);
void cfg_print_usage(FILE *f, const char *prog);

#endif
