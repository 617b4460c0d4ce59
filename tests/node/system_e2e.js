// The system contracts on a running cpsd (driven by system.test.sh): boot (token, then system
// contracts; eosio's ABI before and after), newaccount through the system contract with RAM and
// stake, transfer, regproducer, voteproducer, undelegatebw and the refused early refund, the
// name.domain rule, an msig proposal of a privileged action through eosio.wrap, and cps.recover's
// partners with a refused early recovery. Time-dependent successes are tested in the emulator
// (tests/contracts); here the chain's clock cannot be moved, so only the refusals are.
//   node system_e2e.js URL BUILD_DIR
'use strict';
const boot = require('../../scripts/boot.js');

const [url, build] = process.argv.slice(2);
let passed = 0, failed = 0;
const ok = (what) => { passed++; console.log(`PASS ${what}`); };
const bad = (what, why) => { failed++; console.log(`FAIL ${what}: ${why}`); };
const errText = (e) => {
  const d = e && e.json && e.json.error && e.json.error.details && e.json.error.details[0];
  return d ? d.message : String((e && e.message) || e);
};
async function check(what, fn) {
  try { await fn(); ok(what); } catch (e) { bad(what, errText(e)); }
}
async function refused(what, fn, message) {
  try { await fn(); bad(what, 'it succeeded'); } catch (e) {
    const m = errText(e);
    if (m === `assertion failure with message: ${message}`) ok(`${what} (${message})`);
    else bad(what, `expected "${message}", got "${m}"`);
  }
}
const expectEq = (a, b, what) => { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`); };
const act = (account, name, actor, data) => ({ account, name, authorization: [{ actor, permission: 'active' }], data });
const row = async (rpc, code, scope, table, extra = {}) => (await rpc.get_table_rows({ code, scope, table, json: true, limit: 100, ...extra })).rows;

async function main() {
  const { rpc, api } = boot.connect(url);
  const K = boot.DEV_PUBLIC_KEY;
  const tx = (...actions) => boot.transact(api, actions);

  await check('boot: token step; eosio has the native ABI', async () => {
    await boot.boot(url, build);
    const abi = (await rpc.get_abi('eosio')).abi;
    const names = abi ? abi.actions.map((a) => a.name) : [];
    if (names.includes('init')) throw new Error('system ABI already on eosio');
  });
  // Accounts made before the system contract (natively, like genesis accounts).
  for (const n of ['alice', 'bob', 'carol']) await boot.newAccount(api, n);
  await check('boot: system step; eosio has the system ABI, global initialized, msig and wrap privileged', async () => {
    await boot.boot(url, build, { system: true, producers: 1 });
    const names = (await rpc.get_abi('eosio')).abi.actions.map((a) => a.name);
    for (const n of ['init', 'claimrewards', 'rmvproducer', 'delegatebw', 'updateauth', 'setcode']) if (!names.includes(n)) throw new Error(`no ${n}`);
    const g = (await row(rpc, 'eosio', 'eosio', 'global'))[0];
    expectEq([g.core_symbol, g.max_annual_inflation_bp, g.thresh_activated_stake_time], ['4,CPS', 500, '1970-01-01T00:00:00.000'], 'global');
    for (const n of ['eosio.msig', 'eosio.wrap']) if (!(await rpc.get_account(n)).privileged) throw new Error(`${n} not privileged`);
    const prods = await row(rpc, 'eosio', 'eosio', 'producers');
    expectEq(prods.map((p) => [p.owner, p.is_active, p.annual_inflation_bp]), [['producera', 1, 300]], 'producers');
  });
  api.cachedAbis.delete('eosio'); // this client read eosio's native ABI before the boot
  api.contracts.delete('eosio');
  await check('boot again: nothing left to do (idempotent)', () => boot.boot(url, build, { system: true, producers: 1 }));

  // Resources for the pre-system accounts: RAM first (the limits must cover their usage), then stake.
  await check('buyrambytes + delegatebw for existing accounts', async () => {
    for (const n of ['alice', 'bob', 'carol']) {
      await tx(act('eosio', 'buyrambytes', 'eosio', { payer: 'eosio', receiver: n, bytes: 32768 }),
        act('eosio.token', 'transfer', 'eosio', { from: 'eosio', to: n, quantity: '1000.0000 CPS', memo: 'e2e' }));
      await tx(act('eosio', 'delegatebw', n, { from: n, receiver: n, stake_net_quantity: '100.0000 CPS', stake_cpu_quantity: '100.0000 CPS', transfer: false }));
    }
    const a = await rpc.get_account('alice');
    expectEq([a.ram_quota, a.net_weight, a.cpu_weight], [32768 + 1400, 1000000, 1000000], 'alice limits');
    expectEq((await rpc.get_currency_balance('eosio.token', 'alice', 'CPS')), ['800.0000 CPS'], 'alice balance');
  });
  await check('newaccount through the system contract with buyrambytes and delegatebw', async () => {
    await boot.systemNewAccount(api, { creator: 'alice', name: 'dave.alice', ramBytes: 8192, net: '1.0000 CPS', cpu: '1.0000 CPS', transfer: true });
    const d = await rpc.get_account('dave.alice');
    expectEq([d.ram_quota, d.net_weight, d.cpu_weight], [8192 + 1400, 10000, 10000], 'dave.alice limits');
  });
  await check('transfer alice -> bob', async () => {
    await tx(act('eosio.token', 'transfer', 'alice', { from: 'alice', to: 'bob', quantity: '5.0000 CPS', memo: 'hi' }));
    expectEq(await rpc.get_currency_balance('eosio.token', 'bob', 'CPS'), ['805.0000 CPS'], 'bob');
  });
  await refused('newaccount x.alice by bob', () => tx(act('eosio', 'newaccount', 'bob',
    { creator: 'bob', name: 'evil.alice', owner: boot.keyAuthority(K), active: boot.keyAuthority(K) })), 'only suffix may create this account');
  await check('regproducer alice with a proposed inflation', async () => {
    await tx(act('eosio', 'regproducer', 'alice', { producer: 'alice', producer_key: K, url: 'https://alice.cps.invalid', location: 0, annual_inflation_bp: 250 }));
    const p = (await row(rpc, 'eosio', 'eosio', 'producers')).find((x) => x.owner === 'alice');
    expectEq([p.is_active, p.annual_inflation_bp], [1, 250], 'alice producer row');
  });
  await refused('regproducer above the 5% cap', () => tx(act('eosio', 'regproducer', 'bob',
    { producer: 'bob', producer_key: K, url: '', location: 0, annual_inflation_bp: 501 })), 'proposed annual inflation exceeds the 5% cap');
  await check('voteproducer bob -> alice, producera; activation stake tracked, below 15%', async () => {
    await tx(act('eosio', 'voteproducer', 'bob', { voter: 'bob', proxy: '', producers: ['alice', 'producera'] }));
    const p = (await row(rpc, 'eosio', 'eosio', 'producers')).find((x) => x.owner === 'alice');
    expectEq(Number(p.total_votes), 2000000, 'alice votes');
    const g = (await row(rpc, 'eosio', 'eosio', 'global'))[0];
    expectEq([Number(g.total_activated_stake), g.thresh_activated_stake_time], [2000000, '1970-01-01T00:00:00.000'], 'activation');
  });
  await refused('claimrewards before activation', () => tx(act('eosio', 'claimrewards', 'alice', { owner: 'alice' })),
    'cannot claim rewards until the chain is activated (at least 15% of all tokens participate in voting)');
  await check('undelegatebw: refund row, votes follow', async () => {
    await tx(act('eosio', 'undelegatebw', 'bob', { from: 'bob', receiver: 'bob', unstake_net_quantity: '10.0000 CPS', unstake_cpu_quantity: '0.0000 CPS' }));
    const r = (await row(rpc, 'eosio', 'bob', 'refunds'))[0];
    expectEq([r.net_amount, r.cpu_amount], ['10.0000 CPS', '0.0000 CPS'], 'refund row');
    const p = (await row(rpc, 'eosio', 'eosio', 'producers')).find((x) => x.owner === 'alice');
    expectEq(Number(p.total_votes), 1900000, 'alice votes after unstake');
  });
  await refused('refund before 3 days', () => tx(act('eosio', 'refund', 'bob', { owner: 'bob' })), 'refund is not available yet');

  await check('msig: propose, approve, exec eosio::setpriv through eosio.wrap', async () => {
    const info = await rpc.get_info();
    const expiration = new Date(Date.parse(info.head_block_time + 'Z') + 3600 * 1000).toISOString().slice(0, 19);
    const trxOf = (actions) => ({ expiration, ref_block_num: 0, ref_block_prefix: 0, max_net_usage_words: 0, max_cpu_usage_ms: 0,
      delay_sec: 0, context_free_actions: [], actions, transaction_extensions: [] });
    const inner = trxOf(await api.serializeActions([act('eosio', 'setpriv', 'eosio', { account: 'carol', is_priv: 1 })]));
    const outer = trxOf(await api.serializeActions([{ account: 'eosio.wrap', name: 'exec',
      authorization: [{ actor: 'eosio.wrap', permission: 'active' }, { actor: 'alice', permission: 'active' }],
      data: { executer: 'alice', trx: inner } }]));
    const requested = [{ actor: 'alice', permission: 'active' }, { actor: 'eosio.wrap', permission: 'active' }];
    await tx(act('eosio.msig', 'propose', 'alice', { proposer: 'alice', proposal_name: 'setpriv', requested, trx: outer }));
    await tx(act('eosio.msig', 'approve', 'alice', { proposer: 'alice', proposal_name: 'setpriv', level: requested[0] }));
    let early = null;
    try { await tx(act('eosio.msig', 'exec', 'alice', { proposer: 'alice', proposal_name: 'setpriv', executer: 'alice' })); } catch (e) { early = errText(e); }
    expectEq(early, 'assertion failure with message: transaction authorization failed', 'exec with one of two approvals');
    await tx(act('eosio.msig', 'approve', 'eosio.wrap', { proposer: 'alice', proposal_name: 'setpriv', level: requested[1] }));
    if ((await rpc.get_account('carol')).privileged) throw new Error('carol privileged before exec');
    await tx(act('eosio.msig', 'exec', 'alice', { proposer: 'alice', proposal_name: 'setpriv', executer: 'alice' }));
    if (!(await rpc.get_account('carol')).privileged) throw new Error('carol not privileged after exec');
  });

  await check('cps.recover: enroll alice with partners bob and carol; the owner moves to cps.recover@eosio.code', async () => {
    await boot.transact(api, [{ account: 'cps.recover', name: 'enroll', authorization: [{ actor: 'alice', permission: 'owner' }],
      data: { account: 'alice', partners: ['bob', 'carol'], threshold: 1 } }]);
    const p = (await row(rpc, 'cps.recover', 'cps.recover', 'partners')).find((x) => x.account === 'alice');
    expectEq([p.partners, p.threshold], [['bob', 'carol'], 1], 'partners row');
    const owner = (await rpc.get_account('alice')).permissions.find((x) => x.perm_name === 'owner').required_auth;
    expectEq(owner.accounts.map((a) => `${a.permission.actor}@${a.permission.permission}`), ['cps.recover@eosio.code'], 'owner');
  });
  await check('cps.recover: bob requests a new active for alice', () => tx(act('cps.recover', 'reqactive', 'bob',
    { account: 'alice', partner: 'bob', new_active: boot.keyAuthority(K) })));
  await refused('cps.recover: recovery before 30 days of inactivity', () => tx(act('cps.recover', 'exec', 'carol',
    { account: 'alice', kind: 'active', executer: 'carol' })), 'account was active in the last 30 days: partners cannot recover it yet');

  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
main().catch((e) => { console.log(`FAIL crashed: ${errText(e)}`); console.log(`${passed} passed, ${failed + 1} failed`); process.exitCode = 1; });
