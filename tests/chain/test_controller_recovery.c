/* Controller crash recovery: a process killed at each point of commit_block (before the block
 * log append, between the log append and the state commit, after both) reopens with the state
 * and the block log agreeing, at the block the files hold, and keeps producing. */
#include "ctl_helpers.h"
#include "chain/controller_internal.h"

#include <sys/wait.h>

#define CRASHED 42

static enum cps_chain_crash_point crash_at;

static void crash_hook(enum cps_chain_crash_point point)
{
    if (point == crash_at) _exit(CRASHED); /* no close, no flush: as a kill would leave it */
}

/* Child: block 2 creates alice, block 3 creates bob and dies at `point` while committing. */
static void child_run(const char *dir, enum cps_chain_crash_point point)
{
    cps_chain_controller *c = NULL;
    cps_private_key k = ctl_key(1);
    if (ctl_open(dir, &c)) _exit(2);
    if (ctl_start(c) || ctl_newaccount(c, "alice", &k) || ctl_finish(c, NULL)) _exit(3);
    crash_at = point;
    cps_chain__crash_hook = crash_hook;
    if (ctl_start(c) || ctl_newaccount(c, "bob", &k) || ctl_finish(c, NULL)) _exit(4);
    _exit(5); /* the hook did not fire */
}

static int run_case(enum cps_chain_crash_point point, uint32_t want_head, bool want_bob)
{
    char *dir = ctl_tempdir();
    if (!dir) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) child_run(dir, point);
    int status = 0;
    waitpid(pid, &status, 0);
    int fails = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != CRASHED) {
        fprintf(stderr, "    child status %d\n", status);
        fails++;
    }
    cps_chain_controller *c = NULL;
    int rc = ctl_open(dir, &c);
    if (rc) {
        fprintf(stderr, "    reopen after crash point %d: %s\n", point, cps_last_error());
        ctl_rm_rf(dir);
        free(dir);
        return 1;
    }
    cps_chain_account_info ai;
    if (cps_chain_controller_head_num(c) != want_head) fails++;
    if (cps_chain_block_log_head_num(cps_chain_controller_block_log(c)) != want_head) fails++;
    cps_checksum256 id, log_id;
    cps_chain_controller_head_id(c, &id);
    cps_chain_block_log_head_id(cps_chain_controller_block_log(c), &log_id);
    if (memcmp(id.b, log_id.b, 32)) fails++;
    if (cps_chain_controller_get_account(c, cps_abi_name("alice"), &ai) != 0) fails++;
    rc = cps_chain_controller_get_account(c, cps_abi_name("bob"), &ai);
    if (want_bob ? rc != 0 : rc != CPS_ERR_NOT_FOUND) fails++;
    /* the chain goes on: one more block, then a clean reopen at it */
    cps_private_key k = ctl_key(2);
    if (ctl_start(c) || ctl_newaccount(c, "carol", &k) || ctl_finish(c, NULL)) fails++;
    cps_chain_controller_close(c);
    c = NULL;
    if (ctl_open(dir, &c)) fails++;
    else if (cps_chain_controller_head_num(c) != want_head + 1) fails++;
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
    return fails;
}

TEST(crash_before_log_append_loses_only_that_block)
{
    ASSERT_EQ(run_case(CPS_CHAIN_CRASH_BEFORE_LOG, 2, false), 0);
}

TEST(crash_between_log_and_state_replays_the_logged_block)
{
    ASSERT_EQ(run_case(CPS_CHAIN_CRASH_AFTER_LOG, 3, true), 0);
}

TEST(crash_after_state_commit_reopens_at_the_block)
{
    ASSERT_EQ(run_case(CPS_CHAIN_CRASH_AFTER_STATE, 3, true), 0);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    return test_main(argc, argv);
}
