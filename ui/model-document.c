/* model-document.c: edits, shape inference after each, and undo as whole-model snapshots.
 *
 * A snapshot is a copy of the spec (st_spec_copy) with the file it came from: models are
 * small next to what a copy costs, and a copy keeps layers with problems exactly as they
 * were read. The training recipe is part of the spec, so its edits ride the same history.
 */
#define G_LOG_DOMAIN "strata-document"

#include "strata-config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ui/model-document.h"
#include "core/model/layer-types.h"
#include "core/model/spec-edit.h"
#include "core/model/spec-read.h"

#define MAX_UNDO 200

struct _StModelDocument
{
  GObject    parent_instance;

  /* owned */
  StSpec    *spec;
  StInfer   *infer;
  char      *path;
  GPtrArray *undo;              /* Snapshot, oldest first */
  GPtrArray *redo;              /* Snapshot, most recently undone last */

  const StNode *merge_node;     /* the field whose typing merges into the last undo step */
  StArgId       merge_arg;
  StNode       *merge_before;   /* owned: that node as the step found it */
  gboolean      modified;
  gboolean      pristine;       /* the empty model made at start, never edited or loaded */
};

typedef struct {
  StSpec   *spec;
  char     *path;
  gboolean  modified;           /* whether the document was, before the step */
} Snapshot;

enum {
  PROP_0,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_MODIFIED,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (StModelDocument, st_model_document, G_TYPE_OBJECT)
G_DEFINE_QUARK (st-model-document-error-quark, st_model_document_error)

static void
notify_history (StModelDocument *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

/* Runs inference again and tells the views; structural: nodes were added, removed or
 * replaced, so views must rebuild rather than refresh. */
static void
reinfer (StModelDocument *self, gboolean structural)
{
  /* The problems of typed text go with the cards that held the text. */
  if (structural)
    st_node_seq_clear_text_problems (self->spec->layers);
  g_clear_pointer (&self->infer, st_infer_free);
  self->infer = st_spec_infer (self->spec);
  g_signal_emit (self, signals[CHANGED], 0, structural);
}

static void
snapshot_free (gpointer data)
{
  Snapshot *snapshot = data;

  st_spec_free (snapshot->spec);
  g_free (snapshot->path);
  g_free (snapshot);
}

static Snapshot *
snapshot_new (StSpec *spec, char *path, gboolean modified)
{
  Snapshot *snapshot = g_new (Snapshot, 1);

  snapshot->spec = spec;
  snapshot->path = path;
  snapshot->modified = modified;
  return snapshot;
}

/* No field's typing merges into the next step. */
static void
end_field_edit (StModelDocument *self)
{
  self->merge_node = NULL;
  g_clear_pointer (&self->merge_before, st_node_free);
}

static void
push_undo (StModelDocument *self)
{
  StSpec *copy = st_spec_copy (self->spec);

  st_node_seq_clear_text_problems (copy->layers);
  g_ptr_array_add (self->undo, snapshot_new (copy, g_strdup (self->path), self->modified));
  if (self->undo->len > MAX_UNDO)
    g_ptr_array_remove_index (self->undo, 0);
  g_ptr_array_set_size (self->redo, 0);
  self->modified = TRUE;
  end_field_edit (self);
  self->pristine = FALSE;
}

/* An edit is done: the views learn of it, and of what undo and redo can do now. */
static void
edited (StModelDocument *self, gboolean structural)
{
  reinfer (self, structural);
  notify_history (self);
}

static void
st_model_document_finalize (GObject *object)
{
  StModelDocument *self = ST_MODEL_DOCUMENT (object);

  g_clear_pointer (&self->spec, st_spec_free);
  g_clear_pointer (&self->infer, st_infer_free);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->merge_before, st_node_free);
  g_clear_pointer (&self->undo, g_ptr_array_unref);
  g_clear_pointer (&self->redo, g_ptr_array_unref);
  G_OBJECT_CLASS (st_model_document_parent_class)->finalize (object);
}

static void
st_model_document_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  StModelDocument *self = ST_MODEL_DOCUMENT (object);

  switch (id)
    {
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, st_model_document_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, st_model_document_can_redo (self));
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, self->modified);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
st_model_document_class_init (StModelDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = st_model_document_finalize;
  object_class->get_property = st_model_document_get_property;

  properties[PROP_CAN_UNDO] = g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] = g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODIFIED] = g_param_spec_boolean ("modified", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ::changed (structural): the spec and its inference are new. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
st_model_document_init (StModelDocument *self)
{
  self->undo = g_ptr_array_new_with_free_func (snapshot_free);
  self->redo = g_ptr_array_new_with_free_func (snapshot_free);
  self->pristine = TRUE;
  self->spec = st_spec_new (_("Untitled"), &(StShape) { 3, { 1, 28, 28 } });
  self->infer = st_spec_infer (self->spec);
}

StModelDocument *
st_model_document_new (void)
{
  return g_object_new (ST_TYPE_MODEL_DOCUMENT, NULL);
}

/* ---- whole models ---------------------------------------------------------------------- */

void
st_model_document_set_spec (StModelDocument *self, StSpec *spec)
{
  g_return_if_fail (ST_IS_MODEL_DOCUMENT (self));
  g_return_if_fail (spec != NULL);

  g_clear_pointer (&self->spec, st_spec_free);
  self->spec = spec;
  g_ptr_array_set_size (self->undo, 0);
  g_ptr_array_set_size (self->redo, 0);
  self->modified = FALSE;
  end_field_edit (self);
  self->pristine = FALSE;
  edited (self, TRUE);
}

/* A preset replaces the model as an edit would, so that undo brings back what was there;
 * a file starts a history of its own. */
gboolean
st_model_document_load (StModelDocument *self, const char *name_or_path, GError **error)
{
  StSpec *spec;
  gboolean is_file;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  g_return_val_if_fail (name_or_path != NULL, FALSE);

  spec = st_spec_load (name_or_path, error);
  if (spec == NULL)
    return FALSE;
  is_file = g_file_test (name_or_path, G_FILE_TEST_EXISTS);
  if (is_file || self->pristine)
    {
      g_clear_pointer (&self->path, g_free);
      self->path = is_file ? g_strdup (name_or_path) : NULL;
      st_model_document_set_spec (self, spec);
      return TRUE;
    }
  push_undo (self);
  g_clear_pointer (&self->spec, st_spec_free);
  self->spec = spec;
  g_clear_pointer (&self->path, g_free);
  self->modified = FALSE;
  edited (self, TRUE);
  return TRUE;
}

void
st_model_document_set_copy (StModelDocument *self, StSpec *spec)
{
  g_return_if_fail (ST_IS_MODEL_DOCUMENT (self));
  g_return_if_fail (spec != NULL);

  g_clear_pointer (&self->path, g_free);
  st_model_document_set_spec (self, spec);
}

gboolean
st_model_document_save (StModelDocument *self, const char *path, GError **error)
{
  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!st_spec_save (self->spec, path, error))
    return FALSE;
  if (g_strcmp0 (self->path, path) != 0)
    {
      g_free (self->path);
      self->path = g_strdup (path);
    }
  self->modified = FALSE;
  /* Typing after a save is a step of its own: taking it back would not be the saved model. */
  end_field_edit (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
  return TRUE;
}

const StSpec *
st_model_document_get_spec (StModelDocument *self)
{
  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), NULL);
  return self->spec;
}

const StInfer *
st_model_document_get_infer (StModelDocument *self)
{
  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), NULL);
  return self->infer;
}

const char *
st_model_document_get_path (StModelDocument *self)
{
  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), NULL);
  return self->path;
}

gboolean
st_model_document_get_modified (StModelDocument *self)
{
  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  return self->modified;
}

char *
st_model_document_dup_title (StModelDocument *self)
{
  const char *name;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), NULL);
  name = self->spec->name != NULL && self->spec->name[0] != '\0' ? self->spec->name
                                                                 : _("Untitled");
  return g_strdup_printf ("%s%s", self->modified ? "• " : "", name);
}

char *
st_model_document_dup_location (StModelDocument *self)
{
  const char *home = g_get_home_dir ();
  g_autofree char *display = NULL;
  gsize n;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), NULL);
  if (self->path == NULL)
    return g_strdup (_("Not saved to a file"));
  display = g_filename_display_name (self->path);
  n = strlen (home);
  if (n > 1 && g_str_has_prefix (display, home) && display[n] == G_DIR_SEPARATOR)
    return g_strconcat ("~", display + n, NULL);
  return g_steal_pointer (&display);
}

/* ---- finding nodes ----------------------------------------------------------------------- */

static gboolean
find_in (GPtrArray *seq, const StNode *node, StNodePlace *place)
{
  if (seq == NULL)
    return FALSE;
  for (guint i = 0; i < seq->len; i++)
    {
      StNode *n = g_ptr_array_index (seq, i);

      if (n == node)
        {
          place->seq = seq;
          place->index = i;
          return TRUE;
        }
      if (n->branches != NULL)
        for (guint b = 0; b < n->branches->len; b++)
          if (find_in (g_ptr_array_index (n->branches, b), node, place))
            return TRUE;
      if (find_in (n->body, node, place) || find_in (n->shortcut, node, place))
        return TRUE;
    }
  return FALSE;
}

gboolean
st_model_document_find (StModelDocument *self, const StNode *node, StNodePlace *place)
{
  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  g_return_val_if_fail (place != NULL, FALSE);
  return node != NULL && find_in (self->spec->layers, node, place);
}

static gboolean
find_or_fail (StModelDocument *self, const StNode *node, StNodePlace *place, GError **error)
{
  if (st_model_document_find (self, node, place))
    return TRUE;
  g_set_error_literal (error, ST_MODEL_DOCUMENT_ERROR, ST_MODEL_DOCUMENT_ERROR_PLACE,
                       _("That layer is no longer in the model"));
  return FALSE;
}

/* Whether seq is one of the sequences of the spec (so a place in it is real). */
static gboolean
seq_in (GPtrArray *seq, GPtrArray *target)
{
  if (seq == NULL)
    return FALSE;
  if (seq == target)
    return TRUE;
  for (guint i = 0; i < seq->len; i++)
    {
      StNode *n = g_ptr_array_index (seq, i);

      if (n->branches != NULL)
        for (guint b = 0; b < n->branches->len; b++)
          if (seq_in (g_ptr_array_index (n->branches, b), target))
            return TRUE;
      if (seq_in (n->body, target) || seq_in (n->shortcut, target))
        return TRUE;
    }
  return FALSE;
}

/* Whether place is a position in one of the spec's sequences (index may be its length). */
static gboolean
place_valid (StModelDocument *self, const StNodePlace *place)
{
  return seq_in (self->spec->layers, place->seq) && place->index <= place->seq->len;
}

/* Whether seq lies inside node (moving node there would put it inside itself). */
static gboolean
seq_inside (const StNode *node, GPtrArray *seq)
{
  if (node->branches != NULL)
    for (guint b = 0; b < node->branches->len; b++)
      if (seq_in (g_ptr_array_index (node->branches, b), seq))
        return TRUE;
  return seq_in (node->body, seq) || seq_in (node->shortcut, seq);
}

/* ---- arguments ------------------------------------------------------------------------- */

/* A field's edit applied to node: the value, or with value NULL the argument left out, or
 * with a problem the text that is no value, which leaves the layer in error until the field
 * holds a value again (a problem already there, of the file or of another field, stays). */
static void
apply_field (StNode *node, StArgId id, const StArgValue *value, const char *problem)
{
  if (problem != NULL)
    st_node_set_text_problem (node, id, problem);
  else
    st_node_apply_arg (node, id, value);
}

/* Whether two states of one node are the same to the history: the same arguments, the same
 * problem of the file. A field's problem is no part of the history (core/model/spec-edit.h). */
static gboolean
same_in_history (const StNode *a, const StNode *b)
{
  return st_layer_args_equal (&a->args, &b->args) && g_strcmp0 (a->raw_json, b->raw_json) == 0
         && (a->raw_json == NULL || (g_strcmp0 (a->problem, b->problem) == 0
                                     && g_strcmp0 (a->problem_arg, b->problem_arg) == 0));
}

/* Typing in one field is one undo step, however many keystrokes it takes; typing that
 * changes nothing records nothing, and typing that comes back to what its step found takes
 * the step away again: undo never has a step that does nothing. */
static void
field_edit (StModelDocument *self, StNode *node, StArgId id, const StArgValue *value,
            const char *problem)
{
  gboolean merging = self->merge_node == node && self->merge_arg == id;

  if (!merging)
    {
      g_autoptr (StNode) after = st_node_copy (node);
      gboolean same_problem;

      apply_field (after, id, value, problem);
      if (same_in_history (after, node))
        {
          same_problem = g_strcmp0 (after->problem, node->problem) == 0;
          apply_field (node, id, value, problem);
          if (!same_problem)
            reinfer (self, FALSE);
          return;
        }
      push_undo (self);
      self->merge_node = node;
      self->merge_arg = id;
      self->merge_before = st_node_copy (node);
    }
  apply_field (node, id, value, problem);
  if (same_in_history (node, self->merge_before))
    {
      Snapshot *step = g_ptr_array_steal_index (self->undo, self->undo->len - 1);

      self->modified = step->modified;
      snapshot_free (step);
      end_field_edit (self);
    }
  edited (self, FALSE);
}

gboolean
st_model_document_set_arg_text (StModelDocument *self, StNode *node, StArgId id,
                                const char *text, GError **error)
{
  StNodePlace place;
  StArgText parsed;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (id < ST_N_ARGS, FALSE);

  if (!find_or_fail (self, node, &place, error))
    return FALSE;
  if (!st_arg_text_parse (node->type, id, text, &parsed, &local))
    {
      field_edit (self, node, id, NULL, local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* An empty field is the argument left out: PyTorch's default, or inferred. */
  field_edit (self, node, id, parsed.given ? &parsed.value : NULL, NULL);
  return TRUE;
}

/* ---- structure ------------------------------------------------------------------------- */

StNode *
st_model_document_insert (StModelDocument *self, const StNodePlace *place,
                          const char *type_name, GError **error)
{
  const StLayerType *type;
  StNode *node;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), NULL);
  g_return_val_if_fail (place != NULL && type_name != NULL, NULL);

  type = st_layer_type_lookup (type_name);
  if (type == NULL)
    {
      g_set_error (error, ST_MODEL_DOCUMENT_ERROR, ST_MODEL_DOCUMENT_ERROR_PLACE,
                   _("There is no layer type “%s”"), type_name);
      return NULL;
    }
  if (!place_valid (self, place))
    {
      g_set_error_literal (error, ST_MODEL_DOCUMENT_ERROR, ST_MODEL_DOCUMENT_ERROR_PLACE,
                           _("There is no such place in the model"));
      return NULL;
    }
  push_undo (self);
  node = st_node_new (type);
  if (type->kind == ST_LAYER_CONCAT)
    {
      g_ptr_array_add (node->branches, st_node_seq_new ());
      g_ptr_array_add (node->branches, st_node_seq_new ());
    }
  g_ptr_array_insert (place->seq, place->index, node);
  edited (self, TRUE);
  return node;
}

gboolean
st_model_document_remove (StModelDocument *self, StNode *node, GError **error)
{
  StNodePlace place;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);

  if (!find_or_fail (self, node, &place, error))
    return FALSE;
  push_undo (self);
  g_ptr_array_remove_index (place.seq, place.index);
  edited (self, TRUE);
  return TRUE;
}

StNode *
st_model_document_duplicate (StModelDocument *self, StNode *node, GError **error)
{
  StNodePlace place;
  StNode *copy;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), NULL);

  if (!find_or_fail (self, node, &place, error))
    return NULL;
  push_undo (self);
  copy = st_node_copy (node);
  g_ptr_array_insert (place.seq, place.index + 1, copy);
  edited (self, TRUE);
  return copy;
}

gboolean
st_model_document_move (StModelDocument *self, StNode *node, const StNodePlace *place,
                        GError **error)
{
  StNodePlace from;
  guint to;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  g_return_val_if_fail (place != NULL, FALSE);

  if (!find_or_fail (self, node, &from, error))
    return FALSE;
  if (!place_valid (self, place) || seq_inside (node, place->seq))
    {
      g_set_error_literal (error, ST_MODEL_DOCUMENT_ERROR, ST_MODEL_DOCUMENT_ERROR_PLACE,
                           _("A layer cannot move there"));
      return FALSE;
    }
  to = place->index;
  if (from.seq == place->seq && (to == from.index || to == from.index + 1))
    return TRUE;                        /* already there */
  push_undo (self);
  g_ptr_array_steal_index (from.seq, from.index);
  if (from.seq == place->seq && to > from.index)
    to--;
  g_ptr_array_insert (place->seq, to, node);
  edited (self, TRUE);
  return TRUE;
}

gboolean
st_model_document_add_branch (StModelDocument *self, StNode *block, GError **error)
{
  StNodePlace place;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);

  if (!find_or_fail (self, block, &place, error))
    return FALSE;
  if (block->branches == NULL && (block->body == NULL || block->shortcut != NULL))
    {
      g_set_error_literal (error, ST_MODEL_DOCUMENT_ERROR, ST_MODEL_DOCUMENT_ERROR_PLACE,
                           _("Only a Concat takes more branches, and a Residual one shortcut"));
      return FALSE;
    }
  push_undo (self);
  if (block->branches != NULL)
    g_ptr_array_add (block->branches, st_node_seq_new ());
  else
    block->shortcut = st_node_seq_new ();
  edited (self, TRUE);
  return TRUE;
}

/* The block that holds `section` as a branch, body or shortcut, or NULL. */
static StNode *
section_owner (GPtrArray *seq, GPtrArray *section)
{
  for (guint i = 0; seq != NULL && i < seq->len; i++)
    {
      StNode *n = g_ptr_array_index (seq, i);
      StNode *found;

      if (n->body == section || n->shortcut == section)
        return n;
      for (guint b = 0; n->branches != NULL && b < n->branches->len; b++)
        {
          GPtrArray *branch = g_ptr_array_index (n->branches, b);

          if (branch == section)
            return n;
          if ((found = section_owner (branch, section)) != NULL)
            return found;
        }
      if ((found = section_owner (n->body, section)) != NULL
          || (found = section_owner (n->shortcut, section)) != NULL)
        return found;
    }
  return NULL;
}

gboolean
st_model_document_remove_section (StModelDocument *self, GPtrArray *section, GError **error)
{
  StNode *block;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  g_return_val_if_fail (section != NULL, FALSE);

  block = section_owner (self->spec->layers, section);
  if (block == NULL)
    {
      g_set_error_literal (error, ST_MODEL_DOCUMENT_ERROR, ST_MODEL_DOCUMENT_ERROR_PLACE,
                           _("That branch is no longer in the model"));
      return FALSE;
    }
  if (block->body == section || (block->branches != NULL && block->branches->len < 2))
    {
      g_set_error_literal (error, ST_MODEL_DOCUMENT_ERROR, ST_MODEL_DOCUMENT_ERROR_PLACE,
                           block->branches != NULL
                           ? _("A Concat keeps at least one branch; delete the Concat to remove it")
                           : _("A Residual keeps its body; delete the Residual to remove it"));
      return FALSE;
    }
  push_undo (self);
  if (block->branches != NULL)
    g_ptr_array_remove (block->branches, section);
  else
    g_clear_pointer (&block->shortcut, g_ptr_array_unref);
  edited (self, TRUE);
  return TRUE;
}

void
st_model_document_set_input (StModelDocument *self, const StShape *input)
{
  g_return_if_fail (ST_IS_MODEL_DOCUMENT (self));
  g_return_if_fail (input != NULL);

  push_undo (self);
  self->spec->input = *input;
  edited (self, FALSE);
}

/* ---- the training recipe ------------------------------------------------------------- */

static char *
training_text (const StTrainConfig *config)
{
  GString *out = g_string_new (NULL);

  st_train_config_write (config, out, 0);
  return g_string_free (out, FALSE);
}

gboolean
st_model_document_training_is (StModelDocument *self, const StTrainConfig *config)
{
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;

  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  ours = training_text (&self->spec->training);
  theirs = training_text (config);
  return g_str_equal (ours, theirs);
}

gboolean
st_model_document_set_training (StModelDocument *self, const StTrainConfig *config)
{
  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  if (st_model_document_training_is (self, config))
    return FALSE;
  push_undo (self);
  st_train_config_clear (&self->spec->training);
  st_train_config_copy (&self->spec->training, config);
  self->spec->has_training = TRUE;
  edited (self, FALSE);
  return TRUE;
}

/* ---- history --------------------------------------------------------------------------- */

gboolean
st_model_document_can_undo (StModelDocument *self)
{
  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  return self->undo->len > 0;
}

gboolean
st_model_document_can_redo (StModelDocument *self)
{
  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  return self->redo->len > 0;
}

static gboolean
swap_history (StModelDocument *self, GPtrArray *from, GPtrArray *to)
{
  Snapshot *snapshot;

  if (from->len == 0)
    return FALSE;
  st_node_seq_clear_text_problems (self->spec->layers);
  g_ptr_array_add (to, snapshot_new (self->spec, self->path, self->modified));
  snapshot = g_ptr_array_steal_index (from, from->len - 1);
  self->spec = snapshot->spec;
  self->path = snapshot->path;
  g_free (snapshot);
  self->modified = TRUE;
  end_field_edit (self);
  edited (self, TRUE);
  return TRUE;
}

gboolean
st_model_document_undo (StModelDocument *self)
{
  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  return swap_history (self, self->undo, self->redo);
}

gboolean
st_model_document_redo (StModelDocument *self)
{
  g_return_val_if_fail (ST_IS_MODEL_DOCUMENT (self), FALSE);
  return swap_history (self, self->redo, self->undo);
}
