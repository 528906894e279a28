/*******************************************************************************
 * test_parse.c: the configuration parser (cfg_read) on good and bad input.
 *
 * Checks: a full config parses to the expected parms_t fields; integer
 * literals for floats; defaults; --set overrides (numbers, arrays, strings,
 * task lists, a group missing from the file, later --set wins), TASK and -o;
 * the canonical print reads back to the same struct and hash; the hash
 * ignores output.dir and sees every other key; status codes and message
 * texts of a set of bad inputs; the schema tables are self-consistent.
 ******************************************************************************/
#include <stdlib.h>
#include <string.h>
#include "cfg.h"
#include "check.h"

static const char *good =
    "# comment\n"
    "lattice = { N = 3; extent = [4, 6, 8]; grid = [2, 0, 4]; };\n"
    "action = { beta = 6; };\n"                       /* int for a float */
    "target = { type = \"lattice\"; };\n"
    "run = { seed = 12345678901L; tasks = [\"hmc\", \"init\"]; };\n"
    "init = { start = \"hot\"; };\n"
    "hmc = { trajectories = 50; thermalization = 5; tau = 0.5; steps = 7;\n"
    "        integrator = \"leapfrog\"; save_every = 0; };\n"
    "output = { dir = \"out/x\"; };\n";

static const char *minimal =
    "lattice = { N = 2; extent = [4, 4]; };\n"
    "action = { beta = 2.25; };\n"
    "run = { seed = 7; tasks = [\"init\"]; };\n";

static int read_text(parms_t *p, const char *text, const char *name, int nset,
                     const char *const *sets, char *msg, size_t len)
{
  cfg_source_t src;
  memset(&src, 0, sizeof src);
  src.text = text;
  src.name = name;
  src.nset = nset;
  src.sets = sets;
  return cfg_read(p, &src, msg, len);
}

static void test_good(void)
{
  parms_t p;
  char msg[4096];
  int st = read_text(&p, good, "good.conf", 0, NULL, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "good config parses (%s)", msg);
  check_int(p.lattice.N, 3, "lattice.N");
  check_int(p.lattice.D, 3, "lattice.D");
  check_int(p.lattice.extent[0], 4, "extent[0]");
  check_int(p.lattice.extent[2], 8, "extent[2]");
  check_int(p.lattice.extent[3], 0, "extent[3] unused is 0");
  check_int(p.lattice.n_grid, 3, "n_grid");
  check_int(p.lattice.grid[0], 2, "grid[0]");
  check_int(p.lattice.grid[1], 0, "grid[1]");
  check_int(p.lattice.grid[2], 4, "grid[2]");
  check_true(p.action.beta == 6.0, "beta = 6 (integer literal) reads as 6.0");
  check_int(p.target.type, TARGET_LATTICE, "target.type");
  check_true(p.run.seed == 12345678901LL, "64-bit seed");
  check_int(p.run.n_tasks, 2, "n_tasks");
  check_int(p.run.tasks[0], TASK_HMC, "tasks keep their order (0)");
  check_int(p.run.tasks[1], TASK_INIT, "tasks keep their order (1)");
  check_int(p.init.start, INIT_START_HOT, "init.start");
  check_int(p.hmc.trajectories, 50, "hmc.trajectories");
  check_int(p.hmc.thermalization, 5, "hmc.thermalization");
  check_true(p.hmc.tau == 0.5, "hmc.tau");
  check_int(p.hmc.steps, 7, "hmc.steps");
  check_int(p.hmc.integrator, HMC_INTEGRATOR_LEAPFROG, "hmc.integrator");
  check_int(p.hmc.save_every, 0, "hmc.save_every");
  check_true(strcmp(p.output.dir, "out/x") == 0, "output.dir");
  check_true(strcmp(p.config_file, "good.conf") == 0, "config_file");
  check_true(p.hash == cfg_hash(&p) && p.hash != 0, "hash stored");
  check_true(cfg_task_requested(&p, TASK_HMC) && !cfg_task_requested(&p, TASK_TRAIN),
             "cfg_task_requested");
}

static void test_defaults(void)
{
  parms_t p;
  char msg[4096];
  int st = read_text(&p, minimal, "some/dir/mini.conf", 0, NULL, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "minimal config parses (%s)", msg);
  check_int(p.lattice.n_grid, 2, "grid defaults to D entries");
  check_int(p.lattice.grid[0] + p.lattice.grid[1], 0, "grid defaults to 0 (auto)");
  check_true(p.action.beta == 2.25, "beta");
  check_int(p.target.type, TARGET_LATTICE, "target.type default");
  check_int(p.target.n_c, 0, "target.c absent");
  check_int(p.init.start, INIT_START_COLD, "init.start default cold");
  check_int(p.hmc.trajectories, 1000, "hmc.trajectories default");
  check_int(p.hmc.thermalization, 100, "hmc.thermalization default");
  check_true(p.hmc.tau == 1.0, "hmc.tau default");
  check_int(p.hmc.steps, 10, "hmc.steps default");
  check_int(p.hmc.integrator, HMC_INTEGRATOR_OMELYAN2MN, "hmc.integrator default");
  check_int(p.hmc.save_every, 10, "hmc.save_every default");
  check_true(strcmp(p.output.dir, "runs/mini") == 0, "output.dir default runs/mini (%s)",
             p.output.dir);
}

static void test_overrides(void)
{
  parms_t p;
  char msg[4096];
  const char *sets[] = {"action.beta=5.5",
                        "lattice.extent=[8,8,8]",
                        "init.start=\"hot\"",
                        "run.tasks=[\"init\", \"exact\"]",
                        "hmc.steps = 20",
                        "hmc.steps=21",
                        "target.type=\"single\"",
                        "target.c=[0.17, -0.65, 1.22]",
                        "run.seed=0"};
  cfg_source_t src;
  int st = read_text(&p, minimal, "mini.conf", 9, sets, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "overrides accepted (%s)", msg);
  check_true(p.action.beta == 5.5, "--set float");
  check_int(p.lattice.D, 3, "--set array length");
  check_int(p.lattice.extent[2], 8, "--set array value");
  check_int(p.lattice.n_grid, 3, "grid follows the new D");
  check_int(p.init.start, INIT_START_HOT, "--set string (group absent in the file)");
  check_int(p.run.n_tasks, 2, "--set string array");
  check_int(p.run.tasks[1], TASK_EXACT, "--set string array value");
  check_int(p.hmc.steps, 21, "the later --set wins");
  check_int(p.target.type, TARGET_SINGLE, "--set enum");
  check_int(p.target.n_c, 3, "--set float array");
  check_true(p.target.c[1] == -0.65, "--set float array value");
  check_true(p.run.seed == 0, "--set seed 0");

  memset(&src, 0, sizeof src);
  src.text = minimal;
  src.name = "mini.conf";
  src.task = "hmc";
  src.outdir = "/tmp/some \"dir\"";
  st = cfg_read(&p, &src, msg, sizeof msg);
  check_int(st, EMF_SUCCESS, "TASK and -o accepted (%s)", msg);
  check_int(p.run.n_tasks, 1, "TASK replaces run.tasks");
  check_int(p.run.tasks[0], TASK_HMC, "TASK value");
  check_true(strcmp(p.output.dir, "/tmp/some \"dir\"") == 0, "-o with quotes (%s)",
             p.output.dir);
  src.tasks_available = 1u << TASK_INIT;
  st = cfg_read(&p, &src, msg, sizeof msg);
  check_int(st, EMF_EINVAL, "TASK not in the build is refused");
  check_true(strstr(msg, "TASK argument 'hmc': run.tasks: task 'hmc' is not available "
                         "in this build") != NULL, "message names the TASK argument: %s", msg);
}

static void test_roundtrip(void)
{
  const char *texts[2] = {good, minimal};
  int t;
  for (t = 0; t < 2; t++) {
    parms_t p, q;
    char msg[4096], *canon, *canon2;
    int st = read_text(&p, texts[t], "a.conf", 0, NULL, msg, sizeof msg);
    check_int(st, EMF_SUCCESS, "round trip %d: parse", t);
    canon = cfg_sprint(&p);
    st = read_text(&q, canon, "a.conf", 0, NULL, msg, sizeof msg);
    check_int(st, EMF_SUCCESS, "round trip %d: canonical text parses (%s)", t, msg);
    check_bits(&p, &q, sizeof p, "round trip %d: identical parms_t bytes", t);
    canon2 = cfg_sprint(&q);
    check_true(strcmp(canon, canon2) == 0, "round trip %d: identical canonical text", t);
    free(canon);
    free(canon2);
  }
}

static void test_float_text(void)
{
  const char *sets[1];
  char set[128], msg[4096];
  const double x[] = {0.1, 1.0 / 3.0, 6.0, 1e-300, 123456789.0, 2.5e22, 5e-324};
  size_t i;
  for (i = 0; i < sizeof x / sizeof x[0]; i++) {
    parms_t p, q;
    char *canon;
    snprintf(set, sizeof set, "action.beta=%.17g", x[i]);
    sets[0] = set;
    check_int(read_text(&p, minimal, "a.conf", 1, sets, msg, sizeof msg), EMF_SUCCESS,
              "beta %.17g accepted (%s)", x[i], msg);
    check_true(p.action.beta == x[i], "beta %.17g read exactly", x[i]);
    canon = cfg_sprint(&p);
    check_int(read_text(&q, canon, "a.conf", 0, NULL, msg, sizeof msg), EMF_SUCCESS,
              "canonical beta %.17g reads back", x[i]);
    check_true(q.action.beta == x[i], "canonical beta %.17g exact", x[i]);
    free(canon);
  }
}

static void test_hash(void)
{
  parms_t a, b;
  char msg[4096];
  const char *s_dir[] = {"output.dir=\"elsewhere\""};
  const char *s_beta[] = {"action.beta=2.2500000000000004"};
  read_text(&a, minimal, "mini.conf", 0, NULL, msg, sizeof msg);
  read_text(&b, minimal, "mini.conf", 1, s_dir, msg, sizeof msg);
  check_true(a.hash == b.hash, "hash does not depend on output.dir");
  {
    const char *s_grid[] = {"lattice.grid=[2,1]"};
    read_text(&b, minimal, "mini.conf", 1, s_grid, msg, sizeof msg);
    check_true(a.hash == b.hash && b.lattice.grid[0] == 2,
               "hash does not depend on lattice.grid");
  }
  check_true(cfg_hash_group(&a, "action") == cfg_hash_group(&b, "action"),
             "group hash equal");
  read_text(&b, minimal, "mini.conf", 1, s_beta, msg, sizeof msg);
  check_true(a.hash != b.hash, "hash sees a 1-ulp change of beta");
  check_true(cfg_hash_group(&a, "action") != cfg_hash_group(&b, "action"),
             "action group hash sees it");
  check_true(cfg_hash_group(&a, "lattice") == cfg_hash_group(&b, "lattice"),
             "lattice group hash does not");
  check_true(cfg_hash_group(&a, "nosuch") == 0, "unknown group hash 0");
  check_true(cfg_hash_bytes("", 0) == 0xcbf29ce484222325ULL, "FNV-1a offset basis");
  check_true(cfg_hash_bytes("a", 1) == 0xaf63dc4c8601ec8cULL, "FNV-1a of \"a\"");
}

typedef struct {
  const char *text;   /* NULL: minimal */
  const char *set;    /* one --set or NULL */
  int status;
  const char *expect; /* substring of the message */
} bad_case_t;

static void test_bad(void)
{
  static const bad_case_t cases[] = {
      {"lattice = { N = 2; extent = [4,4]; };\naction = { beta = -1; };\n"
       "run = { seed = 1; tasks = [\"init\"]; };\n",
       NULL, EMF_EINVAL, "b.conf:2: action.beta = -1: must be > 0"},
      {NULL, "action.beta=0", EMF_EINVAL, "--set action.beta: action.beta = 0: must be > 0"},
      {NULL, "action.gamma=1", EMF_EINVAL, "--set action.gamma: action.gamma: unknown key"},
      {NULL, "flux.x=1", EMF_EINVAL, "--set flux.x: flux: unknown group 'flux'"},
      {NULL, "lattice.N=1", EMF_EINVAL, "lattice.N = 1: must be in [2, 8]"},
      {NULL, "lattice.N=2.0", EMF_EINVAL, "wrong type: expected an integer, got a float"},
      {NULL, "lattice.extent=[4]", EMF_EINVAL, "has 1 elements, must have 2 to 4"},
      {NULL, "lattice.extent=[4,0]", EMF_EINVAL, "lattice.extent[1] = 0: must be >= 1"},
      {NULL, "lattice.grid=[3,1]", EMF_EINVAL, "grid[0] = 3 does not divide extent[0] = 4"},
      {NULL, "lattice.grid=[1,1,1]", EMF_EINVAL, "lattice.grid: has 3 entries"},
      {NULL, "init.start=\"warm\"", EMF_EINVAL, "must be one of \"hot\", \"cold\""},
      {NULL, "run.tasks=[]", EMF_EINVAL, "has 0 elements"},
      {NULL, "run.tasks=[\"fly\"]", EMF_EINVAL, "run.tasks[0] = \"fly\": must be one of"},
      {NULL, "run.seed=-1", EMF_EINVAL, "run.seed = -1: must be >= 0"},
      {NULL, "run.seed=4294967296", EMF_EINVAL, "does not fit in 32 bits"},
      {NULL, "hmc.tau=0", EMF_EINVAL, "hmc.tau = 0: must be > 0"},
      {NULL, "output.dir=\"\"", EMF_EINVAL, "output.dir = \"\": must not be empty"},
      {NULL, "target.type=\"single\"", EMF_EINVAL, "target.c: required key is missing"},
      {NULL, "hmc=1", EMF_EINVAL, "--set hmc: the key must have the form group.key"},
      {NULL, "hmc.steps", EMF_EINVAL, "expected --set group.key=value"},
      {NULL, "hmc.steps=[1,", EMF_EINVAL, "cannot parse the value"},
      {NULL, "hmc.steps=1; x = 2", EMF_EINVAL, "more than one value"},
      {"lattice = { N = 2; extent = [4,4]; };\n", NULL, EMF_EINVAL,
       "b.conf: action.beta: required key is missing"},
      {"lattice = { N = 2 extent = [4,4]; ;\n", NULL, EMF_EFORMAT, "b.conf:1: syntax error"},
      {"lattice = { N = 2; N = 3; };\n", NULL, EMF_EFORMAT, "duplicate setting name"},
      {"@include \"x.conf\"\n", NULL, EMF_EFORMAT, "b.conf:1: @include is not supported"},
      {"lattice = 3;\n", NULL, EMF_EINVAL, "b.conf:1: lattice: must be a group"},
      {"", NULL, EMF_EINVAL, "b.conf: lattice.N: required key is missing"},
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    parms_t p;
    char msg[4096];
    const char *sets[1] = {cases[i].set};
    int st = read_text(&p, cases[i].text ? cases[i].text : minimal, "b.conf",
                       cases[i].set ? 1 : 0, sets, msg, sizeof msg);
    check_int(st, cases[i].status, "bad case %zu: status (%s)", i, msg);
    check_true(strstr(msg, cases[i].expect) != NULL, "bad case %zu: message '%s' contains '%s'",
               i, msg, cases[i].expect);
  }
}

static void test_files(void)
{
  parms_t p;
  char msg[4096];
  cfg_source_t src;
  memset(&src, 0, sizeof src);
  src.file = "/nonexistent/x.conf";
  check_int(cfg_read(&p, &src, msg, sizeof msg), EMF_EIO, "missing file: EMF_EIO");
  check_true(strstr(msg, "/nonexistent/x.conf: cannot read the configuration file") != NULL,
             "missing file message: %s", msg);
  src.file = "/";
  check_int(cfg_read(&p, &src, msg, sizeof msg), EMF_EIO, "directory: EMF_EIO");
  check_true(strstr(msg, "it is a directory") != NULL, "directory message: %s", msg);
}

static void test_schema(void)
{
  int n, i, j;
  const cfg_group_t *const *g = cfg_groups(&n);
  check_true(n >= 7, "at least 7 groups");
  for (i = 0; i < n; i++) {
    check_true(cfg_group_find(g[i]->name) == g[i], "group %s found", g[i]->name);
    for (j = 0; j < g[i]->nkeys; j++) {
      const cfg_key_t *k = &g[i]->keys[j];
      size_t es = 0;
      check_true(k->offset + k->size <= sizeof(parms_t), "%s.%s inside parms_t",
                 g[i]->name, k->key);
      check_true(k->help && k->help[0], "%s.%s has help", g[i]->name, k->key);
      check_true(!((k->flags & CFG_REQUIRED) && k->def), "%s.%s: required xor default",
                 g[i]->name, k->key);
      switch (k->type) {
      case CFG_INT: case CFG_BOOL: case CFG_ENUM: es = sizeof(int); break;
      case CFG_INT64: es = sizeof(int64_t); break;
      case CFG_FLOAT: es = sizeof(double); break;
      case CFG_INT_ARRAY: case CFG_ENUM_ARRAY: es = sizeof(int) * (size_t)k->len_max; break;
      case CFG_FLOAT_ARRAY: es = sizeof(double) * (size_t)k->len_max; break;
      default: es = k->size; break;
      }
      check_true(es == k->size, "%s.%s: field size matches the type", g[i]->name, k->key);
      check_true((k->type == CFG_ENUM || k->type == CFG_ENUM_ARRAY) == (k->choices != NULL),
                 "%s.%s: choices exactly for enums", g[i]->name, k->key);
      check_true(cfg_key_find(g[i], k->key) == k, "%s.%s found", g[i]->name, k->key);
    }
  }
  check_true(strcmp(cfg_enum_name("init.start", INIT_START_COLD), "cold") == 0,
             "cfg_enum_name");
  check_true(cfg_enum_name("init.start", 5) == NULL, "cfg_enum_name out of range");
  check_true(strcmp(cfg_task_name(TASK_COMPARE), "compare") == 0, "cfg_task_name");
  check_int(cfg_task_lookup("exact"), TASK_EXACT, "cfg_task_lookup");
  check_int(cfg_task_lookup("nope"), -1, "cfg_task_lookup unknown");
}

int main(void)
{
  test_good();
  test_defaults();
  test_overrides();
  test_roundtrip();
  test_float_text();
  test_hash();
  test_bad();
  test_files();
  test_schema();
  return check_finish("test_parse");
}
