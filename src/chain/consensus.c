/* chain: consensus — keeps one controller on the fork database's best head, counts votes, votes
 * for this node's producers and moves the controller's LIB when the finality rule is met
 * (consensus.h; the rule itself is finality.c's, docs/finality.md). */
#include "chain/consensus.h"
#include "chain/controller_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MOD "consensus"
/* Blocks whose child roots are remembered for double-block evidence (see child_roots). */
#define ROOTS_CACHE 64

static uint32_t block_num_of(const cps_checksum256 *id)
{
    return (uint32_t)id->b[0] << 24 | (uint32_t)id->b[1] << 16 | (uint32_t)id->b[2] << 8 |
           id->b[3];
}

typedef struct voter_slot {
    cps_name name;
    cps_private_key key;
    cps_chain_voter *voter;
} voter_slot;

typedef struct sched_size {
    uint32_t version, producers;
} sched_size;

/* What a child of a block signs besides its header: cached when the block was the head. */
typedef struct child_roots {
    cps_checksum256 parent;
    cps_checksum256 blockroot_merkle_root;
    cps_checksum256 schedule_hash;
    bool used;
} child_roots;

struct cps_chain_consensus {
    cps_chain_controller *ctl;
    cps_chain_fork_db *db;
    cps_chain_finality *fin;
    cps_chain_consensus_callbacks cb;
    voter_slot voters[CPS_CHAIN_CONSENSUS_MAX_PRODUCERS];
    size_t voter_count;
    sched_size sizes[CPS_CHAIN_FINALITY_SCHEDULES * 2];
    size_t size_count;
    child_roots roots[ROOTS_CACHE];
    size_t roots_next;
    /* the highest block the tracker reported final and not yet written */
    bool final_due;
    cps_checksum256 final_id;
    uint32_t final_num;
    cps_chain_consensus_stats stats;
    /* ring of the last latencies measured; the next write goes to latency_count % WINDOW */
    cps_chain_consensus_latency latency[CPS_CHAIN_CONSENSUS_LATENCY_WINDOW];
    uint64_t latency_count;
    char apply_error[512]; /* why the last block that failed to apply failed */
};

/* ---- schedules -------------------------------------------------------------------------------- */

static void note_size(cps_chain_consensus *cs, uint32_t version, uint32_t producers)
{
    for (size_t i = 0; i < cs->size_count; i++)
        if (cs->sizes[i].version == version) return;
    if (cs->size_count == sizeof cs->sizes / sizeof cs->sizes[0]) {
        memmove(cs->sizes, cs->sizes + 1, (cs->size_count - 1) * sizeof cs->sizes[0]);
        cs->size_count--;
    }
    cs->sizes[cs->size_count++] = (sched_size){version, producers};
}

/* Producers in schedule `version` (0: unknown). */
static uint32_t schedule_size(const cps_chain_consensus *cs, uint32_t version)
{
    for (size_t i = 0; i < cs->size_count; i++)
        if (cs->sizes[i].version == version) return cs->sizes[i].producers;
    return 0;
}

static int register_one(cps_chain_consensus *cs, const cps_chain_producer_schedule *s)
{
    cps_producer_key *keys = NULL;
    int rc = cps_chain_schedule_signing_keys(s, &keys);
    if (rc) return rc;
    cps_chain_finality_schedule fs = {s->version, keys, s->producer_count};
    rc = cps_chain_finality_set_schedule(cs->fin, &fs);
    free(keys);
    if (rc == CPS_ERR_EXISTS) {
        /* Two branches proposed different schedules under one version; the tracker keeps the
         * first (blocks of the other branch cannot gather votes here until it wins). */
        cps_log_warn(MOD, "schedule version %u differs between branches: %s", s->version,
                     cps_last_error());
        return 0;
    }
    if (!rc) note_size(cs, s->version, s->producer_count);
    return rc;
}

/* The head's active and pending schedules into the tracker (votes are counted against the
 * schedule a block names, which a block can only name once the head knows it). */
static int register_schedules(cps_chain_consensus *cs)
{
    cps_chain_schedules s;
    int rc = cps_chain_controller_get_schedules(cs->ctl, &s);
    if (rc) return rc;
    rc = register_one(cs, &s.active);
    if (!rc && s.has_pending) rc = register_one(cs, &s.pending);
    cps_chain_schedules_free(&s);
    return rc;
}

/* ---- evidence inputs -------------------------------------------------------------------------- */

static void remember_child_roots(cps_chain_consensus *cs)
{
    child_roots *r = &cs->roots[cs->roots_next];
    cs->roots_next = (cs->roots_next + 1) % ROOTS_CACHE;
    cps_chain_controller_head_id(cs->ctl, &r->parent);
    cps_chain_controller_child_sig_roots(cs->ctl, &r->blockroot_merkle_root, &r->schedule_hash);
    r->used = true;
}

/* The proof of what a block's producer signed, when its parent's roots are known: a second block
 * by the same producer for the same slot then becomes double-block evidence. false if unknown.
 * header receives the packed header (proof->header borrows it). */
static bool block_proof(cps_chain_consensus *cs, const uint8_t *raw, size_t n, cps_buf *header,
                        cps_chain_signed_header_proof *proof)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block blk;
    bool ok = false;
    if (cps_abi_signed_block_decode(raw, n, &a, &blk) == 0) {
        const cps_block_header *h = &blk.signed_header.header;
        for (size_t i = 0; i < ROOTS_CACHE && !ok; i++) {
            const child_roots *r = &cs->roots[i];
            if (!r->used || memcmp(r->parent.b, h->previous.b, 32)) continue;
            proof->blockroot_merkle_root = r->blockroot_merkle_root;
            proof->schedule_hash = r->schedule_hash;
            ok = !h->has_new_producers ||
                 cps_chain__legacy_schedule_hash(&h->new_producers, &proof->schedule_hash) == 0;
        }
        cps_buf_reset(header);
        if (ok && cps_abi_block_header_pack(header, h) == 0 && !header->failed) {
            proof->header.data = header->data;
            proof->header.size = header->size;
            proof->signature = blk.signed_header.producer_signature;
        } else {
            ok = false;
        }
    }
    cps_abi_arena_free(&a);
    return ok;
}

/* ---- finality --------------------------------------------------------------------------------- */

static void note_result(cps_chain_consensus *cs, const cps_chain_finality_result *res)
{
    if (res->new_final && (!cs->final_due || res->final_num > cs->final_num)) {
        cs->final_due = true;
        cs->final_id = res->final_block;
        cs->final_num = res->final_num;
    }
    if (res->evidence) cps_log_warn(MOD, "equivocation evidence recorded (%zu in all)",
                                    cps_chain_finality_evidence_count(cs->fin));
}

/* Makes `id` (final by the rule, or the controller's LIB under a one-producer schedule) the
 * fork db's root, after the controller wrote it as irreversible. With `measure`, the latency
 * of each newly final block is recorded (only for finality by votes: a one-producer block is
 * final at its commit). */
static int advance_root(cps_chain_consensus *cs, const cps_checksum256 *id, uint32_t num,
                        bool measure)
{
    const cps_chain_fork_entry *root = cps_chain_fork_db_root(cs->db);
    if (num <= root->facts.block_num) return 0;
    cps_checksum256 *ids = NULL;
    size_t count = 0;
    int64_t now = cps_time_now_us();
    /* latency of each newly final block: its slot's time (when it was produced) to now;
     * walked from `id` down, so slots[i] belongs to block num - i */
    uint32_t *slots = NULL;
    size_t nslots = 0;
    cps_checksum256 walk = *id;
    if (measure) slots = calloc(num - root->facts.block_num, sizeof *slots);
    for (const cps_chain_fork_entry *e = cps_chain_fork_db_get(cs->db, &walk);
         slots && e && e->facts.block_num > root->facts.block_num;
         e = cps_chain_fork_db_get(cs->db, &walk)) {
        slots[nslots++] = e->facts.timestamp;
        walk = e->facts.previous;
    }
    int rc = cps_chain_fork_db_advance_root(cs->db, id, &ids, &count);
    free(ids);
    if (rc) {
        free(slots);
        return rc;
    }
    cps_chain_finality_follow_root(cs->fin);
    for (size_t i = nslots; i-- > 0;) { /* oldest first, so the ring stays in block order */
        int64_t lat = now - cps_block_timestamp_to_us(slots[i]);
        cs->stats.finality_samples++;
        cs->stats.sum_finality_us += lat;
        cs->stats.last_finality_us = lat;
        cs->latency[cs->latency_count++ % CPS_CHAIN_CONSENSUS_LATENCY_WINDOW] =
            (cps_chain_consensus_latency){num - (uint32_t)i, lat};
    }
    free(slots);
    return 0;
}

static int switch_to_best(cps_chain_consensus *cs, bool *head_changed);

/* Writes the due final block: the controller's head must be on its branch (the fork choice
 * puts it there; a switch is made if not), then set_lib and the fork db's root. */
static int apply_final(cps_chain_consensus *cs)
{
    int rc = 0;
    for (int guard = 0; cs->final_due && guard < 4 && !rc; guard++) {
        cps_checksum256 id = cs->final_id;
        uint32_t num = cs->final_num;
        cs->final_due = false;
        cps_checksum256 head;
        cps_chain_controller_head_id(cs->ctl, &head);
        if (!cps_chain_fork_db_extends(cs->db, &head, &id)) {
            rc = switch_to_best(cs, NULL);
            cps_chain_controller_head_id(cs->ctl, &head);
            if (!rc && !cps_chain_fork_db_extends(cs->db, &head, &id)) {
                cps_log_error(MOD, "final block %u is not on the head's branch: LIB not moved",
                              num);
                continue;
            }
        }
        if (!rc && num > cps_chain_controller_lib_num(cs->ctl))
            rc = cps_chain_controller_set_lib(cs->ctl, num);
        if (!rc) rc = advance_root(cs, &id, num, true);
        if (!rc) {
            cps_log_debug(MOD, "block %u is final", num);
            if (cs->cb.final) cs->cb.final(cs->cb.ctx, num, &id);
        }
    }
    return rc;
}

/* A one-producer schedule makes the controller's LIB the head at each commit: the fork db
 * follows (its root must never be below the controller's LIB, or a switch could try to pop
 * an irreversible block). */
static int follow_controller_lib(cps_chain_consensus *cs)
{
    uint32_t lib = cps_chain_controller_lib_num(cs->ctl);
    if (lib <= cps_chain_fork_db_root(cs->db)->facts.block_num) return 0;
    cps_checksum256 id;
    cps_chain_controller_lib_id(cs->ctl, &id);
    if (!cps_chain_fork_db_get(cs->db, &id)) return 0;
    int rc = advance_root(cs, &id, lib, false);
    if (!rc && cs->cb.final) cs->cb.final(cs->cb.ctx, lib, &id);
    return rc;
}

/* ---- voting ----------------------------------------------------------------------------------- */

static int vote_on_head(cps_chain_consensus *cs)
{
    if (!cs->voter_count) return 0;
    cps_checksum256 id;
    cps_chain_controller_head_id(cs->ctl, &id);
    const cps_chain_fork_entry *e = cps_chain_fork_db_get(cs->db, &id);
    if (!e || e == cps_chain_fork_db_root(cs->db)) return 0;
    /* one producer: its block is final at commit (controller.h); no vote, no QC */
    if (schedule_size(cs, e->facts.schedule_version) <= 1) return 0;
    cps_chain_schedules s;
    int rc = cps_chain_controller_get_schedules(cs->ctl, &s);
    if (rc) return rc;
    for (size_t i = 0; i < cs->voter_count && !rc; i++) {
        /* a producer of the block's active or pending schedule votes (joint QCs) */
        bool scheduled = false;
        if (s.active.version == e->facts.schedule_version)
            for (uint32_t k = 0; k < s.active.producer_count; k++)
                scheduled |= s.active.producers[k].name == cs->voters[i].name;
        if (s.has_pending && s.pending.version == e->facts.pending_version)
            for (uint32_t k = 0; k < s.pending.producer_count; k++)
                scheduled |= s.pending.producers[k].name == cs->voters[i].name;
        if (!scheduled) continue;
        cps_chain_vote v;
        int vrc = cps_chain_voter_decide(cs->voters[i].voter, cs->fin, &id, &v);
        if (vrc == CPS_ERR_STATE || vrc == CPS_ERR_NOT_FOUND) {
            cps_log_debug(MOD, "no vote on block %u: %s", e->facts.block_num, cps_last_error());
            continue;
        }
        if (vrc) {
            rc = vrc; /* the safety file could not be written: stop voting, say why */
            break;
        }
        cps_chain_finality_result res;
        rc = cps_chain_finality_on_vote(cs->fin, &v, &res);
        if (!rc) {
            note_result(cs, &res);
            cs->stats.votes_sent++;
            if (cs->cb.vote) cs->cb.vote(cs->cb.ctx, &v);
        }
    }
    cps_chain_schedules_free(&s);
    return rc;
}

/* After a block became the head (applied or produced). */
static int after_head(cps_chain_consensus *cs)
{
    int rc = register_schedules(cs);
    if (!rc) rc = follow_controller_lib(cs);
    if (!rc) rc = vote_on_head(cs);
    if (!rc) remember_child_roots(cs);
    return rc;
}

/* ---- fork switching --------------------------------------------------------------------------- */

static int pop_head(cps_chain_consensus *cs)
{
    uint32_t num = cps_chain_controller_head_num(cs->ctl);
    cps_buf *unapplied = NULL;
    size_t count = 0;
    int rc = cps_chain_controller_pop_block(cs->ctl, &unapplied, &count);
    if (!rc) {
        cs->stats.blocks_popped++;
        if (cs->cb.popped) cs->cb.popped(cs->cb.ctx, num);
    }
    for (size_t i = 0; i < count; i++) {
        if (cs->cb.unapplied) cs->cb.unapplied(cs->cb.ctx, unapplied[i].data, unapplied[i].size);
        cps_buf_free(&unapplied[i]);
    }
    free(unapplied);
    return rc;
}

/* Applies br's b_path oldest first. A block that fails to apply leaves the db with its
 * descendants (*failed set, rc 0): the caller chooses again. */
static int apply_branch(cps_chain_consensus *cs, const cps_chain_fork_branches *br,
                        bool *head_changed, bool *failed)
{
    *failed = false;
    for (size_t i = br->b_count; i-- > 0;) {
        cps_checksum256 bid = br->b_path[i];
        const cps_chain_fork_entry *e = cps_chain_fork_db_get(cs->db, &bid);
        if (!e || !e->block)
            return cps_fail(CPS_ERR_STATE, "block %u of the best branch has no bytes",
                            block_num_of(&bid));
        int rc = cps_chain_controller_push_block(cs->ctl, e->block, e->block_size);
        if (rc) {
            char why[512];
            snprintf(why, sizeof why, "%s", cps_last_error());
            cps_log_warn(MOD, "block %u does not apply (%s): dropped with its descendants",
                         block_num_of(&bid), why);
            snprintf(cs->apply_error, sizeof cs->apply_error, "%s", why);
            if (cps_chain_fork_db_remove(cs->db, &bid) != 0)
                cps_log_error(MOD, "cannot drop block: %s", cps_last_error());
            *failed = true;
            return 0;
        }
        cs->stats.blocks_applied++;
        if (head_changed) *head_changed = true;
        if (cs->cb.applied) cs->cb.applied(cs->cb.ctx, e->block, e->block_size);
        rc = after_head(cs);
        if (rc) return rc;
    }
    return 0;
}

/* Brings the controller to the fork db's best head: pops to the fork point and applies the best
 * branch oldest first. Each failed block removes at least one entry, so this ends. */
static int switch_to_best(cps_chain_consensus *cs, bool *head_changed)
{
    for (;;) {
        const cps_chain_fork_entry *best = cps_chain_fork_db_best_head(cs->db);
        cps_checksum256 head, target = best->facts.id;
        cps_chain_controller_head_id(cs->ctl, &head);
        if (!memcmp(head.b, target.b, 32)) return 0;
        cps_chain_fork_branches br;
        int rc = cps_chain_fork_db_branches(cs->db, &head, &target, &br);
        if (rc) return cps_fail_prefix(rc, "fork switch: the head is not in the fork database");
        if (br.a_count) {
            cs->stats.fork_switches++;
            cps_log_info(MOD, "switching forks at block %u: undoing %zu block(s), applying %zu",
                         br.fork_point_num, br.a_count, br.b_count);
            if (head_changed) *head_changed = true;
        }
        for (size_t i = 0; i < br.a_count && !rc; i++) rc = pop_head(cs);
        bool failed = false;
        if (!rc) rc = apply_branch(cs, &br, head_changed, &failed);
        cps_chain_fork_branches_free(&br);
        if (rc) return cps_fail_prefix(rc, "fork switch");
        if (!failed) return 0;
    }
}

/* ---- public ----------------------------------------------------------------------------------- */

static void close_all(cps_chain_consensus *cs)
{
    for (size_t i = 0; i < cs->voter_count; i++) cps_chain_voter_close(cs->voters[i].voter);
    cps_chain_finality_close(cs->fin);
    cps_chain_fork_db_close(cs->db);
    cps_wipe(cs, sizeof *cs);
    free(cs);
}

/* The pending schedule version at the LIB: the head's, carried back block by block through
 * the reversible blocks' headers (cps_chain_block_facts_parent_pending). */
static int lib_pending_version(cps_chain_controller *ctl, const cps_chain_block_facts *lib,
                               uint32_t *out)
{
    cps_chain_schedules s;
    int rc = cps_chain_controller_get_schedules(ctl, &s);
    if (rc) return rc;
    uint32_t pending = s.has_pending ? s.pending.version : 0;
    cps_chain_schedules_free(&s);
    cps_chain_block_facts child;
    bool have_child = false;
    cps_buf raw = {0};
    for (uint32_t num = cps_chain_controller_head_num(ctl); !rc && num >= lib->block_num; num--) {
        cps_chain_block_facts here = *lib;
        if (num > lib->block_num) {
            cps_arena a;
            cps_abi_arena_init(&a);
            cps_signed_block blk;
            rc = cps_chain_controller_read_block(ctl, num, &raw);
            if (!rc) rc = cps_abi_signed_block_decode(raw.data, raw.size, &a, &blk);
            if (!rc) rc = cps_chain_block_facts_from_header(&blk.signed_header.header, &here);
            cps_abi_arena_free(&a);
        }
        if (!rc && have_child) pending = cps_chain_block_facts_parent_pending(&here, &child, pending);
        child = here;
        have_child = true;
        if (num == 0) break;
    }
    cps_buf_free(&raw);
    if (!rc) *out = pending;
    return rc;
}

/* The LIB's facts: from its block when the chain has it, else (a snapshot's head) from the
 * controller, which then has LIB == head. */
static int lib_facts(cps_chain_controller *ctl, cps_chain_block_facts *f)
{
    uint32_t lib = cps_chain_controller_lib_num(ctl);
    cps_buf raw = {0};
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block blk;
    int rc = cps_chain_controller_read_block(ctl, lib, &raw);
    if (!rc) rc = cps_abi_signed_block_decode(raw.data, raw.size, &a, &blk);
    if (!rc) rc = cps_chain_block_facts_from_header(&blk.signed_header.header, f);
    cps_abi_arena_free(&a);
    cps_buf_free(&raw);
    if (rc && lib == cps_chain_controller_head_num(ctl)) {
        memset(f, 0, sizeof *f);
        cps_chain_controller_lib_id(ctl, &f->id);
        f->block_num = lib;
        f->timestamp = cps_chain_controller_head_timestamp(ctl);
        cps_chain_schedules s;
        rc = cps_chain_controller_get_schedules(ctl, &s);
        if (!rc) f->schedule_version = s.active.version;
        cps_chain_schedules_free(&s);
    }
    if (!rc) rc = lib_pending_version(ctl, f, &f->pending_version);
    return rc;
}

static int mkdir_one(const char *dir)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST) return 0;
    return cps_fail(CPS_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
}

int cps_chain_consensus_open(const cps_chain_consensus_options *opt, cps_chain_consensus **out)
{
    *out = NULL;
    if (!opt->ctl || opt->producer_count > CPS_CHAIN_CONSENSUS_MAX_PRODUCERS)
        return cps_fail(CPS_ERR_INVALID_ARG, "consensus: controller missing or more than %d "
                                             "producers", CPS_CHAIN_CONSENSUS_MAX_PRODUCERS);
    if (cps_chain_controller_block_pending(opt->ctl))
        return cps_fail(CPS_ERR_STATE, "consensus: a block is pending");
    cps_chain_consensus *cs = calloc(1, sizeof *cs);
    if (!cs) return cps_fail(CPS_ERR_NOMEM, "consensus");
    cs->ctl = opt->ctl;
    cs->cb = opt->cb;
    cps_chain_block_facts root;
    cps_chain_fork_db_options dbo = {0}; /* default bounds */
    cps_chain_finality_fork_db_options(&dbo);
    int rc = lib_facts(cs->ctl, &root);
    if (!rc) rc = cps_chain_fork_db_open(&root, &dbo, &cs->db);
    if (!rc) rc = cps_chain_finality_open(cps_chain_controller_chain_id(cs->ctl), cs->db, &cs->fin);
    if (!rc) rc = register_schedules(cs);
    /* the reversible blocks, with the QCs they carry */
    uint32_t head = cps_chain_controller_head_num(cs->ctl);
    cps_buf raw = {0};
    for (uint32_t num = root.block_num + 1; !rc && num <= head; num++) {
        rc = cps_chain_controller_read_block(cs->ctl, num, &raw);
        if (!rc) rc = cps_chain_fork_db_add_block(cs->db, raw.data, raw.size, NULL);
        cps_chain_finality_result res;
        if (!rc) rc = cps_chain_finality_on_raw_block(cs->fin, raw.data, raw.size, NULL, &res);
        if (!rc) note_result(cs, &res);
        if (rc) cps_fail_prefix(rc, "consensus: reversible block %u", num);
    }
    cps_buf_free(&raw);
    if (!rc) remember_child_roots(cs);
    for (size_t i = 0; !rc && i < opt->producer_count && opt->voter_dir; i++) {
        char name[CPS_NAME_STR_MAX], path[4200];
        cps_abi_name_to_string(opt->producers[i].name, name);
        snprintf(path, sizeof path, "%s/voter-%s.dat", opt->voter_dir, name);
        rc = mkdir_one(opt->voter_dir);
        voter_slot *v = &cs->voters[cs->voter_count];
        v->name = opt->producers[i].name;
        v->key = opt->producers[i].key;
        if (!rc) rc = cps_chain_voter_open(path, v->name, &v->key, &v->voter);
        if (!rc) cs->voter_count++;
    }
    /* the head may already be the best, or the rebuilt tree may prefer another branch */
    if (!rc) rc = switch_to_best(cs, NULL);
    if (!rc) rc = apply_final(cs);
    if (rc) {
        close_all(cs);
        return rc;
    }
    *out = cs;
    return 0;
}

void cps_chain_consensus_close(cps_chain_consensus *cs)
{
    if (cs) close_all(cs);
}

int cps_chain_consensus_on_block(cps_chain_consensus *cs, const uint8_t *raw, size_t n,
                                 bool *head_changed)
{
    if (head_changed) *head_changed = false;
    if (cps_chain_controller_block_pending(cs->ctl))
        return cps_fail(CPS_ERR_STATE, "consensus: a block is pending");
    const cps_chain_fork_entry *e;
    int rc = cps_chain_fork_db_add_block(cs->db, raw, n, &e);
    if (rc) return rc;
    cps_checksum256 id = e->facts.id;
    cps_buf header = {0};
    cps_chain_signed_header_proof proof;
    bool have_proof = block_proof(cs, raw, n, &header, &proof);
    cps_chain_finality_result res;
    rc = cps_chain_finality_on_raw_block(cs->fin, raw, n, have_proof ? &proof : NULL, &res);
    cps_buf_free(&header);
    if (rc) {
        char why[512];
        snprintf(why, sizeof why, "%s", cps_last_error());
        if (cps_chain_fork_db_remove(cs->db, &id) != 0)
            cps_log_error(MOD, "cannot drop block: %s", cps_last_error());
        return cps_fail(CPS_ERR_BLOCK, "%s", why);
    }
    note_result(cs, &res);
    rc = switch_to_best(cs, head_changed);
    if (!rc) rc = apply_final(cs);
    if (!rc && !cps_chain_fork_db_get(cs->db, &id))
        return cps_fail(CPS_ERR_BLOCK, "block %u did not apply: %s", block_num_of(&id),
                        cs->apply_error);
    return rc;
}

int cps_chain_consensus_on_vote(cps_chain_consensus *cs, const cps_chain_vote *v,
                                cps_chain_finality_result *res)
{
    cps_chain_finality_result local;
    if (!res) res = &local;
    int rc = cps_chain_finality_on_vote(cs->fin, v, res);
    if (rc) return rc;
    if (res->accepted) cs->stats.votes_counted++;
    else if (!res->pending) cs->stats.votes_ignored++;
    note_result(cs, res);
    if (cs->final_due && !cps_chain_controller_block_pending(cs->ctl)) {
        /* a QC may also change the best branch (it prefers the newest certified block) */
        rc = switch_to_best(cs, NULL);
        if (!rc) rc = apply_final(cs);
    } else if (cs->final_due) {
        /* set_lib is allowed while a block is pending (controller.h) */
        cps_checksum256 head;
        cps_chain_controller_head_id(cs->ctl, &head);
        if (cps_chain_fork_db_extends(cs->db, &head, &cs->final_id)) rc = apply_final(cs);
    }
    return rc;
}

int cps_chain_consensus_prepare_block(cps_chain_consensus *cs, cps_name producer, uint32_t slot)
{
    for (size_t i = 0; i < cs->voter_count; i++) {
        if (cs->voters[i].name != producer) continue;
        int rc = cps_chain_voter_may_sign_block(cs->voters[i].voter, slot);
        if (rc) return rc;
    }
    cps_checksum256 head;
    cps_chain_controller_head_id(cs->ctl, &head);
    const cps_chain_fork_entry *e = cps_chain_fork_db_get(cs->db, &head);
    if (!e || e == cps_chain_fork_db_root(cs->db) ||
        schedule_size(cs, e->facts.schedule_version) <= 1 ||
        !cps_chain_finality_has_qc(cs->fin, &head))
        return 0;
    cps_buf qc = {0};
    int rc = cps_chain_finality_encode_qc(cs->fin, &head, &qc);
    if (!rc) rc = cps_chain_controller_set_qc_extension(cs->ctl, qc.data, qc.size);
    if (rc) {
        /* the block is valid without it; finality then waits for the next pair */
        cps_log_warn(MOD, "block on %u goes without the QC: %s", e->facts.block_num,
                     cps_last_error());
        rc = 0;
    }
    cps_buf_free(&qc);
    return rc;
}

int cps_chain_consensus_block_produced(cps_chain_consensus *cs, const uint8_t *raw, size_t n)
{
    const cps_chain_fork_entry *e;
    int rc = cps_chain_fork_db_add_block(cs->db, raw, n, &e);
    if (rc) return cps_fail_prefix(rc, "consensus: our block");
    cps_chain_signed_header_proof proof;
    cps_buf header = {0};
    bool have_proof = block_proof(cs, raw, n, &header, &proof);
    cps_chain_finality_result res;
    rc = cps_chain_finality_on_raw_block(cs->fin, raw, n, have_proof ? &proof : NULL, &res);
    cps_buf_free(&header);
    if (rc) return cps_fail_prefix(rc, "consensus: our block");
    note_result(cs, &res);
    cs->stats.blocks_produced++;
    rc = after_head(cs);
    if (!rc) rc = switch_to_best(cs, NULL);
    if (!rc) rc = apply_final(cs);
    return rc;
}

cps_chain_finality *cps_chain_consensus_finality(cps_chain_consensus *cs)
{
    return cs->fin;
}

cps_chain_fork_db *cps_chain_consensus_fork_db(cps_chain_consensus *cs)
{
    return cs->db;
}

void cps_chain_consensus_get_stats(const cps_chain_consensus *cs, cps_chain_consensus_stats *out)
{
    *out = cs->stats;
}

size_t cps_chain_consensus_latencies(const cps_chain_consensus *cs, uint32_t since,
                                     cps_chain_consensus_latency *out, size_t max)
{
    const uint64_t window = CPS_CHAIN_CONSENSUS_LATENCY_WINDOW;
    uint64_t first = cs->latency_count > window ? cs->latency_count - window : 0;
    size_t n = 0;
    for (uint64_t i = first; i < cs->latency_count && n < max; i++) {
        const cps_chain_consensus_latency *l = &cs->latency[i % window];
        if (l->block_num >= since) out[n++] = *l;
    }
    return n;
}
