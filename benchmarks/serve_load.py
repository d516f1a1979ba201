"""The moving parts of `bench_serve`: real `newsbot serve` processes, the clients that load
them over loopback, and the update that publishes a new index generation mid-run.

Servers are real processes started as a user starts them (`newsbot serve --config ...`),
because what is measured is what a user runs: uvicorn, the access log, the worker threads,
the generation watch. Their memory is read from /proc (VmHWM, reset before each run through
`clear_refs` where the kernel allows it), their CPU from /proc/PID/stat.

The clients use aiohttp rather than httpx: both are well kept, aiohttp is already a
dependency (discord.py), and on a 2-core machine the load generator shares the cores with
the server, so the lighter client per request steals less of what is measured. Each client
holds one connection and sticks to one server, as a proxy's sticky routing would:
conversations live in one process.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from benchmarks.paths import REPO

READY_SECONDS = 300  # a server that is not ready by then has failed
REQUEST_SECONDS = 60  # one answer taking longer counts as an error
UPDATE_SECONDS = 300  # the mid-run `newsbot index`
SWAP_MARGIN = 5.0  # clients go on this long after an update published: the watch looks every 2 s
MAX_REQUESTS_PER_CLIENT = 100_000  # a bound besides the deadline
FOLLOWUP_SHARE = 0.5  # chance that a client's next question continues its conversation
MAX_TURNS = 4  # a conversation is left after this many turns
FOLLOWUPS = (  # what people type after an answer; the conversation gives them their subject
    "When did that happen?", "Who said that?", "Why?", "What happened next?",
    "What did they say about it?", "Where was that?", "How many were there?",
)
UPDATE_ARTICLE = "bench_serve_update.txt"  # added, then removed, by alternate updates
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def newsbot_command() -> list[str]:
    """The `newsbot` a user runs: the script beside this Python (or on PATH), as bench_core finds it."""
    sibling = Path(sys.executable).parent / "newsbot"
    found = str(sibling) if sibling.exists() else shutil.which("newsbot")
    return [found] if found else [sys.executable, "-c", "from newsbot.bot.cli import main; main()"]


def newsbot_env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One `newsbot serve` child on 127.0.0.1; its log goes to a file (uvicorn logs every request)."""

    def __init__(self, config: Path, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("wb")
        command = [*newsbot_command(), "serve", "--config", str(config), "--port", str(self.port)]
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=REPO, env=newsbot_env())

    def wait_ready(self) -> float:
        """Seconds from now until /v1/ready answers 200."""
        started = time.monotonic()
        while time.monotonic() - started < READY_SECONDS:
            if self.proc.poll() is not None:
                raise RuntimeError(f"newsbot serve exited {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/v1/ready", timeout=5) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"newsbot serve not ready after {READY_SECONDS} s:\n{self.log_tail()}")

    def _status(self) -> dict[str, int]:
        fields = {}
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                    fields[name] = int(value.split()[0])
        return fields

    def memory_mb(self) -> dict[str, float]:
        return {name: round(kib / 1024) for name, kib in self._status().items()}

    def reset_peak(self) -> bool:
        """Start VmHWM afresh (Linux >= 4.0), so each run's peak is its own."""
        try:
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def warnings(self) -> list[str]:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if line.startswith(("WARNING", "ERROR", "Traceback"))]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


@dataclass
class Sample:
    server: int
    started: float  # monotonic
    seconds: float
    status: int | str  # an HTTP status, or the exception's name
    followup: bool
    generation: str | None


class Window:
    """How long clients go on asking: `seconds`, and while an update is running until
    SWAP_MARGIN after it published (so the swap is seen), but never past `hard_end`."""

    def __init__(self, seconds: float, update_pending: bool) -> None:
        self.end = time.monotonic() + seconds
        self.hard_end = self.end + UPDATE_SECONDS + SWAP_MARGIN
        self.update_pending = update_pending

    def open(self) -> bool:
        now = time.monotonic()
        return now < self.end or (self.update_pending and now < self.hard_end)

    def published(self, when: float | None) -> None:
        if when is not None:
            self.end = max(self.end, when + SWAP_MARGIN)
        self.update_pending = False


async def client(number: int, server: int, url: str, questions: list[str], window: Window,
                 samples: list[Sample], seed: int) -> None:
    """Ask while `window` is open (and at most MAX_REQUESTS_PER_CLIENT times): new questions,
    and follow-ups that send back the conversation id the last answer gave."""
    rng = random.Random(seed * 1000 + number)
    conversation, turns = None, 0
    timeout = aiohttp.ClientTimeout(total=REQUEST_SECONDS)
    async with aiohttp.ClientSession(url, connector=aiohttp.TCPConnector(limit=1), timeout=timeout) as session:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if not window.open():
                return
            followup = conversation is not None and turns < MAX_TURNS and rng.random() < FOLLOWUP_SHARE
            question = rng.choice(FOLLOWUPS) if followup else rng.choice(questions)
            body = {"question": question, "conversation": conversation if followup else None}
            started = time.monotonic()
            generation = None
            try:
                async with session.post("/v1/ask", json=body) as response:
                    status = response.status
                    record = await response.json(content_type=None) if status == 200 else await response.read()
            except (TimeoutError, aiohttp.ClientError) as exc:
                status = type(exc).__name__
            if status == 200:
                conversation, generation = record["conversation"], record["generation"]
                turns = turns + 1 if followup else 1
            else:
                conversation, turns = None, 0
            samples.append(Sample(server, started, time.monotonic() - started, status, followup, generation))


async def update_index(config: Path, corpus_dir: Path, index_dir: Path, article: str) -> dict:
    """Add UPDATE_ARTICLE to the corpus (or take it out, if a previous update added it) and run
    `newsbot index` in its own process: another process publishing a generation, as cron's
    `newsbot update` does, which every server must pick up by itself."""
    from newsbot.retrieval.index.generations import current_generation

    path = corpus_dir / UPDATE_ARTICLE
    added = not path.exists()

    def toggle() -> None:
        if path.exists():
            path.unlink()
        else:
            path.write_text(article, encoding="utf-8")

    toggle()
    change, before = "added" if added else "removed", current_generation(index_dir).name
    started, children = time.monotonic(), _children_cpu()
    proc = await asyncio.create_subprocess_exec(
        *newsbot_command(), "index", "--config", str(config), cwd=REPO, env=newsbot_env(),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), UPDATE_SECONDS)
    except TimeoutError:
        proc.kill()
        stderr = f"newsbot index ran over {UPDATE_SECONDS} s".encode()
        await proc.wait()
    finished = time.monotonic()
    generation = current_generation(index_dir).name
    if proc.returncode != 0:
        toggle()  # the corpus back as the index has it, so the next update changes something
        return {"change": change, "error": stderr.decode(errors="replace").strip()[-500:]}
    if generation == before:  # the index held that change already: the corpus now matches it
        return {"change": change, "error": "no new generation was published"}
    # published when CURRENT was written, which is before the process has tidied up and exited
    published = finished - max(0.0, time.time() - (index_dir / "CURRENT").stat().st_mtime)
    return {"change": change, "started": started, "published": published, "index_s": round(finished - started, 2),
            "published_after_s": round(published - started, 2), "cpu_s": round(_children_cpu() - children, 2),
            "generation": generation}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # waited-for children: the updates, not the servers
    return usage.ru_utime + usage.ru_stime


async def load(servers: list[Server], clients: int, seconds: float, questions: list[str], seed: int,
               update: dict | None) -> tuple[list[Sample], dict | None, dict]:
    """`clients` clients for `seconds`, client i on server i mod len(servers); with `update`
    ({"config", "corpus_dir", "index_dir", "article"}), a new generation is published from a
    quarter of the way in. Also returns the CPU used meanwhile, as % of one core."""
    window = Window(seconds, update is not None)
    samples: list[Sample] = []

    async def updating() -> dict:
        await asyncio.sleep(seconds / 4)
        try:
            updated = await update_index(**update)
        except BaseException:
            window.published(None)
            raise
        window.published(updated.get("published"))
        return updated

    cpu, own, machine, started = [s.cpu_seconds() for s in servers], time.process_time(), machine_busy(), time.monotonic()
    updater = asyncio.create_task(updating()) if update else None
    await asyncio.gather(*(client(i, i % len(servers), servers[i % len(servers)].url, questions, window, samples, seed)
                           for i in range(clients)))
    updated = await updater if updater else None
    wall = time.monotonic() - started
    servers_cpu = [server.cpu_seconds() - before for server, before in zip(servers, cpu)]
    client_cpu = time.process_time() - own
    update_cpu = (updated or {}).get("cpu_s", 0.0)
    others = machine_busy() - machine - sum(servers_cpu) - client_cpu - update_cpu
    used = {"server_cpu_percent": [round(100 * used / wall) for used in servers_cpu],
            "client_cpu_percent": round(100 * client_cpu / wall), "update_cpu_percent": round(100 * update_cpu / wall),
            "others_cpu_percent": round(100 * max(0.0, others) / wall)}
    return samples, updated, used


def machine_busy() -> float:
    """CPU seconds every core has spent busy (not idle, not waiting on I/O), from /proc/stat:
    what is left after ours is the rest of this shared machine's load."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK_TICKS  # user..steal, less idle and iowait
