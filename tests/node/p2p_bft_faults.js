// Helpers of the BFT fault tests (tests/node/p2p_bft_faults.test.sh, tests/long/bft21.test.sh):
//   next-turn URL PRODUCER      seconds until PRODUCER's next turn of 12 slots (0 while it is its
//                               turn), from the head block's slot and the active schedule
//   twin-push URL_A URL_B SECS  for SECS seconds, pushes different token transfers to A and B at
//                               once (two nodes signing as one producer then build different
//                               blocks for the same slot)
//   check-evidence URL PRODUCER PUBKEY
//                               reads GET /v1/chain/get_finality_evidence and verifies every record
//                               on its own (the digests recomputed here, the signatures recovered
//                               to PUBKEY); prints "<double_vote count> <double_block count>" and
//                               exits 1 when a record names another producer or does not verify
'use strict';
const crypto = require('crypto');
const boot = require('../../scripts/boot.js');
const { Signature, Checksum256, Name } = require('@wharfkit/antelope');

const SLOTS_PER_TURN = 12;
// A node whose loop is busy (a loaded machine, ASan) may answer timeout_exception (code 2) when
// the request waits past --http-max-response-time-ms: asked again, up to 10 times.
const post = async (url, path, body = {}) => {
  for (let attempt = 1; ; attempt++) {
    const r = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const j = await r.json();
    if (r.ok) return j;
    if (attempt < 10 && j.error && j.error.code === 2) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      continue;
    }
    throw new Error(`${path}: ${JSON.stringify(j).slice(0, 300)}`);
  }
};
// EOSIO block timestamp: half-seconds since 2000-01-01T00:00:00Z.
const slotOf = (iso) => Math.round((Date.parse(`${iso}Z`) - Date.UTC(2000, 0, 1)) / 500);
const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const u32le = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const nameLE = (s) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(Name.from(s).value.toString())); return b; };

async function nextTurn(url, producer) {
  const info = await post(url, '/v1/chain/get_info');
  const sched = await post(url, '/v1/chain/get_producer_schedule');
  const names = sched.active.producers.map((p) => p.producer_name);
  const k = names.indexOf(producer);
  if (k < 0) throw new Error(`${producer} is not in the active schedule`);
  const round = names.length * SLOTS_PER_TURN;
  const now = slotOf(info.head_block_time) + 1; // the slot being produced
  const turnStart = Math.floor(now / round) * round + k * SLOTS_PER_TURN;
  let wait = turnStart - now;
  if (wait <= -SLOTS_PER_TURN) wait += round;
  return Math.max(0, wait) / 2;
}

async function twinPush(urlA, urlB, secs) {
  const sides = [boot.connect(urlA), boot.connect(urlB)];
  const end = Date.now() + secs * 1000;
  let sent = 0, n = 0, firstError = '';
  const pending = [];
  while (Date.now() < end) {
    n++;
    for (let s = 0; s < 2; s++) {
      const memo = `twin ${s ? 'b' : 'a'} ${n} ${Date.now()}`;
      pending.push(sides[s].api.transact({ actions: [{ account: 'eosio.token', name: 'transfer',
        authorization: [{ actor: 'eosio', permission: 'active' }],
        data: { from: 'eosio', to: boot.producerKeys(1)[0].name, quantity: '0.0001 CPS', memo } }] },
      { blocksBehind: 3, expireSeconds: 60 }).then(() => { sent++; },
        (e) => { firstError = firstError || (e.json ? JSON.stringify(e.json).slice(0, 200) : e.message); }));
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 5000))]);
  return `${sent} of ${2 * n} transfers answered${firstError ? `; first error: ${firstError}` : ''}`;
}

async function checkEvidence(url, producer, pubkey) {
  const info = await post(url, '/v1/chain/get_info');
  const chainId = Buffer.from(info.chain_id, 'hex');
  const ev = (await post(url, '/v1/chain/get_finality_evidence')).evidence;
  let votes = 0, blocks = 0;
  const fail = (e, why) => { throw new Error(`${why}: ${JSON.stringify(e).slice(0, 400)}`); };
  const recovers = (sig, digest) => Signature.from(sig).recoverDigest(Checksum256.from(digest)).toLegacyString() === pubkey;
  for (const e of ev) {
    if (e.producer !== producer) fail(e, `evidence names ${e.producer}, not the double signer ${producer}`);
    if (typeof e.packed !== 'string' || !/^[0-9a-f]+$/.test(e.packed)) fail(e, 'no packed record');
    if (e.kind === 'double_vote') {
      if (e.a.block_num !== e.b.block_num || e.a.block_id === e.b.block_id) fail(e, 'not two votes at one height');
      for (const v of [e.a, e.b]) {
        if (parseInt(v.block_id.slice(0, 8), 16) !== v.block_num) fail(e, 'block id and number disagree');
        const d = sha256(Buffer.from('cps-vote-v1'), chainId, Buffer.from(v.block_id, 'hex'), u32le(v.block_num), nameLE(producer));
        if (!recovers(v.signature, d)) fail(e, 'a vote signature does not recover to the producer key');
      }
      votes++;
    } else if (e.kind === 'double_block') {
      if (e.a.header === e.b.header) fail(e, 'the same header twice');
      const slot = [];
      for (const h of [e.a, e.b]) {
        const hdr = Buffer.from(h.header, 'hex');
        slot.push(hdr.readUInt32LE(0));
        if (!hdr.subarray(4, 12).equals(nameLE(producer))) fail(e, 'a header names another producer');
        const d = sha256(sha256(sha256(hdr), Buffer.from(h.blockroot_merkle_root, 'hex')), Buffer.from(h.schedule_hash, 'hex'));
        if (!recovers(h.signature, d)) fail(e, 'a block signature does not recover to the producer key');
      }
      if (slot[0] !== slot[1]) fail(e, `headers of slots ${slot[0]} and ${slot[1]}`);
      blocks++;
    } else if (e.kind === 'vote_order') {
      // two votes, each with its block's header: neither after the other in both slot and height
      const at = [];
      for (const v of [e.a, e.b]) {
        const hdr = Buffer.from(v.header, 'hex');
        const id = sha256(hdr);
        id.writeUInt32BE(v.block_num, 0);
        if (id.toString('hex') !== v.block_id) fail(e, 'a header is not the voted block');
        if (parseInt(v.block_id.slice(0, 8), 16) !== v.block_num) fail(e, 'block id and number disagree');
        const d = sha256(Buffer.from('cps-vote-v1'), chainId, Buffer.from(v.block_id, 'hex'), u32le(v.block_num), nameLE(producer));
        if (!recovers(v.signature, d)) fail(e, 'a vote signature does not recover to the producer key');
        at.push([hdr.readUInt32LE(0), v.block_num]);
      }
      const [[sa, na], [sb, nb]] = at;
      if ((sa < sb && na < nb) || (sb < sa && nb < na)) fail(e, 'the two votes are in order');
      votes++;
    } else fail(e, 'unknown kind');
    if (e.key !== pubkey) fail(e, `key ${e.key} is not ${pubkey}`);
  }
  return `${votes} ${blocks}`;
}

(async () => {
  const [cmd, ...a] = process.argv.slice(2);
  if (cmd === 'next-turn') console.log(await nextTurn(a[0], a[1]));
  else if (cmd === 'twin-push') console.log(await twinPush(a[0], a[1], Number(a[2])));
  else if (cmd === 'check-evidence') console.log(await checkEvidence(a[0], a[1], a[2]));
  else throw new Error('usage: next-turn | twin-push | check-evidence');
  // twin-push leaves the pushes still unanswered after its 5 s grace pending (a transfer whose
  // block lost to the other signer's may wait long for an answer): they must not keep it alive.
  process.exit(0);
})().catch((e) => { console.error(e.message || e); process.exit(1); });
