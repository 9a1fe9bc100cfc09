"""Interview notes of the explanation lessons (explain.1-explain.1) as plain data: for each lesson id, the spoken
answer and two (question, answer) follow-ups; lessons.interview turns them into InterviewNotes."""
from __future__ import annotations

from ..base import T

NOTES = {
    "explain.1": (
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
}
