"""Logins, tokens and credentials through the accounts handlers on the in-memory unit of work, with
the limits on logins, guesses and emails judged by the service's clock (moved, never waited
for). The HTTP, SQL and Kafka of the same are in tests/integration (test_accounts.py,
test_login_limits.py, test_accounts_store.py)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from services.accounts import handlers
from services.accounts.unit_of_work import Operator, Scanner
from shared.errors import BusinessRuleError
from shared.events import (
    AccountActivationLinkIssued,
    AccountCredentialsChanged,
    AccountEmailChanged,
    EmailChangeRequested,
    PasswordResetRequested,
)
from tests.support.accounts_service import (
    BROWSER,
    CHEAP_HASHER,
    PASSWORD,
    AccountsDesk,
    refused,
)

ATTACKER = "203.0.113.7"


# --- customer logins ------------------------------------------------------------------------


async def test_an_active_customer_logs_in_with_a_token_of_their_account(
    desk: AccountsDesk,
) -> None:
    customer = await desk.customer()
    principal = desk.principal(await desk.login(f" {customer.email.upper()} "))
    assert (principal.subject, principal.role) == (customer.account_id, "customer")
    assert principal.email == customer.email


async def test_a_wrong_password_or_an_unknown_email_fails_alike(desk: AccountsDesk) -> None:
    customer = await desk.customer()
    for email, password in ((customer.email, "wrong-password"), (desk.email(), PASSWORD)):
        refusal = await refused(desk, "login_failed", desk.login(email, password), counted=True)
        assert refusal.status_code == 401


async def test_an_account_logs_in_only_once_activated(desk: AccountsDesk) -> None:
    customer = await desk.customer(active=False)
    refusal = await refused(desk, "account_not_active", desk.login(customer.email))
    assert refusal.status_code == 403
    # A wrong password says nothing about the account's state.
    await refused(desk, "login_failed", desk.login(customer.email, "wrong"), counted=True)


async def test_failed_logins_slow_down_the_account_from_that_address_only(
    desk: AccountsDesk,
) -> None:
    customer = await desk.customer()
    for _ in range(5):
        await refused(
            desk, "login_failed", desk.login(customer.email, "wrong", ATTACKER), counted=True
        )
    refusal = await refused(
        desk, "too_many_attempts", desk.login(customer.email, "wrong", ATTACKER)
    )
    assert refusal.headers == {"Retry-After": "30"}
    assert refusal.message.pl == "Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za 30 s."
    # Even the right password waits at the attacker's address, not at the owner's.
    await refused(desk, "too_many_attempts", desk.login(customer.email, PASSWORD, ATTACKER))
    await desk.login(customer.email, PASSWORD, BROWSER)
    assert desk.refusals == ["login", "login"]
    desk.clock.advance(seconds=30)
    await desk.login(customer.email, PASSWORD, ATTACKER)


async def test_a_successful_login_forgets_the_failures_of_its_account_and_address(
    desk: AccountsDesk,
) -> None:
    customer = await desk.customer()
    for _ in range(4):
        with pytest.raises(BusinessRuleError):
            await desk.login(customer.email, "wrong", ATTACKER)
    await desk.login(customer.email, PASSWORD, ATTACKER)
    for _ in range(4):
        with pytest.raises(BusinessRuleError):
            await desk.login(customer.email, "wrong", ATTACKER)
    await desk.login(customer.email, PASSWORD, ATTACKER)  # 8 failures, never 5 in a row


async def test_failures_from_one_address_on_many_accounts_slow_the_address(
    desk: AccountsDesk,
) -> None:
    customer = await desk.customer()
    for _ in range(20):
        await refused(
            desk, "login_failed", desk.login(desk.email(), "wrong", ATTACKER), counted=True
        )
    await refused(desk, "too_many_attempts", desk.login(desk.email(), "wrong", ATTACKER))
    await refused(desk, "too_many_attempts", desk.login(customer.email, PASSWORD, ATTACKER))
    # Failures count for an hour.
    desk.clock.advance(hours=1)
    await desk.login(customer.email, PASSWORD, ATTACKER)


# --- operators and scanners ------------------------------------------------------------------


async def staff(desk: AccountsDesk) -> tuple[Operator, Scanner]:
    operator = Operator(uuid4(), "ola@innpro.example", "Ola", CHEAP_HASHER.hash("Operator-2026!"))
    scanner = Scanner(uuid4(), "skaner-1")
    async with desk.database.unit_of_work() as uow:
        await uow.staff.add_operator(operator)
        await uow.staff.add_scanner(scanner, handlers.hash_secret("scn_right-key-0123456789"))
        await uow.commit()
    return operator, scanner


async def test_an_operator_logs_in_as_an_operator_never_as_a_customer(desk: AccountsDesk) -> None:
    operator, _ = await staff(desk)
    token = await handlers.operator_login(desk.ctx, "OLA@innpro.example", "Operator-2026!", BROWSER)
    principal = desk.principal(token)
    assert (principal.subject, principal.role, principal.email) == (
        operator.operator_id,
        "operator",
        operator.email,
    )
    await refused(desk, "login_failed", desk.login(operator.email, "Operator-2026!"), counted=True)
    wrong = handlers.operator_login(desk.ctx, operator.email, "wrong", BROWSER)
    await refused(desk, "login_failed", wrong, counted=True)


async def test_a_scanner_exchanges_its_key_for_a_token_with_its_name(desk: AccountsDesk) -> None:
    _, scanner = await staff(desk)
    token = await handlers.scanner_token(desk.ctx, "scn_right-key-0123456789", BROWSER)
    principal = desk.principal(token)
    assert (principal.subject, principal.role, principal.name) == (
        scanner.scanner_id,
        "scanner",
        "skaner-1",
    )
    assert principal.email is None


async def test_guessing_scanner_keys_is_slowed_like_logins(desk: AccountsDesk) -> None:
    await staff(desk)
    for _ in range(5):
        wrong = handlers.scanner_token(desk.ctx, f"scn_{uuid4().hex}", ATTACKER)
        refusal = await refused(desk, "scanner_key_invalid", wrong, counted=True)
        assert refusal.status_code == 401
    waiting = handlers.scanner_token(desk.ctx, "scn_right-key-0123456789", ATTACKER)
    refusal = await refused(desk, "too_many_attempts", waiting)
    assert (refusal.field, refusal.headers) == ("api_key", {"Retry-After": "30"})
    assert "klucza skanera" in refusal.message.pl
    assert desk.refusals == ["scanner_key_guess"]
    await handlers.scanner_token(desk.ctx, "scn_right-key-0123456789", BROWSER)
    desk.clock.advance(seconds=30)
    await handlers.scanner_token(desk.ctx, "scn_right-key-0123456789", ATTACKER)


# --- guessing documents ----------------------------------------------------------------------


async def test_guessing_a_documents_total_is_slowed_like_logins(desk: AccountsDesk) -> None:
    number = await desk.sale("1234.56")
    for total in range(1000, 1005):
        guess = desk.register(number, desk.email(), ATTACKER, document_total=f"{total},00")
        await refused(desk, "document_not_found", guess, counted=True)
    # A number not in the ledger (yet: clients retry until the sale arrives) is no guess of a
    # total, and the answer is the same.
    for _ in range(8):
        await refused(
            desk, "document_not_found", desk.register("2025/NOTYET", desk.email(), ATTACKER)
        )
    # The sixth try waits, even with the right total: a guesser learns nothing from it.
    right = desk.register(number, desk.email(), ATTACKER, document_total="1234,56")
    refusal = await refused(desk, "too_many_attempts", right)
    assert (refusal.field, refusal.headers) == ("document_total", {"Retry-After": "30"})
    assert refusal.message.pl.startswith("Zbyt wiele nieudanych prób dopasowania dokumentu")
    assert desk.refusals == ["document_guess"]
    desk.clock.advance(seconds=30)
    await desk.register(number, desk.email(), ATTACKER, document_total="1234,56")


async def test_a_document_guessed_elsewhere_stays_open_to_its_owner(desk: AccountsDesk) -> None:
    number = await desk.sale("1234.56")
    for total in range(1000, 1006):
        with pytest.raises(BusinessRuleError):
            await desk.register(number, desk.email(), ATTACKER, document_total=f"{total}")
    await desk.register(number, desk.email(), BROWSER, document_total="1234,56")


async def test_guessing_a_documents_total_while_linking_is_slowed_like_logins(
    desk: AccountsDesk,
) -> None:
    customer = await desk.customer()
    number = await desk.sale("777.00")
    for total in range(700, 705):
        guess = desk.link(customer, number, f"{total},00")
        await refused(desk, "document_not_found", guess, counted=True)
    refusal = await refused(desk, "too_many_attempts", desk.link(customer, number, "777"))
    assert (refusal.field, refusal.headers) == ("document_total", {"Retry-After": "30"})
    desk.clock.advance(seconds=30)
    await desk.link(customer, number, "777")


async def test_guessing_totals_while_linking_is_slowed_per_account_too(desk: AccountsDesk) -> None:
    customer = await desk.customer()
    numbers = [await desk.sale("777.00") for _ in range(3)]
    # Twenty wrong totals of several documents, from several addresses: the account's count.
    for attempt in range(20):
        guess = handlers.link_document(
            desk.ctx,
            customer.account_id,
            numbers[attempt % 3],
            f"{700 + attempt}",
            f"203.0.113.{attempt}",
            uuid4(),
        )
        await refused(desk, "document_not_found", guess, counted=True)
    refusal = await refused(desk, "too_many_attempts", desk.link(customer, numbers[0], "777"))
    assert refusal.field == "document_total"


# --- emails asked for ----------------------------------------------------------------------

RESET, RESEND = handlers.request_password_reset, handlers.resend_activation


async def test_links_by_email_are_limited_per_recipient_alike_for_known_and_unknown_addresses(
    desk: AccountsDesk,
) -> None:
    known = (await desk.customer()).email
    unknown = desk.email()
    for email in (known, unknown):
        await RESET(desk.ctx, email, BROWSER, uuid4())
        await RESET(desk.ctx, email, BROWSER, uuid4())
        await RESEND(desk.ctx, email, BROWSER, uuid4())  # an active account: nothing to send
        for ask in (RESEND, RESET):
            refusal = await refused(desk, "too_many_emails", ask(desk.ctx, email, BROWSER, uuid4()))
            assert refusal.status_code == 429 and refusal.headers == {"Retry-After": "3600"}
            assert "Sprawdź skrzynkę" in refusal.message.pl
    assert len(desk.published(PasswordResetRequested)) == 2
    assert desk.published(AccountActivationLinkIssued) == []
    assert desk.refusals == ["email_per_recipient"] * 4
    # An hour later by the service's clock, the mailbox may get a link again.
    desk.clock.advance(hours=1)
    await RESET(desk.ctx, known, BROWSER, uuid4())
    assert len(desk.published(PasswordResetRequested)) == 3


async def test_links_by_email_are_limited_per_client(desk: AccountsDesk) -> None:
    for _ in range(10):
        await RESET(desk.ctx, desk.email(), ATTACKER, uuid4())
    await refused(desk, "too_many_emails", RESET(desk.ctx, desk.email(), ATTACKER, uuid4()))
    assert desk.refusals == ["email_per_client"]
    await RESET(desk.ctx, desk.email(), BROWSER, uuid4())


# --- password reset ----------------------------------------------------------------------------


async def reset_token(desk: AccountsDesk, email: str) -> str:
    await RESET(desk.ctx, email, BROWSER, uuid4())
    return desk.token(desk.last("PasswordResetRequested"))


async def test_a_password_reset_sets_the_password_once_and_revokes_tokens(
    desk: AccountsDesk,
) -> None:
    customer = await desk.customer()
    token = await reset_token(desk, customer.email)
    [asked] = desk.published(PasswordResetRequested)
    assert desk.link_in(asked).startswith("http://panel.test/reset-password?token=")
    assert asked.data.reset_expires_at == desk.clock() + timedelta(hours=2)
    await handlers.reset_password(desk.ctx, token, "Nowe-Haslo-456", uuid4())
    [changed] = desk.published(AccountCredentialsChanged)
    assert (changed.key, changed.data.change) == (str(customer.account_id), "password_reset")
    assert desk.not_before(customer.account_id) == desk.clock()
    await refused(desk, "login_failed", desk.login(customer.email), counted=True)
    await desk.login(customer.email, "Nowe-Haslo-456")
    again = handlers.reset_password(desk.ctx, token, "Inne-Haslo-789", uuid4())
    await refused(desk, "reset_link_invalid", again)


async def test_a_reset_link_expires_after_2_hours(desk: AccountsDesk) -> None:
    customer = await desk.customer()
    token = await reset_token(desk, customer.email)
    desk.clock.advance(hours=2)
    late = handlers.reset_password(desk.ctx, token, "Nowe-Haslo-456", uuid4())
    refusal = await refused(desk, "reset_link_invalid", late)
    assert refusal.status_code == 400


@pytest.mark.parametrize(
    ("password", "code"),
    [("12345678", "password_too_common"), ("{email}", "password_contains_email")],
)
async def test_a_refused_new_password_leaves_the_reset_link_unused(
    desk: AccountsDesk, password: str, code: str
) -> None:
    customer = await desk.customer()
    token = await reset_token(desk, customer.email)
    typed = password.format(email=customer.email)
    refusal = await refused(desk, code, handlers.reset_password(desk.ctx, token, typed, uuid4()))
    assert refusal.field == "new_password"
    await handlers.reset_password(desk.ctx, token, "Nowe-Haslo-456", uuid4())


async def test_a_reset_forgets_the_owners_own_failed_logins(desk: AccountsDesk) -> None:
    customer = await desk.customer()
    for _ in range(5):
        with pytest.raises(BusinessRuleError):
            await desk.login(customer.email, "wrong")
    await refused(desk, "too_many_attempts", desk.login(customer.email))
    await handlers.reset_password(
        desk.ctx, await reset_token(desk, customer.email), "Nowe-Haslo-456", uuid4()
    )
    await desk.login(customer.email, "Nowe-Haslo-456")


async def test_a_reset_for_an_unknown_email_sends_nothing(desk: AccountsDesk) -> None:
    await RESET(desk.ctx, desk.email(), BROWSER, uuid4())
    assert desk.database.published == []


# --- password change, email change, logout ------------------------------------------------------


async def test_a_password_change_needs_the_current_password_and_revokes_tokens(
    desk: AccountsDesk,
) -> None:
    customer = await desk.customer()
    change = handlers.change_password
    wrong = change(desk.ctx, customer.account_id, "wrong", "Trzecie-Haslo-789", uuid4())
    assert (await refused(desk, "wrong_password", wrong)).status_code == 403
    for new_password, code in (
        ("password1", "password_too_common"),
        (customer.email, "password_contains_email"),
    ):
        weak = change(desk.ctx, customer.account_id, PASSWORD, new_password, uuid4())
        assert (await refused(desk, code, weak)).field == "new_password"
    await change(desk.ctx, customer.account_id, PASSWORD, "Trzecie-Haslo-789", uuid4())
    [changed] = desk.published(AccountCredentialsChanged)
    assert changed.data.change == "password_change"
    assert desk.not_before(customer.account_id) == desk.clock()
    await desk.login(customer.email, "Trzecie-Haslo-789")


async def email_change_token(desk: AccountsDesk, account_id: UUID, new_email: str) -> str:
    await handlers.request_email_change(desk.ctx, account_id, PASSWORD, new_email, uuid4())
    return desk.token(desk.last("EmailChangeRequested"))


async def test_an_email_change_is_confirmed_from_the_new_mailbox(desk: AccountsDesk) -> None:
    customer = await desk.customer()
    new_email = desk.email()
    token = await email_change_token(desk, customer.account_id, f" {new_email} ")
    [asked] = desk.published(EmailChangeRequested)
    assert asked.data.new_email == new_email
    assert desk.link_in(asked).startswith("http://panel.test/confirm-email?token=")
    # Until confirmed, the old address stays the login.
    await desk.login(customer.email)
    assert await handlers.confirm_email_change(desk.ctx, token, uuid4()) == new_email
    [changed] = desk.published(AccountEmailChanged)
    assert (changed.data.old_email, changed.data.email) == (customer.email, new_email)
    [revoked] = desk.published(AccountCredentialsChanged)
    assert revoked.data.change == "email_change"
    await desk.login(new_email)
    await refused(desk, "login_failed", desk.login(customer.email), counted=True)
    again = handlers.confirm_email_change(desk.ctx, token, uuid4())
    await refused(desk, "email_change_link_invalid", again)


async def test_an_email_change_needs_the_password(desk: AccountsDesk) -> None:
    customer = await desk.customer()
    call = handlers.request_email_change(
        desk.ctx, customer.account_id, "wrong", desk.email(), uuid4()
    )
    assert (await refused(desk, "wrong_password", call)).status_code == 403


async def test_an_address_taken_meanwhile_is_refused_at_confirmation(desk: AccountsDesk) -> None:
    customer, other = await desk.customer(), await desk.customer()
    token = await email_change_token(desk, customer.account_id, other.email.upper())
    refusal = await refused(
        desk, "email_taken", handlers.confirm_email_change(desk.ctx, token, uuid4())
    )
    assert refusal.status_code == 409


async def test_an_email_change_mails_a_strangers_address_at_most_3_times_an_hour(
    desk: AccountsDesk,
) -> None:
    customer = await desk.customer()
    stranger = desk.email()
    for _ in range(3):
        await email_change_token(desk, customer.account_id, stranger)
    ask = handlers.request_email_change(desk.ctx, customer.account_id, PASSWORD, stranger, uuid4())
    assert (await refused(desk, "too_many_emails", ask)).field == "new_email"
    assert len(desk.published(EmailChangeRequested)) == 3


async def test_an_email_change_link_expires_after_24_hours(desk: AccountsDesk) -> None:
    customer = await desk.customer()
    token = await email_change_token(desk, customer.account_id, desk.email())
    desk.clock.advance(hours=24)
    await refused(
        desk, "email_change_link_invalid", handlers.confirm_email_change(desk.ctx, token, uuid4())
    )


async def test_a_logout_revokes_every_token_issued_until_now(desk: AccountsDesk) -> None:
    customer = await desk.customer()
    await handlers.logout(desk.ctx, customer.account_id, uuid4())
    [revoked] = desk.published(AccountCredentialsChanged)
    assert (revoked.key, revoked.data.change) == (str(customer.account_id), "logout")
    assert revoked.data.changed_at == desk.not_before(customer.account_id) == desk.clock()
    # A later logout moves the moment on; the event tells every other service.
    desk.clock.advance(minutes=5)
    await handlers.logout(desk.ctx, customer.account_id, uuid4())
    assert desk.not_before(customer.account_id) == desk.clock()
