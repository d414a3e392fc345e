"""The lab: a Textual app over the run engine. Never imports torch (runs train in a child process)."""
