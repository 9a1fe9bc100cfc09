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
from workbench.experiments import Experiment, quick_mode, sized, compare_sentence, best_variant
from workbench import plots as P
print("quick mode" if quick_mode() else "full-size runs", "- set WORKBENCH_QUICK=1 for a fast pass")"""

NOTEBOOKS = {
    "01_quickstart": [
        ("md", "# Quick start\n\nFine-tune a pretrained sentence encoder (MiniLM, 22M parameters) to tell fresh "
               "from rotten movie reviews, and watch it learn. The panel below holds every option of the "
               "workbench; press **Start**, or run the cell after it, which starts the same run from code."),
        ("code", SETUP),
        ("code", "from workbench.ui.widgets import TrainingPanel\n"
                 "cfg = sized(workbench.RunConfig.from_flat(max_train_samples=2000))\n"
                 "panel = TrainingPanel(cfg)\npanel"),
        ("code", "run = workbench.start_run(cfg)\nwatch = TrainingPanel.watch(run)\nwatch"),
        ("code", "snap = run.wait()\ntest = snap['metrics']['test']\n"
                 "print(f\"status {snap['status']}: test accuracy {test['accuracy']:.3f} against "
                 "{test['majority_baseline']:.3f} for always guessing the majority class, after \"\n"
                 "      f\"{snap['step']} steps in {snap['metrics']['train_seconds']:.0f} s\")"),
        ("md", "## Conclusion\n\nThe cell below turns the measured numbers into the takeaway."),
        ("code", "gain = test['accuracy'] - test['majority_baseline']\n"
                 "print(f\"Fine-tuning lifted accuracy {gain:+.3f} above the majority-class baseline \"\n"
                 "      + (\"- the pretrained encoder learned the task.\" if gain > 0.05 else "
                 "\"- too little training to learn much; run without quick mode.\"))"),
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
        ("code", "print(compare_sentence(table, 'pretrained', 'from scratch'))"),
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
                 "print(f'Most accurate: {best} ({table.loc[best, \"accuracy\"]:.3f}); fastest: {fastest}; '\n"
                 "      f'LoRA trained {share[\"LoRA r=8\"]:.1%} of the parameters and reached '\n"
                 "      f'{table.loc[\"LoRA r=8\", \"accuracy\"]:.3f} vs {table.loc[\"full\", \"accuracy\"]:.3f} for full.')"),
    ],
    "04_learning_rates_and_optimizers": [
        ("md", "# Learning rates and optimizers\n\nThe learning rate is the setting that matters most. Here the "
               "same run at three rates, then three optimizers at their usual rates."),
        ("code", SETUP),
        ("code", "base = workbench.RunConfig.from_flat(max_train_samples=800, warmup_ratio=0.1)\n"
                 "lrs = Experiment({f'lr {lr:g}': sized(base.replace(lr=lr)) for lr in (1e-5, 1e-4, 1e-3)})\n"
                 "lr_table = lrs.run()\nlr_table[['accuracy', 'final_train_loss']]"),
        ("code", "from workbench.training import lr_schedule_preview\n"
                 "P.fig_lr_schedule(*lr_schedule_preview(base.train, 100, 1e-4))"),
        ("code", "opts = Experiment({'AdamW': sized(base.replace(lr=1e-4)),\n"
                 "                   'SGD+momentum': sized(base.replace(optimizer='sgd_momentum', lr=1e-2)),\n"
                 "                   'RMSprop': sized(base.replace(optimizer='rmsprop', lr=1e-5))})\n"
                 "opt_table = opts.run()\nopt_table[['accuracy', 'final_train_loss']]"),
        ("code", "P.fig_training_curves({**lrs.histories(), **opts.histories()}, metrics=('train_loss',), log_y=True)"),
        ("md", "## Conclusion"),
        ("code", "print(f'Best learning rate here: {best_variant(lr_table)}; best optimizer: {best_variant(opt_table)}.')\n"
                 "print(compare_sentence(lr_table, 'lr 0.0001', 'lr 0.001'))"),
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
                 "print(f'Without regularisation validation loss ended {gap:.3f} above its best - '\n"
                 "      + ('a sign of overfitting.' if gap > 0.01 else 'no clear overfitting in this run.'))\n"
                 "print(compare_sentence(table, 'weight decay + dropout', 'no regularisation'))"),
    ],
    "06_class_imbalance": [
        ("md", "# Class imbalance\n\nSMS spam: about 13% of messages are spam. Accuracy looks fine even for a "
               "model that misses spam, so we watch the balanced accuracy and compare class weights, "
               "oversampling and focal loss."),
        ("code", SETUP),
        ("code", "base = workbench.RunConfig.from_flat(dataset='sms_spam', max_train_samples=600, lr=1e-4)\n"
                 "exp = Experiment({'plain': sized(base), 'class weights': sized(base.replace(class_weights=True)),\n"
                 "                  'oversample': sized(base.replace(sampling='oversample')),\n"
                 "                  'focal loss': sized(base.replace(loss='focal'))})\n"
                 "table = exp.run()\ntable[['accuracy', 'balanced_accuracy', 'f1_macro']]"),
        ("md", "## Conclusion"),
        ("code", "best = best_variant(table, 'balanced_accuracy')\n"
                 "print(f'Best balanced accuracy: {best} ({table.loc[best, \"balanced_accuracy\"]:.3f}).')\n"
                 "print(compare_sentence(table, 'class weights', 'plain', 'balanced_accuracy'))"),
    ],
    "07_evaluation_metrics": [
        ("md", "# Evaluation metrics\n\nOne fine-tuned spam model, many views: the confusion matrix, ROC and PR "
               "curves, calibration, and what moving the decision threshold does."),
        ("code", SETUP),
        ("code", "from workbench import metrics as M\nfrom workbench.ui.widgets import EvaluationPanel\n"
                 "run = workbench.start_run(sized(workbench.RunConfig.from_flat(dataset='sms_spam', max_train_samples=600)))\n"
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
                 "run = workbench.start_run(sized(workbench.RunConfig.from_flat(max_train_samples=1000)))\n"
                 "snap = run.wait()\npanel = ExplainPanel(run.id)\npanel"),
        ("code", "from workbench.explain import explain_both\npredictor = workbench.load_predictor(run.id)\n"
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
                 "                                        strategy='frozen', image_size=64, lr=1e-3, batch_size=32)),\n"
                 "                      'full fine-tune': sized(workbench.RunConfig.from_flat(dataset='mnist', model='efficientnet_lite0',\n"
                 "                                        image_size=64, lr=5e-4, batch_size=32))})\n"
                 "img_table = images.run()\nimg_table[['accuracy', 'train_seconds', 'trainable_parameters']]"),
        ("code", "from workbench.datasets import load_dataset, split_dataset\n"
                 "ds = load_dataset('breast_cancer'); splits = split_dataset(ds)\n"
                 "print('raw feature scales (train means):', splits.train.x.mean(0)[:5].round(2))\n"
                 "tables = Experiment({'MLP': sized(workbench.RunConfig.from_flat(dataset='breast_cancer', model='mlp', epochs=30,\n"
                 "                                  save_checkpoints=False), max_steps=30, max_train_samples=None)})\n"
                 "tab_table = tables.run()\ntab_table[['accuracy', 'balanced_accuracy']]"),
        ("md", "## Conclusion"),
        ("code", "print(compare_sentence(img_table, 'full fine-tune', 'head only'))\n"
                 "print(f\"The MLP on standardised features reached {tab_table.loc['MLP', 'accuracy']:.3f} accuracy \"\n"
                 "      f\"on held-out tumours.\")"),
    ],
    "10_interview_walkthroughs": [
        ("md", "# Interview walkthroughs\n\nEach classic question about pre-training and fine-tuning is answered by a "
               "small controlled experiment; the takeaway quotes the numbers you measure. Pick a lesson id (see the "
               "list below), commit to a guess, run it, and compare. 中文：把 `LANG` 改成 `'zh'`。"),
        ("code", SETUP),
        ("code", "from workbench import lessons\n"
                 "for lesson_id, lesson in lessons.all_lessons().items():\n"
                 "    print(f'{lesson_id:10} {lesson.title.en}')"),
        ("md", "## Run one lesson by id"),
        ("code", "LESSON_ID, LANG = 'concept.2', 'en'\n"
                 "lesson = lessons.get(LESSON_ID)\n"
                 "print(lesson.question(LANG))\n"
                 "if lesson.quiz:\n"
                 "    print(lesson.quiz.prompt(LANG))\n"
                 "    for key, choice in lesson.quiz.choices.items():\n"
                 "        print(f'  {key}: {choice(LANG)}')"),
        ("code", "GUESS = next(iter(lesson.quiz.choices)) if lesson.quiz else None   # put your guess here\n"
                 "outcome = lesson.run()   # quick mode when WORKBENCH_QUICK=1, else the full experiment over seeds\n"
                 "outcome.table()"),
        ("code", "for title, fig in lesson.figures(outcome, LANG):\n"
                 "    fig.update_layout(title=title)\n"
                 "    fig.show()"),
        ("md", "## Takeaway, computed from the run"),
        ("code", "print(lesson.takeaway(outcome, LANG))\n"
                 "if lesson.quiz:\n"
                 "    print(lesson.quiz.reveal(outcome, GUESS, LANG)['text'])\n"
                 "print(lesson.answer(LANG))"),
        ("code", "for correction in lesson.corrections:   # where the source notes were wrong\n"
                 "    print(correction.source, '-', correction.right(LANG))\n"
                 "    if correction.demo:\n"
                 "        print('  ', correction.verdict(correction.demo(), LANG))"),
        ("md", "## Or use the panel\n\nPick any lesson and language, choose a guess, press **Run the experiment**."),
        ("code", "from workbench.ui.widgets import LessonPanel\npanel = LessonPanel('concept.2', lang=LANG)\npanel"),
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
