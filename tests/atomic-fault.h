/* atomic-fault.h: "the nth write fails" for the tests of saving, through the seam of
 * core/io/atomic-file-private.h.
 *
 * st_test_inject_fault makes the `nth` call (counting from 1, from now on, over every atomic
 * file of the process) of one system operation misbehave, once (see atomic-file-private.h
 * for what each kind does); ST_ATOMIC_FILE_FAULT_NONE (or nth 0) disarms. Only one fault is
 * armed at a time. */
#pragma once

#include "core/io/atomic-file-private.h"

G_BEGIN_DECLS

void     st_test_inject_fault           (StAtomicFileFault fault,
                                         guint             nth,
                                         int               errno_value);
/* TRUE while a fault is armed and has not fired yet, so a test can tell that it exercised
 * the path it meant to. */
gboolean st_test_fault_pending          (void);
/* Arms the fault that `text` names, KIND:NTH[:ERRNO], for a child process under test: KIND
 * is write, short, fsync or rename; ERRNO is ENOSPC, EIO, EDQUOT, EROFS or a number, by
 * default ENOSPC for write and EIO otherwise. "write:2" makes the second write report a
 * full disk. FALSE when `text` is not of that form. */
gboolean st_test_inject_fault_from_text (const char *text);

G_END_DECLS
