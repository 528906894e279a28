/*******************************************************************************
 * check_bcast.c: parameters read on rank 0 arrive bit-identical everywhere.
 *
 * NP: 1 2 3 4
 *
 * Rank 0 reads a configuration text with --set overrides; cfg_bcast_all
 * sends it to all ranks (and checks the hashes collectively).  Every rank
 * then reads the same text itself and compares the bytes and the hash with
 * what it received; the received struct must differ from a zeroed one.
 ******************************************************************************/
#include <string.h>
#include "cfg.h"
#include "check.h"
#include "util.h"

int main(int argc, char **argv)
{
  static const char *text =
      "lattice = { N = 3; extent = [4, 4, 8]; grid = [0, 2, 0]; };\n"
      "action = { beta = 5.7; };\n"
      "run = { seed = 99; tasks = [\"init\"]; };\n"
      "output = { dir = \"x\"; };\n";
  const char *sets[2] = {"hmc.tau=0.3", "run.tasks=[\"init\", \"hmc\"]"};
  cfg_source_t src;
  parms_t p, mine, zero;
  char msg[2048];
  int rank, st = EMF_SUCCESS, fails;

  MPI_Init(&argc, &argv);
  error_init(MPI_COMM_WORLD);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  memset(&src, 0, sizeof src);
  src.text = text;
  src.name = "bcast.conf";
  src.nset = 2;
  src.sets = sets;
  memset(&p, 0xff, sizeof p);   /* garbage on the receivers */
  if (rank == 0) st = cfg_read(&p, &src, msg, sizeof msg);
  MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
  check_int(st, EMF_SUCCESS, "rank 0 reads the text");
  cfg_bcast_all(&p, 0, MPI_COMM_WORLD);

  check_int(cfg_read(&mine, &src, msg, sizeof msg), EMF_SUCCESS, "local read");
  check_bits(&p, &mine, sizeof p, "received parms_t equals a local read (rank %d)", rank);
  check_true(p.hash == mine.hash && p.hash == cfg_hash(&p), "hash (rank %d)", rank);
  memset(&zero, 0, sizeof zero);
  check_true(memcmp(&p, &zero, sizeof p) != 0, "not empty");
  check_true(p.hmc.tau == 0.3 && p.run.n_tasks == 2 && p.lattice.grid[1] == 2,
             "values arrived (rank %d)", rank);
  fails = check_finish_mpi("check_bcast", MPI_COMM_WORLD);
  MPI_Finalize();
  return fails != 0;
}
