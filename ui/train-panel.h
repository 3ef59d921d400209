/* train-panel.h: the training panel — how to train, Start/Pause/Stop, and the run's progress.
 *
 * The panel owns the run: it builds a trainer from the model and the form, steers it, and
 * passes on what the trainer reports as signals that the window connects to the charts and
 * the activations view:
 *
 *   ::state-changed ()                          Start, Pause, Stop or the end changed the state
 *   ::run-started (int planned_epochs)          a run began; the charts start afresh
 *   ::progress (gpointer event)                 a const StTrainerEvent * of kind BATCH or EPOCH,
 *                                               valid during the emission: the chart's rows
 *                                               (st_chart_data_add_event() in chart-feed.h);
 *                                               or INSIGHT: an epoch measured inside the
 *                                               network (insight-view.h)
 *   ::snapshot (gpointer snapshot)              a const StSnapshot *, valid during the emission
 *   ::message (const char *text)                an error to show the person
 *   ::finished (gboolean stopped, const char *weights_path)   the best weights, or NULL
 *   ::config-changed ()                         the person committed a change to the form (a
 *                                               field confirmed, a choice made): one per change,
 *                                               none while typing or for load_config()
 *
 * The Start, Pause and Stop buttons are the panel's actions "train.start", "train.pause" (pause
 * a running run, resume a paused one) and "train.stop"; st_train_panel_get_commands() is the one
 * rule for when each can run, which the window's actions and shortcuts follow too.
 *
 * Every run keeps its best checkpoint in a temporary file of the panel's own, removed when
 * the panel goes; closing the panel during a run stops the run.
 */
#pragma once

#include <adwaita.h>

#include "core/engine/trainer.h"
#include "core/model/spec.h"

G_BEGIN_DECLS

#define ST_TYPE_TRAIN_PANEL (st_train_panel_get_type ())
G_DECLARE_FINAL_TYPE (StTrainPanel, st_train_panel, ST, TRAIN_PANEL, GtkWidget)

typedef enum {
  ST_TRAIN_CAN_START = 1 << 0,
  ST_TRAIN_CAN_PAUSE = 1 << 1,          /* pause a running run, or resume a paused one */
  ST_TRAIN_CAN_STOP  = 1 << 2,
} StTrainCommands;

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
/* Starts a run that continues the training checkpoint `checkpoint` (a recorded run's goes on
 * in its folder), up to the form's epochs in all. Nothing while a run is live. */
void            st_train_panel_continue               (StTrainPanel        *self,
                                                       const char          *checkpoint);
/* Pauses a running run, resumes a paused one. */
void            st_train_panel_pause                  (StTrainPanel        *self);
void            st_train_panel_stop                   (StTrainPanel        *self);
StTrainerState  st_train_panel_get_state              (StTrainPanel        *self);
/* What Start, Pause and Stop can do now, from the run's state (and Start: whether there is a
 * model to train). */
StTrainCommands st_train_panel_get_commands           (StTrainPanel        *self);

/* The best epoch of the last run once it has ended, or NULL when it ended before its first
 * epoch; st_best_weights_ref() to keep them past the next run. */
StBestWeights  *st_train_panel_get_best               (StTrainPanel        *self);
/* The last run's best weights (safetensors) once it saved some, else NULL. */
const char     *st_train_panel_get_weights_path       (StTrainPanel        *self);
/* Asks the live run for the activations of test image `example`; ::snapshot brings them. */
void            st_train_panel_request_snapshot       (StTrainPanel        *self,
                                                       gint64               example);

G_END_DECLS
