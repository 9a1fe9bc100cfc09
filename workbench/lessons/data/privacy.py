"""Data privacy lesson (data.9): e-mail addresses, URLs, phone numbers and long digit runs found in SMS spam by regular
expressions, and a TF-IDF logistic-regression spam filter on raw text against text with them replaced by
placeholders or removed (balanced accuracy)."""
from __future__ import annotations

import re

from .. import figures
from ..base import Lesson, LessonContext, Outcome, T
from ..concepts.common import gap_points
from ..support import verdict

# ---------------------------------------------------------------- data.9

# Applied in this order, each on what the previous ones left: an address contains a dotted domain that the URL
# pattern would take, and a phone number is a digit run that the last pattern would take.
PII_PATTERNS = {
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "url": re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|co\.uk|biz|info)\b(?:/\S*)?", re.I),
    "phone": re.compile(r"(?:\+\d{1,3}[\s-]?|(?<![\d+])0)\d{2,4}(?:[\s-]?\d{3,4}){2}(?!\d)"),
    "number": re.compile(r"(?<!\d)\d{5,}(?!\d)"),
}
PII_KINDS = {"email": T("e-mail addresses", "电子邮箱"), "url": T("web addresses", "网址"),
             "phone": T("phone numbers", "电话号码"), "number": T("other long digit runs", "其他长数字串")}


def scrub_pii(text: str, placeholders: bool = True) -> tuple[str, dict[str, int]]:
    """The text with e-mail addresses, URLs, phone numbers and runs of 5+ digits replaced by [EMAIL], [URL],
    [PHONE], [NUMBER] (or removed, with placeholders=False), and how many of each were found."""
    if not isinstance(text, str):
        raise TypeError(f"scrub_pii takes one string, not {type(text).__name__}.")
    counts = {}
    for kind, pattern in PII_PATTERNS.items():
        text, counts[kind] = pattern.subn(f"[{kind.upper()}]" if placeholders else " ", text)
    return text, counts


def _privacy(ctx: LessonContext) -> Outcome:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score

    from ...core.datasets import load_dataset, split_dataset

    ds = load_dataset("sms_spam")
    found = {kind: {name: 0 for name in ds.label_names} for kind in PII_PATTERNS}
    flagged = {name: 0 for name in ds.label_names}
    examples = []
    for text, y in zip(ds.x, ds.y):
        clean, counts = scrub_pii(text)
        for kind, n in counts.items():
            found[kind][ds.label_names[y]] += bool(n)
        if any(counts.values()):
            flagged[ds.label_names[y]] += 1
            if len(examples) < 3 and ds.label_names[y] == "spam":
                examples.append({"before": text, "after": clean})
    versions = {"raw": lambda t: t, "placeholders": lambda t: scrub_pii(t)[0],
                "removed": lambda t: scrub_pii(t, placeholders=False)[0]}
    samples = {v: {"accuracy": [], "balanced_accuracy": []} for v in versions}
    for seed in ctx.seeds:
        splits = split_dataset(ds, seed=seed, max_train_samples=ctx.size(None, 800))
        for version, clean in versions.items():
            tfidf = TfidfVectorizer(sublinear_tf=True)
            train_x = tfidf.fit_transform([clean(t) for t in splits.train.x])
            test_x = tfidf.transform([clean(t) for t in splits.test.x])
            model = LogisticRegression(max_iter=3000, C=10.0).fit(train_x, splits.train.y)
            predicted = model.predict(test_x)
            samples[version]["accuracy"].append(float((predicted == splits.test.y).mean()))
            samples[version]["balanced_accuracy"].append(float(balanced_accuracy_score(splits.test.y, predicted)))
    class_sizes = {name: int((ds.y == i).sum()) for i, name in enumerate(ds.label_names)}
    extra = {"found": found, "flagged": flagged, "class_sizes": class_sizes, "examples": examples}
    return Outcome("data.9", samples, extra)


PRIVACY_LABELS = {"raw": T("raw text", "原始文本"), "placeholders": T("PII replaced by placeholders", "敏感信息替换为占位符"),
                  "removed": T("PII deleted", "敏感信息直接删除")}


def _privacy_takeaway(outcome: Outcome, lang: str) -> str:
    e = outcome.extra
    total = sum(e["class_sizes"].values())
    found = {k: sum(e["found"][k].values()) for k in PII_PATTERNS}
    parts = [T(f"{found[k]} with {PII_KINDS[k].en}", f"{found[k]} 条含{PII_KINDS[k].zh}")(lang) for k in PII_PATTERNS]
    share = {name: e["flagged"][name] / max(1, e["class_sizes"][name]) for name in e["class_sizes"]}
    text = T(f"Of {total:,} SMS messages, the scrubber found {', '.join(parts)}; {share.get('spam', 0):.1%} of spam "
             f"and {share.get('ham', 0):.1%} of ordinary messages carried at least one. ",
             f"在 {total:,} 条短信中，清洗器发现 {'，'.join(parts)}；{share.get('spam', 0):.1%} 的垃圾短信和 "
             f"{share.get('ham', 0):.1%} 的正常短信至少含有一处。")(lang)
    kept, lost = gap_points(outcome, "raw", "placeholders", "balanced_accuracy"), \
        gap_points(outcome, "raw", "removed", "balanced_accuracy")
    r, p, d = (outcome.mean(v, "balanced_accuracy") for v in ("raw", "placeholders", "removed"))
    text += T(f"A TF-IDF spam filter reached balanced accuracy {r:.3f} on raw text, {p:.3f} with placeholders and "
              f"{d:.3f} with the PII deleted. ",
              f"TF-IDF 垃圾短信过滤器的平衡准确率：原始文本 {r:.3f}，替换为占位符 {p:.3f}，直接删除 {d:.3f}。")(lang)
    if verdict(outcome, "raw", "removed", "balanced_accuracy") == "a":
        text += T(f"Deleting the PII cost {lost:.1f} points: premium-rate numbers and links are what give spam away. ",
                  f"直接删除敏感信息损失了 {lost:.1f} 个百分点：付费号码和链接正是垃圾短信的破绽。")(lang)
    else:
        text += T("Deleting the PII cost the filter nothing this budget can detect. ",
                  "直接删除敏感信息对过滤器没有可测出的影响。")(lang)
    placeholder_verdict = verdict(outcome, "raw", "placeholders", "balanced_accuracy")
    if placeholder_verdict == "a":
        text += T(f"Placeholders cost {kept:.1f} points.", f"替换为占位符损失了 {kept:.1f} 个百分点。")(lang)
    elif placeholder_verdict == "tie":
        text += T(f"Placeholders cost no score this budget can detect ({-kept:+.1f} points against raw text), so there "
                  "is no accuracy reason to train on the identifiers themselves.",
                  f"替换为占位符后没有可测出的得分损失（相对原始文本 {-kept:+.1f} 个百分点），所以没有理由为了准确率而在"
                  "身份信息本身上训练。")(lang)
    else:
        text += T(f"Placeholders even scored {-kept:.1f} points above the raw text: they keep the signal \"there is a "
                  "phone number here\" without the number itself, and one [PHONE] token generalises better than "
                  "hundreds of distinct numbers, each seen a few times.",
                  f"替换为占位符甚至比原始文本高出 {-kept:.1f} 个百分点：占位符保留了“这里有个电话号码”这一信号而不暴露"
                  "号码本身，而且一个 [PHONE] 标记比几百个各只出现几次的不同号码更容易泛化。")(lang)
    return text


def _privacy_figures(outcome: Outcome, lang: str) -> list:
    from ...analysis.plots import fig_variant_bars

    found = {PII_KINDS[k](lang): sum(v.values()) for k, v in outcome.extra["found"].items()}
    return [(T("Messages containing each kind of personal data", "含各类个人信息的短信数")(lang),
             fig_variant_bars(found, y_title=T("messages", "短信数")(lang))),
            (T("Spam filter on raw and scrubbed text", "原始文本与清洗后文本上的垃圾短信过滤器")(lang),
             figures.metric_bars(outcome, "balanced_accuracy", lang, PRIVACY_LABELS))]


DATA_9 = Lesson(
    id="data.9", topic="data", sources="003 #23",
    title=T("Data privacy", "数据隐私"),
    question=T("How do you protect private data when fine-tuning?", "微调时如何保护数据隐私？"),
    answer=T("Collect and keep only what the task needs, and remove or mask personal identifiers (names, phone "
             "numbers, e-mail and postal addresses, account numbers) before the data reaches training, because "
             "models can memorise rare strings and repeat them later. Keep the data and the fine-tuning inside your "
             "own infrastructure or a contract-bound provider, encrypt it at rest and in transit, and restrict and "
             "log access. Where stronger guarantees are needed, differentially private training (DP-SGD) bounds what "
             "the model can reveal about any one record, and federated learning keeps raw data on the devices. Follow "
             "the law that applies (GDPR, PIPL) on consent, purpose and deletion. The demo scrubs SMS messages with "
             "regular expressions and measures what that does to a spam filter.",
             "只收集和保留任务真正需要的数据，并在数据进入训练之前删除或遮蔽个人身份信息（姓名、电话、邮箱和住址、"
             "账号等），因为模型会记住罕见的字符串并在之后复述出来。让数据和微调过程留在自己的基础设施或受合同约束的"
             "服务商内，存储和传输都要加密，并限制和记录访问。需要更强保障时，差分隐私训练（DP-SGD）能限制模型泄露任何"
             "单条记录的程度，联邦学习则让原始数据留在各自的设备上。在同意、用途和删除等方面遵守适用的法律（GDPR、"
             "《个人信息保护法》）。本演示用正则表达式清洗短信中的敏感信息，并测量这对垃圾短信过滤器的影响。"),
    experiment=_privacy, takeaway=_privacy_takeaway, figures=_privacy_figures,
    repeats=5,   # a TF-IDF filter trains in about a second per seed
)
