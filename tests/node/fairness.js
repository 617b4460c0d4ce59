// The transaction queue is fair per account (tests/node/fairness.test.sh): on a chain whose
// blocks hold ~100 transactions, `flooder` pushes FLOOD pre-signed transfers in one request,
// then `small` pushes one. Served round-robin by first authorizer, small's transfer goes into
// the first block built after it arrived, while the flood still fills the following blocks; a
// first-come queue would put it after the whole flood. Prints one line per check, then
// "N passed, N failed".
'use strict';
const boot = require('../../scripts/boot.js');
const [url, buildDir, floodArg] = process.argv.slice(2);
const FLOOD = Number(floodArg || 400);
let pass = 0, fail = 0;
const check = (name, cond, detail) => {
  if (cond) { pass++; console.log(`ok   ${name}`); } else { fail++; console.log(`FAIL ${name}: ${detail}`); }
};
const transfer = (from, to, quantity, memo) => ({ account: 'eosio.token', name: 'transfer',
  authorization: [{ actor: from, permission: 'active' }], data: { from, to, quantity, memo } });
const body = (t) => ({ signatures: t.signatures, compression: 0, packed_context_free_data: '',
  packed_trx: Buffer.from(t.serializedTransaction).toString('hex') });
const post = (path, data) => fetch(`${url}/v1/chain/${path}`, { method: 'POST', body: JSON.stringify(data) })
  .then(async (r) => ({ status: r.status, json: await r.json() }));

(async () => {
  const { api, rpc } = boot.connect(url);
  await boot.boot(url, buildDir);
  for (const name of ['flooder', 'small']) {
    await boot.newAccount(api, name);
    await boot.transact(api, [transfer('eosio', name, '1000.0000 CPS', 'fund')]);
  }
  const signed = [];
  for (let i = 0; i < FLOOD; i++)
    signed.push(await api.transact({ actions: [transfer('flooder', 'eosio', '0.0001 CPS', `f${i}`)] },
      { blocksBehind: 3, expireSeconds: 600, broadcast: false }));
  const one = await api.transact({ actions: [transfer('small', 'eosio', '0.0001 CPS', 'small')] },
    { blocksBehind: 3, expireSeconds: 600, broadcast: false });
  const info = await rpc.get_info();
  const perBlock = Math.floor(info.block_cpu_limit / 100);

  const flood = post('push_transactions', signed.map(body));
  await new Promise((r) => setTimeout(r, 150)); // the flood is queued before small arrives
  const t0 = Date.now();
  const mine = await post('push_transaction', body(one));
  const waited = Date.now() - t0;
  const all = await flood;
  check('flood accepted', all.status === 202 && Array.isArray(all.json), JSON.stringify(all.json).slice(0, 300));
  const blocks = (all.json || []).map((r) => (r.processed && r.processed.block_num) || 0);
  const failed = (all.json || []).filter((r) => !r.processed || r.processed.except).length;
  check('every flood transfer executed', failed === 0, `${failed} failed`);
  const first = Math.min(...blocks), last = Math.max(...blocks);
  check(`the flood spans several blocks (<= ${perBlock} per block)`, last - first >= 2,
    `blocks ${first}..${last}`);
  const smallBlock = mine.json.processed && mine.json.processed.block_num;
  check('the small account\'s transfer executed', mine.status === 202 && !mine.json.processed.except,
    JSON.stringify(mine.json).slice(0, 300));
  check('it went in while the flood was still queued', smallBlock < last,
    `small in block ${smallBlock}, flood in ${first}..${last}`);
  check('within about one block of its arrival', waited < 1600, `answered after ${waited} ms`);
  // A duplicate of a transaction still queued or in the pending block is refused at once.
  const dup = await post('push_transactions', [body(signed[0]), body(signed[0])]);
  check('duplicate in one request refused', dup.status === 202 && dup.json.length === 2 &&
    (dup.json[0].processed.except || dup.json[1].processed.except), JSON.stringify(dup.json).slice(0, 300));
  console.log(`${pass} passed, ${fail} failed`);
  process.exit(fail ? 1 : 0);
})().catch((e) => { console.error(e.stack || e); console.log(`${pass} passed, ${fail + 1} failed`); process.exit(1); });
