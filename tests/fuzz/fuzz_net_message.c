/* Fuzz target for the P2P message decoder (untrusted bytes from any peer): frames are decoded
 * one after another as a connection would; anything that decodes must encode back to the very
 * bytes it came from (the codec accepts one encoding per message). */
#include "net/net.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        cps_arena a;
        cps_abi_arena_init(&a);
        a.limit = 64u << 20;
        cps_net_message m;
        size_t used = 0;
        int rc = cps_net_frame_decode(data + off, size - off, 1u << 20, &a, &m, &used);
        if (rc != 0) {
            if (rc >= 0 || cps_last_error()[0] == 0) __builtin_trap(); /* errors carry a detail */
            cps_abi_arena_free(&a);
            break;
        }
        if (used < 5 || used > size - off) __builtin_trap();
        cps_buf b;
        cps_buf_init(&b);
        if (cps_net_message_encode(&b, &m) != 0) __builtin_trap();
        if (b.size != used || memcmp(b.data, data + off, used) != 0) __builtin_trap();
        if (m.type == CPS_NET_MSG_VOTE) {
            /* any decoded signature must go through verification without crashing */
            cps_checksum256 id, chain = {{0}};
            cps_net_vote_id(&m.u.vote, &id);
            cps_public_key k;
            memset(&k, 0, sizeof k);
            if (cps_net_vote_verify(&chain, &k, &m.u.vote) == 0) __builtin_trap();
        }
        cps_buf_free(&b);
        cps_abi_arena_free(&a);
        off += used;
    }
    return 0;
}
