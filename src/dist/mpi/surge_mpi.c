/* surge_mpi.c — surge-mpi, the MPI launcher (built with `make MPI=1`):
 * `mpirun -np N surge-mpi run PLAN --out DIR [run options]`. Rank r runs share r+1 of N
 * of every scenario (exec/segment.h) into DIR/rank-(r+1); all ranks start the load at one
 * instant (a barrier, then a start time rank 0 chooses); at the end every rank's
 * results.json and full histograms (histograms.json) go to rank 0, which writes them
 * under its DIR/rank-K, merges them (surge merge: exact histogram merges), judges the
 * criteria and writes the one report into DIR. Every second, rank 0 gathers the ranks'
 * series.ndjson lines and histograms of that second and merges them (exactly) into
 * DIR/series.ndjson, its /metrics and its live abort_on_fail check; only rank 0 watches
 * the target, shows the live view and judges. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "cli/merge_cmd.h"
#include "cli/run_cmd.h"
#include "dist/dist.h"
#include "dist/merge.h"
#include "report/live.h"
#include "report/ndjson.h"
#include "report/outfile.h"

#define START_DELAY_NS 250000000LL /* the common start: this long after the barrier */
#define MAX_SCENARIOS 1024 /* scenarios the ranks keep in step (later ones start at once) */

static const char *usage =
    "usage: mpirun -np N surge-mpi run PLAN.yaml --out DIR [surge run options]\n"
    "  each rank runs share rank+1 of N of every scenario into DIR/rank-K; rank 0 merges\n"
    "  them into DIR (results.json, reports) and judges the criteria (docs/distributed.md)\n"
    "exit status (every rank): as surge run and surge merge: 0 criteria met, 1 a criterion\n"
    "  failed, 2 bad usage or an invalid plan, 3 a rank's share did not complete (its share\n"
    "  is marked incomplete in the merged report), 130/143 interrupted\n";

struct rank_state {
    MPI_Comm comm;
    int rank, size;
    int synced;           /* the start collective done */
    int ended;            /* the per-second exchange done */
    int abort;            /* rank 0: its judge asked to stop; told at the next step */
    int release;          /* rank 0: the scenario this step lets start, or -1 */
    const char *dir;      /* the out dir (rank 0 writes the merged series.ndjson there) */
    ndjson *series;       /* rank 0: DIR/series.ndjson, the whole run's seconds */
    int series_failed;
    live *view;           /* rank 0 without -q: the live view of the whole run */
    char waiting[MAX_SCENARIOS];  /* scenarios waiting here for the others (may_start) */
    char released[MAX_SCENARIOS]; /* scenarios rank 0 let start */
};

/* Rank 0's live view: the merged second's scenarios, as the runner shows one process's. */
static void show(struct rank_state *st, const json_t *merged)
{
    struct live_row rows[16];
    int n = 0;
    const char *name;
    json_t *p;
    if (!st->view)
        return;
    json_int_t t = json_integer_value(json_object_get(merged, "t_run"));
    if (t < 0)
        return; /* the watch's baseline */
    json_object_foreach(json_object_get(merged, "scenarios"), name, p) {
        if (n == 16)
            break;
        json_int_t span = json_integer_value(json_object_get(p, "span"));
        uint64_t errors = 0;
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(p, "errors"), k, v)
            errors += (uint64_t)json_integer_value(v);
        uint64_t dropped = (uint64_t)json_integer_value(json_object_get(p, "dropped"));
        rows[n++] = (struct live_row){
            .scenario = name, .done = -1,
            .elapsed_s = (double)json_integer_value(json_object_get(p, "t")) + 1,
            .vus = (int)json_integer_value(json_object_get(p, "vus")),
            .rps = (double)json_integer_value(json_object_get(p, "requests")) /
                   (double)(span > 0 ? span : 1),
            .p95_ms = json_number_value(json_object_get(p, "p95_ms")),
            .failed = (uint64_t)json_integer_value(json_object_get(p, "failed")),
            .errors = errors, .arrival = dropped > 0, .dropped = dropped,
            .refused = (uint64_t)json_integer_value(json_object_get(p, "refused")),
            .has_ws = json_object_get(p, "ws_active") != NULL,
            .ws = (uint64_t)json_integer_value(json_object_get(p, "ws_active"))};
    }
    live_watch(st->view, json_object_get(merged, "watch"));
    live_update(st->view, (uint32_t)t, rows, n);
}

/* What rank 0 broadcasts after each per-second step. */
#define STEP_MORE  1 /* a rank handed over a second: there are more steps */
#define STEP_ABORT 2 /* stop the run (rank 0's abort_on_fail) */

/* The common start: a barrier, then rank 0's wall-clock instant shortly after it (the
 * hosts' clocks agree through NTP/PTP; on one host exactly), slept to by every rank. */
static void start_sync(void *ud)
{
    struct rank_state *st = ud;
    int64_t at_ns = 0;
    st->synced = 1;
    MPI_Barrier(st->comm);
    if (st->rank == 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        at_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec + START_DELAY_NS;
    }
    MPI_Bcast(&at_ns, 1, MPI_INT64_T, 0, st->comm);
    struct timespec at = {.tv_sec = (time_t)(at_ns / 1000000000LL),
                          .tv_nsec = (long)(at_ns % 1000000000LL)};
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL) == EINTR)
        ;
}

/* Rank 0: DIR/series.ndjson with the header of its own share's (plus the ranks). */
static void open_series(struct rank_state *st)
{
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/rank-1/series.ndjson", st->dir);
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    json_t *h = NULL;
    if (f && getline(&line, &cap, f) > 0)
        h = json_loads(line, 0, NULL);
    if (f)
        fclose(f);
    free(line);
    if (!h)
        h = json_object();
    json_object_set_new(h, "ranks", json_integer(st->size));
    snprintf(path, sizeof path, "%s/series.ndjson", st->dir);
    if (ndjson_open(path, h, &st->series, err, sizeof err)) {
        fprintf(stderr, "surge-mpi: %s\n", err);
        st->series_failed = 1;
    }
    json_decref(h);
}

/* One step of the per-second exchange: every rank hands over msg (len bytes; 0: no
 * second any more); rank 0 merges the seconds it got into one line, writes it to
 * DIR/series.ndjson and returns it in *merged. @return the flags rank 0 broadcast. */
static int step(struct rank_state *st, const char *msg, int len, json_t **merged)
{
    int *lens = NULL, *offs = NULL, total = 0, flags = 0;
    char *all = NULL;
    if (st->rank == 0) {
        lens = calloc((size_t)st->size, sizeof *lens);
        offs = calloc((size_t)st->size, sizeof *offs);
    }
    MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, st->comm);
    if (st->rank == 0) {
        for (int k = 0; k < st->size; k++) {
            offs[k] = total;
            total += lens[k];
        }
        all = malloc((size_t)total + 1);
    }
    MPI_Gatherv(msg, len, MPI_CHAR, all, lens, offs, MPI_CHAR, 0, st->comm);
    if (st->rank == 0) {
        json_t **lines = calloc((size_t)st->size, sizeof *lines);
        json_t **hists = calloc((size_t)st->size, sizeof *hists);
        json_t **docs = calloc((size_t)st->size, sizeof *docs);
        int have = 0, release = -1;
        int *agree = calloc(MAX_SCENARIOS, sizeof *agree);
        char *any = calloc(MAX_SCENARIOS, 1);
        for (int k = 0; all && lines && hists && docs && k < st->size; k++) {
            if (!lens[k])
                continue;
            flags |= STEP_MORE;
            docs[k] = json_loadb(all + offs[k], (size_t)lens[k], 0, NULL);
            lines[k] = json_object_get(docs[k], "line");
            hists[k] = json_object_get(docs[k], "hists");
            have += lines[k] != NULL;
            size_t j;
            json_t *w;
            json_array_foreach(json_object_get(docs[k], "waiting"), j, w) {
                json_int_t i = json_integer_value(w);
                if (agree && any && i > 0 && i < MAX_SCENARIOS)
                    agree[i]++, any[i] = 1;
            }
        }
        /* a scenario waiting on every rank that still runs (those done have no say) */
        int running = 0;
        for (int k = 0; lens && k < st->size; k++)
            running += lens[k] > 0;
        for (int i = 1; agree && any && i < MAX_SCENARIOS && release < 0; i++)
            if (any[i] && agree[i] >= running)
                release = i;
        free(agree);
        free(any);
        st->release = release;
        char err[256];
        if (have && merged && merge_second(lines, hists, st->size, merged, err, sizeof err) == 0) {
            if (!st->series && !st->series_failed)
                open_series(st);
            if (st->series)
                ndjson_write(st->series, *merged);
            show(st, *merged);
        }
        for (int k = 0; docs && k < st->size; k++)
            json_decref(docs[k]);
        free(lines);
        free(hists);
        free(docs);
        if (st->abort)
            flags |= STEP_ABORT;
    }
    int out[2] = {flags, st->rank == 0 ? st->release : -1};
    MPI_Bcast(out, 2, MPI_INT, 0, st->comm);
    flags = out[0];
    if (out[1] > 0 && out[1] < MAX_SCENARIOS) { /* every rank starts it after this step */
        st->released[out[1]] = 1;
        st->waiting[out[1]] = 0;
    }
    free(all);
    free(lens);
    free(offs);
    return flags;
}

static int on_second(void *ud, const json_t *line, const json_t *hists, json_t **merged)
{
    struct rank_state *st = ud;
    *merged = NULL;
    if (json_integer_value(json_object_get(line, "t_run")) < 0) {
        /* the watch's baseline: rank 0's alone, not exchanged */
        if (st->rank == 0 && !st->series && !st->series_failed)
            open_series(st);
        if (st->series)
            ndjson_write(st->series, line);
        return 0;
    }
    json_t *waiting = json_array();
    for (int i = 1; waiting && i < MAX_SCENARIOS; i++)
        if (st->waiting[i])
            json_array_append_new(waiting, json_integer(i));
    json_t *m = json_pack("{s:O, s:O?, s:o?}", "line", line, "hists", hists, "waiting", waiting);
    char *msg = m ? json_dumps(m, JSON_COMPACT) : NULL;
    json_decref(m);
    *merged = NULL;
    /* an empty message would read as "no more seconds": send at least "{}" */
    int flags = step(st, msg ? msg : "{}", msg ? (int)strlen(msg) : 2,
                     st->rank == 0 ? merged : NULL);
    free(msg);
    return (flags & STEP_ABORT) != 0;
}

static int may_start(void *ud, int scenario)
{
    struct rank_state *st = ud;
    if (scenario <= 0 || scenario >= MAX_SCENARIOS || st->released[scenario])
        return 1;
    st->waiting[scenario] = 1;
    return 0;
}

static void on_abort(void *ud)
{
    struct rank_state *st = ud;
    st->abort = 1;
}

static void seconds_end(void *ud)
{
    struct rank_state *st = ud;
    if (st->ended)
        return;
    st->ended = 1;
    for (;;) {
        json_t *merged = NULL;
        int flags = step(st, "", 0, st->rank == 0 ? &merged : NULL);
        json_decref(merged);
        if (!(flags & STEP_MORE))
            break;
    }
    ndjson_close(st->series);
    st->series = NULL;
    live_end(st->view);
}

/* The whole of a file (NUL-terminated; *len its length), or NULL when absent. */
static char *slurp(const char *path, int *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    *len = 0;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < INT32_MAX &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
        fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
        *len = (int)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* Write len bytes to path atomically. 0 or -1. */
static int spill(const char *path, const char *buf, int len)
{
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(buf, 1, (size_t)len, f) == (size_t)len;
    if (f && fclose(f))
        ok = 0;
    if (!ok || rename(tmp, path)) {
        fprintf(stderr, "surge-mpi: cannot write '%s': %s\n", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

/* Gather one file of every rank to rank 0, which writes it as DIR/rank-K/name (its own
 * is already there). A rank without the file sends nothing. */
static void gather_file(struct rank_state *st, const char *dir, const char *name)
{
    char path[4200];
    int len = 0, *lens = NULL, *offs = NULL, total = 0;
    snprintf(path, sizeof path, "%s/rank-%d/%s", dir, st->rank + 1, name);
    char *mine = slurp(path, &len), *all = NULL;
    if (st->rank == 0) {
        lens = calloc((size_t)st->size, sizeof *lens);
        offs = calloc((size_t)st->size, sizeof *offs);
    }
    MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, st->comm);
    if (st->rank == 0) {
        for (int k = 0; k < st->size; k++) {
            offs[k] = total;
            total += lens[k] > INT32_MAX - total ? 0 : lens[k];
        }
        all = malloc((size_t)total + 1);
    }
    MPI_Gatherv(mine, len, MPI_CHAR, all, lens, offs, MPI_CHAR, 0, st->comm);
    for (int k = 1; st->rank == 0 && all && k < st->size; k++) {
        if (!lens[k])
            continue;
        snprintf(path, sizeof path, "%s/rank-%d", dir, k + 1);
        if (outfile_mkdir_p(path))
            continue;
        snprintf(path, sizeof path, "%s/rank-%d/%s", dir, k + 1, name);
        spill(path, all + offs[k], lens[k]);
    }
    free(mine);
    free(all);
    free(lens);
    free(offs);
}

/* The run options with the out dir replaced by DIR/rank-K; *dir set to DIR. */
static char **rank_argv(int argc, char **argv, int rank, const char **dir, int *nargc, int *quiet)
{
    char **nv = calloc((size_t)argc + 2, sizeof *nv);
    static char rank_dir[4200];
    *dir = NULL;
    if (!nv)
        return NULL;
    int n = 0;
    for (int i = 1; i < argc; i++) { /* argv[1] is "run" */
        const char *a = argv[i];
        if ((!strcmp(a, "-o") || !strcmp(a, "--out")) && i + 1 < argc) {
            *dir = argv[++i];
            continue;
        }
        if (!strncmp(a, "--out=", 6)) {
            *dir = a + 6;
            continue;
        }
        if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
            *quiet = 1;
        nv[n++] = argv[i];
    }
    if (*dir) {
        snprintf(rank_dir, sizeof rank_dir, "%s/rank-%d", *dir, rank + 1);
        nv[n++] = "--out";
        nv[n++] = rank_dir;
    }
    *nargc = n;
    return nv;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int provided;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "surge-mpi: MPI_Init failed\n");
        return 3;
    }
    struct rank_state st = {0};
    MPI_Comm_dup(MPI_COMM_WORLD, &st.comm);
    MPI_Comm_rank(st.comm, &st.rank);
    MPI_Comm_size(st.comm, &st.size);
    const char *dir = NULL;
    int nargc = 0, quiet = 0, status;
    char **nv = argc >= 2 && !strcmp(argv[1], "run")
                    ? rank_argv(argc, argv, st.rank, &dir, &nargc, &quiet)
                    : NULL;
    if (!nv || !dir) {
        if (st.rank == 0)
            fprintf(stderr, "surge-mpi: %s\n%s",
                    nv ? "--out DIR is required (each rank writes DIR/rank-K)"
                       : "the command is run",
                    usage);
        free(nv);
        MPI_Comm_free(&st.comm);
        MPI_Finalize();
        return 2;
    }
    st.dir = dir;
    if (st.rank == 0 && !quiet) {
        st.view = live_new(stderr, -1);
        fprintf(stderr, "surge-mpi: %d ranks, each running its share of the plan into %s/rank-K\n",
                st.size, dir);
    }
    /* the ranks run quietly: rank 0 shows the whole run's live view and merged verdict */
    struct dist_hooks hooks = {.segment = {st.rank, st.size}, .quiet = 1, .watch = st.rank == 0,
                               .start_sync = start_sync, .second = on_second,
                               .abort = on_abort, .seconds_end = seconds_end,
                               .may_start = may_start, .ud = &st};
    dist_set(&hooks);
    status = run_cmd(nargc, nv);
    if (!st.synced) /* it stopped before load: the others still wait at the start */
        start_sync(&st);
    seconds_end(&st); /* when run_cmd did not: the others still hand over seconds */
    int *all_status = st.rank == 0 ? calloc((size_t)st.size, sizeof *all_status) : NULL;
    MPI_Gather(&status, 1, MPI_INT, all_status, 1, MPI_INT, 0, st.comm);
    gather_file(&st, dir, "results.json");
    gather_file(&st, dir, "histograms.json");
    if (st.rank == 0) {
        int bad_input = 0, signal_status = 0;
        for (int k = 0; all_status && k < st.size; k++) {
            if (all_status[k] == 2)
                bad_input = 1;
            if (all_status[k] >= 128 && !signal_status)
                signal_status = all_status[k];
            if (all_status[k] != 0 && all_status[k] != 1)
                fprintf(stderr, "surge-mpi: rank %d (share %d/%d) exited with status %d\n", k,
                        k + 1, st.size, all_status[k]);
        }
        if (bad_input) {
            status = 2;
        } else {
            char **mv = calloc((size_t)st.size + 5, sizeof *mv);
            char (*dirs)[4200] = calloc((size_t)st.size, sizeof *dirs);
            int m = 0;
            if (mv && dirs) {
                mv[m++] = "merge";
                for (int k = 0; k < st.size; k++) {
                    snprintf(dirs[k], sizeof dirs[k], "%s/rank-%d", dir, k + 1);
                    mv[m++] = dirs[k];
                }
                mv[m++] = "--out";
                mv[m++] = (char *)dir;
                if (quiet)
                    mv[m++] = "-q";
                status = merge_cmd(m, mv);
            } else {
                status = 3;
            }
            free(mv);
            free(dirs);
            if (signal_status)
                status = signal_status;
        }
    }
    free(all_status);
    live_free(st.view);
    MPI_Bcast(&status, 1, MPI_INT, 0, st.comm); /* every rank exits as rank 0 says */
    free(nv);
    MPI_Comm_free(&st.comm);
    MPI_Finalize();
    return status;
}
