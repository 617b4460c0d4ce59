#!/usr/bin/env node
// contracts/test/test_sdk run in the mock host: the SDK's own checks inside a contract (names,
// symbols, assets, datastream, every ABI built-in type, heap, libc), and the aborts it must
// produce with eosio.cdt's messages.
//   node sdk_test.js BUILD_DIR
'use strict';
const path = require('path');
const { PrivateKey, Checksum256 } = require('@wharfkit/antelope');
const { Chain } = require('./eosio_host');
const { test, eq, fails, assertMsg, run } = require('./harness');

const build = process.argv[2] || 'build';
const dir = path.join(build, 'contracts', 'test');

function fixture() {
  const chain = new Chain();
  chain.createAccount('sdk');
  chain.setCode('sdk', path.join(dir, 'test_sdk.wasm'), path.join(dir, 'test_sdk.abi'));
  return { chain, act: (name, data = {}) => chain.push('sdk', name, data, ['sdk@active']) };
}

for (const action of ['names', 'symbols', 'assets', 'stream', 'memory'])
  test(`${action}: the contract's own checks pass`, () => fixture().act(action));

test('badname: eosio.cdt messages for malformed names', () => {
  const t = fixture();
  eq(t.act('badname', { text: 'eosio.token' }).console, 'eosio.token');
  fails(() => t.act('badname', { text: 'abcdefghijklmn' }), assertMsg('string is too long to be a valid name'));
  fails(() => t.act('badname', { text: 'abcdefghijklz' }), assertMsg('thirteenth character in name cannot be a letter that comes after j'));
  fails(() => t.act('badname', { text: 'Alice' }), assertMsg('character is not in allowed character set for names'));
  fails(() => t.act('badname', { text: 'al6ce' }), assertMsg('character is not in allowed character set for names'));
});

test('badsymbol: eosio.cdt messages for malformed symbol codes', () => {
  const t = fixture();
  eq(t.act('badsymbol', { text: 'CPS' }).console, String(0x535043));
  fails(() => t.act('badsymbol', { text: 'ABCDEFGH' }), assertMsg('string is too long to be a valid symbol_code'));
  fails(() => t.act('badsymbol', { text: 'CPs' }), assertMsg('only uppercase letters allowed in symbol_code string'));
});

test('assetadd / assetsub: results and eosio.cdt messages', () => {
  const t = fixture();
  eq(t.act('assetadd', { a: '1.5000 CPS', b: '0.2500 CPS' }).console, '1.7500 CPS');
  eq(t.act('assetsub', { a: '1.5000 CPS', b: '2.0000 CPS' }).console, '-0.5000 CPS');
  fails(() => t.act('assetadd', { a: '1.0000 CPS', b: '1.000 CPS' }), assertMsg('attempt to add asset with different symbol'));
  fails(() => t.act('assetsub', { a: '1.0000 CPS', b: '1.0000 EOS' }), assertMsg('attempt to subtract asset with different symbol'));
  fails(() => t.act('assetadd', { a: '4611686018427387903 A', b: '1 A' }), assertMsg('addition overflow'));
  fails(() => t.act('assetadd', { a: '-4611686018427387903 A', b: '-1 A' }), assertMsg('addition underflow'));
  fails(() => t.act('assetsub', { a: '-4611686018427387903 A', b: '1 A' }), assertMsg('subtraction underflow'));
  fails(() => t.act('assetsub', { a: '4611686018427387903 A', b: '-1 A' }), assertMsg('subtraction overflow'));
});

test('datastream overflows abort', () => {
  const t = fixture();
  fails(() => t.act('readover'), assertMsg('datastream attempted to read past the end'));
  fails(() => t.act('writeover'), assertMsg('datastream attempted to write past the end'));
  fails(() => t.act('readonly'), assertMsg('datastream is read-only'));
});

test('echo: every ABI built-in type unpacks and repacks to the same bytes', () => {
  const t = fixture();
  const key = PrivateKey.fromString('5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3');
  const sig = key.signDigest(Checksum256.hash(Buffer.from('cps')));
  const data = {
    b: true, i8: -8, u8: 200, i16: -1600, u16: 60000, i32: -2000000000, u32: 4000000000,
    i64: '-9000000000000000000', u64: '18000000000000000000',
    i128: '-170141183460469231731687303715884105728', u128: '340282366920938463463374607431768211455',
    vu32: 300, vi32: -300, f32: 1.5, f64: -0.125, f128: '0x0000000000000000000000000000ff3f',
    account: 'eosio.token', sym: '4,CPS', code: 'CPS', quantity: '-12.3456 CPS', memo: 'memo ✓',
    blob: '00ff10', h160: '11'.repeat(20), h256: '22'.repeat(32), h512: '33'.repeat(64),
    key: key.toPublic().toString(), sig: sig.toString(),
    tp: '2020-01-02T03:04:05.678', tps: '2021-02-03T04:05:06', bt: '2022-03-04T05:06:07.500',
  };
  eq(t.act('echo', data).console, 'eosio.token -12.3456 CPS memo ✓ -8 -9000000000000000000 18000000000000000000 -300 1');
});

test('echo: truncated arguments abort before the handler runs', () => {
  const t = fixture();
  fails(() => t.chain.pushTransaction({ actions: [{ account: 'sdk', name: 'echo', authorization: [],
    data: Buffer.from([1, 2, 3]) }] }), assertMsg('datastream attempted to read past the end'));
});

run();
