/* projection.h: where the network puts the test images, seen in two dimensions.
 *
 * The features are the input of the net's last layer with weights (its last Linear or
 * Conv2d): what the classifier separates. For the first ST_PROJECTION_IMAGES test images
 * (fewer when the set is smaller) they are taken in evaluation mode, a batch at a time, and
 * projected onto their two principal components: centred, then the top two eigenvectors of
 * their covariance (D × D for D features) or, with more features than images, of their Gram
 * matrix (n × n), found by subspace iteration in float64. Each component's sign is chosen so
 * that its scores agree with the previous measure's, and the iteration starts from the
 * previous components: from epoch to epoch the picture moves, it does not flip.
 *
 * Every buffer is allocated once, by st_projection_new; a measure allocates nothing.
 *
 * One JSON line an epoch, appended to a run's projection.jsonl:
 *   {"epoch": 3, "layer": "9", "features": 84, "explained": [0.41, 0.17],
 *    "points": [[x, y, label], …]}
 * point i is test image i; "layer" the one the features go into; "explained" each
 * component's share of the total variance.
 */
#pragma once

#include "core/data/dataset.h"
#include "core/engine/backend.h"

G_BEGIN_DECLS

#define ST_PROJECTION_IMAGES 2000

typedef struct _StProjection StProjection;

/* For a backend prepared for batches of `batch_size` over the test set `test`. NULL with an
 * error when the buffers do not fit in memory. */
StProjection *st_projection_new         (const StNet      *net,
                                         const StDataset  *test,
                                         int               batch_size,
                                         GError          **error);
void          st_projection_free        (StProjection *projection);
/* The features of the backend's net now, and their projection. */
gboolean      st_projection_measure     (StProjection  *projection,
                                         StBackend     *backend,
                                         GError       **error);
/* The layer the features go into ("9", the last with weights), or "output" when they are
 * the net's output (a net without weights). */
const char   *st_projection_layer       (const StProjection *projection);
/* The last measure as one JSON object, without a newline (the format above). */
void          st_projection_append_json (const StProjection *projection,
                                         int                 epoch,
                                         GString            *out);

/* A projection as read back from its JSON line. */
typedef struct {
  int     epoch;
  char   *layer;
  int     features;
  double  explained[2];
  int     n;            /* points */
  float  *xy;           /* (n, 2) */
  guint8 *labels;       /* (n) */
} StProjectionData;

/* NULL with an error when `line` is not a projection. */
StProjectionData *st_projection_data_parse (const char        *line,
                                            GError           **error);
/* The last whole line of a projection.jsonl; NULL with G_FILE_ERROR_NOENT when there is
 * none. */
StProjectionData *st_projection_data_read_last (const char    *path,
                                                GError       **error);
StProjectionData *st_projection_data_copy  (const StProjectionData *data);
void              st_projection_data_free  (StProjectionData *data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StProjection, st_projection_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StProjectionData, st_projection_data_free)

G_END_DECLS
