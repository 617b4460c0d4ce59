/* libFuzzer target for the crypto module's decoders of untrusted input: every key and signature
 * text parser and the binary unpackers, on arbitrary bytes. Whatever parses must print back to
 * text that parses to the same value (and, for canonical forms, to the same text), and what
 * unpacks must pack back to the bytes it came from; parsed signatures also go through recovery. */
#include "crypto/crypto.h"

#include <stdlib.h>
#include <string.h>

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

static void public_key_text(const char *s, size_t n)
{
    cps_public_key k, k2;
    if (cps_public_key_from_string(s, n, &k) != 0) return;
    REQUIRE(cps_public_key_is_valid(&k));
    char out[CPS_PUBLIC_KEY_STR_MAX];
    bool new_form = n >= 4 && memcmp(s, "PUB_", 4) == 0;
    REQUIRE(cps_public_key_to_string(&k, new_form, out, sizeof out) == 0);
    /* Exact length and an exact base58 form make the accepted text unique. */
    REQUIRE(strlen(out) == n && memcmp(out, s, n) == 0);
    REQUIRE(cps_public_key_from_string(out, strlen(out), &k2) == 0);
    REQUIRE(cps_public_key_compare(&k, &k2) == 0);
}

static void private_key_text(const char *s, size_t n)
{
    cps_private_key k, k2;
    if (cps_private_key_from_string(s, n, &k) != 0) return;
    char out[CPS_PRIVATE_KEY_STR_MAX];
    bool new_form = n >= 4 && memcmp(s, "PVT_", 4) == 0;
    REQUIRE(cps_private_key_to_string(&k, new_form, out, sizeof out) == 0);
    /* A WIF with a single-SHA-256 checksum is accepted but printed with the double one. */
    if (new_form) REQUIRE(strlen(out) == n && memcmp(out, s, n) == 0);
    REQUIRE(cps_private_key_from_string(out, strlen(out), &k2) == 0);
    REQUIRE(k.type == k2.type && memcmp(k.secret, k2.secret, 32) == 0);
    cps_public_key pub;
    REQUIRE(cps_key_public(&k, &pub) == 0);
    cps_private_key_wipe(&k);
    cps_private_key_wipe(&k2);
}

static void signature_text(const char *s, size_t n, const uint8_t digest[32])
{
    cps_signature sig, sig2;
    if (cps_signature_from_string(s, n, &sig) != 0) return;
    char out[CPS_SIGNATURE_STR_MAX];
    REQUIRE(cps_signature_to_string(&sig, out, sizeof out) == 0);
    REQUIRE(strlen(out) == n && memcmp(out, s, n) == 0);
    REQUIRE(cps_signature_from_string(out, strlen(out), &sig2) == 0);
    REQUIRE(sig.type == sig2.type && memcmp(sig.data, sig2.data, 65) == 0);
    /* Arbitrary (r, s, recid) through recovery: either a key or a clean error. */
    cps_public_key rec;
    if (cps_recover(&sig, digest, &rec) == 0) {
        REQUIRE(cps_public_key_is_valid(&rec));
        REQUIRE(cps_verify(&rec, digest, &sig) == 0);
    }
}

static void binary(const uint8_t *data, size_t size)
{
    /* Two readings of the same bytes: as a run of public keys and as a run of signatures. */
    for (int as_sig = 0; as_sig < 2; as_sig++) {
        cps_reader r = cps_reader_make(data, size);
        for (;;) {
            size_t start = r.pos;
            cps_buf b;
            cps_buf_init(&b);
            int rc;
            if (as_sig) {
                cps_signature sig;
                rc = cps_signature_unpack(&r, &sig);
                if (rc == 0) REQUIRE(cps_signature_pack(&b, &sig) == 0);
            } else {
                cps_public_key key;
                rc = cps_public_key_unpack(&r, &key);
                if (rc == 0) REQUIRE(cps_public_key_pack(&b, &key) == 0);
            }
            if (rc != 0) {
                REQUIRE(rc < 0 && r.pos == start); /* failure leaves the reader in place */
                cps_buf_free(&b);
                break;
            }
            REQUIRE(b.size == r.pos - start && memcmp(b.data, data + start, b.size) == 0);
            cps_buf_free(&b);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    uint8_t digest[32];
    cps_sha256(data, size, digest);
    public_key_text(s, size);
    private_key_text(s, size);
    signature_text(s, size, digest);
    binary(data, size);
    return 0;
}
