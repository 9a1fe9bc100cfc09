"""Small pieces lessons of several topics share: bilingual names for the metrics they measure, the runner and its
store, finished-run checks, merging per-seed outcomes, verdict helpers for quizzes, and an encoder's twin with random
weights (the baseline of what pre-training gives)."""
from __future__ import annotations

import contextlib
import statistics

from .base import LessonContext, Outcome, T, register_metric_names

# Metrics these lessons measure that the framework has no name for; registered once, never overriding a name.
EXTRA_METRIC_NAMES = {
    "majority_baseline": T("majority-class baseline", "多数类基线"),
    "neighbour_accuracy": T("k-nearest-neighbour accuracy", "k 近邻准确率"),
    "nearest_same_label": T("share whose nearest neighbour has the same label", "最近邻同标签比例"),
    "exact_match": T("exact match", "完全匹配率"), "token_f1": T("token F1", "词级 F1"),
    "confidence": T("mean answer confidence", "平均答案置信度"),
    "word_accuracy": T("words right in place", "逐位置词正确率"),
    "hit_rate": T("hit rate", "命中率"), "recall": T("recall", "召回率"),
    "size_mb": T("file size (MB)", "文件大小（MB）"), "zipped_mb": T("compressed size (MB)", "压缩后大小（MB）"),
    "latency_ms": T("latency per example (ms)", "单条延迟（毫秒）"),
    "agreement": T("agreement with the fp32 model", "与 fp32 模型的一致率"),
    "old_accuracy": T("accuracy on the old data", "旧数据上的准确率"),
    "new_accuracy": T("accuracy on the new data", "新数据上的准确率"),
    "both_accuracy": T("mean accuracy over old and new data", "新旧数据的平均准确率"),
    "attack_success": T("attack success rate", "攻击成功率"),
}
register_metric_names(EXTRA_METRIC_NAMES, {"size_mb", "zipped_mb", "latency_ms"})


NO_WEIGHTS = dict(save_checkpoints=False, save_model=False)     # runs whose weights the lesson never needs
# Lessons fine-tune every weight of a pretrained text model, as the interview answers and their parameter counts
# describe it; the app's faster default keeps the word-embedding matrix fixed (config.freeze_embeddings).
EVERY_WEIGHT = dict(freeze_embeddings=False)


def hub_model_cached(name: str) -> bool:
    """Whether a hub model is already on this machine (nothing is downloaded at run time)."""
    from huggingface_hub import try_to_load_from_cache
    return isinstance(try_to_load_from_cache(name, "config.json"), str)


def not_cached_note(name: str, purpose: str) -> T:
    return T(f"{name} (a model trained for {purpose}) is not on this machine, and lessons download nothing, so it "
             "was not measured. With internet, load it once from Python (it is cached afterwards) and rerun.",
             f"{name}（专门为{purpose}训练的模型）不在本机上，而课程运行时不下载任何东西，所以没有测量它。"
             "有网络时先在 Python 里加载一次（之后会缓存），再重新运行本课。")


def runner_of(ctx: LessonContext):
    """The runner the lesson's runs go through (the shared one when the context names none)."""
    from ..core.runner import get_runner
    return ctx.runner or get_runner()


def finished_ids(ctx: LessonContext, outcome: Outcome, variant: str) -> list[str]:
    """The variant's run ids, or a RuntimeError naming a run that did not finish (stopped or failed)."""
    runner = runner_of(ctx)
    for run_id in outcome.run_ids.get(variant, []):
        snap = runner.snapshot(run_id)
        if snap["status"] != "finished":
            raise RuntimeError(f"Lesson {ctx.lesson_id}: run {run_id} ({variant}) ended {snap['status']}"
                               + (f" ({snap['error']})" if snap.get("error") else "")
                               + "; this lesson needs its model, so run the lesson again.")
    return outcome.run_ids.get(variant, [])


def merge(lesson_id: str, outcomes: list[Outcome], extra: dict | None = None) -> Outcome:
    """One outcome from per-seed outcomes: samples and run ids appended in seed order, first seed's curves."""
    samples: dict = {}
    run_ids: dict = {}
    histories: dict = {}
    for part in outcomes:
        for variant, metrics in part.samples.items():
            for metric, values in metrics.items():
                samples.setdefault(variant, {}).setdefault(metric, []).extend(values)
        for variant, ids in part.run_ids.items():
            run_ids.setdefault(variant, []).extend(ids)
        for variant, rows in part.histories.items():
            histories.setdefault(variant, rows)
    return Outcome(lesson_id, samples, extra or {}, run_ids, histories)


def mean_or_none(outcome: Outcome, variant: str, metric: str) -> float | None:
    values = outcome.values(variant, metric) if variant in outcome.samples else []
    return statistics.fmean(values) if values else None


def verdict(outcome: Outcome, a: str, b: str, metric: str) -> str:
    """"a", "b" or "tie": which is better on `metric`, by the paired verdict over seeds (Outcome.compare). "tie"
    means this budget cannot tell: the 95 % confidence interval of the per-seed difference contains 0, or there
    are fewer than two seeds to pair."""
    return outcome.compare(a, b, metric).winner or "tie"


def verdict_choice(a: str, b: str, metric: str, keys: dict[str, str]):
    """A quiz's `correct` that grades by `verdict`: `keys` maps its "a", "b" and "tie" to the quiz's choice keys."""
    missing = {"a", "b", "tie"} - set(keys)
    if missing:
        raise ValueError(f"verdict_choice needs a choice for {', '.join(sorted(missing))}.")
    return lambda outcome: keys[verdict(outcome, a, b, metric)]


def clear_leader(outcome: Outcome, metric: str, group=lambda variant: variant, among: list[str] | None = None):
    """The quiz choice of the best variant by mean when the paired verdict (Outcome.compare) puts that variant ahead
    of every variant outside its choice; None when this budget cannot single a choice out. `group` maps variants to
    choices where several share one (e.g. all layer-wise strategies), whose order among themselves is not asked."""
    names = [v for v in (among or outcome.variants) if outcome.values(v, metric)]
    if not names:
        return None
    best = outcome.best(metric, names)
    rivals = [v for v in names if group(v) != group(best)]
    return group(best) if all(outcome.compare(best, v, metric).winner == "a" for v in rivals) else None


def band(paired, edges: dict[str, float], below: str) -> str:
    """A magnitude band decided by the 95 % confidence interval of a paired difference (a stats.PairedVerdict of
    B minus A), not by its mean: the key of the highest edge that the interval's lower end is above, else `below`.
    So `below` reads "not clearly above the lowest edge" and also takes the cases this budget cannot tell (fewer
    than two pairs, or an interval reaching below the edge)."""
    if paired.n_pairs >= 2:
        for key, edge in sorted(edges.items(), key=lambda item: -item[1]):
            if paired.ci_low > edge:
                return key
    return below


def against(baseline, values, metric: str = "value"):
    """The paired verdict of per-seed `values` against a baseline: one number for every seed (such as chance) or
    per-seed values in seed order; its difference and interval are values minus baseline."""
    from ..analysis.stats import compare_paired

    values = list(values)
    base = list(baseline) if isinstance(baseline, (list, tuple)) else [float(baseline)] * len(values)
    return compare_paired(base, values, metric)


def sentences(parts, lang: str) -> str:
    """Sentences joined as each language writes them: spaces between English sentences, none in Chinese."""
    parts = [p.strip() for p in parts if p and p.strip()]
    if lang == "zh":    # shared helpers end Chinese sentences with an ASCII full stop too
        return "".join(p[:-1] + "。" if p.endswith(".") else p for p in parts)
    return " ".join(parts)


def pct(value: float) -> str:
    return f"{value:.0%}"


def random_weights_twin(encoder, seed: int):
    """A copy of an apps.embeddings.Encoder with the same tokenizer, architecture and pooling but freshly initialised
    weights: what the encoder would be without pre-training."""
    import copy

    import torch
    from transformers import AutoModel

    twin = copy.copy(encoder)
    torch.manual_seed(seed)
    twin.model = AutoModel.from_config(encoder.model.config).to(encoder.device).eval()
    twin.name = f"{encoder.name} (random weights)"
    return twin


@contextlib.contextmanager
def one_torch_thread():
    """Torch on one thread for a moment: a toy model spends more time syncing threads than computing (40 steps of
    a tiny T5 took 3 s on one thread and 33 s on two on a busy 2-core machine). The setting is process-wide, so a
    run training beside the lesson also drops to one thread for these few seconds; it is restored after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
