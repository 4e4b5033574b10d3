#!/usr/bin/env python3
# gen-results-full.py — writes tests/data/results-full.json, the synthetic results document
# (schema surge.results/2, docs/model.md) the report writers' golden tests read. Deterministic:
# no randomness, so rerunning it gives the same bytes. It holds every section a report can
# show: a ladder with levels, a flow scenario with steps and transactions, watch metrics with
# baseline series, criteria in all three tiers, a health outage, a target restart, analyses.
import json, math, sys

def lat(p50, scale=1.0):
    return {"min": round(p50 * 0.3, 3), "avg": round(p50 * 1.2, 3), "stdev": round(p50 * 0.5, 3),
            "p50": p50, "p90": round(p50 * 1.8, 3), "p95": round(p50 * 2.2, 3),
            "p99": round(p50 * 3.5, 3), "p999": round(p50 * 5, 3), "max": round(p50 * 8, 3)}

def point(t, t_run, req, failed, vus, p50, errors):
    return {"t": t, "t_run": t_run, "requests": req, "failed": failed, "bytes_in": req * 512,
            "vus": vus, "p50_ms": p50, "p90_ms": round(p50 * 1.8, 3), "p95_ms": round(p50 * 2.2, 3),
            "p99_ms": round(p50 * 3.5, 3), "max_ms": round(p50 * 8, 3), "errors": errors,
            "dropped": 0, "refused": errors.get("connect_refused", 0)}

# Scenario 1: a ladder, 3 levels of 10 s (10, 20, 40 VUs), load from t_run 0 to 30.
lvl = [(10, 950, 4.0, 0), (20, 1700, 6.5, 3), (40, 2100, 14.0, 40)]
ser, levels = [], []
for i, (vus, rps, p50, fail) in enumerate(lvl):
    tot = 0
    for s in range(10):
        t = i * 10 + s
        req = rps + (s % 3) * 10
        f = fail // 10 if s < 9 else fail - 9 * (fail // 10)
        ser.append(point(t, t, req, f, vus, round(p50 + s * 0.1, 3), {"timeout": f} if f else {}))
        tot += req
    levels.append({"vus": vus, "requests": tot, "failed": fail,
                   "success_rate": round((tot - fail) / tot, 3), "duration_s": 10.0,
                   "rps": round(tot / 10.0, 3), "status": {"200": tot - fail} if fail else {"200": tot},
                   "errors": {"timeout": fail} if fail else {}, "latency_ms": lat(p50)})
ladder_req = sum(l["requests"] for l in levels)
ladder_fail = sum(l["failed"] for l in levels)
ladder = {"name": "ramp", "executor": "ladder", "start_s": 0, "duration_s": 30.0,
          "vus_max": 40, "vus_allocated": 40, "requests": ladder_req, "failed": ladder_fail,
          "success_rate": round((ladder_req - ladder_fail) / ladder_req, 3),
          "rps": round(ladder_req / 30.0, 3), "bytes_in": ladder_req * 512,
          "bytes_out": ladder_req * 120, "connects": 70, "status": {"200": ladder_req - ladder_fail},
          "errors": {"timeout": ladder_fail}, "error_examples": {"timeout": "GET /: no response in 2 s"},
          "latency_ms": lat(7.5), "series": ser, "iterations": ladder_req,
          "iterations_failed": ladder_fail, "dropped": 0, "aborted": 0, "iteration_ms": lat(7.6),
          "steps": [], "transactions": [], "levels": levels,
          "watch": {"process.rss_bytes": {"baseline": 52428800, "min": 52428800, "avg": 60817408,
                                          "max": 69206016, "last": 69206016,
                                          "growth": {"per_h": 2013265920.0, "pct_per_h": 3840.0,
                                                     "r2": 0.97, "from_s": 5, "to_s": 30}},
                    "process.cpu_pct": {"baseline": 1.0, "min": 20.0, "avg": 55.0, "max": 92.0,
                                        "last": 90.0}}}

# Scenario 2: a flow (login -> browse -> checkout), 20 s from t_run 30, a target restart at 40.
ser2 = []
for s in range(20):
    tr = 30 + s
    down = tr in (40, 41)  # the restart: connections refused for 2 s
    req = 0 if down else 300 + (s % 4) * 5
    errs = {"connect_refused": 25} if down else ({"expect": 2} if s % 7 == 3 else {})
    ser2.append(point(s, tr, req + sum(errs.values()), sum(errs.values()), 25, 12.0 + (s % 5), errs))
c_req = sum(p["requests"] for p in ser2)
c_fail = sum(p["failed"] for p in ser2)
exp_n = sum(p["errors"].get("expect", 0) for p in ser2)
ref_n = sum(p["errors"].get("connect_refused", 0) for p in ser2)
checkout = {"name": "checkout", "executor": "constant-arrival-rate", "start_s": 30, "duration_s": 20.0,
            "vus_max": 25, "vus_allocated": 30, "rate": 100.0, "requests": c_req, "failed": c_fail,
            "success_rate": round((c_req - c_fail) / c_req, 3), "rps": round(c_req / 20.0, 3),
            "bytes_in": c_req * 900, "bytes_out": c_req * 300, "connects": 80,
            "status": {"200": c_req - c_fail - exp_n + exp_n, "302": 0, "500": exp_n},
            "errors": {"connect_refused": ref_n, "expect": exp_n},
            "error_examples": {"connect_refused": "login: Connection refused",
                               "expect": "checkout: status 500, expected 200"},
            "latency_ms": lat(13.0), "series": ser2, "iterations": 1980, "iterations_failed": 31,
            "dropped": 12, "aborted": 0, "iteration_ms": lat(41.0),
            "steps": [{"name": "login", "requests": 2000, "failed": ref_n, "status": {"200": 1950},
                       "errors": {"connect_refused": ref_n}, "latency_ms": lat(9.0)},
                      {"name": "browse", "requests": c_req - 4000, "failed": 0,
                       "status": {"200": c_req - 4000}, "errors": {}, "latency_ms": lat(11.0)},
                      {"name": "checkout", "requests": 2000, "failed": exp_n,
                       "status": {"200": 2000 - exp_n, "500": exp_n}, "errors": {"expect": exp_n},
                       "latency_ms": lat(18.0)}],
            "transactions": [{"name": "buy", "count": 1980, "failed": 31, "latency_ms": lat(40.0)}],
            "restart_at_s": 40,
            "watch": {"process.rss_bytes": {"baseline": 52428800, "min": 62914560, "avg": 68157440,
                                            "max": 73400320, "last": 70254592},
                      "process.cpu_pct": {"baseline": 1.0, "min": 0.0, "avg": 35.0, "max": 60.0,
                                          "last": 30.0}}}
checkout["status"] = {"200": c_req - c_fail - 0, "500": exp_n}
checkout["status"]["200"] = c_req - ref_n - exp_n

def mseries(f):
    return [[t, f(t)] for t in range(-5, 50)]
rss = mseries(lambda t: 52428800 if t < 0 else 52428800 + t * 419430 if t != 40 else 20971520)
cpu = mseries(lambda t: 1.0 if t < 0 else (0.0 if t in (40, 41) else round(20 + (t % 30) * 2.4, 1)))
gpu = mseries(lambda t: 0.0 if t < 0 else round(50 + 30 * math.sin(t / 5.0), 1))
def stats(ser, unit):
    b = [v for t, v in ser if t < 0]
    l = [v for t, v in ser if t >= 0]
    return {"baseline": round(sum(b) / len(b), 3), "min": min(l), "avg": round(sum(l) / len(l), 3),
            "max": max(l), "last": l[-1]}
m_rss = {"name": "process.rss_bytes", "source": "process", "unit": "bytes", **stats(rss, "bytes"),
         "growth": {"per_h": 1509949440.0, "pct_per_h": 2880.0, "r2": 0.93, "from_s": 5, "to_s": 49},
         "series": rss}
m_cpu = {"name": "process.cpu_pct", "source": "process", "unit": "%", **stats(cpu, "%"), "series": cpu}
m_gpu = {"name": "gpu_usage_percent", "source": "prometheus", "unit": "%", **stats(gpu, "%"),
         "series": gpu}

doc = {
    "schema": "surge.results/2",
    "tool": {"name": "surge", "version": "0.1.0"},
    "started": "2026-12-01T10:00:00Z",
    "duration_s": 50.0,
    "interrupted": False,
    "plan": "examples/shop.yaml",
    "target": "http://127.0.0.1:8080",
    "workload": {"users": 60, "rate": 120, "memory_limit": "512MiB"},
    "scenarios": [ladder, checkout],
    "watch": {
        "interval_s": 1, "baseline_s": 5,
        "sources": [{"name": "process", "kind": "process", "status": "ok"},
                    {"name": "prometheus", "kind": "prometheus", "status": "ok"},
                    {"name": "gpu", "kind": "gpu", "status": "unavailable",
                     "reason": "nvidia-smi: not found"}],
        "metrics": [m_rss, m_cpu, m_gpu],
        "health": {"url": "http://127.0.0.1:8080/health", "probes": 55, "failed": 2,
                   "uptime_pct": 96.364,
                   "outages": [{"start_s": 40, "duration_s": 2.0, "reason": "connection refused"}]},
        "target": {"command": "./shop --port 8080", "pid": 4242, "log": "target.log",
                   "events": [{"t": -6.2, "kind": "start"}, {"t": -5.9, "kind": "ready"},
                              {"t": 40, "kind": "restart"}, {"t": 41.5, "kind": "ready"}]}},
    "criteria": [
        {"scenario": "ramp", "name": "p95 latency", "expr": "p95", "target": "< 20ms",
         "acceptable": "< 40ms", "value": 16.5, "unit": "ms", "tier": "target", "margin": None,
         "interrupted": False},
        {"scenario": "ramp", "name": "success rate", "expr": "success_rate", "target": ">= 99.9%",
         "acceptable": ">= 99%", "value": 99.3, "unit": "%", "tier": "acceptable", "margin": None,
         "interrupted": False},
        {"scenario": "checkout", "name": "errors", "expr": "error_rate", "target": "< 0.1%",
         "acceptable": "< 1%", "value": 1.7, "unit": "%", "tier": "failure", "margin": 0.7,
         "interrupted": False},
        {"scenario": None, "name": "memory growth", "expr": "memory_growth", "target": "< 5%/h",
         "acceptable": "< 10%/h", "value": 2880.0, "unit": "%/h", "tier": "failure",
         "margin": 2870.0, "interrupted": False}],
    "analysis": {
        "recovery": [{"scenario": "checkout", "baseline_p95_ms": 28.6, "baseline_error_rate": 0,
                      "peak_vus": 60, "peak_end_s": 41, "recovered_at_s": 44, "recovery_s": 3.0,
                      "tolerance_pct": 20, "hold_s": 10, "verdict": "recovered"}],
        "memory": {"metric": "process.rss_bytes", "verdict": "growing", "pct_per_h": 2880.0,
                   "per_h": 1509949440.0, "r2": 0.93},
        "readiness": [{"item": "users", "required": 60, "measured": 40, "ready": False},
                      {"item": "rate", "required": 120, "measured": 196.3, "ready": True},
                      {"item": "memory_limit", "required": "512MiB", "measured": "70MiB",
                       "ready": True}],
        "usl": [{"scenario": "ramp", "source": "levels", "points": 4, "lambda": 110.0,
                 "sigma": 0.01, "kappa": 0.0004, "peak_vus": 49.7, "peak_rps": 2227.4, "r2": 0.99,
                 "parallelism": 19.1, "knee_vus": 20, "plateau_rps": 2109}],
        "bottleneck": [{"finding": "throughput flattens past 20 VUs while CPU reaches 92%",
                        "evidence": "level 40: 2109 rps at 92% CPU, level 20: 1709 rps at 55%"}],
        "projection": {"memory_per_user_bytes": 419430, "users_at_memory_limit": 1153,
                       "memory_limit_bytes": 536870912}},
    "verdict": "fail",
}
json.dump(doc, sys.stdout, indent=1)
sys.stdout.write("\n")
