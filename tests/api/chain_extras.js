// compute_transaction, get_required_keys with linkauth and --max-transaction-time against a real
// cpsd (started with --max-transaction-time 5 by tests/api/chain_extras.test.sh).
'use strict';
const fs = require('fs');
const path = require('path');
const { RpcError, Serialize } = require('eosjs');
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

async function post(endpoint, body) {
  const r = await fetch(`${url}/v1/chain/${endpoint}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

(async () => {
  const { rpc, api } = boot.connect(url);
  const balances = async () => JSON.stringify([
    await rpc.get_currency_balance('eosio.token', 'eosio', 'CPS'),
    await rpc.get_currency_balance('eosio.token', 'alice', 'CPS')]);
  // A transaction serialized (signed or not) but not pushed, as the packed-transaction JSON.
  const packed = async (actions, sign) => {
    const info = await rpc.get_info();
    const ref = await rpc.get_block(Math.max(1, info.head_block_num - 1));
    const expiration = new Date(Date.parse(info.head_block_time + 'Z') + 60000).toISOString().slice(0, 19);
    const t = await api.transact({ expiration, ref_block_num: ref.block_num & 0xffff,
      ref_block_prefix: ref.ref_block_prefix, actions }, { broadcast: false, sign });
    return { t, body: { signatures: t.signatures, compression: 0, packed_context_free_data: '',
      packed_trx: Buffer.from(t.serializedTransaction).toString('hex') } };
  };
  const transfer = (from, to, quantity, memo, permission = 'active') => ({
    account: 'eosio.token', name: 'transfer', authorization: [{ actor: from, permission }],
    data: { from, to, quantity, memo } });

  await check('boot and accounts', async () => {
    await boot.boot(url, buildDir);
    await boot.newAccount(api, 'alice');
    await boot.newAccount(api, 'prober');
  });

  await check('compute_transaction runs an unsigned transfer and changes nothing', async () => {
    const before = await balances();
    const { t, body } = await packed([transfer('eosio', 'alice', '5.0000 CPS', 'dry')], false);
    assert(t.signatures.length === 0, 'signed');
    const r = await post('compute_transaction', { transaction: body });
    assert(r.status === 200, JSON.stringify(r.json));
    assert(/^[0-9a-f]{64}$/.test(r.json.transaction_id), 'transaction_id');
    const p = r.json.processed;
    assert(p.except === null, JSON.stringify(p.except));
    assert(p.receipt.status === 'executed', 'receipt');
    const tr = p.action_traces.find((a) => a.receiver === 'eosio.token' && a.act.name === 'transfer');
    assert(tr && tr.act.data.quantity === '5.0000 CPS', JSON.stringify(p.action_traces));
    assert(p.action_traces.some((a) => a.receiver === 'alice'), 'no notification of alice');
    assert(tr.trx_id === r.json.transaction_id && tr.block_num === p.block_num, 'action trace ids');
    await new Promise((r) => setTimeout(r, 1100)); // a block later too
    assert((await balances()) === before, 'balances changed');
    // not remembered as a duplicate: the signed twin of the same transaction still goes through
    const signed = await api.transact(
      { ...(await api.deserializeTransactionWithActions(t.serializedTransaction)) },
      { broadcast: false, sign: true });
    const pushed = await rpc.push_transaction(signed);
    assert((await balances()) !== before, 'the real push did not transfer');
    // nodeos's trace fields, per transaction and per action (chain-api reference)
    const pp = pushed.processed;
    for (const k of ['producer_block_id', 'account_ram_delta', 'error_code'])
      assert(k in pp && pp[k] === null, `processed.${k}: ${JSON.stringify(pp[k])}`);
    for (const at of pp.action_traces) {
      assert(at.trx_id === pushed.transaction_id, `trx_id ${at.trx_id}`);
      assert(at.block_num === pp.block_num && at.block_time === pp.block_time, 'action block');
      assert(typeof at.elapsed === 'number' && at.except === null && at.error_code === null &&
        at.producer_block_id === null, JSON.stringify(at).slice(0, 300));
    }
  });

  await check('compute_transaction reports an assertion as processed.except', async () => {
    const before = await balances();
    const { body } = await packed([transfer('alice', 'eosio', '1000000.0000 CPS', 'overdraw')], false);
    const r = await post('compute_transaction', { transaction: body });
    assert(r.status === 200, JSON.stringify(r.json));
    const e = r.json.processed.except;
    assert(e && e.code === 3050003 && e.name === 'eosio_assert_message_exception', JSON.stringify(e));
    assert(/overdrawn balance/.test(e.stack[0].format), JSON.stringify(e));
    assert((await balances()) === before, 'balances changed');
    // eosjs sees it as a failure, as it does for nodeos
    try { await rpc.fetch('/v1/chain/compute_transaction', { transaction: body }); throw new Error('no error'); }
    catch (x) { assert(x instanceof RpcError, `${x}`); }
  });

  await check('compute_transaction refuses a malformed body and a delayed transaction', async () => {
    let r = await post('compute_transaction', { transaction: { packed_trx: 'zz' } });
    assert(r.status === 500 && r.json.error.name === 'packed_transaction_type_exception', JSON.stringify(r.json));
    const { t } = await packed([transfer('eosio', 'alice', '1.0000 CPS', 'delayed')], false);
    const trx = await api.deserializeTransactionWithActions(t.serializedTransaction);
    const delayed = await api.transact({ ...trx, delay_sec: 10 }, { broadcast: false, sign: false });
    r = await post('compute_transaction', { transaction: { signatures: [], compression: 0,
      packed_context_free_data: '', packed_trx: Buffer.from(delayed.serializedTransaction).toString('hex') } });
    assert(r.status === 500 && r.json.error.name === 'transaction_exception', JSON.stringify(r.json));
  });

  await check('get_required_keys follows a linkauth custom permission', async () => {
    const xfer = generateKeyPair(KeyType.k1, { secureEnv: true });
    const xferPub = xfer.publicKey.toLegacyString();
    await boot.transact(api, [
      { account: 'eosio', name: 'updateauth', authorization: [{ actor: 'alice', permission: 'active' }],
        data: { account: 'alice', permission: 'xfer', parent: 'active',
          auth: { threshold: 1, keys: [{ key: xferPub, weight: 1 }], accounts: [], waits: [] } } },
      { account: 'eosio', name: 'linkauth', authorization: [{ actor: 'alice', permission: 'active' }],
        data: { account: 'alice', code: 'eosio.token', type: 'transfer', requirement: 'xfer' } }]);
    const available = [boot.DEV_PUBLIC_KEY, xferPub];
    const info = await rpc.get_info();
    const hdr = { expiration: info.head_block_time, ref_block_num: 0, ref_block_prefix: 0,
      max_net_usage_words: 0, max_cpu_usage_ms: 0, delay_sec: 0, context_free_actions: [],
      transaction_extensions: [] };
    const serialized = async (permission) => {
      const act = transfer('alice', 'eosio', '0.0001 CPS', 'link', permission);
      const [ser] = await api.serializeActions([act]);
      return { ...hdr, actions: [ser] };
    };
    let r = await post('get_required_keys', { transaction: await serialized('xfer'), available_keys: available });
    assert(r.status === 200, JSON.stringify(r.json));
    assert(JSON.stringify(r.json.required_keys) === JSON.stringify([xferPub]), JSON.stringify(r.json));
    r = await post('get_required_keys', { transaction: await serialized('active'), available_keys: available });
    assert(JSON.stringify(r.json.required_keys) === JSON.stringify([boot.DEV_PUBLIC_KEY]), JSON.stringify(r.json));
    r = await post('get_required_keys', { transaction: await serialized('xfer'), available_keys: [boot.DEV_PUBLIC_KEY] });
    assert(r.status === 401 && r.json.error.name === 'unsatisfied_authorization', JSON.stringify(r.json));
    // the key it names is enough to push the transfer under the link
    await boot.transact(api, [transfer('eosio', 'alice', '1.0000 CPS', 'fund')]);
    const withXfer = boot.connect(url, [xfer.privateKey.toString()]).api;
    await boot.transact(withXfer, [transfer('alice', 'eosio', '0.0001 CPS', 'linked', 'xfer')]);
  });

  await check('--max-transaction-time stops an infinite loop with tx_cpu_usage_exceeded', async () => {
    // the probe contract (tests/chain/wat/probe.wat) with an ABI naming its endless action
    const abiPath = path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'cps-probe-')), 'probe.abi');
    fs.writeFileSync(abiPath, JSON.stringify({ version: 'eosio::abi/1.1',
      structs: [{ name: 'empty', base: '', fields: [{ name: 'pad', type: 'uint8' }] }],
      actions: [{ name: 'spin', type: 'empty', ricardian_contract: '' }] }));
    await boot.deploy(api, 'prober', path.join(buildDir, 'tests/chain/wat/probe.wasm'), abiPath);
    fs.rmSync(path.dirname(abiPath), { recursive: true, force: true });
    const spin = { account: 'prober', name: 'spin', authorization: [{ actor: 'prober', permission: 'active' }], data: { pad: 0 } };
    const { t, body } = await packed([spin], true);
    const t0 = Date.now();
    try { await rpc.push_transaction(t); throw new Error('accepted'); }
    catch (e) {
      assert(e instanceof RpcError, `${e}`);
      assert(e.json.error.code === 3080004 && e.json.error.name === 'tx_cpu_usage_exceeded', JSON.stringify(e.json));
      assert(/reached node configured max-transaction-time 5000us/.test(e.json.error.details[0].message), JSON.stringify(e.json));
    }
    assert(Date.now() - t0 < 5000, 'took too long');
    const r = await post('compute_transaction', { transaction: body });
    assert(r.status === 200 && r.json.processed.except.name === 'tx_cpu_usage_exceeded', JSON.stringify(r.json));
    const st = await post('get_transaction_status', { id: r.json.transaction_id });
    assert(st.json.state === 'UNKNOWN', JSON.stringify(st.json));
  });

  console.log(`eosjs: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.log(`FAIL ${e && e.stack || e}`); console.log(`eosjs: ${passed} passed, ${failed + 1} failed`); process.exit(1); });
