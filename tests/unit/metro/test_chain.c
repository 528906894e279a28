/*******************************************************************************
 * test_chain.c: the IMH chain's decisions, bookkeeping and reproducibility.
 *
 * 1. RNG convention: log-weights are built so that every decision is known
 *    in advance from the uniforms of the streams (seed, RNG_METRO, chain,
 *    step = i), with a margin of 1e-9 on either side of log u; the chain must
 *    reproduce the planned accept/reject pattern, states and counters.
 * 2. Invalid log-weights: a hand-made sequence with NaN, +inf and -inf,
 *    including an invalid start, with the exact expected states, counts and
 *    longest rejection run.
 * 3. Determinism: the same inputs give bit-identical series, states and
 *    chain state; the chain over n proposals in one call equals the chain
 *    over several consecutive calls (any split, with the state copied as
 *    bytes in between, as a checkpoint would), bit for bit; a different
 *    chain id or seed gives a different chain.
 * 4. Every error return of metro_chain_* and metro_imh_*.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "global.h"
#include "rng.h"
#include "stats.h"
#include "metro.h"
#include "check.h"

#define SEED 0x0123456789abcdefULL

static double metro_u(uint64_t seed, uint64_t chain, int64_t i)
{
  rng_stream_t s;
  rng_stream_init(&s, seed, RNG_METRO, chain, (uint32_t)i);
  return rng_uniform(&s);
}

static int same_gamma(const stats_gamma_t *a, const stats_gamma_t *b)
{
  return memcmp(&a->mean, &b->mean, sizeof a->mean) == 0 &&
         memcmp(&a->error, &b->error, sizeof a->error) == 0 &&
         memcmp(&a->error_of_error, &b->error_of_error, sizeof a->error) == 0 &&
         memcmp(&a->tau_int, &b->tau_int, sizeof a->tau_int) == 0 &&
         memcmp(&a->dtau_int, &b->dtau_int, sizeof a->tau_int) == 0 &&
         a->window == b->window && a->n == b->n && a->status == b->status;
}

static int same_imh(const metro_imh_t *a, const metro_imh_t *b)
{
  int ok = a->n == b->n && a->n_decisions == b->n_decisions && a->n_accept == b->n_accept &&
           a->n_invalid == b->n_invalid && a->n_zero == b->n_zero &&
           a->rej_run_max == b->rej_run_max && a->nobs == b->nobs &&
           memcmp(&a->acceptance, &b->acceptance, sizeof(double)) == 0 &&
           same_gamma(&a->acc, &b->acc) && a->acc_status == b->acc_status;
  for (int k = 0; k < a->nobs; k++)
    ok = ok && same_gamma(&a->obs[k], &b->obs[k]) && a->obs_status[k] == b->obs_status[k];
  return ok;
}

static void test_planned(long n, uint64_t chain)
{
  double *lw = malloc((size_t)n * sizeof *lw), *obs = malloc(2 * (size_t)n * sizeof *obs);
  double *series = malloc(2 * (size_t)n * sizeof *series);
  int64_t *state = malloc((size_t)n * sizeof *state), *expect = malloc((size_t)n * sizeof *expect);
  double cur;
  long nacc = 0, run = 0, run_max = 0, bad = 0, bad_obs = 0;
  rng_stream_t g;
  metro_chain_t c;
  int rc;

  rng_stream_init(&g, SEED, RNG_TEST, 10, 0);
  lw[0] = cur = 0.25;
  expect[0] = 0;
  for (long i = 0; i < n; i++) {
    obs[2 * i] = (double)i;
    obs[2 * i + 1] = -0.5 * (double)i;
  }
  for (long i = 1; i < n; i++) {
    double lu = log(metro_u(SEED, chain, i));
    int acc = rng_uniform(&g) < 0.4;
    if (i % 97 == 0) {
      lw[i] = cur + 0.5; /* uphill: always accepted */
      acc = 1;
    } else {
      lw[i] = cur + lu + (acc ? 1e-9 : -1e-9);
    }
    if (acc) {
      cur = lw[i];
      expect[i] = i;
      nacc++;
      run = 0;
    } else {
      expect[i] = expect[i - 1];
      if (++run > run_max) run_max = run;
    }
  }
  rc = metro_chain_init(&c, SEED, chain, 2);
  check_int(rc, EMF_SUCCESS, "planned: init");
  rc = metro_chain_advance(&c, lw, obs, n, series, state);
  check_int(rc, EMF_SUCCESS, "planned: advance");
  for (long i = 0; i < n; i++) {
    if (state[i] != expect[i]) bad++;
    if (series[2 * i] != (double)expect[i] || series[2 * i + 1] != -0.5 * (double)expect[i])
      bad_obs++;
  }
  check_int(bad, 0, "planned (chain %llu): states follow the planned decisions",
            (unsigned long long)chain);
  check_int(bad_obs, 0, "planned: series holds the current state's observables");
  check_int(c.n_accept, nacc, "planned: acceptances (%ld)", nacc);
  check_int(c.n_decisions, n - 1, "planned: decisions");
  check_int(c.rej_run_max, run_max, "planned: longest rejection run (%ld)", run_max);
  check_int(c.next, n, "planned: next proposal index");
  check_int(c.cur, expect[n - 1], "planned: current state");
  check_bits(&c.logw_cur, &cur, sizeof cur, "planned: current log-weight");
  free(lw);
  free(obs);
  free(series);
  free(state);
  free(expect);
}

static void test_invalid(void)
{
  const double lw[] = {NAN, -INFINITY, 0.0, NAN, -INFINITY, INFINITY, 5.0, -INFINITY, 10.0, 9.0};
  const int64_t expect[] = {0, 0, 2, 2, 2, 2, 6, 6, 8, -1};
  const long n = 10;
  double obs[10], series[10];
  int64_t state[10];
  metro_chain_t c;
  metro_imh_t r;
  long bad = 0;
  int rc;

  for (long i = 0; i < n; i++) obs[i] = 100.0 + (double)i;
  metro_chain_init(&c, SEED, 3, 1);
  rc = metro_chain_advance(&c, lw, obs, n - 1, series, state);
  check_int(rc, EMF_SUCCESS, "invalid: advance succeeds");
  for (long i = 0; i < n - 1; i++)
    if (state[i] != expect[i] || series[i] != 100.0 + (double)expect[i]) bad++;
  check_int(bad, 0, "invalid: states 0 0 2 2 2 2 6 6 8");
  check_int(c.n_invalid, 3, "invalid: NaN, NaN, +inf counted");
  check_int(c.n_zero, 3, "invalid: three -inf counted");
  check_int(c.n_decisions, 8, "invalid: decisions");
  check_int(c.n_accept, 3, "invalid: acceptances");
  check_int(c.rej_run_max, 3, "invalid: longest rejection run");
  check_rel(c.logw_cur, 10.0, 0.0, 0.0, "invalid: current log-weight");

  rc = metro_imh_run(lw, obs, n - 1, 1, SEED, 3, 2, STATS_S_DEFAULT, NULL, NULL, &r);
  check_int(rc, EMF_SUCCESS, "invalid: metro_imh_run succeeds");
  check_int(r.n, 7, "invalid: run analyses steps 2..8");
  check_int(r.n_invalid, 2, "invalid: run counts NaN, +inf after burn-in");
  check_int(r.n_zero, 2, "invalid: run counts -inf after burn-in");
  check_int(r.n_accept, 3, "invalid: run acceptances after burn-in");
  check_rel(r.acceptance, 3.0 / 7.0, 1e-15, 0.0, "invalid: acceptance 3/7");
  check_int(r.rej_run_max, 3, "invalid: run longest rejection run");
  check_int(r.obs_status[0], EMF_SUCCESS, "invalid: observables analysed");

  /* A start with weight zero is left at the first finite proposal; an all
   * -inf stretch stays put. */
  {
    const double z[] = {-INFINITY, -INFINITY, -INFINITY, -3.0, -INFINITY};
    metro_chain_init(&c, SEED, 3, 0);
    rc = metro_chain_advance(&c, z, NULL, 5, NULL, state);
    check_int(rc, EMF_SUCCESS, "zero start: advance (nobs = 0, obs NULL)");
    check_true(state[0] == 0 && state[1] == 0 && state[2] == 0 && state[3] == 3 &&
               state[4] == 3, "zero start: stays until the first finite weight");
    check_int(c.n_zero, 4, "zero start: four -inf counted");
  }
}

static void test_determinism(long n)
{
  double *lw = malloc((size_t)n * sizeof *lw), *obs = malloc(3 * (size_t)n * sizeof *obs);
  double *s1 = malloc(3 * (size_t)n * sizeof *s1), *s2 = malloc(3 * (size_t)n * sizeof *s2);
  int64_t *t1 = malloc((size_t)n * sizeof *t1), *t2 = malloc((size_t)n * sizeof *t2);
  const long splits[][3] = {{1, 2, 3}, {0, 1, 500}, {333, 334, 7777}, {n / 2, n / 2, n - 1}};
  rng_stream_t g;
  metro_chain_t a, b;
  metro_imh_t r1, r2;
  int rc;

  rng_stream_init(&g, SEED, RNG_TEST, 20, 0);
  for (long i = 0; i < n; i++) {
    double x = 1.3 * rng_gaussian(&g);
    lw[i] = -0.5 * (x - 0.2) * (x - 0.2) + 0.5 * x * x / 1.69;
    obs[3 * i] = x;
    obs[3 * i + 1] = x * x;
    obs[3 * i + 2] = cos(x);
  }
  lw[17] = NAN;
  lw[18] = -INFINITY;

  metro_chain_init(&a, SEED, 5, 3);
  rc = metro_chain_advance(&a, lw, obs, n, s1, t1);
  check_int(rc, EMF_SUCCESS, "determinism: one call");

  metro_chain_init(&b, SEED, 5, 3);
  metro_chain_advance(&b, lw, obs, n, s2, t2);
  check_bits(s1, s2, 3 * (size_t)n * sizeof *s1, "determinism: same inputs, same series");
  check_bits(t1, t2, (size_t)n * sizeof *t1, "determinism: same inputs, same states");

  for (size_t k = 0; k < sizeof splits / sizeof splits[0]; k++) {
    long lo = splits[k][0], mid = splits[k][1], hi = splits[k][2];
    unsigned char ckpt[sizeof(metro_chain_t)];
    memset(s2, 0, 3 * (size_t)n * sizeof *s2);
    memset(t2, 0, (size_t)n * sizeof *t2);
    metro_chain_init(&b, SEED, 5, 3);
    rc = metro_chain_advance(&b, lw, obs, lo, s2, t2);
    rc |= metro_chain_advance(&b, lw + lo, obs + 3 * lo, mid - lo, s2 + 3 * lo, t2 + lo);
    /* checkpoint and restart: the state is plain data */
    memcpy(ckpt, &b, sizeof b);
    memset(&b, 0xff, sizeof b);
    memcpy(&b, ckpt, sizeof b);
    rc |= metro_chain_advance(&b, lw + mid, obs + 3 * mid, hi - mid, s2 + 3 * mid, t2 + mid);
    rc |= metro_chain_advance(&b, lw + hi, obs + 3 * hi, n - hi, s2 + 3 * hi, t2 + hi);
    check_int(rc, EMF_SUCCESS, "split %ld/%ld/%ld: calls succeed", lo, mid, hi);
    check_bits(s1, s2, 3 * (size_t)n * sizeof *s1, "split %ld/%ld/%ld: series bit-identical",
               lo, mid, hi);
    check_bits(t1, t2, (size_t)n * sizeof *t1, "split %ld/%ld/%ld: states identical", lo, mid, hi);
    check_true(a.next == b.next && a.cur == b.cur && a.n_decisions == b.n_decisions &&
               a.n_accept == b.n_accept && a.n_invalid == b.n_invalid &&
               a.n_zero == b.n_zero && a.rej_run == b.rej_run &&
               a.rej_run_max == b.rej_run_max, "split %ld/%ld/%ld: counters identical", lo, mid, hi);
    check_bits(&a.logw_cur, &b.logw_cur, sizeof a.logw_cur, "split: current log-weight");
    check_bits(a.obs_cur, b.obs_cur, 3 * sizeof a.obs_cur[0], "split: current observables");
  }

  /* the split chain analysed = metro_imh_run on the whole array */
  rc = metro_imh_run(lw, obs, n, 3, SEED, 5, 10, STATS_S_DEFAULT, NULL, NULL, &r1);
  check_int(rc, EMF_SUCCESS, "determinism: metro_imh_run");
  rc = metro_imh_analyse(s2 + 30, t2 + 10, 10, n - 10, 3, STATS_S_DEFAULT, &r2);
  check_int(rc, EMF_SUCCESS, "determinism: metro_imh_analyse on the split chain");
  check_bits(&r1.obs[2].mean, &r2.obs[2].mean, sizeof(double), "analyse = run: mean");
  check_bits(&r1.obs[2].error, &r2.obs[2].error, sizeof(double), "analyse = run: error");
  check_bits(&r1.acc.error, &r2.acc.error, sizeof(double), "analyse = run: acceptance error");
  check_int(r1.n_accept, r2.n_accept, "analyse = run: acceptances");
  check_int(r2.n_invalid, -1, "analyse: invalid count unknown (-1)");
  rc = metro_imh_run(lw, obs, n, 3, SEED, 5, 10, STATS_S_DEFAULT, NULL, NULL, &r2);
  check_int(rc, EMF_SUCCESS, "determinism: metro_imh_run again");
  check_true(same_imh(&r1, &r2), "determinism: metro_imh_run twice, identical results");

  metro_chain_init(&b, SEED, 6, 3);
  metro_chain_advance(&b, lw, obs, n, s2, t2);
  check_true(memcmp(t1, t2, (size_t)n * sizeof *t1) != 0, "another chain id, another chain");
  metro_chain_init(&b, SEED + 1, 5, 3);
  metro_chain_advance(&b, lw, obs, n, s2, t2);
  check_true(memcmp(t1, t2, (size_t)n * sizeof *t1) != 0, "another seed, another chain");
  free(lw);
  free(obs);
  free(s1);
  free(s2);
  free(t1);
  free(t2);
}

static void test_errors(void)
{
  const double lw[4] = {0.0, -1.0, -0.5, 0.3}, obs[4] = {1.0, 2.0, 3.0, 4.0};
  double series[4];
  int64_t state[4];
  metro_chain_t c, keep;
  metro_imh_t r;

  check_int(metro_chain_init(NULL, 1, 0, 1), EMF_EINVAL, "init: NULL");
  check_int(metro_chain_init(&c, 1, 0, -1), EMF_EINVAL, "init: nobs < 0");
  check_int(metro_chain_init(&c, 1, 0, METRO_NOBS_MAX + 1), EMF_EINVAL, "init: nobs too large");
  check_int(metro_chain_init(&c, 1, 0, METRO_NOBS_MAX), EMF_SUCCESS, "init: nobs = max");
  metro_chain_init(&c, 1, 0, 1);
  check_int(metro_chain_advance(NULL, lw, obs, 4, NULL, NULL), EMF_EINVAL, "advance: c NULL");
  check_int(metro_chain_advance(&c, NULL, obs, 4, NULL, NULL), EMF_EINVAL, "advance: logw NULL");
  check_int(metro_chain_advance(&c, lw, NULL, 4, NULL, NULL), EMF_EINVAL,
            "advance: obs NULL with nobs > 0");
  check_int(metro_chain_advance(&c, lw, obs, -1, NULL, NULL), EMF_EINVAL, "advance: n < 0");
  check_int(metro_chain_advance(&c, lw, obs, 0, NULL, NULL), EMF_SUCCESS, "advance: n = 0");
  check_int(c.next, 0, "advance: n = 0 changes nothing");
  c.next = ((int64_t)1 << 32) - 3;
  c.cur = c.next - 1;
  c.logw_cur = 0.0;
  memcpy(&keep, &c, sizeof c);
  check_int(metro_chain_advance(&c, lw, obs, 4, series, state), EMF_ERANGE,
            "advance: past 2^32 proposals");
  check_bits(&c, &keep, sizeof c, "advance: chain unchanged on error");
  check_int(metro_chain_advance(&c, lw, obs, 3, series, state), EMF_SUCCESS,
            "advance: up to proposal 2^32 - 1");

  check_int(metro_imh_run(lw, obs, 4, 1, 1, 0, 0, 1.5, NULL, NULL, NULL), EMF_EINVAL, "run: r NULL");
  check_int(metro_imh_run(NULL, obs, 4, 1, 1, 0, 0, 1.5, NULL, NULL, &r), EMF_EINVAL, "run: logw NULL");
  check_int(metro_imh_run(lw, NULL, 4, 1, 1, 0, 0, 1.5, NULL, NULL, &r), EMF_EINVAL, "run: obs NULL");
  check_int(metro_imh_run(lw, obs, 4, 1, 1, 0, 3, 1.5, NULL, NULL, &r), EMF_EINVAL,
            "run: fewer than 2 steps after burn-in");
  check_int(metro_imh_run(lw, obs, 4, 1, 1, 0, -1, 1.5, NULL, NULL, &r), EMF_EINVAL, "run: nburn < 0");
  check_int(metro_imh_run(lw, obs, 4, 1, 1, 0, 0, -1.0, NULL, NULL, &r), EMF_EINVAL, "run: S < 0");
  check_int(metro_imh_run(lw, obs, 4, METRO_NOBS_MAX + 1, 1, 0, 0, 1.5, NULL, NULL, &r),
            EMF_EINVAL, "run: nobs too large");
  check_true(isnan(r.acceptance), "run: acceptance NaN after an error");
  check_int(metro_imh_run(lw, obs, 2, 1, 1, 0, 0, 1.5, series, state, &r), EMF_SUCCESS,
            "run: two steps, the first the start");
  check_int(r.n_decisions, 1, "run: the start is no decision");
  check_int(r.acc_status, EMF_EINVAL, "run: one decision is too few for stats_gamma");
  check_int(metro_imh_analyse(series, state, -1, 4, 1, 1.5, &r), EMF_EINVAL, "analyse: first < 0");
  check_int(metro_imh_analyse(series, NULL, 0, 4, 1, 1.5, &r), EMF_EINVAL, "analyse: state NULL");
  check_int(metro_imh_analyse(NULL, state, 0, 4, 1, 1.5, &r), EMF_EINVAL, "analyse: series NULL");
  check_int(metro_imh_analyse(series, state, 0, 1, 1, 1.5, &r), EMF_EINVAL, "analyse: n < 2");
  check_int(metro_imh_analyse(series, state, 0, 4, 1, NAN, &r), EMF_EINVAL, "analyse: S NaN");
  check_int(metro_imh_analyse(series, state, 0, 4, 1, 1.5, NULL), EMF_EINVAL, "analyse: r NULL");
}

int main(void)
{
  test_planned(20000, 0);
  test_planned(20000, 12345678901ULL);
  test_invalid();
  test_determinism(100000);
  test_errors();
  return check_finish("test_chain");
}
