/* cli.h: what the strata-cli commands share. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Adds a command's options; their help, the parameter string and the summary (all marked
 * N_()) are shown in the user's language. */
void st_cli_add_entries (GOptionContext *context, const GOptionEntry *entries);
/* The columns `text` takes on a terminal, a wide (CJK) character taking two. */
int  st_cli_text_columns (const char *text);
/* Prints `text` to stdout padded to `width` columns (on the left when `right`), a wide (CJK)
 * character taking two columns. */
void st_cli_print_cell  (const char *text, int width, gboolean right);
/* Prints the message and the command's help to stderr; returns exit status 2. */
int st_cli_usage_error (GOptionContext *context, const char *message);
/* Prints "strata-cli: <message>" to stderr; returns exit status 1. */
int st_cli_fail        (const GError *error);

int st_cli_summary     (int argc, char **argv);
int st_cli_train       (int argc, char **argv);
int st_cli_evaluate    (int argc, char **argv);
int st_cli_activations (int argc, char **argv);
int st_cli_explain     (int argc, char **argv);
int st_cli_bench       (int argc, char **argv);
int st_cli_export      (int argc, char **argv);
int st_cli_runs        (int argc, char **argv);

G_END_DECLS
