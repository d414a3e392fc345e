"""The Visdom server process that `dllab visdom` starts: `python -m dllab.mirrors._server ARGS`.

Three things differ from `python -m visdom.server`:

* it calls `run_server.main()`, not `download_scripts_and_run()`: no CDN
  download, so it starts without internet (the download crashes offline);
* on SIGINT or SIGTERM it writes every env it holds to `-env_path`: visdom
  0.2.4 has no save at exit at all (0.3.0 saves at a clean exit only, and
  SIGTERM, here turned into a clean exit, used to skip it);
* envs it has not loaded are left alone: 0.2.4's `serialize_env` would
  overwrite an unloaded env's file with `null`.
"""

from __future__ import annotations

import importlib
import signal
import sys
from types import FrameType
from typing import Any


def save_envs(app: Any) -> list[str]:
    """Write every env the server has in memory to its env_path; return their ids."""
    if hasattr(app, "storage"):  # 0.3.x: run_server registers storage.save_all at exit itself
        return []
    utils: Any = importlib.import_module("visdom.utils.server_utils")  # untyped: keep it Any
    loaded = [
        eid
        for eid, env in list(app.state.items())
        if not (isinstance(env, utils.LazyEnvData) and env._raw_dict is None)
    ]
    return list(utils.serialize_env(app.state, loaded, env_path=app.env_path))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> None:
    """Run Visdom's server with `argv` (its single-dash flags) until SIGINT/SIGTERM."""
    app_module: Any = importlib.import_module("visdom.server.app")
    run_server: Any = importlib.import_module("visdom.server.run_server")

    apps: list[Any] = []
    original_init = app_module.Application.__init__

    def remember(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        apps.append(self)

    app_module.Application.__init__ = remember
    # a process started in the background by a non-interactive shell inherits SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    sys.argv = ["visdom", *argv]
    try:
        run_server.main()
    except KeyboardInterrupt:
        pass
    finally:
        for app in apps:
            saved = save_envs(app)
            if saved:
                print(f"saved envs: {', '.join(saved)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
