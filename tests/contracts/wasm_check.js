#!/usr/bin/env node
// Checks built contracts against EOSIO's rules for deployable WebAssembly and against the SDK's
// intrinsic list. Prints "PASS <check>" / "FAIL <check>: <why>" lines, then "N passed, N failed".
//
//   node wasm_check.js --list contracts/sdk/intrinsics.list contract.wasm...   rules + imports
//   node wasm_check.js --list LIST --exact decl_check.wasm     imports must equal the whole list
//   node wasm_check.js --list LIST --reference eosio-intrinsics.md      list vs. reference notes
//
// Rules (EOSIO libraries/chain/wasm_eosio_validation.cpp and wasm_eosio_constraints.hpp):
// imports are functions only; one memory, initial size <= 33 MiB; data segments at constant
// offsets inside the first 64 KiB; table <= 1024 elements; mutable globals <= 1024 bytes;
// params + locals <= 8192 bytes per function; sections <= 1024 elements; no start function;
// `apply` exported with type (i64, i64, i64) -> nil. Plus the SDK's conventions: every import is
// env.<listed intrinsic> with the listed signature, exports are only apply and memory.
'use strict';
const fs = require('fs');

const MAX_MEMORY_PAGES = (33 * 1024 * 1024) / 65536;
const MAX_DATA_END = 64 * 1024;
const MAX_TABLE_ELEMENTS = 1024;
const MAX_MUTABLE_GLOBAL_BYTES = 1024;
const MAX_FUNC_LOCAL_BYTES = 8192;
const MAX_SECTION_ELEMENTS = 1024;

const VALTYPE = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64' };
const VALSIZE = { i32: 4, i64: 8, f32: 4, f64: 8 };

class Reader {
  constructor(buf, pos = 0, end = buf.length) { this.buf = buf; this.pos = pos; this.end = end; }
  byte() {
    if (this.pos >= this.end) throw new Error(`unexpected end at offset ${this.pos}`);
    return this.buf[this.pos++];
  }
  u32() {
    let result = 0, shift = 0, b;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > 35) throw new Error(`varuint32 too long at offset ${this.pos}`);
    } while (b & 0x80);
    if (result > 0xffffffff) throw new Error(`varuint32 out of range at offset ${this.pos}`);
    return result;
  }
  sleb() { // value of a signed LEB128 (i32/i64 const); returned as a Number when small enough
    let result = 0n, shift = 0n, b;
    do { b = this.byte(); result |= BigInt(b & 0x7f) << shift; shift += 7n; } while (b & 0x80);
    if (b & 0x40) result -= 1n << shift;
    return result;
  }
  bytes(n) {
    if (n > this.end - this.pos) throw new Error(`need ${n} bytes at offset ${this.pos}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  name() { return this.bytes(this.u32()).toString('utf8'); }
  valtype() {
    const b = this.byte();
    if (!(b in VALTYPE)) throw new Error(`bad value type 0x${b.toString(16)} at ${this.pos - 1}`);
    return VALTYPE[b];
  }
  limits() {
    const flag = this.byte();
    const min = this.u32();
    const max = flag & 1 ? this.u32() : undefined;
    return { min, max };
  }
  initExpr() { // constant expression: one instruction then `end`
    const op = this.byte();
    let expr;
    if (op === 0x41) expr = { op: 'i32.const', value: this.sleb() };
    else if (op === 0x42) expr = { op: 'i64.const', value: this.sleb() };
    else if (op === 0x44) { this.bytes(8); expr = { op: 'f64.const' }; }
    else if (op === 0x43) { this.bytes(4); expr = { op: 'f32.const' }; }
    else if (op === 0x23) expr = { op: 'global.get', index: this.u32() };
    else throw new Error(`unsupported init expression opcode 0x${op.toString(16)}`);
    if (this.byte() !== 0x0b) throw new Error('init expression not terminated by end');
    return expr;
  }
}

function sigText(type) {
  return `(${type.params.join(', ')}) -> ${type.results.length ? type.results.join(', ') : 'nil'}`;
}

// Parses the module structure (not function bodies beyond their local declarations).
function parseModule(buf) {
  const r = new Reader(buf);
  if (buf.length < 8 || r.bytes(4).toString('binary') !== '\0asm') throw new Error('not a wasm module');
  if (r.bytes(4).readUInt32LE(0) !== 1) throw new Error('unsupported wasm version');
  const m = { types: [], imports: [], funcs: [], tables: [], memories: [], globals: [],
              exports: [], start: null, data: [], codes: [], sectionCounts: {} };
  while (r.pos < r.end) {
    const id = r.byte();
    const size = r.u32();
    const s = new Reader(buf, r.pos, r.pos + size);
    if (s.end > buf.length) throw new Error(`section ${id} runs past the end`);
    r.pos += size;
    if (id === 0) continue; // custom
    if (id === 8) { m.start = s.u32(); continue; }
    const count = s.u32();
    m.sectionCounts[id] = count;
    for (let i = 0; i < count; i++) {
      switch (id) {
        case 1: {
          if (s.byte() !== 0x60) throw new Error('bad function type');
          const params = Array.from({ length: s.u32() }, () => s.valtype());
          const results = Array.from({ length: s.u32() }, () => s.valtype());
          m.types.push({ params, results });
          break;
        }
        case 2: {
          const module = s.name(), field = s.name(), kind = s.byte();
          const imp = { module, field, kind };
          if (kind === 0) imp.type = s.u32();
          else if (kind === 1) { s.byte(); imp.limits = s.limits(); }
          else if (kind === 2) imp.limits = s.limits();
          else if (kind === 3) { imp.valtype = s.valtype(); imp.mutable = s.byte() === 1; }
          else throw new Error(`bad import kind ${kind}`);
          m.imports.push(imp);
          break;
        }
        case 3: m.funcs.push(s.u32()); break;
        case 4: s.byte(); m.tables.push(s.limits()); break;
        case 5: m.memories.push(s.limits()); break;
        case 6: {
          const valtype = s.valtype(), mutable = s.byte() === 1;
          m.globals.push({ valtype, mutable, init: s.initExpr() });
          break;
        }
        case 7: m.exports.push({ name: s.name(), kind: s.byte(), index: s.u32() }); break;
        case 9: { // MVP element segment: table 0, offset, function indices
          s.u32(); s.initExpr();
          const n = s.u32();
          for (let k = 0; k < n; k++) s.u32();
          break;
        }
        case 10: {
          const bodySize = s.u32();
          const body = new Reader(buf, s.pos, s.pos + bodySize);
          s.pos += bodySize;
          const locals = [];
          const groups = body.u32();
          for (let g = 0; g < groups; g++) {
            const n = body.u32();
            const t = body.valtype();
            locals.push({ n, t });
          }
          m.codes.push(locals);
          break;
        }
        case 11: {
          const memIndex = s.u32();
          const offset = s.initExpr();
          const size = s.u32();
          s.bytes(size);
          m.data.push({ memIndex, offset, size });
          break;
        }
        default:
          i = count; // unknown section (e.g. datacount): counts only
      }
    }
  }
  return m;
}

function loadList(path) {
  const list = new Map();
  for (const line of fs.readFileSync(path, 'utf8').split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const parts = line.split('|').map((x) => x.trim());
    if (parts.length !== 3) throw new Error(`${path}: malformed line: ${line}`);
    const [name, sig, feature] = parts;
    if (list.has(name)) throw new Error(`${path}: ${name} listed twice`);
    list.set(name, { sig, feature });
  }
  return list;
}

// The reference notes: the big table (| # | name | `sig` | ...) and the "registered but imported by
// none" paragraph (names only).
function loadReference(path) {
  const text = fs.readFileSync(path, 'utf8');
  const sigs = new Map();
  for (const line of text.split('\n')) {
    const m = /^\|\s*\d+\s*\|\s*([A-Za-z0-9_]+)\s*\|\s*`([^`]*)`/.exec(line);
    if (m) sigs.set(m[1], m[2]);
  }
  const registered = new Set();
  const para = /## Registered by the node but imported by none[^\n]*\n+([^\n]+)/.exec(text);
  if (para) for (const m of para[1].matchAll(/`([A-Za-z0-9_]+)`/g)) registered.add(m[1]);
  return { sigs, registered };
}

let passed = 0, failed = 0;
function report(ok, what, why) {
  if (ok) { passed++; console.log(`PASS ${what}`); }
  else { failed++; console.log(`FAIL ${what}: ${why}`); }
}

function checkContract(file, list, exact) {
  let m;
  try { m = parseModule(fs.readFileSync(file)); }
  catch (e) { report(false, `${file}: parses`, e.message); return; }
  const label = file;
  const funcType = (index) => {
    const imported = m.imports.filter((i) => i.kind === 0);
    if (index < imported.length) return m.types[imported[index].type];
    return m.types[m.funcs[index - imported.length]];
  };

  // imports
  const bad = [];
  for (const imp of m.imports) {
    if (imp.kind !== 0) { bad.push(`${imp.module}.${imp.field} is not a function`); continue; }
    if (imp.module !== 'env') { bad.push(`${imp.module}.${imp.field}: module is not env`); continue; }
    const entry = list.get(imp.field);
    if (!entry) { bad.push(`env.${imp.field} is not an EOSIO intrinsic of the list`); continue; }
    const sig = sigText(m.types[imp.type]);
    if (sig !== entry.sig) bad.push(`env.${imp.field} has ${sig}, EOSIO has ${entry.sig}`);
  }
  report(bad.length === 0, `${label}: imports are listed intrinsics with EOSIO signatures (${m.imports.length})`, bad.join('; '));
  if (exact) {
    const names = new Set(m.imports.map((i) => i.field));
    const missing = [...list.keys()].filter((n) => !names.has(n));
    report(missing.length === 0 && names.size === list.size,
           `${label}: imports every listed intrinsic (${list.size})`,
           `missing: ${missing.join(', ')}; imported ${names.size}`);
  }

  // memory
  const mem = m.memories;
  report(mem.length === 1 && m.imports.every((i) => i.kind !== 2),
         `${label}: exactly one memory, defined in the module`, `${mem.length} memories`);
  if (mem.length === 1)
    report(mem[0].min <= MAX_MEMORY_PAGES, `${label}: initial memory <= 33 MiB (${mem[0].min} pages)`,
           `${mem[0].min} pages`);

  // data segments
  const dataBad = m.data.filter((d) => d.offset.op !== 'i32.const' ||
                                     Number(d.offset.value) < 0 ||
                                     Number(d.offset.value) + d.size > MAX_DATA_END);
  const dataEnd = Math.max(0, ...m.data.map((d) => Number(d.offset.value) + d.size));
  report(dataBad.length === 0, `${label}: data segments lie in the first 64 KiB (end ${dataEnd})`,
         `${dataBad.length} segment(s) outside`);

  // table
  report(m.tables.length <= 1 && m.tables.every((t) => t.min <= MAX_TABLE_ELEMENTS),
         `${label}: table within ${MAX_TABLE_ELEMENTS} elements`, JSON.stringify(m.tables));

  // globals
  let mutableBytes = 0;
  for (const g of m.globals) if (g.mutable) mutableBytes += VALSIZE[g.valtype];
  const globalImports = m.imports.filter((i) => i.kind === 3);
  const mutableExports = m.exports.filter((e) => e.kind === 3 && m.globals[e.index] && m.globals[e.index].mutable);
  report(mutableBytes <= MAX_MUTABLE_GLOBAL_BYTES && globalImports.length === 0 && mutableExports.length === 0,
         `${label}: mutable globals ${mutableBytes} bytes, none imported or exported`,
         `${mutableBytes} bytes, ${globalImports.length} imported, ${mutableExports.length} mutable exported`);

  // function stack usage
  let worst = 0;
  m.codes.forEach((locals, i) => {
    const type = m.types[m.funcs[i]];
    let bytes = 0;
    for (const p of type.params) bytes += VALSIZE[p];
    for (const l of locals) bytes += l.n * VALSIZE[l.t];
    worst = Math.max(worst, bytes);
  });
  report(worst <= MAX_FUNC_LOCAL_BYTES, `${label}: params + locals <= ${MAX_FUNC_LOCAL_BYTES} bytes per function (worst ${worst})`, `${worst} bytes`);

  // section sizes
  const big = Object.entries(m.sectionCounts).filter(([, n]) => n > MAX_SECTION_ELEMENTS);
  report(big.length === 0, `${label}: every section has <= ${MAX_SECTION_ELEMENTS} elements`,
         big.map(([id, n]) => `section ${id}: ${n}`).join(', '));

  // start, exports
  report(m.start === null, `${label}: no start function`, `start = ${m.start}`);
  const apply = m.exports.find((e) => e.name === 'apply' && e.kind === 0);
  const applySig = apply ? sigText(funcType(apply.index)) : 'missing';
  report(applySig === '(i64, i64, i64) -> nil', `${label}: apply exported as (i64, i64, i64) -> nil`, applySig);
  const others = m.exports.filter((e) => !(e.name === 'apply' && e.kind === 0) && !(e.name === 'memory' && e.kind === 2));
  report(others.length === 0, `${label}: exports only apply and memory`, others.map((e) => e.name).join(', '));
}

function main() {
  const args = process.argv.slice(2);
  let listPath = null, reference = null, exact = false;
  const files = [];
  while (args.length) {
    const a = args.shift();
    if (a === '--list') listPath = args.shift();
    else if (a === '--reference') reference = args.shift();
    else if (a === '--exact') exact = true;
    else files.push(a);
  }
  if (!listPath) { console.error('usage: wasm_check.js --list LIST [--exact] [--reference MD] FILE.wasm...'); process.exit(2); }
  const list = loadList(listPath);
  if (reference) {
    const ref = loadReference(reference);
    report(ref.sigs.size > 100, `reference notes parsed (${ref.sigs.size} signatures, ${ref.registered.size} registered-only)`, 'table not found');
    const wrong = [];
    for (const [name, { sig }] of list) {
      if (ref.sigs.has(name)) { if (ref.sigs.get(name) !== sig) wrong.push(`${name}: list ${sig}, reference ${ref.sigs.get(name)}`); }
      else if (!ref.registered.has(name)) wrong.push(`${name} is not in the reference notes`);
    }
    report(wrong.length === 0, `every listed intrinsic is in the reference with the same signature (${list.size})`, wrong.join('; '));
  }
  for (const f of files) checkContract(f, list, exact);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
