"""HTTP entry points of warranty: the support-period check by EAN, the catalogue, scooter
registrations and the product passport."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from services.warranty import handlers
from services.warranty import passport as unit_passport
from services.warranty.domain.ean import InvalidEan, validate_gtin13
from services.warranty.domain.products import ProductCategory, WearPart
from services.warranty.unit_of_work import CatalogueProduct
from shared.auth import Principal, require_role
from shared.errors import BusinessRuleError, Message
from shared.http import CorrelationId
from shared.idempotency import idempotent_request

router = APIRouter()


def get_context(request: Request) -> handlers.WarrantyContext:
    context: handlers.WarrantyContext = request.app.state.warranty
    return context


class SupportPeriodPublic(BaseModel):
    ean: str
    name: str
    brand: str
    last_sold_on: date
    rule: str
    covered: bool
    support_until: date | None
    reason: str


@router.get(
    "/api/support-period/{ean}",
    response_model=SupportPeriodPublic,
    tags=["warranty"],
    summary="The support period of a product, from the last date the distributor sold it",
    responses={
        422: {"description": "The EAN/GTIN-13 is malformed or its check digit is wrong"},
        404: {"description": "The distributor never sold a product with this EAN"},
    },
)
async def support_period(
    ean: Annotated[str, Path(examples=["5901234123457"], max_length=20)],
    ctx: Annotated[handlers.WarrantyContext, Depends(get_context)],
) -> SupportPeriodPublic:
    try:
        found = await handlers.support_period(ctx, ean)
    except InvalidEan as error:
        raise BusinessRuleError(
            "ean_invalid", Message(error.message_pl, error.message_en), field="ean"
        ) from None
    return SupportPeriodPublic(
        ean=found.ean,
        name=found.name,
        brand=found.brand,
        last_sold_on=found.last_sold_on,
        rule=found.verdict.rule,
        covered=found.verdict.covered,
        support_until=found.verdict.ends_on,
        reason=found.verdict.reason,
    )


Customer = Annotated[Principal, Depends(require_role("customer"))]
Operator = Annotated[Principal, Depends(require_role("operator"))]
Context = Annotated[handlers.WarrantyContext, Depends(get_context)]


class ProductPublic(BaseModel):
    ean: str
    sku: str
    name: str
    brand: str
    category: str
    outlet: bool
    serial_required: bool | None
    problems: list[str] = Field(description="Problems to choose from when filing a claim")
    problem_parts: dict[str, str] = Field(
        description="The problems that concern a wear part, and which (judged at its period)"
    )


class CatalogueEntry(BaseModel):
    ean: str = Field(max_length=20, examples=["5901234123457"])
    sku: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=300)
    brand: str = Field(min_length=1, max_length=100)
    category: ProductCategory
    outlet: bool = False
    problems: list[str] = Field(default_factory=list, max_length=50)
    serial_required: bool | None = None
    problem_parts: dict[str, WearPart] = Field(
        default_factory=dict,
        max_length=50,
        description="Problems of the list that concern a wear part: battery, cable, housing, "
        "propeller or scooter_battery (a claim naming one is judged at the part's period)",
        examples=[{"Akumulator nie ładuje się lub szybko się rozładowuje": "battery"}],
    )

    def catalogue_product(self, ean: str) -> CatalogueProduct:
        """The entry to import, under its checked EAN."""
        return CatalogueProduct(**{**self.model_dump(), "ean": ean})

    def unlisted_problem_parts(self) -> BusinessRuleError | None:
        """A wear part may be named only for a problem of the entry's own list."""
        unlisted = sorted(set(self.problem_parts) - set(self.problems))
        if not unlisted:
            return None
        names = ", ".join(f"„{problem}”" for problem in unlisted)
        return BusinessRuleError(
            "problem_parts_unlisted",
            Message(
                f"Część można wskazać tylko dla problemu z listy produktu {self.ean}; "
                f"nie ma na niej: {names}.",
                f"A part can only be named for a problem on the list of product {self.ean}; "
                f"not listed: {names}.",
            ),
            field="problem_parts",
        )


class RegistrationCreate(BaseModel):
    """The purchase date is the sales document's, so the customer does not type it."""

    ean: str = Field(max_length=20, examples=["5901234123457"])
    serial_number: str = Field(min_length=3, max_length=60, examples=["DU-2025-000003"])


class RegistrationPublic(BaseModel):
    registration_id: UUID
    ean: str
    serial_number: str
    purchased_on: date = Field(description="The date of the sales document")
    registered_on: date
    registration_deadline: date | None = Field(
        description="The last day a registration gives 24 months instead of 12 (seed 001); "
        "none where registering changes nothing (a business purchase, say)"
    )
    registered_in_time: bool
    message: str


def _ean(code: str) -> str:
    try:
        return validate_gtin13(code)
    except InvalidEan as error:
        raise BusinessRuleError(
            "ean_invalid", Message(error.message_pl, error.message_en), field="ean"
        ) from None


@router.get(
    "/api/products/{ean}",
    response_model=ProductPublic,
    tags=["catalogue"],
    summary="A product of the catalogue, with the problem list its claim form needs",
)
async def product(ean: str, ctx: Context) -> ProductPublic:
    found = await handlers.catalogue_product(ctx, _ean(ean))
    return ProductPublic.model_validate(found, from_attributes=True)


@router.post(
    "/api/admin/catalogue",
    tags=["catalogue"],
    summary="Import catalogue entries (names, categories, problem lists); operators only",
    description="`imported`: the entries given; `changed`: those new or different, the only ones "
    "announced (ProductCatalogued). Importing the same entries again changes nothing.",
)
async def import_catalogue(
    entries: list[CatalogueEntry], _operator: Operator, ctx: Context
) -> dict[str, int]:
    for entry in entries:
        if refusal := entry.unlisted_problem_parts():
            raise refusal
    products = [entry.catalogue_product(_ean(entry.ean)) for entry in entries]
    changed = await handlers.import_catalogue(ctx, products)
    return {"imported": len(products), "changed": changed}


@router.post(
    "/api/registrations",
    status_code=201,
    response_model=RegistrationPublic,
    tags=["warranty"],
    summary="Register a Dualtron, Kaabo or Nami scooter (within 30 days: 24 months' warranty)",
    responses={
        404: {
            "description": "The unit (EAN and serial number) is on none of the customer's "
            "linked documents (another's unit gets the same answer)"
        },
        409: {"description": "The unit (EAN and serial number) is registered already"},
        422: {"description": "A field is invalid, or the product (EAN) needs no registration"},
    },
)
async def register_scooter(
    body: RegistrationCreate,
    customer: Customer,
    ctx: Context,
    correlation: CorrelationId,
) -> RegistrationPublic:
    command = handlers.ProductRegistration(customer.subject, _ean(body.ean), body.serial_number)
    keyed = idempotent_request()
    if keyed is not None and keyed.made is not None:
        # Registered by this key's first request, which died before its answer was recorded.
        registration = await handlers.registration_made(ctx, command, UUID(keyed.made))
    else:
        registration = await handlers.register_product(ctx, command, correlation, keyed)
    registered, standing = registration.event.data, registration.standing
    return RegistrationPublic(
        **registered.model_dump(include={"registration_id", "ean", "serial_number"}),
        purchased_on=registered.purchased_on,
        registered_on=registered.registered_on,
        registration_deadline=standing.deadline,
        registered_in_time=standing.state == "registered_in_time",
        message=_REGISTERED[standing.state],
    )


# What the customer is told, by how the registration stands (the rules table decides that).
_REGISTERED = {
    "registered_in_time": "Hulajnoga została zarejestrowana: gwarancja 24 miesiące od daty zakupu.",
    "registered_late": "Hulajnoga została zarejestrowana po 30 dniach od zakupu: gwarancja "
    "wynosi 12 miesięcy od daty zakupu.",
    "not_needed": "Hulajnoga została zarejestrowana. Rejestracja nie zmienia okresu gwarancji "
    "tego zakupu.",
}


class RegistrationStandingPublic(BaseModel):
    state: str = Field(
        description="not_needed | open | missed | registered_in_time | registered_late"
    )
    deadline: date | None = Field(description="The last day a registration gives 24 months")
    registered_on: date | None


class OwnedUnitPublic(BaseModel):
    ean: str
    serial_number: str
    name: str
    brand: str
    document_type: str
    document_number: str
    purchased_on: date
    replaces_serial_number: str | None = Field(description="The unit this one was given for")
    replaced_by_serial_number: str | None = Field(description="The unit given in its place")
    registration: RegistrationStandingPublic


@router.get(
    "/api/me/units",
    response_model=list[OwnedUnitPublic],
    tags=["warranty"],
    summary="The caller's units (serial numbers on their documents, and replacements given for "
    "them), with how each scooter's registration stands",
)
async def my_units(customer: Customer, ctx: Context) -> list[OwnedUnitPublic]:
    units = await handlers.account_units(ctx, customer.subject)
    return [OwnedUnitPublic.model_validate(unit, from_attributes=True) for unit in units]


# --- the product passport ---------------------------------------------------------------


class PassportSale(BaseModel):
    document_type: str
    document_number: str
    issued_on: date
    delivered_on: date | None
    buyer_type: str
    activated_on: date | None
    of_serial_number: str = Field(
        description="The unit on the document: this one, or the one it was given in place of"
    )


class PassportRegistration(BaseModel):
    registered_on: date
    purchased_on: date


class PassportReplacement(BaseModel):
    claim_id: UUID
    rma_number: str
    ean: str
    serial_number: str | None
    issued_on: date = Field(description="The day the service issued the new unit")
    handed_back_on: date | None = Field(
        description="The day the new unit was shipped to the buyer (its period runs anew from "
        "then, Civil Code art. 581 §1); None while it waits at the service"
    )


class PassportRepeatedDefect(BaseModel):
    claim_count: int
    same_problem_count: int
    problem: str
    message: str
    suggested_decisions: list[str] = Field(
        description="The remedies the claim's type and buyer give; the decision form starts at "
        "the first"
    )
    remedy_rule: str | None = Field(default=None, description="The rule that chose them")
    remedy_reason: str | None = Field(default=None, description="Why these, Polish")


class PassportClaim(BaseModel):
    claim_id: UUID
    rma_number: str
    claim_type: str
    problem: str
    claimed_on: date
    status: str
    status_changed_on: date | None
    decision: str | None
    decided_on: date | None
    repeated_defect: PassportRepeatedDefect | None


class PassportRepair(BaseModel):
    claim_id: UUID
    rma_number: str | None
    kind: str = Field(description="repair | substantial_repair | part_replaced")
    replaced_part: str | None
    started_on: date
    handed_back_on: date | None = Field(description="None while the unit is in the service")
    days: int | None


class PassportVerdict(BaseModel):
    rule: str
    after_service_rules: list[str]
    warranty_from: date
    counted_from: str
    warranty_until: date | None
    covered: bool
    checked_on: date
    reason: str


class PassportWarrantyVoid(BaseModel):
    claim_id: UUID
    rma_number: str = Field(description="The claim it was found on")
    reason: str = Field(description="A code of the terms' reasons a warranty is void")
    reason_name: str = Field(description="The reason, Polish")
    reason_name_en: str
    evidence: list[UUID] = Field(description="The claim's attachments that show it")
    note: str | None
    marked_at: datetime


class PassportProduct(BaseModel):
    name: str
    brand: str
    category: str
    outlet: bool


class PassportPublic(BaseModel):
    ean: str
    serial_number: str
    product: PassportProduct | None
    sale: PassportSale | None
    registration: PassportRegistration | None
    replaces: PassportReplacement | None = Field(description="The unit this one was given for")
    replaced_by: PassportReplacement | None = Field(description="The unit given in its place")
    claims: list[PassportClaim]
    repairs: list[PassportRepair]
    repeated_defect: PassportRepeatedDefect | None = Field(
        description="The latest claim's flag: the same problem back after a repair"
    )
    warranty_void: PassportWarrantyVoid | None = Field(
        default=None,
        description="An operator's finding that the unit's warranty is void: its guarantee "
        "claims are not covered (a consumer's non-conformity claim still is judged by the statute)",
    )
    verdict: PassportVerdict | None = Field(description="A warranty claim filed today")


Reader = Annotated[Principal, Depends(require_role("customer", "operator"))]


@router.get(
    "/api/passport/{ean}/{serial_number}",
    response_model=PassportPublic,
    tags=["warranty"],
    summary="One unit's story: sale, registration, claims, repairs, replacements and verdict",
    responses={
        404: {"description": "Unknown unit, or (customers) not on their linked documents"},
        422: {"description": "The EAN/GTIN-13 is malformed or its check digit is wrong"},
    },
)
async def passport(
    ean: Annotated[str, Path(examples=["5901234123457"], max_length=20)],
    serial_number: Annotated[str, Path(examples=["DU-2025-000003"], max_length=60)],
    reader: Reader,
    ctx: Context,
) -> PassportPublic:
    found = await unit_passport.passport(ctx, _ean(ean), serial_number, reader)
    return PassportPublic.model_validate(found)
