/* transform.c: normalising and augmenting a batch.
 *
 *   N  examples    C, H, W  channels, height, width    (x, y)  column and row, y down
 *
 * Normalisation is a 256-entry table per channel, computed in double and rounded once, so
 * the common path is one load per pixel and exactly (v/255 − mean)/std in float. Geometry
 * is inverse mapping: for each output pixel, where in the source does it come from? With
 * no rotation that is a whole-pixel offset (and a mirror), so pixels are copied exactly;
 * with rotation the source point is between pixels and is interpolated bilinearly, each of
 * the four neighbours that lies outside the image counting as 0 (as grid_sample's zeros
 * padding).
 */
#define G_LOG_DOMAIN "strata-transform"

#include "core/data/transform.h"
#include "core/io/i18n.h"

#include <math.h>

void
st_transform_init (StTransform *transform)
{
  g_return_if_fail (transform != NULL);

  *transform = (StTransform) { 0 };
}

static gboolean
augmenting (const StTransform *a)
{
  return a->horizontal_flip || a->rotation > 0.0 || a->shift > 0 || a->crop_padding > 0;
}

gboolean
st_transform_plan_init (StTransformPlan *plan, const StTransform *transform, int c, int h,
                        int w, GError **error)
{
  const StTransform *t = transform;

  g_return_val_if_fail (plan != NULL && transform != NULL, FALSE);
  g_return_val_if_fail (c >= 1 && c <= ST_DATASET_MAX_CHANNELS, FALSE);
  g_return_val_if_fail (h >= 1 && h <= ST_DATASET_MAX_SIDE, FALSE);
  g_return_val_if_fail (w >= 1 && w <= ST_DATASET_MAX_SIDE, FALSE);

  if (t->n_norm != 0 && t->n_norm != 1 && t->n_norm != c)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("normalize: %d means and stds for %d-channel images (give 1, or %d)"),
                   t->n_norm, c, c);
      return FALSE;
    }
  for (int i = 0; i < t->n_norm; i++)
    if (!isfinite (t->mean[i]) || !isfinite (t->std[i]) || t->std[i] <= 0.0)
      {
        g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                     _("normalize: channel %d has mean %g and std %g; the std must be a number "
                       "above 0"), i, t->mean[i], t->std[i]);
        return FALSE;
      }
  if (t->shift < 0 || t->shift > ST_TRANSFORM_MAX_SHIFT)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("augment.shift: %d pixels; it must be 0 to %d"), t->shift,
                   ST_TRANSFORM_MAX_SHIFT);
      return FALSE;
    }
  if (t->crop_padding < 0 || t->crop_padding > ST_TRANSFORM_MAX_SHIFT)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("augment.crop_padding: %d pixels; it must be 0 to %d"), t->crop_padding,
                   ST_TRANSFORM_MAX_SHIFT);
      return FALSE;
    }
  if (!(t->rotation >= 0.0 && t->rotation <= ST_TRANSFORM_MAX_ROTATION))
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("augment.rotation: %g degrees; it must be 0 to %g"), t->rotation,
                   ST_TRANSFORM_MAX_ROTATION);
      return FALSE;
    }

  *plan = (StTransformPlan) { .c = c, .h = h, .w = w, .settings = *t };
  for (int ch = 0; ch < c; ch++)
    {
      int k = t->n_norm == 0 ? -1 : t->n_norm == 1 ? 0 : ch;
      double mean = k < 0 ? 0.0 : t->mean[k];
      double std = k < 0 ? 1.0 : t->std[k];

      for (int v = 0; v < 256; v++)
        plan->lut[ch][v] = (float) ((v / 255.0 - mean) / std);
      plan->scale[ch] = (float) (1.0 / (255.0 * std));
      plan->bias[ch] = (float) (-mean / std);
    }
  return TRUE;
}

gsize
st_transform_batch_floats (const StTransformPlan *plan, gsize batch_size)
{
  g_return_val_if_fail (plan != NULL, 0);

  return batch_size * plan->c * plan->h * plan->w;
}

void
st_transform_draw (StAugmentDraw *draw, const StTransformPlan *plan, StRng *rng)
{
  const StTransform *a;

  g_return_if_fail (draw != NULL && plan != NULL && rng != NULL);

  a = &plan->settings;
  *draw = (StAugmentDraw) { 0 };
  if (a->horizontal_flip)
    draw->flip = (st_rng_u64 (rng) >> 63) != 0;
  if (a->rotation > 0.0)
    draw->angle = (2.0 * st_rng_uniform (rng) - 1.0) * a->rotation;
  if (a->shift > 0)
    {
      draw->dx = (int) st_rng_below (rng, 2 * a->shift + 1) - a->shift;
      draw->dy = (int) st_rng_below (rng, 2 * a->shift + 1) - a->shift;
    }
  if (a->crop_padding > 0)
    {
      /* The window's corner in the padded image is (ox, oy); the content moves by p − o. */
      int p = a->crop_padding;

      draw->dx += p - (int) st_rng_below (rng, 2 * p + 1);
      draw->dy += p - (int) st_rng_below (rng, 2 * p + 1);
    }
}

void
st_transform_draw_at (StAugmentDraw *draw, const StTransformPlan *plan, guint64 seed,
                      guint64 position)
{
  StRng base, rng;

  st_rng_init (&base, seed);
  st_rng_fork (&rng, &base, position);
  st_transform_draw (draw, plan, &rng);
}

/* out (H, W) = lut[in (H, W)] moved by (dx, dy), mirrored first when `flip`. */
static void
plane_shift (float *out, const guint8 *in, const float *lut, int h, int w, gboolean flip,
             int dx, int dy)
{
  const float fill = lut[0];
  const int x0 = CLAMP (dx, 0, w), x1 = CLAMP (w + dx, 0, w);

  for (int y = 0; y < h; y++)
    {
      float *o = out + (gsize) y * w;
      const int sy = y - dy;
      const guint8 *row;

      if (sy < 0 || sy >= h)
        {
          for (int x = 0; x < w; x++)
            o[x] = fill;
          continue;
        }
      row = in + (gsize) sy * w;
      for (int x = 0; x < x0; x++)
        o[x] = fill;
      if (flip)
        for (int x = x0; x < x1; x++)
          o[x] = lut[row[w - 1 - (x - dx)]];
      else
        for (int x = x0; x < x1; x++)
          o[x] = lut[row[x - dx]];
      for (int x = x1; x < w; x++)
        o[x] = fill;
    }
}

static inline float
pixel_or_zero (const guint8 *in, int h, int w, int x, int y)
{
  return x >= 0 && x < w && y >= 0 && y < h ? in[(gsize) y * w + x] : 0.0f;
}

/* out (H, W) = bilinear samples of in (H, W) through the inverse map of flip, rotation by
 * `angle` about the centre, then the move by (dx, dy). The source point moves by a fixed
 * step along an output row, so each row starts from its own exact point and steps; points
 * whose four neighbours are all inside skip the bounds checks. */
static void
plane_rotate (float *out, const guint8 *in, float scale, float bias, int h, int w,
              gboolean flip, double angle, int dx, int dy)
{
  const double rad = angle * G_PI / 180.0, cs = cos (rad), sn = sin (rad);
  const double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
  /* d(sx)/dx and d(sy)/dx; the mirror negates the source x. */
  const double step_x = flip ? -cs : cs, step_y = sn;

  for (int y = 0; y < h; y++)
    {
      /* Undo the move, then the counter-clockwise turn (y points down), then the mirror. */
      double u = -dx - cx, v = y - dy - cy;
      double sx = cx + cs * u - sn * v, sy = cy + sn * u + cs * v;
      float *o = out + (gsize) y * w;

      if (flip)
        sx = (w - 1) - sx;
      for (int x = 0; x < w; x++, sx += step_x, sy += step_y)
        {
          int x0, y0;
          float fx, fy, p00, p01, p10, p11;

          if (!(sx > -2.0 && sx < w + 1.0 && sy > -2.0 && sy < h + 1.0))
            {
              o[x] = bias;
              continue;
            }
          /* floor () without the library call: in range, truncation errs by at most one. */
          x0 = (int) sx;
          y0 = (int) sy;
          x0 -= sx < x0;
          y0 -= sy < y0;
          if (x0 < -1 || x0 >= w || y0 < -1 || y0 >= h)
            {
              o[x] = bias;
              continue;
            }
          fx = (float) (sx - x0);
          fy = (float) (sy - y0);
          if (x0 >= 0 && x0 + 1 < w && y0 >= 0 && y0 + 1 < h)
            {
              const guint8 *p = in + (gsize) y0 * w + x0;

              p00 = p[0], p01 = p[1], p10 = p[w], p11 = p[w + 1];
            }
          else
            {
              p00 = pixel_or_zero (in, h, w, x0, y0);
              p01 = pixel_or_zero (in, h, w, x0 + 1, y0);
              p10 = pixel_or_zero (in, h, w, x0, y0 + 1);
              p11 = pixel_or_zero (in, h, w, x0 + 1, y0 + 1);
            }
          o[x] = ((1.0f - fy) * ((1.0f - fx) * p00 + fx * p01)
                  + fy * ((1.0f - fx) * p10 + fx * p11)) * scale + bias;
        }
    }
}

void
st_transform_example (float *out, const guint8 *in, const StTransformPlan *plan,
                      const StAugmentDraw *draw)
{
  gsize plane;

  g_return_if_fail (out != NULL && in != NULL && plan != NULL);

  plane = (gsize) plan->h * plan->w;

  for (int c = 0; c < plan->c; c++)
    {
      const guint8 *src = in + c * plane;
      float *dst = out + c * plane;

      if (draw == NULL || (!draw->flip && draw->angle == 0.0 && draw->dx == 0 && draw->dy == 0))
        {
          const float *lut = plan->lut[c];

          for (gsize i = 0; i < plane; i++)
            dst[i] = lut[src[i]];
        }
      else if (draw->angle == 0.0)
        plane_shift (dst, src, plan->lut[c], plan->h, plan->w, draw->flip, draw->dx, draw->dy);
      else
        plane_rotate (dst, src, plan->scale[c], plan->bias[c], plan->h, plan->w, draw->flip,
                      draw->angle, draw->dx, draw->dy);
    }
}

void
st_transform_batch (float *out, guint8 *labels, const StDataset *dataset, const guint32 *idx,
                    gsize n, const StTransformPlan *plan, StTransformMode mode, StRng *rng)
{
  gboolean augment;
  gsize size;

  g_return_if_fail (out != NULL && labels != NULL && dataset != NULL && plan != NULL);
  g_return_if_fail (idx != NULL || n == 0);
  g_return_if_fail (plan->c == dataset->c && plan->h == dataset->h && plan->w == dataset->w);

  augment = mode == ST_TRANSFORM_TRAIN && augmenting (&plan->settings);
  g_return_if_fail (!augment || rng != NULL);

  size = st_dataset_example_size (dataset);
  for (gsize i = 0; i < n; i++)
    {
      const guint8 *image;
      StAugmentDraw draw;

      g_return_if_fail (idx[i] < dataset->n);
      image = dataset->images + (gsize) idx[i] * size;
      labels[i] = dataset->labels[idx[i]];
      if (augment)
        {
          st_transform_draw (&draw, plan, rng);
          st_transform_example (out + i * size, image, plan, &draw);
        }
      else
        st_transform_example (out + i * size, image, plan, NULL);
    }
}

void
st_transform_epoch_order (guint32 *order, gsize n, StRng *rng)
{
  g_return_if_fail (order != NULL || n == 0);
  g_return_if_fail (rng != NULL);
  g_return_if_fail (n <= G_MAXUINT32);

  for (gsize i = 0; i < n; i++)
    order[i] = (guint32) i;
  st_rng_shuffle (rng, order, n);
}
