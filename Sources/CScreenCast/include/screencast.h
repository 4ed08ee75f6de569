// The Wayland screen source's C side: the xdg-desktop-portal ScreenCast handshake (GDBus) and
// one PipeWire video stream per shared monitor. Plain C types only, so neither GLib nor
// PipeWire types reach Swift (Sources/Encode/Capture/PortalScreen.swift wraps both handles).
#ifndef PROCTOR_SCREENCAST_H
#define PROCTOR_SCREENCAST_H

#include <stddef.h>
#include <stdint.h>

// ---- Portal (portal.c) ----

/// What `proctor_portal_open` ended with. The Request.Response codes of the portal (0 success,
/// 1 cancelled by the user, 2 ended otherwise) plus what happens before a request exists.
typedef enum {
    PROCTOR_PORTAL_OK = 0,
    /// The person refused or closed the consent dialog.
    PROCTOR_PORTAL_CANCELLED = 1,
    /// The portal (or its backend) ended the request: no screen, backend error.
    PROCTOR_PORTAL_FAILED = 2,
    /// No session bus, no xdg-desktop-portal or no ScreenCast interface on it.
    PROCTOR_PORTAL_UNAVAILABLE = 3,
    /// Nobody answered the dialog within the timeout.
    PROCTOR_PORTAL_TIMEOUT = 4,
} proctor_portal_result;

typedef struct proctor_portal proctor_portal;

/// One shared monitor: the PipeWire node to connect to and where it sits on the desktop.
typedef struct {
    uint32_t node;
    int32_t x, y, width, height;
} proctor_portal_stream;

/// Runs CreateSession, SelectSources (monitors, several allowed, cursor embedded when offered,
/// persist_mode 2 with `restore_token` when non-NULL), Start and OpenPipeWireRemote.
/// `timeout_ms` bounds each request (Start shows the consent dialog). On failure *out is NULL
/// and `message` says why.
proctor_portal_result proctor_portal_open(const char *restore_token, int timeout_ms, proctor_portal **out,
                                          char *message, size_t message_size);
/// The PipeWire remote the portal opened, owned by the portal object (dup it to keep it).
int proctor_portal_fd(const proctor_portal *portal);
size_t proctor_portal_stream_count(const proctor_portal *portal);
proctor_portal_stream proctor_portal_stream_at(const proctor_portal *portal, size_t index);
/// The token that lets the next session skip the dialog; NULL when the backend gave none.
const char *proctor_portal_restore_token(const proctor_portal *portal);
/// Closes the portal session (the compositor stops sharing) and the bus connection.
void proctor_portal_close(proctor_portal *portal);

// ---- PipeWire stream (stream.c) ----

/// Packed 8-bit RGB layouts the stream accepts (shared memory only, no DMA-BUF): the ones
/// compositors offer and libswscale converts.
typedef enum {
    PROCTOR_PIXELS_UNKNOWN = 0,
    PROCTOR_PIXELS_BGRX, PROCTOR_PIXELS_RGBX, PROCTOR_PIXELS_XBGR, PROCTOR_PIXELS_XRGB,
    PROCTOR_PIXELS_BGRA, PROCTOR_PIXELS_RGBA, PROCTOR_PIXELS_ABGR, PROCTOR_PIXELS_ARGB,
    PROCTOR_PIXELS_RGB, PROCTOR_PIXELS_BGR,
} proctor_pixels;

typedef struct proctor_screen_stream proctor_screen_stream;

/// The newest picture, valid until `proctor_screen_stream_unlock`.
typedef struct {
    const uint8_t *data;
    int32_t stride, width, height;
    proctor_pixels pixels;
    /// Counts pictures received; a waiter asks for one newer than the last it saw.
    uint64_t sequence;
} proctor_screen_picture;

/// Connects to `node` over the PipeWire remote `fd` (duplicated: the caller keeps its own).
proctor_screen_stream *proctor_screen_stream_open(int fd, uint32_t node, char *message, size_t message_size);
/// Waits up to `timeout_ms` for a picture newer than `after`: 1 with `*picture` set and the
/// picture locked, 0 on timeout, -1 when the stream failed or the share ended (`message`).
int proctor_screen_stream_wait(proctor_screen_stream *stream, uint64_t after, int timeout_ms,
                               proctor_screen_picture *picture, char *message, size_t message_size);
void proctor_screen_stream_unlock(proctor_screen_stream *stream);
void proctor_screen_stream_close(proctor_screen_stream *stream);

#endif
