/* cpu-ops.c: the CPU backend's per-op work — each op's forward and backward on one member's
 * slice of the batch, and the loss. The layout of the arena is described in cpu-backend.c. */
#define G_LOG_DOMAIN "strata-cpu"

#include "core/engine/cpu-backend-private.h"

#include <string.h>

#include "core/ops/activation.h"
#include "core/ops/batchnorm2d.h"
#include "core/ops/dropout.h"
#include "core/ops/join.h"
#include "core/ops/linear.h"
#include "core/ops/loss.h"

static float *
param (CpuBackend *cb, float *block, int tensor)
{
  return tensor >= 0 ? block + cb->net->tensors[tensor].offset : NULL;
}

static float *
buffer (CpuBackend *cb, int tensor)
{
  return tensor >= 0 ? cb->buffers + cb->net->tensors[tensor].offset : NULL;
}

static double *
bn_partial (CpuBackend *cb, int member, int bn)
{
  const StNet *net = cb->net;

  return cb->bn_partial + ((gsize) member * net->n_batchnorm + bn) * 2 * net->batchnorm_max_c;
}

/* Adds the members' partial sums in member order into member 0's slot. */
static void
bn_combine (CpuBackend *cb, int bn, int C)
{
  double *total = bn_partial (cb, 0, bn);

  for (int t = 1; t < cb->T; t++)
    {
      const double *part = bn_partial (cb, t, bn);
      for (int c = 0; c < 2 * cb->net->batchnorm_max_c; c++)
        total[c] += part[c];
    }
}

void
st_cpu_forward_op (CpuBackend *cb, const StOp *op, const OpPlan *p, int member, int first,
                   int n)
{
  const StOpGeom *g = &op->g;
  const StOpArgs *a = &op->args;
  const StOpPlan *plan = &op->plan;
  const int bn_c = cb->net->batchnorm_max_c;
  float *out = act (cb, op->output, first);
  const float *in = act (cb, op->inputs[0].value, first);
  float *scratch = cb->scratch + (gsize) member * cb->scratch_per_member;
  gboolean train = cb->job == JOB_TRAIN || cb->job == JOB_COMPUTE;

  switch (op->kind)
    {
    case ST_OP_CONV2D:
      st_conv2d_forward (out, in, param (cb, cb->params, op->weight),
                         param (cb, cb->params, op->bias), scratch, n, &p->conv);
      break;
    case ST_OP_MAXPOOL2D:
      st_maxpool2d_forward (out, in, (gint32 *) op_cache (cb, op, first), n, &p->pool);
      break;
    case ST_OP_AVGPOOL2D:
      st_avgpool2d_forward (out, in, n, &p->pool);
      break;
    case ST_OP_ADAPTIVEAVGPOOL2D:
      st_adaptive_avgpool2d_forward (out, in, n, &p->apool);
      break;
    case ST_OP_RELU:
      st_relu_forward (out, in, n, plan->in_numel);
      break;
    case ST_OP_LEAKYRELU:
      st_leaky_relu_forward (out, in, (float) a->leaky_relu.negative_slope, n, plan->in_numel);
      break;
    case ST_OP_PRELU:
      st_prelu_forward (out, in, param (cb, cb->params, op->weight), n, g->c, plan->hw,
                        cb->net->tensors[op->weight].numel);
      break;
    case ST_OP_SIGMOID:
      st_sigmoid_forward (out, in, n, plan->in_numel);
      break;
    case ST_OP_TANH:
      st_tanh_forward (out, in, n, plan->in_numel);
      break;
    case ST_OP_LINEAR:
      st_linear_forward (out, in, param (cb, cb->params, op->weight),
                         param (cb, cb->params, op->bias), n, g->c, g->oc);
      break;
    case ST_OP_DROPOUT:
      if (!train)
        st_dropout_forward_eval (out, in, n, plan->in_numel);
      else
        for (int i = 0; i < n; i++)
          {
            StRng rng;
            st_rng_init (&rng, st_rng_dropout_stream (cb->job_seed, first + i,
                                                      op - cb->net->ops));
            st_dropout_forward_train (out + (gsize) i * plan->in_numel,
                                      in + (gsize) i * plan->in_numel,
                                      a->dropout.p, &rng,
                                      op_cache (cb, op, first + i),
                                      1, plan->in_numel);
          }
      break;
    case ST_OP_BATCHNORM2D:
      {
        int C = g->c;
        float *mean = cb->bn_stats + (gsize) plan->bn_index * 2 * bn_c;
        float *invstd = mean + bn_c;
        const float *gamma = param (cb, cb->params, op->weight);
        const float *beta = param (cb, cb->params, op->bias);

        if (!train)
          {
            st_batchnorm2d_forward_eval (out, in, gamma, beta, buffer (cb, op->buffer),
                                         buffer (cb, op->buffer + 1), a->batchnorm2d.eps, n, C,
                                         plan->hw);
            break;
          }
        {
          double *part = bn_partial (cb, member, plan->bn_index);
          memset (part, 0, sizeof (double) * 2 * bn_c);
          st_batchnorm2d_stats_partial (part, part + bn_c, in, n, C, plan->hw);
        }
        st_workers_barrier (cb->workers);
        if (member == 0)
          {
            double *total = bn_partial (cb, 0, plan->bn_index);
            bn_combine (cb, plan->bn_index, C);
            st_batchnorm2d_stats_finalize (mean, invstd, buffer (cb, op->buffer),
                                           buffer (cb, op->buffer + 1), total,
                                           total + bn_c, a->batchnorm2d.momentum,
                                           a->batchnorm2d.eps, (gsize) cb->job_n * plan->hw, C);
          }
        st_workers_barrier (cb->workers);
        st_batchnorm2d_forward_apply (out, in, gamma, beta, mean, invstd, n, C, plan->hw);
        break;
      }
    case ST_OP_CONCAT:
      {
        const float *ins[ST_OP_MAX_INPUTS];
        for (int i = 0; i < op->n_inputs; i++)
          ins[i] = act (cb, op->inputs[i].value, first);
        st_concat_forward (out, ins, plan->channels, op->n_inputs, n, (gsize) g->oh * g->ow);
        break;
      }
    case ST_OP_ADD:
      st_add_forward (out, in, act (cb, op->inputs[1].value, first), n, plan->out_numel);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Every value but the input needs a gradient; the input only when a check asks for it. */
static inline gboolean
wants_grad (CpuBackend *cb, int v)
{
  return cb->net->values[v].needs_grad || (v == 0 && cb->job == JOB_COMPUTE && cb->job_dx);
}

void
st_cpu_backward_op (CpuBackend *cb, const StOp *op, const OpPlan *p, int member, int first,
                    int n)
{
  const StOpGeom *g = &op->g;
  const StOpArgs *a = &op->args;
  const StOpPlan *plan = &op->plan;
  const int bn_c = cb->net->batchnorm_max_c;
  const StOpInput *in0 = &op->inputs[0];
  float *grads = cb->grads + (gsize) member * cb->net->n_params;
  const float *out = act (cb, op->output, first);
  const float *dout = dact (cb, op->output, first);
  const float *in = act (cb, in0->value, first);
  float *din = wants_grad (cb, in0->value) ? dact (cb, in0->value, first) : NULL;
  StGradMode mode = in0->grad_mode;
  float *scratch = cb->scratch + (gsize) member * cb->scratch_per_member;

  switch (op->kind)
    {
    case ST_OP_CONV2D:
      st_conv2d_backward (din, param (cb, grads, op->weight), param (cb, grads, op->bias), dout,
                          in, param (cb, cb->params, op->weight), scratch, n, &p->conv, mode);
      break;
    case ST_OP_MAXPOOL2D:
      if (din != NULL)
        st_maxpool2d_backward (din, dout, (const gint32 *) op_cache (cb, op, first), n,
                               &p->pool, mode);
      break;
    case ST_OP_AVGPOOL2D:
      if (din != NULL)
        st_avgpool2d_backward (din, dout, n, &p->pool, mode);
      break;
    case ST_OP_ADAPTIVEAVGPOOL2D:
      if (din != NULL)
        st_adaptive_avgpool2d_backward (din, dout, n, &p->apool, mode);
      break;
    case ST_OP_RELU:
      st_relu_backward (din, dout, out, n, plan->in_numel, mode);
      break;
    case ST_OP_LEAKYRELU:
      st_leaky_relu_backward (din, dout, in, (float) a->leaky_relu.negative_slope, n,
                              plan->in_numel, mode);
      break;
    case ST_OP_PRELU:
      st_prelu_backward (din, param (cb, grads, op->weight), dout, in,
                         param (cb, cb->params, op->weight), n, g->c, plan->hw,
                         cb->net->tensors[op->weight].numel, mode);
      break;
    case ST_OP_SIGMOID:
      st_sigmoid_backward (din, dout, out, n, plan->in_numel, mode);
      break;
    case ST_OP_TANH:
      st_tanh_backward (din, dout, out, n, plan->in_numel, mode);
      break;
    case ST_OP_LINEAR:
      st_linear_backward (din, param (cb, grads, op->weight), param (cb, grads, op->bias), dout,
                          in, param (cb, cb->params, op->weight), n, g->c, g->oc, mode);
      break;
    case ST_OP_DROPOUT:
      st_dropout_backward (din, dout, a->dropout.p, op_cache (cb, op, first), n,
                           plan->in_numel, mode);
      break;
    case ST_OP_BATCHNORM2D:
      {
        int C = g->c;
        const float *mean = cb->bn_stats + (gsize) plan->bn_index * 2 * bn_c;
        const float *invstd = mean + bn_c;
        double *part = bn_partial (cb, member, plan->bn_index);
        const double *total = bn_partial (cb, 0, plan->bn_index);

        memset (part, 0, sizeof (double) * 2 * bn_c);
        st_batchnorm2d_backward_partial (part, part + bn_c, param (cb, grads, op->weight),
                                         param (cb, grads, op->bias), dout, in, mean, invstd, n,
                                         C, plan->hw);
        st_workers_barrier (cb->workers);
        if (member == 0)
          bn_combine (cb, plan->bn_index, C);
        st_workers_barrier (cb->workers);
        if (din != NULL)
          st_batchnorm2d_backward_apply (din, dout, in, param (cb, cb->params, op->weight), mean,
                                         invstd, total, total + bn_c,
                                         (gsize) cb->job_n * plan->hw, n, C, plan->hw, mode);
        /* Nobody may reuse the partial sums before every member has read the totals. */
        st_workers_barrier (cb->workers);
        break;
      }
    case ST_OP_CONCAT:
      {
        float *dins[ST_OP_MAX_INPUTS];
        /* One mode for all inputs: a branch input is written by exactly this op. */
        for (int i = 0; i < op->n_inputs; i++)
          dins[i] = dact (cb, op->inputs[i].value, first);
        for (int i = 0; i < op->n_inputs; i++)
          {
            float *only[ST_OP_MAX_INPUTS] = { NULL };
            if (!wants_grad (cb, op->inputs[i].value))
              continue;
            only[i] = dins[i];
            st_concat_backward (only, dout, plan->channels, op->n_inputs, n,
                                (gsize) g->oh * g->ow, op->inputs[i].grad_mode);
          }
        break;
      }
    case ST_OP_ADD:
      for (int i = 0; i < 2; i++)
        if (wants_grad (cb, op->inputs[i].value))
          {
            float *d = dact (cb, op->inputs[i].value, first);
            if (op->inputs[i].grad_mode == ST_GRAD_WRITE)
              memcpy (d, dout, sizeof (float) * n * plan->out_numel);
            else
              for (gsize k = 0; k < (gsize) n * plan->out_numel; k++)
                d[k] += dout[k];
          }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Loss of the slice; writes the gradient of the output when training. */
void
st_cpu_loss_op (CpuBackend *cb, int member, int first, int n)
{
  int v = cb->net->output;
  gsize K = cb->net->values[v].numel;
  const float *y = act (cb, v, first);
  float *dy = dact (cb, v, first);
  float scale = 1.0f / cb->job_n;
  gint64 correct = 0;
  double loss;

  if (cb->setup.loss == ST_LOSS_CROSS_ENTROPY)
    {
      loss = st_cross_entropy_forward (&correct, y, cb->labels + first, n, K);
      if (cb->job != JOB_EVAL)
        st_cross_entropy_backward (dy, y, cb->labels + first, scale, n, K);
    }
  else
    {
      float *t = cb->targets + (gsize) first * K;

      /* One output: the label itself (0 or 1); several: one-hot. */
      for (int i = 0; i < n; i++)
        for (gsize k = 0; k < K; k++)
          t[i * K + k] = K == 1 ? (float) cb->labels[first + i]
                                : (cb->labels[first + i] == k ? 1.0f : 0.0f);
      if (cb->setup.loss == ST_LOSS_BCE)
        {
          loss = st_bce_forward (&correct, y, t, n, K);
          if (cb->job != JOB_EVAL)
            st_bce_backward (dy, y, t, scale / K, n, K);
        }
      else
        {
          loss = st_mse_forward (&correct, y, t, n, K);
          if (cb->job != JOB_EVAL)
            st_mse_backward (dy, y, t, scale / K, n, K);
        }
      /* BCE and MSE average over every element, PyTorch's reduction='mean'. */
      loss /= K;
    }
  cb->member_loss[member] = loss;
  cb->member_correct[member] = correct;
}
