/* cli.h: what the strata-cli commands share. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Prints the message and the command's help to stderr; returns exit status 2. */
int st_cli_usage_error (GOptionContext *context, const char *message);
/* Prints "strata-cli: <message>" to stderr; returns exit status 1. */
int st_cli_fail        (const GError *error);

int st_cli_summary     (int argc, char **argv);
int st_cli_train       (int argc, char **argv);
int st_cli_evaluate    (int argc, char **argv);
int st_cli_activations (int argc, char **argv);
int st_cli_bench       (int argc, char **argv);
int st_cli_export      (int argc, char **argv);

G_END_DECLS
