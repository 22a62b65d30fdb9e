"""Shared test settings: a hypothesis profile with no deadline, matplotlib without a screen,
and the MNIST folder (``PPN_DATA_DIR``) for the tests that need the real digits.

Timing deadlines make property tests flaky on a loaded CI runner; the tests
stay fast by keeping ``max_examples`` small where the examples are expensive.
Choose another profile with ``HYPOTHESIS_PROFILE=dev pytest``.
"""

import os
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

from ppn import data

matplotlib.use("Agg")  # tests draw figures with no screen (the notebooks' kernels are separate)
import matplotlib.pyplot as plt  # noqa: E402

settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _close_figures():
    """Every test starts with no open figure, so figures cannot leak between tests."""
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder of the four MNIST IDX files; the test is skipped when they are absent."""
    default = Path(__file__).parents[2] / "shared/data/mnist-10k"
    folder = Path(os.environ.get("PPN_DATA_DIR", default))
    if not (folder / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("MNIST not found: set PPN_DATA_DIR to the folder holding the four IDX files")
    return folder


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """``((x_train, y_train), (x_test, y_test))``, loaded once for the whole session."""
    return data.load_mnist(mnist_dir, download=False)
