/* png-files.c: PNG files of every kind for the image readers' tests. */
#include "png-files.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <zlib.h>

static int
png_channels (int color)
{
  return color == 2 ? 3 : color == 4 ? 2 : color == 6 ? 4 : 1;
}

static void
png_chunk (GByteArray *out, const char *type, const guint8 *data, gsize len)
{
  guint8 be[4] = { len >> 24, len >> 16, len >> 8, len };
  uLong crc = crc32 (0, (const Bytef *) type, 4);

  g_byte_array_append (out, be, 4);
  g_byte_array_append (out, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (out, data, len);
  if (len > 0)
    crc = crc32 (crc, data, len);   /* crc32 (crc, NULL, 0) would restart at 0 */
  be[0] = crc >> 24, be[1] = crc >> 16, be[2] = crc >> 8, be[3] = crc;
  g_byte_array_append (out, be, 4);
}

static guint8
paeth (int a, int b, int c)
{
  int p = a + b - c, pa = abs (p - a), pb = abs (p - b), pc = abs (p - c);

  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* One pass: the samples (h, w, channels) at (x0 + i dx, y0 + j dy), filtered, appended. */
static void
png_pass (GByteArray *raw, const guint16 *samples, int w, int h, const PngKind *k, int x0,
          int y0, int dx, int dy)
{
  int ch = png_channels (k->color), bits = ch * k->depth, bpp = MAX (1, bits / 8);
  int pw = w > x0 ? (w - x0 + dx - 1) / dx : 0, ph = h > y0 ? (h - y0 + dy - 1) / dy : 0;
  int stride = (pw * bits + 7) / 8;
  g_autofree guint8 *prev = g_malloc0 (MAX (stride, 1));
  g_autofree guint8 *row = g_malloc0 (MAX (stride, 1));

  if (pw == 0 || ph == 0)
    return;
  for (int j = 0; j < ph; j++)
    {
      guint8 filter = j % 5;

      memset (row, 0, stride);
      for (int i = 0; i < pw; i++)
        for (int c = 0; c < ch; c++)
          {
            int y = y0 + j * dy, x = x0 + i * dx, n = i * ch + c;
            guint16 v = samples[((gsize) y * w + x) * ch + c];

            if (k->depth == 16)
              row[2 * n] = v >> 8, row[2 * n + 1] = v & 255;
            else if (k->depth == 8)
              row[n] = v;
            else
              row[n * k->depth / 8] |= v << (8 - k->depth - (n * k->depth) % 8);
          }
      g_byte_array_append (raw, &filter, 1);
      for (int i = 0; i < stride; i++)
        {
          int a = i >= bpp ? row[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
          guint8 pred = filter == 0 ? 0 : filter == 1 ? a : filter == 2 ? b
                        : filter == 3 ? (a + b) / 2 : paeth (a, b, c);
          guint8 f = row[i] - pred;

          g_byte_array_append (raw, &f, 1);
        }
      memcpy (prev, row, stride);
    }
}

void
st_test_write_png (const char *path, const guint16 *samples, int w, int h, const PngKind *k,
                   const guint8 *palette, int n_palette)
{
  static const int adam7[7][4] = { { 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 },
                                   { 2, 0, 4, 4 }, { 0, 2, 2, 4 }, { 1, 0, 2, 2 },
                                   { 0, 1, 1, 2 } };
  g_autoptr (GByteArray) raw = g_byte_array_new ();
  g_autoptr (GByteArray) png = g_byte_array_new ();
  guint8 ihdr[13] = { w >> 24, w >> 16, w >> 8, w, h >> 24, h >> 16, h >> 8, h,
                      k->depth, k->color, 0, 0, k->interlace };
  uLongf packed_len;
  g_autofree guint8 *packed = NULL;
  g_autoptr (GError) error = NULL;

  if (k->interlace)
    for (int p = 0; p < 7; p++)
      png_pass (raw, samples, w, h, k, adam7[p][0], adam7[p][1], adam7[p][2], adam7[p][3]);
  else
    png_pass (raw, samples, w, h, k, 0, 0, 1, 1);
  packed_len = compressBound (raw->len);
  packed = g_malloc (packed_len);
  g_assert_cmpint (compress2 (packed, &packed_len, raw->data, raw->len, 9), ==, Z_OK);
  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  png_chunk (png, "IHDR", ihdr, 13);
  if (palette != NULL)
    png_chunk (png, "PLTE", palette, 3 * n_palette);
  png_chunk (png, "IDAT", packed, packed_len);
  png_chunk (png, "IEND", NULL, 0);
  g_file_set_contents (path, (const char *) png->data, png->len, &error);
  g_assert_no_error (error);
}

/* A w×h PNG of kind `k` with random samples; palettes of 2^depth random colours. */
void
st_test_write_random_png (const char *path, int w, int h, const PngKind *k, GRand *rand)
{
  int ch = png_channels (k->color), top = (1 << k->depth) - 1;
  g_autofree guint16 *samples = g_new (guint16, (gsize) w * h * ch);
  guint8 palette[3 * 256];

  for (gsize i = 0; i < (gsize) w * h * ch; i++)
    samples[i] = g_rand_int_range (rand, 0, top + 1);
  for (int i = 0; i < 3 * 256; i++)
    palette[i] = g_rand_int_range (rand, 0, 256);
  st_test_write_png (path, samples, w, h, k, k->color == 3 ? palette : NULL, 1 << k->depth);
}

/* An 8-bit RGB(A) PNG saved by gdk-pixbuf (libpng's own choice of filters); gray when `gray`. */
void
st_test_write_pixbuf_png (const char *path, int w, int h, gboolean alpha, gboolean gray, GRand *rand)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, w, h);
  g_autoptr (GError) error = NULL;
  int stride = gdk_pixbuf_get_rowstride (pixbuf), step = alpha ? 4 : 3;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *px = pixels + y * stride + x * step;
        int v = g_rand_int_range (rand, 0, 256);

        for (int c = 0; c < step; c++)
          px[c] = gray && c < 3 ? v : g_rand_int_range (rand, 0, 256);
      }
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
}

