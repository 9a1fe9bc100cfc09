"""Interview delivery for every lesson: a 30-second spoken answer and two follow-up questions an interviewer is
likely to ask next, each with a short answer, in English and Chinese.

A lesson's `answer` is the reference text to read; its spoken answer is what to say aloud in about half a minute (at
most about 80 English words, or about 160 Chinese characters with each Latin word or number counted once), and it
agrees with the answer and with what the lesson's experiment measures. The data is keyed by lesson id;
`spoken_answer(lesson_id)` and `follow_ups(lesson_id)` look it up (also exported by `workbench.lessons`).
"""
from __future__ import annotations

from dataclasses import dataclass

from .base import T
from .interview_llm import LLM_NOTES


@dataclass(frozen=True)
class FollowUp:
    """A question an interviewer may ask next, and a short answer (one to three sentences)."""
    question: T
    answer: T


@dataclass(frozen=True)
class InterviewNotes:
    """What to say in 30 seconds, and the two follow-ups that usually come next."""
    spoken: T
    follow_ups: tuple[FollowUp, ...]


def _notes(spoken: T, *follow_ups: tuple[T, T]) -> InterviewNotes:
    return InterviewNotes(spoken, tuple(FollowUp(question, answer) for question, answer in follow_ups))


NOTES: dict[str, InterviewNotes] = {
    "concept.1": _notes(
        T("Pre-training learns general features from huge unlabelled text: BERT by predicting masked words, the "
          "MiniLM here by distilling a larger model's self-attention and then contrastive training on sentence "
          "pairs. To do that it must encode meaning, syntax and context, so a new task only has to map those "
          "features to labels. The cleanest evidence is a linear probe: freeze the encoder, fit logistic regression "
          "on its features, and compare with the same network at random weights.",
          "预训练在海量无标注文本上学到通用特征：BERT 靠预测被遮住的词，本课的 MiniLM 则先蒸馏大模型的自注意力，再"
          "用句对做对比学习。为此模型必须编码词义、句法和上下文，新任务只需把这些特征映射到标签上。最干净的证据是线"
          "性探针：冻结编码器，在特征上训练逻辑回归，再与随机权重的同结构网络对比。"),
        (T("Why use a linear probe rather than full fine-tuning to measure what pre-training gives?",
           "为什么用线性探针而不是全量微调来衡量预训练带来了什么？"),
         T("A linear probe cannot change the features, so its score measures only what the encoder already knows. "
           "Fine-tuning would let the random network learn features from the labels too, mixing the two effects.",
           "线性探针不能改变特征，所以它的分数只反映编码器已经学到的东西。全量微调会让随机网络也从标签里学出特征，"
           "把两种效果混在一起。")),
        (T("How does masked language modelling differ from contrastive training?",
           "掩码语言模型和对比学习式的训练有什么区别？"),
         T("Masked language modelling predicts hidden tokens from their context, which teaches token-level "
           "features. Contrastive training pulls the embeddings of related pairs together and pushes the other "
           "sentences in the batch apart, which shapes a sentence-level space where high cosine similarity means "
           "similar meaning.",
           "掩码语言模型根据上下文预测被遮住的词元，学到的是词元级特征。对比学习把相关句对的向量拉近、把同一批里的"
           "其他句子推远，塑造出一个句子级的空间，余弦相似度高就代表意思相近。"))),
    "concept.2": _notes(
        T("Pre-training has already learned general features from unlabelled text, so fine-tuning only adapts them "
          "to the new labels. It needs far fewer labelled examples and steps, and generalises better when labels "
          "are scarce. The same network from random weights must learn everything from the small labelled set and "
          "often stays near chance. The experiment trains both on 100, 300 and 1,000 reviews. The advantage is largest "
          "when labels are few and shrinks as labelled data grows.",
          "预训练已经在无标注文本上学到通用特征，微调只需把它们适配到新标签上，所需的标注样本和训练步数少得多，标注"
          "稀缺时泛化也更好。同样的网络从随机权重出发，只能靠少量标注学会一切，常常接近随机猜测。实验在 100、300 和 "
          "1,000 条影评上分别训练两者。标注越少，这种优势越大，标注数据增多后优势缩小。"),
        (T("When would you still train from scratch?",
           "什么情况下仍然会从零训练？"),
         T("When the input is unlike anything a pretrained model saw (a new modality, symbol set, or a language "
           "with no model), when you have a very large labelled set and the compute, or when licences or model size "
           "rule out existing models.",
           "输入与现有预训练模型见过的数据差别很大（新的模态、符号体系，或没有现成模型的语言），手里有海量标注数据"
           "和足够算力，或者许可、模型大小等限制让现成模型无法使用时。")),
        (T("What is catastrophic forgetting in fine-tuning, and how do you limit it?",
           "微调中的灾难性遗忘是什么？怎样减轻？"),
         T("Large updates can overwrite the general knowledge in the pretrained weights. A small learning rate with "
           "warm-up, few epochs, frozen or slower lower layers, and parameter-efficient methods such as LoRA limit "
           "it.",
           "过大的更新会覆盖预训练权重里的通用知识。较小的学习率加预热、较少的训练轮数、冻结底层或给底层更小的学习"
           "率，以及 LoRA 这类参数高效方法都能减轻它。"))),
    "concept.3": _notes(
        T("A general model is pre-trained on broad text; a domain model is usually that model adapted further, by "
          "continued pre-training on unlabelled domain text, as BioBERT did, and by fine-tuning on labelled domain "
          "data. The general start saves data and compute; adaptation buys accuracy inside the domain, sometimes at "
          "a cost outside it. The experiment trains on one genre of reviews and tests on another, so the "
          "cross-domain drop shows how far apart the two domains are.",
          "通用模型在广泛文本上预训练；领域模型通常是在它的基础上继续适配：在领域无标注文本上继续预训练（如 BioBERT"
          "），再用领域标注数据微调。通用起点省数据和算力，领域适配换来领域内的准确率，有时以领域外的表现为代价。实"
          "验在一类影评上训练、在另一类上测试，跨领域的下降幅度反映两个领域相差多远。"),
        (T("When is continued, domain-adaptive pre-training worth it?",
           "什么时候值得在领域文本上继续预训练？"),
         T("When the domain has its own vocabulary and style (clinical notes, legal or financial text) and plenty "
           "of unlabelled text but few labels. If the domain is close to general text, fine-tuning alone usually "
           "captures most of the gain.",
           "当领域有自己的词汇和文风（病历、法律或金融文本），无标注文本很多而标注很少时。如果领域与通用文本接近，"
           "只做微调通常就能拿到大部分收益。")),
        (T("How do you notice that production data has drifted into a new domain?",
           "怎样发现线上数据已经漂移到了新的领域？"),
         T("Compare input statistics with the training data (length, vocabulary, embedding distributions), watch "
           "the confidence and class mix of the predictions, and label a small fresh sample regularly to measure "
           "accuracy directly.",
           "把输入的统计特征（长度、词汇、向量分布）与训练数据对比，关注预测置信度和类别比例的变化，并定期标注一小"
           "批新样本直接测准确率。"))),
    "concept.4": _notes(
        T("Pre-training runs once on a huge unlabelled corpus and leaves weights holding general knowledge. "
          "Fine-tuning starts from them, adds a task head and trains on a small labelled set at a small learning "
          "rate, adjusting that knowledge rather than overwriting it. Transfer is what carries over; measure it as "
          "the gap between a pretrained and a random start on the same labels. The experiment separates the stages: "
          "frozen features plus a head, fine-tuning from random weights, and both.",
          "预训练只做一次，在海量无标注语料上得到蕴含通用知识的权重。微调从这些权重出发，加上任务头，在少量标注数据"
          "上用小学习率训练，调整而不是覆盖这些知识。迁移就是被带过去的知识，可以用同样标注下预训练起点与随机起点的"
          "差距来衡量。实验把两个阶段拆开：冻结特征只训练分类头、从随机权重微调，以及两者结合。"),
        (T("Why does the new head usually get a larger learning rate than the pretrained layers?",
           "为什么新分类头的学习率通常比预训练层大？"),
         T("The head starts random and must move far, while the pretrained layers need only small corrections. One "
           "small rate leaves the head learning slowly; one large rate disturbs the pretrained features.",
           "分类头从随机值出发，需要走很远；预训练层只需要小幅修正。统一用小学习率，分类头学得很慢；统一用大学习率"
           "，又会扰乱预训练特征。")),
        (T("Can transfer hurt?",
           "迁移会不会起反作用？"),
         T("Yes, that is negative transfer: when the source and target tasks or domains differ a lot, a pretrained "
           "start can do worse than training from scratch. Comparing with a random-init baseline on the same data "
           "shows it.",
           "会，这叫负迁移：源任务或领域与目标差别很大时，预训练起点可能不如从零训练。在同样数据上与随机初始化的基"
           "线对比，就能看出来。"))),
    "concept.5": _notes(
        T("Full fine-tuning updates every weight: usually most accurate, with the most memory and storage. A linear "
          "probe trains only the head: cheap, but the features cannot adapt. In between: the last few layers, "
          "gradual unfreezing, discriminative learning rates. Parameter-efficient methods freeze the base and train "
          "small add-ons: adapters, prefix or prompt tuning, BitFit, or LoRA's low-rank updates scaled by alpha "
          "over r; QLoRA adds a 4-bit base. The experiment compares trainable parameters, time and accuracy.",
          "全量微调更新所有权重：通常最准，显存和存储开销也最大。线性探针只训练分类头：便宜，但特征无法适配。折中做"
          "法有只训练最后几层、逐层解冻和分层学习率。参数高效方法冻结基座、只训练小模块：Adapter、前缀或提示微调、"
          "BitFit，或按 alpha/r 缩放的 LoRA；QLoRA 再把基座量化为 4 位。实验比较参数量、时间和准确率。"),
        (T("How do you choose LoRA's rank and alpha?",
           "LoRA 的秩和 alpha 怎么选？"),
         T("The rank r sets the capacity of the update; 8 to 16 is a common start, and tasks far from pre-training "
           "may need more. The update is scaled by alpha/r, so alpha acts like a learning-rate multiplier; many set "
           "alpha to r or 2r and tune the learning rate instead.",
           "秩 r 决定更新的容量，常从 8 到 16 起步，任务离预训练越远越可能需要更大的秩。更新按 alpha/r 缩放，所以 "
           "alpha 相当于学习率的倍数；常见做法是把 alpha 设为 r 或 2r，再去调学习率。")),
        (T("Does LoRA slow down inference?",
           "LoRA 会拖慢推理吗？"),
         T("Not once merged: the low-rank product is added into the frozen weight matrix (W + (alpha/r)BA), so the "
           "served model has the original shape and speed. Kept separate, it costs a small extra matrix product but "
           "lets you swap adapters per task.",
           "合并后不会：把低秩乘积加进冻结的权重矩阵（W + (alpha/r)BA），部署的模型形状和速度都与原模型相同。不合并"
           "时会多一次小的矩阵乘法，但可以按任务切换不同的适配器。"))),
    "concept.6": _notes(
        T("First match the architecture to the task: encoders such as BERT for classification, tagging and "
          "embeddings; decoders such as GPT for generation; encoder-decoders such as T5 for translation and "
          "summarisation. Then match the pre-training data to your domain and language, and the size to your "
          "labelled data, latency and hardware: a small model fine-tuned well often matches a large one on a simple "
          "task. The experiment compares MiniLM with copies that keep only its bottom layers, each at a rate that "
          "suits it.",
          "先让架构匹配任务：BERT 这类编码器适合分类、序列标注和向量；GPT 这类解码器适合生成；T5 这类编码器-解码器"
          "适合翻译和摘要。再让预训练数据匹配领域和语言，让规模匹配标注数据量、延迟和硬件：在简单任务上，认真微调的"
          "小模型常常不输大模型。实验把 MiniLM 与只保留底部几层的截断版本对比，"
          "每个规模用适合它的学习率。"),
        (T("Why not simply pick the largest model available?",
           "为什么不直接选最大的模型？"),
         T("Larger models cost more to fine-tune and serve, need more data to adapt without overfitting, and on a "
           "simple task often add little accuracy. Compare a small and a large candidate on your own validation set "
           "first.",
           "大模型微调和部署成本更高，需要更多数据才能适配而不过拟合，在简单任务上往往提升不大。先在自己的验证集上"
           "比较一大一小两个候选。")),
        (T("Why does cutting layers off a pretrained model work worse than a distilled small model?",
           "为什么直接截掉预训练模型的层，效果不如蒸馏出的小模型？"),
         T("The remaining lower layers were never trained to feed a classifier directly, so they need more training "
           "to adapt. A distilled model was trained at its own size to imitate the large one, so its top layer "
           "already gives useful features.",
           "剩下的底层从未被训练成直接给分类器提供特征，需要更多训练才能适配。蒸馏模型是在自己的规模上训练去模仿大"
           "模型的，它的顶层本来就能输出有用的特征。"))),
    "concept.7": _notes(
        T("For the framework, PyTorch is the default for research and fine-tuning, with the Hugging Face libraries "
          "on top; TensorFlow has strong deployment tools and JAX suits large TPU jobs. What decides is where the "
          "pretrained weights and the team's experience are. The architecture follows the data: MLPs for tables, "
          "CNNs for images, transformers for text and other sequences. Here the same digit images go to an MLP, a "
          "small vision transformer from scratch, a CNN from scratch and a pretrained CNN.",
          "框架方面，PyTorch 是科研和微调的默认选择，Hugging Face 的库建在它之上；TensorFlow 部署工具强，JAX 适合大"
          "规模 TPU 训练。关键看预训练权重和团队经验在哪里。架构跟着数据走：表格用 MLP，图像用 CNN，文本等序列用 "
          "Transformer。本课把同一批手写数字交给 MLP、从零训练的小型视觉 "
          "Transformer、从零训练的 CNN 和预训练的 CNN。"),
        (T("Why do CNNs suit images better than MLPs?",
           "为什么 CNN 比 MLP 更适合图像？"),
         T("Convolutions reuse the same small filters at every position, so they need far fewer parameters and "
           "build in that nearby pixels belong together and a pattern means the same anywhere. An MLP must learn "
           "each pixel position separately.",
           "卷积在每个位置复用同一组小卷积核，参数少得多，并且内置了“相邻像素相关、同一图案在哪儿都一样”的先验。MLP"
           " 则必须逐个像素位置分别学习。")),
        (T("When would you use a vision transformer instead of a CNN?",
           "什么时候用视觉 Transformer 代替 CNN？"),
         T("When a large pretrained ViT exists for your domain or you have a lot of data: transformers have weaker "
           "built-in image priors, so they need more data, but they scale well and model long-range relations. With "
           "little data and no good checkpoint, a pretrained CNN is the safer start.",
           "当你的领域有大型预训练 ViT 可用，或数据很多时：Transformer 内置的图像先验较弱，需要更多数据，但扩展性好"
           "，擅长建模远距离关系。数据少又没有好的检查点时，预训练 CNN 更稳妥。"))),
    "data.1": _notes(
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
    "data.2": _notes(
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
    "data.3": _notes(
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
    "data.4": _notes(
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
    "data.5": _notes(
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
    "data.6": _notes(
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
    "data.7": _notes(
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
    "data.8": _notes(
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
    "data.9": _notes(
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
    "train.1": _notes(
        T("The learning rate sets the update size; for fine-tuning it must be small enough not to erase "
          "pre-training, around 1e-5 to 1e-4 for a BERT-sized encoder with AdamW. Warm-up raises it from near zero "
          "so the random head cannot send large gradients into pretrained layers, and it protects Adam's early "
          "second-moment estimates, which are noisy and small at first. Linear or cosine decay then lets training "
          "settle. The peak value matters most; an LR range test gives a first guess.",
          "学习率决定每次更新的幅度；微调时要足够小，才不会抹掉预训练，BERT 量级的编码器配 AdamW 一般取 1e-5 到 1e"
          "-4。预热把学习率从接近 0 拉上来，免得随机的分类头把大梯度传进预训练层，也保护 Adam 早期噪声大、偏小的二"
          "阶矩估计。之后用线性或余弦衰减收尾。峰值最重要，学习率区间测试能给出初值。"),
        (T("How does an LR range test work?",
           "学习率区间测试是怎么做的？"),
         T("Raise the learning rate exponentially over a few dozen steps while recording the loss, then pick a rate "
           "somewhat below where the loss falls fastest, well before it blows up. Confirm it with a few short runs.",
           "在几十步内按指数增大学习率并记录损失，然后选一个比损失下降最快处略小、离损失爆炸还远的学习率，再用几次"
           "短训练确认。")),
        (T("Why does a pretrained model need a smaller learning rate than training from scratch?",
           "为什么预训练模型需要比从零训练更小的学习率？"),
         T("Its weights already sit in a good region; large steps would move them far away and destroy the features "
           "that make fine-tuning work. A network trained from scratch has nothing to lose and needs larger steps "
           "to get anywhere.",
           "它的权重已经处在一个好的区域，大步更新会把权重推远，破坏让微调奏效的特征。从零训练的网络没有什么可失去"
           "的，需要更大的步子才能走到好的区域。"))),
    "train.2": _notes(
        T("SGD steps along the current gradient; momentum averages recent gradients to roll through flat or noisy "
          "regions. RMSprop scales each parameter's step by a running RMS of its gradients, and Adam adds momentum, "
          "so it is robust to gradient scale and fast early. AdamW applies weight decay to the weights directly, "
          "not through the gradient, so adaptive scaling cannot weaken it; it is the standard for transformers. "
          "Each optimizer has its own good learning-rate range.",
          "SGD 沿当前梯度走；动量对最近的梯度取平均，能冲过平坦或噪声大的区域。RMSprop 用梯度的滑动均方根缩放每个参"
          "数的步长，Adam 再加上动量，对梯度量级不敏感，起步快。AdamW 把权重衰减直接作用在权重上而不是混进梯度，自"
          "适应缩放就削弱不了它，是微调 Transformer 的标准选择。每种优化器都有自己合适的学习率范围。"),
        (T("Why is an L2 term in the gradient not the same as weight decay in Adam?",
           "为什么在 Adam 里，把 L2 加进梯度不等于权重衰减？"),
         T("Adam divides each gradient by its running RMS, so an L2 term added to the gradient is shrunk for "
           "parameters with large gradients and the regularisation becomes uneven. AdamW subtracts learning rate x "
           "decay x weight directly, so every weight decays at the same rate.",
           "Adam 会用梯度的滑动均方根去除每个梯度，加进梯度的 L2 项在梯度大的参数上被缩小，正则化变得不均匀。AdamW "
           "直接减去“学习率 × 衰减系数 × 权重”，每个权重按同样的比例衰减。")),
        (T("How much memory does Adam add?",
           "Adam 要多占多少内存？"),
         T("Two running averages per parameter, the first and second moments, so in fp32 the optimizer state is "
           "twice the model's size; weights, gradients and the two moments make about four copies. That is one "
           "reason for LoRA and 8-bit optimizers.",
           "每个参数有一阶和二阶两个滑动平均，fp32 下优化器状态是模型大小的两倍；权重、梯度加上两个矩，大约相当于四"
           "份权重。这也是 LoRA 和 8 位优化器出现的原因之一。"))),
    "train.3": _notes(
        T("Cross-entropy on the softmax of the logits is the default: the negative log-likelihood of the right "
          "class, with a gradient, probability minus target, that stays informative, and outputs that read as "
          "probabilities. Label smoothing moves a little target mass to other classes and curbs over-confidence. "
          "Focal loss down-weights easy examples, which helps with imbalance. Hinge loss only asks for a margin; "
          "MSE is a regression loss. The experiment fine-tunes MiniLM with the first three and tries hinge and MSE "
          "on frozen embeddings.",
          "默认用基于 softmax 的交叉熵：它是正确类别的负对数似然，梯度（预测概率减目标）始终有信息量，输出可当概率"
          "解读。标签平滑把少量目标概率分给其他类，抑制过度自信。Focal 损失降低容易样本的权重，有助于类别不平衡。"
          "Hinge 损失只要求留出间隔；均方误差是回归损失。实验用前三种损失微调 MiniLM，在冻结句向量上试 Hinge 和 MSE。"),
        (T("What does label smoothing do to calibration and to distillation?",
           "标签平滑对校准和蒸馏有什么影响？"),
         T("It usually improves calibration by stopping the logits from growing without bound. But it erases some "
           "of the information about how similar the wrong classes are, so a smoothed model can be a worse teacher "
           "for knowledge distillation.",
           "它防止 logits 无限增大，通常能改善校准。但它抹掉了一部分“错误类别彼此有多相似”的信息，所以用标签平滑训"
           "练的模型做知识蒸馏的教师时可能效果更差。")),
        (T("Write down the focal loss.",
           "写出 Focal 损失的公式。"),
         T("FL = -(1 - p_t)^gamma · log(p_t), where p_t is the predicted probability of the true class. gamma = 0 "
           "gives cross-entropy, and gamma around 2 down-weights well-classified examples; an optional alpha "
           "weights the classes.",
           "FL = -(1 - p_t)^gamma · log(p_t)，其中 p_t 是真实类别的预测概率。gamma = 0 时就是交叉熵，gamma 取 2 左"
           "右会降低已分对样本的权重；还可以加一个 alpha 给各类别加权。"))),
    "train.4": _notes(
        T("Batch size trades throughput against the number and noise of updates. Larger batches keep hardware "
          "busier, but at a fixed number of epochs they take fewer steps, so they need a higher learning rate or "
          "more epochs. Memory sets the ceiling: activations grow with batch size times sequence length. Gradient "
          "accumulation sums several small batches' gradients before one step: a big batch's update in a small "
          "batch's memory, at its speed. Start at 16 or 32.",
          "批大小是在吞吐量与更新次数、更新噪声之间权衡。大批让硬件更忙，但训练轮数固定时更新步数更少，需要更大的学"
          "习率或更多轮训练。显存决定上限，因为激活值随“批大小 × 序列长度”增长。梯度累积把几个小批的梯度加起来再更"
          "新一次：用小批的显存得到大批的更新效果，速度仍是小批的速度。一般从 16 或 32 起步。"),
        (T("If you double the batch size, how should the learning rate change?",
           "批大小翻倍时，学习率该怎么变？"),
         T("For SGD, the linear scaling rule (double the rate) is a common start; for Adam a square-root increase "
           "is often closer. Either way, add warm-up and confirm on validation data, since very large batches stop "
           "paying off.",
           "对 SGD，线性缩放规则（学习率也翻倍）是常用的起点；对 Adam，按平方根增大往往更合适。无论哪种都要加预热并"
           "在验证集上确认，因为批大到一定程度后就不再有收益。")),
        (T("Is gradient accumulation exactly equivalent to a bigger batch?",
           "梯度累积和大批完全等价吗？"),
         T("Nearly: the summed gradient matches when each loss is divided by the number of accumulation steps. But "
           "BatchNorm statistics still come from the small batches, and for text the loss averaging must account "
           "for the different number of real tokens per small batch.",
           "几乎等价：只要把每一小批的损失除以累积步数，累加后的梯度就一致。但 BatchNorm 的统计量仍来自小批；对文本"
           "，损失平均时还要考虑各小批中真实词元的数量不同。"))),
    "train.5": _notes(
        T("Time goes into matrix multiplications, so do fewer or do them cheaper. Use a GPU and mixed precision: "
          "bf16 or fp16 compute with fp32 master weights, fp16 with loss scaling. Tokenize once, pad per batch, "
          "group by length. At scale, gradient checkpointing trades compute for memory, SDPA or FlashAttention fuse "
          "attention, DDP or FSDP spread the work, and sequence packing removes padding. Smaller models help too. "
          "The experiment times fp32 against bf16, and fixed against per-batch padding.",
          "时间都花在矩阵乘法上，所以要么少算，要么算得更便宜。用 GPU 和混合精度：16 位计算、fp32 主权重，fp16 还需"
          "损失缩放。分词只做一次，按批填充并按长度分组。规模更大时，梯度检查点以计算换显存，融合注意力省显存，DDP "
          "或 FSDP 分摊计算，序列打包去掉填充。实验比较 fp32 与 bf16、固定填充与按批填充的耗时。"),
        (T("Why does fp16 need loss scaling and bf16 not?",
           "为什么 fp16 需要损失缩放而 bf16 不需要？"),
         T("fp16 has a narrow exponent range, so small gradients underflow to zero; multiplying the loss by a large "
           "factor before backward and dividing the gradients afterwards keeps them representable. bf16 has fp32's "
           "exponent range, at the cost of fewer mantissa bits.",
           "fp16 的指数范围窄，很小的梯度会下溢成 0；反向传播前把损失乘上一个大系数、之后再把梯度除回去，就能保住它"
           "们。bf16 的指数范围与 fp32 相同，代价是尾数位更少。")),
        (T("DDP or FSDP: when do you need the second?",
           "DDP 和 FSDP，什么时候需要后者？"),
         T("DDP keeps a full copy of the model, gradients and optimizer state on every GPU, which is simplest and "
           "fastest when it fits. When it does not, FSDP (or ZeRO) shards them across GPUs and gathers the weights "
           "layer by layer, trading communication for memory.",
           "DDP 在每张 GPU 上保存完整的模型、梯度和优化器状态，放得下时最简单也最快。放不下时，FSDP（或 ZeRO）把这"
           "些切分到各张 GPU 上，按层临时收集权重，用通信换显存。"))),
    "train.6": _notes(
        T("Backpropagation multiplies one factor per layer: factors below one shrink the gradient until lower "
          "layers stop learning; factors above one blow it up until the loss jumps or turns NaN. Sigmoid "
          "activations, poor initialisation and deep plain stacks cause vanishing; too high a learning rate causes "
          "explosions. Pretrained transformers avoid both with residuals and layer norm, so in fine-tuning watch "
          "the gradient norm and use clipping, a lower rate and warm-up, as the experiment shows.",
          "反向传播每经过一层乘一个系数：小于 1，梯度越传越小，底层学不动；大于 1，梯度不断放大，直到损失跳升甚至变"
          "成 NaN。sigmoid 激活、不当初始化和很深的普通堆叠导致消失；学习率过高导致爆炸。预训练 Transformer 靠残差"
          "和层归一化避开了两者，所以微调时要盯住梯度范数，用梯度裁剪、更低的学习率和预热，实验展示了这些。"),
        (T("Does gradient clipping change the direction of the update?",
           "梯度裁剪会改变更新方向吗？"),
         T("Clipping by the global norm scales the whole gradient vector down and keeps its direction; clipping "
           "each value separately does change the direction. Global-norm clipping, commonly at 1.0, is the usual "
           "choice.",
           "按全局范数裁剪是把整个梯度向量等比例缩小，方向不变；逐个元素截断则会改变方向。通常用按全局范数裁剪，阈"
           "值常取 1.0。")),
        (T("How do residual connections prevent vanishing gradients?",
           "残差连接为什么能防止梯度消失？"),
         T("A residual block computes x + f(x), so its derivative contains an identity term; the gradient can flow "
           "back through the skip paths unchanged, however many layers there are.",
           "残差块计算 x + f(x)，它的导数里包含一个恒等项，梯度可以沿跳跃连接原样传回去，不管网络有多少层。"))),
    "train.7": _notes(
        T("In fine-tuning almost every weight comes from pre-training, the best initialisation there is; only the "
          "new head starts from scratch. For layers trained from scratch, scale matters: Xavier keeps signal "
          "variance steady for linear or tanh layers, He does it for ReLU. A head on a pretrained encoder is fine "
          "with small random weights, as BERT's 0.02 standard deviation, or zeros; a large scale gives confident "
          "wrong predictions and big gradients. The experiment compares head initialisations.",
          "微调时几乎所有权重都来自预训练，这就是最好的初始化；只有新分类头从零开始。从零训练的层要注意尺度：Xavier"
          " 让线性层或 tanh 层的信号方差保持稳定，He 对 ReLU 起同样作用。预训练编码器上的分类头用小随机权重（BERT "
          "取标准差 0.02）甚至全零都行；尺度过大会自信地答错并产生大梯度。实验比较几种分类头初始化。"),
        (T("Why can't hidden layers be initialised to zero?",
           "为什么隐藏层不能初始化为全零？"),
         T("All units in the layer would compute the same output and get the same gradient, so they would stay "
           "identical forever; random initialisation breaks the symmetry. A zero output head is fine because the "
           "features feeding it already differ.",
           "那样同一层的所有神经元输出相同、梯度也相同，会永远保持一样；随机初始化打破了这种对称。输出分类头可以全"
           "零，因为输入它的特征本来就各不相同。")),
        (T("What does Xavier initialisation actually set?",
           "Xavier 初始化具体设定了什么？"),
         T("It draws weights with variance 2 / (fan_in + fan_out), so the variance of activations and gradients "
           "stays about the same from layer to layer. He initialisation uses 2 / fan_in to make up for ReLU zeroing "
           "about half its inputs.",
           "它让权重的方差为 2 / (fan_in + fan_out)，使激活值和梯度的方差在层与层之间大致不变。He 初始化用 2 / fan"
           "_in，以补偿 ReLU 把约一半输入置零。"))),
    "train.8": _notes(
        T("Decide what to tune, the learning rate first, then batch size, epochs and weight decay; give each a "
          "sensible range, log scale for rates, and judge on validation data, never test. Grid search is simple but "
          "its cost multiplies per parameter and it repeats values of the important one. Random search tries more "
          "distinct values for the same budget. Bayesian optimisation, such as Optuna's TPE, samples where results "
          "were good and prunes bad trials. Confirm the winner over several seeds.",
          "先确定调哪些参数：学习率最先，其次是批大小、训练轮数和权重衰减；给每个参数合理范围（学习率用对数尺度），"
          "只在验证集上评估。网格搜索简单，但成本随参数个数成倍增加，还会重复重要参数的取值。随机搜索在同样预算下试"
          "到更多不同取值。贝叶斯优化（如 Optuna 的 TPE）在得分高的区域继续采样，并剪掉差的试验。胜出者要用多个种子"
          "确认。"),
        (T("Why does random search beat grid search for the same budget?",
           "同样的预算下，为什么随机搜索往往胜过网格搜索？"),
         T("Usually only one or two parameters really matter. A grid of 9 trials over two parameters tests only 3 "
           "values of each; 9 random trials test 9 distinct values of the important one.",
           "真正重要的参数通常只有一两个。两个参数的 9 次网格试验，每个参数只试了 3 个取值；9 次随机试验则能试到重"
           "要参数的 9 个不同取值。")),
        (T("What are successive halving and pruning?",
           "什么是逐次减半和剪枝？"),
         T("Start many trials on a small budget, stop the worst ones at checkpoints, and give the survivors more "
           "steps; Hyperband and Optuna's pruners work this way. Compute goes to promising settings instead of "
           "finishing bad ones.",
           "先用小预算启动很多试验，在检查点停掉表现最差的一部分，再给留下的试验更多步数；Hyperband 和 Optuna 的剪"
           "枝器都是这样做的。算力花在有希望的设置上，而不是把差的试验跑完。"))),
    "train.9": _notes(
        T("Overfitting shows when training loss keeps falling while validation loss stops improving and then rises: "
          "the model memorises instead of learning the rule. Few examples, a big model and long training make it "
          "likely. The remedies limit memorising: weight decay, dropout, early stopping, a smaller model or fewer "
          "trainable layers, augmentation and more data, and ensembles. Cross-validation prevents nothing; it "
          "measures generalisation more reliably. The experiment trains on a tiny set for long, then applies each "
          "remedy.",
          "训练损失一直下降，而验证损失停止改善并开始上升，就是过拟合：模型在死记样本，而不是学规律。样本少、模型大"
          "、训练久都容易导致它。对策都是限制死记：权重衰减、Dropout、提前停止、更小的模型或更少的可训练层、数据增"
          "强、集成。交叉验证本身不防止过拟合，只衡量泛化。实验在很小的训练集上长时间训练，再逐一施加对策。"),
        (T("Why is dropout turned off at inference?",
           "为什么推理时要关掉 Dropout？"),
         T("At inference you want the full network's deterministic prediction. PyTorch uses inverted dropout, "
           "scaling the kept units by 1/(1-p) during training, so nothing needs rescaling when dropout is off.",
           "推理时需要整个网络确定的预测结果。PyTorch 使用反向 Dropout，训练时把保留的单元乘以 1/(1-p)，所以关闭 "
           "Dropout 时不需要再缩放。")),
        (T("With early stopping, which checkpoint do you keep?",
           "用提前停止时，保留哪个检查点？"),
         T("The one with the best validation score, not the last one; the patience sets how many evaluations "
           "without improvement to wait. Then report that checkpoint's test score once.",
           "保留验证分数最好的那个，而不是最后一个；耐心值（patience）决定在没有改善时还等几次评估。然后只用这个检"
           "查点在测试集上报告一次分数。"))),
    "train.10": _notes(
        T("Four come up again and again. Little data: start from the closest pretrained model, train fewer "
          "parameters with a frozen backbone or LoRA, augment, and label more. Overfitting grows as data shrinks: "
          "watch the gap between training and validation loss, and use early stopping, weight decay and dropout. "
          "Limited compute: LoRA and frozen layers save memory; shorter sequences, mixed precision and smaller "
          "models save time. Hyper-parameters: the learning rate matters most. The demo measures all four.",
          "常见的有四个。数据少：从最接近的预训练模型出发，冻结主干或用 LoRA 少训练参数，做数据增强，尽量多标注。过"
          "拟合随数据变少而加重：盯住训练与验证损失的差距，用提前停止、权重衰减和 Dropout。算力有限：LoRA 和冻结层"
          "省显存，更短的序列、混合精度和更小的模型省时间。超参数：学习率最重要。演示逐一测量这四个问题。"),
        (T("The fine-tuning loss does not decrease at all. What do you check first?",
           "微调时损失完全不下降，先查什么？"),
         T("Try to overfit a handful of examples: if even that fails, look for a bug (misaligned labels, frozen "
           "parameters, the wrong layer replaced, a learning rate far too low or too high). Then decode a batch "
           "back to text to check the data pipeline.",
           "先在少量样本上尝试过拟合：如果连这都做不到，就找 bug（标签错位、参数被冻结、换错了层、学习率过低或过高"
           "）。再把一个批次解码回文本，检查数据管道。")),
        (T("With only 100 labelled examples, what would you do?",
           "只有 100 条标注样本时你会怎么做？"),
         T("Start from a strong pretrained model, try a linear probe or LoRA first and judge with cross-validation; "
           "consider few-shot prompting of a large model, or labelling more, since each extra example is worth a "
           "lot at this size.",
           "从强的预训练模型出发，先试线性探针或 LoRA，用交叉验证来评判；也可以考虑用大模型做少样本提示，或者多标一"
           "些数据：在这个规模下，每多一条样本都很有价值。"))),
    "eval.1": _notes(
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
    "eval.2": _notes(
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
    "eval.3": _notes(
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
    "eval.4": _notes(
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
    "eval.5": _notes(
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
    "eval.6": _notes(
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
    "explain.1": _notes(
        T("Post-hoc, model-agnostic methods perturb the input and watch the output. LIME hides random words and "
          "fits a small weighted linear model around one prediction. SHAP estimates Shapley values, each word's "
          "fair share of the move from the base value to this prediction, so the base value plus the SHAP values "
          "equals the model output. Attention weights are not faithful explanations. Agreement between two methods "
          "is no proof, so the experiment tests faithfulness: deleting top-ranked words against random ones, and "
          "planting a known cause.",
          "事后的、与模型无关的方法扰动输入并观察输出。LIME 随机遮住一些词，在这个预测附近拟合一个加权线性模型。"
          "SHAP 估计 Shapley 值，即输出从基准值变到这次预测时每个词应分得的份额，基准值加上全部 SHAP 值等于模型输出"
          "。注意力权重不是忠实的解释。两种方法一致也不能证明正确，所以实验检验忠实度：删去排名最高的词与随机词对比，"
          "并植入一个已知原因。"),
        (T("Why are attention weights not an explanation?",
           "为什么注意力权重不能当作解释？"),
         T("Attention shows where one layer mixed information, not how much each input changed the output; later "
           "layers and value vectors can undo it, and different attention patterns can give the same prediction.",
           "注意力只说明某一层在哪里混合了信息，并不说明每个输入对输出改变了多少；后面的层和值向量可以抵消它，不同"
           "的注意力模式也可能给出相同的预测。")),
        (T("How do you test whether an explanation is faithful?",
           "怎样检验一个解释是否忠实？"),
         T("Delete or mask the features it ranks highest and check that the prediction changes more than when "
           "masking random features (a deletion test); also check that the explanation stays stable under small "
           "input changes.",
           "删除或遮住它排名最高的特征，检查预测的变化是否比遮住随机特征时更大（删除测试）；还要检查输入轻微变化时"
           "解释是否稳定。"))),
    "app.1": _notes(
        T("Start from a CNN pretrained on ImageNet, replace its classification layer with one sized for your "
          "classes, and train. With little data, freeze the backbone and train only the head; with more, fine-tune "
          "everything at a small learning rate. Feed images as in pre-training: similar size, same normalisation. "
          "The new layer must be the one the forward pass uses, VGG's classifier rather than a new fc attribute, "
          "and stay trainable after freezing. The experiment compares frozen and full fine-tuning.",
          "从 ImageNet 上预训练的 CNN 出发，把分类层换成与类别数相符的新层再训练。数据少时冻结主干、只训练分类头；"
          "数据多时用小学习率微调全部参数。输入按预训练时的方式处理：尺寸相近、归一化一致。新层必须是前向计算真正用"
          "到的那一层（VGG 要换 classifier，而不是新加 fc），冻结其余部分后它仍要可训练。实验比较冻结主干与全量微调"
          "。"),
        (T("What goes wrong if you forget the ImageNet normalisation?",
           "忘了做 ImageNet 归一化会怎样？"),
         T("The pretrained filters see inputs on a different scale and offset than in pre-training, so their "
           "activations shift and the features degrade; accuracy drops until fine-tuning re-adapts, and a frozen "
           "backbone cannot adapt at all.",
           "预训练的卷积核看到的输入尺度和偏移与预训练时不同，激活值随之偏移，特征变差；准确率会下降，直到微调重新"
           "适配，而冻结的主干根本无法适配。")),
        (T("How do you handle BatchNorm when fine-tuning with small batches?",
           "小批量微调时，BatchNorm 层怎么处理？"),
         T("Keep the BatchNorm layers in eval mode (frozen running statistics) or freeze them entirely, because "
           "statistics estimated from tiny batches are noisy; alternatively use a model built on GroupNorm.",
           "让 BatchNorm 层保持评估模式（冻结滑动统计量），或者整层冻结，因为小批次估计的统计量噪声很大；也可以改用"
           "基于 GroupNorm 的模型。"))),
    "app.2": _notes(
        T("Put a classification head on a pretrained text encoder, tokenise, and fine-tune on labelled examples; "
          "the same recipe serves sentiment, topic or spam. What differs is the data: class balance, text length "
          "and how visibly the label shows in the words. Spam is imbalanced, about one message in eight, so report "
          "balanced accuracy or per-class F1 next to accuracy and compare with the majority baseline. The "
          "experiment runs one recipe on reviews and on SMS spam.",
          "在预训练文本编码器上接分类头，分词后用标注样本微调；同一套做法适用于情感、主题和垃圾短信识别。任务之间不"
          "同的是数据：类别是否平衡、文本长短、标签在字面上是否明显。垃圾短信不平衡（约八条中有一条），所以除准确率"
          "外还要报告平衡准确率或各类别 F1，并与多数类基线比较。实验在影评和短信上运行同一套做法。"),
        (T("Which token's state feeds the classifier?",
           "分类器用的是哪个词元的状态？"),
         T("BERT-style classifiers use the final state of the [CLS] token, often through a pooler layer; sentence "
           "encoders such as MiniLM average the states of the real tokens. Both work; mean pooling is often "
           "steadier when the model was not pre-trained with a [CLS] objective.",
           "BERT 类分类器用 [CLS] 词元的最后一层状态（常经过一个 pooler 层）；MiniLM 这类句向量模型对真实词元的状态"
           "取平均。两种都可行；模型没有用 [CLS] 目标预训练时，平均池化往往更稳。")),
        (T("How would you handle multi-label classification?",
           "多标签分类怎么做？"),
         T("Use one sigmoid output per label with binary cross-entropy instead of a softmax, tune a threshold per "
           "label on validation data, and report micro and macro F1.",
           "每个标签用一个 sigmoid 输出，配二元交叉熵，而不是 softmax；在验证集上为每个标签单独调阈值，并报告微平均"
           "和宏平均 F1。"))),
    "app.3": _notes(
        T("A sentence encoder maps each text to a vector so that similar meanings lie close, by cosine similarity; "
          "MiniLM mean-pools its token states and normalises. Embed the collection once, embed each query, return "
          "the nearest vectors, and use an approximate index such as FAISS or HNSW at scale. MiniLM was trained on "
          "related sentence pairs, while a random copy mostly reflects word overlap. Neighbours share topic and "
          "paraphrase, not necessarily sentiment. The experiment compares the two encoders' neighbours.",
          "句向量编码器把每段文本映射成向量，让意思相近的文本靠在一起（余弦相似度高）；MiniLM 对词元状态取平均再归"
          "一化。先把文本库编码一次，再编码每个查询，返回最近的向量，规模大时用近似索引。MiniLM 在相关句对上训练过"
          "，随机初始化的副本主要反映字面重合。近邻共享主题和改写关系，不一定共享情感。实验比较这两个编码器的近邻。"),
        (T("Why normalise the embeddings?",
           "为什么要对向量做归一化？"),
         T("After L2 normalisation the dot product equals cosine similarity, so fast inner-product indexes can be "
           "used, and long texts do not win just by having larger vectors.",
           "L2 归一化后，点积就等于余弦相似度，可以直接用快速的内积索引，长文本也不会因为向量更大而占优。")),
        (T("Bi-encoder or cross-encoder for search?",
           "检索用双塔编码器还是交叉编码器？"),
         T("A bi-encoder embeds the query and the documents separately, so documents are indexed once and search is "
           "fast; a cross-encoder reads each pair together, which is more accurate but runs once per pair. Common "
           "practice: retrieve with a bi-encoder, re-rank the top results with a cross-encoder.",
           "双塔编码器分别编码查询和文档，文档只需索引一次，检索很快；交叉编码器把两者放在一起读，更准，但每一对都"
           "要跑一次。常见做法是用双塔召回，再用交叉编码器对前几名重排。"))),
    "app.4": _notes(
        T("The question and the context go through the encoder together, and a small head scores each context token "
          "as answer start and end; the best valid span is the answer. That head must be trained on QA data such as "
          "SQuAD: loading plain bert-base-uncased into BertForQuestionAnswering gives a random head, so its spans "
          "are guesses. Use a QA checkpoint or fine-tune on QA examples, and read long contexts in overlapping "
          "windows. The experiment compares random heads with a trained one.",
          "问题和上下文一起送入编码器，一个小输出头为每个上下文词元打分，判断它是答案起点或终点；得分最高的合法片段"
          "就是答案。这个头必须在 SQuAD 这类问答数据上训练过：用问答类加载普通的 bert-base-uncased，问答头是随机的"
          "，给出的片段只是瞎猜。应使用问答检查点或自己微调，长上下文用重叠窗口读取。实验对比随机头与训练过的头。"),
        (T("How do you pick the answer span from the start and end scores?",
           "怎样从起点和终点分数中选出答案片段？"),
         T("Consider pairs with the start before the end and a length limit, score each as start logit plus end "
           "logit, and take the best; SQuAD 2.0-style models also compare it with the no-answer score at [CLS].",
           "只考虑起点在终点之前、长度不超过上限的组合，用“起点 logit + 终点 logit”给每个组合打分，取最高的；SQuAD "
           "2.0 式的模型还要把它与 [CLS] 位置的“无答案”分数比较。")),
        (T("Extractive QA or a generative model?",
           "抽取式问答还是生成式模型？"),
         T("Extractive QA can only copy a span of the given text, which makes answers verifiable and cheap; a "
           "generative model can combine and rephrase information but may invent facts. Retrieval-augmented "
           "generation mixes both.",
           "抽取式问答只能从给定文本中复制片段，答案可核查、成本低；生成式模型能综合和改写信息，但可能编造事实。检"
           "索增强生成（RAG）结合了两者。"))),
    "app.5": _notes(
        T("Translation is sequence to sequence: an encoder reads the source, and a decoder writes the target one "
          "token at a time, attending to the encoder's states. In transformers use "
          "AutoModelForSeq2SeqLM with a real checkpoint such as Marian opus-mt, and call generate. Fine-tune on "
          "sentence pairs with the target tokens as labels; measure BLEU or chrF on "
          "held-out sentences. There is no TransformerModel class, whatever the source notes say. The experiment "
          "trains a tiny model from scratch: mechanics only.",
          "翻译是序列到序列任务：编码器读源句，解码器关注编码器的状态、逐个词元写出译文，因而能调整语序。在 "
          "transformers 中用 AutoModelForSeq2SeqLM 加载真实检查点（如 Marian opus-mt 或 NLLB），再调用 generate。用"
          "句对微调，把目标词元当标签，用 BLEU 或 chrF 衡量。来源笔记里的 TransformerModel 类并不存在。实验只在一个从零"
          "训练的极小模型上展示机制。"),
        (T("Greedy decoding or beam search?",
           "贪心解码还是束搜索？"),
         T("Greedy decoding takes the most likely token at each step and can miss better sentences; beam search "
           "keeps the k best partial translations and usually scores higher BLEU, at about k times the decoding "
           "cost. Sampling suits creative text, not translation.",
           "贪心解码每一步取最可能的词元，可能错过更好的整句；束搜索保留 k 个最好的部分译文，BLEU 通常更高，但解码"
           "开销约为 k 倍。采样适合创意文本，不适合翻译。")),
        (T("What is teacher forcing?",
           "什么是 teacher forcing？"),
         T("During training the decoder receives the true previous target tokens rather than its own predictions, "
           "so all positions train in parallel; at inference it must consume its own outputs, and that mismatch is "
           "called exposure bias.",
           "训练时解码器的输入是真实的前一个目标词元，而不是自己的预测，所以所有位置可以并行训练；推理时它只能接着"
           "自己的输出往下写，这种差异叫暴露偏差。"))),
    "app.6": _notes(
        T("A language model embeds each item's text, its title, description and genres; a user profile combines the "
          "vectors of the items they interacted with, often weighting recent ones more; unseen items are ranked by "
          "similarity to that profile. It helps with new items that have text but no interactions. Evaluate offline "
          "by hiding each user's latest interactions and measuring hit rate at k against popularity and random "
          "baselines. The experiment does this on MovieLens; popularity is often hard to beat.",
          "语言模型把每个物品的文本（标题、简介、类型）编码成向量；把用户交互过的物品向量合起来（常给近期更高权重）"
          "作为用户画像；再按与画像的相似度给没看过的物品排序。它对有文本、没有交互的新物品尤其有用。离线评估时留出"
          "每个用户最近的交互，算前 k 命中率，并与热门榜和随机基线对比。实验在 MovieLens 上这样做。"),
        (T("What is the cold-start problem, and how does text help?",
           "什么是冷启动问题？文本怎样帮上忙？"),
         T("Collaborative filtering learns from interactions, so new items and new users have nothing to learn "
           "from. Text embeddings place a new item near similar existing ones from day one, and a new user's first "
           "few clicks already define a profile.",
           "协同过滤依赖交互数据，新物品和新用户没有交互可学。文本向量从第一天起就能把新物品放在相似的老物品旁边，"
           "新用户最初点过的几个物品也足以构成画像。")),
        (T("Why hide each user's latest interactions rather than random ones?",
           "为什么留出每个用户最近的交互，而不是随机的交互？"),
         T("A recommender predicts the future from the past; hiding random interactions lets it use later behaviour "
           "to predict earlier behaviour, which inflates the score. A time-based hold-out mimics deployment.",
           "推荐系统要用过去预测未来；随机留出会让它借用之后的行为去预测之前的行为，使分数虚高。按时间留出才符合上"
           "线后的情况。"))),
    "app.7": _notes(
        T("Standardise numeric features with training-split statistics, one-hot encode categorical ones, and train "
          "a small MLP, a few Linear-ReLU layers with dropout, with cross-entropy and a validation split for early "
          "stopping. On small tables compare it with strong simple baselines such as logistic regression or "
          "gradient-boosted trees: they are often as accurate, faster and easier to explain. An MLP pays off with "
          "many rows, feature interactions, or inside a larger network. The experiment sets an MLP against logistic "
          "regression.",
          "只用训练集的统计量标准化数值特征，对类别特征做独热编码，再用交叉熵训练一个小 MLP（几层 Linear-ReLU 加 "
          "Dropout），留出验证集用于提前停止。在小表格上要和强而简单的基线比：逻辑回归或梯度提升树往往同样准确，而"
          "且更快、更好解释。MLP 在行数多、特征交互复杂时才有优势。实验让 MLP 与逻辑回归对比。"),
        (T("Why do gradient-boosted trees often beat neural networks on tables?",
           "为什么在表格数据上梯度提升树常常胜过神经网络？"),
         T("Tables mix features of different scales and meanings with sharp, irregular decision boundaries; trees "
           "split on thresholds naturally, need no scaling and handle missing values, while an MLP needs more data "
           "and tuning to match them.",
           "表格数据混合了尺度和含义各不相同的特征，决策边界陡峭而不规则；树天然按阈值切分，不需要标准化，也能处理"
           "缺失值，而 MLP 需要更多数据和调参才能追上。")),
        (T("How do you handle a categorical column with thousands of values?",
           "一个类别特征有上千个取值时怎么处理？"),
         T("Use a learned embedding per category instead of one-hot, or target encoding computed out of fold to "
           "avoid leakage, and group rare values into an 'other' bucket.",
           "用可学习的类别嵌入代替独热编码，或者使用在折外计算的目标编码以避免泄漏，并把罕见取值归入“其他”一类。"))),
    "deploy.1": _notes(
        T("Shrink and speed up the model for the target hardware, then serve it behind an API with monitoring. "
          "Dynamic int8 quantisation stores Linear weights in 8 bits, about a quarter of the size, and often runs "
          "faster on CPUs. Pruning zeroes small weights but saves space only when compressed or run on sparse "
          "kernels. ONNX export lets an optimised runtime serve the model without PyTorch. Measure size, latency "
          "and held-out accuracy at each step, as the experiment does.",
          "针对目标硬件把模型变小变快，再通过带监控的 API 提供服务。int8 动态量化把 Linear 权重存成 8 位，大小约为"
          "原来的 1/4，在 CPU 上通常也更快。剪枝把小权重置零，但只有压缩后或用稀疏内核时才省空间。导出 ONNX 后可以"
          "脱离 PyTorch 运行。每一步都要测大小、延迟和留出数据上的准确率，实验就是这样做的。"),
        (T("Dynamic or static quantisation?",
           "动态量化和静态量化有什么区别？"),
         T("Dynamic quantisation stores weights in int8 and quantises activations on the fly, so it needs no "
           "calibration data; static quantisation fixes the activation scales from a calibration set, which runs "
           "faster. When either loses too much accuracy, quantisation-aware training recovers it.",
           "动态量化把权重存成 int8，激活值在运行时即时量化，不需要校准数据；静态量化用一组校准数据事先确定激活值的"
           "缩放，运行更快。两者损失太多准确率时，可用量化感知训练来弥补。")),
        (T("How would you monitor a deployed model?",
           "上线后的模型怎样监控？"),
         T("Log inputs, predictions and latency; watch for drift in the input statistics and in the predicted class "
           "mix; and label a small sample regularly to track real accuracy, with alerts and a rollback path.",
           "记录输入、预测和延迟；关注输入统计量和预测类别比例的漂移；定期标注一小批样本跟踪真实准确率，并设置告警"
           "和回滚方案。"))),
    "deploy.2": _notes(
        T("Fine-tuning the current model on new data alone is cheap but can forget what the old data taught, "
          "catastrophic forgetting, especially when the new data looks different. Retraining from the pretrained "
          "start on old and new data together is reliable but grows costly. A middle way is replay: mix a sample of "
          "old examples into each update. Whichever you choose, keep fixed test sets from both and compare with the "
          "current model before replacing it. The experiment measures all three.",
          "只用新数据在现有模型上继续微调成本低，但可能忘掉旧数据教会的东西，即灾难性遗忘，新旧数据差别越大越明显。"
          "从预训练模型出发用新旧数据一起重训更可靠，但成本越来越高。折中办法是回放：每次更新混入一部分旧样本。无论"
          "哪种，都要为新旧数据各保留固定的测试集，替换前与现有模型比较。实验测量了这三种做法。"),
        (T("Besides replay, how can you reduce forgetting?",
           "除了回放，还有什么办法减轻遗忘？"),
         T("Use a small learning rate and few steps, regularise towards the old weights (elastic weight "
           "consolidation, or a plain L2 penalty on the change), or train a new LoRA adapter on a frozen base.",
           "用小学习率、少量步数；把权重往旧权重方向约束（弹性权重巩固 EWC，或对权重变化做 L2 惩罚）；或者冻结基座"
           "，只训练一个新的 LoRA 适配器。")),
        (T("How do you roll out an updated model safely?",
           "怎样安全地上线更新后的模型？"),
         T("Compare it offline on the fixed old and new test sets, then shadow-deploy it or A/B test it on a share "
           "of the traffic, monitor the metrics, and keep the old version ready for rollback.",
           "先在固定的新旧测试集上离线比较，再以影子部署或 A/B 测试的方式接入部分流量，监控指标，并保留旧版本以便回"
           "滚。"))),
    "deploy.3": _notes(
        T("Threats include adversarial inputs, small edits that flip a prediction such as misspelled spam words; "
          "poisoned training data; model theft through the API; and training-data leakage. Defend with "
          "authentication, access control and rate limits, input normalisation and validation, adversarial training "
          "on perturbed examples, and monitoring; for private data, differential privacy or federated training. "
          "Test robustness as an attacker would: the experiment misspells the words the model relies on most and "
          "measures how often predictions flip.",
          "威胁包括对抗输入（让预测翻转的小改动，比如把垃圾短信里的词拼错）、投毒的训练数据、通过 API 窃取模型和训"
          "练数据泄露。防御：身份认证、访问控制和限流，输入规范化与校验，用扰动样本做对抗训练，以及监控；涉及隐私数"
          "据时用差分隐私或联邦训练。要像攻击者那样测试稳健性：实验把模型最依赖的词拼错，测量预测被翻转的比例。"),
        (T("What is data poisoning, and how do you guard against it?",
           "什么是数据投毒？怎样防范？"),
         T("An attacker slips crafted examples into the training data, for example a trigger phrase always labelled "
           "harmless, which plants a backdoor. Guard with trusted sources, provenance tracking, de-duplication and "
           "outlier checks, and by testing for trigger behaviour.",
           "攻击者把精心构造的样本混进训练数据，例如让某个触发短语总被标为正常，从而植入后门。防范办法：使用可信数"
           "据源、记录数据来源、去重和离群检查，并测试是否存在触发行为。")),
        (T("Does input normalisation defeat misspelling attacks?",
           "输入规范化能挡住拼写攻击吗？"),
         T("Partly: mapping look-alike characters, removing inserted symbols and spelling correction undo the "
           "cheapest edits, but attackers adapt, so combine it with adversarial training and keep measuring the "
           "flip rate.",
           "能挡住一部分：替换形近字符、去掉插入的符号和拼写纠正能抵消最廉价的改动，但攻击者会调整手法，所以要结合"
           "对抗训练，并持续测量翻转率。"))),
}


NOTES.update({lesson_id: _notes(spoken, *follow) for lesson_id, (spoken, *follow) in LLM_NOTES.items()})


def notes(lesson_id: str) -> InterviewNotes:
    """The spoken answer and follow-ups of one lesson."""
    if lesson_id not in NOTES:
        raise KeyError(f"No interview notes for lesson {lesson_id!r}; they exist for: {', '.join(NOTES)}.")
    return NOTES[lesson_id]


def spoken_answer(lesson_id: str) -> T:
    """The lesson's answer as said aloud in about 30 seconds."""
    return notes(lesson_id).spoken


def follow_ups(lesson_id: str) -> tuple[FollowUp, ...]:
    """The two questions an interviewer is likely to ask next, with short answers."""
    return notes(lesson_id).follow_ups
