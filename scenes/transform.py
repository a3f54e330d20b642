"""The default video: the plane layer by layer, then the metric pulled back.

    manim -pql scenes/transform.py

The scene LayerByLayer ships with the package, in riemann_nn/scenes/transform.py, so that
``riemann-nn render --scene transform`` finds it wherever riemann-nn is installed; this thin file lets Manim render
it from the repository, and the environment variables of that file apply.
"""

from riemann_nn.scenes.transform import LayerByLayer as PackagedScene


class LayerByLayer(PackagedScene):
    """Manim renders the scene classes a file defines: here the package's, unchanged."""
