"""What a pretrained or fine-tuned encoder is used for beyond classification: sentence embeddings and
similarity search (`embeddings`), extractive question answering (`qa`), translation (`translate`), and a
recommender built on language-model embeddings (`recommend`, on `movielens`).

Built on the core (model loading in `core.pretrained` and `core.devices`, the bundled data files of
`core.datasets`); the lab, the lessons, the CLI and the pages use them.
"""
