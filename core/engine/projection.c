/* projection.c: see projection.h.
 *
 * Dimensions: N images (at most ST_PROJECTION_IMAGES), D features an image, M = min(N, D)
 * the side of the matrix whose top eigenvectors are sought, K = min(4, M) vectors iterated.
 */
#define G_LOG_DOMAIN "strata-projection"

#include "core/engine/projection.h"

#include <cblas.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/io/i18n.h"
#include "core/io/input-file.h"
#include "core/io/json-write.h"
#include "core/io/line-file.h"

#define BLOCK     4     /* vectors iterated: the top two converge at the rate λ5/λ2 */
#define MAX_ITERS 500

/* An epoch's line is about 50 KB for 2,000 images: 256 MiB holds thousands of epochs. */
#define PROJECTION_MAX_SIZE ((gsize) 256 * 1024 * 1024)

struct _StProjection {
  const StNet     *net;
  const StDataset *test;
  int              value;       /* the features' value in the net */
  char            *layer;       /* the layer they go into */
  int              chunk;       /* images a snapshot takes */
  int              n;           /* N */
  gsize            d;           /* D */
  gsize            m;           /* M */
  int              k;           /* K */
  gboolean         gram;        /* M = N: the Gram matrix; else the covariance */
  guint32         *idx;         /* (N): 0 … N-1 */
  float           *x;           /* (N, D) features, centred */
  float           *cov;         /* (M, M) */
  double          *v;           /* (K, M) the iterated vectors, a row each */
  double          *w;           /* (K, M) */
  double          *scores;      /* (N, 2) */
  double          *previous;    /* (N, 2) the last measure's scores */
  gboolean         measured;
  double           explained[2];
};

void
st_projection_free (StProjection *p)
{
  if (p == NULL)
    return;
  g_free (p->layer);
  g_free (p->idx);
  g_free (p->x);
  g_free (p->cov);
  g_free (p->v);
  g_free (p->w);
  g_free (p->scores);
  g_free (p->previous);
  g_free (p);
}

/* The input of the last op with weights, or the output of a net with none; the path of
 * that op, or "output". */
static int
feature_value (const StNet *net, const char **layer)
{
  for (guint o = net->n_ops; o-- > 0;)
    {
      const StOp *op = &net->ops[o];

      if ((op->kind == ST_OP_LINEAR || op->kind == ST_OP_CONV2D) && op->weight >= 0)
        {
          *layer = op->path;
          return op->inputs[0].value;
        }
    }
  *layer = "output";
  return net->output;
}

StProjection *
st_projection_new (const StNet *net, const StDataset *test, int batch_size, GError **error)
{
  g_autoptr (StProjection) p = g_new0 (StProjection, 1);
  const char *layer;

  g_return_val_if_fail (net != NULL && test != NULL, NULL);

  p->net = net;
  p->test = test;
  p->value = feature_value (net, &layer);
  p->layer = g_strdup (layer);
  p->chunk = MAX (batch_size, 1);
  p->n = (int) MIN (test->n, ST_PROJECTION_IMAGES);
  p->d = net->values[p->value].numel;
  p->gram = (gsize) p->n < p->d;
  p->m = p->gram ? (gsize) p->n : p->d;
  p->k = (int) MIN (BLOCK, p->m);
  p->idx = g_try_new (guint32, MAX (p->n, 1));
  p->x = g_try_new (float, MAX ((gsize) p->n * p->d, 1));
  p->cov = g_try_new (float, MAX (p->m * p->m, 1));
  p->v = g_try_new0 (double, MAX (BLOCK * p->m, 1));
  p->w = g_try_new0 (double, MAX (BLOCK * p->m, 1));
  p->scores = g_try_new0 (double, MAX (2 * (gsize) p->n, 1));
  p->previous = g_try_new0 (double, MAX (2 * (gsize) p->n, 1));
  if (p->idx == NULL || p->x == NULL || p->cov == NULL || p->v == NULL || p->w == NULL
      || p->scores == NULL || p->previous == NULL)
    {
      g_set_error (error, ST_NET_ERROR, ST_NET_ERROR_MEMORY,
                   _("the features of %d test images (%zu values each) do not fit in memory"),
                   p->n, p->d);
      return NULL;
    }
  for (int i = 0; i < p->n; i++)
    p->idx[i] = (guint32) i;
  return g_steal_pointer (&p);
}

const char *
st_projection_layer (const StProjection *p)
{
  return p->layer;
}

/* Eigenvalues (descending, into lambda) and eigenvectors (columns of q, k × k, row-major) of
 * the symmetric k × k matrix a, by cyclic Jacobi rotations; a is destroyed. */
static void
jacobi (double *a, int k, double *lambda, double *q)
{
  for (int i = 0; i < k * k; i++)
    q[i] = i % (k + 1) == 0 ? 1.0 : 0.0;
  for (int sweep = 0; sweep < 60; sweep++)
    {
      double off = 0.0, scale = 0.0;

      for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
          {
            if (i == j)
              scale += a[i * k + j] * a[i * k + j];
            else
              off += a[i * k + j] * a[i * k + j];
          }
      if (off <= 1e-30 * MAX (scale, 1e-300))
        break;
      for (int p = 0; p < k; p++)
        for (int r = p + 1; r < k; r++)
          {
            double apq = a[p * k + r], theta, t, c, s;

            if (fabs (apq) < 1e-300)
              continue;
            theta = (a[r * k + r] - a[p * k + p]) / (2.0 * apq);
            t = (theta >= 0 ? 1.0 : -1.0) / (fabs (theta) + sqrt (theta * theta + 1.0));
            c = 1.0 / sqrt (t * t + 1.0);
            s = t * c;
            for (int i = 0; i < k; i++)   /* a ← a·J */
              {
                double aip = a[i * k + p], air = a[i * k + r];

                a[i * k + p] = c * aip - s * air;
                a[i * k + r] = s * aip + c * air;
              }
            for (int i = 0; i < k; i++)   /* a ← Jᵀ·a */
              {
                double api = a[p * k + i], ari = a[r * k + i];

                a[p * k + i] = c * api - s * ari;
                a[r * k + i] = s * api + c * ari;
              }
            for (int i = 0; i < k; i++)   /* q ← q·J */
              {
                double qip = q[i * k + p], qir = q[i * k + r];

                q[i * k + p] = c * qip - s * qir;
                q[i * k + r] = s * qip + c * qir;
              }
          }
    }
  /* descending order, columns of q with them */
  for (int i = 0; i < k; i++)
    lambda[i] = a[i * k + i];
  for (int i = 0; i < k; i++)
    for (int j = i + 1; j < k; j++)
      if (lambda[j] > lambda[i])
        {
          double t = lambda[i];

          lambda[i] = lambda[j];
          lambda[j] = t;
          for (int r = 0; r < k; r++)
            {
              t = q[r * k + i];
              q[r * k + i] = q[r * k + j];
              q[r * k + j] = t;
            }
        }
}

/* w_j = cov · v_j for the K rows of v. */
static void
multiply (StProjection *p)
{
  const gsize m = p->m;

  for (int j = 0; j < p->k; j++)
    {
      const double *v = p->v + j * m;
      double *w = p->w + j * m;

      for (gsize r = 0; r < m; r++)
        {
          const float *row = p->cov + r * m;
          double s = 0.0;

          for (gsize c = 0; c < m; c++)
            s += row[c] * v[c];
          w[r] = s;
        }
    }
}

/* The rows of v made orthonormal (modified Gram-Schmidt); a row that vanishes is replaced
 * by a unit vector along a coordinate and orthonormalised again. */
static void
orthonormalise (double *v, int k, gsize m)
{
  for (int j = 0; j < k; j++)
    for (int attempt = 0; attempt <= (int) MIN (m, 8); attempt++)
      {
        double *vj = v + j * m, len = 0.0;

        for (int i = 0; i < j; i++)
          {
            const double *vi = v + i * m;
            double dot = 0.0;

            for (gsize c = 0; c < m; c++)
              dot += vi[c] * vj[c];
            for (gsize c = 0; c < m; c++)
              vj[c] -= dot * vi[c];
          }
        for (gsize c = 0; c < m; c++)
          len += vj[c] * vj[c];
        len = sqrt (len);
        if (len > 1e-12)
          {
            for (gsize c = 0; c < m; c++)
              vj[c] /= len;
            break;
          }
        memset (vj, 0, sizeof (double) * m);
        vj[((gsize) j + attempt) % m] = 1.0;
      }
}

/* A start that does not depend on anything but the sizes. */
static void
cold_start (StProjection *p)
{
  guint32 h = 2166136261u;

  for (gsize i = 0; i < (gsize) p->k * p->m; i++)
    {
      h = (h ^ (guint32) i) * 16777619u;
      p->v[i] = (double) (h >> 8) / (double) (1u << 24) - 0.5;
    }
}

/* The rows of v ← the rows of w combined by the columns of q (k × k): v_j = Σ_i q_ij w_i. */
static void
rotate (double *v, const double *w, const double *q, int k, gsize m)
{
  for (int j = 0; j < k; j++)
    for (gsize c = 0; c < m; c++)
      {
        double s = 0.0;

        for (int i = 0; i < k; i++)
          s += q[i * k + j] * w[i * m + c];
        v[j * m + c] = s;
      }
}

/* The top K eigenvectors of cov into the rows of v, descending; their eigenvalues. */
static void
iterate (StProjection *p, double *lambda)
{
  const int k = p->k;
  const gsize m = p->m;
  double h[BLOCK * BLOCK], q[BLOCK * BLOCK], before[2] = { -1.0, -1.0 };

  orthonormalise (p->v, k, m);
  for (int it = 0; it < MAX_ITERS; it++)
    {
      multiply (p);
      /* Rayleigh-Ritz: h = vᵀ·cov·v, its eigenvectors rotate v */
      for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
          {
            double s = 0.0;

            for (gsize c = 0; c < m; c++)
              s += p->v[i * m + c] * p->w[j * m + c];
            h[i * k + j] = s;
          }
      for (int i = 0; i < k; i++)             /* symmetric, whatever the rounding */
        for (int j = i + 1; j < k; j++)
          h[i * k + j] = h[j * k + i] = 0.5 * (h[i * k + j] + h[j * k + i]);
      jacobi (h, k, lambda, q);
      if (it > 2 && fabs (lambda[0] - before[0]) <= 1e-10 * fabs (lambda[0])
          && (k < 2 || fabs (lambda[1] - before[1]) <= 1e-10 * MAX (fabs (lambda[0]), 1e-300)))
        {
          /* v ← the Ritz vectors of this iteration */
          memcpy (p->w, p->v, sizeof (double) * k * m);
          rotate (p->v, p->w, q, k, m);
          return;
        }
      before[0] = lambda[0];
      before[1] = k > 1 ? lambda[1] : 0.0;
      /* v ← cov·v rotated into Ritz order, orthonormal */
      rotate (p->v, p->w, q, k, m);
      orthonormalise (p->v, k, m);
    }
  /* not converged in MAX_ITERS: the vectors as they are, in the order of the last Ritz
   * values (close enough for a picture) */
}

gboolean
st_projection_measure (StProjection *p, StBackend *backend, GError **error)
{
  const gsize d = p->d, m = p->m;
  const int n = p->n;
  double lambda[BLOCK] = { 0 }, total = 0.0;

  g_return_val_if_fail (p != NULL && backend != NULL, FALSE);

  for (int first = 0; first < n; first += p->chunk)
    {
      float *out = p->x + (gsize) first * d;

      if (!st_backend_snapshot_batch (backend, ST_SPLIT_TEST, p->idx + first,
                                      MIN (p->chunk, n - first), &p->value, 1, &out, error))
        return FALSE;
    }
  if (n == 0 || d == 0)
    {
      p->explained[0] = p->explained[1] = 0.0;
      p->measured = TRUE;
      return TRUE;
    }
  /* centre each feature */
  for (gsize c = 0; c < d; c++)
    {
      double mean = 0.0;

      for (int i = 0; i < n; i++)
        mean += p->x[i * d + c];
      mean /= n;
      for (int i = 0; i < n; i++)
        p->x[i * d + c] = (float) (p->x[i * d + c] - mean);
    }
  /* non-finite features (a diverging net) would poison every component: read as zero */
  for (gsize i = 0; i < (gsize) n * d; i++)
    if (!isfinite (p->x[i]))
      p->x[i] = 0.0f;
  if (p->gram)   /* x·xᵀ (N × N) */
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, n, (int) d, 1.0f, p->x, (int) d,
                 p->x, (int) d, 0.0f, p->cov, (int) m);
  else           /* xᵀ·x (D × D) */
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) d, (int) d, n, 1.0f, p->x,
                 (int) d, p->x, (int) d, 0.0f, p->cov, (int) m);
  for (gsize r = 0; r < m; r++)
    total += p->cov[r * m + r];
  if (!p->measured)
    cold_start (p);
  iterate (p, lambda);
  for (int j = 0; j < 2; j++)
    {
      double sign = 1.0, agree = 0.0;

      if (j >= p->k)
        {
          for (int i = 0; i < n; i++)
            p->scores[i * 2 + j] = 0.0;
          p->explained[j] = 0.0;
          continue;
        }
      for (int i = 0; i < n; i++)
        {
          double s = 0.0;

          if (p->gram)
            s = p->v[j * m + i] * sqrt (MAX (lambda[j], 0.0));
          else
            for (gsize c = 0; c < d; c++)
              s += p->x[i * d + c] * p->v[j * m + c];
          p->scores[i * 2 + j] = s;
        }
      if (p->measured)
        for (int i = 0; i < n; i++)
          agree += p->scores[i * 2 + j] * p->previous[i * 2 + j];
      else
        {
          /* the first time: the image with the largest score on the positive side */
          double largest = 0.0;

          for (int i = 0; i < n; i++)
            if (fabs (p->scores[i * 2 + j]) > fabs (largest))
              largest = p->scores[i * 2 + j];
          agree = largest;
        }
      if (agree < 0.0)
        sign = -1.0;
      for (int i = 0; i < n; i++)
        p->scores[i * 2 + j] *= sign;
      for (gsize c = 0; c < m; c++)
        p->v[j * m + c] *= sign;
      p->explained[j] = total > 0.0 ? MAX (lambda[j], 0.0) / total : 0.0;
    }
  memcpy (p->previous, p->scores, sizeof (double) * 2 * n);
  p->measured = TRUE;
  return TRUE;
}

void
st_projection_append_json (const StProjection *p, int epoch, GString *out)
{
  g_string_append_printf (out, "{\"epoch\": %d, \"layer\": ", epoch);
  st_json_append_string (out, p->layer);
  g_string_append_printf (out, ", \"features\": %zu, \"explained\": [%.4f, %.4f], "
                          "\"points\": [", p->d, p->explained[0], p->explained[1]);
  for (int i = 0; i < p->n; i++)
    {
      char x[G_ASCII_DTOSTR_BUF_SIZE], y[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (x, sizeof x, "%.5g", p->measured ? p->scores[i * 2] : 0.0);
      g_ascii_formatd (y, sizeof y, "%.5g", p->measured ? p->scores[i * 2 + 1] : 0.0);
      g_string_append_printf (out, "%s[%s, %s, %u]", i > 0 ? ", " : "", x, y,
                              p->test->labels[i]);
    }
  g_string_append (out, "]}");
}

/* ---- reading back --------------------------------------------------------------------- */

void
st_projection_data_free (StProjectionData *data)
{
  if (data == NULL)
    return;
  g_free (data->layer);
  g_free (data->xy);
  g_free (data->labels);
  g_free (data);
}

StProjectionData *
st_projection_data_copy (const StProjectionData *data)
{
  StProjectionData *copy = g_memdup2 (data, sizeof *data);

  copy->layer = g_strdup (data->layer);
  copy->xy = g_memdup2 (data->xy, sizeof (float) * 2 * MAX (data->n, 1));
  copy->labels = g_memdup2 (data->labels, MAX (data->n, 1));
  return copy;
}

StProjectionData *
st_projection_data_parse (const char *line, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (StProjectionData) data = g_new0 (StProjectionData, 1);
  JsonObject *o = st_json_line_object (line, parser);
  JsonNode *points = o != NULL ? json_object_get_member (o, "points") : NULL;
  JsonNode *explained = o != NULL ? json_object_get_member (o, "explained") : NULL;
  JsonArray *list;

  if (points == NULL || !JSON_NODE_HOLDS_ARRAY (points))
    goto bad;
  list = json_node_get_array (points);
  data->epoch = (int) json_object_get_int_member_with_default (o, "epoch", 0);
  data->layer = g_strdup (json_object_get_string_member_with_default (o, "layer", "?"));
  data->features = (int) json_object_get_int_member_with_default (o, "features", 0);
  if (explained != NULL && JSON_NODE_HOLDS_ARRAY (explained))
    for (guint j = 0; j < 2 && j < json_array_get_length (json_node_get_array (explained)); j++)
      if (!st_json_node_number (json_array_get_element (json_node_get_array (explained), j),
                                &data->explained[j]))
        goto bad;
  data->n = (int) MIN (json_array_get_length (list), G_MAXINT / 2);
  data->xy = g_new (float, 2 * MAX (data->n, 1));
  data->labels = g_new (guint8, MAX (data->n, 1));
  for (int i = 0; i < data->n; i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonArray *p = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      double x, y, label;

      if (p == NULL || json_array_get_length (p) != 3
          || !st_json_node_number (json_array_get_element (p, 0), &x)
          || !st_json_node_number (json_array_get_element (p, 1), &y)
          || !st_json_node_number (json_array_get_element (p, 2), &label)
          || label < 0 || label > 255 || label != floor (label))
        goto bad;
      data->xy[2 * i] = (float) x;
      data->xy[2 * i + 1] = (float) y;
      data->labels[i] = (guint8) label;
    }
  return g_steal_pointer (&data);

bad:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
               _("not a projection: an object with \"points\", each [x, y, label]"));
  return NULL;
}

StProjectionData *
st_projection_data_read_last (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *display = NULL;
  gsize length;

  text = st_input_file_read (path, PROJECTION_MAX_SIZE, _("a file of projections"), &length,
                             error);
  if (text == NULL)
    return NULL;
  display = g_filename_display_name (path);
  /* the last line that reads, looked for from the end (a line before it is never parsed);
   * one cut short by a kill is passed over, as line-file.h has it */
  for (char *end = text + length; end > text;)
    {
      char *start = end;
      StProjectionData *data;

      while (start > text && start[-1] != '\n')
        start--;
      if (end > start && memchr (start, '\0', end - start) == NULL)
        {
          g_autofree char *line = g_strndup (start, end - start);

          g_strchomp (line);
          if (line[0] != '\0' && (data = st_projection_data_parse (line, NULL)) != NULL)
            return data;
        }
      end = start > text ? start - 1 : text;
    }
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("%s: no projection yet"), display);
  return NULL;
}
