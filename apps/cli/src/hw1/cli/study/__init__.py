"""The whole study as a chain of library calls: ``hw1 pipeline`` and ``hw1 demo``.

:mod:`~hw1.cli.study.layout` finds the inputs in an ``hw1_data/`` tree, :mod:`~hw1.cli.study.profiles`
holds the budgets (tiny / small / full), :mod:`~hw1.cli.study.steps` calls one library function per
step, :mod:`~hw1.cli.study.runner` skips steps whose outputs exist, and
:mod:`~hw1.cli.study.report` writes ``report.md`` / ``report.html`` from the files the run wrote.
"""
