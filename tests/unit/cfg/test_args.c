/*******************************************************************************
 * test_args.c: the command line of emflow-lqft (cfg_parse_args).
 *
 * Good forms (CONFIG, TASK CONFIG, repeated --set in order, -o in its four
 * spellings, --check/--help/--version, options after positionals, "--") and
 * every usage error (unknown option, missing option argument, missing
 * CONFIG, too many arguments, unknown TASK, empty -o).
 ******************************************************************************/
#include <string.h>
#include "cfg.h"
#include "check.h"

#define ARGV(...) ((char *const[]){"emflow-lqft", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"emflow-lqft", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(a, msg, ...) \
  cfg_parse_args(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (a), (msg), sizeof(msg))

static int streq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

int main(void)
{
  cfg_args_t a;
  char msg[512];
  int st;

  st = PARSE(&a, msg, "input/su2.conf");
  check_int(st, EMF_SUCCESS, "CONFIG alone");
  check_true(streq(a.config, "input/su2.conf") && a.task == NULL && a.nset == 0 &&
                 !a.check && !a.help && !a.version && a.outdir == NULL,
             "CONFIG alone: fields");
  cfg_args_free(&a);

  st = PARSE(&a, msg, "--set", "action.beta=5.5", "-o", "out", "hmc", "c.conf",
             "--set=lattice.extent=[8,8]", "-s", "init.start=\"hot\"", "--check");
  check_int(st, EMF_SUCCESS, "TASK CONFIG with options (%s)", msg);
  check_true(streq(a.task, "hmc") && streq(a.config, "c.conf"), "TASK and CONFIG");
  check_int(a.nset, 3, "three --set");
  check_true(streq(a.sets[0], "action.beta=5.5") && streq(a.sets[1], "lattice.extent=[8,8]") &&
                 streq(a.sets[2], "init.start=\"hot\""),
             "--set kept in order");
  check_true(streq(a.outdir, "out") && a.check, "-o and --check");
  cfg_args_free(&a);

  st = PARSE(&a, msg, "-oA", "x.conf");
  check_true(st == EMF_SUCCESS && streq(a.outdir, "A"), "-oDIR");
  cfg_args_free(&a);
  st = PARSE(&a, msg, "--output=B", "x.conf");
  check_true(st == EMF_SUCCESS && streq(a.outdir, "B"), "--output=DIR");
  cfg_args_free(&a);
  st = PARSE(&a, msg, "--output", "C", "x.conf");
  check_true(st == EMF_SUCCESS && streq(a.outdir, "C"), "--output DIR");
  cfg_args_free(&a);
  st = PARSE(&a, msg, "--", "-weird.conf");
  check_true(st == EMF_SUCCESS && streq(a.config, "-weird.conf"), "-- ends options");
  cfg_args_free(&a);
  st = PARSE(&a, msg, "--help");
  check_true(st == EMF_SUCCESS && a.help, "--help without CONFIG");
  cfg_args_free(&a);
  st = PARSE(&a, msg, "-V");
  check_true(st == EMF_SUCCESS && a.version, "-V without CONFIG");
  cfg_args_free(&a);

  st = PARSE(&a, msg, "--frobnicate", "x.conf");
  check_true(st == EMF_EINVAL && strstr(msg, "unknown option '--frobnicate'"), "unknown option: %s", msg);
  cfg_args_free(&a);
  st = PARSE(&a, msg, "x.conf", "--set");
  check_true(st == EMF_EINVAL && strstr(msg, "--set needs an argument"), "--set without argument: %s", msg);
  cfg_args_free(&a);
  st = PARSE(&a, msg, "x.conf", "-o");
  check_true(st == EMF_EINVAL && strstr(msg, "-o needs an argument"), "-o without argument: %s", msg);
  cfg_args_free(&a);
  st = PARSE(&a, msg, "-o", "", "x.conf");
  check_true(st == EMF_EINVAL && strstr(msg, "non-empty"), "empty -o: %s", msg);
  cfg_args_free(&a);
  st = PARSE(&a, msg, "--check");
  check_true(st == EMF_EINVAL && strstr(msg, "missing the CONFIG"), "missing CONFIG: %s", msg);
  cfg_args_free(&a);
  st = PARSE(&a, msg, "init", "x.conf", "y.conf");
  check_true(st == EMF_EINVAL && strstr(msg, "too many arguments (at 'y.conf')"), "too many: %s", msg);
  cfg_args_free(&a);
  st = PARSE(&a, msg, "fly", "x.conf");
  check_true(st == EMF_EINVAL && strstr(msg, "unknown task 'fly'"), "unknown TASK: %s", msg);
  cfg_args_free(&a);
  return check_finish("test_args");
}
