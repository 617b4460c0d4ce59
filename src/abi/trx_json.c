/* trx_json: transactions as JSON the way cleos and eosjs write them (action data as hex or as an
 * object converted through the contract's ABI), for `convert pack_transaction` and the HTTP API. */
#include "abi/abi_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PATH_MAX_LEN 160

/* ------------------------------------------------------------------------------------------
 * JSON -> structures
 * ------------------------------------------------------------------------------------------ */
/* Paths are cut at PATH_MAX_LEN: they only serve error messages. */
static const char *path_fmt(char *buf, const char *fmt, ...) CPS_PRINTF(2, 3);
static const char *path_fmt(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, PATH_MAX_LEN, fmt, ap);
    va_end(ap);
    return buf;
}

static const char *join(char *buf, const char *path, const char *key)
{
    return path_fmt(buf, "%s%s%s", path, path[0] ? "." : "", key);
}

static int get_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *out,
                    const char *path)
{
    const json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!v) return 0; /* nodeos leaves absent header fields at their defaults */
    int rc = cps_abi__json_get_u64(v, max, out);
    char p[PATH_MAX_LEN];
    return rc ? cps_fail_prefix(rc, "%s", join(p, path, key)) : 0;
}

static int get_name(const json_t *v, cps_name *out, const char *path)
{
    if (!json_is_string(v))
        return cps_fail(CPS_ERR_TYPE, "%s: expected a name string, got %s", path,
                        cps_abi__json_kind(v));
    int rc = cps_abi_name_from_string(json_string_value(v), json_string_length(v), out);
    return rc ? cps_fail_prefix(rc, "%s", path) : 0;
}

static int get_hex(const json_t *v, cps_arena *a, cps_bytes *out, const char *path)
{
    if (!json_is_string(v))
        return cps_fail(CPS_ERR_TYPE, "%s: expected a hex string, got %s", path,
                        cps_abi__json_kind(v));
    size_t len = json_string_length(v);
    if (len % 2) return cps_fail(CPS_ERR_FORMAT, "%s: odd number of hex digits (%zu)", path, len);
    uint8_t *p = cps_abi_arena_alloc(a, len / 2);
    if (!p) return CPS_ERR_NOMEM;
    size_t n;
    int rc = cps_hex_decode(p, len / 2, &n, json_string_value(v), len);
    if (rc) return cps_fail_prefix(rc, "%s", path);
    out->data = p;
    out->size = n;
    return 0;
}

static int get_array(const json_t *obj, const char *key, const json_t **arr, uint32_t *count,
                     const char *path)
{
    const json_t *v = json_object_get(obj, key);
    *arr = NULL;
    *count = 0;
    if (!v || json_is_null(v)) return 0;
    char p[PATH_MAX_LEN];
    if (!json_is_array(v))
        return cps_fail(CPS_ERR_TYPE, "%s: expected an array, got %s", join(p, path, key),
                        cps_abi__json_kind(v));
    if (json_array_size(v) > UINT32_MAX)
        return cps_fail(CPS_ERR_LIMIT, "%s: too many entries", join(p, path, key));
    *arr = v;
    *count = (uint32_t)json_array_size(v);
    return 0;
}

static int action_from_json(const json_t *v, cps_abi_resolver resolve, void *ctx, cps_arena *a,
                            cps_action *out, const char *path)
{
    char p[PATH_MAX_LEN];
    int rc;
    memset(out, 0, sizeof *out);
    if (!json_is_object(v))
        return cps_fail(CPS_ERR_TYPE, "%s: expected an action object, got %s", path,
                        cps_abi__json_kind(v));
    const json_t *account = json_object_get(v, "account"), *name = json_object_get(v, "name");
    if (!account) return cps_fail(CPS_ERR_FORMAT, "%s: missing account", path);
    if (!name) return cps_fail(CPS_ERR_FORMAT, "%s: missing name", path);
    if ((rc = get_name(account, &out->account, join(p, path, "account")))) return rc;
    if ((rc = get_name(name, &out->name, join(p, path, "name")))) return rc;
    const json_t *auths;
    if ((rc = get_array(v, "authorization", &auths, &out->authorization_count, path))) return rc;
    if (out->authorization_count) {
        out->authorization =
            cps_abi_arena_alloc(a, out->authorization_count * sizeof *out->authorization);
        if (!out->authorization) return CPS_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < out->authorization_count; i++) {
        char ap[PATH_MAX_LEN];
        const json_t *pl = json_array_get(auths, i);
        path_fmt(ap, "%s%sauthorization[%u]", path, path[0] ? "." : "", i);
        if (!json_is_object(pl))
            return cps_fail(CPS_ERR_TYPE, "%s: expected {\"actor\",\"permission\"}, got %s", ap,
                            cps_abi__json_kind(pl));
        const json_t *actor = json_object_get(pl, "actor"),
                     *perm = json_object_get(pl, "permission");
        if (!actor) return cps_fail(CPS_ERR_FORMAT, "%s: missing actor", ap);
        if (!perm) return cps_fail(CPS_ERR_FORMAT, "%s: missing permission", ap);
        if ((rc = get_name(actor, &out->authorization[i].actor, join(p, ap, "actor")))) return rc;
        if ((rc = get_name(perm, &out->authorization[i].permission, join(p, ap, "permission"))))
            return rc;
    }

    const json_t *data = json_object_get(v, "data");
    const json_t *hex_data = json_object_get(v, "hex_data");
    if (data && json_is_string(data)) return get_hex(data, a, &out->data, join(p, path, "data"));
    if (data && !json_is_null(data)) {
        const cps_abi *abi = resolve ? resolve(ctx, out->account) : NULL;
        const char *type = abi ? cps_abi_action_type(abi, out->name) : NULL;
        if (type) {
            cps_buf b;
            cps_buf_init(&b);
            rc = cps_abi_json_value_to_bin_at(abi, type, data, join(p, path, "data"), &b);
            if (!rc) {
                out->data.data = cps_abi_arena_dup(a, b.data, b.size);
                out->data.size = b.size;
                if (!out->data.data) rc = CPS_ERR_NOMEM;
            }
            cps_buf_free(&b);
            return rc;
        }
        if (!hex_data) {
            char acc[CPS_NAME_STR_MAX], act[CPS_NAME_STR_MAX];
            cps_abi_name_to_string(out->account, acc);
            cps_abi_name_to_string(out->name, act);
            return cps_fail(CPS_ERR_NOT_FOUND,
                            "%s: no ABI of %s declares action %s, so the data object cannot be "
                            "converted (give it as hex)",
                            join(p, path, "data"), acc, act);
        }
    }
    if (hex_data) return get_hex(hex_data, a, &out->data, join(p, path, "hex_data"));
    return cps_fail(CPS_ERR_FORMAT, "%s: missing data", path);
}

static int actions_from_json(const json_t *obj, const char *key, cps_abi_resolver resolve,
                             void *ctx, cps_arena *a, cps_action **out, uint32_t *count)
{
    const json_t *arr;
    int rc = get_array(obj, key, &arr, count, "");
    if (rc) return rc;
    *out = NULL;
    if (*count) {
        *out = cps_abi_arena_alloc(a, *count * sizeof **out);
        if (!*out) return CPS_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < *count; i++) {
        char p[PATH_MAX_LEN];
        path_fmt(p, "%s[%u]", key, i);
        if ((rc = action_from_json(json_array_get(arr, i), resolve, ctx, a, &(*out)[i], p)))
            return rc;
    }
    return 0;
}

int cps_abi_transaction_from_json(const json_t *v, cps_abi_resolver resolve, void *ctx,
                                  cps_arena *a, cps_transaction *t)
{
    int rc;
    uint64_t u;
    memset(t, 0, sizeof *t);
    if (!json_is_object(v))
        return cps_fail(CPS_ERR_TYPE, "transaction: expected an object, got %s",
                        cps_abi__json_kind(v));
    const json_t *exp = json_object_get(v, "expiration");
    if (exp) {
        if (!json_is_string(exp))
            return cps_fail(CPS_ERR_TYPE, "expiration: expected a time string, got %s",
                            cps_abi__json_kind(exp));
        rc = cps_abi_time_point_sec_from_string(json_string_value(exp), json_string_length(exp),
                                                &t->header.expiration);
        if (rc) return cps_fail_prefix(rc, "expiration");
    }
    if ((rc = get_uint(v, "ref_block_num", UINT16_MAX, &u, ""))) return rc;
    t->header.ref_block_num = (uint16_t)u;
    if ((rc = get_uint(v, "ref_block_prefix", UINT32_MAX, &u, ""))) return rc;
    t->header.ref_block_prefix = (uint32_t)u;
    if ((rc = get_uint(v, "max_net_usage_words", UINT32_MAX, &u, ""))) return rc;
    t->header.max_net_usage_words = (uint32_t)u;
    if ((rc = get_uint(v, "max_cpu_usage_ms", UINT8_MAX, &u, ""))) return rc;
    t->header.max_cpu_usage_ms = (uint8_t)u;
    if ((rc = get_uint(v, "delay_sec", UINT32_MAX, &u, ""))) return rc;
    t->header.delay_sec = (uint32_t)u;
    if ((rc = actions_from_json(v, "context_free_actions", resolve, ctx, a,
                                &t->context_free_actions, &t->context_free_action_count)))
        return rc;
    if ((rc = actions_from_json(v, "actions", resolve, ctx, a, &t->actions, &t->action_count)))
        return rc;
    return cps_abi__json_extensions(json_object_get(v, "transaction_extensions"), a, &t->extensions,
                                    &t->extension_count, "transaction_extensions");
}

static int signatures_from_json(const json_t *v, cps_arena *a, cps_signature **out, uint32_t *count)
{
    const json_t *arr;
    int rc = get_array(v, "signatures", &arr, count, "");
    if (rc) return rc;
    *out = NULL;
    if (*count) {
        *out = cps_abi_arena_alloc(a, *count * sizeof **out);
        if (!*out) return CPS_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < *count; i++) {
        const json_t *s = json_array_get(arr, i);
        if (!json_is_string(s))
            return cps_fail(CPS_ERR_TYPE, "signatures[%u]: expected a signature string, got %s", i,
                            cps_abi__json_kind(s));
        rc = cps_signature_from_string(json_string_value(s), json_string_length(s), &(*out)[i]);
        if (rc) return cps_fail_prefix(rc, "signatures[%u]", i);
    }
    return 0;
}

static int cfd_from_json(const json_t *v, cps_arena *a, cps_bytes **out, uint32_t *count)
{
    const json_t *arr;
    int rc = get_array(v, "context_free_data", &arr, count, "");
    if (rc) return rc;
    *out = NULL;
    if (*count) {
        *out = cps_abi_arena_alloc(a, *count * sizeof **out);
        if (!*out) return CPS_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < *count; i++) {
        char p[PATH_MAX_LEN];
        path_fmt(p, "context_free_data[%u]", i);
        if ((rc = get_hex(json_array_get(arr, i), a, &(*out)[i], p))) return rc;
    }
    return 0;
}

int cps_abi_signed_transaction_from_json(const json_t *v, cps_abi_resolver resolve, void *ctx,
                                         cps_arena *a, cps_signed_transaction *t)
{
    memset(t, 0, sizeof *t);
    int rc = cps_abi_transaction_from_json(v, resolve, ctx, a, &t->trx);
    if (!rc) rc = signatures_from_json(v, a, &t->signatures, &t->signature_count);
    if (!rc) rc = cfd_from_json(v, a, &t->context_free_data, &t->context_free_data_count);
    return rc;
}

static int compression_from_json(const json_t *v, uint8_t *out)
{
    if (!v) {
        *out = CPS_COMPRESSION_NONE;
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strcmp(s, "none") == 0)
            *out = CPS_COMPRESSION_NONE;
        else if (strcmp(s, "zlib") == 0)
            *out = CPS_COMPRESSION_ZLIB;
        else
            return cps_fail(CPS_ERR_FORMAT,
                            "compression: expected \"none\" or \"zlib\", got \"%.20s\"", s);
        return 0;
    }
    uint64_t u;
    int rc = cps_abi__json_get_u64(v, CPS_COMPRESSION_ZLIB, &u);
    if (rc) return cps_fail_prefix(rc, "compression");
    *out = (uint8_t)u;
    return 0;
}

int cps_abi_packed_transaction_from_json(const json_t *v, cps_abi_resolver resolve, void *ctx,
                                         cps_arena *a, cps_packed_transaction *p)
{
    memset(p, 0, sizeof *p);
    if (!json_is_object(v))
        return cps_fail(CPS_ERR_TYPE, "packed transaction: expected an object, got %s",
                        cps_abi__json_kind(v));
    int rc = signatures_from_json(v, a, &p->signatures, &p->signature_count);
    if (!rc) rc = compression_from_json(json_object_get(v, "compression"), &p->compression);
    if (rc) return rc;
    const json_t *ptrx = json_object_get(v, "packed_trx");
    const json_t *pcfd = json_object_get(v, "packed_context_free_data");
    bool have_packed_cfd = json_is_string(pcfd) && json_string_length(pcfd) > 0;
    if (json_is_string(ptrx) && json_string_length(ptrx) > 0) {
        if ((rc = get_hex(ptrx, a, &p->packed_trx, "packed_trx"))) return rc;
        if (have_packed_cfd)
            return get_hex(pcfd, a, &p->packed_context_free_data, "packed_context_free_data");
        /* Context-free data given unpacked: pack (and compress) it like nodeos does. */
        cps_signed_transaction st;
        memset(&st, 0, sizeof st);
        if ((rc = cfd_from_json(v, a, &st.context_free_data, &st.context_free_data_count)))
            return rc;
        if (st.context_free_data_count == 0) return 0;
        cps_packed_transaction tmp;
        if ((rc = cps_abi_packed_transaction_make(&st, p->compression, a, &tmp))) return rc;
        p->packed_context_free_data = tmp.packed_context_free_data;
        return 0;
    }
    const json_t *trx = json_object_get(v, "transaction");
    if (!trx)
        return cps_fail(CPS_ERR_FORMAT, "packed transaction: missing packed_trx or transaction");
    cps_signed_transaction st;
    memset(&st, 0, sizeof st);
    rc = cps_abi_transaction_from_json(trx, resolve, ctx, a, &st.trx);
    if (rc) return cps_fail_prefix(rc, "transaction");
    st.signatures = p->signatures;
    st.signature_count = p->signature_count;
    if (!have_packed_cfd &&
        (rc = cfd_from_json(v, a, &st.context_free_data, &st.context_free_data_count)))
        return rc;
    uint8_t compression = p->compression;
    if ((rc = cps_abi_packed_transaction_make(&st, compression, a, p))) return rc;
    if (have_packed_cfd)
        return get_hex(pcfd, a, &p->packed_context_free_data, "packed_context_free_data");
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Structures -> JSON
 * ------------------------------------------------------------------------------------------ */
static void write_name(cps_buf *b, cps_name n)
{
    char s[CPS_NAME_STR_MAX];
    size_t len = cps_abi_name_to_string(n, s);
    cps_write_u8(b, '"');
    cps_write_bytes(b, s, len);
    cps_write_u8(b, '"');
}

static void write_hex(cps_buf *b, const uint8_t *p, size_t n)
{
    cps_write_u8(b, '"');
    cps_hex_append(b, p, n);
    cps_write_u8(b, '"');
}

static void action_to_json(cps_buf *b, const cps_action *act, cps_abi_resolver resolve, void *ctx)
{
    cps_write_bytes(b, "{\"account\":", 11);
    write_name(b, act->account);
    cps_write_bytes(b, ",\"name\":", 8);
    write_name(b, act->name);
    cps_write_bytes(b, ",\"authorization\":[", 18);
    for (uint32_t i = 0; i < act->authorization_count; i++) {
        cps_write_bytes(b, i ? ",{\"actor\":" : "{\"actor\":", i ? 10 : 9);
        write_name(b, act->authorization[i].actor);
        cps_write_bytes(b, ",\"permission\":", 14);
        write_name(b, act->authorization[i].permission);
        cps_write_u8(b, '}');
    }
    cps_write_bytes(b, "],\"data\":", 9);
    /* As nodeos: decoded data when the ABI knows the action and the data converts, then
     * hex_data; otherwise the hex alone. A failed conversion is not an error. */
    const cps_abi *abi = resolve ? resolve(ctx, act->account) : NULL;
    const char *type = abi ? cps_abi_action_type(abi, act->name) : NULL;
    if (type && cps_abi_bin_to_json(abi, type, act->data.data, act->data.size, b) == 0) {
        cps_write_bytes(b, ",\"hex_data\":", 12);
        write_hex(b, act->data.data, act->data.size);
    } else {
        if (b->failed) return;
        write_hex(b, act->data.data, act->data.size);
    }
    cps_write_u8(b, '}');
}

static void actions_to_json(cps_buf *b, const cps_action *acts, uint32_t n,
                            cps_abi_resolver resolve, void *ctx)
{
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < n; i++) {
        if (i) cps_write_u8(b, ',');
        action_to_json(b, &acts[i], resolve, ctx);
    }
    cps_write_u8(b, ']');
}

/* Writes the transaction's members without the closing brace (so signed forms can add theirs). */
static void transaction_members(cps_buf *b, const cps_transaction *t, cps_abi_resolver resolve,
                                void *ctx)
{
    char exp[CPS_TIME_STR_MAX];
    cps_abi_time_point_sec_to_string(t->header.expiration, exp);
    cps_buf_printf(b,
                   "{\"expiration\":\"%s\",\"ref_block_num\":%u,\"ref_block_prefix\":%u,"
                   "\"max_net_usage_words\":%u,\"max_cpu_usage_ms\":%u,\"delay_sec\":%u,"
                   "\"context_free_actions\":",
                   exp, t->header.ref_block_num, t->header.ref_block_prefix,
                   t->header.max_net_usage_words, t->header.max_cpu_usage_ms, t->header.delay_sec);
    actions_to_json(b, t->context_free_actions, t->context_free_action_count, resolve, ctx);
    cps_write_bytes(b, ",\"actions\":", 11);
    actions_to_json(b, t->actions, t->action_count, resolve, ctx);
    cps_write_bytes(b, ",\"transaction_extensions\":", 26);
    cps_abi__write_extensions_json(b, t->extensions, t->extension_count);
}

int cps_abi_transaction_to_json(const cps_transaction *t, cps_abi_resolver resolve, void *ctx,
                                cps_buf *out)
{
    transaction_members(out, t, resolve, ctx);
    return cps_write_u8(out, '}');
}

static void signatures_to_json(cps_buf *b, const cps_signature *sigs, uint32_t n)
{
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < n; i++) {
        char s[CPS_SIGNATURE_STR_MAX];
        if (i) cps_write_u8(b, ',');
        if (cps_signature_to_string(&sigs[i], s, sizeof s)) {
            b->failed = CPS_ERR_CRYPTO;
            return;
        }
        cps_write_u8(b, '"');
        cps_write_bytes(b, s, strlen(s));
        cps_write_u8(b, '"');
    }
    cps_write_u8(b, ']');
}

static void cfd_to_json(cps_buf *b, const cps_bytes *items, uint32_t n)
{
    cps_write_u8(b, '[');
    for (uint32_t i = 0; i < n; i++) {
        if (i) cps_write_u8(b, ',');
        write_hex(b, items[i].data, items[i].size);
    }
    cps_write_u8(b, ']');
}

int cps_abi_signed_transaction_to_json(const cps_signed_transaction *t, cps_abi_resolver resolve,
                                       void *ctx, cps_buf *out)
{
    transaction_members(out, &t->trx, resolve, ctx);
    cps_write_bytes(out, ",\"signatures\":", 14);
    signatures_to_json(out, t->signatures, t->signature_count);
    cps_write_bytes(out, ",\"context_free_data\":", 21);
    cfd_to_json(out, t->context_free_data, t->context_free_data_count);
    return cps_write_u8(out, '}');
}

int cps_abi_packed_transaction_to_json(const cps_packed_transaction *p, bool with_transaction,
                                       cps_abi_resolver resolve, void *ctx, cps_buf *out)
{
    const char *compression = p->compression == CPS_COMPRESSION_ZLIB ? "zlib" : "none";
    if (p->compression > CPS_COMPRESSION_ZLIB)
        return cps_fail(CPS_ERR_FORMAT, "unknown compression %u", p->compression);
    if (!with_transaction) {
        cps_write_bytes(out, "{\"signatures\":", 14);
        signatures_to_json(out, p->signatures, p->signature_count);
        cps_buf_printf(out, ",\"compression\":\"%s\",\"packed_context_free_data\":", compression);
        write_hex(out, p->packed_context_free_data.data, p->packed_context_free_data.size);
        cps_write_bytes(out, ",\"packed_trx\":", 14);
        write_hex(out, p->packed_trx.data, p->packed_trx.size);
        return cps_write_u8(out, '}');
    }
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_transaction t;
    cps_bytes raw, *cfd;
    uint32_t cfd_count;
    int rc = cps_abi_packed_transaction_get(p, &a, &t, &raw);
    if (!rc) rc = cps_abi_packed_transaction_cfd(p, &a, &cfd, &cfd_count);
    if (rc) {
        cps_abi_arena_free(&a);
        return rc;
    }
    cps_checksum256 id;
    cps_abi_transaction_id_raw(raw.data, raw.size, &id);
    cps_write_bytes(out, "{\"id\":", 6);
    write_hex(out, id.b, 32);
    cps_write_bytes(out, ",\"signatures\":", 14);
    signatures_to_json(out, p->signatures, p->signature_count);
    cps_buf_printf(out, ",\"compression\":\"%s\",\"packed_context_free_data\":", compression);
    write_hex(out, p->packed_context_free_data.data, p->packed_context_free_data.size);
    cps_write_bytes(out, ",\"context_free_data\":", 21);
    cfd_to_json(out, cfd, cfd_count);
    cps_write_bytes(out, ",\"packed_trx\":", 14);
    write_hex(out, p->packed_trx.data, p->packed_trx.size);
    cps_write_bytes(out, ",\"transaction\":", 15);
    rc = cps_abi_transaction_to_json(&t, resolve, ctx, out);
    cps_abi_arena_free(&a);
    if (rc) return rc;
    return cps_write_u8(out, '}');
}
