/* api (chain endpoints): the read-only queries served on the HTTP threads from a read-only view
 * of the last committed block — contract tables (get_table_rows with every index and key type,
 * get_table_by_scope, currency balance and stats), ABIs and code, ABI conversions. */
#include "api/chain_api_internal.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* A view plus the request's ABI, released together by every handler. */
typedef struct read_ctx {
    cps_chain_api *api;
    cps_state_view *view;
    cps_abi *abi;
    cps_state_db *db;
    uint64_t t0;
} read_ctx;

static bool ctx_open(read_ctx *c, cps_api_request *req, cps_chain_api *api)
{
    memset(c, 0, sizeof *c);
    c->api = api;
    c->t0 = cps_time_mono_ns();
    int rc = cps_state_view_open(api->st, &c->view);
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        return false;
    }
    return true;
}

static void ctx_close(read_ctx *c)
{
    if (c->db) cps_state_db_destroy(c->db);
    if (c->abi) cps_abi_free(c->abi);
    if (c->view) cps_state_view_close(c->view);
    cps_api_metric_observe(c->api->api_latency, (double)(cps_time_mono_ns() - c->t0) / 1e9);
}

/* Loads `code`'s ABI into c->abi; answers and returns false when there is no account or ABI. */
static bool ctx_abi(read_ctx *c, cps_api_request *req, cps_name code, bool required)
{
    int rc = chain_api_view_load_abi(c->api, c->view, code, &c->abi);
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        return false;
    }
    if (!c->abi && required) {
        char n[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(code, n);
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_ABI_NOT_FOUND, "No ABI found for %s", n);
        return false;
    }
    return true;
}

static json_t *base64_json(const uint8_t *data, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    if (!s) return NULL;
    sodium_bin2base64(s, cap, data, n, sodium_base64_VARIANT_ORIGINAL);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* ------------------------------------------------------------------------------------------
 * Keys of get_table_rows. nodeos's convert_to_type<uint64_t>: a decimal number, else a name,
 * else a symbol ("4,SYS") or a symbol code ("SYS").
 * ------------------------------------------------------------------------------------------ */
static int parse_u64_key(const char *s, uint64_t *out)
{
    size_t len = strlen(s);
    if (len && len <= 20 && strspn(s, "0123456789") == len) {
        errno = 0;
        unsigned long long v = strtoull(s, NULL, 10);
        if (!errno) {
            *out = v;
            return 0;
        }
    }
    if (cps_abi_name_from_string(s, len, out) == 0) return 0;
    cps_symbol sym;
    if (strchr(s, ',') && cps_abi_symbol_from_string(s, len, &sym) == 0) {
        *out = sym;
        return 0;
    }
    cps_symbol_code code;
    if (cps_abi_symbol_code_from_string(s, len, &code) == 0) {
        *out = code;
        return 0;
    }
    return cps_fail(CPS_ERR_INVALID_ARG,
                    "Could not convert '%s' to any of the following: uint64_t, valid name, or "
                    "valid symbol (with or without the precision)",
                    s);
}

enum key_kind { KEY_I64, KEY_NAME, KEY_I128, KEY_I256, KEY_SHA256, KEY_RIPEMD160, KEY_F64, KEY_F128 };

static int parse_key_type(const char *s, enum key_kind *k, enum cps_state_index *idx)
{
    static const struct {
        const char *name;
        enum key_kind kind;
        enum cps_state_index idx;
    } types[] = {
        {"i64", KEY_I64, CPS_STATE_IDX64},         {"name", KEY_NAME, CPS_STATE_IDX64},
        {"i128", KEY_I128, CPS_STATE_IDX128},      {"i256", KEY_I256, CPS_STATE_IDX256},
        {"sha256", KEY_SHA256, CPS_STATE_IDX256},  {"ripemd160", KEY_RIPEMD160, CPS_STATE_IDX256},
        {"float64", KEY_F64, CPS_STATE_IDX_DOUBLE}, {"float128", KEY_F128, CPS_STATE_IDX_LONG_DOUBLE},
    };
    if (!*s) s = "i64";
    for (size_t i = 0; i < CPS_ARRAY_LEN(types); i++)
        if (!strcmp(s, types[i].name)) {
            *k = types[i].kind;
            *idx = types[i].idx;
            return 0;
        }
    return cps_fail(CPS_ERR_INVALID_ARG, "Unsupported secondary index type: %s", s);
}

/* 256-bit keys: EOSIO stores key256 as two uint128 words in memory order; a checksum or a hex
 * number (big-endian text) becomes word 0 = its first 16 bytes, word 1 = its last 16, each
 * little-endian in memory (nodeos's fixed_bytes conversion). */
static void be32_to_key256(const uint8_t be[32], uint8_t mem[32])
{
    for (int i = 0; i < 16; i++) {
        mem[i] = be[15 - i];
        mem[16 + i] = be[31 - i];
    }
}

static int parse_key256(const char *s, enum key_kind kind, bool dec, uint8_t mem[32])
{
    uint8_t be[32] = {0};
    size_t len = strlen(s);
    if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2)) {
        s += 2;
        len -= 2;
        dec = false;
    }
    if (dec && kind == KEY_I256) {
        if (!len || strspn(s, "0123456789") != len)
            return cps_fail(CPS_ERR_INVALID_ARG, "'%s' is not a decimal number", s);
        for (size_t i = 0; i < len; i++) {
            unsigned carry = (unsigned)(s[i] - '0');
            for (int j = 31; j >= 0; j--) {
                unsigned v = be[j] * 10u + carry;
                be[j] = (uint8_t)v;
                carry = v >> 8;
            }
            if (carry) return cps_fail(CPS_ERR_OVERFLOW, "'%s' does not fit in 256 bits", s);
        }
    } else {
        size_t width = kind == KEY_RIPEMD160 ? 20 : 32;
        if (kind == KEY_I256 && len < 64) {
            /* A shorter hex number is right-aligned. */
            char padded[65];
            if (len == 0) return cps_fail(CPS_ERR_INVALID_ARG, "empty hex key");
            memset(padded, '0', 64 - len);
            memcpy(padded + 64 - len, s, len);
            padded[64] = 0;
            size_t n;
            return cps_hex_decode(be, 32, &n, padded, 64) ? CPS_ERR_INVALID_ARG
                                                           : (be32_to_key256(be, mem), 0);
        }
        size_t n;
        if (len != width * 2)
            return cps_fail(CPS_ERR_INVALID_ARG, "expected %zu hex digits, got %zu", width * 2, len);
        if (cps_hex_decode(be, 32, &n, s, len)) return CPS_ERR_INVALID_ARG;
    }
    be32_to_key256(be, mem);
    return 0;
}

/* float128 from a double: the same value, widened (exact). */
static void f64_to_f128(double d, uint8_t out[16])
{
    uint64_t bits;
    memcpy(&bits, &d, 8);
    uint64_t sign = bits >> 63, exp = (bits >> 52) & 0x7ff, man = bits & ((UINT64_C(1) << 52) - 1);
    uint64_t hi, lo;
    if (exp == 0 && man == 0) {
        hi = 0;
        lo = 0;
    } else if (exp == 0x7ff) {
        hi = (UINT64_C(0x7fff) << 48) | (man >> 4);
        lo = man << 60;
    } else {
        int64_t e = (int64_t)exp;
        if (exp == 0) { /* subnormal: normalise */
            e = 1;
            while (!(man & (UINT64_C(1) << 52))) {
                man <<= 1;
                e--;
            }
            man &= (UINT64_C(1) << 52) - 1;
        }
        uint64_t e128 = (uint64_t)(e - 1023 + 16383);
        hi = (e128 << 48) | (man >> 4);
        lo = man << 60;
    }
    hi |= sign << 63;
    cps_store_u64(out, lo);
    cps_store_u64(out + 8, hi);
}

/* Parses a bound into the secondary key's EOSIO memory layout. */
static int parse_secondary(const char *s, enum key_kind kind, bool dec, uint8_t *out)
{
    uint64_t u;
    cps_uint128 v128;
    char *end;
    double d;
    switch (kind) {
    case KEY_I64:
        if (parse_u64_key(s, &u)) return CPS_ERR_INVALID_ARG;
        cps_store_u64(out, u);
        return 0;
    case KEY_NAME:
        if (cps_abi_name_from_string(s, strlen(s), &u)) return CPS_ERR_INVALID_ARG;
        cps_store_u64(out, u);
        return 0;
    case KEY_I128:
        if (!strncmp(s, "0x", 2)) {
            uint8_t be[16];
            size_t n, len = strlen(s + 2);
            char padded[33];
            if (!len || len > 32) return cps_fail(CPS_ERR_INVALID_ARG, "bad i128 hex '%s'", s);
            memset(padded, '0', 32 - len);
            memcpy(padded + 32 - len, s + 2, len);
            if (cps_hex_decode(be, 16, &n, padded, 32)) return CPS_ERR_INVALID_ARG;
            for (int i = 0; i < 16; i++) out[i] = be[15 - i];
            return 0;
        }
        if (cps_abi_uint128_from_string(s, strlen(s), &v128)) return CPS_ERR_INVALID_ARG;
        for (int i = 0; i < 16; i++) out[i] = (uint8_t)(v128 >> (8 * i));
        return 0;
    case KEY_I256:
    case KEY_SHA256:
    case KEY_RIPEMD160:
        return parse_key256(s, kind, dec, out);
    case KEY_F64:
    case KEY_F128:
        errno = 0;
        d = strtod(s, &end);
        if (!*s || *end || errno || isnan(d))
            return cps_fail(CPS_ERR_INVALID_ARG, "'%s' is not a floating-point number", s);
        if (kind == KEY_F64) memcpy(out, &d, 8);
        else f64_to_f128(d, out);
        return 0;
    }
    return cps_fail(CPS_ERR_INVALID_ARG, "key type");
}

/* The next_key text of a secondary key (as nodeos prints it for the key type). */
static json_t *secondary_text(enum key_kind kind, const uint8_t *mem)
{
    char s[80];
    switch (kind) {
    case KEY_I64:
        snprintf(s, sizeof s, "%llu", (unsigned long long)cps_load_u64(mem));
        return json_string(s);
    case KEY_NAME:
        return chain_api_json_name(cps_load_u64(mem));
    case KEY_I128: {
        cps_uint128 v = 0;
        for (int i = 15; i >= 0; i--) v = (v << 8) | mem[i];
        s[0] = '0';
        s[1] = 'x';
        uint8_t be[16];
        for (int i = 0; i < 16; i++) be[i] = mem[15 - i];
        cps_hex_encode(s + 2, be, 16);
        return json_string(s);
    }
    case KEY_I256:
    case KEY_SHA256:
    case KEY_RIPEMD160: {
        uint8_t be[32];
        for (int i = 0; i < 16; i++) {
            be[15 - i] = mem[i];
            be[31 - i] = mem[16 + i];
        }
        cps_hex_encode(s, be, kind == KEY_RIPEMD160 ? 20 : 32);
        return json_string(s);
    }
    case KEY_F64: {
        double d;
        memcpy(&d, mem, 8);
        cps_buf b = {0};
        cps_abi_float64_format(&b, d);
        json_t *j = json_string(cps_buf_cstr(&b));
        cps_buf_free(&b);
        return j;
    }
    case KEY_F128:
        return chain_api_json_hex(mem, 16);
    }
    return json_null();
}

/* nodeos's get_table_index_name: index_position names the index (primary = 1). */
static int index_position(const char *p, bool *primary, uint64_t *pos)
{
    static const char *const words[][2] = {{"sec", "two"}, {"ter", "th"}, {"fou", NULL},
                                           {"fi", NULL},   {"six", NULL}, {"sev", NULL},
                                           {"eig", NULL},  {"nin", NULL}, {"ten", NULL}};
    *primary = false;
    *pos = 0;
    if (!*p || !strcmp(p, "first") || !strcmp(p, "primary") || !strcmp(p, "one")) {
        *primary = true;
        return 0;
    }
    for (size_t i = 0; i < CPS_ARRAY_LEN(words); i++) {
        bool match = !strncmp(p, words[i][0], strlen(words[i][0]));
        if (words[i][1] && (i == 0 ? !strcmp(p, words[i][1])
                                   : !strncmp(p, words[i][1], strlen(words[i][1]))))
            match = true;
        if (match) {
            *pos = i;
            return 0;
        }
    }
    size_t len = strlen(p);
    if (len && len < 20 && strspn(p, "0123456789") == len) {
        uint64_t v = strtoull(p, NULL, 10);
        if (v < 2) *primary = true;
        else *pos = v - 2;
        if (*pos > 15) return cps_fail(CPS_ERR_INVALID_ARG, "Invalid index_position: %s", p);
        return 0;
    }
    return cps_fail(CPS_ERR_INVALID_ARG, "Invalid index_position: %s", p);
}

static bool over_time(cps_api_request *req)
{
    return cps_time_mono_ns() > cps_api_request_deadline_ns(req) ||
           cps_api_request_abandoned(req);
}

/* One row as get_table_rows prints it: decoded or hex, with the payer when asked. */
static int row_json(read_ctx *c, cps_name table, bool as_json, bool show_payer, cps_bytes row,
                    uint64_t payer, json_t **out)
{
    json_t *data;
    if (as_json) {
        int rc = cps_abi_bin_to_json_value(c->abi, cps_abi_table_type(c->abi, table), row.data,
                                           row.size, &data);
        if (rc) return rc;
    } else {
        data = chain_api_json_hex(row.data, row.size);
    }
    if (show_payer) data = json_pack("{s:o,s:o}", "data", data, "payer", chain_api_json_name(payer));
    *out = data;
    return data ? 0 : cps_fail(CPS_ERR_NOMEM, "row");
}

static void be64(uint8_t *out, uint64_t v)
{
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (56 - 8 * i));
}
static uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

/* A walk over one contract table's rows in key order, straight on the state's internal tables
 * (state.h documents their layouts for the HTTP API): `_c.i64` for the primary index,
 * `_c.<idx>` (t_id | ordered secondary | primary) for a secondary one. */
typedef struct walk {
    read_ctx *c;
    cps_state_table t;
    uint8_t prefix[8]; /* t_id, big-endian */
    uint8_t last[8 + 32 + 8];
    size_t key_len;
    bool reverse, started, done;
} walk;

/* Positions on the first row >= from (forward) or <= from (reverse); `from` is the key after
 * the t_id prefix (NULL: the table's first or last row). Then each call to walk_next returns
 * the next row's key suffix and value, or false at the end of the table. */
static bool walk_next(walk *w, const uint8_t *from, size_t from_len, cps_bytes *ksuffix,
                      cps_bytes *val)
{
    if (w->done) return false;
    uint8_t key[8 + 32 + 8];
    size_t klen;
    enum cps_state_seek mode;
    if (!w->started) {
        memcpy(key, w->prefix, 8);
        if (from) {
            memcpy(key + 8, from, from_len);
            klen = 8 + from_len;
            mode = w->reverse ? CPS_STATE_LE : CPS_STATE_GE;
        } else if (!w->reverse) {
            klen = 8;
            mode = CPS_STATE_GE;
        } else {
            /* Just past the prefix: every key of this table is smaller. */
            uint64_t next = load_be64(w->prefix) + 1;
            be64(key, next);
            klen = 8;
            mode = CPS_STATE_LT;
            if (next == 0) { /* t_id UINT64_MAX: no larger prefix */
                memset(key + 8, 0xff, w->key_len - 8);
                klen = w->key_len;
                mode = CPS_STATE_LE;
            }
        }
        w->started = true;
    } else {
        memcpy(key, w->last, w->key_len);
        klen = w->key_len;
        mode = w->reverse ? CPS_STATE_LT : CPS_STATE_GT;
    }
    cps_bytes k;
    if (cps_state_seek(w->c->view, w->t, mode, key, klen, &k, val) != 0 || k.size != w->key_len ||
        memcmp(k.data, w->prefix, 8) != 0) {
        w->done = true;
        return false;
    }
    memcpy(w->last, k.data, k.size);
    ksuffix->data = w->last + 8;
    ksuffix->size = k.size - 8;
    return true;
}

static const char *const IDX_TABLE[CPS_STATE_INDEX_COUNT] = {"_c.idx64", "_c.idx128", "_c.idx256",
                                                             "_c.idxdbl", "_c.idxldbl"};

void chain_api_get_table_rows(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name code, table;
    char scope_s[80], lb[160], ub[160], key_type[16], idx_pos[16], encode[8];
    bool as_json, reverse, show_payer;
    uint64_t limit;
    if (!chain_api_param_name(req, "code", true, &code) ||
        !chain_api_param_name(req, "table", true, &table) ||
        !chain_api_param_text(req, "scope", scope_s, sizeof scope_s) ||
        !chain_api_param_text(req, "lower_bound", lb, sizeof lb) ||
        !chain_api_param_text(req, "upper_bound", ub, sizeof ub) ||
        !chain_api_param_text(req, "key_type", key_type, sizeof key_type) ||
        !chain_api_param_text(req, "index_position", idx_pos, sizeof idx_pos) ||
        !chain_api_param_text(req, "encode_type", encode, sizeof encode) ||
        !chain_api_param_bool(req, "json", false, &as_json) ||
        !chain_api_param_bool(req, "reverse", false, &reverse) ||
        !chain_api_param_bool(req, "show_payer", false, &show_payer) ||
        !chain_api_param_u64(req, "limit", 10, &limit))
        return;
    uint64_t scope = 0;
    bool primary;
    uint64_t pos;
    enum key_kind kind = KEY_I64;
    enum cps_state_index idx = CPS_STATE_IDX64;
    bool dec = !strcmp(encode, "dec");
    if (scope_s[0] && parse_u64_key(scope_s, &scope)) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_CONTRACT_TABLE_QUERY, "scope: %s",
                                  cps_last_error());
        return;
    }
    if ((table & 0xf) != 0) {
        char t[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(table, t);
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_CONTRACT_TABLE_QUERY,
                                  "Unsupported table name: %s", t);
        return;
    }
    if (index_position(idx_pos, &primary, &pos) || parse_key_type(key_type, &kind, &idx)) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_CONTRACT_TABLE_QUERY, "%s", cps_last_error());
        return;
    }
    if (encode[0] && !dec && strcmp(encode, "hex") && strcmp(encode, "bytes")) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_CONTRACT_TABLE_QUERY,
                                  "Unsupported encode_type: %s", encode);
        return;
    }
    if (primary && kind != KEY_I64 && kind != KEY_NAME) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_CONTRACT_TABLE_QUERY,
                                  "the primary index takes key_type i64 or name, not %s", key_type);
        return;
    }
    read_ctx c;
    if (!ctx_open(&c, req, api)) return;
    json_t *rows = NULL, *next_key = NULL;
    if (!ctx_abi(&c, req, code, true)) goto done;
    if (!cps_abi_table_type(c.abi, table)) {
        char t[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(table, t);
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_CONTRACT_TABLE_QUERY,
                                  "Table %s is not specified in the ABI", t);
        goto done;
    }
    rows = json_array();
    bool more = false;
    uint64_t count = 0;
    int rc = 0;
    cps_state_table_info ti;
    cps_state_table t_i64;
    bool have_table = cps_state_contract_table(c.view, code, scope, table, &ti) == 0;
    if ((rc = cps_state_table_find(api->st, "_c.i64", &t_i64))) goto fail;
    if (primary) {
        uint64_t lo = 0, hi = UINT64_MAX;
        if ((lb[0] && parse_u64_key(lb, &lo)) || (ub[0] && parse_u64_key(ub, &hi))) {
            rc = CPS_ERR_INVALID_ARG;
            goto fail;
        }
        if (!have_table) goto answer;
        walk w = {&c, t_i64, {0}, {0}, 16, reverse, false, false};
        be64(w.prefix, ti.id);
        uint8_t from[8];
        be64(from, reverse ? hi : lo);
        cps_bytes ks, val;
        while (walk_next(&w, from, 8, &ks, &val)) {
            uint64_t pk = load_be64(ks.data);
            if ((!reverse && pk > hi) || (reverse && pk < lo)) break;
            if (val.size < 8) {
                rc = cps_fail(CPS_ERR_DB_CORRUPT, "contract row without payer");
                goto fail;
            }
            if (count >= limit || over_time(req)) {
                more = true;
                if (kind == KEY_NAME) next_key = chain_api_json_name(pk);
                else {
                    char s[24];
                    snprintf(s, sizeof s, "%llu", (unsigned long long)pk);
                    next_key = json_string(s);
                }
                break;
            }
            json_t *j;
            cps_bytes row = {val.data + 8, val.size - 8};
            if ((rc = row_json(&c, table, as_json, show_payer, row, cps_load_u64(val.data), &j)))
                goto fail;
            json_array_append_new(rows, j);
            count++;
        }
    } else {
        size_t ksz = cps_state_index_key_size(idx);
        uint8_t lo[32] = {0}, hi[32] = {0}, lo_ord[32], hi_ord[32];
        bool have_lo = lb[0], have_hi = ub[0];
        if ((have_lo && parse_secondary(lb, kind, dec, lo)) ||
            (have_hi && parse_secondary(ub, kind, dec, hi)) ||
            (have_lo && cps_state_index_encode(idx, lo, lo_ord)) ||
            (have_hi && cps_state_index_encode(idx, hi, hi_ord))) {
            rc = CPS_ERR_INVALID_ARG;
            goto fail;
        }
        uint64_t index_table = (table & UINT64_C(0xFFFFFFFFFFFFFFF0)) | (pos & 0xf);
        cps_state_table_info xi;
        cps_state_table t_idx;
        if ((rc = cps_state_table_find(api->st, IDX_TABLE[idx], &t_idx))) goto fail;
        if (!have_table || cps_state_contract_table(c.view, code, scope, index_table, &xi))
            goto answer;
        walk w = {&c, t_idx, {0}, {0}, 8 + ksz + 8, reverse, false, false};
        be64(w.prefix, xi.id);
        uint8_t from[40];
        const uint8_t *fromp = NULL;
        size_t from_len = 0;
        if (!reverse && have_lo) {
            memcpy(from, lo_ord, ksz);
            memset(from + ksz, 0, 8);
            fromp = from;
            from_len = ksz + 8;
        } else if (reverse && have_hi) {
            memcpy(from, hi_ord, ksz);
            memset(from + ksz, 0xff, 8);
            fromp = from;
            from_len = ksz + 8;
        }
        cps_bytes ks, val;
        while (walk_next(&w, fromp, from_len, &ks, &val)) {
            if (!reverse && have_hi && memcmp(ks.data, hi_ord, ksz) > 0) break;
            if (reverse && have_lo && memcmp(ks.data, lo_ord, ksz) < 0) break;
            if (val.size != ksz) {
                rc = cps_fail(CPS_ERR_DB_CORRUPT, "secondary row of %zu bytes", val.size);
                goto fail;
            }
            if (count >= limit || over_time(req)) {
                more = true;
                next_key = secondary_text(kind, val.data);
                break;
            }
            uint64_t pk = load_be64(ks.data + ksz);
            uint8_t pkey[16];
            be64(pkey, ti.id);
            be64(pkey + 8, pk);
            cps_bytes prow;
            if ((rc = cps_state_get(c.view, t_i64, pkey, 16, &prow)) || prow.size < 8) {
                rc = cps_fail(CPS_ERR_DB_CORRUPT, "secondary row without its primary row");
                goto fail;
            }
            json_t *j;
            cps_bytes row = {prow.data + 8, prow.size - 8};
            if ((rc = row_json(&c, table, as_json, show_payer, row, cps_load_u64(prow.data), &j)))
                goto fail;
            json_array_append_new(rows, j);
            count++;
        }
    }
answer:
    cps_api_respond_json(req, 200,
                         json_pack("{s:o,s:b,s:o}", "rows", rows, "more", more, "next_key",
                                   next_key ? next_key : json_string("")));
    rows = NULL;
    goto done;
fail:
    CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_CONTRACT_TABLE_QUERY, "%s",
                              cps_last_error()[0] ? cps_last_error() : cps_strerror(rc));
    json_decref(next_key);
done:
    json_decref(rows);
    ctx_close(&c);
}

/* ------------------------------------------------------------------------------------------
 * get_table_by_scope: the (code, scope, table) entries of _c.tables.
 * ------------------------------------------------------------------------------------------ */
void chain_api_get_table_by_scope(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name code, table = 0;
    char lb[80], ub[80];
    bool reverse;
    uint64_t limit;
    if (!chain_api_param_name(req, "code", true, &code) ||
        !chain_api_param_name(req, "table", false, &table) ||
        !chain_api_param_text(req, "lower_bound", lb, sizeof lb) ||
        !chain_api_param_text(req, "upper_bound", ub, sizeof ub) ||
        !chain_api_param_bool(req, "reverse", false, &reverse) ||
        !chain_api_param_u64(req, "limit", 10, &limit))
        return;
    uint64_t lo = 0, hi = UINT64_MAX;
    if ((lb[0] && parse_u64_key(lb, &lo)) || (ub[0] && parse_u64_key(ub, &hi))) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_CONTRACT_TABLE_QUERY, "%s", cps_last_error());
        return;
    }
    read_ctx c;
    if (!ctx_open(&c, req, api)) return;
    cps_state_table t;
    int rc = cps_state_table_find(api->st, "_c.tables", &t);
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        ctx_close(&c);
        return;
    }
    json_t *rows = json_array();
    const char *more = "";
    char more_buf[24];
    uint8_t key[24];
    be64(key, code);
    be64(key + 8, reverse ? hi : lo);
    be64(key + 16, reverse ? UINT64_MAX : 0);
    enum cps_state_seek mode = reverse ? CPS_STATE_LE : CPS_STATE_GE;
    uint64_t count = 0;
    cps_bytes k, v;
    while (cps_state_seek(c.view, t, mode, key, 24, &k, &v) == 0 && k.size == 24) {
        if (load_be64(k.data) != code) break;
        uint64_t scope = load_be64(k.data + 8), tbl = load_be64(k.data + 16);
        if ((!reverse && scope > hi) || (reverse && scope < lo)) break;
        memcpy(key, k.data, 24);
        mode = reverse ? CPS_STATE_LT : CPS_STATE_GT;
        if (table && tbl != table) continue;
        if (count >= limit || over_time(req)) {
            snprintf(more_buf, sizeof more_buf, "%llu", (unsigned long long)scope);
            /* nodeos prints the scope as a name when it is one. */
            char n[CPS_NAME_STR_MAX];
            cps_abi_name_to_string(scope, n);
            more = n[0] ? n : more_buf;
            snprintf(more_buf, sizeof more_buf, "%s", more);
            more = more_buf;
            break;
        }
        if (v.size < 20) break;
        json_array_append_new(rows, json_pack("{s:o,s:o,s:o,s:o,s:I}", "code",
                                              chain_api_json_name(code), "scope",
                                              chain_api_json_name(scope), "table",
                                              chain_api_json_name(tbl), "payer",
                                              chain_api_json_name(cps_load_u64(v.data + 8)),
                                              "count", (json_int_t)cps_load_u32(v.data + 16)));
        count++;
    }
    cps_api_respond_json(req, 200, json_pack("{s:o,s:s}", "rows", rows, "more", more));
    ctx_close(&c);
}

/* ------------------------------------------------------------------------------------------
 * Currency balance and stats: eosio.token's `accounts` (scope = owner, key = symbol code; row
 * starts with the balance asset) and `stat` (scope = symbol code; supply, max_supply, issuer).
 * ------------------------------------------------------------------------------------------ */
static bool has_table(read_ctx *c, cps_api_request *req, cps_name code, const char *table)
{
    if (!ctx_abi(c, req, code, true)) return false;
    if (!cps_abi_table_type(c->abi, cps_abi_name(table))) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_CONTRACT_TABLE_QUERY,
                                  "Table %s is not specified in the ABI", table);
        return false;
    }
    return true;
}

static json_t *asset_json(const uint8_t *p)
{
    cps_asset a;
    a.amount = (int64_t)cps_load_u64(p);
    a.symbol = cps_load_u64(p + 8);
    char s[CPS_ASSET_STR_MAX];
    if (cps_abi_asset_to_string(&a, s)) return NULL;
    return json_string(s);
}

void chain_api_get_currency_balance(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name code, account;
    char sym[16];
    if (!chain_api_param_name(req, "code", true, &code) ||
        !chain_api_param_name(req, "account", true, &account) ||
        !chain_api_param_text(req, "symbol", sym, sizeof sym))
        return;
    cps_symbol_code want = 0;
    if (sym[0]) {
        for (char *p = sym; *p; p++)
            if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
        if (cps_abi_symbol_code_from_string(sym, strlen(sym), &want)) {
            CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_SYMBOL_TYPE, "%s", cps_last_error());
            return;
        }
    }
    read_ctx c;
    if (!ctx_open(&c, req, api)) return;
    if (!has_table(&c, req, code, "accounts")) goto done;
    json_t *out = json_array();
    cps_state_table_info ti;
    cps_state_table t;
    if (cps_state_contract_table(c.view, code, account, cps_abi_name("accounts"), &ti) == 0 &&
        cps_state_table_find(api->st, "_c.i64", &t) == 0) {
        walk w = {&c, t, {0}, {0}, 16, false, false, false};
        be64(w.prefix, ti.id);
        cps_bytes ks, val;
        while (walk_next(&w, NULL, 0, &ks, &val)) {
            if (val.size < 8 + 16) continue;
            uint64_t symbol = cps_load_u64(val.data + 16);
            if (want && (symbol >> 8) != want) continue;
            json_t *a = asset_json(val.data + 8);
            if (a) json_array_append_new(out, a);
        }
    }
    cps_api_respond_json(req, 200, out);
done:
    ctx_close(&c);
}

void chain_api_get_currency_stats(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name code;
    char sym[16];
    if (!chain_api_param_name(req, "code", true, &code) ||
        !chain_api_param_text(req, "symbol", sym, sizeof sym))
        return;
    for (char *p = sym; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    cps_symbol_code sc;
    if (cps_abi_symbol_code_from_string(sym, strlen(sym), &sc)) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_SYMBOL_TYPE, "%s", cps_last_error());
        return;
    }
    read_ctx c;
    if (!ctx_open(&c, req, api)) return;
    if (!has_table(&c, req, code, "stat")) goto done;
    json_t *out = json_object();
    cps_state_table_info ti;
    cps_state_table t;
    if (cps_state_contract_table(c.view, code, sc, cps_abi_name("stat"), &ti) == 0 &&
        cps_state_table_find(api->st, "_c.i64", &t) == 0) {
        uint8_t key[16];
        be64(key, ti.id);
        be64(key + 8, sc);
        cps_bytes val;
        if (cps_state_get(c.view, t, key, 16, &val) == 0 && val.size >= 8 + 40) {
            json_t *st = json_pack("{s:o,s:o,s:o}", "supply", asset_json(val.data + 8),
                                   "max_supply", asset_json(val.data + 24), "issuer",
                                   chain_api_json_name(cps_load_u64(val.data + 40)));
            if (st) json_object_set_new(out, sym, st);
        }
    }
    cps_api_respond_json(req, 200, out);
done:
    ctx_close(&c);
}

/* ------------------------------------------------------------------------------------------
 * ABIs and code.
 * ------------------------------------------------------------------------------------------ */
void chain_api_get_abi(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name account;
    if (!chain_api_param_name(req, "account_name", true, &account)) return;
    read_ctx c;
    if (!ctx_open(&c, req, api)) return;
    if (!ctx_abi(&c, req, account, false)) goto done;
    json_t *out = json_pack("{s:o}", "account_name", chain_api_json_name(account));
    if (c.abi) {
        cps_buf b = {0};
        cps_abi_to_json(c.abi, &b);
        json_t *j = chain_api_json_from_buf(&b);
        cps_buf_free(&b);
        if (j) json_object_set_new(out, "abi", j);
    }
    cps_api_respond_json(req, 200, out);
done:
    ctx_close(&c);
}

void chain_api_get_raw_abi(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name account;
    char have_hash[80];
    if (!chain_api_param_name(req, "account_name", true, &account) ||
        !chain_api_param_text(req, "abi_hash", have_hash, sizeof have_hash))
        return;
    read_ctx c;
    if (!ctx_open(&c, req, api)) return;
    cps_buf abi = {0};
    cps_checksum256 code_hash, abi_hash;
    int rc = chain_api_view_code_hash(api, c.view, account, &code_hash, NULL, NULL);
    if (!rc) rc = cps_chain_api_view_abi(api->st, c.view, account, &abi);
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
    } else {
        cps_sha256(abi.data, abi.size, abi_hash.b);
        json_t *out = json_pack("{s:o,s:o,s:o}", "account_name", chain_api_json_name(account),
                                "code_hash", chain_api_json_checksum(&code_hash), "abi_hash",
                                chain_api_json_checksum(&abi_hash));
        char hex[65];
        cps_hex_encode(hex, abi_hash.b, 32);
        if (strcmp(hex, have_hash) != 0)
            json_object_set_new(out, "abi", base64_json(abi.data, abi.size));
        cps_api_respond_json(req, 200, out);
    }
    cps_buf_free(&abi);
    ctx_close(&c);
}

/* The wasm of a code hash from chain.code (refcount u32 | wasm); empty for the zero hash. */
static int view_code(cps_chain_api *api, cps_state_view *v, const cps_checksum256 *hash,
                     cps_bytes *wasm)
{
    static const cps_checksum256 zero;
    wasm->data = NULL;
    wasm->size = 0;
    if (!memcmp(hash->b, zero.b, 32)) return 0;
    cps_state_table t;
    int rc = cps_state_table_find(api->st, "chain.code", &t);
    cps_bytes val;
    if (!rc) rc = cps_state_get(v, t, hash->b, 32, &val);
    if (rc) return rc;
    if (val.size < 4) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.code record");
    wasm->data = val.data + 4;
    wasm->size = val.size - 4;
    return 0;
}

void chain_api_get_code_hash(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name account;
    if (!chain_api_param_name(req, "account_name", true, &account)) return;
    read_ctx c;
    if (!ctx_open(&c, req, api)) return;
    cps_checksum256 h;
    int rc = chain_api_view_code_hash(api, c.view, account, &h, NULL, NULL);
    if (rc) CPS_API_RESPOND_ERROR(req, rc, NULL);
    else
        cps_api_respond_json(req, 200,
                             json_pack("{s:o,s:o}", "account_name", chain_api_json_name(account),
                                       "code_hash", chain_api_json_checksum(&h)));
    ctx_close(&c);
}

void chain_api_get_code(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name account;
    bool as_wasm;
    if (!chain_api_param_name(req, "account_name", true, &account) ||
        !chain_api_param_bool(req, "code_as_wasm", true, &as_wasm))
        return;
    if (!as_wasm) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_UNSUPPORTED_FEATURE,
                                  "Returning WAST from get_code is no longer supported");
        return;
    }
    read_ctx c;
    if (!ctx_open(&c, req, api)) return;
    cps_checksum256 h;
    cps_bytes wasm;
    int rc = chain_api_view_code_hash(api, c.view, account, &h, NULL, NULL);
    if (!rc) rc = view_code(api, c.view, &h, &wasm);
    if (!rc && !ctx_abi(&c, req, account, false)) goto done;
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        goto done;
    }
    /* nodeos returns the wasm bytes as a string (fc converts them as characters): hex keeps
     * the body valid JSON and is what cleos's get code writes out. */
    json_t *out = json_pack("{s:o,s:o,s:s,s:o}", "account_name", chain_api_json_name(account),
                            "code_hash", chain_api_json_checksum(&h), "wast", "", "wasm",
                            chain_api_json_hex(wasm.data, wasm.size));
    if (c.abi) {
        cps_buf b = {0};
        cps_abi_to_json(c.abi, &b);
        json_t *j = chain_api_json_from_buf(&b);
        cps_buf_free(&b);
        if (j) json_object_set_new(out, "abi", j);
    }
    cps_api_respond_json(req, 200, out);
done:
    ctx_close(&c);
}

void chain_api_get_raw_code_and_abi(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name account;
    if (!chain_api_param_name(req, "account_name", true, &account)) return;
    read_ctx c;
    if (!ctx_open(&c, req, api)) return;
    cps_checksum256 h;
    cps_bytes wasm;
    cps_buf abi = {0};
    int rc = chain_api_view_code_hash(api, c.view, account, &h, NULL, NULL);
    if (!rc) rc = view_code(api, c.view, &h, &wasm);
    if (!rc) rc = cps_chain_api_view_abi(api->st, c.view, account, &abi);
    if (rc) CPS_API_RESPOND_ERROR(req, rc, NULL);
    else
        cps_api_respond_json(req, 200,
                             json_pack("{s:o,s:o,s:o}", "account_name",
                                       chain_api_json_name(account), "wasm",
                                       base64_json(wasm.data, wasm.size), "abi",
                                       base64_json(abi.data, abi.size)));
    cps_buf_free(&abi);
    ctx_close(&c);
}

/* ------------------------------------------------------------------------------------------
 * abi_json_to_bin / abi_bin_to_json with the contract's ABI.
 * ------------------------------------------------------------------------------------------ */
void chain_api_abi_json_to_bin(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name code, action;
    if (!chain_api_param_name(req, "code", true, &code) ||
        !chain_api_param_name(req, "action", true, &action))
        return;
    json_t *args = json_object_get(cps_api_request_params(req), "args");
    if (!args) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_INVALID_ACTION_ARGS, "args: missing");
        return;
    }
    read_ctx c;
    if (!ctx_open(&c, req, api)) return;
    if (!ctx_abi(&c, req, code, true)) goto done;
    cps_buf bin = {0};
    int rc = cps_abi_action_json_to_bin(c.abi, action, args, &bin);
    if (rc) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_INVALID_ACTION_ARGS, "%s", cps_last_error());
    } else {
        cps_api_respond_json(req, 200,
                             json_pack("{s:o}", "binargs", chain_api_json_hex(bin.data, bin.size)));
    }
    cps_buf_free(&bin);
done:
    ctx_close(&c);
}

void chain_api_abi_bin_to_json(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_name code, action;
    if (!chain_api_param_name(req, "code", true, &code) ||
        !chain_api_param_name(req, "action", true, &action))
        return;
    const char *hex = json_string_value(json_object_get(cps_api_request_params(req), "binargs"));
    if (!hex) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_INVALID_ACTION_ARGS,
                                  "binargs: expected a hex string");
        return;
    }
    size_t len = strlen(hex);
    uint8_t *bin = malloc(len / 2 + 1);
    size_t n;
    if (!bin || cps_hex_decode(bin, len / 2 + 1, &n, hex, len)) {
        free(bin);
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_INVALID_ACTION_ARGS, "binargs: %s",
                                  cps_last_error());
        return;
    }
    read_ctx c;
    if (!ctx_open(&c, req, api)) {
        free(bin);
        return;
    }
    if (!ctx_abi(&c, req, code, true)) goto done;
    cps_buf out = {0};
    int rc = cps_abi_action_bin_to_json(c.abi, action, bin, n, &out);
    json_t *args = rc ? NULL : chain_api_json_from_buf(&out);
    cps_buf_free(&out);
    if (!args) CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_UNPACK, "%s", cps_last_error());
    else cps_api_respond_json(req, 200, json_pack("{s:o}", "args", args));
done:
    free(bin);
    ctx_close(&c);
}

/* ------------------------------------------------------------------------------------------
 * get_producers (chain_plugin's read_only::get_producers). With the system contract's producers
 * table in eosio's scope and its first secondary index (prototalvote: -total_votes for active
 * producers, so the most voted come first), the rows in that index's order from the first
 * producer >= lower_bound, decoded with eosio's ABI (or hex), and total_producer_vote_weight from
 * its global row. Without them — no system contract, no producer registered yet — nodeos's
 * exception path answers the active schedule, as here.
 * ------------------------------------------------------------------------------------------ */

/* fc prints a double with 17 digits after the point (fc::to_string), as a string. */
static json_t *fc_double_json(double d)
{
    char s[400];
    snprintf(s, sizeof s, "%.17f", d);
    return json_string(s);
}

/* The global row's total_producer_vote_weight; false when eosio has no such row or field. */
static bool producer_vote_weight(read_ctx *c, double *out)
{
    cps_name eosio = cps_abi_name("eosio"), global = cps_abi_name("global");
    const char *type = cps_abi_table_type(c->abi, global);
    cps_state_table_info gi;
    cps_state_table t;
    if (!type || cps_state_contract_table(c->view, eosio, eosio, global, &gi) ||
        cps_state_table_find(c->api->st, "_c.i64", &t))
        return false;
    uint8_t key[16];
    be64(key, gi.id);
    be64(key + 8, global);
    cps_bytes val;
    json_t *row = NULL;
    if (cps_state_get(c->view, t, key, 16, &val) || val.size < 8 ||
        cps_abi_bin_to_json_value(c->abi, type, val.data + 8, val.size - 8, &row))
        return false;
    json_t *w = json_object_get(row, "total_producer_vote_weight");
    bool ok = true;
    if (json_is_number(w)) *out = json_number_value(w);
    else if (json_is_string(w)) *out = strtod(json_string_value(w), NULL);
    else ok = false;
    json_decref(row);
    return ok;
}

/* Answers from the producers table and returns true, or returns false (nothing answered) when
 * the system contract's tables are not there. */
static bool producers_from_table(read_ctx *c, cps_api_request *req, bool as_json, cps_name lower,
                                 uint64_t limit)
{
    cps_name eosio = cps_abi_name("eosio"), producers = cps_abi_name("producers");
    if (chain_api_view_load_abi(c->api, c->view, eosio, &c->abi) || !c->abi) return false;
    const char *type = cps_abi_table_type(c->abi, producers);
    cps_state_table_info ti, xi;
    cps_state_table t_i64, t_idx, t_idx_pk;
    double total_weight;
    if (!type || cps_state_contract_table(c->view, eosio, eosio, producers, &ti) ||
        cps_state_contract_table(c->view, eosio, eosio, producers & ~(uint64_t)0xf, &xi) ||
        cps_state_table_find(c->api->st, "_c.i64", &t_i64) ||
        cps_state_table_find(c->api->st, IDX_TABLE[CPS_STATE_IDX_DOUBLE], &t_idx) ||
        cps_state_table_find(c->api->st, "_c.idxdbl.pk", &t_idx_pk) ||
        !producer_vote_weight(c, &total_weight))
        return false;
    /* The walk starts at lower_bound's place in vote order: the first producer >= lower_bound
     * by name, found through the index's by-primary table (t_id | primary -> payer |
     * secondary). */
    uint8_t from[16];
    bool empty = false;
    if (lower) {
        uint8_t key[16];
        be64(key, xi.id);
        be64(key + 8, lower);
        cps_bytes k, v;
        if (cps_state_seek(c->view, t_idx_pk, CPS_STATE_GE, key, 16, &k, &v) || k.size != 16 ||
            memcmp(k.data, key, 8) || v.size != 16 ||
            cps_state_index_encode(CPS_STATE_IDX_DOUBLE, v.data + 8, from))
            empty = true;
        else memcpy(from + 8, k.data + 8, 8);
    }
    json_t *rows = json_array();
    const char *more = "";
    char more_name[CPS_NAME_STR_MAX];
    walk w = {c, t_idx, {0}, {0}, 8 + 8 + 8, false, false, false};
    be64(w.prefix, xi.id);
    cps_bytes ks, val;
    uint64_t count = 0;
    while (!empty && walk_next(&w, lower ? from : NULL, lower ? 16 : 0, &ks, &val)) {
        uint64_t pk = load_be64(ks.data + 8);
        if (count >= limit || over_time(req)) {
            cps_abi_name_to_string(pk, more_name);
            more = more_name;
            break;
        }
        uint8_t pkey[16];
        be64(pkey, ti.id);
        be64(pkey + 8, pk);
        cps_bytes prow;
        json_t *j = NULL;
        if (cps_state_get(c->view, t_i64, pkey, 16, &prow) || prow.size < 8) {
            cps_fail(CPS_ERR_DB_CORRUPT, "producers: index row without its primary row");
        } else if (as_json) {
            if (cps_abi_bin_to_json_value(c->abi, type, prow.data + 8, prow.size - 8, &j)) j = NULL;
        } else {
            j = chain_api_json_hex(prow.data + 8, prow.size - 8);
        }
        if (!j) {
            json_decref(rows);
            CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_CONTRACT_TABLE_QUERY, "%s",
                                      cps_last_error());
            return true;
        }
        json_array_append_new(rows, j);
        count++;
    }
    cps_api_respond_json(req, 200,
                         json_pack("{s:o,s:o,s:s}", "rows", rows, "total_producer_vote_weight",
                                   fc_double_json(total_weight), "more", more));
    return true;
}

/* nodeos's fallback rows: each producer of the active schedule with its authority, an empty url,
 * no votes, and producer_key when its authority is one key that reaches the threshold alone. */
static void producers_from_schedule(read_ctx *c, cps_api_request *req)
{
    cps_chain_schedules s;
    int rc = cps_chain_read_schedules(c->api->st, c->view, &s);
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        return;
    }
    json_t *rows = json_array();
    for (uint32_t i = 0; i < s.active.producer_count; i++) {
        const cps_chain_schedule_producer *p = &s.active.producers[i];
        json_t *row = json_pack("{s:o,s:o,s:s,s:o}", "owner", chain_api_json_name(p->name),
                                "producer_authority", chain_api_signing_authority_json(p), "url",
                                "", "total_votes", fc_double_json(0));
        if (p->key_count == 1 && p->keys[0].weight == p->threshold)
            json_object_set_new(row, "producer_key", chain_api_json_public_key(&p->keys[0].key));
        json_array_append_new(rows, row);
    }
    cps_chain_schedules_free(&s);
    cps_api_respond_json(req, 200,
                         json_pack("{s:o,s:o,s:s}", "rows", rows, "total_producer_vote_weight",
                                   fc_double_json(0), "more", ""));
}

void chain_api_get_producers(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    bool as_json;
    cps_name lower = 0;
    uint64_t limit;
    char lb[16];
    if (!chain_api_param_bool(req, "json", false, &as_json) ||
        !chain_api_param_text(req, "lower_bound", lb, sizeof lb) ||
        !chain_api_param_u64(req, "limit", 50, &limit))
        return;
    if (lb[0] && cps_abi_name_from_string(lb, strlen(lb), &lower)) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_NAME_TYPE, "Invalid name: %s", cps_last_error());
        return;
    }
    read_ctx c;
    if (!ctx_open(&c, req, api)) return;
    if (!producers_from_table(&c, req, as_json, lower, limit)) producers_from_schedule(&c, req);
    ctx_close(&c);
}
