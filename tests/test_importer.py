"""``riemann-nn import``: model files recognised by their bytes, pickles never loaded, one line per refusal."""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn

from riemann_nn.cli import main
from riemann_nn.errors import ConfigError
from riemann_nn.importer import load_model_file, model_file_kind


class Payload:
    """Unpickling this creates a marker file: if the marker ever appears, a pickle was loaded."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def small_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))


def replace_member(archive_path, suffix: str, content: bytes, target) -> None:
    """A copy of a zip archive with the member ending in ``suffix`` replaced by ``content``."""
    with zipfile.ZipFile(archive_path) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            data = content if info.filename.endswith(suffix) else source.read(info)
            copy.writestr(info.filename, data)


@pytest.fixture
def files(tmp_path):
    """A TorchScript file, a .pt2 archive and pickles of every kind torch and Python write."""
    model = small_net()
    marker = tmp_path / "unpickled"
    paths = {"script": tmp_path / "net.pt", "export": tmp_path / "net.pt2"}
    torch.jit.save(torch.jit.script(model), str(paths["script"]))
    torch.export.save(torch.export.export(model, (torch.zeros(4, 2),)), str(paths["export"]))
    paths["torch-save"] = tmp_path / "whole.pt"
    torch.save({"model": Payload(str(marker))}, paths["torch-save"])
    paths["legacy"] = tmp_path / "legacy.pt"
    torch.save(Payload(str(marker)), paths["legacy"], _use_new_zipfile_serialization=False)
    paths["pickle"] = tmp_path / "model.pkl"
    paths["pickle"].write_bytes(pickle.dumps(Payload(str(marker))))
    buffer = io.BytesIO()
    torch.save(Payload(str(marker)), buffer)
    paths["pt2-with-pickle"] = tmp_path / "sneaky.pt2"
    replace_member(paths["export"], "data/sample_inputs/model.pt", buffer.getvalue(), paths["pt2-with-pickle"])
    paths["text"] = tmp_path / "notes.txt"
    paths["text"].write_text("not a model")
    return paths, marker


def test_torchscript_and_export_files_load(files):
    paths, _ = files
    assert model_file_kind(paths["script"]) == "torchscript"
    assert model_file_kind(paths["export"]) == "export"
    assert isinstance(load_model_file(paths["script"]), torch.jit.ScriptModule)
    assert isinstance(load_model_file(paths["export"]), torch.export.ExportedProgram)


@pytest.mark.parametrize(
    "kind, fragment",
    [
        ("torch-save", "written by torch.save"),
        ("legacy", "is a pickle"),
        ("pickle", "is a pickle"),
        ("pt2-with-pickle", "stores pickles"),
        ("text", "not a TorchScript or torch.export file"),
    ],
)
def test_pickles_are_refused_unloaded_with_a_way_out(files, kind, fragment):
    paths, marker = files
    with pytest.raises(ConfigError, match=fragment) as info:
        load_model_file(paths[kind])
    assert "\n" not in str(info.value)
    if kind != "text":
        assert "torch.jit.save(torch.jit.script(model)" in str(info.value)  # how to export it instead
    assert not marker.exists()  # nothing was unpickled


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--dataset", "moons", "--csv", "data.csv"], "--csv FILE or --dataset NAME"),
        (["--csv", "data.csv", "--n", "500"], "--csv reads your points"),  # ignored silently
        (["--csv", "data.csv", "--data-seed", "3"], "--csv reads your points"),
        ([], "--csv FILE or --dataset NAME"),
        (["--dataset", "moons", "--classes", "one"], "class names"),
        (["--dataset", "moons", "--name", "-bad"], "--name must be a file name"),
        (["--dataset", "moons", "--positive", "2"], "'2' is not one of"),
    ],
)
def test_import_refuses_bad_options_before_reading_the_model(files, tmp_path, args, fragment):
    paths, _ = files
    result = CliRunner().invoke(main, ["import", str(paths["script"]), *args, "-o", str(tmp_path / "out.npz")])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and fragment in lines[0], result.output
    assert not (tmp_path / "out.npz").exists()


def test_import_of_a_pickle_writes_nothing(files, tmp_path):
    paths, marker = files
    before = sorted(os.listdir(tmp_path))
    result = CliRunner().invoke(
        main, ["import", str(paths["torch-save"]), "--dataset", "moons", "-o", str(tmp_path / "out.npz")]
    )
    assert result.exit_code != 0 and result.output.startswith("error:") and result.output.count("\n") == 1
    assert sorted(os.listdir(tmp_path)) == before and not marker.exists()


def test_import_writes_a_run_of_the_scripted_module(files, tmp_path):
    paths, _ = files
    result = CliRunner().invoke(
        main, ["import", str(paths["script"]), "--dataset", "moons", "--n", "100", "-o", str(tmp_path / "net.npz")]
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "c0 tanh" in result.output
    from riemann_nn.run import load_run

    run = load_run(tmp_path / "net.npz")
    weight = small_net()[0].weight.detach().numpy()
    np.testing.assert_allclose(run.weight[0], weight, rtol=0, atol=0)  # float32 values, kept exactly
    assert run.meta["dataset"] == {"source": "generated", "name": "moons", "n": 100, "noise": 0.2, "seed": 0}
