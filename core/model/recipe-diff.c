/* recipe-diff.c: see recipe-diff.h. The keys are PyTorch's words, not translated: a
 * legend reads "lr 0.3" in every language, as the model file does. */
#include "core/model/recipe-diff.h"

#include <string.h>

#define N_SETTINGS 15

static char *
number (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", v));
}

static char *
augment_text (const StAugmentConfig *a)
{
  GString *s = g_string_new (NULL);

  if (a->shift > 0)
    g_string_append_printf (s, "%sshift %d", s->len > 0 ? " " : "", a->shift);
  if (a->rotation > 0.0)
    {
      g_autofree char *r = number (a->rotation);

      g_string_append_printf (s, "%srotation %s", s->len > 0 ? " " : "", r);
    }
  if (a->horizontal_flip)
    g_string_append_printf (s, "%sflip", s->len > 0 ? " " : "");
  if (a->crop_padding > 0)
    g_string_append_printf (s, "%scrop %d", s->len > 0 ? " " : "", a->crop_padding);
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}

static char *
normalize_text (const StNormalizeConfig *n)
{
  GString *s = g_string_new (NULL);

  if (n->n == 0)
    g_string_append (s, "none");
  for (int c = 0; c < n->n; c++)
    {
      g_autofree char *m = number (n->mean[c]), *d = number (n->std[c]);

      g_string_append_printf (s, "%s%s/%s", c > 0 ? " " : "", m, d);
    }
  return g_string_free (s, FALSE);
}

/* The values of spec's settings, in the order of recipe-diff.h. */
static void
settings (const StSpec *spec, char **value)
{
  const StTrainConfig *t;
  const StOptimConfig *o;

  if (spec == NULL)
    {
      for (int i = 0; i < N_SETTINGS; i++)
        value[i] = g_strdup ("?");
      return;
    }
  t = &spec->training;
  o = &t->optimizer;
  value[0] = g_strdup (spec->name != NULL ? spec->name : "");
  value[1] = g_strdup (t->dataset != NULL ? t->dataset : "");
  value[2] = g_strdup (st_optim_name (o->type));
  value[3] = number (o->lr);
  value[4] = o->type == ST_OPTIM_SGD ? number (o->momentum) : g_strdup ("-");
  value[5] = number (o->weight_decay);
  if (o->type != ST_OPTIM_SGD)
    {
      g_autofree char *b0 = number (o->betas[0]), *b1 = number (o->betas[1]);

      value[6] = g_strdup_printf ("%s/%s", b0, b1);
    }
  else
    value[6] = g_strdup ("-");
  value[7] = o->type != ST_OPTIM_SGD ? number (o->eps) : g_strdup ("-");
  value[8] = g_strdup_printf ("%d", t->batch_size);
  value[9] = g_strdup (st_loss_name (t->loss));
  value[10] = g_strdup (st_init_name (t->init));
  value[11] = g_strdup_printf ("%" G_GUINT64_FORMAT, t->seed);
  value[12] = normalize_text (&t->normalize);
  value[13] = augment_text (&t->augment);
  value[14] = g_strdup (t->resize_images ? "true" : "false");
}

char **
st_recipe_differences (const StSpec *const *specs, guint n)
{
  static const char *const keys[N_SETTINGS] = {
    "model", "dataset", "", "lr", "momentum", "weight_decay", "betas", "eps", "batch",
    "loss", "init", "seed", "normalize", "augment", "resize_images",
  };
  g_autofree char **values = g_new0 (char *, (gsize) MAX (n, 1) * N_SETTINGS);
  char **labels = g_new0 (char *, n + 1);

  for (guint r = 0; r < n; r++)
    settings (specs[r], values + (gsize) r * N_SETTINGS);
  for (guint r = 0; r < n; r++)
    {
      GString *label = g_string_new (NULL);

      for (int k = 0; k < N_SETTINGS; k++)
        {
          const char *mine = values[(gsize) r * N_SETTINGS + k];
          gboolean differs = FALSE;

          for (guint o = 0; o < n && !differs; o++)
            differs = strcmp (values[(gsize) o * N_SETTINGS + k], mine) != 0;
          if (!differs)
            continue;
          if (label->len > 0)
            g_string_append (label, ", ");
          /* the optimizer needs no key: "Adam" says what it is */
          if (keys[k][0] != '\0')
            g_string_append_printf (label, "%s ", keys[k]);
          g_string_append (label, mine);
        }
      labels[r] = g_string_free (label, FALSE);
    }
  for (gsize i = 0; i < (gsize) n * N_SETTINGS; i++)
    g_free (values[i]);
  return labels;
}
