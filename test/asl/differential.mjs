// differential.mjs runs the conformance corpus (test/asl/cases) through the
// independent npm engine aws-local-stepfunctions (pinned in package.json) and
// prints one JSON object per line:
//
//   {"case": NAME, "status": ..., "output": ..., "error": ..., "cause": ...}
//
// status is SUCCEEDED, FAILED, TIMED_OUT, ABORTED, DEFINITION_ERROR (the engine
// rejected the definition) or SKIPPED (goOnly cases). It needs Node 22
// (node_modules/.bin/node): aws-local-stepfunctions 3.0.0 requires it.
//
// Usage: node_modules/.bin/node test/asl/differential.mjs [CASES_DIR] [CASE...]
//
// Mocks (Step Functions Local mock configuration format) become
// overrides.taskResourceLocalHandlers: invocation N of a state returns the
// response whose key is "N" or a range "A-B" containing N; a Throw becomes a
// thrown Error whose name is the mock's Error and whose message is its Cause,
// which is what the engine reports as {Error, Cause}. Wait states and retry
// intervals are overridden to 0 ms so the run takes no wall time, except in
// cases whose case.json sets "npmRealWaits": true (execution timeouts).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  StateMachine,
  ExecutionError,
  ExecutionTimeoutError,
  ExecutionAbortedError,
} from 'aws-local-stepfunctions';

const here = dirname(fileURLToPath(import.meta.url));
const casesDir = process.argv[2] ?? join(here, 'cases');
const only = new Set(process.argv.slice(3));

function readJSON(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// statesOf yields [name, state] for every state, recursing into Parallel
// branches and Map processors (names are unique per scope; overrides are keyed
// by name only, which is fine for the corpus).
function* statesOf(def) {
  for (const [name, state] of Object.entries(def.States ?? {})) {
    yield [name, state];
    for (const b of state.Branches ?? []) yield* statesOf(b);
    const proc = state.ItemProcessor ?? state.Iterator;
    if (proc) yield* statesOf(proc);
  }
}

function responseFor(responses, n) {
  for (const [key, resp] of Object.entries(responses)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(key);
    if (!m) throw new Error(`mock response key ${JSON.stringify(key)} is not "N" or "A-B"`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (n >= lo && n <= hi) return resp;
  }
  return undefined;
}

function handlersFrom(mocks, smName, testCase) {
  const handlers = {};
  if (!mocks) return handlers;
  const tc = mocks.StateMachines?.[smName]?.TestCases?.[testCase];
  if (!tc) throw new Error(`mocks.json has no StateMachines.${smName}.TestCases.${testCase}`);
  for (const [state, respName] of Object.entries(tc)) {
    const responses = mocks.MockedResponses?.[respName];
    if (!responses) throw new Error(`mocks.json: state ${state} names unknown response ${respName}`);
    let calls = 0;
    handlers[state] = async () => {
      const n = calls++;
      const resp = responseFor(responses, n);
      if (!resp) throw new Error(`mock ${respName} has no response for invocation ${n}`);
      if ('Throw' in resp) {
        const err = new Error(resp.Throw.Cause ?? '');
        err.name = resp.Throw.Error;
        throw err;
      }
      return resp.Return;
    };
  }
  return handlers;
}

async function runCase(name) {
  const dir = join(casesDir, name);
  const meta = existsSync(join(dir, 'case.json')) ? readJSON(join(dir, 'case.json')) : {};
  if (meta.goOnly) return { case: name, status: 'SKIPPED' };
  const definition = readJSON(join(dir, 'definition.asl.json'));
  const input = readJSON(join(dir, 'input.json'));
  const mocks = existsSync(join(dir, 'mocks.json')) ? readJSON(join(dir, 'mocks.json')) : undefined;

  // Schema validation (asl-validator, ~85 ms per definition) is the static
  // check's job (test/static); here it runs only for the cases that are meant
  // to be rejected, to record what the npm engine does with them.
  const options = meta.invalid ? undefined : { validationOptions: { noValidate: true } };
  let machine;
  try {
    machine = new StateMachine(definition, options);
  } catch (err) {
    return { case: name, status: 'DEFINITION_ERROR', output: null, error: String(err?.message ?? err), cause: null };
  }
  const waitTimeOverrides = {};
  const retryIntervalOverrides = {};
  for (const [stateName, state] of statesOf(definition)) {
    if (state.Type === 'Wait' && !meta.npmRealWaits) waitTimeOverrides[stateName] = 0;
    if (state.Retry) retryIntervalOverrides[stateName] = 0;
  }
  try {
    const execution = machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: handlersFrom(mocks, meta.stateMachineName ?? name, meta.testCase ?? 'Default'),
        waitTimeOverrides,
        retryIntervalOverrides,
      },
      // The npm engine's default context object holds only Execution.Input and
      // Execution.StartTime; the state machine's name is known to the caller.
      context: { StateMachine: { Name: meta.stateMachineName ?? name } },
    });
    const output = await execution.result;
    return { case: name, status: 'SUCCEEDED', output: output ?? null, error: null, cause: null };
  } catch (err) {
    if (err instanceof ExecutionTimeoutError) return { case: name, status: 'TIMED_OUT', output: null, error: null, cause: null };
    if (err instanceof ExecutionAbortedError) return { case: name, status: 'ABORTED', output: null, error: null, cause: null };
    if (err instanceof ExecutionError) {
      const inner = err.cause ?? {};
      const cause = typeof inner.message === 'string' ? inner.message : JSON.stringify(inner.message ?? null);
      return { case: name, status: 'FAILED', output: null, error: inner.name ?? null, cause };
    }
    return { case: name, status: 'INTERNAL_ERROR', output: null, error: String(err?.name ?? 'Error'), cause: String(err?.message ?? err) };
  }
}

const names = readdirSync(casesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && (only.size === 0 || only.has(d.name)))
  .map((d) => d.name)
  .sort();
const results = await Promise.all(names.map(runCase));
for (const r of results) process.stdout.write(JSON.stringify(r) + '\n');
