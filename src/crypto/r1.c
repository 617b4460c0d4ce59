/* r1: secp256r1 (NIST P-256, prime256v1) keys, signatures and public-key recovery with OpenSSL's
 * BIGNUM / EC_POINT arithmetic. Signing uses the same RFC 6979 nonces as the npm `elliptic`
 * library behind eosjs and wharfkit, so R1 signatures also equal theirs byte for byte. */
#include "crypto/crypto_internal.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <pthread.h>
#include <string.h>

/* The group and its constants are built once and then only read, which OpenSSL allows from
 * several threads at once. */
static struct {
    EC_GROUP *group;
    BIGNUM *order, *half_order, *field;
} r1;
static pthread_once_t r1_once = PTHREAD_ONCE_INIT;

static void r1_init(void)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *order = BN_new(), *half = BN_new(), *field = BN_new();
    if (!g || !order || !half || !field || !BN_copy(order, EC_GROUP_get0_order(g)) ||
        !BN_rshift1(half, order) || !EC_GROUP_get_curve(g, field, NULL, NULL, NULL)) {
        EC_GROUP_free(g);
        BN_free(order);
        BN_free(half);
        BN_free(field);
        ERR_clear_error();
        return;
    }
    r1.group = g;
    r1.order = order;
    r1.half_order = half;
    r1.field = field;
}

static int r1_ready(void)
{
    pthread_once(&r1_once, r1_init);
    if (!r1.group) return cps_fail(CPS_ERR_NOMEM, "could not set up the secp256r1 group");
    return 0;
}

/* Every failure path passes through here so OpenSSL's per-thread error queue does not grow. */
static int openssl_fail(int code, const char *what)
{
    unsigned long e = ERR_get_error();
    char detail[128] = "";
    if (e) ERR_error_string_n(e, detail, sizeof detail);
    ERR_clear_error();
    return e ? cps_fail(code, "%s (%s)", what, detail) : cps_fail(code, "%s", what);
}

bool cps_crypto__r1_secret_valid(const uint8_t secret[32])
{
    return !cps_crypto__be256_is_zero(secret) &&
           cps_crypto__be256_cmp(secret, cps_crypto__r1_order) < 0;
}

bool cps_crypto__r1_point_valid(const uint8_t point[33])
{
    if (r1_ready()) return false;
    if (point[0] != 2 && point[0] != 3) return false;
    EC_POINT *p = EC_POINT_new(r1.group);
    /* oct2point rejects x >= p and an x with no square root (a point not on the curve). */
    bool ok = p && EC_POINT_oct2point(r1.group, p, point, 33, NULL) == 1;
    EC_POINT_free(p);
    ERR_clear_error();
    return ok;
}

int cps_crypto__r1_generate(uint8_t secret[32])
{
    for (int tries = 0; tries < 16; tries++) {
        int rc = cps_crypto__random(secret, 32);
        if (rc) return rc;
        if (cps_crypto__r1_secret_valid(secret)) return 0;
    }
    cps_wipe(secret, 32);
    return cps_fail(CPS_ERR_CRYPTO, "could not draw a valid secp256r1 key");
}

/* A secret scalar as a BIGNUM marked for OpenSSL's constant-time code paths. Freed with
 * BN_clear_free. */
static BIGNUM *secret_bn(const uint8_t b[32])
{
    BIGNUM *bn = BN_secure_new();
    if (!bn) bn = BN_new();
    if (!bn) return NULL;
    BN_set_flags(bn, BN_FLG_CONSTTIME);
    if (!BN_bin2bn(b, 32, bn)) {
        BN_clear_free(bn);
        return NULL;
    }
    return bn;
}

int cps_crypto__r1_public(const uint8_t secret[32], uint8_t out[33])
{
    int rc = r1_ready();
    if (rc) return rc;
    if (!cps_crypto__r1_secret_valid(secret))
        return cps_fail(CPS_ERR_CRYPTO,
                        "invalid secp256r1 private key (zero or not below the order)");
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *d = secret_bn(secret);
    EC_POINT *p = EC_POINT_new(r1.group);
    if (!ctx || !d || !p) {
        rc = openssl_fail(CPS_ERR_NOMEM, "secp256r1 public key");
    } else if (!EC_POINT_mul(r1.group, p, d, NULL, NULL, ctx) ||
               EC_POINT_point2oct(r1.group, p, POINT_CONVERSION_COMPRESSED, out, 33, ctx) != 33) {
        rc = openssl_fail(CPS_ERR_CRYPTO, "secp256r1 public key");
    }
    EC_POINT_clear_free(p);
    BN_clear_free(d);
    BN_CTX_free(ctx);
    return rc;
}

int cps_crypto__r1_sign(const uint8_t secret[32], const uint8_t digest[32], uint8_t out[65])
{
    int rc = r1_ready();
    if (rc) return rc;
    if (!cps_crypto__r1_secret_valid(secret))
        return cps_fail(CPS_ERR_CRYPTO,
                        "invalid secp256r1 private key (zero or not below the order)");

    uint8_t msg[32], kbytes[32];
    cps_crypto__drbg drbg;
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *d = secret_bn(secret), *k = NULL, *kinv = BN_new(), *e = BN_new(), *x = BN_new(),
           *y = BN_new(), *r = BN_new(), *s = BN_new(), *t = BN_new();
    EC_POINT *kg = EC_POINT_new(r1.group);
    if (!ctx || !d || !kinv || !e || !x || !y || !r || !s || !t || !kg) {
        rc = openssl_fail(CPS_ERR_NOMEM, "secp256r1 signing");
        goto done;
    }
    BN_set_flags(kinv, BN_FLG_CONSTTIME);
    BN_set_flags(t, BN_FLG_CONSTTIME);

    /* elliptic reduces the message modulo n before it seeds the DRBG and before it signs. */
    memcpy(msg, digest, 32);
    if (cps_crypto__be256_cmp(msg, cps_crypto__r1_order) >= 0)
        cps_crypto__be256_sub(msg, msg, cps_crypto__r1_order);
    if (!BN_bin2bn(msg, 32, e)) {
        rc = openssl_fail(CPS_ERR_NOMEM, "secp256r1 signing");
        goto done;
    }
    cps_crypto__drbg_init(&drbg, secret, msg, NULL, 0);

    rc = 1; /* no signature yet */
    for (int draws = 0; draws < 64; draws++) {
        cps_crypto__drbg_next(&drbg, kbytes);
        if (!cps_crypto__nonce_in_range(kbytes, cps_crypto__r1_order)) continue;
        BN_clear_free(k);
        k = secret_bn(kbytes);
        if (!k || !EC_POINT_mul(r1.group, kg, k, NULL, NULL, ctx) ||
            !EC_POINT_get_affine_coordinates(r1.group, kg, x, y, ctx) ||
            !BN_nnmod(r, x, r1.order, ctx)) {
            rc = openssl_fail(CPS_ERR_CRYPTO, "secp256r1 signing");
            goto done;
        }
        if (BN_is_zero(r)) continue;
        /* s = k^-1 (e + r d) mod n */
        if (!BN_mod_inverse(kinv, k, r1.order, ctx) || !BN_mod_mul(t, r, d, r1.order, ctx) ||
            !BN_mod_add(t, t, e, r1.order, ctx) || !BN_mod_mul(s, kinv, t, r1.order, ctx)) {
            rc = openssl_fail(CPS_ERR_CRYPTO, "secp256r1 signing");
            goto done;
        }
        if (BN_is_zero(s)) continue;
        int recid = (BN_is_odd(y) ? 1 : 0) | (BN_cmp(x, r) != 0 ? 2 : 0);
        /* Low S, as elliptic's `canonical` option and fc's R1 recovery demand. Negating s
         * corresponds to the point -R, whose y has the other parity. */
        if (BN_cmp(s, r1.half_order) > 0) {
            if (!BN_sub(s, r1.order, s)) {
                rc = openssl_fail(CPS_ERR_CRYPTO, "secp256r1 signing");
                goto done;
            }
            recid ^= 1;
        }
        out[0] = (uint8_t)(27 + 4 + recid);
        if (BN_bn2binpad(r, out + 1, 32) != 32 || BN_bn2binpad(s, out + 33, 32) != 32) {
            rc = openssl_fail(CPS_ERR_CRYPTO, "secp256r1 signing");
            goto done;
        }
        rc = 0;
        break;
    }
    /* 64 candidates all out of range or giving r = 0 / s = 0 has probability ~2^-8000. */
    if (rc == 1) rc = cps_fail(CPS_ERR_CRYPTO, "secp256r1 signing found no valid nonce");

done:
    cps_crypto__drbg_wipe(&drbg);
    cps_wipe(kbytes, sizeof kbytes);
    cps_wipe(msg, sizeof msg);
    EC_POINT_clear_free(kg);
    BN_clear_free(d);
    BN_clear_free(k);
    BN_clear_free(kinv);
    BN_clear_free(t);
    BN_free(e);
    BN_free(x);
    BN_free(y);
    BN_free(r);
    BN_free(s);
    BN_CTX_free(ctx);
    return rc;
}

/* SEC 1 §4.1.6 public key recovery: R is the point with x = r + (recid >> 1) n and the y parity
 * of recid & 1, and Q = r^-1 (s R - e G). */
int cps_crypto__r1_recover(const uint8_t sig[65], const uint8_t digest[32], uint8_t out[33])
{
    int rc = r1_ready();
    if (rc) return rc;
    if (sig[0] < 27 || sig[0] >= 35)
        return cps_fail(CPS_ERR_CRYPTO, "signature header byte %u outside 27..34", sig[0]);
    int recid = (sig[0] - 27) & 3;

    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *r = BN_bin2bn(sig + 1, 32, NULL), *s = BN_bin2bn(sig + 33, 32, NULL),
           *e = BN_bin2bn(digest, 32, NULL), *x = BN_new(), *rinv = BN_new(), *u1 = BN_new(),
           *u2 = BN_new();
    EC_POINT *rp = EC_POINT_new(r1.group), *q = EC_POINT_new(r1.group);
    if (!ctx || !r || !s || !e || !x || !rinv || !u1 || !u2 || !rp || !q) {
        rc = openssl_fail(CPS_ERR_NOMEM, "secp256r1 recovery");
        goto done;
    }
    if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, r1.order) >= 0 || BN_cmp(s, r1.order) >= 0) {
        rc = cps_fail(CPS_ERR_CRYPTO, "signature r or s is zero or not below the secp256r1 order");
        goto done;
    }
    /* fc refuses high-S R1 signatures ("invalid high s-value"), so a signature has one form. */
    if (BN_cmp(s, r1.half_order) > 0) {
        rc = cps_fail(CPS_ERR_NONCANONICAL, "secp256r1 signature has a high S value");
        goto done;
    }
    if (!BN_copy(x, r) || ((recid & 2) && !BN_add(x, x, r1.order))) {
        rc = openssl_fail(CPS_ERR_NOMEM, "secp256r1 recovery");
        goto done;
    }
    if (BN_cmp(x, r1.field) >= 0) {
        rc = cps_fail(CPS_ERR_CRYPTO, "no public key recovers from this signature (x >= p)");
        goto done;
    }
    if (!EC_POINT_set_compressed_coordinates(r1.group, rp, x, recid & 1, ctx)) {
        ERR_clear_error();
        rc =
            cps_fail(CPS_ERR_CRYPTO, "no public key recovers from this signature (R not on curve)");
        goto done;
    }
    /* u1 = -e r^-1, u2 = s r^-1 (mod n); Q = u1 G + u2 R. */
    if (!BN_mod_inverse(rinv, r, r1.order, ctx) || !BN_nnmod(e, e, r1.order, ctx) ||
        !BN_mod_sub(u1, r1.order, e, r1.order, ctx) || !BN_mod_mul(u1, u1, rinv, r1.order, ctx) ||
        !BN_mod_mul(u2, s, rinv, r1.order, ctx) || !EC_POINT_mul(r1.group, q, u1, rp, u2, ctx)) {
        rc = openssl_fail(CPS_ERR_CRYPTO, "secp256r1 recovery");
        goto done;
    }
    if (EC_POINT_is_at_infinity(r1.group, q)) {
        rc = cps_fail(CPS_ERR_CRYPTO, "no public key recovers from this signature (infinity)");
        goto done;
    }
    if (EC_POINT_point2oct(r1.group, q, POINT_CONVERSION_COMPRESSED, out, 33, ctx) != 33) {
        rc = openssl_fail(CPS_ERR_CRYPTO, "secp256r1 recovery");
        goto done;
    }

done:
    EC_POINT_free(rp);
    EC_POINT_free(q);
    BN_free(r);
    BN_free(s);
    BN_free(e);
    BN_free(x);
    BN_free(rinv);
    BN_free(u1);
    BN_free(u2);
    BN_CTX_free(ctx);
    return rc;
}
