/* image-prep.c: a person's picture made into one input image of a model.
 *
 *   C, H, W     the picture's channels, height, width      (x, y)  column and row, y down
 *   OC, OH, OW  the result's
 *
 * Pixel (x, y) covers the square [x, x + 1) × [y, y + 1); its centre is (x + 0.5, y + 0.5),
 * and a 28×28 image's centre is (14, 14).
 *
 * Scaling is separable: rows first into (C, H, OW) floats, then columns into (C, OH, OW).
 * Along each axis an output pixel is a weighted sum of source pixels, its weights computed
 * once per axis. Shrinking, output pixel i covers [i·s, (i + 1)·s) of the source (s = in /
 * out) and each source pixel weighs by its overlap with that interval, divided by s: the
 * box filter of PIL's Image.resize (BOX), area averaging. Enlarging, i's centre falls at
 * (i + 0.5)·s − 0.5 between two source centres, weighted linearly (bilinear), the edge
 * pixels repeated beyond the edges.
 *
 * MNIST works on one grey byte plane: the polarity from the border ring's mean, the paper's
 * reach (from the ring's median and spread, which ink crossing the border does not move)
 * subtracted so the background is 0 even on grey or unevenly lit paper, the ink's box found
 * above a tenth of the brightest ink, scaled into 20/28 of the image's sides, stretched to
 * 255, and placed by its centre of mass. https://yann.lecun.com/exdb/mnist/
 */
#define G_LOG_DOMAIN "strata-image-prep"

#include "core/data/image-prep.h"
#include "core/io/i18n.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

/* Ink must stand this many levels (of 255) above the paper: below it, what differs is noise
 * (JPEG's, a camera's) rather than a stroke, and the picture counts as blank. */
#define MNIST_MIN_INK 24

/* The ink's box takes MNIST_BOX / MNIST_SIDE of each side of the image: 20 of 28. */
#define MNIST_BOX  20
#define MNIST_SIDE 28

/* One axis of a scaling: output pixel i is Σ_k weight[i·taps + k] · in[first[i] + k] for
 * k < count[i]. */
typedef struct {
  int    taps;
  int   *first;   /* (n_out) */
  int   *count;   /* (n_out) */
  float *weight;  /* (n_out, taps) */
} Axis;

static void
axis_clear (Axis *a)
{
  g_free (a->first);
  g_free (a->count);
  g_free (a->weight);
}

static gboolean
axis_init (Axis *a, int n_in, int n_out)
{
  const double s = (double) n_in / n_out;

  /* Shrinking, the interval [i·s, (i + 1)·s) meets at most ceil (s) + 1 source pixels. */
  a->taps = s > 1.0 ? (int) ceil (s) + 1 : 2;
  a->first = g_try_new (int, n_out);
  a->count = g_try_new (int, n_out);
  a->weight = g_try_new0 (float, (gsize) n_out * a->taps);
  if (a->first == NULL || a->count == NULL || a->weight == NULL)
    return FALSE;

  for (int i = 0; i < n_out; i++)
    {
      float *w = a->weight + (gsize) i * a->taps;

      if (s >= 1.0)
        {
          const double lo = i * s, hi = MIN ((i + 1) * s, (double) n_in);
          const int j0 = (int) floor (lo), j1 = MIN ((int) ceil (hi), n_in);

          a->first[i] = j0;
          a->count[i] = j1 - j0;
          for (int j = j0; j < j1; j++)
            w[j - j0] = (float) ((MIN (hi, j + 1.0) - MAX (lo, (double) j)) / s);
        }
      else
        {
          const double centre = (i + 0.5) * s - 0.5;
          int j = (int) floor (centre);
          double f = centre - j;

          if (j < 0)
            j = 0, f = 0.0;
          if (j >= n_in - 1)
            j = n_in - 1, f = 0.0;
          a->first[i] = j;
          a->count[i] = f > 0.0 ? 2 : 1;
          w[0] = (float) (1.0 - f);
          w[1] = (float) f;
        }
    }
  return TRUE;
}

/* The sw×sh region at `src` — c planes `plane` bytes apart, rows `stride` bytes apart —
 * scaled to dw×dh into `dst` (c, dh, dw). FALSE when the memory cannot be had. */
static gboolean
resample (float *dst, int dh, int dw, const guint8 *src, gsize plane, gsize stride, int c,
          int sh, int sw)
{
  Axis ax = { 0 }, ay = { 0 };
  float *tmp;  /* (c, sh, dw) */
  gboolean ok = FALSE;

  tmp = g_try_new (float, (gsize) c * sh * dw);
  if (tmp == NULL || !axis_init (&ax, sw, dw) || !axis_init (&ay, sh, dh))
    goto out;

  for (int ch = 0; ch < c; ch++)
    for (int y = 0; y < sh; y++)
      {
        const guint8 *row = src + ch * plane + y * stride;
        float *t = tmp + ((gsize) ch * sh + y) * dw;

        for (int x = 0; x < dw; x++)
          {
            const float *w = ax.weight + (gsize) x * ax.taps;
            const guint8 *in = row + ax.first[x];
            float sum = 0.0f;

            for (int k = 0; k < ax.count[x]; k++)
              sum += w[k] * in[k];
            t[x] = sum;
          }
      }

  for (int ch = 0; ch < c; ch++)
    for (int y = 0; y < dh; y++)
      {
        const float *w = ay.weight + (gsize) y * ay.taps;
        float *d = dst + ((gsize) ch * dh + y) * dw;

        memset (d, 0, sizeof (float) * dw);
        for (int k = 0; k < ay.count[y]; k++)
          {
            const float *t = tmp + ((gsize) ch * sh + ay.first[y] + k) * dw;

            for (int x = 0; x < dw; x++)
              d[x] += w[k] * t[x];
          }
      }
  ok = TRUE;

out:
  axis_clear (&ax);
  axis_clear (&ay);
  g_free (tmp);
  return ok;
}

static guint8
to_byte (float v)
{
  return (guint8) CLAMP (floorf (v + 0.5f), 0.0f, 255.0f);
}

/* How often each value occurs on the border ring of the h×w plane `p`: its outermost rows
 * and columns, each pixel once. */
static void
ring_histogram (guint64 hist[256], const guint8 *p, int h, int w)
{
  memset (hist, 0, sizeof (guint64) * 256);
  for (int x = 0; x < w; x++)
    {
      hist[p[x]]++;
      if (h > 1)
        hist[p[(gsize) (h - 1) * w + x]]++;
    }
  for (int y = 1; y < h - 1; y++)
    {
      hist[p[(gsize) y * w]]++;
      if (w > 1)
        hist[p[(gsize) y * w + w - 1]]++;
    }
}

static double
histogram_mean (const guint64 hist[256])
{
  guint64 n = 0, sum = 0;

  for (int v = 0; v < 256; v++)
    n += hist[v], sum += hist[v] * v;
  return (double) sum / n;
}

/* The smallest value that at least `percent` % of the counts reach no higher than. */
static int
histogram_percentile (const guint64 hist[256], int percent)
{
  guint64 n = 0, seen = 0;

  for (int v = 0; v < 256; v++)
    n += hist[v];
  for (int v = 0; v < 256; v++)
    {
      seen += hist[v];
      if (100 * seen >= percent * n)
        return v;
    }
  return 255;
}

/* The picture's planes as the result needs them: its own when the channels agree or the
 * picture is grey (a grey result for three channels is repeated after scaling), else one
 * grey plane converted as PIL's convert ("L") does, L = R 299/1000 + G 587/1000 + B
 * 114/1000 in its fixed point, rounded. `owned` gets the grey plane to free (or NULL);
 * *c the planes' count. NULL when the memory cannot be had. */
static const guint8 *
work_planes (const StDataset *picture, int channels, guint8 **owned, int *c)
{
  const gsize plane = (gsize) picture->h * picture->w;
  const guint8 *rgb = picture->images;
  guint8 *grey;

  *owned = NULL;
  if (picture->c == 1 || channels == 3)
    {
      *c = picture->c;
      return picture->images;
    }
  grey = g_try_malloc (plane);
  if (grey == NULL)
    return NULL;
  for (gsize i = 0; i < plane; i++)
    grey[i] = (guint8) ((rgb[i] * 19595u + rgb[plane + i] * 38470u + rgb[2 * plane + i] * 7471u
                         + 0x8000u) >> 16);
  *owned = grey;
  *c = 1;
  return grey;
}

static void
set_memory_error (GError **error, const StDataset *picture, int h, int w)
{
  g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_TOO_LARGE,
               _("%s: not enough memory to scale it to %d×%d"), picture->name, w, h);
}

/* Repeats plane 0 of `out` into its other planes. */
static void
repeat_plane (StDataset *out)
{
  const gsize plane = (gsize) out->h * out->w;

  for (int ch = 1; ch < out->c; ch++)
    memcpy (out->images + ch * plane, out->images, plane);
}

/* FIT (keep_aspect) and STRETCH into `out`. */
static gboolean
prepare_scaled (StDataset *out, const StDataset *picture, gboolean keep_aspect, GError **error)
{
  const int h = out->h, w = out->w, H = picture->h, W = picture->w;
  g_autofree guint8 *owned = NULL;
  g_autofree float *scaled = NULL;  /* (c, nh, nw) */
  const guint8 *src;
  int c, nh = h, nw = w, ox = 0, oy = 0;

  src = work_planes (picture, out->c, &owned, &c);
  if (src == NULL)
    {
      set_memory_error (error, picture, h, w);
      return FALSE;
    }

  if (keep_aspect)
    {
      const double s = MIN ((double) w / W, (double) h / H);

      nw = CLAMP ((int) floor (W * s + 0.5), 1, w);
      nh = CLAMP ((int) floor (H * s + 0.5), 1, h);
      ox = (w - nw) / 2;
      oy = (h - nh) / 2;
      for (int ch = 0; ch < c; ch++)
        {
          guint64 hist[256];

          ring_histogram (hist, src + (gsize) ch * H * W, H, W);
          memset (out->images + (gsize) ch * h * w,
                  to_byte ((float) histogram_mean (hist)), (gsize) h * w);
        }
    }

  scaled = g_try_new (float, (gsize) c * nh * nw);
  if (scaled == NULL || !resample (scaled, nh, nw, src, (gsize) H * W, W, c, H, W))
    {
      set_memory_error (error, picture, h, w);
      return FALSE;
    }
  for (int ch = 0; ch < c; ch++)
    for (int y = 0; y < nh; y++)
      for (int x = 0; x < nw; x++)
        out->images[((gsize) ch * h + oy + y) * w + ox + x]
          = to_byte (scaled[((gsize) ch * nh + y) * nw + x]);
  if (c < out->c)
    repeat_plane (out);
  return TRUE;
}

/* MNIST (or Fashion-MNIST) into `out`. */
static gboolean
prepare_mnist (StDataset *out, const StDataset *picture, gboolean fashion, GError **error)
{
  const int h = out->h, w = out->w, H = picture->h, W = picture->w;
  const gsize plane = (gsize) H * W;
  g_autofree guint8 *owned = NULL;
  g_autofree guint8 *grey = NULL;   /* (H, W), the ink bright on 0 */
  g_autofree float *scaled = NULL;  /* (nh, nw) */
  g_autofree guint8 *patch = NULL;  /* (nh, nw) */
  const guint8 *src;
  guint64 hist[256];
  int c, paper, ink = 0, x0 = W, x1 = 0, y0 = H, y1 = 0, bw, bh, box_w, box_h, nw, nh, ox, oy;
  double s, mass = 0.0, mx = 0.0, my = 0.0;
  float top = 0.0f;

  /* A grey plane of its own to change: the converted one, or a copy of the picture's. */
  src = work_planes (picture, 1, &owned, &c);
  if (owned != NULL)
    grey = g_steal_pointer (&owned);
  else if (src != NULL && (grey = g_try_malloc (plane)) != NULL)
    memcpy (grey, src, plane);
  if (grey == NULL)
    {
      set_memory_error (error, picture, h, w);
      return FALSE;
    }

  /* Dark ink on light paper (a border lighter than mid-grey) is inverted: MNIST's ink is
   * bright on black. */
  ring_histogram (hist, grey, H, W);
  if (histogram_mean (hist) >= 128.0)
    {
      for (gsize i = 0; i < plane; i++)
        grey[i] = 255 - grey[i];
      ring_histogram (hist, grey, H, W);
    }
  /* The paper's reach: its median on the ring, plus as much as its 5th percentile lies
   * below it. Ink, bright now, only adds to the ring's upper tail, so its lower half is
   * paper alone, and the light falling unevenly on a photographed page (brighter in one
   * corner, darker in the other) spreads the paper evenly about its median. */
  paper = histogram_percentile (hist, 50);
  paper = MIN (255, 2 * paper - histogram_percentile (hist, 5));
  for (gsize i = 0; i < plane; i++)
    {
      grey[i] = grey[i] > paper ? grey[i] - paper : 0;
      ink = MAX (ink, grey[i]);
    }
  if (ink < MNIST_MIN_INK)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s is blank: nothing in it stands out from its background"),
                   picture->name);
      return FALSE;
    }

  /* The ink's box: the pixels above a tenth of the brightest. */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      if (grey[(gsize) y * W + x] * 10 > ink)
        {
          x0 = MIN (x0, x), x1 = MAX (x1, x + 1);
          y0 = MIN (y0, y), y1 = MAX (y1, y + 1);
        }
  bw = x1 - x0;
  bh = y1 - y0;

  /* Scaled, aspect kept, into the 20/28 box of each side; Fashion-MNIST's fill the side. */
  box_w = fashion ? w : MAX (1, (int) floor ((double) w * MNIST_BOX / MNIST_SIDE + 0.5));
  box_h = fashion ? h : MAX (1, (int) floor ((double) h * MNIST_BOX / MNIST_SIDE + 0.5));
  s = MIN ((double) box_w / bw, (double) box_h / bh);
  nw = CLAMP ((int) floor (bw * s + 0.5), 1, box_w);
  nh = CLAMP ((int) floor (bh * s + 0.5), 1, box_h);
  scaled = g_try_new (float, (gsize) nh * nw);
  patch = g_try_malloc ((gsize) nh * nw);
  if (scaled == NULL || patch == NULL
      || !resample (scaled, nh, nw, grey + (gsize) y0 * W + x0, plane, W, 1, bh, bw))
    {
      set_memory_error (error, picture, h, w);
      return FALSE;
    }

  /* The brightest pixel stretched to 255; then the centre of mass of what is stored. */
  for (gsize i = 0; i < (gsize) nh * nw; i++)
    top = MAX (top, scaled[i]);
  g_assert (top > 0.0f);
  for (int y = 0; y < nh; y++)
    for (int x = 0; x < nw; x++)
      {
        guint8 v = to_byte (scaled[(gsize) y * nw + x] * (255.0f / top));

        patch[(gsize) y * nw + x] = v;
        mass += v;
        mx += (x + 0.5) * v;
        my += (y + 0.5) * v;
      }
  g_assert (mass > 0.0);
  /* MNIST's centre of mass at the centre; Fashion-MNIST's box itself centred */
  if (fashion)
    mx = nw / 2.0 * mass, my = nh / 2.0 * mass;
  ox = CLAMP ((int) floor (w / 2.0 - mx / mass + 0.5), 0, w - nw);
  oy = CLAMP ((int) floor (h / 2.0 - my / mass + 0.5), 0, h - nh);
  for (int y = 0; y < nh; y++)
    memcpy (out->images + (gsize) (oy + y) * w + ox, patch + (gsize) y * nw, nw);
  repeat_plane (out);
  return TRUE;
}

StDataset *
st_image_prepare (const StDataset *picture, int channels, int height, int width,
                  StImagePrep how, GError **error)
{
  g_autoptr (StDataset) out = NULL;
  const char *name;
  gboolean ok;

  g_return_val_if_fail (picture != NULL && picture->name != NULL, NULL);
  g_return_val_if_fail (how >= ST_IMAGE_PREP_AUTO && how <= ST_IMAGE_PREP_FASHION, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = picture->name;
  if (picture->n != 1)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   g_dngettext (GETTEXT_PACKAGE, "%s holds %" PRId64 " image, not one picture",
                                "%s holds %" PRId64 " images, not one picture", picture->n),
                   name, picture->n);
      return NULL;
    }
  if (picture->c != 1 && picture->c != 3)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s has %d channels; a picture has 1 (grey) or 3 (RGB)"), name,
                   picture->c);
      return NULL;
    }
  if (picture->h < 1 || picture->h > ST_DATASET_MAX_SIDE
      || picture->w < 1 || picture->w > ST_DATASET_MAX_SIDE)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s is %d×%d; a picture's sides must be 1 to %d pixels"), name,
                   picture->w, picture->h, ST_DATASET_MAX_SIDE);
      return NULL;
    }
  if (channels != 1 && channels != 3)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s cannot be prepared for %d channels; a model's input has 1 or 3"),
                   name, channels);
      return NULL;
    }
  if (height < 1 || height > ST_DATASET_MAX_SIDE || width < 1 || width > ST_DATASET_MAX_SIDE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s cannot be prepared as a %d×%d image; its sides must be 1 to %d "
                     "pixels"), name, width, height, ST_DATASET_MAX_SIDE);
      return NULL;
    }

  out = st_dataset_new (name, picture->origin != NULL ? picture->origin : name, 1, channels,
                        height, width, error);
  if (out == NULL)
    return NULL;
  st_dataset_set_classes (out, 1, NULL);

  if (how == ST_IMAGE_PREP_AUTO)
    how = channels == 1 ? ST_IMAGE_PREP_MNIST : ST_IMAGE_PREP_FIT;
  if (how == ST_IMAGE_PREP_MNIST || how == ST_IMAGE_PREP_FASHION)
    ok = prepare_mnist (out, picture, how == ST_IMAGE_PREP_FASHION, error);
  else
    ok = prepare_scaled (out, picture, how == ST_IMAGE_PREP_FIT, error);
  return ok ? g_steal_pointer (&out) : NULL;
}
