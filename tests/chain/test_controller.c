/* Controller: genesis as nodeos builds it, native account and authority actions with their
 * failure paths, transaction validation (expiration, TaPoS, duplicates, signatures). */
#include "ctl_helpers.h"

static cps_chain_controller *open_fresh(char **dir)
{
    *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    if (!*dir || ctl_open(*dir, &c)) {
        fprintf(stderr, "    open: %s\n", cps_last_error());
        return NULL;
    }
    return c;
}

static void close_rm(cps_chain_controller *c, char *dir)
{
    cps_chain_controller_close(c);
    if (dir) ctl_rm_rf(dir);
    free(dir);
}

TEST(genesis_accounts_and_block_one)
{
    char *dir;
    cps_chain_controller *c = open_fresh(&dir);
    ASSERT(c != NULL);
    char hex[65];
    cps_hex_encode(hex, cps_chain_controller_chain_id(c)->b, 32);
    /* a fresh nodeos 2.0 with the default genesis has this chain id */
    ASSERT_STR_EQ(hex, "8a34ec7df1b8cd06ff4a8abbaa7cc50300823350cadc59ab296cb00d104d2b8f");
    ASSERT_EQ(cps_chain_controller_head_num(c), 1);
    cps_chain_account_info ai;
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("eosio"), &ai));
    ASSERT(ai.privileged);
    ASSERT_EQ(ai.abi_size, 2132); /* eosio_abi_bin */
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("eosio.null"), &ai));
    ASSERT(!ai.privileged);
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("eosio.prods"), &ai));
    ASSERT_EQ(cps_chain_controller_get_account(c, cps_abi_name("alice"), &ai), CPS_ERR_NOT_FOUND);
    cps_arena a = {0};
    cps_name parent;
    cps_authority auth;
    ASSERT_OK(cps_chain_controller_get_permission(c, cps_abi_name("eosio.prods"),
                                                  cps_abi_name("prod.minor"), &a, &parent, &auth,
                                                  NULL));
    ASSERT_U64_EQ(parent, cps_abi_name("prod.major"));
    ASSERT_OK(cps_chain_controller_get_permission(c, cps_abi_name("eosio"), cps_abi_name("active"),
                                                  &a, &parent, &auth, NULL));
    ASSERT_U64_EQ(parent, cps_abi_name("owner"));
    ASSERT_EQ(auth.key_count, 1);
    cps_abi_arena_free(&a);
    /* block 1 in the log: previous zero, action_mroot = chain id, unsigned */
    cps_signed_block b1;
    ASSERT_EQ(cps_chain_block_log_head_num(cps_chain_controller_block_log(c)), 1);
    ASSERT_OK(cps_chain_block_log_read_block(cps_chain_controller_block_log(c), 1, &a, &b1));
    ASSERT_MEM_EQ(b1.signed_header.header.action_mroot.b, cps_chain_controller_chain_id(c)->b, 32);
    ASSERT_EQ(b1.signed_header.header.producer, 0);
    ASSERT_EQ(b1.signed_header.header.confirmed, 1);
    ASSERT_EQ(b1.signed_header.header.timestamp,
              cps_block_timestamp_from_us(CPS_CHAIN_DEFAULT_INITIAL_TIMESTAMP_US));
    cps_abi_arena_free(&a);
    close_rm(c, dir);
}

TEST(newaccount_happy_and_failures)
{
    char *dir;
    cps_chain_controller *c = open_fresh(&dir);
    ASSERT(c != NULL);
    cps_private_key alice = ctl_key(1), dev = ctl_dev_key();
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_newaccount(c, "alice", &alice));
    cps_chain_account_info ai;
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("alice"), &ai));
    ASSERT(!ai.privileged);
    /* the name is taken */
    ASSERT_EQ(ctl_newaccount(c, "alice", &alice), CPS_ERR_ACCOUNT);
    ASSERT_CONTAINS(cps_last_error(), "already taken");
    /* alice cannot create eosio.* names, and needs her own signature */
    char pub[CPS_PUBLIC_KEY_STR_MAX], json[1024];
    ctl_pub_str(&alice, pub);
    snprintf(json, sizeof json,
             "{\"creator\":\"alice\",\"name\":\"%s\",\"owner\":{\"threshold\":1,\"keys\":[{\"key\":"
             "\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]},\"active\":{\"threshold\":1,"
             "\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]}}",
             "eosio.bad", pub, pub);
    ctl_action na = {"eosio", "newaccount", "alice@active", NULL, json};
    ASSERT_EQ(ctl_push(c, &na, 1, &alice, 1, NULL, NULL), CPS_ERR_ACCOUNT);
    ASSERT_CONTAINS(cps_last_error(), "eosio.");
    snprintf(json, sizeof json,
             "{\"creator\":\"alice\",\"name\":\"bob\",\"owner\":{\"threshold\":1,\"keys\":[{\"key\":"
             "\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]},\"active\":{\"threshold\":1,"
             "\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]}}",
             pub, pub);
    /* missing signature */
    ASSERT_EQ(ctl_push(c, &na, 1, NULL, 0, NULL, NULL), CPS_ERR_AUTH);
    ASSERT_CONTAINS(cps_last_error(), "does not have signatures");
    /* signed by the wrong key */
    ASSERT_EQ(ctl_push(c, &na, 1, &dev, 1, NULL, NULL), CPS_ERR_AUTH);
    /* an extra, irrelevant signature */
    cps_private_key two[2] = {alice, dev};
    ASSERT_EQ(ctl_push(c, &na, 1, two, 2, NULL, NULL), CPS_ERR_AUTH);
    ASSERT_CONTAINS(cps_last_error(), "irrelevant signatures");
    /* the same key twice */
    cps_private_key same[2] = {alice, alice};
    ASSERT_EQ(ctl_push(c, &na, 1, same, 2, NULL, NULL), CPS_ERR_AUTH);
    /* correct */
    cps_chain_transaction_trace *t = NULL;
    ASSERT_OK(ctl_push(c, &na, 1, &alice, 1, NULL, &t));
    ASSERT(t != NULL);
    ASSERT_EQ(t->action_count, 1);
    ASSERT(t->actions[0].has_receipt);
    ASSERT_U64_EQ(t->actions[0].receiver, cps_abi_name("eosio"));
    ASSERT_EQ(t->actions[0].auth_sequence_count, 1);
    ASSERT(t->cpu_usage_us >= cps_chain_controller_config(c)->min_transaction_cpu_usage);
    ASSERT(t->net_usage_words > 0);
    cps_chain_transaction_trace_free(t);
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("bob"), &ai));
    /* alice's last authorization time is the block's */
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("alice"), &ai));
    ASSERT_EQ(ai.last_auth_us, cps_block_timestamp_to_us(cps_chain_controller_head_timestamp(c) + 1));
    /* bad authority: threshold above the weights */
    snprintf(json, sizeof json,
             "{\"creator\":\"eosio\",\"name\":\"carol\",\"owner\":{\"threshold\":2,\"keys\":[{\"key\":"
             "\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]},\"active\":{\"threshold\":1,"
             "\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]}}",
             pub, pub);
    ctl_action bad = {"eosio", "newaccount", "eosio@active", NULL, json};
    ASSERT_EQ(ctl_push(c, &bad, 1, &dev, 1, NULL, NULL), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "owner");
    ASSERT_OK(ctl_finish(c, NULL));
    close_rm(c, dir);
}

TEST(updateauth_threshold_linkauth_deleteauth)
{
    char *dir;
    cps_chain_controller *c = open_fresh(&dir);
    ASSERT(c != NULL);
    cps_private_key alice = ctl_key(1), k2 = ctl_key(2), k3 = ctl_key(3);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_newaccount(c, "alice", &alice));
    /* alice@ops: threshold 2 over two keys (sorted as EOSIO requires) */
    char p2[CPS_PUBLIC_KEY_STR_MAX], p3[CPS_PUBLIC_KEY_STR_MAX];
    ctl_pub_str(&k2, p2);
    ctl_pub_str(&k3, p3);
    cps_public_key q2, q3;
    ASSERT_OK(cps_key_public(&k2, &q2));
    ASSERT_OK(cps_key_public(&k3, &q3));
    const char *lo = cps_public_key_compare(&q2, &q3) < 0 ? p2 : p3;
    const char *hi = lo == p2 ? p3 : p2;
    char json[1024];
    snprintf(json, sizeof json,
             "{\"account\":\"alice\",\"permission\":\"ops\",\"parent\":\"active\",\"auth\":"
             "{\"threshold\":2,\"keys\":[{\"key\":\"%s\",\"weight\":1},{\"key\":\"%s\",\"weight\":1}],"
             "\"accounts\":[],\"waits\":[]}}", lo, hi);
    ctl_action upd = {"eosio", "updateauth", "alice@active", NULL, json};
    ASSERT_OK(ctl_push(c, &upd, 1, &alice, 1, NULL, NULL));
    cps_arena a = {0};
    cps_name parent;
    cps_authority auth;
    ASSERT_OK(cps_chain_controller_get_permission(c, cps_abi_name("alice"), cps_abi_name("ops"), &a,
                                                  &parent, &auth, NULL));
    ASSERT_EQ(auth.threshold, 2);
    ASSERT_U64_EQ(parent, cps_abi_name("active"));
    cps_abi_arena_free(&a);
    /* a permission cannot be its own parent; eosio.* names are reserved */
    ctl_action self = {"eosio", "updateauth", "alice@active", NULL,
                       "{\"account\":\"alice\",\"permission\":\"x\",\"parent\":\"x\",\"auth\":"
                       "{\"threshold\":1,\"keys\":[],\"accounts\":[{\"permission\":{\"actor\":\"eosio\","
                       "\"permission\":\"active\"},\"weight\":1}],\"waits\":[]}}"};
    ASSERT_NE(ctl_push(c, &self, 1, &alice, 1, NULL, NULL), 0);

    /* link alice's hello::hi to ops; eosio has no such contract but linkauth needs only the
     * code account to exist */
    ctl_action link = {"eosio", "linkauth", "alice@active", NULL,
                       "{\"account\":\"alice\",\"code\":\"eosio\",\"type\":\"setabi\","
                       "\"requirement\":\"ops\"}"};
    ASSERT_OK(ctl_push(c, &link, 1, &alice, 1, NULL, NULL));
    cps_name req;
    ASSERT_OK(cps_chain_controller_get_link(c, cps_abi_name("alice"), cps_abi_name("eosio"),
                                            cps_abi_name("setabi"), &req));
    ASSERT_U64_EQ(req, cps_abi_name("ops"));
    /* linking native auth actions is refused */
    ctl_action link_bad = {"eosio", "linkauth", "alice@active", NULL,
                           "{\"account\":\"alice\",\"code\":\"eosio\",\"type\":\"updateauth\","
                           "\"requirement\":\"ops\"}"};
    ASSERT_EQ(ctl_push(c, &link_bad, 1, &alice, 1, NULL, NULL), CPS_ERR_ACCOUNT);

    /* setabi by alice@ops: one of the two keys is not enough, both are */
    ctl_action setabi = {"eosio", "setabi", "alice@ops", NULL,
                         "{\"account\":\"alice\",\"abi\":\"0e656f73696f3a3a6162692f312e310000000000000000\"}"};
    ASSERT_EQ(ctl_push(c, &setabi, 1, &k2, 1, NULL, NULL), CPS_ERR_AUTH);
    cps_private_key both[2] = {k2, k3};
    ASSERT_OK(ctl_push(c, &setabi, 1, both, 2, NULL, NULL));
    /* active (the parent of ops) satisfies the link too */
    ctl_action setabi_active = {"eosio", "setabi", "alice@active", NULL,
                                "{\"account\":\"alice\",\"abi\":\"\"}"};
    ASSERT_OK(ctl_push(c, &setabi_active, 1, &alice, 1, NULL, NULL));
    cps_chain_account_info ai;
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("alice"), &ai));
    ASSERT_EQ(ai.abi_sequence, 2);
    /* but ops does not satisfy an action that needs active */
    ctl_action upd_by_ops = {"eosio", "updateauth", "alice@ops", NULL,
                             "{\"account\":\"alice\",\"permission\":\"active\",\"parent\":\"owner\","
                             "\"auth\":{\"threshold\":1,\"keys\":[],\"accounts\":[{\"permission\":"
                             "{\"actor\":\"eosio\",\"permission\":\"active\"},\"weight\":1}],\"waits\":[]}}"};
    ASSERT_EQ(ctl_push(c, &upd_by_ops, 1, both, 2, NULL, NULL), CPS_ERR_AUTH);
    ASSERT_CONTAINS(cps_last_error(), "irrelevant authority");

    /* deleteauth of a linked permission fails; after unlinkauth it works */
    ctl_action del = {"eosio", "deleteauth", "alice@active", NULL,
                      "{\"account\":\"alice\",\"permission\":\"ops\"}"};
    ASSERT_EQ(ctl_push(c, &del, 1, &alice, 1, NULL, NULL), CPS_ERR_ACCOUNT);
    ASSERT_CONTAINS(cps_last_error(), "linked");
    ctl_action unlink = {"eosio", "unlinkauth", "alice@active", NULL,
                         "{\"account\":\"alice\",\"code\":\"eosio\",\"type\":\"setabi\"}"};
    ASSERT_OK(ctl_push(c, &unlink, 1, &alice, 1, NULL, NULL));
    ASSERT_EQ(ctl_push(c, &unlink, 1, &alice, 1, &(ctl_trx_opts){0, false, 1, 0}, NULL), CPS_ERR_ACCOUNT);
    ASSERT_OK(ctl_push(c, &del, 1, &alice, 1, NULL, NULL));
    ASSERT_EQ(cps_chain_controller_get_permission(c, cps_abi_name("alice"), cps_abi_name("ops"), &a,
                                                  &parent, &auth, NULL),
              CPS_ERR_NOT_FOUND);
    cps_abi_arena_free(&a);
    /* owner and active cannot be deleted */
    ctl_action del_active = {"eosio", "deleteauth", "alice@owner", NULL,
                             "{\"account\":\"alice\",\"permission\":\"active\"}"};
    ASSERT_EQ(ctl_push(c, &del_active, 1, &alice, 1, NULL, NULL), CPS_ERR_ACCOUNT);
    ASSERT_OK(ctl_finish(c, NULL));
    close_rm(c, dir);
}

TEST(account_authority_and_waits)
{
    char *dir;
    cps_chain_controller *c = open_fresh(&dir);
    ASSERT(c != NULL);
    cps_private_key alice = ctl_key(1), bob = ctl_key(4);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_newaccount(c, "alice", &alice));
    ASSERT_OK(ctl_newaccount(c, "bob", &bob));
    /* alice@active = bob@active (weight 1) OR a 1-hour wait (weight 1), threshold 1 */
    ctl_action upd = {"eosio", "updateauth", "alice@active", NULL,
                      "{\"account\":\"alice\",\"permission\":\"active\",\"parent\":\"owner\",\"auth\":"
                      "{\"threshold\":1,\"keys\":[],\"accounts\":[{\"permission\":{\"actor\":\"bob\","
                      "\"permission\":\"active\"},\"weight\":1}],\"waits\":[{\"wait_sec\":3600,\"weight\":1}]}}"};
    ASSERT_OK(ctl_push(c, &upd, 1, &alice, 1, NULL, NULL));
    /* now bob's key signs for alice@active; alice's own key no longer does */
    ctl_action abi = {"eosio", "setabi", "alice@active", NULL, "{\"account\":\"alice\",\"abi\":\"00\"}"};
    ASSERT_EQ(ctl_push(c, &abi, 1, &alice, 1, NULL, NULL), CPS_ERR_AUTH);
    ASSERT_OK(ctl_push(c, &abi, 1, &bob, 1, NULL, NULL));
    /* the wait alone does not count without a delay */
    ctl_action abi2 = {"eosio", "setabi", "alice@active", NULL, "{\"account\":\"alice\",\"abi\":\"0000\"}"};
    ASSERT_EQ(ctl_push(c, &abi2, 1, NULL, 0, NULL, NULL), CPS_ERR_AUTH);
    /* an account referenced in an authority must exist */
    ctl_action bad = {"eosio", "updateauth", "bob@active", NULL,
                      "{\"account\":\"bob\",\"permission\":\"x\",\"parent\":\"active\",\"auth\":"
                      "{\"threshold\":1,\"keys\":[],\"accounts\":[{\"permission\":{\"actor\":\"nobody\","
                      "\"permission\":\"active\"},\"weight\":1}],\"waits\":[]}}"};
    ASSERT_EQ(ctl_push(c, &bad, 1, &bob, 1, NULL, NULL), CPS_ERR_ACCOUNT);
    ASSERT_OK(ctl_finish(c, NULL));
    close_rm(c, dir);
}

TEST(expired_duplicate_and_tapos_rejected)
{
    char *dir;
    cps_chain_controller *c = open_fresh(&dir);
    ASSERT(c != NULL);
    cps_private_key alice = ctl_key(1);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_newaccount(c, "alice", &alice));
    ASSERT_OK(ctl_finish(c, NULL));
    ASSERT_OK(ctl_start(c));
    ctl_action abi = {"eosio", "setabi", "alice@active", NULL, "{\"account\":\"alice\",\"abi\":\"00\"}"};
    uint8_t before[32], after[32];
    ASSERT_OK(cps_chain_controller_state_hash(c, before));
    /* expired: expiration before the pending block's time */
    ctl_trx_opts expired = {-10, false, 0, 0};
    ASSERT_EQ(ctl_push(c, &abi, 1, &alice, 1, &expired, NULL), CPS_ERR_TX_EXPIRED);
    /* too far ahead */
    ctl_trx_opts far = {7200, false, 0, 0};
    ASSERT_EQ(ctl_push(c, &abi, 1, &alice, 1, &far, NULL), CPS_ERR_TX_EXPIRED);
    /* a reference block that is not ours */
    ctl_trx_opts tapos = {0, true, 0, 0};
    ASSERT_EQ(ctl_push(c, &abi, 1, &alice, 1, &tapos, NULL), CPS_ERR_TX_TAPOS);
    ASSERT_OK(cps_chain_controller_state_hash(c, after));
    ASSERT_MEM_EQ(before, after, 32);
    /* duplicate: the same bytes twice, in the same block and in a later one */
    cps_buf b = {0};
    ASSERT_OK(ctl_make_trx(c, &abi, 1, &alice, 1, NULL, &b));
    ASSERT_OK(cps_chain_controller_push_transaction(c, b.data, b.size, NULL));
    ASSERT_EQ(cps_chain_controller_push_transaction(c, b.data, b.size, NULL), CPS_ERR_TX_DUPLICATE);
    ASSERT_OK(ctl_finish(c, NULL));
    ASSERT_OK(ctl_start(c));
    ASSERT_EQ(cps_chain_controller_push_transaction(c, b.data, b.size, NULL), CPS_ERR_TX_DUPLICATE);
    /* garbage bytes fail cleanly */
    uint8_t junk[7] = {1, 2, 3, 4, 5, 6, 7};
    ASSERT_EQ(cps_chain_controller_push_transaction(c, junk, sizeof junk, NULL), CPS_ERR_TX);
    cps_buf_free(&b);
    /* abort hands back what the block had applied */
    ctl_action abi3 = {"eosio", "setabi", "alice@active", NULL, "{\"account\":\"alice\",\"abi\":\"0101\"}"};
    ASSERT_OK(ctl_push(c, &abi3, 1, &alice, 1, NULL, NULL));
    cps_buf *un = NULL;
    size_t nun = 0;
    cps_chain_controller_abort_block(c, &un, &nun);
    ASSERT_EQ(nun, 1);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(cps_chain_controller_push_transaction(c, un[0].data, un[0].size, NULL));
    for (size_t i = 0; i < nun; i++) cps_buf_free(&un[i]);
    free(un);
    ASSERT_OK(ctl_finish(c, NULL));
    close_rm(c, dir);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    return test_main(argc, argv);
}
