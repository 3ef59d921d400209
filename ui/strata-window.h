/* strata-window.h: the workbench window — the layer builder, training, charts, activations. */
#pragma once

#include <adwaita.h>

#include "ui/model-document.h"

G_BEGIN_DECLS

#define ST_TYPE_WINDOW (st_window_get_type ())
G_DECLARE_FINAL_TYPE (StWindow, st_window, ST, WINDOW, AdwApplicationWindow)

StWindow        *st_window_new          (GtkApplication *app);
/* Opens file in place of the model, asking first when that would drop unsaved changes. */
void             st_window_open_file    (StWindow      *self,
                                         GFile         *file);
/* Closes the window, asking first about unsaved changes; finishes with TRUE once it closed,
 * FALSE when the person cancelled or saving failed. */
void             st_window_close_async  (StWindow            *self,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean         st_window_close_finish (StWindow            *self,
                                         GAsyncResult        *result,
                                         GError             **error);
StModelDocument *st_window_get_document (StWindow      *self);
/* The window's parts, for tests and the benchmark. */
GtkWidget       *st_window_get_layer_list   (StWindow  *self);
GtkWidget       *st_window_get_train_panel  (StWindow  *self);
GtkWidget       *st_window_get_chart_panel  (StWindow  *self);
GtkWidget       *st_window_get_activations  (StWindow  *self);
GtkWidget       *st_window_get_runs_view    (StWindow  *self);
/* The chart of the Runs page, which draws the runs ticked (shown while there are any). */
GtkWidget       *st_window_get_runs_chart   (StWindow  *self);
/* The Inside page (insight-view.h). */
GtkWidget       *st_window_get_insight_view (StWindow  *self);

/* Opens a run (a folder of st_runs_dir ()): its model.strata.json in the builder, asking
 * first about unsaved changes, and its best.safetensors as the Activations page's weights. */
void             st_window_open_run         (StWindow   *self,
                                             const char *run_dir);
/* Goes on training the run in run_dir from its checkpoint, on the Training page (after
 * asking about unsaved edits); refused with a toast while a run trains. */
void             st_window_continue_run     (StWindow   *self,
                                             const char *run_dir);
/* Opens a lesson (lesson.h) by name: its model in the builder, untitled, and on the
 * Activations page its own weights and images, the layer inspector on the lesson's layer.
 * FALSE with an error naming it when there is no such lesson. */
gboolean         st_window_open_lesson      (StWindow   *self,
                                             const char *name,
                                             GError    **error);
/* Shows the Inside page for the recorded run in `run_dir` once its insight.jsonl and
 * projection.jsonl are read (off the main thread); a toast naming the file when it has
 * neither. */
void             st_window_show_inside      (StWindow   *self,
                                             const char *run_dir);

/* The file name a save dialog proposes for an export: the chart (MODEL-training.png, the
 * same as the chart's own Export menu), PyTorch code (a name Python can import: lenet_5.py)
 * or the run's weights. */
typedef enum {
  ST_WINDOW_EXPORT_CHART,
  ST_WINDOW_EXPORT_PYTORCH,
  ST_WINDOW_EXPORT_WEIGHTS,
  ST_WINDOW_EXPORT_ONNX,
  ST_WINDOW_EXPORT_PYTORCH_TRAIN,
} StWindowExport;

char            *st_window_suggest_name (StWindow      *self,
                                         StWindowExport what);
/* Writes the model as ONNX to `path` off the main thread, with the weights loaded by hand,
 * else the last run's best, else those a run starts from; a toast tells how it went. */
void             st_window_export_onnx  (StWindow      *self,
                                         const char    *path);
/* Writes the PyTorch training package (pytorch-train.h) of the model and the form's recipe
 * into the folder `dir`, off the main thread; a toast tells how it went. */
void             st_window_export_pytorch_train (StWindow   *self,
                                                 const char *dir);

G_END_DECLS
