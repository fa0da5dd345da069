"""Settings changes: the watcher (watch, watched_project, fswatch,
debounce), what it compares (snapshot), the reload it asks for (request)
and the validated reload itself (steps: compile, validate, apply, in one
process of djops-reload@P.service), which applies each restart mode, the
hand-over among them (handover, standin_units); what a reload changed,
said short (changes); and the restarts that refuse connections, with the
lines that stop it (refusals)."""
