"""The Europe Direct staff console: ask, browse the knowledge, review what the bot did not understand."""
