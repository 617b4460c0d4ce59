// API load generator for bench/api_chain/chain.bench.sh: requests/s of get_info and get_table_rows
// (and of get_supported_apis, the trivial baseline, for the ratio) with keep-alive connections and
// CONCURRENCY requests in flight, then push_transaction round-trip latency p50/p99 over transfers.
'use strict';
const http = require('http');
const boot = require('../../scripts/boot.js');

const [url, buildDir] = process.argv.slice(2);
const SECONDS = Number(process.env.BENCH_SECONDS || 3), CONCURRENCY = 8, TRANSFERS = 100;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const target = new URL(url);

function post(path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
    (res) => { res.resume(); res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${path}: HTTP ${res.statusCode}`)))); });
    req.on('error', reject);
    req.end(body);
  });
}

// Keeps CONCURRENCY requests in flight for SECONDS; every answer must be 200.
async function rate(path, body) {
  const end = Date.now() + SECONDS * 1000;
  let done = 0;
  const worker = async () => { while (Date.now() < end) { await post(path, body); done++; } };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return done / (Number(process.hrtime.bigint() - t0) / 1e9);
}

(async () => {
  const { api } = boot.connect(url);
  await boot.boot(url, buildDir);
  await boot.newAccount(api, 'alice');
  const base = await rate('/v1/node/get_supported_apis', '{}');
  const info = await rate('/v1/chain/get_info', '{}');
  const rows = await rate('/v1/chain/get_table_rows',
    JSON.stringify({ code: 'eosio.token', scope: 'CPS', table: 'stat', json: true }));
  console.log(`get_supported_apis (baseline)  ${base.toFixed(0)} req/s`);
  console.log(`get_info                       ${info.toFixed(0)} req/s  (${(info / base).toFixed(2)}x baseline)`);
  console.log(`get_table_rows                 ${rows.toFixed(0)} req/s  (${(rows / base).toFixed(2)}x baseline)`);
  // Round trip of one signed transfer at a time: eosjs serialises and signs beforehand, only the
  // push is timed (it returns after the transaction is applied in the pending block).
  const header = await api.rpc.get_info();
  const ref = await api.rpc.get_block(header.head_block_num);
  const expiration = new Date(Date.parse(header.head_block_time + 'Z') + 120000).toISOString().slice(0, 19);
  const lat = [];
  for (let i = 0; i < TRANSFERS; i++) {
    const signed = await api.transact({ expiration, ref_block_num: ref.block_num & 0xffff,
      ref_block_prefix: ref.ref_block_prefix, actions: [{ account: 'eosio.token', name: 'transfer',
        authorization: [{ actor: 'eosio', permission: 'active' }],
        data: { from: 'eosio', to: 'alice', quantity: '0.0001 CPS', memo: `bench ${i}` } }] },
    { broadcast: false, sign: true });
    const t0 = process.hrtime.bigint();
    await api.rpc.push_transaction(signed);
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  console.log(`push_transaction round trip    p50 ${pct(0.5).toFixed(2)} ms  p99 ${pct(0.99).toFixed(2)} ms  (${TRANSFERS} transfers)`);
  console.log('bench: 1 passed, 0 failed');
  process.exit(0);
})().catch((e) => { console.log(`bench: fatal ${e && e.stack || e}`); console.log('bench: 0 passed, 1 failed'); process.exit(1); });
