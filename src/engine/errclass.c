/* errclass.c — names of the error classes. */
#include "engine/errclass.h"

const char *errclass_name(enum errclass e)
{
    static const char *const names[ERR__COUNT] = {
        [ERR_NONE] = "none",
        [ERR_DNS] = "dns",
        [ERR_CONNECT_REFUSED] = "connect_refused",
        [ERR_CONNECT_TIMEOUT] = "connect_timeout",
        [ERR_CONNECT] = "connect_error",
        [ERR_TIMEOUT] = "timeout",
        [ERR_RESET] = "reset",
        [ERR_CLOSED_EARLY] = "closed_early",
        [ERR_TLS] = "tls",
        [ERR_PARSE] = "parse",
        [ERR_IO] = "io",
        [ERR_FD_LIMIT] = "fd_limit",
        [ERR_NO_PORTS] = "no_ports",
        [ERR_EXPECT] = "expect",
        [ERR_EXTRACT] = "extract",
        [ERR_POLL_TIMEOUT] = "poll_timeout",
        [ERR_TEMPLATE] = "template",
        [ERR_WS_HANDSHAKE] = "ws_handshake",
        [ERR_WS_PROTOCOL] = "ws_protocol",
        [ERR_WS_CLOSED] = "ws_closed",
    };
    return (unsigned)e < ERR__COUNT ? names[e] : "unknown";
}
