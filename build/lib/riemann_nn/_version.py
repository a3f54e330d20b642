"""The installed distribution's version (one source of truth: ``pyproject.toml``)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("riemann-nn")
except PackageNotFoundError:  # a source tree on sys.path without an install
    __version__ = "0+unknown"
