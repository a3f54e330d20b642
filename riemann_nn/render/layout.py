"""Where the story's stage goes in a frame of any shape (``riemann-nn render --aspect``).

A wide frame (16:9, 4:3, 1:1) puts the plot on the left and the panel (header, network diagram, layer counter,
caption, legend) in a column on the right; a tall one (9:16) puts the plot on top and the panel under it, as wide
as the frame. Distances are in Manim units from the frame's edges, so text keeps its size on screen: Manim's
frame is 8 units across its shorter side at every aspect (``jobs.job.frame_geometry``). At 16:9 the layout is
exactly the one the scenes were designed on (plot x -6.25 .. 2.35, panel from x = 2.95, 3.95 wide).
"""

from __future__ import annotations

from dataclasses import dataclass

from .framing import PlotRegion

__all__ = ["StageLayout"]

DESIGN_HALF_WIDTH = 8 * 16 / 9 / 2  # the 16:9 frame the scenes were designed on: plot from -6.25, panel 2.95
EDGE = DESIGN_HALF_WIDTH - 2.95 - 3.95  # frame edge to the panel (0.21)
AXIS_ROOM = DESIGN_HALF_WIDTH - 6.25  # frame edge to the plot on the side of its axis labels (0.86)
BELOW_PLOT = 0.65  # under the plot: its tick labels and axis name
ABOVE_PLOT = 0.35  # over the plot: the zoom note
GAP = 0.6  # plot to panel
PANEL_WIDTH = 3.95  # the panel column at 16:9 ...
NARROW_PANEL = 3.3  # ... and the narrowest it gets (1:1), before the plot would shrink below the panel's height
# The panel's rows, from its top: header, network diagram, layer counter, caption (then free room, the legend).
HEADER, DIAGRAM, COUNTER, CAPTION = 0.18, 0.94, 1.88, 2.24
LEGEND_ROOM = 0.28  # the legend's bottom above the frame's bottom edge


@dataclass(frozen=True)
class StageLayout:
    """The plot region and the panel's rows of a frame ``width`` x ``height`` (Manim units)."""

    width: float
    height: float
    plot: PlotRegion
    panel_left: float
    panel_width: float
    header_top: float
    diagram_top: float
    counter_y: float
    caption_top: float
    legend_bottom: float

    @property
    def card_width(self) -> float:
        """The widest a full-frame title card may be."""
        return 0.9 * self.width

    @classmethod
    def for_frame(cls, width: float, height: float) -> StageLayout:
        """The layout of a frame ``width`` x ``height``: panel beside the plot when the frame is at least as
        wide as it is tall, under it otherwise."""
        top, bottom, left, right = height / 2, -height / 2, -width / 2, width / 2
        if width >= height:
            panel_width = min(PANEL_WIDTH, max(NARROW_PANEL, 0.28 * width))
            panel_left = right - EDGE - panel_width
            plot = PlotRegion(left + AXIS_ROOM, panel_left - GAP, bottom + BELOW_PLOT, top - ABOVE_PLOT)
            panel_top = top
        else:
            side = width - AXIS_ROOM - EDGE  # a square plot as wide as the frame allows
            plot = PlotRegion(left + AXIS_ROOM, right - EDGE, top - ABOVE_PLOT - side, top - ABOVE_PLOT)
            panel_left, panel_width = left + EDGE, width - 2 * EDGE
            panel_top = plot.bottom - BELOW_PLOT
        return cls(
            width=width,
            height=height,
            plot=plot,
            panel_left=panel_left,
            panel_width=panel_width,
            header_top=panel_top - HEADER,
            diagram_top=panel_top - DIAGRAM,
            counter_y=panel_top - COUNTER,
            caption_top=panel_top - CAPTION,
            legend_bottom=bottom + LEGEND_ROOM,
        )
