"""The benchmark's report: ratios against stock Rasa, the printed table and its notes."""

from __future__ import annotations

from typing import Dict, Optional


def memory_total(run: Dict, key: str) -> Optional[int]:
    """A memory figure of a run (``rss_kib``, ``pss_kib``) summed over its servers; None if not measured."""
    return sum((m or {}).get(key, 0) for m in (run.get("memory") or {}).values()) or None


def ratios(ours: Dict, stock: Dict) -> Dict[str, Optional[float]]:
    """Ours / stock Rasa for each figure of issue 11 (below 1: ours is faster or smaller)."""
    def get(run: Dict, *path):
        for key in path:
            run = (run or {}).get(key) if isinstance(run, dict) else None
        return run

    def ratio(*path) -> Optional[float]:
        a, b = get(ours, *path), get(stock, *path)
        return round(a / b, 2) if a and b else None

    def memory(key: str) -> Optional[float]:
        a, b = memory_total(ours, key), memory_total(stock, key)
        return round(a / b, 2) if a and b else None

    return {
        "p50_1_conversation": ratio("sequential", "latency", "p50_ms"),
        "p95_1_conversation": ratio("sequential", "latency", "p95_ms"),
        "p95_20_conversations": ratio("concurrent", "latency", "p95_ms"),
        "throughput_20_conversations": ratio("concurrent", "throughput_msg_per_s"),
        "turns_0_19": ratio("long_conversation", "median_ms_by_turns", "0-19"),
        "turns_100_119": ratio("long_conversation", "median_ms_by_turns", "100-119"),
        "startup": ratio("startup", "first_answer_s"),
        "rss": memory("rss_kib"),
        "pss": memory("pss_kib"),
    }


def fmt(value, suffix: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}{suffix}"
    return f"{value}{suffix}"


def pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def table(results: Dict) -> str:
    q = results.get("quality", {})
    rows = []
    ours, default, tfidf = q.get("ours") or {}, q.get("rasa_default") or {}, q.get("tfidf_logreg") or {}

    def ent(scores: Dict) -> str:
        e = scores.get("entities")
        return "n/a" if not e else f"{e['value']['f1']:.3f} (span {e['span']['f1']:.3f})"

    for name, info in (q.get("sets") or {}).items():
        o, d, t = ours.get(name) or {}, default.get(name) or {}, tfidf.get(name) or {}
        rows.append(f"| held-out `{name}` ({info.get('messages')} messages: {info.get('about')}) | ours | Rasa default pipeline | TF-IDF + LogReg |")
        rows.append("|---|---|---|---|")
        rows.append(f"| intent accuracy (as `rasa test nlu`: fallback undone) | {pct(o.get('intent_accuracy'))} | {pct(d.get('intent_accuracy'))} | {pct(t.get('intent_accuracy'))} |")
        rows.append(f"| intent macro-F1 | {fmt(o.get('intent_macro_f1'), digits=3)} | {fmt(d.get('intent_macro_f1'), digits=3)} | {fmt(t.get('intent_macro_f1'), digits=3)} |")
        rows.append(f"| entity F1, type+value | {ent(o)} | {ent(d)} | {ent(t)} |")
        srv = lambda m: m.get("served") or {}  # noqa: E731
        rows.append(f"| intent accuracy as served (nlu_fallback counted wrong) | {pct(srv(o).get('intent_accuracy'))} ({fmt(srv(o).get('fallback_predictions'))} fallbacks) | "
                    f"{pct(srv(d).get('intent_accuracy'))} ({fmt(srv(d).get('fallback_predictions'))} fallbacks) | {pct(t.get('intent_accuracy'))} |")
        rows.append("")
    dt_info = q.get("rasa_default_training") or {}
    epochs = f", DIET {dt_info['diet_epochs']} epochs" + (" (capped)" if dt_info.get("epochs_capped") else "") if dt_info.get("diet_epochs") else ""
    rows.append(f"NLU training time: Rasa default pipeline {fmt(dt_info.get('train_seconds'), ' s')}{epochs}; TF-IDF {fmt(tfidf.get('train_seconds'), ' s')}; ours: see below.")
    cv = q.get("crossval") or {}
    if cv.get("intent_accuracy"):
        acc, f1 = cv["intent_accuracy"], cv.get("intent_f1") or {}
        rows.append(f"{cv['folds']}-fold cross-validation on the training data (ours): intent accuracy {pct(acc['mean'])} ± {100 * acc['std']:.1f}, "
                    f"F1 {fmt(f1.get('mean'), digits=3)} ± {fmt(f1.get('std'), digits=3)} ({fmt(cv.get('seconds'), ' s')})")
    else:
        rows.append(f"cross-validation: {cv.get('skipped') or cv.get('error') or 'not run'}")
    rows.append("")
    s = results.get("stack", {})
    seq, conc, parse = s.get("sequential") or {}, s.get("concurrent") or {}, s.get("model_parse") or {}
    sc = seq.get("scenarios") or {}
    rows.append("| our assistant over REST (127.0.0.1) | figure |")
    rows.append("|---|---|")
    rows.append(f"| held-out scenarios, right programme or contact first | {sc.get('passed', '—')}/{sc.get('scored', '—')} ({pct(sc.get('rate'))}) |")
    blind = s.get("blind") or {}
    for label, key in (("all", "all"), ("several turns", "several_turns")):
        b = blind.get(key) or {}
        rows.append(f"| blind end-to-end set (issue 10), {label}: right reply | {b.get('passed', '—')}/{b.get('total', '—')} ({pct(b.get('rate'))}) |")
    st = s.get("startup") or {}
    rows.append(f"| start-up to first answer (action server healthy) | {fmt(st.get('first_answer_s'), ' s')} ({fmt(st.get('action_server_s'), ' s')}) |")
    for label, run in (("1 conversation", seq), (f"{conc.get('concurrency', '—')} concurrent conversations", conc)):
        lat = run.get("latency") or {}
        rows.append(f"| full turn, {label} ({run.get('turns', 0)} turns): p50 / p95 / p99 | "
                    f"{fmt(lat.get('p50_ms'), ' ms')} / {fmt(lat.get('p95_ms'), ' ms')} / {fmt(lat.get('p99_ms'), ' ms')}; errors {run.get('errors', '—')} |")
    rows.append(f"| throughput at {conc.get('concurrency', '—')} concurrent conversations | {fmt(conc.get('throughput_msg_per_s'), ' msg/s', 2)} |")
    long = (s.get("long_conversation") or {}).get("median_ms_by_turns") or {}
    rows.append(f"| one conversation of 120 turns: median turns 0–19 / 100–119 (ratio) | {fmt(long.get('0-19'), ' ms')} / "
                f"{fmt(long.get('100-119'), ' ms')} ({fmt((s.get('long_conversation') or {}).get('ratio_100_119_vs_0_19'), digits=2)}) |")
    plat = parse.get("latency") or {}
    rows.append(f"| /model/parse ({parse.get('requests', 0)} requests): p50 / p95 | {fmt(plat.get('p50_ms'), ' ms')} / {fmt(plat.get('p95_ms'), ' ms')}; errors {parse.get('errors', '—')} |")
    mem = s.get("memory") or {}
    for name, label in (("rasa", "Rasa server"), ("actions", "action server")):
        peak = (mem.get(name) or {}).get("peak_rss_kib")
        rows.append(f"| peak RSS, {label} | {fmt(peak / 1024 if peak else None, ' MiB', 0)} |")
    pss, rss = memory_total(s, "pss_kib"), memory_total(s, "rss_kib")
    rows.append(f"| memory of the stack after the load: PSS (shared pages once) / RSS summed per process | "
                f"{fmt(pss / 1024 if pss else None, ' MiB', 0)} / {fmt(rss / 1024 if rss else None, ' MiB', 0)} |")
    rows += stage_rows(s.get("stage_timings") or {}, conc.get("concurrency"))
    stock, vs = results.get("stock_rasa") or {}, results.get("ours_vs_stock") or {}
    if stock:
        rows.append("")
        rows.append("| same model, same messages | ours | stock Rasa 3.6.21 | ours / stock |")
        rows.append("|---|---|---|---|")
        for label, path, key, suffix in (
                ("1 conversation p50", ("sequential", "latency", "p50_ms"), "p50_1_conversation", " ms"),
                ("1 conversation p95", ("sequential", "latency", "p95_ms"), "p95_1_conversation", " ms"),
                ("20 conversations p95", ("concurrent", "latency", "p95_ms"), "p95_20_conversations", " ms"),
                ("20 conversations throughput", ("concurrent", "throughput_msg_per_s"), "throughput_20_conversations", " msg/s"),
                ("median of turns 0–19", ("long_conversation", "median_ms_by_turns", "0-19"), "turns_0_19", " ms"),
                ("median of turns 100–119", ("long_conversation", "median_ms_by_turns", "100-119"), "turns_100_119", " ms"),
                ("start-up to first answer", ("startup", "first_answer_s"), "startup", " s")):
            a, b = s, stock
            for step in path:
                a, b = (a or {}).get(step), (b or {}).get(step)
            rows.append(f"| {label} | {fmt(a, suffix)} | {fmt(b, suffix)} | {fmt(vs.get(key), digits=2)} |")
        rows.append(f"| PSS of the stack after the load | | | {fmt(vs.get('pss'), digits=2)} |")
        rows.append(f"| RSS of the stack after the load (summed per process) | | | {fmt(vs.get('rss'), digits=2)} |")
        rows.append("")
    c = results.get("cost", {})
    train = c.get("training") or {}
    note = "" if train.get("measured") else f" (not measured in this run: {train.get('source', 'no figure')})"
    rows.append(f"| training, `rasa train --force` (NLU + dialogue) | {fmt(train.get('seconds'), ' s')}{note} |")
    size = c.get("venv_bytes")
    rows.append(f"| .venv install size | {fmt(size / 2**30 if size else None, ' GiB', 2)} |")
    return "\n".join(rows)


STAGE_LABELS = {"nlu": "NLU (graph run)", "prediction": "policy prediction", "action": "action server call",
                "tracker_read": "tracker store read", "tracker_write": "tracker store write",
                "other": "rest of the turn", "turn": "whole turn inside Rasa"}


def stage_rows(stages: Dict, concurrency) -> list:
    """Each stage of a turn inside the Rasa server (bot/stage_timings.py), for both phases."""
    phases = [(label, stages.get(key)) for key, label in (("sequential", "1 conversation"),
                                                            ("concurrent", f"{concurrency} conversations"))
              if stages.get(key)]
    if not phases:
        return []

    def pair(figures: Dict) -> str:
        return f"{fmt((figures or {}).get('p50_ms'), ' ms')} / {fmt((figures or {}).get('p95_ms'), ' ms')}"

    rows = ["", "| stage of a turn, inside the Rasa server | " + " | ".join(
        f"{label} ({summary.get('turns')} turns): calls per turn | per call p50 / p95 | per turn p50 / p95"
        for label, summary in phases) + " |", "|---|" + "---|---|---|" * len(phases)]
    for stage, label in STAGE_LABELS.items():
        cells = []
        for _, summary in phases:
            figures = (summary.get("stages") or {}).get(stage) or {}
            per_call = "per_call" in figures
            cells += [fmt(figures.get("calls_per_turn"), digits=2) if per_call else "",
                      pair(figures.get("per_call")) if per_call else "", pair(figures.get("per_turn"))]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def notes(results: Dict) -> list:
    found = []
    info = (results.get("quality") or {}).get("rasa_default_training") or {}
    for key in ("note", "error"):
        if info.get(key):
            found.append(f"Rasa default pipeline: {info[key]}")
    train = (results.get("cost") or {}).get("training") or {}
    if train.get("error"):
        found.append(f"training time: {train['error']}")
    elif not train.get("measured"):
        found.append(f"training time {train.get('source')}")
    found.append("both servers listen on 127.0.0.1 only; every request of the benchmark goes to 127.0.0.1")
    return found
