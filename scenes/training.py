"""Training as a film (a run trained with --checkpoints).

    manim -pql scenes/training.py

The scene TrainingFilm ships with the package, in riemann_nn/scenes/training.py, so that
``riemann-nn render --scene training`` finds it wherever riemann-nn is installed; this thin file lets Manim render
it from the repository, and the environment variables of that file apply.
"""

from riemann_nn.scenes.training import TrainingFilm as PackagedScene


class TrainingFilm(PackagedScene):
    """Manim renders the scene classes a file defines: here the package's, unchanged."""
