"""The volume element: how much each patch of a layer is magnified.

    manim -pql scenes/volume.py

The scene VolumeElement ships with the package, in riemann_nn/scenes/volume.py, so that
``riemann-nn render --scene volume`` finds it wherever riemann-nn is installed; this thin file lets Manim render
it from the repository, and the environment variables of that file apply.
"""

from riemann_nn.scenes.volume import VolumeElement as PackagedScene


class VolumeElement(PackagedScene):
    """Manim renders the scene classes a file defines: here the package's, unchanged."""
