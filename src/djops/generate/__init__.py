"""Files made at package build from the code itself: the journal catalog,
the man page, bash completion and the example config."""
