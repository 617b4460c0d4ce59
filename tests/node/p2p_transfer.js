// One eosio.token transfer through the cpsd at <url> (tests/node/p2p.test.sh pushes it to a
// follower): prints "<transaction id> <block_num>" from the push's answer, or the error and
// exits 1. Usage: node p2p_transfer.js <url> <memo> [quantity]
'use strict';
const boot = require('../../scripts/boot.js');
const [url, memo, quantity] = process.argv.slice(2);
(async () => {
  const { api } = boot.connect(url);
  const r = await boot.transact(api, [{ account: 'eosio.token', name: 'transfer',
    authorization: [{ actor: 'eosio', permission: 'active' }],
    data: { from: 'eosio', to: 'eosio.token', quantity: quantity || '1.0000 CPS', memo: memo || 'p2p' } }]);
  console.log(`${r.transaction_id} ${r.processed ? r.processed.block_num : 0}`);
})().catch((e) => {
  const d = e.json && e.json.error && e.json.error.details && e.json.error.details[0];
  console.error(d ? d.message : (e.message || e));
  process.exit(1);
});
