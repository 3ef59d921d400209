/* workers.h: a fixed team of threads that run one function together, step after step.
 *
 * The calling thread is member 0 and works too; members 1..n-1 are threads that live as
 * long as the team. st_workers_run() hands every member the same function and returns when
 * all have finished. Inside, st_workers_barrier() waits for the whole team.
 *
 * Between back-to-back runs (training steps) members wait by spinning on an atomic counter,
 * so a step takes no lock and makes no system call; a member that has spun for a while
 * without work sleeps on a condition variable instead, and the next run wakes it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _StWorkers StWorkers;

/* Runs on every member: `member` in [0, n_members). */
typedef void (*StWorkFunc) (gpointer data, int member, int n_members);

/* n_members ≥ 1; 0 means one per processor (g_get_num_processors, or $STRATA_THREADS). */
StWorkers *st_workers_new      (int n_members);
void       st_workers_free     (StWorkers *workers);
int        st_workers_size     (const StWorkers *workers);
void       st_workers_run      (StWorkers *workers, StWorkFunc func, gpointer data);
/* Only from inside a StWorkFunc: returns when every member has reached it. */
void       st_workers_barrier  (StWorkers *workers);
/* The [begin, end) share of member `m` when `total` items are split among `n` members. */
void       st_split_range      (gsize total, int m, int n, gsize *begin, gsize *end);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StWorkers, st_workers_free)

G_END_DECLS
