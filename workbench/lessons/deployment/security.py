"""Model security lesson (deploy.3): misspelling the words a fine-tuned MiniLM relies on most (by leave-one-out)
against misspelling random words, on a review sentiment model and a spam filter: how often a few edits flip a
prediction."""
from __future__ import annotations

import numpy as np

from ...core.config import RunConfig
from .. import figures
from ..base import Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway
from ..support import finished_ids, pct, runner_of, sentences, verdict

# ---------------------------------------------------------------- deploy.3 adversarial text

LEET = {"o": "0", "i": "1", "e": "3", "a": "@", "s": "$", "l": "1"}
# Two fine-tuned models under the same attack: (dataset, the only true label whose examples are attacked or None).
ATTACK_TARGETS = {"sentiment": ("rotten_tomatoes", None), "spam": ("sms_spam", "spam")}
ATTACK_KINDS = {"targeted": T("most important words", "最重要的词"), "random": T("random words", "随机的词")}
ATTACK_MODELS = {"sentiment": T("review sentiment model", "影评情感模型"), "spam": T("spam filter", "垃圾短信过滤器")}
ATTACK_LABELS = {f"{model}_{kind}": T(f"{m.en}: {k.en}", f"{m.zh}：{k.zh}")
                 for model, m in ATTACK_MODELS.items() for kind, k in ATTACK_KINDS.items()}
SENTIMENT_ATTACKS = {"sentiment_targeted": T("misspelling the most important words", "拼错最重要的词"),
                     "sentiment_random": T("misspelling random words", "随机拼错词")}


def misspell(word: str) -> str:
    """A spammer's edit: the first letter with a look-alike digit or symbol swapped in (o->0, e->3, a->@ ...), or
    else two inner letters swapped, or a hyphen inserted; words of one character stay as they are."""
    for i, ch in enumerate(word):
        if ch.lower() in LEET:
            return word[:i] + LEET[ch.lower()] + word[i + 1:]
    if len(word) >= 4:
        return word[0] + word[2] + word[1] + word[3:]
    return word if len(word) < 2 else word[:1] + "-" + word[1:]


def word_importance(predictor, text: str, target: int) -> np.ndarray:
    """Leave-one-out: how much the probability of `target` falls when each word is removed."""
    words = text.split()
    without = [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]
    probs = predictor.predict_proba([text] + without)[:, target]
    return probs[0] - probs[1:]


def _with_misspelled(words: list[str], positions) -> str:
    chosen = set(positions)
    return " ".join(misspell(w) if i in chosen else w for i, w in enumerate(words))


def attack(predictor, texts: list[str], budget: int, seed: int) -> dict:
    """How often the prediction changes after misspelling 1..budget words per text, the most important words first
    or random ones; also the first few successful targeted edits."""
    rng = np.random.default_rng(seed)
    targets = predictor.predict(texts)
    edited = {"targeted": [], "random": []}
    for text, target in zip(texts, targets):
        words = text.split()
        editable = [i for i, w in enumerate(words) if misspell(w) != w]
        importance = word_importance(predictor, text, int(target))
        ranked = sorted(editable, key=lambda i: -importance[i])
        shuffled = list(rng.permutation(editable))
        for b in range(1, budget + 1):
            edited["targeted"].append(_with_misspelled(words, ranked[:b]))
            edited["random"].append(_with_misspelled(words, shuffled[:b]))
    result, examples = {}, []
    for kind, perturbed in edited.items():
        flipped = predictor.predict(perturbed).reshape(len(texts), budget) != targets[:, None]
        result[kind] = flipped.mean(axis=0).tolist()
        if kind == "targeted":
            examples = [{"original": texts[i], "edited": perturbed[i * budget + budget - 1]}
                        for i in np.flatnonzero(flipped[:, -1])[:3]]
    return {**result, "examples": examples}


def _attack_experiment(ctx: LessonContext) -> Outcome:
    from ...core.predict import load_predictor
    from ...lab.deploy import stored_test_examples

    s = ctx.settings
    targets = {"sentiment": ATTACK_TARGETS["sentiment"]} if ctx.quick else ATTACK_TARGETS   # quick: one model
    configs = {model: RunConfig.from_flat(dataset=dataset, max_length=64, max_train_samples=s["train_examples"],
                                          max_eval_samples=200, epochs=s["epochs"], lr=s["lr"], eval_every=25,
                                          log_every=5, save_checkpoints=False, save_model=True)
               for model, (dataset, _) in targets.items()}
    trained = ctx.run_variants(configs, max_eval_samples=60)
    store = runner_of(ctx).store
    samples, curves = {}, {}
    extra = {"budget": s["budget"], "attacked": {}, "all_correct": {}, "examples": {}}
    for model, (_, only_label) in targets.items():
        for seed, run_id in zip(ctx.seeds, finished_ids(ctx, trained, model)):
            predictor = load_predictor(run_id, store)
            texts, labels = stored_test_examples(run_id, None, store)
            wanted = set(range(len(predictor.label_names))) if only_label is None else {
                predictor.label_names.index(only_label)}
            right = [t for t, y, p in zip(texts, labels, predictor.predict(texts)) if y == p and y in wanted]
            # An undertrained model (quick mode) may get none right: then measure how often edits change its answer.
            attacked = (right or [t for t, y in zip(texts, labels) if y in wanted])[:ctx.size(s["examples"], 4)]
            result = attack(predictor, attacked, s["budget"], seed)
            for kind in ATTACK_KINDS:
                samples.setdefault(f"{model}_{kind}", {"attack_success": []})["attack_success"].append(result[kind][-1])
                curves.setdefault(f"{model}_{kind}", []).append(result[kind])
            extra["attacked"][model] = extra["attacked"].get(model, 0) + len(attacked)
            extra["all_correct"][model] = extra["all_correct"].get(model, True) and bool(right)
            extra["examples"][model] = extra["examples"].get(model) or result["examples"]
    extra["curves"] = {variant: np.mean(rows, axis=0).tolist() for variant, rows in curves.items()}
    return Outcome(ctx.lesson_id, samples, extra, {f"{m}_targeted": ids for m, ids in trained.run_ids.items()},
                   {f"{m}_targeted": rows for m, rows in trained.histories.items()})


def _attack_takeaway(outcome: Outcome, lang: str) -> str:
    budget = outcome.extra.get("budget", 3)
    parts = []
    for model, what in (("sentiment", T("correctly classified reviews", "条判断正确的影评")),
                        ("spam", T("correctly caught spam messages", "条原本被拦下的垃圾短信"))):
        if f"{model}_targeted" not in outcome.samples:
            continue
        n = outcome.extra.get("attacked", {}).get(model, "?")
        hit, rand = (outcome.mean(f"{model}_{kind}", "attack_success") for kind in ("targeted", "random"))
        parts.append(T(f"{ATTACK_MODELS[model].en.capitalize()}: misspelling the {budget} words it relies on most "
                       f"(found by leave-one-out) changed its verdict on {pct(hit)} of {n} {what.en}; misspelling "
                       f"{budget} random words, {pct(rand)}.",
                       f"{ATTACK_MODELS[model].zh}：把它最依赖的 {budget} 个词（用逐词删除法找出）拼错后，{n} {what.zh}"
                       f"中有 {pct(hit)} 的判断被改变；随机拼错 {budget} 个词时为 {pct(rand)}。")(lang))
        if not outcome.extra.get("all_correct", {}).get(model, True):
            parts.append(T("In some runs it got none of these right (too little training, as in quick mode), so there "
                           "the rate shows how often edits changed its answer at all.",
                           "部分运行中它一条都没判断对（训练太少，比如快速模式），所以那里的比例只表示改写有多常改变它的"
                           "判断。")(lang))
    parts.append(compare_takeaway(outcome, "sentiment_targeted", "sentiment_random", "attack_success", lang,
                                  SENTIMENT_ATTACKS))
    hit = outcome.mean("sentiment_targeted", "attack_success")
    if hit >= 0.3:
        parts.append(T("The sentiment model leans on a few words, and an attacker who can query it finds them. "
                       "Defences: map look-alike characters back and spell-check before classifying, train on "
                       "perturbed examples (adversarial training), and limit and log who can query the model.",
                       "情感模型依赖少数几个词，能调用模型的攻击者就能把它们找出来。防御办法：分类前把形近字符还原并做拼写"
                       "纠正，用扰动样本做对抗训练，并限制、记录谁能调用模型。")(lang))
    else:
        parts.append(T("Few verdicts flipped at this budget: raise it to find where the model breaks.",
                       "在这个预算下被翻转的判断很少：提高预算，看看模型在哪里失守。")(lang))
    if "spam_targeted" in outcome.samples:
        spam = outcome.mean("spam_targeted", "attack_success")
        if hit - spam > 0.1 and verdict(outcome, "sentiment_targeted", "spam_targeted", "attack_success") == "a":
            parts.append(T("The spam filter held up far better: spam carries many redundant cues at once (phone "
                           "numbers, prices, calls to action), so a few edits leave plenty to catch, while a review's "
                           "verdict often hangs on one or two words.",
                           "垃圾短信过滤器要稳健得多：垃圾短信同时带有许多重复的线索（电话号码、金额、行动号召），改几个词"
                           "后仍有大量线索可抓；而影评的判断常常只取决于一两个词。")(lang))
        else:
            parts.append(T("The spam filter was no harder to fool than the sentiment model here.",
                           "这里垃圾短信过滤器并不比情感模型更难骗。")(lang))
    examples = [e for model in ("sentiment", "spam") for e in (outcome.extra.get("examples") or {}).get(model, [])]
    if examples:
        parts.append(T(f"Example: “{examples[0]['original'][:80]}” → “{examples[0]['edited'][:80]}”",
                       f"例子：“{examples[0]['original'][:80]}” → “{examples[0]['edited'][:80]}”")(lang))
    return sentences(parts, lang)


def _attack_figures(outcome: Outcome, lang: str) -> list:
    from ...analysis import plots

    curves = outcome.extra.get("curves") or {}
    means = {f"{ATTACK_LABELS[variant](lang)} · {b}": rate for variant, rates in curves.items()
             for b, rate in enumerate(rates, start=1)}
    out = figures.standard("attack_success", ATTACK_LABELS, with_curves=False)(outcome, lang)
    if means:
        out.append((T("Success rate by number of words misspelled", "按拼错的词数统计的成功率")(lang),
                    plots.fig_variant_bars(means, y_title=T("attack success rate", "攻击成功率")(lang))))
    return out


def _attack_choice(outcome: Outcome) -> str:
    hit = outcome.mean("sentiment_targeted", "attack_success")
    return "few" if hit < 0.2 else "some" if hit <= 0.6 else "most"


DEPLOY_3 = Lesson(
    id="deploy.3", topic="deploy", sources="003 #29",
    title=T("Model security: adversarial text", "模型安全：对抗文本"),
    question=T("How do you protect a fine-tuned model against attacks, and how robust is it really?",
               "如何保护微调后的模型不受攻击？它实际上有多稳健？"),
    answer=T("Threats include adversarial inputs (small edits that flip a prediction, such as misspelled spam words), "
             "poisoned training data, model theft through the API, and leakage of training data. Defences: "
             "authentication, access control and rate limits on the API; input normalisation and validation; "
             "adversarial training on perturbed examples; monitoring of inputs and predictions; and, for private "
             "data, differential privacy or federated training. Test robustness the way an attacker would: perturb "
             "the words the model relies on most and measure how often the prediction flips.",
             "威胁包括对抗输入（让预测翻转的小改动，比如把垃圾短信里的词拼错）、被投毒的训练数据、通过 API 窃取模型，"
             "以及训练数据泄露。防御手段：API 的身份认证、访问控制和调用频率限制；输入的规范化与校验；用扰动样本做"
             "对抗训练；监控输入和预测；涉及隐私数据时使用差分隐私或联邦训练。检验稳健性要像攻击者那样做：改动模型"
             "最依赖的词，测量预测被翻转的频率。"),
    experiment=_attack_experiment, takeaway=_attack_takeaway, figures=_attack_figures,
    quiz=Quiz(T("Misspell the {budget} words a fine-tuned review-sentiment model relies on most: how many of its "
                "correct verdicts flip?", "把微调后的影评情感模型最依赖的 {budget} 个词拼错：它原本正确的判断有多少会被翻转？"),
              {"few": T("under 20%", "不到 20%"), "some": T("20% to 60%", "20% 到 60%"),
               "most": T("over 60%", "超过 60%")},
              _attack_choice),
    settings={"train_examples": 400, "epochs": 2, "lr": 1e-4, "examples": 40, "budget": 3}, repeats=3,
)
