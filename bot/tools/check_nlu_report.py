"""Fail when the intent accuracy of an NLU evaluation is below a threshold.

Reads the ``intent_report.json`` written by ``rasa test nlu`` and prints a short summary:
the overall accuracy, the macro F1 and the intents whose F1 is weakest.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="results/…/intent_report.json")
    parser.add_argument("--min-accuracy", type=float, required=True)
    args = parser.parse_args(argv)

    report = json.loads(args.report.read_text(encoding="utf-8"))
    accuracy = report["accuracy"]
    macro_f1 = report["macro avg"]["f1-score"]
    per_intent = {
        name: values
        for name, values in report.items()
        if isinstance(values, dict) and "support" in values and not name.endswith(" avg")
    }
    weakest = sorted(per_intent.items(), key=lambda item: item[1]["f1-score"])[:5]
    support = sum(values["support"] for values in per_intent.values())
    print(f"held-out intent accuracy: {accuracy:.3f} on {support} messages (macro F1 {macro_f1:.3f})")
    for name, values in weakest:
        print(f"  weakest: {name:<34} F1 {values['f1-score']:.2f} (n={values['support']})")
    if accuracy < args.min_accuracy:
        print(f"FAILED: accuracy {accuracy:.3f} < required {args.min_accuracy:.2f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
