/* srcaddr.h — the local addresses connections are spread over (--source-addresses,
 * plan defaults.source_addresses): parsed from "127.0.0.2-127.0.0.9", a comma list of
 * addresses and IPv4 ranges, or IPv6 addresses; handed out round robin as connections
 * are made, so more than one address's ephemeral ports serve one target. */
#ifndef SURGE_ENGINE_SRCADDR_H
#define SURGE_ENGINE_SRCADDR_H

#include <stdatomic.h>
#include <sys/socket.h>

#define SRCADDR_MAX 4096 /* addresses in one list */

struct srcaddr {
    struct sockaddr_storage *addr; /* n addresses, port 0 */
    int n;
    int family;       /* AF_INET or AF_INET6 (one family per list) */
    atomic_uint next; /* the next one handed out (any thread) */
};

/* Parse s into out (zeroed first). Items are separated by commas (blanks around them
 * allowed): an IPv4 or IPv6 address, or an IPv4 range A-B (A <= B, both in the same
 * list). @return 0, or -1 with a one-line reason in err (the item at fault named). */
int srcaddr_parse(const char *s, struct srcaddr *out, char *err, int errlen);

/* The next address, round robin; thread-safe. NULL when the list is empty. */
const struct sockaddr_storage *srcaddr_next(struct srcaddr *a, socklen_t *len);

void srcaddr_free(struct srcaddr *a); /* NULL is fine; leaves it empty */

#endif
