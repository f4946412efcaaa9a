"""The plotting helpers draw what they are given, with examples as columns, on the Agg backend."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse.figures import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _data():
    X = np.array([[-2.0, -1.0, -0.5, 0.5, 1.0, 2.0], [0.0, 1.0, -1.0, 1.0, -1.0, 0.5]])
    Y = (X[0:1] > 0).astype(int)
    return X, Y


def test_scatter_draws_each_class_in_its_colour_with_a_legend_and_labels():
    X, Y = _data()
    ax = plotting.scatter_planar(X, Y, title="six points")
    zero, one = ax.collections
    assert zero.get_offsets().tolist() == X[:, :3].T.tolist()
    assert one.get_offsets().tolist() == X[:, 3:].T.tolist()
    assert matplotlib.colors.to_hex(zero.get_facecolor()[0]) == plotting.CLASS_COLORS[0]
    assert matplotlib.colors.to_hex(one.get_facecolor()[0]) == plotting.CLASS_COLORS[1]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["y = 0 (3 examples)", "y = 1 (3 examples)"]
    assert ax.get_title() == "six points" and "x_1" in ax.get_xlabel() and "x_2" in ax.get_ylabel()


def test_scatter_accepts_rank_1_labels_and_draws_on_the_given_axes():
    X, Y = _data()
    fig, ax = plt.subplots()
    assert plotting.scatter_planar(X, Y.ravel(), ax=ax) is ax
    assert len(fig.axes) == 1


@pytest.mark.parametrize("bad_X, bad_Y", [(np.zeros((6, 2)), np.zeros((1, 6))), (np.zeros((2, 6)), np.zeros((1, 5)))])
def test_scatter_rejects_examples_as_rows_and_mismatched_labels(bad_X, bad_Y):
    with pytest.raises(ValueError):
        plotting.scatter_planar(bad_X, bad_Y)


@pytest.mark.parametrize("shape_of_output", ["row", "flat", "bool"])
def test_decision_boundary_asks_for_points_as_columns_and_shades_the_predicted_regions(shape_of_output):
    X, Y = _data()
    seen = []

    def right_half(points):
        seen.append(points.shape)
        labels = points[0:1] > 0
        if shape_of_output == "row":
            return labels.astype(float)
        return labels.ravel() if shape_of_output == "flat" else labels

    ax = plotting.plot_decision_boundary(right_half, X, Y, title="x1 > 0", resolution=40)
    assert seen == [(2, 40 * 40)]
    filled = ax.collections[0]  # the contourf regions, drawn first
    assert len(filled.get_paths()) >= 1
    assert ax.get_xlim() == (X[0].min() - 1.0, X[0].max() + 1.0)
    assert ax.get_title() == "x1 > 0"
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert names == ["y = 0 (3 examples)", "y = 1 (3 examples)", "region predicted 0", "region predicted 1"]


def test_decision_boundary_of_a_constant_model_and_without_legend():
    X, Y = _data()
    fig, ax = plt.subplots()
    out = plotting.plot_decision_boundary(lambda p: np.zeros(p.shape[1]), X, Y, ax=ax, resolution=20, legend=False)
    assert out is ax and ax.get_legend() is None


def test_decision_boundary_rejects_a_model_returning_the_wrong_number_of_labels():
    X, Y = _data()
    with pytest.raises(ValueError, match="returned 2 values"):
        plotting.plot_decision_boundary(lambda p: np.zeros(2), X, Y, resolution=10)


def test_figures_render_to_png(tmp_path):
    X, Y = _data()
    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    plotting.scatter_planar(X, Y, ax=axes[0])
    plotting.plot_decision_boundary(lambda p: p[0] + p[1] > 0, X, Y, ax=axes[1], resolution=30)
    fig.savefig(tmp_path / "plots.png")
    assert (tmp_path / "plots.png").stat().st_size > 1000


def test_scatter_without_legend():
    X, Y = _data()
    assert plotting.scatter_planar(X, Y, legend=False).get_legend() is None
