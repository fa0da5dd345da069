"""One module per action; each takes a Config and returns what to tell the user."""
