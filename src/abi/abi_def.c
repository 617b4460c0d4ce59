/* abi_def: ABI definitions — reading them from JSON and from binary abi_def, writing them back,
 * and validating and compiling them into resolved types (abi_serializer::set_abi's rules). */
#include "abi/abi_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Built-in types: static nodes shared by every ABI.
 * ------------------------------------------------------------------------------------------ */
static const struct abi_type builtin_types[ABI_BUILTIN_COUNT] = {
#define ABI_BUILTIN_NODE_(sym, nm, size)                                                           \
    [ABI_##sym] = {.kind = ABI_T_BUILTIN, .builtin = ABI_##sym, .name = nm, .min_size = size},
    CPS_ABI_BUILTINS(ABI_BUILTIN_NODE_)
#undef ABI_BUILTIN_NODE_
};

static const struct abi_type *find_builtin(const char *s, size_t len)
{
    for (int i = 0; i < ABI_BUILTIN_COUNT; i++) {
        const char *n = builtin_types[i].name;
        if (strlen(n) == len && memcmp(n, s, len) == 0) return &builtin_types[i];
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------
 * A small string -> pointer hash map (open addressing), keys borrowed from the ABI's arena.
 * ------------------------------------------------------------------------------------------ */
struct abi_map_entry {
    const char *key;
    size_t len;
    void *value;
};

struct abi_map {
    struct abi_map_entry *slots;
    size_t cap, count;
};

static uint64_t hash_str(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void map_free(struct abi_map *m)
{
    if (!m) return;
    free(m->slots);
    free(m);
}

static struct abi_map *map_new(void)
{
    struct abi_map *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->cap = 64;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

static void *map_get(const struct abi_map *m, const char *key, size_t len)
{
    size_t i = (size_t)hash_str(key, len) & (m->cap - 1);
    while (m->slots[i].key) {
        if (m->slots[i].len == len && memcmp(m->slots[i].key, key, len) == 0)
            return m->slots[i].value;
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

static int map_put(struct abi_map *m, const char *key, size_t len, void *value)
{
    if ((m->count + 1) * 2 > m->cap) {
        size_t ncap = m->cap * 2;
        struct abi_map_entry *ns = calloc(ncap, sizeof *ns);
        if (!ns) return cps_fail(CPS_ERR_NOMEM, "ABI: out of memory");
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->slots[i].key) continue;
            size_t j = (size_t)hash_str(m->slots[i].key, m->slots[i].len) & (ncap - 1);
            while (ns[j].key)
                j = (j + 1) & (ncap - 1);
            ns[j] = m->slots[i];
        }
        free(m->slots);
        m->slots = ns;
        m->cap = ncap;
    }
    size_t i = (size_t)hash_str(key, len) & (m->cap - 1);
    while (m->slots[i].key) {
        if (m->slots[i].len == len && memcmp(m->slots[i].key, key, len) == 0) {
            m->slots[i].value = value;
            return 0;
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->slots[i].key = key;
    m->slots[i].len = len;
    m->slots[i].value = value;
    m->count++;
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Lifecycle
 * ------------------------------------------------------------------------------------------ */
static cps_abi *abi_new(void)
{
    cps_abi *abi = calloc(1, sizeof *abi);
    if (!abi) {
        cps_fail(CPS_ERR_NOMEM, "ABI: out of memory");
        return NULL;
    }
    abi->types = map_new();
    if (!abi->types) {
        free(abi);
        cps_fail(CPS_ERR_NOMEM, "ABI: out of memory");
        return NULL;
    }
    /* Built-ins go in the map too, so resolving any name is one hash probe. */
    for (int i = 0; i < ABI_BUILTIN_COUNT; i++) {
        if (map_put(abi->types, builtin_types[i].name, strlen(builtin_types[i].name),
                    (void *)&builtin_types[i])) {
            cps_abi_free(abi);
            return NULL;
        }
    }
    return abi;
}

void cps_abi_free(cps_abi *abi)
{
    if (!abi) return;
    map_free(abi->types);
    cps_abi_arena_free(&abi->arena);
    free(abi);
}

const cps_abi_def *cps_abi_definition(const cps_abi *abi)
{
    return &abi->def;
}

static char *arena_strndup(cps_arena *a, const char *s, size_t n)
{
    char *p = cps_abi_arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* ------------------------------------------------------------------------------------------
 * Compilation: validation and resolution of every type reference.
 * ------------------------------------------------------------------------------------------ */
struct typedef_entry {
    const cps_abi_typedef *def;
    const struct abi_type *resolved;
    int state; /* 0 not visited, 1 resolving, 2 done */
};

struct compiler {
    cps_abi *abi;
    struct abi_map *typedefs; /* name -> struct typedef_entry */
    struct typedef_entry *typedef_entries;
    int typedef_depth;
    int err;                         /* code of the last resolution failure */
    struct abi_type **struct_nodes;  /* by index in def.structs */
    struct abi_type **variant_nodes; /* by index in def.variants */
};

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static const struct abi_type *resolve_expr(struct compiler *c, const char *s, size_t len);

/* A fixed-size array "T[N]" (Leap accepts it in ABIs but serializes it inconsistently): refuse
 * it with a clear message rather than guess. */
static bool is_sized_array(const char *s, size_t len)
{
    if (len < 4 || s[len - 1] != ']') return false;
    size_t i = len - 1;
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
        i--;
    return i < len - 1 && i > 0 && s[i - 1] == '[';
}

static const struct abi_type *resolve_name(struct compiler *c, const char *s, size_t len)
{
    const struct abi_type *t = find_builtin(s, len);
    if (t) return t;
    t = map_get(c->abi->types, s, len);
    if (t) return t;
    struct typedef_entry *td = map_get(c->typedefs, s, len);
    if (td) {
        if (td->state == 1) {
            c->err = CPS_ERR_ABI;
            cps_fail(CPS_ERR_ABI, "circular reference in typedef %s", td->def->new_type_name);
            return NULL;
        }
        /* nodeos bounds this recursion with max_recursion_depth; so do we (and our stack). */
        if (c->typedef_depth >= CPS_ABI_MAX_DEPTH) {
            c->err = CPS_ERR_LIMIT;
            cps_fail(CPS_ERR_LIMIT, "typedef %s: chain of typedefs deeper than %d",
                     td->def->new_type_name, CPS_ABI_MAX_DEPTH);
            return NULL;
        }
        td->state = 1;
        c->typedef_depth++;
        t = resolve_expr(c, td->def->type, strlen(td->def->type));
        c->typedef_depth--;
        if (!t) return NULL;
        td->state = 2;
        td->resolved = t;
        if (map_put(c->abi->types, td->def->new_type_name, strlen(td->def->new_type_name),
                    (void *)t))
            return NULL;
        return t;
    }
    c->err = CPS_ERR_ABI_TYPE;
    if (ends_with(s, len, "[]") || ends_with(s, len, "?"))
        cps_fail(CPS_ERR_ABI_TYPE,
                 "unknown type \"%.*s\" (a suffix on a suffixed type needs a typedef)", (int)len,
                 s);
    else if (is_sized_array(s, len))
        cps_fail(CPS_ERR_ABI_TYPE, "fixed-size array type \"%.*s\" is not supported", (int)len, s);
    else
        cps_fail(CPS_ERR_ABI_TYPE, "unknown type \"%.*s\"", (int)len, s);
    return NULL;
}

static const struct abi_type *make_wrapper(struct compiler *c, enum abi_type_kind kind,
                                           const struct abi_type *elem, const char *s, size_t len)
{
    struct abi_type *t = cps_abi_arena_alloc(&c->abi->arena, sizeof *t);
    char *name = t ? arena_strndup(&c->abi->arena, s, len) : NULL;
    if (!name) {
        c->err = CPS_ERR_NOMEM;
        return NULL;
    }
    t->kind = kind;
    t->elem = elem;
    t->name = name;
    if (map_put(c->abi->types, name, len, t)) {
        c->err = CPS_ERR_NOMEM;
        return NULL;
    }
    return t;
}

static const struct abi_type *resolve_expr(struct compiler *c, const char *s, size_t len)
{
    if (len == 0) {
        c->err = CPS_ERR_ABI_TYPE;
        cps_fail(CPS_ERR_ABI_TYPE, "empty type name");
        return NULL;
    }
    const struct abi_type *t = map_get(c->abi->types, s, len);
    if (t) return t;
    if (ends_with(s, len, "[]")) {
        const struct abi_type *e = resolve_name(c, s, len - 2);
        return e ? make_wrapper(c, ABI_T_ARRAY, e, s, len) : NULL;
    }
    if (ends_with(s, len, "?")) {
        const struct abi_type *e = resolve_name(c, s, len - 1);
        return e ? make_wrapper(c, ABI_T_OPTIONAL, e, s, len) : NULL;
    }
    return resolve_name(c, s, len);
}

/* Field types may carry one trailing '$' (binary extension). */
static const struct abi_type *resolve_field(struct compiler *c, const char *s)
{
    size_t len = strlen(s);
    if (ends_with(s, len, "$")) {
        const struct abi_type *t = map_get(c->abi->types, s, len);
        if (t) return t;
        const struct abi_type *e = resolve_expr(c, s, len - 1);
        return e ? make_wrapper(c, ABI_T_EXTENSION, e, s, len) : NULL;
    }
    return resolve_expr(c, s, len);
}

/* Names of typedefs, structs and variants must be plain names: a trailing suffix would make
 * "x[]" ambiguous. */
static int check_decl_name(const char *what, const char *name)
{
    size_t len = strlen(name);
    if (len == 0) return cps_fail(CPS_ERR_ABI, "%s with an empty name", what);
    if (len > CPS_ABI_MAX_TYPE_NAME)
        return cps_fail(CPS_ERR_ABI, "%s name longer than %d characters", what,
                        CPS_ABI_MAX_TYPE_NAME);
    if (ends_with(name, len, "[]") || ends_with(name, len, "?") || ends_with(name, len, "$"))
        return cps_fail(CPS_ERR_ABI, "%s %s: a name may not end in [], ? or $", what, name);
    /* A name JSON cannot carry (nodeos drops invalid UTF-8 when printing) would make the ABI's
     * JSON form a different ABI. */
    if (!cps_abi__utf8_valid(name, len))
        return cps_fail(CPS_ERR_ABI, "%s name is not valid UTF-8", what);
    return 0;
}

static uint32_t sat_add(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* Smallest encoding of a type, used to bound array lengths against the bytes left. Recursive
 * structs count 0 for the inner occurrence (a lower bound is all that is needed). */
static uint32_t compute_min_size(struct abi_type *t, int depth)
{
    if (depth > 64) return 0;
    switch (t->kind) {
    case ABI_T_BUILTIN:
        return t->min_size;
    case ABI_T_ARRAY:
    case ABI_T_OPTIONAL:
    case ABI_T_VARIANT:
        return 1;
    case ABI_T_EXTENSION:
        return 0;
    case ABI_T_STRUCT: {
        if (t->min_size != UINT32_MAX - 1) return t->min_size; /* done, or in progress */
        t->min_size = 0;
        uint32_t n = t->st.base ? compute_min_size((struct abi_type *)t->st.base, depth + 1) : 0;
        for (uint32_t i = 0; i < t->st.field_count; i++)
            n = sat_add(n, compute_min_size((struct abi_type *)t->st.fields[i].type, depth + 1));
        t->min_size = n;
        return n;
    }
    }
    return 0;
}

static int json_key_for(cps_arena *a, const char *name, const char **out, size_t *out_len)
{
    cps_buf b;
    cps_buf_init(&b);
    cps_abi_json_string(&b, name, strlen(name));
    int rc = cps_write_u8(&b, ':');
    if (!rc) {
        *out = cps_abi_arena_dup(a, b.data, b.size);
        *out_len = b.size;
        if (!*out) rc = CPS_ERR_NOMEM;
    }
    cps_buf_free(&b);
    return rc;
}

static int compile(cps_abi *abi)
{
    cps_abi_def *d = &abi->def;
    struct compiler c = {.abi = abi};
    int rc = 0;
    char nm[CPS_NAME_STR_MAX];

    if (strncmp(d->version, "eosio::abi/1.", 13) != 0)
        return cps_fail(CPS_ERR_ABI, "unsupported ABI version \"%.40s\" (expected eosio::abi/1.x)",
                        d->version);
    c.typedefs = map_new();
    c.typedef_entries = calloc(d->type_count ? d->type_count : 1, sizeof *c.typedef_entries);
    c.struct_nodes = calloc(d->struct_count ? d->struct_count : 1, sizeof *c.struct_nodes);
    c.variant_nodes = calloc(d->variant_count ? d->variant_count : 1, sizeof *c.variant_nodes);
    if (!c.typedefs || !c.typedef_entries || !c.struct_nodes || !c.variant_nodes) {
        rc = cps_fail(CPS_ERR_NOMEM, "ABI: out of memory");
        goto done;
    }

    /* Declarations: structs and variants get their nodes first, so fields can refer to any of
     * them (including their own struct, through an optional or array). */
    for (uint32_t i = 0; i < d->struct_count; i++) {
        const cps_abi_struct *s = &d->structs[i];
        if ((rc = check_decl_name("struct", s->name))) goto done;
        size_t len = strlen(s->name);
        const struct abi_type *prev = map_get(abi->types, s->name, len);
        if (prev && prev->kind != ABI_T_BUILTIN) {
            rc = cps_fail(CPS_ERR_ABI, "duplicate struct definition %s", s->name);
            goto done;
        }
        struct abi_type *t = cps_abi_arena_alloc(&abi->arena, sizeof *t);
        if (!t) {
            rc = CPS_ERR_NOMEM;
            goto done;
        }
        t->kind = ABI_T_STRUCT;
        t->name = s->name;
        t->min_size = UINT32_MAX - 1;
        c.struct_nodes[i] = t;
        /* A struct named like a built-in is shadowed by it, as in nodeos: it stays unreachable
         * by name but is still validated. */
        if (prev) continue;
        if ((rc = map_put(abi->types, s->name, len, t))) goto done;
    }
    for (uint32_t i = 0; i < d->variant_count; i++) {
        const cps_abi_variant *v = &d->variants[i];
        if ((rc = check_decl_name("variant", v->name))) goto done;
        size_t len = strlen(v->name);
        const struct abi_type *prev = map_get(abi->types, v->name, len);
        if (prev && prev->kind != ABI_T_BUILTIN) {
            rc = cps_fail(CPS_ERR_ABI, "duplicate variant definition %s%s", v->name,
                          prev->kind == ABI_T_STRUCT ? " (also a struct)" : "");
            goto done;
        }
        struct abi_type *t = cps_abi_arena_alloc(&abi->arena, sizeof *t);
        if (!t) {
            rc = CPS_ERR_NOMEM;
            goto done;
        }
        t->kind = ABI_T_VARIANT;
        t->name = v->name;
        t->min_size = 1;
        c.variant_nodes[i] = t;
        if (prev) continue; /* shadowed by a built-in, as a struct would be */
        if ((rc = map_put(abi->types, v->name, len, t))) goto done;
    }
    for (uint32_t i = 0; i < d->type_count; i++) {
        const cps_abi_typedef *td = &d->types[i];
        if ((rc = check_decl_name("typedef", td->new_type_name))) goto done;
        size_t len = strlen(td->new_type_name);
        if (find_builtin(td->new_type_name, len) || map_get(abi->types, td->new_type_name, len)) {
            rc = cps_fail(CPS_ERR_ABI, "typedef %s: type already exists", td->new_type_name);
            goto done;
        }
        if (map_get(c.typedefs, td->new_type_name, len)) {
            rc = cps_fail(CPS_ERR_ABI, "duplicate type definition %s", td->new_type_name);
            goto done;
        }
        c.typedef_entries[i].def = td;
        if ((rc = map_put(c.typedefs, td->new_type_name, len, &c.typedef_entries[i]))) goto done;
    }

    /* Typedefs, all of them (nodeos validates unused ones too). */
    for (uint32_t i = 0; i < d->type_count; i++) {
        if (c.typedef_entries[i].state == 2) continue;
        if (!resolve_name(&c, d->types[i].new_type_name, strlen(d->types[i].new_type_name))) {
            rc = cps_fail_prefix(c.err ? c.err : CPS_ERR_ABI_TYPE, "typedef %s",
                                 d->types[i].new_type_name);
            goto done;
        }
    }

    /* Struct bodies. */
    for (uint32_t i = 0; i < d->struct_count; i++) {
        const cps_abi_struct *s = &d->structs[i];
        struct abi_type *t = c.struct_nodes[i];
        if (s->base[0]) {
            const struct abi_type *b = resolve_expr(&c, s->base, strlen(s->base));
            if (!b) {
                rc = cps_fail_prefix(c.err ? c.err : CPS_ERR_ABI_TYPE, "struct %s, base", s->name);
                goto done;
            }
            if (b->kind != ABI_T_STRUCT) {
                rc = cps_fail(CPS_ERR_ABI, "struct %s: base %s is not a struct", s->name, s->base);
                goto done;
            }
            t->st.base = b;
        }
        t->st.field_count = s->field_count;
        t->st.fields = s->field_count
                           ? cps_abi_arena_alloc(&abi->arena, s->field_count * sizeof *t->st.fields)
                           : NULL;
        if (s->field_count && !t->st.fields) {
            rc = CPS_ERR_NOMEM;
            goto done;
        }
        for (uint32_t k = 0; k < s->field_count; k++) {
            struct abi_field_info *f = &t->st.fields[k];
            f->name = s->fields[k].name;
            f->name_len = strlen(f->name);
            if (!cps_abi__utf8_valid(f->name, f->name_len)) {
                rc = cps_fail(CPS_ERR_ABI, "struct %s: field %u's name is not valid UTF-8", s->name,
                              k);
                goto done;
            }
            f->type = resolve_field(&c, s->fields[k].type);
            if (!f->type) {
                rc = cps_fail_prefix(c.err ? c.err : CPS_ERR_ABI_TYPE, "struct %s, field %s",
                                     s->name, f->name);
                goto done;
            }
            size_t tl = strlen(s->fields[k].type);
            f->declared_optional = tl > 0 && s->fields[k].type[tl - 1] == '?';
            if ((rc = json_key_for(&abi->arena, f->name, &f->json_key, &f->json_key_len)))
                goto done;
        }
    }
    /* Base chains must end (nodeos: "Circular reference in struct"). */
    for (uint32_t i = 0; i < d->struct_count; i++) {
        const struct abi_type *t = c.struct_nodes[i];
        uint32_t steps = 0;
        for (const struct abi_type *b = t->st.base; b; b = b->st.base) {
            if (b == t || ++steps > d->struct_count) {
                rc = cps_fail(CPS_ERR_ABI, "circular reference in struct %s (through its base)",
                              d->structs[i].name);
                goto done;
            }
        }
    }
    for (uint32_t i = 0; i < d->variant_count; i++) {
        const cps_abi_variant *v = &d->variants[i];
        struct abi_type *t = c.variant_nodes[i];
        t->var.count = v->type_count;
        if (v->type_count) {
            t->var.names = v->types;
            t->var.name_lens = cps_abi_arena_alloc(&abi->arena, v->type_count * sizeof(size_t));
            t->var.types = cps_abi_arena_alloc(&abi->arena, v->type_count * sizeof(void *));
            if (!t->var.name_lens || !t->var.types) {
                rc = CPS_ERR_NOMEM;
                goto done;
            }
        }
        for (uint32_t k = 0; k < v->type_count; k++) {
            t->var.name_lens[k] = strlen(v->types[k]);
            t->var.types[k] = resolve_expr(&c, v->types[k], t->var.name_lens[k]);
            if (!t->var.types[k]) {
                rc = cps_fail_prefix(c.err ? c.err : CPS_ERR_ABI_TYPE, "variant %s, alternative %u",
                                     v->name, k);
                goto done;
            }
        }
    }

    /* Actions, tables, action results: their types must exist; names must be unique. */
    for (uint32_t i = 0; i < d->action_count; i++) {
        for (uint32_t k = 0; k < i; k++)
            if (d->actions[k].name == d->actions[i].name) {
                cps_abi_name_to_string(d->actions[i].name, nm);
                rc = cps_fail(CPS_ERR_ABI, "duplicate action definition %s", nm);
                goto done;
            }
        if (!resolve_expr(&c, d->actions[i].type, strlen(d->actions[i].type))) {
            cps_abi_name_to_string(d->actions[i].name, nm);
            rc = cps_fail_prefix(c.err ? c.err : CPS_ERR_ABI_TYPE, "action %s", nm);
            goto done;
        }
    }
    for (uint32_t i = 0; i < d->table_count; i++) {
        for (uint32_t k = 0; k < i; k++)
            if (d->tables[k].name == d->tables[i].name) {
                cps_abi_name_to_string(d->tables[i].name, nm);
                rc = cps_fail(CPS_ERR_ABI, "duplicate table definition %s", nm);
                goto done;
            }
        if (!resolve_expr(&c, d->tables[i].type, strlen(d->tables[i].type))) {
            cps_abi_name_to_string(d->tables[i].name, nm);
            rc = cps_fail_prefix(c.err ? c.err : CPS_ERR_ABI_TYPE, "table %s", nm);
            goto done;
        }
    }
    for (uint32_t i = 0; i < d->error_message_count; i++)
        for (uint32_t k = 0; k < i; k++)
            if (d->error_messages[k].error_code == d->error_messages[i].error_code) {
                rc = cps_fail(CPS_ERR_ABI, "duplicate error message definition %llu",
                              (unsigned long long)d->error_messages[i].error_code);
                goto done;
            }
    for (uint32_t i = 0; i < d->action_result_count; i++) {
        for (uint32_t k = 0; k < i; k++)
            if (d->action_results[k].name == d->action_results[i].name) {
                cps_abi_name_to_string(d->action_results[i].name, nm);
                rc = cps_fail(CPS_ERR_ABI, "duplicate action results definition %s", nm);
                goto done;
            }
        if (!resolve_expr(&c, d->action_results[i].result_type,
                          strlen(d->action_results[i].result_type))) {
            cps_abi_name_to_string(d->action_results[i].name, nm);
            rc = cps_fail_prefix(c.err ? c.err : CPS_ERR_ABI_TYPE, "action result %s", nm);
            goto done;
        }
    }

    for (uint32_t i = 0; i < d->struct_count; i++)
        compute_min_size(c.struct_nodes[i], 0);
done:
    map_free(c.typedefs);
    free(c.typedef_entries);
    free(c.struct_nodes);
    free(c.variant_nodes);
    return rc;
}

const struct abi_type *cps_abi__resolve(const cps_abi *abi, const char *type, struct abi_type *tmp)
{
    size_t len = strlen(type);
    const struct abi_type *t = map_get(abi->types, type, len);
    if (t) return t;
    bool array = ends_with(type, len, "[]");
    if (array || ends_with(type, len, "?")) {
        size_t n = len - (array ? 2 : 1);
        const struct abi_type *e = NULL;
        if (!ends_with(type, n, "[]") && !ends_with(type, n, "?")) e = map_get(abi->types, type, n);
        if (e) {
            memset(tmp, 0, sizeof *tmp);
            tmp->kind = array ? ABI_T_ARRAY : ABI_T_OPTIONAL;
            tmp->elem = e;
            tmp->name = type;
            tmp->min_size = 1;
            return tmp;
        }
    }
    cps_fail(CPS_ERR_ABI_TYPE, "unknown type \"%.*s\"", (int)(len > 100 ? 100 : len), type);
    return NULL;
}

bool cps_abi_is_type(const cps_abi *abi, const char *type)
{
    size_t len = strlen(type);
    if (find_builtin(type, len) || map_get(abi->types, type, len)) return true;
    if (ends_with(type, len, "[]") || ends_with(type, len, "?")) {
        size_t n = len - (type[len - 1] == '?' ? 1 : 2);
        if (ends_with(type, n, "[]") || ends_with(type, n, "?")) return false;
        return find_builtin(type, n) || map_get(abi->types, type, n);
    }
    return false;
}

/* ------------------------------------------------------------------------------------------
 * Lookups
 * ------------------------------------------------------------------------------------------ */
const char *cps_abi_action_type(const cps_abi *abi, cps_name action)
{
    for (uint32_t i = 0; i < abi->def.action_count; i++)
        if (abi->def.actions[i].name == action) return abi->def.actions[i].type;
    return NULL;
}

const char *cps_abi_table_type(const cps_abi *abi, cps_name table)
{
    for (uint32_t i = 0; i < abi->def.table_count; i++)
        if (abi->def.tables[i].name == table) return abi->def.tables[i].type;
    return NULL;
}

const char *cps_abi_action_result_type(const cps_abi *abi, cps_name action)
{
    for (uint32_t i = 0; i < abi->def.action_result_count; i++)
        if (abi->def.action_results[i].name == action)
            return abi->def.action_results[i].result_type;
    return NULL;
}

const char *cps_abi_error_message(const cps_abi *abi, uint64_t code)
{
    for (uint32_t i = 0; i < abi->def.error_message_count; i++)
        if (abi->def.error_messages[i].error_code == code)
            return abi->def.error_messages[i].error_msg;
    return NULL;
}

/* ------------------------------------------------------------------------------------------
 * Binary abi_def
 * ------------------------------------------------------------------------------------------ */
static int read_string(cps_reader *r, cps_arena *a, const char **out, const char *what)
{
    const uint8_t *p;
    size_t n;
    int rc = cps_read_blob(r, &p, &n);
    if (rc) return cps_fail_prefix(rc, "%s", what);
    if (memchr(p, 0, n))
        return cps_fail(CPS_ERR_ABI, "%s: string contains a NUL byte (offset %zu)", what,
                        r->pos - n);
    *out = arena_strndup(a, (const char *)p, n);
    return *out ? 0 : CPS_ERR_NOMEM;
}

static int read_vec_count(cps_reader *r, size_t min_size, const char *what, uint32_t *count)
{
    size_t at = r->pos;
    int rc = cps_read_varuint32(r, count);
    if (rc) return cps_fail_prefix(rc, "%s: length", what);
    if (*count > cps_reader_left(r) / min_size)
        return cps_fail(CPS_ERR_TRUNCATED,
                        "%s: %u entries declared at offset %zu but only %zu bytes follow", what,
                        *count, at, cps_reader_left(r));
    return 0;
}

#define ABI_ALLOC(a, ptr, count)                                                                   \
    do {                                                                                           \
        (ptr) = (count) ? cps_abi_arena_alloc((a), (size_t)(count) * sizeof *(ptr)) : NULL;        \
        if ((count) && !(ptr)) return CPS_ERR_NOMEM;                                               \
    } while (0)

static int read_string_vec(cps_reader *r, cps_arena *a, const char ***out, uint32_t *count,
                           const char *what)
{
    int rc = read_vec_count(r, 1, what, count);
    if (rc) return rc;
    ABI_ALLOC(a, *out, *count);
    for (uint32_t i = 0; i < *count; i++)
        if ((rc = read_string(r, a, &(*out)[i], what))) return rc;
    return 0;
}

static int abi_def_unpack(cps_reader *r, cps_arena *a, cps_abi_def *d)
{
    int rc;
    char ctx[96];
    memset(d, 0, sizeof *d);
    if ((rc = read_string(r, a, &d->version, "version"))) return rc;
    if (strncmp(d->version, "eosio::abi/1.", 13) != 0)
        return cps_fail(CPS_ERR_ABI, "unsupported ABI version \"%.40s\" (expected eosio::abi/1.x)",
                        d->version);
    if ((rc = read_vec_count(r, 2, "types", &d->type_count))) return rc;
    ABI_ALLOC(a, d->types, d->type_count);
    for (uint32_t i = 0; i < d->type_count; i++) {
        snprintf(ctx, sizeof ctx, "types[%u]", i);
        if ((rc = read_string(r, a, &d->types[i].new_type_name, ctx)) ||
            (rc = read_string(r, a, &d->types[i].type, ctx)))
            return rc;
    }
    if ((rc = read_vec_count(r, 3, "structs", &d->struct_count))) return rc;
    ABI_ALLOC(a, d->structs, d->struct_count);
    for (uint32_t i = 0; i < d->struct_count; i++) {
        cps_abi_struct *s = &d->structs[i];
        snprintf(ctx, sizeof ctx, "structs[%u]", i);
        if ((rc = read_string(r, a, &s->name, ctx)) || (rc = read_string(r, a, &s->base, ctx)) ||
            (rc = read_vec_count(r, 2, ctx, &s->field_count)))
            return rc;
        ABI_ALLOC(a, s->fields, s->field_count);
        for (uint32_t k = 0; k < s->field_count; k++) {
            snprintf(ctx, sizeof ctx, "structs[%u].fields[%u]", i, k);
            if ((rc = read_string(r, a, &s->fields[k].name, ctx)) ||
                (rc = read_string(r, a, &s->fields[k].type, ctx)))
                return rc;
        }
    }
    if ((rc = read_vec_count(r, 10, "actions", &d->action_count))) return rc;
    ABI_ALLOC(a, d->actions, d->action_count);
    for (uint32_t i = 0; i < d->action_count; i++) {
        snprintf(ctx, sizeof ctx, "actions[%u]", i);
        if ((rc = cps_read_u64(r, &d->actions[i].name))) return cps_fail_prefix(rc, "%s", ctx);
        if ((rc = read_string(r, a, &d->actions[i].type, ctx)) ||
            (rc = read_string(r, a, &d->actions[i].ricardian_contract, ctx)))
            return rc;
    }
    if ((rc = read_vec_count(r, 12, "tables", &d->table_count))) return rc;
    ABI_ALLOC(a, d->tables, d->table_count);
    for (uint32_t i = 0; i < d->table_count; i++) {
        cps_abi_table *t = &d->tables[i];
        snprintf(ctx, sizeof ctx, "tables[%u]", i);
        if ((rc = cps_read_u64(r, &t->name))) return cps_fail_prefix(rc, "%s", ctx);
        if ((rc = read_string(r, a, &t->index_type, ctx)) ||
            (rc = read_string_vec(r, a, &t->key_names, &t->key_name_count, ctx)) ||
            (rc = read_string_vec(r, a, &t->key_types, &t->key_type_count, ctx)) ||
            (rc = read_string(r, a, &t->type, ctx)))
            return rc;
    }
    if ((rc = read_vec_count(r, 2, "ricardian_clauses", &d->ricardian_clause_count))) return rc;
    ABI_ALLOC(a, d->ricardian_clauses, d->ricardian_clause_count);
    for (uint32_t i = 0; i < d->ricardian_clause_count; i++) {
        snprintf(ctx, sizeof ctx, "ricardian_clauses[%u]", i);
        if ((rc = read_string(r, a, &d->ricardian_clauses[i].id, ctx)) ||
            (rc = read_string(r, a, &d->ricardian_clauses[i].body, ctx)))
            return rc;
    }
    if ((rc = read_vec_count(r, 9, "error_messages", &d->error_message_count))) return rc;
    ABI_ALLOC(a, d->error_messages, d->error_message_count);
    for (uint32_t i = 0; i < d->error_message_count; i++) {
        snprintf(ctx, sizeof ctx, "error_messages[%u]", i);
        if ((rc = cps_read_u64(r, &d->error_messages[i].error_code)))
            return cps_fail_prefix(rc, "%s", ctx);
        if ((rc = read_string(r, a, &d->error_messages[i].error_msg, ctx))) return rc;
    }
    if ((rc = cps_abi_extensions_unpack(r, a, &d->abi_extensions, &d->abi_extension_count)))
        return cps_fail_prefix(rc, "abi_extensions");
    /* Binary extensions: present only if bytes remain (may_not_exist). */
    if (cps_reader_left(r) == 0) return 0;
    d->binary_extension_count = 1;
    if ((rc = read_vec_count(r, 2, "variants", &d->variant_count))) return rc;
    ABI_ALLOC(a, d->variants, d->variant_count);
    for (uint32_t i = 0; i < d->variant_count; i++) {
        snprintf(ctx, sizeof ctx, "variants[%u]", i);
        if ((rc = read_string(r, a, &d->variants[i].name, ctx)) ||
            (rc = read_string_vec(r, a, &d->variants[i].types, &d->variants[i].type_count, ctx)))
            return rc;
    }
    if (cps_reader_left(r) == 0) return 0;
    d->binary_extension_count = 2;
    if ((rc = read_vec_count(r, 9, "action_results", &d->action_result_count))) return rc;
    ABI_ALLOC(a, d->action_results, d->action_result_count);
    for (uint32_t i = 0; i < d->action_result_count; i++) {
        snprintf(ctx, sizeof ctx, "action_results[%u]", i);
        if ((rc = cps_read_u64(r, &d->action_results[i].name)))
            return cps_fail_prefix(rc, "%s", ctx);
        if ((rc = read_string(r, a, &d->action_results[i].result_type, ctx))) return rc;
    }
    if (cps_reader_left(r) == 0) return 0;
    /* EOSIO 2.1's kv_tables (a map): eosjs 22 always appends it, empty. CPS has no KV tables, so
     * an empty map is accepted and dropped; a non-empty one is refused. */
    uint32_t kv_tables;
    if ((rc = cps_read_varuint32(r, &kv_tables))) return cps_fail_prefix(rc, "kv_tables");
    if (kv_tables != 0)
        return cps_fail(CPS_ERR_UNSUPPORTED, "kv_tables: EOSIO 2.1 key-value tables are not "
                                             "supported (%u declared)",
                        kv_tables);
    return 0;
}

int cps_abi_from_bin(const uint8_t *data, size_t n, cps_abi **out)
{
    *out = NULL;
    cps_abi *abi = abi_new();
    if (!abi) return CPS_ERR_NOMEM;
    cps_reader r = cps_reader_make(data, n);
    int rc = abi_def_unpack(&r, &abi->arena, &abi->def);
    if (rc) {
        rc = cps_fail_prefix(rc, "ABI binary");
        goto fail;
    }
    if (cps_reader_left(&r)) {
        rc = cps_fail(CPS_ERR_TRAILING, "ABI binary: %zu unexpected bytes after offset %zu",
                      cps_reader_left(&r), r.pos);
        goto fail;
    }
    if ((rc = compile(abi))) goto fail;
    *out = abi;
    return 0;
fail:
    cps_abi_free(abi);
    return rc;
}

static void write_string(cps_buf *b, const char *s)
{
    cps_write_blob(b, s, strlen(s));
}

int cps_abi_to_bin(const cps_abi *abi, cps_buf *b)
{
    const cps_abi_def *d = &abi->def;
    write_string(b, d->version);
    cps_write_varuint32(b, d->type_count);
    for (uint32_t i = 0; i < d->type_count; i++) {
        write_string(b, d->types[i].new_type_name);
        write_string(b, d->types[i].type);
    }
    cps_write_varuint32(b, d->struct_count);
    for (uint32_t i = 0; i < d->struct_count; i++) {
        write_string(b, d->structs[i].name);
        write_string(b, d->structs[i].base);
        cps_write_varuint32(b, d->structs[i].field_count);
        for (uint32_t k = 0; k < d->structs[i].field_count; k++) {
            write_string(b, d->structs[i].fields[k].name);
            write_string(b, d->structs[i].fields[k].type);
        }
    }
    cps_write_varuint32(b, d->action_count);
    for (uint32_t i = 0; i < d->action_count; i++) {
        cps_write_u64(b, d->actions[i].name);
        write_string(b, d->actions[i].type);
        write_string(b, d->actions[i].ricardian_contract);
    }
    cps_write_varuint32(b, d->table_count);
    for (uint32_t i = 0; i < d->table_count; i++) {
        const cps_abi_table *t = &d->tables[i];
        cps_write_u64(b, t->name);
        write_string(b, t->index_type);
        cps_write_varuint32(b, t->key_name_count);
        for (uint32_t k = 0; k < t->key_name_count; k++)
            write_string(b, t->key_names[k]);
        cps_write_varuint32(b, t->key_type_count);
        for (uint32_t k = 0; k < t->key_type_count; k++)
            write_string(b, t->key_types[k]);
        write_string(b, t->type);
    }
    cps_write_varuint32(b, d->ricardian_clause_count);
    for (uint32_t i = 0; i < d->ricardian_clause_count; i++) {
        write_string(b, d->ricardian_clauses[i].id);
        write_string(b, d->ricardian_clauses[i].body);
    }
    cps_write_varuint32(b, d->error_message_count);
    for (uint32_t i = 0; i < d->error_message_count; i++) {
        cps_write_u64(b, d->error_messages[i].error_code);
        write_string(b, d->error_messages[i].error_msg);
    }
    cps_abi_extensions_pack(b, d->abi_extensions, d->abi_extension_count);
    /* Extensions that carry something are always written, whatever the recorded count says. */
    int ext = d->binary_extension_count;
    if (d->variant_count && ext < 1) ext = 1;
    if (d->action_result_count) ext = 2;
    if (ext >= 1) {
        cps_write_varuint32(b, d->variant_count);
        for (uint32_t i = 0; i < d->variant_count; i++) {
            write_string(b, d->variants[i].name);
            cps_write_varuint32(b, d->variants[i].type_count);
            for (uint32_t k = 0; k < d->variants[i].type_count; k++)
                write_string(b, d->variants[i].types[k]);
        }
    }
    if (ext >= 2) {
        cps_write_varuint32(b, d->action_result_count);
        for (uint32_t i = 0; i < d->action_result_count; i++) {
            cps_write_u64(b, d->action_results[i].name);
            write_string(b, d->action_results[i].result_type);
        }
    }
    return b->failed;
}

/* ------------------------------------------------------------------------------------------
 * JSON abi_def
 * ------------------------------------------------------------------------------------------ */
static int json_str(const json_t *obj, const char *key, cps_arena *a, const char **out,
                    const char *ctx)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *out = "";
        return 0;
    }
    if (!json_is_string(v))
        return cps_fail(CPS_ERR_ABI, "%s.%s: expected a string, got %s", ctx, key,
                        cps_abi__json_kind(v));
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (memchr(s, 0, n))
        return cps_fail(CPS_ERR_ABI, "%s.%s: string contains a NUL character", ctx, key);
    *out = arena_strndup(a, s, n);
    return *out ? 0 : CPS_ERR_NOMEM;
}

static int json_name(const json_t *obj, const char *key, cps_name *out, const char *ctx)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *out = 0;
        return 0;
    }
    if (!json_is_string(v))
        return cps_fail(CPS_ERR_ABI, "%s.%s: expected a name string, got %s", ctx, key,
                        cps_abi__json_kind(v));
    int rc = cps_abi_name_from_string(json_string_value(v), json_string_length(v), out);
    return rc ? cps_fail_prefix(CPS_ERR_ABI, "%s.%s", ctx, key) : 0;
}

/* An array member (absent or null: empty). */
static int json_arr(const json_t *obj, const char *key, const json_t **out, uint32_t *count,
                    const char *ctx)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    *count = 0;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_array(v))
        return cps_fail(CPS_ERR_ABI, "%s%s%s: expected an array, got %s", ctx, ctx[0] ? "." : "",
                        key, cps_abi__json_kind(v));
    if (json_array_size(v) > UINT32_MAX)
        return cps_fail(CPS_ERR_LIMIT, "%s.%s: too many entries", ctx, key);
    *out = v;
    *count = (uint32_t)json_array_size(v);
    return 0;
}

static int json_obj_at(const json_t *arr, uint32_t i, const char *what, char *ctx, size_t ctx_cap,
                       const json_t **out)
{
    snprintf(ctx, ctx_cap, "%s[%u]", what, i);
    *out = json_array_get(arr, i);
    if (!json_is_object(*out))
        return cps_fail(CPS_ERR_ABI, "%s: expected an object, got %s", ctx,
                        cps_abi__json_kind(*out));
    return 0;
}

static int json_str_vec(const json_t *obj, const char *key, cps_arena *a, const char ***out,
                        uint32_t *count, const char *ctx)
{
    const json_t *arr;
    int rc = json_arr(obj, key, &arr, count, ctx);
    if (rc) return rc;
    ABI_ALLOC(a, *out, *count);
    for (uint32_t i = 0; i < *count; i++) {
        const json_t *v = json_array_get(arr, i);
        if (!json_is_string(v))
            return cps_fail(CPS_ERR_ABI, "%s.%s[%u]: expected a string, got %s", ctx, key, i,
                            cps_abi__json_kind(v));
        size_t n = json_string_length(v);
        if (memchr(json_string_value(v), 0, n))
            return cps_fail(CPS_ERR_ABI, "%s.%s[%u]: string contains a NUL character", ctx, key, i);
        (*out)[i] = arena_strndup(a, json_string_value(v), n);
        if (!(*out)[i]) return CPS_ERR_NOMEM;
    }
    return 0;
}

/* Extensions in JSON: fc prints pair<uint16, bytes> as [tag, "hex"]; eosjs uses objects. */
static int json_extension(const json_t *v, cps_arena *a, cps_extension *out, const char *ctx)
{
    const json_t *tag, *data;
    if (json_is_array(v) && json_array_size(v) == 2) {
        tag = json_array_get(v, 0);
        data = json_array_get(v, 1);
    } else if (json_is_object(v)) {
        tag = json_object_get(v, "type");
        if (!tag) tag = json_object_get(v, "tag");
        data = json_object_get(v, "data");
        if (!data) data = json_object_get(v, "value");
    } else {
        return cps_fail(CPS_ERR_FORMAT,
                        "%s: expected [type, \"hex\"] or {\"type\",\"data\"}, got %s", ctx,
                        cps_abi__json_kind(v));
    }
    uint64_t t;
    int rc = tag ? cps_abi__json_get_u64(tag, UINT16_MAX, &t)
                 : cps_fail(CPS_ERR_FORMAT, "missing extension type");
    if (rc) return cps_fail_prefix(rc, "%s.type", ctx);
    if (!json_is_string(data))
        return cps_fail(CPS_ERR_FORMAT, "%s.data: expected a hex string, got %s", ctx,
                        cps_abi__json_kind(data));
    size_t hl = json_string_length(data);
    uint8_t *buf = cps_abi_arena_alloc(a, hl / 2 + 1);
    if (!buf) return CPS_ERR_NOMEM;
    size_t n;
    rc = cps_hex_decode(buf, hl / 2 + 1, &n, json_string_value(data), hl);
    if (rc) return cps_fail_prefix(rc, "%s.data", ctx);
    out->type = (uint16_t)t;
    out->data.data = buf;
    out->data.size = n;
    return 0;
}

int cps_abi__json_extensions(const json_t *arr, cps_arena *a, cps_extension **out, uint32_t *count,
                             const char *what)
{
    *out = NULL;
    *count = 0;
    if (!arr || json_is_null(arr)) return 0;
    if (!json_is_array(arr))
        return cps_fail(CPS_ERR_FORMAT, "%s: expected an array, got %s", what,
                        cps_abi__json_kind(arr));
    *count = (uint32_t)json_array_size(arr);
    ABI_ALLOC(a, *out, *count);
    char ctx[96];
    for (uint32_t i = 0; i < *count; i++) {
        snprintf(ctx, sizeof ctx, "%s[%u]", what, i);
        int rc = json_extension(json_array_get(arr, i), a, &(*out)[i], ctx);
        if (rc) return rc;
    }
    return 0;
}

static int abi_def_from_json(const json_t *root, cps_arena *a, cps_abi_def *d)
{
    int rc;
    char ctx[96];
    const json_t *arr, *o;
    memset(d, 0, sizeof *d);
    if (!json_is_object(root))
        return cps_fail(CPS_ERR_ABI, "ABI: expected a JSON object, got %s",
                        cps_abi__json_kind(root));
    if ((rc = json_str(root, "version", a, &d->version, "ABI"))) return rc;
    if (strncmp(d->version, "eosio::abi/1.", 13) != 0)
        return cps_fail(CPS_ERR_ABI, "unsupported ABI version \"%.40s\" (expected eosio::abi/1.x)",
                        d->version);
    if ((rc = json_arr(root, "types", &arr, &d->type_count, ""))) return rc;
    ABI_ALLOC(a, d->types, d->type_count);
    for (uint32_t i = 0; i < d->type_count; i++) {
        if ((rc = json_obj_at(arr, i, "types", ctx, sizeof ctx, &o)) ||
            (rc = json_str(o, "new_type_name", a, &d->types[i].new_type_name, ctx)) ||
            (rc = json_str(o, "type", a, &d->types[i].type, ctx)))
            return rc;
    }
    if ((rc = json_arr(root, "structs", &arr, &d->struct_count, ""))) return rc;
    ABI_ALLOC(a, d->structs, d->struct_count);
    for (uint32_t i = 0; i < d->struct_count; i++) {
        cps_abi_struct *s = &d->structs[i];
        const json_t *fields;
        if ((rc = json_obj_at(arr, i, "structs", ctx, sizeof ctx, &o)) ||
            (rc = json_str(o, "name", a, &s->name, ctx)) ||
            (rc = json_str(o, "base", a, &s->base, ctx)) ||
            (rc = json_arr(o, "fields", &fields, &s->field_count, ctx)))
            return rc;
        ABI_ALLOC(a, s->fields, s->field_count);
        for (uint32_t k = 0; k < s->field_count; k++) {
            char fwhat[64], fctx[96];
            const json_t *f;
            snprintf(fwhat, sizeof fwhat, "structs[%u].fields", i);
            if ((rc = json_obj_at(fields, k, fwhat, fctx, sizeof fctx, &f)) ||
                (rc = json_str(f, "name", a, &s->fields[k].name, fctx)) ||
                (rc = json_str(f, "type", a, &s->fields[k].type, fctx)))
                return rc;
        }
    }
    if ((rc = json_arr(root, "actions", &arr, &d->action_count, ""))) return rc;
    ABI_ALLOC(a, d->actions, d->action_count);
    for (uint32_t i = 0; i < d->action_count; i++) {
        if ((rc = json_obj_at(arr, i, "actions", ctx, sizeof ctx, &o)) ||
            (rc = json_name(o, "name", &d->actions[i].name, ctx)) ||
            (rc = json_str(o, "type", a, &d->actions[i].type, ctx)) ||
            (rc = json_str(o, "ricardian_contract", a, &d->actions[i].ricardian_contract, ctx)))
            return rc;
    }
    if ((rc = json_arr(root, "tables", &arr, &d->table_count, ""))) return rc;
    ABI_ALLOC(a, d->tables, d->table_count);
    for (uint32_t i = 0; i < d->table_count; i++) {
        cps_abi_table *t = &d->tables[i];
        if ((rc = json_obj_at(arr, i, "tables", ctx, sizeof ctx, &o)) ||
            (rc = json_name(o, "name", &t->name, ctx)) ||
            (rc = json_str(o, "index_type", a, &t->index_type, ctx)) ||
            (rc = json_str_vec(o, "key_names", a, &t->key_names, &t->key_name_count, ctx)) ||
            (rc = json_str_vec(o, "key_types", a, &t->key_types, &t->key_type_count, ctx)) ||
            (rc = json_str(o, "type", a, &t->type, ctx)))
            return rc;
    }
    if ((rc = json_arr(root, "ricardian_clauses", &arr, &d->ricardian_clause_count, ""))) return rc;
    ABI_ALLOC(a, d->ricardian_clauses, d->ricardian_clause_count);
    for (uint32_t i = 0; i < d->ricardian_clause_count; i++) {
        if ((rc = json_obj_at(arr, i, "ricardian_clauses", ctx, sizeof ctx, &o)) ||
            (rc = json_str(o, "id", a, &d->ricardian_clauses[i].id, ctx)) ||
            (rc = json_str(o, "body", a, &d->ricardian_clauses[i].body, ctx)))
            return rc;
    }
    if ((rc = json_arr(root, "error_messages", &arr, &d->error_message_count, ""))) return rc;
    ABI_ALLOC(a, d->error_messages, d->error_message_count);
    for (uint32_t i = 0; i < d->error_message_count; i++) {
        if ((rc = json_obj_at(arr, i, "error_messages", ctx, sizeof ctx, &o))) return rc;
        const json_t *code = json_object_get(o, "error_code");
        if (code &&
            (rc = cps_abi__json_get_u64(code, UINT64_MAX, &d->error_messages[i].error_code)))
            return cps_fail_prefix(CPS_ERR_ABI, "%s.error_code", ctx);
        if ((rc = json_str(o, "error_msg", a, &d->error_messages[i].error_msg, ctx))) return rc;
    }
    if ((rc = cps_abi__json_extensions(json_object_get(root, "abi_extensions"), a,
                                       &d->abi_extensions, &d->abi_extension_count,
                                       "abi_extensions")))
        return rc;
    if ((rc = json_arr(root, "variants", &arr, &d->variant_count, ""))) return rc;
    ABI_ALLOC(a, d->variants, d->variant_count);
    for (uint32_t i = 0; i < d->variant_count; i++) {
        if ((rc = json_obj_at(arr, i, "variants", ctx, sizeof ctx, &o)) ||
            (rc = json_str(o, "name", a, &d->variants[i].name, ctx)) ||
            (rc = json_str_vec(o, "types", a, &d->variants[i].types, &d->variants[i].type_count,
                               ctx)))
            return rc;
    }
    if ((rc = json_arr(root, "action_results", &arr, &d->action_result_count, ""))) return rc;
    ABI_ALLOC(a, d->action_results, d->action_result_count);
    for (uint32_t i = 0; i < d->action_result_count; i++) {
        if ((rc = json_obj_at(arr, i, "action_results", ctx, sizeof ctx, &o)) ||
            (rc = json_name(o, "name", &d->action_results[i].name, ctx)) ||
            (rc = json_str(o, "result_type", a, &d->action_results[i].result_type, ctx)))
            return rc;
    }
    d->binary_extension_count = 2;
    return 0;
}

int cps_abi_from_json_value(const json_t *value, cps_abi **out)
{
    *out = NULL;
    cps_abi *abi = abi_new();
    if (!abi) return CPS_ERR_NOMEM;
    int rc = abi_def_from_json(value, &abi->arena, &abi->def);
    if (!rc) rc = compile(abi);
    if (rc) {
        cps_abi_free(abi);
        return rc;
    }
    *out = abi;
    return 0;
}

int cps_abi_from_json(const char *json, size_t len, cps_abi **out)
{
    *out = NULL;
    json_t *root;
    int rc = cps_abi_json_parse(json, len, &root);
    if (rc) return cps_fail_prefix(rc, "ABI");
    rc = cps_abi_from_json_value(root, out);
    json_decref(root);
    return rc;
}

/* Deep copy of a caller's definition into the ABI's arena, so the ABI owns all it refers to. */
static const char *dup_str(cps_arena *a, const char *s, int *rc)
{
    if (!s) s = "";
    const char *p = arena_strndup(a, s, strlen(s));
    if (!p) *rc = CPS_ERR_NOMEM;
    return p ? p : "";
}

static const char **dup_str_vec(cps_arena *a, const char *const *v, uint32_t n, int *rc)
{
    if (!n) return NULL;
    const char **p = cps_abi_arena_alloc(a, n * sizeof *p);
    if (!p) {
        *rc = CPS_ERR_NOMEM;
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++)
        p[i] = dup_str(a, v[i], rc);
    return p;
}

#define DUP_ARRAY(a, dst, src, n, rc)                                                              \
    do {                                                                                           \
        (dst) = (n) ? cps_abi_arena_alloc((a), (size_t)(n) * sizeof *(dst)) : NULL;                \
        if ((n) && !(dst))                                                                         \
            (rc) = CPS_ERR_NOMEM;                                                                  \
        else if (n)                                                                                \
            memcpy((dst), (src), (size_t)(n) * sizeof *(dst));                                     \
    } while (0)

int cps_abi_from_def(const cps_abi_def *src, cps_abi **out)
{
    *out = NULL;
    cps_abi *abi = abi_new();
    if (!abi) return CPS_ERR_NOMEM;
    cps_arena *a = &abi->arena;
    cps_abi_def *d = &abi->def;
    int rc = 0;
    *d = *src;
    d->version = dup_str(a, src->version, &rc);
    DUP_ARRAY(a, d->types, src->types, src->type_count, rc);
    for (uint32_t i = 0; !rc && i < d->type_count; i++) {
        d->types[i].new_type_name = dup_str(a, src->types[i].new_type_name, &rc);
        d->types[i].type = dup_str(a, src->types[i].type, &rc);
    }
    DUP_ARRAY(a, d->structs, src->structs, src->struct_count, rc);
    for (uint32_t i = 0; !rc && i < d->struct_count; i++) {
        cps_abi_struct *s = &d->structs[i];
        s->name = dup_str(a, src->structs[i].name, &rc);
        s->base = dup_str(a, src->structs[i].base, &rc);
        DUP_ARRAY(a, s->fields, src->structs[i].fields, s->field_count, rc);
        for (uint32_t k = 0; !rc && k < s->field_count; k++) {
            s->fields[k].name = dup_str(a, src->structs[i].fields[k].name, &rc);
            s->fields[k].type = dup_str(a, src->structs[i].fields[k].type, &rc);
        }
    }
    DUP_ARRAY(a, d->actions, src->actions, src->action_count, rc);
    for (uint32_t i = 0; !rc && i < d->action_count; i++) {
        d->actions[i].type = dup_str(a, src->actions[i].type, &rc);
        d->actions[i].ricardian_contract = dup_str(a, src->actions[i].ricardian_contract, &rc);
    }
    DUP_ARRAY(a, d->tables, src->tables, src->table_count, rc);
    for (uint32_t i = 0; !rc && i < d->table_count; i++) {
        cps_abi_table *t = &d->tables[i];
        t->index_type = dup_str(a, src->tables[i].index_type, &rc);
        t->key_names = dup_str_vec(a, src->tables[i].key_names, t->key_name_count, &rc);
        t->key_types = dup_str_vec(a, src->tables[i].key_types, t->key_type_count, &rc);
        t->type = dup_str(a, src->tables[i].type, &rc);
    }
    DUP_ARRAY(a, d->ricardian_clauses, src->ricardian_clauses, src->ricardian_clause_count, rc);
    for (uint32_t i = 0; !rc && i < d->ricardian_clause_count; i++) {
        d->ricardian_clauses[i].id = dup_str(a, src->ricardian_clauses[i].id, &rc);
        d->ricardian_clauses[i].body = dup_str(a, src->ricardian_clauses[i].body, &rc);
    }
    DUP_ARRAY(a, d->error_messages, src->error_messages, src->error_message_count, rc);
    for (uint32_t i = 0; !rc && i < d->error_message_count; i++)
        d->error_messages[i].error_msg = dup_str(a, src->error_messages[i].error_msg, &rc);
    DUP_ARRAY(a, d->abi_extensions, src->abi_extensions, src->abi_extension_count, rc);
    for (uint32_t i = 0; !rc && i < d->abi_extension_count; i++) {
        d->abi_extensions[i].data.data = cps_abi_arena_dup(a, src->abi_extensions[i].data.data,
                                                           src->abi_extensions[i].data.size);
        if (!d->abi_extensions[i].data.data) rc = CPS_ERR_NOMEM;
    }
    DUP_ARRAY(a, d->variants, src->variants, src->variant_count, rc);
    for (uint32_t i = 0; !rc && i < d->variant_count; i++) {
        d->variants[i].name = dup_str(a, src->variants[i].name, &rc);
        d->variants[i].types =
            dup_str_vec(a, src->variants[i].types, d->variants[i].type_count, &rc);
    }
    DUP_ARRAY(a, d->action_results, src->action_results, src->action_result_count, rc);
    for (uint32_t i = 0; !rc && i < d->action_result_count; i++)
        d->action_results[i].result_type = dup_str(a, src->action_results[i].result_type, &rc);
    if (d->binary_extension_count > 2) d->binary_extension_count = 2;
    if (!rc) rc = compile(abi);
    if (rc) {
        cps_abi_free(abi);
        return rc;
    }
    *out = abi;
    return 0;
}

/* The ABI as nodeos's get_abi prints it (field order of FC_REFLECT(abi_def)). */
static void json_key(cps_buf *b, bool *first, const char *key)
{
    if (!*first) cps_write_u8(b, ',');
    *first = false;
    cps_abi_json_string(b, key, strlen(key));
    cps_write_u8(b, ':');
}

static void json_kv_str(cps_buf *b, bool *first, const char *key, const char *value)
{
    json_key(b, first, key);
    cps_abi_json_string(b, value, strlen(value));
}

static void json_kv_name(cps_buf *b, bool *first, const char *key, cps_name n)
{
    char s[CPS_NAME_STR_MAX];
    size_t len = cps_abi_name_to_string(n, s);
    json_key(b, first, key);
    cps_abi_json_string(b, s, len);
}

static void json_str_array(cps_buf *b, const char *const *v, uint32_t n)
{
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < n; i++) {
        if (i) cps_write_u8(b, ',');
        cps_abi_json_string(b, v[i], strlen(v[i]));
    }
    cps_write_u8(b, ']');
}

int cps_abi__write_extensions_json(cps_buf *b, const cps_extension *e, uint32_t n)
{
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < n; i++) {
        cps_buf_printf(b, "%s[%u,\"", i ? "," : "", e[i].type);
        cps_hex_append(b, e[i].data.data, e[i].data.size);
        cps_write_bytes(b, "\"]", 2);
    }
    return cps_write_u8(b, ']');
}

int cps_abi_to_json(const cps_abi *abi, cps_buf *b)
{
    const cps_abi_def *d = &abi->def;
    bool first = true, f2;
    cps_write_u8(b, '{');
    json_kv_str(b, &first, "version", d->version);
    json_key(b, &first, "types");
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < d->type_count; i++) {
        cps_write_bytes(b, i ? ",{" : "{", i ? 2 : 1);
        f2 = true;
        json_kv_str(b, &f2, "new_type_name", d->types[i].new_type_name);
        json_kv_str(b, &f2, "type", d->types[i].type);
        cps_write_u8(b, '}');
    }
    cps_write_u8(b, ']');
    json_key(b, &first, "structs");
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < d->struct_count; i++) {
        const cps_abi_struct *s = &d->structs[i];
        cps_write_bytes(b, i ? ",{" : "{", i ? 2 : 1);
        f2 = true;
        json_kv_str(b, &f2, "name", s->name);
        json_kv_str(b, &f2, "base", s->base);
        json_key(b, &f2, "fields");
        cps_write_u8(b, '[');
        for (uint32_t k = 0; k < s->field_count; k++) {
            bool f3 = true;
            cps_write_bytes(b, k ? ",{" : "{", k ? 2 : 1);
            json_kv_str(b, &f3, "name", s->fields[k].name);
            json_kv_str(b, &f3, "type", s->fields[k].type);
            cps_write_u8(b, '}');
        }
        cps_write_bytes(b, "]}", 2);
    }
    cps_write_u8(b, ']');
    json_key(b, &first, "actions");
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < d->action_count; i++) {
        cps_write_bytes(b, i ? ",{" : "{", i ? 2 : 1);
        f2 = true;
        json_kv_name(b, &f2, "name", d->actions[i].name);
        json_kv_str(b, &f2, "type", d->actions[i].type);
        json_kv_str(b, &f2, "ricardian_contract", d->actions[i].ricardian_contract);
        cps_write_u8(b, '}');
    }
    cps_write_u8(b, ']');
    json_key(b, &first, "tables");
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < d->table_count; i++) {
        const cps_abi_table *t = &d->tables[i];
        cps_write_bytes(b, i ? ",{" : "{", i ? 2 : 1);
        f2 = true;
        json_kv_name(b, &f2, "name", t->name);
        json_kv_str(b, &f2, "index_type", t->index_type);
        json_key(b, &f2, "key_names");
        json_str_array(b, t->key_names, t->key_name_count);
        json_key(b, &f2, "key_types");
        json_str_array(b, t->key_types, t->key_type_count);
        json_kv_str(b, &f2, "type", t->type);
        cps_write_u8(b, '}');
    }
    cps_write_u8(b, ']');
    json_key(b, &first, "ricardian_clauses");
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < d->ricardian_clause_count; i++) {
        cps_write_bytes(b, i ? ",{" : "{", i ? 2 : 1);
        f2 = true;
        json_kv_str(b, &f2, "id", d->ricardian_clauses[i].id);
        json_kv_str(b, &f2, "body", d->ricardian_clauses[i].body);
        cps_write_u8(b, '}');
    }
    cps_write_u8(b, ']');
    json_key(b, &first, "error_messages");
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < d->error_message_count; i++) {
        cps_write_bytes(b, i ? ",{" : "{", i ? 2 : 1);
        f2 = true;
        json_key(b, &f2, "error_code");
        cps_abi__write_u64_json(b, d->error_messages[i].error_code);
        json_kv_str(b, &f2, "error_msg", d->error_messages[i].error_msg);
        cps_write_u8(b, '}');
    }
    cps_write_u8(b, ']');
    json_key(b, &first, "abi_extensions");
    cps_abi__write_extensions_json(b, d->abi_extensions, d->abi_extension_count);
    json_key(b, &first, "variants");
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < d->variant_count; i++) {
        cps_write_bytes(b, i ? ",{" : "{", i ? 2 : 1);
        f2 = true;
        json_kv_str(b, &f2, "name", d->variants[i].name);
        json_key(b, &f2, "types");
        json_str_array(b, d->variants[i].types, d->variants[i].type_count);
        cps_write_u8(b, '}');
    }
    cps_write_u8(b, ']');
    json_key(b, &first, "action_results");
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < d->action_result_count; i++) {
        cps_write_bytes(b, i ? ",{" : "{", i ? 2 : 1);
        f2 = true;
        json_kv_name(b, &f2, "name", d->action_results[i].name);
        json_kv_str(b, &f2, "result_type", d->action_results[i].result_type);
        cps_write_u8(b, '}');
    }
    cps_write_u8(b, ']');
    return cps_write_u8(b, '}');
}
