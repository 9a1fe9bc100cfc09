"""Seeded data augmentation: EDA-style word edits for texts, flips, crops and brightness for image tensors.

Text edits follow "Easy Data Augmentation" (Wei and Zou, 2019): random swap, random deletion and synonym
replacement, each touching about `alpha` of the words. Synonyms come from the small built-in table below
(common sentiment, film and message words): WordNet would need NLTK's corpus, a separate download that no
PyPI package here ships, and the runs must stay offline.
"""
from __future__ import annotations

import math
import random
import re

TEXT_METHODS = ("swap", "delete", "synonym", "mix")

# Groups of interchangeable words; each word maps to the others in its group.
SYNONYM_GROUPS = (
    ("good", "fine", "decent", "nice"), ("great", "excellent", "superb", "terrific", "wonderful"),
    ("bad", "poor", "awful", "lousy"), ("terrible", "dreadful", "horrible", "atrocious"),
    ("boring", "dull", "tedious", "tiresome"), ("funny", "amusing", "hilarious", "comical"),
    ("movie", "film", "picture"), ("story", "plot", "narrative", "tale"),
    ("beautiful", "lovely", "gorgeous", "stunning"), ("interesting", "engaging", "intriguing", "compelling"),
    ("stupid", "dumb", "silly", "foolish"), ("smart", "clever", "intelligent", "bright"),
    ("happy", "glad", "cheerful", "joyful"), ("sad", "unhappy", "gloomy", "sorrowful"),
    ("love", "adore", "enjoy"), ("hate", "loathe", "despise", "detest"), ("big", "large", "huge"),
    ("small", "little", "tiny"), ("fast", "quick", "rapid"), ("slow", "sluggish", "plodding"),
    ("strange", "odd", "weird", "bizarre"), ("very", "really", "extremely", "truly"),
    ("actor", "performer", "player"), ("ending", "finale", "conclusion"), ("scene", "sequence", "episode"),
    ("predictable", "formulaic", "routine"), ("entertaining", "enjoyable", "diverting"),
    ("mess", "shambles", "muddle"), ("masterpiece", "classic", "gem"), ("flat", "lifeless", "limp"),
    ("charming", "delightful", "endearing"), ("powerful", "forceful", "potent"),
    ("prize", "award", "reward"), ("call", "phone", "ring"), ("message", "text", "note"),
    ("urgent", "pressing", "immediate"), ("friend", "pal", "buddy", "mate"), ("tired", "exhausted", "weary"),
    ("thanks", "cheers"), ("help", "assist", "aid"), ("buy", "purchase"), ("cash", "money"),
    ("nasty", "vile", "unpleasant"), ("weak", "feeble", "thin"),
)
SYNONYMS: dict[str, list[str]] = {word: [w for w in group if w != word] for group in SYNONYM_GROUPS for word in group}

_CORE = re.compile(r"^(\W*)(.*?)(\W*)$")   # leading punctuation, the word, trailing punctuation


def augment_text(text: str, method: str, rng: random.Random, alpha: float = 0.1) -> str:
    """One augmented copy of `text`: about `alpha` of its words swapped, deleted or replaced by synonyms."""
    if method not in TEXT_METHODS:
        raise ValueError(f"Unknown text augmentation {method!r}; use one of {', '.join(TEXT_METHODS)}.")
    if method == "mix":
        method = rng.choice(TEXT_METHODS[:-1])
    words = text.split()
    if len(words) < 2 and method != "synonym":
        return text
    n_changes = max(1, round(alpha * len(words)))
    if method == "swap":
        for _ in range(n_changes):
            i, j = rng.sample(range(len(words)), 2)
            words[i], words[j] = words[j], words[i]
    elif method == "delete":
        kept = [w for w in words if rng.random() >= alpha]
        words = kept or [rng.choice(words)]
    else:
        words = _replace_synonyms(words, n_changes, rng)
    return " ".join(words)


def _replace_synonyms(words: list[str], n_changes: int, rng: random.Random) -> list[str]:
    words = list(words)
    candidates = [i for i, w in enumerate(words) if _CORE.match(w).group(2).lower() in SYNONYMS]
    for i in rng.sample(candidates, min(n_changes, len(candidates))):
        lead, core, trail = _CORE.match(words[i]).groups()
        new = rng.choice(SYNONYMS[core.lower()])
        if core[:1].isupper():
            new = new.upper() if core.isupper() and len(core) > 1 else new.capitalize()
        words[i] = lead + new + trail
    return words


def augment_texts(texts: list[str], method: str, seed: int, alpha: float = 0.1) -> list[str]:
    """One augmented copy of each text, reproducible for a given seed."""
    rng = random.Random(seed)
    return [augment_text(str(t), method, rng, alpha) for t in texts]


def augment_images(pixels, generator=None, min_scale: float = 0.7, brightness: float = 0.1, flip: bool = True):
    """Randomly flip, crop-and-resize and brighten a batch (N, C, H, W) of images in [-1, 1].

    Each image is flipped left-right with probability 1/2 (unless `flip` is False: a mirrored digit or letter is
    not the same class), cropped to a random box covering `min_scale` to all
    of its area (aspect ratio 3/4 to 4/3) and resized back, and shifted in brightness by up to `brightness`
    of the full range. One affine sampling grid does the flip and the crop for the whole batch.
    """
    import torch
    import torch.nn.functional as F

    n = pixels.shape[0]
    uniform = lambda low, high: low + (high - low) * torch.rand(n, generator=generator)  # noqa: E731
    area = uniform(min_scale, 1.0)
    aspect = torch.exp(uniform(math.log(3 / 4), math.log(4 / 3)))
    width = torch.sqrt(area * aspect).clamp(max=1.0)     # crop side as a share of the image side
    height = torch.sqrt(area / aspect).clamp(max=1.0)
    centre_x = uniform(-1.0, 1.0) * (1 - width)          # keeps the crop inside the image
    centre_y = uniform(-1.0, 1.0) * (1 - height)
    mirror = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    if not flip:
        mirror = torch.ones(n)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = width * mirror, centre_x
    theta[:, 1, 1], theta[:, 1, 2] = height, centre_y
    grid = F.affine_grid(theta.to(pixels.dtype), list(pixels.shape), align_corners=False)
    out = F.grid_sample(pixels, grid.to(pixels.device), mode="bilinear", padding_mode="border",
                        align_corners=False)
    shift = uniform(-brightness, brightness) * 2      # the range [-1, 1] is 2 wide
    return (out + shift.view(n, 1, 1, 1).to(out)).clamp(-1.0, 1.0)
