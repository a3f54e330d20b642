"""One more dimension: a width-3 network lifts the disc out of the ring, in 3-D.

    manim -pql scenes/space.py

The scene LiftedRings ships with the package, in riemann_nn/scenes/space.py, so that
``riemann-nn render --scene space`` finds it wherever riemann-nn is installed; this thin file lets Manim render
it from the repository, and the environment variables of that file apply.
"""

from riemann_nn.scenes.space import LiftedRings as PackagedScene


class LiftedRings(PackagedScene):
    """Manim renders the scene classes a file defines: here the package's, unchanged."""
