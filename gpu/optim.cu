/* optim.cu: SGD, Adam and AdamW on the device, one flat pass over the parameter block.
 *
 * The update rules and the float32 arithmetic per element are core/ops/optim.c's (PyTorch
 * 1.13's single-tensor path), in the same order of operations; the module is built with
 * -fmad=false, so no multiply-add is fused and a step is bitwise the CPU's for the same
 * gradients. Scalar factors (bias corrections) are formed on the host in double and read
 * from the step's StCudaStep, so a captured step replays with the next step's factors.
 * https://pytorch.org/docs/stable/generated/torch.optim.SGD.html, Adam.html, AdamW.html
 */
#include <math.h>

#include "gpu/cuda-ops.h"
#include "gpu/cuda-reduce.cuh"

static __global__ void
sgd_kernel (float *__restrict__ p, const float *__restrict__ grad, float *__restrict__ buf,
            gsize count, float lr, float wd, float mom, float damp, gboolean nesterov,
            const StCudaStep *__restrict__ step)
{
  const gboolean first_step = step->sgd_first_step;

  ST_CUDA_FOR (i, count)
    {
      float g = grad[i];

      if (wd != 0.0f)
        g += wd * p[i];
      if (mom != 0.0f)
        {
          buf[i] = first_step ? g : mom * buf[i] + damp * g;
          g = nesterov ? g + mom * buf[i] : buf[i];
        }
      p[i] -= lr * g;
    }
}

static __global__ void
adam_kernel (float *__restrict__ p, const float *__restrict__ grad, float *__restrict__ m,
             float *__restrict__ v, gsize count, float b1, float b2, float eps, float wd,
             float lr, const StCudaStep *__restrict__ step, gboolean decoupled)
{
  const float step_size = step->adam_step_size, bc2_sqrt = step->adam_bc2_sqrt;

  ST_CUDA_FOR (i, count)
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

gboolean
st_cuda_sgd (const StCudaQueue *q, float *params, const float *grads, float *buf, gsize count,
             float lr, float weight_decay, float momentum, float one_minus_dampening,
             gboolean nesterov, const StCudaStep *step, GError **error)
{
  sgd_kernel<<<ST_CUDA_BLOCKS (count), ST_CUDA_THREADS, 0, q->stream>>> (
    params, grads, buf, count, lr, weight_decay, momentum, one_minus_dampening, nesterov,
    step);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_adam (const StCudaQueue *q, float *params, const float *grads, float *m, float *v,
              gsize count, float beta1, float beta2, float eps, float weight_decay, float lr,
              const StCudaStep *step, gboolean decoupled, GError **error)
{
  adam_kernel<<<ST_CUDA_BLOCKS (count), ST_CUDA_THREADS, 0, q->stream>>> (
    params, grads, m, v, count, beta1, beta2, eps, weight_decay, lr, step, decoupled);
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}
