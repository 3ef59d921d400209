/* recipe-diff.h: what sets runs apart — the settings of their models and recipes that are
 * not the same in all of them, as the labels a legend shows ("lr 0.9" against "lr 0.3";
 * "SGD, lr 0.1" against "Adam, lr 0.001"). */
#pragma once

#include "core/model/spec.h"

G_BEGIN_DECLS

/* One label a spec, in order, NULL-terminated (free with g_strfreev): "key value" for each
 * setting whose value is not the same in every spec, joined by ", ". The settings, in this
 * order: the model's name, the dataset, the optimizer, lr, momentum, weight decay, betas,
 * eps, batch size, loss, initialisation, seed, normalisation, augmentation, resize_images
 * (epochs are left out: the curves show them). A spec may be NULL (its model did not read):
 * its values are "?". An empty label when nothing differs. */
char **st_recipe_differences (const StSpec *const *specs,
                              guint               n);

G_END_DECLS
