/* crypto_interop: the CPS side of tests/crypto/interop.test.sh. `gen N` prints N K1 and N R1 cases
 * made by CPS (key, public key, digest, signature) for the npm libraries to check; `check` reads
 * cases made by eosjs / wharfkit on stdin and checks that CPS parses, recovers, verifies and
 * re-signs them to the very same strings. One case per line:
 *
 *   <K1|R1> <private key text> <public key text> <digest hex> <signature text>
 */
#include "crypto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static int random_bytes(uint8_t *p, size_t n)
{
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got <= 0) return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

static int gen(int count)
{
    for (int t = 0; t < 2; t++) {
        enum cps_key_type type = t ? CPS_KEY_R1 : CPS_KEY_K1;
        for (int i = 0; i < count; i++) {
            cps_private_key priv;
            cps_public_key pub;
            cps_signature sig;
            uint8_t digest[32];
            char ps[CPS_PRIVATE_KEY_STR_MAX], pubs[CPS_PUBLIC_KEY_STR_MAX],
                sigs[CPS_SIGNATURE_STR_MAX], dh[65];
            /* Vary the text forms: WIF and PVT_K1_, EOS and PUB_K1_. */
            if (random_bytes(digest, 32) || cps_key_generate(type, &priv) ||
                cps_key_public(&priv, &pub) || cps_sign(&priv, digest, &sig) ||
                cps_private_key_to_string(&priv, i % 2, ps, sizeof ps) ||
                cps_public_key_to_string(&pub, i % 3 != 0, pubs, sizeof pubs) ||
                cps_signature_to_string(&sig, sigs, sizeof sigs)) {
                fprintf(stderr, "gen: %s\n", cps_last_error());
                return 1;
            }
            cps_hex_encode(dh, digest, 32);
            printf("%s %s %s %s %s\n", t ? "R1" : "K1", ps, pubs, dh, sigs);
            cps_private_key_wipe(&priv);
            cps_wipe(ps, sizeof ps);
        }
    }
    return 0;
}

/* Checks one npm-made case; returns NULL on success or what failed. */
static const char *check_case(char *type, char *privs, char *pubs, char *dh, char *sigs)
{
    static char why[512];
    cps_private_key priv;
    cps_public_key pub, derived, rec;
    cps_signature sig, mine;
    uint8_t digest[32];
    size_t dn = 0;
    char text[CPS_SIGNATURE_STR_MAX];
    enum cps_key_type want = strcmp(type, "R1") == 0 ? CPS_KEY_R1 : CPS_KEY_K1;
    const char *fail = NULL;

#define CHECK(cond, msg)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            snprintf(why, sizeof why, "%s: %s", msg, cps_last_error());                            \
            fail = why;                                                                            \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

    CHECK(cps_hex_decode(digest, 32, &dn, dh, strlen(dh)) == 0 && dn == 32, "digest");
    CHECK(cps_private_key_from_string(privs, strlen(privs), &priv) == 0, "parse private key");
    CHECK(priv.type == want, "private key type");
    CHECK(cps_public_key_from_string(pubs, strlen(pubs), &pub) == 0, "parse public key");
    CHECK(pub.type == want, "public key type");
    CHECK(cps_key_public(&priv, &derived) == 0, "derive public key");
    CHECK(cps_public_key_compare(&derived, &pub) == 0, "derived public key differs");
    CHECK(cps_signature_from_string(sigs, strlen(sigs), &sig) == 0, "parse signature");
    CHECK(cps_recover(&sig, digest, &rec) == 0, "recover");
    CHECK(cps_public_key_compare(&rec, &pub) == 0, "recovered key differs");
    CHECK(cps_verify(&pub, digest, &sig) == 0, "verify");
    /* The text forms we print equal theirs (legacy forms where they used them). */
    CHECK(cps_public_key_to_string(&pub, strncmp(pubs, "EOS", 3) != 0, text, sizeof text) == 0 &&
              strcmp(text, pubs) == 0,
          "public key text differs");
    CHECK(cps_private_key_to_string(&priv, strncmp(privs, "PVT_", 4) == 0, text, sizeof text) ==
                  0 &&
              strcmp(text, privs) == 0,
          "private key text differs");
    cps_wipe(text, sizeof text);
    /* Byte-identical signing: our deterministic signature equals theirs. */
    CHECK(cps_sign(&priv, digest, &mine) == 0, "sign");
    CHECK(cps_signature_to_string(&mine, text, sizeof text) == 0, "signature text");
    CHECK(strcmp(text, sigs) == 0, "our signature differs from theirs");
done:
    cps_private_key_wipe(&priv);
    return fail;
#undef CHECK
}

static int check(void)
{
    char line[1024];
    int passed = 0, failed = 0, lineno = 0;
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        char *save = NULL, *f[5];
        int n = 0;
        for (char *tok = strtok_r(line, " \n", &save); tok && n < 5;
             tok = strtok_r(NULL, " \n", &save))
            f[n++] = tok;
        if (n == 0) continue;
        const char *why = n == 5 ? check_case(f[0], f[1], f[2], f[3], f[4]) : "expected 5 fields";
        if (why) {
            failed++;
            fprintf(stderr, "line %d (%s %s): %s\n", lineno, f[0], n > 4 ? f[4] : "", why);
        } else {
            passed++;
        }
        cps_wipe(line, sizeof line);
    }
    printf("check: %d passed, %d failed\n", passed, failed);
    return failed || passed == 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "gen") == 0) return gen(atoi(argv[2]));
    if (argc == 2 && strcmp(argv[1], "check") == 0) return check();
    fprintf(stderr, "usage: %s gen <count> | check < cases\n", argv[0]);
    return 2;
}
