/* train-config.c: the "training" section — read, checked and written back.
 *
 * Optimizer defaults and rules are PyTorch's:
 * https://pytorch.org/docs/stable/generated/torch.optim.SGD.html (nesterov needs momentum > 0
 * and dampening 0), https://pytorch.org/docs/stable/generated/torch.optim.Adam.html,
 * https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html (weight_decay 0.01).
 */
#define G_LOG_DOMAIN "strata-train-config"

#include "core/model/train-config.h"
#include "core/io/i18n.h"

#include <math.h>
#include <string.h>

#include "core/io/json-write.h"
#include "core/model/spec-error.h"

static const char *const loss_names[ST_N_LOSSES] = { "CrossEntropyLoss", "BCELoss", "MSELoss" };
static const char *const optim_names[ST_N_OPTIMS] = { "SGD", "Adam", "AdamW" };
static const char *const init_names[ST_N_INITS] = {
  "default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal"
};

#define MAX_AUG_SHIFT  64

static gboolean
name_index (const char *const *names, int n, const char *name, int *out)
{
  for (int i = 0; i < n; i++)
    if (strcmp (names[i], name) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

const char *st_loss_name (StLossKind kind) { return loss_names[kind]; }
const char *st_optim_name (StOptimKind kind) { return optim_names[kind]; }
const char *st_init_name (StInitKind kind) { return init_names[kind]; }

gboolean
st_loss_from_name (const char *name, StLossKind *kind)
{
  int i;
  if (!name_index (loss_names, ST_N_LOSSES, name, &i))
    return FALSE;
  *kind = i;
  return TRUE;
}

gboolean
st_optim_from_name (const char *name, StOptimKind *kind)
{
  int i;
  /* Accept the spellings a notebook uses on the command line: "sgd", "adam". */
  for (i = 0; i < ST_N_OPTIMS; i++)
    if (g_ascii_strcasecmp (optim_names[i], name) == 0)
      {
        *kind = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
st_init_from_name (const char *name, StInitKind *kind)
{
  int i;
  if (!name_index (init_names, ST_N_INITS, name, &i))
    return FALSE;
  *kind = i;
  return TRUE;
}

void
st_optim_config_init_default (StOptimConfig *optim, StOptimKind type)
{
  *optim = (StOptimConfig) {
    .type = type,
    .lr = type == ST_OPTIM_SGD ? 0.1 : 1e-3,
    .weight_decay = type == ST_OPTIM_ADAMW ? 0.01 : 0.0,
    .betas = { 0.9, 0.999 },
    .eps = 1e-8,
  };
}

void
st_train_config_init_default (StTrainConfig *config)
{
  *config = (StTrainConfig) {
    .dataset = g_strdup ("fashion-mnist"),
    .epochs = 10,
    .batch_size = 256,
    .loss = ST_LOSS_CROSS_ENTROPY,
    .init = ST_INIT_DEFAULT,
    .seed = 0,
  };
  st_optim_config_init_default (&config->optimizer, ST_OPTIM_SGD);
}

void
st_train_config_clear (StTrainConfig *config)
{
  g_clear_pointer (&config->dataset, g_free);
}

void
st_train_config_copy (StTrainConfig *dest, const StTrainConfig *src)
{
  *dest = *src;
  dest->dataset = g_strdup (src->dataset);
}

/* ---- reading ------------------------------------------------------------------------- */

typedef struct {
  const char *origin;
  const char *section;   /* "training", "training.optimizer", ... */
  GError    **error;
} Reader;

static gboolean
fail (Reader *r, const char *key, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (Reader *r, const char *key, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (r->error, ST_SPEC_ERROR, ST_SPEC_ERROR_STRUCTURE, _("%s: %s.%s %s"), r->origin,
               r->section, key, msg);
  return FALSE;
}

static gboolean
check_keys (Reader *r, JsonObject *obj, const char *const *keys)
{
  g_autoptr (GList) members = json_object_get_members (obj);
  g_autofree char *list = NULL;

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (keys, l->data))
      {
        list = g_strjoinv (", ", (char **) keys);
        return fail (r, l->data, _("is not a known setting (known: %s)"), list);
      }
  return TRUE;
}

static gboolean
read_number (Reader *r, JsonObject *obj, const char *key, double min, double max,
             gboolean min_open, double *out)
{
  JsonNode *v = json_object_get_member (obj, key);
  GType t;
  double d;

  if (v == NULL)
    return TRUE;
  t = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_value_type (v) : G_TYPE_INVALID;
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    return fail (r, key, _("must be a number"));
  d = json_node_get_double (v);
  if (!isfinite (d) || d < min || d > max || (min_open && d == min))
    {
      if (max < G_MAXDOUBLE)
        return fail (r, key, _("must be between %g and %g, got %g"), min, max, d);
      if (min_open)
        return fail (r, key, _("must be above %g, got %g"), min, d);
      return fail (r, key, _("must be at least %g, got %g"), min, d);
    }
  *out = d;
  return TRUE;
}

static gboolean
read_int (Reader *r, JsonObject *obj, const char *key, gint64 min, gint64 max, gint64 *out)
{
  JsonNode *v = json_object_get_member (obj, key);
  gint64 n;

  if (v == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_INT64)
    return fail (r, key, _("must be a whole number"));
  n = json_node_get_int (v);
  if (n < min || n > max)
    return fail (r, key, _("must be from %" PRId64 " to %" PRId64 ", got %" PRId64), min, max,
                 n);
  *out = n;
  return TRUE;
}

static gboolean
read_bool (Reader *r, JsonObject *obj, const char *key, gboolean *out)
{
  JsonNode *v = json_object_get_member (obj, key);

  if (v == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_BOOLEAN)
    return fail (r, key, _("must be true or false"));
  *out = json_node_get_boolean (v);
  return TRUE;
}

static const char *
read_string (Reader *r, JsonObject *obj, const char *key, gboolean *ok)
{
  JsonNode *v = json_object_get_member (obj, key);

  *ok = TRUE;
  if (v == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
    {
      *ok = fail (r, key, _("must be a string"));
      return NULL;
    }
  return json_node_get_string (v);
}

static JsonObject *
read_object (Reader *r, JsonObject *obj, const char *key, gboolean *ok)
{
  JsonNode *v = json_object_get_member (obj, key);

  *ok = TRUE;
  if (v == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (v))
    {
      *ok = fail (r, key, _("must be an object"));
      return NULL;
    }
  return json_node_get_object (v);
}

static gboolean
read_optimizer (Reader *r, JsonObject *obj, StOptimConfig *optim)
{
  static const char *const sgd_keys[] = { "type", "lr", "momentum", "dampening", "nesterov",
                                          "weight_decay", NULL };
  static const char *const adam_keys[] = { "type", "lr", "betas", "eps", "weight_decay", NULL };
  const char *type_name;
  StOptimKind type;
  JsonNode *betas;
  gboolean ok;

  type_name = read_string (r, obj, "type", &ok);
  if (!ok)
    return FALSE;
  if (type_name == NULL)
    return fail (r, "type", _("is missing: say \"SGD\", \"Adam\" or \"AdamW\""));
  if (!st_optim_from_name (type_name, &type))
    return fail (r, "type", _("'%s' is not an optimizer Strata has (SGD, Adam, AdamW)"), type_name);
  st_optim_config_init_default (optim, type);
  if (!check_keys (r, obj, type == ST_OPTIM_SGD ? sgd_keys : adam_keys)
      || !read_number (r, obj, "lr", 0.0, G_MAXDOUBLE, TRUE, &optim->lr)
      || !read_number (r, obj, "momentum", 0.0, G_MAXDOUBLE, FALSE, &optim->momentum)
      || !read_number (r, obj, "dampening", 0.0, 1.0, FALSE, &optim->dampening)
      || !read_bool (r, obj, "nesterov", &optim->nesterov)
      || !read_number (r, obj, "weight_decay", 0.0, G_MAXDOUBLE, FALSE, &optim->weight_decay)
      || !read_number (r, obj, "eps", 0.0, G_MAXDOUBLE, TRUE, &optim->eps))
    return FALSE;
  if (optim->nesterov && (optim->momentum <= 0.0 || optim->dampening != 0.0))
    return fail (r, "nesterov", _("needs momentum above 0 and dampening 0, as in PyTorch"));

  betas = json_object_get_member (obj, "betas");
  if (betas != NULL)
    {
      JsonArray *arr = JSON_NODE_HOLDS_ARRAY (betas) ? json_node_get_array (betas) : NULL;

      if (arr == NULL || json_array_get_length (arr) != 2)
        return fail (r, "betas", _("must be a pair of numbers such as [0.9, 0.999]"));
      for (int i = 0; i < 2; i++)
        {
          JsonNode *b = json_array_get_element (arr, i);
          double d;

          if (!JSON_NODE_HOLDS_VALUE (b) || (json_node_get_value_type (b) != G_TYPE_DOUBLE
                                             && json_node_get_value_type (b) != G_TYPE_INT64))
            return fail (r, "betas", _("must be a pair of numbers such as [0.9, 0.999]"));
          d = json_node_get_double (b);
          if (!(d >= 0.0 && d < 1.0))
            return fail (r, "betas", _("must each be at least 0 and below 1, got %g"), d);
          optim->betas[i] = d;
        }
    }
  return TRUE;
}

static gboolean
read_channel_list (Reader *r, JsonObject *obj, const char *key, double *out, int *n)
{
  JsonNode *v = json_object_get_member (obj, key);
  JsonArray *arr;

  if (v == NULL)
    return fail (r, key, _("is missing"));
  if (!JSON_NODE_HOLDS_ARRAY (v))
    return fail (r, key, _("must be a list with one number per channel, such as [0.5]"));
  arr = json_node_get_array (v);
  *n = json_array_get_length (arr);
  if (*n < 1 || *n > ST_MAX_CHANNELS_NORMALIZE)
    return fail (r, key, _("must have 1 to %d numbers, one per channel"),
                 ST_MAX_CHANNELS_NORMALIZE);
  for (int i = 0; i < *n; i++)
    {
      JsonNode *e = json_array_get_element (arr, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || (json_node_get_value_type (e) != G_TYPE_DOUBLE
                                         && json_node_get_value_type (e) != G_TYPE_INT64))
        return fail (r, key, _("must hold numbers only"));
      out[i] = json_node_get_double (e);
      if (!isfinite (out[i]))
        return fail (r, key, _("must hold finite numbers"));
    }
  return TRUE;
}

static gboolean
read_normalize (Reader *r, JsonObject *obj, StNormalizeConfig *norm)
{
  static const char *const keys[] = { "mean", "std", NULL };
  int n_std;

  if (!check_keys (r, obj, keys)
      || !read_channel_list (r, obj, "mean", norm->mean, &norm->n)
      || !read_channel_list (r, obj, "std", norm->std, &n_std))
    return FALSE;
  if (n_std != norm->n)
    return fail (r, "std", _("has %d numbers but mean has %d; give one of each per channel"),
                 n_std, norm->n);
  for (int i = 0; i < n_std; i++)
    if (!(norm->std[i] > 0.0))
      return fail (r, "std", _("must be above 0, got %g"), norm->std[i]);
  return TRUE;
}

static gboolean
read_augment (Reader *r, JsonObject *obj, StAugmentConfig *aug)
{
  static const char *const keys[] = { "shift", "rotation", "horizontal_flip", "crop_padding",
                                      NULL };
  gint64 shift = 0, crop = 0;

  if (!check_keys (r, obj, keys)
      || !read_int (r, obj, "shift", 0, MAX_AUG_SHIFT, &shift)
      || !read_number (r, obj, "rotation", 0.0, 180.0, FALSE, &aug->rotation)
      || !read_bool (r, obj, "horizontal_flip", &aug->horizontal_flip)
      || !read_int (r, obj, "crop_padding", 0, MAX_AUG_SHIFT, &crop))
    return FALSE;
  aug->shift = shift;
  aug->crop_padding = crop;
  return TRUE;
}

gboolean
st_train_config_from_json (StTrainConfig *config, JsonObject *object, const char *origin,
                           GError **error)
{
  static const char *const keys[] = { "dataset", "epochs", "batch_size", "loss", "init", "seed",
                                      "optimizer", "normalize", "augment", "resize_images",
                                      NULL };
  Reader r = { origin, "training", error };
  gint64 epochs, batch, seed;
  const char *s;
  JsonObject *sub;
  gboolean ok;

  st_train_config_clear (config);
  st_train_config_init_default (config);
  epochs = config->epochs;
  batch = config->batch_size;
  seed = 0;

  if (!check_keys (&r, object, keys)
      || !read_int (&r, object, "epochs", 1, ST_TRAIN_MAX_EPOCHS, &epochs)
      || !read_int (&r, object, "batch_size", 1, ST_TRAIN_MAX_BATCH, &batch)
      || !read_int (&r, object, "seed", 0, G_MAXINT64, &seed)
      || !read_bool (&r, object, "resize_images", &config->resize_images))
    return FALSE;
  config->epochs = epochs;
  config->batch_size = batch;
  config->seed = seed;

  s = read_string (&r, object, "dataset", &ok);
  if (!ok)
    return FALSE;
  if (s != NULL)
    {
      if (*s == '\0')
        return fail (&r, "dataset", _("is empty; name a dataset (\"mnist\") or a path"));
      g_free (config->dataset);
      config->dataset = g_strdup (s);
    }

  s = read_string (&r, object, "loss", &ok);
  if (!ok)
    return FALSE;
  if (s != NULL && !st_loss_from_name (s, &config->loss))
    return fail (&r, "loss",
                 _("'%s' is not a loss Strata has (CrossEntropyLoss, BCELoss, MSELoss)"), s);

  s = read_string (&r, object, "init", &ok);
  if (!ok)
    return FALSE;
  if (s != NULL && !st_init_from_name (s, &config->init))
    return fail (&r, "init", _("'%s' is not an initialiser Strata has (default, xavier_uniform, "
                   "xavier_normal, kaiming_uniform, kaiming_normal)"), s);

  sub = read_object (&r, object, "optimizer", &ok);
  if (!ok)
    return FALSE;
  if (sub != NULL)
    {
      r.section = "training.optimizer";
      if (!read_optimizer (&r, sub, &config->optimizer))
        return FALSE;
      r.section = "training";
    }

  sub = read_object (&r, object, "normalize", &ok);
  if (!ok)
    return FALSE;
  if (sub != NULL)
    {
      r.section = "training.normalize";
      if (!read_normalize (&r, sub, &config->normalize))
        return FALSE;
      r.section = "training";
    }

  sub = read_object (&r, object, "augment", &ok);
  if (!ok)
    return FALSE;
  if (sub != NULL)
    {
      r.section = "training.augment";
      if (!read_augment (&r, sub, &config->augment))
        return FALSE;
    }
  return TRUE;
}

/* ---- writing ------------------------------------------------------------------------- */

static void
write_key (GString *out, int indent, const char *key, gboolean *first)
{
  g_string_append_printf (out, "%s\n%*s\"%s\": ", *first ? "" : ",", indent + 2, "", key);
  *first = FALSE;
}

static void
write_list (GString *out, const double *v, int n)
{
  g_string_append_c (out, '[');
  for (int i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      st_json_append_double (out, v[i]);
    }
  g_string_append_c (out, ']');
}

static void
write_optimizer (GString *out, const StOptimConfig *o)
{
  StOptimConfig d;

  st_optim_config_init_default (&d, o->type);
  g_string_append_printf (out, "{\"type\": \"%s\", \"lr\": ", optim_names[o->type]);
  st_json_append_double (out, o->lr);
  if (o->type == ST_OPTIM_SGD)
    {
      g_string_append (out, ", \"momentum\": ");
      st_json_append_double (out, o->momentum);
      if (o->dampening != d.dampening)
        {
          g_string_append (out, ", \"dampening\": ");
          st_json_append_double (out, o->dampening);
        }
      if (o->nesterov)
        g_string_append (out, ", \"nesterov\": true");
    }
  else
    {
      if (o->betas[0] != d.betas[0] || o->betas[1] != d.betas[1])
        {
          g_string_append (out, ", \"betas\": ");
          write_list (out, o->betas, 2);
        }
      if (o->eps != d.eps)
        {
          g_string_append (out, ", \"eps\": ");
          st_json_append_double (out, o->eps);
        }
    }
  g_string_append (out, ", \"weight_decay\": ");
  st_json_append_double (out, o->weight_decay);
  g_string_append_c (out, '}');
}

void
st_train_config_write (const StTrainConfig *config, GString *out, int indent)
{
  const StAugmentConfig *a = &config->augment;
  gboolean first = TRUE, afirst = TRUE;

  g_string_append_c (out, '{');
  write_key (out, indent, "dataset", &first);
  st_json_append_string (out, config->dataset != NULL ? config->dataset : "");
  write_key (out, indent, "epochs", &first);
  g_string_append_printf (out, "%d", config->epochs);
  write_key (out, indent, "batch_size", &first);
  g_string_append_printf (out, "%d", config->batch_size);
  write_key (out, indent, "loss", &first);
  st_json_append_string (out, loss_names[config->loss]);
  write_key (out, indent, "init", &first);
  st_json_append_string (out, init_names[config->init]);
  write_key (out, indent, "seed", &first);
  g_string_append_printf (out, "%" G_GUINT64_FORMAT, config->seed);
  write_key (out, indent, "optimizer", &first);
  write_optimizer (out, &config->optimizer);
  if (config->normalize.n > 0)
    {
      write_key (out, indent, "normalize", &first);
      g_string_append (out, "{\"mean\": ");
      write_list (out, config->normalize.mean, config->normalize.n);
      g_string_append (out, ", \"std\": ");
      write_list (out, config->normalize.std, config->normalize.n);
      g_string_append_c (out, '}');
    }
  write_key (out, indent, "augment", &first);
  g_string_append_c (out, '{');
#define AUG_KEY(k) g_string_append_printf (out, "%s\"%s\": ", afirst ? "" : ", ", k), afirst = FALSE
  if (a->shift > 0)
    {
      AUG_KEY ("shift");
      g_string_append_printf (out, "%d", a->shift);
    }
  if (a->rotation > 0.0)
    {
      AUG_KEY ("rotation");
      st_json_append_double (out, a->rotation);
    }
  if (a->horizontal_flip)
    {
      AUG_KEY ("horizontal_flip");
      g_string_append (out, "true");
    }
  if (a->crop_padding > 0)
    {
      AUG_KEY ("crop_padding");
      g_string_append_printf (out, "%d", a->crop_padding);
    }
#undef AUG_KEY
  g_string_append_c (out, '}');
  /* written only when asked for: a file without it reads the same */
  if (config->resize_images)
    {
      write_key (out, indent, "resize_images", &first);
      g_string_append (out, "true");
    }
  g_string_append_printf (out, "\n%*s}", indent, "");
}
