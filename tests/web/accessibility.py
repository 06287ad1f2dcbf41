"""One check for every page a browser test visits: axe-core finds no violation, nothing
overflows the window sideways, and a full-page screenshot is kept.

axe-core is the npm package pinned by ``tests/web/axe/package-lock.json`` (``npm ci`` by
``scripts/test.sh``); a missing one FAILS (``tests/backends.py``). The app's
Content-Security-Policy forbids inline scripts, so axe is injected with
``page.add_script_tag(path=...)`` into a browser context opened with ``bypass_csp=True``
(the ``audit_page`` fixture); on a page whose context enforces the policy the same source
is evaluated through the DevTools protocol instead, which the policy does not govern.
Screenshots go where every browser test keeps them (``conftest.shot``:
``test-artifacts/web/<name>.png``, git-ignored): look at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.backends import unavailable
from tests.web.conftest import ARTIFACTS, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["ARTIFACTS", "AXE", "axe_violations", "check_page", "overflow"]

HERE = Path(__file__).parent
AXE = HERE / "axe" / "node_modules" / "axe-core" / "axe.min.js"

#: Every rule axe runs by default (WCAG 2.0/2.1/2.2 A and AA and its best practices).
_RUN = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(' ')),
    summaries: v.nodes.map(n => n.failureSummary || ''),
  }));
}
"""

#: Elements wider than the window, the outermost first (what makes the page scroll sideways).
_OVERFLOW = """
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const out = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.right > width + 0.5 && getComputedStyle(e).position !== 'absolute') {
      let p = e.parentElement, clipped = false;
      while (p && p !== document.body) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
        p = p.parentElement;
      }
      const cls = typeof e.className === 'string' && e.className.trim()
        ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
      if (!clipped) out.push(
        `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${cls} right=${Math.round(r.right)}`);
    }
  }
  return [`page ${document.documentElement.scrollWidth} px wide in a ${width} px window`,
          ...out.slice(0, 8)];
}
"""


def _inject_axe(page: Any) -> None:
    if not AXE.exists():
        unavailable(f"axe-core is missing ({AXE}; npm ci --prefix tests/web/axe)")
    if page.evaluate("() => typeof window.axe") == "object":
        return
    from playwright.sync_api import Error as PlaywrightError

    try:
        page.add_script_tag(path=str(AXE))
    except PlaywrightError as exc:
        if "Content Security Policy" not in str(exc):
            raise
    if page.evaluate("() => typeof window.axe") != "object":
        # The context enforces the page's CSP: the inline script tag was refused.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    assert page.evaluate("() => typeof window.axe") == "object", "axe-core did not load"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now: id, impact, help, targets."""
    _inject_axe(page)
    found: list[dict[str, Any]] = page.evaluate(_RUN)
    return found


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for target, summary in zip(v["targets"], v["summaries"], strict=True):
            first = summary.splitlines()[1].strip() if summary.count("\n") else summary
            lines.append(f"    {target}  — {first}")
    return "\n".join(lines)


def overflow(page: Any) -> list[str]:
    """Why the page scrolls sideways (empty when it does not)."""
    found: list[str] = page.evaluate(_OVERFLOW)
    return found


def check_page(page: Page, name: str) -> None:
    """Save the full page as ``<name>.png`` (:func:`shot`), then fail on any axe-core
    violation (every one listed: id, impact, target, help) or any horizontal overflow."""
    page.wait_for_load_state("load")
    shot(page, name)
    problems = []
    violations = axe_violations(page)
    if violations:
        problems.append(
            f"axe-core violations on {name} ({page.url}):\n" + format_violations(violations)
        )
    wide = overflow(page)
    if wide:
        problems.append(f"horizontal overflow on {name} ({page.url}): " + "; ".join(wide))
    assert not problems, "\n".join(problems)
