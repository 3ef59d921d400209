/* evaluator.h: a trained model on its test set, without training — for `strata-cli evaluate`
 * and `activations`, and for the window's activations view after a run. */
#pragma once

#include "core/data/dataset-load.h"
#include "core/engine/backend.h"
#include "core/engine/snapshot.h"

G_BEGIN_DECLS

typedef struct _StEvaluator StEvaluator;

/* Loads the dataset (`dataset` NULL: the model's own) and the weights (a safetensors file
 * written by Strata or PyTorch; NULL: the weights a training run of the spec starts from,
 * its initialiser seeded with its seed), and opens the backend. */
StEvaluator     *st_evaluator_new      (const StSpec  *spec,
                                        const char    *weights,
                                        const char    *dataset,
                                        StDevice       device,
                                        GError       **error);
/* As st_evaluator_new, the weights taken from memory instead of a file: `params`
 * (n_params floats) and `buffers` (n_buffers floats; NULL: their starting values) in the
 * layout of the compiled spec's tensor table, e.g. a training run's StBestWeights. Sizes
 * that are not the model's are an error. The arrays are copied. */
StEvaluator     *st_evaluator_new_from_memory (const StSpec  *spec,
                                               const float   *params,
                                               gsize          n_params,
                                               const float   *buffers,
                                               gsize          n_buffers,
                                               const char    *dataset,
                                               StDevice       device,
                                               GError       **error);
/* As st_evaluator_new_from_memory, on `images` (referenced) as both the training and the
 * test set instead of a dataset read: a lesson's input, a picture of the person's own. */
StEvaluator     *st_evaluator_new_for_images  (const StSpec  *spec,
                                               const float   *params,
                                               gsize          n_params,
                                               const float   *buffers,
                                               gsize          n_buffers,
                                               StDataset     *images,
                                               StDevice       device,
                                               GError       **error);
void             st_evaluator_free     (StEvaluator *evaluator);
/* Loss and accuracy over the whole test set. */
gboolean         st_evaluator_run      (StEvaluator *evaluator,
                                        StMetrics   *metrics,
                                        GError     **error);
/* Test image `example` through the net: its pictures and the whole forward pass
 * (StSnapshot.pass, for explain.h). */
StSnapshot      *st_evaluator_snapshot (StEvaluator *evaluator,
                                        gint64       example,
                                        GError     **error);
/* The same for a picture of the person's own: one image of the model's input size, bytes as
 * a dataset holds them (image-prep.h makes them from a file; a drawing is one already),
 * normalised as the training normalises. example and label are -1. An image of another size
 * is an error naming it. */
StSnapshot      *st_evaluator_snapshot_image (StEvaluator *evaluator,
                                              StDataset   *image,
                                              GError     **error);
/* The predicted class of every test image (st_snapshot_classify), into predictions (N); a
 * class past 255 (an output no dataset has a class for) reads 255.
 * `cancelled`, when not NULL, is asked before each batch of images; TRUE ends the work with
 * G_IO_ERROR_CANCELLED. */
gboolean         st_evaluator_predict_all (StEvaluator *evaluator,
                                           guint8      *predictions,
                                           gboolean   (*cancelled) (gpointer data),
                                           gpointer     data,
                                           GError     **error);
const StDataset *st_evaluator_test_set (StEvaluator *evaluator);
const StNet     *st_evaluator_net      (StEvaluator *evaluator);
const char      *st_evaluator_device   (StEvaluator *evaluator);

/* The dataset options a model reads its data with: the recipe's seed; images as the model
 * takes them (a colour folder for a grey model is converted, as PIL's "L"); with the recipe's
 * resize_images, images of another size scaled to the model's input height and width. */
void             st_dataset_options_for_model (StDatasetOptions *options,
                                               const StSpec     *spec);

/* Checks that a dataset fits a model: image size, classes against outputs, non-empty. */
gboolean         st_check_data         (const StNet         *net,
                                        StLossKind           loss,
                                        const StDatasetPair *data,
                                        GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StEvaluator, st_evaluator_free)

G_END_DECLS
