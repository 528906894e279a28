/*******************************************************************************
 * chain.c: the independence Metropolis chain on flow proposals, resumable.
 *
 * int metro_chain_init(metro_chain_t *c, uint64_t seed, uint64_t chain,
 *                      int nobs)
 *   Sets c to an empty chain (no proposal seen; the next proposal has global
 *   index 0) for run seed `seed`, chain id `chain` (the index of its RNG
 *   streams) and nobs observables per proposal.  Returns EMF_SUCCESS or
 *   EMF_EINVAL (c NULL, nobs < 0 or nobs > METRO_NOBS_MAX).
 *
 * int metro_chain_advance(metro_chain_t *c, const double *logw,
 *                         const double *obs, long n, double *series,
 *                         int64_t *state)
 *   Feeds the chain the n proposals with global indices i = c->next ..
 *   c->next + n - 1: log-weights logw[j] and observables obs[j*nobs + k]
 *   (j = i - c->next; obs may be NULL when nobs == 0).  Proposal 0 is the
 *   start (no decision).  For i >= 1: a proposal with log-weight NaN or
 *   +inf is rejected; otherwise d = logw[j] - logw_cur and the proposal is
 *   accepted iff d >= 0 or log u < d, u = rng_uniform of the stream
 *   (c->seed, RNG_METRO, c->chain, i) (a NaN d, from -inf - (-inf), is a
 *   rejection).  After the decision, series[j*nobs + k] (if series is not
 *   NULL) receives the current state's observables and state[j] (if not
 *   NULL) its global index.  The counters in c (decisions, acceptances,
 *   invalid and zero log-weights, rejection runs) are updated and c->next
 *   advances by n.  Calling it on one array or on consecutive pieces of it
 *   gives bit-identical series, states and final c.
 *   Returns EMF_SUCCESS, EMF_EINVAL (c or logw NULL, obs NULL with nobs > 0,
 *   n < 0, c->nobs out of range) or EMF_ERANGE (c->next + n > 2^32: the
 *   RNG step field has 32 bits); on error c is unchanged.
 *
 * Context: local, allocation-free, thread-safe for distinct c.  The
 * observables are copied as given (they may be NaN for invalid proposals).
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "rng.h"
#include "metro.h"

#define METRO_MAX_PROPOSALS ((int64_t)1 << 32)

int metro_chain_init(metro_chain_t *c, uint64_t seed, uint64_t chain, int nobs)
{
  if (c == NULL || nobs < 0 || nobs > METRO_NOBS_MAX) return EMF_EINVAL;
  memset(c, 0, sizeof *c);
  c->seed = seed;
  c->chain = chain;
  c->nobs = nobs;
  c->next = 0;
  c->cur = -1;
  c->logw_cur = NAN;
  for (int k = 0; k < METRO_NOBS_MAX; k++) c->obs_cur[k] = NAN;
  return EMF_SUCCESS;
}

static void take_state(metro_chain_t *c, int64_t i, double lw, const double *o)
{
  c->cur = i;
  c->logw_cur = lw;
  for (int k = 0; k < c->nobs; k++) c->obs_cur[k] = o[k];
}

int metro_chain_advance(metro_chain_t *c, const double *logw, const double *obs,
                        long n, double *series, int64_t *state)
{
  int nobs;

  if (c == NULL || logw == NULL || n < 0) return EMF_EINVAL;
  nobs = c->nobs;
  if (nobs < 0 || nobs > METRO_NOBS_MAX || (nobs > 0 && obs == NULL)) return EMF_EINVAL;
  if (c->next < 0 || (int64_t)n > METRO_MAX_PROPOSALS - c->next) return EMF_ERANGE;

  for (long j = 0; j < n; j++) {
    int64_t i = c->next + j;
    double lw = logw[j];
    const double *o = obs != NULL ? obs + (size_t)j * (size_t)nobs : NULL;
    int invalid = isnan(lw) || lw == INFINITY;

    if (invalid) c->n_invalid++;
    else if (lw == -INFINITY) c->n_zero++;

    if (i == 0) {
      /* the start: an invalid start has weight zero */
      take_state(c, 0, invalid ? -INFINITY : lw, o);
    } else {
      int accept = 0;
      c->n_decisions++;
      if (!invalid) {
        double d = lw - c->logw_cur;
        if (d >= 0.0) {
          accept = 1;
        } else {
          rng_stream_t s;
          rng_stream_init(&s, c->seed, RNG_METRO, c->chain, (uint32_t)i);
          accept = log(rng_uniform(&s)) < d;
        }
      }
      if (accept) {
        take_state(c, i, lw, o);
        c->n_accept++;
        c->rej_run = 0;
      } else {
        c->rej_run++;
        if (c->rej_run > c->rej_run_max) c->rej_run_max = c->rej_run;
      }
    }
    if (series != NULL)
      for (int k = 0; k < nobs; k++) series[(size_t)j * (size_t)nobs + k] = c->obs_cur[k];
    if (state != NULL) state[j] = c->cur;
  }
  c->next += n;
  return EMF_SUCCESS;
}
