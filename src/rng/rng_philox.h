/*******************************************************************************
 * rng_philox.h: the one place that includes Random123's Philox header.
 *
 * Random123 is a third-party header library; marking this wrapper as a
 * system header keeps any diagnostics of its code out of our -Werror build
 * without loosening the project's flags for our own code.  (With gcc 12 and
 * clang 14 it compiles cleanly anyway.)
 ******************************************************************************/
#ifndef RNG_PHILOX_H
#define RNG_PHILOX_H

#pragma GCC system_header
#include <Random123/philox.h>

#endif
