/* k1: secp256k1 keys and compact recoverable signatures through libsecp256k1, signing with the
 * same deterministic nonces as eosjs and @wharfkit/antelope so that our signatures equal theirs. */
#include "crypto/crypto_internal.h"

#include <errno.h>
#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>
#include <sys/random.h>

/* One context for the process, created on first use and randomized (side-channel blinding of
 * the generator multiplications). libsecp256k1 contexts are safe to share between threads for
 * every call that takes a const context, which is all we make after creation. */
static secp256k1_context *k1_ctx;
static pthread_once_t k1_once = PTHREAD_ONCE_INIT;

static void k1_context_create(void)
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t seed[32];
    /* Without a seed the context still works, only without blinding; never fail for it. */
    if (ctx && cps_crypto__random(seed, sizeof seed) == 0) {
        if (!secp256k1_context_randomize(ctx, seed)) cps_log_warn("crypto", "k1 blinding failed");
    }
    cps_wipe(seed, sizeof seed);
    k1_ctx = ctx;
}

static const secp256k1_context *k1_context(void)
{
    pthread_once(&k1_once, k1_context_create);
    return k1_ctx;
}

int cps_crypto__random(void *out, size_t n)
{
    uint8_t *p = (uint8_t *)out;
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return cps_fail(CPS_ERR_IO, "getrandom failed: errno %d", errno);
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

bool cps_crypto__k1_secret_valid(const uint8_t secret[32])
{
    const secp256k1_context *ctx = k1_context();
    return ctx && secp256k1_ec_seckey_verify(ctx, secret) == 1;
}

bool cps_crypto__k1_point_valid(const uint8_t point[33])
{
    const secp256k1_context *ctx = k1_context();
    secp256k1_pubkey pk;
    return ctx && (point[0] == 2 || point[0] == 3) &&
           secp256k1_ec_pubkey_parse(ctx, &pk, point, 33) == 1;
}

int cps_crypto__k1_generate(uint8_t secret[32])
{
    /* A uniform 256-bit string is a valid key except with probability ~2^-128; retry a few
     * times so a broken random source shows up as an error rather than a loop. */
    for (int tries = 0; tries < 16; tries++) {
        int rc = cps_crypto__random(secret, 32);
        if (rc) return rc;
        if (cps_crypto__k1_secret_valid(secret)) return 0;
    }
    cps_wipe(secret, 32);
    return cps_fail(CPS_ERR_CRYPTO, "could not draw a valid secp256k1 key");
}

int cps_crypto__k1_public(const uint8_t secret[32], uint8_t out[33])
{
    const secp256k1_context *ctx = k1_context();
    if (!ctx) return cps_fail(CPS_ERR_NOMEM, "secp256k1 context");
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(ctx, &pk, secret))
        return cps_fail(CPS_ERR_CRYPTO,
                        "invalid secp256k1 private key (zero or not below the order)");
    size_t len = 33;
    secp256k1_ec_pubkey_serialize(ctx, out, &len, &pk, SECP256K1_EC_COMPRESSED);
    return 0;
}

/* The nonce function of the npm `elliptic` library as eosjs and wharfkit call it: an RFC 6979
 * HMAC-SHA-256 DRBG seeded with key || (msg mod n) || pers, where pers is the one-byte attempt
 * counter of the caller's canonical-signature loop; candidates outside 1 < k < n-1 are skipped.
 * libsecp256k1 asks for its `counter`-th nonce when an earlier one gave r = 0 or s = 0, which
 * elliptic answers by drawing the next candidate, so we return the counter-th valid candidate. */
static int elliptic_nonce(unsigned char *nonce32, const unsigned char *msg32,
                          const unsigned char *key32, const unsigned char *algo16, void *data,
                          unsigned int counter)
{
    (void)algo16;
    const uint8_t *pers = (const uint8_t *)data;
    uint8_t msg[32], k[32];
    cps_crypto__drbg drbg;
    int ok = 0;

    memcpy(msg, msg32, 32);
    if (cps_crypto__be256_cmp(msg, cps_crypto__k1_order) >= 0)
        cps_crypto__be256_sub(msg, msg, cps_crypto__k1_order);
    cps_crypto__drbg_init(&drbg, key32, msg, pers, 1);
    unsigned skip = counter;
    for (unsigned draws = 0; draws < 64u + counter && !ok; draws++) {
        cps_crypto__drbg_next(&drbg, k);
        if (!cps_crypto__nonce_in_range(k, cps_crypto__k1_order)) continue;
        if (skip == 0) {
            memcpy(nonce32, k, 32);
            ok = 1;
        } else {
            skip--;
        }
    }
    cps_crypto__drbg_wipe(&drbg);
    cps_wipe(k, sizeof k);
    cps_wipe(msg, sizeof msg);
    return ok;
}

static bool compact_is_canonical(const uint8_t c[65])
{
    return !(c[1] & 0x80) && !(c[1] == 0 && !(c[2] & 0x80)) && !(c[33] & 0x80) &&
           !(c[33] == 0 && !(c[34] & 0x80));
}

int cps_crypto__k1_sign(const uint8_t secret[32], const uint8_t digest[32], uint8_t out[65])
{
    const secp256k1_context *ctx = k1_context();
    if (!ctx) return cps_fail(CPS_ERR_NOMEM, "secp256k1 context");
    secp256k1_ecdsa_recoverable_signature sig;
    /* eosjs and wharfkit count attempts from 1 and pass the count as a one-byte pers; each
     * attempt is canonical with probability about 1/2, so 255 attempts never run out in practice
     * (and elliptic itself would mis-encode a count above 255). */
    for (unsigned attempt = 1; attempt <= 255; attempt++) {
        uint8_t pers = (uint8_t)attempt;
        if (!secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest, secret, elliptic_nonce, &pers)) {
            cps_wipe(&sig, sizeof sig);
            return cps_fail(CPS_ERR_CRYPTO,
                            "secp256k1 signing failed (invalid private key: zero or not below the "
                            "order)");
        }
        int recid = 0;
        secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out + 1, &recid, &sig);
        out[0] = (uint8_t)(27 + 4 + recid);
        if (compact_is_canonical(out)) {
            cps_wipe(&sig, sizeof sig);
            return 0;
        }
    }
    cps_wipe(&sig, sizeof sig);
    return cps_fail(CPS_ERR_CRYPTO, "no canonical signature found in 255 attempts");
}

int cps_crypto__k1_recover(const uint8_t sig[65], const uint8_t digest[32], uint8_t out[33])
{
    const secp256k1_context *ctx = k1_context();
    if (!ctx) return cps_fail(CPS_ERR_NOMEM, "secp256k1 context");
    /* Same order of checks as fc: canonical first, then the header byte. */
    if (!compact_is_canonical(sig))
        return cps_fail(CPS_ERR_NONCANONICAL, "signature is not canonical");
    if (sig[0] < 27 || sig[0] >= 35)
        return cps_fail(CPS_ERR_CRYPTO, "signature header byte %u outside 27..34", sig[0]);
    secp256k1_ecdsa_recoverable_signature rs;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig + 1, (sig[0] - 27) & 3))
        return cps_fail(CPS_ERR_CRYPTO, "signature r or s is not below the secp256k1 order");
    secp256k1_pubkey pk;
    if (!secp256k1_ecdsa_recover(ctx, &pk, &rs, digest))
        return cps_fail(CPS_ERR_CRYPTO, "no public key recovers from this signature");
    size_t len = 33;
    secp256k1_ec_pubkey_serialize(ctx, out, &len, &pk, SECP256K1_EC_COMPRESSED);
    return 0;
}
