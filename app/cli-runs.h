/* cli-runs.h: what `strata-cli runs` (cli-runs.c) shares with the file that draws runs
 * (cli-runs-draw.c). */
#pragma once

#include "app/cli.h"
#include "core/engine/run-list.h"

G_BEGIN_DECLS

/* runs compare RUN RUN… [--plot FILE] [--dir DIR] */
int      st_cli_runs_compare      (int argc, char **argv);
#ifdef STRATA_HAVE_RENDER
/* The run's insight.jsonl as ridge plots in `path` (PNG or SVG): a column a weight layer,
 * its weights above and its gradients below. */
gboolean st_cli_runs_plot_insight (const StRun *run, const char *path, GError **error);
#endif

G_END_DECLS
