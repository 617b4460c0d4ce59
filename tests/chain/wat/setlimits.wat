;; setlimits: a privileged test contract for eosio. Action "setlimits" with data
;; {account u64, ram_bytes i64, net_weight i64, cpu_weight i64} calls set_resource_limits;
;; every other action (native ones, onblock) is accepted and ignored.
(module
  (import "env" "read_action_data" (func $read (param i32 i32) (result i32)))
  (import "env" "set_resource_limits" (func $set_limits (param i64 i64 i64 i64)))
  (import "env" "require_auth" (func $require_auth (param i64)))
  (memory 1)
  (func (export "apply") (param $receiver i64) (param $code i64) (param $action i64)
    ;; 14029582870142517248 = name "setlimits"
    (if (i64.eq (local.get $action) (i64.const -4417161203567034368))
      (then
        (call $require_auth (local.get $receiver))
        (drop (call $read (i32.const 0) (i32.const 32)))
        (call $set_limits (i64.load (i32.const 0)) (i64.load (i32.const 8))
                          (i64.load (i32.const 16)) (i64.load (i32.const 24)))))))
