/* spec-private.h: what spec.c shares with the files built on the data model — the reader
 * (spec-read.c) and the nodes of a layer type (layer-types.c) — not for other modules. */
#pragma once

#include "core/model/spec.h"

G_BEGIN_DECLS

/* Marks an argument as written in the file, without changing its value. */
void       st_node_mark_given   (StNode *node, StArgId id);
/* A Concat's branches, none yet: a GPtrArray of sequences (GPtrArray of StNode), each
 * freed with the array. */
GPtrArray *st_node_branches_new (void);

G_END_DECLS
