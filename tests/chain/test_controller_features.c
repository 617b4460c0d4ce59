/* Controller protocol features: PREACTIVATE_FEATURE scheduled by the producer and activated by
 * the next block (header extension protocol_feature_activation, replayed by another node),
 * pre-activation with nodeos's rules (unknown, duplicate, dependencies), activation of every
 * pre-activated feature by the next block, and refusal of a feature needing pre-activation. */
#include "ctl_helpers.h"
#include "chain/controller_internal.h"

static cps_checksum256 feature(const char *codename)
{
    cps_checksum256 d;
    if (cps_chain__feature_digest(codename, &d)) abort();
    return d;
}

static bool active(cps_chain_controller *c, const char *codename)
{
    cps_checksum256 d = feature(codename);
    bool yes = false;
    if (cps_chain__feature_is_activated(c, &d, &yes)) return false;
    return yes;
}

TEST(preactivate_feature_by_the_producer_and_replayed)
{
    char *dir = ctl_tempdir(), *dir2 = ctl_tempdir();
    cps_chain_controller *c = NULL, *d = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_chain_activated_feature *list = NULL;
    size_t n = 9;
    ASSERT_OK(cps_chain_controller_get_activated_features(c, &list, &n));
    ASSERT_EQ(n, 0);
    cps_checksum256 pre = feature("PREACTIVATE_FEATURE"), bogus = pre;
    bogus.b[5] ^= 1;
    ASSERT_EQ(cps_chain_controller_schedule_protocol_features(c, &bogus, 1), CPS_ERR_INVALID_ARG);
    ASSERT_OK(cps_chain_controller_schedule_protocol_features(c, &pre, 1));
    cps_buf raw = {0};
    ASSERT_OK(ctl_start(c));
    ASSERT(active(c, "PREACTIVATE_FEATURE"));
    ASSERT_OK(ctl_finish(c, &raw));
    ASSERT_OK(cps_chain_controller_get_activated_features(c, &list, &n));
    ASSERT_EQ(n, 1);
    ASSERT_MEM_EQ(list[0].digest.b, pre.b, 32);
    ASSERT_EQ(list[0].activation_block_num, 2);
    ASSERT_STR_EQ(list[0].codename, "PREACTIVATE_FEATURE");
    free(list);
    /* the header carries it */
    cps_arena a = {0};
    cps_signed_block b;
    ASSERT_OK(cps_abi_signed_block_decode(raw.data, raw.size, &a, &b));
    ASSERT_EQ(b.signed_header.header.header_extension_count, 1);
    ASSERT_EQ(b.signed_header.header.header_extensions[0].type, 0);
    ASSERT_EQ(b.signed_header.header.header_extensions[0].data.size, 33);
    ASSERT_MEM_EQ(b.signed_header.header.header_extensions[0].data.data + 1, pre.b, 32);
    cps_abi_arena_free(&a);
    /* only once: the next block activates nothing */
    cps_buf raw2 = {0};
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_finish(c, &raw2));
    ASSERT_OK(cps_abi_signed_block_decode(raw2.data, raw2.size, &a, &b));
    ASSERT_EQ(b.signed_header.header.header_extension_count, 0);
    cps_abi_arena_free(&a);

    /* another node applies both blocks and agrees */
    ASSERT_OK(ctl_open(dir2, &d));
    ASSERT_OK(cps_chain_controller_push_block(d, raw.data, raw.size));
    ASSERT_OK(cps_chain_controller_push_block(d, raw2.data, raw2.size));
    ASSERT(active(d, "PREACTIVATE_FEATURE"));
    uint8_t h1[32], h2[32];
    ASSERT_OK(cps_chain_controller_state_hash(c, h1));
    ASSERT_OK(cps_chain_controller_state_hash(d, h2));
    ASSERT_MEM_EQ(h1, h2, 32);
    cps_chain_controller_close(d);
    cps_buf_free(&raw);
    cps_buf_free(&raw2);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    ctl_rm_rf(dir2);
    free(dir);
    free(dir2);
}

TEST(preactivation_rules_and_activation_at_the_next_block)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_checksum256 pre = feature("PREACTIVATE_FEATURE");
    ASSERT_OK(cps_chain_controller_schedule_protocol_features(c, &pre, 1));
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_finish(c, NULL));

    /* a feature that needs pre-activation cannot just be scheduled */
    cps_checksum256 link = feature("ONLY_LINK_TO_EXISTING_PERMISSION");
    ASSERT_OK(cps_chain_controller_schedule_protocol_features(c, &link, 1));
    ASSERT_EQ(ctl_start(c), CPS_ERR_BLOCK);
    ASSERT_CONTAINS(cps_last_error(), "without prior required preactivation");
    ASSERT_OK(cps_chain_controller_schedule_protocol_features(c, NULL, 0));

    /* what eosio.boot's activate does, inside a block */
    ASSERT_OK(ctl_start(c));
    cps_checksum256 repl = feature("REPLACE_DEFERRED"), nodup = feature("NO_DUPLICATE_DEFERRED_ID");
    cps_checksum256 unknown = repl;
    unknown.b[0] ^= 0xff;
    ASSERT_EQ(cps_chain__feature_preactivate(c, &unknown), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "is unrecognized");
    ASSERT_EQ(cps_chain__feature_preactivate(c, &pre), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "is already activated");
    ASSERT_EQ(cps_chain__feature_preactivate(c, &nodup), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "not all dependencies");
    ASSERT_OK(cps_chain__feature_preactivate(c, &repl));
    ASSERT_EQ(cps_chain__feature_preactivate(c, &repl), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "already pre-activated");
    ASSERT_OK(cps_chain__feature_preactivate(c, &nodup)); /* its dependency is pre-activated */
    ASSERT(!active(c, "REPLACE_DEFERRED"));
    ASSERT_OK(ctl_finish(c, NULL));

    /* the next block activates both, in order */
    ASSERT_OK(ctl_start(c));
    ASSERT(active(c, "REPLACE_DEFERRED"));
    ASSERT(active(c, "NO_DUPLICATE_DEFERRED_ID"));
    ASSERT_OK(ctl_finish(c, NULL));
    cps_chain_activated_feature *list = NULL;
    size_t n = 0;
    ASSERT_OK(cps_chain_controller_get_activated_features(c, &list, &n));
    ASSERT_EQ(n, 3);
    ASSERT_STR_EQ(list[1].codename, "REPLACE_DEFERRED");
    ASSERT_STR_EQ(list[2].codename, "NO_DUPLICATE_DEFERRED_ID");
    ASSERT_EQ(list[1].activation_block_num, cps_chain_controller_head_num(c));
    free(list);
    /* the records survive a reopen */
    cps_chain_controller_close(c);
    ASSERT_OK(ctl_open(dir, &c));
    ASSERT(active(c, "NO_DUPLICATE_DEFERRED_ID"));
    ASSERT(!active(c, "GET_SENDER"));
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    return test_main(argc, argv);
}
