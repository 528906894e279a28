/*******************************************************************************
 * global.h: constants and core types shared by every module.
 *
 * Complex numbers are C99 `double complex` (cplx_t).  An N x N matrix is N*N
 * contiguous cplx_t in row-major order: M[i*N + j] = M_ij.  A link field is an
 * array of n_links such matrices, link index = site * D + mu (see geom.h).
 * An element X of su(N) (anti-Hermitian, traceless) is stored either as a
 * matrix or as its N^2-1 real coordinates x_a = <T_a, X> = -2 tr(T_a X) in the
 * orthonormal basis T_a = i lambda_a / 2 (DESIGN.md section 2; sun.h).
 ******************************************************************************/
#ifndef GLOBAL_H
#define GLOBAL_H

#include <complex.h>
#include <stddef.h>
#include <stdint.h>

typedef double complex cplx_t;

#define EMF_DMAX 4      /* largest lattice dimension */
#define EMF_NMAX 8      /* largest N of SU(N) supported by the general kernels */

/* Status codes returned by math kernels (GSL style: 0 is success). */
enum {
  EMF_SUCCESS = 0,
  EMF_EFAILED = 1,   /* generic failure */
  EMF_EINVAL = 2,    /* invalid argument */
  EMF_ENOMEM = 3,    /* allocation failed */
  EMF_EDOM = 4,      /* argument outside the domain of the function */
  EMF_ERANGE = 5,    /* result out of range (overflow, non-finite) */
  EMF_EMAXITER = 6,  /* iteration limit reached */
  EMF_ETOL = 7,      /* tolerance could not be reached */
  EMF_EIO = 8,       /* input/output failure */
  EMF_EFORMAT = 9,   /* malformed or inconsistent data */
  EMF_ENOTSUP = 10,  /* combination not supported */
  EMF_NSTATUS
};

/* Process exit codes of the programs (doc/programs/emflow-lqft.md). */
enum {
  EMF_EXIT_OK = 0,
  EMF_EXIT_USAGE = 1,    /* bad command line */
  EMF_EXIT_CONFIG = 2,   /* bad configuration file or --set value */
  EMF_EXIT_INPUT = 3,    /* bad input data file (HDF5, checkpoint) */
  EMF_EXIT_RUNTIME = 4,  /* numerical or runtime failure during the run */
  EMF_EXIT_IO = 5,       /* cannot write output */
  EMF_EXIT_INTERNAL = 6  /* internal error (a bug) */
};

#endif
