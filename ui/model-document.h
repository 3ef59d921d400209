/* model-document.h: the model being edited — its spec, its inferred shapes, its undo history.
 *
 * Every edit goes through the document: it records the model before the edit for undo,
 * changes the spec, runs shape inference again and emits ::changed. Nodes are addressed by
 * the sequence that holds them (the top-level layers, a Concat branch, a Residual body or
 * shortcut) and their index in it; after undo, redo or a load every node is new, which
 * ::changed reports as a structural change.
 */
#pragma once

#include <gio/gio.h>

#include "core/model/infer.h"
#include "core/model/spec.h"

G_BEGIN_DECLS

#define ST_TYPE_MODEL_DOCUMENT (st_model_document_get_type ())
G_DECLARE_FINAL_TYPE (StModelDocument, st_model_document, ST, MODEL_DOCUMENT, GObject)

#define ST_MODEL_DOCUMENT_ERROR (st_model_document_error_quark ())
GQuark st_model_document_error_quark (void);

typedef enum {
  ST_MODEL_DOCUMENT_ERROR_PLACE,        /* no such node or position */
} StModelDocumentError;

/* Where a node is: seq[index]. seq is the spec's own array, valid until the next
 * structural change. */
typedef struct {
  GPtrArray *seq;
  guint      index;
} StNodePlace;

StModelDocument *st_model_document_new           (void);

/* Replaces the whole model with a preset or a file. A file starts a new history; a preset
 * is one more step of it, which undo takes back (file name included), and leaves the
 * document unmodified. */
gboolean         st_model_document_load          (StModelDocument *self,
                                                  const char      *name_or_path,
                                                  GError         **error);
/* Replaces the model with a copy of one kept elsewhere (a recorded run's; spec taken):
 * untitled, so that Save asks where and the original stays as it is. */
void             st_model_document_set_copy      (StModelDocument *self,
                                                  StSpec          *spec);
/* Replaces the model with spec (taken), unmodified and with no history. */
void             st_model_document_set_spec      (StModelDocument *self,
                                                  StSpec          *spec);
gboolean         st_model_document_save          (StModelDocument *self,
                                                  const char      *path,
                                                  GError         **error);

const StSpec    *st_model_document_get_spec      (StModelDocument *self);
const StInfer   *st_model_document_get_infer     (StModelDocument *self);
const char      *st_model_document_get_path      (StModelDocument *self);
gboolean         st_model_document_get_modified  (StModelDocument *self);
/* The model's name and whether it has unsaved changes, for the title. */
char            *st_model_document_dup_title     (StModelDocument *self);
/* Where Save writes: the file, the home folder shown as "~"; or that there is none yet. */
char            *st_model_document_dup_location  (StModelDocument *self);

/* Finds node in the spec; FALSE when it is not there (any more). */
gboolean         st_model_document_find          (StModelDocument *self,
                                                  const StNode    *node,
                                                  StNodePlace     *place);

/* Sets argument `id` of `node` from what was typed, as st_arg_text_parse (core/model/spec-edit.h)
 * reads it: "5", "5, 3", "(5, 3)", "[5, 3]", "0.5", "true". Empty text leaves the argument
 * out. Text that is no value of the argument's kind, or none for a required argument, keeps
 * the last value but is the node's problem until the field holds a value again (or the views
 * rebuild their cards from the model): the layer is in error, its shape and what follows
 * unknown. It fails with an error naming the argument (ST_SPEC_ERROR_VALUE), and records no
 * undo step. Successive edits of one field merge into one undo step; an edit that changes
 * nothing records none, and one that brings the field back to where its step began takes
 * the step away. */
gboolean         st_model_document_set_arg_text  (StModelDocument *self,
                                                  StNode          *node,
                                                  StArgId          id,
                                                  const char      *text,
                                                  GError         **error);

/* Inserts a new layer of `type_name` at place (index may equal the length) and returns it;
 * a block gets one empty branch (Concat: two) to fill. */
StNode          *st_model_document_insert        (StModelDocument   *self,
                                                  const StNodePlace *place,
                                                  const char        *type_name,
                                                  GError           **error);
gboolean         st_model_document_remove        (StModelDocument *self,
                                                  StNode          *node,
                                                  GError         **error);
StNode          *st_model_document_duplicate     (StModelDocument *self,
                                                  StNode          *node,
                                                  GError         **error);
/* Moves node to place, which is read as it is before the move. */
gboolean         st_model_document_move          (StModelDocument   *self,
                                                  StNode            *node,
                                                  const StNodePlace *place,
                                                  GError           **error);
/* Adds an empty branch to a Concat, or an empty shortcut to a Residual that has none. */
gboolean         st_model_document_add_branch    (StModelDocument *self,
                                                  StNode          *block,
                                                  GError         **error);
/* Removes a section of a block with what it holds: a Concat's branch (the Concat keeps at
 * least one) or a Residual's shortcut (its body stays). `section` is the sequence itself,
 * as a section row of the builder holds it. */
gboolean         st_model_document_remove_section (StModelDocument *self,
                                                   GPtrArray       *section,
                                                   GError         **error);
/* Changes the model's input shape (C, H, W). */
void             st_model_document_set_input     (StModelDocument *self,
                                                  const StShape   *input);

/* The training recipe is part of the model: setting it is an edit (one undo step) that
 * marks the document modified and gives it a "training" section; FALSE when config is
 * the recipe already, which changes nothing. */
gboolean         st_model_document_set_training (StModelDocument     *self,
                                                  const StTrainConfig *config);
/* Whether config is the document's recipe, field for field as the file would hold it. */
gboolean         st_model_document_training_is  (StModelDocument     *self,
                                                  const StTrainConfig *config);

gboolean         st_model_document_can_undo      (StModelDocument *self);
gboolean         st_model_document_can_redo      (StModelDocument *self);
gboolean         st_model_document_undo          (StModelDocument *self);
gboolean         st_model_document_redo          (StModelDocument *self);

G_END_DECLS
