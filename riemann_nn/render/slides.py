"""One story, two outputs: a manim-slides ``Slide`` where manim-slides is installed, a plain ``Scene`` otherwise.

A scene subclasses ``slide_base()`` and calls ``self.next_slide()`` at the start of every beat, and
``self.add_note(text)`` for whatever the presenter should have in the speaker notes of the slide playing (the
lecture adds every caption it shows, so its captions become the notes). With manim-slides each beat becomes a
slide with those notes, written under ``<media_dir>/slides/`` next to the usual MP4; without it ``next_slide``
and ``add_note`` do nothing and ``manim`` renders the same video.
"""

from __future__ import annotations

from pathlib import Path

from manim import Scene, config

__all__ = ["SLIDES_FOLDER", "SceneWithoutSlides", "slide_base"]

SLIDES_FOLDER = "slides"  # under manim's media_dir: media/slides/<Scene>.json and media/slides/files/<Scene>/


class SceneWithoutSlides(Scene):
    """A plain ``Scene`` that accepts manim-slides' ``next_slide`` and ignores it."""

    is_slide = False

    def next_slide(self, *args, notes: str = "", **kwargs) -> None:
        """Where a slide would end: nothing to do in a plain video (``notes`` are for presenters)."""

    def add_note(self, text: str) -> None:
        """A paragraph of the current slide's speaker notes: nothing to keep in a plain video."""


def slide_base() -> type[Scene]:
    """The base class of a lecture: manim-slides' ``Slide`` writing its slides to ``<media_dir>/slides``
    when ``manim_slides`` can be imported, else ``SceneWithoutSlides``."""
    try:
        from manim_slides import Slide  # type: ignore[attr-defined, unused-ignore]  # re-exported lazily by manim-slides
    except ImportError:
        return SceneWithoutSlides

    # manim-slides 5.7 sets two settings that Manim 0.22 dropped or narrowed: ``write_to_movie`` (for the OpenGL
    # renderer only) and ``max_files_cached = inf`` (0.22 wants -1 for unlimited, and has no ``flush_cache``).
    legacy_manim = hasattr(type(config), "write_to_movie")

    class SlideInMedia(Slide):
        """A ``Slide`` whose slide files go under manim's media folder instead of ``./slides``."""

        is_slide = True

        def __init__(self, *args, **kwargs):
            # Absolute: manim-slides reads the slide files' paths relative to the folder's parent, which for
            # media/slides is media/, not the directory the relative paths were written from.
            kwargs.setdefault("output_folder", Path(config.media_dir).resolve() / SLIDES_FOLDER)
            if legacy_manim:
                super().__init__(*args, **kwargs)
            else:  # skip Slide.__init__'s write_to_movie: the Cairo renderer writes the movie anyway
                super(Slide, self).__init__(*args, **kwargs)

        def add_note(self, text: str) -> None:
            """Add ``text`` as a paragraph of the speaker notes of the slide playing (its ``next_slide(notes=...)``
            first). The notes live in the slide's configuration until the next ``next_slide`` (or the end)
            closes the slide: manim-slides keeps it as ``_base_slide_config``."""
            config = self._base_slide_config
            config.notes = f"{config.notes}\n\n{text}" if config.notes else text

        def render(self, *args, **kwargs):
            if legacy_manim:
                return super().render(*args, **kwargs)
            # Slide.render for Manim 0.22: slides are cut from the partial movie files, so keep them all.
            kept = config["max_files_cached"]
            config["max_files_cached"] = -1
            try:
                Scene.render(self, *args, **kwargs)
            finally:
                config["max_files_cached"] = kept
            self._save_slides(
                use_cache=not (config["disable_caching"] or self.disable_caching),
                flush_cache=self.flush_cache,
                skip_reversing=self.skip_reversing,
            )

    return SlideInMedia
