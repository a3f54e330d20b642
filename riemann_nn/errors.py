"""Errors (and warnings) a user can cause. The CLI turns each into one line on stderr; errors exit non-zero."""


class RiemannNNError(Exception):
    """Base class of every error riemann-nn reports to a user as a single line."""


class DataError(RiemannNNError, ValueError):
    """A dataset could not be made or read (bad CSV, one class only, NaN coordinates, ...)."""


class ConfigError(RiemannNNError, ValueError):
    """An unknown preset, scheme, activation or an out-of-range option."""


class TrainingError(RiemannNNError, RuntimeError):
    """Training blew up: a non-finite or soaring loss, overflowing weights or coordinates."""


class RunFileError(RiemannNNError, ValueError):
    """A Run file is missing, truncated, corrupt or of another schema or version."""


class RenderError(RiemannNNError, RuntimeError):
    """A render failed (Manim exited with an error, wrote no video, or its pieces do not fit together)."""


class OutputError(RiemannNNError, ValueError):
    """An output cannot be written without destroying something (an input, a directory, a device) or at all."""


class RiemannNNWarning(UserWarning):
    """Something a user should know that does not stop the work (low accuracy, a corrupt cached run retrained).
    The CLI prints each as one line starting ``warning:``."""
