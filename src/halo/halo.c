/*******************************************************************************
 * halo.c: halo exchange and its reverse (reduction) for site fields.
 *
 * halo_t *halo_alloc(const geom_t *g, size_t site_bytes)
 *   Builds the plan for fields of site_bytes bytes per site on geometry g:
 *   for every direction mu the run lists (start, length) of the slab
 *   exchanged in that direction, send and receive buffers sized for the
 *   largest slab, a private duplicate of g->comm and persistent MPI requests
 *   for both the exchange and the reduction.  Nothing is allocated later.
 *   Returns NULL on every rank if g is NULL, site_bytes is 0 or larger than
 *   INT_MAX, or an allocation failed on some rank.
 *
 * void halo_free(halo_t *h)
 *   Releases the plan (NULL: no-op).  Must come before geom_free(g).
 *
 * void halo_exchange(halo_t *h, void *field)
 *   field[n_ext] (site_bytes each): copies the owned values into every halo
 *   site, corners included.  Directions mu = 0..D-1 are done in turn; the
 *   slab sent in direction mu is the depth owned layers next to the boundary
 *   in mu, spanning the whole extended range in the directions nu < mu
 *   (whose halos are already filled) and the owned range in nu > mu.  When
 *   the neighbour is this rank (grid[mu] == 1) the slab is copied locally.
 *
 * void halo_reduce(halo_t *h, double *field)
 *   The transpose of halo_exchange for a field of site_bytes/sizeof(double)
 *   doubles per site: directions mu = D-1..0, each halo slab is sent back to
 *   the rank that filled it, added there into the owned slab it came from,
 *   and set to zero.  On return each owned site holds its value plus the
 *   values of all its halo copies (on every rank) and all halos are zero.
 *   Aborts (ERROR_LOC, a bug) if site_bytes is not a multiple of
 *   sizeof(double).
 *
 * Context: halo_alloc, halo_free, halo_exchange and halo_reduce are
 * collective on g->comm (every rank with its own plan and field).  One call
 * at a time per plan; not thread-safe.  The message tags are private to the
 * plan's duplicated communicator.
 ******************************************************************************/
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "geom.h"
#include "util.h"

enum { SIDE_DN = 0, SIDE_UP = 1 };

/* Side SIDE_DN of direction mu: the owned layers y[mu] in [depth, 2 depth)
 * go to nbr_dn, which stores them in its halo y[mu] in [depth + l, e); the
 * up halo here is filled from nbr_up.  Side SIDE_UP: layers [l, l + depth)
 * go to nbr_up, into its halo [0, depth).  The slab has the same run list
 * on both ends, shifted by src_off or dst_off extended sites. */
typedef struct {
  long n_sites;          /* sites in one slab */
  long n_runs;
  long *start;           /* [n_runs] first extended index, y[mu] = 0 */
  long *len;             /* [n_runs] run lengths */
  long src_off[2];       /* owned slab = start + src_off[side] */
  long dst_off[2];       /* halo slab  = start + dst_off[side] */
  int self;              /* neighbour in mu is this rank */
  MPI_Request xreq[4];   /* exchange: recv dn, recv up, send dn, send up */
  MPI_Request rreq[4];   /* reduce: same order */
} halo_dir_t;

struct halo {
  int D;
  size_t sb;             /* bytes per site */
  MPI_Comm comm;
  MPI_Datatype site_type;
  unsigned char *sbuf[2], *rbuf[2];
  halo_dir_t dir[EMF_DMAX];
};

/* Run list of the slab of direction mu with y[mu] in [0, depth). */
static int build_runs(const geom_t *g, int mu, halo_dir_t *d)
{
  const int D = g->D;
  int lo[EMF_DMAX], hi[EMF_DMAX], y[EMF_DMAX];
  long n = 1, k = 0, prev = -2;

  for (int nu = 0; nu < D; nu++) {
    if (nu == mu) { lo[nu] = 0; hi[nu] = g->depth; }
    else if (nu < mu) { lo[nu] = 0; hi[nu] = g->e[nu]; }
    else { lo[nu] = g->depth; hi[nu] = g->depth + g->l[nu]; }
    n *= hi[nu] - lo[nu];
    y[nu] = lo[nu];
  }
  d->n_sites = n;
  d->n_runs = 0;
  if (n == 0) return EMF_SUCCESS;
  d->start = amalloc((size_t)n * sizeof *d->start);
  d->len = amalloc((size_t)n * sizeof *d->len);
  if (!d->start || !d->len) return EMF_ENOMEM;
  for (long i = 0; i < n; i++) {
    long is = geom_index(g, y);
    if (is == prev + 1) {
      d->len[k - 1]++;
    } else {
      d->start[k] = is;
      d->len[k++] = 1;
    }
    prev = is;
    for (int nu = D - 1; nu >= 0; nu--) {   /* odometer, nu = D-1 fastest */
      if (++y[nu] < hi[nu]) break;
      y[nu] = lo[nu];
    }
  }
  d->n_runs = k;
  return EMF_SUCCESS;
}

static void free_plan(halo_t *h)
{
  for (int mu = 0; mu < h->D; mu++) {
    halo_dir_t *d = &h->dir[mu];
    for (int k = 0; k < 4; k++) {
      if (d->xreq[k] != MPI_REQUEST_NULL) MPI_Request_free(&d->xreq[k]);
      if (d->rreq[k] != MPI_REQUEST_NULL) MPI_Request_free(&d->rreq[k]);
    }
    afree(d->start);
    afree(d->len);
  }
  for (int s = 0; s < 2; s++) {
    afree(h->sbuf[s]);
    afree(h->rbuf[s]);
  }
  if (h->site_type != MPI_DATATYPE_NULL) MPI_Type_free(&h->site_type);
  if (h->comm != MPI_COMM_NULL) MPI_Comm_free(&h->comm);
  free(h);
}

void halo_free(halo_t *h)
{
  if (h != NULL) free_plan(h);
}

/* Persistent requests of direction mu (the slab has n > 0 sites, the
 * neighbours are other ranks).  Exchange tag 2 mu + side, reduce
 * 2 (EMF_DMAX + mu) + side. */
static void init_requests(halo_t *h, const geom_t *g, int mu)
{
  halo_dir_t *d = &h->dir[mu];
  int n = (int)d->n_sites;
  int dn = g->nbr_dn[mu], up = g->nbr_up[mu];
  int tx = 2 * mu, tr = 2 * (EMF_DMAX + mu);
  /* exchange: side DN receives from up, sends to dn; side UP the reverse */
  MPI_Recv_init(h->rbuf[SIDE_DN], n, h->site_type, up, tx + SIDE_DN, h->comm, &d->xreq[0]);
  MPI_Recv_init(h->rbuf[SIDE_UP], n, h->site_type, dn, tx + SIDE_UP, h->comm, &d->xreq[1]);
  MPI_Send_init(h->sbuf[SIDE_DN], n, h->site_type, dn, tx + SIDE_DN, h->comm, &d->xreq[2]);
  MPI_Send_init(h->sbuf[SIDE_UP], n, h->site_type, up, tx + SIDE_UP, h->comm, &d->xreq[3]);
  /* reduce: every message goes back the way it came */
  MPI_Recv_init(h->rbuf[SIDE_DN], n, h->site_type, dn, tr + SIDE_DN, h->comm, &d->rreq[0]);
  MPI_Recv_init(h->rbuf[SIDE_UP], n, h->site_type, up, tr + SIDE_UP, h->comm, &d->rreq[1]);
  MPI_Send_init(h->sbuf[SIDE_DN], n, h->site_type, up, tr + SIDE_DN, h->comm, &d->rreq[2]);
  MPI_Send_init(h->sbuf[SIDE_UP], n, h->site_type, dn, tr + SIDE_UP, h->comm, &d->rreq[3]);
}

halo_t *halo_alloc(const geom_t *g, size_t site_bytes)
{
  halo_t *h;
  size_t max_bytes = 0;
  int fail = 0, any_fail;

  if (g == NULL || site_bytes == 0 || site_bytes > INT_MAX) return NULL;
  h = calloc(1, sizeof *h);
  fail = (h == NULL);
  MPI_Allreduce(&fail, &any_fail, 1, MPI_INT, MPI_MAX, g->comm);
  if (any_fail) {
    free(h);
    return NULL;
  }
  h->D = g->D;
  h->sb = site_bytes;
  h->site_type = MPI_DATATYPE_NULL;
  for (int mu = 0; mu < EMF_DMAX; mu++)
    for (int k = 0; k < 4; k++) h->dir[mu].xreq[k] = h->dir[mu].rreq[k] = MPI_REQUEST_NULL;
  MPI_Comm_dup(g->comm, &h->comm);
  MPI_Type_contiguous((int)site_bytes, MPI_BYTE, &h->site_type);
  MPI_Type_commit(&h->site_type);

  for (int mu = 0; mu < g->D && !fail; mu++) {
    halo_dir_t *d = &h->dir[mu];
    long stride = 1;
    for (int nu = mu + 1; nu < g->D; nu++) stride *= g->e[nu];
    d->src_off[SIDE_DN] = g->depth * stride;
    d->dst_off[SIDE_DN] = (long)(g->depth + g->l[mu]) * stride;
    d->src_off[SIDE_UP] = (long)g->l[mu] * stride;
    d->dst_off[SIDE_UP] = 0;
    d->self = (g->nbr_up[mu] == g->rank);
    fail = (build_runs(g, mu, d) != EMF_SUCCESS);
    if (!d->self && (size_t)d->n_sites * site_bytes > max_bytes)
      max_bytes = (size_t)d->n_sites * site_bytes;
    if (d->n_sites > INT_MAX) fail = 1;
  }
  for (int s = 0; s < 2 && !fail && max_bytes > 0; s++) {
    h->sbuf[s] = amalloc(max_bytes);
    h->rbuf[s] = amalloc(max_bytes);
    if (!h->sbuf[s] || !h->rbuf[s]) fail = 1;
  }
  MPI_Allreduce(&fail, &any_fail, 1, MPI_INT, MPI_MAX, g->comm);
  if (any_fail) {
    free_plan(h);
    return NULL;
  }
  for (int mu = 0; mu < g->D; mu++)
    if (!h->dir[mu].self && h->dir[mu].n_sites > 0) init_requests(h, g, mu);
  return h;
}

/* buf <- field on the runs shifted by off */
static void gather(const halo_t *h, const halo_dir_t *d, long off,
                   const unsigned char *field, unsigned char *buf)
{
  for (long r = 0; r < d->n_runs; r++) {
    size_t n = (size_t)d->len[r] * h->sb;
    memcpy(buf, field + (size_t)(d->start[r] + off) * h->sb, n);
    buf += n;
  }
}

/* field on the runs shifted by off <- buf */
static void scatter(const halo_t *h, const halo_dir_t *d, long off,
                    const unsigned char *buf, unsigned char *field)
{
  for (long r = 0; r < d->n_runs; r++) {
    size_t n = (size_t)d->len[r] * h->sb;
    memcpy(field + (size_t)(d->start[r] + off) * h->sb, buf, n);
    buf += n;
  }
}

void halo_exchange(halo_t *h, void *field)
{
  unsigned char *f = field;
  for (int mu = 0; mu < h->D; mu++) {
    halo_dir_t *d = &h->dir[mu];
    if (d->n_sites == 0) continue;
    if (d->self) {
      for (int s = 0; s < 2; s++)
        for (long r = 0; r < d->n_runs; r++)
          memcpy(f + (size_t)(d->start[r] + d->dst_off[s]) * h->sb,
                 f + (size_t)(d->start[r] + d->src_off[s]) * h->sb,
                 (size_t)d->len[r] * h->sb);
      continue;
    }
    for (int s = 0; s < 2; s++) gather(h, d, d->src_off[s], f, h->sbuf[s]);
    MPI_Startall(4, d->xreq);
    MPI_Waitall(4, d->xreq, MPI_STATUSES_IGNORE);
    for (int s = 0; s < 2; s++) scatter(h, d, d->dst_off[s], h->rbuf[s], f);
  }
}

/* dst[0..n) += src[0..n) */
static void add_doubles(double *dst, const double *src, size_t n)
{
  for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

/* field on the runs shifted by off += buf (doubles) */
static void scatter_add(const halo_t *h, const halo_dir_t *d, long off,
                        const double *buf, double *field)
{
  const size_t nd = h->sb / sizeof(double);
  for (long r = 0; r < d->n_runs; r++) {
    size_t n = (size_t)d->len[r] * nd;
    add_doubles(field + (size_t)(d->start[r] + off) * nd, buf, n);
    buf += n;
  }
}

/* field on the runs shifted by off <- 0 */
static void zero_runs(const halo_t *h, const halo_dir_t *d, long off, double *field)
{
  const size_t nd = h->sb / sizeof(double);
  for (long r = 0; r < d->n_runs; r++)
    memset(field + (size_t)(d->start[r] + off) * nd, 0, (size_t)d->len[r] * h->sb);
}

void halo_reduce(halo_t *h, double *field)
{
  const size_t nd = h->sb / sizeof(double);
  ERROR_LOC(h->sb % sizeof(double) != 0, EMF_EXIT_INTERNAL,
            "halo_reduce on a plan of %zu bytes per site (not whole doubles)", h->sb);
  for (int mu = h->D - 1; mu >= 0; mu--) {
    halo_dir_t *d = &h->dir[mu];
    if (d->n_sites == 0) continue;
    if (d->self) {
      /* halo and owned slabs are disjoint (depth <= l) */
      for (int s = 0; s < 2; s++) {
        for (long r = 0; r < d->n_runs; r++)
          add_doubles(field + (size_t)(d->start[r] + d->src_off[s]) * nd,
                      field + (size_t)(d->start[r] + d->dst_off[s]) * nd,
                      (size_t)d->len[r] * nd);
        zero_runs(h, d, d->dst_off[s], field);
      }
      continue;
    }
    for (int s = 0; s < 2; s++) {
      gather(h, d, d->dst_off[s], (const unsigned char *)field, h->sbuf[s]);
      zero_runs(h, d, d->dst_off[s], field);
    }
    MPI_Startall(4, d->rreq);
    MPI_Waitall(4, d->rreq, MPI_STATUSES_IGNORE);
    for (int s = 0; s < 2; s++)
      scatter_add(h, d, d->src_off[s], (const double *)h->rbuf[s], field);
  }
}
