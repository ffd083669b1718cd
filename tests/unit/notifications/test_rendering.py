"""Every template renders in both languages (StrictUndefined fails on a missing value), shows the
RMA number and the next step, and escapes customer-typed text in HTML only."""

from __future__ import annotations

import collections
import io
from datetime import UTC, date, datetime
from typing import Any, get_args
from zoneinfo import ZoneInfo

import pytest
from jinja2 import Environment, Template
from pypdf import PdfReader

from services.notifications import attachments, domain, handlers, preview
from services.notifications.adapters import templates
from services.notifications.adapters.templates import TemplateRenderer
from shared.events import ClaimCreated, Event, Language
from shared.service_centre import SERVICE_CENTRE

NEXT_STEP = {"pl": "Następny krok", "en": "Next step"}
SAMPLES = [
    pytest.param(language, stem, event, id=f"{language}-{stem}")
    for language in get_args(Language)
    for stem, event in preview.samples(language)
]


@pytest.fixture(scope="module")
def renderer() -> TemplateRenderer:
    return TemplateRenderer()


def compose(renderer: TemplateRenderer, event: Event, **kwargs: str) -> handlers.ComposedEmail:
    draft = domain.draft_for(event)
    assert draft is not None
    secrets = {name: f"https://panel.example/{name}?t=1" for name in draft.sealed}
    return handlers.compose(renderer, draft, secrets=secrets, **kwargs)


@pytest.mark.parametrize(("language", "stem", "event"), SAMPLES)
def test_every_template_renders_with_next_step(
    renderer: TemplateRenderer, language: str, stem: str, event: Event
) -> None:
    rendered = compose(renderer, event).rendered
    assert rendered.subject and "\n" not in rendered.subject
    for part in (rendered.text, rendered.html):
        assert NEXT_STEP[language] in part
    assert f'<html lang="{language}">' in rendered.html
    if rma_number := getattr(event.data, "rma_number", None):
        assert rma_number in rendered.subject
        assert rma_number in rendered.text
        assert rma_number in rendered.html


@pytest.mark.parametrize("language", get_args(Language))
def test_claim_created_tells_where_to_send_the_parcel(
    renderer: TemplateRenderer, language: Language
) -> None:
    email = compose(renderer, preview.claim_created(language), customer_name="Anna Nowak")
    text = email.rendered.text
    assert "Serwis INNPRO, Rudzka 65C, 44-200 Rybnik, POLAND" in text
    next_step = text.split(NEXT_STEP[language], 1)[1]
    assert preview.RMA_NUMBER in next_step
    assert "Anna Nowak" in text
    [label] = email.attachments
    assert label["filename"] == "etykieta-RMA-1024-SR-2026.pdf"
    assert label["content_type"] == "application/pdf"
    # Kept as what it is drawn from, not as its PDF: drawn when the email is sent.
    assert "content_base64" not in label
    pdf_text = PdfReader(io.BytesIO(attachments.content(label))).pages[0].extract_text()
    assert "Anna Nowak" in pdf_text
    assert preview.RMA_NUMBER in pdf_text


def test_only_the_new_claim_carries_a_label(renderer: TemplateRenderer) -> None:
    with_attachments = [
        stem for stem, event in preview.samples("pl") if compose(renderer, event).attachments
    ]
    assert with_attachments == ["claim_created", "shipment_filed"]


@pytest.mark.parametrize("language", get_args(Language))
def test_a_bulk_shipment_is_one_email_with_its_one_label_listing_every_rma_number(
    renderer: TemplateRenderer, language: Language
) -> None:
    """Issue 25 §6: 500 claims filed at once are one email, not 500; each claim's own
    ClaimCreated (naming the shipment) asks for none."""
    event = preview.shipment_filed(language)
    email = compose(renderer, event, customer_name="Firma Dron sp. z o.o.")
    numbers = [claim.rma_number for claim in event.data.claims]
    assert "WYS/12/SR/2026" in email.rendered.subject
    for number in numbers:
        assert number in email.rendered.text and number in email.rendered.html
    [label] = email.attachments
    assert label["filename"] == "etykieta-WYS-12-SR-2026.pdf"
    pdf_text = PdfReader(io.BytesIO(attachments.content(label))).pages[0].extract_text()
    for part in ("WYS/12/SR/2026", "Firma Dron sp. z o.o.", *numbers):
        assert part in pdf_text
    created = preview.claim_created(language)
    in_shipment = created.model_copy(
        update={"data": created.data.model_copy(update={"shipment_number": "WYS/12/SR/2026"})}
    )
    assert domain.draft_for(created) is not None
    assert domain.draft_for(in_shipment) is None
    verdict = preview.warranty_assessed(language)
    of_shipment = verdict.model_copy(
        update={"data": verdict.data.model_copy(update={"shipment_number": "WYS/12/SR/2026"})}
    )
    assert domain.draft_for(verdict) is not None
    assert domain.draft_for(of_shipment) is None


def test_awaiting_customer_shows_the_note_and_shipped_back_the_tracking_number(
    renderer: TemplateRenderer,
) -> None:
    waiting = compose(renderer, preview.status_changed("pl", "awaiting_customer")).rendered
    assert "czekamy na informacje od Ciebie" in waiting.subject
    assert "Prześlij zdjęcie tabliczki znamionowej" in waiting.text
    shipped = compose(renderer, preview.status_changed("en", "shipped_back")).rendered
    assert "Tracking number: DPD-0099887766" in shipped.text


@pytest.mark.parametrize("language", get_args(Language))
def test_the_quote_and_the_parcel_back_link_to_the_claim_page_of_the_panel(
    renderer: TemplateRenderer, language: Language
) -> None:
    page = f"https://panel.example/claims/{preview.CLAIM_ID}"
    for event in (
        preview.decided(language, "paid_repair"),
        preview.status_changed(language, "shipped_back"),
    ):
        email = compose(renderer, event, panel_url="https://panel.example/").rendered
        assert page in email.text, email.text
        assert f'<a href="{page}">' in email.html
    # Without the panel's address (a preview, say) the email says nothing of a link.
    assert (
        "/claims/" not in compose(renderer, preview.decided(language, "paid_repair")).rendered.text
    )


def test_decision_shows_amounts_deductions_and_rejection_reason(
    renderer: TemplateRenderer,
) -> None:
    refund = compose(renderer, preview.decided("pl", "refund")).rendered.text
    assert "Decyzja: zwrot pieniędzy" in refund
    assert "Kwota zwrotu: 3\xa0299,00\xa0zł" in refund  # Babel's Polish format
    assert "Uszkodzone opakowanie (10%): 330,00\xa0zł" in refund
    rejected = compose(renderer, preview.decided("pl", "rejection")).rendered.text
    assert (
        "Przyczyna odrzucenia: Uszkodzenie mechaniczne spowodowane przez użytkownika." in rejected
    )
    assert "Uzasadnienie: Diagnoza wykazała pęknięcie" in rejected
    assert "Kwota" not in rejected


@pytest.mark.parametrize("language", ["pl", "en"])
def test_a_refused_consumer_complaint_names_the_expert_and_the_out_of_court_routes(
    renderer: TemplateRenderer, language: Language
) -> None:
    """Issue 24: only a consumer's complaint (not a return, not a business's) is told so."""
    rejected = preview.decided(language, "rejection")
    email = compose(renderer, rejected).rendered
    for part in (email.text, email.html):
        assert "UOKiK" in part and "uokik.gov.pl" in part
    word = {"pl": "rzeczoznawcy", "en": "independent expert"}[language]
    assert word in email.text
    business = rejected.model_copy(
        update={"data": rejected.data.model_copy(update={"consumer_complaint": False})}
    )
    assert "UOKiK" not in compose(renderer, business).rendered.text
    assert "UOKiK" not in compose(renderer, preview.decided(language, "repair")).rendered.text


@pytest.mark.parametrize("language", ["pl", "en"])
def test_a_new_claims_email_says_how_to_pack_and_whose_risk_the_parcel_is(
    renderer: TemplateRenderer, language: Language
) -> None:
    email = compose(renderer, preview.claim_created(language)).rendered
    risk = {"pl": "na Twoje ryzyko", "en": "at your risk"}[language]
    assert risk in email.text and risk in email.html


def test_warranty_verdict_shows_end_date_reason_and_deadlines(
    renderer: TemplateRenderer,
) -> None:
    text = compose(renderer, preview.warranty_assessed("pl")).rendered.text
    assert "objęty gwarancją do 20 listopada 2027" in text
    assert "odpowiedź na reklamację: do 16 marca 2026" in text
    assert "Produkt DJI: 24 miesiące" in text


def test_an_english_email_gives_its_dates_and_amounts_in_english(
    renderer: TemplateRenderer,
) -> None:
    """Dates and amounts follow the email's language (they were Polish in English emails)."""
    text = compose(renderer, preview.warranty_assessed("en")).rendered.text
    assert "20 November 2027" in text and "16 March 2026" in text
    assert "listopada" not in text and "marca" not in text


def test_html_characters_are_escaped_in_html_but_not_in_text(
    renderer: TemplateRenderer,
) -> None:
    typed = '<script>alert("x")</script> R&D'
    created = preview.claim_created("pl")
    event = created.model_copy(
        update={
            "data": created.data.model_copy(
                update={"problem_description": typed, "customer_reference": "<b>ref</b>"}
            )
        }
    )
    assert isinstance(event, ClaimCreated)
    rendered = compose(renderer, event, customer_name="O'Brien & <Syn>").rendered
    assert typed in rendered.text
    assert "<b>ref</b>" in rendered.text
    assert "O'Brien & <Syn>" in rendered.text
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; R&amp;D" in rendered.html
    assert "&lt;b&gt;ref&lt;/b&gt;" in rendered.html
    assert "O&#39;Brien &amp; &lt;Syn&gt;" in rendered.html


@pytest.mark.parametrize("language", get_args(Language))
def test_a_due_charge_is_emailed_with_the_transfer_details_a_settled_one_is_not(
    renderer: TemplateRenderer, language: Language
) -> None:
    [charge] = [e for _, e in preview.samples(language) if e.type == "ClaimChargeChanged"]
    rendered = compose(renderer, charge).rendered
    words = {
        "pl": ("49,90", "Czyszczenie produktu"),
        "en": ("49.90\u00a0PLN", "Cleaning of the product"),
    }
    for part in (rendered.text, rendered.html):
        assert SERVICE_CENTRE.bank_account in part
        assert all(word in part for word in words[language])
    for state in ("paid", "waived"):
        settled = charge.model_copy(
            update={"data": charge.data.model_copy(update={"state": state})}
        )
        assert domain.draft_for(settled) is None


def test_a_day_is_formatted_by_babel_once_per_language(
    renderer: TemplateRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every claim's verdict shows days (the warranty's end, the deadlines) that other claims'
    show too; Babel builds each from its locale's data again, so a day is formatted once."""
    formatted: list[tuple[object, str]] = []
    format_date = templates.format_date

    def counted(value: Any, pattern: str, locale: str) -> str:
        formatted.append((value, locale))
        return format_date(value, pattern, locale=locale)

    monkeypatch.setattr(templates, "format_date", counted)
    day = date(2031, 2, 27)  # a day no other test formats
    plain = Environment(autoescape=False)
    plain.filters["local_date"] = templates._local_date
    template = plain.from_string("{{ day | local_date }}")
    shown = [template.render(day=day, language=language) for language in ("pl", "en", "pl", "en")]
    assert shown == ["27 lutego 2031", "27 February 2031"] * 2
    assert formatted == [(day, "pl_PL"), (day, "en_GB")]
    # Equal instants in two zones fall on two days: a datetime is formatted each time.
    late = datetime(2031, 2, 27, 23, 30, tzinfo=UTC)
    warsaw = late.astimezone(ZoneInfo("Europe/Warsaw"))
    assert template.render(day=late) == "27 lutego 2031"
    assert template.render(day=warsaw) == "28 lutego 2031"


@pytest.mark.parametrize(("language", "stem", "sample"), SAMPLES)
def test_each_part_is_what_the_whole_template_renders_for_it(
    renderer: TemplateRenderer, language: str, stem: str, sample: Event
) -> None:
    """The subject and the text, rendered as blocks, are the template's own render of them."""
    draft = domain.draft_for(sample)
    assert draft is not None
    context = {"full_name": preview.CUSTOMER, "claim_page": "https://panel.example/claims/1"}
    context |= draft.context | {name: "https://panel.example/link" for name in draft.sealed}
    rendered = renderer.render(draft.template, language, context)
    values = {**context, "language": language}
    # The renderer's own environments: without autoescaping for the plain parts, with for HTML.
    for environment, part, got in (
        (renderer._plain, "subject", rendered.subject),
        (renderer._plain, "text", rendered.text),
        (renderer._html, "html", rendered.html),
    ):
        whole = environment.get_template(f"{language}/{draft.template}.j2").render(
            {**values, "part": part}
        )
        expected = " ".join(whole.split()) if part == "subject" else whole.strip() + "\n"
        assert got == expected, part


def test_an_email_renders_its_template_twice_not_three_times(
    renderer: TemplateRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One context for the subject and the text, one render of the whole for the HTML part
    (issue 27, item 3: a whole render for each of the three parts was a third more work)."""
    contexts = []
    new_context = Template.new_context

    def counted(template: Template, *args: Any, **kwargs: Any) -> Any:
        contexts.append(template.name)
        return new_context(template, *args, **kwargs)

    monkeypatch.setattr(Template, "new_context", counted)
    compose(renderer, preview.claim_created("pl"))
    assert contexts == ["pl/claim_created.j2"] * 2


def test_the_html_part_renders_its_subject_once(
    renderer: TemplateRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTML part shows the subject as its title and its heading: the subject's block is
    rendered once for both (each render of it was 4 us of an email's 30 us of HTML)."""
    template = renderer._html.get_template("pl/claim_created.j2")
    subject = template.blocks["subject"]
    rendered: list[str] = []

    def counted(context: Any) -> Any:
        rendered.append("subject")
        return subject(context)

    monkeypatch.setitem(template.blocks, "subject", counted)
    email = compose(renderer, preview.claim_created("pl"))
    assert rendered == ["subject"]
    title = f"<title>{email.rendered.subject}</title>"
    heading = f'<h1 style="font-size: 20px;">{email.rendered.subject}</h1>'
    assert title in email.rendered.html
    assert heading in email.rendered.html


def test_an_emails_contexts_take_the_globals_without_copying_them_out_each_time(
    renderer: TemplateRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jinja copies a template's globals out of their ChainMap, in Python, into every context it
    makes (7 us of an email's 50): the renderer keeps them as one dict per template and makes
    each context from it, with the same values in it."""
    compose(renderer, preview.claim_created("pl"))  # the template compiled
    copied: list[str] = []
    chain_get = collections.ChainMap.__getitem__

    def counted(chain: collections.ChainMap[str, Any], key: str) -> Any:
        copied.append(key)
        return chain_get(chain, key)

    monkeypatch.setattr(collections.ChainMap, "__getitem__", counted)
    email = compose(renderer, preview.claim_created("pl"))
    assert copied == []
    assert SERVICE_CENTRE.one_line in email.rendered.html  # a global, still there
    monkeypatch.undo()
    assert email == compose(renderer, preview.claim_created("pl"))
