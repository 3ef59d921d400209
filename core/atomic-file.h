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

/* ---- fault injection, for tests only ------------------------------------------------
 *
 * Makes the `nth` call (counting from 1, from now on, over every atomic file of the
 * process) of one system operation misbehave, once:
 *
 *   ST_ATOMIC_FILE_FAULT_WRITE   write(2) fails with `errno_value` (ENOSPC: "disk full")
 *   ST_ATOMIC_FILE_FAULT_SHORT   write(2) writes only half of what it was given, as the
 *                                kernel may; the save must still produce the whole file
 *   ST_ATOMIC_FILE_FAULT_FSYNC   fsync(2) of the temporary fails with `errno_value`
 *   ST_ATOMIC_FILE_FAULT_RENAME  rename(2) fails with `errno_value`
 *
 * ST_ATOMIC_FILE_FAULT_NONE (or nth 0) disarms. Only one fault is armed at a time.
 *
 * The same can be armed from outside the process, for a child under test, with the
 * environment variable STRATA_ATOMIC_FILE_FAULT=KIND:NTH[:ERRNO], read once at the first
 * st_atomic_file_open(): KIND is write, short, fsync or rename; ERRNO is ENOSPC, EIO,
 * EDQUOT, EROFS or a number, by default ENOSPC for write and EIO otherwise.
 * Example: STRATA_ATOMIC_FILE_FAULT=write:2 makes the second write report a full disk.
 *
 * The check costs one atomic read per system call and nothing else when disarmed. */
typedef enum {
  ST_ATOMIC_FILE_FAULT_NONE,
  ST_ATOMIC_FILE_FAULT_WRITE,
  ST_ATOMIC_FILE_FAULT_SHORT,
  ST_ATOMIC_FILE_FAULT_FSYNC,
  ST_ATOMIC_FILE_FAULT_RENAME,
} StAtomicFileFault;

void          st_atomic_file_inject_fault  (StAtomicFileFault fault,
                                            guint             nth,
                                            int               errno_value);
/* TRUE while a fault is armed and has not fired yet, so a test can tell that it
 * exercised the path it meant to. */
gboolean      st_atomic_file_fault_pending (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StAtomicFile, st_atomic_file_abort)

G_END_DECLS
