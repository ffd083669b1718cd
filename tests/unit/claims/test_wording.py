"""The claims service's words come from one catalogue (shared/claims_wording.py): every refusal the
service can raise has its Polish and English text there, and renders without a placeholder left."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services.claims.domain.refusals import Refusal
from services.claims.entrypoints.refusals import install_refusal_answers
from shared import claims_wording
from shared.errors import install_error_handlers

CLAIMS = Path(__file__).parents[3] / "services" / "claims"
SOURCES = sorted(
    [*CLAIMS.glob("domain/*.py"), CLAIMS / "handlers.py", *CLAIMS.glob("entrypoints/*.py")]
)


def _literal(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _refusal_parts(node: ast.Call, where: str) -> tuple[object, str | None, frozenset[str]]:
    keywords = {k.arg: k.value for k in node.keywords}
    params = node.args[2] if len(node.args) > 2 else keywords.get("params")
    variant = _literal(keywords.get("variant"))
    assert params is None or isinstance(params, ast.Dict), f"{where}: literal params"
    names = frozenset(str(_literal(k)) for k in params.keys) if params else frozenset()
    return node.args[0], variant if isinstance(variant, str) else None, names


def _is_refusal(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Refusal"


def raised_refusals() -> list[tuple[str, str, frozenset[str]]]:
    """Every `Refusal(...)` the claims service builds: where, its catalogue entry, its
    parameters' names (read from the source, so a refusal cannot escape the check). A helper
    that builds a refusal from its `code` argument counts at each call, with the code given."""
    found = []
    for source in SOURCES:
        tree = ast.parse(source.read_text())
        helpers: dict[str, tuple[int, str | None, frozenset[str]]] = {}
        inside_helpers: set[int] = set()
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef):
                arguments = [a.arg for a in function.args.args]
                for node in filter(_is_refusal, ast.walk(function)):
                    assert isinstance(node, ast.Call)
                    code, variant, names = _refusal_parts(node, function.name)
                    if isinstance(code, ast.Name) and code.id in arguments:
                        helpers[function.name] = (arguments.index(code.id), variant, names)
                        inside_helpers.add(id(node))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            where = f"{source.name}:{node.lineno}"
            if id(node) in inside_helpers:
                continue  # a helper's own, counted at its calls
            if _is_refusal(node):
                code, variant, names = _refusal_parts(node, where)
                code = _literal(code)  # type: ignore[arg-type]
            elif getattr(node.func, "id", "") in helpers:
                index, variant, names = helpers[getattr(node.func, "id", "")]
                code = _literal(node.args[index])
            else:
                continue
            assert isinstance(code, str), f"{where}: a refusal's code is a literal"
            found.append((where, f"{code}.{variant}" if variant else code, names))
    return found


REFUSALS = raised_refusals()


def sample(names: frozenset[str]) -> dict[str, object]:
    # A date fills every template: a plain `{x}` and a `{x:%d.%m.%Y}` alike.
    return {name: date(2026, 3, 2) for name in names}


def test_the_scan_finds_the_refusals_of_every_layer() -> None:
    files = {where.split(":")[0] for where, _, _ in REFUSALS}
    commands = {
        "claim_intake.py",
        "claim_decisions.py",
        "claim_settlement.py",
        "claim_deadlines.py",
    }
    assert commands | {"decisions.py", "eligibility.py", "form.py", "handlers.py"} <= files
    assert len(REFUSALS) >= 60


@pytest.mark.parametrize(("where", "wording", "names"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_every_refusal_has_polish_and_english_words_that_render_fully(
    where: str, wording: str, names: frozenset[str]
) -> None:
    assert wording in claims_wording.REFUSALS, f"{where}: {wording} has no words"
    polish, english = claims_wording.refusal_texts(wording, sample(names))
    for text in (polish, english):
        assert text.strip() and "{" not in text and "}" not in text, (where, text)
    assert polish != english


def test_every_catalogued_refusal_is_raised_somewhere() -> None:
    """No dead words: an entry nobody raises is a rule that moved away or a typo."""
    assert set(claims_wording.REFUSALS) == {wording for _, wording, _ in REFUSALS}


def test_a_status_and_a_category_are_named_in_polish() -> None:
    polish, english = claims_wording.refusal_texts(
        "illegal_transition", {"from_status": "submitted", "to_status": "closed"}
    )
    assert polish == "Nie można zmienić statusu z „zgłoszone (czeka na przesyłkę)” na „zamknięte”."
    assert english == "A claim cannot move from submitted to closed."
    category = claims_wording.refusal_text(
        "return_excluded_category", {"category": "perishable"}, "pl"
    )
    assert "towary szybko psujące się" in category


def test_every_timeline_note_is_written_by_the_domain_and_renders_fully() -> None:
    domain = "".join(path.read_text() for path in CLAIMS.glob("domain/*.py"))
    for code, template in claims_wording.TIMELINE_NOTES.items():
        assert f'"{code}"' in domain, f"the domain never writes {code}"
        text = claims_wording.note(code, **sample(frozenset(claims_wording.placeholders(template))))
        assert "{" not in text and "}" not in text, code


def _app_refusing(refusal: Refusal) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_refusal_answers(app)

    @app.get("/refuse")
    async def refuse() -> None:
        raise refusal

    return app


async def test_a_refusal_answers_in_the_one_error_shape_polish_by_default() -> None:
    refusal = Refusal(
        "open_claim_for_serial",
        "serial_number",
        {"rma_number": "RMA/7/SR/2026"},
        409,
        published=("rma_number",),
    )
    transport = httpx.ASGITransport(app=_app_refusing(refusal))
    async with httpx.AsyncClient(transport=transport, base_url="http://claims") as client:
        polish = await client.get("/refuse")
        english = await client.get("/refuse", headers={"Accept-Language": "en-GB,en"})
    text = "Dla tego numeru seryjnego jest już otwarte zgłoszenie RMA/7/SR/2026. Śledź je albo "
    assert polish.status_code == 409 and polish.json()["detail"].startswith(text)
    assert polish.json() == {
        "detail": polish.json()["detail"],
        "errors": [
            {
                "field": "serial_number",
                "code": "open_claim_for_serial",
                "message": polish.json()["detail"],
            }
        ],
        "rma_number": "RMA/7/SR/2026",
    }
    assert (
        english.json()["detail"] == "This serial number already has an open claim: RMA/7/SR/2026."
    )
