/* conv2d-geom.h: a convolution's geometry and the path each of its products takes — the
 * types alone, shared by the dispatcher (conv2d.h, whose st_conv2d_geom_init fills them in)
 * and the direct kernels below it (conv2d-direct.h). conv2d.h has the dimension letters. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How a product of the layer is computed (core/ops/conv2d-direct.h has the direct kernels). */
typedef enum {
  ST_CONV2D_PATH_AUTO,             /* st_conv2d_geom_init() picks by shape */
  ST_CONV2D_PATH_IM2COL,           /* im2col + cblas_sgemm, one example at a time */
  ST_CONV2D_PATH_ROWS,             /* direct, 8 outputs of a row per vector */
  ST_CONV2D_PATH_CHANNELS,         /* direct, 8 output channels per vector */
  ST_CONV2D_PATH_ROWS_INPUT,       /* input gradient only: ROWS on the transposed layer */
} StConv2dPath;

typedef struct {
  int C, H, W;
  int OC;
  int KH, KW;
  int SH, SW;                      /* >= 1 */
  int PH, PW;                      /* >= 0 */
  int DH, DW;                      /* >= 1 */
  int OH, OW;                      /* set by st_conv2d_geom_init() */
  StConv2dPath forward;            /* the forward product; AUTO is resolved by geom_init */
  StConv2dPath weight;             /* the weight gradient's; likewise */
  StConv2dPath input;              /* the input gradient's: IM2COL or ROWS_INPUT */
  int          lanes;              /* the direct kernels' vector width: 8, or 16 where the
                                    * CPU has AVX-512; 0 is resolved by geom_init to the
                                    * widest this CPU runs */
} StConv2dGeom;

G_END_DECLS
