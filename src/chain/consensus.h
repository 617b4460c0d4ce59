/* chain: consensus — the node's owner of the controller's fork choice and finality. It keeps the
 * fork database, the finality tracker and this node's voters around one controller, so that the
 * controller's head is always the fork database's best head and its LIB the tracker's:
 *
 *   block (peer)   -> fork db -> tracker (carried QC) -> switch to the best head
 *                     (pop_block to the fork point, push_block the other branch; the popped
 *                     blocks' transactions go back to the caller) -> vote on each block applied
 *   block (ours)   -> same, after the producer committed it
 *   vote (peer)    -> tracker -> a new final block: set_lib, fork db root, callback
 *   producing      -> prepare_block: the voter's slot guard and the QC on the head into the block
 *
 * A block whose schedule has one producer is final as soon as it is committed (controller.h): no
 * vote, no QC extension, the fork db's root follows the controller's LIB. So a one-producer
 * chain's blocks are exactly what they were before this module.
 *
 * Threads: one consensus belongs to the thread of its controller (the node's loop). */
#ifndef CPS_CHAIN_CONSENSUS_H
#define CPS_CHAIN_CONSENSUS_H

#include "chain/controller.h"
#include "chain/finality.h"

typedef struct cps_chain_consensus cps_chain_consensus;

/* A producer this node runs: votes and blocks are signed with key (copied). */
typedef struct cps_chain_consensus_producer {
    cps_name name;
    cps_private_key key;
} cps_chain_consensus_producer;

/* What the node does with the module's outcomes. Every callback may be NULL; none may call back
 * into the consensus (queue the work instead). */
typedef struct cps_chain_consensus_callbacks {
    void *ctx;
    /* One of this node's producers voted (the vote is already counted here): gossip it. */
    void (*vote)(void *ctx, const cps_chain_vote *v);
    /* A block was applied by the switch logic (a peer's block, or a branch being switched to):
     * raw signed_block, borrowed for the call. Not called for blocks this node produced. */
    void (*applied)(void *ctx, const uint8_t *raw, size_t n);
    /* The head block `num` was undone for a fork switch; its input transactions follow, one
     * call each (packed_transaction, borrowed), for the pending queue. */
    void (*popped)(void *ctx, uint32_t num);
    void (*unapplied)(void *ctx, const uint8_t *packed, size_t n);
    /* The LIB moved to (num, id): set_lib was called and the fork db pruned. */
    void (*final)(void *ctx, uint32_t num, const cps_checksum256 *id);
} cps_chain_consensus_callbacks;

typedef struct cps_chain_consensus_options {
    cps_chain_controller *ctl; /* borrowed; must outlive the consensus */
    /* Voters' safety files go to <voter_dir>/voter-<producer>.dat (the directory is created).
     * NULL or no producers: this node never votes (a follower). */
    const char *voter_dir;
    const cps_chain_consensus_producer *producers; /* copied */
    size_t producer_count;                         /* <= 16 */
    cps_chain_consensus_callbacks cb;
} cps_chain_consensus_options;

#define CPS_CHAIN_CONSENSUS_MAX_PRODUCERS 16

/* Opens over the controller (no block may be pending): the fork db is rooted at the controller's
 * LIB and holds its reversible blocks, the tracker knows the head's schedules, and a voter is
 * opened per producer. Errors: the voters' (CPS_ERR_DB_CORRUPT for a damaged safety file, which
 * must stop the node), the controller's, CPS_ERR_INVALID_ARG, CPS_ERR_NOMEM. Caller frees with
 * cps_chain_consensus_close (before the controller). */
CPS_MUST_USE int cps_chain_consensus_open(const cps_chain_consensus_options *opt,
                                          cps_chain_consensus **out);
void cps_chain_consensus_close(cps_chain_consensus *cs); /* NULL allowed */

/* A signed block from a peer (raw, untrusted, borrowed). No block may be pending on the
 * controller (the producer sets its pending block aside first). Returns 0 when the block was
 * stored (it may be on a branch that is not the best: then it stays in the fork db, applied
 * only if its branch becomes the best). *head_changed (may be NULL) says whether the controller's
 * head moved. Errors: CPS_ERR_EXISTS (known), CPS_ERR_STATE (at or below the LIB),
 * CPS_ERR_NOT_FOUND (its previous is unknown: fetch the parent and retry), CPS_ERR_BLOCK (bad
 * block, bad QC, or it failed to apply: it is removed with its descendants), CPS_ERR_LIMIT,
 * abi's decoding errors. */
CPS_MUST_USE int cps_chain_consensus_on_block(cps_chain_consensus *cs, const uint8_t *raw,
                                              size_t n, bool *head_changed);
/* A vote from a peer. Returns 0 whether or not it counted (*res, may be NULL, says why); a
 * negative code only for out of memory or a failure to write the LIB. */
CPS_MUST_USE int cps_chain_consensus_on_vote(cps_chain_consensus *cs, const cps_chain_vote *v,
                                             cps_chain_finality_result *res);

/* Between start_block and finalize_block of a block this node produces as `producer` at `slot`:
 * the producer's voter records the slot as signed (CPS_ERR_STATE if a block was already signed
 * for this slot or a later one: abort the block), then a QC on the head, when known and the
 * head's schedule has more than one producer, goes into the block (set_qc_extension). */
CPS_MUST_USE int cps_chain_consensus_prepare_block(cps_chain_consensus *cs, cps_name producer,
                                                   uint32_t slot);
/* The block this node produced was committed (raw, borrowed): into the fork db and the tracker,
 * and voted on. */
CPS_MUST_USE int cps_chain_consensus_block_produced(cps_chain_consensus *cs, const uint8_t *raw,
                                                    size_t n);

/* Accessors (borrowed). */
cps_chain_finality *cps_chain_consensus_finality(cps_chain_consensus *cs);
cps_chain_fork_db *cps_chain_consensus_fork_db(cps_chain_consensus *cs);
/* Times (µs, wall clock) from the production of final blocks (their timestamp) to the moment
 * this node saw them final: how many were measured and the last one. */
typedef struct cps_chain_consensus_stats {
    uint64_t blocks_applied, blocks_produced, fork_switches, blocks_popped;
    uint64_t votes_sent, votes_counted, votes_ignored;
    uint64_t finality_samples;
    int64_t last_finality_us;  /* block timestamp -> seen final here */
    int64_t sum_finality_us;
} cps_chain_consensus_stats;
void cps_chain_consensus_get_stats(const cps_chain_consensus *cs, cps_chain_consensus_stats *out);

/* The latency of each of the last CPS_CHAIN_CONSENSUS_LATENCY_WINDOW blocks this node saw final
 * by votes (same measure as the stats), kept so a caller can take percentiles over a window of
 * block numbers (the node's GET /v1/chain/get_finality_evidence, the finality benchmark). */
#define CPS_CHAIN_CONSENSUS_LATENCY_WINDOW 4096
typedef struct cps_chain_consensus_latency {
    uint32_t block_num;
    int64_t us; /* block timestamp -> seen final here */
} cps_chain_consensus_latency;
/* Copies into out (caller-owned, room for max) the kept samples of blocks numbered >= since,
 * oldest first; returns how many were copied. */
size_t cps_chain_consensus_latencies(const cps_chain_consensus *cs, uint32_t since,
                                     cps_chain_consensus_latency *out, size_t max);

#endif
