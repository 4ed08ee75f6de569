// GIO's GDBus, used only by the C screen-cast shim (Sources/CScreenCast) for the
// xdg-desktop-portal ScreenCast handshake (variants, Unix fd lists and signal dispatch).
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
