"""The claim form of `POST /api/claims`: its fields as one model and its file, read from the
request here rather than by FastAPI.

FastAPI reads a form model by asking, for each of the model's 22 fields on every request,
whether the field's type is a sequence: 115 µs a filing, about 7 % of the bare endpoint's
whole CPU per claim (issue 27, item 2), where the model itself validates in 3 µs. This reads
the form by FastAPI's rules: a field left empty, or an empty file input, counts as not sent;
of a repeated field the last value counts; the errors are the same, located in `body`, and
answered by the same handler. The request body is documented as FastAPI documents a form
model beside a file (`REQUEST_BODY`); tests/unit/claims/test_claim_form.py holds both to what
FastAPI itself makes of the same declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from shared.addresses import postal_address
from shared.events import ClaimType, PostalAddress

ATTACHMENT = "attachment"
ATTACHMENT_DESCRIPTION = "Sales document: PDF, JPEG or PNG"


class ClaimFormFields(BaseModel):
    """The claim form's fields (beside its file), read as one model: checked in one validation
    instead of one per field. A field left empty counts as not sent, as it did when each field
    was a parameter of its own."""

    document_type: Literal["PA", "FS"]
    document_number: str = Field(min_length=1, max_length=40)
    line_no: int = Field(ge=1, description="Line of the document with the product")
    claim_type: ClaimType
    package_contents: str = Field(min_length=2, max_length=1000)
    problem_description: str = Field(
        default="", max_length=5000, description="At least 10 characters; a return needs none"
    )
    serial_number: str | None = Field(default=None, max_length=60)
    problem_code: str | None = Field(default=None, max_length=200)
    tracking_number: str | None = Field(default=None, max_length=60)
    customer_reference: str | None = Field(default=None, max_length=60)
    return_recipient: str | None = Field(default=None, max_length=200)
    return_street: str | None = Field(default=None, max_length=200)
    return_postal_code: str | None = Field(default=None, max_length=20)
    return_city: str | None = Field(default=None, max_length=200)
    return_country: str | None = Field(default=None, max_length=2)
    return_phone: str | None = Field(default=None, max_length=30)
    installed_by_authorised_service: bool | None = Field(
        default=None, description="Scooter service parts: installed by an authorised service"
    )
    installing_service_name: str | None = Field(default=None, max_length=200)
    activated_on: date | None = Field(
        default=None, description="DJI outlet products: the day the product was activated"
    )
    seal_intact: bool | None = Field(
        default=None, description="A return of sealed goods (see asks_seal): is the seal intact?"
    )

    def return_address(self) -> PostalAddress | None:
        """Another address than the account's for this claim; without one, the account's
        applies."""
        given = (
            self.return_recipient,
            self.return_street,
            self.return_postal_code,
            self.return_city,
        )
        if not any((value or "").strip() for value in given):
            return None
        return postal_address(
            recipient=self.return_recipient,
            street=self.return_street,
            postal_code=self.return_postal_code,
            city=self.return_city,
            country=self.return_country,
            phone=self.return_phone,
            field_prefix="return_",
        )


@dataclass(frozen=True)
class ClaimFormParts:
    fields: ClaimFormFields
    attachment: UploadFile


# FastAPI's own type of an uploaded file: its check, and its error for anything else.
_UPLOAD = TypeAdapter(UploadFile)


def _sent(value: Any) -> bool:
    """Not an empty field nor the empty file a browser sends when none was chosen."""
    if isinstance(value, UploadFile):
        return not (value.filename == "" and value.size == 0)
    return value is not None and value != ""


def _located(errors: list[Any], *at: str) -> list[dict[str, Any]]:
    return [{**error, "loc": ("body", *at, *error["loc"])} for error in errors]


async def read_claim_form(request: Request) -> ClaimFormParts:
    """The form's fields and file, or 422 with every field at fault (the fields' errors first,
    then the file's), as FastAPI answers a form model and a file."""
    form = await request.form()
    named = ((name, form.get(name)) for name in ClaimFormFields.model_fields)
    values = {name: value for name, value in named if _sent(value)}
    errors: list[dict[str, Any]] = []
    fields = attachment = None
    try:
        fields = ClaimFormFields.model_validate(values)
    except ValidationError as error:
        errors += _located(error.errors())
    if not _sent(sent := form.get(ATTACHMENT)):
        errors.append(
            {"type": "missing", "loc": ("body", ATTACHMENT), "msg": "Field required", "input": None}
        )
    else:
        try:
            attachment = _UPLOAD.validate_python(sent)
        except ValidationError as error:
            errors += _located(error.errors(), ATTACHMENT)
    if errors or fields is None or attachment is None:
        raise RequestValidationError(errors)
    return ClaimFormParts(fields, attachment)


ClaimForm = Annotated[ClaimFormParts, Depends(read_claim_form)]


def _request_body() -> dict[str, Any]:
    """The request body's OpenAPI, as FastAPI documents a form model beside a file (the model's
    schema inline, where FastAPI would make it a component)."""
    fields = ClaimFormFields.model_json_schema(ref_template="#/components/schemas/{model}")
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "allOf": [fields],
                    "properties": {
                        ATTACHMENT: {
                            "type": "string",
                            "contentMediaType": "application/octet-stream",
                            "title": "Attachment",
                            "description": ATTACHMENT_DESCRIPTION,
                        }
                    },
                    "type": "object",
                    "required": [ATTACHMENT],
                    "title": "Body_file_claim_api_claims_post",
                }
            }
        },
    }


REQUEST_BODY = _request_body()
