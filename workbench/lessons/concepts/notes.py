"""Interview notes of the concept lessons (concept.1-concept.7) as plain data: for each lesson id, the spoken
answer and two (question, answer) follow-ups; lessons.interview turns them into InterviewNotes."""
from __future__ import annotations

from ..base import T

NOTES = {
    "concept.1": (
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
    "concept.2": (
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
    "concept.3": (
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
    "concept.4": (
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
    "concept.5": (
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
    "concept.6": (
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
    "concept.7": (
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
}
