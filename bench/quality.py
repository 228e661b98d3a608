"""Held-out NLU quality: our trained model, Rasa's default pipeline and a TF-IDF + logistic regression.

Every score is computed on held-out sets no model is trained on (HELDOUT_SETS), each scored apart:
`fresh` was written blind to the training data after `heldout` had been used once for error analysis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot.settings import REPO_ROOT

HELDOUT_NLU = REPO_ROOT / "tests" / "nlu" / "heldout.yml"
# name -> (file, what it is); the first is the headline figure.
HELDOUT_SETS = {
    "fresh": (REPO_ROOT / "tests" / "nlu" / "heldout_fresh.yml",
              "written on 2026-11-26 without seeing the training data; never used to tune anything"),
    "heldout": (HELDOUT_NLU, "written apart from the training data, then used once for error analysis (optimistic)"),
}
TRAIN_NLU = REPO_ROOT / "bot" / "data" / "nlu"
FALLBACK_INTENT = "nlu_fallback"
# Rasa's default NLU pipeline (the one Rasa fills in for a config without `pipeline:`) trains DIET for
# 100 epochs. On the 2-core reference machine that takes far more than 5 minutes (about 24 s per
# epoch with its 2 transformer layers and CRF entity layer, so ~40 min), so its DIET epochs are
# capped here; set BENCH_DEFAULT_EPOCHS=100 to train it uncapped.
DEFAULT_EPOCHS = 100
DEFAULT_EPOCHS_CAP = int(os.environ.get("BENCH_DEFAULT_EPOCHS") or 10)


def load_examples(path: Path) -> List[dict]:
    """Intent examples as {text, intent, entities}; the text has no entity markup left."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    examples = []
    for message in data.intent_examples:
        examples.append(
            {
                "text": message.get("text"),
                "intent": message.get("intent"),
                "entities": [
                    {"entity": e["entity"], "value": str(e.get("value")), "start": e["start"], "end": e["end"]}
                    for e in message.get("entities") or []
                ],
            }
        )
    return examples


def intent_scores(gold: Sequence[str], predicted: Sequence[str]) -> Dict[str, float]:
    """Accuracy, macro-F1 over the intents of the held-out set, and how many answers were nlu_fallback."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(gold))
    return {
        "intent_accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "intent_macro_f1": round(float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "fallback_predictions": sum(1 for p in predicted if p == FALLBACK_INTENT),
    }


def _prf(true_positive: int, n_predicted: int, n_gold: int) -> Dict[str, float]:
    precision = true_positive / n_predicted if n_predicted else 0.0
    recall = true_positive / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def entity_scores(gold: Sequence[List[dict]], predicted: Sequence[List[dict]]) -> Dict[str, object]:
    """Micro precision/recall/F1 of extracted entities against the annotations.

    `value`: an (entity type, normalised value) pair matches per message (what the actions read);
    `span`: (entity type, start, end) must match exactly. Only the entity types annotated in the
    held-out set are scored, so a type it never annotates is not counted as a false positive.
    """
    types = {e["entity"] for entities in gold for e in entities}
    tp_value = tp_span = n_pred = n_gold = 0
    for gold_entities, predicted_entities in zip(gold, predicted):
        predicted_entities = [e for e in predicted_entities if e["entity"] in types]
        n_pred += len(predicted_entities)
        n_gold += len(gold_entities)
        gold_values = Counter((e["entity"], str(e["value"])) for e in gold_entities)
        pred_values = Counter((e["entity"], str(e["value"])) for e in predicted_entities)
        tp_value += sum((gold_values & pred_values).values())
        gold_spans = Counter((e["entity"], e["start"], e["end"]) for e in gold_entities)
        pred_spans = Counter((e["entity"], e.get("start"), e.get("end")) for e in predicted_entities)
        tp_span += sum((gold_spans & pred_spans).values())
    return {
        "entity_types": sorted(types),
        "annotated": n_gold,
        "value": _prf(tp_value, n_pred, n_gold),
        "span": _prf(tp_span, n_pred, n_gold),
    }


async def evaluate_rasa_model(model_path: Path, sets: Dict[str, List[dict]]) -> Dict[str, object]:
    """Parse every message of each held-out set in process with the model's NLU pipeline."""
    from rasa.core.agent import load_agent
    from rasa.nlu.classifiers import fallback_classifier

    started = time.monotonic()
    agent = await load_agent(model_path=str(model_path))
    result: Dict[str, object] = {
        "model": str(model_path.relative_to(REPO_ROOT) if model_path.is_relative_to(REPO_ROOT) else model_path.name),
        "load_seconds": round(time.monotonic() - started, 1),
    }
    parse_ms: List[float] = []
    for name, examples in sets.items():
        served, predicted_intents, predicted_entities = [], [], []
        for example in examples:
            t0 = time.perf_counter()
            parsed = await agent.parse_message(example["text"])
            parse_ms.append((time.perf_counter() - t0) * 1000)
            served.append((parsed.get("intent") or {}).get("name"))
            # Scored like `rasa test nlu` (make test-nlu): the FallbackClassifier's nlu_fallback is undone.
            if fallback_classifier.is_fallback_classifier_prediction(parsed):
                parsed = fallback_classifier.undo_fallback_prediction(parsed)
            predicted_intents.append((parsed.get("intent") or {}).get("name"))
            predicted_entities.append(
                [
                    {"entity": e["entity"], "value": e.get("value"), "start": e.get("start"), "end": e.get("end")}
                    for e in parsed.get("entities") or []
                ]
            )
        gold = [e["intent"] for e in examples]
        result[name] = {
            "messages": len(examples),
            **intent_scores(gold, predicted_intents),
            "served": intent_scores(gold, served),
            "entities": entity_scores([e["entities"] for e in examples], predicted_entities),
            "errors": [
                {"text": e["text"], "intent": e["intent"], "predicted": p}
                for e, p in zip(examples, predicted_intents) if p != e["intent"]
            ],
        }
    result["parse_ms_mean_in_process"] = round(sum(parse_ms) / max(1, len(parse_ms)), 1)
    del agent
    return result


def run_bounded(command: List[str], log: Path, timeout: float) -> Optional[int]:
    """Run a command (its output to `log`) for at most `timeout` s; None when it had to be killed.

    The child has its own process group, killed whole on timeout or when the benchmark is interrupted.
    """
    with log.open("w") as handle:
        proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=handle, stderr=subprocess.STDOUT,
                                env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, start_new_session=True)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def train_default_pipeline(workdir: Path, timeout: float) -> Tuple[Optional[Path], Dict[str, object]]:
    """Train an NLU-only model with Rasa's default pipeline (no `pipeline:` key) on bot/data/nlu."""
    import rasa.engine.recipes.default_recipe as recipe
    import yaml

    config = workdir / "default_config.yml"
    if DEFAULT_EPOCHS_CAP >= DEFAULT_EPOCHS:
        # No pipeline: Rasa fills in its default (and writes it back into this file as comments).
        config.write_text("language: fr\nrecipe: default.v1\n", encoding="utf-8")
        pipeline = None
    else:
        # Rasa's own default pipeline, read from its recipe, with only the epochs lowered.
        default_file = Path(recipe.__file__).parent / "config_files" / "default_config.yml"
        default = yaml.safe_load(default_file.read_text(encoding="utf-8"))
        pipeline = default["pipeline"]
        for component in pipeline:
            if "epochs" in component:
                component["epochs"] = min(component["epochs"], DEFAULT_EPOCHS_CAP)
        config.write_text(yaml.safe_dump({"recipe": "default.v1", "language": "fr", "pipeline": pipeline},
                                         sort_keys=False), encoding="utf-8")
    out = workdir / "default_model"
    log = workdir / "default_train.log"
    command = [
        sys.executable, "-m", "rasa", "train", "nlu", "--nlu", str(TRAIN_NLU),
        "--config", str(config), "--out", str(out), "--fixed-model-name", "default",
    ]
    started = time.monotonic()
    returncode = run_bounded(command, log, timeout)
    if returncode is None:
        return None, {"error": f"training did not finish in {timeout:.0f} s", "log": str(log)}
    seconds = time.monotonic() - started
    model = out / "default.tar.gz"
    if returncode != 0 or not model.exists():
        return None, {"error": f"rasa train nlu exited with {returncode}", "log": str(log)}
    if pipeline is None:
        chosen = [line.lstrip("# ").strip() for line in config.read_text(encoding="utf-8").splitlines()
                  if line.lstrip("# ").startswith("- name:")]
        names = [line.split(":", 1)[1].strip() for line in chosen]
    else:
        names = [c["name"] + (f" (epochs {c['epochs']})" if "epochs" in c else "") for c in pipeline]
    info = {
        "train_seconds": round(seconds, 1),
        "pipeline": names,
        "diet_epochs": min(DEFAULT_EPOCHS, DEFAULT_EPOCHS_CAP),
        "epochs_capped": DEFAULT_EPOCHS_CAP < DEFAULT_EPOCHS,
    }
    if info["epochs_capped"]:
        info["note"] = (f"Rasa's default pipeline takes more than 5 min here (~24 s per DIET epoch on 2 cores): "
                        f"its DIET epochs are capped at {DEFAULT_EPOCHS_CAP} of {DEFAULT_EPOCHS} "
                        "(BENCH_DEFAULT_EPOCHS=100 to train it uncapped)")
    return model, info


def evaluate_tfidf(train: List[dict], sets: Dict[str, List[dict]]) -> Dict[str, object]:
    """Word 1-2 grams + char_wb 2-5 grams TF-IDF (sublinear tf) and a logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    model = make_pipeline(
        make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LogisticRegression(max_iter=2000),
    )
    started = time.monotonic()
    model.fit([e["text"] for e in train], [e["intent"] for e in train])
    result: Dict[str, object] = {"train_examples": len(train), "train_seconds": round(time.monotonic() - started, 1)}
    for name, examples in sets.items():
        started = time.perf_counter()
        predicted = list(model.predict([e["text"] for e in examples]))
        result[name] = {
            "messages": len(examples),
            "predict_ms_per_message": round((time.perf_counter() - started) * 1000 / len(examples), 2),
            **intent_scores([e["intent"] for e in examples], predicted),
            "entities": None,
        }
    return result


def cross_validate(workdir: Path, folds: int, timeout: float) -> Dict[str, object]:
    """`rasa test nlu --cross-validation` of our config on the training data (NLU only, bounded).

    Rasa logs each metric as "test Accuracy: mean (std)" over the folds; the test folds' figures are kept.
    """
    import re

    log = workdir / "crossval.log"
    command = [
        sys.executable, "-m", "bot.rasa_server", "test", "nlu", "--nlu", str(TRAIN_NLU), "--config",
        str(REPO_ROOT / "config.yml"), "--cross-validation", "--folds", str(folds),
        "--out", str(workdir / "crossval"), "--no-plot",
    ]
    started = time.monotonic()
    returncode = run_bounded(command, log, timeout)
    if returncode is None:
        return {"error": f"did not finish in {timeout:.0f} s", "folds": folds}
    if returncode != 0:
        return {"error": f"rasa test nlu exited with {returncode}; see {log}", "folds": folds}
    text = log.read_text(encoding="utf-8", errors="replace")
    result: Dict[str, object] = {"folds": folds, "seconds": round(time.monotonic() - started, 1)}
    # The intent block comes first in Rasa's log; entity extractors log the same metric names later.
    for key, name in (("Accuracy", "intent_accuracy"), ("F1-score", "intent_f1")):
        found = re.search(rf"test {key}: ([0-9.]+) \(([0-9.]+)\)", text)
        if found:
            result[name] = {"mean": float(found.group(1)), "std": float(found.group(2))}
    return result
