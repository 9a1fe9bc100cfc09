"""What a pretrained or fine-tuned encoder is used for beyond classification: sentence embeddings and
similarity search (`embeddings`), extractive question answering (`qa`), translation (`translate`), and a
recommender built on language-model embeddings (`recommend`, on `movielens`).

Built on the core's model loading (`core.pretrained`, `core.devices`); the lab and the lessons use them.
"""
