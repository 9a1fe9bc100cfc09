"""Interview notes of the evaluation lessons (eval.1-eval.6) as plain data: for each lesson id, the spoken
answer and two (question, answer) follow-ups; lessons.interview turns them into InterviewNotes."""
from __future__ import annotations

from ..base import T

NOTES = {
    "eval.1": (
        T("Accuracy is the share correct; the error rate is its complement. Precision asks how many flagged "
          "positives are real, recall how many real positives were found, and F1 is their harmonic mean. Loss "
          "scores the probabilities and punishes confident mistakes. With a dominant class accuracy misleads. With "
          "several classes, micro-F1 pools all decisions, equal to accuracy for single-label tasks; macro-F1 "
          "weights classes equally; weighted F1 by support. The experiment compares a spam model with the majority "
          "baseline.",
          "准确率是预测正确的比例，错误率是它的补数。精确率看判为正的样本有多少真是正类，召回率看真实正类找回了多少"
          "，F1 是两者的调和平均。损失给概率打分，重罚自信的错误。某类占多数时准确率会误导。多分类时，微平均 F1 汇"
          "总所有判定，宏平均 F1 各类等权，加权 F1 按样本数加权。实验把垃圾短信模型与多数类基线对比。"),
        (T("Precision or recall: which matters more?",
           "精确率和召回率，哪个更重要？"),
         T("It depends on what each error costs. Spam filtering favours precision, since losing a real message is "
           "worse; disease screening favours recall, since a missed case is worse. F-beta weights recall beta times "
           "as much as precision.",
           "取决于两种错误的代价。垃圾短信过滤更看重精确率，因为误拦正常短信更糟；疾病筛查更看重召回率，因为漏诊更"
           "糟。F-beta 让召回率的权重是精确率的 beta 倍。")),
        (T("Why is F1 a harmonic and not an arithmetic mean?",
           "F1 为什么用调和平均而不是算术平均？"),
         T("The harmonic mean is dominated by the smaller value, so a model cannot score well by maximising one of "
           "precision and recall while neglecting the other: precision 1.0 with recall 0.1 gives F1 of about 0.18, "
           "not 0.55.",
           "调和平均由较小的那个值主导，模型无法只把精确率或召回率之一做到最大来得高分：精确率 1.0、召回率 0.1 时 "
           "F1 约为 0.18，而不是 0.55。"))),
    "eval.2": (
        T("A classifier outputs a score, and each threshold gives one trade-off. The ROC curve plots true-positive "
          "rate against false-positive rate over all thresholds; its AUC is the chance that a random positive "
          "outranks a random negative. The PR curve plots precision against recall and, because precision depends "
          "on how rare positives are, tells more on imbalanced data. Choose the threshold on validation data for "
          "your goal, then confirm on test.",
          "分类器输出一个分数，每个阈值对应一种取舍。ROC 曲线在所有阈值上画真正例率对假正例率，AUC 等于随机一个正例"
          "得分高于随机一个负例的概率。PR 曲线画精确率对召回率，精确率受正类稀少程度影响，所以在不平衡数据上更能说"
          "明问题。阈值在验证集上按目标选（F1 最高、召回率不低于某值或代价最小），再到测试集上确认。"),
        (T("Why can ROC AUC look good on a heavily imbalanced problem while the model is poor?",
           "为什么在极不平衡的问题上，模型不好时 ROC AUC 也可能很好看？"),
         T("The false-positive rate divides by the large number of negatives, so even many false positives give a "
           "small rate. Precision exposes them, which is why the PR curve and average precision are preferred when "
           "positives are rare.",
           "假正例率的分母是数量很多的负例，即使假正例很多，比率也很小。精确率会把它们暴露出来，所以正例稀少时更推"
           "荐看 PR 曲线和平均精确率。")),
        (T("What is the AUC of random scores, and what does an AUC well below 0.5 mean?",
           "随机打分的 AUC 是多少？AUC 明显低于 0.5 说明什么？"),
         T("Random scores give 0.5, the diagonal. An AUC near 0 means the ranking is reversed, so flipping the "
           "scores would give nearly 1.0; a value well below 0.5 usually signals swapped labels.",
           "随机打分的 AUC 是 0.5，即对角线。AUC 接近 0 表示排序颠倒，把分数反过来就接近 1.0；明显低于 0.5 通常说明"
           "标签弄反了。"))),
    "eval.3": (
        T("A confusion matrix counts test examples by true class in rows and predicted class in columns: the "
          "diagonal is correct, every other cell a specific mistake. Per-class recall and precision come from its "
          "rows and columns, and the largest off-diagonal cells show which classes get mixed up. Error analysis "
          "reads the examples behind them, most confident mistakes first, to find the cause: wrong labels, "
          "ambiguous inputs or missing patterns. The experiment does this on 8x8 digits.",
          "混淆矩阵按真实类别（行）和预测类别（列）统计测试样本：对角线是对的，其余每格是一种具体错误。各类别的召回"
          "率和精确率可由行和列算出，对角线外最大的格子显示哪些类别最容易混。错误分析再读这些格子背后的样本，先看最"
          "自信的错误，找出原因：标签错误、输入有歧义，还是缺少某种模式。实验在 8x8 手写数字上这样做。"),
        (T("How do you read recall and precision off the matrix?",
           "怎样从混淆矩阵读出召回率和精确率？"),
         T("A class's recall is its diagonal cell divided by its row total (all its true members); its precision is "
           "the diagonal cell divided by its column total (everything predicted as that class).",
           "某一类的召回率是它的对角线格子除以所在行的总数（全部真实样本）；精确率是对角线格子除以所在列的总数（全"
           "部被预测为该类的样本）。")),
        (T("Why start error analysis with the most confident mistakes?",
           "为什么错误分析要先看最自信的错误？"),
         T("Confident mistakes are the most likely to be mislabelled examples or systematic gaps rather than "
           "borderline cases, so they reveal the biggest fixable problems fastest.",
           "最自信的错误最可能是标错的样本或系统性的缺陷，而不是模棱两可的边界情况，所以能最快暴露最值得修复的问题"
           "。"))),
    "eval.4": (
        T("k-fold cross-validation splits the non-test data into k folds, trains k times with a different fold held "
          "out, and reports the mean and spread of the k scores. Every example is validated once, so the estimate "
          "depends much less on one lucky split, and the spread shows whether a difference between settings is "
          "real. It costs k trainings, so it pays most on small data. Here the 36 test wines are set aside and the "
          "other 142 form the folds.",
          "k 折交叉验证把测试集以外的数据分成 k 份，训练 k 次，每次留出不同的一份验证，报告 k 个分数的均值和波动。"
          "每个样本都被验证一次，估计不再依赖某一次划分的运气，波动还能说明两种设置的差距是否真实。它要训练 k 次，"
          "所以在小数据上最划算。本课先留出 36 条葡萄酒做测试集，其余 142 条分成各折。"),
        (T("Why stratified folds?",
           "为什么要分层划分各折？"),
         T("They keep each class's share the same in every fold, so a small class is not missing from some folds "
           "and the fold scores vary less for reasons unrelated to the model.",
           "分层让每一折中各类别的比例相同，小类别不会在某些折里缺失，各折分数也不会因为与模型无关的原因而大幅波动"
           "。")),
        (T("How do you tune hyper-parameters and still get an unbiased estimate?",
           "既要调超参数，又要得到无偏估计，怎么做？"),
         T("Use nested cross-validation: an inner loop picks the hyper-parameters on each outer training part, and "
           "the outer folds score that whole procedure. Or tune with cross-validation and keep a separate test set "
           "for one final check.",
           "用嵌套交叉验证：内层循环在每个外层训练部分上选超参数，外层各折评估整个流程。或者用交叉验证调参，再保留"
           "一个独立的测试集做最后一次检查。"))),
    "eval.5": (
        T("Always score on a held-out test set the model never saw, with the task's own metric, after every choice "
          "is made on validation data. To see what pre-training brings, climb rungs of effort: zero-shot with no "
          "labels, a linear probe on frozen features, then full fine-tuning. A high probe score means the features "
          "already transfer; the gap to fine-tuning shows what adapting them is worth. The experiment runs the "
          "three rungs on Rotten Tomatoes reviews.",
          "始终在模型没见过的留出测试集上、用任务自己的指标打分，所有选择先在验证集上做完。要看预训练带来了什么，就"
          "按投入逐级比较：不用标注的零样本、冻结特征上的线性探针、全量微调。探针分数高说明特征本身能迁移，它与微调"
          "的差距说明调整特征值多少。实验在烂番茄影评上跑这三个层级。"),
        (T("How does zero-shot classification with an encoder work?",
           "用编码器做零样本分类是怎么做的？"),
         T("Embed each input and a short text description of each class with the same encoder, and predict the "
           "class whose description is most similar. No labelled training example is needed, only good class "
           "descriptions.",
           "用同一个编码器把每个输入和每个类别的简短文字描述都编码成向量，预测与输入最相似的那个描述对应的类别。不"
           "需要任何标注训练样本，只需要好的类别描述。")),
        (T("Why can a public benchmark score mislead you about a pretrained model?",
           "为什么公开基准上的分数可能误导你对预训练模型的判断？"),
         T("The benchmark may not match your domain, and its test set may have leaked into the model's pre-training "
           "data, inflating the score. Evaluate on your own held-out data.",
           "基准数据未必与你的领域一致，它的测试集还可能混进了模型的预训练数据，让分数虚高。要在自己的留出数据上评"
           "估。"))),
    "eval.6": (
        T("Translate errors into money or time: give each kind a cost, here a real message sent to spam against a "
          "spam let through, and measure the expected cost per example instead of accuracy. The model's "
          "probabilities stay the same; the threshold changes. With calibrated probabilities the cheapest threshold "
          "is cost_fp / (cost_fp + cost_fn); in practice, sweep thresholds on validation data, take the cheapest "
          "and confirm on test. Online, business metrics such as conversion play the same role.",
          "把错误换算成金钱或时间：给每种错误定代价（这里是误拦正常短信和放过垃圾短信），用每个样本的期望代价代替准"
          "确率来衡量。模型的概率不变，变的是阈值。概率校准良好时，最优阈值是 误拦代价 / (误拦代价 + 漏拦代价)；实"
          "际中在验证集上扫描阈值，选代价最小的，再到测试集确认。上线后，转化率等业务指标起同样的作用。"),
        (T("Derive the cost-optimal threshold.",
           "推导代价最优的阈值。"),
         T("Flag an example when the expected cost of flagging, (1 - p) x cost_fp, is below that of letting it "
           "through, p x cost_fn. That gives p > cost_fp / (cost_fp + cost_fn).",
           "当拦截的期望代价 (1 - p) × 误拦代价 小于放行的期望代价 p × 漏拦代价 时就拦截，由此得到 p > 误拦代价 / ("
           "误拦代价 + 漏拦代价)。")),
        (T("How do you check that the model's probabilities are calibrated?",
           "怎样检查模型的概率是否校准？"),
         T("Draw a reliability diagram: bin the predictions by probability and compare each bin's mean prediction "
           "with its observed positive rate; summarise with expected calibration error or the Brier score. Fix it "
           "with temperature, Platt or isotonic scaling fitted on validation data.",
           "画可靠性图：按预测概率分箱，比较每个箱的平均预测值和实际正例比例，并用期望校准误差（ECE）或 Brier 分数"
           "概括。校准不好时，在验证集上用温度缩放、Platt 缩放或保序回归修正。"))),
}
