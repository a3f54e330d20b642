"""What width 2 cannot do: a disc inside a ring, squeezed or folded.

    manim -pql scenes/topology.py

The scene RingsInThePlane ships with the package, in riemann_nn/scenes/topology.py, so that
``riemann-nn render --scene topology`` finds it wherever riemann-nn is installed; this thin file lets Manim render
it from the repository, and the environment variables of that file apply.
"""

from riemann_nn.scenes.topology import RingsInThePlane as PackagedScene


class RingsInThePlane(PackagedScene):
    """Manim renders the scene classes a file defines: here the package's, unchanged."""
