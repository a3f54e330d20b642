"""Join the pieces of a chunked render: the videos by remuxing (no re-encoding), the subtitles by shifting
their cues onto the joined video's clock.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import RenderError


def join_videos(parts: list[Path], output: Path) -> int:
    """Concatenate MP4 ``parts`` into ``output`` packet by packet (FFmpeg's concat demuxer through PyAV, as
    Manim joins its partial movie files): no frame is decoded or encoded again. Returns the packets written.

    Raises ``RenderError`` unless every part has the same codec, profile, size, pixel format, frame rate and
    codec header (SPS/PPS) (the parts of one scene, rendered with the same settings, always do).
    """
    import av

    reference = None
    for part in parts:
        with av.open(str(part)) as container:
            stream = container.streams.video[0]
            context = stream.codec_context
            facts = (
                context.name,
                context.profile,
                context.width,
                context.height,
                context.pix_fmt,
                stream.guessed_rate,
                bytes(context.extradata or b""),
            )
        if reference is None:
            reference = facts
        elif facts != reference:
            raise RenderError(f"cannot join {part.name}: its codec parameters differ from {parts[0].name}")
    manifest = "".join(f"file 'file:{part.as_posix()}'\n" for part in parts).encode()
    packets = 0
    with (
        av.open(io.BytesIO(manifest), mode="r", format="concat", options={"safe": "0"}) as source,
        av.open(str(output), mode="w") as target,
    ):
        stream = source.streams.video[0]
        joined = target.add_stream_from_template(template=stream)
        for packet in source.demux(stream):
            if packet.dts is None:  # the demuxer's empty flush packets
                continue
            packet.dts = None  # each part starts its own clock; the muxer derives monotonic ones
            packet.stream = joined
            target.mux(packet)
            packets += 1
    return packets


# The WebVTT header text of subtitles whose cues are on their own video's clock (the story base's, computed
# from the frames a chunk wrote), unlike Manim's subcaptions (on the scene's clock, skipped plays included).
VIDEO_CLOCK = "riemann-nn: cues on this video's clock"


@dataclass(frozen=True)
class Cue:
    """One subtitle: seconds from the start, text, and WebVTT cue settings (position etc.) if any."""

    start: float
    end: float
    text: str
    settings: str = ""


_TIME = r"(?:(\d+):)?(\d{2}):(\d{2})[.,](\d{3})"
_TIMING = re.compile(rf"^{_TIME}\s*-->\s*{_TIME}(.*)$")


def _seconds(hours, minutes, seconds, millis) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def parse_subtitles(text: str) -> tuple[str, list[Cue]]:
    """The header (WebVTT's ``WEBVTT`` block and any STYLE/NOTE blocks before the first cue; empty for SRT)
    and the cues of an SRT or WebVTT file."""
    header: list[str] = []
    cues: list[Cue] = []
    for block in re.split(r"\r?\n\s*\r?\n", text.strip("\ufeff\r\n ")):
        lines = block.splitlines()
        matches = [(i, _TIMING.match(line.strip())) for i, line in enumerate(lines)]
        timing, match = next(((i, m) for i, m in matches if m), (None, None))
        if timing is None or match is None:
            if not cues:
                header.append(block)
            continue
        groups = match.groups()
        cues.append(
            Cue(_seconds(*groups[0:4]), _seconds(*groups[4:8]), "\n".join(lines[timing + 1 :]), groups[8].strip())
        )
    return "\n\n".join(header), cues


def format_subtitles(header: str, cues: list[Cue], *, suffix: str) -> str:
    """Cues as an SRT (``suffix`` ".srt") or WebVTT (".vtt") file."""

    def stamp(seconds: float) -> str:
        millis = max(round(seconds * 1000), 0)
        hours, millis = divmod(millis, 3_600_000)
        minutes, millis = divmod(millis, 60_000)
        seconds, millis = divmod(millis, 1000)
        return f"{hours:02d}:{minutes:02d}:{seconds:02d}{',' if suffix == '.srt' else '.'}{millis:03d}"

    blocks = [] if suffix == ".srt" else [header or "WEBVTT"]
    for number, cue in enumerate(cues, start=1):
        settings = f" {cue.settings}" if cue.settings and suffix == ".vtt" else ""  # SRT has no cue settings
        timing = f"{stamp(cue.start)} --> {stamp(cue.end)}{settings}"
        blocks.append(f"{number}\n{timing}\n{cue.text}" if suffix == ".srt" else f"{timing}\n{cue.text}")
    return "\n\n".join(blocks) + "\n"


@dataclass(frozen=True)
class Piece:
    """One chunk's subtitle file (or None) and where it sits: ``scene_start`` is the scene time at which the
    chunk's first animation starts on the chunk's own clock (Manim's ``renderer.time``, where each skipped
    animation counts its run time), ``video_start`` where its first frame sits in the joined video,
    ``duration`` the length of its video."""

    path: Path | None
    scene_start: float
    video_start: float
    duration: float
    video_clock: bool = False  # the cues are on the chunk's own video clock (``VIDEO_CLOCK``)


def join_subtitles(pieces: list[Piece], output: Path, *, tolerance: float = 2e-3) -> int:
    """Write the cues of every chunk onto the joined video's clock; returns the number of cues.

    Cues on a chunk's own video clock (``Piece.video_clock``) move by ``video_start``, and a caption cut at
    the seam of two chunks becomes one cue again. Otherwise (Manim's subcaptions) a chunk also holds the cues
    of the animations it skipped (Manim adds a play's subtitle whether or not
    the play is skipped): only cues that start within a chunk's own stretch of time are kept, so each cue
    comes from the one chunk that rendered it (a cue added between two plays at a chunk boundary belongs
    to the later chunk). A kept cue moves by ``video_start - scene_start``: the joined file then matches a
    one-process render's to the millisecond.
    """
    header, joined = "", list[Cue]()
    for piece in pieces:
        if piece.path is None:
            continue
        piece_header, cues = parse_subtitles(piece.path.read_text(encoding="utf-8"))
        header = header or piece_header
        if piece.video_clock:  # each cue once, already cut to the chunk: move it to where the chunk starts
            for cue in cues:
                moved = Cue(cue.start + piece.video_start, cue.end + piece.video_start, cue.text, cue.settings)
                if joined and joined[-1].text == moved.text and abs(joined[-1].end - moved.start) <= tolerance:
                    joined[-1] = Cue(joined[-1].start, moved.end, moved.text, moved.settings)  # one caption, cut
                else:  # at the seam of two chunks
                    joined.append(moved)
            continue
        shift = piece.video_start - piece.scene_start
        end = piece.scene_start + piece.duration - tolerance if piece is not pieces[-1] else float("inf")
        joined += [
            Cue(cue.start + shift, cue.end + shift, cue.text, cue.settings)
            for cue in cues
            if piece.scene_start - tolerance <= cue.start < end
        ]
    output.write_text(format_subtitles(header, joined, suffix=output.suffix), encoding="utf-8")
    return len(joined)
