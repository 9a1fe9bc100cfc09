"""Interview notes of the LLM fine-tuning lessons (llm.1-llm.5) as plain data: for each lesson id, the spoken answer
and two (question, answer) follow-ups. interview.py turns them into InterviewNotes beside the others."""
from __future__ import annotations

from ..base import T

NOTES = {
    "llm.1": (
        T("Instruction tuning is supervised fine-tuning on prompt and response pairs written with the chat template. "
          "It mostly changes behaviour, not knowledge: the format, length and register of answers. Pre-training "
          "already holds the knowledge, so a few hundred consistent, clean pairs make one way of answering the "
          "likeliest. Quality and consistency beat quantity. The experiment measures the format rate and the right "
          "answers of SmolLM2 before and after a dozen LoRA steps.",
          "指令微调就是用对话模板写好的“提示/回答”对做监督微调。它改变的主要是行为而不是知识：回答的格式、长度和语气。"
          "知识在预训练里已经有了，所以几百条一致、干净的样本就能让某种回答方式成为最可能的方式。质量和一致性比数量"
          "更重要。实验测量了 SmolLM2 在十几步 LoRA 微调前后的格式正确率和回答正确率。"),
        (T("Can instruction tuning teach the model new facts?", "指令微调能教会模型新知识吗？"),
         T("Only slowly and unreliably: a few examples of a new fact rarely generalise and may raise hallucination. "
           "Use retrieval for facts, or continued pre-training on much more text.",
           "只能缓慢且不可靠地做到：少量新事实样本很难泛化，还可能增加幻觉。事实类知识用检索，或者在多得多的文本上继续"
           "预训练。")),
        (T("What makes a good instruction dataset?", "好的指令数据集有什么特点？"),
         T("Diverse tasks and phrasings, consistent answer formats, correct responses, no duplicates or leaked test "
           "prompts. A small clean set usually beats a large noisy one.",
           "任务和问法多样、回答格式一致、答案正确、没有重复也没有泄漏测试提示。"
           "小而干净的数据集通常胜过大而嘈杂的。"))),
    "llm.2": (
        T("LoRA freezes the base weights and learns a low-rank update beside the attention projections, so it trains "
          "under one percent of the parameters, with optimizer memory and checkpoints to match, and it merges back "
          "for free at inference. Per step it is not much faster on a small model, since the whole network still "
          "runs. For format and style it usually matches full fine-tuning. Start at rank 8 to 16, alpha twice the "
          "rank, and a learning rate ten times higher.",
          "LoRA 冻结基座权重，在注意力投影旁学习一个低秩更新，只训练不到百分之一的参数，优化器内存和检查点也随之变小，"
          "推理时还能无成本地合并回去。在小模型上每步并不快多少，因为整个网络仍要跑一遍。对格式和风格类任务，它通常能"
          "追平全参数微调。起点：秩 8 到 16，alpha 取秩的两倍，学习率高十倍。"),
        (T("What is QLoRA?", "什么是 QLoRA？"),
         T("LoRA on a base model stored in 4-bit (NF4) with higher-precision adapters, so a large model fits on one "
           "GPU for fine-tuning; quality stays close to 16-bit LoRA.",
           "把基座模型以 4 比特（NF4）存储，在其上训练较高精度的 LoRA 适配器，这样大模型也能在单张 GPU 上微调，效果接近"
           " 16 位的 LoRA。")),
        (T("Which modules should LoRA target?", "LoRA 应该加在哪些模块上？"),
         T("The attention projections are the usual start; adding the MLP projections often helps harder tasks at a "
           "higher parameter count. Measure it on your task.",
           "通常从注意力投影开始；再加上 MLP 投影往往对更难的任务有帮助，但参数更多。要在自己的任务上测量。"))),
    "llm.3": (
        T("Usually on the response only. Prompt tokens get the label minus one hundred, so the gradient teaches the "
          "model to answer instead of to imitate prompts, and long inputs do not dominate it. Loss on every token is "
          "continued pre-training on the conversation: sometimes useful with short prompts and scarce domain text. "
          "Keep the chat template identical to inference and keep the end-of-turn token in the labels so the model "
          "learns to stop.",
          "通常只在回答上算。提示 token 的标签设为 -100，梯度教模型去回答而不是模仿提示，长输入也不会主导梯度。在所有 "
          "token 上算损失相当于在对话上继续预训练：提示短、领域文本稀缺时有时有用。对话模板要与推理时完全一致，并把回合"
          "结束符留在标签里，模型才学得会停下。"),
        (T("What goes wrong if the end-of-turn token is masked out?", "如果把回合结束符也屏蔽掉，会出什么问题？"),
         T("The model never learns to stop after its answer and keeps generating until the token limit, often "
           "inventing the next user turn.",
           "模型学不会在回答后停下，会一直生成到长度上限，还常常编出下一轮用户的话。")),
        (T("How do you pack short examples efficiently?", "怎样高效地打包短样本？"),
         T("Concatenate examples into full-length sequences with an attention mask or position ids that keep them "
           "apart, or sort by length and pad per batch.",
           "把多个样本拼成满长度序列，并用注意力掩码或位置编号把它们隔开；或者按长度排序、按批填充。"))),
    "llm.4": (
        T("Yes, it can. Steps that make one narrow behaviour likely also move the weights every other behaviour uses, "
          "so the model may answer everything in the task's format or drift on general questions. More steps, a "
          "higher learning rate and full fine-tuning make it worse. Limit it with a lower learning rate, LoRA, and "
          "general data mixed into training. Measure it: a held-out set of general prompts, answers and perplexity "
          "before and after.",
          "会的。让某种窄行为变得可能的梯度步，也会改动其他行为共用的权重，模型可能用任务格式回答一切，或在通用问题上"
          "走样。步数越多、学习率越高、全参数微调，越严重。减轻办法：更低的学习率、LoRA、在训练数据里混入通用数据。要"
          "度量：留一组通用问题，比较微调前后的回答和困惑度。"),
        (T("Why does LoRA forget less?", "为什么 LoRA 遗忘得更少？"),
         T("The base weights stay fixed and the update is low-rank, so it can change fewer directions of behaviour; "
           "it still forgets with enough steps or a high rank and learning rate.",
           "基座权重不动，更新是低秩的，能改变的行为方向更少；但步数够多、秩和学习率够高时仍会遗忘。")),
        (T("Where does general replay data come from if the original data is private?",
           "如果原始训练数据不公开，通用回放数据从哪里来？"),
         T("Public instruction sets, or the base model's own answers to general prompts (self-distillation), which "
           "is what the experiment mixes in.",
           "用公开的指令数据集，或者用基座模型自己对通用问题的回答（自蒸馏），实验里混入的就是后者。"))),
    "llm.5": (
        T("Greedy decoding takes the likeliest token each step: deterministic, best when there is one right answer. "
          "Temperature divides the logits, so low values sharpen and high values flatten the distribution; top-p "
          "samples only from the smallest set of tokens covering probability p. More randomness gives variety and "
          "more errors. For classification-like tasks use greedy, for open-ended writing sample, and always report "
          "the decoding settings and seed.",
          "贪心解码每步取最可能的 token：结果确定，最适合只有一个正确答案的情况。温度用来除 logits，低温让分布更尖锐，"
          "高温让它更平坦；top-p 只从累计概率达到 p 的最小 token 集合里采样。随机性越大，多样性越高，错误也越多。分类"
          "式任务用贪心，开放式写作用采样，并且总要报告解码设置和随机种子。"),
        (T("What is beam search good for?", "束搜索适合什么场景？"),
         T("Short outputs with one best answer, such as translation or summarisation; in open-ended chat it tends to "
           "produce bland, repetitive text.",
           "适合只有一个最佳答案的短输出，比如翻译或摘要；在开放式对话里它容易生成平淡、重复的文本。")),
        (T("How do you reduce repetition without sampling?", "不用采样时怎样减少重复？"),
         T("Use a repetition penalty or no-repeat n-gram blocking, and stop on the end-of-turn token.",
           "用重复惩罚或禁止重复 n 元组，并在回合结束符处停止。"))),
}
