"""`make bench`: quality, latency and cost of the assistant, side by side, in one run.

1. Quality on the held-out NLU sets (bench/quality.py HELDOUT_SETS, never trained on), each scored
   apart: our model, Rasa's default pipeline trained on the same bot/data/nlu, and TF-IDF + logistic
   regression; the held-out multi-turn scenarios (right programme or contact first) for our
   assistant; 5-fold cross-validation of our config on the training data.
2. Latency of full turns through the REST channel of the real stack (action server + `rasa run`),
   one conversation at a time and 20 at once, and of /model/parse; the time of each stage of a turn
   inside the Rasa server in both phases (GET /stage-timings, bot/stage_timings.py).
3. Cost: peak RSS of both servers, training time, size of .venv.

All traffic goes to 127.0.0.1; request counts and every phase are bounded. Prints a table and
writes bench/results.json. Usage: python -m bench.run [--quick] [--skip-train-time] [--skip-crossval]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Optional

os.environ["RASA_TELEMETRY_ENABLED"] = "false"  # before Rasa is imported: no call to outside hosts

from bench import quality, stack  # noqa: E402
from bench.report import notes, ratios, table  # noqa: E402
from bot.settings import KNOWLEDGE_DATA_DIR, MODEL_PATH, REPO_ROOT  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results.json"
BUDGET_SECONDS = 45 * 60
FULL_TRAIN_ESTIMATE = 240  # seconds; `rasa train` is skipped (last figure reused) if less time is left
SEQ_TURNS, SEQ_LIMIT = 200, 180
USERS, TURNS_PER_USER, CONC_LIMIT = 20, 30, 240
PARSE_REQUESTS, PARSE_LIMIT = 200, 60
# The blind end-to-end set over REST (about 700 turns, ~2 min).
BLIND_LIMIT = 300
CV_FOLDS, CV_LIMIT = 5, 40 * 60  # ~6 min per fold here (training, then both folds evaluated)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def previous_results() -> Dict:
    try:
        return json.loads(RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def time_full_training(workdir: Path, timeout: float) -> Dict[str, object]:
    """`rasa train` (NLU + dialogue, --force) of our config into a temporary folder."""
    log_path = workdir / "full_train.log"
    # The command of `make train` (which validates the data just before, in `make validate`).
    command = [sys.executable, "-m", "bot.rasa_server", "train", "--skip-validation", "--data", "bot/data", "--domain", "domain.yml",
               "--config", "config.yml", "--out", str(workdir / "full_model"), "--force"]
    started = time.monotonic()
    returncode = quality.run_bounded(command, log_path, timeout)
    if returncode is None:
        return {"error": f"did not finish in {timeout:.0f} s"}
    if returncode != 0:
        return {"error": f"rasa train exited with {returncode}; see {log_path}"}
    return {"seconds": round(time.monotonic() - started, 1), "measured": True}


def venv_size() -> Optional[int]:
    venv = REPO_ROOT / ".venv"
    try:
        out = subprocess.run(["du", "-sb", str(venv)], capture_output=True, text=True, timeout=120, check=True)
        return int(out.stdout.split()[0])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


async def run_stack_phase(workdir: Path, scenarios, parse_texts, quick: bool) -> Dict[str, object]:
    from knowledge.loader import build_database

    # A knowledge database of our own, built from knowledge/data (never a remote DATABASE_URL).
    database_url = f"sqlite:///{workdir / 'knowledge.sqlite3'}"
    build_database(database_url, KNOWLEDGE_DATA_DIR)
    server = stack.Stack(workdir, database_url)
    result: Dict[str, object] = {"rasa_port": server.rasa_port, "action_port": server.action_port}
    try:
        started = time.monotonic()
        server.start()
        result["startup"] = await stack.wait_until_ready(server, started, timeout=180)
        log(f"stack ready: first answer after {result['startup']['first_answer_s']} s")
        result["memory_after_startup"] = server.memory()
        if not quick:
            result["blind"] = await stack.blind_run(server, BLIND_LIMIT)
            log(f"blind end-to-end set: {result['blind']['all']['passed']}/{result['blind']['all']['total']} conversations passed")
        seq_turns = 40 if quick else SEQ_TURNS
        result["long_conversation"] = await stack.long_conversation_run(server, turns=40 if quick else 120)
        log(f"one conversation of {result['long_conversation']['turns']} turns: median by turns "
            f"{result['long_conversation']['median_ms_by_turns']}")
        # Each stage of a turn inside the Rasa server (bot/stage_timings.py), for each phase apart.
        stages: Dict[str, object] = {}
        result["stage_timings"] = stages
        await stack.stage_timings(server, reset=True)
        result["sequential"] = await stack.sequential_run(server, scenarios, seq_turns, SEQ_LIMIT)
        stages["sequential"] = await stack.stage_timings(server)
        log(f"1 conversation: {result['sequential']['turns']} turns, p50 {result['sequential']['latency']['p50_ms']} ms")
        server.check_alive()
        users, per_user = (5, 6) if quick else (USERS, TURNS_PER_USER)
        await stack.stage_timings(server, reset=True)
        result["concurrent"] = await stack.concurrent_run(server, scenarios, users, per_user, CONC_LIMIT)
        stages["concurrent"] = await stack.stage_timings(server)
        log(f"{users} conversations: {result['concurrent']['turns']} turns, "
            f"{result['concurrent']['throughput_msg_per_s']} msg/s")
        server.check_alive()
        texts = parse_texts[: 40 if quick else PARSE_REQUESTS]
        result["model_parse"] = await stack.parse_run(server, texts, PARSE_LIMIT)
        log(f"/model/parse: p50 {result['model_parse']['latency']['p50_ms']} ms")
        result["memory"] = server.memory()
    finally:
        server.stop()
    return result


async def run_stock_phase(workdir: Path, scenarios, quick: bool) -> Dict[str, object]:
    """The same model served by stock Rasa 3.6.21 (plain `rasa run`, SQL tracker store, no patch of this
    project), the same action server and messages: the point of comparison of issue 11.
    """
    from knowledge.loader import build_database

    workdir = workdir / "stock"
    workdir.mkdir()
    database_url = f"sqlite:///{workdir / 'knowledge.sqlite3'}"
    build_database(database_url, KNOWLEDGE_DATA_DIR)
    server = stack.Stack(workdir, database_url)
    result: Dict[str, object] = {}
    try:
        started = time.monotonic()
        server.start_actions()
        server.base = server.start_stock_rasa()
        result["startup"] = await stack.wait_until_ready(server, started, timeout=180)
        log(f"stock Rasa ready: first answer after {result['startup']['first_answer_s']} s")
        result["long_conversation"] = await stack.long_conversation_run(server, turns=40 if quick else 120)
        log(f"stock Rasa, one conversation: median by turns {result['long_conversation']['median_ms_by_turns']}")
        result["sequential"] = await stack.sequential_run(server, scenarios, 40 if quick else SEQ_TURNS, SEQ_LIMIT)
        result["sequential"].pop("scenarios", None)  # stock Rasa has no HTTP API here to score them
        users, per_user = (5, 6) if quick else (USERS, TURNS_PER_USER)
        result["concurrent"] = await stack.concurrent_run(server, scenarios, users, per_user, CONC_LIMIT)
        log(f"stock Rasa, {users} conversations: {result['concurrent']['throughput_msg_per_s']} msg/s")
        result["memory"] = server.memory()
    finally:
        server.stop()
    return result


async def main_async(args) -> Dict:
    import logging

    from rasa.utils.log_utils import configure_structlog

    from bot import speedups

    speedups.install()  # as in the served assistant (the answers are the same either way)

    # The in-process model would log every parse at debug level: keep the output to the table.
    configure_structlog(logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    started = time.monotonic()
    results: Dict = {
        "date": dt.date.today().isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "settings": {"sequential_turns": SEQ_TURNS, "users": USERS, "turns_per_user": TURNS_PER_USER,
                     "parse_requests": PARSE_REQUESTS, "quick": args.quick},
    }
    if not MODEL_PATH.exists():
        raise SystemExit(f"no trained model at {MODEL_PATH}: run `make train` first")
    from tests.e2e.test_scenarios import load_scenarios

    workdir = Path(tempfile.mkdtemp(prefix="jumelage-bench-"))
    try:
        sets = {name: quality.load_examples(path) for name, (path, _) in quality.HELDOUT_SETS.items()}
        train = quality.load_examples(quality.TRAIN_NLU)
        q: Dict = {"sets": {name: {"file": str(path.relative_to(REPO_ROOT)), "messages": len(sets[name]), "about": about}
                            for name, (path, about) in quality.HELDOUT_SETS.items()}}
        results["quality"] = q
        log("quality: our model on " + ", ".join(f"{name} ({len(examples)})" for name, examples in sets.items()))
        q["ours"] = await quality.evaluate_rasa_model(MODEL_PATH, sets)
        log("quality: TF-IDF + logistic regression")
        q["tfidf_logreg"] = quality.evaluate_tfidf(train, sets)
        if args.quick:
            q["rasa_default"] = None
        else:
            log("quality: training Rasa's default pipeline (NLU only) on bot/data/nlu")
            model, info = quality.train_default_pipeline(workdir, timeout=480)
            q["rasa_default_training"] = info
            q["rasa_default"] = await quality.evaluate_rasa_model(model, sets) if model else None
            if "note" in info:
                log(info["note"])
        heldout = [example for examples in sets.values() for example in examples]

        log("latency: starting the action server and the Rasa server on 127.0.0.1")
        scenarios = load_scenarios()
        results["stack"] = await run_stack_phase(workdir, scenarios, [e["text"] for e in heldout], args.quick)
        log("latency: the same model served by stock Rasa 3.6.21")
        results["stock_rasa"] = await run_stock_phase(workdir, scenarios, args.quick)
        results["ours_vs_stock"] = ratios(results["stack"], results["stock_rasa"])

        if args.quick or args.skip_crossval:
            q["crossval"] = {"skipped": "--quick" if args.quick else "--skip-crossval"}
        else:
            log(f"quality: {CV_FOLDS}-fold cross-validation of our config on the training data")
            q["crossval"] = quality.cross_validate(workdir, CV_FOLDS, timeout=CV_LIMIT)

        cost: Dict = {}
        results["cost"] = cost
        remaining = BUDGET_SECONDS - (time.monotonic() - started)
        previous = (previous_results().get("cost") or {}).get("training") or {}
        if args.skip_train_time or args.quick or remaining < FULL_TRAIN_ESTIMATE:
            why = "--skip-train-time" if args.skip_train_time or args.quick else f"only {remaining:.0f} s left in the budget"
            cost["training"] = {"seconds": previous.get("seconds"), "measured": False,
                                "source": f"reused from the run of {previous.get('measured_on', '?')} ({why})"
                                if previous.get("seconds") else f"skipped ({why})",
                                "measured_on": previous.get("measured_on")}
        else:
            log("cost: timing `rasa train --force` into a temporary folder")
            cost["training"] = {**time_full_training(workdir, timeout=480), "measured_on": results["date"]}
        cost["venv_bytes"] = venv_size()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["total_seconds"] = round(time.monotonic() - started, 1)
    results["notes"] = notes(results)
    return results


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, no default-pipeline training, no training time (a smoke test)")
    parser.add_argument("--skip-train-time", action="store_true", help="reuse the last measured training time")
    parser.add_argument("--skip-crossval", action="store_true", help="no 5-fold cross-validation (saves ~30 min)")
    parser.add_argument("--crossval-only", action="store_true",
                        help="only the cross-validation, added to the existing results file")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    # SIGTERM (e.g. from make or a CI timeout) unwinds like Ctrl-C, so every started process is stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    if args.crossval_only:
        results = json.loads(args.out.read_text(encoding="utf-8"))
        workdir = Path(tempfile.mkdtemp(prefix="jumelage-bench-"))
        try:
            log(f"quality: {CV_FOLDS}-fold cross-validation of our config on the training data")
            results["quality"]["crossval"] = {**quality.cross_validate(workdir, CV_FOLDS, timeout=CV_LIMIT),
                                              "measured_on": dt.date.today().isoformat()}
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    else:
        results = asyncio.run(main_async(args))
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(f"Benchmark {results['date']} — {results['machine']['cpus']} CPUs, {results['total_seconds']:.0f} s")
    print(table(results))
    for note in notes(results):
        print(f"note: {note}")
    print(f"\nwritten: {args.out.relative_to(REPO_ROOT) if args.out.is_relative_to(REPO_ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
