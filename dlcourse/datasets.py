"""Data sets of the course, in the lecture layout (examples are columns).

- ``load_cats()``: the cat / non-cat pictures of weeks 2 and 4, read from two h5 files in the classic layout;
- ``load_planar_dataset()``: the two-class "flower" of week 3, made from code;
- ``load_extra_datasets()``: more 2-D sets to try the week-3 network on, made with scikit-learn.
"""
import os
from pathlib import Path

import h5py
import numpy as np

CATS_ENV = "DLCOURSE_CATS_DIR"
TRAIN_FILE, TEST_FILE = "train_catvnoncat.h5", "test_catvnoncat.h5"
SHIPPED_DIR = Path(__file__).resolve().parent / "data"


class DatasetError(ValueError):
    """A data file that is missing, unreadable or not in the expected layout."""


def cats_dir(path: str | Path | None = None) -> Path:
    """Folder the cat pictures are read from: path, else $DLCOURSE_CATS_DIR, else the shipped files."""
    chosen = path if path is not None else (os.environ.get(CATS_ENV) or SHIPPED_DIR)
    return Path(chosen).expanduser()


def load_cats(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Load the cat / non-cat pictures.

    Arguments:
    path -- folder holding train_catvnoncat.h5 and test_catvnoncat.h5 (keys train_set_x, train_set_y,
            test_set_x, test_set_y, list_classes); default: the folder named by the environment
            variable DLCOURSE_CATS_DIR if it is set, else the files shipped with the course

    Returns:
    train_set_x_orig -- uint8 pictures, shape (m_train, num_px, num_px, 3)
    train_set_y -- labels, 1 for cat and 0 for non-cat, shape (1, m_train)
    test_set_x_orig -- uint8 pictures, shape (m_test, num_px, num_px, 3)
    test_set_y -- labels, shape (1, m_test)
    classes -- list of the class names as str, ["non-cat", "cat"]

    Raises DatasetError (a ValueError) naming the file and the problem when a file is missing or wrong.
    """
    folder = cats_dir(path)
    if folder.is_file():
        raise DatasetError(f"{folder}: is a file; give the folder that holds {TRAIN_FILE} and {TEST_FILE}")
    try:
        train_x, train_y, classes = _read_split(folder / TRAIN_FILE, "train")
        test_x, test_y, _ = _read_split(folder / TEST_FILE, "test")
    except DatasetError as err:
        if path is None and os.environ.get(CATS_ENV):
            raise DatasetError(f"{err} [folder taken from the environment variable {CATS_ENV}]") from None
        raise
    if train_x.shape[1:] != test_x.shape[1:]:
        raise DatasetError(f"{folder / TEST_FILE}: pictures are {_size(test_x)} but those of "
                           f"{TRAIN_FILE} are {_size(train_x)}; both files must use the same size")
    return train_x, train_y.reshape(1, -1), test_x, test_y.reshape(1, -1), classes


def _size(x):
    """Picture size of an (m, h, w, c) array as text."""
    return f"{x.shape[1]}x{x.shape[2]}"


def _read_split(file, prefix):
    """Read and check (x, y, classes) of one split from an h5 file in the classic layout."""
    if not file.is_file():
        raise DatasetError(f"{file}: file not found (a cats folder must hold {TRAIN_FILE} and {TEST_FILE})")
    try:
        with h5py.File(file, "r") as f:
            x = _read_key(f, file, f"{prefix}_set_x")
            y = _read_key(f, file, f"{prefix}_set_y")
            names = _read_key(f, file, "list_classes")
    except DatasetError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as err:
        raise DatasetError(f"{file}: not a readable HDF5 file (truncated or corrupt?): {err}") from None
    _check_pictures(file, f"{prefix}_set_x", x)
    y = _check_labels(file, f"{prefix}_set_y", y, f"{prefix}_set_x", len(x))
    return x, y, _check_classes(file, names)


def _read_key(f, file, key):
    """The whole array stored under key, or DatasetError if it is missing or not a data set."""
    if key not in f:
        found = ", ".join(sorted(f.keys())) or "none"
        raise DatasetError(f"{file}: missing key '{key}' (keys found: {found})")
    if not isinstance(f[key], h5py.Dataset):
        raise DatasetError(f"{file}: '{key}' is a group, not a data set")
    return np.asarray(f[key][()])


def _check_pictures(file, key, x):
    """Check an (m, px, px, 3) uint8 array of pictures."""
    if x.dtype != np.uint8:
        raise DatasetError(f"{file}: '{key}' has dtype {x.dtype}, expected uint8 (pixel values 0 to 255)")
    if x.ndim != 4 or x.shape[3] != 3:
        raise DatasetError(f"{file}: '{key}' has shape {x.shape} (rank {x.ndim}), expected rank 4 "
                           "(m, num_px, num_px, 3) with 3 colour channels")
    if x.shape[1] != x.shape[2]:
        raise DatasetError(f"{file}: '{key}' holds non-square pictures of {x.shape[1]}x{x.shape[2]} pixels, "
                           "expected square pictures (num_px x num_px)")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise DatasetError(f"{file}: '{key}' holds no pictures (shape {x.shape})")


def _check_labels(file, key, y, x_key, m):
    """Check labels of 0 and 1, one per picture; return them as a rank-1 array."""
    if y.dtype.kind not in "iub":
        raise DatasetError(f"{file}: '{key}' has dtype {y.dtype}, expected integer labels 0 or 1")
    if y.ndim != 1 and not (y.ndim == 2 and y.shape[0] == 1):
        raise DatasetError(f"{file}: '{key}' has shape {y.shape} (rank {y.ndim}), expected rank 1 (m,)")
    y = y.reshape(-1)
    if y.size != m:
        raise DatasetError(f"{file}: '{key}' has {y.size} labels but '{x_key}' has {m} pictures")
    bad = np.setdiff1d(np.unique(y), [0, 1])
    if bad.size:
        raise DatasetError(f"{file}: '{key}' labels must be 0 (non-cat) or 1 (cat), found {bad[:5].tolist()}")
    return y


def _check_classes(file, names):
    """Class names stored as bytes or str, returned as a list of str."""
    if names.ndim != 1 or names.dtype.kind not in "SUO" or names.size < 2:
        raise DatasetError(f"{file}: 'list_classes' has shape {names.shape} and dtype {names.dtype}, "
                           'expected the class names, e.g. [b"non-cat", b"cat"]')
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names.tolist()]


def load_planar_dataset(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The two-class "flower": 400 points in 2-D, 200 per class, on the petals of a rose curve.

    The rose r = 4*sin(4*theta) has 8 petals; they are coloured in pairs (two petals of class 0, two of
    class 1, and so on round the flower), so no straight line separates the classes.

    Arguments:
    seed -- integer; the same seed always gives the same points

    Returns:
    X -- coordinates, float64, shape (2, 400)
    Y -- labels 0 or 1, int64 (so that expressions such as -Y or 1 - Y never wrap around), shape (1, 400)
    """
    rng = np.random.RandomState(seed)
    per_class, k, a = 200, 4, 4.0                    # r = a*sin(k*theta) has 2k petals
    petals = np.arange(2 * k)
    xs, ys = [], []
    for label in (0, 1):
        mine = petals[(petals // 2) % 2 == label]                     # pairs of neighbouring petals
        petal = mine[np.arange(per_class) % len(mine)]
        u = rng.uniform(0.0, np.pi / k, per_class)                    # position along the petal
        r = a * np.sin(k * u) + rng.normal(0.0, 0.3, per_class)
        theta = petal * np.pi / k + u + rng.normal(0.0, 0.1, per_class)
        xs.append(np.stack([r * np.cos(theta), r * np.sin(theta)]))
        ys.append(np.full(per_class, label, dtype=np.int64))
    order = rng.permutation(2 * per_class)
    return np.concatenate(xs, axis=1)[:, order], np.concatenate(ys)[order].reshape(1, -1)


def load_extra_datasets(seed: int = 3, m: int = 200) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """More 2-D two-class sets made with scikit-learn, each as (X (2, m) float64, Y (1, m) int64).

    Keys: "noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles", "no_structure" (random points,
    random labels: nothing to learn).
    """
    from sklearn import datasets as sk

    rng = np.random.RandomState(seed)
    sets = {
        "noisy_circles": sk.make_circles(n_samples=m, factor=0.45, noise=0.12, random_state=seed),
        "noisy_moons": sk.make_moons(n_samples=m, noise=0.18, random_state=seed),
        "blobs": sk.make_blobs(n_samples=m, centers=4, n_features=2, cluster_std=1.2, random_state=seed),
        "gaussian_quantiles": sk.make_gaussian_quantiles(n_samples=m, n_features=2, n_classes=2, cov=0.6,
                                                         random_state=seed),
        "no_structure": (rng.uniform(-1.0, 1.0, (m, 2)), rng.randint(0, 2, m)),
    }
    return {name: (np.asarray(x, dtype=np.float64).T, (np.asarray(y) % 2).astype(np.int64).reshape(1, -1))
            for name, (x, y) in sets.items()}
