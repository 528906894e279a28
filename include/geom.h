/*******************************************************************************
 * geom.h: lattice geometry, domain decomposition and halos.
 *
 * The global lattice has D dimensions (2..4), periodic extents L[mu].  Ranks
 * of a communicator form a Cartesian grid grid[mu] (each dividing L[mu]);
 * every rank holds a local box of extents l[mu] = L[mu]/grid[mu] plus a halo
 * of `depth` layers on both sides in every direction (corners included).
 * The halo exists on every rank even when grid[mu] == 1 (it is then filled
 * by a local periodic copy), so the code that reads neighbours is the same on
 * any grid: this is what makes results bit-identical across process grids.
 *
 * Indexing (doc/geometry.md):
 *   extended coordinates y[mu] in [0, e[mu]), e[mu] = l[mu] + 2 depth;
 *   owned sites have depth <= y[mu] < depth + l[mu];
 *   extended site index  is = lexicographic in y with mu = D-1 fastest;
 *   global site index    gs = lexicographic in global x with mu = D-1
 *                             fastest (the HDF5 layout [L_0..L_{D-1}, D, N, N]);
 *   link index           il = is * D + mu (the link from site is in +mu);
 *   global link index    gl = gs * D + mu.
 *   x[mu] = (cpos[mu] * l[mu] + y[mu] - depth) mod L[mu].
 ******************************************************************************/
#ifndef GEOM_H
#define GEOM_H

#include <mpi.h>
#include "global.h"

typedef struct geom {
  int D;
  int L[EMF_DMAX];      /* global extents */
  int grid[EMF_DMAX];   /* process grid */
  int cpos[EMF_DMAX];   /* this rank's grid coordinates */
  int l[EMF_DMAX];      /* local extents */
  int depth;            /* halo depth (same in every direction, both sides) */
  int e[EMF_DMAX];      /* extended extents l + 2 depth */
  long n_global;        /* global number of sites, prod L */
  long n_owned;         /* owned sites, prod l */
  long n_ext;           /* sites of the extended box, prod e */
  long *owned;          /* [n_owned] extended indices of owned sites, in
                           increasing global site index order within the box */
  long *up;             /* [n_ext*D] neighbour in +mu, -1 outside the box */
  long *dn;             /* [n_ext*D] neighbour in -mu, -1 outside the box */
  long *gsite;          /* [n_ext] global site index */
  int *is_owned;        /* [n_ext] 1 for owned sites */
  MPI_Comm comm;        /* Cartesian communicator (owned by geom) */
  int rank, nranks;
  int nbr_up[EMF_DMAX], nbr_dn[EMF_DMAX];  /* neighbour ranks in comm */
} geom_t;

/* geometry.c */
/* Choose a process grid: grid_req[mu] > 0 fixes that direction, 0 lets
 * MPI_Dims_create choose.  Returns EMF_SUCCESS and fills grid, or
 * EMF_EINVAL with a message in msg (msglen bytes) if no grid of nranks
 * ranks divides the lattice (or a requested one does not). */
int geom_choose_grid(int D, const int *L, int nranks, const int *grid_req,
                     int *grid, char *msg, int msglen);
/* Build the geometry on comm (collective): D, L, grid (all ranks must pass
 * the same), halo depth.  Returns NULL and a message in msg if the grid does
 * not divide L or depth > l[mu] in some direction. */
geom_t *geom_alloc(MPI_Comm comm, int D, const int *L, const int *grid,
                   int depth, char *msg, int msglen);
void geom_free(geom_t *g);             /* collective on g->comm */
/* Extended index of the site with extended coordinates y; coordinates of is. */
long geom_index(const geom_t *g, const int *y);
void geom_coords(const geom_t *g, long is, int *y);
/* Global coordinates of extended site is (periodic wrap applied). */
void geom_global_coords(const geom_t *g, long is, int *x);
/* Global site index of global coordinates x, 0 <= x[mu] < L[mu]. */
long geom_global_index(const geom_t *g, const int *x);
/* Site reached from is by steps[mu] in each direction (may be negative);
 * -1 if outside the extended box. */
long geom_shift(const geom_t *g, long is, const int *steps);

/* halo.c: halo exchange for site fields of `site_bytes` bytes per site
 * (a link field: D*N*N*sizeof(cplx_t) per site).  Plans are built once. */
typedef struct halo halo_t;
/* Collective on g->comm; NULL on every rank on failure.  halo_free
 * (collective) must come before geom_free. */
halo_t *halo_alloc(const geom_t *g, size_t site_bytes);
void halo_free(halo_t *h);
/* Fill every halo site of field[n_ext] with the owner's value (collective).
 * Directions are exchanged one after another, including already filled
 * halo layers, so corners arrive too. */
void halo_exchange(halo_t *h, void *field);
/* Reverse exchange (collective): for a field of doubles with
 * site_bytes/sizeof(double) values per site, add the values held on halo
 * sites to the owner's site and then zero the halo.  The order of additions
 * is fixed for a given grid but not across grids; code that needs
 * grid-independent bits computes owned values by gathering instead. */
void halo_reduce(halo_t *h, double *field);

#endif
