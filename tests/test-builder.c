/* test-builder.c: the builder's keys, fields and structure, driven under Xvfb.
 *
 * Cases that need real input (F6 and Ctrl+Z where GTK's own widgets would take them, a drag
 * with the pointer) make it with xdotool on the display, giving the window the X focus;
 * without xdotool, or without an X11 display, those cases skip and say why. meson runs this
 * program alone, so that no other test's window takes the focus or the pointer. Without a
 * display every case skips.
 */
#define G_LOG_DOMAIN "strata-test"

#include "strata-config.h"

#include <adwaita.h>
#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#include "core/model/layer-types.h"
#include "ui/activations-view.h"
#include "ui/layer-list.h"
#include "ui/strata-window.h"
#include "ui/train-panel.h"
#include "ui-test-util.h"

static gboolean have_display;

#define SKIP_WITHOUT_DISPLAY() \
  if (!have_display) { g_test_skip ("no display (run under xvfb-run)"); return; }

/* ---- the window and its cards ------------------------------------------------------------ */

static StModelDocument *
document (StWindow *window)
{
  return st_window_get_document (window);
}

static const char *
shape_of (StWindow *window, const char *path)
{
  StLayerCard *c = ui_test_card (window, path);

  return c != NULL ? st_layer_card_get_shape_text (c) : NULL;
}

static const char *
totals (StWindow *window)
{
  return st_layer_list_get_totals (ui_test_layer_list (window));
}

static const StNode *
top_layer (StWindow *window, guint i)
{
  return g_ptr_array_index (st_model_document_get_spec (document (window))->layers, i);
}

static void
start_empty (StWindow *window, gint64 c, gint64 h, gint64 w)
{
  StShape input = st_shape_chw (c, h, w);

  st_model_document_set_spec (document (window), st_spec_new ("built", &input));
  ui_test_spin (50);
}

/* ---- real keys ----------------------------------------------------------------------------- */

/* Why keys cannot be sent here, or NULL when they can. */
static const char *
keys_unavailable (StWindow *window)
{
#ifdef GDK_WINDOWING_X11
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");

  if (!GDK_IS_X11_SURFACE (gtk_native_get_surface (GTK_NATIVE (window))))
    return "not an X11 display: keys are sent with xdotool";
  if (xdotool == NULL)
    return "xdotool is not installed: it sends the keys";
  return NULL;
#else
  return "GTK without X11: keys are sent with xdotool";
#endif
}

/* Presses `keys` ("F6", "ctrl+z") in the window, as a person would, with the focus where it
 * is now. */
static void
press (StWindow *window, const char *keys)
{
#ifdef GDK_WINDOWING_X11
  g_autofree char *xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (
                                            gtk_native_get_surface (GTK_NATIVE (window))));
  const char *argv[] = { "xdotool", "windowfocus", xid, "key", "--clearmodifiers", keys, NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  ui_test_spin (150);
#endif
}

/* Types `text` into the field, replacing what it holds, key by key. */
static void
type_keys (StWindow *window, GtkEditable *field, const char *text)
{
  gtk_widget_grab_focus (GTK_WIDGET (field));
  ui_test_spin (20);
  press (window, "ctrl+a");
  for (const char *c = text; *c != '\0'; c++)
    {
      char key[2] = { *c, '\0' };

      press (window, key);
    }
}

/* ---- F6 ------------------------------------------------------------------------------------ */

static gboolean
is_running (gpointer window)
{
  return st_train_panel_get_state (ui_test_train_panel (window)) == ST_TRAINER_RUNNING;
}

static gboolean
is_paused (gpointer window)
{
  return st_train_panel_get_state (ui_test_train_panel (window)) == ST_TRAINER_PAUSED;
}

/* F6 pauses the run with the focus in a builder field, inside the window's panes (whose own
 * F6 moves the focus between them), as it does anywhere else. */
static void
test_f6_pauses_from_a_field (void)
{
  StWindow *window;
  StTrainConfig config;
  GtkEditable *field;
  const char *why;

  SKIP_WITHOUT_DISPLAY ();
  window = ui_test_open_window ();
  if ((why = keys_unavailable (window)) != NULL)
    {
      g_test_skip (why);
      gtk_window_destroy (GTK_WINDOW (window));
      return;
    }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preset", "s", "toy"));
  ui_test_spin (50);
  st_train_panel_get_config (ui_test_train_panel (window), &config);
  config.epochs = 100000;
  st_train_panel_load_config (ui_test_train_panel (window), &config);
  st_train_config_clear (&config);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train-start", NULL));
  g_assert_true (ui_test_spin_until (is_running, window, 30000));

  field = st_layer_card_get_field (ui_test_card (window, "0"), ST_ARG_KERNEL_SIZE);
  g_assert_nonnull (field);
  gtk_widget_grab_focus (GTK_WIDGET (field));
  ui_test_spin (50);
  g_assert_true (gtk_widget_has_focus (gtk_editable_get_delegate (field) != NULL
                                       ? GTK_WIDGET (gtk_editable_get_delegate (field))
                                       : GTK_WIDGET (field)));
  press (window, "F6");
  g_assert_true (ui_test_spin_until (is_paused, window, 5000));
  /* and again, from the same field, resumes */
  gtk_widget_grab_focus (GTK_WIDGET (field));
  ui_test_spin (20);
  press (window, "F6");
  g_assert_true (ui_test_spin_until (is_running, window, 5000));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.train-stop", NULL));
  g_assert_true (ui_test_spin_until (ui_test_run_over, window, 10000));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- fields -------------------------------------------------------------------------------- */

/* An emptied field (a value is required) and text that is no value put the layer in error
 * with the model's value kept: its shape and every shape after it are unknown, the totals
 * say they fall short, the footer counts the error. A value again puts all back, and the
 * history holds no step that does nothing. */
static void
test_invalid_field_is_an_error (void)
{
  static const char *bad[] = { "", "abc" };
  StWindow *window;

  SKIP_WITHOUT_DISPLAY ();
  window = ui_test_open_window ();
  g_assert_nonnull (strstr (totals (window), "no errors"));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("kernel_size “%s”", bad[i]);
      ui_test_type_into (window, "0", ST_ARG_KERNEL_SIZE, bad[i]);
      g_assert_cmpint (top_layer (window, 0)->args.v[ST_ARG_KERNEL_SIZE].i[0], ==, 5);
      g_assert_nonnull (st_layer_card_get_error_text (ui_test_card (window, "0")));
      g_assert_nonnull (strstr (st_layer_card_get_error_text (ui_test_card (window, "0")), "kernel_size"));
      g_assert_cmpstr (shape_of (window, "0"), ==, "?");
      g_assert_cmpstr (shape_of (window, "1"), ==, "?");
      g_assert_cmpstr (shape_of (window, "4"), ==, "?");
      g_assert_cmpuint (st_model_document_get_infer (document (window))->n_errors, ==, 1);
      g_assert_null (strstr (totals (window), "no errors"));
      g_assert_nonnull (strstr (totals (window), "1 error"));
      g_assert_nonnull (strstr (totals (window), "at least"));
      g_assert_null (strstr (totals (window), "61,706"));
    }
  ui_test_type_into (window, "0", ST_ARG_KERNEL_SIZE, "5");
  g_assert_null (st_layer_card_get_error_text (ui_test_card (window, "0")));
  g_assert_cmpstr (shape_of (window, "0"), ==, "6×28×28");
  g_assert_nonnull (strstr (totals (window), "61,706"));
  g_assert_nonnull (strstr (totals (window), "no errors"));
  g_assert_false (st_model_document_can_undo (document (window)));
  g_assert_false (st_model_document_get_modified (document (window)));

  /* Typing away and back again leaves no step either. */
  ui_test_type_into (window, "0", ST_ARG_KERNEL_SIZE, "3");
  g_assert_true (st_model_document_can_undo (document (window)));
  ui_test_type_into (window, "0", ST_ARG_KERNEL_SIZE, "(5, 5)");
  g_assert_false (st_model_document_can_undo (document (window)));
  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkEditable *
kernel_field (StWindow *window)
{
  StLayerCard *c = ui_test_card (window, "0");

  g_assert_nonnull (c);
  return st_layer_card_get_field (c, ST_ARG_KERNEL_SIZE);
}

static gboolean
focus_in_kernel_field (gpointer window)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  StLayerCard *c = st_layer_list_find_card (ui_test_layer_list (window), "0");
  GtkEditable *field = c != NULL ? st_layer_card_get_field (c, ST_ARG_KERNEL_SIZE) : NULL;

  return focus != NULL && field != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (field));
}

/* Ctrl+Z in a field undoes the model's last step, not the field's own typing, and leaves no
 * step behind; the focus stays in the field, where Ctrl+Shift+Z redoes the step. */
static void
test_ctrl_z_in_a_field (void)
{
  StWindow *window;
  StModelDocument *doc;
  const char *why;

  SKIP_WITHOUT_DISPLAY ();
  window = ui_test_open_window ();
  doc = document (window);
  if ((why = keys_unavailable (window)) != NULL)
    {
      g_test_skip (why);
      gtk_window_destroy (GTK_WINDOW (window));
      return;
    }
  type_keys (window, kernel_field (window), "3");
  g_assert_cmpstr (gtk_editable_get_text (kernel_field (window)), ==, "3");
  g_assert_cmpint (top_layer (window, 0)->args.v[ST_ARG_KERNEL_SIZE].i[0], ==, 3);
  g_assert_true (st_model_document_can_undo (doc));

  gtk_widget_grab_focus (GTK_WIDGET (kernel_field (window)));
  ui_test_spin (20);
  press (window, "ctrl+z");
  g_assert_cmpint (top_layer (window, 0)->args.v[ST_ARG_KERNEL_SIZE].i[0], ==, 5);
  g_assert_false (st_model_document_can_undo (doc));
  g_assert_true (st_model_document_can_redo (doc));
  g_assert_cmpstr (gtk_editable_get_text (kernel_field (window)), ==, "5");
  /* The cards are new after undo; the focus goes back to the field it was in. */
  g_assert_true (ui_test_spin_until (focus_in_kernel_field, window, 2000));

  press (window, "ctrl+shift+z");
  g_assert_cmpint (top_layer (window, 0)->args.v[ST_ARG_KERNEL_SIZE].i[0], ==, 3);
  g_assert_cmpstr (gtk_editable_get_text (kernel_field (window)), ==, "3");
  g_assert_true (st_model_document_can_undo (doc));
  g_assert_false (st_model_document_can_redo (doc));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- structure ----------------------------------------------------------------------------- */

static GtkWidget *
list_view (StWindow *window)
{
  GtkWidget *found = GTK_WIDGET (ui_test_layer_list (window));

  while (found != NULL && !GTK_IS_LIST_VIEW (found))
    {
      GtkWidget *child = gtk_widget_get_first_child (found);

      while (child != NULL && gtk_widget_get_first_child (child) == NULL)
        child = gtk_widget_get_next_sibling (child);
      found = child;
    }
  return found;
}

/* The rows on screen that show themselves selected or hold the focus; `selected`: the layer
 * of the one that shows itself selected. */
static void
shown_rows (StWindow *window, int *n_selected, int *n_focused, const StNode **selected)
{
  GtkWidget *view = list_view (window);

  *n_selected = *n_focused = 0;
  *selected = NULL;
  g_assert_nonnull (view);
  for (GtkWidget *row = gtk_widget_get_first_child (view); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *child = gtk_widget_get_first_child (row);
      GtkStateFlags flags = gtk_widget_get_state_flags (row);

      if (!gtk_widget_get_mapped (row) || child == NULL || !ST_IS_LAYER_CARD (child)
          || st_layer_card_get_item (ST_LAYER_CARD (child)) == NULL)
        continue;
      if (flags & GTK_STATE_FLAG_SELECTED)
        {
          (*n_selected)++;
          *selected = st_layer_item_get_node (st_layer_card_get_item (ST_LAYER_CARD (child)));
        }
      if (flags & (GTK_STATE_FLAG_FOCUSED | GTK_STATE_FLAG_FOCUS_WITHIN))
        (*n_focused)++;
    }
}

static void
assert_one_current_row (StWindow *window, const StNode *expected)
{
  int n_selected, n_focused;
  const StNode *selected;

  ui_test_spin (150);
  shown_rows (window, &n_selected, &n_focused, &selected);
  g_assert_cmpint (n_selected, ==, 1);
  g_assert_cmpint (n_focused, <=, 1);
  g_assert_true (selected == expected);
  g_assert_true (st_layer_item_get_node (st_layer_list_get_selected (ui_test_layer_list (window)))
                 == expected);
  if (selected != NULL)
    {
      g_autofree char *title = g_strdup (selected->type_name);

      g_test_message ("selected: %s", title);
    }
}

/* After a delete one row is current, shown selected and holding the focus: by the key, the
 * layer that took the deleted one's place; by another card's button, the layer that was
 * selected before. */
static gboolean
has_ten_layers (gpointer window)
{
  return st_model_document_get_spec (document (window))->layers->len == 10;
}

static void
test_one_selected_after_delete (void)
{
  StWindow *window;
  const StNode *next, *kept;
  GtkWidget *trash;

  SKIP_WITHOUT_DISPLAY ();
  window = ui_test_open_window ();
  /* lenet5: 0 Conv2d, 1 Sigmoid, 2 AvgPool2d, 3 Conv2d, 4 Sigmoid, 5 AvgPool2d, ... */
  st_layer_list_select_node (ui_test_layer_list (window), top_layer (window, 3));
  ui_test_spin (50);
  gtk_widget_grab_focus (gtk_widget_get_parent (GTK_WIDGET (ui_test_card (window, "3"))));
  next = top_layer (window, 4);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-layer", NULL));
  assert_one_current_row (window, next);

  /* the trash button of a card before the selected one, as a click leaves it: focused */
  kept = top_layer (window, 3);
  trash = st_layer_card_get_remove_button (ui_test_card (window, "1"));
  gtk_widget_grab_focus (trash);
  g_signal_emit_by_name (trash, "clicked");
  g_assert_true (ui_test_spin_until (has_ten_layers, window, 5000));
  assert_one_current_row (window, kept);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The card of the section row that heads `seq` (a branch, a body, a shortcut). */
static StLayerCard *
section_card (StWindow *window, GPtrArray *seq)
{
  for (int tries = 0; tries < 50; tries++)
    {
      for (GtkWidget *row = gtk_widget_get_first_child (list_view (window)); row != NULL;
           row = gtk_widget_get_next_sibling (row))
        {
          GtkWidget *child = gtk_widget_get_first_child (row);
          StLayerItem *item;

          if (child == NULL || !ST_IS_LAYER_CARD (child) || !gtk_widget_get_mapped (row))
            continue;
          item = st_layer_card_get_item (ST_LAYER_CARD (child));
          if (item != NULL && st_layer_item_get_kind (item) == ST_ROW_SECTION
              && st_layer_item_get_seq (item) == seq)
            return ST_LAYER_CARD (child);
        }
      ui_test_spin (20);
    }
  return NULL;
}

static void
click_remove (StLayerCard *c)
{
  GtkWidget *button;

  g_assert_nonnull (c);
  button = st_layer_card_get_remove_button (c);
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  ui_test_spin (50);
}

/* A Concat's branch and a Residual's shortcut each have a button that removes them with
 * their layers, in one undo step; the last branch and the body stay. */
static void
test_remove_branch_and_shortcut (void)
{
  StWindow *window;
  StModelDocument *doc;
  const StNode *concat, *residual;
  g_autoptr (GError) error = NULL;

  SKIP_WITHOUT_DISPLAY ();
  window = ui_test_open_window ();
  doc = document (window);
  start_empty (window, 2, 8, 8);
  ui_test_add_layer (window, "Concat");
  concat = top_layer (window, 0);
  g_assert_cmpuint (concat->branches->len, ==, 2);
  /* a layer in the second branch: rows are input, Concat, Branch 1, Branch 2 */
  st_layer_list_select_row (ui_test_layer_list (window), 3);
  ui_test_add_layer (window, "ReLU");
  concat = top_layer (window, 0);
  g_assert_cmpuint (((GPtrArray *) g_ptr_array_index (concat->branches, 1))->len, ==, 1);
  g_assert_cmpstr (shape_of (window, "0"), ==, "4×8×8");

  click_remove (section_card (window, g_ptr_array_index (concat->branches, 1)));
  concat = top_layer (window, 0);
  g_assert_cmpuint (concat->branches->len, ==, 1);
  g_assert_cmpuint (((GPtrArray *) g_ptr_array_index (concat->branches, 0))->len, ==, 0);
  g_assert_cmpstr (shape_of (window, "0"), ==, "2×8×8");
  /* the last branch stays */
  g_assert_false (gtk_widget_is_sensitive (st_layer_card_get_remove_button (
                    section_card (window, g_ptr_array_index (concat->branches, 0)))));
  g_assert_false (st_model_document_remove_section (doc, g_ptr_array_index (concat->branches, 0),
                                                    &error));
  g_assert_error (error, ST_MODEL_DOCUMENT_ERROR, ST_MODEL_DOCUMENT_ERROR_PLACE);
  g_clear_error (&error);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  ui_test_spin (50);
  concat = top_layer (window, 0);
  g_assert_cmpuint (concat->branches->len, ==, 2);
  g_assert_cmpuint (((GPtrArray *) g_ptr_array_index (concat->branches, 1))->len, ==, 1);
  g_assert_cmpstr (shape_of (window, "0"), ==, "4×8×8");

  /* A Residual's shortcut; its body has no such button. */
  start_empty (window, 2, 8, 8);
  ui_test_add_layer (window, "Residual");
  g_assert_true (st_model_document_add_branch (doc, (StNode *) top_layer (window, 0), &error));
  g_assert_no_error (error);
  ui_test_spin (50);
  residual = top_layer (window, 0);
  g_assert_nonnull (residual->shortcut);
  g_assert_false (gtk_widget_get_visible (st_layer_card_get_remove_button (
                    section_card (window, residual->body))));
  click_remove (section_card (window, residual->shortcut));
  g_assert_null (top_layer (window, 0)->shortcut);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  ui_test_spin (50);
  g_assert_nonnull (top_layer (window, 0)->shortcut);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  ui_test_spin (50);
  g_assert_null (top_layer (window, 0)->shortcut);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Moves the pointer over (x, y) of `widget` with xdotool, then runs `then` ("mousedown 1",
 * "mouseup 1" or ""). */
static void
pointer_at (StWindow *window, GtkWidget *widget, double x, double y, const char *then)
{
#ifdef GDK_WINDOWING_X11
  graphene_point_t at;
  g_autofree char *xid = NULL;
  g_autofree char *px = NULL;
  g_autofree char *py = NULL;
  g_auto (GStrv) more = g_strsplit (then, " ", -1);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (window),
                                           &GRAPHENE_POINT_INIT (x, y), &at));
  xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (
                           gtk_native_get_surface (GTK_NATIVE (window))));
  px = g_strdup_printf ("%d", (int) at.x);
  py = g_strdup_printf ("%d", (int) at.y);
  g_ptr_array_add (argv, (char *) "xdotool");
  g_ptr_array_add (argv, (char *) "mousemove");
  g_ptr_array_add (argv, (char *) "--window");
  g_ptr_array_add (argv, xid);
  g_ptr_array_add (argv, px);
  g_ptr_array_add (argv, py);
  for (int i = 0; more[i] != NULL; i++)
    if (more[i][0] != '\0')
      g_ptr_array_add (argv, more[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  ui_test_spin (100);
#endif
}

/* The cards on screen that show an insertion line, and the last of them. */
static int
cards_with_line (StWindow *window, StLayerCard **which)
{
  int n = 0;

  *which = NULL;
  for (GtkWidget *row = gtk_widget_get_first_child (list_view (window)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *child = gtk_widget_get_first_child (row);

      if (child != NULL && ST_IS_LAYER_CARD (child) && gtk_widget_get_mapped (row)
          && st_layer_card_get_drop_line (ST_LAYER_CARD (child)) != ST_DROP_LINE_NONE)
        {
          n++;
          *which = ST_LAYER_CARD (child);
        }
    }
  return n;
}

static gboolean
one_line (gpointer window)
{
  StLayerCard *lined;

  return cards_with_line (window, &lined) == 1;
}

/* A card dragged within the list shows itself as it is, and a line shows where it will land:
 * above the card under the pointer on its upper half, and on a block's lower half below the
 * block's last row, since it lands after the block. The drop puts it there; the line goes. */
static void
test_drag_shows_where (void)
{
  StWindow *window;
  StLayerCard *from, *lined;
  g_autoptr (GdkPaintable) icon = NULL;
  g_autoptr (GError) error = NULL;
  const char *why;
  StNodePlace place;

  SKIP_WITHOUT_DISPLAY ();
  window = ui_test_open_window ();
  if ((why = keys_unavailable (window)) != NULL)
    {
      g_test_skip (why);
      gtk_window_destroy (GTK_WINDOW (window));
      return;
    }
  /* lenet5: Conv2d (3) onto the upper half of Sigmoid (1) */
  from = ui_test_card (window, "3");
  icon = st_layer_card_snapshot_icon (from);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (icon), ==,
                   gtk_widget_get_width (GTK_WIDGET (from)));
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (icon), ==,
                   gtk_widget_get_height (GTK_WIDGET (from)));
  pointer_at (window, GTK_WIDGET (from), 60, 10, "mousedown 1");
  pointer_at (window, GTK_WIDGET (from), 60, 40, "");
  pointer_at (window, GTK_WIDGET (ui_test_card (window, "2")), 60, 30, "");
  pointer_at (window, GTK_WIDGET (ui_test_card (window, "1")), 60, 8, "");
  /* the drag starts once GTK has seen the pointer move far enough: a loaded machine is slow */
  g_assert_true (ui_test_spin_until (one_line, window, 5000));
  g_assert_cmpint (cards_with_line (window, &lined), ==, 1);
  g_assert_true (lined == ui_test_card (window, "1"));
  if (lined != NULL)
    g_assert_cmpint (st_layer_card_get_drop_line (lined), ==, ST_DROP_LINE_ABOVE);
  pointer_at (window, GTK_WIDGET (ui_test_card (window, "1")), 60, 8, "mouseup 1");
  ui_test_spin (300);
  g_assert_cmpstr (top_layer (window, 1)->type_name, ==, "Conv2d");
  g_assert_cmpint (top_layer (window, 1)->args.v[ST_ARG_OUT_CHANNELS].i[0], ==, 16);
  g_assert_cmpint (cards_with_line (window, &lined), ==, 0);

  /* ReLU (0) onto the lower half of the Residual (1): below the Residual's last row. */
  start_empty (window, 2, 8, 8);
  ui_test_add_layer (window, "ReLU");
  ui_test_add_layer (window, "Residual");
  place.seq = top_layer (window, 1)->body;
  place.index = 0;
  g_assert_nonnull (st_model_document_insert (document (window), &place, "Sigmoid", &error));
  g_assert_no_error (error);
  ui_test_spin (50);
  from = ui_test_card (window, "0");
  pointer_at (window, GTK_WIDGET (from), 60, 10, "mousedown 1");
  pointer_at (window, GTK_WIDGET (from), 60, 30, "");
  pointer_at (window, GTK_WIDGET (ui_test_card (window, "1")), 60, 10, "");
  pointer_at (window, GTK_WIDGET (ui_test_card (window, "1")), 60,
              gtk_widget_get_height (GTK_WIDGET (ui_test_card (window, "1"))) - 6, "");
  g_assert_true (ui_test_spin_until (one_line, window, 5000));
  g_assert_cmpint (cards_with_line (window, &lined), ==, 1);
  g_assert_true (lined == ui_test_card (window, "1.body.0"));
  if (lined != NULL)
    g_assert_cmpint (st_layer_card_get_drop_line (lined), ==, ST_DROP_LINE_BELOW);
  pointer_at (window, GTK_WIDGET (ui_test_card (window, "1")), 60,
              gtk_widget_get_height (GTK_WIDGET (ui_test_card (window, "1"))) - 6, "mouseup 1");
  ui_test_spin (300);
  g_assert_cmpstr (top_layer (window, 0)->type_name, ==, "Residual");
  g_assert_cmpstr (top_layer (window, 1)->type_name, ==, "ReLU");
  g_assert_cmpint (cards_with_line (window, &lined), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  int status;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  have_display = ui_test_init (FALSE);
  g_test_add_func ("/builder/f6-pauses-from-a-field", test_f6_pauses_from_a_field);
  g_test_add_func ("/builder/invalid-field-is-an-error", test_invalid_field_is_an_error);
  g_test_add_func ("/builder/ctrl-z-in-a-field", test_ctrl_z_in_a_field);
  g_test_add_func ("/builder/one-selected-after-delete", test_one_selected_after_delete);
  g_test_add_func ("/builder/remove-branch-and-shortcut", test_remove_branch_and_shortcut);
  g_test_add_func ("/builder/drag-shows-where", test_drag_shows_where);
  status = g_test_run ();
  st_activations_view_wait_for_workers ();
  return status;
}
