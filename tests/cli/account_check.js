// Checks /v1/chain/get_account of a cpsd booted with the system contracts against nodeos's reply
// (chain_plugin read_only::get_account), for the accounts tests/cli/account_cli.test.sh set up:
//   node tests/cli/account_check.js URL PHASE
// PHASE "fresh": alice was just created by eosio with 10 CPS net / 20 CPS cpu staked by eosio and
// 8 KiB of RAM; "staked": alice then got 100 CPS, staked 3 / 4 CPS to herself, unstaked 1 / 0.5,
// voted for herself and linked eosio.token::transfer to active and eosio::voteproducer to eosio.any.
// Prints one line per failure and "N passed, N failed"; exits non-zero on failure.
'use strict';
const [url, phase] = process.argv.slice(2);
let passed = 0;
let failed = 0;
function check(name, cond, detail) {
  if (cond) passed++;
  else {
    failed++;
    console.log(`FAIL: ${name}${detail === undefined ? '' : `: ${detail}`}`);
  }
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
function eq(name, got, want) { check(name, same(got, want), `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`); }

async function post(path, body) {
  const r = await fetch(url + path, { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

// nodeos's field order (FC_REFLECT of get_account_results); core_liquid_balance only when known.
const FIELDS = ['account_name', 'head_block_num', 'head_block_time', 'privileged', 'last_code_update',
  'created', 'core_liquid_balance', 'ram_quota', 'net_weight', 'cpu_weight', 'net_limit', 'cpu_limit',
  'ram_usage', 'permissions', 'total_resources', 'self_delegated_bandwidth', 'refund_request',
  'voter_info', 'rex_info', 'subjective_cpu_bill_limit', 'eosio_any_linked_actions'];
const LIMIT_FIELDS = ['used', 'available', 'max', 'last_usage_update_time', 'current_used'];

function checkLimits(name, l, headTime) {
  eq(`${name}: fields`, Object.keys(l), LIMIT_FIELDS);
  const n = (v) => Number(v);
  check(`${name}: available = max - used`, n(l.available) === Math.max(0, n(l.max) - n(l.used)), JSON.stringify(l));
  check(`${name}: current_used <= used`, n(l.current_used) <= n(l.used) && n(l.current_used) >= 0, JSON.stringify(l));
  check(`${name}: last update not after the head`, l.last_usage_update_time <= headTime, JSON.stringify(l));
}

(async () => {
  // ---- a missing account: nodeos's account_query_exception ----
  const missing = await post('/v1/chain/get_account', { account_name: 'nosuchacct' });
  eq('missing account: status', missing.status, 400);
  eq('missing account: body', [missing.body.code, missing.body.message, missing.body.error.code,
    missing.body.error.name, missing.body.error.what, missing.body.error.details.length,
    missing.body.error.details[0].message], [400, 'Account lookup', 3060002, 'account_query_exception',
    'Account Query Exception', 1, 'unable to retrieve account info (unknown key (boost::tuples::tuple<bool, ' +
    'eosio::chain::name, boost::tuples::null_type, boost::tuples::null_type, boost::tuples::null_type, ' +
    'boost::tuples::null_type, boost::tuples::null_type, boost::tuples::null_type, boost::tuples::null_type, ' +
    'boost::tuples::null_type>): (0 nosuchacct))']);
  const badSym = await post('/v1/chain/get_account', { account_name: 'alice', expected_core_symbol: '4,cps' });
  eq('bad expected_core_symbol', [badSym.status, badSym.body.error && badSym.body.error.name], [400, 'invalid_http_request']);

  const { status, body: a } = await post('/v1/chain/get_account', { account_name: 'alice' });
  eq('alice: status', status, 200);
  const order = FIELDS.filter((f) => phase === 'staked' || f !== 'core_liquid_balance');
  eq('alice: nodeos field order', Object.keys(a), order);
  eq('alice: total_resources', a.total_resources, phase === 'fresh'
    ? { owner: 'alice', net_weight: '10.0000 CPS', cpu_weight: '20.0000 CPS', ram_bytes: 8192 }
    : { owner: 'alice', net_weight: '12.0000 CPS', cpu_weight: '23.5000 CPS', ram_bytes: 8192 });
  eq('alice: weights follow the stake', [a.net_weight, a.cpu_weight],
    phase === 'fresh' ? [100000, 200000] : [120000, 235000]);
  eq('alice: rex_info (no REX)', a.rex_info, null);
  eq('alice: subjective_cpu_bill_limit', a.subjective_cpu_bill_limit,
    { used: 0, available: 0, max: 0, last_usage_update_time: '2000-01-01T00:00:00.000', current_used: 0 });
  checkLimits('alice: net_limit', a.net_limit, a.head_block_time);
  checkLimits('alice: cpu_limit', a.cpu_limit, a.head_block_time);
  eq('alice: permissions', a.permissions.map((p) => [p.perm_name, p.parent, p.linked_actions]),
    phase === 'fresh' ? [['active', 'owner', []], ['owner', '', []]]
      : [['active', 'owner', [{ account: 'eosio.token', action: 'transfer' }]], ['owner', '', []]]);
  eq('alice: eosio_any_linked_actions', a.eosio_any_linked_actions,
    phase === 'fresh' ? [] : [{ account: 'eosio', action: 'voteproducer' }]);

  if (phase === 'fresh') {
    // eosio staked for alice: no self-delegation, no voter row (the stake votes as eosio's).
    eq('fresh: self_delegated_bandwidth', a.self_delegated_bandwidth, null);
    eq('fresh: refund_request', a.refund_request, null);
    eq('fresh: voter_info', a.voter_info, null);
    eq('fresh: no balance without tokens', a.core_liquid_balance, undefined);
    const lim = a.net_limit;
    eq('fresh: no usage yet, last update = created', [lim.used, lim.current_used, lim.last_usage_update_time],
      [0, 0, a.created]);
  } else {
    eq('staked: core_liquid_balance', a.core_liquid_balance, '93.0000 CPS');
    eq('staked: self_delegated_bandwidth', a.self_delegated_bandwidth,
      { from: 'alice', to: 'alice', net_weight: '2.0000 CPS', cpu_weight: '3.5000 CPS' });
    const r = a.refund_request || {};
    eq('staked: refund_request', [r.owner, r.net_amount, r.cpu_amount], ['alice', '1.0000 CPS', '0.5000 CPS']);
    check('staked: refund request_time is a time_point_sec', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(r.request_time),
      r.request_time);
    eq('staked: voter_info', a.voter_info, { owner: 'alice', proxy: '', producers: ['alice'], staked: 55000,
      last_vote_weight: '55000.00000000000000000', proxied_vote_weight: '0.00000000000000000', is_proxy: 0,
      flags1: 0, reserved2: 0, reserved3: '0.0000 CPS' });
    check('staked: alice\'s transactions are billed', Number(a.net_limit.used) > 0 && Number(a.cpu_limit.used) > 0,
      JSON.stringify([a.net_limit, a.cpu_limit]));

    const withSym = async (sym) => (await post('/v1/chain/get_account', { account_name: 'alice', expected_core_symbol: sym })).body;
    eq('expected_core_symbol 4,CPS', (await withSym('4,CPS')).core_liquid_balance, '93.0000 CPS');
    eq('expected_core_symbol of another precision', (await withSym('8,CPS')).core_liquid_balance, undefined);
    eq('expected_core_symbol of a token alice lacks', (await withSym('4,SYS')).core_liquid_balance, undefined);

    // A typed client decodes the whole reply (every struct and optional field in its place).
    const { APIClient } = require('@wharfkit/antelope');
    const acct = await new APIClient({ url }).v1.chain.get_account('alice');
    eq('wharfkit: typed fields', [String(acct.core_liquid_balance), String(acct.self_delegated_bandwidth.net_weight),
      String(acct.total_resources.cpu_weight), String(acct.refund_request.cpu_amount), Number(acct.voter_info.staked),
      acct.voter_info.producers.map(String), String(acct.permissions[0].linked_actions[0].action)],
    ['93.0000 CPS', '2.0000 CPS', '23.5000 CPS', '0.5000 CPS', 55000, ['alice'], 'transfer']);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.log(`FAIL: ${e.stack || e}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
