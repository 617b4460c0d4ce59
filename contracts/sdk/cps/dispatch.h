/* CPS contract SDK, the entry point: apply(receiver, code, action) is what the chain calls for
 * every action and notification. cps_dispatch routes it through tables of handlers, unpacking
 * the action data into the handler's CPS_ABI_STRUCT first, as eosio.cdt's generated dispatcher
 * does.
 *
 *   static void on_transfer(cps_name self, cps_name code, const void *args) {
 *       const transfer_t *t = args; ...
 *   }
 *   static const cps_action_def actions[] = { CPS_ACTION(transfer, transfer, on_transfer) };
 *   CPS_CONTRACT(actions)
 *
 * Rules (those of eosio.cdt):
 *   - code == receiver: the action is for this contract; an unknown action aborts with error code
 *     8000000000000000000 (eosio_assert_code), as eosio.cdt does;
 *   - code != receiver: a notification (require_recipient) of code's action; it goes to the
 *     first CPS_NOTIFY entry for (code, action) or CPS_NOTIFY_ANY entry for the action, and is
 *     ignored when none matches.
 * Trailing bytes after the arguments are ignored, missing bytes abort (datastream messages). */
#ifndef CPS_SDK_DISPATCH_H
#define CPS_SDK_DISPATCH_H

#include "cps/datastream.h"
#include "cps/name.h"

typedef void (*cps_action_handler)(cps_name receiver, cps_name code, const void *args);

typedef struct cps_action_def {
    cps_name code;   /* notifications only: the sending contract, 0 for any */
    cps_name action; /* the action name */
    uint32_t args_size;
    void (*unpack)(void *args, cps_ds *in);
    cps_action_handler handler;
} cps_action_def;

/* Entry for the action `action` whose arguments are the ABI struct `type` (abi.test.sh checks the
 * pair against the .abi). `action` is written as an identifier: CPS_ACTION(transfer, ...). */
#define CPS_ACTION(action, type, handler)                                                          \
    {                                                                                              \
        0, N(#action), sizeof(type##_t), type##_unpack_any, (handler)                              \
    }

/* Entry for notifications of contract `code_literal`'s action, e.g.
 * CPS_NOTIFY("eosio.token", transfer, transfer, on_payment); CPS_NOTIFY_ANY for any contract. */
#define CPS_NOTIFY(code_literal, action, type, handler)                                            \
    {                                                                                              \
        N(code_literal), N(#action), sizeof(type##_t), type##_unpack_any, (handler)                \
    }
#define CPS_NOTIFY_ANY(action, type, handler)                                                      \
    {                                                                                              \
        0, N(#action), sizeof(type##_t), type##_unpack_any, (handler)                              \
    }

/* eosio.cdt's "no action found" error code. */
#define CPS_ERROR_NO_ACTION UINT64_C(8000000000000000000)

void cps_dispatch(cps_name receiver, cps_name code, cps_name action, const cps_action_def *actions,
                  uint32_t action_count, const cps_action_def *notifications,
                  uint32_t notification_count);

/* Defines and exports apply() over the given handler arrays. */
#define CPS_CONTRACT(actions)                                                                      \
    CPS_EXPORT(apply) void apply(uint64_t receiver, uint64_t code, uint64_t action);               \
    void apply(uint64_t receiver, uint64_t code, uint64_t action)                                  \
    {                                                                                              \
        cps_dispatch(receiver, code, action, (actions), CPS_ARRAY_LEN(actions), NULL, 0);          \
    }
#define CPS_CONTRACT_WITH_NOTIFY(actions, notifications)                                           \
    CPS_EXPORT(apply) void apply(uint64_t receiver, uint64_t code, uint64_t action);               \
    void apply(uint64_t receiver, uint64_t code, uint64_t action)                                  \
    {                                                                                              \
        cps_dispatch(receiver, code, action, (actions), CPS_ARRAY_LEN(actions), (notifications),   \
                     CPS_ARRAY_LEN(notifications));                                                \
    }

#endif
