/* Tests of the fork database: adding and refusing blocks, the deterministic fork choice whatever
 * the arrival order, branches for a switch, pruning at root advance, bounds, and rebuilding from
 * raw reversible blocks. */
#include "test.h"
#include "fork_helpers.h"

static cps_name P(uint32_t i)
{
    return fh_producer_name(i);
}

TEST(add_lookup_children_and_refusals)
{
    cps_chain_block_facts root = fh_root(100, 1000);
    cps_chain_fork_db *db;
    ASSERT_OK(cps_chain_fork_db_open(&root, NULL, &db));
    cps_chain_block_facts a = fh_child(&root, 1001, P(0), 0);
    cps_chain_block_facts b = fh_child(&root, 1002, P(1), 0);
    cps_chain_block_facts a2 = fh_child(&a, 1003, P(2), 0);
    const cps_chain_fork_entry *e;
    ASSERT_OK(cps_chain_fork_db_add(db, &a, (const uint8_t *)"abc", 3, &e));
    ASSERT_EQ(e->facts.block_num, 101);
    ASSERT_EQ(e->block_size, 3);
    ASSERT_MEM_EQ(e->block, "abc", 3);
    ASSERT_OK(cps_chain_fork_db_add(db, &b, NULL, 0, NULL));
    ASSERT_OK(cps_chain_fork_db_add(db, &a2, NULL, 0, NULL));
    ASSERT_EQ(cps_chain_fork_db_size(db), 4);
    ASSERT(cps_chain_fork_db_get(db, &a2.id) != NULL);
    ASSERT(cps_chain_fork_db_get(db, &root.id) == cps_chain_fork_db_root(db));

    const cps_chain_fork_entry *kids[4];
    ASSERT_EQ(cps_chain_fork_db_children(db, &root.id, kids, 4), 2);
    ASSERT(memcmp(kids[0]->facts.id.b, kids[1]->facts.id.b, 32) < 0);
    ASSERT_EQ(cps_chain_fork_db_at_num(db, 101, kids, 4), 2);
    ASSERT_EQ(cps_chain_fork_db_at_slot(db, 1003, kids, 4), 1);
    ASSERT(cps_chain_fork_db_extends(db, &a2.id, &root.id));
    ASSERT(cps_chain_fork_db_extends(db, &a2.id, &a.id));
    ASSERT(!cps_chain_fork_db_extends(db, &a2.id, &b.id));

    /* refusals, each leaving the db as it was */
    ASSERT_EQ(cps_chain_fork_db_add(db, &a, NULL, 0, NULL), CPS_ERR_EXISTS);
    ASSERT_EQ(cps_chain_fork_db_add(db, &root, NULL, 0, NULL), CPS_ERR_EXISTS);
    cps_chain_block_facts old = fh_root(99, 999);
    cps_chain_block_facts stale = fh_child(&old, 1000, P(0), 0); /* num 100 == root */
    ASSERT_EQ(cps_chain_fork_db_add(db, &stale, NULL, 0, NULL), CPS_ERR_STATE);
    cps_chain_block_facts orphan_parent = fh_child(&b, 1010, P(3), 7);
    cps_chain_block_facts orphan = fh_child(&orphan_parent, 1011, P(3), 7);
    ASSERT_EQ(cps_chain_fork_db_add(db, &orphan, NULL, 0, NULL), CPS_ERR_NOT_FOUND);
    ASSERT_CONTAINS(cps_last_error(), "does not link");
    cps_chain_block_facts early = fh_child(&a, 1001, P(2), 1); /* same slot as its parent */
    ASSERT_EQ(cps_chain_fork_db_add(db, &early, NULL, 0, NULL), CPS_ERR_BLOCK);
    cps_chain_block_facts badnum = fh_child(&a, 1005, P(2), 2);
    badnum.block_num = 103;
    ASSERT_EQ(cps_chain_fork_db_add(db, &badnum, NULL, 0, NULL), CPS_ERR_BLOCK);
    ASSERT_EQ(cps_chain_fork_db_size(db), 4);
    cps_chain_fork_db_close(db);
}

TEST(best_head_prefers_certified_branch_then_length_then_lower_id)
{
    cps_chain_block_facts root = fh_root(10, 100);
    cps_chain_fork_db *db;
    ASSERT_OK(cps_chain_fork_db_open(&root, NULL, &db));
    /* branch A: 3 blocks; branch B: 2 blocks */
    cps_chain_block_facts a1 = fh_child(&root, 101, P(0), 0), a2 = fh_child(&a1, 102, P(0), 0),
                          a3 = fh_child(&a2, 103, P(0), 0);
    cps_chain_block_facts b1 = fh_child(&root, 104, P(1), 0), b2 = fh_child(&b1, 105, P(1), 0);
    ASSERT_OK(cps_chain_fork_db_add(db, &a1, NULL, 0, NULL));
    ASSERT_OK(cps_chain_fork_db_add(db, &a2, NULL, 0, NULL));
    ASSERT_OK(cps_chain_fork_db_add(db, &a3, NULL, 0, NULL));
    ASSERT_OK(cps_chain_fork_db_add(db, &b1, NULL, 0, NULL));
    ASSERT_OK(cps_chain_fork_db_add(db, &b2, NULL, 0, NULL));
    /* no QC anywhere: the longer branch */
    ASSERT_MEM_EQ(cps_chain_fork_db_best_head(db)->facts.id.b, a3.id.b, 32);
    /* a QC on a2 (slot 102) lifts branch A ... */
    ASSERT_OK(cps_chain_fork_db_mark_qc(db, &a2.id));
    ASSERT_MEM_EQ(cps_chain_fork_db_best_head(db)->facts.id.b, a3.id.b, 32);
    ASSERT_EQ(cps_chain_fork_db_get(db, &a3.id)->best_qc_slot, 102);
    /* ... but a newer QC on b1 (slot 104) beats the longer branch */
    ASSERT_OK(cps_chain_fork_db_mark_qc(db, &b1.id));
    ASSERT_MEM_EQ(cps_chain_fork_db_best_head(db)->facts.id.b, b2.id.b, 32);
    /* equal QC slot and length: the lower id */
    cps_chain_block_facts c1 = fh_child(&b1, 106, P(2), 1);
    ASSERT_OK(cps_chain_fork_db_add(db, &c1, NULL, 0, NULL));
    const cps_chain_fork_entry *best = cps_chain_fork_db_best_head(db);
    const cps_chain_block_facts *lower = memcmp(b2.id.b, c1.id.b, 32) < 0 ? &b2 : &c1;
    ASSERT_MEM_EQ(best->facts.id.b, lower->id.b, 32);
    cps_chain_fork_db_close(db);
}

/* A tree of forks and QC marks, delivered in many orders: the best head is the same. */
TEST(best_head_same_for_every_arrival_order)
{
    cps_chain_block_facts root = fh_root(1, 10);
    enum { N = 18 };
    cps_chain_block_facts blocks[N];
    uint32_t slot = 11;
    /* main chain of 8, a fork of 5 from block 2, a fork of 4 from block 5 */
    blocks[0] = fh_child(&root, slot++, P(0), 0);
    for (int i = 1; i < 8; i++)
        blocks[i] = fh_child(&blocks[i - 1], slot++, P((uint32_t)i), 0);
    blocks[8] = fh_child(&blocks[2], slot++, P(5), 1);
    for (int i = 9; i < 13; i++)
        blocks[i] = fh_child(&blocks[i - 1], slot++, P(5), 1);
    blocks[13] = fh_child(&blocks[5], slot++, P(6), 2);
    for (int i = 14; i < N; i++)
        blocks[i] = fh_child(&blocks[i - 1], slot++, P(6), 2);
    const int qc_marks[] = {3, 9, 14};

    cps_checksum256 expected = {{0}};
    uint32_t seed = 12345;
    for (int round = 0; round < 40; round++) {
        int order[N];
        for (int i = 0; i < N; i++)
            order[i] = i;
        if (round == 1)
            for (int i = 0; i < N; i++)
                order[i] = N - 1 - i;
        else if (round > 1)
            for (int i = N - 1; i > 0; i--) {
                seed = seed * 1103515245u + 12345u;
                int j = (int)((seed >> 8) % (uint32_t)(i + 1));
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        cps_chain_fork_db *db;
        ASSERT_OK(cps_chain_fork_db_open(&root, NULL, &db));
        /* deliver; blocks that do not link yet wait and are retried (as a node fetches parents) */
        bool added[N] = {0};
        int left = N;
        while (left) {
            int progress = 0;
            for (int k = 0; k < N; k++) {
                int i = order[k];
                if (added[i]) continue;
                int rc = cps_chain_fork_db_add(db, &blocks[i], NULL, 0, NULL);
                if (rc == CPS_ERR_NOT_FOUND) continue;
                ASSERT_OK(rc);
                added[i] = true;
                left--;
                progress++;
                /* a QC becomes known as soon as its block is there, in this order */
                for (size_t q = 0; q < CPS_ARRAY_LEN(qc_marks); q++)
                    if (qc_marks[q] == i) ASSERT_OK(cps_chain_fork_db_mark_qc(db, &blocks[i].id));
            }
            ASSERT(progress > 0);
        }
        const cps_chain_fork_entry *best = cps_chain_fork_db_best_head(db);
        if (round == 0) expected = best->facts.id;
        ASSERT_MEM_EQ(best->facts.id.b, expected.b, 32);
        cps_chain_fork_db_close(db);
    }
    /* the rule picks the fork whose newest QC is newest: block 14 (slot 25) on the third branch */
    ASSERT_MEM_EQ(expected.b, blocks[N - 1].id.b, 32);
}

TEST(branches_give_fork_point_and_paths)
{
    cps_chain_block_facts root = fh_root(50, 500);
    cps_chain_fork_db *db;
    ASSERT_OK(cps_chain_fork_db_open(&root, NULL, &db));
    cps_chain_block_facts m1 = fh_child(&root, 501, P(0), 0), m2 = fh_child(&m1, 502, P(0), 0);
    cps_chain_block_facts a3 = fh_child(&m2, 503, P(1), 0), a4 = fh_child(&a3, 504, P(1), 0),
                          a5 = fh_child(&a4, 505, P(1), 0);
    cps_chain_block_facts b3 = fh_child(&m2, 506, P(2), 0), b4 = fh_child(&b3, 507, P(2), 0);
    const cps_chain_block_facts *all[] = {&m1, &m2, &a3, &a4, &a5, &b3, &b4};
    for (size_t i = 0; i < CPS_ARRAY_LEN(all); i++)
        ASSERT_OK(cps_chain_fork_db_add(db, all[i], NULL, 0, NULL));
    cps_chain_fork_branches br;
    ASSERT_OK(cps_chain_fork_db_branches(db, &a5.id, &b4.id, &br));
    ASSERT_MEM_EQ(br.fork_point.b, m2.id.b, 32);
    ASSERT_EQ(br.fork_point_num, 52);
    ASSERT_EQ(br.a_count, 3);
    ASSERT_MEM_EQ(br.a_path[0].b, a5.id.b, 32);
    ASSERT_MEM_EQ(br.a_path[2].b, a3.id.b, 32);
    ASSERT_EQ(br.b_count, 2);
    ASSERT_MEM_EQ(br.b_path[0].b, b4.id.b, 32);
    ASSERT_MEM_EQ(br.b_path[1].b, b3.id.b, 32);
    cps_chain_fork_branches_free(&br);
    /* a head and its own ancestor: nothing to pop */
    ASSERT_OK(cps_chain_fork_db_branches(db, &m1.id, &a4.id, &br));
    ASSERT_MEM_EQ(br.fork_point.b, m1.id.b, 32);
    ASSERT_EQ(br.a_count, 0);
    ASSERT_EQ(br.b_count, 3);
    cps_chain_fork_branches_free(&br);
    cps_chain_block_facts stranger = fh_root(60, 600);
    ASSERT_EQ(cps_chain_fork_db_branches(db, &stranger.id, &a4.id, &br), CPS_ERR_NOT_FOUND);
    cps_chain_fork_db_close(db);
}

static int released;
static void count_release(void *ctx, void *user)
{
    (void)ctx;
    released++;
    free(user);
}

TEST(advance_root_prunes_what_does_not_descend)
{
    cps_chain_block_facts root = fh_root(50, 500);
    cps_chain_fork_db_options opt = {.release_user = count_release};
    cps_chain_fork_db *db;
    ASSERT_OK(cps_chain_fork_db_open(&root, &opt, &db));
    cps_chain_block_facts m1 = fh_child(&root, 501, P(0), 0), m2 = fh_child(&m1, 502, P(0), 0),
                          m3 = fh_child(&m2, 503, P(0), 0);
    cps_chain_block_facts x1 = fh_child(&root, 504, P(1), 0); /* conflicts with m1 */
    cps_chain_block_facts y3 = fh_child(&m2, 505, P(2), 0);   /* sibling of m3, descends from m2 */
    cps_chain_block_facts z2 = fh_child(&m1, 506, P(3), 0);   /* sibling of m2 */
    const cps_chain_block_facts *all[] = {&m1, &m2, &m3, &x1, &y3, &z2};
    for (size_t i = 0; i < CPS_ARRAY_LEN(all); i++) {
        ASSERT_OK(cps_chain_fork_db_add(db, all[i], NULL, 0, NULL));
        ASSERT_OK(cps_chain_fork_db_set_user(db, &all[i]->id, malloc(4)));
    }
    released = 0;
    cps_checksum256 *final_ids;
    size_t n;
    ASSERT_OK(cps_chain_fork_db_advance_root(db, &m2.id, &final_ids, &n));
    ASSERT_EQ(n, 2);
    ASSERT_MEM_EQ(final_ids[0].b, m1.id.b, 32);
    ASSERT_MEM_EQ(final_ids[1].b, m2.id.b, 32);
    free(final_ids);
    /* old root, m1, x1, z2 gone (3 with user data); m2 (root), m3, y3 stay */
    ASSERT_EQ(released, 3);
    ASSERT_EQ(cps_chain_fork_db_size(db), 3);
    ASSERT_MEM_EQ(cps_chain_fork_db_root(db)->facts.id.b, m2.id.b, 32);
    ASSERT(cps_chain_fork_db_get(db, &x1.id) == NULL);
    ASSERT(cps_chain_fork_db_get(db, &m1.id) == NULL);
    ASSERT(cps_chain_fork_db_get(db, &y3.id) != NULL);
    ASSERT(cps_chain_fork_db_extends(db, &m3.id, &m2.id));
    /* below the new root: stale */
    cps_chain_block_facts late = fh_child(&m1, 507, P(4), 0);
    ASSERT_EQ(cps_chain_fork_db_add(db, &late, NULL, 0, NULL), CPS_ERR_STATE);
    /* a child of the new root still adds; the index survived the rebuild */
    cps_chain_block_facts m4 = fh_child(&m3, 508, P(0), 0);
    ASSERT_OK(cps_chain_fork_db_add(db, &m4, NULL, 0, NULL));
    ASSERT_MEM_EQ(cps_chain_fork_db_best_head(db)->facts.id.b, m4.id.b, 32);
    /* advancing to the root again changes nothing */
    ASSERT_OK(cps_chain_fork_db_advance_root(db, &m2.id, NULL, NULL));
    ASSERT_EQ(cps_chain_fork_db_size(db), 4);
    /* removing a failed block takes its descendants */
    ASSERT_OK(cps_chain_fork_db_remove(db, &m3.id));
    ASSERT_EQ(cps_chain_fork_db_size(db), 2);
    ASSERT_MEM_EQ(cps_chain_fork_db_best_head(db)->facts.id.b, y3.id.b, 32);
    ASSERT_EQ(cps_chain_fork_db_remove(db, &m2.id), CPS_ERR_INVALID_ARG);
    released = 0;
    cps_chain_fork_db_close(db);
    ASSERT_EQ(released, 2); /* the data of m2 (the root) and y3 */
}

TEST(bounds_refuse_rather_than_grow)
{
    cps_chain_block_facts root = fh_root(1, 1);
    cps_chain_fork_db_options opt = {.max_entries = 100, .max_depth = 10};
    cps_chain_fork_db *db;
    ASSERT_OK(cps_chain_fork_db_open(&root, &opt, &db));
    cps_chain_block_facts prev = root;
    for (uint32_t i = 0; i < 10; i++) {
        cps_chain_block_facts b = fh_child(&prev, prev.timestamp + 1, P(0), 0);
        ASSERT_OK(cps_chain_fork_db_add(db, &b, NULL, 0, NULL));
        prev = b;
    }
    cps_chain_block_facts deep = fh_child(&prev, prev.timestamp + 1, P(0), 0);
    ASSERT_EQ(cps_chain_fork_db_add(db, &deep, NULL, 0, NULL), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "beyond the last irreversible block");
    /* many forks of depth 1: stops at max_entries */
    int rc = 0;
    uint32_t added = 0;
    for (uint32_t salt = 0; salt < 200 && !rc; salt++) {
        cps_chain_block_facts b = fh_child(&root, 1000 + salt, P(1), salt);
        rc = cps_chain_fork_db_add(db, &b, NULL, 0, NULL);
        if (!rc) added++;
    }
    ASSERT_EQ(rc, CPS_ERR_LIMIT);
    ASSERT_EQ(cps_chain_fork_db_size(db), 100);
    ASSERT_EQ(added, 100 - 11);
    cps_chain_fork_db_close(db);
    opt.max_entries = CPS_CHAIN_FORK_DB_MAX_ENTRIES_LIMIT + 1;
    ASSERT_EQ(cps_chain_fork_db_open(&root, &opt, &db), CPS_ERR_INVALID_ARG);
}

TEST(rebuild_from_raw_reversible_blocks_in_any_order)
{
    cps_private_key key;
    cps_public_key pub;
    ASSERT_OK(fh_producer_key(0, &key, &pub));
    cps_chain_block_facts root = fh_root(7, 70);
    enum { N = 6 };
    cps_buf raw[N + 1];
    memset(raw, 0, sizeof raw);
    cps_checksum256 ids[N + 1];
    cps_checksum256 prev = root.id;
    for (int i = 0; i < N; i++) {
        ASSERT_OK(fh_raw_block(&prev, 71 + (uint32_t)i, P(0), 1, NULL, &key, &raw[i], &ids[i], NULL,
                               NULL));
        prev = ids[i];
    }
    /* one stale block (a child of an unknown block 7) */
    cps_chain_block_facts other = fh_root(6, 60);
    ASSERT_OK(fh_raw_block(&other.id, 65, P(0), 1, NULL, &key, &raw[N], &ids[N], NULL, NULL));
    cps_bytes shuffled[N + 1];
    const int order[N + 1] = {4, 6, 0, 5, 2, 1, 3};
    for (int i = 0; i <= N; i++)
        shuffled[i] = (cps_bytes){raw[order[i]].data, raw[order[i]].size};
    cps_chain_fork_db *db;
    ASSERT_OK(cps_chain_fork_db_open(&root, NULL, &db));
    size_t skipped;
    ASSERT_OK(cps_chain_fork_db_rebuild(db, shuffled, N + 1, &skipped));
    ASSERT_EQ(skipped, 1);
    ASSERT_EQ(cps_chain_fork_db_size(db), N + 1);
    const cps_chain_fork_entry *head = cps_chain_fork_db_best_head(db);
    ASSERT_MEM_EQ(head->facts.id.b, ids[N - 1].b, 32);
    ASSERT_EQ(head->facts.block_num, 7 + N);
    ASSERT_EQ(head->block_size, raw[N - 1].size);
    ASSERT_MEM_EQ(head->block, raw[N - 1].data, raw[N - 1].size);
    cps_chain_fork_db_close(db);

    /* a malformed block fails the rebuild with abi's error */
    ASSERT_OK(cps_chain_fork_db_open(&root, NULL, &db));
    cps_bytes bad[2] = {{raw[0].data, raw[0].size}, {raw[1].data, raw[1].size - 3}};
    ASSERT(cps_chain_fork_db_rebuild(db, bad, 2, NULL) < 0);
    ASSERT_CONTAINS(cps_last_error(), "reversible block 1");
    ASSERT(cps_chain_fork_db_add_block(db, raw[0].data, 10, NULL) < 0);
    cps_chain_fork_db_close(db);
    for (int i = 0; i <= N; i++)
        cps_buf_free(&raw[i]);
}

/* The pending schedule version of each entry, derived from its parent when it is added: an
 * announcement sets it, the activation of the pending schedule clears it, otherwise it is the
 * parent's; cps_chain_block_facts_parent_pending steps back from child to parent. */
TEST(pending_schedule_version_follows_announcements_and_activation)
{
    cps_chain_block_facts root = fh_root(200, 2000);
    cps_chain_fork_db *db;
    ASSERT_OK(cps_chain_fork_db_open(&root, NULL, &db));
    cps_chain_block_facts a = fh_child(&root, 2001, P(0), 0);
    a.pending_version = 9; /* the caller's value is not trusted: the db derives it */
    cps_chain_block_facts b = fh_child(&a, 2002, P(1), 0);
    b.announced_version = 2;
    cps_chain_block_facts c = fh_child(&b, 2003, P(2), 0);
    cps_chain_block_facts d = fh_child(&c, 2004, P(3), 0);
    d.schedule_version = 2; /* activates the pending schedule */
    cps_chain_block_facts e = fh_child(&d, 2005, P(0), 0);
    e.announced_version = 3;
    cps_chain_block_facts f = fh_child(&c, 2006, P(1), 1); /* activation and announcement at once */
    f.schedule_version = 2;
    f.announced_version = 3;
    const cps_chain_block_facts *all[] = {&a, &b, &c, &d, &e, &f};
    const uint32_t want[] = {0, 2, 2, 0, 3, 3};
    for (size_t i = 0; i < CPS_ARRAY_LEN(all); i++)
        ASSERT_OK(cps_chain_fork_db_add(db, all[i], NULL, 0, NULL));
    const cps_chain_fork_entry *got[CPS_ARRAY_LEN(all)];
    for (size_t i = 0; i < CPS_ARRAY_LEN(all); i++) {
        got[i] = cps_chain_fork_db_get(db, &all[i]->id);
        ASSERT(got[i] != NULL);
        ASSERT_MSG(got[i]->facts.pending_version == want[i], "block %zu: pending %u, expected %u",
                   i, got[i]->facts.pending_version, want[i]);
        /* the derivation is the public one */
        const cps_chain_fork_entry *parent = cps_chain_fork_db_get(db, &all[i]->previous);
        ASSERT(parent != NULL);
        ASSERT_EQ(cps_chain_block_facts_pending(&parent->facts, &got[i]->facts), want[i]);
    }
    const cps_chain_fork_entry *ra = got[0], *rb = got[1], *rc = got[2], *rd = got[3],
                               *re = got[4], *rf = got[5];
    ASSERT_EQ(cps_chain_fork_db_root(db)->facts.pending_version, 0);
    /* the other facts are kept as given */
    ASSERT_EQ(rb->facts.announced_version, 2);
    ASSERT_EQ(rd->facts.schedule_version, 2);
    ASSERT_EQ(rf->facts.announced_version, 3);

    /* the reverse step, from each child back to its parent: D->C->B->A->root, E->D, F->C */
    ASSERT_EQ(cps_chain_block_facts_parent_pending(&rc->facts, &rd->facts, rd->facts.pending_version),
              rc->facts.pending_version);
    ASSERT_EQ(rc->facts.pending_version, 2);
    ASSERT_EQ(cps_chain_block_facts_parent_pending(&rb->facts, &rc->facts, rc->facts.pending_version),
              rb->facts.pending_version);
    ASSERT_EQ(cps_chain_block_facts_parent_pending(&ra->facts, &rb->facts, rb->facts.pending_version),
              ra->facts.pending_version);
    ASSERT_EQ(ra->facts.pending_version, 0);
    ASSERT_EQ(cps_chain_block_facts_parent_pending(&cps_chain_fork_db_root(db)->facts, &ra->facts,
                                                   ra->facts.pending_version),
              0);
    ASSERT_EQ(cps_chain_block_facts_parent_pending(&rd->facts, &re->facts, re->facts.pending_version),
              rd->facts.pending_version);
    ASSERT_EQ(cps_chain_block_facts_parent_pending(&rc->facts, &rf->facts, rf->facts.pending_version),
              rc->facts.pending_version);
    /* ... and the walk from D down to the root gives every entry's stored pending version */
    const cps_chain_fork_entry *cur = rd;
    uint32_t pending = rd->facts.pending_version;
    int steps = 0;
    while (cur != cps_chain_fork_db_root(db)) {
        const cps_chain_fork_entry *parent = cps_chain_fork_db_get(db, &cur->facts.previous);
        ASSERT(parent != NULL);
        pending = cps_chain_block_facts_parent_pending(&parent->facts, &cur->facts, pending);
        ASSERT_EQ(pending, parent->facts.pending_version);
        cur = parent;
        steps++;
    }
    ASSERT_EQ(steps, 4);
    cps_chain_fork_db_close(db);

    /* a root with a pending schedule hands it to a plain child, and on until an activation */
    cps_chain_block_facts root5 = fh_root(300, 3000);
    root5.pending_version = 5;
    ASSERT_OK(cps_chain_fork_db_open(&root5, NULL, &db));
    ASSERT_EQ(cps_chain_fork_db_root(db)->facts.pending_version, 5);
    cps_chain_block_facts k1 = fh_child(&root5, 3001, P(0), 0);
    cps_chain_block_facts k2 = fh_child(&k1, 3002, P(1), 0);
    k2.schedule_version = 5;
    ASSERT_OK(cps_chain_fork_db_add(db, &k1, NULL, 0, NULL));
    ASSERT_OK(cps_chain_fork_db_add(db, &k2, NULL, 0, NULL));
    ASSERT_EQ(cps_chain_fork_db_get(db, &k1.id)->facts.pending_version, 5);
    ASSERT_EQ(cps_chain_fork_db_get(db, &k2.id)->facts.pending_version, 0);
    cps_chain_fork_db_close(db);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
