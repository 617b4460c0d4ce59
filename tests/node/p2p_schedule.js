// Proposes a two-producer schedule (producera, producerb of scripts/boot.js's producerKeys) on the
// chain at <url>, for tests/node/p2p_schedule.test.sh, after `boot.js --system --producers 2`:
// deploys the test contract test_privileged on a new account, makes it privileged with
// eosio.system's setpriv and calls its `producers` action, which hands the packed
// producer_key[] to set_proposed_producers. Usage: node p2p_schedule.js <url> <build-dir>
// [reverse] — with `reverse`, the same two producers in the other order (a new schedule version
// with the same producers: a change among several producers, which needs joint QCs).
'use strict';
const path = require('path');
const boot = require('../../scripts/boot.js');
const { PublicKey, Name } = require('@wharfkit/antelope');
const [url, buildDir, order] = process.argv.slice(2);
const CONTRACT = 'privtest';
const auth = (actor) => [{ actor, permission: 'active' }];

function nameLE(s) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(Name.from(s).value.toString()));
  return b;
}

(async () => {
  const { rpc, api } = boot.connect(url);
  const prods = boot.producerKeys(2);
  if (order === 'reverse') prods.reverse();
  try { await rpc.get_account(CONTRACT); } catch (e) {
    await boot.systemNewAccount(api, { name: CONTRACT, ramBytes: 300000 });
  }
  try {
    await boot.deploy(api, CONTRACT, path.join(buildDir, 'contracts/test/test_privileged.wasm'),
      path.join(buildDir, 'contracts/test/test_privileged.abi'));
  } catch (e) { // a second proposal: the contract is there already
    if (!/already running this version of code/.test(JSON.stringify(e.json || e.message))) throw e;
  }
  await boot.transact(api, [{ account: 'eosio', name: 'setpriv', authorization: auth('eosio'),
    data: { account: CONTRACT, is_priv: 1 } }]);
  // producer_key[]: varuint32 count, then name u64 and public key (type 0 = K1, 33 bytes) each.
  const parts = [Buffer.from([prods.length])];
  for (const p of prods) parts.push(nameLE(p.name), Buffer.from([0]), Buffer.from(PublicKey.from(p.publicKey).data.array));
  await boot.transact(api, [{ account: CONTRACT, name: 'producers', authorization: auth(CONTRACT),
    data: { schedule: Buffer.concat(parts).toString('hex') } }]);
  console.log(prods.map((p) => p.name).join(' '));
})().catch((e) => {
  const d = e.json && e.json.error && e.json.error.details && e.json.error.details[0];
  console.error(d ? d.message : (e.message || e));
  process.exit(1);
});
