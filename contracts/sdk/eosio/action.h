/* EOSIO host interface: the running action — its data, receiver, sender and return value
 * (EOSIO libraries/chain/webassembly/action.cpp, system.cpp). */
#ifndef EOSIO_ACTION_H
#define EOSIO_ACTION_H

#include "eosio/types.h"

/* Copies min(len, action size) bytes of the action data into `msg` and returns the number
 * copied; with len == 0 it copies nothing and returns the full size. */
EOSIO_IMPORT(read_action_data) uint32_t read_action_data(void *msg, uint32_t len);

/* Size in bytes of the current action's data. */
EOSIO_IMPORT(action_data_size) uint32_t action_data_size(void);

/* The account whose code runs now (the `receiver` passed to apply). */
EOSIO_IMPORT(current_receiver) cps_name current_receiver(void);

/* The account whose code sent this inline action, or 0 for an action of the transaction itself.
 * Needs protocol feature GET_SENDER. */
EOSIO_IMPORT(get_sender) cps_name get_sender(void);

/* Time (microseconds since 1970) of the block that first included the transaction. */
EOSIO_IMPORT(publication_time) uint64_t publication_time(void);

/* Sets the bytes returned in the action trace (at most the chain's max_action_return_value_size).
 * Needs protocol feature ACTION_RETURN_VALUE. The host copies `data`. */
EOSIO_IMPORT(set_action_return_value) void set_action_return_value(const void *data, uint32_t size);

#endif
