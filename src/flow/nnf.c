/*******************************************************************************
 * nnf.c: the potential network as a pot_func_t (the learned F of the flow).
 *
 * int flow_nnf_init(pot_func_t *F, flow_nnf_t *c, const nn_t *net, int nb_max)
 *   Allocates the network workspace for batches of nb_max loops and points
 *   F (name "nn", K = n_x / 2) at c.  forward = nn_forward with the
 *   engine's f, G, h (zeros when the engine passes G = NULL: L is then
 *   meaningless but unused); backward = nn_backward, accumulating dF/dtheta
 *   into c->dtheta when params != 0 (into a scratch sink otherwise).
 *   Returns EMF_SUCCESS, EMF_EINVAL (n_x odd or above POT_MMAX, nb_max < 1)
 *   or EMF_ENOMEM (c left empty).
 *
 * void flow_nnf_release(flow_nnf_t *c)
 *   Frees what flow_nnf_init allocated.
 *
 * void flow_nnf_set(flow_nnf_t *c, const double *theta, double *dtheta)
 *   Sets the parameters used by forward and the gradient accumulator.
 *
 * int flow_nnf_set_reduced(flow_nnf_t *c, const pot_loop_ws_t *lws)
 *   lws != NULL: evaluation-only reduced mode.  forward (which must come
 *   from pot_loop_forward on lws: f == lws->f, else EMF_EINVAL) computes per
 *   loop the feature Jacobian Df from lws->pw (flow_nnf_jacobian), an
 *   orthonormal basis V of its column span with r = min(N - 1, m) columns
 *   and M = V^T Df Df^T V = V^T G V (flow_nnf_basis), runs nn_forward_dir
 *   along V and writes (F, V d, L): the field is unchanged (every column
 *   of Df lies in span V, and X_a = g . Df_a) and L is exact
 *   (G = V M V^T; doc/flow.md, "Reduced jets").  With G = NULL
 *   (no L wanted) M and h are zero.  backward returns EMF_EINVAL.  lws =
 *   NULL: full jets (nn_forward / nn_backward).  Allocates the buffers of
 *   the mode (once per r).  Returns EMF_SUCCESS, EMF_EINVAL (lws->K != m/2)
 *   or EMF_ENOMEM (then back in full mode).
 *
 * void flow_nnf_jacobian(double *J, const sun_type_t *su, int K,
 *                        const cplx_t *pw)
 *   J (2K, ngen): J[j ngen + a] = D_{T_a} f_j, D_T tau_k = k tr(T W^k), from
 *   pw = W^1..W^K, in an orthonormal basis T_a of su(N) chosen for cheap
 *   traces (below; not the Gell-Mann order of sun.h): the column span of J
 *   and J J^T = G do not depend on the orthonormal basis.
 *
 * int flow_nnf_basis(double *V, double *M, double *J, int want_M, int m,
 *                    int n, int r)
 *   V (m, r) orthonormal columns spanning the column space of J (m, n), by
 *   modified Gram-Schmidt with column pivoting (largest residual first),
 *   each new column orthogonalised a second time against the previous ones
 *   (so that a column made of rounding noise, e.g. at equal eigenvalues,
 *   still gives an orthonormal V).  A column whose residual norm^2 is
 *   <= DBL_MIN is zero (W central: Df = 0).  M (r, r) = R R^T with
 *   R = V^T J (= V^T G V for G = J J^T, the metric of the features) when
 *   want_M, else zero.  J is overwritten.  Returns the number of non-zero
 *   columns of V.  The adapter runs the same kernel on blocks of 4 samples
 *   at once, one per vector lane (the results of a sample do not depend on
 *   its block).
 *
 * Context: local; one adapter serves one thread.  Results of one loop do
 * not depend on the other loops of a batch only as far as the nn kernels
 * guarantee it; the flow therefore always calls F on the same fixed blocks
 * of samples (doc/flow.md, "Bit-identical splits").  (In reduced mode with
 * the fused kernel of nn_forward_dir each loop's bits are independent of
 * the batch.)
 ******************************************************************************/
#include <float.h>
#include <math.h>
#include <string.h>
#include "flow.h"
#include "util.h"

/* The Jacobian of flow_nnf_jacobian, entry (j, a) at J[(j ngen + a) st]
 * (st = 1: row-major; st = 4: one lane of a block).  Generators, each with
 * <T, T> = -2 tr T^2 = 1: for every pair i < j, T = i (E_ij + E_ji)/2 and
 * T' = (E_ij - E_ji)/2, then H_l = (i/2) c_l diag(1, .., 1, -l, 0, ..) with
 * l ones, c_l = sqrt(2 / (l (l + 1))), l = 1..N-1.  tr(T P) = (i/2)(P_ij +
 * P_ji), tr(T' P) = (P_ji - P_ij)/2, tr(H_l P) = (i/2) c_l (sum_{i<l} P_ii
 * - l P_ll); D_T tau_k = k tr(T W^k) (doc/potential.md). */
static inline void jacobian_st(double *J, int st, int n, int K, const cplx_t *pw)
{
  const int nn = n * n, ngen = nn - 1;
  for (int k = 1; k <= K; k++) {
    const cplx_t *P = pw + (size_t)(k - 1) * nn;
    double *jr = J + (size_t)(k - 1) * ngen * st, *ji = J + (size_t)(K + k - 1) * ngen * st;
    const double hk = 0.5 * k;
    int a = 0;
    for (int i = 0; i < n; i++)
      for (int j = i + 1; j < n; j++, a += 2) {
        const cplx_t sm = P[i * n + j] + P[j * n + i], df = P[j * n + i] - P[i * n + j];
        jr[a * st] = -hk * cimag(sm);
        ji[a * st] = hk * creal(sm);
        jr[(a + 1) * st] = hk * creal(df);
        ji[(a + 1) * st] = hk * cimag(df);
      }
    {
      cplx_t part = 0;   /* sum_{i<l} P_ii */
      for (int l = 1; l < n; l++, a++) {
        const double cl = sqrt(2.0 / (l * (l + 1.0)));
        cplx_t u;
        part += P[(l - 1) * n + (l - 1)];
        u = part - l * P[l * n + l];
        jr[a * st] = -hk * cl * cimag(u);
        ji[a * st] = hk * cl * creal(u);
      }
    }
  }
}

void flow_nnf_jacobian(double *J, const sun_type_t *su, int K, const cplx_t *pw)
{
  jacobian_st(J, 1, su->n, K, pw);
}

/* Samples per block of the basis kernel: the samples of a block sit in the
 * lanes of one vector (structure of arrays), so that the short loops of
 * Gram-Schmidt, the pivot choice (a select per lane) and the square roots
 * run on all of them at once instead of as one long dependency chain each. */
#define BL 4
#define NGEN_MAX (EMF_NMAX * EMF_NMAX - 1)

typedef double vb_t __attribute__((vector_size(BL * sizeof(double))));
typedef long long vm_t __attribute__((vector_size(BL * sizeof(long long))));

static inline vb_t ldb(const double *p)
{
  vb_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void stb(double *p, vb_t v) { memcpy(p, &v, sizeof v); }

static inline vb_t splat(double a) { return (vb_t){a, a, a, a}; }

/* mask ? a : b per lane (mask lanes all ones or zeros) */
static inline vb_t sel(vm_t mask, vb_t a, vb_t b)
{
  return (vb_t)((mask & (vm_t)a) | (~mask & (vm_t)b));
}

/* The basis of flow_nnf_basis for the nl <= BL samples of a block.
 * Jt (m, n, BL): the Jacobians, lane l = sample l (lanes >= nl zero);
 * overwritten.  V (nl, m, r), M (nl, r, r) (zero unless want_M), rank (nl)
 * or NULL.  Inlined with constant sizes for the common (m, n, r). */
static inline __attribute__((always_inline)) void
basis_block(double *V, double *M, int *rank, double *Jt, int want_M, int nl,
            const int m, const int n, const int r)
{
  vb_t q[POT_MMAX], vs[POT_MMAX][EMF_NMAX], R[EMF_NMAX][NGEN_MAX], nrm, d;
  vm_t rk = {0};
  double sc[BL];
  for (int s = 0; s < r; s++) {
    vb_t best = splat(DBL_MIN);
    vm_t found = {0};
    for (int j = 0; j < m; j++) q[j] = splat(0.0);
    /* pivot per lane: the residual column of largest norm */
    for (int a = 0; a < n; a++) {
      vb_t col[POT_MMAX];
      vm_t gt;
      nrm = splat(0.0);
      for (int j = 0; j < m; j++) {
        col[j] = ldb(Jt + (size_t)(j * n + a) * BL);
        nrm += col[j] * col[j];
      }
      gt = nrm > best;
      best = sel(gt, nrm, best);
      found |= gt;
      for (int j = 0; j < m; j++) q[j] = sel(gt, col[j], q[j]);
    }
    /* the residual was orthogonalised once (below); once more, since it
     * may be all rounding ("twice is enough") */
    for (int i = 0; i < s; i++) {
      d = splat(0.0);
      for (int j = 0; j < m; j++) d += vs[j][i] * q[j];
      for (int j = 0; j < m; j++) q[j] -= d * vs[j][i];
    }
    nrm = splat(0.0);
    for (int j = 0; j < m; j++) nrm += q[j] * q[j];
    {
      vm_t ok = found & (nrm > splat(DBL_MIN));
      stb(sc, nrm);
      for (int l = 0; l < BL; l++) sc[l] = ok[l] ? 1.0 / sqrt(sc[l]) : 0.0;
      rk -= ok;
    }
    d = ldb(sc);
    for (int j = 0; j < m; j++) vs[j][s] = q[j] * d;
    /* R_sa = V_s . J_a (against the residual columns: the same to rounding,
     * V_s being orthogonal to the earlier directions), then the new
     * direction is projected out of every column */
    if (s == r - 1 && !want_M) break;
    for (int a = 0; a < n; a++) {
      d = splat(0.0);
      for (int j = 0; j < m; j++) d += vs[j][s] * ldb(Jt + (size_t)(j * n + a) * BL);
      R[s][a] = d;
      if (s == r - 1) continue;
      for (int j = 0; j < m; j++) {
        double *p = Jt + (size_t)(j * n + a) * BL;
        stb(p, ldb(p) - vs[j][s] * d);
      }
    }
  }
  for (int l = 0; l < nl; l++) {
    double *Vl = V + (size_t)l * m * r, *Ml = M + (size_t)l * r * r;
    for (int j = 0; j < m; j++)
      for (int i = 0; i < r; i++) Vl[j * r + i] = vs[j][i][l];
    if (rank) rank[l] = (int)rk[l];
    if (!want_M)
      for (int i = 0; i < r * r; i++) Ml[i] = 0.0;
  }
  if (want_M) {   /* M = R R^T = V^T J J^T V */
    for (int i = 0; i < r; i++)
      for (int k = 0; k < r; k++) {
        vb_t t = splat(0.0);
        for (int a = 0; a < n; a++) t += R[i][a] * R[k][a];
        for (int l = 0; l < nl; l++) M[(size_t)l * r * r + i * r + k] = t[l];
      }
  }
}

static void basis_dispatch(double *V, double *M, int *rank, double *Jt, int want_M,
                           int nl, int m, int n, int r)
{
#define BASIS_CASE(M_, N_, R_) \
  if (m == M_ && n == N_ && r == R_) { \
    basis_block(V, M, rank, Jt, want_M, nl, M_, N_, R_); \
    return; \
  }
  BASIS_CASE(6, 8, 2)   /* SU(3), K = 3 */
  BASIS_CASE(4, 8, 2)
  BASIS_CASE(2, 8, 2)
  BASIS_CASE(6, 3, 1)   /* SU(2) */
  BASIS_CASE(4, 3, 1)
  BASIS_CASE(2, 3, 1)
#undef BASIS_CASE
  basis_block(V, M, rank, Jt, want_M, nl, m, n, r);
}

/* Jt (m, n, BL) lane l <- J (m, n) */
static void to_lane(double *Jt, const double *J, int l, int mn)
{
  for (int i = 0; i < mn; i++) Jt[i * BL + l] = J[i];
}

int flow_nnf_basis(double *V, double *M, double *J, int want_M, int m, int n,
                   int r)
{
  double Jt[POT_MMAX * NGEN_MAX * BL] = {0.0};
  int rank;
  to_lane(Jt, J, 0, m * n);
  basis_dispatch(V, M, &rank, Jt, want_M, 1, m, n, r);
  for (int i = 0; i < m * n; i++) J[i] = Jt[i * BL];
  return rank;
}

/* Reduced-mode forward: directions from the W^k that pot_loop_forward has
 * just stored in c->lws, the network along them, g' = V d. */
static int nnf_forward_reduced(flow_nnf_t *c, double *out, double t, int nb,
                               const double *f, const double *G, const double *h)
{
  const pot_loop_ws_t *lw = c->lws;
  const int m = c->m, r = c->r, K = m / 2, nn = lw->nn, ngen = lw->ngen;
  int status;
  if (f != lw->f || nb > lw->nb_max) return EMF_EINVAL;
  if (h == NULL) h = c->zero + (size_t)c->nb_max * m * m;
  for (int b0 = 0; b0 < nb; b0 += BL) {   /* blocks of BL samples, one per lane */
    const int nl = nb - b0 < BL ? nb - b0 : BL;
    double *Jt = c->J;
    if (nl < BL) memset(Jt, 0, (size_t)m * ngen * BL * sizeof(double));
    for (int l = 0; l < nl; l++)
      jacobian_st(Jt + l, BL, lw->n, K, lw->pw + (size_t)(b0 + l) * K * nn);
    basis_dispatch(c->V + (size_t)b0 * m * r, c->Mr + (size_t)b0 * r * r, NULL, Jt,
                   G != NULL, nl, m, ngen, r);
  }
  status = nn_forward_dir(c->outr, c->ws, c->net, c->theta, f, c->V, c->Mr, h, t, nb, r);
  if (status != EMF_SUCCESS) return status;
  for (int b = 0; b < nb; b++) {
    const double *o = c->outr + (size_t)b * (r + 2), *Vb = c->V + (size_t)b * m * r;
    double *ob = out + (size_t)b * (m + 2);
    ob[0] = o[0];
    for (int j = 0; j < m; j++) {
      double s = 0.0;
      for (int i = 0; i < r; i++) s += Vb[j * r + i] * o[1 + i];
      ob[1 + j] = s;
    }
    ob[m + 1] = o[r + 1];
  }
  return EMF_SUCCESS;
}

static int nnf_forward(void *ctx, double *out, int shape, double t, int nb,
                       const double *f, const double *G, const double *h)
{
  flow_nnf_t *c = ctx;
  const size_t m = (size_t)c->m;
  (void)shape;
  if (nb > c->nb_max || c->theta == NULL) return EMF_EINVAL;
  if (c->lws != NULL) return nnf_forward_reduced(c, out, t, nb, f, G, h);
  if (G == NULL) {
    G = c->zero;
    h = c->zero + (size_t)c->nb_max * m * m;
  }
  return nn_forward(out, c->ws, c->net, c->theta, f, G, h, t, nb);
}

static int nnf_backward(void *ctx, double *df, double *dG, double *dh,
                        int shape, double t, int nb, const double *dout,
                        const double *f, const double *G, const double *h,
                        int params)
{
  flow_nnf_t *c = ctx;
  double *dth = (params && c->dtheta) ? c->dtheta : c->dscratch;
  (void)shape;
  (void)t;
  (void)f;
  (void)h;
  if (nb > c->nb_max || c->lws != NULL) return EMF_EINVAL;
  if (G == NULL) G = c->zero;
  return nn_backward(dth, df, dG, dh, c->ws, c->net, c->theta, dout, G, nb);
}

int flow_nnf_init(pot_func_t *F, flow_nnf_t *c, const nn_t *net, int nb_max)
{
  const int m = net->cfg.n_x;
  memset(c, 0, sizeof *c);
  if (m % 2 != 0 || m > POT_MMAX || m < 2 || nb_max < 1) return EMF_EINVAL;
  c->net = net;
  c->nb_max = nb_max;
  c->m = m;
  c->ws = nn_workspace_alloc(net, nb_max);
  c->zero = acalloc((size_t)nb_max * (m * m + m), sizeof(double));
  c->dscratch = acalloc(net->n_params, sizeof(double));
  if (!c->ws || !c->zero || !c->dscratch) {
    flow_nnf_release(c);
    return EMF_ENOMEM;
  }
  F->name = "nn";
  F->K = m / 2;
  F->ctx = c;
  F->forward = nnf_forward;
  F->backward = nnf_backward;
  return EMF_SUCCESS;
}

void flow_nnf_release(flow_nnf_t *c)
{
  if (c == NULL) return;
  nn_workspace_free(c->ws);
  afree(c->zero);
  afree(c->dscratch);
  afree(c->V);
  afree(c->Mr);
  afree(c->outr);
  afree(c->J);
  memset(c, 0, sizeof *c);
}

int flow_nnf_set_reduced(flow_nnf_t *c, const pot_loop_ws_t *lws)
{
  int r;
  if (lws == NULL) {
    c->lws = NULL;
    return EMF_SUCCESS;
  }
  if (lws->K != c->m / 2) return EMF_EINVAL;
  r = lws->n - 1 < c->m ? lws->n - 1 : c->m;
  c->lws = NULL;
  if (r != c->r_alloc) {
    const size_t nb = (size_t)c->nb_max, m = (size_t)c->m;
    afree(c->V);
    afree(c->Mr);
    afree(c->outr);
    afree(c->J);
    c->V = amalloc(nb * m * r * sizeof(double));
    c->Mr = amalloc(nb * r * r * sizeof(double));
    c->outr = amalloc(nb * (r + 2) * sizeof(double));
    c->J = amalloc(m * NGEN_MAX * BL * sizeof(double));
    c->r_alloc = r;
    if (!c->V || !c->Mr || !c->outr || !c->J) {
      afree(c->V);
      afree(c->Mr);
      afree(c->outr);
      afree(c->J);
      c->V = c->Mr = c->outr = c->J = NULL;
      c->r_alloc = 0;
      return EMF_ENOMEM;
    }
  }
  c->r = r;
  c->lws = lws;
  return EMF_SUCCESS;
}

void flow_nnf_set(flow_nnf_t *c, const double *theta, double *dtheta)
{
  c->theta = theta;
  c->dtheta = dtheta;
}
