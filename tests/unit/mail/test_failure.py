from djops.mail import failure


def test_the_failed_unit_names_its_project(project, confdir):
    assert failure.project_of("djops-clearsessions@shop.service") == "shop"
    assert failure.project_of("djops-watch@shop.service") == "shop"
    (confdir / "shop.toml").write_text('[project]\nservice = "gunicorn-shop.service"\n')
    assert failure.project_of("gunicorn-shop.service") == "shop"
    assert failure.project_of("other.service") == "unknown", "never a made-up name"
