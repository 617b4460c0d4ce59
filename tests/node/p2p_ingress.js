// Pushes <count> eosio.token transfers at once to the cpsd at <url> (tests/node/
// p2p_ingress.test.sh), so that they share a block: prints how many were answered with a block.
// Usage: node p2p_ingress.js <url> <count> <memo prefix>
'use strict';
const boot = require('../../scripts/boot.js');
const [url, count, prefix] = process.argv.slice(2);
(async () => {
  const { api } = boot.connect(url);
  const one = (i) => boot.transact(api, [{ account: 'eosio.token', name: 'transfer',
    authorization: [{ actor: 'eosio', permission: 'active' }],
    data: { from: 'eosio', to: 'eosio.token', quantity: '0.0001 CPS', memo: `${prefix} ${i}` } }]);
  const results = await Promise.allSettled([...Array(Number(count)).keys()].map(one));
  const ok = results.filter((r) => r.status === 'fulfilled' && r.value.processed &&
                                   r.value.processed.block_num > 0).length;
  for (const r of results) if (r.status === 'rejected') console.error(r.reason.message || r.reason);
  console.log(ok);
})().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
