"""The text of `djops migrate-cron`: each job with where it came from and
what changes with it, then every other line of P's cron files with what
happens to it. An admin reads it as the whole list of what stays in cron."""

from djops.config.write import toml_value
from djops.migrate.jobtable import Job, Plan


def jobs(planned: list[Job]) -> list[str]:
    out = []
    for j in planned:
        keys = ", ".join(f"{k} = {toml_value(v)}" for k, v in j.table.items())
        out += [f"  {j.found.where}  {j.old}", f"      ->  [jobs.{j.name}] {keys}"]
        out += [f"      ({n})" for n in j.notes]
    return out


def rest(plan: Plan, p: str) -> list[str]:
    out = []
    if plan.refused:
        out.append("left in place (no job can say the same; translate these by hand):")
        for r in plan.refused:
            out += [f"  {r.where}  {r.old}", f"      ({r.reason})"]
            if r.offer:
                out.append(
                    "      to run it as a job instead, add to the config and comment out the line:"
                )
                out += [f"        {ln}" for ln in r.offer.splitlines()]
    if plan.settings:
        out.append("variables (cron sets them for the lines below them):")
        out += [f"  {s.where}  {s.old}\n      ({s.reason})" for s in plan.settings]
    if plan.others:
        out.append(f"not {p}'s, in the same files (left as they are):")
        out += [f"  {o.where}  {o.old}" for o in plan.others]
    return out
