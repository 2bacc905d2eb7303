"""`seqlab translit report`: a tiny real sweep (Optuna + sqlite + train()) in, HTML/Markdown/CSV/PNGs out."""
from __future__ import annotations

import base64
import csv
import io
import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest
from PIL import Image
from translit_helpers import write_dakshina

from seqlab.cli import main
from seqlab.translit.evaluation.metrics import substitutions
from seqlab.translit.report.build import SECTIONS

# Trial 0 (attention, the largest) is enqueued first, so it wins ties of the tiny models' dev accuracy.
TRIALS = [
    {"cell": "gru", "emb": 16, "hidden": 32, "enc_layers": 1, "dec_layers": 1, "bidirectional": True,
     "dropout": 0.0, "attention": "luong", "beam_size": 3, "lr": 0.005, "batch_size": 32},
    {"cell": "rnn", "emb": 8, "hidden": 16, "enc_layers": 1, "dec_layers": 1, "bidirectional": False,
     "dropout": 0.1, "attention": "none", "beam_size": 1, "lr": 0.003, "batch_size": 64},
    {"cell": "lstm", "emb": 8, "hidden": 24, "enc_layers": 2, "dec_layers": 1, "bidirectional": False,
     "dropout": 0.0, "attention": "bahdanau", "beam_size": 2, "lr": 0.002, "batch_size": 64},
]


def make_sweep(root: Path, data_dir: Path, trials: list[dict], epochs: int = 1) -> Path:
    """A sweep directory in the format `seqlab translit sweep` writes (sweep.json, study.db, trials/)."""
    import optuna

    from seqlab.translit.model.network import ModelConfig
    from seqlab.translit.train import TrainConfig, train

    root.mkdir(parents=True)
    storage = f"sqlite:///{root / 'study.db'}"
    base = TrainConfig(data_dir=str(data_dir), epochs=epochs, show_progress=False)
    study = optuna.create_study(study_name="translit", storage=storage, direction="maximize")

    def objective(trial: optuna.Trial) -> float:
        p = {"cell": trial.suggest_categorical("cell", ["rnn", "gru", "lstm"]),
             "emb": trial.suggest_categorical("emb", [8, 16, 32]),
             "hidden": trial.suggest_categorical("hidden", [16, 24, 32, 48, 64, 96]),
             "enc_layers": trial.suggest_int("enc_layers", 1, 2), "dec_layers": trial.suggest_int("dec_layers", 1, 2),
             "bidirectional": trial.suggest_categorical("bidirectional", [False, True]),
             "dropout": trial.suggest_float("dropout", 0.0, 0.3),
             "attention": trial.suggest_categorical("attention", ["none", "bahdanau", "luong"]),
             "beam_size": trial.suggest_int("beam_size", 1, 3), "lr": trial.suggest_float("lr", 1e-3, 1e-2, log=True),
             "batch_size": trial.suggest_categorical("batch_size", [32, 64])}
        model = ModelConfig(5, 5, p["emb"], p["hidden"], p["cell"], p["enc_layers"], p["dec_layers"],
                            p["bidirectional"], p["dropout"], p["attention"])
        cfg = TrainConfig(**{**asdict(base), "lr": p["lr"], "batch_size": p["batch_size"]})
        run_dir = root / "trials" / f"trial-{trial.number:04d}"
        result = train(model, cfg, run_dir)
        for key, value in {"run_dir": str(run_dir), "parameters": result.parameters,
                           "train_seconds": result.train_seconds,
                           "best_epoch": result.best_epoch, "dev_accuracy": result.best_dev_accuracy}.items():
            trial.set_user_attr(key, value)
        return result.best_dev_accuracy

    for params in trials:
        study.enqueue_trial(params)
    study.optimize(objective, n_trials=len(trials))
    (root / "sweep.json").write_text(json.dumps({
        "study": "translit", "storage": storage, "space": {"cell": ["rnn", "gru", "lstm"]},
        "trials_target": len(trials),
        "train": asdict(base), "started": "2026-11-25T22:00:00", "finished": "2026-11-25T22:01:00", "seconds": 61.5}))
    return root


@pytest.fixture(scope="module")
def report(tmp_path_factory, real_pairs):
    root = tmp_path_factory.mktemp("report")
    data = write_dakshina(root / "data", {
        "train": real_pairs[::70][:600], "dev": real_pairs[35::400][:100], "test": real_pairs[17::400][:100]})
    sweep = make_sweep(root / "sweep", data, TRIALS)
    assert main(["translit", "report", str(sweep), "--final-epochs", "2", "--top-k", "3"]) == 0
    return sweep, sweep / "report", data


def embedded_pngs(page: str) -> list[tuple[str, Image.Image]]:
    found = re.findall(r"<img src='data:image/png;base64,([^']+)' alt='([^']*)'", page)
    images = []
    for data, alt in found:
        image = Image.open(io.BytesIO(base64.b64decode(data)))
        assert image.format == "PNG"
        image.load()
        images.append((alt, image))
    return images


@pytest.mark.slow
def test_report_has_every_section_and_decodable_images(report):
    _, out, _ = report
    page = (out / "report.html").read_text(encoding="utf-8")
    for title in SECTIONS:
        assert f"<h2>{title}</h2>" in page
        assert f"## {title}" in (out / "report.md").read_text(encoding="utf-8")
    alts = [alt for alt, _ in embedded_pngs(page)]
    for alt in ("Optimization history plot", "Parallel coordinates plot", "Dev accuracy vs parameter count plot",
                "Sample test predictions grid", "Accuracy by word length plot"):
        assert alt in alts
    assert "Parameter importances plot" in alts or "No parameter importances plot:" in page
    assert "The sweep took 1 min 02 s" in page and "The final training took" in page
    for name in re.findall(r"!\[[^]]*\]\(([^)]+\.png)\)", (out / "report.md").read_text(encoding="utf-8")):
        assert Image.open(out / name).format == "PNG"


def test_attention_heatmaps_for_nine_test_words(report):
    _, out, _ = report
    images = embedded_pngs((out / "report.html").read_text(encoding="utf-8"))
    heatmaps = [image for alt, image in images if alt.startswith("Attention heatmap")]
    assert len(heatmaps) == 9 and all(image.width > 100 for image in heatmaps)


def test_predictions_csv_and_accuracy_match(report):
    sweep, out, data = report
    with open(out / "test_predictions.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 100
    accuracy = sum(r["prediction"] == r["reference"] for r in rows) / len(rows)
    top_k = sum(r["reference"] in r["top_k"].split("|") for r in rows) / len(rows)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"<td>top-1 accuracy</td><td>{accuracy:.4f}</td>" in page
    assert f"<td>top-3 accuracy</td><td>{top_k:.4f}</td>" in page
    assert "href='test_predictions.csv'" in page
    info = json.loads((sweep / "final" / "final.json").read_text())
    assert info["trial"] == 0 and info["epochs_run"] == 2


@pytest.mark.slow
def test_rerun_reuses_final_model(report, tmp_path, capsys):
    sweep, _, _ = report
    before = (sweep / "final" / "best.safetensors").stat().st_mtime_ns
    assert main(["translit", "report", str(sweep), "--out", str(tmp_path / "again"), "--top-k", "3"]) == 0
    assert (sweep / "final" / "best.safetensors").stat().st_mtime_ns == before
    assert "reused" in (tmp_path / "again" / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_interrupted_final_run_is_resumed(report, tmp_path):
    sweep, _, _ = report
    (sweep / "final" / "final.json").unlink()  # as if killed after epoch 2, before the run was marked finished
    assert main(["translit", "report", str(sweep), "--final-epochs", "3", "--out", str(tmp_path / "r")]) == 0
    info = json.loads((sweep / "final" / "final.json").read_text())
    assert info["epochs_run"] == 3 and [h["epoch"] for h in info["history"]] == [1, 2, 3]
    assert info["epochs_limit"] == 3 and info["stopped_by"] == "epoch limit"


def test_missing_test_split_fails_before_training(report, tmp_path, real_pairs, capsys):
    sweep, _, _ = report
    no_test = write_dakshina(tmp_path / "data", {"train": real_pairs[:50], "dev": real_pairs[50:60]})
    assert main(["translit", "report", str(sweep), "--data-dir", str(no_test), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "test" in err and err.count("\n") == 1
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_report_of_a_real_sweep(tmp_path, real_pairs):
    """End to end with the producer: `seqlab translit sweep`, then `report` on its directory."""
    data = write_dakshina(tmp_path / "data", {
        "train": real_pairs[::70][:300], "dev": real_pairs[35::400][:40], "test": real_pairs[17::400][:40]})
    space = tmp_path / "space.yaml"
    space.write_text("emb: [8, 16]\nhidden: [16]\ncell: [gru]\nattention: [bahdanau]\nbeam_size: [1, 2]\n"
                     "lr: {low: 1.0e-3, high: 1.0e-2, log: true}\nbatch_size: [64]\n")
    out = tmp_path / "sweep"
    assert main(["translit", "sweep", "--space", str(space), "--trials", "2", "--epochs", "1", "--pruner", "none",
                 "--data-dir", str(data), "--out", str(out), "--heartbeat", "1"]) == 0
    assert main(["translit", "report", str(out), "--final-epochs", "1"]) == 0
    page = (out / "report" / "report.html").read_text(encoding="utf-8")
    assert all(f"<h2>{title}</h2>" in page for title in SECTIONS)
    assert len([alt for alt, _ in embedded_pngs(page) if alt.startswith("Attention heatmap")]) == 9


def test_errors_are_one_line_exit_2(tmp_path, capsys):
    assert main(["translit", "report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a sweep directory" in err and err.count("\n") == 1
    import optuna

    empty = tmp_path / "empty"
    empty.mkdir()
    optuna.create_study(study_name="s", storage=f"sqlite:///{empty / 'study.db'}")
    (empty / "sweep.json").write_text(json.dumps({"study": "s", "storage": f"sqlite:///{empty / 'study.db'}"}))
    assert main(["translit", "report", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "no completed trials" in err and err.count("\n") == 1


def test_substitutions_from_edit_alignment():
    assert substitutions("किताब", "कीताब") == [("ि", "ी")]
    assert substitutions("abc", "abc") == [] and substitutions("abcd", "abd") == []
    assert substitutions("kitab", "ketap") == [("i", "e"), ("b", "p")]


def test_missing_font_names_the_package(monkeypatch):
    from seqlab.errors import SeqlabError
    from seqlab.translit.report import plots

    monkeypatch.delenv(plots.FONT_ENV, raising=False)
    monkeypatch.setattr(plots, "KNOWN_FONTS", ())
    monkeypatch.setattr(plots.shutil, "which", lambda name: None)
    plots.devanagari_font.cache_clear()
    try:
        with pytest.raises(SeqlabError, match="apt-get install fonts-noto-core"):
            plots.devanagari_font()
    finally:
        plots.devanagari_font.cache_clear()


def test_devanagari_rendering_uses_a_real_font():
    from seqlab.translit.report.plots import devanagari_font, render_text

    font = devanagari_font()
    assert font.is_file()
    word, tofu = render_text("किताब", 40), render_text("\U000E01EF" * 5, 40)
    assert word.tobytes() != tofu.tobytes()
    # Shaping: with raqm the pre-base vowel sign ि moves left of क; Pillow's basic layout leaves it after,
    # so the two engines draw "कि" differently, and render_text draws what raqm draws.
    from PIL import ImageDraw, ImageFont, ImageOps

    def ink(engine):
        image = Image.new("L", (200, 100))
        face = ImageFont.truetype(str(font), 40, layout_engine=engine)
        ImageDraw.Draw(image).text((20, 20), "कि", font=face, fill=255)
        return image

    raqm, basic = ink(ImageFont.Layout.RAQM), ink(ImageFont.Layout.BASIC)
    assert raqm.tobytes() != basic.tobytes()
    box, raqm_box = ImageOps.invert(render_text("कि", 40).convert("L")).getbbox(), raqm.getbbox()
    assert abs((box[2] - box[0]) - (raqm_box[2] - raqm_box[0])) <= 1
    assert abs((box[3] - box[1]) - (raqm_box[3] - raqm_box[1])) <= 1
    glyphs = {render_text(c, 40).tobytes() for c in "कखगघ"}
    assert len(glyphs) == 4  # distinct glyphs, not four identical .notdef boxes
