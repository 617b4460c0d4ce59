// Boot of a running cpsd with eosjs, as a list of idempotent steps (each checks the chain and
// skips what is already done), used by `make run`, the tests and the testnet:
//   token     eosio.token account + contract, core token CPS (4 decimals) created and issued
//   system    (--system) the system accounts, eosio.msig and eosio.wrap (privileged), cps.recover,
//             then eosio.system on eosio + init; eosio's ABI becomes the system ABI
//   producers (--producers N) N producer accounts with keys from producerKeys(), each created
//             through the system contract (RAM + stake) and registered
//   activate  (--activate) a voter stakes 15% of the supply and votes for the producers; waits
//             until /v1/chain/get_producer_schedule shows them active (needs a chain controller
//             that accepts set_proposed_producers)
// Usage: node scripts/boot.js URL BUILD_DIR [--system] [--producers N] [--activate]
//        node scripts/boot.js --print-producers N     (name, public key, private key per line)
// The environment can ask the same: CPS_BOOT_SYSTEM=1, CPS_BOOT_PRODUCERS=N, CPS_BOOT_ACTIVATE=1.
// Exported functions are reused by tests/e2e, tests/node and the testnet script.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { Api, JsonRpc, Serialize } = require('eosjs');
const { JsSignatureProvider } = require('eosjs/dist/eosjs-jssig');
const { TextEncoder, TextDecoder } = require('util');

const DEV_PRIVATE_KEY = '5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3';
const DEV_PUBLIC_KEY = 'EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV';
const CORE = 'CPS';
const SUPPLY = '1000000000.0000 CPS';
// Only the accounts CPS's contracts use (no REX: eosio.rex is not created).
const SYSTEM_ACCOUNTS = ['eosio.msig', 'eosio.wrap', 'eosio.bpay', 'eosio.vpay', 'eosio.saving',
  'eosio.names', 'eosio.ram', 'eosio.stake', 'cps.recover'];

function connect(url, keys = [DEV_PRIVATE_KEY]) {
  const rpc = new JsonRpc(url, { fetch: globalThis.fetch || require('node-fetch') });
  const api = new Api({ rpc, signatureProvider: new JsSignatureProvider(keys),
    textEncoder: new TextEncoder(), textDecoder: new TextDecoder() });
  return { rpc, api };
}

const auth = (actor, permission = 'active') => [{ actor, permission }];
const keyAuthority = (key) => ({ threshold: 1, keys: [{ key, weight: 1 }], accounts: [], waits: [] });

// Producer i (1-based): a name and a K1 key derived from sha256("cps producer <i>"), so every
// tool (boot, testnet, tests) finds the same keys. Development and test chains only.
function producerKeys(n) {
  const { PrivateKey, KeyType, Bytes } = require('@wharfkit/antelope');
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const out = [];
  for (let i = 1; i <= n; i++) {
    const raw = crypto.createHash('sha256').update(`cps producer ${i}`).digest();
    const key = new PrivateKey(KeyType.K1, Bytes.from(raw));
    // producera … producerz, then producerba …: names stay within EOSIO's alphabet.
    let suffix = '', v = i - 1;
    do { suffix = letters[v % 26] + suffix; v = Math.floor(v / 26) - 1; } while (v >= 0);
    out.push({ name: `producer${suffix}`, privateKey: key.toWif(), publicKey: key.toPublic().toLegacyString() });
  }
  return out;
}

// TaPoS refers to the block 3 behind the head, so a chain younger than that is waited for
// (a loaded machine can reach boot before the fourth block).
async function transact(api, actions) {
  for (let i = 0; i < 100; i++) {
    const info = await api.rpc.get_info();
    if (info.head_block_num > 3) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return api.transact({ actions }, { blocksBehind: 3, expireSeconds: 60 });
}

async function accountExists(rpc, name) {
  try { await rpc.get_account(name); return true; } catch (e) { return false; }
}

// Native newaccount (no RAM or stake: only for accounts created before the system contract, or
// for eosio, whose accounts the system contract leaves unlimited until it sets limits).
async function newAccount(api, name, key = DEV_PUBLIC_KEY) {
  return transact(api, [{ account: 'eosio', name: 'newaccount', authorization: auth('eosio'),
    data: { creator: 'eosio', name, owner: keyAuthority(key), active: keyAuthority(key) } }]);
}

// newaccount through the system contract, as `cleos system newaccount`: RAM bought and stake
// delegated by the creator in the same transaction.
async function systemNewAccount(api, { creator = 'eosio', name, key = DEV_PUBLIC_KEY, ramBytes = 8192,
  net = '10.0000 CPS', cpu = '10.0000 CPS', transfer = false }) {
  return transact(api, [
    { account: 'eosio', name: 'newaccount', authorization: auth(creator),
      data: { creator, name, owner: keyAuthority(key), active: keyAuthority(key) } },
    { account: 'eosio', name: 'buyrambytes', authorization: auth(creator),
      data: { payer: creator, receiver: name, bytes: ramBytes } },
    { account: 'eosio', name: 'delegatebw', authorization: auth(creator),
      data: { from: creator, receiver: name, stake_net_quantity: net, stake_cpu_quantity: cpu, transfer } },
  ]);
}

// The binary form of a JSON ABI, as setabi carries it.
function abiToHex(api, abiJson) {
  const buffer = new Serialize.SerialBuffer({ textEncoder: new TextEncoder(), textDecoder: new TextDecoder() });
  const abiDef = api.abiTypes.get('abi_def');
  // kv_tables (an EOSIO 2.1 extension eosjs 22 knows) is left out: CPS's ABI is ABI 1.x
  // up to action_results, and an absent trailing extension is not serialized.
  const abi = abiDef.fields.filter(({ name }) => name !== 'kv_tables')
    .reduce((acc, { name }) => Object.assign(acc, { [name]: acc[name] || [] }), JSON.parse(abiJson));
  delete abi.kv_tables;
  abiDef.serialize(buffer, abi);
  return Buffer.from(buffer.asUint8Array()).toString('hex');
}

async function deploy(api, account, wasmPath, abiPath) {
  const wasm = fs.readFileSync(wasmPath).toString('hex');
  const abi = abiToHex(api, fs.readFileSync(abiPath, 'utf8'));
  const r = await transact(api, [
    { account: 'eosio', name: 'setcode', authorization: auth(account),
      data: { account, vmtype: 0, vmversion: 0, code: wasm } },
    { account: 'eosio', name: 'setabi', authorization: auth(account), data: { account, abi } },
  ]);
  api.cachedAbis.delete(account); // eosjs would keep packing with the old ABI
  api.contracts.delete(account);
  return r;
}

// Deploys `contract` (build/contracts/<contract>.wasm/.abi) on `account` unless that code is there.
async function deployIfChanged(api, buildDir, account, contract) {
  const wasmPath = path.join(buildDir, 'contracts', `${contract}.wasm`);
  const hash = crypto.createHash('sha256').update(fs.readFileSync(wasmPath)).digest('hex');
  const { code_hash: current } = await api.rpc.get_code_hash(account);
  if (current === hash) return false;
  await deploy(api, account, wasmPath, path.join(buildDir, 'contracts', `${contract}.abi`));
  return true;
}

// ---- the steps

async function stepToken(api, buildDir) {
  if (!(await accountExists(api.rpc, 'eosio.token'))) await newAccount(api, 'eosio.token');
  const code = await api.rpc.get_code_hash('eosio.token');
  if (/^0+$/.test(code.code_hash)) {
    await deploy(api, 'eosio.token', path.join(buildDir, 'contracts/eosio.token.wasm'),
      path.join(buildDir, 'contracts/eosio.token.abi'));
  }
  const stats = await api.rpc.get_currency_stats('eosio.token', CORE);
  if (!stats[CORE]) {
    await transact(api, [
      { account: 'eosio.token', name: 'create', authorization: auth('eosio.token'),
        data: { issuer: 'eosio', maximum_supply: '10000000000.0000 CPS' } },
      { account: 'eosio.token', name: 'issue', authorization: auth('eosio'),
        data: { to: 'eosio', quantity: SUPPLY, memo: 'development supply' } },
    ]);
  }
}

async function systemInitialized(rpc) {
  try {
    const r = await rpc.get_table_rows({ code: 'eosio', scope: 'eosio', table: 'global', json: true });
    return r.rows.length > 0;
  } catch (e) {
    return false; // no system ABI yet
  }
}

// `extraAccounts`: [{name, key}] created natively with the system accounts, before the system
// contract (the producers: see stepProducers).
async function stepSystem(api, buildDir, extraAccounts = []) {
  for (const name of SYSTEM_ACCOUNTS) if (!(await accountExists(api.rpc, name))) await newAccount(api, name);
  for (const a of extraAccounts) if (!(await accountExists(api.rpc, a.name))) await newAccount(api, a.name, a.key);
  await deployIfChanged(api, buildDir, 'eosio.msig', 'eosio.msig');
  await deployIfChanged(api, buildDir, 'eosio.wrap', 'eosio.wrap');
  await deployIfChanged(api, buildDir, 'cps.recover', 'cps.recover');
  await deployIfChanged(api, buildDir, 'eosio', 'eosio.system');
  if (!(await systemInitialized(api.rpc))) {
    await transact(api, [{ account: 'eosio', name: 'init', authorization: auth('eosio'), data: { version: 0, core: `4,${CORE}` } }]);
  }
  const privileged = async (name) => (await api.rpc.get_account(name)).privileged;
  for (const name of ['eosio.msig', 'eosio.wrap']) {
    if (!(await privileged(name))) {
      await transact(api, [{ account: 'eosio', name: 'setpriv', authorization: auth('eosio'), data: { account: name, is_priv: 1 } }]);
    }
  }
}

// The producer accounts exist already when they were created with the system accounts; they get
// RAM and stake from eosio here (RAM first: the limits the stake sets must cover the account's
// usage), or are created through the system contract when boot runs again with more producers.
async function stepProducers(api, n) {
  const prods = producerKeys(n);
  for (const p of prods) {
    if (!(await accountExists(api.rpc, p.name))) {
      await systemNewAccount(api, { name: p.name, key: p.publicKey, ramBytes: 16384, net: '1000.0000 CPS', cpu: '1000.0000 CPS' });
      continue;
    }
    const r = await api.rpc.get_table_rows({ code: 'eosio', scope: p.name, table: 'userres', json: true });
    if (r.rows.length && Number(r.rows[0].ram_bytes) > 0) continue;
    await transact(api, [
      { account: 'eosio', name: 'buyrambytes', authorization: auth('eosio'), data: { payer: 'eosio', receiver: p.name, bytes: 16384 } },
      { account: 'eosio', name: 'delegatebw', authorization: auth('eosio'),
        data: { from: 'eosio', receiver: p.name, stake_net_quantity: '1000.0000 CPS', stake_cpu_quantity: '1000.0000 CPS', transfer: false } },
    ]);
  }
  const { rows } = await api.rpc.get_table_rows({ code: 'eosio', scope: 'eosio', table: 'producers', json: true, limit: 1000 });
  const registered = new Set(rows.filter((r) => r.is_active).map((r) => r.owner));
  const todo = prods.filter((p) => !registered.has(p.name));
  if (todo.length) {
    const { api: prodApi } = connect(api.rpc.endpoint, todo.map((p) => p.privateKey));
    for (const p of todo) {
      await transact(prodApi, [{ account: 'eosio', name: 'regproducer', authorization: auth(p.name),
        data: { producer: p.name, producer_key: p.publicKey, url: `https://${p.name}.cps.invalid`, location: 0, annual_inflation_bp: 300 } }]);
    }
  }
  return prods;
}

// Activation: `cps.voter` gets 15% of the supply, stakes it and votes for the producers; then
// onblock proposes them (once a minute) and the schedule changes when that block is irreversible.
async function stepActivate(api, prods, { timeoutMs = 240000 } = {}) {
  const voter = 'cpsvoter';
  const supply = (await api.rpc.get_currency_stats('eosio.token', CORE))[CORE].supply;
  const units = BigInt(supply.split(' ')[0].replace('.', ''));
  const need = (units * 15n + 99n) / 100n + 1n;
  const fmt = (u) => `${u / 10000n}.${(u % 10000n).toString().padStart(4, '0')} ${CORE}`;
  const half = need / 2n;
  if (!(await accountExists(api.rpc, voter))) {
    await systemNewAccount(api, { name: voter, ramBytes: 16384 });
    await transact(api, [
      { account: 'eosio.token', name: 'transfer', authorization: auth('eosio'),
        data: { from: 'eosio', to: voter, quantity: fmt(need), memo: 'activation stake' } },
      { account: 'eosio', name: 'delegatebw', authorization: auth(voter),
        data: { from: voter, receiver: voter, stake_net_quantity: fmt(half), stake_cpu_quantity: fmt(need - half), transfer: false } },
      { account: 'eosio', name: 'voteproducer', authorization: auth(voter),
        data: { voter, proxy: '', producers: prods.map((p) => p.name).sort().slice(0, 30) } },
    ]);
  }
  const want = prods.map((p) => p.name).sort().slice(0, 21).join(',');
  const start = Date.now();
  for (;;) {
    const sched = await api.rpc.fetch('/v1/chain/get_producer_schedule', {});
    const active = (sched.active.producers || []).map((p) => p.producer_name).sort().join(',');
    if (active === want) return sched;
    if (Date.now() - start > timeoutMs) throw new Error(`schedule did not change to ${want} (active: ${active})`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function boot(url, buildDir, { system = false, producers = 0, activate = false } = {}) {
  const { rpc, api } = connect(url);
  const info = await rpc.get_info();
  await stepToken(api, buildDir);
  let prods = [];
  if (system || producers > 0 || activate) {
    await stepSystem(api, buildDir, producerKeys(producers).map((p) => ({ name: p.name, key: p.publicKey })));
    if (producers > 0) prods = await stepProducers(api, producers);
    if (activate) {
      if (!prods.length) throw new Error('--activate needs --producers N');
      await stepActivate(api, prods);
    }
  }
  return info;
}

module.exports = { connect, transact, newAccount, systemNewAccount, deploy, boot, producerKeys,
  stepToken, stepSystem, stepProducers, stepActivate, keyAuthority, DEV_PRIVATE_KEY, DEV_PUBLIC_KEY, SYSTEM_ACCOUNTS };

if (require.main === module) {
  const args = process.argv.slice(2);
  const flag = (name) => args.includes(name);
  const value = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  if (flag('--print-producers')) {
    for (const p of producerKeys(Number(value('--print-producers')))) console.log(`${p.name} ${p.publicKey} ${p.privateKey}`);
    process.exit(0);
  }
  const [url, buildDir] = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--producers');
  const env = process.env;
  const opts = {
    system: flag('--system') || env.CPS_BOOT_SYSTEM === '1',
    producers: Number(value('--producers') || env.CPS_BOOT_PRODUCERS || 0),
    activate: flag('--activate') || env.CPS_BOOT_ACTIVATE === '1',
  };
  boot(url, buildDir, opts).then((info) => {
    const what = ['eosio.token deployed, CPS issued'];
    if (opts.system || opts.producers || opts.activate) what.push('system contracts deployed');
    if (opts.producers) what.push(`${opts.producers} producer(s) registered`);
    if (opts.activate) what.push('producers active');
    console.log(`boot: ${what.join(', ')} on chain ${info.chain_id}`);
  }).catch((e) => {
    const detail = e.json && e.json.error && e.json.error.details && e.json.error.details[0];
    console.error('boot failed:', detail ? detail.message : (e.message || e));
    process.exit(1);
  });
}
