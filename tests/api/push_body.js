// Differential test of the push endpoints (src/api/chain_api_push_body.c): every transaction is
// sent as clients send it (read by the direct reader) and with its packed_trx member name written
// with a JSON escape ("packed\u005ftrx": the same JSON, which the direct reader leaves to the
// general jansson path); the answers — status, error code, name and message (times and recovered
// keys aside: the two transactions of a pair differ) — must be the same.
// Run by tests/api/push_body.test.sh.
'use strict';
const boot = require('../../scripts/boot.js');

const [url, buildDir] = process.argv.slice(2);
let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; console.log(`ok   ${name}`); }
  catch (e) { failed++; console.log(`FAIL ${name}: ${e && e.stack || e}`); }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const plain = (t) => JSON.stringify(t);
const escaped = (t) => JSON.stringify(t).replace('"packed_trx"', '"packed\\u005ftrx"');

async function post(endpoint, body) {
  const r = await fetch(`${url}/v1/chain/${endpoint}`, { method: 'POST', body });
  return { status: r.status, json: await r.json() };
}

// What of an answer must match: the status, and for errors the code, name and messages.
function shape(a) {
  const one = (j) => j && j.error
    ? { code: j.error.code, name: j.error.name, what: j.error.what,
        details: (j.error.details || []).map((d) => d.message.replace(/\d{4}-\d\d-\d\dT[\d:.]+/g, "T").replace(/(EOS|PUB_K1_)[1-9A-Za-z]{50,}/g, "KEY")) }
    : j && j.processed && j.processed.except
      ? { except: one({ error: j.processed.except }) }
      : { ok: !!(j && j.transaction_id) };
  return JSON.stringify({ status: a.status, body: Array.isArray(a.json) ? a.json.map(one) : one(a.json) });
}

(async () => {
  const { rpc, api } = boot.connect(url);
  let memo = 0;
  const transfer = async (header = {}, from = 'eosio') => {
    const info = await rpc.get_info();
    const ref = await rpc.get_block(Math.max(1, info.head_block_num - 1));
    const expiration = new Date(Date.parse(info.head_block_time + 'Z') + 60000).toISOString().slice(0, 19);
    const signed = await api.transact({ expiration, ref_block_num: ref.block_num & 0xffff,
      ref_block_prefix: ref.ref_block_prefix, ...header,
      actions: [{ account: 'eosio.token', name: 'transfer',
        authorization: [{ actor: from, permission: 'active' }],
        data: { from, to: 'alice', quantity: '0.0001 CPS', memo: `m${memo++}` } }] },
    { broadcast: false, sign: true });
    return { signatures: signed.signatures, compression: 0, packed_context_free_data: '',
      packed_trx: Buffer.from(signed.serializedTransaction).toString('hex') };
  };
  // Two different transactions of one kind (a success cannot be pushed twice), one per form.
  const same = async (endpoint, make, wrap = (t) => t) => {
    const a = await make(), b = await make();
    const ra = await post(endpoint, plain(wrap(a)));
    const rb = await post(endpoint, escaped(wrap(b)));
    assert(shape(ra) === shape(rb), `direct ${shape(ra)} != general ${shape(rb)}`);
    return ra;
  };
  const refusal = (r, code) => assert(r.json.error && r.json.error.code === code, JSON.stringify(r.json));

  await check('boot and accounts', async () => {
    await boot.boot(url, buildDir);
    await boot.newAccount(api, 'alice');
  });
  await check('a good transfer: 202 with a transaction id either way', async () => {
    const r = await same('push_transaction', () => transfer());
    assert(r.status === 202 && r.json.transaction_id, JSON.stringify(r.json));
  });
  await check('send_transaction and send_transaction2 the same way', async () => {
    await same('send_transaction', () => transfer());
    await same('send_transaction2', () => transfer(), (t) => ({ return_failure_trace: true, retry_trx: false, transaction: t }));
  });
  await check('a packed_trx that does not decode: packed_transaction_type_exception', async () => {
    refusal(await same('push_transaction', async () => ({ ...(await transfer()), packed_trx: '00' })), 3010010);
  });
  await check('a packed_trx with a trailing byte', async () => {
    const r = await same('push_transaction', async () => { const t = await transfer(); return { ...t, packed_trx: t.packed_trx + '00' }; });
    assert(r.json.error, JSON.stringify(r.json));
  });
  await check('zlib declared for uncompressed bytes', async () => {
    const r = await same('push_transaction', async () => ({ ...(await transfer()), compression: 1 }));
    assert(r.json.error, JSON.stringify(r.json));
  });
  await check('an expired transaction: expired_tx_exception', async () => {
    refusal(await same('push_transaction', () => transfer({ expiration: '2020-01-01T00:00:00' })), 3040005);
  });
  await check('a signature over other bytes: unsatisfied_authorization', async () => {
    const r = await same('push_transaction', async () => {
      const t = await transfer(), other = await transfer();
      return { ...t, signatures: other.signatures };
    });
    refusal(r, 3090003);
  });
  await check('no signature at all', async () => {
    const r = await same('push_transaction', async () => ({ ...(await transfer()), signatures: [] }));
    assert(r.json.error, JSON.stringify(r.json));
  });
  await check('push_transactions with good and bad entries in order', async () => {
    const r = await same('push_transactions', async () => [await transfer(),
      { ...(await transfer()), packed_trx: '00' }, await transfer({ expiration: '2020-01-01T00:00:00' })],
    (list) => list);
    assert(r.status === 202 && r.json.length === 3 && r.json[0].transaction_id &&
           r.json[1].processed.except && r.json[2].processed.except, JSON.stringify(r.json));
  });
  console.log(`push_body: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.log(`push_body: fatal ${e.stack || e}`); console.log(`push_body: ${passed} passed, ${failed + 1} failed`); process.exit(1); });
