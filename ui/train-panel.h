/* train-panel.h: the training panel — how to train, Start/Pause/Stop, and the run's progress.
 *
 * The panel owns the run: it builds a trainer from the model and the form, steers it, and
 * passes on what the trainer reports as signals that the window connects to the charts and
 * the activations view:
 *
 *   ::state-changed ()                          Start, Pause, Stop or the end changed the state
 *   ::run-started (int planned_epochs)          a run began; the charts start afresh
 *   ::batch (double x, double loss)             x in epochs: batch b (1-based) of B in epoch e
 *                                               (1-based) is at e - 1 + b / B
 *   ::epoch (gpointer metrics)                  a const StEpochMetrics *
 *   ::snapshot (gpointer snapshot)              a const StSnapshot *, valid during the emission
 *   ::message (const char *text)                an error to show the person
 *   ::finished (gboolean stopped, const char *weights_path)   the best weights, or NULL
 *   ::config-changed ()                         the person committed a change to the form (a
 *                                               field confirmed, a choice made): one per change,
 *                                               none while typing or for load_config()
 *
 * Every run keeps its best checkpoint in a temporary file of the panel's own, removed when
 * the panel goes; closing the panel during a run stops the run.
 */
#pragma once

#include <adwaita.h>

#include "core/spec.h"
#include "core/trainer.h"

G_BEGIN_DECLS

#define ST_TYPE_TRAIN_PANEL (st_train_panel_get_type ())
G_DECLARE_FINAL_TYPE (StTrainPanel, st_train_panel, ST, TRAIN_PANEL, GtkWidget)

GtkWidget      *st_train_panel_new                    (void);

/* The model to train; copied. The form keeps its values: load_config() fills it. */
void            st_train_panel_set_spec               (StTrainPanel        *self,
                                                       const StSpec        *spec);
void            st_train_panel_load_config            (StTrainPanel        *self,
                                                       const StTrainConfig *config);
/* The form's values over the loaded config; clear `out` with st_train_config_clear(). */
void            st_train_panel_get_config             (StTrainPanel        *self,
                                                       StTrainConfig       *out);
void            st_train_panel_set_device             (StTrainPanel        *self,
                                                       StDevice             device);
StDevice        st_train_panel_get_device             (StTrainPanel        *self);
/* Trains on the first n examples only (0: all): quick runs. */
void            st_train_panel_set_max_train_examples (StTrainPanel        *self,
                                                       gint64               n);

void            st_train_panel_start                  (StTrainPanel        *self);
/* Pauses a running run, resumes a paused one. */
void            st_train_panel_pause                  (StTrainPanel        *self);
void            st_train_panel_stop                   (StTrainPanel        *self);
StTrainerState  st_train_panel_get_state              (StTrainPanel        *self);

/* The best epoch of the last run once it has ended, or NULL when it ended before its first
 * epoch; st_best_weights_ref() to keep them past the next run. */
StBestWeights  *st_train_panel_get_best               (StTrainPanel        *self);
/* The last run's best weights (safetensors) once it saved some, else NULL. */
const char     *st_train_panel_get_weights_path       (StTrainPanel        *self);
/* Asks the live run for the activations of test image `example`; ::snapshot brings them. */
void            st_train_panel_request_snapshot       (StTrainPanel        *self,
                                                       gint64               example);

G_END_DECLS
