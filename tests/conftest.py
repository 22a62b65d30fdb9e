"""Shared test settings: a hypothesis profile with no deadline, and matplotlib without a screen.

Timing deadlines make property tests flaky on a loaded CI runner; the tests
stay fast by keeping ``max_examples`` small where the examples are expensive.
Choose another profile with ``HYPOTHESIS_PROFILE=dev pytest``.
"""

import os

import matplotlib
import pytest
from hypothesis import settings

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
