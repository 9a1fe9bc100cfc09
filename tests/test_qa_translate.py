"""Extractive QA and seq2seq translation on tiny models built in-process; the hub paths fail with clear messages."""
from __future__ import annotations

import json
import shutil
import string

import numpy as np
import pytest

from workbench.core.pretrained import ModelUnavailableError
from workbench.apps.qa import (QA_EXAMPLES, TRAINED_QA_MODEL, QuestionAnswerer, compare_qa_heads, normalize_answer,
                          score_answers, token_f1)
from workbench.apps.translate import DEFAULT_TRANSLATION_MODEL, Translator

# ---------------------------------------------------------------- question answering


@pytest.fixture(scope="module")
def marker_qa_model(tmp_path_factory):
    """A BERT QA model with no transformer layers whose head points at the token 'zebra' wherever it appears:
    the word's embedding and both head rows share one direction, all other embeddings are small and random."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering

    from workbench.core.pretrained import minilm_path

    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    torch.manual_seed(0)
    model = BertForQuestionAnswering(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=0,
                                                num_attention_heads=2, intermediate_size=64,
                                                max_position_embeddings=512))
    direction = torch.randn(32)
    with torch.no_grad():
        model.bert.embeddings.position_embeddings.weight.zero_()
        model.bert.embeddings.token_type_embeddings.weight.zero_()
        model.bert.embeddings.word_embeddings.weight[tokenizer.convert_tokens_to_ids("zebra")] = 5 * direction
        model.qa_outputs.weight[:] = direction
        model.qa_outputs.bias.zero_()
    folder = tmp_path_factory.mktemp("marker_qa")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def test_answer_is_the_marked_span_of_the_context(marker_qa_model):
    context = "Near the river a zebra was grazing while the birds sang."
    got = QuestionAnswerer.load(marker_qa_model).answer("What was grazing?", context)
    assert got.text == "zebra" == context[got.start:got.end]
    assert got.start == context.index("zebra")
    assert 0.9 < got.score <= 1.0


def test_long_contexts_are_read_in_overlapping_windows(marker_qa_model):
    context = " ".join(["The weather was mild and the market was busy."] * 40) + " Then a zebra walked by."
    answerer = QuestionAnswerer.load(marker_qa_model, max_length=64, stride=16)
    assert len(answerer.tokenizer(context)["input_ids"]) > 6 * 64       # the answer lies far past the first window
    got = answerer.answer("What walked by?", context)
    assert (got.text, got.start) == ("zebra", context.index("zebra"))


def test_untrained_head_answers_at_chance_and_the_trained_model_needs_the_hub(tiny_text_model):
    table = compare_qa_heads(encoder=tiny_text_model, seed=0)
    untrained, trained = table.iloc[0], table.loc[TRAINED_QA_MODEL]
    assert "untrained QA head (seed 0)" in table.index[0]
    assert 0 <= untrained["exact_match"] <= 0.5 and 0 <= untrained["f1"] <= 1
    assert untrained["examples"] == len(QA_EXAMPLES)
    assert np.isnan(trained["exact_match"]) and "HF_HUB_OFFLINE=1" in trained["note"]


def test_untrained_minilm_head_returns_spans_inside_each_context():
    from workbench.apps.qa import untrained_head_answerer

    answerer = untrained_head_answerer("minilm", seed=0)
    scored = score_answers(answerer, QA_EXAMPLES[:4])
    assert len(scored) == 4
    for (question, context, _), predicted in zip(QA_EXAMPLES, scored["predicted"]):
        assert predicted and predicted in context
    assert scored["exact"].isin([0.0, 1.0]).all()


def test_answer_scoring_follows_the_squad_convention():
    assert normalize_answer("The  Cello!") == "cello"
    assert token_f1("the cello", "cello") == 1.0
    # precision 1, recall 2/5
    assert token_f1("sourdough bread", "sourdough bread and cinnamon rolls") == pytest.approx(2 * 0.4 / 1.4)
    assert token_f1("Oslo", "Bergen") == 0.0


def test_qa_errors_are_specific(marker_qa_model):
    with pytest.raises(ModelUnavailableError, match="question answering.*HF_HUB_OFFLINE=1"):
        QuestionAnswerer.load(TRAINED_QA_MODEL)
    answerer = QuestionAnswerer.load(marker_qa_model, max_length=64, stride=16)
    with pytest.raises(ValueError, match="non-empty"):
        answerer.answer("Who?", "  ")
    with pytest.raises(ValueError, match="question is too long"):
        answerer.answer("why " * 40, "A short context.")
    with pytest.raises(ValueError, match="stride"):
        QuestionAnswerer.load(marker_qa_model, max_length=64, stride=40)


# ---------------------------------------------------------------- translation


def _silence_special_tokens(model, ids) -> None:
    """A random decoder mostly emits padding or end tokens; zeroing their output rows makes it emit words."""
    import torch
    with torch.no_grad():
        model.lm_head.weight[ids] = 0


@pytest.fixture(scope="module")
def tiny_t5(tmp_path_factory):
    """T5 with 1 layer and a 110-piece Unigram tokenizer built from a word list (no sentencepiece needed)."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    pieces += [(c, -5.0) for c in string.ascii_letters + string.digits + string.punctuation]
    pieces += [("▁" + w, -3.0) for w in "the a cat dog is on mat house good morning hello world".split()]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0)
    torch.manual_seed(0)
    model = T5ForConditionalGeneration(T5Config(
        vocab_size=len(tokenizer), d_model=32, d_kv=16, d_ff=64, num_layers=1, num_decoder_layers=1, num_heads=2,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id))
    _silence_special_tokens(model, [0, 1, 2])
    folder = tmp_path_factory.mktemp("tiny_t5")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def tiny_marian(tmp_path_factory):
    """MarianMT (the default model's architecture) with a 40-piece SentencePiece model trained here."""
    import sentencepiece
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    work = tmp_path_factory.mktemp("marian_spm")
    corpus = ["the cat is on the mat", "good morning to you", "hello world", "a dog in the house"] * 20
    sentencepiece.SentencePieceTrainer.train(sentence_iterator=iter(corpus), model_prefix=str(work / "sp"),
                                             vocab_size=40, hard_vocab_limit=False, minloglevel=2)
    processor = sentencepiece.SentencePieceProcessor(model_file=str(work / "sp.model"))
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
    vocab["<pad>"] = len(vocab)
    (work / "vocab.json").write_text(json.dumps(vocab))
    for name in ("source.spm", "target.spm"):
        shutil.copy(work / "sp.model", work / name)
    tokenizer = MarianTokenizer(str(work / "source.spm"), str(work / "target.spm"), str(work / "vocab.json"))
    torch.manual_seed(1)
    model = MarianMTModel(MarianConfig(     # init_std 1.0: with the usual 0.02 the output ignores the input
        vocab_size=len(tokenizer), d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64, init_std=1.0,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id))
    _silence_special_tokens(model, [tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id])
    folder = tmp_path_factory.mktemp("tiny_marian")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


SOURCES = ["hello world", "the cat is on the mat", "good morning", "a dog in the house, the cat and the dog"]


@pytest.mark.parametrize("model_fixture", ["tiny_t5", "tiny_marian"])
def test_one_translation_per_input_in_order_whatever_the_batching(model_fixture, request):
    folder = request.getfixturevalue(model_fixture)
    batched = Translator(folder, batch_size=3).translate(SOURCES, max_new_tokens=6)
    assert len(batched) == len(SOURCES) and all(isinstance(t, str) and t for t in batched)
    single = Translator(folder, batch_size=1)
    assert [single.translate([s], max_new_tokens=6)[0] for s in SOURCES] == batched
    assert len(set(batched)) > 1                # the outputs depend on the input


def test_max_new_tokens_bounds_greedy_output(tiny_t5):
    translator = Translator(tiny_t5)
    short = translator.translate(["the cat is on the mat"], max_new_tokens=2)[0]
    long = translator.translate(["the cat is on the mat"], max_new_tokens=8)[0]
    assert long.startswith(short) and len(long) > len(short)       # greedy: the longer output extends the shorter


def test_translation_errors_are_specific(tiny_text_model, tiny_t5):
    with pytest.raises(ModelUnavailableError, match="translation.*HF_HUB_OFFLINE=1"):
        Translator(DEFAULT_TRANSLATION_MODEL)
    with pytest.raises(ModelUnavailableError, match="cannot be used for translation"):
        Translator(tiny_text_model)                       # an encoder-only BERT has no decoder
    with pytest.raises(ValueError, match="not one string"):
        Translator(tiny_t5).translate("hello world")
    with pytest.raises(ValueError, match="max_new_tokens"):
        Translator(tiny_t5).translate(["hello"], max_new_tokens=0)


def test_qa_and_translate_commands(marker_qa_model, tiny_t5, capsys):
    from workbench.cli import main

    assert main(["qa", "--model", marker_qa_model, "--question", "What grazed?",
                 "--context", "By the river a zebra grazed."]) == 0
    assert capsys.readouterr().out.startswith("zebra\n  score ")
    assert main(["translate", "--model", tiny_t5, "hello world", "the cat is on the mat"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2
    assert main(["qa", "--question", "Who?"]) == 2
    assert "--context" in capsys.readouterr().err


def test_a_model_without_a_qa_head_is_flagged_and_the_command_warns(marker_qa_model, tiny_text_model, capsys):
    from workbench.cli import main

    assert QuestionAnswerer.load(marker_qa_model).untrained_head is False
    assert QuestionAnswerer.load(tiny_text_model).untrained_head is True    # a classifier checkpoint: no QA head
    assert main(["qa", "--model", tiny_text_model, "--question", "Who?", "--context", "Ann met Bob."]) == 0
    assert "no trained question-answering head" in capsys.readouterr().err


def test_an_unreachable_hub_fails_at_once_with_the_reason(monkeypatch):
    """Without a connection, from_pretrained would retry for about a minute; the probe makes it fail at once."""
    import socket
    import time

    import huggingface_hub
    from huggingface_hub import constants

    from workbench.core.pretrained import hub_reachable

    with socket.socket() as s:            # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    monkeypatch.setattr(huggingface_hub, "is_offline_mode", lambda: False)
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{closed_port}")
    for proxy in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    assert hub_reachable() is False
    started = time.time()
    with pytest.raises(ModelUnavailableError, match="no connection to it from here"):
        Translator("someone/not-cached-anywhere")
    assert time.time() - started < 10
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{listening.getsockname()[1]}")
        assert hub_reachable() is True
