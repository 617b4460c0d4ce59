#!/usr/bin/env node
// eosio.token (contracts/eosio.token) run in the mock host: the scenarios of EOSIO's reference
// tests (eosio.contracts tests/eosio.token_tests.cpp) plus every check message, notification and
// RAM payer rule of the contract. Action data is packed from JSON with the contract's own .abi,
// so these runs also prove the ABI describes the bytes the contract reads.
//   node token_test.js BUILD_DIR
'use strict';
const path = require('path');
const { Chain, nameValue } = require('./eosio_host');
const { test, eq, ok, fails, assertMsg, run } = require('./harness');

const build = process.argv[2] || 'build';
const WASM = path.join(build, 'contracts', 'eosio.token.wasm');
const ABI = path.join(build, 'contracts', 'eosio.token.abi');

function symbolCode(code) {
  let v = 0n;
  for (let i = code.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(code.charCodeAt(i));
  return v;
}

function fixture() {
  const chain = new Chain();
  for (const n of ['alice', 'bob', 'carol', 'eosio.token']) chain.createAccount(n);
  chain.setCode('eosio.token', WASM, ABI);
  const t = {
    chain,
    act: (signer, name, data) => chain.push('eosio.token', name, data, [`${signer}@active`]),
    create: (issuer, max) => t.act('eosio.token', 'create', { issuer, maximum_supply: max }),
    issue: (issuer, quantity, memo = 'hola', to = issuer) => t.act(issuer, 'issue', { to, quantity, memo }),
    retire: (issuer, quantity, memo = 'hola') => t.act(issuer, 'retire', { quantity, memo }),
    transfer: (from, to, quantity, memo = 'hola', signers = [from]) =>
      chain.push('eosio.token', 'transfer', { from, to, quantity, memo }, signers.map((s) => `${s}@active`)),
    open: (owner, symbol, payer) => t.act(payer, 'open', { owner, symbol, ram_payer: payer }),
    close: (owner, symbol) => t.act(owner, 'close', { owner, symbol }),
    stats: (code) => {
      const rows = chain.tableRows('eosio.token', symbolCode(code), 'stat', 'currency_stats');
      return rows.length ? rows[0].value : null;
    },
    balanceRow: (owner, code) => chain.tableRows('eosio.token', owner, 'accounts', 'account').find((r) => r.primary_key === symbolCode(code)),
    balance: (owner, code) => { const r = t.balanceRow(owner, code); return r ? r.value.balance : null; },
  };
  return t;
}

test('create: stat row with zero supply, max supply and issuer', () => {
  const t = fixture();
  t.create('alice', '1000.000 TKN');
  eq(t.stats('TKN'), { supply: '0.000 TKN', max_supply: '1000.000 TKN', issuer: 'alice' });
  eq(t.chain.tableRows('eosio.token', symbolCode('TKN'), 'stat')[0].payer, 'eosio.token', 'stat row payer');
});

test('create: needs the contract\'s own authority', () => {
  const t = fixture();
  fails(() => t.act('alice', 'create', { issuer: 'alice', maximum_supply: '10 TKN' }), 'missing authority of eosio.token');
});

test('create: negative max supply', () => {
  fails(() => fixture().create('alice', '-1000.000 TKN'), assertMsg('max-supply must be positive'));
});

test('create: zero max supply', () => {
  fails(() => fixture().create('alice', '0 TKN'), assertMsg('max-supply must be positive'));
});

test('create: symbol already exists (any precision)', () => {
  const t = fixture();
  t.create('alice', '100 TKN');
  eq(t.stats('TKN'), { supply: '0 TKN', max_supply: '100 TKN', issuer: 'alice' });
  fails(() => t.create('alice', '100 TKN'), assertMsg('token with symbol already exists'));
  fails(() => t.create('bob', '1.00 TKN'), assertMsg('token with symbol already exists'));
});

test('create: max supply 2^62-1 accepted, 2^62 is an invalid supply', () => {
  const t = fixture();
  t.create('alice', '4611686018427387903 TKN');
  eq(t.stats('TKN').max_supply, '4611686018427387903 TKN');
  // The ABI serializer refuses 2^62, so pack by hand: issuer, amount 2^62, symbol 0,NKT.
  const data = Buffer.alloc(24);
  data.writeBigUInt64LE(nameValue('alice'), 0);
  data.writeBigInt64LE(1n << 62n, 8);
  data.writeBigUInt64LE(symbolCode('NKT') << 8n, 16);
  fails(() => t.chain.pushTransaction({ actions: [{ account: 'eosio.token', name: 'create',
    authorization: [{ actor: 'eosio.token', permission: 'active' }], data }] }), assertMsg('invalid supply'));
});

test('create: 18 decimals', () => {
  const t = fixture();
  t.create('alice', '1.000000000000000000 TKN');
  eq(t.stats('TKN'), { supply: '0.000000000000000000 TKN', max_supply: '1.000000000000000000 TKN', issuer: 'alice' });
});

test('create: invalid symbol name', () => {
  const t = fixture();
  const data = Buffer.alloc(24);
  data.writeBigUInt64LE(nameValue('alice'), 0);
  data.writeBigInt64LE(10n, 8);
  data.writeBigUInt64LE((symbolCode('tkn') << 8n) | 2n, 16); // lower case: not a valid symbol
  fails(() => t.chain.pushTransaction({ actions: [{ account: 'eosio.token', name: 'create',
    authorization: [{ actor: 'eosio.token', permission: 'active' }], data }] }), assertMsg('invalid symbol name'));
});

test('issue: supply, balance, limits', () => {
  const t = fixture();
  t.create('alice', '1000.000 TKN');
  t.issue('alice', '500.000 TKN');
  eq(t.stats('TKN'), { supply: '500.000 TKN', max_supply: '1000.000 TKN', issuer: 'alice' });
  eq(t.balance('alice', 'TKN'), '500.000 TKN');
  eq(t.balanceRow('alice', 'TKN').payer, 'alice', 'issuer pays for own balance row');
  fails(() => t.issue('alice', '500.001 TKN'), assertMsg('quantity exceeds available supply'));
  fails(() => t.issue('alice', '-1.000 TKN'), assertMsg('must issue positive quantity'));
  t.issue('alice', '1.000 TKN');
  eq(t.balance('alice', 'TKN'), '501.000 TKN');
});

test('issue: only to the issuer, by the issuer', () => {
  const t = fixture();
  t.create('alice', '1000 CERO');
  fails(() => t.issue('alice', '1000 CERO', '', 'bob'), assertMsg('tokens can only be issued to issuer account'));
  fails(() => t.chain.push('eosio.token', 'issue', { to: 'alice', quantity: '1 CERO', memo: '' }, ['bob@active']),
        'missing authority of alice');
});

test('issue: unknown token, wrong precision, long memo', () => {
  const t = fixture();
  fails(() => t.issue('alice', '1.000 TKN'), assertMsg('token with symbol does not exist, create token before issue'));
  t.create('alice', '1000.000 TKN');
  fails(() => t.issue('alice', '1.00 TKN'), assertMsg('symbol precision mismatch'));
  fails(() => t.issue('alice', '1.000 TKN', 'x'.repeat(257)), assertMsg('memo has more than 256 bytes'));
  t.issue('alice', '1.000 TKN', 'x'.repeat(256));
  eq(t.balance('alice', 'TKN'), '1.000 TKN');
});

test('retire: reference scenario', () => {
  const t = fixture();
  t.create('alice', '1000.000 TKN');
  t.issue('alice', '500.000 TKN');
  t.retire('alice', '200.000 TKN');
  eq(t.stats('TKN'), { supply: '300.000 TKN', max_supply: '1000.000 TKN', issuer: 'alice' });
  eq(t.balance('alice', 'TKN'), '300.000 TKN');
  fails(() => t.retire('alice', '500.000 TKN'), assertMsg('overdrawn balance'));
  t.transfer('alice', 'bob', '200.000 TKN');
  fails(() => t.retire('alice', '300.000 TKN'), assertMsg('overdrawn balance'));
  t.transfer('bob', 'alice', '200.000 TKN');
  t.retire('alice', '300.000 TKN');
  eq(t.stats('TKN'), { supply: '0.000 TKN', max_supply: '1000.000 TKN', issuer: 'alice' });
  eq(t.balance('alice', 'TKN'), '0.000 TKN');
  fails(() => t.retire('alice', '1.000 TKN'), assertMsg('overdrawn balance'));
});

test('retire: checks', () => {
  const t = fixture();
  fails(() => t.retire('alice', '1.000 TKN'), assertMsg('token with symbol does not exist'));
  t.create('alice', '1000.000 TKN');
  t.issue('alice', '10.000 TKN');
  fails(() => t.chain.push('eosio.token', 'retire', { quantity: '1.000 TKN', memo: '' }, ['bob@active']), 'missing authority of alice');
  fails(() => t.retire('alice', '0.000 TKN'), assertMsg('must retire positive quantity'));
  fails(() => t.retire('alice', '1.0000 TKN'), assertMsg('symbol precision mismatch'));
  fails(() => t.retire('alice', '1.000 TKN', 'y'.repeat(300)), assertMsg('memo has more than 256 bytes'));
});

test('transfer: reference scenario', () => {
  const t = fixture();
  t.create('alice', '1000 CERO');
  t.issue('alice', '1000 CERO');
  eq(t.stats('CERO'), { supply: '1000 CERO', max_supply: '1000 CERO', issuer: 'alice' });
  t.transfer('alice', 'bob', '300 CERO');
  eq(t.balance('alice', 'CERO'), '700 CERO');
  eq(t.balance('bob', 'CERO'), '300 CERO');
  fails(() => t.transfer('alice', 'bob', '701 CERO'), assertMsg('overdrawn balance'));
  fails(() => t.transfer('alice', 'bob', '-1000 CERO'), assertMsg('must transfer positive quantity'));
  eq(t.balance('alice', 'CERO'), '700 CERO', 'failed transfers change nothing');
});

test('transfer: checks in the reference order', () => {
  const t = fixture();
  t.create('alice', '1000.000 TKN');
  t.issue('alice', '100.000 TKN');
  fails(() => t.transfer('alice', 'alice', '1.000 TKN'), assertMsg('cannot transfer to self'));
  fails(() => t.transfer('alice', 'bob', '1.000 TKN', '', ['bob']), 'missing authority of alice');
  fails(() => t.transfer('alice', 'nobody', '1.000 TKN'), assertMsg('to account does not exist'));
  fails(() => t.transfer('alice', 'bob', '1.000 XYZ'), assertMsg('unable to find key'));
  fails(() => t.transfer('alice', 'bob', '1.00 TKN'), assertMsg('symbol precision mismatch'));
  fails(() => t.transfer('alice', 'bob', '1.000 TKN', 'm'.repeat(257)), assertMsg('memo has more than 256 bytes'));
  fails(() => t.transfer('bob', 'alice', '1.000 TKN'), assertMsg('no balance object found'));
});

test('transfer: notifies sender and recipient', () => {
  const t = fixture();
  t.create('alice', '1000.000 TKN');
  t.issue('alice', '100.000 TKN');
  const r = t.transfer('alice', 'bob', '1.000 TKN');
  eq(r.traces.map((x) => `${x.receiver}:${x.account}:${x.name}`),
     ['eosio.token:eosio.token:transfer', 'alice:eosio.token:transfer', 'bob:eosio.token:transfer']);
});

test('transfer: RAM payer is the sender, or the recipient when they sign', () => {
  const t = fixture();
  t.create('alice', '1000.000 TKN');
  t.issue('alice', '100.000 TKN');
  t.transfer('alice', 'bob', '1.000 TKN');
  eq(t.balanceRow('bob', 'TKN').payer, 'alice', 'new row paid by sender');
  t.transfer('alice', 'carol', '1.000 TKN', 'both sign', ['alice', 'carol']);
  eq(t.balanceRow('carol', 'TKN').payer, 'carol', 'new row paid by signing recipient');
  t.transfer('bob', 'alice', '1.000 TKN');
  eq(t.balanceRow('bob', 'TKN').payer, 'bob', 'sub_balance makes the owner the payer');
});

test('transfer: whole balance, sums kept', () => {
  const t = fixture();
  t.create('alice', '10.0000 CPS');
  t.issue('alice', '10.0000 CPS');
  t.transfer('alice', 'bob', '2.5000 CPS');
  t.transfer('bob', 'carol', '0.0001 CPS');
  t.transfer('alice', 'carol', '7.5000 CPS');
  eq([t.balance('alice', 'CPS'), t.balance('bob', 'CPS'), t.balance('carol', 'CPS')],
     ['0.0000 CPS', '2.4999 CPS', '7.5001 CPS']);
});

test('open: reference scenario', () => {
  const t = fixture();
  t.create('alice', '1000 CERO');
  eq(t.balance('alice', 'CERO'), null);
  t.issue('alice', '1000 CERO', 'issue');
  eq(t.balance('alice', 'CERO'), '1000 CERO');
  eq(t.balance('bob', 'CERO'), null);
  fails(() => t.open('nonexistent', '0,CERO', 'alice'), assertMsg('owner account does not exist'));
  t.open('bob', '0,CERO', 'alice');
  eq(t.balance('bob', 'CERO'), '0 CERO');
  eq(t.balanceRow('bob', 'CERO').payer, 'alice', 'ram_payer pays for the opened row');
  t.transfer('alice', 'bob', '200 CERO');
  eq(t.balance('bob', 'CERO'), '200 CERO');
  fails(() => t.open('carol', '0,INVALID', 'alice'), assertMsg('symbol does not exist'));
  fails(() => t.open('carol', '1,CERO', 'alice'), assertMsg('symbol precision mismatch'));
  fails(() => t.chain.push('eosio.token', 'open', { owner: 'carol', symbol: '0,CERO', ram_payer: 'alice' }, ['bob@active']),
        'missing authority of alice');
  t.open('bob', '0,CERO', 'alice');
  eq(t.balance('bob', 'CERO'), '200 CERO', 'opening an existing balance changes nothing');
});

test('close: reference scenario', () => {
  const t = fixture();
  t.create('alice', '1000 CERO');
  eq(t.balance('alice', 'CERO'), null);
  t.issue('alice', '1000 CERO');
  eq(t.balance('alice', 'CERO'), '1000 CERO');
  fails(() => t.close('alice', '0,CERO'), assertMsg('Cannot close because the balance is not zero.'));
  t.transfer('alice', 'bob', '1000 CERO');
  eq(t.balance('alice', 'CERO'), '0 CERO');
  t.close('alice', '0,CERO');
  eq(t.balance('alice', 'CERO'), null);
  fails(() => t.close('alice', '0,CERO'), assertMsg("Balance row already deleted or never existed. Action won't have any effect."));
  fails(() => t.chain.push('eosio.token', 'close', { owner: 'bob', symbol: '0,CERO' }, ['alice@active']), 'missing authority of bob');
});

test('unknown action aborts with eosio.cdt\'s no-action code', () => {
  const t = fixture();
  fails(() => t.chain.pushTransaction({ actions: [{ account: 'eosio.token', name: 'nosuchaction',
    authorization: [{ actor: 'alice', permission: 'active' }], data: Buffer.alloc(0) }] }),
    'assertion failure with error code: 8000000000000000000');
});

test('truncated action data aborts with the datastream message', () => {
  const t = fixture();
  fails(() => t.chain.pushTransaction({ actions: [{ account: 'eosio.token', name: 'transfer',
    authorization: [{ actor: 'alice', permission: 'active' }], data: Buffer.alloc(20) }] }),
    assertMsg('datastream attempted to read past the end'));
});

test('balances survive only committed transactions', () => {
  const t = fixture();
  t.create('alice', '100 CERO');
  t.issue('alice', '100 CERO');
  // A transaction whose second action fails leaves the first one's transfer undone.
  fails(() => t.chain.pushTransaction({ actions: [
    { account: 'eosio.token', name: 'transfer', authorization: [{ actor: 'alice', permission: 'active' }],
      data: { from: 'alice', to: 'bob', quantity: '10 CERO', memo: '' } },
    { account: 'eosio.token', name: 'transfer', authorization: [{ actor: 'alice', permission: 'active' }],
      data: { from: 'alice', to: 'bob', quantity: '1000 CERO', memo: '' } },
  ] }), assertMsg('overdrawn balance'));
  eq(t.balance('alice', 'CERO'), '100 CERO');
  eq(t.balance('bob', 'CERO'), null);
  ok(true, '');
});

run();
