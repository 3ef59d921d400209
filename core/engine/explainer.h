/* explainer.h: what `strata-cli explain` opens — a model, its weights, a test image or a
 * picture, and the whole forward pass of that image (explain.h says what is read from it). */
#pragma once

#include "core/engine/explain.h"

G_BEGIN_DECLS

/* The model compiled, its weights (a safetensors file;
 * NULL: those its seed starts a run with), the test set (`image`, when not NULL, whose
 * images are taken instead of any dataset's; else `dataset`, NULL: the model's own) and the
 * forward pass of test image `example`. */
typedef struct _StExplainer StExplainer;

StExplainer         *st_explainer_new     (const StSpec  *spec,
                                           const char    *weights,
                                           const char    *dataset,
                                           StDataset     *image,
                                           gint64         example,
                                           StDevice       device,
                                           GError       **error);
void                 st_explainer_free    (StExplainer *explainer);
const StNet         *st_explainer_net     (StExplainer *explainer);
const StExplainPass *st_explainer_pass    (StExplainer *explainer);
StExplain           *st_explainer_explain (StExplainer        *explainer,
                                           const char         *path,
                                           const StExplainAt  *at,
                                           GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StExplainer, st_explainer_free)

G_END_DECLS
