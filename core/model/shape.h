/* shape.h: the shape of one example as it flows through a model.
 *
 * Shapes leave out the batch dimension N, as torchsummary's "-1" does: an image is
 * (C, H, W), rank 3; a feature vector after Flatten or Linear is (F), rank 1.
 * Rank 0 means "unknown" (a layer before it failed and no best guess exists).
 * Sizes are 64-bit and every product is checked, so a hand-edited model with
 * absurd sizes reports an overflow instead of wrapping around.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ST_SHAPE_MAX_RANK 3

typedef struct {
  int    rank;                     /* 0 (unknown), 1 (F) or 3 (C, H, W) */
  gint64 dim[ST_SHAPE_MAX_RANK];
} StShape;

#define ST_SHAPE_UNKNOWN ((StShape) { 0, { 0, 0, 0 } })

StShape  st_shape_chw         (gint64 c, gint64 h, gint64 w);
StShape  st_shape_flat        (gint64 features);
gboolean st_shape_is_known    (const StShape *shape);
gboolean st_shape_equal       (const StShape *a, const StShape *b);
/* Number of elements, or -1 when unknown or when the product overflows. */
gint64   st_shape_numel       (const StShape *shape);
/* "6×28×28", "400", "?" — the notation the workbench and messages use. */
char    *st_shape_to_string   (const StShape *shape);
/* Writes into buf (at least ST_SHAPE_STRING_MAX bytes) and returns it. */
#define ST_SHAPE_STRING_MAX 96
const char *st_shape_format   (const StShape *shape, char *buf);

/* Checked arithmetic: FALSE when the result would overflow or an operand is negative. */
gboolean st_mul_checked       (gint64 a, gint64 b, gint64 *out);
gboolean st_add_checked       (gint64 a, gint64 b, gint64 *out);

G_END_DECLS
