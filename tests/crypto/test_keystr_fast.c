/* Tests of the fixed-size base58 decoding in keystr.c: signatures, public and private keys read
 * from text must give what the general decoder (cps_base58_decode) and the format's RIPEMD-160
 * check give — the same bytes when valid, the same refusal (and message) when not — including
 * bodies with leading zero bytes ('1' digits), texts one digit too long or short, and bad
 * checksums. */
#include "crypto/crypto.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

/* The reference: prefix, general base58 decode, exact length, ripemd160(body | suffix). */
static int reference_read(const char *s, size_t len, size_t skip, const char *suffix, size_t n,
                          uint8_t *out)
{
    uint8_t buf[256], digest[20], tmp[256];
    size_t got = 0;
    if (len - skip > 2 * (n + 4)) return -1;
    if (cps_base58_decode(buf, sizeof buf, &got, s + skip, len - skip) || got != n + 4) return -1;
    memcpy(tmp, buf, n);
    memcpy(tmp + n, suffix, strlen(suffix));
    cps_ripemd160(tmp, n + strlen(suffix), digest);
    if (memcmp(digest, buf + n, 4) != 0) return -2;
    memcpy(out, buf, n);
    return 0;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint8_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint8_t)(rng_state >> 24);
}

TEST(signatures_decode_as_the_general_decoder_does)
{
    for (int iter = 0; iter < 2000; iter++) {
        cps_signature sig = {.type = CPS_KEY_K1};
        for (int i = 0; i < 65; i++) sig.data[i] = rnd();
        /* leading zero bytes are written as leading '1's */
        int zeros = iter % 7;
        memset(sig.data, 0, (size_t)zeros);
        char text[CPS_SIGNATURE_STR_MAX];
        ASSERT_OK(cps_signature_to_string(&sig, text, sizeof text));
        cps_signature back;
        ASSERT_OK(cps_signature_from_string(text, strlen(text), &back));
        ASSERT_EQ(back.type, CPS_KEY_K1);
        ASSERT_MEM_EQ(back.data, sig.data, 65);
        uint8_t ref[65];
        ASSERT_EQ(reference_read(text, strlen(text), 7, "K1", 65, ref), 0);
        ASSERT_MEM_EQ(ref, sig.data, 65);

        /* one changed digit: both refuse, with a checksum mismatch or a wrong length */
        char bad[CPS_SIGNATURE_STR_MAX];
        strcpy(bad, text);
        size_t at = 7 + (size_t)rnd() % (strlen(text) - 7);
        bad[at] = bad[at] == '2' ? '3' : '2';
        int want = reference_read(bad, strlen(bad), 7, "K1", 65, ref);
        int rc = cps_signature_from_string(bad, strlen(bad), &back);
        if (want == 0) {
            ASSERT_OK(rc);
            ASSERT_MEM_EQ(back.data, ref, 65);
        } else if (want == -2) {
            ASSERT_EQ(rc, CPS_ERR_CHECKSUM);
            ASSERT_CONTAINS(cps_last_error(), "checksum mismatch");
        } else {
            ASSERT_EQ(rc, CPS_ERR_FORMAT);
            ASSERT_CONTAINS(cps_last_error(), "wrong length");
        }
    }
}

TEST(texts_of_the_wrong_length_are_refused_with_the_general_message)
{
    cps_signature sig = {.type = CPS_KEY_K1};
    for (int i = 0; i < 65; i++) sig.data[i] = (uint8_t)(0x80 + i);
    char text[CPS_SIGNATURE_STR_MAX + 8];
    ASSERT_OK(cps_signature_to_string(&sig, text, sizeof text));
    cps_signature back;
    size_t len = strlen(text);
    /* one digit more: decodes to 70 bytes */
    char longer[CPS_SIGNATURE_STR_MAX + 16];
    snprintf(longer, sizeof longer, "%sz", text);
    ASSERT_EQ(cps_signature_from_string(longer, len + 1, &back), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "decodes to 70 bytes, expected 69");
    /* digits less: 69 bytes with a wrong checksum while the number stays large, then 68 */
    uint8_t ref[65];
    for (size_t cut = 1; cut <= 3; cut++) {
        int want = reference_read(text, len - cut, 7, "K1", 65, ref);
        int rc = cps_signature_from_string(text, len - cut, &back);
        ASSERT(want != 0);
        ASSERT_EQ(rc, want == -2 ? CPS_ERR_CHECKSUM : CPS_ERR_FORMAT);
        if (want != -2) ASSERT_CONTAINS(cps_last_error(), "wrong length: decodes to 6");
    }
    /* an extra leading '1': a zero byte in front */
    char ones[CPS_SIGNATURE_STR_MAX + 16];
    snprintf(ones, sizeof ones, "SIG_K1_1%s", text + 7);
    ASSERT_EQ(cps_signature_from_string(ones, strlen(ones), &back), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "decodes to 70 bytes, expected 69");
    /* all '1's: zero bytes only */
    char all_ones[80] = "SIG_K1_";
    memset(all_ones + 7, '1', 69);
    all_ones[76] = 0;
    ASSERT_EQ(cps_signature_from_string(all_ones, 76, &back), CPS_ERR_CHECKSUM);
    memset(all_ones + 7, '1', 70);
    ASSERT_EQ(cps_signature_from_string(all_ones, 77, &back), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "decodes to 70 bytes");
    /* the longest text the length check lets through: far beyond 69 bytes */
    char huge[7 + 138 + 1] = "SIG_K1_";
    memset(huge + 7, 'z', 138);
    huge[145] = 0;
    ASSERT_EQ(cps_signature_from_string(huge, 145, &back), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "wrong length");
    /* characters outside the alphabet, NUL included, at their offset */
    char zero[CPS_SIGNATURE_STR_MAX + 8];
    strcpy(zero, text);
    zero[20] = '0';
    ASSERT_EQ(cps_signature_from_string(zero, len, &back), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "invalid base58 character '0' at offset 20");
    zero[20] = 0;
    ASSERT_EQ(cps_signature_from_string(zero, len, &back), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "invalid base58 character '?' at offset 20");
}

TEST(keys_with_leading_zero_bytes_round_trip)
{
    for (int zeros = 0; zeros < 6; zeros++) {
        cps_private_key k = {.type = CPS_KEY_K1};
        for (int i = 0; i < 32; i++) k.secret[i] = (uint8_t)(i * 13 + 1);
        memset(k.secret, 0, (size_t)zeros);
        char text[CPS_PRIVATE_KEY_STR_MAX];
        ASSERT_OK(cps_private_key_to_string(&k, true, text, sizeof text));
        cps_private_key back;
        ASSERT_OK(cps_private_key_from_string(text, strlen(text), &back));
        ASSERT_MEM_EQ(back.secret, k.secret, 32);
        uint8_t ref[32];
        ASSERT_EQ(reference_read(text, strlen(text), 7, "K1", 32, ref), 0);
        ASSERT_MEM_EQ(ref, k.secret, 32);
        /* WIF (no ripemd) goes through the same decoder */
        ASSERT_OK(cps_private_key_to_string(&k, false, text, sizeof text));
        ASSERT_OK(cps_private_key_from_string(text, strlen(text), &back));
        ASSERT_MEM_EQ(back.secret, k.secret, 32);
        cps_public_key pub;
        ASSERT_OK(cps_key_public(&k, &pub));
        char ptext[CPS_PUBLIC_KEY_STR_MAX];
        ASSERT_OK(cps_public_key_to_string(&pub, false, ptext, sizeof ptext));
        cps_public_key pback;
        ASSERT_OK(cps_public_key_from_string(ptext, strlen(ptext), &pback));
        ASSERT_MEM_EQ(pback.data, pub.data, 33);
    }
}

int main(int c, char **v)
{
    return test_main(c, v);
}
