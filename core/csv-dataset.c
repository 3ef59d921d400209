/* csv-dataset.c: reading Kaggle-layout CSV files.
 *
 * The file is read into memory once (not mapped: a file cut short by someone else while it
 * is parsed would be a SIGBUS, not a message) and parsed in two passes: the first counts
 * the rows so that the images are allocated once, the second parses them straight into
 * the dataset.
 * Blank lines are skipped everywhere; line numbers in messages count every line, blank or
 * not, from 1, as an editor shows them.
 */
#define G_LOG_DOMAIN "strata-csv"

#include "core/csv-dataset.h"

#include <math.h>
#include <string.h>

#define FIELD_QUOTE_MAX 24   /* characters of a bad field quoted in a message */

typedef struct {
  const char *display;
  const char *p;        /* start of the current line */
  const char *eol;      /* its end, before "\r\n" or "\n" */
  const char *next;     /* start of the next line */
  const char *end;      /* end of the file */
  gint64      line;     /* number of the current line, from 1 */
} Lines;

/* Moves to the next line that is not blank; FALSE at the end of the file. */
static gboolean
lines_next (Lines *l)
{
  while (l->next < l->end)
    {
      const char *p = l->next, *nl = memchr (p, '\n', l->end - p);
      const char *q;

      l->line++;
      l->p = p;
      l->next = nl != NULL ? nl + 1 : l->end;
      l->eol = nl != NULL ? nl : l->end;
      if (l->eol > p && l->eol[-1] == '\r')
        l->eol--;
      for (q = p; q < l->eol && (*q == ' ' || *q == '\t'); q++)
        ;
      if (q < l->eol)
        return TRUE;
    }
  return FALSE;
}

static int
count_columns (const char *p, const char *eol)
{
  int n = 1;

  for (; p < eol; p++)
    n += *p == ',';
  return n;
}

/* Parses one whole number ("12", "-3", "+7", "255.0") that ends at a comma or the end of
 * the line; *p is left on the comma. Values beyond ±1e9 saturate: they are out of range
 * for every use here anyway. */
static gboolean
parse_int (const char **p, const char *eol, int *value)
{
  const char *s = *p;
  gboolean negative = FALSE, digits = FALSE;
  gint64 v = 0;

  while (s < eol && (*s == ' ' || *s == '\t'))
    s++;
  if (s < eol && (*s == '-' || *s == '+'))
    negative = *s++ == '-';
  for (; s < eol && g_ascii_isdigit (*s); s++)
    {
      digits = TRUE;
      if (v < 1000000000)
        v = v * 10 + (*s - '0');
    }
  if (digits && s < eol && *s == '.')
    for (s++; s < eol && *s == '0'; s++)
      ;
  while (s < eol && (*s == ' ' || *s == '\t'))
    s++;
  if (!digits || (s < eol && *s != ','))
    return FALSE;
  *p = s;
  *value = (int) (negative ? -v : v);
  return TRUE;
}

static gboolean
not_a_number (const Lines *l, const char *field, int column, GError **error)
{
  const char *end = memchr (field, ',', l->eol - field);
  g_autofree char *text = NULL;
  gsize len;

  len = (end != NULL ? end : l->eol) - field;
  text = g_utf8_make_valid (field, MIN (len, FIELD_QUOTE_MAX));
  g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
               "%s: line %" G_GINT64_FORMAT ", column %d: \"%s%s\" is not a whole number",
               l->display, l->line, column, text, len > FIELD_QUOTE_MAX ? "…" : "");
  return FALSE;
}

static gboolean
wrong_columns (const Lines *l, int expected, gint64 expected_line, GError **error)
{
  g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
               "%s: line %" G_GINT64_FORMAT ": %d columns, expected %d (a label and %d pixels, "
               "as on line %" G_GINT64_FORMAT ")", l->display, l->line,
               count_columns (l->p, l->eol), expected, expected - 1, expected_line);
  return FALSE;
}

/* Parses the current line into label and pixels[0..n_pixels). */
static gboolean
parse_row (const Lines *l, int n_pixels, gint64 columns_line, int n_classes, guint8 *label,
           guint8 *pixels, GError **error)
{
  const char *p = l->p;
  int v;

  if (!parse_int (&p, l->eol, &v))
    return not_a_number (l, l->p, 1, error);
  if (v < 0 || v > 255 || (n_classes > 0 && v >= n_classes))
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   "%s: line %" G_GINT64_FORMAT ": label %d is out of range (0 to %d)",
                   l->display, l->line, v, n_classes > 0 ? n_classes - 1 : 255);
      return FALSE;
    }
  *label = (guint8) v;
  for (int i = 0; i < n_pixels; i++)
    {
      const char *field;

      if (p >= l->eol)
        return wrong_columns (l, n_pixels + 1, columns_line, error);
      field = ++p;   /* past the comma */
      if (!parse_int (&p, l->eol, &v))
        return not_a_number (l, field, i + 2, error);
      if (v < 0 || v > 255)
        {
          g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                       "%s: line %" G_GINT64_FORMAT ", column %d (pixel%d): %d is outside "
                       "0 to 255", l->display, l->line, i + 2, i + 1, v);
          return FALSE;
        }
      pixels[i] = (guint8) v;
    }
  if (p < l->eol)
    return wrong_columns (l, n_pixels + 1, columns_line, error);
  return TRUE;
}

static gboolean
looks_like_header (const Lines *l)
{
  const char *p = l->p;
  int v;

  return !parse_int (&p, l->eol, &v);
}

StDataset *
st_csv_dataset_load (const char *path, int n_classes, GError **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  g_autoptr (StDataset) ds = NULL;
  g_autofree char *display = NULL;
  g_autofree char *name = NULL;
  const char *data;
  Lines l = { 0 }, first;
  gboolean header;
  gint64 n_rows = 0, row = 0, columns_line;
  int n_columns, n_pixels, side, max_label = -1;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (n_classes >= 0 && n_classes <= ST_DATASET_MAX_CLASSES, NULL);

  display = g_filename_display_name (path);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_IO,
                   "%s: a folder, not a CSV file", display);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, ST_DATASET_ERROR,
                   g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                   ? ST_DATASET_ERROR_NOT_FOUND : ST_DATASET_ERROR_IO, "%s", local->message);
      return NULL;
    }
  data = contents;
  l.display = display;
  l.next = data;
  l.end = data + length;

  if (!lines_next (&l))
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   "%s: the file is empty: no rows of label,pixel1,pixel2,...", display);
      return NULL;
    }
  if (memchr (data, '\0', l.end - data) != NULL)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   "%s: not a CSV file (it contains binary data)", display);
      return NULL;
    }
  header = looks_like_header (&l);
  n_columns = count_columns (l.p, l.eol);
  columns_line = l.line;
  if (header && !lines_next (&l))
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   "%s: only a header line, no rows of label,pixel1,pixel2,...", display);
      return NULL;
    }
  first = l;
  do
    n_rows++;
  while (lines_next (&l));

  n_pixels = n_columns - 1;
  side = (int) lround (sqrt ((double) n_pixels));
  if (n_pixels < 1 || side > ST_DATASET_MAX_SIDE || side * side != n_pixels)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   "%s: line %" G_GINT64_FORMAT ": %d columns give %d pixels, which is not a "
                   "square image (a label and 784 = 28×28 pixels, say)", display,
                   columns_line, n_columns, n_pixels);
      return NULL;
    }

  name = g_path_get_basename (path);
  ds = st_dataset_new (name, display, n_rows, 1, side, side, error);
  if (ds == NULL)
    return NULL;
  l = first;
  do
    {
      if (!parse_row (&l, n_pixels, columns_line, n_classes, &ds->labels[row],
                      ds->images + (gsize) row * n_pixels, error))
        return NULL;
      max_label = MAX (max_label, ds->labels[row]);
      row++;
    }
  while (lines_next (&l));
  g_assert (row == n_rows);

  st_dataset_set_classes (ds, n_classes > 0 ? n_classes : max_label + 1, NULL);
  return g_steal_pointer (&ds);
}
