"""What every health check returns and how long it may wait."""

# (ok, one line)
Result = tuple[bool, str]
# the longest a check waits on the network (seconds)
TIMEOUT = 10.0
