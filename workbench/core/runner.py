"""Background-thread runner: one training run per device at a time, the rest queued.

`start_run(config)` validates the settings and the data in the caller's thread (so bad input fails at once,
before anything is written), then returns a `RunHandle`; a worker thread trains and publishes events.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import events as ev
from .config import RunConfig
from .datasets import Splits, load_dataset, split_dataset, summarize
from .distributed import RUN_ID_ENV, ensure_process_group, is_distributed, is_main_process, rank, share_from_main
from .device_queue import DeviceLock, StopSignal, describe_holder, queues_for_this_host
from ..speed.openmp import release_thread_team
from .state import RunState
from .store import RunStore, new_run_id, write_json_atomic


@dataclass
class Job:
    run_id: str
    config: RunConfig
    splits: Splits
    state: RunState
    resume_from: str | None = None
    processes: int = 1      # > 1: this process launches torchrun with that many processes and follows the run
    stop_flag: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    subscribers: list = field(default_factory=list)


class RunHandle:
    """What a UI holds for a run: its id, a stop button, a wait, and snapshots of its state."""

    def __init__(self, job: Job, runner: "Runner"):
        self._job, self._runner = job, runner

    @property
    def id(self) -> str:
        return self._job.run_id

    def stop(self) -> None:
        """Ask the run to stop: it ends within one optimizer step or evaluation batch, then writes one checkpoint
        to resume from (when checkpoints are on); a queued run ends at once."""
        self._runner.stop(self.id)

    def wait(self, timeout: float | None = None) -> dict:
        self._job.done.wait(timeout)
        return self.snapshot()

    def snapshot(self) -> dict:
        return self._job.state.snapshot()

    def subscribe(self, callback: Callable[[ev.Event, dict], None]) -> None:
        """Call `callback(event, snapshot)` after each event, from the worker thread; keep it quick."""
        self._job.subscribers.append(callback)

    @property
    def done(self) -> bool:
        return self._job.done.is_set()


def prepare_splits(cfg: RunConfig) -> Splits:
    """The run's splits, with its deliberate perturbations (label noise, leakage ...) applied to training only."""
    from .perturb import apply_perturbations

    d = cfg.data
    ds = load_dataset(d.dataset, d.text_column, d.label_column)
    split_seed = cfg.train.seed if d.split_seed is None else d.split_seed
    splits = split_dataset(ds, d.val_fraction, d.test_fraction, split_seed, d.max_train_samples,
                           d.max_eval_samples, cv_folds=d.cv_folds, cv_fold=d.cv_fold)
    return apply_perturbations(splits, d, cfg.train.seed)


def check_processes(cfg: RunConfig, processes: int) -> None:
    """ConfigError for a number of processes the run cannot be trained with."""
    from .config import ConfigError
    from .distributed import world_size

    if not isinstance(processes, int) or processes < 1:
        raise ConfigError(f"processes must be a whole number of at least 1 (got {processes!r}).")
    if processes > 1 and is_distributed():
        raise ConfigError(f"This process is already one of {world_size()} started by a launcher (torchrun or "
                          "accelerate launch); leave processes at 1.")
    if (processes > 1 or is_distributed()) and cfg.model.strategy == "gradual":
        raise ConfigError("strategy 'gradual' unfreezes weights during the run, which DDP cannot follow (it syncs "
                          "the weights that were trainable when training began); use one process, or another "
                          "strategy such as last_n or discriminative.")
    if processes > 1:
        import torch

        if torch.cuda.is_available() and processes > torch.cuda.device_count():
            raise ConfigError(f"processes {processes} is more than the {torch.cuda.device_count()} GPU(s) here; "
                              "use one process per GPU.")


def launch_command(processes: int, config_path) -> list[str]:
    """`torchrun --standalone --nproc_per_node N -m workbench train --config ... --json` (torchrun as the
    module it is, so the interpreter of this process runs it; --standalone picks a free local rendezvous port)."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
            "-m", "workbench", "train", "--config", str(config_path), "--json"]


def launch_env(store: RunStore, run_id: str) -> dict:
    """The launched processes' environment: the run's id, the same WORKBENCH_HOME, and this package importable."""
    from pathlib import Path

    if store.root.name != "runs":
        raise ValueError(f"A run of several processes needs its store at $WORKBENCH_HOME/runs (got {store.root}).")
    package_parent = str(Path(__file__).resolve().parents[2])     # the folder that holds workbench/
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, RUN_ID_ENV: run_id, "WORKBENCH_HOME": str(store.root.parent.resolve()),
            "PYTHONPATH": package_parent + (os.pathsep + path if path else "")}


def launch_failure(folder, log_path) -> str:
    """What the launched processes left: a rank's recorded error, else the last lines of their output."""
    errors = sorted(folder.glob("error-rank*.txt"))
    if errors:
        return " ".join(p.read_text(errors="replace").strip() for p in errors)
    try:
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    return " | ".join(lines[-5:]) or "no output"


RESUMABLE = ("stopped", "interrupted")


def check_resumable(snap: dict) -> None:
    """ValueError saying why a run cannot be resumed; only stopped and interrupted runs can."""
    status, run_id = snap["status"], snap["id"]
    if status in RESUMABLE:
        return
    if status == "finished":
        raise ValueError(f"Run {run_id} already finished; start a new run.")
    if status == "failed":
        raise ValueError(f"Run {run_id} failed ({snap['error']}); fix and start a new run.")
    raise ValueError(f"Run {run_id} is {status} in another process; stop it there first.")


class Runner:
    def __init__(self, store: RunStore | None = None):
        self.store = store or RunStore()
        self._lock = threading.Lock()
        self._pending: list[Job] = []
        self._jobs: dict[str, Job] = {}
        self._wakeup = threading.Condition(self._lock)
        self._worker: threading.Thread | None = None
        self._device = DeviceLock(self.store.root.parent / "locks")

    # ---- public API

    def start(self, config: RunConfig | None = None, *, subscribers=(), processes: int = 1,
              **options) -> RunHandle:
        """Validate, queue and return at once; `subscribers` get every event from the first one on.

        `processes` > 1 trains the run as that many local processes (DDP): when its turn comes the runner starts
        `torchrun --standalone --nproc_per_node N -m workbench train` and follows the run from its events file.
        Under a launcher (torchrun, accelerate launch) every rank calls this: rank 0 makes the run folder (named
        $WORKBENCH_RUN_ID when a parent process chose it) and shares its id; only rank 0 writes it."""
        cfg = (config or RunConfig()).replace(**options) if options else (config or RunConfig())
        cfg.validate()
        check_processes(cfg, processes)
        splits = prepare_splits(cfg)
        from .models import check_model_fits
        check_model_fits(cfg.model.model, splits.train.kind)
        run_id = self._create_run(cfg)
        return self._enqueue(Job(run_id, cfg, splits, RunState(run_id), subscribers=list(subscribers),
                                 processes=processes))

    def _create_run(self, cfg: RunConfig) -> str:
        """Rank 0 creates the run folder and every rank of a launch gets its id (one process: just create it)."""
        ensure_process_group(cfg.train.device)
        outcome = None
        if is_main_process():
            try:
                outcome = self._create_folder(cfg)
            except Exception as err:   # the other ranks must hear of it, or they wait in the broadcast
                outcome = err
        outcome = share_from_main(outcome)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _create_folder(self, cfg: RunConfig) -> str:
        chosen = os.environ.pop(RUN_ID_ENV, "").strip()   # used once: a later run in this process gets its own id
        if chosen:
            if (self.store.folder(chosen) / "config.json").exists():   # made by the parent that launched us
                write_json_atomic(self.store.folder(chosen) / "config.json", cfg.to_dict())
                self.store.claim(chosen)
            else:
                self.store.create(chosen, cfg.to_dict())
            return chosen
        run_id = new_run_id()
        while self.store.folder(run_id).exists():
            run_id = new_run_id()
        self.store.create(run_id, cfg.to_dict())
        return run_id

    def resume(self, run_id: str) -> RunHandle:
        """Continue a stopped or interrupted run from its newest complete checkpoint, in the same folder."""
        # Under a launcher rank 0 checks and claims the run and the other ranks follow its verdict (they would see
        # the run as queued once rank 0 has announced it).
        ensure_process_group()
        outcome = None
        if is_main_process():
            try:
                outcome = str(self._check_resume(run_id))
            except Exception as err:
                outcome = err
        outcome = share_from_main(outcome)
        if isinstance(outcome, Exception):
            raise outcome
        state = self.store.load_state(run_id)
        cfg = RunConfig.from_dict(self.store.config(run_id))
        check_processes(cfg, 1)
        splits = prepare_splits(cfg)
        if is_main_process():
            self.store.claim(run_id)
        return self._enqueue(Job(run_id, cfg, splits, state, resume_from=outcome))

    def _check_resume(self, run_id: str):
        """The checkpoint to resume `run_id` from; ValueError or FileNotFoundError saying why it cannot be."""
        if run_id in self.active_ids():
            raise ValueError(f"Run {run_id} is still active.")
        if not (self.store.folder(run_id) / "config.json").exists():
            raise FileNotFoundError(f"There is no run {run_id!r} under {self.store.root}; `python -m workbench runs` "
                                    "lists them.")
        check_resumable(self.store.load_state(run_id).snapshot())
        checkpoint = self.store.last_checkpoint(run_id)
        if checkpoint is None:
            raise ValueError(f"Run {run_id} has no checkpoint to resume from (checkpoints were off, or it ended "
                             "before its first one); start it again instead.")
        return checkpoint

    def stop(self, run_id: str) -> None:
        """Stop a run of this process, or ask the process that owns it (through its stop file)."""
        with self._lock:
            job = self._jobs.get(run_id)
        if job is None:
            if self.store.owned_elsewhere(run_id, self.active_ids()):
                self.store.request_stop(run_id)
            return
        with self._lock:
            job.stop_flag.set()
            queued = job in self._pending
            if queued:
                self._pending.remove(job)
        if queued:
            try:
                self._publish(job, stopped_before_training(job))
            finally:
                self._retire(job)
            self._update_positions()

    def active_ids(self) -> set[str]:
        with self._lock:
            return {rid for rid, job in self._jobs.items() if not job.done.is_set()}

    def snapshot(self, run_id: str) -> dict:
        job = self._jobs.get(run_id)
        return job.state.snapshot() if job else self.store.load_state(run_id, self.active_ids()).snapshot()

    def list_runs(self) -> list[dict]:
        active = self.active_ids()
        return [self.snapshot(rid) if rid in active else self.store.load_state(rid, active).snapshot()
                for rid in self.store.run_ids()]

    # ---- queue and worker

    def _enqueue(self, job: Job) -> RunHandle:
        # The caller's thread (a notebook's main thread, say) may hold an OpenMP team from its own torch work,
        # which would make the run take about 1.5x as long (workbench.speed.openmp).
        release_thread_team()
        job.stop_flag = StopSignal(self.store.stop_file(job.run_id))
        with self._lock:
            self._jobs[job.run_id] = job
            self._pending.append(job)
            position = len(self._pending) - 1 + (self._busy())
            self._ensure_worker()
        self._publish(job, ev.RunQueued(config=job.config.to_dict(), position=position))
        with self._wakeup:
            self._wakeup.notify()
        return RunHandle(job, self)

    def _busy(self) -> int:
        return int(any(not j.done.is_set() and j not in self._pending for j in self._jobs.values()))

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="workbench-runner", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while True:
            with self._wakeup:
                while not self._pending:
                    if not self._wakeup.wait(timeout=30):
                        if not self._pending:
                            self._worker = None
                            return
                job = self._pending.pop(0)
            self._update_positions()
            try:
                if job.processes > 1:
                    self._launch(job)   # its rank 0 takes the device lock, in its own process
                elif self._take_device(job):
                    try:
                        execute(job, lambda e: self._publish(job, e), self.store)
                    finally:
                        self._device.release()
                else:
                    self._publish(job, stopped_before_training(job))
            except Exception as err:   # recording the outcome failed (disk full ...): the next run must still start
                traceback.print_exc()
                end_in_memory(job, err)
            finally:
                release_thread_team()   # an idle worker's team would slow the caller's own torch work
                self._retire(job)

    def _take_device(self, job: Job) -> bool:
        """Wait for the host-wide device lock (another process may be training); False when stopped meanwhile.
        Under torchrun only each host's local rank 0 queues: the other ranks wait for it in a collective, and
        when one host's rank 0 gave up (the run was stopped meanwhile), no rank trains."""
        from .distributed import any_rank

        took = True
        if queues_for_this_host():
            on_wait = lambda holder: self._publish(job, ev.DeviceBusy(holder=describe_holder(holder)))  # noqa: E731
            took = self._device.acquire(job.run_id, job.stop_flag.is_set, on_wait)
        if any_rank(not took):
            self._device.release()
            return False
        return True

    def _update_positions(self) -> None:
        with self._lock:
            pending = list(self._pending)
            busy = self._busy()
        for i, job in enumerate(pending):
            job.state.set_queue_position(i + busy)

    def _publish(self, job: Job, event: ev.Event) -> None:
        job.state.apply(event)
        try:
            if is_main_process():   # under a launcher only rank 0 writes the run; the others keep its state in memory
                self.store.append_event(job.run_id, event)
        finally:   # the subscribers hear of the event even when the disk write fails
            self._notify(job, event)

    # ---- runs trained as several local processes (start(..., processes=N))

    def _launch(self, job: Job) -> None:
        """Train the job as `job.processes` local processes: launch torchrun, whose rank 0 takes the run this
        process created (WORKBENCH_RUN_ID), and replay the events it writes into the job's state and subscribers.
        A stop here reaches every rank through the run's stop file; processes that end without a final event end
        the run as failed, with their last words."""
        folder = self.store.folder(job.run_id)
        log_path = folder / "launch.log"
        events_path = folder / "events.jsonl"
        offset = events_path.stat().st_size if events_path.exists() else 0   # our own queued event is applied
        with open(log_path, "ab") as log:
            process = subprocess.Popen(launch_command(job.processes, folder / "config.json"), env=launch_env(
                self.store, job.run_id), stdout=log, stderr=subprocess.STDOUT, cwd=str(self.store.root.parent))
        try:
            while True:
                if job.stop_flag.is_set():
                    self.store.request_stop(job.run_id)   # again each time: the child's claim clears an early one
                ended = process.poll() is not None
                offset = self._replay(job, events_path, offset)
                if ended:
                    break
                time.sleep(0.25)
        finally:
            if process.poll() is None:   # this thread was interrupted: do not leave the processes behind
                process.terminate()
                process.wait(30)
        if job.state.status not in ev.TERMINAL:
            self._publish(job, ev.RunFailed(
                error=f"The {job.processes} training processes exited (code {process.returncode}) before the run "
                      f"ended: {launch_failure(folder, log_path)}",
                hint=f"See {log_path} for every process's output."))

    def _replay(self, job: Job, path, offset: int) -> int:
        """Apply the complete event lines past `offset` (written by the launched rank 0); the new offset."""
        import json

        from .events import event_from_dict

        if not path.exists():
            return offset
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
        end = data.rfind(b"\n") + 1   # a line still being written waits for the next poll
        for line in data[:end].decode("utf-8").splitlines():
            try:
                event = event_from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError):
                continue
            job.state.apply(event)
            self._notify(job, event)
        return offset + end

    def _retire(self, job: Job) -> None:
        """Mark the job done and forget it: its state stays on disk, and in the RunHandles that hold the job."""
        with self._lock:
            if self._jobs.get(job.run_id) is job:
                del self._jobs[job.run_id]
        job.done.set()

    @staticmethod
    def _notify(job: Job, event: ev.Event) -> None:
        snap = None
        for callback in list(job.subscribers):
            try:
                snap = snap or job.state.snapshot()
                callback(event, snap)
            except Exception:  # a broken display must never break training
                traceback.print_exc()


# ---------------------------------------------------------------- one run, start to end


MAX_OOM_RETRIES = 3


def execute(job: Job, publish: Callable[[ev.Event], None], store: RunStore) -> None:
    """Train, evaluate and save one run; every outcome ends in exactly one terminal event. A run that runs out of
    memory starts again with half the batch and twice the accumulation (the same effective batch), at most
    MAX_OOM_RETRIES times; a resumed run is not retried, since its checkpoint holds the old batch layout.

    Under a launcher (several processes) an out-of-memory error fails the run instead: one rank cannot restart
    alone while the others wait in a collective. A rank other than 0 records its error in error-rank<N>.txt
    (rank 0 writes the run's events), since the launcher stops the other processes when one fails."""
    from .callbacks import StopRequested

    for attempt in range(MAX_OOM_RETRIES + 1):
        failure = None
        try:
            result = _train_and_evaluate(job, publish, store)
        except StopRequested:   # during set-up
            result = stopped_before_training(job)
        except Exception as err:  # the worker must survive anything a run throws
            failure = (*describe_failure(err), is_out_of_memory(err))
        # Past the except block the error's traceback, which holds the model and its activations, is released.
        if failure is None:
            publish(result)
            return
        message, hint, out_of_memory = failure
        if is_distributed():
            if out_of_memory:
                hint = ("Under several processes an out-of-memory error is not retried with a smaller batch (the "
                        "ranks would have to restart together). " + hint)
            _record_rank_error(store, job.run_id, message)
            publish(ev.RunFailed(error=message, hint=hint))
            return
        smaller = halved_batch(job.config) if out_of_memory and attempt < MAX_OOM_RETRIES else None
        if smaller is None or job.resume_from or job.stop_flag.is_set():
            publish(ev.RunFailed(error=message, hint=hint))
            return
        _prepare_retry(job, smaller, message, attempt + 1, publish, store)


def _record_rank_error(store: RunStore, run_id: str, message: str) -> None:
    if is_main_process():
        return
    try:
        (store.folder(run_id) / f"error-rank{rank()}.txt").write_text(f"rank {rank()}: {message}\n")
    except OSError:
        pass


def halved_batch(cfg: RunConfig) -> RunConfig | None:
    """Half the batch size and twice the gradient accumulation; None when the batch is already 1."""
    t = cfg.train
    if t.batch_size <= 1:
        return None
    return cfg.replace(batch_size=t.batch_size // 2, grad_accum=t.grad_accum * 2)


def _prepare_retry(job: Job, smaller: RunConfig, reason: str, attempt: int, publish, store: RunStore) -> None:
    """Free what the failed attempt held, record the new settings in config.json and announce the retry."""
    import gc
    import shutil

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    old, new = job.config.train, smaller.train
    job.config = smaller
    write_json_atomic(store.folder(job.run_id) / "config.json", smaller.to_dict())
    shutil.rmtree(store.checkpoints_folder(job.run_id), ignore_errors=True)   # made with the old batch layout
    publish(ev.Retried(attempt=attempt, reason=reason, config=smaller.to_dict(), message=(
        f"Out of memory with batch_size {old.batch_size}: retry {attempt} of {MAX_OOM_RETRIES} with batch_size "
        f"{new.batch_size} and grad_accum {new.grad_accum} (effective batch {new.batch_size * new.grad_accum}).")))


def _train_and_evaluate(job: Job, publish, store: RunStore) -> ev.Event:
    """One attempt. A stop during set-up raises StopRequested (no checkpoint: nothing was trained); a stop during
    training or the final predictions ends in RunStopped, with one checkpoint to resume from."""
    from .callbacks import StopRequested, stop_agreed
    from .distributed import world_size
    from .models import parameter_counts, save_model

    earlier_seconds = job.state.train_seconds   # earlier segments of a resumed run
    built, prepared = _set_up(job, publish, store)
    trainer, train_data = prepared.trainer, job.splits.train
    started = time.time()
    train_loss = _train(trainer, job.resume_from)
    train_seconds = earlier_seconds + time.time() - started
    step = trainer.state.global_step
    if stop_agreed(job.stop_flag):   # under a launcher every rank takes the same branch
        _checkpoint_after_stop(job, trainer, store, publish)
        return ev.RunStopped(step=step, metrics={"train_seconds": train_seconds})

    restored = _restored_best(prepared, publish, step)   # before the test scores, which are then the best's
    started = time.time()
    try:
        metrics = _evaluate_and_save_predictions(job, prepared, built, store)
    except StopRequested:   # training is over, so its last checkpoint is on disk (when checkpoints are on)
        return ev.RunStopped(step=step, metrics={"train_seconds": train_seconds})
    eval_seconds = time.time() - started
    if restored:
        metrics["restored_best"] = restored
    metrics.update(train_seconds=train_seconds, eval_seconds=eval_seconds, steps=step, epochs=prepared.budget.epochs,
                   budget_auto=prepared.budget.auto,
                   train_loss=train_loss, precision=prepared.precision,
                   parameters=parameter_counts(built.module), lr=prepared.lr, world_size=world_size(),
                   effective_batch=job.config.train.batch_size * job.config.train.grad_accum * world_size())
    built.info.update(label_names=list(train_data.label_names), feature_names=list(train_data.feature_names))
    if not is_main_process():   # rank 0 writes the model, metrics and predictions
        return ev.RunFinished(metrics=metrics)
    if job.config.train.save_model:
        save_model(built, store.model_folder(job.run_id))
        if built.kind == "tabular":
            np.save(store.model_folder(job.run_id) / "background.npy", train_data.x[:100])
    store.write_metrics(job.run_id, metrics)
    if job.config.train.save_model:
        store.drop_checkpoint(job.run_id, step)   # nothing is left to resume, and model/ holds the run's result
    return ev.RunFinished(metrics=metrics)


def _restored_best(prepared, publish, step: int) -> dict | None:
    """With early stopping, put back the best evaluation's weights (when that was not the last step), say so, and
    return when from."""
    keeper = prepared.best_weights
    r = keeper.restore(prepared.trainer.model, step) if keeper is not None else None
    if r is None:
        return None
    publish(ev.NoteAdded(step=r["last_step"], kind="best_weights", message=(
        f"Kept the weights of step {r['step']} (validation loss {r['eval_loss']:.4f}, the lowest of the run) instead "
        f"of step {r['last_step']}'s: the test scores and the saved model are those of step {r['step']}.")))
    return r


def _set_up(job: Job, publish, store: RunStore):
    """Build the model and the Trainer, checking for a stop between the phases, and announce the start."""
    from .callbacks import EventBridge, GradualUnfreezing, raise_if_stopped
    from .distributed import describe, world_size
    from .models import build_for_training, parameter_counts
    from .devices import device_name
    from .training import build_trainer

    cfg, splits = job.config, job.splits
    check_stop = lambda: raise_if_stopped(job.stop_flag)  # noqa: E731
    check_stop()
    built = build_for_training(cfg.model, splits.train, cfg.data.image_size, cfg.train.seed)
    check_stop()
    bridge = EventBridge(publish, job.stop_flag, cfg.train.batch_size, processes=world_size())
    prepared = build_trainer(cfg, built, splits, str(store.checkpoints_folder(job.run_id)), [bridge],
                             check_stop=check_stop)
    if cfg.model.strategy == "gradual":
        prepared.trainer.add_callback(GradualUnfreezing(built, prepared.total_steps, publish))
    resumed_step = int(job.resume_from.rsplit("-", 1)[-1]) if job.resume_from else 0
    publish(ev.RunStarted(
        total_steps=prepared.total_steps, precision=prepared.precision, device=device_name(cfg.train.device),
        parameters=parameter_counts(built.module), dataset=summarize(splits.train, splits),
        resumed_from_step=resumed_step, notes=(prepared.precision_reason,
                                               *((prepared.budget.reason,) if prepared.budget.auto else ()),
                                               *built.notes, *splits.train.notes,
                                               *processes_note(cfg, describe()))))
    return built, prepared


def processes_note(cfg: RunConfig, description: str) -> tuple[str, ...]:
    """Under a launcher: how many processes train, and the effective batch that spans them."""
    if not description:
        return ()
    from .distributed import world_size

    t, n = cfg.train, world_size()
    return (f"{description} Effective batch {t.batch_size} per process x {n} processes x {t.grad_accum} "
            f"accumulation = {t.batch_size * n * t.grad_accum}.",)


def _train(trainer, resume_from: str | None) -> float | None:
    """Train to the end or to a stop; the run's mean training loss (None when a stop cut training short)."""
    from .callbacks import StopRequested, TrainingAlreadyComplete

    try:
        output = trainer.train(resume_from_checkpoint=resume_from)
    except StopRequested:
        return None
    except TrainingAlreadyComplete:   # resumed from the last step: the checkpoint already holds the final model
        output = None
    if resume_from is None:
        return float(output.training_loss)
    # The Trainer's mean covers this segment only; its log history, restored from the checkpoint, covers the run.
    losses = [log["loss"] for log in trainer.state.log_history if "loss" in log]
    return float(np.mean(losses)) if losses else None


def _checkpoint_after_stop(job: Job, trainer, store: RunStore, publish) -> None:
    """Write the one checkpoint a stopped run resumes from, at the step it stopped at; none when checkpoints are
    off, nothing was trained, or that step's checkpoint is already on disk."""
    step = trainer.state.global_step
    last = store.last_checkpoint(job.run_id)
    # Rank 0 decides: saving is a collective, and the other ranks could already see rank 0's new checkpoint.
    if not share_from_main(job.config.train.save_checkpoints and step > 0
                           and (last is None or last.name != f"checkpoint-{step}")):
        return
    # The Trainer's own checkpoint (weights, optimizer, scheduler, RNG, trainer_state.json), as its
    # train(resume_from_checkpoint=...) reads it back; the Trainer offers no public method that writes all of it.
    trainer._save_checkpoint(trainer.model, trial=None)
    publish(ev.CheckpointSaved(step=step, path=str(store.checkpoints_folder(job.run_id) / f"checkpoint-{step}")))


def stopped_before_training(job: Job) -> ev.RunStopped:
    """The end of a run stopped while queued or during set-up: where earlier segments left it."""
    return ev.RunStopped(step=job.state.step, metrics={"train_seconds": job.state.train_seconds})


def end_in_memory(job: Job, err: Exception) -> None:
    """A run whose outcome could not be recorded still ends, in its in-memory state at least."""
    if job.state.status not in ev.TERMINAL:
        job.state.apply(ev.RunFailed(error=f"The run's outcome could not be saved: {type(err).__name__}: {err}",
                                     hint="Check the free disk space and that WORKBENCH_HOME is writable."))


def _evaluate_and_save_predictions(job: Job, prepared, built, store: RunStore) -> dict:
    from .inputs import torch_split
    from ..analysis.metrics import classification_report
    from .training import predict_probs

    d, metrics = job.config.data, {}
    for name, split in (("val", job.splits.val), ("test", job.splits.test)):
        started = time.time()
        probs = predict_probs(prepared.trainer, torch_split(split, built, d.max_length, d.image_size))
        seconds = time.time() - started
        if is_main_process():
            store.save_predictions(job.run_id, name, probs, split.y, split.ids, split.label_names)
        metrics[name] = {**classification_report(split.y, probs, split.label_names), "predict_seconds": seconds}
    counts = np.bincount(job.splits.test.y, minlength=len(job.splits.test.label_names))
    metrics["test"]["majority_baseline"] = float(counts.max() / counts.sum())
    return metrics


def describe_failure(err: Exception) -> tuple[str, str]:
    """A sentence for what happened and one for what to try."""
    from .callbacks import TrainingDiverged

    text = f"{type(err).__name__}: {err}"
    if isinstance(err, TrainingDiverged):
        return (f"Training diverged: {err}.",
                "Lower the learning rate (e.g. 10x), keep gradient clipping on (max_grad_norm 1.0), add warm-up, "
                "or use fp32.")
    if is_out_of_memory(err):
        return (f"Out of memory: {err}.",
                "Lower batch_size (and raise grad_accum to keep the effective batch), lower max_length or "
                "image_size, or use bf16/fp16.")
    return text, "See the message above; the run's settings are in its config.json."


OOM_PHRASES = ("out of memory", "can't allocate memory", "defaultcpuallocator")


def is_out_of_memory(err: BaseException) -> bool:
    """torch.OutOfMemoryError, Python's MemoryError, or a RuntimeError whose text says memory ran out."""
    import torch

    if isinstance(err, (torch.OutOfMemoryError, MemoryError)):
        return True
    return isinstance(err, RuntimeError) and any(phrase in str(err).lower() for phrase in OOM_PHRASES)


_default_runner: Runner | None = None
_default_lock = threading.Lock()


def get_runner() -> Runner:
    """The process-wide runner (one per process, so every UI session shares its queue)."""
    global _default_runner
    with _default_lock:
        if _default_runner is None:
            _default_runner = Runner()
        return _default_runner


def start_run(config: RunConfig | None = None, *, subscribers=(), **options) -> RunHandle:
    """Start a run on the shared runner: `start_run(RunConfig())` or `start_run(dataset="sms_spam", lr=1e-4)`."""
    return get_runner().start(config, subscribers=subscribers, **options)
