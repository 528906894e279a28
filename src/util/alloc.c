/*******************************************************************************
 * alloc.c: 64-byte aligned allocation for field arrays.
 *
 * void *amalloc(size_t size)       aligned block, or NULL (size 0: NULL).
 * void *acalloc(size_t n, size_t size)  zeroed aligned block, or NULL
 *                                  (also on n*size overflow).
 * void afree(void *p)              releases a block from amalloc/acalloc.
 *
 * Context: local, thread-safe.  Callers check for NULL (math kernels return
 * EMF_ENOMEM; program code reports with ERROR_LOC).
 ******************************************************************************/
#include <stdlib.h>
#include <string.h>
#include "util.h"

#define ALIGNMENT 64

void *amalloc(size_t size)
{
  void *p = NULL;
  if (size == 0) return NULL;
  size = (size + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  p = aligned_alloc(ALIGNMENT, size);
  return p;
}

void *acalloc(size_t n, size_t size)
{
  void *p;
  if (n == 0 || size == 0) return NULL;
  if (n > ((size_t)-1) / size) return NULL;
  p = amalloc(n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

void afree(void *p) { free(p); }
