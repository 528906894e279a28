/*******************************************************************************
 * bench_nn.c: time the potential network's jet forward and backward.
 *
 * Prints ns per sample for nn_forward (value, gradient and Laplacian jets),
 * nn_forward_eval (the same without caches for a backward), nn_backward (all
 * parameter and input adjoints) and the reduced jets along r = 2 directions
 * (nn_forward_dir, fused kernel, and nn_forward_dir_ref) at widths 32 and 64,
 * depth 2, m = 6 inputs, p = 3 time features, batch 1024 (32, 4096), tanh, one core;
 * and the dense-layer kernels (tuned vs naive) in GFLOP/s.  Never asserts
 * on time.
 *
 * Times are thread CPU time, the best of 5 repetitions of at least
 * min_seconds / 5 each.
 *
 * Usage: build/bench/bench_nn.x [min_seconds_per_measurement (0.5)]
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "nn.h"

/* CPU time of this thread: on a shared machine wall time also counts the
 * time other processes hold the core. */
static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static uint64_t st = 4242;
static double urand(void)
{
  uint64_t z = (st += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return 2.0 * ((double)(z >> 11) * 0x1.0p-53) - 1.0;
}

static void fill(double *a, size_t n)
{
  for (size_t i = 0; i < n; i++) a[i] = urand();
}

static void bench_net(int width, int depth, int nb, double tmin)
{
  nn_config_t cfg = {6, 1, width, depth, nn_act_tanh};
  nn_t net;
  nn_workspace_t *ws;
  int m = cfg.n_x, reps;
  const int r = 2;   /* reduced jets along r directions (SU(3): N - 1) */
  double *theta, *dtheta, *xi, *x, *G, *h, *out, *dout, *dx, *dG, *dh, t0, tf, tb, te;
  double *V, *Mr, td, tr;
  nn_init(&net, &cfg);
  ws = nn_workspace_alloc(&net, nb);
  theta = malloc(net.n_params * sizeof *theta);
  dtheta = calloc(net.n_params, sizeof *dtheta);
  xi = malloc(net.n_params * sizeof *xi);
  x = malloc((size_t)nb * m * sizeof *x);
  G = malloc((size_t)nb * m * m * sizeof *G);
  h = malloc((size_t)nb * m * sizeof *h);
  dx = calloc((size_t)nb * m, sizeof *dx);
  dG = calloc((size_t)nb * m * m, sizeof *dG);
  dh = calloc((size_t)nb * m, sizeof *dh);
  out = malloc((size_t)nb * (m + 2) * sizeof *out);
  dout = malloc((size_t)nb * (m + 2) * sizeof *dout);
  fill(xi, net.n_params);
  nn_init_params(theta, &net, xi, 1.0);
  fill(x, (size_t)nb * m);
  fill(G, (size_t)nb * m * m);
  fill(h, (size_t)nb * m);
  fill(dout, (size_t)nb * (m + 2));
  V = malloc((size_t)nb * m * r * sizeof *V);
  Mr = malloc((size_t)nb * r * r * sizeof *Mr);
  fill(V, (size_t)nb * m * r);
  fill(Mr, (size_t)nb * r * r);
  nn_forward(out, ws, &net, theta, x, G, h, 0.3, nb);
  tf = tb = te = td = tr = 1e30;
  for (int k = 0; k < 5; k++) {
    reps = 0;
    t0 = now();
    do {
      nn_forward_dir(out, ws, &net, theta, x, V, Mr, h, 0.3, nb, r);
      reps++;
    } while (now() - t0 < tmin / 5);
    td = fmin(td, (now() - t0) / reps / nb);
    reps = 0;
    t0 = now();
    do {
      nn_forward_dir_ref(out, ws, &net, theta, x, V, Mr, h, 0.3, nb, r);
      reps++;
    } while (now() - t0 < tmin / 5);
    tr = fmin(tr, (now() - t0) / reps / nb);
    reps = 0;
    t0 = now();
    do {
      nn_forward_eval(out, ws, &net, theta, x, G, h, 0.3, nb);
      reps++;
    } while (now() - t0 < tmin / 5);
    te = fmin(te, (now() - t0) / reps / nb);
    reps = 0;
    t0 = now();
    do {
      nn_forward(out, ws, &net, theta, x, G, h, 0.3, nb);
      reps++;
    } while (now() - t0 < tmin / 5);
    tf = fmin(tf, (now() - t0) / reps / nb);
    reps = 0;
    t0 = now();
    do {
      nn_backward(dtheta, dx, dG, dh, ws, &net, theta, dout, G, nb);
      reps++;
    } while (now() - t0 < tmin / 5);
    tb = fmin(tb, (now() - t0) / reps / nb);
  }
  printf("width %3d depth %d m %d p %d batch %4d: forward jet %7.1f ns/sample "
         "(eval, no caches %7.1f), backward %7.1f ns/sample\n",
         width, depth, m, net.n_t, nb, 1e9 * tf, 1e9 * te, 1e9 * tb);
  printf("    reduced jets along r = %d directions (nn_forward_dir): %7.1f ns/sample "
         "(layer kernels, nn_forward_dir_ref: %7.1f)\n", r, 1e9 * td, 1e9 * tr);
  free(V); free(Mr);
  nn_workspace_free(ws);
  free(theta); free(dtheta); free(xi); free(x); free(G); free(h);
  free(dx); free(dG); free(dh); free(out); free(dout);
}

static void bench_dense(int n_rows, int n_in, int n_out, double tmin)
{
  double *x = malloc((size_t)n_rows * n_in * sizeof *x);
  double *w = malloc((size_t)n_in * n_out * sizeof *w), *b = malloc(n_out * sizeof *b);
  double *y = malloc((size_t)n_rows * n_out * sizeof *y);
  double *dx = calloc((size_t)n_rows * n_in, sizeof *dx);
  double *dw = calloc((size_t)n_in * n_out, sizeof *dw);
  double flop = 2.0 * n_rows * n_in * n_out, t[5], t0;
  int reps;
  fill(x, (size_t)n_rows * n_in);
  fill(w, (size_t)n_in * n_out);
  fill(b, n_out);
  for (int k = 0; k < 5; k++) {
    reps = 0;
    t0 = now();
    do {
      switch (k) {
        case 0: nn_dense_jet_forward(y, x, w, b, n_rows / 8, 8, n_in, n_out); break;
        case 1: nn_dense_jet_forward_naive(y, x, w, b, n_rows / 8, 8, n_in, n_out); break;
        case 2: nn_dense_jet_backward(dx, NULL, NULL, y, x, w, n_rows / 8, 8, n_in, n_out); break;
        case 3: nn_dense_jet_backward(NULL, dw, NULL, y, x, w, n_rows / 8, 8, n_in, n_out); break;
        default: nn_dense_jet_backward_naive(dx, dw, NULL, y, x, w, n_rows / 8, 8, n_in, n_out); break;
      }
      reps++;
    } while (now() - t0 < tmin / 4);
    t[k] = (now() - t0) / reps;
  }
  printf("dense %d x %d, %d rows: forward %.1f GFLOP/s (naive %.1f), backward dx %.1f, "
         "dw %.1f GFLOP/s (naive dx+dw %.1f)\n",
         n_in, n_out, n_rows, flop / t[0] * 1e-9, flop / t[1] * 1e-9, flop / t[2] * 1e-9,
         flop / t[3] * 1e-9, 2 * flop / t[4] * 1e-9);
  free(x); free(w); free(b); free(y); free(dx); free(dw);
}

static void bench_act(int nb, int n, double tmin)
{
  const int nc = 8, m = nc - 2;
  double *z = malloc((size_t)nb * nc * n * sizeof *z), *y = malloc((size_t)nb * nc * n * sizeof *y);
  double *dz = calloc((size_t)nb * nc * n, sizeof *dz), *s = malloc((size_t)nb * 3 * n * sizeof *s);
  double *q = malloc((size_t)nb * n * sizeof *q), *G = malloc((size_t)nb * m * m * sizeof *G);
  double *dG = calloc((size_t)nb * m * m, sizeof *dG), t0, tf, tb;
  int reps;
  fill(z, (size_t)nb * nc * n);
  fill(G, (size_t)nb * m * m);
  for (const nn_act_type_t *const *a = nn_act_all(); *a; a++) {
    reps = 0;
    t0 = now();
    do {
      nn_act_jet_forward(y, s, q, z, G, *a, nb, nc, n);
      reps++;
    } while (now() - t0 < tmin / 4);
    tf = (now() - t0) / reps / nb;
    reps = 0;
    t0 = now();
    do {
      nn_act_jet_backward(dz, dG, y, z, s, q, G, nb, nc, n);
      reps++;
    } while (now() - t0 < tmin / 4);
    tb = (now() - t0) / reps / nb;
    printf("activation %-8s jet layer width %d, m %d: forward %.1f ns/sample, backward %.1f ns/sample\n",
           (*a)->name, n, m, 1e9 * tf, 1e9 * tb);
  }
  free(z); free(y); free(dz); free(s); free(q); free(G); free(dG);
}

int main(int argc, char **argv)
{
  double tmin = argc > 1 ? atof(argv[1]) : 0.5;
  bench_dense(8192, 32, 32, tmin);
  bench_dense(8192, 64, 64, tmin);
  bench_act(1024, 64, tmin);
  bench_net(32, 2, 1024, tmin);
  bench_net(64, 2, 1024, tmin);
  bench_net(32, 2, 32, tmin);
  bench_net(64, 2, 32, tmin);
  bench_net(64, 2, 4096, tmin);
  return 0;
}
