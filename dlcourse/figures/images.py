"""Showing the cat images and bringing in a picture of one's own (used by the week-2 and week-4 assignments).

matplotlib is imported when a figure is drawn, not at import: grading skips the demonstrations and
should not pay a second of start-up per notebook for plots it never draws.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def show_images(images: np.ndarray, labels: np.ndarray, classes: Sequence[str], predictions: np.ndarray | None = None,
                columns: int = 8, title: str | None = None) -> Figure:
    """Show images (m, px, px, 3) in a grid, titled with their class (and prediction when given).

    labels, predictions -- arrays of 0/1 of any shape holding m values
    Returns the matplotlib figure.
    """
    labels = np.asarray(labels).ravel().astype(int)
    count = len(images)
    if count == 0:
        raise ValueError("show_images needs at least one image")
    import matplotlib.pyplot as plt

    columns = min(columns, count)
    rows = -(-count // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 2.3 * rows), squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if index >= count:
            continue
        ax.imshow(images[index])
        text = classes[labels[index]]
        color = "black"
        if predictions is not None:
            predicted = int(np.asarray(predictions).ravel()[index])
            text = f"true: {classes[labels[index]]}\npredicted: {classes[predicted]}"
            color = "darkgreen" if predicted == labels[index] else "firebrick"
        ax.set_title(text, fontsize=8, color=color)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_mislabelled(images: np.ndarray, labels: np.ndarray, predictions: np.ndarray, classes: Sequence[str],
                     limit: int = 16) -> Figure | None:
    """Show up to ``limit`` images whose prediction differs from the label; returns the figure or None."""
    labels = np.asarray(labels).ravel().astype(int)
    predictions = np.asarray(predictions).ravel().astype(int)
    wrong = np.flatnonzero(labels != predictions)[:limit]
    if wrong.size == 0:
        print("Every image is classified correctly.")
        return None
    return show_images(images[wrong], labels[wrong], classes, predictions[wrong],
                       title=f"{wrong.size} of {np.sum(labels != predictions)} misclassified images")


def load_image(path: str | Path, num_px: int) -> np.ndarray:
    """Read an image file of any size and format, as RGB uint8 of shape (num_px, num_px, 3)."""
    from PIL import Image

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no image at {path}: put your picture there or change the path")
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB").resize((num_px, num_px)), dtype=np.uint8)


def plot_costs(curves: dict[str, Sequence[float]], title: str = "Learning curve") -> Figure:
    """Plot cost curves recorded every 100 iterations: {label: costs}. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, costs in curves.items():
        ax.plot(np.arange(len(costs)) * 100, np.squeeze(costs), label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
