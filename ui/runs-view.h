/* runs-view.h: the Runs page — a table of the runs under st_runs_dir () (run-list.h).
 *
 * Each row is a run: a "compare" check box, its name and note (both editable: run.json is
 * rewritten), the model, the dataset, the optimizer with its lr and batch size, the best
 * test accuracy, the epochs done of those planned, the time and how it ended; and buttons
 * to open the run in the builder, to continue its training (when it has a checkpoint and
 * is not training now) and to delete it. The headers sort, the search entry keeps
 * the rows whose name, model, dataset or id contain its text. The runs are read off the
 * main thread, when the view is made and on st_runs_view_reload ().
 *
 * Deleting moves the run's folder to st_runs_dir ()/.trash/<id> (the list skips folders
 * starting with '.'); the toast that says so has Undo, the action "runs.undo-delete" with
 * the id, which moves it back. Errors are toasts that name the run.
 *
 * ::compare-changed () says the runs ticked changed; st_runs_view_get_compared () has them.
 * ::open-run (string) asks to open the run in that folder (its model and best weights).
 * ::continue-run (string) asks to go on training the run in that folder from its checkpoint.
 * ::inside-run (string) asks to show what the run in that folder measured inside its network
 * (insight-view.h).
 */
#pragma once

#include <adwaita.h>

#include "core/engine/run-list.h"

G_BEGIN_DECLS

#define ST_TYPE_RUNS_VIEW (st_runs_view_get_type ())
G_DECLARE_FINAL_TYPE (StRunsView, st_runs_view, ST, RUNS_VIEW, GtkBox)

/* The columns that sort. */
typedef enum {
  ST_RUNS_COLUMN_NAME,
  ST_RUNS_COLUMN_MODEL,
  ST_RUNS_COLUMN_DATASET,
  ST_RUNS_COLUMN_RECIPE,
  ST_RUNS_COLUMN_BEST_ACC,
  ST_RUNS_COLUMN_EPOCHS,
  ST_RUNS_COLUMN_TIME,
  ST_RUNS_COLUMN_STATUS,
  ST_RUNS_COLUMN_STARTED,
  ST_RUNS_N_COLUMNS
} StRunsColumn;

GtkWidget  *st_runs_view_new           (void);

/* Reads the runs again, off the main thread; the ticks are kept by id. */
void        st_runs_view_reload        (StRunsView   *self);
/* TRUE while a reload is under way. */
gboolean    st_runs_view_is_loading    (StRunsView   *self);

/* The rows as shown (sorted and filtered): how many, and the id of one. */
guint       st_runs_view_get_n_rows    (StRunsView   *self);
const char *st_runs_view_get_row_id    (StRunsView   *self,
                                        guint         row);

void        st_runs_view_sort_by       (StRunsView   *self,
                                        StRunsColumn  column,
                                        GtkSortType   order);
void        st_runs_view_set_search    (StRunsView   *self,
                                        const char   *text);

/* Ticks or unticks the run `id` for comparison. */
void        st_runs_view_set_compared  (StRunsView   *self,
                                        const char   *id,
                                        gboolean      compared);
/* The runs ticked (StRun, borrowed: valid until the next reload), in the table's order. */
GPtrArray  *st_runs_view_get_compared  (StRunsView   *self);

/* Rename, note and delete, as the row's controls do; FALSE (and a toast) on an error. */
gboolean    st_runs_view_rename        (StRunsView   *self,
                                        const char   *id,
                                        const char   *name);
gboolean    st_runs_view_set_note      (StRunsView   *self,
                                        const char   *id,
                                        const char   *note);
gboolean    st_runs_view_delete        (StRunsView   *self,
                                        const char   *id);

G_END_DECLS
