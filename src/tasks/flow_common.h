/*******************************************************************************
 * flow_common.h: helpers shared by the train and sample tasks (internal to
 * src/tasks).
 ******************************************************************************/
#ifndef FLOW_COMMON_H
#define FLOW_COMMON_H

#include <stdint.h>
#include "tasks.h"
#include "train.h"

/* The network of the flow group; ends the run (EMF_EXIT_CONFIG) on an
 * inconsistent configuration.  Collective (ERROR_ROOT). */
void flow_task_net(const parms_t *p, nn_t *net);
/* The single-matrix target of lattice.N, action.beta, target.c. */
void flow_task_target(const parms_t *p, train_target_t *tg);
/* Hash of everything that determines the trained model: the groups
 * lattice, action, target, flow, the train keys except steps (and those
 * that do not change results) and run.seed.  A checkpoint from another
 * model hash is refused. */
uint64_t flow_task_model_hash(const parms_t *p);
/* Reads outdir/model.h5 on rank 0 and broadcasts theta, Adam state and
 * info.  Returns 1 if read, 0 if absent (nothing changed); ends the run
 * (EMF_EXIT_INPUT) on an unreadable file, another network or another model
 * hash.  Collective. */
int flow_task_load(const task_ctx_t *ctx, const nn_t *net, double *theta,
                   adam_state_t *adam, train_ckpt_info_t *info, int required);

#endif
