/* Fuzz target for binary ABI decoding and ABI-driven binary -> JSON: the input is
 * [u16 length L][L bytes of abi_def][data]. A decoded ABI is used to decode the data as each of
 * its structs, variants, actions and tables; whatever CPS prints must be valid JSON, and an ABI
 * that decodes must write back to exactly the bytes it came from. */
#include "abi/abi.h"

#include <stdlib.h>
#include <string.h>

static void decode_as(const cps_abi *abi, const char *type, const uint8_t *data, size_t n)
{
    cps_buf out;
    cps_buf_init(&out);
    out.limit = 1 << 22;
    if (cps_abi_bin_to_json(abi, type, data, n, &out) == 0) {
        json_error_t e;
        json_t *v =
            json_loadb((const char *)out.data, out.size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
        if (!v) __builtin_trap(); /* CPS printed something that is not JSON */
        json_decref(v);
    }
    cps_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t abi_len = (size_t)data[0] | ((size_t)data[1] << 8);
    if (abi_len > size - 2) abi_len = size - 2;
    const uint8_t *abi_bytes = data + 2, *rest = data + 2 + abi_len;
    size_t rest_len = size - 2 - abi_len;

    cps_abi *abi = NULL;
    if (cps_abi_from_bin(abi_bytes, abi_len, &abi) != 0) return 0;
    cps_buf back;
    cps_buf_init(&back);
    if (cps_abi_to_bin(abi, &back) != 0 || back.size != abi_len ||
        memcmp(back.data, abi_bytes, abi_len) != 0)
        __builtin_trap();
    cps_buf_free(&back);
    cps_buf json;
    cps_buf_init(&json);
    if (cps_abi_to_json(abi, &json) == 0) {
        cps_abi *again = NULL;
        if (cps_abi_from_json((const char *)json.data, json.size, &again) != 0) __builtin_trap();
        cps_abi_free(again);
    }
    cps_buf_free(&json);

    const cps_abi_def *d = cps_abi_definition(abi);
    for (uint32_t i = 0; i < d->struct_count && i < 16; i++)
        decode_as(abi, d->structs[i].name, rest, rest_len);
    for (uint32_t i = 0; i < d->variant_count && i < 8; i++)
        decode_as(abi, d->variants[i].name, rest, rest_len);
    for (uint32_t i = 0; i < d->type_count && i < 8; i++)
        decode_as(abi, d->types[i].new_type_name, rest, rest_len);
    for (uint32_t i = 0; i < d->action_count && i < 8; i++)
        decode_as(abi, d->actions[i].type, rest, rest_len);
    for (uint32_t i = 0; i < d->table_count && i < 8; i++)
        decode_as(abi, d->tables[i].type, rest, rest_len);
    cps_abi_free(abi);
    return 0;
}
