"""Interview notes of the training lessons (train.1-train.10) as plain data: for each lesson id, the spoken
answer and two (question, answer) follow-ups; lessons.interview turns them into InterviewNotes."""
from __future__ import annotations

from ..base import T

NOTES = {
    "train.1": (
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
    "train.2": (
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
    "train.3": (
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
    "train.4": (
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
    "train.5": (
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
    "train.6": (
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
    "train.7": (
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
    "train.8": (
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
    "train.9": (
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
    "train.10": (
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
}
