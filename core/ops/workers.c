#define G_LOG_DOMAIN "strata-workers"

#include "core/ops/workers.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

/* How long an idle member spins before it sleeps: long enough to bridge the gap between two
 * training steps, short enough not to burn a core while the run is paused. */
#define SPIN_BEFORE_SLEEP_US 2000

struct _StWorkers {
  int          n;
  GThread    **threads;
  StWorkFunc   func;
  gpointer     data;
  atomic_uint  generation;   /* bumped for every run */
  atomic_int   finished;     /* members 1..n-1 done with the current run */
  atomic_int   sleepers;
  atomic_int   quit;
  atomic_int   barrier_count;
  atomic_uint  barrier_phase;
  GMutex       lock;
  GCond        wake;
};

typedef struct {
  StWorkers *team;
  int        member;
} MemberStart;

static void
relax (int *spins)
{
  if (++*spins > 64)
    sched_yield ();
}

static unsigned
wait_for_run (StWorkers *w, unsigned seen)
{
  gint64 start = g_get_monotonic_time ();
  int spins = 0;
  unsigned gen;

  while ((gen = atomic_load_explicit (&w->generation, memory_order_acquire)) == seen)
    {
      if (atomic_load (&w->quit))
        return seen;
      if (g_get_monotonic_time () - start < SPIN_BEFORE_SLEEP_US)
        {
          relax (&spins);
          continue;
        }
      g_mutex_lock (&w->lock);
      atomic_fetch_add (&w->sleepers, 1);
      while (atomic_load (&w->generation) == seen && !atomic_load (&w->quit))
        g_cond_wait (&w->wake, &w->lock);
      atomic_fetch_sub (&w->sleepers, 1);
      g_mutex_unlock (&w->lock);
    }
  return gen;
}

static gpointer
member_main (gpointer arg)
{
  MemberStart *start = arg;
  StWorkers *w = start->team;
  int member = start->member;
  unsigned seen = 0;

  g_free (start);
  for (;;)
    {
      seen = wait_for_run (w, seen);
      if (atomic_load (&w->quit))
        break;
      w->func (w->data, member, w->n);
      atomic_fetch_add_explicit (&w->finished, 1, memory_order_release);
    }
  return NULL;
}

StWorkers *
st_workers_new (int n_members)
{
  StWorkers *w = g_new0 (StWorkers, 1);

  if (n_members <= 0)
    {
      const char *env = g_getenv ("STRATA_THREADS");
      n_members = env != NULL ? atoi (env) : (int) g_get_num_processors ();
      n_members = CLAMP (n_members, 1, 256);
    }
  w->n = n_members;
  g_mutex_init (&w->lock);
  g_cond_init (&w->wake);
  w->threads = g_new0 (GThread *, n_members);
  for (int m = 1; m < n_members; m++)
    {
      MemberStart *start = g_new (MemberStart, 1);
      start->team = w;
      start->member = m;
      w->threads[m] = g_thread_new ("strata-worker", member_main, start);
    }
  return w;
}

void
st_workers_free (StWorkers *w)
{
  if (w == NULL)
    return;
  g_mutex_lock (&w->lock);
  atomic_store (&w->quit, 1);
  g_cond_broadcast (&w->wake);
  g_mutex_unlock (&w->lock);
  for (int m = 1; m < w->n; m++)
    g_thread_join (w->threads[m]);
  g_free (w->threads);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->wake);
  g_free (w);
}

int
st_workers_size (const StWorkers *w)
{
  return w->n;
}

void
st_workers_run (StWorkers *w, StWorkFunc func, gpointer data)
{
  int spins = 0;

  if (w->n == 1)
    {
      func (data, 0, 1);
      return;
    }
  w->func = func;
  w->data = data;
  atomic_store_explicit (&w->finished, 0, memory_order_relaxed);
  atomic_fetch_add (&w->generation, 1);   /* seq_cst: pairs with the sleepers check */
  if (atomic_load (&w->sleepers) > 0)
    {
      g_mutex_lock (&w->lock);
      g_cond_broadcast (&w->wake);
      g_mutex_unlock (&w->lock);
    }
  func (data, 0, w->n);
  while (atomic_load_explicit (&w->finished, memory_order_acquire) < w->n - 1)
    relax (&spins);
}

void
st_workers_barrier (StWorkers *w)
{
  unsigned phase;
  int spins = 0;

  if (w->n == 1)
    return;
  phase = atomic_load_explicit (&w->barrier_phase, memory_order_acquire);
  if (atomic_fetch_add_explicit (&w->barrier_count, 1, memory_order_acq_rel) == w->n - 1)
    {
      atomic_store_explicit (&w->barrier_count, 0, memory_order_relaxed);
      atomic_fetch_add_explicit (&w->barrier_phase, 1, memory_order_release);
      return;
    }
  while (atomic_load_explicit (&w->barrier_phase, memory_order_acquire) == phase)
    relax (&spins);
}

void
st_split_range (gsize total, int m, int n, gsize *begin, gsize *end)
{
  *begin = total * (gsize) m / (gsize) n;
  *end = total * (gsize) (m + 1) / (gsize) n;
}
