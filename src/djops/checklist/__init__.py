"""`djops check P`: the deployment checklist, its items and the report."""
