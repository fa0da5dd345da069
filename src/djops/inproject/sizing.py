"""How many rows the next batch deletes: as many as fit the time budget,
judged from what the last batch cost.

A fixed batch pays a commit, a flush and round trips per batch however
quick the batch is; a batch sized to the budget pays them a few times per
run instead. The first batch is small (a cold cache, a slow disk: nothing is
known yet); each next one is sized so that, at the rate just measured, it
takes AIM of the budget, growing at most GROWTH times per step (a batch's
cost is not quite linear in its rows) and never past the configured
upper bound. A batch over the budget shrinks the next one at once; a lock
or statement timeout halves it.
"""

BUDGET = 0.25  # seconds a transaction may hold a writer up
AIM = 0.8  # of the budget: one batch slower than the last stays within it
START = 1000
MIN_BATCH = 100
GROWTH = 4


class Sizer:
    """The next batch's size, from the last batch's rows and seconds."""

    def __init__(self, upper: int, budget: float = BUDGET, start: int = START) -> None:
        self.upper, self.budget = upper, budget
        self.size = max(1, min(upper, start))

    def took(self, rows: int, seconds: float) -> int:
        """Learn from a batch that removed `rows` in `seconds`; the next size."""
        if rows <= 0:
            return self.size
        want = rows * AIM * self.budget / max(seconds, 1e-4)
        if seconds <= self.budget and rows < self.size:
            want = max(want, self.size)  # a short batch says little: keep the size
        cap = min(self.upper, self.size * GROWTH)
        self.size = max(min(MIN_BATCH, self.upper), min(cap, int(want)))
        return self.size

    def failed(self) -> int:
        """A lock or statement timeout: half the size for the retry."""
        self.size = max(min(MIN_BATCH, self.upper), self.size // 2)
        return self.size
