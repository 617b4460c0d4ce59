/* chain: the fork database (fork_db.c) and BFT finality (finality.c) — the reversible block tree
 * with its deterministic fork choice, producers' finality votes, quorum certificates, the
 * two-chain finality rule, the voter's persisted safety state and equivocation evidence.
 * docs/finality.md states the rule and why it is safe; this header is the API.
 *
 * Both modules are self-contained: they know block headers (abi.h) and keys (crypto.h), not the
 * controller. The node's loop owns one fork database, one finality tracker over it and, on a
 * producer node, one voter, and calls them as blocks and votes arrive:
 *
 *   block arrives  -> cps_chain_fork_db_add_block  -> cps_chain_finality_on_block
 *                     (the controller applies the best head: cps_chain_fork_db_branches tells
 *                      which blocks to pop and which to apply)
 *   block applied  -> cps_chain_voter_decide -> gossip the vote, and cps_chain_finality_on_vote
 *   vote arrives   -> cps_chain_finality_on_vote -> { accepted, qc_formed, new_final }
 *   new_final      -> log the blocks cps_chain_fork_db_advance_root hands back; set LIB
 *   producing      -> cps_chain_voter_may_sign_block(slot); cps_chain_finality_encode_qc(parent)
 *                     into the new block's extension CPS_CHAIN_QC_EXTENSION_ID
 *
 * Threads: each handle belongs to one thread (the node's loop). */
#ifndef CPS_CHAIN_FINALITY_H
#define CPS_CHAIN_FINALITY_H

#include "base/base.h"
#include "crypto/crypto.h"
#include "abi/abi.h"

/* EOSIO's max_producers: the largest schedule a QC's bitset can index. */
#define CPS_CHAIN_MAX_PRODUCERS 125

/* ==========================================================================================
 * Block facts: what the fork database and finality need from a block header.
 * ========================================================================================== */
typedef struct cps_chain_block_facts {
    cps_checksum256 id;
    cps_checksum256 previous;
    uint32_t block_num; /* == the number in id's first 4 bytes */
    uint32_t timestamp; /* block_timestamp slot */
    cps_name producer;
    uint32_t schedule_version; /* the schedule the block was produced (and is voted) under */
    uint32_t announced_version; /* new_producers.version when the header announces a pending
                                   schedule, else 0 (pending versions are always >= 1) */
    /* The pending schedule at this block, 0 if none: its QCs need a quorum of both schedules
     * (joint QC, docs/finality.md "Schedule changes"). Derived by the fork database from the
     * parent when the block is added (cps_chain_block_facts_pending); the root's is given. */
    uint32_t pending_version;
    /* The header claims a QC on the parent (header extension CPS_CHAIN_QC_CLAIM_EXTENSION_ID):
     * the block carries it, and every validator checked it before applying the block. */
    bool claims_qc;
} cps_chain_block_facts;

/* Fills facts from a header (computes the id; pending_version stays 0). Errors: abi's packing
 * errors. */
CPS_MUST_USE int cps_chain_block_facts_from_header(const cps_block_header *h,
                                                   cps_chain_block_facts *out);
/* The pending schedule version at block f given its parent's facts: the one f announces, none
 * when f activated the parent's pending schedule (its schedule_version changed), else the
 * parent's. */
uint32_t cps_chain_block_facts_pending(const cps_chain_block_facts *parent,
                                       const cps_chain_block_facts *f);
/* The reverse step: the parent's pending version from its child's facts and the child's pending
 * version (the child's schedule_version when the child activated it; none when the child
 * announced without activating, since a schedule is only announced into a free slot). */
uint32_t cps_chain_block_facts_parent_pending(const cps_chain_block_facts *parent,
                                              const cps_chain_block_facts *f,
                                              uint32_t f_pending);

/* ==========================================================================================
 * Fork database (fork_db.c): the tree of reversible blocks above the root, the last irreversible
 * block. Every entry links to its parent; nothing unlinkable, duplicated, at or below the root,
 * or beyond the bounds is ever stored.
 *
 * Fork choice (deterministic: the same blocks and QCs give the same head on every node,
 * whatever the order they arrived in). Among all entries, the best head maximizes, in order:
 *   1. best_qc_slot: the timestamp of the newest block carrying a known QC on the branch from
 *      the root to the entry (the root counts as certified), so that producers build on the
 *      branch honest voters are locked on (docs/finality.md);
 *   2. block_num, the longer branch;
 *   3. the lower id (bytes compared as unsigned, memcmp order).
 * A child always beats its parent on (1, 2), so the best head is a leaf.
 * ========================================================================================== */
typedef struct cps_chain_fork_db cps_chain_fork_db;

/* One block in the tree. Returned pointers are borrowed: valid until the next call that adds,
 * removes or prunes entries. */
typedef struct cps_chain_fork_entry {
    cps_chain_block_facts facts;
    const uint8_t *block; /* the raw signed_block kept with the entry (owned by the db), or NULL */
    size_t block_size;
    bool qc;               /* a quorum certificate on this block is known */
    uint32_t best_qc_slot; /* see fork choice (1) */
    /* The newest QC the headers of the branch claim, as a block number: block_num - 1 of the
     * newest block from the entry down to the root (included) whose facts claim one; 0 if none.
     * The voter's rule compares it with its lock (docs/finality.md "Voting rules"). */
    uint32_t claim_num;
    void *user;            /* a slot for the finality tracker; released through the callback */
} cps_chain_fork_entry;

typedef struct cps_chain_fork_db_options {
    uint32_t max_entries; /* 0: CPS_CHAIN_FORK_DB_DEFAULT_MAX_ENTRIES */
    uint32_t max_depth;   /* block_num - root num allowed; 0: CPS_CHAIN_FORK_DB_DEFAULT_MAX_DEPTH */
    /* Called with an entry's `user` when the entry leaves the db (pruned, removed, closed). */
    void (*release_user)(void *ctx, void *user);
    void *release_ctx;
} cps_chain_fork_db_options;

#define CPS_CHAIN_FORK_DB_DEFAULT_MAX_ENTRIES 8192u
#define CPS_CHAIN_FORK_DB_DEFAULT_MAX_DEPTH 7200u /* one hour of 500 ms blocks */
#define CPS_CHAIN_FORK_DB_MAX_ENTRIES_LIMIT (1u << 20)

/* Creates a db whose root is `root` (the last irreversible block; its own block bytes are not
 * needed). opt may be NULL (defaults). Caller frees with cps_chain_fork_db_close. Errors:
 * CPS_ERR_INVALID_ARG (root's num disagrees with its id, max_entries above the limit),
 * CPS_ERR_NOMEM. */
CPS_MUST_USE int cps_chain_fork_db_open(const cps_chain_block_facts *root,
                                        const cps_chain_fork_db_options *opt,
                                        cps_chain_fork_db **out);
void cps_chain_fork_db_close(cps_chain_fork_db *db); /* NULL allowed */

/* Adds a block by its facts; `block` (may be NULL) is copied into the entry. Errors, each with a
 * detail and nothing changed: CPS_ERR_EXISTS (already there, or it is the root),
 * CPS_ERR_STATE (at or below the root's number: stale), CPS_ERR_NOT_FOUND (its previous is
 * unknown: unlinkable; the caller may fetch the parent and retry), CPS_ERR_BLOCK (its number is
 * not previous's + 1, its num disagrees with its id, or its timestamp is not after its parent's),
 * CPS_ERR_LIMIT (max_entries or max_depth reached), CPS_ERR_NOMEM. *entry (may be NULL)
 * receives the new entry. */
CPS_MUST_USE int cps_chain_fork_db_add(cps_chain_fork_db *db, const cps_chain_block_facts *facts,
                                       const uint8_t *block, size_t block_size,
                                       const cps_chain_fork_entry **entry);
/* Decodes a raw signed_block (untrusted bytes: abi's errors on malformed input) and adds it with
 * a copy of its bytes, as cps_chain_fork_db_add. */
CPS_MUST_USE int cps_chain_fork_db_add_block(cps_chain_fork_db *db, const uint8_t *raw, size_t n,
                                             const cps_chain_fork_entry **entry);
/* Rebuilds the tree at open from the reversible blocks the controller kept (raw signed_blocks
 * in any order): they are added lowest number first; blocks that are stale or do not link are
 * skipped and counted in *skipped (may be NULL). Fails on the first malformed block or on a
 * bound (nothing is rolled back: close the db). */
CPS_MUST_USE int cps_chain_fork_db_rebuild(cps_chain_fork_db *db, const cps_bytes *blocks,
                                           size_t count, size_t *skipped);

/* The entry with this id (the root included), or NULL. */
const cps_chain_fork_entry *cps_chain_fork_db_get(const cps_chain_fork_db *db,
                                                  const cps_checksum256 *id);
const cps_chain_fork_entry *cps_chain_fork_db_root(const cps_chain_fork_db *db);
const cps_chain_fork_entry *cps_chain_fork_db_best_head(const cps_chain_fork_db *db);
size_t cps_chain_fork_db_size(const cps_chain_fork_db *db); /* entries, root included */
/* The children of id (at most cap written, in id order; out may be NULL with cap 0); returns
 * how many there are. */
size_t cps_chain_fork_db_children(const cps_chain_fork_db *db, const cps_checksum256 *id,
                                  const cps_chain_fork_entry **out, size_t cap);
/* The entries whose block_num is num (at most cap written, in id order); returns the count. */
size_t cps_chain_fork_db_at_num(const cps_chain_fork_db *db, uint32_t num,
                                const cps_chain_fork_entry **out, size_t cap);
/* The entries whose timestamp is slot (at most cap written, in id order); returns the count. */
size_t cps_chain_fork_db_at_slot(const cps_chain_fork_db *db, uint32_t slot,
                                 const cps_chain_fork_entry **out, size_t cap);
/* True if `ancestor` is `descendant` or one of its ancestors in the db (root included). */
bool cps_chain_fork_db_extends(const cps_chain_fork_db *db, const cps_checksum256 *descendant,
                               const cps_checksum256 *ancestor);

/* Two branches from their fork point, for a switch from head a to head b: pop a_path (newest
 * first), then apply b_path in reverse (oldest first). Paths exclude the fork point. Arrays are
 * malloc'd; free with cps_chain_fork_branches_free. */
typedef struct cps_chain_fork_branches {
    cps_checksum256 fork_point;
    uint32_t fork_point_num;
    cps_checksum256 *a_path; /* newest first */
    size_t a_count;
    cps_checksum256 *b_path; /* newest first */
    size_t b_count;
} cps_chain_fork_branches;
/* CPS_ERR_NOT_FOUND if a or b is not in the db. */
CPS_MUST_USE int cps_chain_fork_db_branches(const cps_chain_fork_db *db, const cps_checksum256 *a,
                                            const cps_checksum256 *b, cps_chain_fork_branches *out);
void cps_chain_fork_branches_free(cps_chain_fork_branches *br);

/* Records that a QC on id is known (updates best_qc_slot below it and the best head).
 * CPS_ERR_NOT_FOUND if id is not in the db; marking twice is harmless. */
CPS_MUST_USE int cps_chain_fork_db_mark_qc(cps_chain_fork_db *db, const cps_checksum256 *id);
/* Attaches the tracker's data to an entry (replacing and releasing any previous one). */
CPS_MUST_USE int cps_chain_fork_db_set_user(cps_chain_fork_db *db, const cps_checksum256 *id,
                                            void *user);

/* Makes id the new root (it becomes irreversible) and prunes every entry that does not descend
 * from it (the old root, its other branches). When newly_final is not NULL it receives the ids
 * of the blocks that became irreversible, oldest first and ending with id (malloc'd, caller
 * frees; the controller logs these blocks: read their bytes with cps_chain_fork_db_get before
 * this call, since they are pruned by it except id itself). id == the root is a no-op.
 * CPS_ERR_NOT_FOUND if id is not in the db. */
CPS_MUST_USE int cps_chain_fork_db_advance_root(cps_chain_fork_db *db, const cps_checksum256 *id,
                                                cps_checksum256 **newly_final, size_t *count);
/* Removes id and all its descendants (a block that failed to apply). Not the root:
 * CPS_ERR_INVALID_ARG; CPS_ERR_NOT_FOUND if absent. */
CPS_MUST_USE int cps_chain_fork_db_remove(cps_chain_fork_db *db, const cps_checksum256 *id);

/* ==========================================================================================
 * Votes and quorum certificates (finality.c).
 *
 * A vote is the net module's vote message (net.h, type 6), field for field. Its digest is
 * defined here, in the consensus layer, and is byte-identical to cps_net_vote_digest (which the
 * net module may switch to calling this):
 *   digest = sha256("cps-vote-v1" || chain_id[32] || block_id[32] || block_num u32 LE ||
 *                   producer u64 LE)
 * signed with the producer's block-signing key of the block's schedule.
 *
 * Quorum: q(n) = floor(2n/3) + 1 distinct producers of the n in the block's schedule.
 *
 * QC block extension (block_extensions, type CPS_CHAIN_QC_EXTENSION_ID). EOSIO/Antelope use
 * block extension ids 2 (additional_block_signatures) and 3 (quorum_certificate, Savanna) and
 * header extension ids 0, 1 and 2; CPS takes 0xC350 ("CP"), far from them:
 *
 *   +--------------+--------------+-----------------+-------------+-------------------------+
 *   | block_id[32] | schedule_    | bitset_len      | bitset      | signatures, one per set |
 *   |              | version u32  | varuint32 (<=16)| bytes       | bit, in bit order:      |
 *   |              |              |                 | bit i = the | varuint32 count, then   |
 *   |              |              |                 | schedule's  | each type u8 | 65 bytes |
 *   |              |              |                 | producer i  | (fc signature layout)   |
 *   +--------------+--------------+-----------------+-------------+-------------------------+
 *   bit i is byte i/8, mask 1 << (i % 8). The count must equal the number of set bits; the
 *   bitset has no trailing zero byte (minimal length).
 *
 *   Joint QC: when the certified block has a pending schedule, a second part follows with the
 *   same layout minus the block id (pending schedule_version u32 | bitset | signatures), bit i
 *   standing for the pending schedule's producer i; nothing may follow it. A QC on such a block
 *   needs q(n) of the active schedule in the first part and q(m) of the pending one in the
 *   second; a QC on a block without a pending schedule has no second part.
 *
 *   The block's header says it carries one: header extension CPS_CHAIN_QC_CLAIM_EXTENSION_ID
 *   (0xC351) holds the certified block's number u32 LE (the parent's: only the parent's QC is
 *   carried). The claim is covered by the block id and the producer's signature, so the state
 *   a block leads to (the chain's final block, below) depends on its id alone; a block with a
 *   QC extension and no claim, or a claim without the extension, is invalid.
 * ========================================================================================== */
#define CPS_CHAIN_QC_EXTENSION_ID 0xC350u
#define CPS_CHAIN_QC_CLAIM_EXTENSION_ID 0xC351u
#define CPS_CHAIN_QC_BITSET_MAX ((CPS_CHAIN_MAX_PRODUCERS + 7) / 8)

typedef struct cps_chain_vote {
    cps_name producer;
    cps_checksum256 block_id;
    uint32_t block_num;
    cps_signature signature;
} cps_chain_vote;

void cps_chain_vote_digest(const cps_checksum256 *chain_id, const cps_chain_vote *v,
                           cps_checksum256 *digest);
CPS_MUST_USE int cps_chain_vote_sign(const cps_checksum256 *chain_id, const cps_private_key *key,
                                     cps_chain_vote *v);
/* 0 if v's signature recovers to key; CPS_ERR_CRYPTO / CPS_ERR_NONCANONICAL otherwise. */
CPS_MUST_USE int cps_chain_vote_verify(const cps_checksum256 *chain_id, const cps_public_key *key,
                                       const cps_chain_vote *v);

static inline uint32_t cps_chain_quorum(uint32_t producers)
{
    return producers * 2 / 3 + 1;
}

/* One schedule's part of a QC. */
typedef struct cps_chain_qc_part {
    uint32_t schedule_version;
    uint8_t bitset[CPS_CHAIN_QC_BITSET_MAX];
    uint32_t bitset_len;
    cps_signature *signatures;
    uint32_t signature_count;
} cps_chain_qc_part;

/* A decoded QC: the active schedule's part inline, the pending one's when has_pending.
 * `signatures` are borrowed from the arena given to the decoder, or owned by whoever built it. */
typedef struct cps_chain_qc {
    cps_checksum256 block_id;
    uint32_t schedule_version;
    uint8_t bitset[CPS_CHAIN_QC_BITSET_MAX];
    uint32_t bitset_len;
    cps_signature *signatures;
    uint32_t signature_count;
    bool has_pending;
    cps_chain_qc_part pending;
} cps_chain_qc;

/* Appends the extension payload. CPS_ERR_INVALID_ARG if the bitset and signatures disagree. */
CPS_MUST_USE int cps_chain_qc_encode(cps_buf *b, const cps_chain_qc *qc);
/* Decodes untrusted bytes strictly (layout above): CPS_ERR_TRUNCATED, CPS_ERR_LIMIT (bitset
 * longer than CPS_CHAIN_QC_BITSET_MAX), CPS_ERR_FORMAT (count != set bits, non-minimal bitset,
 * bad signature type), CPS_ERR_TRAILING; details name the field. Signatures come from `a`. */
CPS_MUST_USE int cps_chain_qc_decode(const uint8_t *data, size_t n, cps_arena *a,
                                     cps_chain_qc *out);

/* A producer schedule as finality needs it (the producers' order defines QC bit indexes). */
typedef struct cps_chain_finality_schedule {
    uint32_t version;
    const cps_producer_key *producers; /* borrowed for the call; the tracker copies */
    uint32_t producer_count;           /* 1..CPS_CHAIN_MAX_PRODUCERS */
} cps_chain_finality_schedule;

/* Verifies a QC against a schedule: its version matches, the bitset indexes only existing
 * producers, it holds at least q(n) signatures and each recovers to its producer's key over the
 * vote digest of (qc->block_id, its number). block_num is taken from the id. CPS_ERR_BLOCK with
 * a detail naming the first fault (which producer's signature, how many short of quorum). */
CPS_MUST_USE int cps_chain_qc_verify(const cps_checksum256 *chain_id,
                                     const cps_chain_finality_schedule *schedule,
                                     const cps_chain_qc *qc);
/* The same for a block whose pending schedule is `pending` (NULL: none): the first part against
 * `active`, and the second part, required exactly when pending is not NULL, against `pending`. */
CPS_MUST_USE int cps_chain_qc_verify_joint(const cps_checksum256 *chain_id,
                                           const cps_chain_finality_schedule *active,
                                           const cps_chain_finality_schedule *pending,
                                           const cps_chain_qc *qc);

/* ==========================================================================================
 * Evidence: records a third party can check with the producer's public key and the chain id.
 *
 *   kind 1, double vote: two votes by one producer for different blocks at one block_num.
 *   kind 3, votes out of order: two votes by one producer for blocks X, Y with the headers of
 *     both, where neither is after the other in both slot and height (an honest voter's votes
 *     rise in both: the monotony rule). Covers two votes at one slot for blocks of different
 *     heights and crossing pairs (a later slot at a lower height); votes at one height are kind 1.
 *   kind 4, lock breach: votes on blocks A and B, A.block_num < B.block_num, where A's header
 *     claims a QC on A's parent J, B does not extend J, and no block of B's branch above A's
 *     height claims a QC (so B's branch claims none above J): the voting rule (below) forbids
 *     the pair. The record carries A's header and the headers of B's branch from B down to A's
 *     height, which prove all three.
 *   kind 2, double block: two block headers signed by one producer for one slot. The record
 *     carries what the signature covers: EOSIO's block signing digest is
 *     sha256(sha256(sha256(header) || blockroot_merkle_root) || schedule_hash), so each side
 *     holds the packed header, the signature and those two roots.
 *
 *   encoding: kind u8 | producer u64 | key (fc public_key) | side a | side b
 *     vote side:   block_id[32] | block_num u32 | signature
 *     block side:  header bytes (varuint32 length, <= 64 KiB) | signature |
 *                  blockroot_merkle_root[32] | schedule_hash[32]
 *     kind 3 side: vote side | header bytes of the voted block (varuint32 length, <= 64 KiB)
 *     kind 4:      side a as kind 3's | vote side | varuint32 count (2 ..
 *                  CPS_CHAIN_EVIDENCE_CHAIN_MAX) | count x header bytes (varuint32 length,
 *                  <= 64 KiB), B's first, each the previous one's parent, the last at A's height
 * ========================================================================================== */
enum cps_chain_evidence_kind {
    CPS_CHAIN_EVIDENCE_DOUBLE_VOTE = 1,
    CPS_CHAIN_EVIDENCE_DOUBLE_BLOCK = 2,
    CPS_CHAIN_EVIDENCE_VOTE_ORDER = 3,
    CPS_CHAIN_EVIDENCE_LOCK_BREACH = 4,
};
#define CPS_CHAIN_EVIDENCE_HEADER_MAX (64u * 1024u)
#define CPS_CHAIN_EVIDENCE_CHAIN_MAX 512u /* headers in a kind 4 record: B down to A's height */

/* What a producer signed for one block: the inputs of its signing digest. */
typedef struct cps_chain_signed_header_proof {
    cps_bytes header; /* packed block_header (borrowed, or owned inside an evidence record) */
    cps_signature signature;
    cps_checksum256 blockroot_merkle_root;
    cps_checksum256 schedule_hash;
} cps_chain_signed_header_proof;

typedef struct cps_chain_evidence {
    uint8_t kind; /* enum cps_chain_evidence_kind */
    cps_name producer;
    cps_public_key key; /* the key the producer had in the schedule (informative; verify checks) */
    cps_chain_vote vote[2];
    cps_chain_signed_header_proof block[2]; /* kinds 3, 4: only .header (the voted block's) */
    cps_bytes chain; /* kind 4: the encoded headers of B's branch (count, then each), borrowed */
} cps_chain_evidence;

/* The digest a producer signs for a block (controller's block_header_state::sig_digest). */
void cps_chain_block_sig_digest(const cps_chain_signed_header_proof *p, cps_checksum256 *digest);

/* Checks a record with only public data: both sides signed by `key` (which must equal e->key),
 * both name e->producer, and they conflict (double vote: same block_num, different ids; double
 * block: same producer and timestamp in both decoded headers, different headers). 0 if the
 * evidence proves the equivocation; CPS_ERR_CRYPTO / CPS_ERR_FORMAT with a detail otherwise. */
CPS_MUST_USE int cps_chain_evidence_verify(const cps_checksum256 *chain_id,
                                           const cps_public_key *key, const cps_chain_evidence *e);
CPS_MUST_USE int cps_chain_evidence_encode(cps_buf *b, const cps_chain_evidence *e);
/* Strict decoder of untrusted bytes; header bytes are borrowed from data. */
CPS_MUST_USE int cps_chain_evidence_decode(const uint8_t *data, size_t n, cps_chain_evidence *out);

/* ==========================================================================================
 * The finality tracker: counts gossiped votes per block, forms QCs, applies the finality rule
 * and keeps evidence. It borrows the fork database (which must outlive it) and attaches its
 * per-block data to the entries' `user` slot, so the db must be opened with
 * cps_chain_finality_fork_db_options (release callback).
 *
 * Finality rule (docs/finality.md): block B is final once
 *   - a QC on B is known, and
 *   - a QC on a block C is known where C.previous == B, C.timestamp == B.timestamp + 1 and C
 *     carries in its block extension a valid QC on B (so everyone who voted for C knew B was
 *     certified and is locked on it);
 * every ancestor of a final block is final. The tracker's lib() is the highest final block.
 * ========================================================================================== */
typedef struct cps_chain_finality cps_chain_finality;

/* Options for the fork db the tracker will use (sets the release callback). */
void cps_chain_finality_fork_db_options(cps_chain_fork_db_options *opt);

#define CPS_CHAIN_FINALITY_PENDING_VOTES 4096u /* votes held for blocks not yet known */

/* Creates a tracker for chain_id over db (borrowed). The root of db is taken as final. Caller
 * frees with cps_chain_finality_close (before closing the db). */
CPS_MUST_USE int cps_chain_finality_open(const cps_checksum256 *chain_id, cps_chain_fork_db *db,
                                         cps_chain_finality **out);
void cps_chain_finality_close(cps_chain_finality *f);

/* Registers the schedule with this version; votes on a block are counted against the schedules
 * of its schedule_version and (joint QCs) its pending_version. At most CPS_CHAIN_FINALITY_SCHEDULES versions are kept (the lowest
 * goes). Registering a version again with the same producers is harmless; with different ones
 * it is CPS_ERR_EXISTS (a version never changes). CPS_ERR_INVALID_ARG for 0 or more than
 * CPS_CHAIN_MAX_PRODUCERS producers or a duplicate name. */
#define CPS_CHAIN_FINALITY_SCHEDULES 8
CPS_MUST_USE int cps_chain_finality_set_schedule(cps_chain_finality *f,
                                                 const cps_chain_finality_schedule *s);

/* What one call changed. Ids are meaningful when the matching flag is set. */
typedef struct cps_chain_finality_result {
    bool accepted;  /* the vote was valid and new, and counted */
    bool pending;   /* held until its block is added */
    bool qc_formed; /* a QC was completed on qc_block */
    cps_checksum256 qc_block;
    bool new_final; /* lib moved to final_block */
    cps_checksum256 final_block;
    uint32_t final_num;
    bool evidence;   /* new evidence was recorded */
    char reason[96]; /* why a vote was not counted ("bad signature", ...) */
} cps_chain_finality_result;

/* A block was added to the fork db (after cps_chain_fork_db_add): `qc` is the QC its block
 * extension carries (NULL: none), `proof` what its producer signed (NULL: not known, then no
 * double-block evidence for it; its header must hash to id, else CPS_ERR_BLOCK; it is copied).
 * Call before the voter decides on the block: the voter's lock must see the carried QC. A carried
 * QC must target an ancestor in the db (or at/below the root: then ignored) and verify against that
 * block's schedule; otherwise CPS_ERR_BLOCK (the block is invalid: the caller removes it). Pending
 * votes for the block are counted. */
CPS_MUST_USE int cps_chain_finality_on_block(cps_chain_finality *f, const cps_checksum256 *id,
                                             const cps_chain_qc *qc,
                                             const cps_chain_signed_header_proof *proof,
                                             cps_chain_finality_result *res);
/* Same, decoding the QC from a raw signed_block's extensions (untrusted bytes). */
CPS_MUST_USE int cps_chain_finality_on_raw_block(cps_chain_finality *f, const uint8_t *raw,
                                                 size_t n,
                                                 const cps_chain_signed_header_proof *proof,
                                                 cps_chain_finality_result *res);

/* A vote arrived (gossip or our own). Returns 0 whether or not it was counted (res->accepted,
 * res->pending and res->reason say); a negative code only for misuse or out of memory.
 * Ignored with a reason: block_num disagreeing with the id, block at or below lib, unknown
 * schedule, producer in neither of the block's schedules, bad signature, duplicate (counted
 * already in every schedule whose key it could count for). */
CPS_MUST_USE int cps_chain_finality_on_vote(cps_chain_finality *f, const cps_chain_vote *v,
                                            cps_chain_finality_result *res);

/* The db's root moved past the tracker's LIB by another rule (a one-producer schedule makes
 * each block final at once, controller.h): the root becomes the LIB. */
void cps_chain_finality_follow_root(cps_chain_finality *f);
/* The last irreversible block by the rule (initially the db's root). */
uint32_t cps_chain_finality_lib_num(const cps_chain_finality *f);
void cps_chain_finality_lib_id(const cps_chain_finality *f, cps_checksum256 *out);
/* The newest (highest timestamp) block with a known QC, with its slot; false if none yet. */
bool cps_chain_finality_highest_qc(const cps_chain_finality *f, cps_checksum256 *id,
                                   uint32_t *slot);
/* True if a QC on id is known. */
bool cps_chain_finality_has_qc(const cps_chain_finality *f, const cps_checksum256 *id);
/* Votes counted for id so far (0 if unknown). */
uint32_t cps_chain_finality_vote_count(const cps_chain_finality *f, const cps_checksum256 *id);
/* Encodes the QC on id as a block extension payload (for the block a producer builds on id).
 * CPS_ERR_NOT_FOUND if id has no QC. */
CPS_MUST_USE int cps_chain_finality_encode_qc(const cps_chain_finality *f,
                                              const cps_checksum256 *id, cps_buf *out);

/* Evidence collected so far (borrowed; valid until the tracker is closed or more is added). */
size_t cps_chain_finality_evidence_count(const cps_chain_finality *f);
const cps_chain_evidence *cps_chain_finality_evidence_at(const cps_chain_finality *f, size_t i);

/* ==========================================================================================
 * The voter: a producer node's safety rules, persisted before a vote leaves.
 *
 *   safety file (104 + 32 bytes): "CPSVOTE2" | producer u64 | last_vote_slot u32 |
 *     last_vote_num u32 | last_vote_id[32] | abandoned_num u32 | lock_num u32 | lock_id[32] |
 *     last_signed_block_slot u32 | reserved u32 | sha256 of the preceding bytes [32]
 *   written to <path>.tmp, fsync'd, renamed over <path>, directory fsync'd. A "CPSVOTE1" file
 *   (an earlier build's, whose lock came from gossip) still opens: its lock is dropped and
 *   abandoned_num set to its last vote's number, which every QC its votes claimed is below.
 *
 * Every rule reads only what the voted headers prove, so that breaking one leaves a record a
 * third party can check (evidence kinds 1, 3 and 4). Write J(V) for the parent of a voted block
 * V whose header claims a QC (V carries it); claim(X) for the entry's claim_num (the newest QC
 * the headers of X's branch claim). Rules for a vote on block X (all must hold):
 *   monotony  X.timestamp > last_vote_slot and X.block_num > last_vote_num (never two votes at
 *             one slot or one height, even across restarts);
 *   lock      the lock is the J(V) of highest number among the votes so far; abandoned_num the
 *             highest number of a J(V) the lock does not extend (0: none). X must either claim a
 *             newer QC than both (claim(X) > max(lock_num, abandoned_num)), or extend the lock
 *             with claim(X) > abandoned_num (any claim when abandoned_num is 0). Together: for
 *             any two votes V1 below V2, V2 extends J(V1) or claims a QC above it;
 *   schedule  the producer is in X's active schedule or in its pending one (joint QCs).
 * ========================================================================================== */
typedef struct cps_chain_voter cps_chain_voter;

typedef struct cps_chain_voter_state {
    uint32_t last_vote_slot, last_vote_num;
    cps_checksum256 last_vote_id;
    uint32_t lock_num; /* 0: no lock yet */
    cps_checksum256 lock_id;
    uint32_t abandoned_num;
    uint32_t last_signed_block_slot;
} cps_chain_voter_state;

/* Opens (creating when absent) the safety file at path for producer; key is copied (and wiped
 * at close). CPS_ERR_DB_CORRUPT for a damaged file or one of another producer (never vote on a
 * guess), CPS_ERR_IO. Caller frees with cps_chain_voter_close. */
CPS_MUST_USE int cps_chain_voter_open(const char *path, cps_name producer,
                                      const cps_private_key *key, cps_chain_voter **out);
void cps_chain_voter_close(cps_chain_voter *v);
void cps_chain_voter_get_state(const cps_chain_voter *v, cps_chain_voter_state *out);

/* Decides on block id (which the caller has validated and applied): on 0, *vote is signed and
 * the new state is on disk. CPS_ERR_STATE with a detail (monotony, lock, not in schedule) when
 * the rules forbid it; CPS_ERR_NOT_FOUND if the block is not in the tracker's db; CPS_ERR_IO if
 * the state could not be persisted (then no vote). */
CPS_MUST_USE int cps_chain_voter_decide(cps_chain_voter *v, cps_chain_finality *f,
                                        const cps_checksum256 *id, cps_chain_vote *vote);
/* Before signing a block for `slot`: persists slot as last signed; CPS_ERR_STATE if a block was
 * already signed at this or a later slot (a restart must not sign a second block for a slot). */
CPS_MUST_USE int cps_chain_voter_may_sign_block(cps_chain_voter *v, uint32_t slot);

#endif
