/*******************************************************************************
 * wilson_su3.c: the Wilson force specialised to SU(3) (the HMC hot path and
 * the only SU(3) Wilson kernel: pot_wilson_eval calls it too), in two
 * implementations that give the same bits: the plain one, site by site,
 * and the site-vectorised one (4 sites per AVX2 register) that HMC uses.
 *
 * int wilson_force_su3(const action_t *a, const gauge_t *u, double *f, int add)
 *   Same contract as the "force" entry of the "wilson" type (wilson.c),
 *   for N = 3 only: f_a = (beta/6) x_a(U_l Sigma).  The D links of a site
 *   are done together (site_su3): the upper staples enter through the
 *   plaquettes P based at the site (U_mu(x) times the upper staple of
 *   plane nu is P; for U_nu(x) it is P^+, whose projection is -x_a(P)),
 *   the lower staples are summed per link; 46 products per site in 4D
 *   instead of 52.  Sum order per link (fixed by the lattice, never by the
 *   grid or the code path):
 *     X_mu = sum over planes (m, n), m < n, lexicographic, of +P (mu = m)
 *            or -P (mu = n), the first term assigned, then
 *     lo = sum_{nu != mu, ascending} [U_mu(x-nu) U_nu(x-nu+mu)]^+ U_nu(x-nu)
 *            (the first term assigned), X_mu += U_mu(x) lo,
 *     f = c x(X_mu) (or f + c x(X_mu)), x as in su3_to_alg.
 *   The 3x3 complex products are inlined: AVX2/FMA intrinsics (rows of the
 *   right factor in registers, adjoints folded into the loads) when the
 *   build targets AVX2 and FMA (the default -march=x86-64-v3), else
 *   straight-line real arithmetic with explicit fma() (the -std=c11 build
 *   does not contract a*b+c by itself).  Per element of a product the
 *   AVX2 version computes re = (ar0 br0 + ar1 br1 + ar2 br2) -
 *   (ai0 bi0 + ai1 bi1 + ai2 bi2), im = (ar0 bi0 + ...) + (ai0 br0 + ...),
 *   each sum a product and two FMAs in k order, signs of conjugation folded
 *   in exactly; the vectorised kernel repeats exactly these operations.
 *   Nothing is allocated.  Returns EMF_SUCCESS.
 *
 * int wilson_value_force_su3(const gauge_t *u, double beta, qsum_t *s, double *f)
 *   The same pass for action_wilson_value_force_all: *s += -(beta/3) times
 *   the sum of Re tr P over the plaquettes of each owned site (one
 *   qsum_add per site) if s != NULL; f = the force if f != NULL.  Returns
 *   EMF_SUCCESS.
 *
 * int wilson_su3_ws_usable(const gauge_t *u)
 * action_ws_t *wilson_su3_ws_alloc(const gauge_t *u)
 * void wilson_su3_ws_free(action_ws_t *w)
 * int wilson_su3_ws_self_halo(const action_ws_t *w, const gauge_t *u)
 * int wilson_force_su3_ws(const action_t *a, const gauge_t *u, double *f,
 *                         int add, action_ws_t *w)
 *   The site-vectorised force (AVX2/FMA builds; elsewhere ws_alloc returns
 *   NULL and the force is wilson_force_su3).  Usable for N = 3, D >= 2 and
 *   a local extent l[0] that is a multiple of 4.  Layout ("virtual
 *   nodes", as in Grid): direction 0 of the local box is cut into 4 chunks
 *   of c = l[0]/4 sites; lane k of a block holds the site x0 + k c, so a
 *   block is (x0 < c, x1, x2, x3) and every neighbour is the same lane of
 *   the neighbouring block, except across a chunk end in direction 0,
 *   where it is a lane rotation of the block at the other end of the chunk
 *   with the missing lane taken from the link halo.  The links are copied
 *   into this structure-of-arrays form (18 vectors per link: entry (i,j)
 *   re, im of the 4 lanes) plane by plane (x1) into a ring of three planes
 *   (with their halos in directions 2 and 3), just ahead of the plane being
 *   computed, so the copy stays in the cache; the force is written back to
 *   f in the order of g->owned.  The lower staple of link (x, mu) in plane
 *   nu starts with L_{mu,nu}(x-nu) = U_mu(x-nu) U_nu(x-nu+mu), one of the
 *   12 L-shaped products the block x - nu forms for its plaquettes; these
 *   are kept (the L_{., nu} of a plane for nu = 1, of a row for nu = 2, of
 *   a cell of c blocks for nu = 3 and 0) and reused, so a 4D site costs
 *   12 L + 6 plaquette + 12 staple + 4 products = 34 instead of 46 (plus
 *   the L_{., nu} of the halo blocks just below the box: about 1 more per
 *   site at 8^4).  Two passes per cell: L products, plaquettes and X for
 *   its c blocks, then their lower staples (the block x0 = 0 takes the
 *   L_{., 0} of x0 = c-1 rotated by one lane, lane 0 from the plain
 *   product at the site before the local box).  Per lane the vector code does exactly the
 *   operations of wilson_force_su3 (same products, same chains of
 *   mul/FMA, same additions in the same order), so the result is the same
 *   bits on any grid and on either path (tests/mpi/action/check_force_simd
 *   compares them with memcmp).  ws_self_halo: on a grid that splits no
 *   direction the copy reads the periodic images of the halo sites in the
 *   owned box, so action_force_ws_all skips the halo exchange.
 *   ws_alloc returns NULL when not usable or out of memory; force_su3_ws
 *   with w NULL or made for another geometry calls wilson_force_su3.
 *
 * int wilson_su3_box_usable(const action_ws_t *w, const gauge_t *u)
 * void wilson_su3_box_load(action_ws_t *w, const gauge_t *u, const double *p)
 * void wilson_su3_box_store(action_ws_t *w, gauge_t *u, double *p)
 * int wilson_force_su3_box(const action_t *a, const gauge_t *u, double *f,
 *                          int add, double kc, action_ws_t *w)
 * int wilson_su3_box_drift(action_ws_t *w, double c)
 * void wilson_su3_ws_set_slab(action_ws_t *w, int rows)
 *   The links and momenta kept in the vector layout over an MD integration
 *   (HMC), on a grid that splits no direction (usable: w made for u's
 *   geometry there; ws_alloc then also allocates the box, as much memory
 *   as the owned links and momenta).  load copies u's owned links and the
 *   momenta p (layout of action.h, NULL: none) into blocks (x0 < c, y1, y2,
 *   y3) of the whole local box, [D][18] and [D][8] vectors per block;
 *   store copies them back (halos untouched).  force_su3_box is the force
 *   above read from the box: plane pointers into it, every neighbour by
 *   periodic wrap (the halo L products of plane x1 = 0, of the row below a
 *   slab and of the cell x3 = 0 are those of the wrapped blocks), across a
 *   chunk end in direction 0 a pure lane rotation; direction 2 in slabs of
 *   w->slab rows (slab_rows: three planes of a slab with its halo rows in
 *   WILSON_SLAB_BYTES; set_slab overrides, rows < 1 the default), each
 *   running x1 = 1..l1.  add 0, 1: f = or += the force; add 2: the kick
 *   P -= kc force on the momenta in the box, f unused, the force not
 *   stored (the operations of hmc_md_kick).  box_drift: U <- exp(c P) U on
 *   the box, four links per call of sun_su3_exp_mul_lanes (EMF_EDOM if a
 *   c P is not finite, those links untouched).  Same bits as the plain
 *   kernels, force, kick and exp_mul (tests/mpi/action/check_box).
 *
 * Context: local; link halos (depth >= 1) must be current, except for the
 * vectorised force when ws_self_halo is 1.  Called through wilson.c when
 * u->n == 3.
 ******************************************************************************/
#include <math.h>
#include "simd4.h"
#include "action_int.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

/* c (+)= op(a) op(b), op = identity or adjoint (da, db; constants at every
 * call, so each instance is straight-line code).  Row i of c is
 * sum_k op(a)_ik (row k of op(b)): the three rows of op(b) (rows of b, or
 * conjugated columns of b) sit in one 4-wide and one 2-wide register each
 * (re, im interleaved), with re/im-swapped copies; per row of c, 3 + 3
 * FMAs per register and one addsub:
 *   (sum re(a_ik) b_k) -/+ (sum im(a_ik) swap(b_k)),
 * where for op(a) = a^+ the second sum enters with the other sign. */
static inline __attribute__((always_inline)) void
m3_mul(double *restrict c, const double *restrict a, const double *restrict b,
       const int da, const int db, const int acc)
{
  __m256d b0, b1, b2;
  __m128d e0, e1, e2;
  if (db) {
    const __m256d cj = _mm256_set_pd(-0.0, 0.0, -0.0, 0.0);
    const __m128d cj2 = _mm_set_pd(-0.0, 0.0);
    b0 = _mm256_xor_pd(_mm256_loadu2_m128d(b + 6, b), cj);
    b1 = _mm256_xor_pd(_mm256_loadu2_m128d(b + 8, b + 2), cj);
    b2 = _mm256_xor_pd(_mm256_loadu2_m128d(b + 10, b + 4), cj);
    e0 = _mm_xor_pd(_mm_loadu_pd(b + 12), cj2);
    e1 = _mm_xor_pd(_mm_loadu_pd(b + 14), cj2);
    e2 = _mm_xor_pd(_mm_loadu_pd(b + 16), cj2);
  } else {
    b0 = _mm256_loadu_pd(b);
    b1 = _mm256_loadu_pd(b + 6);
    b2 = _mm256_loadu_pd(b + 12);
    e0 = _mm_loadu_pd(b + 4);
    e1 = _mm_loadu_pd(b + 10);
    e2 = _mm_loadu_pd(b + 16);
  }
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++) {
    /* op(a)_ik at a + o_k (re) and a + o_k + 1 (im, conjugated if da) */
    const int o0 = da ? 2 * i : 6 * i, o1 = da ? 6 + 2 * i : 6 * i + 2,
              o2 = da ? 12 + 2 * i : 6 * i + 4;
    const __m256d r0 = _mm256_broadcast_sd(a + o0), i0 = _mm256_broadcast_sd(a + o0 + 1);
    const __m256d r1 = _mm256_broadcast_sd(a + o1), i1 = _mm256_broadcast_sd(a + o1 + 1);
    const __m256d r2 = _mm256_broadcast_sd(a + o2), i2 = _mm256_broadcast_sd(a + o2 + 1);
    __m256d x = _mm256_mul_pd(r0, b0);
    __m128d xe = _mm_mul_pd(_mm256_castpd256_pd128(r0), e0);
    x = _mm256_fmadd_pd(r1, b1, x);
    xe = _mm_fmadd_pd(_mm256_castpd256_pd128(r1), e1, xe);
    x = _mm256_fmadd_pd(r2, b2, x);
    xe = _mm_fmadd_pd(_mm256_castpd256_pd128(r2), e2, xe);
    __m256d y;
    __m128d ye;
    /* y = sum im(op(a)_ik) b_k, swapped once per row (the swap is exact,
     * so this equals the sum of im(op(a)_ik) swap(b_k)) */
    if (da) {
      y = _mm256_mul_pd(_mm256_xor_pd(i0, _mm256_set1_pd(-0.0)), b0);
      ye = _mm_mul_pd(_mm_xor_pd(_mm256_castpd256_pd128(i0), _mm_set1_pd(-0.0)), e0);
      y = _mm256_fnmadd_pd(i1, b1, y);
      ye = _mm_fnmadd_pd(_mm256_castpd256_pd128(i1), e1, ye);
      y = _mm256_fnmadd_pd(i2, b2, y);
      ye = _mm_fnmadd_pd(_mm256_castpd256_pd128(i2), e2, ye);
    } else {
      y = _mm256_mul_pd(i0, b0);
      ye = _mm_mul_pd(_mm256_castpd256_pd128(i0), e0);
      y = _mm256_fmadd_pd(i1, b1, y);
      ye = _mm_fmadd_pd(_mm256_castpd256_pd128(i1), e1, ye);
      y = _mm256_fmadd_pd(i2, b2, y);
      ye = _mm_fmadd_pd(_mm256_castpd256_pd128(i2), e2, ye);
    }
    __m256d z = _mm256_addsub_pd(x, _mm256_permute_pd(y, 5));
    __m128d ze = _mm_addsub_pd(xe, _mm_permute_pd(ye, 1));
    if (acc) {
      z = _mm256_add_pd(z, _mm256_loadu_pd(c + 6 * i));
      ze = _mm_add_pd(ze, _mm_loadu_pd(c + 6 * i + 4));
    }
    _mm256_storeu_pd(c + 6 * i, z);
    _mm_storeu_pd(c + 6 * i + 4, ze);
  }
}

#else

/* c (+)= op(a) op(b), portable straight-line version (flags as above). */
static inline __attribute__((always_inline)) void
m3_mul(double *restrict c, const double *restrict a, const double *restrict b,
       const int da, const int db, const int acc)
{
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++) {
#pragma GCC unroll 3
    for (int j = 0; j < 3; j++) {
      double re = 0.0, im = 0.0;
#pragma GCC unroll 3
      for (int k = 0; k < 3; k++) {
        const int ia = da ? 2 * (3 * k + i) : 2 * (3 * i + k);
        const int ib = db ? 2 * (3 * j + k) : 2 * (3 * k + j);
        const double xr = a[ia], xi = da ? -a[ia + 1] : a[ia + 1];
        const double yr = b[ib], yi = db ? -b[ib + 1] : b[ib + 1];
        re = fma(xr, yr, re);
        re = fma(-xi, yi, re);
        im = fma(xr, yi, im);
        im = fma(xi, yr, im);
      }
      c[2 * (3 * i + j)] = acc ? c[2 * (3 * i + j)] + re : re;
      c[2 * (3 * i + j) + 1] = acc ? c[2 * (3 * i + j) + 1] + im : im;
    }
  }
}

#endif

static inline const double *lnk(const gauge_t *u, long is, int mu)
{
  return (const double *)gauge_link(u, is, mu);
}

/* X[mu] = U_mu(x) Sigma_mu(x) for the D links of the owned site is, and
 * *plaq = sum_{mu<nu} Re tr P_{mu nu}(x).  The upper staples enter through
 * the plaquettes P = a b^+, a = U_mu(x) U_nu(x+mu), b = U_nu(x) U_mu(x+nu)
 * (mu < nu): U_mu(x) times the upper staple in plane nu is P, and U_nu(x)
 * times the upper staple in plane mu is P^+, of which only the projection
 * matters: x_a(P^+) = -x_a(P), so X_nu takes -P.  The lower staples are
 * summed per link, lo = sum_nu [U_mu(x-nu) U_nu(x-nu+mu)]^+ U_nu(x-nu), and
 * X_mu += U_mu(x) lo.  Order per link: planes (mu, nu) lexicographic, then
 * the lower staples nu ascending: fixed by the lattice, not by the grid.
 * 3 D (D-1)/2 + 2 D (D-1) + D products (46 in 4D). */
static inline __attribute__((always_inline)) void
site_su3(const gauge_t *u, long is, double (*X)[18], double *plaq)
{
  const geom_t *g = u->g;
  const int D = g->D;
  const long *up = g->up, *dn = g->dn;
  double a[18], b[18], p[18], lo[18];
  double re = 0.0;
  if (D < 2) { /* no plaquettes */
    for (int k = 0; k < 18; k++) X[0][k] = 0.0;
    *plaq = 0.0;
    return;
  }
  for (int mu = 0; mu < D; mu++) {
    const long xmu = up[is * D + mu];
    for (int nu = mu + 1; nu < D; nu++) {
      const long xnu = up[is * D + nu];
      m3_mul(a, lnk(u, is, mu), lnk(u, xmu, nu), 0, 0, 0);
      m3_mul(b, lnk(u, is, nu), lnk(u, xnu, mu), 0, 0, 0);
      m3_mul(p, a, b, 0, 1, 0);
      if (nu == mu + 1 && mu == 0)
        for (int k = 0; k < 18; k++) X[mu][k] = p[k];
      else
        for (int k = 0; k < 18; k++) X[mu][k] += p[k];
      if (mu == 0)
        for (int k = 0; k < 18; k++) X[nu][k] = -p[k];
      else
        for (int k = 0; k < 18; k++) X[nu][k] -= p[k];
      re += p[0] + p[8] + p[16];
    }
  }
  for (int mu = 0; mu < D; mu++) {
    const long xmu = up[is * D + mu];
    const int nu0 = mu == 0 ? 1 : 0;
    {
      const long xmnu = dn[is * D + nu0], xmu_mnu = dn[xmu * D + nu0];
      m3_mul(a, lnk(u, xmnu, mu), lnk(u, xmu_mnu, nu0), 0, 0, 0);
      m3_mul(lo, a, lnk(u, xmnu, nu0), 1, 0, 0);
    }
    for (int nu = nu0 + 1; nu < D; nu++) {
      if (nu == mu) continue;
      const long xmnu = dn[is * D + nu], xmu_mnu = dn[xmu * D + nu];
      m3_mul(a, lnk(u, xmnu, mu), lnk(u, xmu_mnu, nu), 0, 0, 0);
      m3_mul(lo, a, lnk(u, xmnu, nu), 1, 0, 1);
    }
    m3_mul(X[mu], lnk(u, is, mu), lo, 0, 0, 1);
  }
  *plaq = re;
}

/* f (+)= c x(X) per link; *s += cs (sum of Re tr P) per site if s != NULL */
static void force_loop(const gauge_t *u, double c, double *f, int add, qsum_t *s,
                       double cs)
{
  const geom_t *g = u->g;
  const int D = g->D;
  double X[EMF_DMAX][18], x[8], plaq;
  for (long i = 0; i < g->n_owned; i++) {
    site_su3(u, g->owned[i], X, &plaq);
    if (s != NULL) qsum_add(s, cs * plaq);
    if (f == NULL) continue;
    for (int mu = 0; mu < D; mu++) {
      u->su->to_alg(x, (const cplx_t *)X[mu]);
      double *fl = f + ((size_t)i * D + mu) * 8;
      if (add)
        for (int k = 0; k < 8; k++) fl[k] += c * x[k];
      else
        for (int k = 0; k < 8; k++) fl[k] = c * x[k];
    }
  }
}

int wilson_force_su3(const action_t *a, const gauge_t *u, double *f, int add)
{
  force_loop(u, a->beta / 6.0, f, add, NULL, 0.0);
  return EMF_SUCCESS;
}

int wilson_value_force_su3(const gauge_t *u, double beta, qsum_t *s, double *f)
{
  force_loop(u, beta / 6.0, f, 0, s, -beta / 3.0);
  return EMF_SUCCESS;
}

#if defined(__AVX2__) && defined(__FMA__)
/* ---- site-vectorised (SoA) path: 4 sites per AVX2 register ------------- */


#define ISQRT3_SOA 0.57735026918962576451 /* 1/sqrt(3), as in sun_su3.c */

/* s * sum_{k=0,1,2} a_k b_k, s = -1 if neg: first product rounded (then
 * negated, exactly), then two FMAs (fnmadd when neg).  This is, lane by
 * lane, the operation sequence of one element of m3_mul above (where the
 * sign comes from a conjugated or negated operand: (-a) b = -(a b) and
 * fma(-a, b, t) = fnmadd(a, b, t) exactly, zeros included). */
static inline __attribute__((always_inline)) v4 chain3(const int neg, v4 a0, v4 b0, v4 a1,
                                                       v4 b1, v4 a2, v4 b2)
{
  v4 t = _mm256_mul_pd(a0, b0);
  if (neg) {
    t = _mm256_xor_pd(t, _mm256_set1_pd(-0.0));
    t = _mm256_fnmadd_pd(a1, b1, t);
    return _mm256_fnmadd_pd(a2, b2, t);
  }
  t = _mm256_fmadd_pd(a1, b1, t);
  return _mm256_fmadd_pd(a2, b2, t);
}

/* c (+)= op(a) op(b) for 4 sites at once (18 vectors per matrix, element
 * (i,j) at 2(3i+j) (re) and 2(3i+j)+1 (im)).  Per lane bit-identical to
 * m3_mul(.., da, db, acc): with op(a)_ik = (ar, sa ai), op(b)_kj = (br, sb bi)
 *   re = sum ar br - [sa sb] sum ai bi,   im = [sb] sum ar bi + [sa] sum ai br
 * (each sum a chain3 in k order 0, 1, 2), then c + z when acc. */
static inline __attribute__((always_inline)) void
v3_mul(v4 *restrict c, const v4 *restrict a, const v4 *restrict b, const int da,
       const int db, const int acc)
{
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++) {
    /* a fresh copy of b per row: the compiler then reads b's entries as
     * memory operands instead of keeping (and spilling) them across rows;
     * op(a)'s row stays in registers */
    const v4 *bq = b;
    __asm__("" : "+r"(bq));
#pragma GCC unroll 3
    for (int j = 0; j < 3; j++) {
      const int a0 = 2 * (da ? i : 3 * i), a1 = 2 * (da ? 3 + i : 3 * i + 1),
                a2 = 2 * (da ? 6 + i : 3 * i + 2);
      const int b0 = 2 * (db ? 3 * j : j), b1 = 2 * (db ? 3 * j + 1 : 3 + j),
                b2 = 2 * (db ? 3 * j + 2 : 6 + j);
      const v4 xrr = chain3(0, a[a0], bq[b0], a[a1], bq[b1], a[a2], bq[b2]);
      const v4 xri = chain3(db, a[a0], bq[b0 + 1], a[a1], bq[b1 + 1], a[a2], bq[b2 + 1]);
      const v4 yir = chain3(da, a[a0 + 1], bq[b0], a[a1 + 1], bq[b1], a[a2 + 1], bq[b2]);
      const v4 yii = chain3(da ^ db, a[a0 + 1], bq[b0 + 1], a[a1 + 1], bq[b1 + 1],
                            a[a2 + 1], bq[b2 + 1]);
      v4 re = _mm256_sub_pd(xrr, yii), im = _mm256_add_pd(xri, yir);
      const int o = 2 * (3 * i + j);
      if (acc) {
        re = _mm256_add_pd(re, c[o]);
        im = _mm256_add_pd(im, c[o + 1]);
      }
      c[o] = re;
      c[o + 1] = im;
    }
  }
}

struct action_ws {
  const geom_t *g;   /* geometry the workspace was built for */
  int D, c;          /* dimensions; chunk length l[0] / 4 */
  int E[EMF_DMAX];   /* box extents: c (direction 0), l[mu] + 2 (1 for mu >= D) */
  long es[EMF_DMAX]; /* strides of the extended (AoS) box of g */
  long npl;          /* blocks per plane c E2 E3 */
  int wrap;          /* 1: no direction split, periodic images read directly */
  v4 *w;             /* ring of 3 planes [3][npl][D][18] */
  /* the L-shaped products L_{mu,nu}(y) = U_mu(y) U_nu(y+mu), mu != nu,
   * [D-1][18] per block and nu (index mu, or mu - 1 if mu > nu), kept
   * until the block at y + nu has used them for its lower staples:
   * direction 1: a plane, 2: a row, 3: a cell (x0 = 0..c-1), each double
   * buffered (previous, current); direction 0: the current cell */
  long nL;           /* v4 per block and direction: (D-1) 18 */
  v4 *Lp, *Lr, *Lc, *L0;
  v4 *X;             /* [c][D][18] the cell's X_mu between the two passes */
  v4 *buf;           /* allocation holding Lp .. X */
  /* wrap only: the whole local box in the vector layout, blocks (x0 < c,
   * y1, y2, y3) with y the owned coordinates, [l1][l2][l3][c][D][18]; HMC
   * keeps the links here over a trajectory (wilson_su3_box_*) */
  int lb[EMF_DMAX];  /* local extents l[mu] (1 for mu >= D) */
  int slab;          /* rows (direction 2) per slab of the box force */
  v4 *box;
  v4 *pbox;          /* the momenta of the box blocks, [..][c][D][8] */
};

int wilson_su3_ws_usable(const gauge_t *u)
{
  const geom_t *g = u->g;
  return u->n == 3 && g->D >= 2 && g->depth >= 1 && g->l[0] % 4 == 0;
}

#ifndef WILSON_SLAB_BYTES
#define WILSON_SLAB_BYTES (11L << 18)
#endif
/* Rows per slab of the box force: the planes x1 - 1, x1, x1 + 1 of a slab
 * with its two halo rows within WILSON_SLAB_BYTES (2.75 MB: slabs of 4
 * rows on 16^4, whole planes on 8^4; measured on the development host
 * with 2 MB of L2 per core, slabs of 2-4 rows were the fastest on 16^4),
 * at least 1, the rows spread evenly over the slabs. */
static int slab_rows(const action_ws_t *w)
{
  const long row = (long)w->c * w->lb[3] * w->D * 18 * sizeof(v4);
  long b = WILSON_SLAB_BYTES / (3 * row) - 2;
  if (b < 1) b = 1;
  const long ns = (w->lb[2] + b - 1) / b;
  return (int)((w->lb[2] + ns - 1) / ns);
}

action_ws_t *wilson_su3_ws_alloc(const gauge_t *u)
{
  if (!wilson_su3_ws_usable(u)) return NULL;
  const geom_t *g = u->g;
  action_ws_t *w = acalloc(1, sizeof *w);
  if (w == NULL) return NULL;
  w->g = g;
  w->D = g->D;
  w->c = g->l[0] / 4;
  for (int mu = 0; mu < EMF_DMAX; mu++)
    w->E[mu] = mu >= g->D ? 1 : (mu == 0 ? w->c : g->l[mu] + 2);
  for (int mu = 0; mu < EMF_DMAX; mu++) w->es[mu] = 0;
  w->es[g->D - 1] = 1;
  for (int mu = g->D - 2; mu >= 0; mu--) w->es[mu] = w->es[mu + 1] * g->e[mu + 1];
  w->npl = (long)w->c * w->E[2] * w->E[3];
  w->wrap = 1;
  for (int mu = 0; mu < g->D; mu++) w->wrap &= g->grid[mu] == 1;
  w->w = amalloc((size_t)3 * w->npl * g->D * 18 * sizeof(v4));
  const long c = w->c, l2 = g->D > 2 ? g->l[2] : 1, l3 = g->D > 3 ? g->l[3] : 1;
  w->nL = (long)(g->D - 1) * 18;
  const long np = 2 * l2 * l3 * c * w->nL, nr = 2 * l3 * c * w->nL, nc = 2 * c * w->nL,
             n0 = c * w->nL, nx = c * g->D * 18;
  w->buf = amalloc((size_t)(np + nr + nc + n0 + nx) * sizeof(v4));
  if (w->w == NULL || w->buf == NULL) {
    afree(w->w);
    afree(w->buf);
    afree(w);
    return NULL;
  }
  for (int mu = 0; mu < EMF_DMAX; mu++) w->lb[mu] = mu < g->D ? g->l[mu] : 1;
  w->slab = slab_rows(w);
  if (w->wrap) {
    w->box = amalloc((size_t)g->n_owned * g->D * 18 * sizeof(double));
    w->pbox = amalloc((size_t)g->n_owned * g->D * 8 * sizeof(double));
    if (w->box == NULL || w->pbox == NULL) {
      afree(w->box);
      afree(w->pbox);
      afree(w->w);
      afree(w->buf);
      afree(w);
      return NULL;
    }
  }
  w->Lp = w->buf;
  w->Lr = w->Lp + np;
  w->Lc = w->Lr + nr;
  w->L0 = w->Lc + nc;
  w->X = w->L0 + n0;
  return w;
}

int wilson_su3_ws_self_halo(const action_ws_t *w, const gauge_t *u)
{
  return w != NULL && w->g == u->g && u->n == 3 && w->wrap;
}

void wilson_su3_ws_free(action_ws_t *w)
{
  if (w == NULL) return;
  afree(w->w);
  afree(w->buf);
  afree(w->box);
  afree(w->pbox);
  afree(w);
}

/* AoS (extended) index of the site of lane 0 of block (x0, x1..x3), box
 * coordinates: x0 in [0, c) (lane k: y0 = depth + k c + x0), or -1 or 4 c
 * for the site before or after the local box in direction 0 (the missing
 * lane of a rotated block); x_mu in [0, l_mu + 2) for mu >= 1 (y_mu =
 * depth - 1 + x_mu).  With w->wrap (no
 * direction split over ranks) the halo coordinates are replaced by the
 * periodic images in the owned box, so no halo is read. */
static inline long aos_site(const action_ws_t *w, int x0, const int *x)
{
  const geom_t *g = w->g;
  const int d = g->depth;
  int y0 = d + x0;
  if (w->wrap) {
    if (x0 < 0) y0 = d + g->l[0] - 1;
    if (x0 == 4 * w->c) y0 = d;
  }
  long is = (long)y0 * w->es[0];
  for (int mu = 1; mu < w->D; mu++) {
    int y = d - 1 + x[mu];
    if (w->wrap) {
      if (x[mu] == 0) y = d + g->l[mu] - 1;
      if (x[mu] == g->l[mu] + 1) y = d;
    }
    is += (long)y * w->es[mu];
  }
  return is;
}

static inline v4 *plane(const action_ws_t *w, int x1)
{
  return w->w + (size_t)(x1 % 3) * w->npl * w->D * 18;
}

/* The SoA copy of plane x1 (box coordinate): for every block (x0, x2, x3)
 * of the plane, halos in directions 2, 3 included, lane k holds the D
 * links of the extended site y0 = depth + k c + x0, y_mu = depth - 1 + x_mu
 * (4x4 transposes of the sites' D*18 doubles). */
static void soa_plane(const action_ws_t *w, const gauge_t *u, int x1)
{
  const int D = w->D, nd = D * 18, c = w->c;
  const long lane = (long)c * w->es[0] * nd;
  const double *base = (const double *)u->u;
  v4 *d = plane(w, x1);
  int x[EMF_DMAX] = {0, x1, 0, 0};
  for (x[2] = 0; x[2] < w->E[2]; x[2]++)
    for (x[3] = 0; x[3] < w->E[3]; x[3]++) {
      const double *s0 = base + aos_site(w, 0, x) * nd;
      for (int x0 = 0; x0 < c; x0++, s0 += w->es[0] * nd, d += nd) {
        const double *s1 = s0 + lane, *s2 = s1 + lane, *s3 = s2 + lane;
        /* pairs of doubles: (lane 0, lane 2) and (lane 1, lane 3) halves,
         * then unpack: d[k] = (s0[k], s1[k], s2[k], s3[k]) */
        for (int k = 0; k < nd; k += 2) {
          const v4 t02 = _mm256_loadu2_m128d(s2 + k, s0 + k),
                   t13 = _mm256_loadu2_m128d(s3 + k, s1 + k);
          d[k] = _mm256_unpacklo_pd(t02, t13);
          d[k + 1] = _mm256_unpackhi_pd(t02, t13);
        }
      }
    }
}

/* Links around one owned block: direct pointers into the plane ring, or,
 * across a chunk boundary in direction 0, a lane rotation of the block at
 * the other end of the chunk with the missing lane taken from the AoS halo
 * (exact copies either way). */
typedef struct {
  const v4 *P;          /* plane of the block (middle of the ring) */
  const double *U;      /* AoS links */
  long ib;              /* block offset in its plane (in v4) */
  long offp[EMF_DMAX];  /* v4 offset of the neighbour block in +d */
  long offm[EMF_DMAX];  /* ... in -d */
  long rotp, rotm;      /* v4 offset of the block at the other end of the chunk */
  const action_ws_t *w;
  const gauge_t *u;
  int x[EMF_DMAX];      /* box coordinates of the block (x[0] unused) */
  int x0, c1;           /* x0 of the block; c - 1 */
  int nd;               /* D * 18 */
  int bx;               /* 1: links from w->box (periodic, no AoS halo) */
  int ntmp;
  v4 tmp[8][18];        /* rotated links */
} nbr_t;

/* U_mu(x + e_up - e_dn) (up, dn: a direction or -1). */
static inline __attribute__((always_inline)) const v4 *nlink(nbr_t *n, int up, int dn,
                                                             int mu)
{
  long off = n->ib + mu * 18;
  if (up >= 0) off += up == 0 && n->x0 == n->c1 ? n->rotp : n->offp[up];
  if (dn >= 0) off += dn == 0 && n->x0 == 0 ? n->rotm : n->offm[dn];
  const v4 *src = n->P + off;
  const int rot = (up == 0 && n->x0 == n->c1) ? 1 : ((dn == 0 && n->x0 == 0) ? -1 : 0);
  if (rot == 0) return src;
  v4 *t = n->tmp[n->ntmp++];
  if (n->bx) { /* the whole chunk is in the box: a pure rotation */
    for (int k = 0; k < 18; k++)
      t[k] = _mm256_permute4x64_pd(src[k], rot > 0 ? 0x39 : 0x93);
    return t;
  }
  /* +1: lane k <- lane k + 1, lane 3 <- the AoS site after the local box
   * in direction 0; -1: lane k <- lane k - 1, lane 0 <- the site before */
  int xs[EMF_DMAX] = {0, n->x[1], n->x[2], n->x[3]};
  if (up > 0) xs[up]++;
  if (dn > 0) xs[dn]--;
  const double *h = n->U + aos_site(n->w, rot > 0 ? 4 * n->w->c : -1, xs) * n->nd + mu * 18;
  if (rot > 0)
    for (int k = 0; k < 18; k++)
      t[k] = _mm256_blend_pd(_mm256_permute4x64_pd(src[k], 0x39), _mm256_broadcast_sd(h + k),
                             0x8);
  else
    for (int k = 0; k < 18; k++)
      t[k] = _mm256_blend_pd(_mm256_permute4x64_pd(src[k], 0x93), _mm256_broadcast_sd(h + k),
                             0x1);
  return t;
}

static inline int lidx(int mu, int nu) { return mu < nu ? mu : mu - 1; }

/* Where L_{., nu} of block x0 of the current cell is stored (par: the
 * parity of the plane, row or cell). */
static inline v4 *lstore(const action_ws_t *w, int nu, int par, long cell, long x3i, int x0)
{
  const long c = w->c, nL = w->nL;
  switch (nu) {
  case 0: return w->L0 + x0 * nL;
  case 1: {
    const long half = (w->Lr - w->Lp) / 2;
    return w->Lp + par * half + (cell * c + x0) * nL;
  }
  case 2: {
    const long half = (w->Lc - w->Lr) / 2;
    return w->Lr + par * half + (x3i * c + x0) * nL;
  }
  default: return w->Lc + (par * c + x0) * nL;
  }
}

/* L_{mu,nu}(y) for the mu != nu of the block of n, into dst[lidx] */
static inline __attribute__((always_inline)) void lprod(nbr_t *n, int nu, v4 *dst,
                                                        const int D)
{
  for (int mu = 0; mu < D; mu++) {
    if (mu == nu) continue;
    v3_mul(dst + lidx(mu, nu) * 18, nlink(n, -1, -1, mu), nlink(n, mu, -1, nu), 0, 0, 0);
    n->ntmp = 0;
  }
}

/* First pass over a block: all its L products (stored for the blocks at
 * x + nu), the plaquettes P = L_{mu,nu} L_{nu,mu}^+ and X[mu] = sum of
 * +-P, in the order of site_su3. */
static inline __attribute__((always_inline)) void
site_pass1(nbr_t *n, v4 *const *Ls, v4 (*X)[18], const int D)
{
  v4 p[18];
  for (int nu = 0; nu < D; nu++) lprod(n, nu, Ls[nu], D);
  for (int mu = 0; mu < D; mu++) {
    for (int nu = mu + 1; nu < D; nu++) {
      v3_mul(p, Ls[nu] + lidx(mu, nu) * 18, Ls[mu] + lidx(nu, mu) * 18, 0, 1, 0);
      if (nu == mu + 1 && mu == 0)
        for (int k = 0; k < 18; k++) X[mu][k] = p[k];
      else
        for (int k = 0; k < 18; k++) X[mu][k] = _mm256_add_pd(X[mu][k], p[k]);
      if (mu == 0)
        for (int k = 0; k < 18; k++) X[nu][k] = _mm256_xor_pd(p[k], _mm256_set1_pd(-0.0));
      else
        for (int k = 0; k < 18; k++) X[nu][k] = _mm256_sub_pd(X[nu][k], p[k]);
    }
  }
}

/* Second pass: the lower staples lo = sum_nu L_{mu,nu}(x-nu)^+ U_nu(x-nu)
 * (nu ascending), X[mu] += U_mu(x) lo.  Lm[nu] points to the L_{., nu}
 * of the block x - nu (NULL for nu = 0 at x0 = 0: then the L_{., 0} of
 * x0 = c-1 of the cell, rotated by one lane, with lane 0 from the AoS
 * product of the site before the local box, bit-identical by m3_mul). */
static inline __attribute__((always_inline)) void
site_pass2(nbr_t *n, v4 *const *Lm, v4 (*X)[18], const int D)
{
  v4 lo[18], rl[18];
  for (int mu = 0; mu < D; mu++) {
    const int nu0 = mu == 0 ? 1 : 0;
    for (int nu = nu0; nu < D; nu++) {
      if (nu == mu) continue;
      const v4 *A;
      if (Lm[nu] != NULL) {
        A = Lm[nu] + lidx(mu, nu) * 18;
      } else {
        /* nu == 0, x0 == 0: lane 0 is the site before the chunk, in the
         * box (bx) lane 3 of x0 = c-1 (the site 4c - 1 = -1), else the
         * plain product from the AoS links */
        const action_ws_t *w = n->w;
        const v4 *src = w->L0 + (w->c - 1) * w->nL + lidx(mu, 0) * 18;
        double h[18];
        if (!n->bx) {
          int xs[EMF_DMAX] = {0, n->x[1], n->x[2], n->x[3]}, xm[EMF_DMAX];
          for (int d = 0; d < EMF_DMAX; d++) xm[d] = xs[d];
          xm[mu]++;
          m3_mul(h, (const double *)gauge_link(n->u, aos_site(w, -1, xs), mu),
                 (const double *)gauge_link(n->u, aos_site(w, -1, xm), 0), 0, 0, 0);
        }
        for (int k = 0; k < 18; k++) {
          const v4 r = _mm256_permute4x64_pd(src[k], 0x93);
          rl[k] = n->bx ? r : _mm256_blend_pd(r, _mm256_broadcast_sd(h + k), 0x1);
        }
        A = rl;
      }
      v3_mul(lo, A, nlink(n, -1, nu, nu), 1, 0, nu != nu0);
      n->ntmp = 0;
    }
    v3_mul(X[mu], nlink(n, -1, -1, mu), lo, 0, 0, 1);
    n->ntmp = 0;
  }
}

/* f (+)= c x(X[mu]) for the 4 lane sites (owned index oi + k lane); add
 * 2: the kick pk -= kc (c x(X[mu])) on the block's momenta pk (lanes, as
 * in the box; the operations of hmc_md_kick, the force not stored) */
static inline __attribute__((always_inline)) void
force_out(v4 (*X)[18], const int D, double *f, long oi, long lane, double cf, int add,
          double kc, v4 *pk)
{
  const v4 vc = _mm256_set1_pd(cf), is3 = _mm256_set1_pd(ISQRT3_SOA),
           two = _mm256_set1_pd(2.0);
  for (int mu = 0; mu < D; mu++) {
    const v4 *m = X[mu];
    v4 y[8], t[8];
    /* su3_to_alg, then c x */
    y[0] = _mm256_add_pd(m[3], m[7]);
    y[1] = _mm256_sub_pd(m[2], m[6]);
    y[2] = _mm256_sub_pd(m[1], m[9]);
    y[3] = _mm256_add_pd(m[5], m[13]);
    y[4] = _mm256_sub_pd(m[4], m[12]);
    y[5] = _mm256_add_pd(m[11], m[15]);
    y[6] = _mm256_sub_pd(m[10], m[14]);
    y[7] = _mm256_mul_pd(is3, _mm256_sub_pd(_mm256_add_pd(m[1], m[9]),
                                            _mm256_mul_pd(two, m[17])));
    for (int k = 0; k < 8; k++) y[k] = _mm256_mul_pd(vc, y[k]);
    if (add == 2) {
      const v4 vk = _mm256_set1_pd(kc);
      for (int k = 0; k < 8; k++)
        pk[mu * 8 + k] = _mm256_sub_pd(pk[mu * 8 + k], _mm256_mul_pd(vk, y[k]));
      continue;
    }
    tr4(t, y[0], y[1], y[2], y[3]);
    tr4(t + 4, y[4], y[5], y[6], y[7]);
    for (int k = 0; k < 4; k++) {
      double *fl = f + ((size_t)(oi + k * lane) * D + mu) * 8;
      v4 lo4 = t[k], hi4 = t[4 + k];
      if (add) {
        lo4 = _mm256_add_pd(_mm256_loadu_pd(fl), lo4);
        hi4 = _mm256_add_pd(_mm256_loadu_pd(fl + 4), hi4);
      }
      _mm256_storeu_pd(fl, lo4);
      _mm256_storeu_pd(fl + 4, hi4);
    }
  }
}

/* owned coordinate of box coordinate x in direction mu (periodic) */
static inline long bwrap(const action_ws_t *w, int x, int mu)
{
  const long l = w->lb[mu];
  long y = x - 1;
  while (y < 0) y += l;
  while (y >= l) y -= l;
  return y;
}

static inline void nbr_block(nbr_t *n, const action_ws_t *w, int x0, const int *x)
{
  n->x0 = x0;
  n->x[2] = x[2];
  n->x[3] = x[3];
  if (!n->bx) {
    n->ib = (((long)x[2] * w->E[3] + x[3]) * w->c + x0) * w->D * 18;
    return;
  }
  const long s3 = (long)w->c * n->nd, s2 = s3 * w->lb[3];
  n->ib = (long)x0 * n->nd;
  if (w->D > 2) {
    const long y2 = bwrap(w, x[2], 2);
    n->ib += y2 * s2;
    n->offp[2] = (bwrap(w, x[2] + 1, 2) - y2) * s2;
    n->offm[2] = (bwrap(w, x[2] - 1, 2) - y2) * s2;
  }
  if (w->D > 3) {
    const long y3 = bwrap(w, x[3], 3);
    n->ib += y3 * s3;
    n->offp[3] = (bwrap(w, x[3] + 1, 3) - y3) * s3;
    n->offm[3] = (bwrap(w, x[3] - 1, 3) - y3) * s3;
  }
}

static inline void nbr_plane(nbr_t *n, const action_ws_t *w, int x1)
{
  n->x[1] = x1;
  if (!n->bx) {
    n->P = plane(w, x1);
    n->offp[1] = plane(w, x1 + 1) - n->P;
    n->offm[1] = plane(w, x1 + 2) - n->P; /* (x1 - 1) mod 3 */
    return;
  }
  const long sp = (long)w->c * w->lb[2] * w->lb[3] * n->nd, y1 = bwrap(w, x1, 1);
  n->P = w->box + y1 * sp;
  n->offp[1] = (bwrap(w, x1 + 1, 1) - y1) * sp;
  n->offm[1] = (bwrap(w, x1 - 1, 1) - y1) * sp;
}

/* The whole force for a constant D (inlined per D). */
static inline __attribute__((always_inline)) void
force_soa(action_ws_t *w, const gauge_t *u, double *f, int add, double cf, double kc,
          const int D, const int bx)
{
  const geom_t *g = u->g;
  const int c = w->c, nd = D * 18;
  const long l1 = g->l[1], l2 = D > 2 ? g->l[2] : 1, l3 = D > 3 ? g->l[3] : 1;
  const long lane = (long)c * l1 * l2 * l3; /* owned-index distance of lanes */
  const int lo2 = D > 2 ? 1 : 0, lo3 = D > 3 ? 1 : 0;
  const long s3 = (long)c * nd, s2 = s3 * w->E[3];
  v4 (*X)[D][18] = (v4 (*)[D][18])w->X;
  nbr_t n;
  n.w = w;
  n.u = u;
  n.U = (const double *)u->u;
  n.c1 = c - 1;
  n.nd = nd;
  n.offp[0] = nd;
  n.offm[0] = -nd;
  n.offp[2] = s2;
  n.offm[2] = -s2;
  n.offp[3] = s3;
  n.offm[3] = -s3;
  n.rotp = -(long)(c - 1) * nd;
  n.rotm = (long)(c - 1) * nd;
  n.x[0] = 0;
  n.ntmp = 0;
  n.bx = bx;
  if (!bx) {
    soa_plane(w, u, 0);
    soa_plane(w, u, 1);
    soa_plane(w, u, 2);
  }
  /* slabs of w->slab rows in direction 2 (box only; the ring holds whole
   * planes): the planes x1 of a slab, with their halo rows, stay in the
   * cache while x1 runs */
  const long B = bx ? w->slab : l2;
  for (long sb = 0; sb < l2; sb += B) {
    const long se = sb + B < l2 ? sb + B : l2;
    /* the halo plane x1 = 0: its L_{., 1} (parity 0) */
    {
      int x[EMF_DMAX] = {0, 0, 0, 0};
      nbr_plane(&n, w, 0);
      for (x[2] = lo2 + sb; x[2] < lo2 + se; x[2]++)
        for (x[3] = lo3; x[3] < lo3 + l3; x[3]++)
          for (int x0 = 0; x0 < c; x0++) {
            nbr_block(&n, w, x0, x);
            lprod(&n, 1, lstore(w, 1, 0, (x[2] - lo2) * l3 + x[3] - lo3, 0, x0), D);
          }
    }
    for (int x1 = 1; x1 <= l1; x1++) {
      if (x1 > 1 && !bx) soa_plane(w, u, x1 + 1);
      int x[EMF_DMAX] = {0, x1, 0, 0};
      nbr_plane(&n, w, x1);
      const int pp = x1 & 1;
      if (D > 2) { /* the halo row below the slab: its L_{., 2} */
        x[2] = lo2 + sb - 1;
        for (x[3] = lo3; x[3] < lo3 + l3; x[3]++)
          for (int x0 = 0; x0 < c; x0++) {
            nbr_block(&n, w, x0, x);
            lprod(&n, 2, lstore(w, 2, x[2] & 1, 0, x[3] - lo3, x0), D);
          }
      }
      for (x[2] = lo2 + sb; x[2] < lo2 + se; x[2]++) {
        const int pr = x[2] & 1;
        if (D > 3) { /* the halo cell x3 = 0: its L_{., 3} (parity 0) */
          x[3] = 0;
          for (int x0 = 0; x0 < c; x0++) {
            nbr_block(&n, w, x0, x);
            lprod(&n, 3, lstore(w, 3, 0, 0, 0, x0), D);
          }
        }
        for (x[3] = lo3; x[3] < lo3 + l3; x[3]++) {
          const int pc = x[3] & 1;
          const long cell = (x[2] - lo2) * l3 + x[3] - lo3, x3i = x[3] - lo3;
          for (int x0 = 0; x0 < c; x0++) {
            v4 *Ls[EMF_DMAX];
            for (int nu = 0; nu < D; nu++)
              Ls[nu] = lstore(w, nu, nu == 1 ? pp : (nu == 2 ? pr : pc), cell, x3i, x0);
            nbr_block(&n, w, x0, x);
            site_pass1(&n, Ls, X[x0], D);
          }
          const long oi0 = ((x1 - 1) * l2 + x[2] - lo2) * l3 + x[3] - lo3;
          for (int x0 = 0; x0 < c; x0++) {
            v4 *Lm[EMF_DMAX];
            Lm[0] = x0 > 0 ? lstore(w, 0, 0, 0, 0, x0 - 1) : NULL;
            for (int nu = 1; nu < D; nu++)
              Lm[nu] = lstore(w, nu, nu == 1 ? !pp : (nu == 2 ? !pr : !pc), cell, x3i, x0);
            nbr_block(&n, w, x0, x);
            site_pass2(&n, Lm, X[x0], D);
            v4 *pk = add == 2 ? w->pbox + (n.P - w->box + n.ib) / nd * D * 8 : NULL;
            force_out(X[x0], D, f, oi0 + (long)x0 * l1 * l2 * l3, lane, cf, add, kc, pk);
          }
        }
      }
    }
  }
}

int wilson_force_su3_ws(const action_t *a, const gauge_t *u, double *f, int add,
                        action_ws_t *w)
{
  const geom_t *g = u->g;
  if (w == NULL || w->g != g || u->n != 3) return wilson_force_su3(a, u, f, add);
  const double cf = a->beta / 6.0;
  if (g->D == 4)
    force_soa(w, u, f, add, cf, 0.0, 4, 0);
  else if (g->D == 3)
    force_soa(w, u, f, add, cf, 0.0, 3, 0);
  else
    force_soa(w, u, f, add, cf, 0.0, 2, 0);
  return EMF_SUCCESS;
}

void wilson_su3_ws_set_slab(action_ws_t *w, int rows)
{
  if (w == NULL) return;
  w->slab = rows < 1 ? slab_rows(w) : (rows < w->lb[2] ? rows : w->lb[2]);
}

int wilson_su3_box_usable(const action_ws_t *w, const gauge_t *u)
{
  return w != NULL && w->g == u->g && u->n == 3 && w->box != NULL;
}

/* 4 sites s0 + k lane, n doubles each, to or from the lanes of d (dir 0:
 * load, 1: store; 4x4 transposes by pairs of doubles) */
static inline void lanes_copy(v4 *d, double *s0, long lane, int n, int dir)
{
  double *s1 = s0 + lane, *s2 = s1 + lane, *s3 = s2 + lane;
  for (int k = 0; k < n; k += 2) {
    if (dir == 0) {
      const v4 t02 = _mm256_loadu2_m128d(s2 + k, s0 + k),
               t13 = _mm256_loadu2_m128d(s3 + k, s1 + k);
      d[k] = _mm256_unpacklo_pd(t02, t13);
      d[k + 1] = _mm256_unpackhi_pd(t02, t13);
    } else {
      const v4 lo = _mm256_unpacklo_pd(d[k], d[k + 1]), hi = _mm256_unpackhi_pd(d[k], d[k + 1]);
      _mm256_storeu2_m128d(s2 + k, s0 + k, lo);
      _mm256_storeu2_m128d(s3 + k, s1 + k, hi);
    }
  }
}

/* The owned links of u and the momenta p (if not NULL; layout of action.h)
 * to or from w->box and w->pbox (dir 0: load, 1: store): per block, lane k
 * is the site x0 + k c. */
static void box_copy(action_ws_t *w, gauge_t *u, double *p, int dir)
{
  const int D = w->D, nd = D * 18, np = D * 8, c = w->c;
  const long ny = (long)w->lb[1] * w->lb[2] * w->lb[3];
  const long lane = (long)c * w->es[0] * nd, lanep = c * ny * np;
  double *base = (double *)u->u;
  v4 *d = w->box, *dp = w->pbox;
  int x[EMF_DMAX] = {0, 1, 1, 1};
  long y = 0;
  for (x[1] = 1; x[1] <= w->lb[1]; x[1]++)
    for (x[2] = 1; x[2] <= w->lb[2]; x[2]++)
      for (x[3] = 1; x[3] <= w->lb[3]; x[3]++, y++) {
        double *s0 = base + aos_site(w, 0, x) * nd;
        for (int x0 = 0; x0 < c; x0++, s0 += w->es[0] * nd, d += nd, dp += np) {
          lanes_copy(d, s0, lane, nd, dir);
          if (p != NULL) lanes_copy(dp, p + (x0 * ny + y) * np, lanep, np, dir);
        }
      }
}

void wilson_su3_box_load(action_ws_t *w, const gauge_t *u, const double *p)
{
  box_copy(w, (gauge_t *)u, (double *)p, 0);
}

void wilson_su3_box_store(action_ws_t *w, gauge_t *u, double *p)
{
  box_copy(w, u, p, 1);
}

int wilson_force_su3_box(const action_t *a, const gauge_t *u, double *f, int add,
                         double kc, action_ws_t *w)
{
  const double cf = a->beta / 6.0;
  if (w->D == 4)
    force_soa(w, u, f, add, cf, kc, 4, 1);
  else if (w->D == 3)
    force_soa(w, u, f, add, cf, kc, 3, 1);
  else
    force_soa(w, u, f, add, cf, kc, 2, 1);
  return EMF_SUCCESS;
}

int wilson_su3_box_drift(action_ws_t *w, double c)
{
  const long nl = (long)w->g->n_owned / 4 * w->D; /* links per lane */
  int st = EMF_SUCCESS;
  double *b = (double *)w->box, *x = (double *)w->pbox;
  for (long l = 0; l < nl; l++, b += 72, x += 32) {
    int st1 = sun_su3_exp_mul_lanes(b, x, c);
    if (st1 != EMF_SUCCESS && st == EMF_SUCCESS) st = st1;
  }
  return st;
}

#else

int wilson_su3_ws_usable(const gauge_t *u)
{
  (void)u;
  return 0;
}

action_ws_t *wilson_su3_ws_alloc(const gauge_t *u)
{
  (void)u;
  return NULL;
}

void wilson_su3_ws_free(action_ws_t *w) { (void)w; }

int wilson_su3_ws_self_halo(const action_ws_t *w, const gauge_t *u)
{
  (void)w;
  (void)u;
  return 0;
}

int wilson_force_su3_ws(const action_t *a, const gauge_t *u, double *f, int add,
                        action_ws_t *w)
{
  (void)w;
  return wilson_force_su3(a, u, f, add);
}

void wilson_su3_ws_set_slab(action_ws_t *w, int rows)
{
  (void)w;
  (void)rows;
}

int wilson_su3_box_usable(const action_ws_t *w, const gauge_t *u)
{
  (void)w;
  (void)u;
  return 0;
}

void wilson_su3_box_load(action_ws_t *w, const gauge_t *u, const double *p)
{
  (void)w;
  (void)u;
  (void)p;
}

void wilson_su3_box_store(action_ws_t *w, gauge_t *u, double *p)
{
  (void)w;
  (void)u;
  (void)p;
}

int wilson_force_su3_box(const action_t *a, const gauge_t *u, double *f, int add,
                         double kc, action_ws_t *w)
{
  (void)w;
  (void)kc;
  return add == 2 ? EMF_EINVAL : wilson_force_su3(a, u, f, add);
}

int wilson_su3_box_drift(action_ws_t *w, double c)
{
  (void)w;
  (void)c;
  return EMF_EINVAL;
}

#endif
