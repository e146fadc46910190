"""The ``match()`` entry point: candidates, components, exact solve, reasons."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from core.threads import Beside

from . import certificate, kernels, solver
from .candidates import Candidates, build_candidates, unpaired_reasons
from .records import PRIORITIES, ChildIn, Proposal, VolunteerIn
from .solver import Component, certify, solve_component, split_components

ProgressCallback = Callable[[str, float], None]

# While solving, progress is reported whenever this share of all candidate
# pairs has been processed, so thousands of tiny components cost few calls.
_PROGRESS_STEP = 0.01


@dataclass(slots=True)
class MatchResult:
    """Outcome of one run: proposed pairs, a reason per unpaired child, statistics."""

    proposals: list[Proposal]
    unpaired: dict[int, str]
    stats: dict = field(default_factory=dict)


def match(
    children: Sequence[ChildIn],
    volunteers: Sequence[VolunteerIn],
    rejected: Iterable[tuple[int, int]] = frozenset(),
    progress: ProgressCallback | None = None,
    max_pairs: int | None = None,
) -> MatchResult:
    """Propose the lexicographically optimal pairing (urgent, high, normal, quality).

    Within each priority, children marked ``repair`` (waiting to be paired again) are
    favoured; see ``records.TIERS`` for why this never lowers any priority's count.

    ``progress(phase, fraction)`` is called with phases "candidates",
    "solving" and "done"; fraction runs from 0.0 to 1.0 within a phase.  More than
    ``max_pairs`` candidate pairs raise ``TooManyCandidates`` before they are held.
    """
    report = progress or (lambda phase, fraction: None)

    report("candidates", 0.0)
    started = time.perf_counter()
    cands = build_candidates(children, volunteers, rejected, max_pairs=max_pairs)
    components = split_components(cands, release=True)
    candidates_seconds = time.perf_counter() - started
    report("candidates", 1.0)
    result = solve(cands, components, report)
    result.stats["seconds"] = {"candidates": round(candidates_seconds, 3),
                               **result.stats["seconds"]}
    return result


def solve(cands: Candidates, components: Sequence[Component],
          progress: ProgressCallback | None = None,
          certify_later: list | None = None) -> MatchResult:
    """Solve the components of ``cands`` (all of them, or some: see
    ``services.matching.parts``) and give every other child of ``cands`` its reason.

    Each pairing is proven optimal by its certificate before ``solve`` returns, unless
    ``certify_later`` (a list) is given: then the components and their pairings are added
    to it, for a ``Certification`` the caller starts and waits for before it commits."""
    report = progress or (lambda phase, fraction: None)
    report("solving", 0.0)
    started = time.perf_counter()
    total_edges = max(sum(comp.n_edges for comp in components), 1)
    done = since_report = 0
    proposals: list[Proposal] = []
    # Time spent proving the pairings optimal (part of "solving").
    certifying = ({"certifying": 0.0} if certificate.enabled() and certify_later is None
                  else {})
    for comp in components:
        proposals.extend(solve_component(comp, certifying, certify_later))
        done += comp.n_edges
        since_report += comp.n_edges
        if since_report >= _PROGRESS_STEP * total_edges:
            report("solving", done / total_edges)
            since_report = 0
    solving_seconds = time.perf_counter() - started
    report("solving", 1.0)

    tier = {p: i for i, p in enumerate(PRIORITIES)}
    proposals.sort(key=lambda p: (tier[p.priority], p.child_id))
    unpaired = unpaired_reasons(cands, (p.child_id for p in proposals))
    stats = {
        "children": len(cands.child_ids),
        "volunteers": len(cands.volunteer_ids),
        "candidates": len(cands),
        "components": len(components),
        "proposed": len(proposals),
        "proposed_by_priority": {p: sum(x.priority == p for x in proposals) for p in PRIORITIES},
        "proposed_repair": sum(p.repair for p in proposals),
        "unpaired": len(unpaired),
        "seconds": {"solving": round(solving_seconds, 3),
                    **{k: round(v, 3) for k, v in certifying.items()}},
    }
    report("done", 1.0)
    return MatchResult(proposals=proposals, unpaired=unpaired, stats=stats)


class Certification(Beside):
    """The optimality certificates of a run's pairings (``solve(..., certify_later=)``),
    checked on a thread of their own while the caller does something else, such as
    writing the proposals in a transaction it has not committed: the certificate's
    compiled kernels release the GIL, so on two cores the check costs no time.

    ``wait`` returns the seconds it took, or raises what the check raised
    (``NotProvenOptimal`` when a pairing is not proven optimal): the caller then rolls
    back, and nothing of the run is kept."""

    def __init__(self, pending: list):
        super().__init__("match-certificate", _certify_all, pending)


def _certify_all(pending: list) -> None:
    for comp, chosen in pending:
        certify(comp, chosen)


def warm_up() -> None:
    """Compile the kernels (``kernels``) on a tiny run, or load them from numba's cache
    (``__pycache__`` or ``NUMBA_CACHE_DIR``), so the first real run does not pay the
    ~5 s compilation; the Docker image calls it at build time.  The optimality
    certificate's kernels are compiled on the same run."""
    children = [ChildIn(i, 23.0, 108.0, frozenset({"a"}), "F", 9, "normal") for i in (1, 2)]
    volunteers = [VolunteerIn(i, 23.0, 108.0, frozenset({"a"}), 1, 5.0) for i in (3, 4, 5)]
    split_components(build_candidates(children, volunteers[:2], compiled=True), compiled=True)
    # Two components.
    far = [VolunteerIn(6, 30.0, 100.0, frozenset({"a"}), 1, 5.0)]
    children.append(ChildIn(7, 30.0, 100.0, frozenset({"a"}), "F", 9, "normal"))
    split_components(build_candidates(children, volunteers[:2] + far, compiled=True),
                     compiled=True)
    # Two children, two places: the certificate's kernels run their every check.
    (comp,) = split_components(build_candidates(children[:2], volunteers[:2], compiled=True),
                               compiled=True)
    chosen = solver._solve_flow(comp)
    # The priced cost stage, which only components with millions of pairs take.
    vol_cap = solver._vol_caps(comp)
    solver._priced_min_cost(comp, solver._plan(comp, vol_cap), vol_cap)
    certificate.check(comp, comp.edge_child[chosen], comp.edge_volunteer[chosen],
                      compiled=True)


_warming = threading.Lock()
_warming_started = False


def warm_up_beside() -> None:
    """Start ``warm_up`` on a thread of its own, once per process, so a process's first
    run loads the kernels while it reads its inputs from the database, not after: on
    Guangxi a ``flask match run`` took about 0.3 s less (numba's first load of its own
    registries and of the kernels, 0.5-0.6 s, overlaps the queries).  numba compiles or
    loads a kernel under one lock, so a run that needs one sooner just waits for it.
    Without numba there is nothing to load."""
    global _warming_started
    if not kernels.available():
        return
    with _warming:
        if _warming_started:
            return
        _warming_started = True
    threading.Thread(target=_warm_up_quietly, name="match-warm-up", daemon=True).start()


def _warm_up_quietly() -> None:
    try:
        warm_up()
    except Exception:  # the run itself loads what it needs and reports its own errors
        logging.getLogger(__name__).warning("loading the matching kernels beside the run "
                                            "failed", exc_info=True)
