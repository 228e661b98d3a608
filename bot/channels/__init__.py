"""Custom Rasa input channels (referenced by module path in the credentials)."""
