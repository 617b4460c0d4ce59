#!/usr/bin/env node
// Cross-checks a contract's .abi file against its C sources, where the SDK macros are the single
// description of what the contract serializes:
//   #define X_FIELDS(X) X(field, abi_type) ...  +  CPS_ABI_STRUCT(x, X_FIELDS)   an ABI struct
//   CPS_ABI_EMPTY_STRUCT(x)                                                    a struct without fields
//   CPS_ACTION(action, struct, handler)                                        an ABI action
//   CPS_TABLE(table, struct, key) / CPS_TABLE_INDEXED(table, struct, key, idx)  an ABI table
// Because CPS_ABI_STRUCT generates the C struct and its pack/unpack from that field list, equal
// lists mean the ABI describes exactly the bytes the contract reads and writes.
//
//   node abi_check.js CONTRACT.abi SOURCE.c|SOURCE.h... [+LIBRARY.h...]
// A source prefixed with + is a shared SDK header (cps/protocol.h): its structs may be used by the
// ABI, and are checked when they are, but need not all appear in it.
// Prints "PASS ..." / "FAIL ...: why" lines and "N passed, N failed"; exits 1 on any failure.
'use strict';
const fs = require('fs');

// ABI built-in types the SDK can (un)pack (cps/datastream.h CPS_CTYPE_*).
const BUILTINS = new Set(['bool', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64',
  'uint64', 'int128', 'uint128', 'varuint32', 'varint32', 'float32', 'float64', 'float128', 'name',
  'symbol', 'symbol_code', 'asset', 'string', 'bytes', 'checksum160', 'checksum256', 'checksum512',
  'public_key', 'signature', 'time_point', 'time_point_sec', 'block_timestamp_type']);

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
             .replace(/\/\/[^\n]*/g, '')
             .replace(/\\\n/g, ' ');
}

// The X(field, type) entries of a field list macro body; `type` may be a composite form with
// parentheses (array(T), optional(T), binext(T), binext_optional(T): cps/datastream.h).
function fieldEntries(body, param) {
  const out = [];
  const re = new RegExp(`\\b${param}\\(`, 'g');
  let m;
  while ((m = re.exec(body))) {
    let depth = 1, i = m.index + m[0].length;
    const start = i;
    while (i < body.length && depth > 0) { if (body[i] === '(') depth++; else if (body[i] === ')') depth--; i++; }
    const inner = body.slice(start, i - 1);
    const comma = inner.indexOf(',');
    if (comma < 0) continue;
    out.push({ name: inner.slice(0, comma).trim(), type: inner.slice(comma + 1).replace(/\s+/g, '') });
    re.lastIndex = i;
  }
  return out;
}

// C field type form -> ABI type spelling, or null for an unknown form.
function abiTypeOf(form) {
  const m = /^(\w+)\((\w+)\)$/.exec(form);
  if (!m) return /^\w+$/.test(form) ? form : null;
  const suffix = { array: '[]', optional: '?', binext: '$', binext_optional: '?$' }[m[1]];
  return suffix === undefined ? null : m[2] + suffix;
}

function parseSources(files) {
  const library = new Set();
  const macros = new Map();
  const structs = new Map();
  const actions = new Map();
  const tables = new Map();
  const problems = [];
  const own = files.filter((f) => !f.startsWith('+'));
  const libs = files.filter((f) => f.startsWith('+')).map((f) => f.slice(1));
  const libText = libs.map((f) => stripComments(fs.readFileSync(f, 'utf8'))).join('\n');
  for (const m of libText.matchAll(/^(?![ \t]*#)[^\n]*?\bCPS_ABI_(?:EMPTY_)?STRUCT\(\s*(\w+)/gm)) library.add(m[1]);
  const text = [libText, ...own.map((f) => stripComments(fs.readFileSync(f, 'utf8')))].join('\n');
  for (const m of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)\((\w+)\)(.*)$/gm))
    macros.set(m[1], { param: m[2], body: m[3] });
  for (const m of text.matchAll(/^(?![ \t]*#)[^\n]*?\bCPS_ABI_STRUCT\(\s*(\w+)\s*,\s*(\w+)\s*\)/gm)) {
    const [, type, listName] = m;
    const macro = macros.get(listName);
    if (!macro) { problems.push(`CPS_ABI_STRUCT(${type}): field list macro ${listName}(X) not found`); continue; }
    const fields = [];
    // A field list may start from another one: TRANSACTION_FIELDS(X) = TRANSACTION_HEADER_FIELDS(X) ...
    let body = macro.body;
    for (let depth = 0; depth < 8; depth++) {
      const next = body.replace(/\b(\w+)\(\s*(\w+)\s*\)/g, (all, mname, arg) => {
        const inner = macros.get(mname);
        return inner && arg === macro.param && mname !== listName
          ? inner.body.replace(new RegExp(`\\b${inner.param}\\(`, 'g'), `${macro.param}(`) : all;
      });
      if (next === body) break;
      body = next;
    }
    for (const f of fieldEntries(body, macro.param)) {
      const abiType = abiTypeOf(f.type);
      if (abiType === null) problems.push(`CPS_ABI_STRUCT(${type}): field ${f.name} has an unknown type form ${f.type}`);
      else fields.push({ name: f.name, type: abiType });
    }
    if (structs.has(type)) problems.push(`struct ${type} declared twice`);
    structs.set(type, fields);
  }
  for (const m of text.matchAll(/^(?![ \t]*#)[^\n]*?\bCPS_ABI_EMPTY_STRUCT\(\s*(\w+)\s*\)/gm)) {
    if (structs.has(m[1])) problems.push(`struct ${m[1]} declared twice`);
    structs.set(m[1], []);
  }
  for (const m of text.matchAll(/\bCPS_ACTION\(\s*(\w+)\s*,\s*(\w+)\s*,/g)) {
    if (actions.has(m[1])) problems.push(`action ${m[1]} dispatched twice`);
    actions.set(m[1], m[2]);
  }
  for (const m of text.matchAll(/\bCPS_TABLE(?:_INDEXED)?\(\s*(\w+)\s*,\s*(\w+)\s*,/g)) {
    if (tables.has(m[1])) problems.push(`table ${m[1]} defined twice`);
    tables.set(m[1], m[2]);
  }
  return { structs, actions, tables, problems, library };
}

let passed = 0, failed = 0;
function report(ok, what, why) {
  if (ok) { passed++; console.log(`PASS ${what}`); }
  else { failed++; console.log(`FAIL ${what}: ${why}`); }
}

function sameSet(a, b) {
  const onlyA = [...a].filter((x) => !b.has(x)), onlyB = [...b].filter((x) => !a.has(x));
  return { ok: onlyA.length === 0 && onlyB.length === 0, onlyA, onlyB };
}

function main() {
  const [abiPath, ...sources] = process.argv.slice(2);
  if (!abiPath || sources.length === 0) {
    console.error('usage: abi_check.js CONTRACT.abi SOURCE...');
    process.exit(2);
  }
  const label = abiPath;
  let abi;
  try { abi = JSON.parse(fs.readFileSync(abiPath, 'utf8')); }
  catch (e) { report(false, `${label}: is JSON`, e.message); console.log(`${passed} passed, ${failed} failed`); process.exit(1); }
  const c = parseSources(sources);
  report(c.problems.length === 0, `${label}: C sources parse`, c.problems.join('; '));
  report(typeof abi.version === 'string' && /^eosio::abi\/1\.[0-3]$/.test(abi.version),
         `${label}: version eosio::abi/1.x`, String(abi.version));

  const aliases = new Map((abi.types || []).map((t) => [t.new_type_name, t.type]));
  const resolve = (t) => { const seen = new Set(); while (aliases.has(t) && !seen.has(t)) { seen.add(t); t = aliases.get(t); } return t; };
  const abiStructs = new Map((abi.structs || []).map((s) => [s.name, s]));
  // Typedefs resolve inside composite spellings too: T[] with T an alias.
  const resolveComposite = (t) => { const m = /^(\w+)((?:\[\]|\?|\$)*)$/.exec(t); return m ? resolve(m[1]) + m[2] : resolve(t); };

  // structs
  const structSets = sameSet(new Set(abiStructs.keys()),
                             new Set([...c.structs.keys()].filter((n) => !c.library.has(n) || abiStructs.has(n))));
  report(structSets.ok, `${label}: same structs in ABI and C (${abiStructs.size})`,
         `only in ABI: [${structSets.onlyA}], only in C: [${structSets.onlyB}]`);
  for (const [name, s] of abiStructs) {
    const cFields = c.structs.get(name);
    if (!cFields) continue;
    const abiFields = (s.fields || []).map((f) => ({ name: f.name, type: resolveComposite(f.type) }));
    const why = [];
    if (s.base) why.push(`ABI base "${s.base}" (C structs have no base)`);
    if (abiFields.length !== cFields.length) why.push(`${abiFields.length} fields in ABI, ${cFields.length} in C`);
    for (let i = 0; i < Math.min(abiFields.length, cFields.length); i++) {
      const a = abiFields[i], k = cFields[i];
      if (a.name !== k.name || resolveComposite(a.type) !== resolveComposite(k.type))
        why.push(`field ${i}: ABI ${a.name}:${a.type}, C ${k.name}:${k.type}`);
    }
    for (const f of abiFields)
      if (!BUILTINS.has(f.type.replace(/(\[\]|\?|\$)+$/, '')) && !abiStructs.has(f.type.replace(/(\[\]|\?|\$)+$/, '')))
        why.push(`field ${f.name}: unknown type ${f.type}`);
    report(why.length === 0, `${label}: struct ${name} matches its C field list`, why.join('; '));
  }

  // actions
  const abiActions = new Map((abi.actions || []).map((a) => [a.name, a.type]));
  const actionSets = sameSet(new Set(abiActions.keys()), new Set(c.actions.keys()));
  report(actionSets.ok, `${label}: same actions in ABI and dispatcher (${abiActions.size})`,
         `only in ABI: [${actionSets.onlyA}], only in C: [${actionSets.onlyB}]`);
  const badActions = [...abiActions].filter(([n, t]) => c.actions.has(n) && c.actions.get(n) !== t)
    .map(([n, t]) => `${n}: ABI type ${t}, C ${c.actions.get(n)}`);
  report(badActions.length === 0, `${label}: each action takes the same struct`, badActions.join('; '));

  // tables
  const abiTables = new Map((abi.tables || []).map((t) => [t.name, t]));
  const tableSets = sameSet(new Set(abiTables.keys()), new Set(c.tables.keys()));
  report(tableSets.ok, `${label}: same tables in ABI and C (${abiTables.size})`,
         `only in ABI: [${tableSets.onlyA}], only in C: [${tableSets.onlyB}]`);
  const badTables = [...abiTables].filter(([n, t]) => c.tables.has(n) && (c.tables.get(n) !== t.type || t.index_type !== 'i64'))
    .map(([n, t]) => `${n}: ABI ${t.type}/${t.index_type}, C ${c.tables.get(n)}/i64`);
  report(badTables.length === 0, `${label}: each table has the same row struct, index_type i64`, badTables.join('; '));

  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
