/* Fuzz target for ABI JSON parsing and ABI-driven JSON -> binary: the input is
 * "<abi json>\0<type>\0<value json>". Whatever converts to binary must convert back to JSON
 * with the same ABI (the encoder never writes what the decoder refuses), except arrays of
 * zero-size structs, which nodeos cannot decode either and CPS refuses as truncated. */
#include "abi/abi.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *z1 = memchr(s, 0, size);
    if (!z1) return 0;
    const char *z2 = memchr(z1 + 1, 0, size - (size_t)(z1 + 1 - s));
    if (!z2) return 0;
    cps_abi *abi = NULL;
    if (cps_abi_from_json(s, (size_t)(z1 - s), &abi) != 0) return 0;

    /* The ABI's own binary form reads back and writes the same bytes. */
    cps_buf bin;
    cps_buf_init(&bin);
    if (cps_abi_to_bin(abi, &bin) != 0) __builtin_trap();
    cps_abi *from_bin = NULL;
    if (cps_abi_from_bin(bin.data, bin.size, &from_bin) != 0) __builtin_trap();
    cps_buf bin2;
    cps_buf_init(&bin2);
    if (cps_abi_to_bin(from_bin, &bin2) != 0 || bin2.size != bin.size ||
        memcmp(bin.data, bin2.data, bin.size) != 0)
        __builtin_trap();
    cps_abi_free(from_bin);
    cps_buf_free(&bin);
    cps_buf_free(&bin2);

    const char *type = z1 + 1;
    const char *value = z2 + 1;
    size_t value_len = size - (size_t)(value - s);
    cps_buf out, json;
    cps_buf_init(&out);
    cps_buf_init(&json);
    out.limit = 1 << 22;
    json.limit = 1 << 24;
    if (cps_abi_json_to_bin(abi, type, value, value_len, &out) == 0) {
        int rc = cps_abi_bin_to_json(abi, type, out.data, out.size, &json);
        if (rc == CPS_ERR_LIMIT && json.failed) rc = 0; /* output cap of this harness */
        if (rc != 0 && !(rc == CPS_ERR_TRUNCATED && strstr(cps_last_error(), "array of")))
            __builtin_trap();
    }
    cps_buf_free(&out);
    cps_buf_free(&json);
    cps_abi_free(abi);
    return 0;
}
