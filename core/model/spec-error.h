/* spec-error.h: the error domain of model files — their JSON, their structure (layers and
 * the "training" section alike), reading them and the text typed for an argument. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ST_SPEC_ERROR (st_spec_error_quark ())
GQuark st_spec_error_quark (void);

typedef enum {
  ST_SPEC_ERROR_SYNTAX,       /* not JSON */
  ST_SPEC_ERROR_STRUCTURE,    /* JSON, but not a model file */
  ST_SPEC_ERROR_IO,
  ST_SPEC_ERROR_VALUE,        /* text typed for an argument is no value of it (spec-edit.h) */
} StSpecError;

G_END_DECLS
