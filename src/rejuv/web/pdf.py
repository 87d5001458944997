"""The take-to-clinic summary as PDF, rendered by WeasyPrint from the same HTML as the print view.

WeasyPrint is imported on first use: it takes about a second to import and most requests never need it.
While rendering, only this app's own static files are read (from disk, not over HTTP); any other URL is
refused, so a PDF never depends on the network and never leaks a request.

The PDF is tagged (`pdf_tags`: headings, lists, tables and reading order in a structure tree) so screen readers
can read it; with WeasyPrint 70 that cost about 6 % more render time for the summary and changed nothing on the
page. It does not claim the PDF/UA variant (`pdf_variant="pdf/ua-1"`), which nobody has checked it meets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATIC = (Path(__file__).parent / "static").resolve()


def render_pdf(html: str, base_url: str) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # heavy import, rarely needed
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    prefix = base_url.rstrip("/") + "/static/"

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(prefix):
                local = (STATIC / url[len(prefix) :].split("?")[0]).resolve()
                if STATIC in local.parents and local.is_file():
                    return super().fetch(local.as_uri(), headers)
            raise ValueError(f"refusing to fetch {url!r} while rendering a PDF")

    document = HTML(string=html, base_url=base_url, url_fetcher=StaticOnlyFetcher())
    pdf: bytes = document.write_pdf(pdf_tags=True)
    return pdf
