"""Stage 3 — model: the YAML node tree → a typed, frozen model of the practice (DR003–DR006).

Every expression string is parsed here (through `parse`), every name is resolved against the
file's declarations (DR004, with the nearest known name as a hint), every value is checked
against its attribute's domain (DR005), and ids must be unique (DR006). The builder is
defensive: it reports every error it can find in one pass, even in a file that also has
structural (DR002) errors, and returns a `Practice` only when the file has none.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, ExprError, Related, Span, did_you_mean
from .syntax import Always, And, Cond, Name, Not, Or, Outcome, Test, Value, format_duration

if TYPE_CHECKING:
    from .hours import HoursExpr
    from .loader import Node
    from .parse import Locate
    from .syntax import Duration

# The expression parsers (and Lark with them) are imported on first use: a practice read from the
# compiled cache (`query`, `slots` …) never parses. Module-level names, so that tests can patch them.


def parse_condition(text: str, locate: Locate) -> Cond:
    from .parse import parse_condition as parse

    return parse(text, locate)


def parse_outcome(text: str, locate: Locate) -> Outcome:
    from .parse import parse_outcome as parse

    return parse(text, locate)


def parse_duration(text: str, locate: Locate) -> Duration:
    from .parse import parse_duration as parse

    return parse(text, locate)


def parse_date(text: str, offset: int = 0) -> date:
    from .parse import parse_date as parse

    return parse(text, offset)


def parse_time(text: str, offset: int = 0, allow_24: bool = True) -> int:
    from .parse import parse_time as parse

    return parse(text, offset, allow_24)


def parse_span(text: str) -> tuple[datetime, datetime, bool]:
    from .parse import parse_span as parse

    return parse(text)


TIERS = ("triage", "exceptions", "rules", "default")
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
TOOLS = ("doctolib", "maiia", "keldoc", "clickdoc", "docorga", "medoucine", "other")
MAX_RULES = 20_000
DEFAULT_HORIZON = 90 * 1440
DEFAULT_GRID = 5


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    address: str | None
    phone: str | None
    span: Span


@dataclass(frozen=True)
class Diary:
    id: str
    tool: str
    name: str | None
    span: Span


@dataclass(frozen=True)
class Absence:
    start: datetime  # naive wall-clock time in the practice's zone
    end: datetime
    whole_days: bool
    text: str
    span: Span


@dataclass(frozen=True)
class Hours:
    site: str | None  # None: the practitioner's only hours, valid at every site
    expr: HoursExpr
    span: Span


@dataclass(frozen=True)
class Practitioner:
    id: str
    name: str
    role: str | None
    diary: str
    hours: tuple[Hours, ...]
    absences: tuple[Absence, ...]
    grid: int | None
    span: Span


@dataclass(frozen=True)
class Attribute:
    """A dimension of a request. kind: enum | int | bool | set | date | time."""

    name: str
    kind: str
    values: tuple[str, ...] = ()
    lo: int = 0
    hi: int = 0
    label: str | None = None
    question: str | None = None
    builtin: bool = False
    span: Span | None = None

    def describe(self) -> str:
        if self.kind in ("enum", "set"):
            shown = ", ".join(self.values[:12]) + (", …" if len(self.values) > 12 else "")
            return f"one of {shown}" if self.kind == "enum" else f"a set of {shown}"
        if self.kind == "int":
            return f"a whole number in {self.lo}..{self.hi}"
        if self.kind == "bool":
            return "yes or no"
        if self.kind == "date":
            return "a date like 2026-12-24"
        return "a time like 08:30"


@dataclass(frozen=True)
class Reason:
    id: str
    label: str | None
    duration: int
    durations: tuple[tuple[str, int], ...]  # per practitioner where it differs
    practitioners: tuple[str, ...] | None  # None: everyone
    sites: tuple[str, ...] | None
    mode: str
    motifs: tuple[tuple[str, str], ...]  # diary id → motif name in that tool
    notice: int
    horizon: int
    say: str | None
    span: Span

    def duration_for(self, practitioner: str) -> int:
        return dict(self.durations).get(practitioner, self.duration)


@dataclass(frozen=True)
class Window:
    name: str | None  # None for an inline expression
    expr: HoursExpr
    every_weeks: int | None
    from_date: date | None
    span: Span


@dataclass(frozen=True)
class Reserved:
    id: str
    window: Window
    practitioners: tuple[str, ...] | None
    cond: Cond
    release: int | None
    label: str | None
    span: Span


@dataclass(frozen=True)
class Protected:
    id: str
    window: Window
    practitioners: tuple[str, ...] | None
    label: str | None
    span: Span


@dataclass(frozen=True)
class Rule:
    id: str
    tier: str
    index: int  # file order across all tiers
    cond: Cond
    outcome: Outcome
    say: str | None
    overrides: tuple[Name, ...]
    span: Span
    when_span: Span
    then_span: Span

    @property
    def tier_rank(self) -> int:
        return TIERS.index(self.tier)


@dataclass(frozen=True)
class TestCase:
    name: str
    request: Mapping[str, Any]
    at: str | None
    expect: Mapping[str, Any]
    span: Span
    node: Node = field(compare=False, repr=False)


@dataclass(frozen=True)
class Practice:
    file: str
    name: str
    timezone: str
    holidays: str | None
    school_zone: str | None
    closed_on_holidays: bool
    grid: int
    sites: Mapping[str, Site]
    diaries: Mapping[str, Diary]
    practitioners: Mapping[str, Practitioner]
    attributes: Mapping[str, Attribute]  # built-in and declared, by name
    reasons: Mapping[str, Reason]
    windows: Mapping[str, Window]
    reserved: tuple[Reserved, ...]
    protected: tuple[Protected, ...]
    rules: tuple[Rule, ...]  # triage, exceptions, rules, then default (id "default") when present
    tests: tuple[TestCase, ...]
    lint: Mapping[str, str]
    lint_spans: Mapping[str, Span]
    section_spans: Mapping[str, Span]  # top-level key → its position (`rules:`, `default:` …)
    span: Span

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    @property
    def default(self) -> Rule | None:
        return self.rules[-1] if self.rules and self.rules[-1].tier == "default" else None

    @cached_property
    def rule_by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    @cached_property
    def used_attributes(self) -> frozenset[str]:
        """Attributes some condition tests (rules and reserved windows' `for`)."""
        from .syntax import tests_of

        conds = [r.cond for r in self.rules] + [r.cond for r in self.reserved]
        return frozenset(t.attr for c in conds for t in tests_of(c))

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @cached_property
    def calendar(self) -> Any:
        from .calendar import HolidayCalendar

        return HolidayCalendar(self.holidays, self.school_zone)

    def duration_text(self, minutes: int) -> str:
        return format_duration(minutes)


# -- building ------------------------------------------------------------------------------------

BUILTIN_NAMES = ("reason", "practitioner", "site", "call.day", "call.time", "call.date", "call.holiday",
                 "call.school-holiday")
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


class _Builder:
    def __init__(self, root: Node, file: str) -> None:
        self.root = root
        self.file = file
        self.diags: list[Diagnostic] = []

    # helpers -------------------------------------------------------------------------------
    def err(self, code: str, span: Span, message: str, hint: str | None = None,
            related: tuple[Related, ...] = ()) -> None:
        self.diags.append(Diagnostic(code, span, message, hint=hint, related=related))

    def expr_err(self, node: Node, e: ExprError) -> None:
        self.err(e.code, node.offset_span(e.offset, e.length), e.message, e.hint)

    def section(self, key: str) -> Node | None:
        n = self.root.get(key)
        return n if n is not None and n.kind != "scalar" or (n is not None and n.value is not None) else None

    def items(self, node: Node | None) -> Iterator[tuple[str, Node, Node]]:
        if node is None or node.kind != "map":
            return
        for k, v in node.value.items():
            yield k, node.keys[k], v

    def seq(self, node: Node | None) -> Iterator[Node]:
        if node is None or node.kind != "seq":
            return
        yield from node.value

    @staticmethod
    def s(node: Node | None, key: str) -> str | None:
        if node is None:
            return None
        v = node.get(key)
        if v is None or v.kind != "scalar" or v.value is None:
            return None
        return str(v.value) if not isinstance(v.value, bool) else v.raw

    def locate(self, node: Node) -> Callable[[int, int], Span]:
        return node.offset_span

    def unknown(self, kind: str, name: str, span: Span, known: Mapping[str, Any] | tuple[str, ...] | list[str],
                where: str = "") -> None:
        names = list(known)
        near = did_you_mean(name, names)
        plural = {"diary": "diaries", "holiday calendar": "holiday calendars"}.get(kind, f"{kind}s")
        if near:
            hint = f"did you mean `{near}`?"
        elif names:
            shown = ", ".join(f"`{n}`" for n in sorted(names)[:8])
            hint = f"known {plural}: {shown}" + (", …" if len(names) > 8 else "")
        else:
            hint = f"declare it under `{plural}:` first"
        self.err("DR004", span, f"unknown {kind} `{name}`{where}", hint)

    def duration(self, node: Node | None) -> int | None:
        if node is None or node.kind != "scalar" or node.value is None:
            return None
        try:
            return parse_duration(str(node.value), self.locate(node)).minutes
        except ExprError as e:
            self.expr_err(node, e)
            return None

    def names(self, node: Node | None, known: Mapping[str, Any], kind: str, where: str = "") -> tuple[str, ...] | None:
        if node is None or node.kind != "seq":
            return None
        out: list[str] = []
        for item in node.value:
            if item.kind != "scalar" or item.value is None:
                continue
            name = str(item.value)
            if name not in known:
                self.unknown(kind, name, item.span, known, where)
            elif name in out:
                self.err("DR006", item.span, f"`{name}` is listed twice")
            else:
                out.append(name)
        return tuple(out)

    # sections ------------------------------------------------------------------------------
    def build(self) -> Practice | None:
        root = self.root
        pr = root.get("practice")
        name = self.s(pr, "name") or ""
        tz = self.s(pr, "timezone") or "Europe/Paris"
        if pr is not None and pr.get("timezone") is not None:
            tznode = pr.get("timezone")
            assert tznode is not None
            try:
                zoneinfo.ZoneInfo(tz)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                near = did_you_mean(tz, zoneinfo.available_timezones())
                self.err("DR004", tznode.span, f"unknown time zone `{tz}`",
                         f"did you mean `{near}`?" if near else "use an IANA name such as Europe/Paris")
                tz = "Europe/Paris"
        holidays_code = self.s(pr, "holidays")
        if holidays_code is not None and pr is not None:
            hnode = pr.get("holidays")
            assert hnode is not None
            from .calendar import valid_holiday_codes

            # `FR` is always valid: only a subdivision needs the `holidays` package's list (slow to import)
            codes = ["FR"] if holidays_code == "FR" else valid_holiday_codes()
            if holidays_code not in codes:
                from . import calendar

                renamed = getattr(calendar, "_RENAMED_SUBDIVISIONS", {}).get(holidays_code.upper())
                if renamed:
                    self.err("DR004", hnode.span, f"`{holidays_code}` is no longer a holiday calendar",
                             f"write `{renamed}` (Alsace-Moselle: Bas-Rhin, Haut-Rhin and Moselle share it)")
                else:
                    self.unknown("holiday calendar", holidays_code, hnode.span, codes)
                holidays_code = None
        school_zone = self.s(pr, "school-zone")
        coh = pr.get("closed-on-holidays") if pr is not None else None
        closed_on_holidays = bool(coh.value) if coh is not None and isinstance(coh.value, bool) else True
        grid = self.duration(pr.get("grid") if pr is not None else None) or DEFAULT_GRID

        sites: dict[str, Site] = {}
        for sid, _k, v in self.items(pr.get("sites") if pr is not None else None):
            sites[sid] = Site(sid, self.s(v, "name") or sid, self.s(v, "address"), self.s(v, "phone"), v.span)

        diaries: dict[str, Diary] = {}
        for did, _k, v in self.items(root.get("diaries")):
            diaries[did] = Diary(did, self.s(v, "tool") or "other", self.s(v, "name"), v.span)

        practitioners: dict[str, Practitioner] = {}
        for pid, k, v in self.items(root.get("practitioners")):
            p = self.practitioner(pid, k, v, sites, diaries)
            if p is not None:
                practitioners[pid] = p

        attributes = self.attributes(sites, practitioners, school_zone is not None)
        reasons: dict[str, Reason] = {}
        for rid, k, v in self.items(root.get("reasons")):
            r = self.reason(rid, k, v, practitioners, diaries, sites)
            if r is not None:
                reasons[rid] = r
        attributes["reason"] = Attribute("reason", "enum", tuple(reasons), builtin=True)

        windows: dict[str, Window] = {}
        for wid, _k, v in self.items(root.get("windows")):
            w = self.window(wid, v)
            if w is not None:
                windows[wid] = w

        reserved = tuple(self.reserved_list(attributes, windows, practitioners))
        protected = tuple(self.protected_list(windows, practitioners))
        rules = self.rules(attributes, practitioners, sites, windows)
        tests = tuple(self.tests(attributes))
        lint: dict[str, str] = {}
        lint_spans: dict[str, Span] = {}
        for code, k, v in self.items(root.get("lint")):
            if v.kind == "scalar":
                lint[code] = str(v.value) if not isinstance(v.value, bool) else v.raw
                lint_spans[code] = k.span
        if self.diags:
            return None
        return Practice(
            file=self.file, name=name, timezone=tz, holidays=holidays_code, school_zone=school_zone,
            closed_on_holidays=closed_on_holidays, grid=grid, sites=sites, diaries=diaries,
            practitioners=practitioners, attributes=attributes, reasons=reasons, windows=windows,
            reserved=reserved, protected=protected, rules=rules, tests=tests, lint=lint,
            lint_spans=lint_spans, section_spans={k: n.span for k, n in root.keys.items()}, span=root.span)

    def hours(self, node: Node) -> HoursExpr | None:
        from .hours import parse_hours

        if node.kind != "scalar" or node.value is None:
            return None
        try:
            return parse_hours(str(node.value))
        except ExprError as e:
            self.expr_err(node, e)
            return None

    def practitioner(self, pid: str, key: Node, v: Node, sites: Mapping[str, Site],
                     diaries: Mapping[str, Diary]) -> Practitioner | None:
        if v.kind != "map":
            return None
        diary = self.s(v, "diary") or ""
        dnode = v.get("diary")
        if dnode is not None and diary not in diaries:
            where = f" for `{pid}`"
            if diary in TOOLS and not diaries:
                self.err("DR004", dnode.span, f"unknown diary `{diary}`{where}",
                         f"declare it: `diaries: {{{diary}: {{tool: {diary}}}}}`")
            else:
                self.unknown("diary", diary, dnode.span, diaries, where)
        hours: list[Hours] = []
        hnode = v.get("hours")
        if hnode is not None and hnode.kind == "scalar":
            expr = self.hours(hnode)
            if expr is not None:
                hours.append(Hours(None, expr, hnode.span))
        elif hnode is not None and hnode.kind == "map":
            for sid, sk, sv in self.items(hnode):
                if sid not in sites:
                    self.unknown("site", sid, sk.span, sites)
                    continue
                expr = self.hours(sv)
                if expr is not None:
                    hours.append(Hours(sid, expr, sv.span))
        absences: list[Absence] = []
        for a in self.seq(v.get("absences")):
            if a.kind != "scalar" or a.value is None:
                continue
            text = str(a.value)
            try:
                start, end, whole = parse_span(text)
            except ExprError as e:
                self.expr_err(a, e)
                continue
            absences.append(Absence(start, end, whole, text, a.span))
        grid = self.duration(v.get("grid"))
        return Practitioner(pid, self.s(v, "name") or pid, self.s(v, "role"), diary, tuple(hours),
                            tuple(absences), grid, v.span)

    def attributes(self, sites: Mapping[str, Site], practitioners: Mapping[str, Practitioner],
                   school: bool) -> dict[str, Attribute]:
        attrs: dict[str, Attribute] = {
            "practitioner": Attribute("practitioner", "enum", (*practitioners, "none"), builtin=True),
            "site": Attribute("site", "enum", (*sites, "none"), builtin=True),
            "call.day": Attribute("call.day", "enum", DAYS, builtin=True),
            "call.time": Attribute("call.time", "time", lo=0, hi=1440, builtin=True),
            "call.date": Attribute("call.date", "date", builtin=True),
            "call.holiday": Attribute("call.holiday", "bool", builtin=True),
        }
        if school:
            attrs["call.school-holiday"] = Attribute("call.school-holiday", "bool", builtin=True)
        for name, k, v in self.items(self.root.get("attributes")):
            if v.kind != "map":
                continue
            label, question = self.s(v, "label"), self.s(v, "question")
            if v.get("values") is not None:
                vals = self.id_list(v.get("values"))
                attrs[name] = Attribute(name, "enum", vals, label=label, question=question, span=k.span)
            elif v.get("set") is not None:
                vals = self.id_list(v.get("set"))
                attrs[name] = Attribute(name, "set", vals, label=label, question=question, span=k.span)
            elif v.get("range") is not None:
                rnode = v.get("range")
                assert rnode is not None
                m = re.fullmatch(r"\s*(-?[0-9]+)\s*\.\.\s*(-?[0-9]+)\s*", str(rnode.value))
                if not m or int(m.group(1)) > int(m.group(2)):
                    self.err("DR003", rnode.span, f"`{rnode.value}` is not a range of whole numbers",
                             "write it as LOW..HIGH, e.g. 0..120")
                    continue
                lo, hi = int(m.group(1)), int(m.group(2))
                if max(abs(lo), abs(hi)) > 10**9:
                    self.err("DR005", rnode.span, "the range's bounds must lie within ±1,000,000,000")
                    continue
                attrs[name] = Attribute(name, "int", lo=lo, hi=hi, label=label, question=question, span=k.span)
            elif v.get("type") is not None:
                attrs[name] = Attribute(name, "bool", label=label, question=question, span=k.span)
        return attrs

    def id_list(self, node: Node | None) -> tuple[str, ...]:
        out: list[str] = []
        for item in self.seq(node):
            if item.kind == "scalar" and item.value is not None:
                val = str(item.value) if not isinstance(item.value, bool) else item.raw
                if val in out:
                    self.err("DR006", item.span, f"value `{val}` is listed twice")
                    continue
                out.append(val)
        return tuple(out)

    def reason(self, rid: str, key: Node, v: Node, practitioners: Mapping[str, Practitioner],
               diaries: Mapping[str, Diary], sites: Mapping[str, Site]) -> Reason | None:
        if v.kind != "map":
            return None
        dnode = v.get("duration")
        duration = 0
        per: list[tuple[str, int]] = []
        if dnode is not None and dnode.kind == "map":
            for who, wk, wv in self.items(dnode):
                d = self.duration(wv)
                if d is None:
                    continue
                if who == "default":
                    duration = d
                elif who not in practitioners:
                    self.unknown("practitioner", who, wk.span, practitioners, f" in the durations of `{rid}`")
                else:
                    per.append((who, d))
            if dnode.get("default") is None:
                self.err("DR002", dnode.span, f"the durations of `{rid}` need a `default`",
                         "add `default: 20min` for everyone not listed")
        else:
            duration = self.duration(dnode) or 0
        where = f" in reason `{rid}`"
        prs = self.names(v.get("practitioners"), practitioners, "practitioner", where)
        sts = self.names(v.get("sites"), sites, "site", where)
        motifs: list[tuple[str, str]] = []
        for did, dk, dv in self.items(v.get("motifs")):
            if did not in diaries:
                self.unknown("diary", did, dk.span, diaries, where)
                continue
            if dv.kind == "scalar" and dv.value is not None:
                motifs.append((did, str(dv.value)))
        notice = self.duration(v.get("notice")) or 0
        horizon = self.duration(v.get("horizon")) or DEFAULT_HORIZON
        return Reason(rid, self.s(v, "label"), duration, tuple(per), prs, sts, self.s(v, "mode") or "in-person",
                      tuple(motifs), notice, horizon, self.s(v, "say"), key.span)

    def window(self, wid: str | None, v: Node) -> Window | None:
        every = None
        start = None
        hnode = v
        if v.kind == "map":
            hnode = v.get("hours") or v
            enode, fnode = v.get("every"), v.get("from")
            if enode is not None:
                minutes = self.duration(enode)
                if minutes is not None:
                    if minutes % (7 * 1440):
                        self.err("DR005", enode.span, "`every` counts whole weeks", "write 1w, 2w, 3w …")
                    else:
                        every = minutes // (7 * 1440)
            if fnode is not None and fnode.kind == "scalar":
                try:
                    start = parse_date(str(fnode.value))
                except ExprError as e:
                    self.expr_err(fnode, e)
        expr = self.hours(hnode)
        if expr is None:
            return None
        return Window(wid, expr, every, start, v.span)

    def window_ref(self, node: Node | None, windows: Mapping[str, Window]) -> Window | None:
        if node is None or node.kind != "scalar" or node.value is None:
            return None
        text = str(node.value)
        if text in windows:
            return windows[text]
        if _ID.match(text) and not re.match(r"(Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)\b", text):
            self.unknown("window", text, node.span, windows)
            return None
        return self.window(None, node)

    def condition(self, node: Node, attrs: Mapping[str, Attribute]) -> Cond | None:
        text = "" if node.value is None else (str(node.value) if not isinstance(node.value, bool) else node.raw)
        try:
            cond = parse_condition(text, self.locate(node))
        except ExprError as e:
            self.expr_err(node, e)
            return None
        before = len(self.diags)
        typed = self.resolve(cond, attrs)
        return typed if len(self.diags) == before else None

    def resolve(self, c: Cond, attrs: Mapping[str, Attribute]) -> Cond:
        if isinstance(c, Test):
            return self.resolve_test(c, attrs)
        if isinstance(c, And):
            return And(tuple(self.resolve(i, attrs) for i in c.items), c.span)
        if isinstance(c, Or):
            return Or(tuple(self.resolve(i, attrs) for i in c.items), c.span)
        if isinstance(c, Not):
            return Not(self.resolve(c.item, attrs), c.span)
        return c

    def resolve_test(self, t: Test, attrs: Mapping[str, Attribute]) -> Test:
        a = attrs.get(t.attr)
        if a is None:
            if t.attr == "call.school-holiday":
                self.err("DR004", t.attr_span, "`call.school-holiday` needs `practice.school-zone`",
                         "add `school-zone: A`, `B` or `C` under `practice:`")
            elif t.op == "true" and t.attr in attrs.get("reason", Attribute("", "enum")).values:
                self.err("DR004", t.attr_span, f"unknown attribute `{t.attr}`",
                         f"`{t.attr}` is a reason: write `reason is {t.attr}`")
            else:
                self.unknown("attribute", t.attr, t.attr_span, list(attrs))
            return t
        ops = _OPS[a.kind]
        if t.op not in ops:
            self.err("DR005", t.span, f"`{t.attr}` is {a.describe()}: it cannot be tested with `{_op_word(t.op)}`",
                     _op_hint(a))
            return t
        values = []
        for v in t.values:
            values.append(self.typed_value(a, v))
        if t.op in ("range", "not range") and all(v.py is not None for v in values):
            if values[0].py > values[1].py:
                self.err("DR005", t.span, f"the range {values[0].text}..{values[1].text} is empty",
                         f"write {values[1].text}..{values[0].text}")
        return Test(t.attr, t.attr_span, t.op, tuple(values), t.span)

    def typed_value(self, a: Attribute, v: Value) -> Value:
        text = v.text
        kind = a.kind
        if kind in ("enum", "set"):
            if v.kind == "name" and text in a.values:
                return Value(v.kind, v.text, v.span, text)
            if v.kind != "name" and text in a.values:  # numeric-looking enum values such as "1"
                return Value(v.kind, v.text, v.span, text)
            what = a.name if not a.builtin else a.name.replace("call.", "")
            if v.kind != "name":
                self.err("DR005", v.span, f"`{a.name}` is {a.describe()}; `{text}` is not one of them")
            else:
                self.unknown(what if a.builtin else "value", text, v.span, a.values,
                             "" if a.builtin else f" for `{a.name}`")
            return v
        if kind == "int":
            if v.kind != "int":
                self.err("DR005", v.span, f"`{a.name}` is {a.describe()}; `{text}` is not a number")
                return v
            n = int(text)
            if not a.lo <= n <= a.hi:
                self.err("DR005", v.span, f"{n} is outside the range of `{a.name}` ({a.lo}..{a.hi})")
                return v
            return Value(v.kind, v.text, v.span, n)
        if kind == "bool":
            low = text.lower()
            if low in ("yes", "true"):
                return Value(v.kind, v.text, v.span, True)
            if low in ("no", "false"):
                return Value(v.kind, v.text, v.span, False)
            self.err("DR005", v.span, f"`{a.name}` is yes or no; `{text}` is neither")
            return v
        if kind == "date":
            if v.kind != "date":
                self.err("DR005", v.span, f"`{a.name}` is a date; `{text}` is not a date like 2026-12-24")
                return v
            try:
                return Value(v.kind, v.text, v.span, parse_date(text))
            except ExprError as e:
                self.err("DR005", v.span, e.message, e.hint)
                return v
        # time
        if v.kind != "time":
            self.err("DR005", v.span, f"`{a.name}` is a time of day; `{text}` is not a time like 08:30")
            return v
        try:
            return Value(v.kind, v.text, v.span, parse_time(text))
        except ExprError as e:
            self.err("DR005", v.span, e.message, e.hint)
            return v

    def outcome(self, node: Node, practitioners: Mapping[str, Practitioner], sites: Mapping[str, Site],
                windows: Mapping[str, Window]) -> Outcome | None:
        text = "" if node.value is None else str(node.value)
        try:
            out = parse_outcome(text, self.locate(node))
        except ExprError as e:
            self.expr_err(node, e)
            return None
        before = len(self.diags)
        o: Outcome | None = out
        while o is not None:
            for n in o.with_:
                if n.text not in practitioners:
                    self.unknown("practitioner", n.text, n.span, practitioners)
            if o.by and o.by.text not in practitioners:
                self.unknown("practitioner", o.by.text, o.by.span, practitioners)
            for n in o.at:
                if n.text not in sites:
                    self.unknown("site", n.text, n.span, sites)
            for w in (o.in_window, o.not_in_window):
                if w and w.text not in windows:
                    self.unknown("window", w.text, w.span, windows)
            if o.action in ("book", "validate") and o.duration is not None and o.duration.minutes == 0:
                self.err("DR005", o.duration.span, "a booking lasts more than 0 minutes")
            o = o.fallback
        return out if len(self.diags) == before else None

    def rules(self, attrs: Mapping[str, Attribute], practitioners: Mapping[str, Practitioner],
              sites: Mapping[str, Site], windows: Mapping[str, Window]) -> tuple[Rule, ...]:
        out: list[Rule] = []
        seen: dict[str, Span] = {}
        index = 0
        count = 0
        for tier in TIERS[:3]:
            for item in self.seq(self.root.get(tier)):
                count += 1
                if count > MAX_RULES:
                    self.err("DR002", item.span, f"more than {MAX_RULES} rules in one file",
                             "split the practice into several files")
                    return tuple(out)
                if item.kind != "map":
                    continue
                rid = self.s(item, "id")
                idnode = item.get("id")
                if rid is None or idnode is None:
                    continue
                if rid in seen:
                    self.err("DR006", idnode.span, f"duplicate rule id `{rid}` (first at line {seen[rid].line})",
                             "give each rule its own id", (Related(seen[rid], f"first `{rid}` here"),))
                    continue
                seen[rid] = idnode.span
                wnode, tnode = item.get("when"), item.get("then")
                if wnode is None or tnode is None:
                    continue
                cond = self.condition(wnode, attrs)
                outcome = self.outcome(tnode, practitioners, sites, windows)
                overrides = []
                for o in self.seq(item.get("overrides")):
                    if o.kind == "scalar" and o.value is not None:
                        overrides.append(Name(str(o.value), o.span))
                if cond is None or outcome is None:
                    continue
                out.append(Rule(rid, tier, index, cond, outcome, self.s(item, "say"), tuple(overrides),
                                idnode.span, wnode.span, tnode.span))
                index += 1
        # overrides name rules of the same tier
        by_id = {r.id: r for r in out}
        for r in out:
            for ov in r.overrides:
                target = by_id.get(ov.text)
                if target is None:
                    if ov.text not in seen:
                        self.unknown("rule", ov.text, ov.span, [x.id for x in out if x.tier == r.tier])
                elif target.tier != r.tier:
                    self.err("DR004", ov.span, f"`{r.id}` overrides `{ov.text}`, which is in `{target.tier}`, "
                             f"not in `{r.tier}`", "overrides settle rules of the same tier; an earlier tier "
                             "always wins over a later one")
                elif target.id == r.id:
                    self.err("DR004", ov.span, f"`{r.id}` overrides itself")
        dnode = self.root.get("default")
        if dnode is not None and dnode.kind == "scalar" and dnode.value is not None:
            outcome = self.outcome(dnode, practitioners, sites, windows)
            if outcome is not None:
                key = self.root.keys["default"]
                out.append(Rule("default", "default", index, Always(dnode.span), outcome, None, (),
                                key.span, key.span, dnode.span))
        return tuple(out)

    def reserved_list(self, attrs: Mapping[str, Attribute], windows: Mapping[str, Window],
                      practitioners: Mapping[str, Practitioner]) -> Iterator[Reserved]:
        seen: dict[str, Span] = {}
        for item in self.seq(self.root.get("reserved")):
            rid = self.s(item, "id")
            if rid is None or item.kind != "map":
                continue
            if not self.fresh_id(rid, item, seen, "reserved or protected window"):
                continue
            win = self.window_ref(item.get("window"), windows)
            prs = self.names(item.get("practitioners"), practitioners, "practitioner", f" in `{rid}`")
            fnode = item.get("for")
            cond = self.condition(fnode, attrs) if fnode is not None else None
            release = self.duration(item.get("release"))
            if win is None or cond is None:
                continue
            yield Reserved(rid, win, prs, cond, release, self.s(item, "label"), item.span)
        self._reserved_seen = seen

    def protected_list(self, windows: Mapping[str, Window],
                       practitioners: Mapping[str, Practitioner]) -> Iterator[Protected]:
        seen: dict[str, Span] = getattr(self, "_reserved_seen", {})
        for item in self.seq(self.root.get("protected")):
            pid = self.s(item, "id")
            if pid is None or item.kind != "map":
                continue
            if not self.fresh_id(pid, item, seen, "reserved or protected window"):
                continue
            win = self.window_ref(item.get("window"), windows)
            prs = self.names(item.get("practitioners"), practitioners, "practitioner", f" in `{pid}`")
            if win is None:
                continue
            yield Protected(pid, win, prs, self.s(item, "label"), item.span)

    def fresh_id(self, rid: str, item: Node, seen: dict[str, Span], what: str) -> bool:
        idnode = item.get("id")
        assert idnode is not None
        if rid in seen:
            self.err("DR006", idnode.span, f"duplicate id `{rid}` (first at line {seen[rid].line})",
                     f"each {what} needs its own id", (Related(seen[rid], f"first `{rid}` here"),))
            return False
        seen[rid] = idnode.span
        return True

    def tests(self, attrs: Mapping[str, Attribute]) -> Iterator[TestCase]:
        seen: dict[str, Span] = {}
        for item in self.seq(self.root.get("tests")):
            name = self.s(item, "name")
            nnode = item.get("name")
            if name is None or nnode is None:
                continue
            if name in seen:
                self.err("DR006", nnode.span, f"duplicate test name `{name}` (first at line {seen[name].line})",
                         "give each test its own name", (Related(seen[name], "first here"),))
                continue
            seen[name] = nnode.span
            req = item.get("request")
            exp = item.get("expect")
            if req is None or exp is None or req.kind != "map" or exp.kind != "map":
                continue
            from .loader import Node
            from .request import RequestError, build_request

            try:
                build_request(attrs, req.to_python(), self.s(item, "at"), zone=None)
            except RequestError as e:
                target = req.value.get(e.key) if e.key else None
                span = target.span if isinstance(target, Node) else req.span
                code = "DR004" if e.unknown else "DR005"
                self.err(code, span, e.message, e.hint)
                continue
            yield TestCase(name, req.to_python(), self.s(item, "at"), exp.to_python(), item.span, item)


_OPS: dict[str, tuple[str, ...]] = {
    "enum": ("is", "is not", "in", "not in"),
    "int": ("is", "is not", "in", "not in", "range", "not range", "<", "<=", ">", ">="),
    "date": ("is", "is not", "in", "not in", "range", "not range", "<", "<=", ">", ">="),
    "time": ("range", "not range", "<", "<=", ">", ">="),
    "bool": ("true", "is", "is not"),
    "set": ("has", "has any", "has all", "has none"),
}


def _op_word(op: str) -> str:
    return {"range": "in a..b", "not range": "not in a..b", "true": "(alone, as yes/no)"}.get(op, op)


def _op_hint(a: Attribute) -> str:
    if a.kind == "enum":
        return f"write `{a.name} is VALUE` or `{a.name} in {{A, B}}`"
    if a.kind == "set":
        return f"write `{a.name} has VALUE` or `{a.name} has any {{A, B}}`"
    if a.kind == "bool":
        return f"write `{a.name}` or `not {a.name}`"
    if a.kind == "time":
        return f"write `{a.name} < 12:00` or `{a.name} in 08:00..12:00`"
    return f"write `{a.name} < 18` or `{a.name} in 0..17`" if a.kind == "int" else f"compare `{a.name}` with <, >, in"


def build(root: Node, file: str) -> tuple[Practice | None, list[Diagnostic]]:
    from .parse import reuse

    b = _Builder(root, file)
    try:
        with reuse():  # each distinct expression text of the file parsed once
            practice = b.build()
    except ExprError as e:  # an expression error raised outside a known node: report at the file start
        b.err(e.code, Span(file, 1, 1), e.message, e.hint)
        practice = None
    return practice, b.diags
