/* summary.c — the terminal summary printed at the end of a run. */
#include "report/results.h"

#include <string.h>

#include "engine/gencheck.h"
#include "util/units.h"

static void ms_cell(FILE *f, double ms)
{
    char b[32];
    fprintf(f, "%10s", units_fmt_us(ms * 1000.0, b, sizeof b));
}

static int is_arrival(const struct scenario_result *s)
{
    return strstr(s->executor, "arrival-rate") != NULL;
}

static void print_scenario(FILE *f, const struct run_result *r, const struct scenario_result *s,
                           int distribution)
{
    const struct stats_counts *c = &s->counts;
    struct latency_ms l;
    results_latency(s->lat, &l);
    char b1[32], b2[32];
    double dur = s->duration_s > 0 ? s->duration_s : 1e-9;
    if (r->nscenarios > 1 || !r->target)
        fprintf(f, "scenario %s (%s)\n", s->name, s->executor);
    fprintf(f, "  %llu requests in %.2fs, %s read, %s written\n",
            (unsigned long long)c->requests, s->duration_s,
            units_fmt_bytes((double)c->bytes_in, b1, sizeof b1),
            units_fmt_bytes((double)c->bytes_out, b2, sizeof b2));
    fprintf(f, "  Requests/sec: %10.2f", (double)c->requests / dur);
    if (s->rate > 0)
        fprintf(f, "   (target %.2f)", s->rate);
    fprintf(f, "\n  Transfer/sec: %10s\n", units_fmt_bytes((double)c->bytes_in / dur, b1, sizeof b1));
    if (s->is_plan && s->iter_counts && (s->dropped || is_arrival(s))) {
        /* work that was due but never started is not in the success rate: say so next
         * to it, so a saturated arrival rate cannot read as healthy */
        uint64_t due = s->iter_counts->requests + s->aborted + s->dropped;
        fprintf(f, "  Success:      %9.2f%% of started  (%llu failed), %llu iterations dropped (%.0f%%)\n",
                100.0 * results_success_rate(c), (unsigned long long)c->failed,
                (unsigned long long)s->dropped, due ? 100.0 * (double)s->dropped / (double)due : 0.0);
    } else {
        fprintf(f, "  Success:      %9.2f%%  (%llu failed)\n", 100.0 * results_success_rate(c),
                (unsigned long long)c->failed);
    }
    if (hist_count(s->lat) == 0) {
        fprintf(f, "  Latency:      no complete responses to time\n");
        goto counts;
    }
    fprintf(f, "  Latency%s   %10s%10s%10s%10s%10s%10s\n",
            r->co_corrected && s->rate > 0 ? "*" : " ", "min", "avg", "stdev", "p50", "p90",
            "max");
    fprintf(f, "             ");
    ms_cell(f, l.min), ms_cell(f, l.avg), ms_cell(f, l.stdev), ms_cell(f, l.p50);
    ms_cell(f, l.p90), ms_cell(f, l.max);
    fputc('\n', f);
    fprintf(f, "  Percentiles  %10s%10s%10s%10s\n", "p95", "p99", "p99.9", "max");
    fprintf(f, "             ");
    ms_cell(f, l.p95), ms_cell(f, l.p99), ms_cell(f, l.p999), ms_cell(f, l.max);
    fputc('\n', f);
    if (distribution) {
        static const double ps[] = {50, 75, 90, 95, 99, 99.9, 99.99, 100};
        fprintf(f, "  Latency distribution\n");
        for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
            fprintf(f, "    %7.3f%%  %s\n", ps[i],
                    units_fmt_us((double)hist_percentile(s->lat, ps[i]), b1, sizeof b1));
    }
counts:
    fprintf(f, "  Status codes:");
    int any = 0;
    for (int i = 0; i < STATS_STATUS_MAX; i++)
        if (c->status[i])
            fprintf(f, "  %d: %llu", i, (unsigned long long)c->status[i]), any = 1;
    fprintf(f, "%s\n", any ? "" : "  none");
    fprintf(f, "  Errors:      ");
    any = 0;
    for (int i = 1; i < ERR__COUNT; i++)
        if (c->errors[i])
            fprintf(f, "  %s: %llu", errclass_name((enum errclass)i),
                    (unsigned long long)c->errors[i]),
                any = 1;
    fprintf(f, "%s\n", any ? "" : "  none");
    for (int i = 1; i < ERR__COUNT; i++)
        if (c->errors[i] && s->error_detail[i][0])
            fprintf(f, "    %s: e.g. %s\n", errclass_name((enum errclass)i), s->error_detail[i]);
    if (c->ws_opens || c->ws_msgs_in || c->ws_reconnects)
        fprintf(f, "  WebSocket:     %llu opened, %llu messages in, %llu out, %llu reconnects\n",
                (unsigned long long)c->ws_opens, (unsigned long long)c->ws_msgs_in,
                (unsigned long long)c->ws_msgs_out, (unsigned long long)c->ws_reconnects);
}

static void sub_line(FILE *f, const struct sub_result *u, int width)
{
    struct latency_ms l;
    results_latency(u->lat, &l);
    char a[32], b[32], c[32];
    fprintf(f, "    %-*.*s %8llu %7llu %10s %10s %10s", width, width, u->name,
            (unsigned long long)u->counts->requests, (unsigned long long)u->counts->failed,
            units_fmt_us(l.p50 * 1000, a, sizeof a), units_fmt_us(l.p95 * 1000, b, sizeof b),
            units_fmt_us(l.p99 * 1000, c, sizeof c));
    for (int i = 1; i < ERR__COUNT; i++)
        if (u->counts->errors[i])
            fprintf(f, "  %s: %llu", errclass_name((enum errclass)i),
                    (unsigned long long)u->counts->errors[i]);
    fputc('\n', f);
}

static void print_plan_parts(FILE *f, const struct scenario_result *s)
{
    char a[32];
    struct latency_ms l;
    results_latency(s->iter_lat, &l);
    fprintf(f, "  Iterations:   %llu (%llu failed), p50 %s", (unsigned long long)s->iter_counts->requests,
            (unsigned long long)s->iter_counts->failed, units_fmt_us(l.p50 * 1000, a, sizeof a));
    fprintf(f, ", max VUs %u (%u allocated)", s->vus_max, s->vus_allocated);
    if (s->dropped)
        fprintf(f, ", %llu dropped (no free VU)", (unsigned long long)s->dropped);
    if (s->aborted)
        fprintf(f, ", %llu cut off at the end", (unsigned long long)s->aborted);
    fputc('\n', f);
    if (s->nsteps) {
        fprintf(f, "    %-24s %8s %7s %10s %10s %10s\n", "step", "requests", "failed", "p50", "p95",
                "p99");
        for (int i = 0; i < s->nsteps; i++)
            sub_line(f, &s->steps[i], 24);
    }
    if (s->ntxns) {
        fprintf(f, "    %-24s %8s %7s %10s %10s %10s\n", "transaction", "count", "failed", "p50",
                "p95", "p99");
        for (int i = 0; i < s->ntxns; i++)
            sub_line(f, &s->txns[i], 24);
    }
    if (s->nlevels) {
        fprintf(f, "    %6s %10s %8s %8s %9s %10s %10s %9s\n", "VUs", "success", "requests",
                "failed", "duration", "p50", "p95", "req/s");
        for (int i = 0; i < s->nlevels; i++) {
            const struct sub_result *u = &s->levels[i];
            char b[32], dur[32];
            results_latency(u->lat, &l);
            fprintf(f, "    %6u %9.1f%% %8llu %8llu %9s %10s %10s %9.1f\n", u->vus,
                    100 * results_success_rate(u->counts), (unsigned long long)u->counts->requests,
                    (unsigned long long)u->counts->failed,
                    units_fmt_us(u->duration_s * 1e6, dur, sizeof dur),
                    units_fmt_us(l.p50 * 1000, a, sizeof a), units_fmt_us(l.p95 * 1000, b, sizeof b),
                    u->duration_s > 0 ? (double)u->counts->requests / u->duration_s : 0);
        }
    }
}

/* The self-check: the open model's schedule lag, and the verdict when surge itself was
 * the bottleneck. */
static void print_saturation(FILE *f, const struct run_result *r)
{
    const json_t *g = r->generator;
    const json_t *sl = json_object_get(g, "schedule_lag_ms");
    if (sl)
        fprintf(f, "  Schedule lag:  p50 %.3fms, p99 %.3fms, max %.3fms (sends behind schedule)\n",
                json_number_value(json_object_get(sl, "p50")),
                json_number_value(json_object_get(sl, "p99")),
                json_number_value(json_object_get(sl, "max")));
    if (!g || !json_is_true(json_object_get(g, "saturated")))
        return;
    char at[16];
    gencheck_clock((uint32_t)json_integer_value(json_object_get(g, "saturated_from_s")), at,
                   sizeof at);
    fprintf(f,
            "  ! surge was saturated from %s; results past that point understate the service\n"
            "    (busiest thread %.0f%% CPU at most, loop lag up to %.1f ms; add threads (-t) or "
            "generator machines)\n",
            at, json_number_value(json_object_get(g, "cpu_pct_max")),
            json_number_value(json_object_get(g, "loop_lag_ms")));
}

void results_summary_print(FILE *f, const struct run_result *r, int distribution)
{
    for (int i = 0; i < r->nscenarios; i++) {
        print_scenario(f, r, &r->sc[i], distribution);
        if (r->sc[i].is_plan)
            print_plan_parts(f, &r->sc[i]);
    }
    if (r->co_corrected)
        for (int i = 0; i < r->nscenarios; i++)
            if (r->sc[i].rate > 0) {
                fprintf(f, "  * latency measured from each request's intended send time "
                           "(coordinated omission corrected)\n");
                break;
            }
    print_saturation(f, r);
    if (r->unreachable)
        fprintf(f, "  (stopped: the target was unreachable; figures cover the time until the stop)\n");
    else if (r->saturated_abort && !r->interrupted)
        fprintf(f, "  (stopped: surge was saturated (on_saturation: abort); figures cover the time "
                   "until the stop)\n");
    else if (r->interrupted)
        fprintf(f, "  (interrupted: figures cover the time until the stop)\n");
    fflush(f);
}
