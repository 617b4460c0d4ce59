/* Controller snapshots: a snapshot written at the head starts another data directory at the same
 * state (same hash, head, id), which then applies the original chain's next blocks, reopens
 * without the snapshot and refuses what it cannot do (a non-empty directory, a damaged file, a
 * lost state). */
#include "ctl_helpers.h"

static int produce(cps_chain_controller *c, const char *name, uint8_t seed, cps_buf *raw)
{
    cps_private_key k = ctl_key(seed);
    int rc = ctl_start(c);
    if (!rc && name) rc = ctl_newaccount(c, name, &k);
    if (!rc) rc = ctl_finish(c, raw);
    return rc;
}

static int open_snap(const char *dir, const char *snap, cps_chain_controller **c)
{
    cps_chain_controller_options o = {0};
    o.data_dir = dir;
    o.state_map_size = UINT64_C(1) << 30;
    o.state_sync = CPS_STATE_SYNC_NONE;
    o.block_log_no_sync = true;
    o.snapshot = snap;
    return cps_chain_controller_open(&o, c);
}

TEST(snapshot_starts_a_node_that_follows_the_chain)
{
    char *dir = ctl_tempdir(), *dir2 = ctl_tempdir(), *dir3 = ctl_tempdir();
    char snap[256], bad[256];
    snprintf(snap, sizeof snap, "%s/head.snap", dir3);
    snprintf(bad, sizeof bad, "%s/bad.snap", dir3);
    cps_chain_controller *a = NULL, *b = NULL;
    ASSERT_OK(ctl_open(dir, &a));
    ASSERT_OK(produce(a, "alice", 1, NULL));
    ASSERT_OK(produce(a, "bob", 2, NULL));
    ASSERT_OK(ctl_start(a));
    ASSERT_EQ(cps_chain_controller_write_snapshot(a, snap), CPS_ERR_STATE); /* block pending */
    cps_chain_controller_abort_block(a, NULL, NULL);
    ASSERT_OK(cps_chain_controller_write_snapshot(a, snap));
    uint8_t ha[32], hb[32];
    cps_checksum256 ida, idb;
    ASSERT_OK(cps_chain_controller_state_hash(a, ha));
    cps_chain_controller_head_id(a, &ida);

    char sub[300];
    snprintf(sub, sizeof sub, "%s/node", dir2);
    ASSERT_OK(open_snap(sub, snap, &b));
    ASSERT_EQ(cps_chain_controller_head_num(b), cps_chain_controller_head_num(a));
    cps_chain_controller_head_id(b, &idb);
    ASSERT_MEM_EQ(ida.b, idb.b, 32);
    ASSERT_MEM_EQ(cps_chain_controller_chain_id(a)->b, cps_chain_controller_chain_id(b)->b, 32);
    ASSERT_OK(cps_chain_controller_state_hash(b, hb));
    ASSERT_MEM_EQ(ha, hb, 32);
    cps_chain_account_info ai;
    ASSERT_OK(cps_chain_controller_get_account(b, cps_abi_name("bob"), &ai));

    /* the original chain goes on; the new node applies its blocks */
    cps_buf raw = {0};
    ASSERT_OK(produce(a, "carol", 3, &raw));
    ASSERT_OK(cps_chain_controller_push_block(b, raw.data, raw.size));
    ASSERT_OK(produce(a, NULL, 0, &raw));
    ASSERT_OK(cps_chain_controller_push_block(b, raw.data, raw.size));
    ASSERT_OK(cps_chain_controller_state_hash(a, ha));
    ASSERT_OK(cps_chain_controller_state_hash(b, hb));
    ASSERT_MEM_EQ(ha, hb, 32);
    uint32_t head = cps_chain_controller_head_num(b);
    ASSERT_EQ(cps_chain_block_log_first_block_num(cps_chain_controller_block_log(b)), head - 1);
    /* and produces on its own (it holds the same producer key) */
    ASSERT_OK(produce(b, "dave", 4, NULL));
    cps_chain_controller_close(b);
    b = NULL;

    /* reopened without the snapshot, at its head */
    ASSERT_OK(ctl_open(sub, &b));
    ASSERT_EQ(cps_chain_controller_head_num(b), head + 1);
    ASSERT_OK(cps_chain_controller_get_account(b, cps_abi_name("dave"), &ai));
    cps_chain_controller_close(b);
    b = NULL;
    /* a snapshot into a directory that has a chain is refused */
    ASSERT_EQ(open_snap(sub, snap, &b), CPS_ERR_INVALID_ARG);
    /* its state lost, it cannot rebuild from genesis */
    char sp[400];
    snprintf(sp, sizeof sp, "%s/state", sub);
    ctl_rm_rf(sp);
    ASSERT_EQ(ctl_open(sub, &b), CPS_ERR_BLOCK);

    /* damaged snapshots */
    cps_buf file = {0};
    ASSERT_OK(ctl_read_file(snap, &file));
    FILE *f = fopen(bad, "wb");
    ASSERT(f != NULL);
    ASSERT_EQ(fwrite(file.data, 1, file.size - 10, f), file.size - 10);
    fclose(f);
    snprintf(sub, sizeof sub, "%s/trunc", dir2);
    ASSERT_NE(open_snap(sub, bad, &b), 0);
    ASSERT(b == NULL);
    file.data[3] ^= 1;
    f = fopen(bad, "wb");
    ASSERT_EQ(fwrite(file.data, 1, file.size, f), file.size);
    fclose(f);
    snprintf(sub, sizeof sub, "%s/magic", dir2);
    ASSERT_EQ(open_snap(sub, bad, &b), CPS_ERR_FORMAT);
    cps_buf_free(&file);
    cps_buf_free(&raw);
    cps_chain_controller_close(a);
    ctl_rm_rf(dir);
    ctl_rm_rf(dir2);
    ctl_rm_rf(dir3);
    free(dir);
    free(dir2);
    free(dir3);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    return test_main(argc, argv);
}
