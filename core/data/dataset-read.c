/* dataset-read.c: what every dataset reader shares — opening its files without waiting on
 * a FIFO or a device (input-file.c, with errors in the dataset's domain), the memory a
 * dataset may take before it is allocated, and the stop requests asked while it loads. */
#define G_LOG_DOMAIN "strata-dataset"

#include "core/data/dataset.h"
#include "core/io/i18n.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "core/io/input-file.h"

/* input-file.c's error in the dataset's domain, with its message. */
static void
dataset_error (GError **error, GError *local)
{
  g_set_error_literal (error, ST_DATASET_ERROR,
                       g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                       ? ST_DATASET_ERROR_NOT_FOUND : ST_DATASET_ERROR_IO, local->message);
  g_error_free (local);
}

gboolean
st_dataset_check_file (const char *path, gint64 *size, GError **error)
{
  GError *local = NULL;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!st_input_file_check (path, &local))
    {
      dataset_error (error, local);
      return FALSE;
    }
  if (size != NULL)
    *size = g_stat (path, &st) == 0 ? st.st_size : 0;
  return TRUE;
}

int
st_dataset_open_file (const char *path, gint64 *size, GError **error)
{
  GError *local = NULL;
  int fd = st_input_file_open (path, size, &local);

  if (fd < 0)
    dataset_error (error, local);
  return fd;
}

/* The first number in `path`, in bytes after multiplying by `unit`; FALSE when the file
 * cannot be read or holds no number ("max" in a control group's memory.max). */
static gboolean
read_number (const char *path, const char *key, guint64 unit, guint64 *value)
{
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  p = text;
  if (key != NULL && (p = strstr (text, key)) != NULL)
    p += strlen (key);
  if (p == NULL)
    return FALSE;
  while (*p == ' ' || *p == '\t')
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  *value = g_ascii_strtoull (p, NULL, 10) * unit;
  return TRUE;
}

/* Bytes that can still be had: the kernel's estimate (MemAvailable, free pages without it),
 * lowered to what this process's control group (cgroup v2) has left when it sets a limit.
 * FALSE when nothing tells. */
static gboolean
available_memory (guint64 *bytes)
{
  g_autofree char *cgroup = NULL;
  gboolean known = read_number ("/proc/meminfo", "MemAvailable:", 1024, bytes);
  long pages = sysconf (_SC_AVPHYS_PAGES), page = sysconf (_SC_PAGESIZE);

  if (!known && pages > 0 && page > 0)
    {
      *bytes = (guint64) pages * (guint64) page;
      known = TRUE;
    }
  /* "0::/user.slice/...": the process's place in the unified hierarchy. */
  if (g_file_get_contents ("/proc/self/cgroup", &cgroup, NULL, NULL)
      && g_str_has_prefix (cgroup, "0::/"))
    {
      g_autofree char *rel = g_strndup (cgroup + 3, strcspn (cgroup + 3, "\n"));
      g_autofree char *max_path = g_build_filename ("/sys/fs/cgroup", rel, "memory.max", NULL);
      g_autofree char *cur_path = g_build_filename ("/sys/fs/cgroup", rel, "memory.current",
                                                    NULL);
      guint64 max, current;

      if (read_number (max_path, NULL, 1, &max) && read_number (cur_path, NULL, 1, &current))
        {
          guint64 left = max > current ? max - current : 0;

          *bytes = known ? MIN (*bytes, left) : left;
          known = TRUE;
        }
    }
  return known;
}

/* "44.9 GiB": IEC units, one decimal, and a plain space (g_format_size's is a no-break one,
 * which a search for the message would miss). */
static char *
size_text (guint64 bytes)
{
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  double v = (double) bytes / 1024.0;
  int u = 0;

  if (bytes < 1024)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" PRIu64 " byte", "%" PRIu64 " bytes",
                                         bytes), bytes);
  for (; v >= 1024.0 && u < (int) G_N_ELEMENTS (units) - 1; u++)
    v /= 1024.0;
  return g_strdup_printf ("%.1f %s", v, units[u]);
}

gboolean
st_dataset_check_memory (const char *origin, guint64 bytes, const char *what, GError **error)
{
  g_autofree char *need = NULL;
  g_autofree char *have = NULL;
  guint64 available;

  g_return_val_if_fail (origin != NULL && what != NULL, FALSE);

  if (!available_memory (&available) || bytes <= available)
    return TRUE;
  need = size_text (bytes);
  have = size_text (available);
  g_set_error (error, ST_DATASET_ERROR, ST_DATASET_ERROR_TOO_LARGE,
               _("%s: %s need %s; %s is available"), origin, what, need, have);
  return FALSE;
}

gboolean
st_dataset_keep_reading (const StDatasetReadControl *control, const char *display,
                         GError **error)
{
  if (control == NULL || control->cancelled == NULL
      || !control->cancelled (control->cancelled_data))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("%s: loading stopped"), display);
  return FALSE;
}
