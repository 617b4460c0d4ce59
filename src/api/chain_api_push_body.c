/* api (chain endpoints): the direct reader of push bodies. It turns the usual body of
 * push_transaction, send_transaction, send_transaction2 and push_transactions straight into the
 * packed_transaction bytes the ingress prepares, without a JSON tree, an arena or a re-pack.
 *
 * It decides nothing on its own: it accepts only bodies in the plain form clients send
 * ({"signatures":["SIG_K1_…"],"compression":0|1|"none"|"zlib","packed_context_free_data":"<hex>",
 * "packed_trx":"<hex>"}, no escapes, no other members, each member at most once) and produces
 * for them exactly the bytes the general path (jansson, cps_abi_packed_transaction_from_json,
 * cps_abi_packed_transaction_pack) produces. Anything else — other members, duplicates, escapes,
 * other types, bad hex, a signature that does not decode — is refused with CPS_ERR_UNSUPPORTED,
 * and the caller takes the general path, which gives the answer (and the error) it always gave. */
#include "api/chain_api_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct scan {
    const char *start, *p, *end;
} scan;

static int refuse(const scan *s, const char *what)
{
    return cps_fail(CPS_ERR_UNSUPPORTED, "push body: not in the direct form at byte %zu: %s",
                    (size_t)(s->p - s->start), what);
}

static void skip_ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* Consumes `c` (after white space). */
static bool take(scan *s, char c)
{
    skip_ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return true;
    }
    return false;
}

/* A string of printable ASCII without escapes; text and len point into the body. */
static bool plain_string(scan *s, const char **text, size_t *len)
{
    if (!take(s, '"')) return false;
    const char *from = s->p;
    while (s->p < s->end && *s->p != '"') {
        unsigned char c = (unsigned char)*s->p;
        if (c < 0x20 || c >= 0x7f || c == '\\') return false;
        s->p++;
    }
    if (s->p == s->end) return false;
    *text = from;
    *len = (size_t)(s->p - from);
    s->p++;
    return true;
}

static bool key_is(const char *k, size_t n, const char *name)
{
    return strlen(name) == n && memcmp(k, name, n) == 0;
}

/* The digit values of hex characters plus one (both cases, as cps_hex_decode), 0 otherwise. */
static const uint8_t hex_index[256] = {
    ['0'] = 1,   ['1'] = 2,   ['2'] = 3,   ['3'] = 4,   ['4'] = 5,   ['5'] = 6,   ['6'] = 7,
    ['7'] = 8,   ['8'] = 9,   ['9'] = 10,  ['a'] = 11,  ['b'] = 12,  ['c'] = 13,  ['d'] = 14,
    ['e'] = 15,  ['f'] = 16,  ['A'] = 11,  ['B'] = 12,  ['C'] = 13,  ['D'] = 14,  ['E'] = 15,
    ['F'] = 16};

/* Appends varuint32(len / 2) and the decoded bytes straight into the output. */
static bool put_hex_blob(cps_buf *b, const char *hex, size_t len)
{
    if (len % 2 || len / 2 > UINT32_MAX) return false;
    if (cps_write_varuint32(b, (uint32_t)(len / 2)) || cps_buf_reserve(b, len / 2)) return false;
    uint8_t *out = b->data + b->size;
    for (size_t i = 0; i < len; i += 2) {
        unsigned hi = hex_index[(uint8_t)hex[i]], lo = hex_index[(uint8_t)hex[i + 1]];
        if (!hi || !lo) return false;
        out[i / 2] = (uint8_t)((hi - 1) << 4 | (lo - 1));
    }
    b->size += len / 2;
    return true;
}

/* One packed transaction object; appends its packed_transaction bytes to out. */
static int read_transaction(scan *s, cps_buf *out)
{
    const char *sigs = NULL, *cfd = "", *trx = NULL;
    size_t cfd_len = 0, trx_len = 0;
    bool have_sigs = false, have_compression = false, have_cfd = false;
    uint8_t compression = 0;
    uint32_t sig_count = 0;
    if (!take(s, '{')) return refuse(s, "expected an object");
    do {
        const char *k;
        size_t kn;
        if (!plain_string(s, &k, &kn)) return refuse(s, "expected a plain member name");
        if (!take(s, ':')) return refuse(s, "expected ':'");
        if (key_is(k, kn, "signatures") && !have_sigs) {
            have_sigs = true;
            if (!take(s, '[')) return refuse(s, "signatures: expected an array");
            sigs = s->p;
            if (!take(s, ']')) {
                do {
                    const char *t;
                    size_t tn;
                    if (!plain_string(s, &t, &tn)) return refuse(s, "signatures: expected a string");
                    if (++sig_count > 1000) return refuse(s, "signatures: more than 1000");
                } while (take(s, ','));
                if (!take(s, ']')) return refuse(s, "signatures: expected ']'");
            }
        } else if (key_is(k, kn, "compression") && !have_compression) {
            have_compression = true;
            const char *t = NULL;
            size_t tn = 0;
            skip_ws(s);
            if (s->p < s->end && (*s->p == '0' || *s->p == '1')) {
                compression = (uint8_t)(*s->p++ - '0');
                /* "01", "1.0", "1e0" and the like take the general path */
                if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E' ||
                                      (*s->p >= '0' && *s->p <= '9')))
                    return refuse(s, "compression: not a plain 0 or 1");
            } else if (plain_string(s, &t, &tn) && key_is(t, tn, "none")) {
                compression = CPS_COMPRESSION_NONE;
            } else if (tn == 4 && key_is(t, tn, "zlib")) {
                compression = CPS_COMPRESSION_ZLIB;
            } else {
                return refuse(s, "compression: expected 0, 1, \"none\" or \"zlib\"");
            }
        } else if (key_is(k, kn, "packed_context_free_data") && !have_cfd) {
            have_cfd = true;
            if (!plain_string(s, &cfd, &cfd_len))
                return refuse(s, "packed_context_free_data: expected a plain string");
        } else if (key_is(k, kn, "packed_trx") && !trx) {
            if (!plain_string(s, &trx, &trx_len) || trx_len == 0)
                return refuse(s, "packed_trx: expected a non-empty plain string");
        } else {
            return refuse(s, "a member other than signatures, compression, "
                             "packed_context_free_data and packed_trx, or one given twice");
        }
    } while (take(s, ','));
    if (!take(s, '}')) return refuse(s, "expected ',' or '}'");
    if (!trx) return refuse(s, "no packed_trx");

    cps_write_varuint32(out, sig_count);
    if (sig_count) {
        scan list = {s->start, sigs, s->end};
        for (uint32_t i = 0; i < sig_count; i++) {
            const char *t;
            size_t tn;
            cps_signature sig;
            if (i) (void)take(&list, ',');
            (void)plain_string(&list, &t, &tn); /* checked above */
            if (cps_signature_from_string(t, tn, &sig))
                return refuse(s, "a signature that does not decode");
            cps_signature_pack(out, &sig);
        }
    }
    cps_write_u8(out, compression);
    if (!put_hex_blob(out, cfd, cfd_len)) return refuse(s, "packed_context_free_data: not hex");
    if (!put_hex_blob(out, trx, trx_len)) return refuse(s, "packed_trx: not hex");
    return out->failed ? cps_fail(CPS_ERR_NOMEM, "push body: out of memory") : 0;
}

static int add_end(chain_api_push_body *pb)
{
    if (pb->count == pb->cap) {
        size_t cap = pb->cap ? pb->cap * 2 : 8;
        size_t *e = realloc(pb->ends, cap * sizeof *e);
        if (!e) return cps_fail(CPS_ERR_NOMEM, "push body: out of memory");
        pb->ends = e;
        pb->cap = cap;
    }
    pb->ends[pb->count++] = pb->packed.size;
    return 0;
}

/* send_transaction2's other members: flags and a retry count (ignored, as the general path). */
static bool skip_send2_flag(scan *s, const char *k, size_t kn)
{
    skip_ws(s);
    if (key_is(k, kn, "retry_trx_num_blocks")) {
        size_t digits = 0;
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && digits < 10) {
            s->p++;
            digits++;
        }
        if (digits == 0 || (digits > 1 && s->p[-(ptrdiff_t)digits] == '0')) return false;
        return !(s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E' ||
                                   (*s->p >= '0' && *s->p <= '9')));
    }
    if (!key_is(k, kn, "return_failure_trace") && !key_is(k, kn, "retry_trx")) return false;
    size_t left = (size_t)(s->end - s->p);
    if (left >= 4 && memcmp(s->p, "true", 4) == 0) s->p += 4;
    else if (left >= 5 && memcmp(s->p, "false", 5) == 0) s->p += 5;
    else return false;
    return true;
}

int chain_api_push_body_read(const char *body, size_t n, enum chain_api_push_shape shape,
                             size_t max_count, chain_api_push_body *pb)
{
    memset(pb, 0, sizeof *pb);
    scan s = {body, body, body + n};
    /* the packed form is at most half the hex plus the signatures' 66 bytes for ~100 chars */
    if (cps_buf_reserve(&pb->packed, n / 2 + 64)) return cps_fail(CPS_ERR_NOMEM, "push body");
    int rc = 0;
    if (shape == CHAIN_API_PUSH_MANY) {
        if (!take(&s, '[')) {
            rc = refuse(&s, "expected an array");
        } else if (!take(&s, ']')) {
            do {
                if (pb->count == max_count) rc = refuse(&s, "more transactions than allowed");
                if (!rc) rc = read_transaction(&s, &pb->packed);
                if (!rc) rc = add_end(pb);
            } while (!rc && take(&s, ','));
            if (!rc && !take(&s, ']')) rc = refuse(&s, "expected ',' or ']'");
        }
    } else if (shape == CHAIN_API_PUSH_SEND2) {
        bool have_trx = false;
        if (!take(&s, '{')) rc = refuse(&s, "expected an object");
        while (!rc) {
            const char *k;
            size_t kn;
            if (!plain_string(&s, &k, &kn) || !take(&s, ':')) {
                rc = refuse(&s, "expected a plain member name");
            } else if (key_is(k, kn, "transaction") && !have_trx) {
                have_trx = true;
                rc = read_transaction(&s, &pb->packed);
                if (!rc) rc = add_end(pb);
            } else if (!skip_send2_flag(&s, k, kn)) {
                rc = refuse(&s, "an unexpected member of send_transaction2");
            }
            if (rc || !take(&s, ',')) break;
        }
        if (!rc && !take(&s, '}')) rc = refuse(&s, "expected ',' or '}'");
        if (!rc && !have_trx) rc = refuse(&s, "no transaction");
    } else {
        rc = read_transaction(&s, &pb->packed);
        if (!rc) rc = add_end(pb);
    }
    skip_ws(&s);
    if (!rc && s.p != s.end) rc = refuse(&s, "text after the value");
    if (rc) chain_api_push_body_free(pb);
    return rc;
}

cps_bytes chain_api_push_body_get(const chain_api_push_body *pb, size_t i)
{
    size_t from = i ? pb->ends[i - 1] : 0;
    cps_bytes b = {pb->packed.data + from, pb->ends[i] - from};
    return b;
}

void chain_api_push_body_free(chain_api_push_body *pb)
{
    cps_buf_free(&pb->packed);
    free(pb->ends);
    memset(pb, 0, sizeof *pb);
}
