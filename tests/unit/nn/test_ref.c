/*******************************************************************************
 * test_ref.c: the network against PyTorch reference data.
 *
 * Reads tests/unit/nn/ref/nn_ref.txt (written by make_ref.py: torch 1.13,
 * double precision, autograd gradient and Hessian) with checked I/O, and for
 * each case compares
 *   out = (F, g, L), the gradients of J = sum dout . out with respect to
 *   theta, x, G, h, and, for 4 Adam steps with global-norm clipping, J before
 *   every step and theta after the last,
 * with |c - ref| <= tol_abs + tol_rel |ref|, tol_rel = 1e-12 and tol_abs =
 * 1e-12 times the largest |ref| of the quantity.  Prints the first pairs and
 * the worst error as a fraction of the tolerance.  A truncated file, a wrong
 * magic or version, or a size that does not match the configuration fails.
 *
 * Usage: test_ref.x [file]   (default $EMF_ROOT/tests/unit/nn/ref/nn_ref.txt,
 * EMF_ROOT defaulting to ".")
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "nn.h"

#define REF_VERSION 1

/* Reads "name count v..." into a (count values); returns 0 on success. */
static int read_record(FILE *fp, const char *name, size_t count, double *a)
{
  char got[64];
  size_t n;
  if (fscanf(fp, "%63s %zu", got, &n) != 2) {
    fprintf(stderr, "test_ref: cannot read record '%s'\n", name);
    return 1;
  }
  if (strcmp(got, name) != 0 || n != count) {
    fprintf(stderr, "test_ref: expected record '%s' of %zu values, found '%s' of %zu\n",
            name, count, got, n);
    return 1;
  }
  for (size_t i = 0; i < n; i++)
    if (fscanf(fp, "%lf", &a[i]) != 1) {
      fprintf(stderr, "test_ref: record '%s': value %zu unreadable\n", name, i);
      return 1;
    }
  return 0;
}

static void compare(const char *what, const char *cname, const double *c,
                    const double *ref, size_t n)
{
  const double tol_rel = 1e-12;
  double scale = 0.0, worst = 0.0;
  size_t iw = 0;
  for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(ref[i]));
  double tol_abs = 1e-12 * scale;
  for (size_t i = 0; i < n; i++) {
    double f = fabs(c[i] - ref[i]) / (tol_abs + tol_rel * fabs(ref[i]));
    if (!(f <= worst)) { worst = f; iw = i; }
  }
  printf("%-10s %-24s n %4zu  first (%.15g, %.15g)  worst %.3g of tol at %zu\n", what,
         cname, n, c[0], ref[0], worst, iw);
  check_true(worst <= 1.0, "%s: %s agrees with PyTorch (worst %.3g of tolerance)", cname,
             what, worst);
}

static int run_case(FILE *fp)
{
  nn_config_t cfg;
  nn_t net;
  nn_workspace_t *ws = NULL;
  adam_parms_t ap = adam_parms_default();
  adam_state_t *st = NULL;
  char act[32], cname[96];
  int nb = 0, steps = 0, m, err = 1;
  size_t np = 0;
  double t, *buf[12] = {NULL}, *c[6] = {NULL};
  if (fscanf(fp, " case %d %d %d %d %31s %d %zu %lf %lf %lf %lf %lf %lf %d", &cfg.n_x,
             &cfg.n_freq, &cfg.width, &cfg.depth, act, &nb, &np, &t, &ap.lr, &ap.beta1,
             &ap.beta2, &ap.eps, &ap.clip_norm, &steps) != 14) {
    fprintf(stderr, "test_ref: malformed case line\n");
    return 1;
  }
  cfg.act = nn_act_lookup(act);
  if (nn_init(&net, &cfg) != EMF_SUCCESS || net.n_params != np || nb < 1 || nb > 64 ||
      steps < 1 || steps > 64 || adam_parms_check(&ap) != EMF_SUCCESS) {
    fprintf(stderr, "test_ref: inconsistent case header\n");
    return 1;
  }
  m = cfg.n_x;
  snprintf(cname, sizeof cname, "m=%d w=%d d=%d %s", m, cfg.width, cfg.depth, act);
  {
    const char *names[12] = {"theta", "x", "G", "h", "dout", "out",
                             "dtheta", "dx", "dG", "dh", "adam_J", "adam_theta"};
    size_t sizes[12] = {np, (size_t)nb * m, (size_t)nb * m * m, (size_t)nb * m,
                        (size_t)nb * (m + 2), (size_t)nb * (m + 2), np, (size_t)nb * m,
                        (size_t)nb * m * m, (size_t)nb * m, (size_t)steps, np};
    for (int i = 0; i < 12; i++) {
      buf[i] = malloc(sizes[i] * sizeof(double));
      if (!buf[i] || read_record(fp, names[i], sizes[i], buf[i])) goto done;
    }
    {
      char end[16];
      if (fscanf(fp, "%15s", end) != 1 || strcmp(end, "end") != 0) {
        fprintf(stderr, "test_ref: missing 'end' of case\n");
        goto done;
      }
    }
    double *theta = buf[0], *x = buf[1], *G = buf[2], *h = buf[3], *dout = buf[4];
    ws = nn_workspace_alloc(&net, nb);
    for (int i = 0; i < 6; i++) c[i] = calloc(sizes[i + 5], sizeof(double));
    nn_forward(c[0], ws, &net, theta, x, G, h, t, nb);
    nn_backward(c[1], c[2], c[3], c[4], ws, &net, theta, dout, G, nb);
    compare("out", cname, c[0], buf[5], sizes[5]);
    compare("dtheta", cname, c[1], buf[6], np);
    compare("dx", cname, c[2], buf[7], sizes[7]);
    compare("dG", cname, c[3], buf[8], sizes[8]);
    compare("dh", cname, c[4], buf[9], sizes[9]);
    /* Adam: J before each step, theta after the last */
    st = adam_alloc(np);
    double *th = malloc(np * sizeof(double)), *g = malloc(np * sizeof(double));
    memcpy(th, theta, np * sizeof(double));
    for (int s = 0; s < steps; s++) {
      double J = 0.0;
      nn_forward(c[0], ws, &net, th, x, G, h, t, nb);
      for (int i = 0; i < nb * (m + 2); i++) J += dout[i] * c[0][i];
      c[5][s] = J;
      memset(g, 0, np * sizeof(double));
      nn_backward(g, NULL, NULL, NULL, ws, &net, th, dout, G, nb);
      check_int(adam_step(th, g, st, &ap, NULL), EMF_SUCCESS, "%s: adam_step", cname);
    }
    compare("adam_J", cname, c[5], buf[10], (size_t)steps);
    compare("adam_theta", cname, th, buf[11], np);
    free(th);
    free(g);
    err = 0;
  }
done:
  for (int i = 0; i < 12; i++) free(buf[i]);
  for (int i = 0; i < 6; i++) free(c[i]);
  nn_workspace_free(ws);
  adam_free(st);
  return err;
}

int main(int argc, char **argv)
{
  char path[4096];
  const char *root = getenv("EMF_ROOT");
  int version = 0, n_cases = 0;
  FILE *fp;
  if (argc > 1) snprintf(path, sizeof path, "%s", argv[1]);
  else snprintf(path, sizeof path, "%s/tests/unit/nn/ref/nn_ref.txt", root ? root : ".");
  fp = fopen(path, "r");
  check_true(fp != NULL, "open %s", path);
  if (!fp) return check_finish("test_ref");
  check_true(fscanf(fp, "emflow-nn-ref %d", &version) == 1 && version == REF_VERSION,
             "magic and version %d", REF_VERSION);
  check_true(fscanf(fp, " cases %d", &n_cases) == 1 && n_cases >= 1, "number of cases");
  for (int i = 0; i < n_cases && check_failures() == 0; i++)
    check_int(run_case(fp), 0, "case %d read and evaluated", i);
  fclose(fp);
  return check_finish("test_ref");
}
