"""Lifecycle lesson (deploy.2): a MiniLM model that flags negative reviews, updated to flag SMS spam incrementally,
incrementally with replayed old data, or retrained from the pretrained start on both; accuracy on old and new test
sets, and training time."""
from __future__ import annotations

import dataclasses
import shutil

import numpy as np

from ...core.config import RunConfig
from .. import figures
from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, interval_clause
from ..support import finished_ids, mean_or_none, merge, runner_of, sentences, verdict, verdict_choice

# ---------------------------------------------------------------- deploy.2 updating a model with new data

UPDATE_LABELS = {"old": T("old model (old data only)", "旧模型（只用旧数据）"),
                 "incremental": T("incremental: old model + new data", "增量：旧模型 + 新数据"),
                 "replay": T("incremental with replay", "带回放的增量训练"),
                 "retrain": T("retrain on old + new", "用新旧数据重训")}
FLAG, OK = "flag", "ok"
QUICK_UPDATE = dict(max_steps=3, max_length=32, max_eval_samples=40)    # four runs in a row: quick mode goes lean


@dataclasses.dataclass
class UpdateData:
    """CSV files for each training set, and fixed test sets from the old and the new source."""
    files: dict
    tests: dict          # {"old"|"new": (texts, label names)}


def _flag_sample(dataset: str, flag_label: str, n_train: int, n_test: int, rng) -> tuple[list, list, list, list]:
    """Balanced train and test texts from a dataset, labelled flag (its `flag_label` class) or ok."""
    import pandas as pd

    from ...core.datasets import load_dataset

    ds = load_dataset(dataset)
    flagged = np.array([ds.label_names[y] == flag_label for y in ds.y])
    first_copy = ~pd.Series(ds.x).duplicated().to_numpy()     # a repeated text must not land in train and test
    train, test = [], []
    for mask in (flagged & first_copy, ~flagged & first_copy):
        chosen = rng.choice(np.flatnonzero(mask), n_train // 2 + n_test // 2, replace=False)
        train += list(chosen[:n_train // 2])
        test += list(chosen[n_train // 2:])
    labels = np.where(flagged, FLAG, OK)
    return [ds.x[i] for i in train], [labels[i] for i in train], [ds.x[i] for i in test], [labels[i] for i in test]


def _update_data(folder, n_train: int, n_test: int, replay_share: float, seed: int) -> UpdateData:
    """Old source: movie reviews, flag the negative ones. New source: SMS messages, flag the spam."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    old_x, old_y, old_test_x, old_test_y = _flag_sample("rotten_tomatoes", "rotten", n_train, n_test, rng)
    new_x, new_y, new_test_x, new_test_y = _flag_sample("sms_spam", "spam", n_train, n_test, rng)
    replay = rng.choice(len(old_x), int(round(replay_share * len(old_x))), replace=False)
    sets = {"old": (old_x, old_y), "new": (new_x, new_y),
            "replay": (new_x + [old_x[i] for i in replay], new_y + [old_y[i] for i in replay]),
            "all": (old_x + new_x, old_y + new_y)}
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, (texts, labels) in sets.items():
        files[name] = folder / f"{name}.csv"
        pd.DataFrame({"text": texts, "label": labels}).to_csv(files[name], index=False)
    return UpdateData(files, {"old": (old_test_x, old_test_y), "new": (new_test_x, new_test_y)})


def _accuracy_on(predictor, texts: list, labels: list) -> float:
    predicted = [predictor.label_names[i] for i in predictor.predict(texts)]
    return float(np.mean([p == y for p, y in zip(predicted, labels)]))


def _update_experiment(ctx: LessonContext) -> Outcome:
    from ...core.predict import load_predictor
    from ...core.store import workbench_home

    s = ctx.settings
    store = runner_of(ctx).store
    n_train, n_test = ctx.size(s["examples_per_source"], 48), ctx.size(s["test_per_source"], 40)

    def run(data, **options) -> RunConfig:
        return RunConfig.from_flat(dataset=str(data), max_length=64, epochs=s["epochs"], lr=s["lr"], val_fraction=0.1,
                                   test_fraction=0.1, max_eval_samples=100, eval_every=10, log_every=5,
                                   save_checkpoints=False, save_model=True, **options)

    parts = []
    for seed in ctx.seeds:
        seed_ctx = dataclasses.replace(ctx, seeds=(seed,))
        folder = workbench_home() / "lessons" / "data" / ctx.lesson_id / f"seed{seed}-{n_train}-{n_test}"
        data = _update_data(folder, n_train, n_test, s["replay_share"], seed)
        first = seed_ctx.run_variants({"old": run(data.files["old"])}, **QUICK_UPDATE)
        start = str(store.model_folder(finished_ids(ctx, first, "old")[0]))   # a run's saved model as the start
        updates = {"incremental": run(data.files["new"], model=start), "replay": run(data.files["replay"], model=start),
                   "retrain": run(data.files["all"])}
        if ctx.quick:           # the replay run only differs in its data; quick mode leaves it out
            del updates["replay"]
        rest = seed_ctx.run_variants(updates, **QUICK_UPDATE)
        for part in (first, rest):
            for variant in part.variants:
                run_id = finished_ids(ctx, part, variant)[0]
                predictor = load_predictor(run_id, store)
                scores = {f"{source}_accuracy": _accuracy_on(predictor, *data.tests[source]) for source in data.tests}
                scores["both_accuracy"] = (scores["old_accuracy"] + scores["new_accuracy"]) / 2
                part.samples[variant].update({k: [v] for k, v in scores.items()})
            parts.append(part)
        for part in (first, rest):          # the weights served this lesson only; its runs keep their metrics
            for ids in part.run_ids.values():
                shutil.rmtree(store.model_folder(ids[0]), ignore_errors=True)
    extra = {"replay_share": s["replay_share"], "examples_per_source": n_train, "test_per_source": n_test}
    return merge(ctx.lesson_id, parts, extra)


def _update_takeaway(outcome: Outcome, lang: str) -> str:
    m = lambda variant, metric: outcome.mean(variant, metric)  # noqa: E731
    old_o, old_n = m("old", "old_accuracy"), m("old", "new_accuracy")
    inc_o, inc_n = m("incremental", "old_accuracy"), m("incremental", "new_accuracy")
    parts = [T(f"Before the update the model scored {old_o:.3f} on old data (reviews) and {old_n:.3f} on new data "
               f"(SMS). Fine-tuning it on the new data alone took new-data accuracy to {inc_n:.3f}, and old-data "
               f"accuracy went from {old_o:.3f} to {inc_o:.3f}.",
               f"更新前，模型在旧数据（影评）上得 {old_o:.3f}，在新数据（短信）上得 {old_n:.3f}。只用新数据继续微调后，"
               f"新数据准确率升到 {inc_n:.3f}，旧数据准确率从 {old_o:.3f} 变为 {inc_o:.3f}。")(lang)]
    forgetting = old_o - inc_o
    clause = interval_clause(outcome.compare("incremental", "old", "old_accuracy"), lang)
    change = _forgetting_choice(outcome)      # the quiz's grade: drops, holds (cannot tell) or rises
    if change == "drops":
        parts.append(T(f"That drop of {forgetting:.3f} is catastrophic forgetting ({clause}): the update overwrote "
                       "what the old data had taught.",
                       f"下降的 {forgetting:.3f} 就是灾难性遗忘（{clause}）：这次更新覆盖了旧数据教会模型的东西。")(lang))
    elif change == "rises":
        parts.append(T(f"Old-data accuracy rose by {-forgetting:.3f} ({clause}): no forgetting with this much new data "
                       "and training.",
                       f"旧数据准确率反而升高了 {-forgetting:.3f}（{clause}）：在这样的新数据量和训练量下没有遗忘。")(lang))
    else:
        parts.append(T(f"Old-data accuracy changed by {-forgetting:+.3f} ({clause}): whether the update forgot "
                       "anything, this budget cannot tell.",
                       f"旧数据准确率变化了 {-forgetting:+.3f}（{clause}）：这次更新是否造成遗忘，这个预算下还分不出。")(lang))
    share = outcome.extra.get("replay_share", 0.5)
    for variant, text in (("replay", T(f"Mixing {share:.0%} of the old training data into the update (replay)",
                                       f"在更新时混入 {share:.0%} 的旧训练数据（回放）")),
                          ("retrain", T("Retraining from the pretrained start on old and new data",
                                        "从预训练模型出发，用新旧数据一起重新训练"))):
        if variant in outcome.samples:
            parts.append(text(lang) + T(f" gave {m(variant, 'old_accuracy'):.3f} on old and "
                                        f"{m(variant, 'new_accuracy'):.3f} on new data.",
                                        f"，旧数据得 {m(variant, 'old_accuracy'):.3f}，新数据得 "
                                        f"{m(variant, 'new_accuracy'):.3f}。")(lang))
    candidates = [v for v in ("incremental", "replay", "retrain") if v in outcome.samples]
    best = outcome.best("both_accuracy", candidates)
    runner_up = max((v for v in candidates if v != best), key=lambda v: m(v, "both_accuracy"))
    parts.append(T("On both sources together: ", "新旧数据合起来看：")(lang)
                 + compare_takeaway(outcome, best, runner_up, "both_accuracy", lang, UPDATE_LABELS))
    t_inc, t_ret = (mean_or_none(outcome, v, "train_seconds") for v in ("incremental", "retrain"))
    if t_inc and t_ret:
        parts.append(T(f"Training time: {t_inc:.0f} s for the incremental update, {t_ret:.0f} s to retrain.",
                       f"训练时间：增量更新 {t_inc:.0f} 秒，重训 {t_ret:.0f} 秒。")(lang))
        if verdict(outcome, "incremental", "retrain", "train_seconds") == "a":
            parts.append(T("Retraining costs grow with all the data ever collected; incremental updates stay cheap.",
                           "重训的成本随累积的全部数据不断增长，而增量更新始终便宜。")(lang))
        else:
            parts.append(T("The paired timings over seeds do not show the incremental update as clearly quicker at "
                           "this budget.", "按种子配对的计时在这个预算下并没有显示增量更新明显更快。")(lang))
    return sentences(parts, lang)


def _update_figures(outcome: Outcome, lang: str) -> list:
    return [(T("Accuracy on the old data (reviews)", "旧数据（影评）上的准确率")(lang),
             figures.metric_bars(outcome, "old_accuracy", lang, UPDATE_LABELS)),
            (T("Accuracy on the new data (SMS)", "新数据（短信）上的准确率")(lang),
             figures.metric_bars(outcome, "new_accuracy", lang, UPDATE_LABELS))]


_forgetting_choice = verdict_choice("incremental", "old", "old_accuracy", {"a": "rises", "b": "drops", "tie": "holds"})


DEPLOY_2 = Lesson(
    id="deploy.2", topic="deploy", sources="003 #28",
    title=T("Updating a model with new data", "用新数据更新模型"),
    question=T("New data keeps arriving: should you fine-tune the current model on it, or retrain?",
               "新数据不断到来：应该在现有模型上继续微调，还是重新训练？"),
    answer=T("Continuing to fine-tune the current model on the new data alone is cheap, but it can forget what the old "
             "data taught (catastrophic forgetting), especially when the new data looks different. Retraining from "
             "the pretrained start on old and new data together is reliable, but its cost grows with all the data "
             "collected. A middle way is incremental training with replay: mix a sample of old examples into each "
             "update. Whichever you choose, keep fixed test sets from the old and the new data and compare the "
             "candidate with the current model before replacing it.",
             "只用新数据在现有模型上继续微调成本低，但可能忘掉旧数据教会的东西（灾难性遗忘），新数据与旧数据差别越大"
             "越明显。从预训练模型出发用新旧数据一起重新训练更可靠，但成本会随累积的数据量不断增长。折中的办法是带回放"
             "的增量训练：每次更新时混入一部分旧样本。无论选哪种，都要为新旧数据各保留固定的测试集，在替换线上模型"
             "之前把候选模型和现有模型比一比。"),
    experiment=_update_experiment, takeaway=_update_takeaway, figures=_update_figures,
    quiz=Quiz(T("A review classifier (flag negative reviews) is fine-tuned further on SMS data only (flag spam). What "
                "happens to its accuracy on reviews?",
                "一个影评分类器（标记差评）只用短信数据（标记垃圾短信）继续微调。它在影评上的准确率会怎样？"),
              {"drops": T("it clearly drops", "明显下降"), "holds": NO_CLEAR_DIFFERENCE,
               "rises": T("it clearly rises", "明显上升")},
              _forgetting_choice),
    settings={"examples_per_source": 240, "test_per_source": 120, "epochs": 2, "lr": 1e-4, "replay_share": 0.5},
    repeats=3,
)
