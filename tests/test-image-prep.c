/* test-image-prep.c: a person's picture made into a model's input image — MNIST's way (the
 * polarity, grey and unevenly lit paper, the ink's box scaled to 20 of 28 with its aspect,
 * the centre of mass at the centre, the brightest pixel 255), fitting with the border's
 * colour, stretching, area averaging and bilinear enlarging, grey and colour, and the
 * pictures and sizes refused. Every picture is drawn in memory; every expected value is
 * measured here on the result.
 */
#define G_LOG_DOMAIN "test-image-prep"

#include <gio/gio.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/data/image-prep.h"

#define NAME   "drawing.png"
#define ORIGIN "/home/someone/drawing.png"

/* A picture of c×h×w, every byte `paper`. */
static StDataset *
picture_new (int c, int h, int w, guint8 paper)
{
  g_autoptr (GError) error = NULL;
  StDataset *ds = st_dataset_new (NAME, ORIGIN, 1, c, h, w, &error);

  g_assert_no_error (error);
  memset (ds->images, paper, st_dataset_example_size (ds));
  st_dataset_set_classes (ds, 1, NULL);
  return ds;
}

/* [x0, x1) × [y0, y1) set to `v` in every channel. */
static void
fill_rect (StDataset *ds, int x0, int y0, int x1, int y1, guint8 v)
{
  for (int ch = 0; ch < ds->c; ch++)
    for (int y = y0; y < y1; y++)
      for (int x = x0; x < x1; x++)
        ds->images[((gsize) ch * ds->h + y) * ds->w + x] = v;
}

/* A thick "L" on a 200-high, 120-wide picture: its box is 60 wide and 120 high. */
static StDataset *
picture_l (guint8 paper, guint8 ink)
{
  StDataset *ds = picture_new (1, 200, 120, paper);

  fill_rect (ds, 30, 40, 50, 160, ink);
  fill_rect (ds, 30, 140, 90, 160, ink);
  return ds;
}

static StDataset *
prepare (const StDataset *picture, int c, int h, int w, StImagePrep how)
{
  g_autoptr (GError) error = NULL;
  StDataset *out = st_image_prepare (picture, c, h, w, how, &error);

  g_assert_no_error (error);
  /* Nothing to check without it: the case stops here. */
  g_assert (out != NULL);
  g_assert_cmpint (out->n, ==, 1);
  g_assert_cmpint (out->c, ==, c);
  g_assert_cmpint (out->h, ==, h);
  g_assert_cmpint (out->w, ==, w);
  g_assert_cmpint (out->labels[0], ==, 0);
  g_assert_cmpint (out->n_classes, ==, 1);
  g_assert_cmpstr (out->name, ==, picture->name);
  g_assert_cmpstr (out->origin, ==, picture->origin);
  return out;
}

/* The intensity-weighted centre of plane `p` (h×w), pixel (x, y) counting at its centre
 * (x + 0.5, y + 0.5). */
static void
mass_centre (const guint8 *p, int h, int w, double *cx, double *cy)
{
  double m = 0.0, sx = 0.0, sy = 0.0;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        m += p[y * w + x];
        sx += (x + 0.5) * p[y * w + x];
        sy += (y + 0.5) * p[y * w + x];
      }
  g_assert_cmpfloat (m, >, 0.0);
  *cx = sx / m;
  *cy = sy / m;
}

/* The width and height of the box of pixels above `above`. */
static void
ink_size (const guint8 *p, int h, int w, int above, int *bw, int *bh)
{
  int x0 = w, x1 = -1, y0 = h, y1 = -1;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (p[y * w + x] > above)
        {
          x0 = MIN (x0, x), x1 = MAX (x1, x);
          y0 = MIN (y0, y), y1 = MAX (y1, y);
        }
  *bw = x1 - x0 + 1;
  *bh = y1 - y0 + 1;
}

static int
plane_max (const guint8 *p, gsize n)
{
  int top = 0;

  for (gsize i = 0; i < n; i++)
    top = MAX (top, p[i]);
  return top;
}

/* The largest difference between the bytes of two images of one shape. */
static int
max_difference (const StDataset *a, const StDataset *b)
{
  int d = 0;

  g_assert_cmpuint (st_dataset_example_size (a), ==, st_dataset_example_size (b));
  for (gsize i = 0; i < st_dataset_example_size (a); i++)
    d = MAX (d, abs (a->images[i] - b->images[i]));
  return d;
}

/* Every pixel of the outermost ring of plane `p` is `v`. */
static void
assert_ring (const guint8 *p, int h, int w, int v)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (x == 0 || y == 0 || x == w - 1 || y == h - 1)
        g_assert_cmpint (p[y * w + x], ==, v);
}

/* An image the MNIST way: black around, 255 its brightest, the ink's longer side `side`,
 * its centre of mass at the image's centre. */
static void
assert_mnist (const StDataset *out, int side, int *bw, int *bh)
{
  double cx, cy;

  assert_ring (out->images, out->h, out->w, 0);
  g_assert_cmpint (plane_max (out->images, (gsize) out->h * out->w), ==, 255);
  ink_size (out->images, out->h, out->w, 0, bw, bh);
  g_assert_cmpint (abs (MAX (*bw, *bh) - side), <=, 1);
  mass_centre (out->images, out->h, out->w, &cx, &cy);
  g_test_message ("ink %d×%d, centre of mass (%.3f, %.3f)", *bw, *bh, cx, cy);
  g_assert_cmpfloat (fabs (cx - out->w / 2.0), <=, 0.5);
  g_assert_cmpfloat (fabs (cy - out->h / 2.0), <=, 0.5);
}

/* ---- MNIST ------------------------------------------------------------------------------ */

static void
test_mnist_dark_on_white (void)
{
  g_autoptr (StDataset) pic = picture_l (255, 0);
  g_autoptr (StDataset) out = prepare (pic, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  int bw, bh, bright = 0;

  assert_mnist (out, 20, &bw, &bh);
  /* The L is twice as high as it is wide. */
  g_assert_cmpint (bh, ==, 20);
  g_assert_cmpint (abs (bw - 10), <=, 1);
  /* Inverted, the stroke bright: scaled by 1/6, the upright (20 of the box's 60 columns)
   * covers 3 whole columns of 20 rows and the foot (the last 20 of 120 rows) 3 whole rows,
   * 7 columns of them beyond the upright; those pixels are 255. */
  for (int i = 0; i < 28 * 28; i++)
    bright += out->images[i] == 255;
  g_assert_cmpint (bright, ==, 20 * 3 + 3 * 7);
}

static void
test_mnist_polarity (void)
{
  g_autoptr (StDataset) dark = picture_l (255, 0);
  g_autoptr (StDataset) light = picture_l (0, 255);
  g_autoptr (StDataset) grey_paper = picture_l (200, 40);
  g_autoptr (StDataset) dim = picture_l (30, 190);
  g_autoptr (StDataset) a = prepare (dark, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  g_autoptr (StDataset) b = prepare (light, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  g_autoptr (StDataset) c = prepare (grey_paper, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  g_autoptr (StDataset) d = prepare (dim, 1, 28, 28, ST_IMAGE_PREP_MNIST);

  /* Light on dark is kept as it is, dark on light inverted: the same image. Grey paper and
   * dim ink become black and 255 alike. */
  g_assert_cmpint (max_difference (a, b), <=, 1);
  g_assert_cmpint (max_difference (a, c), <=, 1);
  g_assert_cmpint (max_difference (a, d), <=, 1);
}

static void
test_mnist_uneven_light (void)
{
  g_autoptr (StDataset) clean = picture_l (255, 0);
  g_autoptr (StDataset) photo = picture_l (255, 0);
  g_autoptr (StDataset) a = NULL;
  g_autoptr (StDataset) b = NULL;
  int bw, bh;

  /* A photographed page: the paper 230 at one side, 170 at the other, with a few levels of
   * grain, the pen's ink 40. Nothing of the paper remains: the image is the clean one. */
  for (int y = 0; y < 200; y++)
    for (int x = 0; x < 120; x++)
      {
        guint8 *p = photo->images + y * 120 + x;

        *p = *p == 0 ? 40 : (guint8) (230 - 60 * (x + y) / (120 + 200) + (x * 7 + y * 13) % 7 - 3);
      }
  a = prepare (clean, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  b = prepare (photo, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  assert_mnist (b, 20, &bw, &bh);
  g_test_message ("largest difference %d", max_difference (a, b));
  g_assert_cmpint (max_difference (a, b), <=, 1);
}

static void
test_mnist_corner (void)
{
  g_autoptr (StDataset) pic = picture_new (1, 400, 400, 255);
  g_autoptr (StDataset) out = NULL;
  int bw, bh;

  /* A dark disc of radius 25 about (40, 40). */
  for (int y = 0; y < 400; y++)
    for (int x = 0; x < 400; x++)
      if (hypot (x + 0.5 - 40, y + 0.5 - 40) <= 25.0)
        pic->images[y * 400 + x] = 0;
  out = prepare (pic, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  assert_mnist (out, 20, &bw, &bh);
  g_assert_cmpint (abs (bw - bh), <=, 1);
}

/* A 40×40 square's outline, 2 px thick, its top left corner at (x, y), on black. */
static StDataset *
picture_outline (int x, int y)
{
  StDataset *ds = picture_new (1, 100, 100, 0);

  fill_rect (ds, x, y, x + 40, y + 40, 255);
  fill_rect (ds, x + 2, y + 2, x + 38, y + 38, 0);
  return ds;
}

static void
test_mnist_cut_by_edge (void)
{
  g_autoptr (StDataset) middle = picture_outline (30, 30);
  g_autoptr (StDataset) corner = picture_outline (60, 60);
  g_autoptr (StDataset) a = prepare (middle, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  g_autoptr (StDataset) b = prepare (corner, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  int bw, bh;

  /* Ink on the picture's last row and column is ink: the outline comes back whole. */
  assert_mnist (a, 20, &bw, &bh);
  assert_mnist (b, 20, &bw, &bh);
  g_assert_cmpint (max_difference (a, b), <=, 1);
}

/* The columns (or rows) of plane `p` (28×28) that hold ink: the first and the last. */
static void
ink_span (const guint8 *p, gboolean rows, int *first, int *last)
{
  *first = 28, *last = -1;
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      if (p[y * 28 + x] > 0)
        {
          *first = MIN (*first, rows ? y : x);
          *last = MAX (*last, rows ? y : x);
        }
}

static void
test_mnist_lopsided (void)
{
  g_autoptr (StDataset) right = picture_new (1, 100, 100, 0);
  g_autoptr (StDataset) left = picture_new (1, 100, 100, 0);
  g_autoptr (StDataset) top = picture_new (1, 100, 100, 0);
  g_autoptr (StDataset) a = NULL;
  g_autoptr (StDataset) b = NULL;
  g_autoptr (StDataset) c = NULL;
  double cx, cy;
  int first, last;

  /* A heavy bar at the right end of a thin line, 70 wide in all: scaled by 20/70, the mass
   * lies some 16 px into the 20 px box, so centring it at 14 would push the line's end past
   * the left edge. The box is held inside instead, its mass right of the centre. The same
   * mirrored, and turned on its side. */
  fill_rect (right, 70, 30, 80, 70, 255);
  fill_rect (right, 10, 49, 70, 51, 255);
  for (int y = 0; y < 100; y++)
    for (int x = 0; x < 100; x++)
      {
        left->images[y * 100 + x] = right->images[y * 100 + 99 - x];
        top->images[x * 100 + y] = left->images[y * 100 + x];
      }

  a = prepare (right, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  ink_span (a->images, FALSE, &first, &last);
  g_assert_cmpint (first, ==, 0);
  g_assert_cmpint (last, ==, 19);
  mass_centre (a->images, 28, 28, &cx, &cy);
  g_assert_cmpfloat (cx, >, 15.0);
  g_assert_cmpfloat (fabs (cy - 14.0), <=, 0.5);

  b = prepare (left, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  ink_span (b->images, FALSE, &first, &last);
  g_assert_cmpint (first, ==, 8);
  g_assert_cmpint (last, ==, 27);
  mass_centre (b->images, 28, 28, &cx, &cy);
  g_assert_cmpfloat (cx, <, 13.0);

  c = prepare (top, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  ink_span (c->images, TRUE, &first, &last);
  g_assert_cmpint (first, ==, 8);
  g_assert_cmpint (last, ==, 27);
  mass_centre (c->images, 28, 28, &cx, &cy);
  g_assert_cmpfloat (cy, <, 13.0);
  g_assert_cmpfloat (fabs (cx - 14.0), <=, 0.5);
}

static void
test_mnist_aspect (void)
{
  g_autoptr (StDataset) tall = picture_new (1, 100, 100, 0);
  g_autoptr (StDataset) wide = picture_new (1, 100, 100, 0);
  g_autoptr (StDataset) a = NULL;
  g_autoptr (StDataset) b = NULL;
  int bw, bh;

  fill_rect (tall, 45, 30, 55, 70, 255);   /* 10 wide, 40 high */
  fill_rect (wide, 10, 60, 50, 70, 255);   /* 40 wide, 10 high */
  a = prepare (tall, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  assert_mnist (a, 20, &bw, &bh);
  g_assert_cmpint (abs (bw - 5), <=, 1);
  g_assert_cmpint (abs (bh - 20), <=, 1);
  b = prepare (wide, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  assert_mnist (b, 20, &bw, &bh);
  g_assert_cmpint (abs (bw - 20), <=, 1);
  g_assert_cmpint (abs (bh - 5), <=, 1);
}

/* An MNIST-like "0" on a 28×28 picture: an ellipse's ring, 20 high and 10 wide, centred at
 * (cx, cy), with a grey inner rim as a pen's anti-aliasing leaves. */
static StDataset *
picture_zero (double cx, double cy)
{
  StDataset *ds = picture_new (1, 28, 28, 0);

  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      {
        double r = pow ((x + 0.5 - cx) / 5.0, 2) + pow ((y + 0.5 - cy) / 10.0, 2);

        ds->images[y * 28 + x] = r > 1.0 ? 0 : r >= 0.5 ? 255 : r >= 0.35 ? 128 : 0;
      }
  return ds;
}

static void
test_mnist_centred_input (void)
{
  g_autoptr (StDataset) centred = picture_zero (14.0, 14.0);
  g_autoptr (StDataset) moved = picture_zero (18.0, 11.0);
  g_autoptr (StDataset) a = prepare (centred, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  g_autoptr (StDataset) b = prepare (moved, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  double in_x, in_y, out_x, out_y;
  int bw, bh;

  /* Already as MNIST's are: it comes back as it went in. */
  mass_centre (centred->images, 28, 28, &in_x, &in_y);
  mass_centre (a->images, 28, 28, &out_x, &out_y);
  g_assert_cmpfloat (fabs (out_x - in_x), <=, 0.5);
  g_assert_cmpfloat (fabs (out_y - in_y), <=, 0.5);
  g_assert_cmpint (max_difference (a, centred), <=, 1);
  assert_mnist (a, 20, &bw, &bh);
  /* Off centre: moved back, unchanged otherwise. */
  assert_mnist (b, 20, &bw, &bh);
  g_assert_cmpint (max_difference (b, centred), <=, 1);
}

static void
test_mnist_other_sizes (void)
{
  g_autoptr (StDataset) pic = picture_l (255, 0);
  g_autoptr (StDataset) big = prepare (pic, 1, 56, 56, ST_IMAGE_PREP_MNIST);
  g_autoptr (StDataset) odd = prepare (pic, 1, 32, 32, ST_IMAGE_PREP_MNIST);
  g_autoptr (StDataset) colour = prepare (pic, 3, 28, 28, ST_IMAGE_PREP_MNIST);
  g_autoptr (StDataset) grey = prepare (pic, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  int bw, bh;

  /* 20/28 of 56 is 40; of 32, 22.86, rounded to 23. */
  assert_mnist (big, 40, &bw, &bh);
  assert_mnist (odd, (int) floor (32 * 20.0 / 28.0 + 0.5), &bw, &bh);
  /* Three channels: the grey image in each. */
  for (int ch = 0; ch < 3; ch++)
    g_assert_cmpmem (colour->images + ch * 28 * 28, 28 * 28, grey->images, 28 * 28);
}

/* ---- scaling ---------------------------------------------------------------------------- */

static void
test_area_average (void)
{
  g_autoptr (StDataset) checker = picture_new (1, 8, 8, 0);
  g_autoptr (StDataset) dot = picture_new (1, 4, 4, 0);
  g_autoptr (StDataset) a = NULL;
  g_autoptr (StDataset) b = NULL;
  g_autoptr (StDataset) c = NULL;
  g_autoptr (StDataset) row = NULL;
  g_autoptr (StDataset) d = NULL;

  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 8; x++)
      checker->images[y * 8 + x] = (x + y) % 2 ? 255 : 0;
  /* Every 2×2 block holds two 0s and two 255s: 127.5, not a pixel picked from it. */
  a = prepare (checker, 1, 4, 4, ST_IMAGE_PREP_STRETCH);
  b = prepare (checker, 1, 4, 4, ST_IMAGE_PREP_FIT);
  for (int i = 0; i < 16; i++)
    {
      g_assert_cmpint (a->images[i], >=, 127);
      g_assert_cmpint (a->images[i], <=, 128);
      g_assert_cmpint (b->images[i], ==, a->images[i]);
    }
  /* One lit pixel of four: a quarter of its brightness where it fell, 0 elsewhere. */
  dot->images[1 * 4 + 2] = 255;
  c = prepare (dot, 1, 2, 2, ST_IMAGE_PREP_STRETCH);
  g_assert_cmpint (c->images[0], ==, 0);
  g_assert_cmpint (c->images[1], ==, (int) floor (255 / 4.0 + 0.5));
  g_assert_cmpint (c->images[2], ==, 0);
  g_assert_cmpint (c->images[3], ==, 0);
  /* 3 pixels into 2: each output pixel covers 1.5 source pixels, the middle one shared
   * half and half. 0, 0, 255 → 0 and (0.5·0 + 1·255) / 1.5. */
  row = picture_new (1, 1, 3, 0);
  row->images[2] = 255;
  d = prepare (row, 1, 1, 2, ST_IMAGE_PREP_STRETCH);
  g_assert_cmpint (d->images[0], ==, 0);
  g_assert_cmpint (d->images[1], ==, (int) floor (255 / 1.5 + 0.5));
}

static void
test_bilinear (void)
{
  g_autoptr (StDataset) pic = picture_new (1, 1, 2, 0);
  g_autoptr (StDataset) out = NULL;

  pic->images[1] = 255;
  /* Output pixel i of 4 is centred at (i + 0.5)/2 − 0.5 in the source: −0.25, 0.25, 0.75
   * and 1.25, the edges held beyond the ends. */
  out = prepare (pic, 1, 1, 4, ST_IMAGE_PREP_STRETCH);
  g_assert_cmpint (out->images[0], ==, 0);
  g_assert_cmpint (out->images[1], ==, (int) floor (0.25 * 255 + 0.5));
  g_assert_cmpint (out->images[2], ==, (int) floor (0.75 * 255 + 0.5));
  g_assert_cmpint (out->images[3], ==, 255);
}

static void
test_channels (void)
{
  static const guint8 colours[][3] = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 },
                                       { 200, 100, 50 }, { 255, 255, 255 } };
  g_autoptr (StDataset) grey = picture_new (1, 5, 7, 0);
  g_autoptr (StDataset) three = NULL;
  g_autoptr (StDataset) again = NULL;

  for (gsize k = 0; k < G_N_ELEMENTS (colours); k++)
    {
      g_autoptr (StDataset) rgb = picture_new (3, 4, 4, 0);
      g_autoptr (StDataset) a = NULL;
      g_autoptr (StDataset) b = NULL;
      const guint8 *c = colours[k];
      int want = (int) floor ((c[0] * 299 + c[1] * 587 + c[2] * 114) / 1000.0 + 0.5);

      for (int ch = 0; ch < 3; ch++)
        memset (rgb->images + ch * 16, c[ch], 16);
      a = prepare (rgb, 1, 4, 4, ST_IMAGE_PREP_STRETCH);
      b = prepare (rgb, 1, 2, 2, ST_IMAGE_PREP_FIT);
      for (int i = 0; i < 16; i++)
        g_assert_cmpint (a->images[i], ==, want);
      for (int i = 0; i < 4; i++)
        g_assert_cmpint (b->images[i], ==, want);
    }

  /* Grey to three channels repeats it; at its own size the picture is unchanged. */
  for (int i = 0; i < 35; i++)
    grey->images[i] = (guint8) (i * 7);
  three = prepare (grey, 3, 5, 7, ST_IMAGE_PREP_STRETCH);
  for (int ch = 0; ch < 3; ch++)
    g_assert_cmpmem (three->images + ch * 35, 35, grey->images, 35);
  again = prepare (three, 3, 5, 7, ST_IMAGE_PREP_FIT);
  g_assert_cmpmem (again->images, 3 * 35, three->images, 3 * 35);
}

/* ---- FIT and STRETCH -------------------------------------------------------------------- */

/* The mean of the outermost ring of the picture's plane `ch`, rounded. */
static int
ring_mean (const StDataset *pic, int ch)
{
  double sum = 0.0;
  int n = 0;

  for (int y = 0; y < pic->h; y++)
    for (int x = 0; x < pic->w; x++)
      if (x == 0 || y == 0 || x == pic->w - 1 || y == pic->h - 1)
        {
          sum += pic->images[((gsize) ch * pic->h + y) * pic->w + x];
          n++;
        }
  return (int) floor (sum / n + 0.5);
}

static void
test_fit (void)
{
  g_autoptr (StDataset) wide = picture_new (1, 50, 100, 200);
  g_autoptr (StDataset) striped = picture_new (1, 50, 100, 200);
  g_autoptr (StDataset) tall = picture_new (3, 100, 50, 0);
  g_autoptr (StDataset) a = NULL;
  g_autoptr (StDataset) b = NULL;
  g_autoptr (StDataset) c = NULL;
  guint8 dark[28 * 28];
  double cx, cy;
  int fill;

  /* 100×50 into 28×28 is 28×14, rows 7 to 20; a dark square at the picture's centre lands
   * at the image's. */
  fill_rect (wide, 40, 15, 60, 35, 0);
  a = prepare (wide, 1, 28, 28, ST_IMAGE_PREP_FIT);
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      {
        if (y < 7 || y >= 21 || x == 0 || x == 27)
          g_assert_cmpint (a->images[y * 28 + x], ==, 200);
        dark[y * 28 + x] = (guint8) (200 - MIN (a->images[y * 28 + x], 200));
      }
  g_assert_cmpint (a->images[14 * 28 + 14], ==, 0);
  mass_centre (dark, 28, 28, &cx, &cy);
  g_assert_cmpfloat (fabs (cx - 14.0), <=, 0.5);
  g_assert_cmpfloat (fabs (cy - 14.0), <=, 0.5);

  /* The padding is the mean of the border ring. */
  fill_rect (striped, 0, 0, 100, 1, 100);
  fill_rect (striped, 0, 0, 1, 50, 20);
  fill = ring_mean (striped, 0);
  g_assert_cmpint (fill, !=, 200);
  b = prepare (striped, 1, 28, 28, ST_IMAGE_PREP_FIT);
  for (int y = 0; y < 28; y++)
    if (y < 7 || y >= 21)
      for (int x = 0; x < 28; x++)
        g_assert_cmpint (b->images[y * 28 + x], ==, fill);
  g_assert_cmpint (b->images[14 * 28 + 14], ==, 200);

  /* A tall colour picture: padded at the sides, each channel with its own border's mean. */
  for (int ch = 0; ch < 3; ch++)
    memset (tall->images + ch * 5000, 60 * (ch + 1), 5000);
  fill_rect (tall, 0, 0, 50, 1, 250);
  c = prepare (tall, 3, 28, 28, ST_IMAGE_PREP_FIT);
  for (int ch = 0; ch < 3; ch++)
    {
      const guint8 *p = c->images + ch * 28 * 28;
      int border = ring_mean (tall, ch);

      for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
          if (x < 7 || x >= 21)
            g_assert_cmpint (p[y * 28 + x], ==, border);
          else if (y > 0)
            g_assert_cmpint (p[y * 28 + x], ==, 60 * (ch + 1));
    }
}

static void
test_stretch (void)
{
  g_autoptr (StDataset) pic = picture_new (1, 50, 100, 77);
  g_autoptr (StDataset) a = NULL;
  g_autoptr (StDataset) b = NULL;

  fill_rect (pic, 0, 0, 50, 50, 177);
  /* Exactly the size asked, every pixel filled: the left half 177, the right 77. */
  a = prepare (pic, 1, 28, 28, ST_IMAGE_PREP_STRETCH);
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      g_assert_cmpint (a->images[y * 28 + x], ==, x < 14 ? 177 : 77);
  b = prepare (pic, 3, 7, 300, ST_IMAGE_PREP_STRETCH);
  for (int ch = 0; ch < 3; ch++)
    for (int x = 0; x < 300; x++)
      {
        /* Enlarged 3 times: output x is centred at (x + 0.5)/3 − 0.5 in the source, wholly
         * on the left half (source column 49 or less) up to x = 148, wholly on the right
         * (50 or more) from x = 151. */
        if (x <= 148)
          g_assert_cmpint (b->images[(ch * 7 + 3) * 300 + x], ==, 177);
        else if (x >= 151)
          g_assert_cmpint (b->images[(ch * 7 + 3) * 300 + x], ==, 77);
      }
}

static void
test_auto (void)
{
  g_autoptr (StDataset) pic = picture_l (255, 0);
  g_autoptr (StDataset) a = prepare (pic, 1, 28, 28, ST_IMAGE_PREP_AUTO);
  g_autoptr (StDataset) m = prepare (pic, 1, 28, 28, ST_IMAGE_PREP_MNIST);
  g_autoptr (StDataset) b = prepare (pic, 3, 32, 32, ST_IMAGE_PREP_AUTO);
  g_autoptr (StDataset) f = prepare (pic, 3, 32, 32, ST_IMAGE_PREP_FIT);

  g_assert_cmpmem (a->images, 28 * 28, m->images, 28 * 28);
  g_assert_cmpmem (b->images, 3 * 32 * 32, f->images, 3 * 32 * 32);
}

/* ---- refusals --------------------------------------------------------------------------- */

/* st_image_prepare () fails with `domain`'s `code`, naming the picture and saying `what`. */
static void
assert_refused (const StDataset *pic, int c, int h, int w, StImagePrep how, GQuark domain,
                int code, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StDataset) out = st_image_prepare (pic, c, h, w, how, &error);

  g_assert_null (out);
  g_assert_error (error, domain, code);
  if (error == NULL)
    return;
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, NAME));
  g_assert_nonnull (strstr (error->message, what));
}

static void
test_blank (void)
{
  g_autoptr (StDataset) white = picture_new (1, 30, 40, 255);
  g_autoptr (StDataset) black = picture_new (3, 30, 40, 0);
  g_autoptr (StDataset) noisy = picture_new (1, 30, 40, 0);
  g_autoptr (StDataset) fitted = NULL;

  /* JPEG-like noise of a few levels on white paper is no ink either. */
  for (int i = 0; i < 30 * 40; i++)
    noisy->images[i] = (guint8) (250 + (i * 7919) % 6);
  assert_refused (white, 1, 28, 28, ST_IMAGE_PREP_MNIST, ST_DATASET_ERROR,
                  ST_DATASET_ERROR_FORMAT, "is blank");
  assert_refused (black, 1, 28, 28, ST_IMAGE_PREP_AUTO, ST_DATASET_ERROR,
                  ST_DATASET_ERROR_FORMAT, "is blank");
  assert_refused (noisy, 3, 28, 28, ST_IMAGE_PREP_MNIST, ST_DATASET_ERROR,
                  ST_DATASET_ERROR_FORMAT, "is blank");
  /* Fitted, a blank picture is a blank image. */
  fitted = prepare (white, 1, 28, 28, ST_IMAGE_PREP_FIT);
  for (int i = 0; i < 28 * 28; i++)
    g_assert_cmpint (fitted->images[i], ==, 255);
}

static void
test_refused (void)
{
  g_autoptr (StDataset) two = st_dataset_new (NAME, ORIGIN, 2, 1, 28, 28, NULL);
  g_autoptr (StDataset) two_channels = st_dataset_new (NAME, ORIGIN, 1, 2, 28, 28, NULL);
  g_autoptr (StDataset) pic = picture_l (255, 0);
  g_autoptr (StDataset) flat = picture_new (1, 4, 4, 0);

  assert_refused (two, 1, 28, 28, ST_IMAGE_PREP_FIT, ST_DATASET_ERROR,
                  ST_DATASET_ERROR_FORMAT, "2 images, not one picture");
  assert_refused (two_channels, 1, 28, 28, ST_IMAGE_PREP_FIT, ST_DATASET_ERROR,
                  ST_DATASET_ERROR_FORMAT, "2 channels");
  for (int c = 0; c <= 4; c += 2)
    assert_refused (pic, c, 28, 28, ST_IMAGE_PREP_FIT, G_IO_ERROR,
                    G_IO_ERROR_INVALID_ARGUMENT, "channels");
  assert_refused (pic, 1, 0, 28, ST_IMAGE_PREP_STRETCH, G_IO_ERROR,
                  G_IO_ERROR_INVALID_ARGUMENT, "28×0");
  assert_refused (pic, 1, 28, -1, ST_IMAGE_PREP_MNIST, G_IO_ERROR,
                  G_IO_ERROR_INVALID_ARGUMENT, "-1×28");
  assert_refused (pic, 3, 28, ST_DATASET_MAX_SIDE + 1, ST_IMAGE_PREP_FIT, G_IO_ERROR,
                  G_IO_ERROR_INVALID_ARGUMENT, "16385×28");
  /* A picture of no pixels (a dataset built by hand): refused before any is read. */
  flat->h = 0;
  assert_refused (flat, 1, 28, 28, ST_IMAGE_PREP_FIT, ST_DATASET_ERROR,
                  ST_DATASET_ERROR_FORMAT, "4×0");
  flat->h = 4;
  flat->w = ST_DATASET_MAX_SIDE + 1;
  assert_refused (flat, 1, 28, 28, ST_IMAGE_PREP_FIT, ST_DATASET_ERROR,
                  ST_DATASET_ERROR_FORMAT, "16385×4");
  flat->w = 4;
}

/* Fashion-MNIST's way: the "L" (60 wide, 120 high) grows until its height fills the 28 rows,
 * 14 columns wide, its box centred (columns 7 to 20), not its mass. */
static void
test_fashion_fills (void)
{
  g_autoptr (StDataset) pic = picture_l (255, 0);
  g_autoptr (StDataset) out = prepare (pic, 1, 28, 28, ST_IMAGE_PREP_FASHION);
  int x0 = 28, x1 = 0, y0 = 28, y1 = 0;

  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      if (out->images[y * 28 + x] > 25)
        {
          x0 = MIN (x0, x), x1 = MAX (x1, x + 1);
          y0 = MIN (y0, y), y1 = MAX (y1, y + 1);
        }
  g_test_message ("ink box x %d..%d, y %d..%d", x0, x1, y0, y1);
  g_assert_cmpint (y0, ==, 0);
  g_assert_cmpint (y1, ==, 28);
  g_assert_cmpint (x1 - x0, >=, 13);
  g_assert_cmpint (x1 - x0, <=, 15);
  g_assert_cmpint (abs ((x0 + x1) - 28), <=, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/image-prep/mnist/dark-on-white", test_mnist_dark_on_white);
  g_test_add_func ("/image-prep/fashion/fills", test_fashion_fills);
  g_test_add_func ("/image-prep/mnist/polarity", test_mnist_polarity);
  g_test_add_func ("/image-prep/mnist/uneven-light", test_mnist_uneven_light);
  g_test_add_func ("/image-prep/mnist/corner", test_mnist_corner);
  g_test_add_func ("/image-prep/mnist/cut-by-edge", test_mnist_cut_by_edge);
  g_test_add_func ("/image-prep/mnist/lopsided", test_mnist_lopsided);
  g_test_add_func ("/image-prep/mnist/aspect", test_mnist_aspect);
  g_test_add_func ("/image-prep/mnist/centred-input", test_mnist_centred_input);
  g_test_add_func ("/image-prep/mnist/other-sizes", test_mnist_other_sizes);
  g_test_add_func ("/image-prep/area-average", test_area_average);
  g_test_add_func ("/image-prep/bilinear", test_bilinear);
  g_test_add_func ("/image-prep/channels", test_channels);
  g_test_add_func ("/image-prep/fit", test_fit);
  g_test_add_func ("/image-prep/stretch", test_stretch);
  g_test_add_func ("/image-prep/auto", test_auto);
  g_test_add_func ("/image-prep/blank", test_blank);
  g_test_add_func ("/image-prep/refused", test_refused);

  return g_test_run ();
}
