/* Fuzz target for chain's genesis decoders: genesis JSON (as --genesis-json) and the raw
 * genesis_state. Whatever parses must pack, re-parse and give the same chain id. */
#include "chain/chain.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cps_chain_genesis g;
    if (cps_chain_genesis_from_json((const char *)data, size, &g) == 0) {
        cps_buf json = {0};
        cps_chain_genesis back;
        cps_checksum256 a, b;
        if (cps_chain_genesis_to_json(&g, &json) != 0 ||
            cps_chain_genesis_from_json((const char *)json.data, json.size, &back) != 0 ||
            cps_chain_genesis_chain_id(&g, &a) != 0 || cps_chain_genesis_chain_id(&back, &b) != 0 ||
            memcmp(a.b, b.b, 32) != 0)
            __builtin_trap();
        cps_buf_free(&json);
    }
    cps_reader r = cps_reader_make(data, size);
    if (cps_chain_genesis_unpack(&r, &g) == 0) {
        /* Binary round trip: the bytes read are the bytes written. */
        cps_buf raw = {0};
        if (cps_chain_genesis_pack(&raw, &g) != 0 || raw.size != r.pos ||
            memcmp(raw.data, data, raw.size) != 0)
            __builtin_trap();
        cps_buf_free(&raw);
        (void)cps_chain_config_validate(&g.initial_configuration);
    }
    return 0;
}
