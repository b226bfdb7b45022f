"""torch for the parity tests: ``make test-torch`` installs torch 2.13.0 in its own
virtualenv and sets GDSIM_REQUIRE_TORCH=1, so that there a missing torch fails the test
instead of skipping it (CI must never skip them); elsewhere the tests are skipped."""

import os

import pytest


def require_torch():
    """The torch module; skips the test where torch is not installed (except under
    ``make test-torch``, where that is a failure)."""
    if os.environ.get("GDSIM_REQUIRE_TORCH"):
        import torch

        return torch
    return pytest.importorskip("torch")
