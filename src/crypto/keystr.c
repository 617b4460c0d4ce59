/* keystr: the text forms of keys and signatures exactly as fc, eosjs and wharfkit write them:
 *
 *   EOS<b58(point33 | ripemd160(point33)[0..4])>                  legacy K1 public key
 *   PUB_K1_<b58(point33 | ripemd160(point33 | "K1")[0..4])>       (R1 likewise with "R1")
 *   PVT_K1_<b58(secret32 | ripemd160(secret32 | "K1")[0..4])>
 *   <b58(0x80 | secret32 | sha256(sha256(0x80 | secret32))[0..4])> WIF (legacy K1 private key)
 *   SIG_K1_<b58(sig65 | ripemd160(sig65 | "K1")[0..4])>
 *
 * Parsers take (pointer, length) text and report what is wrong and where. */
#include "crypto/crypto_internal.h"

#include <string.h>

#define CHECK_SIZE 4
/* The longest body any form carries: a 65-byte signature plus its checksum. */
#define MAX_BODY (65 + CHECK_SIZE)

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

/* ripemd160(data | suffix)[0..4]; suffix is "K1", "R1" or NULL for the legacy form. */
static void ripemd_check(const uint8_t *data, size_t n, const char *suffix, uint8_t out[4])
{
    uint8_t buf[MAX_BODY + 2], digest[CPS_RIPEMD160_SIZE];
    size_t sn = suffix ? strlen(suffix) : 0;
    memcpy(buf, data, n);
    if (sn) memcpy(buf + n, suffix, sn);
    cps_ripemd160(buf, n + sn, digest);
    memcpy(out, digest, CHECK_SIZE);
    /* data may be a private key */
    cps_wipe(buf, sizeof buf);
    cps_wipe(digest, sizeof digest);
}

/* Writes prefix + base58(body) and a NUL into out[cap]. body is wiped by the caller. */
static int write_text(const char *prefix, const uint8_t *body, size_t n, char *out, size_t cap,
                      const char *what)
{
    if (!out) return cps_fail(CPS_ERR_INVALID_ARG, "%s to string: out is NULL", what);
    cps_buf b;
    cps_buf_init(&b);
    cps_write_bytes(&b, prefix, strlen(prefix));
    cps_base58_encode(&b, body, n);
    int rc = b.failed;
    if (rc) {
        rc = cps_fail_prefix(rc, "%s to string", what);
    } else if (b.size + 1 > cap) {
        rc = cps_fail(CPS_ERR_LIMIT, "%s to string: needs %zu bytes, buffer holds %zu", what,
                      b.size + 1, cap);
    } else {
        memcpy(out, b.data, b.size);
        out[b.size] = 0;
    }
    cps_buf_wipe_free(&b);
    return rc;
}

/* Each base58 character's value plus one, 0 for characters outside the alphabet (NUL included):
 * a table lookup instead of a strchr over the alphabet per character. */
static const uint8_t b58_index[256] = {
    ['1'] = 1, ['2'] = 2, ['3'] = 3, ['4'] = 4, ['5'] = 5, ['6'] = 6, ['7'] = 7, ['8'] = 8,
    ['9'] = 9, ['A'] = 10, ['B'] = 11, ['C'] = 12, ['D'] = 13, ['E'] = 14, ['F'] = 15, ['G'] = 16,
    ['H'] = 17, ['J'] = 18, ['K'] = 19, ['L'] = 20, ['M'] = 21, ['N'] = 22, ['P'] = 23,
    ['Q'] = 24, ['R'] = 25, ['S'] = 26, ['T'] = 27, ['U'] = 28, ['V'] = 29, ['W'] = 30,
    ['X'] = 31, ['Y'] = 32, ['Z'] = 33, ['a'] = 34, ['b'] = 35, ['c'] = 36, ['d'] = 37,
    ['e'] = 38, ['f'] = 39, ['g'] = 40, ['h'] = 41, ['i'] = 42, ['j'] = 43, ['k'] = 44,
    ['m'] = 45, ['n'] = 46, ['o'] = 47, ['p'] = 48, ['q'] = 49, ['r'] = 50, ['s'] = 51,
    ['t'] = 52, ['u'] = 53, ['v'] = 54, ['w'] = 55, ['x'] = 56, ['y'] = 57, ['z'] = 58
};

/* The number of 32-bit limbs the fixed-size decoder keeps: enough for the longest body. */
#define FAST_LIMBS ((MAX_BODY + 3) / 4)

/* Decodes base58 text of valid characters into exactly `expect` (<= MAX_BODY) bytes without the
 * general decoder's byte-at-a-time quadratic loop: the number is built in 32-bit limbs, five
 * digits (58^5 < 2^32) per pass. Returns false when the text does not decode to exactly
 * `expect` bytes; the caller then runs the general decoder, which reports what is wrong, so
 * this path decides nothing on its own. As the general decoder: leading '1's are zero bytes and
 * the rest is the minimal big-endian form of the number. */
static bool fast_b58_decode_exact(const char *text, size_t tlen, uint8_t *out, size_t expect)
{
    static const uint32_t pow58[6] = {1u, 58u, 3364u, 195112u, 11316496u, 656356768u};
    uint32_t limbs[FAST_LIMBS] = {0}; /* little-endian */
    size_t zeros = 0;
    while (zeros < tlen && text[zeros] == '1') zeros++;
    if (zeros > expect) return false;
    bool overflow = false;
    for (size_t i = zeros; i < tlen && !overflow;) {
        size_t take = tlen - i < 5 ? tlen - i : 5;
        uint64_t carry = 0;
        for (size_t k = 0; k < take; k++)
            carry = carry * 58u + (uint64_t)(b58_index[(uint8_t)text[i + k]] - 1u);
        i += take;
        for (size_t j = 0; j < FAST_LIMBS; j++) {
            carry += (uint64_t)limbs[j] * pow58[take];
            limbs[j] = (uint32_t)carry;
            carry >>= 32;
        }
        overflow = carry != 0; /* longer than any body */
    }
    size_t significant = FAST_LIMBS * 4;
    while (significant &&
           (uint8_t)(limbs[(significant - 1) / 4] >> (8 * ((significant - 1) % 4))) == 0)
        significant--;
    bool exact = !overflow && zeros + significant == expect;
    for (size_t i = 0; exact && i < expect; i++) {
        size_t byte = expect - 1 - i; /* byte index from the least significant end */
        out[i] = (uint8_t)(limbs[byte / 4] >> (8 * (byte % 4)));
    }
    cps_wipe(limbs, sizeof limbs); /* private keys pass through here */
    return exact;
}

/* Decodes the base58 text after a prefix of `skip` characters into exactly `expect` bytes.
 * Offsets in messages count from the start of the whole string. */
static int read_body(const char *s, size_t len, size_t skip, uint8_t *body, size_t expect,
                     const char *what)
{
    const char *text = s + skip;
    size_t tlen = len - skip;
    if (tlen == 0)
        return cps_fail(CPS_ERR_FORMAT, "%s: wrong length: no data after the prefix", what);
    for (size_t i = 0; i < tlen; i++) {
        char c = text[i];
        if (!b58_index[(uint8_t)c])
            return cps_fail(CPS_ERR_FORMAT, "%s: invalid base58 character '%c' at offset %zu", what,
                            (c >= 32 && c < 127) ? c : '?', skip + i);
    }
    /* Every base58 digit carries more than 5 bits, so a longer text cannot be the expected size
     * (and the check bounds the quadratic decoder's work on hostile input). */
    if (tlen > 2 * expect)
        return cps_fail(CPS_ERR_FORMAT, "%s: wrong length: %zu base58 characters for %zu bytes",
                        what, tlen, expect);
    if (expect <= MAX_BODY && fast_b58_decode_exact(text, tlen, body, expect)) return 0;
    uint8_t buf[2 * MAX_BODY];
    size_t n = 0;
    int rc = cps_base58_decode(buf, sizeof buf, &n, text, tlen);
    if (rc == 0 && n != expect)
        rc = cps_fail(CPS_ERR_FORMAT, "%s: wrong length: decodes to %zu bytes, expected %zu", what,
                      n, expect);
    else if (rc)
        rc = cps_fail_prefix(rc, "%s", what);
    if (rc == 0) memcpy(body, buf, expect);
    cps_wipe(buf, sizeof buf);
    return rc;
}

static int check_mismatch(const char *what)
{
    return cps_fail(CPS_ERR_CHECKSUM, "%s: checksum mismatch", what);
}

/* Reads prefix-less base58 body | ripemd160 check with the given suffix. */
static int read_ripemd_form(const char *s, size_t len, size_t skip, uint8_t *data, size_t n,
                            const char *suffix, const char *what)
{
    uint8_t body[MAX_BODY], check[CHECK_SIZE];
    int rc = read_body(s, len, skip, body, n + CHECK_SIZE, what);
    if (rc == 0) {
        ripemd_check(body, n, suffix, check);
        if (memcmp(check, body + n, CHECK_SIZE) != 0)
            rc = check_mismatch(what);
        else
            memcpy(data, body, n);
    }
    cps_wipe(body, sizeof body);
    return rc;
}

static int write_ripemd_form(const char *prefix, const uint8_t *data, size_t n, const char *suffix,
                             char *out, size_t cap, const char *what)
{
    uint8_t body[MAX_BODY];
    memcpy(body, data, n);
    ripemd_check(data, n, suffix, body + n);
    int rc = write_text(prefix, body, n + CHECK_SIZE, out, cap, what);
    cps_wipe(body, sizeof body);
    return rc;
}

/* A short printable rendering of what stood where a prefix was expected, for error messages. */
static void describe_prefix(const char *s, size_t len, char out[16])
{
    size_t n = 0;
    for (size_t i = 0; i < len && n < 10; i++)
        out[n++] = (s[i] >= 32 && s[i] < 127) ? s[i] : '?';
    if (len > 10) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = 0;
}

/* ---- public keys --------------------------------------------------------------------------- */

int cps_public_key_to_string(const cps_public_key *key, bool prefer_new, char *out, size_t cap)
{
    if (!key) return cps_fail(CPS_ERR_INVALID_ARG, "public key to string: key is NULL");
    switch (key->type) {
    case CPS_KEY_K1:
        if (prefer_new)
            return write_ripemd_form("PUB_K1_", key->data, 33, "K1", out, cap, "public key");
        return write_ripemd_form("EOS", key->data, 33, NULL, out, cap, "public key");
    case CPS_KEY_R1:
        return write_ripemd_form("PUB_R1_", key->data, 33, "R1", out, cap, "public key");
    case CPS_KEY_WA:
        return cps_fail(CPS_ERR_UNSUPPORTED,
                        "public key to string: WebAuthn keys are not supported");
    default:
        return cps_fail(CPS_ERR_INVALID_ARG, "public key to string: unknown key type %u",
                        key->type);
    }
}

int cps_public_key_from_string(const char *s, size_t len, cps_public_key *out)
{
    const char *what = "public key";
    if (!s || !out) return cps_fail(CPS_ERR_INVALID_ARG, "public key from string: NULL argument");
    cps_public_key key;
    int rc;
    if (has_prefix(s, len, "PUB_K1_")) {
        key.type = CPS_KEY_K1;
        rc = read_ripemd_form(s, len, 7, key.data, 33, "K1", what);
    } else if (has_prefix(s, len, "PUB_R1_")) {
        key.type = CPS_KEY_R1;
        rc = read_ripemd_form(s, len, 7, key.data, 33, "R1", what);
    } else if (has_prefix(s, len, "PUB_WA_")) {
        return cps_fail(CPS_ERR_UNSUPPORTED,
                        "public key: WebAuthn (PUB_WA_) keys are not supported");
    } else if (has_prefix(s, len, "EOS")) {
        key.type = CPS_KEY_K1;
        rc = read_ripemd_form(s, len, 3, key.data, 33, NULL, what);
    } else {
        char seen[16];
        describe_prefix(s, len, seen);
        return cps_fail(
            CPS_ERR_FORMAT,
            "public key: unknown key prefix in \"%s\" (expected EOS, PUB_K1_ or PUB_R1_)", seen);
    }
    if (rc) return rc;
    if (!cps_public_key_is_valid(&key))
        return cps_fail(CPS_ERR_FORMAT, "public key: not a point on the curve %s",
                        key.type == CPS_KEY_K1 ? "secp256k1" : "secp256r1");
    *out = key;
    return 0;
}

/* ---- private keys -------------------------------------------------------------------------- */

static bool secret_valid(unsigned type, const uint8_t secret[32])
{
    return type == CPS_KEY_K1 ? cps_crypto__k1_secret_valid(secret)
                              : cps_crypto__r1_secret_valid(secret);
}

int cps_private_key_to_string(const cps_private_key *key, bool prefer_new, char *out, size_t cap)
{
    if (!key) return cps_fail(CPS_ERR_INVALID_ARG, "private key to string: key is NULL");
    if (key->type == CPS_KEY_R1)
        return write_ripemd_form("PVT_R1_", key->secret, 32, "R1", out, cap, "private key");
    if (key->type != CPS_KEY_K1)
        return cps_fail(CPS_ERR_INVALID_ARG, "private key to string: unknown key type %u",
                        key->type);
    if (prefer_new)
        return write_ripemd_form("PVT_K1_", key->secret, 32, "K1", out, cap, "private key");

    uint8_t body[1 + 32 + CHECK_SIZE], digest[32];
    body[0] = 0x80;
    memcpy(body + 1, key->secret, 32);
    cps_sha256(body, 33, digest);
    cps_sha256(digest, 32, digest);
    memcpy(body + 33, digest, CHECK_SIZE);
    int rc = write_text("", body, sizeof body, out, cap, "private key");
    cps_wipe(body, sizeof body);
    cps_wipe(digest, sizeof digest);
    return rc;
}

static int read_wif(const char *s, size_t len, uint8_t secret[32])
{
    const char *what = "private key";
    uint8_t body[1 + 32 + CHECK_SIZE], once[32], twice[32];
    int rc = read_body(s, len, 0, body, sizeof body, what);
    if (rc == 0 && body[0] != 0x80)
        rc = cps_fail(CPS_ERR_FORMAT, "private key: WIF version byte is 0x%02x, expected 0x80",
                      body[0]);
    if (rc == 0) {
        /* fc accepts the checksum of either one or two SHA-256 rounds; writers use two. */
        cps_sha256(body, 33, once);
        cps_sha256(once, 32, twice);
        if (memcmp(twice, body + 33, CHECK_SIZE) != 0 && memcmp(once, body + 33, CHECK_SIZE) != 0)
            rc = check_mismatch(what);
        else
            memcpy(secret, body + 1, 32);
    }
    cps_wipe(body, sizeof body);
    cps_wipe(once, sizeof once);
    cps_wipe(twice, sizeof twice);
    return rc;
}

int cps_private_key_from_string(const char *s, size_t len, cps_private_key *out)
{
    const char *what = "private key";
    if (!s || !out) return cps_fail(CPS_ERR_INVALID_ARG, "private key from string: NULL argument");
    cps_private_key key;
    int rc;
    if (has_prefix(s, len, "PVT_K1_")) {
        key.type = CPS_KEY_K1;
        rc = read_ripemd_form(s, len, 7, key.secret, 32, "K1", what);
    } else if (has_prefix(s, len, "PVT_R1_")) {
        key.type = CPS_KEY_R1;
        rc = read_ripemd_form(s, len, 7, key.secret, 32, "R1", what);
    } else if (memchr(s, '_', len)) {
        /* Never echo private-key text into an error message: only say what was expected. */
        return cps_fail(CPS_ERR_FORMAT,
                        "private key: unknown key prefix (expected PVT_K1_, PVT_R1_ or WIF)");
    } else {
        key.type = CPS_KEY_K1;
        rc = read_wif(s, len, key.secret);
    }
    if (rc == 0 && !secret_valid(key.type, key.secret))
        rc = cps_fail(CPS_ERR_FORMAT, "private key: out of range (zero or not below the order)");
    if (rc == 0) *out = key;
    cps_private_key_wipe(&key);
    return rc;
}

/* ---- signatures ---------------------------------------------------------------------------- */

int cps_signature_to_string(const cps_signature *sig, char *out, size_t cap)
{
    if (!sig) return cps_fail(CPS_ERR_INVALID_ARG, "signature to string: sig is NULL");
    if (sig->type == CPS_KEY_K1)
        return write_ripemd_form("SIG_K1_", sig->data, 65, "K1", out, cap, "signature");
    if (sig->type == CPS_KEY_R1)
        return write_ripemd_form("SIG_R1_", sig->data, 65, "R1", out, cap, "signature");
    if (sig->type == CPS_KEY_WA)
        return cps_fail(CPS_ERR_UNSUPPORTED,
                        "signature to string: WebAuthn signatures are not supported");
    return cps_fail(CPS_ERR_INVALID_ARG, "signature to string: unknown type %u", sig->type);
}

int cps_signature_from_string(const char *s, size_t len, cps_signature *out)
{
    const char *what = "signature";
    if (!s || !out) return cps_fail(CPS_ERR_INVALID_ARG, "signature from string: NULL argument");
    cps_signature sig;
    int rc;
    if (has_prefix(s, len, "SIG_K1_")) {
        sig.type = CPS_KEY_K1;
        rc = read_ripemd_form(s, len, 7, sig.data, 65, "K1", what);
    } else if (has_prefix(s, len, "SIG_R1_")) {
        sig.type = CPS_KEY_R1;
        rc = read_ripemd_form(s, len, 7, sig.data, 65, "R1", what);
    } else if (has_prefix(s, len, "SIG_WA_")) {
        return cps_fail(CPS_ERR_UNSUPPORTED,
                        "signature: WebAuthn (SIG_WA_) signatures are not supported");
    } else {
        char seen[16];
        describe_prefix(s, len, seen);
        return cps_fail(CPS_ERR_FORMAT,
                        "signature: unknown key prefix in \"%s\" (expected SIG_K1_ or SIG_R1_)",
                        seen);
    }
    if (rc) return rc;
    *out = sig;
    return 0;
}
