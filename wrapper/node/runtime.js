// The nodejs runtime of ryax-wrapper: `node runtime.js --fd N`.
// Same protocol as python/ryax_wrapper/runtime.py (4-byte big-endian length
// then a JSON object, on the socket inherited as fd N). The handler is
// `module.exports` of ryax_handler.js (may be async). Sources are not
// supported for nodejs.
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');

const fd = Number(process.argv[process.argv.indexOf('--fd') + 1]);
const socket = new net.Socket({ fd, readable: true, writable: true });

let action = null;
let handler = null;
let home = process.cwd();
// HOME while no execution runs; each execution has its directory as HOME.
const replicaHome = process.env.HOME || '';
let pending = Buffer.alloc(0);
let busy = Promise.resolve();

function send(message) {
  const payload = Buffer.from(JSON.stringify(message));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  // stdout/stderr are pipes: node writes them synchronously, so every line
  // printed so far is in the pipe before this frame leaves.
  socket.write(Buffer.concat([header, payload]));
}

class Failure extends Error {
  constructor(kind, message, code = 0, traceback = '') {
    super(message);
    this.error = { kind, message, code, traceback };
  }
}

// The spellings of a boolean everywhere in ryax (man ryax(1)).
const BOOLEANS = { true: true, yes: true, 1: true, false: false, no: false, 0: false };

// An integer of ryax is 64-bit; a JavaScript number is exact only up to
// 2^53 - 1, so a larger one is refused rather than rounded (or wrapped).
function exactInteger(n) {
  if (!Number.isSafeInteger(n)) {
    throw new Error(`${n} is beyond the integers a JavaScript number holds exactly (-(2^53 - 1) to 2^53 - 1)`);
  }
  return n;
}

// A float of ryax is finite: JSON.stringify would send NaN and infinities as null.
function finite(n) {
  if (!Number.isFinite(n)) throw new Error(`${n} is not a finite number (NaN and infinities are refused)`);
  return n;
}

function convertInput(spec, value) {
  const t = spec.type;
  if (t === 'integer') {
    const n = typeof value === 'string' ? Number(value.trim()) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new Error(`expected an integer, got ${JSON.stringify(value)}`);
    return exactInteger(n);
  }
  if (t === 'float') {
    const n = typeof value === 'string' ? Number(value.trim()) : value;
    if (typeof n !== 'number' || Number.isNaN(n)) throw new Error(`expected a float, got ${JSON.stringify(value)}`);
    return finite(n);
  }
  if (t === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && Object.hasOwn(BOOLEANS, value.trim())) return BOOLEANS[value.trim()];
    throw new Error(`expected a boolean (true, yes, 1, false, no or 0), got ${JSON.stringify(value)}`);
  }
  if (['string', 'longstring', 'password', 'enum'].includes(t)) {
    if (typeof value === 'number') value = String(value);
    if (typeof value !== 'string') throw new Error('expected a string');
    const allowed = spec.enum_values || [];
    if (t === 'enum' && allowed.length && !allowed.includes(value)) throw new Error(`${value} is not one of ${allowed.join(', ')}`);
    return value;
  }
  if (t === 'file' || t === 'directory') {
    let st = null;
    try { st = fs.statSync(value); } catch (e) { st = null; }
    if (!st || (t === 'file' ? !st.isFile() : !st.isDirectory())) throw new Error(`${JSON.stringify(value)} is not a ${t}`);
    return value;
  }
  return value;
}

function convertInputs(given) {
  const values = {};
  for (const spec of action.inputs) {
    let value = given[spec.name];
    if ((value === undefined) && spec.default_value !== null && spec.default_value !== undefined) value = spec.default_value;
    if (value === undefined || value === null) {
      if (!spec.optional) throw new Failure('invalid_input', `input "${spec.name}": a value is required`);
      values[spec.name] = null;
      continue;
    }
    try {
      values[spec.name] = convertInput(spec, value);
    } catch (e) {
      throw new Failure('invalid_input', `input "${spec.name}" (${spec.type}): ${e.message}`);
    }
  }
  return values;
}

function inside(p, root) {
  return p === root || p.startsWith(root + path.sep);
}

function checkOutput(spec, value, workdir, destination) {
  const t = spec.type;
  if (t === 'integer' && !Number.isInteger(value)) throw new Error('expected an integer');
  if (t === 'integer') exactInteger(value);
  if (t === 'float' && typeof value !== 'number') throw new Error('expected a float');
  if (t === 'float') finite(value);
  if (t === 'boolean' && typeof value !== 'boolean') throw new Error('expected a boolean');
  if (['string', 'longstring', 'password', 'enum'].includes(t) && typeof value !== 'string') throw new Error('expected a string');
  if (t === 'file' || t === 'directory') {
    const root = fs.realpathSync(workdir);
    const real = fs.realpathSync(path.resolve(workdir, String(value)));
    if (!inside(real, root)) throw new Error(`path "${value}" is outside the working directory`);
    const target = path.join(destination, spec.name, path.basename(real));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (t === 'file') fs.copyFileSync(real, target);
    else fs.cpSync(real, target, { recursive: true, dereference: false });
    return target;
  }
  return value;
}

function checkOutputs(result, workdir, outdir) {
  const sets = Array.isArray(result) ? result : [result === undefined || result === null ? {} : result];
  return sets.map((values, index) => {
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new Failure('invalid_output', 'expected an object of outputs');
    }
    const destination = Array.isArray(result) ? path.join(outdir, String(index)) : outdir;
    const checked = {};
    for (const spec of action.outputs) {
      const value = values[spec.name];
      if (value === undefined || value === null) {
        if (!spec.optional) throw new Failure('invalid_output', `output "${spec.name}" is missing`);
        checked[spec.name] = null;
        continue;
      }
      try {
        checked[spec.name] = checkOutput(spec, value, workdir, destination);
      } catch (e) {
        throw new Failure('invalid_output', `output "${spec.name}" (${spec.type}): ${e.message}`);
      }
    }
    return checked;
  });
}

function exceptionError(e) {
  const traceback = (e && e.stack) ? String(e.stack) : String(e);
  if (e && e.constructor && e.constructor.name === 'RyaxException' && 'message' in e && 'code' in e) {
    return { kind: 'ryax_exception', message: String(e.message), code: Number(e.code) || 0, traceback };
  }
  process.stderr.write(traceback + '\n');
  return { kind: 'user_exception', message: e && e.message !== undefined ? `${e.name}: ${e.message}` : String(e), code: 0, traceback };
}

async function execute(message) {
  let handlerNs = 0;
  try {
    const inputs = convertInputs(message.inputs);
    process.chdir(message.workdir);
    process.env.HOME = message.workdir;
    const start = process.hrtime.bigint();
    let result;
    try {
      result = await handler(inputs);
    } catch (e) {
      handlerNs = Number(process.hrtime.bigint() - start);
      throw new Failure(...Object.values(exceptionError(e)));
    }
    handlerNs = Number(process.hrtime.bigint() - start);
    send({ ev: 'result', outputs: checkOutputs(result, message.workdir, message.outdir), list: Array.isArray(result), handler_ns: handlerNs });
  } catch (e) {
    const error = e instanceof Failure ? e.error : exceptionError(e);
    send({ ev: 'error', ...error, handler_ns: handlerNs });
  } finally {
    process.chdir(home);
    process.env.HOME = replicaHome;
  }
}

function init(message) {
  action = message.action;
  home = message.action_dir;
  process.chdir(home);
  try {
    if (action.kind === 'Source') throw new Error('sources are not supported for nodejs');
    handler = require(path.join(home, 'ryax_handler.js'));
    if (typeof handler !== 'function') throw new Error('module.exports of ryax_handler.js is not a function');
    send({ ev: 'ready', version: process.versions.node, executable: process.execPath });
  } catch (e) {
    send({ ev: 'init_error', message: String(e && e.message), traceback: String(e && e.stack) });
  }
}

function dispatch(message) {
  if (message.op === 'init') init(message);
  else if (message.op === 'execute') busy = busy.then(() => execute(message));
  else if (message.op === 'source') send({ ev: 'error', kind: 'runtime_crashed', message: 'sources are not supported for nodejs', code: 0, traceback: '' });
}

socket.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 4) {
    const size = pending.readUInt32BE(0);
    if (pending.length < 4 + size) break;
    const payload = pending.subarray(4, 4 + size);
    pending = pending.subarray(4 + size);
    dispatch(JSON.parse(payload.toString('utf8')));
  }
});
socket.on('end', () => process.exit(0));
socket.on('error', () => process.exit(0));
