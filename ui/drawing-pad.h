/* drawing-pad.h: a pad on which a person draws the input of a 1-channel model, as MNIST's
 * digits are drawn: bytes 0 (background, black) to 255 (ink, white), H × W (28 × 28 unless
 * set), row by row.
 *
 * The canvas is drawn above a small toolbar (Brush and Eraser, the brush's width, Clear),
 * in the largest rectangle of square pixels that fits the canvas's area, centred. A pixel is
 * a whole number of screen pixels wide where it is at least one (so the grid stays crisp,
 * nearest neighbour), with a faint grid once pixels are large:
 *
 *   cell = min (area_width / W, area_height / H), floored when >= 1
 *   x0 = floor ((area_width - cell W) / 2),  y0 = floor ((area_height - cell H) / 2)
 *
 * where the area is the widget that st_drawing_pad_get_gesture ()'s gesture belongs to.
 *
 * Input-pixel coordinates are continuous: (0, 0) is the top-left corner of the first pixel,
 * (0.5, 0.5) its centre, (W, H) the bottom-right corner of the last.
 *
 * A stroke is a polyline painted with a soft round brush: a pixel at distance d (from its
 * centre to the polyline) takes ink 255 × (1 - smoothstep (r - f, r + f, d)), where r is
 * half the brush's width and f = 0.5 + width / 8 the softness of its edge, and keeps the
 * larger of that and what it had (max-blending: ink accumulates up to 255, a second pass
 * over the same path changes nothing). The eraser lowers pixels the same way, towards 0: to 0
 * within the brush's whole reach (r + f), softly over the pixel beyond, so that one pass of
 * the eraser along a stroke of the same width removes all of its ink.
 *
 * A drag on the canvas (mouse, pen or touch) is such a stroke, through every motion event,
 * with the tool chosen — or the eraser, with the secondary button or a pen's eraser end.
 * When the canvas has the focus, Delete and Ctrl+BackSpace clear it and E switches between
 * brush and eraser.
 *
 * Signals:
 * ::changed () the pixels changed: painting, clear, set_pixels, set_size. It comes from the
 *   main loop, once for all the changes made since it last came: a script's hundred strokes
 *   emit it once, a drag about once a frame, not once per segment.
 * ::stroke-finished () a drag on the canvas ended; ::changed for its last segment comes
 *   first. st_drawing_pad_stroke () does not emit it.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ST_DRAWING_PAD_MAX_SIZE  256
#define ST_DRAWING_PAD_MAX_COORD 1e9  /* st_drawing_pad_stroke ()'s points, in input pixels */

/* What a drag does. */
typedef enum {
  ST_DRAWING_PAD_TOOL_BRUSH,
  ST_DRAWING_PAD_TOOL_ERASER,
} StDrawingPadTool;

#define ST_TYPE_DRAWING_PAD_TOOL (st_drawing_pad_tool_get_type ())
GType st_drawing_pad_tool_get_type (void);

#define ST_TYPE_DRAWING_PAD (st_drawing_pad_get_type ())
G_DECLARE_FINAL_TYPE (StDrawingPad, st_drawing_pad, ST, DRAWING_PAD, GtkWidget)

GtkWidget        *st_drawing_pad_new            (void);

/* Resizes the canvas to height × width (each 1 … ST_DRAWING_PAD_MAX_SIZE) and clears it. */
void              st_drawing_pad_set_size       (StDrawingPad     *pad,
                                                 int               height,
                                                 int               width);
int               st_drawing_pad_get_height     (StDrawingPad     *pad);
int               st_drawing_pad_get_width      (StDrawingPad     *pad);

/* (H, W) row by row; valid until the next st_drawing_pad_set_size (). */
const guint8     *st_drawing_pad_get_pixels     (StDrawingPad     *pad);
/* Copies H × W bytes, (H, W) row by row: to start from an image of the test set, say. */
void              st_drawing_pad_set_pixels     (StDrawingPad     *pad,
                                                 const guint8     *pixels);
void              st_drawing_pad_clear          (StDrawingPad     *pad);
/* TRUE when every pixel is 0. */
gboolean          st_drawing_pad_is_blank       (StDrawingPad     *pad);

/* A stroke through `n` points (x0, y0, x1, y1, …) in input-pixel coordinates, with the brush
 * of the current width (erase FALSE) or the eraser: what a drag does, for scripts and tests.
 * One point paints a dot; ink outside the canvas is dropped. A point that is not finite, or
 * has a coordinate beyond ±ST_DRAWING_PAD_MAX_COORD, lifts the pen: it is skipped and the
 * stroke goes on from the next point without joining the two. */
void              st_drawing_pad_stroke         (StDrawingPad     *pad,
                                                 const double     *xy,
                                                 int               n,
                                                 gboolean          erase);

/* "tool": what a drag with the primary button does. */
void              st_drawing_pad_set_tool       (StDrawingPad     *pad,
                                                 StDrawingPadTool  tool);
StDrawingPadTool  st_drawing_pad_get_tool       (StDrawingPad     *pad);
/* "brush-size": the brush's width in input pixels, clamped to [0.5, 16]; 2.2 at first, about
 * MNIST's strokes. The eraser's reach follows it. */
void              st_drawing_pad_set_brush_size (StDrawingPad     *pad,
                                                 double            size);
double            st_drawing_pad_get_brush_size (StDrawingPad     *pad);

/* The GtkGestureDrag that paints: its widget is the canvas's area (coordinates of its
 * signals are in that widget's). */
GtkGesture       *st_drawing_pad_get_gesture    (StDrawingPad     *pad);

G_END_DECLS
