"""Interview notes of the data lessons (data.1-data.9) as plain data: for each lesson id, the spoken
answer and two (question, answer) follow-ups; lessons.interview turns them into InterviewNotes."""
from __future__ import annotations

from ..base import T

NOTES = {
    "data.1": (
        T("Good fine-tuning data looks like production data, covers the variety of cases including rare ones, and "
          "has correct, consistent labels. Accuracy grows roughly with the log of the data size, so each doubling "
          "buys less. Wrong labels teach wrong answers: random ones partly average out, systematic ones are learned "
          "as rules. So audit labels before buying more data, and keep validation and test sets clean. The "
          "experiment compares three training-set sizes and randomly flipped labels on 8x8 digits.",
          "好的微调数据要像线上数据，覆盖各种情况（包括少见的），标签正确且标准一致。准确率大致随数据量的对数增长，"
          "每翻一倍收益递减。错误标签会教错答案：随机错误能部分平均掉，系统性错误会被当成规律学进去。所以先抽查标签"
          "再决定是否买更多数据，并保证验证集和测试集干净。实验在 8x8 手写数字上比较三种训练集规模和随机翻转的标签"
          "。"),
        (T("How would you measure label quality?",
           "怎样衡量标注质量？"),
         T("Have two annotators label the same sample and compute their agreement (for example Cohen's kappa), and "
           "review the examples where a cross-validated model confidently disagrees with the label.",
           "让两位标注员标同一批样本，计算一致性（如 Cohen's kappa），并复查交叉验证模型高度自信却与标签不一致的样"
           "本。")),
        (T("How do you decide whether more data will help?",
           "怎样判断再加数据有没有用？"),
         T("Plot a learning curve: train on growing fractions of the data and watch validation accuracy. If it "
           "still rises at the full size, more data pays; if it has flattened, improve the labels, features or "
           "model instead.",
           "画学习曲线：用逐渐增大的数据比例训练，观察验证准确率。如果到全量时仍在上升，加数据值得；如果已经走平，"
           "就该改进标签、特征或模型。"))),
    "data.2": (
        T("Clean first: drop or fix empty, corrupt and mislabelled rows, decode text consistently, and remove exact "
          "and near duplicates before splitting. Transform with fixed rules: one label-to-index map, the model's "
          "own tokenizer, scaling statistics from the training split only. Split before any fitting, stratified by "
          "class, with related rows, such as one user's, in the same split. The demo runs these checks on SMS spam "
          "and on deliberately broken files.",
          "先清洗：删除或修正空行、损坏行和标错的行，统一文本编码，并在划分前去掉完全重复和近似重复的样本。再按固定"
          "规则转换：统一的标签编号、模型自带的分词器、只用训练集统计量做标准化。在任何拟合之前划分，按类别分层，并"
          "把同一用户等相关的行放进同一划分。演示在 SMS 垃圾短信数据和刻意构造的问题文件上运行这些检查。"),
        (T("Why must scaling statistics come from the training split only?",
           "为什么标准化的统计量只能来自训练集？"),
         T("Statistics computed on all the data let the test set influence training, a mild form of leakage that "
           "makes the test score optimistic. Fit the scaler on training data and apply it unchanged to validation "
           "and test.",
           "用全部数据计算统计量，等于让测试集影响了训练，这是一种轻度泄漏，会让测试分数偏乐观。应在训练集上拟合缩"
           "放器，再原样用于验证集和测试集。")),
        (T("What is a group split, and when do you need one?",
           "什么是分组划分？什么时候需要它？"),
         T("A group split keeps all rows that share a key (a user, patient or document) in one split. You need it "
           "whenever rows within a group are correlated; otherwise the model is tested on near-copies of what it "
           "trained on.",
           "分组划分把共享同一键（同一用户、病人或文档）的所有行放进同一个划分。只要组内的行彼此相关就需要它，否则"
           "模型测试的是它训练过的近似副本。"))),
    "data.3": (
        T("Left alone, the common classes dominate the loss and the rare one is under-predicted. Class weights, "
          "oversampling, undersampling, focal loss and augmentation change what the loss sees. Judge by per-class "
          "recall, balanced accuracy or the PR curve, not accuracy. Resampling and weights also distort predicted "
          "probabilities, so recalibrate on data with the true class mix, or simply move the threshold. The lab "
          "shrinks one digit class and compares the remedies by that class's recall.",
          "不做处理时，常见类主导损失，稀有类被少预测。类别加权、过采样、欠采样、Focal 损失和数据增强改变的是损失看"
          "到的东西。评估看各类别召回率、平衡准确率或 PR 曲线，而不是准确率。重采样和加权还会扭曲预测概率，所以要在"
          "保持真实类别比例的数据上重新校准，或者直接移动阈值。实验缩减一个数字类别，按它的召回率比较各种办法。"),
        (T("How does a prior correction work?",
           "先验校正是怎么做的？"),
         T("If training saw the rare class at a different rate than reality, multiply each class's predicted "
           "probability by its true prior divided by its training prior and renormalise. That undoes the shift that "
           "resampling introduced.",
           "如果训练时稀有类的比例与真实情况不同，就把每个类别的预测概率乘以“真实先验 / 训练先验”，再重新归一化。这"
           "样就抵消了重采样带来的偏移。")),
        (T("Oversampling or class weights: which would you try first?",
           "过采样和类别加权，先试哪个？"),
         T("Class weights: they add no data or training time and give the same expected gradient as oversampling "
           "without repeating examples, which can overfit the few rare ones. Either way, compare with only tuning "
           "the threshold.",
           "先试类别加权：它不增加数据量和训练时间，期望梯度与过采样相同，又不会重复样本，而重复样本容易对少数稀有"
           "样本过拟合。无论哪种，都要和只调阈值的做法比一比。"))),
    "data.4": (
        T("Wrong labels teach wrong answers, and a big enough network eventually memorises them, so the damage "
          "grows with training time. First find them: score each label with a model that never trained on that "
          "example, using cross-validated predictions, and review the least believable ones. Then limit any label's "
          "pull with label smoothing, noise-robust losses such as generalised cross-entropy, early stopping and "
          "regularisation. The experiment injects label noise, measures the drop and ranks suspects by loss.",
          "错误标签会教错答案，容量足够的网络最终会把它们背下来，所以训练越久损害越大。先把它们找出来：用交叉验证预"
          "测，让没训练过该样本的模型给每个标签打分，复查最不可信的那些。再限制单个标签的影响：标签平滑、广义交叉熵"
          "等噪声鲁棒损失、早停和正则化。实验注入标签噪声，测量准确率下降，并按损失对可疑样本排序。"),
        (T("Why does early stopping help with noisy labels?",
           "为什么早停对噪声标签有帮助？"),
         T("Networks tend to fit the clean, consistent patterns first and memorise the noisy labels later. Stopping "
           "when validation loss stops improving catches the model after it has learned the rule but before it has "
           "memorised much of the noise.",
           "网络往往先拟合干净、一致的规律，之后才去死记噪声标签。在验证损失不再改善时停止，正好停在学会规律、还没"
           "记住多少噪声的阶段。")),
        (T("Why is a noise-robust loss less sensitive to wrong labels?",
           "为什么噪声鲁棒损失对错误标签不那么敏感？"),
         T("Cross-entropy gives a confidently contradicted label an unbounded loss and a large gradient, so wrong "
           "labels pull hard. Losses such as mean absolute error or generalised cross-entropy are bounded, which "
           "caps the pull of any single wrong label.",
           "交叉熵对被模型自信否定的标签给出无上界的损失和很大的梯度，所以错误标签的拉力很大。平均绝对误差、广义交"
           "叉熵等损失有上界，单个错误标签的拉力因此受限。"))),
    "data.5": (
        T("Truncation keeps the first max_length tokens: cheap, and fine when the beginning decides the label. Head "
          "plus tail keeps the opening and the ending, since conclusions often come last. Sliding windows classify "
          "overlapping chunks and pool the scores: nothing is lost, but inference cost grows with length. Beyond "
          "that, summarise first or use a long-input model such as Longformer. Which wins depends on where the "
          "signal sits; the experiment moves the deciding part to the start, middle or end.",
          "截断保留前 max_length 个词元：便宜，开头就能决定标签时够用。首尾拼接保留开头和结尾，因为结论常在最后。滑"
          "动窗口对重叠片段逐段分类再汇总：不丢信息，但推理开销随长度增长。此外还可以先摘要，或用 Longformer 这类长"
          "文本模型。哪种胜出取决于信号在哪里；实验把决定性片段分别放在开头、中间或结尾。"),
        (T("Why is attention cost a problem for long inputs?",
           "为什么注意力的开销是长文本的难题？"),
         T("Self-attention compares every token with every other, so its time and memory grow with the square of "
           "the length: doubling max_length roughly quadruples the attention cost. Long-input models use sparse or "
           "windowed attention for that reason.",
           "自注意力让每个词元与其他所有词元比较，时间和内存随长度的平方增长：max_length 翻倍，注意力开销约变成原来"
           "的 4 倍。长文本模型因此采用稀疏或窗口注意力。")),
        (T("How do you pool the window predictions: mean or max?",
           "窗口的预测怎么汇总，取平均还是取最大？"),
         T("Mean suits labels spread across the text, such as overall sentiment; max suits labels triggered by one "
           "passage, such as a spam phrase. Choose on validation data.",
           "标签由全文共同决定时（如整体情感）用平均；标签由某一段触发时（如一句垃圾广告语）用最大。在验证集上选。"))),
    "data.6": (
        T("Bag-of-words gives tens of thousands of features, almost all zero for any one text. Linear models with "
          "L2, or L1 for feature selection, handle that cheaply, especially with TF-IDF and sparse matrices; "
          "dropping rare and common terms, hashing or truncated SVD keep the size down. The deeper fix is dense "
          "embeddings from a pretrained encoder, where similar words lie close, so the model generalises to words "
          "it never saw labelled. The experiment feeds both to the same logistic regression.",
          "词袋表示有上万维特征，每条文本几乎全是零。带 L2 正则（做特征选择时用 L1）的线性模型能高效处理，配合 TF"
          "-IDF 和稀疏矩阵更好；去掉极罕见和极常见的词、特征哈希或截断 SVD 可以控制维度。更根本的办法是预训练编码器"
          "的稠密向量：意思相近的词彼此靠近，模型能推广到没标注过的词。实验把两种特征交给同一个逻辑回归。"),
        (T("Why does L1 regularisation select features?",
           "为什么 L1 正则能做特征选择？"),
         T("The L1 penalty pulls every weight towards zero with the same force whatever its size, which drives weak "
           "weights to exactly zero. L2's pull shrinks with the weight, so it only makes weights small.",
           "L1 惩罚对每个权重的拉力大小恒定、与权重大小无关，会把作用弱的权重压到正好为 0；L2 的拉力随权重变小而减"
           "弱，只会让权重变小。")),
        (T("When would sparse features still beat embeddings?",
           "什么时候稀疏特征仍然胜过向量？"),
         T("When specific keywords or codes decide the label (spam phrases, product codes), when there is plenty of "
           "labelled data, or when you need a fast, transparent model. Combining both often works best.",
           "当特定关键词或编码决定标签时（垃圾短信用语、商品编号），标注数据很多时，或者需要又快又透明的模型时。两"
           "者结合往往效果最好。"))),
    "data.7": (
        T("Leakage is any information from evaluation data reaching training: duplicates across splits, features "
          "computed with test statistics, or future information in time series. The model then scores well on what "
          "it has effectively seen, so the test score overstates real performance. Prevent it by splitting first, "
          "by user, document or time when rows are related, and fitting preprocessing on training data only. Detect "
          "it with hashes and embedding similarity between splits. The experiment leaks exact and near copies and "
          "shows which checks find them.",
          "数据泄漏指评估数据的信息流进了训练：跨划分的重复样本、用测试集统计量算的特征、时间序列里的未来信息。模型"
          "在实际上见过的样本上得高分，测试分数就高估了真实表现。预防：先划分（相关的行按用户、文档或时间划分），预"
          "处理只在训练集上拟合。检测：在划分之间做哈希和向量相似度比对。实验泄漏原样和近似副本，"
          "看哪种检查能找出它们。"),
        (T("How do you split time-series data without leakage?",
           "时间序列数据怎样划分才不会泄漏？"),
         T("Split by time: train on the past, validate and test on later periods, and compute every feature only "
           "from information available at prediction time. A random split lets the model peek at the future.",
           "按时间划分：用过去的数据训练，用之后的时段验证和测试，并且每个特征只用预测时刻已有的信息计算。随机划分"
           "会让模型偷看到未来。")),
        (T("How do you find near-duplicates at scale?",
           "数据量大时怎样找近似重复？"),
         T("Embed every example and search nearest neighbours across splits with an approximate index, or use "
           "MinHash on word shingles; flag pairs above a similarity threshold and check a sample by hand.",
           "把每个样本编码成向量，用近似最近邻索引在划分之间检索，或对词片段做 MinHash；把相似度超过阈值的样本对标"
           "出来，再人工抽查。"))),
    "data.8": (
        T("Augmentation creates label-preserving variants so the model sees more variety than the data holds. For "
          "images: flips, crops, small rotations and colour changes, only those that keep the label. For text: "
          "synonym swaps, random deletions, back-translation or model paraphrases. It helps most when labelled data "
          "is scarce and the model would overfit. Text edits can change the meaning and so add wrong labels; the "
          "experiment tests word edits on reviews, and crops with and without flips on digit images.",
          "数据增强生成保持标签不变的变体，让模型见到比原数据更多的变化。图像可以翻转、裁剪、小角度旋转、调颜色，但"
          "只能用不改变标签的变换。文本可以做同义词替换、随机删除、回译或用模型改写。标注稀少、模型容易过拟合时最有"
          "用。文本改写可能改变原意、引入错误标签；实验在影评上试词语改写，在手写数字上试裁剪与翻转。"),
        (T("What is back-translation?",
           "什么是回译？"),
         T("Translate a sentence into another language and back with machine translation; the round trip yields a "
           "paraphrase that usually keeps the meaning, and therefore the label.",
           "用机器翻译把句子译成另一种语言再译回来；往返之后得到一个改写句，通常保留原意，因此标签也不变。")),
        (T("Should validation and test data be augmented?",
           "验证集和测试集要做增强吗？"),
         T("No: they must reflect the real data. Test-time augmentation, averaging the predictions over several "
           "augmented copies of one input, is a separate inference technique.",
           "不要：它们必须反映真实的数据。测试时增强（对一个输入的多个增强副本取平均预测）是推理阶段的另一种技术。"))),
    "data.9": (
        T("Collect only what the task needs, and remove or mask personal identifiers before training, because "
          "models can memorise rare strings and repeat them. Keep data and fine-tuning in your own infrastructure "
          "or a contract-bound provider, encrypt it, and restrict and log access. For stronger guarantees, DP-SGD "
          "bounds what the model reveals about any one record, and federated learning keeps raw data on devices. "
          "Follow GDPR or PIPL. The demo scrubs SMS messages and measures the effect on a spam filter.",
          "只收集任务需要的数据，训练前删除或遮蔽个人身份信息，因为模型会记住罕见字符串并复述出来。数据和微调留在自"
          "己的基础设施或受合同约束的服务商内，加密存储，限制并记录访问。需要更强保障时用 DP-SGD 或联邦学习，并遵守"
          " GDPR 或《个人信息保护法》。演示清洗短信中的敏感信息，并测量对垃圾短信过滤器的影响。"),
        (T("How does DP-SGD work, and what does it cost?",
           "DP-SGD 是怎么工作的？代价是什么？"),
         T("It clips each example's gradient to a fixed norm and adds Gaussian noise before the update, which "
           "bounds any single record's influence. The price is lower accuracy and slower training, and the privacy "
           "budget epsilon must be tracked.",
           "它把每个样本的梯度裁剪到固定范数，更新前再加高斯噪声，从而限制任何单条记录的影响。代价是准确率下降、训"
           "练变慢，还要记录隐私预算 epsilon。")),
        (T("Why replace personal data with placeholders instead of deleting it?",
           "为什么用占位符替换个人信息，而不是直接删掉？"),
         T("A placeholder such as [PHONE] keeps the signal that a number was there, which can matter (spam often "
           "contains one), without exposing the value; one token also generalises better than many distinct "
           "numbers.",
           "像 [PHONE] 这样的占位符保留了“这里有个号码”的信号（垃圾短信常带号码），又不暴露具体内容；一个统一标记也"
           "比许多各不相同的号码更容易泛化。"))),
}
