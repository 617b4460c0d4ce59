/* Tests of K1/R1 keys and signatures: the EOSIO development key in every text form, the eosjs
 * reference transaction signature, sign/recover/verify round trips checked against libsecp256k1
 * and OpenSSL's own verifiers, EOSIO's canonical rule, every error path of the string parsers and
 * the binary unpackers, and concurrent use from several threads. */
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* the test checks R1 signatures with ECDSA_do_verify */

#include "crypto/crypto_internal.h"
#include "test.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#define DEV_WIF "5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3"
#define DEV_PVT "PVT_K1_2bfGi9rYsXQSXXTvJbDAPhHLQUojjaNLomdm3cEJ1XTzMqUt3V"
#define DEV_EOS "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV"
#define DEV_PUB "PUB_K1_6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5BoDq63"

/* From /work/shared/reference/transfer_offline.json (built and signed by eosjs). */
#define TRX_CHAIN_ID "cf057bbfb72640471fd910bcb67639c22df9f92470936cddc1ade0e2f2e7dc4f"
#define TRX_PACKED                                                                                 \
    "80d8db70010000000000000000000100a6823403ea3055000000572d3ccdcd010000000000855c3400000000a8ed" \
    "32"                                                                                           \
    "32250000000000855c340000000000000e3d10270000000000000453595300000000047465737400"
#define TRX_DIGEST "829fbd7a167214fde340654958c18a599d06ecf833578fbedd61f400717813d1"
#define TRX_SIG                                                                                    \
    "SIG_K1_"                                                                                      \
    "K5sfcJAgZJYa4mTnz7778LNSN9q7qn2hD5jvfj6K28GfWUJ2rdSNA3cX4oPBEFHp6S3RUpTnYAYbA1sSrhSgU2eR"     \
    "CECYoE"

static size_t unhex(uint8_t *out, size_t cap, const char *h)
{
    size_t n = 0;
    if (cps_hex_decode(out, cap, &n, h, strlen(h)) != 0) return 0;
    return n;
}

/* A deterministic pseudo-random stream (xorshift) so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        p[i] = (uint8_t)(rng_state >> 24);
    }
}

/* prefix + base58(body | check), where check is ripemd160(body | suffix)[0..4] (suffix may be
 * "" for the legacy form) — used to build strings with a valid checksum around invalid data. */
static void make_ripemd_text(char *out, size_t cap, const char *prefix, const uint8_t *body,
                             size_t n, const char *suffix)
{
    uint8_t buf[128], d[20];
    memcpy(buf, body, n);
    memcpy(buf + n, suffix, strlen(suffix));
    cps_ripemd160(buf, n + strlen(suffix), d);
    memcpy(buf + n, d, 4);
    cps_buf b;
    cps_buf_init(&b);
    cps_write_bytes(&b, prefix, strlen(prefix));
    cps_base58_encode(&b, buf, n + 4);
    snprintf(out, cap, "%s", cps_buf_cstr(&b));
    cps_buf_free(&b);
}

/* WIF text of version | secret | checksum with one or two SHA-256 rounds. */
static void make_wif(char *out, size_t cap, uint8_t version, const uint8_t secret[32], int rounds)
{
    uint8_t buf[37], d[32];
    buf[0] = version;
    memcpy(buf + 1, secret, 32);
    cps_sha256(buf, 33, d);
    if (rounds == 2) cps_sha256(d, 32, d);
    memcpy(buf + 33, d, 4);
    cps_buf b;
    cps_buf_init(&b);
    cps_base58_encode(&b, buf, 37);
    snprintf(out, cap, "%s", cps_buf_cstr(&b));
    cps_buf_free(&b);
}

static int parse_pub(const char *s, cps_public_key *k)
{
    return cps_public_key_from_string(s, strlen(s), k);
}
static int parse_priv(const char *s, cps_private_key *k)
{
    return cps_private_key_from_string(s, strlen(s), k);
}
static int parse_sig(const char *s, cps_signature *k)
{
    return cps_signature_from_string(s, strlen(s), k);
}

/* ---- the development key and the reference transaction ------------------------------------- */

TEST(dev_key_text_forms)
{
    cps_private_key priv;
    cps_public_key pub, pub2;
    char s[CPS_PUBLIC_KEY_STR_MAX], p[CPS_PRIVATE_KEY_STR_MAX];
    ASSERT_OK(parse_priv(DEV_WIF, &priv));
    ASSERT_EQ(priv.type, CPS_KEY_K1);
    ASSERT_OK(cps_key_public(&priv, &pub));
    ASSERT_EQ(pub.type, CPS_KEY_K1);
    ASSERT_OK(cps_public_key_to_string(&pub, false, s, sizeof s));
    ASSERT_STR_EQ(s, DEV_EOS);
    ASSERT_OK(cps_public_key_to_string(&pub, true, s, sizeof s));
    ASSERT_STR_EQ(s, DEV_PUB);
    ASSERT_OK(parse_pub(DEV_EOS, &pub2));
    ASSERT_EQ(cps_public_key_compare(&pub, &pub2), 0);
    ASSERT_OK(parse_pub(DEV_PUB, &pub2));
    ASSERT_EQ(cps_public_key_compare(&pub, &pub2), 0);
    ASSERT_OK(cps_private_key_to_string(&priv, false, p, sizeof p));
    ASSERT_STR_EQ(p, DEV_WIF);
    ASSERT_OK(cps_private_key_to_string(&priv, true, p, sizeof p));
    ASSERT_STR_EQ(p, DEV_PVT);
    cps_private_key priv2;
    ASSERT_OK(parse_priv(DEV_PVT, &priv2));
    ASSERT_MEM_EQ(priv.secret, priv2.secret, 32);
    ASSERT(cps_public_key_is_valid(&pub));
    cps_private_key_wipe(&priv);
    cps_private_key_wipe(&priv2);
    uint8_t zero[sizeof priv] = {0};
    ASSERT_MEM_EQ(&priv, zero, sizeof priv);
}

TEST(reference_transaction_signature)
{
    /* The signing digest is sha256(chain_id | packed_trx | sha256 of no context-free data,
     * which EOSIO writes as 32 zero bytes). */
    uint8_t chain[32], trx[256], want[32], got[32], zeros[32] = {0};
    ASSERT_EQ(unhex(chain, 32, TRX_CHAIN_ID), 32);
    size_t trx_n = unhex(trx, sizeof trx, TRX_PACKED);
    ASSERT(trx_n > 0);
    ASSERT_EQ(unhex(want, 32, TRX_DIGEST), 32);
    cps_sha256_ctx c;
    cps_sha256_init(&c);
    cps_sha256_update(&c, chain, 32);
    cps_sha256_update(&c, trx, trx_n);
    cps_sha256_update(&c, zeros, 32);
    cps_sha256_final(&c, got);
    ASSERT_MEM_EQ(got, want, 32);

    cps_signature sig;
    cps_public_key rec, dev;
    ASSERT_OK(parse_sig(TRX_SIG, &sig));
    ASSERT(cps_signature_is_canonical(&sig));
    ASSERT_OK(cps_recover(&sig, want, &rec));
    ASSERT_OK(parse_pub(DEV_PUB, &dev));
    ASSERT_EQ(cps_public_key_compare(&rec, &dev), 0);
    ASSERT_OK(cps_verify(&dev, want, &sig));

    /* eosjs signs deterministically: our signer gives the very same string. */
    cps_private_key priv;
    cps_signature mine;
    char s[CPS_SIGNATURE_STR_MAX];
    ASSERT_OK(parse_priv(DEV_WIF, &priv));
    ASSERT_OK(cps_sign(&priv, want, &mine));
    ASSERT_OK(cps_signature_to_string(&mine, s, sizeof s));
    ASSERT_STR_EQ(s, TRX_SIG);
    cps_private_key_wipe(&priv);
}

/* ---- round trips ----------------------------------------------------------------------------- */

static const secp256k1_context *test_k1_ctx(void)
{
    static secp256k1_context *ctx;
    if (!ctx) ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return ctx;
}

/* Independent check with libsecp256k1's plain ECDSA verifier (which wants low S). */
static int k1_reference_verify(const cps_public_key *pub, const uint8_t digest[32],
                               const cps_signature *sig)
{
    const secp256k1_context *ctx = test_k1_ctx();
    secp256k1_pubkey pk;
    secp256k1_ecdsa_signature es;
    if (!secp256k1_ec_pubkey_parse(ctx, &pk, pub->data, 33)) return 0;
    if (!secp256k1_ecdsa_signature_parse_compact(ctx, &es, sig->data + 1)) return 0;
    return secp256k1_ecdsa_verify(ctx, &es, digest, &pk);
}

/* Independent check with OpenSSL's ECDSA verifier. */
static int r1_reference_verify(const cps_public_key *pub, const uint8_t digest[32],
                               const cps_signature *sig)
{
    int ok = 0;
    EC_KEY *key = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *p = key ? EC_POINT_new(EC_KEY_get0_group(key)) : NULL;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig->data + 1, 32, NULL), *s = BN_bin2bn(sig->data + 33, 32, NULL);
    if (key && p && es && r && s &&
        EC_POINT_oct2point(EC_KEY_get0_group(key), p, pub->data, 33, NULL) &&
        EC_KEY_set_public_key(key, p) && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL; /* owned by es now */
        ok = ECDSA_do_verify(digest, 32, es, key) == 1;
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    EC_POINT_free(p);
    EC_KEY_free(key);
    return ok;
}

static bool is_low_s(const cps_signature *sig, const uint8_t order[32])
{
    uint8_t half[32];
    /* order >> 1 */
    for (int i = 0, carry = 0; i < 32; i++) {
        half[i] = (uint8_t)((order[i] >> 1) | (carry << 7));
        carry = order[i] & 1;
    }
    return memcmp(sig->data + 33, half, 32) <= 0;
}

static void round_trips(enum cps_key_type type, int count)
{
    const uint8_t *order = type == CPS_KEY_K1 ? cps_crypto__k1_order : cps_crypto__r1_order;
    int failures = 0;
    for (int i = 0; i < count; i++) {
        cps_private_key priv, priv2;
        cps_public_key pub, rec, pub2;
        cps_signature sig, sig2, sig3;
        uint8_t digest[32];
        char text[CPS_SIGNATURE_STR_MAX];
        fill_random(digest, 32);
        if (i == 0) memset(digest, 0xff, 32); /* a digest above the group order */
        if (i == 1) memset(digest, 0, 32);
        ASSERT_OK(cps_key_generate(type, &priv));
        ASSERT_EQ(priv.type, type);
        ASSERT_OK(cps_key_public(&priv, &pub));
        ASSERT(cps_public_key_is_valid(&pub));
        ASSERT_OK(cps_sign(&priv, digest, &sig));
        ASSERT_EQ(sig.type, type);
        ASSERT(sig.data[0] >= 31 && sig.data[0] <= 34);
        ASSERT(is_low_s(&sig, order));
        if (type == CPS_KEY_K1) {
            ASSERT(cps_signature_is_canonical(&sig));
            ASSERT(k1_reference_verify(&pub, digest, &sig));
        } else {
            ASSERT(r1_reference_verify(&pub, digest, &sig));
        }
        ASSERT_OK(cps_recover(&sig, digest, &rec));
        ASSERT_EQ(cps_public_key_compare(&rec, &pub), 0);
        ASSERT_OK(cps_verify(&pub, digest, &sig));
        /* Deterministic. */
        ASSERT_OK(cps_sign(&priv, digest, &sig2));
        ASSERT_MEM_EQ(sig.data, sig2.data, 65);
        /* Another digest does not verify. */
        digest[i % 32] ^= 0x01;
        if (cps_verify(&pub, digest, &sig) != CPS_ERR_CRYPTO) failures++;
        digest[i % 32] ^= 0x01;

        /* Text forms round trip. */
        ASSERT_OK(cps_signature_to_string(&sig, text, sizeof text));
        ASSERT(strncmp(text, type == CPS_KEY_K1 ? "SIG_K1_" : "SIG_R1_", 7) == 0);
        ASSERT_OK(parse_sig(text, &sig3));
        ASSERT_EQ(sig3.type, type);
        ASSERT_MEM_EQ(sig3.data, sig.data, 65);
        for (int form = 0; form < 2; form++) {
            ASSERT_OK(cps_public_key_to_string(&pub, form, text, sizeof text));
            ASSERT_OK(parse_pub(text, &pub2));
            ASSERT_EQ(cps_public_key_compare(&pub, &pub2), 0);
            ASSERT_OK(cps_private_key_to_string(&priv, form, text, sizeof text));
            ASSERT_OK(parse_priv(text, &priv2));
            ASSERT_EQ(priv2.type, type);
            ASSERT_MEM_EQ(priv2.secret, priv.secret, 32);
        }
        /* Binary forms round trip. */
        cps_buf b;
        cps_buf_init(&b);
        ASSERT_OK(cps_public_key_pack(&b, &pub));
        ASSERT_OK(cps_signature_pack(&b, &sig));
        ASSERT_EQ(b.size, 34 + 66);
        ASSERT_EQ(b.data[0], type);
        ASSERT_EQ(b.data[34], type);
        cps_reader r = cps_reader_make(b.data, b.size);
        ASSERT_OK(cps_public_key_unpack(&r, &pub2));
        ASSERT_OK(cps_signature_unpack(&r, &sig3));
        ASSERT_OK(cps_read_end(&r));
        cps_buf_free(&b);
        ASSERT_EQ(cps_public_key_compare(&pub, &pub2), 0);
        ASSERT_MEM_EQ(sig3.data, sig.data, 65);
        cps_private_key_wipe(&priv);
        cps_private_key_wipe(&priv2);
    }
    ASSERT_EQ(failures, 0);
}

TEST(k1_sign_recover_verify_round_trips)
{
    round_trips(CPS_KEY_K1, 200);
}

TEST(r1_sign_recover_verify_round_trips)
{
    round_trips(CPS_KEY_R1, 200);
}

/* RFC 6979 A.2.5 (P-256, SHA-256, "sample"): the same nonce gives the RFC's r, and our s is the
 * RFC's s mirrored to the low half (n - s), as elliptic's canonical option does. */
TEST(r1_rfc6979_vector)
{
    cps_private_key priv = {.type = CPS_KEY_R1};
    cps_public_key pub, rec;
    cps_signature sig;
    uint8_t digest[32], want_r[32], want_s[32], want_pub[33];
    ASSERT_EQ(
        unhex(priv.secret, 32, "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"),
        32);
    ASSERT_EQ(
        unhex(want_pub, 33, "0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"),
        33);
    ASSERT_EQ(unhex(want_r, 32, "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"),
              32);
    ASSERT_EQ(unhex(want_s, 32, "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"),
              32);
    cps_crypto__be256_sub(want_s, cps_crypto__r1_order, want_s);
    cps_sha256("sample", 6, digest);
    ASSERT_OK(cps_key_public(&priv, &pub));
    ASSERT_MEM_EQ(pub.data, want_pub, 33);
    ASSERT_OK(cps_sign(&priv, digest, &sig));
    ASSERT_MEM_EQ(sig.data + 1, want_r, 32);
    ASSERT_MEM_EQ(sig.data + 33, want_s, 32);
    ASSERT_OK(cps_recover(&sig, digest, &rec));
    ASSERT_MEM_EQ(rec.data, want_pub, 33);
}

TEST(verify_rejects_wrong_key_type_and_recid)
{
    cps_private_key a, b;
    cps_public_key pa, pb, rec;
    cps_signature sig;
    uint8_t digest[32];
    fill_random(digest, 32);
    ASSERT_OK(cps_key_generate(CPS_KEY_K1, &a));
    ASSERT_OK(cps_key_generate(CPS_KEY_K1, &b));
    ASSERT_OK(cps_key_public(&a, &pa));
    ASSERT_OK(cps_key_public(&b, &pb));
    ASSERT_OK(cps_sign(&a, digest, &sig));
    ASSERT_EQ(cps_verify(&pb, digest, &sig), CPS_ERR_CRYPTO);
    ASSERT_CONTAINS(cps_last_error(), "another key");
    pa.type = CPS_KEY_R1;
    ASSERT_EQ(cps_verify(&pa, digest, &sig), CPS_ERR_CRYPTO);
    ASSERT_CONTAINS(cps_last_error(), "does not match");
    pa.type = CPS_KEY_K1;
    /* Another recovery id gives another key (or none): never the signer. */
    for (int flip = 1; flip < 4; flip++) {
        cps_signature other = sig;
        other.data[0] = (uint8_t)(27 + 4 + (((sig.data[0] - 31) ^ flip) & 3));
        int rc = cps_recover(&other, digest, &rec);
        if (rc == 0) ASSERT(cps_public_key_compare(&rec, &pa) != 0);
        ASSERT_EQ(cps_verify(&pa, digest, &other), CPS_ERR_CRYPTO);
    }
    /* Header bytes 27..30 (fc's "uncompressed" flag) recover the same key as 31..34. */
    cps_signature uncompressed = sig;
    uncompressed.data[0] = (uint8_t)(sig.data[0] - 4);
    ASSERT_OK(cps_recover(&uncompressed, digest, &rec));
    ASSERT_EQ(cps_public_key_compare(&rec, &pa), 0);
    /* Outside 27..34 nothing recovers. */
    const uint8_t bad_headers[] = {0, 26, 35, 36, 255};
    for (size_t i = 0; i < sizeof bad_headers; i++) {
        cps_signature bad = sig;
        bad.data[0] = bad_headers[i];
        ASSERT_EQ(cps_recover(&bad, digest, &rec), CPS_ERR_CRYPTO);
        ASSERT_CONTAINS(cps_last_error(), "27..34");
    }
    cps_private_key_wipe(&a);
    cps_private_key_wipe(&b);
}

TEST(canonical_rule_bytes)
{
    cps_signature s = {.type = CPS_KEY_K1};
    memset(s.data, 0x11, 65);
    ASSERT(cps_signature_is_canonical(&s));
    s.data[1] = 0x80; /* r >= 2^255 */
    ASSERT(!cps_signature_is_canonical(&s));
    s.data[1] = 0x00; /* r has a redundant leading zero (next byte < 0x80) */
    s.data[2] = 0x7f;
    ASSERT(!cps_signature_is_canonical(&s));
    s.data[2] = 0x80; /* a leading zero DER needs */
    ASSERT(cps_signature_is_canonical(&s));
    s.data[33] = 0x80;
    ASSERT(!cps_signature_is_canonical(&s));
    s.data[33] = 0x00;
    s.data[34] = 0x01;
    ASSERT(!cps_signature_is_canonical(&s));
    s.data[34] = 0xff;
    ASSERT(cps_signature_is_canonical(&s));
}

/* A valid ECDSA signature whose r is >= 2^255 recovers in libsecp256k1 but not in EOSIO. */
TEST(k1_noncanonical_signature_rejected)
{
    const secp256k1_context *ctx = test_k1_ctx();
    cps_private_key priv;
    cps_public_key pub, rec;
    ASSERT_OK(cps_key_generate(CPS_KEY_K1, &priv));
    ASSERT_OK(cps_key_public(&priv, &pub));
    int found = 0;
    for (int i = 0; i < 256 && !found; i++) {
        uint8_t digest[32];
        fill_random(digest, 32);
        secp256k1_ecdsa_recoverable_signature rs;
        ASSERT(secp256k1_ecdsa_sign_recoverable(ctx, &rs, digest, priv.secret, NULL, NULL));
        cps_signature sig = {.type = CPS_KEY_K1};
        int recid;
        secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig.data + 1, &recid, &rs);
        sig.data[0] = (uint8_t)(31 + recid);
        if (!(sig.data[1] & 0x80)) continue;
        found = 1;
        ASSERT(!cps_signature_is_canonical(&sig));
        ASSERT(k1_reference_verify(&pub, digest, &sig)); /* a genuine signature */
        ASSERT_EQ(cps_recover(&sig, digest, &rec), CPS_ERR_NONCANONICAL);
        ASSERT_CONTAINS(cps_last_error(), "not canonical");
        ASSERT_EQ(cps_verify(&pub, digest, &sig), CPS_ERR_CRYPTO);
        /* Our signer, for the same key and digest, finds a canonical one. */
        cps_signature ours;
        ASSERT_OK(cps_sign(&priv, digest, &ours));
        ASSERT(cps_signature_is_canonical(&ours));
        ASSERT_OK(cps_verify(&pub, digest, &ours));
    }
    ASSERT(found);
    cps_private_key_wipe(&priv);
}

TEST(r1_high_s_and_bad_scalars_rejected)
{
    cps_private_key priv;
    cps_public_key pub, rec;
    cps_signature sig;
    uint8_t digest[32];
    fill_random(digest, 32);
    ASSERT_OK(cps_key_generate(CPS_KEY_R1, &priv));
    ASSERT_OK(cps_key_public(&priv, &pub));
    ASSERT_OK(cps_sign(&priv, digest, &sig));
    /* (r, n - s) with the other parity is still a valid ECDSA signature... */
    cps_signature high = sig;
    cps_crypto__be256_sub(high.data + 33, cps_crypto__r1_order, sig.data + 33);
    high.data[0] = (uint8_t)(31 + ((sig.data[0] - 31) ^ 1));
    ASSERT(r1_reference_verify(&pub, digest, &high));
    /* ...but fc refuses high S for R1, and so do we. */
    ASSERT_EQ(cps_recover(&high, digest, &rec), CPS_ERR_NONCANONICAL);
    ASSERT_CONTAINS(cps_last_error(), "high S");
    cps_signature bad = sig;
    memset(bad.data + 1, 0, 32); /* r = 0 */
    ASSERT_EQ(cps_recover(&bad, digest, &rec), CPS_ERR_CRYPTO);
    bad = sig;
    memcpy(bad.data + 1, cps_crypto__r1_order, 32); /* r = n */
    ASSERT_EQ(cps_recover(&bad, digest, &rec), CPS_ERR_CRYPTO);
    bad = sig;
    memset(bad.data + 33, 0, 32); /* s = 0 */
    ASSERT_EQ(cps_recover(&bad, digest, &rec), CPS_ERR_CRYPTO);
    /* recid 2/3 use x = r + n, which is below p only for r < p - n (about 2^-64 of all r). */
    bad = sig;
    bad.data[0] = (uint8_t)(31 + 2 + ((sig.data[0] - 31) & 1));
    ASSERT_EQ(cps_recover(&bad, digest, &rec), CPS_ERR_CRYPTO);
    ASSERT_CONTAINS(cps_last_error(), "x >= p");
    /* An r that is no point's x coordinate recovers nothing (K1 and R1). About half of all x
     * values are not on the curve, so a few tries find one. */
    for (int type = 0; type < 2; type++) {
        int none = 0, other = 0;
        for (int i = 0; i < 24; i++) {
            cps_signature probe = {.type = (uint8_t)type};
            probe.data[0] = 31;
            memset(probe.data + 1, 0x41, 32);
            probe.data[32] = (uint8_t)i;
            memset(probe.data + 33, 0x22, 32);
            int rc = cps_recover(&probe, digest, &rec);
            if (rc == CPS_ERR_CRYPTO)
                none++;
            else if (rc != 0)
                other++;
        }
        ASSERT(none > 0);
        ASSERT_EQ(other, 0);
    }
    cps_private_key_wipe(&priv);
}

/* ---- key generation and misuse ----------------------------------------------------------------
 */

TEST(key_generate_types)
{
    cps_private_key a, b;
    ASSERT_OK(cps_key_generate(CPS_KEY_K1, &a));
    ASSERT_OK(cps_key_generate(CPS_KEY_K1, &b));
    ASSERT(memcmp(a.secret, b.secret, 32) != 0);
    ASSERT_OK(cps_key_generate(CPS_KEY_R1, &a));
    ASSERT(cps_crypto__r1_secret_valid(a.secret));
    ASSERT_EQ(cps_key_generate(CPS_KEY_WA, &a), CPS_ERR_UNSUPPORTED);
    ASSERT_EQ(cps_key_generate((enum cps_key_type)7, &a), CPS_ERR_INVALID_ARG);
    cps_public_key pub;
    cps_signature sig;
    uint8_t digest[32] = {1};
    a.type = 9;
    ASSERT_EQ(cps_key_public(&a, &pub), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_sign(&a, digest, &sig), CPS_ERR_INVALID_ARG);
    /* A zero secret or one not below the order is refused, not signed with. */
    cps_private_key zero = {.type = CPS_KEY_K1};
    ASSERT_EQ(cps_key_public(&zero, &pub), CPS_ERR_CRYPTO);
    ASSERT_EQ(cps_sign(&zero, digest, &sig), CPS_ERR_CRYPTO);
    zero.type = CPS_KEY_R1;
    ASSERT_EQ(cps_key_public(&zero, &pub), CPS_ERR_CRYPTO);
    ASSERT_EQ(cps_sign(&zero, digest, &sig), CPS_ERR_CRYPTO);
    cps_private_key big = {.type = CPS_KEY_R1};
    memcpy(big.secret, cps_crypto__r1_order, 32);
    ASSERT_EQ(cps_sign(&big, digest, &sig), CPS_ERR_CRYPTO);
    sig.type = CPS_KEY_WA;
    ASSERT_EQ(cps_recover(&sig, digest, &pub), CPS_ERR_UNSUPPORTED);
    cps_private_key_wipe(&a);
    cps_private_key_wipe(&b);
}

TEST(public_key_compare_order)
{
    cps_public_key a = {.type = CPS_KEY_K1}, b = {.type = CPS_KEY_R1};
    memset(a.data, 0xff, 33);
    memset(b.data, 0x00, 33);
    ASSERT(cps_public_key_compare(&a, &b) < 0); /* type first */
    ASSERT(cps_public_key_compare(&b, &a) > 0);
    b.type = CPS_KEY_K1;
    ASSERT(cps_public_key_compare(&a, &b) > 0); /* then bytes */
    b = a;
    ASSERT_EQ(cps_public_key_compare(&a, &b), 0);
    b.data[32] = 0xfe;
    ASSERT(cps_public_key_compare(&b, &a) < 0);
}

/* ---- string parser errors ------------------------------------------------------------------ */

TEST(public_key_string_errors)
{
    cps_public_key k, dev;
    char s[128];
    ASSERT_OK(parse_pub(DEV_PUB, &dev));

    ASSERT_EQ(parse_pub("", &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "unknown key prefix");
    ASSERT_EQ(parse_pub("XYZ6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV", &k),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "unknown key prefix");
    ASSERT_EQ(parse_pub("PUB_X1_6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5BoDq63", &k),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "unknown key prefix");
    ASSERT_EQ(parse_pub("pub_k1_6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5BoDq63", &k),
              CPS_ERR_FORMAT);
    ASSERT_EQ(parse_pub("PUB_WA_6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5BoDq63", &k),
              CPS_ERR_UNSUPPORTED);

    /* 'l' is not in the base58 alphabet; the offset counts from the start of the string. */
    ASSERT_EQ(parse_pub("PUB_K1_6MlyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5BoDq63", &k),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "invalid base58 character 'l' at offset 9");
    ASSERT_EQ(parse_pub("EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5C0", &k),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "invalid base58 character '0' at offset 52");
    ASSERT_EQ(cps_public_key_from_string("EOS6MR\0yAjQq", 12, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "at offset 6");

    /* Truncated, too long, nothing after the prefix. */
    ASSERT_EQ(cps_public_key_from_string(DEV_PUB, strlen(DEV_PUB) - 1, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");
    /* One character more still fits 37 bytes (the 0x02 point prefix grows to about 0x74), so only
     * the checksum catches it; two more overflow the length. */
    snprintf(s, sizeof s, "%s2", DEV_PUB);
    ASSERT_EQ(parse_pub(s, &k), CPS_ERR_CHECKSUM);
    snprintf(s, sizeof s, "%s22", DEV_PUB);
    ASSERT_EQ(parse_pub(s, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");
    snprintf(s, sizeof s, "%s%s", DEV_PUB, "222222222222222222222222222222222222222222222222222");
    ASSERT_EQ(parse_pub(s, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");
    ASSERT_EQ(parse_pub("PUB_K1_", &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");
    ASSERT_EQ(parse_pub("EOS", &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");

    /* One character changed: the checksum no longer matches. */
    snprintf(s, sizeof s, "%s", DEV_PUB);
    s[20] = s[20] == 'a' ? 'b' : 'a';
    ASSERT_EQ(parse_pub(s, &k), CPS_ERR_CHECKSUM);
    ASSERT_CONTAINS(cps_last_error(), "checksum mismatch");
    snprintf(s, sizeof s, "%s", DEV_EOS);
    s[10] = s[10] == 'a' ? 'b' : 'a';
    ASSERT_EQ(parse_pub(s, &k), CPS_ERR_CHECKSUM);
    /* A K1 checksum is not an R1 checksum (the suffix is hashed in). */
    snprintf(s, sizeof s, "PUB_R1_%s", DEV_PUB + 7);
    ASSERT_EQ(parse_pub(s, &k), CPS_ERR_CHECKSUM);
    /* The legacy checksum is not the PUB_K1_ one. */
    snprintf(s, sizeof s, "EOS%s", DEV_PUB + 7);
    ASSERT_EQ(parse_pub(s, &k), CPS_ERR_CHECKSUM);

    /* Valid checksums around points that are not on the curve. */
    uint8_t point[33];
    memcpy(point, dev.data, 33);
    point[0] = 0x04; /* not a compressed-point prefix */
    make_ripemd_text(s, sizeof s, "PUB_K1_", point, 33, "K1");
    ASSERT_EQ(parse_pub(s, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "not a point on the curve");
    /* Find x with no y on each curve (about half of all x). */
    for (int curve = 0; curve < 2; curve++) {
        cps_public_key probe = {.type = (uint8_t)curve};
        probe.data[0] = 0x02;
        int found = 0;
        for (int x = 1; x < 100 && !found; x++) {
            memset(probe.data + 1, 0, 32);
            probe.data[32] = (uint8_t)x;
            if (cps_public_key_is_valid(&probe)) continue;
            found = 1;
            make_ripemd_text(s, sizeof s, curve ? "PUB_R1_" : "PUB_K1_", probe.data, 33,
                             curve ? "R1" : "K1");
            ASSERT_EQ(parse_pub(s, &k), CPS_ERR_FORMAT);
            ASSERT_CONTAINS(cps_last_error(), "not a point on the curve");
            if (curve == 0) {
                make_ripemd_text(s, sizeof s, "EOS", probe.data, 33, "");
                ASSERT_EQ(parse_pub(s, &k), CPS_ERR_FORMAT);
                ASSERT_CONTAINS(cps_last_error(), "not a point on the curve");
            }
        }
        ASSERT(found);
    }
    /* x >= p is not a point either. */
    memset(point + 1, 0xff, 32);
    point[0] = 0x02;
    make_ripemd_text(s, sizeof s, "PUB_R1_", point, 33, "R1");
    ASSERT_EQ(parse_pub(s, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "not a point on the curve");
    make_ripemd_text(s, sizeof s, "PUB_K1_", point, 33, "K1");
    ASSERT_EQ(parse_pub(s, &k), CPS_ERR_FORMAT);
    /* The output is untouched on failure. */
    k = dev;
    ASSERT_EQ(parse_pub(s, &k), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_public_key_compare(&k, &dev), 0);
}

TEST(private_key_string_errors)
{
    cps_private_key k;
    char s[128];
    uint8_t secret[32];
    ASSERT_OK(parse_priv(DEV_WIF, &k));
    memcpy(secret, k.secret, 32);

    ASSERT_EQ(parse_priv("PVT_X1_2bfGi9rYsXQSXXTvJbDAPhHLQUojjaNLomdm3cEJ1XTzMqUt3V", &k),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "unknown key prefix");
    ASSERT_EQ(parse_priv("PUB_K1_6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5BoDq63", &k),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "unknown key prefix");
    ASSERT_EQ(parse_priv("", &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");

    ASSERT_EQ(parse_priv("5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFDI", &k),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "invalid base58 character 'I' at offset 50");
    ASSERT_EQ(parse_priv("PVT_K1_2bfGi9rYsXQSXXTvJbDAPhHLQUojjaNLomdm3cEJ1XTzMqUt3O", &k),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "invalid base58 character 'O' at offset 56");

    /* One character less still fills 37 bytes (the 0x80 version byte shrinks to 0x02), so that
     * is caught by the version check; five less no longer fill them. */
    ASSERT_EQ(cps_private_key_from_string(DEV_WIF, strlen(DEV_WIF) - 1, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "version byte is 0x02");
    ASSERT_EQ(cps_private_key_from_string(DEV_WIF, strlen(DEV_WIF) - 5, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");
    snprintf(s, sizeof s, "%sz", DEV_PVT);
    ASSERT_EQ(parse_priv(s, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");
    ASSERT_EQ(parse_priv("PVT_R1_", &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");

    snprintf(s, sizeof s, "%s", DEV_WIF);
    s[10] = s[10] == 'a' ? 'b' : 'a';
    ASSERT_EQ(parse_priv(s, &k), CPS_ERR_CHECKSUM);
    ASSERT_CONTAINS(cps_last_error(), "checksum mismatch");
    snprintf(s, sizeof s, "%s", DEV_PVT);
    s[12] = s[12] == 'a' ? 'b' : 'a';
    ASSERT_EQ(parse_priv(s, &k), CPS_ERR_CHECKSUM);
    snprintf(s, sizeof s, "PVT_R1_%s", DEV_PVT + 7);
    ASSERT_EQ(parse_priv(s, &k), CPS_ERR_CHECKSUM);

    /* WIF: a single-SHA-256 checksum is accepted (as fc does); a wrong version byte is not. */
    make_wif(s, sizeof s, 0x80, secret, 1);
    ASSERT_OK(parse_priv(s, &k));
    ASSERT_MEM_EQ(k.secret, secret, 32);
    make_wif(s, sizeof s, 0x81, secret, 2);
    ASSERT_EQ(parse_priv(s, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "version byte is 0x81");
    /* Never a secret in an error message. */
    ASSERT(!test_contains(cps_last_error(), s));

    /* Well-formed strings around secrets that are not valid keys. */
    uint8_t zero[32] = {0};
    make_wif(s, sizeof s, 0x80, zero, 2);
    ASSERT_EQ(parse_priv(s, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "out of range");
    make_ripemd_text(s, sizeof s, "PVT_K1_", cps_crypto__k1_order, 32, "K1");
    ASSERT_EQ(parse_priv(s, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "out of range");
    make_ripemd_text(s, sizeof s, "PVT_R1_", cps_crypto__r1_order, 32, "R1");
    ASSERT_EQ(parse_priv(s, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "out of range");
    /* Just below the order is fine. */
    uint8_t below[32], one[32] = {0};
    one[31] = 1;
    cps_crypto__be256_sub(below, cps_crypto__r1_order, one);
    make_ripemd_text(s, sizeof s, "PVT_R1_", below, 32, "R1");
    ASSERT_OK(parse_priv(s, &k));
    ASSERT_EQ(k.type, CPS_KEY_R1);
    /* A secret with a leading zero byte keeps its length through the text form. */
    uint8_t lead[32];
    memcpy(lead, secret, 32);
    lead[0] = 0;
    make_ripemd_text(s, sizeof s, "PVT_K1_", lead, 32, "K1");
    ASSERT_OK(parse_priv(s, &k));
    ASSERT_MEM_EQ(k.secret, lead, 32);
    char back[CPS_PRIVATE_KEY_STR_MAX];
    ASSERT_OK(cps_private_key_to_string(&k, true, back, sizeof back));
    ASSERT_STR_EQ(back, s);
    cps_private_key_wipe(&k);
}

TEST(signature_string_errors)
{
    cps_signature sig;
    char s[160];
    ASSERT_EQ(parse_sig("SIG_X1_K5sfcJAgZJYa4mTnz7778LNSN9q7qn2hD5jvfj6K28GfWUJ2rdSNA3cX4", &sig),
              CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "unknown key prefix");
    ASSERT_EQ(parse_sig("", &sig), CPS_ERR_FORMAT);
    ASSERT_EQ(parse_sig("SIG_WA_abc", &sig), CPS_ERR_UNSUPPORTED);
    snprintf(s, sizeof s, "%s", TRX_SIG);
    s[30] = 'l';
    ASSERT_EQ(parse_sig(s, &sig), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "invalid base58 character 'l' at offset 30");
    ASSERT_EQ(cps_signature_from_string(TRX_SIG, strlen(TRX_SIG) - 1, &sig), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");
    snprintf(s, sizeof s, "%s1", TRX_SIG);
    ASSERT_EQ(parse_sig(s, &sig), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");
    ASSERT_EQ(parse_sig("SIG_K1_", &sig), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");
    snprintf(s, sizeof s, "%s", TRX_SIG);
    s[40] = s[40] == 'a' ? 'b' : 'a';
    ASSERT_EQ(parse_sig(s, &sig), CPS_ERR_CHECKSUM);
    ASSERT_CONTAINS(cps_last_error(), "checksum mismatch");
    snprintf(s, sizeof s, "SIG_R1_%s", TRX_SIG + 7);
    ASSERT_EQ(parse_sig(s, &sig), CPS_ERR_CHECKSUM);
}

TEST(to_string_buffer_too_small)
{
    cps_private_key priv;
    cps_public_key pub;
    cps_signature sig;
    char s[20];
    uint8_t digest[32] = {7};
    ASSERT_OK(parse_priv(DEV_WIF, &priv));
    ASSERT_OK(cps_key_public(&priv, &pub));
    ASSERT_OK(cps_sign(&priv, digest, &sig));
    ASSERT_EQ(cps_public_key_to_string(&pub, false, s, sizeof s), CPS_ERR_LIMIT);
    ASSERT_EQ(cps_private_key_to_string(&priv, false, s, sizeof s), CPS_ERR_LIMIT);
    ASSERT_EQ(cps_signature_to_string(&sig, s, sizeof s), CPS_ERR_LIMIT);
    char exact[54]; /* "EOS" + 50 + NUL */
    ASSERT_OK(cps_public_key_to_string(&pub, false, exact, sizeof exact));
    ASSERT_EQ(cps_public_key_to_string(&pub, false, exact, sizeof exact - 1), CPS_ERR_LIMIT);
    pub.type = CPS_KEY_WA;
    ASSERT_EQ(cps_public_key_to_string(&pub, false, exact, sizeof exact), CPS_ERR_UNSUPPORTED);
    cps_private_key_wipe(&priv);
}

/* ---- binary forms -------------------------------------------------------------------------- */

TEST(binary_forms_and_truncation)
{
    cps_public_key dev, k;
    cps_signature sig, s2;
    ASSERT_OK(parse_pub(DEV_PUB, &dev));
    ASSERT_OK(parse_sig(TRX_SIG, &sig));
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_public_key_pack(&b, &dev));
    char h[80];
    cps_hex_encode(h, b.data, b.size);
    ASSERT_STR_EQ(h, "0002c0ded2bc1f1305fb0faac5e6c03ee3a1924234985427b6167ca569d13df435cf");
    /* Every proper prefix is truncated; the reader does not move. */
    for (size_t n = 0; n < b.size; n++) {
        cps_reader r = cps_reader_make(b.data, n);
        ASSERT_EQ(cps_public_key_unpack(&r, &k), CPS_ERR_TRUNCATED);
        ASSERT_EQ(r.pos, 0);
    }
    cps_buf_reset(&b);
    ASSERT_OK(cps_signature_pack(&b, &sig));
    ASSERT_EQ(b.size, 66);
    for (size_t n = 0; n < b.size; n++) {
        cps_reader r = cps_reader_make(b.data, n);
        ASSERT_EQ(cps_signature_unpack(&r, &s2), CPS_ERR_TRUNCATED);
        ASSERT_EQ(r.pos, 0);
    }
    cps_reader r = cps_reader_make(b.data, b.size);
    ASSERT_OK(cps_signature_unpack(&r, &s2));
    ASSERT_MEM_EQ(s2.data, sig.data, 65);
    cps_buf_free(&b);

    /* WebAuthn variants are refused with a clear message; unknown variants are malformed. */
    uint8_t wa[80] = {2};
    r = cps_reader_make(wa, sizeof wa);
    ASSERT_EQ(cps_public_key_unpack(&r, &k), CPS_ERR_UNSUPPORTED);
    ASSERT_CONTAINS(cps_last_error(), "WebAuthn");
    ASSERT_EQ(r.pos, 0);
    ASSERT_EQ(cps_signature_unpack(&r, &s2), CPS_ERR_UNSUPPORTED);
    ASSERT_CONTAINS(cps_last_error(), "WebAuthn");
    wa[0] = 3;
    ASSERT_EQ(cps_public_key_unpack(&r, &k), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "unknown public key type 3");
    wa[0] = 0x80; /* a varuint32 that never ends within one byte... */
    wa[1] = 0x80;
    wa[2] = 0x80;
    wa[3] = 0x80;
    wa[4] = 0x80;
    ASSERT(cps_signature_unpack(&r, &s2) != 0);
    r = cps_reader_make(wa, 1);
    ASSERT_EQ(cps_signature_unpack(&r, &s2), CPS_ERR_TRUNCATED);
    wa[0] = 0x81; /* index 1 + 128 = 129 */
    wa[1] = 0x01;
    r = cps_reader_make(wa, sizeof wa);
    ASSERT_EQ(cps_signature_unpack(&r, &s2), CPS_ERR_FORMAT);

    /* Packing an unsupported type marks the buffer failed. */
    cps_buf_init(&b);
    k.type = CPS_KEY_WA;
    ASSERT_EQ(cps_public_key_pack(&b, &k), CPS_ERR_UNSUPPORTED);
    ASSERT_EQ(b.failed, CPS_ERR_UNSUPPORTED);
    ASSERT_EQ(b.size, 0);
    cps_buf_free(&b);
}

/* ---- threads --------------------------------------------------------------------------------- */

#define THREADS 4
#define PER_THREAD 40

struct thread_job {
    cps_private_key key;
    uint8_t digests[PER_THREAD][32];
    cps_signature expect[PER_THREAD];
    int errors;
};

static void *thread_main(void *arg)
{
    struct thread_job *job = (struct thread_job *)arg;
    cps_public_key pub, rec;
    if (cps_key_public(&job->key, &pub) != 0) job->errors++;
    for (int i = 0; i < PER_THREAD; i++) {
        cps_signature sig;
        if (cps_sign(&job->key, job->digests[i], &sig) != 0 ||
            memcmp(sig.data, job->expect[i].data, 65) != 0)
            job->errors++;
        if (cps_recover(&sig, job->digests[i], &rec) != 0 ||
            cps_public_key_compare(&rec, &pub) != 0)
            job->errors++;
    }
    return NULL;
}

TEST(concurrent_sign_and_recover)
{
    static struct thread_job jobs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        ASSERT_OK(cps_key_generate(t % 2 ? CPS_KEY_R1 : CPS_KEY_K1, &jobs[t].key));
        for (int i = 0; i < PER_THREAD; i++) {
            fill_random(jobs[t].digests[i], 32);
            ASSERT_OK(cps_sign(&jobs[t].key, jobs[t].digests[i], &jobs[t].expect[i]));
        }
        jobs[t].errors = 0;
    }
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++)
        ASSERT_OK(pthread_create(&th[t], NULL, thread_main, &jobs[t]));
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < THREADS; t++) {
        ASSERT_EQ(jobs[t].errors, 0);
        cps_private_key_wipe(&jobs[t].key);
    }
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
