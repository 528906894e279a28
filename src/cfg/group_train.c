/*******************************************************************************
 * group_train.c: schema of the group `train` (train_parms_t): reverse-KL
 * training of the flow (doc/flow.md).
 *
 *   steps             int >= 0, default 1500     optimizer steps in total
 *   batch             int >= 1, default 256      samples per step
 *   block             int >= 1, default 32       samples per fixed block
 *                                                (single target: batch a
 *                                                multiple of it)
 *   lr                float > 0, default 3e-3    peak learning rate (Adam)
 *   lr_min            float >= 0, default 0.0    final rate of the cosine
 *   schedule          "cosine" (default) | "constant"
 *   warmup            int >= 0, default 0        linear warm-up steps
 *   clip_norm         float >= 0, default 10.0   gradient-norm clip (0: none)
 *   checkpoint_every  int >= 0, default 100      steps between model.h5
 *                                                writes (0: only at the end)
 *   log_every         int >= 1, default 100      steps between log lines
 *   groups            int >= 0, default 0        lattice flow: batch groups
 *                                                (0: automatic)
 *   init_from         string, default "" (off)   lattice flow: model.h5 whose
 *                                                parameters start a fresh
 *                                                training (doc/flow_lattice.md
 *                                                "Transfer")
 *   gradient          "total" (default) | "path" lattice flow: estimator of
 *                                                the loss gradient (doc/
 *                                                flow_lattice.md section 13)
 * checkpoint_every, log_every and groups do not change the results and are
 * left out of the configuration hash (CFG_NOHASH).  init_from is left out
 * too: it only matters when no model.h5 is continued, and the model.h5 it
 * starts records where its parameters came from.  Continuation from
 * model.h5 is run.resume (group_run.c).  init_from with target.type =
 * "single" is refused (the single-matrix train task has no transfer).
 *
 * Exports the descriptor cfg_group_train (cfg_int.h).  Read-only.
 ******************************************************************************/
#include "cfg_int.h"

static const char *const schedules[] = {"cosine", "constant", NULL};
static const char *const gradients[] = {"total", "path", NULL};

static const cfg_key_t keys[] = {
    {"steps", CFG_INT, CFG_MIN, "1500", 0, 0, 0, 0, NULL, CFG_OFF(train.steps), 0,
     CFG_SIZE(train.steps), "optimizer steps in total (a resumed run continues to this)"},
    {"batch", CFG_INT, CFG_MIN, "256", 1, 0, 0, 0, NULL, CFG_OFF(train.batch), 0,
     CFG_SIZE(train.batch), "prior samples per optimizer step"},
    {"block", CFG_INT, CFG_MIN, "32", 1, 0, 0, 0, NULL, CFG_OFF(train.block), 0,
     CFG_SIZE(train.block),
     "samples per fixed block (ranks own whole blocks; batch must be a multiple)"},
    {"lr", CFG_FLOAT, CFG_MIN_EXCL, "3e-3", 0, 0, 0, 0, NULL, CFG_OFF(train.lr), 0,
     CFG_SIZE(train.lr), "peak learning rate of Adam"},
    {"lr_min", CFG_FLOAT, CFG_MIN, "0.0", 0, 0, 0, 0, NULL, CFG_OFF(train.lr_min), 0,
     CFG_SIZE(train.lr_min), "learning rate at the end of the cosine schedule"},
    {"schedule", CFG_ENUM, 0, "\"cosine\"", 0, 0, 0, 0, schedules, CFG_OFF(train.schedule), 0,
     CFG_SIZE(train.schedule), "learning-rate schedule after the warm-up"},
    {"warmup", CFG_INT, CFG_MIN, "0", 0, 0, 0, 0, NULL, CFG_OFF(train.warmup), 0,
     CFG_SIZE(train.warmup), "steps of linear learning-rate warm-up"},
    {"clip_norm", CFG_FLOAT, CFG_MIN, "10.0", 0, 0, 0, 0, NULL, CFG_OFF(train.clip_norm), 0,
     CFG_SIZE(train.clip_norm), "clip the gradient to this Euclidean norm (0: no clipping)"},
    {"checkpoint_every", CFG_INT, CFG_MIN | CFG_NOHASH, "100", 0, 0, 0, 0, NULL,
     CFG_OFF(train.checkpoint_every), 0, CFG_SIZE(train.checkpoint_every),
     "steps between checkpoints model.h5 (0: only at the end)"},
    {"log_every", CFG_INT, CFG_MIN | CFG_NOHASH, "100", 1, 0, 0, 0, NULL, CFG_OFF(train.log_every), 0,
     CFG_SIZE(train.log_every), "steps between log lines"},
    {"groups", CFG_INT, CFG_MIN | CFG_NOHASH, "0", 0, 0, 0, 0, NULL, CFG_OFF(train.groups), 0,
     CFG_SIZE(train.groups),
     "lattice flow: batch groups (ranks = groups x domain ranks; 0: automatic)"},
    {"init_from", CFG_STRING, CFG_NOHASH, "\"\"", 0, 0, 0, 0, NULL, CFG_OFF(train.init_from), 0,
     CFG_SIZE(train.init_from),
     "lattice flow: model.h5 whose parameters start a fresh training (\"\": off)"},
    {"gradient", CFG_ENUM, 0, "\"total\"", 0, 0, 0, 0, gradients, CFG_OFF(train.gradient), 0,
     CFG_SIZE(train.gradient),
     "lattice flow: gradient estimator, \"total\" or \"path\" (score term dropped)"},
};

static void check(parms_t *p, cfg_ctx_t *ctx)
{
  if (p->target.type == TARGET_SINGLE && p->train.batch % p->train.block != 0)
    cfg_fail(ctx, "train.batch", "%d is not a multiple of train.block = %d", p->train.batch,
             p->train.block);
  if (p->train.schedule == TRAIN_SCHEDULE_COSINE && p->train.lr_min > p->train.lr)
    cfg_fail(ctx, "train.lr_min", "must not exceed train.lr");
  if (p->target.type == TARGET_SINGLE && p->train.gradient != TRAIN_GRADIENT_TOTAL)
    cfg_fail(ctx, "train.gradient",
             "\"path\" is supported only for target.type = \"lattice\"");
  if (p->target.type == TARGET_SINGLE && p->train.init_from[0] != 0)
    cfg_fail(ctx, "train.init_from",
             "is supported only for target.type = \"lattice\" (the single-matrix train task "
             "starts from flow.init_scale)");
}

const cfg_group_t cfg_group_train = {
    "train", keys, (int)(sizeof keys / sizeof keys[0]), check,
    "the train task: reverse-KL training of the flow with Adam"};
