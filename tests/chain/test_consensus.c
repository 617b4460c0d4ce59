/* Consensus (src/chain/consensus.c) in process: four controllers, each with its fork db, tracker
 * and voter, exchange blocks and votes through a simulated network. Finality advances with four
 * producers, a missing producer's slots are skipped while LIB still moves (3 of 4), an isolated
 * producer's branch is undone when the partition heals (its transactions handed back), blocks
 * carry and validators check the QC extension, a one-producer chain is unchanged, and a schedule
 * change keeps finality through joint QCs (and waits for a pending schedule's voters). */
#include "ctl_helpers.h"
#include "sched_helpers.h"
#include "chain/consensus.h"

#define NP 4

typedef struct msg {
    bool is_vote;
    int from;
    cps_buf raw;
    cps_chain_vote vote;
} msg;

typedef struct world world;
typedef struct peer_ctx {
    world *w;
    int i;
} peer_ctx;

struct world {
    char *dir[NP];
    cps_chain_controller *c[NP];
    cps_chain_consensus *cs[NP];
    peer_ctx ctx[NP];
    cps_name name[NP];
    cps_private_key key[NP];
    bool isolated[NP]; /* sends and receives nothing */
    bool down[NP];     /* stopped: produces nothing either */
    msg *q;
    size_t qn, qcap;
    size_t unapplied[NP];
    uint32_t popped[NP];
    uint32_t finals[NP];
    size_t logn[NP];  /* blocks each node produced */
    cps_buf *all;     /* every block produced, in order (for a heal) */
    int *all_from;
    size_t alln;
    uint32_t slot;
};

static int push_msg(world *w, msg m)
{
    if (w->qn == w->qcap) {
        size_t cap = w->qcap ? w->qcap * 2 : 64;
        msg *q = realloc(w->q, cap * sizeof *q);
        if (!q) return CPS_ERR_NOMEM;
        w->q = q;
        w->qcap = cap;
    }
    w->q[w->qn++] = m;
    return 0;
}

static void cb_vote(void *ctx, const cps_chain_vote *v)
{
    peer_ctx *p = ctx;
    if (p->w->isolated[p->i]) return;
    msg m = {.is_vote = true, .from = p->i, .vote = *v};
    if (push_msg(p->w, m)) abort();
}
static void cb_popped(void *ctx, uint32_t num)
{
    peer_ctx *p = ctx;
    (void)num;
    p->w->popped[p->i]++;
}
static void cb_unapplied(void *ctx, const uint8_t *packed, size_t n)
{
    peer_ctx *p = ctx;
    (void)packed;
    (void)n;
    p->w->unapplied[p->i]++;
}
static void cb_final(void *ctx, uint32_t num, const cps_checksum256 *id)
{
    peer_ctx *p = ctx;
    (void)id;
    p->w->finals[p->i] = num;
}

/* Delivers every queued message to every other node that listens, until none is left. */
static int deliver(world *w)
{
    for (size_t k = 0; k < w->qn; k++) {
        msg m = w->q[k]; /* the queue may grow (and move) while delivering */
        for (int j = 0; j < NP; j++) {
            if (j == m.from || w->isolated[j] || w->down[j]) continue;
            int rc;
            if (m.is_vote) {
                rc = cps_chain_consensus_on_vote(w->cs[j], &m.vote, NULL);
            } else {
                rc = cps_chain_consensus_on_block(w->cs[j], m.raw.data, m.raw.size, NULL);
                /* known, or at/below the LIB (a heal re-sends old blocks): not a failure */
                if (rc == CPS_ERR_EXISTS || rc == CPS_ERR_STATE) rc = 0;
            }
            if (rc) {
                fprintf(stderr, "    node %d: %s\n", j, cps_last_error());
                return rc;
            }
        }
    }
    for (size_t k = 0; k < w->qn; k++) cps_buf_free(&w->q[k].raw);
    w->qn = 0;
    return 0;
}

/* The scheduled producer of `slot` produces (unless down), with `trx` (may be NULL) in its
 * block; the block is gossiped unless the producer is isolated. *who receives its index. */
static int produce(world *w, uint32_t slot, const ctl_action *trx, int *who_out)
{
    cps_name who;
    int ref = 0;
    while (ref < NP - 1 && w->down[ref]) ref++;
    int rc = cps_chain_controller_scheduled_producer(w->c[ref], slot, &who, NULL);
    if (rc) return rc;
    int i = -1;
    for (int k = 0; k < NP; k++)
        if (w->name[k] == who) i = k;
    if (who_out) *who_out = i;
    if (i < 0) return CPS_ERR_STATE;
    if (w->down[i]) return 0;
    cps_chain_controller *c = w->c[i];
    cps_buf raw = {0};
    rc = cps_chain_controller_start_block(c, slot, who);
    if (!rc && trx) {
        cps_private_key dev = ctl_dev_key();
        ctl_trx_opts o = {0, false, slot % 600, 0};
        rc = ctl_push(c, trx, 1, &dev, 1, &o, NULL);
    }
    if (!rc) rc = cps_chain_consensus_prepare_block(w->cs[i], who, slot);
    if (!rc) rc = cps_chain_controller_finalize_block(c, &w->key[i]);
    if (!rc) rc = cps_chain_controller_commit_block(c, &raw);
    if (rc) {
        fprintf(stderr, "    node %d, slot %u: %s\n", i, slot, cps_last_error());
        cps_chain_controller_abort_block(c, NULL, NULL);
        cps_buf_free(&raw);
        return rc;
    }
    rc = cps_chain_consensus_block_produced(w->cs[i], raw.data, raw.size);
    cps_buf *lg = realloc(w->all, (w->alln + 1) * sizeof *lg);
    if (lg) w->all = lg;
    int *lf = realloc(w->all_from, (w->alln + 1) * sizeof *lf);
    if (lf) w->all_from = lf;
    if (!lg || !lf) return CPS_ERR_NOMEM;
    cps_buf copy = {0};
    if (cps_write_bytes(&copy, raw.data, raw.size)) return CPS_ERR_NOMEM;
    w->all_from[w->alln] = i;
    w->all[w->alln++] = copy;
    w->logn[i]++;
    if (!rc && !w->isolated[i]) {
        msg m = {.is_vote = false, .from = i, .raw = raw};
        rc = push_msg(w, m);
    } else {
        cps_buf_free(&raw);
    }
    return rc;
}

/* Queues every block produced so far again, from its producer (a healed or returning node hears
 * them all). */
static int resend_all(world *w)
{
    int rc = 0;
    for (size_t k = 0; k < w->alln && !rc; k++) {
        cps_buf copy = {0};
        if (cps_write_bytes(&copy, w->all[k].data, w->all[k].size)) return CPS_ERR_NOMEM;
        msg m = {.is_vote = false, .from = w->all_from[k], .raw = copy};
        rc = push_msg(w, m);
    }
    return rc;
}

/* Runs slots (slot+1 .. slot+n), delivering after each. */
static int run(world *w, uint32_t n)
{
    int rc = 0;
    for (uint32_t k = 0; k < n && !rc; k++) {
        rc = produce(w, ++w->slot, NULL, NULL);
        if (!rc) rc = deliver(w);
    }
    return rc;
}

static const char *pnames[NP] = {"prod.a", "prod.b", "prod.c", "prod.d"};

/* Node 0 makes the genesis chain reach the four-producer schedule (blocks by eosio, final at
 * once); the others apply the same blocks; then each opens its consensus with its voter. */
static int world_open(world *w)
{
    memset(w, 0, sizeof *w);
    cps_buf blocks[64];
    memset(blocks, 0, sizeof blocks);
    size_t nb = 0;
    int rc = 0;
    for (int i = 0; i < NP && !rc; i++) {
        w->dir[i] = ctl_tempdir();
        w->name[i] = cps_abi_name(pnames[i]);
        w->key[i] = ctl_key((uint8_t)(41 + i));
        rc = ctl_open(w->dir[i], &w->c[i]);
    }
    cps_chain_controller *c = w->c[0];
    /* block: setprods on eosio, the producer accounts */
    char path[4200];
    cps_buf wasm = {0}, json = {0};
    snprintf(path, sizeof path, "%s/tests/chain/wat/setprods.wasm", ctl_build_dir);
    if (!rc) rc = ctl_read_file(path, &wasm);
    cps_buf_printf(&json, "{\"account\":\"eosio\",\"vmtype\":0,\"vmversion\":0,\"code\":\"");
    cps_hex_append(&json, wasm.data, wasm.size);
    cps_buf_printf(&json, "\"}");
    cps_private_key dev = ctl_dev_key();
    ctl_action setcode = {"eosio", "setcode", "eosio@active", NULL, cps_buf_cstr(&json)};
    if (!rc) rc = ctl_start(c);
    if (!rc) rc = ctl_push(c, &setcode, 1, &dev, 1, NULL, NULL);
    for (int i = 0; i < NP && !rc; i++) rc = ctl_newaccount(c, pnames[i], &w->key[i]);
    if (!rc) rc = ctl_finish(c, &blocks[nb++]);
    cps_buf_free(&wasm);
    cps_buf_free(&json);
    /* block: propose the four */
    static cps_abi *abi;
    if (!rc && !abi) rc = cps_abi_from_json(setprods_abi_json, strlen(setprods_abi_json), &abi);
    cps_buf_printf(&json, "{\"schedule\":[");
    for (int i = 0; i < NP && !rc; i++) {
        char ks[CPS_PUBLIC_KEY_STR_MAX];
        ctl_pub_str(&w->key[i], ks);
        cps_buf_printf(&json, "%s{\"producer_name\":\"%s\",\"block_signing_key\":\"%s\"}",
                       i ? "," : "", pnames[i], ks);
    }
    cps_buf_printf(&json, "]}");
    ctl_action setprods = {"eosio", "setprods", "eosio@active", abi, cps_buf_cstr(&json)};
    if (!rc) rc = ctl_start(c);
    if (!rc) rc = ctl_push(c, &setprods, 1, &dev, 1, NULL, NULL);
    if (!rc) rc = ctl_finish(c, &blocks[nb++]);
    cps_buf_free(&json);
    /* eosio produces until the schedule is active */
    w->slot = cps_chain_controller_head_timestamp(c);
    for (;;) {
        cps_name who;
        if (rc || (rc = cps_chain_controller_scheduled_producer(c, w->slot + 1, &who, NULL)))
            break;
        if (who != cps_abi_name("eosio") || nb == 64) break;
        rc = cps_chain_controller_start_block(c, ++w->slot, who);
        if (!rc) rc = ctl_finish(c, &blocks[nb++]);
    }
    for (int i = 1; i < NP && !rc; i++)
        for (size_t k = 0; k < nb && !rc; k++)
            rc = cps_chain_controller_push_block(w->c[i], blocks[k].data, blocks[k].size);
    for (size_t k = 0; k < nb; k++) cps_buf_free(&blocks[k]);
    for (int i = 0; i < NP && !rc; i++) {
        char vdir[4200];
        snprintf(vdir, sizeof vdir, "%s/finality", w->dir[i]);
        w->ctx[i] = (peer_ctx){w, i};
        cps_chain_consensus_producer p = {w->name[i], w->key[i]};
        cps_chain_consensus_options o = {w->c[i], vdir, &p, 1,
                                         {&w->ctx[i], cb_vote, NULL, cb_popped, cb_unapplied,
                                          cb_final}};
        rc = cps_chain_consensus_open(&o, &w->cs[i]);
    }
    if (rc) fprintf(stderr, "    world: %s\n", cps_last_error());
    return rc;
}

static void world_close(world *w)
{
    for (int i = 0; i < NP; i++) {
        cps_chain_consensus_close(w->cs[i]);
        cps_chain_controller_close(w->c[i]);
        if (w->dir[i]) ctl_rm_rf(w->dir[i]);
        free(w->dir[i]);
    }
    for (size_t k = 0; k < w->alln; k++) cps_buf_free(&w->all[k]);
    free(w->all);
    free(w->all_from);
    for (size_t k = 0; k < w->qn; k++) cps_buf_free(&w->q[k].raw);
    free(w->q);
}

/* All listening nodes agree on head, LIB and state hash. */
static bool agree(world *w)
{
    int ref = -1;
    uint8_t h0[32];
    cps_checksum256 id0;
    for (int i = 0; i < NP; i++) {
        if (w->down[i] || w->isolated[i]) continue;
        uint8_t h[32];
        cps_checksum256 id;
        if (cps_chain_controller_state_hash(w->c[i], h)) return false;
        cps_chain_controller_head_id(w->c[i], &id);
        if (ref < 0) {
            ref = i;
            memcpy(h0, h, 32);
            id0 = id;
            continue;
        }
        if (memcmp(h, h0, 32) || memcmp(id.b, id0.b, 32) ||
            cps_chain_controller_lib_num(w->c[i]) != cps_chain_controller_lib_num(w->c[ref])) {
            fprintf(stderr, "    node %d: head %u lib %u; node %d: head %u lib %u\n", i,
                    cps_chain_controller_head_num(w->c[i]), cps_chain_controller_lib_num(w->c[i]),
                    ref, cps_chain_controller_head_num(w->c[ref]),
                    cps_chain_controller_lib_num(w->c[ref]));
            return false;
        }
    }
    return ref >= 0;
}

/* The QC the head block of c carries: 0 none, 1 the active schedule's only, 2 joint. */
static int head_qc_parts(cps_chain_controller *c)
{
    cps_buf raw = {0};
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block b;
    cps_chain_qc qc;
    int parts = 0;
    if (cps_chain_controller_read_block(c, cps_chain_controller_head_num(c), &raw) == 0 &&
        cps_abi_signed_block_decode(raw.data, raw.size, &a, &b) == 0 &&
        b.block_extension_count == 1 &&
        cps_chain_qc_decode(b.block_extensions[0].data.data, b.block_extensions[0].data.size, &a,
                            &qc) == 0)
        parts = qc.has_pending ? 2 : 1;
    cps_abi_arena_free(&a);
    cps_buf_free(&raw);
    return parts;
}

TEST(finality_advances_with_four_producers)
{
    world w;
    ASSERT_OK(world_open(&w));
    uint32_t lib0 = cps_chain_controller_lib_num(w.c[0]);
    ASSERT_EQ(lib0, cps_chain_controller_head_num(w.c[0])); /* one-producer blocks: final */
    ASSERT_OK(run(&w, 30));
    ASSERT_TRUE(agree(&w));
    for (int i = 0; i < NP; i++) {
        uint32_t head = cps_chain_controller_head_num(w.c[i]);
        uint32_t lib = cps_chain_controller_lib_num(w.c[i]);
        /* each block is final once its next-slot child's QC formed: LIB = head - 1 */
        ASSERT_EQ(head, lib0 + 30);
        ASSERT_EQ(lib, head - 1);
        ASSERT_EQ(w.finals[i], lib);
        ASSERT_EQ(cps_chain_finality_lib_num(cps_chain_consensus_finality(w.cs[i])), lib);
        ASSERT_TRUE(head_qc_parts(w.c[i]) > 0);
        /* the fork db holds only the reversible blocks */
        ASSERT_EQ(cps_chain_fork_db_size(cps_chain_consensus_fork_db(w.cs[i])), 2);
        cps_chain_consensus_stats st;
        cps_chain_consensus_get_stats(w.cs[i], &st);
        ASSERT_TRUE(st.votes_sent >= 29);
        ASSERT_EQ(st.fork_switches, 0);
        /* one latency sample per block final by votes, in block order up to the LIB, and the
         * window filter keeps only blocks >= since */
        static cps_chain_consensus_latency lat[CPS_CHAIN_CONSENSUS_LATENCY_WINDOW];
        size_t n = cps_chain_consensus_latencies(w.cs[i], 0, lat, CPS_CHAIN_CONSENSUS_LATENCY_WINDOW);
        ASSERT_EQ(n, st.finality_samples);
        ASSERT_TRUE(n >= 5);
        ASSERT_EQ(lat[n - 1].block_num, lib);
        for (size_t k = 1; k < n; k++) ASSERT_EQ(lat[k].block_num, lat[k - 1].block_num + 1);
        ASSERT_EQ(cps_chain_consensus_latencies(w.cs[i], lib - 4, lat, CPS_CHAIN_CONSENSUS_LATENCY_WINDOW), 5);
        ASSERT_EQ(lat[0].block_num, lib - 4);
        ASSERT_EQ(cps_chain_consensus_latencies(w.cs[i], lib - 4, lat, 2), 2);
        ASSERT_EQ(cps_chain_consensus_latencies(w.cs[i], lib + 1, lat, 8), 0);
    }
    /* the blocks were produced by three different producers (12 slots each) */
    ASSERT_TRUE(w.logn[0] + w.logn[1] + w.logn[2] + w.logn[3] == 30);
    world_close(&w);
}

TEST(a_missing_producers_slots_are_skipped_and_lib_still_advances)
{
    world w;
    ASSERT_OK(world_open(&w));
    ASSERT_OK(run(&w, 6));
    /* the producer of the next round's third turn stops */
    int next;
    cps_name who;
    ASSERT_OK(cps_chain_controller_scheduled_producer(w.c[0], w.slot + 1, &who, NULL));
    next = -1;
    for (int k = 0; k < NP; k++)
        if (w.name[k] == who) next = k;
    ASSERT_TRUE(next >= 0);
    int victim = (next + 1) % NP;
    w.down[victim] = true;
    size_t victim_blocks = w.logn[victim];
    uint32_t lib_before = cps_chain_controller_lib_num(w.c[next]);
    uint32_t head_before = cps_chain_controller_head_num(w.c[next]);
    ASSERT_OK(run(&w, 48)); /* one full round: 12 of its slots are skipped */
    ASSERT_TRUE(agree(&w));
    uint32_t head = cps_chain_controller_head_num(w.c[next]);
    ASSERT_EQ(head, head_before + 36);
    uint32_t lib = cps_chain_controller_lib_num(w.c[next]);
    ASSERT_TRUE(lib >= head - 1);
    ASSERT_TRUE(lib > lib_before + 30);
    ASSERT_EQ(w.logn[victim], victim_blocks);
    world_close(&w);
}

TEST(an_isolated_producers_branch_is_undone_when_the_partition_heals)
{
    world w;
    ASSERT_OK(world_open(&w));
    ASSERT_OK(run(&w, 4));
    /* isolate the producer of the next turn after the current one */
    cps_name who;
    ASSERT_OK(cps_chain_controller_scheduled_producer(w.c[0], w.slot + 1, &who, NULL));
    int cur = -1;
    for (int k = 0; k < NP; k++)
        if (w.name[k] == who) cur = k;
    ASSERT_TRUE(cur >= 0);
    int lone = (cur + 1) % NP;
    w.isolated[lone] = true;
    uint32_t fork_num = cps_chain_controller_head_num(w.c[lone]);
    /* 24 slots: the rest of cur's turn, the lone producer's 12 (on its own branch; its first
     * block holds a transaction), the next producer's turn */
    char json[1024], pub[CPS_PUBLIC_KEY_STR_MAX];
    ctl_pub_str(&w.key[0], pub);
    snprintf(json, sizeof json,
             "{\"creator\":\"eosio\",\"name\":\"lonely\",\"owner\":{\"threshold\":1,\"keys\":"
             "[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]},\"active\":"
             "{\"threshold\":1,\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],"
             "\"waits\":[]}}", pub, pub);
    ctl_action newacc = {"eosio", "newaccount", "eosio@active", NULL, json};
    bool put = false;
    for (uint32_t k = 0; k < 28; k++) {
        int p = -1;
        cps_name nx;
        ASSERT_OK(cps_chain_controller_scheduled_producer(w.c[lone], w.slot + 1, &nx, NULL));
        bool lone_turn = nx == w.name[lone];
        ASSERT_OK(produce(&w, ++w.slot, lone_turn && !put ? &newacc : NULL, &p));
        if (lone_turn) put = true;
        ASSERT_OK(deliver(&w));
    }
    ASSERT_TRUE(put);
    ASSERT_TRUE(w.logn[lone] >= 12);
    cps_chain_account_info ai;
    ASSERT_OK(cps_chain_controller_get_account(w.c[lone], cps_abi_name("lonely"), &ai));
    ASSERT_EQ(cps_chain_controller_lib_num(w.c[lone]), fork_num - 1); /* alone: no quorum */
    ASSERT_TRUE(cps_chain_controller_lib_num(w.c[cur]) > fork_num + 10);
    /* heal: the lone node hears the others' blocks and votes (their blocks, in order), and they
     * hear its branch */
    w.isolated[lone] = false;
    ASSERT_OK(resend_all(&w));
    ASSERT_OK(deliver(&w));
    ASSERT_OK(run(&w, 3)); /* votes of the lone node's peers arrived before its heal: new ones */
    ASSERT_TRUE(agree(&w));
    ASSERT_TRUE(w.popped[lone] >= 12);
    ASSERT_TRUE(w.unapplied[lone] >= 1);
    ASSERT_EQ(w.popped[cur], 0);
    ASSERT_EQ(cps_chain_controller_get_account(w.c[lone], cps_abi_name("lonely"), &ai),
              CPS_ERR_NOT_FOUND);
    cps_chain_consensus_stats st;
    cps_chain_consensus_get_stats(w.cs[lone], &st);
    ASSERT_EQ(st.fork_switches, 1);
    world_close(&w);
}

TEST(validators_refuse_a_block_with_a_bad_qc)
{
    world w;
    ASSERT_OK(world_open(&w));
    ASSERT_OK(run(&w, 3));
    /* a QC on the head with too few signatures: encode a real QC and drop one signature */
    cps_chain_controller *c = w.c[0];
    cps_checksum256 head;
    cps_chain_controller_head_id(c, &head);
    cps_chain_finality *f = cps_chain_consensus_finality(w.cs[0]);
    ASSERT_TRUE(cps_chain_finality_has_qc(f, &head));
    cps_buf qc = {0};
    ASSERT_OK(cps_chain_finality_encode_qc(f, &head, &qc));
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_chain_qc q;
    ASSERT_OK(cps_chain_qc_decode(qc.data, qc.size, &a, &q));
    /* keep 2 of the signers (quorum is 3) */
    uint32_t kept = 0;
    uint8_t bits[CPS_CHAIN_QC_BITSET_MAX] = {0};
    for (uint32_t i = 0; i < 8 && kept < 2; i++)
        if (q.bitset[0] & (1u << i)) {
            bits[0] |= (uint8_t)(1u << i);
            kept++;
        }
    memcpy(q.bitset, bits, sizeof bits);
    q.bitset_len = 1;
    q.signature_count = 2;
    cps_buf weak = {0};
    ASSERT_OK(cps_chain_qc_encode(&weak, &q));
    cps_name who;
    uint32_t slot = w.slot + 1;
    ASSERT_OK(cps_chain_controller_scheduled_producer(c, slot, &who, NULL));
    int i = -1;
    for (int k = 0; k < NP; k++)
        if (w.name[k] == who) i = k;
    ASSERT_TRUE(i >= 0);
    c = w.c[i];
    ASSERT_OK(cps_chain_controller_start_block(c, slot, who));
    ASSERT_EQ(cps_chain_controller_set_qc_extension(c, weak.data, weak.size), CPS_ERR_BLOCK);
    if (getenv("TEST_VERBOSE")) fprintf(stderr, "    weak QC: %s\n", cps_last_error());
    ASSERT_TRUE(strstr(cps_last_error(), "2 of 4 active producers, 3 needed") != NULL);
    /* the real QC is accepted; a forged block carrying the weak one is refused by a validator */
    ASSERT_OK(cps_chain_controller_set_qc_extension(c, qc.data, qc.size));
    ASSERT_OK(cps_chain_controller_finalize_block(c, &w.key[i]));
    cps_buf raw = {0};
    ASSERT_OK(cps_chain_controller_commit_block(c, &raw));
    cps_signed_block b;
    cps_arena a2;
    cps_abi_arena_init(&a2);
    ASSERT_OK(cps_abi_signed_block_decode(raw.data, raw.size, &a2, &b));
    ASSERT_EQ(b.block_extension_count, 1);
    b.block_extensions[0].data.data = weak.data;
    b.block_extensions[0].data.size = weak.size;
    cps_buf forged = {0};
    ASSERT_OK(cps_abi_signed_block_pack(&forged, &b));
    int j = (i + 1) % NP;
    ASSERT_EQ(cps_chain_controller_push_block(w.c[j], forged.data, forged.size), CPS_ERR_BLOCK);
    ASSERT_EQ(cps_chain_controller_head_num(w.c[j]) + 1, cps_chain_controller_head_num(c));
    ASSERT_OK(cps_chain_controller_push_block(w.c[j], raw.data, raw.size)); /* the real one */
    cps_abi_arena_free(&a2);
    cps_abi_arena_free(&a);
    cps_buf_free(&qc);
    cps_buf_free(&weak);
    cps_buf_free(&raw);
    cps_buf_free(&forged);
    world_close(&w);
}

TEST(a_one_producer_chain_is_unchanged_by_consensus)
{
    /* the same three blocks with and without consensus: identical bytes, LIB = head */
    char *d1 = ctl_tempdir(), *d2 = ctl_tempdir();
    cps_chain_controller *c1 = NULL, *c2 = NULL;
    ASSERT_OK(ctl_open(d1, &c1));
    ASSERT_OK(ctl_open(d2, &c2));
    char vdir[4200];
    snprintf(vdir, sizeof vdir, "%s/finality", d1);
    cps_chain_consensus_producer p = {cps_abi_name("eosio"), ctl_dev_key()};
    cps_chain_consensus_options o = {c1, vdir, &p, 1, {0}};
    cps_chain_consensus *cs = NULL;
    ASSERT_OK(cps_chain_consensus_open(&o, &cs));
    for (int k = 0; k < 3; k++) {
        cps_buf r1 = {0}, r2 = {0};
        uint32_t slot = cps_chain_controller_head_timestamp(c1) + 1;
        ASSERT_OK(cps_chain_controller_start_block(c1, slot, cps_abi_name("eosio")));
        ASSERT_OK(cps_chain_consensus_prepare_block(cs, cps_abi_name("eosio"), slot));
        ASSERT_OK(ctl_finish(c1, &r1));
        ASSERT_OK(cps_chain_consensus_block_produced(cs, r1.data, r1.size));
        ASSERT_OK(ctl_start(c2));
        ASSERT_OK(ctl_finish(c2, &r2));
        ASSERT_EQ(r1.size, r2.size);
        ASSERT_MEM_EQ(r1.data, r2.data, r1.size);
        ASSERT_EQ(cps_chain_controller_lib_num(c1), cps_chain_controller_head_num(c1));
        ASSERT_EQ(cps_chain_fork_db_size(cps_chain_consensus_fork_db(cs)), 1);
        cps_buf_free(&r1);
        cps_buf_free(&r2);
    }
    /* a second block for a slot already signed is refused by the voter's guard */
    uint32_t slot = cps_chain_controller_head_timestamp(c1);
    ASSERT_EQ(cps_chain_consensus_prepare_block(cs, cps_abi_name("eosio"), slot), CPS_ERR_STATE);
    cps_chain_consensus_close(cs);
    cps_chain_controller_close(c1);
    cps_chain_controller_close(c2);
    ctl_rm_rf(d1);
    ctl_rm_rf(d2);
    free(d1);
    free(d2);
}

TEST(reopen_rebuilds_the_fork_db_from_the_reversible_blocks)
{
    world w;
    ASSERT_OK(world_open(&w));
    ASSERT_OK(run(&w, 5));
    uint32_t lib = cps_chain_controller_lib_num(w.c[1]);
    cps_chain_consensus_close(w.cs[1]);
    w.cs[1] = NULL;
    char vdir[4200];
    snprintf(vdir, sizeof vdir, "%s/finality", w.dir[1]);
    cps_chain_consensus_producer p = {w.name[1], w.key[1]};
    cps_chain_consensus_options o = {w.c[1], vdir, &p, 1,
                                     {&w.ctx[1], cb_vote, NULL, cb_popped, cb_unapplied,
                                      cb_final}};
    ASSERT_OK(cps_chain_consensus_open(&o, &w.cs[1]));
    ASSERT_EQ(cps_chain_controller_lib_num(w.c[1]), lib);
    ASSERT_EQ(cps_chain_fork_db_size(cps_chain_consensus_fork_db(w.cs[1])),
              cps_chain_controller_head_num(w.c[1]) - lib + 1);
    ASSERT_OK(run(&w, 5));
    ASSERT_TRUE(agree(&w));
    ASSERT_TRUE(cps_chain_controller_lib_num(w.c[1]) >= lib + 5);
    world_close(&w);
}

TEST(a_producer_signing_two_blocks_for_one_slot_leaves_checkable_evidence)
{
    world w;
    ASSERT_OK(world_open(&w));
    ASSERT_OK(run(&w, 3));
    /* the next slot's producer signs block X, then (bypassing its voter's guard) X' with a
     * transaction, on the same parent */
    int p = -1;
    uint32_t slot = ++w.slot;
    ASSERT_OK(produce(&w, slot, NULL, &p));
    ASSERT_TRUE(p >= 0);
    cps_chain_controller *c = w.c[p];
    ASSERT_OK(cps_chain_controller_pop_block(c, NULL, NULL));
    ASSERT_OK(cps_chain_controller_start_block(c, slot, w.name[p]));
    char pub[CPS_PUBLIC_KEY_STR_MAX], json[1024];
    ctl_pub_str(&w.key[0], pub);
    snprintf(json, sizeof json,
             "{\"creator\":\"eosio\",\"name\":\"twice\",\"owner\":{\"threshold\":1,\"keys\":"
             "[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]},\"active\":"
             "{\"threshold\":1,\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],"
             "\"waits\":[]}}", pub, pub);
    ctl_action newacc = {"eosio", "newaccount", "eosio@active", NULL, json};
    cps_private_key dev = ctl_dev_key();
    ASSERT_OK(ctl_push(c, &newacc, 1, &dev, 1, NULL, NULL));
    ASSERT_OK(cps_chain_controller_finalize_block(c, &w.key[p]));
    cps_buf second = {0};
    ASSERT_OK(cps_chain_controller_commit_block(c, &second));
    msg m = {.is_vote = false, .from = p, .raw = second};
    ASSERT_OK(push_msg(&w, m));
    w.down[p] = true; /* its consensus did not see the pop: it hears nothing more */
    ASSERT_OK(deliver(&w));
    cps_public_key ppub;
    ASSERT_OK(cps_key_public(&w.key[p], &ppub));
    for (int j = 0; j < NP; j++) {
        if (j == p) continue;
        cps_chain_finality *f = cps_chain_consensus_finality(w.cs[j]);
        ASSERT_EQ(cps_chain_finality_evidence_count(f), 1);
        const cps_chain_evidence *e = cps_chain_finality_evidence_at(f, 0);
        ASSERT_EQ(e->kind, CPS_CHAIN_EVIDENCE_DOUBLE_BLOCK);
        ASSERT_EQ(e->producer, w.name[p]);
        ASSERT_OK(cps_chain_evidence_verify(cps_chain_controller_chain_id(w.c[j]), &ppub, e));
        /* and through its encoding, as the HTTP endpoint serves it */
        cps_buf enc = {0};
        ASSERT_OK(cps_chain_evidence_encode(&enc, e));
        cps_chain_evidence back;
        ASSERT_OK(cps_chain_evidence_decode(enc.data, enc.size, &back));
        ASSERT_OK(cps_chain_evidence_verify(cps_chain_controller_chain_id(w.c[j]), &ppub, &back));
        cps_buf_free(&enc);
    }
    world_close(&w);
}

/* setprods(the producers `idx`) as an action by eosio (json receives its data; the ABI is made
 * once). */
static int setprods_action(world *w, const int *idx, int n, cps_buf *json, ctl_action *out)
{
    static cps_abi *abi;
    int rc = abi ? 0 : cps_abi_from_json(setprods_abi_json, strlen(setprods_abi_json), &abi);
    cps_buf_printf(json, "{\"schedule\":[");
    for (int i = 0; i < n; i++) {
        char ks[CPS_PUBLIC_KEY_STR_MAX];
        ctl_pub_str(&w->key[idx[i]], ks);
        cps_buf_printf(json, "%s{\"producer_name\":\"%s\",\"block_signing_key\":\"%s\"}",
                       i ? "," : "", pnames[idx[i]], ks);
    }
    cps_buf_printf(json, "]}");
    *out = (ctl_action){"eosio", "setprods", "eosio@active", abi, cps_buf_cstr(json)};
    return rc;
}

/* Node 0's schedules: the active version and whether one is pending. */
static void versions(world *w, uint32_t *active, bool *pending)
{
    cps_chain_schedules s;
    if (cps_chain_controller_get_schedules(w->c[0], &s)) abort();
    *active = s.active.version;
    *pending = s.has_pending;
    cps_chain_schedules_free(&s);
}

/* Four producers hand over to three of them: while the new schedule is pending every block
 * carries a joint QC, finality never stops, and the change takes effect at a round start. */
TEST(a_schedule_change_keeps_finality_through_joint_qcs)
{
    world w;
    ASSERT_OK(world_open(&w));
    ASSERT_OK(run(&w, 6));
    static const int abc[] = {0, 1, 2};
    cps_buf json = {0};
    ctl_action setprods;
    ASSERT_OK(setprods_action(&w, abc, 3, &json, &setprods));
    ASSERT_OK(produce(&w, ++w.slot, &setprods, NULL));
    ASSERT_OK(deliver(&w));
    cps_buf_free(&json);
    uint32_t active = 0, pending_at = 0, active_at = 0, joint = 0;
    bool pending = false;
    for (int k = 0; k < 200 && !active_at; k++) {
        ASSERT_OK(run(&w, 1));
        versions(&w, &active, &pending);
        uint32_t head = cps_chain_controller_head_num(w.c[0]);
        if (pending && !pending_at) pending_at = w.slot;
        if (active == 2) active_at = w.slot;
        /* finality goes on block after block, also during the transition */
        ASSERT_EQ(cps_chain_controller_lib_num(w.c[0]), head - 1);
        if (pending && head_qc_parts(w.c[0]) == 2) joint++;
    }
    ASSERT_TRUE(pending_at && active_at);
    ASSERT_EQ(pending_at % 48, 0);   /* a round of the four */
    ASSERT_EQ(active_at - pending_at, 48);
    ASSERT_TRUE(joint >= 40);        /* the blocks of the pending round carried joint QCs */
    size_t d_blocks = w.logn[3];
    ASSERT_OK(run(&w, 40));
    ASSERT_TRUE(agree(&w));
    ASSERT_EQ(w.logn[3], d_blocks); /* prod.d left the schedule */
    ASSERT_EQ(cps_chain_controller_lib_num(w.c[1]), cps_chain_controller_head_num(w.c[1]) - 1);
    ASSERT_EQ(head_qc_parts(w.c[1]), 1);
    world_close(&w);
}

/* A pending schedule whose producer does not vote: no joint QC, so no block is final and the
 * schedule never becomes active (safety before liveness); once its producer is back, finality
 * resumes and the change completes. */
TEST(a_pending_schedule_without_its_voters_stops_finality_until_they_return)
{
    world w;
    ASSERT_OK(world_open(&w));
    ASSERT_OK(run(&w, 6));
    static const int d_only[] = {3};
    cps_buf json = {0};
    ctl_action setprods;
    ASSERT_OK(setprods_action(&w, d_only, 1, &json, &setprods));
    ASSERT_OK(produce(&w, ++w.slot, &setprods, NULL));
    ASSERT_OK(deliver(&w));
    cps_buf_free(&json);
    uint32_t active = 0;
    bool pending = false;
    for (int k = 0; k < 100 && !pending; k++) {
        ASSERT_OK(run(&w, 1));
        versions(&w, &active, &pending);
    }
    ASSERT_TRUE(pending);
    w.down[3] = true; /* the one producer of the pending schedule stops */
    ASSERT_OK(run(&w, 2));
    uint32_t lib = cps_chain_controller_lib_num(w.c[0]);
    ASSERT_OK(run(&w, 100)); /* two rounds of the four: prod.d's 24 slots are skipped */
    versions(&w, &active, &pending);
    ASSERT_EQ(active, 1);
    ASSERT_TRUE(pending);
    for (int i = 0; i < 3; i++) ASSERT_EQ(cps_chain_controller_lib_num(w.c[i]), lib);
    ASSERT_TRUE(cps_chain_controller_head_num(w.c[0]) > lib + 60);
    /* prod.d returns: it hears every block, votes on the new ones, finality and the change go
     * on */
    w.down[3] = false;
    ASSERT_OK(resend_all(&w));
    ASSERT_OK(deliver(&w));
    for (int k = 0; k < 120 && active != 2; k++) {
        ASSERT_OK(run(&w, 1));
        versions(&w, &active, &pending);
    }
    ASSERT_EQ(active, 2);
    ASSERT_TRUE(cps_chain_controller_lib_num(w.c[0]) > lib + 60);
    ASSERT_OK(run(&w, 6)); /* prod.d alone: its blocks are final at commit */
    ASSERT_TRUE(agree(&w));
    ASSERT_EQ(cps_chain_controller_lib_num(w.c[3]), cps_chain_controller_head_num(w.c[3]));
    world_close(&w);
}

int main(int c, char **v)
{
    ctl_set_build_dir(v[0]);
    return test_main(c, v);
}
