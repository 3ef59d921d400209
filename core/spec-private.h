/* spec-private.h: what the reader and the rest of spec.c share, not for other modules. */
#pragma once

#include "core/spec.h"

G_BEGIN_DECLS

/* Marks an argument as written in the file, without changing its value. */
void st_node_mark_given (StNode *node, StArgId id);

G_END_DECLS
