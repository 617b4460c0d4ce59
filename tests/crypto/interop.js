// The npm side of tests/crypto/interop.test.sh, using eosjs 22 and @wharfkit/antelope.
//   node interop.js verify < cases   checks CPS-made cases in both libraries (and that both sign
//                                    the same digest to the same string CPS produced)
//   node interop.js gen N            prints N K1 and N R1 cases made by the libraries
// A case is one line: <K1|R1> <private key> <public key> <digest hex> <signature>.
'use strict';
const crypto = require('crypto');
const W = require('@wharfkit/antelope');
const E = require('eosjs/dist/eosjs-key-conversions');
const { KeyType } = require('eosjs/dist/eosjs-numeric');

function checkCase(type, priv, pub, digestHex, sig) {
  const digest = Buffer.from(digestHex, 'hex');
  // wharfkit
  const wPriv = W.PrivateKey.from(priv);
  const wPub = W.PublicKey.from(pub);
  const wSig = W.Signature.from(sig);
  if (String(wPriv.type) !== type) return 'wharfkit: private key type ' + wPriv.type;
  if (!wPriv.toPublic().equals(wPub)) return 'wharfkit: public key of private key differs';
  if (!wSig.verifyDigest(digestHex, wPub)) return 'wharfkit: signature does not verify';
  if (!wSig.recoverDigest(digestHex).equals(wPub)) return 'wharfkit: recovered key differs';
  if (wPriv.signDigest(digestHex).toString() !== sig) return 'wharfkit: its signature differs';
  if (pub.startsWith('EOS') && wPub.toLegacyString() !== pub) return 'wharfkit: legacy text differs';
  if (pub.startsWith('PUB_') && wPub.toString() !== pub) return 'wharfkit: public key text differs';
  // eosjs
  const ePriv = E.PrivateKey.fromString(priv);
  const ePub = E.PublicKey.fromString(pub);
  const eSig = E.Signature.fromString(sig);
  if (ePriv.getPublicKey().toString() !== ePub.toString()) return 'eosjs: public key differs';
  if (!eSig.verify(digest, ePub, false)) return 'eosjs: signature does not verify';
  if (eSig.recover(digest, false).toString() !== ePub.toString()) return 'eosjs: recovered key differs';
  if (ePriv.sign(digest, false).toString() !== sig) return 'eosjs: its signature differs';
  if (eSig.toString() !== sig) return 'eosjs: signature text differs';
  return null;
}

function verify(input) {
  let passed = 0, failed = 0;
  for (const line of input.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 1 && f[0] === '') continue;
    let why;
    try {
      why = f.length === 5 ? checkCase(...f) : 'expected 5 fields';
    } catch (e) {
      why = 'exception: ' + e.message;
    }
    if (why) {
      failed++;
      console.error(`${f[0]} ${f[4]}: ${why}`);
    } else {
      passed++;
    }
  }
  console.log(`verify: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0;
}

// Half of the keys come from wharfkit, half from eosjs (through elliptic), in varied text forms.
function gen(n) {
  const out = [];
  for (const type of ['K1', 'R1']) {
    for (let i = 0; i < n; i++) {
      const digest = crypto.randomBytes(32);
      let priv, pub, sig;
      if (i % 2 === 0) {
        const k = W.PrivateKey.generate(type);
        const p = k.toPublic();
        priv = type === 'K1' && i % 4 === 0 ? k.toWif() : k.toString();
        pub = type === 'K1' && i % 3 === 0 ? p.toLegacyString() : p.toString();
        sig = k.signDigest(digest).toString();
      } else {
        const kt = type === 'K1' ? KeyType.k1 : KeyType.r1;
        const { privateKey, publicKey } = E.generateKeyPair(kt, { secureEnv: true });
        priv = type === 'K1' && i % 4 === 1 ? privateKey.toLegacyString() : privateKey.toString();
        pub = type === 'K1' && i % 3 === 0 ? publicKey.toLegacyString() : publicKey.toString();
        sig = privateKey.sign(digest, false).toString();
      }
      out.push(`${type} ${priv} ${pub} ${digest.toString('hex')} ${sig}`);
    }
  }
  process.stdout.write(out.join('\n') + '\n');
  return true;
}

const mode = process.argv[2];
let ok;
if (mode === 'verify') ok = verify(require('fs').readFileSync(0, 'utf8'));
else if (mode === 'gen') ok = gen(parseInt(process.argv[3] || '100', 10));
else {
  console.error('usage: node interop.js verify < cases | gen N');
  ok = false;
}
process.exit(ok ? 0 : 1);
