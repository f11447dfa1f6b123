"""Run the suite N times in a row beside a CPU-heavy process, to find tests that fail now and then.

python .ci/test_repeat.py --runs 10              # 10 x `make test`, each on a fresh clone of HEAD
python .ci/test_repeat.py --runs 10 --tests "tests/browser tests/test_reliability.py"
                                                 # 10 x pytest on those paths, in this checkout

Failed tests are never retried: a test that fails once in ten runs is a bug to fix at its cause.
Prints one line per run and a tally; exits 1 when any run failed. Standard library only.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 45 * 60
FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)
SUMMARY_LINE = re.compile(r"^=*\s*(.*\b(?:passed|failed|error)\b.*?)\s*=*$", re.MULTILINE)


def burn_cpu() -> None:
    """Keep one core busy until terminated, or until the parent is gone (never left spinning)."""
    parent = os.getppid()
    while os.getppid() == parent:
        for _ in range(1_000_000):
            pass


def start_load(processes: int) -> list[multiprocessing.Process]:
    """Start the busy-loop processes."""
    burners = [multiprocessing.Process(target=burn_cpu, daemon=True) for _ in range(processes)]
    for burner in burners:
        burner.start()
    return burners


def run_once(index: int, tests: str | None, keep: bool) -> dict:
    """One run: a fresh clone + `make test`, or pytest on some paths here; return what happened."""
    started, load = time.monotonic(), os.getloadavg()[0]
    env = dict(os.environ, HUB_REQUIRE_BROWSER="1")
    workdir = None
    if tests:
        command, cwd = [str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider",
                        *tests.split()], ROOT
    else:
        workdir = Path(tempfile.mkdtemp(prefix=f"hub-repeat-{index}-"))
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(workdir / "hub")], check=True)
        command, cwd = ["make", "test"], workdir / "hub"
    try:
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        output, returncode = result.stdout + result.stderr, result.returncode
    except subprocess.TimeoutExpired as exc:  # a hung run is a failed run, not a hung loop
        output, returncode = f"{exc.stdout or ''}{exc.stderr or ''}\nTIMEOUT after {RUN_TIMEOUT} s", 124
    log = Path(tempfile.gettempdir()) / f"hub-repeat-{index}.log"
    log.write_text(output)
    if workdir and not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    summaries = SUMMARY_LINE.findall(output)
    return {"run": index, "rc": returncode, "seconds": time.monotonic() - started, "load": load,
            "failed": FAILED_LINE.findall(output), "summary": summaries[-1] if summaries else "(no summary)",
            "log": str(log)}


def main(argv: list[str]) -> int:
    """Run, print a line per run and the tally."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=lambda text: max(1, int(text)), default=10)
    parser.add_argument("--load", type=int, default=1, help="busy-loop processes beside the tests")
    parser.add_argument("--tests", help="pytest paths to repeat in this checkout (default: make test on fresh clones)")
    parser.add_argument("--keep", action="store_true", help="keep the fresh clones")
    args = parser.parse_args(argv)
    burners = start_load(args.load)
    runs = []
    try:
        print(f"{args.runs} runs of {args.tests or 'make test on a fresh clone'}, {args.load} busy process(es) beside",
              flush=True)
        for index in range(1, args.runs + 1):
            run = run_once(index, args.tests, args.keep)
            runs.append(run)
            print(f"run {index:>2}: rc {run['rc']}  {run['seconds']:6.0f} s  load {run['load']:.2f}  "
                  f"{run['summary']}  {' '.join(run['failed'])}  ({run['log']})", flush=True)
    finally:
        for burner in burners:
            burner.terminate()
    bad = [run for run in runs if run["rc"] != 0]
    times = sorted(run["seconds"] for run in runs)
    print(f"\n{len(runs) - len(bad)} of {len(runs)} runs passed; wall time {times[0]:.0f}-{times[-1]:.0f} s "
          f"(median {times[len(times) // 2]:.0f} s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
