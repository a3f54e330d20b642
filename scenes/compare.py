"""C0, C1 and C2 networks side by side (with --run: yours among them).

    manim -pql scenes/compare.py

The scene SchemeComparison ships with the package, in riemann_nn/scenes/compare.py, so that
``riemann-nn render --scene compare`` finds it wherever riemann-nn is installed; this thin file lets Manim render
it from the repository, and the environment variables of that file apply.
"""

from riemann_nn.scenes.compare import SchemeComparison as PackagedScene


class SchemeComparison(PackagedScene):
    """Manim renders the scene classes a file defines: here the package's, unchanged."""
