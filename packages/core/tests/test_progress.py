import io

import pytest

from hw1.core import progress, progress_enabled


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_quiet_when_not_a_terminal(monkeypatch):
    monkeypatch.delenv("HW1_PROGRESS", raising=False)
    assert not progress_enabled(io.StringIO())
    assert progress_enabled(_Tty())
    bar = progress(range(3))
    assert list(bar) == [0, 1, 2]


def test_environment_forces_bars(monkeypatch):
    monkeypatch.setenv("HW1_PROGRESS", "1")
    assert progress_enabled(io.StringIO())
    monkeypatch.setenv("HW1_PROGRESS", "0")
    assert not progress_enabled(_Tty())
    assert progress(range(2)).disable


class _CountsIterations:
    """An iterable that counts iter() calls, as a DataLoader starts its workers once per call."""

    def __init__(self):
        self.calls = 0

    def __iter__(self):
        self.calls += 1
        return iter(range(3))

    def __len__(self):
        return 3


@pytest.mark.parametrize("forced", ["0", "1"])
def test_a_bar_iterates_its_input_once(monkeypatch, forced):
    # tqdm.auto's asyncio class called iter() in its constructor too: each epoch started the DataLoader twice
    monkeypatch.setenv("HW1_PROGRESS", forced)
    loader = _CountsIterations()
    assert list(progress(loader, file=io.StringIO())) == [0, 1, 2]
    assert loader.calls == 1
