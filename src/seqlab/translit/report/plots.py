"""Pictures for `seqlab translit report`: Optuna sweep plots, scatter and bar charts (matplotlib) and
everything that shows whole native-script words (Pillow with the raqm layout engine), in the language's Noto
font (languages.py; Devanagari by default).

Why two libraries: matplotlib draws glyphs one by one without OpenType shaping, so pre-base vowel
signs (ि) land after their consonant and conjuncts fall apart. Pillow's raqm engine (HarfBuzz +
FriBidi) shapes text like a browser does, so every Devanagari *word* in an image goes through
`render_text`. Attention-heatmap tick labels are single characters, which matplotlib draws fine as long
as it uses a font that has Devanagari glyphs (never the default DejaVu Sans, which would give tofu).
"""
from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
import unicodedata
import warnings
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import optuna  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from optuna.visualization import matplotlib as ovm  # noqa: E402
from PIL import Image, ImageDraw, ImageFont, features  # noqa: E402

from seqlab.errors import SeqlabError  # noqa: E402
from seqlab.translit.languages import DEFAULT_LANG, language  # noqa: E402

FONT_ENV = "SEQLAB_DEVANAGARI_FONT"
FONT_PACKAGE = "fonts-noto-core"
# Where Debian/Ubuntu, Fedora and Homebrew-style installs put a Devanagari font (used if fontconfig is absent).
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansDevanagari-Regular.ttf",
    "/usr/share/fonts/google-noto/NotoSansDevanagari-Regular.ttf",
    "/usr/share/fonts/noto/NotoSansDevanagari-Regular.ttf",
    "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf",
    "/usr/share/fonts/truetype/fonts-deva-extra/kalimati.ttf",
)


@functools.lru_cache(maxsize=1)
def devanagari_font() -> Path:
    """Path of a font with Devanagari glyphs (see `find_font`)."""
    return find_font(DEFAULT_LANG)


@functools.lru_cache(maxsize=None)
def script_font(lang: str = DEFAULT_LANG) -> Path:
    """`find_font`, once per language."""
    return devanagari_font() if lang == DEFAULT_LANG else find_font(lang)


def find_font(lang: str) -> Path:
    """Path of a font for the language's script: $SEQLAB_DEVANAGARI_FONT (Devanagari only), fontconfig
    (:lang=CODE, the registry's Noto family first), known paths (Devanagari).

    Raises SeqlabError naming the package to install, because without one every word would be tofu.
    """
    entry = language(lang)
    candidates: list[str] = []
    if os.environ.get(FONT_ENV) and entry.script.name == "Devanagari":
        candidates.append(os.environ[FONT_ENV])
    if shutil.which("fc-list"):
        try:
            listing = subprocess.run(["fc-list", f":lang={entry.code}", "file"], capture_output=True, text=True,
                                     timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            listing = ""
        found = sorted(line.split(":")[0].strip() for line in listing.splitlines() if line.strip())
        # Prefer the registry's Noto family (Regular), then any sans, then anything else fontconfig offers.
        preferred = entry.font.replace(" ", "") + "-Regular"
        found.sort(key=lambda p: (preferred not in p, "Sans" not in p, "Bold" in p, p))
        candidates += found
    if entry.script.name == "Devanagari":
        candidates += list(KNOWN_FONTS)
    for path in candidates:
        if (Path(path).is_file() and Path(path).suffix.lower() in (".ttf", ".otf")
                and _has_glyph(Path(path), entry.script.probe)):
            return Path(path)
    raise SeqlabError(f"no font with {entry.script.name} glyphs found; install one (Debian/Ubuntu: apt-get install "
                      f"{FONT_PACKAGE})" + (f" or set {FONT_ENV} to a .ttf/.otf file" if entry.code == "hi" else ""))


def _has_glyph(path: Path, char: str) -> bool:
    """True if the font draws `char` as something other than its .notdef box (tofu)."""
    try:
        font = ImageFont.truetype(str(path), 40)
    except OSError:
        return False
    return _ink(font, char) != _ink(font, "\U000E01EF") and _ink(font, char) != _ink(font, "\uFFFF")


def _ink(font: ImageFont.FreeTypeFont, text: str) -> bytes:
    image = Image.new("L", (120, 80), 0)
    ImageDraw.Draw(image).text((10, 10), text, font=font, fill=255)
    return image.tobytes()


def latin_font() -> Path:
    """DejaVu Sans ships with matplotlib, so Latin text, digits and ✓/✗ always have a font."""
    return Path(font_manager.findfont("DejaVu Sans"))


@functools.lru_cache(maxsize=16)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    if not features.check("raqm"):
        raise SeqlabError("Pillow was built without raqm (complex text layout), so Devanagari cannot be shaped; "
                          "install libraqm0 (Debian/Ubuntu: apt-get install libraqm0) and reinstall Pillow")
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


def render_text(text: str, size: int = 32, font_path: Path | None = None, color: str = "black",
                background: str = "white", padding: int = 6, line: tuple[int, int] | None = None) -> Image.Image:
    """One line of shaped text (Devanagari by default) as an RGB image.

    The canvas spans the font's ascent and descent (or `line` = (ascent, descent) shared by several fonts),
    with the baseline at a fixed height, so cells of a table line up on a common baseline.
    """
    font = _font(str(font_path or devanagari_font()), size)
    ascent, descent = line or font.getmetrics()
    left, _, right, _ = font.getbbox(text or " ", anchor="ls")
    image = Image.new("RGB", (max(right - left, 1) + 2 * padding, ascent + descent + 2 * padding), background)
    ImageDraw.Draw(image).text((padding - left, padding + ascent), text, font=font, fill=color, anchor="ls")
    return image


def line_metrics(size: int, *paths: Path) -> tuple[int, int]:
    """Largest ascent and descent among fonts, for text of several fonts on one baseline."""
    metrics = [_font(str(p), size).getmetrics() for p in paths]
    return max(m[0] for m in metrics), max(m[1] for m in metrics)


def figure_png(fig) -> bytes:
    """Save a matplotlib figure as PNG bytes and free it (reports draw many figures)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def optuna_figures(study) -> dict[str, tuple[bytes | None, str]]:
    """Optimization history, parallel coordinates and parameter importances: (PNG or None, why absent)."""

    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    varying = [name for name in {p for t in complete for p in t.params}
               if len({repr(t.params.get(name)) for t in complete}) > 1]
    plots = {"history": (ovm.plot_optimization_history, 1, "no completed trial"),
             "parallel": (ovm.plot_parallel_coordinate, 2, "needs at least 2 completed trials"),
             "importances": (ovm.plot_param_importances, 2,
                             "needs at least 2 completed trials whose parameters differ")}
    sizes = {"history": (9, 4.8), "parallel": (max(10, 1.2 * len(varying) + 2), 6),
             "importances": (9, 0.4 * len(varying) + 1.8)}
    result: dict[str, tuple[bytes | None, str]] = {}
    for key, (plot, minimum, reason) in plots.items():
        if len(complete) < minimum or (key == "importances" and not varying):
            result[key] = (None, reason)
            continue
        try:
            # Optuna's plots assume ggplot (some set it globally); keep it to them so our own figures stay plain.
            with warnings.catch_warnings(), matplotlib.rc_context(), plt.style.context("ggplot"):
                warnings.simplefilter("ignore")
                axes = plot(study)
                figure = axes.figure if hasattr(axes, "figure") else axes.flat[0].figure
                figure.set_size_inches(*sizes[key])
                result[key] = (figure_png(figure), "")
        except (ValueError, RuntimeError, ZeroDivisionError) as exc:
            plt.close("all")
            result[key] = (None, f"Optuna could not draw it: {exc}")
    return result


def accuracy_vs_parameters(points: Sequence[tuple[int, float, str]]) -> bytes:
    """Dev accuracy against parameter count per trial, coloured by cell/attention (size vs quality)."""
    fig, ax = plt.subplots(figsize=(8, 4.8))
    for label in sorted({p[2] for p in points}):
        xs = [p[0] for p in points if p[2] == label]
        ys = [p[1] for p in points if p[2] == label]
        ax.scatter(xs, ys, label=label, alpha=0.8, s=36)
    ax.set_xscale("log")
    ax.set_xlabel("trainable parameters (log scale)")
    ax.set_ylabel("best dev accuracy")
    ax.grid(alpha=0.3)
    ax.legend(title="cell / attention", fontsize=8)
    ax.set_title("Dev accuracy vs model size")
    return figure_png(fig)


def accuracy_by_length(buckets: Sequence[tuple[int, int, float]]) -> bytes:
    """Bar chart of test accuracy per input length (length, count, accuracy), counts written on the bars."""
    fig, ax = plt.subplots(figsize=(8, 4))
    lengths, counts, accuracies = zip(*buckets) if buckets else ((), (), ())
    bars = ax.bar([str(n) for n in lengths], accuracies, color="#4c72b0")
    for bar, count in zip(bars, counts):
        ax.annotate(f"n={count}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                    va="bottom", fontsize=7)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("romanized input length (characters)")
    ax.set_ylabel("test top-1 accuracy")
    ax.set_title("Accuracy by word length")
    ax.grid(axis="y", alpha=0.3)
    return figure_png(fig)


def sample_grid(rows: Sequence[dict], size: int = 26, lang: str = DEFAULT_LANG) -> bytes:
    """A table picture of test samples: input | reference | prediction | ✓/✗, wrong rows tinted red."""
    latin, deva = latin_font(), script_font(lang)
    columns = [("input", latin), ("reference", deva), ("prediction", deva), ("", latin)]
    line = line_metrics(size, latin, deva)
    cells = [[render_text(name, size - 4, latin, color="white", background="#34495e") for name, _ in columns]]
    for row in rows:
        background = "#e8f6ea" if row["correct"] else "#fbe9e7"
        mark = "✓" if row["correct"] else "✗"
        texts = [row["input"], row["reference"], row["prediction"], mark]
        cells.append([render_text(t, size, f, background=background, line=line) for t, (_, f) in zip(texts, columns)])
    widths = [max(r[i].width for r in cells) + 16 for i in range(len(columns))]
    heights = [max(c.height for c in r) + 6 for r in cells]
    grid = Image.new("RGB", (sum(widths), sum(heights)), "white")
    y = 0
    for r, height in zip(cells, heights):
        x = 0
        for image, width in zip(r, widths):
            fill = image.getpixel((0, 0))
            grid.paste(Image.new("RGB", (width, height), fill), (x, y))
            grid.paste(image, (x + 8, y + (height - image.height) // 2))
            x += width
        ImageDraw.Draw(grid).line([(0, y + height - 1), (grid.width, y + height - 1)], fill="#cccccc")
        y += height
    return image_png(grid)


def image_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def attention_heatmap(source: str, output: str, weights, lang: str = DEFAULT_LANG) -> bytes:
    """Heatmap of attention weights (output characters × input characters) with the shaped word on top."""
    labels = list(output) + ["</s>"]
    weights = weights[: len(labels), : len(source)]
    native_font = script_font(lang)
    deva = font_manager.FontProperties(family=[_matplotlib_family(native_font), "DejaVu Sans"], size=13)
    fig, ax = plt.subplots(figsize=(0.45 * len(source) + 1.8, 0.42 * len(labels) + 1.2))
    shown = ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    fig.colorbar(shown, ax=ax, fraction=0.05, pad=0.03, label="attention weight")
    ax.set_xticks(range(len(source)), list(source), fontsize=12)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels([_isolated(c) for c in labels], fontproperties=deva)
    ax.set_xlabel("input character")
    ax.set_ylabel("output character")
    heatmap = Image.open(io.BytesIO(figure_png(fig))).convert("RGB")
    line = line_metrics(30, latin_font(), native_font)
    title_latin = render_text(f"{source}  →  ", 30, latin_font(), line=line)
    title_deva = render_text(output or "(empty)", 30, native_font, line=line)
    width = max(heatmap.width, title_latin.width + title_deva.width)
    header = max(title_latin.height, title_deva.height)
    picture = Image.new("RGB", (width, header + heatmap.height), "white")
    picture.paste(title_latin, (0, (header - title_latin.height) // 2))
    picture.paste(title_deva, (title_latin.width, (header - title_deva.height) // 2))
    picture.paste(heatmap, (0, header))
    return image_png(picture)


def _matplotlib_family(path: Path) -> str:
    """Register the font file with matplotlib and return its family name (for a fallback family list)."""
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _isolated(char: str) -> str:
    """Show a lone combining sign on a dotted circle (◌ि), as Unicode charts do, so it stays visible."""

    return "\u25cc" + char if len(char) == 1 and unicodedata.category(char) in ("Mn", "Mc") else char
