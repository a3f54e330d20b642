"""Pull frames out of a video as PNGs: python scripts/frames.py VIDEO OUT_DIR T1 T2 ... (seconds)."""

import sys
from pathlib import Path

import av


def main(video: str, out_dir: str, *times: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wanted = sorted(float(t) for t in times)
    with av.open(video) as container:
        stream = container.streams.video[0]
        print(
            f"{video}: {stream.frames} frames, {float(stream.duration * stream.time_base):.2f} s, "
            f"{stream.average_rate} fps, {stream.width}x{stream.height}"
        )
        for frame in container.decode(stream):
            while wanted and frame.time >= wanted[0] - 1e-6:
                path = out / f"frame_{wanted.pop(0):06.2f}.png"
                frame.to_image().save(path)
                print(path)
            if not wanted:
                break


if __name__ == "__main__":
    main(*sys.argv[1:])
