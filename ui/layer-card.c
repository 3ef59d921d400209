/* layer-card.c: one card of the layer stack.
 *
 * A field commits on every keystroke that makes a value: the document re-infers and every
 * card follows through its item's properties. Text that is no value (or an empty required
 * field) keeps the model's value but puts the layer in error until the field holds a value:
 * the card says why, and the shapes after it are unknown.
 */
#define G_LOG_DOMAIN "strata-builder"

#include "strata-config.h"

#include <glib/gi18n.h>

#include "ui/layer-card.h"
#include "core/model/layer-types.h"
#include "core/model/spec-edit.h"

#define INDENT_PX 22
#define MAX_PASTE 4096          /* a field takes a number; a longer paste is cut here */

struct _StLayerCard
{
  GtkWidget        parent_instance;

  /* children */
  GtkWidget       *box;
  GtkLabel        *title;
  GtkLabel        *path;
  GtkLabel        *shape;
  GtkLabel        *params;
  GtkLabel        *error;
  GtkWidget       *fields;      /* GtkFlowBox of argument fields */
  GtkWidget       *add_branch;
  GtkWidget       *duplicate;
  GtkWidget       *remove;

  /* borrowed */
  StModelDocument *document;

  /* owned */
  StLayerItem     *item;
  GtkEditable     *field_of[ST_N_ARGS];
  GtkSwitch       *switch_of[ST_N_ARGS];  /* the boolean arguments */
  char            *field_error;  /* the last text that was no value, or NULL */
  gulong           notify_id;
  gboolean         filling;      /* setting fields from the model, not from typing */
  StDropLine       drop_line;
};

G_DEFINE_FINAL_TYPE (StLayerCard, st_layer_card, GTK_TYPE_WIDGET)

static void
show_error (StLayerCard *self)
{
  const char *inferred = self->item != NULL ? st_layer_item_get_error (self->item) : NULL;
  g_autofree char *text = NULL;

  /* A field's text that is no value is usually the layer's error too: said once. */
  if (self->field_error != NULL && inferred != NULL && !g_str_equal (self->field_error, inferred))
    text = g_strdup_printf ("%s\n%s", self->field_error, inferred);
  else
    text = g_strdup (self->field_error != NULL ? self->field_error : inferred);

  gtk_label_set_text (self->error, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error), text != NULL);
  if (text != NULL)
    gtk_widget_add_css_class (self->box, "has-error");
  else
    gtk_widget_remove_css_class (self->box, "has-error");

  /* Mark the field the inference blames. */
  for (int id = 0; id < ST_N_ARGS; id++)
    if (self->field_of[id] != NULL)
      {
        const char *arg = self->item != NULL ? st_layer_item_get_error_arg (self->item) : NULL;
        gboolean blamed = arg != NULL && g_str_equal (arg, st_arg_name (id));

        if (blamed && !gtk_widget_has_css_class (GTK_WIDGET (self->field_of[id]), "arg-invalid"))
          gtk_widget_add_css_class (GTK_WIDGET (self->field_of[id]), "error");
        else if (!blamed)
          gtk_widget_remove_css_class (GTK_WIDGET (self->field_of[id]), "error");
      }
}

static void
item_notify (StLayerCard *self)
{
  const char *shape = st_layer_item_get_shape (self->item);
  const char *params = st_layer_item_get_params (self->item);

  gtk_label_set_text (self->shape, shape != NULL ? shape : "");
  gtk_label_set_text (self->params, params != NULL ? params : "");
  show_error (self);
}

static void
field_changed (GtkEditable *field, StLayerCard *self)
{
  StArgId id = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (field), "st-arg"));
  const char *text = gtk_editable_get_text (field);
  g_autoptr (GError) error = NULL;

  if (self->filling || self->item == NULL)
    return;
  if (strlen (text) > MAX_PASTE)
    {
      g_autofree char *cut = g_strndup (text, MAX_PASTE);

      gtk_editable_set_text (field, cut);     /* runs this handler again with the cut text */
      return;
    }
  g_clear_pointer (&self->field_error, g_free);
  if (st_layer_item_get_kind (self->item) == ST_ROW_INPUT)
    {
      StShape input;

      if (st_input_shape_parse (text, &input, &error))
        st_model_document_set_input (self->document, &input);
      else
        self->field_error = g_strdup (error->message);
    }
  else if (!st_model_document_set_arg_text (self->document, st_layer_item_get_node (self->item),
                                            id, text, &error))
    self->field_error = g_strdup (error->message);

  if (self->field_error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (field), "arg-invalid");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (field), "arg-invalid");
  if (self->item != NULL)
    show_error (self);
}

/* What the argument does, for its tooltip; for the arguments that size the output, PyTorch's
 * formula (of Conv2d, or of the pooling layers, which have no dilation). */
static char *
describe_arg (const StLayerType *type, StArgId id)
{
  const char *what = NULL;
  const char *formula = NULL;
  gboolean sizes = id == ST_ARG_KERNEL_SIZE || id == ST_ARG_STRIDE || id == ST_ARG_PADDING
                   || id == ST_ARG_DILATION;

  switch (id)
    {
    case ST_ARG_IN_CHANNELS:
      what = _("The channels of the input; left empty, taken from the layer before.");
      break;
    case ST_ARG_OUT_CHANNELS:
      what = _("The number of filters, which is the number of channels of the output.");
      break;
    case ST_ARG_KERNEL_SIZE:
      what = _("The height and width of the sliding window: one number, or a pair such as "
               "(3, 5).");
      break;
    case ST_ARG_STRIDE:
      what = _("How many pixels the window moves from one output to the next: one number, or "
               "a pair such as (2, 1).");
      break;
    case ST_ARG_PADDING:
      what = _("Pixels added on each side of the input before the window slides (zeros for a "
               "convolution).");
      break;
    case ST_ARG_DILATION:
      what = _("The spacing between the kernel’s taps: 2 leaves one pixel out between them.");
      break;
    case ST_ARG_BIAS:
      what = _("Whether the layer learns an offset added to each output channel or feature.");
      break;
    case ST_ARG_IN_FEATURES:
      what = _("The size of each input vector; left empty, taken from the layer before.");
      break;
    case ST_ARG_OUT_FEATURES:
      what = _("The size of each output vector.");
      break;
    case ST_ARG_NUM_PARAMETERS:
      what = _("How many slopes are learned: 1 shared by all channels, or one per channel.");
      break;
    case ST_ARG_INIT:
      what = _("The starting value of the learned slope.");
      break;
    case ST_ARG_NUM_FEATURES:
      what = _("The channels to normalise; left empty, taken from the layer before.");
      break;
    case ST_ARG_EPS:
      what = _("Added to the variance before dividing, so that nothing divides by zero.");
      break;
    case ST_ARG_MOMENTUM:
      what = _("How far the running mean and variance move towards each batch’s.");
      break;
    case ST_ARG_AFFINE:
      what = _("Whether the layer learns a scale and a shift for each channel.");
      break;
    case ST_ARG_P:
      what = _("The probability that an element is zeroed during training.");
      break;
    case ST_ARG_NEGATIVE_SLOPE:
      what = _("The slope for negative inputs.");
      break;
    case ST_ARG_OUTPUT_SIZE:
      what = _("The height and width of the output, whatever the input’s.");
      formula = _("Output size: out = output_size");
      break;
    case ST_ARG_INPLACE:
      what = _("Whether the layer overwrites its input to save memory; the result is the same.");
      break;
    case ST_N_ARGS:
      g_return_val_if_reached (NULL);
    }
  if (sizes && type != NULL && st_layer_type_arg (type, ST_ARG_DILATION) != NULL)
    formula = _("Output size, for the height and the width each: out = ⌊(in + 2·padding − "
                "dilation·(kernel_size − 1) − 1) / stride⌋ + 1");
  else if (sizes)
    formula = _("Output size, for the height and the width each: out = ⌊(in + 2·padding − "
                "kernel_size) / stride⌋ + 1");
  if (formula != NULL)
    return g_strdup_printf ("%s: %s\n%s", st_arg_name (id), what, formula);
  return g_strdup_printf ("%s: %s", st_arg_name (id), what);
}

/* A field's name beside its control, in a cell of the flow box that wraps them. */
static void
add_cell (StLayerCard *self, const char *name, GtkWidget *control, const char *tooltip)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *label = gtk_label_new (name);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip, -1);
  gtk_widget_set_tooltip_text (label, tooltip);
  gtk_widget_set_tooltip_text (control, tooltip);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), control);
  gtk_flow_box_append (GTK_FLOW_BOX (self->fields), box);
}

static GtkEditable *
add_field (StLayerCard *self, const char *name, const char *text, const char *placeholder,
           const char *tooltip, int id)
{
  GtkWidget *entry = gtk_entry_new ();

  /* Ctrl+Z and Ctrl+Shift+Z go to the model's history, which holds every field's typing. */
  gtk_editable_set_enable_undo (GTK_EDITABLE (entry), FALSE);
  gtk_editable_set_width_chars (GTK_EDITABLE (entry), 5);
  gtk_editable_set_max_width_chars (GTK_EDITABLE (entry), 8);
  gtk_editable_set_text (GTK_EDITABLE (entry), text != NULL ? text : "");
  if (placeholder != NULL)
    gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  g_object_set_data (G_OBJECT (entry), "st-arg", GINT_TO_POINTER (id));
  g_signal_connect (entry, "changed", G_CALLBACK (field_changed), self);
  add_cell (self, name, entry, tooltip);
  return GTK_EDITABLE (entry);
}

static void
switch_changed (GtkSwitch *toggle, GParamSpec *pspec, StLayerCard *self)
{
  StArgId id = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (toggle), "st-arg"));
  g_autoptr (GError) error = NULL;

  if (self->filling || self->item == NULL)
    return;
  if (!st_model_document_set_arg_text (self->document, st_layer_item_get_node (self->item), id,
                                       gtk_switch_get_active (toggle) ? "true" : "false", &error))
    g_message ("%s", error->message);
}

static GtkSwitch *
add_switch (StLayerCard *self, const char *name, gboolean active, const char *tooltip, int id)
{
  GtkWidget *toggle = gtk_switch_new ();

  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_switch_set_active (GTK_SWITCH (toggle), active);
  g_object_set_data (G_OBJECT (toggle), "st-arg", GINT_TO_POINTER (id));
  g_signal_connect (toggle, "notify::active", G_CALLBACK (switch_changed), self);
  add_cell (self, name, toggle, tooltip);
  return GTK_SWITCH (toggle);
}

static void
clear_fields (StLayerCard *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->fields)) != NULL)
    gtk_flow_box_remove (GTK_FLOW_BOX (self->fields), child);
  memset (self->field_of, 0, sizeof self->field_of);
  memset (self->switch_of, 0, sizeof self->switch_of);
}

static void
fill_fields (StLayerCard *self)
{
  StNode *node = st_layer_item_get_node (self->item);

  self->filling = TRUE;
  clear_fields (self);
  if (st_layer_item_get_kind (self->item) == ST_ROW_INPUT)
    {
      const StShape *in = &st_model_document_get_spec (self->document)->input;
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                                               ", %" G_GINT64_FORMAT,
                                               in->dim[0], in->dim[1], in->dim[2]);

      add_field (self, _("C, H, W"), text, NULL,
                 _("The shape of one input example: channels, height, width."), -1);
    }
  else if (node != NULL && node->type != NULL)
    for (int i = 0; i < node->type->n_args; i++)
      {
        const StArgSpec *arg = &node->type->args[i];
        g_autofree char *tooltip = describe_arg (node->type, arg->id);
        g_autofree char *text = NULL;
        g_autofree char *fallback = NULL;

        if (st_arg_kind (arg->id) == ST_ARG_KIND_BOOL)
          {
            gboolean active = st_node_has_arg (node, arg->id) ? node->args.v[arg->id].b
                                                                : arg->fallback.b;

            self->switch_of[arg->id] = add_switch (self, st_arg_name (arg->id), active, tooltip,
                                                   arg->id);
            continue;
          }
        /* The placeholder says what an empty field means. */
        text = st_node_format_arg (node, arg->id);
        if (arg->presence == ST_ARG_REQUIRED)
          fallback = g_strdup (_("required"));
        else if (arg->id == ST_ARG_STRIDE && arg->fallback.i[0] == 0)
          fallback = g_strdup (_("= kernel"));
        else if (arg->id == ST_ARG_IN_CHANNELS || arg->id == ST_ARG_IN_FEATURES
                 || arg->id == ST_ARG_NUM_FEATURES)
          fallback = g_strdup (_("inferred"));
        else
          fallback = st_arg_value_format (&arg->fallback, arg->id);
        self->field_of[arg->id] = add_field (self, st_arg_name (arg->id), text, fallback, tooltip,
                                             arg->id);
      }
  gtk_widget_set_visible (self->fields, gtk_widget_get_first_child (self->fields) != NULL);
  self->filling = FALSE;
}

typedef struct {
  StModelDocument *document;
  StNode          *node;
  GPtrArray       *section;     /* for "remove" on a section row: the branch or shortcut */
  const char      *what;
} CardAction;

/* Runs after the click: each of these rebuilds the list, which must not happen while the
 * card that was clicked is still handling the click. A node gone by then is reported. */
static gboolean
run_action (gpointer data)
{
  CardAction *a = data;
  g_autoptr (GError) error = NULL;

  if (g_str_equal (a->what, "remove") && a->section != NULL)
    st_model_document_remove_section (a->document, a->section, &error);
  else if (g_str_equal (a->what, "remove"))
    st_model_document_remove (a->document, a->node, &error);
  else if (g_str_equal (a->what, "duplicate"))
    st_model_document_duplicate (a->document, a->node, &error);
  else
    st_model_document_add_branch (a->document, a->node, &error);
  if (error != NULL)
    g_message ("%s", error->message);
  g_object_unref (a->document);
  g_free (a);
  return G_SOURCE_REMOVE;
}

static void
action_clicked (GtkButton *button, StLayerCard *self)
{
  CardAction *a;
  gboolean section;

  if (self->item == NULL)
    return;
  section = st_layer_item_get_kind (self->item) == ST_ROW_SECTION;
  if (st_layer_item_get_node (self->item) == NULL && !section)
    return;
  a = g_new0 (CardAction, 1);
  a->document = g_object_ref (self->document);
  a->node = st_layer_item_get_node (self->item);
  a->section = section ? st_layer_item_get_seq (self->item) : NULL;
  a->what = g_object_get_data (G_OBJECT (button), "st-action");
  g_idle_add (run_action, a);
}

static GtkWidget *
icon_button (StLayerCard *self, const char *icon, const char *tooltip, const char *what)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (button, tooltip);
  g_object_set_data (G_OBJECT (button), "st-action", (gpointer) what);
  g_signal_connect (button, "clicked", G_CALLBACK (action_clicked), self);
  return button;
}

void
st_layer_card_bind (StLayerCard *self, StLayerItem *item)
{
  StRowKind kind;

  g_return_if_fail (ST_IS_LAYER_CARD (self));
  g_return_if_fail (ST_IS_LAYER_ITEM (item));

  st_layer_card_unbind (self);
  self->item = g_object_ref (item);
  kind = st_layer_item_get_kind (item);

  gtk_widget_set_margin_start (self->box, INDENT_PX * st_layer_item_get_depth (item));
  gtk_label_set_text (self->title, st_layer_item_get_title (item));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title), st_layer_item_get_title (item));
  gtk_label_set_text (self->path, st_layer_item_get_path (item) != NULL
                                  ? st_layer_item_get_path (item) : "");
  if (st_layer_item_get_summary_name (item) != NULL)
    {
      g_autofree char *tip = g_strdup_printf (_("%s in the model, as PyTorch prints it; the "
                                                "summary table calls it %s"),
                                              st_layer_item_get_path (item),
                                              st_layer_item_get_summary_name (item));

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->path), tip);
    }
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->path), NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->path), kind == ST_ROW_LAYER || kind == ST_ROW_BLOCK);
  gtk_widget_set_visible (self->duplicate, kind == ST_ROW_LAYER || kind == ST_ROW_BLOCK);
  gtk_widget_set_visible (self->remove, kind == ST_ROW_LAYER || kind == ST_ROW_BLOCK);
  gtk_widget_set_sensitive (self->remove, TRUE);
  gtk_widget_set_tooltip_text (self->remove, _("Delete (Delete)"));
  gtk_widget_set_visible (self->add_branch, kind == ST_ROW_BLOCK);
  if (kind == ST_ROW_SECTION && st_layer_item_get_block (item) != NULL)
    {
      StNode *block = st_layer_item_get_block (item);
      GPtrArray *seq = st_layer_item_get_seq (item);

      /* A Concat's branch (while it has another) and a Residual's shortcut can go; the body
       * is the block. */
      gtk_widget_set_visible (self->remove, block->branches != NULL || block->shortcut == seq);
      gtk_widget_set_sensitive (self->remove, block->shortcut == seq
                                              || (block->branches != NULL
                                                  && block->branches->len > 1));
      gtk_widget_set_tooltip_text (self->remove, block->branches != NULL
                                   ? _("Remove this branch and its layers")
                                   : _("Remove the shortcut and its layers"));
    }
  if (kind == ST_ROW_BLOCK)
    {
      StNode *node = st_layer_item_get_node (item);

      gtk_widget_set_tooltip_text (self->add_branch, node->branches != NULL
                                   ? _("Add a branch") : _("Add a shortcut"));
      gtk_widget_set_sensitive (self->add_branch, node->branches != NULL || node->shortcut == NULL);
    }
  gtk_widget_remove_css_class (self->box, "block-card");
  gtk_widget_remove_css_class (self->box, "section-card");
  if (kind == ST_ROW_BLOCK)
    gtk_widget_add_css_class (self->box, "block-card");
  else if (kind == ST_ROW_SECTION)
    gtk_widget_add_css_class (self->box, "section-card");
  gtk_widget_set_visible (GTK_WIDGET (self->shape), kind != ST_ROW_SECTION);
  gtk_widget_set_visible (GTK_WIDGET (self->params), kind == ST_ROW_LAYER || kind == ST_ROW_BLOCK);

  g_clear_pointer (&self->field_error, g_free);
  fill_fields (self);
  self->notify_id = g_signal_connect_swapped (item, "notify", G_CALLBACK (item_notify), self);
  item_notify (self);
}

void
st_layer_card_unbind (StLayerCard *self)
{
  g_return_if_fail (ST_IS_LAYER_CARD (self));

  if (self->item == NULL)
    return;
  g_clear_signal_handler (&self->notify_id, self->item);
  g_clear_object (&self->item);
  st_layer_card_set_drop_line (self, ST_DROP_LINE_NONE);
  self->filling = TRUE;
  clear_fields (self);
  self->filling = FALSE;
}

StLayerItem *
st_layer_card_get_item (StLayerCard *self)
{
  g_return_val_if_fail (ST_IS_LAYER_CARD (self), NULL);
  return self->item;
}

void
st_layer_card_set_drop_line (StLayerCard *self, StDropLine line)
{
  g_return_if_fail (ST_IS_LAYER_CARD (self));

  if (self->drop_line == line)
    return;
  self->drop_line = line;
  if (line == ST_DROP_LINE_ABOVE)
    gtk_widget_add_css_class (self->box, "drop-above");
  else
    gtk_widget_remove_css_class (self->box, "drop-above");
  if (line == ST_DROP_LINE_BELOW)
    gtk_widget_add_css_class (self->box, "drop-below");
  else
    gtk_widget_remove_css_class (self->box, "drop-below");
}

StDropLine
st_layer_card_get_drop_line (StLayerCard *self)
{
  g_return_val_if_fail (ST_IS_LAYER_CARD (self), ST_DROP_LINE_NONE);
  return self->drop_line;
}

GdkPaintable *
st_layer_card_snapshot_icon (StLayerCard *self)
{
  g_autoptr (GdkPaintable) live = NULL;

  g_return_val_if_fail (ST_IS_LAYER_CARD (self), NULL);

  /* The live paintable would follow the card, which the list recycles for other rows. */
  live = gtk_widget_paintable_new (self->box);
  return gdk_paintable_get_current_image (live);
}

GtkEditable *
st_layer_card_get_field (StLayerCard *self, StArgId id)
{
  g_return_val_if_fail (ST_IS_LAYER_CARD (self), NULL);
  g_return_val_if_fail (id < ST_N_ARGS, NULL);
  return self->field_of[id];
}

GtkSwitch *
st_layer_card_get_switch (StLayerCard *self, StArgId id)
{
  g_return_val_if_fail (ST_IS_LAYER_CARD (self), NULL);
  g_return_val_if_fail (id < ST_N_ARGS, NULL);
  return self->switch_of[id];
}

int
st_layer_card_get_focus_arg (StLayerCard *self)
{
  GtkRoot *root;
  GtkWidget *focus;

  g_return_val_if_fail (ST_IS_LAYER_CARD (self), ST_LAYER_CARD_NO_FIELD);

  root = gtk_widget_get_root (GTK_WIDGET (self));
  focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (self->item == NULL || focus == NULL || !gtk_widget_is_ancestor (focus, self->fields))
    return ST_LAYER_CARD_NO_FIELD;
  if (st_layer_item_get_kind (self->item) == ST_ROW_INPUT)
    return -1;
  for (GtkWidget *w = focus; w != NULL && w != self->fields; w = gtk_widget_get_parent (w))
    for (int id = 0; id < ST_N_ARGS; id++)
      if (self->field_of[id] != NULL && GTK_WIDGET (self->field_of[id]) == w)
        return id;
  return ST_LAYER_CARD_NO_FIELD;
}

gboolean
st_layer_card_focus_arg (StLayerCard *self, int id)
{
  GtkWidget *field = NULL;

  g_return_val_if_fail (ST_IS_LAYER_CARD (self), FALSE);
  g_return_val_if_fail (id >= -1 && id < ST_N_ARGS, FALSE);

  if (self->item == NULL)
    return FALSE;
  if (id == -1 && st_layer_item_get_kind (self->item) == ST_ROW_INPUT)
    {
      GtkWidget *cell = gtk_widget_get_first_child (self->fields);
      GtkWidget *box = cell != NULL ? gtk_widget_get_first_child (cell) : NULL;

      field = box != NULL ? gtk_widget_get_last_child (box) : NULL;
    }
  else if (id >= 0)
    field = self->field_of[id] != NULL ? GTK_WIDGET (self->field_of[id]) : NULL;
  if (field == NULL || !GTK_IS_ENTRY (field))
    return FALSE;
  gtk_entry_grab_focus_without_selecting (GTK_ENTRY (field));
  gtk_editable_set_position (GTK_EDITABLE (field), -1);
  return TRUE;
}

GtkWidget *
st_layer_card_get_remove_button (StLayerCard *self)
{
  g_return_val_if_fail (ST_IS_LAYER_CARD (self), NULL);
  return self->remove;
}

const char *
st_layer_card_get_path_text (StLayerCard *self)
{
  g_return_val_if_fail (ST_IS_LAYER_CARD (self), NULL);
  return gtk_label_get_text (self->path);
}

const char *
st_layer_card_get_shape_text (StLayerCard *self)
{
  g_return_val_if_fail (ST_IS_LAYER_CARD (self), NULL);
  return gtk_label_get_text (self->shape);
}

const char *
st_layer_card_get_error_text (StLayerCard *self)
{
  g_return_val_if_fail (ST_IS_LAYER_CARD (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->error)) ? gtk_label_get_text (self->error)
                                                            : NULL;
}

static void
st_layer_card_dispose (GObject *object)
{
  StLayerCard *self = ST_LAYER_CARD (object);

  st_layer_card_unbind (self);
  g_clear_pointer (&self->field_error, g_free);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (st_layer_card_parent_class)->dispose (object);
}

static void
st_layer_card_class_init (StLayerCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = st_layer_card_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "layercard");
}

static GtkLabel *
new_label (const char *css, float xalign)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  if (css != NULL)
    gtk_widget_add_css_class (label, css);
  return GTK_LABEL (label);
}

/* The head holds the name, the facts and the buttons; the arguments take the card's whole
 * width below it, so that they wrap only when the card is narrow. */
static void
st_layer_card_init (StLayerCard *self)
{
  GtkWidget *head, *facts;

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_add_css_class (self->box, "layer-card");
  gtk_widget_add_css_class (self->box, "card");
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  head = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  self->title = new_label ("heading", 0);
  gtk_label_set_ellipsize (self->title, PANGO_ELLIPSIZE_END);
  gtk_widget_set_valign (GTK_WIDGET (self->title), GTK_ALIGN_START);
  self->path = new_label ("dim-label", 0);
  gtk_label_set_ellipsize (self->path, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_valign (GTK_WIDGET (self->path), GTK_ALIGN_BASELINE);
  gtk_widget_add_css_class (GTK_WIDGET (self->path), "caption");
  gtk_box_append (GTK_BOX (head), GTK_WIDGET (self->title));
  gtk_box_append (GTK_BOX (head), GTK_WIDGET (self->path));

  facts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (facts, TRUE);
  gtk_widget_set_halign (facts, GTK_ALIGN_END);
  self->shape = new_label ("layer-shape", 1);
  self->params = new_label ("dim-label", 1);
  gtk_label_set_wrap (self->params, TRUE);
  gtk_label_set_justify (self->params, GTK_JUSTIFY_RIGHT);
  gtk_widget_add_css_class (GTK_WIDGET (self->params), "caption");
  gtk_box_append (GTK_BOX (facts), GTK_WIDGET (self->shape));
  gtk_box_append (GTK_BOX (facts), GTK_WIDGET (self->params));
  gtk_box_append (GTK_BOX (head), facts);

  self->add_branch = icon_button (self, "list-add-symbolic", _("Add a branch"), "branch");
  self->duplicate = icon_button (self, "edit-copy-symbolic", _("Duplicate (Ctrl+D)"), "duplicate");
  self->remove = icon_button (self, "user-trash-symbolic", _("Delete (Delete)"), "remove");
  gtk_box_append (GTK_BOX (head), self->add_branch);
  gtk_box_append (GTK_BOX (head), self->duplicate);
  gtk_box_append (GTK_BOX (head), self->remove);
  gtk_box_append (GTK_BOX (self->box), head);

  self->fields = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->fields), GTK_SELECTION_NONE);
  /* The arguments wrap, down to one a line, rather than hold the window wide. */
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (self->fields), 1);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->fields), 4);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->fields), 8);
  gtk_box_append (GTK_BOX (self->box), self->fields);

  self->error = new_label ("layer-error", 0);
  gtk_label_set_wrap (self->error, TRUE);
  gtk_label_set_wrap_mode (self->error, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (self->error, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->error), FALSE);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->error));
}

GtkWidget *
st_layer_card_new (StModelDocument *document)
{
  StLayerCard *self = g_object_new (ST_TYPE_LAYER_CARD, NULL);

  self->document = document;
  return GTK_WIDGET (self);
}
