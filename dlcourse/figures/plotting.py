"""Plots for two-feature classification data: the data set and a model's decision regions.

Examples are columns, as everywhere in the course: ``X`` has shape ``(2, m)`` and ``Y`` shape ``(1, m)``
with labels 0 and 1. A model is passed in as a function that takes points as columns and returns one
label per point, so these helpers draw any classifier (a trained network, scikit-learn, a lambda)
without knowing how it works. matplotlib is imported when something is drawn (grading skips the plots).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CLASS_COLORS", "REGION_COLORS", "scatter_planar", "plot_decision_boundary"]

CLASS_COLORS = ("#c0392b", "#1f5fa8")   # points of class 0 (red) and class 1 (blue)
REGION_COLORS = ("#f6d0cb", "#cfdff3")  # the same hues, light, for the predicted regions


def _legend_below(ax, handles, names):
    """A legend in two columns under the axes, where it hides no data."""
    ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8, frameon=False)


def _labels(Y, m):
    """The labels as a flat array of m values (accepts shapes (1, m) and (m,))."""
    labels = np.asarray(Y).reshape(-1)
    if labels.size != m:
        raise ValueError(f"Y holds {labels.size} labels but X has {m} examples (columns)")
    return labels


def scatter_planar(X: np.ndarray, Y: np.ndarray, ax: Axes | None = None, title: str | None = None,
                   class_names: Sequence[str] = ("y = 0", "y = 1"), legend: bool = True) -> Axes:
    """Draw 2-D examples (the columns of X) coloured by their 0/1 label; return the axes.

    X -- data, shape (2, m); Y -- labels 0/1, shape (1, m) or (m,)
    legend -- whether to put a legend (class names and counts) under the axes
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"X must have shape (2, m) (examples as columns), not {X.shape}")
    labels = _labels(Y, X.shape[1])
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 5))
    for value, (name, color) in enumerate(zip(class_names, CLASS_COLORS)):
        chosen = labels == value
        ax.scatter(X[0, chosen], X[1, chosen], s=14, c=color, edgecolors="white", linewidths=0.4,
                   label=f"{name} ({int(chosen.sum())} examples)", zorder=3)
    ax.set_xlabel("$x_1$ (first feature)")
    ax.set_ylabel("$x_2$ (second feature)")
    ax.set_aspect("equal", adjustable="box")
    if title:
        ax.set_title(title)
    if legend:
        _legend_below(ax, *ax.get_legend_handles_labels())
    return ax


def plot_decision_boundary(predict_fn: Callable[[np.ndarray], np.ndarray], X: np.ndarray, Y: np.ndarray,
                           ax: Axes | None = None, title: str | None = None, resolution: int = 250, margin: float = 1.0,
                           legend: bool = True) -> Axes:
    """Shade where ``predict_fn`` predicts 0 or 1, draw the boundary and the data on top; return the axes.

    predict_fn -- takes points as columns, shape (2, k), and returns k labels (bool or 0/1, any shape
                  holding k values, e.g. (1, k) or (k,))
    X -- data, shape (2, m); Y -- labels 0/1, shape (1, m) or (m,)
    resolution -- number of grid points along each axis; margin -- space around the data
    legend -- whether to put a legend (classes and predicted regions) under the axes
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"X must have shape (2, m) (examples as columns), not {X.shape}")
    x_min, x_max = X[0].min() - margin, X[0].max() + margin
    y_min, y_max = X[1].min() - margin, X[1].max() + margin
    grid_x, grid_y = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    points = np.vstack([grid_x.ravel(), grid_y.ravel()])
    predicted = np.asarray(predict_fn(points), dtype=float)
    if predicted.size != points.shape[1]:
        raise ValueError(f"predict_fn returned {predicted.size} values for {points.shape[1]} points "
                         f"(it receives points as columns, shape (2, k))")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    regions = predicted.reshape(grid_x.shape)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    ax.contourf(grid_x, grid_y, regions, levels=[-0.5, 0.5, 1.5], cmap=ListedColormap(REGION_COLORS), zorder=1)
    if regions.min() < 0.5 < regions.max():
        ax.contour(grid_x, grid_y, regions, levels=[0.5], colors="#333333", linewidths=1.0, zorder=2)
    scatter_planar(X, Y, ax=ax, title=title, legend=False)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    if legend:
        handles, names = ax.get_legend_handles_labels()
        handles += [Patch(facecolor=REGION_COLORS[0], edgecolor="#999999"),
                    Patch(facecolor=REGION_COLORS[1], edgecolor="#999999")]
        names += ["region predicted 0", "region predicted 1"]
        _legend_below(ax, handles, names)
    return ax
