/*******************************************************************************
 * obs.c: Wilson loops, Polyakov loop and clover topological charge.
 *
 * int obs_wilson_loop_all(gauge_t *u, int R, int T, double *w)
 *   *w = <(1/N) Re tr W(R,T)>, the mean over all sites x and all ordered
 *   pairs mu != nu of the R x T loop with R links along mu, T along nu:
 *     W = A(x) B(x + R mu) A(x + T nu)^+ B(x)^+,
 *   A = product of R links along mu from x, B = of T links along nu.  Long
 *   links and shifted fields are built one lattice step at a time with halo
 *   exchanges of depth 1, so any R, T work on any grid.  Returns
 *   EMF_EINVAL (R or T < 1, depth < 1), EMF_ENOMEM, else EMF_SUCCESS.
 *
 * int obs_polyakov_all(gauge_t *u, double *pl)
 *   pl[0] + i pl[1] = mean over all sites of (1/N) tr of the product of the
 *   L_{D-1} links in direction D-1 starting there (the mean over spatial
 *   sites of the Polyakov loop; every time slice gives the same trace by
 *   cyclicity).  Same error codes.
 *
 * int obs_topcharge_all(gauge_t *u, double *q)
 *   Clover charge of obs.h (D = 4, else EMF_ENOTSUP).  The leaves at x in
 *   the (mu, nu) plane, all with the orientation mu -> nu and starting at x:
 *     U_mu(x) U_nu(x+mu) U_mu(x+nu)^+ U_nu(x)^+,
 *     U_nu(x) U_mu(x-mu+nu)^+ U_nu(x-mu)^+ U_mu(x-mu),
 *     U_mu(x-mu)^+ U_nu(x-mu-nu)^+ U_mu(x-mu-nu) U_nu(x-nu),
 *     U_nu(x-nu)^+ U_mu(x-nu) U_nu(x-nu+mu) U_mu(x)^+.
 *   Needs depth >= 1 (the corners of the halo).  EMF_EINVAL, EMF_ENOMEM.
 *
 * Context: collective over u->g->comm; exchange the link halos; sums in
 * double-double, so the values do not depend on the process grid.
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "obs.h"
#include "util.h"

#define NNMAX (EMF_NMAX * EMF_NMAX)

typedef struct {
  gauge_t *u;
  halo_t *h;      /* plan for fields of one matrix per site */
  cplx_t *f[5];   /* [n_ext * nn] site fields */
  int nf;
} work_t;

static void work_free(work_t *w)
{
  for (int k = 0; k < w->nf; k++) afree(w->f[k]);
  if (w->h != NULL) halo_free(w->h);
}

/* Collective: all ranks agree on the outcome. */
static int work_alloc(work_t *w, gauge_t *u, int nf)
{
  const size_t bytes = (size_t)u->g->n_ext * u->nn * sizeof(cplx_t);
  memset(w, 0, sizeof *w);
  w->u = u;
  w->nf = nf;
  int bad = 0;
  for (int k = 0; k < nf; k++) bad |= (w->f[k] = amalloc(bytes)) == NULL;
  int gbad;
  MPI_Allreduce(&bad, &gbad, 1, MPI_INT, MPI_MAX, u->g->comm);
  if (!gbad) {
    w->h = halo_alloc(u->g, (size_t)u->nn * sizeof(cplx_t));
    bad = w->h == NULL;
    MPI_Allreduce(&bad, &gbad, 1, MPI_INT, MPI_MAX, u->g->comm);
  }
  if (gbad) {
    work_free(w);
    return EMF_ENOMEM;
  }
  return EMF_SUCCESS;
}

/* dst(x) = link U_mu(x) on owned sites, then halos. */
static void field_from_links(work_t *w, cplx_t *dst, int mu)
{
  const geom_t *g = w->u->g;
  const int nn = w->u->nn;
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    memcpy(dst + is * nn, gauge_link(w->u, is, mu), (size_t)nn * sizeof(cplx_t));
  }
  halo_exchange(w->h, dst);
}

/* f(x) <- U_mu(x) f(x + mu) (extend a line by one link), halos updated;
 * tmp is scratch. */
static void field_extend(work_t *w, cplx_t *f, cplx_t *tmp, int mu)
{
  const geom_t *g = w->u->g;
  const int nn = w->u->nn, D = g->D;
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    w->u->su->mul(tmp + is * nn, gauge_link(w->u, is, mu), f + g->up[is * D + mu] * nn);
  }
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    memcpy(f + is * nn, tmp + is * nn, (size_t)nn * sizeof(cplx_t));
  }
  halo_exchange(w->h, f);
}

/* dst(x) = src(x + mu), halos updated. */
static void field_shift(work_t *w, cplx_t *dst, const cplx_t *src, int mu)
{
  const geom_t *g = w->u->g;
  const int nn = w->u->nn, D = g->D;
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    memcpy(dst + is * nn, src + g->up[is * D + mu] * nn, (size_t)nn * sizeof(cplx_t));
  }
  halo_exchange(w->h, dst);
}

int obs_wilson_loop_all(gauge_t *u, int R, int T, double *wl)
{
  const geom_t *g = u->g;
  const int D = g->D, nn = u->nn;
  const sun_type_t *su = u->su;
  if (R < 1 || T < 1 || g->depth < 1) return EMF_EINVAL;
  work_t w;
  int st = work_alloc(&w, u, 5);
  if (st != EMF_SUCCESS) return st;
  cplx_t *A = w.f[0], *B = w.f[1], *C = w.f[2], *E = w.f[3], *tmp = w.f[4];
  cplx_t m1[NNMAX], m2[NNMAX];
  qsum_t s = {0.0, 0.0};
  gauge_exchange(u);
  for (int mu = 0; mu < D; mu++)
    for (int nu = 0; nu < D; nu++) {
      if (nu == mu) continue;
      field_from_links(&w, A, mu);
      for (int r = 1; r < R; r++) field_extend(&w, A, tmp, mu);
      field_from_links(&w, B, nu);
      for (int t = 1; t < T; t++) field_extend(&w, B, tmp, nu);
      /* C(x) = B(x + R mu), E(x) = A(x + T nu) */
      memcpy(C, B, (size_t)g->n_ext * nn * sizeof(cplx_t));
      for (int r = 0; r < R; r++) {
        field_shift(&w, tmp, C, mu);
        memcpy(C, tmp, (size_t)g->n_ext * nn * sizeof(cplx_t));
      }
      memcpy(E, A, (size_t)g->n_ext * nn * sizeof(cplx_t));
      for (int t = 0; t < T; t++) {
        field_shift(&w, tmp, E, nu);
        memcpy(E, tmp, (size_t)g->n_ext * nn * sizeof(cplx_t));
      }
      for (long i = 0; i < g->n_owned; i++) {
        const long is = g->owned[i];
        su->mul(m1, A + is * nn, C + is * nn);    /* A(x) B(x+R mu) */
        su->mul(m2, B + is * nn, E + is * nn);    /* B(x) A(x+T nu) */
        double t = 0.0;
        for (int k = 0; k < nn; k++)
          t += creal(m1[k]) * creal(m2[k]) + cimag(m1[k]) * cimag(m2[k]);
        qsum_add(&s, t);
      }
    }
  qsum_allreduce(&s, 1, g->comm);
  *wl = qsum_value(&s) / ((double)g->n_global * D * (D - 1) * u->n);
  work_free(&w);
  return EMF_SUCCESS;
}

int obs_polyakov_all(gauge_t *u, double *pl)
{
  const geom_t *g = u->g;
  const int D = g->D, nn = u->nn, t = D - 1;
  if (g->depth < 1) return EMF_EINVAL;
  work_t w;
  int st = work_alloc(&w, u, 2);
  if (st != EMF_SUCCESS) return st;
  gauge_exchange(u);
  field_from_links(&w, w.f[0], t);
  for (int k = 1; k < g->L[t]; k++) field_extend(&w, w.f[0], w.f[1], t);
  qsum_t s[2] = {{0.0, 0.0}, {0.0, 0.0}};
  for (long i = 0; i < g->n_owned; i++) {
    const cplx_t *m = w.f[0] + g->owned[i] * nn;
    cplx_t tr = 0.0;
    for (int a = 0; a < u->n; a++) tr += m[a * (u->n + 1)];
    qsum_add(&s[0], creal(tr));
    qsum_add(&s[1], cimag(tr));
  }
  qsum_allreduce(s, 2, g->comm);
  pl[0] = qsum_value(&s[0]) / ((double)g->n_global * u->n);
  pl[1] = qsum_value(&s[1]) / ((double)g->n_global * u->n);
  work_free(&w);
  return EMF_SUCCESS;
}

/* F = traceless anti-Hermitian part of (1/4) sum of the four leaves. */
static void clover(const gauge_t *u, long is, int mu, int nu, cplx_t *F)
{
  const geom_t *g = u->g;
  const sun_type_t *su = u->su;
  const int D = g->D, n = u->n, nn = u->nn;
  const long xpm = g->up[is * D + mu], xpn = g->up[is * D + nu];
  const long xmm = g->dn[is * D + mu], xmn = g->dn[is * D + nu];
  const long xmm_pn = g->up[xmm * D + nu], xmm_mn = g->dn[xmm * D + nu];
  const long xmn_pm = g->up[xmn * D + mu];
  cplx_t a[NNMAX], b[NNMAX], c[NNMAX], Q[NNMAX];
  /* leaf 1: U_mu(x) U_nu(x+mu) [U_nu(x) U_mu(x+nu)]^+ */
  su->mul(a, gauge_link(u, is, mu), gauge_link(u, xpm, nu));
  su->mul(b, gauge_link(u, is, nu), gauge_link(u, xpn, mu));
  su->mul_dag(Q, a, b);
  /* leaf 2: U_nu(x) U_mu(x-mu+nu)^+ U_nu(x-mu)^+ U_mu(x-mu)
   *       = U_nu(x) [U_nu(x-mu) U_mu(x-mu+nu)]^+ U_mu(x-mu) */
  su->mul(a, gauge_link(u, xmm, nu), gauge_link(u, xmm_pn, mu));
  su->mul_dag(b, gauge_link(u, is, nu), a);
  su->mul(c, b, gauge_link(u, xmm, mu));
  for (int k = 0; k < nn; k++) Q[k] += c[k];
  /* leaf 3: U_mu(x-mu)^+ U_nu(x-mu-nu)^+ U_mu(x-mu-nu) U_nu(x-nu)
   *       = [U_nu(x-mu-nu) U_mu(x-mu)]^+ U_mu(x-mu-nu) U_nu(x-nu) */
  su->mul(a, gauge_link(u, xmm_mn, nu), gauge_link(u, xmm, mu));
  su->mul(b, gauge_link(u, xmm_mn, mu), gauge_link(u, xmn, nu));
  su->dag_mul(c, a, b);
  for (int k = 0; k < nn; k++) Q[k] += c[k];
  /* leaf 4: U_nu(x-nu)^+ U_mu(x-nu) U_nu(x-nu+mu) U_mu(x)^+ */
  su->mul(a, gauge_link(u, xmn, mu), gauge_link(u, xmn_pm, nu));
  su->dag_mul(b, gauge_link(u, xmn, nu), a);
  su->mul_dag(c, b, gauge_link(u, is, mu));
  for (int k = 0; k < nn; k++) Q[k] += c[k];
  /* F = (Q - Q^+)/8 - tr(Q - Q^+)/(8N) */
  cplx_t tr = 0.0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) F[i * n + j] = 0.125 * (Q[i * n + j] - conj(Q[j * n + i]));
  for (int i = 0; i < n; i++) tr += F[i * (n + 1)];
  for (int i = 0; i < n; i++) F[i * (n + 1)] -= tr / n;
}

static double retrace_mul(int n, const cplx_t *a, const cplx_t *b)
{
  double t = 0.0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) t += creal(a[i * n + j] * b[j * n + i]);
  return t;
}

int obs_topcharge_all(gauge_t *u, double *q)
{
  const geom_t *g = u->g;
  const int n = u->n;
  if (g->D != 4) return EMF_ENOTSUP;
  if (g->depth < 1) return EMF_EINVAL;
  static const int pl[3][4] = {{0, 1, 2, 3}, {0, 2, 1, 3}, {0, 3, 1, 2}};
  static const double sign[3] = {1.0, -1.0, 1.0};
  cplx_t F1[NNMAX], F2[NNMAX];
  qsum_t s = {0.0, 0.0};
  gauge_exchange(u);
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    double t = 0.0;
    for (int k = 0; k < 3; k++) {
      clover(u, is, pl[k][0], pl[k][1], F1);
      clover(u, is, pl[k][2], pl[k][3], F2);
      t += sign[k] * retrace_mul(n, F1, F2);
    }
    qsum_add(&s, t);
  }
  qsum_allreduce(&s, 1, g->comm);
  *q = -qsum_value(&s) / (4.0 * M_PI * M_PI);
  return EMF_SUCCESS;
}
