"""Lab tabs that inspect rather than train: data quality of the base settings' splits, and deployment variants of
a finished run."""
from __future__ import annotations

import streamlit as st

from ..core.config import RunConfig
from .common import run_label, runner
from .lab_jobs import job_panel, launch, start_button

# ---------------------------------------------------------------- data quality


def quality_tab(base: RunConfig) -> None:
    st.caption("The base settings' splits, with their deliberate damage (label_noise, leak_fraction, ... in the "
               "Data settings): copies shared between splits, and training labels a held-out classifier doubts.")
    cols = st.columns(3)
    near = cols[0].number_input("texts: near-copy cosine (0: exact copies only)", 0.0, 1.0, 0.95,
                                key="lab.quality.near")
    folds = cols[1].number_input("folds for the label scores", 2, 20, 5, key="lab.quality.folds")
    top = cols[2].number_input("suspects shown", 5, 500, 20, key="lab.quality.top")
    if start_button("quality", "▶ Check the data", key="lab.quality.go"):
        launch("quality", f"Data quality of {base.data.dataset}",
               lambda _runner: check_data(base, near or None, int(folds)))
    job_panel("quality", lambda result: _draw_quality(result, int(top)), stoppable=False)


def check_data(cfg: RunConfig, near_threshold: float | None, folds: int) -> dict:
    """The splits a run with `cfg` would train on, their cross-split copies and their label-noise ranking."""
    from ..lab.data_quality import find_duplicates, make_encoder, precision_at_k, rank_label_noise
    from ..core.runner import prepare_splits

    splits = prepare_splits(cfg.validate())
    encoder = make_encoder() if splits.train.kind == "text" else None
    duplicates = find_duplicates(splits, near_threshold, encoder)
    ranking = rank_label_noise(splits, folds=folds, encoder=encoder, seed=cfg.train.seed)
    flipped = splits.flipped_ids
    return {"dataset": cfg.data.dataset, "perturbed": splits.report.summary(), "duplicates": duplicates,
            "ranking": ranking, "precision": precision_at_k(ranking, flipped) if len(flipped) else None}


def _draw_quality(result: dict, top: int) -> None:
    from ..analysis.plots import fig_duplicate_summary, fig_label_noise

    s, ranking = result["duplicates"].summary, result["ranking"]
    damage = ", ".join(f"{k} {v}" for k, v in result["perturbed"].items() if v) or "none"
    st.markdown(f"**{result['dataset']}** ({s['kind']}): " + ", ".join(f"{n} {v}" for n, v in s["sizes"].items())
                + f" · deliberate damage: {damage}")
    cols = st.columns(4)
    cols[0].metric("exact copies across splits", s["exact_pairs"])
    cols[1].metric("near copies across splits", s["near_pairs"] if s["kind"] == "text" else "—")
    cols[2].metric("test examples with a copy in training", f"{s['test_with_copy_in_train']} "
                                                            f"({s['test_share_with_copy_in_train']:.1%})")
    cols[3].metric("repeats inside training", s["repeats_within"]["train"])
    st.plotly_chart(fig_duplicate_summary(s), key="lab.quality.dups", width="stretch")
    pairs = result["duplicates"].pairs
    if len(pairs):
        with st.expander(f"The {len(pairs)} pairs of copies"):
            st.dataframe(pairs, hide_index=True, key="lab.quality.pairs")
    flipped = ranking["flipped"] if "flipped" in ranking else None
    if result["precision"] is not None:
        k = int(flipped.sum())
        st.success(f"Of the {k} least believable labels, {result['precision']:.0%} were really flipped "
                   f"(picking at random would find {k / len(ranking):.0%}).")
    st.plotly_chart(fig_label_noise(ranking["given_probability"], flipped), key="lab.quality.noise",
                    width="stretch")
    st.markdown(f"**The {min(top, len(ranking))} training labels that look most wrong**")
    st.dataframe(ranking.head(top), hide_index=True, key="lab.quality.ranking")


# ---------------------------------------------------------------- deployment


def pick_model_run(label: str, key: str, kind: str | None = None) -> dict | None:
    """A finished run that kept its weights (and, with `kind`, whose dataset is a bundled one of that kind, or
    not a bundled one at all); None, with a note, when there is none."""
    from ..core.datasets import REGISTRY

    def fits(snap):
        dataset = ((snap.get("config") or {}).get("data") or {}).get("dataset")
        return kind is None or dataset not in REGISTRY or REGISTRY[dataset].kind == kind

    store = runner().store
    runs = {s["id"]: s for s in runner().list_runs()
            if s["status"] == "finished" and store.model_folder(s["id"]).exists() and fits(s)}
    if not runs:
        st.info(f"No finished {kind + ' ' if kind else ''}run with saved weights yet: train one on the Train page.")
        return None
    return runs[st.selectbox(label, list(runs), format_func=lambda i: run_label(runs[i]), key=key)]


def deploy_tab() -> None:
    st.caption("A finished run's model beside its int8 (dynamic quantisation), ONNX Runtime and magnitude-pruned "
               "variants: file size, latency per example at batch 1 and accuracy on the run's test split.")
    snap = pick_model_run("Finished run", key="lab.deploy.run")
    if snap is None:
        return
    cols = st.columns(3)
    sparsity = cols[0].slider("pruned share of weights", 0.0, 0.95, 0.5, 0.05, key="lab.deploy.sparsity")
    examples = cols[1].number_input("test examples scored", 10, 5000, 200, key="lab.deploy.examples")
    latency = cols[2].number_input("examples timed", 5, 500, 50, key="lab.deploy.latency")
    if start_button("deploy", "▶ Compare deployments", key="lab.deploy.go"):
        from ..lab.deploy import compare_deployments
        launch("deploy", f"Deployments of run {snap['id']}",
               lambda _runner: compare_deployments(snap["id"], sparsity, int(examples), int(latency)))
    job_panel("deploy", _draw_deploy, stoppable=False)


def _draw_deploy(table) -> None:
    from ..analysis.plots import fig_deployment

    rows = table.set_index("variant")
    base, int8 = rows.loc["original fp32"], rows.loc["int8 dynamic"]
    st.success(f"Run {table.attrs['run_id']} on {table.attrs['examples']} test examples: int8 is "
               f"{base.size_mb / int8.size_mb:.1f}x smaller, {int8.latency_ms:.2f} ms vs {base.latency_ms:.2f} ms "
               f"per example, accuracy {int8.accuracy:.3f} vs {base.accuracy:.3f} "
               f"({int8.agreement:.1%} of predictions unchanged).")
    st.dataframe(table, hide_index=True, key="lab.deploy.table")
    st.plotly_chart(fig_deployment(table), key="lab.deploy.fig", width="stretch")
