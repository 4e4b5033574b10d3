/* hlog.h — HdrHistogram interval logs (the standard .hlog format, log format 1.3): one
 * line per interval holding that interval's latency histogram, V2-encoded, zlib-compressed
 * and base64'd, so HdrHistogram's own tools (HistogramLogProcessor, the plotter) read
 * surge's per-second latency. Values are microseconds. */
#ifndef SURGE_REPORT_HLOG_H
#define SURGE_REPORT_HLOG_H

#include <stdio.h>

#include "stats/hist.h"
#include "util/sbuf.h"

/* Append h as the base64 text of its compressed V2 encoding (cookie 0x1c849314 around a
 * zlib stream of the 0x1c849313 encoding: LEB128 ZigZag counts, zero runs as negative
 * counts, as HdrHistogram writes it). @return 0, -ENOMEM, or -EIO (zlib failed). */
int hlog_encode(const hist *h, struct sbuf *out);

/* The reverse of hlog_encode: a histogram from the base64 text of a compressed V2
 * encoding (len bytes of b64, no line breaks). Each slot's count is recorded at the
 * slot's lowest value, so counts, percentiles, mean and stdev come back as they were;
 * min and max (which the encoding does not carry) are restored exactly when given
 * (>= 0: hist_min and hist_max of the encoded histogram), else the slots' bounds stand
 * in. Only layouts with sigfigs 1..3, lowest <= 10^6 and highest <= 10^13 are read
 * (surge's own: HIST_*). @return 0 and *out; -EINVAL for anything malformed (bad base64,
 * cookie, zlib stream, layout, counts past the layout's end); -ENOMEM. */
int hlog_decode(const char *b64, size_t len, int64_t min, int64_t max, hist **out);

typedef struct hlog hlog; /* opaque: an open interval log */

/* Create path and write the header: the format version, #[StartTime: ...] and
 * #[BaseTime: ...] (both start_epoch, seconds since the epoch), and the legend line.
 * @return 0 and *out, or -1 with a reason in err. */
int hlog_open(const char *path, double start_epoch, hlog **out, char *err, int errlen);

/* Append one interval: start_s seconds after the base time, len_s long, its histogram
 * (an empty histogram is written too, so the log shows the gap). Flushed at once.
 * @return 0 or -1 (a write or encoding error). */
int hlog_interval(hlog *l, double start_s, double len_s, const hist *h);

void hlog_close(hlog *l); /* NULL is fine */

#endif
