"""Inputs that cannot hurt (issue 9, items 5-8 and 10), through the ``riemann-nn`` command.

Every bad input ends in exactly one ``error:`` line on stderr, a non-zero exit, nothing on stdout, and leaves
every file it could touch as it was (directory listings and file hashes compared before and after). Almost
all cases fail before any training; the few that must train use a 60-point, 2-layer, few-step network.
The CLI runs in-process (click's CliRunner, in the standalone mode the installed command uses); a real
process is used only where one matters (SIGTERM, ``python -m``).
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from riemann_nn import config as config_module
from riemann_nn import data as data_module
from riemann_nn import outputs
from riemann_nn.cli import MAX_PATH_POINTS, main, run_name
from riemann_nn.config import MAX_COORDINATE, DatasetConfig, ModelConfig, RunConfig, TrainConfig
from riemann_nn.errors import OutputError
from riemann_nn.jobs import make_video
from riemann_nn.presets import get_preset
from riemann_nn.run import load_run

TINY = ["--dataset", "gaussians", "--n", "60", "--noise", "0.4", "--depth", "2", "--iterations", "5", "--quiet"]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
REPOSITORY = Path(__file__).resolve().parent.parent


def runner() -> CliRunner:
    """stderr apart from stdout (click < 8.2 needs ``mix_stderr=False``; later versions always separate them)."""
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)
    return CliRunner()


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder``: regular files by content hash and mode, others by kind (never opened: a
    FIFO would block), links by target."""
    entries = {}
    for path in sorted(folder.rglob("*")):
        status = path.lstat()
        if stat.S_ISLNK(status.st_mode):
            entries[str(path)] = f"link -> {os.readlink(path)}"
        elif stat.S_ISREG(status.st_mode):
            entries[str(path)] = f"{oct(status.st_mode)} {hashlib.sha256(path.read_bytes()).hexdigest()}"
        else:
            entries[str(path)] = f"{oct(status.st_mode)} special"
    return entries


def assert_one_error_line(result, *fragments) -> str:
    """Non-zero exit, nothing on stdout, exactly one stderr line starting 'error:', no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def refused(folder: Path, args: list, *fragments, env: dict | None = None) -> str:
    """Run the CLI with ``args``; it must fail with one error line and change nothing under ``folder``."""
    before = snapshot(folder)
    result = runner().invoke(main, [str(a) for a in args], env=env)
    line = assert_one_error_line(result, *fragments)
    assert snapshot(folder) == before
    return line


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    """A small valid Run file (c1 tanh, 2 layers) written by ``riemann-nn train``."""
    path = tmp_path_factory.mktemp("good") / "good.npz"
    result = runner().invoke(main, ["train", *TINY, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def place(tmp_path, good_run) -> Path:
    """A folder holding a copy of the good Run file and a good CSV, for commands to be pointed at."""
    (tmp_path / "run.npz").write_bytes(good_run.read_bytes())
    (tmp_path / "data.csv").write_text("x,y,label\n0,0,0\n1,1,1\n0,1,0\n1,0,1\n")
    return tmp_path


# ---- item 8: options out of range or of the wrong type, all refused before any work --------------------

BAD_TRAIN_OPTIONS = [
    (["--seed", "-1"], "seed must be an integer from 0"),
    (["--seed", str(2**63)], "seed must be an integer from 0"),
    (["--seed", str(2**64)], "seed must be an integer from 0"),
    (["--seed", "1.5"], "'1.5' is not a valid integer"),
    (["--seed", "abc"], "is not a valid integer"),
    (["--data-seed", "-5"], "data seed must be an integer"),
    (["--data-seed", str(2**70)], "data seed must be an integer"),
    (["--n", "-3"], "n must be an integer from 2"),
    (["--n", "0"], "n must be an integer from 2"),
    (["--n", "1"], "n must be an integer from 2"),
    (["--n", str(10**7)], "n must be an integer from 2 to 1000000"),
    (["--n", str(10**10)], "n must be an integer from 2 to 1000000"),
    (["--n", "1e3"], "is not a valid integer"),
    (["--noise", "nan"], "noise must be a finite number"),
    (["--noise", "inf"], "noise must be a finite number"),
    (["--noise", "-inf"], "noise must be a finite number"),
    (["--noise", "-1"], "noise must be at least 0"),
    (["--noise", "1e300"], "beyond +-1e+100"),  # the generated coordinates would overflow
    (["--noise", "x"], "is not a valid float"),
    (["--dt", "nan"], "dt must be a finite number"),
    (["--dt", "inf"], "dt must be a finite number"),
    (["--dt", "-1"], "dt must be above 0"),
    (["--dt", "0"], "dt must be above 0"),
    (["--lr", "nan"], "lr must be a finite number"),
    (["--lr", "inf"], "lr must be a finite number"),
    (["--lr", "-1"], "lr must be above 0"),
    (["--lr", "0"], "lr must be above 0"),
    (["--weight-decay", "nan"], "weight_decay must be a finite number"),
    (["--weight-decay", "inf"], "weight_decay must be a finite number"),
    (["--weight-decay", "-0.5"], "weight_decay must be at least 0"),
    (["--init-gain", "nan"], "init_gain must be a finite number"),
    (["--init-gain", "inf"], "init_gain must be a finite number"),
    (["--init-gain", "0"], "init_gain must be above 0"),
    (["--init-gain", "-1"], "init_gain must be above 0"),
    (["--depth", "0"], "depth must be an integer from 1 to 1000"),
    (["--depth", "-1"], "depth must be an integer from 1 to 1000"),
    (["--depth", "1001"], "depth must be an integer from 1 to 1000"),
    (["--depth", str(10**6)], "depth must be an integer from 1 to 1000"),
    (["--depth", "abc"], "is not a valid integer"),
    (["--iterations", "0"], "iterations must be an integer from 1"),
    (["--iterations", "-1"], "iterations must be an integer from 1"),
    (["--iterations", str(10**8)], "iterations must be an integer from 1"),
    (["--iterations", "1.5"], "is not a valid integer"),
    (["--preset", ""], "unknown preset ''"),
    (["--preset", "seed-spiral"], "unknown preset 'seed-spiral'"),
    (["--preset", "SEED-SPIRALS"], "unknown preset"),
    (["--scheme", ""], "unknown scheme ''"),
    (["--scheme", "c7"], "unknown scheme 'c7'"),
    (["--scheme", "C1"], "unknown scheme 'C1'"),
    (["--activation", "gelu"], "unknown activation 'gelu'"),
    (["--activation", ""], "unknown activation ''"),
    (["--dataset", "swirls"], "unknown dataset 'swirls'"),
    (["--dataset", ""], "unknown dataset ''"),
    (["--convention", "circle"], "'circle' is not one of"),
    (["--bogus"], "No such option"),
    (["extra"], "unexpected extra argument"),
]


@pytest.mark.parametrize("args, fragment", BAD_TRAIN_OPTIONS, ids=[" ".join(a) for a, _ in BAD_TRAIN_OPTIONS])
def test_train_refuses_bad_options(place, args, fragment):
    refused(place, ["train", *TINY, *args, "-o", place / "out.npz"], fragment)


BAD_COMMANDS = [
    (["bogus"], "No such command 'bogus'"),
    (["info"], "Missing argument"),
    (["render", "--quality", "x"], "'x' is not one of"),
    (["render", "--path", "curvy"], "'curvy' is not one of"),
    (["render", "--theme", "sepia"], "'sepia' is not one of"),
    (["render", "--bogus"], "No such option"),
    (["render", "--scene", "nope"], "unknown scene 'nope'"),
    (["render", "--scene", "../../etc/passwd"], "unknown scene"),
    (["render", "--scene", "__init__"], "unknown scene"),
    (["render", "--preset", "nope"], "unknown preset 'nope'"),
    (["render", "--path", "staged"], "--path staged replays c0 layers"),
    (["render", "--path", "staged", "--preset", "seed-spirals"], "this run is c1"),
    (["render", "--path", "staged", "--preset", "seed-c2-sigmoid"], "this run is c2"),
    (["sheet", "RUN", "--theme", "sepia"], "'sepia' is not one of"),
    (["sheet", "RUN", "--width", "x"], "is not a valid integer"),
    (["sheet", "RUN", "--width", "10", "-o", "OUT.png"], "width must be a whole number"),
    (["sheet", "RUN", "--columns", "0", "-o", "OUT.png"], "columns must be a whole number"),
    (["geodesic", "RUN", "--from", "0,0", "--to", "1e308,0"], "--to '1e308,0' is beyond"),
    (["geodesic", "RUN", "--from", "-1e101,0", "--to", "1,1"], "--from '-1e101,0' is beyond"),
    (["geodesic", "RUN", "--from", "1e200,1e200", "--to", "1,1"], "is beyond +-1e+100"),
    (["geodesic", "RUN", "--from", "nan,0", "--to", "1,1"], "--from needs finite numbers"),
    (["geodesic", "RUN", "--from", "inf,0", "--to", "1,1"], "--from needs finite numbers"),
    (["geodesic", "RUN", "--from", "0,0", "--to", "1,2,3"], "--to needs X,Y"),
    (["geodesic", "RUN", "--from", "0;0", "--to", "1,1"], "--from needs X,Y"),
    (["geodesic", "RUN", "--from", "0,0", "--to", "1,1", "--points", str(MAX_PATH_POINTS + 1)], "must be at most"),
    (["geodesic", "RUN", "--from", "0,0", "--to", "1,1", "--points", str(10**12)], "--points must be at most"),
    (["geodesic", "RUN", "--from", "0,0", "--to", "1,1", "--points", "many"], "is not a valid integer"),
    (["geodesic", "RUN", "--from", "0,0"], "Missing option '--to'"),
]


@pytest.mark.parametrize("args, fragment", BAD_COMMANDS, ids=[" ".join(a) for a, _ in BAD_COMMANDS])
def test_commands_refuse_bad_options(place, args, fragment):
    """Unknown commands, options and choices, values out of range and points that overflow: one line each,
    before Manim, training or any drawing starts."""
    names = {"RUN": place / "run.npz", "OUT.png": place / "out.png"}
    refused(place, [names.get(a, a) for a in args], fragment)


GENERATED = [["--dataset", "moons"], ["--n", "500"], ["--noise", "0.3"], ["--data-seed", "3"]]


@pytest.mark.parametrize("generated", GENERATED)
def test_train_refuses_a_csv_with_options_of_generated_data(place, generated):
    """They were silently ignored: the run trained on the CSV."""
    refused(
        place,
        ["train", "--csv", place / "data.csv", *generated, "--iterations", "5", "-o", place / "out.npz"],
        "--csv reads your points",
    )


def test_bare_command_still_prints_the_help():
    """Without arguments the command shows its help (click's usual behaviour is kept)."""
    result = runner().invoke(main, [])
    assert "Usage:" in result.output and "train" in result.output


# ---- item 8: the environment a scene reads, checked before Manim starts --------------------------------

BAD_ENVIRONMENTS = [
    ({"RIEMANN_NN_THEME": "sepia"}, "RIEMANN_NN_THEME: unknown theme 'sepia'"),
    ({"RIEMANN_NN_THEME": ""}, "RIEMANN_NN_THEME: unknown theme ''"),
    ({"RIEMANN_NN_THEME": "Dark"}, "RIEMANN_NN_THEME: unknown theme 'Dark'"),
    ({"RIEMANN_NN_PATH": "wobbly"}, "RIEMANN_NN_PATH: unknown layer path 'wobbly'"),
    ({"RIEMANN_NN_PATH": "staged"}, "RIEMANN_NN_PATH=staged replays c0 layers"),
    ({"RIEMANN_NN_PATH": "staged", "RIEMANN_NN_PRESET": "seed-spirals"}, "this run is c1"),
    ({"RIEMANN_NN_PRESET": "nope"}, "RIEMANN_NN_PRESET: unknown preset 'nope'"),
    ({"RIEMANN_NN_RUN": "/no/such/run.npz"}, "RIEMANN_NN_RUN: /no/such/run.npz: no such Run file"),
    ({"RIEMANN_NN_RUN": "BROKEN"}, "RIEMANN_NN_RUN:"),
    ({"RIEMANN_NN_RUN": "RUN", "RIEMANN_NN_PATH": "staged"}, "this run is c1"),
]


@pytest.mark.parametrize("env, fragment", BAD_ENVIRONMENTS, ids=[str(e) for e, _ in BAD_ENVIRONMENTS])
def test_render_refuses_a_bad_environment_before_manim(place, env, fragment):
    broken = place / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    names = {"RUN": str(place / "run.npz"), "BROKEN": str(broken)}
    refused(place, ["render"], fragment, env={key: names.get(value, value) for key, value in env.items()})


def test_sheet_refuses_a_bad_theme_in_the_environment(place):
    refused(
        place,
        ["sheet", place / "run.npz", "-o", place / "s.png"],
        "unknown theme 'sepia'",
        env={"RIEMANN_NN_THEME": "sepia"},
    )


def test_render_options_override_the_shells_run_and_preset(place):
    """``--preset`` is what is shown, so a broken ``RIEMANN_NN_RUN`` in the shell is not an error, while a
    broken ``--run`` is, whatever the shell says."""
    from riemann_nn.cli import check_render

    check_render(preset="seed-spirals", run_file=None, layer_path=None, theme=None, scene_name="transform")
    os.environ["RIEMANN_NN_RUN"] = "/no/such/run.npz"
    try:
        check_render(preset="seed-spirals", run_file=None, layer_path="straight", theme=None, scene_name="transform")
    finally:
        del os.environ["RIEMANN_NN_RUN"]
    refused(
        place, ["render", "--run", place / "nope.npz"], "no such Run file", env={"RIEMANN_NN_PRESET": "seed-spirals"}
    )


# ---- item 6 (inputs) and 8: CSV files that cannot be trained on, refused before training ------------------

BAD_CSVS = [
    ("", "no data rows"),
    ("\n\n   \n", "no data rows"),
    ("x,y,label\n", "no data rows"),
    ("x,y,label\n1,2,0\n3,four,1\n", "line 3: 'four' is not a number"),
    ("1,2,0\n3,nan,1\n", "line 2: coordinates must be finite"),
    ("1,2,0\n3,inf,1\n", "line 2: coordinates must be finite"),
    ("1,2,0\n-inf,4,1\n", "line 2: coordinates must be finite"),
    ("1,2,0\n1e400,4,1\n", "line 2: coordinates must be finite"),  # overflows while parsing
    ("1e200,2,0\n3,4,1\n", "line 1: a coordinate beyond +-1e+100"),
    ("1e308,2,0\n-1e308,4,1\n", "line 1: a coordinate beyond +-1e+100"),
    ("1,2,0\n3,-1.0000001e100,1\n", "line 2: a coordinate beyond"),
    ("1,2,0\n3,4\n", "line 2: expected 3 columns"),
    ("1,2,0,4\n3,4,1\n", "line 1: expected 3 columns"),
    ("1;2;0\n3;4;1\n", "expected 3 columns"),
    ("x;y;label\n1;2;0\n3;4;1\n", "line 2: expected 3 columns (x,y,label), found 1 (separated by semicolons?"),
    ("1\t2\t0\n3\t4\t1\n", "found 1 (separated by tabs?"),
    ("1 2 0\n3 4 1\n", "found 1 (separated by spaces?"),
    ("1,2,0\n3,4\x00,1\n", "line 2: '4\\x00' is not a number"),
    ("1,2,0\n3,4,2\n", "line 2: label must be 0 or 1"),
    ("1,2,0\n3,4,0.5\n", "line 2: label must be 0 or 1"),
    ("1,2,0\n3,4,-1\n", "line 2: label must be 0 or 1"),
    ("1,2,0\n3,4,nan\n", "line 2: label must be 0 or 1"),
    ("1,2,0\n3,4,true\n", "line 2: 'true' is not a number"),
    ("1,2,1\n3,4,1\n5,6,1\n", "two classes are needed"),
    ("1,2,0\n", "2 to 1,000,000 points, got 1"),
    ("1,1,0\n1,1,1\n", "all at one place"),
    ("1e-300,0,0\n0,1e-300,1\n", "spread over only 1e-300"),
    ("0x1p3,2,0\n3,4,1\n", "'0x1p3' is not a number"),
    ('"1,2,0\n3,4,1\n', "no data rows"),  # an unterminated quote swallows the file into one header cell
]


@pytest.mark.parametrize("text, fragment", BAD_CSVS, ids=[repr(t)[:40] for t, _ in BAD_CSVS])
def test_train_refuses_a_bad_csv(place, text, fragment):
    csv = place / "bad.csv"
    csv.write_text(text)
    refused(place, ["train", "--csv", csv, "--iterations", "5", "--quiet", "-o", place / "out.npz"], str(csv), fragment)


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00\x81\x92" * 20, bytes(range(256)) * 8, b"PK\x03\x04" + b"\0" * 64],
    ids=["invalid-utf8", "all-bytes", "zip-header"],
)
def test_train_refuses_binary_garbage_as_csv(place, content):
    csv = place / "garbage.csv"
    csv.write_bytes(content)
    refused(place, ["train", "--csv", csv, "--quiet", "-o", place / "out.npz"], str(csv))


def test_train_refuses_a_csv_with_too_many_rows(place, monkeypatch):
    """More rows than MAX_POINTS: refused while reading, without reading the rest (the limit lowered to 10)."""
    monkeypatch.setattr(data_module, "MAX_POINTS", 10)
    csv = place / "long.csv"
    csv.write_text("".join(f"{i},{i % 7},{i % 2}\n" for i in range(11)))
    refused(place, ["train", "--csv", csv, "--quiet", "-o", place / "out.npz"], "more than 10 rows")


def test_train_refuses_a_csv_too_large_to_be_one(place, monkeypatch):
    monkeypatch.setattr(data_module, "MAX_CSV_BYTES", 100)
    csv = place / "big.csv"
    csv.write_text("0,0,0\n1,1,1\n" * 20)
    refused(place, ["train", "--csv", csv, "--quiet", "-o", place / "out.npz"], "is more than a CSV of")


def _unblock_later(fifo: Path) -> threading.Thread:
    """Should a regression open ``fifo`` for reading, a writer arrives after 5 s so the test fails, not hangs."""

    def write():
        time.sleep(5)
        with open(fifo, "wb"):
            pass

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_train_refuses_a_fifo_as_csv(place):
    fifo = place / "pipe.csv"
    os.mkfifo(fifo)
    _unblock_later(fifo)
    started = time.monotonic()
    refused(place, ["train", "--csv", fifo, "--quiet", "-o", place / "out.npz"], "not a regular file")
    assert time.monotonic() - started < 4


def test_train_refuses_a_link_to_a_fifo_as_csv(place):
    fifo = place / "pipe"
    os.mkfifo(fifo)
    (place / "link.csv").symlink_to(fifo)
    _unblock_later(fifo)
    refused(place, ["train", "--csv", place / "link.csv", "--quiet", "-o", place / "out.npz"], "not a regular file")


@pytest.mark.skipif(not IS_ROOT, reason="making a device node needs root")
def test_train_refuses_a_device_as_csv(place):
    device = place / "zero"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # like /dev/zero: reading it never ends
    refused(place, ["train", "--csv", device, "--quiet", "-o", place / "out.npz"], "not a regular file")


def test_train_refuses_a_missing_csv_and_a_directory(place):
    refused(place, ["train", "--csv", place / "nope.csv", "--quiet", "-o", place / "out.npz"], "no such file")
    refused(place, ["train", "--csv", place, "--quiet", "-o", place / "out.npz"], "is a directory")


# ---- item 5: never destroy a user's file; the output's place is checked before any training -------------


def _output_cases(place: Path) -> dict[str, tuple[Path, str]]:
    """Outputs that must be refused, made in ``place``: name -> (the -o path, a fragment of the error)."""
    (place / "folder").mkdir()
    (place / "link-to-folder").symlink_to(place / "folder")
    os.link(place / "data.csv", place / "hard-link.npz")
    (place / "soft-link.npz").symlink_to(place / "data.csv")
    os.mkfifo(place / "pipe.npz")
    readonly = place / "readonly.npz"
    readonly.write_bytes(b"keep me")
    readonly.chmod(0o444)
    (place / "locked").mkdir()
    (place / "locked").chmod(0o555)
    (place / "loop-a.npz").symlink_to(place / "loop-b.npz")
    (place / "loop-b.npz").symlink_to(place / "loop-a.npz")
    cases = {
        "the csv itself": (place / "data.csv", "it is the input"),
        "a hard link to the csv": (place / "hard-link.npz", "it is the input"),
        "a symbolic link to the csv": (place / "soft-link.npz", "it is the input"),
        "a directory": (place / "folder", "is a directory"),
        "a link to a directory": (place / "link-to-folder", "is a directory"),
        "a fifo": (place / "pipe.npz", "FIFO"),
        "a read-only file": (readonly, "read-only"),
        "a read-only folder": (place / "locked" / "out.npz", "is not writable"),
        "a file as folder": (place / "data.csv" / "out.npz", "cannot write"),
        "a symbolic link loop": (place / "loop-a.npz", "cannot write"),
        "an empty name": (Path(""), "is a directory"),
    }
    if IS_ROOT:
        os.mknod(place / "null.npz", stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
        cases["a character device"] = (place / "null.npz", "character device")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(place / "socket.npz"))
    server.close()
    cases["a socket"] = (place / "socket.npz", "socket")
    return cases


OUTPUT_CASES = [
    "the csv itself",
    "a hard link to the csv",
    "a symbolic link to the csv",
    "a directory",
    "a link to a directory",
    "a fifo",
    "a read-only file",
    "a read-only folder",
    "a file as folder",
    "a symbolic link loop",
    "an empty name",
    "a character device",
    "a socket",
]


@pytest.mark.parametrize("case", OUTPUT_CASES)
def test_train_refuses_an_output_that_would_destroy_or_fail(place, case):
    cases = _output_cases(place)
    if case not in cases:
        pytest.skip("making a device node needs root")
    output, fragment = cases[case]
    try:
        refused(place, ["train", "--csv", place / "data.csv", "--iterations", "5", "--quiet", "-o", output], fragment)
    finally:
        (place / "locked").chmod(0o755)


@pytest.mark.parametrize(
    "case", ["a fifo", "a read-only file", "a read-only folder", "a character device", "a link to a directory"]
)
def test_sheet_refuses_an_output_that_would_destroy_or_fail(place, case):
    cases = _output_cases(place)
    if case not in cases:
        pytest.skip("making a device node needs root")
    output, fragment = cases[case]
    try:
        refused(place, ["sheet", place / "run.npz", "--width", "320", "-o", output], fragment)
    finally:
        (place / "locked").chmod(0o755)


def _video_output_cases(place: Path) -> dict[str, tuple[Path, str]]:
    """Videos that must be refused before Manim starts (they were replaced, or failed after the render with a
    traceback): name -> (the -o path, a fragment of the error)."""
    readonly = place / "readonly.mp4"
    readonly.write_bytes(b"keep me")
    readonly.chmod(0o444)
    (place / "captioned.srt").mkdir()  # the subtitles' place is a folder
    (place / "kept.vtt").write_text("WEBVTT\n")
    (place / "kept.vtt").chmod(0o444)
    (place / "disguised.mp4").write_bytes((place / "run.npz").read_bytes())  # a Run file with a video's name
    os.mkfifo(place / "pipe.mp4")
    (place / "locked").mkdir()
    (place / "locked").chmod(0o555)
    return {
        "a read-only video": (readonly, "read-only"),
        "subtitles onto a folder": (place / "captioned.mp4", "captioned.srt: it is a directory"),
        "subtitles onto a read-only file": (place / "kept.mp4", "kept.vtt: the file is read-only"),
        "the run file": (place / "disguised.mp4", "it is the input"),
        "a fifo": (place / "pipe.mp4", "FIFO"),
        "a read-only folder": (place / "locked" / "out.mp4", "is not writable"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "a read-only video",
        "subtitles onto a folder",
        "subtitles onto a read-only file",
        "the run file",
        "a fifo",
        "a read-only folder",
    ],
)
def test_render_refuses_a_video_output_that_would_destroy_or_fail_before_rendering(place, case, monkeypatch):
    import riemann_nn.cli
    import riemann_nn.jobs.render

    def no_render(*args, **kwargs):
        raise AssertionError("rendered before the output's place was checked")

    monkeypatch.setattr(riemann_nn.cli, "_render", no_render)
    monkeypatch.setattr(riemann_nn.jobs.render, "LocalExecutor", no_render)
    try:
        output, fragment = _video_output_cases(place)[case]
        run_file = place / "disguised.mp4" if case == "the run file" else place / "run.npz"
        refused(place, ["render", "--run", run_file, "-o", output], fragment)
        batch = place / "jobs.toml"
        batch.write_text(f'[[render]]\nrun = "{run_file}"\noutput = "{output}"\n')
        refused(place, ["render-all", "--file", batch, "--force"], fragment)  # --force: even a video up to date
        batch.unlink()
        with pytest.raises(OutputError, match=fragment):
            make_video(run_file, output)
    finally:
        (place / "locked").chmod(0o755)


@pytest.mark.parametrize("command", ["train", "import"])
@pytest.mark.parametrize("name", ["other.csv", "run", "model.pt", "run.npz.bak"])
def test_a_run_is_written_only_under_a_npz_name(place, command, name):
    """``-o points.csv`` (meant as ``--csv points.csv``) replaced the user's file with a Run file."""
    import torch

    torch.jit.save(
        torch.jit.script(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))), str(place / "net.pt")
    )
    (place / "other.csv").write_text("0,0,0\n1,1,1\n")
    (place / "model.pt").write_bytes(b"a model of the user's own")
    args = ["train", *TINY] if command == "train" else ["import", place / "net.pt", "--dataset", "moons"]
    refused(place, [*args, "-o", place / name], "a Run file's name must end in .npz")


def test_sheet_refuses_to_overwrite_its_run_file(place):
    disguised = place / "run.png"  # a Run file with an image's name: the only way -o can equal it
    disguised.write_bytes((place / "run.npz").read_bytes())
    refused(place, ["sheet", disguised, "--width", "320", "-o", disguised], "it is the input")


def test_train_refuses_when_the_disk_is_too_full(place, monkeypatch):
    """The space check runs before training (the free space reported as 1 kB here)."""
    monkeypatch.setattr(outputs.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 1000})())
    refused(place, ["train", *TINY, "-o", place / "out.npz"], "needs about", "1.0 kB free")


def test_a_new_output_gets_the_umask_mode_and_no_temporary_file(place):
    """Run files and sheets are made with 0o666 & ~umask (not tempfile's 0o600), and nothing else appears."""
    previous = os.umask(0o027)
    try:
        result = runner().invoke(main, ["train", *TINY, "-o", str(place / "new.npz")])
        assert result.exit_code == 0, result.output
        sheet = runner().invoke(main, ["sheet", str(place / "new.npz"), "--width", "320", "-o", str(place / "s.png")])
        assert sheet.exit_code == 0, sheet.output
    finally:
        os.umask(previous)
    assert stat.S_IMODE((place / "new.npz").stat().st_mode) == 0o640
    assert stat.S_IMODE((place / "s.png").stat().st_mode) == 0o640
    assert sorted(p.name for p in place.iterdir()) == ["data.csv", "new.npz", "run.npz", "s.png"]


def test_an_output_link_is_followed_and_kept(place):
    """-o through a symbolic link replaces the file it points to; the link stays a link."""
    target = place / "target.npz"
    target.write_bytes(b"old")
    (place / "link.npz").symlink_to(target)
    result = runner().invoke(main, ["train", *TINY, "-o", str(place / "link.npz")])
    assert result.exit_code == 0, result.output
    assert (place / "link.npz").is_symlink()
    assert load_run(target).meta["model"]["depth"] == 2


SIGTERM_SCRIPT = """
import sys, time
import numpy as np
def slow(handle, **arrays):  # half a file out, then stall: SIGTERM arrives mid-write
    handle.write(b"x" * 1000)
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)
np.savez_compressed = slow
from riemann_nn.cli import main
main(sys.argv[1:])
"""


def test_sigterm_mid_write_leaves_the_old_file_and_no_temporary(tmp_path):
    """A real process killed with SIGTERM while writing its Run file: exit status 143, one error line, the
    previous file unchanged and no ``.tmp`` left."""
    output = tmp_path / "out.npz"
    output.write_bytes(b"the previous run")
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    process = subprocess.Popen(
        [sys.executable, "-c", SIGTERM_SCRIPT, "train", *TINY, "-o", str(output)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout.readline().strip() == "writing"
        assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())  # the write is under way
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + signal.SIGTERM
    assert stderr.splitlines() == ["error: terminated; no partial file was left"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.npz"]
    assert output.read_bytes() == b"the previous run"


def test_python_dash_m_runs_the_command(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "riemann_nn.cli", "info", str(tmp_path / "none.npz")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPOSITORY,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [f"error: {tmp_path / 'none.npz'}: no such Run file"]


def test_an_error_naming_a_file_with_a_line_break_stays_one_line(place):
    refused(place, ["info", place / "two\nlines.npz"], "no such Run file")


# ---- item 6: training that blows up is an error; low accuracy a warning ---------------------------------

BLOW_UPS = [
    (
        [
            "--activation",
            "identity",
            "--scheme",
            "c0",
            "--init-gain",
            "1",
            "--weight-decay",
            "0",
            "--lr",
            "10",
            "--iterations",
            "10",
            "--depth",
            "3",
        ],
        "the loss rose from",
    ),
    (
        [
            "--activation",
            "identity",
            "--scheme",
            "c1",
            "--init-gain",
            "1",
            "--weight-decay",
            "0",
            "--lr",
            "30",
            "--iterations",
            "10",
            "--depth",
            "3",
        ],
        "coordinates reach",
    ),
    (["--weight-decay", "1e10"], "weights reached"),
    (["--init-gain", "1e300"], "weights reached"),
    (["--dt", "1e300"], "coordinates reach"),
    (
        ["--activation", "identity", "--init-gain", "1", "--lr", "1e30", "--iterations", "20", "--depth", "4"],
        "the loss became nan",
    ),
]


@pytest.mark.parametrize("args, fragment", BLOW_UPS, ids=[" ".join(a) for a, _ in BLOW_UPS])
def test_training_that_blows_up_is_one_error_with_a_hint(place, args, fragment):
    line = refused(
        place,
        [
            "train",
            "--dataset",
            "gaussians",
            "--n",
            "100",
            "--noise",
            "0.4",
            "--depth",
            "2",
            "--iterations",
            "5",
            "--quiet",
            *args,
            "-o",
            place / "out.npz",
        ],
        fragment,
    )
    assert line.endswith("try a smaller learning rate (--lr) or standardised data (--standardize)")


def test_logits_of_the_datas_size_are_a_blow_up(place):
    """Moons in units of 1e20 through a residual net: the head's logits are of size 1e20 and so is the loss (from
    the first step on, so it never "rises"): an error pointing at --standardize, not a file."""
    x, y = data_module.make_dataset("moons", n=100, noise=0.08, seed=0)
    csv = place / "huge.csv"
    np.savetxt(csv, np.column_stack([x * 1e20, y]), delimiter=",", fmt="%.17g")
    line = refused(
        place,
        [
            "train",
            "--csv",
            csv,
            "--scheme",
            "c1",
            "--init-gain",
            "1",
            "--depth",
            "3",
            "--iterations",
            "20",
            "--quiet",
            "-o",
            place / "out.npz",
        ],
        "the loss ended at",
    )
    assert line.endswith("--standardize)")


def test_low_accuracy_is_a_warning_with_a_hint(place):
    """Five steps on spirals: the file is written, and one warning line says why it may be poor."""
    result = runner().invoke(
        main,
        [
            "train",
            "--dataset",
            "spirals",
            "--n",
            "100",
            "--depth",
            "2",
            "--iterations",
            "5",
            "--quiet",
            "-o",
            str(place / "weak.npz"),
        ],
    )
    assert result.exit_code == 0, result.output
    accuracy = load_run(place / "weak.npz").meta["training"]["accuracy"]
    assert accuracy < 0.9
    assert result.stderr.splitlines() == [
        f"warning: training reached accuracy {accuracy:.3f} only (below 0.9); try more iterations (--iterations), "
        "a smaller learning rate (--lr) or standardised data (--standardize)"
    ]


def test_standardize_rescues_data_in_millions(place):
    """The same moons in units of 1e6 (offset 3e6): without --standardize the training is refused as a blow-up
    (or warned about); with it, training works and the Run is in the user's coordinates."""
    x, y = data_module.make_dataset("moons", n=120, noise=0.08, seed=0)
    csv = place / "millions.csv"
    np.savetxt(csv, np.column_stack([x * 1e6 + 3e6, y]), delimiter=",", fmt="%.17g")
    args = [
        "train",
        "--csv",
        str(csv),
        "--scheme",
        "c0",
        "--init-gain",
        "1",
        "--depth",
        "3",
        "--iterations",
        "150",
        "--lr",
        "0.05",
        "--quiet",
    ]
    plain = runner().invoke(main, [*args, "-o", str(place / "plain.npz")])
    assert "--standardize" in plain.stderr
    result = runner().invoke(main, [*args, "--standardize", "-o", str(place / "std.npz")])
    assert result.exit_code == 0 and result.stderr == "", result.output
    run = load_run(place / "std.npz")
    np.testing.assert_array_equal(run.x[0], x * 1e6 + 3e6)
    assert run.meta["training"]["accuracy"] > 0.95
    assert run.meta["standardize"]["scale"] == pytest.approx(1e6 * np.sqrt(np.mean((x - x.mean(0)) ** 2)), rel=1e-12)
    info = runner().invoke(main, ["info", str(place / "std.npz")])
    assert "trained standardised" in info.stdout


# ---- item 7 through the CLI: Run files that must not be read, one line each ------------------------------


def _npz_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _meta_text(path: Path) -> str:
    with np.load(path) as npz:
        return str(npz["meta"])


def _with_meta(edit):
    """A maker of a copy of the good file whose meta dict went through ``edit``."""

    def make(good: Path) -> bytes:
        meta = json.loads(_meta_text(good))
        edit(meta)
        return _with_member(good, "meta.npy", _npy(np.array(json.dumps(meta))))

    return make


def _with_meta_text(change):
    """A maker of a copy of the good file whose meta text went through ``change``."""
    return lambda good: _with_member(good, "meta.npy", _npy(np.array(change(_meta_text(good)))))


def _with_member(good: Path, name: str, content: bytes) -> bytes:
    return _npz_bytes({**_members(good), name: content})


def _swap(name: str, content):
    """A maker of a copy of the good file whose member ``name`` holds ``content(good)``."""
    return lambda good: _with_member(good, name, content(good))


def _header(shape, *, data: int = 64) -> bytes:
    """A float64 .npy header declaring ``shape``, followed by ``data`` zero bytes."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue() + bytes(data)


def _load(good: Path, key: str) -> np.ndarray:
    with np.load(good) as npz:
        return npz[key]


def _set(section: str, **values):
    return _with_meta(lambda meta: meta[section].update(values))


BROKEN_RUNS = {  # name -> (maker of the file's bytes from the good file, a fragment of the error)
    "empty": (lambda good: b"", "no zip header"),
    "random bytes": (lambda good: bytes(np.random.default_rng(1).integers(0, 256, 3000, dtype=np.uint8)), ""),
    "truncated": (lambda good: good.read_bytes()[:5000], "not a readable .npz"),
    "only a zip header": (lambda good: b"PK\x03\x04" + bytes(100), "not a readable .npz"),
    "an empty zip": (lambda good: _npz_bytes({}), ""),
    "no meta": (lambda good: _npz_bytes({k: v for k, v in _members(good).items() if k != "meta.npy"}), "'meta'"),
    "meta NaN": (_with_meta_text(lambda t: t.replace('"schema":', '"loss": NaN, "schema":')), "NaN is not JSON"),
    "meta Infinity": (
        _with_meta_text(lambda t: t.replace('"schema":', '"dt": -Infinity, "schema":')),
        "-Infinity is not JSON",
    ),
    "meta 1e999": (_with_meta_text(lambda t: t.replace('"schema":', '"dt": 1e999, "schema":')), "overflows"),
    "meta nested 5000 deep": (_with_meta_text(lambda t: '{"a": ' + "[" * 5000 + "]" * 5000 + "}"), "nested"),
    "meta nested 12 deep": (_with_meta(lambda m: m.update(extra=json.loads("[" * 12 + "]" * 12))), "nested more"),
    "meta a list": (_with_meta_text(lambda t: "[1, 2]"), "JSON object"),
    "meta not JSON": (_with_meta_text(lambda t: "{not json"), "not valid JSON"),
    "meta a number": (_swap("meta.npy", lambda good: _npy(np.array(3.5))), "'meta'"),
    "meta of two strings": (_swap("meta.npy", lambda good: _npy(np.array(["{}", "{}"]))), "'meta'"),
    "schema": (_with_meta(lambda m: m.update(schema="other")), "not a riemann-nn Run file"),
    "version true": (_with_meta(lambda m: m.update(version=True)), "version"),
    "version 3": (_with_meta(lambda m: m.update(version=3)), "version 3"),
    "scheme": (_set("model", scheme="c9"), "meta.model.scheme"),
    "activation": (_set("model", activation="gelu"), "meta.model.activation"),
    "dt a string": (_set("model", dt="1"), "meta.model.dt"),
    "dt negative": (_set("model", dt=-1.0), "meta.model.dt"),
    "dt zero": (_set("model", dt=0), "meta.model.dt"),
    "depth true": (_set("model", depth=True), "meta.model.depth"),
    "depth wrong": (_set("model", depth=7), "meta says depth 7"),
    "dataset a list": (_with_meta(lambda m: m.update(dataset=[1])), "meta.dataset"),
    "dataset name a number": (_set("dataset", name=5), "meta.dataset.name"),
    "training missing": (_with_meta(lambda m: m.pop("training")), "meta.training"),
    "accuracy a string": (_set("training", accuracy="high"), "meta.training.accuracy"),
    "accuracy 2": (_set("training", accuracy=2), "meta.training.accuracy"),
    "seed a float": (_set("training", seed=0.5), "meta.training.seed"),
    "iterations disagree": (_set("training", iterations=4), "4 iterations"),
    "convention": (_set("ellipse", convention="x"), "meta.ellipse.convention"),
    "scale a string": (_set("ellipse", scale="big"), "meta.ellipse.scale"),
    "max_axis short": (_set("ellipse", max_axis=[1.0]), "max_axis holds 1"),
    "geometry missing": (_with_meta(lambda m: m.pop("geometry")), "meta.geometry"),
    "bounds a string": (_set("geometry", bounds="x"), "meta.geometry.bounds"),
    "bounds inverted": (_set("geometry", bounds=[[1, 1], [0, 0]]), "min < max"),
    "sites per side": (_set("geometry", sites_per_side=3), "sites_per_side 3"),
    "name a path": (_with_meta(lambda m: m.update(name="../../evil")), "meta.name must be a file name"),
    "name a number": (_with_meta(lambda m: m.update(name=5)), "meta.name"),
    "description a list": (_with_meta(lambda m: m.update(description=[])), "meta.description"),
    "standardize without a scale": (_with_meta(lambda m: m.update(standardize={"mean": [0, 0]})), "standardize.scale"),
    # 72 MB of zeros deflate to 70 kB: more than the 64 MiB any file may expand to, and 100 times its size
    "a zip bomb": (_swap("x.npy", lambda good: _header((3, 1_500_000, 2), data=72_000_000)), "zip bomb"),
    "a huge declared shape": (_swap("x.npy", lambda good: _header((3, 10**9, 2))), "declares shape"),
    "an object array": (_swap("x.npy", lambda good: _npy(np.array([{"a": 1}], dtype=object))), "never loaded"),
    "a complex jacobian": (
        _swap("jacobian.npy", lambda good: _npy(_load(good, "jacobian").astype(complex))),
        "'jacobian'",
    ),
    "a structured y": (_swap("y.npy", lambda good: _npy(np.zeros(3, dtype=[("a", "i8")]))), "'y'"),
    "npy version 3": (
        _swap("x.npy", lambda good: b"\x93NUMPY\x03\x00" + _members(good)["x.npy"][8:]),
        "version (3, 0)",
    ),
}


@pytest.mark.parametrize("name", list(BROKEN_RUNS))
@pytest.mark.parametrize("command", ["info", "info --json"])
def test_info_refuses_a_broken_run_file(place, name, command):
    make, fragment = BROKEN_RUNS[name]
    broken = place / "broken.npz"
    broken.write_bytes(make(place / "run.npz"))
    refused(place, [*command.split(), broken], str(broken), fragment)


@pytest.mark.parametrize("command", ["sheet", "geodesic", "render"])
def test_every_command_refuses_a_broken_run_file(place, command):
    broken = place / "broken.npz"
    broken.write_bytes(BROKEN_RUNS["meta NaN"][0](place / "run.npz"))
    args = {
        "sheet": ["sheet", broken, "-o", place / "s.png"],
        "geodesic": ["geodesic", broken, "--from", "0,0", "--to", "1,1"],
        "render": ["render", "--run", broken],
    }[command]
    refused(place, args, "NaN is not JSON")


def test_info_refuses_special_files_as_run_files(place):
    os.mkfifo(place / "pipe.npz")
    _unblock_later(place / "pipe.npz")
    refused(place, ["info", place / "pipe.npz"], "not a regular file")
    refused(place, ["info", place], "is a directory")


def test_info_json_never_prints_nan_or_infinity(place):
    """--json output parses as strict JSON (the Run file could not hold NaN or Infinity in meta)."""
    result = runner().invoke(main, ["info", "--json", str(place / "run.npz")])
    assert result.exit_code == 0

    def refuse(name):
        raise AssertionError(f"{name} in --json output")

    assert json.loads(result.stdout, parse_constant=refuse)["schema"] == "riemann-nn/run"


# ---- item 10: a preset with overrides is not titled as the preset ---------------------------------------


def test_an_overridden_preset_is_named_for_its_changes():
    preset = get_preset("seed-spirals")
    assert run_name(preset, preset.replace(model={"dt": 0.1})) == "seed-spirals+dt0.1"
    assert run_name(preset, preset.replace(model={"dt": 1.0})) == "seed-spirals"  # the preset's own value
    assert run_name(preset, preset) == "seed-spirals"
    both = preset.replace(dataset={"name": "moons", "standardize": True}, training={"lr": 1e-05, "seed": 3})
    assert run_name(preset, both) == "seed-spirals+moons+standardized+lr1e-05+seed3"
    weird = preset.replace(dataset={"csv": "/data/my points (v2)/../ü data.csv"})
    assert run_name(preset, weird) == "seed-spirals+csv-ü_data"


def test_an_overridden_name_is_always_a_file_name():
    preset = get_preset("seed-spirals")
    long = preset.replace(dataset={"csv": "/x/" + "a" * 300 + ".csv"}, model={"dt": 0.123456789, "depth": 3})
    name = run_name(preset, long)
    assert len(name) <= config_module.MAX_NAME_LENGTH
    assert RunConfig(name=name).name == name  # config.check_name accepts it


def test_train_names_the_run_after_the_preset_and_its_changes(place, monkeypatch):
    monkeypatch.chdir(place)  # outside the repository the default output is NAME.npz in the working directory
    result = runner().invoke(
        main, ["train", "--preset", "seed-spirals", "--n", "60", "--dt", "0.1", "--iterations", "5", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    written = place / "seed-spirals+n60+dt0.1+it5.npz"
    assert result.stdout.startswith(f"wrote {written.relative_to(place)}")
    assert load_run(written).name == "seed-spirals+n60+dt0.1+it5"


# ---- item 8: the Python API raises the package's own errors for wrong types ----------------------------


def _train_with(x, y, model_config=None, train_config=None):
    from riemann_nn.train import train

    return train(
        x,
        y,
        model_config=model_config or ModelConfig(depth=2),
        train_config=train_config or TrainConfig(iterations=2),
        progress=False,
    )


import riemann_nn as rn  # noqa: E402  (the public verbs, as a user calls them)

# name -> call(run, run_path); each must raise a RiemannNNError, never numpy's or Python's own TypeError
API_CASES = {
    "ModelConfig dt as a string": lambda run, path: ModelConfig(dt="1"),
    "ModelConfig depth as a float": lambda run, path: ModelConfig(depth=3.0),
    "ModelConfig scheme as a list": lambda run, path: ModelConfig(scheme=["c1"]),
    "TrainConfig lr None": lambda run, path: TrainConfig(lr=None),
    "TrainConfig seed True": lambda run, path: TrainConfig(seed=True),
    "DatasetConfig csv a number": lambda run, path: DatasetConfig(csv=5),
    "DatasetConfig standardize a string": lambda run, path: DatasetConfig(standardize="yes"),
    "RunConfig name a number": lambda run, path: RunConfig(name=5),
    "RunConfig name a path": lambda run, path: RunConfig(name="../x"),
    "RunConfig description a number": lambda run, path: RunConfig(description=5),
    "RunConfig model a dict": lambda run, path: RunConfig(model={"depth": 3}),
    "replace with a string for a number": lambda run, path: RunConfig().replace(training={"iterations": "9"}),
    "get_preset a list": lambda run, path: rn.get_preset(["seed-spirals"]),
    "get_preset None": lambda run, path: rn.get_preset(None),
    "make_dataset n a string": lambda run, path: rn.make_dataset("spirals", n="5"),
    "make_dataset noise a string": lambda run, path: rn.make_dataset("spirals", noise="0.1"),
    "make_dataset name None": lambda run, path: rn.make_dataset(None),
    "load_csv None": lambda run, path: rn.load_csv(None),
    "load_run a number": lambda run, path: rn.load_run(3),
    "save_run a string": lambda run, path: rn.save_run("run", path.parent / "x.npz"),
    "save_run a path that is a number": lambda run, path: rn.save_run(run, 5),
    "save_run onto a directory": lambda run, path: rn.save_run(run, path.parent),
    "build_run a preset name": lambda run, path: rn.build_run("seed-spirals"),
    "load_or_train a dict": lambda run, path: rn.load_or_train({"name": "x"}),
    "train on objects": lambda run, path: _train_with(np.array([[{}, 1], [2, 3]], dtype=object), [0, 1]),
    "train on strings": lambda run, path: _train_with([["a", "b"], ["c", "d"]], [0, 1]),
    "train on ragged lists": lambda run, path: _train_with([[1, 2], [3]], [0, 1]),
    "train on complex numbers": lambda run, path: _train_with(np.ones((2, 2), complex), [0, 1]),
    "train on None": lambda run, path: _train_with(None, None),
    "train with labels 0 and 2": lambda run, path: _train_with(np.eye(2), [0, 2]),
    "train with a dict for a config": lambda run, path: _train_with(np.eye(2), [0, 1], model_config={"depth": 2}),
    "train on coordinates 1e200": lambda run, path: _train_with(np.array([[0.0, 0.0], [1e200, 1.0]]), [0, 1]),
    # make_video: TypeErrors, a video rendered with jobs=-1, or Manim started to fail on a file or name
    "make_video of a number": lambda run, path: make_video(5, path.parent / "v.mp4"),
    "make_video into None": lambda run, path: make_video(run, None),
    "make_video of a missing file": lambda run, path: make_video(path.parent / "nope.npz", path.parent / "v.mp4"),
    "make_video in an unknown theme": lambda run, path: make_video(run, path.parent / "v.mp4", theme="sepia"),
    "make_video on an unknown path": lambda run, path: make_video(run, path.parent / "v.mp4", layer_path="curvy"),
    "make_video staged for c1": lambda run, path: make_video(path, path.parent / "v.mp4", layer_path="staged"),
    "make_video with jobs -1": lambda run, path: make_video(run, path.parent / "v.mp4", jobs=-1),
    "make_video with jobs a string": lambda run, path: make_video(run, path.parent / "v.mp4", jobs="2"),
    "make_video with manim_args a string": lambda run, path: make_video(
        run, path.parent / "v.mp4", manim_args="-c RED"
    ),
    "shortest_path of a string": lambda run, path: rn.shortest_path("run.npz", (0, 0), (1, 1)),
}


@pytest.mark.parametrize("case", list(API_CASES))
def test_the_api_raises_its_own_errors_for_wrong_types(good_run, case):
    from riemann_nn.errors import RenderError, RiemannNNError

    run = rn.load_run(good_run)
    before = snapshot(good_run.parent)
    with pytest.raises(RiemannNNError) as info:
        API_CASES[case](run, good_run)
    assert not isinstance(info.value, RenderError)  # refused before Manim starts, not by it
    assert snapshot(good_run.parent) == before


def test_the_coordinate_limit_is_where_overflow_starts():
    """MAX_COORDINATE leaves room for the squares and products the metric takes: (1e100)^3 is still finite."""
    with np.errstate(over="ignore"):
        assert np.isfinite(np.float64(MAX_COORDINATE) ** 3) and not np.isfinite(np.float64(1e200) ** 2)
