"""Data: choose a bundled, hub or uploaded dataset; preview it, see its balance, lengths and splits."""
import streamlit as st

from workbench.core.config import DEFAULT_MODEL
from workbench.core.datasets import REGISTRY
from workbench.ui.common import show_error, thumbnail_uri


def saved_upload(upload) -> str:
    """The stored path of an uploaded file. Each upload (a new file_id, even for the same name) is hashed and
    unpacked once per session, not on every rerun of this page."""
    from pathlib import Path

    from workbench.core.uploads import save_upload

    saved = st.session_state.setdefault("data.saved_uploads", {})
    if upload.file_id not in saved or not Path(saved[upload.file_id]).exists():
        saved[upload.file_id] = str(save_upload(upload.name, upload.getvalue()))
    return saved[upload.file_id]


st.title("Data")
source = st.radio("Source", ["bundled (offline)", "upload a CSV or an image zip", "hub name or local path"],
                  horizontal=True, key="data.source")
options = {}
if source.startswith("bundled"):
    options["dataset"] = st.selectbox("Dataset", list(REGISTRY), key="data.name",
                                      format_func=lambda n: f"{n} — {REGISTRY[n].description}")
elif source.startswith("upload"):
    upload = st.file_uploader("CSV (text + label, or features + target) or a zip of class folders of images",
                              type=["csv", "tsv", "zip"], key="data.upload")
    if upload is not None:
        try:
            options["dataset"] = saved_upload(upload)
        except (ValueError, OSError) as err:   # OSError: the disk is full or the uploads folder not writable
            show_error(err)
else:
    options["dataset"] = st.text_input("Hub dataset name (needs internet) or a path on this machine",
                                       placeholder="stanfordnlp/sst2", key="data.hub") or None
cols = st.columns(2)
text_column = cols[0].text_input("Text column (if not text/sentence)", key="data.text_column") or None
label_column = cols[1].text_input("Label / target column (if not label)", key="data.label_column") or None

if options.get("dataset"):
    from workbench.core.datasets import load_dataset, split_dataset, summarize
    from workbench.analysis.plots import fig_class_balance, fig_length_histogram
    try:
        ds = load_dataset(options["dataset"], text_column, label_column)
        splits = split_dataset(ds)
    except Exception as err:
        show_error(err)
        st.stop()
    summary = summarize(ds, splits)
    st.session_state["data_options"] = {"dataset": options["dataset"], "text_column": text_column,
                                        "label_column": label_column,
                                        "model": DEFAULT_MODEL[ds.kind]}
    st.success(f"{summary['name']}: {summary['size']} {ds.kind} examples, {summary['classes']} classes; "
               "the Train page now uses it.")
    for note in summary["notes"]:
        st.info(note)
    cols = st.columns(4)
    cols[0].metric("examples", summary["size"])
    cols[1].metric("classes", summary["classes"])
    cols[2].metric("majority class", f"{summary['majority_share']:.0%}")
    cols[3].metric("train / val / test", " / ".join(str(v) for v in summary["splits"].values()))
    st.plotly_chart(fig_class_balance(summary["class_counts"]), key="data.balance", width="stretch")
    if ds.kind == "text":
        st.plotly_chart(fig_length_histogram([len(str(t).split()) for t in ds.x]), key="data.lengths",
                        width="stretch")
    from workbench.core.datasets import preview_frame
    preview = preview_frame(ds, 20)
    if ds.kind == "image":     # thumbnails, not "28x28 image"
        preview["image"] = [thumbnail_uri(x) for x in ds.x[:len(preview)]]
    st.dataframe(preview, key="data.preview", row_height=64 if ds.kind == "image" else None,
                 column_config={"image": st.column_config.ImageColumn("image")} if ds.kind == "image" else None)
    with st.expander("Summary (JSON)"):
        st.json(summary)
