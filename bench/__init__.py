"""`make bench`: quality, latency and cost of the assistant, measured side by side (see bench/run.py)."""
