// Minimal test runner for the contract tests run in node: test(name, fn) registers a case,
// run() executes them in order, prints "PASS name" / "FAIL name: why" and "N passed, N failed",
// and exits non-zero on any failure. Assertions throw.
'use strict';
const { ChainError } = require('./eosio_host');

const cases = [];
function test(name, fn) {
  cases.push({ name, fn });
}

function fmt(v) {
  return typeof v === 'bigint' ? `${v}n` : JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

function eq(actual, expected, what = 'value') {
  const a = fmt(actual), e = fmt(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function ok(cond, what) {
  if (!cond) throw new Error(what);
}

// Runs fn, which must fail with a ChainError: its message must equal `expected.exact` (see
// assertMsg) or, for a plain string (host errors, whose wording is the mock's), contain it.
function fails(fn, expected) {
  const want = typeof expected === 'string' ? expected : expected.exact;
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ChainError)) throw e;
    const match = typeof expected === 'string' ? e.message.includes(want) : e.message === want;
    if (!match) throw new Error(`expected failure "${want}", got "${e.message}"`);
    return e;
  }
  throw new Error(`expected failure "${want}", but it succeeded`);
}

// eosio_assert's message exactly as the chain reports it.
function assertMsg(text) {
  return { exact: `assertion failure with message: ${text}` };
}

function run() {
  let passed = 0, failed = 0;
  for (const c of cases) {
    try {
      c.fn();
      passed++;
      console.log(`PASS ${c.name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${c.name}: ${e.message}`);
      if (!(e instanceof ChainError) && process.env.VERBOSE) console.log(e.stack);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

module.exports = { test, eq, ok, fails, assertMsg, run };
