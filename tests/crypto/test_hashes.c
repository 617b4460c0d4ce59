/* Known-answer tests for every hash of the crypto module (FIPS 180-4, FIPS 202, the RIPEMD-160
 * reference vectors, Keccak-256 as Ethereum uses it), HMAC-SHA-256 (RFC 4231) and the RFC 6979
 * DRBG, plus differential checks of the hand-written Keccak sponge against OpenSSL's SHA3. */
#include "crypto/crypto_internal.h"
#include "test.h"

#include <openssl/evp.h>

static const char abc448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

/* Hex of a digest, in a static buffer per call site (enough for a test's ASSERT_STR_EQ). */
static const char *hex(const uint8_t *d, size_t n)
{
    static char buf[4][129];
    static int next;
    char *out = buf[next++ & 3];
    cps_hex_encode(out, d, n);
    return out;
}

static uint8_t *million_a(void)
{
    uint8_t *m = malloc(1000000);
    if (m) memset(m, 'a', 1000000);
    return m;
}

TEST(sha1_known_answers)
{
    uint8_t d[20];
    cps_sha1("", 0, d);
    ASSERT_STR_EQ(hex(d, 20), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    cps_sha1("abc", 3, d);
    ASSERT_STR_EQ(hex(d, 20), "a9993e364706816aba3e25717850c26c9cd0d89d");
    cps_sha1(abc448, strlen(abc448), d);
    ASSERT_STR_EQ(hex(d, 20), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    uint8_t *m = million_a();
    ASSERT(m);
    cps_sha1(m, 1000000, d);
    free(m);
    ASSERT_STR_EQ(hex(d, 20), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(sha256_known_answers)
{
    uint8_t d[32];
    cps_sha256("", 0, d);
    ASSERT_STR_EQ(hex(d, 32), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cps_sha256("abc", 3, d);
    ASSERT_STR_EQ(hex(d, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cps_sha256(abc448, strlen(abc448), d);
    ASSERT_STR_EQ(hex(d, 32), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    uint8_t *m = million_a();
    ASSERT(m);
    cps_sha256(m, 1000000, d);
    free(m);
    ASSERT_STR_EQ(hex(d, 32), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(sha256_incremental_equals_one_shot)
{
    uint8_t *m = million_a();
    ASSERT(m);
    /* Uneven pieces straddle the 64-byte block boundary in every possible way. */
    cps_sha256_ctx c;
    cps_sha256_init(&c);
    size_t at = 0, step = 1;
    while (at < 1000000) {
        size_t n = step < 1000000 - at ? step : 1000000 - at;
        cps_sha256_update(&c, m + at, n);
        at += n;
        step = step * 7 % 131 + 1;
    }
    uint8_t d[32];
    cps_sha256_final(&c, d);
    free(m);
    ASSERT_STR_EQ(hex(d, 32), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* The context is a plain value: a copy taken mid-way finishes independently. */
    cps_sha256_ctx a, b;
    cps_sha256_init(&a);
    cps_sha256_update(&a, "ab", 2);
    b = a;
    cps_sha256_update(&a, "c", 1);
    cps_sha256_final(&a, d);
    ASSERT_STR_EQ(hex(d, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cps_sha256_update(&b, "c", 1);
    cps_sha256_final(&b, d);
    ASSERT_STR_EQ(hex(d, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cps_sha256_init(&a);
    cps_sha256_final(&a, d);
    ASSERT_STR_EQ(hex(d, 32), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(sha512_known_answers)
{
    uint8_t d[64];
    cps_sha512("", 0, d);
    ASSERT_STR_EQ(hex(d, 64), "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                              "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
    cps_sha512("abc", 3, d);
    ASSERT_STR_EQ(hex(d, 64), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                              "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    uint8_t *m = million_a();
    ASSERT(m);
    cps_sha512(m, 1000000, d);
    free(m);
    ASSERT_STR_EQ(hex(d, 64), "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                              "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

TEST(ripemd160_known_answers)
{
    uint8_t d[20];
    cps_ripemd160("", 0, d);
    ASSERT_STR_EQ(hex(d, 20), "9c1185a5c5e9fc54612808977ee8f548b2258d31");
    cps_ripemd160("abc", 3, d);
    ASSERT_STR_EQ(hex(d, 20), "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
    cps_ripemd160("message digest", 14, d);
    ASSERT_STR_EQ(hex(d, 20), "5d0689ef49d2fae572b881b123a85ffa21595f36");
    cps_ripemd160(abc448, strlen(abc448), d);
    ASSERT_STR_EQ(hex(d, 20), "12a053384a9c0c88e405a06c27dcf49ada62eb2b");
    uint8_t *m = million_a();
    ASSERT(m);
    cps_ripemd160(m, 1000000, d);
    free(m);
    ASSERT_STR_EQ(hex(d, 20), "52783243c1697bdbe16d37f97f68f08325dc1528");
}

TEST(sha3_256_known_answers)
{
    uint8_t d[32];
    cps_sha3_256("", 0, d);
    ASSERT_STR_EQ(hex(d, 32), "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    cps_sha3_256("abc", 3, d);
    ASSERT_STR_EQ(hex(d, 32), "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
    cps_sha3_256(abc448, strlen(abc448), d);
    ASSERT_STR_EQ(hex(d, 32), "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376");
    uint8_t *m = million_a();
    ASSERT(m);
    cps_sha3_256(m, 1000000, d);
    free(m);
    ASSERT_STR_EQ(hex(d, 32), "5c8875ae474a3634ba4fd55ec85bffd661f32aca75c6d699d0cdcb6c115891c1");
}

TEST(keccak256_known_answers)
{
    uint8_t d[32];
    cps_keccak256("", 0, d);
    ASSERT_STR_EQ(hex(d, 32), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    cps_keccak256("abc", 3, d);
    ASSERT_STR_EQ(hex(d, 32), "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    const char *fox = "The quick brown fox jumps over the lazy dog";
    cps_keccak256(fox, strlen(fox), d);
    ASSERT_STR_EQ(hex(d, 32), "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
    /* Keccak and SHA3 differ only in the domain padding. */
    uint8_t s[32];
    cps_sha3_256("", 0, s);
    ASSERT(memcmp(d, s, 32) != 0);
}

/* rc(t) of FIPS 202 Algorithm 5: the output bit of the LFSR x^8 + x^6 + x^5 + x^4 + 1 after
 * t mod 255 steps, R[0] kept as the low bit of r. */
static int keccak_rc_bit(unsigned t)
{
    unsigned r = 0x01;
    for (unsigned i = 0; i < t % 255; i++) {
        unsigned r8 = (r >> 7) & 1;
        r = (r << 1) & 0xff;
        if (r8) r ^= 0x71; /* R[0], R[4], R[5], R[6] ^= R[8] */
    }
    return (int)(r & 1);
}

/* keccak.c writes its step constants out; re-derive them from the spec's definitions. */
TEST(keccak_constants_follow_fips202)
{
    for (unsigned ir = 0; ir < 24; ir++) {
        uint64_t rc = 0;
        for (unsigned j = 0; j <= 6; j++)
            if (keccak_rc_bit(j + 7 * ir)) rc |= (uint64_t)1 << ((1u << j) - 1);
        ASSERT_U64_EQ(cps_crypto__keccak_rc[ir], rc);
    }
    unsigned x = 1, y = 0;
    for (unsigned t = 0; t < 24; t++) {
        ASSERT_EQ(cps_crypto__keccak_rotc[t], ((t + 1) * (t + 2) / 2) % 64);
        unsigned nx = y, ny = (2 * x + 3 * y) % 5;
        x = nx;
        y = ny;
        ASSERT_EQ(cps_crypto__keccak_piln[t], x + 5 * y);
    }
    ASSERT_EQ(x, 1); /* the walk is one cycle through all 24 lanes */
    ASSERT_EQ(y, 0);
}

/* Our sponge against OpenSSL's SHA3-256 over every length from 0 to 700 bytes: this covers the
 * empty last block, the rate boundary (135/136/137 bytes) and several multi-block inputs, so the
 * permutation, absorption and padding all agree with an independent implementation. */
TEST(sha3_256_matches_openssl_for_all_lengths)
{
    uint8_t msg[700], ours[32], theirs[32];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 131 + 7);
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA3-256", NULL);
    ASSERT(md);
    int mismatches = 0;
    for (size_t n = 0; n <= sizeof msg; n++) {
        unsigned len = 0;
        if (!EVP_Digest(msg, n, theirs, &len, md, NULL) || len != 32) mismatches++;
        cps_sha3_256(msg, n, ours);
        if (memcmp(ours, theirs, 32) != 0) mismatches++;
    }
    EVP_MD_free(md);
    ASSERT_EQ(mismatches, 0);
}

/* RFC 4231 test case 2 (key "Jefe"; a key shorter than the block is zero-padded, so the 32-byte
 * zero-padded key is the same HMAC key) and test case 1 (20 bytes of 0x0b). */
TEST(hmac_sha256_rfc4231)
{
    uint8_t key[32] = {'J', 'e', 'f', 'e'}, d[32];
    const char *msg = "what do ya want for nothing?";
    cps_crypto__hmac_sha256(key, msg, strlen(msg), NULL, 0, NULL, 0, d);
    ASSERT_STR_EQ(hex(d, 32), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* The same message split over the three pieces gives the same MAC. */
    cps_crypto__hmac_sha256(key, msg, 4, msg + 4, 10, msg + 14, strlen(msg) - 14, d);
    ASSERT_STR_EQ(hex(d, 32), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key, 0, sizeof key);
    memset(key, 0x0b, 20);
    cps_crypto__hmac_sha256(key, "Hi There", 8, NULL, 0, NULL, 0, d);
    ASSERT_STR_EQ(hex(d, 32), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void unhex(uint8_t *out, size_t n, const char *h)
{
    size_t got = 0;
    if (cps_hex_decode(out, n, &got, h, strlen(h)) != 0 || got != n) memset(out, 0, n);
}

/* RFC 6979 A.2.5: P-256, SHA-256, message "sample"; the first DRBG candidate is the nonce k. */
TEST(rfc6979_drbg_p256_sample)
{
    uint8_t x[32], h[32], k[32];
    unhex(x, 32, "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    cps_sha256("sample", 6, h);
    cps_crypto__drbg drbg;
    cps_crypto__drbg_init(&drbg, x, h, NULL, 0);
    cps_crypto__drbg_next(&drbg, k);
    ASSERT_STR_EQ(hex(k, 32), "a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60");
    /* "test" gives D16B6AE827F17175E040871A1C7EC3500192C4C92677336EC2537ACAEE0008E0. */
    cps_sha256("test", 4, h);
    cps_crypto__drbg_init(&drbg, x, h, NULL, 0);
    cps_crypto__drbg_next(&drbg, k);
    ASSERT_STR_EQ(hex(k, 32), "d16b6ae827f17175e040871a1c7ec3500192c4c92677336ec2537acaee0008e0");
    /* The next candidate differs (state advanced as RFC 6979 step h.3 says). */
    uint8_t k2[32];
    cps_crypto__drbg_next(&drbg, k2);
    ASSERT(memcmp(k, k2, 32) != 0);
    cps_crypto__drbg_wipe(&drbg);
    uint8_t zero[sizeof drbg] = {0};
    ASSERT_MEM_EQ(&drbg, zero, sizeof drbg);
}

TEST(nonce_range_rule)
{
    uint8_t k[32] = {0};
    ASSERT(!cps_crypto__nonce_in_range(k, cps_crypto__k1_order)); /* 0 */
    k[31] = 1;
    ASSERT(!cps_crypto__nonce_in_range(k, cps_crypto__k1_order)); /* 1 */
    k[31] = 2;
    ASSERT(cps_crypto__nonce_in_range(k, cps_crypto__k1_order)); /* 2 */
    uint8_t one[32] = {0}, two[32] = {0};
    one[31] = 1;
    two[31] = 2;
    cps_crypto__be256_sub(k, cps_crypto__k1_order, one);
    ASSERT(!cps_crypto__nonce_in_range(k, cps_crypto__k1_order)); /* n - 1 */
    cps_crypto__be256_sub(k, cps_crypto__k1_order, two);
    ASSERT(cps_crypto__nonce_in_range(k, cps_crypto__k1_order)); /* n - 2 */
    ASSERT(!cps_crypto__nonce_in_range(cps_crypto__k1_order, cps_crypto__k1_order));
    memset(k, 0xff, 32);
    ASSERT(!cps_crypto__nonce_in_range(k, cps_crypto__r1_order));
    /* Subtraction borrows across bytes: 0x0100 - 1 = 0x00ff. */
    uint8_t a[32] = {0};
    a[30] = 1;
    cps_crypto__be256_sub(a, a, one);
    ASSERT_EQ(a[30], 0);
    ASSERT_EQ(a[31], 0xff);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
