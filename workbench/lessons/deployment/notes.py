"""Interview notes of the deployment lessons (deploy.1-deploy.3) as plain data: for each lesson id, the spoken
answer and two (question, answer) follow-ups; lessons.interview turns them into InterviewNotes."""
from __future__ import annotations

from ..base import T

NOTES = {
    "deploy.1": (
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
    "deploy.2": (
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
    "deploy.3": (
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
