/* test-render-grid.c: the grid renderers, checked on real pixels with no display.
 *
 * Everything renders into an image surface; each test asks where the colours landed: the
 * feature-map tiles and each map's brightest pixel, an image's nearest-neighbour pixels, the
 * confusion matrix's darkest cells, the predicted class's bar, the gallery's red caption.
 * Which tile is which comes from the renderers' own hit tests.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "render-pixels.h"
#include "ui/render/class-render.h"
#include "ui/render/grid-render.h"

static double
luminance (Colour c)
{
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
}

/* ---- feature maps ------------------------------------------------------------------------- */

typedef struct {
  int x0, x1, y0, y1;           /* a tile's extent, frame included, end exclusive */
} Tile;

/* Finds the tiles as the regions not in the background colour: bands of rows that cross the
 * same number of long runs. Labels are short runs and do not count. */
static int
find_tiles (const Pixels *p, Tile *tiles, int max_tiles, int top)
{
  Colour bg = at (p, 0, p->height - 1);
  int n = 0, band_runs = 0, band_start = -1;
  int runs_x0[64], runs_x1[64];

  for (int y = top; y <= p->height; y++)
    {
      int runs = 0, x0s[64], x1s[64];

      for (int x = 0; y < p->height && x < p->width;)
        {
          int start;

          if (same (at (p, x, y), bg))
            {
              x++;
              continue;
            }
          start = x;
          while (x < p->width && !same (at (p, x, y), bg))
            x++;
          if (x - start >= 10 && runs < 64)
            {
              x0s[runs] = start;
              x1s[runs] = x;
              runs++;
            }
        }
      if (runs != band_runs || y == p->height)
        {
          if (band_runs > 0 && y - band_start >= 10)
            for (int i = 0; i < band_runs && n < max_tiles; i++)
              tiles[n++] = (Tile) { runs_x0[i], runs_x1[i], band_start, y };
          band_runs = runs;
          band_start = y;
          memcpy (runs_x0, x0s, sizeof (int) * runs);
          memcpy (runs_x1, x1s, sizeof (int) * runs);
        }
    }
  return n;
}

static float *
make_maps (int c, int h, int w)
{
  float *maps = g_new (float, (gsize) c * h * w);

  /* a soft gradient in each map, and its maximum at (2 + 3c mod h, 1 + 5c mod w) */
  for (int k = 0; k < c; k++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        maps[(k * h + y) * w + x] = (k + 1) * (0.3 * x / w + 0.2 * y / h) - k;
  for (int k = 0; k < c; k++)
    maps[(k * h + (2 + 3 * k) % h) * w + (1 + 5 * k) % w] = (k + 1) * 2.0f - k;
  return maps;
}

typedef struct {
  const StImageView   *maps;
  const StGridOptions *options;
} MapsArgs;

static void
maps_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const MapsArgs *a = user_data;

  st_feature_maps_render (cr, w, h, a->maps, a->options);
}

static void
check_maps (int c, int h, int w, int width, int height)
{
  g_autofree float *data = make_maps (c, h, w);
  StImageView maps = { data, c, h, w };
  StGridOptions o;
  MapsArgs args = { &maps, &o };
  Tile tiles[64];
  Pixels p;
  int n;

  /* the dark theme: the gray map's white maximum must not look like the background */
  st_grid_options_init (&o);
  o.theme = ST_THEME_DARK;
  render (&p, width, height, maps_cb, &args);
  n = find_tiles (&p, tiles, G_N_ELEMENTS (tiles), 0);
  g_assert_cmpint (n, ==, c);

  for (int k = 0; k < n; k++)
    {
      const Tile *t = &tiles[k];
      double scale = (t->x1 - t->x0 - 2) / (double) w;
      int bx = -1, by = -1, channel;
      double best = -1.0;

      g_assert_cmpfloat (fabs ((t->y1 - t->y0 - 2) / (double) h - scale), <, 0.01);
      for (int y = t->y0 + 1; y < t->y1 - 1; y++)
        for (int x = t->x0 + 1; x < t->x1 - 1; x++)
          if (luminance (at (&p, x, y)) > best)
            {
              best = luminance (at (&p, x, y));
              bx = x;
              by = y;
            }
      /* the tiles are in channel order, which the hit test confirms */
      channel = st_feature_maps_hit_test (width, height, &maps, &o, bx + 0.5, by + 0.5);
      g_assert_cmpint (channel, ==, k);
      g_assert_cmpint ((int) ((bx - t->x0 - 1) / scale), ==, (1 + 5 * k) % w);
      g_assert_cmpint ((int) ((by - t->y0 - 1) / scale), ==, (2 + 3 * k) % h);
      g_assert_cmpfloat (best, >, 250.0);
    }
  pixels_clear (&p);

  /* the light theme and viridis: still one region per map */
  o.theme = ST_THEME_LIGHT;
  o.colormap = ST_COLORMAP_VIRIDIS;
  render (&p, width, height, maps_cb, &args);
  g_assert_cmpint (find_tiles (&p, tiles, G_N_ELEMENTS (tiles), 0), ==, c);
  pixels_clear (&p);
}

static void
test_maps_conv1 (void)
{
  check_maps (6, 28, 28, 520, 340);
}

static void
test_maps_conv2 (void)
{
  check_maps (16, 10, 10, 520, 340);
}

static void
test_maps_joint (void)
{
  g_autofree float *data = make_maps (2, 8, 8);
  StImageView maps = { data, 2, 8, 8 };
  StGridOptions o;
  MapsArgs args = { &maps, &o };
  Tile tiles[4];
  double brightest[2] = { 0.0, 0.0 };
  Pixels p;

  /* map 1 is ten times as strong as map 0 */
  for (int i = 0; i < 64; i++)
    data[64 + i] = data[i] * 10.0f;
  st_grid_options_init (&o);
  o.theme = ST_THEME_DARK;
  o.normalize = ST_NORMALIZE_JOINT;
  render (&p, 300, 160, maps_cb, &args);
  g_assert_cmpint (find_tiles (&p, tiles, G_N_ELEMENTS (tiles), 0), ==, 2);
  for (int k = 0; k < 2; k++)
    for (int y = tiles[k].y0 + 1; y < tiles[k].y1 - 1; y++)
      for (int x = tiles[k].x0 + 1; x < tiles[k].x1 - 1; x++)
        brightest[k] = MAX (brightest[k], luminance (at (&p, x, y)));
  g_assert_cmpfloat (brightest[1], >, 250.0);
  g_assert_cmpfloat (brightest[0], <, 60.0);
  pixels_clear (&p);
}

static void
test_maps_robust (void)
{
  float data[3 * 4 * 4] = { 0 };
  StImageView maps = { data, 3, 4, 4 };
  MapsArgs args = { &maps, NULL };
  StImageView bad = { NULL, 3, 4, 4 };
  Pixels p;
  int red = 0;

  /* a constant map, a NaN, an infinity */
  data[16 + 5] = NAN;
  data[32 + 6] = INFINITY;
  data[32 + 7] = 1.0f;
  render (&p, 200, 100, maps_cb, &args);
  for (int y = 0; y < 100; y++)
    for (int x = 0; x < 200; x++)
      {
        Colour c = at (&p, x, y);
        red += c.r > 200 && c.g < 60 && c.b < 60;
      }
  g_assert_cmpint (red, >, 0);
  pixels_clear (&p);

  args.maps = &bad;
  render (&p, 200, 100, maps_cb, &args);
  g_assert_cmpint (ink_in (&p, 0, 0, 200, 100), ==, 0);
  pixels_clear (&p);
  args.maps = NULL;
  render (&p, 200, 100, maps_cb, &args);
  pixels_clear (&p);
  g_assert_cmpint (st_feature_maps_hit_test (200, 100, NULL, NULL, 10, 10), ==, -1);
}

/* ---- images ------------------------------------------------------------------------------- */

typedef struct {
  const StImageView   *image;
  const StGridOptions *options;
} ImageArgs;

static void
image_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const ImageArgs *a = user_data;

  st_image_render (cr, w, h, a->image, a->options);
}

static void
test_image_nearest (void)
{
  float checker[4 * 4], rgb[3 * 2 * 2];
  StImageView gray = { checker, 1, 4, 4 }, colour = { rgb, 3, 2, 2 };
  ImageArgs args = { &gray, NULL };
  Pixels p;
  int blends = 0, black = 0;
  Box red = { G_MAXINT, G_MAXINT, -1, -1, 0 }, blue = { G_MAXINT, G_MAXINT, -1, -1, 0 };

  /* values in any range: -3 and 7 become black and white */
  for (int i = 0; i < 16; i++)
    checker[i] = ((i / 4 + i % 4) % 2) ? 7.0f : -3.0f;
  render (&p, 203, 150, image_cb, &args);
  for (int y = 0; y < 150; y++)
    for (int x = 0; x < 203; x++)
      {
        Colour c = at (&p, x, y);

        if (c.r == c.g && c.g == c.b)
          {
            black += c.r == 0;
            blends += c.r > 0 && c.r < 255;
          }
      }
  /* nearest neighbour: every pixel of the image is exactly black or white */
  g_assert_cmpint (blends, ==, 0);
  g_assert_cmpint (black, >, 4000);
  pixels_clear (&p);

  /* RGB: a red column and a blue column, values far outside [0, 1] */
  for (int i = 0; i < 12; i++)
    rgb[i] = -50.0f;
  rgb[0] = rgb[2] = 250.0f;                   /* R plane, left column */
  rgb[8 + 1] = rgb[8 + 3] = 250.0f;           /* B plane, right column */
  args.image = &colour;
  render (&p, 200, 200, image_cb, &args);
  for (int y = 0; y < 200; y++)
    for (int x = 0; x < 200; x++)
      {
        Colour c = at (&p, x, y);
        Box *b = c.r == 255 && c.g == 0 && c.b == 0 ? &red
                 : c.r == 0 && c.g == 0 && c.b == 255 ? &blue : NULL;

        if (b == NULL)
          continue;
        b->left = MIN (b->left, x);
        b->right = MAX (b->right, x);
        b->n++;
      }
  g_assert_cmpint (red.n, >, 5000);
  g_assert_cmpint (blue.n, ==, red.n);
  g_assert_cmpint (red.right, <, blue.left);
  pixels_clear (&p);
}

/* ---- confusion matrix --------------------------------------------------------------------- */

typedef struct {
  const StConfusion   *confusion;
  const StGridOptions *options;
} ConfusionArgs;

static void
confusion_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const ConfusionArgs *a = user_data;

  st_confusion_render (cr, w, h, a->confusion, a->options);
}

static void
check_diagonal_darkest (const gint64 *counts, int k)
{
  static const char *const names[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat" };
  StConfusion confusion = { names, counts, k };
  ConfusionArgs args = { &confusion, NULL };
  Pixels p;
  Box m = { G_MAXINT, G_MAXINT, -1, -1, 0 };
  double cell, lum[5][5];

  render (&p, 420, 400, confusion_cb, &args);
  /* the matrix is where the blue ramp is (even a 0 share is a faint blue, #f7fbff) */
  for (int y = 0; y < p.height; y++)
    for (int x = 0; x < p.width; x++)
      {
        Colour c = at (&p, x, y);

        if (c.g >= c.r + 3 && c.b >= c.g + 3)
          {
            m.left = MIN (m.left, x);
            m.right = MAX (m.right, x);
            m.top = MIN (m.top, y);
            m.bottom = MAX (m.bottom, y);
          }
      }
  cell = (m.right - m.left + 1) / (double) k;
  g_assert_cmpfloat (fabs ((m.bottom - m.top + 1) / (double) k - cell), <, 1.0);
  g_assert_cmpfloat (cell, >, 30.0);

  /* sample each cell away from its centred count */
  for (int r = 0; r < k; r++)
    for (int c = 0; c < k; c++)
      lum[r][c] = luminance (at (&p, m.left + (int) ((c + 0.15) * cell),
                                 m.top + (int) ((r + 0.15) * cell)));
  for (int r = 0; r < k; r++)
    for (int i = 0; i < k; i++)
      for (int j = 0; j < k; j++)
        if (i != j)
          g_assert_cmpfloat (lum[r][r], <, lum[i][j]);
  pixels_clear (&p);
}

static void
test_confusion (void)
{
  gint64 diagonal[16] = { 0 }, mostly[25];

  for (int i = 0; i < 4; i++)
    diagonal[i * 4 + i] = 100 + 50 * i;
  check_diagonal_darkest (diagonal, 4);

  for (int r = 0; r < 5; r++)
    for (int c = 0; c < 5; c++)
      mostly[r * 5 + c] = r == c ? 80 + r : (r + c) % 4;
  check_diagonal_darkest (mostly, 5);
}

/* ---- probabilities and gallery ------------------------------------------------------------ */

typedef struct {
  const StProbabilities *probs;
  const StGridOptions   *options;
} ProbsArgs;

static void
probs_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const ProbsArgs *a = user_data;

  st_probabilities_render (cr, w, h, a->probs, a->options);
}

static void
test_probabilities (void)
{
  float probs[10] = { 0.01f, 0.01f, 0.02f, 0.01f, 0.05f, 0.0f, 0.0f, 0.0f, 0.9f, 0.0f };
  StProbabilities P = { NULL, probs, 10, 8 };
  ProbsArgs args = { &P, NULL };
  Pixels p;
  Box blue = { G_MAXINT, G_MAXINT, -1, -1, 0 };
  int red = 0;

  render (&p, 300, 300, probs_cb, &args);
  for (int y = 0; y < 300; y++)
    for (int x = 0; x < 300; x++)
      {
        Colour c = at (&p, x, y);

        if (c.r == 0x1f && c.g == 0x77 && c.b == 0xb4)
          {
            blue.top = MIN (blue.top, y);
            blue.bottom = MAX (blue.bottom, y);
            blue.left = MIN (blue.left, x);
            blue.right = MAX (blue.right, x);
            blue.n++;
          }
        red += c.r == 0xd6 && c.g == 0x27 && c.b == 0x28;
      }
  /* the prediction, class 8 of 10, is right: one blue bar in the ninth row, 90% long */
  g_assert_cmpint (blue.n, >, 100);
  g_assert_cmpint (red, ==, 0);
  g_assert_cmpint ((blue.top + blue.bottom) / 2, >, 300 * 7 / 10);
  g_assert_cmpint ((blue.top + blue.bottom) / 2, <, 300 * 9 / 10);
  pixels_clear (&p);

  /* wrong: the predicted bar turns red */
  P.true_class = 4;
  render (&p, 300, 300, probs_cb, &args);
  blue.n = red = 0;
  for (int y = 0; y < 300; y++)
    for (int x = 0; x < 300; x++)
      {
        Colour c = at (&p, x, y);

        blue.n += c.r == 0x1f && c.g == 0x77 && c.b == 0xb4;
        red += c.r == 0xd6 && c.g == 0x27 && c.b == 0x28;
      }
  g_assert_cmpint (blue.n, ==, 0);
  g_assert_cmpint (red, >, 100);
  pixels_clear (&p);
}

typedef struct {
  const StGalleryItem *items;
  int                  n;
  const StGridOptions *options;
} GalleryArgs;

static void
gallery_cb (cairo_t *cr, double w, double h, gconstpointer user_data)
{
  const GalleryArgs *a = user_data;

  st_gallery_render (cr, w, h, a->items, a->n, a->options);
}

static void
test_gallery (void)
{
  g_autofree float *images = make_maps (5, 28, 28);
  StGalleryItem items[5];
  StGridOptions o;
  GalleryArgs args = { items, 5, &o };
  Tile tiles[8];
  Pixels p;
  int red = 0;

  for (int i = 0; i < 5; i++)
    items[i] = (StGalleryItem) { { images + i * 28 * 28, 1, 28, 28 },
                                 i == 3 ? "Coat → Pullover" : "Coat\nCoat",
                                 i == 3 ? ST_GALLERY_MARK_WRONG : ST_GALLERY_MARK_CORRECT };
  st_grid_options_init (&o);
  o.theme = ST_THEME_DARK;
  render (&p, 600, 260, gallery_cb, &args);
  g_assert_cmpint (find_tiles (&p, tiles, G_N_ELEMENTS (tiles), 0), ==, 5);
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (st_gallery_hit_test (600, 260, items, 5, &o,
                                          (tiles[i].x0 + tiles[i].x1) / 2.0,
                                          (tiles[i].y0 + tiles[i].y1) / 2.0), ==, i);
  /* the wrong prediction's caption is red, under its tile */
  for (int y = tiles[3].y1; y < p.height; y++)
    for (int x = tiles[3].x0 - 20; x < tiles[3].x1 + 20; x++)
      {
        Colour c = at (&p, x, y);
        red += c.r > 150 && c.g < 90 && c.b < 90;
      }
  g_assert_cmpint (red, >, 20);
  pixels_clear (&p);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/render/maps/conv1", test_maps_conv1);
  g_test_add_func ("/render/maps/conv2", test_maps_conv2);
  g_test_add_func ("/render/maps/joint", test_maps_joint);
  g_test_add_func ("/render/maps/robust", test_maps_robust);
  g_test_add_func ("/render/image/nearest", test_image_nearest);
  g_test_add_func ("/render/confusion/diagonal", test_confusion);
  g_test_add_func ("/render/probabilities", test_probabilities);
  g_test_add_func ("/render/gallery", test_gallery);

  return g_test_run ();
}
