"""Generative runs: instruction tuning or continued pre-training of a causal LM in a background thread, kept on disk.

Each run is a folder under $WORKBENCH_HOME/llm_runs/<id>/:

    config.json     what was asked (the task, the model, the SFTConfig's fields, the data sizes)
    history.jsonl   one row per log and per evaluation, appended as they happen (live curves read it)
    status.json     queued / running / finished / stopped / failed, with the error and the owning process
    result.json     scores before and after, the answer table, times, trainable parameters
    model/          the trained model merged into plain weights: AutoModelForCausalLM.from_pretrained(model/)
    train.py, data/ the run as a standalone script and the pairs it trained on (workbench.llm.export)

A run that trains only waits for the host's device lock (workbench.core.device_queue), so it never trains beside a
classifier run, a lesson or a notebook. A stop request ends training at the end of the current step; what was
measured so far, and the model as it stands, are kept.
"""
from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from pathlib import Path

from .causal_lm import SMOLLM, Decoding, LLMError
from .sft import SFTConfig, TrainingStopped
from ..core.store import new_run_id, workbench_home, write_json_atomic

TEXT_TASK = "text:"                # "text:<dataset>": continued pre-training on that dataset's texts
FILE_TASK = "file:"                # "file:<path>": prompt,response pairs from a CSV or JSONL file
HUB_TASK = "hub:"                  # "hub:<name>": an instruction set on the hub (or a local data folder)
FINAL = ("finished", "stopped", "failed")


@dataclasses.dataclass(frozen=True)
class LLMRunSpec:
    task: str = "sms_verdict"      # an instruction task (workbench.llm.instructions.TASKS) or "text:<dataset>"
    model: str = SMOLLM
    n_train: int = 64
    n_eval: int = 24               # validation pairs, and held-out prompts answered at each evaluation
    strategy: str = "lora"
    lora_r: int = 8
    lr: float | None = None
    max_steps: int | None = 16
    epochs: float = 1.0
    batch_size: int = 8
    loss_on: str = "response"
    seed: int = 0
    max_new_tokens: int = 12

    @property
    def continued_pretraining(self) -> bool:
        return self.task.startswith(TEXT_TASK)

    def sft_config(self) -> SFTConfig:
        return SFTConfig(strategy=self.strategy, lora_r=self.lora_r, lora_alpha=2 * self.lora_r,
                         lr=self.lr, max_steps=self.max_steps,
                         epochs=self.epochs, batch_size=self.batch_size, loss_on=self.loss_on, seed=self.seed,
                         eval_prompts=self.n_eval, decoding=Decoding(max_new_tokens=self.max_new_tokens),
                         max_length=128 if self.continued_pretraining else SFTConfig.max_length)

    def check(self) -> None:
        """A clear error for settings that cannot run, before a thread starts."""
        from .instructions import TASKS
        from .sft import STRATEGIES

        if not self.task.startswith((TEXT_TASK, FILE_TASK, HUB_TASK)) and self.task not in TASKS:
            raise LLMError(f"Unknown task {self.task!r}: choose one of {', '.join(TASKS)}, text:<text dataset>, "
                           "file:<CSV or JSONL of prompt,response pairs> or hub:<instruction set>.")
        if not self.model.strip():
            raise LLMError("Name a model: smollm2 (offline), a hub causal LM or a local model folder.")
        for prefix in (TEXT_TASK, FILE_TASK, HUB_TASK):
            if self.task.startswith(prefix) and not self.task[len(prefix):].strip():
                raise LLMError(f"{prefix} needs a name after it (got {self.task!r}).")
        if self.task.startswith(FILE_TASK):                 # a bad file is reported now, line by line
            from .instructions import load_pairs
            if len(load_pairs(self.task[len(FILE_TASK):])) < 3:
                raise LLMError("The file needs at least 3 pairs: some to train on, one to validate, one to test.")
        if self.strategy not in STRATEGIES:
            raise LLMError(f"strategy must be one of {STRATEGIES} (got {self.strategy!r}).")
        for name in ("n_train", "n_eval", "batch_size", "lora_r", "max_new_tokens"):
            if getattr(self, name) < 1:
                raise LLMError(f"{name} must be at least 1 (got {getattr(self, name)}).")
        if self.max_steps is not None and self.max_steps < 1:
            raise LLMError(f"max_steps must be at least 1 or None (got {self.max_steps}).")


class LLMRuns:
    """Start, stop and read generative runs. One instance per process is enough; every read goes to disk, so
    other processes (another app session, a notebook) see the same runs."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root else workbench_home() / "llm_runs"
        self.root.mkdir(parents=True, exist_ok=True)
        self._threads: dict[str, threading.Thread] = {}
        self._stops: dict[str, threading.Event] = {}

    def folder(self, run_id: str) -> Path:
        return self.root / run_id

    def start(self, spec: LLMRunSpec) -> str:
        spec.check()
        run_id = new_run_id()
        folder = self.folder(run_id)
        folder.mkdir(parents=True)
        write_json_atomic(folder / "config.json", {"kind": "llm", **dataclasses.asdict(spec)})
        self._set_status(run_id, "queued")
        self._stops[run_id] = threading.Event()
        thread = threading.Thread(target=self._run, args=(run_id, spec), name=f"llm-run-{run_id}", daemon=True)
        self._threads[run_id] = thread
        thread.start()
        return run_id

    def stop(self, run_id: str) -> None:
        """Ask a run to stop at the end of its current step (a run in another process sees the stop file)."""
        (self.folder(run_id) / "STOP").touch()
        if run_id in self._stops:
            self._stops[run_id].set()

    def wait(self, run_id: str, timeout: float | None = None) -> dict:
        if run_id in self._threads:
            self._threads[run_id].join(timeout)
        return self.status(run_id)

    def spec(self, run_id: str) -> LLMRunSpec:
        config = json.loads((self.folder(run_id) / "config.json").read_text())
        config.pop("kind", None)
        return LLMRunSpec(**config)

    def status(self, run_id: str) -> dict:
        path = self.folder(run_id) / "status.json"
        status = _read_json(path) or {"status": "unknown"}
        if status["status"] not in FINAL and not self._alive(run_id, status):
            status = _read_json(path) or status          # it may have ended between the two reads
            if status["status"] not in FINAL:
                status = {**status, "status": "interrupted",
                          "error": "The process that ran it ended before the run did (killed or restarted)."}
        return status

    def history(self, run_id: str) -> list[dict]:
        path = self.folder(run_id) / "history.jsonl"
        if not path.exists():
            return []
        rows = []
        for line in path.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:      # a line being written right now
                break
        return rows

    def result(self, run_id: str) -> dict | None:
        return _read_json(self.folder(run_id) / "result.json")

    def model_folder(self, run_id: str) -> Path | None:
        folder = self.folder(run_id) / "model"
        return folder if (folder / "config.json").exists() else None

    def run_ids(self) -> list[str]:
        """Newest first."""
        return sorted((p.name for p in self.root.iterdir() if (p / "config.json").exists()), reverse=True)

    def list_runs(self) -> list[dict]:
        rows = []
        for run_id in self.run_ids():
            spec, status, result = self.spec(run_id), self.status(run_id), self.result(run_id) or {}
            rows.append({"run_id": run_id, "task": spec.task, "model": spec.model, "strategy": spec.strategy,
                         "status": status["status"], "steps": result.get("steps"),
                         **{f"{when}_{k}": v for when in ("before", "after")
                            for k, v in (result.get(when) or {}).items() if k != "n"}})
        return rows

    # ------------------------------------------------------------ the background thread

    def _alive(self, run_id: str, status: dict) -> bool:
        """Whether the run's owner still runs: its thread here, or its process (by PID and start time, so a
        reused PID does not pass for it) elsewhere."""
        from ..core.device_queue import process_alive

        if run_id in self._threads:
            return self._threads[run_id].is_alive()
        return "owner" in status and process_alive(status["owner"])

    def _set_status(self, run_id: str, status: str, **extra) -> None:
        from ..core.device_queue import process_identity

        write_json_atomic(self.folder(run_id) / "status.json",
                          {"status": status, "owner": process_identity(), "updated": time.time(), **extra})

    def _should_stop(self, run_id: str) -> bool:
        return self._stops[run_id].is_set() or (self.folder(run_id) / "STOP").exists()

    def _run(self, run_id: str, spec: LLMRunSpec) -> None:
        folder = self.folder(run_id)

        def record(row: dict) -> None:
            with open(folder / "history.jsonl", "a") as out:
                out.write(json.dumps(row) + "\n")

        try:
            self._set_status(run_id, "running", phase="loading the model")
            result, tokenizer, data = _train(spec, record, lambda: self._should_stop(run_id),
                                             lambda phase: self._set_status(run_id, "running", phase=phase),
                                             who=f"LLM run {run_id}")
            self._set_status(run_id, "running", phase="saving the model")
            _save_model(result.merged(), tokenizer, folder / "model")
            write_json_atomic(folder / "result.json", _result_row(result))
            from .export import write_script
            write_script(folder, spec, data)
            self._set_status(run_id, "stopped" if result.stopped else "finished")
        except TrainingStopped as err:
            self._set_status(run_id, "stopped", error=str(err))
        except Exception as err:            # the thread's only way to report: the status file says what failed
            from ..core.runner import describe_failure

            what, advice = describe_failure(err)
            self._set_status(run_id, "failed", error=what, hint=advice)


def _train(spec: LLMRunSpec, record, should_stop, phase, who: str):
    """(SFTResult, tokenizer, the data it trained on). The data comes first, so a bad file or name fails before a
    model is loaded; the model loads under the device lock, since a first load (dequantizing the GGUF file, or a
    hub download and load) takes both cores."""
    from .causal_lm import load_causal_lm
    from .instructions import build_corpus
    from .sft import holding_device, train_sft, train_text

    phase("reading the data")
    if spec.continued_pretraining:
        data = build_corpus(spec.task[len(TEXT_TASK):], spec.n_train, spec.n_eval, spec.seed)
    else:
        data = instruction_data(spec)
    phase("waiting for the device, then loading the model")
    with holding_device(who, should_stop):
        model, tokenizer = load_causal_lm(spec.model)
    phase("answering the held-out prompts, training, answering again")
    train = train_text if spec.continued_pretraining else train_sft
    return train(model, tokenizer, data, spec.sft_config(), record, should_stop), tokenizer, data


def _save_model(model, tokenizer, folder: Path) -> None:
    """save_pretrained writes config.json before the weights, and model_folder() takes config.json to mean a
    usable model: write beside the folder and move it into place whole."""
    import shutil

    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    os.replace(partial, folder)


def instruction_data(spec: LLMRunSpec):
    """The InstructionSplits a spec names: a built-in task, a file of pairs or a hub instruction set."""
    from .instructions import build_task, load_hub_pairs, load_pairs, split_pairs

    for prefix, load in ((FILE_TASK, load_pairs), (HUB_TASK, load_hub_pairs)):
        if spec.task.startswith(prefix):
            source = spec.task[len(prefix):]
            return split_pairs(spec.task, load(source), spec.n_train, spec.n_eval, spec.seed)
    return build_task(spec.task, spec.n_train, spec.n_eval, spec.seed)


def _result_row(result) -> dict:
    return {"before": result.before, "after": result.after, "answers": result.answers,
            "train_seconds": result.train_seconds, "generation_seconds": result.generation_seconds,
            "trainable_parameters": result.trainable_parameters, "steps": result.steps, "stopped": result.stopped,
            "train_tokens": result.train_tokens, "eval_seconds": result.eval_seconds, "dropped": result.dropped,
            **result.speed()}


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


# ---------------------------------------------------------------- chatting with a base model and a run

_loaded: dict[str, tuple] = {}
_loaded_lock = threading.Lock()


def chat(sources: list[str], prompt: str, decoding: Decoding = Decoding()) -> list[str]:
    """One answer per model source (the base model's name, or a run's model folder) to the same prompt with the
    same decoding settings. Models stay loaded for the next question (two small models fit easily). Answers wait
    for the host's device lock: generating beside a training run would slow it, and sampling seeds torch's
    process-wide random generator, which a training thread draws from."""
    from ..core.device_queue import DeviceLock, describe_holder, process_alive
    from .sft import holding_device

    if not prompt.strip():
        raise LLMError("Write a prompt first.")
    holder = DeviceLock(workbench_home() / "locks").holder()
    if holder and process_alive(holder):        # answering would wait for the whole training, page frozen
        raise LLMError(f"{describe_holder(holder)} is using the device; ask again when it has finished.")
    with holding_device("chat"):
        return _answers(sources, prompt, decoding)


def _answers(sources: list[str], prompt: str, decoding: Decoding) -> list[str]:
    from .causal_lm import generate, load_causal_lm

    answers = []
    for source in sources:
        with _loaded_lock:
            if source not in _loaded:
                if len(_loaded) >= 3:                      # keep memory bounded: forget the oldest
                    _loaded.pop(next(iter(_loaded)))
                _loaded[source] = load_causal_lm(source)
            model, tokenizer = _loaded[source]
            answers.append(generate(model, tokenizer, [prompt], decoding)[0])
    return answers
