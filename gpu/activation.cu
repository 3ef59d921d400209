/* activation.cu: the elementwise activations on the device, grouped (each is a few lines).
 *
 * Legend (core/ops/activation.h): N examples, S elements per example, count = N·S; PReLU views
 * an example as (C, HW). Each backward reads what the CPU's reads: the output for ReLU,
 * Sigmoid and Tanh, the input for LeakyReLU and PReLU, and applies the same rule with the
 * same float operations (the module is built with -fmad=false, so nothing is fused). The
 * rules of ReLU, Sigmoid and Tanh, both ways, are activation.cuh's.
 * https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html, LeakyReLU, PReLU, Sigmoid,
 * Tanh.
 */
#include "gpu/activation.cuh"
#include "gpu/cuda-ops.h"
#include "gpu/cuda-reduce.cuh"

/* din (+)= g: the one place an elementwise backward applies the WRITE/ADD rule. */
static __device__ __forceinline__ void
put (float *din, gsize i, float g, gboolean add)
{
  din[i] = add ? din[i] + g : g;
}

static __global__ void
relu_forward_kernel (float *__restrict__ out, const float *__restrict__ in, gsize count)
{
  ST_CUDA_FOR (i, count)
    out[i] = st_relu (in[i]);
}

static __global__ void
relu_backward_kernel (float *__restrict__ din, const float *__restrict__ dout,
                      const float *__restrict__ out, gsize count, gboolean add)
{
  ST_CUDA_FOR (i, count)
    put (din, i, st_activate_grad (ST_CUDA_ACT_RELU, dout[i], out[i]), add);
}

static __global__ void
leaky_relu_forward_kernel (float *__restrict__ out, const float *__restrict__ in, float slope,
                           gsize count)
{
  ST_CUDA_FOR (i, count)
    out[i] = in[i] > 0.0f ? in[i] : in[i] * slope;
}

static __global__ void
leaky_relu_backward_kernel (float *__restrict__ din, const float *__restrict__ dout,
                            const float *__restrict__ in, float slope, gsize count,
                            gboolean add)
{
  ST_CUDA_FOR (i, count)
    put (din, i, in[i] > 0.0f ? dout[i] : dout[i] * slope, add);
}

static __global__ void
prelu_forward_kernel (float *__restrict__ out, const float *__restrict__ in,
                      const float *__restrict__ w, int n, int C, gsize HW, int num_parameters)
{
  ST_CUDA_FOR (i, (gsize) n * C * HW)
    {
      const float a = w[num_parameters == 1 ? 0 : (int) (i / HW % C)];

      out[i] = in[i] > 0.0f ? in[i] : a * in[i];
    }
}

static __global__ void
prelu_backward_input_kernel (float *__restrict__ din, const float *__restrict__ dout,
                             const float *__restrict__ in, const float *__restrict__ w, int n,
                             int C, gsize HW, int num_parameters, gboolean add)
{
  ST_CUDA_FOR (i, (gsize) n * C * HW)
    {
      const float a = w[num_parameters == 1 ? 0 : (int) (i / HW % C)];

      put (din, i, in[i] > 0.0f ? dout[i] : a * dout[i], add);
    }
}

/* The tiles of Σ over (N, HW) of in · dout where in <= 0 (or NaN), per channel, in double
 * (the two-stage reduction of cuda-reduce.cuh). */
typedef struct {
  const float *dout, *in;

  __device__ void operator() (double *acc, gsize j, int) const
  {
    if (!(in[j] > 0.0f))
      acc[0] += (double) in[j] * dout[j];
  }
} SumSlopeGrad;

static __global__ void
prelu_weight_tiles_kernel (double *__restrict__ partial, const float *__restrict__ dout,
                           const float *__restrict__ in, int n, int C, int HW, int tiles)
{
  st_tile_sums<1> (partial, n, C, HW, tiles, SumSlopeGrad { dout, in });
}

/* dw += the channels' sums, added in channel order as the CPU adds them (a shared slope
 * gets every channel's). One thread: C is small. */
static __global__ void
prelu_weight_add_kernel (float *__restrict__ dw, const double *__restrict__ partial, int C,
                         int tiles, int num_parameters)
{
  if (blockIdx.x != 0 || threadIdx.x != 0)
    return;
  for (int c = 0; c < C; c++)
    dw[num_parameters == 1 ? 0 : c] += (float) st_tile_total (partial, c, tiles, 1, 0);
}

static __global__ void
sigmoid_forward_kernel (float *__restrict__ out, const float *__restrict__ in, gsize count)
{
  ST_CUDA_FOR (i, count)
    out[i] = st_sigmoid (in[i]);
}

static __global__ void
sigmoid_backward_kernel (float *__restrict__ din, const float *__restrict__ dout,
                         const float *__restrict__ out, gsize count, gboolean add)
{
  ST_CUDA_FOR (i, count)
    put (din, i, st_activate_grad (ST_CUDA_ACT_SIGMOID, dout[i], out[i]), add);
}

static __global__ void
tanh_forward_kernel (float *__restrict__ out, const float *__restrict__ in, gsize count)
{
  ST_CUDA_FOR (i, count)
    out[i] = st_activate (ST_CUDA_ACT_TANH, in[i]);
}

static __global__ void
tanh_backward_kernel (float *__restrict__ din, const float *__restrict__ dout,
                      const float *__restrict__ out, gsize count, gboolean add)
{
  ST_CUDA_FOR (i, count)
    put (din, i, st_activate_grad (ST_CUDA_ACT_TANH, dout[i], out[i]), add);
}

#define LAUNCH(kernel, count, ...)                                                   \
  G_STMT_START {                                                                     \
    kernel<<<ST_CUDA_BLOCKS (count), ST_CUDA_THREADS, 0, q->stream>>> (__VA_ARGS__); \
    ST_CUDA_LAUNCHED (error);                                                        \
  } G_STMT_END

gboolean
st_cuda_relu_forward (const StCudaQueue *q, float *out, const float *in, gsize count,
                      GError **error)
{
  LAUNCH (relu_forward_kernel, count, out, in, count);
  return TRUE;
}

gboolean
st_cuda_relu_backward (const StCudaQueue *q, float *din, const float *dout, const float *out,
                       gsize count, gboolean add, GError **error)
{
  LAUNCH (relu_backward_kernel, count, din, dout, out, count, add);
  return TRUE;
}

gboolean
st_cuda_leaky_relu_forward (const StCudaQueue *q, float *out, const float *in,
                            float negative_slope, gsize count, GError **error)
{
  LAUNCH (leaky_relu_forward_kernel, count, out, in, negative_slope, count);
  return TRUE;
}

gboolean
st_cuda_leaky_relu_backward (const StCudaQueue *q, float *din, const float *dout,
                             const float *in, float negative_slope, gsize count, gboolean add,
                             GError **error)
{
  LAUNCH (leaky_relu_backward_kernel, count, din, dout, in, negative_slope, count, add);
  return TRUE;
}

gboolean
st_cuda_prelu_forward (const StCudaQueue *q, float *out, const float *in, const float *w, int n,
                       int C, gsize HW, int num_parameters, GError **error)
{
  LAUNCH (prelu_forward_kernel, (gsize) n * C * HW, out, in, w, n, C, HW, num_parameters);
  return TRUE;
}

gboolean
st_cuda_prelu_backward (const StCudaQueue *q, float *din, float *dw, const float *dout,
                        const float *in, const float *w, double *partial, int n, int C,
                        gsize HW, int num_parameters, gboolean add, GError **error)
{
  if (n == 0 || HW == 0)
    return TRUE;
  if (din != NULL)
    LAUNCH (prelu_backward_input_kernel, (gsize) n * C * HW, din, dout, in, w, n, C, HW,
            num_parameters, add);
  {
    const int tiles = st_cuda_reduce_tiles (n, C, HW);

    prelu_weight_tiles_kernel<<<tiles * C, ST_CUDA_THREADS, 0, q->stream>>> (
      partial, dout, in, n, C, (int) HW, tiles);
    ST_CUDA_LAUNCHED (error);
    prelu_weight_add_kernel<<<1, 1, 0, q->stream>>> (dw, partial, C, tiles, num_parameters);
  }
  ST_CUDA_LAUNCHED (error);
  return TRUE;
}

gboolean
st_cuda_sigmoid_forward (const StCudaQueue *q, float *out, const float *in, gsize count,
                         GError **error)
{
  LAUNCH (sigmoid_forward_kernel, count, out, in, count);
  return TRUE;
}

gboolean
st_cuda_sigmoid_backward (const StCudaQueue *q, float *din, const float *dout, const float *out,
                          gsize count, gboolean add, GError **error)
{
  LAUNCH (sigmoid_backward_kernel, count, din, dout, out, count, add);
  return TRUE;
}

gboolean
st_cuda_tanh_forward (const StCudaQueue *q, float *out, const float *in, gsize count,
                      GError **error)
{
  LAUNCH (tanh_forward_kernel, count, out, in, count);
  return TRUE;
}

gboolean
st_cuda_tanh_backward (const StCudaQueue *q, float *din, const float *dout, const float *out,
                       gsize count, gboolean add, GError **error)
{
  LAUNCH (tanh_backward_kernel, count, din, dout, out, count, add);
  return TRUE;
}
