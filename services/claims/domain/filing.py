"""Filing a claim: the form the customer sends, the facts the stores know about it, and every
rule a new claim must pass, checked in one place (`check_filing`, which `Claim.file` runs).

The handler gathers the facts (the purchase document, the product's problem list, an open claim
for the serial number, ...) and calls `Claim.file`; it decides nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from services.claims.domain import eligibility, form
from services.claims.domain.eligibility import ClaimTypeVerdict
from services.claims.domain.form import ClaimedLine, UnitDetails
from services.claims.domain.parts import Act, NewAttachment
from services.claims.domain.refusals import Refusal
from shared.events import (
    BuyerType,
    ClaimedProduct,
    ClaimType,
    DocumentType,
    Language,
    PostalAddress,
)


@dataclass(frozen=True)
class Upload:
    """A file as the customer sent it: its type is read from its content, not its name."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class ClaimForm:
    """What the customer filled in."""

    account_id: UUID
    document_type: DocumentType
    document_number: str
    line_no: int
    claim_type: ClaimType
    problem_description: str
    package_contents: str
    attachment: Upload  # the sales document
    serial_number: str | None = None
    problem_code: str | None = None
    tracking_number: str | None = None
    customer_reference: str | None = None
    return_address: PostalAddress | None = None  # another address than the account's
    unit_details: UnitDetails = field(default_factory=UnitDetails)
    seal_intact: bool | None = None  # sealed goods: the customer's word on the seal


@dataclass(frozen=True)
class Purchase:
    """The purchase document linked to the customer's account and its line the claim is for, as
    the sales ledger published them, with whom to tell about the claim."""

    buyer_type: BuyerType  # the document's buyer (the ERP's), not what the account declares
    document_number: str
    sold_on: date
    delivered_on: date | None
    email: str
    language: Language
    line: ClaimedLine

    @property
    def handed_over_on(self) -> date:
        """The day the buyer got the goods: delivery when known, the sale otherwise."""
        return self.delivered_on or self.sold_on


@dataclass(frozen=True)
class FilingFacts:
    """What the stores know about a claim form, gathered before the rules run."""

    claim_id: UUID  # the new claim's, and its sales document's
    sales_document_id: UUID
    rma_number: str
    purchase: Purchase | None  # None: the product is on no document linked to the account
    problems: tuple[str, ...] = ()  # the product's problem list (empty: a free description)
    registered_on: date | None = None  # the unit's registration with the distributor
    open_claim: str | None = None  # the RMA number of an open claim for the serial number
    # The RMA number of a claim whose accepted price reduction settled this unit's defect.
    settled_defect: str | None = None
    account_address: PostalAddress | None = None  # the account's own, for the return


def claimed_purchase(purchase: Purchase | None) -> Purchase:
    """Only a product of a document linked to the customer's account can be claimed."""
    if purchase is None:
        raise Refusal("product_not_on_linked_document", "line_no")
    return purchase


@dataclass(frozen=True)
class Filing:
    """A checked claim form: what `Claim.file` builds the claim from."""

    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: str
    language: Language
    buyer_type: BuyerType
    verdict: ClaimTypeVerdict
    document_type: DocumentType
    document_number: str
    sold_on: date
    delivered_on: date | None
    line_no: int
    product: ClaimedProduct
    unit_price: Decimal
    serial_number: str | None
    problem_description: str
    problem_code: str | None
    tracking_number: str | None
    package_contents: str
    customer_reference: str | None
    return_address: PostalAddress
    sales_document: NewAttachment
    unit_details: UnitDetails = field(default_factory=lambda: UnitDetails())


def _verdict(
    claim: ClaimForm, purchase: Purchase, serial: str | None, facts: FilingFacts, act: Act
) -> ClaimTypeVerdict:
    """The claim type's verdict from the facts of the document, the unit and the form."""
    line = purchase.line
    return eligibility.check_claim_type_allowed(
        eligibility.ClaimTypeFacts(
            claim.claim_type,
            purchase.buyer_type,
            line.brand,
            line.category,
            purchase.handed_over_on,
            act.day,
            activated_on=claim.unit_details.activated_on or line.activated_on,
            registered_on=facts.registered_on if serial else None,
            seal_intact=claim.seal_intact,
        )
    )


def _because_of(code: str, field: str, rma_number: str) -> Refusal:
    """Refused because of another claim, which the answer names for the customer to follow."""
    return Refusal(code, field, {"rma_number": rma_number}, 409, published=("rma_number",))


def _unit_rules(
    claim: ClaimForm, purchase: Purchase, facts: FilingFacts, act: Act
) -> tuple[str | None, ClaimTypeVerdict, str | None]:
    """The unit's rules, in order: its serial number, the claim type, the seal, one open claim
    per unit, its problem, and a defect settled by a price reduction stays settled."""
    serial = form.check_serial_number(purchase.line, claim.serial_number)
    verdict = _verdict(claim, purchase, serial, facts, act)
    form.check_seal_declared(purchase.line.category, claim.claim_type, claim.seal_intact)
    if serial is not None and facts.open_claim is not None:
        raise _because_of("open_claim_for_serial", "serial_number", facts.open_claim)
    problem = form.check_problem(list(facts.problems), claim.problem_code, claim.claim_type)
    if serial is not None and problem is not None and facts.settled_defect is not None:
        raise _because_of("defect_settled_by_price_reduction", "problem_code", facts.settled_defect)
    return serial, verdict, problem


def check_filing(claim: ClaimForm, facts: FilingFacts, act: Act) -> Filing:
    """Every rule of a new claim, in the order the customer reads the refusals: the file, the
    product, the unit, the return address, the description, the unit's details."""
    return _checked(claim, facts, act, form.attachment_type(claim.attachment.content))


def check_filing_but_the_file(claim: ClaimForm, facts: FilingFacts, act: Act) -> None:
    """Every rule of a new claim but its file's: a bulk filing's dry run shows each row's
    verdict before the sales document is chosen (the filing then checks them all)."""
    _checked(claim, facts, act, "application/pdf")


def _checked(claim: ClaimForm, facts: FilingFacts, act: Act, content_type: str) -> Filing:
    purchase = claimed_purchase(facts.purchase)
    serial, verdict, problem = _unit_rules(claim, purchase, facts, act)
    return_address = claim.return_address or facts.account_address
    if return_address is None:
        raise Refusal("return_address_required", "return_address")
    line = purchase.line
    return Filing(
        claim_id=facts.claim_id,
        rma_number=facts.rma_number,
        account_id=claim.account_id,
        email=purchase.email,
        language=purchase.language,
        buyer_type=purchase.buyer_type,
        verdict=verdict,
        document_type=claim.document_type,
        document_number=purchase.document_number,
        sold_on=purchase.sold_on,
        delivered_on=purchase.delivered_on,
        line_no=claim.line_no,
        product=line.product,
        unit_price=line.unit_price,
        serial_number=serial,
        problem_description=form.check_problem_description(
            claim.problem_description, claim.claim_type
        ),
        problem_code=problem,
        tracking_number=(claim.tracking_number or "").strip().upper() or None,
        package_contents=claim.package_contents.strip(),
        customer_reference=(claim.customer_reference or "").strip() or None,
        return_address=return_address,
        sales_document=NewAttachment(
            facts.sales_document_id,
            "sales_document",
            claim.attachment.filename,
            content_type,
            claim.attachment.content,
        ),
        unit_details=form.check_unit_details(claim.unit_details, purchase.sold_on, act.day),
    )
