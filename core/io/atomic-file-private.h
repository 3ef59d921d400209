/* atomic-file-private.h: the seam through which tests make an atomic file's system calls
 * misbehave. Only tests include it: no program of Strata sets the hook, and nothing arms it
 * from outside the process.
 *
 * With a hook set, each system call of a save first asks it whether to misbehave:
 *
 *   ST_ATOMIC_FILE_FAULT_SHORT   (before each write(2)) write only half of the chunk, as the
 *                                kernel may; the save must still produce the whole file
 *   ST_ATOMIC_FILE_FAULT_WRITE   (before each write(2)) fail with *errno_value
 *   ST_ATOMIC_FILE_FAULT_FSYNC   (before fsync(2) of the temporary) fail with *errno_value
 *   ST_ATOMIC_FILE_FAULT_RENAME  (before rename(2)) fail with *errno_value
 *
 * The hook returns TRUE (setting *errno_value where the kind fails) to make that call
 * misbehave. It may be called from any thread. Without a hook the check is one atomic read.
 * tests/atomic-fault.c counts calls with it ("the nth write fails"). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  ST_ATOMIC_FILE_FAULT_NONE,
  ST_ATOMIC_FILE_FAULT_WRITE,
  ST_ATOMIC_FILE_FAULT_SHORT,
  ST_ATOMIC_FILE_FAULT_FSYNC,
  ST_ATOMIC_FILE_FAULT_RENAME,
} StAtomicFileFault;

typedef gboolean (*StAtomicFileFaultHook) (StAtomicFileFault kind, int *errno_value);

/* NULL removes the hook. */
void st_atomic_file_set_fault_hook (StAtomicFileFaultHook hook);

G_END_DECLS
