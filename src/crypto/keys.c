/* keys: the curve-independent key and signature API (generation, signing, recovery, verification,
 * ordering) dispatching to k1.c and r1.c, and the fc::raw binary forms of keys and signatures. */
#include "crypto/crypto_internal.h"

#include <string.h>

static const char *type_name(unsigned type)
{
    switch (type) {
    case CPS_KEY_K1:
        return "K1";
    case CPS_KEY_R1:
        return "R1";
    case CPS_KEY_WA:
        return "WA";
    default:
        return "unknown";
    }
}

/* K1 and R1 are implemented; WebAuthn keys exist in the protocol but not here. */
static int check_type(unsigned type, const char *what)
{
    if (type == CPS_KEY_K1 || type == CPS_KEY_R1) return 0;
    if (type == CPS_KEY_WA)
        return cps_fail(CPS_ERR_UNSUPPORTED, "%s: WebAuthn (WA) keys are not supported", what);
    return cps_fail(CPS_ERR_INVALID_ARG, "%s: unknown key type %u", what, type);
}

int cps_key_generate(enum cps_key_type type, cps_private_key *out)
{
    if (!out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_key_generate: out is NULL");
    int rc = check_type((unsigned)type, "cps_key_generate");
    if (rc) return rc;
    out->type = (uint8_t)type;
    rc = type == CPS_KEY_K1 ? cps_crypto__k1_generate(out->secret)
                            : cps_crypto__r1_generate(out->secret);
    if (rc) cps_private_key_wipe(out);
    return rc;
}

int cps_key_public(const cps_private_key *key, cps_public_key *out)
{
    if (!key || !out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_key_public: NULL argument");
    int rc = check_type(key->type, "cps_key_public");
    if (rc) return rc;
    out->type = key->type;
    return key->type == CPS_KEY_K1 ? cps_crypto__k1_public(key->secret, out->data)
                                   : cps_crypto__r1_public(key->secret, out->data);
}

void cps_private_key_wipe(cps_private_key *key)
{
    if (key) cps_wipe(key, sizeof *key);
}

int cps_sign(const cps_private_key *key, const uint8_t digest[32], cps_signature *out)
{
    if (!key || !digest || !out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_sign: NULL argument");
    int rc = check_type(key->type, "cps_sign");
    if (rc) return rc;
    out->type = key->type;
    rc = key->type == CPS_KEY_K1 ? cps_crypto__k1_sign(key->secret, digest, out->data)
                                 : cps_crypto__r1_sign(key->secret, digest, out->data);
    if (rc) memset(out->data, 0, sizeof out->data);
    return rc;
}

bool cps_signature_is_canonical(const cps_signature *sig)
{
    const uint8_t *c = sig->data;
    return !(c[1] & 0x80) && !(c[1] == 0 && !(c[2] & 0x80)) && !(c[33] & 0x80) &&
           !(c[33] == 0 && !(c[34] & 0x80));
}

int cps_recover(const cps_signature *sig, const uint8_t digest[32], cps_public_key *out)
{
    if (!sig || !digest || !out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_recover: NULL argument");
    int rc = check_type(sig->type, "cps_recover");
    if (rc) return rc;
    out->type = sig->type;
    return sig->type == CPS_KEY_K1 ? cps_crypto__k1_recover(sig->data, digest, out->data)
                                   : cps_crypto__r1_recover(sig->data, digest, out->data);
}

/* Verification is recovery followed by comparison, exactly what nodeos does for transaction
 * signatures and the assert_recover_key intrinsic: a signature counts as "by key" only if it
 * recovers to that key, so a wrong recovery id or a non-canonical K1 signature fails here too. */
int cps_verify(const cps_public_key *key, const uint8_t digest[32], const cps_signature *sig)
{
    if (!key || !digest || !sig) return cps_fail(CPS_ERR_INVALID_ARG, "cps_verify: NULL argument");
    if (key->type != sig->type)
        return cps_fail(CPS_ERR_CRYPTO, "key type %s does not match signature type %s",
                        type_name(key->type), type_name(sig->type));
    cps_public_key recovered;
    int rc = cps_recover(sig, digest, &recovered);
    if (rc) return cps_fail_prefix(CPS_ERR_CRYPTO, "signature does not verify");
    if (memcmp(recovered.data, key->data, sizeof key->data) != 0)
        return cps_fail(CPS_ERR_CRYPTO, "signature does not verify: it was made by another key");
    return 0;
}

bool cps_public_key_is_valid(const cps_public_key *key)
{
    if (!key) return false;
    if (key->type == CPS_KEY_K1) return cps_crypto__k1_point_valid(key->data);
    if (key->type == CPS_KEY_R1) return cps_crypto__r1_point_valid(key->data);
    return false;
}

int cps_public_key_compare(const cps_public_key *a, const cps_public_key *b)
{
    if (a->type != b->type) return a->type < b->type ? -1 : 1;
    return memcmp(a->data, b->data, sizeof a->data);
}

/* ---- binary forms ---------------------------------------------------------------------------
 *
 *   public_key:  varuint32 type (0 K1, 1 R1, 2 WA) | 33-byte compressed point
 *   signature:   varuint32 type                    | 65 bytes [27 + 4 + recid][r 32][s 32]
 *
 * WebAuthn alternatives carry variable-length extra data; they are refused, not skipped.
 */

static int pack_typed(cps_buf *b, unsigned type, const uint8_t *data, size_t n, const char *what)
{
    if (b->failed) return b->failed;
    int rc = check_type(type, what);
    if (rc) return b->failed = rc;
    cps_write_varuint32(b, type);
    cps_write_bytes(b, data, n);
    return b->failed;
}

int cps_public_key_pack(cps_buf *b, const cps_public_key *key)
{
    return pack_typed(b, key->type, key->data, sizeof key->data, "public key");
}

int cps_signature_pack(cps_buf *b, const cps_signature *sig)
{
    return pack_typed(b, sig->type, sig->data, sizeof sig->data, "signature");
}

/* Reads the variant index and the fixed-size body; on failure the reader is left where it was. */
static int unpack_typed(cps_reader *r, uint8_t *type, uint8_t *data, size_t n, const char *what)
{
    size_t start = r->pos;
    uint32_t index;
    int rc = cps_read_varuint32(r, &index);
    if (rc) {
        rc = cps_fail_prefix(rc, "%s type at offset %zu", what, start);
        goto fail;
    }
    if (index == CPS_KEY_WA) {
        rc = cps_fail(CPS_ERR_UNSUPPORTED,
                      "%s at offset %zu is WebAuthn (variant 2), which is not supported", what,
                      start);
        goto fail;
    }
    if (index != CPS_KEY_K1 && index != CPS_KEY_R1) {
        rc = cps_fail(CPS_ERR_FORMAT, "unknown %s type %u at offset %zu", what, index, start);
        goto fail;
    }
    rc = cps_read_bytes(r, data, n);
    if (rc) {
        rc = cps_fail(CPS_ERR_TRUNCATED, "%s at offset %zu is truncated: %zu of %zu bytes", what,
                      start, cps_reader_left(r), n);
        goto fail;
    }
    *type = (uint8_t)index;
    return 0;
fail:
    r->pos = start;
    return rc;
}

int cps_public_key_unpack(cps_reader *r, cps_public_key *out)
{
    return unpack_typed(r, &out->type, out->data, sizeof out->data, "public key");
}

int cps_signature_unpack(cps_reader *r, cps_signature *out)
{
    return unpack_typed(r, &out->type, out->data, sizeof out->data, "signature");
}
