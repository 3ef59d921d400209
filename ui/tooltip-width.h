/* tooltip-width.h: tooltips as wide as their text in columns, so that Chinese ones keep
 * whole lines.
 *
 * GTK 4 wraps a tooltip's label at max-width-chars = its number of characters (at most 50),
 * counted in the font's average character width: a Chinese character is two of those, so a
 * tooltip of N of them wraps at N/2 — "撤销" stands one character per line.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The width, in average character widths, that GTK should give a tooltip of `text`: one for
 * each character, two for a wide (CJK) one, at most 50. */
int  st_tooltip_width_chars   (const char *text);
/* From now on, every tooltip label realized gets st_tooltip_width_chars () of its text as
 * its max-width-chars, kept as the text changes. Call it after GTK is initialised (the
 * application's start-up does); once is enough. */
void st_tooltip_width_install (void);

G_END_DECLS
