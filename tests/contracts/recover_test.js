#!/usr/bin/env node
// cps.recover (contracts/cps.recover) in the mock host: enrollment hands the owner permission to
// the contract; partners replace the active authority only after 30 days without activity; an
// owner-level change needs the account with its partners, or 30 days of notice it can cancel;
// the owner changes at most once per 30 days — and the ways around these rules fail.
//   node recover_test.js BUILD_DIR
'use strict';
const path = require('path');
const { Chain, nameValue } = require('./eosio_host');
const { test, eq, ok, fails, assertMsg, run } = require('./harness');

const build = process.argv[2] || 'build';
const C = (n, ext) => path.join(build, 'contracts', `${n}.${ext}`);
const DAY = 86400n * 1000000n;
// A K1 key as text for the ABI encoder: any valid key works, the emulator checks no signatures.
const KEY = 'EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV';
const keyAuth = { threshold: 1, keys: [{ key: KEY, weight: 1 }], accounts: [], waits: [] };
const contractOwner = { threshold: 1, keys: [], waits: [], accounts: [{ permission: { actor: 'cps.recover', permission: 'eosio.code' }, weight: 1 }] };

function fixture({ enroll = true } = {}) {
  const chain = new Chain();
  for (const n of ['alice', 'bob', 'carol', 'dave', 'erin', 'mallory', 'cps.recover', 'hello']) chain.createAccount(n);
  chain.setCode('cps.recover', C('cps.recover', 'wasm'), C('cps.recover', 'abi'));
  chain.setCode('hello', C('hello', 'wasm'), C('hello', 'abi'));
  const r = {
    chain,
    act: (auth, name, data) => chain.push('cps.recover', name, data, [auth]),
    partnership: () => chain.tableRows('cps.recover', 'cps.recover', 'partners', 'partnership').map((x) => x.value),
    requests: (acct = 'alice') => chain.tableRows('cps.recover', acct, 'requests', 'recovery_request').map((x) => x.value),
    reqactive: (partner) => r.act(`${partner}@active`, 'reqactive', { account: 'alice', partner, new_active: keyAuth }),
    approve: (kind, partner) => r.act(`${partner}@active`, 'approve', { account: 'alice', kind, partner }),
    exec: (kind) => r.act('erin@active', 'exec', { account: 'alice', kind, executer: 'erin' }),
    reqowner: (new_owner, new_partners = [], new_threshold = 0) =>
      r.act('alice@active', 'reqowner', { account: 'alice', new_owner, new_partners, new_threshold }),
    aliceActs: () => chain.push('hello', 'hi', { user: 'alice' }, ['alice@active']),
    ownerAuth: () => chain.permission('alice', 'owner').auth,
    activeAuth: () => chain.permission('alice', 'active').auth,
  };
  if (enroll) r.act('alice@owner', 'enroll', { account: 'alice', partners: ['bob', 'carol', 'dave'], threshold: 2 });
  return r;
}

test('enroll: owner authority only, valid partners; the contract then holds alice@owner alone', () => {
  const r = fixture({ enroll: false });
  const enroll = (auth, partners, threshold) => r.act(auth, 'enroll', { account: 'alice', partners, threshold });
  fails(() => enroll('alice@active', ['bob'], 1), 'missing authority of alice');
  fails(() => enroll('alice@owner', [], 1), assertMsg('at least one recovery partner is required'));
  fails(() => enroll('alice@owner', ['bob', 'carol'], 3), assertMsg('threshold must be between 1 and the number of partners'));
  fails(() => enroll('alice@owner', ['bob'], 0), assertMsg('threshold must be between 1 and the number of partners'));
  fails(() => enroll('alice@owner', ['alice'], 1), assertMsg('an account cannot be its own recovery partner'));
  fails(() => enroll('alice@owner', ['bob', 'bob'], 1), assertMsg('duplicate recovery partner'));
  fails(() => enroll('alice@owner', ['nobody'], 1), assertMsg('recovery partner account does not exist'));
  enroll('alice@owner', ['bob', 'carol', 'dave'], 2);
  eq(r.partnership()[0].partners, ['bob', 'carol', 'dave']);
  eq(r.partnership()[0].threshold, 2);
  const owner = r.ownerAuth();
  eq(owner.keys, [], 'no key holds the owner any more');
  eq(owner.accounts.map((a) => [String(a.permission.actor), a.weight]), [[String(nameValue('cps.recover')), 1]]);
  fails(() => enroll('alice@owner', ['bob'], 1), assertMsg('account is already enrolled; change partners with reqowner'));
});

test('active recovery: partners only, threshold approvals, and only after 30 days of inactivity', () => {
  const r = fixture();
  fails(() => r.reqactive('mallory'), assertMsg('not a recovery partner of this account'));
  r.reqactive('bob');
  fails(() => r.reqactive('carol'), assertMsg('a request of this kind is already pending'));
  fails(() => r.approve('active', 'mallory'), assertMsg('not a recovery partner of this account'));
  fails(() => r.approve('active', 'bob'), assertMsg('partner already approved'));
  fails(() => r.exec('active'), assertMsg('not enough partner approvals'));
  r.approve('active', 'carol');
  fails(() => r.exec('active'), assertMsg('account was active in the last 30 days: partners cannot recover it yet'));
  r.chain.time += 29n * DAY;
  fails(() => r.exec('active'), assertMsg('account was active in the last 30 days: partners cannot recover it yet'));
  r.chain.time += DAY;
  r.exec('active');
  eq(r.activeAuth().keys.length, 1, 'active replaced by the partners\' authority');
  eq(r.requests(), [], 'request consumed');
});

test('active recovery: any use of the account restarts the 30 days', () => {
  const r = fixture();
  r.reqactive('bob'); r.approve('active', 'dave');
  r.chain.time += 29n * DAY;
  r.aliceActs();
  r.chain.time += 2n * DAY;
  fails(() => r.exec('active'), assertMsg('account was active in the last 30 days: partners cannot recover it yet'));
  r.chain.time += 28n * DAY;
  r.exec('active');
});

test('the account cancels a pending recovery with its active authority; partners cannot', () => {
  const r = fixture();
  r.reqactive('bob');
  fails(() => r.act('bob@active', 'cancel', { account: 'alice', kind: 'active' }), 'missing authority of alice');
  r.act('alice@active', 'cancel', { account: 'alice', kind: 'active' });
  eq(r.requests(), []);
  fails(() => r.act('alice@active', 'cancel', { account: 'alice', kind: 'active' }), assertMsg('no such recovery request'));
});

test('no way around the contract: direct updateauth of the owner fails for alice, partners and other contracts', () => {
  const r = fixture();
  const upd = (auths, permission, parent = 'owner') => r.chain.pushTransaction({ actions: [{ account: 'eosio', name: 'updateauth',
    authorization: auths.map((a) => ({ actor: a.split('@')[0], permission: a.split('@')[1] })),
    data: { account: 'alice', permission, parent: permission === 'owner' ? '' : parent, auth: keyAuth } }] });
  fails(() => upd(['alice@active'], 'owner'), 'updateauth action declares irrelevant authority');
  fails(() => upd(['bob@active'], 'active'), 'updateauth action declares irrelevant authority');
  // Another contract's eosio.code does not satisfy alice@owner.
  ok(!r.chain.satisfied(nameValue('alice'), nameValue('owner'), { levels: new Set([`${nameValue('hello')}@${nameValue('eosio.code')}`]), keys: new Set() }), 'hello@eosio.code is not alice@owner');
  ok(r.chain.satisfied(nameValue('alice'), nameValue('owner'), { levels: new Set([`${nameValue('cps.recover')}@${nameValue('eosio.code')}`]), keys: new Set() }), 'cps.recover@eosio.code is');
  upd(['alice@active'], 'active'); // alice still rotates her own active key
});

test('owner change: with the partners immediately, but at most once per 30 days', () => {
  const r = fixture();
  r.reqowner(contractOwner, ['carol', 'dave', 'erin'], 3);
  r.approve('owner', 'bob'); r.approve('owner', 'carol');
  fails(() => r.exec('owner'), assertMsg('owner can change at most once per 30 days'));
  r.chain.time += 30n * DAY;
  r.exec('owner');
  eq(r.partnership()[0].partners, ['carol', 'dave', 'erin']);
  eq(r.partnership()[0].threshold, 3);
  r.reqowner(contractOwner, ['bob'], 1);
  r.approve('owner', 'carol'); r.approve('owner', 'dave'); r.approve('owner', 'erin');
  fails(() => r.exec('owner'), assertMsg('owner can change at most once per 30 days'));
  r.chain.time += 30n * DAY;
  r.exec('owner');
  eq(r.partnership()[0].partners, ['bob']);
});

test('owner change without partners waits 30 days of notice, and the account can cancel it', () => {
  const r = fixture();
  r.chain.time += 30n * DAY;
  r.reqowner(keyAuth);
  r.approve('owner', 'bob');
  fails(() => r.exec('owner'), assertMsg("owner change needs the partners' approval or 30 days of notice"));
  r.chain.time += 30n * DAY - 1n;
  fails(() => r.exec('owner'), assertMsg("owner change needs the partners' approval or 30 days of notice"));
  r.chain.time += 1n;
  r.exec('owner');
  eq(r.ownerAuth().keys.length, 1, 'owner handed to a key: alice left recovery');
  eq(r.partnership(), []);
  fails(() => r.reqactive('bob'), assertMsg('account is not enrolled in recovery'));
});

test('a hijacked active key requesting an owner change is stopped by the account cancelling', () => {
  const r = fixture();
  r.chain.time += 30n * DAY;
  r.reqowner(keyAuth); // the thief, with alice's active key
  r.chain.time += 10n * DAY;
  r.act('alice@active', 'cancel', { account: 'alice', kind: 'owner' });
  r.chain.time += 30n * DAY;
  fails(() => r.exec('owner'), assertMsg('no such recovery request'));
});

test('reqowner rules: active authority, partners only while the contract keeps the owner', () => {
  const r = fixture();
  fails(() => r.act('bob@active', 'reqowner', { account: 'alice', new_owner: keyAuth, new_partners: [], new_threshold: 0 }), 'missing authority of alice');
  fails(() => r.reqowner(keyAuth, ['bob'], 1), assertMsg('partners can only be set while cps.recover holds the owner permission'));
  fails(() => r.reqowner(contractOwner, ['bob'], 2), assertMsg('threshold must be between 1 and the number of partners'));
  // An owner shared between the contract and a key would let the key bypass the rules: it is
  // treated as leaving recovery, so it cannot keep partners.
  const shared = { threshold: 1, keys: [{ key: KEY, weight: 1 }], waits: [], accounts: contractOwner.accounts };
  fails(() => r.reqowner(shared, ['bob'], 1), assertMsg('partners can only be set while cps.recover holds the owner permission'));
  fails(() => r.act('alice@active', 'reqowner', { account: 'bob', new_owner: keyAuth, new_partners: [], new_threshold: 0 }), 'missing authority of bob');
});

test('approvals of a partner removed by an owner change no longer count', () => {
  const r = fixture();
  r.reqactive('bob');
  r.chain.time += 30n * DAY;
  r.reqowner(contractOwner, ['carol', 'dave'], 2);
  r.approve('owner', 'carol'); r.approve('owner', 'dave');
  r.exec('owner');
  fails(() => r.exec('active'), assertMsg('not enough partner approvals'));
});

run();
