/*******************************************************************************
 * train.h: reverse-KL training of the flow and its checkpoints
 * (DESIGN.md section 5; doc/flow.md).
 *
 * Loss = mean over the batch of log q(U_1) + S(U_1), U_1 the flow of Haar
 * prior samples U_0; KL(q||p) = loss + log Z.  The gradient is exact for the
 * computed objective (backpropagation through the fixed-step RKMK-RK4 map,
 * flow_single_vjp).
 *
 * Bit-identical splits: the batch is cut into fixed global blocks of
 * `block` samples; rank r of P owns blocks [r nblk / P, (r+1) nblk / P).
 * Each block's loss and parameter-gradient sum are computed by the same
 * calls whatever rank owns it, then added into double-double accumulators
 * (qsum_t) and summed over ranks with qsum_allreduce.  The rounded sums do
 * not depend on the split, so the trained parameters are the same bits on
 * any number of ranks.  Prior sample i of training step t is drawn from
 * the stream (seed, RNG_TRAIN, index i, step t); t is the optimizer's step
 * count, so a checkpoint needs only (seed, t).
 ******************************************************************************/
#ifndef TRAIN_H
#define TRAIN_H

#include <mpi.h>
#include <stdint.h>
#include "flow.h"
#include "nn.h"
#include "potential.h"
#include "util.h"

#define TRAIN_CKPT_VERSION 2   /* 2: training cost; version 1 still reads */
#define TRAIN_CKPT_TEXT 64     /* bytes of the short text attributes */
#define TRAIN_CKPT_PATH 1024   /* bytes of a path attribute (PARMS_PATH_MAX) */

/* Target of a single matrix: S(U) = -(beta/N) sum_k c_k Re tr U^k. */
typedef struct train_target {
  int N;
  double beta;
  int n_c;
  double c[POT_KMAX];
} train_target_t;

/* Loss function F for the target's action: quadratic F with
 * a_{Re k} = -(beta/N) c_k (pot_func_quad).  EMF_EINVAL for a bad n_c. */
int train_target_func(pot_func_t *S, pot_quad_t *q, const train_target_t *tg);

typedef struct train_stats {
  double loss;        /* mean of log q + S over the batch */
  double loss_std;    /* standard deviation of log q + S over the batch */
  double grad_norm;   /* norm of the gradient before clipping */
  double lr;          /* learning rate of the step */
  long step;          /* steps taken after this one */
} train_stats_t;

typedef struct train_single {
  const nn_t *net;
  train_target_t tg;
  int batch, block, nblk;
  uint64_t seed;
  flow_single_t *fs;
  pot_quad_t q;
  pot_func_t S;
  pot_loop_ws_t *tw;
  cplx_t *u;          /* (block, N*N) */
  double *lq, *ubar, *lqbar, *dblk;
  qsum_t *acc;        /* (n_params + 2): gradient, sum L, sum L^2 */
  double *grad;       /* (n_params) */
} train_single_t;

/* single.c */
/* Trainer for batches of `batch` samples in blocks of `block` (batch a
 * multiple of block), n_steps fixed RK4 steps.  NULL on bad arguments or no
 * memory.  Local. */
train_single_t *train_single_alloc(const nn_t *net, const train_target_t *tg,
                                   int batch, int block, long n_steps,
                                   uint64_t seed);
void train_single_free(train_single_t *t);
/* Loss and exact gradient (into t->grad, identical on every rank) for
 * training step `step` at theta.  Collective over comm.  Returns an EMF_*
 * status (the same on every rank). */
int train_single_grad_all(train_single_t *t, const double *theta, long step,
                          train_stats_t *st, MPI_Comm comm);
/* One optimizer step: gradient at step st->t, then adam_step.  Collective. */
int train_single_step_all(train_single_t *t, double *theta, adam_state_t *adam,
                          const adam_parms_t *ap, train_stats_t *st,
                          MPI_Comm comm);

/* sample.c: draw n samples of the trained flow (adaptive integration) */
typedef struct train_sample {
  long n;              /* samples */
  double *logq;        /* (n) log q(U_1) */
  double *action;      /* (n) S(U_1) */
  double *logq_ref;    /* (n) the same prior samples at tolerance / ref_factor */
  double *action_ref;  /* (n) */
  double *obs;         /* (n, 3) (1/N) Re tr U_1^k, k = 1..3 */
  cplx_t *u;           /* (n, N*N) samples (rank 0 only, if asked) */
  long n_eval, n_eval_ref;   /* field evaluations (all ranks) */
  double seconds, seconds_ref;  /* wall time (max over ranks) */
} train_sample_t;

/* Samples i = 0..n-1 from the prior streams (seed, RNG_FLOW_PRIOR, index i,
 * step 0), flowed with the adaptive stepper at tolerances par and again at
 * par / ref_factor (ref_factor <= 0: no reference run, *_ref left NaN), in
 * fixed global blocks of `block` (n a multiple of block); results gathered
 * in global order on every rank (u on rank 0 when want_u).  Allocates the
 * arrays in out (train_sample_release frees them).  Collective; the status
 * is agreed over comm. */
int train_single_sample_all(const nn_t *net, const double *theta,
                            const train_target_t *tg, long n, int block,
                            const char *stepper, const ode_adaptive_t *par,
                            double ref_factor, uint64_t seed, int want_u,
                            train_sample_t *out, MPI_Comm comm);
void train_sample_release(train_sample_t *s);

/* checkpoint.c: model.h5 (local: call on one rank) */
typedef struct train_ckpt_info {
  uint64_t seed;        /* run.seed */
  uint64_t cfg_hash;    /* config hash of the run that wrote it */
  long step;            /* optimizer steps taken (= RNG step of the next batch) */
  /* cost of the training up to step, summed over all runs that led to it */
  double seconds;       /* wall seconds of the training loops */
  double cpu_seconds;   /* CPU seconds, summed over the ranks */
  double core_seconds;  /* wall seconds x ranks */
  long cost_from_step;  /* the sums count from this step on: 0, or the step of
                           a version-1 checkpoint (which had no cost) */
  /* What the model was trained on (optional attributes, written by the
   * lattice train task; N = 0 and "" when absent: the single-matrix
   * target, or a file written before they were added). */
  int N;                /* lattice.N */
  double beta;          /* action.beta */
  char extent[TRAIN_CKPT_TEXT];  /* lattice.extent as "8x8" */
  char shapes[TRAIN_CKPT_TEXT];  /* flow.shapes joined by ",", in order */
  /* Transfer (train.init_from): where the initial parameters came from
   * ("" when the training did not start from another model), that model's
   * step, model hash and cumulative core seconds. */
  char init_from[TRAIN_CKPT_PATH];
  long init_from_step;
  uint64_t init_from_hash;
  double init_from_core_seconds;
} train_ckpt_info_t;

/* The header of a checkpoint: format and network shape. */
typedef struct train_ckpt_header {
  int version;          /* format_version */
  long long n_params;   /* all parameters (every term of a lattice flow) */
  int n_x, n_freq, width, depth;  /* the nn_config_t of the file's net */
  char activation[64];  /* activation name ("linear": the linear model) */
} train_ckpt_header_t;

/* Writes parameters, Adam m, v and t, the network shape, seed, step,
 * config hash and cost to path (through path.tmp and rename).  EMF_EIO on
 * failure (no file left behind). */
int train_ckpt_write(const char *path, const nn_t *net, const double *theta,
                     const adam_state_t *adam, const train_ckpt_info_t *info);
/* Reads a checkpoint into theta (net->n_params) and adam (same n); info
 * receives seed, hash, step and cost (version 1: cost 0 from step on) and
 * the optional lattice and transfer attributes (absent: 0 and "").
 * EMF_EIO (cannot open/read), EMF_EFORMAT (unknown version or network
 * shape differs from net; msg says which). */
int train_ckpt_read(const char *path, const nn_t *net, double *theta,
                    adam_state_t *adam, train_ckpt_info_t *info, char *msg,
                    int msglen);
/* Reads only the attributes: the header into h, everything of info as
 * train_ckpt_read, without comparing them to any network (for a caller
 * that wants to say what differs).  EMF_EIO (cannot open, not a
 * checkpoint), EMF_EFORMAT (unknown format version); msg says which. */
int train_ckpt_read_header(const char *path, train_ckpt_header_t *h,
                           train_ckpt_info_t *info, char *msg, int msglen);

#endif
