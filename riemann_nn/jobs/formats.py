"""The formats ``riemann-nn render -o`` writes, chosen by the output's extension: MP4 as Manim renders it, WebM
(VP9) and GIF converted from it with PyAV (FFmpeg's encoders and filters, no ffmpeg program needed).

A GIF has 256 colours a frame and no inter-frame compression but rectangles: FFmpeg's two-pass palette
(``palettegen`` over the whole video, then ``paletteuse``) picks the 256 colours the video actually uses, and
``diff_mode=rectangle`` with the encoder's transparent differences writes only what changed from the previous
frame, so the static background, the panel and the captions cost nothing after their first frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

from ..errors import ConfigError

# A GIF pays for every pixel that changes, and in these videos thousands of points and grid lines move in
# every frame: 640 pixels wide, 10 frames a second and 128 colours keep the 70 s default video (480p) under
# 10 MB (9.0 MB measured) with motion still smooth and every line and label crisp.
GIF_FPS = 10  # frames per second; GIF delays are centiseconds
GIF_MAX_WIDTH = 640  # pixels: wider renders are scaled down (a 4K render still makes a GIF of a sensible size)
GIF_COLORS = 128  # the palette, chosen from the whole video (palettegen): the videos use few colours
STEADY = 6  # of 255: a pixel changing less keeps its previous value (the MP4's coding noise; no visible ghost)
WEBM_CRF = 32  # VP9 constant quality (lower is better and larger); 32 is crisp for line art at 480p-1080p


def convert_mp4(source: Path, target: Path) -> None:
    """Write the MP4 ``source`` as ``target`` in the format of ``target``'s extension."""
    CONVERTERS[output_format(target)](source, target)


def output_format(path: Path) -> str:
    """``.mp4``, ``.webm`` or ``.gif``: the extension of ``path``; ``ConfigError`` for any other."""
    suffix = path.suffix.lower()
    if suffix not in CONVERTERS:
        raise ConfigError(f"output {path} must end in {', '.join(CONVERTERS)} (the format is chosen by the extension)")
    return suffix


def _frames(source: Path) -> Iterator:
    import av

    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        yield from container.decode(stream)


def _copy(source: Path, target: Path) -> None:
    import shutil

    shutil.copyfile(source, target)


def to_webm(source: Path, target: Path) -> None:
    """VP9 in WebM at the source's size and frame rate (constant quality ``WEBM_CRF``)."""
    import av

    with av.open(str(source)) as probe:
        video = probe.streams.video[0]
        rate, width, height = video.average_rate or Fraction(15), video.codec_context.width, video.codec_context.height
    with av.open(str(target), mode="w", format="webm") as output:
        stream = output.add_stream("libvpx-vp9", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(WEBM_CRF), "b": "0", "row-mt": "1", "deadline": "realtime", "cpu-used": "8"}
        for index, frame in enumerate(_frames(source)):
            picture = frame.reformat(format="yuv420p")
            picture.pts, picture.time_base = index, 1 / rate
            output.mux(stream.encode(picture))
        output.mux(stream.encode(None))


def to_gif(source: Path, target: Path) -> None:
    """A palette-optimised GIF at ``GIF_FPS`` frames per second, at most ``GIF_MAX_WIDTH`` pixels wide."""
    import av
    from av.filter import Graph

    def frames() -> Iterator:  # the GIF's frames, as rgb24 av frames on its own clock
        for index, picture in enumerate(_steady_frames(source)):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, GIF_FPS)
            yield frame

    def filtered(description: str, extra: list | None = None) -> Iterator:
        """The frames through one filter (``palettegen``, or ``paletteuse`` with the palette as its second input)."""
        graph = Graph()
        first = next(frames())
        video = graph.add_buffer(width=first.width, height=first.height, format=first.format, time_base=first.time_base)
        name, _, arguments = description.partition("=")
        node = graph.add(name, arguments)
        video.link_to(node, 0, 0)
        inputs = [(video, frames())]
        if extra is not None:
            palette = graph.add_buffer(
                width=extra[0].width, height=extra[0].height, format=extra[0].format, time_base=first.time_base
            )
            palette.link_to(node, 0, 1)
            inputs.append((palette, iter(extra)))
        sink = graph.add("buffersink")
        node.link_to(sink)
        graph.configure()
        for buffer, source_frames in reversed(inputs):  # the palette first: paletteuse waits for it
            for frame in source_frames:
                buffer.push(frame)
                yield from _drain(sink)
            buffer.push(None)
        yield from _drain(sink, final=True)

    palette = list(filtered(f"palettegen=stats_mode=diff:max_colors={GIF_COLORS}:reserve_transparent=1"))[-1]
    palette.pts, palette.time_base = 0, Fraction(1, GIF_FPS)
    with av.open(str(target), mode="w", format="gif") as output:
        stream = output.add_stream("gif", rate=GIF_FPS)
        first = next(frames())
        stream.width, stream.height, stream.pix_fmt = first.width, first.height, "pal8"
        stream.options = {"gifflags": "+offsetting+transdiff"}
        for index, frame in enumerate(filtered("paletteuse=dither=none:diff_mode=rectangle", [palette])):
            frame.pts, frame.time_base = index, Fraction(1, GIF_FPS)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))


def _steady_frames(source: Path) -> Iterator:
    """The video's frames at ``GIF_FPS``, scaled to ``GIF_MAX_WIDTH``, as (H, W, 3) uint8 arrays in which pixels
    that barely changed keep their previous value: the MP4's coding noise would otherwise change pixels all
    over every frame, and a GIF pays for every changed pixel."""
    import numpy as np

    previous = None
    next_time = 0.0
    for frame in _frames(source):
        if frame.time is not None and frame.time + 1e-9 < next_time:
            continue  # fewer frames a second than the video
        next_time += 1.0 / GIF_FPS
        scale = min(1.0, GIF_MAX_WIDTH / frame.width)
        size = (2 * round(frame.width * scale / 2), 2 * round(frame.height * scale / 2))
        picture = frame.reformat(width=size[0], height=size[1], format="rgb24", interpolation="AREA").to_ndarray()
        if previous is not None:
            still = (np.abs(picture.astype(np.int16) - previous).max(axis=2) < STEADY)[..., None]  # (H, W, 1)
            picture = np.where(still, previous, picture).astype(np.uint8)
        previous = picture
        yield picture


def _drain(sink, *, final: bool = False) -> Iterator:
    """Every frame a filter graph's sink holds now (at the end: until the graph is empty)."""
    import av

    while True:
        try:
            yield sink.pull()
        except av.BlockingIOError:
            if not final:
                return
        except av.EOFError:
            return


CONVERTERS: dict[str, Callable[[Path, Path], None]] = {".mp4": _copy, ".webm": to_webm, ".gif": to_gif}
