// Helpers of the BFT fault tests (tests/node/p2p_bft_faults.test.sh, tests/long/bft21.test.sh):
//   next-turn URL PRODUCER      seconds until PRODUCER's next turn of 12 slots (0 while it is its
//                               turn), from the head block's slot and the active schedule
//   twin-push URL_A URL_B SECS  for SECS seconds, pushes different token transfers to A and B at
//                               once (two nodes signing as one producer then build different
//                               blocks for the same slot)
//   check-evidence URL PRODUCER PUBKEY
//                               reads GET /v1/chain/get_finality_evidence and verifies every record
//                               on its own (the digests recomputed here, the signatures recovered
//                               to PUBKEY; kinds double_vote, vote_order, lock_breach count as
//                               votes); prints "<vote records> <double_block count> (per kind)" and
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

// The header extension types of a packed EOSIO block_header: timestamp u32, producer u64,
// confirmed u16, previous, transaction_mroot, action_mroot [32 each], schedule_version u32,
// new_producers (optional: version u32 and producers, each name and key), then the extensions.
function headerExtensions(h) {
  let p = 4 + 8 + 2 + 32 * 3 + 4;
  const varuint = () => { let v = 0, shift = 0, b; do { b = h[p++]; v |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80); return v >>> 0; };
  if (h[p++]) {
    p += 4;
    for (let n = varuint(); n > 0; n--) p += 8 + 1 + 33; // name, key type, K1/R1 key
  }
  const types = [];
  for (let n = varuint(); n > 0; n--) {
    types.push(h.readUInt16LE(p));
    p += 2;
    p += varuint();
  }
  return types;
}

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

// Verifies one record of get_finality_evidence on its own; throws with the reason. Returns its
// kind.
function verifyRecord(e, chainId, producer, pubkey) {
  const fail = (rec, why) => { throw new Error(`${why}: ${JSON.stringify(rec).slice(0, 400)}`); };
  const recovers = (sig, digest) => Signature.from(sig).recoverDigest(Checksum256.from(digest)).toLegacyString() === pubkey;
  {
    if (e.producer !== producer) fail(e, `evidence names ${e.producer}, not the double signer ${producer}`);
    if (typeof e.packed !== 'string' || !/^[0-9a-f]+$/.test(e.packed)) fail(e, 'no packed record');
    if (e.kind === 'double_vote') {
      if (e.a.block_num !== e.b.block_num || e.a.block_id === e.b.block_id) fail(e, 'not two votes at one height');
      for (const v of [e.a, e.b]) {
        if (parseInt(v.block_id.slice(0, 8), 16) !== v.block_num) fail(e, 'block id and number disagree');
        const d = sha256(Buffer.from('cps-vote-v1'), chainId, Buffer.from(v.block_id, 'hex'), u32le(v.block_num), nameLE(producer));
        if (!recovers(v.signature, d)) fail(e, 'a vote signature does not recover to the producer key');
      }
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
    } else if (e.kind === 'lock_breach') {
      // a's header claims a QC on its parent J; b's branch, header by header from b down to a's
      // height, claims no QC above a's height and does not reach J
      const hasClaim = (hdr) => headerExtensions(hdr).includes(0xc351);
      const idOf = (hdr, num) => { const id = sha256(hdr); id.writeUInt32BE(num, 0); return id.toString('hex'); };
      const ha = Buffer.from(e.a.header, 'hex');
      if (idOf(ha, e.a.block_num) !== e.a.block_id) fail(e, 'header a is not the voted block');
      if (!hasClaim(ha)) fail(e, 'block a claims no QC');
      const j = ha.subarray(14, 46).toString('hex');
      if (!(e.a.block_num < e.b.block_num)) fail(e, 'vote a is not below vote b');
      if (e.b.chain.length !== e.b.block_num - e.a.block_num + 1) fail(e, 'the chain does not reach a\'s height');
      let expect = e.b.block_id;
      e.b.chain.forEach((hex, i) => {
        const h = Buffer.from(hex, 'hex'), num = e.b.block_num - i;
        if (idOf(h, num) !== expect) fail(e, `chain header ${i} is not block ${num} of b's branch`);
        if (num > e.a.block_num && hasClaim(h)) fail(e, `block ${num} of b's branch claims a QC`);
        expect = h.subarray(14, 46).toString('hex');
        if (num === e.a.block_num && expect === j) fail(e, 'b extends the block a\'s QC is on');
      });
      for (const v of [e.a, e.b]) {
        const d = sha256(Buffer.from('cps-vote-v1'), chainId, Buffer.from(v.block_id, 'hex'), u32le(v.block_num), nameLE(producer));
        if (!recovers(v.signature, d)) fail(e, 'a vote signature does not recover to the producer key');
      }
    } else fail(e, 'unknown kind');
    if (e.key !== pubkey) fail(e, `key ${e.key} is not ${pubkey}`);
  }
  return e.kind;
}

async function checkEvidence(url, producer, pubkey) {
  const info = await post(url, '/v1/chain/get_info');
  const chainId = Buffer.from(info.chain_id, 'hex');
  const ev = (await post(url, '/v1/chain/get_finality_evidence')).evidence;
  const kinds = { double_vote: 0, vote_order: 0, lock_breach: 0, double_block: 0 };
  for (const e of ev) kinds[verifyRecord(e, chainId, producer, pubkey)]++;
  const votes = ev.length - kinds.double_block;
  return `${votes} ${kinds.double_block} (${Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(', ')})`;
}

// The verifier's lock_breach branch on records built here (no node makes one without a
// byzantine voter that keeps two lock states): a breach verifies; a branch that claims a QC
// above a's height, one that extends a's claimed block, a short chain and another signer do not.
function selfTest() {
  const { PrivateKey } = require('@wharfkit/antelope');
  const key = PrivateKey.fromString(boot.producerKeys(1)[0].privateKey);
  const other = PrivateKey.fromString(boot.producerKeys(2)[1].privateKey);
  const pub = key.toPublic().toLegacyString();
  const chainId = sha256(Buffer.from('lock breach self-test'));
  const producer = 'producera';
  const header = (prevId, slot, claims) => {
    const ext = claims ? Buffer.concat([Buffer.from([1]), Buffer.from([0x51, 0xc3, 4]), u32le(parseInt(prevId.slice(0, 8), 16))]) : Buffer.from([0]);
    return Buffer.concat([u32le(slot), nameLE(producer), Buffer.alloc(2), Buffer.from(prevId, 'hex'),
      sha256(u32le(slot)), Buffer.alloc(32), u32le(1), Buffer.from([0]), ext]);
  };
  const idOf = (h) => { const id = sha256(h); id.writeUInt32BE(h.subarray(14, 18).readUInt32BE(0) + 1, 0); return id.toString('hex'); };
  const vote = (h, k = key) => {
    const id = idOf(h), num = parseInt(id.slice(0, 8), 16);
    const d = sha256(Buffer.from('cps-vote-v1'), chainId, Buffer.from(id, 'hex'), u32le(num), nameLE(producer));
    return { block_id: id, block_num: num, signature: k.signDigest(Checksum256.from(d)).toString() };
  };
  const root = sha256(Buffer.from('root'));
  root.writeUInt32BE(1000, 0);
  const r = root.toString('hex');
  const a1 = header(r, 5001, false), a2 = header(idOf(a1), 5002, true);
  const b1 = header(r, 5003, false), b2 = header(idOf(b1), 5004, false), b3 = header(idOf(b2), 5005, false);
  const record = (a, bChain, k) => ({ kind: 'lock_breach', producer, key: pub, packed: '00',
    a: { ...vote(a), header: a.toString('hex') }, b: { ...vote(bChain[0], k), chain: bChain.map((h) => h.toString('hex')) } });
  const verdict = (e) => { try { verifyRecord(e, chainId, producer, pub); return 'verifies'; } catch (x) { return x.message.split(':')[0]; } };
  const results = [];
  const expect = (what, e, want) => { const got = verdict(e); results.push(`${what}: ${got}`); if ((got === 'verifies') !== want) throw new Error(`self-test: ${what}: ${got}`); };
  expect('breach', record(a2, [b3, b2]), true);
  const b3c = header(idOf(b2), 5005, true);
  expect('claim above a', record(a2, [b3c, b2]), false);
  const a3 = header(idOf(a2), 5006, false);
  expect('extends J', record(a2, [a3, a2]), false);
  expect('short chain', record(a2, [b3]), false);
  expect('other signer', record(a2, [b3, b2], other), false);
  return results.join('; ');
}

(async () => {
  const [cmd, ...a] = process.argv.slice(2);
  if (cmd === 'next-turn') console.log(await nextTurn(a[0], a[1]));
  else if (cmd === 'twin-push') console.log(await twinPush(a[0], a[1], Number(a[2])));
  else if (cmd === 'check-evidence') console.log(await checkEvidence(a[0], a[1], a[2]));
  else if (cmd === 'self-test') console.log(selfTest());
  else throw new Error('usage: next-turn | twin-push | check-evidence | self-test');
  // twin-push leaves the pushes still unanswered after its 5 s grace pending (a transfer whose
  // block lost to the other signer's may wait long for an answer): they must not keep it alive.
  process.exit(0);
})().catch((e) => { console.error(e.message || e); process.exit(1); });
