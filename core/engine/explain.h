/* explain.h: how one output value of a layer was computed — the terms a Conv2d or Linear
 * summed, the window a pool took, the x an activation mapped — for one example's forward
 * pass in evaluation mode.
 *
 * Every number is the forward pass's own: the inputs and the value come from the values the
 * backend copied out after its forward (st_backend_snapshot), the weights, biases and
 * running statistics from its state (st_backend_read_state). Only the breakdown's total
 * (`result`) is worked out here, in double, from those numbers; it equals `value` up to the
 * rounding of the backend's float kernels.
 *
 * A layer is named by its path in torch.nn.Sequential's naming ("3", "5.branches.1.0",
 * "3.body.2"), as the summary and every error name it, and a position by (C, Y, X) in its
 * output map, or (C) — the index — in a flat output (after Flatten or Linear).
 *
 * What each kind gives (terms in the order the loops below name them):
 *
 *   Conv2d             a term per (input channel, kernel row, kernel column), row-major:
 *                      the input position Y·SH − PH + ky·DH, X·SW − PW + kx·DW (it may lie
 *                      in the padding, where the input is 0 and the term is marked), its
 *                      input, the weight, their product; sum = Σ products, result = sum +
 *                      bias (bias 0 and has_bias FALSE for bias=False). groups is always 1.
 *   Linear             a term per input feature: its index (and, after a Flatten, the
 *                      channel, row and column it was flattened from), input, weight,
 *                      product; sum, bias and result as Conv2d's.
 *   MaxPool2d          a term per window position (dilation and padding as Conv2d's;
 *                      ceil_mode is always False): padded positions are listed and marked,
 *                      their input −∞ as PyTorch pads, never taken; `chosen` is the term
 *                      whose input is the maximum (ties: the first in row-major order; a
 *                      NaN wins, the last if several); sum = result = its input.
 *   AvgPool2d          a term per window position, padded ones with input 0;
 *                      count_include_pad=True: divisor = the window's size inside the
 *                      padded map (KH·KW); sum = Σ inputs, result = sum / divisor.
 *   AdaptiveAvgPool2d  a term per position of the bin [⌊Y·H/OH⌋, ⌈(Y+1)·H/OH⌉) ×
 *                      (likewise for X); divisor = the bin's size; result = sum / divisor.
 *   ReLU, LeakyReLU, PReLU, Sigmoid, Tanh
 *                      one term, x at the same position; `slope` for LeakyReLU
 *                      (negative_slope) and PReLU (the channel's weight); result = f(x).
 *   BatchNorm2d        one term, x; `bn` holds the channel's running mean and variance,
 *                      eps, gamma and beta (1 and 0 for affine=False); result =
 *                      (x − mean) / √(var + eps) · gamma + beta.
 *   Dropout            one term, x: evaluation mode passes it through; `p` is recorded.
 *   Flatten            one term: the input at the (C, Y, X) the index unravels to.
 *   Concat (a block)   one term: the branch (`from`) and its channel that the output
 *                      channel comes from.
 *   Residual (a block) two terms at the same position: the body's output (from 0) and the
 *                      shortcut's, or the block's own input (from 1); sum = result = their
 *                      sum.
 * For the one-term kinds `chosen` is 0; for every kind that is not a Conv2d or a Linear,
 * weight is 0 and product is the input.
 */
#pragma once

#include "core/engine/backend.h"

G_BEGIN_DECLS

#define ST_EXPLAIN_ERROR (st_explain_error_quark ())
GQuark st_explain_error_quark (void);

typedef enum {
  ST_EXPLAIN_ERROR_LAYER,        /* no layer has that path */
  ST_EXPLAIN_ERROR_POSITION,     /* not a position, or not one of the layer's output */
  ST_EXPLAIN_ERROR_MEMORY,       /* the forward pass's values do not fit in memory */
} StExplainError;

typedef enum {
  ST_EXPLAIN_CONV2D,
  ST_EXPLAIN_LINEAR,
  ST_EXPLAIN_MAXPOOL2D,
  ST_EXPLAIN_AVGPOOL2D,
  ST_EXPLAIN_ADAPTIVEAVGPOOL2D,
  ST_EXPLAIN_RELU,
  ST_EXPLAIN_LEAKYRELU,
  ST_EXPLAIN_PRELU,
  ST_EXPLAIN_SIGMOID,
  ST_EXPLAIN_TANH,
  ST_EXPLAIN_BATCHNORM2D,
  ST_EXPLAIN_DROPOUT,
  ST_EXPLAIN_FLATTEN,
  ST_EXPLAIN_CONCAT,
  ST_EXPLAIN_ADD,
} StExplainKind;

/* A position in a layer's output: (C, Y, X) in a map (rank 3), the index C in a flat output
 * (rank 1, y = x = 0). */
typedef struct {
  int    rank;
  gint64 c, y, x;
} StExplainAt;

typedef struct {
  int      from;       /* which of the op's inputs: 0, Concat's branch, Residual's 0 or 1 */
  gint64   channel;    /* the input position; in a flat input without a map behind it */
  gint64   row, col;   /* channel is the index and row = col = -1 */
  gint64   index;      /* flat, in the input of one example; -1 in the padding */
  gboolean padding;    /* outside the input map: input is 0 (MaxPool2d: −∞) */
  float    input;
  float    weight;     /* Conv2d, Linear; else 0 */
  double   product;    /* input · weight (Conv2d, Linear); else the input */
} StExplainTerm;

typedef struct {
  char          *path;        /* "5.branches.1.0" */
  const char    *type;        /* PyTorch's name: "Conv2d", "Flatten", "Residual" */
  StExplainKind  kind;
  StExplainAt    at;
  gint64         out_index;   /* flat, in the output of one example */
  StShape        out_shape;
  StShape        in_shape;    /* of the first input */
  int            in_value;    /* the net's values (StNet.values) of the first input and of */
  int            out_value;   /* the output: what a picture of them reads from the pass */
  float          value;       /* what the forward pass wrote there */
  StExplainTerm *terms;
  gsize          n_terms;
  double         sum;         /* Conv2d, Linear: Σ products; pools: Σ inputs of the window
                               * (padding 0); Residual: Σ terms; else the one input */
  gboolean       has_bias;
  float          bias;        /* 0 without one */
  double         divisor;     /* AvgPool2d, AdaptiveAvgPool2d; else 1 */
  gssize         chosen;      /* MaxPool2d: the term taken; one-term kinds 0; else -1 */
  double         slope;       /* LeakyReLU, PReLU */
  double         p;           /* Dropout */
  struct {
    float  running_mean, running_var, gamma, beta;
    double eps;
  }              bn;          /* BatchNorm2d */
  double         result;      /* the breakdown's total: ≈ value */
} StExplain;

/* One example's forward pass in evaluation mode, whole: every value of the net, the
 * parameters and the buffers. */
typedef struct {
  gint64  example;
  guint   n_values;
  float **values;             /* (n_values): values[v] has StNet.values[v].numel floats */
  gsize  *numel;              /* (n_values): those counts */
  float  *params;             /* (n_params) */
  float  *buffers;            /* (n_buffers) */
  gsize   n_params;
  gsize   n_buffers;
} StExplainPass;

/* "C,Y,X" or "C": whole numbers from 0, spaces allowed around them. */
gboolean       st_explain_at_parse     (const char   *text,
                                        StExplainAt  *at,
                                        GError      **error);

/* Runs example `example` of `split` forward in evaluation mode on the backend's current
 * weights and keeps everything. */
StExplainPass *st_explain_pass_take    (StBackend    *backend,
                                        const StNet  *net,
                                        StSplit       split,
                                        gint64        example,
                                        GError      **error);
StExplainPass *st_explain_pass_copy    (const StExplainPass *pass);
void           st_explain_pass_free    (StExplainPass *pass);

/* The breakdown of the value at `at` in the output of layer `path`; `values`, `params` and
 * `buffers` as an StExplainPass holds them. Errors name the layer (a path that is none lists
 * some that are) or the position and the layer's output shape. */
StExplain     *st_explain              (const StNet        *net,
                                        const float *const *values,
                                        const float        *params,
                                        const float        *buffers,
                                        const char         *path,
                                        const StExplainAt  *at,
                                        GError            **error);
void           st_explain_free         (StExplain *explain);

/* One JSON object on one line: layer, type, at, value, bias (null for a kind without one),
 * sum, result, divisor, chosen and terms ({input, weight, product, channel, row, col,
 * index, padding, from}), plus the kind's own numbers. Non-finite numbers are null. */
char          *st_explain_to_json      (const StExplain *explain);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StExplainPass, st_explain_pass_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StExplain, st_explain_free)

G_END_DECLS
