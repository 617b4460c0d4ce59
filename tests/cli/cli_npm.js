// The npm side of tests/cli/cli.test.sh: checks what `cps` printed with @wharfkit/antelope and
// eosjs 22, the libraries wallets use, so the CLI is judged by an independent implementation.
//   node cli_npm.js pubkey <private key>       prints the public key (legacy form for K1) both
//                                              libraries derive; exits 1 if they disagree
//   node cli_npm.js verify <chain id> <pubkey> < signed transaction JSON (plain or packed)
//                                              checks that the last signature is <pubkey>'s over
//                                              the transaction's signing digest, in both libraries
//   node cli_npm.js pack <abi file>  < transaction JSON with action data as objects
//                                              prints the packed transaction hex wharfkit makes
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const W = require('@wharfkit/antelope');
const E = require('eosjs/dist/eosjs-key-conversions');

function fail(msg) {
  console.error('cli_npm: ' + msg);
  process.exit(1);
}

function pubkey(priv) {
  const w = W.PrivateKey.from(priv).toPublic();
  const e = E.PrivateKey.fromString(priv).getPublicKey();
  const wText = String(w.type) === 'K1' ? w.toLegacyString() : w.toString();
  const eText = String(w.type) === 'K1' ? e.toLegacyString() : e.toString();
  if (wText !== eText) fail(`wharfkit ${wText} and eosjs ${eText} disagree`);
  console.log(wText);
}

function varuint(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

// The raw transaction and the packed context-free data of a plain or packed transaction JSON.
function rawParts(json) {
  if (json.packed_trx !== undefined) {
    return [Buffer.from(json.packed_trx, 'hex'), Buffer.from(json.packed_context_free_data || '', 'hex')];
  }
  const trx = W.Transaction.from(json);
  const raw = Buffer.from(W.Serializer.encode({ object: trx }).array);
  const cfd = json.context_free_data || [];
  const parts = [varuint(cfd.length)];
  for (const hex of cfd) parts.push(varuint(hex.length / 2), Buffer.from(hex, 'hex'));
  return [raw, cfd.length ? Buffer.concat(parts) : Buffer.alloc(0)];
}

// EOSIO's signing digest: sha256(chain id || raw transaction || sha256(packed cfd) or 32 zeros).
// (wharfkit's Transaction.signingDigest leaves out context-free data, so it is built here.)
function signingDigest(chainId, json) {
  const sha256 = (b) => crypto.createHash('sha256').update(b).digest();
  const [raw, cfd] = rawParts(json);
  const cfdHash = cfd.length ? sha256(cfd) : Buffer.alloc(32);
  return sha256(Buffer.concat([Buffer.from(chainId, 'hex'), raw, cfdHash]));
}

function verify(chainId, pub, input) {
  const json = JSON.parse(input);
  const sigs = json.signatures || [];
  if (sigs.length === 0) fail('no signatures');
  const sig = sigs[sigs.length - 1];
  const digest = signingDigest(chainId, json);
  const wPub = W.PublicKey.from(pub);
  const wSig = W.Signature.from(sig);
  if (!wSig.verifyDigest(digest.toString('hex'), wPub)) fail('wharfkit: signature does not verify');
  if (!wSig.recoverDigest(digest.toString('hex')).equals(wPub)) fail('wharfkit: recovers another key');
  const eSig = E.Signature.fromString(sig);
  if (!eSig.verify(digest, E.PublicKey.fromString(pub), false)) fail('eosjs: signature does not verify');
  console.log('ok');
}

function pack(abiFile, input) {
  const abi = W.ABI.from(JSON.parse(fs.readFileSync(abiFile, 'utf8')));
  const json = JSON.parse(input);
  const withAbi = (act) => (typeof act.data === 'object' ? W.Action.from(act, abi) : W.Action.from(act));
  const trx = W.Transaction.from({
    ...json,
    context_free_actions: (json.context_free_actions || []).map(withAbi),
    actions: (json.actions || []).map(withAbi),
  });
  console.log(W.Serializer.encode({ object: trx }).hexString);
}

const [cmd, a, b] = process.argv.slice(2);
const stdin = () => fs.readFileSync(0, 'utf8');
try {
  if (cmd === 'pubkey') pubkey(a);
  else if (cmd === 'verify') verify(a, b, stdin());
  else if (cmd === 'pack') pack(a, stdin());
  else fail('usage: cli_npm.js pubkey|verify|pack ...');
} catch (e) {
  fail(`${cmd}: ${e.message}`);
}
