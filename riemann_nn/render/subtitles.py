"""Subtitles: a scene's captions as WebVTT and SubRip files beside its video, timed to the frames in the video.

A caption is recorded at the moment it starts to fade in and the moment it has faded out, each as a point inside
one animation (``play`` call) of the scene: ``(play index, fraction of that play's run time)``. A ``PlayLog``
knows, for every play, how many frames it put into the movie and how many came before it, so a point maps to
the movie's clock: ``(frames before the play + fraction x the play's frames) / fps``, within one frame of the
fade. A play Manim skipped (``-n a,b`` renders only some animations) puts no frame into the movie: points in it
fall on the movie's clock where it would have been, so a chunk render gets cues relative to its own video (a cue
wholly outside the chunk is dropped, one that runs across the chunk's edge is cut there), and chunks joined
later keep their cues in step. A play Manim reused from its cache puts its cached frames in.

Cue timing rule: a cue starts when its caption starts to fade in and ends when it has faded out (or when the
video ends); captions never overlap, so neither do cues. The WebVTT header says the cues are on the video's own
clock (``jobs.join.VIDEO_CLOCK``): the chunk joiner then moves them by where the chunk starts and makes a
caption cut at a seam one cue again.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..jobs.join import VIDEO_CLOCK
from ..outputs import atomic_write

__all__ = [
    "MIN_READING_SECONDS",
    "SECONDS_PER_WORD",
    "Cue",
    "PlayLog",
    "reading_seconds",
    "srt_text",
    "vtt_text",
    "write_subtitles",
]

MIN_READING_SECONDS = 2.5
SECONDS_PER_WORD = 0.33
LINE_WIDTH = 42  # characters per subtitle line, the usual broadcast limit


def reading_seconds(text: str) -> float:
    """How long a caption must be fully visible to be read: 2.5 s, or 0.33 s per word if longer."""
    return max(MIN_READING_SECONDS, SECONDS_PER_WORD * len(text.split()))


@dataclass(frozen=True)
class Cue:
    """A caption on the movie's clock: ``start`` and ``end`` in seconds."""

    start: float
    end: float
    text: str


@dataclass
class PlayLog:
    """Frames every play put into the movie, at ``fps`` frames per second; the caption points to time."""

    fps: float
    frames: list[int] = field(default_factory=list)  # per play, in the movie
    spans: list[tuple[str, tuple[int, float], tuple[int, float] | None]] = field(default_factory=list)

    def add_play(self, frames: int) -> None:
        self.frames.append(int(frames))

    def open_cue(self, text: str, at: tuple[int, float]) -> None:
        """A caption starts to fade in at ``at`` (play index, fraction of the play)."""
        self.spans.append((text, at, None))

    def close_cue(self, at: tuple[int, float]) -> None:
        """The caption on screen has faded out at ``at``."""
        if self.spans and self.spans[-1][2] is None:
            text, start, _ = self.spans[-1]
            self.spans[-1] = (text, start, at)

    def seconds(self, at: tuple[int, float] | None) -> float:
        """A point on the movie's clock; None (or a play not logged) is the movie's end."""
        if at is None or at[0] >= len(self.frames):
            return sum(self.frames) / self.fps
        play, fraction = at
        return (sum(self.frames[:play]) + min(max(fraction, 0.0), 1.0) * self.frames[play]) / self.fps

    def cues(self) -> list[Cue]:
        """The captions that show in the movie, in order; those shorter than a frame are left out."""
        timed = [Cue(self.seconds(start), self.seconds(end), text) for text, start, end in self.spans]
        return [cue for cue in timed if cue.end - cue.start >= 1 / self.fps]


def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


def _lines(text: str) -> str:
    """A caption's words re-wrapped for the bottom of a video: its own line breaks were for the side panel."""
    return "\n".join(textwrap.wrap(" ".join(text.split()), LINE_WIDTH, break_on_hyphens=False))


def vtt_text(cues: list[Cue]) -> str:
    """A WebVTT file whose header says its cues are on the video's own clock (``jobs.join`` joins chunks so)."""
    blocks = [f"{i}\n{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{_lines(c.text)}" for i, c in enumerate(cues, 1)]
    return f"WEBVTT - {VIDEO_CLOCK}\n\n" + "\n\n".join(blocks) + "\n"


def srt_text(cues: list[Cue]) -> str:
    blocks = [f"{i}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{_lines(c.text)}" for i, c in enumerate(cues, 1)]
    return "\n\n".join(blocks) + "\n"


def write_subtitles(cues: list[Cue], movie: str | Path) -> tuple[Path, Path]:
    """Write ``<movie>.vtt`` and ``<movie>.srt`` beside the movie, each atomically (``outputs.atomic_write``):
    (vtt path, srt path)."""
    movie = Path(movie)

    def writer(text: str) -> Callable[[BinaryIO], None]:
        def write(handle: BinaryIO) -> None:
            handle.write(text.encode("utf-8"))

        return write

    return (
        atomic_write(movie.with_suffix(".vtt"), writer(vtt_text(cues))),
        atomic_write(movie.with_suffix(".srt"), writer(srt_text(cues))),
    )
