"""What the LLM lessons share: instruction-tuning trials of the offline SmolLM2 per seed and variant, and probes of
what a narrow fine-tune does to the model's general answers.

Every trial loads a fresh copy of the base model (from the workbench's cached float weights, a fraction of a
second), builds the task's pairs from that seed's split of the shipped data, and trains with workbench.llm.sft, which
holds the host's device lock. The held-out prompts differ between seeds and are the same for every variant of one
seed, so variants are paired by seed.
"""
from __future__ import annotations

import statistics

from ..base import LessonContext, Outcome, T, register_metric_names

# "exact_match" is named in support.EXTRA_METRIC_NAMES
LLM_METRIC_NAMES = {
    "format_rate": T("answers in the required format", "符合要求格式的回答比例"),
    "base_format_rate": T("base model: answers in format", "基座模型：格式正确比例"),
    "base_exact_match": T("base model: right answers", "基座模型：回答正确比例"),
    "val_loss": T("validation loss on the answers", "回答部分的验证损失"),
    "general_ppl_ratio": T("perplexity of the base model's own general answers, after / before",
                           "基座模型自身通用回答的困惑度（微调后/微调前）"),
    "general_changed": T("general answers that changed", "改变了的通用回答比例"),
    "general_task_words": T("general answers that became spam/ham", "变成 spam/ham 的通用回答比例"),
    "optimizer_mb": T("gradients + Adam state (MB, estimate)", "梯度与 Adam 状态（MB，估算）"),
    "diversity": T("prompts with differing samples", "多次采样结果不同的提示比例"),
    "majority_share": T("always answering 'ham'", "总是回答 ham"),
}
register_metric_names(LLM_METRIC_NAMES,
                      {"val_loss", "general_ppl_ratio", "general_changed", "general_task_words", "optimizer_mb"})

TASK = "sms_verdict"
# Full mode: small enough for three seeds of every variant within the lesson's four minutes on two cores (12
# steps of 8 pairs and 24 prompts took about 46 s a training, so llm.1's six took 275 s).
FULL = {"train_examples": 64, "steps": 12, "batch_size": 4, "eval_prompts": 20, "max_new_tokens": 4}
QUICK = {"train_examples": 16, "steps": 2, "batch_size": 4, "eval_prompts": 4, "max_new_tokens": 3}

# General questions with short answers, none about text messages: the forgetting probe (llm.4) asks the EVAL set;
# the TRAIN set, answered by the base model itself, is the general data mixed into a fine-tune to limit forgetting.
GENERAL_EVAL = (
    "What is the capital of France?", "Name three primary colours.", "How many days are in a leap year?",
    "What gas do plants take in from the air?", "Translate 'thank you' into Spanish.",
    "What is 12 multiplied by 12?", "Who wrote Romeo and Juliet?", "What is the boiling point of water in Celsius?",
    "Give a synonym for 'happy'.", "What is the largest planet in the solar system?",
    "How many continents are there?", "What language is spoken in Brazil?",
)
GENERAL_TRAIN = (
    "What is the capital of Japan?", "Name two mammals that live in the sea.", "How many hours are in a day?",
    "What colour do you get by mixing blue and yellow?", "Translate 'good morning' into French.",
    "What is 15 plus 27?", "Who painted the Mona Lisa?", "What is the freezing point of water in Celsius?",
    "Give an antonym for 'cold'.", "What is the closest star to Earth?", "How many legs does a spider have?",
    "What is the chemical symbol for gold?",
)


def sizes(ctx: LessonContext) -> dict:
    """The trial sizes of this mode, with the lesson's settings on top."""
    return {**(QUICK if ctx.quick else FULL), **{k: v for k, v in ctx.settings.items() if k in FULL and not ctx.quick}}


def majority_share(pairs) -> float:
    """The exact match of always giving the commonest wanted answer (for SMS: 'ham') on these prompts: what a
    model that learned only the format and the majority answer would score."""
    from collections import Counter

    counts = Counter(p.response.strip() for p in pairs)
    return counts.most_common(1)[0][1] / len(pairs) if pairs else float("nan")


def majority_note(outcome: Outcome, variant: str, lang: str, name: str | None = None) -> str:
    """Where a variant's right answers stand against always giving the commonest answer, by the paired verdict;
    `name` is how the sentence calls the variant (default: its key)."""
    from ..support import against

    share = outcome.samples[variant].get("majority_share", [])
    if not outcome.values(variant, "majority_share"):
        return ""
    verdict = against(share, outcome.samples[variant].get("exact_match", []), "exact_match")
    where = {"b": T("clearly above it", "明显高于它"), "a": T("clearly below it", "明显低于它"),
             None: T("not clearly different from it, so these answers may be the format and the majority answer "
                     "more than the task", "与它没有明显差别，所以这些回答体现的可能主要是格式和多数类答案，而不是任务本身")}
    m, name = statistics.fmean(outcome.values(variant, "majority_share")), name or variant
    return T(f"For reference, answering 'ham' to every prompt scores {m:.2f}; {name}: right answers ",
             f"作为参照，对每个提示都回答 ham 可得 {m:.2f}；{name}的回答正确率")(lang) + where[verdict.winner](lang) + \
        T(".", "。")(lang)


class TrialHandle:
    """What a lesson job's on_start receives for one training (as a runner's RunHandle): stop() ends the training
    at the end of its current step, and the lesson then starts no more trainings."""

    def __init__(self, label: str):
        import threading

        self.id, self._stop = label, threading.Event()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()


def start_trial(ctx: LessonContext, variant: str, seed: int) -> TrialHandle:
    handle = TrialHandle(f"{ctx.lesson_id} {variant} seed {seed}")
    if ctx.on_start:
        ctx.on_start(variant, handle)
    return handle


def sft_trials(ctx: LessonContext, variants: dict[str, dict], measure=None, extra: dict | None = None) -> Outcome:
    """Train every variant once per seed. A variant is SFTConfig overrides, plus optional "train_examples" and
    "mix_general" (how many general pairs to add to the training set). measure(result, data, seed) may return more
    per-run metrics. Samples: format_rate, exact_match (after), base_format_rate, base_exact_match, val_loss,
    train_seconds, trainable_parameters, and whatever measure adds."""
    from ...llm.causal_lm import Decoding, load_causal_lm
    from ...llm.instructions import build_task
    from ...llm.sft import SFTConfig, TrainingStopped, train_sft

    size = sizes(ctx)
    samples: dict[str, dict[str, list]] = {name: {} for name in variants}
    histories: dict[str, list] = {}
    base_answers: dict[tuple, tuple] = {}     # the base model's answers, once per seed's prompts and decoding
    for seed in ctx.seeds:
        for name, options in variants.items():
            handle = start_trial(ctx, name, seed)
            if handle.stopped:                    # the lesson was stopped: a partial outcome, never saved
                return Outcome(ctx.lesson_id, samples, extra or {}, {}, histories)
            options = dict(options)
            n_train = int(options.pop("train_examples", size["train_examples"]))
            mix = int(options.pop("mix_general", 0))
            data = build_task(TASK, n_train, size["eval_prompts"], seed)
            if mix:
                data.train = data.train + general_replay(mix)
            model, tokenizer = load_causal_lm()
            cfg = SFTConfig(**{"max_steps": size["steps"], "batch_size": size["batch_size"],
                               "eval_every": size["steps"],
                               "eval_prompts": size["eval_prompts"], "score_during_training": False, "seed": seed,
                               "decoding": Decoding(max_new_tokens=size["max_new_tokens"]), **options})
            # the scores compare each answer with its pair's response, so the pairs themselves are the key
            asked = (tuple(data.test[:cfg.eval_prompts]), cfg.decoding)
            try:
                result = train_sft(model, tokenizer, data, cfg, should_stop=lambda: handle.stopped,
                                   base=base_answers.get(asked))
            except TrainingStopped:              # stopped while waiting for the device
                return Outcome(ctx.lesson_id, samples, extra or {}, {}, histories)
            base_answers[asked] = (result.before, [row["base"] for row in result.answers])
            losses = [row["eval_loss"] for row in result.history if "eval_loss" in row]
            row = {"format_rate": result.after["format_rate"], "exact_match": result.after["exact_match"],
                   "majority_share": majority_share(data.test[:cfg.eval_prompts]),
                   "base_format_rate": result.before["format_rate"],
                   "base_exact_match": result.before["exact_match"], "val_loss": losses[-1] if losses else None,
                   "train_seconds": result.train_seconds,
                   "trainable_parameters": float(result.trainable_parameters)}
            if measure:
                row.update(measure(result, tokenizer, data, seed))
            for metric, value in row.items():
                samples[name].setdefault(metric, []).append(value)
            histories.setdefault(name, result.history)
    return Outcome(ctx.lesson_id, samples, extra or {}, {}, histories)


_replay_answers: dict[tuple[str, int], str] = {}


def base_answers(prompts: tuple[str, ...], max_new_tokens: int = 16) -> list[str]:
    """The base model's greedy answers (computed once per process and prompt, under the device lock)."""
    from ...llm.causal_lm import Decoding, generate, load_causal_lm
    from ...llm.sft import holding_device

    missing = [p for p in prompts if (p, max_new_tokens) not in _replay_answers]
    if missing:
        with holding_device("a lesson's base-model answers"):
            model, tokenizer = load_causal_lm()
            answers = generate(model, tokenizer, missing, Decoding(max_new_tokens))
        for prompt, answer in zip(missing, answers):
            _replay_answers[(prompt, max_new_tokens)] = answer
    return [_replay_answers[(p, max_new_tokens)] for p in prompts]


def general_replay(n: int) -> list:
    """n general pairs (cycled from GENERAL_TRAIN) answered by the base model itself: mixing them into a narrow
    fine-tune asks the model to keep answering general questions as it did."""
    from ...llm.causal_lm import Pair

    prompts = tuple(GENERAL_TRAIN[i % len(GENERAL_TRAIN)] for i in range(n))
    return [Pair(p, a or "I am not sure.") for p, a in zip(prompts, base_answers(prompts))]


def general_probe(model, tokenizer, max_new_tokens: int = 16) -> dict:
    """How a fine-tuned model answers the general questions (GENERAL_EVAL) compared with the base model: the mean
    loss of the base model's own answers under this model (its perplexity ratio is computed by the caller against
    the base model's), the share of greedy answers that changed, and the share that became a task word."""
    import torch

    from ...llm.causal_lm import Decoding, Pair, collate, encode_pair, generate
    from ...llm.sft import holding_device

    reference = base_answers(GENERAL_EVAL, max_new_tokens)     # takes the device lock itself, so before ours
    encoded = [encode_pair(tokenizer, Pair(p, a or "."), 256) for p, a in zip(GENERAL_EVAL, reference)]
    batch = {k: v.to(model.device) for k, v in collate(encoded, tokenizer.pad_token_id).items()}
    with holding_device("a lesson's general-answer probe"):
        answers = generate(model, tokenizer, list(GENERAL_EVAL), Decoding(max_new_tokens))
        with torch.inference_mode():
            loss = float(model(**batch).loss)
    words = {"spam", "ham"}
    return {"loss": loss, "changed": statistics.fmean(a != r for a, r in zip(answers, reference)),
            "task_words": statistics.fmean(a.strip(" .!").lower() in words for a in answers), "answers": answers}


def lora_parameter_counts(ranks: list[int]) -> dict[int, int]:
    """LoRA's trainable parameters on the base model's attention projections at each rank: r x (inputs + outputs)
    per adapted matrix, the count PEFT reports (computed, not trained)."""
    import torch

    from ...llm.causal_lm import load_causal_lm
    from ...llm.sft import LORA_TARGETS

    model, _ = load_causal_lm()
    shapes = [(m.in_features, m.out_features) for name, m in model.named_modules()
              if isinstance(m, torch.nn.Linear) and name.endswith(LORA_TARGETS)]
    return {int(r): int(r) * sum(i + o for i, o in shapes) for r in ranks}
