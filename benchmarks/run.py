"""The performance suite: ``make bench`` (all figures) and ``make bench-quick`` (smaller sizes,
about 3 minutes on 2 cores, without the BYOL parity trainings). Writes ``results.md`` and
``results.json`` beside this file. Every figure is a ratio against a baseline measured in the same
run; a figure that misses its goal says so."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import machine  # noqa: E402

#: Benchmark modules in the order of the issue's figures.
BENCHMARKS = (
    "bench_startup",
    "bench_evaluate",
    "bench_predict",
    "bench_byol",
    "bench_byol_parity",
    "bench_frozen",
    "bench_tsne",
    "bench_fastpath",
    "bench_precision",
    "bench_pipeline",
    "gpu",
)  # gpu: skipped without CUDA

#: Left to the full run: ``bench_byol_parity`` trains three models (130 s of a 330 s quick run here),
#: and smaller than its quick size its kNN gains drown in sampling error. ``--only`` still runs it.
FULL_ONLY = ("bench_byol_parity",)

#: ``--study-sizes``: the figures whose goals are set at the study's sizes (head training for the
#: study's 50 epochs, t-SNE of 4,000 x 2,048, the BYOL step at 128 px with the largest batch that
#: fits this CPU's time). Written to ``results_study.{md,json}``; ``results.md`` quotes that table.
STUDY_BENCHMARKS = ("bench_frozen", "bench_tsne", "bench_byol")
STUDY_STEM = "results_study"


def _table(figures: list[dict], failures: list[dict]) -> list[str]:
    lines = [
        "| figure | ours | baseline | ratio | goal | met | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        goal = f"≥ {f['goal']:.2f}×" if f["goal"] is not None else "—"
        met = {True: "yes", False: "**no**", None: "—"}[f["met"]]
        lines.append(
            f"| {f['name']} | {f['value']:.4g} {f['unit']} | {f['baseline']:.4g} {f['unit']} ({f['baseline_name']}) "
            f"| {f['ratio']:.2f}× | {goal} | {met} | {f['notes']} |"
        )
    for fail in failures:
        lines.append(f"| {fail['benchmark']} | failed | | | | **no** | {fail['error']} |")
    return lines


def _study_section(folder: Path) -> list[str]:
    """The last ``--study-sizes`` table (``results_study.json`` in ``folder``), if there is one."""
    path = folder / f"{STUDY_STEM}.json"
    if not path.is_file():
        return []
    study = json.loads(path.read_text())
    return [
        "",
        f"## At the study's sizes (`run.py --study-sizes`, {study['date']}, {study['seconds']:.0f} s)",
        "",
        *_table(study["figures"], study["failures"]),
    ]


def _markdown(meta: dict, figures: list[dict], failures: list[dict], study: list[str] | None = None) -> str:
    lines = [
        "# hw1 benchmark results",
        "",
        f"Run {meta['date']} ({meta['mode']}) on {meta['machine']['device']} — {meta['machine']['cpu']}, "
        f"{meta['machine']['cpus']} threads, Python {meta['machine']['python']}, "
        f"torch {meta['machine']['versions'].get('torch')}.",
        "",
        "Each ratio compares ours with the baseline measured in the same run (> 1: ours is better).",
        "",
        *_table(figures, failures),
        *(study or []),
    ]
    lines += ["", f"Versions: {json.dumps(meta['machine']['versions'])}", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes, about 3 minutes; BYOL parity left to the full run"
    )
    parser.add_argument(
        "--study-sizes",
        action="store_true",
        help=f"only {', '.join(STUDY_BENCHMARKS)} at the study's sizes (minutes); writes {STUDY_STEM}.md/.json",
    )
    parser.add_argument("--only", nargs="*", default=None, help="benchmark module names to run")
    parser.add_argument(
        "--out-dir",
        "--out",
        dest="out",
        metavar="DIR",
        type=Path,
        default=HERE,
        help="folder for results.md / results.json",
    )
    args = parser.parse_args()
    names = args.only or list(STUDY_BENCHMARKS if args.study_sizes else BENCHMARKS)
    if args.quick and not args.only:
        names = [name for name in names if name not in FULL_ONLY]
    figures, failures = [], []
    started = time.time()
    for name in names:
        print(f"== {name}", flush=True)
        t0 = time.time()
        try:
            module = importlib.import_module(name)
            for fig in module.run(False, study=True) if args.study_sizes else module.run(args.quick):
                figures.append(fig.to_dict())
                print(f"   {fig.name}: {fig.ratio:.2f}x ({fig.notes})", flush=True)
        except Exception as exc:  # a broken benchmark is reported, not hidden
            traceback.print_exc()
            failures.append({"benchmark": name, "error": f"{type(exc).__name__}: {exc}"[:300]})
        print(f"   ({time.time() - t0:.0f} s)", flush=True)
    meta = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "study sizes" if args.study_sizes else "quick" if args.quick else "full",
        "machine": machine(),
        "seconds": round(time.time() - started, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = STUDY_STEM if args.study_sizes else "results"
    (args.out / f"{stem}.json").write_text(json.dumps({**meta, "figures": figures, "failures": failures}, indent=1))
    study = [] if args.study_sizes else _study_section(args.out)
    (args.out / f"{stem}.md").write_text(_markdown(meta, figures, failures, study))
    print(f"wrote {args.out / f'{stem}.md'} in {meta['seconds']:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
