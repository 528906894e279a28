/*******************************************************************************
 * testutil.h: helpers shared by the test programs (see testutil.c).
 *
 * Deterministic generators (fixed seeds, no dependence on src/rng):
 *   tu_mix64(z)              splitmix64 output for state z (a 64-bit hash)
 *   tu_splitmix64(state)     next splitmix64 number
 *   tu_uniform(state)        uniform in (0, 1), 53 bits
 *   tu_gauss(state)          standard normal, one Box-Muller value a call
 *   tu_rng_gauss(rng)        standard normal, both Box-Muller values in turn
 * Lattices and process grids:
 *   tu_volume(D, L)                 number of sites prod L[mu]
 *   tu_grids(D, L, np, grids)       every grid of np ranks dividing L
 *   tu_grids_deep(D, L, depth, max, n, grids)  those with local extents >= depth
 *   tu_mpi_init / tu_mpi_finish     MPI_Init + error_init + size, rank /
 *                                   check_finish_mpi + MPI_Finalize
 *   tu_comm_first(k)                communicator of world ranks 0..k-1
 *   tu_gather_sites(g, f, per, out) per-site doubles to rank 0 by global site
 *   tu_gather_links(a, glinks)      owned links to rank 0 by global site
 *   tu_owned_equal(a, b)            memcmp of the owned links
 *   tu_spoil_halo(a)                NaN in every link of every halo site
 *   tu_fill_links(a, seed, value)   grid-independent hashed link values
 *   tu_gauge_matrix / tu_gauge_transform   Haar random gauge transformation
 * Small things:
 *   tu_maxdiff(nn, a, b)     max_i |a_i - b_i| of complex arrays
 *   tu_gaussian_matrix(s, n, scale, m)   n x n complex Gaussian entries
 *   tu_random_quad(q, K, rs, sa, se, sb) random quadratic F (pot_func_quad)
 *   tu_random_quad_key(q, K, seed, key, sa, se, sb)  the same, stream (seed, key)
 *   tu_random_gauss_key(v, n, seed, key, scale)  v_i = scale x normal, stream (seed, key)
 *   tu_shift(n, out, a, s, w)  out = exp(s T_a) w
 *   tu_fd1(v, eps), tu_fd2(v, eps)  4th-order central differences
 *   tu_maxabs(v, n)          max_i |v_i|
 *   tu_verbose()             CHECK_VERBOSE=1 in the environment
 *   tu_mkdir_tmp()           creates build/tmp
 *   tu_file_exists(path)     stat() succeeds
 ******************************************************************************/
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <mpi.h>
#include <stdint.h>
#include "gauge.h"
#include "geom.h"
#include "global.h"
#include "potential.h"
#include "rng.h"

/* Largest number of process grids tu_grids returns. */
#define TU_MAX_GRIDS 64

/* Gaussian generator that keeps the second Box-Muller value. */
typedef struct {
  uint64_t s;     /* splitmix64 state (the seed) */
  int have;       /* spare valid */
  double spare;
} tu_rng_t;

uint64_t tu_mix64(uint64_t z);
uint64_t tu_splitmix64(uint64_t *state);
double tu_uniform(uint64_t *state);
double tu_gauss(uint64_t *state);
double tu_rng_gauss(tu_rng_t *rng);

long tu_volume(int D, const int *L);
int tu_grids(int D, const int *L, int np, int grids[][EMF_DMAX]);
int tu_grids_deep(int D, const int *L, int depth, int max, int n, int grids[][EMF_DMAX]);
void tu_mpi_init(int *argc, char ***argv, int *np, int *rank);
int tu_mpi_finish(const char *name);
MPI_Comm tu_comm_first(int k);
void tu_gather_sites(const geom_t *g, const double *f, int per, double *out);
void tu_gather_links(const gauge_t *a, cplx_t *glinks);
int tu_owned_equal(const gauge_t *a, const gauge_t *b);
void tu_spoil_halo(gauge_t *a);
void tu_fill_links(gauge_t *a, uint64_t seed, double (*value)(uint64_t h));
void tu_gauge_matrix(int N, uint64_t seed, uint32_t step, long gsite, cplx_t *gm);
void tu_gauge_transform(gauge_t *a, uint64_t seed, uint32_t step);

double tu_maxdiff(int nn, const cplx_t *a, const cplx_t *b);
void tu_gaussian_matrix(rng_stream_t *s, int n, double scale, cplx_t *m);
void tu_random_quad(pot_quad_t *q, int K, rng_stream_t *rs, double sa, double se, double sb);
void tu_random_gauss_key(double *v, int n, uint64_t seed, uint64_t key, double scale);
void tu_random_quad_key(pot_quad_t *q, int K, uint64_t seed, uint64_t key, double sa,
                        double se, double sb);
void tu_shift(int n, cplx_t *out, int a, double s, const cplx_t *w);
long tu_owned_link(const geom_t *g, int D, long gl);
double tu_fd1(const double *v, double eps);
double tu_fd2(const double *v, double eps);
double tu_maxabs(const double *v, long n);
int tu_verbose(void);
void tu_mkdir_tmp(void);
int tu_file_exists(const char *path);

#endif
