"""Explain: one prediction of a finished run, explained by SHAP and by LIME side by side, with their agreement."""
import numpy as np
import streamlit as st

from workbench.analysis import plots as P
from workbench.ui.common import dataset_items, pick_run, runner, show_error, training_now
from workbench.ui.warmup import remember, wait_for, warm_explainers, warm_in_background

st.title("Explain")
snap = pick_run("Finished run", ("finished",), key="explain.run")
if snap is None:
    st.stop()
run_kind = snap["dataset"].get("kind") or "text"
warm_in_background(f"explainers {run_kind}", warm_explainers(run_kind), busy=training_now)


def model_stamp(run_id: str) -> tuple:
    """(name, size, mtime_ns) of the run's model files, config and metrics: what `predictor_for` reads, so a run
    id whose model was re-trained, or deleted and re-created, loads again."""
    model = runner().store.model_folder(run_id)
    files = [*sorted(model.glob("*")), model.parent / "config.json", model.parent / "metrics.json"]
    return tuple((f.name, stat.st_size, stat.st_mtime_ns) for f in files if f.is_file() for stat in [f.stat()])


@st.cache_resource(max_entries=3, show_spinner="Loading the run's model ...")
def predictor_for(run_id: str, stamp: tuple):   # noqa: ARG001 - stamp is part of the cache key
    from workbench.core.predict import load_predictor
    return load_predictor(run_id, runner().store)


stamp = model_stamp(snap["id"])
try:
    predictor = predictor_for(snap["id"], stamp)
except FileNotFoundError as err:
    st.error(str(err))
    st.stop()
pred = runner().store.load_predictions(snap["id"], "test")
kind = predictor.kind
linked = st.query_params.get("example")     # from the Evaluate page's worst errors: explain that test example
if linked is not None and linked.isdigit() and st.session_state.get("explain.linked") != (snap["id"], linked):
    st.session_state["explain.linked"] = (snap["id"], linked)
    st.session_state["explain.how"] = "pick a test example"
    st.session_state["explain.index"] = min(int(linked), len(pred["ids"]) - 1)
item = None
DEFAULT_SENTENCE = "A warm, funny and beautifully acted film."
token = None       # names the item for the remembered explanations: its text, or its test position (not uploads)


def content_digest(item) -> str:
    """A digest of the item itself, beside its position in the key: the data behind a run id can change (a file
    re-uploaded under the same name), and the same position must then not return the old explanation."""
    import hashlib
    return hashlib.sha1(np.asarray(item).tobytes()).hexdigest()


if kind == "text":
    how = st.radio("Input", ["type a sentence", "pick a test example"], horizontal=True, key="explain.how")
    if how.startswith("type"):
        item = st.text_area("Sentence", DEFAULT_SENTENCE, key="explain.text")
        token = ("text", item)
    else:
        position = st.number_input("test example #", 0, len(pred["ids"]) - 1, 0, key="explain.index")
        item = dataset_items(snap["config"], [pred["ids"][position]])[0]
        token = ("test", int(position))
        st.write(item)
elif kind == "image":
    upload = st.file_uploader("Upload an image (any size or mode; it is converted)", type=["png", "jpg", "jpeg"],
                              key="explain.image")
    if upload is not None:
        from PIL import Image
        item = Image.open(upload)
    else:
        position = st.number_input("or a test example #", 0, len(pred["ids"]) - 1, 0, key="explain.index")
        item = dataset_items(snap["config"], [pred["ids"][position]])[0]
        token = ("test", int(position))
    st.image(np.asarray(item) if not isinstance(item, str) else item, width=160)
else:
    position = st.number_input("test row #", 0, len(pred["ids"]) - 1, 0, key="explain.index")
    item = np.asarray(dataset_items(snap["config"], [pred["ids"][position]])[0], dtype=float)
    token = ("test", int(position))
    st.dataframe({n: [v] for n, v in zip(predictor.feature_names, item)}, key="explain.row")


def explain_item():
    from workbench.analysis.explain import explain_both
    wait_for(f"explainers {run_kind}")
    return explain_both(predictor, item)


key = (snap["id"], stamp, token, None if item is None else content_digest(item))
if item is not None and token is not None and token in (("text", DEFAULT_SENTENCE), ("test", 0)):
    # the example the page opens with is explained while the user reads: the first click shows it at once
    warm_in_background(f"explain {key}", lambda: remember(key, explain_item), busy=training_now)
if item is not None and st.button("Explain with SHAP and LIME", type="primary", key="explain.go"):
    try:
        with st.spinner("Explaining ..."):
            wait_for(f"explain {key}", timeout=60)
            shap_e, lime_e, agreement = explain_item() if token is None else remember(key, explain_item)
    except ValueError as err:
        show_error(err)
        st.stop()
    names = predictor.label_names
    probs = shap_e.probabilities
    st.markdown(f"**Prediction: {names[shap_e.prediction]}** (" + ", ".join(
        f"{n} {p:.2f}" for n, p in zip(names, probs)) + ")")
    for note in shap_e.notes + lime_e.notes:
        st.caption(note)
    rho = agreement["spearman"]
    st.caption(f"Agreement: top-{agreement['k']} overlap {agreement['top_k_overlap']:.2f}, rank correlation "
               f"{'n/a' if rho is None else f'{rho:.2f}'} · SHAP {shap_e.seconds:.1f} s, LIME {lime_e.seconds:.1f} s")
    if kind != "tabular":     # the words or pixels in place; the bars come once, side by side, below
        left, right = st.columns(2)
        for column, e in ((left, shap_e), (right, lime_e)):
            with column:
                st.subheader(e.method.upper())
                if kind == "text":
                    st.html(P.html_token_highlight(e.units, e.unit_weights()))
                else:
                    heatmap = e.heatmap if e.heatmap is not None else e.heatmap_for()
                    st.plotly_chart(P.fig_pixel_attributions(e.image, heatmap),
                                    key=f"explain.{e.method}", width="stretch")
    st.plotly_chart(P.fig_shap_vs_lime(shap_e.units, shap_e.unit_weights(), lime_e.unit_weights(),
                                       agreement=agreement), key="explain.compare", width="stretch")

if item is not None and st.button("Explain across training (before, checkpoints, final)", key="explain.stages",
                                  help="The same input and class explained by SHAP for the model before "
                                       "fine-tuning, at each checkpoint still on disk, and at the end."):
    from workbench.analysis.explain import explain_across_checkpoints
    from workbench.core.predict import predictors_across_training
    try:
        with st.spinner("Explaining at every stage ..."):
            stages = explain_across_checkpoints(predictors_across_training(snap["id"], runner().store), item)
    except ValueError as err:
        show_error(err)
        st.stop()
    for column, (stage, e) in zip(st.columns(len(stages)), stages.items()):
        with column:
            st.markdown(f"**{stage}**: P({e.target_label}) = {e.probabilities[e.target]:.2f}")
            st.plotly_chart(P.fig_feature_attributions(e.units, e.unit_weights()) if kind == "tabular"
                            else P.fig_token_attributions(e.units, e.unit_weights(), title=stage),
                            key=f"explain.stage.{stage}", width="stretch")
