"""What `bench_serve` makes of its runs: the summary of one run's samples and the table.

Apart from the measuring (`serve_load`) so that what a figure means (which requests count,
which percentile) is read in one place.
"""

from __future__ import annotations

from collections import Counter

from benchmarks.serve_load import Sample


def ms(values: list[float], share: float) -> float | None:
    """The `share` quantile (nearest rank) of `values` seconds, in ms; None for none."""
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1) if ordered else None


def summarise(samples: list[Sample], updated: dict | None, servers: int) -> dict:
    """Throughput over the whole window (first request sent to last answer), latency of the
    answered requests, errors by status, and how long each server took to answer from the
    generation the update published."""
    good = [s for s in samples if s.status == 200]
    errors = dict(Counter(str(s.status) for s in samples if s.status != 200))
    window = (max(s.started + s.seconds for s in samples) - min(s.started for s in samples)) if samples else 0.0
    latencies = [s.seconds for s in good]
    first = [s.seconds for s in good if not s.followup]  # what the Library.ask baseline asks
    later = [s.seconds for s in good if s.followup]
    row = {
        "requests": len(samples), "answered": len(good), "followups": sum(s.followup for s in good),
        "window_s": round(window, 2), "requests_per_s": round(len(good) / window, 2) if window else 0.0,
        "p50_ms": ms(latencies, 0.50), "p99_ms": ms(latencies, 0.99), "max_ms": ms(latencies, 1.0), "errors": errors,
        "p50_new_ms": ms(first, 0.50), "p99_new_ms": ms(first, 0.99),
        "p50_followup_ms": ms(later, 0.50), "p99_followup_ms": ms(later, 0.99),
        "generations_seen": len({s.generation for s in good}),
    }
    if updated:
        row["update"] = {k: v for k, v in updated.items() if k not in ("started", "published")}
        if "published" in updated:
            lags = []
            for server in range(servers):
                new = [s.started + s.seconds for s in good if s.server == server and s.generation == updated["generation"]]
                lags.append(round(min(new) - updated["published"], 2) if new else None)
            row["swap_lag_s"] = lags  # per server: None when it never answered from the new one in the run
            during = [s.seconds for s in good if updated["started"] <= s.started <= updated["published"] + 5]
            row["p99_during_update_ms"] = ms(during, 0.99)
    return row


def table(results: list[dict]) -> str:
    header = (f"{'corpus':<18}{'ask ms':>7}{'procs':>6}{'clients':>8}{'req/s':>8}{'x ask':>7}{'p50 ms':>8}{'p99 ms':>8}"
              f"{'p99/ask':>8}{'p99 new':>8}  {'errors':<7}{'peak RSS MB':>12}{'swap s':>10}{'cpu %':>9}{'others':>7}")
    lines = [header]
    for result in results:
        label = f"{result['corpus']} {result['passages']:,}p"
        for row in result["runs"]:
            errors = sum(row["errors"].values())
            swap = "/".join("-" if lag is None else f"{lag:.1f}" for lag in row.get("swap_lag_s", []))
            swap = "no update" if "error" in row.get("update", {}) else swap
            lines.append(
                f"{label:<18}{result['ask_ms']:>7.1f}{row['processes']:>6}{row['clients']:>8}{row['requests_per_s']:>8.1f}"
                f"{row['rps_x_ask']:>7.2f}{row['p50_ms'] or 0:>8.0f}{row['p99_ms'] or 0:>8.0f}{row['p99_x_ask']:>8.1f}"
                f"{row['p99_new_ms'] or 0:>8.0f}  {errors:<7}{'/'.join(map(str, row['peak_rss_mb'])):>12}{swap:>10}"
                f"{'/'.join(map(str, row['server_cpu_percent'])):>9}{row['others_cpu_percent']:>7}")
    return "\n".join(lines)


LEGEND = """x ask: req/s times one warm Library.ask (ask ms: a new question, in a separate process,
median over the baselines taken before each set of servers and after); p99/ask: p99 over it;
p99 new: p99 of new questions alone (a follow-up skips a big index's exact re-score); swap s:
per server, from the update publishing a generation to that server's first answer from it
(-: no client on it); cpu %: each server's, of one core; others: the rest of the machine's
load meanwhile (% of one core), less our clients and the update."""
