"""The encoder's frames: ``rgba_frame`` against PyAV's ``from_ndarray``, and Manim's encoder writing the very same
packets with it installed."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from manim._config.video_encoder import VideoEncoderSpec
from manim.scene.video_segment_encoder import VideoSegmentEncoder

from riemann_nn.render import encoding


@pytest.mark.parametrize("height, width", [(2, 2), (8, 14), (36, 64), (46, 34)])  # 14, 34: rows padded in the plane
def test_rgba_frame_equals_from_ndarray(height, width):
    pixels = np.random.default_rng(height * width).integers(0, 256, size=(height, width, 4), dtype=np.uint8)
    ours, theirs = encoding.rgba_frame(pixels), av.VideoFrame.from_ndarray(pixels, format="rgba")
    assert ours.format.name == theirs.format.name == "rgba"
    assert (ours.width, ours.height) == (width, height)
    np.testing.assert_array_equal(ours.to_ndarray(), pixels)
    np.testing.assert_array_equal(
        ours.reformat(format="yuv420p").to_ndarray(), theirs.reformat(format="yuv420p").to_ndarray()
    )


def encode(path: Path, frames: list[np.ndarray], write) -> list[bytes]:
    """``frames`` through Manim's segment encoder with ``write`` as its write_frame: the packets' bytes."""
    height, width, _ = frames[0].shape
    spec = VideoEncoderSpec(
        "mp4", "libx264", "yuv420p", width, height, Fraction(15), (("crf", "20"), ("preset", "veryfast"))
    )
    encoder = VideoSegmentEncoder(target=path, spec=spec)
    for k, frame in enumerate(frames):
        write(encoder, frame, repeat=1 + k % 2)  # repeats too
    encoder.finish()
    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux(video=0) if packet.size]


def test_manims_encoder_writes_the_same_packets_with_it_installed(tmp_path):
    rng = np.random.default_rng(1)
    base = rng.integers(0, 256, size=(36, 66, 4), dtype=np.uint8)
    frames = [np.ascontiguousarray(np.roll(base, 3 * k, axis=1)) for k in range(12)]  # motion, not noise alone
    assert encoding.install()  # the scenes install it: here, or earlier in this process
    assert encoding.manims_write_frame is not None
    assert VideoSegmentEncoder.write_frame is not encoding.manims_write_frame
    theirs = encode(tmp_path / "theirs.mp4", frames, encoding.manims_write_frame)
    ours = encode(tmp_path / "ours.mp4", frames, VideoSegmentEncoder.write_frame)
    assert len(theirs) >= 18 and ours == theirs
