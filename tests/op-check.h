/* op-check.h: what the op tests share — random fills, closeness checks, and the table of
 * op instances (tests/op-rows.c) that the gradient check, the gradient-mode rules and the
 * slice invariance run over (tests/test-ops.c).
 */
#pragma once

#include <glib.h>

#include "core/ops/activation.h"
#include "core/ops/batchnorm2d.h"
#include "core/ops/conv2d.h"
#include "core/ops/dropout.h"
#include "core/ops/join.h"
#include "core/ops/linear.h"
#include "core/ops/loss.h"
#include "core/ops/pool2d.h"
#include "core/ops/rng.h"

G_BEGIN_DECLS

/* ---- fills and comparisons ------------------------------------------------------------- */

void   fill_uniform        (float *x, gsize count, StRng *rng, double lo, double hi);
/* |x| in [lo, hi] with a random sign: keeps ReLU-like kinks out of reach of the
 * finite-difference step. */
void   fill_away_from_zero (float *x, gsize count, StRng *rng, double lo, double hi);
/* A random permutation of {0, spacing, 2·spacing, …} shifted to be centred on 0: no ties,
 * and every gap wider than twice the finite-difference step (max pooling). */
void   fill_distinct       (float *x, gsize count, StRng *rng, double spacing);
float *floats_filled       (gsize count, float value);
float  max_abs             (const float *x, gsize count);
/* Largest |a − b| relative to max(1, ‖b‖∞); +inf when a NaN appears on either side. */
double max_scaled_diff     (const float *a, const float *b, gsize count);
/* Fails the case (with the difference in its log) when max_scaled_diff exceeds tol. */
void   assert_close        (const char *what, const float *got, const float *want,
                            gsize count, double tol);

/* ---- the op table ----------------------------------------------------------------------
 *
 * One op instance for the table-driven checks.
 *
 * Each row builds a Case of n examples: inputs in[k] (n, in_per[k]), parameters param[j]
 * (param_len[j]), an output (n, out_per) — out_per is 0 for losses, whose forward returns
 * the summed loss instead. forward and backward run on examples [first, first + count):
 * out and dout point at that slice already; the row offsets its inputs and caches. */

#define MAX_IN    3
#define MAX_PARAM 2

typedef struct Case Case;

struct Case {
  int           n;
  int           n_in;
  float        *in[MAX_IN];
  float        *din[MAX_IN];
  gsize         in_per[MAX_IN];
  int           n_param;
  float        *param[MAX_PARAM];
  float        *dparam[MAX_PARAM];
  gsize         param_len[MAX_PARAM];
  gsize         out_per;

  /* what particular rows need */
  StConv2dGeom          conv;
  gboolean              naive;
  float                *scratch;
  StPool2dGeom          pool;
  StAdaptivePool2dGeom  apool;
  gint32               *argmax;        /* (n, C, OH, OW) */
  int                   C, OC;
  gsize                 HW;
  int                   num_parameters;
  float                 slope;
  double                p;
  guint8               *mask;          /* (n, in_per[0]) */
  guint8               *labels;        /* (n) */
  float                *targets;       /* (n, in_per[0]) */
  float                *mean, *invstd; /* (C) */
  double               *sum1, *sum2;   /* (C) */
  int                   channels[MAX_IN];
};

typedef enum {
  ROW_SLICEABLE = 1 << 0,              /* running on two halves equals running on the whole */
  ROW_LOSS      = 1 << 1,              /* backward always writes; no mode */
} RowFlags;

typedef struct {
  const char *name;
  void      (*setup)    (Case *c, StRng *rng);
  double    (*forward)  (Case *c, float *out, int first, int count);
  void      (*backward) (Case *c, const float *dout, int first, int count, StGradMode mode);
  RowFlags    flags;
  double      h;                       /* finite-difference step; 0 means 1e-2 */
} OpRow;


/* The table: adding an op to every check in tests/test-ops.c is one row in op-rows.c. */
extern const OpRow op_rows[];
extern const gsize n_op_rows;

void case_clear (Case *c);

G_END_DECLS
