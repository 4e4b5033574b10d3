/* errclass.h — the classes a failed request is counted in; never lumped together. */
#ifndef SURGE_ENGINE_ERRCLASS_H
#define SURGE_ENGINE_ERRCLASS_H

enum errclass {
    ERR_NONE = 0,
    ERR_DNS,             /* host name did not resolve */
    ERR_CONNECT_REFUSED, /* connect(): ECONNREFUSED */
    ERR_CONNECT_TIMEOUT, /* no connection within the connect timeout */
    ERR_CONNECT,         /* connect() failed otherwise (unreachable, no ports, ...) */
    ERR_TIMEOUT,         /* connected, but no complete response within the timeout */
    ERR_RESET,           /* connection reset by the peer (ECONNRESET, EPIPE) */
    ERR_CLOSED_EARLY,    /* peer closed before the response was complete */
    ERR_TLS,             /* TLS handshake or certificate verification failed */
    ERR_PARSE,           /* response was not valid HTTP/1.x */
    ERR_IO,              /* another socket error (errno given in the log) */
    ERR_FD_LIMIT,        /* socket(): EMFILE/ENFILE, out of file descriptors */
    ERR_NO_PORTS,        /* connect(): EADDRNOTAVAIL, no local port left (port exhaustion) */
    /* flow-level reasons: the response arrived (status and latency are kept) but the
     * step failed on it */
    ERR_EXPECT,          /* an expectation (status, body, JSON condition) did not hold */
    ERR_EXTRACT,         /* an extract found nothing */
    ERR_POLL_TIMEOUT,    /* a poll's condition never held within its timeout */
    ERR_TEMPLATE,        /* a request could not be built (a variable had no value) */
    /* WebSocket steps (engine/ws.h) */
    ERR_WS_HANDSHAKE,    /* the upgrade was refused (a status other than 101) or its answer
                            was wrong (Sec-WebSocket-Accept, Upgrade, Connection) */
    ERR_WS_PROTOCOL,     /* the server broke RFC 6455 (a masked frame, a bad opcode, reserved
                            bits, an oversize control frame, a bad close code, bad UTF-8) */
    ERR_WS_CLOSED,       /* the connection closed (close frame or not) before the step's
                            condition held */
    ERR__COUNT
};

/* Bytes kept of the first example reason per class ("step: reason", NUL included):
 * room for a failed extract's 200 bytes of what it looked at. */
#define ERR_EXAMPLE_LEN 448

/* The stable name used in results.json and the summary ("connect_refused"). */
const char *errclass_name(enum errclass e);

#endif
