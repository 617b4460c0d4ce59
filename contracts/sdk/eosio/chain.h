/* EOSIO host interface: the active producer schedule (EOSIO
 * libraries/chain/webassembly/producer.cpp). */
#ifndef EOSIO_CHAIN_H
#define EOSIO_CHAIN_H

#include "eosio/types.h"

/* Writes the names of the active producers (8 bytes each) into `producers`, up to `size` bytes,
 * and returns the number of bytes the full list needs. */
EOSIO_IMPORT(get_active_producers)
uint32_t get_active_producers(cps_name *producers, uint32_t size);

#endif
