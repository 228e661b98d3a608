"""Run in a fresh interpreter by tests/e2e/test_nlu_process.py: the NLU child's parse against Rasa's own.

Reads a JSON list of messages on stdin. As in the Rasa server, the NLU child is forked before any
model is loaded here; it parses every message; killed, it is forked again. Then the whole model is
loaded here (TensorFlow starts), each message is parsed by Rasa in this process, and the child is
killed once more: it is spawned afresh (a fork would hang). Prints the comparison as JSON.
"""

from __future__ import annotations

import json
import os
import signal
import sys

os.environ["RASA_TELEMETRY_ENABLED"] = "false"


def main() -> None:
    from bot import nlu_process, speedups
    from bot.settings import MODEL_PATH

    speedups.install()
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    texts = json.load(sys.stdin)
    messages = [UserMessage(text, None, f"check-{n}", metadata={"source": "check"}) for n, text in enumerate(texts)]
    worker = nlu_process.NluWorker()
    worker.start()
    parsed = [worker.parse(str(MODEL_PATH), message, True) for message in messages]

    def kill_and_parse_again() -> dict:
        os.kill(worker._process.pid, signal.SIGKILL)
        worker._process.join()
        return worker.parse(str(MODEL_PATH), messages[0], True)

    forked_again = kill_and_parse_again()
    _, metadata, runner = MessageProcessor._load_model(MODEL_PATH)

    class Processor:
        graph_runner = runner
        model_metadata = metadata

    expected = [MessageProcessor._parse_message_with_graph(
        Processor, message, DialogueStateTracker.from_events(message.sender_id, []), True) for message in messages]
    spawned_again = kill_and_parse_again()
    worker.stop()
    print(json.dumps({
        "compared": len(texts), "mismatches": [t for t, a, b in zip(texts, parsed, expected) if a != b],
        "restarts": worker.restarts, "same_after_restarts": forked_again == spawned_again == expected[0]}))


if __name__ == "__main__":
    main()
