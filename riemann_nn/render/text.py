"""Text: the house font, labels and captions as single paths, typeset formulas, and labels that change during an
animation.

Two kinds of shapes carry words: a typeset label (``label``, ``formula``) is one leaf ``VMobject`` holding every
letter outline as a sub-path; a ``PathText`` shows any number of short strings whose letter outlines are typeset
once (``OutlineCache``) and only moved afterwards. (The metric "glyphs" of the pictures live in ``marks``.)
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import manim
import numpy as np
from manim import DOWN, LEFT, MathTex, Mobject, Text, VGroup, VMobject, config, logger
from PIL import ImageFont

from ..run import Run
from .colour import Theme

__all__ = [
    "CUSTOM_WORDS",
    "FONT",
    "SCHEME_NAMES",
    "OutlineCache",
    "PathText",
    "accuracy_in_words",
    "as_one_path",
    "balanced_lines",
    "caption",
    "flowed",
    "formula",
    "has_latex",
    "kernel_formulas",
    "label",
    "line_label",
    "line_width",
    "metric_formulas",
    "network_in_words",
    "run_title",
    "symbol_defined",
    "title_block",
    "volume_formulas",
]

FONT = "DejaVu Sans"  # ships with Debian's fontconfig; a clean sans reads well on projectors
QUESTION_SHRINK = 0.8  # a title card's question is shrunk to at most this before it is broken into lines
PAUSE_SLACK = 0.3  # a line may run about this much of its share off, to break after a comma
SCHEME_NAMES = {"c0": "C0 ordinary", "c1": "C1 residual", "c2": "C2 second-order"}
CUSTOM_WORDS = "your own network"  # a custom network (scheme "custom"): its layers are the user's


def network_in_words(run: Run) -> str:
    """ "C2 second-order · sigmoid", or "your own network" for a custom one."""
    if run.is_custom:
        return CUSTOM_WORDS
    return f"{SCHEME_NAMES[run.scheme]}  \u00b7  {run.activation}"


def accuracy_in_words(run: Run, *, digits: int = 1) -> str:
    """ "train accuracy 97.3%", or "accuracy 97.3% on these points" for a network trained elsewhere."""
    accuracy = f"{100 * run.meta['training']['accuracy']:.{digits}f}%"
    trained_here = run.meta["training"]["iterations"] > 0
    return f"train accuracy {accuracy}" if trained_here else f"accuracy {accuracy} on these points"


def label(
    content: str, theme: Theme, *, font_size: float = 24, color: str | None = None, bold: bool = False
) -> VMobject:
    """Text in the house font and the theme's text colour (or ``color``), as one path (see ``as_one_path``);
    its outline typeset once per media folder (``typeset_outline``)."""
    settings = {"font": FONT, "font_size": font_size, "weight": "BOLD" if bold else "NORMAL", "line_spacing": 0.9}
    return filled_path(typeset_outline(left_to_right(content), settings), color=color or theme.text)


OUTLINE_FORMAT = 1  # bump when what typeset_outline stores changes


def typeset_outline(content: str, settings: dict) -> np.ndarray:
    """The letter outlines of ``Text(content, **settings)`` as one point array (P, 3) (``as_one_path``'s).

    Kept beside Manim's own typeset SVGs (``media/texts``) as ``outline-<digest>.npy``: parsing an SVG into
    ``VMobject``s costs ~0.1 s a caption, in every render process and again in every chunk of a parallel
    render, which copies that folder from the counting pass and so finds them. The digest covers the text,
    the settings and Manim's version; a file that cannot be read or written is typeset again."""
    key = repr((OUTLINE_FORMAT, manim.__version__, content, sorted(settings.items())))
    path = Path(config.get_dir("text_dir")) / f"outline-{hashlib.sha256(key.encode()).hexdigest()[:32]}.npy"
    try:
        # Mapped, not read: a header claiming more than the file holds fails here instead of allocating it.
        kept = np.load(path, mmap_mode="r", allow_pickle=False) if path.is_file() else None
        if kept is not None and kept.ndim == 2 and kept.shape[1] == 3 and kept.dtype == np.float64:
            points = np.array(kept)
            if np.isfinite(points).all():
                return points
    except (OSError, ValueError, EOFError, MemoryError):  # written by something else: typeset again
        pass
    points = outline_points(Text(content, **settings))
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as file:
            np.save(file, points, allow_pickle=False)
        os.replace(temporary, path)  # whole or not at all: another process may be reading it
    except OSError:
        temporary.unlink(missing_ok=True)
    return points


LEFT_TO_RIGHT_MARK = "\u200e"


def left_to_right(text: str) -> str:
    """``text`` with a left-to-right mark (which draws nothing) starting every line. Pango lays out a line that
    starts with a right-to-left letter (Hebrew, Arabic) from the right edge of its canvas, where Manim's ``Text``
    finds no letters: a title or class name would vanish. With the mark each line starts on the left, and the
    letters of a right-to-left word still read from right to left."""
    return LEFT_TO_RIGHT_MARK + text.replace("\n", "\n" + LEFT_TO_RIGHT_MARK)


def as_one_path(mobject: Mobject, *, color: str) -> VMobject:
    """A single-colour typeset mobject (``Text``, ``MathTex``) as one leaf ``VMobject`` holding every letter
    outline as a sub-path: Cairo then sets up one path instead of one per character, and fades copy a plain
    point array instead of per-character SVG objects."""
    return filled_path(outline_points(mobject), color=color)


def outline_points(mobject: Mobject) -> np.ndarray:
    """Every outline of ``mobject``'s family, in order, as one point array (P, 3)."""
    parts = [m.points for m in mobject.family_members_with_points()]
    return np.concatenate(parts) if parts else np.zeros((0, 3))


def filled_path(points: np.ndarray, *, color: str) -> VMobject:
    """One ``VMobject`` of ``points`` (P, 3), filled with ``color``, no stroke: how typeset text is drawn."""
    flat = VMobject(fill_color=color, fill_opacity=1.0, stroke_width=0)
    flat.set_points(points)
    return flat


def line_label(text: str, theme: Theme, *, font_size: float, color: str | None = None, bold: bool = False) -> VGroup:
    """A one-line ``label`` whose box reaches from the font's descender to its ascender whatever the letters
    (an invisible bar "|" sets it), so labels arranged in a row sit on one baseline."""
    typeset = Text(left_to_right("|" + text), font=FONT, font_size=font_size, weight="BOLD" if bold else "NORMAL")
    words = as_one_path(VGroup(*typeset[1:]), color=color or theme.text)
    strut = as_one_path(typeset[0], color=theme.background).set_fill(opacity=0)
    strut.set_x(words.get_left()[0] + strut.width / 2)  # height only: no width of its own
    return VGroup(strut, words)


def caption(text: str, theme: Theme, *, font_size: float = 24, width: float | None = None) -> VMobject:
    """A beat's caption in the theme's text colour: as written (explicit line breaks), or with ``width`` (scene
    units) its words flowed into lines no wider than that (``flowed``)."""
    return (
        label(text, theme, font_size=font_size)
        if width is None
        else flowed(text, theme, font_size=font_size, width=width)
    )


def flowed(text: str, theme: Theme, *, font_size: float, width: float, color: str | None = None) -> VMobject:
    """``text``'s words in as few lines as fit in ``width`` (scene units), typeset once: lines are filled greedily
    by their measured widths (``line_width``); should the typeset text come out a hair wider, it is scaled to fit.
    Words joined by a no-break space (U+00A0, e.g. a command) stay on one line."""
    lines: list[str] = []
    for word in re.split(r"[ \t\n]+", text.strip()):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and line_width(candidate, font_size) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    typeset = label("\n".join(lines), theme, font_size=font_size, color=color)
    return typeset.scale_to_fit_width(width) if typeset.width > width else typeset


def title_block(
    question: str,
    lines: Sequence[str],
    theme: Theme,
    *,
    width: float,
    question_size: float = 40,
    sizes: Sequence[float] = (24, 18),
) -> VGroup:
    """A title card: ``question`` in bold over ``lines`` (the run in words, facts) in the muted colour, centred.

    Each line fits ``width`` on its own, so a long question never shrinks the lines under it: the question is
    scaled down to at most ``QUESTION_SHRINK`` of its size, or else broken into balanced lines
    (``balanced_lines``); a line under it that is too wide is scaled to fit.
    """
    whole = label(question, theme, font_size=question_size, bold=True)
    count = 1 if whole.width * QUESTION_SHRINK <= width else math.ceil(whole.width / width)
    heading = (
        VGroup(whole)
        if count == 1
        else VGroup(
            *[
                label(line, theme, font_size=question_size, bold=True)
                for line in balanced_lines(question, count, font_size=question_size)
            ]
        ).arrange(DOWN, buff=0.16)
    )
    rows = [heading, *[label(line, theme, font_size=size, color=theme.muted) for line, size in zip(lines, sizes)]]
    for row in rows:
        if row.width > width:
            row.scale_to_fit_width(width)
    return VGroup(*rows).arrange(DOWN, buff=0.4)


def balanced_lines(text: str, count: int, *, font_size: float) -> list[str]:
    """``text``'s words in ``count`` lines (fewer if it has fewer words) of about equal measured width: the
    breaks minimise the summed squared misfits of the lines, a break after a comma, colon or semicolon earning
    the misfit of ``PAUSE_SLACK`` of a line's share (relative widths only: the same lines in bold)."""
    words = text.split()
    count = max(1, min(count, len(words)))
    share = line_width(text, font_size) / count

    @functools.cache
    def best(start: int, lines: int) -> tuple[float, tuple[int, ...]]:
        """The cheapest breaks of words[start:] into ``lines`` lines: (cost, the end of every line)."""
        if lines == 1:
            return (line_width(" ".join(words[start:]), font_size) - share) ** 2, (len(words),)
        options = []
        for end in range(start + 1, len(words) - lines + 2):
            misfit = (line_width(" ".join(words[start:end]), font_size) - share) ** 2
            misfit -= (PAUSE_SLACK * share) ** 2 if words[end - 1][-1] in ",;:" else 0.0
            rest, ends = best(end, lines - 1)
            options.append((misfit + rest, (end, *ends)))
        return min(options)

    _, ends = best(0, count)
    return [" ".join(words[a:b]) for a, b in zip((0, *ends), ends)]


@functools.cache
def _font_metrics() -> tuple[ImageFont.FreeTypeFont, float] | None:
    """The house font for measuring strings, and scene units per point of its advance at size 1 (from one
    typeset sample); None where Pillow cannot find the font."""
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 100)
    except OSError:
        return None
    sample = "Two classes of points, in the plane."
    return font, Text(sample, font=FONT, font_size=100).width / font.getlength(sample)


def line_width(text: str, font_size: float) -> float:
    """The width (scene units) of ``text`` on one line in the house font, measured without typesetting it
    (0.55 em a character where the font file cannot be read)."""
    metrics = _font_metrics()
    if metrics is None:
        return 0.55 * font_size / 48 * len(text)
    font, units = metrics
    return font.getlength(text) * units * font_size / 100


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _WARNED:
        _WARNED.add(message)
        logger.warning(message)


def has_latex() -> bool:
    """Whether ``MathTex`` can work here (a ``latex`` and a ``dvisvgm`` on the PATH)."""
    return shutil.which("latex") is not None and shutil.which("dvisvgm") is not None


def formula(tex: str, plain: str, theme: Theme, *, color: str | None = None, font_size: float = 34) -> VMobject:
    """``MathTex`` of ``tex`` where LaTeX is installed, else ``plain`` as text (with a warning saying why)."""
    if has_latex():
        return as_one_path(MathTex(tex, font_size=font_size), color=color or theme.text)
    _warn_once("riemann-nn: no LaTeX (latex and dvisvgm) found; formulas are drawn as plain text")
    return label(plain, theme, font_size=font_size * 0.7, color=color)


def metric_formulas(theme: Theme, *, every_layer: bool = True) -> VGroup:
    """The pulled-back metric as typeset formulas with their symbols defined: the input's from the Jacobian of the
    last layer (and in words what that is), and, with ``every_layer``, the same rule in layer ``l``, from how the
    last layer moves with layer ``l``. The notes are broken so that the block is as wide as its formulas."""
    lines = [
        formula(
            r"g_0 = J_L^{\top} J_L, \quad J_L = \frac{\partial x_L}{\partial x_0}",
            "g0 = JL^T JL,  JL = dxL/dx0",
            theme,
            font_size=34,
        ),
        label("the Jacobian: how the last layer\nmoves when the input moves", theme, font_size=17, color=theme.muted),
        symbol_defined(r"x_l", "xl", "a point in layer l; 0: the input,\nL: the last layer", theme),
    ]
    if every_layer:
        lines += [
            formula(
                r"g_l = M_l^{\top} M_l, \quad M_l = \frac{\partial x_L}{\partial x_l}",
                "gl = Ml^T Ml,  Ml = dxL/dxl",
                theme,
                font_size=34,
            ),
            label("the same rule in every layer", theme, font_size=17, color=theme.muted),
        ]
    return VGroup(*lines).arrange(DOWN, aligned_edge=LEFT, buff=0.14)


def symbol_defined(tex: str, plain: str, words: str, theme: Theme, *, font_size: float = 17) -> VGroup:
    """A symbol typeset (``formula``, at the size of its words) and defined in words beside it, in the muted colour:
    "J_L : how the last layer moves when the input moves". ``words`` may hold line breaks (lines after the first
    start under the first, right of the symbol)."""
    symbol = formula(tex, plain, theme, font_size=1.9 * font_size, color=theme.muted)
    text = label(f": {words}", theme, font_size=font_size, color=theme.muted)
    first_line = label(": Ag", theme, font_size=font_size)  # where the first line's middle is
    symbol.next_to(text, LEFT, buff=0.06).set_y(text.get_top()[1] - first_line.height / 2)
    return VGroup(symbol, text)


def volume_formulas(theme: Theme) -> VGroup:
    """The volume element of layer ``l`` as a typeset formula on one line, its symbols in words under it; no wider
    than the story's panel, so that it is never shrunk below legible (sub- and superscripts of 7 px at 480p)."""
    return VGroup(
        formula(
            r"\sqrt{\det g_l} = |\det J_L| \,/\, |\det J_l|", "\u221adet gl = |det JL| / |det Jl|", theme, font_size=32
        ),
        symbol_defined(r"J_l", "Jl", "how layer l follows the input", theme),
        symbol_defined(r"|\det J_l|", "|det Jl|", "how it scales areas", theme),
    ).arrange(DOWN, aligned_edge=LEFT, buff=0.1)


def kernel_formulas(theme: Theme) -> VGroup:
    """The metric of the logit alone and its kernel as typeset formulas, their symbols in words, one to a line; no
    wider than the story's panel."""
    return VGroup(
        formula(r"g = \nabla f \, \nabla f^{\top}", "g = \u2207f \u2207f\u1d40", theme, font_size=36),
        symbol_defined(r"f", "f", "the score (the logit)", theme),
        symbol_defined(r"\nabla f", "\u2207f", "the way it grows fastest", theme),
        formula(
            r"\ker g = \{\, v : \nabla f \cdot v = 0 \,\}", "ker g = {v : \u2207f\u00b7v = 0}", theme, font_size=36
        ),
        label("the directions along level sets", theme, font_size=17, color=theme.muted),
    ).arrange(DOWN, aligned_edge=LEFT, buff=0.14)


def run_title(run: Run, theme: Theme, *, max_width: float = 3.9) -> VGroup:
    """The run's title (``--title``, else its name) over "scheme . activation . depth . dt . accuracy",
    left-aligned, at most ``max_width`` wide."""
    m = run.meta["model"]
    title = label(run.title, theme, font_size=32, bold=True)
    details = label(network_in_words(run), theme, font_size=20, color=theme.muted)
    step = "" if run.is_custom else f"  \u00b7  dt {m['dt']:g}"
    more = label(f"{m['depth']} layers of width 2{step}", theme, font_size=20, color=theme.muted)
    accuracy = label(accuracy_in_words(run), theme, font_size=20, color=theme.muted)
    block = VGroup(title, details, more, accuracy).arrange(direction=(0, -1, 0), aligned_edge=(-1, 0, 0), buff=0.12)
    if block.width > max_width:  # long preset or file names must not run off the frame
        block.scale_to_fit_width(max_width)
    return block


class OutlineCache:
    """Letter outlines of strings, typeset once: ``points(text)`` is (K, 3) with its bounding box at the origin.

    Manim snapshots a scene's family of mobjects when an animation starts and redraws that snapshot each frame;
    swapping ``Text`` submobjects mid-animation would leave the old ones drawn too. So a label that changes
    during an animation is one leaf whose points are rewritten from these cached outlines (``PathText``).
    """

    def __init__(self, theme: Theme, *, font_size: float):
        self.theme, self.font_size = theme, font_size
        self._points: dict[str, np.ndarray] = {}
        self._sizes: dict[str, np.ndarray] = {}

    def points(self, text: str) -> np.ndarray:
        if text not in self._points:
            points = label(text, self.theme, font_size=self.font_size).points
            low, high = points.min(axis=0), points.max(axis=0)
            self._points[text] = points - (low + high) / 2
            self._sizes[text] = (high - low)[:2]
        return self._points[text]

    def size(self, text: str) -> np.ndarray:
        """Width and height (2,) of the typeset string."""
        self.points(text)
        return self._sizes[text]


class PathText(VMobject):
    """Any number of short strings at given places, filled in one colour, as sub-paths of one leaf."""

    def __init__(self, cache: OutlineCache, *, color: str, **kwargs):
        super().__init__(fill_color=color, fill_opacity=1.0, stroke_width=0, **kwargs)
        self.cache = cache
        self.shown: list[str] = []

    def place(
        self,
        texts: list[str],
        anchors: np.ndarray,
        *,
        align: np.ndarray | tuple[float, float] = (0.0, 0.0),
        turned: list[bool] | None = None,
    ) -> PathText:
        """Place each string so that the point ``align`` of its box (-1 left/bottom, 0 centre, 1 right/top; (2,)
        for all or (K, 2), one per string) lies on its anchor (K, 2); strings flagged in ``turned`` are turned a
        quarter anticlockwise (read from the bottom up), ``align`` then applying to the turned box."""
        pieces = []
        turned = turned or [False] * len(texts)
        aligns = np.broadcast_to(np.asarray(align, float), (len(texts), 2))
        for text, anchor, turn, edge in zip(texts, np.asarray(anchors, float).reshape(-1, 2), turned, aligns):
            outline, size = self.cache.points(text), self.cache.size(text)
            if turn:
                outline, size = outline @ _QUARTER_TURN.T, size[::-1]
            offset = anchor - edge * size / 2  # where the box centre goes
            pieces.append(outline + np.append(offset, 0.0))
        self.shown = list(texts)
        self.set_points(np.concatenate(pieces) if pieces else np.zeros((0, 3)))
        return self


_QUARTER_TURN = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # (x, y) -> (-y, x)
