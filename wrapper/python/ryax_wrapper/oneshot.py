"""One execution of an action, outside a wrapper (Slurm batch jobs).

Run in the execution directory as
``python3 -m ryax_wrapper.oneshot --action-dir DIR`` (handler) or
``python3 -m ryax_wrapper.oneshot --collect-env`` (after a custom script)
with ``request.json`` beside it: ``{"action": <metadata>, "inputs": {...}}``.
Writes ``result.json`` (atomically): the same object as the runtime's final
reply (``{"ev": "result", "outputs": [...], "list": bool}`` or
``{"ev": "error", "kind", "message", ...}``). Collected files go to ``out/``.
Exit status 0 whenever result.json was written.
"""

import json
import os
import sys

from ryax_wrapper.runtime import Failure, InvalidValue, Runtime, _convert_input, check_outputs


class _Reply:
    """Keeps the runtime's replies instead of sending them on a socket."""

    def __init__(self):
        self.messages = []

    def send(self, message):
        self.messages.append(message)


def _write_result(here, reply):
    """result.json in `here` (the runtime changes directory as it runs)."""
    target = os.path.join(here, "result.json")
    with open(target + ".tmp", "w", encoding="utf-8") as out:
        json.dump(reply, out, default=str)
    os.replace(target + ".tmp", target)


def _run_handler(request, action_dir):
    reply = _Reply()
    runtime = Runtime(reply)
    here = os.getcwd()
    sys.path.insert(0, action_dir)
    runtime.init({"action": request["action"], "action_dir": action_dir})
    if reply.messages[-1]["ev"] == "init_error":
        failed = reply.messages[-1]
        sys.stderr.write(failed.get("traceback", ""))
        return {
            "ev": "error",
            "kind": "runtime_crashed",
            "message": "the action's code does not load: " + failed["message"],
            "code": 0,
            "traceback": failed.get("traceback", ""),
            "handler_ns": 0,
        }
    os.chdir(here)
    runtime.execute({
        "inputs": request["inputs"],
        "workdir": os.path.join(here, "work"),
        "outdir": os.path.join(here, "out"),
    })
    return reply.messages[-1]


def _collect_env(request):
    """Outputs are the variables the custom script exported."""
    action = request["action"]
    values = {}
    try:
        for spec in action.get("outputs", []):
            name = spec["name"]
            if name not in os.environ:
                continue
            value = os.environ[name]
            if spec["type"] in ("integer", "float", "boolean"):
                try:
                    value = _convert_input(spec, value)
                except InvalidValue as e:
                    raise Failure("invalid_output", f'output "{name}": {e}') from None
            values[name] = value
        # The custom script's working directory is the execution directory.
        here = os.getcwd()
        outputs = check_outputs(action, values, here, os.path.join(here, "out"))
    except Failure as f:
        return {"ev": "error", **f.error, "handler_ns": 0}
    return {"ev": "result", "outputs": outputs, "list": False, "handler_ns": 0}


def main():
    here = os.getcwd()
    with open("request.json", encoding="utf-8") as f:
        request = json.load(f)
    os.makedirs("work", exist_ok=True)
    os.makedirs("out", exist_ok=True)
    if "--collect-env" in sys.argv:
        reply = _collect_env(request)
    else:
        action_dir = sys.argv[sys.argv.index("--action-dir") + 1]
        reply = _run_handler(request, action_dir)
    sys.stdout.flush()
    sys.stderr.flush()
    _write_result(here, reply)


if __name__ == "__main__":
    main()
