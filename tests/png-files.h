/* png-files.h: PNG files of every kind for the image readers' tests.
 *
 * gdk-pixbuf writes only 8-bit RGB(A); the other kinds are written here: samples packed at
 * the bit depth, each row filtered with the type (row mod 5), optionally Adam7-interlaced.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int color;       /* 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA */
  int depth;       /* 1, 2, 4, 8, 16 */
  int interlace;   /* 0 or 1 (Adam7) */
} PngKind;

/* A w×h PNG of kind `k` from `samples` (w × h × channels, row-major); `palette` (3 bytes a
 * colour, n_palette colours) for kind 3. */
void st_test_write_png        (const char *path, const guint16 *samples, int w, int h,
                               const PngKind *k, const guint8 *palette, int n_palette);
/* A w×h PNG of kind `k` with random samples; palettes of 2^depth random colours. */
void st_test_write_random_png (const char *path, int w, int h, const PngKind *k, GRand *rand);
/* An 8-bit RGB(A) PNG saved by gdk-pixbuf (libpng's own choice of filters); gray when `gray`. */
void st_test_write_pixbuf_png (const char *path, int w, int h, gboolean alpha, gboolean gray,
                               GRand *rand);

G_END_DECLS
