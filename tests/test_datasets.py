"""The course's data: shipped cat pictures, the loader's checks, the 2-D sets."""
import h5py
import numpy as np
import pytest

from dlcourse import datasets
from dlcourse.data import catgen
from dlcourse.datasets import DatasetError, load_cats, load_extra_datasets, load_planar_dataset

SHIPPED = datasets.SHIPPED_DIR


def write_split(path, prefix, x, y, classes=(b"non-cat", b"cat"), skip=()):
    """Write one split in the classic layout, leaving out the keys in skip."""
    with h5py.File(path, "w") as f:
        for key, value in ((f"{prefix}_set_x", x), (f"{prefix}_set_y", y), ("list_classes", classes)):
            if key not in skip:
                f.create_dataset(key, data=np.asarray(value))


def pictures(m, px, seed=0):
    """Random uint8 pictures (m, px, px, 3) and alternating 0/1 int64 labels."""
    rng = np.random.RandomState(seed)
    return rng.randint(0, 256, (m, px, px, 3)).astype(np.uint8), np.arange(m, dtype=np.int64) % 2


def make_folder(folder, px=64, m_train=6, m_test=4):
    """A cats folder in the classic layout; returns the arrays written."""
    folder.mkdir(parents=True, exist_ok=True)
    train = pictures(m_train, px, 1)
    test = pictures(m_test, px, 2)
    write_split(folder / "train_catvnoncat.h5", "train", *train)
    write_split(folder / "test_catvnoncat.h5", "test", *test)
    return train, test


# ------------------------------------------------------------------ the shipped files

@pytest.mark.parametrize("name, prefix, m", [("train_catvnoncat.h5", "train", 209), ("test_catvnoncat.h5", "test", 50)])
def test_shipped_file_schema(name, prefix, m):
    with h5py.File(SHIPPED / name, "r") as f:
        assert sorted(f.keys()) == sorted([f"{prefix}_set_x", f"{prefix}_set_y", "list_classes"])
        x, y, classes = f[f"{prefix}_set_x"][()], f[f"{prefix}_set_y"][()], f["list_classes"][()]
    assert x.shape == (m, 64, 64, 3) and x.dtype == np.uint8
    assert y.shape == (m,) and y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}
    assert classes.tolist() == [b"non-cat", b"cat"]


def test_load_cats_shipped():
    train_x, train_y, test_x, test_y, classes = load_cats()
    assert train_x.shape == (209, 64, 64, 3) and test_x.shape == (50, 64, 64, 3)
    assert train_y.shape == (1, 209) and test_y.shape == (1, 50)
    assert classes == ["non-cat", "cat"] and all(type(c) is str for c in classes)
    assert 0.3 < train_y.mean() < 0.7 and 0.3 < test_y.mean() < 0.7
    # no giveaway: the mean colour of a picture does not separate the classes
    means = train_x.reshape(209, -1).mean(axis=1)
    assert means[train_y[0] == 1].min() < np.median(means) < means[train_y[0] == 1].max()


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """The shipped files written again from the shipped seed."""
    folder = tmp_path_factory.mktemp("regenerated")
    catgen.write_h5(folder, seed=catgen.SEED)
    return folder


@pytest.mark.parametrize("name", ["train_catvnoncat.h5", "test_catvnoncat.h5"])
def test_regenerating_gives_the_shipped_files(regenerated, name):
    with h5py.File(SHIPPED / name, "r") as a, h5py.File(regenerated / name, "r") as b:
        assert sorted(a.keys()) == sorted(b.keys())
        for key in a:
            assert a[key].dtype == b[key].dtype
            np.testing.assert_array_equal(a[key][()], b[key][()], err_msg=f"{name}:{key}")
    assert (SHIPPED / name).read_bytes() == (regenerated / name).read_bytes()


def test_generate_is_deterministic_and_sized():
    a = catgen.generate(seed=5, n_train=6, n_test=4, px=16)
    b = catgen.generate(seed=5, n_train=6, n_test=4, px=16)
    c = catgen.generate(seed=6, n_train=6, n_test=4, px=16)
    assert [v.shape for v in a] == [(6, 16, 16, 3), (6,), (4, 16, 16, 3), (4,)]
    assert a[0].dtype == np.uint8 and a[1].dtype == np.int64
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


def test_catgen_command_line(tmp_path, capsys):
    assert catgen.main(["--out", str(tmp_path), "--px", "16", "--seed", "3"]) == 0
    assert "train_catvnoncat.h5" in capsys.readouterr().out
    train_x, train_y, test_x, test_y, classes = load_cats(tmp_path)
    assert train_x.shape == (209, 16, 16, 3) and test_x.shape == (50, 16, 16, 3)
    assert classes == ["non-cat", "cat"]


# ------------------------------------------------------------------ the loader on other files

@pytest.mark.parametrize("px", [64, 32])
def test_load_cats_from_folder(tmp_path, px):
    (train_x, train_y), (test_x, test_y) = make_folder(tmp_path, px)
    got = load_cats(tmp_path)
    assert got[0].shape == (6, px, px, 3) and got[2].shape == (4, px, px, 3)
    np.testing.assert_array_equal(got[0], train_x)
    np.testing.assert_array_equal(got[1], train_y.reshape(1, -1))
    np.testing.assert_array_equal(got[2], test_x)
    np.testing.assert_array_equal(got[3], test_y.reshape(1, -1))
    assert got[4] == ["non-cat", "cat"]


def test_load_cats_accepts_str_path(tmp_path):
    make_folder(tmp_path, 8)
    assert load_cats(str(tmp_path))[0].shape == (6, 8, 8, 3)


def test_environment_variable_points_the_loader(tmp_path, monkeypatch):
    make_folder(tmp_path, 32, m_train=3, m_test=2)
    monkeypatch.setenv("DLCOURSE_CATS_DIR", str(tmp_path))
    assert load_cats()[0].shape == (3, 32, 32, 3)
    other = tmp_path / "other"
    make_folder(other, 16, m_train=5, m_test=2)
    assert load_cats(other)[0].shape == (5, 16, 16, 3), "an explicit path wins over the variable"
    monkeypatch.setenv("DLCOURSE_CATS_DIR", "")
    assert load_cats()[0].shape == (209, 64, 64, 3), "an empty variable means the shipped files"


# ------------------------------------------------------------------ bad files give clear errors

def expect_error(folder, *phrases, file="train_catvnoncat.h5"):
    """load_cats(folder) raises DatasetError naming the file and every phrase, without a chained traceback."""
    with pytest.raises(DatasetError) as info:
        load_cats(folder)
    message = str(info.value)
    assert file in message, message
    for phrase in phrases:
        assert phrase in message, message
    assert isinstance(info.value, ValueError)
    error = info.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__), "no chained traceback"
    return message


def test_missing_folder(tmp_path):
    expect_error(tmp_path / "nowhere", "file not found")


def test_file_given_instead_of_folder(tmp_path):
    make_folder(tmp_path)
    with pytest.raises(DatasetError, match="is a file; give the folder"):
        load_cats(tmp_path / "train_catvnoncat.h5")


def test_environment_variable_named_in_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCOURSE_CATS_DIR", str(tmp_path / "nowhere"))
    message = expect_error(None, "file not found")
    assert "DLCOURSE_CATS_DIR" in message and "nowhere" in message


def test_missing_test_file(tmp_path):
    make_folder(tmp_path)
    (tmp_path / "test_catvnoncat.h5").unlink()
    expect_error(tmp_path, "file not found", file="test_catvnoncat.h5")


@pytest.mark.parametrize("key", ["train_set_x", "train_set_y", "list_classes"])
def test_missing_key(tmp_path, key):
    make_folder(tmp_path)
    write_split(tmp_path / "train_catvnoncat.h5", "train", *pictures(6, 8), skip=(key,))
    expect_error(tmp_path, f"missing key '{key}'")


def test_missing_key_in_test_file(tmp_path):
    make_folder(tmp_path)
    write_split(tmp_path / "test_catvnoncat.h5", "test", *pictures(4, 64), skip=("test_set_y",))
    expect_error(tmp_path, "missing key 'test_set_y'", file="test_catvnoncat.h5")


def test_group_instead_of_data_set(tmp_path):
    make_folder(tmp_path)
    with h5py.File(tmp_path / "train_catvnoncat.h5", "w") as f:
        f.create_group("train_set_x")
    expect_error(tmp_path, "'train_set_x' is a group")


@pytest.mark.parametrize("x, phrases", [
    (np.zeros((6, 8, 8, 3), dtype=np.float64), ["dtype float64", "uint8"]),
    (np.zeros((6, 8, 8, 3), dtype=np.int64), ["dtype int64", "uint8"]),
    (np.zeros((6, 8 * 8 * 3), dtype=np.uint8), ["rank 2", "rank 4"]),
    (np.zeros((6, 8, 8), dtype=np.uint8), ["rank 3", "rank 4"]),
    (np.zeros((6, 8, 8, 4), dtype=np.uint8), ["(6, 8, 8, 4)", "3 colour channels"]),
    (np.zeros((6, 8, 10, 3), dtype=np.uint8), ["non-square", "8x10"]),
    (np.zeros((0, 8, 8, 3), dtype=np.uint8), ["no pictures"]),
])
def test_bad_pictures(tmp_path, x, phrases):
    make_folder(tmp_path)
    write_split(tmp_path / "train_catvnoncat.h5", "train", x, np.arange(len(x)) % 2)
    expect_error(tmp_path, "'train_set_x'", *phrases)


@pytest.mark.parametrize("y, phrases", [
    (np.array([0, 1, 0, 1, 0]), ["5 labels", "6 pictures"]),
    (np.array([0, 1, 0, 1, 0, 1, 1]), ["7 labels", "6 pictures"]),
    (np.array([0, 1, 2, 1, 0, -1]), ["0 (non-cat) or 1 (cat)", "[-1, 2]"]),
    (np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]), ["dtype float64", "integer labels"]),
    (np.zeros((2, 3), dtype=np.int64), ["rank 2", "rank 1"]),
])
def test_bad_labels(tmp_path, y, phrases):
    make_folder(tmp_path)
    write_split(tmp_path / "train_catvnoncat.h5", "train", pictures(6, 8)[0], y)
    expect_error(tmp_path, "'train_set_y'", *phrases)


def test_labels_as_a_row_are_accepted(tmp_path):
    make_folder(tmp_path, 8)
    x, y = pictures(6, 8)
    write_split(tmp_path / "train_catvnoncat.h5", "train", x, y.reshape(1, -1))
    assert load_cats(tmp_path)[1].shape == (1, 6)


def test_bad_class_names(tmp_path):
    make_folder(tmp_path, 8)
    write_split(tmp_path / "train_catvnoncat.h5", "train", *pictures(6, 8), classes=np.array([0, 1]))
    expect_error(tmp_path, "'list_classes'", "class names")


def test_train_and_test_sizes_differ(tmp_path):
    make_folder(tmp_path, 32)
    write_split(tmp_path / "test_catvnoncat.h5", "test", *pictures(4, 16))
    expect_error(tmp_path, "16x16", "32x32", "same size", file="test_catvnoncat.h5")


def test_truncated_file(tmp_path):
    make_folder(tmp_path)
    path = tmp_path / "train_catvnoncat.h5"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    expect_error(tmp_path, "not a readable HDF5 file")


def test_corrupt_file(tmp_path):
    make_folder(tmp_path)
    path = tmp_path / "train_catvnoncat.h5"
    data = bytearray(path.read_bytes())
    data[8:4096] = np.random.RandomState(0).randint(0, 256, 4088).astype(np.uint8).tobytes()
    path.write_bytes(bytes(data))
    expect_error(tmp_path, "not a readable HDF5 file")


@pytest.mark.parametrize("content", [b"", b"this is not an h5 file\n", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100])
def test_not_hdf5(tmp_path, content):
    make_folder(tmp_path)
    (tmp_path / "train_catvnoncat.h5").write_bytes(content)
    expect_error(tmp_path, "not a readable HDF5 file")


# ------------------------------------------------------------------ the 2-D sets

def test_planar_dataset_shapes_and_balance():
    X, Y = load_planar_dataset()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert X.dtype == np.float64 and Y.dtype == np.int64
    assert set(np.unique(Y)) == {0, 1} and int(Y.sum()) == 200
    assert np.isfinite(X).all() and np.abs(X).max() < 6


def test_planar_dataset_is_reproducible():
    X1, Y1 = load_planar_dataset()
    X2, Y2 = load_planar_dataset(seed=1)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    X3, _ = load_planar_dataset(seed=2)
    assert not np.allclose(X1, X3)


def test_planar_dataset_is_not_linearly_separable():
    X, Y = load_planar_dataset()
    A = np.vstack([X, np.ones((1, X.shape[1]))]).T
    w = np.linalg.lstsq(A, Y.ravel() * 2.0 - 1.0, rcond=None)[0]
    accuracy = np.mean((A @ w > 0) == (Y.ravel() == 1))
    assert accuracy < 0.6


def test_extra_datasets():
    sets = load_extra_datasets()
    assert sorted(sets) == sorted(["noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles", "no_structure"])
    for name, (X, Y) in sets.items():
        m = X.shape[1]
        assert X.shape == (2, m) and Y.shape == (1, m) and m >= 100, name
        assert X.dtype == np.float64 and np.isfinite(X).all(), name
        assert set(np.unique(Y)) == {0, 1}, name
    again = load_extra_datasets()
    for name in sets:
        np.testing.assert_array_equal(sets[name][0], again[name][0])
        np.testing.assert_array_equal(sets[name][1], again[name][1])


def test_planar_labels_are_signed_integers_so_negation_never_wraps():
    _, Y = load_planar_dataset()
    assert Y.dtype == np.int64 and (-Y).min() == -1
    for name, (_, labels) in load_extra_datasets().items():
        assert labels.dtype == np.int64, name
