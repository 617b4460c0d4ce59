// Pushes eosio.token transfers to a cpsd forever (tests/node/node.test.sh kills and restarts the
// node underneath it); errors while the node is down are expected and ignored.
'use strict';
const boot = require('../../scripts/boot.js');
const [url] = process.argv.slice(2);
(async () => {
  const { api } = boot.connect(url);
  for (let i = 0; ; i++) {
    try {
      await boot.transact(api, [{ account: 'eosio.token', name: 'transfer',
        authorization: [{ actor: 'eosio', permission: 'active' }],
        data: { from: 'eosio', to: 'eosio.token', quantity: '0.0001 CPS', memo: `n${i}` } }]);
    } catch (e) { await new Promise((r) => setTimeout(r, 50)); }
  }
})();
