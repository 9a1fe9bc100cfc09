"""Is a difference between two settings bigger than run-to-run noise? Judged from repeated measurements of each."""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class NoiseVerdict:
    difference: float          # mean(b) - mean(a)
    spread: float              # pooled sample standard deviation of the two settings' runs
    n: int                     # runs of the setting with fewer runs
    p_value: float | None      # Welch's t-test, two-sided; None with fewer than two runs each
    within_noise: bool | None  # None when it cannot be judged (fewer than two runs each)

    def sentence(self, a: str = "A", b: str = "B") -> str:
        d = abs(self.difference)
        higher, lower = (b, a) if self.difference > 0 else (a, b)
        if self.within_noise is None:
            return f"{higher} is {d:.3f} above {lower}, from one run each: repeat over seeds to judge the noise."
        if self.within_noise:
            return (f"{higher} is {d:.3f} above {lower}, within the run-to-run spread (±{self.spread:.3f}, "
                    f"n={self.n}, p={self.p_value:.2f}): not a reliable difference.")
        return (f"{higher} is {d:.3f} above {lower}, more than the run-to-run spread (±{self.spread:.3f}, "
                f"n={self.n}, p={self.p_value:.3f}).")


def compare_samples(a: list[float], b: list[float], alpha: float = SIGNIFICANCE) -> NoiseVerdict:
    """Welch's t-test on two lists of measurements (e.g. test accuracy over seeds or folds)."""
    a, b = [float(v) for v in a], [float(v) for v in b]
    if not a or not b:
        raise ValueError("Both settings need at least one measurement.")
    difference = statistics.fmean(b) - statistics.fmean(a)
    n = min(len(a), len(b))
    if n < 2:
        return NoiseVerdict(difference, 0.0, n, None, None)
    var_a, var_b = statistics.variance(a), statistics.variance(b)
    spread = math.sqrt((var_a + var_b) / 2)
    if var_a == 0 and var_b == 0:
        p_value = 1.0 if difference == 0 else 0.0
    else:
        from scipy.stats import ttest_ind
        p_value = float(ttest_ind(b, a, equal_var=False).pvalue)
    return NoiseVerdict(difference, spread, n, p_value, p_value >= alpha)
