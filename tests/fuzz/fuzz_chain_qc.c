/* Fuzz target for finality's decoders of untrusted bytes: the QC block extension and evidence
 * records (all four kinds). The first byte picks the decoder; a QC may carry a pending
 * schedule's part (joint QC); whatever decodes must re-encode to the same bytes
 * (both encodings are canonical), and verifying it against a fixed schedule or key must return
 * cleanly. */
#include "chain/finality.h"

#include <stdlib.h>
#include <string.h>

static cps_producer_key producers[4];
static cps_checksum256 chain_id;

static void setup(void)
{
    static int done;
    if (done) return;
    done = 1;
    cps_log_set_level(CPS_LOG_OFF);
    cps_sha256("fuzz chain", 10, chain_id.b);
    for (uint32_t i = 0; i < 4; i++) {
        cps_private_key k = {.type = CPS_KEY_K1};
        uint8_t seed[4];
        cps_store_u32(seed, i);
        cps_sha256(seed, 4, k.secret);
        producers[i].producer_name = cps_abi_name("proda") + i;
        if (cps_key_public(&k, &producers[i].block_signing_key)) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size < 1) return 0;
    uint8_t which = data[0];
    data++;
    size--;
    cps_buf out = {0};
    if (which & 1) {
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_chain_qc qc;
        if (cps_chain_qc_decode(data, size, &a, &qc) == 0) {
            if (cps_chain_qc_encode(&out, &qc) != 0) abort();
            if (out.size != size || memcmp(out.data, data, size) != 0) abort();
            cps_chain_finality_schedule s = {qc.schedule_version, producers, 4};
            cps_chain_finality_schedule ps = {qc.pending.schedule_version, producers + 1, 3};
            (void)cps_chain_qc_verify(&chain_id, &s, &qc);
            (void)cps_chain_qc_verify_joint(&chain_id, &s, qc.has_pending ? &ps : NULL, &qc);
        }
        cps_abi_arena_free(&a);
    } else {
        cps_chain_evidence e;
        if (cps_chain_evidence_decode(data, size, &e) == 0) {
            if (cps_chain_evidence_encode(&out, &e) != 0) abort();
            if (out.size != size || memcmp(out.data, data, size) != 0) abort();
            (void)cps_chain_evidence_verify(&chain_id, &e.key, &e);
        }
    }
    cps_buf_free(&out);
    return 0;
}
