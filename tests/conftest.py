"""Shared test settings: one hypothesis profile for every machine, with no deadline.

Timing deadlines make property tests flaky on a loaded CI runner; the tests
stay fast by keeping ``max_examples`` small where the examples are expensive.
Choose another profile with ``HYPOTHESIS_PROFILE=dev pytest``.
"""

import os

from hypothesis import settings

settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
