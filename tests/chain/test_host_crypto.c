/* Tests of the crypto intrinsics through the VM: published hash vectors, the assert_* forms and
 * nodeos's "hash mismatch", key recovery of K1 and R1 signatures (including a non-canonical K1
 * signature, which recover_key accepts as nodeos does), output buffers that are too small, bad
 * pointers (traps), CPU charged in proportion to the input, Leap's sha3/keccak and k1_recover. */
#include <secp256k1.h>

#include "host_harness.h"

static const cps_chain_intrinsic_group *const groups[] = {&cps_chain__host_crypto, NULL};

static void hex_to(const char *hex, uint8_t *out)
{
    size_t n;
    int rc = cps_hex_decode(out, strlen(hex) / 2, &n, hex, strlen(hex));
    (void)rc;
}

static int call3(harness *h, const char *name, uint32_t a, uint32_t b, uint32_t c)
{
    cps_vm_value args[3] = {HV_I32(a), HV_I32(b), HV_I32(c)};
    return harness_call(h, name, args, 3, NULL);
}

TEST(hashes_of_abc_match_published_vectors)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    uint8_t *m = harness_mem(&h);
    memcpy(m, "abc", 3);
    struct {
        const char *fn, *check, *hex;
    } v[] = {
        {"sha1", "assert_sha1", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"sha256", "assert_sha256",
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"sha512", "assert_sha512",
         "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a"
         "3"
         "feebbd454d4423643ce80e2a9ac94fa54ca49f"},
        {"ripemd160", "assert_ripemd160", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(v); i++) {
        uint8_t want[64];
        size_t n = strlen(v[i].hex) / 2;
        hex_to(v[i].hex, want);
        memset(m + 100, 0xEE, 80);
        ASSERT_OK(call3(&h, v[i].fn, 0, 3, 100));
        ASSERT_MEM_EQ(m + 100, want, n);
        ASSERT_EQ(m[100 + n], 0xEE); /* nothing written past the digest */
        ASSERT_OK(call3(&h, v[i].check, 0, 3, 100));
        m[100 + n - 1] ^= 1;
        ASSERT_EQ(call3(&h, v[i].check, 0, 3, 100), CPS_ERR_CHECKSUM);
        ASSERT_STR_EQ(cps_last_error(), "hash mismatch");
    }
    /* the empty input */
    ASSERT_OK(call3(&h, "sha256", 5000, 0, 200));
    uint8_t e[32];
    hex_to("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", e);
    ASSERT_MEM_EQ(m + 200, e, 32);
    harness_close(&h);
}

TEST(hash_buffers_out_of_bounds_trap)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    const uint32_t end = 131072;
    ASSERT_EQ(call3(&h, "sha256", end - 2, 3, 0), CPS_ERR_TRAP);        /* input past the end */
    ASSERT_EQ(call3(&h, "sha256", 0, 3, end - 31), CPS_ERR_TRAP);       /* digest past the end */
    ASSERT_EQ(call3(&h, "sha512", 0xFFFFFFF0u, 0x20, 0), CPS_ERR_TRAP); /* wraps 4 GiB */
    ASSERT_EQ(call3(&h, "assert_sha1", 0, 3, end - 10), CPS_ERR_TRAP);  /* expected digest */
    ASSERT_EQ(call3(&h, "ripemd160", 0, 0xFFFFFFFFu, 0), CPS_ERR_TRAP);
    ASSERT_CONTAINS(cps_last_error(), "out of bounds");
    harness_close(&h);
}

TEST(hashing_charges_cpu_by_size_and_respects_the_budget)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    ASSERT_OK(call3(&h, "sha256", 0, 16, 70000));
    uint64_t small = h.last_used;
    ASSERT_OK(call3(&h, "sha256", 0, 65536, 70000));
    uint64_t big = h.last_used;
    ASSERT_EQ(big - small, (65536 - 16) * 16 / 64); /* sha256: 16 units per 64 bytes */
    h.budget = 1000;                                /* far too little for 64 KiB */
    ASSERT_EQ(call3(&h, "sha256", 0, 65536, 70000), CPS_ERR_DEADLINE);
    harness_close(&h);
}

/* ---- recovery ---- */

typedef struct signed_digest {
    uint8_t digest[32];
    cps_public_key key;
    uint8_t packed_key[34];
    uint8_t packed_sig[66];
} signed_digest;

static int make_signature(enum cps_key_type type, signed_digest *s)
{
    cps_private_key k;
    cps_signature sig;
    int rc = cps_key_generate(type, &k);
    if (!rc) rc = cps_key_public(&k, &s->key);
    cps_sha256("message", 7, s->digest);
    if (!rc) rc = cps_sign(&k, s->digest, &sig);
    cps_private_key_wipe(&k);
    cps_buf b = {0};
    if (!rc) rc = cps_public_key_pack(&b, &s->key);
    if (!rc) memcpy(s->packed_key, b.data, 34);
    cps_buf_reset(&b);
    if (!rc) rc = cps_signature_pack(&b, &sig);
    if (!rc) memcpy(s->packed_sig, b.data, 66);
    cps_buf_free(&b);
    return rc;
}

/* recover_key(digest at 0, sig at 64 (66 bytes), pub at 200 (len)) */
static int recover(harness *h, uint32_t pub_len, cps_vm_value *res)
{
    cps_vm_value args[5] = {HV_I32(0), HV_I32(64), HV_I32(66), HV_I32(200), HV_I32(pub_len)};
    return harness_call(h, "recover_key", args, 5, res);
}

static int assert_recover(harness *h, uint32_t key_at)
{
    cps_vm_value args[5] = {HV_I32(0), HV_I32(64), HV_I32(66), HV_I32(key_at), HV_I32(34)};
    return harness_call(h, "assert_recover_key", args, 5, NULL);
}

TEST(recover_key_k1_and_r1)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    uint8_t *m = harness_mem(&h);
    enum cps_key_type types[2] = {CPS_KEY_K1, CPS_KEY_R1};
    for (int t = 0; t < 2; t++) {
        signed_digest s;
        ASSERT_OK(make_signature(types[t], &s));
        memcpy(m, s.digest, 32);
        memcpy(m + 64, s.packed_sig, 66);
        memcpy(m + 300, s.packed_key, 34);
        cps_vm_value res;
        memset(m + 200, 0, 40);
        ASSERT_OK(recover(&h, 40, &res));
        ASSERT_EQ(res.v.i32, 34);
        ASSERT_MEM_EQ(m + 200, s.packed_key, 34);
        ASSERT(h.last_used >= (t == 0 ? 12000u : 22000u)); /* recovery is charged */
        ASSERT_OK(assert_recover(&h, 300));
        /* a buffer that cannot hold the 34-byte key fails (fc: writing past the end) */
        ASSERT_EQ(recover(&h, 33, &res), CPS_ERR_OVERFLOW);
        ASSERT_STR_EQ(cps_last_error(), "Attempt to write 1 bytes beyond end of buffer of size 33");
        ASSERT_EQ(recover(&h, 0, &res), CPS_ERR_OVERFLOW);
        /* another key is refused */
        signed_digest other;
        ASSERT_OK(make_signature(types[t], &other));
        memcpy(m + 300, other.packed_key, 34);
        ASSERT_EQ(assert_recover(&h, 300), CPS_ERR_CRYPTO);
        ASSERT_STR_EQ(cps_last_error(), "Error expected key different than recovered key");
        /* a different digest recovers a different key */
        m[0] ^= 1;
        ASSERT_OK(recover(&h, 34, &res));
        ASSERT(memcmp(m + 200, s.packed_key, 34) != 0);
    }
    harness_close(&h);
}

/* secp256k1's order, big-endian */
static const uint8_t K1_N[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48,
                                 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};

TEST(recover_key_accepts_non_canonical_k1_signatures)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    uint8_t *m = harness_mem(&h);
    signed_digest s;
    ASSERT_OK(make_signature(CPS_KEY_K1, &s));
    /* (r, n - s) with the other recovery id is the same signature; its s has the top bit set,
     * so it is not canonical by EOSIO's rule: transactions refuse it, recover_key does not. */
    uint8_t *sig = s.packed_sig + 1, *sv = sig + 33;
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = K1_N[i] - sv[i] - borrow;
        borrow = d < 0;
        sv[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
    sig[0] = (uint8_t)(27 + 4 + ((sig[0] - 27 - 4) ^ 1));
    cps_signature ns;
    cps_reader r = cps_reader_make(s.packed_sig, 66);
    ASSERT_OK(cps_signature_unpack(&r, &ns));
    ASSERT(!cps_signature_is_canonical(&ns));
    cps_public_key tmp;
    ASSERT_EQ(cps_recover(&ns, s.digest, &tmp), CPS_ERR_NONCANONICAL);
    memcpy(m, s.digest, 32);
    memcpy(m + 64, s.packed_sig, 66);
    cps_vm_value res;
    ASSERT_OK(recover(&h, 34, &res));
    ASSERT_MEM_EQ(m + 200, s.packed_key, 34);
    memcpy(m + 300, s.packed_key, 34);
    ASSERT_OK(assert_recover(&h, 300));
    /* a header byte outside 27..34 cannot be recovered */
    m[65] = 26;
    ASSERT_EQ(recover(&h, 34, &res), CPS_ERR_CRYPTO);
    ASSERT_CONTAINS(cps_last_error(), "unable to reconstruct public key from signature");
    harness_close(&h);
}

TEST(recover_key_rejects_malformed_input)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    uint8_t *m = harness_mem(&h);
    memset(m, 0, 400);
    cps_vm_value res;
    /* truncated signature: 20 bytes */
    cps_vm_value args[5] = {HV_I32(0), HV_I32(64), HV_I32(20), HV_I32(200), HV_I32(34)};
    ASSERT_NE(harness_call(&h, "recover_key", args, 5, &res), 0);
    ASSERT_CONTAINS(cps_last_error(), "recover_key: signature");
    /* WebAuthn (type 2) is not supported; an unknown type fails */
    m[64] = 2;
    args[2] = HV_I32(66);
    ASSERT_NE(harness_call(&h, "recover_key", args, 5, &res), 0);
    m[64] = 9;
    ASSERT_NE(harness_call(&h, "recover_key", args, 5, &res), 0);
    /* digest or output out of bounds */
    args[0] = HV_I32(131072 - 16);
    ASSERT_EQ(harness_call(&h, "recover_key", args, 5, &res), CPS_ERR_TRAP);
    args[0] = HV_I32(0);
    args[3] = HV_I32(131072 - 10);
    ASSERT_EQ(harness_call(&h, "recover_key", args, 5, &res), CPS_ERR_TRAP);
    harness_close(&h);
}

TEST(crypto_is_callable_in_context_free_actions)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    h.ctx.context_free = true;
    ASSERT_OK(call3(&h, "sha1", 0, 10, 100));
    ASSERT_OK(call3(&h, "sha512", 0, 10, 100));
    harness_close(&h);
}

/* ---- Leap crypto_primitives ---- */

static int sha3(harness *h, uint32_t in, uint32_t n, uint32_t out, uint32_t out_n, uint32_t keccak)
{
    cps_vm_value args[5] = {HV_I32(in), HV_I32(n), HV_I32(out), HV_I32(out_n), HV_I32(keccak)};
    return harness_call(h, "sha3", args, 5, NULL);
}

TEST(sha3_and_keccak)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    uint8_t *m = harness_mem(&h), want[32];
    ASSERT_OK(sha3(&h, 0, 0, 100, 32, 1));
    hex_to("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", want);
    ASSERT_MEM_EQ(m + 100, want, 32);
    ASSERT_OK(sha3(&h, 0, 0, 100, 32, 0));
    hex_to("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a", want);
    ASSERT_MEM_EQ(m + 100, want, 32);
    /* a shorter output gets the first bytes only */
    memset(m + 200, 0xEE, 32);
    ASSERT_OK(sha3(&h, 0, 0, 200, 8, 0));
    ASSERT_MEM_EQ(m + 200, want, 8);
    ASSERT_EQ(m[208], 0xEE);
    /* overlapping input and output are refused (EOSIO's core precondition) */
    ASSERT_EQ(sha3(&h, 0, 64, 32, 32, 0), CPS_ERR_TRAP);
    ASSERT_STR_EQ(cps_last_error(), "pointers not allowed to alias");
    ASSERT_OK(sha3(&h, 0, 32, 32, 32, 0)); /* adjacent is fine */
    harness_close(&h);
}

static int k1_recover(harness *h, uint32_t sig_n, uint32_t dig_n, uint32_t pub_n, cps_vm_value *res)
{
    cps_vm_value args[6] = {HV_I32(0),     HV_I32(sig_n), HV_I32(100),
                            HV_I32(dig_n), HV_I32(200),   HV_I32(pub_n)};
    return harness_call(h, "k1_recover", args, 6, res);
}

TEST(k1_recover_returns_the_uncompressed_key)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    uint8_t *m = harness_mem(&h);
    signed_digest s;
    ASSERT_OK(make_signature(CPS_KEY_K1, &s));
    memcpy(m, s.packed_sig + 1, 65);
    memcpy(m + 100, s.digest, 32);
    secp256k1_pubkey pk;
    uint8_t want[65];
    size_t n = 65;
    ASSERT(secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, s.key.data, 33));
    secp256k1_ec_pubkey_serialize(secp256k1_context_static, want, &n, &pk,
                                  SECP256K1_EC_UNCOMPRESSED);
    cps_vm_value res;
    ASSERT_OK(k1_recover(&h, 65, 32, 65, &res));
    ASSERT_EQ((int32_t)res.v.i32, 0);
    ASSERT_MEM_EQ(m + 200, want, 65);
    ASSERT_OK(k1_recover(&h, 64, 32, 65, &res)); /* wrong signature size */
    ASSERT_EQ((int32_t)res.v.i32, -1);
    ASSERT_OK(k1_recover(&h, 65, 31, 65, &res)); /* wrong digest size */
    ASSERT_EQ((int32_t)res.v.i32, -1);
    ASSERT_OK(k1_recover(&h, 65, 32, 64, &res)); /* output too small */
    ASSERT_EQ((int32_t)res.v.i32, -1);
    m[0] = 35; /* header byte */
    ASSERT_OK(k1_recover(&h, 65, 32, 65, &res));
    ASSERT_EQ((int32_t)res.v.i32, -1);
    harness_close(&h);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
