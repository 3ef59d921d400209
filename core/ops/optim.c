/* optim.c: SGD, Adam and AdamW over a flat range.
 *
 * SGD (https://pytorch.org/docs/stable/generated/torch.optim.SGD.html):
 *   g = grad + weight_decay * p
 *   buf = g on the first step, else momentum * buf + (1 - dampening) * g
 *   g = nesterov ? g + momentum * buf : buf        (when momentum != 0)
 *   p -= lr * g
 * Adam (…/torch.optim.Adam.html), AdamW (…/torch.optim.AdamW.html):
 *   Adam:  g = grad + weight_decay * p;   AdamW: p *= 1 - lr * weight_decay
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g²
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * Arithmetic is float32 per element, as PyTorch's, with the scalar factors in double.
 */
#define G_LOG_DOMAIN "strata-optim"

#include "core/ops/optim.h"

#include <math.h>

int
st_optim_state_per_param (const StOptimConfig *config)
{
  if (config->type == ST_OPTIM_SGD)
    return config->momentum != 0.0 ? 1 : 0;
  return 2;
}

static void
sgd (const StOptimConfig *c, float *restrict p, const float *restrict grad, float *restrict buf,
     gint64 step, gsize begin, gsize end)
{
  const float lr = (float) c->lr, wd = (float) c->weight_decay, mom = (float) c->momentum;
  const float damp = 1.0f - (float) c->dampening;

  for (gsize i = begin; i < end; i++)
    {
      float g = grad[i];

      if (wd != 0.0f)
        g += wd * p[i];
      if (mom != 0.0f)
        {
          buf[i] = step == 1 ? g : mom * buf[i] + damp * g;
          g = c->nesterov ? g + mom * buf[i] : buf[i];
        }
      p[i] -= lr * g;
    }
}

static void
adam (const StOptimConfig *c, float *restrict p, const float *restrict grad, float *restrict m,
      float *restrict v, gint64 step, gsize begin, gsize end)
{
  const float b1 = (float) c->betas[0], b2 = (float) c->betas[1], eps = (float) c->eps;
  const float wd = (float) c->weight_decay, lr = (float) c->lr;
  const double bc1 = 1.0 - pow (c->betas[0], (double) step);
  const double bc2 = 1.0 - pow (c->betas[1], (double) step);
  const float step_size = (float) (c->lr / bc1);
  const float bc2_sqrt = (float) sqrt (bc2);
  const gboolean decoupled = c->type == ST_OPTIM_ADAMW;

  for (gsize i = begin; i < end; i++)
    {
      float g = grad[i];

      if (decoupled)
        p[i] *= 1.0f - lr * wd;
      else if (wd != 0.0f)
        g += wd * p[i];
      m[i] = b1 * m[i] + (1.0f - b1) * g;
      v[i] = b2 * v[i] + (1.0f - b2) * g * g;
      p[i] -= step_size * m[i] / (sqrtf (v[i]) / bc2_sqrt + eps);
    }
}

void
st_optim_update (const StOptimConfig *config, float *params, const float *grads, float *m,
                 float *v, gint64 step, gsize begin, gsize end)
{
  g_return_if_fail (step >= 1);

  if (config->type == ST_OPTIM_SGD)
    sgd (config, params, grads, m, step, begin, end);
  else
    adam (config, params, grads, m, v, step, begin, end);
}
