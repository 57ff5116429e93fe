"""Interface — the `diaryrules` command line (typer + rich).

Every command turns bad input into a clear, positioned message and an exit code (0 clean,
1 findings or failed tests, 2 unusable input or a bad argument), never a traceback. Heavy
modules are imported inside the commands so that `diaryrules query` starts fast.

typer itself is one of them: importing it and building the commands costs about a third of a
cold `query`. The commands declare their parameters with `Annotated[..., typer.Option(...)]`,
which is read only when typer builds them (`_typer_app`), and `main()` hands the plain forms of
`query` and `explain` (a file, KEY=VALUE words and their known options) straight to the command
function (`_fast_parse`). Anything else — help, `--`, an unknown, short-joined or missing option
value — goes through typer, which also gives the errors. tests/test_cli_fast.py checks the two
parsers agree on generated command lines.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

if TYPE_CHECKING:  # imported at run time by _typer_app(), not on a plain `query`
    import typer

HELP = "Booking grids of medical practices as rule files: lint, query, slots."
FORMATS_LINT = ("human", "json", "github", "sarif")
FORMATS = ("human", "json")


class Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


_COMMANDS: list[tuple[Any, str | None, dict[str, Any]]] = []  # (function, name, typer's settings), in order


def _command(name: str | None = None, **settings: Any) -> Any:
    """Marks a function as a command; typer registers it when `_typer_app()` first runs."""
    def mark(f: Any) -> Any:
        _COMMANDS.append((f, name, settings))
        return f
    return mark


def _typer_app() -> Any:
    """The typer application, built on first use (module attribute `app`)."""
    built = globals().get("app")
    if built is None:
        import typer as typer_module

        globals()["typer"] = typer_module  # what the commands' `Annotated[...]` hints name
        built = typer_module.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                                   help=HELP)
        for f, name, settings in _COMMANDS:
            built.command(name, **settings)(f)
        globals()["app"] = built
    return built


def __getattr__(name: str) -> Any:
    if name == "app":
        return _typer_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _err(message: str, hint: str | None = None, code: int = 2) -> NoReturn:
    sys.stderr.write(f"error: {message}\n")
    if hint:
        sys.stderr.write(f"  hint: {hint}\n")
    raise Exit(code)


def _check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        from .diagnostics import did_you_mean

        near = did_you_mean(fmt, allowed)
        _err(f"unknown format `{fmt}`: use one of {', '.join(allowed)}", f"did you mean `{near}`?" if near else None)
    return fmt


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _practice(path: str) -> Any:
    """Load a rule file for a command that needs a usable practice; exit 2 with the findings if not."""
    from .linter import load_for_use

    if not Path(path).exists():
        _err(f"{path}: no such file")
    if Path(path).is_dir():
        _err(f"{path}: is a directory, not a rule file")
    loaded = load_for_use(path)
    if loaded.practice is None:
        from .diagnostics import Severity, sort_diagnostics
        from .report import render

        diags = [d.with_severity(Severity.ERROR) for d in sort_diagnostics(loaded.diagnostics)]
        sys.stderr.write(render("human", diags, [path], {path: loaded.source.text}, color=False))
        sys.stderr.write("the rule file cannot be used until these errors are fixed; run `diaryrules lint` on it\n")
        raise Exit(2)
    return loaded.practice


def _request(practice: Any, request: str | None, words: list[str] | None, at: str | None) -> Any:
    from .evaluate import make_request
    from .request import RequestError, parse_words

    try:
        if request is not None and words:
            _err("give the request either as --request JSON or as KEY=VALUE words, not both")
        given: dict[str, Any]
        if request is not None:
            import json

            text = request
            if request.startswith("@"):
                try:
                    text = Path(request[1:]).read_text(encoding="utf-8")
                except OSError as e:
                    _err(f"cannot read {request[1:]}: {e.strerror}")
            try:
                given = json.loads(text)
            except json.JSONDecodeError as e:
                caret = " " * (e.colno - 1) + "^"
                line = text.splitlines()[e.lineno - 1] if text.splitlines() else ""
                _err(f"--request:{e.lineno}:{e.colno}: not valid JSON: {e.msg}\n  {line}\n  {caret}",
                     'e.g. --request \'{"reason": "renewal", "patient": "known"}\'')
            except RecursionError:
                _err("--request: the JSON is nested too deeply")
            except ValueError:  # json.loads refuses integers of 4,300+ digits (not a JSONDecodeError)
                _err("--request: a number has more than 4,300 digits", "no attribute takes such a number")
            if not isinstance(given, dict):
                _err("--request must be a JSON object", 'e.g. {"reason": "renewal"}')
        else:
            given = parse_words(words or [])
        return make_request(practice, given, at)
    except RequestError as e:
        # name where the bad value came from: --at, the --request JSON, or the KEY=VALUE words
        if e.key == "at" and at is not None:
            where = "--at: "
        elif request is not None:
            where = f"--request `{e.key}`: " if e.key else "--request: "
        else:
            where = ""
        _err(where + e.message, e.hint)


# -- lint ------------------------------------------------------------------------------------------

@_command()
def lint(
    files: Annotated[list[str], typer.Argument(help="Rule files (*.diary.yaml).")],
    format: Annotated[str | None, typer.Option(
        "--format", "-f", help="human | json | github | sarif (github by default when GITHUB_ACTIONS=true)",
    )] = None,
    strict: Annotated[bool, typer.Option(help="Warnings also fail (exit 1).")] = False,
    today: Annotated[str | None, typer.Option(
        help="The day to lint for (DR303), YYYY-MM-DD; default today.")] = None,
    select: Annotated[list[str] | None, typer.Option(
        help="Only these codes (repeatable; a prefix like DR1 works).")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Not these codes (repeatable).")] = None,
) -> None:
    """Check rule files: structure, names, types, conflicts, gaps, unreachable rules, tests."""
    from datetime import date

    from .checks import CODES
    from .linter import lint_files
    from .report import render

    select, ignore = select or [], ignore or []
    fmt = format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "human")
    _check_format(fmt, FORMATS_LINT)
    day = None
    if today:
        try:
            day = date.fromisoformat(today)
        except ValueError:
            _err(f"--today `{today}` is not a date", "write it as YYYY-MM-DD")
    for code in [*select, *ignore]:
        if not any(c.startswith(code.upper()) for c in CODES):
            _err(f"unknown check code `{code}`", "see `diaryrules rules` for the codes")
    for f in files:
        if not Path(f).is_file():
            _err(f"{f}: no such file")
    result = lint_files(files, select=select, ignore=ignore, today=day)
    rules = {c: (v[1], v[2]) for c, v in CODES.items()}
    sys.stdout.write(render(fmt, result.diagnostics, files, result.sources, color=_color() and fmt == "human",
                            rules=rules))
    raise Exit(result.exit_code(strict))


# -- query / explain / ask -------------------------------------------------------------------------

@_command(context_settings={"allow_extra_args": False})
def query(
    file: Annotated[str, typer.Argument(help="The practice's rule file.")],
    words: Annotated[list[str] | None, typer.Argument(
        help="The request as KEY=VALUE words: reason=renewal age=54.")] = None,
    request: Annotated[str | None, typer.Option(
        "--request", "-r", help="The request as a JSON object (or @file.json).")] = None,
    at: Annotated[str | None, typer.Option(
        help="The call moment, ISO date-time in the practice's time zone; default now.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="human | json")] = "human",
) -> None:
    """Decide a request: what to do, with whom, how long, where, what to say."""
    from .evaluate import decide
    from .render import decision_human

    _check_format(format, FORMATS)
    practice = _practice(file)
    req = _request(practice, request, words, at)
    d = decide(practice, req)
    if format == "json":
        import json

        sys.stdout.write(json.dumps(d.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(decision_human(practice, d))


@_command()
def explain(
    file: Annotated[str, typer.Argument()],
    words: Annotated[list[str] | None, typer.Argument(help="The request as KEY=VALUE words.")] = None,
    request: Annotated[str | None, typer.Option("--request", "-r", help="The request as a JSON object.")] = None,
    at: Annotated[str | None, typer.Option(help="The call moment (ISO date-time); default now.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="human | json")] = "human",
) -> None:
    """Show, rule by rule, which rules matched, which lost and why."""
    from .evaluate import explain as explain_request
    from .render import explain_human

    _check_format(format, FORMATS)
    practice = _practice(file)
    req = _request(practice, request, words, at)
    decision, verdicts = explain_request(practice, req)
    if format == "json":
        import json

        out = {"decision": decision.to_json(),
               "rules": [{"rule": v.rule, "tier": v.tier, "matched": v.matched, "status": v.status, "why": v.why}
                         for v in verdicts]}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(explain_human(practice, decision, verdicts))


@_command()
def ask(
    file: Annotated[str, typer.Argument()],
    at: Annotated[str | None, typer.Option(help="The call moment (ISO date-time); default now.")] = None,
) -> None:
    """Interactive: asks only the questions that change the answer, then gives the decision."""
    from .interactive import run_ask

    practice = _practice(file)
    _request(practice, None, [], at)  # a bad --at is a bad argument (exit 2), before any question
    raise Exit(run_ask(practice, at))


@_command()
def slots(
    file: Annotated[str, typer.Argument(help="The practice's rule file.")],
    words: Annotated[list[str] | None, typer.Argument(help="The request as KEY=VALUE words.")] = None,
    request: Annotated[str | None, typer.Option(
        "--request", "-r", help="The request as a JSON object (or @file.json).")] = None,
    at: Annotated[str | None, typer.Option(help="The call moment (ISO date-time); default now.")] = None,
    start: Annotated[str | None, typer.Option(
        "--from", help="First moment to search from (default: the call moment).")] = None,
    days: Annotated[int, typer.Option(help="How many days to search.")] = 14,
    busy: Annotated[str | None, typer.Option(
        help="Appointments already booked: a JSON list or an .ics export.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many slots.")] = 20,
    why_not: Annotated[str | None, typer.Option(
        "--why-not", help="PRACTITIONER@DATETIME: why that slot is not offered.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="human | json")] = "human",
) -> None:
    """Decide a request, then list the eligible slots, earliest first."""
    from .evaluate import decide
    from .slots import SlotsError, slots_command

    _check_format(format, FORMATS)
    if days < 1 or days > 366:
        _err(f"--days {days} is out of range", "give 1 to 366 days")
    if limit < 1:
        _err(f"--limit {limit} must be at least 1")
    practice = _practice(file)
    req = _request(practice, request, words, at)
    decision = decide(practice, req)
    try:
        text, code = slots_command(practice, req, decision, start=start, days=days, busy_path=busy, limit=limit,
                                   why_not=why_not, fmt=format)
    except SlotsError as e:
        _err(str(getattr(e, "message", e)), getattr(e, "hint", None))
    sys.stdout.write(text)
    raise Exit(code)


# -- test / tree / schema / rules ------------------------------------------------------------------

@_command("test")
def test_cmd(
    files: Annotated[list[str], typer.Argument(help="Rule files whose `tests:` to run.")],
    format: Annotated[str, typer.Option("--format", "-f", help="human | json")] = "human",
) -> None:
    """Run the files' `tests:` sections, with rule coverage."""
    from .render import tests_human
    from .testing import run_tests

    _check_format(format, FORMATS)
    failed = False
    outputs: list[Any] = []
    for f in files:
        practice = _practice(f)
        report = run_tests(practice)
        failed = failed or report.failed > 0
        outputs.append((f, report))
    if format == "json":
        import json

        data = [{"file": f, "passed": r.passed, "failed": r.failed,
                 "coverage": {"covered": len(r.covered), "total": len(r.practice.rules), "uncovered": r.uncovered},
                 "cases": [{"name": c.case.name, "ok": not c.failures, "failures": c.failures} for c in r.results]}
                for f, r in outputs]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        for f, r in outputs:
            sys.stdout.write(tests_human(f, r))
    raise Exit(1 if failed else 0)


@_command()
def tree(
    file: Annotated[str, typer.Argument()],
    format: Annotated[str, typer.Option("--format", "-f", help="human | json")] = "human",
) -> None:
    """Print the compiled decision tree."""
    from .evaluate import tree_json
    from .render import tree_human

    _check_format(format, FORMATS)
    practice = _practice(file)
    if format == "json":
        import json

        sys.stdout.write(json.dumps(tree_json(practice), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(tree_human(practice))


@_command()
def schema() -> None:
    """Print the JSON Schema of rule files (for editors)."""
    from .schema import schema_text

    sys.stdout.write(schema_text())


@_command()
def rules(
    code: Annotated[str | None, typer.Argument(help="A code such as DR101 for its documentation.")] = None,
) -> None:
    """List every check code, or document one."""
    from .checks import CODES, check_modules

    docs = {c.code: c.doc for c in check_modules()}
    if code is None:
        for c, (sev, name, summary) in CODES.items():
            sys.stdout.write(f"{c}  {name:<18} {sev.value:<8} {summary}\n")
        return
    c = code.upper()
    if c not in CODES:
        from .diagnostics import did_you_mean

        near = did_you_mean(c, CODES)
        _err(f"unknown code `{code}`", f"did you mean `{near}`?" if near else "see `diaryrules rules`")
    sev, name, summary = CODES[c]
    sys.stdout.write(f"{c} {name} (default: {sev.value})\n\n{summary}\n")
    if c in docs:
        sys.stdout.write("\n" + docs[c] + "\n")


def _click_kinds(name: str) -> tuple[type, ...]:
    """Click's exception class `name`, from typer's vendored copy (typer ≥ 0.20) and from click."""
    import importlib

    kinds = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            kind = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if isinstance(kind, type):
            kinds.append(kind)
    return tuple(kinds)


# The commands main() parses itself, and their options (spelling → parameter); every one takes a value.
FAST_COMMANDS = {"query": query, "explain": explain}
FAST_OPTIONS = {"--request": "request", "-r": "request", "--at": "at", "--format": "format", "-f": "format"}


def _fast_parse(args: list[str]) -> tuple[str, dict[str, Any]] | None:
    """(command, its keyword arguments) for a plain `query` or `explain` command line, as typer
    would give them; None for anything else, which typer then parses (and reports when wrong)."""
    if not args or args[0] not in FAST_COMMANDS:
        return None
    kw: dict[str, Any] = {}
    positional: list[str] = []
    i, n = 1, len(args)
    while i < n:
        a = args[i]
        i += 1
        if not a.startswith("-"):
            positional.append(a)
            continue
        name, eq, value = a.partition("=")
        if eq and name.startswith("--") and name in FAST_OPTIONS:
            kw[FAST_OPTIONS[name]] = value  # --at=VALUE
        elif a in FAST_OPTIONS and i < n:
            kw[FAST_OPTIONS[a]] = args[i]  # the next word, whatever it looks like, as click takes it
            i += 1
        else:  # --help, --, -, -fjson, an unknown option or one without its value: typer's business
            return None
    if not positional:
        return None
    kw["file"], words = positional[0], positional[1:]
    kw["words"] = words or None
    return args[0], kw


def main() -> None:
    """Entry point: typer's app with our exit codes, and never a traceback."""
    try:
        fast = _fast_parse(sys.argv[1:])
        if fast is not None:
            command, kw = fast
            FAST_COMMANDS[command](**kw)
        else:
            _typer_app()(standalone_mode=False, prog_name="diaryrules")  # the same name under `python -m`
    except Exit as e:
        sys.exit(e.code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except SystemExit:
        raise
    except Exception as e:  # click's usage errors first; anything else is our bug, said in one line
        if isinstance(e, _click_kinds("ClickException")):
            e.show()  # type: ignore[attr-defined]
            sys.exit(2)
        if isinstance(e, _click_kinds("Abort")):
            sys.stderr.write("aborted\n")
            sys.exit(1)
        if isinstance(e, _click_kinds("Exit")):
            sys.exit(e.exit_code)  # type: ignore[attr-defined]
        target = next((a for a in sys.argv[2:] if not a.startswith("-")), "")
        sys.stderr.write(f"diaryrules: internal error while handling {target or 'the command'}: "
                         f"{type(e).__name__}: {e}. Sorry — please report it with the file.\n")
        sys.exit(2)

if __name__ == "__main__":
    main()
