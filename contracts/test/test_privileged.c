/* test_privileged: the privileged intrinsics. Deployed on a privileged account every action
 * succeeds; on an ordinary account each aborts in its first intrinsic call (the chain refuses
 * privileged calls from unprivileged code).
 *
 *   setpriv(account)                  set_privileged(account, 1) then is_privileged; then 0 again
 *   limits(account, ram, net, cpu)    set_resource_limits then get_resource_limits returns them
 *   params()                          get_blockchain_parameters_packed: size query, full read, a
 *                                     too-small buffer gives 0; writing the same bytes back with
 *                                     set_blockchain_parameters_packed keeps them
 *   producers(schedule)               set_proposed_producers(schedule) (packed producer_key[])
 *                                     returns a version >= 0, printed
 *   preactivate(digest)               preactivate_feature(digest)
 */
#include "cps/sdk.h"

CPS_ABI_EMPTY_STRUCT(empty)

#define SETPRIV_FIELDS(X) X(account, name)
CPS_ABI_STRUCT(setpriv, SETPRIV_FIELDS)

static void on_setpriv(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    cps_name account = ((const setpriv_t *)args)->account;
    set_privileged(account, true);
    check(is_privileged(account), "is_privileged is false after set_privileged(1)");
    set_privileged(account, false);
    check(!is_privileged(account), "is_privileged is true after set_privileged(0)");
}

#define LIMITS_FIELDS(X) X(account, name) X(ram, int64) X(net, int64) X(cpu, int64)
CPS_ABI_STRUCT(limits, LIMITS_FIELDS)

static void on_limits(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const limits_t *l = args;
    set_resource_limits(l->account, l->ram, l->net, l->cpu);
    int64_t ram = 0, net = 0, cpu = 0;
    get_resource_limits(l->account, &ram, &net, &cpu);
    check(ram == l->ram && net == l->net && cpu == l->cpu, "resource limits read back differ");
}

static void on_params(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    uint32_t size = get_blockchain_parameters_packed(NULL, 0);
    check(size > 0, "blockchain parameters size is 0");
    uint8_t *params = malloc(size), *again = malloc(size);
    check(get_blockchain_parameters_packed(params, size) == size,
          "full read returned another size");
    uint8_t small[4];
    check(size <= sizeof small || get_blockchain_parameters_packed(small, sizeof small) == 0,
          "a too-small buffer did not return 0");
    set_blockchain_parameters_packed(params, size);
    check(get_blockchain_parameters_packed(again, size) == size && memcmp(params, again, size) == 0,
          "parameters changed after writing them back");
}

#define PRODUCERS_FIELDS(X) X(schedule, bytes)
CPS_ABI_STRUCT(producers, PRODUCERS_FIELDS)

static void on_producers(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const producers_t *p = args;
    int64_t version = set_proposed_producers(p->schedule.data, p->schedule.size);
    check(version >= 0, "set_proposed_producers did not propose the schedule");
    printi(version);
}

#define PREACTIVATE_FIELDS(X) X(digest, checksum256)
CPS_ABI_STRUCT(preactivate, PREACTIVATE_FIELDS)

static void on_preactivate(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    preactivate_feature(&((const preactivate_t *)args)->digest);
}

static const cps_action_def privileged_actions[] = {
    CPS_ACTION(setpriv, setpriv, on_setpriv),
    CPS_ACTION(limits, limits, on_limits),
    CPS_ACTION(params, empty, on_params),
    CPS_ACTION(producers, producers, on_producers),
    CPS_ACTION(preactivate, preactivate, on_preactivate),
};
CPS_CONTRACT(privileged_actions)
