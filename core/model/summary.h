/* summary.h: the torchsummary table of a model, as text or as one JSON object. */
#pragma once

#include "core/model/infer.h"

G_BEGIN_DECLS

/* The table exactly as torchsummary prints it, then one line per error. After an error,
 * shapes and parameter counts that are unknown print as "?", and a last line says the
 * totals leave them out. */
char *st_summary_text (const StSpec *spec, const StInfer *infer);
/* {"input_shape": [1,28,28], "output_shape": [10], "total_params": ..., "layers": [...],
 *  "errors": [{"layer": "8", "message": "..."}]}, on one line; what is unknown is null, and
 * "totals_complete" is false when the totals leave something out. */
char *st_summary_json (const StSpec *spec, const StInfer *infer);
/* 61706 → "61,706", -1234 → "-1,234": the one thousands formatter, of the table and the
 * builder alike. */
char *st_format_thousands (gint64 n);
/* "layer 8 (AvgPool2d-9)", how messages name a layer. */
char *st_layer_label (const StLayerInfo *info);

G_END_DECLS
