/* input-file.h: the first look at a file a learner names, before it is read.
 *
 * Opening a FIFO for reading waits for a writer, and reading a character device such as
 * /dev/zero never ends: given as a model, weights or data file, either would hang Strata
 * where Ctrl+C does nothing. Every reader of such a file calls st_input_file_check () on the
 * path first, which looks without opening and refuses anything but a regular file.
 *
 * Errors are in G_FILE_ERROR and their message names the path.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* TRUE when `path`, symbolic links followed, is a regular file. Otherwise FALSE and
 * `error`: "PATH: a FIFO, not a regular file" (a character device, a block device, a
 * socket: G_FILE_ERROR_INVAL; a folder: G_FILE_ERROR_ISDIR), or "PATH: cannot read: No such
 * file or directory" with the code of the system error when the path cannot be looked at.
 * Nothing is opened. */
gboolean st_input_file_check (const char  *path,
                              GError     **error);

/* What a file of `mode` (st_mode from stat) is, for messages: "a FIFO", "a folder", "a
 * character device", "a block device", "a socket", "a regular file", or "something else". */
const char *st_input_file_kind (mode_t mode);

/* `path` opened for reading: checked as above, opened without waiting (a FIFO swapped in
 * meanwhile cannot block) and checked again, then made blocking as any regular file; its size
 * in `size` (may be NULL). -1 with `error` on failure. */
int      st_input_file_open  (const char  *path,
                              gint64      *size,
                              GError     **error);

/* The whole of the regular file `path`, NUL-terminated, its size in `length`; checked as
 * above, then opened without waiting and checked again, so a FIFO swapped in between is
 * refused too. A file of more than `max_size` bytes is refused without reading it: "PATH:
 * 80.0 MiB is too large for WHAT; Strata reads at most 64.0 MiB", `what` being, say, "a
 * model file". NULL on error. */
char    *st_input_file_read  (const char  *path,
                              gsize        max_size,
                              const char  *what,
                              gsize       *length,
                              GError     **error);

G_END_DECLS
