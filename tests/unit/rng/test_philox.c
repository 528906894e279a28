/*******************************************************************************
 * test_philox.c: Philox4x32-10 known answers and the documented stream
 * layout of rng.c.
 *
 * 1. Random123 known-answer vectors for philox4x32 with 10 rounds, from the
 *    kat_vectors file of the Random123 distribution (as quoted in
 *    DEShawResearch's core123 unit test ut_philox.cpp): counter and key all
 *    0, all 0xffffffff, and the digits of pi.
 * 2. The layout: for several streams with high bits set in seed, index and
 *    step, the words from rng_u32 are compared with philox4x32_R(10, ctr,
 *    key) called here directly with key = (seed_lo, seed_hi), ctr =
 *    (index_lo, index_hi, step, purpose << 24 | block), block = 0..5.  Also
 *    four recorded words of one stream, so that a change in Random123
 *    itself is caught too.
 * 3. rng_uniform = k 2^-53 with k = (w0 >> 5) 2^26 + (w1 >> 6) from the
 *    stream's words (bit-exact), rng_gaussian = Box-Muller of two such
 *    uniforms (cos first, then the sin spare; 1e-15 relative), and
 *    rng_gaussians = repeated rng_gaussian (bit-exact).
 * 4. The block counter wraps within its 24 bits and leaves the purpose
 *    byte alone; purpose is used modulo 256.
 ******************************************************************************/
#include <math.h>
#include <Random123/philox.h>
#include "check.h"
#include "rng.h"

static void check_kat(void)
{
  static const uint32_t kat[3][10] = {
      {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
      {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
       0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
      {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
       0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};
  for (int t = 0; t < 3; t++) {
    philox4x32_ctr_t c = {{kat[t][0], kat[t][1], kat[t][2], kat[t][3]}};
    philox4x32_key_t k = {{kat[t][4], kat[t][5]}};
    philox4x32_ctr_t r = philox4x32_R(10, c, k);
    for (int i = 0; i < 4; i++)
      check_int(r.v[i], kat[t][6 + i], "Random123 KAT %d word %d", t, i);
  }
}

static uint32_t philox_word(uint64_t seed, uint32_t purpose, uint64_t index, uint32_t step,
                            uint32_t block, int w)
{
  philox4x32_ctr_t c = {{(uint32_t)index, (uint32_t)(index >> 32), step,
                         purpose << 24 | block}};
  philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
  return philox4x32_R(10, c, k).v[w];
}

static void check_layout(void)
{
  static const struct { uint64_t seed; uint32_t purpose; uint64_t index; uint32_t step; } st[] = {
      {0x0123456789abcdefull, RNG_MOMENTA, 0xfedcba9876543210ull, 0xdeadbeefu},
      {1234, RNG_HOT_START, 17, 0},
      {0xffffffffffffffffull, 255, 0xffffffffffffffffull, 0xffffffffu},
      {0, RNG_TEST, 0, 0}};
  for (size_t t = 0; t < sizeof st / sizeof st[0]; t++) {
    rng_stream_t s;
    rng_stream_init(&s, st[t].seed, st[t].purpose, st[t].index, st[t].step);
    int bad = 0;
    for (uint32_t b = 0; b < 6; b++)
      for (int w = 0; w < 4; w++) {
        uint32_t got = rng_u32(&s);
        bad += got != philox_word(st[t].seed, st[t].purpose, st[t].index, st[t].step, b, w);
      }
    check_int(bad, 0, "stream %zu: 24 words = philox(ctr, key) of the documented layout", t);
  }
  /* recorded: first words of (seed 0x0123456789abcdef, RNG_MOMENTA,
   * index 0xfedcba9876543210, step 0xdeadbeef) */
  static const uint32_t rec[4] = {0xbd1e3f84, 0xa0ff3c3a, 0x8acc8e90, 0x88921c90};
  rng_stream_t s;
  rng_stream_init(&s, 0x0123456789abcdefull, RNG_MOMENTA, 0xfedcba9876543210ull, 0xdeadbeefu);
  for (int i = 0; i < 4; i++) check_int(rng_u32(&s), rec[i], "recorded stream word %d", i);
}

static void check_transforms(void)
{
  rng_stream_t s, r;
  rng_stream_init(&s, 77, RNG_TEST, 5, 9);
  rng_stream_init(&r, 77, RNG_TEST, 5, 9);
  int bad = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t a = rng_u32(&r) >> 5, b = rng_u32(&r) >> 6;
    double want = (double)((a << 26) | b) * 0x1p-53;
    double got = rng_uniform(&s);
    bad += !(got == want);
  }
  check_int(bad, 0, "rng_uniform = ((w0>>5) 2^26 + (w1>>6)) 2^-53, 1000 draws");

  rng_stream_init(&s, 77, RNG_TEST, 6, 9);
  rng_stream_init(&r, 77, RNG_TEST, 6, 9);
  double err = 0.0;
  for (int i = 0; i < 500; i++) {
    double u1 = rng_uniform(&r), u2 = rng_uniform(&r);
    double rad = sqrt(-2.0 * log(u1)), phi = 2.0 * M_PI * u2;
    double g1 = rng_gaussian(&s), g2 = rng_gaussian(&s);
    err = fmax(err, fabs(g1 - rad * cos(phi)) / fmax(1.0, fabs(g1)));
    err = fmax(err, fabs(g2 - rad * sin(phi)) / fmax(1.0, fabs(g2)));
  }
  check_abs(err, 0, 1e-15, "rng_gaussian = Box-Muller (cos, then sin spare)");

  double g[257], h[257];
  rng_stream_init(&s, 5, RNG_TEST, 1, 2);
  rng_stream_init(&r, 5, RNG_TEST, 1, 2);
  rng_gaussians(&s, g, 257);
  for (int i = 0; i < 257; i++) h[i] = rng_gaussian(&r);
  check_bits(g, h, sizeof g, "rng_gaussians = repeated rng_gaussian (odd count)");
  check_bits(&s, &r, sizeof s, "same stream state afterwards (spare included)");
}

static void check_counter_bits(void)
{
  rng_stream_t s;
  rng_stream_init(&s, 99, RNG_METRO, 3, 4);
  s.ctr[3] = (uint32_t)RNG_METRO << 24 | 0xffffffu;  /* last block */
  int bad = 0;
  for (int w = 0; w < 4; w++) bad += rng_u32(&s) != philox_word(99, RNG_METRO, 3, 4, 0xffffff, w);
  for (int w = 0; w < 4; w++) bad += rng_u32(&s) != philox_word(99, RNG_METRO, 3, 4, 0, w);
  check_int(bad, 0, "block counter wraps 0xffffff -> 0");
  check_int(s.ctr[3] >> 24, RNG_METRO, "purpose byte unchanged by the wrap");
  check_int(s.ctr[3] & 0xffffff, 1, "block counter = 1 after two blocks");

  rng_stream_t a, b;
  rng_stream_init(&a, 1, 0x100 | RNG_TRAIN, 2, 3);
  rng_stream_init(&b, 1, RNG_TRAIN, 2, 3);
  check_bits(&a, &b, sizeof a, "purpose used modulo 256");
}

int main(void)
{
  check_kat();
  check_layout();
  check_transforms();
  check_counter_bits();
  return check_finish("unit/rng/test_philox");
}
