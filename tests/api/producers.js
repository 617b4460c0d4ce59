// get_producers against a real cpsd (started by tests/api/producers.test.sh): the active schedule
// before the system contract, then after boot with three registered producers nodeos's rows from
// the producers table (json and hex, limit/more, lower_bound) and the global vote weight.
'use strict';
const boot = require('../../scripts/boot.js');

const [url, buildDir] = process.argv.slice(2);
let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; console.log(`ok   ${name}`); }
  catch (e) { failed++; console.log(`FAIL ${name}: ${e && e.stack || e}`); }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
async function post(endpoint, body) {
  const r = await fetch(`${url}/v1/chain/${endpoint}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

(async () => {
  const { rpc } = boot.connect(url);
  await check('without the system contract: the active schedule (eosio, dev key)', async () => {
    const r = await post('get_producers', { json: true });
    assert(r.status === 200, JSON.stringify(r.json));
    assert(r.json.rows.length === 1 && r.json.rows[0].owner === 'eosio', JSON.stringify(r.json));
    assert(r.json.rows[0].producer_key === boot.DEV_PUBLIC_KEY, JSON.stringify(r.json.rows[0]));
    assert(r.json.total_producer_vote_weight === '0.00000000000000000' && r.json.more === '', JSON.stringify(r.json));
  });
  await boot.boot(url, buildDir, { system: true, producers: 3 });
  const prods = boot.producerKeys(3);
  const table = (await rpc.get_table_rows({ code: 'eosio', scope: 'eosio', table: 'producers', json: true, limit: 100 })).rows;
  await check('with registered producers: the producers table rows, decoded', async () => {
    const r = await post('get_producers', { json: true, limit: 10 });
    assert(r.status === 200, JSON.stringify(r.json));
    const owners = r.json.rows.map((x) => x.owner).sort();
    assert(JSON.stringify(owners) === JSON.stringify(prods.map((p) => p.name).sort()), JSON.stringify(owners));
    for (const row of r.json.rows) {
      const same = table.find((t) => t.owner === row.owner);
      assert(JSON.stringify(same) === JSON.stringify(row), `${JSON.stringify(row)} vs ${JSON.stringify(same)}`);
    }
    assert(r.json.more === '', r.json.more);
    assert(/^\d+\.\d{17}$/.test(r.json.total_producer_vote_weight), r.json.total_producer_vote_weight);
    const global = (await rpc.get_table_rows({ code: 'eosio', scope: 'eosio', table: 'global', json: true })).rows[0];
    assert(Number(r.json.total_producer_vote_weight) === Number(global.total_producer_vote_weight),
      `${r.json.total_producer_vote_weight} vs ${global.total_producer_vote_weight}`);
  });
  await check('limit, more and lower_bound walk the rows in index order', async () => {
    const all = (await post('get_producers', { json: true })).json.rows.map((x) => x.owner);
    const first = await post('get_producers', { json: true, limit: 2 });
    assert(first.json.rows.length === 2 && first.json.more === all[2], JSON.stringify(first.json));
    const rest = await post('get_producers', { json: true, lower_bound: first.json.more });
    assert(rest.json.rows.length >= 1 && rest.json.rows[0].owner === all[2], JSON.stringify(rest.json));
  });
  await check('json false: rows are the packed rows in hex', async () => {
    const r = await post('get_producers', { limit: 1 });
    const h = r.json.rows[0];
    assert(typeof h === 'string' && /^[0-9a-f]+$/.test(h), JSON.stringify(r.json));
    const bin = await post('get_table_rows', { code: 'eosio', scope: 'eosio', table: 'producers', json: false, limit: 100 });
    assert(bin.json.rows.includes(h), `${h} not among ${JSON.stringify(bin.json.rows)}`);
  });
  console.log(`eosjs: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.log(`FAIL ${e && e.stack || e}`); console.log(`eosjs: ${passed} passed, ${failed + 1} failed`); process.exit(1); });
