/* test_system: the system intrinsics — the assertion family, abort, eosio_exit, the block time and
 * protocol features. The fail* actions must abort the transaction with the noted error.
 *
 *   failassert(message)     eosio_assert(0, message)          -> "assertion failure with message:
 * <message>" failmessage(message)    eosio_assert_message(0, message)  -> same, message
 * length-counted failcode(code)          eosio_assert_code(0, code)        -> "assertion failure
 * with error code: <code>" failabort()             abort()                           -> "abort()
 * called" exit()                  eosio_exit(0) then a failing check: succeeds, since exit ends the
 * action (prints "before exit") pass()                  every assertion call with a true condition:
 * succeeds time(now)               current_time() == now and publication_time() <= now
 * (microseconds) feature(digest, active) is_feature_activated(digest) == active (needs
 * PREACTIVATE_FEATURE)
 */
#include "cps/sdk.h"

#define MESSAGE_FIELDS(X) X(message, string)
CPS_ABI_STRUCT(message, MESSAGE_FIELDS)

static void on_failassert(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const message_t *m = args;
    /* eosio_assert needs a NUL-terminated message: copy it. */
    char *text = malloc(m->message.size + 1);
    memcpy(text, m->message.data, m->message.size);
    text[m->message.size] = 0;
    eosio_assert(0, text);
}

static void on_failmessage(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const message_t *m = args;
    eosio_assert_message(0, m->message.data, m->message.size);
}

#define CODE_FIELDS(X) X(code, uint64)
CPS_ABI_STRUCT(code, CODE_FIELDS)

static void on_failcode(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    eosio_assert_code(0, ((const code_t *)args)->code);
}

CPS_ABI_EMPTY_STRUCT(empty)

static void on_failabort(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    abort();
}

static void on_exit(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    prints("before exit");
    eosio_exit(0);
}

static void on_pass(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    eosio_assert(1, "eosio_assert(1) failed");
    eosio_assert_message(1, "eosio_assert_message(1) failed", 30);
    eosio_assert_code(1, 1);
    check(true, "check(true) failed");
    check_code(true, 2);
}

#define BLOCKTIME_FIELDS(X) X(now, time_point)
CPS_ABI_STRUCT(blocktime, BLOCKTIME_FIELDS)

static void on_time(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    int64_t now = ((const blocktime_t *)args)->now;
    check(current_time() == (uint64_t)now, "current_time() is not the block time");
    check(publication_time() <= (uint64_t)now, "publication_time() is after the block time");
}

#define FEATURE_FIELDS(X) X(digest, checksum256) X(active, bool)
CPS_ABI_STRUCT(feature, FEATURE_FIELDS)

static void on_feature(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const feature_t *f = args;
    check(is_feature_activated(&f->digest) == f->active, "is_feature_activated() differs");
}

static const cps_action_def system_actions[] = {
    CPS_ACTION(failassert, message, on_failassert),
    CPS_ACTION(failmessage, message, on_failmessage),
    CPS_ACTION(failcode, code, on_failcode),
    CPS_ACTION(failabort, empty, on_failabort),
    CPS_ACTION(exit, empty, on_exit),
    CPS_ACTION(pass, empty, on_pass),
    CPS_ACTION(time, blocktime, on_time),
    CPS_ACTION(feature, feature, on_feature),
};
CPS_CONTRACT(system_actions)
