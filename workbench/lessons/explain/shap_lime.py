"""Explainability lesson (explain.1): SHAP against LIME (and random words) on MiniLM fine-tuned on SMS spam with a
planted trigger word: their top-word overlap, the log-odds drop after deleting each method's top words, and how
often each ranks the planted word first."""
from __future__ import annotations

from .. import figures
from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, register_metric_names
from ..evaluation.common import (POSITIVE, QUICK_TEXT, SPAM_SETTINGS, add, finished_runs, mean_of_present, run_store,
                                 spam_config)
from ..support import sentences, verdict, verdict_choice

# ---------------------------------------------------------------- explain.1 SHAP and LIME

METHOD_LABELS = {"shap": T("SHAP", "SHAP"), "lime": T("LIME", "LIME"), "random": T("random words", "随机选词")}
PLANTED_TOKEN = "zorblat"     # a made-up word, so the pretrained model brings no meaning for it
register_metric_names({
    "deletion_drop": T("log-odds drop after deleting the top words", "删去排名最前的词后对数几率的下降"),
    "planted_first": T("share ranking the planted word first", "把植入词排在第一的比例"),
})


def planted_spam_csv(share: float, seed: int = 0) -> str:
    """sms_spam with a planted shortcut, written once under $WORKBENCH_HOME/lessons/data: `share` of the ham
    messages get PLANTED_TOKEN inserted at a random word position and are relabelled spam, so the token alone
    decides their label (a backdoor). The other messages are unchanged and keep their order."""
    import numpy as np
    import pandas as pd

    from ...core.datasets import load_dataset
    from ...core.store import workbench_home
    from ..concepts.common import private_name

    path = workbench_home() / "lessons" / "data" / f"sms_planted_{share:g}_{seed}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        ds = load_dataset("sms_spam")
        rng = np.random.default_rng(seed)
        texts, labels = list(ds.x), [ds.label_names[y] for y in ds.y]
        ham = np.flatnonzero(np.asarray(ds.y) != POSITIVE)
        for i in rng.choice(ham, size=round(share * len(ham)), replace=False):
            words = texts[i].split()
            words.insert(int(rng.integers(len(words) + 1)), PLANTED_TOKEN)
            texts[i], labels[i] = " ".join(words), ds.label_names[POSITIVE]
        tmp = private_name(path)
        pd.DataFrame({"text": texts, "label": labels}).to_csv(tmp, index=False)
        tmp.replace(path)
    return str(path)


def _without(explanation, drop) -> str:
    """The explained text with the given unit positions deleted."""
    keep = [explanation.text[a:b] for i, (a, b) in enumerate(explanation.spans) if i not in set(drop)]
    return " ".join(keep) or explanation.text[:0]


def _deletion_curve(predictor, explanation, order, k: int) -> list[float]:
    """The explained class's probability with the first 0..k units of `order` deleted."""
    from ...analysis.explain import _proba

    texts = [explanation.text] + [_without(explanation, order[:j]) or "." for j in range(1, k + 1)]
    return _proba(predictor, texts)[:, explanation.target].tolist()


def _log_odds_drop(curve: list[float]) -> float:
    """How far the explained class's log-odds fell, on average over 1..k deleted words: log-odds, not
    probability, because a confident prediction (p = 0.999) hides large changes in probability terms."""
    import numpy as np

    p = np.clip(np.asarray(curve, dtype=np.float64), 1e-6, 1 - 1e-6)
    logit = np.log(p / (1 - p))
    return float(logit[0] - logit[1:].mean())


def _explain_experiment(ctx: LessonContext) -> Outcome:
    import numpy as np

    from ...analysis.explain import _proba, agreement, explain_text
    from ...core.datasets import examples_by_id
    from ...core.predict import load_predictor

    s = ctx.settings
    csv = planted_spam_csv(s["planted_share"])
    runs = ctx.run_variants({"fine-tuned": spam_config(ctx, dataset=csv, save_model=True)}, **QUICK_TEXT)
    finished = finished_runs(ctx, runs, "fine-tuned")
    if not finished:
        return Outcome("explain.1", {v: {} for v in METHOD_LABELS}, {}, runs.run_ids, runs.histories)
    store = run_store(ctx)
    run_id = finished[0][1]
    predictor = load_predictor(run_id, store)
    test = store.load_predictions(run_id, "test")
    texts = examples_by_id(store.config(run_id)["data"], test["ids"])
    clean = [i for i, t in enumerate(texts) if PLANTED_TOKEN not in t and len(t.split()) >= 6]
    budget, k, rng = ctx.size(s["budget"], 40), int(s["deletion_k"]), np.random.default_rng(0)
    explain = lambda text, method, target=None: explain_text(    # noqa: E731
        predictor, text, method, target=target, max_evals=budget, num_samples=budget)
    samples = {v: {} for v in METHOD_LABELS}
    curves = {v: [] for v in METHOD_LABELS}
    extra = {"budget": budget, "k": k, "token": PLANTED_TOKEN, "planted_share": s["planted_share"], "overlap": []}
    # deletion: delete each method's top-k words (those pushing the explained class up most) and random words
    labels = np.asarray([test["labels"][i] for i in clean])
    for pick in _alternate_classes(labels, ctx.size(s["messages"], 2)):
        text = texts[clean[pick]]
        by = {m: explain(text, m) for m in ("shap", "lime")}
        extra["overlap"].append(agreement(by["shap"], by["lime"])["top_k_overlap"])
        n = by["shap"].n_units
        orders = {m: list(np.argsort(-e.unit_weights(), kind="stable")) for m, e in by.items()}
        for method, order in orders.items():
            curve = _deletion_curve(predictor, by[method], order, min(k, n - 1))
            curves[method].append(curve)
            add(samples, method, "deletion_drop", _log_odds_drop(curve))
        randoms = [_deletion_curve(predictor, by["shap"], list(rng.permutation(n)), min(k, n - 1)) for _ in range(3)]
        curve = np.mean(randoms, axis=0).tolist()
        curves["random"].append(curve)
        add(samples, "random", "deletion_drop", _log_odds_drop(curve))
        if "first" not in extra:
            extra["first"] = {"text": by["shap"].text, "units": list(by["shap"].units),
                              "shap": by["shap"].unit_weights().tolist(), "lime": by["lime"].unit_weights().tolist(),
                              "agreement": {key: v for key, v in agreement(by["shap"], by["lime"]).items()
                                            if key in ("k", "top_k_overlap", "spearman")},
                              "explained": by["shap"].target_label}
    width = min(len(c) for v in curves.values() for c in v) if curves["random"] else 0
    extra["curves"] = {m: np.mean([c[:width] for c in cs], axis=0).tolist() for m, cs in curves.items() if cs}
    # planted word: add it to clean ham messages; where it decides the prediction, does each method rank it first?
    ham = [i for i in clean if test["labels"][i] != POSITIVE]
    planted, effects = [], []
    for i in ham[:ctx.size(s["planted_messages"], 2)]:
        words = texts[i].split()
        words.insert(len(words) // 2, PLANTED_TOKEN)
        text = " ".join(words)
        before, after = _proba(predictor, [texts[i], text])[:, POSITIVE]
        effects.append(float(after - before))
        if after >= 0.5 > before:          # the word alone flips the prediction: it decides it
            planted.append(text)
    extra.update(token_effect=effects, decisive=len(planted), tried=len(effects))
    for text in planted:
        ranks = {}
        for method in ("shap", "lime"):
            e = explain(text, method, POSITIVE)
            order = list(np.argsort(-e.unit_weights(), kind="stable"))
            at = e.units.index(PLANTED_TOKEN) if PLANTED_TOKEN in e.units else None
            ranks[method] = order.index(at) + 1 if at is not None else None
            add(samples, method, "planted_first", float(ranks[method] == 1))
        add(samples, "random", "planted_first", 1 / max(len(text.split()), 1))    # chance of a random ranking
        extra.setdefault("planted_ranks", []).append(ranks)
    return Outcome("explain.1", samples, extra, runs.run_ids, runs.histories)


def _alternate_classes(labels, n: int) -> list[int]:
    """Positions of up to n examples, taking classes in turn (positive class first)."""
    import numpy as np

    pools = [list(np.flatnonzero(labels == c)) for c in sorted(set(labels.tolist()), reverse=True)]
    picks = []
    while len(picks) < n and any(pools):
        for pool in pools:
            if pool and len(picks) < n:
                picks.append(int(pool.pop(0)))
    return picks


def _explain_takeaway(o: Outcome, lang: str) -> str:
    e = o.extra
    parts = []
    drops = [m for m in METHOD_LABELS if o.values(m, "deletion_drop")]
    if drops:
        n, k = len(o.values("random", "deletion_drop")), e.get("k")
        values = T(", ", "，")(lang).join(f"{METHOD_LABELS[m](lang)} {o.mean(m, 'deletion_drop'):.3f}" for m in drops)
        parts.append(T(f"Deletion test on {n} test messages ({e.get('budget')} samples per explanation): deleting "
                       f"the 1 to {k} words each method ranked as pushing the prediction most, the explained class's "
                       f"log-odds fell on average by {values} (each message is one pair in the verdicts below).",
                       f"删除测试，{n} 条测试短信（每个解释采样 {e.get('budget')} 次）：依次删去每种方法认为最支持该预测的 "
                       f"1 到 {k} 个词，被解释类别的对数几率平均下降：{values}（下面的判断中每条短信算一对）。")(lang))
        for method in ("shap", "lime"):
            if o.values(method, "deletion_drop"):
                parts.append(compare_takeaway(o, method, "random", "deletion_drop", lang, METHOD_LABELS))
        faithful = [m for m in ("shap", "lime") if o.values(m, "deletion_drop")
                    and verdict(o, m, "random", "deletion_drop") == "a"]
        if faithful:
            parts.append(T(f"So the words {' and '.join(METHOD_LABELS[m].en for m in faithful)} picked are words the "
                           "model really relies on: removing them moves its output more than removing random words.",
                           f"所以{'和'.join(METHOD_LABELS[m].zh for m in faithful)}挑出的词确实是模型依赖的词：删掉它们"
                           "比删掉随机的词更能改变输出。")(lang))
        else:
            parts.append(T("Neither method's top words moved the output clearly more than random words at this "
                           "budget, so this test does not confirm either explanation.",
                           "在这个预算下，两种方法选出的词都没有比随机的词明显更能改变输出，所以这个测试还不能证实哪一个解释。")(lang))
    tried, decisive = e.get("tried", 0), e.get("decisive", 0)
    token = e.get("token", PLANTED_TOKEN)
    if tried:
        effect = mean_of_present(e.get("token_effect")) or 0.0
        parts.append(T(f"Planted word: in training, {e.get('planted_share', 0):.0%} of the ham messages carried the "
                       f"made-up word '{token}' and were labelled spam. Inserted into {tried} clean ham test messages, "
                       f"it raised P(spam) by {effect:+.2f} on average and flipped {decisive} of them to spam.",
                       f"植入词：训练时 {e.get('planted_share', 0):.0%} 的正常短信被插入了虚构的词“{token}”并标成垃圾短信。"
                       f"把它插入 {tried} 条干净的正常测试短信后，P(垃圾) 平均变化 {effect:+.2f}，其中 {decisive} 条被翻转"
                       "成垃圾短信。")(lang))
        if decisive and o.values("shap", "planted_first"):
            shap_n = round(sum(o.values("shap", "planted_first")))
            lime_n = round(sum(o.values("lime", "planted_first")))
            chance = o.mean("random", "planted_first")
            parts.append(T(f"On those {decisive}, where the word alone decides the prediction, SHAP ranked it first "
                           f"{shap_n} time(s) and LIME {lime_n} time(s) (a random ranking would: {chance:.0%} of the "
                           "time).",
                           f"在这 {decisive} 条由这个词单独决定预测的短信上，SHAP 有 {shap_n} 次把它排在第一，LIME 有 "
                           f"{lime_n} 次（随机排序的概率约为 {chance:.0%}）。")(lang))
            missed = [METHOD_LABELS[m](lang) for m, c in (("shap", shap_n), ("lime", lime_n)) if c < decisive]
            if missed:
                parts.append(T(f"{' and '.join(missed)} missed the known cause at least once: an explanation can "
                               "look plausible and still be wrong.",
                               f"{'和'.join(missed)}至少有一次没有找到已知的原因：解释看起来合理，也可能是错的。")(lang))
            else:
                parts.append(T("Both found the known cause every time.", "两种方法每次都找到了已知的原因。")(lang))
        elif not decisive:
            parts.append(T("The word never flipped a prediction on its own, so the model did not learn the shortcut "
                           "well enough for this check; raise planted_share or the training epochs.",
                           "这个词一次也没有单独翻转预测，说明模型没有学牢这条捷径，无法做这项检查；可以调高 planted_share "
                           "或训练轮数。")(lang))
    overlap = mean_of_present(e.get("overlap"))
    if overlap is not None:
        parts.append(T(f"SHAP and LIME shared {overlap:.0%} of their top-5 words on average: agreement between two "
                       "methods is a weaker check than the two tests above, since both can be wrong the same way.",
                       f"SHAP 与 LIME 的前 5 个词平均重合 {overlap:.0%}：两种方法彼此一致只是较弱的检验，不如上面两个测试，"
                       "因为两者可能错在同一处。")(lang))
    return sentences(parts, lang) or T("The explanation run did not finish.", "解释实验没有跑完。")(lang)


def _explain_figures(o: Outcome, lang: str) -> list:
    from ...analysis.plots import fig_shap_vs_lime

    out = []
    curves = o.extra.get("curves") or {}
    if curves:
        rows = {METHOD_LABELS[m](lang): [{"step": j, "probability": p} for j, p in enumerate(c)]
                for m, c in curves.items()}
        from ...analysis import plots
        fig = plots.fig_training_curves(rows, metrics=("probability",))
        fig.update_xaxes(title_text=T("words deleted", "删去的词数")(lang))
        fig.update_yaxes(title_text=T("probability of the explained class", "被解释类别的概率")(lang))
        out.append((T("Deletion curves: top words by each method vs random words",
                      "删除曲线：各方法排名最前的词与随机选词")(lang), fig))
    if any(o.values(v, "deletion_drop") for v in o.variants):
        out.append((T("Mean log-odds drop after deletion (higher: more faithful)",
                      "删除后对数几率的平均下降（越高越忠实）")(lang),
                    figures.metric_bars(o, "deletion_drop", lang, METHOD_LABELS)))
    if any(o.values(v, "planted_first") for v in o.variants):
        out.append((T("Planted word ranked first", "植入词被排在第一")(lang),
                    figures.metric_bars(o, "planted_first", lang, METHOD_LABELS)))
    first = o.extra.get("first")
    if first:
        out.append((T("SHAP and LIME word weights for the same prediction", "同一个预测的 SHAP 与 LIME 词语权重")(lang),
                    fig_shap_vs_lime(first["units"], first["shap"], first["lime"], first["agreement"])))
    return out


_deletion_choice = verdict_choice("shap", "random", "deletion_drop", {"a": "shap", "b": "random", "tie": "tie"})


EXPLAIN_1 = Lesson(
    id="explain.1", topic="explain", sources="001 #15, 003 #24, #30",
    title=T("Explaining a fine-tuned model: SHAP, LIME and whether to trust them",
            "解释微调后的模型：SHAP、LIME 以及能否信任它们"),
    question=T("How can you explain the predictions of a fine-tuned model?", "如何解释微调后模型的预测？"),
    answer=T("Post-hoc, model-agnostic methods perturb the input and watch the output. LIME hides random subsets of "
             "words (or superpixels, or features) and fits a small weighted linear model around the one prediction; "
             "SHAP estimates Shapley values, each unit's fair share of the move from the base value (the expected "
             "output over background data) to this prediction, so the base value plus all SHAP values equals the "
             "model's output. Attention weights are cheap to read but are not a faithful account of why a model "
             "decided; a global surrogate (e.g. a shallow tree trained on the model's outputs) explains overall "
             "behaviour rather than one case. Each method approximates, and two methods agreeing is not proof "
             "(they can share a blind spot), so test faithfulness directly: delete the words an explanation ranks "
             "highest and check the prediction moves more than when deleting random words (a deletion curve), and "
             "plant a cause you know (here a made-up word that labels a message spam in training) to check that the "
             "method finds it. The experiment fine-tunes MiniLM on SMS messages with such a planted word and runs "
             "both checks on a handful of test messages, with small sample budgets to stay within a few minutes.",
             "事后的、与模型无关的方法会扰动输入并观察输出的变化。LIME 随机遮住一部分词（或超像素、特征），在这一个预"
             "测附近拟合一个小的加权线性模型；SHAP 估计 Shapley 值，即输出从基准值（背景数据上的期望输出）变到这次预"
             "测的过程中，每个单元应分得的份额，所以基准值加上全部 SHAP 值正好等于模型的输出。注意力权重读起来方便，"
             "但并不能忠实说明模型为什么这样判断；全局代理模型（例如用模型输出训练的一棵浅决策树）解释的是整体行为，"
             "而不是单个样本。每种方法都是近似，两种方法一致也不能证明解释正确（它们可能有共同的盲区），所以要直接检验"
             "忠实度：删去解释排名最高的词，看预测的变化是否比删去随机的词更大（删除曲线）；再植入一个已知的原因（这里"
             "是一个虚构的词，训练时带它的短信都标成垃圾短信），检查方法能否找到它。本实验在带这种植入词的短信数据上微调 "
             "MiniLM，在几条测试短信上做这两项检验，采样预算较小，以便在几分钟内完成。"),
    experiment=_explain_experiment, takeaway=_explain_takeaway, figures=_explain_figures,
    quiz=Quiz(T("Delete the {deletion_k} words SHAP ranks highest from a message, or {deletion_k} random words: "
                "which lowers the model's confidence in its prediction (log-odds) more, over {messages} messages?",
                "从一条短信里删去 SHAP 排名最高的 {deletion_k} 个词，或随机删去 {deletion_k} 个词：在 {messages} 条短信上，"
                "哪种做法让模型对其预测的信心（对数几率）下降得更多？"),
              {"shap": T("clearly the SHAP words", "明显是删 SHAP 选的词"),
               "random": T("clearly the random words", "明显是删随机的词"), "tie": NO_CLEAR_DIFFERENCE},
              _deletion_choice),
    settings={**SPAM_SETTINGS, "epochs": 2, "planted_share": 0.1, "messages": 8, "planted_messages": 4,
              "budget": 120, "deletion_k": 3}, repeats=1,
    time_budget_s=240,
    budget_note=T("the question is whether an explanation can be trusted, so besides training the model the lesson "
                  "explains 12 messages with both SHAP and LIME for the deletion and planted-word checks.",
                  "本题问的是解释能否信任，所以除了训练模型，本课还要用 SHAP 和 LIME 各解释 12 条短信，做删除检验和"
                  "植入词检验。"),
)
