"""Evaluate: confusion matrix with the examples behind each cell, ROC and PR, a threshold, calibration, errors."""
import numpy as np
import pandas as pd
import streamlit as st

from workbench.analysis import metrics as M
from workbench.analysis import plots as P
from workbench.ui.common import dataset_items, explain_link, pick_run, runner, show_error, thumbnail_uri

st.title("Evaluate")


def embedding_map(snap: dict, example_ids, example_labels, label_names):
    from workbench.core.predict import predictors_across_training

    stages = predictors_across_training(snap["id"], runner().store, checkpoints=False)
    items = dataset_items(snap["config"], list(example_ids))
    inputs = np.asarray(items, dtype=float) if snap["dataset"].get("kind") == "tabular" else items
    before, after = (P.project_2d(stages[stage].features(inputs)) for stage in ("before fine-tuning", "final"))
    return P.fig_embedding_map(before, after, example_labels, label_names)


def follow_clicked_cell(event, names: list) -> None:
    """A click on a confusion-matrix cell picks that (true, predicted) pair in the selectboxes below, once per
    click, so choosing in the selectboxes afterwards still works."""
    points = (event or {}).get("selection", {}).get("points") or []
    cell = tuple(points[0].get("customdata") or ()) if points else ()
    if not points:     # cleared (a second click, or a redrawn chart): the next click on any cell counts again
        st.session_state.pop("eval.cm_cell", None)
    if len(cell) == 2 and st.session_state.get("eval.cm_cell") != cell:
        st.session_state["eval.cm_cell"] = cell
        st.session_state["eval.true"], st.session_state["eval.pred"] = names[int(cell[0])], names[int(cell[1])]


snap = pick_run("Finished run", ("finished",), key="eval.run")
if snap is None:
    st.stop()
split = st.radio("Split", ["test", "val"], horizontal=True, key="eval.split")
try:
    pred = runner().store.load_predictions(snap["id"], split)
except FileNotFoundError as err:
    st.error(str(err))
    st.stop()
probs, labels, ids, names = pred["probs"], pred["labels"], pred["ids"], pred["label_names"]
binary = probs.shape[1] == 2

threshold = 0.5
if binary:
    threshold = st.slider(f"Threshold on P({names[1]})", 0.0, 1.0, 0.5, 0.01, key="eval.threshold",
                          help="Predict the positive class when its probability reaches this value.")
    at = M.metrics_at_threshold(labels, probs, threshold)
    preds = (probs[:, 1] >= threshold).astype(int)
else:
    preds = probs.argmax(1)
report = M.classification_report(labels, probs, names)
cols = st.columns(4)
accuracy = float((preds == labels).mean())
cols[0].metric("accuracy", f"{accuracy:.3f}")
cols[1].metric(f"F1 ({names[1]})" if binary else "macro F1", f"{at['f1'] if binary else report['f1_macro']:.3f}")
cols[2].metric("balanced accuracy", f"{report['balanced_accuracy']:.3f}")
cols[3].metric("log loss", f"{report['log_loss']:.3f}")

left, right = st.columns(2)
with left:
    normalized = st.toggle("row-normalised", key="eval.norm")
    matrix = M.confusion(labels, preds, len(names), normalize=normalized)
    clicked = st.plotly_chart(P.fig_confusion_matrix(matrix, names, normalized=normalized, clickable=True),
                              key="eval.cm", width="stretch", on_select="rerun", selection_mode="points")
    follow_clicked_cell(clicked, names)
    c1, c2 = st.columns(2)
    true_label = c1.selectbox("true", names, key="eval.true")
    pred_label = c2.selectbox("predicted", names, index=min(1, len(names) - 1), key="eval.pred")
    cell = M.cell_examples(labels, preds, names.index(true_label), names.index(pred_label), ids)
    st.caption(f"{len(cell)} examples are {true_label} and predicted {pred_label}")
    if cell:
        shown = cell[:20]
        items = dataset_items(snap["config"], shown)
        if snap["dataset"].get("kind") == "image":
            st.image([np.asarray(i) if not isinstance(i, str) else i for i in items[:12]], width=64)
        else:
            st.dataframe(pd.DataFrame({"id": shown, "example": [str(i)[:200] for i in items]}), hide_index=True,
                         key="eval.cell")
with right:
    roc, pr = M.roc_data(labels, probs, names), M.pr_data(labels, probs, names)
    point = None
    if binary:
        point = (at.get("fpr"), at.get("recall")) if at.get("fpr") is not None else None
    st.plotly_chart(P.fig_roc(roc, operating_point=point), key="eval.roc", width="stretch")
    pr_point = (at["recall"], at["precision"]) if binary and at.get("precision") is not None else None
    st.plotly_chart(P.fig_pr(pr, operating_point=pr_point), key="eval.pr", width="stretch")

st.subheader("Per class")
st.dataframe(pd.DataFrame(report["per_class"]), hide_index=True, key="eval.per_class")
st.plotly_chart(P.fig_per_class(report), key="eval.per_class_fig", width="stretch")
left, right = st.columns(2)
with left:
    st.plotly_chart(P.fig_calibration(M.calibration(labels, probs)), key="eval.cal", width="stretch")
with right:
    if binary:
        st.plotly_chart(P.fig_threshold_sweep(M.threshold_sweep(labels, probs)), key="eval.sweep", width="stretch")
with st.expander("Embedding map: the examples as the classifier sees them, before and after fine-tuning"):
    st.caption("Each point is an example of this split, placed by a 2-D projection (PCA) of what the "
               "classification layer reads; colour is the true class. Fine-tuning usually pulls the classes apart.")
    count = st.slider("examples", 50, 500, 200, 50, key="eval.map_n")
    if st.button("Draw the map", key="eval.map"):
        with st.spinner("Embedding the examples with the model before and after fine-tuning ..."):
            try:
                st.plotly_chart(embedding_map(snap, ids[:count], labels[:count], names), key="eval.map_fig",
                                width="stretch")
            except Exception as err:
                show_error(err)

st.subheader("Worst errors (highest loss)")
worst = M.top_losses(labels, probs, k=10, ids=ids)
items = dataset_items(snap["config"], [w["id"] for w in worst])
image_run = snap["dataset"].get("kind") == "image"
position = {example_id: i for i, example_id in enumerate(ids)}
rows = [{"id": w["id"], "true": names[w["true"]], "predicted": names[w["pred"]], "p(true)": round(w["p_true"], 3),
         "loss": round(w["loss"], 3), "example": thumbnail_uri(item) if image_run else str(item)[:200],
         "explain": explain_link(snap["id"], position[w["id"]]) if split == "test" else None}
        for w, item in zip(worst, items)]
st.dataframe(pd.DataFrame(rows), hide_index=True, key="eval.worst", row_height=64 if image_run else None,
             column_config={"example": st.column_config.ImageColumn("example") if image_run else "example",
                            "explain": st.column_config.LinkColumn("explain", display_text="explain ->")})
