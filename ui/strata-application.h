/* strata-application.h: the workbench as a GtkApplication — one window per open model. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define ST_TYPE_APPLICATION (st_application_get_type ())
G_DECLARE_FINAL_TYPE (StApplication, st_application, ST, APPLICATION, AdwApplication)

StApplication *st_application_new (void);
/* Registers the window's resources; for tests that build windows without running the app. */
void           st_ui_init         (void);
/* Before GTK starts: Cairo rather than GL where there is no GPU to render with. */
void           st_ui_choose_renderer (void);

G_END_DECLS
