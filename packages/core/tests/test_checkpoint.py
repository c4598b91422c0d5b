import os
import pickle

import pytest
import torch

from hw1.core import Hw1CheckpointError, load_checkpoint, load_format_checkpoint, save_checkpoint


def test_round_trip_of_plain_data(tmp_path):
    obj = {"format": "hw1-test/1", "state_dict": {"w": torch.arange(4.0)}, "epoch": 3, "config": {"lr": 0.1}}
    path = save_checkpoint(obj, tmp_path / "sub" / "last.pt")
    loaded = load_checkpoint(path)
    assert loaded["epoch"] == 3 and loaded["config"] == {"lr": 0.1}
    assert torch.equal(loaded["state_dict"]["w"], torch.arange(4.0))
    assert os.listdir(tmp_path / "sub") == ["last.pt"]  # no temp file left


def test_a_checkpoint_of_another_format_names_the_file_the_formats_and_the_fix(tmp_path):
    path = save_checkpoint({"format": "hw1-test/1", "epoch": 3}, tmp_path / "last.pt")
    assert load_format_checkpoint(path, "hw1-test/1", "an hw1 test checkpoint", "retrain")["epoch"] == 3
    with pytest.raises(Hw1CheckpointError) as info:
        load_format_checkpoint(path, "hw1-other/1", "an hw1 other checkpoint", "pass best.pt of 'hw1 other'")
    expected = "not an hw1 other checkpoint (format 'hw1-test/1', expected 'hw1-other/1'); pass best.pt of 'hw1 other'"
    assert str(info.value) == f"{path}: {expected}"
    save_checkpoint([1, 2], path)  # not a dict at all: its type is named
    with pytest.raises(Hw1CheckpointError, match=r"\(format 'list', expected 'hw1-test/1'\); retrain$"):
        load_format_checkpoint(path, "hw1-test/1", "an hw1 test checkpoint", "retrain")


class _Unpicklable:
    def __reduce__(self):
        raise RuntimeError("disk full")  # the writer dies half-way through


def test_failed_save_keeps_the_previous_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "last.pt"
    save_checkpoint({"epoch": 1}, target)
    with pytest.raises(RuntimeError, match="disk full"):
        save_checkpoint({"epoch": 2, "bad": _Unpicklable()}, target)
    assert load_checkpoint(target) == {"epoch": 1}
    assert sorted(os.listdir(tmp_path)) == ["last.pt"]


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_pickle_that_would_run_code_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {}, "payload": _RunsCode()}, path)
    with pytest.raises(Hw1CheckpointError, match=r"evil\.pt: refused to load"):
        load_checkpoint(path)
    raw = tmp_path / "evil.pkl"
    raw.write_bytes(pickle.dumps(_RunsCode()))
    with pytest.raises(Hw1CheckpointError, match="evil.pkl"):
        load_checkpoint(raw)


def test_missing_and_truncated_files(tmp_path):
    with pytest.raises(Hw1CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "nope.pt")
    path = save_checkpoint({"w": torch.randn(100, 100)}, tmp_path / "ok.pt")
    data = path.read_bytes()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(Hw1CheckpointError, match=r"cut\.pt: not a readable torch checkpoint"):
        load_checkpoint(cut)


def test_save_on_a_full_disk_is_a_checkpoint_error_naming_the_file(tmp_path, monkeypatch):
    import errno

    import hw1.core.checkpoint as checkpoint

    target = tmp_path / "last.pt"
    save_checkpoint({"epoch": 1}, target)

    def full_disk(obj, fh):
        fh.write(b"partial")
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:  # torch's zip writer hides the OSError behind a RuntimeError
            raise RuntimeError("[enforce fail at inline_container.cc] unexpected pos") from exc

    monkeypatch.setattr(checkpoint.torch, "save", full_disk)
    with pytest.raises(Hw1CheckpointError, match=r"last\.pt: could not write .*No space left.*free disk space"):
        save_checkpoint({"epoch": 2}, target)
    monkeypatch.undo()
    assert load_checkpoint(target) == {"epoch": 1}
    assert sorted(os.listdir(tmp_path)) == ["last.pt"]


def test_temp_file_of_a_killed_save_is_removed_by_the_next_save(tmp_path):
    target = tmp_path / "last.pt"
    save_checkpoint({"epoch": 1}, target)
    (tmp_path / ".last.pt.k1ll3d00.tmp").write_bytes(b"PK\x03\x04 half a checkpoint")  # SIGKILL mid-save
    (tmp_path / ".best.pt.abcdefgh.tmp").write_bytes(b"another file's temp")
    save_checkpoint({"epoch": 2}, target)
    assert load_checkpoint(target) == {"epoch": 2}
    assert sorted(os.listdir(tmp_path)) == [".best.pt.abcdefgh.tmp", "last.pt"]
