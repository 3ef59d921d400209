/* test-faults: what a run survives — a full disk while saving a checkpoint, a truncated or
 * mismatched checkpoint to resume from, dataset files that go missing or come up short, a
 * batch that cannot fit in memory, and hundreds of start/pause/resume/stop cycles. Each must
 * end in an error event that names the file (or the phrase the window shows), never a crash,
 * and must leave a previous checkpoint exactly as it was.
 *
 * The full disk is simulated with atomic-fault.h's fault injection, so the test needs
 * no privileges. Every file is generated into a temporary folder that the test removes.
 */
#define G_LOG_DOMAIN "test-faults"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "atomic-fault.h"
#include "core/engine/checkpoint.h"
#include "core/engine/net.h"
#include "core/engine/trainer.h"
#include "core/io/atomic-file.h"
#include "core/model/spec-read.h"
#include "test-util.h"

#define N_CYCLES 500

static GThread *owner_thread;

/* ---- files --------------------------------------------------------------------------- */

static guint
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
truncate_to (const char *path, gint64 length)
{
  g_assert_cmpint (truncate (path, length), ==, 0);
}

/* `n` images of side×side with labels 0 to n_classes - 1, as the IDX pair `prefix` in `dir`;
 * the images gzip-compressed when `gz`. Class k is a bright row at height k, over noise that
 * keeps the compressed file about as long as the raw one. */
static void
write_idx (const char *dir, const char *prefix, int n, int side, int n_classes, gboolean gz)
{
  gsize image_size = (gsize) side * side;
  g_autofree guint8 *images = g_malloc0 ((gsize) n * image_size);
  g_autofree guint8 *labels = g_malloc0 (n);
  g_autoptr (GRand) rand = g_rand_new_with_seed (n);

  for (int i = 0; i < n; i++)
    {
      int label = i % n_classes;
      guint8 *img = images + i * image_size;

      labels[i] = label;
      for (gsize p = 0; p < image_size; p++)
        img[p] = g_rand_int_range (rand, 0, 60);
      for (int x = 0; x < side; x++)
        img[(label % side) * side + x] = 250;
    }
  st_test_write_idx (dir, prefix, n, side, images, labels, gz);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_size;
}

/* ---- runs ---------------------------------------------------------------------------- */

typedef struct {
  int        batches;
  int        epochs;
  int        checkpoints;
  gboolean   started;
  gboolean   finished;
  gboolean   stopped;
  char      *error;
} Watch;

static void
watch_clear (Watch *w)
{
  g_clear_pointer (&w->error, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Watch, watch_clear)

static void
on_event (StTrainer *trainer, const StTrainerEvent *e, gpointer data)
{
  Watch *w = data;

  g_assert_true (g_thread_self () == owner_thread);
  switch (e->kind)
    {
    case ST_TRAINER_EVENT_STARTED:
      w->started = TRUE;
      break;
    case ST_TRAINER_EVENT_BATCH:
      w->batches++;
      break;
    case ST_TRAINER_EVENT_EPOCH:
      w->epochs++;
      break;
    case ST_TRAINER_EVENT_CHECKPOINT:
      w->checkpoints++;
      break;
    case ST_TRAINER_EVENT_ERROR:
      g_assert_null (w->error);
      g_assert_nonnull (e->error);
      w->error = g_strdup (e->message);
      break;
    case ST_TRAINER_EVENT_FINISHED:
      g_assert_false (w->finished);
      w->finished = TRUE;
      w->stopped = e->stopped;
      break;
    default:
      break;
    }
}

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the owner's context until *flag is set. A run that never sets it fails the test
 * after a minute instead of hanging it; the tick keeps the wait polling state that changes
 * without an event (PAUSED). */
static gboolean
pump_until (const gboolean *flag, const StTrainer *trainer, StTrainerState state)
{
  guint ticker = g_timeout_add (5, tick, NULL);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gboolean done;

  for (;;)
    {
      done = flag != NULL ? *flag : st_trainer_get_state ((StTrainer *) trainer) == state;
      if (done || g_get_monotonic_time () > deadline)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (ticker);
  if (!done)
    g_test_fail_printf ("the trainer did not get there within a minute");
  return done;
}

static StTrainer *
new_trainer (const StSpec *spec, const StTrainerOptions *options, Watch *w)
{
  g_autoptr (GError) error = NULL;
  StTrainer *trainer = st_trainer_new (spec, options, on_event, w, &error);

  g_assert_no_error (error);
  return trainer;
}

/* Starts `trainer` and runs it to FINISHED, then frees it. */
static void
finish (StTrainer *trainer, Watch *w)
{
  if (st_trainer_get_state (trainer) == ST_TRAINER_IDLE)
    st_trainer_start (trainer);
  pump_until (&w->finished, NULL, 0);
  st_trainer_free (trainer);
  if (w->error != NULL)
    g_test_message ("error event: %s", w->error);
}

static void
run (const StSpec *spec, const StTrainerOptions *options, Watch *w)
{
  finish (new_trainer (spec, options, w), w);
}

static StSpec *
preset (const char *name, int epochs)
{
  g_autoptr (GError) error = NULL;
  StSpec *spec = st_spec_load (name, &error);

  g_assert_no_error (error);
  spec->training.epochs = epochs;
  return spec;
}

static void
cpu_options (StTrainerOptions *options)
{
  st_trainer_options_init (options);
  options->device = ST_DEVICE_CPU;
}

static void
assert_contains (const char *text, const char *part)
{
  if (text == NULL || strstr (text, part) == NULL)
    g_test_fail_printf ("expected “%s” in “%s”", part, text != NULL ? text : "(nothing)");
}

/* ---- a full disk --------------------------------------------------------------------- */

/* Saving over a checkpoint fails at every write, and at the flush, with ENOSPC: each time
 * the error names the file and the disk, the previous file is unchanged byte for byte and
 * no temporary is left beside it. The save that finally gets no fault does change it. */
static void
test_save_disk_full (void)
{
  g_autoptr (StSpec) spec = preset ("toy", 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  g_autofree char *dir = st_test_make_tmp ("strata-faults-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "best.safetensors", NULL);
  g_autofree float *before_params = NULL;
  g_autofree float *new_params = NULL;
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GBytes) after = NULL;
  const StAtomicFileFault faults[] = { ST_ATOMIC_FILE_FAULT_WRITE, ST_ATOMIC_FILE_FAULT_FSYNC };
  int failed_writes = 0;

  g_assert_no_error (error);
  before_params = g_new (float, net->n_params);
  new_params = g_new (float, net->n_params);
  for (gsize i = 0; i < net->n_params; i++)
    {
      before_params[i] = 0.25f;
      new_params[i] = -1.5f;
    }
  g_assert_true (st_checkpoint_save (net, before_params, NULL, NULL, path, &error));
  g_assert_no_error (error);
  before = st_test_read_bytes (path);

  for (gsize f = 0; f < G_N_ELEMENTS (faults); f++)
    for (guint nth = 1; ; nth++)
      {
        g_autoptr (GError) local = NULL;
        g_autoptr (GBytes) now = NULL;
        gboolean saved;

        st_test_inject_fault (faults[f], nth, ENOSPC);
        saved = st_checkpoint_save (net, new_params, NULL, NULL, path, &local);
        if (st_test_fault_pending ())
          {
            /* Fewer calls than nth: the fault never fired and the save went through. */
            st_test_inject_fault (ST_ATOMIC_FILE_FAULT_NONE, 0, 0);
            g_assert_true (saved);
            g_assert_no_error (local);
            g_assert_true (st_checkpoint_save (net, before_params, NULL, NULL, path, &error));
            break;
          }
        g_assert_false (saved);
        g_assert_error (local, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
        if (local == NULL)
          break;
        g_test_message ("%s %u: %s", faults[f] == ST_ATOMIC_FILE_FAULT_WRITE ? "write" : "fsync",
                        nth, local->message);
        assert_contains (local->message, path);
        assert_contains (local->message, g_strerror (ENOSPC));
        now = st_test_read_bytes (path);
        g_assert_true (g_bytes_equal (now, before));
        g_assert_cmpuint (count_entries (dir), ==, 1);
        if (faults[f] == ST_ATOMIC_FILE_FAULT_WRITE)
          failed_writes++;
      }
  /* The length, the header and the tensors are written separately. */
  g_assert_cmpint (failed_writes, >=, 3);

  g_assert_true (st_checkpoint_save (net, new_params, NULL, NULL, path, &error));
  after = st_test_read_bytes (path);
  g_assert_false (g_bytes_equal (after, before));
  st_test_remove_tree (dir);
}

/* A run whose best checkpoint cannot be written reports it as an ERROR event and finishes;
 * the checkpoint of an earlier run survives. */
static void
test_trainer_disk_full (void)
{
  g_autoptr (StSpec) spec = preset ("toy", 1);
  g_autofree char *dir = st_test_make_tmp ("strata-faults-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "best.safetensors", NULL);
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GBytes) after = NULL;
  StTrainerOptions options;
  g_auto (Watch) first = { 0 };
  g_auto (Watch) full = { 0 };

  cpu_options (&options);
  options.save_path = path;
  run (spec, &options, &first);
  g_assert_null (first.error);
  g_assert_cmpint (first.checkpoints, ==, 1);
  before = st_test_read_bytes (path);

  /* Another seed, so the weights it would save differ from those on disk. */
  spec->training.seed = 7;
  spec->training.epochs = 3;
  st_test_inject_fault (ST_ATOMIC_FILE_FAULT_WRITE, 1, ENOSPC);
  run (spec, &options, &full);
  g_assert_false (st_test_fault_pending ());
  st_test_inject_fault (ST_ATOMIC_FILE_FAULT_NONE, 0, 0);
  g_assert_true (full.finished);
  g_assert_cmpint (full.checkpoints, ==, 0);
  g_assert_cmpint (full.epochs, ==, 1);
  assert_contains (full.error, path);
  assert_contains (full.error, g_strerror (ENOSPC));
  after = st_test_read_bytes (path);
  g_assert_true (g_bytes_equal (after, before));
  g_assert_cmpuint (count_entries (dir), ==, 1);
  st_test_remove_tree (dir);
}

/* ---- checkpoints that do not fit ----------------------------------------------------- */

static char *
save_checkpoint (const char *model_json, const char *dir, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StSpec) spec = st_spec_load_from_data (model_json, -1, name, &error);
  g_autoptr (StNet) net = NULL;
  g_autofree float *params = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_assert_no_error (error);
  net = st_net_compile (spec, &error);
  g_assert_no_error (error);
  params = g_new0 (float, net->n_params);
  g_assert_true (st_checkpoint_save (net, params, NULL, NULL, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
assert_resume_fails (const char *path, const char *tensor_message)
{
  g_autoptr (StSpec) spec = preset ("toy", 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (StNet) net = st_net_compile (spec, &error);
  g_autofree float *params = g_new0 (float, net->n_params);
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };

  g_assert_false (st_checkpoint_load (net, path, params, NULL, NULL, &error));
  g_assert_nonnull (error);
  if (error != NULL)
    {
      g_test_message ("%s", error->message);
      assert_contains (error->message, path);
      assert_contains (error->message, tensor_message);
    }

  cpu_options (&options);
  options.resume_path = path;
  run (spec, &options, &w);
  g_assert_true (w.finished);
  g_assert_false (w.started);
  assert_contains (w.error, path);
  assert_contains (w.error, tensor_message);
}

#define TOY_LAYERS(channels)                                                                  \
  "{\"input\": {\"channels\": 1, \"height\": 4, \"width\": 4}, \"layers\": ["                 \
  "{\"type\": \"Conv2d\", \"in_channels\": 1, \"out_channels\": " channels ", "               \
  "\"kernel_size\": 3}, {\"type\": \"MaxPool2d\", \"kernel_size\": 2}, {\"type\": \"ReLU\"}, " \
  "{\"type\": \"Flatten\"}, {\"type\": \"Linear\", \"in_features\": " channels ", "           \
  "\"out_features\": 1}, {\"type\": \"Sigmoid\"}]}"

/* The file ends four bytes into the data, inside 0.weight (nine floats). */
static void
test_resume_truncated (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-faults-XXXXXX");
  g_autofree char *path = save_checkpoint (TOY_LAYERS ("1"), dir, "cut.safetensors");
  g_autoptr (GBytes) bytes = st_test_read_bytes (path);
  guint64 header_len;

  memcpy (&header_len, g_bytes_get_data (bytes, NULL), sizeof header_len);
  header_len = GUINT64_FROM_LE (header_len);
  truncate_to (path, 8 + header_len + 4);
  assert_resume_fails (path, "0.weight");
  st_test_remove_tree (dir);
}

static void
test_resume_wrong_shapes (void)
{
  g_autofree char *dir = st_test_make_tmp ("strata-faults-XXXXXX");
  g_autofree char *path = save_checkpoint (TOY_LAYERS ("2"), dir, "wider.safetensors");

  assert_resume_fails (path, "0.weight has shape [2, 1, 3, 3] in the file but the model needs "
                             "[1, 1, 3, 3]");
  st_test_remove_tree (dir);
}

/* ---- datasets that change under the run ---------------------------------------------- */

/* The toy model's 4×4 images, two classes, as IDX files in a fresh folder. */
static char *
toy_idx_dir (gboolean gz)
{
  char *dir = st_test_make_tmp ("strata-faults-XXXXXX");

  write_idx (dir, "train", 8, 4, 2, gz);
  write_idx (dir, "t10k", 4, 4, 2, gz);
  return dir;
}

/* The trainer reads its dataset when it starts, on the worker. What happens to the files
 * between creating the trainer and starting it is therefore seen and reported; what
 * happens after the STARTED event is not, since the data is in memory by then. */
static void
test_dataset_removed (void)
{
  g_autoptr (StSpec) spec = preset ("toy", 3);
  g_autofree char *dir = toy_idx_dir (FALSE);
  g_autofree char *images = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  StTrainerOptions options;
  StTrainer *trainer;
  g_auto (Watch) removed = { 0 };
  g_auto (Watch) later = { 0 };

  cpu_options (&options);
  options.dataset = dir;
  trainer = new_trainer (spec, &options, &removed);
  g_assert_cmpint (g_remove (images), ==, 0);
  finish (trainer, &removed);
  g_assert_true (removed.finished);
  g_assert_false (removed.started);
  assert_contains (removed.error, dir);
  assert_contains (removed.error, "no train-images-idx3-ubyte");

  st_test_remove_tree (dir);
  g_free (dir);
  dir = toy_idx_dir (FALSE);
  options.dataset = dir;
  trainer = new_trainer (spec, &options, &later);
  st_trainer_start (trainer);
  pump_until (&later.started, NULL, 0);
  st_test_remove_tree (dir);
  finish (trainer, &later);
  g_assert_null (later.error);
  g_assert_false (later.stopped);
  g_assert_cmpint (later.epochs, ==, 3);
}

static void
test_dataset_truncated (void)
{
  g_autoptr (StSpec) spec = preset ("toy", 1);
  StTrainerOptions options;

  cpu_options (&options);
  for (int gz = 0; gz < 2; gz++)
    {
      g_autofree char *dir = toy_idx_dir (gz);
      g_autofree char *images = g_strdup_printf ("%s/t10k-images-idx3-ubyte%s", dir,
                                                 gz ? ".gz" : "");
      g_autofree char *labels = g_build_filename (dir, "train-labels-idx1-ubyte", NULL);
      StTrainer *trainer;
      g_auto (Watch) cut_images = { 0 };
      g_auto (Watch) cut_labels = { 0 };

      options.dataset = dir;
      trainer = new_trainer (spec, &options, &cut_images);
      /* The header and two of the four images; half of the compressed file. */
      truncate_to (images, gz ? file_size (images) / 2 : 16 + 2 * 16);
      finish (trainer, &cut_images);
      g_assert_true (cut_images.finished);
      assert_contains (cut_images.error, "t10k-images-idx3-ubyte");
      assert_contains (cut_images.error, "truncated");

      trainer = new_trainer (spec, &options, &cut_labels);
      truncate_to (labels, 6);
      finish (trainer, &cut_labels);
      assert_contains (cut_labels.error, "train-labels-idx1-ubyte");
      assert_contains (cut_labels.error, "truncated header");
      st_test_remove_tree (dir);
    }
}

/* A CSV file whose last row was cut short names the file and the line. */
static void
test_csv_truncated (void)
{
  g_autoptr (StSpec) spec = preset ("toy", 1);
  g_autofree char *dir = st_test_make_tmp ("strata-faults-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "toy.csv", NULL);
  g_autoptr (GString) csv = g_string_new ("label");
  g_autoptr (GError) error = NULL;
  StTrainerOptions options;
  StTrainer *trainer;
  g_auto (Watch) w = { 0 };

  for (int p = 1; p <= 16; p++)
    g_string_append_printf (csv, ",pixel%d", p);
  g_string_append_c (csv, '\n');
  for (int row = 0; row < 20; row++)
    {
      g_string_append_printf (csv, "%d", row % 2);
      for (int p = 0; p < 16; p++)
        g_string_append_printf (csv, ",%d", (p % 5 == 0) == (row % 2) ? 250 : 0);
      g_string_append_c (csv, '\n');
    }
  g_file_set_contents (path, csv->str, csv->len, &error);
  g_assert_no_error (error);

  cpu_options (&options);
  options.dataset = path;
  trainer = new_trainer (spec, &options, &w);
  truncate_to (path, csv->len - 10);
  finish (trainer, &w);
  g_assert_true (w.finished);
  assert_contains (w.error, path);
  assert_contains (w.error, "line 21");
  st_test_remove_tree (dir);
}

/* ---- memory -------------------------------------------------------------------------- */

/* A batch of 2^30 images for a 64/128-channel net needs petabytes: the run reports it in the
 * words the window shows, and the process goes on. */
static void
test_batch_too_large (void)
{
  g_autoptr (StSpec) spec = preset ("deep-cnn", 1);
  g_autofree char *dir = st_test_make_tmp ("strata-faults-XXXXXX");
  StTrainerOptions options;
  g_auto (Watch) w = { 0 };

  write_idx (dir, "train", 20, 28, 10, FALSE);
  write_idx (dir, "t10k", 10, 28, 10, FALSE);
  spec->training.batch_size = 1 << 30;
  cpu_options (&options);
  options.dataset = dir;
  run (spec, &options, &w);
  g_assert_true (w.finished);
  g_assert_false (w.started);
  g_assert_nonnull (w.error);
  if (w.error != NULL)
    g_assert_true (g_str_has_prefix (w.error, "batch too large for memory: batch 1073741824 "));
  st_test_remove_tree (dir);
}

/* ---- start, pause, resume, stop ------------------------------------------------------ */

/* Each cycle steers a fresh trainer through another order of commands, some before the
 * worker has loaded its data, some while it is parked; every one must end with FINISHED
 * (stopped) or, freed without waiting, simply end. */
static void
test_cycles (void)
{
  g_autoptr (StSpec) spec = preset ("toy", 1000000);
  StTrainerOptions options;
  int batches = 0;

  cpu_options (&options);
  for (int cycle = 0; cycle < N_CYCLES; cycle++)
    {
      g_auto (Watch) w = { 0 };
      StTrainer *trainer = new_trainer (spec, &options, &w);
      int variant = cycle % 5;

      st_trainer_start (trainer);
      switch (variant)
        {
        case 0:                       /* every command at once, before the worker is set up */
          st_trainer_pause (trainer);
          st_trainer_resume (trainer);
          st_trainer_stop (trainer);
          break;
        case 1:                       /* pause while training, resume, stop */
        case 2:                       /* stop while parked */
          pump_until (&w.started, NULL, 0);
          st_trainer_pause (trainer);
          pump_until (NULL, trainer, ST_TRAINER_PAUSED);
          if (variant == 1)
            {
              st_trainer_resume (trainer);
              st_trainer_pause (trainer);
              st_trainer_resume (trainer);
            }
          st_trainer_stop (trainer);
          break;
        case 3:                       /* freed while paused, without a Stop */
          st_trainer_pause (trainer);
          break;
        case 4:                       /* freed while running, events left undelivered */
          break;
        default:
          g_assert_not_reached ();
        }
      if (variant <= 2)
        {
          pump_until (&w.finished, NULL, 0);
          g_assert_true (w.stopped);
          g_assert_cmpint (st_trainer_get_state (trainer), ==, ST_TRAINER_DONE);
        }
      st_trainer_free (trainer);
      g_assert_null (w.error);
      batches += w.batches;
      if (g_test_failed ())
        {
          g_test_message ("cycle %d (variant %d) failed", cycle, variant);
          break;
        }
    }
  /* Events of freed trainers are dropped unseen, not delivered to a freed watch. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_message ("%d cycles, %d batches delivered", N_CYCLES, batches);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  owner_thread = g_thread_self ();
  g_setenv ("STRATA_THREADS", "2", TRUE);
  g_setenv ("STRATA_GPU_MODULE_DIR", "/nonexistent", TRUE);

  g_test_add_func ("/faults/save-disk-full", test_save_disk_full);
  g_test_add_func ("/faults/trainer-disk-full", test_trainer_disk_full);
  g_test_add_func ("/faults/resume-truncated", test_resume_truncated);
  g_test_add_func ("/faults/resume-wrong-shapes", test_resume_wrong_shapes);
  g_test_add_func ("/faults/dataset-removed", test_dataset_removed);
  g_test_add_func ("/faults/dataset-truncated", test_dataset_truncated);
  g_test_add_func ("/faults/csv-truncated", test_csv_truncated);
  g_test_add_func ("/faults/batch-too-large", test_batch_too_large);
  g_test_add_func ("/faults/start-pause-resume-stop-cycles", test_cycles);
  return g_test_run ();
}
