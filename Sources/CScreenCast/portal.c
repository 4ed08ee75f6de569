// The org.freedesktop.portal.ScreenCast handshake over GDBus, synchronously, on the calling
// thread (a capture thread: never the cooperative pool). Each request's Response signal is
// dispatched on a private GMainContext, iterated only here, so the handshake needs no GLib main
// loop elsewhere in the process. GDBus rather than libportal: libportal 0.6 is GTK-flavoured,
// asynchronous only, and adds a dependency for four calls.
#include "screencast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define SCREENCAST "org.freedesktop.portal.ScreenCast"

struct proctor_portal {
    GDBusConnection *bus;
    char *session;
    char *restore_token;
    int fd;
    size_t count;
    proctor_portal_stream *streams;
};

struct response {
    gboolean done;
    guint32 code;
    GVariant *results;
};

static void on_response(GDBusConnection *bus, const char *sender, const char *path, const char *interface,
                        const char *signal, GVariant *parameters, gpointer data) {
    (void)bus; (void)sender; (void)path; (void)interface; (void)signal;
    struct response *response = data;
    g_variant_get(parameters, "(u@a{sv})", &response->code, &response->results);
    response->done = TRUE;
}

static gboolean wake(gpointer data) {
    (void)data;
    return G_SOURCE_REMOVE;
}

/// Calls `method` with `arguments` (whose last member is the options dict, built by the
/// caller with `token` as its handle_token) and waits for the Request's Response.
static proctor_portal_result request(proctor_portal *portal, GMainContext *context, const char *method,
                                     GVariant *arguments, const char *token, int timeout_ms,
                                     GVariant **results, char *message, size_t size) {
    // The request object path is predictable (sender name without ':' and '.' → '_'), so the
    // subscription exists before the call and no Response can be missed.
    char *sender = g_strdup(g_dbus_connection_get_unique_name(portal->bus) + 1);
    for (char *c = sender; *c; c++) if (*c == '.') *c = '_';
    char *path = g_strdup_printf(PORTAL_PATH "/request/%s/%s", sender, token);
    g_free(sender);
    struct response response = {0};
    guint subscription = g_dbus_connection_signal_subscribe(portal->bus, PORTAL_NAME, "org.freedesktop.portal.Request",
        "Response", path, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_response, &response, NULL);
    GError *error = NULL;
    GVariant *reply = g_dbus_connection_call_sync(portal->bus, PORTAL_NAME, PORTAL_PATH, SCREENCAST, method, arguments,
                                                  G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
    proctor_portal_result result = PROCTOR_PORTAL_OK;
    if (reply == NULL) {
        snprintf(message, size, "the screen-cast portal refused %s: %s", method, error->message);
        g_error_free(error);
        result = PROCTOR_PORTAL_FAILED;
    } else {
        g_variant_unref(reply);
        gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
        while (!response.done && g_get_monotonic_time() < deadline) {
            // Wake at least every 100 ms to check the deadline.
            GSource *tick = g_timeout_source_new(100);
            g_source_set_callback(tick, wake, NULL, NULL);
            g_source_attach(tick, context);
            g_main_context_iteration(context, TRUE);
            g_source_destroy(tick);
            g_source_unref(tick);
        }
        if (!response.done) {
            snprintf(message, size, "nobody answered the screen-sharing dialog within %d s", timeout_ms / 1000);
            result = PROCTOR_PORTAL_TIMEOUT;
        } else if (response.code == 1) {
            snprintf(message, size, "screen sharing was refused in the desktop's dialog");
            result = PROCTOR_PORTAL_CANCELLED;
        } else if (response.code != 0) {
            snprintf(message, size, "the desktop ended the screen-sharing request (%s, response %u)", method, response.code);
            result = PROCTOR_PORTAL_FAILED;
        }
    }
    g_dbus_connection_signal_unsubscribe(portal->bus, subscription);
    g_free(path);
    if (result == PROCTOR_PORTAL_OK) *results = response.results;
    else if (response.results) g_variant_unref(response.results);
    return result;
}

static guint32 property_u(GDBusConnection *bus, const char *name) {
    GVariant *reply = g_dbus_connection_call_sync(bus, PORTAL_NAME, PORTAL_PATH, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new("(ss)", SCREENCAST, name), G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
    if (reply == NULL) return 0;
    GVariant *value = NULL;
    g_variant_get(reply, "(v)", &value);
    guint32 number = g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32) ? g_variant_get_uint32(value) : 0;
    g_variant_unref(value);
    g_variant_unref(reply);
    return number;
}

static proctor_portal_result handshake(proctor_portal *portal, GMainContext *context, const char *restore_token,
                                       int timeout_ms, char *message, size_t size) {
    guint32 version = property_u(portal->bus, "version");
    if (version == 0) {
        snprintf(message, size, "the desktop has no screen-cast portal (org.freedesktop.portal.ScreenCast on the session bus)");
        return PROCTOR_PORTAL_UNAVAILABLE;
    }
    guint32 cursors = property_u(portal->bus, "AvailableCursorModes");
    // Request tokens must be unique per connection; a retry opens a new connection, but a
    // process-wide counter also keeps two sessions on two threads apart.
    static int serial = 0;
    char token[64], session_token[64];
    GVariant *results = NULL;

    int first = __atomic_add_fetch(&serial, 3, __ATOMIC_RELAXED) - 2;
    snprintf(token, sizeof token, "proctor%d_%d", getpid(), first);
    snprintf(session_token, sizeof session_token, "proctor_session%d_%d", getpid(), first);
    GVariantBuilder options;
    g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&options, "{sv}", "handle_token", g_variant_new_string(token));
    g_variant_builder_add(&options, "{sv}", "session_handle_token", g_variant_new_string(session_token));
    proctor_portal_result result = request(portal, context, "CreateSession", g_variant_new("(a{sv})", &options), token,
                                           timeout_ms, &results, message, size);
    if (result != PROCTOR_PORTAL_OK) return result;
    const char *session = NULL;
    if (!g_variant_lookup(results, "session_handle", "&s", &session)) {
        g_variant_unref(results);
        snprintf(message, size, "the screen-cast portal created no session");
        return PROCTOR_PORTAL_FAILED;
    }
    portal->session = g_strdup(session);
    g_variant_unref(results);

    snprintf(token, sizeof token, "proctor%d_%d", getpid(), first + 1);
    g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&options, "{sv}", "handle_token", g_variant_new_string(token));
    g_variant_builder_add(&options, "{sv}", "types", g_variant_new_uint32(1));  // MONITOR
    g_variant_builder_add(&options, "{sv}", "multiple", g_variant_new_boolean(TRUE));
    // Embedded (2) draws the pointer into the picture; else hidden (1) rather than metadata (4),
    // which this source does not composite.
    if (cursors & 2) g_variant_builder_add(&options, "{sv}", "cursor_mode", g_variant_new_uint32(2));
    if (version >= 4) {
        // 2: persistent until revoked, so the dialog appears once per exam (the token is kept
        // with the exam's recording state).
        g_variant_builder_add(&options, "{sv}", "persist_mode", g_variant_new_uint32(2));
        if (restore_token && restore_token[0])
            g_variant_builder_add(&options, "{sv}", "restore_token", g_variant_new_string(restore_token));
    }
    result = request(portal, context, "SelectSources", g_variant_new("(oa{sv})", portal->session, &options), token,
                     timeout_ms, &results, message, size);
    if (result != PROCTOR_PORTAL_OK) return result;
    g_variant_unref(results);

    snprintf(token, sizeof token, "proctor%d_%d", getpid(), first + 2);
    g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&options, "{sv}", "handle_token", g_variant_new_string(token));
    result = request(portal, context, "Start", g_variant_new("(osa{sv})", portal->session, "", &options), token,
                     timeout_ms, &results, message, size);
    if (result != PROCTOR_PORTAL_OK) return result;
    const char *restore = NULL;
    if (g_variant_lookup(results, "restore_token", "&s", &restore)) portal->restore_token = g_strdup(restore);
    GVariant *streams = g_variant_lookup_value(results, "streams", G_VARIANT_TYPE("a(ua{sv})"));
    if (streams == NULL || g_variant_n_children(streams) == 0) {
        if (streams) g_variant_unref(streams);
        g_variant_unref(results);
        snprintf(message, size, "no screen was chosen to share");
        return PROCTOR_PORTAL_CANCELLED;
    }
    portal->count = g_variant_n_children(streams);
    portal->streams = calloc(portal->count, sizeof *portal->streams);
    for (size_t i = 0; i < portal->count; i++) {
        GVariant *properties = NULL;
        g_variant_get_child(streams, i, "(u@a{sv})", &portal->streams[i].node, &properties);
        g_variant_lookup(properties, "position", "(ii)", &portal->streams[i].x, &portal->streams[i].y);
        g_variant_lookup(properties, "size", "(ii)", &portal->streams[i].width, &portal->streams[i].height);
        g_variant_unref(properties);
    }
    g_variant_unref(streams);
    g_variant_unref(results);

    GUnixFDList *fds = NULL;
    GError *error = NULL;
    GVariantBuilder empty;
    g_variant_builder_init(&empty, G_VARIANT_TYPE_VARDICT);
    GVariant *reply = g_dbus_connection_call_with_unix_fd_list_sync(portal->bus, PORTAL_NAME, PORTAL_PATH, SCREENCAST,
        "OpenPipeWireRemote", g_variant_new("(oa{sv})", portal->session, &empty), G_VARIANT_TYPE("(h)"),
        G_DBUS_CALL_FLAGS_NONE, -1, NULL, &fds, NULL, &error);
    if (reply == NULL) {
        snprintf(message, size, "the screen-cast portal gave no PipeWire connection: %s", error->message);
        g_error_free(error);
        return PROCTOR_PORTAL_FAILED;
    }
    gint32 index = 0;
    g_variant_get(reply, "(h)", &index);
    g_variant_unref(reply);
    portal->fd = g_unix_fd_list_get(fds, index, &error);
    g_object_unref(fds);
    if (portal->fd < 0) {
        snprintf(message, size, "the screen-cast portal's PipeWire descriptor is unusable: %s", error->message);
        g_error_free(error);
        return PROCTOR_PORTAL_FAILED;
    }
    return PROCTOR_PORTAL_OK;
}

proctor_portal_result proctor_portal_open(const char *restore_token, int timeout_ms, proctor_portal **out,
                                          char *message, size_t message_size) {
    *out = NULL;
    proctor_portal *portal = calloc(1, sizeof *portal);
    portal->fd = -1;
    // The bus connection's signals go to the thread-default context at subscription time: a
    // private one, iterated only inside `request`.
    GMainContext *context = g_main_context_new();
    g_main_context_push_thread_default(context);
    GError *error = NULL;
    char *address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SESSION, NULL, &error);
    if (address != NULL) {
        portal->bus = g_dbus_connection_new_for_address_sync(address,
            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
        g_free(address);
    }
    proctor_portal_result result;
    if (portal->bus == NULL) {
        snprintf(message, message_size, "no session bus for the screen-cast portal: %s", error ? error->message : "unknown");
        if (error) g_error_free(error);
        result = PROCTOR_PORTAL_UNAVAILABLE;
    } else {
        // A private connection: closing it ends the portal session with it.
        g_dbus_connection_set_exit_on_close(portal->bus, FALSE);
        result = handshake(portal, context, restore_token, timeout_ms, message, message_size);
    }
    g_main_context_pop_thread_default(context);
    g_main_context_unref(context);
    if (result != PROCTOR_PORTAL_OK) {
        proctor_portal_close(portal);
        return result;
    }
    *out = portal;
    return PROCTOR_PORTAL_OK;
}

int proctor_portal_fd(const proctor_portal *portal) { return portal->fd; }
size_t proctor_portal_stream_count(const proctor_portal *portal) { return portal->count; }
proctor_portal_stream proctor_portal_stream_at(const proctor_portal *portal, size_t index) { return portal->streams[index]; }
const char *proctor_portal_restore_token(const proctor_portal *portal) { return portal->restore_token; }

void proctor_portal_close(proctor_portal *portal) {
    if (portal == NULL) return;
    if (portal->bus && portal->session) {
        g_dbus_connection_call_sync(portal->bus, PORTAL_NAME, portal->session, "org.freedesktop.portal.Session", "Close",
                                    NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
    }
    if (portal->bus) {
        g_dbus_connection_close_sync(portal->bus, NULL, NULL);
        g_object_unref(portal->bus);
    }
    if (portal->fd >= 0) close(portal->fd);
    g_free(portal->session);
    g_free(portal->restore_token);
    free(portal->streams);
    free(portal);
}
