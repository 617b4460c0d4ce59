/* CPS contract SDK: apply() routing to action and notification handlers (see cps/dispatch.h). */
#include "cps/dispatch.h"

static void run(const cps_action_def *def, cps_name receiver, cps_name code)
{
    /* The action data and the unpacked arguments stay allocated for the whole action: strings
     * and bytes in the arguments point into the data. */
    uint32_t size = action_data_size();
    uint8_t *data = malloc(size);
    if (size > 0) read_action_data(data, size);
    cps_ds reader = cps_ds_reader(data, size);
    void *args = malloc(def->args_size);
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
