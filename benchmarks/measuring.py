"""How the benchmarks measure a process: a child's wall time, first output and peak memory, this
process's resident memory, and the summary of a figure taken several times.

A newsbot figure is only fair when it comes from a real `newsbot` process, so most benchmarks
time a child. Its peak memory comes from `wait4` on that child alone, not `getrusage` over all
children, which would report the largest child ever run (the model baseline, say).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from benchmarks.paths import REPO


class BenchError(Exception):
    """A measured command failed; the message ends with the tail of its stderr."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr  # all of it, for callers that show the whole error


@dataclass(frozen=True)
class Run:
    wall: float  # process start to exit, seconds
    first_output: float | None  # process start to its first full line on stdout
    max_rss_mb: float
    stdout: str
    line_times: list[float]  # process start to the arrival of each line on stdout


def run_timed(cmd: list[str], env: dict[str, str]) -> Run:
    """Run `cmd` to completion; its own max RSS comes from wait4, not from all children."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, env=env, cwd=REPO)
        chunks, line_times = [], []
        while chunk := proc.stdout.read1(65536):
            line_times += [time.perf_counter() - start] * chunk.count(b"\n")
            chunks.append(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        if proc.returncode != 0:
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace")
            tail = stderr.strip().splitlines()[-5:]
            raise BenchError(f"{' '.join(cmd[:4])}... exited {proc.returncode}:\n" + "\n".join(tail), stderr)
    first = line_times[0] if line_times else None
    return Run(wall, first, usage.ru_maxrss / 1024, b"".join(chunks).decode("utf-8", "replace"), line_times)


def timed(command: list[str]) -> tuple[float, str]:
    """(seconds, stripped stdout) of a command that must succeed, run offline (HF_HUB_OFFLINE=1);
    a failure ends the benchmark with the command's whole stderr."""
    try:
        run = run_timed(command, {**os.environ, "HF_HUB_OFFLINE": "1"})
    except BenchError as failed:
        sys.exit(f"{' '.join(command)} failed:\n{failed.stderr}")
    return run.wall, run.stdout.strip()


def memory_kib() -> dict[str, int]:
    """This process's resident memory, anonymous and file-backed apart: memory-mapped index
    files are file-backed, shared between processes and droppable by the kernel."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("RssAnon", "RssFile"):
                fields[name] = int(value.split()[0])
    return fields


def summary(values: list[float]) -> dict:
    """Median, range and quartiles of a figure taken several times, with the values themselves."""
    ordered = sorted(values)
    q1, q3 = (statistics.quantiles(ordered, n=4)[::2] if len(ordered) >= 2 else (ordered[0], ordered[0]))
    return {"median": statistics.median(ordered), "min": ordered[0], "max": ordered[-1],
            "q1": q1, "q3": q3, "n": len(ordered), "values": values}


def log(message: str) -> None:
    """Progress on stderr, time-stamped, so stdout keeps only the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
