"""Latency, throughput and memory of our stack against a plain `rasa init` bot, over REST.

    python -m bench.latency [--users 1 10 30] [--messages 60 300 600] [--messages-scale 1.0]
                            [--warmup 10] [--write BENCHMARKS.md]

Starts our stack as `make run` does (honcho with the Procfile, on free loopback ports) and a
plain `rasa init` bot (`rasa run`; its model is trained once and kept in build/bench-plain-bot),
one after the other. Each bot gets a short warm-up, then for each level N users send scripted
conversations back to back (no think time) until that level's message budget is spent. Each
message carries a message_id, as the widget's do (the plain bot ignores it).
Everything it starts is stopped again, also on errors and Ctrl-C.

First, before any server starts, ``bench.parse_time`` times the in-process NLU parse plus
the answer decision per message in a process of its own (skip with --no-parse-time).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Iterator, Sequence

import aiohttp

from bench import report_file
from bench.parse_time import MAX_MEDIAN_MS
from bench.procs import BIN, LOG_DIR, Service, base_env, stack_env
from bot.paths import PROJECT_ROOT as ROOT
from bot.scaled.layout import free_port

MODEL = ROOT / "models" / "sme-assistant.tar.gz"
PLAIN_DIR = ROOT / "build" / "bench-plain-bot"
START, END = "<!-- latency:start -->", "<!-- latency:end -->"
MAX_P95_RATIO = 1.3
OURS, PLAIN = "ours", "plain"

#: Conversations for our assistant: greetings, topic questions, follow-ups, an incident,
#: a business description and something out of scope.
OURS_SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("hello", "how do I back up my files?", "tell me more", "thanks, bye"),
    ("hi there", "a supplier emailed new bank details, should I just pay?", "tell me more", "goodbye"),
    ("we're a 9-person estate agency in Bristol, we use Google Workspace and take card payments",
     "how do I spot a phishing email?", "tell me more", "thanks"),
    ("help, our files are encrypted and there's a ransom note", "thank you"),
    ("good morning", "what's the weather like tomorrow?", "how do I keep our cloud accounts safe?",
     "bye"),
)
#: Conversations the `rasa init` bot was made for: greet, mood, affirm/deny, bot challenge, goodbye.
PLAIN_SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("hello", "I am sad", "yes", "bye"),
    ("hi", "I am great", "bye"),
    ("hey there", "I am sad", "no", "goodbye"),
    ("good morning", "are you a bot?", "I am feeling very good", "see you later"),
)


# ---- the bots --------------------------------------------------------------

@dataclass
class Bot:
    name: str
    url: str
    service: Service
    scripts: tuple[tuple[str, ...], ...]


def wait_until_stable(path: Path, settle: float = 3, limit: float = 120) -> None:
    """Do not start on a model file that training is still writing."""
    deadline = time.monotonic() + limit
    while time.time() - path.stat().st_mtime < settle:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} kept changing for {limit:.0f}s (is it being retrained?)")
        time.sleep(settle)


def start_ours(cleanup: contextlib.ExitStack, startup: float) -> Bot:
    """Rasa, actions and web under honcho, exactly as `make run` starts them."""
    wait_until_stable(MODEL)
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    data = Path(tempfile.mkdtemp(prefix="bench-ours-"))
    cleanup.callback(shutil.rmtree, data, True)
    env = stack_env(ports, data, "bench-secret")
    service = Service.start("ours-stack", [str(BIN / "honcho"), "start", "-f", "Procfile"], ROOT, env)
    cleanup.callback(stop_quietly, service)
    deadline = time.monotonic() + startup
    service.wait_for(f"http://127.0.0.1:{ports['actions']}/health", deadline)
    service.wait_for(f"http://127.0.0.1:{ports['web']}/health", deadline)
    service.wait_for(f"http://127.0.0.1:{ports['rasa']}/webhooks/rest/", deadline)
    service.remember_children()
    return Bot(OURS, f"http://127.0.0.1:{ports['rasa']}", service, OURS_SCRIPTS)


def plain_model(cleanup: contextlib.ExitStack, limit: float = 3600) -> Path:
    """The `rasa init` bot's model; created (and trained) in a temporary directory only once."""
    models = sorted((PLAIN_DIR / "models").glob("*.tar.gz"))
    stamp = PLAIN_DIR / ".rasa-version"
    if models and stamp.exists() and stamp.read_text().strip() == rasa_version():
        return models[-1]
    PLAIN_DIR.parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-plain-bot-", dir=PLAIN_DIR.parent))
    workdir.chmod(0o755)
    cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)  # a no-op once it has been moved
    print(f"Creating and training a plain `rasa init` bot (log: {LOG_DIR / 'plain-init.log'})",
          file=sys.stderr)
    service = Service.start("plain-init", [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir",
                                           str(workdir)], workdir, base_env())
    cleanup.callback(stop_quietly, service)
    try:
        code = service.process.wait(timeout=limit)
    except subprocess.TimeoutExpired as error:
        raise TimeoutError(f"rasa init took over {limit:.0f}s; see {service.log}") from error
    models = sorted((workdir / "models").glob("*.tar.gz"))
    if code != 0 or not models:
        raise RuntimeError(f"rasa init failed (code {code}); see {service.log}")
    (workdir / ".rasa-version").write_text(rasa_version() + "\n")
    shutil.rmtree(PLAIN_DIR, ignore_errors=True)  # an older or incomplete earlier bot
    workdir.rename(PLAIN_DIR)
    return PLAIN_DIR / "models" / models[-1].name


def rasa_version() -> str:
    try:
        return importlib.metadata.version("rasa")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def start_plain(cleanup: contextlib.ExitStack, model: Path, startup: float) -> Bot:
    port = free_port()
    argv = [str(BIN / "rasa"), "run", "--model", str(model.relative_to(PLAIN_DIR)),
            "--port", str(port), "-i", "127.0.0.1"]
    service = Service.start("plain-rasa", argv, PLAIN_DIR, base_env())
    cleanup.callback(stop_quietly, service)
    service.wait_for(f"http://127.0.0.1:{port}/webhooks/rest/", time.monotonic() + startup)
    return Bot(PLAIN, f"http://127.0.0.1:{port}", service, PLAIN_SCRIPTS)


# ---- load ------------------------------------------------------------------

@dataclass
class Level:
    bot: str
    users: int
    messages: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    empty: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    memory_kib: dict[str, int] = field(default_factory=dict)

    def fail(self, problem: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 3:
            self.error_samples.append(problem)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float | None:
        return percentile(self.latencies_ms, q)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


#: Visitor tokens the REST channel gave each sender (bot/channels/visitor_token.py).
VISITOR_TOKENS: dict[str, str] = {}


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str, level: Level) -> None:
    started = time.perf_counter()
    payload = {"sender": sender, "message": text, "message_id": f"m-{uuid.uuid4().hex}"}
    if sender in VISITOR_TOKENS:
        payload["visitor_token"] = VISITOR_TOKENS[sender]
    try:
        async with session.post(f"{url}/webhooks/rest/webhook", json=payload) as response:
            status = response.status
            if response.headers.get("X-Visitor-Token"):
                VISITOR_TOKENS[sender] = response.headers["X-Visitor-Token"]
            body: Any = await response.json(content_type=None) if status == 200 else await response.text()
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        level.fail(f"{type(error).__name__}: {error}"[:200])
        return
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        level.fail(f"HTTP {status}: {str(body)[:160]}")
    elif not isinstance(body, list):
        level.fail(f"unexpected body: {str(body)[:160]}")
    else:
        level.latencies_ms.append(elapsed)
        if not body:
            level.empty += 1


async def drive(bot: Bot, users: int, messages: int, timeout: float, tag: str) -> Level:
    """``users`` conversations at once, back to back, until ``messages`` have been sent."""
    level = Level(bot.name, users)
    remaining = messages
    run = uuid.uuid4().hex[:8]

    async def user(number: int, session: aiohttp.ClientSession) -> None:
        nonlocal remaining
        conversation = 0
        while True:
            script = bot.scripts[(number + conversation) % len(bot.scripts)]
            sender = f"bench-{tag}-{run}-u{number}-c{conversation}"
            for text in script:
                if remaining <= 0:
                    return
                remaining -= 1
                level.messages += 1
                await send(session, bot.url, sender, text, level)
            conversation += 1

    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(user(number, session) for number in range(users)))
        level.seconds = time.perf_counter() - started
    return level


def measure(bot: Bot, users_levels: Sequence[int], budgets: Sequence[int], warmup: int,
            timeout: float) -> list[Level]:
    warm = asyncio.run(drive(bot, 1, warmup, timeout, "warmup"))
    bot.service.check()
    if warmup and warm.errors == warm.messages:
        raise RuntimeError(f"{bot.name}: every warm-up message failed: {warm.error_samples}; "
                           f"see {bot.service.log}")
    print(f"{bot.name}: warm-up {warm.messages} messages, {warm.errors} errors", file=sys.stderr)
    levels = []
    for users, budget in zip(users_levels, budgets, strict=True):
        level = asyncio.run(drive(bot, users, budget, timeout, f"{users}u"))
        bot.service.check()
        level.memory_kib = bot.service.memory()
        levels.append(level)
        print(f"{bot.name}: {users} users, {level.messages} messages, {level.errors} errors, "
              f"{level.empty} empty replies, p95 {fmt(level.percentile(95))} ms, "
              f"{level.rate:.1f} msg/s", file=sys.stderr)
        if level.errors or level.empty:
            print(f"{bot.name}: errors or empty replies; see {bot.service.log}", file=sys.stderr)
    return levels


# ---- report ----------------------------------------------------------------

def fmt(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def memory_cell(memory: dict[str, int]) -> str:
    total = mib(sum(memory.values()))
    if len(memory) <= 1:
        return total
    order = ["rasa", "actions", "web"]
    parts = sorted(memory.items(), key=lambda item: (order.index(item[0]) if item[0] in order else 9))
    return f"{total} ({' + '.join(f'{name} {mib(kib)}' for name, kib in parts)})"


def machine() -> tuple[int, str, str]:
    cpus = len(os.sched_getaffinity(0))
    model, memory = "unknown CPU", ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        total = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        memory = f", {int(total) / 1024 / 1024:.1f} GiB RAM"
    return cpus, model, memory


def command_line(argv: Sequence[str]) -> str:
    python = Path(sys.executable)
    with contextlib.suppress(ValueError):
        python = python.relative_to(ROOT)
    return shlex.join([str(python), "-m", "bench.latency", *argv])


def parse_time() -> dict[str, Any]:
    """``bench.parse_time`` in a process of its own, before any server starts."""
    done = subprocess.run([sys.executable, "-m", "bench.parse_time"], cwd=ROOT, env=base_env(),
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"bench.parse_time failed: {done.stderr.strip()[-500:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def markdown(results: dict[str, list[Level]], argv: Sequence[str], warmup: int, timeout: float,
             parsing: dict[str, Any] | None = None) -> str:
    cpus, cpu_model, memory = machine()
    lines = [
        START,
        "## Latency and throughput over REST",
        "",
        f"Measured {dt.date.today().isoformat()} with `{command_line(argv)}` (Rasa {rasa_version()}).",
        f"Machine: {cpus} CPUs (nproc), {cpu_model}{memory}.",
        f"Both bots run on the same {cpus}-core machine as the load generator, one bot at a time.",
        "",
        "*ours* is the whole stack as `make run` starts it (honcho: Rasa, action server, web); "
        "*plain* is an untouched `rasa init` bot under `rasa run`. Each user holds one conversation "
        "at a time (its own sender id) and sends scripted messages back to back with no think time; "
        f"{warmup} warm-up messages per bot are not counted. Latency is the time to the whole REST "
        f"reply (p50/p95 over answered requests; {timeout:.0f}s timeout). Errors are failed requests; "
        "empty replies are answered requests with no bot message. RSS is VmRSS summed over each "
        "server's process tree, read after the level (trackers stay in memory, so it grows).",
        "",
        "| bot | users | messages | errors | empty replies | p50 ms | p95 ms | msg/s | RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for levels in results.values():
        for level in levels:
            lines.append(
                f"| {level.bot} | {level.users} | {level.messages} | {level.errors} | {level.empty} "
                f"| {fmt(level.percentile(50))} | {fmt(level.percentile(95))} | {level.rate:.1f} "
                f"| {memory_cell(level.memory_kib)} |")
    if OURS in results and PLAIN in results:
        lines += ["", "| users | ours p95 ms | plain p95 ms | ratio | target | met |",
                  "|---|---|---|---|---|---|"]
        for ours, plain in zip(results[OURS], results[PLAIN], strict=True):
            a, b = ours.percentile(95), plain.percentile(95)
            ratio = a / b if a is not None and b else None
            met = "n/a" if ratio is None else ("yes" if ratio <= MAX_P95_RATIO else "no")
            lines.append(f"| {ours.users} | {fmt(a)} | {fmt(b)} | {fmt(ratio, 2)} "
                         f"| ratio <= {MAX_P95_RATIO} | {met} |")
    if parsing is not None:
        met = "yes" if parsing["median_ms"] <= MAX_MEDIAN_MS else "no"
        lines += ["", "In process, before any server started (`bench.parse_time`): Rasa's NLU parse plus "
                  f"the answer decision, {parsing['messages']:.0f} messages of the development split, "
                  f"each the median of {parsing['passes']:.0f} passes: "
                  f"median {parsing['median_ms']:.2f} ms, p95 {parsing['p95_ms']:.2f} ms "
                  f"(target: median <= {MAX_MEDIAN_MS} ms; met: {met}); each pass's median: "
                  + ", ".join(f"{m:.2f}" for m in parsing["pass_medians_ms"]) + " ms."]
    samples = [f"- {level.bot}, {level.users} users: {sample}"
               for levels in results.values() for level in levels for sample in level.error_samples]
    if samples:
        lines += ["", "First errors:", "", *samples]
    lines.append(END)
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    report_file.write_section(path, section, START, END)


# ---- main ------------------------------------------------------------------

def _interrupt(signum: int, _: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Let the servers be stopped without a second Ctrl-C cutting the clean-up short."""
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def stop_quietly(service: Service) -> None:
    with uninterrupted():
        service.stop()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 30],
                        help="concurrent users per level (default: 1 10 30)")
    parser.add_argument("--messages", type=int, nargs="+", default=[60, 300, 600],
                        help="messages sent per level, one number per level (default: 60 300 600)")
    parser.add_argument("--messages-scale", type=float, default=1.0,
                        help="multiply every --messages budget, e.g. 0.1 for a smoke run")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up messages per bot")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per request")
    parser.add_argument("--startup-timeout", type=float, default=300,
                        help="seconds to wait for a bot to become healthy")
    parser.add_argument("--bots", nargs="+", choices=[OURS, PLAIN], default=[OURS, PLAIN],
                        help="which bots to measure (the ratio needs both)")
    parser.add_argument("--write", type=Path, help="update this markdown file's latency section")
    parser.add_argument("--no-parse-time", action="store_true",
                        help="skip the in-process parse timing (bench.parse_time)")
    args = parser.parse_args(argv)
    if len(args.users) != len(args.messages):
        parser.error("--users and --messages need the same number of values")
    if min(args.users) < 1 or min(args.messages) < 1 or args.messages_scale <= 0:
        parser.error("users, messages and --messages-scale must be positive")
    args.budgets = [max(1, round(n * args.messages_scale)) for n in args.messages]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if OURS in args.bots and not MODEL.exists():
        print(f"{MODEL} is missing: run `make train` first", file=sys.stderr)
        return 2
    # Ctrl-C must raise here and reach the servers even when started with SIGINT ignored
    # (background jobs of a script): the children inherit an ignored SIGINT, not a handler.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    results: dict[str, list[Level]] = {}
    parsing = None
    try:
        if OURS in args.bots and not args.no_parse_time:
            parsing = parse_time()
        with contextlib.ExitStack() as cleanup:
            model = plain_model(cleanup) if PLAIN in args.bots else None
            if OURS in args.bots:
                with contextlib.ExitStack() as running:
                    bot = start_ours(running, args.startup_timeout)
                    results[OURS] = measure(bot, args.users, args.budgets, args.warmup, args.timeout)
            if model is not None:
                with contextlib.ExitStack() as running:
                    bot = start_plain(running, model, args.startup_timeout)
                    results[PLAIN] = measure(bot, args.users, args.budgets, args.warmup, args.timeout)
    except KeyboardInterrupt:
        print("Interrupted; everything started has been stopped.", file=sys.stderr)
        return 130
    except (RuntimeError, TimeoutError, OSError) as error:
        print(f"Benchmark failed: {error}", file=sys.stderr)
        return 1
    section = markdown(results, argv, args.warmup, args.timeout, parsing)
    print(section)
    if args.write:
        write_section(args.write, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
