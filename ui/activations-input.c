/* activations-input.c: the Activations page's input of the person's own — the drawing pad's
 * picture and picture files opened or dropped on the page (activations-view.h). */
#define G_LOG_DOMAIN "strata-activations"

#include "strata-config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "core/data/image-folder.h"
#include "core/data/image-prep.h"
#include "ui/activations-jobs.h"
#include "ui/activations-view-private.h"

G_DEFINE_ENUM_TYPE (StInputSource, st_input_source,
                    G_DEFINE_ENUM_VALUE (ST_INPUT_TEST_IMAGE, "test-image"),
                    G_DEFINE_ENUM_VALUE (ST_INPUT_DRAWING, "drawing"),
                    G_DEFINE_ENUM_VALUE (ST_INPUT_PICTURE, "picture"))

/* The model's input, (C, H, W), as the evaluator compiled it; FALSE before one. */
static gboolean
model_input (StActivationsView *self, int dims[3])
{
  const StShape *in;

  if (self->session == NULL)
    return FALSE;
  in = &st_evaluator_net (self->session->evaluator)->spec->input;
  if (in->rank != 3)
    return FALSE;
  for (int i = 0; i < 3; i++)
    dims[i] = (int) in->dim[i];
  return TRUE;
}

/* A picture still being read would come in over what was chosen since: it is dropped. */
void
st_activations_view_stop_opening (StActivationsView *self)
{
  g_cancellable_cancel (self->open_cancellable);
  g_clear_object (&self->open_cancellable);
}

/* The input shown: the picture area or the pad, and the Draw button, follow the source. */
void
st_activations_view_set_source (StActivationsView *self, StInputSource source)
{
  if (source != ST_INPUT_PICTURE)
    st_activations_view_stop_opening (self);
  self->source = source;
  if (source == ST_INPUT_TEST_IMAGE)
    g_clear_pointer (&self->own, st_dataset_unref);
  gtk_stack_set_visible_child_name (self->input_stack, source == ST_INPUT_DRAWING ? "pad"
                                                                                 : "picture");
  self->syncing = TRUE;
  gtk_toggle_button_set_active (self->draw_button, source == ST_INPUT_DRAWING);
  self->syncing = FALSE;
}

/* The pad's pixels as a one-image dataset, the input of the next snapshot. */
static void
take_drawing (StActivationsView *self)
{
  int h = st_drawing_pad_get_height (self->pad), w = st_drawing_pad_get_width (self->pad);
  StDataset *drawing = st_dataset_new (_("your drawing"), "drawing pad", 1, 1, h, w, NULL);

  if (drawing == NULL)
    return;
  memcpy (drawing->images, st_drawing_pad_get_pixels (self->pad), (gsize) h * w);
  st_dataset_set_classes (drawing, 1, NULL);
  g_clear_pointer (&self->own, st_dataset_unref);
  self->own = drawing;
}

void
st_activations_view_pad_changed (StActivationsView *self)
{
  if (self->source != ST_INPUT_DRAWING)
    return;
  take_drawing (self);
  st_activations_view_request_snapshot (self);
}

void
st_activations_view_draw_toggled (StActivationsView *self)
{
  int dims[3] = { 0 };

  if (self->syncing)
    return;
  if (!gtk_toggle_button_get_active (self->draw_button))
    {
      st_activations_view_go_to (self, self->example);
      return;
    }
  if (!model_input (self, dims) || dims[0] != 1 || dims[1] > ST_DRAWING_PAD_MAX_SIZE
      || dims[2] > ST_DRAWING_PAD_MAX_SIZE)
    {
      gtk_label_set_text (self->status_label,
                          self->session == NULL ? _("Drawing needs a model evaluated first")
                          : dims[0] != 1
                            ? _("The drawing pad draws one channel: this model takes colour "
                                "images — open a picture of your own instead")
                            : _("The drawing pad is at most 256×256: open a picture of your "
                                "own instead"));
      st_activations_view_set_source (self, self->source);
      return;
    }
  if (st_drawing_pad_get_height (self->pad) != dims[1]
      || st_drawing_pad_get_width (self->pad) != dims[2])
    st_drawing_pad_set_size (self->pad, dims[1], dims[2]);
  st_activations_view_set_source (self, ST_INPUT_DRAWING);
  take_drawing (self);
  st_activations_view_request_snapshot (self);
}

typedef struct {
  GFile      *file;
  int         dims[3];
  StImagePrep how;
} OpenJob;

static void
open_job_free (OpenJob *job)
{
  g_clear_object (&job->file);
  g_free (job);
}

/* On a worker thread: the file decoded and made into the model's input, as MNIST-style
 * data is (image-prep.h). */
static void
open_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  OpenJob *job = data;
  g_autofree char *path = g_file_get_path (job->file);
  g_autoptr (StDataset) picture = NULL;
  GError *error = NULL;
  StDataset *input;

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (job->file);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("%s is not a local file"), uri);
      return;
    }
  picture = st_image_file_load (path, job->dims[0] == 3 ? 3 : 1, &error);
  input = picture != NULL ? st_image_prepare (picture, job->dims[0], job->dims[1], job->dims[2],
                                              job->how, &error)
                          : NULL;
  if (input == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, input, (GDestroyNotify) st_dataset_unref);
  st_activations_worker_done ();
}

static void
opened (GObject *source, GAsyncResult *result, gpointer data)
{
  StActivationsView *self = ST_ACTIVATIONS_VIEW (source);
  g_autoptr (GError) error = NULL;
  StDataset *input = g_task_propagate_pointer (G_TASK (result), &error);

  st_activations_view_worker_ended (self);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->open_cancellable);
  if (input == NULL)
    {
      gtk_label_set_text (self->status_label, error->message);
      return;
    }
  st_activations_view_set_source (self, ST_INPUT_PICTURE);
  g_clear_pointer (&self->own, st_dataset_unref);
  self->own = input;
  st_activations_view_request_snapshot (self);
}

void
st_activations_view_open_image (StActivationsView *self, GFile *file)
{
  g_autoptr (GTask) task = NULL;
  OpenJob *job;

  g_return_if_fail (ST_IS_ACTIVATIONS_VIEW (self) && G_IS_FILE (file));

  job = g_new0 (OpenJob, 1);
  if (!model_input (self, job->dims))
    {
      open_job_free (job);
      gtk_label_set_text (self->status_label, _("Opening a picture needs a model evaluated "
                                                "first"));
      return;
    }
  job->file = g_object_ref (file);
  /* as the test images were made: Fashion-MNIST's fill the image, MNIST's sit in 20 of 28 */
  job->how = self->test != NULL && g_strcmp0 (self->test->name, "fashion-mnist") == 0
             ? ST_IMAGE_PREP_FASHION : ST_IMAGE_PREP_AUTO;
  g_cancellable_cancel (self->open_cancellable);
  g_clear_object (&self->open_cancellable);
  self->open_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->open_cancellable, opened, NULL);
  g_task_set_source_tag (task, st_activations_view_open_image);
  g_task_set_task_data (task, job, (GDestroyNotify) open_job_free);
  st_activations_view_worker_started (self);
  st_activations_run_in_thread (task, open_thread);
}

static void
image_chosen (GtkNativeDialog *dialog, int response, gpointer data)
{
  StActivationsView *self = data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        st_activations_view_open_image (self, file);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

void
st_activations_view_open_image_activated (GtkWidget *widget, const char *action,
                                          GVariant *param)
{
  StActivationsView *self = ST_ACTIVATIONS_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog;
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Open a Picture to Classify"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("PNG and JPEG pictures"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_mime_type (filter, "image/jpeg");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (image_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static gboolean
file_dropped (GtkDropTarget *target, const GValue *value, double x, double y, gpointer data)
{
  GSList *files = g_value_get_boxed (value);

  if (files == NULL)
    return FALSE;
  st_activations_view_open_image (data, files->data);
  return TRUE;
}

/* A model of another input than the drawing or the picture: the pad takes the new size (and
 * starts blank) where it can, else the test image is the input again. */
void
st_activations_view_fit_input (StActivationsView *self)
{
  int dims[3] = { 0 };

  if (self->source == ST_INPUT_TEST_IMAGE || self->own == NULL)
    return;
  if (!model_input (self, dims))
    return;
  if (self->own->c == dims[0] && self->own->h == dims[1] && self->own->w == dims[2])
    return;
  if (self->source == ST_INPUT_DRAWING && dims[0] == 1 && dims[1] <= ST_DRAWING_PAD_MAX_SIZE
      && dims[2] <= ST_DRAWING_PAD_MAX_SIZE)
    {
      st_drawing_pad_set_size (self->pad, dims[1], dims[2]);
      take_drawing (self);
      return;
    }
  st_activations_view_set_source (self, ST_INPUT_TEST_IMAGE);
}

void
st_activations_view_add_drop_target (StActivationsView *self)
{
  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  g_signal_connect (drop, "drop", G_CALLBACK (file_dropped), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

StInputSource
st_activations_view_get_source (StActivationsView *self)
{
  g_return_val_if_fail (ST_IS_ACTIVATIONS_VIEW (self), ST_INPUT_TEST_IMAGE);

  return self->source;
}

StDrawingPad *
st_activations_view_get_pad (StActivationsView *self)
{
  g_return_val_if_fail (ST_IS_ACTIVATIONS_VIEW (self), NULL);

  return self->pad;
}
