/* image-folder.c: reading a folder of images, one sub-folder per class, via gdk-pixbuf.
 *
 * Two passes: the first lists the files, so the images are allocated once; the second
 * decodes them one at a time (gdk-pixbuf gives interleaved RGB or RGBA rows) and writes
 * each as `channels` planes of (H, W). With channels as the images are, three planes are
 * written and folded into one at the end when no image had colour.
 */
#define G_LOG_DOMAIN "strata-image-folder"

#include "core/data/image-folder.h"
#include "core/io/i18n.h"

#include <errno.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char *path;
  int   label;
} Entry;

static void
entry_clear (gpointer data)
{
  g_free (((Entry *) data)->path);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The names in `dir` that are not hidden, sorted: its sub-folders, or everything else. */
static GPtrArray *
list_dir (const char *dir, gboolean folders, gboolean *any, GError **error)
{
  g_autoptr (GDir) d = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local = NULL;
  g_autofree char *display = g_filename_display_name (dir);
  const char *name;

  d = g_dir_open (dir, 0, &local);
  if (d == NULL)
    {
      g_set_error (error, ST_DATASET_ERROR,
                   g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                   ? ST_DATASET_ERROR_NOT_FOUND : ST_DATASET_ERROR_IO,
                   _("%s: cannot open the folder: %s"), display, local->message);
      return NULL;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;

      if (any != NULL)
        *any = TRUE;
      if (name[0] == '.')
        continue;
      path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) == folders)
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_strings);
  return g_steal_pointer (&names);
}

void
st_image_folder_options_init (StImageFolderOptions *options)
{
  g_return_if_fail (options != NULL);

  *options = (StImageFolderOptions) { .channels = 1, .fit = ST_IMAGE_FIT_EXACT };
}

gboolean
st_image_folder_has_classes (const char *path)
{
  g_autoptr (GPtrArray) classes = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  classes = list_dir (path, TRUE, NULL, NULL);
  return classes != NULL && classes->len > 0;
}

static int
class_index (const char * const *classes, const char *name)
{
  for (int i = 0; classes[i] != NULL; i++)
    if (strcmp (classes[i], name) == 0)
      return i;
  return -1;
}

/* The file name extensions of the formats gdk-pixbuf can decode, lower case: "png", "jpg",
 * "jpeg", "bmp", ... */
static GHashTable *
image_extensions (void)
{
  GHashTable *extensions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GSList *formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_auto (GStrv) names = NULL;

      if (gdk_pixbuf_format_is_disabled (l->data))
        continue;
      names = gdk_pixbuf_format_get_extensions (l->data);
      for (int i = 0; names != NULL && names[i] != NULL; i++)
        g_hash_table_add (extensions, g_ascii_strdown (names[i], -1));
    }
  g_slist_free (formats);
  return extensions;
}

static gboolean
is_image_name (GHashTable *extensions, const char *name)
{
  const char *dot = strrchr (name, '.');
  g_autofree char *lower = NULL;

  if (dot == NULL || dot[1] == '\0')
    return FALSE;
  lower = g_ascii_strdown (dot + 1, -1);
  return g_hash_table_contains (extensions, lower);
}

/* Lists every image as (path, label); `classes` are the names in index order. Files whose
 * names do not end in an image format's extension (a README, Thumbs.db) are passed over, as
 * torchvision's ImageFolder does. */
static GArray *
list_images (const char *path, const char *display, const char * const *classes,
             GPtrArray *folders, GError **error)
{
  g_autoptr (GArray) entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_autoptr (GHashTable) extensions = image_extensions ();
  guint skipped = 0;

  g_array_set_clear_func (entries, entry_clear);
  for (guint i = 0; i < folders->len; i++)
    {
      const char *folder = folders->pdata[i];
      g_autofree char *dir = g_build_filename (path, folder, NULL);
      g_autoptr (GPtrArray) files = NULL;
      int label = class_index (classes, folder);

      if (label < 0)
        {
          g_autofree char *dir_display = g_filename_display_name (dir);

          g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                       _("%s: class \"%s\" is not one of the training classes"), dir_display,
                       folder);
          return NULL;
        }
      files = list_dir (dir, FALSE, NULL, error);
      if (files == NULL)
        return NULL;
      for (guint j = 0; j < files->len; j++)
        {
          Entry e;

          if (!is_image_name (extensions, files->pdata[j]))
            {
              skipped++;
              continue;
            }
          e = (Entry) { g_build_filename (dir, files->pdata[j], NULL), label };
          g_array_append_val (entries, e);
          /* Before the loader opens it, which a FIFO would block. */
          if (!st_dataset_check_file (e.path, NULL, error))
            return NULL;
        }
    }
  if (entries->len == 0)
    {
      if (skipped > 0)
        g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "%s: the class folders hold no images (%u file whose name "
                                  "does not end in an image format's extension, such as .png "
                                  "or .jpg)",
                                  "%s: the class folders hold no images (%u files whose names "
                                  "do not end in an image format's extension, such as .png "
                                  "or .jpg)", skipped), display, skipped);
      else
        g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                     _("%s: the class folders hold no images"), display);
      return NULL;
    }
  return g_steal_pointer (&entries);
}

static gboolean
check_size (const char *path, int w, int h, GError **error)
{
  g_autofree char *display = NULL;

  if (w <= ST_DATASET_MAX_SIDE && h <= ST_DATASET_MAX_SIDE)
    return TRUE;
  display = g_filename_display_name (path);
  g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_TOO_LARGE,
               _("%s: %d×%d pixels, more than the %d a side Strata reads"), display, w, h,
               ST_DATASET_MAX_SIDE);
  return FALSE;
}

typedef struct {
  int      width, height;
  gboolean too_large;
} SizeCheck;

#define PNG_SIGNATURE "\x89PNG\r\n\x1a\n"

/* A PNG file's chunks (length, type, data, CRC), followed through the bytes fed to the
 * loader without keeping them: the file is whole once its IEND chunk is. */
typedef struct {
  gboolean is_png;
  guint64  seen;       /* bytes fed so far */
  guint64  next;       /* where the next chunk starts */
  guint8   head[8];    /* its length and type, as they arrive */
  int      head_len;
  guint64  iend_end;   /* where the IEND chunk ends, once its head has been seen; else 0 */
} PngWalk;

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
png_walk (PngWalk *w, const guint8 *buf, gsize n)
{
  const guint64 end = w->seen + n;

  if (w->seen == 0)
    {
      w->is_png = n >= 8 && memcmp (buf, PNG_SIGNATURE, 8) == 0;
      w->next = 8;
    }
  while (w->is_png && w->iend_end == 0 && w->next + w->head_len < end)
    {
      w->head[w->head_len] = buf[w->next + w->head_len - w->seen];
      if (++w->head_len < 8)
        continue;
      if (memcmp (w->head + 4, "IEND", 4) == 0)
        w->iend_end = w->next + 12 + read_be32 (w->head);
      w->next += 12 + (guint64) read_be32 (w->head);
      w->head_len = 0;
    }
  w->seen = end;
}

static gboolean
png_walk_complete (const PngWalk *w)
{
  return !w->is_png || (w->iend_end != 0 && w->seen >= w->iend_end);
}

/* Called by the loader once the header has given the size, before the pixels are
 * allocated: a size of 0×0 makes the format module stop there, as gdk_pixbuf_get_file_info
 * does. */
static void
on_size_prepared (GdkPixbufLoader *loader, int width, int height, gpointer data)
{
  SizeCheck *check = data;

  check->width = width;
  check->height = height;
  if (width > ST_DATASET_MAX_SIDE || height > ST_DATASET_MAX_SIDE)
    {
      check->too_large = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
    }
}

/* PNG and JPEG, the common cases, are known by their first bytes here: gdk-pixbuf's own
 * sniffing asks GIO about every MIME type of every format it has and costs more than
 * decoding a small image. Other formats are left to it. */
static GdkPixbufLoader *
new_loader (const guint8 *head, gsize n)
{
  static const struct { const char *magic; gsize len; const char *type; } known[] = {
    { PNG_SIGNATURE, 8, "png" },
    { "\xff\xd8\xff", 3, "jpeg" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
    if (n >= known[i].len && memcmp (head, known[i].magic, known[i].len) == 0)
      {
        GdkPixbufLoader *loader = gdk_pixbuf_loader_new_with_type (known[i].type, NULL);

        if (loader != NULL)
          return loader;
      }
  return gdk_pixbuf_loader_new ();
}

/* Reads the file into a loader made for its first bytes, in chunks, stopping early when
 * the header's size is refused. NULL with `local` set when the file cannot be read;
 * otherwise the loader, whose write errors are in `local`. */
static GdkPixbufLoader *
feed_loader (const char *path, SizeCheck *check, PngWalk *walk, GError **local)
{
  GdkPixbufLoader *loader = NULL;
  guint8 buf[65536];
  int fd = st_dataset_open_file (path, NULL, local);

  if (fd < 0)
    return NULL;
  while (!check->too_large)
    {
      gssize n = read (fd, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (local, G_IO_ERROR, g_io_error_from_errno (saved), "%s",
                       g_strerror (saved));
          break;
        }
      if (loader == NULL)
        {
          loader = new_loader (buf, (gsize) n);
          g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), check);
        }
      if (n == 0)
        break;
      png_walk (walk, buf, (gsize) n);
      if (!gdk_pixbuf_loader_write (loader, buf, (gsize) n, local))
        break;
    }
  close (fd);
  return loader;
}

/* One pass through the file: the size is checked from the header, so that a damaged or
 * huge file is refused before gdk-pixbuf allocates its pixels, and again after decoding,
 * for the formats whose header does not tell. */
static GdkPixbuf *
load_image (const char *path, GError **error)
{
  g_autoptr (GdkPixbufLoader) loader = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *display = NULL;
  SizeCheck check = { 0 };
  PngWalk walk = { 0 };
  GdkPixbuf *pixbuf = NULL;
  gboolean closed_ok = TRUE;

  loader = feed_loader (path, &check, &walk, &local);
  /* Closed in every case, as a loader dropped open warns; the first error is the one told. */
  if (loader != NULL && !gdk_pixbuf_loader_close (loader, local == NULL ? &local : NULL))
    closed_ok = FALSE;
  if (check.too_large)
    {
      check_size (path, check.width, check.height, error);
      return NULL;
    }
  if (local == NULL && closed_ok)
    pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL || gdk_pixbuf_get_bits_per_sample (pixbuf) != 8
      || gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB)
    {
      display = g_filename_display_name (path);
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: cannot read this image: %s"), display,
                   local != NULL ? local->message
                   : pixbuf == NULL ? _("not an image gdk-pixbuf can decode")
                                    : _("not 8-bit RGB"));
      return NULL;
    }
  if (!png_walk_complete (&walk))
    {
      display = g_filename_display_name (path);
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: a truncated PNG file: it ends after %" PRIu64 " bytes, "
                     "before its IEND chunk, so part of the image is missing"), display,
                   walk.seen);
      return NULL;
    }
  if (!check_size (path, gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf), error))
    return NULL;
  return gdk_pixbuf_apply_embedded_orientation (pixbuf);
}

/* Writes `pixbuf` as (channels, H, W) bytes; TRUE when a pixel has colour (R, G and B not
 * all equal), which only 3 channels tell. */
static gboolean
store_planes (guint8 *out, int channels, GdkPixbuf *pixbuf)
{
  const int w = gdk_pixbuf_get_width (pixbuf), h = gdk_pixbuf_get_height (pixbuf);
  const int stride = gdk_pixbuf_get_rowstride (pixbuf);
  const int step = gdk_pixbuf_get_n_channels (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  const gsize plane = (gsize) w * h;
  gboolean colour = FALSE;

  for (int y = 0; y < h; y++)
    {
      const guint8 *row = pixels + (gsize) y * stride;

      for (int x = 0; x < w; x++)
        {
          const guint8 *px = row + x * step;
          gsize at = (gsize) y * w + x;

          if (channels == 1)
            /* PIL's convert ("L"): L = R 299/1000 + G 587/1000 + B 114/1000, rounded. */
            out[at] = (guint8) ((px[0] * 19595u + px[1] * 38470u + px[2] * 7471u + 0x8000u)
                                >> 16);
          else
            {
              for (int c = 0; c < 3; c++)
                out[c * plane + at] = px[c];
              colour = colour || px[0] != px[1] || px[1] != px[2];
            }
        }
    }
  return colour;
}

/* Keeps the first of each image's three planes: for images without colour, R = G = B is
 * their luminance. */
static void
fold_to_gray (StDataset *ds)
{
  const gsize plane = (gsize) ds->h * ds->w;

  for (gint64 i = 0; i < ds->n; i++)
    memmove (ds->images + i * plane, ds->images + i * 3 * plane, plane);
  ds->c = 1;
  ds->images = g_realloc (ds->images, ds->n * plane);
}

StDataset *
st_image_file_load (const char *path, int channels, GError **error)
{
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (StDataset) ds = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (channels == 1 || channels == 3, NULL);

  pixbuf = load_image (path, error);
  if (pixbuf == NULL)
    return NULL;
  name = g_path_get_basename (path);
  ds = st_dataset_new (name, path, 1, channels, gdk_pixbuf_get_height (pixbuf),
                       gdk_pixbuf_get_width (pixbuf), error);
  if (ds == NULL)
    return NULL;
  st_dataset_set_classes (ds, 1, NULL);
  store_planes (ds->images, channels, pixbuf);
  return g_steal_pointer (&ds);
}

StDataset *
st_image_folder_load (const char *path, const StImageFolderOptions *options, GError **error)
{
  StImageFolderOptions defaults;
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (GArray) entries = NULL;
  g_autoptr (GdkPixbuf) first = NULL;
  g_autoptr (StDataset) ds = NULL;
  g_autofree char *display = NULL;
  g_autofree char *name = NULL;
  g_autofree char *first_display = NULL;
  g_autofree char *size_from = NULL;
  g_auto (GStrv) own_classes = NULL;
  const char * const *classes;
  gboolean any = FALSE, colour = FALSE;
  int w, h, n_classes, channels;

  g_return_val_if_fail (path != NULL, NULL);

  if (options == NULL)
    {
      st_image_folder_options_init (&defaults);
      options = &defaults;
    }
  g_return_val_if_fail (options->channels == 0 || options->channels == 1
                        || options->channels == 3, NULL);
  g_return_val_if_fail (options->width >= 0 && options->height >= 0, NULL);
  g_return_val_if_fail (options->control.max_examples >= 0, NULL);

  display = g_filename_display_name (path);
  folders = list_dir (path, TRUE, &any, error);
  if (folders == NULL)
    return NULL;
  if (folders->len == 0)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   any ? _("%s: no class sub-folders: expected one folder of images per class")
                       : _("%s: empty folder: expected one sub-folder of images per class"),
                   display);
      return NULL;
    }
  if (options->classes == NULL && folders->len > ST_DATASET_MAX_CLASSES)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: %u class sub-folders, more than the %d a label byte can tell apart"),
                   display, folders->len, ST_DATASET_MAX_CLASSES);
      return NULL;
    }
  if (options->classes != NULL)
    classes = options->classes;
  else
    {
      own_classes = g_new0 (char *, folders->len + 1);
      for (guint i = 0; i < folders->len; i++)
        own_classes[i] = g_strdup (folders->pdata[i]);
      classes = (const char * const *) own_classes;
    }
  n_classes = g_strv_length ((char **) classes);
  entries = list_images (path, display, classes, folders, error);
  if (entries == NULL)
    return NULL;
  if (options->control.max_examples > 0 && entries->len > options->control.max_examples)
    g_array_set_size (entries, options->control.max_examples);

  first = load_image (g_array_index (entries, Entry, 0).path, error);
  if (first == NULL)
    return NULL;
  first_display = g_filename_display_name (g_array_index (entries, Entry, 0).path);
  if (options->size_from != NULL)
    size_from = g_strdup_printf (_("the training images' size, in %s"), options->size_from);
  else
    size_from = g_strdup (options->width > 0 ? _("as asked") : first_display);
  w = options->width > 0 ? options->width : gdk_pixbuf_get_width (first);
  h = options->height > 0 ? options->height : gdk_pixbuf_get_height (first);
  channels = options->channels > 0 ? options->channels : 3;

  name = g_path_get_basename (path);
  ds = st_dataset_new (name, display, entries->len, channels, h, w, error);
  if (ds == NULL)
    return NULL;
  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *e = &g_array_index (entries, Entry, i);
      g_autoptr (GdkPixbuf) pixbuf = NULL;

      if (!st_dataset_keep_reading (&options->control, display, error))
        return NULL;
      pixbuf = i == 0 ? g_object_ref (first) : load_image (e->path, error);
      if (pixbuf == NULL)
        return NULL;
      if (gdk_pixbuf_get_width (pixbuf) != w || gdk_pixbuf_get_height (pixbuf) != h)
        {
          g_autofree char *e_display = g_filename_display_name (e->path);
          GdkPixbuf *scaled;

          if (options->fit != ST_IMAGE_FIT_RESIZE)
            {
              g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                           _("%s: %d×%d, but the images must all be %d×%d (%s); resize them, or "
                             "have them resized to the model's input (\"resize_images\": true in "
                             "the training section, --resize-images, or Resize images in the "
                             "window)"), e_display, gdk_pixbuf_get_width (pixbuf),
                           gdk_pixbuf_get_height (pixbuf), w, h, size_from);
              return NULL;
            }
          scaled = gdk_pixbuf_scale_simple (pixbuf, w, h, GDK_INTERP_BILINEAR);
          g_object_unref (pixbuf);
          pixbuf = scaled;
          if (pixbuf == NULL)
            {
              g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_TOO_LARGE,
                           _("%s: not enough memory to scale it to %d×%d"), e_display, w, h);
              return NULL;
            }
        }
      if (store_planes (ds->images + i * st_dataset_example_size (ds), channels, pixbuf))
        colour = TRUE;
      ds->labels[i] = (guint8) e->label;
    }
  if (options->channels == 0 && !colour)
    fold_to_gray (ds);
  if (options->classes != NULL)
    st_dataset_set_classes (ds, n_classes, classes);
  else
    {
      g_autoptr (GPtrArray) utf8 = g_ptr_array_new_with_free_func (g_free);

      for (int i = 0; i < n_classes; i++)
        g_ptr_array_add (utf8, g_filename_display_name (classes[i]));
      g_ptr_array_add (utf8, NULL);
      st_dataset_set_classes (ds, n_classes, (const char * const *) utf8->pdata);
    }
  return g_steal_pointer (&ds);
}
