/*******************************************************************************
 * rng.c: counter-based random streams on Random123's Philox4x32-10.
 *
 * A stream is a pure function of (seed, purpose, index, step); see rng.h
 * and doc/rng.md for the layout:
 *   key     = (seed & 0xffffffff, seed >> 32)
 *   counter = (index & 0xffffffff, index >> 32, step,
 *              (purpose & 0xff) << 24 | block)
 * The stream's words are philox4x32_10(counter, key).v[0..3] for block =
 * 0, 1, 2, ..., in that order.
 *
 * void rng_stream_init(rng_stream_t *s, uint64_t seed, uint32_t purpose,
 *                      uint64_t index, uint32_t step)
 *   Sets s to the start of stream (seed, purpose, index, step).  purpose
 *   must be below 256 (only its low 8 bits are used).
 *
 * uint32_t rng_u32(rng_stream_t *s)
 *   The next 32-bit word of the stream.  The block counter has 24 bits
 *   (2^26 words per stream); past that it wraps within its 24 bits, so an
 *   over-long stream repeats itself but never runs into another purpose's
 *   counters.
 *
 * double rng_uniform(rng_stream_t *s)
 *   Uniform in the open interval (0, 1) from the next two words: the 53-bit
 *   integer k = (w0 >> 5) 2^26 + (w1 >> 6) gives k 2^-53, and k = 0 is
 *   rejected (two more words drawn; probability 2^-53).  So the result is
 *   one of the 2^53 - 1 equally likely values j 2^-53, j = 1..2^53-1, all
 *   exactly representable: never 0 or 1, mean exactly 1/2.
 *
 * double rng_gaussian(rng_stream_t *s)
 *   Standard normal by Box-Muller: u1, u2 = two rng_uniform calls,
 *   r = sqrt(-2 ln u1), returns r cos(2 pi u2) and keeps r sin(2 pi u2) as
 *   the stream's spare for the next call.  The spare belongs to the stream
 *   (no hidden global state), so the numbers stay a function of the stream.
 *
 * void rng_gaussians(rng_stream_t *s, double *out, int n)
 *   out[i] = rng_gaussian(s) for i = 0..n-1.
 *
 * int rng_haar_sun(rng_stream_t *s, int n, cplx_t *u)
 *   Haar-random SU(n): 2 n^2 normals from the stream (rng_gaussians), then
 *   sun_haar_from_gaussians.  On EMF_EDOM (singular draw, probability
 *   ~1e-24) draws again, up to 16 times.  Returns EMF_SUCCESS, EMF_EINVAL
 *   for a bad n, or EMF_EDOM if 16 draws in a row failed.
 *
 * Context: local, allocation-free; a stream must not be shared between
 * threads, distinct streams are independent objects.  Nothing depends on
 * the MPI rank or process grid.
 ******************************************************************************/
#include <math.h>
#include "rng.h"
#include "sun.h"
#include "rng_philox.h"

#define RNG_BLOCK_MASK 0xffffffu

void rng_stream_init(rng_stream_t *s, uint64_t seed, uint32_t purpose,
                     uint64_t index, uint32_t step)
{
  s->key[0] = (uint32_t)(seed & 0xffffffffu);
  s->key[1] = (uint32_t)(seed >> 32);
  s->ctr[0] = (uint32_t)(index & 0xffffffffu);
  s->ctr[1] = (uint32_t)(index >> 32);
  s->ctr[2] = step;
  s->ctr[3] = (purpose & 0xffu) << 24;
  for (int i = 0; i < 4; i++) s->out[i] = 0;
  s->used = 4;
  s->have_spare = 0;
  s->spare = 0.0;
}

static void rng_next_block(rng_stream_t *s)
{
  philox4x32_ctr_t c = {{s->ctr[0], s->ctr[1], s->ctr[2], s->ctr[3]}};
  philox4x32_key_t k = {{s->key[0], s->key[1]}};
  philox4x32_ctr_t r = philox4x32_R(10, c, k);
  for (int i = 0; i < 4; i++) s->out[i] = r.v[i];
  s->used = 0;
  uint32_t block = (s->ctr[3] + 1u) & RNG_BLOCK_MASK;
  s->ctr[3] = (s->ctr[3] & ~RNG_BLOCK_MASK) | block;
}

uint32_t rng_u32(rng_stream_t *s)
{
  if (s->used >= 4) rng_next_block(s);
  return s->out[s->used++];
}

double rng_uniform(rng_stream_t *s)
{
  for (;;) {
    uint64_t a = rng_u32(s) >> 5, b = rng_u32(s) >> 6;
    uint64_t k = (a << 26) | b;
    if (k != 0) return (double)k * 0x1p-53;
  }
}

double rng_gaussian(rng_stream_t *s)
{
  if (s->have_spare) {
    s->have_spare = 0;
    return s->spare;
  }
  double u1 = rng_uniform(s), u2 = rng_uniform(s);
  double r = sqrt(-2.0 * log(u1));
  double phi = 2.0 * M_PI * u2;
  s->spare = r * sin(phi);
  s->have_spare = 1;
  return r * cos(phi);
}

void rng_gaussians(rng_stream_t *s, double *out, int n)
{
  for (int i = 0; i < n; i++) out[i] = rng_gaussian(s);
}

int rng_haar_sun(rng_stream_t *s, int n, cplx_t *u)
{
  if (n < 2 || n > EMF_NMAX) return EMF_EINVAL;
  double g[2 * EMF_NMAX * EMF_NMAX];
  int status = EMF_EDOM;
  for (int tries = 0; tries < 16 && status == EMF_EDOM; tries++) {
    rng_gaussians(s, g, 2 * n * n);
    status = sun_haar_from_gaussians(n, u, g);
  }
  return status;
}
