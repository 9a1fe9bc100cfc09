"""Generative fine-tuning on a tiny randomly initialised Llama that uses SmolLM2's real tokenizer and chat template
(read once from the shipped GGUF file), plus one slow test on the real model."""
import json

import pytest
import torch

from workbench.llm.instructions import TASKS, build_task, score_answers
from workbench.llm.causal_lm import IGNORE, Decoding, LLMError, Pair, collate, encode_pair, generate
from workbench.llm.sft import SFTConfig, apply_sft_strategy, train_sft


PAIR = Pair("Is this text message spam? Answer with one word: spam or ham.\n\nMessage: WIN a prize now", "spam")


def test_the_loss_falls_on_the_response_only_unless_asked_for_every_token(tiny_llm):
    _, tokenizer = tiny_llm
    encoded = encode_pair(tokenizer, PAIR, loss_on="response")
    ids, labels = encoded["input_ids"], encoded["labels"]
    learned = [i for i, label in enumerate(labels) if label != IGNORE]
    assert learned == list(range(learned[0], len(ids))) and learned[0] > 10     # one block, at the end
    assert tokenizer.decode([ids[i] for i in learned]).startswith("spam<|im_end|>")
    assert tokenizer.decode(ids[:learned[0]]).endswith("<|im_start|>assistant\n")
    every = encode_pair(tokenizer, PAIR, loss_on="all")
    assert every["labels"] == every["input_ids"] == ids
    with pytest.raises(LLMError, match="loss_on"):
        encode_pair(tokenizer, PAIR, loss_on="prompt")
    with pytest.raises(LLMError, match="empty response"):
        encode_pair(tokenizer, Pair("a question", "  "))


def test_truncation_drops_the_start_of_the_prompt_and_keeps_the_response(tiny_llm):
    _, tokenizer = tiny_llm
    long = Pair("word " * 400 + "Is it spam?", "ham")
    encoded = encode_pair(tokenizer, long, max_length=64)
    assert len(encoded["input_ids"]) == 64
    kept = [t for t, label in zip(encoded["input_ids"], encoded["labels"]) if label != IGNORE]
    assert tokenizer.decode(kept).startswith("ham")
    with pytest.raises(LLMError, match="longer than max_length"):
        encode_pair(tokenizer, Pair("q", "a " * 100), max_length=16)


def test_batches_are_padded_and_the_padding_is_masked():
    batch = collate([{"input_ids": [5, 6, 7], "labels": [IGNORE, 6, 7]}, {"input_ids": [8], "labels": [8]}], 0)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["labels"].tolist() == [[IGNORE, 6, 7], [8, IGNORE, IGNORE]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_answers_are_scored_for_format_and_for_being_right():
    pairs = [Pair("p1", "spam"), Pair("p2", "ham"), Pair("p3", "spam")]
    scores = score_answers(["Spam.", "I think it is ham", "ham"], pairs, "sms_verdict")
    assert scores == {"format_rate": pytest.approx(2 / 3), "exact_match": pytest.approx(1 / 3), "n": 3}
    review = [Pair("r", json.dumps({"sentiment": "positive"}))]
    assert score_answers(['{"sentiment": "positive"}'], review, "review_json")["exact_match"] == 1.0
    assert score_answers(["positive"], review, "review_json")["format_rate"] == 0.0
    assert score_answers(["b "], [Pair("a", "b")])["exact_match"] == 1.0     # uploaded pairs: exact text


def test_instruction_sets_are_written_from_the_shipped_data():
    data = build_task("sms_verdict", n_train=40, n_eval=20)
    assert len(data.train) == 40 and len(data.test) == 20
    assert {p.response for p in data.train} == {"spam", "ham"}
    assert all(TASKS["sms_verdict"].parse(p.response) for p in data.train)
    reviews = build_task("review_json", n_train=10, n_eval=10)
    assert {json.loads(p.response)["sentiment"] for p in reviews.train} <= {"positive", "negative"}
    with pytest.raises(ValueError, match="Unknown instruction task"):
        build_task("poetry", 10)


def test_lora_trains_only_adapters_and_last_n_only_the_top_layers(tiny_llm_folder):
    from workbench.llm.causal_lm import load_causal_lm

    lora = apply_sft_strategy(load_causal_lm(tiny_llm_folder)[0], SFTConfig(strategy="lora"))
    trainable = {n for n, p in lora.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)
    top = apply_sft_strategy(load_causal_lm(tiny_llm_folder)[0], SFTConfig(strategy="last_n", trainable_layers=1))
    assert {n.split(".")[2] for n, p in top.named_parameters() if p.requires_grad} == {"1"}
    with pytest.raises(LLMError, match="strategy"):
        apply_sft_strategy(top, SFTConfig(strategy="adapters"))


def test_generation_is_greedy_by_default_and_seeded_when_sampling(tiny_llm):
    model, tokenizer = tiny_llm
    prompts = ["Say hi.", "Is this spam? Message: hello"]
    assert generate(model, tokenizer, prompts, Decoding(max_new_tokens=5)) == \
        generate(model, tokenizer, prompts, Decoding(max_new_tokens=5))
    sampled = Decoding(max_new_tokens=5, temperature=1.5, top_p=0.9, seed=3)
    assert generate(model, tokenizer, prompts, sampled) == generate(model, tokenizer, prompts, sampled)


def test_a_short_sft_run_lowers_the_loss_and_reports_live_rows(tiny_llm):
    model, tokenizer = tiny_llm
    data = build_task("sms_verdict", n_train=16, n_eval=8)
    rows = []
    result = train_sft(model, tokenizer, data, SFTConfig(strategy="full", lr=3e-3, max_steps=24, batch_size=8,
                                                         eval_every=12, eval_prompts=4,
                                                         decoding=Decoding(max_new_tokens=3)), on_event=rows.append)
    assert result.steps == 24 and rows == result.history
    losses = [r["train_loss"] for r in result.history if "train_loss" in r]
    assert losses[-1] < losses[0]
    evals = [r for r in result.history if "eval_loss" in r]
    assert [r["step"] for r in evals] == [12, 24]
    assert all(r["perplexity"] == pytest.approx(torch.tensor(r["eval_loss"]).exp().item(), rel=1e-6) for r in evals)
    assert {"eval_format_rate", "eval_exact_match"} <= set(evals[-1])
    assert len(result.answers) == 4 and {"base", "fine-tuned", "wanted"} <= set(result.answers[0])


@pytest.mark.slow
def test_lora_on_the_real_smollm2_learns_the_answer_format_offline(tmp_path, monkeypatch):
    from workbench.llm.causal_lm import load_causal_lm

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    model, tokenizer = load_causal_lm()
    data = build_task("sms_verdict", n_train=64, n_eval=24)
    result = train_sft(model, tokenizer, data, SFTConfig(max_steps=16, batch_size=8, eval_every=16,
                                                         eval_prompts=24, decoding=Decoding(max_new_tokens=4)))
    losses = [r["train_loss"] for r in result.history if "train_loss" in r]
    assert losses[-1] < losses[0]
    assert result.after["format_rate"] > result.before["format_rate"]


def test_the_sft_command_trains_and_prints_its_scores(tiny_llm_folder, capsys):
    from workbench.cli import main

    assert main(["sft", "--model", tiny_llm_folder, "--train", "16", "--eval", "4", "--max-steps", "2",
                 "--batch-size", "8", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 2 and set(summary["before"]) == {"format_rate", "exact_match", "n"}


def test_uploaded_pairs_load_from_csv_and_jsonl(tmp_path):
    from workbench.llm.instructions import load_pairs

    csv = tmp_path / "pairs.csv"
    csv.write_text('prompt,response\n"Capital of France?",Paris\n"2+2?",4\n')
    assert load_pairs(csv) == [Pair("Capital of France?", "Paris"), Pair("2+2?", "4")]
    jsonl = tmp_path / "pairs.jsonl"
    jsonl.write_text('{"prompt": "a", "response": "b"}\n\n{"prompt": "c", "response": "d"}\n')
    assert len(load_pairs(jsonl)) == 2
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("question,answer\nq,a\nq2,a2\n")
    assert len(load_pairs(renamed, "question", "answer")) == 2


@pytest.mark.parametrize("name, content, message", [
    ("bad.jsonl", '{"prompt": "a", "response": "b"}\n{prompt: c}\n', "line 2: not a JSON object"),
    ("listed.jsonl", '["a", "b"]\n', "line 1: a JSON list, not an object"),
    ("partial.jsonl", '{"prompt": "a", "response": "b"}\n{"prompt": "c"}\n', "row 2: an empty response"),
    ("wrong.csv", "question,answer\nq,a\nq2,a2\n",
     "no column 'prompt', 'response'; its columns are question, answer"),
    ("empty.csv", "prompt,response\nq,\nq2,a2\n", "row 1: an empty response"),
    ("one.csv", "prompt,response\nq,a\n", "holds 1 pair"),
])
def test_bad_pair_files_say_what_is_wrong(tmp_path, name, content, message):
    from workbench.llm.instructions import load_pairs

    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load_pairs(path)


def test_the_format_change_is_a_paired_verdict_over_prompts():
    from workbench.llm.instructions import format_change

    rows = [{"base": "It is spam.", "fine-tuned": "spam"}] * 5 + [{"base": "ham", "fine-tuned": "ham"}]
    change = format_change(rows, "sms_verdict")
    assert change.winner == "b" and change.difference == pytest.approx(5 / 6)
    assert "Over 6 held-out prompts" in change.sentence and "paired by prompt" in change.sentence
    assert "too few" in format_change(rows[:1], "sms_verdict").sentence


def test_sft_waits_for_the_hosts_device_lock(tiny_llm, capsys):
    import threading

    from workbench.core.device_queue import DeviceLock
    from workbench.core.store import workbench_home

    model, tokenizer = tiny_llm
    holder = DeviceLock(workbench_home() / "locks")
    assert holder.acquire("a run in the app")
    done = []
    worker = threading.Thread(target=lambda: done.append(train_sft(
        model, tokenizer, build_task("sms_verdict", n_train=8, n_eval=2),
        SFTConfig(strategy="full", max_steps=1, batch_size=8, eval_prompts=1, decoding=Decoding(max_new_tokens=1)))))
    worker.start()
    worker.join(3)
    assert worker.is_alive() and not done          # held back while the other job trains
    holder.release()
    worker.join(120)
    assert done and done[0].steps == 1
    assert "waiting for" in capsys.readouterr().err
