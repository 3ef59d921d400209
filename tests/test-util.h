/* test-util.h: what the core tests share — temporary folders, generated IDX datasets, files
 * read whole, and strata-cli run as a subprocess with its output captured.
 *
 * Every helper asserts on failure, so a case needs no error handling of its own.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- files ------------------------------------------------------------------------------ */

char   *st_test_make_tmp     (const char *template_name);
void    st_test_remove_tree  (const char *dir);
GBytes *st_test_read_bytes   (const char *path);

/* ---- IDX datasets ----------------------------------------------------------------------- */

void st_test_write_idx (const char    *dir,
                        const char    *prefix,
                        int            n,
                        int            side,
                        const guint8  *images,
                        const guint8  *labels,
                        gboolean       gz);

/* A learnable set: noise in 0..59 with a bright bar two rows high whose height names the
 * class. The generator is seeded, so a seed always gives the same files. */
typedef struct {
  int      side;            /* images are side × side */
  int      n_classes;
  gboolean random_labels;   /* drawn from the generator; otherwise image i is class i mod n */
  int      bar_top;         /* class k's bar starts at row bar_top + k * bar_step */
  int      bar_step;
  int      bar_margin;      /* columns left as noise at each end of the bar */
} StTestBars;

/* 28×28, ten classes drawn at random: LeNet-5's input, as MNIST's files name it. */
#define ST_TEST_BARS_MNIST ((const StTestBars) { 28, 10, TRUE, 2, 2, 4 })

void st_test_write_bars (const char       *dir,
                         const char       *prefix,
                         const StTestBars *bars,
                         int               n,
                         guint32           seed);

/* ---- Python ----------------------------------------------------------------------------- */

/* The interpreter the PyTorch cross-checks run: Debian's, where python3-torch installs. */
#define ST_TEST_PYTHON "/usr/bin/python3"

/* Whether ST_TEST_PYTHON imports `module` ("torch", "onnx"); asked once a module. */
gboolean st_test_python_imports   (const char *module);
gboolean st_test_python_has_torch (void);
/* st_test_python_has_torch (), skipping the case with the reason when it is FALSE. */
gboolean st_test_need_torch       (void);

/* ---- strata-cli ------------------------------------------------------------------------- */

typedef struct {
  int   status;        /* exit status; -1 when a signal ended it */
  int   wait_status;   /* as waitpid () gives it, for g_spawn_check_wait_status () */
  char *out;
  char *err;
} StTestRun;

void st_test_run_clear (StTestRun *run);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (StTestRun, st_test_run_clear)

gboolean st_test_have_cli (void);
void     st_test_cli_argv (StTestRun *run, const char *const *args);
void     st_test_cli      (StTestRun *run, ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
