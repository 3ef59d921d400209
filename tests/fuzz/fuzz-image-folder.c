/* fuzz-image-folder.c: a folder of class sub-folders of images (core/data/image-folder.c).
 *
 * Input layout: one byte of options, then the bytes of an image file. Bit 0 of the options
 * asks for 3 channels instead of 1, bit 1 for resizing instead of refusing other sizes,
 * bit 2 for a fixed 8×8 size instead of the first image's; bit 3 puts a PNG (1) or JPEG
 * (0) signature before the bytes. Mutations that broke a signature would otherwise send
 * most inputs through gdk-pixbuf's format sniffing, which is not Strata's and costs ten
 * times all the rest; tests/test-image-folder.c covers other formats. The image is a/0.png
 * of the folder (a JPEG too: Strata goes by the signature, not the name); b/0.png is a
 * valid 3×5 RGB image written once, so sizes disagree unless the fuzzer makes a 3×5 image.
 *
 * gdk-pixbuf decodes; it is not ours and not instrumented. What is fuzzed here is everything
 * around it: the size checks, the listing, the planes and the scaling. With the signature
 * written by the target, core/data/image-folder.c asks for the PNG or JPEG loader by name, so
 * gdk-pixbuf's other loaders are never reached: they have allocation habits of their own
 * (the BMP loader asks for whatever its header's size field says before it knows the
 * image's size), which would bury Strata's findings under theirs. (Hiding them with
 * GDK_PIXBUF_MODULE_FILE would cost more: with no readable module file, gdk-pixbuf 2.42
 * keeps about 500 bytes and some time for every loader made.)
 */
#define G_LOG_DOMAIN "strata-fuzz"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

#include "core/data/image-folder.h"
#include "fuzz-util.h"

#define OPTION_RGB    (1 << 0)
#define OPTION_RESIZE (1 << 1)
#define OPTION_FIXED  (1 << 2)
#define OPTION_PNG    (1 << 3)

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
  /* Written empty first for its folder, then as the image. */
  png = fuzz_write_file ("images/b/0.png", NULL, 0);
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
  g_autoptr (GByteArray) image = g_byte_array_new ();
  const char *magic;
  StImageFolderOptions options;

  fuzz_init ();
  folder_init ();
  if (size < 1)
    return 0;
  magic = data[0] & OPTION_PNG ? "\x89PNG\r\n\x1a\n" : "\xff\xd8\xff";
  g_byte_array_append (image, (const guint8 *) magic, (guint) strlen (magic));
  g_byte_array_append (image, data + 1, (guint) (size - 1));
  g_free (fuzz_write_file ("images/a/0.png", image->data, image->len));

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
