/* hex and base58: the text encodings of ids, checksums, keys and signatures. */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

void cps_hex_encode(char *out, const void *data, size_t n)
{
    const uint8_t *p = (const uint8_t *)data;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex_digits[p[i] >> 4];
        out[2 * i + 1] = hex_digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

int cps_hex_append(cps_buf *b, const void *data, size_t n)
{
    if (n > (SIZE_MAX - 1) / 2) return b->failed = CPS_ERR_NOMEM;
    int rc = cps_buf_reserve(b, 2 * n);
    if (rc) return rc;
    cps_hex_encode((char *)b->data + b->size, data, n);
    b->size += 2 * n;
    return 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int cps_hex_decode(uint8_t *out, size_t out_cap, size_t *out_n, const char *hex, size_t len)
{
    if (len % 2) return cps_fail(CPS_ERR_FORMAT, "hex string has an odd length (%zu)", len);
    if (len / 2 > out_cap)
        return cps_fail(CPS_ERR_LIMIT, "hex string of %zu bytes exceeds %zu", len / 2, out_cap);
    for (size_t i = 0; i < len; i += 2) {
        int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            size_t at = hi < 0 ? i : i + 1;
            return cps_fail(CPS_ERR_FORMAT, "invalid hex digit '%c' at offset %zu",
                            (hex[at] >= 32 && hex[at] < 127) ? hex[at] : '?', at);
        }
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *out_n = len / 2;
    return 0;
}

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Base58 is a big-number change of base; inputs here are short (keys, signatures: <= ~100 bytes),
 * so the quadratic schoolbook conversion is fine. Inputs are capped to keep it so. */
#define B58_MAX_INPUT 1024

int cps_base58_encode(cps_buf *b, const void *data, size_t n)
{
    const uint8_t *p = (const uint8_t *)data;
    if (n > B58_MAX_INPUT) return b->failed = cps_fail(CPS_ERR_LIMIT, "base58 input too long");
    size_t zeros = 0;
    while (zeros < n && p[zeros] == 0) zeros++;
    size_t cap = (n - zeros) * 138 / 100 + 1; /* log(256)/log(58) */
    uint8_t digits[B58_MAX_INPUT * 138 / 100 + 2];
    memset(digits, 0, cap);
    size_t len = 0;
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = p[i];
        size_t j = 0;
        for (; j < len || carry; j++) {
            carry += 256u * digits[j];
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        len = j;
    }
    int rc = cps_buf_reserve(b, zeros + len);
    if (rc) {
        cps_wipe(digits, len);
        return rc;
    }
    for (size_t i = 0; i < zeros; i++) b->data[b->size++] = '1';
    for (size_t i = 0; i < len; i++) b->data[b->size++] = (uint8_t)b58_alphabet[digits[len - 1 - i]];
    cps_wipe(digits, len); /* private keys pass through here */
    return 0;
}

static int b58_value(char c)
{
    const char *p = strchr(b58_alphabet, c);
    return (c && p) ? (int)(p - b58_alphabet) : -1;
}

int cps_base58_decode(uint8_t *out, size_t out_cap, size_t *out_n, const char *text, size_t len)
{
    if (len > B58_MAX_INPUT * 2) return cps_fail(CPS_ERR_LIMIT, "base58 text too long");
    size_t zeros = 0;
    while (zeros < len && text[zeros] == '1') zeros++;
    uint8_t bytes[B58_MAX_INPUT * 2];
    size_t blen = 0;
    for (size_t i = zeros; i < len; i++) {
        int v = b58_value(text[i]);
        if (v < 0) {
            cps_wipe(bytes, blen);
            return cps_fail(CPS_ERR_FORMAT, "invalid base58 character '%c' at offset %zu",
                            (text[i] >= 32 && text[i] < 127) ? text[i] : '?', i);
        }
        unsigned carry = (unsigned)v;
        size_t j = 0;
        for (; j < blen || carry; j++) {
            carry += 58u * (j < blen ? bytes[j] : 0);
            bytes[j] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        blen = j;
    }
    if (zeros + blen > out_cap) {
        cps_wipe(bytes, blen);
        return cps_fail(CPS_ERR_LIMIT, "base58 value of %zu bytes exceeds %zu", zeros + blen,
                        out_cap);
    }
    memset(out, 0, zeros);
    for (size_t i = 0; i < blen; i++) out[zeros + i] = bytes[blen - 1 - i];
    *out_n = zeros + blen;
    cps_wipe(bytes, blen); /* private keys pass through here */
    return 0;
}
