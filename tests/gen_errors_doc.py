"""Generate docs/errors.md: every error message a user can see, with its cause and its fix.

The messages are read from the code itself (Python's `ast`): every `Diagnostic(...)`, `self.err(...)`,
`ExprError(...)`, `RequestError(...)`, `BusyError(...)`, `SlotsError(...)`, `CalendarError(...)`, the
CLI's `_err(...)` and the other calls that make a message. An f-string becomes a template whose
`{…}` parts are shown as `…`; a message kept in a variable is followed to where it was assigned.
The hint given with a message is its fix; each code also gets its cause (from `checks.CODES` and
the check's documentation) and a general fix. A real instance, when a fixture shows one, is
quoted under the message.

    .venv/bin/python tests/gen_errors_doc.py          # rewrite docs/errors.md
    .venv/bin/python tests/gen_errors_doc.py --check  # exit 1 when docs/errors.md is not current

tests/test_errors_doc.py checks that the document is current and that every message of the
fixtures (tests/fixtures/errors/*.expected, examples/broken/*.lint.json, tests/golden/**/*.err and
the diagnostics of the golden outputs) is one of the templates found here.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "diaryrules"
DOC = ROOT / "docs" / "errors.md"
HOLE = "\x00"  # a placeholder while templates are built; shown as `…`

# Calls that make a user-visible message: name → (index of the message argument, index of the hint
# argument or keyword, the section when the call names no code)
MAKERS: dict[str, tuple[int, int | str | None, str | None]] = {
    "Diagnostic": (2, "hint", None),
    "err": (2, 3, None),
    "finding": (1, 2, "DR002"),
    "ExprError": (0, "hint", "DR003"),
    "RequestError": (1, 2, "request"),
    "BusyError": (0, 1, "busy"),
    "fail": (1, 2, "busy"),
    "SlotsError": (0, 1, "slots"),
    "CalendarError": (0, None, "calendar"),
    "_err": (0, 1, "cli"),
}
HINT_KEYWORD = "hint"


@dataclass
class Message:
    section: str  # DR001 … DR401, or request / busy / slots / calendar / cli
    template: str
    hints: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    example: tuple[str, str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        return template_regex(self.template)


def template_regex(template: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in template.split(HOLE)]
    return re.compile("(?s)" + ".+?".join(parts) + r"\Z")


def is_passthrough(template: str) -> bool:
    """A message that only passes another one on (`e.message`, `where + e.message`, `--at: …`)."""
    if re.fullmatch(f"--[a-z-]+(?: `{HOLE}`)?: ?{HOLE}", template):
        return True
    return not re.sub(r"[\s:`;,.()\[\]-]", "", template.replace(HOLE, ""))


# -- reading templates from the code ---------------------------------------------------------------


class Scope:
    """Assignments of one function (or module), to follow a message kept in a variable."""

    def __init__(
        self, node: ast.AST, outer: Scope | None = None, functions: dict[str, ast.FunctionDef] | None = None
    ) -> None:
        self.outer = outer
        self.functions = functions if functions is not None else (outer.functions if outer else {})
        self.values: dict[str, list[ast.expr]] = {}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign):
                for target in sub.targets:
                    if isinstance(target, ast.Name):
                        self.values.setdefault(target.id, []).append(sub.value)
            elif (
                isinstance(sub, ast.AnnAssign) and isinstance(sub.target, ast.Name) and sub.value is not None
            ):
                self.values.setdefault(sub.target.id, []).append(sub.value)

    def lookup(self, name: str) -> list[ast.expr]:
        if name in self.values:
            return self.values[name]
        return self.outer.lookup(name) if self.outer else []


def templates(node: ast.expr | None, scope: Scope, depth: int = 0) -> list[str]:
    if node is None or depth > 6:
        return [HOLE]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        out = [""]
        for part in node.values:
            if isinstance(part, ast.Constant):
                out = [o + str(part.value) for o in out]
            else:
                out = [o + HOLE for o in out]
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = templates(node.left, scope, depth + 1), templates(node.right, scope, depth + 1)
        return [a + b for a in left for b in right][:16]
    if isinstance(node, ast.IfExp):
        return templates(node.body, scope, depth + 1) + templates(node.orelse, scope, depth + 1)
    if isinstance(node, ast.Name):
        found = [t for v in scope.lookup(node.id) for t in templates(v, scope, depth + 1)]
        return found or [HOLE]
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.value, ast.Name)
    ):
        # `specific[0]` where `specific = helper(...)` returns (message, hint, …) tuples
        index = node.slice.value
        found = []
        for value in scope.lookup(node.value.id):
            if (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in scope.functions
            ):
                fn = scope.functions[value.func.id]
                for ret in ast.walk(fn):
                    if (
                        isinstance(ret, ast.Return)
                        and isinstance(ret.value, ast.Tuple)
                        and isinstance(index, int)
                        and index < len(ret.value.elts)
                    ):
                        found += templates(ret.value.elts[index], Scope(fn, scope), depth + 1)
        return found or [HOLE]
    return [HOLE]


def _squash(template: str) -> str:
    return re.sub(HOLE + "+", HOLE, template)


def call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def argument(node: ast.Call, where: int | str | None) -> ast.expr | None:
    if where is None:
        return None
    if isinstance(where, int) and where < len(node.args):
        arg = node.args[where]
        return None if isinstance(arg, ast.Starred) else arg
    name = where if isinstance(where, str) else HINT_KEYWORD
    return next((k.value for k in node.keywords if k.arg == name), None)


def module_code(tree: ast.Module) -> str | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "CODE" for t in node.targets
        ):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    return None


def section_of(name: str, node: ast.Call, default: str | None, code_const: str | None) -> str | None:
    if name in ("Diagnostic", "err"):
        code = node.args[0] if node.args else None
        if (
            isinstance(code, ast.Constant)
            and isinstance(code.value, str)
            and re.fullmatch(r"DR\d{3}", code.value)
        ):
            return code.value
        if isinstance(code, ast.Name) and code.id == "CODE":
            return code_const
        return None  # e.code, a variable: the message is made elsewhere
    if name == "ExprError":
        code = argument(node, "code")
        if isinstance(code, ast.Constant) and isinstance(code.value, str):
            return code.value
    if name == "finding":
        return code_const or default
    return default


def functions(tree: ast.Module) -> Iterator[tuple[ast.AST, Scope]]:
    defined = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    module_scope = Scope(
        ast.Module(
            body=[n for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))], type_ignores=[]
        ),
        functions=defined,
    )
    yield tree, module_scope
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node, Scope(node, module_scope)


def messages_of(path: Path) -> Iterator[tuple[str, str, list[str]]]:
    """(section, template, hint templates) of every message-making call in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    code_const = module_code(tree)
    seen: set[int] = set()
    # innermost function first, so that a call is read with the assignments of its own function
    scopes = sorted(functions(tree), key=lambda fs: -getattr(fs[0], "lineno", 0))
    for fn, scope in scopes:
        for node in ast.walk(fn):
            if not isinstance(node, ast.Call) or id(node) in seen:
                continue
            name = call_name(node)
            if name not in MAKERS:
                continue
            seen.add(id(node))
            msg_at, hint_at, default = MAKERS[name]
            section = section_of(name, node, default, code_const)
            if section is None:
                continue
            hints = (
                [_squash(h) for h in templates(argument(node, hint_at), scope)] if hint_at is not None else []
            )
            for template in templates(argument(node, msg_at), scope):
                template = _squash(template)
                if not is_passthrough(template):
                    yield section, template, [h for h in hints if not is_passthrough(h)]
    yield from unknown_names(tree)


def unknown_names(tree: ast.Module) -> Iterator[tuple[str, str, list[str]]]:
    """`self.unknown("reason", name, span, known)` in the model: DR004 `unknown reason `…``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) == "unknown" and node.args:
            kind = node.args[0]
            if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                yield "DR004", f"unknown {kind.value} `{HOLE}`", ["did you mean `…`?", "known …: `…`"]
            else:
                yield "DR004", f"unknown {HOLE} `{HOLE}`", ["did you mean `…`?"]


def catalogue() -> dict[tuple[str, str], Message]:
    out: dict[tuple[str, str], Message] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        for section, template, hints in messages_of(path):
            m = out.setdefault((section, template), Message(section, template))
            m.hints.update(hints)
            m.modules.add(str(path.relative_to(PACKAGE)))
    return out


# -- real instances from the fixtures --------------------------------------------------------------

FIXTURE_LINE = re.compile(r"(\d+):(\d+) (DR\d{3}) (.*?)(?: \[hint: (.*)\])?\Z")
HUMAN_LINE = re.compile(r"^(\S+?):(\d+):(\d+): (?:error|warning|info)\[(DR\d{3})\] (.*)$", re.M)
CLI_PREFIX = re.compile(r"^(--[a-z-]+(?: `[^`]*`)?: ?|[^\s`]+?(?::\d+)+: |[^\s`]+?: )")


@dataclass(frozen=True)
class Seen:
    section: str | None  # DR code, or None for a command-line error
    message: str
    where: str


def seen_messages() -> list[Seen]:
    """Every message the fixtures and goldens show."""
    out: list[Seen] = []
    for f in sorted((ROOT / "tests" / "fixtures" / "errors").glob("*.expected")):
        for line in f.read_text(encoding="utf-8").splitlines():
            m = FIXTURE_LINE.match(line.strip())
            if m:
                out.append(Seen(m.group(3), m.group(4), f"{f.relative_to(ROOT)}"))
    for f in sorted((ROOT / "examples" / "broken").glob("*.lint.json")):
        for d in json.loads(f.read_text(encoding="utf-8"))["diagnostics"]:
            out.append(Seen(d["code"], d["message"], f"{f.relative_to(ROOT)}"))
    for f in sorted((ROOT / "tests" / "golden").rglob("*")):
        if f.suffix not in (".err", ".out"):
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        for m in HUMAN_LINE.finditer(text):
            out.append(Seen(m.group(4), m.group(5), f"{f.relative_to(ROOT)}"))
        if f.suffix == ".err":
            first = text.splitlines()[0] if text.strip() else ""
            if first.startswith("error: "):
                out.append(Seen(None, first[len("error: ") :], f"{f.relative_to(ROOT)}"))
        elif text.lstrip().startswith("{") and '"diagnostics"' in text:
            try:
                data = json.loads(text)
            except ValueError:
                continue
            for d in data.get("diagnostics", []) if isinstance(data, dict) else []:
                out.append(Seen(d["code"], d["message"], f"{f.relative_to(ROOT)}"))
    return out


CLI_SECTIONS = ("cli", "request", "busy", "slots", "calendar")


def find(seen: Seen, messages: dict[tuple[str, str], Message]) -> Message | None:
    """The template a message is an instance of: for a DR code, among that code's messages; for a
    command-line error, among the command-line sections, after its `--option:` or `file:line:` prefix."""
    sections = (seen.section,) if seen.section else CLI_SECTIONS
    candidates = [m for m in messages.values() if m.section in sections]
    texts = [seen.message]
    if seen.section is None:
        text = seen.message
        for _ in range(2):
            stripped = CLI_PREFIX.sub("", text, count=1)
            if stripped == text:
                break
            texts.append(stripped)
            text = stripped
    best: Message | None = None
    for text in texts:  # the most specific template: the most text of its own
        for m in candidates:
            if m.pattern.match(text) and (best is None or literal(m.template) > literal(best.template)):
                best = m
    return best


def literal(template: str) -> int:
    return len(template.replace(HOLE, ""))


# -- the document ----------------------------------------------------------------------------------

GENERAL_FIX = {
    "DR001": "fix the YAML at the position shown: quote values containing `: `, indent with spaces, "
    "write every value out instead of anchors and aliases, keep one document and one of each key.",
    "DR002": "follow the schema (`diaryrules schema`): the hint names the key or value expected there.",
    "DR003": "correct the expression at the caret; docs/language.md has the grammar of conditions, outcomes, "
    "durations, dates and hours.",
    "DR004": "declare the name first, or correct its spelling (the hint suggests the nearest one).",
    "DR005": "compare the attribute with a value of its own type (docs/language.md, Conditions).",
    "DR006": "give each rule, window and test its own id or name.",
    "DR101": "add `overrides: [id]` to the rule that must win, or make the conditions exclusive; the "
    "witness is a request that shows the conflict (`diaryrules query --request`).",
    "DR102": "remove one of the two rules.",
    "DR103": "remove the redundant rule, or change its outcome if it was meant to differ.",
    "DR104": "remove the `overrides`, or correct the id it names.",
    "DR201": "add a rule for the witness request, or a `default:`.",
    "DR202": "let a practitioner handle the reason (`practitioners:`), with hours where it can be booked.",
    "DR203": "shorten the reason's duration or lengthen the practitioners' open stretches.",
    "DR204": "add the reason's motif for that diary under `motifs:`.",
    "DR205": "check the practitioner's hours and absences for the next 12 weeks.",
    "DR206": "move the reserved window inside the practitioners' hours, or change its `for:`.",
    "DR207": "move the `off` rule after the rules that reopen its days.",
    "DR301": "remove the rule, or narrow the rules of the higher tier that cover it.",
    "DR302": "correct the condition: no request can satisfy it.",
    "DR303": "remove the past dates, or update them.",
    "DR401": "correct the rule or the test's expectation; `diaryrules explain` with the test's request "
    "shows which rules decided.",
    "cli": "correct the argument; `diaryrules COMMAND --help` lists them.",
    "request": "give the request's values in their attribute's domain (the message names it).",
    "busy": "export the busy times again from the diary tool, or correct the line named.",
    "slots": "correct the option's value (the hint shows its form).",
    "calendar": "set `holidays:` and `school-zone:` in the practice.",
}
CLI_TITLES = {
    "cli": "Arguments and options",
    "request": "Requests: `--request`, `KEY=VALUE`, `--at` (and the `tests:` of a rule file: DR004/DR005)",
    "busy": "Busy files: `slots --busy FILE` (JSON or iCalendar)",
    "slots": "Slots: `--from`, `--why-not`",
    "calendar": "Holiday calendars",
}


def shown(template: str) -> str:
    text = template.replace(HOLE, "…").replace("\n", " ⏎ ")
    ticks = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (ticks + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def causes() -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from diaryrules.checks import CODES, check_modules

    docs = {c.code: c.doc.strip().split("\n\n")[0].replace("\n", " ") for c in check_modules()}
    out = {}
    for code, (severity, name, summary) in CODES.items():
        first = docs.get(code, "")
        first = re.sub(r"^DR\d{3} [\w-]+ — ", "", first)
        out[code] = f"**{name}** ({severity.value}): {summary}." + (f" {first}" if first else "")
    return out


def render() -> str:
    messages = catalogue()
    for s in seen_messages():
        m = find(s, messages)
        if m is not None and m.example is None:
            m.example = (s.message, s.where)
    cause = causes()
    lines = [
        "# Error messages",
        "",
        "<!-- generated by tests/gen_errors_doc.py from the code: do not edit by hand; "
        "tests/test_errors_doc.py "
        "checks it is current -->",
        "",
        "Every message diaryrules can show, as the code writes it "
        "(`…` stands for the part that varies: a name, "
        "a number, a position), with its fix: the hint printed under it, and for each code or command the "
        "general remedy. Where a fixture or golden output shows a real instance, it is quoted.",
        "",
        "Exit codes: `lint` exits 2 when a file cannot be read or parsed (DR001–DR003), 1 for the other "
        "findings at error severity (warnings too with `--strict`), 0 otherwise. Every other command exits 2 "
        "with `error: …` on stderr for a bad argument, request or busy file, and for a rule file with any "
        "DR001–DR006 finding. A line `diaryrules: internal error while handling …` is a bug: "
        "please report it "
        "with the file.",
        "",
        "## Rule files",
        "",
    ]
    codes = sorted({m.section for m in messages.values() if m.section.startswith("DR")} | set(cause))
    for code in codes:
        lines += [f"### {code}", "", cause.get(code, ""), "", f"Fix: {GENERAL_FIX.get(code, '')}", ""]
        lines += entries([m for m in messages.values() if m.section == code])
    lines += [
        "## Command-line errors (exit 2)",
        "",
        "Printed as `error: MESSAGE` (and `  hint: …`), prefixed by where the value came from: "
        "`--request`, `--request \\`KEY\\``, `--at`, `--from`, `--why-not` or `FILE:LINE`.",
        "",
    ]
    for section in CLI_SECTIONS:
        lines += [f"### {CLI_TITLES[section]}", "", f"Fix: {GENERAL_FIX[section]}", ""]
        lines += entries([m for m in messages.values() if m.section == section])
    lines += [
        "### Usage errors (from the command-line parser)",
        "",
        "- `Usage: diaryrules … Error: No such option: --bogus`, `No such command 'frobnicate'`, "
        "`Missing argument 'FILE'`  ",
        "  fix: `diaryrules --help` and `diaryrules COMMAND --help` list the commands and options; a "
        "`KEY=VALUE` word that starts with `-` is read as an option: put `--` before the words.",
        "",
    ]
    return "\n".join(lines).rstrip() + "\n"


def entries(found: list[Message]) -> list[str]:
    out: list[str] = []
    for m in sorted(found, key=lambda m: (m.template.replace(HOLE, "").lstrip("`").lower(), m.template)):
        out.append(f"- {shown(m.template)}  ")
        for hint in sorted(m.hints):
            out.append(f"  fix: {shown(hint)}  ")
        out.append(f"  in {', '.join(sorted(m.modules))}" + ("  " if m.example else ""))
        if m.example:
            out.append(f"  e.g. {shown(m.example[0])} ({m.example[1]})")
    return out + [""] if out else ["(no message of its own: see the code's description)", ""]


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC.relative_to(ROOT)} is not current: run .venv/bin/python tests/gen_errors_doc.py")
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}: {text.count(chr(10) + '- ')} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
