/*******************************************************************************
 * rng.h: counter-based random numbers (Random123 Philox4x32-10).
 *
 * A stream is identified by (seed, purpose, index, step):
 *   seed     the run's seed (run.seed, 64 bit)
 *   purpose  what the numbers are for (rng_purpose_t below)
 *   index    the global site, link or sample index the numbers belong to
 *   step     trajectory / training step / sample number
 * and yields as many numbers as needed.  The numbers depend only on these
 * four values, never on the rank that draws them, so the same seed gives the
 * same configuration on any number of ranks and any process grid.  Nothing
 * but (seed, step) needs saving in a checkpoint.
 *
 * Layout (doc/rng.md): key = (seed_lo, seed_hi); counter = (index_lo,
 * index_hi, step, purpose << 24 | block), block = 0, 1, 2, ... counts the
 * 4-word Philox outputs consumed by the stream (at most 2^24 per stream).
 ******************************************************************************/
#ifndef RNG_H
#define RNG_H

#include <stdint.h>
#include "global.h"

typedef enum {
  RNG_TEST = 1,        /* tests */
  RNG_HOT_START = 2,   /* hot start: Haar links, index = global link */
  RNG_MOMENTA = 3,     /* HMC momenta, index = global link, step = trajectory */
  RNG_ACCEPT = 4,      /* accept/reject uniforms, index 0, step = trajectory */
  RNG_FLOW_PRIOR = 5,  /* flow prior samples, index = sample*n_links + link */
  RNG_TRAIN = 6,       /* training batches, index = sample*n_links + link */
  RNG_METRO = 7,       /* independence Metropolis uniforms */
  RNG_MISC = 8         /* anything else (document where it is used) */
} rng_purpose_t;

typedef struct {
  uint32_t key[2];
  uint32_t ctr[4];
  uint32_t out[4];  /* current block of output */
  int used;         /* words of out already consumed (4: draw a new block) */
  int have_spare;   /* Box-Muller spare */
  double spare;
} rng_stream_t;

/* rng.c */
void rng_stream_init(rng_stream_t *s, uint64_t seed, uint32_t purpose,
                     uint64_t index, uint32_t step);
uint32_t rng_u32(rng_stream_t *s);
/* Uniform in the open interval (0, 1), 53 random bits. */
double rng_uniform(rng_stream_t *s);
/* Standard normal (Box-Muller on two uniforms). */
double rng_gaussian(rng_stream_t *s);
void rng_gaussians(rng_stream_t *s, double *out, int n);
/* Haar-random SU(n) (sun_haar_from_gaussians on 2 n^2 normals).  Returns the
 * status of sun_haar_from_gaussians (redraws internally on EMF_EDOM). */
int rng_haar_sun(rng_stream_t *s, int n, cplx_t *u);

#endif
