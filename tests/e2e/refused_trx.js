// Transactions the node must refuse through /v1/chain/push_transaction with nodeos-shaped errors
// (expired, duplicate, signed by the wrong key, corrupted signature, bad TaPoS), each leaving the
// balances unchanged. Run by tests/e2e/refused_trx.test.sh.
'use strict';
const { RpcError } = require('eosjs');
const { JsSignatureProvider } = require('eosjs/dist/eosjs-jssig');
const { generateKeyPair } = require('eosjs/dist/eosjs-key-conversions');
const { KeyType } = require('eosjs/dist/eosjs-numeric');
const boot = require('../../scripts/boot.js');

const [url, buildDir] = process.argv.slice(2);
let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; console.log(`ok   ${name}`); }
  catch (e) { failed++; console.log(`FAIL ${name}: ${e && e.stack || e}`); }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

(async () => {
  const { rpc, api } = boot.connect(url);
  const balances = async () => JSON.stringify([
    await rpc.get_currency_balance('eosio.token', 'eosio', 'CPS'),
    await rpc.get_currency_balance('eosio.token', 'alice', 'CPS')]);
  // A transfer signed (not pushed) with explicit header fields, so each test can spoil one.
  const transfer = async (memo, header = {}) => {
    const info = await rpc.get_info();
    const ref = await rpc.get_block(Math.max(1, info.head_block_num - 1));
    const expiration = new Date(Date.parse(info.head_block_time + 'Z') + 60000).toISOString().slice(0, 19);
    return api.transact({ expiration, ref_block_num: ref.block_num & 0xffff,
      ref_block_prefix: ref.ref_block_prefix, ...header,
      actions: [{ account: 'eosio.token', name: 'transfer',
        authorization: [{ actor: 'eosio', permission: 'active' }],
        data: { from: 'eosio', to: 'alice', quantity: '1.0000 CPS', memo } }] },
    { broadcast: false, sign: true });
  };
  // Pushes and expects a refusal with the given nodeos code and name, and no balance change.
  const refused = async (signed, code, name) => {
    const before = await balances();
    try {
      await rpc.push_transaction(signed);
      throw new Error('accepted');
    } catch (e) {
      assert(e instanceof RpcError, `not an RpcError: ${e}`);
      assert(e.json.error.code === code && e.json.error.name === name, JSON.stringify(e.json));
    }
    assert((await balances()) === before, 'balances changed');
  };
  await check('boot and accounts', async () => {
    await boot.boot(url, buildDir);
    await boot.newAccount(api, 'alice');
  });
  await check('an expired transaction is expired_tx_exception 3040005', async () => {
    await refused(await transfer('expired', { expiration: '2020-01-01T00:00:00' }), 3040005, 'expired_tx_exception');
  });
  await check('the same signed transaction twice is tx_duplicate 3040008', async () => {
    const signed = await transfer('dup');
    const before = await balances();
    await rpc.push_transaction(signed);
    assert((await balances()) !== before, 'first push did not transfer');
    await refused(signed, 3040008, 'tx_duplicate');
  });
  await check('a signature by another key is unsatisfied_authorization 3090003', async () => {
    const signed = await transfer('other key');
    const other = generateKeyPair(KeyType.k1, { secureEnv: true });
    const info = await rpc.get_info();
    const resigned = await new JsSignatureProvider([other.privateKey.toString()]).sign({
      chainId: info.chain_id, requiredKeys: [other.publicKey.toString()],
      serializedTransaction: signed.serializedTransaction, abis: [] });
    await refused(resigned, 3090003, 'unsatisfied_authorization');
  });
  await check('a corrupted signature is refused and changes nothing', async () => {
    const signed = await transfer('corrupt');
    const sig = signed.signatures[0];
    // Flip one base58 character in the middle: the checksum no longer matches.
    const i = 20, c = sig[i] === 'A' ? 'B' : 'A';
    const bad = { ...signed, signatures: [sig.slice(0, i) + c + sig.slice(i + 1)] };
    const before = await balances();
    try { await rpc.push_transaction(bad); throw new Error('accepted'); }
    catch (e) {
      assert(e instanceof RpcError, `not an RpcError: ${e}`);
      assert(e.json.error.code > 0 && e.json.error.details.length > 0, JSON.stringify(e.json));
      console.log(`     corrupted signature -> ${e.json.error.code} ${e.json.error.name}: ${e.json.error.details[0].message}`);
    }
    assert((await balances()) === before, 'balances changed');
  });
  await check('a wrong TaPoS prefix is invalid_ref_block_exception 3040007', async () => {
    await refused(await transfer('tapos bad', { ref_block_prefix: 12345 }), 3040007, 'invalid_ref_block_exception');
  });
  console.log(`eosjs: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.log(`eosjs: fatal ${e && e.stack || e}`); console.log('eosjs: 0 passed, 1 failed'); process.exit(1); });
