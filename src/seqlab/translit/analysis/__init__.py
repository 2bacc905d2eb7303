"""The size of the transliteration network: exact parameter and multiply-add formulas in m, k, T, V
(`formulas`) and an independent count on the real model that checks them (`check`, which imports the
formulas; never the other way round)."""
from __future__ import annotations

from seqlab.translit.analysis.check import run_check
from seqlab.translit.analysis.formulas import Analysis, Sizes, render


def analyze(sizes: Sizes, check: bool = False) -> tuple[str, dict]:
    """Human report and JSON summary; with `check`, the independent count from the real model is added."""
    analysis = Analysis.of(sizes)
    text, summary = render(analysis), analysis.to_dict()
    summary["checked"] = False
    summary["check"] = None
    if check:
        result = run_check(analysis)
        text += "\n\n" + result.render()
        summary["check"] = result.to_dict()
        summary["checked"] = result.ok
    return text, summary
