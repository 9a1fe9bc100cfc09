"""Recommendation lesson (app.6): on MovieLens 100k's most-rated films, FLM (a user profile from MiniLM vectors of
the films they liked, plain mean or recency-weighted) against popularity and random rankings, by hit rate and
recall at k on each user's held-out latest liked film."""
from __future__ import annotations

from .. import figures
from ..base import Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, noise_clause, ranking_takeaway
from ..support import clear_leader, sentences, verdict

# ---------------------------------------------------------------- app.6 FLM recommendation

RECOMMENDER_LABELS = {"flm": T("FLM (mean profile)", "FLM（平均画像）"),
                      "flm_recent": T("FLM (recent items weigh more)", "FLM（近期物品权重更高）"),
                      "popularity": T("most popular", "最热门"), "random": T("random", "随机")}


def _method_key(name: str) -> str:
    return "flm_recent" if name.startswith("flm (recency") else "flm" if name.startswith("flm") else name


def _flm_experiment(ctx: LessonContext) -> Outcome:
    from ...apps.embeddings import Encoder
    from ...apps.movielens import load_movielens_100k
    from ...apps.recommend import LMRecommender, evaluate_recommender

    s = ctx.settings
    interactions, items = load_movielens_100k()
    popular = interactions["item"].value_counts().index[:ctx.size(s["items"], 60)]
    items = items[items["item"].isin(popular)]
    recommender = LMRecommender(items, Encoder("minilm"))
    samples: dict = {}
    for seed in ctx.seeds:
        table = evaluate_recommender(interactions, items, k=s["k"], half_life=s["half_life"],
                                     min_rating=s["min_rating"], max_users=ctx.size(s["users"], 60), seed=seed,
                                     recommender=recommender)
        for name, row in table.iterrows():
            metrics = samples.setdefault(_method_key(name), {"hit_rate": [], "recall": []})
            metrics["hit_rate"].append(float(row[f"hit_rate@{s['k']}"]))
            metrics["recall"].append(float(row[f"recall@{s['k']}"]))
    extra = {"k": s["k"], "items": len(items), "users": int(table["users"].iloc[0]),
             "candidates": float(table["candidates per user"].iloc[0])}
    return Outcome(ctx.lesson_id, samples, extra)


def _flm_takeaway(outcome: Outcome, lang: str) -> str:
    k = outcome.extra.get("k", 10)
    flm = outcome.best("hit_rate", [v for v in ("flm", "flm_recent") if v in outcome.samples])
    parts = [T(f"Hit rate at {k} (share of users whose held-out movie was in the top {k}). ",
               f"前 {k} 命中率（被留出的电影出现在前 {k} 个推荐里的用户比例）。")(lang)
             + ranking_takeaway(outcome, "hit_rate", lang, RECOMMENDER_LABELS),
             compare_takeaway(outcome, flm, "random", "hit_rate", lang, RECOMMENDER_LABELS),
             compare_takeaway(outcome, flm, "popularity", "hit_rate", lang, RECOMMENDER_LABELS)]
    versus_popularity = verdict(outcome, flm, "popularity", "hit_rate")
    if versus_popularity == "a":
        parts.append(T("The language-model profile beat popularity: the movie texts carry each user's taste.",
                       "语言模型画像胜过了热门榜：电影文本里确实带着每个用户的口味。")(lang))
    elif versus_popularity == "b":
        parts.append(T("Popularity won: on MovieLens most held-out movies are popular ones, which a text profile does "
                       "not know. FLM's use is beyond popularity (new items with text but no ratings, niche "
                       "tastes); in practice the two are blended.",
                       "热门榜赢了：MovieLens 里被留出的电影大多本身就热门，而文本画像并不知道热度。FLM 的价值在热度之外"
                       "（只有文本、还没有评分的新物品，小众口味）；实际系统通常把两者结合。")(lang))
    else:
        parts.append(T("With neither ranking clearly ahead, production systems usually blend the two.",
                       "两种排序都没有明显领先时，实际系统通常把两者结合起来。")(lang))
    if "flm_recent" in outcome.samples and "flm" in outcome.samples:
        gain = outcome.mean("flm_recent", "hit_rate") - outcome.mean("flm", "hit_rate")
        clause = noise_clause(outcome, "flm", "flm_recent", "hit_rate", lang)
        if verdict(outcome, "flm", "flm_recent", "hit_rate") == "tie":
            parts.append(T(f"Weighting recent movies more moved the mean hit rate by {gain:+.3f}; {clause}.",
                           f"提高近期电影的权重后，平均命中率变化 {gain:+.3f}；{clause}。")(lang))
        else:
            parts.append(T(f"Weighting recent movies more changed the hit rate by {gain:+.3f}; {clause}.",
                           f"提高近期电影的权重使命中率变化了 {gain:+.3f}；{clause}。")(lang))
    return sentences(parts, lang)


def _ranking_choice(outcome: Outcome) -> str:
    """The quiz's answer: the ranking with the highest hit rate when the paired verdict over seeds puts it ahead of
    every ranking outside its choice (both FLM profiles answer 'flm'); 'tie' when this budget cannot tell."""
    return clear_leader(outcome, "hit_rate", group=lambda v: "flm" if v.startswith("flm") else v) or "tie"


APP_6 = Lesson(
    id="app.6", topic="app", sources="003 #2",
    title=T("Recommendation from language-model embeddings (FLM)", "基于语言模型向量的推荐（FLM）"),
    question=T("How does a language-model-based recommender (the notes' FLM) work, and how do you know it works?",
               "基于语言模型的推荐方法（资料中的 FLM）是怎么工作的？怎样判断它是否有效？"),
    answer=T("A language model turns each item's text (title, description, genres) into a vector; a user is "
             "represented by combining the vectors of the items they interacted with, often weighting recent ones "
             "more; unseen items are ranked by similarity to that profile. It helps with new items that have text "
             "but no interactions (cold start), and fine-tuning the encoder on interaction data sharpens it. Evaluate "
             "it offline by hiding each user's latest interactions and measuring hit rate and recall at k, always "
             "next to popularity and random baselines: popularity is often hard to beat.",
             "用语言模型把每个物品的文本（标题、简介、类型）变成向量；把用户交互过的物品向量合起来（往往给近期的更高"
             "权重）作为用户画像；再按与画像的相似度给没看过的物品排序。它对只有文本、还没有交互记录的新物品（冷启动）"
             "尤其有用，用交互数据微调编码器还能进一步提升效果。离线评估时，留出每个用户最近的交互，计算前 k 个推荐的"
             "命中率和召回率，并且一定要与热门榜和随机推荐这两个基线对比：热门榜往往很难超越。"),
    experiment=_flm_experiment, takeaway=_flm_takeaway,
    figures=figures.standard("hit_rate", RECOMMENDER_LABELS, with_curves=False),
    quiz=Quiz(T("On MovieLens, which ranking puts a user's next liked movie in the top 10 most often?",
                "在 MovieLens 上，哪种排序最常把用户下一部喜欢的电影排进前 10？"),
              {"flm": T("FLM (text embeddings)", "FLM（文本向量）"), "popularity": RECOMMENDER_LABELS["popularity"],
               "random": RECOMMENDER_LABELS["random"], "tie": T("no clear winner", "没有明显的赢家")},
              _ranking_choice),
    settings={"items": 300, "users": 300, "k": 10, "half_life": 10.0, "min_rating": 4}, repeats=3,
)
