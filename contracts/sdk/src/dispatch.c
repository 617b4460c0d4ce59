/* CPS contract SDK: apply() routing to action and notification handlers (see cps/dispatch.h). */
#include "cps/dispatch.h"

/* Room on the stack for the arguments and the action data of the common action (a transfer with
 * a memo of up to ~200 bytes); larger ones go to the heap. run() is the outermost frame of
 * every handler, so the stack block outlives the handler as the heap block would. */
#define RUN_SCRATCH 320

static void run(const cps_action_def *def, cps_name receiver, cps_name code)
{
    /* The action data and the unpacked arguments stay allocated for the whole action: strings
     * and bytes in the arguments point into the data. */
    uint32_t size = action_data_size();
    uint32_t args_size = (def->args_size + 15u) & ~15u; /* keeps the data 16-byte aligned */
    _Alignas(16) uint8_t scratch[RUN_SCRATCH];
    uint8_t *args = scratch;
    uint8_t *data = scratch + args_size;
    if (size > RUN_SCRATCH || args_size > RUN_SCRATCH - size) {
        args = malloc(def->args_size);
        data = malloc(size);
    }
    if (size > 0) read_action_data(data, size);
    cps_ds reader = cps_ds_reader(data, size);
    def->unpack(args, &reader);
    def->handler(receiver, code, args);
}

void cps_dispatch(cps_name receiver, cps_name code, cps_name action, const cps_action_def *actions,
                  uint32_t action_count, const cps_action_def *notifications,
                  uint32_t notification_count)
{
    if (code == receiver) {
        for (uint32_t i = 0; i < action_count; i++) {
            if (actions[i].action == action) {
                run(&actions[i], receiver, code);
                return;
            }
        }
        eosio_assert_code(0, CPS_ERROR_NO_ACTION);
        return;
    }
    for (uint32_t i = 0; i < notification_count; i++) {
        const cps_action_def *n = &notifications[i];
        if ((n->code == 0 || n->code == code) && n->action == action) {
            run(n, receiver, code);
            return;
        }
    }
}
