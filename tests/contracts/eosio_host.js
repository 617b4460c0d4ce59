// A small EOSIO apply-context emulator for running CPS contracts in node before the chain exists.
// It instantiates a contract's .wasm with the env.* intrinsics implemented in JavaScript and
// follows EOSIO's rules where the contracts' tests can observe them: fresh memory per action,
// notifications then inline actions in EOSIO's order, transaction rollback on any failure,
// database iterators (end iterators, -1 for a missing table, iteration order, secondary indexes),
// "db access violation", RAM payer authorization, privileged-only calls, eosio_assert messages.
//
// It is a test double, not a node: no signatures (an action's authorization is taken as given),
// no resource billing beyond who pays for rows, no blocks. Only the intrinsics the CPS contracts
// and their tests use are implemented; any other import fails loudly when called.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { ABI, Serializer, Signature, Checksum256 } = require('@wharfkit/antelope');

// ---------------------------------------------------------------------------------------------
// names

const NAME_CHARS = '.12345abcdefghijklmnopqrstuvwxyz';

function nameValue(text) {
  if (typeof text === 'bigint') return text;
  if (text.length > 13) throw new Error(`name too long: ${text}`);
  let v = 0n;
  for (let i = 0; i < text.length; i++) {
    const c = NAME_CHARS.indexOf(text[i]);
    if (c < 0 || (i === 12 && c > 15)) throw new Error(`bad name: ${text}`);
    v |= i < 12 ? BigInt(c) << BigInt(64 - 5 * (i + 1)) : BigInt(c);
  }
  return v;
}

function nameText(value) {
  let s = '';
  for (let i = 0; i < 13; i++) {
    const bits = i < 12 ? Number((value >> BigInt(64 - 5 * (i + 1))) & 0x1fn) : Number(value & 0x0fn);
    s += NAME_CHARS[bits];
  }
  return s.replace(/\.+$/, '');
}

// ---------------------------------------------------------------------------------------------
// errors

class ChainError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // e.g. eosio_assert_message_exception
  }
}
class ExitAction extends Error {} // eosio_exit: ends the action successfully

function fail(kind, message) {
  throw new ChainError(kind, message);
}

// ---------------------------------------------------------------------------------------------
// database: tables of rows plus secondary indexes, keyed by (code, scope, table)

const U64 = (1n << 64n) - 1n;

function tableKey(code, scope, table) {
  return `${code}:${scope}:${table}`;
}

// Secondary key families: how to read/write a key in memory and how to order keys.
const FAMILIES = {
  idx64: {
    size: 8,
    read: (mem, p) => mem.getBigUint64(p, true),
    write: (mem, p, k) => mem.setBigUint64(p, k, true),
    cmp: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  },
  idx128: {
    size: 16,
    read: (mem, p) => mem.getBigUint64(p, true) | (mem.getBigUint64(p + 8, true) << 64n),
    write: (mem, p, k) => { mem.setBigUint64(p, k & U64, true); mem.setBigUint64(p + 8, k >> 64n, true); },
    cmp: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  },
  idx256: { // two 128-bit words, word 0 most significant
    size: 32,
    read: (mem, p) => [FAMILIES_128_read(mem, p), FAMILIES_128_read(mem, p + 16)],
    write: (mem, p, k) => { FAMILIES_128_write(mem, p, k[0]); FAMILIES_128_write(mem, p + 16, k[1]); },
    cmp: (a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0),
  },
  idx_double: {
    size: 8,
    read: (mem, p) => mem.getFloat64(p, true),
    write: (mem, p, k) => mem.setFloat64(p, k, true),
    cmp: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    nan: (k) => Number.isNaN(k),
  },
  idx_long_double: { // IEEE quad bits; ordered by value (NaN rejected, -0 == +0)
    size: 16,
    read: (mem, p) => mem.getBigUint64(p, true) | (mem.getBigUint64(p + 8, true) << 64n),
    write: (mem, p, k) => { mem.setBigUint64(p, k & U64, true); mem.setBigUint64(p + 8, k >> 64n, true); },
    cmp: (a, b) => { const x = quadOrder(a), y = quadOrder(b); return x < y ? -1 : x > y ? 1 : 0; },
    nan: (k) => ((k >> 112n) & 0x7fffn) === 0x7fffn && (k & ((1n << 112n) - 1n)) !== 0n,
  },
};
function FAMILIES_128_read(mem, p) { return mem.getBigUint64(p, true) | (mem.getBigUint64(p + 8, true) << 64n); }
function FAMILIES_128_write(mem, p, k) { mem.setBigUint64(p, k & U64, true); mem.setBigUint64(p + 8, k >> 64n, true); }
function quadOrder(bits) {
  const sign = bits >> 127n;
  const magnitude = bits & ((1n << 127n) - 1n);
  if (magnitude === 0n) return 0n;
  return sign ? -magnitude : magnitude;
}

class Database {
  constructor() {
    this.tables = new Map(); // key -> { code, scope, table, payer, rows: Map<pk, {data, payer}> }
    this.indexes = {};       // family -> key -> { code, scope, table, rows: Map<pk, {key, payer}> }
    for (const f of Object.keys(FAMILIES)) this.indexes[f] = new Map();
  }
  clone() {
    const copy = new Database();
    for (const [k, t] of this.tables)
      copy.tables.set(k, { ...t, rows: new Map([...t.rows].map(([pk, r]) => [pk, { ...r }])) });
    for (const f of Object.keys(FAMILIES))
      for (const [k, t] of this.indexes[f])
        copy.indexes[f].set(k, { ...t, rows: new Map([...t.rows].map(([pk, r]) => [pk, { ...r }])) });
    return copy;
  }
  // Rows of a table as [pk, row] sorted by primary key.
  static sortedPrimary(t) {
    return [...t.rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
  static sortedSecondary(family, t) {
    const cmp = FAMILIES[family].cmp;
    return [...t.rows].sort((a, b) => cmp(a[1].key, b[1].key) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

// EOSIO's iterator cache for one index in one apply context: iterators >= 0 name rows, end
// iterators are -(table number + 2), -1 means "no such table / past the end".
class IteratorCache {
  constructor() {
    this.tables = [];       // table keys, index = end iterator number
    this.objects = [];      // iterator -> { tkey, pk } or null once removed
    this.byObject = new Map();
  }
  endIterator(tkey) {
    let i = this.tables.indexOf(tkey);
    if (i < 0) { this.tables.push(tkey); i = this.tables.length - 1; }
    return -(i + 2);
  }
  tableOfEnd(itr) {
    const i = -itr - 2;
    if (i < 0 || i >= this.tables.length) fail('invalid_table_iterator', 'not a valid end iterator');
    return this.tables[i];
  }
  add(tkey, pk) {
    const id = `${tkey}/${pk}`;
    if (this.byObject.has(id)) return this.byObject.get(id);
    this.endIterator(tkey);
    this.objects.push({ tkey, pk });
    const itr = this.objects.length - 1;
    this.byObject.set(id, itr);
    return itr;
  }
  get(itr) {
    if (itr === -1) fail('invalid_table_iterator', 'invalid iterator');
    if (itr < -1) fail('table_operation_not_permitted', 'dereference of end iterator');
    if (itr >= this.objects.length) fail('table_operation_not_permitted', 'iterator out of range');
    const o = this.objects[itr];
    if (!o) fail('table_operation_not_permitted', 'dereference of deleted object');
    return o;
  }
  remove(itr) {
    const o = this.objects[itr];
    this.byObject.delete(`${o.tkey}/${o.pk}`);
    this.objects[itr] = null;
  }
}

// ---------------------------------------------------------------------------------------------
// the chain

const DEFAULT_BLOCKCHAIN_PARAMETERS = [
  // EOSIO defaults (chain/config.hpp), packed as blockchain_parameters v0
  ['u64', 1024 * 1024], ['u32', 1000], ['u32', 524288], ['u32', 12], ['u32', 500], ['u32', 1],
  ['u32', 100], ['u32', 200000], ['u32', 1000], ['u32', 150000], ['u32', 100], ['u32', 3600],
  ['u32', 600], ['u32', 45 * 24 * 3600], ['u32', 4096], ['u16', 4], ['u16', 6],
];

function packParams(fields) {
  const out = [];
  for (const [t, v] of fields) {
    const b = Buffer.alloc(t === 'u64' ? 8 : t === 'u32' ? 4 : 2);
    if (t === 'u64') b.writeBigUInt64LE(BigInt(v));
    else if (t === 'u32') b.writeUInt32LE(v);
    else b.writeUInt16LE(v);
    out.push(b);
  }
  return Buffer.concat(out);
}

function normalizeAuthority(auth) {
  const n = (v) => (typeof v === 'bigint' ? v : nameValue(v));
  return {
    threshold: Number(auth.threshold),
    keys: (auth.keys || []).map((k) => ({ key: String(k.key), weight: Number(k.weight) })),
    accounts: (auth.accounts || []).map((a) => ({ permission: { actor: n(a.permission.actor), permission: n(a.permission.permission) }, weight: Number(a.weight) })),
    waits: (auth.waits || []).map((w) => ({ wait_sec: Number(w.wait_sec), weight: Number(w.weight) })),
  };
}

// Native eosio actions (EOSIO eosio_contract.cpp), for packing their data and for the emulator's
// own handlers.
const NATIVE_ABI = ABI.from({
  version: 'eosio::abi/1.1',
  structs: [
    { name: 'permission_level', base: '', fields: [{ name: 'actor', type: 'name' }, { name: 'permission', type: 'name' }] },
    { name: 'key_weight', base: '', fields: [{ name: 'key', type: 'public_key' }, { name: 'weight', type: 'uint16' }] },
    { name: 'permission_level_weight', base: '', fields: [{ name: 'permission', type: 'permission_level' }, { name: 'weight', type: 'uint16' }] },
    { name: 'wait_weight', base: '', fields: [{ name: 'wait_sec', type: 'uint32' }, { name: 'weight', type: 'uint16' }] },
    { name: 'authority', base: '', fields: [{ name: 'threshold', type: 'uint32' }, { name: 'keys', type: 'key_weight[]' },
      { name: 'accounts', type: 'permission_level_weight[]' }, { name: 'waits', type: 'wait_weight[]' }] },
    { name: 'newaccount', base: '', fields: [{ name: 'creator', type: 'name' }, { name: 'name', type: 'name' },
      { name: 'owner', type: 'authority' }, { name: 'active', type: 'authority' }] },
    { name: 'updateauth', base: '', fields: [{ name: 'account', type: 'name' }, { name: 'permission', type: 'name' },
      { name: 'parent', type: 'name' }, { name: 'auth', type: 'authority' }] },
    { name: 'deleteauth', base: '', fields: [{ name: 'account', type: 'name' }, { name: 'permission', type: 'name' }] },
    { name: 'setcode', base: '', fields: [{ name: 'account', type: 'name' }, { name: 'vmtype', type: 'uint8' },
      { name: 'vmversion', type: 'uint8' }, { name: 'code', type: 'bytes' }] },
    { name: 'setabi', base: '', fields: [{ name: 'account', type: 'name' }, { name: 'abi', type: 'bytes' }] },
  ],
  actions: ['newaccount', 'updateauth', 'deleteauth', 'setcode', 'setabi'].map((n) => ({ name: n, type: n, ricardian_contract: '' })),
});

// Reads a packed authority (keys are kept as the hex of their packed bytes).
function readAuthority(r) {
  const threshold = r.u32();
  const keys = [], accounts = [], waits = [];
  for (let n = r.varuint32(); n > 0; n--) {
    const type = r.varuint32();
    if (type > 1) fail('unpack_exception', 'unsupported key type');
    keys.push({ key: Buffer.concat([Buffer.from([type]), r.bytes(33)]).toString('hex'), weight: r.u16() });
  }
  for (let n = r.varuint32(); n > 0; n--) accounts.push({ permission: { actor: r.u64(), permission: r.u64() }, weight: r.u16() });
  for (let n = r.varuint32(); n > 0; n--) waits.push({ wait_sec: r.u32(), weight: r.u16() });
  return { threshold, keys, accounts, waits };
}

// EOSIO's validate(authority): weights sum to the threshold at least, sorted unique entries.
function authorityValid(a) {
  if (a.threshold === 0) return false;
  let total = 0;
  for (const x of [...a.keys, ...a.accounts, ...a.waits]) { if (x.weight === 0) return false; total += x.weight; }
  for (let i = 1; i < a.accounts.length; i++) {
    const p = a.accounts[i - 1].permission, q = a.accounts[i].permission;
    if (p.actor > q.actor || (p.actor === q.actor && p.permission >= q.permission)) return false;
  }
  return total >= a.threshold;
}

// Reads a packed vector<permission_level> into "actor@permission" strings.
function readLevels(buf) {
  const levels = new Set();
  if (!buf.length) return levels;
  const r = new ByteReader(buf);
  for (let n = r.varuint32(); n > 0; n--) levels.add(`${r.u64()}@${r.u64()}`);
  return levels;
}
function readKeys(buf) {
  const keys = new Set();
  if (!buf.length) return keys;
  const r = new ByteReader(buf);
  for (let n = r.varuint32(); n > 0; n--) {
    const type = r.varuint32();
    keys.add(Buffer.concat([Buffer.from([type]), r.bytes(33)]).toString('hex'));
  }
  return keys;
}

class Chain {
  constructor() {
    this.accounts = new Map(); // name value -> { privileged, module, abi, limits, created }
    this.db = new Database();
    this.time = 1577836800000000n; // 2020-01-01T00:00:00Z in microseconds
    this.deferred = new Map();     // `${sender}:${sender_id}` -> { sender, senderId, payer, packed, delay }
    this.blockchainParameters = packParams(DEFAULT_BLOCKCHAIN_PARAMETERS);
    this.proposedSchedule = null;
    this.scheduleVersion = 0;
    this.activatedFeatures = new Set();
    this.preactivated = [];
    this.maxInlineDepth = 4;
    for (const n of ['eosio', 'eosio.null']) this.createAccount(n, { privileged: n === 'eosio' });
  }

  createAccount(name, { privileged = false } = {}) {
    const v = nameValue(name);
    // Default authorities: one (fake) key each, as `cps create account` would set.
    const keyAuth = (k) => ({ threshold: 1, keys: [{ key: k, weight: 1 }], accounts: [], waits: [] });
    const permissions = new Map([
      [nameValue('owner'), { parent: 0n, auth: keyAuth(`${name}-owner-key`), lastUsed: this.time }],
      [nameValue('active'), { parent: nameValue('owner'), auth: keyAuth(`${name}-active-key`), lastUsed: this.time }],
    ]);
    this.accounts.set(v, { privileged, module: null, abi: null, limits: [-1n, -1n, -1n], created: this.time, permissions });
    return v;
  }

  // ---- permissions (EOSIO authorization_manager, simplified: no linkauth minimums) ----

  // authority: { threshold, keys: [{key, weight}], accounts: [{permission: {actor, permission}, weight}],
  // waits: [{wait_sec, weight}] }; actor/permission as text or BigInt.
  setAuthority(account, permission, auth, parent) {
    const acct = this.accounts.get(nameValue(account));
    if (!acct) throw new Error(`no account ${account}`);
    const perm = nameValue(permission);
    const old = acct.permissions.get(perm);
    acct.permissions.set(perm, {
      parent: parent !== undefined ? nameValue(parent) : old ? old.parent : nameValue('owner'),
      auth: normalizeAuthority(auth),
      lastUsed: old ? old.lastUsed : this.time,
    });
  }

  permission(account, permission) {
    const acct = this.accounts.get(typeof account === 'bigint' ? account : nameValue(account));
    return acct ? acct.permissions.get(typeof permission === 'bigint' ? permission : nameValue(permission)) : undefined;
  }

  // EOSIO authority_checker: is actor@permission satisfied by the provided keys and permission
  // levels (a Set of "actor@permission" strings of BigInts) with `delaySec` of delay?
  satisfied(actor, permission, provided, delaySec = 0, depth = 0) {
    if (provided.levels.has(`${actor}@${permission}`)) return true;
    if (depth > 6) return false;
    const p = this.permission(actor, permission);
    if (!p) return false;
    let total = 0;
    for (const k of p.auth.keys) if (provided.keys.has(k.key)) total += k.weight;
    for (const a of p.auth.accounts)
      if (this.satisfied(a.permission.actor, a.permission.permission, provided, delaySec, depth + 1)) total += a.weight;
    for (const w of p.auth.waits) if (delaySec >= w.wait_sec) total += w.weight;
    return total >= p.auth.threshold;
  }

  // Every declared authorization of every action satisfied?
  actionsAuthorized(actions, provided, delaySec = 0) {
    return actions.every((act) => act.authorization.every((l) => this.satisfied(l.actor, l.permission, provided, delaySec)));
  }

  // The producer schedule becomes active: eosio.prods' permissions follow it as EOSIO maintains
  // them (active: 2/3+1 of the producers, prod.major: 1/2+1, prod.minor: 1/3+1; each producer@active).
  activateProposedSchedule() {
    if (!this.proposedSchedule) throw new Error('no proposed schedule');
    this.activeProducers = JSON.parse(this.proposedSchedule).map(([n]) => BigInt(n));
    this.proposedSchedule = null;
    this.updateProducerAuthority();
  }

  setActiveProducers(names) {
    this.activeProducers = names.map((n) => nameValue(n));
    this.updateProducerAuthority();
  }

  updateProducerAuthority() {
    const prods = nameValue('eosio.prods');
    if (!this.accounts.has(prods)) this.createAccount('eosio.prods');
    const sorted = [...this.activeProducers].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const accounts = sorted.map((p) => ({ permission: { actor: p, permission: nameValue('active') }, weight: 1 }));
    const n = sorted.length;
    const make = (num, den) => ({ threshold: Math.floor((n * num) / den) + 1, keys: [], accounts, waits: [] });
    this.setAuthority('eosio.prods', 'active', make(2, 3), 'owner');
    this.setAuthority('eosio.prods', 'prod.major', make(1, 2), 'active');
    this.setAuthority('eosio.prods', 'prod.minor', make(1, 3), 'prod.major');
  }

  setCode(name, wasmPath, abiPath) {
    const acct = this.accounts.get(nameValue(name));
    if (!acct) throw new Error(`no account ${name}`);
    acct.module = new WebAssembly.Module(fs.readFileSync(wasmPath));
    if (abiPath) acct.abi = ABI.from(JSON.parse(fs.readFileSync(abiPath, 'utf8')));
  }

  // Packs an action's data from JSON with the receiving contract's ABI (or takes raw bytes).
  packActionData(account, name, data) {
    if (data instanceof Uint8Array) return Buffer.from(data);
    const acct = this.accounts.get(nameValue(account));
    let abi = acct && acct.abi;
    if (account === 'eosio' && NATIVE_ABI.actions.some((a) => String(a.name) === name)) abi = NATIVE_ABI;
    if (!abi) throw new Error(`no ABI for ${account}`);
    const action = abi.actions.find((a) => String(a.name) === name);
    if (!action) throw new Error(`${account} ABI has no action ${name}`);
    return Buffer.from(Serializer.encode({ object: data, abi, type: String(action.type) }).array);
  }

  // Reads a table's rows (decoded with the owner's ABI when a type is known).
  tableRows(code, scope, table, type) {
    const t = this.db.tables.get(tableKey(nameValue(code), typeof scope === 'bigint' ? scope : nameValue(scope), nameValue(table)));
    if (!t) return [];
    const abi = this.accounts.get(nameValue(code)).abi;
    return Database.sortedPrimary(t).map(([pk, row]) => ({
      primary_key: pk,
      payer: nameText(row.payer),
      data: row.data,
      value: type && abi ? Serializer.objectify(Serializer.decode({ data: row.data, abi, type })) : undefined,
    }));
  }

  // Runs a transaction: every action in order, each with its notifications and inline actions.
  // On failure the database and deferred set are restored and the ChainError is thrown.
  pushTransaction(trx) {
    const snapshot = {
      db: this.db.clone(),
      deferred: new Map(this.deferred),
      accounts: new Map([...this.accounts].map(([k, a]) => [k, { ...a, limits: [...a.limits],
        permissions: new Map([...a.permissions].map(([pk, p]) => [pk, { ...p }])) }])),
      activeProducers: this.activeProducers,
      params: this.blockchainParameters,
    };
    const header = {
      expiration: trx.expiration ?? Number(this.time / 1000000n) + 60,
      ref_block_num: trx.ref_block_num ?? 1234,
      ref_block_prefix: trx.ref_block_prefix ?? 0x89abcdef,
      delay_sec: trx.delay_sec ?? 0,
    };
    const actions = trx.actions.map((a) => this.normalizeAction(a));
    const cfActions = (trx.context_free_actions || []).map((a) => this.normalizeAction(a));
    const transaction = { header, actions, cfActions, cfData: (trx.context_free_data || []).map((d) => Buffer.from(d)) };
    transaction.packed = packTransaction(header, cfActions, actions);
    const traces = [];
    try {
      for (const act of cfActions) this.executeAction(act, act.account, 0, 0n, traces, transaction, true);
      for (const act of actions) this.executeAction(act, act.account, 0, 0n, traces, transaction, false);
    } catch (e) {
      this.db = snapshot.db;
      this.deferred = snapshot.deferred;
      this.accounts = snapshot.accounts;
      this.blockchainParameters = snapshot.params;
      this.activeProducers = snapshot.activeProducers;
      if (e instanceof ChainError) { e.traces = traces; throw e; }
      if (e instanceof WebAssembly.RuntimeError) throw Object.assign(new ChainError('wasm_execution_error', e.message), { traces });
      throw e;
    }
    // EOSIO records when each declared permission of the transaction's actions was last used.
    for (const act of actions)
      for (const l of act.authorization) { const p = this.permission(l.actor, l.permission); if (p) p.lastUsed = this.time; }
    return { traces, console: traces.map((t) => t.console).join('') };
  }

  // Convenience: one action, JSON data packed with the ABI.
  push(account, name, data, authorization) {
    const auths = (authorization || []).map((a) => {
      const [actor, permission = 'active'] = a.split('@');
      return { actor, permission };
    });
    return this.pushTransaction({ actions: [{ account, name, authorization: auths, data }] });
  }

  normalizeAction(a) {
    return {
      account: nameValue(a.account),
      name: nameValue(a.name),
      authorization: (a.authorization || []).map((p) => ({ actor: nameValue(p.actor), permission: nameValue(p.permission) })),
      data: this.packActionData(a.account, a.name, a.data),
    };
  }

  // EOSIO apply_context::exec: the receiver, then every notified account, then the inline actions.
  executeAction(act, receiver, depth, sender, traces, transaction, contextFree) {
    if (depth > this.maxInlineDepth) fail('inline_action_too_deep', 'max inline action depth exceeded');
    const notified = [receiver];
    const inlines = [];
    for (let i = 0; i < notified.length; i++) {
      const trace = this.execOne(act, notified[i], notified, inlines, sender, transaction, contextFree);
      traces.push(trace);
    }
    for (const inline of inlines)
      this.executeAction(inline.act, inline.act.account, depth + 1, inline.sender, traces, transaction, inline.contextFree);
  }

  execOne(act, receiver, notified, inlines, sender, transaction, contextFree) {
    const acct = this.accounts.get(receiver);
    if (!acct) fail('action_validate_exception', `account ${nameText(receiver)} does not exist`);
    const ctx = {
      chain: this, act, receiver, notified, inlines, sender, transaction, contextFree,
      console: '', ramDelta: new Map(), returnValue: null,
      iterators: { primary: new IteratorCache() },
      privileged: acct.privileged,
    };
    for (const f of Object.keys(FAMILIES)) ctx.iterators[f] = new IteratorCache();
    const trace = { receiver: nameText(receiver), account: nameText(act.account), name: nameText(act.name), console: '' };
    const EOSIO = nameValue('eosio');
    if (receiver === EOSIO && act.account === EOSIO) this.nativeAction(act);
    // EOSIO does not run eosio's (possibly just replaced) code for eosio::setcode on eosio
    // unless FORWARD_SETCODE is active; the emulator models the chain without it.
    const skipCode = receiver === EOSIO && act.account === EOSIO && act.name === nameValue('setcode');
    if (acct.module && !skipCode) {
      const instance = new WebAssembly.Instance(acct.module, { env: makeImports(ctx) });
      ctx.memory = () => instance.exports.memory;
      try {
        instance.exports.apply(receiver, act.account, act.name);
      } catch (e) {
        if (!(e instanceof ExitAction)) { trace.console = ctx.console; throw e; }
      }
      // RAM_RESTRICTIONS: a net RAM increase billed to another account needs its authorization.
      for (const [payer, delta] of ctx.ramDelta) {
        if (delta > 0 && payer !== receiver && !ctx.privileged && !act.authorization.some((p) => p.actor === payer))
          fail('unauthorized_ram_usage_increase',
               `unprivileged contract cannot increase RAM usage of another account that has not authorized the action: ${nameText(payer)}`);
      }
    }
    trace.console = ctx.console;
    trace.returnValue = ctx.returnValue;
    return trace;
  }
}

// The native eosio actions (EOSIO eosio_contract.cpp), run before eosio's own code.
Chain.prototype.nativeAction = function nativeAction(act) {
  const name = nameText(act.name);
  const r = new ByteReader(act.data);
  const declared = (actor, permission) => act.authorization.some((l) => l.actor === actor && (permission === undefined || l.permission === permission));
  const missing = (who) => fail('missing_auth_exception', `missing authority of ${nameText(who)}`);
  if (name === 'newaccount') {
    const creator = r.u64(), newName = r.u64();
    const owner = readAuthority(r), active = readAuthority(r);
    if (!declared(creator)) missing(creator);
    if (this.accounts.has(newName)) fail('account_name_exists_exception', `Cannot create account named ${nameText(newName)}, as that name is already taken`);
    if (!authorityValid(owner)) fail('action_validate_exception', 'Invalid owner authority');
    if (!authorityValid(active)) fail('action_validate_exception', 'Invalid active authority');
    const text = nameText(newName);
    if (text.startsWith('eosio.') && !this.accounts.get(creator).privileged)
      fail('action_validate_exception', 'only privileged accounts can have names that start with \'eosio.\'');
    this.createAccount(text);
    this.setAuthority(text, 'owner', owner, 0n);
    this.setAuthority(text, 'active', active, 'owner');
  } else if (name === 'updateauth') {
    const account = r.u64(), permission = r.u64(), parent = r.u64();
    const auth = readAuthority(r);
    if (!this.accounts.has(account)) fail('action_validate_exception', 'account does not exist');
    if (!authorityValid(auth)) fail('action_validate_exception', 'Invalid authority');
    const owner = nameValue('owner');
    if (permission === owner) { if (parent !== 0n) fail('action_validate_exception', 'Cannot change owner\'s parent'); }
    else if (!this.permission(account, parent)) fail('action_validate_exception', 'parent permission does not exist');
    // The declared authority must be the permission itself (if it exists) or one of its ancestors.
    const existing = this.permission(account, permission);
    let min = existing ? permission : parent;
    const allowed = new Set();
    for (let p = min, guard = 0; guard < 16; guard++) {
      allowed.add(p);
      const row = this.permission(account, p);
      if (!row || row.parent === 0n) break;
      p = row.parent;
    }
    if (!act.authorization.some((l) => l.actor === account && allowed.has(l.permission)))
      fail('irrelevant_auth_exception', 'updateauth action declares irrelevant authority');
    this.setAuthority(account, permission, auth, permission === owner ? 0n : parent);
  } else if (name === 'deleteauth') {
    const account = r.u64(), permission = r.u64();
    if (permission === nameValue('owner') || permission === nameValue('active')) fail('action_validate_exception', 'Cannot delete active or owner');
    if (!declared(account)) missing(account);
    this.accounts.get(account).permissions.delete(permission);
  } else if (name === 'setcode') {
    const account = r.u64(); r.u8(); r.u8();
    const code = r.bytes(r.varuint32());
    if (!declared(account)) missing(account);
    const acct = this.accounts.get(account);
    acct.module = code.length ? new WebAssembly.Module(code) : null;
    acct.codeHash = code.length ? crypto.createHash('sha256').update(code).digest('hex') : null;
  } else if (name === 'setabi') {
    const account = r.u64();
    const abi = r.bytes(r.varuint32());
    if (!declared(account)) missing(account);
    this.accounts.get(account).rawAbi = abi;
  }
};

// ---------------------------------------------------------------------------------------------
// packing helpers

function varuint32(n) {
  const out = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n);
  return Buffer.from(out);
}

function packAction(act) {
  const head = Buffer.alloc(16);
  head.writeBigUInt64LE(act.account, 0);
  head.writeBigUInt64LE(act.name, 8);
  const auths = act.authorization.map((p) => { const b = Buffer.alloc(16); b.writeBigUInt64LE(p.actor, 0); b.writeBigUInt64LE(p.permission, 8); return b; });
  return Buffer.concat([head, varuint32(auths.length), ...auths, varuint32(act.data.length), act.data]);
}

function packTransaction(header, cfActions, actions) {
  const h = Buffer.alloc(10);
  h.writeUInt32LE(header.expiration, 0);
  h.writeUInt16LE(header.ref_block_num & 0xffff, 4);
  h.writeUInt32LE(header.ref_block_prefix >>> 0, 6);
  return Buffer.concat([h, varuint32(0), Buffer.from([0]), varuint32(header.delay_sec),
    varuint32(cfActions.length), ...cfActions.map(packAction),
    varuint32(actions.length), ...actions.map(packAction), varuint32(0)]);
}

class ByteReader {
  constructor(buf) { this.buf = buf; this.pos = 0; }
  need(n) { if (this.pos + n > this.buf.length) fail('unpack_exception', 'unpack past the end'); }
  u8() { this.need(1); return this.buf[this.pos++]; }
  u16() { this.need(2); const v = this.buf.readUInt16LE(this.pos); this.pos += 2; return v; }
  u32() { this.need(4); const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  u64() { this.need(8); const v = this.buf.readBigUInt64LE(this.pos); this.pos += 8; return v; }
  varuint32() { let v = 0, s = 0, b; do { b = this.u8(); v |= (b & 0x7f) << s; s += 7; } while (b & 0x80 && s < 35); return v >>> 0; }
  bytes(n) { this.need(n); const v = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return Buffer.from(v); }
  action() {
    const account = this.u64(), name = this.u64();
    const authorization = [];
    for (let n = this.varuint32(); n > 0; n--) authorization.push({ actor: this.u64(), permission: this.u64() });
    const data = this.bytes(this.varuint32());
    return { account, name, authorization, data };
  }
  transaction() {
    const header = { expiration: this.u32(), ref_block_num: this.u16(), ref_block_prefix: this.u32(),
                     max_net_usage_words: this.varuint32(), max_cpu_usage_ms: this.u8(), delay_sec: this.varuint32() };
    const cfActions = [], actions = [];
    for (let n = this.varuint32(); n > 0; n--) cfActions.push(this.action());
    for (let n = this.varuint32(); n > 0; n--) actions.push(this.action());
    for (let n = this.varuint32(); n > 0; n--) { this.u16(); this.bytes(this.varuint32()); }
    return { header, cfActions, actions };
  }
}

// printf-style exponent formatting of EOSIO's console (std::scientific with digits10 precision).
function scientific(value, digits) {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  const [mantissa, exp] = value.toExponential(digits).split('e');
  const e = Number(exp);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function quadToNumber(bits) {
  const sign = bits >> 127n ? -1 : 1;
  const exp = Number((bits >> 112n) & 0x7fffn);
  const frac = bits & ((1n << 112n) - 1n);
  if (exp === 0x7fff) return frac ? NaN : sign * Infinity;
  const m = Number(frac) / 2 ** 112;
  if (exp === 0) return sign * m * 2 ** -16382;
  return sign * (1 + m) * 2 ** (exp - 16383);
}

// ---------------------------------------------------------------------------------------------
// the intrinsics

function makeImports(ctx) {
  const chain = ctx.chain;
  const view = () => new DataView(ctx.memory().buffer);
  const bytes = () => new Uint8Array(ctx.memory().buffer);
  const u32 = (v) => v >>> 0;
  const readBytes = (ptr, len) => {
    ptr = u32(ptr); len = u32(len);
    if (ptr + len > ctx.memory().buffer.byteLength) fail('wasm_execution_error', 'access violation');
    return Buffer.from(bytes().slice(ptr, ptr + len));
  };
  const writeBytes = (ptr, data) => {
    ptr = u32(ptr);
    if (ptr + data.length > ctx.memory().buffer.byteLength) fail('wasm_execution_error', 'access violation');
    bytes().set(data, ptr);
  };
  const cstring = (ptr) => {
    const m = bytes();
    let end = u32(ptr);
    while (end < m.length && m[end] !== 0) end++;
    return Buffer.from(m.slice(u32(ptr), end)).toString('utf8');
  };
  const assertFail = (msg) => fail('eosio_assert_message_exception', `assertion failure with message: ${msg}`);
  const hasAuth = (actor) => ctx.act.authorization.some((p) => p.actor === actor);
  const requireNotContextFree = (what) => { if (ctx.contextFree) fail('unaccessible_api', `${what} can not be called from a context free action`); };
  const requirePrivileged = () => {
    if (!ctx.privileged) fail('unaccessible_api', `${nameText(ctx.receiver)} does not have permission to call this API`);
  };
  const billRam = (payer, delta) => ctx.ramDelta.set(payer, (ctx.ramDelta.get(payer) || 0) + delta);
  const ROW_OVERHEAD = 112; // EOSIO billable size of a key_value_object
  const INDEX_OVERHEAD = { idx64: 24, idx128: 32, idx256: 48, idx_double: 24, idx_long_double: 32 };

  const env = {};
  // i64 arguments arrive as signed BigInts; names and keys are unsigned, so normalize them here
  // (the few signed parameters convert back with BigInt.asIntN).
  const def = (name, fn) => {
    env[name] = (...args) => fn(...args.map((a) => (typeof a === 'bigint' ? BigInt.asUintN(64, a) : a)));
  };

  // ---- action
  def('read_action_data', (ptr, len) => {
    len = u32(len);
    if (len === 0) return ctx.act.data.length;
    const n = Math.min(len, ctx.act.data.length);
    writeBytes(ptr, ctx.act.data.subarray(0, n));
    return n;
  });
  def('action_data_size', () => ctx.act.data.length);
  def('current_receiver', () => ctx.receiver);
  def('get_sender', () => ctx.sender);
  def('publication_time', () => chain.time);
  def('set_action_return_value', (ptr, len) => { requireNotContextFree('set_action_return_value'); ctx.returnValue = readBytes(ptr, len); });

  // ---- authorization
  def('require_auth', (name) => {
    requireNotContextFree('require_auth');
    if (!hasAuth(name)) fail('missing_auth_exception', `missing authority of ${nameText(name)}`);
  });
  def('require_auth2', (name, permission) => {
    requireNotContextFree('require_auth2');
    if (!ctx.act.authorization.some((p) => p.actor === name && p.permission === permission))
      fail('missing_auth_exception', `missing authority of ${nameText(name)}/${nameText(permission)}`);
  });
  def('has_auth', (name) => { requireNotContextFree('has_auth'); return hasAuth(name) ? 1 : 0; });
  def('require_recipient', (name) => {
    requireNotContextFree('require_recipient');
    if (!chain.accounts.has(name)) fail('action_validate_exception', `account ${nameText(name)} does not exist`);
    if (!ctx.notified.includes(name)) ctx.notified.push(name);
  });
  def('is_account', (name) => { requireNotContextFree('is_account'); return chain.accounts.has(name) ? 1 : 0; });
  def('get_account_creation_time', (name) => {
    const a = chain.accounts.get(name);
    if (!a) fail('action_validate_exception', `account '${nameText(name)}' does not exist`);
    return a.created;
  });

  def('check_transaction_authorization', (trxPtr, trxLen, keysPtr, keysLen, permsPtr, permsLen) => {
    const trx = new ByteReader(readBytes(trxPtr, trxLen)).transaction();
    const provided = { keys: readKeys(readBytes(keysPtr, keysLen)), levels: readLevels(readBytes(permsPtr, permsLen)) };
    return chain.actionsAuthorized(trx.actions, provided, trx.header.delay_sec) ? 1 : 0;
  });
  def('check_permission_authorization', (account, permission, keysPtr, keysLen, permsPtr, permsLen, delayUs) => {
    const provided = { keys: readKeys(readBytes(keysPtr, keysLen)), levels: readLevels(readBytes(permsPtr, permsLen)) };
    return chain.satisfied(account, permission, provided, Number(delayUs / 1000000n)) ? 1 : 0;
  });
  def('get_permission_last_used', (account, permission) => {
    const p = chain.permission(account, permission);
    if (!p) fail('action_validate_exception', `permission ${nameText(account)}@${nameText(permission)} does not exist`);
    return p.lastUsed;
  });
  def('get_active_producers', (ptr, len) => {
    const list = chain.activeProducers || [];
    const need = list.length * 8;
    len = u32(len);
    const buf = Buffer.alloc(need);
    list.forEach((p, i) => buf.writeBigUInt64LE(p, i * 8));
    if (len) writeBytes(ptr, buf.subarray(0, Math.min(len, need) & ~7));
    return need;
  });

  // ---- system
  def('eosio_assert', (test, msg) => { if (!test) assertFail(cstring(msg)); });
  def('eosio_assert_message', (test, msg, len) => { if (!test) assertFail(readBytes(msg, len).toString('utf8')); });
  def('eosio_assert_code', (test, code) => { if (!test) fail('eosio_assert_code_exception', `assertion failure with error code: ${BigInt.asUintN(64, code)}`); });
  def('eosio_exit', () => { throw new ExitAction(); });
  def('abort', () => fail('abort_called', 'abort() called'));
  def('current_time', () => { requireNotContextFree('current_time'); return chain.time; });
  def('is_feature_activated', (ptr) => (chain.activatedFeatures.has(readBytes(ptr, 32).toString('hex')) ? 1 : 0));

  // ---- memory
  def('memcpy', (dest, src, len) => {
    dest = u32(dest); src = u32(src); len = u32(len);
    if (Math.abs(dest - src) < len) fail('overlapping_memory_error', 'memcpy can only accept non-aliasing pointers');
    bytes().copyWithin(dest, src, src + len);
    return dest;
  });
  def('memmove', (dest, src, len) => { bytes().copyWithin(u32(dest), u32(src), u32(src) + u32(len)); return u32(dest); });
  def('memset', (dest, value, len) => { bytes().fill(value & 0xff, u32(dest), u32(dest) + u32(len)); return u32(dest); });
  def('memcmp', (a, b, len) => { const r = Buffer.compare(readBytes(a, len), readBytes(b, len)); return r < 0 ? -1 : r > 0 ? 1 : 0; });

  // ---- console
  const print = (s) => { ctx.console += s; };
  def('prints', (ptr) => print(cstring(ptr)));
  def('prints_l', (ptr, len) => print(readBytes(ptr, len).toString('utf8')));
  def('printi', (v) => print(BigInt.asIntN(64, v).toString()));
  def('printui', (v) => print(BigInt.asUintN(64, v).toString()));
  def('printi128', (ptr) => { const v = view(); print(BigInt.asIntN(128, v.getBigUint64(u32(ptr), true) | (v.getBigUint64(u32(ptr) + 8, true) << 64n)).toString()); });
  def('printui128', (ptr) => { const v = view(); print((v.getBigUint64(u32(ptr), true) | (v.getBigUint64(u32(ptr) + 8, true) << 64n)).toString()); });
  def('printsf', (f) => print(scientific(f, 6)));
  def('printdf', (d) => print(scientific(d, 15)));
  // printqf: EOSIO rounds to x86 80-bit long double and prints 18 digits (digits10 of long double).
  def('printqf', (ptr) => { const v = view(); print(scientific(quadToNumber(v.getBigUint64(u32(ptr), true) | (v.getBigUint64(u32(ptr) + 8, true) << 64n)), 18)); });
  def('printn', (n) => print(nameText(BigInt.asUintN(64, n))));
  def('printhex', (ptr, len) => print(readBytes(ptr, len).toString('hex')));

  // ---- crypto
  const hashes = { sha1: ['sha1', 20], sha256: ['sha256', 32], sha512: ['sha512', 64], ripemd160: ['ripemd160', 20] };
  for (const [fn, [algo, size]] of Object.entries(hashes)) {
    def(fn, (data, len, out) => writeBytes(out, crypto.createHash(algo).update(readBytes(data, len)).digest()));
    def(`assert_${fn}`, (data, len, expected) => {
      const h = crypto.createHash(algo).update(readBytes(data, len)).digest();
      if (!h.equals(readBytes(expected, size))) fail('crypto_api_exception', 'hash mismatch');
    });
  }
  const recover = (digestPtr, sigPtr, sigLen) => {
    let sig;
    try { sig = Serializer.decode({ data: readBytes(sigPtr, sigLen), type: 'signature' }); }
    catch (e) { fail('unpack_exception', `malformed signature: ${e.message}`); }
    const digest = Checksum256.from(readBytes(digestPtr, 32));
    let key;
    try { key = Signature.from(sig).recoverDigest(digest); }
    catch (e) { fail('crypto_api_exception', `unable to recover key: ${e.message}`); }
    return Buffer.from(Serializer.encode({ object: key }).array);
  };
  def('recover_key', (digest, sig, sigLen, pub, pubLen) => {
    const key = recover(digest, sig, sigLen);
    writeBytes(pub, key.subarray(0, Math.min(key.length, u32(pubLen))));
    return key.length;
  });
  def('assert_recover_key', (digest, sig, sigLen, pub, pubLen) => {
    const key = recover(digest, sig, sigLen);
    if (!key.equals(readBytes(pub, pubLen))) fail('crypto_api_exception', 'Error expected key different than recovered key');
  });

  // ---- primary index
  const primary = ctx.iterators.primary;
  const findTable = (code, scope, table) => chain.db.tables.get(tableKey(code, scope, table));
  const writable = (t) => { if (t.code !== ctx.receiver) fail('table_access_violation', 'db access violation'); };
  def('db_store_i64', (scope, table, payer, id, data, len) => {
    requireNotContextFree('db_store_i64');
    if (payer === 0n) fail('invalid_table_payer', 'must specify a valid account to pay for new record');
    if (!chain.accounts.has(payer)) fail('action_validate_exception', `account ${nameText(payer)} does not exist`);
    const key = tableKey(ctx.receiver, scope, table);
    let t = chain.db.tables.get(key);
    if (!t) { t = { code: ctx.receiver, scope, table, payer, rows: new Map() }; chain.db.tables.set(key, t); billRam(payer, ROW_OVERHEAD); }
    if (t.rows.has(id)) fail('database_exception', 'could not insert object, most likely a uniqueness constraint was violated');
    const row = { data: readBytes(data, len), payer };
    t.rows.set(id, row);
    billRam(payer, row.data.length + ROW_OVERHEAD);
    return primary.add(key, id);
  });
  def('db_update_i64', (itr, payer, data, len) => {
    requireNotContextFree('db_update_i64');
    const o = primary.get(itr);
    const t = chain.db.tables.get(o.tkey);
    writable(t);
    const row = t.rows.get(o.pk);
    const newPayer = payer === 0n ? row.payer : payer;
    if (!chain.accounts.has(newPayer)) fail('action_validate_exception', `account ${nameText(newPayer)} does not exist`);
    billRam(row.payer, -(row.data.length + ROW_OVERHEAD));
    row.data = readBytes(data, len);
    row.payer = newPayer;
    billRam(newPayer, row.data.length + ROW_OVERHEAD);
  });
  def('db_remove_i64', (itr) => {
    requireNotContextFree('db_remove_i64');
    const o = primary.get(itr);
    const t = chain.db.tables.get(o.tkey);
    writable(t);
    const row = t.rows.get(o.pk);
    billRam(row.payer, -(row.data.length + ROW_OVERHEAD));
    t.rows.delete(o.pk);
    primary.remove(itr);
    if (t.rows.size === 0) { chain.db.tables.delete(o.tkey); billRam(t.payer, -ROW_OVERHEAD); }
  });
  def('db_get_i64', (itr, data, len) => {
    const o = primary.get(itr);
    const row = chain.db.tables.get(o.tkey).rows.get(o.pk);
    len = u32(len);
    if (len === 0) return row.data.length;
    const n = Math.min(len, row.data.length);
    writeBytes(data, row.data.subarray(0, n));
    return n;
  });
  const setPrimary = (ptr, pk) => view().setBigUint64(u32(ptr), pk, true);
  def('db_next_i64', (itr, pkPtr) => {
    if (itr < -1) return -1; // next of an end iterator
    const o = primary.get(itr);
    const t = chain.db.tables.get(o.tkey);
    const next = Database.sortedPrimary(t).find(([pk]) => pk > o.pk);
    if (!next) return primary.endIterator(o.tkey);
    setPrimary(pkPtr, next[0]);
    return primary.add(o.tkey, next[0]);
  });
  def('db_previous_i64', (itr, pkPtr) => {
    let tkey, candidates;
    if (itr < -1) {
      tkey = primary.tableOfEnd(itr);
      const t = chain.db.tables.get(tkey);
      candidates = t ? Database.sortedPrimary(t) : [];
    } else {
      const o = primary.get(itr);
      tkey = o.tkey;
      candidates = Database.sortedPrimary(chain.db.tables.get(tkey)).filter(([pk]) => pk < o.pk);
    }
    if (candidates.length === 0) return -1;
    const prev = candidates[candidates.length - 1];
    setPrimary(pkPtr, prev[0]);
    return primary.add(tkey, prev[0]);
  });
  def('db_find_i64', (code, scope, table, id) => {
    requireNotContextFree('db_find_i64');
    const t = findTable(code, scope, table);
    if (!t) return -1;
    const key = tableKey(code, scope, table);
    return t.rows.has(id) ? primary.add(key, id) : primary.endIterator(key);
  });
  const bound = (code, scope, table, id, upper) => {
    const t = findTable(code, scope, table);
    if (!t) return -1;
    const key = tableKey(code, scope, table);
    const hit = Database.sortedPrimary(t).find(([pk]) => (upper ? pk > id : pk >= id));
    return hit ? primary.add(key, hit[0]) : primary.endIterator(key);
  };
  def('db_lowerbound_i64', (code, scope, table, id) => { requireNotContextFree('db_lowerbound_i64'); return bound(code, scope, table, id, false); });
  def('db_upperbound_i64', (code, scope, table, id) => { requireNotContextFree('db_upperbound_i64'); return bound(code, scope, table, id, true); });
  def('db_end_i64', (code, scope, table) => {
    requireNotContextFree('db_end_i64');
    return findTable(code, scope, table) ? primary.endIterator(tableKey(code, scope, table)) : -1;
  });

  // ---- secondary indexes
  for (const [family, F] of Object.entries(FAMILIES)) {
    const cache = ctx.iterators[family];
    const tables = chain.db.indexes[family];
    const words = family === 'idx256';
    const readKey = (ptr) => {
      const k = F.read(view(), u32(ptr));
      if (F.nan && F.nan(k)) fail('transaction_exception', 'NaN is not an allowed value for a secondary key');
      return k;
    };
    const checkWords = (n) => { if (words && u32(n) !== 2) fail('db_api_exception', `invalid size of secondary key array for idx256: given ${u32(n)} bytes but expected 2`); };
    const sorted = (tkey) => Database.sortedSecondary(family, tables.get(tkey));
    // Signature differences: idx256 has an extra word count after each key pointer.
    const store = (scope, table, payer, id, keyPtr) => {
      requireNotContextFree(`db_${family}_store`);
      if (payer === 0n) fail('invalid_table_payer', 'must specify a valid account to pay for new record');
      const tkey = tableKey(ctx.receiver, scope, table);
      let t = tables.get(tkey);
      if (!t) { t = { code: ctx.receiver, scope, table, payer, rows: new Map() }; tables.set(tkey, t); billRam(payer, ROW_OVERHEAD); }
      if (t.rows.has(id)) fail('database_exception', 'could not insert object, most likely a uniqueness constraint was violated');
      t.rows.set(id, { key: readKey(keyPtr), payer });
      billRam(payer, INDEX_OVERHEAD[family]);
      return cache.add(tkey, id);
    };
    const update = (itr, payer, keyPtr) => {
      requireNotContextFree(`db_${family}_update`);
      const o = cache.get(itr);
      const t = tables.get(o.tkey);
      writable(t);
      const row = t.rows.get(o.pk);
      const newPayer = payer === 0n ? row.payer : payer;
      billRam(row.payer, -INDEX_OVERHEAD[family]);
      billRam(newPayer, INDEX_OVERHEAD[family]);
      row.key = readKey(keyPtr);
      row.payer = newPayer;
    };
    const remove = (itr) => {
      requireNotContextFree(`db_${family}_remove`);
      const o = cache.get(itr);
      const t = tables.get(o.tkey);
      writable(t);
      billRam(t.rows.get(o.pk).payer, -INDEX_OVERHEAD[family]);
      t.rows.delete(o.pk);
      cache.remove(itr);
      if (t.rows.size === 0) { tables.delete(o.tkey); billRam(t.payer, -ROW_OVERHEAD); }
    };
    const next = (itr, pkPtr) => {
      if (itr < -1) return -1;
      const o = cache.get(itr);
      const rows = sorted(o.tkey);
      const i = rows.findIndex(([pk]) => pk === o.pk);
      if (i + 1 >= rows.length) return cache.endIterator(o.tkey);
      setPrimary(pkPtr, rows[i + 1][0]);
      return cache.add(o.tkey, rows[i + 1][0]);
    };
    const previous = (itr, pkPtr) => {
      let tkey, rows, i;
      if (itr < -1) {
        tkey = cache.tableOfEnd(itr);
        rows = tables.has(tkey) ? sorted(tkey) : [];
        i = rows.length;
      } else {
        const o = cache.get(itr);
        tkey = o.tkey;
        rows = sorted(tkey);
        i = rows.findIndex(([pk]) => pk === o.pk);
      }
      if (i <= 0) return -1;
      setPrimary(pkPtr, rows[i - 1][0]);
      return cache.add(tkey, rows[i - 1][0]);
    };
    const findPrimary = (code, scope, table, keyPtr, id) => {
      requireNotContextFree(`db_${family}_find_primary`);
      const tkey = tableKey(code, scope, table);
      const t = tables.get(tkey);
      if (!t) return -1;
      const row = t.rows.get(id);
      if (!row) return cache.endIterator(tkey);
      F.write(view(), u32(keyPtr), row.key);
      return cache.add(tkey, id);
    };
    const search = (code, scope, table, keyPtr, pkPtr, how) => {
      requireNotContextFree(`db_${family}_${how}`);
      const tkey = tableKey(code, scope, table);
      if (!tables.has(tkey)) return -1;
      const key = readKey(keyPtr);
      const hit = sorted(tkey).find(([, row]) => {
        const c = F.cmp(row.key, key);
        return how === 'find_secondary' ? c === 0 : how === 'lowerbound' ? c >= 0 : c > 0;
      });
      if (!hit) return cache.endIterator(tkey);
      if (how !== 'find_secondary') F.write(view(), u32(keyPtr), hit[1].key);
      setPrimary(pkPtr, hit[0]);
      return cache.add(tkey, hit[0]);
    };
    const end = (code, scope, table) => {
      requireNotContextFree(`db_${family}_end`);
      const tkey = tableKey(code, scope, table);
      return tables.has(tkey) ? cache.endIterator(tkey) : -1;
    };
    if (words) {
      def('db_idx256_store', (scope, table, payer, id, keyPtr, n) => { checkWords(n); return store(scope, table, payer, id, keyPtr); });
      def('db_idx256_update', (itr, payer, keyPtr, n) => { checkWords(n); update(itr, payer, keyPtr); });
      def('db_idx256_find_primary', (code, scope, table, keyPtr, n, id) => { checkWords(n); return findPrimary(code, scope, table, keyPtr, id); });
      for (const how of ['find_secondary', 'lowerbound', 'upperbound'])
        def(`db_idx256_${how}`, (code, scope, table, keyPtr, n, pkPtr) => { checkWords(n); return search(code, scope, table, keyPtr, pkPtr, how); });
    } else {
      def(`db_${family}_store`, store);
      def(`db_${family}_update`, update);
      def(`db_${family}_find_primary`, findPrimary);
      for (const how of ['find_secondary', 'lowerbound', 'upperbound'])
        def(`db_${family}_${how}`, (code, scope, table, keyPtr, pkPtr) => search(code, scope, table, keyPtr, pkPtr, how));
    }
    def(`db_${family}_remove`, remove);
    def(`db_${family}_next`, next);
    def(`db_${family}_previous`, previous);
    def(`db_${family}_end`, end);
  }

  // ---- transactions
  const checkInlineAuth = (act) => {
    // Privileged contracts (eosio, eosio.msig, eosio.wrap) send any authority (EOSIO skips the check).
    if (ctx.privileged) return;
    const code = { levels: new Set([`${ctx.receiver}@${nameValue('eosio.code')}`]), keys: new Set() };
    act = { ...act, authorization: act.authorization.filter((p) => !(p.actor !== ctx.receiver && chain.satisfied(p.actor, p.permission, code))) };
    // An inline action may carry this contract's own authority (eosio.code) or authority the
    // current action already has.
    for (const p of act.authorization) {
      if (p.actor === ctx.receiver) continue;
      if (ctx.act.authorization.some((q) => q.actor === p.actor && q.permission === p.permission)) continue;
      fail('unsatisfied_authorization', `transaction declares authority '${nameText(p.actor)}@${nameText(p.permission)}', but does not have signatures for it`);
    }
  };
  def('send_inline', (ptr, len) => {
    requireNotContextFree('send_inline');
    const act = new ByteReader(readBytes(ptr, len)).action();
    if (!chain.accounts.has(act.account)) fail('action_validate_exception', `inline action's code account ${nameText(act.account)} does not exist`);
    checkInlineAuth(act);
    ctx.inlines.push({ act, sender: ctx.receiver, contextFree: false });
  });
  def('send_context_free_inline', (ptr, len) => {
    requireNotContextFree('send_context_free_inline');
    const act = new ByteReader(readBytes(ptr, len)).action();
    if (act.authorization.length) fail('action_validate_exception', 'context-free actions cannot have authorizations');
    ctx.inlines.push({ act, sender: ctx.receiver, contextFree: true });
  });
  const senderIdOf = (ptr) => { const v = view(); return (v.getBigUint64(u32(ptr), true) | (v.getBigUint64(u32(ptr) + 8, true) << 64n)).toString(); };
  def('send_deferred', (idPtr, payer, ptr, len, replace) => {
    requireNotContextFree('send_deferred');
    const packed = readBytes(ptr, len);
    const trx = new ByteReader(packed).transaction();
    const senderId = senderIdOf(idPtr);
    const key = `${ctx.receiver}:${senderId}`;
    if (payer !== ctx.receiver && !ctx.privileged && !hasAuth(payer))
      fail('missing_auth_exception', `missing authority of ${nameText(payer)}`);
    if (chain.deferred.has(key) && !replace)
      fail('deferred_tx_duplicate', `deferred transaction with the same sender_id and payer already exists`);
    chain.deferred.set(key, { sender: ctx.receiver, senderId, payer, packed, trx, delay: trx.header.delay_sec });
  });
  def('cancel_deferred', (idPtr) => {
    requireNotContextFree('cancel_deferred');
    return chain.deferred.delete(`${ctx.receiver}:${senderIdOf(idPtr)}`) ? 1 : 0;
  });
  def('read_transaction', (ptr, len) => {
    const p = ctx.transaction.packed;
    len = u32(len);
    if (len === 0) return p.length;
    const n = Math.min(len, p.length);
    writeBytes(ptr, p.subarray(0, n));
    return n;
  });
  def('transaction_size', () => ctx.transaction.packed.length);
  def('tapos_block_num', () => ctx.transaction.header.ref_block_num);
  def('tapos_block_prefix', () => ctx.transaction.header.ref_block_prefix | 0);
  def('expiration', () => ctx.transaction.header.expiration);
  def('get_action', (type, index, ptr, len) => {
    const list = type === 0 ? ctx.transaction.cfActions : type === 1 ? ctx.transaction.actions : null;
    if (!list) fail('action_not_found_exception', 'action is not found');
    if (index < 0 || index >= list.length) return -1;
    const packed = packAction(list[index]);
    len = u32(len);
    if (len === 0) return packed.length;
    const n = Math.min(len, packed.length);
    writeBytes(ptr, packed.subarray(0, n));
    return n;
  });
  def('get_context_free_data', (index, ptr, len) => {
    if (!ctx.contextFree) fail('unaccessible_api', 'this API may only be called from context_free apply');
    const d = ctx.transaction.cfData[index];
    if (!d) return -1;
    len = u32(len);
    if (len === 0) return d.length;
    const n = Math.min(len, d.length);
    writeBytes(ptr, d.subarray(0, n));
    return n;
  });

  // ---- privileged
  def('is_privileged', (name) => {
    requirePrivileged();
    const a = chain.accounts.get(name);
    if (!a) fail('action_validate_exception', `account ${nameText(name)} does not exist`);
    return a.privileged ? 1 : 0;
  });
  def('set_privileged', (name, on) => {
    requirePrivileged();
    const a = chain.accounts.get(name);
    if (!a) fail('action_validate_exception', `account ${nameText(name)} does not exist`);
    a.privileged = on !== 0;
  });
  def('set_resource_limits', (name, ram, net, cpu) => {
    requirePrivileged();
    const a = chain.accounts.get(name);
    if (!a) fail('action_validate_exception', `account ${nameText(name)} does not exist`);
    const limits = [ram, net, cpu].map((v) => BigInt.asIntN(64, v));
    for (const v of limits) if (v < -1n) fail('wasm_execution_error', 'resource limits cannot be below -1');
    a.limits = limits;
  });
  def('get_resource_limits', (name, ramPtr, netPtr, cpuPtr) => {
    requirePrivileged();
    const a = chain.accounts.get(name);
    if (!a) fail('action_validate_exception', `account ${nameText(name)} does not exist`);
    const v = view();
    v.setBigInt64(u32(ramPtr), a.limits[0], true);
    v.setBigInt64(u32(netPtr), a.limits[1], true);
    v.setBigInt64(u32(cpuPtr), a.limits[2], true);
  });
  def('get_blockchain_parameters_packed', (ptr, len) => {
    requirePrivileged();
    const p = chain.blockchainParameters;
    len = u32(len);
    if (len === 0) return p.length;
    if (p.length > len) return 0;
    writeBytes(ptr, p);
    return p.length;
  });
  def('set_blockchain_parameters_packed', (ptr, len) => {
    requirePrivileged();
    const data = readBytes(ptr, len);
    if (data.length !== chain.blockchainParameters.length) fail('unpack_exception', 'malformed blockchain parameters');
    chain.blockchainParameters = data;
  });
  def('set_proposed_producers', (ptr, len) => {
    requirePrivileged();
    const r = new ByteReader(readBytes(ptr, len));
    const producers = [];
    for (let n = r.varuint32(); n > 0; n--) {
      const name = r.u64();
      const type = r.varuint32();
      if (type > 1) fail('unpack_exception', 'unsupported key type');
      producers.push({ name, key: r.bytes(33) });
    }
    if (producers.length === 0) fail('wasm_execution_error', 'Producer schedule cannot be empty');
    for (let i = 1; i < producers.length; i++)
      if (producers.slice(0, i).some((p) => p.name === producers[i].name)) fail('wasm_execution_error', 'duplicate producer name in producer schedule');
    for (const p of producers)
      if (!chain.accounts.has(p.name)) fail('wasm_execution_error', `producer schedule includes a nonexisting account: ${nameText(p.name)}`);
    const text = JSON.stringify(producers.map((p) => [p.name.toString(), p.key.toString('hex')]));
    if (chain.proposedSchedule === text) return -1n;
    chain.proposedSchedule = text;
    chain.scheduleVersion += 1;
    return BigInt(chain.scheduleVersion);
  });
  def('preactivate_feature', (ptr) => {
    requirePrivileged();
    chain.preactivated.push(readBytes(ptr, 32).toString('hex'));
  });

  // Anything else a contract imports fails clearly when called (instantiation needs every import).
  return new Proxy(env, {
    get(target, prop) {
      if (prop in target) return target[prop];
      return () => { throw new Error(`mock host does not implement env.${String(prop)}`); };
    },
    has() { return true; },
  });
}

module.exports = { Chain, ChainError, nameValue, nameText, NATIVE_ABI, ByteReader };
