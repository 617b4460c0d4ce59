/* hash: SHA-1, SHA-256 (one-shot and incremental), SHA-512 and RIPEMD-160 through OpenSSL's
 * libcrypto, plus HMAC-SHA-256 and the RFC 6979 DRBG the deterministic signers share. */

/* The low-level digest functions are deprecated in OpenSSL 3.0 in favour of EVP, but they are the
 * fastest path (no provider lookup per call, no allocation) and let cps_sha256_ctx be a plain
 * copyable value holding a SHA256_CTX. RIPEMD160() in particular works without the legacy
 * provider, which EVP would need on some OpenSSL 3.0 builds. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "crypto/crypto_internal.h"

#include <openssl/ripemd.h>
#include <openssl/sha.h>
#include <string.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((cps_sha256_ctx *)0)->opaque),
               "cps_sha256_ctx too small for OpenSSL's SHA256_CTX");
_Static_assert(_Alignof(SHA256_CTX) <= 16, "cps_sha256_ctx alignment too small");

void cps_sha1(const void *data, size_t n, uint8_t out[20])
{
    SHA1((const unsigned char *)data, n, out);
}

void cps_sha256(const void *data, size_t n, uint8_t out[32])
{
    /* Not SHA256(): in OpenSSL 3 the one-shot goes through EVP_Q_digest, which fetches the
     * algorithm from the provider on every call — several times the cost of hashing the few
     * dozen bytes of an id, a receipt or a merkle pair (the chain hashes many per transaction). */
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, data, n);
    SHA256_Final(out, &c);
}

void cps_sha512(const void *data, size_t n, uint8_t out[64])
{
    SHA512((const unsigned char *)data, n, out);
}

void cps_ripemd160(const void *data, size_t n, uint8_t out[20])
{
    RIPEMD160((const unsigned char *)data, n, out);
}

void cps_sha256_init(cps_sha256_ctx *c)
{
    SHA256_Init((SHA256_CTX *)(void *)c->opaque);
}

void cps_sha256_update(cps_sha256_ctx *c, const void *data, size_t n)
{
    SHA256_Update((SHA256_CTX *)(void *)c->opaque, data, n);
}

void cps_sha256_final(cps_sha256_ctx *c, uint8_t out[32])
{
    SHA256_Final(out, (SHA256_CTX *)(void *)c->opaque);
}

/* ---- HMAC-SHA-256 with a 32-byte key, the only size RFC 6979 over 256-bit curves uses ------- */

void cps_crypto__hmac_sha256(const uint8_t key[32], const void *a, size_t an, const void *b,
                             size_t bn, const void *c, size_t cn, uint8_t out[32])
{
    uint8_t pad[64], inner[32];
    cps_sha256_ctx h;

    for (int i = 0; i < 64; i++)
        pad[i] = (uint8_t)((i < 32 ? key[i] : 0) ^ 0x36);
    cps_sha256_init(&h);
    cps_sha256_update(&h, pad, 64);
    if (an) cps_sha256_update(&h, a, an);
    if (bn) cps_sha256_update(&h, b, bn);
    if (cn) cps_sha256_update(&h, c, cn);
    cps_sha256_final(&h, inner);

    for (int i = 0; i < 64; i++)
        pad[i] = (uint8_t)((i < 32 ? key[i] : 0) ^ 0x5c);
    cps_sha256_init(&h);
    cps_sha256_update(&h, pad, 64);
    cps_sha256_update(&h, inner, 32);
    cps_sha256_final(&h, out);

    /* The key is a DRBG secret; its padded copies and the hash states derived from it are too. */
    cps_wipe(pad, sizeof pad);
    cps_wipe(inner, sizeof inner);
    cps_wipe(&h, sizeof h);
}

/* ---- RFC 6979 §3.2 DRBG ---------------------------------------------------------------------- */

/* K = HMAC_K(V || sep || seed), V = HMAC_K(V): steps d/e (sep 0x00) and f/g (sep 0x01). */
static void drbg_update(cps_crypto__drbg *d, uint8_t sep, const uint8_t *seed, size_t seed_len)
{
    uint8_t k[32];
    cps_crypto__hmac_sha256(d->k, d->v, 32, &sep, 1, seed, seed_len, k);
    memcpy(d->k, k, 32);
    cps_crypto__hmac_sha256(d->k, d->v, 32, NULL, 0, NULL, 0, d->v);
    cps_wipe(k, sizeof k);
}

void cps_crypto__drbg_init(cps_crypto__drbg *d, const uint8_t key32[32], const uint8_t msg32[32],
                           const uint8_t *pers, size_t pers_len)
{
    /* seed = private key || message || personalization, as elliptic's HmacDRBG concatenates
     * entropy, nonce and pers (libsecp256k1's rfc6979 uses the same layout for key, msg, data). */
    uint8_t seed[64 + 32];
    size_t seed_len = 64;
    memcpy(seed, key32, 32);
    memcpy(seed + 32, msg32, 32);
    if (pers_len > 32) pers_len = 32; /* callers pass at most one byte; keep the buffer bounded */
    if (pers_len) memcpy(seed + 64, pers, pers_len);
    seed_len += pers_len;

    memset(d->k, 0x00, 32);
    memset(d->v, 0x01, 32);
    drbg_update(d, 0x00, seed, seed_len);
    drbg_update(d, 0x01, seed, seed_len);
    cps_wipe(seed, sizeof seed);
}

void cps_crypto__drbg_next(cps_crypto__drbg *d, uint8_t out[32])
{
    cps_crypto__hmac_sha256(d->k, d->v, 32, NULL, 0, NULL, 0, d->v);
    memcpy(out, d->v, 32);
    /* Advance now (RFC 6979 h.3 without additional input), as elliptic's generate() does after
     * each output, so the next call yields the next candidate. */
    uint8_t zero = 0, k[32];
    cps_crypto__hmac_sha256(d->k, d->v, 32, &zero, 1, NULL, 0, k);
    memcpy(d->k, k, 32);
    cps_crypto__hmac_sha256(d->k, d->v, 32, NULL, 0, NULL, 0, d->v);
    cps_wipe(k, sizeof k);
}

void cps_crypto__drbg_wipe(cps_crypto__drbg *d)
{
    cps_wipe(d, sizeof *d);
}

/* ---- 256-bit big-endian helpers ------------------------------------------------------------- */

const uint8_t cps_crypto__k1_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

const uint8_t cps_crypto__r1_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

int cps_crypto__be256_cmp(const uint8_t a[32], const uint8_t b[32])
{
    return memcmp(a, b, 32);
}

void cps_crypto__be256_sub(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = (int)a[i] - (int)b[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

bool cps_crypto__be256_is_zero(const uint8_t a[32])
{
    uint8_t acc = 0;
    for (int i = 0; i < 32; i++)
        acc |= a[i];
    return acc == 0;
}

bool cps_crypto__nonce_in_range(const uint8_t k[32], const uint8_t order[32])
{
    uint8_t one[32] = {0}, order_minus_1[32];
    one[31] = 1;
    cps_crypto__be256_sub(order_minus_1, order, one);
    return cps_crypto__be256_cmp(k, one) > 0 && cps_crypto__be256_cmp(k, order_minus_1) < 0;
}
