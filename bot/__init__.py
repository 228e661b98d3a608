"""Runtime package of the twinning-funding assistant: settings, training data and run helpers."""
