"""Synthetic practices of realistic proportions, deterministic by seed: `generate(n_rules, seed)` → YAML.

Proportions (n = rules in triage + exceptions + rules; the `default` comes on top):

- reasons ≈ 1.26·√n (13 for 100 rules, 40 for 1,000, 89 for 5,000), each with a duration, the
  practitioners who handle it, its motif in every diary tool, sometimes a notice, a horizon, a `say`;
- practitioners ≈ ½·√n, between 4 and 40 (5, 16, 35), on 2 diary tools (3 from 10 practitioners),
  at 2 or 3 sites, with hours (some per site), absences, a grid for some;
- 8 declared attributes: `patient` and `urgency`, `insurance`, `language` (enums), `age` (a range),
  `pregnant` and `housebound` (bools), `symptoms` (a set of 8);
- triage ≈ 2 % of the rules: red flags on symptoms (one with an `or`), then per (reason, age band)
  triage of milder symptoms;
- exceptions ≈ 6 %: dated (`call.date in A..B`), for sets of reasons, some narrowed with `overrides`,
  some closures (every reason);
- rules, the rest: per reason a base rule `reason is X` and cells `reason is X and patient is new and
  age in 3..15 …` that override it, on disjoint values of 1–4 attributes;
- a default, named windows, reserved windows (with `for` and `release`) and a protected window.

The rules are built so that the file lints almost clean (no conflicts, no gaps: a practice that CI
accepts), which is the case the linter's speed matters for. `sample_requests` draws complete
requests (every attribute given) with realistic frequencies.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

__all__ = ["Proportions", "generate", "proportions", "sample_requests"]

FIRST_DAY = date(2027, 1, 4)  # dated exceptions and absences lie in 2027–2028
SPAN_DAYS = 730

REASON_NAMES = [
    "consultation", "renewal", "first-visit", "certificate", "vaccination", "smear", "ecg", "dressing",
    "injection", "blood-test", "follow-up", "pediatric", "prenatal", "postnatal", "contraception",
    "sports-certificate", "diabetes-review", "hypertension-review", "asthma-review", "mental-health",
    "home-visit", "teleconsultation", "suture-removal", "wart-removal", "travel-advice", "allergy",
    "back-pain", "physio-session", "physio-assessment", "nurse-visit", "wound-care", "stitches",
    "ear-wash", "spirometry", "smoking-cessation", "nutrition", "elderly-review", "infant-check",
    "school-certificate", "work-certificate", "dermatology", "minor-surgery", "iud-fitting",
    "pregnancy-test", "ultrasound", "vision-check", "hearing-check", "memory-clinic",
]
SYMPTOMS = ["chest_pain", "breathlessness", "stroke_signs", "bleeding", "high_fever", "rash", "vomiting",
            "confusion"]
RED = ["chest_pain", "stroke_signs", "bleeding"]
MILD = ["high_fever", "rash", "vomiting", "confusion"]
ROLES = ["gp", "gp", "gp", "nurse", "midwife", "physio", "pediatrician"]
SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
            "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
            "Vincent", "Fournier", "Morel", "Girard", "Andre", "Mercier", "Dupont", "Lambert", "Bonnet",
            "Francois", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guerin", "Muller",
            "Henry", "Roussel", "Nicolas", "Perrin"]
HOURS = [
    "Mo-Fr 08:30-12:30,14:00-19:00",
    "Mo,Tu,Th,Fr 09:00-13:00,15:00-19:00; We 09:00-12:00",
    "Mo-Th 08:00-12:00,13:30-18:00; Fr 08:00-12:00",
    "Tu-Sa 09:00-12:30,14:00-18:00",
    "Mo-Fr 08:00-18:00; PH off",
    "Mo,We,Fr 08:30-12:30,13:30-17:30",
]
TOOLS = ["doctolib", "maiia", "keldoc"]
SITES = [("centre", "Centre"), ("annexe", "Annexe"), ("gare", "Antenne de la gare")]

# Cells of the per-reason grid: attribute → the disjoint tests it can split on.
AGE_BANDS = [
    ["age <= 2", "age in 3..15", "age in 16..64", "age >= 65"],
    ["age < 18", "age in 18..74", "age >= 75"],
    ["age < 16", "age >= 16"],
]
SPLITS: dict[str, list[list[str]]] = {
    "patient": [["patient is new", "patient is known"]],
    "age": AGE_BANDS,
    "urgency": [["urgency is routine", "urgency is soon", "urgency is urgent"],
                ["urgency in {routine, soon}", "urgency is urgent"]],
    "insurance": [["insurance is standard", "insurance is cmu", "insurance is ame", "insurance is private"],
                  ["insurance in {standard, private}", "insurance in {cmu, ame}"]],
    "language": [["language is fr", "language in {en, es}", "language in {ar, de}"]],
    "pregnant": [["pregnant", "pregnant is no"]],
    "housebound": [["housebound", "not housebound"]],
}


@dataclass(frozen=True)
class Proportions:
    rules: int
    reasons: int
    practitioners: int
    diaries: int
    sites: int
    triage: int
    exceptions: int
    grid: int  # tier `rules`

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


def proportions(n_rules: int, practitioners: int | None = None) -> Proportions:
    if n_rules < 20:
        raise ValueError("the generator makes files of 20 rules or more")
    reasons = min(max(6, round(1.26 * math.sqrt(n_rules))), 4 * len(REASON_NAMES))
    if practitioners is None:
        practitioners = min(max(4, round(0.5 * math.sqrt(n_rules))), 40)
    diaries = 2 if practitioners < 10 else 3
    sites = 2 if practitioners < 10 else 3
    triage = max(3, round(0.02 * n_rules))
    exceptions = max(3, round(0.06 * n_rules))
    grid = n_rules - triage - exceptions
    return Proportions(n_rules, reasons, practitioners, diaries, sites, triage, exceptions, grid)


def quote(s: str) -> str:
    """A YAML single-quoted scalar (DSL strings carry double quotes of their own)."""
    return "'" + s.replace("'", "''") + "'"


@dataclass
class _Rule:
    id: str
    when: str
    then: str
    overrides: list[str] = field(default_factory=list)
    say: str | None = None


@dataclass
class _Gen:
    n: int
    seed: int
    n_practitioners: int | None = None
    rng: random.Random = field(init=False)
    p: Proportions = field(init=False)
    practitioners: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    handled_by: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"diaryrules-bench/{self.n}/{self.seed}")
        self.p = proportions(self.n, self.n_practitioners)

    # -- sections ---------------------------------------------------------------------------
    def header(self) -> list[str]:
        p = self.p
        out = [
            f"# Synthetic practice for the benchmarks: {p.rules} rules, seed {self.seed}. Generated by",
            "# benchmarks/generate.py — do not edit by hand.",
            "diaryrules: 1",
            "",
            "practice:",
            f"  name: {quote(f'Maison de santé synthétique {p.rules}')}",
            "  timezone: Europe/Paris",
            "  holidays: FR",
            "  closed-on-holidays: true",
            "  grid: 5min",
            "  sites:",
        ]
        for sid, label in SITES[: p.sites]:
            out.append(f"    {sid}: {{name: {quote(label)}}}")
        out += ["", "diaries:"]
        out += [f"  {t}: {{tool: {t}}}" for t in TOOLS[: p.diaries]]
        return out

    def practitioner_section(self) -> list[str]:
        rng, p = self.rng, self.p
        out = ["", "practitioners:"]
        sites = [s for s, _ in SITES[: p.sites]]
        for k in range(p.practitioners):
            pid = f"p{k + 1:02d}"
            self.practitioners.append(pid)
            name = "Dr " + SURNAMES[k % len(SURNAMES)] + ("" if k < len(SURNAMES) else " II")
            out += [f"  {pid}:",
                    f"    name: {quote(name)}",
                    f"    role: {rng.choice(ROLES)}",
                    f"    diary: {TOOLS[k % p.diaries]}"]
            if rng.random() < 0.35:
                main, other = rng.sample(sites, 2)
                out += ["    hours:", f"      {main}: {quote(rng.choice(HOURS))}",
                        f"      {other}: {quote('Sa 09:00-12:00')}"]
            else:
                out.append(f"    hours: {quote(rng.choice(HOURS))}")
            if rng.random() < 0.2:
                out.append("    grid: 15min")
            n_abs = rng.choice([0, 1, 1, 2])
            if n_abs:
                out.append("    absences:")
                for _ in range(n_abs):
                    start = FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS - 20))
                    if rng.random() < 0.7:
                        end = start + timedelta(days=rng.randrange(1, 14))
                        out.append(f"      - {start.isoformat()}..{end.isoformat()}")
                    else:
                        out.append(f"      - {start.isoformat()} 14:00..{start.isoformat()} 18:00")
        return out

    def attribute_section(self) -> list[str]:
        return [
            "",
            "attributes:",
            "  patient: {values: [new, known], question: 'Êtes-vous déjà patient du cabinet ?'}",
            "  age: {range: 0..120, question: 'Quel âge a le patient ?'}",
            "  pregnant: {type: bool, question: 'La patiente est-elle enceinte ?'}",
            f"  symptoms: {{set: [{', '.join(SYMPTOMS)}], question: 'A-t-il l''un de ces signes ?'}}",
            "  urgency: {values: [routine, soon, urgent]}",
            "  insurance: {values: [standard, cmu, ame, private]}",
            "  language: {values: [fr, en, es, ar, de]}",
            "  housebound: {type: bool, question: 'Le patient peut-il se déplacer ?'}",
        ]

    def reason_section(self) -> list[str]:
        rng, p = self.rng, self.p
        out = ["", "reasons:"]
        for k in range(p.reasons):
            base = REASON_NAMES[k % len(REASON_NAMES)]
            rid = base if k < len(REASON_NAMES) else f"{base}-{k // len(REASON_NAMES) + 1}"
            self.reasons.append(rid)
            n_prs = min(len(self.practitioners), rng.choice([2, 3, 3, 4, 6]))
            prs = sorted(rng.sample(self.practitioners, n_prs))
            everyone = k == 0 or rng.random() < 0.2  # the first reason (consultation): everyone
            self.handled_by[rid] = list(self.practitioners) if everyone else prs
            out += [f"  {rid}:", f"    label: {quote(rid.replace('-', ' ').capitalize())}"]
            minutes = rng.choice([10, 15, 15, 20, 20, 30, 45])
            if rng.random() < 0.15:
                other = rng.choice(self.handled_by[rid])
                out.append(f"    duration: {{default: {minutes}min, {other}: {minutes + 10}min}}")
            else:
                out.append(f"    duration: {minutes}min")
            if not everyone:
                out.append(f"    practitioners: [{', '.join(prs)}]")
            if rng.random() < 0.1:
                out.append("    mode: video" if rng.random() < 0.5 else "    mode: home")
            tools = sorted({TOOLS[self.practitioners.index(x) % p.diaries] for x in self.handled_by[rid]})
            label = rid.replace("-", " ").capitalize()
            motifs = ", ".join(f"{t}: {quote(f'{label} ({t})')}" for t in tools)
            out.append(f"    motifs: {{{motifs}}}")
            if rng.random() < 0.25:
                out.append(f"    notice: {rng.choice(['1h', '2h', '1d'])}")
            if k and rng.random() < 0.25:
                out.append(f"    horizon: {rng.choice(['14d', '30d', '60d'])}")
            if rng.random() < 0.2:
                out.append(f"    say: {quote('Pensez à apporter votre carte Vitale.')}")
        return out

    def windows_section(self) -> list[str]:
        prs = self.practitioners
        return [
            "",
            "windows:",
            "  emergencies: 'Mo-Fr 11:30-12:30'",
            "  children: 'We 14:00-17:00'",
            "  late: 'Mo-Fr 18:00-19:00'",
            "  fortnight: {hours: 'Th 14:00-16:00', every: 2w, from: 2027-01-07}",
            "",
            "reserved:",
            "  - id: same-day",
            "    window: emergencies",
            f"    practitioners: [{', '.join(prs[: max(2, len(prs) // 2)])}]",
            "    for: urgency is urgent",
            "    release: 2h",
            "  - id: kids",
            "    window: children",
            "    for: age < 16",
            "  - id: known-late",
            "    window: late",
            f"    practitioners: [{', '.join(prs[:2])}]",
            "    for: patient is known and not housebound",
            "    release: 1h",
            "  - id: prenatal-slots",
            "    window: fortnight",
            "    for: pregnant",
            "",
            "protected:",
            "  - id: paperwork",
            "    window: 'Fr 17:00-19:00'",
            f"    practitioners: [{prs[0]}]",
        ]

    # -- outcomes -----------------------------------------------------------------------------
    def outcome(self, reason: str, avoid: str | None = None) -> str:
        rng = self.rng
        prs = self.handled_by[reason]
        d = rng.choice(["1d", "2d", "3d", "7d", "14d", "21d"])
        choices = [
            f"book within {d}",
            f"book within {d}",
            f"book with {rng.choice(prs)} within {d}",
            f"book with {', '.join(sorted(rng.sample(prs, min(2, len(prs)))))} within {d}",
            f"validate by {rng.choice(prs)}",
            'callback within 1h "Le médecin vous rappelle."',
            'callback within 4h "Un membre de l\'équipe vous rappelle."',
            'refuse "Ce motif n\'est pas pris en charge pour cette demande."',
            'redirect teleconsultation "Une téléconsultation vous sera proposée."',
            'book within 1d else callback within 1h "Le médecin vous rappelle."',
            f"book with {rng.choice(prs)} within 2d else book within 7d",
            f"book within {d} duration 30min",
            'transfer "Je vous passe le secrétariat."',
        ]
        while True:
            o = rng.choice(choices)
            if o != avoid:
                return o

    # -- tiers ----------------------------------------------------------------------------------
    def triage(self) -> list[_Rule]:
        rng = self.rng
        red_none = "{" + ", ".join([*RED, "breathlessness"]) + "}"
        rules = [
            _Rule("red-flags", f"symptoms has any {{{', '.join(RED)}}}",
                  'redirect emergency "Raccrochez et appelez le 15."', overrides=["breathing"]),
            _Rule("breathing", "symptoms has breathlessness and (age >= 65 or pregnant or housebound)",
                  'redirect emergency "Détresse respiratoire : appelez le 15."'),
        ]
        bands = AGE_BANDS[0]
        keys = [(r, b) for r in self.reasons for b in range(len(bands))]
        rng.shuffle(keys)
        for k in range(self.p.triage - len(rules)):
            reason, b = keys[k % len(keys)]
            mild = sorted(rng.sample(MILD, rng.choice([1, 2])))
            when = (f"symptoms has any {{{', '.join(mild)}}} and symptoms has none {red_none} "
                    f"and reason is {reason} and {bands[b]}")
            then = rng.choice(['callback within 1h "Un médecin vous rappelle."',
                               'book within 1d else callback within 1h "Le médecin vous rappelle."',
                               'redirect teleconsultation "Téléconsultation dans l\'heure."'])
            rules.append(_Rule(f"triage-{k + 1:03d}", when, then))
        return rules

    def exceptions(self) -> list[_Rule]:
        rng = self.rng
        n = self.p.exceptions
        periods = max(1, math.ceil(n / 1.9))
        step = max(3, SPAN_DAYS // periods)
        rules: list[_Rule] = []
        k = 0
        i = -1
        while len(rules) < n:
            i += 1
            start = FIRST_DAY + timedelta(days=i * step)
            end = start + timedelta(days=rng.randrange(1, max(2, min(step - 1, 14))))
            when_date = f"call.date in {start.isoformat()}..{end.isoformat()}"
            if rng.random() < 0.1:
                k += 1
                closed = 'transfer "Le cabinet est fermé ce jour-là."'
                rules.append(_Rule(f"closure-{k:03d}", when_date, closed, say="Fermeture exceptionnelle."))
                continue
            cover = rng.choice(self.practitioners)
            mine = [r for r in self.reasons if cover in self.handled_by[r]] or self.reasons[:2]
            picked = sorted(rng.sample(mine, min(len(mine), rng.choice([1, 2, 3]))))
            k += 1
            first_id = f"cover-{k:03d}"
            reasons = f"reason is {picked[0]}" if len(picked) == 1 else f"reason in {{{', '.join(picked)}}}"
            rules.append(_Rule(first_id, f"{when_date} and {reasons}", f"book with {cover} within 2d",
                               say="Remplacement pendant l'absence du médecin habituel."))
            if len(rules) >= n:
                break
            k += 1
            if rng.random() < 0.5:
                narrow = rng.choice(picked)
                rules.append(_Rule(f"cover-{k:03d}", f"{when_date} and reason is {narrow} and patient is new",
                                   'refuse "Pas de nouveau patient pendant le remplacement."',
                                   overrides=[first_id]))
            else:
                rest = [r for r in self.reasons if r not in picked]
                reason = rng.choice(rest)
                rules.append(_Rule(f"cover-{k:03d}", f"{when_date} and reason is {reason}",
                                   'callback within 4h "Le secrétariat vous rappelle pour le rendez-vous."'))
        return rules

    def grid(self) -> list[_Rule]:
        rng = self.rng
        per, extra = divmod(self.p.grid, len(self.reasons))
        rules: list[_Rule] = []
        for k, reason in enumerate(self.reasons):
            count = per + (1 if k < extra else 0)
            # the first reason books with anyone over its whole horizon (90 days): the slot search's case
            base_then = "book" if k == 0 else self.outcome(reason)
            base = _Rule(reason, f"reason is {reason}", base_then)
            rules.append(base)
            cells_needed = count - 1
            if cells_needed <= 0:
                continue
            names = list(SPLITS)
            rng.shuffle(names)
            axes: list[list[str]] = []
            size = 1
            for name in names:
                if size > cells_needed:
                    break
                axis = rng.choice(SPLITS[name])
                axes.append(axis)
                size *= len(axis)
            # every cell but one at least, so that the base rule still decides somewhere
            cells = _product_sample(rng, axes, min(cells_needed, size - 1))
            for j, cell in enumerate(cells):
                rules.append(_Rule(f"{reason}--{j + 1:02d}", " and ".join([f"reason is {reason}", *cell]),
                                   self.outcome(reason, avoid=base_then), overrides=[reason],
                                   say="Prévoir le carnet de santé." if rng.random() < 0.05 else None))
            # a file with fewer cells than planned (tiny axes) tops up with base rules of its own
            for j in range(cells_needed - len(cells)):
                rules.append(_Rule(f"{reason}--x{j + 1:02d}", f"reason is {reason} and call.time >= 18:00",
                                   'callback within 1h "Le médecin vous rappelle."', overrides=[reason]))
        return rules


def _product_sample(rng: random.Random, axes: list[list[str]], k: int) -> list[list[str]]:
    size = 1
    for a in axes:
        size *= len(a)
    picked = sorted(rng.sample(range(size), k))
    out = []
    for idx in picked:
        cell = []
        for a in reversed(axes):
            idx, r = divmod(idx, len(a))
            cell.append(a[r])
        out.append(list(reversed(cell)))
    return out


def _rules_yaml(tier: str, rules: list[_Rule]) -> list[str]:
    out = ["", f"{tier}:"]
    for r in rules:
        out += [f"  - id: {r.id}", f"    when: {quote(r.when)}", f"    then: {quote(r.then)}"]
        if r.say:
            out.append(f"    say: {quote(r.say)}")
        if r.overrides:
            out.append(f"    overrides: [{', '.join(r.overrides)}]")
    return out


def generate(n_rules: int, seed: int = 0, practitioners: int | None = None) -> str:
    """The YAML text of a synthetic practice with `n_rules` rules (the default not counted); the
    number of practitioners follows from `n_rules` unless given."""
    g = _Gen(n_rules, seed, practitioners)
    lines = g.header() + g.practitioner_section() + g.attribute_section() + g.reason_section()
    lines += g.windows_section()
    triage, exceptions, grid = g.triage(), g.exceptions(), g.grid()
    assert len(triage) + len(exceptions) + len(grid) == n_rules, (len(triage), len(exceptions), len(grid))
    lines += _rules_yaml("triage", triage) + _rules_yaml("exceptions", exceptions)
    lines += _rules_yaml("rules", grid)
    default = quote('transfer "Je vous passe le cabinet."')
    lines += ["", f"default: {default}", "", "lint:", "  DR303: off", ""]
    return "\n".join(lines)


# -- requests -------------------------------------------------------------------------------------

def sample_requests(practice: Any, n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` complete requests (every declared attribute given, and `at`) as `query --request` takes
    them, with realistic frequencies: mostly no symptoms, mostly routine, seldom a named practitioner."""
    rng = random.Random(f"diaryrules-bench-requests/{seed}")
    attrs = [a for a in practice.attributes.values() if not a.builtin]
    reasons = list(practice.reasons)
    prs = list(practice.practitioners)
    out: list[dict[str, Any]] = []
    for _ in range(n):
        req: dict[str, Any] = {"reason": rng.choice(reasons)}
        for a in attrs:
            if a.kind == "enum":
                weights = [7, 2, 1] if a.name == "urgency" else None
                req[a.name] = rng.choices(list(a.values), weights=weights)[0]
            elif a.kind == "int":
                req[a.name] = rng.choice([rng.randint(a.lo, min(a.hi, 15)), rng.randint(a.lo, min(a.hi, 95))])
            elif a.kind == "bool":
                req[a.name] = rng.random() < 0.08
            elif a.kind == "set":
                some = sorted(rng.sample(list(a.values), rng.choice([1, 2])))
                req[a.name] = [] if rng.random() < 0.85 else some
        if rng.random() < 0.15:
            req["practitioner"] = rng.choice(prs)
        day = FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS))
        minute = rng.randrange(8 * 60, 19 * 60, 5)
        req["at"] = f"{day.isoformat()}T{minute // 60:02d}:{minute % 60:02d}"
        out.append(req)
    return out
