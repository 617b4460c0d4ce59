#!/usr/bin/env node
// contracts/hello (the contract of docs/contracts.md) run in the mock host: hi greets with the
// user's authority; count keeps one row per user, billed to that user.
//   node hello_test.js BUILD_DIR
'use strict';
const path = require('path');
const { Chain } = require('./eosio_host');
const { test, eq, fails, run } = require('./harness');

const build = process.argv[2] || 'build';

function fixture() {
  const chain = new Chain();
  for (const n of ['alice', 'bob', 'hello']) chain.createAccount(n);
  chain.setCode('hello', path.join(build, 'contracts', 'hello.wasm'), path.join(build, 'contracts', 'hello.abi'));
  return chain;
}

test('hi greets the user, with their authority only', () => {
  const chain = fixture();
  eq(chain.push('hello', 'hi', { user: 'alice' }, ['alice@active']).console, 'hello, alice');
  fails(() => chain.push('hello', 'hi', { user: 'alice' }, ['bob@active']), 'missing authority of alice');
});

test('count keeps one row per user, paid by the user', () => {
  const chain = fixture();
  eq(chain.push('hello', 'count', { user: 'alice' }, ['alice@active']).console, 'greetings from alice: 1');
  eq(chain.push('hello', 'count', { user: 'alice' }, ['alice@active']).console, 'greetings from alice: 2');
  eq(chain.push('hello', 'count', { user: 'bob' }, ['bob@active']).console, 'greetings from bob: 1');
  const rows = chain.tableRows('hello', 'hello', 'greetings', 'greeting');
  eq(rows.map((r) => [r.value.user, r.value.count, r.payer]), [['alice', 2, 'alice'], ['bob', 1, 'bob']]);
});

run();
