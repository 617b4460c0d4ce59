// One eosio.token transfer through the cpsd at <url> (tests/node/p2p.test.sh pushes it to a
// follower): prints "<transaction id> <block_num> <action traces> <first action:memo:where>" from
// the push's answer (where: "block" when every action trace names the answer's block and
// transaction), or the error and exits 1.
// Usage: node p2p_transfer.js <url> <memo> [quantity]
'use strict';
const boot = require('../../scripts/boot.js');
const [url, memo, quantity] = process.argv.slice(2);
(async () => {
  const { api } = boot.connect(url);
  const r = await boot.transact(api, [{ account: 'eosio.token', name: 'transfer',
    authorization: [{ actor: 'eosio', permission: 'active' }],
    data: { from: 'eosio', to: 'eosio.token', quantity: quantity || '1.0000 CPS', memo: memo || 'p2p' } }]);
  const p = r.processed || {};
  const at = p.action_traces || [];
  const first = at[0] || { act: {} };
  const same = at.every((a) => a.block_num === p.block_num && a.trx_id === r.transaction_id);
  console.log(`${r.transaction_id} ${p.block_num || 0} ${at.length} ${first.act.account}:${first.act.name}` +
    `:${first.act.data ? first.act.data.memo : '-'}:${same ? 'block' : 'speculative'}`);
})().catch((e) => {
  const d = e.json && e.json.error && e.json.error.details && e.json.error.details[0];
  console.error(d ? d.message : (e.message || e));
  process.exit(1);
});
