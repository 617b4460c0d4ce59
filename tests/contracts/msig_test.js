#!/usr/bin/env node
// eosio.msig and eosio.wrap (contracts/eosio.msig, contracts/eosio.wrap) in the mock host: every
// action's success and failure paths with the reference contract's messages, approvals against
// real authorities (check_transaction_authorization walks the emulator's permissions),
// invalidation, delayed proposals, and the upgrade path: a new eosio code is set through
// eosio.wrap once 15 of 21 producers approved, and not with 14.
//   node msig_test.js BUILD_DIR
'use strict';
const path = require('path');
const crypto = require('crypto');
const { Chain, nameValue } = require('./eosio_host');
const { test, eq, ok, fails, assertMsg, run } = require('./harness');

const build = process.argv[2] || 'build';
const C = (n, ext) => path.join(build, 'contracts', `${n}.${ext}`);
const DAY = 86400n * 1000000n;

function lvl(actor, permission = 'active') { return { actor, permission }; }

// A proposed transaction (JSON for the msig ABI) whose actions' data is packed by the chain.
function trxOf(chain, actions, { expiresIn = 3600, delay = 0 } = {}) {
  return {
    expiration: new Date(Number(chain.time / 1000n) + expiresIn * 1000).toISOString().slice(0, 19),
    ref_block_num: 0, ref_block_prefix: 0, max_net_usage_words: 0, max_cpu_usage_ms: 0, delay_sec: delay,
    context_free_actions: [],
    actions: actions.map((a) => ({ account: a.account, name: a.name, authorization: a.authorization,
      data: chain.packActionData(a.account, a.name, a.data).toString('hex') })),
    transaction_extensions: [],
  };
}

function fixture() {
  const chain = new Chain();
  for (const n of ['alice', 'bob', 'carol', 'dave', 'treasury', 'hello', 'eosio.msig']) chain.createAccount(n);
  chain.accounts.get(nameValue('eosio.msig')).privileged = true;
  chain.setCode('eosio.msig', C('eosio.msig', 'wasm'), C('eosio.msig', 'abi'));
  chain.setCode('hello', C('hello', 'wasm'), C('hello', 'abi'));
  // treasury@active: 2 of alice, bob, carol.
  chain.setAuthority('treasury', 'active', { threshold: 2, keys: [], waits: [],
    accounts: ['alice', 'bob', 'carol'].map((a) => ({ permission: lvl(a), weight: 1 })) });
  const m = {
    chain,
    msig: (signer, name, data) => chain.push('eosio.msig', name, data, [signer]),
    hiTrx: (opts) => trxOf(chain, [{ account: 'hello', name: 'hi', authorization: [lvl('treasury')], data: { user: 'treasury' } }], opts),
    propose: (name, requested, trx, proposer = 'alice') =>
      m.msig(`${proposer}@active`, 'propose', { proposer, proposal_name: name, requested, trx }),
    approve: (name, who, proposer = 'alice', extra = {}) =>
      m.msig(`${who}@active`, 'approve', { proposer, proposal_name: name, level: lvl(who), ...extra }),
    unapprove: (name, who, proposer = 'alice') =>
      m.msig(`${who}@active`, 'unapprove', { proposer, proposal_name: name, level: lvl(who) }),
    exec: (name, executer = 'dave', proposer = 'alice') =>
      m.msig(`${executer}@active`, 'exec', { proposer, proposal_name: name, executer }),
    cancel: (name, canceler, proposer = 'alice') =>
      m.msig(`${canceler}@active`, 'cancel', { proposer, proposal_name: name, canceler }),
    rows: (table, type, scope = 'alice') => chain.tableRows('eosio.msig', scope, table, type),
  };
  return m;
}
const ABC = ['alice', 'bob', 'carol'].map((a) => lvl(a));

test('propose stores the packed transaction and the requested approvals (approvals2)', () => {
  const m = fixture();
  const trx = m.hiTrx();
  m.propose('pay', ABC, trx);
  const prop = m.rows('proposal', 'proposal');
  eq(prop.length, 1, 'proposals');
  eq(prop[0].value.proposal_name, 'pay');
  const packed = m.chain.packActionData('eosio.msig', 'propose', { proposer: 'alice', proposal_name: 'pay', requested: ABC, trx });
  ok(packed.toString('hex').endsWith(prop[0].value.packed_transaction), 'packed_transaction is the trx as sent');
  const apps = m.rows('approvals2', 'approvals_info');
  eq(apps[0].value.version, 1);
  eq(apps[0].value.requested_approvals.map((a) => a.level.actor), ['alice', 'bob', 'carol']);
  eq(apps[0].value.provided_approvals, []);
  eq(prop[0].payer, 'alice', 'proposer pays');
});

test('propose: proposer auth, expiration, duplicate name, requested must be able to authorize', () => {
  const m = fixture();
  fails(() => m.chain.push('eosio.msig', 'propose', { proposer: 'alice', proposal_name: 'x', requested: ABC, trx: m.hiTrx() }, ['bob@active']), 'missing authority of alice');
  fails(() => m.propose('x', ABC, m.hiTrx({ expiresIn: -10 })), assertMsg('transaction expired'));
  fails(() => m.propose('x', [lvl('alice')], m.hiTrx()), assertMsg('transaction authorization failed'));
  m.propose('x', ABC, m.hiTrx());
  fails(() => m.propose('x', ABC, m.hiTrx()), assertMsg('proposal with the same name exists'));
});

test('approve / unapprove: only requested levels, only once; proposal_hash checked', () => {
  const m = fixture();
  m.propose('pay', ABC, m.hiTrx());
  fails(() => m.approve('pay', 'dave'), assertMsg('approval is not on the list of requested approvals'));
  fails(() => m.chain.push('eosio.msig', 'approve', { proposer: 'alice', proposal_name: 'pay', level: lvl('bob') }, ['carol@active']), 'missing authority of bob');
  fails(() => m.approve('nope', 'bob'), assertMsg('proposal not found'));
  fails(() => m.approve('pay', 'bob', 'alice', { proposal_hash: '00'.repeat(32) }), 'hash mismatch');
  const packed = Buffer.from(m.rows('proposal', 'proposal')[0].value.packed_transaction, 'hex');
  m.approve('pay', 'bob', 'alice', { proposal_hash: crypto.createHash('sha256').update(packed).digest('hex') });
  fails(() => m.approve('pay', 'bob'), assertMsg('approval is not on the list of requested approvals'));
  let apps = m.rows('approvals2', 'approvals_info')[0].value;
  eq(apps.provided_approvals.map((a) => a.level.actor), ['bob']);
  eq(apps.requested_approvals.map((a) => a.level.actor), ['alice', 'carol']);
  fails(() => m.unapprove('pay', 'carol'), assertMsg('no approval previously granted'));
  m.unapprove('pay', 'bob');
  apps = m.rows('approvals2', 'approvals_info')[0].value;
  eq(apps.provided_approvals, []);
  eq(apps.requested_approvals.map((a) => a.level.actor), ['alice', 'carol', 'bob']);
});

test('exec runs the actions inline once the approvals satisfy the authority, then erases the proposal', () => {
  const m = fixture();
  m.propose('pay', ABC, m.hiTrx());
  m.approve('pay', 'bob');
  fails(() => m.exec('pay'), assertMsg('transaction authorization failed'));
  m.approve('pay', 'carol');
  fails(() => m.chain.push('eosio.msig', 'exec', { proposer: 'alice', proposal_name: 'pay', executer: 'dave' }, ['bob@active']), 'missing authority of dave');
  const r = m.exec('pay');
  ok(r.console.includes('hello, treasury'), `inline hi ran: ${r.console}`);
  eq(m.rows('proposal', 'proposal'), [], 'proposal erased');
  eq(m.rows('approvals2', 'approvals_info'), [], 'approvals erased');
  fails(() => m.exec('pay'), assertMsg('proposal not found'));
});

test('exec refuses an expired transaction', () => {
  const m = fixture();
  m.propose('pay', ABC, m.hiTrx({ expiresIn: 60 }));
  m.approve('pay', 'bob'); m.approve('pay', 'carol');
  m.chain.time += 61n * 1000000n;
  fails(() => m.exec('pay'), assertMsg('transaction expired'));
});

test('invalidate voids earlier approvals of that account, not later ones', () => {
  const m = fixture();
  m.propose('pay', ABC, m.hiTrx());
  m.approve('pay', 'bob'); m.approve('pay', 'carol');
  m.chain.time += 1000000n;
  m.msig('carol@active', 'invalidate', { account: 'carol' });
  fails(() => m.exec('pay'), assertMsg('transaction authorization failed'));
  const inv = m.chain.tableRows('eosio.msig', 'eosio.msig', 'invals', 'invalidation');
  eq(inv.map((r) => r.value.account), ['carol']);
  fails(() => m.chain.push('eosio.msig', 'invalidate', { account: 'carol' }, ['bob@active']), 'missing authority of carol');
  m.chain.time += 1000000n;
  m.unapprove('pay', 'carol'); m.approve('pay', 'carol');
  ok(m.exec('pay').console.includes('hello, treasury'), 'fresh approval counts');
});

test('cancel: the proposer any time, anyone else only after expiration', () => {
  const m = fixture();
  m.propose('pay', ABC, m.hiTrx({ expiresIn: 60 }));
  fails(() => m.cancel('pay', 'bob'), assertMsg('cannot cancel until expiration'));
  fails(() => m.chain.push('eosio.msig', 'cancel', { proposer: 'alice', proposal_name: 'pay', canceler: 'bob' }, ['alice@active']), 'missing authority of bob');
  m.chain.time += 61n * 1000000n;
  m.cancel('pay', 'bob');
  eq(m.rows('proposal', 'proposal'), []);
  eq(m.rows('approvals2', 'approvals_info'), []);
  m.propose('pay2', ABC, m.hiTrx());
  m.cancel('pay2', 'alice');
  fails(() => m.cancel('pay2', 'alice'), assertMsg('proposal not found'));
});

test('a proposal with delay_sec executes only delay_sec after it became fully approved', () => {
  const m = fixture();
  m.propose('later', ABC, m.hiTrx({ delay: 600 }));
  m.approve('later', 'bob');
  eq(m.rows('proposal', 'proposal')[0].value.earliest_exec_time, null, 'not yet approved');
  m.approve('later', 'carol');
  const t0 = m.chain.time;
  const eet = m.rows('proposal', 'proposal')[0].value.earliest_exec_time;
  eq(BigInt(Date.parse(eet + 'Z')) * 1000n, t0 + 600n * 1000000n, 'earliest_exec_time = approval + delay');
  fails(() => m.exec('later'), assertMsg('too early to execute'));
  m.unapprove('later', 'carol');
  eq(m.rows('proposal', 'proposal')[0].value.earliest_exec_time, null, 'reset once no longer approved');
  m.approve('later', 'carol');
  m.chain.time += 600n * 1000000n;
  ok(m.exec('later').console.includes('hello, treasury'), 'executes after the delay');
});

test('exec through msig needs the msig account to be privileged (inline authority check)', () => {
  const m = fixture();
  m.propose('pay', ABC, m.hiTrx());
  m.approve('pay', 'bob'); m.approve('pay', 'carol');
  m.chain.accounts.get(nameValue('eosio.msig')).privileged = false;
  fails(() => m.exec('pay'), "transaction declares authority 'treasury@active'");
});

// ---- eosio.wrap and the upgrade path ----

const PRODUCERS = Array.from({ length: 21 }, (_, i) => `producer${'abcdefghijklmnopqrstu'[i]}`);

function upgradeFixture() {
  const m = fixture();
  const chain = m.chain;
  chain.createAccount('eosio.wrap');
  chain.accounts.get(nameValue('eosio.wrap')).privileged = true;
  chain.setCode('eosio.wrap', C('eosio.wrap', 'wasm'), C('eosio.wrap', 'abi'));
  for (const p of PRODUCERS) chain.createAccount(p);
  chain.setActiveProducers(PRODUCERS);
  // The boot sequence hands eosio and eosio.wrap to the producers.
  const prods = { threshold: 1, keys: [], waits: [], accounts: [{ permission: lvl('eosio.prods'), weight: 1 }] };
  chain.setAuthority('eosio', 'active', prods);
  chain.setAuthority('eosio', 'owner', prods, 0n);
  const eosioActive = { threshold: 1, keys: [], waits: [], accounts: [{ permission: lvl('eosio'), weight: 1 }] };
  chain.setAuthority('eosio.wrap', 'active', eosioActive);
  chain.setAuthority('eosio.wrap', 'owner', eosioActive, 0n);
  const fs = require('fs');
  const newCode = fs.readFileSync(C('hello', 'wasm'));
  const inner = trxOf(chain, [{ account: 'eosio', name: 'setcode', authorization: [lvl('eosio')],
    data: { account: 'eosio', vmtype: 0, vmversion: 0, code: newCode.toString('hex') } }]);
  const outer = trxOf(chain, [{ account: 'eosio.wrap', name: 'exec', authorization: [lvl('eosio.wrap'), lvl('producera')],
    data: { executer: 'producera', trx: inner } }]);
  m.propose('upgrade', PRODUCERS.map((p) => lvl(p)), outer, 'producera');
  return { m, chain, newCode };
}

test('eosio.prods@active is 2/3+1 of the 21 producers (15), prod.major 11, prod.minor 8', () => {
  const { chain } = upgradeFixture();
  eq(chain.permission('eosio.prods', 'active').auth.threshold, 15);
  eq(chain.permission('eosio.prods', 'prod.major').auth.threshold, 11);
  eq(chain.permission('eosio.prods', 'prod.minor').auth.threshold, 8);
});

test('upgrade: 14 producer approvals cannot set the system contract', () => {
  const { m, chain } = upgradeFixture();
  for (const p of PRODUCERS.slice(0, 14)) m.approve('upgrade', p, 'producera');
  fails(() => m.exec('upgrade', 'producera', 'producera'), assertMsg('transaction authorization failed'));
  eq(chain.accounts.get(nameValue('eosio')).module, null, 'eosio code unchanged');
});

test('upgrade: 15 producer approvals set the new system contract through eosio.wrap', () => {
  const { m, chain, newCode } = upgradeFixture();
  // producera is also the executer the wrapped action names, so its approval is one of the 15.
  for (const p of PRODUCERS.slice(0, 15)) m.approve('upgrade', p, 'producera');
  m.exec('upgrade', 'producera', 'producera');
  eq(chain.accounts.get(nameValue('eosio')).codeHash, crypto.createHash('sha256').update(newCode).digest('hex'), 'new code');
});

test('upgrade: a producer that approved then left the schedule no longer counts', () => {
  const { m, chain } = upgradeFixture();
  for (const p of PRODUCERS.slice(0, 15)) m.approve('upgrade', p, 'producera');
  chain.createAccount('producerv');
  chain.setActiveProducers([...PRODUCERS.filter((p) => p !== 'producerb'), 'producerv']);
  fails(() => m.exec('upgrade', 'producera', 'producera'), assertMsg('transaction authorization failed'));
});

test('eosio.wrap exec: needs eosio.wrap and the executer, a live transaction, no context-free actions', () => {
  const { chain } = upgradeFixture();
  const inner = trxOf(chain, [{ account: 'hello', name: 'hi', authorization: [lvl('treasury')], data: { user: 'treasury' } }]);
  fails(() => chain.push('eosio.wrap', 'exec', { executer: 'alice', trx: inner }, ['alice@active']), 'missing authority of eosio.wrap');
  fails(() => chain.push('eosio.wrap', 'exec', { executer: 'alice', trx: inner }, ['eosio.wrap@active']), 'missing authority of alice');
  const old = trxOf(chain, [], { expiresIn: -1 });
  fails(() => chain.push('eosio.wrap', 'exec', { executer: 'alice', trx: old }, ['eosio.wrap@active', 'alice@active']), assertMsg('transaction expired'));
  const cf = { ...inner, context_free_actions: [{ account: 'hello', name: 'hi', authorization: [], data: '' }] };
  fails(() => chain.push('eosio.wrap', 'exec', { executer: 'alice', trx: cf }, ['eosio.wrap@active', 'alice@active']),
        assertMsg('not allowed to `exec` a transaction with context-free actions'));
  const r = chain.push('eosio.wrap', 'exec', { executer: 'alice', trx: inner }, ['eosio.wrap@active', 'alice@active']);
  ok(r.console.includes('hello, treasury'), 'wrapped action ran with treasury authority');
});

run();
