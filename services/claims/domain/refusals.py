"""A rule's refusal: a code and its parameters, never a sentence.

The words, in Polish and English, are in one catalogue (shared/claims_wording.py); the HTTP layer
renders a refusal in the client's language (services/claims/entrypoints/refusals.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field


@dataclass(eq=False)
class Refusal(Exception):
    code: str  # what the answer's `errors[].code` says
    field: str | None  # the field at fault, or None
    params: Mapping[str, object] = dataclass_field(default_factory=dict)
    status_code: int = 422  # 409: the claim's state refuses it; 422: the input does
    # The catalogue's entry when one code has several texts (`<code>.<variant>`).
    variant: str | None = None
    # Parameters the answer carries beside the message, for a client to act on.
    published: tuple[str, ...] = ()

    @property
    def wording(self) -> str:
        """The catalogue entry of this refusal's words."""
        return f"{self.code}.{self.variant}" if self.variant else self.code

    def __str__(self) -> str:
        return f"{self.code}: {dict(self.params)}"
