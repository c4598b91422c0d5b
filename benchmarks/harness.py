"""Shared pieces of the benchmark suite: timing, the result record, machine description."""

from __future__ import annotations

import gc
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any

import torch


@dataclass
class Figure:
    """One measured figure: ``value`` (ours) against ``baseline`` measured in the same run.
    ``ratio`` is how many times better ours is (``higher_is_better`` decides the direction);
    ``goal`` is the ratio the issue asks for, ``met`` whether it was reached."""

    name: str
    unit: str
    value: float
    baseline: float
    baseline_name: str
    higher_is_better: bool = True
    goal: float | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        if self.higher_is_better:
            return self.value / self.baseline if self.baseline else float("inf")
        return self.baseline / self.value if self.value else float("inf")

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.ratio >= self.goal

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(ratio=round(self.ratio, 3), met=self.met)
        return d


def versus(
    name: str,
    value: float,
    baseline: float,
    baseline_name: str,
    *,
    unit: str,
    goal: float | None,
    note: str = "",
    higher_is_better: bool = True,
) -> Figure:
    """The usual figure: ours against a baseline in one unit, its notes opening with both values
    ("ours 4.37 img/s vs 4.13 img/s") and then ``note``."""
    text = f"ours {value:.4g} {unit} vs {baseline:.4g} {unit}"
    return Figure(
        name=name,
        unit=unit,
        value=value,
        baseline=baseline,
        baseline_name=baseline_name,
        higher_is_better=higher_is_better,
        goal=goal,
        notes=f"{text}; {note}" if note else text,
    )


def above_random(name: str, value: float, random: float, noise: float, where: str, *, label: str) -> Figure:
    """A kNN top-1 figure that must beat the same backbone at random init by ``noise`` (two
    standard errors): the goal is the ratio ``(random + noise) / random``."""
    return Figure(
        name=name,
        unit="top-1",
        value=value,
        baseline=random,
        baseline_name="same backbone at random init",
        goal=(random + noise) / random,
        notes=f"{label} {value:.3f} vs {random:.3f}, gain {value - random:+.3f} (goal: > two standard errors "
        f"{noise:.3f}); {where}",
    )


def best_time(
    fn: Callable[[], Any], repeats: int = 3, warmup: int = 0, *, clock: Callable[[], float] = time.perf_counter
) -> tuple[float, Any]:
    """Smallest time of ``repeats`` calls (after ``warmup`` untimed calls) and the last result.
    ``clock`` is wall time by default; ``time.process_time`` (CPU seconds of all the process's
    threads) measures work on the shared machine, where wall time mostly measures other jobs."""
    result = None
    for _ in range(warmup):
        result = fn()
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        t0 = clock()
        result = fn()
        best = min(best, clock() - t0)
    return best, result


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cpus": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        "versions": {},
    }
    for dist in (
        "torch",
        "torchvision",
        "hw1-core",
        "hw1-ssl",
        "hw1-classification",
        "hw1-segmentation",
        "hw1-viz",
        "openTSNE",
        "scikit-learn",
        "byol-pytorch",
    ):
        try:
            info["versions"][dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info["versions"][dist] = None
    return info
