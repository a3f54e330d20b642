"""Model files for ``riemann-nn import``: TorchScript (``torch.jit.save``) and ``torch.export`` archives (``.pt2``).

A pickle is never loaded: unpickling runs whatever code the file names. So the file is recognised from its bytes
before torch sees it. A plain pickle, or the zip ``torch.save`` writes (a ``data.pkl`` and no TorchScript code),
is refused with one line saying how to export the model. A TorchScript archive holds code the TorchScript
interpreter runs and data its own restricted unpickler reads; it is loaded with ``torch.jit.load``. A ``.pt2``
archive is loaded with ``torch.export.load`` only after checking that nothing in it would reach Python's
pickle: no weights or constants stored as pickles, no opaque objects, no legacy members, sample inputs that
torch's ``weights_only`` loader reads (else torch would fall back to a full unpickling), no compiled code.
"""

from __future__ import annotations

import io
import json
import os
import stat
import warnings
import zipfile
from pathlib import Path

from .errors import ConfigError

MAX_MODEL_BYTES = 2 * 2**30  # a width-2 network is kilobytes; this only keeps a wrong file from being read
PICKLE_MAGIC = b"\x80"  # pickle protocols 2 and later start with PROTO
ZIP_MAGIC = b"PK\x03\x04"
HOW_TO_EXPORT = (
    "save the model as TorchScript, torch.jit.save(torch.jit.script(model), 'model.pt'), or with "
    "torch.export, torch.export.save(torch.export.export(model, (x,)), 'model.pt2'); or pass the module "
    "to riemann_nn.run_from_module in Python"
)
COMPILED_FOLDERS = ("aotinductor", "executorch", "mtia")


def load_model_file(path: str | os.PathLike):
    """The model in ``path``: a TorchScript module or a ``torch.export.ExportedProgram`` (both read by
    ``run_from_module``). Raises ``ConfigError`` in one line for anything else, pickles above all."""
    path = Path(path)
    kind = model_file_kind(path)
    import torch

    try:
        with warnings.catch_warnings():  # torch's deprecation notes about its own formats
            warnings.simplefilter("ignore")
            if kind == "torchscript":
                return torch.jit.load(str(path), map_location="cpu")
            return torch.export.load(str(path))
    except Exception as error:  # a damaged archive or one of a newer torch: one line, no traceback
        words = str(error).strip().splitlines()
        raise ConfigError(
            f"{path}: torch cannot load this {'TorchScript' if kind == 'torchscript' else '.pt2'} file "
            f"({type(error).__name__}{': ' + words[0][:160] if words else ''})"
        ) from None


def model_file_kind(path: Path) -> str:
    """``torchscript`` or ``export``, from the file's bytes alone; ``ConfigError`` for anything else."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such model file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read it ({error.strerror or error})") from None
    if not stat.S_ISREG(status.st_mode):
        raise ConfigError(f"{path}: not a regular file; give a TorchScript (.pt) or torch.export (.pt2) file")
    if status.st_size > MAX_MODEL_BYTES:
        raise ConfigError(f"{path}: {status.st_size:,} bytes is far more than a width-2 network needs")
    with path.open("rb") as handle:
        magic = handle.read(4)
        if magic.startswith(PICKLE_MAGIC):
            raise ConfigError(
                f"{path} is a pickle (torch.save or pickle.dump), which riemann-nn never loads because "
                f"unpickling can run any code; {HOW_TO_EXPORT}"
            )
        if magic != ZIP_MAGIC:
            raise ConfigError(f"{path}: not a TorchScript or torch.export file (no zip archive); {HOW_TO_EXPORT}")
        try:
            with zipfile.ZipFile(handle) as archive:
                names = archive.namelist()
                if _is_export_archive(names):
                    _check_export_archive(archive, names, path)
                    return "export"
        except zipfile.BadZipFile as error:
            raise ConfigError(f"{path}: a damaged zip archive ({error})") from None
    if _is_torchscript(names):
        return "torchscript"
    if any(name.endswith("/data.pkl") or name == "data.pkl" for name in names):
        raise ConfigError(
            f"{path} was written by torch.save: a pickle, which riemann-nn never loads because "
            f"unpickling can run any code; {HOW_TO_EXPORT}"
        )
    raise ConfigError(f"{path}: a zip archive, but neither TorchScript nor torch.export; {HOW_TO_EXPORT}")


def _parts(name: str) -> list[str]:
    return name.split("/")


def _is_torchscript(names: list[str]) -> bool:
    """TorchScript archives hold the model's code (``<root>/code/...``) and ``<root>/constants.pkl``."""
    return any(len(p := _parts(name)) >= 3 and p[1] == "code" for name in names) and any(
        _parts(name)[1:] == ["constants.pkl"] for name in names
    )


def _is_export_archive(names: list[str]) -> bool:
    return any(_parts(name)[1:] == ["archive_format"] for name in names)  # ARCHIVE_FORMAT_PATH, without torch


def _check_export_archive(archive: zipfile.ZipFile, names: list[str], path: Path) -> None:
    """Refuse a ``.pt2`` archive that ``torch.export.load`` would unpickle anything of (module docstring)."""
    import torch
    from torch.export.pt2_archive import constants as layout

    root = next(_parts(name)[0] for name in names if _parts(name)[1:] == [layout.ARCHIVE_FORMAT_PATH])
    inside = {name[len(root) + 1 :]: name for name in names if name.startswith(root + "/")}
    if archive.read(inside[layout.ARCHIVE_FORMAT_PATH]).strip() != layout.ARCHIVE_FORMAT_VALUE.encode():
        raise ConfigError(f"{path}: not a torch.export archive of a format this torch reads")
    if any(name.split("/")[0] in COMPILED_FOLDERS for name in inside):
        raise ConfigError(
            f"{path} holds compiled code (AOTInductor, ExecuTorch); give the file torch.export.save writes"
        )
    prefix, suffix = layout.MODELS_FILENAME_FORMAT.split("{}")
    models = [name[len(prefix) : -len(suffix)] for name in inside if name.startswith(prefix) and name.endswith(suffix)]
    if not models:
        raise ConfigError(f"{path}: a torch.export archive without a model")
    refused = f"{path}: this .pt2 archive stores pickles, which riemann-nn never loads; {HOW_TO_EXPORT}"
    for model in models:
        legacy = (f"{layout.WEIGHTS_DIR}{model}.pt", f"{layout.CONSTANTS_DIR}{model}.pt")
        if any(name in inside for name in legacy):
            raise ConfigError(refused)
        for config_format in (layout.WEIGHTS_CONFIG_FILENAME_FORMAT, layout.CONSTANTS_CONFIG_FILENAME_FORMAT):
            config_name = config_format.format(model)
            if config_name not in inside:
                raise ConfigError(f"{path}: the torch.export archive lacks {config_name}")
            try:
                entries = json.loads(archive.read(inside[config_name]))["config"].values()
            except (ValueError, KeyError, TypeError, AttributeError):
                raise ConfigError(f"{path}: {config_name} is not the JSON torch.export writes") from None
            for entry in entries:
                if (
                    not isinstance(entry, dict)
                    or entry.get("use_pickle") is not False
                    or str(entry.get("path_name", "")).startswith(layout.OPAQUE_OBJ_FILENAME_PREFIX)
                ):
                    raise ConfigError(refused)
        sample = inside.get(layout.SAMPLE_INPUTS_FILENAME_FORMAT.format(model))
        payload = archive.read(sample) if sample is not None else b""
        if payload:
            try:  # torch falls back to a full unpickling when this restricted one fails: it must not
                torch.load(io.BytesIO(payload), weights_only=True)
            except Exception:
                raise ConfigError(refused) from None
