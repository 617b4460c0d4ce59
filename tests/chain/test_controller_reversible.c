/* Reversible blocks and LIB in the controller: with three producers blocks stay reversible
 * (undo logs kept, bytes in <dir>/reversible), pop_block restores the exact state, set_lib writes
 * blocks.log in order, and close/reopen, a copied data directory and crashes at each step keep
 * head, LIB and the state hash. */
#include "ctl_helpers.h"
#include "sched_helpers.h"
#include "chain/controller_internal.h"

#include <dirent.h>
#include <sys/wait.h>

static size_t count_files(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/reversible", dir);
    DIR *d = opendir(path);
    if (!d) return (size_t)-1;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* A chain whose head is `extra` blocks past the activation of the three-producer schedule. */
static int three_producer_chain(const char *dir, cps_chain_controller **c, sched_prods *p,
                                uint32_t extra, uint32_t *slot)
{
    int rc = ctl_open(dir, c);
    if (!rc) rc = sched_setup(*c, p);
    if (!rc) rc = sched_activate_three(*c, p, slot);
    for (uint32_t i = 0; i < extra && !rc; i++) rc = sched_produce(*c, p, ++*slot, NULL, NULL);
    return rc;
}

TEST(one_producer_blocks_are_irreversible_at_once)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    for (int i = 0; i < 3; i++) {
        ASSERT_OK(ctl_start(c));
        ASSERT_OK(ctl_finish(c, NULL));
        ASSERT_EQ(cps_chain_controller_lib_num(c), cps_chain_controller_head_num(c));
    }
    cps_checksum256 lib, head;
    cps_chain_controller_lib_id(c, &lib);
    cps_chain_controller_head_id(c, &head);
    ASSERT_MEM_EQ(lib.b, head.b, 32);
    ASSERT_EQ(cps_chain_block_log_head_num(cps_chain_controller_block_log(c)), 4);
    ASSERT_EQ(count_files(dir), 0);
    ASSERT_EQ(cps_chain_controller_pop_block(c, NULL, NULL), CPS_ERR_STATE);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(pop_block_restores_the_state_and_hands_back_transactions)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    sched_prods p;
    uint32_t slot;
    ASSERT_OK(three_producer_chain(dir, &c, &p, 2, &slot));
    uint32_t lib = cps_chain_controller_lib_num(c);
    uint32_t head = cps_chain_controller_head_num(c);
    ASSERT_TRUE(lib < head);
    ASSERT_EQ(cps_chain_block_log_head_num(cps_chain_controller_block_log(c)), lib);
    ASSERT_EQ(count_files(dir), head - lib);

    uint8_t before[32], after[32], again[32];
    cps_checksum256 id_before, id;
    ASSERT_OK(cps_chain_controller_state_hash(c, before));
    cps_chain_controller_head_id(c, &id_before);
    /* a block with a transaction, by its scheduled producer */
    cps_name who;
    ASSERT_OK(cps_chain_controller_scheduled_producer(c, ++slot, &who, NULL));
    int k = (int)((slot % 36) / 12);
    ASSERT_EQ(who, p.name[k]);
    ASSERT_OK(cps_chain_controller_start_block(c, slot, who));
    cps_private_key kz = ctl_key(90);
    ASSERT_OK(ctl_newaccount(c, "zed", &kz));
    ASSERT_OK(cps_chain_controller_finalize_block(c, &p.priv[k]));
    ASSERT_OK(cps_chain_controller_commit_block(c, NULL));
    ASSERT_OK(cps_chain_controller_state_hash(c, after));
    ASSERT_TRUE(memcmp(before, after, 32) != 0);

    cps_buf *trxs = NULL;
    size_t ntrx = 0;
    ASSERT_OK(cps_chain_controller_pop_block(c, &trxs, &ntrx));
    ASSERT_EQ(ntrx, 1);
    ASSERT_OK(cps_chain_controller_state_hash(c, again));
    ASSERT_MEM_EQ(before, again, 32);
    ASSERT_EQ(cps_chain_controller_head_num(c), head);
    cps_chain_controller_head_id(c, &id);
    ASSERT_MEM_EQ(id.b, id_before.b, 32);
    cps_chain_account_info info;
    ASSERT_EQ(cps_chain_controller_get_account(c, cps_abi_name("zed"), &info), CPS_ERR_NOT_FOUND);
    /* the handed-back transaction applies again in a new block */
    ASSERT_OK(cps_chain_controller_start_block(c, slot, who));
    ASSERT_OK(cps_chain_controller_push_transaction(c, trxs[0].data, trxs[0].size, NULL));
    ASSERT_OK(cps_chain_controller_finalize_block(c, &p.priv[k]));
    ASSERT_OK(cps_chain_controller_commit_block(c, NULL));
    ASSERT_OK(cps_chain_controller_state_hash(c, again));
    ASSERT_MEM_EQ(after, again, 32);
    cps_buf_free(&trxs[0]);
    free(trxs);

    /* pop down to LIB, then no further */
    while (cps_chain_controller_head_num(c) > lib) ASSERT_OK(cps_chain_controller_pop_block(c, NULL, NULL));
    ASSERT_EQ(cps_chain_controller_pop_block(c, NULL, NULL), CPS_ERR_STATE);
    ASSERT_EQ(count_files(dir), 0);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(set_lib_writes_the_log_in_order_and_is_monotonic)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    sched_prods p;
    uint32_t slot;
    ASSERT_OK(three_producer_chain(dir, &c, &p, 6, &slot));
    uint32_t lib = cps_chain_controller_lib_num(c), head = cps_chain_controller_head_num(c);
    cps_chain_block_log *log = cps_chain_controller_block_log(c);
    cps_buf want = {0}, got = {0};
    ASSERT_OK(cps_chain_controller_read_block(c, lib + 2, &want));
    ASSERT_OK(cps_chain_controller_set_lib(c, lib + 2));
    ASSERT_EQ(cps_chain_controller_lib_num(c), lib + 2);
    ASSERT_EQ(cps_chain_block_log_head_num(log), lib + 2);
    ASSERT_OK(cps_chain_block_log_read_raw(log, lib + 2, &got));
    ASSERT_EQ(got.size, want.size);
    ASSERT_MEM_EQ(got.data, want.data, want.size);
    cps_checksum256 lid, lgid;
    cps_chain_controller_lib_id(c, &lid);
    cps_chain_block_log_head_id(log, &lgid);
    ASSERT_MEM_EQ(lid.b, lgid.b, 32);
    ASSERT_EQ(count_files(dir), head - (lib + 2));
    ASSERT_OK(cps_chain_controller_set_lib(c, lib + 2)); /* same: nothing to do */
    ASSERT_EQ(cps_chain_controller_set_lib(c, lib + 1), CPS_ERR_INVALID_ARG);
    ASSERT_EQ(cps_chain_controller_set_lib(c, head + 1), CPS_ERR_INVALID_ARG);
    /* while a block is pending, and that block aborted */
    cps_name who;
    ASSERT_OK(cps_chain_controller_scheduled_producer(c, slot + 1, &who, NULL));
    ASSERT_OK(cps_chain_controller_start_block(c, slot + 1, who));
    ASSERT_OK(cps_chain_controller_set_lib(c, lib + 4));
    cps_chain_controller_abort_block(c, NULL, NULL);
    ASSERT_EQ(cps_chain_controller_lib_num(c), lib + 4);
    ASSERT_EQ(cps_state_irreversible(cps_chain_controller_state(c)), lib + 4);
    ASSERT_EQ(count_files(dir), head - (lib + 4));
    /* to the head: every block in the log, and the head cannot be popped */
    ASSERT_OK(cps_chain_controller_set_lib(c, head));
    ASSERT_EQ(cps_chain_block_log_head_num(log), head);
    ASSERT_EQ(cps_chain_controller_pop_block(c, NULL, NULL), CPS_ERR_STATE);
    ASSERT_EQ(count_files(dir), 0);
    cps_buf_free(&want);
    cps_buf_free(&got);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

typedef struct chain_facts {
    uint32_t head, lib;
    cps_checksum256 head_id;
    uint8_t hash[32];
} chain_facts;

static int facts(cps_chain_controller *c, chain_facts *f)
{
    f->head = cps_chain_controller_head_num(c);
    f->lib = cps_chain_controller_lib_num(c);
    cps_chain_controller_head_id(c, &f->head_id);
    return cps_chain_controller_state_hash(c, f->hash);
}

TEST(reopen_and_a_copied_data_dir_keep_head_lib_and_state)
{
    char *dir = ctl_tempdir(), *copy = ctl_tempdir();
    cps_chain_controller *c = NULL;
    sched_prods p;
    uint32_t slot;
    ASSERT_OK(three_producer_chain(dir, &c, &p, 5, &slot));
    ASSERT_OK(cps_chain_controller_set_lib(c, cps_chain_controller_lib_num(c) + 2));
    chain_facts a, b;
    ASSERT_OK(facts(c, &a));
    ASSERT_TRUE(a.lib < a.head);
    /* kill-style: the files as they are on disk while the controller is open */
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "cp -r '%s/.' '%s/'", dir, copy);
    ASSERT_EQ(system(cmd), 0);
    char lock[4200];
    snprintf(lock, sizeof lock, "%s/state-cps.lock", copy);
    unlink(lock);
    cps_chain_controller_close(c);

    ASSERT_OK(ctl_open(dir, &c));
    ASSERT_OK(facts(c, &b));
    ASSERT_EQ(b.head, a.head);
    ASSERT_EQ(b.lib, a.lib);
    ASSERT_MEM_EQ(b.head_id.b, a.head_id.b, 32);
    ASSERT_MEM_EQ(b.hash, a.hash, 32);
    ASSERT_EQ(cps_chain_block_log_head_num(cps_chain_controller_block_log(c)), a.lib);
    /* it goes on: produce, pop */
    ASSERT_OK(sched_produce(c, &p, slot + 1, NULL, NULL));
    ASSERT_OK(cps_chain_controller_pop_block(c, NULL, NULL));
    ASSERT_OK(facts(c, &b));
    ASSERT_MEM_EQ(b.hash, a.hash, 32);
    cps_chain_controller_close(c);

    cps_chain_controller *d = NULL;
    int rc = ctl_open(copy, &d);
    if (rc) fprintf(stderr, "    %s\n", cps_last_error());
    ASSERT_OK(rc);
    ASSERT_OK(facts(d, &b));
    ASSERT_EQ(b.head, a.head);
    ASSERT_EQ(b.lib, a.lib);
    ASSERT_MEM_EQ(b.hash, a.hash, 32);
    cps_chain_controller_close(d);
    ctl_rm_rf(dir);
    ctl_rm_rf(copy);
    free(dir);
    free(copy);
}

static enum cps_chain_crash_point crash_at;
static void crash_hook(enum cps_chain_crash_point point)
{
    if (point == crash_at) _exit(42); /* no close, no flush: as a kill would leave it */
}

/* In a child: opens the chain and either produces one block or moves LIB, crashing at the
 * point. */
static int crash_child(const char *dir, enum cps_chain_crash_point point, bool set_lib)
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        cps_chain_controller *c = NULL;
        sched_prods p;
        if (ctl_open(dir, &c)) _exit(2);
        for (int i = 0; i < 3; i++) {
            p.name[i] = cps_abi_name(i == 0 ? "prod.a" : i == 1 ? "prod.b" : "prod.c");
            p.priv[i] = ctl_key((uint8_t)(31 + i));
            if (cps_key_public(&p.priv[i], &p.pub[i])) _exit(3);
        }
        crash_at = point;
        cps_chain__crash_hook = crash_hook;
        if (set_lib) {
            if (cps_chain_controller_set_lib(c, cps_chain_controller_head_num(c) - 1)) _exit(4);
        } else if (sched_produce(c, &p, cps_chain_controller_head_timestamp(c) + 1, NULL, NULL)) {
            _exit(5);
        }
        _exit(6); /* the hook did not fire */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(crashes_between_the_steps_reopen_consistently)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    sched_prods p;
    uint32_t slot;
    ASSERT_OK(three_producer_chain(dir, &c, &p, 3, &slot));
    chain_facts a, b;
    ASSERT_OK(facts(c, &a));
    cps_chain_controller_close(c);

    /* the block's file written, the state not: reopening applies it from the file */
    ASSERT_EQ(crash_child(dir, CPS_CHAIN_CRASH_AFTER_RBLOCK, false), 42);
    ASSERT_OK(ctl_open(dir, &c));
    ASSERT_OK(facts(c, &b));
    ASSERT_EQ(b.head, a.head + 1);
    ASSERT_EQ(b.lib, a.lib);
    ASSERT_EQ(count_files(dir), b.head - b.lib);
    cps_chain_controller_close(c);

    /* set_lib with the log written, the state not: reopening completes it */
    ASSERT_EQ(crash_child(dir, CPS_CHAIN_CRASH_SET_LIB_AFTER_LOG, true), 42);
    ASSERT_OK(ctl_open(dir, &c));
    ASSERT_OK(facts(c, &a));
    ASSERT_EQ(a.head, b.head);
    ASSERT_EQ(a.lib, b.head - 1);
    ASSERT_EQ(cps_state_irreversible(cps_chain_controller_state(c)), b.head - 1);
    ASSERT_EQ(cps_chain_block_log_head_num(cps_chain_controller_block_log(c)), b.head - 1);
    ASSERT_EQ(count_files(dir), 1);
    ASSERT_MEM_EQ(a.hash, b.hash, 32);
    cps_chain_controller_close(c);

    /* a reversible block whose file is lost (unsynced write and an OS crash): popped at open */
    char path[4200];
    snprintf(path, sizeof path, "%s/reversible/%u.blk", dir, a.head);
    ASSERT_EQ(unlink(path), 0);
    ASSERT_OK(ctl_open(dir, &c));
    ASSERT_EQ(cps_chain_controller_head_num(c), a.head - 1);
    ASSERT_EQ(cps_chain_controller_lib_num(c), a.head - 1);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    return test_main(argc, argv);
}
