"""The timeline and the map, drawn server-side with matplotlib as deterministic SVG.

No tile server: the map draws the shipped Natural Earth boundary (``ceasefire.geo``'s data, as
``services.map_data.boundary`` simplifies it) and the agreement's sector boxes. The SVG is made
reproducible by fixing matplotlib's id salt (``svg.hashsalt``), dropping the date metadata and
keeping text as text (no glyph paths, whose ids depend on the fonts installed).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from ceasefire.briefs.model import Brief

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STATUS_COLOURS: Final = {
    "verified": "#b2182b",
    "case": "#ef8a62",
    "dismissed": "#999999",
    "confirmed": "#2166ac",
    "unconfirmed": "#67a9cf",
}
COUNTRY_FILLS: Final = {"AF": "#f4efe1", "PK": "#e9f0e4"}
PARTY_COLOURS: Final = ("#1b7837", "#762a83", "#e08214", "#4d4d4d", "#2166ac", "#b2182b")
_STYLE: Final[Any] = {
    "svg.hashsalt": "ceasefire-brief",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@contextmanager
def _drawing(width: float, height: float) -> Iterator[Figure]:
    """A figure of ``width`` × ``height`` inches in the brief's style. matplotlib is imported
    here, when a brief is drawn: importing it takes about half a second, which every CLI
    command and every server start used to pay."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    with mpl.rc_context(_STYLE):
        yield Figure(figsize=(width, height))


def timeline_svg(brief: Brief) -> str:
    """Reports received per day, stacked by alleged party; the brief's own period shaded."""
    from matplotlib.ticker import MaxNLocator

    with _drawing(7.0, 2.4) as figure:
        axes = figure.add_subplot()
        days = [day for day, _ in brief.per_day]
        parties = [party for party, _ in brief.per_day[0][1]] if brief.per_day else []
        names = dict(brief.parties)
        bottom = [0] * len(days)
        for n, party in enumerate(parties):
            values = [dict(counts)[party] for _, counts in brief.per_day]
            axes.bar(
                range(len(days)),
                values,
                bottom=bottom,
                color=PARTY_COLOURS[n % len(PARTY_COLOURS)],
                label=f"against {names.get(party, party)}",
                width=0.8,
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        first = days.index(brief.current.first.isoformat()) if days else 0
        axes.axvspan(first - 0.5, len(days) - 0.5, color="#f0f0f0", zorder=0)
        step = max(1, len(days) // 10)
        axes.set_xticks(range(0, len(days), step), [d[5:] for d in days[::step]])
        axes.set_ylabel("reports")
        axes.set_xlim(-0.5, len(days) - 0.5)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # reports come whole
        top = max(bottom, default=0)
        axes.set_ylim(0, max(1, top) * 1.35)  # headroom: the legend never sits on a bar
        if parties:
            axes.legend(loc="upper left", frameon=False, ncols=len(parties))
        axes.set_title("Reports received per day (shaded: this period)", loc="left")
        figure.tight_layout()
        return _svg(figure)


def map_svg(brief: Brief, boundary: Mapping[str, Any]) -> str:
    """The period's new incidents over the two countries, the border line and the sectors."""
    with _drawing(7.0, 5.0) as figure:
        axes = figure.add_subplot()
        for feature in boundary["features"]:
            geometry, kind = feature["geometry"], feature["properties"]["kind"]
            if kind == "country":
                fill = COUNTRY_FILLS.get(feature["properties"]["code"], "#f7f4ea")
                for polygon in _polygons(geometry):
                    xs, ys = zip(*polygon[0], strict=True)
                    axes.fill(xs, ys, facecolor=fill, edgecolor="#b0a98f", linewidth=0.5)
            else:
                for line in _lines(geometry):
                    xs, ys = zip(*line, strict=True)
                    axes.plot(xs, ys, color="#5a5a5a", linewidth=1.2)
        for _, name, (west, south, east, north) in brief.sectors:
            axes.plot(
                [west, east, east, west, west],
                [south, south, north, north, south],
                color="#8c8c8c",
                linewidth=0.6,
                linestyle="--",
            )
            axes.text(east, north, name.split(" (")[0], fontsize=5.5, color="#555555", va="top")
        for status, colour in STATUS_COLOURS.items():
            placed = [
                (i, i.longitude, i.latitude)
                for i in brief.incidents
                if i.status == status and i.latitude is not None and i.longitude is not None
            ]
            if placed:
                axes.scatter(
                    [float(x or 0) for _, x, _ in placed],
                    [float(y or 0) for _, _, y in placed],
                    s=[18 + 6 * min(i.reports, 10) for i, _, _ in placed],
                    color=colour,
                    edgecolors="white",
                    linewidths=0.5,
                    label=f"{status} ({len(placed)})",
                    zorder=3,
                )
        west, south, east, north = brief.region
        axes.set_xlim(west, east)
        axes.set_ylim(south, north)
        axes.set_aspect("equal")
        axes.set_xlabel("longitude")
        axes.set_ylabel("latitude")
        if brief.incidents:
            axes.legend(loc="lower right", title="new incidents", frameon=True, fontsize=7)
        axes.set_title("New incidents of the period", loc="left")
        figure.tight_layout()
        return _svg(figure)


def _polygons(geometry: Mapping[str, Any]) -> Sequence[Any]:
    coordinates = geometry["coordinates"]
    return [coordinates] if geometry["type"] == "Polygon" else coordinates


def _lines(geometry: Mapping[str, Any]) -> Sequence[Any]:
    coordinates = geometry["coordinates"]
    return [coordinates] if geometry["type"] == "LineString" else coordinates


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]
