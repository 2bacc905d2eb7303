"""Ensemble rescoring: other models kept in a model folder (`rescorers/NAME/`, each a model folder itself) score
the main model's candidates by forced decoding, and their log-probabilities join the one ranking rule,

    … + Σ_i ν_i · log P_i(y | x) / |y|^α

with the weights ν_i (config.json `decoding.rescorers`, {NAME: ν}) tuned on dev by `seqlab translit prior`.
Rescoring the main model's n-best list keeps the beam search single-model (fast) while models that make
different mistakes vote on its candidates; `analyze` counts each member's parameters on its own folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch

from seqlab.errors import CheckpointError, SeqlabError
from seqlab.options import check_value
from seqlab.translit.config import RescorerWeight
from seqlab.translit.data.vocab import Vocabs
from seqlab.translit.model.checkpoint import load_model
from seqlab.translit.model.network import Network

RESCORERS_DIR = "rescorers"


@dataclass
class Rescorer:
    name: str
    model: Network
    vocabs: Vocabs


def rescorer_weights(config: Mapping[str, Any], names: Sequence[str], where: str) -> tuple[float, ...]:
    """The weight of each rescorer, in `names` order (0 when config.json gives none); one-line errors."""
    weights = config.get("decoding", {}).get("rescorers", {}) if isinstance(config.get("decoding"), dict) else {}
    if not isinstance(weights, dict):
        raise CheckpointError(f"{where}: decoding: rescorers must be a JSON object of NAME: weight")
    unknown = sorted(set(weights) - set(names))
    if unknown:
        raise CheckpointError(f"{where}: decoding: rescorers names {unknown[0]!r}, which is not a folder in "
                              f"{RESCORERS_DIR}/")
    try:
        return tuple(check_value(RescorerWeight, "weight", weights.get(name, 0.0), label=f"{where}: decoding: "
                                 f"rescorers: {name}") for name in names)
    except SeqlabError as exc:
        raise CheckpointError(str(exc)) from None


def load_rescorers(folder: Path, device: torch.device) -> list[Rescorer]:
    """Every model folder under FOLDER/rescorers/, sorted by name (an empty list when there is none)."""
    root = Path(folder) / RESCORERS_DIR
    if not root.is_dir():
        return []
    rescorers = []
    for path in sorted(p for p in root.iterdir() if p.is_dir()):
        model, vocabs, _ = load_model(path)
        rescorers.append(Rescorer(path.name, model.to(device), vocabs))
    return rescorers
