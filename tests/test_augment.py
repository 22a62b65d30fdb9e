"""Data augmentation: whole-pixel shifts, bilinear warps and elastic distortions (Simard 2003)."""

from __future__ import annotations

import numpy as np
import pytest

from ppn import cli, data


def _digits(count: int = 6, seed: int = 0) -> np.ndarray:
    """(count, 28, 28) float32 blobs: a thick random stroke each, background 0, ink ≤ 1."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 28, 28), np.float32)
    for image in images:
        top, left = rng.integers(6, 12, size=2)
        image[top : top + 10, left : left + 4] = rng.uniform(0.5, 1.0)
        image[top + 8 : top + 12, left : left + 9] = 1.0
    return images


def _grid(count: int) -> tuple[np.ndarray, np.ndarray]:
    rows, columns = np.meshgrid(np.arange(28.0), np.arange(28.0), indexing="ij")
    return np.broadcast_to(rows, (count, 28, 28)), np.broadcast_to(columns, (count, 28, 28))


def test_warp_at_the_identity_returns_the_images():
    images = _digits()
    rows, columns = _grid(len(images))
    np.testing.assert_array_equal(data.warp_images(images, rows, columns), images)


@pytest.mark.parametrize("dx, dy", [(1, 0), (0, -2), (3, 2), (-5, 4), (27, 0), (28, 0), (0, -40)])
def test_a_whole_pixel_warp_is_a_shift(dx, dy):
    images = _digits()
    rows, columns = _grid(len(images))
    # Moving the image right by dx means each output pixel reads dx to its left.
    warped = data.warp_images(images, rows - dy, columns - dx)
    shifted = data.shift_images(images, np.full(len(images), dx), np.full(len(images), dy))
    np.testing.assert_array_equal(warped, shifted)


def test_warp_interpolates_bilinearly_and_keeps_shape_and_dtype():
    image = np.zeros((1, 28, 28), np.float32)
    image[0, 10, 10] = 1.0
    rows, columns = _grid(1)
    warped = data.warp_images(image, rows + 0.25, columns - 0.5)
    # Output (i, j) reads (i + 0.25, j − 0.5): the lit pixel is shared by four outputs.
    expected = {(10, 10): 0.75 * 0.5, (10, 11): 0.75 * 0.5, (9, 10): 0.25 * 0.5, (9, 11): 0.125}
    for (i, j), value in expected.items():
        assert warped[0, i, j] == pytest.approx(value)
    assert warped.sum() == pytest.approx(1.0)
    flat = data.warp_images(image.reshape(1, 784), rows, columns)
    assert flat.shape == (1, 784) and flat.dtype == np.float32


def test_warp_refuses_integer_images_and_mismatched_positions():
    rows, columns = _grid(2)
    with pytest.raises(ValueError, match="to_float"):
        data.warp_images(np.zeros((2, 28, 28), np.uint8), rows, columns)
    with pytest.raises(ValueError, match="do not match"):
        data.warp_images(np.zeros((3, 28, 28), np.float32), rows, columns)


def test_elastic_distortion_of_strength_zero_changes_nothing():
    images = _digits()
    distorted = data.elastic_distortion(images, np.random.default_rng(0), alpha=0.0)
    np.testing.assert_array_equal(distorted, images)


def test_elastic_distortion_is_reproducible_and_different_per_image():
    images = np.repeat(_digits(1), 4, axis=0)  # four copies of one digit
    a = data.elastic_distortion(images, np.random.default_rng(1))
    b = data.elastic_distortion(images, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert a.shape == images.shape and a.dtype == np.float32
    # Each copy gets its own field, so no two distorted copies are alike.
    assert all(np.abs(a[i] - a[j]).max() > 0.1 for i in range(4) for j in range(i))


def test_elastic_distortion_moves_ink_without_making_or_losing_much():
    images = _digits(32)
    distorted = data.elastic_distortion(images, np.random.default_rng(2))
    assert distorted.min() >= 0 and distorted.max() <= 1 + 1e-6  # bilinear: a convex mix
    changed = np.abs(distorted - images).sum(axis=(1, 2)) / images.sum(axis=(1, 2))
    assert np.all(changed > 0.05)  # every image is visibly moved
    # A rubber sheet, not a new drawing: a stretched part gains ink, a squeezed one loses
    # it, by up to about half at Simard's strength, and on average neither.
    ink = distorted.sum(axis=(1, 2)) / images.sum(axis=(1, 2))
    assert np.all((ink > 0.4) & (ink < 2.5)) and 0.85 < ink.mean() < 1.15


def _distance_to_a_translation(image: np.ndarray, distorted: np.ndarray) -> float:
    """min over translations t (1/4 px steps, ±4 px) of |distorted − image moved by t|₁ / ink."""
    steps = np.arange(-4, 4.25, 0.25)
    dy, dx = (a.reshape(-1, 1, 1) for a in np.meshgrid(steps, steps, indexing="ij"))
    rows, columns = _grid(len(dy))
    moved = data.warp_images(np.repeat(image[None], len(dy), axis=0), rows + dy, columns + dx)
    return float(np.abs(moved - distorted).sum(axis=(1, 2)).min() / image.sum())


def test_the_smoothing_width_sets_how_locally_the_digit_bends():
    """Large σ: one field over the whole image, a translation; Simard's σ = 4 bends it."""
    images = _digits(6)
    # Alphas chosen for displacements of similar size (about 1.5 px): σ = 40 averages the
    # noise over the whole image, so it needs a far larger α.
    wide = data.elastic_distortion(images, np.random.default_rng(3), alpha=1000.0, sigma=40.0)
    local = data.elastic_distortion(images, np.random.default_rng(3), alpha=34.0, sigma=4.0)
    wide_distance = [_distance_to_a_translation(i, d) for i, d in zip(images, wide, strict=True)]
    local_distance = [_distance_to_a_translation(i, d) for i, d in zip(images, local, strict=True)]
    assert max(wide_distance) < 0.1
    assert min(local_distance) > 2 * max(wide_distance)


def test_elastic_distortion_refuses_bad_parameters():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="alpha"):
        data.elastic_distortion(_digits(), rng, alpha=-1.0)
    with pytest.raises(ValueError, match="sigma"):
        data.elastic_distortion(_digits(), rng, sigma=0.0)


def _config(**changes) -> dict:
    args = cli.build_parser().parse_args(["train", "--out", "runs/x"])
    return {**cli.config_from_args(args), **changes}


def test_the_cli_distorts_then_shifts_with_the_training_generator():
    images = _digits(8).reshape(8, 784)
    augment = cli.build_augment(_config(augment=2, elastic=34.0, elastic_sigma=4.0))
    rng = np.random.default_rng(5)
    expected = data.random_shift(data.elastic_distortion(images, rng, 34.0, 4.0), rng, 2)
    np.testing.assert_array_equal(augment(images, np.random.default_rng(5)), expected)
    only_elastic = cli.build_augment(_config(augment=0, elastic=20.0, elastic_sigma=5.0))
    np.testing.assert_array_equal(
        only_elastic(images, np.random.default_rng(6)),
        data.elastic_distortion(images, np.random.default_rng(6), 20.0, 5.0),
    )
    assert cli.build_augment(_config(augment=0, elastic=0.0)) is None


def test_a_configuration_from_before_elastic_distortions_shifts_only():
    old = _config(augment=2)
    del old["elastic"], old["elastic_sigma"]
    images = _digits(4).reshape(4, 784)
    np.testing.assert_array_equal(
        cli.build_augment(old)(images, np.random.default_rng(7)),
        data.random_shift(images, np.random.default_rng(7), 2),
    )
