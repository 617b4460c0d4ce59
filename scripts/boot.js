// Boot step of `make run` (and the e2e tests): with eosjs against a running cpsd, creates the
// eosio.token account, deploys the project's token contract (code + ABI) and creates and issues
// the core token "CPS" (4 decimals). Usage: node scripts/boot.js <url> <build-dir>
// Exported functions are reused by tests/e2e/eosjs_chain.js.
'use strict';
const fs = require('fs');
const path = require('path');
const { Api, JsonRpc, Serialize } = require('eosjs');
const { JsSignatureProvider } = require('eosjs/dist/eosjs-jssig');
const { TextEncoder, TextDecoder } = require('util');

const DEV_PRIVATE_KEY = '5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3';
const DEV_PUBLIC_KEY = 'EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV';

function connect(url, keys = [DEV_PRIVATE_KEY]) {
  const rpc = new JsonRpc(url, { fetch: globalThis.fetch || require('node-fetch') });
  const api = new Api({ rpc, signatureProvider: new JsSignatureProvider(keys),
    textEncoder: new TextEncoder(), textDecoder: new TextDecoder() });
  return { rpc, api };
}

const auth = (actor) => [{ actor, permission: 'active' }];
const keyAuthority = (key) => ({ threshold: 1, keys: [{ key, weight: 1 }], accounts: [], waits: [] });

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

async function newAccount(api, name, key = DEV_PUBLIC_KEY) {
  return transact(api, [{ account: 'eosio', name: 'newaccount', authorization: auth('eosio'),
    data: { creator: 'eosio', name, owner: keyAuthority(key), active: keyAuthority(key) } }]);
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
  return transact(api, [
    { account: 'eosio', name: 'setcode', authorization: auth(account),
      data: { account, vmtype: 0, vmversion: 0, code: wasm } },
    { account: 'eosio', name: 'setabi', authorization: auth(account), data: { account, abi } },
  ]);
}

async function boot(url, buildDir) {
  const { rpc, api } = connect(url);
  const info = await rpc.get_info();
  let exists = true;
  try { await rpc.get_account('eosio.token'); } catch (e) { exists = false; }
  if (!exists) await newAccount(api, 'eosio.token');
  const code = await rpc.get_code_hash('eosio.token');
  if (/^0+$/.test(code.code_hash)) {
    await deploy(api, 'eosio.token', path.join(buildDir, 'contracts/eosio.token.wasm'),
      path.join(buildDir, 'contracts/eosio.token.abi'));
  }
  const stats = await rpc.get_currency_stats('eosio.token', 'CPS');
  if (!stats.CPS) {
    await transact(api, [
      { account: 'eosio.token', name: 'create', authorization: auth('eosio.token'),
        data: { issuer: 'eosio', maximum_supply: '10000000000.0000 CPS' } },
      { account: 'eosio.token', name: 'issue', authorization: auth('eosio'),
        data: { to: 'eosio', quantity: '1000000000.0000 CPS', memo: 'development supply' } },
    ]);
  }
  return info;
}

module.exports = { connect, transact, newAccount, deploy, boot, DEV_PRIVATE_KEY, DEV_PUBLIC_KEY };

if (require.main === module) {
  const [url, buildDir] = process.argv.slice(2);
  boot(url, buildDir).then((info) => {
    console.log(`boot: eosio.token deployed, CPS issued on chain ${info.chain_id}`);
  }).catch((e) => { console.error('boot failed:', e.message || e); process.exit(1); });
}
