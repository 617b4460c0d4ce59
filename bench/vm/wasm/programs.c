/* bench/vm: the benchmark kernels. This one file is compiled twice: to wasm32 by clang
 * (bench/vm/vm.mk, run in the CPS VM) and natively by the bench program, which includes it, so
 * both run the same source. Each kernel returns a checksum the bench compares between the two. */
#include <stdint.h>

#if defined(__wasm__)
#define KERNEL(name) __attribute__((export_name(#name))) name
/* No libc in the wasm build: the compiler may still emit calls to these. */
void *memset(void *d, int c, unsigned long n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}
void *memcpy(void *d, const void *s, unsigned long n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}
#else
#define KERNEL(name) bench_##name
#endif
#define NOINLINE __attribute__((noinline))

/* ---- recursive fib ---- */
static NOINLINE uint32_t fib_rec(uint32_t n)
{
    return n < 2 ? n : fib_rec(n - 1) + fib_rec(n - 2);
}
uint32_t KERNEL(fib)(uint32_t n)
{
    return fib_rec(n);
}

/* ---- SHA-256 over a buffer ---- */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
static void sha256_block(uint32_t st[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    st[0] += a, st[1] += b, st[2] += c, st[3] += d, st[4] += e, st[5] += f, st[6] += g, st[7] += h;
}
static uint8_t sha_buf[1 << 16];
uint32_t KERNEL(sha256)(uint32_t rounds)
{
    for (uint32_t i = 0; i < sizeof sha_buf; i++)
        sha_buf[i] = (uint8_t)(i * 31 + 7);
    uint32_t st[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (uint32_t r = 0; r < rounds; r++)
        for (uint32_t off = 0; off < sizeof sha_buf; off += 64)
            sha256_block(st, sha_buf + off);
    return st[0] ^ st[7];
}

/* ---- sieve of Eratosthenes ---- */
static uint8_t sieve_flags[1 << 22];
uint32_t KERNEL(sieve)(uint32_t n)
{
    if (n > sizeof sieve_flags) n = sizeof sieve_flags;
    for (uint32_t i = 0; i < n; i++)
        sieve_flags[i] = 1;
    uint32_t count = 0;
    for (uint32_t i = 2; i < n; i++) {
        if (!sieve_flags[i]) continue;
        count++;
        for (uint32_t k = i + i; k < n; k += i)
            sieve_flags[k] = 0;
    }
    return count;
}

/* ---- matrix multiply (doubles) ---- */
#define MN 96
static double ma[MN][MN], mb[MN][MN], mc[MN][MN];
uint32_t KERNEL(matmul)(uint32_t reps)
{
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            ma[i][j] = (double)(i * MN + j) * 0.5;
            mb[i][j] = (double)(i - j) * 0.25;
        }
    double sum = 0;
    for (uint32_t r = 0; r < reps; r++) {
        for (int i = 0; i < MN; i++)
            for (int j = 0; j < MN; j++) {
                double s = 0;
                for (int k = 0; k < MN; k++)
                    s += ma[i][k] * mb[k][j];
                mc[i][j] = s;
            }
        sum += mc[r % MN][(r * 7) % MN];
        ma[r % MN][r % MN] += 1.0;
    }
    return (uint32_t)(int64_t)sum;
}

/* ---- a CoreMark-like integer mix: list walk, state machine, matrix, CRC ---- */
typedef struct item {
    int32_t next;
    int32_t value;
} item;
static item list[1024];
static NOINLINE uint16_t crc16_byte(uint16_t crc, uint8_t b)
{
    crc ^= b;
    for (int i = 0; i < 8; i++)
        crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) : (uint16_t)(crc >> 1);
    return crc;
}
static int32_t state_machine(const uint8_t *s, int n)
{
    int state = 0, count = 0;
    for (int i = 0; i < n; i++) {
        uint8_t c = s[i];
        switch (state) {
        case 0:
            state = (c >= '0' && c <= '9') ? 1 : (c == '-' ? 2 : 0);
            break;
        case 1:
            state = (c >= '0' && c <= '9') ? 1 : (c == '.' ? 3 : 0);
            count += state == 0;
            break;
        case 2:
            state = (c >= '0' && c <= '9') ? 1 : 0;
            break;
        default:
            state = (c >= '0' && c <= '9') ? 3 : 0;
            count += 2 * (state == 0);
            break;
        }
    }
    return count;
}
static int32_t imat[16][16], imat2[16][16];
uint32_t KERNEL(coremark)(uint32_t iters)
{
    static uint8_t text[256];
    for (int i = 0; i < 256; i++)
        text[i] = (uint8_t)("0123456789.-ab, "[(i * 7 + i / 5) % 16]);
    for (int i = 0; i < 1024; i++) {
        list[i].next = (i * 389 + 1) % 1024;
        list[i].value = i * 17 - 3000;
    }
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            imat[i][j] = i * 3 - j * 5;
    uint16_t crc = 0;
    uint32_t acc = 0;
    for (uint32_t it = 0; it < iters; it++) {
        /* list: walk, find and modify */
        int32_t p = (int32_t)(it % 1024), found = 0;
        for (int k = 0; k < 256; k++) {
            if (list[p].value > (int32_t)(it & 1023)) found++;
            list[p].value += (int32_t)(k & 3) - 1;
            p = list[p].next;
        }
        /* matrix: multiply-add and bit extraction */
        for (int i = 0; i < 16; i++)
            for (int j = 0; j < 16; j++) {
                int32_t s = 0;
                for (int k = 0; k < 16; k++)
                    s += imat[i][k] * imat[k][j];
                imat2[i][j] = s + (int32_t)it;
            }
        acc += (uint32_t)imat2[it & 15][(it >> 4) & 15];
        /* state machine over text */
        acc += (uint32_t)state_machine(text, 256);
        /* crc over results */
        crc = crc16_byte(crc, (uint8_t)found);
        crc = crc16_byte(crc, (uint8_t)acc);
    }
    return acc ^ crc;
}

/* ---- call-heavy small functions ---- */
static NOINLINE uint32_t mix_add(uint32_t a, uint32_t b)
{
    return a + b;
}
static NOINLINE uint32_t mix_rot(uint32_t a, uint32_t r)
{
    return (a << (r & 31)) | (a >> ((32 - r) & 31));
}
static NOINLINE uint32_t mix_step(uint32_t h, uint32_t i)
{
    return mix_rot(mix_add(h ^ i, 0x9e3779b9u), i);
}
uint32_t KERNEL(calls)(uint32_t n)
{
    uint32_t h = 1;
    for (uint32_t i = 0; i < n; i++)
        h = mix_step(h, i);
    return h;
}
