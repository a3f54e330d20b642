"""Frames handed to Manim's video encoder without PyAV's slow ``VideoFrame.from_ndarray``.

Manim's encoder thread turns every frame's RGBA array into a PyAV frame with ``from_ndarray``, which at 1080p
costs about 12 ms a frame (PyAV 18) while holding the interpreter lock the drawing thread needs; copying the
array into a new frame's plane is one ``memcpy`` (0.7 ms) and gives the same frame, hence the same packets.
``install()`` puts that copy into Manim's ``VideoSegmentEncoder.write_frame`` once per process, after checking
on a probe that the copy equals ``from_ndarray``'s frame; if Manim's encoder is not the one this was written
against, nothing is changed.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import av
import numpy as np

__all__ = ["install", "manims_write_frame", "rgba_frame"]

manims_write_frame = None  # Manim's own VideoSegmentEncoder.write_frame, once install() has replaced it


def rgba_frame(pixels: np.ndarray) -> av.VideoFrame:
    """An RGBA ``VideoFrame`` holding ``pixels`` (H, W, 4) uint8: each row copied into the plane, whose rows
    may be padded (``line_size`` >= 4 W)."""
    height, width, _ = pixels.shape
    frame = av.VideoFrame(width, height, "rgba")
    plane = frame.planes[0]
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(
        height, plane.line_size
    )  # (H, line_size), padding at the end
    rows[:, : 4 * width] = pixels.reshape(height, 4 * width)
    return frame


def _same_as_from_ndarray() -> bool:
    probe = np.random.default_rng(0).integers(0, 256, size=(7, 13, 4), dtype=np.uint8)  # odd width: padded rows
    ours, theirs = rgba_frame(probe), av.VideoFrame.from_ndarray(probe, format="rgba")
    return (ours.format.name, ours.width, ours.height) == (theirs.format.name, theirs.width, theirs.height) and (
        np.array_equal(ours.to_ndarray(), theirs.to_ndarray())
    )


@functools.cache
def install() -> bool:
    """Make Manim's encoder build its frames with ``rgba_frame``; whether it now does."""
    try:
        from manim.scene.video_segment_encoder import VideoSegmentEncoder
    except ImportError:
        return False
    original = getattr(VideoSegmentEncoder, "write_frame", None)
    needed = ("_validate_frame", "_operation_error")
    if original is None or not all(hasattr(VideoSegmentEncoder, name) for name in needed):
        return False
    if not _same_as_from_ndarray():
        return False

    def write_frame(self, pixels, *, repeat: int = 1) -> None:
        # Manim's own write_frame (0.22), with rgba_frame for from_ndarray.
        self._validate_frame(pixels, repeat)
        time_base = Fraction(self.spec.frame_rate.denominator, self.spec.frame_rate.numerator)
        try:
            for _ in range(repeat):
                frame = rgba_frame(pixels)
                frame.pts = self._next_pts
                frame.time_base = time_base
                self._next_pts += 1
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as error:
            raise self._operation_error("encode", error) from error

    global manims_write_frame
    manims_write_frame = original
    write_frame.__doc__ = original.__doc__
    VideoSegmentEncoder.write_frame = write_frame  # type: ignore[method-assign]
    return True
