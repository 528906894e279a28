/*******************************************************************************
 * metro.h: independence Metropolis (IMH) and reweighting of flow proposals.
 *
 * Input: for proposals i = 0, 1, 2, ... (a global, 0-based proposal index)
 * the log-weight logw[i] = -S(U_i) - log q(U_i) (DESIGN.md section 2) and
 * nobs observables obs[i*nobs + k] (row-major).  The IMH chain starts at
 * proposal 0 and accepts proposal i (i >= 1) with probability
 * min(1, w_i / w_current): accept iff log u < logw[i] - logw_current, with u
 * the first rng_uniform of the stream (seed, RNG_METRO, index = chain id,
 * step = i).  One stream per decision: the decision for proposal i depends
 * only on (seed, chain, i, logw[i], current state), never on how the
 * proposals were produced or split into batches.
 *
 * Invalid log-weights: NaN or +inf ("invalid") are never accepted; -inf
 * ("zero") is a proposal of weight zero, never accepted from a state of
 * positive weight.  Both are counted.  When proposal 0 is invalid the chain
 * starts there with weight zero.  The reweighting in metro_summary_compute
 * gives invalid proposals weight zero as well (doc/metro.md).
 *
 * Everything is local (no MPI).  Formulas and choices: doc/metro.md.
 ******************************************************************************/
#ifndef METRO_H
#define METRO_H

#include <stdint.h>
#include "global.h"
#include "stats.h"

#define METRO_NOBS_MAX 32   /* most observables per proposal */

/* Resumable chain state: plain data, no pointers, so a checkpoint may store
 * it field by field and continue the chain bit for bit. */
typedef struct {
  uint64_t seed;           /* run seed */
  uint64_t chain;          /* chain id: the RNG stream index */
  int nobs;                /* observables per proposal */
  int64_t next;            /* global index of the next proposal */
  int64_t cur;             /* global index of the current state (-1: none) */
  double logw_cur;         /* its log-weight (-inf for an invalid start) */
  double obs_cur[METRO_NOBS_MAX]; /* its observables */
  int64_t n_decisions;     /* proposals i >= 1 seen */
  int64_t n_accept;        /* of those, accepted */
  int64_t n_invalid;       /* proposals with log-weight NaN or +inf */
  int64_t n_zero;          /* proposals with log-weight -inf */
  int64_t rej_run;         /* current run of consecutive rejections */
  int64_t rej_run_max;     /* longest run of consecutive rejections */
} metro_chain_t;

/* Analysis of a stretch of the chain. */
typedef struct {
  long n;                  /* steps analysed (after burn-in) */
  long n_decisions;        /* accept/reject decisions among them */
  long n_accept;           /* accepted decisions */
  long n_invalid;          /* proposals with NaN / +inf log-weight */
  long n_zero;             /* proposals with -inf log-weight */
  long rej_run_max;        /* longest run of consecutive rejections */
  double acceptance;       /* n_accept / n_decisions */
  stats_gamma_t acc;       /* Gamma analysis of the 0/1 acceptance series */
  int acc_status;          /* its stats_gamma return code */
  int nobs;
  stats_gamma_t obs[METRO_NOBS_MAX]; /* chain means: Gamma errors, tau_int */
  int obs_status[METRO_NOBS_MAX];    /* stats_gamma return codes */
} metro_imh_t;

/* Everything for one set of proposals. */
typedef struct {
  long n;                  /* proposals */
  long n_invalid, n_zero;  /* NaN/+inf and -inf log-weights */
  double ess;              /* (sum w)^2 / (n sum w^2), stats_reweight */
  double logz, dlogz;      /* log mean w and its error */
  double logw_max;         /* largest finite log-weight */
  double logw_min;         /* smallest finite log-weight */
  double logw_spread;      /* logw_max - logw_min */
  double logw_std;         /* standard deviation of the finite log-weights */
  int nobs;
  stats_reweight_t rw[METRO_NOBS_MAX]; /* reweighted means, delta-method errors */
  metro_imh_t imh;         /* IMH chain analysis */
} metro_summary_t;

/* Log-density error report: log q against a tighter-tolerance run. */
typedef struct {
  long n;                  /* samples */
  long n_bad;              /* samples with a non-finite log q or action */
  double max_abs;          /* max |log q - log q_ref| over good samples */
  double rms;              /* sqrt(mean (log q - log q_ref)^2) */
  double mean;             /* mean (log q - log q_ref) */
  double ess, ess_ref;     /* ESS with log w = -S - log q and with the ref */
  double dess;             /* ess - ess_ref */
  double logz, logz_ref;   /* log Z estimates of both */
} metro_logq_error_t;

/* Cost per independent sample: seconds / (n / (2 tau_int)). */
typedef struct {
  double seconds;          /* cost of the n steps */
  long n;                  /* steps */
  double tau_int, dtau_int;
  double n_indep;          /* n / (2 tau_int) */
  double cost, dcost;      /* seconds per independent sample, its error */
} metro_cost_t;

/* chain.c */
int metro_chain_init(metro_chain_t *c, uint64_t seed, uint64_t chain, int nobs);
int metro_chain_advance(metro_chain_t *c, const double *logw, const double *obs,
                        long n, double *series, int64_t *state);

/* imh.c */
int metro_imh_analyse(const double *series, const int64_t *state, int64_t first,
                      long n, int nobs, double S, metro_imh_t *r);
int metro_imh_run(const double *logw, const double *obs, long n, int nobs,
                  uint64_t seed, uint64_t chain, long nburn, double S,
                  double *series, int64_t *state, metro_imh_t *r);

/* summary.c */
int metro_summary_compute(const double *logw, const double *obs, long n, int nobs,
                          uint64_t seed, uint64_t chain, long nburn, double S,
                          metro_summary_t *s);
int metro_logq_error(const double *logq, const double *logq_ref,
                     const double *action, const double *action_ref, long n,
                     metro_logq_error_t *r);

/* cost.c */
int metro_cost_from_tau(double seconds, long n, double tau_int, double dtau_int,
                        metro_cost_t *c);
int metro_cost_imh(double seconds, const metro_imh_t *r, int k, metro_cost_t *c);
int metro_cost_series(const double *x, long n, double seconds, double S,
                      metro_cost_t *c);

#endif
