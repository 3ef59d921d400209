/* spec-edit.h: a model edited by hand — the text typed for an argument or for the input
 * shape read as a value, and the node changed accordingly.
 *
 * A field's text is read as a person writes it, PyTorch's way included: "5", "5, 3",
 * "(5, 3)", "[5, 3]", "5x3", "0.5", "1e-5", "true". Text that is no value of the argument's
 * kind is refused with a message that names the argument. Such text is also the node's
 * problem while the field holds it (st_node_set_text_problem), with no JSON of the file
 * behind it, so that inference, training and export all see the layer in error; it is no
 * part of the model file, and st_node_seq_clear_text_problems takes it away again.
 */
#pragma once

#include "core/model/layer-types.h"
#include "core/model/spec.h"

G_BEGIN_DECLS

/* The longest text read as a value; longer text is no number a layer takes. */
#define ST_ARG_TEXT_MAX 64

/* What a field's text gives its argument. */
typedef struct {
  gboolean   given;     /* FALSE: empty text, the argument left out (PyTorch's default) */
  StArgValue value;     /* when given; an INT's value is in both i[0] and i[1] */
} StArgText;

/* Reads `text` as a value of argument `id`'s kind into `value`. Fails with
 * ST_SPEC_ERROR_VALUE, "kernel_size: “x” is not a whole number or a pair like (5, 3)". */
gboolean st_arg_value_parse       (const char       *text,
                                   StArgId           id,
                                   StArgValue       *value,
                                   GError          **error);
/* Reads what was typed into the field of argument `id` of a layer of `type` (NULL: a type
 * unknown): text of spaces and tabs only leaves the argument out, unless the type requires
 * it ("out_channels: a value is required"); anything else is st_arg_value_parse's. */
gboolean st_arg_text_parse        (const StLayerType *type,
                                   StArgId            id,
                                   const char        *text,
                                   StArgText         *parsed,
                                   GError           **error);
/* The value as a field shows it and st_arg_value_parse reads it back: "5", "5, 3", "0.5",
 * "true". */
char    *st_arg_value_format      (const StArgValue *value,
                                   StArgId           id);
/* The node's argument as its field shows it; NULL when the node leaves it out. */
char    *st_node_format_arg       (const StNode     *node,
                                   StArgId           id);
/* Reads the input shape "C, H, W" (also "1 28 28", "3×32×32"): three positive sizes. */
gboolean st_input_shape_parse     (const char       *text,
                                   StShape          *shape,
                                   GError          **error);

/* Whether two nodes' arguments are the same: the same ones given, the same values. */
gboolean st_layer_args_equal      (const StLayerArgs *a,
                                   const StLayerArgs *b);
/* Sets argument `id` of node to `value`, or with `value` NULL leaves it out. A problem the
 * node had with that argument, of the file or of typed text, is settled by it and goes. */
void     st_node_apply_arg        (StNode           *node,
                                   StArgId           id,
                                   const StArgValue *value);
/* Puts the node in error for text typed for argument `id` that is no value (`message`,
 * st_arg_text_parse's). A problem already there stays, of the file or of another argument;
 * one of earlier text for this argument is replaced. */
void     st_node_set_text_problem (StNode           *node,
                                   StArgId           id,
                                   const char       *message);
/* Whether the node's problem is of typed text, not of the file. */
gboolean st_node_has_text_problem (const StNode     *node);
/* Takes away the problems of typed text from the nodes of seq and of their blocks. */
void     st_node_seq_clear_text_problems (GPtrArray *seq);

G_END_DECLS
