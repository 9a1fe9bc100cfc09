"""Sequence-to-sequence lesson (app.5): a tiny T5 (about 170k parameters) trained from scratch on a made-up language
pair, exact match and word accuracy on unseen sentences before and after training; opus-mt-en-zh translates two
sentences only if already cached. A correction demo shows that transformers has no TransformerModel."""
from __future__ import annotations

import re

import numpy as np

from .. import figures
from ..base import Correction, Lesson, LessonContext, Outcome, Quiz, T
from ..support import hub_model_cached, mean_or_none, merge, not_cached_note, one_torch_thread, sentences

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
    from ...apps.translate import Translator

    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Translator(folder, batch_size=64, device="cpu").translate(sources, max_new_tokens=12)


def _translation_experiment(ctx: LessonContext) -> Outcome:
    import tempfile
    import time

    from ...apps.translate import DEFAULT_TRANSLATION_MODEL, Translator

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
    from ...analysis import plots

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
