#ifndef PROCTOR_CCAIRO_SHIM_H
#define PROCTOR_CCAIRO_SHIM_H
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

// PANGO_SCALE is a macro Swift cannot see.
static inline int proctor_pango_scale(void) { return PANGO_SCALE; }
#endif
