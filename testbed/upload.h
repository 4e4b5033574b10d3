/* upload.h — profile "upload": the image-upload service (login, sessions, a gunicorn-like
 * worker pool, per-session image memory). */
#ifndef SURGE_TESTBED_UPLOAD_H
#define SURGE_TESTBED_UPLOAD_H

#include "opts.h"
#include "server.h"

/* Registers POST /api/login, POST /api/logout and POST /api/upload on s, with the pool and
 * session limits from o (durations scaled by srv_time_scale(s), so set that first), and the
 * gauges active_sessions, upload_queue_size, workers_busy (and a few more) on srv_metrics(s).
 * State is freed by srv_free. Returns 0, or -ENOMEM / -ENOSPC. */
int upload_register(tb_server *s, const struct tb_opts *o);

#endif
