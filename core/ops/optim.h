/* optim.h: the optimizers, as one flat loop each over a range of the parameter block.
 *
 * Update rules are PyTorch 1.13's (torch/optim/sgd.py, adam.py, adamw.py, single-tensor
 * path). A backend splits [0, n_params) among its threads; each thread updates its own range,
 * so the result does not depend on the number of threads.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  ST_OPTIM_SGD,
  ST_OPTIM_ADAM,
  ST_OPTIM_ADAMW,
  ST_N_OPTIMS
} StOptimKind;

/* An optimizer and its arguments, PyTorch's ("training.optimizer" of a model file). */
typedef struct {
  StOptimKind type;
  double      lr;
  double      momentum;       /* SGD */
  double      dampening;      /* SGD */
  gboolean    nesterov;       /* SGD */
  double      weight_decay;
  double      betas[2];       /* Adam, AdamW */
  double      eps;            /* Adam, AdamW */
} StOptimConfig;

typedef struct {
  float *m;        /* SGD: momentum buffer; Adam: exp_avg     (n_params) */
  float *v;        /* Adam: exp_avg_sq                        (n_params) */
  gint64 step;     /* steps taken so far; 0 before the first */
} StOptimState;

/* How many state floats per parameter the optimizer keeps (0, 1 or 2). */
int  st_optim_state_per_param (const StOptimConfig *config);

/* Updates params[begin, end) from grads; `step` is the 1-based number of this step. */
void st_optim_update (const StOptimConfig *config, float *params, const float *grads,
                      float *m, float *v, gint64 step, gsize begin, gsize end);

G_END_DECLS
