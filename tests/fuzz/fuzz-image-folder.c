/* fuzz-image-folder.c: a folder of class sub-folders of images (core/image-folder.c).
 *
 * Input layout: one byte of options, then the bytes of an image file. Bit 0 of the options
 * asks for 3 channels instead of 1, bit 1 for resizing instead of refusing other sizes,
 * bit 2 for a fixed 8×8 size instead of the first image's. The image is a/0 of the folder;
 * b/0.png is a valid 3×5 RGB image written once, so sizes disagree unless the fuzzer makes
 * a 3×5 image. gdk-pixbuf decodes (its loaders are not ours and not instrumented); what is
 * fuzzed here is everything around it: the listing, the sizes, the planes and the scaling.
 */
#define G_LOG_DOMAIN "strata-fuzz"

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "core/image-folder.h"
#include "fuzz-util.h"

#define OPTION_RGB    (1 << 0)
#define OPTION_RESIZE (1 << 1)
#define OPTION_FIXED  (1 << 2)

static char *root;

static void
folder_init (void)
{
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *png = NULL;

  if (root != NULL)
    return;
  root = g_build_filename (fuzz_scratch_dir (), "images", NULL);
  png = g_build_filename (root, "b", "0.png", NULL);
  g_free (fuzz_write_file ("images/b/0.png", NULL, 0));
  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 3, 5);
  gdk_pixbuf_fill (pixbuf, 0x40a0e0ff);
  if (!gdk_pixbuf_save (pixbuf, png, "png", &error, NULL))
    g_error ("%s: %s", png, error->message);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (StDataset) ds = NULL;
  g_autoptr (GError) error = NULL;
  StImageFolderOptions options;

  fuzz_init ();
  folder_init ();
  if (size < 1)
    return 0;
  g_free (fuzz_write_file ("images/a/0", data + 1, size - 1));

  st_image_folder_options_init (&options);
  options.channels = data[0] & OPTION_RGB ? 3 : 1;
  options.fit = data[0] & OPTION_RESIZE ? ST_IMAGE_FIT_RESIZE : ST_IMAGE_FIT_EXACT;
  if (data[0] & OPTION_FIXED)
    options.width = options.height = 8;

  ds = st_image_folder_load (root, &options, &error);
  if (ds == NULL)
    {
      fuzz_rejected (error);
      return 0;
    }
  g_assert (ds->n == 2 && ds->n_classes == 2 && ds->c == options.channels);
  g_assert (ds->labels[0] == 0 && ds->labels[1] == 1);
  fuzz_touch (ds->images, (gsize) ds->n * st_dataset_example_size (ds));
  return 0;
}
