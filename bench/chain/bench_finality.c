/* Benchmark of finality's per-block work: counting a vote (schedule lookup, signature recovery,
 * tally, QC check) beside the bare signature verification it contains, measured in the same run,
 * and fork database adds with the fork choice. The ratio is the tracker's overhead over the
 * cryptography that any vote counting must do. */
#include "chain/finality.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRODUCERS 21
#define BLOCKS 200

static void die(const char *what, int err)
{
    fprintf(stderr, "bench_finality: %s failed: %d %s\n", what, err, cps_last_error());
    exit(1);
}

#define CHECK(what, expr)                                                                          \
    do {                                                                                           \
        int err_ = (expr);                                                                         \
        if (err_) die(what, err_);                                                                 \
    } while (0)

static cps_chain_block_facts child(const cps_chain_block_facts *parent, uint32_t slot)
{
    cps_chain_block_facts f = *parent;
    uint8_t seed[36];
    memcpy(seed, parent->id.b, 32);
    cps_store_u32(seed + 32, slot);
    cps_sha256(seed, sizeof seed, f.id.b);
    f.block_num = parent->block_num + 1;
    f.id.b[0] = (uint8_t)(f.block_num >> 24);
    f.id.b[1] = (uint8_t)(f.block_num >> 16);
    f.id.b[2] = (uint8_t)(f.block_num >> 8);
    f.id.b[3] = (uint8_t)f.block_num;
    f.previous = parent->id;
    f.timestamp = slot;
    return f;
}

static double verify_all(const cps_checksum256 *chain_id, const cps_producer_key *prods,
                         const cps_chain_vote *votes, uint32_t n)
{
    uint64_t t0 = cps_time_mono_ns();
    for (uint32_t i = 0; i < n; i++)
        CHECK("verify",
              cps_chain_vote_verify(chain_id, &prods[i % PRODUCERS].block_signing_key, &votes[i]));
    return (double)(cps_time_mono_ns() - t0) / 1e3 / n;
}

int main(void)
{
    cps_log_set_level(CPS_LOG_OFF);
    cps_checksum256 chain_id;
    cps_sha256("bench", 5, chain_id.b);
    cps_private_key keys[PRODUCERS];
    cps_producer_key prods[PRODUCERS];
    for (uint32_t i = 0; i < PRODUCERS; i++) {
        keys[i].type = CPS_KEY_K1;
        uint8_t s[4];
        cps_store_u32(s, i + 1);
        cps_sha256(s, 4, keys[i].secret);
        prods[i].producer_name = cps_abi_name("proda") + ((uint64_t)i << 20);
        CHECK("key", cps_key_public(&keys[i], &prods[i].block_signing_key));
    }
    cps_chain_block_facts root = {.block_num = 1, .timestamp = 1, .schedule_version = 1};
    root.id.b[3] = 1;
    cps_chain_block_facts *blocks = malloc(sizeof *blocks * BLOCKS);
    cps_chain_vote *votes = malloc(sizeof *votes * BLOCKS * PRODUCERS);
    if (!blocks || !votes) die("malloc", CPS_ERR_NOMEM);
    for (uint32_t k = 0; k < BLOCKS; k++) {
        blocks[k] = child(k ? &blocks[k - 1] : &root, 2 + k);
        for (uint32_t p = 0; p < PRODUCERS; p++) {
            cps_chain_vote *v = &votes[k * PRODUCERS + p];
            *v = (cps_chain_vote){prods[p].producer_name, blocks[k].id, blocks[k].block_num, {0}};
            CHECK("sign", cps_chain_vote_sign(&chain_id, &keys[p], v));
        }
    }
    const uint32_t n = BLOCKS * PRODUCERS;

    /* baseline: verifying each vote's signature, nothing else (a warm-up pass first; the machine
     * is shared, so the baseline is taken again after the tracker and the lower one kept) */
    for (uint32_t i = 0; i < n / 4; i++)
        CHECK("verify",
              cps_chain_vote_verify(&chain_id, &prods[i % PRODUCERS].block_signing_key, &votes[i]));
    double base_us = verify_all(&chain_id, prods, votes, n);

    /* the tracker: blocks added as they come, every vote counted, QCs and finality as they form */
    cps_chain_fork_db_options o = {0};
    cps_chain_finality_fork_db_options(&o);
    cps_chain_fork_db *db;
    cps_chain_finality *fin;
    CHECK("open", cps_chain_fork_db_open(&root, &o, &db));
    CHECK("open", cps_chain_finality_open(&chain_id, db, &fin));
    cps_chain_finality_schedule sch = {1, prods, PRODUCERS};
    CHECK("schedule", cps_chain_finality_set_schedule(fin, &sch));
    uint64_t add_ns = 0, vote_ns = 0;
    uint32_t qcs = 0;
    cps_buf qb = {0};
    cps_arena a;
    cps_abi_arena_init(&a);
    for (uint32_t k = 0; k < BLOCKS; k++) {
        uint64_t s = cps_time_mono_ns();
        CHECK("add", cps_chain_fork_db_add(db, &blocks[k], NULL, 0, NULL));
        cps_chain_qc qc, *qcp = NULL;
        cps_buf_reset(&qb);
        cps_abi_arena_reset(&a);
        if (k && cps_chain_finality_encode_qc(fin, &blocks[k - 1].id, &qb) == 0) {
            CHECK("decode", cps_chain_qc_decode(qb.data, qb.size, &a, &qc));
            qcp = &qc;
        }
        cps_chain_finality_result r;
        CHECK("on_block", cps_chain_finality_on_block(fin, &blocks[k].id, qcp, NULL, &r));
        add_ns += cps_time_mono_ns() - s;
        s = cps_time_mono_ns();
        for (uint32_t p = 0; p < PRODUCERS; p++) {
            CHECK("on_vote", cps_chain_finality_on_vote(fin, &votes[k * PRODUCERS + p], &r));
            if (!r.accepted) die(r.reason, -1);
            qcs += r.qc_formed;
        }
        vote_ns += cps_time_mono_ns() - s;
    }
    double vote_us = (double)vote_ns / 1e3 / n;
    double again = verify_all(&chain_id, prods, votes, n);
    if (again < base_us) base_us = again;
    printf("finality: %u producers, %u blocks, %u QCs, LIB %u\n", PRODUCERS, BLOCKS, qcs,
           cps_chain_finality_lib_num(fin));
    printf("  vote signature verify (baseline)  %8.1f us/vote\n", base_us);
    printf("  on_vote (verify + tally + rule)   %8.1f us/vote   ratio %.2fx baseline\n", vote_us,
           vote_us / base_us);
    printf("  one block's %u votes              %8.2f ms\n", PRODUCERS, vote_us * PRODUCERS / 1e3);
    printf("  fork_db add + on_block            %8.1f us/block (verifies the carried QC: 15 "
           "signatures; %zu entries)\n",
           (double)add_ns / 1e3 / BLOCKS, cps_chain_fork_db_size(db));
    cps_abi_arena_free(&a);
    cps_buf_free(&qb);
    cps_chain_finality_close(fin);
    cps_chain_fork_db_close(db);
    free(blocks);
    free(votes);
    return 0;
}
