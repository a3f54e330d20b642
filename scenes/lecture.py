"""A two-minute lecture, also as slides (scripts/slides.py).

    manim -pql scenes/lecture.py

The scene Lecture ships with the package, in riemann_nn/scenes/lecture.py, so that
``riemann-nn render --scene lecture`` finds it wherever riemann-nn is installed; this thin file lets Manim render
it from the repository, and the environment variables of that file apply.
"""

from riemann_nn.scenes.lecture import Lecture as PackagedScene


class Lecture(PackagedScene):
    """Manim renders the scene classes a file defines: here the package's, unchanged."""
