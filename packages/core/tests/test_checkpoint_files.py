import io
import zipfile

import pytest
import torch

from hw1.core import Hw1CheckpointError, load_checkpoint
from hw1.core.checkpoint_files import describe_non_checkpoint


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"hello\n", "a text file starting 'hello'"),
        (b"", "an empty file"),
        (b"<!DOCTYPE html><html><body>Google Drive - virus scan warning</body></html>", "an HTML page"),
        (b"\x89PNG\r\n\x1a\n" + bytes(32), "a PNG image"),
        (b"\xff\xd8\xff\xe0" + bytes(32), "a JPEG image"),
        (b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\n", "Git LFS pointer"),
        (b'{"state_dict": {}}', "a JSON or text file"),
        (bytes(range(256)) * 4, "binary data of an unknown format"),
        # UTF-8 text whose 4096-byte head ends inside a two-byte character is still text
        (("a" + "é" * 3000).encode(), "a text file starting 'aéé"),
    ],
)
def test_foreign_files_are_named_for_what_they_are(tmp_path, content, expected):
    path = tmp_path / "model.pt"
    path.write_bytes(content)
    assert expected in describe_non_checkpoint(path)
    with pytest.raises(Hw1CheckpointError) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not a PyTorch checkpoint (") and expected in message
    assert "\n" not in message


def test_real_checkpoints_pass_the_sniffing(tmp_path):
    new = tmp_path / "new.pt"
    torch.save({"w": torch.ones(2)}, new)
    legacy = tmp_path / "legacy.pt"
    torch.save({"w": torch.ones(2)}, legacy, _use_new_zipfile_serialization=False)
    for path in (new, legacy):
        assert describe_non_checkpoint(path) is None
        assert torch.equal(load_checkpoint(path)["w"], torch.ones(2))


def test_a_zip_that_is_not_a_checkpoint_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "weights.pt"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not torch")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(Hw1CheckpointError, match=r"weights\.pt: not a readable torch checkpoint"):
        load_checkpoint(path)


def test_a_folder_given_as_checkpoint(tmp_path):
    with pytest.raises(Hw1CheckpointError, match="a folder, not a file"):
        load_checkpoint(tmp_path)
