/*******************************************************************************
 * parms.h: the run parameters, one plain sub-struct per input group.
 *
 * parms_t holds only plain data (no pointers), so rank 0 fills it from the
 * configuration file (cfg.h) and broadcasts it as bytes.  Every key of
 * doc/input.md is one field here; enumerated keys are stored as int holding
 * the value of the enum named in the comment (the order of the allowed
 * strings in the input).  Arrays carry their length in the field named
 * before them.
 *
 * Adding a group: a sub-struct here, a member of parms_t, a schema table in
 * src/cfg/group_<name>.c and one line in src/cfg/registry.c.
 ******************************************************************************/
#ifndef PARMS_H
#define PARMS_H

#include <stdint.h>
#include "global.h"

#define PARMS_PATH_MAX 1024  /* bytes of a path, including the final NUL */
#define PARMS_TASKS_MAX 16   /* entries of run.tasks */
#define PARMS_C_MAX 16       /* coefficients of target.c */

/* Tasks (run.tasks), in the order of the allowed names
 * "init", "hmc", "train", "sample", "compare", "exact". */
typedef enum {
  TASK_INIT = 0,
  TASK_HMC,
  TASK_TRAIN,
  TASK_SAMPLE,
  TASK_COMPARE,
  TASK_EXACT,
  TASK_COUNT
} task_kind_t;

typedef enum { TARGET_LATTICE = 0, TARGET_SINGLE = 1 } target_type_t;
typedef enum { INIT_START_HOT = 0, INIT_START_COLD = 1 } init_start_t;
typedef enum {
  HMC_INTEGRATOR_LEAPFROG = 0,
  HMC_INTEGRATOR_OMELYAN2MN = 1
} hmc_integrator_t;

typedef struct {
  int N;                  /* lattice.N: gauge group SU(N), 2..EMF_NMAX */
  int D;                  /* number of dimensions = length of lattice.extent
                             (0 only for target.type = "single" without an
                             extent) */
  int extent[EMF_DMAX];   /* lattice.extent: L_0..L_{D-1} */
  int n_grid;             /* D after validation */
  int grid[EMF_DMAX];     /* lattice.grid: ranks per direction, 0 = auto
                             (all 0 when the key is absent) */
} lattice_parms_t;

typedef struct {
  double beta;            /* action.beta > 0 */
} action_parms_t;

typedef struct {
  int type;               /* target.type: target_type_t */
  int n_c;                /* length of target.c (>= 1 for "single") */
  double c[PARMS_C_MAX];  /* target.c: coefficients c_1..c_K */
} target_parms_t;

typedef struct {
  int64_t seed;                 /* run.seed >= 0 */
  int n_tasks;                  /* length of run.tasks, >= 1 */
  int tasks[PARMS_TASKS_MAX];   /* run.tasks: task_kind_t, in run order */
  int resume;                   /* run.resume: 1 = continue what the run
                                   directory holds (tasks that support it) */
} run_parms_t;

typedef struct {
  int start;              /* init.start: init_start_t */
} init_parms_t;

typedef struct {
  int trajectories;       /* hmc.trajectories >= 1 (after thermalization) */
  int thermalization;     /* hmc.thermalization >= 0 */
  double tau;             /* hmc.tau > 0: trajectory length */
  int steps;              /* hmc.steps >= 1: integrator steps per trajectory */
  int integrator;         /* hmc.integrator: hmc_integrator_t */
  int save_every;         /* hmc.save_every >= 0: store every n-th
                             configuration (0 = none but the last) */
  double commit_seconds;  /* hmc.commit_seconds >= 0: shortest interval
                             between replacing ensemble.h5 during a run */
} hmc_task_parms_t;

/* flow.activation, in the order "tanh", "softplus", "silu", "sin" */
typedef enum {
  FLOW_ACT_TANH = 0,
  FLOW_ACT_SOFTPLUS,
  FLOW_ACT_SILU,
  FLOW_ACT_SIN
} flow_act_t;

#define FLOW_SHAPES_MAX 6 /* flow.shapes entries (each shape at most once) */

typedef struct {
  int K;                  /* flow.K: power sums, 1..8 */
  int width;              /* flow.width >= 1 */
  int depth;              /* flow.depth: hidden layers, 1..8 */
  int activation;         /* flow.activation: flow_act_t */
  int time_freq;          /* flow.time_freq: 0..16 */
  double init_scale;      /* flow.init_scale >= 0 */
  int steps;              /* flow.steps >= 1: fixed RK4 steps (training) */
  int n_shapes;           /* length of flow.shapes */
  int shapes[FLOW_SHAPES_MAX]; /* flow.shapes: flow_shape_t, one F each
                             (lattice target) */
  int model;              /* flow.model: flow_model_t (lattice target) */
  int degree;             /* flow.degree: 1..2, monomials of the features in
                             the linear model */
  int time_basis;         /* flow.time_basis: 1..16, Legendre time functions
                             of the linear model */
  int init;               /* flow.init: flow_init_t (lattice target) */
} flow_parms_t;

/* flow.model, in the order "mlp", "linear" */
typedef enum { FLOW_MODEL_MLP = 0, FLOW_MODEL_LINEAR = 1 } flow_model_t;
/* flow.init, in the order "zero", "lo" */
typedef enum { FLOW_INIT_ZERO = 0, FLOW_INIT_LO = 1 } flow_init_t;

/* flow.shapes, in the order "plaquette", "rectangle", "2x2", "1x3",
 * "plaquette-pair" (the two-plaquette term, potential.h
 * pot_pair_*: linear model only, beside at least one loop shape),
 * "corner" (the L-shaped three-plaquette loops, loops_add_corners) */
typedef enum {
  FLOW_SHAPE_PLAQUETTE = 0,
  FLOW_SHAPE_RECTANGLE = 1,
  FLOW_SHAPE_2X2 = 2,
  FLOW_SHAPE_1X3 = 3,
  FLOW_SHAPE_PAIR = 4,
  FLOW_SHAPE_CORNER = 5
} flow_shape_t;

typedef enum { TRAIN_SCHEDULE_COSINE = 0, TRAIN_SCHEDULE_CONSTANT = 1 } train_schedule_t;
/* train.gradient: the estimator of the reverse-KL gradient (lattice flow) */
typedef enum { TRAIN_GRADIENT_TOTAL = 0, TRAIN_GRADIENT_PATH = 1 } train_gradient_t;

typedef struct {
  int steps;              /* train.steps >= 0 */
  int batch;              /* train.batch >= 1, a multiple of block */
  int block;              /* train.block >= 1 */
  double lr;              /* train.lr > 0 */
  double lr_min;          /* train.lr_min >= 0 */
  int schedule;           /* train.schedule: train_schedule_t */
  int warmup;             /* train.warmup >= 0 */
  double clip_norm;       /* train.clip_norm >= 0 (0: none) */
  int checkpoint_every;   /* train.checkpoint_every >= 0 */
  int log_every;          /* train.log_every >= 1 */
  int groups;             /* train.groups >= 0: batch groups of the lattice
                             flow (0: automatic) */
  /* train.init_from: model.h5 whose parameters start a fresh lattice
     training ("": off).  Last, aligned as a double: the bytes before it are
     the struct as it was before this key, so flow_task_model_hash (which
     leaves the key out) gives the model hashes of earlier runs. */
  _Alignas(double) char init_from[PARMS_PATH_MAX];
  /* train.gradient: train_gradient_t; after init_from, and in the model
     hash only when not "total", so that earlier model hashes hold */
  int gradient;
} train_parms_t;

/* sample.stepper, in the order "rk2", "rk4", "rkf45", "rkck", "rk8pd" */
typedef enum {
  SAMPLE_STEPPER_RK2 = 0,
  SAMPLE_STEPPER_RK4,
  SAMPLE_STEPPER_RKF45,
  SAMPLE_STEPPER_RKCK,
  SAMPLE_STEPPER_RK8PD
} sample_stepper_t;

typedef struct {
  int n;                  /* sample.n >= 1, a multiple of block */
  int block;              /* sample.block >= 1 */
  int stepper;            /* sample.stepper: sample_stepper_t */
  double eps_abs;         /* sample.eps_abs > 0 */
  double eps_rel;         /* sample.eps_rel >= 0 */
  double ref_factor;      /* sample.ref_factor >= 0 (0: no reference run) */
  int burnin;             /* sample.burnin >= 0 */
  int save_samples;       /* sample.save_samples: bool */
  int ref_n;              /* sample.ref_n >= 0: lattice samples redone at the
                             tolerance / ref_factor (0: all) */
} sample_parms_t;

typedef struct {
  char dir[PARMS_PATH_MAX];  /* output.dir (default runs/<config basename>) */
} output_parms_t;

typedef struct {
  lattice_parms_t lattice;
  action_parms_t action;
  target_parms_t target;
  run_parms_t run;
  init_parms_t init;
  hmc_task_parms_t hmc;
  flow_parms_t flow;
  train_parms_t train;
  sample_parms_t sample;
  output_parms_t output;
  char config_file[PARMS_PATH_MAX];  /* the file the parameters came from */
  uint64_t hash;  /* cfg_hash: FNV-1a 64 of the canonical text without
                     lattice.grid and output.dir (the config hash of
                     checkpoints) */
} parms_t;

#endif
