/*******************************************************************************
 * test_lattice.c: the lattice level of the potential engine on one rank
 * (singleton MPI), hot (Haar) configurations, fixed seeds.
 *
 * Cases: N = 2, 3 on 2D 3x3 (plaquettes + 1x2 rectangles, halo depth 2) and
 * 4D 2^4 (plaquettes; depth 1), with a random quadratic F of K = 2 power
 * sums at t = 0.7; N = 2 on 2^4 with rectangles, which pass links twice:
 * refused without POT_ALLOW_REVISIT, allowed with it (gradient only); and
 * N = 2 on 3D 3^3 with plaquettes and two general paths that start with a
 * backward step (-0 +1 +2 +0 -1 -2 and -2 -2 +1 +0 +2 +2 -1 -0, depth 2).
 * Checks (4th-order central differences, eps = 1e-3, exp(eps T_a) applied
 * to one link, relative 1e-6 with an absolute floor of 1e-8 times the
 * largest compared entry):
 *   grad on every link and generator  vs  D_{T_a} of the global value;
 *   div  vs  sum over links and a of D_{T_a} grad_a (FD of the gradient);
 *   pot_lat_vjp: ubar vs D_{T_a} J with J = vbar Phi + <xbar, grad Phi>
 *   + dbar div (random xbar field), and dJ/da (the quadratic F's a) vs FD;
 *   gauge invariance of Phi and covariance grad -> g grad g^+ under a random
 *   gauge transformation (1e-12);
 *   Wilson fast path vs the generic path with the Wilson F on plaquettes
 *   (1e-13 relative to the largest entry; value 1e-13);
 *   refusals: revisiting loops, shallow halo, K mismatch;
 *   loops_add_boxes: 1x1 and 2x1 give the plaquettes and rectangles shape
 *   for shape, 2x2 and 1x3 their paths, counts and depths (D = 2, 3, 4);
 *   loops_add_corners: four L-shaped 8-link loops per plane, each made of
 *   three plaquettes (the unit steps cover the boundary of a 2x2 box less
 *   one corner cell, anticlockwise: signed area +3), depth 2, simple on
 *   3x3 and not on 2x2 (D = 2, 3, 4).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include "potential.h"
#include "rng.h"
#include "util.h"
#include "check.h"
#include "testutil.h"

#define EPS 1e-3
#define RTOL 1e-6
#define FLOOR 1e-8

static rng_stream_t rs;

typedef struct {
  int N, D, L[EMF_DMAX], rect, K, flags;
  const char *name;
  int custom;   /* add a 3D path that starts with a backward step */
} tcase_t;

static void run_case(const tcase_t *tc)
{
  int grid[EMF_DMAX] = {1, 1, 1, 1};
  char msg[400];
  loop_set_t *ls = loops_alloc(tc->D);
  loops_add_plaquettes(ls);
  if (tc->rect) loops_add_rectangles(ls);
  if (tc->custom) {
    int st[6] = {-1, 2, 3, 1, -2, -3}, st2[8] = {-3, -3, 2, 1, 3, 3, -2, -1};
    check_int(loops_add_path(ls, 6, st), EMF_SUCCESS, "%s custom path", tc->name);
    check_int(loops_add_path(ls, 8, st2), EMF_SUCCESS, "%s custom path 2", tc->name);
  }
  int depth = loops_depth(ls);
  geom_t *g = geom_alloc(MPI_COMM_SELF, tc->D, tc->L, grid, depth, msg, sizeof msg);
  if (!check_true(g != NULL, "%s geom_alloc: %s", tc->name, msg)) return;
  gauge_t *u = gauge_alloc(g, tc->N);
  gauge_set_hot(u, 777);
  pot_lat_t *p = pot_lat_alloc(u, ls, tc->K, 5, tc->flags, msg, sizeof msg);
  if (!check_true(p != NULL, "%s pot_lat_alloc: %s", tc->name, msg)) return;
  const int D = tc->D, n = tc->N, nn = n * n, ngen = nn - 1;
  const long nl = g->n_owned * D, ng = nl * ngen;
  const double t = 0.7;
  pot_quad_t q;
  pot_func_t F;
  tu_random_quad(&q, tc->K, &rs, 1.0, 1.0, 0.3);
  pot_func_quad(&F, &q);
  double *grad = malloc((size_t)ng * sizeof(double));
  double *gfd = malloc((size_t)ng * sizeof(double));
  double *gtmp = malloc((size_t)ng * sizeof(double));
  double value, div = 0, divfd = 0;
  int want_div = p->simple;
  check_int(pot_lat_eval(p, u, &F, t, &value, grad, want_div ? &div : NULL), EMF_SUCCESS,
            "%s eval", tc->name);
  if (!want_div)
    check_int(pot_lat_eval(p, u, &F, t, NULL, NULL, &div), EMF_ENOTSUP, "%s div refused", tc->name);

  /* FD of value and of the gradient, link by link */
  for (long io = 0; io < g->n_owned; io++)
    for (int mu = 0; mu < D; mu++) {
      cplx_t *link = gauge_link(u, g->owned[io], mu), link0[EMF_NMAX * EMF_NMAX];
      sun_copy(n, link0, link);
      for (int a = 0; a < ngen; a++) {
        double v[5], d[5];
        for (int s = 0; s < 5; s++) {
          if (s == 2) { v[s] = value; d[s] = grad[(io * D + mu) * ngen + a]; continue; }
          tu_shift(n, link, a, (s - 2) * EPS, link0);
          pot_lat_eval(p, u, &F, t, &v[s], want_div ? gtmp : NULL, NULL);
          d[s] = want_div ? gtmp[(io * D + mu) * ngen + a] : 0.0;
        }
        gfd[(io * D + mu) * ngen + a] = tu_fd1(v, EPS);
        divfd += tu_fd1(d, EPS);
        sun_copy(n, link, link0);
      }
    }
  gauge_exchange(u);
  double sg = tu_maxabs(gfd, ng);
  int bad = 0;
  for (long i = 0; i < ng; i++)
    if (!(fabs(grad[i] - gfd[i]) <= RTOL * fabs(gfd[i]) + FLOOR * sg)) bad++;
  for (long i = 0; i < ng && bad; i++)
    if (!check_rel(grad[i], gfd[i], RTOL, FLOOR * sg, "%s grad[%ld] vs FD", tc->name, i)) break;
  check_int(bad, 0, "%s gradient vs FD on all %ld link-generator pairs", tc->name, ng);
  if (want_div)
    check_rel(div, divfd, RTOL, FLOOR * fmax(1.0, fabs(divfd)), "%s divergence vs FD", tc->name);

  /* backward: J = vbar Phi + <xbar, grad Phi> + dbar div, FD link by link
   * and in the parameters a of the quadratic F */
  {
    double *xbar = malloc((size_t)ng * sizeof(double)), *ubar = malloc((size_t)ng * sizeof(double));
    double *ufd = malloc((size_t)ng * sizeof(double));
    double vbar = 0.7, dbar = want_div ? -0.4 : 0.0, da[POT_MMAX] = {0};
    for (long i = 0; i < ng; i++) xbar[i] = rng_gaussian(&rs);
    q.da = da;
    check_int(pot_lat_vjp(p, u, &F, t, vbar, xbar, dbar, ubar), EMF_SUCCESS, "%s vjp", tc->name);
    q.da = NULL;
    if (!want_div)
      check_int(pot_lat_vjp(p, u, &F, t, vbar, xbar, 1.0, ubar), EMF_ENOTSUP, "%s vjp div refused", tc->name);
    for (long io = 0; io < g->n_owned; io++)
      for (int mu = 0; mu < D; mu++) {
        cplx_t *link = gauge_link(u, g->owned[io], mu), link0[EMF_NMAX * EMF_NMAX];
        sun_copy(n, link0, link);
        for (int a = 0; a < ngen; a++) {
          double v[5];
          for (int s = 0; s < 5; s++) {
            double val, dv = 0;
            tu_shift(n, link, a, (s - 2) * EPS, link0);
            pot_lat_eval(p, u, &F, t, &val, gtmp, want_div ? &dv : NULL);
            v[s] = vbar * val + dbar * dv;
            for (long i = 0; i < ng; i++) v[s] += xbar[i] * gtmp[i];
          }
          ufd[(io * D + mu) * ngen + a] = tu_fd1(v, EPS);
          sun_copy(n, link, link0);
        }
      }
    double su = tu_maxabs(ufd, ng);
    bad = 0;
    for (long i = 0; i < ng; i++)
      if (!(fabs(ubar[i] - ufd[i]) <= RTOL * fabs(ufd[i]) + FLOOR * su)) bad++;
    for (long i = 0; i < ng && bad; i++)
      if (!check_rel(ubar[i], ufd[i], RTOL, FLOOR * su, "%s ubar[%ld] vs FD", tc->name, i)) break;
    check_int(bad, 0, "%s VJP vs FD on all %ld link-generator pairs", tc->name, ng);
    for (int j = 0; j < 2 * tc->K; j++) {
      double v[5], a0 = q.a[j];
      for (int s = 0; s < 5; s++) {
        double val, dv = 0;
        q.a[j] = a0 + (s - 2) * EPS;
        pot_lat_eval(p, u, &F, t, &val, gtmp, want_div ? &dv : NULL);
        v[s] = vbar * val + dbar * dv;
        for (long i = 0; i < ng; i++) v[s] += xbar[i] * gtmp[i];
      }
      q.a[j] = a0;
      check_rel(da[j], tu_fd1(v, EPS), RTOL, FLOOR * fmax(1.0, fabs(tu_fd1(v, EPS))), "%s dJ/da_%d vs FD", tc->name, j);
    }
    gauge_exchange(u);
    free(xbar);
    free(ubar);
    free(ufd);
  }

  /* gauge transformation g(x): U_mu(x) -> g(x) U g(x+mu)^+ */
  {
    cplx_t *gs = malloc((size_t)g->n_ext * nn * sizeof(cplx_t));
    cplx_t tmp[EMF_NMAX * EMF_NMAX], m1[EMF_NMAX * EMF_NMAX], m2[EMF_NMAX * EMF_NMAX];
    double value2, maxdev = 0;
    for (long is = 0; is < g->n_ext; is++) {
      rng_stream_t s;
      rng_stream_init(&s, 99, RNG_TEST, (uint64_t)g->gsite[is], 1);
      rng_haar_sun(&s, n, gs + is * nn);
    }
    for (long io = 0; io < g->n_owned; io++) {
      long is = g->owned[io];
      for (int mu = 0; mu < D; mu++) {
        cplx_t *l = gauge_link(u, is, mu);
        sun_mul(n, tmp, gs + is * nn, l);
        sun_mul_dag(n, l, tmp, gs + g->up[is * D + mu] * nn);
      }
    }
    pot_lat_eval(p, u, &F, t, &value2, gtmp, NULL);
    check_rel(value2, value, 1e-12, 1e-12, "%s gauge invariance of Phi", tc->name);
    for (long io = 0; io < g->n_owned; io++) {
      long is = g->owned[io];
      for (int mu = 0; mu < D; mu++) {
        double x[EMF_NMAX * EMF_NMAX];
        sun_from_alg(n, m1, grad + (io * D + mu) * ngen);
        sun_mul(n, tmp, gs + is * nn, m1);
        sun_mul_dag(n, m2, tmp, gs + is * nn);
        sun_to_alg(n, x, m2);
        for (int a = 0; a < ngen; a++)
          maxdev = fmax(maxdev, fabs(x[a] - gtmp[(io * D + mu) * ngen + a]));
      }
    }
    check_abs(maxdev, 0.0, 1e-12 * fmax(1.0, tu_maxabs(grad, ng)), "%s gradient covariance", tc->name);
    free(gs);
    gauge_set_hot(u, 777);
  }

  /* Wilson fast path vs generic path on plaquettes */
  if (!tc->rect && !tc->custom) {
    pot_quad_t qw;
    pot_func_t Fw;
    double vw, vg;
    pot_lat_t *pw = pot_lat_alloc(u, ls, 1, 7, 0, msg, sizeof msg);
    pot_func_wilson(&Fw, &qw, 2.3, n);
    pot_lat_eval(pw, u, &Fw, 0.0, &vg, grad, NULL);
    check_int(pot_wilson_eval(u, 2.3, &vw, gtmp), EMF_SUCCESS, "%s wilson eval", tc->name);
    /* the value is a sum of npl terms of size <= beta: absolute floor */
    double npl = (double)g->n_global * D * (D - 1) / 2, vfloor = 1e-14 * 2.3 * npl;
    check_rel(vw, vg, 1e-13, vfloor, "%s Wilson value fast vs generic", tc->name);
    double dev = 0;
    for (long i = 0; i < ng; i++) dev = fmax(dev, fabs(grad[i] - gtmp[i]));
    check_abs(dev, 0.0, 1e-13 * tu_maxabs(grad, ng), "%s Wilson gradient fast vs generic", tc->name);
    /* the plaquette observable gives the value */
    double plaq = gauge_plaquette_all(u);
    check_rel(vw, -2.3 * plaq * npl, 1e-13, vfloor,
              "%s Wilson value vs plaquette", tc->name);
    /* K mismatch */
    check_int(pot_lat_eval(pw, u, &F, 0.0, &vg, NULL, NULL), tc->K == 1 ? EMF_SUCCESS : EMF_EINVAL,
              "%s K mismatch", tc->name);
    pot_lat_free(pw);
  }
  free(grad);
  free(gfd);
  free(gtmp);
  pot_lat_free(p);
  gauge_free(u);
  geom_free(g);
  loops_free(ls);
}

static void test_refusals(void)
{
  int L[4] = {2, 2, 2, 2}, grid[4] = {1, 1, 1, 1};
  char msg[400] = "";
  loop_set_t *ls = loops_alloc(4);
  loops_add_plaquettes(ls);
  loops_add_rectangles(ls);
  check_int(loops_check_simple(ls, L, msg, sizeof msg), EMF_ENOTSUP, "2^4 rectangles not simple");
  check_true(strstr(msg, "twice") != NULL, "message says why: %s", msg);
  geom_t *g = geom_alloc(MPI_COMM_SELF, 4, L, grid, 2, msg, sizeof msg);
  gauge_t *u = gauge_alloc(g, 2);
  msg[0] = '\0';
  check_true(pot_lat_alloc(u, ls, 1, 4, 0, msg, sizeof msg) == NULL, "2^4 rectangles refused");
  check_true(strstr(msg, "twice") != NULL, "refusal message: %s", msg);
  geom_free(g);
  gauge_free(u);
  /* shallow halo */
  int L2[2] = {4, 4};
  g = geom_alloc(MPI_COMM_SELF, 2, L2, grid, 1, msg, sizeof msg);
  u = gauge_alloc(g, 2);
  msg[0] = '\0';
  check_true(pot_lat_alloc(u, ls, 1, 4, 0, msg, sizeof msg) == NULL, "D mismatch refused");
  loop_set_t *l2 = loops_alloc(2);
  loops_add_rectangles(l2);
  check_int(loops_depth(l2), 2, "rectangle depth 2");
  check_true(pot_lat_alloc(u, l2, 1, 4, 0, msg, sizeof msg) == NULL, "shallow halo refused: %s", msg);
  check_int(pot_wilson_eval(u, 1.0, NULL, NULL), EMF_SUCCESS, "wilson depth 1 ok");
  /* 1x1 lattice direction: plaquette revisits */
  int L3[2] = {1, 4};
  loop_set_t *l3 = loops_alloc(2);
  loops_add_plaquettes(l3);
  check_int(loops_check_simple(l3, L3, NULL, 0), EMF_ENOTSUP, "extent 1 plaquette not simple");
  check_int(loops_check_simple(l3, L2, NULL, 0), EMF_SUCCESS, "4x4 plaquette simple");
  /* bad paths */
  int open[3] = {1, 2, -1}, bad[2] = {3, -3}, zero[2] = {0, 0};
  check_int(loops_add_path(l3, 3, open), EMF_EINVAL, "open path refused");
  check_int(loops_add_path(l3, 2, bad), EMF_EINVAL, "direction out of range refused");
  check_int(loops_add_path(l3, 2, zero), EMF_EINVAL, "step 0 refused");
  check_int(loops_add_path(l3, LOOP_LEN_MAX + 1, open), EMF_EINVAL, "too long refused");
  loops_free(l2);
  loops_free(l3);
  loops_free(ls);
  gauge_free(u);
  geom_free(g);
}

/* loops_add_boxes: 1x1 and 2x1 are the plaquettes and rectangles in the
 * same order, 2x2 and 3x1 have the expected paths, count and depth */
static void test_boxes(void)
{
  for (int D = 2; D <= 4; D++) {
    loop_set_t *a = loops_alloc(D), *b = loops_alloc(D), *c = loops_alloc(D);
    const int np = D * (D - 1) / 2;
    loops_add_plaquettes(a);
    loops_add_rectangles(a);
    check_int(loops_add_boxes(b, 1, 1), EMF_SUCCESS, "D=%d boxes 1x1", D);
    check_int(loops_add_boxes(b, 2, 1), EMF_SUCCESS, "D=%d boxes 2x1", D);
    check_int(b->n_shapes, a->n_shapes, "D=%d plaquettes + rectangles count", D);
    for (int s = 0; s < a->n_shapes && s < b->n_shapes; s++)
      check_true(a->shape[s].len == b->shape[s].len &&
                     memcmp(a->shape[s].step, b->shape[s].step, sizeof a->shape[s].step) == 0,
                 "D=%d shape %d: boxes = plaquettes/rectangles", D, s);
    check_int(loops_add_boxes(c, 2, 2), EMF_SUCCESS, "D=%d boxes 2x2", D);
    check_int(c->n_shapes, np, "D=%d one 2x2 per plane", D);
    check_int(loops_depth(c), 2, "D=%d 2x2 depth", D);
    const int sq[8] = {1, 1, 2, 2, -1, -1, -2, -2};
    check_true(c->shape[0].len == 8 && memcmp(c->shape[0].step, sq, sizeof sq) == 0,
               "D=%d first 2x2 is +0 +0 +1 +1 -0 -0 -1 -1", D);
    check_int(loops_add_boxes(c, 3, 1), EMF_SUCCESS, "D=%d boxes 3x1", D);
    check_int(c->n_shapes, 3 * np, "D=%d two 1x3 per plane", D);
    check_int(loops_depth(c), 3, "D=%d 1x3 depth", D);
    const int l3[8] = {1, 2, 2, 2, -1, -2, -2, -2};
    check_true(c->shape[np + 1].len == 8 && memcmp(c->shape[np + 1].step, l3, sizeof l3) == 0,
               "D=%d second 1x3 is +0 +1 +1 +1 -0 -1 -1 -1", D);
    check_int(loops_add_boxes(c, 1, 2), EMF_EINVAL, "D=%d m < n refused", D);
    check_int(loops_add_boxes(c, 1, 0), EMF_EINVAL, "D=%d n = 0 refused", D);
    check_int(loops_add_boxes(c, LOOP_LEN_MAX, 1), EMF_EINVAL, "D=%d too long refused", D);
    loops_free(a);
    loops_free(b);
    loops_free(c);
  }
}

/* twice the signed area enclosed by the closed path sh projected on the
 * plane (mu, nu), anticlockwise positive (shoelace formula) */
static int signed_area2(const loop_shape_t *sh, int mu, int nu)
{
  int x = 0, y = 0, a2 = 0;
  for (int p = 0; p < sh->len; p++) {
    int d = abs(sh->step[p]) - 1, sg = sh->step[p] > 0 ? 1 : -1;
    int nx = x + (d == mu ? sg : 0), ny = y + (d == nu ? sg : 0);
    a2 += x * ny - nx * y;
    x = nx;
    y = ny;
  }
  return a2;
}

static void test_corners(void)
{
  for (int D = 2; D <= 4; D++) {
    loop_set_t *c = loops_alloc(D);
    const int np = D * (D - 1) / 2;
    int L3[EMF_DMAX], L2[EMF_DMAX];
    for (int mu = 0; mu < D; mu++) L3[mu] = 3, L2[mu] = 2;
    check_int(loops_add_corners(c), EMF_SUCCESS, "D=%d corners", D);
    check_int(c->n_shapes, 4 * np, "D=%d four corners per plane", D);
    check_int(loops_depth(c), 2, "D=%d corner depth", D);
    int s = 0;
    for (int mu = 0; mu < D; mu++)
      for (int nu = mu + 1; nu < D; nu++)
        for (int k = 0; k < 4; k++, s++) {
          const loop_shape_t *sh = &c->shape[s];
          int in_plane = 1;
          for (int p = 0; p < sh->len; p++) {
            int d = abs(sh->step[p]) - 1;
            in_plane &= d == mu || d == nu;
          }
          check_true(sh->len == 8 && in_plane, "D=%d corner %d: 8 steps in plane (%d,%d)", D, s,
                     mu, nu);
          check_int(signed_area2(sh, mu, nu), 6, "D=%d corner %d: area 3 anticlockwise", D, s);
          for (int j = 0; j < k; j++)
            check_true(memcmp(sh->step, c->shape[s - k + j].step, sizeof sh->step) != 0,
                       "D=%d corner %d differs from corner %d", D, s, s - k + j);
        }
    const int first[8] = {1, 1, 2, -1, 2, -1, -2, -2};
    check_true(memcmp(c->shape[0].step, first, sizeof first) == 0,
               "D=%d first corner is +0 +0 +1 -0 +1 -0 -1 -1", D);
    check_int(loops_check_simple(c, L3, NULL, 0), EMF_SUCCESS, "D=%d corners simple on 3^D", D);
    check_int(loops_check_simple(c, L2, NULL, 0), EMF_ENOTSUP, "D=%d corners not simple on 2^D",
              D);
    loops_free(c);
  }
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  test_boxes();
  test_corners();
  rng_stream_init(&rs, 4242, RNG_TEST, 11, 0);
  const tcase_t cases[] = {
      {2, 2, {3, 3}, 1, 2, 0, "SU(2) 3x3 plaq+rect", 0},
      {3, 2, {3, 3}, 1, 2, 0, "SU(3) 3x3 plaq+rect", 0},
      {2, 2, {3, 3}, 0, 1, 0, "SU(2) 3x3 plaq K=1", 0},
      {2, 4, {2, 2, 2, 2}, 0, 2, 0, "SU(2) 2^4 plaq", 0},
      {3, 4, {2, 2, 2, 2}, 0, 2, 0, "SU(3) 2^4 plaq", 0},
      {2, 4, {2, 2, 2, 2}, 1, 2, POT_ALLOW_REVISIT, "SU(2) 2^4 plaq+rect revisit", 0},
      {2, 3, {3, 3, 3}, 0, 2, 0, "SU(2) 3^3 plaq+custom paths", 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
  test_refusals();
  int fails = check_finish("test_lattice");
  MPI_Finalize();
  return fails;
}
