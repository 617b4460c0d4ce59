/* Producer schedules in the controller: set_proposed_producers from a privileged contract
 * (versions and -1 results), the deterministic proposed -> pending -> active promotion at round
 * starts, new_producers and schedule_version in the headers, the 12-slot rotation over three
 * producers and their keys, refusal of the wrong producer or key, and a second controller
 * validating the blocks, and promotion among several producers gated on the finality the
 * headers' QC claims prove, with joint QCs while a schedule is pending. Reversible blocks,
 * pop_block and set_lib are in
 * test_controller_reversible.c. */
#include "ctl_helpers.h"
#include "sched_helpers.h"
#include "chain/finality.h"

TEST(proposals_get_versions_and_minus_one_as_nodeos_returns)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    sched_prods prods;
    ASSERT_OK(sched_setup(c, &prods));

    int64_t v = 0;
    const char *abc[] = {"prod.a", "prod.b", "prod.c"};
    const char *ab[] = {"prod.a", "prod.b"};
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(sched_propose(c, &prods, abc, 3, 1, &v));
    ASSERT_EQ(v, 1); /* active version 0 + 1 */
    /* the same list again in the same block: no change */
    ASSERT_OK(sched_propose(c, &prods, abc, 3, 2, &v));
    ASSERT_EQ(v, -1);
    /* another list in the same block replaces the proposal, with the same version */
    ASSERT_OK(sched_propose(c, &prods, ab, 2, 3, &v));
    ASSERT_EQ(v, 1);
    ASSERT_OK(ctl_finish(c, NULL));
    uint32_t proposed_in = cps_chain_controller_head_num(c);

    cps_chain_schedules s;
    ASSERT_OK(cps_chain_controller_get_schedules(c, &s));
    ASSERT_EQ(s.active.version, 0);
    ASSERT_EQ(s.active.producer_count, 1);
    ASSERT_EQ(s.active.producers[0].name, cps_abi_name("eosio"));
    ASSERT_TRUE(!s.has_pending);
    ASSERT_TRUE(s.has_proposed);
    ASSERT_EQ(s.proposed.version, 1);
    ASSERT_EQ(s.proposed_block_num, proposed_in);
    ASSERT_EQ(s.proposed.producer_count, 2);
    ASSERT_EQ(s.proposed.producers[1].name, cps_abi_name("prod.b"));
    ASSERT_EQ(cps_public_key_compare(&s.proposed.producers[1].keys[0].key, &prods.pub[1]), 0);
    cps_chain_schedules_free(&s);

    /* a later block cannot replace a proposal still waiting to become pending (if the head is
     * still in the proposal's round) */
    if (cps_chain_controller_head_timestamp(c) / 12 ==
        (cps_chain_controller_head_timestamp(c) + 1) / 12) {
        ASSERT_OK(ctl_start(c));
        ASSERT_OK(sched_propose(c, &prods, abc, 3, 4, &v));
        ASSERT_EQ(v, -1);
        ASSERT_OK(ctl_finish(c, NULL));
    }
    /* an aborted block takes its proposal with it */
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);

    dir = ctl_tempdir();
    ASSERT_OK(ctl_open(dir, &c));
    ASSERT_OK(sched_setup(c, &prods));
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(sched_propose(c, &prods, abc, 3, 1, &v));
    ASSERT_EQ(v, 1);
    cps_chain_controller_abort_block(c, NULL, NULL);
    ASSERT_OK(cps_chain_controller_get_schedules(c, &s));
    ASSERT_TRUE(!s.has_proposed);
    cps_chain_schedules_free(&s);
    /* proposing the active schedule itself changes nothing */
    const char *e[] = {"eosio"};
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(sched_propose(c, &prods, e, 1, 5, &v));
    ASSERT_EQ(v, -1);
    ASSERT_OK(ctl_finish(c, NULL));
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(promotion_at_round_starts_new_producers_and_rotation)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    sched_prods prods;
    ASSERT_OK(sched_setup(c, &prods));
    const char *abc[] = {"prod.a", "prod.b", "prod.c"};
    int64_t v = 0;
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(sched_propose(c, &prods, abc, 3, 1, &v));
    ASSERT_EQ(v, 1);
    ASSERT_OK(ctl_finish(c, NULL));
    uint32_t proposal_slot = cps_chain_controller_head_timestamp(c);

    /* one producer: rounds of 12 slots. The first block of the next round makes it pending
     * (new_producers in its header), the first block of the round after makes it active. */
    uint32_t pending_slot = (proposal_slot / 12 + 1) * 12;
    uint32_t active_slot = pending_slot + 12;
    cps_buf raw = {0};
    uint32_t announced = 0, first_v1 = 0;
    for (uint32_t slot = proposal_slot + 1; slot <= active_slot; slot++) {
        ASSERT_OK(sched_produce(c, &prods, slot, NULL, &raw));
        cps_arena a = {0};
        cps_signed_block blk;
        ASSERT_OK(cps_abi_signed_block_decode(raw.data, raw.size, &a, &blk));
        const cps_block_header *h = &blk.signed_header.header;
        if (h->has_new_producers) {
            ASSERT_EQ(announced, 0);
            announced = slot;
            ASSERT_EQ(h->new_producers.version, 1);
            ASSERT_EQ(h->new_producers.producer_count, 3);
            for (int i = 0; i < 3; i++) {
                ASSERT_EQ(h->new_producers.producers[i].producer_name, prods.name[i]);
                ASSERT_EQ(cps_public_key_compare(&h->new_producers.producers[i].block_signing_key,
                                                 &prods.pub[i]),
                          0);
            }
        }
        if (h->schedule_version == 1 && !first_v1) first_v1 = slot;
        ASSERT_EQ(h->schedule_version, slot >= active_slot ? 1u : 0u);
        ASSERT_EQ(h->producer, slot >= active_slot ? prods.name[(slot % 36) / 12]
                                                   : cps_abi_name("eosio"));
        cps_abi_arena_free(&a);
        cps_chain_schedules s;
        ASSERT_OK(cps_chain_controller_get_schedules(c, &s));
        ASSERT_EQ(s.has_pending, slot >= pending_slot && slot < active_slot);
        ASSERT_EQ(s.has_proposed, slot < pending_slot);
        if (s.has_pending) ASSERT_EQ(s.pending_block_num, cps_chain_controller_head_num(c) -
                                                              (slot - pending_slot));
        ASSERT_EQ(s.active.version, slot >= active_slot ? 1u : 0u);
        cps_chain_schedules_free(&s);
    }
    ASSERT_EQ(announced, pending_slot);
    ASSERT_EQ(first_v1, active_slot);
    /* eosio.prods follows the active schedule: active 2/3+1, prod.major 1/2+1, prod.minor
     * 1/3+1 of the three producers' active permissions, sorted by name */
    static const struct {
        const char *perm;
        uint32_t threshold;
    } want[] = {{"active", 3}, {"prod.major", 2}, {"prod.minor", 2}};
    for (int i = 0; i < 3; i++) {
        cps_arena pa = {0};
        cps_name parent;
        cps_authority auth;
        ASSERT_OK(cps_chain_controller_get_permission(c, cps_abi_name("eosio.prods"),
                                                      cps_abi_name(want[i].perm), &pa, &parent,
                                                      &auth, NULL));
        ASSERT_EQ(auth.threshold, want[i].threshold);
        ASSERT_EQ(auth.key_count, 0);
        ASSERT_EQ(auth.account_count, 3);
        for (uint32_t k = 0; k < 3; k++) {
            ASSERT_EQ(auth.accounts[k].permission.actor, cps_abi_name(abc[k]));
            ASSERT_EQ(auth.accounts[k].permission.permission, cps_abi_name("active"));
            ASSERT_EQ(auth.accounts[k].weight, 1);
        }
        cps_abi_arena_free(&pa);
    }

    /* three producers, 12 slots each: the rotation over 40 slots, each signed with its key */
    uint32_t start = active_slot + 1;
    for (uint32_t slot = start; slot < start + 40; slot++) {
        cps_name who;
        cps_public_key key;
        ASSERT_OK(cps_chain_controller_scheduled_producer(c, slot, &who, &key));
        int i = (int)((slot % 36) / 12);
        ASSERT_EQ(who, prods.name[i]);
        ASSERT_EQ(cps_public_key_compare(&key, &prods.pub[i]), 0);
        /* the wrong producer is refused; the right one with the wrong key too */
        ASSERT_EQ(cps_chain_controller_start_block(c, slot, prods.name[(i + 1) % 3]),
                  CPS_ERR_BLOCK);
        ASSERT_OK(cps_chain_controller_start_block(c, slot, who));
        ASSERT_EQ(cps_chain_controller_finalize_block(c, &prods.priv[(i + 2) % 3]), CPS_ERR_AUTH);
        ASSERT_OK(cps_chain_controller_finalize_block(c, &prods.priv[i]));
        ASSERT_OK(cps_chain_controller_commit_block(c, NULL));
    }
    /* the slot must be after the head */
    cps_name who;
    ASSERT_EQ(cps_chain_controller_scheduled_producer(c, cps_chain_controller_head_timestamp(c),
                                                      &who, NULL),
              CPS_ERR_INVALID_ARG);
    cps_buf_free(&raw);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(another_controller_validates_the_blocks_and_refuses_forged_ones)
{
    char *dir_a = ctl_tempdir(), *dir_b = ctl_tempdir();
    cps_chain_controller *a = NULL, *b = NULL;
    ASSERT_OK(ctl_open(dir_a, &a));
    ASSERT_OK(ctl_open(dir_b, &b));
    sched_prods prods;
    cps_buf blocks[160];
    memset(blocks, 0, sizeof blocks);
    size_t n = 0;
    ASSERT_OK(sched_setup_logged(a, &prods, blocks, &n));
    const char *abc[] = {"prod.a", "prod.b", "prod.c"};
    int64_t v = 0;
    ASSERT_OK(ctl_start(a));
    ASSERT_OK(sched_propose(a, &prods, abc, 3, 1, &v));
    ASSERT_OK(ctl_finish(a, &blocks[n++]));
    /* through promotion and two full rotations */
    uint32_t slot = cps_chain_controller_head_timestamp(a);
    while (n < 110) ASSERT_OK(sched_produce(a, &prods, ++slot, NULL, &blocks[n++]));
    for (size_t i = 0; i < n; i++) {
        int rc = cps_chain_controller_push_block(b, blocks[i].data, blocks[i].size);
        if (rc) fprintf(stderr, "    block %zu: %s\n", i, cps_last_error());
        ASSERT_OK(rc);
    }
    cps_checksum256 ia, ib;
    cps_chain_controller_head_id(a, &ia);
    cps_chain_controller_head_id(b, &ib);
    ASSERT_MEM_EQ(ia.b, ib.b, 32);
    uint8_t ha[32], hb[32];
    ASSERT_OK(cps_chain_controller_state_hash(a, ha));
    ASSERT_OK(cps_chain_controller_state_hash(b, hb));
    ASSERT_MEM_EQ(ha, hb, 32);
    ASSERT_EQ(cps_chain_controller_lib_num(a), cps_chain_controller_lib_num(b));

    /* the next block, forged: another key's signature, then another producer's name */
    ASSERT_OK(sched_produce(a, &prods, ++slot, NULL, &blocks[n]));
    cps_arena ar = {0};
    cps_signed_block blk;
    ASSERT_OK(cps_abi_signed_block_decode(blocks[n].data, blocks[n].size, &ar, &blk));
    int i = (int)((slot % 36) / 12);
    cps_signature good = blk.signed_header.producer_signature;
    uint8_t digest[32] = {1};
    ASSERT_OK(cps_sign(&prods.priv[(i + 1) % 3], digest, &blk.signed_header.producer_signature));
    cps_buf forged = {0};
    ASSERT_OK(cps_abi_signed_block_pack(&forged, &blk));
    ASSERT_EQ(cps_chain_controller_push_block(b, forged.data, forged.size), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "not signed by the scheduled producer's key");
    blk.signed_header.producer_signature = good;
    blk.signed_header.header.producer = prods.name[(i + 1) % 3];
    cps_buf_reset(&forged);
    ASSERT_OK(cps_abi_signed_block_pack(&forged, &blk));
    ASSERT_EQ(cps_chain_controller_push_block(b, forged.data, forged.size), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "is not scheduled for slot");
    /* a wrong schedule_version */
    blk.signed_header.header.producer = prods.name[i];
    blk.signed_header.header.schedule_version = 0;
    cps_buf_reset(&forged);
    ASSERT_OK(cps_abi_signed_block_pack(&forged, &blk));
    ASSERT_EQ(cps_chain_controller_push_block(b, forged.data, forged.size), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "schedule version");
    cps_buf_free(&forged);
    cps_abi_arena_free(&ar);
    /* the genuine block still applies */
    ASSERT_OK(cps_chain_controller_push_block(b, blocks[n].data, blocks[n].size));
    n++;

    for (size_t k = 0; k < n; k++) cps_buf_free(&blocks[k]);
    cps_chain_controller_close(a);
    cps_chain_controller_close(b);
    ctl_rm_rf(dir_a);
    ctl_rm_rf(dir_b);
    free(dir_a);
    free(dir_b);
}

TEST(snapshot_carries_the_schedules)
{
    char *dir = ctl_tempdir(), *dir2 = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    sched_prods prods;
    ASSERT_OK(sched_setup(c, &prods));
    const char *abc[] = {"prod.a", "prod.b", "prod.c"};
    int64_t v = 0;
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(sched_propose(c, &prods, abc, 3, 1, &v));
    ASSERT_OK(ctl_finish(c, NULL));
    /* up to the block where the schedule is pending */
    uint32_t slot = cps_chain_controller_head_timestamp(c);
    uint32_t pending_slot = (slot / 12 + 1) * 12;
    while (slot < pending_slot) ASSERT_OK(sched_produce(c, &prods, ++slot, NULL, NULL));
    char path[4200];
    snprintf(path, sizeof path, "%s/snap.bin", dir);
    ASSERT_OK(cps_chain_controller_write_snapshot(c, path));

    cps_chain_controller *d = NULL;
    cps_chain_controller_options o = {0};
    o.data_dir = dir2;
    o.state_map_size = UINT64_C(1) << 30;
    o.state_sync = CPS_STATE_SYNC_NONE;
    o.block_log_no_sync = true;
    o.snapshot = path;
    ASSERT_OK(cps_chain_controller_open(&o, &d));
    cps_chain_schedules s;
    ASSERT_OK(cps_chain_controller_get_schedules(d, &s));
    ASSERT_TRUE(s.has_pending);
    ASSERT_EQ(s.pending.version, 1);
    ASSERT_EQ(s.pending.producer_count, 3);
    cps_chain_schedules_free(&s);
    /* both continue the same way: the snapshot's chain makes the schedule active on time */
    cps_buf raw = {0};
    for (uint32_t k = 0; k < 14; k++) {
        ASSERT_OK(sched_produce(c, &prods, ++slot, NULL, &raw));
        ASSERT_OK(cps_chain_controller_push_block(d, raw.data, raw.size));
    }
    ASSERT_OK(cps_chain_controller_get_schedules(d, &s));
    ASSERT_EQ(s.active.version, 1);
    cps_chain_schedules_free(&s);
    uint8_t h1[32], h2[32];
    ASSERT_OK(cps_chain_controller_state_hash(c, h1));
    ASSERT_OK(cps_chain_controller_state_hash(d, h2));
    ASSERT_MEM_EQ(h1, h2, 32);
    cps_buf_free(&raw);
    cps_chain_controller_close(c);
    cps_chain_controller_close(d);
    ctl_rm_rf(dir);
    ctl_rm_rf(dir2);
    free(dir);
    free(dir2);
}

/* The extension payload of a QC on the head signed by every producer of `p` in the head's
 * schedules: the active one, and the pending one too unless active_only. */
static int qc_on_head(cps_chain_controller *c, const sched_prods *p, bool active_only,
                      cps_buf *out)
{
    cps_chain_schedules s;
    int rc = cps_chain_controller_get_schedules(c, &s);
    if (rc) return rc;
    cps_chain_qc qc;
    memset(&qc, 0, sizeof qc);
    cps_chain_controller_head_id(c, &qc.block_id);
    cps_signature sigs[2][CPS_CHAIN_MAX_PRODUCERS];
    for (int part = 0; part < 2 && !rc; part++) {
        if (part == 1 && (active_only || !s.has_pending)) break;
        const cps_chain_producer_schedule *ps = part ? &s.pending : &s.active;
        uint8_t *bits = part ? qc.pending.bitset : qc.bitset;
        uint32_t *len = part ? &qc.pending.bitset_len : &qc.bitset_len, n = 0;
        for (uint32_t i = 0; i < ps->producer_count && !rc; i++)
            for (int k = 0; k < 3; k++) {
                if (p->name[k] != ps->producers[i].name) continue;
                cps_chain_vote v = {.producer = p->name[k],
                                    .block_id = qc.block_id,
                                    .block_num = cps_chain_controller_head_num(c)};
                rc = cps_chain_vote_sign(cps_chain_controller_chain_id(c), &p->priv[k], &v);
                sigs[part][n++] = v.signature;
                bits[i / 8] |= (uint8_t)(1u << (i % 8));
                *len = i / 8 + 1;
            }
        if (part) {
            qc.has_pending = true;
            qc.pending.schedule_version = ps->version;
            qc.pending.signatures = sigs[1];
            qc.pending.signature_count = n;
        } else {
            qc.schedule_version = ps->version;
            qc.signatures = sigs[0];
            qc.signature_count = n;
        }
    }
    if (!rc) rc = cps_chain_qc_encode(out, &qc);
    cps_chain_schedules_free(&s);
    return rc;
}

/* The scheduled producer's block at `slot`, carrying a QC on the head when with_qc (joint while
 * a schedule is pending), proposing `names` when count > 0. */
static int produce_with(cps_chain_controller *c, const sched_prods *p, uint32_t slot,
                        bool with_qc, const char **names, size_t count, cps_buf *raw)
{
    cps_name who;
    int rc = cps_chain_controller_scheduled_producer(c, slot, &who, NULL);
    if (rc) return rc;
    cps_private_key key = sched_key_of(p, who);
    cps_buf qc = {0};
    int64_t v = 0;
    /* the QC is on the head, under the head's schedules (before the block may promote one) */
    if (with_qc) rc = qc_on_head(c, p, false, &qc);
    if (!rc) rc = cps_chain_controller_start_block(c, slot, who);
    if (!rc && with_qc) rc = cps_chain_controller_set_qc_extension(c, qc.data, qc.size);
    if (!rc && count) rc = sched_propose(c, p, names, count, slot % 600, &v);
    if (!rc) rc = cps_chain_controller_finalize_block(c, &key);
    if (!rc) rc = cps_chain_controller_commit_block(c, raw);
    if (rc) {
        fprintf(stderr, "    produce slot %u: %s\n", slot, cps_last_error());
        cps_chain_controller_abort_block(c, NULL, NULL);
    }
    cps_buf_free(&qc);
    return rc;
}

/* Safety across schedule changes (docs/finality.md "Schedule changes"): among several
 * producers a proposal becomes pending, and a pending schedule active, only at a round start
 * after the chain itself proves final (by the QCs its headers claim) the block that proposed,
 * resp. announced it; meanwhile QCs are joint. */
TEST(schedule_changes_wait_for_the_chains_own_finality)
{
    char *dir = ctl_tempdir(), *dir2 = ctl_tempdir();
    cps_chain_controller *c = NULL, *b = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    ASSERT_OK(ctl_open(dir2, &b));
    sched_prods prods;
    cps_buf blocks[400];
    memset(blocks, 0, sizeof blocks);
    size_t n = 0;
    ASSERT_OK(sched_setup_logged(c, &prods, blocks, &n));
    uint32_t slot = cps_chain_controller_head_timestamp(c);
    const char *abc[] = {"prod.a", "prod.b", "prod.c"};
    ASSERT_OK(produce_with(c, &prods, ++slot, false, abc, 3, &blocks[n++]));
    /* eosio alone: each block final at commit, so the usual two round starts */
    cps_chain_schedules s;
    while (n < 60) {
        ASSERT_OK(produce_with(c, &prods, ++slot, false, NULL, 0, &blocks[n++]));
        ASSERT_OK(cps_chain_controller_get_schedules(c, &s));
        bool active = s.active.version == 1;
        cps_chain_schedules_free(&s);
        if (active) break;
    }
    ASSERT_TRUE(slot % 12 == 0 && n < 60);
    /* three producers propose two of them; two rounds without QCs: nothing moves */
    const char *bc[] = {"prod.b", "prod.c"};
    ASSERT_OK(produce_with(c, &prods, ++slot, false, bc, 2, &blocks[n++]));
    uint32_t proposed_in = cps_chain_controller_head_num(c);
    for (int k = 0; k < 72; k++)
        ASSERT_OK(produce_with(c, &prods, ++slot, false, NULL, 0, &blocks[n++]));
    ASSERT_OK(cps_chain_controller_get_schedules(c, &s));
    ASSERT_TRUE(s.has_proposed && !s.has_pending && s.active.version == 1);
    ASSERT_EQ(s.proposed_block_num, proposed_in);
    cps_chain_schedules_free(&s);
    /* with a QC claimed in every block, the proposal is final two blocks later and pending at
     * the next round start */
    uint32_t pending_slot = 0, active_slot = 0;
    for (int k = 0; k < 200 && !active_slot; k++) {
        ASSERT_TRUE(n < 400);
        ++slot;
        if (pending_slot && !active_slot) {
            /* a QC of the active schedule alone is refused while a schedule is pending */
            cps_name who;
            ASSERT_OK(cps_chain_controller_scheduled_producer(c, slot, &who, NULL));
            cps_buf half = {0};
            ASSERT_OK(qc_on_head(c, &prods, true, &half));
            ASSERT_OK(cps_chain_controller_start_block(c, slot, who));
            ASSERT_EQ(cps_chain_controller_set_qc_extension(c, half.data, half.size),
                      CPS_ERR_BLOCK);
            ASSERT_CONTAINS(cps_last_error(), "lacks the part of pending schedule 2");
            cps_buf_free(&half);
            cps_chain_controller_abort_block(c, NULL, NULL);
        }
        ASSERT_OK(produce_with(c, &prods, slot, true, NULL, 0, &blocks[n]));
        cps_arena a = {0};
        cps_signed_block blk;
        ASSERT_OK(cps_abi_signed_block_decode(blocks[n].data, blocks[n].size, &a, &blk));
        const cps_block_header *h = &blk.signed_header.header;
        /* the header claims the carried QC: extension 0xC351 = the parent's number */
        ASSERT_EQ(h->header_extension_count, 1);
        ASSERT_EQ(h->header_extensions[0].type, CPS_CHAIN_QC_CLAIM_EXTENSION_ID);
        ASSERT_EQ(cps_load_u32(h->header_extensions[0].data.data),
                  cps_chain_controller_head_num(c) - 1);
        if (h->has_new_producers) pending_slot = slot;
        if (h->schedule_version == 2) active_slot = slot;
        cps_abi_arena_free(&a);
        n++;
    }
    ASSERT_TRUE(pending_slot && active_slot);
    ASSERT_EQ(pending_slot % 36, 0);
    ASSERT_EQ(active_slot, pending_slot + 36); /* the pending block is final within the round */
    ASSERT_OK(cps_chain_controller_get_schedules(c, &s));
    ASSERT_TRUE(!s.has_pending && !s.has_proposed && s.active.producer_count == 2);
    cps_chain_schedules_free(&s);
    for (int k = 0; k < 10; k++)
        ASSERT_OK(produce_with(c, &prods, ++slot, true, NULL, 0, &blocks[n++]));

    /* a validator applies the same blocks to the same state; a block whose QC extension was
     * stripped (its header still claims one) is refused and changes nothing */
    for (size_t i = 0; i < n; i++) {
        cps_arena a = {0};
        cps_signed_block blk;
        ASSERT_OK(cps_abi_signed_block_decode(blocks[i].data, blocks[i].size, &a, &blk));
        if (blk.block_extension_count == 1 && i % 25 == 0) {
            blk.block_extension_count = 0;
            cps_buf stripped = {0};
            ASSERT_OK(cps_abi_signed_block_pack(&stripped, &blk));
            ASSERT_EQ(cps_chain_controller_push_block(b, stripped.data, stripped.size),
                      CPS_ERR_BLOCK);
            ASSERT_CONTAINS(cps_last_error(), "QC claim and its QC extension disagree");
            ASSERT_EQ(cps_chain_controller_head_num(b), cps_chain_controller_head_num(c) -
                                                            (uint32_t)(n - i));
            cps_buf_free(&stripped);
        }
        cps_abi_arena_free(&a);
        int rc = cps_chain_controller_push_block(b, blocks[i].data, blocks[i].size);
        if (rc) fprintf(stderr, "    block %zu: %s\n", i, cps_last_error());
        ASSERT_OK(rc);
    }
    uint8_t ha[32], hb[32];
    ASSERT_OK(cps_chain_controller_state_hash(c, ha));
    ASSERT_OK(cps_chain_controller_state_hash(b, hb));
    ASSERT_MEM_EQ(ha, hb, 32);
    for (size_t k = 0; k < n; k++) cps_buf_free(&blocks[k]);
    cps_chain_controller_close(c);
    cps_chain_controller_close(b);
    ctl_rm_rf(dir);
    ctl_rm_rf(dir2);
    free(dir);
    free(dir2);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    return test_main(argc, argv);
}
