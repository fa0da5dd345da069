"""The health service: probes, the escalation ladder, its state, the heartbeat."""
