// A hostile P2P peer for tests/node/p2p.test.sh, speaking CPS's wire format (src/net/net.h):
//   liar      handshakes claiming a head 1000 blocks ahead and then serves nothing;
//   badblock  handshakes truthfully and sends a well-formed block on the node's head whose
//             signature and merkle roots are made up.
// Usage: node p2p_hostile.js <mode> <p2p port> <http port>. Prints the go_away reason the node
// dropped it with ("dropped 6") and exits 0, or exits 1 if it was still connected after 15 s.
'use strict';
const net = require('net');
const crypto = require('crypto');
const [mode, p2pPort, httpPort] = process.argv.slice(2);

async function info() {
  const r = await fetch(`http://127.0.0.1:${httpPort}/v1/chain/get_info`, { method: 'POST', body: '{}' });
  return r.json();
}
const u16 = (v) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const i64 = (v) => { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(v)); return b; };
const frame = (type, payload) => Buffer.concat([u32(payload.length + 1), Buffer.from([type]), payload]);
// An id carrying its block number big-endian in the first 4 bytes, as EOSIO's.
function idFor(num, hex) {
  const id = hex ? Buffer.from(hex, 'hex') : crypto.randomBytes(32);
  id.writeUInt32BE(num, 0);
  return id;
}

(async () => {
  const i = await info();
  const claimed = mode === 'liar' ? i.head_block_num + 1000 : i.head_block_num;
  const headId = mode === 'liar' ? idFor(claimed) : Buffer.from(i.head_block_id, 'hex');
  const agent = Buffer.from('hostile-test');
  const hs = Buffer.concat([u16(1), Buffer.from(i.chain_id, 'hex'), crypto.randomBytes(32),
    u32(claimed), headId, u32(claimed), headId, i64(Date.now() * 1000), u16(0),
    Buffer.from([agent.length]), agent]);
  const sock = net.connect(Number(p2pPort), '127.0.0.1');
  let buf = Buffer.alloc(0), reason = null, handshaken = false;
  sock.on('data', async (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) {
      const len = buf.readUInt32LE(0), type = buf[4], body = buf.subarray(5, 4 + len);
      buf = buf.subarray(4 + len);
      if (type === 1) reason = body[0];
      if (type === 0 && !handshaken) {
        handshaken = true;
        if (mode === 'badblock') sendBadBlocks();
      }
    }
  });
  sock.on('error', () => {});
  sock.on('close', () => { console.log(`dropped ${reason}`); process.exit(reason === null ? 1 : 0); });
  sock.write(frame(0, hs));

  // The node's head moves every 500 ms, so the block is rebuilt on the current head a few times
  // (a block that does not link is ignored without blame; one that links is judged).
  async function sendBadBlocks() {
    for (let n = 0; n < 10 && !sock.destroyed; n++) {
      const h = await info();
      const slot = Math.floor((Date.parse(h.head_block_time + 'Z') - 946684800000) / 500) + 1;
      const header = Buffer.concat([u32(slot), Buffer.from('0000000000ea3055', 'hex'), u16(0),
        Buffer.from(h.head_block_id, 'hex'), crypto.randomBytes(32), crypto.randomBytes(32),
        u32(0), Buffer.from([0]), Buffer.from([0])]);
      const sig = Buffer.concat([Buffer.from([0, 0x1f]), crypto.randomBytes(64)]);
      sock.write(frame(4, Buffer.concat([header, sig, Buffer.from([0]), Buffer.from([0])])));
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  setTimeout(() => { console.log('still connected'); process.exit(1); }, 15000);
})().catch((e) => { console.error(e.message || e); process.exit(1); });
