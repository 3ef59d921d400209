#define G_LOG_DOMAIN "strata-activation"

/* Legend (see activation.h): N examples, S elements per example; PReLU views an example
 * as (C, HW). Every op here is one pass over count = N·S elements. */

#include "core/ops/activation.h"

#include <string.h>

static gboolean
count_ok (int n, gsize size)
{
  return n >= 0 && (size == 0 || (gsize) n <= G_MAXSIZE / sizeof (float) / size);
}

/* din[i] (+)= g, the one place the WRITE/ADD rule is applied for elementwise ops. */
static inline void
put (float *din, gsize i, float g, StGradMode mode)
{
  din[i] = mode == ST_GRAD_ADD ? din[i] + g : g;
}

static void relu_grad (float *din, const float *dout, const float *out, gsize count,
                       StGradMode mode);

void
st_relu_forward (float *out, const float *in, int n, gsize size)
{
  gsize count;

  g_return_if_fail (count_ok (n, size));
  count = (gsize) n * size;
  g_return_if_fail (count == 0 || (out != NULL && in != NULL));

  /* Written so that NaN passes through, as torch.relu does. */
  for (gsize i = 0; i < count; i++)
    out[i] = in[i] <= 0.0f ? 0.0f : in[i];
}

void
st_relu_backward (float       *din,
                  const float *dout,
                  const float *out,
                  int          n,
                  gsize        size,
                  StGradMode   mode)
{
  gsize count;

  g_return_if_fail (count_ok (n, size));
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  count = (gsize) n * size;
  if (din == NULL || count == 0)
    return;
  g_return_if_fail (dout != NULL && out != NULL);

  relu_grad (din, dout, out, count, mode);
}

void
st_leaky_relu_forward (float       *out,
                       const float *in,
                       float        negative_slope,
                       int          n,
                       gsize        size)
{
  gsize count;

  g_return_if_fail (count_ok (n, size));
  count = (gsize) n * size;
  g_return_if_fail (count == 0 || (out != NULL && in != NULL));

  for (gsize i = 0; i < count; i++)
    out[i] = in[i] > 0.0f ? in[i] : in[i] * negative_slope;
}

void
st_leaky_relu_backward (float       *din,
                        const float *dout,
                        const float *in,
                        float        negative_slope,
                        int          n,
                        gsize        size,
                        StGradMode   mode)
{
  gsize count;

  g_return_if_fail (count_ok (n, size));
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  count = (gsize) n * size;
  if (din == NULL || count == 0)
    return;
  g_return_if_fail (dout != NULL && in != NULL);

  for (gsize i = 0; i < count; i++)
    put (din, i, in[i] > 0.0f ? dout[i] : dout[i] * negative_slope, mode);
}

void
st_prelu_forward (float       *out,
                  const float *in,
                  const float *w,
                  int          n,
                  int          C,
                  gsize        HW,
                  int          num_parameters)
{
  g_return_if_fail (C >= 1 && (num_parameters == 1 || num_parameters == C));
  g_return_if_fail (count_ok (n, (gsize) C * HW));
  g_return_if_fail (n == 0 || HW == 0 || (out != NULL && in != NULL && w != NULL));

  for (int i = 0; i < n; i++)
    for (int c = 0; c < C; c++)
      {
        const gsize base = ((gsize) i * C + c) * HW;
        const float a = w[num_parameters == 1 ? 0 : c];

        for (gsize j = base; j < base + HW; j++)
          out[j] = in[j] > 0.0f ? in[j] : a * in[j];
      }
}

void
st_prelu_backward (float       *din,
                   float       *dw,
                   const float *dout,
                   const float *in,
                   const float *w,
                   int          n,
                   int          C,
                   gsize        HW,
                   int          num_parameters,
                   StGradMode   mode)
{
  g_return_if_fail (C >= 1 && (num_parameters == 1 || num_parameters == C));
  g_return_if_fail (count_ok (n, (gsize) C * HW));
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  g_return_if_fail (n == 0 || HW == 0 || (dw != NULL && dout != NULL && in != NULL && w != NULL));

  for (int c = 0; c < C; c++)
    {
      const float a = w[num_parameters == 1 ? 0 : c];
      /* d out / d a = in where in <= 0, summed over the slice (and over channels when shared). */
      double da = 0.0;

      for (int i = 0; i < n; i++)
        {
          const gsize base = ((gsize) i * C + c) * HW;

          for (gsize j = base; j < base + HW; j++)
            {
              if (in[j] > 0.0f)
                {
                  if (din != NULL)
                    put (din, j, dout[j], mode);
                }
              else
                {
                  da += (double) in[j] * dout[j];
                  if (din != NULL)
                    put (din, j, a * dout[j], mode);
                }
            }
        }
      if (n > 0 && HW > 0)
        dw[num_parameters == 1 ? 0 : c] += (float) da;
    }
}

/* Vector kernels for Sigmoid and Tanh, in GCC vector extensions so that they vectorise at
 * any -O level. The 8-lane loops are compiled twice (target_clones): for AVX2, one ymm
 * register per vector, about 3× faster than the SSE2 baseline, which the other clone
 * keeps; the 16-lane ones for AVX-512, another 1.9× on Sigmoid. Floating-point
 * contraction stays off (-std=c11), so every build does the same IEEE operations and
 * gives bitwise the same results. Vectors travel by pointer: a 32-byte vector passed by
 * value makes GCC warn about the AVX calling convention. */
typedef float  V8f  __attribute__ ((vector_size (32)));
typedef gint32 V8i  __attribute__ ((vector_size (32)));
typedef float  V16f __attribute__ ((vector_size (64)));
typedef gint32 V16i __attribute__ ((vector_size (64)));

#define SPLAT8(x)  ((V8f) { x, x, x, x, x, x, x, x })
#define SPLAT16(x) ((V16f) { x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x })
/* mask ? a : b, lane by lane; mask lanes are all ones or all zeros */
#define VSELECT(V, VI, mask, a, b) ((V) (((VI) (a) & (mask)) | ((VI) (b) & ~(mask))))
#define VABS(V, VI, x) ((V) ((VI) (x) & 0x7fffffff))

/* Not under ThreadSanitizer: it instruments the resolver that picks a clone, which the
 * loader runs before the sanitizer is set up. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && !defined(__SANITIZE_THREAD__)
#define CLONES __attribute__ ((target_clones ("avx2", "default")))
#define AVX512 __attribute__ ((target ("avx512f")))
#define CPU_HAS_AVX512() __builtin_cpu_supports ("avx512f")
#else
#define CLONES
#define AVX512
#define CPU_HAS_AVX512() 0
#endif

/* 16 lanes where the CPU has AVX-512, unless STRATA_VECTOR_LANES=8 asks for the AVX2
 * width (tests compare the two). */
static gboolean
use_16_lanes (void)
{
  return CPU_HAS_AVX512 () && g_strcmp0 (g_getenv ("STRATA_VECTOR_LANES"), "8") != 0;
}
#define INLINE static inline __attribute__ ((always_inline))

/* The kernels below are written once over a vector type V of L lanes (VI its integer
 * twin) and instantiated for 8 lanes (AVX2 and the baseline) and 16 (AVX-512, where GCC
 * keeps a 16-lane vector in one register; on AVX2 it would go through memory). Every lane
 * does the same operations in the same order: any width gives the same bits.
 *
 * exp_nonpositive: *v = exp(*v) for lanes <= 0 (or NaN). t = k·ln2 + r with
 * k = round(t·log2 e), |r| <= ln2/2; exp(r) from Cephes' degree-7 polynomial; 2^k applied
 * as 2^(k/2)·2^(k−k/2) so that both factors stay normal and results down to the
 * subnormals round once. t is clamped at −104, where exp underflows to 0 anyway; NaN
 * fails the comparison, stays NaN.
 *
 * sigmoid: σ(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, e = exp(−|x|) <= 1:
 * no overflow, and no cancellation on the negative side. The numerator is chosen before
 * the one division (the slowest instruction here).
 *
 * tanh: Cephes' odd polynomial for |x| < 0.625, where 1 − e would cancel; above it
 * (1 − e) / (1 + e) with e = exp(−2|x|), sign restored. */
#define DEFINE_EXP_SIGMOID_TANH(V, VI, L, SPLAT)                                      \
INLINE void                                                                           \
exp_nonpositive##L (V *v)                                                             \
{                                                                                     \
  const V magic = SPLAT (0x1.8p23f);      /* adding it rounds to an integer */        \
  V t = VSELECT (V, VI, *v < SPLAT (-104.0f), SPLAT (-104.0f), *v);                   \
  V z, kf, r, p;                                                                      \
  VI k, k1, k2;                                                                       \
                                                                                      \
  z = t * SPLAT (1.44269504088896341f) + magic;                                       \
  kf = z - magic;                                                                     \
  k = (VI) z - (VI) magic;                                                            \
  r = t - kf * SPLAT (0.693359375f);      /* ln 2 in two parts: exact first product */ \
  r = r - kf * SPLAT (-2.12194440e-4f);                                               \
  p = SPLAT (1.9875691500e-4f);                                                       \
  p = p * r + SPLAT (1.3981999507e-3f);                                               \
  p = p * r + SPLAT (8.3334519073e-3f);                                               \
  p = p * r + SPLAT (4.1665795894e-2f);                                               \
  p = p * r + SPLAT (1.6666665459e-1f);                                               \
  p = p * r + SPLAT (5.0000001201e-1f);                                               \
  p = p * r * r + r + SPLAT (1.0f);                                                   \
  k1 = k >> 1;                                                                        \
  k2 = k - k1;                                                                        \
  /* The mask only matters for NaN lanes, whose k is garbage: it keeps the shift in   \
   * range. */                                                                        \
  *v = p * (V) (((k1 + 127) & 0xff) << 23) * (V) (((k2 + 127) & 0xff) << 23);         \
}                                                                                     \
                                                                                      \
INLINE void                                                                           \
sigmoid##L (V *v)                                                                     \
{                                                                                     \
  V x = *v, e = -VABS (V, VI, x), d;                                                  \
                                                                                      \
  exp_nonpositive##L (&e);                                                            \
  d = SPLAT (1.0f) + e;                                                               \
  *v = VSELECT (V, VI, x >= SPLAT (0.0f), SPLAT (1.0f), e) / d;                       \
}                                                                                     \
                                                                                      \
INLINE void                                                                           \
tanh##L (V *v)                                                                        \
{                                                                                     \
  V x = *v, a = VABS (V, VI, x), z = x * x, small, e, large;                          \
                                                                                      \
  small = SPLAT (-5.70498872745e-3f);                                                 \
  small = small * z + SPLAT (2.06390887954e-2f);                                      \
  small = small * z + SPLAT (-5.37397155531e-2f);                                     \
  small = small * z + SPLAT (1.33314422036e-1f);                                      \
  small = small * z + SPLAT (-3.33332819422e-1f);                                     \
  small = small * z * x + x;                                                          \
  e = SPLAT (-2.0f) * a;                                                              \
  exp_nonpositive##L (&e);                                                            \
  large = (SPLAT (1.0f) - e) / (SPLAT (1.0f) + e);                                    \
  large = (V) ((VI) large | ((VI) x & G_MININT32));                                   \
  *v = VSELECT (V, VI, a < SPLAT (0.625f), small, large);                             \
}

DEFINE_EXP_SIGMOID_TANH (V8f, V8i, 8, SPLAT8)
DEFINE_EXP_SIGMOID_TANH (V16f, V16i, 16, SPLAT16)

/* out[i] = f(in[i]) over count elements, L at a time; the tail goes through a zero-padded
 * vector so that every element takes the same arithmetic. */
#define MAP(V, L, f, out, in, count)                                                  \
  G_STMT_START {                                                                      \
    gsize i_ = 0;                                                                     \
    V v_;                                                                             \
    for (; i_ + (L) <= (count); i_ += (L))                                            \
      {                                                                               \
        memcpy (&v_, (in) + i_, sizeof v_);                                           \
        f (&v_);                                                                      \
        memcpy ((out) + i_, &v_, sizeof v_);                                          \
      }                                                                               \
    if (i_ < (count))                                                                 \
      {                                                                               \
        memset (&v_, 0, sizeof v_);                                                   \
        memcpy (&v_, (in) + i_, sizeof (float) * ((count) - i_));                     \
        f (&v_);                                                                      \
        memcpy ((out) + i_, &v_, sizeof (float) * ((count) - i_));                    \
      }                                                                               \
  } G_STMT_END

CLONES static void
sigmoid_map8 (float *out, const float *in, gsize count)
{
  MAP (V8f, 8, sigmoid8, out, in, count);
}

AVX512 static void
sigmoid_map16 (float *out, const float *in, gsize count)
{
  MAP (V16f, 16, sigmoid16, out, in, count);
}

CLONES static void
tanh_map8 (float *out, const float *in, gsize count)
{
  MAP (V8f, 8, tanh8, out, in, count);
}

AVX512 static void
tanh_map16 (float *out, const float *in, gsize count)
{
  MAP (V16f, 16, tanh16, out, in, count);
}

static void
sigmoid_map (float *out, const float *in, gsize count)
{
  if (use_16_lanes ())
    sigmoid_map16 (out, in, count);
  else
    sigmoid_map8 (out, in, count);
}

static void
tanh_map (float *out, const float *in, gsize count)
{
  if (use_16_lanes ())
    tanh_map16 (out, in, count);
  else
    tanh_map8 (out, in, count);
}

/* din (+)= dout · f'(out) for the two backward passes below, LANES at a time; the scalar
 * tail does the same IEEE operations as a lane. */
#define GRAD(expr, din, dout, out, count, mode)                         \
  G_STMT_START {                                                        \
    gsize i_ = 0;                                                       \
    for (; i_ + 8 <= (count); i_ += 8)                                  \
      {                                                                 \
        V8f dy, y, g, d;                                                \
        memcpy (&dy, (dout) + i_, sizeof dy);                           \
        memcpy (&y, (out) + i_, sizeof y);                              \
        g = expr;                                                       \
        if ((mode) == ST_GRAD_ADD)                                      \
          {                                                             \
            memcpy (&d, (din) + i_, sizeof d);                          \
            g = d + g;                                                  \
          }                                                             \
        memcpy ((din) + i_, &g, sizeof g);                              \
      }                                                                 \
    for (; i_ < (count); i_++)                                          \
      {                                                                 \
        float dy = (dout)[i_], y = (out)[i_], g = expr;                 \
        (din)[i_] = (mode) == ST_GRAD_ADD ? (din)[i_] + g : g;          \
      }                                                                 \
  } G_STMT_END

/* PyTorch's threshold_backward: zero where the output is <= 0, so the kink gets 0 (a NaN
 * output passes dy). Selected lane by lane: on data a branch mispredicts every other
 * element, 5 ns each. */
CLONES static void
relu_grad (float *din, const float *dout, const float *out, gsize count, StGradMode mode)
{
  gsize i = 0;

  for (; i + 8 <= count; i += 8)
    {
      V8f dy, y, g, d;

      memcpy (&dy, dout + i, sizeof dy);
      memcpy (&y, out + i, sizeof y);
      g = (V8f) ((V8i) dy & ~(y <= 0.0f));
      if (mode == ST_GRAD_ADD)
        {
          memcpy (&d, din + i, sizeof d);
          g = d + g;
        }
      memcpy (din + i, &g, sizeof g);
    }
  for (; i < count; i++)
    put (din, i, out[i] <= 0.0f ? 0.0f : dout[i], mode);
}

/* dσ/dx = σ(1 − σ), in PyTorch's order of operations: dy · (1 − y) · y */
CLONES static void
sigmoid_grad (float *din, const float *dout, const float *out, gsize count, StGradMode mode)
{
  GRAD (dy * (1.0f - y) * y, din, dout, out, count, mode);
}

/* d tanh/dx = 1 − y², PyTorch's dy · (1 − y·y) */
CLONES static void
tanh_grad (float *din, const float *dout, const float *out, gsize count, StGradMode mode)
{
  GRAD (dy * (1.0f - y * y), din, dout, out, count, mode);
}

void
st_sigmoid_forward (float *out, const float *in, int n, gsize size)
{
  gsize count;

  g_return_if_fail (count_ok (n, size));
  count = (gsize) n * size;
  g_return_if_fail (count == 0 || (out != NULL && in != NULL));

  sigmoid_map (out, in, count);
}

void
st_sigmoid_backward (float       *din,
                     const float *dout,
                     const float *out,
                     int          n,
                     gsize        size,
                     StGradMode   mode)
{
  gsize count;

  g_return_if_fail (count_ok (n, size));
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  count = (gsize) n * size;
  if (din == NULL || count == 0)
    return;
  g_return_if_fail (dout != NULL && out != NULL);

  sigmoid_grad (din, dout, out, count, mode);
}

void
st_tanh_forward (float *out, const float *in, int n, gsize size)
{
  gsize count;

  g_return_if_fail (count_ok (n, size));
  count = (gsize) n * size;
  g_return_if_fail (count == 0 || (out != NULL && in != NULL));

  tanh_map (out, in, count);
}

void
st_tanh_backward (float       *din,
                  const float *dout,
                  const float *out,
                  int          n,
                  gsize        size,
                  StGradMode   mode)
{
  gsize count;

  g_return_if_fail (count_ok (n, size));
  g_return_if_fail (mode == ST_GRAD_WRITE || mode == ST_GRAD_ADD);
  count = (gsize) n * size;
  if (din == NULL || count == 0)
    return;
  g_return_if_fail (dout != NULL && out != NULL);

  tanh_grad (din, dout, out, count, mode);
}
