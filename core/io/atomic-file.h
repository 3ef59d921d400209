/* atomic-file.h: replace a file so that a reader sees either the old or the new contents.
 *
 * The new contents go to a temporary file beside the target (same folder, so the rename
 * cannot cross file systems), which is flushed to disk, renamed over the target, and then
 * the folder is flushed so the rename itself survives a power cut. If anything fails before
 * the rename, the temporary is removed and the previous file is left exactly as it was.
 * A process killed mid-save leaves the previous file intact, and at worst a stale
 * temporary in the same folder, which the next save of the same target removes (below).
 *
 * Streaming use, so a large weight file need not be assembled in memory:
 *
 *   g_autoptr (StAtomicFile) file = st_atomic_file_open (path, 0644, error);
 *   if (file == NULL || !st_atomic_file_write (file, header, header_len, error)
 *       || !st_atomic_file_write (file, data, data_len, error))
 *     return FALSE;                          (the cleanup aborts: temporary removed)
 *   return st_atomic_file_commit (g_steal_pointer (&file), error);
 *
 * Errors are in G_FILE_ERROR (code from errno, e.g. G_FILE_ERROR_NOSPC) and their message
 * names the target path as the caller gave it and the system error.
 *
 * What the target may be, checked by st_atomic_file_open() without opening it (opening a
 * FIFO blocks):
 *
 *   - A symbolic link is followed, through a chain of at most 40 links (more is
 *     G_FILE_ERROR_LOOP), a relative one read from its link's folder. The file at the end of
 *     the chain is replaced, with its temporary beside it, so the links stay links and lead
 *     to the new contents; a dangling link creates the file it points to.
 *   - Anything but a regular file there (FIFO, device, socket: G_FILE_ERROR_INVAL; folder:
 *     G_FILE_ERROR_ISDIR) is refused, directly or through links ("…: it is a FIFO, not a
 *     regular file: Strata saves only to regular files"), as is a link of /proc/PID/fd that
 *     leads to no path of the file it opens.
 *   - A file we may not write (access(2)), or that has no write permission for anyone (which
 *     root's access(2) would let through), is refused: G_FILE_ERROR_ACCES.
 *   - A file replaced passes its permission bits (0777) to the new file, and its owner and
 *     group where we may give them; a new file gets `mode` less the umask. Hard links to
 *     the old file keep the old contents, and ACLs and extended attributes are not copied.
 *
 * The temporary is named ".NAME.tmp-XXXXXX" after the target's NAME. When that would be
 * longer than the folder allows a name to be (pathconf NAME_MAX, else 255), NAME is cut
 * at a character boundary and followed by "~" and 8 hex digits of its SHA-256, so every
 * name that fits the folder can be saved.
 *
 * Stale temporaries: the temporary is locked (flock) from its creation until it has been
 * renamed or removed. Each save first removes the stale temporaries of its own target:
 * the files of that folder named exactly as that target's temporaries are (the same stem,
 * ".tmp-", six letters or digits), that are regular files owned by the effective user, and
 * whose lock it can take, which no save in progress would let it. Nothing else is touched;
 * on a file system without flock() nothing is removed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _StAtomicFile StAtomicFile;

/* Checks the target, follows its links, removes its stale temporaries and creates the
 * temporary beside the file replaced; `mode`, as for open(2) with the umask applied, is for
 * a new file only: one replaced keeps its own. */
StAtomicFile *st_atomic_file_open          (const char   *path,
                                            int           mode,
                                            GError      **error);
/* Appends `size` bytes. On failure the temporary is removed at once; the handle must
 * still be released with st_atomic_file_abort() (the g_autoptr cleanup does it). */
gboolean      st_atomic_file_write         (StAtomicFile *file,
                                            const void   *data,
                                            gsize         size,
                                            GError      **error);
/* Flushes, renames over the target, flushes the folder, and frees `file`, whatever the
 * outcome. When it fails before the rename the previous file is untouched. If only the
 * final folder flush fails the new file is in place but may not survive a power cut;
 * that is reported as an error too. */
gboolean      st_atomic_file_commit        (StAtomicFile *file,
                                            GError      **error);
/* Removes the temporary and frees `file`. NULL is allowed. */
void          st_atomic_file_abort         (StAtomicFile *file);
const char   *st_atomic_file_get_path      (const StAtomicFile *file);

/* One shot: open, write, commit. */
gboolean      st_atomic_file_set_contents  (const char   *path,
                                            const void   *data,
                                            gsize         size,
                                            int           mode,
                                            GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StAtomicFile, st_atomic_file_abort)

G_END_DECLS
