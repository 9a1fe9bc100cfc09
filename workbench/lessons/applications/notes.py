"""Interview notes of the application lessons (app.1-app.7) as plain data: for each lesson id, the spoken
answer and two (question, answer) follow-ups; lessons.interview turns them into InterviewNotes."""
from __future__ import annotations

from ..base import T

NOTES = {
    "app.1": (
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
    "app.2": (
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
    "app.3": (
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
    "app.4": (
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
    "app.5": (
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
    "app.6": (
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
    "app.7": (
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
}
