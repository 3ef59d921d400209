/* spec-error.c: the error domain of model files (spec-error.h). */
#include "core/model/spec-error.h"

G_DEFINE_QUARK (st-spec-error-quark, st_spec_error)
