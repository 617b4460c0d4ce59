#!/usr/bin/env node
// The intrinsic test contracts (contracts/test/test_*.c) run in the mock host: each action's own
// eosio_assert checks must pass, the actions documented to abort must abort with the right error,
// and the console / return values / database effects must be EOSIO's. The same contracts will
// drive the chain's intrinsic tests; these runs prove the contracts (and the SDK) first.
//   node intrinsics_test.js BUILD_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { PrivateKey, Checksum256, Serializer } = require('@wharfkit/antelope');
const { Chain, nameValue } = require('./eosio_host');
const { test, eq, ok, fails, assertMsg, run } = require('./harness');

const build = process.argv[2] || 'build';
const dir = path.join(build, 'contracts', 'test');

function deploy(chain, account, contract, opts = {}) {
  chain.createAccount(account, opts);
  chain.setCode(account, path.join(dir, `${contract}.wasm`), path.join(dir, `${contract}.abi`));
}

function fixture(contract, opts) {
  const chain = new Chain();
  for (const n of ['alice', 'bob']) chain.createAccount(n);
  deploy(chain, 'tester', contract, opts);
  const act = (name, data = {}, auth = ['tester@active']) => chain.push('tester', name, data, auth);
  return { chain, act };
}

// ---- action data, authorization, notifications

test('action: data sizes and partial reads', () => {
  const { act } = fixture('test_action');
  eq(act('data', { number: '1234567890123', text: 'hello', hash: '11'.repeat(32) }).console, 'hello');
});

test('action: require_auth / has_auth', () => {
  const { act } = fixture('test_action');
  act('auth', { signer: 'alice', other: 'bob' }, ['alice@active']);
  fails(() => act('auth', { signer: 'alice', other: 'bob' }, ['bob@active']), 'missing authority of alice');
  fails(() => act('auth', { signer: 'alice', other: 'bob' }, ['alice@active', 'bob@active']), assertMsg('has_auth(other) is true'));
});

test('action: require_auth2 needs the exact permission', () => {
  const { act } = fixture('test_action');
  act('auth2', { signer: 'alice', permission: 'owner' }, ['alice@owner']);
  fails(() => act('auth2', { signer: 'alice', permission: 'owner' }, ['alice@active']), 'missing authority of alice/owner');
});

test('action: require_recipient notifies each account once, in order', () => {
  const { chain, act } = fixture('test_action');
  deploy(chain, 'listener', 'test_action');
  const r = act('notify', { first: 'listener', second: 'alice' });
  eq(r.traces.map((t) => t.receiver), ['tester', 'listener', 'alice']);
  eq(r.traces[1].console, 'notified listener by tester;');
  eq(r.traces[0].console, '', 'the receiver itself is not treated as notified');
});

test('action: is_account, get_sender, return value, creation time', () => {
  const { chain, act } = fixture('test_action');
  act('account', { who: 'alice', exists: true });
  act('account', { who: 'nobody', exists: false });
  fails(() => act('account', { who: 'nobody', exists: true }), assertMsg('is_account() differs from the expected answer'));
  act('sender', { expected: '' });
  eq(act('retvalue', { value: 'c0ffee' }).traces[0].returnValue.toString('hex'), 'c0ffee');
  act('created', { who: 'alice', time: chain.time.toString() });
  fails(() => act('created', { who: 'alice', time: '1' }), assertMsg('account creation time differs'));
});

// ---- system

test('system: assertion family, abort, exit', () => {
  const { act } = fixture('test_system');
  fails(() => act('failassert', { message: 'first message' }), assertMsg('first message'));
  fails(() => act('failmessage', { message: 'second message' }), assertMsg('second message'));
  fails(() => act('failcode', { code: '42' }), 'assertion failure with error code: 42');
  fails(() => act('failabort'), 'abort() called');
  eq(act('exit').console, 'before exit');
  act('pass');
});

test('system: current_time is the block time; features', () => {
  const { chain, act } = fixture('test_system');
  act('time', { now: new Date(Number(chain.time / 1000n)).toISOString().slice(0, -1) });
  fails(() => act('time', { now: '2000-01-01T00:00:00.000' }), assertMsg('current_time() is not the block time'));
  const digest = '5a'.repeat(32);
  act('feature', { digest, active: false });
  chain.activatedFeatures.add(digest);
  act('feature', { digest, active: true });
});

// ---- primary index

test('db: primary index scenario (twice: it cleans up)', () => {
  const { act } = fixture('test_db');
  act('primary');
  act('primary');
});

test('db: cps_table scenario (twice)', () => {
  const { act } = fixture('test_db');
  act('table');
  act('table');
});

test('db: rows persist, update, erase, and are readable by other contracts', () => {
  const { chain, act } = fixture('test_db');
  deploy(chain, 'reader', 'test_db');
  act('store', { scope: 'alice', id: 7, value: 'seven', payer: 'tester' });
  act('expect', { code: 'tester', scope: 'alice', id: 7, value: 'seven', exists: true });
  chain.push('reader', 'expect', { code: 'tester', scope: 'alice', id: 7, value: 'seven', exists: true }, []);
  act('update', { scope: 'alice', id: 7, value: 'SEVEN!', payer: '' });
  act('expect', { code: 'tester', scope: 'alice', id: 7, value: 'SEVEN!', exists: true });
  fails(() => act('expect', { code: 'tester', scope: 'alice', id: 7, value: 'seven', exists: true }), assertMsg('row size differs'));
  act('erase', { scope: 'alice', id: 7 });
  act('expect', { code: 'tester', scope: 'alice', id: 7, value: '', exists: false });
});

test('db: a failed transaction leaves no rows', () => {
  const { chain } = fixture('test_db');
  fails(() => chain.pushTransaction({ actions: [
    { account: 'tester', name: 'store', authorization: [], data: { scope: 'alice', id: 1, value: 'x', payer: 'tester' } },
    { account: 'tester', name: 'dupkey', authorization: [], data: {} },
  ] }), 'could not insert object');
  chain.push('tester', 'expect', { code: 'tester', scope: 'alice', id: 1, value: '', exists: false }, []);
});

test('db: RAM payer must authorize', () => {
  const { chain, act } = fixture('test_db');
  fails(() => act('store', { scope: 'alice', id: 1, value: 'x', payer: 'alice' }), 'unprivileged contract cannot increase RAM usage of another account');
  act('store', { scope: 'alice', id: 1, value: 'x', payer: 'alice' }, ['alice@active']);
  eq(chain.tableRows('tester', 'alice', 'kv')[0].payer, 'alice');
});

test('db: writes to another contract\'s table are refused', () => {
  const { chain, act } = fixture('test_db');
  deploy(chain, 'other', 'test_db');
  chain.push('other', 'store', { scope: 'alice', id: 1, value: 'theirs', payer: 'other' }, []);
  fails(() => act('badwrite', { code: 'other', scope: 'alice', id: 1 }), 'db access violation');
  fails(() => act('foreign', { code: 'other' }), assertMsg('cannot create objects in table of another contract'));
  chain.push('other', 'badwrite', { code: 'other', scope: 'alice', id: 1 }, []);
});

test('db: duplicate primary key and key change abort', () => {
  const { act } = fixture('test_db');
  fails(() => act('dupkey'), 'could not insert object, most likely a uniqueness constraint was violated');
  fails(() => act('changekey'), assertMsg('updater cannot change primary key when modifying an object'));
});

// ---- secondary indexes

for (const action of ['idxsmall', 'idxwide', 'idxhash', 'idxdouble', 'idxldouble', 'table'])
  test(`dbidx: ${action} scenario (twice)`, () => {
    const { act } = fixture('test_dbidx');
    act(action);
    act(action);
  });

// ---- crypto

test('crypto: test vectors', () => fixture('test_crypto').act('known'));

test('crypto: hashes of action data', () => {
  const { act } = fixture('test_crypto');
  const data = Buffer.from('CPS contract SDK ✓');
  const h = (a) => crypto.createHash(a).update(data).digest('hex');
  act('hashes', { data: data.toString('hex'), sha1: h('sha1'), sha256: h('sha256'), sha512: h('sha512'), ripemd160: h('ripemd160') });
  fails(() => act('badhash', { data: data.toString('hex'), sha256: h('sha1') + '00'.repeat(12) }), 'hash mismatch');
});

test('crypto: recover_key / assert_recover_key', () => {
  const { act } = fixture('test_crypto');
  const key = PrivateKey.fromString('5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3');
  const other = PrivateKey.generate('K1');
  const digest = Checksum256.hash(Buffer.from('recover me'));
  const sig = key.signDigest(digest).toString();
  act('recover', { digest: digest.toString(), sig, key: key.toPublic().toString() });
  fails(() => act('recover', { digest: digest.toString(), sig, key: other.toPublic().toString() }), assertMsg('recover_key recovered another key'));
  fails(() => act('badrecover', { digest: digest.toString(), sig, key: other.toPublic().toString() }), 'expected key different than recovered key');
});

// ---- print

test('print: console output is EOSIO\'s formats', () => {
  const source = fs.readFileSync('contracts/test/test_print.c', 'utf8');
  const m = /#define PRINT_EXPECTED\s*\\\s*\n((?:\s*"[^"]*"\s*\\?\s*\n?)+)/.exec(source);
  ok(m, 'PRINT_EXPECTED not found in contracts/test/test_print.c');
  const expected = [...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]).join('');
  const { act } = fixture('test_print');
  eq(act('print').console, expected);
  eq(act('printname', { who: 'zzzzzzzzzzzzj' }).console, 'zzzzzzzzzzzzj');
});

// ---- transactions

test('transaction: inline action runs after, with get_sender = the contract', () => {
  const { act } = fixture('test_transaction');
  const r = act('sendinline', { expected: 'tester' });
  eq(r.traces.map((t) => t.name), ['sendinline', 'sender']);
  fails(() => act('sendinline', { expected: 'alice' }), assertMsg('get_sender() is not the expected account'));
  act('sender', { expected: '' });
});

test('transaction: context-free inline action', () => {
  const { act } = fixture('test_transaction');
  const r = act('sendcf');
  eq(r.traces.map((t) => `${t.name}:${t.console}`), ['sendcf:', 'cfnote:context free']);
});

test('transaction: deferred send, replace, cancel', () => {
  const { chain, act } = fixture('test_transaction');
  act('defer', { id: 5, delay: 10, replace: false });
  eq(chain.deferred.size, 1);
  const d = [...chain.deferred.values()][0];
  eq([d.delay, d.trx.actions.length, d.trx.actions[0].name === nameValue('deferred')], [10, 1, true]);
  fails(() => act('defer', { id: 5, delay: 10, replace: false }), 'deferred transaction with the same sender_id and payer already exists');
  act('defer', { id: 5, delay: 20, replace: true });
  eq([...chain.deferred.values()][0].delay, 20);
  act('cancel', { id: 5, found: true });
  act('cancel', { id: 5, found: false });
  eq(chain.deferred.size, 0);
});

test('transaction: read_transaction, tapos, get_action', () => {
  const { chain } = fixture('test_transaction');
  chain.pushTransaction({ ref_block_num: 0x1234, ref_block_prefix: 0xdeadbeef, actions: [
    { account: 'tester', name: 'sender', authorization: [], data: { expected: '' } },
    { account: 'tester', name: 'txinfo', authorization: [], data: {} },
  ] });
});

test('transaction: context-free data in a context-free action', () => {
  const { chain } = fixture('test_transaction');
  chain.pushTransaction({
    context_free_actions: [{ account: 'tester', name: 'cfdata', authorization: [], data: { index: 1, data: 'beef' } }],
    context_free_data: [Buffer.from('00', 'hex'), Buffer.from('beef', 'hex')],
    actions: [{ account: 'tester', name: 'sender', authorization: [], data: { expected: '' } }],
  });
  fails(() => chain.pushTransaction({ context_free_data: [Buffer.from('beef', 'hex')],
    actions: [{ account: 'tester', name: 'cfdata', authorization: [], data: { index: 0, data: 'beef' } }] }),
  'this API may only be called from context_free apply');
});

// ---- privileged

function producerSchedule(names) {
  const key = PrivateKey.fromString('5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3').toPublic();
  const parts = [Buffer.from([names.length])];
  for (const n of names) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(nameValue(n));
    parts.push(b, Buffer.from(Serializer.encode({ object: key }).array));
  }
  return Buffer.concat(parts).toString('hex');
}

test('privileged: every call works on a privileged account', () => {
  const { act } = fixture('test_privileged', { privileged: true });
  act('setpriv', { account: 'alice' });
  act('limits', { account: 'alice', ram: 8192, net: -1, cpu: 10 });
  act('params');
  eq(act('producers', { schedule: producerSchedule(['alice', 'bob']) }).console, '1');
  act('preactivate', { digest: '11'.repeat(32) });
});

test('privileged: refused on an ordinary account', () => {
  const { act } = fixture('test_privileged');
  for (const [name, data] of [['setpriv', { account: 'alice' }], ['limits', { account: 'alice', ram: 1, net: 1, cpu: 1 }],
    ['params', {}], ['producers', { schedule: producerSchedule(['alice']) }], ['preactivate', { digest: '11'.repeat(32) }]])
    fails(() => act(name, data), 'tester does not have permission to call this API');
});

run();
