"""HTML to PDF through WeasyPrint (the ``reports`` extra), offline, written all or nothing.

The renderer is a one-method protocol (:class:`PdfRenderer`) so callers and tests can swap
it; :class:`WeasyPrintRenderer` is the real one. Its URL fetcher refuses every URL but
``data:`` — a report never reaches the network or the file system for a resource (styles
and pictures are inline). WeasyPrint is imported only when a PDF is made.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ALLOWED_SCHEMES",
    "PdfRenderer",
    "RefusedURL",
    "WeasyPrintRenderer",
    "offline_url_fetcher",
]

logger = logging.getLogger(__name__)

#: The only URL schemes a report may load a resource from.
ALLOWED_SCHEMES = frozenset({"data"})


class RefusedURL(ValueError):
    """A report asked for a resource outside the document (network or file)."""


class PdfRenderer(Protocol):
    """Turns a complete HTML document into PDF bytes."""

    def render(self, html: str) -> bytes: ...


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: pango missing
        raise ImportError(
            "PDF reports need the reports extra (pip install 'vertebro[reports]') and "
            f"Debian's libpango-1.0-0 and libpangoft2-1.0-0: {exc}"
        ) from exc
    return weasyprint


def offline_url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves ``data:`` URLs and raises :class:`RefusedURL`
    for everything else (``http:``, ``https:``, ``ftp:``, ``file:`` …)."""
    _weasyprint()
    from weasyprint.urls import URLFetcher  # the fetcher class of WeasyPrint >= 68

    class OfflineURLFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme not in ALLOWED_SCHEMES:
                logger.warning("report: refused to load %s", url[:200])
                raise RefusedURL(f"reports load nothing from outside the document: {url[:200]}")
            return super().fetch(url, headers)

    return OfflineURLFetcher(allowed_protocols=sorted(ALLOWED_SCHEMES))


class WeasyPrintRenderer:
    """The real renderer: WeasyPrint with :func:`offline_url_fetcher`."""

    def render(self, html: str) -> bytes:
        weasyprint = _weasyprint()
        document = weasyprint.HTML(
            string=html, base_url="data:,", url_fetcher=offline_url_fetcher()
        )
        data: bytes = document.write_pdf()
        return data
