"""Errors a user can cause. The CLI turns each into one line on stderr and a non-zero exit."""


class RiemannNNError(Exception):
    """Base class of every error riemann-nn reports to a user as a single line."""


class DataError(RiemannNNError, ValueError):
    """A dataset could not be made or read (bad CSV, one class only, NaN coordinates, ...)."""


class ConfigError(RiemannNNError, ValueError):
    """An unknown preset, scheme, activation or an out-of-range option."""


class TrainingError(RiemannNNError, RuntimeError):
    """Training diverged (the loss became NaN or infinite)."""


class RunFileError(RiemannNNError, ValueError):
    """A Run file is missing, truncated, corrupt or of another schema or version."""
