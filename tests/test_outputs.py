"""``outputs``: the place of an output checked before any work, then an atomic write with the umask's mode."""

from __future__ import annotations

import os
import shutil
import stat

import pytest

from riemann_nn.errors import OutputError
from riemann_nn.outputs import atomic_write, check_output


def test_a_missing_folder_is_refused_unless_it_may_be_made(tmp_path):
    target = tmp_path / "new" / "deeper" / "out.npz"
    with pytest.raises(OutputError, match="does not exist"):
        check_output(target)
    assert check_output(target, create_parent=True) == target
    assert list(tmp_path.iterdir()) == []  # checking makes nothing


def test_too_little_space_is_refused(tmp_path):
    free = shutil.disk_usage(tmp_path).free
    check_output(tmp_path / "out.npz", needed_bytes=1000)
    with pytest.raises(OutputError, match="needs about"):
        check_output(tmp_path / "out.npz", needed_bytes=free * 10)


def test_an_input_is_recognised_through_any_name(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("1,2,0\n")
    os.link(data, tmp_path / "same.npz")
    (tmp_path / "alias.npz").symlink_to(data)
    for name in ("data.csv", "same.npz", "alias.npz", "./data.csv"):
        with pytest.raises(OutputError, match="it is the input"):
            check_output(tmp_path / name, inputs=[None, str(data)])
    check_output(tmp_path / "other.npz", inputs=[data, tmp_path / "absent.csv"])


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_umask_mode(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        path = atomic_write(tmp_path / "f.bin", lambda handle: handle.write(b"data"))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == mode and path.read_bytes() == b"data"


@pytest.mark.parametrize("failure", [ValueError("bad"), KeyboardInterrupt(), SystemExit(143)], ids=repr)
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, failure):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")

    def write(handle):
        handle.write(b"half of the new")
        raise failure

    with pytest.raises(type(failure)):
        atomic_write(path, write)
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"] and path.read_bytes() == b"old"


def test_the_place_is_checked_again_when_writing(tmp_path):
    """A FIFO that appeared after the command started is still not replaced."""
    os.mkfifo(tmp_path / "late.npz")
    with pytest.raises(OutputError, match="FIFO"):
        atomic_write(tmp_path / "late.npz", lambda handle: handle.write(b"x"))
    assert stat.S_ISFIFO((tmp_path / "late.npz").lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["late.npz"]
