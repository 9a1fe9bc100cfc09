"""Shared fixtures: an isolated WORKBENCH_HOME per test session and tiny real models built in-process."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")        # nothing in the tests may reach a hub
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def workbench_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("workbench_home")
    os.environ["WORKBENCH_HOME"] = str(home)
    return home


@pytest.fixture
def store(tmp_path):
    from workbench.core.store import RunStore
    return RunStore(tmp_path / "runs")


@pytest.fixture
def runner(store):
    from workbench.core.runner import Runner
    return Runner(store)


@pytest.fixture(scope="session")
def tiny_text_model(tmp_path_factory):
    """A 2-layer, 32-wide BERT with MiniLM's tokenizer, saved like a hub model (tests the hub-name code path)."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from workbench.core.pretrained import minilm_path

    folder = tmp_path_factory.mktemp("tiny_bert")
    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def tiny_tabular(**options):
    """Settings for a run that trains in about a second: the MLP on the wine data."""
    from workbench import RunConfig
    base = dict(dataset="wine", model="mlp", max_steps=6, batch_size=16, log_every=1, eval_every=3,
                save_checkpoints=False, hidden_sizes=(16,))
    return RunConfig.from_flat(**{**base, **options})


@pytest.fixture(scope="session")
def tiny_llm_folder(tmp_path_factory):
    """A 2-layer, 32-wide random Llama with SmolLM2's real tokenizer and chat template (read once from the shipped
    GGUF file), saved as a model folder."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from workbench.llm.causal_lm import gguf_path

    folder = tmp_path_factory.mktemp("tiny_llm")
    source = gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         tie_word_embeddings=True, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture
def tiny_llm(tiny_llm_folder):
    """(model, tokenizer) of the tiny Llama, loaded fresh for each test."""
    from workbench.llm.causal_lm import load_causal_lm
    return load_causal_lm(tiny_llm_folder)
