/* buf: growable byte buffers, bounds-checked readers, and EOSIO's fixed and variable-length
 * integer encodings (little-endian; varuint32 = LEB128, varint32 = zig-zag LEB128). */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cps_buf_init(cps_buf *b)
{
    memset(b, 0, sizeof *b);
}

void cps_buf_free(cps_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void cps_buf_wipe_free(cps_buf *b)
{
    if (b->data) cps_wipe(b->data, b->cap);
    cps_buf_free(b);
}

void cps_buf_reset(cps_buf *b)
{
    b->size = 0;
    b->failed = 0;
}

int cps_buf_reserve(cps_buf *b, size_t extra)
{
    if (b->failed) return b->failed;
    if (extra > SIZE_MAX - b->size - 1) return b->failed = CPS_ERR_NOMEM;
    size_t need = b->size + extra + 1; /* +1 keeps room for cps_buf_cstr's NUL */
    if (b->limit && b->size + extra > b->limit) {
        b->failed = cps_fail(CPS_ERR_LIMIT, "buffer limit of %zu bytes exceeded", b->limit);
        return b->failed;
    }
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) return b->failed = cps_fail(CPS_ERR_NOMEM, "out of memory growing a buffer");
    b->data = p;
    b->cap = cap;
    return 0;
}

uint8_t *cps_buf_release(cps_buf *b, size_t *size)
{
    uint8_t *p = b->data;
    if (size) *size = b->size;
    memset(b, 0, sizeof *b);
    return p;
}

int cps_write_bytes(cps_buf *b, const void *data, size_t n)
{
    int rc = cps_buf_reserve(b, n);
    if (rc) return rc;
    if (n) memcpy(b->data + b->size, data, n);
    b->size += n;
    return 0;
}

int cps_write_u8(cps_buf *b, uint8_t v)
{
    return cps_write_bytes(b, &v, 1);
}

int cps_write_u16(cps_buf *b, uint16_t v)
{
    uint8_t t[2];
    cps_store_u16(t, v);
    return cps_write_bytes(b, t, 2);
}

int cps_write_u32(cps_buf *b, uint32_t v)
{
    uint8_t t[4];
    cps_store_u32(t, v);
    return cps_write_bytes(b, t, 4);
}

int cps_write_u64(cps_buf *b, uint64_t v)
{
    uint8_t t[8];
    cps_store_u64(t, v);
    return cps_write_bytes(b, t, 8);
}

size_t cps_varuint32_size(uint32_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

int cps_write_varuint32(cps_buf *b, uint32_t v)
{
    uint8_t t[5];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        if (v) byte |= 0x80;
        t[n++] = byte;
    } while (v);
    return cps_write_bytes(b, t, n);
}

int cps_write_varint32(cps_buf *b, int32_t v)
{
    uint32_t u = ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
    return cps_write_varuint32(b, u);
}

int cps_write_blob(cps_buf *b, const void *data, size_t n)
{
    if (n > UINT32_MAX) return b->failed = cps_fail(CPS_ERR_LIMIT, "blob of %zu bytes", n);
    int rc = cps_write_varuint32(b, (uint32_t)n);
    if (rc) return rc;
    return cps_write_bytes(b, data, n);
}

int cps_write_str(cps_buf *b, const char *s)
{
    return cps_write_blob(b, s, strlen(s));
}

int cps_buf_printf(cps_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return b->failed = cps_fail(CPS_ERR_FORMAT, "bad format string");
    }
    int rc = cps_buf_reserve(b, (size_t)n);
    if (rc) {
        va_end(ap2);
        return rc;
    }
    vsnprintf((char *)b->data + b->size, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->size += (size_t)n;
    return 0;
}

const char *cps_buf_cstr(cps_buf *b)
{
    if (!b->data) {
        if (cps_buf_reserve(b, 0)) return "";
    }
    b->data[b->size] = 0;
    return (const char *)b->data;
}

static int truncated(const cps_reader *r, size_t n, const char *what)
{
    return cps_fail(CPS_ERR_TRUNCATED, "%s at offset %zu needs %zu bytes, %zu left", what, r->pos,
                    n, r->size - r->pos);
}

int cps_read_span(cps_reader *r, size_t n, const uint8_t **out)
{
    if (n > r->size - r->pos) return truncated(r, n, "data");
    *out = r->data + r->pos;
    r->pos += n;
    return 0;
}

int cps_read_bytes(cps_reader *r, void *out, size_t n)
{
    if (n > r->size - r->pos) return truncated(r, n, "data");
    if (n) memcpy(out, r->data + r->pos, n);
    r->pos += n;
    return 0;
}

int cps_read_u8(cps_reader *r, uint8_t *v)
{
    if (r->size - r->pos < 1) return truncated(r, 1, "uint8");
    *v = r->data[r->pos++];
    return 0;
}

int cps_read_u16(cps_reader *r, uint16_t *v)
{
    if (r->size - r->pos < 2) return truncated(r, 2, "uint16");
    *v = cps_load_u16(r->data + r->pos);
    r->pos += 2;
    return 0;
}

int cps_read_u32(cps_reader *r, uint32_t *v)
{
    if (r->size - r->pos < 4) return truncated(r, 4, "uint32");
    *v = cps_load_u32(r->data + r->pos);
    r->pos += 4;
    return 0;
}

int cps_read_u64(cps_reader *r, uint64_t *v)
{
    if (r->size - r->pos < 8) return truncated(r, 8, "uint64");
    *v = cps_load_u64(r->data + r->pos);
    r->pos += 8;
    return 0;
}

int cps_read_varuint32(cps_reader *r, uint32_t *v)
{
    size_t start = r->pos;
    uint32_t value = 0;
    for (unsigned i = 0;; i++) {
        if (r->pos >= r->size) {
            r->pos = start;
            return cps_fail(CPS_ERR_TRUNCATED, "varuint32 at offset %zu is cut off", start);
        }
        uint8_t byte = r->data[r->pos++];
        if (i == 4 && (byte & 0xf0)) {
            r->pos = start;
            return cps_fail(CPS_ERR_OVERFLOW, "varuint32 at offset %zu is longer than 5 bytes or "
                                              "exceeds 32 bits",
                            start);
        }
        value |= (uint32_t)(byte & 0x7f) << (7 * i);
        if (!(byte & 0x80)) {
            if (byte == 0 && i > 0) {
                r->pos = start;
                return cps_fail(CPS_ERR_FORMAT, "varuint32 at offset %zu is not minimally encoded",
                                start);
            }
            break;
        }
    }
    *v = value;
    return 0;
}

int cps_read_varint32(cps_reader *r, int32_t *v)
{
    uint32_t u;
    int rc = cps_read_varuint32(r, &u);
    if (rc) return rc;
    *v = (int32_t)((u >> 1) ^ (~(u & 1) + 1));
    return 0;
}

int cps_read_blob(cps_reader *r, const uint8_t **data, size_t *n)
{
    size_t start = r->pos;
    uint32_t len;
    int rc = cps_read_varuint32(r, &len);
    if (rc) return rc;
    if (len > r->size - r->pos) {
        size_t left = r->size - r->pos;
        r->pos = start;
        return cps_fail(CPS_ERR_TRUNCATED, "length %u at offset %zu exceeds the %zu bytes left",
                        len, start, left);
    }
    *data = r->data + r->pos;
    *n = len;
    r->pos += len;
    return 0;
}

int cps_read_end(const cps_reader *r)
{
    if (r->pos != r->size)
        return cps_fail(CPS_ERR_TRAILING, "%zu unexpected bytes after offset %zu",
                        r->size - r->pos, r->pos);
    return 0;
}

void cps_wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n--) *v++ = 0;
}
