/* keccak: the Keccak-f[1600] permutation and sponge from FIPS 202, giving Keccak-256 (the original
 * submission's padding 0x01, as Ethereum and EOSIO's keccak256 intrinsic use) and SHA3-256
 * (FIPS 202 padding 0x06). Written here because OpenSSL 3.0 offers SHA3 but not plain Keccak. */
#include "crypto/crypto_internal.h"

#include <string.h>

#define KECCAK_ROUNDS 24
#define KECCAK256_RATE 136 /* (1600 - 2 * 256) / 8 bytes */

/* The step constants of FIPS 202: iota's round constants (§3.2.5, from the rc(t) LFSR) and, for
 * the combined rho-pi step, the rotation of each lane along the pi walk (§3.2.2: offset
 * (t+1)(t+2)/2 at the t-th position of the walk (x, y) <- (y, 2x + 3y) from (1, 0)) and the index
 * x + 5y of the next position. tests/crypto/test_hashes.c re-derives all three tables from those
 * definitions; they are written out here so the compiler sees constant rotations. */
const uint64_t cps_crypto__keccak_rc[KECCAK_ROUNDS] = {
    0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
    0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
    0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008};
const uint8_t cps_crypto__keccak_rotc[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                             27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
const uint8_t cps_crypto__keccak_piln[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                             15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

static inline uint64_t rotl64(uint64_t v, unsigned n)
{
    return (v << (n & 63)) | (v >> ((64 - n) & 63));
}

/* Keccak-p[1600, 24]; lane (x, y) is a[x + 5y]. */
static void keccak_f1600(uint64_t a[25])
{
    for (unsigned round = 0; round < KECCAK_ROUNDS; round++) {
        uint64_t c0, c1, c2, c3, c4, d, t, row[5];
        /* theta: each lane absorbs the parities of two neighbouring columns. */
        c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
        c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
        c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
        c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
        c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
#define THETA_COLUMN(x, left, right)                                                               \
    do {                                                                                           \
        d = left ^ rotl64(right, 1);                                                               \
        a[x] ^= d;                                                                                 \
        a[x + 5] ^= d;                                                                             \
        a[x + 10] ^= d;                                                                            \
        a[x + 15] ^= d;                                                                            \
        a[x + 20] ^= d;                                                                            \
    } while (0)
        THETA_COLUMN(0, c4, c1);
        THETA_COLUMN(1, c0, c2);
        THETA_COLUMN(2, c1, c3);
        THETA_COLUMN(3, c2, c4);
        THETA_COLUMN(4, c3, c0);
#undef THETA_COLUMN
        /* rho and pi together: walk the pi cycle through the 24 lanes other than (0, 0),
         * moving each rotated lane to its pi position. Written out step by step so that the
         * table lookups fold into constant lane indices and rotation counts (about 1.5 times
         * faster overall than the loop). */
        t = a[1];
#define RHO_PI_STEP(i)                                                                             \
    do {                                                                                           \
        uint64_t next = a[cps_crypto__keccak_piln[i]];                                             \
        a[cps_crypto__keccak_piln[i]] = rotl64(t, cps_crypto__keccak_rotc[i]);                     \
        t = next;                                                                                  \
    } while (0)
        RHO_PI_STEP(0);
        RHO_PI_STEP(1);
        RHO_PI_STEP(2);
        RHO_PI_STEP(3);
        RHO_PI_STEP(4);
        RHO_PI_STEP(5);
        RHO_PI_STEP(6);
        RHO_PI_STEP(7);
        RHO_PI_STEP(8);
        RHO_PI_STEP(9);
        RHO_PI_STEP(10);
        RHO_PI_STEP(11);
        RHO_PI_STEP(12);
        RHO_PI_STEP(13);
        RHO_PI_STEP(14);
        RHO_PI_STEP(15);
        RHO_PI_STEP(16);
        RHO_PI_STEP(17);
        RHO_PI_STEP(18);
        RHO_PI_STEP(19);
        RHO_PI_STEP(20);
        RHO_PI_STEP(21);
        RHO_PI_STEP(22);
        RHO_PI_STEP(23);
#undef RHO_PI_STEP
        /* chi: a non-linear mix along each row. */
        for (unsigned y = 0; y < 25; y += 5) {
            row[0] = a[y];
            row[1] = a[y + 1];
            row[2] = a[y + 2];
            row[3] = a[y + 3];
            row[4] = a[y + 4];
            a[y] = row[0] ^ (~row[1] & row[2]);
            a[y + 1] = row[1] ^ (~row[2] & row[3]);
            a[y + 2] = row[2] ^ (~row[3] & row[4]);
            a[y + 3] = row[3] ^ (~row[4] & row[0]);
            a[y + 4] = row[4] ^ (~row[0] & row[1]);
        }
        /* iota */
        a[0] ^= cps_crypto__keccak_rc[round];
    }
}

static void absorb_block(uint64_t state[25], const uint8_t *block)
{
    for (unsigned i = 0; i < KECCAK256_RATE / 8; i++)
        state[i] ^= cps_load_u64(block + 8 * i);
    keccak_f1600(state);
}

/* The sponge with capacity 512 and a 256-bit output; `pad` is the first padding byte (domain
 * bits followed by the first 1 of pad10*1), the last byte of the block gets the final 1. */
static void keccak256_sponge(const void *data, size_t n, uint8_t pad, uint8_t out[32])
{
    uint64_t state[25] = {0};
    const uint8_t *p = (const uint8_t *)data;
    while (n >= KECCAK256_RATE) {
        absorb_block(state, p);
        p += KECCAK256_RATE;
        n -= KECCAK256_RATE;
    }
    uint8_t last[KECCAK256_RATE] = {0};
    if (n) memcpy(last, p, n);
    last[n] ^= pad;
    last[KECCAK256_RATE - 1] ^= 0x80;
    absorb_block(state, last);
    for (unsigned i = 0; i < 4; i++)
        cps_store_u64(out + 8 * i, state[i]);
}

void cps_keccak256(const void *data, size_t n, uint8_t out[32])
{
    keccak256_sponge(data, n, 0x01, out);
}

void cps_sha3_256(const void *data, size_t n, uint8_t out[32])
{
    keccak256_sponge(data, n, 0x06, out);
}
