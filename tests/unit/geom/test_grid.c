/*******************************************************************************
 * test_grid.c: geom_choose_grid accepts and refuses the right grids, and
 * geom_alloc / halo_alloc refuse bad arguments with a clear message.
 *
 * Serial MPI program (singleton, no mpirun).  Part 1: a table of cases with
 * the expected grid or refusal (and words the message must contain).  Part 2:
 * for every lattice with extents 1..12 in D = 2 (and a sample in D = 3, 4)
 * and 1..12 ranks, compares with a brute-force enumeration of all grids:
 * success exactly when some grid divides the lattice; the grid returned
 * divides the lattice, uses all ranks and honours the requests; when
 * MPI_Dims_create's own choice does not divide the lattice, the grid has the
 * smallest local surface of all valid grids.
 ******************************************************************************/
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "geom.h"
#include "util.h"

typedef struct {
  int D, L[4], n, req[4];
  int ok;           /* expected status: 1 success, 0 EMF_EINVAL */
  int grid[4];      /* expected grid when ok and grid[0] > 0 */
  const char *w1, *w2;  /* words expected in the refusal message */
} grid_case_t;

static const grid_case_t cases[] = {
    {2, {8, 8}, 4, {0, 0}, 1, {2, 2}, NULL, NULL},
    {2, {3, 8}, 4, {0, 0}, 1, {1, 4}, NULL, NULL},
    {2, {12, 9}, 6, {0, 0}, 1, {2, 3}, NULL, NULL},
    {3, {9, 8, 8}, 8, {0, 0, 0}, 1, {1, 4, 2}, NULL, NULL},
    {2, {8, 9}, 6, {0, 3}, 1, {2, 3}, NULL, NULL},
    {2, {4, 4}, 4, {2, 2}, 1, {2, 2}, NULL, NULL},
    {3, {4, 4, 4}, 8, {2, 0, 0}, 1, {2, 2, 2}, NULL, NULL},
    {4, {3, 3, 3, 3}, 1, {0, 0, 0, 0}, 1, {1, 1, 1, 1}, NULL, NULL},
    {4, {3, 3, 3, 3}, 9, {0, 0, 0, 0}, 1, {3, 3, 1, 1}, NULL, NULL},
    {4, {2, 3, 2, 2}, 3, {0, 0, 0, 0}, 1, {1, 3, 1, 1}, NULL, NULL},
    {4, {4, 4, 4, 6}, 4, {0, 1, 0, 0}, 1, {0}, NULL, NULL},
    {2, {5, 5}, 2, {0, 0}, 0, {0}, "direction 0", "L[0] = 5"},
    {4, {3, 3, 3, 3}, 2, {0, 0, 0, 0}, 0, {0}, "2 ranks", "3x3x3x3"},
    {2, {8, 8}, 3, {3, 0}, 0, {0}, "grid[0] = 3", "L[0] = 8"},
    {2, {8, 6}, 3, {0, 4}, 0, {0}, "grid[1] = 4", "L[1] = 6"},
    {2, {4, 4}, 4, {4, 4}, 0, {0}, "16 ranks", "only 4"},
    {2, {9, 8}, 4, {3, 0}, 0, {0}, "use 3 ranks", "4 ranks"},
    {2, {4, 4}, 4, {1, 1}, 0, {0}, "uses 1 ranks", "4 were given"},
    {2, {4, 4}, 2, {-1, 0}, 0, {0}, "grid[0] = -1", "negative"},
    {1, {4}, 1, {0}, 0, {0}, "D = 1", NULL},
    {5, {4, 4, 4, 4}, 1, {0, 0, 0, 0}, 0, {0}, "D = 5", NULL},
    {2, {4, 0}, 1, {0, 0}, 0, {0}, "L[1] = 0", NULL},
    {2, {4, 4}, 0, {0, 0}, 0, {0}, "ranks 0", NULL},
};

/* Brute force: smallest surface over all grids with product n dividing L
 * and matching the requests; -1 if none.  cnt counts the valid grids. */
static double bf_surface(int D, const int *L, int n, const int *req, int mu,
                         int *g, long *cnt)
{
  double best = -1.0;
  if (mu == D) {
    double s = 0.0;
    if (n != 1) return -1.0;
    for (int a = 0; a < D; a++) {
      double p = 1.0;
      for (int b = 0; b < D; b++)
        if (b != a) p *= L[b] / g[b];
      s += p;
    }
    (*cnt)++;
    return s;
  }
  for (int d = 1; d <= n; d++) {
    double s;
    if (n % d || L[mu] % d || (req[mu] && req[mu] != d)) continue;
    g[mu] = d;
    s = bf_surface(D, L, n / d, req, mu + 1, g, cnt);
    if (s >= 0.0 && (best < 0.0 || s < best)) best = s;
  }
  return best;
}

static double surface(int D, const int *L, const int *g)
{
  double s = 0.0;
  for (int a = 0; a < D; a++) {
    double p = 1.0;
    for (int b = 0; b < D; b++)
      if (b != a) p *= L[b] / g[b];
    s += p;
  }
  return s;
}

/* Checks one call of geom_choose_grid against brute force; returns the
 * number of disagreements (details on stdout). */
static int compare_bf(int D, const int *L, int n, const int *req)
{
  int grid[4] = {0}, g[4], dims[4];
  char msg[512];
  long cnt = 0;
  int st = geom_choose_grid(D, L, n, req, grid, msg, sizeof msg);
  double best = bf_surface(D, L, n, req, 0, g, &cnt);
  long fixed = 1;
  int dims_ok = 1, bad = 0;

  if ((st == EMF_SUCCESS) != (cnt > 0)) {
    printf("  L=%dx%d.. n=%d: status %d but %ld valid grids\n", L[0], L[1], n, st,
           cnt);
    return 1;
  }
  if (st != EMF_SUCCESS) return strstr(msg, "direction") == NULL;
  for (int mu = 0; mu < D; mu++) {
    if (grid[mu] < 1 || L[mu] % grid[mu] || (req[mu] && req[mu] != grid[mu])) bad = 1;
    fixed *= grid[mu] > 0 ? grid[mu] : 1;
  }
  if (bad || fixed != n) return 1;
  /* when MPI_Dims_create's choice divides L it must be taken */
  for (int mu = 0; mu < D; mu++) dims[mu] = req[mu];
  MPI_Dims_create(n, D, dims);
  for (int mu = 0; mu < D; mu++)
    if (L[mu] % dims[mu]) dims_ok = 0;
  if (dims_ok) return memcmp(dims, grid, (size_t)D * sizeof *grid) != 0;
  return surface(D, L, grid) != best;
}

static void check_alloc_refusals(void)
{
  char msg[512];
  geom_t *g;
  int L[4] = {4, 4, 4, 4}, grid[4] = {1, 1, 1, 1};
  int L23[2] = {2, 3}, grid31[2] = {3, 1}, grid21[2] = {2, 1};

  msg[0] = '\0';
  g = geom_alloc(MPI_COMM_WORLD, 2, L, grid, 5, msg, sizeof msg);
  check_true(g == NULL && strstr(msg, "depth 5") && strstr(msg, "l[0] = 4"),
             "geom_alloc refuses depth 5 > l = 4: '%s'", msg);
  g = geom_alloc(MPI_COMM_WORLD, 2, L, grid, -1, msg, sizeof msg);
  check_true(g == NULL && strstr(msg, "negative"), "geom_alloc refuses depth -1: '%s'",
             msg);
  g = geom_alloc(MPI_COMM_WORLD, 2, L, grid31, 1, msg, sizeof msg);
  check_true(g == NULL && strstr(msg, "grid[0] = 3") && strstr(msg, "L[0] = 4"),
             "geom_alloc refuses grid 3 on L = 4: '%s'", msg);
  g = geom_alloc(MPI_COMM_WORLD, 2, L, grid21, 1, msg, sizeof msg);
  check_true(g == NULL && strstr(msg, "1 ranks"),
             "geom_alloc refuses a 2-rank grid on 1 rank: '%s'", msg);
  g = geom_alloc(MPI_COMM_WORLD, 5, L, grid, 1, msg, sizeof msg);
  check_true(g == NULL && strstr(msg, "D = 5"), "geom_alloc refuses D = 5: '%s'", msg);
  g = geom_alloc(MPI_COMM_WORLD, 2, L23, grid, 3, msg, sizeof msg);
  check_true(g == NULL && strstr(msg, "l[0] = 2"),
             "geom_alloc refuses depth 3 on L = 2x3: '%s'", msg);

  g = geom_alloc(MPI_COMM_WORLD, 2, L23, grid, 2, msg, sizeof msg);
  check_true(g != NULL, "geom_alloc accepts depth 2 = l[0] on 2x3");
  if (g) {
    halo_t *h0 = halo_alloc(g, 0);
    halo_t *h1 = halo_alloc(g, 8);
    check_true(h0 == NULL, "halo_alloc refuses 0 bytes per site");
    check_true(h1 != NULL, "halo_alloc accepts 8 bytes per site");
    check_int(g->n_ext, 6 * 7, "extended sites of 2x3, depth 2");
    check_int(g->n_owned, 6, "owned sites of 2x3");
    halo_free(h1);
    geom_free(g);
  }
  check_true(halo_alloc(NULL, 8) == NULL, "halo_alloc refuses a NULL geometry");
}

int main(int argc, char **argv)
{
  int nbad = 0, ntried = 0;
  MPI_Init(&argc, &argv);

  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const grid_case_t *k = &cases[c];
    int grid[4] = {0};
    char msg[512];
    int st;
    msg[0] = '\0';
    st = geom_choose_grid(k->D, k->L, k->n, k->req, grid, msg, sizeof msg);
    if (k->ok) {
      int same = 1;
      check_int(st, EMF_SUCCESS, "case %zu accepted (%s)", c, msg);
      if (st == EMF_SUCCESS && k->grid[0] > 0)
        for (int mu = 0; mu < k->D; mu++) same &= (grid[mu] == k->grid[mu]);
      if (st == EMF_SUCCESS && k->grid[0] == 0) {
        long p = 1;
        for (int mu = 0; mu < k->D; mu++) {
          p *= grid[mu];
          same &= (k->L[mu] % grid[mu] == 0) && (!k->req[mu] || k->req[mu] == grid[mu]);
        }
        same &= (p == k->n);
      }
      check_true(same, "case %zu grid %d %d %d %d", c, grid[0], grid[1], grid[2],
                 grid[3]);
    } else {
      check_int(st, EMF_EINVAL, "case %zu refused", c);
      check_true((!k->w1 || strstr(msg, k->w1)) && (!k->w2 || strstr(msg, k->w2)),
                 "case %zu message names '%s' and '%s': '%s'", c, k->w1,
                 k->w2 ? k->w2 : "", msg);
    }
  }
  {
    int grid[2];
    check_int(geom_choose_grid(2, (const int[]){6, 4}, 4, NULL, grid, NULL, 0),
              EMF_SUCCESS, "NULL request and NULL message accepted");
  }

  /* exhaustive comparison with brute force */
  for (int L0 = 1; L0 <= 12; L0++)
    for (int L1 = 1; L1 <= 12; L1++)
      for (int n = 1; n <= 12; n++) {
        int L[2] = {L0, L1}, req0[2] = {0, 0}, req1[2] = {0, L1 % 2 ? 1 : 2};
        nbad += compare_bf(2, L, n, req0);
        if (n % req1[1] == 0) nbad += compare_bf(2, L, n, req1);
        ntried += 2;
      }
  for (int a = 1; a <= 9; a++)
    for (int b = 1; b <= 9; b += 2)
      for (int n = 1; n <= 16; n++) {
        int L3[3] = {a, b, 12}, L4[4] = {b, a, 6, 9}, r3[3] = {0}, r4[4] = {0};
        nbad += compare_bf(3, L3, n, r3);
        nbad += compare_bf(4, L4, n, r4);
        ntried += 2;
      }
  check_int(nbad, 0, "geom_choose_grid agrees with brute force in %d cases", ntried);

  check_alloc_refusals();
  MPI_Finalize();
  return check_finish("test_grid");
}
