;; bigmem: a contract with 2 pages of initial memory, two locals of 8 bytes and a 40-byte export
;; name besides apply — over a max_pages of 1, a max_func_local_bytes of 8 and a
;; max_symbol_bytes of 32. Every action succeeds.
(module
  (memory 2)
  (func (export "apply") (param i64 i64 i64) (local i64 i64)
    (local.set 3 (local.get 0)))
  (func (export "an_export_name_of_exactly_forty_bytes_xx")))
