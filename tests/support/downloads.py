"""Reading a download's Content-Disposition as an RFC 6266 reader (a browser) does."""

from __future__ import annotations

from email.message import Message
from email.utils import collapse_rfc2231_value


def download_names(disposition: str) -> tuple[str | None, str | None]:
    """The plain `filename` and the name a browser saves under: `filename*` (RFC 5987) when
    given, else the plain one. The standard library's own `get_filename` takes the first."""
    parsed = Message()
    parsed["content-disposition"] = disposition
    plain: str | None = None
    extended: str | None = None
    for name, value in parsed.get_params(header="content-disposition")[1:]:
        if name != "filename":
            continue
        if isinstance(value, tuple):
            extended = collapse_rfc2231_value(value)
        else:
            plain = value
    return plain, extended or plain
