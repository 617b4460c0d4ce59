/* convert: ABI-driven conversion between JSON and EOSIO binary for any type of an ABI, with
 * nodeos's output conventions and error messages that name the path of the offending value. */
#include "abi/abi_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Conversion context: depth and the path of the value being converted.
 * ------------------------------------------------------------------------------------------ */
enum seg_kind { SEG_FIELD, SEG_INDEX, SEG_VARIANT };

struct path_seg {
    enum seg_kind kind;
    const char *name;
    size_t len;
    uint32_t index;
};

#define MAX_PATH (CPS_ABI_MAX_DEPTH * 2 + 8)

struct conv {
    const cps_abi *abi;
    cps_buf *out;
    const char *root;
    int depth;
    int path_len;
    bool allow_extensions; /* JSON -> binary: absent trailing '$' fields allowed here */
    struct path_seg path[MAX_PATH];
};

static void push_field(struct conv *c, const char *name, size_t len)
{
    if (c->path_len < MAX_PATH)
        c->path[c->path_len] = (struct path_seg){.kind = SEG_FIELD, .name = name, .len = len};
    c->path_len++;
}

static void push_index(struct conv *c, uint32_t i)
{
    if (c->path_len < MAX_PATH)
        c->path[c->path_len] = (struct path_seg){.kind = SEG_INDEX, .index = i};
    c->path_len++;
}

static void push_variant(struct conv *c, const char *name, size_t len)
{
    if (c->path_len < MAX_PATH)
        c->path[c->path_len] = (struct path_seg){.kind = SEG_VARIANT, .name = name, .len = len};
    c->path_len++;
}

static void pop(struct conv *c)
{
    c->path_len--;
}

/* Prefixes the current detail message with the path ("transfer.quantity") and returns code. */
static int at_path(struct conv *c, int code)
{
    char p[256];
    size_t n = 0;
    n += (size_t)snprintf(p, sizeof p, "%s", c->root ? c->root : "");
    int shown = c->path_len < MAX_PATH ? c->path_len : MAX_PATH;
    for (int i = 0; i < shown && n < sizeof p; i++) {
        const struct path_seg *s = &c->path[i];
        int w;
        if (s->kind == SEG_FIELD)
            w = snprintf(p + n, sizeof p - n, "%s%.*s", n ? "." : "", (int)s->len, s->name);
        else if (s->kind == SEG_INDEX)
            w = snprintf(p + n, sizeof p - n, "[%u]", s->index);
        else
            w = snprintf(p + n, sizeof p - n, "<%.*s>", (int)s->len, s->name);
        if (w < 0) break;
        n += (size_t)w;
    }
    if (n == 0) return code;
    return cps_fail_prefix(code, "%s", p);
}

static int fail_at(struct conv *c, int code, const char *fmt, ...) CPS_PRINTF(3, 4);
static int fail_at(struct conv *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cps_vfail(code, fmt, ap);
    va_end(ap);
    return at_path(c, code);
}

static int enter(struct conv *c)
{
    if (++c->depth > CPS_ABI_MAX_DEPTH)
        return fail_at(c, CPS_ERR_LIMIT, "nested deeper than %d levels", CPS_ABI_MAX_DEPTH);
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * JSON helpers
 * ------------------------------------------------------------------------------------------ */
const char *cps_abi__json_kind(const json_t *v)
{
    if (!v) return "nothing";
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "real number";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    return "unknown";
}

/* Parses [-]digits strictly into a magnitude and a sign. */
static int parse_decimal(const char *s, size_t len, bool allow_negative, bool *neg, uint64_t *mag)
{
    size_t i = 0;
    *neg = false;
    if (len > 0 && s[0] == '-' && allow_negative) {
        *neg = true;
        i = 1;
    }
    if (i == len)
        return cps_fail(CPS_ERR_FORMAT, "\"%.*s\" is not an integer", (int)(len > 40 ? 40 : len),
                        s);
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return cps_fail(CPS_ERR_FORMAT, "\"%.*s\" is not an integer",
                            (int)(len > 40 ? 40 : len), s);
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return cps_fail(CPS_ERR_OVERFLOW, "integer \"%.*s\" is out of range",
                            (int)(len > 40 ? 40 : len), s);
        v = v * 10 + d;
    }
    *mag = v;
    return 0;
}

/* A JSON real read into an integer field must denote exactly the integer it was written as:
 * from 2^53 on a double cannot promise that, so such values must come as strings. */
#define MAX_EXACT_REAL 9007199254740992.0

static int inexact_real(double d)
{
    return cps_fail(CPS_ERR_OVERFLOW,
                    "number %.0f is 2^53 or more and so not exact in JSON: give it as a decimal "
                    "string",
                    d);
}

int cps_abi__json_get_u64(const json_t *v, uint64_t max, uint64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x < 0 || (uint64_t)x > max)
            return cps_fail(CPS_ERR_OVERFLOW, "value %lld is out of range (0..%llu)", (long long)x,
                            (unsigned long long)max);
        *out = (uint64_t)x;
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d != floor(d)) return cps_fail(CPS_ERR_OVERFLOW, "value %g is not an integer", d);
        if (fabs(d) >= MAX_EXACT_REAL) return inexact_real(d);
        if (d < 0 || (uint64_t)d > max)
            return cps_fail(CPS_ERR_OVERFLOW, "value %.0f is out of range (0..%llu)", d,
                            (unsigned long long)max);
        *out = (uint64_t)d;
        return 0;
    }
    if (json_is_string(v)) {
        bool neg;
        uint64_t m;
        int rc = parse_decimal(json_string_value(v), json_string_length(v), false, &neg, &m);
        if (rc) return rc;
        if (m > max)
            return cps_fail(CPS_ERR_OVERFLOW, "value %llu is out of range (0..%llu)",
                            (unsigned long long)m, (unsigned long long)max);
        *out = m;
        return 0;
    }
    return cps_fail(CPS_ERR_TYPE, "expected an integer, got %s", cps_abi__json_kind(v));
}

int cps_abi__json_get_i64(const json_t *v, int64_t min, int64_t max, int64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x < min || x > max)
            return cps_fail(CPS_ERR_OVERFLOW, "value %lld is out of range (%lld..%lld)",
                            (long long)x, (long long)min, (long long)max);
        *out = (int64_t)x;
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d != floor(d)) return cps_fail(CPS_ERR_OVERFLOW, "value %g is not an integer", d);
        if (fabs(d) >= MAX_EXACT_REAL) return inexact_real(d);
        if ((int64_t)d < min || (int64_t)d > max)
            return cps_fail(CPS_ERR_OVERFLOW, "value %.0f is out of range (%lld..%lld)", d,
                            (long long)min, (long long)max);
        *out = (int64_t)d;
        return 0;
    }
    if (json_is_string(v)) {
        bool neg;
        uint64_t m;
        int rc = parse_decimal(json_string_value(v), json_string_length(v), true, &neg, &m);
        if (rc) return rc;
        if ((!neg && m > (uint64_t)max) || (neg && m > (uint64_t)INT64_MAX + 1) ||
            (neg && -(int64_t)(m - 1) - 1 < min))
            return cps_fail(CPS_ERR_OVERFLOW, "value %s%llu is out of range (%lld..%lld)",
                            neg ? "-" : "", (unsigned long long)m, (long long)min, (long long)max);
        *out = neg ? -(int64_t)(m - 1) - 1 : (int64_t)m;
        if (neg && m == 0) *out = 0;
        return 0;
    }
    return cps_fail(CPS_ERR_TYPE, "expected an integer, got %s", cps_abi__json_kind(v));
}

static int get_double(const json_t *v, double *out)
{
    if (json_is_real(v)) {
        *out = json_real_value(v);
        return 0;
    }
    if (json_is_integer(v)) {
        *out = (double)json_integer_value(v);
        return 0;
    }
    if (json_is_string(v)) {
        size_t len = json_string_length(v);
        const char *s = json_string_value(v);
        char tmp[512];
        if (len == 0 || len >= sizeof tmp)
            return cps_fail(CPS_ERR_FORMAT, "\"%.*s\" is not a number", (int)(len > 40 ? 40 : len),
                            s);
        memcpy(tmp, s, len);
        tmp[len] = 0;
        char *end;
        double d = strtod(tmp, &end);
        if (end != tmp + len || tmp[0] == ' ')
            return cps_fail(CPS_ERR_FORMAT, "\"%.*s\" is not a number", (int)(len > 40 ? 40 : len),
                            s);
        *out = d;
        return 0;
    }
    return cps_fail(CPS_ERR_TYPE, "expected a number, got %s", cps_abi__json_kind(v));
}

/* ------------------------------------------------------------------------------------------
 * Number output
 * ------------------------------------------------------------------------------------------ */
static size_t u64_digits(char *out, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static int write_u64_num(cps_buf *b, uint64_t v)
{
    char s[24];
    return cps_write_bytes(b, s, u64_digits(s, v));
}

static int write_i64_num(cps_buf *b, int64_t v)
{
    char s[24];
    size_t n = 0;
    uint64_t m = (uint64_t)v;
    if (v < 0) {
        s[n++] = '-';
        m = (uint64_t)0 - m;
    }
    n += u64_digits(s + n, m);
    return cps_write_bytes(b, s, n);
}

int cps_abi__write_u64_json(cps_buf *b, uint64_t v)
{
    if (v <= 0xffffffffu) return write_u64_num(b, v);
    cps_write_u8(b, '"');
    write_u64_num(b, v);
    return cps_write_u8(b, '"');
}

int cps_abi__write_i64_json(cps_buf *b, int64_t v)
{
    /* Leap's fc: int64 beyond +-0xffffffff is a string. */
    if (v <= (int64_t)0xffffffff && v >= -(int64_t)0xffffffff) return write_i64_num(b, v);
    cps_write_u8(b, '"');
    write_i64_num(b, v);
    return cps_write_u8(b, '"');
}

static int write_quoted(cps_buf *b, const char *s, size_t n)
{
    cps_write_u8(b, '"');
    cps_write_bytes(b, s, n);
    return cps_write_u8(b, '"');
}

static int write_hex_quoted(cps_buf *b, const uint8_t *p, size_t n)
{
    cps_write_u8(b, '"');
    cps_hex_append(b, p, n);
    return cps_write_u8(b, '"');
}

static void put_u128(uint8_t *p, cps_uint128 v)
{
    cps_store_u64(p, (uint64_t)v);
    cps_store_u64(p + 8, (uint64_t)(v >> 64));
}

static cps_uint128 get_u128(const uint8_t *p)
{
    return (cps_uint128)cps_load_u64(p) | ((cps_uint128)cps_load_u64(p + 8) << 64);
}

/* ------------------------------------------------------------------------------------------
 * JSON -> binary
 * ------------------------------------------------------------------------------------------ */
static int j2b(struct conv *c, const struct abi_type *t, const json_t *v);

static int expect_string(struct conv *c, const json_t *v, const char *what, const char **s,
                         size_t *len)
{
    if (!json_is_string(v))
        return fail_at(c, CPS_ERR_TYPE, "expected %s string, got %s", what, cps_abi__json_kind(v));
    *s = json_string_value(v);
    *len = json_string_length(v);
    return 0;
}

/* Hex of an exact number of bytes (checksums, float128). */
static int hex_fixed(struct conv *c, const json_t *v, const char *what, size_t nbytes,
                     bool allow_0x)
{
    const char *s;
    size_t len;
    int rc = expect_string(c, v, what, &s, &len);
    if (rc) return rc;
    if (allow_0x && len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        len -= 2;
    }
    if (len != 2 * nbytes)
        return fail_at(c, CPS_ERR_FORMAT, "%s: expected %zu hex digits, got %zu", what, 2 * nbytes,
                       len);
    uint8_t buf[64];
    size_t n;
    rc = cps_hex_decode(buf, sizeof buf, &n, s, len);
    if (rc) return at_path(c, rc);
    return cps_write_bytes(c->out, buf, n);
}

static int j2b_int(struct conv *c, const json_t *v, int64_t min, int64_t max, int64_t *out)
{
    int rc = cps_abi__json_get_i64(v, min, max, out);
    return rc ? at_path(c, rc) : 0;
}

static int j2b_uint(struct conv *c, const json_t *v, uint64_t max, uint64_t *out)
{
    int rc = cps_abi__json_get_u64(v, max, out);
    return rc ? at_path(c, rc) : 0;
}

static int j2b_asset(struct conv *c, const json_t *v, cps_asset *a)
{
    const char *s;
    size_t len;
    int rc = expect_string(c, v, "an asset", &s, &len);
    if (rc) return rc;
    rc = cps_abi_asset_from_string(s, len, a);
    return rc ? at_path(c, rc) : 0;
}

static int j2b_name(struct conv *c, const json_t *v, cps_name *n)
{
    const char *s;
    size_t len;
    int rc = expect_string(c, v, "a name", &s, &len);
    if (rc) return rc;
    rc = cps_abi_name_from_string(s, len, n);
    return rc ? at_path(c, rc) : 0;
}

static int j2b_builtin(struct conv *c, enum abi_builtin b, const json_t *v)
{
    cps_buf *out = c->out;
    int64_t i;
    uint64_t u;
    const char *s;
    size_t len;
    int rc;
    switch (b) {
    case ABI_BOOL:
        if (json_is_true(v)) return cps_write_u8(out, 1);
        if (json_is_false(v)) return cps_write_u8(out, 0);
        if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
            return cps_write_u8(out, (uint8_t)json_integer_value(v));
        if (json_is_real(v) && (json_real_value(v) == 0.0 || json_real_value(v) == 1.0))
            return cps_write_u8(out, json_real_value(v) == 1.0);
        if (json_is_string(v) && strcmp(json_string_value(v), "true") == 0)
            return cps_write_u8(out, 1);
        if (json_is_string(v) && strcmp(json_string_value(v), "false") == 0)
            return cps_write_u8(out, 0);
        return fail_at(c, CPS_ERR_TYPE, "expected a boolean (true, false, 0 or 1), got %s",
                       cps_abi__json_kind(v));
    case ABI_INT8:
        if ((rc = j2b_int(c, v, INT8_MIN, INT8_MAX, &i))) return rc;
        return cps_write_u8(out, (uint8_t)(int8_t)i);
    case ABI_UINT8:
        if ((rc = j2b_uint(c, v, UINT8_MAX, &u))) return rc;
        return cps_write_u8(out, (uint8_t)u);
    case ABI_INT16:
        if ((rc = j2b_int(c, v, INT16_MIN, INT16_MAX, &i))) return rc;
        return cps_write_u16(out, (uint16_t)(int16_t)i);
    case ABI_UINT16:
        if ((rc = j2b_uint(c, v, UINT16_MAX, &u))) return rc;
        return cps_write_u16(out, (uint16_t)u);
    case ABI_INT32:
        if ((rc = j2b_int(c, v, INT32_MIN, INT32_MAX, &i))) return rc;
        return cps_write_u32(out, (uint32_t)(int32_t)i);
    case ABI_UINT32:
        if ((rc = j2b_uint(c, v, UINT32_MAX, &u))) return rc;
        return cps_write_u32(out, (uint32_t)u);
    case ABI_INT64:
        if ((rc = j2b_int(c, v, INT64_MIN, INT64_MAX, &i))) return rc;
        return cps_write_u64(out, (uint64_t)i);
    case ABI_UINT64:
        if ((rc = j2b_uint(c, v, UINT64_MAX, &u))) return rc;
        return cps_write_u64(out, u);
    case ABI_INT128: {
        cps_int128 x;
        uint8_t p[16];
        if (json_is_integer(v) || json_is_real(v)) {
            if ((rc = j2b_int(c, v, INT64_MIN, INT64_MAX, &i))) return rc;
            x = i;
        } else if (json_is_string(v)) {
            if ((rc = cps_abi_int128_from_string(json_string_value(v), json_string_length(v), &x)))
                return at_path(c, rc);
        } else {
            return fail_at(c, CPS_ERR_TYPE, "expected an int128 (decimal string), got %s",
                           cps_abi__json_kind(v));
        }
        put_u128(p, (cps_uint128)x);
        return cps_write_bytes(out, p, 16);
    }
    case ABI_UINT128: {
        cps_uint128 x;
        uint8_t p[16];
        if (json_is_integer(v) || json_is_real(v)) {
            if ((rc = j2b_uint(c, v, UINT64_MAX, &u))) return rc;
            x = u;
        } else if (json_is_string(v)) {
            if ((rc = cps_abi_uint128_from_string(json_string_value(v), json_string_length(v), &x)))
                return at_path(c, rc);
        } else {
            return fail_at(c, CPS_ERR_TYPE, "expected a uint128 (decimal string), got %s",
                           cps_abi__json_kind(v));
        }
        put_u128(p, x);
        return cps_write_bytes(out, p, 16);
    }
    case ABI_VARINT32:
        if ((rc = j2b_int(c, v, INT32_MIN, INT32_MAX, &i))) return rc;
        return cps_write_varint32(out, (int32_t)i);
    case ABI_VARUINT32:
        if ((rc = j2b_uint(c, v, UINT32_MAX, &u))) return rc;
        return cps_write_varuint32(out, (uint32_t)u);
    case ABI_FLOAT32: {
        double d;
        if ((rc = get_double(v, &d))) return at_path(c, rc);
        float f = (float)d;
        uint32_t bits;
        memcpy(&bits, &f, 4);
        return cps_write_u32(out, bits);
    }
    case ABI_FLOAT64: {
        double d;
        if ((rc = get_double(v, &d))) return at_path(c, rc);
        uint64_t bits;
        memcpy(&bits, &d, 8);
        return cps_write_u64(out, bits);
    }
    case ABI_FLOAT128:
        return hex_fixed(c, v, "a float128 hex", 16, true);
    case ABI_TIME_POINT:
        if ((rc = expect_string(c, v, "a time", &s, &len))) return rc;
        if ((rc = cps_abi_time_point_from_string(s, len, &i))) return at_path(c, rc);
        return cps_write_u64(out, (uint64_t)i);
    case ABI_TIME_POINT_SEC: {
        uint32_t sec;
        if ((rc = expect_string(c, v, "a time", &s, &len))) return rc;
        if ((rc = cps_abi_time_point_sec_from_string(s, len, &sec))) return at_path(c, rc);
        return cps_write_u32(out, sec);
    }
    case ABI_BLOCK_TIMESTAMP: {
        uint32_t slot;
        if ((rc = expect_string(c, v, "a time", &s, &len))) return rc;
        if ((rc = cps_abi_block_timestamp_from_string(s, len, &slot))) return at_path(c, rc);
        return cps_write_u32(out, slot);
    }
    case ABI_NAME: {
        cps_name n;
        if ((rc = j2b_name(c, v, &n))) return rc;
        return cps_write_u64(out, n);
    }
    case ABI_BYTES: {
        if ((rc = expect_string(c, v, "a hex", &s, &len))) return rc;
        if (len % 2)
            return fail_at(c, CPS_ERR_FORMAT, "bytes: odd number of hex digits (%zu)", len);
        if (len / 2 > UINT32_MAX) return fail_at(c, CPS_ERR_LIMIT, "bytes: too long");
        cps_write_varuint32(out, (uint32_t)(len / 2));
        if (cps_buf_reserve(out, len / 2)) return out->failed;
        size_t n;
        rc = cps_hex_decode(out->data + out->size, len / 2, &n, s, len);
        if (rc) return at_path(c, rc);
        out->size += n;
        return 0;
    }
    case ABI_STRING:
        if ((rc = expect_string(c, v, "a", &s, &len))) return rc;
        return cps_write_blob(out, s, len);
    case ABI_CHECKSUM160:
        return hex_fixed(c, v, "a checksum160 hex", 20, false);
    case ABI_CHECKSUM256:
        return hex_fixed(c, v, "a checksum256 hex", 32, false);
    case ABI_CHECKSUM512:
        return hex_fixed(c, v, "a checksum512 hex", 64, false);
    case ABI_PUBLIC_KEY: {
        cps_public_key k;
        if ((rc = expect_string(c, v, "a public key", &s, &len))) return rc;
        if ((rc = cps_public_key_from_string(s, len, &k))) return at_path(c, rc);
        return cps_public_key_pack(out, &k);
    }
    case ABI_SIGNATURE: {
        cps_signature sig;
        if ((rc = expect_string(c, v, "a signature", &s, &len))) return rc;
        if ((rc = cps_signature_from_string(s, len, &sig))) return at_path(c, rc);
        return cps_signature_pack(out, &sig);
    }
    case ABI_SYMBOL: {
        cps_symbol sym;
        if ((rc = expect_string(c, v, "a symbol", &s, &len))) return rc;
        if ((rc = cps_abi_symbol_from_string(s, len, &sym))) return at_path(c, rc);
        return cps_write_u64(out, sym);
    }
    case ABI_SYMBOL_CODE: {
        cps_symbol_code code;
        if ((rc = expect_string(c, v, "a symbol code", &s, &len))) return rc;
        if ((rc = cps_abi_symbol_code_from_string(s, len, &code))) return at_path(c, rc);
        return cps_write_u64(out, code);
    }
    case ABI_ASSET: {
        cps_asset a;
        if ((rc = j2b_asset(c, v, &a))) return rc;
        cps_write_u64(out, (uint64_t)a.amount);
        return cps_write_u64(out, a.symbol);
    }
    case ABI_EXTENDED_ASSET: {
        const json_t *q, *k;
        if (json_is_object(v)) {
            q = json_object_get(v, "quantity");
            k = json_object_get(v, "contract");
        } else if (json_is_array(v) && json_array_size(v) == 2) {
            q = json_array_get(v, 0);
            k = json_array_get(v, 1);
        } else {
            return fail_at(c, CPS_ERR_TYPE,
                           "expected an extended_asset object {quantity, contract}, got %s",
                           cps_abi__json_kind(v));
        }
        cps_asset a;
        cps_name contract;
        push_field(c, "quantity", 8);
        rc = q ? j2b_asset(c, q, &a) : fail_at(c, CPS_ERR_FORMAT, "missing");
        pop(c);
        if (rc) return rc;
        push_field(c, "contract", 8);
        rc = k ? j2b_name(c, k, &contract) : fail_at(c, CPS_ERR_FORMAT, "missing");
        pop(c);
        if (rc) return rc;
        cps_write_u64(out, (uint64_t)a.amount);
        cps_write_u64(out, a.symbol);
        return cps_write_u64(out, contract);
    }
    case ABI_BUILTIN_COUNT:
        break;
    }
    return fail_at(c, CPS_ERR_ABI_TYPE, "unknown built-in type");
}

static int j2b_struct(struct conv *c, const struct abi_type *t, const json_t *v)
{
    const struct abi_struct_info *st = &t->st;
    int rc;
    if (json_is_object(v)) {
        if (st->base) {
            bool saved = c->allow_extensions;
            c->allow_extensions = false; /* base fields are followed by ours */
            if ((rc = enter(c))) return rc;
            rc = j2b_struct(c, st->base, v);
            c->depth--;
            c->allow_extensions = saved;
            if (rc) return rc;
        }
        bool extensions_ended = false;
        for (uint32_t i = 0; i < st->field_count; i++) {
            const struct abi_field_info *f = &st->fields[i];
            const json_t *fv = json_object_get(v, f->name);
            if (fv || f->declared_optional) {
                if (extensions_ended)
                    return fail_at(c, CPS_ERR_FORMAT,
                                   "unexpected field %s after an absent binary extension field",
                                   f->name);
                bool saved = c->allow_extensions;
                c->allow_extensions = saved && i + 1 == st->field_count;
                push_field(c, f->name, f->name_len);
                rc = j2b(c, f->type, fv ? fv : json_null());
                pop(c);
                c->allow_extensions = saved;
                if (rc) return rc;
            } else if (f->type->kind == ABI_T_EXTENSION && c->allow_extensions) {
                extensions_ended = true;
            } else if (extensions_ended) {
                return fail_at(c, CPS_ERR_FORMAT,
                               "field %s has no binary extension designation ($) but follows an "
                               "absent binary extension field",
                               f->name);
            } else {
                return fail_at(c, CPS_ERR_FORMAT, "missing field %s", f->name);
            }
        }
        return 0;
    }
    if (json_is_array(v)) {
        if (st->base)
            return fail_at(c, CPS_ERR_FORMAT,
                           "an array of field values is only allowed for a struct without base "
                           "(%s has base %s)",
                           t->name, st->base->name);
        size_t n = json_array_size(v);
        for (uint32_t i = 0; i < st->field_count; i++) {
            const struct abi_field_info *f = &st->fields[i];
            if (i < n) {
                bool saved = c->allow_extensions;
                c->allow_extensions = saved && i + 1 == st->field_count;
                push_field(c, f->name, f->name_len);
                rc = j2b(c, f->type, json_array_get(v, i));
                pop(c);
                c->allow_extensions = saved;
                if (rc) return rc;
            } else if (f->type->kind == ABI_T_EXTENSION && c->allow_extensions) {
                break;
            } else {
                return fail_at(c, CPS_ERR_FORMAT, "array of %zu values ends before field %s", n,
                               f->name);
            }
        }
        return 0;
    }
    return fail_at(c, CPS_ERR_TYPE, "expected an object for struct %s, got %s", t->name,
                   cps_abi__json_kind(v));
}

static int j2b(struct conv *c, const struct abi_type *t, const json_t *v)
{
    int rc = enter(c);
    if (rc) return rc;
    switch (t->kind) {
    case ABI_T_BUILTIN:
        rc = j2b_builtin(c, t->builtin, v);
        break;
    case ABI_T_EXTENSION:
        rc = j2b(c, t->elem, v);
        break;
    case ABI_T_OPTIONAL:
        if (json_is_null(v)) {
            rc = cps_write_u8(c->out, 0);
        } else {
            cps_write_u8(c->out, 1);
            rc = j2b(c, t->elem, v);
        }
        break;
    case ABI_T_ARRAY: {
        if (!json_is_array(v)) {
            rc = fail_at(c, CPS_ERR_TYPE, "expected an array, got %s", cps_abi__json_kind(v));
            break;
        }
        size_t n = json_array_size(v);
        if (n > UINT32_MAX) {
            rc = fail_at(c, CPS_ERR_LIMIT, "array too long");
            break;
        }
        cps_write_varuint32(c->out, (uint32_t)n);
        bool saved = c->allow_extensions;
        c->allow_extensions = false;
        for (size_t i = 0; i < n && !rc; i++) {
            push_index(c, (uint32_t)i);
            rc = j2b(c, t->elem, json_array_get(v, i));
            pop(c);
        }
        c->allow_extensions = saved;
        break;
    }
    case ABI_T_VARIANT: {
        if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_string(json_array_get(v, 0))) {
            rc = fail_at(c, CPS_ERR_TYPE, "expected a variant as [\"type\", value] for %s, got %s",
                         t->name, json_is_array(v) ? "another array" : cps_abi__json_kind(v));
            break;
        }
        const json_t *tag = json_array_get(v, 0);
        const char *ts = json_string_value(tag);
        size_t tl = json_string_length(tag);
        uint32_t k;
        for (k = 0; k < t->var.count; k++)
            if (t->var.name_lens[k] == tl && memcmp(t->var.names[k], ts, tl) == 0) break;
        if (k == t->var.count) {
            rc = fail_at(c, CPS_ERR_FORMAT, "type \"%.*s\" is not one of variant %s's types",
                         (int)(tl > 60 ? 60 : tl), ts, t->name);
            break;
        }
        cps_write_varuint32(c->out, k);
        push_variant(c, t->var.names[k], t->var.name_lens[k]);
        rc = j2b(c, t->var.types[k], json_array_get(v, 1));
        pop(c);
        break;
    }
    case ABI_T_STRUCT:
        rc = j2b_struct(c, t, v);
        break;
    }
    c->depth--;
    if (!rc && c->out->failed) rc = c->out->failed;
    return rc;
}

int cps_abi__json_to_bin(const cps_abi *abi, const struct abi_type *t, const char *root,
                         const json_t *value, cps_buf *out)
{
    struct conv conv, *c = &conv; /* about 2 KiB: cheaper on the stack than on the heap */
    c->abi = abi;
    c->out = out;
    c->root = root;
    c->depth = 0;
    c->path_len = 0;
    c->allow_extensions = true;
    size_t start = out->size;
    int rc = j2b(c, t, value);
    if (!rc && out->failed) rc = out->failed;
    if (rc && !out->failed) out->size = start;
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Binary -> JSON
 * ------------------------------------------------------------------------------------------ */
static int b2j(struct conv *c, const struct abi_type *t, cps_reader *r);

static int rd(struct conv *c, int rc)
{
    return rc ? at_path(c, rc) : 0;
}

static int b2j_builtin(struct conv *c, enum abi_builtin b, cps_reader *r)
{
    cps_buf *out = c->out;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int rc;
    switch (b) {
    case ABI_BOOL:
        if ((rc = rd(c, cps_read_u8(r, &u8)))) return rc;
        if (u8 > 1)
            return fail_at(c, CPS_ERR_FORMAT, "bool byte 0x%02x at offset %zu is not 0 or 1", u8,
                           r->pos - 1);
        /* nodeos unpacks bool as uint8 and prints it as a number. */
        return cps_write_u8(out, (uint8_t)('0' + u8));
    case ABI_INT8:
        if ((rc = rd(c, cps_read_u8(r, &u8)))) return rc;
        return write_i64_num(out, (int8_t)u8);
    case ABI_UINT8:
        if ((rc = rd(c, cps_read_u8(r, &u8)))) return rc;
        return write_u64_num(out, u8);
    case ABI_INT16:
        if ((rc = rd(c, cps_read_u16(r, &u16)))) return rc;
        return write_i64_num(out, (int16_t)u16);
    case ABI_UINT16:
        if ((rc = rd(c, cps_read_u16(r, &u16)))) return rc;
        return write_u64_num(out, u16);
    case ABI_INT32:
        if ((rc = rd(c, cps_read_u32(r, &u32)))) return rc;
        return write_i64_num(out, (int32_t)u32);
    case ABI_UINT32:
        if ((rc = rd(c, cps_read_u32(r, &u32)))) return rc;
        return write_u64_num(out, u32);
    case ABI_INT64:
        if ((rc = rd(c, cps_read_u64(r, &u64)))) return rc;
        return cps_abi__write_i64_json(out, (int64_t)u64);
    case ABI_UINT64:
        if ((rc = rd(c, cps_read_u64(r, &u64)))) return rc;
        return cps_abi__write_u64_json(out, u64);
    case ABI_INT128:
    case ABI_UINT128: {
        const uint8_t *p;
        if ((rc = rd(c, cps_read_span(r, 16, &p)))) return rc;
        char s[CPS_INT128_STR_MAX];
        size_t n = b == ABI_INT128 ? cps_abi_int128_to_string((cps_int128)get_u128(p), s)
                                   : cps_abi_uint128_to_string(get_u128(p), s);
        return write_quoted(out, s, n);
    }
    case ABI_VARINT32: {
        int32_t v;
        if ((rc = rd(c, cps_read_varint32(r, &v)))) return rc;
        return write_i64_num(out, v);
    }
    case ABI_VARUINT32:
        if ((rc = rd(c, cps_read_varuint32(r, &u32)))) return rc;
        return write_u64_num(out, u32);
    case ABI_FLOAT32: {
        if ((rc = rd(c, cps_read_u32(r, &u32)))) return rc;
        float f;
        memcpy(&f, &u32, 4);
        cps_write_u8(out, '"');
        cps_abi_float64_format(out, (double)f);
        return cps_write_u8(out, '"');
    }
    case ABI_FLOAT64: {
        if ((rc = rd(c, cps_read_u64(r, &u64)))) return rc;
        double d;
        memcpy(&d, &u64, 8);
        cps_write_u8(out, '"');
        cps_abi_float64_format(out, d);
        return cps_write_u8(out, '"');
    }
    case ABI_FLOAT128: {
        const uint8_t *p;
        if ((rc = rd(c, cps_read_span(r, 16, &p)))) return rc;
        cps_write_bytes(out, "\"0x", 3);
        cps_hex_append(out, p, 16);
        return cps_write_u8(out, '"');
    }
    case ABI_TIME_POINT: {
        if ((rc = rd(c, cps_read_u64(r, &u64)))) return rc;
        char s[CPS_TIME_STR_MAX];
        cps_abi_time_point_to_string((int64_t)u64, s);
        return write_quoted(out, s, strlen(s));
    }
    case ABI_TIME_POINT_SEC: {
        if ((rc = rd(c, cps_read_u32(r, &u32)))) return rc;
        char s[CPS_TIME_STR_MAX];
        cps_abi_time_point_sec_to_string(u32, s);
        return write_quoted(out, s, strlen(s));
    }
    case ABI_BLOCK_TIMESTAMP: {
        if ((rc = rd(c, cps_read_u32(r, &u32)))) return rc;
        char s[CPS_TIME_STR_MAX];
        cps_abi_block_timestamp_to_string(u32, s);
        return write_quoted(out, s, strlen(s));
    }
    case ABI_NAME: {
        if ((rc = rd(c, cps_read_u64(r, &u64)))) return rc;
        char s[CPS_NAME_STR_MAX];
        size_t n = cps_abi_name_to_string(u64, s);
        return write_quoted(out, s, n);
    }
    case ABI_BYTES: {
        const uint8_t *p;
        size_t n;
        if ((rc = rd(c, cps_read_blob(r, &p, &n)))) return rc;
        return write_hex_quoted(out, p, n);
    }
    case ABI_STRING: {
        const uint8_t *p;
        size_t n;
        if ((rc = rd(c, cps_read_blob(r, &p, &n)))) return rc;
        return cps_abi_json_string(out, (const char *)p, n);
    }
    case ABI_CHECKSUM160:
    case ABI_CHECKSUM256:
    case ABI_CHECKSUM512: {
        size_t n = b == ABI_CHECKSUM160 ? 20 : b == ABI_CHECKSUM256 ? 32 : 64;
        const uint8_t *p;
        if ((rc = rd(c, cps_read_span(r, n, &p)))) return rc;
        return write_hex_quoted(out, p, n);
    }
    case ABI_PUBLIC_KEY: {
        cps_public_key k;
        char s[CPS_PUBLIC_KEY_STR_MAX];
        if ((rc = rd(c, cps_public_key_unpack(r, &k)))) return rc;
        if ((rc = rd(c, cps_public_key_to_string(&k, false, s, sizeof s)))) return rc;
        return write_quoted(out, s, strlen(s));
    }
    case ABI_SIGNATURE: {
        cps_signature sig;
        char s[CPS_SIGNATURE_STR_MAX];
        if ((rc = rd(c, cps_signature_unpack(r, &sig)))) return rc;
        if ((rc = rd(c, cps_signature_to_string(&sig, s, sizeof s)))) return rc;
        return write_quoted(out, s, strlen(s));
    }
    case ABI_SYMBOL: {
        char s[CPS_SYMBOL_STR_MAX];
        if ((rc = rd(c, cps_read_u64(r, &u64)))) return rc;
        if ((rc = rd(c, cps_abi_symbol_to_string(u64, s)))) return rc;
        return write_quoted(out, s, strlen(s));
    }
    case ABI_SYMBOL_CODE: {
        char s[CPS_SYMBOL_STR_MAX];
        if ((rc = rd(c, cps_read_u64(r, &u64)))) return rc;
        if ((rc = rd(c, cps_abi_symbol_code_to_string(u64, s)))) return rc;
        return write_quoted(out, s, strlen(s));
    }
    case ABI_ASSET:
    case ABI_EXTENDED_ASSET: {
        cps_asset a;
        char s[CPS_ASSET_STR_MAX];
        if ((rc = rd(c, cps_read_u64(r, &u64)))) return rc;
        a.amount = (int64_t)u64;
        if ((rc = rd(c, cps_read_u64(r, &a.symbol)))) return rc;
        if ((rc = rd(c, cps_abi_asset_to_string(&a, s)))) return rc;
        if (b == ABI_ASSET) return write_quoted(out, s, strlen(s));
        if ((rc = rd(c, cps_read_u64(r, &u64)))) return rc;
        char n[CPS_NAME_STR_MAX];
        size_t nl = cps_abi_name_to_string(u64, n);
        cps_write_bytes(out, "{\"quantity\":", 12);
        write_quoted(out, s, strlen(s));
        cps_write_bytes(out, ",\"contract\":", 12);
        write_quoted(out, n, nl);
        return cps_write_u8(out, '}');
    }
    case ABI_BUILTIN_COUNT:
        break;
    }
    return fail_at(c, CPS_ERR_ABI_TYPE, "unknown built-in type");
}

static int b2j_fields(struct conv *c, const struct abi_type *t, cps_reader *r, bool *first)
{
    int rc;
    if (t->st.base) {
        if ((rc = enter(c))) return rc;
        rc = b2j_fields(c, t->st.base, r, first);
        c->depth--;
        if (rc) return rc;
    }
    bool encountered_extension = false;
    for (uint32_t i = 0; i < t->st.field_count; i++) {
        const struct abi_field_info *f = &t->st.fields[i];
        bool extension = f->type->kind == ABI_T_EXTENSION;
        encountered_extension |= extension;
        if (cps_reader_left(r) == 0) {
            /* Absent trailing binary extensions are simply omitted from the object. */
            if (extension) continue;
            if (encountered_extension)
                return fail_at(c, CPS_ERR_FORMAT,
                               "field %s has no binary extension designation ($) but follows one "
                               "and the data ends before it",
                               f->name);
            return fail_at(c, CPS_ERR_TRUNCATED, "data ends before field %s", f->name);
        }
        if (!*first) cps_write_u8(c->out, ',');
        *first = false;
        cps_write_bytes(c->out, f->json_key, f->json_key_len);
        push_field(c, f->name, f->name_len);
        rc = b2j(c, extension ? f->type->elem : f->type, r);
        pop(c);
        if (rc) return rc;
    }
    return 0;
}

static int b2j(struct conv *c, const struct abi_type *t, cps_reader *r)
{
    int rc = enter(c);
    if (rc) return rc;
    switch (t->kind) {
    case ABI_T_BUILTIN:
        rc = b2j_builtin(c, t->builtin, r);
        break;
    case ABI_T_EXTENSION:
        rc = b2j(c, t->elem, r);
        break;
    case ABI_T_OPTIONAL: {
        uint8_t flag;
        if ((rc = rd(c, cps_read_u8(r, &flag)))) break;
        if (flag > 1) {
            rc = fail_at(c, CPS_ERR_FORMAT, "optional flag 0x%02x at offset %zu is not 0 or 1",
                         flag, r->pos - 1);
        } else if (flag == 0) {
            rc = cps_write_bytes(c->out, "null", 4);
        } else {
            rc = b2j(c, t->elem, r);
        }
        break;
    }
    case ABI_T_ARRAY: {
        uint32_t n;
        size_t at = r->pos;
        if ((rc = rd(c, cps_read_varuint32(r, &n)))) break;
        uint32_t min = t->elem->min_size ? t->elem->min_size : 1;
        if (n > cps_reader_left(r) / min) {
            rc = fail_at(c, CPS_ERR_TRUNCATED,
                         "array of %u elements at offset %zu needs at least %llu bytes, %zu left",
                         n, at, (unsigned long long)n * min, cps_reader_left(r));
            break;
        }
        cps_write_u8(c->out, '[');
        for (uint32_t i = 0; i < n && !rc; i++) {
            if (i) cps_write_u8(c->out, ',');
            push_index(c, i);
            rc = b2j(c, t->elem, r);
            pop(c);
        }
        if (!rc) rc = cps_write_u8(c->out, ']');
        break;
    }
    case ABI_T_VARIANT: {
        uint32_t k;
        size_t at = r->pos;
        if ((rc = rd(c, cps_read_varuint32(r, &k)))) break;
        if (k >= t->var.count) {
            rc = fail_at(c, CPS_ERR_FORMAT,
                         "variant index %u at offset %zu is beyond the %u types of %s", k, at,
                         t->var.count, t->name);
            break;
        }
        cps_write_u8(c->out, '[');
        cps_abi_json_string(c->out, t->var.names[k], t->var.name_lens[k]);
        cps_write_u8(c->out, ',');
        push_variant(c, t->var.names[k], t->var.name_lens[k]);
        rc = b2j(c, t->var.types[k], r);
        pop(c);
        if (!rc) rc = cps_write_u8(c->out, ']');
        break;
    }
    case ABI_T_STRUCT: {
        bool first = true;
        cps_write_u8(c->out, '{');
        rc = b2j_fields(c, t, r, &first);
        if (!rc) rc = cps_write_u8(c->out, '}');
        break;
    }
    }
    c->depth--;
    if (!rc && c->out->failed) rc = c->out->failed;
    return rc;
}

int cps_abi__bin_to_json(const cps_abi *abi, const struct abi_type *t, const char *root,
                         cps_reader *r, cps_buf *out)
{
    struct conv conv, *c = &conv;
    c->abi = abi;
    c->out = out;
    c->root = root;
    c->depth = 0;
    c->path_len = 0;
    c->allow_extensions = true;
    size_t start = out->size;
    int rc = b2j(c, t, r);
    if (!rc && out->failed) rc = out->failed;
    if (rc && !out->failed) out->size = start;
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Public entry points
 * ------------------------------------------------------------------------------------------ */
int cps_abi_json_value_to_bin_at(const cps_abi *abi, const char *type, const json_t *value,
                                 const char *label, cps_buf *out)
{
    struct abi_type tmp;
    const struct abi_type *t = cps_abi__resolve(abi, type, &tmp);
    if (!t) return CPS_ERR_ABI_TYPE;
    return cps_abi__json_to_bin(abi, t, label ? label : type, value, out);
}

int cps_abi_json_value_to_bin(const cps_abi *abi, const char *type, const json_t *value,
                              cps_buf *out)
{
    return cps_abi_json_value_to_bin_at(abi, type, value, NULL, out);
}

int cps_abi_json_parse(const char *text, size_t len, json_t **out)
{
    json_error_t err;
    *out = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (*out) return 0;
    if (strstr(err.text, "too big")) {
        /* jansson refuses integer literals beyond int64 ("too big integer"). Such a literal is
         * legitimate for a float (JavaScript prints 1e20 as 100000000000000000000), so read
         * every number as a double instead: integer fields then accept only values a double
         * holds exactly (|v| <= 2^53) and ask for strings beyond, so nothing is silently
         * rounded. */
        json_error_t err2;
        *out = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
                          &err2);
        if (*out) return 0;
    }
    return cps_fail(CPS_ERR_JSON, "JSON: %s at line %d column %d", err.text, err.line, err.column);
}

int cps_abi_json_to_bin(const cps_abi *abi, const char *type, const char *json, size_t len,
                        cps_buf *out)
{
    json_t *v;
    int rc = cps_abi_json_parse(json, len, &v);
    if (rc) return rc;
    rc = cps_abi_json_value_to_bin(abi, type, v, out);
    json_decref(v);
    return rc;
}

int cps_abi_bin_to_json_reader(const cps_abi *abi, const char *type, cps_reader *r, cps_buf *out)
{
    struct abi_type tmp;
    const struct abi_type *t = cps_abi__resolve(abi, type, &tmp);
    if (!t) return CPS_ERR_ABI_TYPE;
    return cps_abi__bin_to_json(abi, t, type, r, out);
}

int cps_abi_bin_to_json_at(const cps_abi *abi, const char *type, const uint8_t *data, size_t n,
                           const char *label, cps_buf *out)
{
    struct abi_type tmp;
    const struct abi_type *t = cps_abi__resolve(abi, type, &tmp);
    if (!t) return CPS_ERR_ABI_TYPE;
    cps_reader r = cps_reader_make(data, n);
    size_t start = out->size;
    int rc = cps_abi__bin_to_json(abi, t, label ? label : type, &r, out);
    if (rc) return rc;
    if (cps_reader_left(&r)) {
        out->size = start;
        return cps_fail(CPS_ERR_TRAILING, "%s: %zu unexpected bytes after offset %zu",
                        label ? label : type, cps_reader_left(&r), r.pos);
    }
    return 0;
}

int cps_abi_bin_to_json(const cps_abi *abi, const char *type, const uint8_t *data, size_t n,
                        cps_buf *out)
{
    return cps_abi_bin_to_json_at(abi, type, data, n, NULL, out);
}

int cps_abi_bin_to_json_value(const cps_abi *abi, const char *type, const uint8_t *data, size_t n,
                              json_t **out)
{
    cps_buf b;
    cps_buf_init(&b);
    *out = NULL;
    int rc = cps_abi_bin_to_json(abi, type, data, n, &b);
    if (!rc) {
        json_error_t err;
        *out = json_loadb((const char *)b.data, b.size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (!*out)
            rc = cps_fail(CPS_ERR_JSON, "internal: produced JSON did not parse: %s", err.text);
    }
    cps_buf_free(&b);
    return rc;
}

static int by_name(const char *type, const char *what, cps_name n)
{
    if (type) return 0;
    char s[CPS_NAME_STR_MAX];
    cps_abi_name_to_string(n, s);
    return cps_fail(CPS_ERR_NOT_FOUND, "the ABI declares no %s %s", what, s);
}

int cps_abi_action_json_to_bin(const cps_abi *abi, cps_name action, const json_t *value,
                               cps_buf *out)
{
    const char *type = cps_abi_action_type(abi, action);
    int rc = by_name(type, "action", action);
    return rc ? rc : cps_abi_json_value_to_bin(abi, type, value, out);
}

int cps_abi_action_bin_to_json(const cps_abi *abi, cps_name action, const uint8_t *data, size_t n,
                               cps_buf *out)
{
    const char *type = cps_abi_action_type(abi, action);
    int rc = by_name(type, "action", action);
    return rc ? rc : cps_abi_bin_to_json(abi, type, data, n, out);
}

int cps_abi_table_json_to_bin(const cps_abi *abi, cps_name table, const json_t *value, cps_buf *out)
{
    const char *type = cps_abi_table_type(abi, table);
    int rc = by_name(type, "table", table);
    return rc ? rc : cps_abi_json_value_to_bin(abi, type, value, out);
}

int cps_abi_table_bin_to_json(const cps_abi *abi, cps_name table, const uint8_t *data, size_t n,
                              cps_buf *out)
{
    const char *type = cps_abi_table_type(abi, table);
    int rc = by_name(type, "table", table);
    return rc ? rc : cps_abi_bin_to_json(abi, type, data, n, out);
}

int cps_abi_action_result_json_to_bin(const cps_abi *abi, cps_name action, const json_t *value,
                                      cps_buf *out)
{
    const char *type = cps_abi_action_result_type(abi, action);
    int rc = by_name(type, "action result", action);
    return rc ? rc : cps_abi_json_value_to_bin(abi, type, value, out);
}

int cps_abi_action_result_bin_to_json(const cps_abi *abi, cps_name action, const uint8_t *data,
                                      size_t n, cps_buf *out)
{
    const char *type = cps_abi_action_result_type(abi, action);
    int rc = by_name(type, "action result", action);
    return rc ? rc : cps_abi_bin_to_json(abi, type, data, n, out);
}
