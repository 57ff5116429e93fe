"""The Python API: `import diaryrules; diaryrules.load / decide / explain / lint`.

What a program embedding the engine relies on: `load` gives a practice or raises InputError with
the diagnostics; `decide` takes a typed request or a plain mapping (as `query --request` takes
it) and the call moment; `explain` gives the decision and a verdict per rule; `lint` gives the
diagnostics and the exit code the CLI would use.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from datetime import date
from pathlib import Path

import pytest

import diaryrules
from diaryrules.diagnostics import Diagnostic, InputError, Severity
from diaryrules.request import RequestError

ROOT = Path(__file__).resolve().parent.parent
SOLO = str(ROOT / "examples" / "solo-gp.diary.yaml")
MDS = str(ROOT / "examples" / "maison-de-sante.diary.yaml")
ERRORS = ROOT / "tests" / "fixtures" / "errors"
TODAY = date(2026, 11, 1)


def test_public_names() -> None:
    assert set(diaryrules.__all__) >= {"load", "decide", "explain", "lint"}


def test_public_functions_survive_submodule_imports() -> None:
    """`diaryrules.load` / `.lint` / `.decide` / `.explain` stay the API functions once every module
    of the package has been imported (which any use of the package does): a submodule named like an
    API function (as `diaryrules/load.py` and `diaryrules/lint.py` once were) would replace it."""
    for info in pkgutil.walk_packages(diaryrules.__path__, "diaryrules."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    for name in ("load", "decide", "explain", "lint"):
        assert callable(getattr(diaryrules, name)), f"diaryrules.{name} is {getattr(diaryrules, name)!r}"
        assert importlib.util.find_spec(f"diaryrules.{name}") is None, f"a module diaryrules.{name} shadows it"


def test_load_examples() -> None:
    solo = diaryrules.load(SOLO)
    assert solo.name == "Cabinet du Dr Bernard"
    assert list(solo.practitioners) == ["bernard"]
    assert list(solo.reasons) == ["consultation", "renewal", "acute", "home-visit"]
    mds = diaryrules.load(MDS)
    assert mds.name == "Maison de santé des Tilleuls"
    assert list(mds.practitioners) == ["martin", "nguyen"]
    assert str(mds.zone) == "Europe/Paris"
    # loading twice gives an equivalent practice (no state kept between loads)
    assert diaryrules.load(SOLO).name == solo.name


def test_decide_a_mapping() -> None:
    practice = diaryrules.load(MDS)
    d = diaryrules.decide(practice, {"reason": "consultation", "symptoms": [], "pregnant": False},
                          at="2026-12-01T10:00")
    assert (d.action, d.rule, d.tier) == ("book", "consultation", "rules")
    j = d.to_json()
    assert j["duration"] == "20min" and j["durations"] == {"nguyen": "15min"}
    assert j["practitioners"] == ["martin", "nguyen"]
    assert j["within"] == "14d"
    assert j["motifs"] == {
        "martin": {"diary": "doctolib", "tool": "doctolib", "motif": "Consultation"},
        "nguyen": {"diary": "maiia", "tool": "maiia", "motif": "Consultation de médecine générale"},
    }
    assert not d.ambiguous


def test_decide_contract_keys() -> None:
    practice = diaryrules.load(SOLO)
    j = diaryrules.decide(practice, {"reason": "acute", "red_flag": "no"}, at="2026-12-01T09:00").to_json()
    for key in ("action", "rule", "tier", "reason", "duration", "practitioners", "sites", "within", "notice",
                "target", "message", "say", "motifs", "trail"):
        assert key in j, key
    assert j["else"]["action"] == "callback" and j["else"]["within"] == "2h"


def test_decide_at_inside_the_request() -> None:
    practice = diaryrules.load(MDS)
    d = diaryrules.decide(practice, {"reason": "consultation", "symptoms": [], "at": "2026-12-28T09:00"})
    assert d.rule == "christmas-cover"
    assert d.practitioners == ("nguyen",)


def test_decide_asks_what_is_missing() -> None:
    practice = diaryrules.load(SOLO)
    d = diaryrules.decide(practice, {}, at="2026-12-01T09:00")
    assert d.action == "ask"
    assert d.ask is not None and d.ask["attribute"] == "red_flag" and d.ask["values"] == ["yes", "no"]
    d = diaryrules.decide(practice, {"red_flag": "no", "reason": "home-visit"}, at="2026-12-01T09:00")
    assert d.ask is not None and d.ask["attribute"] == "age"
    d = diaryrules.decide(practice, {"red_flag": "yes"}, at="2026-12-01T09:00")
    assert (d.action, d.target) == ("redirect", "emergency")


@pytest.mark.parametrize(("request_", "key", "hint"), [
    ({"reason": "renwal"}, "reason", "did you mean `renewal`?"),
    ({"reasn": "renewal"}, "reasn", "did you mean `reason`?"),
    ({"age": "abc"}, "age", None),
    ({"age": 500}, "age", None),
    ({"reason": "renewal", "at": "tomorrow"}, "at", "write it as 2026-12-01T10:00 (local time of the practice)"),
])
def test_decide_bad_requests_raise_request_error(request_: dict[str, object], key: str, hint: str | None) -> None:
    practice = diaryrules.load(SOLO)
    with pytest.raises(RequestError) as e:
        diaryrules.decide(practice, request_, at="2026-12-01T09:00")
    assert e.value.key == key
    assert e.value.hint == hint
    assert e.value.message


def test_explain() -> None:
    practice = diaryrules.load(MDS)
    decision, verdicts = diaryrules.explain(practice, {"reason": "consultation", "symptoms": [], "pregnant": True},
                                            at="2026-12-01T10:00")
    assert decision.rule == "consultation-pregnant"
    status = {v.rule: v.status for v in verdicts}
    assert [v.rule for v in verdicts] == [r.id for r in practice.rules]
    assert status["consultation-pregnant"] == "decides"
    assert status["consultation"] == "overridden"
    assert status["default"] == "shadowed"
    assert status["red-flags"] == "no match"
    decision, verdicts = diaryrules.explain(practice, {"reason": "renewal", "symptoms": []}, at="2026-12-01T10:00")
    assert decision.action == "ask"
    assert {v.rule: v.matched for v in verdicts}["renewal-known"] is None


def test_lint_examples_clean() -> None:
    result = diaryrules.lint([SOLO, MDS], today=TODAY)
    assert result.diagnostics == []
    assert result.exit_code() == 0 and result.exit_code(strict=True) == 0
    assert set(result.sources) == {SOLO, MDS}


@pytest.mark.parametrize(("fixture", "code", "exit_code"), [
    ("dr001-duplicate-key", "DR001", 2),
    ("dr002-misspelt-key", "DR002", 2),
    ("dr003-missing-and", "DR003", 2),
    ("dr004-misspelt-reason", "DR004", 1),
    ("dr005-outside-range", "DR005", 1),
    ("dr006-duplicate-rule-id", "DR006", 1),
])
def test_lint_and_load_broken_files(fixture: str, code: str, exit_code: int) -> None:
    path = str(ERRORS / f"{fixture}.diary.yaml")
    result = diaryrules.lint([path])
    assert result.exit_code() == exit_code
    assert [d.code for d in result.diagnostics] == [code]
    assert all(d.severity == Severity.ERROR for d in result.diagnostics)
    with pytest.raises(InputError) as e:
        diaryrules.load(path)
    diags = e.value.diagnostics
    assert diags and all(isinstance(d, Diagnostic) for d in diags)
    assert [d.code for d in diags] == [code]
    assert diags[0].span.file == path and diags[0].span.line >= 1 and diags[0].span.column >= 1
    assert diags[0].message in str(e.value)


def test_load_missing_file_raises_input_error() -> None:
    with pytest.raises(InputError) as e:
        diaryrules.load(str(ROOT / "examples" / "nope.diary.yaml"))
    assert [d.code for d in e.value.diagnostics] == ["DR001"]
    assert "cannot read" in e.value.diagnostics[0].message
