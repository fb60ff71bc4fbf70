"""How long a management command takes to start, against Python merely importing Django.

    DEBUG=true .venv/bin/python bench/command_startup.py

Runs `manage.py help close_quarter` (settings, every app's models, the
command's module and its parser: all a command does before its own work) and
`python -c "import django"` `--runs` times each, and prints the medians of
wall time and of CPU time (user + system, what the machine's load does not
inflate) as `bench/run_all.py` rows. The goal is a start under 1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true"},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    command = [sys.executable, "manage.py", "help", "close_quarter"]
    floor = [sys.executable, "-c", "import django"]
    runs = [(timed(command), timed(floor)) for _ in range(args.runs)]
    for index, label in ((0, "wall"), (1, "CPU")):
        figure = statistics.median(r[0][index] for r in runs)
        base = statistics.median(r[1][index] for r in runs)
        print(
            f"`manage.py help close_quarter` start-up, {label} | {figure:.2f} s | "
            f"`import django` {base:.2f} s | goal < 1 s: {'met' if figure < 1 else 'not met'}"
        )


if __name__ == "__main__":
    main()
