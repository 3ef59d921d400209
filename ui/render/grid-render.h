/* grid-render.h: the pictures of the activations view, drawn with plain Cairo.
 *
 * An input image, the feature maps after a convolution as a grid of tiles and a gallery of
 * captioned images (the class probabilities and the confusion matrix, which take the same
 * options, are in class-render.h). Each renderer draws into any cairo_t (the widget's
 * snapshot, a PNG or SVG file, a test's image surface) and fills the whole width × height with
 * the theme's background. Each has a save helper that writes PNG or SVG by the file's
 * extension (st_render_save() in chart-render.h).
 *
 * Image data is float, (C, H, W), any value range: it is normalised for display to its own
 * minimum..maximum; NaN or ±Inf pixels show in red and do not disturb the range.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "ui/render/render-util.h"

G_BEGIN_DECLS

/* A borrowed (C, H, W) float buffer: one image (C = 1 or 3) or C feature maps. */
typedef struct {
  const float *data;            /* (C, H, W) */
  int          channels;
  int          height;
  int          width;
} StImageView;

typedef enum {
  ST_COLORMAP_GRAY,
  ST_COLORMAP_VIRIDIS,
} StColormap;

typedef enum {
  ST_NORMALIZE_PER_MAP,         /* each map stretched over its own min..max */
  ST_NORMALIZE_JOINT,           /* one min..max over all maps, so strengths compare */
} StNormalize;

typedef enum {
  ST_TILE_LABEL_BELOW,
  ST_TILE_LABEL_ABOVE,
  ST_TILE_LABEL_NONE,
} StTileLabel;

typedef struct {
  StTheme      theme;
  StColormap   colormap;        /* one-channel images and feature maps */
  StNormalize  normalize;       /* feature maps */
  StTileLabel  labels;          /* feature maps: the channel index */
  const char  *title;           /* NULL: none */
} StGridOptions;

/* Defaults: light, gray, per-map normalisation, labels below, no title. */
void st_grid_options_init (StGridOptions *options);

/* ---- (1) one image, nearest-neighbour scaled to fit, centred ------------------------------ */

void     st_image_render        (cairo_t             *cr,
                                 double               width,
                                 double               height,
                                 const StImageView   *image,
                                 const StGridOptions *options);
gboolean st_image_save          (const char          *path,
                                 int                  width,
                                 int                  height,
                                 const StImageView   *image,
                                 const StGridOptions *options,
                                 GError             **error);

/* ---- (2) C feature maps as a near-square grid of tiles ----------------------------------- */

void     st_feature_maps_render (cairo_t             *cr,
                                 double               width,
                                 double               height,
                                 const StImageView   *maps,
                                 const StGridOptions *options);
/* The channel whose tile is under (x, y), or -1. */
int      st_feature_maps_hit_test (double               width,
                                   double               height,
                                   const StImageView   *maps,
                                   const StGridOptions *options,
                                   double               x,
                                   double               y);
gboolean st_feature_maps_save   (const char          *path,
                                 int                  width,
                                 int                  height,
                                 const StImageView   *maps,
                                 const StGridOptions *options,
                                 GError             **error);

/* ---- (3) gallery of captioned images ----------------------------------------------------- */

typedef enum {
  ST_GALLERY_MARK_NONE,
  ST_GALLERY_MARK_CORRECT,      /* caption in the normal text colour */
  ST_GALLERY_MARK_WRONG,        /* caption in red */
} StGalleryMark;

typedef struct {
  StImageView   image;
  const char   *caption;        /* "Coat → Pullover"; '\n' starts a second line; NULL: none */
  StGalleryMark mark;
} StGalleryItem;

void     st_gallery_render   (cairo_t             *cr,
                              double               width,
                              double               height,
                              const StGalleryItem *items,
                              int                  n_items,
                              const StGridOptions *options);
/* The item under (x, y), or -1. */
int      st_gallery_hit_test (double               width,
                              double               height,
                              const StGalleryItem *items,
                              int                  n_items,
                              const StGridOptions *options,
                              double               x,
                              double               y);
gboolean st_gallery_save     (const char          *path,
                              int                  width,
                              int                  height,
                              const StGalleryItem *items,
                              int                  n_items,
                              const StGridOptions *options,
                              GError             **error);

G_END_DECLS
