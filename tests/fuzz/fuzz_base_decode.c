/* Fuzz target for base's decoders of untrusted text and bytes: varints, blobs, hex, base58, time. */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cps_reader r = cps_reader_make(data, size);
    while (cps_reader_left(&r)) {
        uint32_t u;
        int32_t s;
        const uint8_t *p;
        size_t n;
        size_t before = r.pos;
        if (cps_read_varuint32(&r, &u) == 0) {
            /* A value that decodes re-encodes to the same bytes (encodings are minimal). */
            cps_buf b = {0};
            if (cps_write_varuint32(&b, u) == 0 &&
                (b.size != r.pos - before || memcmp(b.data, data + before, b.size) != 0))
                __builtin_trap();
            cps_buf_free(&b);
        } else if (cps_read_varint32(&r, &s) != 0 && cps_read_blob(&r, &p, &n) != 0) {
            r.pos++;
        }
    }
    uint8_t out[600];
    size_t n;
    if (cps_hex_decode(out, sizeof out, &n, (const char *)data, size) == 0) {
        char *hex = malloc(2 * n + 1);
        cps_hex_encode(hex, out, n);
        free(hex);
    }
    if (size < 700 && cps_base58_decode(out, sizeof out, &n, (const char *)data, size) == 0) {
        cps_buf b = {0};
        if (cps_base58_encode(&b, out, n) == 0 && (b.size != size || memcmp(b.data, data, size)))
            __builtin_trap();
        cps_buf_free(&b);
    }
    int64_t us;
    if (cps_time_parse((const char *)data, size, &us) == 0) {
        char t[40];
        cps_time_format(t, sizeof t, us, true);
    }
    return 0;
}
