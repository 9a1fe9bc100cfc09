"""Language lessons with heads beyond classification: extractive question answering (app.4) and translation with a
sequence-to-sequence model (app.5). Hub models are used only when already on this machine."""
from __future__ import annotations

import re

import numpy as np

from . import figures
from .base import Correction, Lesson, LessonContext, Outcome, Quiz, T
from .support import (against, band, hub_model_cached, mean_or_none, merge, not_cached_note, one_torch_thread,
                      sentences)

# ---------------------------------------------------------------- app.4 extractive question answering


def _qa_summary(scored) -> dict:
    return {"exact_match": [float(scored["exact"].mean())], "token_f1": [float(scored["f1"].mean())],
            "confidence": [float(scored["score"].mean())]}


def _qa_experiment(ctx: LessonContext) -> Outcome:
    from ..apps.qa import QA_EXAMPLES, TRAINED_QA_MODEL, QuestionAnswerer, score_answers, untrained_head_answerer

    examples = QA_EXAMPLES[:ctx.size(len(QA_EXAMPLES), 6)]
    heads = range(ctx.size(ctx.settings["random_heads"], 1))
    parts, extra = [], {"questions": len(examples), "heads": len(heads), "trained_model": TRAINED_QA_MODEL}
    for seed in heads:
        scored = score_answers(untrained_head_answerer("minilm", seed), examples)
        parts.append(Outcome(ctx.lesson_id, {"untrained": _qa_summary(scored)}))
        if seed == 0:
            extra["answers"] = scored[["question", "expected", "predicted"]].to_dict("records")
    if hub_model_cached(TRAINED_QA_MODEL):
        trained = score_answers(QuestionAnswerer.load(TRAINED_QA_MODEL), examples)
        parts.append(Outcome(ctx.lesson_id, {"trained": _qa_summary(trained)}))
        extra["trained_answers"] = trained[["question", "expected", "predicted"]].to_dict("records")
    return merge(ctx.lesson_id, parts, extra)


QA_LABELS = {"untrained": T("MiniLM + untrained QA head", "MiniLM + 未训练的问答头"),
             "trained": T("model fine-tuned on SQuAD", "在 SQuAD 上微调过的模型")}


def _untrained_interval(outcome: Outcome):
    """The untrained heads' exact-match rate as a paired verdict against 0 (stats.compare_paired): its
    difference is the mean over the random heads, its interval the t interval over them (none for one head)."""
    return against(0.0, outcome.samples["untrained"].get("exact_match", []), "exact_match")


def _guess_band(outcome: Outcome) -> str:
    """The quiz's band, decided by the 95 % interval over the random heads rather than the mean: 'most' when its
    lower end is above 50 %, 'some' when above 10 %, else 'none' (not clearly more than 10 %, which includes what
    this budget cannot tell, such as a single head)."""
    return band(_untrained_interval(outcome), {"most": 0.5, "some": 0.1}, "none")


def _qa_takeaway(outcome: Outcome, lang: str) -> str:
    em, f1 = outcome.mean("untrained", "exact_match"), outcome.mean("untrained", "token_f1")
    n, heads = outcome.extra.get("questions", "?"), outcome.extra.get("heads", 1)
    spread = _untrained_interval(outcome)
    ci = (T(f"; 95% confidence interval over the heads {max(spread.ci_low, 0):.0%} to {spread.ci_high:.0%}",
            f"；各随机头的 95% 置信区间为 {max(spread.ci_low, 0):.0%} 至 {spread.ci_high:.0%}")(lang)
          if spread.n_pairs >= 2 else "")
    parts = [T(f"A QA head that never saw QA data matched {em:.0%} of the {n} answers exactly (token F1 {f1:.2f}, "
               f"mean over {heads} random head(s){ci}).",
               f"从未见过问答数据的问答头在 {n} 个问题上完全答对 {em:.0%}（词级 F1 {f1:.2f}，{heads} 个随机头的平均"
               f"{ci}）。")(lang)]
    answers = outcome.extra.get("answers") or []
    if answers:
        a = answers[0]
        parts.append(T(f"Asked “{a['question']}”, it answered “{a['predicted']}” (expected “{a['expected']}”).",
                       f"问“{a['question']}”时，它回答“{a['predicted']}”（正确答案是“{a['expected']}”）。")(lang))
    # By construction, not by measurement: the head's weights are random, whatever share it happens to match.
    if not any(outcome.values("untrained", "exact_match")):
        parts.append(T("That is guessing: the start and end scores come from random weights.",
                       "这就是在瞎猜：起止位置的分数来自随机权重。")(lang))
    else:
        parts.append(T("Its matches happen by luck, because the contexts are single sentences and several answers "
                       "are one word; the spans are not chosen for a reason, since the head's weights are random.",
                       "答对的部分是运气：上下文都只有一句话，不少答案只有一个词；问答头的权重是随机的，这些片段并不是"
                       "有依据地选出来的。")(lang))
    if "trained" in outcome.samples:
        parts.append(_trained_sentence(outcome, lang))
        parts.append(T(f"Why no seeds are repeated for it: the fine-tuned model is a fixed published checkpoint that "
                       f"answers the same way on every run, so a rerun changes nothing; what is uncertain is the "
                       f"sample of {n} questions, which the interval above covers. Only the untrained head is random, "
                       f"so it is repeated over {heads} random heads.",
                       f"为什么它不重复多个种子：微调过的模型是一个固定的公开检查点，每次运行的回答都一样，重跑不会改变"
                       f"任何东西；不确定的是这 {n} 个问题的抽样，上面的区间已经涵盖。只有未训练的问答头是随机的，所以"
                       f"它在 {heads} 个随机头上重复。")(lang))
    else:
        purpose = T("question answering", "问答")(lang)
        parts.append(not_cached_note(outcome.extra.get("trained_model", "a SQuAD model"), purpose)(lang))
    return sentences(parts, lang)


def _trained_sentence(outcome: Outcome, lang: str) -> str:
    """The fine-tuned checkpoint against the untrained heads: one deterministic evaluation, so its uncertainty is
    the Wilson interval over the questions; 'clearly above' only when that interval's lower end is above the
    untrained heads' upper end (their mean, for a single head)."""
    from ..analysis.stats import wilson_interval

    trained, n = outcome.mean("trained", "exact_match"), outcome.extra.get("questions")
    spread = _untrained_interval(outcome)
    ceiling = spread.ci_high if spread.n_pairs >= 2 else spread.difference
    if not isinstance(n, int) or n < 1:
        return T(f"The model fine-tuned on SQuAD matched {trained:.0%} exactly.",
                 f"在 SQuAD 上微调过的模型完全答对 {trained:.0%}。")(lang)
    low, high = wilson_interval(trained, n)
    clear = low > ceiling
    return T(f"The model fine-tuned on SQuAD matched {trained:.0%} exactly (95% Wilson interval over the {n} "
             f"questions {low:.0%} to {high:.0%}): "
             + ("clearly above the untrained head's " if clear else "not clearly above the untrained head's ")
             + f"{spread.difference:.0%}.",
             f"在 SQuAD 上微调过的模型完全答对 {trained:.0%}（按 {n} 个问题计算的 95% Wilson 区间为 {low:.0%} 至 "
             f"{high:.0%}）："
             + ("明显高于" if clear else "没有明显高于") + f"未训练问答头的 {spread.difference:.0%}。")(lang)


def _qa_head_demo() -> dict:
    """MiniLM loaded for QA: which weights were newly created, and how that head answers the project's questions."""
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from ..core.pretrained import load_pretrained
    from ..apps.qa import QA_EXAMPLES, TRAINED_QA_MODEL, QuestionAnswerer, score_answers

    torch.manual_seed(0)
    model, info = load_pretrained(AutoModelForQuestionAnswering, "minilm", "a QA head", output_loading_info=True)
    scored = score_answers(QuestionAnswerer(load_pretrained(AutoTokenizer, "minilm", "a QA head"), model))
    return {"new_weights": sorted(info["missing_keys"]), "exact_match": float(scored["exact"].mean()),
            "token_f1": float(scored["f1"].mean()), "questions": len(QA_EXAMPLES),
            "trained_model_here": hub_model_cached(TRAINED_QA_MODEL), "trained_model": TRAINED_QA_MODEL}


def _qa_head_verdict(v: dict, lang: str) -> str:
    new = ", ".join(v["new_weights"]) or T("none", "无")(lang)
    text = T(f"Loading MiniLM with AutoModelForQuestionAnswering created these weights at random: {new}. With that "
             f"head, {v['exact_match']:.0%} of the {v['questions']} answers matched exactly (token F1 "
             f"{v['token_f1']:.2f}).",
             f"用 AutoModelForQuestionAnswering 加载 MiniLM 时，以下权重是随机新建的：{new}。用这个问答头，"
             f"{v['questions']} 个问题中完全答对 {v['exact_match']:.0%}（词级 F1 {v['token_f1']:.2f}）。")(lang)
    if not v["trained_model_here"]:
        text = sentences([text, not_cached_note(v["trained_model"], T("question answering", "问答")(lang))(lang)], lang)
    return text


APP_4 = Lesson(
    id="app.4", topic="app", sources="004 code 2",
    title=T("Extractive question answering", "抽取式问答"),
    question=T("How does extractive question answering work with a pretrained encoder such as BERT?",
               "用 BERT 这类预训练编码器做抽取式问答是怎么工作的？"),
    answer=T("The question and the context go through the encoder together, and a small head scores every context "
             "token as the start and as the end of the answer; the answer is the best-scoring span. That head must "
             "be trained on QA data such as SQuAD: loading a plain encoder like bert-base-uncased with "
             "BertForQuestionAnswering creates the head with random weights, so its spans are guesses. Load a "
             "checkpoint already fine-tuned for QA, or fine-tune on question-context-answer examples. Long contexts "
             "are read in overlapping windows and the best span over all windows wins.",
             "问题和上下文一起送入编码器，一个小的输出头为上下文中的每个词元打分，判断它是答案起点还是终点的可能性；"
             "得分最高的片段就是答案。这个输出头必须在 SQuAD 这类问答数据上训练过：用 BertForQuestionAnswering 加载 "
             "bert-base-uncased 这样的普通编码器时，问答头是随机初始化的，给出的片段只是瞎猜。应当加载已经为问答"
             "微调过的检查点，或者用“问题—上下文—答案”样本自己微调。上下文太长时用重叠窗口分段读取，在所有窗口中"
             "取得分最高的片段。"),
    experiment=_qa_experiment, takeaway=_qa_takeaway,
    figures=figures.standard("token_f1", QA_LABELS, with_curves=False),
    quiz=Quiz(T("A QA head that was never trained: how many of 12 simple questions will it answer exactly?",
                "一个从未训练过的问答头：12 个简单问题里能完全答对多少？"),
              {"none": T("almost none (not clearly more than 10%)", "几乎没有（不能确定超过 10%）"),
               "some": T("some (clearly more than 10%, not clearly more than half)",
                         "一部分（明显超过 10%，但不能确定超过一半）"),
               "most": T("clearly more than half", "明显超过一半")},
              _guess_band),
    corrections=(Correction(
        "004 code 2",
        T("`BertForQuestionAnswering.from_pretrained('bert-base-uncased')` can answer questions as loaded.",
          "`BertForQuestionAnswering.from_pretrained('bert-base-uncased')` 加载后就能回答问题。"),
        T("That checkpoint has no QA head: the `qa_outputs` layer is created with random weights (transformers "
          "warns about newly initialised weights), so answers are random until the model is fine-tuned on QA data "
          "or a QA checkpoint is loaded.",
          "这个检查点没有问答头：`qa_outputs` 层是随机初始化的（transformers 会提示有新初始化的权重），所以在用问答"
          "数据微调或加载问答检查点之前，答案都是随机的。"),
        _qa_head_demo, _qa_head_verdict),),
    settings={"random_heads": 3}, demo_only=True,
)


# ---------------------------------------------------------------- app.5 translation (seq2seq)

# A toy language pair made for this lesson: the target uses its own words and puts adjectives after nouns, so a
# model has to map and reorder words, the two things translation needs.
TOY_LEXICON = {
    "det": {"the": "le", "a": "un"},
    "adj": {"red": "rouge", "big": "grand", "small": "petit", "old": "vieux", "green": "vert", "happy": "content"},
    "noun": {"cat": "chat", "dog": "chien", "house": "maison", "car": "voiture", "bird": "oiseau", "tree": "arbre"},
    "verb": {"sees": "voit", "likes": "aime", "follows": "suit", "finds": "trouve"},
}
TOY_TEST, TOY_BATCH = 100, 32


def _toy_pair(rng) -> tuple[str, str]:
    pick = {kind: rng.choice(sorted(words)) for kind, words in TOY_LEXICON.items()}
    d2, a2, n2 = (rng.choice(sorted(TOY_LEXICON[k])) for k in ("det", "adj", "noun"))
    w = lambda kind, word: TOY_LEXICON[kind][word]  # noqa: E731
    source = f"{pick['det']} {pick['adj']} {pick['noun']} {pick['verb']} {d2} {a2} {n2}"
    target = (f"{w('det', pick['det'])} {w('noun', pick['noun'])} {w('adj', pick['adj'])} {w('verb', pick['verb'])} "
              f"{w('det', d2)} {w('noun', n2)} {w('adj', a2)}")
    return source, target


def _toy_corpus(n_train: int, seed: int) -> tuple[list, list]:
    """Training pairs and TOY_TEST test pairs whose source sentences never occur in training."""
    import random

    rng = random.Random(seed)
    train = [_toy_pair(rng) for _ in range(n_train)]
    seen, test = {s for s, _ in train}, []
    while len(test) < TOY_TEST:
        pair = _toy_pair(rng)
        if pair[0] not in seen:
            seen.add(pair[0])
            test.append(pair)
    return train, test


def _toy_seq2seq(seed: int):
    """A small T5 (about 170k parameters) and a word-level tokenizer over the toy vocabulary, built in-process."""
    import string

    import torch
    from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

    words = sorted({w for table in TOY_LEXICON.values() for pair in table.items() for w in pair})
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    pieces += [(c, -5.0) for c in string.ascii_lowercase] + [("▁" + w, -1.0) for w in words]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0)
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(T5Config(
        vocab_size=len(tokenizer), d_model=64, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2, num_heads=4,
        dropout_rate=0.0, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id))
    return tokenizer, model


def _train_seq2seq(model, tokenizer, pairs, steps: int, seed: int) -> list[dict]:
    """Teacher-forced cross-entropy on random batches of (source, target) pairs; returns the loss every 10 steps."""
    import random

    import torch

    rng, rows = random.Random(seed), []
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for step in range(1, steps + 1):
        batch = rng.sample(pairs, min(TOY_BATCH, len(pairs)))
        inputs = tokenizer([s for s, _ in batch], return_tensors="pt", padding=True)
        labels = tokenizer([t for _, t in batch], return_tensors="pt", padding=True).input_ids
        labels[labels == tokenizer.pad_token_id] = -100          # padding is not a word to predict
        loss = model(**inputs, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 10 == 0 or step == steps:
            rows.append({"step": step, "train_loss": loss.item()})
    return rows


def _translation_scores(predicted: list[str], expected: list[str]) -> dict:
    exact = [p == e for p, e in zip(predicted, expected)]
    words = [sum(a == b for a, b in zip(p.split(), e.split())) / max(len(p.split()), len(e.split()))
             for p, e in zip(predicted, expected)]
    return {"exact_match": [float(np.mean(exact))], "word_accuracy": [float(np.mean(words))]}


def _translate_with(folder: str, model, tokenizer, sources: list[str]) -> list[str]:
    """Save the model like any checkpoint and translate through workbench.apps.translate.Translator."""
    from ..apps.translate import Translator

    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Translator(folder, batch_size=64, device="cpu").translate(sources, max_new_tokens=12)


def _translation_experiment(ctx: LessonContext) -> Outcome:
    import tempfile
    import time

    from ..apps.translate import DEFAULT_TRANSLATION_MODEL, Translator

    steps = ctx.size(ctx.settings["steps"], 40)
    parts, extra = [], {"steps": steps, "train_pairs": ctx.settings["train_pairs"], "test_pairs": TOY_TEST}
    for seed in ctx.seeds:
        train, test = _toy_corpus(ctx.settings["train_pairs"], seed)
        sources, targets = [s for s, _ in test], [t for _, t in test]
        tokenizer, model = _toy_seq2seq(seed)
        with tempfile.TemporaryDirectory() as folder, one_torch_thread():
            before = _translate_with(folder, model, tokenizer, sources)
            started = time.perf_counter()
            curve = _train_seq2seq(model, tokenizer, train, steps, seed)
            seconds = time.perf_counter() - started
            after = _translate_with(folder, model, tokenizer, sources)
        parts.append(Outcome(ctx.lesson_id, {"untrained": _translation_scores(before, targets),
                                             "trained": {**_translation_scores(after, targets),
                                                         "train_seconds": [seconds]}}))
        if seed == ctx.seeds[0]:
            extra["loss_curve"] = curve
            extra["examples"] = [{"source": s, "expected": t, "before": b, "after": a}
                                 for s, t, b, a in list(zip(sources, targets, before, after))[:4]]
    if hub_model_cached(DEFAULT_TRANSLATION_MODEL):
        english = ["The weather is lovely today.", "Where is the train station?"]
        extra["hub_examples"] = dict(zip(english, Translator(DEFAULT_TRANSLATION_MODEL).translate(english)))
    extra["hub_model"] = DEFAULT_TRANSLATION_MODEL
    return merge(ctx.lesson_id, parts, extra)


SEQ2SEQ_LABELS = {"untrained": T("before training", "训练前"), "trained": T("after training", "训练后")}


def _translation_takeaway(outcome: Outcome, lang: str) -> str:
    before, after = outcome.mean("untrained", "exact_match"), outcome.mean("trained", "exact_match")
    words = outcome.mean("trained", "word_accuracy")
    steps, n = outcome.extra.get("steps", "?"), outcome.extra.get("test_pairs", "?")
    seconds = mean_or_none(outcome, "trained", "train_seconds")
    time_en = f" ({seconds:.0f} s here)" if seconds is not None else ""
    time_zh = f"（本机用时 {seconds:.0f} 秒）" if seconds is not None else ""
    parts = [T(f"Before training, the small encoder-decoder translated {before:.0%} of {n} unseen sentences exactly; "
               f"after {steps} steps{time_en} it translated {after:.0%} exactly, with {words:.0%} of words right in "
               "place.",
               f"训练前，这个小型编码器—解码器模型把 {n} 个没见过的句子完全译对 {before:.0%}；训练 {steps} 步后"
               f"{time_zh}，完全译对 {after:.0%}，逐位置词正确率为 {words:.0%}。")(lang)]
    if after >= 0.9:
        parts.append(T("It learned both the word mapping and the reordering (adjective after noun) well enough to "
                       "handle new combinations: that is what the decoder's attention over the source buys.",
                       "它同时学会了词的对应和语序调整（形容词放到名词后面），能处理新的组合：这正是解码器对源句做注意力"
                       "带来的能力。")(lang))
    elif after >= 0.3:
        parts.append(T("It has learned much of the mapping but still slips on some sentences; more steps would close "
                       "the gap.", "它已学到大部分对应关系，但仍有部分句子出错；再多训练一些步数就能补上差距。")(lang))
    else:
        parts.append(T("Too few steps to learn the task yet: raise the steps setting.",
                       "步数太少，还没学会这个任务：请调高 steps 设置。")(lang))
    examples = outcome.extra.get("examples") or []
    if examples:
        e = examples[0]
        parts.append(T(f"Example: “{e['source']}” → “{e['after']}” (expected “{e['expected']}”).",
                       f"例子：“{e['source']}” → “{e['after']}”（应为“{e['expected']}”）。")(lang))
    hub = outcome.extra.get("hub_examples")
    if hub:
        first = next(iter(hub.items()))
        parts.append(T(f"The real model {outcome.extra['hub_model']} turned “{first[0]}” into “{first[1]}”.",
                       f"真实模型 {outcome.extra['hub_model']} 把“{first[0]}”译为“{first[1]}”。")(lang))
    else:
        parts.append(not_cached_note(outcome.extra.get("hub_model", "a translation model"),
                                      T("English-Chinese translation", "英译中")(lang))(lang))
    return sentences(parts, lang)


def _translation_figures(outcome: Outcome, lang: str) -> list:
    from ..analysis import plots

    out = figures.standard("exact_match", SEQ2SEQ_LABELS, with_curves=False)(outcome, lang)
    if outcome.extra.get("loss_curve"):
        out.append((T("Training loss of the toy seq2seq model", "玩具 seq2seq 模型的训练损失")(lang),
                    plots.fig_training_curves({"seq2seq": outcome.extra["loss_curve"]}, metrics=("train_loss",))))
    return out


def _seq2seq_class_demo() -> dict:
    import transformers

    try:
        from transformers import TransformerModel  # noqa: F401  (the notes' import)
        import_error = ""
    except ImportError as err:
        import_error = re.sub(r"\s*\(/.*\)$", "", str(err).splitlines()[0])   # without the local file path
    real = ("AutoModelForSeq2SeqLM", "MarianMTModel", "T5ForConditionalGeneration", "MBartForConditionalGeneration")
    return {"has_TransformerModel": hasattr(transformers, "TransformerModel"), "import_error": import_error,
            "real_classes": [name for name in real if hasattr(transformers, name)],
            "transformers_version": transformers.__version__}


def _seq2seq_class_verdict(v: dict, lang: str) -> str:
    real = ", ".join(v["real_classes"])
    if v["has_TransformerModel"]:
        return T(f"transformers {v['transformers_version']} does have a TransformerModel attribute; check what it is "
                 f"before using it. The seq2seq classes: {real}.",
                 f"transformers {v['transformers_version']} 确实有 TransformerModel 这个属性；使用前先确认它是什么。"
                 f"序列到序列的类有：{real}。")(lang)
    return T(f"transformers {v['transformers_version']} has no TransformerModel (hasattr is False; the import fails: "
             f"“{v['import_error']}”). The seq2seq classes that exist: {real}, loaded with a real checkpoint such as "
             "Helsinki-NLP/opus-mt-en-zh or t5-small; 'transformer-base' is not a checkpoint name.",
             f"transformers {v['transformers_version']} 没有 TransformerModel（hasattr 为 False，导入时报错："
             f"“{v['import_error']}”）。真实存在的序列到序列类有：{real}，要配合真实的检查点名使用，例如 "
             "Helsinki-NLP/opus-mt-en-zh 或 t5-small；'transformer-base' 不是检查点名。")(lang)


APP_5 = Lesson(
    id="app.5", topic="app", sources="004 code 3",
    title=T("Sequence-to-sequence mechanics (the basis of machine translation)",
            "序列到序列的基本机制（机器翻译的基础）"),
    question=T("How do you use and fine-tune a pretrained model for machine translation?",
               "如何使用并微调预训练模型来做机器翻译？"),
    answer=T("Translation is a sequence-to-sequence task: an encoder reads the source sentence and a decoder writes "
             "the target one token at a time, attending to the encoder's states, which is what lets it reorder words. "
             "In transformers the entry point is AutoModelForSeq2SeqLM with a real checkpoint (Marian opus-mt models "
             "for one language pair; T5, mBART or NLLB for many) and model.generate(). Fine-tuning uses source and "
             "target sentence pairs, with the target tokens as labels. Quality is measured with BLEU or chrF on "
             "held-out sentences. What this lesson shows, and what it does not: no pretrained translation model is "
             "fine-tuned here, because the workbench runs offline and ships none (a Marian model is about 300 MB, "
             "and a download is not possible here). Instead it trains a tiny encoder-decoder (a T5 of about 170k "
             "parameters) from scratch on a made-up language pair that needs word mapping and reordering, and "
             "measures exact-match translations of unseen sentences before and after training: the mechanics of "
             "sequence-to-sequence training (teacher forcing, labels, generate()). It says nothing about the "
             "quality of a real pretrained translator, or about how much fine-tuning one improves it; if such a "
             "model is already cached on this machine, the lesson also shows two of its translations.",
             "翻译是序列到序列任务：编码器读入源句，解码器一边关注编码器的状态一边逐个词元写出译文，正是这种注意力让"
             "模型能够调整语序。在 transformers 里，入口是 AutoModelForSeq2SeqLM 加一个真实的检查点（单一语言对用 "
             "Marian 的 opus-mt 系列，多语言用 T5、mBART 或 NLLB），再调用 model.generate()。微调时使用源句与目标句"
             "的句对，把目标句的词元作为标签。质量用留出句子上的 BLEU 或 chrF 来衡量。本课能说明什么、不能说明什么："
             "这里没有微调任何预训练翻译模型，因为工作台离线运行、也没有自带这样的模型（一个 Marian 模型约 300 MB，"
             "这里无法下载）。本课改为在一个人造语言对上从零训练一个极小的编码器—解码器（约 17 万参数的 T5），这个语言对"
             "需要词的对应和语序调整，并测量训练前后没见过的句子完全译对的比例：展示的是序列到序列训练的机制（teacher "
             "forcing、标签、generate()）。它不能说明真实预训练翻译模型的质量，也不能说明微调能让它提高多少；如果本机"
             "已经缓存了这样的模型，本课还会展示它的两句翻译。"),
    experiment=_translation_experiment, takeaway=_translation_takeaway, figures=_translation_figures,
    quiz=Quiz(T("A 170k-parameter seq2seq model, a few hundred steps on 2,000 toy sentence pairs: how many unseen "
                "sentences will it translate exactly?",
                "一个 17 万参数的 seq2seq 模型，在 2000 个玩具句对上训练几百步：没见过的句子能完全译对多少？"),
              {"few": T("under 30%", "不到 30%"), "many": T("30% to 90%", "30% 到 90%"),
               "nearly_all": T("90% or more", "90% 及以上")},
              lambda o: ("few" if o.mean("trained", "exact_match") < 0.3 else
                         "many" if o.mean("trained", "exact_match") < 0.9 else "nearly_all")),
    corrections=(Correction(
        "004 code 3",
        T("Load a translation model with `transformers.TransformerModel.from_pretrained('transformer-base')`.",
          "用 `transformers.TransformerModel.from_pretrained('transformer-base')` 加载翻译模型。"),
        T("Neither exists: use AutoTokenizer and AutoModelForSeq2SeqLM with a real checkpoint (e.g. "
          "Helsinki-NLP/opus-mt-en-zh), or pipeline('translation', model=...).",
          "这两者都不存在：应使用 AutoTokenizer 和 AutoModelForSeq2SeqLM 加真实的检查点（例如 "
          "Helsinki-NLP/opus-mt-en-zh），或 pipeline('translation', model=...)。"),
        _seq2seq_class_demo, _seq2seq_class_verdict),),
    settings={"steps": 300, "train_pairs": 2000}, demo_only=True,
)
