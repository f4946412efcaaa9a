"""Measure how hard the cat data set is, with the course's own reference code and hyperparameters.

Runs the reference solutions of the source notebooks (no second copy of them):
logistic regression (w2_logistic_regression: 2000 iterations, learning rate 0.005), the two-layer network
[n_x, 7, 1] and the L-layer network [n_x, 20, 7, 5, 1] (w4_deep_nn_application: 2500 iterations, 0.0075,
initialisation scaled by 1/sqrt(n[l-1]), np.random.seed(1) before each), and prints train/test accuracy.
Targets: logistic regression train >= 95 %, test 60-80 %; two-layer test >= logistic regression's;
L-layer the best of the three and >= 75 % on test.

    python scripts/calibrate_cats.py [--data FOLDER]
"""
import argparse
import time
from pathlib import Path

import numpy as np

from dlcourse.course import layout
from dlcourse.datasets import load_cats

SOURCE = Path(__file__).resolve().parents[1] / "source"


def accuracy(predictions, labels):
    """Percentage of predictions equal to the labels."""
    return 100.0 * float(np.mean(np.asarray(predictions).ravel() == np.asarray(labels).ravel()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="folder with train_catvnoncat.h5 / test_catvnoncat.h5 (default: shipped files)")
    args = parser.parse_args()
    train_x_orig, train_y, test_x_orig, test_y, _ = load_cats(args.data)
    train_x = train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255
    test_x = test_x_orig.reshape(test_x_orig.shape[0], -1).T / 255
    results = {}

    lr = layout.reference_namespace(SOURCE / "w2_logistic_regression" / "logistic_regression.ipynb")
    start = time.perf_counter()
    d = lr["model"](train_x, train_y, test_x, test_y, num_iterations=2000, learning_rate=0.005)
    results["logistic regression"] = (accuracy(d["Y_prediction_train"], train_y),
                                      accuracy(d["Y_prediction_test"], test_y), time.perf_counter() - start)

    app = layout.reference_namespace(SOURCE / "w4_deep_nn_application" / "deep_nn_application.ipynb")
    n_x = train_x.shape[0]
    for name, function, dims in [("two-layer [n_x, 7, 1]", "two_layer_model", (n_x, 7, 1)),
                                 ("L-layer [n_x, 20, 7, 5, 1]", "L_layer_model", [n_x, 20, 7, 5, 1])]:
        np.random.seed(1)
        start = time.perf_counter()
        parameters, _ = app[function](train_x, train_y, dims, learning_rate=0.0075, num_iterations=2500)
        results[name] = (accuracy(app["predict"](train_x, parameters), train_y),
                         accuracy(app["predict"](test_x, parameters), test_y), time.perf_counter() - start)

    print(f"{'model':<30} {'train':>7} {'test':>7} {'time':>7}")
    for name, (train, test, seconds) in results.items():
        print(f"{name:<30} {train:6.1f}% {test:6.1f}% {seconds:6.1f}s")
    (lr_train, lr_test, _), (_, two_test, _), (_, deep_test, _) = results.values()
    checks = [("logistic regression overfits: train >= 95 %", lr_train >= 95),
              ("logistic regression test between 60 % and 80 %", 60 <= lr_test <= 80),
              ("two-layer test >= logistic regression test", two_test >= lr_test),
              ("L-layer is the best on test", deep_test >= max(lr_test, two_test)),
              ("L-layer test >= 75 %", deep_test >= 75)]
    for text, ok in checks:
        print(f"{'ok  ' if ok else 'MISS'} {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
