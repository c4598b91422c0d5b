"""Figure: start-up of the CLI. ``hw1 --help`` and ``hw1 seg --help`` as processes, as a user runs
them, against ``python -c "import click"`` (the least any Click program costs). Goal: ``hw1 --help``
within 3× of that (issue 17 item 2: command groups load lazily and nothing imports torch)."""

from __future__ import annotations

import subprocess
import sys

from bench_evaluate import hw1_command
from harness import Figure, best_time


def _process(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")


def run(quick: bool) -> list[Figure]:
    repeats = 5 if quick else 15
    hw1 = hw1_command()
    baseline, _ = best_time(lambda: _process([sys.executable, "-c", "import click"]), repeats=repeats, warmup=1)
    figures = []
    for args, goal in ((["--help"], 1 / 3), (["seg", "--help"], None), (["--version"], None)):
        seconds, _ = best_time(lambda a=args: _process([*hw1, *a]), repeats=repeats, warmup=1)
        figures.append(
            Figure(
                name=f"hw1 {' '.join(args)} start-up",
                unit="s",
                value=seconds,
                baseline=baseline,
                baseline_name='python -c "import click"',
                higher_is_better=False,
                goal=goal,
                notes=f"best of {repeats} runs as a process; ratio = click / hw1 (goal ≥ 0.33: hw1 ≤ 3× click)",
            )
        )
    return figures


if __name__ == "__main__":
    for fig in run(quick="--quick" in sys.argv):
        print(f"{fig.name}: {fig.value:.3f} s vs {fig.baseline:.3f} s ({fig.baseline_name}), ratio {fig.ratio:.2f}")
