/* i18n.h: core's messages in the user's language.
 *
 * _() looks a message up in Strata's own text domain (GETTEXT_PACKAGE, "strata"), bound by
 * the program (app/build-tree.c): core is a library and must not depend on the program's
 * default domain. Machine-readable text (JSON keys, file formats, PyTorch names, exported
 * code) stays untranslated. Plurals: g_dngettext (GETTEXT_PACKAGE, one, many, n). A 64-bit
 * number in a translatable message is written with <inttypes.h>'s PRId64 (PRIu64), which
 * xgettext and the catalogues understand, never G_GINT64_FORMAT.
 */
#pragma once

#include "strata-config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
