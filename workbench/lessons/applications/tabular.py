"""Tabular lesson (app.7): an MLP on scikit-learn's breast-cancer table against a standardised logistic regression
fitted on each run's exact split, accuracy paired over seeds."""
from __future__ import annotations

from ...core.config import RunConfig
from .. import figures
from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway
from ..support import NO_WEIGHTS, runner_of, sentences, verdict, verdict_choice

# ---------------------------------------------------------------- app.7 tabular MLP

TABLE_LABELS = {"mlp": T("MLP", "多层感知机（MLP）"), "logistic": T("logistic regression", "逻辑回归")}


def _logistic_scores(cfg: RunConfig) -> dict:
    """Standardised logistic regression on exactly the split the MLP run used (same data, seed and sizes)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ...core.runner import prepare_splits

    splits = prepare_splits(cfg)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(splits.train.x, splits.train.y)
    predicted = model.predict(splits.test.x)
    return {"accuracy": float((predicted == splits.test.y).mean()),
            "f1_macro": float(f1_score(splits.test.y, predicted, average="macro")),
            "balanced_accuracy": float(balanced_accuracy_score(splits.test.y, predicted))}


def _table_size(dataset: str) -> dict:
    """{"rows": .., "features": ..} of a tabular dataset, for the quiz prompt."""
    from ...core.datasets import load_dataset

    table = load_dataset(dataset)
    return {"rows": len(table), "features": table.x.shape[1] if table.kind == "tabular" else "?"}


def _tabular_experiment(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    cfg = RunConfig.from_flat(dataset=s["dataset"], model="mlp", epochs=s["epochs"], lr=s["lr"],
                              hidden_sizes=tuple(s["hidden_sizes"]), batch_size=32, log_every=5, **NO_WEIGHTS)
    outcome = ctx.run_variants({"mlp": cfg})
    store = runner_of(ctx).store       # each run's saved config: the split it trained on, quick-mode limits included
    logistic = [_logistic_scores(RunConfig.from_dict(store.config(run_id))) for run_id in outcome.run_ids["mlp"]]
    outcome.samples["logistic"] = {m: [row[m] for row in logistic] for m in logistic[0]}
    return outcome


def _tabular_takeaway(outcome: Outcome, lang: str) -> str:
    parts = [compare_takeaway(outcome, "mlp", "logistic", "accuracy", lang, TABLE_LABELS)]
    winner = verdict(outcome, "mlp", "logistic", "accuracy")
    if winner == "tie":
        parts.append(T("On a small, clean table a linear model is as good: prefer it, since it trains in "
                       "milliseconds and its coefficients explain themselves.",
                       "在规模小、干净的表格数据上，线性模型一样好：优先用它，它训练只需几毫秒，系数本身就能解释模型。")(lang))
    elif winner == "a":
        parts.append(T("The MLP's nonlinear layers earned their cost here: the classes are not separated by a "
                       "straight boundary in these features.",
                       "这里 MLP 的非线性层物有所值：在这些特征上，类别无法用一条直线边界分开。")(lang))
    else:
        parts.append(T("Logistic regression won: the MLP overfits or is undertrained on this little data; try more "
                       "epochs, weight decay or a smaller network, or keep the linear model.",
                       "逻辑回归赢了：在这么少的数据上 MLP 过拟合或训练不足；可以增加训练轮数、加权重衰减或缩小网络，"
                       "或者直接保留线性模型。")(lang))
    return sentences(parts, lang)


APP_7 = Lesson(
    id="app.7", topic="app", sources="002 code 1-2",
    title=T("Tabular classification with an MLP", "用多层感知机做表格分类"),
    question=T("How do you train a neural network (an MLP) on tabular data, and is it worth it?",
               "如何在表格数据上训练神经网络（MLP）？这样做值得吗？"),
    answer=T("Standardise the numeric features with statistics from the training split only, one-hot encode the "
             "categorical ones, and train a small MLP (a few Linear-ReLU layers with dropout) with cross-entropy, "
             "keeping a validation split for early stopping. On small tables, compare it with a strong simple "
             "baseline such as logistic regression or gradient-boosted trees: they are often as accurate, faster and "
             "easier to explain. An MLP pays off with many rows, interactions between features, or as part of a "
             "larger network.",
             "只用训练集的统计量对数值特征做标准化，对类别特征做独热编码，然后用交叉熵训练一个小型 MLP（几层 Linear"
             "-ReLU 加 Dropout），并留出验证集用于提前停止。在小表格上，一定要和强而简单的基线比较，比如逻辑回归或梯"
             "度提升树：它们往往同样准确，而且更快、更容易解释。MLP 在行数很多、特征之间有交互，或者作为更大网络的一"
             "部分时才更有优势。"),
    experiment=_tabular_experiment, takeaway=_tabular_takeaway,
    figures=figures.standard("accuracy", TABLE_LABELS),
    quiz=Quiz(T("The {dataset} table ({rows} rows, {features} features): MLP or logistic regression?",
                "{dataset} 表格数据（{rows} 行、{features} 个特征）：MLP 还是逻辑回归更好？"),
              {"mlp": T("the MLP, clearly", "MLP 明显更好"), "tie": NO_CLEAR_DIFFERENCE,
               "logistic": T("logistic regression, clearly", "逻辑回归明显更好")},
              verdict_choice("mlp", "logistic", "accuracy", {"a": "mlp", "b": "logistic", "tie": "tie"}),
              facts=lambda settings: _table_size(settings["dataset"])),
    settings={"dataset": "breast_cancer", "epochs": 30, "lr": 1e-2, "hidden_sizes": [64, 32]}, repeats=5,
)
