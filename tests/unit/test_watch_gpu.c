/* test_watch_gpu.c — nvidia-smi's CSV output parsed (one and several GPUs, [N/A],
 * [Not Supported], CRLF, garbage; inputs before a guard page) and the `gpu` source running
 * fake nvidia-smi scripts: by path, found on PATH, missing, failing, hanging. */
#include "guard.h"
#include "unit.h"
#include "watch/gpu.h"
#include "watch/source.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int parse(const char *s, struct gpu_reading *r, int max, char *err)
{
    size_t n = strlen(s);
    return gpu_parse_smi(guard_copy(s, n), n, r, max, err, 128);
}

static void one_gpu(void)
{
    struct gpu_reading r[4];
    char err[128] = "";
    /* an A100, captured */
    CHECK_INT(parse("0, 37, 1234, 81920\n", r, 4, err), 1);
    CHECK(r[0].index == 0 && r[0].util_pct == 37 && r[0].mem_used_mib == 1234 &&
          r[0].mem_total_mib == 81920 && r[0].has_util && r[0].has_used && r[0].has_total);
    CHECK_INT(parse("3,100,0,16160", r, 4, err), 1); /* no spaces, no final newline */
    CHECK(r[0].index == 3 && r[0].util_pct == 100 && r[0].mem_used_mib == 0);
    CHECK_INT(parse("", r, 4, err), 0);
    CHECK_INT(parse("\n \r\n", r, 4, err), 0);
}

static void several_gpus(void)
{
    struct gpu_reading r[8];
    char err[128] = "";
    const char *out = "0, 98, 70123, 81559\r\n"
                      "1, 0, 4, 81559\r\n"
                      "2, [N/A], 512, 16384\r\n"
                      "3, [Not Supported], [Not Supported], [Not Supported]\r\n";
    CHECK_INT(parse(out, r, 8, err), 4);
    CHECK(r[0].util_pct == 98 && r[0].mem_used_mib == 70123);
    CHECK(r[1].index == 1 && r[1].util_pct == 0 && r[1].mem_used_mib == 4);
    CHECK(r[2].index == 2 && !r[2].has_util && r[2].has_used && r[2].mem_total_mib == 16384);
    CHECK(r[3].index == 3 && !r[3].has_util && !r[3].has_used && !r[3].has_total);
}

static void garbage(void)
{
    static const struct { const char *s; const char *msg; } bad[] = {
        {"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n",
         "line 1: 4 fields expected"},
        {"0, 1, 2\n", "line 1: 4 fields expected"},
        {"0, 1, 2, 3, 4\n", "line 1: more than 4 fields"},
        {"0, 1, 2, 3\nx, 1, 2, 3\n", "line 2: bad GPU index"},
        {"-1, 1, 2, 3\n", "bad GPU index"},
        {"1.5, 1, 2, 3\n", "bad GPU index"},
        {"0, 45 %, 2, 3\n", "line 1: bad utilization"},
        {"0, 1, 2 MiB, 3\n", "bad memory used"},
        {"0, 1, 2, \n", "bad memory total"},
        {"0, 1, 2, 3\n1, 1, 2, 3\n2, 1, 2, 3\n", "line 3: too many GPUs"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct gpu_reading r[2];
        char err[128] = "";
        int rc = parse(bad[i].s, r, 2, err);
        if (rc != -EINVAL || !strstr(err, bad[i].msg))
            printf("    case %zu: rc %d \"%s\" (want \"%s\")\n", i, rc, err, bad[i].msg);
        CHECK(rc == -EINVAL && strstr(err, bad[i].msg));
    }
}

/* ------------------------------------------------------------------ the source */

static char dir[64];
static struct {
    char name[8][48];
    char unit[8][8];
    double v[8];
    int n;
} got;

static void on_value(struct watch_emit *e, const char *name, const char *unit, double t,
                     double v)
{
    (void)e;
    (void)t;
    if (got.n < 8) {
        snprintf(got.name[got.n], sizeof got.name[0], "%s", name);
        snprintf(got.unit[got.n], sizeof got.unit[0], "%s", unit);
        got.v[got.n++] = v;
    }
}

static int sample(wsrc *s)
{
    struct watch_emit em = {.value = on_value};
    got.n = 0;
    return s->ops->sample(s, 2.0, &em);
}

static void script(const char *name, const char *body)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f) {
        perror(p);
        exit(2);
    }
    fprintf(f, "#!/bin/sh\n%s", body);
    fclose(f);
    chmod(p, 0755);
}

static wsrc *make(const char *smi)
{
    char err[128];
    struct watch_gpu_cfg c = {.nvidia_smi = smi};
    wsrc *s = wsrc_gpu_new(&c, err, sizeof err);
    if (!s)
        printf("    wsrc_gpu_new: %s\n", err);
    return s;
}

static void source_by_path(void)
{
    /* the script checks it got the query it expects */
    script("smi-ok", "[ \"$1\" = --query-gpu=index,utilization.gpu,memory.used,memory.total ] "
                     "&& [ \"$2\" = --format=csv,noheader,nounits ] || exit 3\n"
                     "echo '0, 50, 2048, 8192'\necho '1, [N/A], 1024, 4096'\n");
    char p[128];
    snprintf(p, sizeof p, "%s/smi-ok", dir);
    wsrc *s = make(p);
    CHECK(s && sample(s) == 0);
    CHECK_INT(got.n, 5);
    if (got.n == 5) {
        CHECK_STR(got.name[0], "gpu0.util_pct");
        CHECK_STR(got.unit[0], "%");
        CHECK(got.v[0] == 50);
        CHECK_STR(got.name[1], "gpu0.memory_bytes");
        CHECK_STR(got.unit[1], "bytes");
        CHECK(got.v[1] == 2048.0 * 1048576);
        CHECK_STR(got.name[2], "gpu0.memory_pct");
        CHECK(got.v[2] == 25);
        CHECK_STR(got.name[3], "gpu1.memory_bytes"); /* no util: [N/A] */
        CHECK_STR(got.name[4], "gpu1.memory_pct");
    }
    CHECK(s && s->status == WSRC_OK && strcmp(s->kind, "gpu") == 0);
    wsrc_free(s);
}

static void source_on_path(void)
{
    script("nvidia-smi", "echo '0, 7, 1, 2'\n");
    const char *old = getenv("PATH");
    char *saved = old ? strdup(old) : NULL;
    char np[256];
    snprintf(np, sizeof np, "%s:/usr/bin:/bin", dir);
    setenv("PATH", np, 1);
    wsrc *s = make(NULL);
    CHECK(s && sample(s) == 0 && got.n == 3 && got.v[0] == 7);
    wsrc_free(s);
    /* missing: unavailable, "nvidia-smi not found" */
    setenv("PATH", "/nonexistent", 1);
    s = make(NULL);
    CHECK(s && sample(s) == -1 && got.n == 0);
    CHECK_STR(s ? s->reason : NULL, "nvidia-smi not found");
    CHECK(s && s->status == WSRC_UNAVAILABLE);
    wsrc_free(s);
    if (saved) {
        setenv("PATH", saved, 1);
        free(saved);
    }
    s = make("/nonexistent/nvidia-smi");
    CHECK(s && sample(s) == -1);
    CHECK_STR(s ? s->reason : NULL, "nvidia-smi not found");
    wsrc_free(s);
}

static void source_failures(void)
{
    char p[128];
    script("smi-fail", "echo 'NVIDIA-SMI has failed because it could not communicate'\nexit 9\n");
    snprintf(p, sizeof p, "%s/smi-fail", dir);
    wsrc *s = make(p);
    CHECK(s && sample(s) == -1);
    CHECK_STR(s ? s->reason : NULL,
              "nvidia-smi exited with status 9: NVIDIA-SMI has failed because it could not "
              "communicate");
    wsrc_free(s);

    script("smi-garbage", "echo 'hello'\n");
    snprintf(p, sizeof p, "%s/smi-garbage", dir);
    s = make(p);
    CHECK(s && sample(s) == -1);
    CHECK(s && strstr(s->reason, "nvidia-smi output line 1: 4 fields expected"));
    wsrc_free(s);

    /* hangs: killed at the timeout (5 s), not waited for */
    script("smi-hang", "exec sleep 60\n");
    snprintf(p, sizeof p, "%s/smi-hang", dir);
    s = make(p);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK(s && sample(s) == -1);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    CHECK(took >= 4.9 && took < 8);
    CHECK_STR(s ? s->reason : NULL, "nvidia-smi: timed out after 5 s");
    wsrc_free(s);
}

int main(void)
{
    RUN(one_gpu);
    RUN(several_gpus);
    RUN(garbage);
    guard_release();
    snprintf(dir, sizeof dir, "/tmp/surge-gpu.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    RUN(source_by_path);
    RUN(source_on_path);
    RUN(source_failures);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("    could not remove %s\n", dir);
    UNIT_EXIT();
}
