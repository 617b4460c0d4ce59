;; setprods: a privileged test contract for eosio. Action "setprods" with data
;; vector<producer_key {name, public_key}> hands those bytes to set_proposed_producers and returns
;; its result (the proposed version or -1) as the action's return value (8 bytes, little-endian);
;; every other action (native ones, onblock) is accepted and ignored.
(module
  (import "env" "read_action_data" (func $read (param i32 i32) (result i32)))
  (import "env" "action_data_size" (func $size (result i32)))
  (import "env" "set_proposed_producers" (func $propose (param i32 i32) (result i64)))
  (import "env" "set_action_return_value" (func $ret (param i32 i32)))
  (import "env" "require_auth" (func $require_auth (param i64)))
  (memory 1)
  (func (export "apply") (param $receiver i64) (param $code i64) (param $action i64)
    (local $n i32)
    ;; -4417085855374508032 = name "setprods"
    (if (i64.eq (local.get $action) (i64.const -4417085855374508032))
      (then
        (call $require_auth (local.get $receiver))
        (local.set $n (call $size))
        (drop (call $read (i32.const 16) (local.get $n)))
        (i64.store (i32.const 0) (call $propose (i32.const 16) (local.get $n)))
        (call $ret (i32.const 0) (i32.const 8))))))
