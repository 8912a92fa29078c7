"""The arrays layout: train.npz / validation.npz / test.npz, each bad array one DataError naming file and key."""

from __future__ import annotations

import pickle
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from image_sets import SIZE, arrays, write_arrays

from cnntune.data import data_warnings, format_summary, load_dataset, load_split, summarize
from cnntune.errors import DataError


@pytest.fixture()
def array_dir(tmp_path: Path) -> Path:
    """9 train, 6 validation (3 classes), 4 unlabeled test images, 8x8 RGB."""
    return write_arrays(tmp_path / "arrays")


def test_load_dataset_arrays_reads_every_split(array_dir: Path) -> None:
    dataset = load_dataset(array_dir)
    x, y = arrays(9, seed=0)
    assert (dataset.layout, dataset.class_names, dataset.num_classes, dataset.channels) == ("arrays", None, 3, "rgb")
    np.testing.assert_array_equal(dataset.train.images, x)
    assert dataset.train.labels.tolist() == y.tolist()
    assert dataset.train.labels.dtype == np.int64
    assert dataset.train.ids == tuple(str(i) for i in range(9))
    assert (len(dataset.validation), len(dataset.test), dataset.test.labels) == (6, 4, None)
    assert dataset.image_shape == (SIZE, SIZE, 3)
    assert not dataset.train.images.flags.writeable
    assert data_warnings(dataset) == []  # ids 0..N-1 in every split are places, not a leak


def test_load_dataset_arrays_ids_keras_labels_and_test_labels(array_dir: Path) -> None:
    x, y = arrays(9, seed=0)
    ids = np.array([f"img{i}" for i in range(9)])
    np.savez(array_dir / "train.npz", x=x, y=y[:, None], ids=ids)  # (N, 1) labels, as keras.datasets gives
    np.savez(array_dir / "test.npz", x=arrays(4)[0], y=np.zeros(4, np.int64))  # test labels unused
    dataset = load_dataset(array_dir)
    assert dataset.train.ids == tuple(ids.tolist())
    assert dataset.train.labels.tolist() == y.tolist()
    assert dataset.test.labels is None


def test_load_dataset_arrays_without_test_npz(tmp_path: Path) -> None:
    assert load_dataset(write_arrays(tmp_path / "a", test=0)).test is None


@pytest.mark.parametrize(
    ("depth", "channels", "expected", "dropped"),
    [(4, "auto", 4, False), (4, "rgb", 3, True), (3, "rgba", 4, False), (3, "auto", 3, False)],
)
def test_load_dataset_arrays_channels(tmp_path: Path, depth: int, channels: str, expected: int, dropped: bool) -> None:
    root = write_arrays(tmp_path / "a", depth=depth)
    dataset = load_dataset(root, channels=channels)
    x = arrays(9, depth=depth, seed=0)[0]
    assert dataset.image_shape == (SIZE, SIZE, expected)
    assert dataset.channels == ("rgba" if expected == 4 else "rgb")
    assert dataset.load_report.alpha_dropped is dropped
    np.testing.assert_array_equal(dataset.train.images[..., :3], x[..., :3])
    if expected == 4 and depth == 3:
        assert (dataset.train.images[..., 3] == 255).all()


def test_load_dataset_arrays_with_cache_dir_loads_and_caches_nothing(array_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    dataset = load_dataset(array_dir, cache_dir=cache)
    assert (dataset.load_report.decoded, dataset.load_report.from_cache) == (0, False)
    assert not cache.exists() or not any(cache.iterdir())
    assert "cache        not used: arrays are read as they are" in format_summary(summarize(dataset)).splitlines()


def test_load_dataset_arrays_fingerprint_is_content(array_dir: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(array_dir, tmp_path / "copy"))
    assert load_dataset(copy).fingerprint == load_dataset(array_dir).fingerprint
    x, y = arrays(6, seed=1)
    x[0, 0, 0, 0] ^= 1
    np.savez(copy / "validation.npz", x=x, y=y)
    assert load_dataset(copy).fingerprint != load_dataset(array_dir).fingerprint
    assert load_dataset(array_dir, channels="rgba").fingerprint != load_dataset(array_dir).fingerprint


def _save(root: Path, name: str = "train", **arrays_: object) -> Path:
    path = root / f"{name}.npz"
    np.savez(path, **arrays_)
    return path


def _float_x(root):
    x, y = arrays(9)
    path = _save(root, x=x / 255.0, y=y)
    return rf"{re.escape(str(path))} key 'x': dtype float64 \(shape \(9, 8, 8, 3\)\), expected uint8 images .*np\.clip"


def _int_x(root):
    x, y = arrays(9)
    path = _save(root, x=x.astype(np.int64), y=y)
    return rf"{re.escape(str(path))} key 'x': dtype int64 .* convert with x\.astype\(np\.uint8\)"


def _grayscale_x(root):
    x, y = arrays(9)
    path = _save(root, x=x[..., 0], y=y)
    return rf"{re.escape(str(path))} key 'x': shape \(9, 8, 8\), expected \(N, H, W, C\) .*np\.repeat"


def _one_channel_x(root):
    x, y = arrays(9)
    path = _save(root, x=x[..., :1], y=y)
    return rf"{re.escape(str(path))} key 'x': shape \(9, 8, 8, 1\) has 1 channel\(s\), expected 3 \(RGB\) or 4"


def _two_channel_x(root):
    x, y = arrays(9)
    _save(root, x=x[..., :2], y=y)
    return r"train\.npz key 'x': shape \(9, 8, 8, 2\) has 2 channel\(s\)"


def _empty_x(root):
    _save(root, "validation", x=np.zeros((0, 8, 8, 3), np.uint8), y=np.zeros(0, np.int64))
    return r"validation\.npz key 'x': shape \(0, 8, 8, 3\) holds no images, the validation split is empty"


def _no_x(root):
    path = _save(root, images=arrays(9)[0], y=arrays(9)[1])
    return rf"{re.escape(str(path))}: no 'x' array \(keys found: 'images', 'y'\)"


def _no_y(root):
    _save(root, "validation", x=arrays(6)[0])
    return r"validation\.npz: no 'y' array \(keys found: 'x'\)"


def _float_y(root):
    _save(root, x=arrays(9)[0], y=arrays(9)[1].astype(np.float32))
    return r"train\.npz key 'y': dtype float32, expected integer class labels \(y\.astype\(np\.int64\)"


def _negative_y(root):
    x, y = arrays(9)
    y[4] = -1
    _save(root, x=x, y=y)
    return r"train\.npz key 'y': label -1 at index 4 is negative"


def _one_hot_y(root):
    x, y = arrays(9)
    _save(root, x=x, y=np.eye(3, dtype=np.int64)[y])
    return r"train\.npz key 'y': shape \(9, 3\), expected \(N,\) integer class labels; one-hot\? take y\.argmax"


def _short_y(root):
    x, y = arrays(9)
    _save(root, x=x, y=y[:8])
    return r"train\.npz key 'y': 8 labels, but .*train\.npz key 'x' holds 9 images"


def _object_ids(root):
    x, y = arrays(9)
    _save(root, x=x, y=y, ids=np.array(list(range(8)) + ["z"], dtype=object))
    return r"train\.npz key 'ids': holds Python objects \(dtype object\), which cnntune never unpickles"


def _twice_ids(root):
    x, y = arrays(9)
    _save(root, x=x, y=y, ids=np.array(["a", "b", "c", "d", "b", "e", "f", "g", "h"]))
    return r"train\.npz key 'ids': duplicate id 'b' \(first at index 1\)"


def _short_ids(root):
    x, y = arrays(9)
    _save(root, x=x, y=y, ids=np.array(["a"]))
    return r"train\.npz key 'ids': shape \(1,\), expected \(9,\): one id per image"


def _numeric_ids(root):
    x, y = arrays(9)
    _save(root, x=x, y=y, ids=np.arange(9))
    return r"train\.npz key 'ids': dtype int64, expected strings"


def _shapes_differ(root):
    x, y = arrays(6, size=10)
    _save(root, "validation", x=x, y=y)
    return r"validation\.npz key 'x': images are 10x10x3 \(HxWxC\) but train's are 8x8x3"


def _channels_differ(root):
    x, y = arrays(4, depth=4)
    _save(root, "test", x=x)
    return r"test\.npz key 'x': images are 8x8x4 \(HxWxC\) but train's are 8x8x3"


def _label_beyond_train(root):
    x, y = arrays(6)
    y[2] = 3
    _save(root, "validation", x=x, y=y)
    return r"validation\.npz key 'y': label 3 at index 2 outside \[0, 3\) \(largest train label \+ 1\)"


def _one_class(root):
    _save(root, x=arrays(9)[0], y=np.zeros(9, np.int64))
    return r"train\.npz key 'y': every label is 0, a classifier needs at least 2 classes"


def _not_a_zip(root):
    (root / "train.npz").write_bytes(b"plain text, not an archive")
    return r"train\.npz: not an \.npz archive \(neither a zip of arrays nor a \.npy"


def _truncated(root):
    data = (root / "train.npz").read_bytes()
    (root / "train.npz").write_bytes(data[:40])
    return r"train\.npz: not a valid \.npz archive"


def _empty_file(root):
    (root / "train.npz").write_bytes(b"")
    return r"train\.npz: not a valid \.npz archive \(EOFError"


def _npy(root):
    np.save(root / "x.npy", arrays(9)[0])
    (root / "x.npy").rename(root / "train.npz")
    return r"train\.npz: holds one array \(\.npy format\), not an \.npz archive"


def _missing_validation(root):
    (root / "validation.npz").unlink()
    return r"validation\.npz: missing \(the validation split's arrays"


@pytest.mark.parametrize(
    "break_it",
    [
        _float_x,
        _int_x,
        _grayscale_x,
        _one_channel_x,
        _two_channel_x,
        _empty_x,
        _no_x,
        _no_y,
        _float_y,
        _negative_y,
        _one_hot_y,
        _short_y,
        _object_ids,
        _twice_ids,
        _short_ids,
        _numeric_ids,
        _shapes_differ,
        _channels_differ,
        _label_beyond_train,
        _one_class,
        _not_a_zip,
        _truncated,
        _empty_file,
        _npy,
        _missing_validation,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_load_dataset_arrays_bad_input_is_one_clear_error(array_dir: Path, break_it) -> None:
    pattern = break_it(array_dir)
    with pytest.raises(DataError, match=pattern):
        load_dataset(array_dir, layout="arrays")


class _Trap:
    """Unpickling this writes a file: the proof that a file was unpickled."""

    def __init__(self, flag: Path) -> None:
        self.flag = flag

    def __reduce__(self):
        return (Path.write_text, (self.flag, "unpickled"))


def test_load_dataset_arrays_never_unpickles(array_dir: Path, tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    (array_dir / "train.npz").write_bytes(pickle.dumps(_Trap(flag)))
    with pytest.raises(DataError, match="a pickle is never loaded"):
        load_dataset(array_dir)
    x, y = arrays(9)
    np.savez(array_dir / "train.npz", x=x, y=y, ids=np.array([_Trap(flag)] * 9, dtype=object))
    with pytest.raises(DataError, match="never unpickles"):
        load_dataset(array_dir)
    assert not flag.exists()


def test_load_dataset_arrays_num_classes_given(array_dir: Path) -> None:
    assert load_dataset(array_dir, num_classes=5).num_classes == 5
    with pytest.raises(DataError, match=r"train\.npz key 'y': label 2 at index 2 outside \[0, 2\) \(num_classes given"):
        load_dataset(array_dir, num_classes=2)


def test_load_split_arrays_validation_without_train(array_dir: Path) -> None:
    expected = load_dataset(array_dir).validation
    (array_dir / "train.npz").unlink()
    split = load_split(array_dir, "validation", channels="rgb", labeled=True)
    assert split.ids == expected.ids
    assert split.labels.tolist() == expected.labels.tolist()
    np.testing.assert_array_equal(split.images, expected.images)


def test_load_split_arrays_test_alone_with_alpha_added(array_dir: Path) -> None:
    (array_dir / "train.npz").unlink()
    (array_dir / "validation.npz").unlink()
    split = load_split(array_dir, "test", channels="rgba", labeled=False)
    assert split.ids == ("0", "1", "2", "3")
    assert split.labels is None
    assert split.images.shape == (4, SIZE, SIZE, 4)


def test_load_split_arrays_size_and_alpha_checked(tmp_path: Path) -> None:
    root = write_arrays(tmp_path / "a", depth=4)
    with pytest.raises(DataError, match=r"validation\.npz key 'x': images are 8x8 \(WxH\) .* 9x9 \(the model's\)"):
        load_split(root, "validation", channels="rgb", labeled=True, size=(9, 9), size_source="the model's")
    with pytest.raises(DataError, match=r"validation\.npz key 'x': the images carry alpha \(4 channels\)"):
        load_split(root, "validation", channels="rgb", labeled=True, alpha_allowed=False)
    split = load_split(root, "validation", channels="rgb", labeled=True, size=(8, 8))
    assert split.images.shape == (6, SIZE, SIZE, 3)


def test_load_dataset_arrays_npz_linked_outside_is_refused(array_dir: Path, tmp_path: Path) -> None:
    outside = write_arrays(tmp_path / "outside")
    (array_dir / "validation.npz").unlink()
    (array_dir / "validation.npz").symlink_to(outside / "validation.npz")
    with pytest.raises(DataError, match=r"validation\.npz: a link to .*outside the data folder"):
        load_dataset(array_dir)
