"""Muted text stays readable in every theme: the timeline's times and the comment
tree's headers take their colour from the theme, resolved against the widget's
background (component styles read with partial=True came out white, which is
invisible on textual-light's light grey)."""

from __future__ import annotations

import pytest
from test_app import make_app, seeded_store, wait_for
from textual.color import Color


def contrast(a: Color, b: Color) -> float:
    la, lb = sorted((a.brightness, b.brightness))
    return lb - la


@pytest.mark.parametrize("theme", ["textual-light", "textual-dark", "solarized-light", "nord"])
async def test_timeline_times_contrast_with_the_background(theme):
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.timeline.rows) > 2)
        app.theme = theme
        await pilot.pause()
        strip = app.timeline.render_line(2)  # not the cursor row
        background = Color.from_rich_color(app.timeline.rich_style.bgcolor)
        times = [
            seg for seg in strip if seg.text.strip().endswith(("h", "m", "d", "w", "y", "s")) and seg.style
        ]
        assert times, [seg.text for seg in strip]
        for seg in times:
            colour = Color.from_rich_color(seg.style.color)
            assert contrast(colour, background) > 0.25, (theme, seg.text, colour, background)
