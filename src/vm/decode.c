/* vm: the binary decoder. Reads a WebAssembly 2.0 module section by section with strict LEB128
 * and UTF-8 rules, checks everything that does not need code (indices, limits, constant
 * expressions, segment shapes) and hands each function body to the translator (compile.c).
 * Every error names the section, the byte offset and the rule, as "type section, offset 0x1c:
 * ..." in cps_last_error(). */
#include "vm/vm_decode.h"

#include <stdlib.h>
#include <string.h>

static const char *const section_names[] = {
    "custom section", "type section",   "import section",     "function section", "table section",
    "memory section", "global section", "export section",     "start section",    "element section",
    "code section",   "data section",   "data count section",
};

int cps_vm__rd_fail(vm_rd *r, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cps_fail(code, "%s, offset 0x%zx: %s", r->what, r->base + r->pos, msg);
}

int cps_vm__rd_u8(vm_rd *r, uint8_t *v)
{
    *v = 0;
    if (r->pos >= r->size) return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "unexpected end");
    *v = r->data[r->pos++];
    return 0;
}

/* Unsigned LEB128 of at most `bits` bits: at most ceil(bits/7) bytes, and the unused bits of the
 * last byte must be zero ("integer too large"). */
static int rd_uleb(vm_rd *r, unsigned bits, uint64_t *v)
{
    *v = 0;
    uint64_t result = 0;
    unsigned shift = 0;
    size_t start = r->pos;
    for (;;) {
        if (r->pos >= r->size)
            return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "unexpected end (LEB128 at 0x%zx)",
                                   r->base + start);
        uint8_t b = r->data[r->pos++];
        if (shift + 7 >= bits) {
            /* last possible byte */
            unsigned used = bits - shift;
            if (b & 0x80)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED,
                                       "integer representation too long");
            if (used < 7 && (b >> used) != 0)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "integer too large");
            result |= (uint64_t)b << shift;
            break;
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    *v = result;
    return 0;
}

/* Signed LEB128 of `bits` bits: unused bits of the last byte must repeat the sign bit. */
static int rd_sleb(vm_rd *r, unsigned bits, int64_t *v)
{
    *v = 0;
    uint64_t result = 0;
    unsigned shift = 0;
    size_t start = r->pos;
    uint8_t b;
    for (;;) {
        if (r->pos >= r->size)
            return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "unexpected end (LEB128 at 0x%zx)",
                                   r->base + start);
        b = r->data[r->pos++];
        if (shift + 7 >= bits) {
            unsigned used = bits - shift; /* 1..7 meaningful bits in this byte */
            if (b & 0x80)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED,
                                       "integer representation too long");
            if (used < 7) {
                /* bits [used-1, 6] must all equal the sign bit */
                uint8_t rest = (uint8_t)(b & 0x7f) >> (used - 1);
                uint8_t all = (uint8_t)(0x7f >> (used - 1));
                if (rest != 0 && rest != all)
                    return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "integer too large");
            }
            result |= (uint64_t)(b & 0x7f) << shift;
            shift += 7;
            break;
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    if (shift < 64 && (b & 0x40)) result |= ~UINT64_C(0) << shift;
    *v = (int64_t)result;
    return 0;
}

int cps_vm__rd_u32(vm_rd *r, uint32_t *v)
{
    uint64_t x = 0;
    *v = 0;
    int rc = rd_uleb(r, 32, &x);
    if (rc) return rc;
    *v = (uint32_t)x;
    return 0;
}

int cps_vm__rd_s32(vm_rd *r, int32_t *v)
{
    int64_t x = 0;
    *v = 0;
    int rc = rd_sleb(r, 32, &x);
    if (rc) return rc;
    *v = (int32_t)x;
    return 0;
}

int cps_vm__rd_s33(vm_rd *r, int64_t *v)
{
    return rd_sleb(r, 33, v);
}

int cps_vm__rd_s64(vm_rd *r, int64_t *v)
{
    return rd_sleb(r, 64, v);
}

int cps_vm__rd_fixed(vm_rd *r, size_t n, uint64_t *v)
{
    *v = 0;
    if (r->size - r->pos < n) return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "unexpected end");
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)r->data[r->pos + i] << (8 * i);
    r->pos += n;
    *v = x;
    return 0;
}

static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += len;
    }
    return true;
}

/* A name: length-prefixed UTF-8. Returns a NUL-terminated copy (caller frees). */
static int rd_name(vm_rd *r, char **out, size_t *len_out)
{
    uint32_t n;
    int rc = cps_vm__rd_u32(r, &n);
    if (rc) return rc;
    if (r->size - r->pos < n)
        return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "unexpected end (name of %u bytes)", n);
    if (!utf8_valid(r->data + r->pos, n))
        return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "malformed UTF-8 encoding");
    char *s = malloc((size_t)n + 1);
    if (!s) return cps_fail(CPS_ERR_NOMEM, "name of %u bytes", n);
    memcpy(s, r->data + r->pos, n);
    s[n] = 0;
    r->pos += n;
    *out = s;
    if (len_out) *len_out = n;
    return 0;
}

bool cps_vm__is_valtype(uint8_t t)
{
    return t == CPS_VM_I32 || t == CPS_VM_I64 || t == CPS_VM_F32 || t == CPS_VM_F64 ||
           t == CPS_VM_FUNCREF || t == CPS_VM_EXTERNREF;
}

static int rd_valtype(vm_rd *r, uint8_t *t)
{
    int rc = cps_vm__rd_u8(r, t);
    if (rc) return rc;
    if (!cps_vm__is_valtype(*t))
        return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "malformed value type 0x%02x", *t);
    return 0;
}

static int rd_reftype(vm_rd *r, uint8_t *t)
{
    int rc = cps_vm__rd_u8(r, t);
    if (rc) return rc;
    if (*t != CPS_VM_FUNCREF && *t != CPS_VM_EXTERNREF)
        return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "malformed reference type 0x%02x", *t);
    return 0;
}

static int rd_limits(vm_rd *r, vm_limits_t *l)
{
    uint8_t flag;
    int rc = cps_vm__rd_u8(r, &flag);
    if (rc) return rc;
    if (flag > 1)
        return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "integer too large (limits flag 0x%02x)",
                               flag);
    if ((rc = cps_vm__rd_u32(r, &l->min))) return rc;
    l->has_max = flag == 1;
    l->max = UINT32_MAX;
    if (l->has_max && (rc = cps_vm__rd_u32(r, &l->max))) return rc;
    return 0;
}

static int rd_table_type(vm_rd *r, vm_table_type *t)
{
    int rc = rd_reftype(r, &t->elemtype);
    if (rc) return rc;
    if ((rc = rd_limits(r, &t->lim))) return rc;
    if (t->lim.has_max && t->lim.min > t->lim.max)
        return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID,
                               "size minimum must not be greater than maximum");
    return 0;
}

static int rd_memory_type(vm_rd *r, vm_limits_t *l)
{
    int rc = rd_limits(r, l);
    if (rc) return rc;
    if (l->min > VM_MAX_PAGES || (l->has_max && l->max > VM_MAX_PAGES))
        return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID,
                               "memory size must be at most 65536 pages (4GiB)");
    if (l->has_max && l->min > l->max)
        return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID,
                               "size minimum must not be greater than maximum");
    return 0;
}

static int rd_global_type(vm_rd *r, vm_global_type *g)
{
    int rc = rd_valtype(r, &g->type);
    if (rc) return rc;
    uint8_t mut;
    if ((rc = cps_vm__rd_u8(r, &mut))) return rc;
    if (mut > 1) return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "malformed mutability");
    g->mut = mut == 1;
    return 0;
}

static const char *type_name(uint8_t t)
{
    switch (t) {
    case CPS_VM_I32:
        return "i32";
    case CPS_VM_I64:
        return "i64";
    case CPS_VM_F32:
        return "f32";
    case CPS_VM_F64:
        return "f64";
    case CPS_VM_FUNCREF:
        return "funcref";
    case CPS_VM_EXTERNREF:
        return "externref";
    default:
        return "?";
    }
}

const char *cps_vm__type_name(uint8_t t)
{
    return type_name(t);
}

static void mark_declared(cps_vm_module *m, uint32_t f)
{
    m->declared_funcs[f / 8] |= (uint8_t)(1u << (f % 8));
}

/* A constant expression of exactly one instruction and `end`, of type `want`. Wasm 2.0 allows
 * global.get only of imported immutable globals. */
static int rd_constexpr(vm_rd *r, cps_vm_module *m, uint8_t want, uint32_t nglobals_visible,
                        vm_constexpr *e)
{
    uint8_t op;
    int rc = cps_vm__rd_u8(r, &op);
    if (rc) return rc;
    e->op = op;
    e->value = 0;
    switch (op) {
    case 0x41: {
        int32_t v;
        if ((rc = cps_vm__rd_s32(r, &v))) return rc;
        e->value = (uint32_t)v;
        e->type = CPS_VM_I32;
        break;
    }
    case 0x42: {
        int64_t v;
        if ((rc = cps_vm__rd_s64(r, &v))) return rc;
        e->value = (uint64_t)v;
        e->type = CPS_VM_I64;
        break;
    }
    case 0x43:
        if ((rc = cps_vm__rd_fixed(r, 4, &e->value))) return rc;
        e->type = CPS_VM_F32;
        break;
    case 0x44:
        if ((rc = cps_vm__rd_fixed(r, 8, &e->value))) return rc;
        e->type = CPS_VM_F64;
        break;
    case 0xd0:
        if ((rc = rd_reftype(r, &e->type))) return rc;
        break;
    case 0xd2: {
        uint32_t f;
        if ((rc = cps_vm__rd_u32(r, &f))) return rc;
        if (f >= m->nfuncs)
            return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "unknown function %u", f);
        mark_declared(m, f);
        e->value = f;
        e->type = CPS_VM_FUNCREF;
        break;
    }
    case 0x23: {
        uint32_t g;
        if ((rc = cps_vm__rd_u32(r, &g))) return rc;
        if (g >= nglobals_visible || g >= m->nglobal_imports)
            return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID,
                                   "unknown global %u (only imported globals are constant)", g);
        if (m->globals[g].mut)
            return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID,
                                   "constant expression required (global %u is mutable)", g);
        e->value = g;
        e->type = m->globals[g].type;
        break;
    }
    case 0x0b:
        return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "type mismatch: empty constant expression");
    default:
        return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID,
                               "constant expression required (opcode 0x%02x)", op);
    }
    uint8_t end;
    if ((rc = cps_vm__rd_u8(r, &end))) return rc;
    if (end != 0x0b)
        return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID,
                               "type mismatch / constant expression required: expected end, got "
                               "opcode 0x%02x",
                               end);
    if (e->type != want)
        return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID,
                               "type mismatch: constant expression of type %s, expected %s",
                               type_name(e->type), type_name(want));
    return 0;
}

static int grow_array(void **arr, uint32_t count, size_t elem)
{
    void *p = calloc(count ? count : 1, elem);
    if (!p) return cps_fail(CPS_ERR_NOMEM, "array of %u entries", count);
    *arr = p;
    return 0;
}

/* Appends n entries to a calloc'ed array holding `have` entries. */
static int append_array(void **arr, uint32_t have, uint32_t n, size_t elem)
{
    size_t total = (size_t)have + n;
    void *p = realloc(*arr, (total ? total : 1) * elem);
    if (!p) return cps_fail(CPS_ERR_NOMEM, "array of %zu entries", total);
    memset((uint8_t *)p + (size_t)have * elem, 0, (size_t)n * elem);
    *arr = p;
    return 0;
}

/* Vector count: also bounds it by the bytes left (each entry takes at least one byte), so a huge
 * count in a tiny section fails before anything is allocated. */
static int rd_count(vm_rd *r, uint32_t *n, uint32_t limit, const char *what)
{
    int rc = cps_vm__rd_u32(r, n);
    if (rc) return rc;
    if (*n > r->size - r->pos)
        return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED,
                               "unexpected end: %u %s declared, %zu bytes left", *n, what,
                               r->size - r->pos);
    if (*n > limit)
        return cps_vm__rd_fail(r, CPS_ERR_LIMIT, "%u %s is over the limit of %u", *n, what, limit);
    return 0;
}

/* The smaller of a section's own limit and EOSIO's max_section_elements. */
static uint32_t section_limit(const cps_vm_module *m, uint32_t own)
{
    return own < m->limits.max_section_elements ? own : m->limits.max_section_elements;
}

/* An import or export name against EOSIO's max_symbol_bytes (eos-vm's utf8 string limit). */
static int check_symbol(vm_rd *r, const cps_vm_module *m, size_t len, const char *what)
{
    if (len <= m->limits.max_symbol_bytes) return 0;
    return cps_vm__rd_fail(r, CPS_ERR_LIMIT, "%s of %zu bytes is over max_symbol_bytes (%u)", what,
                           len, m->limits.max_symbol_bytes);
}

static int decode_types(vm_rd *r, cps_vm_module *m)
{
    uint32_t n;
    int rc = rd_count(r, &n, section_limit(m, m->limits.max_types), "types");
    if (rc) return rc;
    if ((rc = grow_array((void **)&m->types, n, sizeof(vm_functype)))) return rc;
    /* Every value type takes one byte of the section, so the section size bounds the storage. */
    m->arena_types = malloc(r->size + 1);
    if (!m->arena_types) return cps_fail(CPS_ERR_NOMEM, "type storage");
    size_t used = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        if ((rc = cps_vm__rd_u8(r, &form))) return rc;
        if (form != 0x60)
            return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED,
                                   "integer representation too long / malformed function type "
                                   "form 0x%02x",
                                   form);
        vm_functype *t = &m->types[i];
        uint32_t np, nr;
        if ((rc = rd_count(r, &np, UINT32_MAX, "parameters"))) return rc;
        t->params = m->arena_types + used;
        for (uint32_t k = 0; k < np; k++)
            if ((rc = rd_valtype(r, &m->arena_types[used++]))) return rc;
        if ((rc = rd_count(r, &nr, UINT32_MAX, "results"))) return rc;
        t->results = m->arena_types + used;
        for (uint32_t k = 0; k < nr; k++)
            if ((rc = rd_valtype(r, &m->arena_types[used++]))) return rc;
        t->nparams = np;
        t->nresults = nr;
        t->hash = cps_vm__hash_type(t->params, np, t->results, nr);
        m->ntypes = i + 1;
    }
    return 0;
}

static int decode_imports(vm_rd *r, cps_vm_module *m)
{
    uint32_t n;
    int rc = rd_count(r, &n, section_limit(m, m->limits.max_imports), "imports");
    if (rc) return rc;
    if ((rc = grow_array((void **)&m->imports, n, sizeof(vm_import)))) return rc;
    for (uint32_t i = 0; i < n; i++) {
        vm_import *im = &m->imports[i];
        m->nimports = i + 1;
        char *mod, *name;
        size_t len;
        if ((rc = rd_name(r, &mod, &len))) return rc;
        im->module = mod;
        if ((rc = check_symbol(r, m, len, "import module name"))) return rc;
        if ((rc = rd_name(r, &name, &len))) return rc;
        im->name = name;
        if ((rc = check_symbol(r, m, len, "import field name"))) return rc;
        uint8_t kind;
        if ((rc = cps_vm__rd_u8(r, &kind))) return rc;
        im->kind = kind;
        switch (kind) {
        case CPS_VM_EXTERN_FUNC: {
            uint32_t t;
            if ((rc = cps_vm__rd_u32(r, &t))) return rc;
            if (t >= m->ntypes)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "unknown type %u", t);
            if (m->nfuncs >= m->limits.max_functions)
                return cps_vm__rd_fail(r, CPS_ERR_LIMIT, "more than %u functions",
                                       m->limits.max_functions);
            if ((rc = append_array((void **)&m->func_types, m->nfuncs, 1, sizeof(uint32_t))))
                return rc;
            m->func_types[m->nfuncs] = t;
            im->index = m->nfuncs++;
            m->nfunc_imports++;
            break;
        }
        case CPS_VM_EXTERN_TABLE: {
            if (m->ntables >= m->limits.max_tables)
                return cps_vm__rd_fail(r, CPS_ERR_LIMIT, "more than %u tables",
                                       m->limits.max_tables);
            if ((rc = append_array((void **)&m->tables, m->ntables, 1, sizeof(vm_table_type))))
                return rc;
            if ((rc = rd_table_type(r, &m->tables[m->ntables]))) return rc;
            im->index = m->ntables++;
            m->ntable_imports++;
            break;
        }
        case CPS_VM_EXTERN_MEMORY: {
            if ((rc = append_array((void **)&m->memories, m->nmemories, 1, sizeof(vm_limits_t))))
                return rc;
            if ((rc = rd_memory_type(r, &m->memories[m->nmemories]))) return rc;
            if (m->nmemories >= 1)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "multiple memories");
            im->index = m->nmemories++;
            m->nmem_imports++;
            break;
        }
        case CPS_VM_EXTERN_GLOBAL: {
            if (m->nglobals >= m->limits.max_globals)
                return cps_vm__rd_fail(r, CPS_ERR_LIMIT, "more than %u globals",
                                       m->limits.max_globals);
            if ((rc = append_array((void **)&m->globals, m->nglobals, 1, sizeof(vm_global_type))))
                return rc;
            if ((rc = rd_global_type(r, &m->globals[m->nglobals]))) return rc;
            im->index = m->nglobals++;
            m->nglobal_imports++;
            break;
        }
        default:
            return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "malformed import kind %u", kind);
        }
    }
    return 0;
}

static int decode_functions(vm_rd *r, cps_vm_module *m)
{
    uint32_t n;
    int rc = rd_count(r, &n, section_limit(m, m->limits.max_functions), "functions");
    if (rc) return rc;
    if ((uint64_t)m->nfuncs + n > m->limits.max_functions)
        return cps_vm__rd_fail(r, CPS_ERR_LIMIT, "more than %u functions", m->limits.max_functions);
    if ((rc = append_array((void **)&m->func_types, m->nfuncs, n, sizeof(uint32_t)))) return rc;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        if ((rc = cps_vm__rd_u32(r, &t))) return rc;
        if (t >= m->ntypes) return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "unknown type %u", t);
        m->func_types[m->nfuncs++] = t;
    }
    return 0;
}

static int decode_tables(vm_rd *r, cps_vm_module *m)
{
    uint32_t n;
    int rc = rd_count(r, &n, m->limits.max_tables, "tables");
    if (rc) return rc;
    if ((uint64_t)m->ntables + n > m->limits.max_tables)
        return cps_vm__rd_fail(r, CPS_ERR_LIMIT, "more than %u tables", m->limits.max_tables);
    if ((rc = append_array((void **)&m->tables, m->ntables, n, sizeof(vm_table_type)))) return rc;
    for (uint32_t i = 0; i < n; i++) {
        if ((rc = rd_table_type(r, &m->tables[m->ntables]))) return rc;
        if (m->tables[m->ntables].lim.min > m->limits.max_table_elements)
            return cps_vm__rd_fail(r, CPS_ERR_LIMIT,
                                   "table size exceeds limit: %u elements, max_table_elements %u",
                                   m->tables[m->ntables].lim.min, m->limits.max_table_elements);
        m->ntables++;
    }
    return 0;
}

static int decode_memories(vm_rd *r, cps_vm_module *m)
{
    uint32_t n;
    int rc = rd_count(r, &n, UINT32_MAX, "memories");
    if (rc) return rc;
    for (uint32_t i = 0; i < n; i++) {
        vm_limits_t l;
        if ((rc = rd_memory_type(r, &l))) return rc;
        if (l.min > m->limits.max_initial_pages)
            return cps_vm__rd_fail(r, CPS_ERR_LIMIT,
                                   "initial memory out of range: %u pages, max_pages %u", l.min,
                                   m->limits.max_initial_pages);
        if (m->nmemories >= 1) return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "multiple memories");
        if ((rc = append_array((void **)&m->memories, m->nmemories, 1, sizeof(vm_limits_t))))
            return rc;
        m->memories[m->nmemories++] = l;
    }
    return 0;
}

static int decode_globals(vm_rd *r, cps_vm_module *m)
{
    uint32_t n;
    int rc = rd_count(r, &n, section_limit(m, m->limits.max_globals), "globals");
    if (rc) return rc;
    if ((uint64_t)m->nglobals + n > m->limits.max_globals)
        return cps_vm__rd_fail(r, CPS_ERR_LIMIT, "more than %u globals", m->limits.max_globals);
    if ((rc = append_array((void **)&m->globals, m->nglobals, n, sizeof(vm_global_type))))
        return rc;
    uint32_t visible = m->nglobals;
    uint64_t mutable_bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        vm_global_type *g = &m->globals[m->nglobals];
        if ((rc = rd_global_type(r, g))) return rc;
        if (g->mut) {
            /* eos-vm sizes i32/f32 as 4 bytes, i64/f64 as 8, anything else as 0 */
            bool wide = g->type == CPS_VM_I64 || g->type == CPS_VM_F64;
            bool narrow = g->type == CPS_VM_I32 || g->type == CPS_VM_F32;
            mutable_bytes += wide ? 8 : narrow ? 4 : 0;
            if (mutable_bytes > m->limits.max_mutable_global_bytes)
                return cps_vm__rd_fail(r, CPS_ERR_LIMIT,
                                       "mutable globals exceeded limit: global %u brings them to "
                                       "%llu bytes, max_mutable_global_bytes %u",
                                       m->nglobals, (unsigned long long)mutable_bytes,
                                       m->limits.max_mutable_global_bytes);
        }
        if ((rc = rd_constexpr(r, m, g->type, visible, &g->init))) return rc;
        m->nglobals++;
    }
    return 0;
}

static int decode_exports(vm_rd *r, cps_vm_module *m)
{
    uint32_t n;
    int rc = rd_count(r, &n, section_limit(m, m->limits.max_exports), "exports");
    if (rc) return rc;
    if ((rc = grow_array((void **)&m->exports, n, sizeof(vm_export)))) return rc;
    for (uint32_t i = 0; i < n; i++) {
        vm_export *e = &m->exports[i];
        char *name;
        size_t len;
        if ((rc = rd_name(r, &name, &len))) return rc;
        e->name = name;
        e->name_len = (uint32_t)len;
        m->nexports = i + 1;
        if ((rc = check_symbol(r, m, len, "export name"))) return rc;
        for (uint32_t k = 0; k < i; k++)
            if (m->exports[k].name_len == len && memcmp(m->exports[k].name, name, len) == 0)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "duplicate export name \"%s\"",
                                       name);
        uint8_t kind;
        uint32_t idx;
        if ((rc = cps_vm__rd_u8(r, &kind))) return rc;
        if ((rc = cps_vm__rd_u32(r, &idx))) return rc;
        e->kind = kind;
        e->index = idx;
        switch (kind) {
        case CPS_VM_EXTERN_FUNC:
            if (idx >= m->nfuncs)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "unknown function %u", idx);
            mark_declared(m, idx);
            break;
        case CPS_VM_EXTERN_TABLE:
            if (idx >= m->ntables)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "unknown table %u", idx);
            break;
        case CPS_VM_EXTERN_MEMORY:
            if (idx >= m->nmemories)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "unknown memory %u", idx);
            break;
        case CPS_VM_EXTERN_GLOBAL:
            if (idx >= m->nglobals)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "unknown global %u", idx);
            break;
        default:
            return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "malformed export kind %u", kind);
        }
    }
    return 0;
}

static int decode_start(vm_rd *r, cps_vm_module *m)
{
    uint32_t f;
    int rc = cps_vm__rd_u32(r, &f);
    if (rc) return rc;
    if (f >= m->nfuncs) return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "unknown function %u", f);
    const vm_functype *t = &m->types[m->func_types[f]];
    if (t->nparams || t->nresults)
        return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID,
                               "start function %u must take and return nothing", f);
    m->has_start = true;
    m->start = f;
    return 0;
}

static int decode_elements(vm_rd *r, cps_vm_module *m)
{
    uint32_t n;
    int rc = rd_count(r, &n, section_limit(m, m->limits.max_segments), "element segments");
    if (rc) return rc;
    if ((rc = grow_array((void **)&m->elems, n, sizeof(vm_elem_seg)))) return rc;
    for (uint32_t i = 0; i < n; i++) {
        vm_elem_seg *s = &m->elems[i];
        m->nelems = i + 1;
        uint32_t flags;
        if ((rc = cps_vm__rd_u32(r, &flags))) return rc;
        if (flags > 7)
            return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "malformed element segment flags %u",
                                   flags);
        bool passive_or_decl = flags & 1, explicit_table = flags & 2, exprs = flags & 4;
        s->mode = !passive_or_decl ? VM_SEG_ACTIVE
                  : explicit_table ? VM_SEG_DECLARATIVE
                                   : VM_SEG_PASSIVE;
        s->table = 0;
        s->elemtype = CPS_VM_FUNCREF;
        if (s->mode == VM_SEG_ACTIVE) {
            if (explicit_table && (rc = cps_vm__rd_u32(r, &s->table))) return rc;
            if (s->table >= m->ntables)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "unknown table %u", s->table);
            if ((rc = rd_constexpr(r, m, CPS_VM_I32, m->nglobals, &s->offset))) return rc;
        }
        if (passive_or_decl || explicit_table) {
            if (exprs) {
                if ((rc = rd_reftype(r, &s->elemtype))) return rc;
            } else {
                uint8_t kind;
                if ((rc = cps_vm__rd_u8(r, &kind))) return rc;
                if (kind != 0)
                    return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED,
                                           "malformed element kind 0x%02x", kind);
            }
        }
        uint32_t count;
        if ((rc = rd_count(r, &count, UINT32_MAX, "elements"))) return rc;
        if ((rc = grow_array((void **)&s->items, count, sizeof(vm_constexpr)))) return rc;
        for (uint32_t k = 0; k < count; k++) {
            if (exprs) {
                if ((rc = rd_constexpr(r, m, s->elemtype, m->nglobals, &s->items[k]))) return rc;
            } else {
                uint32_t f;
                if ((rc = cps_vm__rd_u32(r, &f))) return rc;
                if (f >= m->nfuncs)
                    return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "unknown function %u", f);
                mark_declared(m, f);
                s->items[k].op = 0xd2;
                s->items[k].type = CPS_VM_FUNCREF;
                s->items[k].value = f;
            }
            s->count = k + 1;
        }
        if (s->mode == VM_SEG_ACTIVE && m->tables[s->table].elemtype != s->elemtype)
            return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID,
                                   "type mismatch: element segment %u of %s for a table of %s", i,
                                   type_name(s->elemtype), type_name(m->tables[s->table].elemtype));
    }
    return 0;
}

static int decode_datacount(vm_rd *r, cps_vm_module *m)
{
    int rc = cps_vm__rd_u32(r, &m->datacount);
    if (rc) return rc;
    if (m->datacount > m->limits.max_segments)
        return cps_vm__rd_fail(r, CPS_ERR_LIMIT, "%u data segments is over the limit of %u",
                               m->datacount, m->limits.max_segments);
    m->has_datacount = true;
    return 0;
}

static int decode_data(vm_rd *r, cps_vm_module *m)
{
    uint32_t n;
    int rc = rd_count(r, &n, section_limit(m, m->limits.max_segments), "data segments");
    if (rc) return rc;
    if (m->has_datacount && n != m->datacount)
        return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED,
                               "data count and data section have inconsistent lengths (%u, %u)",
                               m->datacount, n);
    if ((rc = grow_array((void **)&m->datas, n, sizeof(vm_data_seg)))) return rc;
    for (uint32_t i = 0; i < n; i++) {
        vm_data_seg *s = &m->datas[i];
        m->ndatas = i + 1;
        uint32_t flags;
        if ((rc = cps_vm__rd_u32(r, &flags))) return rc;
        if (flags > 2)
            return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED, "malformed data segment flags %u",
                                   flags);
        s->mode = flags == 1 ? VM_SEG_PASSIVE : VM_SEG_ACTIVE;
        if (s->mode == VM_SEG_ACTIVE) {
            uint32_t mem = 0;
            if (flags == 2 && (rc = cps_vm__rd_u32(r, &mem))) return rc;
            if (mem >= m->nmemories)
                return cps_vm__rd_fail(r, CPS_ERR_WASM_INVALID, "unknown memory %u", mem);
            if ((rc = rd_constexpr(r, m, CPS_VM_I32, m->nglobals, &s->offset))) return rc;
        }
        uint32_t len;
        if ((rc = cps_vm__rd_u32(r, &len))) return rc;
        if (r->size - r->pos < len)
            return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED,
                                   "unexpected end of section or function: data segment %u of %u "
                                   "bytes",
                                   i, len);
        if (m->limits.max_linear_memory_init != UINT32_MAX && s->mode == VM_SEG_ACTIVE) {
            /* eos-vm accepts only a constant offset here and bounds the initialised range */
            if (s->offset.op != 0x41)
                return cps_vm__rd_fail(r, CPS_ERR_LIMIT,
                                       "data segment %u: the offset must be an i32.const under "
                                       "max_linear_memory_init",
                                       i);
            uint64_t end = (uint64_t)(uint32_t)s->offset.value + len;
            if (end > m->limits.max_linear_memory_init)
                return cps_vm__rd_fail(r, CPS_ERR_LIMIT,
                                       "data segment %u exceeds the linear memory init limit: it "
                                       "ends at %llu, max_linear_memory_init %u",
                                       i, (unsigned long long)end,
                                       m->limits.max_linear_memory_init);
        }
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy) return cps_fail(CPS_ERR_NOMEM, "data segment of %u bytes", len);
        memcpy(copy, r->data + r->pos, len);
        s->bytes = copy;
        s->size = len;
        r->pos += len;
    }
    return 0;
}

static int decode_code(vm_rd *r, cps_vm_module *m, vm_compiler *c)
{
    uint32_t n;
    int rc = rd_count(r, &n, section_limit(m, m->limits.max_functions), "function bodies");
    if (rc) return rc;
    uint32_t ndefined = m->nfuncs - m->nfunc_imports;
    if (n != ndefined)
        return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED,
                               "function and code section have inconsistent lengths (%u, %u)",
                               ndefined, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        if ((rc = cps_vm__rd_u32(r, &size))) return rc;
        if (r->size - r->pos < size)
            return cps_vm__rd_fail(r, CPS_ERR_WASM_MALFORMED,
                                   "unexpected end: function body %u of %u bytes", i, size);
        if (size > m->limits.max_func_size)
            return cps_vm__rd_fail(r, CPS_ERR_LIMIT,
                                   "function body %u of %u bytes is over the "
                                   "limit of %u",
                                   i, size, m->limits.max_func_size);
        if ((rc = cps_vm__compile_function(c, i, r->data + r->pos, size, r->base + r->pos)))
            return rc;
        r->pos += size;
    }
    return 0;
}

int cps_vm__decode(cps_vm_module *m, const uint8_t *bytes, size_t size)
{
    vm_rd top = {bytes, size, 0, 0, "module header"};
    int rc;
    vm_compiler *c = NULL;
    if (size > m->limits.max_module_size)
        return cps_fail(CPS_ERR_LIMIT, "module of %zu bytes is over the limit of %u", size,
                        m->limits.max_module_size);
    if (size < 4 || memcmp(bytes, "\0asm", 4) != 0)
        return cps_vm__rd_fail(&top, CPS_ERR_WASM_MALFORMED, "magic header not detected");
    if (size < 8) return cps_vm__rd_fail(&top, CPS_ERR_WASM_MALFORMED, "unexpected end (version)");
    if (cps_load_u32(bytes + 4) != 1)
        return cps_vm__rd_fail(&top, CPS_ERR_WASM_MALFORMED, "unknown binary version");
    top.pos = 8;
    int last_id = 0;
    bool saw_code = false;
    /* Order of non-custom sections: 1..9, then 12 (data count), then 10, 11. */
    static const int order[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    while (top.pos < top.size) {
        top.what = "module";
        uint8_t id;
        uint32_t len;
        if ((rc = cps_vm__rd_u8(&top, &id))) goto out;
        if ((rc = cps_vm__rd_u32(&top, &len))) goto out;
        if (id > 12) {
            rc = cps_vm__rd_fail(&top, CPS_ERR_WASM_MALFORMED, "malformed section id %u", id);
            goto out;
        }
        top.what = section_names[id];
        if (len > top.size - top.pos) {
            rc = cps_vm__rd_fail(&top, CPS_ERR_WASM_MALFORMED,
                                 "unexpected end: section size %u, %zu bytes left", len,
                                 top.size - top.pos);
            goto out;
        }
        if (len > m->limits.max_section_size) {
            rc = cps_vm__rd_fail(&top, CPS_ERR_LIMIT, "section of %u bytes is over the limit of %u",
                                 len, m->limits.max_section_size);
            goto out;
        }
        vm_rd r = {bytes + top.pos, len, 0, top.pos, section_names[id]};
        top.pos += len;
        if (id != 0) {
            if (order[id] <= last_id) {
                rc = cps_vm__rd_fail(&r, CPS_ERR_WASM_MALFORMED,
                                     "unexpected content after last section / junk after last "
                                     "section: section %u out of order or repeated",
                                     id);
                goto out;
            }
            last_id = order[id];
        }
        switch (id) {
        case 0: {
            char *name;
            if ((rc = rd_name(&r, &name, NULL))) goto out;
            free(name);
            r.pos = r.size;
            break;
        }
        case 1:
            rc = decode_types(&r, m);
            break;
        case 2:
            rc = decode_imports(&r, m);
            break;
        case 3:
            rc = decode_functions(&r, m);
            break;
        case 4:
            rc = decode_tables(&r, m);
            break;
        case 5:
            rc = decode_memories(&r, m);
            break;
        case 6:
        case 7:
        case 8:
        case 9:
        case 10:
        case 11:
        case 12:
            break;
        }
        if (rc) goto out;
        /* Sections that reference functions need the declared-function bitmap, made once the
         * function count is final (after the function section, i.e. before section 4+). */
        if (id >= 4 && !m->declared_funcs) {
            m->declared_funcs = calloc((m->nfuncs + 7) / 8 + 1, 1);
            if (!m->declared_funcs) {
                rc = cps_fail(CPS_ERR_NOMEM, "function bitmap");
                goto out;
            }
        }
        switch (id) {
        case 6:
            rc = decode_globals(&r, m);
            break;
        case 7:
            rc = decode_exports(&r, m);
            break;
        case 8:
            rc = decode_start(&r, m);
            break;
        case 9:
            rc = decode_elements(&r, m);
            break;
        case 12:
            rc = decode_datacount(&r, m);
            break;
        case 10:
            if (!c && (rc = cps_vm__compiler_create(m, &c))) goto out;
            rc = decode_code(&r, m, c);
            saw_code = true;
            break;
        case 11:
            rc = decode_data(&r, m);
            break;
        default:
            break;
        }
        if (rc) goto out;
        if (r.pos != r.size) {
            rc = cps_vm__rd_fail(&r, CPS_ERR_WASM_MALFORMED,
                                 "section size mismatch: %zu bytes left over", r.size - r.pos);
            goto out;
        }
    }
    if (!m->declared_funcs) {
        m->declared_funcs = calloc((m->nfuncs + 7) / 8 + 1, 1);
        if (!m->declared_funcs) {
            rc = cps_fail(CPS_ERR_NOMEM, "function bitmap");
            goto out;
        }
    }
    if (!saw_code && m->nfuncs > m->nfunc_imports) {
        top.what = "module";
        rc = cps_vm__rd_fail(&top, CPS_ERR_WASM_MALFORMED,
                             "function and code section have inconsistent lengths (%u, 0)",
                             m->nfuncs - m->nfunc_imports);
        goto out;
    }
    if (m->has_datacount && m->datacount != m->ndatas) {
        top.what = "module";
        rc = cps_vm__rd_fail(&top, CPS_ERR_WASM_MALFORMED,
                             "data count and data section have inconsistent lengths (%u, %u)",
                             m->datacount, m->ndatas);
        goto out;
    }
    if (!c && (rc = cps_vm__compiler_create(m, &c))) goto out;
    rc = cps_vm__compiler_finish(c);
out:
    cps_vm__compiler_destroy(c);
    return rc;
}
