/* onnx-export.h: a model and its weights as an ONNX file.
 *
 * The file is one ONNX ModelProto (IR version ST_ONNX_IR_VERSION, default domain at opset
 * ST_ONNX_OPSET), serialised with protobuf-c from the subset of the ONNX schema in
 * core/engine/onnx-ir.proto. The graph computes what the model computes in evaluation mode
 * (PyTorch's model.eval()):
 *
 *   input    "input", float32 (N, C, H, W) with N symbolic: any batch size
 *   output   "output", float32 (N, ...) — the last layer's output
 *   weights  initializers named and shaped as Strata's tensors ("0.weight", "3.body.0.bias",
 *            BatchNorm's "4.running_mean" and "4.running_var"), in state_dict order, float32
 *            little-endian; nothing else is an initializer
 *   values   each layer's output is the value named by its path ("3", "5.branches.1.0",
 *            torch.nn.Sequential's naming), with its shape in the graph's value_info; the
 *            last top-level layer's is "output". Helper values (constants, the halves of an
 *            adaptive pool) are named "PATH/what".
 *
 * Each layer type becomes the ONNX operators that mean the same as its PyTorch module:
 *
 *   Conv2d             Conv (kernel_shape, strides, pads, dilations, group 1)
 *   MaxPool2d          MaxPool (ceil_mode 0, as PyTorch's default; dilations)
 *   AvgPool2d          AveragePool (count_include_pad 1 and ceil_mode 0, PyTorch's defaults)
 *   AdaptiveAvgPool2d  GlobalAveragePool for a 1×1 output; AveragePool when the output
 *                      divides the input; else two MatMuls by constant averaging matrices
 *                      (PyTorch's windows, floor(i·H/oh) to ceil((i+1)·H/oh), per axis)
 *   ReLU, LeakyReLU    Relu, LeakyRelu (alpha)
 *   PReLU              PRelu; one slope per channel is unsqueezed to (C, 1, 1) to broadcast
 *   Sigmoid, Tanh      Sigmoid, Tanh
 *   BatchNorm2d        BatchNormalization on the running statistics (epsilon; momentum as
 *                      ONNX counts it, 1 − PyTorch's); without affine, constant scale 1, bias 0
 *   Dropout            Dropout with its ratio, an identity at inference
 *   Flatten            Flatten (axis 1)
 *   Linear             Gemm (transB 1)
 *   Concat             Concat of the branches (axis 1)
 *   Residual           Add of the body's output and the input (or the shortcut's output)
 *
 * The model file itself is kept in the metadata ("strata.model"), as in weight files.
 * Files are written atomically (atomic-file.h). A build without protobuf-c has this
 * interface too: st_onnx_available() is FALSE and the writers fail with
 * ST_ONNX_ERROR_UNAVAILABLE.
 */
#pragma once

#include "core/engine/net.h"
#include "core/model/spec.h"

G_BEGIN_DECLS

#define ST_ONNX_OPSET      13
#define ST_ONNX_IR_VERSION 7

#define ST_ONNX_ERROR (st_onnx_error_quark ())
GQuark st_onnx_error_quark (void);

typedef enum {
  ST_ONNX_ERROR_MODEL,         /* the model has errors: nothing to export */
  ST_ONNX_ERROR_TOO_LARGE,     /* past protobuf's 2 GiB limit for one message */
  ST_ONNX_ERROR_UNAVAILABLE,   /* this build has no ONNX writer */
} StOnnxError;

/* Whether this build writes ONNX files. */
gboolean st_onnx_available (void);

/* Writes `net` with the weights laid out as its tensor table (`buffers` holds the running
 * statistics; NULL for a net without any). */
gboolean st_net_to_onnx    (const StNet  *net,
                            const float  *params,
                            const float  *buffers,
                            const char   *path,
                            GError      **error);

/* Writes `spec` with the weights of the safetensors file `weights` (as strata-cli evaluate
 * takes them, checked against the model: checkpoint.h), or with NULL the weights a training
 * run of the recipe starts from (its init and seed). A model with errors fails naming the
 * first layer to fix; errors of the weights name the file and the tensor, errors of
 * writing name `path`. */
gboolean st_spec_to_onnx   (const StSpec *spec,
                            const char   *weights,
                            const char   *path,
                            GError      **error);

G_END_DECLS
