"""``environment.check_environment``: what ``riemann-nn render`` and the scenes' base check before Manim works."""

from __future__ import annotations

import pytest

from riemann_nn.environment import THEME_NAMES, SceneEnvironment, check_environment
from riemann_nn.errors import ConfigError, RunFileError
from riemann_nn.run import save_run


@pytest.fixture(scope="module")
def run_files(tmp_path_factory, small_run_c0, c1_run):
    folder = tmp_path_factory.mktemp("env")
    return {"c0": save_run(small_run_c0, folder / "c0.npz"), "c1": save_run(c1_run, folder / "c1.npz")}


@pytest.fixture(scope="module")
def small_run_c0():
    from conftest import _small_run

    return _small_run("c0")


def test_theme_names_are_the_render_themes():
    from riemann_nn.render import THEMES

    assert set(THEME_NAMES) == set(THEMES)


def test_nothing_set_is_fine():
    assert check_environment({}) == SceneEnvironment(run=None, preset=None, path=None, theme=None, scheme=None)


def test_empty_values_count_as_unset_except_the_theme():
    environment = {"RIEMANN_NN_RUN": "", "RIEMANN_NN_PRESET": "", "RIEMANN_NN_PATH": ""}
    assert check_environment(environment).scheme is None
    with pytest.raises(ConfigError, match="RIEMANN_NN_THEME: unknown theme ''"):
        check_environment({"RIEMANN_NN_THEME": ""})


def test_what_a_scene_will_show(run_files):
    """The run file wins over the preset, the preset over the scene's default: the scheme is that run's."""
    assert check_environment({"RIEMANN_NN_PRESET": "moons-c0-tanh"}).scheme == "c0"
    assert check_environment({}, default_preset="seed-c2-sigmoid").scheme == "c2"
    assert check_environment({"RIEMANN_NN_PRESET": "seed-spirals"}, default_preset="moons-c0-tanh").scheme == "c1"
    both = {"RIEMANN_NN_RUN": str(run_files["c1"]), "RIEMANN_NN_PRESET": "moons-c0-tanh"}
    assert check_environment(both).scheme == "c1"


@pytest.mark.parametrize(
    "environment, default",
    [
        ({"RIEMANN_NN_PATH": "staged", "RIEMANN_NN_PRESET": "moons-c0-tanh"}, None),
        ({"RIEMANN_NN_PATH": "staged", "RIEMANN_NN_RUN": "C0"}, None),
        ({"RIEMANN_NN_PATH": "staged"}, "compare-c0"),
        ({"RIEMANN_NN_PATH": "spline", "RIEMANN_NN_THEME": "light", "RIEMANN_NN_RUN": "C1"}, None),
    ],
)
def test_paths_that_fit_the_run(run_files, environment, default):
    environment = {
        key: str(run_files[value.lower()]) if value in ("C0", "C1") else value for key, value in environment.items()
    }
    assert check_environment(environment, default_preset=default).path == environment["RIEMANN_NN_PATH"]


@pytest.mark.parametrize(
    "environment, default, error, fragment",
    [
        ({"RIEMANN_NN_PATH": "staged"}, "seed-c2-sigmoid", ConfigError, "this run is c2"),
        ({"RIEMANN_NN_PATH": "staged"}, None, ConfigError, "name a c0 run"),
        (
            {"RIEMANN_NN_PATH": "staged", "RIEMANN_NN_RUN": "C1", "RIEMANN_NN_PRESET": "moons-c0-tanh"},
            None,
            ConfigError,
            "this run is c1",
        ),
        ({"RIEMANN_NN_RUN": "/no/such.npz"}, None, RunFileError, "RIEMANN_NN_RUN: /no/such.npz: no such Run file"),
        ({"RIEMANN_NN_PRESET": "seed"}, None, ConfigError, "RIEMANN_NN_PRESET: unknown preset 'seed'"),
        ({"RIEMANN_NN_PATH": "Staged"}, None, ConfigError, "RIEMANN_NN_PATH: unknown layer path 'Staged'"),
        ({"RIEMANN_NN_THEME": "blue"}, None, ConfigError, "RIEMANN_NN_THEME: unknown theme 'blue'"),
    ],
)
def test_what_does_not_fit_is_one_error_naming_the_variable(run_files, environment, default, error, fragment):
    environment = {
        key: str(run_files[value.lower()]) if value in ("C0", "C1") else value for key, value in environment.items()
    }
    with pytest.raises(error, match=fragment.replace(".", r"\.")):
        check_environment(environment, default_preset=default)


def test_the_process_environment_is_the_default(monkeypatch):
    monkeypatch.setenv("RIEMANN_NN_THEME", "sepia")
    with pytest.raises(ConfigError, match="RIEMANN_NN_THEME"):
        check_environment()
