/*******************************************************************************
 * args.c: the command line of emflow-lqft.
 *
 *   emflow-lqft [--set key=value]... [-o DIR] [--check] CONFIG
 *   emflow-lqft [options] TASK CONFIG
 *   emflow-lqft --help | --version
 *
 * int cfg_parse_args(int argc, char *const *argv, cfg_args_t *a, char *msg,
 *                    size_t msglen)
 *   Fills *a from argv[1..argc-1].  Options may stand anywhere; "--" ends
 *   them.  Options: -h/--help, -V/--version, --check, --set KEY=VALUE
 *   (also --set=KEY=VALUE, -s KEY=VALUE; repeatable, applied in order),
 *   -o DIR (also -oDIR, --output DIR, --output=DIR).  One positional
 *   argument is CONFIG; two are TASK CONFIG, TASK one of the task names.
 *   The --set strings are only stored here; cfg_read checks them.
 *   Returns EMF_SUCCESS, or EMF_EINVAL with a message in msg (unknown
 *   option, missing option argument, missing CONFIG, too many arguments,
 *   unknown TASK).  With --help or --version the positional arguments are
 *   not required.  Release a->sets with cfg_args_free (also after errors).
 *
 * void cfg_args_free(cfg_args_t *a)
 *   Frees what cfg_parse_args allocated.
 *
 * void cfg_print_usage(FILE *f, const char *prog)
 *   Prints the usage text (--help).
 *
 * Context: local; no global state (argv is not modified).
 ******************************************************************************/
#include <stdlib.h>
#include <string.h>
#include "cfg.h"
#include "global.h"

static int fail(char *msg, size_t msglen, const char *fmt, const char *arg)
{
  if (msglen) snprintf(msg, msglen, fmt, arg);
  return EMF_EINVAL;
}

int cfg_parse_args(int argc, char *const *argv, cfg_args_t *a, char *msg,
                   size_t msglen)
{
  const char *pos[2] = {NULL, NULL};
  int i, npos = 0, only_pos = 0;

  memset(a, 0, sizeof *a);
  if (msglen) msg[0] = 0;
  a->sets = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *a->sets);
  if (!a->sets) return fail(msg, msglen, "out of memory%s", "");

  for (i = 1; i < argc; i++) {
    const char *s = argv[i];
    if (!only_pos && s[0] == '-' && s[1] != 0) {
      if (strcmp(s, "--") == 0) only_pos = 1;
      else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) a->help = 1;
      else if (strcmp(s, "-V") == 0 || strcmp(s, "--version") == 0) a->version = 1;
      else if (strcmp(s, "--check") == 0) a->check = 1;
      else if (strcmp(s, "--set") == 0 || strcmp(s, "-s") == 0) {
        if (i + 1 >= argc)
          return fail(msg, msglen, "option %s needs an argument KEY=VALUE", s);
        a->sets[a->nset++] = argv[++i];
      } else if (strncmp(s, "--set=", 6) == 0) {
        a->sets[a->nset++] = s + 6;
      } else if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) {
        if (i + 1 >= argc) return fail(msg, msglen, "option %s needs an argument DIR", s);
        a->outdir = argv[++i];
      } else if (strncmp(s, "--output=", 9) == 0) {
        a->outdir = s + 9;
      } else if (strncmp(s, "-o", 2) == 0) {
        a->outdir = s + 2;
      } else {
        return fail(msg, msglen, "unknown option '%s'", s);
      }
    } else {
      if (npos == 2) return fail(msg, msglen, "too many arguments (at '%s')", s);
      pos[npos++] = s;
    }
  }
  if (a->outdir && a->outdir[0] == 0)
    return fail(msg, msglen, "option -o needs a non-empty directory name%s", "");
  if (a->help || a->version) return EMF_SUCCESS;
  if (npos == 0) return fail(msg, msglen, "missing the CONFIG argument%s", "");
  if (npos == 2) {
    a->task = pos[0];
    a->config = pos[1];
    if (cfg_task_lookup(a->task) < 0)
      return fail(msg, msglen,
                  "unknown task '%s' (tasks: init, hmc, train, sample, compare, exact)",
                  a->task);
  } else {
    a->config = pos[0];
  }
  return EMF_SUCCESS;
}

void cfg_args_free(cfg_args_t *a)
{
  free(a->sets);
  a->sets = NULL;
  a->nset = 0;
}

void cfg_print_usage(FILE *f, const char *prog)
{
  fprintf(f,
          "usage: %s [options] CONFIG          run the tasks of run.tasks\n"
          "       %s [options] TASK CONFIG     run one task\n"
          "\n"
          "TASK: init, hmc, train, sample, compare, exact\n"
          "\n"
          "options:\n"
          "  --set KEY=VALUE  override a key of CONFIG (repeatable); VALUE in\n"
          "                   libconfig syntax: --set action.beta=5.5,\n"
          "                   --set 'lattice.extent=[8,8]', --set 'init.start=\"hot\"'\n"
          "  -o DIR           run directory (same as --set 'output.dir=\"DIR\"')\n"
          "  --check          validate CONFIG, print the parameters, write nothing\n"
          "  -h, --help       this text\n"
          "  -V, --version    version\n"
          "\n"
          "exit codes: 0 ok, 1 bad command line, 2 bad configuration, 3 bad input\n"
          "data, 4 runtime failure, 5 cannot write output, 6 internal error.\n"
          "Keys: doc/input.md; program: doc/programs/emflow-lqft.md\n",
          prog, prog);
}
