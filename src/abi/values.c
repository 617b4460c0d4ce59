/* values: the arena, and the text forms of EOSIO's plain value types (names, symbols, assets,
 * times, 128-bit integers, floats) plus nodeos's way of escaping JSON strings. */
#include "abi/abi_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Arena: a list of blocks; small allocations are carved from the newest block, large ones get a
 * block of their own, so waste stays bounded.
 * ------------------------------------------------------------------------------------------ */
struct cps_arena_block {
    struct cps_arena_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK_SIZE 8192

void cps_abi_arena_init(cps_arena *a)
{
    memset(a, 0, sizeof *a);
}

void *cps_abi_arena_alloc(cps_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    struct cps_arena_block *blk = a->head;
    /* Blocks come from malloc and each allocation is zeroed here: most arenas hold far less
     * than a block (one permission, one transaction), and zeroing whole 8 KiB blocks with calloc
     * was a measurable share of applying a transaction (docs/performance.md). */
    if (blk && blk->cap - blk->used >= size) {
        void *p = blk->data + blk->used;
        blk->used += size;
        memset(p, 0, size);
        return p;
    }
    size_t cap = size > ARENA_BLOCK_SIZE / 4 ? size : ARENA_BLOCK_SIZE;
    if (cap > SIZE_MAX - sizeof *blk) {
        cps_fail(CPS_ERR_NOMEM, "arena: allocation of %zu bytes is too large", size);
        return NULL;
    }
    if (a->limit && (a->allocated + cap > a->limit || a->allocated + cap < a->allocated)) {
        cps_fail(CPS_ERR_LIMIT, "arena: memory limit of %zu bytes exceeded", a->limit);
        return NULL;
    }
    struct cps_arena_block *nb = malloc(sizeof *nb + cap);
    if (!nb) {
        cps_fail(CPS_ERR_NOMEM, "arena: out of memory allocating %zu bytes", cap);
        return NULL;
    }
    nb->cap = cap;
    nb->used = size;
    nb->next = NULL;
    memset(nb->data, 0, size);
    a->allocated += cap;
    if (cap == size && blk) {
        /* A dedicated block goes behind the current one, which may still have room. */
        nb->next = blk->next;
        blk->next = nb;
    } else {
        nb->next = blk;
        a->head = nb;
    }
    return nb->data;
}

void *cps_abi_arena_dup(cps_arena *a, const void *data, size_t n)
{
    void *p = cps_abi_arena_alloc(a, n);
    if (p && n) memcpy(p, data, n);
    return p;
}

void cps_abi_arena_reset(cps_arena *a)
{
    /* Keep one ordinary block (the most recent one) for reuse (allocations zero what they hand
     * out); free the rest. */
    struct cps_arena_block *keep = NULL, *b = a->head;
    while (b) {
        struct cps_arena_block *next = b->next;
        if (!keep && b->cap == ARENA_BLOCK_SIZE) {
            keep = b;
        } else {
            a->allocated -= b->cap;
            free(b);
        }
        b = next;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
}

void cps_abi_arena_free(cps_arena *a)
{
    struct cps_arena_block *b = a->head;
    while (b) {
        struct cps_arena_block *next = b->next;
        free(b);
        b = next;
    }
    size_t limit = a->limit;
    memset(a, 0, sizeof *a);
    a->limit = limit;
}

/* Copies at most 40 characters of untrusted text into a message buffer, escaping what is not
 * printable, so error details stay readable and bounded. */
static const char *quote_text(char *out, size_t cap, const char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 40) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    out[o] = 0;
    return out;
}

/* ------------------------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------------------------ */
static const char name_charmap[] = ".12345abcdefghijklmnopqrstuvwxyz";

static int name_char_value(char c)
{
    if (c >= 'a' && c <= 'z') return c - 'a' + 6;
    if (c >= '1' && c <= '5') return c - '1' + 1;
    if (c == '.') return 0;
    return -1;
}

int cps_abi_name_from_string(const char *s, size_t len, cps_name *out)
{
    char q[200];
    if (len > 13)
        return cps_fail(CPS_ERR_FORMAT,
                        "name \"%s\" is not a valid name: longer than 13 characters",
                        quote_text(q, sizeof q, s, len));
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        int c = name_char_value(s[i]);
        if (c < 0)
            return cps_fail(CPS_ERR_FORMAT,
                            "name \"%s\" is not a valid name: character %zu is not one of "
                            "a-z, 1-5 and '.'",
                            quote_text(q, sizeof q, s, len), i + 1);
        if (i < 12) {
            v |= (uint64_t)c << (64 - 5 * (i + 1));
        } else {
            if (c > 15)
                return cps_fail(CPS_ERR_FORMAT,
                                "name \"%s\" is not a valid name: the 13th character must be one "
                                "of .12345abcdefghij",
                                quote_text(q, sizeof q, s, len));
            v |= (uint64_t)c;
        }
    }
    if (len > 0 && s[len - 1] == '.')
        return cps_fail(CPS_ERR_FORMAT,
                        "name \"%s\" is not a valid name: not normalized (trailing '.')",
                        quote_text(q, sizeof q, s, len));
    *out = v;
    return 0;
}

size_t cps_abi_name_to_string(cps_name n, char *out)
{
    uint64_t v = n;
    for (int i = 0; i <= 12; i++) {
        unsigned c = (unsigned)(v & (i == 0 ? 0x0f : 0x1f));
        out[12 - i] = name_charmap[c];
        v >>= (i == 0 ? 4 : 5);
    }
    size_t len = 13;
    while (len > 0 && out[len - 1] == '.')
        len--;
    out[len] = 0;
    return len;
}

cps_name cps_abi_name(const char *literal)
{
    cps_name n = 0;
    int rc = cps_abi_name_from_string(literal, strlen(literal), &n);
    assert(rc == 0 && "cps_abi_name: invalid name literal");
    (void)rc;
    return n;
}

size_t cps_abi_name_length(cps_name n)
{
    char buf[CPS_NAME_STR_MAX];
    return cps_abi_name_to_string(n, buf);
}

/* ------------------------------------------------------------------------------------------
 * Symbols and assets
 * ------------------------------------------------------------------------------------------ */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_space(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_space((*s)[*len - 1]))
        (*len)--;
}

bool cps_abi_symbol_code_is_valid(cps_symbol_code c)
{
    int count = 0;
    while (c) {
        unsigned ch = (unsigned)(c & 0xff);
        if (ch < 'A' || ch > 'Z') return false; /* includes a zero byte below a letter */
        c >>= 8;
        count++;
    }
    return count <= 7;
}

bool cps_abi_symbol_is_valid(cps_symbol s)
{
    return cps_abi_symbol_precision(s) <= CPS_SYMBOL_MAX_PRECISION &&
           cps_abi_symbol_code_is_valid(cps_abi_symbol_code(s));
}

static int parse_symbol_code(const char *s, size_t len, cps_symbol_code *out, const char *what)
{
    char q[200];
    if (len > 7)
        return cps_fail(CPS_ERR_FORMAT, "%s \"%s\" is longer than 7 letters", what,
                        quote_text(q, sizeof q, s, len));
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 'A' || s[i] > 'Z')
            return cps_fail(CPS_ERR_FORMAT, "%s \"%s\": only letters A-Z are allowed", what,
                            quote_text(q, sizeof q, s, len));
        v |= (uint64_t)(unsigned char)s[i] << (8 * i);
    }
    *out = v;
    return 0;
}

int cps_abi_symbol_code_from_string(const char *s, size_t len, cps_symbol_code *out)
{
    trim(&s, &len);
    return parse_symbol_code(s, len, out, "symbol code");
}

int cps_abi_symbol_code_to_string(cps_symbol_code c, char *out)
{
    if (!cps_abi_symbol_code_is_valid(c)) {
        out[0] = 0;
        return cps_fail(CPS_ERR_FORMAT, "invalid symbol code 0x%016llx", (unsigned long long)c);
    }
    size_t n = 0;
    while (c) {
        out[n++] = (char)(c & 0xff);
        c >>= 8;
    }
    out[n] = 0;
    return 0;
}

int cps_abi_symbol_from_string(const char *s, size_t len, cps_symbol *out)
{
    char q[200];
    trim(&s, &len);
    const char *comma = memchr(s, ',', len);
    if (len == 0) return cps_fail(CPS_ERR_FORMAT, "symbol: empty string");
    if (!comma)
        return cps_fail(CPS_ERR_FORMAT, "symbol \"%s\": expected \"precision,CODE\"",
                        quote_text(q, sizeof q, s, len));
    size_t plen = (size_t)(comma - s);
    unsigned precision = 0;
    if (plen == 0 || plen > 2)
        return cps_fail(CPS_ERR_FORMAT, "symbol \"%s\": bad precision",
                        quote_text(q, sizeof q, s, len));
    for (size_t i = 0; i < plen; i++) {
        if (s[i] < '0' || s[i] > '9')
            return cps_fail(CPS_ERR_FORMAT, "symbol \"%s\": bad precision",
                            quote_text(q, sizeof q, s, len));
        precision = precision * 10 + (unsigned)(s[i] - '0');
    }
    if (precision > CPS_SYMBOL_MAX_PRECISION)
        return cps_fail(CPS_ERR_FORMAT, "symbol \"%s\": precision %u should be <= 18",
                        quote_text(q, sizeof q, s, len), precision);
    cps_symbol_code code;
    int rc = parse_symbol_code(comma + 1, len - plen - 1, &code, "symbol code");
    if (rc) return rc;
    *out = cps_abi_symbol_make((uint8_t)precision, code);
    return 0;
}

int cps_abi_symbol_to_string(cps_symbol s, char *out)
{
    if (!cps_abi_symbol_is_valid(s)) {
        out[0] = 0;
        return cps_fail(CPS_ERR_FORMAT, "invalid symbol 0x%016llx", (unsigned long long)s);
    }
    int n = snprintf(out, CPS_SYMBOL_STR_MAX, "%u,", cps_abi_symbol_precision(s));
    return cps_abi_symbol_code_to_string(cps_abi_symbol_code(s), out + n);
}

bool cps_abi_asset_is_valid(const cps_asset *a)
{
    return a->amount >= -CPS_ASSET_MAX_AMOUNT && a->amount <= CPS_ASSET_MAX_AMOUNT &&
           cps_abi_symbol_is_valid(a->symbol);
}

static const int64_t pow10_table[19] = {1,
                                        10,
                                        100,
                                        1000,
                                        10000,
                                        100000,
                                        1000000,
                                        10000000,
                                        100000000,
                                        1000000000,
                                        10000000000,
                                        100000000000,
                                        1000000000000,
                                        10000000000000,
                                        100000000000000,
                                        1000000000000000,
                                        10000000000000000,
                                        100000000000000000,
                                        1000000000000000000};

int cps_abi_asset_from_string(const char *s, size_t len, cps_asset *out)
{
    char q[200];
    trim(&s, &len);
    const char *space = memchr(s, ' ', len);
    if (!space)
        return cps_fail(CPS_ERR_FORMAT,
                        "asset \"%s\": amount and symbol should be separated with a space",
                        quote_text(q, sizeof q, s, len));
    size_t alen = (size_t)(space - s);
    const char *code_s = space + 1;
    size_t code_len = len - alen - 1;
    trim(&code_s, &code_len);

    size_t i = 0;
    bool negative = false;
    if (i < alen && s[i] == '-') {
        negative = true;
        i++;
    }
    size_t int_start = i;
    while (i < alen && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t int_digits = i - int_start;
    size_t frac_start = 0, frac_digits = 0;
    if (i < alen && s[i] == '.') {
        i++;
        frac_start = i;
        while (i < alen && s[i] >= '0' && s[i] <= '9')
            i++;
        frac_digits = i - frac_start;
        if (frac_digits == 0)
            return cps_fail(CPS_ERR_FORMAT,
                            "asset \"%s\": missing decimal fraction after decimal point",
                            quote_text(q, sizeof q, s, len));
    }
    if (i != alen || int_digits == 0)
        return cps_fail(CPS_ERR_FORMAT, "asset \"%s\": bad amount (expected [-]digits[.digits])",
                        quote_text(q, sizeof q, s, len));
    if (frac_digits > CPS_SYMBOL_MAX_PRECISION)
        return cps_fail(CPS_ERR_FORMAT, "asset \"%s\": precision %zu should be <= 18",
                        quote_text(q, sizeof q, s, len), frac_digits);
    cps_symbol_code code;
    int rc = parse_symbol_code(code_s, code_len, &code, "asset symbol");
    if (rc) return rc;

    /* amount = int * 10^p + frac, with overflow checks (nodeos uses fc::safe). */
    uint64_t mag = 0;
    for (size_t k = int_start; k < int_start + int_digits; k++) {
        unsigned d = (unsigned)(s[k] - '0');
        if (mag > (UINT64_MAX - d) / 10) goto overflow;
        mag = mag * 10 + d;
    }
    uint64_t scale = (uint64_t)pow10_table[frac_digits];
    if (mag != 0 && mag > UINT64_MAX / scale) goto overflow;
    mag *= scale;
    uint64_t frac = 0;
    for (size_t k = frac_start; k < frac_start + frac_digits; k++)
        frac = frac * 10 + (uint64_t)(s[k] - '0');
    if (mag > UINT64_MAX - frac) goto overflow;
    mag += frac;
    if (mag > (uint64_t)CPS_ASSET_MAX_AMOUNT)
        return cps_fail(CPS_ERR_OVERFLOW,
                        "asset \"%s\": magnitude of asset amount must be less than 2^62",
                        quote_text(q, sizeof q, s, len));
    out->amount = negative ? -(int64_t)mag : (int64_t)mag;
    out->symbol = cps_abi_symbol_make((uint8_t)frac_digits, code);
    return 0;
overflow:
    return cps_fail(CPS_ERR_OVERFLOW, "asset \"%s\": amount overflows int64",
                    quote_text(q, sizeof q, s, len));
}

int cps_abi_asset_to_string(const cps_asset *a, char *out)
{
    if (!cps_abi_asset_is_valid(a)) {
        out[0] = 0;
        if (!cps_abi_symbol_is_valid(a->symbol))
            return cps_fail(CPS_ERR_FORMAT, "asset has an invalid symbol 0x%016llx",
                            (unsigned long long)a->symbol);
        return cps_fail(CPS_ERR_OVERFLOW, "asset amount %lld is beyond +-(2^62 - 1)",
                        (long long)a->amount);
    }
    unsigned p = cps_abi_symbol_precision(a->symbol);
    uint64_t mag = a->amount < 0 ? (uint64_t)(-a->amount) : (uint64_t)a->amount;
    uint64_t p10 = (uint64_t)pow10_table[p];
    char code[CPS_SYMBOL_STR_MAX];
    int rc = cps_abi_symbol_code_to_string(cps_abi_symbol_code(a->symbol), code);
    if (rc) return rc;
    /* Written by hand (this is on the hot path of every asset printed): at most
     * 1 + 19 + 1 + 1 + 7 characters, within CPS_ASSET_STR_MAX. */
    size_t n = 0;
    if (a->amount < 0) out[n++] = '-';
    char digits[24];
    size_t nd = 0;
    uint64_t ip = mag / p10, fp = mag % p10;
    do {
        digits[nd++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (nd)
        out[n++] = digits[--nd];
    if (p) {
        out[n++] = '.';
        for (unsigned k = p; k-- > 0;) {
            out[n + k] = (char)('0' + fp % 10);
            fp /= 10;
        }
        n += p;
    }
    out[n++] = ' ';
    size_t cl = strlen(code);
    memcpy(out + n, code, cl + 1);
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Times
 * ------------------------------------------------------------------------------------------ */
void cps_abi_time_point_to_string(int64_t us, char *out)
{
    if (us >= 0) {
        cps_time_format(out, CPS_TIME_STR_MAX, us, true);
        return;
    }
    /* nodeos prints a negative time_point as a boost duration in ISO form: "-HHMMSS[.ffffff]"
     * (hours not limited to two digits). */
    uint64_t mag = us == INT64_MIN ? (uint64_t)INT64_MAX + 1 : (uint64_t)(-us);
    uint64_t secs = mag / 1000000, frac = mag % 1000000;
    uint64_t hours = secs / 3600, minutes = secs / 60 % 60, seconds = secs % 60;
    if (frac)
        snprintf(out, CPS_TIME_STR_MAX, "-%02llu%02llu%02llu.%06llu", (unsigned long long)hours,
                 (unsigned long long)minutes, (unsigned long long)seconds,
                 (unsigned long long)frac);
    else
        snprintf(out, CPS_TIME_STR_MAX, "-%02llu%02llu%02llu", (unsigned long long)hours,
                 (unsigned long long)minutes, (unsigned long long)seconds);
}

/* Parses the negative-duration form above (so every time_point nodeos prints reads back). */
static int parse_negative_duration(const char *s, size_t len, int64_t *us)
{
    size_t i = 1, dot = len;
    for (size_t k = 1; k < len; k++)
        if (s[k] == '.') {
            dot = k;
            break;
        }
    if (dot < 7 || dot - 1 > 17) return -1;
    uint64_t hours = 0;
    for (; i < dot - 4; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        hours = hours * 10 + (uint64_t)(s[i] - '0');
    }
    unsigned mm = 0, ss = 0;
    for (int k = 0; k < 2; k++, i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        mm = mm * 10 + (unsigned)(s[i] - '0');
    }
    for (int k = 0; k < 2; k++, i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        ss = ss * 10 + (unsigned)(s[i] - '0');
    }
    if (mm > 59 || ss > 59) return -1;
    uint64_t frac = 0;
    if (dot < len) {
        size_t nd = len - dot - 1;
        if (nd == 0 || nd > 6) return -1;
        for (size_t k = dot + 1; k < len; k++) {
            if (s[k] < '0' || s[k] > '9') return -1;
            frac = frac * 10 + (uint64_t)(s[k] - '0');
        }
        for (size_t k = nd; k < 6; k++)
            frac *= 10;
    }
    if (hours > (uint64_t)INT64_MAX / 3600000000ull) return -1;
    uint64_t mag =
        hours * 3600000000ull + (uint64_t)mm * 60000000ull + (uint64_t)ss * 1000000ull + frac;
    if (mag > (uint64_t)INT64_MAX + 1) return -1;
    *us = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    return 0;
}

int cps_abi_time_point_from_string(const char *s, size_t len, int64_t *us)
{
    if (len > 0 && s[0] == '-') {
        if (parse_negative_duration(s, len, us) == 0) return 0;
        char q[200];
        return cps_fail(CPS_ERR_FORMAT, "time \"%s\" is not a valid time point",
                        quote_text(q, sizeof q, s, len));
    }
    return cps_time_parse(s, len, us);
}

void cps_abi_time_point_sec_to_string(uint32_t sec, char *out)
{
    cps_time_format(out, CPS_TIME_STR_MAX, (int64_t)sec * 1000000, false);
}

int cps_abi_time_point_sec_from_string(const char *s, size_t len, uint32_t *sec)
{
    int64_t us;
    int rc = cps_time_parse(s, len, &us);
    if (rc) return rc;
    if (us < 0 || us / 1000000 > (int64_t)UINT32_MAX) {
        char q[200];
        return cps_fail(CPS_ERR_OVERFLOW, "time \"%s\" is outside the range of time_point_sec",
                        quote_text(q, sizeof q, s, len));
    }
    *sec = (uint32_t)(us / 1000000);
    return 0;
}

void cps_abi_block_timestamp_to_string(uint32_t slot, char *out)
{
    cps_time_format(out, CPS_TIME_STR_MAX, cps_block_timestamp_to_us(slot), true);
}

int cps_abi_block_timestamp_from_string(const char *s, size_t len, uint32_t *slot)
{
    int64_t us;
    int rc = cps_time_parse(s, len, &us);
    if (rc) return rc;
    int64_t ms = us / 1000 - CPS_BLOCK_TIMESTAMP_EPOCH_MS;
    if (us < 0 || ms < 0 || ms / CPS_BLOCK_INTERVAL_MS > (int64_t)UINT32_MAX) {
        char q[200];
        return cps_fail(CPS_ERR_OVERFLOW,
                        "time \"%s\" is outside the range of block_timestamp_type (2000-01-01 on)",
                        quote_text(q, sizeof q, s, len));
    }
    *slot = (uint32_t)(ms / CPS_BLOCK_INTERVAL_MS);
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * 128-bit integers
 * ------------------------------------------------------------------------------------------ */
size_t cps_abi_uint128_to_string(cps_uint128 v, char *out)
{
    char tmp[CPS_INT128_STR_MAX];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
    return n;
}

size_t cps_abi_int128_to_string(cps_int128 v, char *out)
{
    if (v < 0) {
        out[0] = '-';
        return 1 + cps_abi_uint128_to_string((cps_uint128)0 - (cps_uint128)v, out + 1);
    }
    return cps_abi_uint128_to_string((cps_uint128)v, out);
}

static int parse_u128_magnitude(const char *s, size_t len, cps_uint128 *out, cps_uint128 max,
                                const char *what, const char *full, size_t full_len)
{
    char q[200];
    cps_uint128 v = 0;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        if (len == 2 || len > 34) goto bad;
        for (size_t i = 2; i < len; i++) {
            int d;
            char c = s[i];
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                goto bad;
            v = (v << 4) | (cps_uint128)d;
        }
    } else {
        if (len == 0) goto bad;
        for (size_t i = 0; i < len; i++) {
            if (s[i] < '0' || s[i] > '9') goto bad;
            unsigned d = (unsigned)(s[i] - '0');
            if (v > (max - d) / 10)
                return cps_fail(CPS_ERR_OVERFLOW, "%s \"%s\" is out of range", what,
                                quote_text(q, sizeof q, full, full_len));
            v = v * 10 + d;
        }
    }
    if (v > max)
        return cps_fail(CPS_ERR_OVERFLOW, "%s \"%s\" is out of range", what,
                        quote_text(q, sizeof q, full, full_len));
    *out = v;
    return 0;
bad:
    return cps_fail(CPS_ERR_FORMAT, "%s \"%s\" is not a decimal integer", what,
                    quote_text(q, sizeof q, full, full_len));
}

int cps_abi_uint128_from_string(const char *s, size_t len, cps_uint128 *out)
{
    return parse_u128_magnitude(s, len, out, ~(cps_uint128)0, "uint128", s, len);
}

int cps_abi_int128_from_string(const char *s, size_t len, cps_int128 *out)
{
    bool neg = len > 0 && s[0] == '-';
    cps_uint128 max = ((cps_uint128)1 << 127) - 1 + (neg ? 1 : 0);
    cps_uint128 mag;
    int rc = parse_u128_magnitude(s + neg, len - neg, &mag, max, "int128", s, len);
    if (rc) return rc;
    *out = neg ? (cps_int128)((cps_uint128)0 - mag) : (cps_int128)mag;
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Floats: nodeos's fc::variant(double).as_string() = fixed notation with 17 decimals.
 * ------------------------------------------------------------------------------------------ */
int cps_abi_float64_format(cps_buf *b, double d)
{
    char tmp[400];
    int n = snprintf(tmp, sizeof tmp, "%.17f", d);
    if (n < 0 || (size_t)n >= sizeof tmp) return cps_fail(CPS_ERR_OVERFLOW, "float too long");
    return cps_write_bytes(b, tmp, (size_t)n);
}

/* ------------------------------------------------------------------------------------------
 * JSON strings the way fc escapes them (fc/src/io/json.cpp escape_string + prune_invalid_utf8).
 * ------------------------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (by utfcpp's rules: no overlongs, no surrogates, at
 * most U+10FFFF) and its code point, or 0 when the bytes there are not valid UTF-8. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2;
        v = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        v = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && v < 0x10000)) return 0;
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return len;
}

bool cps_abi__utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_next(s + i, n - i, &cp);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

int cps_abi_json_string(cps_buf *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    if (cps_buf_reserve(b, n + 2)) return b->failed;
    cps_write_u8(b, '"');
    size_t run = 0; /* start of a run of bytes copied verbatim */
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = c < 0x80 ? 1 : utf8_next(s + i, n - i, &cp);
        if (c < 0x80) cp = c;
        if (len > 1 && cp > 0x9f) { /* ordinary non-ASCII character */
            i += len;
            continue;
        }
        if (i > run) cps_write_bytes(b, s + run, i - run);
        if (len == 0) { /* invalid UTF-8: dropped, one byte at a time */
            i++;
            run = i;
            continue;
        }
        char esc[6];
        switch (cp) {
        case '"':
            cps_write_bytes(b, "\\\"", 2);
            break;
        case '\\':
            cps_write_bytes(b, "\\\\", 2);
            break;
        case '\t':
            cps_write_bytes(b, "\\t", 2);
            break;
        case '\n':
            cps_write_bytes(b, "\\n", 2);
            break;
        case '\r':
            cps_write_bytes(b, "\\r", 2);
            break;
        default:
            esc[0] = '\\';
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[cp >> 4];
            esc[5] = hex[cp & 15];
            cps_write_bytes(b, esc, 6);
        }
        i += len;
        run = i;
    }
    if (n > run) cps_write_bytes(b, s + run, n - run);
    return cps_write_u8(b, '"');
}
