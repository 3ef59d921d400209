/* chart-panel.h: the Training page's chart — a StChartView under a small toolbar.
 *
 * The panel owns the current run's StChartData and keeps the run before it, which the
 * "Compare with Previous Run" toggle draws faint behind the current one. The toolbar holds
 * the log-scale toggle and the smoothing slider (both bound to the view's properties) and an
 * Export menu (PNG, SVG, CSV) whose items activate "chart.export" with "png", "svg" or "csv"
 * as the parameter, so a window can give them shortcuts.
 *
 * ::message (string) carries a line for the user, such as why an export failed; the window
 * shows it as a toast.
 */
#pragma once

#include <gtk/gtk.h>

#include "core/engine/run-list.h"
#include "ui/chart-view.h"
#include "ui/render/chart-feed.h"
#include "ui/render/chart-render.h"

G_BEGIN_DECLS

#define ST_TYPE_CHART_PANEL (st_chart_panel_get_type ())
G_DECLARE_FINAL_TYPE (StChartPanel, st_chart_panel, ST, CHART_PANEL, GtkBox)

GtkWidget   *st_chart_panel_new          (void);

StChartView *st_chart_panel_get_view     (StChartPanel       *self);
/* The current run; read it, but change it only through the panel. */
StChartData *st_chart_panel_get_data     (StChartPanel       *self);

/* Starts a new run of planned_epochs (0 or less: the x axis fits the data). The run so far
 * becomes the previous run when it has any rows; otherwise the previous run stays. */
void         st_chart_panel_begin_run    (StChartPanel       *self,
                                          int                 planned_epochs);
/* A trainer event of the current run: its rows, as chart-feed.h turns it into them. */
void         st_chart_panel_add_event    (StChartPanel       *self,
                                          const StTrainerEvent *event);
/* Rows added directly. */
void         st_chart_panel_add_batch    (StChartPanel       *self,
                                          double              epoch,
                                          double              loss);
void         st_chart_panel_add_epoch    (StChartPanel       *self,
                                          const StChartEpoch *epoch);

/* What the current run is, for exports: `title` is drawn at the top of an exported picture
 * ("LeNet-5 · fashion-mnist · SGD lr 0.9 · batch 256"), `stem` starts the file name proposed
 * ("LeNet-5" gives LeNet-5-training.png). NULL for none. */
void         st_chart_panel_set_run_name (StChartPanel       *self,
                                          const char         *title,
                                          const char         *stem);

/* The file name an export proposes: "STEM-training.EXTENSION". */
char        *st_chart_panel_suggest_name (StChartPanel       *self,
                                          const char         *extension);

/* Whether there is a previous run to compare with. */
gboolean     st_chart_panel_has_previous (StChartPanel       *self);
/* "compare": draw the previous run behind the current one (when there is one). */
void         st_chart_panel_set_compare  (StChartPanel       *self,
                                          gboolean            compare);
gboolean     st_chart_panel_get_compare  (StChartPanel       *self);

/* Writes the chart as .png or .svg (width × height, drawn with the view's options but no
 * hover) or its rows as .csv (chart-csv.h), chosen by the extension in any case. Errors name
 * the path. */
gboolean     st_chart_panel_export       (StChartPanel       *self,
                                          const char         *path,
                                          int                 width,
                                          int                 height,
                                          GError            **error);

/* Draws each of `runs` (StRun; NULL or empty for none) over the current run in a colour of
 * its own, from its epochs, named in the legend by what sets it apart from the others
 * (recipe-diff.h; its name when nothing does). The panel keeps copies. */
void         st_chart_panel_set_compared (StChartPanel       *self,
                                          GPtrArray          *runs);
/* The legend's labels of the runs compared, NULL-terminated; owned by the panel. */
const char * const *st_chart_panel_get_overlay_labels (StChartPanel *self);

G_END_DECLS
