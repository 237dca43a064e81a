"""The scenario suite: every scenario through every pattern, graded by the calendar's end state.

Grading follows tau-bench, and counts only what the pattern did itself. Each run's `outcome` is:

- `pass`: the calendar ends up with exactly the bookings the scenario expects — nothing missing,
  nothing extra, nobody else's name — and every reply is the pattern's own, the last one stating
  what it must (and never a booking for someone it is not for);
- `rescued`: the right end state, but the pattern did not get there alone: a reply came from a
  loop's cap or an error path, or one of the playground's safeguards acted (`safeguards.py`);
- `fail`: anything else; `harmed` when the calendar changed wrongly (a booking not asked for).

With K runs per scenario, `pass_k` is the share of scenarios that passed in all K (pass^k);
`success` is the share of all runs that passed; `rescued` sits beside them. The offline model is
deterministic, so offline pass^k equals the one-run pass rate; the report says so. Every record
carries the commit it ran at and its safeguards setting.

Faults probe the patterns the way AgentDojo does, injected the same way into every pattern: on the
calendar's side (stored in the calendar, so a Lambda meets them like a pattern's own code does) or
on the offline model's side (a setting the Lambdas receive too). Each fault run is judged
`recovered` (the scenario still passed), `contained` (nothing wrong booked, and the user was told),
or `harmed` (a booking that should not exist).

Here: `grading.py` (how one run is graded: `Outcome`, `grade`, pass, rescued or fail, the verdict and
the blame), `faults.py` (`Fault` and `FAULTS`, the faults and where each is injected) and `suite.py`
(`Runner`, `RunLog`, `run_suite` and `evaluate`: the suite, its results file and its report).
`faults.py` may import `calendar` and `vendors`; `grading.py` `calendar`, `observe`, `runs`,
`scenarios` and `faults.py`; `suite.py` everything below it in the house (and the other two). Callers
import from here.
"""

from __future__ import annotations

from .faults import FAULTS, INJECTION, Fault
from .grading import VENDOR_ERRORS, Blame, Outcome, Result, Verdict, grade
from .suite import Progress, RunLog, Runner, ServerGone, Suite, evaluate, pattern_names, run_suite

__all__ = ["FAULTS", "INJECTION", "VENDOR_ERRORS", "Blame", "Fault", "Outcome", "Progress", "Result", "RunLog",
           "Runner", "ServerGone", "Suite", "Verdict", "evaluate", "grade", "pattern_names", "run_suite"]
