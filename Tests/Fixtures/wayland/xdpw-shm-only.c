// Test stack only (Tests/Support/Tools/HeadlessSway.swift), preloaded into
// xdg-desktop-portal-wlr 0.7.0 (Debian 12). Without a GPU, wlroots renders with pixman and
// offers screencopy in shared memory only, yet xdpw 0.7 refuses to start any screen cast unless
// the compositor also announced a DMA-BUF format: it compares the portal's interface version
// (always 4) where it means the screencopy version (upstream issue
// emersion/xdg-desktop-portal-wlr#289). This shim replays each screencopy frame's shared-memory
// `buffer` event as a `linux_dmabuf` event, which satisfies that check. Nothing else changes:
// with no DMA-BUF modifiers to offer, xdpw still negotiates MemFd buffers with PipeWire, exactly
// what it does on a real desktop whose GPU cannot export them.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct wl_proxy;
const char *wl_proxy_get_class(struct wl_proxy *proxy);

struct frame_listener {
    void (*buffer)(void *, void *, uint32_t, uint32_t, uint32_t, uint32_t);
    void (*flags)(void *, void *, uint32_t);
    void (*ready)(void *, void *, uint32_t, uint32_t, uint32_t);
    void (*failed)(void *, void *);
    void (*damage)(void *, void *, uint32_t, uint32_t, uint32_t, uint32_t);
    void (*linux_dmabuf)(void *, void *, uint32_t, uint32_t, uint32_t);
    void (*buffer_done)(void *, void *);
};
struct wrapped { const struct frame_listener *inner; void *data; };

static uint32_t drm_fourcc(uint32_t shm) {
    if (shm == 0) return 0x34325241; /* AR24 */
    if (shm == 1) return 0x34325258; /* XR24 */
    return shm;
}
static void buffer(void *d, void *f, uint32_t format, uint32_t w, uint32_t h, uint32_t stride) {
    struct wrapped *x = d;
    x->inner->buffer(x->data, f, format, w, h, stride);
    x->inner->linux_dmabuf(x->data, f, drm_fourcc(format), w, h);
}
static void flags(void *d, void *f, uint32_t v) { struct wrapped *x = d; x->inner->flags(x->data, f, v); }
static void ready(void *d, void *f, uint32_t a, uint32_t b, uint32_t c) { struct wrapped *x = d; x->inner->ready(x->data, f, a, b, c); free(x); }
static void failed(void *d, void *f) { struct wrapped *x = d; x->inner->failed(x->data, f); free(x); }
static void damage(void *d, void *f, uint32_t a, uint32_t b, uint32_t c, uint32_t e) { struct wrapped *x = d; x->inner->damage(x->data, f, a, b, c, e); }
static void linux_dmabuf(void *d, void *f, uint32_t a, uint32_t b, uint32_t c) { struct wrapped *x = d; x->inner->linux_dmabuf(x->data, f, a, b, c); }
static void buffer_done(void *d, void *f) { struct wrapped *x = d; x->inner->buffer_done(x->data, f); }
static const struct frame_listener shm_only = { buffer, flags, ready, failed, damage, linux_dmabuf, buffer_done };

int wl_proxy_add_listener(struct wl_proxy *proxy, void (**implementation)(void), void *data) {
    static int (*next)(struct wl_proxy *, void (**)(void), void *);
    if (!next) next = (int (*)(struct wl_proxy *, void (**)(void), void *))dlsym(RTLD_NEXT, "wl_proxy_add_listener");
    if (strcmp(wl_proxy_get_class(proxy), "zwlr_screencopy_frame_v1") == 0) {
        struct wrapped *x = malloc(sizeof *x);
        x->inner = (const struct frame_listener *)implementation;
        x->data = data;
        return next(proxy, (void (**)(void))&shm_only, x);
    }
    return next(proxy, implementation, data);
}
