/*******************************************************************************
 * hmc.c: Hybrid Monte Carlo trajectories, accept/reject and the driver.
 *
 * const hmc_integrator_type_t *hmc_integrator_get(const char *name)
 *   "leapfrog" or "omelyan2mn" (integrators.c); NULL otherwise.  Local.
 *
 * hmc_t *hmc_alloc(const hmc_parms_t *parms, const action_t *terms,
 *                  int n_terms, gauge_t *u)
 *   Workspaces for HMC of the sum of the n_terms action terms on fields
 *   shaped like u (momenta, force, start links; end links and momenta when
 *   parms->check_reversibility; the vectorised-force workspace of
 *   action_ws_alloc, NULL where none applies, which on a grid that splits
 *   no direction also holds the links and momenta during an integration:
 *   as much memory again as the owned links and momenta).  The terms are not copied: they must
 *   outlive h.  The trajectory counter starts at 0.  Returns NULL for
 *   invalid parameters (n_steps < 1, tau <= 0 or not finite, no integrator,
 *   n_terms < 1, a halo shallower than a term needs) or when out of memory.
 *   Local (no communication), but every rank must pass the same parameters.
 *
 * void hmc_free(hmc_t *h)
 *   Frees h and its workspaces (NULL is fine).
 *
 * void hmc_draw_momenta(const hmc_t *h, const gauge_t *u, long traj, double *p)
 *   p_a on owned link (x, mu) = the N^2-1 normals of the stream (seed,
 *   RNG_MOMENTA, gsite(x)*D + mu, traj): the same momenta on any grid.  Local.
 *
 * int hmc_hamiltonian_all(hmc_t *h, gauge_t *u, const double *p, qsum_t *H)
 *   H = 1/2 sum p_a^2 + sum of the terms' S, summed in double-double and
 *   reduced over the ranks (same bits on every rank).  Exchanges the link
 *   halos.  Returns the status of the action evaluation.  Collective.
 *
 * void hmc_md_begin(hmc_t *h, gauge_t *u, const double *p)
 * void hmc_md_end(hmc_t *h, gauge_t *u, double *p)
 *   The bracket of an MD integration (integrators.c) with momenta p.
 *   begin: where h->ws can hold the links and momenta in its vector
 *   layout (action_ws_box_load: SU(3), one "wilson" term, a grid that
 *   splits no direction), they move there for the whole integration
 *   (h->in_box = 1): hmc_md_force_kick and hmc_md_drift (with this p) then
 *   act on them without copies or transposes per step, and end copies
 *   them back to u (halos stale) and p.  Else both do nothing.  Inside the
 *   bracket p is stale and hmc_md_kick must not be called.  Local.
 *
 * int hmc_md_force(hmc_t *h, gauge_t *u)
 *   h->f = gradient of S at u (action_force_ws_all with h->ws, or
 *   action_force_box inside a bracket: the same bits as action_force_all);
 *   counts h->n_force.  Collective.
 *
 * void hmc_md_kick(hmc_t *h, double *p, double c)
 *   p -= c h->f.  Local.
 *
 * int hmc_md_force_kick(hmc_t *h, gauge_t *u, double *p, double c)
 *   hmc_md_force then hmc_md_kick (what the integrators do), the same
 *   bits; inside a bracket the kick is fused into the force and acts on
 *   the momenta in the workspace (action_force_kick_box: h->f is then not
 *   written).  Collective.
 *
 * int hmc_md_drift(hmc_t *h, gauge_t *u, const double *p, double c)
 *   U <- exp(c P) U on every owned link: consecutive owned links (in the
 *   order of p) four at a time with the sun_type_t entry exp_mul4 (for
 *   SU(3) with AVX2 one link per vector lane), the remaining n_owned D mod
 *   4 with exp_mul; both give the bits of exp_mul (exact in the group;
 *   fused exp and product for N = 3).  Inside an hmc_md_begin/end bracket
 *   with h->in_box, action_ws_box_drift on the links and momenta in h->ws
 *   (the same bits; p is then not read).  Halos become stale (the next force exchanges
 *   them).  Returns EMF_SUCCESS or the exp's status (EMF_EDOM for
 *   non-finite momenta; such links are left as they were), agreed over the
 *   ranks (one MPI_Allreduce), so that every rank stops together.
 *   Collective.
 *
 * int hmc_trajectory(hmc_t *h, gauge_t *u, hmc_record_t *rec)
 *   Trajectory number t = h->traj: draws momenta, integrates tau with
 *   n_steps steps of the integrator, optionally (check_reversibility set
 *   at hmc_alloc, which sizes the extra buffers) integrates back with flipped
 *   momenta (reversibility: max abs deviation of link entries and momenta
 *   from the start, rec->rev_dU, rec->rev_dp; the forward end point is then
 *   restored), computes dH = H(end) - H(start) in double-double, accepts if
 *   r < exp(-dH) with r the uniform of (seed, RNG_ACCEPT, 0, t) and
 *   otherwise restores the start links; measures the plaquette (and the
 *   Polyakov loop if asked).  Increments h->traj and the monitors
 *   (n_accepted, sum_exp_mdH).  Returns EMF_SUCCESS, or the first error of
 *   an action or exp evaluation (the start links are then restored).
 *   Collective.
 *
 * int hmc_run(hmc_t *h, gauge_t *u, long n_traj, hmc_callback_t cb, void *arg)
 *   n_traj trajectories; after each, cb(rec, u, arg) if cb is not NULL
 *   (a non-zero return stops the run, reported as EMF_SUCCESS).  cb must
 *   return the same value on every rank.  Collective.
 *
 * Context: collective functions must be called by all ranks of u->g->comm
 * with the same arguments.  Every number that decides accept/reject is
 * grid-independent: momenta from counter-based streams, forces gathered per
 * link, energies in double-double.
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "hmc.h"
#include "obs.h"
#include "rng.h"

const hmc_integrator_type_t *hmc_integrator_get(const char *name)
{
  if (name == NULL) return NULL;
  if (strcmp(name, hmc_leapfrog->name) == 0) return hmc_leapfrog;
  if (strcmp(name, hmc_omelyan2mn->name) == 0) return hmc_omelyan2mn;
  return NULL;
}

static size_t link_bytes(const gauge_t *u)
{
  return (size_t)u->g->n_ext * u->g->D * u->nn * sizeof(cplx_t);
}

hmc_t *hmc_alloc(const hmc_parms_t *parms, const action_t *terms, int n_terms,
                 gauge_t *u)
{
  if (parms == NULL || terms == NULL || u == NULL || n_terms < 1) return NULL;
  if (parms->n_steps < 1 || !(parms->tau > 0.0) || !isfinite(parms->tau) ||
      parms->integrator == NULL)
    return NULL;
  for (int k = 0; k < n_terms; k++)
    if (terms[k].type == NULL || u->g->depth < terms[k].type->halo_depth) return NULL;
  hmc_t *h = acalloc(1, sizeof *h);
  if (h == NULL) return NULL;
  h->parms = *parms;
  h->terms = terms;
  h->n_terms = n_terms;
  h->u = u;
  h->nf = action_force_len(u);
  size_t nfb = (h->nf > 0 ? h->nf : 1) * sizeof(double);
  h->p = amalloc(nfb);
  h->f = amalloc(nfb);
  h->p0 = amalloc(nfb);
  h->u0 = amalloc(link_bytes(u));
  h->ws = action_ws_alloc(u); /* NULL is fine: the plain kernels, same bits */
  int bad = h->p == NULL || h->f == NULL || h->p0 == NULL || h->u0 == NULL;
  if (parms->check_reversibility) {
    h->p1 = amalloc(nfb);
    h->u1 = amalloc(link_bytes(u));
    bad |= h->p1 == NULL || h->u1 == NULL;
  }
  if (bad) {
    hmc_free(h);
    return NULL;
  }
  return h;
}

void hmc_free(hmc_t *h)
{
  if (h == NULL) return;
  afree(h->p);
  afree(h->f);
  afree(h->p0);
  afree(h->p1);
  afree(h->u0);
  afree(h->u1);
  action_ws_free(h->ws);
  afree(h);
}

void hmc_draw_momenta(const hmc_t *h, const gauge_t *u, long traj, double *p)
{
  const geom_t *g = u->g;
  const int D = g->D, ngen = u->su->ngen;
  rng_stream_t s;
  for (long i = 0; i < g->n_owned; i++) {
    const long gs = g->gsite[g->owned[i]];
    for (int mu = 0; mu < D; mu++) {
      rng_stream_init(&s, h->parms.seed, RNG_MOMENTA, (uint64_t)gs * D + mu,
                      (uint32_t)traj);
      rng_gaussians(&s, p + ((size_t)i * D + mu) * ngen, ngen);
    }
  }
}

int hmc_hamiltonian_all(hmc_t *h, gauge_t *u, const double *p, qsum_t *H)
{
  const int per = u->g->D * u->su->ngen;
  qsum_t k = {0.0, 0.0};
  for (long i = 0; i < u->g->n_owned; i++) {
    const double *pl = p + (size_t)i * per;
    double t = 0.0;
    for (int a = 0; a < per; a++) t += pl[a] * pl[a];
    qsum_add(&k, 0.5 * t);
  }
  qsum_allreduce(&k, 1, u->g->comm);
  *H = k;
  int st = EMF_SUCCESS;
  for (int t = 0; t < h->n_terms; t++) {
    qsum_t s;
    int st1 = action_eval_qsum_all(&h->terms[t], u, &s);
    if (st == EMF_SUCCESS) st = st1;
    qsum_add_qsum(H, &s);
  }
  return st;
}

void hmc_md_begin(hmc_t *h, gauge_t *u, const double *p)
{
  h->in_box = h->n_terms == 1 && action_ws_box_load(h->ws, h->terms, h->n_terms, u, p);
}

void hmc_md_end(hmc_t *h, gauge_t *u, double *p)
{
  if (h->in_box) action_ws_box_store(h->ws, u, p);
  h->in_box = 0;
}

int hmc_md_force(hmc_t *h, gauge_t *u)
{
  h->n_force++;
  if (h->in_box) return action_force_box(h->terms, h->n_terms, u, h->f, h->ws);
  return action_force_ws_all(h->terms, h->n_terms, u, h->f, h->ws);
}

void hmc_md_kick(hmc_t *h, double *p, double c)
{
  const double *f = h->f;
  for (size_t k = 0; k < h->nf; k++) p[k] -= c * f[k];
}

int hmc_md_force_kick(hmc_t *h, gauge_t *u, double *p, double c)
{
  if (h->in_box) {
    h->n_force++;
    return action_force_kick_box(&h->terms[0], u, c, h->ws);
  }
  int st = hmc_md_force(h, u);
  if (st == EMF_SUCCESS) hmc_md_kick(h, p, c);
  return st;
}

static int agree(int st, MPI_Comm comm)
{
  int out;
  MPI_Allreduce(&st, &out, 1, MPI_INT, MPI_MAX, comm);
  return out;
}

int hmc_md_drift(hmc_t *h, gauge_t *u, const double *p, double c)
{
  const geom_t *g = u->g;
  const sun_type_t *su = u->su;
  const int D = g->D, ngen = su->ngen;
  int st = EMF_SUCCESS;
  if (h->in_box) return agree(action_ws_box_drift(h->ws, c), g->comm);
  cplx_t *ul[4];
  const double *pl[4];
  int n4 = 0;
  /* groups of four consecutive owned links (p order), the rest one by one */
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    for (int mu = 0; mu < D; mu++) {
      ul[n4] = gauge_link(u, is, mu);
      pl[n4] = p + ((size_t)i * D + mu) * ngen;
      if (++n4 == 4) {
        int st1 = su->exp_mul4(ul, pl, c);
        if (st1 != EMF_SUCCESS && st == EMF_SUCCESS) st = st1;
        n4 = 0;
      }
    }
  }
  for (int l = 0; l < n4; l++) {
    int st1 = su->exp_mul(ul[l], pl[l], c);
    if (st1 != EMF_SUCCESS && st == EMF_SUCCESS) st = st1;
  }
  return agree(st, g->comm);
}

/* max |a - b| over owned links (entries) and over momenta. */
static double max_link_dev(const gauge_t *u, const cplx_t *a, const cplx_t *b)
{
  const geom_t *g = u->g;
  const size_t per = (size_t)g->D * u->nn;
  double m = 0.0;
  for (long i = 0; i < g->n_owned; i++) {
    const size_t off = (size_t)g->owned[i] * per;
    for (size_t k = 0; k < per; k++) {
      double d = cabs(a[off + k] - b[off + k]);
      if (!(d <= m)) m = d;
    }
  }
  return m;
}

static double max_dev(const double *a, const double *b, size_t n)
{
  double m = 0.0;
  for (size_t k = 0; k < n; k++) {
    double d = fabs(a[k] - b[k]);
    if (!(d <= m)) m = d;
  }
  return m;
}

int hmc_trajectory(hmc_t *h, gauge_t *u, hmc_record_t *rec)
{
  const long t = h->traj;
  const double eps = h->parms.tau / h->parms.n_steps;
  const size_t lb = link_bytes(u), pb = h->nf * sizeof(double);
  double t0 = MPI_Wtime();
  qsum_t H0, H1;
  int st;

  memset(rec, 0, sizeof *rec);
  rec->traj = t;
  rec->polyakov[0] = rec->polyakov[1] = NAN;
  rec->rev_dU = rec->rev_dp = NAN;
  memcpy(h->u0, u->u, lb);
  hmc_draw_momenta(h, u, t, h->p);
  st = hmc_hamiltonian_all(h, u, h->p, &H0);
  if (st == EMF_SUCCESS)
    st = h->parms.integrator->integrate(h, u, h->p, eps, h->parms.n_steps);
  if (st == EMF_SUCCESS) st = hmc_hamiltonian_all(h, u, h->p, &H1);
  if (st == EMF_SUCCESS && h->parms.check_reversibility && h->u1 != NULL) {
    memcpy(h->u1, u->u, lb);
    memcpy(h->p1, h->p, pb);
    for (size_t k = 0; k < h->nf; k++) h->p[k] = -h->p[k];
    st = h->parms.integrator->integrate(h, u, h->p, eps, h->parms.n_steps);
    for (size_t k = 0; k < h->nf; k++) h->p[k] = -h->p[k];
    hmc_draw_momenta(h, u, t, h->p0);
    double dev[2] = {max_link_dev(u, u->u, h->u0), max_dev(h->p, h->p0, h->nf)}, gdev[2];
    MPI_Allreduce(dev, gdev, 2, MPI_DOUBLE, MPI_MAX, u->g->comm);
    rec->rev_dU = gdev[0];
    rec->rev_dp = gdev[1];
    memcpy(u->u, h->u1, lb);
    memcpy(h->p, h->p1, pb);
  }
  if (st != EMF_SUCCESS) {
    memcpy(u->u, h->u0, lb);
    h->traj++;
    return st;
  }
  qsum_t d = H1;
  qsum_add(&d, -H0.hi);
  qsum_add(&d, -H0.lo);
  rec->dH = qsum_value(&d);
  rec->exp_mdH = exp(-rec->dH);
  rng_stream_t s;
  rng_stream_init(&s, h->parms.seed, RNG_ACCEPT, 0, (uint32_t)t);
  rec->uniform = rng_uniform(&s);
  rec->accepted = rec->uniform < rec->exp_mdH;
  if (!rec->accepted) memcpy(u->u, h->u0, lb);
  rec->plaquette = gauge_plaquette_all(u);
  if (h->parms.measure_polyakov) {
    st = obs_polyakov_all(u, rec->polyakov);
    if (st != EMF_SUCCESS) rec->polyakov[0] = rec->polyakov[1] = NAN;
  }
  h->n_accepted += rec->accepted;
  h->sum_exp_mdH += rec->exp_mdH;
  h->traj++;
  double dt = MPI_Wtime() - t0;
  MPI_Allreduce(&dt, &rec->seconds, 1, MPI_DOUBLE, MPI_MAX, u->g->comm);
  return EMF_SUCCESS;
}

int hmc_run(hmc_t *h, gauge_t *u, long n_traj, hmc_callback_t cb, void *arg)
{
  hmc_record_t rec;
  for (long k = 0; k < n_traj; k++) {
    int st = hmc_trajectory(h, u, &rec);
    if (st != EMF_SUCCESS) return st;
    if (cb != NULL && cb(&rec, u, arg) != 0) break;
  }
  return EMF_SUCCESS;
}
