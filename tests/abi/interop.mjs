// Cross-implementation test of the abi module against @wharfkit/antelope and eosjs.
// For every built-in ABI type it generates random values (INTEROP_COUNT, default 1000, from a
// seeded PRNG: INTEROP_SEED), serializes them with wharfkit and checks that CPS (through
// tests/abi/abi_driver) makes byte-identical binary from the same JSON, and JSON from the binary
// that denotes the same value (wharfkit re-encodes it to the same bytes, and a per-type canonical
// form is equal) in nodeos's output forms. Then the same for composite ABI types, random
// transactions (wharfkit and eosjs), signed and packed (zlib) transactions, and ABI binaries.
// Prints one line per group and a final "N passed, N failed".
//
//   node tests/abi/interop.mjs <path to abi_driver>
import {spawnSync} from 'node:child_process'
import {createRequire} from 'node:module'
import * as W from '@wharfkit/antelope'

const require = createRequire(import.meta.url)
const ser = require('eosjs/dist/eosjs-serialize')

const {
    Serializer, Name, UInt64, Asset, PrivateKey, PublicKey, Signature, Checksum256, Bytes,
    Transaction, SignedTransaction, PackedTransaction, CompressionType, ABI, KeyType,
} = W

const driver = process.argv[2]
if (!driver) {
    console.error('usage: node interop.mjs <abi_driver>')
    process.exit(2)
}
const N = Number(process.env.INTEROP_COUNT || 1000)
const SEED = Number(process.env.INTEROP_SEED || 20240601)

// ---------------------------------------------------------------------------------------------
// Deterministic randomness (mulberry32)
// ---------------------------------------------------------------------------------------------
let state = SEED >>> 0
function rnd() {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const rint = (n) => Math.floor(rnd() * n) // 0..n-1
const pick = (a) => a[rint(a.length)]
function rbytes(n) {
    const b = new Uint8Array(n)
    for (let i = 0; i < n; i++) b[i] = rint(256)
    return b
}
const hex = (b) => Buffer.from(b).toString('hex')
function rbig(bits) {
    // uniform over a random bit length, so small and large magnitudes both appear
    const len = 1 + rint(bits)
    let v = 0n
    for (let i = 0; i < len; i++) v = (v << 1n) | BigInt(rint(2))
    return v
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------
function runDriver(lines) {
    const r = spawnSync(driver, [], {input: lines.join('\n') + '\n', maxBuffer: 1 << 30})
    if (r.status !== 0) throw new Error(`driver exited with ${r.status}: ${r.stderr}`)
    const out = r.stdout.toString().split('\n')
    out.pop()
    if (out.length !== lines.length) throw new Error(`driver answered ${out.length} of ${lines.length} lines`)
    return out.map((l) => (l.startsWith('ok') ? {ok: true, v: l.slice(3)} : {ok: false, v: l.slice(4)}))
}

let passed = 0
let failed = 0
const failures = []
function check(group, cond, what) {
    if (cond) {
        passed++
        return
    }
    failed++
    if (failures.length < 40) failures.push(`${group}: ${what}`)
}

// ---------------------------------------------------------------------------------------------
// Random values per built-in type: {json: what is given to CPS, obj: what wharfkit encodes}
// ---------------------------------------------------------------------------------------------
const INT_RANGES = {
    int8: [8, true], uint8: [8, false], int16: [16, true], uint16: [16, false],
    int32: [32, true], uint32: [32, false], int64: [64, true], uint64: [64, false],
    int128: [128, true], uint128: [128, false], varint32: [32, true], varuint32: [32, false],
}
function intValue(type) {
    const [bits, signed] = INT_RANGES[type]
    const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n
    const min = signed ? -(1n << BigInt(bits - 1)) : 0n
    const edges = [min, max, 0n, 1n, 0xffffffffn, 0x100000000n, -0xffffffffn, -0x100000000n]
    let v = rint(8) === 0 ? pick(edges) : rbig(signed ? bits - 1 : bits) * (signed && rint(2) ? -1n : 1n)
    if (v > max) v = max
    if (v < min) v = min
    return v
}
// JSON forms a client may send: numbers where exact in JS, else decimal strings.
function intJson(v) {
    const small = v >= -(2n ** 53n) && v <= 2n ** 53n
    return small && rint(2) ? Number(v) : v.toString()
}

const NAME_CHARS = '.12345abcdefghijklmnopqrstuvwxyz'
function randomName() {
    if (rint(4) === 0) return Name.from(UInt64.from(rbig(64).toString())).toString()
    const len = 1 + rint(12)
    let s = ''
    for (let i = 0; i < len; i++) s += NAME_CHARS[1 + rint(31)]
    return s
}
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const randomCode = () => Array.from({length: 1 + rint(7)}, () => pick(LETTERS)).join('')
function randomString() {
    const pool = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\t', '\r', '\u0000', '\u0001', '\u001f',
        '\u007f', '\u0080', '\u0085', '\u009f', '\u00a0', 'é', '€', '中', '😀', '\u2028', '{', '}']
    const len = rint(24)
    let s = ''
    for (let i = 0; i < len; i++) s += rint(3) ? String.fromCharCode(32 + rint(95)) : pick(pool)
    return s
}
function randomFloat(bits) {
    for (;;) {
        const buf = Buffer.from(rbytes(bits / 8))
        const v = bits === 32 ? buf.readFloatLE(0) : buf.readDoubleLE(0)
        // JSON cannot carry NaN, infinities or -0; nodeos prints inf as "inf", which JS cannot read
        if (Number.isFinite(v) && !Object.is(v, -0)) return rint(4) ? v : pick([0, 1.5, -2.25, 1e-7, 3.4e38])
    }
}
const KEYS = []
function keys() {
    if (!KEYS.length) {
        for (let i = 0; i < 24; i++) {
            const type = i % 4 === 3 ? KeyType.R1 : KeyType.K1
            for (;;) {
                try {
                    KEYS.push(new PrivateKey(type, Bytes.from(rbytes(32))))
                    break
                } catch (e) {
                    /* out of range secret: draw again */
                }
            }
        }
    }
    return KEYS
}
const randomDigest = () => Checksum256.from(rbytes(32))
const randomSignature = () => pick(keys()).signDigest(randomDigest())
const randomPublicKey = () => pick(keys()).toPublic()

function ms(lo, hi) {
    return lo + Math.floor(rnd() * (hi - lo))
}

const GEN = {
    bool: () => {
        const b = rint(2) === 1
        return {json: pick([b, b ? 1 : 0]), obj: b}
    },
    float32: () => {
        const v = randomFloat(32)
        return {json: rint(3) ? v : String(v), obj: v}
    },
    float64: () => {
        const v = randomFloat(64)
        return {json: rint(3) ? v : String(v), obj: v}
    },
    float128: () => {
        const h = hex(rbytes(16))
        return {json: rint(2) ? '0x' + h : h, obj: h}
    },
    time_point: () => {
        const t = W.TimePoint.fromMilliseconds(ms(0, 4102444800000))
        return {json: t.toJSON(), obj: t}
    },
    time_point_sec: () => {
        const t = W.TimePointSec.from(rint(2 ** 32))
        return {json: t.toJSON(), obj: t}
    },
    block_timestamp_type: () => {
        const t = W.BlockTimestamp.from(rint(2 ** 32))
        return {json: t.toJSON(), obj: t}
    },
    name: () => {
        const n = randomName()
        return {json: n, obj: n}
    },
    bytes: () => {
        const h = hex(rbytes(rint(40)))
        return {json: h, obj: h}
    },
    string: () => {
        const s = randomString()
        return {json: s, obj: s}
    },
    checksum160: () => ({json: hex(rbytes(20)), obj: null}),
    checksum256: () => ({json: hex(rbytes(32)), obj: null}),
    checksum512: () => ({json: hex(rbytes(64)), obj: null}),
    public_key: () => {
        const k = randomPublicKey()
        const s = k.type === KeyType.K1 && rint(2) ? k.toLegacyString() : k.toString()
        return {json: s, obj: k}
    },
    signature: () => {
        const s = randomSignature().toString()
        return {json: s, obj: s}
    },
    symbol: () => {
        const s = `${rint(19)},${randomCode()}`
        return {json: s, obj: s}
    },
    symbol_code: () => {
        const s = randomCode()
        return {json: s, obj: s}
    },
    asset: () => {
        const max = (1n << 62n) - 1n
        let units = rbig(62) * (rint(2) ? -1n : 1n)
        if (rint(10) === 0) units = pick([max, -max, 0n])
        const a = Asset.fromUnits(W.Int64.from(units.toString()), `${rint(19)},${randomCode()}`)
        return {json: a.toString(), obj: a}
    },
    extended_asset: () => {
        const a = GEN.asset().obj
        const v = {quantity: a.toString(), contract: randomName()}
        return {json: v, obj: v}
    },
}
for (const t of Object.keys(INT_RANGES)) {
    GEN[t] = () => {
        const v = intValue(t)
        return {json: intJson(v), obj: v.toString()}
    }
}
for (const t of ['checksum160', 'checksum256', 'checksum512']) {
    const g = GEN[t]
    GEN[t] = () => {
        const r = g()
        r.obj = r.json
        if (rint(2)) r.json = r.json.toUpperCase()
        return r
    }
}

// ---------------------------------------------------------------------------------------------
// Canonical forms (what a value *is*, independent of its JSON spelling) and nodeos's forms
// ---------------------------------------------------------------------------------------------
function floatBits(v, bits) {
    const b = Buffer.alloc(bits / 8)
    const x = typeof v === 'string' ? parseFloat(v) : v
    if (bits === 32) b.writeFloatLE(x)
    else b.writeDoubleLE(x)
    return b.toString('hex')
}
function canon(type, v) {
    if (type in INT_RANGES) return BigInt(v).toString()
    switch (type) {
        case 'bool':
            return v === true || v === 1 ? '1' : '0'
        case 'float32':
            return floatBits(v, 32)
        case 'float64':
            return floatBits(v, 64)
        case 'float128':
            return String(v).replace(/^0x/, '').toLowerCase()
        case 'time_point':
        case 'time_point_sec':
        case 'block_timestamp_type':
            return String(Date.parse(String(v).replace(/Z?$/, 'Z')))
        case 'public_key':
            return PublicKey.from(v).toString()
        case 'checksum160':
        case 'checksum256':
        case 'checksum512':
        case 'bytes':
            return String(v).toLowerCase()
        case 'extended_asset':
            return `${v.quantity}@${v.contract}`
        default:
            return typeof v === 'string' ? v : JSON.stringify(v)
    }
}
// nodeos's JSON forms (fc::variant -> JSON), checked on what CPS prints
function nodeosForm(type, v) {
    if (type in INT_RANGES) {
        const n = BigInt(v)
        if (type === 'int128' || type === 'uint128') return typeof v === 'string'
        if (type === 'int64' || type === 'uint64')
            return (n >= -0xffffffffn && n <= 0xffffffffn) === (typeof v === 'number')
        return typeof v === 'number'
    }
    switch (type) {
        case 'bool':
            return v === 0 || v === 1
        case 'float32':
        case 'float64':
            return typeof v === 'string' && /^-?\d+\.\d{17}$/.test(v)
        case 'float128':
            return /^0x[0-9a-f]{32}$/.test(v)
        case 'time_point':
        case 'block_timestamp_type':
            return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/.test(v)
        case 'time_point_sec':
            return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(v)
        case 'public_key':
            return /^(EOS|PUB_R1_)/.test(v)
        case 'checksum160':
        case 'checksum256':
        case 'checksum512':
        case 'bytes':
            return /^[0-9a-f]*$/.test(v)
        case 'extended_asset':
            return typeof v === 'object' && Object.keys(v).join() === 'quantity,contract'
        default:
            return typeof v === 'string'
    }
}

// nodeos prints doubles with printf-like "%.17f" (fc: std::fixed, precision 17), which is lossy
// below 1e-17: the reference here formats the exact binary value the same way (round half to
// even, as glibc), so CPS's text is checked digit for digit instead of by re-encoding.
function fixed17(x) {
    const view = new DataView(new ArrayBuffer(8))
    view.setFloat64(0, x)
    const bits = view.getBigUint64(0)
    const neg = bits >> 63n === 1n
    let exp = Number((bits >> 52n) & 0x7ffn)
    let mant = bits & ((1n << 52n) - 1n)
    if (exp === 0) exp = 1
    else mant |= 1n << 52n
    const e2 = exp - 1075
    let num = mant * 10n ** 17n
    let den = 1n
    if (e2 >= 0) num <<= BigInt(e2)
    else den <<= BigInt(-e2)
    let q = num / den
    const r = num % den
    if (2n * r > den || (2n * r === den && (q & 1n) === 1n)) q++
    const digits = q.toString().padStart(18, '0')
    return (neg ? '-' : '') + digits.slice(0, -17) + '.' + digits.slice(-17)
}
function floatOf(type, whex) {
    const b = Buffer.from(whex, 'hex')
    return type === 'float32' ? b.readFloatLE(0) : b.readDoubleLE(0)
}

// Makes CPS's (nodeos-form) JSON readable by wharfkit, type-aware: bools printed as 0/1 become
// booleans (wharfkit would write 1 as false), fc's [type, hex] extension pairs become objects.
function makeResolver(abi) {
    const types = new Map((abi.types || []).map((t) => [t.new_type_name, t.type]))
    const structs = new Map((abi.structs || []).map((s) => [s.name, s]))
    const variants = new Map((abi.variants || []).map((v) => [v.name, v]))
    function norm(type, v) {
        if (v === undefined) return v
        if (type.endsWith('$')) return norm(type.slice(0, -1), v)
        if (type.endsWith('[]')) return v.map((x) => norm(type.slice(0, -2), x))
        if (type.endsWith('?')) return v === null ? null : norm(type.slice(0, -1), v)
        if (types.has(type)) return norm(types.get(type), v)
        if (type === 'bool') return v === true || v === 1
        if (variants.has(type)) return [v[0], norm(v[0], v[1])]
        if (structs.has(type)) {
            const s = structs.get(type)
            const out = s.base ? norm(s.base, v) : {}
            for (const f of s.fields) if (f.name in v) out[f.name] = norm(f.type, v[f.name])
            return out
        }
        return v
    }
    return norm
}

// ---------------------------------------------------------------------------------------------
// 1. Every built-in type
// ---------------------------------------------------------------------------------------------
const EMPTY_ABI = {version: 'eosio::abi/1.1', types: [], structs: [], actions: [], tables: [],
    ricardian_clauses: [], error_messages: [], abi_extensions: [], variants: []}

function builtinGroup(type) {
    const values = []
    for (let i = 0; i < N; i++) {
        const g = GEN[type]()
        const whex = Serializer.encode({object: g.obj, type, abi: EMPTY_ABI}).hexString
        values.push({...g, whex})
    }
    const lines = ['abi ' + JSON.stringify(EMPTY_ABI)]
    for (const v of values) lines.push(`j2b ${type} ${JSON.stringify(v.json)}`)
    for (const v of values) lines.push(`b2j ${type} ${v.whex}`)
    const out = runDriver(lines)
    const norm = makeResolver(EMPTY_ABI)
    const group = `type ${type}`
    let p0 = passed
    for (let i = 0; i < N; i++) {
        const v = values[i]
        const a = out[1 + i]
        check(group, a.ok && a.v === v.whex,
            `json->bin ${JSON.stringify(v.json)}: CPS ${a.ok ? a.v : 'error ' + a.v}, wharfkit ${v.whex}`)
        const b = out[1 + N + i]
        if (!b.ok) {
            check(group, false, `bin->json ${v.whex}: CPS error ${b.v}`)
            continue
        }
        const parsed = JSON.parse(b.v)
        check(group, nodeosForm(type, parsed), `bin->json ${v.whex}: ${b.v} is not nodeos's form`)
        if (type === 'float32' || type === 'float64') {
            const want = fixed17(floatOf(type, v.whex))
            check(group, parsed === want, `bin->json ${v.whex}: CPS ${b.v}, nodeos prints "${want}"`)
            continue
        }
        let re
        try {
            re = Serializer.encode({object: norm(type, parsed), type, abi: EMPTY_ABI}).hexString
        } catch (e) {
            re = 'wharfkit cannot read it: ' + e.message
        }
        check(group, re === v.whex, `bin->json ${v.whex}: CPS ${b.v}, which wharfkit encodes as ${re}`)
        const wjson = JSON.parse(JSON.stringify(Serializer.decode({data: v.whex, type, abi: EMPTY_ABI})))
        check(group, canon(type, parsed) === canon(type, wjson),
            `bin->json ${v.whex}: CPS ${b.v} vs wharfkit ${JSON.stringify(wjson)}`)
    }
    console.log(`${group.padEnd(32)} ${N} values, ${passed - p0} checks passed`)
}

// ---------------------------------------------------------------------------------------------
// 2. Composite types: structs with base, typedefs, arrays, optionals, variants, extensions
// ---------------------------------------------------------------------------------------------
const COMPOSITE_ABI = {
    version: 'eosio::abi/1.2',
    types: [{new_type_name: 'account_name', type: 'name'}, {new_type_name: 'amounts', type: 'asset[]'}],
    structs: [
        {name: 'base_s', base: '', fields: [{name: 'id', type: 'uint64'}, {name: 'flag', type: 'bool'}]},
        {name: 'inner', base: '', fields: [{name: 'who', type: 'account_name'}, {name: 'n', type: 'int32'}]},
        {name: 'big', base: 'base_s', fields: [
            {name: 'owner', type: 'account_name'},
            {name: 'balances', type: 'amounts'},
            {name: 'memo', type: 'string?'},
            {name: 'key', type: 'public_key?'},
            {name: 'items', type: 'inner[]'},
            {name: 'choice', type: 'choice'},
            {name: 'choices', type: 'choice[]'},
            {name: 'when', type: 'time_point_sec'},
            {name: 'hash', type: 'checksum256'},
            {name: 'ratio', type: 'float64'},
            {name: 'big_n', type: 'uint128'},
            {name: 'flags', type: 'bool[]'},
            {name: 'extra', type: 'inner$'},
            {name: 'more', type: 'string$'},
        ]},
    ],
    actions: [{name: 'doit', type: 'big', ricardian_contract: ''}],
    tables: [{name: 'bigs', index_type: 'i64', key_names: ['id'], key_types: ['uint64'], type: 'big'}],
    ricardian_clauses: [{id: 'c', body: 'clause body'}],
    error_messages: [{error_code: 1, error_msg: 'one'}],
    abi_extensions: [],
    variants: [{name: 'choice', types: ['uint8', 'string', 'inner', 'account_name']}],
    action_results: [{name: 'doit', result_type: 'inner'}],
}

function randomInner() {
    return {who: randomName(), n: Number(intValue('int32'))}
}
function randomChoice() {
    switch (rint(4)) {
        case 0: return ['uint8', rint(256)]
        case 1: return ['string', randomString()]
        case 2: return ['inner', randomInner()]
        default: return ['account_name', randomName()]
    }
}
function randomBig() {
    const v = {
        id: intValue('uint64').toString(),
        flag: rint(2) === 1,
        owner: randomName(),
        balances: Array.from({length: rint(4)}, () => GEN.asset().json),
        memo: rint(2) ? randomString() : null,
        key: rint(2) ? randomPublicKey().toString() : null,
        items: Array.from({length: rint(4)}, randomInner),
        choice: randomChoice(),
        choices: Array.from({length: rint(3)}, randomChoice),
        when: GEN.time_point_sec().json,
        hash: hex(rbytes(32)),
        // nodeos prints float64 with 17 decimals (lossy for tiny values, checked digit by digit
        // in the float64 group); here values with few binary fraction digits print exactly
        ratio: (rint(2) ? -1 : 1) * rint(1 << 30) / (1 << rint(20)),
        big_n: intValue('uint128').toString(),
        flags: Array.from({length: rint(5)}, () => rint(2) === 1),
    }
    const ext = rint(3) // 0: no extensions, 1: extra only, 2: both
    if (ext >= 1) v.extra = randomInner()
    if (ext >= 2) v.more = randomString()
    return v
}

function compositeGroup() {
    const group = 'composite struct'
    const values = []
    for (let i = 0; i < N; i++) {
        const obj = randomBig()
        values.push({obj, whex: Serializer.encode({object: obj, type: 'big', abi: COMPOSITE_ABI}).hexString})
    }
    const lines = ['abi ' + JSON.stringify(COMPOSITE_ABI)]
    for (const v of values) lines.push(`j2b big ${JSON.stringify(v.obj)}`)
    for (const v of values) lines.push(`b2j big ${v.whex}`)
    const out = runDriver(lines)
    const norm = makeResolver(COMPOSITE_ABI)
    const p0 = passed
    for (let i = 0; i < N; i++) {
        const v = values[i]
        const a = out[1 + i]
        check(group, a.ok && a.v === v.whex, `json->bin: CPS ${a.ok ? a.v : 'error ' + a.v}, wharfkit ${v.whex}`)
        const b = out[1 + N + i]
        if (!b.ok) {
            check(group, false, `bin->json ${v.whex}: CPS error ${b.v}`)
            continue
        }
        const parsed = JSON.parse(b.v)
        let re
        try {
            re = Serializer.encode({object: norm('big', parsed), type: 'big', abi: COMPOSITE_ABI}).hexString
        } catch (e) {
            re = 'wharfkit cannot read it: ' + e.message
        }
        check(group, re === v.whex, `bin->json: CPS ${b.v} re-encodes as ${re}, expected ${v.whex}`)
        // absent binary extensions stay absent
        check(group, ('extra' in parsed) === ('extra' in v.obj) && ('more' in parsed) === ('more' in v.obj),
            `bin->json: extension presence differs: ${b.v}`)
    }
    console.log(`${group.padEnd(32)} ${N} values, ${passed - p0} checks passed`)
}

// ---------------------------------------------------------------------------------------------
// 3. ABI binaries: CPS writes abi_def like eosjs and wharfkit, and reads theirs back
// ---------------------------------------------------------------------------------------------
function abiGroup() {
    const group = 'abi_def binary'
    const p0 = passed
    const abiTypes = ser.getTypesFromAbi(ser.createAbiTypes())
    const buf = new ser.SerialBuffer({textEncoder: new TextEncoder(), textDecoder: new TextDecoder()})
    abiTypes.get('abi_def').serialize(buf, COMPOSITE_ABI)
    const eosjsHex = hex(buf.asUint8Array())
    // wharfkit's ABI class does not keep error_messages: compare it on an ABI without them
    const noErrors = {...COMPOSITE_ABI, error_messages: []}
    const wharfHex = Serializer.encode({object: ABI.from(noErrors)}).hexString
    const out = runDriver(['abi ' + JSON.stringify(COMPOSITE_ABI), 'abi2b', 'b2abi ' + eosjsHex, 'abi2b',
        'abi ' + JSON.stringify(noErrors), 'abi2b'])
    check(group, out[0].ok, `CPS refused the ABI: ${out[0].v}`)
    check(group, out[1].ok && out[1].v === eosjsHex, `CPS ${out[1].v} vs eosjs ${eosjsHex}`)
    check(group, out[5].ok && out[5].v === wharfHex, `CPS ${out[5].v} vs wharfkit ${wharfHex}`)
    check(group, out[2].ok, `CPS cannot read eosjs's ABI binary: ${out[2].v}`)
    if (out[2].ok) {
        const back = new ser.SerialBuffer({textEncoder: new TextEncoder(), textDecoder: new TextDecoder()})
        abiTypes.get('abi_def').serialize(back, JSON.parse(out[2].v))
        check(group, hex(back.asUint8Array()) === eosjsHex, `CPS's JSON of the ABI differs: ${out[2].v}`)
    }
    check(group, out[3].ok && out[3].v === eosjsHex, `binary after reading binary: ${out[3].v}`)
    console.log(`${group.padEnd(32)} ${passed - p0} checks passed`)
}

// ---------------------------------------------------------------------------------------------
// 4. Transactions: random headers, actions, authorizations, extensions; data as hex or objects
// ---------------------------------------------------------------------------------------------
const TOKEN_ABI = {
    version: 'eosio::abi/1.1', types: [],
    structs: [{name: 'transfer', base: '', fields: [{name: 'from', type: 'name'}, {name: 'to', type: 'name'},
        {name: 'quantity', type: 'asset'}, {name: 'memo', type: 'string'}]}],
    actions: [{name: 'transfer', type: 'transfer', ricardian_contract: ''}],
    tables: [], ricardian_clauses: [], error_messages: [], abi_extensions: [], variants: [],
}

function randomAction(withObject) {
    const authorization = Array.from({length: rint(4)}, () => ({actor: randomName(), permission: randomName()}))
    if (withObject) {
        const data = {from: randomName(), to: randomName(), quantity: GEN.asset().json, memo: randomString()}
        return {account: randomName(), name: 'transfer', authorization, data}
    }
    return {account: randomName(), name: randomName(), authorization, data: hex(rbytes(rint(60)))}
}
function randomTransaction(withObjects) {
    const big = () => (rint(2) ? rint(128) : rint(2 ** 32))
    return {
        expiration: W.TimePointSec.from(rint(2 ** 32)).toJSON(),
        ref_block_num: rint(65536),
        ref_block_prefix: rint(2 ** 32),
        max_net_usage_words: big(),
        max_cpu_usage_ms: rint(256),
        delay_sec: big(),
        context_free_actions: Array.from({length: rint(3)}, () => randomAction(false)),
        actions: Array.from({length: rint(5)}, () => randomAction(withObjects && rint(2))),
        transaction_extensions: Array.from({length: rint(3)}, () => ({type: rint(65536), data: hex(rbytes(rint(20)))})),
    }
}
// The same transaction with action data already serialized (what eosjs's transaction type takes).
function withHexData(trx) {
    const tokenTypes = ser.getTypesFromAbi(ser.createInitialTypes(), TOKEN_ABI)
    const fix = (a) => {
        if (typeof a.data === 'string') return a
        const b = new ser.SerialBuffer({textEncoder: new TextEncoder(), textDecoder: new TextDecoder()})
        tokenTypes.get('transfer').serialize(b, a.data)
        return {...a, data: hex(b.asUint8Array())}
    }
    return {...trx, context_free_actions: trx.context_free_actions.map(fix), actions: trx.actions.map(fix)}
}
// fc prints extensions as [type, "hex"]; wharfkit and eosjs take {type, data}.
function extensionsToObjects(j) {
    return {...j, transaction_extensions: j.transaction_extensions.map((e) => (Array.isArray(e) ? {type: e[0], data: e[1]} : e))}
}
function actionsToHex(j) {
    const fix = (a) => ({account: a.account, name: a.name, authorization: a.authorization,
        data: a.hex_data !== undefined ? a.hex_data : a.data})
    return {...j, context_free_actions: j.context_free_actions.map(fix), actions: j.actions.map(fix)}
}

function transactionGroup() {
    const group = 'transaction'
    const p0 = passed
    const txTypes = ser.getTypesFromAbi(ser.createTransactionTypes())
    const values = []
    for (let i = 0; i < N; i++) {
        const trx = randomTransaction(i % 2 === 1)
        const hexTrx = withHexData(trx)
        const whex = Serializer.encode({object: Transaction.from(hexTrx)}).hexString
        const b = new ser.SerialBuffer({textEncoder: new TextEncoder(), textDecoder: new TextDecoder()})
        // eosjs takes extensions as fc's [type, hex] pairs
        txTypes.get('transaction').serialize(b, {...hexTrx,
            transaction_extensions: hexTrx.transaction_extensions.map((e) => [e.type, e.data])})
        values.push({trx, hexTrx, whex, ehex: hex(b.asUint8Array())})
    }
    const lines = ['abi ' + JSON.stringify(TOKEN_ABI)]
    for (const v of values) lines.push('tx2b ' + JSON.stringify(v.trx))
    for (const v of values) lines.push('b2tx ' + v.whex)
    const out = runDriver(lines)
    for (let i = 0; i < N; i++) {
        const v = values[i]
        check(group, v.whex === v.ehex, `wharfkit and eosjs disagree: ${v.whex} vs ${v.ehex}`)
        const a = out[1 + i]
        check(group, a.ok && a.v === v.whex, `json->bin ${JSON.stringify(v.trx)}: CPS ${a.v}, wharfkit ${v.whex}`)
        const b = out[1 + N + i]
        if (!b.ok) {
            check(group, false, `bin->json ${v.whex}: CPS error ${b.v}`)
            continue
        }
        const parsed = JSON.parse(b.v)
        let re
        try {
            re = Serializer.encode({object: Transaction.from(actionsToHex(extensionsToObjects(parsed)))}).hexString
        } catch (e) {
            re = 'wharfkit cannot read it: ' + e.message
        }
        check(group, re === v.whex, `bin->json ${v.whex}: CPS ${b.v} re-encodes as ${re}`)
        // eosjs's reading of the bytes agrees field by field
        const eb = new ser.SerialBuffer({textEncoder: new TextEncoder(), textDecoder: new TextDecoder()})
        eb.pushArray(Buffer.from(v.whex, 'hex'))
        const ej = txTypes.get('transaction').deserialize(eb)
        const mine = actionsToHex(extensionsToObjects(parsed))
        const when = (x) => Date.parse(x.replace(/Z?$/, 'Z'))
        const same = when(ej.expiration) === when(mine.expiration) && ej.ref_block_num === mine.ref_block_num &&
            ej.ref_block_prefix === mine.ref_block_prefix && ej.max_net_usage_words === mine.max_net_usage_words &&
            ej.max_cpu_usage_ms === mine.max_cpu_usage_ms && ej.delay_sec === mine.delay_sec &&
            JSON.stringify(ej.actions.map((a) => [a.account, a.name, a.authorization, a.data.toLowerCase()])) ===
                JSON.stringify(mine.actions.map((a) => [a.account, a.name, a.authorization, a.data]))
        check(group, same, `bin->json ${v.whex}: eosjs reads ${JSON.stringify(ej)}, CPS printed ${b.v}`)
        // decoded action data: the objects given are what CPS prints back
        for (let k = 0; k < v.trx.actions.length; k++) {
            const given = v.trx.actions[k]
            if (typeof given.data === 'string') continue
            const printed = parsed.actions[k]
            check(group, JSON.stringify(printed.data) === JSON.stringify(given.data) &&
                printed.hex_data === v.hexTrx.actions[k].data,
                `action data: CPS ${JSON.stringify(printed)} for ${JSON.stringify(given)}`)
        }
    }
    console.log(`${group.padEnd(32)} ${N} values, ${passed - p0} checks passed`)
}

// ---------------------------------------------------------------------------------------------
// 5. Signed and packed transactions (with context-free data, none and zlib compression)
// ---------------------------------------------------------------------------------------------
function signedGroup() {
    const group = 'signed/packed transaction'
    const p0 = passed
    const zero = new Uint8Array(32)
    const values = []
    for (let i = 0; i < N; i++) {
        const trx = withHexData(randomTransaction(false))
        const t = Transaction.from(trx)
        const cfd = Array.from({length: rint(3)}, () => hex(rbytes(rint(30))))
        // the signing digest nodeos uses: cfd_hash = sha256(packed cfd) when there is any
        let data = Bytes.from(zero).appending(Serializer.encode({object: t}))
        data = data.appending(cfd.length ? Checksum256.hash(Serializer.encode({object: cfd, type: 'bytes[]'})).array : zero)
        const digest = Checksum256.hash(data)
        const signatures = Array.from({length: 1 + rint(2)}, () => pick(keys()).signDigest(digest).toString())
        const signed = SignedTransaction.from({...trx, signatures, context_free_data: cfd})
        const shex = Serializer.encode({object: signed}).hexString
        const packed = PackedTransaction.fromSigned(signed, rint(2) ? CompressionType.zlib : CompressionType.none)
        values.push({trx, signed, shex, packed: JSON.stringify(packed), id: t.id.hexString,
            raw: Serializer.encode({object: t}).hexString, digest: digest.hexString})
    }
    const lines = ['abi ' + JSON.stringify(TOKEN_ABI)]
    for (const v of values) lines.push('stx2b ' + JSON.stringify(v.signed))
    for (const v of values) lines.push('b2stx ' + v.shex)
    for (const v of values) lines.push('ptx ' + v.packed)
    const out = runDriver(lines)
    for (let i = 0; i < N; i++) {
        const v = values[i]
        const a = out[1 + i]
        check(group, a.ok && a.v === v.shex, `signed json->bin: CPS ${a.v}, wharfkit ${v.shex}`)
        const b = out[1 + N + i]
        if (b.ok) {
            const parsed = actionsToHex(extensionsToObjects(JSON.parse(b.v)))
            let re
            try {
                re = Serializer.encode({object: SignedTransaction.from(parsed)}).hexString
            } catch (e) {
                re = 'wharfkit cannot read it: ' + e.message
            }
            check(group, re === v.shex, `signed bin->json: CPS ${b.v} re-encodes as ${re}`)
        } else {
            check(group, false, `signed bin->json: CPS error ${b.v}`)
        }
        const c = out[1 + 2 * N + i]
        const want = `${v.id} ${v.raw} ${v.digest}`
        check(group, c.ok && c.v === want, `packed ${v.packed}: CPS ${c.v}, expected ${want}`)
    }
    console.log(`${group.padEnd(32)} ${N} values, ${passed - p0} checks passed`)
}

// ---------------------------------------------------------------------------------------------
const started = Date.now()
console.log(`interop: ${N} values per group, seed ${SEED}`)
try {
    for (const type of Object.keys(GEN).sort()) builtinGroup(type)
    compositeGroup()
    abiGroup()
    transactionGroup()
    signedGroup()
} catch (e) {
    failed++
    failures.push(`aborted: ${e.stack}`)
}
for (const f of failures) console.log('FAIL ' + f.slice(0, 600))
console.log(`interop took ${((Date.now() - started) / 1000).toFixed(1)} s`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
