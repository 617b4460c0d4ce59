#!/usr/bin/env node
// eosio.system (contracts/eosio.system) in the mock host: the privileged passthroughs, the
// newaccount name rules, staking with the 3-day refund, RAM as a refundable deposit, each with
// its success and failure paths and the reference messages, and a random-sequence invariant:
// supply = free balances + staked + refunding + RAM deposits, and every deposit comes back.
//   node system_test.js BUILD_DIR
'use strict';
const path = require('path');
const { Chain, nameValue } = require('./eosio_host');
const { test, eq, ok, fails, assertMsg, run } = require('./harness');

const build = process.argv[2] || 'build';
const C = (n, ext) => path.join(build, 'contracts', `${n}.${ext}`);
const DAY = 86400n * 1000000n;
const USERS = ['alice', 'bob', 'carol'];

function symbolCode(code) {
  let v = 0n;
  for (let i = code.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(code.charCodeAt(i));
  return v;
}

// CPS amounts (4 decimals) <-> integer units.
const units = (text) => BigInt(Math.round(parseFloat(text) * 10000));
const cps = (u) => {
  u = BigInt(u);
  const neg = u < 0n;
  if (neg) u = -u;
  return `${neg ? '-' : ''}${u / 10000n}.${(u % 10000n).toString().padStart(4, '0')} CPS`;
};

const DEFAULT_PARAMS = {
  max_block_net_usage: 1048576, target_block_net_usage_pct: 1000, max_transaction_net_usage: 524288,
  base_per_transaction_net_usage: 12, net_usage_leeway: 500, context_free_discount_net_usage_num: 1,
  context_free_discount_net_usage_den: 100, max_block_cpu_usage: 200000, target_block_cpu_usage_pct: 1000,
  max_transaction_cpu_usage: 150000, min_transaction_cpu_usage: 100, max_transaction_lifetime: 3600,
  deferred_trx_expiration_window: 600, max_transaction_delay: 45 * 24 * 3600, max_inline_action_size: 4096,
  max_inline_action_depth: 4, max_authority_depth: 6,
};

const AUTH = { threshold: 1, keys: [], accounts: [{ permission: { actor: 'eosio', permission: 'active' }, weight: 1 }], waits: [] };

// Table rows with every number as a string (the ABI decoder gives small int64s as numbers).
const strs = (v) => (v ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'number' ? String(x) : x])) : v);

// eosio with the system contract, the CPS token (supply 1,000,000), 10,000 CPS for each user.
function fixture({ init = true } = {}) {
  const chain = new Chain();
  for (const n of ['eosio.token', 'eosio.stake', 'eosio.ram', 'eosio.names', 'eosio.bpay', 'eosio.vpay', 'eosio.saving', ...USERS]) chain.createAccount(n);
  chain.setCode('eosio.token', C('eosio.token', 'wasm'), C('eosio.token', 'abi'));
  chain.setCode('eosio', C('eosio.system', 'wasm'), C('eosio.system', 'abi'));
  const tok = (signer, name, data) => chain.push('eosio.token', name, data, [`${signer}@active`]);
  tok('eosio.token', 'create', { issuer: 'eosio', maximum_supply: '10000000.0000 CPS' }); // room for rewards
  tok('eosio', 'issue', { to: 'eosio', quantity: '1000000.0000 CPS', memo: '' });
  for (const u of USERS) tok('eosio', 'transfer', { from: 'eosio', to: u, quantity: '10000.0000 CPS', memo: '' });
  const s = {
    chain,
    tok,
    supply: () => units(chain.tableRows('eosio.token', symbolCode('CPS'), 'stat', 'currency_stats')[0].value.supply),
    sys: (signer, name, data) => chain.push('eosio', name, data, [`${signer}@active`]),
    init: (core = '4,CPS', version = 0, signer = 'eosio') => s.sys(signer, 'init', { version, core }),
    balance: (owner) => {
      const r = chain.tableRows('eosio.token', owner, 'accounts', 'account').find((x) => x.primary_key === symbolCode('CPS'));
      return r ? r.value.balance : null;
    },
    units: (owner) => { const b = s.balance(owner); return b ? units(b) : 0n; },
    global: () => { const r = chain.tableRows('eosio', 'eosio', 'global', 'eosio_global_state'); return r.length ? strs(r[0].value) : null; },
    userres: (owner) => { const r = chain.tableRows('eosio', owner, 'userres', 'user_resources'); return r.length ? strs(r[0].value) : null; },
    delband: (from) => chain.tableRows('eosio', from, 'delband', 'delegated_bandwidth').map((r) => r.value),
    refund: (owner) => { const r = chain.tableRows('eosio', owner, 'refunds', 'refund_request'); return r.length ? r[0].value : null; },
    deposit: (owner) => { const r = chain.tableRows('eosio', 'eosio', 'ramdeposit', 'ram_deposit').find((x) => x.value.owner === owner); return r ? r.value.deposit : null; },
    limits: (owner) => chain.accounts.get(nameValue(owner)).limits.map(Number),
    delegate: (from, receiver, net, cpu, transfer = false) =>
      s.sys(from, 'delegatebw', { from, receiver, stake_net_quantity: net, stake_cpu_quantity: cpu, transfer }),
    undelegate: (from, receiver, net, cpu) =>
      s.sys(from, 'undelegatebw', { from, receiver, unstake_net_quantity: net, unstake_cpu_quantity: cpu }),
    buyram: (payer, receiver, quant) => s.sys(payer, 'buyram', { payer, receiver, quant }),
    buyrambytes: (payer, receiver, bytes) => s.sys(payer, 'buyrambytes', { payer, receiver, bytes }),
    sellram: (account, bytes) => s.sys(account, 'sellram', { account, bytes }),
    setprice: (price) => s.sys('eosio', 'setparams', { params: DEFAULT_PARAMS, ram_price_per_byte: price }),
    newaccount: (creator, name) => s.sys(creator, 'newaccount', { creator, name, owner: AUTH, active: AUTH }),
  };
  if (init) s.init();
  return s;
}

// Activation: `whale` stakes 15% of the supply (150,000 of 1,000,000 CPS) and votes for `producers`.
function activate(s, producers) {
  if (!s.chain.accounts.has(nameValue('whale'))) s.chain.createAccount('whale');
  s.tok('eosio', 'transfer', { from: 'eosio', to: 'whale', quantity: '150000.0000 CPS', memo: '' });
  s.delegate('whale', 'whale', '75000.0000 CPS', '75000.0000 CPS');
  s.sys('whale', 'voteproducer', { voter: 'whale', proxy: '', producers });
}

// ---- 1. init / setparams / setpriv / setalimits / activate

test('init: global state with the core symbol, 64 GiB RAM ceiling, 1 unit per byte', () => {
  const s = fixture();
  eq(s.global(), { max_ram_size: '68719476736', total_ram_bytes_reserved: '0', total_ram_stake: '0',
    core_symbol: '4,CPS', ram_price_per_byte: '0.0001 CPS', last_name_close: '2000-01-01T00:00:00.000',
    total_producer_vote_weight: '0', last_producer_schedule_update: '2000-01-01T00:00:00.000', last_producer_schedule_size: '0',
    pervote_bucket: '0', perblock_bucket: '0', total_unpaid_blocks: '0', total_activated_stake: '0',
    thresh_activated_stake_time: '1970-01-01T00:00:00.000', last_pervote_bucket_fill: '1970-01-01T00:00:00.000', max_annual_inflation_bp: '500' });
  eq(s.chain.tableRows('eosio', 'eosio', 'global')[0].payer, 'eosio', 'global row payer');
});

test('init: failure paths', () => {
  const s = fixture({ init: false });
  fails(() => s.init('4,CPS', 0, 'alice'), 'missing authority of eosio');
  fails(() => s.init('4,CPS', 1), assertMsg('unsupported version for init action'));
  fails(() => s.init('2,CPS'), assertMsg('specified core symbol does not exist (precision mismatch)'));
  fails(() => s.init('4,XYZ'), assertMsg('unable to find key'));
  fails(() => s.delegate('alice', 'alice', '1.0000 CPS', '1.0000 CPS'), assertMsg('system contract must first be initialized'));
  s.chain.push('eosio.token', 'create', { issuer: 'eosio', maximum_supply: '100.0000 ABC' }, ['eosio.token@active']);
  fails(() => s.init('4,ABC'), assertMsg('system token supply must be greater than 0'));
  s.init();
  fails(() => s.init(), assertMsg('system contract has already been initialized'));
});

test('setparams: blockchain parameters passed to the chain, RAM price stored', () => {
  const s = fixture();
  s.sys('eosio', 'setparams', { params: { ...DEFAULT_PARAMS, max_inline_action_depth: 7 } });
  eq(s.chain.blockchainParameters.readUInt16LE(s.chain.blockchainParameters.length - 4), 7, 'max_inline_action_depth');
  eq(s.global().ram_price_per_byte, '0.0001 CPS', 'price unchanged without the extension');
  s.setprice('0.0010 CPS');
  eq(s.global().ram_price_per_byte, '0.0010 CPS');
  fails(() => s.setprice('0.0000 CPS'), assertMsg('ram price must be positive'));
  fails(() => s.setprice('0.001 CPS'), assertMsg('ram price must be in the core symbol'));
  fails(() => s.chain.push('eosio', 'setparams', { params: DEFAULT_PARAMS }, ['alice@active']), 'missing authority of eosio');
});

test('setpriv: sets and clears the privileged flag, eosio only', () => {
  const s = fixture();
  s.sys('eosio', 'setpriv', { account: 'alice', is_priv: 1 });
  eq(s.chain.accounts.get(nameValue('alice')).privileged, true);
  s.sys('eosio', 'setpriv', { account: 'alice', is_priv: 0 });
  eq(s.chain.accounts.get(nameValue('alice')).privileged, false);
  fails(() => s.sys('alice', 'setpriv', { account: 'alice', is_priv: 1 }), 'missing authority of eosio');
});

test('setalimits: only for accounts without a resource row', () => {
  const s = fixture();
  s.sys('eosio', 'setalimits', { account: 'alice', ram_bytes: 5000, net_weight: 7, cpu_weight: 9 });
  eq(s.limits('alice'), [5000, 7, 9]);
  fails(() => s.sys('bob', 'setalimits', { account: 'alice', ram_bytes: 1, net_weight: 1, cpu_weight: 1 }), 'missing authority of eosio');
  s.delegate('bob', 'bob', '1.0000 CPS', '1.0000 CPS');
  fails(() => s.sys('eosio', 'setalimits', { account: 'bob', ram_bytes: 1, net_weight: 1, cpu_weight: 1 }),
    assertMsg('only supports unlimited accounts'));
});

test('activate: preactivates the feature digest', () => {
  const s = fixture();
  const digest = '0ec7e080177b2c02b278d5088611686b49d739925a92d9bfcacd7fc6b74053bd';
  s.sys('eosio', 'activate', { feature_digest: digest });
  eq(s.chain.preactivated, [digest]);
  fails(() => s.sys('alice', 'activate', { feature_digest: digest }), 'missing authority of eosio');
});

// ---- 2. newaccount

test('newaccount: 12-character name by anyone, resource row and zero limits', () => {
  const s = fixture();
  s.newaccount('alice', 'abcdefghijkl');
  eq(s.userres('abcdefghijkl'), { owner: 'abcdefghijkl', net_weight: '0.0000 CPS', cpu_weight: '0.0000 CPS', ram_bytes: '0' });
  eq(s.chain.tableRows('eosio', 'abcdefghijkl', 'userres')[0].payer, 'abcdefghijkl', 'userres payer');
  eq(s.limits('abcdefghijkl'), [0, 0, 0]);
});

test('newaccount: short names need a bid unless eosio creates them', () => {
  const s = fixture();
  fails(() => s.newaccount('alice', 'short'), assertMsg('no active bid for name'));
  ok(!s.chain.accounts.has(nameValue('short')), 'native account rolled back');
  s.newaccount('eosio', 'short');
  ok(s.chain.accounts.has(nameValue('short')), 'eosio creates short names');
});

test('newaccount: name.domain only by the owner of domain', () => {
  const s = fixture();
  s.newaccount('alice', 'shop.alice');
  ok(s.userres('shop.alice'), 'created by the suffix owner');
  fails(() => s.newaccount('bob', 'evil.alice'), assertMsg('only suffix may create this account'));
  s.newaccount('eosio', 'x.alice'); // eosio is exempt
});

test('native actions run through the system contract on eosio (which accepts them and does nothing more)', () => {
  const s = fixture();
  s.chain.push('eosio', 'updateauth', { account: 'alice', permission: 'friends', parent: 'active', auth: AUTH }, ['alice@active']);
  eq(s.chain.permission('alice', 'friends').auth.threshold, 1, 'updateauth');
  s.chain.push('eosio', 'deleteauth', { account: 'alice', permission: 'friends' }, ['alice@active']);
  eq(s.chain.permission('alice', 'friends'), undefined, 'deleteauth');
  fails(() => s.chain.push('eosio', 'updateauth', { account: 'alice', permission: 'x', parent: 'active', auth: AUTH }, ['bob@active']),
    'updateauth action declares irrelevant authority');
});

// ---- name auctions

const ZERO = '00'.repeat(32);
function onblock(s, signer = 'eosio', producer = 'eosio') {
  const timestamp = new Date(Number(s.chain.time / 1000n)).toISOString().slice(0, 23);
  return s.sys(signer, 'onblock', { header: { timestamp, producer, confirmed: 0, previous: ZERO,
    transaction_mroot: ZERO, action_mroot: ZERO, schedule_version: 0, new_producers: null } });
}
const bids = (s) => s.chain.tableRows('eosio', 'eosio', 'namebids', 'name_bid').map((r) => strs(r.value));

test('bidname: first bid, 10% raises, outbid refunds through bidrefund', () => {
  const s = fixture();
  const bid = (bidder, amount, newname = 'short') => s.sys(bidder, 'bidname', { bidder, newname, bid: amount });
  bid('alice', '1.0000 CPS');
  eq(bids(s), [{ newname: 'short', high_bidder: 'alice', high_bid: '10000', last_bid_time: '2020-01-01T00:00:00.000' }]);
  eq(s.balance('eosio.names'), '1.0000 CPS');
  fails(() => bid('bob', '1.1000 CPS'), assertMsg('must increase bid by 10%'));
  fails(() => bid('alice', '2.0000 CPS'), assertMsg('account is already highest bidder'));
  bid('bob', '1.1001 CPS');
  eq(bids(s)[0].high_bidder, 'bob');
  eq(s.chain.tableRows('eosio', 'short', 'bidrefunds', 'bid_refund').map((r) => r.value), [{ bidder: 'alice', amount: '1.0000 CPS' }]);
  eq(s.balance('alice'), '9999.0000 CPS');
  s.sys('carol', 'bidrefund', { bidder: 'alice', newname: 'short' });
  eq(s.balance('alice'), '10000.0000 CPS');
  eq(s.balance('eosio.names'), '1.1001 CPS');
  fails(() => s.sys('alice', 'bidrefund', { bidder: 'alice', newname: 'short' }), assertMsg('refund not found'));
});

test('bidname: failure paths', () => {
  const s = fixture();
  const bid = (newname, amount = '1.0000 CPS') => s.sys('alice', 'bidname', { bidder: 'alice', newname, bid: amount });
  fails(() => bid('abcdefghijkl'), assertMsg('accounts with 12 character names and no dots can be created without bidding required'));
  fails(() => bid('abc.alice'), assertMsg('you can only bid on top-level suffix'));
  fails(() => bid('bob'), assertMsg('account already exists'));
  fails(() => bid('short', '1.0000 XYZ'), assertMsg('asset must be system token'));
  fails(() => bid('short', '0.0000 CPS'), assertMsg('insufficient bid'));
  fails(() => bid(''), assertMsg('the empty name is not a valid account name to bid on'));
  fails(() => s.chain.push('eosio', 'bidname', { bidder: 'alice', newname: 'short', bid: '1.0000 CPS' }, ['bob@active']), 'missing authority of alice');
});

test('onblock: closes the highest bid a day after it was made, from 14 days after activation; only the winner creates the name', () => {
  const s = fixture();
  s.chain.createAccount('prodw');
  s.sys('prodw', 'regproducer', { producer: 'prodw', producer_key: KEY, url: '', location: 0 });
  const t0 = s.chain.time;
  s.sys('alice', 'bidname', { bidder: 'alice', newname: 'short', bid: '1.0000 CPS' });
  s.chain.time = t0 + 2n * DAY;
  onblock(s);
  eq(s.global().last_producer_schedule_update, '2000-01-01T00:00:00.000', 'before activation onblock does nothing');
  activate(s, ['prodw']);
  const tAct = s.chain.time;
  s.chain.time = tAct + 12n * DAY;
  s.sys('bob', 'bidname', { bidder: 'bob', newname: 'other', bid: '5.0000 CPS' });
  fails(() => onblock(s, 'alice'), 'missing authority of eosio');
  s.chain.time = tAct + 14n * DAY;
  onblock(s);
  eq(bids(s).map((b) => b.high_bid), ['50000', '10000'], 'not closed within 14 days of activation');
  s.chain.time += 61n * 1000000n;
  onblock(s);
  eq(bids(s).map((b) => b.high_bid), ['-50000', '10000'], 'highest bid closed');
  const close1 = s.chain.time;
  eq(s.global().last_name_close, '2020-01-17T00:01:01.000');
  s.chain.time += 61n * 1000000n;
  onblock(s);
  eq(bids(s)[1].high_bid, '10000', 'one close per day');
  fails(() => s.sys('carol', 'bidname', { bidder: 'carol', newname: 'other', bid: '9.0000 CPS' }), assertMsg('this auction has already closed'));
  fails(() => s.newaccount('alice', 'other'), assertMsg('only highest bidder can claim'));
  fails(() => s.newaccount('alice', 'nobid'), assertMsg('no active bid for name'));
  s.newaccount('bob', 'other');
  eq(bids(s).map((b) => b.newname), ['short'], 'claimed bid erased');
  s.sys('carol', 'bidname', { bidder: 'carol', newname: 'third', bid: '2.0000 CPS' });
  const carolBid = s.chain.time;
  s.chain.time = close1 + DAY;
  onblock(s);
  eq(bids(s).map((b) => b.high_bid), ['10000', '20000'], 'exactly one day after the last close: not yet');
  s.chain.time = carolBid + DAY;
  onblock(s);
  eq(bids(s).map((b) => b.high_bid), ['10000', '20000'], 'the highest bid is not a day old: nothing closes');
  s.chain.time += 61n * 1000000n;
  onblock(s);
  eq(bids(s).map((b) => b.high_bid), ['10000', '-20000'], 'next day, next name');
  s.newaccount('carol', 'third');
  eq(s.balance('eosio.names'), '8.0000 CPS');
});

// ---- 3. staking

test('delegatebw: stake to self, tables, token movement and resource limits', () => {
  const s = fixture();
  s.delegate('alice', 'alice', '10.0000 CPS', '20.0000 CPS');
  eq(s.balance('alice'), '9970.0000 CPS');
  eq(s.balance('eosio.stake'), '30.0000 CPS');
  eq(s.delband('alice'), [{ from: 'alice', to: 'alice', net_weight: '10.0000 CPS', cpu_weight: '20.0000 CPS' }]);
  eq(s.userres('alice'), { owner: 'alice', net_weight: '10.0000 CPS', cpu_weight: '20.0000 CPS', ram_bytes: '0' });
  eq(s.limits('alice'), [1400, 100000, 200000]);
  s.delegate('alice', 'alice', '1.0000 CPS', '0.0000 CPS');
  eq(s.userres('alice').net_weight, '11.0000 CPS');
  eq(s.limits('alice'), [1400, 110000, 200000]);
});

test('delegatebw: to another account, with and without transfer', () => {
  const s = fixture();
  s.delegate('alice', 'bob', '1.0000 CPS', '2.0000 CPS');
  eq(s.delband('alice'), [{ from: 'alice', to: 'bob', net_weight: '1.0000 CPS', cpu_weight: '2.0000 CPS' }]);
  eq(s.userres('bob').cpu_weight, '2.0000 CPS');
  s.delegate('alice', 'carol', '1.0000 CPS', '1.0000 CPS', true);
  eq(s.delband('alice').length, 1, 'transferred stake is not alice\'s');
  eq(s.delband('carol'), [{ from: 'carol', to: 'carol', net_weight: '1.0000 CPS', cpu_weight: '1.0000 CPS' }]);
  eq(s.balance('alice'), '9995.0000 CPS');
  // carol owns it now: she can unstake it, alice cannot.
  fails(() => s.undelegate('alice', 'carol', '1.0000 CPS', '0.0000 CPS'), assertMsg('insufficient staked net bandwidth'));
  s.undelegate('carol', 'carol', '1.0000 CPS', '1.0000 CPS');
  eq(s.refund('carol').net_amount, '1.0000 CPS');
});

test('delegatebw: failure paths', () => {
  const s = fixture();
  fails(() => s.delegate('alice', 'alice', '-1.0000 CPS', '2.0000 CPS'), assertMsg('must stake a positive amount'));
  fails(() => s.delegate('alice', 'alice', '0.0000 CPS', '0.0000 CPS'), assertMsg('must stake a positive amount'));
  fails(() => s.delegate('alice', 'alice', '1.0000 CPS', '1.0000 CPS', true), assertMsg('cannot use transfer flag if delegating to self'));
  fails(() => s.delegate('alice', 'alice', '1.0000 XYZ', '1.0000 CPS'), assertMsg('comparison of assets with different symbols is not allowed'));
  fails(() => s.delegate('alice', 'alice', '20000.0000 CPS', '0.0000 CPS'), assertMsg('overdrawn balance'));
  fails(() => s.chain.push('eosio', 'delegatebw', { from: 'alice', receiver: 'alice', stake_net_quantity: '1.0000 CPS',
    stake_cpu_quantity: '1.0000 CPS', transfer: false }, ['bob@active']), 'missing authority of alice');
  fails(() => s.delegate('alice', 'nobody', '1.0000 CPS', '1.0000 CPS'), assertMsg('receiver account does not exist'));
  eq(s.balance('alice'), '10000.0000 CPS', 'nothing moved');
});

test('undelegatebw + refund: 3-day delay, then the tokens come back', () => {
  const s = fixture();
  s.delegate('alice', 'alice', '10.0000 CPS', '20.0000 CPS');
  s.undelegate('alice', 'alice', '4.0000 CPS', '5.0000 CPS');
  eq(s.userres('alice'), { owner: 'alice', net_weight: '6.0000 CPS', cpu_weight: '15.0000 CPS', ram_bytes: '0' });
  eq(s.limits('alice'), [1400, 60000, 150000]);
  eq(s.refund('alice'), { owner: 'alice', request_time: '2020-01-01T00:00:00', net_amount: '4.0000 CPS', cpu_amount: '5.0000 CPS' });
  eq(s.balance('alice'), '9970.0000 CPS', 'nothing back yet');
  s.chain.time += 3n * DAY - 1000000n;
  fails(() => s.sys('alice', 'refund', { owner: 'alice' }), assertMsg('refund is not available yet'));
  s.chain.time += 1000000n;
  fails(() => s.sys('bob', 'refund', { owner: 'bob' }), assertMsg('refund request not found'));
  fails(() => s.chain.push('eosio', 'refund', { owner: 'alice' }, ['bob@active']), 'missing authority of alice');
  s.sys('alice', 'refund', { owner: 'alice' });
  eq(s.balance('alice'), '9979.0000 CPS');
  eq(s.balance('eosio.stake'), '21.0000 CPS');
  eq(s.refund('alice'), null, 'refund row erased');
});

test('undelegatebw: a new unstake restarts the clock; restaking takes from the refund first', () => {
  const s = fixture();
  s.delegate('alice', 'alice', '10.0000 CPS', '10.0000 CPS');
  s.undelegate('alice', 'alice', '5.0000 CPS', '5.0000 CPS');
  s.chain.time += 2n * DAY;
  s.undelegate('alice', 'alice', '1.0000 CPS', '0.0000 CPS');
  eq(s.refund('alice').request_time, '2020-01-03T00:00:00');
  eq(s.refund('alice').net_amount, '6.0000 CPS');
  const before = s.balance('alice');
  s.delegate('alice', 'alice', '7.0000 CPS', '2.0000 CPS');
  eq(s.refund('alice'), { owner: 'alice', request_time: '2020-01-03T00:00:00', net_amount: '0.0000 CPS', cpu_amount: '3.0000 CPS' });
  eq(units(before) - s.units('alice'), units('1.0000'), 'only the part not covered by the refund is transferred');
  eq(s.userres('alice').net_weight, '11.0000 CPS');
});

test('undelegatebw: failure paths', () => {
  const s = fixture();
  s.delegate('alice', 'alice', '1.0000 CPS', '1.0000 CPS');
  fails(() => s.undelegate('alice', 'alice', '2.0000 CPS', '0.0000 CPS'), assertMsg('insufficient staked net bandwidth'));
  fails(() => s.undelegate('alice', 'alice', '0.0000 CPS', '2.0000 CPS'), assertMsg('insufficient staked cpu bandwidth'));
  fails(() => s.undelegate('alice', 'alice', '-1.0000 CPS', '0.0000 CPS'), assertMsg('must unstake a positive amount'));
  fails(() => s.undelegate('alice', 'alice', '0.0000 CPS', '0.0000 CPS'), assertMsg('must unstake a positive amount'));
  fails(() => s.undelegate('bob', 'alice', '1.0000 CPS', '0.0000 CPS'), assertMsg('insufficient staked net bandwidth'));
});

// ---- 4. RAM deposits

test('buyram: whole bytes at the fixed price, deposit held by eosio.ram, limits follow', () => {
  const s = fixture();
  s.setprice('0.0010 CPS');
  s.buyram('alice', 'alice', '1.0005 CPS');
  eq(s.balance('alice'), '9999.0000 CPS', 'the remainder below one byte is not taken');
  eq(s.balance('eosio.ram'), '1.0000 CPS');
  eq(s.userres('alice').ram_bytes, '1000');
  eq(s.deposit('alice'), '1.0000 CPS');
  eq(s.limits('alice')[0], 2400);
  eq(s.global().total_ram_bytes_reserved, '1000');
  eq(s.global().total_ram_stake, '10000');
  s.buyrambytes('bob', 'alice', 500);
  eq(s.balance('bob'), '9999.5000 CPS');
  eq(s.userres('alice').ram_bytes, '1500');
  eq(s.deposit('alice'), '1.5000 CPS', 'the receiver owns the deposit');
});

test('sellram: deposit returned pro rata, in full for the last byte, even across price changes', () => {
  const s = fixture();
  s.setprice('0.0003 CPS');
  s.buyrambytes('alice', 'alice', 7);
  s.setprice('0.0010 CPS');
  s.buyrambytes('alice', 'alice', 3);
  eq(s.deposit('alice'), '0.0051 CPS');
  s.sellram('alice', 3);
  eq(s.deposit('alice'), '0.0036 CPS', 'floor(51 * 3 / 10) = 15 returned');
  eq(s.balance('alice'), '9999.9964 CPS');
  s.sellram('alice', 7);
  eq(s.balance('alice'), '10000.0000 CPS', 'every unit of the deposit came back');
  eq(s.deposit('alice'), null);
  eq(s.balance('eosio.ram'), '0.0000 CPS');
  eq(s.global().total_ram_stake, '0');
  eq(s.limits('alice')[0], 1400);
});

test('buyram / sellram: failure paths', () => {
  const s = fixture();
  s.setprice('0.0010 CPS');
  fails(() => s.buyram('alice', 'alice', '1.0000 XYZ'), assertMsg('must buy ram with core token'));
  fails(() => s.buyram('alice', 'alice', '0.0000 CPS'), assertMsg('must purchase a positive amount'));
  fails(() => s.buyram('alice', 'alice', '0.0009 CPS'), assertMsg('quantity is less than the price of one byte'));
  fails(() => s.buyrambytes('alice', 'alice', 0), assertMsg('must reserve a positive amount'));
  fails(() => s.buyram('alice', 'nobody', '1.0000 CPS'), assertMsg('receiver account does not exist'));
  fails(() => s.chain.push('eosio', 'buyram', { payer: 'alice', receiver: 'alice', quant: '1.0000 CPS' }, ['bob@active']), 'missing authority of alice');
  fails(() => s.buyram('alice', 'alice', '20000.0000 CPS'), assertMsg('overdrawn balance'));
  fails(() => s.sellram('alice', 1), assertMsg('no resource row'));
  s.setprice('200000.0000 CPS');
  fails(() => s.buyrambytes('alice', 'alice', 4294967295), assertMsg('ram purchase too large'));
  s.setprice('0.0010 CPS');
  s.buyrambytes('alice', 'alice', 10);
  fails(() => s.sellram('alice', 11), assertMsg('insufficient quota'));
  fails(() => s.sellram('alice', 0), assertMsg('cannot sell negative byte'));
  fails(() => s.sellram('alice', -5), assertMsg('cannot sell negative byte'));
  fails(() => s.chain.push('eosio', 'sellram', { account: 'alice', bytes: 1 }, ['bob@active']), 'missing authority of alice');
});

// ---- 5. producers and votes

const KEY = 'EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV';
const PRODS = 'abcdefghijklmnopqrstuv'.split('').map((c) => `prod${c}`);
function voting() {
  const s = fixture();
  for (const p of PRODS) s.chain.createAccount(p);
  s.reg = (producer, extra = {}) => s.sys(producer, 'regproducer', { producer, producer_key: KEY, url: `https://${producer}.example`, location: 1, ...extra });
  s.vote = (voter, producers, proxy = '') => s.sys(voter, 'voteproducer', { voter, proxy, producers });
  s.prod = (p) => { const r = s.chain.tableRows('eosio', 'eosio', 'producers', 'producer_info').find((x) => x.value.owner === p); return r ? strs(r.value) : null; };
  s.voter = (v) => { const r = s.chain.tableRows('eosio', 'eosio', 'voters', 'voter_info').find((x) => x.value.owner === v); return r ? strs(r.value) : null; };
  return s;
}

test('regproducer / unregprod: producer row with the proposed inflation; failure paths', () => {
  const s = voting();
  s.reg('proda', { annual_inflation_bp: 300 });
  eq(s.prod('proda'), { owner: 'proda', total_votes: '0', producer_key: 'PUB_K1_6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5BoDq63', is_active: true,
    url: 'https://proda.example', unpaid_blocks: '0', last_claim_time: '2020-01-01T00:00:00.000', location: '1', annual_inflation_bp: '300' });
  s.reg('proda', { url: 'x' });
  eq([s.prod('proda').url, s.prod('proda').annual_inflation_bp], ['x', '300'], 'update keeps the proposal when not given');
  fails(() => s.reg('prodb', { annual_inflation_bp: 501 }), assertMsg('proposed annual inflation exceeds the 5% cap'));
  fails(() => s.reg('prodb', { url: 'u'.repeat(512) }), assertMsg('url too long'));
  fails(() => s.chain.push('eosio', 'regproducer', { producer: 'prodb', producer_key: KEY, url: '', location: 0 }, ['alice@active']), 'missing authority of prodb');
  const raw = Buffer.concat([Buffer.from(nameValue('prodb').toString(16).padStart(16, '0'), 'hex').reverse(), Buffer.alloc(34), Buffer.from([0]), Buffer.alloc(2)]);
  fails(() => s.chain.pushTransaction({ actions: [{ account: 'eosio', name: 'regproducer', authorization: [{ actor: 'prodb', permission: 'active' }], data: raw }] }),
    assertMsg('public key should not be the default value'));
  s.sys('proda', 'unregprod', { producer: 'proda' });
  eq(s.prod('proda').is_active, false);
  fails(() => s.sys('prodb', 'unregprod', { producer: 'prodb' }), assertMsg('producer not found'));
});

test('voteproducer: stake-weighted votes that follow later stake changes', () => {
  const s = voting();
  s.reg('proda'); s.reg('prodb'); s.reg('prodc');
  fails(() => s.vote('alice', ['proda']), assertMsg('user must stake before they can vote'));
  s.delegate('alice', 'alice', '10.0000 CPS', '10.0000 CPS');
  s.vote('alice', ['proda', 'prodb']);
  eq([s.prod('proda').total_votes, s.prod('prodb').total_votes, s.prod('prodc').total_votes], ['200000', '200000', '0']);
  eq(s.global().total_producer_vote_weight, '400000');
  eq(s.voter('alice').producers, ['proda', 'prodb']);
  s.delegate('alice', 'alice', '5.0000 CPS', '0.0000 CPS');
  eq(s.prod('proda').total_votes, '250000', 'new stake adds to the votes');
  s.vote('alice', ['prodb', 'prodc']);
  eq([s.prod('proda').total_votes, s.prod('prodb').total_votes, s.prod('prodc').total_votes], ['0', '250000', '250000']);
  s.undelegate('alice', 'alice', '0.0000 CPS', '5.0000 CPS');
  eq(s.prod('prodc').total_votes, '200000', 'unstaking removes votes');
  eq(s.global().total_producer_vote_weight, '400000');
  fails(() => s.vote('alice', ['prodc', 'prodb']), assertMsg('producer votes must be unique and sorted'));
  fails(() => s.vote('alice', ['prodb', 'prodb']), assertMsg('producer votes must be unique and sorted'));
  fails(() => s.vote('alice', Array.from({ length: 31 }, (_, i) => `v${String.fromCharCode(97 + Math.floor(i / 5))}${String.fromCharCode(97 + (i % 5))}`)),
    assertMsg('attempt to vote for too many producers'));
  fails(() => s.vote('alice', ['proda', 'prodz']), assertMsg('producer prodz is not registered'));
  s.sys('proda', 'unregprod', { producer: 'proda' });
  fails(() => s.vote('alice', ['proda']), assertMsg('producer proda is not currently registered'));
  fails(() => s.chain.push('eosio', 'voteproducer', { voter: 'alice', proxy: '', producers: [] }, ['bob@active']), 'missing authority of alice');
});

test('regproxy + voteproducer: proxied weight reaches the proxy\'s producers', () => {
  const s = voting();
  s.reg('proda');
  s.delegate('bob', 'bob', '1.0000 CPS', '1.0000 CPS');
  s.delegate('carol', 'carol', '3.0000 CPS', '3.0000 CPS');
  fails(() => s.vote('carol', [], 'bob'), assertMsg('proxy not found'));
  fails(() => s.vote('carol', [], 'alice'), assertMsg('invalid proxy specified'));
  s.sys('bob', 'regproxy', { proxy: 'bob', isproxy: true });
  fails(() => s.sys('bob', 'regproxy', { proxy: 'bob', isproxy: true }), assertMsg('action has no effect'));
  s.vote('carol', [], 'bob');
  eq(s.voter('bob').proxied_vote_weight, '60000');
  s.vote('bob', ['proda']);
  eq(s.prod('proda').total_votes, '80000', 'own stake + proxied');
  s.delegate('carol', 'carol', '1.0000 CPS', '0.0000 CPS');
  eq(s.prod('proda').total_votes, '90000', 'a delegator\'s new stake flows through the proxy');
  s.vote('carol', ['proda']);
  eq(s.voter('bob').proxied_vote_weight, '0');
  eq(s.prod('proda').total_votes, '90000', 'carol now votes directly');
  fails(() => s.vote('carol', ['proda'], 'bob'), assertMsg('cannot vote for producers and proxy at same time'));
  fails(() => s.vote('carol', [], 'carol'), assertMsg('cannot proxy to self'));
  fails(() => s.vote('bob', [], 'carol'), assertMsg('account registered as a proxy is not allowed to use a proxy'));
  s.vote('carol', [], 'bob');
  fails(() => s.sys('carol', 'regproxy', { proxy: 'carol', isproxy: true }), assertMsg('account that uses a proxy is not allowed to become a proxy'));
});

test('onblock: proposes the top 21 active producers by votes, sorted, at most once a minute', () => {
  const s = voting();
  for (const p of PRODS) s.reg(p);
  onblock(s);
  eq(s.chain.proposedSchedule, null, 'no votes, no schedule');
  s.delegate('alice', 'alice', '50.0000 CPS', '50.0000 CPS');
  s.vote('alice', PRODS.slice(0, 21));
  s.chain.time += 61000000n;
  onblock(s);
  eq(s.chain.proposedSchedule, null, 'votes below 15% of the supply: no schedule');
  activate(s, PRODS.slice(0, 20));
  s.chain.time += 61000000n;
  onblock(s);
  const proposed = () => JSON.parse(s.chain.proposedSchedule).map(([n]) => require('./eosio_host').nameText(BigInt(n)));
  eq(proposed(), PRODS.slice(0, 21));
  eq(s.global().last_producer_schedule_size, '21');
  s.delegate('carol', 'carol', '500.0000 CPS', '500.0000 CPS');
  s.vote('carol', ['prodv']);
  s.chain.time += 30000000n;
  onblock(s);
  eq(proposed(), PRODS.slice(0, 21), 'not within a minute of the last update');
  s.chain.time += 31000000n;
  onblock(s);
  eq(proposed(), [...PRODS.slice(0, 20), 'prodv'], 'prodv in, the producer with the fewest votes out');
  s.sys('proda', 'unregprod', { producer: 'proda' });
  s.sys('prodb', 'unregprod', { producer: 'prodb' });
  s.chain.time += 61000000n;
  const before = s.chain.proposedSchedule;
  onblock(s);
  eq(s.chain.proposedSchedule, before, 'fewer than 21 candidates do not shrink the schedule');
});

// ---- 6. activation, rmvproducer and producer pay

test('activation: 15% of the supply staked by voters, following votes and unstakes until reached, then permanent', () => {
  const s = voting();
  s.reg('proda');
  s.chain.createAccount('whale');
  s.tok('eosio', 'transfer', { from: 'eosio', to: 'whale', quantity: '200000.0000 CPS', memo: '' });
  s.delegate('whale', 'whale', '50000.0000 CPS', '50000.0000 CPS');
  eq(s.global().total_activated_stake, '0', 'stake without a vote does not count');
  s.vote('whale', ['proda']);
  eq(s.global().total_activated_stake, '1000000000');
  s.vote('whale', []);
  eq(s.global().total_activated_stake, '0', 'withdrawn vote');
  s.vote('whale', ['proda']);
  s.undelegate('whale', 'whale', '5000.0000 CPS', '5000.0000 CPS');
  eq(s.global().total_activated_stake, '900000000', 'unstake of a voter');
  s.sys('bob', 'regproxy', { proxy: 'bob', isproxy: true });
  s.delegate('carol', 'carol', '10.0000 CPS', '10.0000 CPS');
  s.vote('carol', [], 'bob');
  eq(s.global().total_activated_stake, '900200000', 'a proxied voter counts with its own stake');
  s.delegate('whale', 'whale', '29990.0000 CPS', '29989.9999 CPS');
  eq([s.global().total_activated_stake, s.global().thresh_activated_stake_time], ['1499999999', '1970-01-01T00:00:00.000'], 'one unit short');
  onblock(s);
  eq(s.global().last_pervote_bucket_fill, '1970-01-01T00:00:00.000', 'onblock before activation does nothing');
  fails(() => s.sys('proda', 'claimrewards', { owner: 'proda' }),
    assertMsg('cannot claim rewards until the chain is activated (at least 15% of all tokens participate in voting)'));
  s.chain.time += 1000000n;
  s.delegate('whale', 'whale', '0.0001 CPS', '0.0000 CPS');
  eq([s.global().total_activated_stake, s.global().thresh_activated_stake_time], ['1500000000', '2020-01-01T00:00:01.000'], 'activated');
  s.undelegate('whale', 'whale', '50000.0000 CPS', '50000.0000 CPS');
  eq([s.global().total_activated_stake, s.global().thresh_activated_stake_time], ['1500000000', '2020-01-01T00:00:01.000'], 'activation is permanent');
  onblock(s);
  eq(s.global().last_pervote_bucket_fill, '2020-01-01T00:00:01.000', 'the first onblock after activation starts the presses');
  eq(s.global().total_unpaid_blocks, '0', 'blocks of the genesis producer (no producer row) earn nothing');
});

test('rmvproducer: eosio deactivates a producer, which leaves the next schedule and cannot claim', () => {
  const s = voting();
  s.reg('proda'); s.reg('prodb');
  activate(s, ['proda', 'prodb']);
  s.chain.time += 61000000n;
  onblock(s);
  const proposed = () => JSON.parse(s.chain.proposedSchedule).map(([n]) => require('./eosio_host').nameText(BigInt(n)));
  eq(proposed(), ['proda', 'prodb']);
  s.chain.activateProposedSchedule();
  fails(() => s.sys('proda', 'rmvproducer', { producer: 'prodb' }), 'missing authority of eosio');
  fails(() => s.sys('eosio', 'rmvproducer', { producer: 'prodz' }), assertMsg('producer not found'));
  s.sys('eosio', 'rmvproducer', { producer: 'prodb' });
  eq([s.prod('prodb').is_active, s.prod('prodb').producer_key], [false, 'PUB_K1_11111111111111111111111111111111149Mr2R']);
  s.chain.createAccount('prodc'); s.reg('prodc');
  s.vote('whale', ['proda', 'prodc']);
  s.chain.time += 61000000n;
  onblock(s);
  eq(proposed(), ['proda', 'prodc'], 'removed producer left out');
  s.chain.time += 2n * DAY;
  fails(() => s.sys('prodb', 'claimrewards', { owner: 'prodb' }), assertMsg('producer does not have an active key'));
  fails(() => s.sys('alice', 'claimrewards', { owner: 'alice' }), assertMsg('unable to find key'));
  fails(() => s.chain.push('eosio', 'claimrewards', { owner: 'proda' }, ['alice@active']), 'missing authority of proda');
});

const YEAR = 52n * 7n * DAY;
const issuedFor = (supply, bp, usec) => (supply * BigInt(bp) * usec) / (10000n * YEAR);

test('claimrewards: median inflation of the active producers, capped; per-block and per-vote buckets; once a day', () => {
  const s = voting();
  s.reg('proda', { annual_inflation_bp: 300 });
  s.reg('prodb', { annual_inflation_bp: 100 });
  s.reg('prodc', { annual_inflation_bp: 500 });
  s.chain.setActiveProducers(['proda', 'prodb', 'prodc']);
  activate(s, ['proda', 'prodb']);                 // 150,000 CPS of votes each
  s.delegate('alice', 'alice', '10.0000 CPS', '10.0000 CPS');
  s.vote('alice', ['prodc']);                      // 20 CPS of votes: a tiny share
  onblock(s, 'eosio', 'proda');
  const tFill = s.chain.time;
  onblock(s, 'eosio', 'prodb');
  onblock(s, 'eosio', 'proda');
  eq([s.prod('proda').unpaid_blocks, s.prod('prodb').unpaid_blocks, s.global().total_unpaid_blocks], ['2', '1', '3']);
  fails(() => s.sys('proda', 'claimrewards', { owner: 'proda' }), assertMsg('already claimed rewards within past day'));

  // 100 days later: median of 100, 300, 500 is 300 (3% a year).
  s.chain.time = tFill + 100n * DAY;
  const supply0 = s.supply();
  s.sys('proda', 'claimrewards', { owner: 'proda' });
  const minted = issuedFor(supply0, 300, 100n * DAY);
  const toProducers = minted / 5n, perBlock = toProducers / 4n, perVote = toProducers - perBlock;
  eq(s.supply() - supply0, minted, 'issued');
  eq(s.units('eosio.saving'), minted - toProducers, 'savings');
  const weight = 2n * 1500000000n + 200000n;
  const blockPayA = (perBlock * 2n) / 3n;
  const votePayA = BigInt(Math.floor(Number(perVote) * 1500000000 / Number(weight)));
  ok(votePayA >= 1000000n, 'proda\'s vote pay is above the 100 CPS minimum');
  eq(s.units('proda'), blockPayA + votePayA, 'proda paid by blocks and votes');
  eq(s.units('eosio.bpay'), perBlock - blockPayA);
  eq(s.units('eosio.vpay'), perVote - votePayA);
  eq([s.global().perblock_bucket, s.global().pervote_bucket, s.global().total_unpaid_blocks],
    [String(perBlock - blockPayA), String(perVote - votePayA), '1']);
  eq([s.prod('proda').unpaid_blocks, s.prod('proda').last_claim_time], ['0', '2020-04-10T00:00:00.000']);
  fails(() => s.sys('proda', 'claimrewards', { owner: 'proda' }), assertMsg('already claimed rewards within past day'));

  // Same instant: nothing new is issued; prodb takes the rest of the block bucket.
  s.sys('prodb', 'claimrewards', { owner: 'prodb' });
  eq(s.supply() - supply0, minted, 'no new tokens without elapsed time');
  const votePayB = BigInt(Math.floor(Number(perVote - votePayA) * 1500000000 / Number(weight)));
  eq(s.units('prodb'), (perBlock - blockPayA) + votePayB);
  eq(s.global().total_unpaid_blocks, '0');
  // prodc's vote share is worth less than 100 CPS: not paid, but its claim time moves.
  s.sys('prodc', 'claimrewards', { owner: 'prodc' });
  eq([s.units('prodc'), s.prod('prodc').last_claim_time], [0n, '2020-04-10T00:00:00.000']);

  // Cap: setparams lowers the ceiling below the median; 10 days more are issued at 1%.
  fails(() => s.sys('eosio', 'setparams', { params: DEFAULT_PARAMS, ram_price_per_byte: '0.0001 CPS', max_annual_inflation_bp: 501 }),
    assertMsg('annual inflation cap exceeds 5%'));
  s.sys('eosio', 'setparams', { params: DEFAULT_PARAMS, ram_price_per_byte: '0.0001 CPS', max_annual_inflation_bp: 100 });
  eq(s.global().max_annual_inflation_bp, '100');
  s.chain.time += 10n * DAY;
  const supply1 = s.supply();
  s.sys('proda', 'claimrewards', { owner: 'proda' });
  eq(s.supply() - supply1, issuedFor(supply1, 100, 10n * DAY), 'capped at 1%');

  // Median of an even count (eosio has no producer row): (100 + 300) / 2 = 200.
  s.sys('eosio', 'setparams', { params: DEFAULT_PARAMS, ram_price_per_byte: '0.0001 CPS', max_annual_inflation_bp: 500 });
  s.chain.setActiveProducers(['eosio', 'proda', 'prodb']);
  s.chain.time += 2n * DAY;
  const supply2 = s.supply();
  s.sys('prodb', 'claimrewards', { owner: 'prodb' });
  eq(s.supply() - supply2, issuedFor(supply2, 200, 2n * DAY), 'even median');
});

// ---- invariant

const fmtSeen = (o) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(", ");
function lcg(seed) {
  let x = seed >>> 0;
  // The high bits: an LCG's low bits have short periods.
  return (n) => { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; return (x >>> 8) % n; };
}

function checkInvariant(s, step) {
  const staked = USERS.flatMap((u) => s.delband(u)).reduce((a, d) => a + units(d.net_weight) + units(d.cpu_weight), 0n);
  const refunding = USERS.map((u) => s.refund(u)).filter(Boolean).reduce((a, r) => a + units(r.net_amount) + units(r.cpu_amount), 0n);
  const deposits = USERS.map((u) => s.deposit(u)).filter(Boolean).reduce((a, d) => a + units(d), 0n);
  const free = ['eosio', ...USERS].reduce((a, u) => a + s.units(u), 0n);
  eq(s.units('eosio.stake'), staked + refunding, `step ${step}: eosio.stake = staked + refunding`);
  eq(s.units('eosio.ram'), deposits, `step ${step}: eosio.ram = deposits`);
  eq(BigInt(s.global().total_ram_stake), deposits, `step ${step}: global total_ram_stake`);
  const bytes = USERS.map((u) => s.userres(u)).filter(Boolean).reduce((a, r) => a + BigInt(r.ram_bytes), 0n);
  eq(BigInt(s.global().total_ram_bytes_reserved), bytes, `step ${step}: global bytes reserved`);
  eq(free + staked + refunding + deposits, units('1000000'), `step ${step}: supply = balances + staked + refunding + deposits`);
  // Votes: each voter's staked amount is what it delegated; producers hold exactly the weight of
  // their direct voters.
  const voters = s.chain.tableRows('eosio', 'eosio', 'voters', 'voter_info').map((r) => strs(r.value));
  for (const v of voters) {
    const own = s.delband(v.owner).reduce((a, d) => a + units(d.net_weight) + units(d.cpu_weight), 0n);
    eq(BigInt(v.staked), own, `step ${step}: ${v.owner} voting stake`);
  }
  const prods = s.chain.tableRows('eosio', 'eosio', 'producers', 'producer_info').map((r) => strs(r.value));
  for (const p of prods) {
    const expected = voters.filter((v) => v.producers.includes(p.owner)).reduce((a, v) => a + BigInt(v.staked), 0n);
    eq(BigInt(p.total_votes), expected, `step ${step}: votes of ${p.owner}`);
  }
  eq(BigInt(s.global().total_producer_vote_weight), prods.reduce((a, p) => a + BigInt(p.total_votes), 0n), `step ${step}: total vote weight`);
  return { staked, refunding, deposits };
}

test('invariant: random stake/unstake/refund/buy/sell sequences; everything returns in full', () => {
  for (const seed of [1, 2, 3]) {
    const s = fixture();
    for (const p of ['proda', 'prodb', 'prodc']) {
      s.chain.createAccount(p);
      s.sys(p, 'regproducer', { producer: p, producer_key: KEY, url: '', location: 0 });
    }
    const rnd = lcg(seed);
    let ok2 = 0;
    const seen = { staked: 0n, refunding: 0n, deposits: 0n };
    for (let step = 0; step < 60; step++) {
      const u = USERS[rnd(3)], v = USERS[rnd(3)];
      const amt = () => cps(rnd(50000));
      try {
        switch (rnd(8)) {
          case 0: s.delegate(u, v, amt(), amt(), u !== v && rnd(4) === 0); break;
          case 1: { // mostly a part of an existing delegation, sometimes more than it
            const rows = s.delband(u);
            const d = rows.length ? rows[rnd(rows.length)] : null;
            const part = (a) => cps(units(a) * BigInt(rnd(120)) / 100n);
            if (d) s.undelegate(u, d.to, part(d.net_weight), part(d.cpu_weight)); else s.undelegate(u, v, amt(), amt());
            break;
          }
          case 2: s.chain.time += BigInt(rnd(4)) * DAY; s.sys(u, 'refund', { owner: u }); break;
          case 3: s.buyram(u, v, amt()); break;
          case 4: s.buyrambytes(u, v, rnd(20000)); break;
          case 5: { const r = s.userres(u); s.sellram(u, r ? Math.max(1, Math.floor(Number(r.ram_bytes) * rnd(100) / 100)) : 1); break; }
          case 6: s.setprice(cps(1 + rnd(20))); break;
          default: s.sys(u, 'voteproducer', { voter: u, proxy: '', producers: ['proda', 'prodb', 'prodc'].filter(() => rnd(2)) });
        }
        ok2++;
      } catch (e) {
        if (!(e instanceof require('./eosio_host').ChainError)) throw e;
      }
      const held = checkInvariant(s, step);
      for (const k of Object.keys(seen)) if (held[k] > seen[k]) seen[k] = held[k];
    }
    ok(ok2 > 20, `seed ${seed}: enough successful actions (${ok2})`);
    ok(seen.staked > 0n && seen.refunding > 0n && seen.deposits > 0n, `seed ${seed}: the sequence staked, unstaked and bought RAM (${fmtSeen(seen)})`);
    // Unwind: sell all RAM, unstake everything, wait, refund: each user holds what they paid in
    // plus what others transferred to them as stake.
    for (const u of USERS) { const r = s.userres(u); if (r && Number(r.ram_bytes) > 0) s.sellram(u, Number(r.ram_bytes)); }
    for (const u of USERS) for (const d of s.delband(u)) {
      const net = d.net_weight, cpu = d.cpu_weight;
      if (units(net) + units(cpu) > 0n) s.undelegate(u, d.to, net, cpu);
    }
    s.chain.time += 3n * DAY;
    for (const u of USERS) if (s.refund(u)) s.sys(u, 'refund', { owner: u });
    checkInvariant(s, 'end');
    eq(s.units('eosio.ram') + s.units('eosio.stake'), 0n, `seed ${seed}: nothing left in eosio.ram and eosio.stake`);
    eq(USERS.reduce((a, u) => a + s.units(u), 0n), units('30000'), `seed ${seed}: users hold all their tokens again`);
  }
});

run();
