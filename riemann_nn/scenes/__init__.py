"""The scenes of riemann-nn, shipped with the package so that ``riemann-nn render --scene NAME`` works wherever it
is installed. Importing this package imports no Manim; each scene module does.

In a notebook (``%%manim`` from Manim's IPython magic), import the scene class and name it::

    %%manim -qm LayerByLayer
    from riemann_nn.scenes.transform import LayerByLayer

``RIEMANN_NN_RUN`` (a Run file), ``RIEMANN_NN_PRESET``, ``RIEMANN_NN_PATH`` and ``RIEMANN_NN_THEME`` say what
to show, as for ``riemann-nn render``. In the repository, ``scenes/<name>.py`` are thin files for
``manim -pql scenes/transform.py``.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent

# scene name (its module) -> the Scene class it holds, and what it shows
SCENES = {
    "transform": ("LayerByLayer", "the default video: the plane layer by layer, then the metric pulled back"),
    "pullback": ("MetricField", "the metric field alone, pulled back layer by layer"),
    "volume": ("VolumeElement", "the volume element: how much each patch of a layer is magnified"),
    "kernels": ("LogitKernels", "the directions the logit cannot see, and collapsed charts"),
    "geodesics": ("Geodesics", "shortest paths under the pulled-back metric (needs the network's weights)"),
    "compare": ("SchemeComparison", "C0, C1 and C2 networks side by side (with --run: yours among them)"),
    "lecture": ("Lecture", "a two-minute lecture, also as slides (scripts/slides.py)"),
    "training": ("TrainingFilm", "training as a film (a run trained with --checkpoints)"),
    "depth": ("DepthAsTime", "depth as time: residual networks of 2 to 64 layers"),
    "topology": ("RingsInThePlane", "what width 2 cannot do: a disc inside a ring, squeezed or folded"),
    "space": ("LiftedRings", "one more dimension: a width-3 network lifts the disc out of the ring, in 3-D"),
}

# The scenes whose stage lays out for any frame (``render --aspect``); the others place panels for 16:9.
ANY_ASPECT = ("transform", "pullback", "volume", "kernels")


def scene_file(name: str) -> Path:
    """The file of the scene called ``name`` (a key of ``SCENES``)."""
    return FOLDER / f"{name}.py"
