// eosjs 22 against a CPS API server (tests/api/api_interop): JsonRpc calls succeed where the
// server answers 2xx, and where it answers an error, eosjs's RpcError carries the nodeos error
// body (message from error.details[0].message, json.error.code/name). Also a CORS preflight as
// a browser sends it. Prints "eosjs: N passed, N failed".
'use strict';
const { JsonRpc } = require('eosjs/dist/eosjs-jsonrpc');
const { RpcError } = require('eosjs/dist/eosjs-rpcerror');

const base = `http://127.0.0.1:${process.argv[2]}`;
const rpc = new JsonRpc(base, { fetch });
let passed = 0, failed = 0;

function check(name, cond, detail) {
  if (cond) passed++;
  else { failed++; console.error(`FAIL ${name}${detail ? ': ' + detail : ''}`); }
}

async function expectRpcError(name, call, status, code, errName, message) {
  try {
    await call();
    check(name, false, 'no error');
  } catch (e) {
    check(`${name} is RpcError`, e instanceof RpcError, String(e));
    if (!(e instanceof RpcError)) return;
    check(`${name} message`, e.message === message, e.message);
    check(`${name} status`, e.json.code === status, JSON.stringify(e.json));
    check(`${name} error.code`, e.json.error.code === code, JSON.stringify(e.json.error));
    check(`${name} error.name`, e.json.error.name === errName, e.json.error.name);
    check(`${name} details`, Array.isArray(e.details) && e.details.length === 1 &&
          typeof e.details[0].line_number === 'number', JSON.stringify(e.details));
  }
}

(async () => {
  const a = await rpc.get_info();
  const b = await rpc.get_info();
  check('get_info chain_id', a.chain_id.length === 64, JSON.stringify(a));
  check('get_info runs on the loop with state', b.head_block_num === a.head_block_num + 1,
        `${a.head_block_num} then ${b.head_block_num}`);

  await expectRpcError('get_account unknown', () => rpc.get_account('nobody'), 500, 0,
                       'exception', 'unknown key (eosio::chain::name): nobody');
  await expectRpcError('get_block unknown', () => rpc.get_block(99), 400, 3100002,
                       'unknown_block_exception', 'Could not find block: 99');
  await expectRpcError('push_transaction duplicate',
                       () => rpc.push_transaction({ signatures: [],
                                                    serializedTransaction: new Uint8Array(40) }),
                       409, 3040008, 'tx_duplicate',
                       'duplicate transaction (packed_trx of 40 bytes)');
  await expectRpcError('unknown endpoint', () => rpc.fetch('/v1/chain/no_such_call', {}), 404, 0,
                       'exception', 'Unknown Endpoint');
  await expectRpcError('get_info with params', () => rpc.fetch('/v1/chain/get_info', { x: 1 }),
                       400, 3200006, 'invalid_http_request', 'no parameter should be given');

  const supported = await rpc.fetch('/v1/node/get_supported_apis', {});
  check('get_supported_apis', JSON.stringify(supported.apis) === JSON.stringify([
    '/metrics', '/v1/chain/get_account', '/v1/chain/get_block', '/v1/chain/get_info',
    '/v1/chain/push_transaction']), JSON.stringify(supported));

  // A browser's preflight, then the actual request's CORS header.
  const pre = await fetch(`${base}/v1/chain/get_info`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://wallet.example', 'Access-Control-Request-Method': 'POST',
               'Access-Control-Request-Headers': 'content-type' },
  });
  check('preflight status', pre.status === 200, String(pre.status));
  check('preflight allow-origin', pre.headers.get('access-control-allow-origin') === '*',
        pre.headers.get('access-control-allow-origin'));
  check('preflight allow-headers', pre.headers.get('access-control-allow-headers') === 'Content-Type',
        pre.headers.get('access-control-allow-headers'));
  const post = await fetch(`${base}/v1/chain/get_info`, { method: 'POST', body: '{}',
                                                          headers: { Origin: 'http://wallet.example' } });
  check('response allow-origin', post.headers.get('access-control-allow-origin') === '*',
        post.headers.get('access-control-allow-origin'));
  check('response content-type', post.headers.get('content-type') === 'application/json',
        post.headers.get('content-type'));
})().catch((e) => { failed++; console.error('FAIL unexpected:', e); }).finally(() => {
  console.log(`eosjs: ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
});
