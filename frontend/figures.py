"""Evaluation figures and the loss curve, ready for the templates.

Metrics are whatever the pipeline stored (the keys of bench/score.py: micro_p, macro_f1, p@1,
groups → {high, med, low, rare} → ...); known keys get readable names and a fixed order,
unknown ones are shown as they are, so a new figure appears without a template change.
"""
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

MEASURES = {
    "micro_p": _("Micro precision"),
    "micro_r": _("Micro recall"),
    "micro_f1": _("Micro F1"),
    "macro_p": _("Macro precision"),
    "macro_r": _("Macro recall"),
    "macro_f1": _("Macro F1"),
    "p@1": _("P@1"),
    "p@3": _("P@3"),
    "p@5": _("P@5"),
    "labels": _("Labels"),
    "products": _("Products"),
    "threshold": _("Threshold"),
    # run.comparison: which version the new one was compared with, or why it could not be.
    "model_version": _("Model version"),
    "error": _("Error"),
    # comparison["changes"]: suggestions of the two versions on the held-out products.
    "active": _("Suggested by the active version"),
    "new": _("Suggested by this version"),
    "kept": _("Suggested by both"),
    "dropped": _("No longer suggested"),
    "added": _("Newly suggested"),
}
# Titles of the nested blocks the pipeline may store beside the figures.
BLOCKS = {
    "thresholds": _("Decision thresholds"),
    "validation": _("Validation slice"),
    "precision_curve": _("Precision by confidence (validation slice)"),
    "changes": _("Suggestions that would change (held-out products)"),
}
GROUPS = {
    "high": _("High (≥10,000 training examples)"),
    "med": _("Medium (1,000–9,999)"),
    "low": _("Low (100–999)"),
    "rare": _("Rare (1–99)"),
}
# Share-like figures (precision, recall, F1, P@k) are shown as percentages.
PERCENT_KEYS = {"micro_p", "micro_r", "micro_f1", "macro_p", "macro_r", "macro_f1", "p@1", "p@3", "p@5"}


def _ordered(keys, known):
    return [k for k in known if k in keys] + sorted(k for k in keys if k not in known)


def format_figure(key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if key in PERCENT_KEYS and 0 <= value <= 1:
        return f"{100 * value:.1f}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return f"{value:,}"


def evaluation_tables(metrics: dict) -> list[dict]:
    """Tables: {"title", "columns": [header...], "rows": [(row header, [cells])]}."""
    if not metrics:
        return []
    tables = []
    scalars = [k for k, v in metrics.items() if not isinstance(v, (dict, list))]
    if scalars:
        tables.append(
            {
                "title": _("Held-out figures (precision, recall, F1 and P@k in %)"),
                "columns": [_("Measure"), _("Value")],
                "rows": [(MEASURES.get(k, k), [format_figure(k, metrics[k])]) for k in _ordered(scalars, MEASURES)],
            }
        )
    for key in sorted(k for k, v in metrics.items() if isinstance(v, dict)):
        block = metrics[key]
        if block and all(isinstance(v, dict) for v in block.values()):
            tables.append(_group_table(key, block))
        elif block:
            tables.append(
                {
                    "title": BLOCKS.get(key, key),
                    "columns": [_("Measure"), _("Value")],
                    "rows": [(MEASURES.get(k, k), [format_figure(k, block[k])]) for k in _ordered(block, MEASURES)],
                }
            )
    return tables


def _group_table(key, block):
    inner = set().union(*(v.keys() for v in block.values()))
    columns = _ordered(inner, MEASURES)
    title = _("Frequency groups") if key == "groups" else BLOCKS.get(key, key)
    return {
        "title": title,
        "columns": [_("Group")] + [MEASURES.get(c, c) for c in columns],
        "rows": [
            (GROUPS.get(group, group), [format_figure(c, block[group].get(c, "")) for c in columns])
            for group in _ordered(block, GROUPS)
        ],
    }


def _flatten(metrics, prefix=""):
    flat = {}
    for key, value in (metrics or {}).items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[prefix + key] = value
    return flat


def _flat_label(key):
    parts = key.split(".")
    names = [GROUPS.get(p, MEASURES.get(p, p)) for p in parts if p != "groups"]
    return " · ".join(str(n) for n in names)


def side_by_side(left: dict, right: dict) -> list[dict]:
    """Rows {"label", "left", "right", "delta", "better"} for every figure either version has."""
    a, b = _flatten(left), _flatten(right)
    top = [k for k in _ordered([k for k in set(a) | set(b) if "." not in k], MEASURES)]
    nested = sorted(k for k in set(a) | set(b) if "." in k)
    rows = []
    for key in top + nested:
        last = key.rsplit(".", 1)[-1]
        x, y = a.get(key), b.get(key)
        delta = ""
        better = ""
        if x is not None and y is not None and last in PERCENT_KEYS:
            delta = f"{100 * (y - x):+.1f}"
            better = "right" if y > x else "left" if x > y else ""
        rows.append(
            {
                "label": _flat_label(key),
                "left": "" if x is None else format_figure(last, x),
                "right": "" if y is None else format_figure(last, y),
                "delta": delta,
                "better": better,
            }
        )
    return rows


# Charts are drawn on the server as inline SVG (the run page swaps in a fresh loss chart on
# every poll): one drawing routine, no chart library.
CHART_WIDTH, CHART_HEIGHT, MARGIN = 640, 240, 40


def line_chart(series, *, css_class: str, title, desc, x_label, y_format="{:.3g}") -> str:
    """SVG of one or more lines over shared axes. ``series``: [(name, [(x, y), ...])], each
    with at least one point; ``x_label(x)`` writes the first and last x under the axis."""
    points = [(x, y) for _, line in series for x, y in line]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if y1 == y0:
        y1 = y0 + 1
    if x1 == x0:
        x1 = x0 + 1
    width, height = CHART_WIDTH - 2 * MARGIN, CHART_HEIGHT - 2 * MARGIN

    def xy(x, y):
        return (MARGIN + width * (x - x0) / (x1 - x0), MARGIN + height * (1 - (y - y0) / (y1 - y0)))

    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>',
        ((MARGIN - 6, f"{xy(x0, v)[1] + 4:.1f}", y_format.format(v)) for v in (y0, (y0 + y1) / 2, y1)),
    )
    lines = format_html_join(
        "",
        '<polyline points="{}" class="curve curve-{}"><title>{}</title></polyline>{}',
        (
            (
                " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(a, b) for a, b in line)),
                number,
                name,
                format_html_join("", '<circle cx="{}" cy="{}" r="3" class="dot curve-{}"/>',
                                 ((*(f"{v:.1f}" for v in xy(a, b)), number) for a, b in line))
                if len(line) < 50 else "",
            )
            for number, (name, line) in enumerate(series)
        ),
    )
    return format_html(
        '<svg class="chart {css}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{css}-title {css}-desc">'
        '<title id="{css}-title">{title}</title><desc id="{css}-desc">{desc}</desc>'
        '<line x1="{m}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"/>'
        '<line x1="{m}" y1="{m}" x2="{m}" y2="{bottom}" class="axis"/>'
        "{ticks}"
        '<text x="{m}" y="{label_y}" class="tick">{first}</text>'
        '<text x="{right}" y="{label_y}" class="tick" text-anchor="end">{last}</text>'
        "{lines}</svg>",
        css=css_class, w=CHART_WIDTH, h=CHART_HEIGHT, m=MARGIN, bottom=MARGIN + height, right=MARGIN + width,
        label_y=MARGIN + height + 16, title=title, desc=desc, ticks=ticks, first=x_label(x0), last=x_label(x1),
        lines=lines,
    )


def loss_chart(points) -> str:
    points = [(float(s), float(l)) for s, l in (points or []) if l == l]  # drops NaN
    if len(points) < 2:
        return format_html('<p class="muted">{}</p>', _("The loss curve appears once training has started."))
    (x0, first), (x1, last) = points[0], points[-1]
    return line_chart(
        [(_("Training loss"), points)], css_class="loss-chart", title=_("Training loss"),
        desc=_("Loss from %(first).4g at step %(x0)d to %(last).4g at step %(x1)d")
        % {"first": first, "x0": x0, "last": last, "x1": x1},
        x_label=lambda step: _("step %(step)d") % {"step": step},
    )


def learning_chart(rows) -> str:
    """F1 of each model version against the decisions sellers had made when its data was frozen
    (the overview's `learning` rows)."""
    rows = [row for row in rows or [] if row.get("micro_f1") is not None]
    if not rows:
        return format_html('<p class="muted">{}</p>', _("The chart appears once a model version has been evaluated."))
    series = [(_("Micro F1"), [(row["decisions"], 100 * row["micro_f1"]) for row in rows])]
    if all(row.get("macro_f1") is not None for row in rows):
        series.append((_("Macro F1"), [(row["decisions"], 100 * row["macro_f1"]) for row in rows]))
    return line_chart(
        series, css_class="learning-chart", title=_("F1 of each model version against decisions made"),
        desc=_("%(versions)d versions, from %(first)d to %(last)d decisions")
        % {"versions": len(rows), "first": rows[0]["decisions"], "last": rows[-1]["decisions"]},
        x_label=lambda decisions: _("%(n)d decisions") % {"n": decisions}, y_format="{:.1f}%",
    )
