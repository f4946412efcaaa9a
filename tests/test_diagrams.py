"""The lecture notebooks' drawing helpers return figures holding the expected artists and labels."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402

from dlcourse.figures import diagrams  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(fig):
    """Every string shown in the figure: titles, free text, legend entries, table cells."""
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        found += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            found += [t.get_text() for t in legend.get_texts()]
        for table in ax.tables:
            found += [cell.get_text().get_text() for cell in table.get_celld().values()]
    return [t for t in found if t]


def patches(fig, kind):
    return [p for ax in fig.axes for p in ax.patches if isinstance(p, kind)]


def test_draw_network_dense_has_one_node_per_unit_and_one_arrow_per_weight():
    fig = diagrams.draw_network([3, 4, 1], layer_titles=["input", "hidden", "output"], title="net")
    assert isinstance(fig, Figure)
    assert len(patches(fig, Circle)) == 3 + 4 + 1
    assert len(patches(fig, FancyArrowPatch)) == 3 * 4 + 4 * 1
    shown = texts(fig)
    for label in ("$x_{1}$", "$x_{3}$", "$a^{[1]}_{4}$", r"$\hat{y}$", "input", "hidden", "net"):
        assert label in shown


def test_draw_network_explicit_edges_boxes_and_names():
    fig = diagrams.draw_network([2, 2, 1], node_labels=[["", ""], ["p", "q"], [""]],
                                input_names=["size", "rooms"], output_names=["price"],
                                edges={0: [(0, 0), (1, 1)]}, box_widths={1: 1.5})
    assert len(patches(fig, FancyArrowPatch)) == 2 + 2
    assert len(patches(fig, FancyBboxPatch)) == 2          # the hidden layer drawn as boxes
    assert {"size", "rooms", "price", "p", "q"} <= set(texts(fig))


def test_draw_network_on_given_axes_returns_its_figure():
    fig, ax = plt.subplots()
    assert diagrams.draw_network([2, 1], ax=ax, node_labels=False) is fig
    assert not ax.texts


def test_draw_network_row_draws_one_panel_per_network():
    fig = diagrams.draw_network_row([([2, 1], "shallow"), ([2, 3, 3, 1], "deep")], title="depth",
                                    node_labels=False)
    assert len(fig.axes) == 2
    assert len(patches(fig, Circle)) == 3 + 9
    assert {"shallow", "deep", "depth"} <= set(texts(fig))


def test_draw_single_neuron():
    fig = diagrams.draw_single_neuron(title="one neuron")
    assert len(patches(fig, Circle)) == 3
    assert len(patches(fig, FancyArrowPatch)) == 2
    assert {"ReLU", "one neuron"} <= set(texts(fig))


def test_architecture_sketches_have_three_titled_panels():
    fig = diagrams.draw_architecture_sketches()
    assert len(fig.axes) == 3
    shown = " ".join(texts(fig))
    for word in ("Standard", "CNN", "RNN", "image"):
        assert word in shown


def test_iteration_cycle_joins_every_stage():
    fig = diagrams.draw_iteration_cycle(stages=("Idea", "Code", "Experiment"))
    assert len(patches(fig, FancyArrowPatch)) == 3
    assert {"Idea", "Code", "Experiment"} <= set(texts(fig))


def test_scale_chart_has_four_labelled_curves():
    fig = diagrams.draw_scale_chart()
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 4
    assert len(ax.get_legend().get_texts()) == 4
    assert "data" in ax.get_xlabel() and "performance" in ax.get_ylabel()
    assert ax.get_title()


def test_structured_vs_unstructured_shows_a_table_and_three_raw_kinds():
    fig = diagrams.draw_structured_vs_unstructured()
    shown = " ".join(texts(fig))
    assert "bedrooms" in shown
    for word in ("image", "audio", "text"):
        assert word in shown


def test_image_to_vector_shows_channels_and_vector_shape():
    image = np.arange(2 * 3 * 3).reshape(2, 3, 3)
    fig = diagrams.draw_image_to_vector(image, n_head=3, n_tail=2)
    shown = texts(fig)
    assert any("(18, 1)" in t for t in shown)
    assert sum("channel" in t for t in shown) == 3
    assert len(patches(fig, Rectangle)) >= 5               # the drawn vector cells


def test_example_matrix_labels_columns_as_examples():
    fig = diagrams.draw_example_matrix(title="X")
    shown = texts(fig)
    for label in ("$x^{(1)}$", "$x^{(m)}$", "$y^{(1)}$", "$y^{(m)}$", "X ="):
        assert label in shown
    fig = diagrams.draw_example_matrix(name="A", symbol="a", label_symbol=None)
    assert "$y^{(1)}$" not in texts(fig)


@pytest.mark.parametrize("left, right, expected", [
    (np.arange(6).reshape(2, 3), np.array([[1, 2, 3]]), "(2, 3) + (1, 3)"),
    (np.arange(6).reshape(2, 3), np.array([[1], [2]]), "(2, 3) + (2, 1)"),
    (np.array([[1], [2], [3]]), 100, "(3, 1) + scalar"),
    (np.array([[1], [2], [3]]), np.array([10, 20]), "(3, 1) + (2,)"),
])
def test_broadcasting_draws_both_operands_stretched_and_the_result(left, right, expected):
    fig = diagrams.draw_broadcasting(left, right)
    result = np.add(left, right)
    title = fig.axes[0].get_title()
    assert title.startswith(expected) and str(result.shape) in title
    cells = patches(fig, Rectangle)
    assert len(cells) == 3 * result.size                   # left, right and result, all full size
    shown = texts(fig)
    for value in result.ravel():
        assert f"{value:g}" in shown


def test_computation_graph_writes_values_and_derivatives():
    nodes = {"a": (0, 0, "$a$"), "b": (0, 1, "$b$"), "v": (2, 0.5, "$v = a + b$")}
    fig = diagrams.draw_computation_graph(nodes, [("a", "v"), ("b", "v")],
                                          values={"v": "7"}, grads={"a": "da = 1"}, title="g")
    assert len(patches(fig, FancyBboxPatch)) == 3
    assert len(patches(fig, FancyArrowPatch)) == 2
    shown = texts(fig)
    assert {"$v = a + b$", "7", "da = 1", "g"} <= set(shown)
    assert len(fig.axes[0].get_legend().get_texts()) == 2


def test_forward_backward_blocks_have_a_forward_and_backward_block_per_layer():
    fig = diagrams.draw_forward_backward_blocks(n_layers=3)
    shown = texts(fig)
    for layer in (1, 2, 3):
        assert f"layer {layer}\nforward" in shown
        assert f"layer {layer}\nbackward" in shown
        assert f"$dW^{{[{layer}]}}, db^{{[{layer}]}}$" in shown
    assert sum(t.startswith("cache\n") for t in shown) == 3
    assert len(fig.axes[0].get_legend().get_texts()) == 3


def test_parity_circuits_count_gates_and_units():
    fig = diagrams.draw_parity_circuits(n_bits=8)
    assert len(fig.axes) == 2
    shown = texts(fig)
    assert sum(t == r"$\oplus$" for t in shown) == 7       # n - 1 XOR gates
    assert any("128" in t for t in shown)                  # 2**(n-1) hidden units
    assert any("depth 3" in t for t in shown)


def test_feature_hierarchy_names_its_stages():
    shown = " ".join(texts(diagrams.draw_feature_hierarchy()))
    for word in ("edges", "faces", "phonemes", "words"):
        assert word in shown


def test_gradient_descent_1d_marks_each_step():
    fig = diagrams.plot_gradient_descent_1d(lambda w: (w - 1) ** 2, lambda w: 2 * (w - 1),
                                            starts=[-2, 3], learning_rate=0.25, n_steps=4,
                                            w_range=(-3, 4))
    ax = fig.axes[0]
    assert len(patches(fig, FancyArrowPatch)) == 2 * 4
    assert len(ax.get_legend().get_texts()) == 4           # cost, two starts, minimum
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_cost_surface_has_surface_and_contour_panels():
    fig = diagrams.plot_cost_surface(lambda w, b: w ** 2 + b ** 2, np.linspace(-1, 1, 9),
                                     np.linspace(-1, 1, 9), path=[(1, 1), (0.5, 0.5), (0, 0)])
    assert len(fig.axes) == 2
    assert fig.axes[1].get_legend() is not None
    assert all(ax.get_xlabel() == "$w$" for ax in fig.axes)


def test_step_vs_sigmoid_draws_the_step_in_two_pieces_and_marks_the_jump():
    z = np.linspace(-6, 6, 121)
    fig = diagrams.plot_step_vs_sigmoid(z, (z > 0).astype(float), 1 / (1 + np.exp(-z)))
    ax = fig.axes[0]
    step_pieces = [line for line in ax.lines if set(np.unique(line.get_ydata())) <= {0.0, 1.0}]
    assert len(step_pieces) == 2                                # no vertical line joining 0 and 1
    assert {tuple(np.unique(p.get_ydata())) for p in step_pieces} == {(0.0,), (1.0,)}
    assert any("small change" in t for t in texts(fig))
    assert any("perceptron" in t for t in texts(fig)) and any("sigmoid" in t for t in texts(fig))


def test_outer_product_shows_every_product_once():
    fig = diagrams.draw_outer_product([1, 2, 3], [4, 5])
    cells = patches(fig, Rectangle)
    assert len(cells) == 3 + 2 + 3 * 2                          # u, v and the grid of products
    shown = texts(fig)
    for value in (4, 5, 8, 10, 12, 15):
        assert f"{value:g}" in shown
    assert any("(3, 2)" in t for t in shown)


def test_model_architectures_draw_one_box_per_layer_and_one_arrow_between_layers():
    fig = diagrams.draw_model_architectures([
        ("two layers", [("input", "12 values", "input"), ("hidden", "7 ReLU", "hidden"),
                        ("output", "1 sigmoid", "output")]),
        ("four layers", [("input", "12 values", "input"), ("l1", "5 ReLU", "hidden"), ("l2", "3 ReLU", "hidden"),
                         ("l3", "2 ReLU", "hidden"), ("output", "1 sigmoid", "output")]),
    ], title="models")
    assert [len([p for p in ax.patches if isinstance(p, FancyBboxPatch)]) for ax in fig.axes] == [3, 5]
    assert [len([p for p in ax.patches if isinstance(p, FancyArrowPatch)]) for ax in fig.axes] == [2, 4]
    shown = texts(fig)
    assert {"two layers", "four layers", "models", "hidden\n7 ReLU", "l3\n2 ReLU"} <= set(shown)
