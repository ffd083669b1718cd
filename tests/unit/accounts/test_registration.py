"""Registration, activation, linked documents and the profile, through the accounts handlers on
the in-memory unit of work: each command's happy path publishes its events with its changes; each
refusal changes nothing. The SQL, Kafka and HTTP of the same are in tests/integration
(test_accounts_store.py, test_accounts.py)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from services.accounts import handlers
from shared.events import (
    AccountActivated,
    AccountActivationLinkIssued,
    AccountContactChanged,
    AccountRegistered,
    DocumentLinked,
)
from tests.support.accounts_service import BROWSER, PASSWORD, AccountsDesk, refused

NIP = "5260250274"


# --- registration ---------------------------------------------------------------------------


async def test_a_registration_publishes_the_account_and_its_document_with_a_sealed_link(
    desk: AccountsDesk,
) -> None:
    number, email = await desk.sale(), desk.email()
    accepted = await desk.register(f"FS {number}", email)
    assert [n.pl for n in accepted.notices] == [
        "Usunęliśmy przedrostek FS: numer dokumentu podaje się bez niego."
    ]
    [registered] = desk.published(AccountRegistered)
    [linked] = desk.published(DocumentLinked)
    assert registered.key == str(registered.data.account_id) == linked.key
    assert registered.correlation_id == linked.correlation_id
    assert (registered.data.email, registered.data.document_number) == (email, number)
    assert linked.data.at_registration and linked.data.document_number == number
    assert desk.link_in(registered).startswith("http://panel.test/activate?token=")
    # 48 hours to activate, by the service's clock.
    assert registered.data.activation_expires_at == desk.clock() + timedelta(hours=48)
    account = await desk.account(email)
    assert account.activated_at is None
    assert account.password_hash.startswith("$argon2") and PASSWORD not in account.password_hash
    assert PASSWORD not in registered.model_dump_json()


@pytest.mark.parametrize(
    ("number_of", "total", "code"),
    [
        ("unknown", "4299,00", "document_not_found"),
        ("known", "4299,01", "document_not_found"),
        ("known", "4299 zł", "document_total_invalid"),
    ],
)
async def test_a_document_must_match_its_number_and_total(
    desk: AccountsDesk, number_of: str, total: str, code: str
) -> None:
    number = await desk.sale() if number_of == "known" else "2025/NOPE123"
    wrong_total = (number_of, total) == ("known", "4299,01")
    refusal = await refused(
        desk, code, desk.register(number, desk.email(), document_total=total), counted=wrong_total
    )
    assert refusal.field in ("document_number", "document_total")
    assert refusal.status_code == 422


async def test_a_document_number_that_is_no_number_is_refused(desk: AccountsDesk) -> None:
    refusal = await refused(desk, "document_number_invalid", desk.register("PA ???", desk.email()))
    assert refusal.field == "document_number"


async def test_a_document_links_to_one_account_only(desk: AccountsDesk) -> None:
    number = await desk.sale()
    await desk.register(number, desk.email())
    second = desk.email()
    refusal = await refused(
        desk, "document_already_linked", desk.register(number, second), counted=True
    )
    assert refusal.status_code == 409
    assert refusal.message.pl == "Ten dokument zakupu jest już powiązany z innym kontem."
    assert refusal.message.en == "This purchase document is already linked to another account."
    assert await desk.accounts_with(second) == 0


async def test_a_company_needs_a_valid_nip_matching_the_invoice(desk: AccountsDesk) -> None:
    number = await desk.sale(document_type="FS", type="business", vat_country="PL", tax_id=NIP)
    company = {"account_type": "company", "document_total": "4299"}
    invalid = await refused(
        desk,
        "tax_id_invalid",
        desk.register(number, desk.email(), tax_id=NIP[:-1] + "5", **company),
    )
    assert invalid.field == "tax_id"
    assert invalid.message.pl == (
        "Numer NIP jest nieprawidłowy (błędna suma kontrolna). Sprawdź go na fakturze."
    )
    await refused(
        desk, "tax_id_mismatch", desk.register(number, desk.email(), tax_id="7740001454", **company)
    )
    email = desk.email()
    await desk.register(number, email, vat_country="PL", tax_id="526-025-02-74", **company)
    account = await desk.account(email)
    assert (account.account_type, account.vat_country, account.tax_id) == ("company", "PL", NIP)


async def test_a_private_account_cannot_take_a_company_invoice_which_stays_free(
    desk: AccountsDesk,
) -> None:
    """Consumer rights follow the document's buyer: a company's invoice is refused to a private
    account at registration, and stays free for the company itself."""
    invoice = await desk.sale("59.00", "FS", type="business", vat_country="PL", tax_id=NIP)
    refusal = await refused(
        desk,
        "company_document_private_account",
        desk.register(invoice, desk.email(), document_total="59"),
    )
    assert refusal.field == "document_number"
    await desk.register(
        invoice, desk.email(), document_total="59", account_type="company", tax_id=NIP
    )
    [linked] = desk.published(DocumentLinked)
    assert linked.data.document_number == invoice and linked.data.account_type == "company"


async def test_a_taken_email_gets_the_same_answer_and_changes_nothing(
    desk: AccountsDesk,
) -> None:
    email = desk.email()
    first = await desk.register(await desk.sale(), email)
    before = list(desk.database.published)
    number = await desk.sale()
    again = await desk.register(number, email.upper())
    assert again == first
    assert desk.database.published == before
    assert await desk.accounts_with(email) == 1
    assert desk.database.state.links.get(("PA", number)) is None  # free for its real owner


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("12345678", "password_too_common"),
        ("password", "password_too_common"),
        ("PASSWORD", "password_too_common"),
        ("qwertyuiop", "password_too_common"),
        ("iloveyou", "password_too_common"),
        ("{email}", "password_contains_email"),
        ("{EMAIL}", "password_contains_email"),
        ("x{email}1", "password_contains_email"),
        ("{local}", "password_contains_email"),
    ],
)
async def test_a_registration_refuses_a_common_password_or_the_own_email(
    desk: AccountsDesk, password: str, code: str
) -> None:
    number, email = await desk.sale(), desk.email()
    typed = password.format(email=email, EMAIL=email.upper(), local=email.split("@")[0])
    refusal = await refused(desk, code, desk.register(number, email, password=typed))
    assert refusal.field == "password"
    await desk.register(number, email)  # the document stays free, the email unknown
    assert await desk.accounts_with(email) == 1


# --- activation ------------------------------------------------------------------------------


async def test_an_activation_link_activates_once(desk: AccountsDesk) -> None:
    customer = await desk.customer(active=False)
    token = desk.token(desk.last("AccountRegistered"))
    assert await handlers.activate(desk.ctx, token, uuid4()) == customer.account_id
    [activated] = desk.published(AccountActivated)
    assert activated.data.account_id == customer.account_id
    assert activated.data.email == customer.email
    assert (await desk.account(customer.email)).activated_at == desk.clock()
    await refused(desk, "activation_link_invalid", handlers.activate(desk.ctx, token, uuid4()))
    assert len(desk.published(AccountActivated)) == 1


async def test_an_activation_link_expires_after_48_hours(desk: AccountsDesk) -> None:
    customer = await desk.customer(active=False)
    token = desk.token(desk.last("AccountRegistered"))
    desk.clock.advance(hours=48)
    refusal = await refused(
        desk, "activation_link_invalid", handlers.activate(desk.ctx, token, uuid4())
    )
    assert "wygasł" in refusal.message.pl and refusal.status_code == 400
    desk.clock.advance(seconds=-1)
    await handlers.activate(desk.ctx, token, uuid4())
    assert (await desk.account(customer.email)).activated_at is not None


async def test_an_unknown_or_other_purposes_link_activates_nothing(desk: AccountsDesk) -> None:
    customer = await desk.customer()
    await handlers.request_password_reset(desk.ctx, customer.email, BROWSER, uuid4())
    reset = desk.token(desk.last("PasswordResetRequested"))
    for token in ("an-unknown-token-0123456789", reset):
        await refused(desk, "activation_link_invalid", handlers.activate(desk.ctx, token, uuid4()))


async def test_a_resent_activation_link_replaces_the_first(desk: AccountsDesk) -> None:
    customer = await desk.customer(active=False)
    first = desk.token(desk.last("AccountRegistered"))
    await handlers.resend_activation(desk.ctx, f" {customer.email.upper()} ", BROWSER, uuid4())
    [issued] = desk.published(AccountActivationLinkIssued)
    assert (issued.data.account_id, issued.data.email) == (customer.account_id, customer.email)
    assert issued.data.activation_expires_at == desk.clock() + timedelta(hours=48)
    await refused(desk, "activation_link_invalid", handlers.activate(desk.ctx, first, uuid4()))
    await handlers.activate(desk.ctx, desk.token(issued), uuid4())


async def test_a_resend_for_an_active_or_unknown_account_sends_nothing_and_says_so_not(
    desk: AccountsDesk,
) -> None:
    active = await desk.customer()
    before = list(desk.database.published)
    for email in (active.email, desk.email()):
        await handlers.resend_activation(desk.ctx, email, BROWSER, uuid4())
    assert desk.database.published == before


# --- documents and the profile --------------------------------------------------------------


async def test_a_customer_links_another_document_and_claims_its_products(
    desk: AccountsDesk,
) -> None:
    customer = await desk.customer()
    number = await desk.sale("59.00")
    accepted = await desk.link(customer, f"PA{number}", "59")
    assert [n.en for n in accepted.notices] == [
        "We removed the PA prefix: enter the number without it."
    ]
    linked = desk.published(DocumentLinked)[-1]
    assert (linked.data.document_number, linked.data.at_registration) == (number, False)
    assert linked.data.account_id == customer.account_id
    documents = await handlers.linked_documents(desk.ctx, customer.account_id)
    assert [d.document_number for d in documents][-1] == number
    assert [line.serial_numbers for line in documents[-1].lines] == [("1581F0000001",)]
    refusal = await refused(
        desk, "document_already_linked", desk.link(customer, number, "59"), counted=True
    )
    assert refusal.status_code == 409


async def test_linking_checks_the_number_total_and_buyer_as_registration_does(
    desk: AccountsDesk,
) -> None:
    customer = await desk.customer()
    invoice = await desk.sale("59.00", "FS", type="business", vat_country="PL", tax_id=NIP)
    refusal = await refused(
        desk, "company_document_private_account", desk.link(customer, f"FS {invoice}", "59,00")
    )
    assert refusal.message.pl == (
        "Ten dokument zakupu wystawiono na firmę: konto prywatne nie może go "
        "powiązać. Powiąż go z konta firmowego z NIP nabywcy z faktury."
    )
    await refused(desk, "document_not_found", desk.link(customer, invoice, "60"), counted=True)
    await refused(desk, "document_not_found", desk.link(customer, "2025/NONE", "59"))
    await refused(desk, "document_total_invalid", desk.link(customer, invoice, "59 zł"))


async def test_an_account_this_service_no_longer_has_links_nothing(desk: AccountsDesk) -> None:
    number = await desk.sale()
    call = handlers.link_document(desk.ctx, uuid4(), number, "4299", BROWSER, uuid4())
    await refused(desk, "login_failed", call)


async def test_the_profile_shows_the_account_and_its_documents(desk: AccountsDesk) -> None:
    customer = await desk.customer()
    profile = await handlers.profile(desk.ctx, customer.account_id)
    assert profile is not None and profile.account == customer
    [document] = profile.documents
    assert document.lines[0].serial_numbers == ("1581F0000001",)
    assert await handlers.profile(desk.ctx, uuid4()) is None


# --- contact ----------------------------------------------------------------------------------

CONTACT = handlers.ContactChange(
    street="ul. Rudzka 65C", postal_code="44-200", city="Rybnik", phone="+48 600 100 200"
)


async def test_a_postal_address_and_phone_kept_on_the_account(desk: AccountsDesk) -> None:
    customer = await desk.customer()
    address = await handlers.update_contact(desk.ctx, customer.account_id, CONTACT, uuid4())
    assert address.recipient == "Jan Kowalski"  # the account's own name
    assert address.phone == "+48600100200"
    [changed] = desk.published(AccountContactChanged)
    assert changed.data.address == address and changed.data.phone == "+48600100200"
    assert changed.data.email == customer.email
    kept = await desk.account(customer.email)
    assert (kept.postal_address, kept.phone) == (address, "+48600100200")
    abroad = handlers.ContactChange(
        street="Unter den Linden 1", postal_code="10115", city="Berlin", country="de"
    )
    moved = await handlers.update_contact(desk.ctx, customer.account_id, abroad, uuid4())
    assert (moved.country, moved.postal_code) == ("DE", "10115")


@pytest.mark.parametrize(
    ("typed", "field"), [({"postal_code": "44200"}, "postal_code"), ({"country": "P1"}, "country")]
)
async def test_a_wrong_postal_address_is_refused(
    desk: AccountsDesk, typed: dict[str, str], field: str
) -> None:
    customer = await desk.customer()
    wrong = handlers.ContactChange(**{**vars(CONTACT), **typed})
    code = f"{field}_invalid"
    refusal = await refused(
        desk, code, handlers.update_contact(desk.ctx, customer.account_id, wrong, uuid4())
    )
    assert refusal.field == field
    if field == "postal_code":
        assert "NN-NNN" in refusal.message.pl


async def test_an_account_this_service_no_longer_has_keeps_no_address(desk: AccountsDesk) -> None:
    await refused(
        desk, "login_failed", handlers.update_contact(desk.ctx, uuid4(), CONTACT, uuid4())
    )
