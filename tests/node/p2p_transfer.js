// One eosio.token transfer through the cpsd at <url> (tests/node/p2p.test.sh pushes it to a
// follower): prints "<transaction id> <block_num> <action traces> <first action:memo:where>" from
// the push's answer (where: "block" when every action trace names the answer's block and
// transaction), or the error and exits 1.
// Usage: node p2p_transfer.js <url> <memo> [quantity]
//        node p2p_transfer.js <url> batch: two transfers and an overdrawn one in one
//        push_transactions; prints "<results> <in blocks> <refused> <block nums> <first item's
//        action traces>" (refused: items answered with processed.except)
'use strict';
const boot = require('../../scripts/boot.js');
const [url, memo, quantity] = process.argv.slice(2);
async function batch() {
  const { api } = boot.connect(url);
  const bodies = [];
  for (const [m, q] of [['batch a', '1.0000 CPS'], ['batch b', '2.0000 CPS'], ['batch c', '9999999999999.0000 CPS']]) {
    const t = await api.transact({ actions: [{ account: 'eosio.token', name: 'transfer',
      authorization: [{ actor: 'eosio', permission: 'active' }],
      data: { from: 'eosio', to: 'eosio.token', quantity: q, memo: m } }] },
    { blocksBehind: 3, expireSeconds: 60, broadcast: false });
    bodies.push({ signatures: t.signatures, compression: 0, packed_context_free_data: '',
      packed_trx: Buffer.from(t.serializedTransaction).toString('hex') });
  }
  const res = await fetch(`${url}/v1/chain/push_transactions`, { method: 'POST', body: JSON.stringify(bodies) });
  const out = await res.json();
  if (!Array.isArray(out)) throw new Error(`HTTP ${res.status}: ${JSON.stringify(out).slice(0, 300)}`);
  const inBlocks = out.filter((r) => r && r.processed && r.processed.block_num > 0 && r.processed.receipt);
  const refused = out.filter((r) => r && r.processed && r.processed.except);
  const first = (out[0] && out[0].processed && out[0].processed.action_traces) || [];
  console.log(`${out.length} ${inBlocks.length} ${refused.length} ${inBlocks.map((r) => r.processed.block_num).join(',') || '-'} ${first.length}`);
}
(async () => {
  if (memo === 'batch') return batch();
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
