"""How close the reference L-layer model comes to the matrix products it cannot avoid.

Trains the reference ``L_layer_model`` of the week-4 application (its solution, run with the given blocks through
``dlcourse.course.layout.reference_namespace``) on the shipped cat pictures, and times the same number of iterations of
the matrix products every implementation has to do: per layer, the forward product W @ A_prev and the backward
products dZ @ A_prev.T (dW) and W.T @ dZ (dA_prev), with the same shapes and the same input array. The floor is
timed before and after the model, and the ratio uses their mean, so that load from other processes affects both.

    python scripts/benchmark_deep_nn.py                    # [n_x, 20, 7, 5, 1], 2500 iterations, lr 0.0075
    python scripts/benchmark_deep_nn.py --iterations 300   # a quick look

Target: model / floor <= 1.5.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlcourse.course import layout  # noqa: E402
from dlcourse.datasets import load_cats  # noqa: E402

NOTEBOOK = ROOT / "source" / "w4_deep_nn_application" / "deep_nn_application.ipynb"
HIDDEN = [20, 7, 5]


def floor_seconds(X, layers_dims, iterations, seed=0):
    """Time the unavoidable products of `iterations` training iterations: W @ A_prev, dZ @ A_prev.T, W.T @ dZ."""
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    activations = [X] + [rng.random((n, m)) for n in layers_dims[1:]]
    weights = [rng.standard_normal((layers_dims[l], layers_dims[l - 1])) for l in range(1, len(layers_dims))]
    dZ = [rng.standard_normal((n, m)) for n in layers_dims[1:]]
    start = time.perf_counter()
    for _ in range(iterations):
        for l, W in enumerate(weights):
            W @ activations[l]                 # forward: Z = W A_prev (+ b)
        for l in reversed(range(len(weights))):
            dZ[l] @ activations[l].T           # dW = dZ A_prev^T / m
            weights[l].T @ dZ[l]               # dA_prev = W^T dZ
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="example: python scripts/benchmark_deep_nn.py --iterations 2500")
    parser.add_argument("--iterations", type=int, default=2500, help="training iterations (default 2500)")
    parser.add_argument("--learning-rate", type=float, default=0.0075)
    args = parser.parse_args(argv)

    reference = layout.reference_namespace(NOTEBOOK)
    train_x_orig, train_y, _, _, _ = load_cats()
    X = train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255    # as in the notebook: examples are columns
    layers_dims = [X.shape[0], *HIDDEN, 1]
    print(f"L-layer model {layers_dims} on {X.shape[1]} pictures, {args.iterations} iterations, "
          f"learning rate {args.learning_rate}")

    floor_before = floor_seconds(X, layers_dims, args.iterations)
    np.random.seed(1)
    start = time.perf_counter()
    _, costs = reference["L_layer_model"](X, train_y, layers_dims, learning_rate=args.learning_rate,
                                          num_iterations=args.iterations)
    model = time.perf_counter() - start
    floor_after = floor_seconds(X, layers_dims, args.iterations)
    floor = (floor_before + floor_after) / 2

    print(f"final recorded cost      {costs[-1]:.4f}")
    print(f"reference L_layer_model  {model:8.2f} s")
    print(f"matrix-product floor     {floor:8.2f} s   (before {floor_before:.2f} s, after {floor_after:.2f} s)")
    print(f"ratio model / floor      {model / floor:8.2f}   (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
