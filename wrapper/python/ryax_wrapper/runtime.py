"""The python runtime of ryax-wrapper.

Started once per wrapper as ``python3 -m ryax_wrapper.runtime --fd N`` with
the shipped package and the action directory on PYTHONPATH. It talks to the
wrapper over the socket inherited as fd N with frames: a 4-byte big-endian
length then a JSON object. Requests (``op``): ``init``, ``execute``,
``source``, and ``ack`` while a source runs. Replies (``ev``):
``ready``/``init_error``; ``result``/``error`` for an execution;
``run``/``run_error`` (each with a ``seq``, answered by an ``ack`` with the
same ``seq``, a ``run_id`` and an ``error``) then ``done``/``error`` for a
source.
User output goes to fds 1 and 2, which are pipes read by the wrapper; both
streams are flushed before each reply so the wrapper sees every line of an
execution before its result.
"""

import asyncio
import errno
import importlib
import inspect
import json
import math
import os
import platform
import shutil
import socket
import struct
import sys
import time
import traceback

_HEADER = struct.Struct(">I")
_CHUNK = 65536

# json.dumps(message, default=str) builds an encoder per call; this is the
# same encoder, built once.
_ENCODER = json.JSONEncoder(default=str)


class Channel:
    """Frames over the inherited socket."""

    def __init__(self, fd):
        self.sock = socket.socket(fileno=fd)
        self._pending = b""  # bytes received beyond the last frame

    def recv(self):
        # One recv() brings a whole request in the common case.
        data = self._pending
        while len(data) < 4:
            chunk = self.sock.recv(_CHUNK)
            if not chunk:
                return None
            data += chunk
        (size,) = _HEADER.unpack_from(data)
        end = 4 + size
        if len(data) < end:
            chunks = [data]
            have = len(data)
            while have < end:
                chunk = self.sock.recv(max(_CHUNK, end - have))
                if not chunk:
                    return None
                chunks.append(chunk)
                have += len(chunk)
            data = b"".join(chunks)
        self._pending = data[end:]
        return json.loads(data[4:end].decode("utf-8", "surrogatepass"))

    def send(self, message):
        _flush_user_streams()
        payload = _ENCODER.encode(message).encode()
        if len(payload) > _MAX_FRAME:
            raise FrameTooLarge(len(payload))
        self.sock.sendall(_HEADER.pack(len(payload)) + payload)


# The largest frame ryax-wrapper reads (k_max_frame_bytes), less room for
# the envelope of its reply to ryaxd.
_MAX_FRAME = 63 * 1024 * 1024


class FrameTooLarge(Exception):
    """A message larger than the wrapper reads."""


def _too_large_error(outputs, size):
    """The invalid_output error of outputs that do not fit in a frame."""
    sizes = {}
    for output_set in outputs:
        for name, value in output_set.items():
            sizes[name] = sizes.get(name, 0) + len(_ENCODER.encode(value))
    largest = sorted(sizes, key=sizes.get, reverse=True)[:3]
    shown = ", ".join(f'"{n}" {sizes[n] / 1048576:.1f} MiB' for n in largest)
    return {
        "ev": "error",
        "kind": "invalid_output",
        "message": f"the outputs take {size / 1048576:.1f} MiB, more than the "
        f"{_MAX_FRAME >> 20} MiB a step's values may hold (largest: {shown}): "
        "return large data as a file output",
        "code": 0,
        "traceback": "",
    }


def _flush_user_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a user replaced or closed the stream
            pass


class InvalidValue(Exception):
    """A value that does not match its declared type."""


class Failure(Exception):
    """An execution error with its kind."""

    def __init__(self, kind, message, code=0, tb=""):
        super().__init__(message)
        self.error = {"kind": kind, "message": message, "code": code, "traceback": tb}


_STRING_TYPES = ("string", "longstring", "password")


# The spellings of a boolean everywhere in ryax (ryax --input, the HTTP API,
# variables): man ryax(1).
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def _int64(value):
    """An integer of ryax is 64-bit: a larger one is refused, never wrapped."""
    if not _INT64_MIN <= value <= _INT64_MAX:
        shown = str(value) if len(str(value)) <= 40 else f"an integer of {len(str(abs(value)))} digits"
        raise InvalidValue(f"{shown} is outside 64-bit integers ({_INT64_MIN} to {_INT64_MAX})")
    return value


def _finite(value):
    """A float of ryax is finite: NaN and infinities are refused."""
    try:
        number = float(value)
    except OverflowError:
        raise InvalidValue(f"an integer of {len(str(abs(value)))} digits is beyond a 64-bit float's range") from None
    if not math.isfinite(number):
        raise InvalidValue(f"{value!r} is not a finite number (NaN and infinities are refused)")
    return number


def _convert_input(spec, value):
    kind = spec["type"]
    if kind == "integer":
        if isinstance(value, bool):
            raise InvalidValue("expected an integer, got a boolean")
        if isinstance(value, int):
            return _int64(value)
        if isinstance(value, float) and value.is_integer():
            return _int64(int(value))
        if isinstance(value, str):
            try:
                return _int64(int(value.strip()))
            except ValueError:
                pass
        raise InvalidValue(f"expected an integer, got {value!r}")
    if kind == "float":
        if isinstance(value, bool):
            raise InvalidValue("expected a float, got a boolean")
        if isinstance(value, (int, float)):
            return _finite(value)
        if isinstance(value, str):
            try:
                return _finite(float(value.strip()))
            except ValueError:
                pass
        raise InvalidValue(f"expected a float, got {value!r}")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip() in _BOOLEANS:
            return _BOOLEANS[value.strip()]
        raise InvalidValue(f"expected a boolean (true, yes, 1, false, no or 0), got {value!r}")
    if kind in _STRING_TYPES or kind == "enum":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InvalidValue(f"expected a string, got {type(value).__name__}")
        allowed = spec.get("enum_values") or []
        if kind == "enum" and allowed and value not in allowed:
            raise InvalidValue(f"{value!r} is not one of {', '.join(allowed)}")
        return value
    if kind == "file":
        if not isinstance(value, str) or not os.path.isfile(value):
            raise InvalidValue(f"{value!r} is not a file")
        return value
    if kind == "directory":
        if not isinstance(value, str) or not os.path.isdir(value):
            raise InvalidValue(f"{value!r} is not a directory")
        return value
    return value  # bytes, table: opaque


def convert_inputs(specs, given):
    if not isinstance(given, dict):
        raise Failure("invalid_input", "the inputs are not a JSON object")
    values = {}
    for spec in specs:
        name = spec["name"]
        value = given.get(name)
        if value is None and name not in given and spec.get("default_value") is not None:
            value = spec["default_value"]
        if value is None:
            if not spec.get("optional"):
                raise Failure("invalid_input", f'input "{name}": a value is required')
            values[name] = None
            continue
        try:
            values[name] = _convert_input(spec, value)
        except InvalidValue as e:
            raise Failure("invalid_input", f'input "{name}" ({spec["type"]}): {e}') from None
    return values


def _inside(path, root):
    return path == root or path.startswith(root + os.sep)


def _stored(name, value, copy):
    """Run copy(); a full disk is the data dir's fault, not the code's."""
    try:
        copy()
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise Failure(
                "storage_error",
                f'output "{name}": cannot collect "{value}": no space left on the '
                "data dir's device (free space, e.g. with ryax runs rm)",
            ) from None
        raise


def _link_or_copy(source, target):
    """A hard link (no copy, no space) where the file system allows it."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _collect_path(name, kind, value, workdir, destination):
    if not isinstance(value, (str, os.PathLike)):
        raise InvalidValue(f"expected a path, got {type(value).__name__}")
    path = os.path.join(workdir, os.fspath(value))
    real_root = os.path.realpath(workdir)
    real = os.path.realpath(path)
    if not _inside(real, real_root):
        raise InvalidValue(f'path "{value}" is outside the working directory')
    if kind == "file":
        if not os.path.isfile(real):
            raise InvalidValue(f'"{value}" is not a file')
        os.makedirs(destination, exist_ok=True)
        target = os.path.join(destination, os.path.basename(real))
        _stored(name, value, lambda: _link_or_copy(real, target))
        return target
    if not os.path.isdir(real):
        raise InvalidValue(f'"{value}" is not a directory')
    for top, dirs, files in os.walk(real):
        for entry in dirs + files:
            full = os.path.join(top, entry)
            if os.path.islink(full) and not _inside(os.path.realpath(full), real_root):
                raise InvalidValue(f'"{os.path.relpath(full, real)}" links outside the working directory')
    target = os.path.join(destination, os.path.basename(real) or name)
    os.makedirs(destination, exist_ok=True)
    _stored(name, value, lambda: shutil.copytree(real, target, copy_function=_link_or_copy))
    return target


def _check_output(spec, value, workdir, destination):
    kind = spec["type"]
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValue(f"expected an integer, got {type(value).__name__}")
        return _int64(value)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidValue(f"expected a float, got {type(value).__name__}")
        return _finite(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidValue(f"expected a boolean, got {type(value).__name__}")
        return value
    if kind in _STRING_TYPES or kind == "enum":
        if not isinstance(value, str):
            raise InvalidValue(f"expected a string, got {type(value).__name__}")
        allowed = spec.get("enum_values") or []
        if kind == "enum" and allowed and value not in allowed:
            raise InvalidValue(f"{value!r} is not one of {', '.join(allowed)}")
        return value
    if kind in ("file", "directory"):
        return _collect_path(spec["name"], kind, value, workdir, os.path.join(destination, spec["name"]))
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidValue(f"{type(value).__name__} is not JSON-serialisable") from None
    return value


def check_output_set(action, values, workdir, destination):
    if not isinstance(values, dict):
        raise Failure("invalid_output", f"expected a dict of outputs, got {type(values).__name__}")
    if action.get("dynamic_outputs") and not action["outputs"]:
        try:
            json.dumps(values, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise Failure("invalid_output", f"outputs are not JSON-serialisable: {e}") from None
        return values
    checked = {}
    for spec in action["outputs"]:
        name = spec["name"]
        value = values.get(name)
        if value is None:
            if not spec.get("optional"):
                what = "is missing" if name not in values else "is None"
                raise Failure("invalid_output", f'output "{name}" {what}')
            checked[name] = None
            continue
        try:
            checked[name] = _check_output(spec, value, workdir, destination)
        except InvalidValue as e:
            raise Failure("invalid_output", f'output "{name}" ({spec["type"]}): {e}') from None
    return checked


def check_outputs(action, result, workdir, outdir):
    if result is None:
        result = {}
    if isinstance(result, dict):
        return [check_output_set(action, result, workdir, outdir)]
    if isinstance(result, (list, tuple)):
        return [
            check_output_set(action, item, workdir, os.path.join(outdir, str(index)))
            for index, item in enumerate(result)
        ]
    raise Failure(
        "invalid_output",
        f"the handler returned {type(result).__name__}: expected a dict or a list of dicts",
    )


def exception_error(error):
    tb = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    if type(error).__name__ == "RyaxException" and hasattr(error, "message") and hasattr(error, "code"):
        try:
            code = int(error.code)
        except (TypeError, ValueError):
            code = 0
        return {"kind": "ryax_exception", "message": str(error.message), "code": code, "traceback": tb}
    sys.stderr.write(tb)
    kind = "memory_limit_exceeded" if isinstance(error, MemoryError) else "user_exception"
    message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return {"kind": kind, "message": message, "code": 0, "traceback": tb}


def _call(function, *args):
    result = function(*args)
    if result is None or type(result) is dict or type(result) is list:
        return result  # the common results, never awaitable
    if inspect.isawaitable(result):
        result = asyncio.run(_await(result))
    return result


async def _await(awaitable):
    return await awaitable


def _enter(workdir):
    """Make the execution's directory the working directory and HOME."""
    os.chdir(workdir)
    os.environ["HOME"] = workdir


class Runtime:
    def __init__(self, channel):
        self.channel = channel
        self.action = None
        self.module = None
        self.home = os.getcwd()
        self.replica_home = os.environ.get("HOME", "")

    def init(self, message):
        self.action = message["action"]
        action_dir = message["action_dir"]
        module_name = "ryax_run" if self.action["kind"] == "Source" else "ryax_handler"
        entry = "run" if module_name == "ryax_run" else "handle"
        os.chdir(action_dir)
        self.home = action_dir
        try:
            self.module = importlib.import_module(module_name)
            if not callable(getattr(self.module, entry, None)):
                raise AttributeError(f"{module_name}.py defines no {entry}() function")
        except BaseException as e:  # the user's import may raise anything
            tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
            self.channel.send({"ev": "init_error", "message": f"{type(e).__name__}: {e}", "traceback": tb})
            return
        self.channel.send({"ev": "ready", "version": platform.python_version(), "executable": sys.executable})

    def execute(self, message):
        handler_ns = 0
        try:
            inputs = convert_inputs(self.action["inputs"], message["inputs"])
            _enter(message["workdir"])
            start = time.perf_counter_ns()
            try:
                result = _call(self.module.handle, inputs)
            except BaseException as e:
                handler_ns = time.perf_counter_ns() - start
                raise Failure(**_failure_args(exception_error(e))) from None
            handler_ns = time.perf_counter_ns() - start
            outputs = check_outputs(self.action, result, message["workdir"], message["outdir"])
            reply = {
                "ev": "result",
                "outputs": outputs,
                "list": isinstance(result, (list, tuple)),
                "handler_ns": handler_ns,
            }
        except Failure as f:
            reply = {"ev": "error", **f.error, "handler_ns": handler_ns}
        except Exception as e:  # a bug of ours or an unserialisable value
            reply = {"ev": "error", **exception_error(e), "handler_ns": handler_ns}
        finally:
            os.chdir(self.home)
            os.environ["HOME"] = self.replica_home
        try:
            self.channel.send(reply)
        except FrameTooLarge as e:
            error = _too_large_error(reply.get("outputs", []), e.args[0])
            self.channel.send({**error, "handler_ns": handler_ns})

    def source(self, message):
        service = SourceService(self, message["workdir"], message["outdir"])
        try:
            inputs = convert_inputs(self.action["inputs"], message["inputs"])
            _enter(message["workdir"])
            try:
                _call(self.module.run, service, inputs)
            except Failure:
                raise
            except BaseException as e:
                raise Failure(**_failure_args(exception_error(e))) from None
            reply = {"ev": "done"}
        except Failure as f:
            reply = {"ev": "error", **f.error}
        finally:
            os.chdir(self.home)
            os.environ["HOME"] = self.replica_home
        self.channel.send(reply)


def _failure_args(error):
    return {"kind": error["kind"], "message": error["message"], "code": error["code"], "tb": error["traceback"]}


class _Completed:
    """An awaitable that is already done: create_run works with or without await."""

    def __init__(self, value=None):
        self.value = value

    def __await__(self):
        return self.value
        yield  # noqa: unreachable, makes this a generator


class RunNotCreated(Exception):
    """Raised by ``create_run`` when ryaxd did not create the run."""


class SourceService:
    """The ``service`` given to a source's ``run`` (RyaxSourceProtocol)."""

    def __init__(self, runtime, workdir, outdir):
        self._runtime = runtime
        self._workdir = workdir
        self._outdir = outdir
        self._runs = 0
        self._seq = 0

    def _acknowledged(self, event):
        """Send ``event`` and wait for its ack: the run is stored when it comes."""
        self._seq += 1
        event["seq"] = self._seq
        self._runtime.channel.send(event)
        while True:
            message = self._runtime.channel.recv()
            if message is None:
                raise SystemExit("ryax-wrapper went away")
            if message.get("op") == "ack" and message.get("seq") == self._seq:
                break
        if message.get("error"):
            raise RunNotCreated(message["error"])
        return message.get("run_id", "")

    def create_run(self, data, running_time=0.001, status=1):
        """Start a run; returns its id once ryaxd stored it (raises RunNotCreated)."""
        destination = os.path.join(self._outdir, str(self._runs))
        checked = check_output_set(self._runtime.action, data, self._workdir, destination)
        self._runs += 1
        run_id = self._acknowledged(
            {"ev": "run", "data": checked, "running_time": float(running_time), "status": int(status)}
        )
        return _Completed(run_id)

    def create_run_error(self, *args, **kwargs):
        self._acknowledged({"ev": "run_error", "message": ""})
        return _Completed()

    def get_output_definitions(self):
        return list(self._runtime.action["outputs"])


def main():
    fd = int(sys.argv[sys.argv.index("--fd") + 1])
    channel = Channel(fd)
    runtime = Runtime(channel)
    while True:
        message = channel.recv()
        if message is None:
            return
        op = message.get("op")
        if op == "init":
            runtime.init(message)
        elif op == "execute":
            runtime.execute(message)
        elif op == "source":
            runtime.source(message)


if __name__ == "__main__":
    main()
