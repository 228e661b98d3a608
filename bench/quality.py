"""Held-out NLU quality: our trained model, Rasa's default pipeline and a TF-IDF + logistic regression.

Every score is computed on tests/nlu/heldout.yml, which no model is trained on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot.settings import REPO_ROOT

HELDOUT_NLU = REPO_ROOT / "tests" / "nlu" / "heldout.yml"
TRAIN_NLU = REPO_ROOT / "bot" / "data" / "nlu"
FALLBACK_INTENT = "nlu_fallback"
# Rasa's default NLU pipeline is trained as is; its DIET epochs would be capped only if it took
# longer than this (it does not on the reference machine: see the README).
DEFAULT_PIPELINE_MAX_SECONDS = 300


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
    """Accuracy, and macro-F1 over the intents of the held-out set."""
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


async def evaluate_rasa_model(model_path: Path, examples: List[dict]) -> Dict[str, object]:
    """Parse every held-out message in process with the model's NLU pipeline."""
    from rasa.core.agent import load_agent

    started = time.monotonic()
    agent = await load_agent(model_path=str(model_path))
    load_seconds = time.monotonic() - started
    predicted_intents, predicted_entities, parse_ms = [], [], []
    for example in examples:
        t0 = time.perf_counter()
        parsed = await agent.parse_message(example["text"])
        parse_ms.append((time.perf_counter() - t0) * 1000)
        predicted_intents.append((parsed.get("intent") or {}).get("name"))
        predicted_entities.append(
            [
                {"entity": e["entity"], "value": e.get("value"), "start": e.get("start"), "end": e.get("end")}
                for e in parsed.get("entities") or []
            ]
        )
    result = {
        "model": str(model_path.relative_to(REPO_ROOT) if model_path.is_relative_to(REPO_ROOT) else model_path.name),
        "messages": len(examples),
        "load_seconds": round(load_seconds, 1),
        "parse_ms_mean_in_process": round(sum(parse_ms) / len(parse_ms), 1),
        **intent_scores([e["intent"] for e in examples], predicted_intents),
        "entities": entity_scores([e["entities"] for e in examples], predicted_entities),
    }
    del agent
    return result


def train_default_pipeline(workdir: Path, timeout: float) -> Tuple[Optional[Path], Dict[str, object]]:
    """Train an NLU-only model with Rasa's default pipeline (no `pipeline:` key) on bot/data/nlu."""
    config = workdir / "default_config.yml"
    # Rasa writes the pipeline it chose back into this file (as comments): it is rewritten each run.
    config.write_text("language: fr\nrecipe: default.v1\n", encoding="utf-8")
    out = workdir / "default_model"
    log = workdir / "default_train.log"
    command = [
        sys.executable, "-m", "rasa", "train", "nlu", "--nlu", str(TRAIN_NLU),
        "--config", str(config), "--out", str(out), "--fixed-model-name", "default",
    ]
    started = time.monotonic()
    with log.open("w") as handle:
        proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=handle, stderr=subprocess.STDOUT,
                                env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None, {"error": f"training did not finish in {timeout:.0f} s", "log": str(log)}
    seconds = time.monotonic() - started
    model = out / "default.tar.gz"
    if proc.returncode != 0 or not model.exists():
        return None, {"error": f"rasa train nlu exited with {proc.returncode}", "log": str(log)}
    chosen = [line.strip("# ").strip() for line in config.read_text(encoding="utf-8").splitlines()
              if line.lstrip("# ").startswith("- name:")]
    info = {
        "train_seconds": round(seconds, 1),
        "pipeline": [line.split(":", 1)[1].strip() for line in chosen],
        "epochs_capped": False,
    }
    if seconds > DEFAULT_PIPELINE_MAX_SECONDS:
        info["note"] = (f"the default pipeline took {seconds:.0f} s (> {DEFAULT_PIPELINE_MAX_SECONDS} s): "
                        "cap its DIET epochs in bench/quality.py to keep `make bench` short")
    return model, info


def evaluate_tfidf(train: List[dict], heldout: List[dict]) -> Dict[str, object]:
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
    train_seconds = time.monotonic() - started
    started = time.perf_counter()
    predicted = list(model.predict([e["text"] for e in heldout]))
    predict_ms = (time.perf_counter() - started) * 1000 / len(heldout)
    return {
        "train_examples": len(train),
        "train_seconds": round(train_seconds, 1),
        "predict_ms_per_message": round(predict_ms, 2),
        **intent_scores([e["intent"] for e in heldout], predicted),
        "entities": None,
    }
