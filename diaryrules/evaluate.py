"""Stage 5 — evaluate: a request → a Decision, by walking the compiled diagram (O(depth)).

Also `ask` (the next question worth putting to the caller: an attribute the request omits
and on which the answer really depends) and `explain` (rule by rule: which matched, which
lost and why). The decision says what to do, with whom, how long, where, what to say and
which motif to pick in each practitioner's diary tool.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from typing import Any

from .compile import (
    CompiledPractice,
    Dim,
    LeafDecision,
    compiled,
    decides_words,
    describe_atoms,
    dim_label,
    native,
    paused_gc,
    step_words,
    value_groups,
)
from .model import Practice, Rule
from .request import Request, build_request
from .syntax import Always, And, Cond, Not, Or, Outcome, Test, format_duration


@dataclass(frozen=True)
class Decision:
    action: str  # book | validate | callback | redirect | refuse | transfer | ask | none
    rule: str | None = None
    tier: str | None = None
    reason: str | None = None
    duration: int | None = None
    durations: Mapping[str, int] = field(default_factory=dict)  # per practitioner where it differs
    practitioners: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    within: int | None = None
    notice: int | None = None
    target: str | None = None
    message: str | None = None
    say: tuple[str, ...] = ()
    motifs: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    ask: Mapping[str, Any] | None = None
    fallback: Decision | None = None
    ambiguous: tuple[str, ...] = ()
    trail: tuple[str, ...] = ()
    outcome: Outcome | None = field(default=None, compare=False, repr=False)
    in_window: str | None = None
    not_in_window: str | None = None
    validator: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.action,
            "rule": self.rule,
            "tier": self.tier,
            "reason": self.reason,
            "duration": format_duration(self.duration) if self.duration is not None else None,
            "practitioners": list(self.practitioners),
            "sites": list(self.sites),
            "within": format_duration(self.within) if self.within is not None else None,
            "notice": format_duration(self.notice) if self.notice is not None else None,
            "target": self.target,
            "message": self.message,
            "say": list(self.say),
            "motifs": {p: dict(m) for p, m in self.motifs.items()},
        }
        if self.durations:
            out["durations"] = {p: format_duration(m) for p, m in sorted(self.durations.items())}
        if self.validator:
            out["by"] = self.validator
        if self.in_window:
            out["in"] = self.in_window
        if self.not_in_window:
            out["not_in"] = self.not_in_window
        if self.ask is not None:
            out["ask"] = dict(self.ask)
        if self.fallback is not None:
            out["else"] = self.fallback.to_json()
        if self.ambiguous:
            out["ambiguous"] = True
            out["tied"] = list(self.ambiguous)
        out["trail"] = list(self.trail)
        return out


def _new_decision(action: str, **given: Any) -> Decision:
    """`Decision(action, **given)` without the frozen dataclass's `__init__`, which sets its 22
    fields one `object.__setattr__` at a time: a third of building an outcome's answer."""
    out: Decision = object.__new__(Decision)
    d = out.__dict__
    d.update(_TEMPLATE)  # every field, in declaration order
    d["action"], d["durations"], d["motifs"] = action, {}, {}
    d.update(given)
    return out


_new_object, _set_field = object.__new__, object.__setattr__
_TEMPLATE: dict[str, Any] = {f.name: None if f.default is MISSING else f.default for f in fields(Decision)}


# -- walking -----------------------------------------------------------------------------------

def _atom(dim: Dim, req: Request) -> int | None:
    name = dim.attr.name
    if name not in req.values:
        return None
    return dim.atom_of(req.values[name])


def _walk_decisions(cp: CompiledPractice, req: Request, trail: list[str]) -> None:
    """The steps of the reduced decision diagram (attributes the answer depends on) that the
    request's known values take."""
    dg = cp.diagram
    levels, children, walkers, values, texts = dg.level, dg.children, cp.walkers, req.values, cp.step_texts
    bottom = dg.bottom
    n = cp.decision_root
    while (level := levels[n]) != bottom:
        name, atom_of = walkers[level]
        v = values.get(name, _MISSING)
        if v is _MISSING:
            return
        a = atom_of(v)
        row = texts.get(n)
        if row is None:  # the words of a step depend only on the node and the branch: made once
            row = texts[n] = step_words(cp.dims[level], children[n])
        trail.append(row[a])
        n = children[n][a]


def _restrict(cp: CompiledPractice, req: Request) -> int:
    """The decision diagram with every known attribute fixed; reduced, so its root tests an
    attribute the answer really depends on (or is a leaf)."""
    dg = cp.diagram
    memo: dict[int, int] = {}

    def go(n: int) -> int:
        hit = memo.get(n)
        if hit is not None:
            return hit
        if dg.is_leaf(n):
            r = n
        else:
            level = dg.level[n]
            a = _atom(cp.dims[level], req)
            if a is not None:
                r = go(dg.children[n][a])
            else:
                r = dg.mk(level, tuple(go(c) for c in dg.children[n]))
        memo[n] = r
        return r

    return go(cp.decision_root)


def _ask_for(cp: CompiledPractice, n: int) -> dict[str, Any]:
    dg = cp.diagram
    dim = cp.dims[dg.level[n]]
    attr = dim.attr
    if attr.kind == "set":
        # every element the answer still depends on, in declaration order
        elems: set[str] = set()
        for m in dg.reachable(n):
            if not dg.is_leaf(m):
                d = cp.dims[dg.level[m]]
                if d.attr.name == attr.name and d.element is not None:
                    elems.add(d.element)
        values = [v for v in attr.values if v in elems]
    elif attr.kind == "enum":
        values = list(dim.labels)
    elif attr.kind == "bool":
        values = ["yes", "no"]
    else:
        values = [describe_atoms(dim, atoms) for atoms, _c in value_groups(dim, dg.children[n])]
    out: dict[str, Any] = {"attribute": attr.name, "values": values}
    if attr.question:
        out["question"] = attr.question
    return out


def decide(practice: Practice, request: Request | Mapping[str, Any], at: str | None = None) -> Decision:
    """The decision for a request (a typed Request, or a mapping as `query --request` takes it)."""
    cp = compiled(practice)
    req = request if isinstance(request, Request) else make_request(practice, request, at)
    values = req.values
    if values.keys() >= cp.attribute_names:
        # complete: one walk of the answer diagram, its trail read off the edges taken (the
        # decision diagram is this diagram with coarser leaves, so its walk follows this one's)
        row = cp.walk
        if row is None:
            if not cp.walk_wanted:
                # a one-off query (the command line) does not make the table (0.1 s on 1,000 rules,
                # 1 s on 5,000): answered from the decision diagram, which the table stands for
                cp.walk_wanted = True
                return _decide_incomplete(cp, req, _matched_key(cp, req))
            row = _walk_table(cp)
        trail: list[str] = []
        step = trail.append
        if native_answer is not None and values.__class__ is dict:
            # the walk and the answer as made with the table, in C: the same steps as below
            row = native_answer(row, values, trail, Decision, _ASKS_IGNORED)
            if row.__class__ is Decision:
                return row  # type: ignore[return-value]
        else:
            while (name := row[0]) is not None:
                a = row[1](values[name])
                if t := row[2][a]:
                    step(t)
                row = row[5 + a]
        _leaf, ld, decides, ambiguous, ready, asks = row
        reason = values.get("reason")
        fields = ready.get(reason)
        if fields is not None:  # the leaf's answer for this reason, made with the table
            asked, site = values.get("practitioner", "none"), values.get("site", "none")
            if asks is _ASKS_IGNORED or (asked == "none" and site == "none"):
                step(decides)
                d = fields.copy()  # a copy of a dict is one block copy; filling an empty one is not
                d["trail"] = tuple(trail)
                out: Decision = _new_object(Decision)
                _set_field(out, "__dict__", d)  # a frozen dataclass: without its __setattr__
                return out
            if asks is not None:
                table, o, parts = asks
                if parts is None:
                    step(decides)
                    return _asked(cp.practice, fields, table, o, trail, reason, asked, site)
                part = parts.get((reason, asked)) if site == "none" else None
                if part is not None:  # a fallback books: what the outcome says, made with the table
                    step(decides)
                    rule = cp.rules[ld.rule]
                    return _for_rule(part, rule, rule.outcome, reason, trail, ambiguous)
        i = ld.rule
        if i is None or decides is None:  # no rule decides: both None
            return _finish(cp, req, ld, trail)
        # what the outcome says depends on what it says (rules often say the same) and, when it
        # books, on three request values: built once for them; `_for_rule` adds the rule's own fields
        said, books = cp.outcome_said[i]
        if books:
            if reason is None:
                return _finish(cp, req, ld, trail)
            pkey: Any = (said, reason, values.get("practitioner"), values.get("site"))
        else:
            pkey = said
        rule = cp.rules[i]
        part = cp.outcome_parts.get(pkey)
        if part is None:
            if len(cp.outcome_parts) > 100_000:  # bounded: a long-running process answers in constant memory
                cp.outcome_parts.clear()
            part = cp.outcome_parts[pkey] = _outcome_part(cp.practice, rule.outcome, req)
        step(decides)
        return _for_rule(part, rule, rule.outcome, reason, trail, ambiguous)
    # some attribute not given: the matched-set walk says whether one that matters was met
    key = _matched_key(cp, req)
    if key is not None:
        hit = cp.answers.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
    decision = _decide_incomplete(cp, req, key)
    if key is not None:
        if len(cp.answers) > 100_000:  # bounded: a long-running process keeps answering in constant memory
            cp.answers.clear()
        cp.answers[key] = decision
    return decision


def _asked(practice: Practice, fields: dict[str, Any], table: dict[tuple[str, str], Any], o: Outcome,
           trail: list[str], reason: Any, asked: str, site: str) -> Decision:
    """A leaf's answer for `reason` (`fields`) for a request that asks for a practitioner or a
    site, when the outcome books: who, where, how long and which motif for what is asked (from
    `table` for a practitioner, worked out for a site)."""
    booked = table.get((reason, asked)) if site == "none" else None
    given, notes = booked if booked is not None else _booked(practice, reason, o, asked, site)
    d = fields.copy()
    d.update(given)
    d["trail"] = (*trail, *notes)
    out: Decision = _new_object(Decision)
    _set_field(out, "__dict__", d)
    return out


native_answer: Callable[..., Any] | None = getattr(native(), "answer", None)  # None: decide walks in Python
_ASKS_IGNORED = object()  # marks a leaf whose answer no practitioner or site asked for changes


def _walk_table(cp: CompiledPractice) -> tuple[Any, ...]:
    """`cp.walk`, made (`_make_walk_table`); acyclic, like a diagram, so made with the cyclic
    collector paused: otherwise the objects it adds can set off a full collection of everything
    the compile made (2.9 s against 0.4 s for the table itself, seen once on 5,000 rules)."""
    with paused_gc():
        cp.walk = _make_walk_table(cp)
    return cp.walk  # type: ignore[no-any-return]


def _make_walk_table(cp: CompiledPractice) -> tuple[Any, ...]:
    """The answer diagram as linked rows for `decide`'s walk, made once from the file. An inner
    row: (attribute read, value → atom, trail words per atom — "" where the answer does not
    depend on the attribute there, its test as data for the walk in C (`walk_tests`: code,
    data), then the child row of each atom). A leaf row: (None, its decision, its
    "decides" words, the ids of the rules tied with the one that decides, per reason that can
    reach it the fields of its answer to a request that asks for no practitioner or site, and
    what a practitioner or site asked for changes: `_ASKS_IGNORED` nothing (the outcome does
    not book); else (per reason and practitioner asked for, who, where, how long and which
    motif; the outcome; None) when the outcome books, or ({}, the outcome, per reason and
    practitioner what the outcome says) when its fallback books too. A site asked for is
    worked out per request.
    Rows hold their children rather than node numbers: a walk then follows pointers through
    a few objects, not a list of tens of thousands, which is what a step costs. Made from the
    file alone: a request adds nothing to it."""
    dg, practice = cp.diagram, cp.practice
    walkers, texts, bottom, dims, levels, children = cp.walkers, cp.edge_texts, dg.bottom, cp.dims, dg.level, dg.children
    tests = cp.walk_tests
    nodes = sorted(dg.reachable(cp.answer_root), reverse=True)  # `mk` makes children first: parents before them
    # which reasons can reach each node: levels come once per path, so every path can be taken
    reasons = tuple(practice.reasons)
    reach = dict.fromkeys(nodes, 0)
    reach[cp.answer_root] = (1 << len(reasons)) - 1
    for n in nodes:
        level = levels[n]
        if level == bottom:
            continue
        m, kids = reach[n], children[n]
        if dims[level].attr.name == "reason":
            atom_of = walkers[level][1]
            for b, r in enumerate(reasons):
                try:
                    k = kids[atom_of(r)]
                except KeyError:  # not a value of the attribute: no request has it
                    continue
                reach[k] |= m & (1 << b)
        else:
            for k in set(kids):
                reach[k] |= m
    made: dict[int, tuple[Any, ...]] = {}
    parts: dict[Any, Decision] = {}
    booked: dict[Any, dict[tuple[str, str], tuple[dict[str, Any], tuple[str, ...]]]] = {}
    said_parts: dict[int, dict[tuple[str, str], Decision]] = {}
    one: dict[tuple[Any, ...], dict[str, Any]] = {}
    first = next(iter(practice.practitioners), None)  # a reason's rows in a table are made all at once
    shared: dict[Any, Any] = {}
    for n in reversed(nodes):
        level = levels[n]
        if level != bottom:
            name, atom_of = walkers[level]
            kids = children[n]
            if dims[level].kind == "enum":
                words = tuple(texts[(n, -1 - a)] for a in range(len(kids)))
            else:
                words = tuple(texts[(n, c)] for c in kids)
            words = shared.setdefault(words, words)  # one object per distinct tuple: fewer to keep in cache
            how, data = tests[level]
            made[n] = (name, atom_of, words, how, data, *(made[k] for k in kids))
            continue
        _tag, i, tied = dg.value[n]
        ld = cp.by_answer[(i, tied)]
        decides = decides_words(cp.rules, ld) if ld.rule is not None else None
        ambiguous = tuple(cp.rules[t].id for t in ld.tied)
        ready: dict[str, dict[str, Any]] = {}
        asks: Any = None
        if ld.rule is not None and decides is not None:
            rule = cp.rules[ld.rule]
            o = rule.outcome
            said, books = cp.outcome_said[ld.rule]
            m = reach[n]
            if not o.books():
                asks = _ASKS_IGNORED
            elif o.action in ("book", "validate") and not (o.fallback and o.fallback.books()):
                # what is asked for changes who, where, how long and which motif: per reason and
                # practitioner, made once for the outcomes that name the same practitioners,
                # sites and duration (`_booked` reads nothing else of them)
                sig = (tuple(x.text for x in o.with_), tuple(x.text for x in o.at),
                       o.duration.minutes if o.duration else None)
                table = booked.setdefault(sig, {})
                for b, r in enumerate(reasons):
                    if m >> b & 1 and (r, first) not in table:
                        for p in practice.practitioners:
                            given, notes = _booked(practice, r, o, p, "none")
                            # one object for equal fields (the key says all they hold): for most
                            # practitioners asked for, only the note that they do not take it differs
                            same = (r, given["practitioners"], given["sites"], given["duration"],
                                    tuple(given["durations"].items()))
                            table[(r, p)] = (one.setdefault(same, given), notes)
                asks = (table, o, None)
            else:
                # a fallback books too: what the outcome says, per reason and practitioner asked for
                # (what `_outcome_part` reads of a request), once for the rules that say the same
                said_table = said_parts.setdefault(said, {})
                for b, r in enumerate(reasons):
                    if m >> b & 1 and (r, first) not in said_table:
                        for p in practice.practitioners:
                            asked = Request({"reason": r, "practitioner": p, "site": "none"}, None, {})
                            said_table[(r, p)] = _outcome_part(practice, o, asked)
                asks = ({}, o, said_table)
            for b, r in enumerate(reasons):
                if not m >> b & 1:
                    continue
                key = (said, r) if books else said
                part = parts.get(key)
                if part is None:
                    plain = Request({"reason": r, "practitioner": "none", "site": "none"}, None, {})
                    part = parts[key] = _outcome_part(practice, rule.outcome, plain)
                if part.trail:  # notes about the request: built per request
                    continue
                ready[r] = dict(_for_rule(part, rule, rule.outcome, r, (), ambiguous).__dict__)
        made[n] = (None, ld, decides, ambiguous, ready, asks)
    return made[cp.answer_root]


def _matched_key(cp: CompiledPractice, req: Request) -> tuple[Any, ...] | None:
    """What the answer to an incomplete request depends on: the leaf of the matched-set diagram,
    the atoms taken and the request values the outcome reads; None when the walk meets an
    attribute the request does not give."""
    dg = cp.diagram
    levels, children, walkers, values = dg.level, dg.children, cp.walkers, req.values
    bottom = dg.bottom
    n = cp.root
    atoms: list[int] = []
    while (level := levels[n]) != bottom:
        name, atom_of = walkers[level]
        v = values.get(name, _MISSING)
        if v is _MISSING:
            return None
        a = atom_of(v)
        atoms.append(a)
        n = children[n][a]
    return (n, tuple(atoms), values.get("reason"), values.get("practitioner"), values.get("site"))


_MISSING = object()


def _decide_incomplete(cp: CompiledPractice, req: Request, key: tuple[Any, ...] | None) -> Decision:
    """`key`: from `_matched_key` (None: an unknown attribute met)."""
    dg = cp.diagram
    trail: list[str] = []
    _walk_decisions(cp, req, trail)  # the trail shows only what the answer depends on
    if key is not None:
        return _finish(cp, req, cp.leaf_decision(dg.value[key[0]]), trail)
    root = _restrict(cp, req)
    if not dg.is_leaf(root):
        ask = _ask_for(cp, root)
        return Decision("ask", ask=ask, reason=req.values.get("reason"),
                        trail=(*trail, f"the answer depends on {ask['attribute']}, which is not given"))
    ld = _decision_from_key(cp, dg.value[root][1])
    missing = sorted({d.attr.name for d in cp.dims if d.attr.name not in req.values})
    trail.append(f"not given: {', '.join(missing)} — the answer is the same whatever the value")
    return _finish(cp, req, ld, trail)


def _decision_from_key(cp: CompiledPractice, key: tuple[int | None, bool]) -> LeafDecision:
    # the tied rules of one of the leaves with this answer: which ones may vary with what is unknown
    return cp.by_key[key]


def make_request(practice: Practice, given: Mapping[str, Any], at: str | None = None) -> Request:
    used = practice.used_attributes
    # the holiday calendars are slow to load: only when a rule asks about holidays
    calendar = practice.calendar if {"call.holiday", "call.school-holiday"} & used else None
    return build_request(practice.attributes, given, at, practice.zone, calendar, used)


def _finish(cp: CompiledPractice, req: Request, ld: LeafDecision, trail: list[str]) -> Decision:
    practice = cp.practice
    if ld.rule is None:
        return Decision("none", reason=req.values.get("reason"),
                        trail=(*trail, "no rule decides this request and there is no default"))
    rule = cp.rules[ld.rule]
    steps = (*trail, decides_words(cp.rules, ld))
    if rule.outcome.action in ("book", "validate") and req.values.get("reason") is None:
        return Decision("ask", rule=rule.id, tier=rule.tier,
                        ask={"attribute": "reason", "values": list(practice.reasons)},
                        trail=(*steps, "booking needs the reason: its duration and motif depend on it"))
    return _with_outcome(cp, req, ld, steps)


def _with_outcome(cp: CompiledPractice, req: Request, ld: LeafDecision, steps: tuple[str, ...]) -> Decision:
    """The decision of rule `ld.rule` for the request, its trail starting with `steps`."""
    assert ld.rule is not None
    rule = cp.rules[ld.rule]
    ambiguous = tuple(cp.rules[i].id for i in ld.tied) if ld.tied else ()
    return _for_rule(_outcome_part(cp.practice, rule.outcome, req), rule, rule.outcome,
                     req.values.get("reason"), steps, ambiguous)


def outcome_decision(practice: Practice, rule: Rule, o: Outcome, req: Request, trail: Sequence[str],
                     ambiguous: tuple[str, ...] = ()) -> Decision:
    """What rule `rule` with outcome `o` decides for the request, after `trail`."""
    return _for_rule(_outcome_part(practice, o, req), rule, o, req.values.get("reason"), trail, ambiguous)


def _for_rule(part: Decision, rule: Rule, o: Outcome, reason_id: Any, trail: Sequence[str],
              ambiguous: tuple[str, ...]) -> Decision:
    """`part` (from `_outcome_part`) as rule `rule` says it: its id, tier, `say` and outcome."""
    out: Decision = object.__new__(Decision)  # `replace` without its __init__: this is per call
    d = out.__dict__
    d.update(part.__dict__)
    d["rule"], d["tier"], d["reason"], d["outcome"] = rule.id, rule.tier, reason_id, o
    if rule.say:
        d["say"] = (rule.say, *part.say)
    d["trail"] = (*trail, *part.trail)
    d["ambiguous"] = ambiguous
    if part.fallback is not None:
        assert o.fallback is not None
        d["fallback"] = _for_rule(part.fallback, rule, o.fallback, reason_id, (), ())
    return out


def _outcome_part(practice: Practice, o: Outcome, req: Request) -> Decision:
    """What outcome `o` says for the request whatever rule gives it (no rule, tier, or the rule's
    own `say`: `_for_rule` adds them); its trail: the outcome's own notes. When `o` does not book,
    it reads nothing from the request."""
    reason_id = req.values.get("reason")
    reason = practice.reasons.get(reason_id) if reason_id else None
    say: tuple[str, ...] = ()
    if reason is not None and reason.say and o.action in ("book", "validate"):
        say = (reason.say,)
    fallback = _outcome_part(practice, o.fallback, req) if o.fallback else None
    if o.action not in ("book", "validate"):
        within = o.within.minutes if o.within else None
        return _new_decision(o.action, target=o.target.text if o.target else None, message=o.message,
                        within=within, say=say, fallback=fallback)
    assert reason is not None
    given, notes = _booked(practice, reason.id, o, req.values.get("practitioner", "none"),
                           req.values.get("site", "none"))
    return _new_decision(
        o.action, **given,
        within=o.within.minutes if o.within else reason.horizon,
        notice=o.notice.minutes if o.notice else reason.notice,
        message=o.message, in_window=o.in_window.text if o.in_window else None,
        not_in_window=o.not_in_window.text if o.not_in_window else None,
        validator=o.by.text if o.by else None, say=say, trail=notes, fallback=fallback)


def _booked(practice: Practice, rid: str, o: Outcome, asked: str, asked_site: str
            ) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Who, where, how long and which motif for booking reason `rid` by outcome `o` (of which it
    reads the practitioners, sites and duration it names) for the practitioner and site the
    request asks for ("none": no preference); and the notes on asks that cannot be met."""
    bk = _booking(practice)
    prs = [n.text for n in o.with_] or list(bk.prs[rid])
    notes: list[str] = []
    if asked != "none":
        if asked in prs:
            prs = [asked]
        else:
            notes.append(f"{asked} was asked for but does not take this request; offered: {', '.join(prs)}")
    sites = [n.text for n in o.at] or bk.sites(rid, prs)
    if asked_site != "none" and asked_site in sites:
        there = [p for p in prs if p in bk.anywhere or asked_site in bk.sites_of[p]]
        if there:
            sites, prs = [asked_site], there
        else:
            notes.append(f"site {asked_site} was asked for but none of {', '.join(prs)} works there")
    elif asked_site != "none":
        notes.append(f"site {asked_site} was asked for but is not offered; offered: {', '.join(sites)}")
    if o.duration:  # the outcome's own, whoever takes it
        duration, durations = o.duration.minutes, {}
    else:
        own = bk.durations[rid]
        each = {p: own[p] for p in prs}
        # one figure when everyone offered takes the same time, else the default and the exceptions
        duration = next(iter(each.values())) if len(set(each.values())) == 1 else practice.reasons[rid].duration
        durations = {p: m for p, m in each.items() if m != duration}
    motif = bk.motifs[rid]
    return ({"duration": duration, "durations": durations, "practitioners": tuple(prs),
             "sites": tuple(sites), "motifs": {p: motif[p] for p in prs}}, tuple(notes))


@dataclass(frozen=True)
class _Booking:
    """What deciding a booking reads of the file, per reason and practitioner: made once per practice."""

    prs: dict[str, tuple[str, ...]]  # reason → who takes it when the rule names nobody
    allowed: dict[str, tuple[str, ...]]  # reason → the sites it may be booked at, in order
    durations: dict[str, dict[str, int]]  # reason → practitioner → minutes
    motifs: dict[str, dict[str, dict[str, str | None]]]  # reason → practitioner → where to book it
    anywhere: frozenset[str]  # practitioners with hours valid at every site
    sites_of: dict[str, frozenset[str]]  # practitioner → the sites their hours name

    def sites(self, reason: str, prs: Sequence[str]) -> list[str]:
        """The reason's sites where one of `prs` works, in the reason's order."""
        allowed = self.allowed[reason]
        if any(p in self.anywhere for p in prs):
            return list(allowed)
        used = set().union(*(self.sites_of[p] for p in prs))
        return [s for s in allowed if s in used]


_BOOKING: dict[int, tuple[Practice, _Booking]] = {}


def _booking(practice: Practice) -> _Booking:
    hit = _BOOKING.get(id(practice))
    if hit is not None and hit[0] is practice:
        return hit[1]
    everyone = tuple(practice.practitioners)
    diaries = practice.diaries
    motifs: dict[str, dict[str, dict[str, str | None]]] = {}
    durations: dict[str, dict[str, int]] = {}
    for rid, reason in practice.reasons.items():
        own = dict(reason.motifs)
        motifs[rid] = {}
        for p, pr in practice.practitioners.items():
            diary = diaries.get(pr.diary)
            motifs[rid][p] = {"diary": pr.diary, "tool": diary.tool if diary else None,
                              "motif": own.get(pr.diary, reason.label or reason.id)}
        minutes = dict(reason.durations)
        durations[rid] = {p: minutes.get(p, reason.duration) for p in everyone}
    bk = _Booking(
        prs={rid: everyone if r.practitioners is None else tuple(r.practitioners)
             for rid, r in practice.reasons.items()},
        allowed={rid: tuple(practice.sites) if r.sites is None else tuple(r.sites)
                 for rid, r in practice.reasons.items()},
        durations=durations, motifs=motifs,
        anywhere=frozenset(p for p, pr in practice.practitioners.items() if any(not h.site for h in pr.hours)),
        sites_of={p: frozenset(h.site for h in pr.hours if h.site) for p, pr in practice.practitioners.items()})
    _BOOKING.clear()  # one practice at a time, as `compiled` keeps
    _BOOKING[id(practice)] = (practice, bk)
    return bk


# -- explain -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleVerdict:
    rule: str
    tier: str
    matched: bool | None  # None: depends on an attribute the request does not give
    status: str  # decides | tied | overridden | shadowed | no match | unknown
    why: str


def explain(practice: Practice, request: Request | Mapping[str, Any], at: str | None = None
            ) -> tuple[Decision, list[RuleVerdict]]:
    req = request if isinstance(request, Request) else make_request(practice, request, at)
    decision = decide(practice, req)
    cp = compiled(practice)
    results = [(r, evaluate_cond(r.cond, practice, req)) for r in cp.rules]
    matched = [i for i, (_r, (ok, _why)) in enumerate(results) if ok is True]
    ld = cp.leaf_decision(sum(1 << i for i in matched))
    deciding_tier = cp.rules[ld.rule].tier if ld.rule is not None else None
    verdicts: list[RuleVerdict] = []
    for i, (r, (ok, why)) in enumerate(results):
        if ok is None:
            status = "unknown"
        elif not ok:
            status = "no match"
        elif i == ld.rule:
            status = "decides"
        elif i in ld.tied:
            status = "tied"
            why = f"{why}; tied with {cp.rules[ld.rule].id if ld.rule is not None else '?'}, which comes first"
        elif r.tier == deciding_tier and i in ld.overridden:
            by = [x.id for x in cp.rules if x.tier == r.tier and any(o.text == r.id for o in x.overrides)
                  and cp.rules.index(x) in matched]
            status = "overridden"
            why = f"{why}; overridden by {', '.join(by)}"
        elif r.tier == deciding_tier:
            status = "same outcome"
            why = f"{why}; same outcome as {cp.rules[ld.rule].id if ld.rule is not None else '?'}"
        else:
            status = "shadowed"
            why = f"{why}; tier {deciding_tier} decided first"
        verdicts.append(RuleVerdict(r.id, r.tier, ok, status, why))
    return decision, verdicts


def evaluate_cond(c: Cond, practice: Practice, req: Request) -> tuple[bool | None, str]:
    """Direct evaluation with a reason: (True/False/None-unknown, the deciding test in words)."""
    if isinstance(c, Always):
        return True, "always"
    if isinstance(c, Test):
        return _eval_test(c, practice, req)
    if isinstance(c, Not):
        ok, why = evaluate_cond(c.item, practice, req)
        return (None if ok is None else not ok), (f"not ({why})" if ok is not None else why)
    if isinstance(c, And):
        unknown: str | None = None
        whys = []
        for item in c.items:
            ok, why = evaluate_cond(item, practice, req)
            if ok is False:
                return False, why
            if ok is None and unknown is None:
                unknown = why
            whys.append(why)
        return (None, unknown) if unknown else (True, " and ".join(whys))
    assert isinstance(c, Or)
    unknown = None
    fails = []
    for item in c.items:
        ok, why = evaluate_cond(item, practice, req)
        if ok is True:
            return True, why
        if ok is None and unknown is None:
            unknown = why
        fails.append(why)
    return (None, unknown) if unknown else (False, " and ".join(fails))


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, frozenset):
        return "{" + ", ".join(sorted(v)) + "}"
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _eval_test(t: Test, practice: Practice, req: Request) -> tuple[bool | None, str]:
    a = practice.attributes[t.attr]
    if t.attr not in req.values:
        return None, f"{t.attr} is not given"
    v = req.values[t.attr]
    vals = [x.py for x in t.values]
    op = t.op
    shown = _show(v) if a.kind != "time" else f"{v // 60:02d}:{v % 60:02d}"
    if a.kind == "set":
        present = [x for x in vals if x in v]
        ok = {"has": len(present) == len(vals), "has all": len(present) == len(vals),
              "has any": bool(present), "has none": not present}[op]
        return ok, f"{t.attr} {shown} {'satisfies' if ok else 'does not satisfy'} `{t}`"
    if op == "true":
        ok = bool(v)
    elif op in ("is", "in"):
        ok = v in vals
    elif op in ("is not", "not in"):
        ok = v not in vals
    elif op in ("range", "not range"):
        lo, hi = vals
        inside = lo <= v < hi if a.kind == "time" else lo <= v <= hi
        ok = inside if op == "range" else not inside
    else:
        ref = vals[0]
        ok = {"<": v < ref, "<=": v <= ref, ">": v > ref, ">=": v >= ref}[op]
    if op == "true":
        return ok, f"{t.attr} is {'yes' if ok else 'no'}"
    word = "is" if ok else "is not"
    rhs = str(t).split(" ", 1)[1] if " " in str(t) else str(t)
    if op in ("is", "is not"):
        return ok, f"{t.attr} {shown} {'matches' if ok else 'does not match'} `{t}`"
    return ok, f"{t.attr} {shown} {word} {rhs}"


def tree_json(practice: Practice) -> dict[str, Any]:
    """The decision diagram as JSON: nodes by id, each testing one attribute."""
    cp = compiled(practice)
    dg = cp.diagram
    nodes: list[dict[str, Any]] = []
    ids: dict[int, int] = {}
    order = sorted(dg.reachable(cp.decision_root))
    for k, n in enumerate(order):
        ids[n] = k
    for n in order:
        if dg.is_leaf(n):
            ld = cp.by_key[dg.value[n][1]]
            rule, tied = ld.rule, ld.tied
            nodes.append({"id": ids[n], "decision": cp.rules[rule].id if rule is not None else None,
                          "outcome": str(cp.rules[rule].outcome) if rule is not None else "none (gap)",
                          **({"ambiguous": True} if tied else {})})
        else:
            dim = cp.dims[dg.level[n]]
            branches = [{"values": describe_atoms(dim, atoms), "next": ids[c]}
                        for atoms, c in value_groups(dim, dg.children[n])]
            nodes.append({"id": ids[n], "test": dim_label(dim), "branches": branches})
    return {"root": ids[cp.decision_root], "nodes": nodes,
            "stats": {"rules": len(cp.rules), "dimensions": len(cp.dims),
                      "decision_nodes": len(order), "diagram_nodes": cp.node_count}}
