"""Custom actions of the assistant: thin wrappers that read slots, ask `knowledge` and reply in French."""
