/* host_crypto: the hash and key-recovery intrinsics (nodeos crypto.cpp) — sha1, sha256, sha512,
 * ripemd160, their assert_* forms, recover_key, assert_recover_key — and two of Leap's
 * crypto_primitives: sha3 (SHA3-256 or Keccak-256) and k1_recover (65-byte uncompressed key).
 *
 * All are callable in context-free actions. Each charges the transaction's CPU budget in
 * proportion to its work (hashes per byte, recovery per call), since that work happens outside
 * the metered interpreter. Buffers are bounds-checked before anything is computed or written:
 * a pointer outside the contract's memory traps. */
#include "chain/host_groups.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>

#define HOST(name) static int host_##name(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
#define UNUSED (void)user

/* CPU cost in VM units (CPS_CHAIN_UNITS_PER_US = 100 units to a microsecond). Measured on an
 * x86-64 server (sha1/sha256 1.2 ns per byte, sha512 1.4, ripemd160 5.2, keccak 5.4; K1 recovery
 * 61 us, R1 110 us) and charged at about twice that, so machines without SHA extensions are
 * still covered: a fixed part per call, then units per 64 bytes hashed. */
#define HASH_CALL_UNITS 10
#define RECOVER_K1_UNITS 12000
#define RECOVER_R1_UNITS 22000

typedef void (*hash_fn)(const void *data, size_t n, uint8_t *out);

typedef struct hash_kind {
    const char *name;
    hash_fn fn;
    uint32_t size;
    uint32_t units_per_64; /* VM units per 64 bytes of input */
} hash_kind;

static const hash_kind SHA1 = {"sha1", cps_sha1, CPS_SHA1_SIZE, 16};
static const hash_kind SHA256 = {"sha256", cps_sha256, CPS_SHA256_SIZE, 16};
static const hash_kind SHA512 = {"sha512", cps_sha512, CPS_SHA512_SIZE, 18};
static const hash_kind RIPEMD160 = {"ripemd160", cps_ripemd160, CPS_RIPEMD160_SIZE, 68};
#define KECCAK_UNITS_PER_64 70

static int charge_hash(cps_vm_ctx *vm, uint64_t bytes, uint32_t units_per_64)
{
    return cps_vm_budget_charge(vm, HASH_CALL_UNITS + (bytes * units_per_64 + 63) / 64);
}

/* hash(data, len, out): the digest of [data, data + len) written to out. */
static int hash_into(cps_vm_ctx *vm, const cps_vm_slot *a, const hash_kind *h)
{
    uint8_t *data, *out, digest[CPS_SHA512_SIZE];
    uint32_t len = a[1].i32;
    int rc = cps_vm_mem(vm, a[0].i32, len, &data);
    if (!rc) rc = cps_vm_mem(vm, a[2].i32, h->size, &out);
    if (!rc) rc = charge_hash(vm, len, h->units_per_64);
    if (rc) return rc;
    h->fn(data, len, digest);
    memcpy(out, digest, h->size);
    return 0;
}

/* assert_hash(data, len, expected): fails with nodeos's "hash mismatch" unless equal. */
static int hash_check(cps_vm_ctx *vm, const cps_vm_slot *a, const hash_kind *h)
{
    uint8_t *data, *expected, digest[CPS_SHA512_SIZE];
    uint32_t len = a[1].i32;
    int rc = cps_vm_mem(vm, a[0].i32, len, &data);
    if (!rc) rc = cps_vm_mem(vm, a[2].i32, h->size, &expected);
    if (!rc) rc = charge_hash(vm, len, h->units_per_64);
    if (rc) return rc;
    h->fn(data, len, digest);
    if (memcmp(digest, expected, h->size) != 0) return cps_fail(CPS_ERR_CHECKSUM, "hash mismatch");
    return 0;
}

HOST(sha1)
{
    UNUSED;
    return hash_into(vm, a, &SHA1);
}
HOST(sha256)
{
    UNUSED;
    return hash_into(vm, a, &SHA256);
}
HOST(sha512)
{
    UNUSED;
    return hash_into(vm, a, &SHA512);
}
HOST(ripemd160)
{
    UNUSED;
    return hash_into(vm, a, &RIPEMD160);
}
HOST(assert_sha1)
{
    UNUSED;
    return hash_check(vm, a, &SHA1);
}
HOST(assert_sha256)
{
    UNUSED;
    return hash_check(vm, a, &SHA256);
}
HOST(assert_sha512)
{
    UNUSED;
    return hash_check(vm, a, &SHA512);
}
HOST(assert_ripemd160)
{
    UNUSED;
    return hash_check(vm, a, &RIPEMD160);
}

/* ---- key recovery -----------------------------------------------------------------------------
 */

/* fc::crypto::public_key(signature, digest, check_canonical = false), which recover_key and
 * assert_recover_key use: unlike transaction signatures, a non-canonical K1 signature is
 * accepted here, so K1 is recovered with libsecp256k1 directly (cps_recover insists on
 * canonical signatures). The header byte must be 27..34, as in fc. */
static int recover_any(const cps_signature *sig, const uint8_t digest[32], cps_public_key *out)
{
    if (sig->type != CPS_KEY_K1) return cps_recover(sig, digest, out);
    uint8_t v = sig->data[0];
    if (v < 27 || v >= 35)
        return cps_fail(CPS_ERR_CRYPTO, "unable to reconstruct public key from signature");
    const secp256k1_context *ctx = secp256k1_context_static;
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_pubkey pk;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig->data + 1,
                                                             (v - 27) & 3) ||
        !secp256k1_ecdsa_recover(ctx, &pk, &rs, digest))
        return cps_fail(CPS_ERR_CRYPTO, "unable to reconstruct public key from signature");
    size_t len = sizeof out->data;
    secp256k1_ec_pubkey_serialize(ctx, out->data, &len, &pk, SECP256K1_EC_COMPRESSED);
    out->type = CPS_KEY_K1;
    return 0;
}

/* Reads the digest and unpacks the signature (fc::raw, trailing bytes ignored as fc does). */
static int read_digest_sig(cps_vm_ctx *vm, uint32_t digest_ptr, uint32_t sig_ptr, uint32_t sig_len,
                           uint8_t digest[32], cps_signature *sig, const char *call)
{
    uint8_t *s;
    int rc = cps_vm_mem_read(vm, digest_ptr, digest, 32);
    if (!rc) rc = cps_vm_mem(vm, sig_ptr, sig_len, &s);
    if (rc) return rc;
    cps_reader r = cps_reader_make(s, sig_len);
    if ((rc = cps_signature_unpack(&r, sig))) return cps_fail_prefix(rc, "%s: signature", call);
    return cps_vm_budget_charge(vm, sig->type == CPS_KEY_K1 ? RECOVER_K1_UNITS : RECOVER_R1_UNITS);
}

/* recover_key(digest, sig, siglen, pub, publen) -> bytes written to pub: the packed public key
 * (type byte + 33-byte point = 34 bytes). A buffer too small for it fails, as fc's datastream
 * does when packing past its end. */
HOST(recover_key)
{
    UNUSED;
    uint8_t digest[32], *pub;
    cps_signature sig;
    cps_public_key key;
    uint32_t pub_len = a[4].i32;
    int rc = cps_vm_mem(vm, a[3].i32, pub_len, &pub);
    if (!rc) rc = read_digest_sig(vm, a[0].i32, a[1].i32, a[2].i32, digest, &sig, "recover_key");
    if (!rc) rc = recover_any(&sig, digest, &key);
    if (rc) return rc;
    cps_buf packed = {0};
    if ((rc = cps_public_key_pack(&packed, &key))) {
        cps_buf_free(&packed);
        return cps_fail(rc, "recover_key: packing the recovered key");
    }
    if (pub_len < packed.size) {
        /* fc writes the type byte, then fails on the key bytes that do not fit */
        size_t over = pub_len == 0 ? 1 : packed.size - pub_len;
        cps_buf_free(&packed);
        return cps_fail(CPS_ERR_OVERFLOW,
                        "Attempt to write %zu bytes beyond end of buffer of size %u", over,
                        pub_len);
    }
    memcpy(pub, packed.data, packed.size);
    a[0].i64 = (uint32_t)packed.size;
    cps_buf_free(&packed);
    return 0;
}

/* assert_recover_key(digest, sig, siglen, pub, publen): the signature must recover to pub. */
HOST(assert_recover_key)
{
    UNUSED;
    uint8_t digest[32], *p;
    cps_signature sig;
    cps_public_key want, got;
    uint32_t pub_len = a[4].i32;
    int rc = cps_vm_mem(vm, a[3].i32, pub_len, &p);
    if (!rc)
        rc = read_digest_sig(vm, a[0].i32, a[1].i32, a[2].i32, digest, &sig, "assert_recover_key");
    if (rc) return rc;
    cps_reader r = cps_reader_make(p, pub_len);
    if ((rc = cps_public_key_unpack(&r, &want)))
        return cps_fail_prefix(rc, "assert_recover_key: public key");
    if ((rc = recover_any(&sig, digest, &got))) return rc;
    if (cps_public_key_compare(&want, &got) != 0)
        return cps_fail(CPS_ERR_CRYPTO, "Error expected key different than recovered key");
    return 0;
}

/* ---- Leap crypto_primitives ------------------------------------------------------------------ */

/* EOSIO's core_precondition for span arguments: two buffers may not overlap. */
static int no_alias(cps_vm_ctx *vm, uint32_t p1, uint32_t n1, uint32_t p2, uint32_t n2)
{
    uint64_t a0 = p1, a1 = (uint64_t)p1 + n1, b0 = p2, b1 = (uint64_t)p2 + n2;
    if (a0 > b0) {
        uint64_t t = a0;
        a0 = b0;
        b0 = t;
        t = a1;
        a1 = b1;
        b1 = t;
    }
    if (a1 <= b0 || (a1 < b1 ? a1 : b1) == b0) return 0;
    return cps_vm_trap(vm, "pointers not allowed to alias");
}

/* sha3(data, len, out, outlen, keccak): SHA3-256, or Keccak-256 when keccak == 1; writes
 * min(outlen, 32) bytes. */
HOST(sha3)
{
    UNUSED;
    uint8_t *data, *out, digest[32];
    uint32_t len = a[1].i32, out_len = a[3].i32;
    int rc = cps_vm_mem(vm, a[0].i32, len, &data);
    if (!rc) rc = cps_vm_mem(vm, a[2].i32, out_len, &out);
    if (!rc) rc = no_alias(vm, a[0].i32, len, a[2].i32, out_len);
    if (!rc) rc = charge_hash(vm, len, KECCAK_UNITS_PER_64);
    if (rc) return rc;
    if (a[4].i32 == 1)
        cps_keccak256(data, len, digest);
    else
        cps_sha3_256(data, len, digest);
    memcpy(out, digest, out_len < 32 ? out_len : 32);
    return 0;
}

/* k1_recover(sig, siglen, digest, digestlen, pub, publen) -> 0 with the 65-byte uncompressed key
 * in pub, or -1 (wrong sizes, bad header byte, unparsable or unrecoverable signature, buffer
 * too small). Canonicality is not required (fc::k1_recover). */
HOST(k1_recover)
{
    UNUSED;
    uint8_t *sig, *digest, *pub;
    uint32_t sig_len = a[1].i32, dig_len = a[3].i32, pub_len = a[5].i32;
    int rc = cps_vm_mem(vm, a[0].i32, sig_len, &sig);
    if (!rc) rc = cps_vm_mem(vm, a[2].i32, dig_len, &digest);
    if (!rc) rc = cps_vm_mem(vm, a[4].i32, pub_len, &pub);
    if (!rc) rc = no_alias(vm, a[0].i32, sig_len, a[2].i32, dig_len);
    if (!rc) rc = no_alias(vm, a[0].i32, sig_len, a[4].i32, pub_len);
    if (!rc) rc = no_alias(vm, a[2].i32, dig_len, a[4].i32, pub_len);
    if (!rc) rc = cps_vm_budget_charge(vm, RECOVER_K1_UNITS);
    if (rc) return rc;
    a[0].i64 = (uint32_t)-1;
    if (sig_len != 65 || dig_len != 32) return 0;
    if (sig[0] < 27 || sig[0] >= 35) return 0;
    const secp256k1_context *ctx = secp256k1_context_static;
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_pubkey pk;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig + 1, (sig[0] - 27) & 3))
        return 0;
    uint8_t d[32], key[65];
    memcpy(d, digest, 32);
    if (!secp256k1_ecdsa_recover(ctx, &pk, &rs, d)) return 0;
    size_t n = sizeof key;
    secp256k1_ec_pubkey_serialize(ctx, key, &n, &pk, SECP256K1_EC_UNCOMPRESSED);
    if (pub_len < n) return 0;
    memcpy(pub, key, n);
    a[0].i64 = 0;
    return 0;
}

#define F(name, sig)                                                                               \
    {                                                                                              \
        "env", #name, sig, host_##name, NULL                                                       \
    }
static const cps_vm_host_func crypto_funcs[] = {
    F(sha1, "(iii)"),           F(sha256, "(iii)"),
    F(sha512, "(iii)"),         F(ripemd160, "(iii)"),
    F(assert_sha1, "(iii)"),    F(assert_sha256, "(iii)"),
    F(assert_sha512, "(iii)"),  F(assert_ripemd160, "(iii)"),
    F(recover_key, "(iiiii)i"), F(assert_recover_key, "(iiiii)"),
    F(sha3, "(iiiii)"),         F(k1_recover, "(iiiiii)i"),
};
const cps_chain_intrinsic_group cps_chain__host_crypto = {"crypto", crypto_funcs,
                                                          CPS_ARRAY_LEN(crypto_funcs)};
