/* test_crypto: the hash and key-recovery intrinsics.
 *
 *   known()                                   sha1/sha256/sha512/ripemd160 of "abc" equal the
 *                                             published test vectors; assert_* accept them
 *   hashes(data, sha1, sha256, sha512, ripemd160)   each hash of data equals the given digest,
 *                                             and each assert_* accepts it
 *   badhash(data, sha256)                     assert_sha256 with a wrong digest: must abort
 *   recover(digest, sig, key)                 recover_key(digest, sig) gives the packed key (34
 *                                             bytes: type + compressed point) and
 *                                             assert_recover_key accepts it
 *   badrecover(digest, sig, key)              assert_recover_key with another key: must abort
 */
#include "cps/sdk.h"

CPS_ABI_EMPTY_STRUCT(empty)

static void from_hex(const char *hex, uint8_t *out, uint32_t size)
{
    for (uint32_t i = 0; i < size; i++) {
        uint8_t byte = 0;
        for (int half = 0; half < 2; half++) {
            char c = hex[2 * i + (uint32_t)half];
            uint8_t v = (uint8_t)(c <= '9' ? c - '0' : c - 'a' + 10);
            byte = (uint8_t)(byte << 4 | v);
        }
        out[i] = byte;
    }
}

static void on_known(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    /* FIPS 180 / RIPEMD-160 test vectors for "abc". */
    cps_checksum160 s1, r160, want160;
    cps_checksum256 s256, want256;
    cps_checksum512 s512, want512;
    sha1("abc", 3, &s1);
    from_hex("a9993e364706816aba3e25717850c26c9cd0d89d", want160.hash, 20);
    check(memcmp(&s1, &want160, 20) == 0, "sha1(abc) differs from the test vector");
    assert_sha1("abc", 3, &want160);
    sha256("abc", 3, &s256);
    from_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want256.hash, 32);
    check(memcmp(&s256, &want256, 32) == 0, "sha256(abc) differs from the test vector");
    assert_sha256("abc", 3, &want256);
    sha512("abc", 3, &s512);
    from_hex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
             "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
             want512.hash, 64);
    check(memcmp(&s512, &want512, 64) == 0, "sha512(abc) differs from the test vector");
    assert_sha512("abc", 3, &want512);
    ripemd160("abc", 3, &r160);
    from_hex("8eb208f7e05d987a9b044a8e98c6b087f15a0bfc", want160.hash, 20);
    check(memcmp(&r160, &want160, 20) == 0, "ripemd160(abc) differs from the test vector");
    assert_ripemd160("abc", 3, &want160);
}

#define HASHES_FIELDS(X)                                                                           \
    X(data, bytes)                                                                                 \
    X(sha1, checksum160) X(sha256, checksum256) X(sha512, checksum512) X(ripemd160, checksum160)
CPS_ABI_STRUCT(hashes, HASHES_FIELDS)

static void on_hashes(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const hashes_t *h = args;
    cps_checksum160 h160;
    cps_checksum256 h256;
    cps_checksum512 h512;
    sha1(h->data.data, h->data.size, &h160);
    check(memcmp(&h160, &h->sha1, sizeof h160) == 0, "sha1 differs");
    sha256(h->data.data, h->data.size, &h256);
    check(memcmp(&h256, &h->sha256, sizeof h256) == 0, "sha256 differs");
    sha512(h->data.data, h->data.size, &h512);
    check(memcmp(&h512, &h->sha512, sizeof h512) == 0, "sha512 differs");
    ripemd160(h->data.data, h->data.size, &h160);
    check(memcmp(&h160, &h->ripemd160, sizeof h160) == 0, "ripemd160 differs");
    assert_sha1(h->data.data, h->data.size, &h->sha1);
    assert_sha256(h->data.data, h->data.size, &h->sha256);
    assert_sha512(h->data.data, h->data.size, &h->sha512);
    assert_ripemd160(h->data.data, h->data.size, &h->ripemd160);
}

#define BADHASH_FIELDS(X) X(data, bytes) X(sha256, checksum256)
CPS_ABI_STRUCT(badhash, BADHASH_FIELDS)

static void on_badhash(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const badhash_t *b = args;
    assert_sha256(b->data.data, b->data.size, &b->sha256);
}

#define RECOVER_FIELDS(X) X(digest, checksum256) X(sig, signature) X(key, public_key)
CPS_ABI_STRUCT(recover, RECOVER_FIELDS)

/* The packed forms the intrinsics take: variant type byte, then the key or signature bytes. */
static uint32_t pack_signature(const cps_signature *sig, uint8_t out[66])
{
    cps_ds w = cps_ds_writer(out, 66);
    cps_ds_write_signature(&w, *sig);
    return w.pos;
}
static uint32_t pack_key(const cps_public_key *key, uint8_t out[34])
{
    cps_ds w = cps_ds_writer(out, 34);
    cps_ds_write_public_key(&w, *key);
    return w.pos;
}

static void on_recover(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const recover_t *r = args;
    uint8_t sig[66], want[34], got[40];
    uint32_t sig_size = pack_signature(&r->sig, sig);
    uint32_t key_size = pack_key(&r->key, want);
    int32_t size = recover_key(&r->digest, sig, sig_size, got, sizeof got);
    check(size == 34, "recover_key did not return a 34-byte key");
    check(memcmp(got, want, key_size) == 0, "recover_key recovered another key");
    assert_recover_key(&r->digest, sig, sig_size, want, key_size);
}

static void on_badrecover(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const recover_t *r = args;
    uint8_t sig[66], key[34];
    uint32_t sig_size = pack_signature(&r->sig, sig);
    uint32_t key_size = pack_key(&r->key, key);
    assert_recover_key(&r->digest, sig, sig_size, key, key_size);
}

static const cps_action_def crypto_actions[] = {
    CPS_ACTION(known, empty, on_known),
    CPS_ACTION(hashes, hashes, on_hashes),
    CPS_ACTION(badhash, badhash, on_badhash),
    CPS_ACTION(recover, recover, on_recover),
    CPS_ACTION(badrecover, recover, on_badrecover),
};
CPS_CONTRACT(crypto_actions)
