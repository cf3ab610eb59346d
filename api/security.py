"""The security headers of every HTML page Meute serves: the console's and the briefs'."""

from __future__ import annotations

import base64
import hashlib
import re

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "html_security_headers"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def html_security_headers(page: str) -> dict[str, str]:
    """The console's headers for a self-contained page: its own inline ``<style>`` blocks are
    allowed by their hash (so that the page still prints once saved), nothing else is.
    """
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode() + "'"
        for css in _STYLE.findall(page)
    ]
    policy = CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", " ".join(["style-src 'self'", *hashes])
    )
    return {**SECURITY_HEADERS, "Content-Security-Policy": policy}
