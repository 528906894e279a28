/*******************************************************************************
 * bench_flow.c: time the single-matrix flow's vector field and its exact
 * divergence per matrix (issue 4; compared with PyTorch by
 * bench/reference/torch_flow.py, which bench/run.sh runs next).
 *
 * SU(3), K = 3 power sums (m = 6 features), one time frequency (p = 3),
 * MLP width 64, depth 2, tanh, parameters nn_init_params_seed(seed 7,
 * last_scale 1), t = 0.3.  For batches of B = 1024 and 4096 Haar-random
 * matrices it prints the thread CPU time per matrix of
 *   field + div:  flow_single_field (X = grad F, r = -div X, want_L = 1)
 *   field only:   pot_loop_forward(want_L = 0) + pot_loop_gradient
 * the best of 5 repetitions of at least min_seconds / 5 each, one thread,
 * for both network paths: the reduced jets along a basis of span(Df)
 * (flow_single_set_reduced(fs, 1), the default for sampling) and the full
 * jets (m + 2 channels, the training path), and their ratio.
 *
 * It also writes the reference file (default build/bench-logs/flow_ref.txt)
 * that the PyTorch side reads: the configuration, theta, the measured
 * times (reduced, then "full" and the full-jet times), and NV = 8 matrices
 * with their X (8 per matrix) and div X from the reduced path, so
 * that both implementations are checked against each other on the same
 * parameters.  Never asserts on time; exits 1 only on a failed evaluation.
 *
 * Usage: build/bench/bench_flow.x [min_seconds (0.5)] [ref_file]
 ******************************************************************************/
/* QUICK: 0.05 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "flow.h"
#include "rng.h"

#define NV 8

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int haar_batch(cplx_t *u, int nb)
{
  for (int b = 0; b < nb; b++) {
    rng_stream_t s;
    rng_stream_init(&s, 11, RNG_MISC, (uint64_t)b, 0);
    if (rng_haar_sun(&s, 3, u + (size_t)9 * b) != EMF_SUCCESS) return 1;
  }
  return 0;
}

/* Seconds per matrix, best of 5; with_div selects field + div or field only. */
static double time_field(flow_single_t *fs, const cplx_t *u, double *x, double *r,
                         double t, int with_div, double tmin, int *err)
{
  double best = 1e300;
  long reps = 1;
  for (;;) {   /* calibrate the repetition count */
    double t0 = now();
    for (long i = 0; i < reps; i++) {
      int st = with_div ? flow_single_field(t, u, x, r, fs)
                        : pot_loop_forward(fs->lws, &fs->F, 0, t, fs->nb, u, 0);
      if (!with_div) pot_loop_gradient(fs->lws, fs->nb, x);
      *err |= st != EMF_SUCCESS;
    }
    if (now() - t0 >= tmin / 5.0 || reps > (1L << 30)) break;
    reps *= 2;
  }
  for (int k = 0; k < 5; k++) {
    double t0 = now(), dt;
    for (long i = 0; i < reps; i++) {
      int st = with_div ? flow_single_field(t, u, x, r, fs)
                        : pot_loop_forward(fs->lws, &fs->F, 0, t, fs->nb, u, 0);
      if (!with_div) pot_loop_gradient(fs->lws, fs->nb, x);
      *err |= st != EMF_SUCCESS;
    }
    dt = (now() - t0) / ((double)reps * fs->nb);
    if (dt < best) best = dt;
  }
  return best;
}

int main(int argc, char **argv)
{
  const double tmin = argc > 1 ? atof(argv[1]) : 0.5;
  const char *path = argc > 2 ? argv[2] : "build/bench-logs/flow_ref.txt";
  const double t = 0.3;
  const int sizes[2] = {1024, 4096};
  nn_config_t cfg = {6, 1, 64, 2, nn_act_tanh};
  nn_t net;
  double *theta, tf[2], td[2], tf_full[2], td_full[2];
  int err = 0;
  FILE *fp;
  remove(path);   /* no stale reference data if this run fails */
  if (nn_init(&net, &cfg) != EMF_SUCCESS) return 1;
  theta = malloc(net.n_params * sizeof *theta);
  if (!theta) return 1;
  nn_init_params_seed(theta, &net, 7, 1.0);
  printf("single-matrix flow field, SU(3), K = 3, MLP 64 x 2 tanh, %zu params, one thread\n",
         net.n_params);
  for (int i = 0; i < 2; i++) {
    const int nb = sizes[i];
    flow_single_t *fs = flow_single_alloc(&net, 3, nb, 1, NULL);
    cplx_t *u = malloc((size_t)9 * nb * sizeof *u);
    double *x = malloc((size_t)8 * nb * sizeof *x), *r = malloc((size_t)nb * sizeof *r);
    if (!fs || !u || !x || !r || haar_batch(u, nb)) return 1;
    flow_nnf_set(&fs->nnf, theta, NULL);
    err |= flow_single_set_reduced(fs, 0) != EMF_SUCCESS;
    td_full[i] = time_field(fs, u, x, r, t, 1, tmin, &err);
    tf_full[i] = time_field(fs, u, x, r, t, 0, tmin, &err);
    err |= flow_single_set_reduced(fs, 1) != EMF_SUCCESS;
    td[i] = time_field(fs, u, x, r, t, 1, tmin, &err);
    tf[i] = time_field(fs, u, x, r, t, 0, tmin, &err);
    printf("  B = %5d: reduced jets: field + div %7.3f us/matrix, field only %7.3f us/matrix\n"
           "            full jets:    field + div %7.3f us/matrix, field only %7.3f us/matrix"
           "  (full/reduced %.2f)\n",
           nb, 1e6 * td[i], 1e6 * tf[i], 1e6 * td_full[i], 1e6 * tf_full[i],
           td_full[i] / td[i]);
    flow_single_free(fs);
    free(u);
    free(x);
    free(r);
  }
  if (err) {
    fprintf(stderr, "bench_flow: an evaluation failed\n");
    return 1;
  }
  fp = fopen(path, "w");
  if (!fp) {
    fprintf(stderr, "bench_flow: cannot write %s\n", path);
    return 1;
  }
  {
    flow_single_t *fs = flow_single_alloc(&net, 3, NV, 1, NULL);
    cplx_t u[9 * NV];
    double x[8 * NV], r[NV];
    if (!fs || haar_batch(u, NV)) return 1;
    flow_nnf_set(&fs->nnf, theta, NULL);
    if (flow_single_field(t, u, x, r, fs) != EMF_SUCCESS) return 1;
    fprintf(fp, "N 3 K 3 n_freq %d width %d depth %d t %.17g n_params %zu nv %d\n",
            cfg.n_freq, cfg.width, cfg.depth, t, net.n_params, NV);
    fprintf(fp, "c_time B %d %.6e %.6e B %d %.6e %.6e full %.6e %.6e %.6e %.6e\n",
            sizes[0], td[0], tf[0], sizes[1], td[1], tf[1], td_full[0], tf_full[0],
            td_full[1], tf_full[1]);
    for (size_t k = 0; k < net.n_params; k++) fprintf(fp, "%.17g\n", theta[k]);
    for (int b = 0; b < NV; b++) {
      for (int k = 0; k < 9; k++)
        fprintf(fp, "%.17g %.17g ", creal(u[9 * b + k]), cimag(u[9 * b + k]));
      for (int a = 0; a < 8; a++) fprintf(fp, "%.17g ", x[8 * b + a]);
      fprintf(fp, "%.17g\n", -r[b]);
    }
    fclose(fp);
    flow_single_free(fs);
  }
  printf("  reference data for torch_flow.py: %s\n", path);
  free(theta);
  return 0;
}
