/* csv-dataset.c: reading Kaggle-layout CSV files.
 *
 * The file is read into memory once (not mapped: a file cut short by someone else while it
 * is parsed would be a SIGBUS, not a message), after stat() has said it is a regular file
 * that fits in the memory available, and parsed in two passes: the first counts the rows so
 * that the images are allocated once, the second parses them straight into the dataset.
 * Reading and both passes ask every few MB whether to stop.
 * Blank lines are skipped everywhere; line numbers in messages count every line, blank or
 * not, from 1, as an editor shows them.
 */
#define G_LOG_DOMAIN "strata-csv"

#include "core/data/csv-dataset.h"
#include "core/io/i18n.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define FIELD_QUOTE_MAX 24          /* characters of a bad field quoted in a message */
#define READ_SLICE      (4 << 20)   /* bytes read or parsed between two questions to stop */
#define UTF16_SNIFF     64          /* leading bytes looked at for UTF-16 without a mark */

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
               _("%s: line %" PRId64 ", column %d: \"%s%s\" is not a whole number"),
               l->display, l->line, column, text, len > FIELD_QUOTE_MAX ? "…" : "");
  return FALSE;
}

static gboolean
wrong_columns (const Lines *l, int expected, gint64 expected_line, GError **error)
{
  g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
               _("%s: line %" PRId64 ": %d columns, expected %d (a label and %d pixels, "
                 "as on line %" PRId64 ")"), l->display, l->line,
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
                   _("%s: line %" PRId64 ": label %d is out of range (0 to %d)"),
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
                       _("%s: line %" PRId64 ", column %d (pixel%d): %d is outside "
                         "0 to 255"), l->display, l->line, i + 2, i + 1, v);
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

/* The whole file, `length` bytes and a NUL. It is stat()ed before it is opened, which a FIFO
 * would block, and weighed against the memory available before it is read. */
static char *
read_text (const char *path, const char *display, const StDatasetReadControl *control,
           gsize *length, GError **error)
{
  g_autofree char *text = NULL;
  gint64 size = 0;
  gsize got = 0;
  int fd, saved;

  fd = st_dataset_open_file (path, &size, error);
  if (fd < 0)
    return NULL;
  if (!st_dataset_check_memory (display, (guint64) size + 1, _("its lines of text"), error))
    {
      close (fd);
      return NULL;
    }
  text = g_try_malloc ((gsize) size + 1);
  if (text == NULL)
    {
      close (fd);
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_TOO_LARGE,
                   _("%s: %" PRId64 " bytes of text do not fit in memory"), display, size);
      return NULL;
    }
  /* What stat() saw is read; a file that grows meanwhile is read to that size. */
  while (got < (gsize) size)
    {
      gssize r;

      if (!st_dataset_keep_reading (control, display, error))
        {
          close (fd);
          return NULL;
        }
      r = read (fd, text + got, MIN ((gsize) size - got, READ_SLICE));
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          saved = errno;
          close (fd);
          g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_IO, _("%s: cannot read: %s"),
                       display, g_strerror (saved));
          return NULL;
        }
      if (r == 0)
        break;
      got += r;
    }
  close (fd);
  text[got] = '\0';
  *length = got;
  return g_steal_pointer (&text);
}

/* UTF-16, as Windows' "Unicode text" saves: a byte-order mark, or ASCII with every other
 * byte zero. */
static gboolean
is_utf16 (const guint8 *data, gsize length)
{
  gsize n = MIN (length, UTF16_SNIFF) & ~(gsize) 1;
  gboolean le = n >= 4, be = n >= 4;

  if (length >= 2
      && ((data[0] == 0xff && data[1] == 0xfe) || (data[0] == 0xfe && data[1] == 0xff)))
    return TRUE;
  for (gsize i = 0; i < n; i += 2)
    {
      le = le && data[i] != 0 && data[i + 1] == 0;
      be = be && data[i] == 0 && data[i + 1] != 0;
    }
  return le || be;
}

/* The separator of a line that has more semicolons or tabs than commas (a spreadsheet in a
 * locale whose decimal mark is the comma, a TSV file), or spaces and no comma at all; NULL
 * for a comma-separated line. */
static const char *
other_separator (const Lines *l)
{
  int commas = 0, semicolons = 0, tabs = 0, spaces = 0;

  for (const char *p = l->p; p < l->eol; p++)
    {
      commas += *p == ',';
      semicolons += *p == ';';
      tabs += *p == '\t';
      spaces += *p == ' ';
    }
  if (semicolons > commas && semicolons >= tabs)
    return "';'";
  if (tabs > commas)
    return _("tabs");
  if (commas == 0 && spaces > 0)
    return _("spaces");
  return NULL;
}

StDataset *
st_csv_dataset_load (const char *path, int n_classes, GError **error)
{
  return st_csv_dataset_load_full (path, n_classes, NULL, error);
}

StDataset *
st_csv_dataset_load_full (const char *path, int n_classes, const StDatasetReadControl *control,
                          GError **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (StDataset) ds = NULL;
  g_autofree char *display = NULL;
  g_autofree char *name = NULL;
  const char *data, *checked, *separator;
  Lines l = { 0 }, first;
  gboolean header;
  gint64 n_rows = 0, row = 0, columns_line, max_rows;
  int n_columns, n_pixels, side, max_label = -1;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (n_classes >= 0 && n_classes <= ST_DATASET_MAX_CLASSES, NULL);
  g_return_val_if_fail (control == NULL || control->max_examples >= 0, NULL);

  display = g_filename_display_name (path);
  contents = read_text (path, display, control, &length, error);
  if (contents == NULL)
    return NULL;
  if (is_utf16 ((const guint8 *) contents, length))
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s is UTF-16 text; save it as UTF-8"), display);
      return NULL;
    }
  data = contents;
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    data += 3;   /* UTF-8's byte-order mark, as spreadsheets write it */
  l.display = display;
  l.next = data;
  l.end = contents + length;
  max_rows = control != NULL && control->max_examples > 0 ? control->max_examples : G_MAXINT64;

  if (!lines_next (&l))
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: the file is empty: no rows of label,pixel1,pixel2,..."), display);
      return NULL;
    }
  if (memchr (data, '\0', l.end - data) != NULL)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: not a CSV file (it contains binary data)"), display);
      return NULL;
    }
  separator = other_separator (&l);
  if (separator != NULL)
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: line %" PRId64 " is separated by %s, not commas; save it "
                     "with commas (label,pixel1,pixel2,...)"), display, l.line, separator);
      return NULL;
    }
  header = looks_like_header (&l);
  n_columns = count_columns (l.p, l.eol);
  columns_line = l.line;
  if (header && !lines_next (&l))
    {
      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: only a header line, no rows of label,pixel1,pixel2,..."), display);
      return NULL;
    }
  first = l;
  checked = l.p;
  do
    {
      n_rows++;
      if (l.p - checked >= READ_SLICE)
        {
          if (!st_dataset_keep_reading (control, display, error))
            return NULL;
          checked = l.p;
        }
    }
  while (n_rows < max_rows && lines_next (&l));

  n_pixels = n_columns - 1;
  side = (int) lround (sqrt ((double) n_pixels));
  if (n_pixels < 1 || side > ST_DATASET_MAX_SIDE || side * side != n_pixels)
    {
      g_autofree char *columns = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                               "%d column gives",
                                                               "%d columns give", n_columns),
                                                  n_columns);
      g_autofree char *pixels = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d pixel",
                                                              "%d pixels", n_pixels), n_pixels);

      g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_FORMAT,
                   _("%s: line %" PRId64 ": %s %s, which is not a square image "
                     "(a label and 784 = 28×28 pixels, say)"), display, columns_line, columns,
                   pixels);
      return NULL;
    }

  name = g_path_get_basename (path);
  ds = st_dataset_new (name, display, n_rows, 1, side, side, error);
  if (ds == NULL)
    return NULL;
  l = first;
  checked = l.p;
  do
    {
      if (l.p - checked >= READ_SLICE)
        {
          if (!st_dataset_keep_reading (control, display, error))
            return NULL;
          checked = l.p;
        }
      if (!parse_row (&l, n_pixels, columns_line, n_classes, &ds->labels[row],
                      ds->images + (gsize) row * n_pixels, error))
        return NULL;
      max_label = MAX (max_label, ds->labels[row]);
      row++;
    }
  while (row < n_rows && lines_next (&l));
  g_assert (row == n_rows);

  st_dataset_set_classes (ds, n_classes > 0 ? n_classes : max_label + 1, NULL);
  return g_steal_pointer (&ds);
}
