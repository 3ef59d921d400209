/* atomic-fault.c: the countdown behind st_test_inject_fault, as the hook of
 * core/io/atomic-file-private.h. */
#include "atomic-fault.h"

#include <errno.h>
#include <string.h>

static GMutex fault_lock;
static int fault_countdown;           /* > 0 while armed */
static StAtomicFileFault fault_kind;  /* under fault_lock */
static int fault_errno;               /* under fault_lock */

/* TRUE when the armed fault is of `kind` and this call is the one it targets. */
static gboolean
fault_fires (StAtomicFileFault kind, int *errno_value)
{
  gboolean fires = FALSE;

  if (g_atomic_int_get (&fault_countdown) == 0)
    return FALSE;

  g_mutex_lock (&fault_lock);
  if (fault_kind == kind && g_atomic_int_get (&fault_countdown) > 0)
    {
      int left = g_atomic_int_get (&fault_countdown) - 1;

      g_atomic_int_set (&fault_countdown, left);
      if (left == 0)
        {
          fires = TRUE;
          *errno_value = fault_errno;
          fault_kind = ST_ATOMIC_FILE_FAULT_NONE;
        }
    }
  g_mutex_unlock (&fault_lock);
  return fires;
}

void
st_test_inject_fault (StAtomicFileFault fault, guint nth, int errno_value)
{
  g_return_if_fail (fault <= ST_ATOMIC_FILE_FAULT_RENAME);
  g_return_if_fail (nth <= G_MAXINT);

  st_atomic_file_set_fault_hook (fault_fires);
  g_mutex_lock (&fault_lock);
  fault_kind = nth > 0 ? fault : ST_ATOMIC_FILE_FAULT_NONE;
  fault_errno = errno_value;
  g_atomic_int_set (&fault_countdown, fault_kind != ST_ATOMIC_FILE_FAULT_NONE ? (int) nth : 0);
  g_mutex_unlock (&fault_lock);
}

gboolean
st_test_fault_pending (void)
{
  return g_atomic_int_get (&fault_countdown) > 0;
}

static int
parse_errno (const char *text, int fallback)
{
  static const struct { const char *name; int value; } names[] = {
    { "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EDQUOT", EDQUOT }, { "EROFS", EROFS },
  };
  guint64 number;

  if (text == NULL)
    return fallback;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (text, names[i].name) == 0)
      return names[i].value;
  if (g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT, &number, NULL))
    return (int) number;
  return fallback;
}

gboolean
st_test_inject_fault_from_text (const char *text)
{
  static const struct { const char *name; StAtomicFileFault fault; int default_errno; } kinds[] = {
    { "write", ST_ATOMIC_FILE_FAULT_WRITE, ENOSPC },
    { "short", ST_ATOMIC_FILE_FAULT_SHORT, 0 },
    { "fsync", ST_ATOMIC_FILE_FAULT_FSYNC, EIO },
    { "rename", ST_ATOMIC_FILE_FAULT_RENAME, EIO },
  };
  g_auto (GStrv) parts = g_strsplit (text, ":", 3);
  guint64 nth;

  if (parts[0] == NULL || parts[1] == NULL
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXINT, &nth, NULL))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (parts[0], kinds[i].name) == 0)
      {
        st_test_inject_fault (kinds[i].fault, (guint) nth,
                              parse_errno (parts[2], kinds[i].default_errno));
        return TRUE;
      }
  return FALSE;
}
