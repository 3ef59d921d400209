/* cuda-tape.c: the CUDA backend's ops over the compiled net's tape — each op's forward and
 * backward on the whole batch, the loss and the optimizer update — on the arena that
 * cuda-backend.c lays out. The jobs that string them together (train_step, evaluate,
 * compute, the graphs) are in cuda-run.c.
 */
#define G_LOG_DOMAIN "strata-cuda"

#include "gpu/cuda-context.h"

#include <math.h>

/* ---- the arena ------------------------------------------------------------------------ */


float *
st_cuda_act (CudaBackend *cb, int v)
{
  return cb->acts + cb->value_off[v];
}

float *
st_cuda_dact (CudaBackend *cb, int v)
{
  return cb->dacts + cb->dvalue_off[v];
}

static float *
param (CudaBackend *cb, float *block, int tensor)
{
  return tensor >= 0 ? block + cb->net->tensors[tensor].offset : NULL;
}

static float *
buffer (CudaBackend *cb, int tensor)
{
  return tensor >= 0 ? cb->buffers + cb->net->tensors[tensor].offset : NULL;
}

/* ---- fusion --------------------------------------------------------------------------- */

static StCudaAct
act_of (StOpKind kind)
{
  switch (kind)
    {
    case ST_OP_RELU:
      return ST_CUDA_ACT_RELU;
    case ST_OP_SIGMOID:
      return ST_CUDA_ACT_SIGMOID;
    case ST_OP_TANH:
      return ST_CUDA_ACT_TANH;
    default:
      return ST_CUDA_ACT_NONE;
    }
}

/* How many ops read value v. */
static int
readers (const StNet *net, int v)
{
  int n = 0;

  for (guint o = 0; o < net->n_ops; o++)
    for (int i = 0; i < net->ops[o].n_inputs; i++)
      n += net->ops[o].inputs[i].value == v;
  return n;
}

/* A Conv2d or Linear op followed by a ReLU, Sigmoid or Tanh that is the only reader of its
 * output: the activation's backward reads only its own output and gradient, so the layer's
 * own output — the pre-activation — is never needed in training, and the layer may write
 * the activation's output directly; backward, a layer with a bias forms the activation's
 * gradient in the pass that sums the bias's (the same float operations either way). */
void
st_cuda_plan_fusion (CudaBackend *cb)
{
  const StNet *net = cb->net;

  for (guint o = 0; o < net->n_ops; o++)
    {
      cb->plans[o].act = ST_CUDA_ACT_NONE;
      cb->plans[o].fused = cb->plans[o].act_grad = cb->plans[o].fused_grad = FALSE;
    }
  if (!cb->use_fusion)
    return;
  for (guint o = 0; o + 1 < net->n_ops; o++)
    {
      const StOp *op = &net->ops[o], *next = &net->ops[o + 1];
      const StCudaAct act = act_of (next->kind);

      if ((op->kind != ST_OP_CONV2D && op->kind != ST_OP_LINEAR) || act == ST_CUDA_ACT_NONE
          || cb->plans[o].fused || next->inputs[0].value != op->output
          || op->output == net->output || readers (net, op->output) != 1)
        continue;
      cb->plans[o].act = act;
      cb->plans[o + 1].fused = TRUE;
      /* backward, the activation's gradient is formed in the pass that sums the bias's:
       * where there is one, and the activation writes (not adds) its input's gradient */
      cb->plans[o].act_grad = cb->plans[o + 1].fused_grad
        = op->bias >= 0 && next->inputs[0].grad_mode == ST_GRAD_WRITE;
    }
}

gboolean
st_cuda_fusing (CudaBackend *cb)
{
  return cb->job == JOB_TRAIN || cb->job == JOB_EVAL;
}

/* ---- the tape ------------------------------------------------------------------------- */

/* Every value but the input needs a gradient; the input only when compute asks for it. */
static inline gboolean
wants_grad (CudaBackend *cb, int v)
{
  return cb->net->values[v].needs_grad || (v == 0 && cb->job == JOB_COMPUTE && cb->job_dx);
}

gboolean
st_cuda_forward_op (CudaBackend *cb, guint o, int n, gboolean train, GError **error)
{
  const StOp *op = &cb->net->ops[o];
  const OpPlan *p = &cb->plans[o];
  const StOpPlan *plan = &op->plan;
  guint8 *cache = cb->bytes + plan->cache_off * cb->E;
  const int bn_c = cb->net->batchnorm_max_c;
  const StOpGeom *g = &op->g;
  const StOpArgs *a = &op->args;
  const StCudaQueue *q = &cb->q;
  const gboolean fusing = st_cuda_fusing (cb);
  /* a layer fused with its activation writes the activation's output */
  const StCudaAct act = fusing ? p->act : ST_CUDA_ACT_NONE;
  float *out = st_cuda_act (cb, act != ST_CUDA_ACT_NONE ? cb->net->ops[o + 1].output : op->output);
  const float *in = st_cuda_act (cb, op->inputs[0].value);
  const gsize count = (gsize) n * plan->in_numel;

  if (fusing && p->fused)
    return TRUE;
  switch (op->kind)
    {
    case ST_OP_CONV2D:
      return st_cuda_conv2d_forward (q, p->ways.forward, out, in,
                                     param (cb, cb->params, op->weight),
                                     param (cb, cb->params, op->bias), act, cb->scratch, n,
                                     p->chunk, &p->g, error);
    case ST_OP_MAXPOOL2D:
      return st_cuda_maxpool2d_forward (q, out, in, (gint32 *) cache, n,
                                        &p->g, error);
    case ST_OP_AVGPOOL2D:
      return st_cuda_avgpool2d_forward (q, out, in, n, &p->g, error);
    case ST_OP_ADAPTIVEAVGPOOL2D:
      return st_cuda_adaptive_avgpool2d_forward (q, out, in, n, &p->g, error);
    case ST_OP_RELU:
      return st_cuda_relu_forward (q, out, in, count, error);
    case ST_OP_LEAKYRELU:
      return st_cuda_leaky_relu_forward (q, out, in, (float) a->leaky_relu.negative_slope,
                                         count, error);
    case ST_OP_PRELU:
      return st_cuda_prelu_forward (q, out, in, param (cb, cb->params, op->weight), n, g->c,
                                    plan->hw, cb->net->tensors[op->weight].numel, error);
    case ST_OP_SIGMOID:
      return st_cuda_sigmoid_forward (q, out, in, count, error);
    case ST_OP_TANH:
      return st_cuda_tanh_forward (q, out, in, count, error);
    case ST_OP_LINEAR:
      return st_cuda_linear_forward (q, out, in, param (cb, cb->params, op->weight),
                                     param (cb, cb->params, op->bias), act, n, g->c, g->oc,
                                     error);
    case ST_OP_DROPOUT:
      if (!train)
        return st_cuda_accumulate (q, out, in, count, FALSE, error);
      return st_cuda_dropout_forward_train (q, out, in, cache, a->dropout.p,
                                            cb->step_values, (int) o, n, plan->in_numel, error);
    case ST_OP_BATCHNORM2D:
      {
        float *mean = cb->bn_stats + (gsize) plan->bn_index * 2 * bn_c;
        float *invstd = mean + bn_c;
        const float *gamma = param (cb, cb->params, op->weight);
        const float *beta = param (cb, cb->params, op->bias);

        if (!train)
          return st_cuda_batchnorm2d_forward_eval (q, out, in, gamma, beta,
                                                   buffer (cb, op->buffer),
                                                   buffer (cb, op->buffer + 1),
                                                   a->batchnorm2d.eps, n, g->c, plan->hw, error);
        return st_cuda_batchnorm2d_forward_train (q, out, in, gamma, beta, mean, invstd,
                                                  buffer (cb, op->buffer),
                                                  buffer (cb, op->buffer + 1), cb->partials,
                                                  a->batchnorm2d.momentum, a->batchnorm2d.eps,
                                                  n, g->c, plan->hw, error);
      }
    case ST_OP_CONCAT:
      for (int i = 0, offset = 0; i < op->n_inputs; offset += plan->channels[i], i++)
        if (!st_cuda_concat_forward (q, out, st_cuda_act (cb, op->inputs[i].value), n,
                                     plan->channels[i], offset, g->oc, (gsize) g->oh * g->ow, error))
          return FALSE;
      return TRUE;
    case ST_OP_ADD:
      return st_cuda_add_forward (q, out, in, st_cuda_act (cb, op->inputs[1].value),
                                  (gsize) n * plan->out_numel, error);
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

gboolean
st_cuda_backward_op (CudaBackend *cb, guint o, int n, GError **error)
{
  const StOp *op = &cb->net->ops[o];
  const OpPlan *p = &cb->plans[o];
  const StOpPlan *plan = &op->plan;
  guint8 *cache = cb->bytes + plan->cache_off * cb->E;
  const int bn_c = cb->net->batchnorm_max_c;
  const StOpGeom *g = &op->g;
  const StOpArgs *a = &op->args;
  const StCudaQueue *q = &cb->q;
  const StOpInput *in0 = &op->inputs[0];
  float *grads = cb->grads;
  const float *out = st_cuda_act (cb, op->output);
  float *dout = st_cuda_dact (cb, op->output);
  const float *in = st_cuda_act (cb, in0->value);
  float *din = wants_grad (cb, in0->value) ? st_cuda_dact (cb, in0->value) : NULL;
  const gboolean add = in0->grad_mode == ST_GRAD_ADD;
  const gsize count = (gsize) n * plan->in_numel;
  const gboolean fusing = st_cuda_fusing (cb);
  StCudaActGrad act_grad;
  const StCudaActGrad *fused = NULL;

  if (fusing && p->fused_grad)
    return TRUE;
  if (fusing && p->act_grad)
    {
      const int next = cb->net->ops[o + 1].output;

      act_grad = (StCudaActGrad) { p->act, st_cuda_dact (cb, next), st_cuda_act (cb, next) };
      fused = &act_grad;
    }
  switch (op->kind)
    {
    case ST_OP_CONV2D:
      return st_cuda_conv2d_backward (q, &p->ways, din, param (cb, grads, op->weight),
                                      param (cb, grads, op->bias), dout, fused, in,
                                      param (cb, cb->params, op->weight), cb->scratch,
                                      cb->partials, n, p->chunk, &p->g, add, error);
    case ST_OP_MAXPOOL2D:
      return din == NULL
             || st_cuda_maxpool2d_backward (q, din, dout,
                                            (const gint32 *) cache, n,
                                            &p->g, add, error);
    case ST_OP_AVGPOOL2D:
      return din == NULL || st_cuda_avgpool2d_backward (q, din, dout, n, &p->g, add, error);
    case ST_OP_ADAPTIVEAVGPOOL2D:
      return din == NULL
             || st_cuda_adaptive_avgpool2d_backward (q, din, dout, n, &p->g, add, error);
    case ST_OP_RELU:
      return din == NULL || st_cuda_relu_backward (q, din, dout, out, count, add, error);
    case ST_OP_LEAKYRELU:
      return din == NULL
             || st_cuda_leaky_relu_backward (q, din, dout, in,
                                             (float) a->leaky_relu.negative_slope, count, add,
                                             error);
    case ST_OP_PRELU:
      return st_cuda_prelu_backward (q, din, param (cb, grads, op->weight), dout, in,
                                     param (cb, cb->params, op->weight), cb->partials, n, g->c,
                                     plan->hw, cb->net->tensors[op->weight].numel, add, error);
    case ST_OP_SIGMOID:
      return din == NULL || st_cuda_sigmoid_backward (q, din, dout, out, count, add, error);
    case ST_OP_TANH:
      return din == NULL || st_cuda_tanh_backward (q, din, dout, out, count, add, error);
    case ST_OP_LINEAR:
      return st_cuda_linear_backward (q, din, param (cb, grads, op->weight),
                                      param (cb, grads, op->bias), dout, fused, in,
                                      param (cb, cb->params, op->weight), cb->partials, n, g->c,
                                      g->oc, add, error);
    case ST_OP_DROPOUT:
      return din == NULL
             || st_cuda_dropout_backward (q, din, dout, cache, a->dropout.p,
                                          count, add, error);
    case ST_OP_BATCHNORM2D:
      {
        const float *mean = cb->bn_stats + (gsize) plan->bn_index * 2 * bn_c;

        return st_cuda_batchnorm2d_backward (q, din, param (cb, grads, op->weight),
                                             param (cb, grads, op->bias), dout, in,
                                             param (cb, cb->params, op->weight), mean,
                                             mean + bn_c, cb->dscratch, cb->partials, n,
                                             g->c, plan->hw, add, error);
      }
    case ST_OP_CONCAT:
      /* Each input with its own mode, in input order, as the CPU. */
      for (int i = 0, offset = 0; i < op->n_inputs; offset += plan->channels[i], i++)
        if (wants_grad (cb, op->inputs[i].value)
            && !st_cuda_concat_backward (q, st_cuda_dact (cb, op->inputs[i].value), dout, n,
                                         plan->channels[i], offset, g->oc, (gsize) g->oh * g->ow,
                                         op->inputs[i].grad_mode == ST_GRAD_ADD, error))
          return FALSE;
      return TRUE;
    case ST_OP_ADD:
      for (int i = 0; i < 2; i++)
        if (wants_grad (cb, op->inputs[i].value)
            && !st_cuda_accumulate (q, st_cuda_dact (cb, op->inputs[i].value), dout,
                                    (gsize) n * plan->out_numel,
                                    op->inputs[i].grad_mode == ST_GRAD_ADD, error))
          return FALSE;
      return TRUE;
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

gboolean
st_cuda_forward (CudaBackend *cb, int n, gboolean train, GError **error)
{
  for (guint o = 0; o < cb->net->n_ops; o++)
    if (!st_cuda_forward_op (cb, o, n, train, error))
      return FALSE;
  return TRUE;
}

/* Parameter gradients are zeroed once per step, then accumulate (core/engine/net.h). */
gboolean
st_cuda_backward (CudaBackend *cb, int n, GError **error)
{
  if (cb->net->n_params > 0)
    ST_CUDA_CHECK (cudaMemsetAsync (cb->grads, 0, sizeof (float) * cb->net->n_params,
                                    cb->q.stream), error);
  for (guint o = cb->net->n_ops; o-- > 0;)
    if (!st_cuda_backward_op (cb, o, n, error))
      return FALSE;
  return TRUE;
}

/* The loss of the batch into `totals`, and the gradient of the output when asked. Scales
 * as cpu-backend.c's loss_op: 1/N for CrossEntropy, 1/(N·S) for BCE and MSE, whose loss
 * (the mean over every element, PyTorch's reduction='mean') is divided by S. */
gboolean
st_cuda_run_loss (CudaBackend *cb, int n, StCudaTotals *totals, gboolean grad, gboolean train,
          gboolean reset, GError **error)
{
  const int v = cb->net->output;
  const gsize S = cb->net->values[v].numel;
  StCudaLoss kind = cb->setup.loss == ST_LOSS_BCE ? ST_CUDA_LOSS_BCE
                    : cb->setup.loss == ST_LOSS_MSE ? ST_CUDA_LOSS_MSE
                    : ST_CUDA_LOSS_CROSS_ENTROPY;
  float scale = 1.0f / n;
  double divisor = 1.0;

  if (kind != ST_CUDA_LOSS_CROSS_ENTROPY)
    {
      scale = scale / S;
      divisor = S;
    }
  return st_cuda_loss (&cb->q, kind, totals, cb->partials, grad ? st_cuda_dact (cb, v) : NULL,
                       st_cuda_act (cb, v), cb->labels, n, (int) S, scale, divisor, train, reset,
                       error);
}

/* The optimizer's factors for step number cb->step (counted from 1), formed in double as
 * core/ops/optim.c forms them; the kernels read them from the job's StCudaStep. */
void
st_cuda_step_factors (CudaBackend *cb, StCudaStep *v)
{
  const StOptimConfig *c = &cb->setup.optim;

  v->sgd_first_step = cb->step == 1;
  if (c->type == ST_OPTIM_SGD)
    return;
  v->adam_step_size = (float) (c->lr / (1.0 - pow (c->betas[0], (double) cb->step)));
  v->adam_bc2_sqrt = (float) sqrt (1.0 - pow (c->betas[1], (double) cb->step));
}

gboolean
st_cuda_run_update (CudaBackend *cb, GError **error)
{
  const StOptimConfig *c = &cb->setup.optim;
  const gsize n = cb->net->n_params;

  if (n == 0)
    return TRUE;
  if (c->type == ST_OPTIM_SGD)
    return st_cuda_sgd (&cb->q, cb->params, cb->grads, cb->optim_m, n, (float) c->lr,
                        (float) c->weight_decay, (float) c->momentum,
                        1.0f - (float) c->dampening, c->nesterov, cb->step_values, error);
  return st_cuda_adam (&cb->q, cb->params, cb->grads, cb->optim_m, cb->optim_v, n,
                       (float) c->betas[0], (float) c->betas[1], (float) c->eps,
                       (float) c->weight_decay, (float) c->lr, cb->step_values,
                       c->type == ST_OPTIM_ADAMW, error);
}
