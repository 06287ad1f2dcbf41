"""The ``rule`` marker: ``@pytest.mark.rule("M-2")`` names the rulebook rule a test
covers when the rule is not reported as a citation (M, S and P rules)."""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line("markers", "rule(*ids): the rulebook rules a test covers")
