/* conv2d-direct-channels.h: the CHANNELS kernels of the direct convolution
 * (conv2d-direct-channels.c), called by the entry points in conv2d-direct.c. Internal to
 * core/: not part of the public API (see conv2d-direct.h). Layout and Scratch are in
 * conv2d-blocks.h. */

#pragma once

#include "core/ops/conv2d-blocks.h"

/* CHANNELS, at t->L lanes. */
void st_conv2d_direct_channels_forward (float *out, const float *in, const Scratch *s, int n,
                                        const StConv2dGeom *g, const Layout *t);
/* s->dwt (K, OCv) += the weight gradient; s->dyt and s->dwt zeroed by the caller. */
void st_conv2d_direct_channels_weight (const float *dout, const float *in, const Scratch *s,
                                       int n, const StConv2dGeom *g, const Layout *t);
