// libpipewire, used only by the C screen-cast shim (Sources/CScreenCast): its stream API is
// callbacks and SPA pod macros that Swift cannot call directly.
#include <pipewire/pipewire.h>
