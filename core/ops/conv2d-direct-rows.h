/* conv2d-direct-rows.h: the ROWS kernels of the direct convolution (conv2d-direct-rows.c),
 * called by the entry points in conv2d-direct.c. Internal to core/: not part of the public
 * API (see conv2d-direct.h). Layout and Scratch are in conv2d-blocks.h. */

#pragma once

#include "core/ops/conv2d-blocks.h"

/* ROWS. out (+)= the convolution of `in` over n examples, at t->L lanes; k_range (OH, 2)
 * or NULL limits the taps of each output row. */
void st_conv2d_direct_rows_forward (float *out, const float *in, const float *b,
                                    const gint32 *k_range, gboolean add, const Scratch *s,
                                    int n, const StConv2dGeom *g, const Layout *t);
/* dw += the weight gradient (8 lanes only). */
void st_conv2d_direct_rows_weight (float *dw, const float *dout, const float *in,
                                   const Scratch *s, int n, const StConv2dGeom *g,
                                   const Layout *t);
