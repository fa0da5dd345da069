"""notify.dropped: what it says of dropped and of kept entries reads right."""

from djops.channels import dropped


def test_one_entry_per_project_and_channel_in_a_pass_whatever_the_reasons(sent):
    drops = dropped.Drops("ping")
    drops.add("p", "https://a.example/x", dropped.why_old(86400))
    drops.add("p", "https://a.example/x", dropped.why_full("pings"))
    drops.add("q", "https://a.example/x", dropped.why_old(86400))
    drops.report()
    assert [f["DJOPS_COUNT"] for _, f in sent] == ["2", "1"]
    assert sent[0][1]["DJOPS_REASON"] == "undelivered for 24 h; the queue held more than 1000 pings"


def test_kept_entries_are_said_with_where_they_are_and_the_mv_that_requeues_them(tmp_path, sent):
    drops = dropped.Drops("mail", str, kept=tmp_path / "q" / "given-up")
    drops.add("p", "root", dropped.why_old(86400), "down")
    drops.report()
    [(message, fields)] = sent
    assert message == (
        f"1 mail of p to root given up: undelivered for 24 h; kept in {tmp_path}/q/given-up/, "
        f"re-queue with: mv {tmp_path}/q/given-up/*.json {tmp_path}/q/"
    )
    assert fields["DJOPS_KEPT"] == f"{tmp_path}/q/given-up"
