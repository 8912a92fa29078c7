"""The exported model's arithmetic: members averaged, flip TTA over image and mirror (untrained models)."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from cnntune.export._wrapper import build_export_model, member_probabilities  # noqa: E402
from cnntune.model import HParams  # noqa: E402
from cnntune.model.training import build_model  # noqa: E402

HP = HParams(depth=1, base_width=4, convs_per_block=1)


def _members(n, channels=4):
    members = []
    for seed in range(n):
        keras.utils.set_random_seed(seed)
        members.append(build_model(HP, (8, 8, channels), 3))
    return members


def _images(channels=4):
    return np.random.default_rng(0).integers(0, 256, (6, 8, 8, channels), dtype=np.uint8)


def _probs(model, images):
    return keras.ops.convert_to_numpy(model(images, training=False))


def test_build_export_model_ensemble_averages_its_members():
    members, images = _members(2), _images()
    own = [_probs(m, images) for m in members]

    got = _probs(build_export_model(members), images)

    assert not np.allclose(own[0], own[1], atol=1e-4)  # two different members, or the test proves nothing
    np.testing.assert_allclose(got, (own[0] + own[1]) / 2, atol=1e-6)


def test_build_export_model_flip_averages_the_image_and_its_mirror():
    (member,), images = _members(1), _images()
    plain, mirrored = _probs(member, images), _probs(member, images[:, :, ::-1])

    got = _probs(build_export_model([member], tta="flip"), images)

    assert not np.allclose(plain, mirrored, atol=1e-4)
    np.testing.assert_allclose(got, (plain + mirrored) / 2, atol=1e-6)


def test_build_export_model_keeps_rgba_uint8_input():
    model = build_export_model(_members(2, channels=4), tta="flip")

    assert tuple(model.input_shape) == (None, 8, 8, 4)
    assert model.inputs[0].dtype == "uint8"


def test_member_probabilities_match_each_members_own_call():
    members, images = _members(2), _images()

    plain, mirrored = member_probabilities(members, images, flipped=True)

    for k, member in enumerate(members):
        np.testing.assert_allclose(plain[k], _probs(member, images), atol=1e-6)
        np.testing.assert_allclose(mirrored[k], _probs(member, images[:, :, ::-1]), atol=1e-6)
