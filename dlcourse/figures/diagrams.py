"""Figures for the ungraded lecture notebooks: network diagrams, computation graphs, teaching sketches.

Every function draws with Matplotlib and returns the :class:`~matplotlib.figure.Figure` it drew on.
Functions that take ``ax`` draw on that axes when given one and make a new figure otherwise.
Nothing here trains a model or implements a graded function: the notebooks compute the numbers
and pass them in (costs, gradients, predictions), these helpers only draw them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Arc, Circle, Ellipse, FancyArrowPatch, FancyBboxPatch, Patch, Rectangle

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import ArrayLike

INPUT_COLOR = "#cfe2f3"
HIDDEN_COLOR = "#d9ead3"
OUTPUT_COLOR = "#f4cccc"
BOX_COLOR = "#fff2cc"
FORWARD_COLOR = "#1f4e9c"
BACKWARD_COLOR = "#b3261e"
EDGE_COLOR = "#444444"


# --------------------------------------------------------------------------- small drawing bits
def _figure_and_axes(ax, figsize):
    """Return (fig, ax): the given axes' figure, or a new figure with one axes."""
    if ax is None:
        return plt.subplots(figsize=figsize)
    return ax.figure, ax


def _finish(ax, title, margin=0.6):
    """Hide the frame of a diagram axes, keep its aspect ratio and set its title."""
    ax.set_aspect("equal")
    ax.autoscale_view()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    ax.set_xlim(x0 - margin, x1 + margin)
    ax.set_ylim(y0 - margin, y1 + margin)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=12)


def _arrow(ax, start, end, color=EDGE_COLOR, lw=1.2, style="-|>", ls="-", rad=0.0, zorder=1):
    """Draw an arrow from ``start`` to ``end`` (data coordinates) and return the patch."""
    patch = FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=color, lw=lw,
                            linestyle=ls, shrinkA=0, shrinkB=0, zorder=zorder,
                            connectionstyle=f"arc3,rad={rad}")
    ax.add_patch(patch)
    return patch


def _boundary(center, half_w, half_h, toward, round_node):
    """Point where the segment from ``center`` to ``toward`` leaves a node of that size."""
    c = np.asarray(center, float)
    d = np.asarray(toward, float) - c
    length = np.hypot(*d)
    if length == 0:
        return tuple(c)
    u = d / length
    if round_node:
        return tuple(c + u * half_w)
    t = min(half_w / abs(u[0]) if u[0] else np.inf, half_h / abs(u[1]) if u[1] else np.inf)
    return tuple(c + u * t)


class _Node:
    """A drawn node: a circle (``width`` is None) or a rounded box, used to clip arrows."""

    def __init__(self, ax, xy, label="", color=HIDDEN_COLOR, radius=0.3, width=None, height=None,
                 fontsize=11, zorder=3):
        self.xy = xy
        self.round = width is None
        self.half_w = radius if self.round else width / 2
        self.half_h = radius if self.round else (height or 2 * radius) / 2
        if self.round:
            ax.add_patch(Circle(xy, radius, facecolor=color, edgecolor="black", lw=1.2,
                                zorder=zorder))
        else:
            ax.add_patch(FancyBboxPatch((xy[0] - self.half_w, xy[1] - self.half_h),
                                        2 * self.half_w, 2 * self.half_h,
                                        boxstyle="round,pad=0,rounding_size=0.12", facecolor=color,
                                        edgecolor="black", lw=1.2, zorder=zorder))
        if label:
            ax.text(xy[0], xy[1], label, ha="center", va="center", fontsize=fontsize,
                    zorder=zorder + 1)

    def edge_toward(self, point):
        return _boundary(self.xy, self.half_w, self.half_h, point, self.round)


def _titles_on_one_line(fig, axes, top=0.88):
    """Lay out side-by-side diagram panels and write their titles at one height (panels drawn
    with equal aspect have different heights, so their own titles would not line up)."""
    titles = [ax.get_title() for ax in axes]
    for ax in axes:
        ax.set_title("")
        ax.set_anchor("N")
    fig.tight_layout(rect=(0, 0, 1, top))
    boxes = []
    for ax in axes:
        ax.apply_aspect()
        boxes.append(ax.get_position())
    y = max(box.y1 for box in boxes) + 0.01
    for box, text in zip(boxes, titles):
        fig.text((box.x0 + box.x1) / 2, y, text, ha="center", va="bottom", fontsize=12)


def _connect(ax, a, b, **kw):
    """Arrow from node ``a`` to node ``b``, starting and ending on their outlines."""
    return _arrow(ax, a.edge_toward(b.xy), b.edge_toward(a.xy), **kw)


# --------------------------------------------------------------------------- networks
def _default_label(layer, index, n_layers, size):
    if layer == 0:
        return f"$x_{{{index + 1}}}$"
    if layer == n_layers - 1 and size == 1:
        return r"$\hat{y}$"
    return f"$a^{{[{layer}]}}_{{{index + 1}}}$"


def draw_network(layer_sizes: Sequence[int], ax: Axes | None = None,
                 node_labels: Sequence[Sequence[str]] | bool | None = None, layer_titles: Sequence[str] | None = None,
                 title: str | None = None, input_names: Sequence[str] | None = None,
                 output_names: Sequence[str] | None = None, edges: dict[int, Sequence[tuple[int, int]]] | None = None,
                 box_widths: dict[int, float] | None = None, x_gap: float = 2.6, y_gap: float = 1.0,
                 radius: float = 0.32, fontsize: float = 11) -> Figure:
    """Draw a feed-forward network: one column of nodes per layer, arrows between layers.

    layer_sizes  -- units per layer, input layer first, e.g. [3, 4, 1]
    node_labels  -- list (per layer) of labels drawn inside the nodes; None for the usual
                    x_i / a^[l]_i / y-hat labels, False for empty nodes
    layer_titles -- text under each column (e.g. "input layer")
    input_names, output_names -- text written left of the inputs / right of the outputs
    edges        -- {l: [(i, j), ...]} connections from layer l to l+1; layers not given are dense
    box_widths   -- {l: width} draws layer l as rounded boxes that wide (for long labels)
    """
    sizes = list(layer_sizes)
    fig, ax = _figure_and_axes(ax, (2.2 * len(sizes) + 1.5, 0.9 * max(sizes) + 1.6))
    box_widths = box_widths or {}
    edges = edges or {}
    nodes = []
    for layer, size in enumerate(sizes):
        color = INPUT_COLOR if layer == 0 else OUTPUT_COLOR if layer == len(sizes) - 1 else HIDDEN_COLOR
        column = []
        for i in range(size):
            y = ((size - 1) / 2 - i) * y_gap
            if node_labels is False:
                label = ""
            elif node_labels is None:
                label = _default_label(layer, i, len(sizes), size)
            else:
                label = node_labels[layer][i]
            column.append(_Node(ax, (layer * x_gap, y), label, color, radius,
                                width=box_widths.get(layer), height=2 * radius, fontsize=fontsize))
        nodes.append(column)
    for layer in range(len(sizes) - 1):
        pairs = edges.get(layer, [(i, j) for i in range(sizes[layer]) for j in range(sizes[layer + 1])])
        for i, j in pairs:
            _connect(ax, nodes[layer][i], nodes[layer + 1][j], lw=0.9)
    for names, column, side in ((input_names, nodes[0], -1), (output_names, nodes[-1], 1)):
        for name, node in zip(names or [], column):
            ax.text(node.xy[0] + side * (node.half_w + 0.25), node.xy[1], name, fontsize=fontsize,
                    ha="right" if side < 0 else "left", va="center")
    if layer_titles:
        bottom = -((max(sizes) - 1) / 2) * y_gap - radius - 0.45
        for layer, text in enumerate(layer_titles):
            ax.text(layer * x_gap, bottom, text, ha="center", va="top", fontsize=fontsize,
                    style="italic")
    _finish(ax, title)
    return fig


def draw_network_row(networks: Sequence[tuple[Sequence[int], str]], title: str | None = None, **options: Any) -> Figure:
    """Several networks side by side, e.g. to compare depths.

    networks -- list of (layer_sizes, panel_title); ``options`` are passed on to draw_network
    """
    widths = [len(sizes) for sizes, _ in networks]
    fig, axes = plt.subplots(1, len(networks), figsize=(min(1.05 * sum(widths) + 1, 17), 4.2),
                             gridspec_kw={"width_ratios": widths})
    axes = np.atleast_1d(axes)
    for ax, (sizes, panel_title) in zip(axes, networks):
        draw_network(sizes, ax=ax, title=panel_title, **options)
    if title:
        fig.suptitle(title, fontsize=14)
    _titles_on_one_line(fig, axes)
    return fig


def draw_single_neuron(input_name: str = "size $x$", output_name: str = r"price $\hat{y}$", unit_label: str = "ReLU",
                       ax: Axes | None = None, title: str | None = None) -> Figure:
    """One input, one neuron, one output: the smallest possible network."""
    fig, ax = _figure_and_axes(ax, (7, 2.2))
    x = _Node(ax, (0, 0), "", INPUT_COLOR, 0.3)
    unit = _Node(ax, (2.5, 0), unit_label, HIDDEN_COLOR, 0.55, fontsize=11)
    y = _Node(ax, (5, 0), "", OUTPUT_COLOR, 0.3)
    _connect(ax, x, unit)
    _connect(ax, unit, y)
    ax.text(-0.45, 0, input_name, ha="right", va="center", fontsize=12)
    ax.text(5.45, 0, output_name, ha="left", va="center", fontsize=12)
    _finish(ax, title, margin=0.3)
    ax.set_xlim(-3.0, 8.0)
    return fig


def draw_architecture_sketches(title: str = "Which network for which data?") -> Figure:
    """Three small sketches side by side: a standard (dense) network, a CNN and an unrolled RNN."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), gridspec_kw={"width_ratios": [1, 1.4, 1.1]})
    draw_network([3, 4, 4, 1], ax=axes[0], node_labels=False, x_gap=1.6, y_gap=0.9, radius=0.24,
                 title="Standard network\nstructured data (tables)")

    ax = axes[1]
    rng = np.random.default_rng(0)
    ax.imshow(rng.random((8, 8)), cmap="gray", extent=(0, 2, 0, 2), zorder=2)
    ax.text(1, -0.25, "image", ha="center", va="top", fontsize=10)
    stacks = [(3.0, 1.6, 3, 0.14), (6.2, 1.1, 5, 0.12)]   # (x, side, number of maps, offset)
    for x, side, count, off in stacks:
        for k in range(count):
            ax.add_patch(Rectangle((x + off * k, 1 - side / 2 + off * k - off * count / 2), side, side,
                                   facecolor=HIDDEN_COLOR, edgecolor="black", lw=0.8, zorder=2 + k))
        ax.text(x + (side + off * (count - 1)) / 2, -0.25, f"{count} maps", ha="center", va="top",
                fontsize=10)
    for k in range(4):
        _arrow(ax, (9.2, 1.75 - 0.5 * k), (10.0, 1.0), lw=0.8)
        ax.add_patch(Circle((9.0, 1.75 - 0.5 * k), 0.18, facecolor=HIDDEN_COLOR, edgecolor="black",
                            zorder=3))
    ax.add_patch(Circle((10.2, 1.0), 0.22, facecolor=OUTPUT_COLOR, edgecolor="black", zorder=3))
    for x0, x1, label in ((2.1, 2.9, "conv"), (5.0, 6.1, "conv"), (7.8, 8.7, "dense")):
        _arrow(ax, (x0, 1.0), (x1, 1.0))
        ax.text((x0 + x1) / 2, 1.12, label, ha="center", va="bottom", fontsize=9)
    _finish(ax, "Convolutional network (CNN)\nimages", margin=0.3)

    ax = axes[2]
    steps = 4
    for t in range(steps):
        x = 1.6 * t
        xin = _Node(ax, (x, 0), f"$x^{{\\langle {t + 1} \\rangle}}$", INPUT_COLOR, 0.3, fontsize=10)
        cell = _Node(ax, (x, 1.4), "", HIDDEN_COLOR, width=0.9, height=0.6)
        out = _Node(ax, (x, 2.8), f"$\\hat{{y}}^{{\\langle {t + 1} \\rangle}}$", OUTPUT_COLOR, 0.3,
                    fontsize=10)
        _connect(ax, xin, cell)
        _connect(ax, cell, out)
        if t:
            _arrow(ax, (x - 1.6 + 0.45, 1.4), (x - 0.45, 1.4), color=FORWARD_COLOR, lw=1.5)
    ax.text(1.6 * (steps - 1) / 2, -0.6, "time $\\rightarrow$  (same weights at every step)",
            ha="center", va="top", fontsize=10)
    _finish(ax, "Recurrent network (RNN)\nsequences: audio, text", margin=0.3)
    fig.suptitle(title, fontsize=14)
    _titles_on_one_line(fig, axes)
    return fig


def draw_iteration_cycle(stages: Sequence[str] = ("Idea", "Code", "Experiment"), ax: Axes | None = None,
                         title: str = "The iterative cycle of applied deep learning",
                         centre_text: str = "faster computation\n= shorter loop") -> Figure:
    """Stages on a circle joined by curved arrows: each pass round the loop is one experiment."""
    fig, ax = _figure_and_axes(ax, (5.5, 5))
    n = len(stages)
    angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    points = [(2 * np.cos(a), 2 * np.sin(a)) for a in angles]
    nodes = [_Node(ax, p, s, BOX_COLOR, width=2.0, height=0.8, fontsize=12) for p, s in zip(points, stages)]
    for k in range(n):
        a, b = nodes[k], nodes[(k + 1) % n]
        _arrow(ax, a.edge_toward(b.xy), b.edge_toward(a.xy), rad=-0.35, lw=2, color=FORWARD_COLOR)
    ax.text(0, 0, centre_text, ha="center", va="center", fontsize=10, style="italic")
    _finish(ax, title, margin=0.3)
    return fig


def draw_scale_chart(ax: Axes | None = None, title: str = "Scale drives deep-learning progress (schematic)") -> Figure:
    """Performance against amount of labelled data for a classic learner and three network sizes.

    The curves are illustrative shapes, not measurements.
    """
    fig, ax = _figure_and_axes(ax, (8, 5))
    m = np.linspace(0, 10, 300)
    curves = [("traditional algorithm (e.g. SVM, logistic regression)", 0.42, 2.0, "gray", "--"),
              ("small neural network", 0.58, 2.8, "tab:orange", "-"),
              ("medium neural network", 0.74, 3.6, "tab:green", "-"),
              ("large neural network", 0.92, 4.4, "tab:blue", "-")]
    for label, top, middle, color, style in curves:
        ax.plot(m, top / (1 + np.exp(-(m - middle) / 0.9)), color=color, ls=style, lw=2.5, label=label)
    ax.axvspan(0, 2.2, color="0.92")
    ax.text(1.1, 0.85, "small data:\norder of the\ncurves unclear", ha="center", va="center",
            fontsize=9)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("amount of labelled data $m$  $\\rightarrow$")
    ax.set_ylabel("performance (e.g. accuracy)  $\\rightarrow$")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=9)
    return fig


def _face_pixels(size=16, seed=1):
    """A tiny grey-level face (values in [0, 1]) used as a stand-in photograph."""
    r, c = np.mgrid[0:size, 0:size] - (size - 1) / 2
    scale = size / 16
    face = np.where(r ** 2 + c ** 2 < 50 * scale ** 2, 0.75, 0.95)
    face[(np.abs(r + 2.5 * scale) < scale) & (np.abs(np.abs(c) - 3 * scale) < scale)] = 0.1
    face[(np.abs(r - 3.0 * scale) < 0.7 * scale) & (np.abs(c) < 3.5 * scale)] = 0.25
    return np.clip(face + np.random.default_rng(seed).normal(0, 0.04, face.shape), 0, 1)


def draw_structured_vs_unstructured(title: str = "Structured data versus unstructured data") -> Figure:
    """A database table (structured: every column has a meaning) beside an image, a sound wave
    and a sentence (unstructured: raw pixels, samples, words)."""
    fig = plt.figure(figsize=(14, 3.8))
    grid = fig.add_gridspec(1, 4, width_ratios=[1.6, 1, 1.2, 1.2])
    ax = fig.add_subplot(grid[0, 0])
    rows = [["85", "2", "40", "210"], ["120", "3", "12", "340"], ["64", "1", "25", "150"],
            ["150", "4", "5", "455"]]
    table = ax.table(cellText=rows, colLabels=["size (m²)", "bedrooms", "age (years)", "price (k€)"],
                     loc="center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(11)
    table.scale(1.05, 2.0)
    for (row, _), cell in table.get_celld().items():
        cell.set_facecolor(INPUT_COLOR if row == 0 else "white")
    ax.axis("off")
    ax.set_title("structured: a table\n(each column is a named feature)", fontsize=11)

    ax = fig.add_subplot(grid[0, 1])
    ax.imshow(_face_pixels(), cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("unstructured: image\n(pixel intensities)", fontsize=11)

    ax = fig.add_subplot(grid[0, 2])
    t = np.linspace(0, 1, 2000)
    wave = np.sin(2 * np.pi * 12 * t) * np.exp(-3 * t) + 0.4 * np.sin(2 * np.pi * 31 * t) * t
    ax.plot(t, wave, lw=0.8, color=FORWARD_COLOR)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    ax.set_title("unstructured: audio\n(samples of a sound wave)", fontsize=11)

    ax = fig.add_subplot(grid[0, 3])
    words = ["the", "model", "reads", "one", "word", "at", "a", "time"]
    x, y = 0.02, 0.8
    for word in words:                        # left to right, wrapping like a line of text
        if x + 0.042 * len(word) > 1:
            x, y = 0.02, y - 0.22
        ax.text(x, y, word, fontsize=12, va="center",
                bbox=dict(boxstyle="round", facecolor=BOX_COLOR, edgecolor="0.4"))
        x += 0.042 * len(word) + 0.1
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.set_title("unstructured: text\n(a sequence of words)", fontsize=11)
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- data layout
def draw_image_to_vector(image: np.ndarray, n_head: int = 6, n_tail: int = 3,
                         title: str = "Unrolling an image into a feature vector") -> Figure:
    """Show the three colour channels of a small ``(h, w, 3)`` image and the column vector
    ``image.reshape(-1, 1)`` made from it (NumPy's order: all channels of a pixel, then the next pixel).
    """
    image = np.asarray(image)
    h, w, c = image.shape
    fig = plt.figure(figsize=(13, 5.6))
    grid = fig.add_gridspec(1, 4, width_ratios=[1, 1, 1, 0.8])
    colours = ("Reds", "Greens", "Blues")
    names = ("red", "green", "blue")
    for k in range(c):
        ax = fig.add_subplot(grid[0, k])
        ax.imshow(image[:, :, k], cmap=colours[k], vmin=0, vmax=255)
        for i in range(h):
            for j in range(w):
                value = int(image[i, j, k])
                ax.text(j, i, str(value), ha="center", va="center", fontsize=9,
                        color="white" if value > 150 else "black")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{names[k]} channel ({h}$\\times${w})", fontsize=11)
    flat = image.reshape(-1)
    ax = fig.add_subplot(grid[0, 3])
    shown = list(range(n_head)) + [None] + list(range(len(flat) - n_tail, len(flat)))
    for row, index in enumerate(shown):
        y = -row
        if index is None:
            ax.text(0.5, y + 0.5, r"$\vdots$", ha="center", va="center", fontsize=14)
            continue
        pixel, channel = divmod(index, c)
        ax.add_patch(Rectangle((0, y), 1, 1, facecolor=plt.get_cmap(colours[channel])(0.35),
                               edgecolor="black"))
        ax.text(0.5, y + 0.5, str(int(flat[index])), ha="center", va="center", fontsize=10)
        i, j = divmod(pixel, w)
        ax.text(1.15, y + 0.5, f"pixel ({i},{j}), {names[channel]}", va="center", fontsize=9)
    ax.set_xlim(-0.2, 3.4)
    ax.set_ylim(-len(shown) + 0.8, 1.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"x: shape ({h * w * c}, 1)\n$n_x$ = {h}$\\times${w}$\\times${c} = {h * w * c}",
                 fontsize=11)
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return fig


def draw_example_matrix(name: str = "X", symbol: str = "x", rows_label: str = "$n_x$ features", n_shown: int = 4,
                        label_symbol: str | None = "y", ax: Axes | None = None, title: str | None = None) -> Figure:
    """A data matrix whose columns are examples, e.g. X of shape (n_x, m), with the row of
    labels beneath it (``label_symbol=None`` leaves the labels out).
    """
    fig, ax = _figure_and_axes(ax, (8, 4.4))
    height, width = 3.0, 1.0
    def column_label(index):            # x^{(i)}, or a^{[1](i)} when the symbol has a superscript
        if symbol.endswith("}") and "^{" in symbol:
            return f"${symbol[:-1]}({index})}}$"
        return f"${symbol}^{{({index})}}$"

    columns = [column_label(k + 1) for k in range(n_shown - 1)] + [None, column_label("m")]
    cmap = plt.get_cmap("Pastel1")
    for k, label in enumerate(columns):
        x = k * width
        if label is None:
            ax.text(x + width / 2, height / 2, r"$\cdots$", ha="center", va="center", fontsize=16)
            continue
        ax.add_patch(Rectangle((x, 0), width * 0.9, height, facecolor=cmap(k % 8), edgecolor="black"))
        ax.text(x + 0.45, height / 2, label, ha="center", va="center", fontsize=12)
        if label_symbol:
            ax.add_patch(Rectangle((x, -1.0), width * 0.9, 0.6, facecolor=cmap(k % 8), edgecolor="black"))
            ax.text(x + 0.45, -0.7, label.replace(symbol, label_symbol, 1), ha="center", va="center",
                    fontsize=11)
    right = len(columns) * width
    ax.text(-0.3, height / 2, f"{name} =", ha="right", va="center", fontsize=14)
    ax.annotate("", xy=(right + 0.2, 0), xytext=(right + 0.2, height),
                arrowprops=dict(arrowstyle="<->", color=EDGE_COLOR))
    ax.text(right + 0.35, height / 2, rows_label, va="center", fontsize=11)
    ax.annotate("", xy=(0, height + 0.3), xytext=(right - 0.1, height + 0.3),
                arrowprops=dict(arrowstyle="<->", color=EDGE_COLOR))
    ax.text(right / 2, height + 0.45, "$m$ examples (one per column)", ha="center", va="bottom",
            fontsize=11)
    if label_symbol:
        ax.text(-0.3, -0.7, f"{label_symbol.upper()} =", ha="right", va="center", fontsize=14)
    _finish(ax, title, margin=0.3)
    ax.set_xlim(-1.6, right + 2.6)
    ax.set_ylim(-1.4 if label_symbol else -0.5, height + 1.2)
    return fig


def draw_broadcasting(left: ArrayLike, right: ArrayLike, op: str = "+", ax: Axes | None = None,
                      title: str | None = None, fmt: str = "{:g}") -> Figure:
    """Show NumPy broadcasting: both operands as grids of numbers, the copies NumPy makes of the
    smaller one (dashed, grey) and the result. ``fmt`` formats the numbers in the cells.
    """
    ops = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
    a = np.asarray(left, float)
    b = np.asarray(right, float)
    result = ops[op](a, b)
    fig, ax = _figure_and_axes(ax, (11, 3.2))

    def grid(values, x0, shape_text, real_shape=None):
        values = np.atleast_2d(values)
        rows, cols = values.shape
        real_rows, real_cols = real_shape or (rows, cols)
        for i in range(rows):
            for j in range(cols):
                real = i < real_rows and j < real_cols
                ax.add_patch(Rectangle((x0 + j, -i), 1, 1, facecolor=BOX_COLOR if real else "white",
                                       edgecolor="black" if real else "0.6",
                                       linestyle="-" if real else "--", lw=1.2 if real else 0.9))
                ax.text(x0 + j + 0.5, -i + 0.5, fmt.format(values[i, j]), ha="center", va="center",
                        fontsize=10, color="black" if real else "0.55")
        ax.text(x0 + cols / 2, -rows + 0.7, shape_text, ha="center", va="top", fontsize=10,
                style="italic")
        return x0 + cols

    def shape_of(v):
        return "scalar" if v.ndim == 0 else str(v.shape)

    def stored_shape(v):        # where the stored values sit inside the stretched grid
        return (1, 1) if v.ndim == 0 else (1, v.shape[0]) if v.ndim == 1 else v.shape

    full = result.shape if result.ndim == 2 else (1, max(result.size, 1))
    middle = 0.5 - (full[0] - 1) / 2
    x = 0.0
    for k, operand in enumerate((a, b)):
        stretched = operand.shape != result.shape
        x = grid(np.broadcast_to(operand, result.shape).reshape(full), x,
                 shape_of(operand) + (" stretched" if stretched else ""), stored_shape(operand))
        ax.text(x + 0.6, middle, op if k == 0 else "=", ha="center", va="center", fontsize=18)
        x += 1.2
    grid(result.reshape(full), x, shape_of(result))
    ax.legend(handles=[Patch(facecolor=BOX_COLOR, edgecolor="black", label="stored values"),
                       Patch(facecolor="white", edgecolor="0.6", linestyle="--",
                             label="copies made by broadcasting")],
              loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=9, frameon=False)
    _finish(ax, title or f"{shape_of(a)} {op} {shape_of(b)} $\\rightarrow$ {shape_of(result)}",
            margin=0.3)
    return fig


# --------------------------------------------------------------------------- graphs of computations
def draw_computation_graph(nodes: dict[str, tuple], edges: Sequence[tuple[str, str]],
                           values: dict[str, str] | None = None, grads: dict[str, str] | None = None,
                           ax: Axes | None = None, title: str | None = None, box_width: float = 1.8,
                           box_height: float = 0.7) -> Figure:
    """Draw a computation graph.

    nodes  -- {name: (x, y, text)} or {name: (x, y, text, width)}: position, text (and width)
              of each box
    edges  -- [(source, target), ...]
    values -- {name: text} forward values, written in blue above the boxes
    grads  -- {name: text} backward derivatives, written in red below the boxes
    """
    spec = {name: tuple(v) + (box_width,) * (4 - len(v)) for name, v in nodes.items()}
    xs = [x for x, _, _, _ in spec.values()]
    ys = [y for _, y, _, _ in spec.values()]
    size = (max(xs) - min(xs) + max(w for *_, w in spec.values()) + 1.5,
            max(ys) - min(ys) + 2.6)
    fig, ax = _figure_and_axes(ax, (0.85 * size[0], 0.85 * size[1] + 0.6))
    drawn = {}
    for name, (x, y, text, width) in spec.items():
        is_input = not any(target == name for _, target in edges)
        drawn[name] = _Node(ax, (x, y), text, INPUT_COLOR if is_input else BOX_COLOR,
                            width=width, height=box_height, fontsize=12)
    for source, target in edges:
        _connect(ax, drawn[source], drawn[target], lw=1.4)
    for name, text in (values or {}).items():
        x, y = spec[name][:2]
        ax.text(x, y + box_height / 2 + 0.12, text, ha="center", va="bottom", color=FORWARD_COLOR,
                fontsize=11)
    for name, text in (grads or {}).items():
        x, y = spec[name][:2]
        ax.text(x, y - box_height / 2 - 0.12, text, ha="center", va="top", color=BACKWARD_COLOR,
                fontsize=11)
    handles = []
    if values:
        handles.append(Line2D([], [], color=FORWARD_COLOR, lw=3, label="forward pass: values (left to right)"))
    if grads:
        handles.append(Line2D([], [], color=BACKWARD_COLOR, lw=3,
                              label="backward pass: derivatives (right to left)"))
    _finish(ax, title, margin=0.7)
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles),
                  fontsize=9, frameon=False)
    return fig


def draw_forward_backward_blocks(n_layers: int = 3, ax: Axes | None = None,
                                 title: str = "Forward and backward building blocks, linked by caches") -> Figure:
    """The forward row (a[l-1] -> layer l -> a[l]), the backward row (da[l] -> layer l -> da[l-1],
    dW[l], db[l]) and the caches passed down from each forward block to its backward block.
    """
    fig, ax = _figure_and_axes(ax, (3.1 * n_layers + 4, 6.2))
    gap, top, bottom = 3.0, 3.0, 0.0
    forward, backward = [], []
    for layer in range(1, n_layers + 1):
        x = gap * layer
        forward.append(_Node(ax, (x, top), f"layer {layer}\nforward", HIDDEN_COLOR, width=1.5,
                             height=0.9, fontsize=10))
        backward.append(_Node(ax, (x, bottom), f"layer {layer}\nbackward", OUTPUT_COLOR, width=1.5,
                              height=0.9, fontsize=10))
        ax.text(x, top + 1.05, f"$W^{{[{layer}]}}, b^{{[{layer}]}}$", ha="center", va="bottom",
                fontsize=10)
        _arrow(ax, (x, top + 1.0), (x, top + 0.45), lw=1)
        _arrow(ax, (x - 0.3, top - 0.45), (x - 0.3, bottom + 0.45), ls="--", color="0.35", lw=1.2)
        ax.text(x - 0.2, (top + bottom) / 2, f"cache\n$z^{{[{layer}]}}$ ($a^{{[{layer - 1}]}}$, "
                f"$W^{{[{layer}]}}$, $b^{{[{layer}]}}$)", ha="left", va="center", fontsize=8.5,
                color="0.25")
        _arrow(ax, (x, bottom - 0.45), (x, bottom - 1.0), lw=1, color=BACKWARD_COLOR)
        ax.text(x, bottom - 1.05, f"$dW^{{[{layer}]}}, db^{{[{layer}]}}$", ha="center", va="top",
                fontsize=10, color=BACKWARD_COLOR)
    ax.text(0.55, top, "$a^{[0]} = x$", ha="right", va="center", fontsize=11)
    _arrow(ax, (0.65, top), forward[0].edge_toward((0, top)), color=FORWARD_COLOR, lw=1.6)
    for k in range(n_layers - 1):
        _connect(ax, forward[k], forward[k + 1], color=FORWARD_COLOR, lw=1.6)
        ax.text(gap * (k + 1.5), top + 0.1, f"$a^{{[{k + 1}]}}$", ha="center", va="bottom",
                fontsize=10, color=FORWARD_COLOR)
        _connect(ax, backward[k + 1], backward[k], color=BACKWARD_COLOR, lw=1.6)
        ax.text(gap * (k + 1.5), bottom + 0.1, f"$da^{{[{k + 1}]}}$", ha="center", va="bottom",
                fontsize=10, color=BACKWARD_COLOR)
    loss = _Node(ax, (gap * (n_layers + 1), (top + bottom) / 2), r"loss $\mathcal{L}(\hat{y}, y)$",
                 BOX_COLOR, width=1.8, height=0.8, fontsize=10)
    _connect(ax, forward[-1], loss, color=FORWARD_COLOR, lw=1.6)
    ax.text(gap * (n_layers + 0.55), top - 0.2, f"$a^{{[{n_layers}]}} = \\hat{{y}}$", ha="left",
            va="top", fontsize=10, color=FORWARD_COLOR)
    _connect(ax, loss, backward[-1], color=BACKWARD_COLOR, lw=1.6)
    ax.text(gap * (n_layers + 0.55), bottom + 0.25, f"$da^{{[{n_layers}]}}$", ha="left",
            va="bottom", fontsize=10, color=BACKWARD_COLOR)
    _arrow(ax, backward[0].edge_toward((0, bottom)), (0.65, bottom), color="0.6", lw=1.2)
    ax.text(0.55, bottom, "$da^{[0]}$\n(not needed)", ha="right", va="center", fontsize=9,
            color="0.45")
    _finish(ax, title, margin=0.4)
    ax.legend(handles=[Line2D([], [], color=FORWARD_COLOR, lw=2, label="forward pass"),
                       Line2D([], [], color=BACKWARD_COLOR, lw=2, label="backward pass"),
                       Line2D([], [], color="0.35", lw=1.2, ls="--", label="cache kept for backward")],
              loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=3, fontsize=9, frameon=False)
    return fig


def draw_parity_circuits(n_bits: int = 8, n_shown: int = 6, title: str | None = None) -> Figure:
    """Two ways to compute the parity (XOR) of ``n_bits`` bits: a tree of XOR gates of depth
    log2(n) (left) and a single hidden layer with one unit per odd pattern, 2**(n-1) units
    (right, partly drawn).
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2),
                                      gridspec_kw={"width_ratios": [1.25, 1]})
    level = [_Node(left, (float(i), 0.0), f"$x_{{{i + 1}}}$", INPUT_COLOR, 0.3, fontsize=10)
             for i in range(n_bits)]
    depth = 0
    while len(level) > 1:
        depth += 1
        nxt = []
        for k in range(0, len(level) - 1, 2):
            a, b = level[k], level[k + 1]
            gate = _Node(left, ((a.xy[0] + b.xy[0]) / 2, 1.3 * depth), r"$\oplus$", HIDDEN_COLOR, 0.3,
                         fontsize=13)
            _connect(left, a, gate, lw=1)
            _connect(left, b, gate, lw=1)
            nxt.append(gate)
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    out = level[0]
    left.text(out.xy[0] + 0.45, out.xy[1], "parity $y$", va="center", fontsize=11)
    gates = n_bits - 1
    _finish(left, f"Deep: a tree of XOR gates\ndepth {depth} = $\\log_2 {n_bits}$, "
                  f"{gates} gates", margin=0.3)

    inputs = [_Node(right, (0.0, (n_bits - 1) / 2 - i), f"$x_{{{i + 1}}}$", INPUT_COLOR, 0.3,
                    fontsize=10) for i in range(n_bits)]
    span = n_bits - 1
    ys = np.linspace(span / 2, -span / 2, n_shown + 1)
    hidden = []
    for k, y in enumerate(ys):
        if k == n_shown - 2:
            right.text(3.0, y, r"$\vdots$", ha="center", va="center", fontsize=16)
            continue
        hidden.append(_Node(right, (3.0, y), "", HIDDEN_COLOR, 0.22))
    out = _Node(right, (6.0, 0.0), "$y$", OUTPUT_COLOR, 0.3, fontsize=11)
    for node in hidden:
        for x in inputs:
            right.plot([x.xy[0] + 0.3, node.xy[0] - 0.22], [x.xy[1], node.xy[1]], color="0.7", lw=0.5,
                       zorder=1)
        _connect(right, node, out, lw=0.8)
    units = 2 ** (n_bits - 1)
    right.text(3.0, -span / 2 - 0.8, f"{units} hidden units", ha="center", va="top", fontsize=11)
    _finish(right, f"Shallow: one layer of pattern detectors\n$2^{{n-1}}$ = {units} hidden units",
            margin=0.3)
    fig.suptitle(title or f"Parity of {n_bits} bits", fontsize=13)
    _titles_on_one_line(fig, (left, right))
    return fig


def draw_feature_hierarchy(title: str = "What successive layers can learn") -> Figure:
    """Sketch of hierarchical features: image -> edges -> face parts -> faces, and the same idea
    for speech (audio -> low-level sounds -> phonemes -> words -> sentences).
    """
    fig, ax = plt.subplots(figsize=(13, 6))
    panel, gap = 2.6, 1.2
    xs = [k * (panel + gap) for k in range(4)]
    ax.imshow(_face_pixels(), cmap="gray", vmin=0, vmax=1, extent=(xs[0], xs[0] + panel, 0, panel))
    for x in xs[1:]:
        ax.add_patch(FancyBboxPatch((x, 0), panel, panel, boxstyle="round,pad=0.05",
                                    facecolor="white", edgecolor="black"))
    for k, angle in enumerate(np.linspace(0, np.pi, 9)[:-1]):       # oriented edges
        cx, cy = xs[1] + 0.5 + 0.55 * (k % 4), 0.8 + 1.0 * (k // 4)
        dx, dy = 0.25 * np.cos(angle), 0.25 * np.sin(angle)
        ax.plot([cx - dx, cx + dx], [cy - dy, cy + dy], color="black", lw=2.5)
    x = xs[2]                                                         # face parts
    ax.add_patch(Ellipse((x + 0.7, 1.9), 0.8, 0.4, facecolor="white", edgecolor="black", lw=1.5))
    ax.add_patch(Circle((x + 0.7, 1.9), 0.12, color="black"))
    ax.plot([x + 1.9, x + 1.7, x + 2.0], [2.2, 1.5, 1.5], color="black", lw=1.5)
    ax.add_patch(Arc((x + 1.3, 0.9), 1.2, 0.6, theta1=200, theta2=340, color="black", lw=2))
    for k, cx in enumerate((xs[3] + 0.7, xs[3] + 1.9)):               # faces
        cy = 1.3 + 0.15 * (-1) ** k
        ax.add_patch(Circle((cx, cy), 0.55, facecolor="#fde9d9", edgecolor="black"))
        for ex in (-0.2, 0.2):
            ax.add_patch(Circle((cx + ex, cy + 0.15), 0.06, color="black"))
        ax.add_patch(Arc((cx, cy - 0.1), 0.5, 0.3, theta1=200, theta2=340, color="black", lw=1.5))
    labels = ("input image", "layer 1: edges", "layer 2: parts of faces", "layer 3: faces")
    for x, label in zip(xs, labels):
        ax.text(x + panel / 2, -0.25, label, ha="center", va="top", fontsize=11)
    for x in xs[:-1]:
        _arrow(ax, (x + panel + 0.15, panel / 2), (x + panel + gap - 0.15, panel / 2), lw=1.8)
    speech = ("audio", "low-level\nsounds", "phonemes", "words", "sentences")
    width = (xs[-1] + panel) / len(speech)
    boxes = [_Node(ax, (width * (k + 0.5), -2.0), text, BOX_COLOR, width=width * 0.7, height=0.9,
                   fontsize=11) for k, text in enumerate(speech)]
    for a, b in zip(boxes, boxes[1:]):
        _connect(ax, a, b, lw=1.8)
    ax.text(-0.3, panel / 2, "vision", rotation=90, ha="right", va="center", fontsize=12,
            weight="bold")
    ax.text(-0.3, -2.0, "speech", rotation=90, ha="right", va="center", fontsize=12, weight="bold")
    ax.text((xs[-1] + panel) / 2, -3.0, "simple, local features  $\\longrightarrow$  "
            "complex, global features", ha="center", va="top", fontsize=11, style="italic")
    _finish(ax, title, margin=0.3)
    return fig


# --------------------------------------------------------------------------- plots for the notebooks
def plot_gradient_descent_1d(cost: Callable[[float], float], grad: Callable[[float], float],
                             starts: Sequence[float], learning_rate: float, n_steps: int, w_range: tuple[float, float],
                             ax: Axes | None = None, title: str = "Gradient descent on a convex cost",
                             xlabel: str = "$w$", ylabel: str = "$J(w)$") -> Figure:
    """Plot ``cost`` over ``w_range`` and the points visited by gradient descent
    ``w := w - learning_rate * grad(w)`` from each value in ``starts``.
    """
    fig, ax = _figure_and_axes(ax, (8, 5))
    w = np.linspace(*w_range, 400)
    ax.plot(w, [cost(v) for v in w], color="black", lw=2, label="cost $J(w)$")
    colors = plt.get_cmap("tab10")
    for k, start in enumerate(starts):
        path = [float(start)]
        for _ in range(n_steps):
            path.append(path[-1] - learning_rate * grad(path[-1]))
        costs = [cost(v) for v in path]
        color = colors(k + 1)
        ax.plot(path, costs, "o", color=color, ms=6, label=f"steps from $w_0$ = {start:g}")
        for p0, c0, p1, c1 in zip(path, costs, path[1:], costs[1:]):
            _arrow(ax, (p0, c0), (p1, c1), color=color, lw=1.3, zorder=3)
    best = w[np.argmin([cost(v) for v in w])]
    ax.axvline(best, color="0.6", ls=":", label=f"minimum near $w$ = {best:.2f}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def plot_cost_surface(cost: Callable[[float, float], float], w_values: np.ndarray, b_values: np.ndarray,
                      path: Sequence[tuple[float, float]] | None = None,
                      title: str = "Cost $J(w, b)$ of logistic regression is a convex bowl") -> Figure:
    """A 3-D surface and a contour map of ``cost(w, b)`` over a grid, with an optional
    descent path (list of (w, b) pairs) drawn on both.
    """
    W, B = np.meshgrid(w_values, b_values)
    J = np.vectorize(cost)(W, B)
    fig = plt.figure(figsize=(13, 5))
    ax3 = fig.add_subplot(1, 2, 1, projection="3d")
    ax3.plot_surface(W, B, J, cmap="viridis", alpha=0.85, linewidth=0)
    ax3.set_xlabel("$w$")
    ax3.set_ylabel("$b$")
    ax3.set_zlabel("$J(w, b)$")
    ax3.set_title("surface")
    ax2 = fig.add_subplot(1, 2, 2)
    levels = J.min() + (J.max() - J.min()) * np.geomspace(0.003, 1, 15)   # denser near the minimum
    contours = ax2.contour(W, B, J, levels=levels, cmap="viridis")
    ax2.clabel(contours, fontsize=8, fmt="%.2f")
    if path is not None:
        path = np.asarray(path, float)
        ax3.plot(path[:, 0], path[:, 1], [cost(*p) for p in path], "r.-", zorder=5)
        ax2.plot(path[:, 0], path[:, 1], "r.-", label="gradient descent path")
        ax2.plot(*path[0], "ks", label="start")
        ax2.plot(*path[-1], "r*", ms=14, label="end")
        ax2.legend()
    ax2.set_xlabel("$w$")
    ax2.set_ylabel("$b$")
    ax2.set_title("contours (lines of equal cost)")
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- perceptron and outer product
def plot_step_vs_sigmoid(z: np.ndarray, step: np.ndarray, smooth: np.ndarray, ax: Axes | None = None,
                         title: str = "A perceptron's step against a sigmoid neuron") -> Figure:
    """Plot the perceptron's step and the sigmoid over ``z`` (values computed by the notebook), and mark
    where a tiny change of ``z`` flips the step's output from 0 to 1 while the sigmoid barely moves."""
    fig, ax = _figure_and_axes(ax, (8, 4.2))
    z, step, smooth = (np.asarray(v, float) for v in (z, step, smooth))
    jump = np.flatnonzero(np.diff(step))
    ax.plot(z, smooth, color=FORWARD_COLOR, lw=2.5, label=r"sigmoid neuron: $\sigma(z)$")
    if jump.size:  # draw the step without the vertical line a plot would join its two levels with
        cut = jump[0] + 1
        ax.plot(z[:cut], step[:cut], color=BACKWARD_COLOR, lw=2.5, label="perceptron: step at $z = 0$")
        ax.plot(z[cut:], step[cut:], color=BACKWARD_COLOR, lw=2.5)
        at = (z[jump[0]] + z[cut]) / 2
        ax.axvspan(at - 0.3, at + 0.3, color="0.9")
        ax.annotate("a small change of $z$ here:\nthe step jumps from 0 to 1,\nthe sigmoid moves a little",
                    xy=(at, 0.5), xytext=(at + 1.2, 0.2), fontsize=9, arrowprops={"arrowstyle": "->"})
    else:
        ax.plot(z, step, color=BACKWARD_COLOR, lw=2.5, label="perceptron: step")
    ax.set_xlabel("$z = w^T x + b$")
    ax.set_ylabel("output")
    ax.set_ylim(-0.08, 1.08)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title(title)
    return fig


def draw_outer_product(u: Sequence[float] | np.ndarray, v: Sequence[float] | np.ndarray, ax: Axes | None = None,
                       title: str | None = None, fmt: str = "{:g}") -> Figure:
    """The outer product of vectors ``u`` (drawn as a column) and ``v`` (drawn as a row): the grid of every
    product u_i * v_j, computed here with broadcasting (u as a column times v as a row), no loop."""
    u = np.asarray(u, float).ravel()
    v = np.asarray(v, float).ravel()
    product = u.reshape(-1, 1) * v.reshape(1, -1)
    fig, ax = _figure_and_axes(ax, (1.2 * len(v) + 4, 1.0 * len(u) + 2.2))

    def cell(x, y, text, color, size=10):
        ax.add_patch(Rectangle((x, y), 1, 1, facecolor=color, edgecolor="black", lw=1.1))
        ax.text(x + 0.5, y + 0.5, text, ha="center", va="center", fontsize=size)

    for i, value in enumerate(u):
        cell(0, -i - 1, fmt.format(value), INPUT_COLOR)
    for j, value in enumerate(v):
        cell(j + 1.5, 0.4, fmt.format(value), OUTPUT_COLOR)
    for i in range(len(u)):
        for j in range(len(v)):
            cell(j + 1.5, -i - 1, fmt.format(product[i, j]), BOX_COLOR)
    ax.text(0.5, 0.9, "$u$", ha="center", va="center", fontsize=12)
    ax.text(len(v) + 2.0, 0.9, "$v$", ha="left", va="center", fontsize=12)
    ax.text(1.5 + len(v) / 2, -len(u) - 0.35, f"entry $(i, j) = u_i v_j$, shape {product.shape}",
            ha="center", va="top", fontsize=10, style="italic")
    _finish(ax, title or "Outer product: u.reshape(-1, 1) * v.reshape(1, -1), no loop", margin=0.3)
    return fig


def draw_model_architectures(models: Sequence[tuple[str, Sequence[tuple[str, str, str]]]],
                             title: str | None = None) -> Figure:
    """The architectures of the assignments' models side by side, each as layers of boxes (input, hidden
    layers, output) labelled with their sizes and activations.

    models -- list of (panel title, [(layer label, size text, colour kind), ...]) with colour kind one of
              "input", "hidden", "output"
    """
    colors = {"input": INPUT_COLOR, "hidden": HIDDEN_COLOR, "output": OUTPUT_COLOR}
    widths = [len(layers) for _, layers in models]
    fig, axes = plt.subplots(len(models), 1, figsize=(2.4 * max(widths) + 1, 2.0 * len(models) + 0.4))
    for ax, (panel_title, layers) in zip(np.atleast_1d(axes), models):
        nodes = []
        for k, (label, size, kind) in enumerate(layers):
            nodes.append(_Node(ax, (k * 2.6, 0), f"{label}\n{size}", colors[kind], 0.5, width=1.9, height=1.1,
                               fontsize=10))
        for a, b in zip(nodes, nodes[1:]):
            _connect(ax, a, b, lw=1.4)
        _finish(ax, panel_title, margin=0.3)
    if title:
        fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return fig
