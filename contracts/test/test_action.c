/* test_action: the action-data, authorization and notification intrinsics. Every action checks
 * its results with eosio_assert; the chain's tests (and tests/contracts/intrinsics_test.js in the
 * mock host) push them and look at success, the failure message or the console.
 *
 *   data(number, text, hash)  action_data_size / read_action_data (full, partial, size query)
 *                             agree with the packed arguments; current_receiver() is the
 *                             receiver; prints text
 *   auth(signer, other)       require_auth(signer) passes, has_auth(signer), !has_auth(other)
 *   auth2(signer, permission) require_auth2(signer, permission)
 *   notify(first, second)     require_recipient(first, second, first again): the action is then
 *                             delivered to each once. When this contract receives such a
 *                             notification it prints "notified <receiver> by <code>;"
 *   account(who, exists)      is_account(who) == exists
 *   sender(expected)          get_sender() == expected (0 = pushed by a transaction; needs
 * GET_SENDER) retvalue(value)           set_action_return_value(value) (needs ACTION_RETURN_VALUE)
 *   created(who, time)        get_account_creation_time(who) == time (microseconds)
 */
#include "cps/sdk.h"

#define DATA_FIELDS(X) X(number, uint64) X(text, string) X(hash, checksum256)
CPS_ABI_STRUCT(data, DATA_FIELDS)

static void on_data(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const data_t *d = args;
    uint32_t expected_size = data_packed_size(d);
    check(action_data_size() == expected_size,
          "action_data_size differs from the packed arguments");
    check(read_action_data(NULL, 0) == expected_size, "read_action_data(NULL, 0) is not the size");

    uint8_t *all = malloc(expected_size + 8);
    check(read_action_data(all, expected_size + 8) == expected_size,
          "read_action_data with a larger buffer does not return the size");
    uint8_t first[4];
    check(read_action_data(first, sizeof first) == sizeof first,
          "read_action_data with a smaller buffer does not return its length");
    check(memcmp(first, all, sizeof first) == 0, "partial read differs from the full read");

    uint8_t number[8];
    memcpy(number, all, 8);
    uint64_t value;
    memcpy(&value, number, 8);
    check(value == d->number, "first 8 bytes are not the little-endian uint64 argument");
    check(current_receiver() == self, "current_receiver() is not the receiver");
    prints_l(d->text.data, d->text.size);
}

#define AUTH_FIELDS(X) X(signer, name) X(other, name)
CPS_ABI_STRUCT(auth, AUTH_FIELDS)

static void on_auth(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const auth_t *a = args;
    require_auth(a->signer);
    check(has_auth(a->signer), "has_auth(signer) is false after require_auth");
    check(!has_auth(a->other), "has_auth(other) is true");
}

#define AUTH2_FIELDS(X) X(signer, name) X(permission, name)
CPS_ABI_STRUCT(auth2, AUTH2_FIELDS)

static void on_auth2(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const auth2_t *a = args;
    require_auth2(a->signer, a->permission);
}

#define NOTIFY_FIELDS(X) X(first, name) X(second, name)
CPS_ABI_STRUCT(notify, NOTIFY_FIELDS)

static void on_notify(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const notify_t *n = args;
    require_recipient(n->first);
    require_recipient(n->second);
    require_recipient(n->first); /* a second request for the same account is ignored */
}

static void on_notified(cps_name self, cps_name code, const void *args)
{
    (void)args;
    check(current_receiver() == self, "current_receiver() is not the notified account");
    check(code != self, "a notification has code == receiver");
    prints("notified ");
    printn(self);
    prints(" by ");
    printn(code);
    prints(";");
}

#define ACCOUNT_FIELDS(X) X(who, name) X(exists, bool)
CPS_ABI_STRUCT(account, ACCOUNT_FIELDS)

static void on_account(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const account_t *a = args;
    check(is_account(a->who) == a->exists, "is_account() differs from the expected answer");
}

#define SENDER_FIELDS(X) X(expected, name)
CPS_ABI_STRUCT(sender, SENDER_FIELDS)

static void on_sender(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    check(get_sender() == ((const sender_t *)args)->expected,
          "get_sender() is not the expected account");
}

#define RETVALUE_FIELDS(X) X(value, bytes)
CPS_ABI_STRUCT(retvalue, RETVALUE_FIELDS)

static void on_retvalue(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const retvalue_t *r = args;
    set_action_return_value(r->value.data, r->value.size);
}

#define CREATED_FIELDS(X) X(who, name) X(time, int64)
CPS_ABI_STRUCT(created, CREATED_FIELDS)

static void on_created(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const created_t *c = args;
    check(get_account_creation_time(c->who) == c->time, "account creation time differs");
}

static const cps_action_def action_actions[] = {
    CPS_ACTION(data, data, on_data),
    CPS_ACTION(auth, auth, on_auth),
    CPS_ACTION(auth2, auth2, on_auth2),
    CPS_ACTION(notify, notify, on_notify),
    CPS_ACTION(account, account, on_account),
    CPS_ACTION(sender, sender, on_sender),
    CPS_ACTION(retvalue, retvalue, on_retvalue),
    CPS_ACTION(created, created, on_created),
};
static const cps_action_def action_notifications[] = {
    CPS_NOTIFY_ANY(notify, notify, on_notified),
};
CPS_CONTRACT_WITH_NOTIFY(action_actions, action_notifications)
