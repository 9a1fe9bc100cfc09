"""What the pages show of generative runs (workbench.llm.runs): the scores before and after, the paired verdict on
the format rate, the answer table, the model and the script to take away."""
from __future__ import annotations

from collections import Counter

import pandas as pd
import streamlit as st

from ..export import zip_folder


@st.cache_resource
def llm_runs():
    """One per process, like the runner: every browser session sees the same runs and threads."""
    from ..llm.runs import LLMRuns
    return LLMRuns()


def run_choice_label(run_id: str) -> str:
    """A run's label in a picker: fixed for the run's life (a label that changed with its status would reset the
    picker's choice), so the status is shown beside it, not in it."""
    spec = llm_runs().spec(run_id)
    return f"{run_id} · {spec.task} · {spec.strategy}"


def runs_frame() -> pd.DataFrame:
    """One row per generative run: task, model, status and the scores before and after."""
    frame = pd.DataFrame(llm_runs().list_runs())
    return frame.round(3) if not frame.empty else frame


def draw_result(runs, run_id: str, result: dict) -> None:
    before, after = result["before"], result["after"]
    keys = [k for k in ("format_rate", "exact_match", "perplexity")
            if after.get(k) is not None and after[k] == after[k]]        # NaN: no format to score
    cols = st.columns(len(keys) + 2)
    for col, key in zip(cols, keys):
        delta = after[key] - before[key] if key in before else None
        col.metric(key.replace("_", " "), f"{after[key]:.3f}", None if delta is None else f"{delta:+.3f}",
                   delta_color="inverse" if key == "perplexity" else "normal",
                   help="after fine-tuning; the change is against the base model on the same held-out "
                        + ("prompts" if key != "perplexity" else "text"))
    cols[-2].metric("train time", f"{result['train_seconds']:.0f} s",
                    help=f"{result['steps']} steps, {result.get('tokens_per_second', 0):.0f} tokens/s; answering "
                         f"the fixed prompts took {result['generation_seconds']:.0f} s more, validation passes "
                         f"{result.get('eval_seconds', 0):.0f} s")
    cols[-1].metric("trainable parameters", f"{result['trainable_parameters']:,}")
    spec = runs.spec(run_id)
    from ..llm.instructions import TASKS
    if result["answers"] and spec.task in TASKS:
        from ..llm.instructions import format_change
        st.caption(format_change(result["answers"], spec.task).sentence)
    wanted = [str(row["wanted"]).strip() for row in result["answers"]]
    if "exact_match" in keys and wanted:
        common, count = Counter(wanted).most_common(1)[0]
        st.caption(f"The commonest wanted answer, “{common[:40]}”, is {count} of the {len(wanted)} held-out prompts' "
                   f"({count / len(wanted):.3f}): a model that always gave it would score about that exact match, "
                   "so an exact match near it may mean only the format and the commonest answer were learned.")
    if result.get("dropped"):
        st.caption(f"{result['dropped']} training pair(s) were left out: their response alone is longer than the "
                   "model's max_length.")
    if result.get("stopped"):
        st.caption("Stopped before its planned steps: the scores are those of the model when it stopped.")


def draw_answers(runs, run_id: str, result: dict, with_code: bool = True) -> None:
    """The answer table; with_code adds the run's train.py and the zip (in an expander, so not inside one)."""
    if result["answers"]:
        st.subheader("The held-out prompts: base model and fine-tuned")
        st.dataframe(pd.DataFrame(result["answers"]), hide_index=True, key=f"llm.answers.{run_id}")
    if not with_code:
        return
    with st.expander("The run as code, and the model to take with you"):
        script = runs.folder(run_id) / "train.py"
        if script.exists():
            st.code(script.read_text(), language="python")
        st.download_button("model and script (.zip)", lambda: zip_folder(runs.folder(run_id), skip=("STOP",)),
                           f"{run_id}-llm.zip", key=f"llm.zip.{run_id}", on_click="ignore")
        st.caption("Inside: model/ (AutoModelForCausalLM.from_pretrained('model')), train.py and the data it "
                   "trained on.")
