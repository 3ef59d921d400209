/* ui-test-util.h: what the widget tests share — start-up with or without a display, waiting
 * on the main loop, and a widget's last frame as pixels or a PNG.
 *
 * The waits take a guard in seconds: work that never ends fails the case instead of hanging.
 */
#pragma once

#include <gtk/gtk.h>

#include "ui/layer-card.h"
#include "ui/layer-list.h"
#include "ui/strata-window.h"
#include "ui/train-panel.h"

G_BEGIN_DECLS

gboolean ui_test_init (gboolean light);

void     ui_test_add_case (gboolean          display,
                           const char       *path,
                           gsize             fixture_size,
                           GTestFixtureFunc  set_up,
                           GTestFixtureFunc  test,
                           GTestFixtureFunc  tear_down);

/* ui_test_add_case () for a fixture type and functions taking (Fixture *, gconstpointer). */
#define UI_TEST_ADD(display, path, Fixture, set_up, test, tear_down)                        \
  ui_test_add_case ((display), (path), sizeof (Fixture), (GTestFixtureFunc) (set_up),       \
                    (GTestFixtureFunc) (test), (GTestFixtureFunc) (tear_down))

/* The type of a table of such cases: { "/path", test } with test (Fixture *, gconstpointer). */
#define UI_TEST_CASE(Fixture)                                                                 \
  struct { const char *path; void (*func) (Fixture *, gconstpointer); }

/* Adds every case of the table `cases`, all with the same set-up and tear-down. */
#define UI_TEST_ADD_CASES(display, cases, Fixture, set_up, tear_down)                        \
  G_STMT_START {                                                                            \
    gboolean ui_test_display_ = (display);                                                  \
                                                                                            \
    for (gsize ui_test_i_ = 0; ui_test_i_ < G_N_ELEMENTS (cases); ui_test_i_++)             \
      UI_TEST_ADD (ui_test_display_, (cases)[ui_test_i_].path, Fixture, (set_up),           \
                   (cases)[ui_test_i_].func, (tear_down));                                  \
  } G_STMT_END

gboolean ui_test_spin_until     (gboolean (*cond) (gpointer), gpointer data, int ms);
void     ui_test_spin           (int ms);
gboolean ui_test_wait_until     (gboolean (*done) (gpointer), gpointer data, guint guard_seconds);
void     ui_test_wait_for_frame (GtkWidget *widget, guint guard_seconds);

GtkWindow *ui_test_find_toplevel (GType type, int ms);

/* The first widget under root (itself included), depth first, named `name`
 * (gtk_widget_set_name), or NULL. */
GtkWidget *ui_test_find_named  (GtkWidget *root, const char *name);
/* The first widget of `type` under root, depth first, with this button label when `label` is
 * not NULL, or NULL. */
GtkWidget *ui_test_find_widget (GtkWidget *root, GType type, const char *label);

GdkTexture *ui_test_render_texture (GtkWidget *widget, GskRenderer *renderer);
guint8     *ui_test_render_pixels  (GtkWidget   *widget,
                                    GskRenderer *renderer,
                                    guint        guard_seconds,
                                    int         *width,
                                    int         *height);

/* ---- the workbench window, for test-window and test-builder ------------------------------- */

gboolean      ui_test_is_mapped   (gpointer widget);
/* A window on LeNet-5, 1400×1800, presented and mapped. */
StWindow     *ui_test_open_window (void);
StLayerList  *ui_test_layer_list  (StWindow *window);
StTrainPanel *ui_test_train_panel (StWindow *window);
/* The card of the layer at `path` ("0", "3.body.1"), waiting up to a second for it and up to
 * two for its layout. */
StLayerCard  *ui_test_card        (StWindow *window, const char *path);
/* Sets the text of argument `id`'s field on the card of `path`. */
void          ui_test_type_into   (StWindow *window, const char *path, StArgId id,
                                   const char *text);
/* win.add-layer with `type` ("ReLU"). */
void          ui_test_add_layer   (StWindow *window, const char *type);
/* TRUE once the window's run has ended (or never started). */
gboolean      ui_test_run_over    (gpointer window);

G_END_DECLS
