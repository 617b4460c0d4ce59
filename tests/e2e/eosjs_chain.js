// eosjs 22 and @wharfkit/antelope, unchanged, against a running cpsd (tests/e2e/eosjs_chain.test.sh):
// chain info, accounts, code and ABI deployment, transfers through transact() (TaPoS and required
// keys fetched through the API), tables and balances, and a contract assertion as an RpcError.
'use strict';
const { RpcError } = require('eosjs');
const boot = require('../../scripts/boot.js');

const [url, buildDir] = process.argv.slice(2);
let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; console.log(`ok   ${name}`); }
  catch (e) { failed++; console.log(`FAIL ${name}: ${e && e.stack || e}`); }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

(async () => {
  const { rpc, api } = boot.connect(url);
  await check('get_info has a chain id, a head and LIB = head', async () => {
    const info = await rpc.get_info();
    assert(/^[0-9a-f]{64}$/.test(info.chain_id), 'chain_id');
    assert(info.head_block_num >= 1, 'head');
    assert(info.last_irreversible_block_num === info.head_block_num, 'lib');
  });
  await check('boot deploys eosio.token and issues CPS (transact with TaPoS, required keys)', async () => {
    await boot.boot(url, buildDir);
    const stats = await rpc.get_currency_stats('eosio.token', 'CPS');
    assert(stats.CPS && stats.CPS.issuer === 'eosio', JSON.stringify(stats));
  });
  await check('newaccount creates alice and bob', async () => {
    await boot.newAccount(api, 'alice');
    await boot.newAccount(api, 'bob');
    const a = await rpc.get_account('alice');
    assert(a.permissions.length === 2 && a.permissions[0].required_auth.keys[0].key === boot.DEV_PUBLIC_KEY,
      JSON.stringify(a.permissions));
  });
  await check('transfer moves tokens; balances and table rows agree', async () => {
    const r = await boot.transact(api, [{ account: 'eosio.token', name: 'transfer',
      authorization: [{ actor: 'eosio', permission: 'active' }],
      data: { from: 'eosio', to: 'alice', quantity: '25.0000 CPS', memo: 'hi' } }]);
    assert(r.transaction_id && r.processed && !r.processed.except, 'result');
    await boot.transact(api, [{ account: 'eosio.token', name: 'transfer',
      authorization: [{ actor: 'alice', permission: 'active' }],
      data: { from: 'alice', to: 'bob', quantity: '5.0000 CPS', memo: '' } }]);
    const bal = await rpc.get_currency_balance('eosio.token', 'alice', 'CPS');
    assert(bal.length === 1 && bal[0] === '20.0000 CPS', JSON.stringify(bal));
    // The block holding the transfer lists it with its receipt (get_block once crashed on this).
    const block = await rpc.get_block(r.processed.block_num);
    const receipt = block.transactions.find((t) => (t.trx.id || t.trx) === r.transaction_id);
    assert(receipt && receipt.status === 'executed' && receipt.cpu_usage_us > 0 &&
      receipt.net_usage_words > 0, JSON.stringify(block.transactions));
    const rows = await rpc.get_table_rows({ code: 'eosio.token', scope: 'bob', table: 'accounts', json: true });
    assert(rows.rows.length === 1 && rows.rows[0].balance === '5.0000 CPS', JSON.stringify(rows));
  });
  await check('an overdrawn transfer is an RpcError carrying the contract message', async () => {
    try {
      await boot.transact(api, [{ account: 'eosio.token', name: 'transfer',
        authorization: [{ actor: 'bob', permission: 'active' }],
        data: { from: 'bob', to: 'alice', quantity: '500.0000 CPS', memo: '' } }]);
      throw new Error('no error');
    } catch (e) {
      assert(e instanceof RpcError, `not an RpcError: ${e}`);
      assert(/overdrawn balance/.test(e.message), e.message);
      assert(e.json.error.code === 3050003, JSON.stringify(e.json));
    }
    const bal = await rpc.get_currency_balance('eosio.token', 'bob', 'CPS');
    assert(bal[0] === '5.0000 CPS', 'balance changed: ' + bal);
  });
  await check('get_table_rows pages with limit, more and next_key', async () => {
    const p1 = await rpc.get_table_rows({ code: 'eosio.token', scope: 'CPS', table: 'stat', json: true, limit: 1 });
    assert(p1.rows.length === 1 && p1.more === false, JSON.stringify(p1));
  });
  await check('@wharfkit/antelope reads chain info and the token ABI', async () => {
    const { APIClient } = require('@wharfkit/antelope');
    const client = new APIClient({ url });
    const info = await client.v1.chain.get_info();
    assert(Number(info.head_block_num) >= 1, 'head');
    const abi = await client.v1.chain.get_abi('eosio.token');
    assert(abi.abi && abi.abi.actions.some((a) => String(a.name) === 'transfer'), 'abi');
    const acct = await client.v1.chain.get_account('alice');
    assert(String(acct.account_name) === 'alice', 'account');
  });
  console.log(`eosjs: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
