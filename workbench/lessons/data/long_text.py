"""Long-text lesson (data.5): MiniLM fine-tuned on Rotten Tomatoes reads long reviews stitched from test snippets, the
deciding one at the start, middle or end, by truncation, head + tail and sliding windows (mean or max); accuracy
per position, and time."""
from __future__ import annotations

from ...core.config import RunConfig
from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, speed_phrase
from ..evaluation.common import QUICK_TEXT, add, finished_runs, mean_of_present, run_store
from ..support import verdict
from .common import REVIEWS

# ---------------------------------------------------------------- data.5 long text

MODE_LABELS = {"truncate": T("truncate (head only)", "截断（只保留开头）"), "head_tail": T("head + tail", "开头 + 结尾"),
               "sliding_window (mean)": T("sliding windows, mean", "滑动窗口，取平均"),
               "sliding_window (max)": T("sliding windows, max", "滑动窗口，取最大")}


POSITION_LABELS = {"start": T("at the start", "在开头"), "middle": T("in the middle", "在中间"),
                   "end": T("at the end", "在结尾")}
MODE_FAMILY_LABELS = {"truncate": T("truncation", "截断"), "head_tail": T("head + tail", "开头 + 结尾"),
                      "sliding_window": T("sliding windows", "滑动窗口")}


def _long_text_experiment(ctx: LessonContext) -> Outcome:
    from ...lab.long_text import POSITIONS, compare_long_text_modes, long_reviews_for_run

    s = ctx.settings
    cfg = RunConfig.from_flat(**{**REVIEWS, "save_model": True}, max_train_samples=s["train_examples"],
                              epochs=s["epochs"], lr=s["lr"])
    runs = ctx.run_variants({"fine-tuned": cfg}, **QUICK_TEXT)
    store = run_store(ctx)
    max_length = int(s["max_length"])
    samples = {}
    extra = {"max_length": max_length, "positions": list(POSITIONS), "snippets": s["snippets"], "mean_tokens": [],
             "seconds": {}}
    for seed, run_id in finished_runs(ctx, runs, "fine-tuned"):
        for position in POSITIONS:
            # the same snippets and seed at every position: only where the decisive snippet sits changes
            texts, labels = long_reviews_for_run(run_id, n=ctx.size(s["reviews"], 12), snippets=s["snippets"],
                                                 seed=seed, store=store, position=position)
            table = compare_long_text_modes(run_id, texts, labels, [max_length], store=store)
            for row in table.itertuples():
                add(samples, row.mode, f"accuracy@{position}", row.accuracy)
                if seed == ctx.seeds[0] and position == "end":
                    extra["seconds"][row.mode] = row.seconds
                    extra["windows_per_text"] = row.windows_per_text if row.mode.startswith("sliding") else \
                        extra.get("windows_per_text")
            if position == "end":
                extra["mean_tokens"].append(table.attrs["mean_tokens"])
    return Outcome("data.5", samples, extra, runs.run_ids, runs.histories)


def _family(mode: str) -> str:
    return "sliding_window" if mode.startswith("sliding_window") else mode


def _position_winner(o: Outcome, position: str) -> str | None:
    """The mode family whose best mode the paired verdict puts ahead of every mode of the other families at this
    position (the two sliding-window pools are one family); None when no family is clearly ahead."""
    key = f"accuracy@{position}"
    modes = [m for m in MODE_LABELS if m in o.samples and o.values(m, key)]
    if len(modes) < 2:
        return None
    best = max(modes, key=lambda m: o.mean(m, key))
    rivals = [m for m in modes if _family(m) != _family(best)]
    if rivals and all(verdict(o, best, m, key) == "a" for m in rivals):
        return _family(best)
    return None


def _long_text_takeaway(o: Outcome, lang: str) -> str:
    n = o.extra["max_length"]
    tokens = mean_of_present(o.extra.get("mean_tokens")) or 0
    text = T(f"Each test review was about {tokens:.0f} tokens long, {o.extra.get('snippets')} snippets of which only "
             f"one decides the label (the others come from both classes alike); the model read them with max_length "
             f"{n}. ",
             f"每条测试影评约 {tokens:.0f} 个词元，由 {o.extra.get('snippets')} 段拼成，其中只有一段决定标签（其余各段"
             f"均匀来自两个类别）；模型用 max_length {n} 读取。")(lang)
    winners = {}
    for position in o.extra.get("positions", []):
        key = f"accuracy@{position}"
        modes = [m for m in MODE_LABELS if m in o.samples and o.values(m, key)]
        if not modes:
            continue
        scores = T(", ", "，")(lang).join(f"{MODE_LABELS[m](lang)} {o.mean(m, key):.3f}" for m in modes)
        winner = winners[position] = _position_winner(o, position)
        where = POSITION_LABELS[position](lang)
        text += T(f"Deciding snippet {where}: {scores}; ", f"决定性片段{where}：{scores}；")(lang)
        if winner:
            text += T(f"{MODE_FAMILY_LABELS[winner].en} came out clearly ahead of every other mode (paired verdict "
                      "over seeds). ", f"{MODE_FAMILY_LABELS[winner].zh}明显领先其他所有方式（按种子配对判断）。")(lang)
        else:
            text += T("no mode was clearly ahead of all the others at this budget. ",
                      "在这个预算下，没有哪种方式明显领先其他所有方式。")(lang)
    clear = {p: w for p, w in winners.items() if w}
    if len(set(clear.values())) > 1:
        text += T("The winner changed with where the deciding part sat: which part of the text holds the signal "
                  "decides which mode to use. ",
                  "胜出者随决定性片段的位置而变：文本的哪一部分带着信号，决定了该用哪种方式。")(lang)
    if clear.get("middle") == "sliding_window":
        text += T("Only sliding windows read every part, which is why they are the safe choice when you do not know "
                  "where the signal sits, at a cost per text that grows with its length. ",
                  "只有滑动窗口读到了每一部分，所以不知道信号在哪里时它是稳妥的选择，代价是每条文本的计算量随长度增长。")(lang)
    seconds = o.extra.get("seconds", {})
    if "truncate" in seconds and "sliding_window (mean)" in seconds:
        # one timing each, so no verdict on the speed
        timing = speed_phrase(seconds["sliding_window (mean)"], seconds["truncate"], lang, clear=False)
        windows = o.extra.get("windows_per_text")
        text += T(f"Sliding windows against truncation took {timing}"
                  + (f" ({windows:.1f} windows per text)." if windows else "."),
                  f"滑动窗口与截断的耗时为 {timing}" + (f"（每条文本 {windows:.1f} 个窗口）。" if windows else "。"))(lang)
    return text.strip()


def _long_text_figures(o: Outcome, lang: str) -> list:
    from ...analysis.plots import fig_variant_bars

    out = []
    for position in o.extra.get("positions", []):
        key = f"accuracy@{position}"
        modes = [m for m in MODE_LABELS if m in o.samples and o.values(m, key)]
        if modes:
            fig = fig_variant_bars({MODE_LABELS[m](lang): o.mean(m, key) for m in modes},
                                   {MODE_LABELS[m](lang): o.spread(m, key) for m in modes},
                                   y_title=T("accuracy on long reviews", "长影评准确率")(lang))
            where = POSITION_LABELS[position]
            out.append((T(f"Deciding snippet {where('en')}", f"决定性片段{where('zh')}")(lang), fig))
    return out


def _long_text_choice(o: Outcome) -> str:
    return _position_winner(o, "middle") or "tie"


DATA_5 = Lesson(
    id="data.5", topic="data", sources="003 #9",
    title=T("Long texts: truncation, head + tail, sliding windows", "长文本：截断、首尾拼接与滑动窗口"),
    question=T("Your texts are longer than the model's maximum input length. What can you do?",
               "文本长度超过了模型的最大输入长度，该怎么办？"),
    answer=T("Truncation keeps the first max_length tokens and drops the rest: cheap, and fine when the beginning "
             "carries the label. Head + tail keeps the opening and the ending (a known recipe for reviews: about a "
             "quarter head, three quarters tail), since conclusions often sit at the end. Sliding windows cut the "
             "text into overlapping chunks, classify each and pool the results (mean or max): nothing is lost, but "
             "inference costs grow with the length. Beyond that, summarise first, or use a model built for long "
             "inputs (Longformer, BigBird). Measure on your own data: which part holds the signal decides the winner. "
             "The experiment here fine-tunes MiniLM on short reviews, then builds long test reviews from unseen "
             "snippets in which exactly one snippet decides the label, and moves that snippet to the start, the "
             "middle and the end, so that no position favours one mode by construction.",
             "截断只保留前 max_length 个词元，丢掉其余部分：代价低，开头就能决定标签时效果不错。首尾拼接同时保留开头和"
             "结尾（评论类文本的常见做法：约四分之一开头、四分之三结尾），因为结论往往在最后。滑动窗口把文本切成相互"
             "重叠的片段，逐段分类再汇总（取平均或取最大）：信息不丢失，但推理开销随长度增长。此外还可以先做摘要，或换用"
             "专为长输入设计的模型（Longformer、BigBird）。要在自己的数据上实测：信号在文本的哪一部分，决定了哪种方法胜出。"
             "这里的实验先用短影评微调 MiniLM，再用没见过的片段拼出长测试影评，其中只有一段决定标签，并把这一段分别放在"
             "开头、中间和结尾，这样就没有哪个位置在构造上偏向某一种方式。"),
    experiment=_long_text_experiment, takeaway=_long_text_takeaway, figures=_long_text_figures,
    quiz=Quiz(T("Long reviews of {snippets} snippets whose deciding snippet sits in the middle, read with max_length "
                "{max_length}: which mode will score clearly best?",
                "由 {snippets} 段拼成、决定性片段在中间的长影评，用 max_length {max_length} 读取：哪种方式的得分明显最高？"),
              {"truncate": T("truncation", "截断"), "head_tail": T("head + tail", "开头 + 结尾"),
               "sliding_window": T("sliding windows (either pooling)", "滑动窗口（任一种汇总方式）"),
               "tie": NO_CLEAR_DIFFERENCE},
              _long_text_choice),
    settings={"train_examples": 400, "epochs": 2, "lr": 1e-4, "reviews": 40, "snippets": 7, "max_length": 64},
    repeats=3,
)
