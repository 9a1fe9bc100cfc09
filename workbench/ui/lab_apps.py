"""The Lab's Applications tab: similarity search, the MovieLens recommender, question answering, translation and
long-text modes for a finished text run. QA and translation models come from the hub; offline they say so."""
from __future__ import annotations

import streamlit as st

from ..core.pretrained import ModelUnavailableError
from .common import show_error
from .lab_jobs import job_panel, launch, start_button
from .lab_tools import pick_model_run


def applications_tab() -> None:
    tabs = st.tabs(["Similarity search", "Recommender", "Question answering", "Translation", "Long texts"])
    for tab, draw in zip(tabs, (_search, _recommender, _qa, _translation, _long_texts)):
        with tab:
            draw()


@st.cache_resource(show_spinner="Loading the MiniLM sentence encoder ...")
def encoder():
    from ..apps.embeddings import Encoder
    return Encoder("minilm")


@st.cache_resource(max_entries=4, show_spinner="Embedding the texts (once per dataset and size) ...")
def similarity_index(dataset: str, limit: int, fingerprint: tuple):   # noqa: ARG001 - part of the cache key
    """The first `limit` texts of a text dataset, embedded, and their label names. `fingerprint`
    (datasets.dataset_fingerprint) makes a changed file or folder embed again."""
    from ..core.datasets import load_dataset
    from ..apps.embeddings import SimilarityIndex

    ds = load_dataset(dataset)
    index = SimilarityIndex(list(ds.x[:limit]), list(ds.ids[:limit]), encoder())
    return index, [ds.label_names[y] for y in ds.y[:limit]]


# ---------------------------------------------------------------- similarity search


def _search() -> None:
    from ..core.datasets import REGISTRY

    st.caption("Texts ranked by the cosine similarity of their MiniLM sentence embeddings to your query.")
    texts = [name for name, entry in REGISTRY.items() if entry.kind == "text"]
    cols = st.columns([1, 1, 1])
    dataset = cols[0].selectbox("dataset", texts, key="lab.sim.dataset")
    limit = cols[1].number_input("texts indexed", 10, 20000, 1000, step=500, key="lab.sim.limit")
    k = cols[2].number_input("results", 1, 50, 5, key="lab.sim.k")
    query = st.text_input("query", "a warm, funny film with great acting", key="lab.sim.query")
    if st.button("Search", key="lab.sim.go") or st.session_state.get("lab.sim.shown") == (dataset, limit):
        try:
            from ..core.datasets import dataset_fingerprint
            index, labels = similarity_index(dataset, int(limit), dataset_fingerprint(dataset))
            found = index.search(query, int(k))
            st.session_state["lab.sim.shown"] = (dataset, limit)
        except Exception as err:
            show_error(err)
            return
        by_id = dict(zip(index.ids, labels))
        found.insert(2, "label", [by_id[i] for i in found["id"]])
        st.dataframe(found, hide_index=True, key="lab.sim.table")
        from ..analysis.plots import fig_embedding_scatter
        shown = slice(0, min(len(index.texts), 1000))
        st.plotly_chart(fig_embedding_scatter(index.vectors[shown], labels[shown], index.texts[shown]),
                        key="lab.sim.map", width="stretch")


# ---------------------------------------------------------------- recommender


def _recommender() -> None:
    st.caption("FLM on MovieLens 100k: a user is the (recency-weighted) mean of the MiniLM embeddings of the movies "
               "they rated; each user's last movie is held out and ranked against popularity and random picks.")
    cols = st.columns(4)
    k = cols[0].number_input("k (top-k)", 1, 100, 10, key="lab.rec.k")
    users = cols[1].number_input("users evaluated (0: all 943)", 0, 943, 200, key="lab.rec.users")
    half_life = cols[2].number_input("recency half-life (interactions)", 0.5, 500.0, 10.0, key="lab.rec.half")
    min_rating = cols[3].number_input("only ratings at least", 1, 5, 4, key="lab.rec.min")
    if start_button("recommend", "▶ Evaluate the recommender", key="lab.rec.go"):
        shared = encoder()   # loaded here: a job thread has no Streamlit context for the cache
        launch("recommend", "Recommender evaluation",
               lambda _runner: _evaluate(shared, int(k), int(users) or None, half_life, min_rating))
    job_panel("recommend", _draw_recommender, stoppable=False)


def _evaluate(shared_encoder, k: int, max_users: int | None, half_life: float, min_rating: int):
    from ..apps.movielens import load_movielens_100k
    from ..apps.recommend import evaluate_recommender

    interactions, items = load_movielens_100k()
    return evaluate_recommender(interactions, items, shared_encoder, k=k, half_life=half_life, min_rating=min_rating,
                                max_users=max_users)


def _draw_recommender(table) -> None:
    hit = next(c for c in table.columns if c.startswith("hit_rate"))
    rates = ", ".join(f"{method} {rate:.1%}" for method, rate in table[hit].sort_values(ascending=False).items())
    st.success(f"Share of {int(table['users'].iloc[0])} users whose held-out movie is in the top "
               f"{hit.split('@')[1]}: {rates}.")
    st.dataframe(table, key="lab.rec.table")


# ---------------------------------------------------------------- question answering and translation


def _qa() -> None:
    from ..apps.qa import QA_EXAMPLES, TRAINED_QA_MODEL, QuestionAnswerer

    st.caption("Extractive QA: the answer is the span of the context a QA model scores highest. The trained model "
               "comes from the Hugging Face hub (internet once, cached afterwards).")
    question, context, _ = QA_EXAMPLES[3]
    question = st.text_input("question", question, key="lab.qa.question")
    context = st.text_area("context", context, key="lab.qa.context")
    model = st.text_input("QA model (hub name, folder or run id)", TRAINED_QA_MODEL, key="lab.qa.model")
    if st.button("Answer", key="lab.qa.go"):
        try:
            with st.spinner(f"Loading {model} ..."):
                got = QuestionAnswerer.load(model).answer(question, context)
            st.success(f"**{got.text}** (probability {got.score:.2f}, characters {got.start}–{got.end})")
        except ModelUnavailableError as err:
            st.warning(f"This needs the hub: {err}")
        except Exception as err:
            show_error(err)


def _translation() -> None:
    from ..apps.translate import DEFAULT_TRANSLATION_MODEL, Translator

    st.caption("Translation with a pretrained encoder-decoder from the hub (Marian models need no prefix; T5 needs "
               "one such as 'translate English to German: ').")
    text = st.text_area("texts, one per line", "The weather is lovely today.\nWhere is the station?",
                        key="lab.tr.texts")
    cols = st.columns(2)
    model = cols[0].text_input("model", DEFAULT_TRANSLATION_MODEL, key="lab.tr.model")
    prefix = cols[1].text_input("prefix (T5)", "", key="lab.tr.prefix")
    if st.button("Translate", key="lab.tr.go"):
        try:
            lines = [line for line in text.splitlines() if line.strip()]
            with st.spinner(f"Loading {model} ..."):
                out = Translator(model, prefix=prefix).translate(lines)
            st.dataframe({"text": lines, "translation": out}, key="lab.tr.table")
        except ModelUnavailableError as err:
            st.warning(f"This needs the hub: {err}")
        except Exception as err:
            show_error(err)


# ---------------------------------------------------------------- long texts


def _long_texts() -> None:
    st.caption("Texts longer than max_length, three ways: truncate, head + tail, sliding windows. The long reviews "
               "are built from the run's own test snippets, and the last snippet decides each label.")
    snap = pick_model_run("Finished text run", key="lab.long.run", kind="text")
    if snap is None:
        return
    cols = st.columns(4)
    reviews = cols[0].number_input("long reviews", 10, 2000, 100, key="lab.long.n")
    snippets = cols[1].number_input("snippets per review", 2, 30, 8, key="lab.long.snippets")
    opening = cols[2].selectbox("earlier snippets", ["mixed", "same"], key="lab.long.opening",
                                help="mixed: from any class, so only the end holds the verdict; same: all agree.")
    lengths = cols[3].text_input("max_length values", "32,64,128", key="lab.long.lengths")
    if start_button("long_text", "▶ Compare the modes", key="lab.long.go"):
        try:
            sizes = tuple(int(v) for v in lengths.split(",") if v.strip())
        except ValueError:
            show_error(ValueError(f"max_length values must be whole numbers separated by commas; got {lengths!r}."))
        else:
            launch("long_text", f"Long-text modes for run {snap['id']}",
                   lambda _runner: _compare_modes(snap["id"], int(reviews), int(snippets), opening, sizes))
    job_panel("long_text", _draw_long_texts, stoppable=False)


def _compare_modes(run_id: str, reviews: int, snippets: int, opening: str, lengths: tuple):
    from ..lab.long_text import compare_long_text_modes, long_reviews_for_run

    texts, labels = long_reviews_for_run(run_id, reviews, snippets, opening)
    return compare_long_text_modes(run_id, texts, labels, lengths)


def _draw_long_texts(table) -> None:
    length = table["max_length"].min()
    shortest = table[table["max_length"] == length].set_index("mode")["accuracy"].sort_values(ascending=False)
    st.success(f"{table.attrs['texts']} reviews of {table.attrs['mean_tokens']:.0f} tokens on average; accuracy at "
               f"max_length {length}: " + ", ".join(f"{mode} {acc:.3f}" for mode, acc in shortest.items()) + ".")
    st.dataframe(table.pivot(index="mode", columns="max_length", values="accuracy"), key="lab.long.table")
    with st.expander("Seconds per mode"):
        st.dataframe(table, hide_index=True, key="lab.long.all")
