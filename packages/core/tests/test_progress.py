import io

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
