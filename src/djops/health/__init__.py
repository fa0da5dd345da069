"""The health service: djops-health.service (host) runs each project's round
(project_round): its probes, one incident and its escalation ladder, the
state it keeps; and the heartbeat that reports it."""
