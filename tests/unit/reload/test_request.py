"""The watcher's reload request: it reads the result of the run it started."""

import threading
import time


def test_the_watcher_takes_its_own_reloads_result_not_one_typed_meanwhile(monkeypatch, sent):
    """The watcher's reload is rejected; a `djops reload P` typed while it
    ran is applied, and its systemctl returns first: each says its own."""
    from fakesystemd import Systemd, install

    from djops.events import RELOAD_RESULT
    from djops.reload import request
    from djops.systemd import oneshot

    install(monkeypatch, Systemd({"i1": "reload.rejected", "i2": "reload.applied"}, late=0.4))
    got: dict[str, str] = {}

    def typed() -> None:
        cfg = type("Cfg", (), {"name": "shop"})()
        got["typed"] = oneshot.run(cfg, "djops-reload@shop.service", RELOAD_RESULT)

    watcher = threading.Thread(
        target=lambda: got.update(watcher=request.apply("shop", ["x"], "/etc/opt/shop"))
    )
    watcher.start()
    time.sleep(0.05)
    root = threading.Thread(target=typed)
    root.start()
    watcher.join()
    root.join()
    assert got == {"watcher": "rejected", "typed": "reload.applied by i2"}
